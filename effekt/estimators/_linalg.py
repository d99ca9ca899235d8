"""Weighted least squares and binary GLMs by Newton-Raphson, shared by the estimators.

Three building blocks, each written once:

* :func:`wls` — weighted least squares, returning the coefficients and the *bread*
  ``(X'WX)^-1`` of the sandwich covariance (:mod:`effekt.estimators.covariance`);
* :func:`demean_two_way` — the within transformation of unit and period fixed effects
  (exact, also for unbalanced and weighted panels), so that two-way fixed-effects
  regressions are :func:`wls` on the transformed data (Frisch-Waugh-Lovell);
* :func:`binary_glm` — an unpenalised logit or probit fitted by Newton-Raphson with R's
  ``glm`` deviance convergence rule, returning the fitted probabilities, the coefficients
  and the inverse Hessian (the propensity scores of DRDID, matching and weighting).

Both raise :class:`~effekt.errors.NotEstimableError` with a message naming the model
(keyword ``what=``), so that a caller can mark one cell of a larger computation as not
estimable and say why.

References
----------
McCullagh, P. and Nelder, J. A. (1989). *Generalized Linear Models*, 2nd ed. Chapman & Hall.
Sant'Anna, P. H. C. and Zhao, J. (2020). Doubly robust difference-in-differences
estimators. *Journal of Econometrics* 219(1), 101-122.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.special import log_ndtr, ndtr, ndtri

from effekt._checks import check_choice
from effekt.errors import DataError, NotEstimableError

__all__ = ["BinaryGLM", "Link", "binary_glm", "demean_two_way", "gram_inverse", "wls"]

Link = Literal["logit", "probit"]

_ETA_CLIP = 30.0  # logit linear predictor clipped to +-30 (DRDID), fitted 9.4e-14 .. 1-9.4e-14


def _message(text: str, hint: str) -> str:
    return f"{text}; {hint}" if hint else text


def _design(X: np.ndarray, n: int | None = None) -> np.ndarray:
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise DataError(f"the design X must be a 2-D array, got {X.ndim} dimension(s).")
    if n is not None and X.shape[0] != n:
        raise DataError(f"X has {X.shape[0]} rows but the response has {n} entries.")
    return X


def _weights(weights: np.ndarray | None, n: int) -> np.ndarray | None:
    if weights is None:
        return None
    w = np.asarray(weights, dtype=float)
    if w.shape != (n,):
        raise DataError(f"weights must have one entry per row ({n}), got shape {w.shape}.")
    return w


def _is_intercept_only(X: np.ndarray) -> bool:
    return X.shape[1] == 1 and bool(np.all(X[:, 0] == 1))


def gram_inverse(
    X: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    what: str = "regression",
    hint: str = "",
) -> np.ndarray:
    """Return ``(X'WX)^-1``, the bread of a (weighted) least-squares sandwich.

    Parameters
    ----------
    X : ndarray, shape (n, k)
        The design.
    weights : ndarray, shape (n,), optional
        Weights ``w``; ``W = diag(w)``. None gives ``X'X``.
    what, hint : str
        The regression in words (no article) and an optional hint for the error message.

    Returns
    -------
    ndarray, shape (k, k)

    Raises
    ------
    NotEstimableError
        ``"the {what} is singular[; hint]"`` when ``X'WX`` is exactly singular.

    Examples
    --------
    >>> import numpy as np
    >>> gram_inverse(np.array([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]]))
    array([[ 0.83333333, -0.5       ],
           [-0.5       ,  0.5       ]])
    """
    X = _design(X)
    w = _weights(weights, X.shape[0])
    xtwx = X.T @ X if w is None else X.T @ (w[:, None] * X)
    try:
        return np.linalg.inv(xtwx)
    except np.linalg.LinAlgError as exc:
        raise NotEstimableError(_message(f"the {what} is singular", hint)) from exc


def wls(
    y: np.ndarray,
    X: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    what: str = "regression",
    units: str = "observations",
    hint: str = "",
    max_cond: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted least squares: coefficients and the bread ``(X'WX)^-1``.

    The coefficients solve the normal equations ``X'WX b = X'Wy`` (LU, LAPACK ``gesv``);
    the bread is the inverse of the same ``X'WX``. With an intercept only (one column of
    ones) the coefficient is the weighted mean ``sum(w y) / sum(w)`` and the bread
    ``1 / sum(w)``, without a solve.

    Parameters
    ----------
    y : ndarray, shape (n,)
        The response.
    X : ndarray, shape (n, k)
        The design (include the intercept column yourself).
    weights : ndarray, shape (n,), optional
        Non-negative weights; None is ordinary least squares.
    what : str
        The regression in words, without article (``"outcome regression"``), for the errors.
    units : str
        What the rows are, for the too-few error (``"comparison units"``).
    hint : str
        Appended to every error message after ``"; "`` (what the user can do about it).
    max_cond : float, optional
        Raise when the 2-norm condition number of ``X'WX`` exceeds this (DRDID uses
        ``1e12``); None raises only for an exactly singular ``X'WX``.

    Returns
    -------
    coef : ndarray, shape (k,)
    bread : ndarray, shape (k, k)
        ``(X'WX)^-1``.

    Raises
    ------
    NotEstimableError
        ``"too few {units} for the {what}"`` when ``n < k`` or the weights sum to zero or
        less; ``"singular covariates in the {what}"`` when ``cond(X'WX) > max_cond``;
        ``"the {what} is singular"`` when ``X'WX`` is exactly singular (each followed by
        ``"; " + hint`` when a hint is given).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.column_stack([np.ones(4), [0.0, 1.0, 2.0, 3.0]])
    >>> coef, bread = wls(np.array([1.0, 3.0, 5.0, 7.0]), X)
    >>> np.round(coef, 12)
    array([1., 2.])
    >>> wls(np.array([1.0, 2.0]), np.ones((2, 1)), np.array([1.0, 3.0]))[0]
    array([1.75])
    """
    y = np.asarray(y, dtype=float)
    X = _design(X, y.shape[0])
    w = _weights(weights, X.shape[0])
    n, k = X.shape
    if n < k or (w is not None and w.sum() <= 0):
        raise NotEstimableError(_message(f"too few {units} for the {what}", hint))
    if _is_intercept_only(X):
        w = np.ones(n) if w is None else w
        total = w.sum()
        return np.array([np.dot(w, y) / total]), np.array([[1 / total]])
    if w is None:
        xtwx, xtwy = X.T @ X, X.T @ y
    else:
        xtwx, xtwy = X.T @ (w[:, None] * X), X.T @ (w * y)
    if max_cond is not None and np.linalg.cond(xtwx) > max_cond:
        raise NotEstimableError(_message(f"singular covariates in the {what}", hint))
    try:
        coef = np.linalg.solve(xtwx, xtwy)
        bread = np.linalg.inv(xtwx)
    except np.linalg.LinAlgError as exc:
        raise NotEstimableError(_message(f"the {what} is singular", hint)) from exc
    return coef, bread


