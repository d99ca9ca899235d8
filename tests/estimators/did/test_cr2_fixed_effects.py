"""CR2 with absorbed unit and period fixed effects: twfe(se="CR2"), event_study(se="CR2").

Reference: tests/fixtures/cr2_fe/ (clubSandwich 0.5.8 ``coef_test(vcov = "CR2", test =
"Satterthwaite")`` on ``lm`` with factor dummies and on ``plm(model = "within", effect =
"twoways")``; see PROVENANCE.txt there). Panels: balanced and unbalanced with 12 clusters
(the units), and 36 units nested in 12 clusters; event studies with 8-9 dummies.

Tolerances (relative): estimate 1e-8, SE, df and p 1e-6 (measured ~4e-14).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from effekt.errors import NotEstimableError, SpecError
from effekt.estimators import event_study, twfe
from effekt.estimators.covariance import sandwich

FIXTURES = Path(__file__).parents[2] / "fixtures" / "cr2_fe"
MISSING = [f for f in ("panels.csv", "cr2_fe_reference.csv") if not (FIXTURES / f).exists()]
pytestmark = [pytest.mark.skipif(bool(MISSING), reason=f"fixtures absent: {MISSING}"),
              pytest.mark.filterwarnings("ignore::effekt.errors.EffektWarning")]
TOL_EST, TOL = 1e-8, 1e-6


def _data(name: str) -> pd.DataFrame:
    panels = pd.read_csv(FIXTURES / "panels.csv")
    return panels[panels["data"] == name].reset_index(drop=True)


def _reference(name: str, model: str) -> pd.DataFrame:
    ref = pd.read_csv(FIXTURES / "cr2_fe_reference.csv")
    return ref[(ref["data"] == name) & (ref["model"] == model)]


def _rel(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b) / np.abs(b)))


def _fit(name: str, model: str, se: str = "CR2"):
    df = _data(name)  # two cohorts: the staggered-adoption warning is filtered
    if model == "twfe":
        return twfe(df, outcome="y", unit="unit", time="time", treatment="d",
                    cluster="cluster", se=se)
    return event_study(df, outcome="y", unit="unit", time="time", cohort="cohort",
                       cluster="cluster", se=se)


def _effekt_rows(res, model: str) -> pd.DataFrame:
    if model == "twfe":
        return pd.DataFrame({"estimate": [res.estimate], "se": [res.std_error],
                             "df": [res.df], "p": [res.p_value]})
    frame = res.to_frame()
    frame = frame[~frame["reference"]]
    return pd.DataFrame({"event_time": frame["event_time"].to_numpy(),
                         "estimate": frame["estimate"].to_numpy(),
                         "se": frame["std_error"].to_numpy(), "df": frame["df"].to_numpy(),
                         "p": frame["p_value"].to_numpy()})


CASES = [(d, m, f) for d in ("balanced", "unbalanced") for m in ("twfe", "event_study")
         for f in ("lm_dummies", "plm_twoways")]
CASES += [("nested", m, "lm_dummies") for m in ("twfe", "event_study")]


@pytest.mark.parametrize(("name", "model", "fit"), CASES)
def test_cr2_fixed_effects_match_clubsandwich(name, model, fit):
    ref = _reference(name, model)
    ref = ref[ref["fit"] == fit].sort_values("event_time")
    res = _fit(name, model)
    ours = _effekt_rows(res, model)
    assert res.df_method == "Satterthwaite"
    assert res.n_clusters == 12 and res.nobs == int(ref["n"].iloc[0])
    if model == "event_study":
        assert ours["event_time"].tolist() == ref["event_time"].astype(int).tolist()
        assert len(ours) >= 7  # several dummies
    assert _rel(ours["estimate"], ref["estimate"]) < TOL_EST
    assert _rel(ours["se"], ref["se_cr2"]) < TOL
    assert _rel(ours["df"], ref["df_satterthwaite"]) < TOL
    assert _rel(ours["p"], ref["p_satterthwaite"]) < TOL


def test_lm_dummies_and_plm_agree_in_the_fixtures():
    """The two clubSandwich routes are one quantity (Pustejovsky-Tipton 2018, Theorem 2)."""
    ref = pd.read_csv(FIXTURES / "cr2_fe_reference.csv")
    ref = ref[ref["data"] != "nested"]
    wide = ref.pivot_table(index=["data", "model", "term"], columns="fit",
                           values=["se_cr2", "df_satterthwaite"])
    for v in ("se_cr2", "df_satterthwaite"):
        assert _rel(wide[(v, "plm_twoways")], wide[(v, "lm_dummies")]) < 1e-9


def test_cr2_within_equals_cr2_of_the_dummy_regression():
    """effekt's absorbed CR2 equals sandwich(CR2) on the full dummy design, its coefficient."""
    df = _data("unbalanced")
    res = _fit("unbalanced", "twfe")
    unit = pd.get_dummies(df["unit"]).to_numpy(float)
    time = pd.get_dummies(df["time"]).to_numpy(float)[:, 1:]
    X = np.column_stack([df["d"].to_numpy(float), unit, time])
    y = df["y"].to_numpy(float)
    coef = np.linalg.lstsq(X, y, rcond=None)[0]
    full = sandwich(X, y - X @ coef, cov_type="CR2", clusters=df["cluster"].to_numpy())
    assert abs(coef[0] - res.estimate) < 1e-10
    assert _rel(np.sqrt(full.vcov[0, 0]), res.std_error) < 1e-8
    assert _rel(full.coef_df[0], res.df) < 1e-8


