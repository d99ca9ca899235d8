"""Nearest-neighbour matching algorithms (pure numerics, no treated x control matrix).

For a one-dimensional distance (a propensity score or any score given per unit) the
controls are sorted once; a treated unit finds its nearest control by binary search.
Greedy matching without replacement keeps "next unused" pointers to the left and to the
right (two union-find forests with path compression), so each search skips the controls
already taken in near-constant time. For the Mahalanobis distance the covariates are
whitened and the controls put in a :class:`scipy.spatial.cKDTree`.

Tie-breaking (documented so that results are reproducible):

* treated units with equal scores are processed in data order (a stable sort, as R's
  ``order``);
* among controls at the same distance from a treated unit, the one earliest in the data
  is taken.

Every function returns ``(treated_pos, control_pos, gap)`` arrays of positions into the
treated and control arrays, one row per pair, in the order the pairs were formed.
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

__all__ = ["covariate_metric", "greedy_1d", "mahalanobis_match", "with_replacement_1d", "whiten"]


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


def with_replacement_1d(
    treated: np.ndarray,
    control: np.ndarray,
    ratio: int = 1,
    caliper: float | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Match each treated unit to its ``ratio`` nearest controls, with replacement.

    Vectorised over treated units: from the binary-search position, ``ratio`` steps of
    a two-pointer merge pick the next nearest control to the left or right. Pairs
    outside ``caliper`` are dropped.
    """
    n_c = len(control)
    sort = np.argsort(control, kind="stable")
    cs = control[sort]
    pos = np.searchsorted(cs, treated, side="left")
    lft = pos - 1
    rgt = pos.copy()
    idx = np.arange(len(treated))
    ts, cs_out, gaps = [], [], []
    for _ in range(min(ratio, n_c)):
        dl = np.where(lft >= 0, treated - cs[np.clip(lft, 0, n_c - 1)], np.inf)
        dr = np.where(rgt < n_c, cs[np.clip(rgt, 0, n_c - 1)] - treated, np.inf)
        take_r = dr <= dl
        chosen = np.where(take_r, rgt, lft)
        gap = np.where(take_r, dr, dl)
        ts.append(idx)
        cs_out.append(sort[np.clip(chosen, 0, n_c - 1)])
        gaps.append(gap)
        rgt = rgt + take_r
        lft = lft - (~take_r)
    t_all = np.stack(ts, axis=1).ravel()
    c_all = np.stack(cs_out, axis=1).ravel()
    g_all = np.stack(gaps, axis=1).ravel()
    keep = np.isfinite(g_all) if caliper is None else g_all <= caliper
    return t_all[keep], c_all[keep], g_all[keep]


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
    replace: bool = False,
    caliper: float | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nearest-neighbour matching on whitened covariates with a k-d tree.

    With replacement each treated unit queries its ``ratio`` nearest controls. Without,
    treated units are visited in ``order`` (in rounds when ``ratio > 1``) and re-query
    with a doubled ``k`` until they find an unused control. ``caliper`` is on the
    Mahalanobis distance itself.
    """
    tree = cKDTree(zc)
    limit = np.inf if caliper is None else caliper
    if replace:
        k = min(ratio, len(zc))
        dist, ind = tree.query(zt, k=k)
        dist = dist.reshape(len(zt), k)
        ind = ind.reshape(len(zt), k)
        t_all = np.repeat(np.arange(len(zt)), k)
        keep = dist.ravel() <= limit
        return t_all[keep], ind.ravel()[keep], dist.ravel()[keep]
    used = np.zeros(len(zc), dtype=bool)
    n_used = 0
    out_t, out_c, out_g = [], [], []
    active = [int(i) for i in order]
    for _ in range(ratio):
        if not active or n_used == len(zc):
            break
        still = []
        for i in active:
            if n_used == len(zc):
                break
            k = min(n_used + 1, 8, len(zc))
            while True:
                dist, ind = tree.query(zt[i], k=k)
                dist, ind = np.atleast_1d(dist), np.atleast_1d(ind)
                free = ~used[ind]
                if free.any() or k == len(zc):
                    break
                k = min(2 * k, len(zc))
            if not free.any():
                continue
            j = int(np.argmax(free))
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