@dataclass(frozen=True, eq=False)
class BinaryGLM:
    """A fitted binary GLM (see :func:`binary_glm`).

    Attributes
    ----------
    fitted : ndarray, shape (n,)
        Fitted probabilities ``F(x_i' b)``.
    coef : ndarray, shape (k,)
        The coefficients ``b``.
    inv_hessian : ndarray, shape (k, k)
        ``scale * H^-1`` with ``H = -d^2 l / db db'`` the observed information of the
        weighted log-likelihood at ``b`` (for the logit, also the expected information).
        With ``scale=1`` and frequency weights it is the model-based covariance of ``b``;
        with ``scale=n`` it is the inverse of the mean Hessian that influence functions use.
    link : str
        ``"logit"`` or ``"probit"``.
    n_iter : int
        Newton steps taken (0 for the closed form of an intercept-only model).
    """

    fitted: np.ndarray
    coef: np.ndarray
    inv_hessian: np.ndarray
    link: str
    n_iter: int


def _probabilities(eta: np.ndarray, link: str) -> np.ndarray:
    if link == "logit":
        return 1 / (1 + np.exp(-eta))
    return ndtr(eta)


def _probit_mills(d: np.ndarray, eta: np.ndarray) -> np.ndarray:
    """``lambda_i = q phi(q eta) / Phi(q eta)`` with ``q = 2d - 1``, stable in the tails."""
    q = 2 * d - 1
    z = q * eta
    return q * np.exp(-0.5 * z**2 - 0.5 * np.log(2 * np.pi) - log_ndtr(z))


