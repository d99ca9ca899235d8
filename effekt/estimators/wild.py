"""The restricted wild cluster bootstrap (WCR) for least-squares coefficients.

For the coefficient ``b_j`` of a least-squares fit clustered in ``G`` clusters, the
restricted wild cluster bootstrap (Cameron, Gelbach and Miller 2008) imposes the null
``b_j = b0``, keeps the restricted fit ``X b~`` and multiplies its residuals ``u~`` by one
draw ``v_g`` per cluster, ``y* = X b~ + u~ * v_g``; each ``y*`` is refitted and its
``t* = (b*_j - b0) / se*_j`` uses the CR1 standard error of that sample (the same
small-sample factor as the original fit). The symmetric p-value is the share of draws with
``|t*| >= |t|``; the confidence interval is the set of ``b0`` that are not rejected, found
by root finding on the bootstrap p-value as a function of ``b0`` with the null imposed at
every ``b0`` (test inversion), as Stata's ``boottest`` does.

Computation follows Roodman, MacKinnon, Nielsen and Webb (2019): ``u~`` is affine in
``b0`` and every bootstrap quantity is linear in the draws, so cluster-level sums
(``X_g'u~_g``, ``X_g'X_g``) are formed once and each draw costs ``O(G (k + p))``, not
``O(N)``; ``t*(b0)^2`` is a ratio of quadratics in ``b0`` whose coefficients are computed
once per draw, so each evaluation of the p-value function during root finding costs
``O(B)``.

Absorbed fixed effects: the design and outcome are within-transformed (Frisch-Waugh-
Lovell: the restricted residuals are those of the full dummy regression). Refitting the
full dummy regression on ``y*`` also projects ``u~ * v_g`` off the dummies; effects nested
in the clusters drop out (``u~`` sums to zero within each of them and ``v_g`` is constant
there), and the others enter through ``absorbed``, their dummies residualised on the
nested ones. The bootstrap then equals the one on the full dummy regression.

Weights: ``rademacher`` (+-1, each with probability 1/2); ``webb`` (six points
``+-sqrt(1/2), +-1, +-sqrt(3/2)``, each 1/6; Webb 2023, recommended for fewer than about
12 clusters); ``mammen`` (the two-point distribution of Mammen 1993). With Rademacher
weights and ``2**G <= n_boot`` all ``2**G`` sign vectors are enumerated: the p-value is then
the exact randomisation p-value and does not depend on the seed.

References
----------
Cameron, A. C., Gelbach, J. B. and Miller, D. L. (2008). Bootstrap-based improvements for
inference with clustered errors. *Review of Economics and Statistics* 90(3), 414-427.
Roodman, D., MacKinnon, J. G., Nielsen, M. Ø. and Webb, M. D. (2019). Fast and wild:
bootstrap inference in Stata using boottest. *The Stata Journal* 19(1), 4-60.
Webb, M. D. (2023). Reworking wild bootstrap-based inference for clustered errors.
*Canadian Journal of Economics* 56(3), 839-858.
Mammen, E. (1993). Bootstrap and wild bootstrap for high dimensional linear models.
*Annals of Statistics* 21(1), 255-285.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from effekt._checks import check_choice, check_level, check_positive_int, check_rng
from effekt.errors import NotEstimableError
from effekt.estimators.covariance import cr1_factor
from effekt.estimators.inference import multiplier_weights

__all__ = [
    "WildBootstrap",
    "WildData",
    "WildWeights",
    "absorbed_basis",
    "nested_in",
    "wild_cluster_bootstrap",
    "wild_data",
]

WildWeights = Literal["rademacher", "webb", "mammen"]

_TIE = 1e-9  # |t*| within this relative distance of |t| counts as at least as extreme
_CHUNK = 2_000_000  # cluster x draw entries handled at once


@dataclass(frozen=True, eq=False)
class WildData:
    """What a wild cluster bootstrap needs to refit a least-squares regression.

    Attributes
    ----------
    X : ndarray, shape (n, k)
        The design (within-transformed when fixed effects are absorbed), rows multiplied by
        ``sqrt(w)`` for weighted least squares.
    y : ndarray, shape (n,)
        The outcome, transformed as ``X``.
    clusters : ndarray of int, shape (n,)
        Cluster codes ``0..G-1``.
    terms : tuple of int
        Columns of ``X`` whose coefficients are reported (and bootstrapped).
    factor : float
        The CR1 small-sample factor of the original fit.
    absorbed : ndarray, shape (n, p), optional
        Dummies of absorbed effects not nested in the clusters, residualised on the nested
        ones (and multiplied by ``sqrt(w)``); None without such effects.
    unavailable : str
        When not empty, why this fit cannot be bootstrapped (raised on use).
    """

    X: np.ndarray
    y: np.ndarray
    clusters: np.ndarray
    terms: tuple[int, ...]
    factor: float
    absorbed: np.ndarray | None = None
    unavailable: str = ""

    @property
    def n_clusters(self) -> int:
        """Number of clusters ``G``."""
        return int(self.clusters.max()) + 1


@dataclass(frozen=True, eq=False)
class WildBootstrap:
    """The outcome of :func:`wild_cluster_bootstrap`, one entry per bootstrapped term.

    Attributes
    ----------
    p_value, ci_lower, ci_upper : ndarray
        Bootstrap p-values (symmetric) and test-inversion interval ends (``-inf``/``inf``
        when no value on that side is rejected).
    t_stat : ndarray
        The t statistics of the original fit on CR1 standard errors.
    weights : str
        The weight distribution.
    n_draws : int
        Bootstrap samples used (``2**G`` when enumerated).
    enumerated : bool
        Whether every Rademacher sign vector was used.
    seed : object
        The seed given (unused when enumerated).
    level : float
        Confidence level of the interval.
    n_clusters : int
        Clusters ``G``.
    """

    p_value: np.ndarray
    ci_lower: np.ndarray
    ci_upper: np.ndarray
    t_stat: np.ndarray
    weights: str
    n_draws: int
    enumerated: bool
    seed: Any
    level: float
    n_clusters: int

    def words(self) -> str:
        """How the p-values and intervals were computed, in words."""
        weights = {"rademacher": "Rademacher", "webb": "Webb six-point",
                   "mammen": "Mammen two-point"}[self.weights]
        if self.enumerated:
            draws = (f"all 2^{self.n_clusters} = {self.n_draws} sign vectors enumerated "
                     "(exact, seed-independent)")
        else:
            seed = self.seed if isinstance(self.seed, int | np.integer | None) else "given"
            draws = f"B = {self.n_draws} draws (seed {seed}), the original sample included"
        return (f"restricted wild cluster bootstrap (WCR) with {weights} weights by cluster, "
                f"{draws}; symmetric p-value from |t*| >= |t| with CR1 t*; {self.level:.0%} "
                "interval by test inversion (null imposed at each value)")


def _draws(weights: str, n_clusters: int, n_boot: int, seed: Any) -> tuple[np.ndarray, bool]:
    """Draw the ``G x B`` weights; all sign vectors when Rademacher and ``2**G <= n_boot``."""
    if weights == "rademacher" and n_clusters < 31 and 2**n_clusters <= n_boot:
        codes = np.arange(2**n_clusters)
        bits = (codes[None, :] >> np.arange(n_clusters)[:, None]) & 1
        return 1.0 - 2.0 * bits, True
    # the same weights as the multiplier bootstrap of att_gt (one definition of each law)
    return multiplier_weights((n_clusters, n_boot), weights, check_rng(seed)), False


def _cluster_sums(values: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    out = np.zeros((n_groups, *values.shape[1:]))
    np.add.at(out, codes, values)
    return out


@dataclass(frozen=True)
class _Term:
    """The per-draw coefficients of ``t*(b0)^2 = (n0 - b0 n1)^2 / (c (A - 2 b0 C + b0^2 D))``."""

    estimate: float
    std_error: float
    n0: np.ndarray
    n1: np.ndarray
    a: np.ndarray
    c: np.ndarray
    d: np.ndarray
    factor: float
    extra: int  # samples counted as extreme by construction (the original; and v = -1)

    def p_value(self, b0: float) -> float:
        """Bootstrap p-value of the null ``b_j = b0``."""
        t2 = ((self.estimate - b0) / self.std_error) ** 2
        num = (self.n0 - b0 * self.n1) ** 2
        den = self.factor * (self.a - 2 * b0 * self.c + b0 * b0 * self.d)
        with np.errstate(divide="ignore", invalid="ignore"):
            extreme = num >= t2 * (1 - _TIE) * den
        extreme &= den > 0
        return float((np.count_nonzero(extreme) + self.extra) / (num.size + self.extra))

    def bound(self, alpha: float, side: float) -> float:
        """Find the end of the interval on ``side`` (-1 lower, +1 upper) by bisection."""
        inside, step = self.estimate, self.std_error
        outside = None
        for _ in range(64):
            trial = self.estimate + side * step
            if self.p_value(trial) <= alpha:
                outside = trial
                break
            inside, step = trial, 2 * step
        if outside is None:
            return side * np.inf
        tol = 1e-13 * max(self.std_error, abs(self.estimate))
        for _ in range(200):
            if abs(outside - inside) <= tol:
                break
            mid = (inside + outside) / 2
            if self.p_value(mid) > alpha:
                inside = mid
            else:
                outside = mid
        return (inside + outside) / 2


def _prepare(data: WildData, j: int, draws: np.ndarray, extra: int) -> _Term:
    """Fit, restrict and reduce term ``j`` to its per-draw coefficients (module docstring)."""
    X, y, codes, G = data.X, data.y, data.clusters, data.n_clusters
    M = np.linalg.inv(X.T @ X)
    beta = M @ (X.T @ y)
    resid = y - X @ beta
    q = M[:, j]
    score = _cluster_sums(resid[:, None] * X, codes, G) @ q
    std_error = float(np.sqrt(data.factor * np.sum(score**2)))
    # restricted residuals at b0: u(b0) = u0 - b0 * r (residuals on the other columns)
    others = np.delete(X, j, axis=1)
    if others.shape[1]:
        proj = np.linalg.lstsq(others, np.column_stack([y, X[:, j]]), rcond=None)[0]
        base = np.column_stack([y, X[:, j]]) - others @ proj
    else:
        base = np.column_stack([y, X[:, j]])
    xq = X @ q
    w = _cluster_sums(X * xq[:, None], codes, G)  # (G, k): X_g'X_g q
    s = [_cluster_sums(X * base[:, [i]], codes, G) for i in range(2)]  # X_g'u_g
    left, right = [w], [[M @ si.T for si in s]]
    if data.absorbed is not None:
        Z = data.absorbed
        mz = np.linalg.pinv(Z.T @ Z, rcond=1e-10, hermitian=True)
        left.append(_cluster_sums(Z * xq[:, None], codes, G))  # Z_g'X_g q
        zs = [_cluster_sums(Z * base[:, [i]], codes, G) for i in range(2)]
        right.append([mz @ zi.T for zi in zs])
    f1 = np.hstack(left)  # (G, k + p)
    f2 = [np.vstack([r[i] for r in right]) for i in range(2)]  # (k + p, G)
    a = [si @ q for si in s]  # numerator weights a_g = q'X_g'u_g
    dense = G <= f1.shape[1]
    kmat = [np.diag(a[i]) - f1 @ f2[i] for i in range(2)] if dense else None
    n_draws = draws.shape[1]
    out = {k: np.empty(n_draws) for k in ("n0", "n1", "a", "c", "d")}
    chunk = max(1, _CHUNK // max(G, 1))
    for start in range(0, n_draws, chunk):
        v = draws[:, start:start + chunk]
        if dense:
            p0, p1 = kmat[0] @ v, kmat[1] @ v
        else:
            p0 = a[0][:, None] * v - f1 @ (f2[0] @ v)
            p1 = a[1][:, None] * v - f1 @ (f2[1] @ v)
        sl = slice(start, start + v.shape[1])
        out["n0"][sl], out["n1"][sl] = a[0] @ v, a[1] @ v
        out["a"][sl] = np.sum(p0 * p0, axis=0)
        out["c"][sl] = np.sum(p0 * p1, axis=0)
        out["d"][sl] = np.sum(p1 * p1, axis=0)
    return _Term(float(beta[j]), std_error, out["n0"], out["n1"], out["a"], out["c"],
                 out["d"], data.factor, extra)


def wild_data(
    X: np.ndarray, y: np.ndarray, clusters: np.ndarray, w: np.ndarray | None,
    terms: tuple[int, ...], absorbed: np.ndarray | None = None, unavailable: str = "",
) -> WildData:
    """Collect what ``wild_bootstrap`` refits: rows of positive weight, times ``sqrt(w)``.

    ``X`` and ``y`` as fitted (within-transformed with fixed effects), ``clusters`` any
    labels, ``w`` the regression weights (None: OLS), ``terms`` the columns reported,
    ``absorbed`` the basis of :func:`absorbed_basis` (unweighted; scaled here). The CR1
    factor counts the rows of positive weight, their clusters and the columns of ``X``.
    """
    rows = np.ones(len(y), dtype=bool) if w is None else w > 0
    root = np.ones(int(rows.sum())) if w is None else np.sqrt(w[rows])
    cl, _ = pd.factorize(clusters[rows])
    n, k = int(rows.sum()), X.shape[1]
    factor = cr1_factor(n, k, int(cl.max()) + 1) if n > k else np.nan
    basis = None if absorbed is None else absorbed[rows] * root[:, None]
    return WildData(X=X[rows] * root[:, None], y=y[rows] * root, clusters=cl.astype(np.int64),
                    terms=terms, factor=factor, absorbed=basis, unavailable=unavailable)


def nested_in(inner: np.ndarray, outer: np.ndarray) -> bool:
    """Whether all rows of each ``inner`` code share one ``outer`` label."""
    pairs = pd.DataFrame({"inner": inner, "outer": outer}).drop_duplicates()
    return bool(pairs["inner"].is_unique)


def absorbed_basis(
    unit: np.ndarray, time: np.ndarray, clusters: np.ndarray, w: np.ndarray | None,
) -> tuple[np.ndarray | None, str]:
    """Dummies of the fixed effects not nested in the clusters, residualised on the nested.

    Units nested in the clusters (clustering by unit or by a coarser level): the period
    dummies, demeaned (weighted) within unit; periods nested (clustering by period): the
    unit dummies demeaned within period. This is the augmented design of CR2 with
    absorbed effects (Pustejovsky and Tipton 2018, Theorem 2) and what the wild bootstrap
    projects off its resampled residuals. Returns ``(None, reason)`` when neither is nested.
    """
    if nested_in(unit, clusters):
        nested, other = unit, time
    elif nested_in(time, clusters):
        nested, other = time, unit
    else:
        return None, ("neither the units nor the periods are nested in the clusters, which "
                      "CR2 with absorbed fixed effects and the wild cluster bootstrap here "
                      "need; cluster by unit (or a level that contains the units).")
    ww = np.ones(len(unit)) if w is None else w
    dummies = np.zeros((len(other), int(other.max()) + 1))
    dummies[np.arange(len(other)), other] = 1.0
    total = np.zeros(int(nested.max()) + 1)
    np.add.at(total, nested, ww)
    means = np.zeros((total.size, dummies.shape[1]))
    np.add.at(means, nested, dummies * ww[:, None])
    means /= np.where(total > 0, total, 1.0)[:, None]
    return dummies - means[nested], ""



def wild_cluster_bootstrap(
    data: WildData,
    *,
    n_boot: int = 9999,
    weights: WildWeights = "rademacher",
    seed: Any = None,
    level: float = 0.95,
) -> WildBootstrap:
    """Run the restricted wild cluster bootstrap for every term of ``data``.

    Each term gets its own restricted model and its own p-value (null ``b_j = 0``) and
    test-inversion interval; the draws are shared by all terms.

    Parameters
    ----------
    data : WildData
        The fit to bootstrap (carried by the results of the classic DiD estimators).
    n_boot : int
        Number of draws ``B``; with Rademacher weights and ``2**G <= n_boot`` every sign
        vector is used instead.
    weights : {"rademacher", "webb", "mammen"}
        The distribution of the cluster weights ``v_g``.
    seed : int, numpy.random.Generator or None
        Seed of the draws (same seed, same numbers); unused when enumerating.
    level : float
        Confidence level of the intervals.

    Returns
    -------
    WildBootstrap

    Raises
    ------
    SpecError
        ``n_boot`` not a positive integer, unknown ``weights``, bad ``level`` or ``seed``.
    NotEstimableError
        ``data.unavailable`` says why the fit cannot be bootstrapped, or fewer than 2
        clusters.

    References
    ----------
    Cameron, Gelbach and Miller (2008); Roodman, MacKinnon, Nielsen and Webb (2019).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> g = np.repeat(np.arange(8), 10)
    >>> X = np.column_stack([np.ones(80), (g % 2).astype(float)])
    >>> y = 1 + 0.5 * X[:, 1] + rng.normal(size=8)[g] + rng.normal(size=80)
    >>> data = WildData(X=X, y=y, clusters=g, terms=(1,), factor=8 / 7 * 79 / 78)
    >>> boot = wild_cluster_bootstrap(data, n_boot=999)
    >>> boot.enumerated, boot.n_draws
    (True, 256)
    >>> bool(boot.ci_lower[0] < 0.5 < boot.ci_upper[0] and 0 < boot.p_value[0] <= 1)
    True
    """
    if data.unavailable:
        raise NotEstimableError(data.unavailable)
    n_boot = check_positive_int("n_boot", n_boot)
    check_choice("weights", weights, WildWeights)
    level = check_level(level)
    G = data.n_clusters
    if G < 2:
        raise NotEstimableError(f"the wild cluster bootstrap needs at least 2 clusters, got {G}.")
    draws, enumerated = _draws(weights, G, n_boot, seed)
    n_draws = draws.shape[1]
    # the original sample (v = 1) gives t* = t at every b0, and so does v = -1: counted as
    # at least as extreme by construction, not by comparing rounded numbers
    if enumerated:
        draws, extra = draws[:, 1:-1], 2
    else:
        extra = 1
    alpha = 1 - level
    p, lo, hi, t = [], [], [], []
    for j in data.terms:
        term = _prepare(data, j, draws, extra)
        p.append(term.p_value(0.0))
        lo.append(term.bound(alpha, -1.0))
        hi.append(term.bound(alpha, 1.0))
        t.append(term.estimate / term.std_error)
    return WildBootstrap(np.array(p), np.array(lo), np.array(hi), np.array(t), weights,
                         int(n_draws), enumerated, seed, level, G)
