"""Sandwich covariance estimators by name, with the small-sample factors in one place.

Every standard error in effekt comes from one of two functions:

* :func:`sandwich` — for least squares (OLS/WLS): ``V = c * B M B`` with the bread
  ``B = (X'WX)^-1``, the meat ``M`` built from the scores ``s_i = x_i w_i e_i`` and a
  small-sample factor ``c``;
* :func:`influence_vcov` — for estimators given by influence functions (DiD cells,
  event studies): ``V = c * sum_g psi_g psi_g'`` with ``psi_g`` the influence function
  summed within cluster ``g``.

The estimators, by the name passed as ``cov_type`` (Cameron and Miller 2015; MacKinnon
and White 1985):

======  ==================================================  ===========================
name    meat ``M``                                          factor ``c``
======  ==================================================  ===========================
HC0     ``sum_i s_i s_i'`` (White 1980)                     1
HC1     ``sum_i s_i s_i'``                                  ``N/(N-K)``
HC2     ``sum_i s_i s_i' / (1 - h_ii)``                     1
CR0     ``sum_g s_g s_g'`` with ``s_g = sum_{i in g} s_i``  1
CR1     ``sum_g s_g s_g'``                                  ``G/(G-1) * (N-1)/(N-K)``
CR2     ``sum_g X_g' A_g e_g e_g' A_g X_g`` (below)         1
======  ==================================================  ===========================

``h_ii = w_i x_i'(X'WX)^-1 x_i`` is the leverage. Multiway clustering (Cameron, Gelbach
and Miller 2011) adds and subtracts one-way covariances over the cluster dimensions and
their intersections — for two ways ``V = V_a + V_b - V_ab`` — each term with its own
factor (its own ``G``), as R's ``sandwich::vcovCL(type = "HC1", cadjust = TRUE)``
does; ``t`` inference then uses ``min(G) - 1`` degrees of freedom. The result is not
forced to be positive semi-definite (``vcovCL``'s default ``fix = FALSE``).

CR2 is the bias-reduced linearization of Bell and McCaffrey (2002) in the form of
Pustejovsky and Tipton (2018): ``A_g = (I - H_gg)^(-1/2)``, the symmetric (pseudo-)inverse
square root of ``I`` minus the cluster's block of the hat matrix
``H_gg = X_g (X'X)^-1 X_g'``, eigenvalues below ``1e-12`` treated as 0 so that a cluster
of leverage 1 (a cluster fixed effect) adds nothing, as R's
``clubSandwich::vcovCR(type = "CR2")`` does. It is unbiased when the errors are
independent and homoskedastic (the working model) and with singleton clusters equals
HC2. ``A_g`` is computed from the thin QR of the cluster's rows of the design (the hat
block has rank at most K), so a cluster of ``n_g`` rows costs ``O(n_g K^2)``, not the
``O(n_g^3)`` of an ``n_g x n_g`` eigendecomposition. Its ``t`` tests use the
Satterthwaite degrees of freedom of :func:`satterthwaite_df`, one per coefficient
(:attr:`Covariance.coef_df`), instead of ``G - 1``.

With absorbed fixed effects (TWFE on within-transformed data) the hat matrix that
defines ``A_g`` and the Satterthwaite df is that of the full dummy regression, ``H =
H_X~ + H_S + H_T~`` (``X~`` the within-transformed regressors, ``S`` the effects nested
in the clusters, ``T~`` the other effects' dummies residualised on ``S``). Pustejovsky
and Tipton (2018, sec. 3 and Theorem 2) show that effects nested in the clusters can be
left out of it: the residuals, ``X~`` and ``T~`` all sum to zero within each nested
effect, so ``H_S`` changes neither the meat nor the df. :func:`sandwich` with
``absorbed=T~`` therefore equals ``clubSandwich::vcovCR(type = "CR2")`` both for ``lm``
with factor dummies and for ``plm`` ``"within"`` / ``"twoways"`` models (which use the
same augmented design ``[X~, T~]``).

CR2 is implemented for OLS (and constant weights) with one-way clustering:
for weighted least squares clubSandwich (working covariance ``I``) and estimatr
(``sqrt(w)``-transformed OLS) define different adjustments, and neither is
implemented here, so non-constant weights and multiway clusters are refused.

A new estimator is one meat function and one factor function entered in
``_ESTIMATORS``.

References
----------
Bell, R. M. and McCaffrey, D. F. (2002). Bias reduction in standard errors for linear
regression with multi-stage samples. *Survey Methodology* 28(2), 169-181.
Cameron, A. C., Gelbach, J. B. and Miller, D. L. (2011). Robust inference with multiway
clustering. *Journal of Business & Economic Statistics* 29(2), 238-249.
Cameron, A. C. and Miller, D. L. (2015). A practitioner's guide to cluster-robust
inference. *Journal of Human Resources* 50(2), 317-372.
MacKinnon, J. G. and White, H. (1985). Some heteroskedasticity-consistent covariance
matrix estimators with improved finite sample properties. *Journal of Econometrics*
29(3), 305-325.
Pustejovsky, J. E. and Tipton, E. (2018). Small-sample methods for cluster-robust
variance estimation and hypothesis testing in fixed effects models. *Journal of Business
& Economic Statistics* 36(4), 672-683.
White, H. (1980). A heteroskedasticity-consistent covariance matrix estimator and a direct
test for heteroskedasticity. *Econometrica* 48(4), 817-838.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Literal

import numpy as np
import pandas as pd

from effekt._checks import check_choice
from effekt.errors import DataError, NotEstimableError, SpecError
from effekt.estimators._linalg import gram_inverse

__all__ = [
    "CovType",
    "Covariance",
    "cluster_factor",
    "cr1_factor",
    "hc1_factor",
    "influence_vcov",
    "sandwich",
    "satterthwaite_df",
]

CovType = Literal["HC0", "HC1", "HC2", "CR0", "CR1", "CR2"]

ClusterArg = np.ndarray | Sequence[np.ndarray] | None


@dataclass(frozen=True, eq=False)
class Covariance:
    """A covariance matrix with what is needed to report and use it.

    Attributes
    ----------
    vcov : ndarray, shape (k, k)
        The covariance of the estimates.
    cov_type : str
        The estimator's name (``"HC1"``, ``"CR1"``, ...).
    n_obs : int
        Observations used (rows with positive weight).
    n_clusters : int or None
        Clusters; with multiway clustering the smallest number over the dimensions.
        None for the heteroskedasticity-robust (HC) types.
    df : int
        Degrees of freedom for ``t`` inference: ``N - K`` for HC types, ``G - 1`` for
        cluster-robust ones (Cameron and Miller 2015, on few clusters). For CR2 also
        ``G - 1``, but its tests use :attr:`coef_df`.
    note : str
        The estimator and its small-sample factor in words, for summaries and reports.
    coef_df : ndarray, shape (k,), or None
        CR2 only: the Satterthwaite degrees of freedom of each coefficient
        (:func:`satterthwaite_df`), for its ``t`` test and interval; None otherwise.
    """

    vcov: np.ndarray
    cov_type: str
    n_obs: int
    n_clusters: int | None
    df: int
    note: str
    coef_df: np.ndarray | None = None

    @property
    def std_errors(self) -> np.ndarray:
        """Standard errors, the square roots of the diagonal of :attr:`vcov`."""
        return np.sqrt(np.diag(self.vcov))

    def __repr__(self) -> str:
        k = self.vcov.shape[0]
        return f"Covariance({self.cov_type}, {k}x{k}, df={self.df}: {self.note})"


# ---------------------------------------------------------------------------------------
# small-sample factors


def hc1_factor(n_obs: int, n_params: int) -> float:
    """Return the HC1 factor ``N / (N - K)`` (MacKinnon and White 1985; Stata's ``robust``).

    Parameters
    ----------
    n_obs, n_params : int
        Observations ``N`` and coefficients ``K``.

    Returns
    -------
    float

    Examples
    --------
    >>> hc1_factor(100, 4)
    1.0416666666666667
    """
    return n_obs / (n_obs - n_params)


def cluster_factor(n_clusters: int) -> float:
    """Return ``G / (G - 1)``, the factor for ``G`` clusters.

    It corrects the downward bias of the sum of squared cluster scores when ``G`` is
    small (Cameron and Miller 2015). Alone it is the factor of :func:`influence_vcov`
    with ``small_sample=True`` (the matched DiD event study).

    Examples
    --------
    >>> cluster_factor(5)
    1.25
    """
    return n_clusters / (n_clusters - 1)


def cr1_factor(n_obs: int, n_params: int, n_clusters: int) -> float:
    """Return the CR1 factor ``G/(G-1) * (N-1)/(N-K)``.

    Stata's ``vce(cluster)``, statsmodels' ``cov_type="cluster"`` and R's
    ``sandwich::vcovCL(type = "HC1")`` (Cameron and Miller 2015). In multiway
    clustering each term gets its own factor with its own ``G`` (Cameron, Gelbach and
    Miller 2011).

    Examples
    --------
    >>> round(cr1_factor(100, 4, 20), 6)
    1.085526
    """
    return cluster_factor(n_clusters) * ((n_obs - 1) / (n_obs - n_params))


def _no_factor(n_obs: int, n_params: int, n_clusters: int | None) -> float:
    return 1.0


# ---------------------------------------------------------------------------------------
# meats


@dataclass(frozen=True, eq=False)
class _Problem:
    """A least-squares fit for a meat function: design, residuals, weights, bread, scores."""

    X: np.ndarray
    resid: np.ndarray
    weights: np.ndarray | None
    bread: np.ndarray
    scores: np.ndarray
    absorbed: tuple[np.ndarray, np.ndarray] | None = None
    cache: dict = field(default_factory=dict)  # CR2's adjustment blocks, made once


def _meat_hc0(fit: _Problem, codes: np.ndarray | None, n_groups: int | None) -> np.ndarray:
    return fit.scores.T @ fit.scores


def _meat_hc2(fit: _Problem, codes: np.ndarray | None, n_groups: int | None) -> np.ndarray:
    """``sum_i s_i s_i' / (1 - h_ii)`` with the (weighted) leverage ``h_ii``."""
    h = np.einsum("ij,jk,ik->i", fit.X, fit.bread, fit.X)
    if fit.weights is not None:
        h = fit.weights * h
    high = 1 - h < 1e-10
    if high.any():
        raise NotEstimableError(
            f"HC2 standard errors are not defined: {int(high.sum())} observation(s) have "
            "leverage 1 (a regressor, such as an indicator, is non-zero for that "
            "observation alone); use HC1 or remove the regressor."
        )
    return (fit.scores / (1 - h)[:, None]).T @ fit.scores


def _meat_cluster(fit: _Problem, codes: np.ndarray | None, n_groups: int | None) -> np.ndarray:
    return _cluster_crossprod(fit.scores, codes, n_groups)


def _cluster_crossprod(scores: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    summed = np.zeros((n_groups, scores.shape[1]))
    np.add.at(summed, codes, scores)
    return summed.T @ summed


def _cr2_factors(
    X: np.ndarray, M: np.ndarray, codes: np.ndarray, n_groups: int,
    absorbed: tuple[np.ndarray, np.ndarray] | None = None,
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Rows, ``U_g`` and ``s_g`` of each cluster, with ``A_g = I + U_g diag(s_g) U_g'``.

    ``A_g = (I - H_gg)^(-1/2)`` (the symmetric pseudo-inverse square root; eigenvalues
    below 1e-12 count as 0, as ``clubSandwich:::matrix_power(x, -1/2)``) for the hat
    block ``H_gg = D_g B D_g'`` of rank at most ``r``, the columns of ``D = [X, Z]``
    (``B = diag(M, M_Z)``; just ``X`` and ``M`` without ``absorbed``). From the thin QR
    ``D_g = Q R`` and the eigenvalues ``l`` of the ``r x r`` matrix ``R B R'`` (vectors
    ``W``): ``U_g = Q W`` and ``s = (1 - l)^(-1/2) - 1`` (``-1`` where ``1 - l`` is 0),
    so a cluster of ``n_g`` rows costs ``O(n_g r^2)``, not ``O(n_g^3)``; with ``n_g <=
    r`` the ``n_g x n_g`` block is decomposed directly.
    """
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(n_groups + 1))
    k = X.shape[1]
    if absorbed is None:
        design, middle = X, M
    else:
        design = np.hstack([X, absorbed[0]])
        middle = np.zeros((design.shape[1], design.shape[1]))
        middle[:k, :k], middle[k:, k:] = M, absorbed[1]
    out = []
    for g in range(n_groups):
        rows = order[bounds[g]:bounds[g + 1]]
        dg = design[rows]
        if dg.shape[1] < rows.size:
            q, r = np.linalg.qr(dg)
            inner = r @ middle @ r.T
            vals, w = np.linalg.eigh((inner + inner.T) / 2)
            u = q @ w
        else:
            hat = dg @ middle @ dg.T
            vals, u = np.linalg.eigh((hat + hat.T) / 2)
        rest = 1 - vals
        ok = rest > 1e-12
        s = np.full(vals.size, -1.0)
        s[ok] = 1 / np.sqrt(rest[ok]) - 1
        out.append((rows, u, s))
    return out


def _adjust(u: np.ndarray, s: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``A_g v`` for ``A_g = I + U diag(s) U'`` (:func:`_cr2_factors`)."""
    uv = u.T @ v
    return v + u @ (s[:, None] * uv if uv.ndim == 2 else s * uv)


def _cr2_blocks(
    X: np.ndarray, M: np.ndarray, codes: np.ndarray, n_groups: int,
    absorbed: tuple[np.ndarray, np.ndarray] | None = None,
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Rows and adjustment ``A_g = (I - X_g M X_g')^(-1/2)`` of each cluster (``M = (X'X)^-1``).

    With ``absorbed = (Z, M_Z)`` (the absorbed effects not nested in the clusters, ``Z``
    orthogonal to ``X``, ``M_Z = (Z'Z)^+``) the hat block is ``X_g M X_g' + Z_g M_Z Z_g'``.
    The explicit ``n_g x n_g`` matrices, from :func:`_cr2_factors` (which the estimators
    use without forming them).
    """
    return [(rows, np.eye(rows.size) + (u * s) @ u.T)
            for rows, u, s in _cr2_factors(X, M, codes, n_groups, absorbed)]


def _unit_weight_bread(fit: _Problem) -> np.ndarray:
    """``(X'X)^-1`` from the bread ``(X'WX)^-1`` of constant weights ``w`` (checked before)."""
    return fit.bread if fit.weights is None else fit.bread * fit.weights[0]


def _meat_cr2(fit: _Problem, codes: np.ndarray | None, n_groups: int | None) -> np.ndarray:
    """``sum_g s_g s_g'`` with ``s_g = X_g' W_g A_g e_g`` (Bell and McCaffrey 2002)."""
    w = 1.0 if fit.weights is None else fit.weights[0]
    M = _unit_weight_bread(fit)
    blocks = _cr2_factors(fit.X, M, codes, n_groups, fit.absorbed)
    fit.cache["cr2"] = blocks
    summed = np.vstack([fit.X[rows].T @ _adjust(u, s, fit.resid[rows])
                        for rows, u, s in blocks]) * w
    return summed.T @ summed


def _satterthwaite(X: np.ndarray, M: np.ndarray, codes: np.ndarray, n_groups: int,
                   contrasts: np.ndarray,
                   absorbed: tuple[np.ndarray, np.ndarray] | None = None,
                   blocks: list | None = None) -> np.ndarray:
    """Satterthwaite df of CR2 for each row ``c`` of ``contrasts`` (see satterthwaite_df).

    With ``absorbed = (Z, M_Z)`` the residual maker is that of the augmented design
    ``[X, Z]`` (``X'Z = 0``), so ``p_gh`` loses ``(Z_g'u_g)' M_Z (Z_h'u_h)`` as well.
    """
    if blocks is None:
        blocks = _cr2_factors(X, M, codes, n_groups, absorbed)
    mc = M @ contrasts.T  # (k, m)
    diag = np.zeros((n_groups, mc.shape[1]))
    z = np.zeros((n_groups, X.shape[1], mc.shape[1]))
    za = None if absorbed is None else np.zeros((n_groups, absorbed[0].shape[1], mc.shape[1]))
    for g, (rows, vecs, s) in enumerate(blocks):
        u = _adjust(vecs, s, X[rows] @ mc)  # (n_g, m): u_g = A_g X_g M c
        diag[g] = np.sum(u * u, axis=0)
        z[g] = X[rows].T @ u  # X_g' u_g
        if za is not None:
            za[g] = absorbed[0][rows].T @ u
    out = np.empty(mc.shape[1])
    for j in range(mc.shape[1]):
        zj = z[:, :, j]
        p = np.diag(diag[:, j]) - zj @ M @ zj.T
        if za is not None:
            p = p - za[:, :, j] @ absorbed[1] @ za[:, :, j].T
        denom = np.sum(p * p)
        out[j] = np.trace(p) ** 2 / denom if denom > 0 else np.nan
    return out


@dataclass(frozen=True)
class _Estimator:
    clustered: bool
    meat: Callable[[_Problem, np.ndarray | None, int | None], np.ndarray]
    factor: Callable[[int, int, int | None], float]
    words: str
    factor_words: str


_ESTIMATORS: dict[str, _Estimator] = {
    "HC0": _Estimator(
        False, _meat_hc0, _no_factor, "heteroskedasticity-robust HC0", "no small-sample factor"
    ),
    "HC1": _Estimator(
        False, _meat_hc0, lambda n, k, g: hc1_factor(n, k), "heteroskedasticity-robust HC1",
        "N/(N-K)",
    ),
    "HC2": _Estimator(
        False, _meat_hc2, _no_factor, "heteroskedasticity-robust HC2",
        "squared residuals over 1 - h_ii (leverage)",
    ),
    "CR0": _Estimator(True, _meat_cluster, _no_factor, "cluster-robust CR0",
                      "no small-sample factor"),
    "CR1": _Estimator(True, _meat_cluster, cr1_factor, "cluster-robust CR1",
                      "G/(G-1) * (N-1)/(N-K)"),
    "CR2": _Estimator(True, _meat_cr2, _no_factor, "cluster-robust CR2 (Bell-McCaffrey)",
                      "residuals adjusted by (I - H_gg)^(-1/2), no factor"),
}


# ---------------------------------------------------------------------------------------
# clusters


def _cluster_arrays(clusters: ClusterArg) -> list[np.ndarray]:
    """One cluster array, or a sequence of them (multiway), as a list of 1-D arrays."""
    if clusters is None:
        return []
    if isinstance(clusters, np.ndarray | pd.Series | pd.Index | pd.Categorical):
        arr = np.asarray(clusters)
        if arr.ndim != 1:
            raise DataError(
                f"clusters must be one 1-D array or a list of 1-D arrays (multiway), got an "
                f"array of shape {arr.shape}."
            )
        return [arr]
    items = list(clusters)
    dims = {np.ndim(c) for c in items}
    if dims <= {0}:  # a plain list of labels
        return [np.asarray(items)] if items else []
    if dims != {1}:
        raise DataError("clusters must be one 1-D array or a list of 1-D arrays (multiway).")
    return [np.asarray(c) for c in items]


def _codes(labels: np.ndarray, n: int, keep: np.ndarray | None) -> tuple[np.ndarray, int]:
    if labels.shape[0] != n:
        raise DataError(f"clusters have {labels.shape[0]} entries, the data {n} rows.")
    if keep is not None:
        labels = labels[keep]
    codes, uniques = pd.factorize(labels)
    if (codes < 0).any():
        raise DataError(f"clusters have {int((codes < 0).sum())} missing labels.")
    return codes, len(uniques)


def _intersect(a: np.ndarray, b: np.ndarray, n_b: int) -> tuple[np.ndarray, int]:
    """Codes of the intersection clusters (first-appearance order, as pd.factorize)."""
    codes, uniques = pd.factorize(a.astype(np.int64) * n_b + b)
    return codes, len(uniques)


def _multiway(
    dims: list[tuple[np.ndarray, int]],
    term: Callable[[np.ndarray, int], np.ndarray],
) -> np.ndarray:
    """Inclusion-exclusion over the non-empty subsets of cluster dimensions (CGM 2011)."""
    total = None
    for size in range(1, len(dims) + 1):
        for subset in combinations(dims, size):
            codes, g = subset[0]
            for codes_b, g_b in subset[1:]:
                codes, g = _intersect(codes, codes_b, g_b)
            v = term(codes, g)
            if total is None:
                total = v
            elif size % 2:
                total = total + v
            else:
                total = total - v
    return total


def _names(cluster_names: str | Sequence[str] | None, n_dims: int) -> list[str]:
    if cluster_names is None:
        return ["cluster"] if n_dims == 1 else [f"cluster {j + 1}" for j in range(n_dims)]
    names = [cluster_names] if isinstance(cluster_names, str) else list(cluster_names)
    if len(names) != n_dims:
        raise SpecError(
            f"cluster_names has {len(names)} name(s) for {n_dims} cluster dimension(s)."
        )
    return names


def _ways(n_dims: int) -> str:
    return {2: "two-way ", 3: "three-way "}.get(n_dims, f"{n_dims}-way " if n_dims > 1 else "")


def _and(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _cluster_note(words: str, factor: str, names: list[str], gs: list[int]) -> str:
    cgm = " (Cameron-Gelbach-Miller 2011)" if len(names) > 1 else ""
    each = " in each term" if len(names) > 1 and factor.startswith("G") else ""
    return (
        f"{_ways(len(names))}{words} by {_and(names)}{cgm}: {factor}{each}, "
        f"{_and([str(g) for g in gs])} clusters"
    )


# ---------------------------------------------------------------------------------------
# the estimators


def sandwich(
    X: np.ndarray,
    resid: np.ndarray,
    *,
    bread: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    cov_type: CovType = "HC1",
    clusters: ClusterArg = None,
    cluster_names: str | Sequence[str] | None = None,
    absorbed: np.ndarray | None = None,
) -> Covariance:
    """Return the sandwich covariance of OLS/WLS coefficients.

    ``V = c * B M B`` with the bread ``B = (X'WX)^-1``, the scores ``s_i = x_i w_i e_i``
    and the meat and factor ``c`` of ``cov_type`` (module docstring; Cameron and Miller
    2015). Rows with zero weight carry no information and are dropped first, so they
    count in neither ``N`` nor ``G`` (as R's ``lm`` drops them from the residual degrees
    of freedom).

    Parameters
    ----------
    X : ndarray, shape (n, k)
        The design of the regression.
    resid : ndarray, shape (n,)
        Residuals ``e = y - X b`` (unweighted).
    bread : ndarray, shape (k, k), optional
        ``(X'WX)^-1`` if already computed (e.g. by :func:`effekt.estimators._linalg.wls`).
    weights : ndarray, shape (n,), optional
        Non-negative regression weights ``w``; None is OLS.
    cov_type : {"HC0", "HC1", "HC2", "CR0", "CR1", "CR2"}
        The estimator. HC types take no ``clusters``; CR types need them. CR2 takes one
        cluster dimension and no weights other than constant ones.
    clusters : array or sequence of arrays, optional
        Cluster labels, one per row (any hashable values); a list of such arrays gives
        multiway clustering (Cameron, Gelbach and Miller 2011).
    cluster_names : str or sequence of str, optional
        Names of the cluster dimensions, for :attr:`Covariance.note`.
    absorbed : ndarray, shape (n, p), optional
        CR2 only, for a regression whose fixed effects were absorbed (``X`` and ``resid``
        within-transformed): the dummies of the absorbed effects that are *not* nested
        in the clusters, residualised on those that are (e.g. period dummies demeaned
        within unit, clustering by unit). The CR2 adjustment and the Satterthwaite df
        then use the hat matrix of the augmented design ``[X, absorbed]``, which gives
        the CR2 of the full dummy regression: the nested effects drop out (Pustejovsky
        and Tipton 2018, Theorem 2; see the module docstring).

    Returns
    -------
    Covariance
        ``df`` is ``N - K`` for HC types and ``min(G) - 1`` for CR types; with CR2
        ``coef_df`` holds the Satterthwaite df of every coefficient.

    Raises
    ------
    SpecError
        An unknown ``cov_type`` (the message lists the known ones), clusters given with an
        HC type or missing with a CR type, CR2 with multiway clusters or non-constant
        weights.
    DataError
        Arrays of mismatched length, negative weights or missing cluster labels.
    NotEstimableError
        Fewer than 2 clusters in a dimension, no more observations than coefficients,
        a singular ``X'WX``, or (HC2) an observation with leverage 1.

    References
    ----------
    Cameron, A. C. and Miller, D. L. (2015). *Journal of Human Resources* 50(2), 317-372.
    Cameron, A. C., Gelbach, J. B. and Miller, D. L. (2011). *Journal of Business &
    Economic Statistics* 29(2), 238-249.
    MacKinnon, J. G. and White, H. (1985). *Journal of Econometrics* 29(3), 305-325.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = np.column_stack([np.ones(40), rng.normal(size=40)])
    >>> y = X @ np.array([1.0, 2.0]) + rng.normal(size=40)
    >>> resid = y - X @ np.linalg.lstsq(X, y, rcond=None)[0]
    >>> hc1 = sandwich(X, resid, cov_type="HC1")
    >>> hc1.df, hc1.note
    (38, 'heteroskedasticity-robust HC1: N/(N-K), 40 observations')
    >>> school = np.repeat(np.arange(8), 5)
    >>> cr1 = sandwich(X, resid, cov_type="CR1", clusters=school, cluster_names="school")
    >>> cr1.note
    'cluster-robust CR1 by school: G/(G-1) * (N-1)/(N-K), 8 clusters'
    >>> cr1.df, cr1.std_errors.shape
    (7, (2,))
    >>> cr2 = sandwich(X, resid, cov_type="CR2", clusters=school, cluster_names="school")
    >>> cr2.coef_df.shape, bool(cr2.coef_df[0] < 7)
    ((2,), True)
    """
    check_choice("cov_type", cov_type, _ESTIMATORS)
    est = _ESTIMATORS[cov_type]
    X = np.asarray(X, dtype=float)
    resid = np.asarray(resid, dtype=float)
    if X.ndim != 2 or resid.shape != (X.shape[0],):
        raise DataError(
            f"X must be 2-D and resid have one entry per row; got shapes {X.shape} and "
            f"{resid.shape}."
        )
    n_rows, k = X.shape
    arrays = _cluster_arrays(clusters)
    if est.clustered and not arrays:
        raise SpecError(
            f"cov_type={cov_type!r} is cluster-robust and needs clusters=; use 'HC1' (or "
            "'HC2') for heteroskedasticity-robust standard errors."
        )
    if arrays and not est.clustered:
        raise SpecError(
            f"cov_type={cov_type!r} is heteroskedasticity-robust and takes no clusters; use "
            "'CR1' (or 'CR0') for cluster-robust standard errors."
        )
    keep = None
    w = None
    if weights is not None:
        w = np.asarray(weights, dtype=float)
        if w.shape != (n_rows,):
            raise DataError(f"weights must have one entry per row ({n_rows}), got {w.shape}.")
        if not np.all(w >= 0):
            raise DataError("weights must be non-negative and not missing.")
        if not np.all(w > 0):
            keep = w > 0
    if bread is None:
        bread = gram_inverse(X, w)
    bread = np.asarray(bread, dtype=float)
    if bread.shape != (k, k):
        raise DataError(f"bread must be {k}x{k}, got shape {bread.shape}.")
    if keep is not None:
        X, resid, w = X[keep], resid[keep], w[keep]
    if cov_type == "CR2":
        _check_cr2(len(arrays), w)
    extra = _absorbed(absorbed, cov_type, n_rows, keep)
    n = X.shape[0]
    if n <= k:
        raise NotEstimableError(
            f"robust standard errors need more observations ({n}) than coefficients ({k})."
        )
    scores = X * (resid if w is None else w * resid)[:, None]
    fit = _Problem(X, resid, w, bread, scores, extra)

    def term(codes: np.ndarray | None, g: int | None) -> np.ndarray:
        return bread @ est.meat(fit, codes, g) @ bread * est.factor(n, k, g)

    if not arrays:
        vcov = term(None, None)
        note = f"{est.words}: {est.factor_words}, {n} observations"
        return Covariance(_symmetric(vcov), cov_type, n, None, n - k, note)
    dims = [_codes(a, n_rows, keep) for a in arrays]
    gs = [g for _, g in dims]
    names = _names(cluster_names, len(dims))
    _check_clusters(gs, names)
    vcov = _multiway(dims, term)
    note = _cluster_note(est.words, est.factor_words, names, gs)
    coef_df = None
    if cov_type == "CR2":
        coef_df = _satterthwaite(X, _unit_weight_bread(fit), *dims[0], np.eye(k), extra,
                                 fit.cache.get("cr2"))
    return Covariance(_symmetric(vcov), cov_type, n, min(gs), min(gs) - 1, note, coef_df)


def _absorbed(
    absorbed: np.ndarray | None, cov_type: str, n_rows: int, keep: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray] | None:
    """``(Z, (Z'Z)^+)`` of the absorbed effects not nested in the clusters (CR2 only)."""
    if absorbed is None:
        return None
    if cov_type != "CR2":
        raise SpecError(f"absorbed= is used by cov_type='CR2' only, not {cov_type!r}.")
    z = np.asarray(absorbed, dtype=float)
    if z.ndim != 2 or z.shape[0] != n_rows:
        raise DataError(f"absorbed must be an ({n_rows}, p) array, got shape {z.shape}.")
    if keep is not None:
        z = z[keep]
    return z, np.linalg.pinv(z.T @ z, rcond=1e-10, hermitian=True)


def _check_cr2(n_dims: int, w: np.ndarray | None) -> None:
    if n_dims > 1:
        raise SpecError(
            "CR2 is implemented for one-way clustering only; use cov_type='CR1' for "
            "multiway (Cameron-Gelbach-Miller) clustering, or cluster on one dimension."
        )
    if w is not None and np.ptp(w) > 1e-12 * np.max(w):
        raise SpecError(
            "CR2 is implemented for OLS only, not for weighted least squares: with "
            "non-constant weights clubSandwich (working covariance I) and estimatr "
            "(sqrt(w)-transformed OLS) define different adjustments. Use cov_type='CR1' "
            "with weights, or drop the weights."
        )


def satterthwaite_df(
    X: np.ndarray,
    clusters: np.ndarray,
    contrast: np.ndarray,
    weights: np.ndarray | None = None,
    absorbed: np.ndarray | None = None,
) -> float | np.ndarray:
    """Return the Satterthwaite degrees of freedom of a CR2 ``t`` test of ``c'b``.

    For the OLS coefficients ``b`` and the CR2 variance of :func:`sandwich` (``A_g =
    (I - H_gg)^(-1/2)``, ``M = (X'X)^-1``), ``c'V c = sum_g (g_g' y)^2`` with
    ``g_g = (I - H)_{g.}' A_g X_g M c``. Under the working model of independent
    homoskedastic errors, ``Var(y) = I`` (the scale cancels), the Satterthwaite
    approximation of ``c'V c`` by a scaled chi-square (Bell and McCaffrey 2002, sec. 3;
    Pustejovsky and Tipton 2018, sec. 3.1) has

    ``df = (sum_g p_gg)^2 / sum_{g,h} p_gh^2``, with ``p_gh = g_g' g_h``
    ``= 1[g = h] u_g'u_g - (X_g'u_g)' M (X_h'u_h)`` and ``u_g = A_g X_g M c``

    (``(I - H)`` is symmetric and idempotent). This is
    ``clubSandwich::coef_test(vcovCR(fit, cluster, type = "CR2"), test =
    "Satterthwaite")`` for ``lm`` and the CR2 ``df`` of ``estimatr::lm_robust`` (both
    without weights). With singleton clusters it is the Bell-McCaffrey df of HC2.

    Parameters
    ----------
    X : ndarray, shape (n, k)
        The design.
    clusters : ndarray, shape (n,)
        Cluster labels (one dimension).
    contrast : ndarray, shape (k,) or (m, k)
        One contrast ``c``, or one per row (e.g. ``np.eye(k)`` for every coefficient).
    weights : ndarray, shape (n,), optional
        Constant positive weights (rows of weight 0 are dropped); non-constant weights
        raise SpecError (see the module docstring).
    absorbed : ndarray, shape (n, p), optional
        For a regression with absorbed fixed effects (``X`` within-transformed), the
        dummies of the effects not nested in the clusters, as for :func:`sandwich`: the df
        are then those of the full dummy regression's CR2.

    Returns
    -------
    float or ndarray
        A float for one contrast, an array of shape (m,) for m. NaN where ``c'V c`` has
        no variance under the working model (e.g. a coefficient only clusters of
        leverage 1 inform).

    References
    ----------
    Bell, R. M. and McCaffrey, D. F. (2002). *Survey Methodology* 28(2), 169-181.
    Pustejovsky, J. E. and Tipton, E. (2018). *Journal of Business & Economic Statistics*
    36(4), 672-683.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.column_stack([np.ones(6), [0, 0, 0, 1, 1, 1]])
    >>> round(float(satterthwaite_df(X, np.arange(6), [0, 1])), 6)  # Welch: n1 = n0 = 3
    4.0
    """
    X = np.asarray(X, dtype=float)
    if X.ndim != 2:
        raise DataError(f"X must be 2-D, got shape {X.shape}.")
    n, k = X.shape
    c = np.asarray(contrast, dtype=float)
    single = c.ndim == 1
    c = np.atleast_2d(c)
    if c.ndim != 2 or c.shape[1] != k:
        raise DataError(f"contrast must have {k} entries (or be an m x {k} array), got "
                        f"shape {np.shape(contrast)}.")
    keep = None
    w = None
    if weights is not None:
        w = np.asarray(weights, dtype=float)
        if w.shape != (n,) or not np.all(w >= 0):
            raise DataError(f"weights must be {n} non-negative numbers.")
        keep = w > 0
        X, w = X[keep], w[keep]
    arrays = _cluster_arrays(clusters)
    _check_cr2(len(arrays), w)
    if not arrays:
        raise SpecError("satterthwaite_df needs clusters (one label per row).")
    codes, g = _codes(arrays[0], n, keep)
    _check_clusters([g], ["cluster"])
    extra = _absorbed(absorbed, "CR2", n, keep)
    out = _satterthwaite(X, gram_inverse(X, None), codes, g, c, extra)
    return float(out[0]) if single else out


def influence_vcov(
    psi: np.ndarray,
    clusters: ClusterArg = None,
    *,
    small_sample: bool = True,
    cluster_names: str | Sequence[str] | None = None,
) -> Covariance:
    """Return the covariance of estimates given by their influence functions.

    ``V = c * sum_g psi_g psi_g'`` with ``psi_g`` the rows of ``psi`` summed within
    cluster ``g`` and ``c = G/(G-1)`` (:func:`cluster_factor`) when ``small_sample``,
    else 1 (Cameron and Miller 2015). Without clusters every row is its own
    cluster (``G = n``). Multiway clusters combine as in :func:`sandwich`
    (``V_a + V_b - V_ab``, each with its own factor).

    Parameters
    ----------
    psi : ndarray, shape (n,) or (n, m)
        Influence functions, one row per observation and one column per estimate, scaled
        so that the covariance is ``psi' psi`` (i.e. divided by ``n``). Rows of
        observations outside an estimate's sample are zero.
    clusters : array or sequence of arrays, optional
        Cluster labels, one per row; every distinct label counts in ``G``, also where
        its rows of ``psi`` are zero.
    small_sample : bool
        Apply ``G/(G-1)``.
    cluster_names : str or sequence of str, optional
        Names of the cluster dimensions, for :attr:`Covariance.note`.

    Returns
    -------
    Covariance
        ``cov_type`` is ``"CR1"`` (``"CR0"`` without the factor), ``n_clusters`` the
        (smallest) ``G`` (``n`` without clusters) and ``df = G - 1``.

    Raises
    ------
    NotEstimableError
        Fewer than 2 clusters.

    References
    ----------
    Cameron, A. C. and Miller, D. L. (2015). *Journal of Human Resources* 50(2), 317-372.

    Examples
    --------
    >>> import numpy as np
    >>> psi = np.array([[1.0, 0.0], [-1.0, 2.0], [0.5, -1.0], [-0.5, -1.0]]) / 4
    >>> cov = influence_vcov(psi, clusters=np.array([1, 1, 2, 2]), cluster_names="school")
    >>> cov.vcov  # 2/(2-1) * ((0, 2)/4 (0, 2)/4' + (0, -2)/4 (0, -2)/4')
    array([[0., 0.],
           [0., 1.]])
    >>> cov.note
    'influence-function variance clustered by school: G/(G-1), 2 clusters'
    """
    psi = np.asarray(psi, dtype=float)
    if psi.ndim == 1:
        psi = psi[:, None]
    if psi.ndim != 2:
        raise DataError(f"psi must be 1-D or 2-D, got shape {psi.shape}.")
    n = psi.shape[0]
    arrays = _cluster_arrays(clusters)
    cov_type = "CR1" if small_sample else "CR0"
    factor_words = "G/(G-1)" if small_sample else "no small-sample factor"

    def term(codes: np.ndarray, g: int) -> np.ndarray:
        meat = psi.T @ psi if codes is None else _cluster_crossprod(psi, codes, g)
        return meat * cluster_factor(g) if small_sample else meat

    if not arrays:
        _check_clusters([n], ["observations"])
        words = "n/(n-1)" if small_sample else factor_words
        note = f"influence-function variance, observations as clusters: {words}, {n} observations"
        return Covariance(_symmetric(term(None, n)), cov_type, n, n, n - 1, note)
    dims = [_codes(a, n, None) for a in arrays]
    gs = [g for _, g in dims]
    names = _names(cluster_names, len(dims))
    _check_clusters(gs, names)
    vcov = _multiway(dims, term)
    note = _cluster_note("influence-function variance clustered", factor_words, names, gs)
    return Covariance(_symmetric(vcov), cov_type, n, min(gs), min(gs) - 1, note)


def _check_clusters(gs: list[int], names: list[str]) -> None:
    few = [f"{name} has {g}" for name, g in zip(names, gs, strict=True) if g < 2]
    if few:
        raise NotEstimableError(
            f"cluster-robust standard errors need at least 2 clusters; {_and(few)}."
        )


def _symmetric(v: np.ndarray) -> np.ndarray:
    return (v + v.T) / 2
