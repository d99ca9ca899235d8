"""Sandwich and influence-function covariances (effekt.estimators.covariance).

References are statsmodels (``OLS``/``WLS(...).fit(cov_type=...)``), explicit formulas, and
verbatim copies of the functions these replace (``cluster_vcov`` of the matched-sample
regression, checked against R ``sandwich::vcovCL``; ``ols_robust`` of ``rct``; the
event-study covariance of matched DiD), so the tests do not depend on where those live.

Tolerances (relative: ``max|ours - ref| / max|ref|``):

* 1e-10 against statsmodels: the same formulas, but statsmodels computes the bread with
  a pseudo-inverse of the whitened design and applies the factors in a different order,
  so agreement is to rounding (measured ~1e-15); 1e-10 leaves room for other BLAS.
* 1e-12 against the copied old functions and formulas: the same meat and bread up to
  the order of a few floating-point operations (measured <= 1e-15).
"""

from __future__ import annotations

from typing import get_args

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from effekt.errors import DataError, NotEstimableError, SpecError
from effekt.estimators import covariance as cv
from effekt.estimators._linalg import wls
from effekt.estimators.covariance import (
    Covariance,
    CovType,
    cluster_factor,
    cr1_factor,
    hc1_factor,
    influence_vcov,
    sandwich,
)

TOL_SM = 1e-10
TOL_OLD = 1e-12


def rel(a: np.ndarray, b: np.ndarray) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


# --- verbatim copies of the replaced functions (as of the issue) -----------------------


def old_cluster_vcov(X, resid, w, bread, clusters):
    """effect_regression.cluster_vcov (matched-sample regression; checked against R)."""
    n, k = X.shape
    scores = X * (w * resid)[:, None]
    if not clusters:
        meat = scores.T @ scores
        return bread @ meat @ bread * n / (n - k), n

    def _meat(scores, groups):
        codes = pd.factorize(groups)[0]
        n_groups = int(codes.max()) + 1
        summed = np.zeros((n_groups, scores.shape[1]))
        np.add.at(summed, codes, scores)
        return summed.T @ summed, n_groups

    def one(groups):
        meat, g = _meat(scores, groups)
        if g < 2:
            raise NotEstimableError("cluster-robust standard errors need at least 2 clusters.")
        return bread @ meat @ bread * (g / (g - 1)) * ((n - 1) / (n - k)), g

    if len(clusters) == 1:
        return one(clusters[0])
    va, ga = one(clusters[0])
    vb, gb = one(clusters[1])
    inter = pd.factorize(pd.MultiIndex.from_arrays(clusters))[0]
    vab, _ = one(inter)
    return va + vb - vab, min(ga, gb)


def old_ols_robust(y, X, se, clusters=None):
    """rct.ols_robust: OLS with HC1, HC2 or CR1."""
    n, k = X.shape
    xtx = X.T @ X
    bread = np.linalg.inv(xtx)
    coef = bread @ (X.T @ y)
    e = y - X @ coef
    if clusters is not None:
        codes = pd.factorize(clusters)[0]
        g = int(codes.max()) + 1
        s = np.zeros((g, k))
        np.add.at(s, codes, X * e[:, None])
        vcov = bread @ (s.T @ s) @ bread * (g / (g - 1)) * ((n - 1) / (n - k))
        return coef, vcov, g - 1
    if se == "HC2":
        h = np.einsum("ij,jk,ik->i", X, bread, X)
        u = e**2 / (1 - h)
        vcov = bread @ (X.T @ (X * u[:, None])) @ bread
    else:
        vcov = bread @ (X.T @ (X * (e**2)[:, None])) @ bread * n / (n - k)
    return coef, vcov, n - k


def old_event_study_vcov(psi_cols, rows_list, cl):
    """The covariance of matched_did._event_study from per-event-time influence functions."""
    n_cl = int(cl.max()) + 1
    summed_cols = []
    for psi, rows in zip(psi_cols, rows_list, strict=True):
        summed = np.zeros(n_cl)
        np.add.at(summed, cl[rows], psi)
        summed_cols.append(summed)
    psi_m = np.column_stack(summed_cols)
    return psi_m.T @ psi_m * n_cl / (n_cl - 1), n_cl


# --- data ------------------------------------------------------------------------------


