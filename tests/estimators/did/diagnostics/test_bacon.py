"""Tests of effekt.estimators.did.diagnostics.bacon: the Goodman-Bacon (2021) decomposition.

Checked: the identities of the theorem (weights sum to 1, the weighted 2x2s add up to the
TWFE coefficient) against effekt's own ``twfe`` and linearmodels 7.1 ``PanelOLS`` to
1e-10 on synthetic panels with and without never-treated and always-treated units; every
2x2 estimate against the TWFE regression on its own subsample (1e-10); every 2x2 estimate
and weight against pybacondecomp 0.1.0 (tests/fixtures/bacon, made by make_bacon.py) to
1e-8; the castle-doctrine panel of causaldata 0.1.5 (a test-only dependency); the
boundary errors; the results protocol (summary, plot, immutability).
"""

from __future__ import annotations

import dataclasses
import time as clock
import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from linearmodels.panel import PanelOLS
from matplotlib.figure import Figure

from effekt.errors import DataError, EffektWarning, NotEstimableError, SpecError
from effekt.estimators.did.classic import twfe
from effekt.estimators.did.diagnostics.bacon import (
    COMPARISON_TYPES,
    BaconDecomposition,
    bacon_decomposition,
    cohort_from_treatment,
)
from effekt.synthetic.examples import staggered_panel

FIXTURES = Path(__file__).parents[3] / "fixtures" / "bacon"
TOL = 1e-10  # identities and regressions, deterministic
TOL_PEER = 1e-8  # against pybacondecomp's CSV (17 significant digits written)


def _heterogeneous(df: pd.DataFrame) -> pd.DataFrame:
    """Add effects that differ by cohort and grow with time since adoption."""
    out = df.copy()
    out["y"] = out["y"] + out["d"] * (0.3 * out["g"] + 0.5 * (out["t"] - out["g"]))
    return out


def _with_always(df: pd.DataFrame, share: float = 0.2, seed: int = 5) -> pd.DataFrame:
    """Make some units always treated (cohort at or before the first period)."""
    rng = np.random.default_rng(seed)
    ids = df["id"].unique()
    always = rng.choice(ids, size=int(share * ids.size), replace=False)
    out = df.copy()
    pick = out["id"].isin(always)
    start = pd.Series(rng.choice([1, -3], size=always.size), index=always)  # -3: before
    out.loc[pick, "g"] = out.loc[pick, "id"].map(start)
    out["d"] = ((out["g"] != 0) & (out["t"] >= out["g"])).astype(int)
    out.loc[pick, "y"] += 2.0  # treated throughout: a level shift the unit effect absorbs
    return out


PANELS = {
    "never": lambda: _heterogeneous(staggered_panel(n_units=90, periods=7,
                                                    cohorts=(3, 4, 6), seed=1)),
    "no_never": lambda: _heterogeneous(staggered_panel(n_units=80, periods=8,
                                                       cohorts=(2, 5, 7), seed=2,
                                                       never_treated=0.0)),
    "unequal": lambda: _heterogeneous(staggered_panel(n_units=200, periods=9,
                                                      cohorts=(2, 3, 4, 5, 6, 7, 8),
                                                      seed=3, never_treated=0.6)),
    "always_never": lambda: _heterogeneous(_with_always(staggered_panel(
        n_units=100, periods=8, cohorts=(3, 5, 6), seed=4))),
    "gaps": lambda: _heterogeneous(staggered_panel(n_units=70, periods=6, cohorts=(3, 4),
                                                   seed=7)).assign(
        t=lambda d: 2000 + 2 * d["t"], g=lambda d: np.where(d["g"] > 0, 2000 + 2 * d["g"], 0)),
    "always_only": lambda: _heterogeneous(_with_always(staggered_panel(
        n_units=100, periods=6, cohorts=(3, 4), seed=6, never_treated=0.0), share=0.3)),
}


