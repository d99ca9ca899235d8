"""att_gt with few clusters: Webb weights, one bootstrap weight per cluster, and the
bootstrap form of the pre-trend test (its size on a small clustered design)."""

import numpy as np
import pandas as pd
import pytest

from effekt.errors import NotEstimableError, SpecError
from effekt.estimators import att_gt
from effekt.estimators.inference import (
    FEW_CLUSTERS,
    InfluenceBasis,
    bootstrap_wald_test,
    default_weights,
    multiplier_weights,
)

WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])


def clustered_panel(seed, per_cohort=4, cohorts=(0, 3, 4, 5), size=15, periods=6,
                    drift=0.0):
    """Cohorts assigned by cluster, a shock per cluster and period, parallel trends
    unless ``drift`` (a differential trend of the eventually treated per period)."""
    rng = np.random.default_rng(seed)
    n_clusters = per_cohort * len(cohorts)
    cl = np.repeat(np.arange(n_clusters), size)
    g = np.repeat(cohorts, per_cohort)[cl]
    t = np.arange(1, periods + 1)
    y = (rng.normal(size=(cl.size, 1)) + 0.2 * t
         + rng.normal(size=(n_clusters, periods))[cl]
         + drift * t * (g[:, None] > 0) + rng.normal(size=(cl.size, periods)))
    return pd.DataFrame({"id": np.repeat(np.arange(cl.size), periods),
                         "t": np.tile(t, cl.size), "g": np.repeat(g, periods),
                         "cl": np.repeat(cl, periods), "y": y.ravel()})


def fit(df, **kw):
    return att_gt(df, "y", "id", "t", "g", **kw)


# ------------------------------------------------------------------ Webb weights
def test_webb_weights_are_the_six_points_with_equal_probability():
    v = multiplier_weights((200, 1000), "webb", np.random.default_rng(0))
    points, counts = np.unique(np.round(v, 12), return_counts=True)
    np.testing.assert_allclose(points, WEBB, atol=1e-12)
    # 200,000 draws: each share within 0.005 of 1/6 (its SE is 0.0008)
    np.testing.assert_allclose(counts / v.size, 1 / 6, atol=0.005)
    assert abs(v.mean()) < 0.01 and abs(v.var() - 1) < 0.01


@pytest.mark.parametrize("kind", ["webb", "mammen", "rademacher"])
def test_clustered_draws_use_one_weight_per_cluster(kind):
    rng = np.random.default_rng(1)
    n, n_cl = 60, 7
    cluster = rng.integers(0, n_cl, n)
    basis = InfluenceBasis(inf=rng.normal(size=(n, 3)), dmat=rng.normal(size=(n, 2)),
                           cluster=cluster)
    draws = basis.draws(50, kind, seed=4)
    # the draws depend on the observations only through their cluster sums: moving rows
    # around within their clusters changes nothing
    perm = np.argsort(cluster, kind="stable")
    moved = InfluenceBasis(inf=basis.inf[perm], dmat=basis.dmat[perm], cluster=cluster[perm])
    np.testing.assert_allclose(moved.draws(50, kind, seed=4), draws, rtol=1e-5, atol=1e-6)
    if kind == "webb":  # and they are V Z_c / n with V one Webb draw per cluster
        v = multiplier_weights((50, n_cl), "webb", np.random.default_rng(4))
        np.testing.assert_allclose(draws, v @ basis._collapsed() / n, rtol=1e-5, atol=1e-6)


def test_default_weights_are_webb_below_twelve_clusters():
    assert FEW_CLUSTERS == 12
    assert [default_weights(g) for g in (2, 11, 12, 30)] == ["webb", "webb", "mammen",
                                                           "mammen"]
    assert default_weights(None) == "mammen"
    few = fit(clustered_panel(0, per_cohort=2), cluster="cl")  # 8 clusters
    bt = few.bootstrap(n_boot=4999, seed=0)
    assert bt.boot["weights"] == "webb"
    assert "webb weights (default with fewer than 12 clusters)" in bt.inference
    assert "one per cluster" in bt.inference and "(8 clusters)" in bt.inference
    # E[(sum_c v_c s_c)^2] = sum_c s_c^2: the draws' standard deviation is the analytic
    # clustered SE (4999 draws: within 8 %; the IQR-based SE of a sum of 8 terms is not)
    m = few.att.size
    np.testing.assert_allclose(bt.draws[:, :m].std(axis=0), few.std_error, rtol=0.08)
    assert few.bootstrap(n_boot=9, seed=0, weights="rademacher").boot["weights"] == "rademacher"
    many = fit(clustered_panel(0, per_cohort=3), cluster="cl")  # 12 clusters
    assert many.bootstrap(n_boot=9, seed=0).boot["weights"] == "mammen"
    assert fit(clustered_panel(0)).bootstrap(n_boot=9, seed=0).boot["weights"] == "mammen"
    with pytest.raises(SpecError, match="weights"):
        few.bootstrap(n_boot=9, weights="gauss")


