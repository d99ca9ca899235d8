"""The Sun & Abraham (2021) interaction-weighted event study (sun_abraham).

Parity with pyfixest 0.60.0's saturated event study on R did's mpdta (fixture made by
tests/fixtures/sunab_pyfixest/make_sunab.py): estimates to 1e-6; standard errors to 1e-6
relative after pyfixest's small-sample factor (its CRV1 counts the T period effects in K,
effekt's CR1 does not: SE_pyfixest = SE_effekt * sqrt((N-K)/(N-K-T))). Then a panel with
effects that differ between cohorts (where the TWFE event study is biased), unbalanced
panels against the full dummy regression, the boundary errors and the protocol.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from effekt.errors import DataError, EffektWarning, NotEstimableError, SpecError
from effekt.estimators import event_study
from effekt.estimators.did.eventstudy.sun_abraham import sun_abraham
from effekt.results import EFFECT_COLUMNS

REF = Path(__file__).parents[5] / "shared" / "reference" / "did_mpdta"
FIXTURE = Path(__file__).parents[3] / "fixtures" / "sunab_pyfixest"
needs_mpdta = pytest.mark.skipif(not (REF / "mpdta.csv").exists(),
                                 reason=f"R did reference data missing at {REF}")


@pytest.fixture(scope="module")
def mpdta():
    return pd.read_csv(REF / "mpdta.csv").rename(columns={"first.treat": "first_treat"})


def _fit_mpdta(mpdta, **kw):
    # pyfixest holds the cohort shares fixed in the covariance
    return sun_abraham(mpdta, outcome="lemp", unit="countyreal", time="year",
                       cohort="first_treat", **{"share_variance": False, **kw})


def _pyfixest_factor(res) -> float:
    """pyfixest's SE over effekt's: its K also counts the T period effects."""
    n, k = res.nobs, len(res.cohort_effects)
    periods = res.nobs // res.n_clusters  # balanced: rows per unit = periods used
    return float(np.sqrt((n - k) / (n - k - periods)))


@needs_mpdta
@pytest.mark.parametrize("control", ["never", "last"])
def test_parity_with_pyfixest_event_times(mpdta, control):
    res = _fit_mpdta(mpdta, control=control)
    ref = pd.read_csv(FIXTURE / "event_time.csv").query("scenario == @control")
    frame = res.to_frame()
    est = frame[~frame["reference"]].merge(ref, on="event_time", suffixes=("", "_pf"))
    assert len(est) == len(ref) == (~frame["reference"]).sum()
    np.testing.assert_allclose(est["estimate"], est["estimate_pf"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(est["std_error"] * _pyfixest_factor(res), est["std_error_pf"],
                               rtol=1e-6)


@needs_mpdta
@pytest.mark.parametrize("control", ["never", "last"])
def test_parity_with_pyfixest_cohort_effects(mpdta, control):
    res = _fit_mpdta(mpdta, control=control)
    ref = pd.read_csv(FIXTURE / "cohort_effects.csv").query("scenario == @control")
    cells = res.cohort_effects.merge(ref, on=["cohort", "event_time"], suffixes=("", "_pf"))
    assert len(cells) == len(ref) == len(res.cohort_effects)
    np.testing.assert_allclose(cells["estimate"], cells["estimate_pf"], rtol=0, atol=1e-6)
    np.testing.assert_allclose(cells["std_error"] * _pyfixest_factor(res),
                               cells["std_error_pf"], rtol=1e-6)


@needs_mpdta
def test_mpdta_design(mpdta):
    res = _fit_mpdta(mpdta)
    assert res.nobs == 2500 and res.n_clusters == 500 and res.n_cohorts == 3
    assert res.to_frame()["event_time"].tolist() == [-4, -3, -2, -1, 0, 1, 2, 3]
    # the weights are the cohorts' shares of the treated rows at each event time
    w = res.cohort_effects.set_index(["cohort", "event_time"])["weight"]
    n = mpdta[mpdta["first_treat"] > 0].groupby("first_treat")["countyreal"].nunique()
    assert w[(2004, 0)] == pytest.approx(n[2004] / n.sum(), abs=1e-12)
    assert w[(2006, 1)] == pytest.approx(n[2006] / (n[2004] + n[2006]), abs=1e-12)
    last = _fit_mpdta(mpdta, control="last")
    assert last.nobs == 191 * 4 and "2007" in last.control_words


def _heterogeneous(n=600, periods=8, seed=0, cohorts=(0, 3, 5, 7)):
    """Effects that grow with event time and differ between cohorts; parallel trends."""
    rng = np.random.default_rng(seed)
    g = rng.choice(cohorts, n)
    df = pd.DataFrame({"id": np.repeat(np.arange(n), periods),
                       "t": np.tile(np.arange(1, periods + 1), n), "g": np.repeat(g, periods)})
    e = np.where(df["g"] > 0, df["t"] - df["g"], -99)
    scale = df["g"].map({0: 0.0, 1: 3.0, 3: 2.0, 4: 1.5, 5: 1.0, 7: 0.0}).to_numpy()
    df["tau"] = np.where(e >= 0, (1.0 + 0.5 * e) * scale, 0.0)
    df["y"] = (np.repeat(rng.normal(size=n), periods) + 0.3 * df["t"] + df["tau"]
               + rng.normal(size=len(df)))
    return df


def _truth(df):
    """The IW estimand at each event time: the mean effect over the treated rows there."""
    treated = df[df["g"] > 0]
    return treated.groupby(treated["t"] - treated["g"])["tau"].mean()


def test_heterogeneous_effects_recovered_where_twfe_is_biased():
    df = _heterogeneous()
    res = sun_abraham(df, outcome="y", unit="id", time="t", cohort="g")
    truth = _truth(df)
    frame = res.to_frame().set_index("event_time").drop(index=-1)
    z_iw = (frame["estimate"] - truth[frame.index]) / frame["std_error"]
    assert np.abs(z_iw).max() < 3.5
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EffektWarning)
        tw = event_study(df, outcome="y", unit="id", time="t", cohort="g").to_frame()
    tw = tw.set_index("event_time").drop(index=-1)
    z_tw = (tw["estimate"] - truth[tw.index]) / tw["std_error"]
    assert np.abs(z_tw).max() > 5  # the TWFE leads pick up the cohorts' different effects
    est, se = res.average()
    post = truth[truth.index >= 0].mean()
    assert abs(est - post) < 3.5 * se


def test_noise_free_recovers_every_cohort_effect():
    df = _heterogeneous(n=80, seed=3)
    # no noise but a trace (1e-6), so that the standard errors are not zero
    noise = np.random.default_rng(0).normal(scale=1e-6, size=len(df))
    df["y"] = df["id"] * 0.1 + 0.3 * df["t"] ** 2 + df["tau"] + noise
    res = sun_abraham(df, outcome="y", unit="id", time="t", cohort="g")
    cells = res.cohort_effects
    true = df.assign(e=df["t"] - df["g"]).groupby(["g", "e"])["tau"].first()
    expected = true.loc[list(zip(cells["cohort"], cells["event_time"], strict=True))]
    np.testing.assert_allclose(cells["estimate"], expected.to_numpy(), atol=1e-5)
    truth = _truth(df)
    frame = res.to_frame().set_index("event_time").drop(index=-1)
    np.testing.assert_allclose(frame["estimate"], truth[frame.index], atol=1e-5)


def _dummy_regression(df, cells):
    """OLS on unit and period dummies plus the cell dummies: the reference coefficients."""
    e = df["t"] - df["g"]
    cols = [((df["g"] == c) & (e == k)).astype(float).to_numpy()
            for c, k in zip(cells["cohort"], cells["event_time"], strict=True)]
    units = pd.get_dummies(df["id"]).to_numpy(float)
    periods = pd.get_dummies(df["t"]).to_numpy(float)[:, 1:]
    X = np.column_stack([*cols, units, periods])
    return np.linalg.lstsq(X, df["y"].to_numpy(), rcond=None)[0][: len(cols)]


def test_unbalanced_panel_equals_dummy_regression():
    df = _heterogeneous(n=300, seed=5)
    rng = np.random.default_rng(7)
    df = df[rng.random(len(df)) > 0.2].reset_index(drop=True)  # a fifth of the rows gone
    res = sun_abraham(df, outcome="y", unit="id", time="t", cohort="g")
    cells = res.cohort_effects
    np.testing.assert_allclose(cells["estimate"], _dummy_regression(df, cells), atol=1e-8)
    # the weights count the rows observed in each cell
    e = df["t"] - df["g"]
    n = df[df["g"] > 0].groupby([df["g"], e]).size()
    assert cells["n_treated"].tolist() == [int(n[(c, k)]) for c, k in
                                           zip(cells["cohort"], cells["event_time"],
                                               strict=True)]
    assert res.nobs == len(df)


def _fixed_and_shares(df):
    return (sun_abraham(df, outcome="y", unit="id", time="t", cohort="g",
                        share_variance=False),
            sun_abraham(df, outcome="y", unit="id", time="t", cohort="g"))


def test_share_variance_adds_only_where_cohorts_are_mixed():
    fixed, shares = _fixed_and_shares(_heterogeneous(n=300, seed=2))
    np.testing.assert_array_equal(fixed.estimate, shares.estimate)
    # event times with a single cohort have weight 1: nothing to add
    single = fixed.cohort_effects.groupby("event_time").size().eq(1)
    at = np.isin(fixed.event_time, single[single].index)
    assert at.sum() >= 2
    np.testing.assert_allclose(fixed.std_error[at], shares.std_error[at], rtol=1e-12)
    mixed = ~at & (fixed.event_time != -1)
    assert np.all(shares.std_error[mixed] >= fixed.std_error[mixed])
    assert "estimation variance added" in shares.inference


@pytest.mark.slow
def test_share_variance_matches_unit_bootstrap():
    df = _heterogeneous(n=300, seed=2)
    fixed, shares = _fixed_and_shares(df)
    rng = np.random.default_rng(11)
    n_units, periods = df["id"].nunique(), df["t"].nunique()  # sorted by id, then t
    draws = []
    for _ in range(200):
        pick = rng.integers(n_units, size=n_units)
        rows = (pick[:, None] * periods + np.arange(periods)).ravel()
        boot = df.iloc[rows].assign(id=np.repeat(np.arange(n_units), periods))
        draws.append(sun_abraham(boot, outcome="y", unit="id", time="t",
                                 cohort="g").estimate)
    sd = np.std(np.array(draws), axis=0, ddof=1)
    k = int(np.flatnonzero(fixed.event_time == 1)[0])
    # 200 draws: the bootstrap SD is within about 15% (3 SE of an SD) of the true one
    assert abs(sd[k] / shares.std_error[k] - 1) < 0.15
    assert shares.std_error[k] > 1.15 * fixed.std_error[k]


def test_no_never_treated():
    df = _heterogeneous(n=300, seed=1, cohorts=(3, 5, 7))
    with pytest.raises(NotEstimableError, match="control='last'"):
        sun_abraham(df, outcome="y", unit="id", time="t", cohort="g")
    res = sun_abraham(df, outcome="y", unit="id", time="t", cohort="g", control="last")
    assert res.n_cohorts == 2 and res.nobs == int((df["t"] < 7).sum())
    truth = _truth(df[(df["t"] < 7) & (df["g"] < 7)])
    frame = res.to_frame().set_index("event_time").drop(index=-1)
    assert np.abs((frame["estimate"] - truth[frame.index]) / frame["std_error"]).max() < 3.5
    one = df[df["g"].isin([3])]
    with pytest.raises(NotEstimableError, match="one treated cohort"):
        sun_abraham(one.assign(g=3), outcome="y", unit="id", time="t", cohort="g",
                    control="last")


def test_always_treated_units_are_left_out():
    df = _heterogeneous(n=200, seed=4, cohorts=(0, 1, 4))
    with pytest.warns(EffektWarning, match="always treated"):
        res = sun_abraham(df, outcome="y", unit="id", time="t", cohort="g")
    assert res.nobs == int((df["g"] != 1).sum())
    assert res.cohort_effects["cohort"].unique().tolist() == [4]


def test_window_reference_and_bad_arguments():
    df = _heterogeneous(n=200, seed=6)
    full = sun_abraham(df, outcome="y", unit="id", time="t", cohort="g")
    cut = sun_abraham(df, outcome="y", unit="id", time="t", cohort="g", min_e=-2, max_e=2)
    assert cut.to_frame()["event_time"].tolist() == [-2, -1, 0, 1, 2]
    keep = np.isin(full.event_time, cut.event_time)
    np.testing.assert_allclose(cut.estimate, full.estimate[keep])  # rows selected, not refit
    est, se = cut.average()
    a = np.isin(cut.event_time, [0, 1, 2]) / 3
    v = np.nan_to_num(cut.vcov.to_numpy())
    assert est == pytest.approx(a @ cut.estimate, abs=1e-12)
    assert se == pytest.approx(np.sqrt(a @ v @ a), rel=1e-12)
    with pytest.raises(SpecError, match="select no estimated event time"):
        sun_abraham(df, outcome="y", unit="id", time="t", cohort="g", min_e=20)
    other = sun_abraham(df, outcome="y", unit="id", time="t", cohort="g", reference=-2)
    assert other.to_frame().query("reference")["event_time"].tolist() == [-2]
    with pytest.raises(NotEstimableError, match="no row at event time -6"):
        sun_abraham(df, outcome="y", unit="id", time="t", cohort="g", reference=-6)
    for kw, err in [(dict(control="notyet"), SpecError), (dict(reference=-1.0), SpecError),
                    (dict(min_e="a"), SpecError), (dict(share_variance=1), SpecError),
                    (dict(cluster="nope"), DataError)]:
        with pytest.raises(err):
            sun_abraham(df, outcome="y", unit="id", time="t", cohort="g", **kw)
    bad = df.assign(g=np.where(df["t"] == 2, 3, df["g"]))
    with pytest.raises(DataError, match="constant within each unit"):
        sun_abraham(bad, outcome="y", unit="id", time="t", cohort="g")


def test_covariates_and_cluster():
    df = _heterogeneous(n=240, seed=8)
    rng = np.random.default_rng(0)
    df["x"] = rng.normal(size=len(df))
    df["y"] = df["y"] + 0.5 * df["x"]
    df["region"] = df["id"] % 24
    res = sun_abraham(df, outcome="y", unit="id", time="t", cohort="g", covariates="x",
                      cluster="region")
    cells = res.cohort_effects
    e = df["t"] - df["g"]
    cols = [((df["g"] == c) & (e == k)).astype(float).to_numpy()
            for c, k in zip(cells["cohort"], cells["event_time"], strict=True)]
    X = np.column_stack([*cols, df["x"], pd.get_dummies(df["id"]).to_numpy(float),
                         pd.get_dummies(df["t"]).to_numpy(float)[:, 1:]])
    coef = np.linalg.lstsq(X, df["y"].to_numpy(), rcond=None)[0]
    np.testing.assert_allclose(cells["estimate"], coef[: len(cols)], atol=1e-8)
    assert res.n_clusters == 24 and res.cluster == "region"
    with pytest.raises(NotEstimableError, match="absorbed"):
        sun_abraham(df.assign(z=df["id"] % 3), outcome="y", unit="id", time="t",
                    cohort="g", covariates="z")


def test_results_protocol():
    df = _heterogeneous(n=200, seed=9)
    res = sun_abraham(df, outcome="y", unit="id", time="t", cohort="g")
    frame = res.to_frame()
    assert frame.columns.tolist() == ["event_time", *EFFECT_COLUMNS, "reference",
                                      "n_treated"]
    v = res.vcov
    assert v.index.tolist() == frame["event_time"].tolist()
    ref = frame["reference"].to_numpy()
    np.testing.assert_allclose(np.diag(v.to_numpy())[~ref], frame["std_error"][~ref] ** 2)
    assert v.loc[-1].isna().all()
    assert res.cohort_vcov.shape == (len(res.cohort_effects),) * 2
    assert "cohort-share weights" in res.estimand and "CR1" in res.inference
    text = res.summary()
    assert text == str(sun_abraham(df, outcome="y", unit="id", time="t", cohort="g"))
    assert "Cohort effects CATT(g, e)" in text and "<pre>" in res._repr_html_()
    fig = res.plot()
    assert isinstance(fig, Figure)
    plt.close(fig)
    with pytest.raises(NotEstimableError, match="wild_bootstrap"):
        res.wild_bootstrap()
    with pytest.raises(NotEstimableError, match="randomization_test"):
        res.randomization_test()
    with pytest.raises(AttributeError):
        res.estimate = None