def _linearmodels_twfe(df: pd.DataFrame, y="y", d="d", unit="id", time="t") -> float:
    x = df.set_index([unit, time])
    fit = PanelOLS(x[y].astype(float), x[[d]].astype(float), entity_effects=True,
                   time_effects=True).fit()
    return float(fit.params.iloc[0])


def _decompose(df: pd.DataFrame) -> BaconDecomposition:
    return bacon_decomposition(df, outcome="y", unit="id", time="t", cohort="g")


@pytest.mark.parametrize("name", list(PANELS))
def test_weights_sum_to_one_and_average_to_twfe(name):
    df = PANELS[name]()
    dec = _decompose(df)
    frame = dec.to_frame()
    assert frame["weight"].sum() == pytest.approx(1.0, abs=1e-12)
    assert (frame["weight"] > 0).all()
    assert float(frame["weight"] @ frame["estimate"]) == pytest.approx(dec.twfe_estimate,
                                                                       abs=TOL)
    assert dec.twfe_estimate == pytest.approx(_linearmodels_twfe(df), abs=TOL)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EffektWarning)  # the staggered-adoption warning
        own = twfe(df, outcome="y", unit="id", time="t", treatment="d").estimate
    assert dec.twfe_estimate == pytest.approx(own, abs=TOL)
    by = dec.by_type()
    assert by["weight"].sum() == pytest.approx(1.0, abs=1e-12)
    assert float(by["weight"] @ by["estimate"]) == pytest.approx(dec.twfe_estimate, abs=TOL)
    assert by["n_comparisons"].sum() == len(frame)


def test_comparison_types_present_match_the_design():
    types = {name: set(_decompose(make()).to_frame()["comparison_type"])
             for name, make in PANELS.items()}
    timing = {"earlier_vs_later", "later_vs_earlier"}
    assert types["never"] == timing | {"treated_vs_never"}
    assert types["no_never"] == timing
    assert types["always_never"] == timing | {"treated_vs_never", "treated_vs_always"}
    assert types["always_only"] == timing | {"treated_vs_always"}
    assert types["gaps"] == timing | {"treated_vs_never"}


@pytest.mark.parametrize("name", ["never", "always_never"])
def test_each_2x2_is_the_twfe_of_its_subsample(name):
    df = PANELS[name]()
    dec = _decompose(df)
    first = df["t"].min()
    start = df.groupby("id")["g"].first()
    group = start.where(start > first, first).where(start != 0, 0)  # always -> first period
    for row in dec.to_frame().itertuples(index=False):
        units = group.index[group.isin([row.treated, row.control])]
        sub = df[df["id"].isin(units)]
        if row.comparison_type == "earlier_vs_later":
            sub = sub[sub["t"] < row.control]
        elif row.comparison_type == "later_vs_earlier":
            sub = sub[sub["t"] >= row.control]
        # within the window only the treated group's treatment changes
        d = ((sub["id"].map(group) == row.treated) & (sub["t"] >= row.treated)).astype(int)
        ref = _linearmodels_twfe(sub.assign(d=d))
        assert row.estimate == pytest.approx(ref, abs=TOL), row
        assert row.n_treated == int((group == row.treated).sum())


def _peer(scenario: str) -> pd.DataFrame:
    ref = pd.read_csv(FIXTURES / "pybacondecomp_2x2.csv", comment="#")
    return ref[ref["scenario"] == scenario]


def _ours_pooled(dec: BaconDecomposition) -> pd.DataFrame:
    """Our rows in pybacondecomp's form: the always treated pooled with the never treated."""
    f = dec.to_frame()
    names = {"treated_vs_never": "Never vs timing", "treated_vs_always": "Never vs timing",
             "earlier_vs_later": "Early vs Late", "later_vs_earlier": "Late vs Early"}
    f["type"] = f["comparison_type"].map(names)
    f["control"] = np.where(f["type"] == "Never vs timing", "Never", f["control"].astype(str))
    f["treated"] = f["treated"].astype(str)
    f["we"] = f["weight"] * f["estimate"]
    out = f.groupby(["type", "treated", "control"], as_index=False)[["weight", "we"]].sum()
    out["estimate"] = out["we"] / out["weight"]
    return out.drop(columns="we")


