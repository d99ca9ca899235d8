"""ATT(g,t) without covariates from per-cohort sums: the estimator's sufficient statistics.

Without covariates the DR, IPW and regression estimators of Callaway & Sant'Anna (2021)
all reduce to a difference of weighted mean changes, ``mu_1 - mu_0`` (Sant'Anna & Zhao
2020, Section 3 with an intercept only), and in a balanced panel each unit's influence
function in every cell is linear in the unit's own outcome row: for unit ``i`` of cohort
``k``, ``psi_ic = w_i (alpha_kc (Y_i,t - Y_i,b) + beta_kc)``. So everything the
estimator and its inference need is, per cohort, the weight sum, the weighted outcome
sums (one per period) and the second moments of ``u_i = [w_i (Y_i - s_k), w_i, 1]``
(``s_k`` a shift for numerical accuracy): O(K T^2) numbers for K cohorts and T periods,
however many units. :class:`CohortSums` accumulates them chunk by chunk (a panel larger
than memory is read a block of units at a time), :func:`cells_from_sums` turns them into
the cells and the coefficients ``M_k`` with ``Z_i = u_i M_k`` (the influence functions,
cohort indicators and constant of :class:`~effekt.estimators.inference.InfluenceBasis`),
and :class:`CohortBasis` is the basis built on them: its Gram matrix is
``sum_k M_k' Q_k M_k`` and its bootstrap draws ``sum_k (V_k U_k) M_k``, so no n × cells
matrix is ever formed.

Callaway, B. & Sant'Anna, P. H. C. (2021), "Difference-in-Differences with multiple time
periods", Journal of Econometrics 225(2), 200-230; Sant'Anna, P. H. C. & Zhao, J. (2020),
"Doubly robust difference-in-differences estimators", Journal of Econometrics 219(1),
101-122.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from effekt.estimators.did.drdid import _TRIM
from effekt.estimators.inference import (
    BootWeights,
    InfluenceBasis,
    _indicators,
    _two_points,
    check_draws,
    multiplier_weights,
)

__all__ = ["CohortBasis", "CohortSums", "cells_from_sums"]

#: A chunk of units: their features ``u`` (rows sorted by cohort) and each cohort's rows.
Chunk = tuple[np.ndarray, np.ndarray]


@dataclass
class CohortSums:
    """Per-cohort sums of a balanced panel, accumulated a block of units at a time.

    Parameters
    ----------
    cohorts : ndarray
        The cohort values, sorted (``inf`` for never treated), indexed by ``kcode``.
    n_periods : int
        Periods ``T``; every unit has one outcome in each.

    Attributes
    ----------
    count, wsum : ndarray (K,)
        Units and their weight sum per cohort.
    ysum : ndarray (K, T)
        ``sum_i w_i (Y_i - s_k)`` per cohort and period.
    q : ndarray (K, T+2, T+2)
        ``sum_i u_i u_i'`` with ``u_i = [w_i (Y_i - s_k), w_i, 1]``.
    shift : ndarray (K, T)
        ``s_k``: the cohort's mean outcome row in the first block it appears in.

    Examples
    --------
    >>> s = CohortSums(np.array([3.0, np.inf]), n_periods=2)
    >>> u, bounds = s.add(np.array([[1.0, 2.0], [0.0, 1.0], [1.0, 1.0]]), np.array([0, 1, 1]))
    >>> s.count.tolist(), s.mean().tolist()
    ([1.0, 2.0], [[1.0, 2.0], [0.5, 1.0]])
    """

    cohorts: np.ndarray
    n_periods: int
    count: np.ndarray = field(init=False)
    wsum: np.ndarray = field(init=False)
    ysum: np.ndarray = field(init=False)
    q: np.ndarray = field(init=False)
    shift: np.ndarray = field(init=False)
    _seen: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        k, t = len(self.cohorts), self.n_periods
        self.count, self.wsum = np.zeros(k), np.zeros(k)
        self.ysum, self.shift = np.zeros((k, t)), np.zeros((k, t))
        self.q = np.zeros((k, t + 2, t + 2))
        self._seen = np.zeros(k, dtype=bool)

    def features(self, ymat: np.ndarray, kcode: np.ndarray,
                 w: np.ndarray | None = None) -> Chunk:
        """Return the block's features ``u`` (rows sorted by cohort) and each cohort's bounds.

        A cohort first seen here gets its shift ``s_k`` (its mean outcome row in the block).
        """
        order = np.argsort(kcode, kind="stable")
        bounds = np.searchsorted(kcode[order], np.arange(len(self.cohorts) + 1))
        t = self.n_periods
        u = np.empty((len(order), t + 2))
        u[:, :t] = ymat[order]
        u[:, t] = 1.0 if w is None else w[order]
        u[:, t + 1] = 1.0
        for k in range(len(self.cohorts)):
            a, b = bounds[k], bounds[k + 1]
            if a == b:
                continue
            if not self._seen[k]:
                self.shift[k] = u[a:b, :t].mean(axis=0)
                self._seen[k] = True
            block = u[a:b]
            block[:, :t] -= self.shift[k]
            block[:, :t] *= block[:, t:t + 1]
        return u, bounds

    def add(self, ymat: np.ndarray, kcode: np.ndarray, w: np.ndarray | None = None) -> Chunk:
        """Add a block of units (``ymat`` n × T, their cohort codes and weights).

        Returns the block's :meth:`features`, for :class:`CohortBasis`.
        """
        u, bounds = self.features(ymat, kcode, w)
        t = self.n_periods
        for k in range(len(self.cohorts)):
            a, b = bounds[k], bounds[k + 1]
            if a == b:
                continue
            block = u[a:b]
            self.count[k] += b - a
            self.wsum[k] += block[:, t].sum()
            self.ysum[k] += block[:, :t].sum(axis=0)
            self.q[k] += block.T @ block
        return u, bounds

    def mean(self) -> np.ndarray:
        """Weighted mean outcome row per cohort (K × T; NaN for an empty cohort)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.shift + self.ysum / self.wsum[:, None]