def make_data(seed: int = 0, n: int = 120):
    rng = np.random.default_rng(seed)
    t = (rng.uniform(size=n) < 0.4).astype(float)
    x1 = rng.normal(size=n)
    x2 = rng.uniform(size=n)
    X = np.column_stack([np.ones(n), t, x1, x2])
    y = X @ np.array([1.0, 0.5, -1.0, 2.0]) + rng.normal(size=n) * (0.5 + np.abs(x1))
    w = rng.uniform(0.2, 3.0, size=n)
    g1 = rng.integers(0, 15, size=n)
    g2 = rng.integers(0, 6, size=n)
    return X, y, w, g1, g2


def ols(X, y, w=None):
    coef, bread = wls(y, X, w)
    return y - X @ coef, bread


def sm_fit(X, y, w, cov_type, **kwds):
    model = sm.OLS(y, X) if w is None else sm.WLS(y, X, weights=w)
    return model.fit(cov_type=cov_type, cov_kwds=kwds or None)


# --- against statsmodels ---------------------------------------------------------------


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("cov_type", ["HC0", "HC1", "HC2"])
def test_hc_matches_statsmodels(cov_type, weighted):
    X, y, w, _, _ = make_data(1)
    w = w if weighted else None
    resid, bread = ols(X, y, w)
    cov = sandwich(X, resid, bread=bread, weights=w, cov_type=cov_type)
    ref = sm_fit(X, y, w, cov_type)
    assert rel(cov.vcov, ref.cov_params()) < TOL_SM
    assert cov.df == X.shape[0] - X.shape[1] == ref.df_resid
    assert cov.n_clusters is None and cov.n_obs == X.shape[0]
    # the bread computed inside equals the one passed
    assert rel(sandwich(X, resid, weights=w, cov_type=cov_type).vcov, cov.vcov) < TOL_OLD


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("cov_type", ["CR0", "CR1"])
def test_one_way_cluster_matches_statsmodels(cov_type, weighted):
    X, y, w, g1, _ = make_data(2)
    w = w if weighted else None
    resid, bread = ols(X, y, w)
    labels = np.array([f"school-{g}" for g in g1], dtype=object)
    cov = sandwich(X, resid, bread=bread, weights=w, cov_type=cov_type, clusters=labels)
    ref = sm_fit(X, y, w, "cluster", groups=g1, use_correction=cov_type == "CR1")
    assert rel(cov.vcov, ref.cov_params()) < TOL_SM
    g = np.unique(g1).size
    assert (cov.n_clusters, cov.df) == (g, g - 1)


@pytest.mark.parametrize("weighted", [False, True])
def test_two_way_matches_statsmodels(weighted):
    X, y, w, g1, g2 = make_data(3)
    w = w if weighted else None
    resid, bread = ols(X, y, w)
    cov = sandwich(X, resid, weights=w, cov_type="CR1", clusters=[g1, g2])
    ref = sm_fit(X, y, w, "cluster", groups=np.column_stack([g1, g2]))
    assert rel(cov.vcov, ref.cov_params()) < TOL_SM
    assert (cov.n_clusters, cov.df) == (6, 5)


# --- against the replaced functions ----------------------------------------------------


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_two_way_matches_old_cluster_vcov(seed):
    X, y, w, g1, g2 = make_data(seed)
    resid, bread = ols(X, y, w)
    old, g_old = old_cluster_vcov(X, resid, w, bread, [g1, g2])
    cov = sandwich(X, resid, bread=bread, weights=w, cov_type="CR1", clusters=[g1, g2])
    assert rel(cov.vcov, old) < TOL_OLD
    assert cov.n_clusters == g_old
    one, g_one = old_cluster_vcov(X, resid, w, bread, [g1])
    cov1 = sandwich(X, resid, bread=bread, weights=w, cov_type="CR1", clusters=g1)
    assert rel(cov1.vcov, one) < TOL_OLD and cov1.n_clusters == g_one
    hc1, _ = old_cluster_vcov(X, resid, w, bread, [])
    assert rel(sandwich(X, resid, bread=bread, weights=w).vcov, hc1) < TOL_OLD


@pytest.mark.parametrize("se", ["HC1", "HC2", "CR1"])
def test_matches_old_ols_robust(se):
    X, y, _, g1, _ = make_data(7)
    clusters = g1 if se == "CR1" else None
    coef, old, dof = old_ols_robust(y, X, se, clusters)
    resid, bread = ols(X, y)
    cov = sandwich(X, resid, bread=bread, cov_type=se, clusters=clusters)
    assert rel(cov.vcov, old) < TOL_OLD
    assert cov.df == dof