def test_cr2_without_the_period_effects_in_the_hat_matrix_differs():
    """Leaving the (non-nested) period effects out of the adjustment changes the SE."""
    df = _data("balanced")
    res = _fit("balanced", "twfe")
    from effekt.estimators._linalg import demean_two_way
    from effekt.estimators.did._input import codes

    z = demean_two_way(df[["y", "d"]].to_numpy(float), codes(df["unit"]), codes(df["time"]))
    b = z[:, 1] @ z[:, 0] / (z[:, 1] @ z[:, 1])
    naive = sandwich(z[:, [1]], z[:, 0] - b * z[:, 1], cov_type="CR2",
                     clusters=df["cluster"].to_numpy())
    assert abs(np.sqrt(naive.vcov[0, 0]) / res.std_error - 1) > 1e-4


def test_cr1_stays_the_default_and_cr2_refuses_weights():
    df = _data("balanced").assign(w=lambda d: 1.0 + (d["unit"] % 3))
    assert _fit("balanced", "twfe", se="CR1").df_method == "G-1"
    assert _fit("balanced", "twfe", se="CR1").df == 11
    with pytest.raises(SpecError, match="weighted least squares"):
        twfe(df, outcome="y", unit="unit", time="time", treatment="d", weights="w",
             se="CR2")
    with pytest.raises(SpecError, match="se"):
        twfe(df, outcome="y", unit="unit", time="time", treatment="d", se="CR3")


def test_cr2_needs_units_or_periods_nested_in_clusters():
    df = _data("balanced")
    df["crossed"] = (df["unit"] + df["time"]) % 4
    with pytest.raises(NotEstimableError, match="nested"):
        twfe(df, outcome="y", unit="unit", time="time", treatment="d", cluster="crossed",
             se="CR2")


def test_event_study_cr2_summary_and_frame():
    res = _fit("balanced", "event_study")
    frame = res.to_frame()
    assert frame.loc[frame["reference"], "df"].isna().all()
    assert (frame.loc[~frame["reference"], "df"] < 11).all()
    assert "Satterthwaite df by event time" in res.summary()


def test_event_study_average_has_the_satterthwaite_df_of_its_contrast():
    """The mean of the post coefficients under CR2: its df is that of the contrast a'b in
    the full dummy regression (computed here on the dummy design itself), not any one
    coefficient's; one event time alone gives that coefficient's df."""
    import pandas as pd

    from effekt.estimators import event_study
    from effekt.estimators.covariance import satterthwaite_df
    from effekt.synthetic.examples import staggered_panel

    df = staggered_panel(n_units=24, periods=6, cohorts=(3, 5), effect=1.0, seed=3)
    res = event_study(df, outcome="y", unit="id", time="t", cohort="g", se="CR2")
    est, se = res.average()
    dof = res.average_df()
    frame = res.to_frame().set_index("event_time")
    post = frame.index[(frame.index >= 0)]
    assert est == pytest.approx(frame.loc[post, "estimate"].mean(), abs=1e-12)
    # the dummy regression: event-time dummies (reference -1 out), unit and period dummies
    e = np.where(df["g"] > 0, df["t"] - df["g"], np.nan)
    keep = [k for k in frame.index if k != res.reference]
    dummies = np.column_stack([(e == k).astype(float) for k in keep])
    units = pd.get_dummies(df["id"]).to_numpy(float)
    periods = pd.get_dummies(df["t"]).to_numpy(float)[:, 1:]
    X = np.column_stack([dummies, units, periods])
    c = np.zeros(X.shape[1])
    c[[keep.index(k) for k in post]] = 1.0 / len(post)
    assert dof == pytest.approx(satterthwaite_df(X, df["id"].to_numpy(), c), rel=1e-8)
    assert res.average([0]) == pytest.approx(tuple(frame.loc[0, ["estimate", "std_error"]]))
    assert res.average_df([0]) == pytest.approx(frame.loc[0, "df"], rel=1e-10)
    assert dof != pytest.approx(frame.loc[0, "df"], rel=1e-3)
    cr1 = event_study(df, outcome="y", unit="id", time="t", cohort="g")
    assert cr1.average_df() == cr1.n_clusters - 1
