"""Stacked matched DiD: planted effects, a statsmodels cross-check and bad input."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from effekt.errors import DataError, EffektWarning, NotEstimableError, SpecError
from effekt.estimators.did.matched import matched_did
from effekt.estimators.did.matched_results import MatchedDiDResult

YEARS = np.arange(2010, 2020)


def tau(e):
    return np.where(e >= 0, 1.0 + 0.5 * e, 0.0)


def make_panel(alpha, gamma, cohort, noise=0.0, seed=0):
    rng = np.random.default_rng(seed)
    n, t = len(alpha), len(YEARS)
    p = pd.DataFrame(
        {
            "id": np.repeat(np.arange(n), t),
            "year": np.tile(YEARS, n),
            "cohort": np.repeat(cohort, t),
            "family": np.repeat(np.arange(n) // 2, t),
        }
    )
    a, g, c = (np.repeat(v, t) for v in (alpha, gamma, cohort))
    yr = p["year"].to_numpy()
    e = yr - c
    delta = 0.3 * np.sin(yr)
    p["y"] = a + g * (yr - 2010) + delta + np.where(c > 0, tau(e), 0.0)
    p["y"] += noise * rng.normal(size=len(p))
    p["x"] = np.repeat(rng.normal(size=n), t)
    return p


def selection_on_trends(n=1500, seed=1):
    """Level alpha drives selection; the trend gamma rises with alpha (naive DiD biased)."""
    rng = np.random.default_rng(seed)
    alpha = rng.normal(size=n)
    gamma = 0.3 * alpha + 0.05 * rng.normal(size=n)
    treated = rng.uniform(size=n) < 0.25 / (1 + np.exp(-(alpha - 1)))
    cohort = np.where(treated, rng.choice([2015, 2017], n), 0)
    return alpha, gamma, cohort


def naive_did(p, e):
    """Treated-share weighted DiD against all never-treated units (no matching)."""
    wide = p.pivot(index="id", columns="year", values="y")
    coh = p.groupby("id")["cohort"].first()
    out, n_t = 0.0, (coh > 0).sum()
    for g in sorted(set(coh[coh > 0])):
        dy = wide[g + e] - wide[g - 1]
        out += (coh == g).sum() / n_t * (dy[coh == g].mean() - dy[coh == 0].mean())
    return out


def test_noise_free_exact_recovery_with_twins():
    alpha, gamma, cohort = selection_on_trends(600)
    t = cohort > 0
    # every treated unit gets a never-treated twin with the same level and trend
    alpha = np.concatenate([alpha, alpha[t]])
    gamma = np.concatenate([gamma, gamma[t]])
    cohort = np.concatenate([cohort, np.zeros(t.sum(), int)])
    p = make_panel(alpha, gamma, cohort)
    # a little noise after treatment starts (so the matching on the pre-periods is still
    # exact): noise-free, every standard error is 0 and matched_did refuses
    after = (p["cohort"] > 0) & (p["year"] >= p["cohort"])
    p.loc[after, "y"] += 1e-5 * np.random.default_rng(1).standard_normal(int(after.sum()))
    r = matched_did(p, "y", "id", "year", "cohort", pre_periods=3)
    f = r.to_frame().set_index("event_time")
    np.testing.assert_allclose(f["estimate"], tau(f.index.to_numpy()), rtol=0, atol=1e-5)
    # naive DiD is biased: treated units have steeper trends
    assert naive_did(p, 2) - tau(2) > 0.1
    assert list(r.flow.index) == [2015, 2017, "total"]
    assert r.flow.loc["total", "matched"] == t.sum()
    assert r.flow.loc["total", "unmatched"] == 0


def test_noisy_recovery_within_3_se_and_naive_biased():
    alpha, gamma, cohort = selection_on_trends(3000, seed=2)
    p = make_panel(alpha, gamma, cohort, noise=0.1, seed=3)
    r = matched_did(p, "y", "id", "year", "cohort", pre_periods=3, window=(-3, 2))
    f = r.to_frame().set_index("event_time")
    z = (f["estimate"] - tau(f.index.to_numpy())) / f["std_error"]
    assert (np.abs(z) < 3).all(), z
    naive = naive_did(p, 2)
    assert abs(naive - tau(2)) > 5 * f.loc[2, "std_error"]
    est, se = r.average([0, 1, 2])
    assert abs(est - 1.5) < 3 * se


def test_single_cohort_equals_weighted_regression_with_cluster_se():
    alpha, gamma, cohort = selection_on_trends(800, seed=4)
    cohort = np.where(cohort > 0, 2016, 0)
    p = make_panel(alpha, gamma, cohort, noise=0.2, seed=5)
    r = matched_did(p, "y", "id", "year", "cohort", pre_periods=2, ratio=2)
    s = r.stacked
    wide = p.pivot(index="id", columns="year", values="y")
    for e in (-2, 0, 3):
        dy = (wide[2016 + e] - wide[2015]).loc[s["unit"]].to_numpy()
        X = sm.add_constant(s["treated"].to_numpy(dtype=float))
        fit = sm.WLS(dy, X, weights=s["weight"].to_numpy()).fit(
            cov_type="cluster", cov_kwds={"groups": s["pair"].to_numpy(dtype=int)}
        )
        n, k = len(dy), 2
        row = r.to_frame().set_index("event_time").loc[e]
        np.testing.assert_allclose(row["estimate"], fit.params[1], rtol=1e-10)
        # statsmodels adds (n - 1)/(n - k); the influence-function SE has only G/(G - 1)
        np.testing.assert_allclose(
            row["std_error"], fit.bse[1] * np.sqrt((n - k) / (n - 1)), rtol=1e-10
        )
    assert r.flow.loc[2016, "controls_used"] == 2 * r.flow.loc[2016, "matched"]


def test_stacks_are_averaged_by_treated_share():
    alpha, gamma, cohort = selection_on_trends(1200, seed=6)
    p = make_panel(alpha, gamma, cohort, noise=0.2, seed=7)
    both = matched_did(p, "y", "id", "year", "cohort", pre_periods=3, window=(-2, 1))
    parts = {}
    for g in (2015, 2017):
        sub = p[p["cohort"].isin([0, g])]
        parts[g] = matched_did(sub, "y", "id", "year", "cohort", pre_periods=3, window=(-2, 1))
    n = {g: both.flow.loc[g, "matched"] for g in parts}
    for e in (-2, 0, 1):
        want = sum(
            n[g] * parts[g].to_frame().set_index("event_time").loc[e, "estimate"] for g in n
        ) / sum(n.values())
        got = both.to_frame().set_index("event_time").loc[e, "estimate"]
        np.testing.assert_allclose(got, want, rtol=1e-12)


def test_named_cluster_covariates_and_result_api():
    alpha, gamma, cohort = selection_on_trends(800, seed=8)
    p = make_panel(alpha, gamma, cohort, noise=0.2, seed=9)
    r = matched_did(
        p, "y", "id", "year", "cohort", covariates=["x"], pre_periods=2,
        match_outcome="mean_trend", cluster="family", window=(-2, 2),
    )
    assert isinstance(r, MatchedDiDResult)
    assert r.cluster == "family"
    assert r.n_clusters == r.stacked["unit"].floordiv(2).nunique()
    f = r.to_frame()
    assert list(f.columns[:5]) == ["event_time", "estimate", "std_error", "ci_lower", "ci_upper"]
    assert f["event_time"].tolist() == [-2, 0, 1, 2]
    assert r.summary() == r.summary() and "Sample flow" in r.summary()
    assert r._repr_html_().startswith("<pre>")
    b = r.balance()
    assert set(b["covariate"]) >= {"y_pre_mean", "y_pre_slope", "x"}
    ax = r.plot()
    assert ax is not None
    plt.close("all")
    with pytest.raises(SpecError, match="not estimated"):
        r.average([7])


def test_replacement_with_cluster_and_input_not_mutated():
    alpha, gamma, cohort = selection_on_trends(600, seed=10)
    p = make_panel(alpha, gamma, cohort, noise=0.1, seed=11)
    before = p.copy()
    r = matched_did(
        p, "y", "id", "year", "cohort", pre_periods=3, replace=True, ratio=3, cluster="id"
    )
    pd.testing.assert_frame_equal(p, before)
    assert r.stacked["pair"].isna().all()
    assert np.isfinite(r.std_error).all()


def test_bad_input():
    alpha, gamma, cohort = selection_on_trends(300, seed=12)
    p = make_panel(alpha, gamma, cohort)
    with pytest.raises(DataError, match="no never-treated"):
        q = p.copy()
        q.loc[q["cohort"] == 0, "cohort"] = 2018
        matched_did(q, "y", "id", "year", "cohort")
    with pytest.raises(DataError, match="unbalanced"):
        matched_did(p.iloc[1:], "y", "id", "year", "cohort")
    with pytest.raises(DataError, match="missing"):
        q = p.copy()
        q.loc[3, "y"] = np.nan
        matched_did(q, "y", "id", "year", "cohort")
    with pytest.raises(DataError, match="constant within a unit"):
        q = p.copy()
        q.loc[0, "cohort"] = 2011
        matched_did(q, "y", "id", "year", "cohort")
    with pytest.raises(SpecError, match="replacement"):
        matched_did(p, "y", "id", "year", "cohort", replace=True)
    with pytest.raises(SpecError, match="reference event time"):
        matched_did(p, "y", "id", "year", "cohort", window=(0, 2))
    with pytest.raises(SpecError, match="needs covariates"):
        matched_did(p, "y", "id", "year", "cohort", match_outcome="none")
    with pytest.raises(SpecError, match="set by matched_did"):
        matched_did(p, "y", "id", "year", "cohort", estimand="ATC")
    with pytest.raises(SpecError, match="match_outcome"):
        matched_did(p, "y", "id", "year", "cohort", match_outcome="trend")
    with pytest.warns(EffektWarning, match="skipped"):
        matched_did(p, "y", "id", "year", "cohort", pre_periods=6)
    with pytest.raises(NotEstimableError, match="pre-periods"), pytest.warns(EffektWarning):
        matched_did(p, "y", "id", "year", "cohort", pre_periods=8)
    with pytest.raises(DataError, match="no column"):
        matched_did(p, "y", "id", "year", "start")


def test_whiten_uses_pseudo_inverse_when_singular():
    from effekt.estimators.matching.nearest import whiten

    rng = np.random.default_rng(0)
    a = rng.normal(size=(50, 2))
    X = np.column_stack([a, a @ [1.0, 2.0]])  # rank 2
    t = np.repeat([0, 1], 25)
    z = whiten(X, t)
    r = X.copy()
    for g in (0, 1):
        r[t == g] -= r[t == g].mean(axis=0)
    pinv = np.linalg.pinv(r.T @ r / 48)
    d = X[3] - X[30]
    np.testing.assert_allclose(np.sum((z[3] - z[30]) ** 2), d @ pinv @ d, rtol=1e-8)
