"""Nearest-neighbour matching algorithms (pure numerics, no treated x control matrix).

For a one-dimensional distance (a propensity score or any score given per unit) the
controls are sorted once; a treated unit finds its nearest control by binary search.
Greedy matching without replacement keeps "next unused" pointers to the left and to the
right (two union-find forests with path compression), so each search skips the controls
already taken in near-constant time. For the Mahalanobis distance, and for matching with
replacement on any metric, the (standardised) coordinates of the controls go in a
:class:`scipy.spatial.cKDTree`.

Tie-breaking (documented so that results are reproducible):

* treated units with equal scores are processed in data order (a stable sort, as R's
  ``order``);
* without replacement, among controls at the same distance from a treated unit the one
  earliest in the data is taken (the distances equal to the last bit for a score; within
  :data:`EQUAL_TOLERANCE` on the squared Mahalanobis distance);
* with replacement (:func:`nearest_with_replacement`), ``ties=True`` keeps every control
  as close as the ``M``-th nearest: squared standardised distance within
  :data:`EQUAL_TOLERANCE` (rounding only) of the ``M``-th smallest (Abadie and Imbens 2006,
  whose ``J_M(i)`` holds all controls at most as far as the ``M``-th; R Matching's
  ``ties = TRUE``); ``ties=False`` keeps exactly ``M``: all those closer than the
  ``M``-th and, among those as close as the ``M``-th (within :data:`EQUAL_TOLERANCE`),
  the earliest in the data.

R Matching counts as tied also distances within its ``distance.tolerance`` (default
``1e-5`` on the squared standardised distance) of the ``M``-th, which on a continuous
score ties distinct controls (on lalonde's propensity score, ``M = 1``, 287 pairs
instead of 210); effekt ties equal distances only, which is R's
``Match(..., distance.tolerance = 1e-9)``. On lalonde's covariates every tie within R's
default is an exact one, so there the two agree (tests/fixtures/matching_r/).

Every function returns ``(treated_pos, control_pos, gap)`` arrays of positions into the
treated and control arrays, one row per pair, in the order the pairs were formed.

References
----------
Abadie, A. and Imbens, G. W. (2006). Large sample properties of matching estimators for
average treatment effects. *Econometrica* 74(1), 235-267.
Sekhon, J. S. (2011). Multivariate and propensity score matching software with automated
balance optimization: the Matching package for R. *Journal of Statistical Software*
42(7), 1-52.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

__all__ = [
    "EQUAL_TOLERANCE",
    "covariate_metric",
    "greedy_1d",
    "mahalanobis_match",
    "nearest_with_replacement",
    "whiten",
]

#: Squared standardised distances within this of each other are equal (rounding only;
#: R Matching's ``distance.tolerance`` is 1e-5 by default).
EQUAL_TOLERANCE = 1e-9


def _find(parent: np.ndarray, i: int) -> int:
    root = i
    while parent[root] != root:
        root = parent[root]
    while parent[i] != root:
        parent[i], i = root, parent[i]
    return root


def greedy_1d(
    treated: np.ndarray,
    control: np.ndarray,
    order: np.ndarray,
    ratio: int = 1,
    caliper: float | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Greedy nearest-neighbour matching without replacement on a 1-D distance.

    Treated units are visited in ``order``; each takes the closest control not yet
    used (within ``caliper`` when given). With ``ratio > 1`` matching runs in rounds:
    every treated unit takes its first control before any takes its second, as in
    MatchIt. A treated unit with no eligible control in a round gets no more controls.
    """
    n_c = len(control)
    sort = np.argsort(control, kind="stable")
    cs = control[sort]
    # right[i]: smallest unused sorted position >= i (n_c = none);
    # left[i + 1]: largest unused sorted position <= i (0 = none, positions shifted by one)
    right = np.arange(n_c + 1)
    left = np.arange(n_c + 1)
    pos_all = np.searchsorted(cs, treated, side="left")
    run_start = np.searchsorted(cs, cs, side="left")
    limit = np.inf if caliper is None else caliper
    out_t: list[int] = []
    out_c: list[int] = []
    out_g: list[float] = []
    active = [int(i) for i in order]
    for _ in range(ratio):
        if not active:
            break
        still = []
        for i in active:
            v = treated[i]
            p = int(pos_all[i])
            r = _find(right, p)
            lft = _find(left, p) - 1
            dr = cs[r] - v if r < n_c else np.inf
            dl = v - cs[lft] if lft >= 0 else np.inf
            if dl < dr:
                best, gap = _find(right, int(run_start[lft])), dl
            elif dr < dl:
                best, gap = r, dr
            elif np.isfinite(dr):
                lbest = _find(right, int(run_start[lft]))
                best = r if sort[r] < sort[lbest] else lbest
                gap = dr
            else:
                continue
            if gap > limit:
                continue
            right[best] = best + 1
            left[best + 1] = best
            out_t.append(i)
            out_c.append(int(sort[best]))
            out_g.append(float(gap))
            still.append(i)
        active = still
    return np.array(out_t, dtype=np.int64), np.array(out_c, dtype=np.int64), np.array(out_g)


