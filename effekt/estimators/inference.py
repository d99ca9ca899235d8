"""Inference from influence functions: analytic and clustered SEs, multiplier bootstrap.

An estimator that is asymptotically linear, ``theta_hat - theta = mean_i psi_i + o_p(n^-1/2)``,
has its variance estimated by ``sum_i psi_i^2 / n^2`` (R ``did``'s ``sqrt(mean(psi^2)/n)``) and,
clustered, by ``sum_c (sum_{i in c} psi_i)^2 / n^2``. The multiplier bootstrap (Mammen 1993
or Rademacher weights ``V_i``) draws ``sum_i V_i psi_i / n``; the standard error is the
interquartile range of the draws over that of a standard normal, and the uniform band's
critical value is the ``level`` quantile of the largest studentised draw over the estimates
(Callaway & Sant'Anna 2021, Section 4).

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
    "BootWeights",
    "InfluenceBasis",
    "analytic_se",
    "bootstrap_summary",
    "multiplier_weights",
    "wald_test",
]

BootWeights = Literal["mammen", "rademacher"]

_DEGENERATE = np.sqrt(np.finfo(float).eps) * 10
_SQRT5 = np.sqrt(5.0)


def _mammen_points() -> tuple[float, float, float]:
    """Mammen's two points and the probability of the first."""
    return (1 - _SQRT5) / 2, (1 + _SQRT5) / 2, (_SQRT5 + 1) / (2 * _SQRT5)


def _indicators(shape: tuple[int, int], kind: str, rng: np.random.Generator) -> np.ndarray:
    """0/1 matrix (float32) whose entries take the first of the two weight values."""
    if kind == "rademacher":
        size = shape[0] * shape[1]
        bits = np.unpackbits(np.frombuffer(rng.bytes((size + 7) // 8), dtype=np.uint8))[:size]
        return bits.reshape(shape).astype(np.float32)
    # P(u < p) for u uniform on 32-bit integers: exact to 2^-32, and faster than floats
    threshold = np.uint32(round(_mammen_points()[2] * 2**32))
    u = rng.integers(0, 2**32, size=shape, dtype=np.uint32)
    return (u < threshold).astype(np.float32)


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
    ``(sqrt 5 + 1)/(2 sqrt 5)`` and ``(1 + sqrt 5)/2`` otherwise; Rademacher weights are ±1.

    Examples
    --------
    >>> v = multiplier_weights((2, 3), "rademacher", np.random.default_rng(0))
    >>> sorted(set(v.ravel().tolist())) <= [-1.0, 1.0]
    True
    """
    check_choice("weights", kind, BootWeights)
    first, other = _two_points(kind)
    return other + (first - other) * _indicators(shape, kind, rng).astype(np.float64)


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
    """

    inf: np.ndarray
    dmat: np.ndarray
    cluster: np.ndarray | None = None

    @property
    def n(self) -> int:
        """Number of observations (the ``n`` of every variance formula)."""
        return self.inf.shape[0]

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
        n_boot = check_positive_int("n_boot", n_boot)
        if n_boot * self.size > 5e8:
            raise SpecError(f"n_boot={n_boot} draws of {self.size} estimates would hold more "
                            "than 5e8 numbers in memory; lower n_boot.")
        rng = check_rng(seed)
        check_choice("weights", kind, BootWeights)
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