# --- formulas --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [10, 11, 12])
def test_hc2_is_neyman_variance(seed):
    rng = np.random.default_rng(seed)
    n1, n0 = 17, 29
    y = np.concatenate([rng.normal(1.0, 2.0, n1), rng.normal(0.0, 1.0, n0)])
    t = np.r_[np.ones(n1), np.zeros(n0)]
    X = np.column_stack([np.ones(n1 + n0), t])
    resid, bread = ols(X, y)
    cov = sandwich(X, resid, bread=bread, cov_type="HC2")
    neyman = y[:n1].var(ddof=1) / n1 + y[n1:].var(ddof=1) / n0
    assert abs(cov.vcov[1, 1] - neyman) / neyman < TOL_OLD


def test_three_way_is_inclusion_exclusion():
    X, y, w, g1, g2 = make_data(13)
    g3 = np.random.default_rng(13).integers(0, 4, size=len(y))
    resid, bread = ols(X, y, w)

    def one(*labels):
        key = pd.factorize(pd.MultiIndex.from_arrays(list(labels)))[0]
        return sandwich(X, resid, bread=bread, weights=w, cov_type="CR1", clusters=key).vcov

    ref = (
        one(g1) + one(g2) + one(g3)
        - one(g1, g2) - one(g1, g3) - one(g2, g3)
        + one(g1, g2, g3)
    )
    cov = sandwich(X, resid, bread=bread, weights=w, cov_type="CR1", clusters=[g1, g2, g3])
    assert rel(cov.vcov, ref) < TOL_OLD
    assert cov.n_clusters == min(np.unique(g).size for g in (g1, g2, g3))


def test_zero_weights_are_dropped():
    X, y, w, g1, g2 = make_data(14)
    w = w.copy()
    w[::7] = 0.0
    keep = w > 0
    resid, bread = ols(X, y, w)
    for cov_type, clusters in [("HC1", None), ("HC2", None), ("CR1", [g1, g2])]:
        full = sandwich(X, resid, bread=bread, weights=w, cov_type=cov_type, clusters=clusters)
        sub = sandwich(
            X[keep], resid[keep], bread=bread, weights=w[keep], cov_type=cov_type,
            clusters=None if clusters is None else [c[keep] for c in clusters],
        )
        assert rel(full.vcov, sub.vcov) < TOL_OLD
        assert (full.n_obs, full.n_clusters, full.df) == (sub.n_obs, sub.n_clusters, sub.df)
        assert full.n_obs == keep.sum()


def test_small_sample_factors():
    assert hc1_factor(50, 5) == 50 / 45
    assert cluster_factor(10) == 10 / 9
    assert cr1_factor(50, 5, 10) == pytest.approx(10 / 9 * 49 / 45, rel=1e-15)
    X, y, _, g1, _ = make_data(15)
    resid, bread = ols(X, y)
    n, k = X.shape
    g = np.unique(g1).size
    v = {c: sandwich(X, resid, bread=bread, cov_type=c).vcov for c in ("HC0", "HC1")}
    assert rel(v["HC1"], v["HC0"] * n / (n - k)) < TOL_OLD
    c0 = sandwich(X, resid, bread=bread, cov_type="CR0", clusters=g1).vcov
    c1 = sandwich(X, resid, bread=bread, cov_type="CR1", clusters=g1).vcov
    assert rel(c1, c0 * cr1_factor(n, k, g)) < TOL_OLD


# --- influence functions ---------------------------------------------------------------


def test_influence_vcov_matches_matched_did_formula():
    rng = np.random.default_rng(20)
    n = 300
    cl = pd.factorize(rng.integers(0, 40, size=n))[0]
    psi_cols, rows_list = [], []
    psi_full = np.zeros((n, 4))
    for j in range(4):
        rows = np.flatnonzero(rng.uniform(size=n) < 0.7)
        psi = rng.normal(size=rows.size) / rows.size
        psi_cols.append(psi)
        rows_list.append(rows)
        psi_full[rows, j] = psi
    old, n_cl = old_event_study_vcov(psi_cols, rows_list, cl)
    cov = influence_vcov(psi_full, cl, cluster_names="matched pair")
    assert rel(cov.vcov, old) < TOL_OLD
    assert (cov.n_clusters, cov.df, cov.cov_type) == (n_cl, n_cl - 1, "CR1")
    raw = influence_vcov(psi_full, cl, small_sample=False)
    assert rel(raw.vcov * n_cl / (n_cl - 1), old) < TOL_OLD and raw.cov_type == "CR0"