def _castle() -> pd.DataFrame:
    causaldata = pytest.importorskip("causaldata", reason="causaldata: test-only dependency")
    df = causaldata.castle.load_pandas().data[["sid", "year", "l_homicide", "post"]]
    df = df.astype({"l_homicide": float})
    df["cohort"] = cohort_from_treatment(df, unit="sid", time="year", treatment="post")
    # the adoption year (R bacondecomp's coding): one year before post turns 1
    df["adoption"] = np.where(df["cohort"] > 0, df["cohort"] - 1, 0)
    return df


def _fixture_panels():
    panels = pd.read_csv(FIXTURES / "synthetic_panels.csv", comment="#")
    return {name: p.drop(columns="scenario") for name, p in panels.groupby("scenario")}


@pytest.mark.parametrize("scenario", ["castle_post", "castle_adoption", "synthetic_never",
                                      "synthetic_always_never", "synthetic_timing_only"])
def test_every_2x2_matches_pybacondecomp(scenario):
    if scenario.startswith("castle"):
        cohort = "cohort" if scenario == "castle_post" else "adoption"
        dec = bacon_decomposition(_castle(), outcome="l_homicide", unit="sid", time="year",
                                  cohort=cohort)
    else:
        panel = _fixture_panels()[scenario]
        dec = _decompose(panel)
        full = dec.twfe_estimate
        if scenario == "synthetic_always_never":
            # pybacondecomp 0.1.0 leaves the always treated (g == 1) out of its 2x2s while
            # its dd_estimate is the TWFE of the whole panel (see make_bacon.py)
            dec = _decompose(panel[panel["g"] != 1])
    ref = _peer(scenario)
    ref = ref.assign(treated=ref["treated"].astype(str), control=ref["control"].astype(str))
    merged = _ours_pooled(dec).merge(ref, on=["type", "treated", "control"], how="outer",
                                     suffixes=("", "_ref"), indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    np.testing.assert_allclose(merged["estimate"], merged["estimate_ref"], rtol=0,
                               atol=TOL_PEER)
    np.testing.assert_allclose(merged["weight"], merged["weight_ref"], rtol=0, atol=TOL_PEER)
    twfe_all = dec.twfe_estimate if scenario.startswith("castle") else full
    assert twfe_all == pytest.approx(ref["twfe"].iloc[0], abs=TOL_PEER)


def test_castle_doctrine_numbers():
    df = _castle()
    dec = bacon_decomposition(df, outcome="l_homicide", unit="sid", time="year",
                              cohort="cohort")
    # causaldata's post: 1 from the first full year with the law in force
    assert dec.twfe_estimate == pytest.approx(0.0693984, abs=1e-7)
    assert dec.twfe_estimate == pytest.approx(
        _linearmodels_twfe(df, "l_homicide", "post", "sid", "year"), abs=TOL)
    frame = dec.to_frame()
    assert float(frame["weight"] @ frame["estimate"]) == pytest.approx(0.0693984, abs=1e-7)
    assert dec.cohorts.tolist() == [2006, 2007, 2008, 2009, 2010]
    assert (dec.n_never, dec.n_always, len(frame)) == (29, 0, 25)
    # the adoption year (R bacondecomp's castle$post): its vignette's 0.0818
    adopted = bacon_decomposition(df, outcome="l_homicide", unit="sid", time="year",
                                  cohort="adoption")
    assert adopted.twfe_estimate == pytest.approx(0.0818, abs=5e-5)
    d = ((df["adoption"] > 0) & (df["year"] >= df["adoption"])).astype(int)
    assert adopted.twfe_estimate == pytest.approx(
        _linearmodels_twfe(df.assign(d=d), "l_homicide", "d", "sid", "year"), abs=TOL)


def test_single_timing_group_with_never_treated_is_one_2x2():
    df = staggered_panel(n_units=40, periods=5, cohorts=(3,), seed=7)
    dec = _decompose(df)
    frame = dec.to_frame()
    assert frame["comparison_type"].tolist() == ["treated_vs_never"]
    assert frame["weight"].tolist() == pytest.approx([1.0], abs=1e-12)
    assert frame["estimate"].iloc[0] == pytest.approx(dec.twfe_estimate, abs=TOL)


def test_labels_rows_order_and_input_untouched():
    df = PANELS["always_never"]()
    shuffled = df.sample(frac=1.0, random_state=0)
    shuffled["id"] = "u" + shuffled["id"].astype(str)
    before = shuffled.copy()
    a, b = _decompose(df), _decompose(shuffled)
    pd.testing.assert_frame_equal(shuffled, before)
    np.testing.assert_allclose(a.to_frame()["estimate"], b.to_frame()["estimate"], atol=1e-12)
    frame = a.to_frame()
    assert list(frame.columns) == ["comparison_type", "treated", "control", "estimate",
                                   "weight", "n_treated", "n_control"]
    kinds = frame["comparison_type"].map(COMPARISON_TYPES.index)
    assert kinds.is_monotonic_increasing
    assert (frame.loc[frame["comparison_type"] == "treated_vs_never", "control"] == 0).all()
    # the always treated (cohorts 1 and -3 alike) are labelled by the first period, 1
    assert (frame.loc[frame["comparison_type"] == "treated_vs_always", "control"] == 1).all()
    assert a.n_always == int((df.groupby("id")["g"].first().isin([1, -3])).sum())
    early = frame[frame["comparison_type"] == "earlier_vs_later"]
    assert (early["treated"] < early["control"]).all()
    late = frame[frame["comparison_type"] == "later_vs_earlier"]
    assert (late["treated"] > late["control"]).all()


def test_missing_cohort_means_never_treated():
    df = PANELS["never"]()
    nan = df.assign(g=df["g"].where(df["g"] != 0, np.nan))
    a, b = _decompose(df), _decompose(nan)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())


