"""Inference from influence functions: analytic and clustered SEs, multiplier bootstrap.

An estimator that is asymptotically linear, ``theta_hat - theta = mean_i psi_i + o_p(n^-1/2)``,
has its variance estimated by ``sum_i psi_i^2 / n^2`` (R ``did``'s ``sqrt(mean(psi^2)/n)``) and,
clustered, by ``sum_c (sum_{i in c} psi_i)^2 / n^2``. The multiplier bootstrap (Mammen 1993,
Rademacher or Webb 2014 six-point weights ``V``, one per observation or, clustered, one per
cluster) draws ``sum_i V_i psi_i / n``; the standard error is the interquartile range of the
draws over that of a standard normal, and the uniform band's critical value is the ``level``
quantile of the largest studentised draw over the estimates (Callaway & Sant'Anna 2021,
Section 4). With fewer than :data:`FEW_CLUSTERS` clusters a two-point distribution has too
few distinct draws (``2**G``) and the default weights are Webb's (:func:`default_weights`).

:func:`bootstrap_wald_test` is the small-sample form of the Wald test: a studentised wild
bootstrap by cluster that re-estimates the covariance in every draw.

Many estimates built from the same influence functions are handled at once through a
*basis*: every estimate's influence function is ``Z @ c`` for one coefficient vector ``c``,
so the Gram matrix ``Z'Z`` and the bootstrap draws ``V Z / n`` are computed once and every
aggregation afterwards is a small matrix product (nothing is refitted).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import sparse, stats

from effekt._checks import check_choice, check_positive_int, check_rng
from effekt.errors import NotEstimableError, SpecError

__all__ = [
    "FEW_CLUSTERS",
    "BootWeights",
    "InfluenceBasis",
    "analytic_se",
    "bootstrap_summary",
    "bootstrap_wald_test",
    "default_weights",
    "multiplier_weights",
    "wald_test",
]

BootWeights = Literal["mammen", "rademacher", "webb"]

#: Below this many clusters the default multiplier weights are Webb's six-point ones.
FEW_CLUSTERS = 12

_DEGENERATE = np.sqrt(np.finfo(float).eps) * 10
_SQRT5 = np.sqrt(5.0)
# Webb (2014): +-sqrt(3/2), +-1, +-sqrt(1/2), each with probability 1/6 (mean 0, variance 1)
_WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])


def default_weights(n_clusters: int | None) -> BootWeights:
    """Return the default multiplier weights: Webb below :data:`FEW_CLUSTERS` clusters.

    With ``G`` clusters a two-point distribution gives at most ``2**G`` distinct bootstrap
    draws (512 distinct absolute values of a symmetric statistic when ``G = 10``), too
    few for a 5 % tail; Webb's six points give ``6**G`` (Webb 2014, "Reworking wild
    bootstrap based inference for clustered errors", Queen's Economics Department Working
    Paper 1315; MacKinnon & Webb 2017, J. Applied Econometrics 32(2)). Otherwise (and when
    not clustered, ``n_clusters=None``) Mammen's weights, as before.

    Examples
    --------
    >>> default_weights(8), default_weights(30), default_weights(None)
    ('webb', 'mammen', 'mammen')
    """
    if n_clusters is not None and n_clusters < FEW_CLUSTERS:
        return "webb"
    return "mammen"


def _mammen_points() -> tuple[float, float, float]:
    """Mammen's two points and the probability of the first."""
    return (1 - _SQRT5) / 2, (1 + _SQRT5) / 2, (_SQRT5 + 1) / (2 * _SQRT5)