def _newton_terms(
    d: np.ndarray, w: np.ndarray, eta: np.ndarray, ps: np.ndarray, link: str
) -> tuple[np.ndarray, np.ndarray]:
    """Weights of the information ``X' diag(a) X`` and of the score ``X' s``."""
    if link == "logit":
        return w * ps * (1 - ps), w * (d - ps)
    lam = _probit_mills(d, eta)
    return w * lam * (lam + eta), w * lam


def _deviance(d: np.ndarray, w: np.ndarray, eta: np.ndarray, ps: np.ndarray, link: str) -> float:
    if link == "logit":
        return -2 * np.sum(w * (d * np.log(ps) + (1 - d) * np.log1p(-ps)))
    return -2 * np.sum(w * log_ndtr((2 * d - 1) * eta))


def _linear_predictor(X: np.ndarray, beta: np.ndarray, link: str) -> np.ndarray:
    eta = X @ beta
    return np.clip(eta, -_ETA_CLIP, _ETA_CLIP) if link == "logit" else eta


def binary_glm(
    d: np.ndarray,
    X: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    link: Link = "logit",
    scale: float = 1.0,
    tol: float = 1e-12,
    max_iter: int = 100,
    max_cond: float | None = 1e12,
    what: str = "propensity score",
) -> BinaryGLM:
    """Fit an unpenalised binary logit or probit by Newton-Raphson.

    Maximises the weighted log-likelihood ``sum_i w_i [d_i log F(x_i'b) + (1 - d_i)
    log(1 - F(x_i'b))]`` with ``F`` the logistic or the standard normal distribution
    function, as R's ``glm(d ~ x, family = binomial(link), weights = w)`` does:

    * start: the intercept at ``F^-1(p0)``, ``p0 = sum(w d) / sum(w)``, when the first
      column of ``X`` is (close to) one and ``0 < p0 < 1``; all other coefficients 0;
    * step: ``b <- b + H^-1 U`` with the score ``U = X'[w (d - p)]`` for the logit and
      ``X'[w lambda]`` for the probit, ``lambda = q phi(q eta) / Phi(q eta)``,
      ``q = 2d - 1``; ``H = X' diag(a) X`` with ``a = w p (1 - p)`` (logit) or
      ``a = w lambda (lambda + eta)`` (probit, the observed information, positive
      definite because the probit log-likelihood is concave);
    * stop: after the first step with ``|dev - dev_old| / (|dev| + 0.1) < tol``
      (R's ``glm.control`` rule; R's default tolerance is 1e-8);
    * the logit linear predictor is clipped to [-30, 30] (as DRDID), so fitted
      probabilities stay within 1e-13 of 0 and 1.

    An intercept-only model (one column of ones) has the closed form ``p = p0`` and is
    not iterated. With ``link="logit"``, ``max_cond=1e12`` and ``scale=n`` this is exactly
    the propensity-score logit of R's DRDID / ``did``, operation for operation.

    Parameters
    ----------
    d : ndarray, shape (n,)
        The 0/1 response.
    X : ndarray, shape (n, k)
        The design, intercept column first.
    weights : ndarray, shape (n,), optional
        Non-negative (sampling) weights; None gives equal weights.
    link : {"logit", "probit"}
        The link function.
    scale : float
        ``inv_hessian`` is ``scale * H^-1``: 1 for the covariance of the coefficients,
        ``n`` for the inverse of the mean Hessian (DRDID's influence functions).
    tol : float
        Convergence tolerance on the relative change in deviance.
    max_iter : int
        Newton steps before giving up.
    max_cond : float, optional
        Raise when the condition number of ``H`` exceeds this, at any step or at the
        estimate (near-separation or collinear covariates); None raises only when ``H``
        is exactly singular. Covariates on very different scales (amounts in kroner
        beside indicators) can exceed 1e12 without being collinear; pass None there.
    what : str
        The modelled probability in words, singular and without article, for the errors.

    Returns
    -------
    BinaryGLM
        ``fitted``, ``coef``, ``inv_hessian``, ``link``, ``n_iter``.

    Raises
    ------
    DataError
        ``d`` not 0/1, or arrays of mismatched length.
    NotEstimableError
        ``"no overlap: the {what} is 0 or 1"`` (intercept only, ``p0`` is 0 or 1);
        ``"singular covariates or no overlap in the {what}"`` (``H`` ill-conditioned
        during the iterations); ``"the {what} {link} did not converge (no overlap)"``
        (``max_iter`` steps without convergence); ``"no overlap: fitted {what}s of 0 or
        1"`` (``H`` ill-conditioned at the estimate).

    References
    ----------
    McCullagh, P. and Nelder, J. A. (1989). *Generalized Linear Models*, 2nd ed., ch. 4.
    Sant'Anna, P. H. C. and Zhao, J. (2020). *Journal of Econometrics* 219(1), 101-122.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=500)
    >>> d = (rng.uniform(size=500) < 1 / (1 + np.exp(-(0.5 + x)))).astype(float)
    >>> fit = binary_glm(d, np.column_stack([np.ones(500), x]))
    >>> fit.fitted.shape, fit.inv_hessian.shape
    ((500,), (2, 2))
    >>> bool(abs(fit.fitted.mean() - d.mean()) < 1e-10)  # logit score equation
    True
    """
    check_choice("link", link, Link)
    d = np.asarray(d, dtype=float)
    if d.ndim != 1 or not np.all((d == 0) | (d == 1)):
        raise DataError("the response d of a binary GLM must be a 1-D array of 0s and 1s.")
    X = _design(X, d.shape[0])
    n, k = X.shape
    w = _weights(weights, n)
    w = np.ones(n) if w is None else w
    if _is_intercept_only(X):
        p = float(np.dot(w, d) / w.sum())
        if not 0 < p < 1:
            raise NotEstimableError(f"no overlap: the {what} is 0 or 1")
        if link == "logit":
            coef, inv = np.log(p / (1 - p)), scale / (w.sum() * p * (1 - p))
        else:
            coef = ndtri(p)
            inv = scale / (w.sum() * np.exp(-(coef**2)) / (2 * np.pi) / (p * (1 - p)))
        return BinaryGLM(np.full(n, p), np.array([coef]), np.array([[inv]]), link, 0)

    def information(a: np.ndarray) -> np.ndarray:
        return X.T @ (a[:, None] * X)

    def ill_conditioned(h: np.ndarray) -> bool:
        return max_cond is not None and bool(np.linalg.cond(h) > max_cond)

    singular = f"singular covariates or no overlap in the {what}"
    beta = np.zeros(k)
    p0 = np.dot(w, d) / w.sum()
    if np.allclose(X[:, 0], 1) and 0 < p0 < 1:
        beta[0] = np.log(p0 / (1 - p0)) if link == "logit" else ndtri(p0)
    dev_old = np.inf
    n_iter = 0
    for _ in range(max_iter):
        n_iter += 1
        eta = _linear_predictor(X, beta, link)
        ps = _probabilities(eta, link)
        a, s = _newton_terms(d, w, eta, ps, link)
        hess = information(a)
        if ill_conditioned(hess):
            raise NotEstimableError(singular)
        try:
            beta = beta + np.linalg.solve(hess, X.T @ s)
        except np.linalg.LinAlgError as exc:
            raise NotEstimableError(singular) from exc
        eta = _linear_predictor(X, beta, link)
        ps = _probabilities(eta, link)
        dev = _deviance(d, w, eta, ps, link)
        if abs(dev - dev_old) / (abs(dev) + 0.1) < tol:
            break
        dev_old = dev
    else:
        raise NotEstimableError(f"the {what} {link} did not converge (no overlap)")
    hess = information(_newton_terms(d, w, eta, ps, link)[0])
    extreme = f"no overlap: fitted {what}s of 0 or 1"
    if ill_conditioned(hess):
        raise NotEstimableError(extreme)
    try:
        inv = scale * np.linalg.inv(hess)
    except np.linalg.LinAlgError as exc:
        raise NotEstimableError(extreme) from exc
    return BinaryGLM(ps, beta, inv, link, n_iter)