def test_cohort_after_the_panel_counts_as_never_treated_with_a_warning():
    df = PANELS["never"]()
    late = df.assign(g=df["g"].replace(0, 99))
    with pytest.warns(EffektWarning, match="after the last period"):
        dec = _decompose(late)
    pd.testing.assert_frame_equal(dec.to_frame(), _decompose(df).to_frame())


def test_speed_castle_sized_panel():
    df = _heterogeneous(staggered_panel(n_units=50, periods=11,
                                        cohorts=(2, 3, 4, 5, 6, 7, 8, 9, 10, 11), seed=8))
    start = clock.perf_counter()
    _decompose(df)
    assert clock.perf_counter() - start < 1.0


# ----------------------------------------------------------------------------------------
# boundary errors


def test_unbalanced_panel_names_incomplete_units():
    df = PANELS["never"]()
    drop = df[(df["id"].isin([0, 1, 2])) & (df["t"] == 4)].index
    with pytest.raises(DataError, match=r"not a balanced panel: 3 of 90 units"):
        _decompose(df.drop(index=drop))


def test_cohort_varying_within_unit_is_not_absorbing():
    df = PANELS["never"]()
    df.loc[(df["id"] == 0) & (df["t"] == 2), "g"] = 5
    with pytest.raises(DataError, match=r"constant within each unit.*1 unit\(s\)"):
        _decompose(df)