# ------------------------------------------------------------------ pre-trend test
def test_pretrend_methods_and_their_defaults():
    df = clustered_panel(3)
    clus, plain = fit(df, cluster="cl"), fit(df)
    wald = clus.pretrend_test(method="wald")
    auto = clus.pretrend_test(seed=5)
    assert wald.method == "wald" and auto.method == "bootstrap"  # 16 clusters < 50
    assert auto.statistic == pytest.approx(wald.statistic, rel=1e-12) and auto.df == 6
    assert auto.weights == "rademacher" and auto.n_boot == 999 and auto.n_clusters == 16
    assert "studentised wild bootstrap by cluster" in auto.summary()
    # the bootstrap's critical value far above chi2(6)'s 12.59: the noisy covariance
    assert wald.critical_value == pytest.approx(12.5916, abs=1e-4)
    assert auto.critical_value > wald.critical_value
    assert clus.pretrend_test(seed=5).p_value == auto.p_value  # same seed, same p
    assert clus.pretrend_test().p_value == clus.pretrend_test(seed=0).p_value  # default 0
    assert 0 < auto.p_value <= 1 and (auto.p_value * 1000) % 1 == pytest.approx(0, abs=1e-9)
    # not clustered: R did's chi-squared test, as before
    assert plain.pretrend_test().method == "wald"
    assert plain.pretrend_test().p_value == plain.pretrend_test(method="wald").p_value
    assert plain.pretrend_test(method="bootstrap", n_boot=99, seed=0).n_clusters == plain.nobs
    # fewer than 12 clusters: Webb weights
    few = fit(clustered_panel(0, per_cohort=3, cohorts=(0, 4, 5)), cluster="cl")
    assert few.pretrend_test(n_boot=99, seed=0).weights == "webb"
    text = clus.summary()
    assert text == clus.summary() and "seed 0" in text  # deterministic
    with pytest.raises(SpecError, match="method"):
        clus.pretrend_test(method="hotelling")


def test_bootstrap_wald_needs_more_clusters_than_cells():
    rng = np.random.default_rng(0)
    s = rng.normal(size=(3, 4))  # 3 clusters, 4 estimates: V is singular
    with pytest.raises(NotEstimableError, match="singular"):
        bootstrap_wald_test(np.ones(4), s, [], n=3, n_boot=9, seed=0)
    # 4 clusters, 3 estimates: V is regular, but re-centring the draws within two arms
    # of 2 clusters each leaves them rank 2
    s = rng.normal(size=(4, 3))
    first = np.repeat([[1.0], [1.0], [0.0], [0.0]], 3, axis=1)
    arms = [(s * first, first / 2), (s * (1 - first), (1 - first) / 2)]
    assert bootstrap_wald_test(np.ones(3), s, [], n=4, n_boot=9, seed=0)[1] == 3
    with pytest.raises(NotEstimableError, match="more clusters"):
        bootstrap_wald_test(np.ones(3), s, arms, n=4, n_boot=9, seed=0)


def test_bootstrap_pretrend_has_the_right_size_with_16_clusters():
    """16 clusters, 4 per cohort and 4 never treated, 6 pre-treatment cells, parallel
    trends: the chi-squared Wald test rejects far too often, the bootstrap does not."""
    reps = 200
    wald = boot = 0
    for r in range(reps):
        gt = fit(clustered_panel(r), cluster="cl")
        wald += gt.pretrend_test(method="wald").p_value <= 0.05
        boot += gt.pretrend_test(n_boot=199, seed=r).p_value <= 0.05
    # measured: chi-squared 125 of 200, bootstrap 10 of 200; at a true size of 5 % more
    # than 18 rejections of 200 has probability 0.002
    assert wald >= 80
    assert boot <= 18