def test_influence_vcov_without_clusters_and_one_estimate():
    rng = np.random.default_rng(21)
    psi = rng.normal(size=50) / 50
    cov = influence_vcov(psi, small_sample=False)
    assert cov.vcov.shape == (1, 1)
    assert abs(cov.vcov[0, 0] - psi @ psi) / (psi @ psi) < TOL_OLD
    assert influence_vcov(psi).vcov[0, 0] == pytest.approx(psi @ psi * 50 / 49, rel=1e-14)
    assert (cov.n_clusters, cov.df) == (50, 49)


def test_influence_vcov_two_way():
    rng = np.random.default_rng(22)
    psi = rng.normal(size=(200, 2)) / 200
    a, b = rng.integers(0, 12, 200), rng.integers(0, 5, 200)

    def one(labels):
        return influence_vcov(psi, labels).vcov

    ab = pd.factorize(pd.MultiIndex.from_arrays([a, b]))[0]
    cov = influence_vcov(psi, [a, b])
    assert rel(cov.vcov, one(a) + one(b) - one(ab)) < TOL_OLD
    assert cov.n_clusters == 5


# --- the result and the errors ---------------------------------------------------------


def test_covariance_fields_and_notes():
    X, y, _, g1, g2 = make_data(30)
    resid, bread = ols(X, y)
    cov = sandwich(X, resid, bread=bread, cov_type="CR1", clusters=g1, cluster_names="school")
    assert isinstance(cov, Covariance)
    g = np.unique(g1).size
    assert cov.note == f"cluster-robust CR1 by school: G/(G-1) * (N-1)/(N-K), {g} clusters"
    assert np.allclose(cov.std_errors, np.sqrt(np.diag(cov.vcov)))
    two = sandwich(X, resid, bread=bread, cov_type="CR1", clusters=[g1, g2],
                   cluster_names=["school", "year"])
    assert two.note.startswith("two-way cluster-robust CR1 by school and year")
    assert f"{g} and 6 clusters" in two.note
    assert "HC2" in repr(sandwich(X, resid, cov_type="HC2"))
    with pytest.raises(AttributeError):
        cov.df = 3  # frozen


def test_every_cov_type_has_an_estimator():
    assert tuple(cv._ESTIMATORS) == get_args(CovType)


def test_unknown_cov_type_lists_the_known_ones():
    X, y, _, _, _ = make_data(31)
    resid, _ = ols(X, y)
    with pytest.raises(SpecError) as err:
        sandwich(X, resid, cov_type="HC3")
    for name in get_args(CovType):
        assert repr(name) in str(err.value)


def test_cluster_errors():
    X, y, _, g1, g2 = make_data(32)
    resid, _ = ols(X, y)
    n = len(y)
    with pytest.raises(NotEstimableError, match="at least 2 clusters"):
        sandwich(X, resid, cov_type="CR1", clusters=np.zeros(n))
    with pytest.raises(NotEstimableError, match="cluster 2 has 1"):
        sandwich(X, resid, cov_type="CR1", clusters=[g1, np.zeros(n)])
    with pytest.raises(NotEstimableError, match="at least 2 clusters"):
        influence_vcov(np.ones((n, 2)), np.zeros(n))
    with pytest.raises(SpecError, match="needs clusters"):
        sandwich(X, resid, cov_type="CR1")
    with pytest.raises(SpecError, match="takes no clusters"):
        sandwich(X, resid, cov_type="HC1", clusters=g1)
    labels = g1.astype(float)
    labels[3] = np.nan
    with pytest.raises(DataError, match="missing"):
        sandwich(X, resid, cov_type="CR1", clusters=labels)
    with pytest.raises(DataError, match="entries"):
        sandwich(X, resid, cov_type="CR1", clusters=g1[:-1])
    with pytest.raises(DataError, match="non-negative"):
        sandwich(X, resid, weights=-np.ones(n))


def test_hc2_leverage_one_is_not_estimable():
    X, y, _, _, _ = make_data(33)
    only = np.zeros(len(y))
    only[0] = 1.0  # an indicator of one observation: leverage 1
    X1 = np.column_stack([X, only])
    resid, bread = ols(X1, y)
    with pytest.raises(NotEstimableError, match="leverage 1"):
        sandwich(X1, resid, bread=bread, cov_type="HC2")


def test_cluster_labels_as_series_and_list():
    X, y, _, g1, _ = make_data(34)
    resid, bread = ols(X, y)
    ref = sandwich(X, resid, bread=bread, cov_type="CR1", clusters=g1).vcov
    for labels in (pd.Series(g1), list(g1), pd.Categorical(g1), [pd.Series(g1)]):
        got = sandwich(X, resid, bread=bread, cov_type="CR1", clusters=labels).vcov
        assert np.array_equal(got, ref)