def test_cohort_from_treatment_checks_absorbing_and_binary():
    df = PANELS["never"]()
    pd.testing.assert_series_equal(cohort_from_treatment(df, "id", "t", "d"),
                                   df["g"].rename("cohort"), check_dtype=False)
    off = df.copy()
    off.loc[(off["g"] == 3) & (off["t"] == 5), "d"] = 0
    n = off.loc[off["g"] == 3, "id"].nunique()
    with pytest.raises(DataError, match=rf"not absorbing: {n} unit\(s\)"):
        cohort_from_treatment(off, "id", "t", "d")
    with pytest.raises(DataError, match="only 0 and 1"):
        cohort_from_treatment(df.assign(d=df["d"] * 0.5), "id", "t", "d")
    with pytest.raises(DataError, match="missing"):
        cohort_from_treatment(df.assign(d=df["d"].where(df["t"] != 2)), "id", "t", "d")


@pytest.mark.parametrize("change, error, match", [
    (lambda d: d.assign(y=d["y"].where(d["t"] != 3)), DataError, r"'y' \(\d+ missing\)"),
    (lambda d: d.assign(y=d["y"].where(d["t"] != 3, np.inf)), DataError, "infinite"),
    (lambda d: d.assign(g=d["g"].astype(str)), DataError, "'g' .* must be numeric"),
    (lambda d: d.assign(t=d["t"].astype(str)), DataError, "'t' .* must be numeric"),
    (lambda d: pd.concat([d, d.iloc[:1]]), DataError, r"share a \(id, t\) key"),
    (lambda d: d.drop(columns="g"), DataError, "no column 'g'"),
    (lambda d: d.assign(g=0), NotEstimableError, "no timing variation"),
    (lambda d: d.assign(g=np.where(d["g"] > 0, 1, 0)), NotEstimableError,
     "no timing variation"),
    (lambda d: d.assign(g=3), NotEstimableError, "collinear with the period effects"),
    (lambda d: d[d["t"] == 1], NotEstimableError, "single period"),
])
def test_bad_input_errors(change, error, match):
    with pytest.raises(error, match=match):
        _decompose(change(PANELS["never"]()))


def test_bad_column_argument_is_a_spec_error():
    with pytest.raises(SpecError, match="cohort"):
        bacon_decomposition(PANELS["never"](), outcome="y", unit="id", time="t", cohort=None)


# ----------------------------------------------------------------------------------------
# the results protocol


def test_summary_html_and_immutability():
    dec = _decompose(PANELS["always_never"]())
    text = dec.summary()
    assert text == _decompose(PANELS["always_never"]()).summary()
    assert str(dec) == text and repr(dec) == text
    assert dec._repr_html_().startswith("<pre>") and "Goodman-Bacon" in dec._repr_html_()
    for word in ("TWFE estimate", "treated_vs_always", "later_vs_earlier", "Sum of weights"):
        assert word in text
    assert f"{dec.twfe_estimate:.6f}" in text
    assert "std_error" not in dec.to_frame().columns  # descriptive: no standard errors
    assert "Goodman-Bacon" in dec.estimand and dec.inference.startswith("none")
    assert dec.nobs == 800 and (dec.n_units, dec.n_periods) == (100, 8)
    with pytest.raises(dataclasses.FrozenInstanceError):
        dec.twfe_estimate = 0.0
    frame = dec.to_frame()
    frame["estimate"] *= 0  # a copy: the result does not change
    assert float(dec.to_frame()["weight"] @ dec.to_frame()["estimate"]) == pytest.approx(
        dec.twfe_estimate, abs=TOL)


def test_summary_of_many_comparisons_points_to_the_table():
    df = staggered_panel(n_units=300, periods=12, cohorts=tuple(range(2, 12)), seed=9)
    text = _decompose(df).summary()
    assert "see to_frame()" in text


def test_plot_returns_the_figure():
    dec = _decompose(PANELS["always_never"]())
    fig = dec.plot()
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert len(ax.collections) == 4  # one scatter per comparison type
    assert ax.lines[0].get_ydata()[0] == pytest.approx(dec.twfe_estimate)
    plt.close(fig)
    fig2, ax2 = plt.subplots()
    assert dec.plot(ax=ax2) is fig2
    plt.close(fig2)