def cells_from_sums(
    sums: CohortSums,
    cells: list[tuple[float, int, int, bool]],
    glist: np.ndarray,
    control: str,
    anticipation: int,
    method: str,
    periods: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Return the ATT of each cell, the coefficients ``M`` (K × (T+2) × p) and failures.

    ``Z_i = u_i @ M[k_i]`` are unit ``i``'s influence functions (scaled by ``n``, one per
    cell), its weighted cohort indicators (one per cohort of ``glist``) and 1, exactly as
    the per-unit loop of :func:`~effekt.estimators.did.drdid.did_panel_means` computes
    them. A cell with no treated or comparison weight, or (DR and IPW) a treated share of
    ``0.995`` or more, is not estimable: its ATT is NaN and its column 0.
    """
    cohorts, t_n = sums.cohorts, sums.n_periods
    n = float(sums.count.sum())
    m, n_g = len(cells), len(glist)
    mat = np.zeros((len(cohorts), t_n + 2, m + n_g + 1))
    att = np.zeros(m)
    failures: list[str] = []
    mean = sums.mean()
    for col, (g, jc, jb, ref) in enumerate(cells):
        if ref:
            continue
        later = periods[max(jc, jb)]
        treat = cohorts == g
        if control == "never":
            ctrl = np.isinf(cohorts)
        else:
            ctrl = (cohorts > later + anticipation) & ~treat
        s1, s0 = sums.wsum[treat].sum(), sums.wsum[ctrl].sum()
        why = None
        if s0 <= 0 or s1 <= 0:
            why = "no comparison units" if s0 <= 0 else "no treated units"
        elif method != "reg" and s1 / (s1 + s0) >= _TRIM:
            why = "no overlap: no comparison units left after trimming"
        if why:
            att[col] = np.nan
            failures.append(f"ATT(g={g:g}, t={periods[jc]:g}): {why}")
            continue
        wk = sums.wsum
        change = np.where(wk > 0, mean[:, jc] - mean[:, jb], 0.0)  # 0 where no weight
        mu1 = float(np.dot(wk[treat], change[treat]) / s1)
        mu0 = float(np.dot(wk[ctrl], change[ctrl]) / s0)
        att[col] = mu1 - mu0
        for k in np.flatnonzero(treat | ctrl):
            alpha, mu = (n / s1, mu1) if treat[k] else (-n / s0, mu0)
            mat[k, jc, col] += alpha
            mat[k, jb, col] -= alpha
            mat[k, t_n, col] = alpha * (sums.shift[k, jc] - sums.shift[k, jb] - mu)
    gidx = np.searchsorted(glist, cohorts)
    for k in range(len(cohorts)):
        if gidx[k] < n_g and glist[gidx[k]] == cohorts[k]:
            mat[k, t_n, m + gidx[k]] = 1.0
        mat[k, t_n + 1, m + n_g] = 1.0
    return att, mat, failures


@dataclass(frozen=True, eq=False)
class CohortBasis:
    """An :class:`~effekt.estimators.inference.InfluenceBasis` kept as per-cohort sums.

    ``Z_i = u_i M_k`` for unit ``i`` of cohort ``k`` (:func:`cells_from_sums`). The Gram
    matrix comes from the sums alone; the bootstrap reads the units' features ``u`` from
    ``chunks`` (a function returning an iterator of blocks, rows sorted by cohort) one block
    at a time, and :attr:`inf`, :attr:`dmat` and :meth:`wald_bootstrap` use the dense basis
    (:meth:`dense`, built on first use). Units are in the order of the blocks, by cohort
    within a block; unclustered only.

    Parameters
    ----------
    sums : CohortSums
    mat : ndarray (K, T+2, p)
    n_cells : int
        ``m``: the first ``m`` of the ``p`` columns are the cells' influence functions.
    chunks : callable
        ``chunks()`` yields ``(u, bounds)`` blocks as :meth:`CohortSums.add` returns.
    """

    sums: CohortSums
    mat: np.ndarray
    n_cells: int
    chunks: Callable[[], Iterator[Chunk]] = field(repr=False)
    cluster: None = None

    @property
    def n(self) -> int:
        """Number of units (the ``n`` of every variance formula)."""
        return int(self.sums.count.sum())

    @property
    def n_clusters(self) -> None:
        """None: the cohort basis is not clustered."""
        return None

    @property
    def size(self) -> int:
        """Number of basis columns ``p = m + G + 1``."""
        return self.mat.shape[2]

    def gram(self) -> np.ndarray:
        """``Z'Z = sum_k M_k' Q_k M_k`` (p × p), from the sums alone."""
        return np.einsum("kai,kab,kbj->ij", self.mat, self.sums.q, self.mat, optimize=True)

    def draws(
        self,
        n_boot: int,
        kind: BootWeights,
        seed: int | np.random.Generator | None,
        max_block: int = 20_000_000,
    ) -> np.ndarray:
        """Multiplier-bootstrap draws of ``V Z / n`` (n_boot × p), in memory-bounded blocks.

        Each block of units gets one weight per unit and draw; ``V_k U_k`` (draws × (T+2))
        per cohort, times ``M_k``, is the block's part of ``V Z``.
        """
        n_boot, rng = check_draws(n_boot, self.size, kind, seed)
        out = np.zeros((n_boot, self.size))
        for u, bounds in self.chunks():
            u32 = u.astype(np.float32)
            n_rows = u.shape[0]
            colsums = [u[a:b].sum(axis=0) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
            step = max(1, min(n_boot, max_block // max(n_rows, 1)))
            buffer = np.empty(step * n_rows, dtype=np.float32)
            for start in range(0, n_boot, step):
                stop = min(n_boot, start + step)
                shape = (stop - start, n_rows)
                if kind == "webb":
                    v = multiplier_weights(shape, kind, rng).astype(np.float32)
                    colsum, scale = None, 1.0
                else:  # V = other + (first - other) B with B the 0/1 indicators
                    v = _indicators(shape, kind, rng, out=buffer)
                    first, other = _two_points(kind)
                    colsum, scale = other, first - other
                for k in range(self.mat.shape[0]):
                    a, b = bounds[k], bounds[k + 1]
                    if a == b:
                        continue
                    part = (v[:, a:b] @ u32[a:b]).astype(np.float64)
                    if colsum is not None:
                        part = colsum * colsums[k] + scale * part
                    out[start:stop] += part @ self.mat[k]
        return out / self.n

    def dense(self) -> InfluenceBasis:
        """Return the same basis with its n × p columns formed (tests, the Wald bootstrap)."""
        return self._dense

    @cached_property
    def _dense(self) -> InfluenceBasis:
        m, n_g = self.n_cells, self.size - self.n_cells - 1
        rows, weight = [], []
        for u, bounds in self.chunks():
            z = np.empty((u.shape[0], self.size))
            for k in range(self.mat.shape[0]):
                z[bounds[k]:bounds[k + 1]] = u[bounds[k]:bounds[k + 1]] @ self.mat[k]
            rows.append(z)
            weight.append(u[:, self.sums.n_periods])
        z = np.vstack(rows)
        return InfluenceBasis(inf=np.asfortranarray(z[:, :m]), dmat=z[:, m:m + n_g],
                              weight=np.concatenate(weight))

    @property
    def inf(self) -> np.ndarray:
        """Influence functions of the cells (n × m), formed on first use."""
        return self._dense.inf

    @property
    def dmat(self) -> np.ndarray:
        """Weighted cohort indicators (n × G), formed on first use."""
        return self._dense.dmat

    @property
    def weight(self) -> np.ndarray:
        """The units' weights, in the basis's order."""
        return self._dense.weight

    def wald_bootstrap(self, *args, **kwargs):
        """:meth:`InfluenceBasis.wald_bootstrap` on the dense basis."""
        return self._dense.wald_bootstrap(*args, **kwargs)