def _indicators(shape: tuple[int, int], kind: str, rng: np.random.Generator,
                out: np.ndarray | None = None) -> np.ndarray:
    """0/1 matrix (float32) whose entries take the first of the two weight values.

    ``out``: a float32 buffer of at least ``shape[0] * shape[1]`` entries to fill (Mammen
    only), which saves the allocation of every block.
    """
    if kind == "rademacher":
        size = shape[0] * shape[1]
        bits = np.unpackbits(np.frombuffer(rng.bytes((size + 7) // 8), dtype=np.uint8))[:size]
        return bits.reshape(shape).astype(np.float32)
    # P(u < p) for u uniform on the multiples of 2^-24 in [0, 1) (numpy's float32 draws,
    # four times faster than 32-bit integers): p exact to 2^-24
    if out is None:
        u = rng.random(size=shape, dtype=np.float32)
    else:
        u = out.ravel()[:shape[0] * shape[1]].reshape(shape)
        rng.random(dtype=np.float32, out=u)
    np.less(u, np.float32(_mammen_points()[2]), out=u, casting="unsafe")  # 1.0 or 0.0, in place
    return u


def _two_points(kind: str) -> tuple[float, float]:
    """(value taken where the indicator is 1, value where it is 0)."""
    if kind == "rademacher":
        return -1.0, 1.0
    low, high, _ = _mammen_points()
    return low, high


def multiplier_weights(
    shape: tuple[int, int], kind: BootWeights, rng: np.random.Generator
) -> np.ndarray:
    """Draw a matrix of multiplier-bootstrap weights with mean 0 and variance 1.

    Mammen's two-point weights take ``(1 - sqrt 5)/2`` with probability
    ``(sqrt 5 + 1)/(2 sqrt 5)`` and ``(1 + sqrt 5)/2`` otherwise; Rademacher weights are ±1;
    Webb's six-point weights take ``±sqrt(1/2)``, ``±1`` and ``±sqrt(3/2)``, each with
    probability 1/6 (Webb 2014).

    Examples
    --------
    >>> v = multiplier_weights((2, 3), "rademacher", np.random.default_rng(0))
    >>> sorted(set(v.ravel().tolist())) <= [-1.0, 1.0]
    True
    >>> w = multiplier_weights((1, 6000), "webb", np.random.default_rng(0))
    >>> len(set(np.round(w.ravel(), 6).tolist())), bool(abs(w.var() - 1) < 0.05)
    (6, True)
    """
    check_choice("weights", kind, BootWeights)
    if kind == "webb":
        return _WEBB[rng.integers(0, 6, size=shape, dtype=np.uint8)]
    first, other = _two_points(kind)
    return other + (first - other) * _indicators(shape, kind, rng).astype(np.float64)


def check_draws(n_boot: int, size: int, kind: BootWeights,
                seed: int | np.random.Generator | None) -> tuple[int, np.random.Generator]:
    """Check a basis's bootstrap arguments; return ``n_boot`` and the generator.

    Raises SpecError when ``n_boot`` draws of ``size`` columns would exceed 5e8 numbers.
    """
    n_boot = check_positive_int("n_boot", n_boot)
    if n_boot * size > 5e8:
        raise SpecError(f"n_boot={n_boot} draws of {size} estimates would hold more "
                        "than 5e8 numbers in memory; lower n_boot.")
    check_choice("weights", kind, BootWeights)
    return n_boot, check_rng(seed)


@dataclass(frozen=True, eq=False)
class InfluenceBasis:
    """Columns whose linear combinations are the influence functions of all estimates.

    ``Z = [inf, D, 1]`` where ``inf`` (n × m) holds the group-time influence functions and
    ``D`` (n × G) the weighted group indicators ``w_i 1{G_i = g}`` that the estimated
    aggregation weights contribute (R ``aggte``'s "wif" term).

    Parameters
    ----------
    inf : ndarray (n, m)
        Influence functions, one column per estimate.
    dmat : ndarray (n, G)
        Weighted group indicators.
    cluster : ndarray of int (n,) or None
        Cluster code per observation (0..n_clusters-1); None means each observation.
    weight : ndarray (n,) or None
        Sampling weight per observation (None: every weight 1), for the re-centring of
        :meth:`wald_bootstrap`.
    """

    inf: np.ndarray
    dmat: np.ndarray
    cluster: np.ndarray | None = None
    weight: np.ndarray | None = None

    @property
    def n(self) -> int:
        """Number of observations (the ``n`` of every variance formula)."""
        return self.inf.shape[0]

    @property
    def n_clusters(self) -> int | None:
        """Number of clusters, or None when not clustered."""
        return None if self.cluster is None else int(np.unique(self.cluster).size)

    def _collapse(self, values: np.ndarray) -> np.ndarray:
        """Cluster sums of the columns of ``values`` (n × k); the rows when not clustered."""
        if self.cluster is None:
            return np.asarray(values, dtype=float)
        n = self.n
        s = sparse.csr_matrix((np.ones(n), (self.cluster, np.arange(n))),
                              shape=(int(self.cluster.max()) + 1, n))
        return np.asarray(s @ values, dtype=float)

    @property
    def size(self) -> int:
        """Number of basis columns ``p = m + G + 1``."""
        return self.inf.shape[1] + self.dmat.shape[1] + 1

    def _collapsed(self) -> np.ndarray:
        """Cluster sums of the basis columns (n_clusters × p)."""
        n = self.n
        n_c = int(self.cluster.max()) + 1
        s = sparse.csr_matrix((np.ones(n), (self.cluster, np.arange(n))), shape=(n_c, n))
        return np.hstack(
            [s @ self.inf, s @ self.dmat, np.asarray(s.sum(axis=1)).reshape(-1, 1)]
        )

    def gram(self) -> np.ndarray:
        """``Z'Z`` (or its clustered version ``Z_c' Z_c``), p × p."""
        if self.cluster is not None:
            zc = self._collapsed()
            return zc.T @ zc
        inf, d = self.inf, self.dmat
        a = inf.T @ inf
        b = inf.T @ d
        c = inf.sum(axis=0)[:, None]
        dd = d.T @ d
        d1 = d.sum(axis=0).reshape(-1, 1)
        top = np.hstack([a, b, c])
        mid = np.hstack([b.T, dd, d1])
        bot = np.hstack([c.T, d1.T, [[float(self.n)]]])
        return np.vstack([top, mid, bot])

    def draws(
        self,
        n_boot: int,
        kind: BootWeights,
        seed: int | np.random.Generator | None,
        max_block: int = 20_000_000,
    ) -> np.ndarray:
        """Multiplier-bootstrap draws of ``V Z / n`` (n_boot × p), in memory-bounded blocks."""
        n_boot, rng = check_draws(n_boot, self.size, kind, seed)
        if kind == "webb":
            zc = self._collapsed() if self.cluster is not None else np.hstack(
                [self.inf, self.dmat, np.ones((self.n, 1))])
            z32 = zc.astype(np.float32)
            step = max(1, min(n_boot, max_block // max(zc.shape[0], 1)))
            out = np.empty((n_boot, self.size))
            for start in range(0, n_boot, step):
                stop = min(n_boot, start + step)
                v = multiplier_weights((stop - start, zc.shape[0]), kind, rng)
                out[start:stop] = v.astype(np.float32) @ z32
            return out / self.n
        if self.cluster is not None:
            rows = self._collapsed()
            colsum = rows.sum(axis=0)
            rows32 = rows.astype(np.float32)

            def apply(b):
                return b @ rows32
        else:
            inf32 = self.inf.astype(np.float32)
            d32 = self.dmat.astype(np.float32)
            colsum = np.concatenate(
                [self.inf.sum(axis=0), self.dmat.sum(axis=0), [self.n]]
            )

            def apply(b):
                return np.hstack(
                    [b @ inf32, b @ d32, b.sum(axis=1, keepdims=True)]
                )

        # V = other + (first - other) * B with B the 0/1 indicators: V Z is a product with B
        first, other = _two_points(kind)
        n_obs = rows.shape[0] if self.cluster is not None else self.n
        step = max(1, min(n_boot, max_block // max(n_obs, 1)))
        out = np.empty((n_boot, self.size))
        for start in range(0, n_boot, step):
            stop = min(n_boot, start + step)
            prod = apply(_indicators((stop - start, n_obs), kind, rng))
            out[start:stop] = other * colsum + (first - other) * prod
        return out / self.n


    def wald_bootstrap(
        self,
        cols: np.ndarray,
        estimate: np.ndarray,
        treated: np.ndarray,
        n_boot: int,
        kind: BootWeights,
        seed: int | np.random.Generator | None,
    ) -> tuple[float, int, float, float]:
        """Run :func:`bootstrap_wald_test` on the estimates of basis columns ``cols``.

        ``treated`` (n × len(cols), bool) marks each column's treated arm; its other arm is
        every other observation with a non-zero influence function (the estimators put 0
        outside a cell's two arms). Each arm's re-centring share of a cluster is the
        cluster's part of the arm's weight.
        """
        inf = self.inf[:, cols]
        w = np.ones(self.n) if self.weight is None else np.asarray(self.weight, float)
        arms = []
        for mask in (treated & (inf != 0), ~treated & (inf != 0)):
            share = self._collapse(mask * w[:, None])
            total = share.sum(axis=0)
            share = np.divide(share, total, out=np.zeros_like(share), where=total > 0)
            arms.append((self._collapse(inf * mask), share))
        return bootstrap_wald_test(estimate, self._collapse(inf), arms, self.n, n_boot, kind,
                                   seed)


def bootstrap_wald_test(
    estimate: np.ndarray,
    scores: np.ndarray,
    arms: list[tuple[np.ndarray, np.ndarray]],
    n: int,
    n_boot: int = 999,
    kind: BootWeights = "rademacher",
    seed: int | np.random.Generator | None = None,
    max_block: int = 4_000_000,
) -> tuple[float, int, float, float]:
    """Studentised wild bootstrap by cluster of the Wald statistic of ``estimate = 0``.

    The statistic is ``W = a' V^-1 a`` with ``V = S'S / n^2`` (``S``, G × q, the cluster
    sums of the influence functions, ``scores``). Each draw multiplies the cluster sums by
    one weight per cluster, ``u_c = v_c S_c``, and re-estimates, as a wild bootstrap of
    the outcomes would: the draw of the estimates is ``a* = sum_c u_c / n``, and its
    covariance ``V*`` is computed from the influence functions of that draw, i.e. ``u``
    re-centred within each arm of each estimate (the re-estimated arm means,
    ``u_c - m_c sum_c' v_c' A_c'`` with ``A`` the arm's part of the cluster sums and ``m_c``
    the cluster's share of the arm, ``arms = [(A, m), ...]``). So ``W* = a*' V*^-1 a*``
    carries the two faults of ``W`` with few clusters that a chi-squared reference
    ignores: a variance estimated too small (each cluster's own contribution is taken
    out of the arm means it is compared with) and a noisy covariance whose inverse
    inflates ``W``. The p-value is ``(1 + #{W* >= W}) / (1 + n_boot)``.

    This is the bootstrap-t (studentised) form of the wild cluster bootstrap (Cameron,
    Gelbach & Miller 2008, REStat 90(3); MacKinnon & Webb 2017, J. Applied Econometrics
    32(2)) applied to the multiplier bootstrap of an asymptotically linear estimator
    (Kline & Santos 2012, J. Econometric Methods 1(1)); Hotelling's T² idea of taking the
    estimated covariance's noise into the reference distribution (Hotelling 1931), done by
    simulation since here each estimate rests on its own few clusters. The re-centring
    ignores the re-estimation of covariate models (propensity score, outcome regression),
    which is of smaller order.

    Returns
    -------
    (statistic, df, p_value, critical_value)
        ``critical_value`` is the 95 % quantile of ``W*``.

    Raises
    ------
    NotEstimableError
        When ``V`` is singular, or the re-estimated covariance of the draws is (fewer
        clusters than the tested estimates need).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> s = rng.normal(size=(40, 2)); s -= s.mean(axis=0)
    >>> arm = (s, np.full((40, 2), 1 / 40))
    >>> w, df, p, crit = bootstrap_wald_test(np.zeros(2), s, [arm], n=40, n_boot=199, seed=0)
    >>> w, df, p
    (0.0, 2, 1.0)
    """
    n_boot = check_positive_int("n_boot", n_boot)
    check_choice("weights", kind, BootWeights)
    rng = check_rng(seed)
    est = np.asarray(estimate, dtype=float)
    scores = np.asarray(scores, dtype=float)
    stat, df = wald_test(est, scores.T @ scores / n**2)
    g, q = scores.shape
    step = max(1, min(n_boot, max_block // max(g * q, 1)))
    w_star = np.empty(n_boot)
    for start in range(0, n_boot, step):
        stop = min(n_boot, start + step)
        v = multiplier_weights((stop - start, g), kind, rng)
        draw = v @ scores / n
        u = v[:, :, None] * scores[None]
        for a, m in arms:
            u -= m[None] * (v @ a)[:, None, :]
        cov = np.einsum("bgq,bgr->bqr", u, u) / n**2
        sv = np.linalg.svd(cov, compute_uv=False)
        if not np.all(sv[:, -1] > sv[:, 0] * np.finfo(float).eps * q):
            raise NotEstimableError(
                f"the bootstrap Wald test needs more clusters: with {g} clusters the "
                f"re-estimated covariance of the {q} tested estimates is singular in some "
                "draws; use method='wald'")
        sol = np.linalg.solve(cov, draw[:, :, None])[:, :, 0]
        w_star[start:stop] = np.einsum("bq,bq->b", draw, sol)
    hits = int(np.sum(w_star >= stat * (1 - 1e-10)))
    crit = float(np.quantile(w_star, 0.95, method="inverted_cdf"))
    return stat, df, (1 + hits) / (1 + n_boot), crit


def analytic_se(coef: np.ndarray, gram: np.ndarray, n: int) -> np.ndarray:
    """Return the SEs ``sqrt(diag(C' Z'Z C)) / n`` for coefficient columns ``C`` (p × q).

    Degenerate standard errors (below ``sqrt(eps) * 10`` on R's scale) are NaN, as in R ``did``.
    """
    var = np.einsum("pq,pr,rq->q", coef, gram, coef)
    se = np.sqrt(np.maximum(var, 0.0)) / n
    se[se * np.sqrt(n) <= _DEGENERATE] = np.nan
    return se


def bootstrap_summary(
    pert: np.ndarray, n: int, level: float = 0.95
) -> tuple[np.ndarray, float]:
    """Bootstrap standard errors and the uniform critical value from draws (n_boot × q).

    The standard error is the interquartile range of the draws divided by that of a standard
    normal; the critical value is the ``level`` quantile (inverse empirical cdf, R's type 1)
    of ``max_j |draw_j / se_j|`` over the non-degenerate estimates.
    """
    q25, q75 = np.quantile(pert, [0.25, 0.75], axis=0, method="inverted_cdf")
    se = (q75 - q25) / (stats.norm.ppf(0.75) - stats.norm.ppf(0.25))
    se[~(se * np.sqrt(n) > _DEGENERATE)] = np.nan
    ok = np.isfinite(se)
    if not ok.any():
        return se, float("nan")
    t_max = np.max(np.abs(pert[:, ok] / se[ok]), axis=1)
    t_max = t_max[np.isfinite(t_max)]
    crit = float(np.quantile(t_max, level, method="inverted_cdf"))
    return se, crit


def wald_test(estimate: np.ndarray, vcov: np.ndarray) -> tuple[float, int]:
    """Wald statistic ``a' V^-1 a`` of ``estimate = 0`` and its degrees of freedom.

    The one Wald test of effekt: R ``did``'s pre-test (with ``V`` the influence-function
    covariance), the matched-DiD and TWFE pre-trend tests of the study designs.

    Raises
    ------
    NotEstimableError
        When the covariance matrix is singular (R's ``rcond <= eps`` rule) or not finite.

    Examples
    --------
    >>> wald_test(np.array([1.0, 2.0]), np.eye(2))
    (5.0, 2)
    """
    est = np.asarray(estimate, dtype=float)
    v = np.asarray(vcov, dtype=float)
    if est.size == 0:
        raise NotEstimableError("there is nothing to test (no estimates)")
    if not np.all(np.isfinite(v)) or 1 / np.linalg.cond(v, 1) <= np.finfo(float).eps:
        raise NotEstimableError("the covariance matrix of the tested estimates is singular")
    stat = float(est @ np.linalg.solve(v, est))
    return stat, int(est.shape[0])
