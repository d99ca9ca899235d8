"""The imputation DiD estimator of Borusyak, Jaravel & Spiess (2024) (imputation_did).

Parity with pyfixest 0.60.0's did2s (Gardner 2022) on R did's mpdta (fixture made by
tests/fixtures/imputation_pyfixest/make_imputation.py): point estimates by event time and
overall, unweighted, weighted and with a time-varying covariate, to 1e-8; did2s's GMM
standard errors equal BJS's with groups="event_time" and no leave-out (to 1e-10), which
is the algebra of did2s's score (the second-stage residuals centre each treated tau^ on
its event time's mean). A brute-force implementation of BJS Theorem 3 (explicit dummy
matrices, v_it from the formula, the leave-out eq. 8 by loops) on a tiny unbalanced,
weighted panel checks the whole covariance to 1e-10; a Monte Carlo checks that the
conservative standard error covers.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from effekt.errors import EffektWarning, NotEstimableError, SpecError
from effekt.estimators.did.eventstudy.imputation import imputation_did
from effekt.results import EFFECT_COLUMNS
from effekt.synthetic.examples import staggered_panel

REF = Path(__file__).parents[5] / "shared" / "reference" / "did_mpdta"
FIXTURE = Path(__file__).parents[3] / "fixtures" / "imputation_pyfixest"
needs_mpdta = pytest.mark.skipif(not (REF / "mpdta.csv").exists(),
                                 reason=f"R did reference data missing at {REF}")
SCENARIOS = {"dynamic": {}, "dynamic_w": {"weights": "lpop"},
             "dynamic_cov": {"covariates": "lpop_trend"}}


@pytest.fixture(scope="module")
def mpdta():
    df = pd.read_csv(REF / "mpdta.csv").rename(columns={"first.treat": "first_treat"})
    return df.assign(lpop_trend=df["lpop"] * (df["year"] - 2003))


@pytest.fixture(scope="module")
def did2s():
    return pd.read_csv(FIXTURE / "did2s.csv")


def _fit(df, **kw):
    return imputation_did(df, outcome="lemp", unit="countyreal", time="year",
                          cohort="first_treat", **kw)


@needs_mpdta
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_estimates_equal_did2s(mpdta, did2s, scenario):
    res = _fit(mpdta, **SCENARIOS[scenario])
    ref = did2s[did2s["scenario"] == scenario]
    assert res.to_frame()["event_time"].tolist() == ref["term"].astype(int).tolist()
    np.testing.assert_allclose(res.estimate, ref["estimate"], rtol=0, atol=1e-8)
    static = did2s[did2s["scenario"] == scenario.replace("dynamic", "static")]
    if len(static):  # the static second stage gives the overall ATT (same weights)
        assert abs(res.overall_estimate - static["estimate"].iloc[0]) < 1e-8


@needs_mpdta
@pytest.mark.parametrize("scenario", ["dynamic", "dynamic_cov"])
def test_did2s_standard_errors_are_bjs_by_event_time_without_leave_out(mpdta, did2s,
                                                                       scenario):
    res = _fit(mpdta, groups="event_time", leave_out=False, **SCENARIOS[scenario])
    ref = did2s[did2s["scenario"] == scenario]
    np.testing.assert_allclose(res.std_error, ref["std_error"], rtol=1e-10, atol=0)
    # the default (cohort x event time, leave-out) is another, larger estimate on mpdta
    default = _fit(mpdta, **SCENARIOS[scenario])
    assert np.all(default.std_error > res.std_error)


def _brute_force(df, *, y, unit, time, cohort, weights=None, cluster=None, covs=(),
                 groups="cohort_event_time", leave_out=True):
    """BJS Theorem 2-3 by explicit matrices and loops (no code shared with effekt)."""
    periods = np.sort(df[time].unique())
    pos_t = np.searchsorted(periods, df[time].to_numpy())
    g = df[cohort].to_numpy()
    pos_g = np.where(g > 0, np.searchsorted(periods, g), 10**6)
    e = pos_t - pos_g
    d = e >= 0
    units = np.sort(df[unit].unique())
    Z = np.column_stack([(df[unit].to_numpy()[:, None] == units).astype(float),
                         (pos_t[:, None] == np.arange(len(periods))).astype(float),
                         *[df[c].to_numpy(float) for c in covs]])
    w = np.ones(len(df)) if weights is None else df[weights].to_numpy(float)
    yv = df[y].to_numpy(float)
    gram_inv = np.linalg.pinv(Z[~d].T @ (w[~d, None] * Z[~d]))
    theta = gram_inv @ Z[~d].T @ (w[~d] * yv[~d])
    fitted = Z @ theta
    tau = yv[d] - fitted[d]
    resid0 = yv[~d] - fitted[~d]
    e1, w1 = e[d], w[d]
    horizons = np.unique(e1)
    estimands = [w1 / w1.sum()] + [w1 * (e1 == h) / (w1 * (e1 == h)).sum() for h in horizons]
    clusters = df[cluster or unit].to_numpy()
    cl1, cl0 = clusters[d], clusters[~d]
    levels = {"cohort_event_time": [(a, b) for a, b in zip(pos_g[d], e1, strict=True)],
              "event_time": list(e1), "all": [0] * int(d.sum())}
    order = list(levels)[list(levels).index(groups):]  # a lone cluster borrows coarser ones
    scores = []
    for v1 in estimands:
        v0 = -w[~d] * (Z[~d] @ gram_inv @ Z[d].T @ v1)
        assert abs(v1 @ yv[d] + v0 @ yv[~d] - v1 @ tau) < 1e-10  # linear representation
        eps1 = np.zeros(len(tau))
        for i in range(len(tau)):
            for level in order if leave_out else order[:1]:
                group = levels[level]
                a, s = {}, {}
                for j in range(len(tau)):
                    if group[j] == group[i]:
                        a[cl1[j]] = a.get(cl1[j], 0.0) + v1[j]
                        s[cl1[j]] = s.get(cl1[j], 0.0) + v1[j] * tau[j]
                keys = [c for c in a if not (leave_out and c == cl1[i])]
                den = sum(a[c] ** 2 for c in keys)
                if den > 0:
                    eps1[i] = tau[i] - sum(a[c] * s[c] for c in keys) / den
                    break
        score = {c: 0.0 for c in np.unique(clusters)}
        for j in range(len(tau)):
            score[cl1[j]] += v1[j] * eps1[j]
        for j in range(len(resid0)):
            score[cl0[j]] += v0[j] * resid0[j]
        scores.append(np.array([score[c] for c in sorted(score)]))
    scores = np.column_stack(scores)
    return np.array([v1 @ tau for v1 in estimands]), scores.T @ scores


def _tiny_panel(seed=3):
    rng = np.random.default_rng(seed)
    cohorts = np.array([0, 0, 0, 0, 3, 3, 3, 4, 4, 4, 5, 5])
    df = pd.DataFrame({"id": np.repeat(np.arange(12), 5), "t": np.tile(np.arange(1, 6), 12),
                       "g": np.repeat(cohorts, 5)})
    df = df.drop(index=[1, 23, 42]).reset_index(drop=True)  # unbalanced
    df["x"] = rng.normal(size=len(df))
    df["w"] = rng.uniform(0.5, 2.0, size=len(df))
    df["cl"] = df["id"] // 2
    tau = np.where((df["g"] > 0) & (df["t"] >= df["g"]),
                   1.0 + 0.5 * (df["t"] - df["g"]) + rng.normal(size=len(df)), 0.0)
    df["y"] = 0.3 * df["id"] + 0.2 * df["t"] + 0.5 * df["x"] + tau + rng.normal(size=len(df))
    return df


@pytest.mark.parametrize("groups", ["cohort_event_time", "event_time", "all"])
@pytest.mark.parametrize("leave_out", [True, False])
@pytest.mark.parametrize("options", [{}, {"weights": "w", "covariates": ["x"]},
                                     {"cluster": "cl"}])
def test_covariance_equals_brute_force(groups, leave_out, options):
    df = _tiny_panel()
    with warnings.catch_warnings():  # clustering by pairs leaves cohort 5 one cluster
        warnings.simplefilter("ignore", EffektWarning)
        res = imputation_did(df, outcome="y", unit="id", time="t", cohort="g",
                             groups=groups, leave_out=leave_out, **options)
    est, cov = _brute_force(df, y="y", unit="id", time="t", cohort="g", groups=groups,
                            leave_out=leave_out, weights=options.get("weights"),
                            cluster=options.get("cluster"),
                            covs=options.get("covariates", ()))
    np.testing.assert_allclose(np.r_[res.overall_estimate, res.estimate], est, atol=1e-10)
    full = np.block([[res.overall_se**2, res.overall_covariance],
                     [res.overall_covariance[:, None], res.covariance]])
    np.testing.assert_allclose(full, cov, rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(res.vcov.to_numpy().diagonal(), res.std_error**2, rtol=1e-12)


def test_unit_effects_are_y_minus_imputed():
    df = _tiny_panel()
    res = imputation_did(df, outcome="y", unit="id", time="t", cohort="g")
    fx = res.unit_effects.merge(df[["id", "t", "y"]], on=["id", "t"])
    np.testing.assert_allclose(fx["tau_hat"], fx["y"] - fx["y0_hat"], atol=1e-12)
    means = fx.groupby("event_time")["tau_hat"].mean()
    np.testing.assert_allclose(res.estimate, means.to_numpy(), atol=1e-12)
    assert res.overall_n == len(fx) and abs(res.overall_estimate - fx["tau_hat"].mean()) < 1e-12


@pytest.mark.slow
def test_monte_carlo_conservative_coverage():
    """Fixed design and effects (heterogeneous by unit, cohort and event time), new errors
    (unit random effect + noise) each draw: the SE is at least the sampling SD, roughly,
    and the 95% intervals cover the realised ATTs at least 93% of the time."""
    rng = np.random.default_rng(20261202)
    base = staggered_panel(n_units=150, periods=6, cohorts=(3, 4, 5), effect=0.0, seed=11)
    treated = base["d"].to_numpy() == 1
    e = (base["t"] - base["g"]).to_numpy()
    tau = np.where(treated, 1.0 + 0.3 * e + 0.2 * (base["g"] == 4)
                   + rng.normal(scale=0.5, size=len(base)), 0.0)
    truth = np.r_[tau[treated].mean(), [tau[treated & (e == h)].mean() for h in range(4)]]
    mean = 0.1 * base["t"].to_numpy() + np.repeat(rng.normal(size=150), 6) + tau
    ests, ses = [], []
    for _ in range(400):
        y = mean + np.repeat(rng.normal(scale=0.7, size=150), 6) + rng.normal(size=len(base))
        res = imputation_did(base.assign(y=y), outcome="y", unit="id", time="t", cohort="g")
        ests.append(np.r_[res.overall_estimate, res.estimate])
        ses.append(np.r_[res.overall_se, res.std_error])
    ests, ses = np.array(ests), np.array(ses)
    sd = ests.std(axis=0, ddof=1)
    assert np.all(ses.mean(axis=0) >= 0.95 * sd)
    covered = np.abs(ests - truth) <= 1.959964 * ses
    assert np.all(covered.mean(axis=0) >= 0.93)
    assert np.all(np.abs(ests.mean(axis=0) - truth) < 3 * sd / np.sqrt(400))  # unbiased


def test_non_imputable_observations_are_dropped_with_warning():
    df = staggered_panel(n_units=40, periods=5, cohorts=(3,), effect=1.0, seed=2)
    df.loc[df["id"] == 0, "g"] = 1  # always treated: no untreated period
    with pytest.warns(EffektWarning, match="cannot be imputed") as record:
        res = imputation_did(df, outcome="y", unit="id", time="t", cohort="g")
    assert "the unit has no untreated period" in str(record[0].message)
    assert len(res.dropped) == 5 and set(res.dropped["id"]) == {0}
    # no never-treated unit: the last period has no untreated unit
    late = staggered_panel(n_units=40, periods=5, cohorts=(3, 5), never_treated=0.0, seed=4)
    with pytest.warns(EffektWarning, match="no untreated unit in the period"):
        res = imputation_did(late, outcome="y", unit="id", time="t", cohort="g")
    assert set(res.dropped["t"]) == {5} and res.to_frame()["event_time"].tolist() == [0, 1]


def test_leave_out_single_cluster_group_falls_back_with_warning():
    df = staggered_panel(n_units=40, periods=5, cohorts=(3,), effect=1.0, seed=5)
    df.loc[df["id"] == 39, "g"] = 4  # a one-unit cohort
    with pytest.warns(EffektWarning, match="single cluster"):
        res = imputation_did(df, outcome="y", unit="id", time="t", cohort="g")
    # the lone cohort's cells borrow the leave-out mean of their event time
    est, cov = _brute_force(df, y="y", unit="id", time="t", cohort="g")
    np.testing.assert_allclose(res.std_error**2, np.diag(cov)[1:], rtol=1e-9)
    assert abs(res.overall_se**2 - cov[0, 0]) < 1e-9 * cov[0, 0]


def test_pretrend_leads_equal_dummy_regression_on_untreated():
    df = _tiny_panel()
    res = imputation_did(df, outcome="y", unit="id", time="t", cohort="g", pretrend=2)
    e = df["t"] - np.where(df["g"] > 0, df["g"], 10**6)
    untreated = df[e < 0]
    eu = e[e < 0]
    Z = np.column_stack([(eu == -2), (eu == -1), pd.get_dummies(untreated["id"]),
                         pd.get_dummies(untreated["t"])]).astype(float)
    coef = np.linalg.lstsq(Z, untreated["y"].to_numpy(), rcond=None)[0]
    np.testing.assert_allclose(res.pretrend["estimate"], coef[:2], atol=1e-10)
    assert res.pretrend_test["df"] == 2 and 0 <= res.pretrend_test["p_value"] <= 1
    assert "Pre-trend test" in res.summary()


def test_results_protocol():
    df = staggered_panel(n_units=80, periods=6, cohorts=(3, 4), effect=1.0, seed=1)
    res = imputation_did(df, outcome="y", unit="id", time="t", cohort="g", horizons=[0, 2],
                         pretrend=1)
    frame = res.to_frame()
    assert frame.columns.tolist() == ["event_time", *EFFECT_COLUMNS, "n_obs"]
    assert frame["event_time"].tolist() == [0, 2]
    assert res.vcov.index.tolist() == [0, 2] and res.vcov.index.name == "event_time"
    assert res.overall.columns.tolist() == ["term", *EFFECT_COLUMNS, "n_obs"]
    assert res.overall["n_obs"].iloc[0] == int(df["d"].sum())  # every treated unit-period
    est, se = res.average()
    a = np.array([0.5, 0.5])
    assert abs(est - a @ res.estimate) < 1e-12
    assert abs(se - np.sqrt(a @ res.covariance @ a)) < 1e-12
    assert res.summary() == imputation_did(df, outcome="y", unit="id", time="t", cohort="g",
                                           horizons=[0, 2], pretrend=1).summary()
    assert str(res) == res.summary() and res._repr_html_().startswith("<pre>")
    assert "Borusyak" in res.inference and "event time" in res.estimand
    fig = res.plot()
    assert isinstance(fig, Figure)
    plt.close(fig)
    with pytest.raises(AttributeError):
        res.estimate = None  # frozen


@pytest.mark.parametrize("kw, error, match", [
    ({"horizons": [-1]}, SpecError, "horizons"),
    ({"horizons": [9]}, NotEstimableError, "horizons"),
    ({"pretrend": True}, SpecError, "pretrend"),
    ({"pretrend": 9}, NotEstimableError, "pretrend"),
    ({"groups": "cohort"}, SpecError, "groups"),
    ({"leave_out": "yes"}, SpecError, "leave_out"),
    ({"covariates": "x"}, NotEstimableError, "collinear"),
])
def test_bad_arguments(kw, error, match):
    df = staggered_panel(n_units=40, periods=5, cohorts=(3,), effect=1.0, seed=2)
    with pytest.raises(error, match=match):
        imputation_did(df, outcome="y", unit="id", time="t", cohort="g", **kw)


def test_no_treated_or_no_untreated():
    df = staggered_panel(n_units=20, periods=4, cohorts=(3,), seed=0)
    with pytest.raises(NotEstimableError, match="no observation is treated"):
        imputation_did(df.assign(g=0), outcome="y", unit="id", time="t", cohort="g")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(NotEstimableError, match="untreated"):
            imputation_did(df.assign(g=1), outcome="y", unit="id", time="t", cohort="g")


def test_unit_and_period_in_different_connected_sets_are_dropped():
    # never-treated units 0-2 seen in periods 1-2, 3-5 in periods 3-5; cohort 4 in 3-5;
    # cohort 2 (units 9, 10) is untreated only in period 1, linked to periods 1-2 alone
    rows = ([(u, t, 0) for u in range(3) for t in (1, 2)]
            + [(u, t, 0) for u in range(3, 6) for t in (3, 4, 5)]
            + [(u, t, 4) for u in range(6, 9) for t in (3, 4, 5)]
            + [(u, t, 2) for u in (9, 10) for t in (1, 2, 3, 4)])
    df = pd.DataFrame(rows, columns=["id", "t", "g"])
    df["y"] = np.random.default_rng(0).normal(size=len(df))
    with pytest.warns(EffektWarning, match="not linked by untreated observations"):
        res = imputation_did(df, outcome="y", unit="id", time="t", cohort="g")
    assert sorted(zip(res.dropped["id"], res.dropped["t"], strict=True)) == [
        (9, 3), (9, 4), (10, 3), (10, 4)]
    assert res.to_frame()["n_obs"].tolist() == [5, 3]