def nearest_with_replacement(
    zt: np.ndarray,
    zc: np.ndarray,
    ratio: int = 1,
    caliper: float | None = None,
    ties: bool = True,
    exclude_self: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Match each treated unit to its ``ratio`` nearest controls, with replacement.

    ``zt`` and ``zc`` are standardised coordinates (one column for a score divided by
    its standard deviation; whitened or variance-scaled covariates), so that the squared
    Euclidean distance is the matching metric. ``ties`` as in the module notes: with
    ``ties=True`` a treated unit gets every control within :data:`EQUAL_TOLERANCE` of
    its ``ratio``-th smallest squared distance (possibly more than ``ratio``); with
    ``ties=False`` exactly ``ratio``, equally close ones taken in data order. Pairs
    farther than ``caliper`` (on the distance, not squared) are dropped. Pairs come
    treated unit by treated unit, nearest first (data order among equals).

    With ``exclude_self=True`` (``zt`` is ``zc``) each unit gets its ``ratio`` nearest
    *other* units of the same array, as the within-group matching of the Abadie-Imbens
    conditional variance.
    """
    zt = np.asarray(zt, dtype=float).reshape(len(zt), -1)
    zc = np.asarray(zc, dtype=float).reshape(len(zc), -1)
    n_t, n_c = len(zt), len(zc)
    k = min(ratio + int(exclude_self), n_c)
    empty = np.array([], dtype=np.int64)
    if n_t == 0 or k == 0:
        return empty, empty, np.array([])
    tree = cKDTree(zc)
    dist, _ = tree.query(zt, k=k)
    d_k = np.asarray(dist, dtype=float).reshape(n_t, k)[:, -1]
    radius = np.sqrt(d_k**2 + EQUAL_TOLERANCE) * (1 + 1e-9) + 1e-12
    cand = tree.query_ball_point(zt, radius)
    sizes = np.fromiter((len(c) for c in cand), dtype=np.int64, count=n_t)
    ti = np.repeat(np.arange(n_t), sizes)
    cj = np.fromiter((j for c in cand for j in c), dtype=np.int64, count=int(sizes.sum()))
    d2 = ((zc[cj] - zt[ti]) ** 2).sum(axis=1)
    if exclude_self:
        d2[cj == ti] = -1.0  # the unit itself first, then its k - 1 nearest others
    # the k-th smallest squared distance of each treated unit, recomputed exactly
    srt = np.lexsort((cj, d2, ti))
    ti, cj, d2 = ti[srt], cj[srt], d2[srt]
    start = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    dk2 = d2[start + k - 1][ti]
    if ties:
        keep = d2 <= dk2 + EQUAL_TOLERANCE
    else:
        # closer than the k-th, then those as close as the k-th in data order
        cat = np.where(d2 < dk2 - EQUAL_TOLERANCE, 0,
                       np.where(d2 <= dk2 + EQUAL_TOLERANCE, 1, 2))
        order = np.lexsort((cj, cat, ti))
        rank = np.empty(len(ti), dtype=np.int64)
        rank[order] = np.arange(len(ti)) - np.repeat(start, sizes)
        keep = rank < k
    if exclude_self:
        keep &= cj != ti
    if caliper is not None:
        keep &= np.sqrt(d2) <= caliper
    return ti[keep], cj[keep], np.sqrt(d2[keep])


def whiten(X: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Whiten ``X`` by the pooled within-group covariance (Mahalanobis -> Euclidean).

    When the covariance is singular (collinear covariates, e.g. outcome levels that
    follow exact linear trends) the distance uses its Moore-Penrose pseudo-inverse:
    directions with eigenvalue below ``1e-10`` times the largest are dropped.
    """
    resid = X.astype(float).copy()
    for g in (0, 1):
        resid[t == g] -= resid[t == g].mean(axis=0)
    cov = np.atleast_2d(resid.T @ resid / (len(X) - 2))
    try:
        chol = np.linalg.cholesky(cov)
    except np.linalg.LinAlgError:
        val, vec = np.linalg.eigh(cov)
        keep = val > 1e-10 * max(val.max(), 0.0)
        return X @ (vec[:, keep] / np.sqrt(val[keep]))
    return np.linalg.solve(chol, X.T).T


def mahalanobis_match(
    zt: np.ndarray,
    zc: np.ndarray,
    order: np.ndarray,
    ratio: int = 1,
    caliper: float | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Greedy nearest-neighbour matching without replacement on whitened covariates.

    Treated units are visited in ``order`` (in rounds when ``ratio > 1``); each queries
    the k-d tree with a doubled ``k`` until it finds an unused control, and among the
    unused controls equally close (within :data:`EQUAL_TOLERANCE` on the squared
    distance) takes the one earliest in the data. ``caliper`` is on the Mahalanobis
    distance itself. (With replacement see :func:`nearest_with_replacement`.)
    """
    tree = cKDTree(zc)
    limit = np.inf if caliper is None else caliper
    n_c = len(zc)
    used = np.zeros(n_c, dtype=bool)
    n_used = 0
    out_t, out_c, out_g = [], [], []
    active = [int(i) for i in order]
    for _ in range(ratio):
        if not active or n_used == n_c:
            break
        still = []
        for i in active:
            if n_used == n_c:
                break
            k = min(n_used + 1, 8, n_c)
            while True:
                dist, ind = tree.query(zt[i], k=k)
                dist, ind = np.atleast_1d(dist), np.atleast_1d(ind)
                free = ~used[ind]
                if k == n_c:
                    break
                if free.any():
                    # all controls as close as the nearest free one must be in view
                    d_free = dist[free][0] ** 2
                    if dist[-1] ** 2 > d_free + EQUAL_TOLERANCE:
                        break
                k = min(2 * k, n_c)
            if not free.any():
                continue
            d2 = dist**2
            near = free & (d2 <= d2[free][0] + EQUAL_TOLERANCE)
            j = int(np.flatnonzero(near)[np.argmin(ind[near])])
            if dist[j] > limit:
                continue
            used[ind[j]] = True
            n_used += 1
            out_t.append(i)
            out_c.append(int(ind[j]))
            out_g.append(float(dist[j]))
            still.append(i)
        active = still
    return np.array(out_t, dtype=np.int64), np.array(out_c, dtype=np.int64), np.array(out_g)


def covariate_metric(X: np.ndarray, t: np.ndarray, distance: str) -> np.ndarray:
    """Transform covariates so that the Euclidean distance is the matching metric.

    ``"mahalanobis"``: whitened by the pooled within-group covariance; ``"ivar"``:
    each column divided by its full-sample standard deviation.
    """
    if distance == "ivar":
        return X / X.std(axis=0, ddof=1)
    return whiten(X, t)
