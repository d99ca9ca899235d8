"""Weighted least squares and binary GLMs (effekt.estimators._linalg).

References: verbatim copies of the functions these replace (DRDID's ``fit_wls`` and
``fit_logit``, which make ``att_gt`` match R ``did``; the matched-sample regression's
``wls_fit``), statsmodels ``Logit``/``Probit`` fitted as ``propensity._fit_glm`` fits them
(Newton from zero, ``tol=1e-14``), and statsmodels ``GLM`` for weighted fits.

Tolerances:

* bitwise (``np.array_equal``) against ``fit_wls`` and ``fit_logit``: the same floating-
  point operations in the same order;
* 1e-12 relative for ``wls_fit``'s coefficients (``inv(X'WX) @ X'Wy`` there, a solve
  here; measured ~1e-15); its bread is the same inverse, bitwise;
* 1e-10 absolute on fitted probabilities against statsmodels: both converge to the same
  maximum, with different start values and stopping rules (R's relative-deviance rule
  1e-12 here, a parameter change below 1e-14 there). The deviance rule stops once the
  deviance changes by < 1e-12 relative, which leaves coefficients ~1e-12 from the
  maximum; measured over 20 seeds: fitted <= 5e-13, coefficients <= 2e-12 and inverse
  Hessians <= 5e-13 relative. Coefficients and inverse Hessians are checked to 1e-8.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import statsmodels.api as sm

from effekt.errors import DataError, NotEstimableError, SpecError
from effekt.estimators._linalg import BinaryGLM, binary_glm, demean_two_way, gram_inverse, wls

# --- verbatim copies of the replaced functions (as of the issue) -----------------------


def old_fit_wls(x, y, w):
    """_drdid.fit_wls."""
    if x.shape[0] < x.shape[1] or w.sum() <= 0:
        raise NotEstimableError("too few comparison units for the outcome regression")
    if x.shape[1] == 1:
        return np.array([np.dot(w, y) / w.sum()])
    xtwx = x.T @ (w[:, None] * x)
    if np.linalg.cond(xtwx) > 1e12:
        raise NotEstimableError("singular covariates in the outcome regression")
    return np.linalg.solve(xtwx, x.T @ (w * y))


def old_fit_logit(d, x, w):
    """_drdid.fit_logit: returns the fitted probabilities and n * vcov."""
    n = d.shape[0]
    if x.shape[1] == 1:
        p = float(np.dot(w, d) / w.sum())
        if not 0 < p < 1:
            raise NotEstimableError("no overlap: the propensity score is 0 or 1")
        ps = np.full(n, p)
        return ps, np.array([[n / (w.sum() * p * (1 - p))]])
    beta = np.zeros(x.shape[1])
    p0 = np.dot(w, d) / w.sum()
    beta[0] = np.log(p0 / (1 - p0)) if np.allclose(x[:, 0], 1) and 0 < p0 < 1 else 0.0
    dev_old = np.inf
    for _ in range(100):
        eta = np.clip(x @ beta, -30, 30)
        ps = 1 / (1 + np.exp(-eta))
        hess = x.T @ ((w * ps * (1 - ps))[:, None] * x)
        if np.linalg.cond(hess) > 1e12:
            raise NotEstimableError("singular covariates or no overlap in the propensity score")
        beta = beta + np.linalg.solve(hess, x.T @ (w * (d - ps)))
        eta = np.clip(x @ beta, -30, 30)
        ps = 1 / (1 + np.exp(-eta))
        dev = -2 * np.sum(w * (d * np.log(ps) + (1 - d) * np.log1p(-ps)))
        if abs(dev - dev_old) / (abs(dev) + 0.1) < 1e-12:
            break
        dev_old = dev
    else:
        raise NotEstimableError("the propensity score logit did not converge (no overlap)")
    hess = x.T @ ((w * ps * (1 - ps))[:, None] * x)
    if np.linalg.cond(hess) > 1e12:
        raise NotEstimableError("no overlap: fitted propensity scores of 0 or 1")
    return ps, n * np.linalg.inv(hess)


def old_wls_fit(y, X, w):
    """effect_regression.wls_fit."""
    xtwx = X.T @ (X * w[:, None])
    try:
        bread = np.linalg.inv(xtwx)
    except np.linalg.LinAlgError as exc:
        raise NotEstimableError(
            "the outcome regression is singular; a covariate is collinear with the "
            "treatment or constant in the matched sample."
        ) from exc
    coef = bread @ (X.T @ (w * y))
    return coef, bread


def sm_fit_glm(y, X, model):
    """propensity._fit_glm: statsmodels Logit/Probit by Newton from zero, tol 1e-14."""
    cls = sm.Logit if model == "logit" else sm.Probit
    glm = cls(y, X, check_rank=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = glm.fit(
            start_params=np.zeros(X.shape[1]), method="newton", maxiter=100, tol=1e-14,
            disp=False,
        )
    params = np.asarray(fit.params)
    return params, glm.cdf(X @ params), np.asarray(fit.cov_params())


DRDID = dict(what="outcome regression", units="comparison units", max_cond=1e12)
HINT = "a covariate is collinear with the treatment or constant in the matched sample."


def rel(a, b) -> float:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def make_data(seed: int, n: int = 400, categorical: bool = True):
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    x2 = rng.uniform(-1, 1, size=n)
    cols = [np.ones(n), x1, x2]
    if categorical:  # a three-level factor as R expands it: first level dropped
        level = rng.integers(0, 3, size=n)
        cols += [(level == 1).astype(float), (level == 2).astype(float)]
    X = np.column_stack(cols)
    beta = np.array([-0.3, 0.8, -0.5, 0.4, -0.6][: X.shape[1]])
    d = (rng.uniform(size=n) < 1 / (1 + np.exp(-(X @ beta)))).astype(float)
    y = X @ np.linspace(1, 2, X.shape[1]) + rng.normal(size=n)
    w = rng.uniform(0.3, 2.5, size=n)
    return X, d, y, w


# --- wls -------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_wls_is_bitwise_fit_wls(seed):
    X, _, y, w = make_data(seed)
    coef, bread = wls(y, X, w, **DRDID)
    assert np.array_equal(coef, old_fit_wls(X, y, w))
    coef1, bread1 = wls(y, X[:, :1], w, **DRDID)  # intercept only: the weighted mean
    assert np.array_equal(coef1, old_fit_wls(X[:, :1], y, w))
    assert bread1[0, 0] == 1 / w.sum()


@pytest.mark.parametrize("seed", range(5))
def test_wls_matches_wls_fit(seed):
    X, _, y, w = make_data(seed)
    coef, bread = wls(y, X, w)
    old_coef, old_bread = old_wls_fit(y, X, w)
    assert np.array_equal(bread, old_bread)
    assert rel(coef, old_coef) < 1e-12


def test_wls_unweighted_is_least_squares():
    X, _, y, _ = make_data(9)
    coef, bread = wls(y, X)
    assert rel(coef, np.linalg.lstsq(X, y, rcond=None)[0]) < 1e-12
    assert rel(bread, np.linalg.inv(X.T @ X)) < 1e-12
    assert rel(gram_inverse(X), bread) < 1e-12


def test_wls_errors_have_the_old_messages():
    X, _, y, w = make_data(10, n=40)
    few = "too few comparison units for the outcome regression"
    for args in [(y[:3], X[:3], w[:3]), (y, X, np.zeros_like(w))]:
        with pytest.raises(NotEstimableError, match=f"^{few}$"):
            old_fit_wls(args[1], args[0], args[2])
        with pytest.raises(NotEstimableError, match=f"^{few}$"):
            wls(*args, **DRDID)
    near = np.column_stack([X, X[:, 1] * 2 + 1e-9 * X[:, 2]])  # collinear, not exactly
    sing = "singular covariates in the outcome regression"
    with pytest.raises(NotEstimableError, match=f"^{sing}$"):
        old_fit_wls(near, y, w)
    with pytest.raises(NotEstimableError, match=f"^{sing}$"):
        wls(y, near, w, **DRDID)
    dup = np.column_stack([X, X[:, 1]])  # exactly singular X'WX
    with pytest.raises(NotEstimableError) as old:
        old_wls_fit(y, dup, w)
    with pytest.raises(NotEstimableError) as new:
        wls(y, dup, w, what="outcome regression", hint=HINT)
    assert str(new.value) == str(old.value)


# --- binary_glm: DRDID's logit ---------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_logit_is_bitwise_fit_logit(seed):
    X, d, _, w = make_data(seed, categorical=seed % 2 == 0)
    n = len(d)
    ps, hinv = old_fit_logit(d, X, w)
    fit = binary_glm(d, X, w, scale=n)
    assert isinstance(fit, BinaryGLM) and fit.n_iter > 1
    assert np.array_equal(fit.fitted, ps)
    assert np.array_equal(fit.inv_hessian, hinv)
    ps1, hinv1 = old_fit_logit(d, X[:, :1], w)  # intercept only: closed form
    fit1 = binary_glm(d, X[:, :1], w, scale=n)
    assert np.array_equal(fit1.fitted, ps1) and np.array_equal(fit1.inv_hessian, hinv1)
    assert fit1.n_iter == 0


def _same_error(d, X, w, message):
    with pytest.raises(NotEstimableError, match=f"^{message}$"):
        old_fit_logit(d, X, w)
    with pytest.raises(NotEstimableError, match=f"^{message}$"):
        binary_glm(d, X, w, scale=len(d))


def test_logit_errors_are_fit_logits():
    X, d, _, w = make_data(20, n=200)
    _same_error(np.zeros_like(d), X[:, :1], w, "no overlap: the propensity score is 0 or 1")
    dup = np.column_stack([X, X[:, 1]])
    _same_error(d, dup, w, "singular covariates or no overlap in the propensity score")
    separated = (X[:, 1] > 0).astype(float)  # complete separation
    with pytest.raises(NotEstimableError) as old:
        old_fit_logit(separated, X, w)
    with pytest.raises(NotEstimableError) as new:
        binary_glm(separated, X, w)
    assert str(new.value) == str(old.value)
    with pytest.raises(NotEstimableError, match="^the propensity score logit did not conv"):
        binary_glm(d, X, w, max_iter=1)


# --- binary_glm: statsmodels (propensity scores) ---------------------------------------


@pytest.mark.parametrize("link", ["logit", "probit"])
@pytest.mark.parametrize("categorical", [False, True])
@pytest.mark.parametrize("seed", [30, 31])
def test_glm_matches_statsmodels(link, categorical, seed):
    X, d, _, _ = make_data(seed, categorical=categorical)
    params, fitted, cov = sm_fit_glm(d, X, link)
    fit = binary_glm(d, X, link=link, max_cond=None)
    assert np.max(np.abs(fit.fitted - fitted)) < 1e-10
    assert rel(fit.coef, params) < 1e-8
    assert rel(fit.inv_hessian, cov) < 1e-8


@pytest.mark.parametrize("link", ["logit", "probit"])
def test_weighted_glm_matches_statsmodels_glm(link):
    X, d, _, w = make_data(40)
    family = sm.families.Binomial(
        sm.families.links.Logit() if link == "logit" else sm.families.links.Probit()
    )
    # Newton, not GLM's default IRLS: for the probit (a non-canonical link) IRLS converges
    # linearly and stops with a score of ~1e-8, fitted values 3e-10 from the maximum
    ref = sm.GLM(d, X, family=family, var_weights=w).fit(
        method="newton", start_params=np.zeros(X.shape[1]), tol=1e-14, maxiter=100
    )
    fit = binary_glm(d, X, w, link=link)
    assert np.max(np.abs(fit.fitted - ref.fittedvalues)) < 1e-10
    assert rel(fit.coef, ref.params) < 1e-8
    assert rel(fit.inv_hessian, ref.cov_params()) < 1e-8  # observed information


def test_probit_intercept_only():
    X, d, _, w = make_data(41)
    fit = binary_glm(d, X[:, :1], w, link="probit")
    p = np.dot(w, d) / w.sum()
    assert np.allclose(fit.fitted, p)
    # the probit information of an intercept: sum(w) phi(b)^2 / (p (1 - p))
    phi = np.exp(-fit.coef[0] ** 2 / 2) / np.sqrt(2 * np.pi)
    assert fit.inv_hessian[0, 0] == pytest.approx(p * (1 - p) / (w.sum() * phi**2), rel=1e-13)


def test_unknown_link_and_non_binary_response():
    X, d, _, _ = make_data(42)
    with pytest.raises(SpecError, match="'logit', 'probit'"):
        binary_glm(d, X, link="cloglog")
    with pytest.raises(DataError, match="0s and 1s"):
        binary_glm(d * 0.5, X)


# --- the two-way within transformation ------------------------------------------------


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("n_units, periods, keep", [(60, 7, 0.7), (3000, 10, 0.45)])
def test_demean_two_way_equals_lsdv_residuals_on_an_unbalanced_panel(
    weighted, n_units, periods, keep
):
    # reference: the residuals of each column on explicit unit and period dummies (LSDV),
    # solved exactly with a sparse direct solver (one period dummy dropped); tolerance
    # 1e-9 (two exact methods; the second panel has many singleton units and a period
    # Gram matrix whose null eigenvalue is rounding noise of either sign, which a plain
    # pseudo-inverse would invert)
    from scipy import sparse
    from scipy.sparse.linalg import spsolve

    rng = np.random.default_rng(5)
    rows = [(i, t) for i in range(n_units) for t in range(periods) if rng.uniform() < keep]
    unit, time = (np.array(c) for c in zip(*rows, strict=True))
    unit = np.unique(unit, return_inverse=True)[1]
    v = rng.normal(size=(len(unit), 3)) + unit[:, None] * 0.3 + time[:, None]
    w = rng.uniform(0.5, 2.0, len(unit)) if weighted else np.ones(len(unit))
    got = demean_two_way(v, unit, time, w if weighted else None)
    n = len(unit)
    fe = sparse.hstack([
        sparse.csr_matrix((np.ones(n), (np.arange(n), unit))),
        sparse.csr_matrix((np.ones(n), (np.arange(n), time)))[:, 1:],
    ]).tocsc()
    coef = spsolve((fe.T @ sparse.diags(w) @ fe).tocsc(), fe.T @ (w[:, None] * v))
    np.testing.assert_allclose(got, v - fe @ coef, atol=1e-9)
    np.testing.assert_allclose(demean_two_way(v[:, 0], unit, time, w if weighted else None),
                               got[:, 0], atol=1e-12)