def demean_two_way(
    values: np.ndarray,
    unit: np.ndarray,
    time: np.ndarray,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Residuals of each column on unit and period fixed effects (the within transformation).

    For every column ``v`` the weighted least-squares residual of ``v_it = a_i + l_t + e``,
    computed exactly: the unit means are swept out, then the period effects solve the
    ``T x T`` normal equations ``(D~'WD~) l = D~'W v~`` of the unit-demeaned period
    dummies ``D~`` (least squares with a relative cut-off of 1e-10, since the effects are
    identified only up to a constant per connected set of units and periods). By
    Frisch-Waugh-Lovell, least squares on the transformed outcome and regressors gives
    the two-way fixed-effects coefficients and residuals (as linearmodels' ``PanelOLS``
    with entity and time effects), for balanced, unbalanced and weighted panels alike.

    Parameters
    ----------
    values : ndarray, shape (n,) or (n, p)
        The columns to transform (outcome and regressors).
    unit, time : ndarray of int, shape (n,)
        Codes ``0..n_units-1`` and ``0..n_periods-1`` of each row.
    weights : ndarray, shape (n,), optional
        Positive regression weights.

    Returns
    -------
    ndarray
        The transformed columns, same shape as ``values``.

    Examples
    --------
    >>> import numpy as np
    >>> unit, time = np.repeat(np.arange(3), 2), np.tile(np.arange(2), 3)
    >>> y = 10.0 * unit + 3.0 * time  # entirely fixed effects
    >>> bool(np.allclose(demean_two_way(y, unit, time), 0))
    True
    """
    v = np.asarray(values, dtype=float)
    flat = v.ndim == 1
    v = v[:, None] if flat else v
    n = v.shape[0]
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    unit = np.asarray(unit, dtype=np.int64)
    time = np.asarray(time, dtype=np.int64)
    n_units, n_periods = int(unit.max()) + 1, int(time.max()) + 1
    w_unit = np.bincount(unit, weights=w, minlength=n_units)

    def unit_means(col: np.ndarray) -> np.ndarray:
        return np.bincount(unit, weights=w * col, minlength=n_units) / w_unit

    tilde = np.column_stack([col - unit_means(col)[unit] for col in v.T])
    # D~'W D~ = D'WD - C' diag(1/W_i) C, with C the units x periods matrix of weights
    c = np.zeros((n_units, n_periods))
    np.add.at(c, (unit, time), w)
    gram = np.diag(c.sum(axis=0)) - (c / w_unit[:, None]).T @ c
    rhs = np.column_stack(
        [np.bincount(time, weights=w * col, minlength=n_periods) for col in tilde.T]
    )
    # period effects, p columns. The system is singular (the effects are identified up to
    # a constant per connected set): least squares with a relative cut-off of 1e-10, so that
    # the null direction, whose eigenvalue is rounding noise, is dropped and not inverted
    effects = np.linalg.lstsq(gram, rhs, rcond=1e-10)[0]
    # D~ l = l_t - (weighted mean of l over the unit's periods)
    fitted = effects[time] - (c / w_unit[:, None] @ effects)[unit]
    out = tilde - fitted
    return out[:, 0] if flat else out
