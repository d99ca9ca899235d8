"""Aggregations of group-time ATTs as coefficient vectors over an influence basis.

The four aggregations of Callaway & Sant'Anna (2021), Section 3, as R ``did``'s ``aggte``
defines them. Each aggregated estimate is a linear combination of the ATT(g,t) cells; its
influence function is the same combination of the cells' influence functions plus, where the
weights are estimated group shares ``P(G = g | ...)``, the estimation effect of those shares
(``aggte``'s "wif"). Both parts are written as coefficients over the basis
``[cells, w 1{G = g}, 1]`` of :class:`effekt.estimators.inference.InfluenceBasis`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

__all__ = ["Aggregation", "AggregateSpec", "aggregate_cells"]

Aggregation = Literal["simple", "group", "calendar", "dynamic"]


@dataclass(frozen=True)
class AggregateSpec:
    """Point estimates and influence-function coefficients of one aggregation."""

    labels: np.ndarray
    estimate: np.ndarray
    coef: np.ndarray  # p × q
    overall_estimate: float
    overall_coef: np.ndarray  # p


def _wif_coef(keep: np.ndarray, cell_g: np.ndarray, pgg: np.ndarray, att: np.ndarray, p: int,
              m: int) -> np.ndarray:
    """Coefficients of aggte's estimated-weights term ``wif(keepers) @ att[keepers]``."""
    c = np.zeros(p)
    s = pgg[keep].sum()
    a = np.dot(pgg[keep], att[keep])
    np.add.at(c, m + cell_g[keep], att[keep] / s - a / s**2)
    c[-1] = -a / s + a / s**2 * s
    return c


def _weighted(keep, cell_g, pgg, att, p, m, with_wif=True):
    """Estimate and coefficients of ``sum(pgg att) / sum(pgg)`` over ``keep``."""
    c = np.zeros(p)
    if keep.size == 0:
        return float("nan"), c
    wts = pgg[keep] / pgg[keep].sum()
    c[keep] = wts
    est = float(np.dot(wts, att[keep]))
    if with_wif:
        c += _wif_coef(keep, cell_g, pgg, att, p, m)
    return est, c


def aggregate_cells(
    kind: Aggregation,
    group: np.ndarray,
    time: np.ndarray,
    att: np.ndarray,
    usable: np.ndarray,
    group_index: np.ndarray,
    pg: np.ndarray,
    periods: np.ndarray,
    p: int,
    min_e: float = -np.inf,
    max_e: float = np.inf,
    balance_e: int | None = None,
) -> AggregateSpec:
    """Aggregate ATT(g,t) cells as R ``aggte`` does.

    Parameters
    ----------
    kind : {"simple", "group", "calendar", "dynamic"}
        The aggregation.
    group, time, att : ndarray (m,)
        Cohort, period and estimate of each cell.
    usable : ndarray of bool (m,)
        Cells that enter (estimable ones).
    group_index : ndarray of int (m,)
        Index of each cell's cohort in ``pg``.
    pg : ndarray (G,)
        Weighted cohort shares ``mean(w 1{G = g})``.
    periods : ndarray
        All periods of the data (for ``balance_e``).
    p : int
        Size of the influence basis.
    min_e, max_e, balance_e
        Event-time window and balancing, as in ``aggte``.
    """
    m = group.shape[0]
    pgg = pg[group_index]
    att0 = np.where(usable, att, 0.0)
    e = time - group
    idx = np.arange(m)

    if kind == "simple":
        keep = idx[usable & (group <= time) & (time <= group + max_e)]
        est, c = _weighted(keep, group_index, pgg, att0, p, m)
        return AggregateSpec(np.array([]), np.array([est]), c[:, None], est, c)

    if kind == "group":
        labels, ests, coefs, gidx = [], [], [], []
        for g in np.unique(group[usable]):
            keep = idx[usable & (group == g) & (g <= time) & (time <= group + max_e)]
            if keep.size == 0:
                continue
            c = np.zeros(p)
            c[keep] = 1 / keep.size
            labels.append(g)
            ests.append(att0[keep].mean())
            coefs.append(c)
            gidx.append(group_index[keep[0]])
        est = np.array(ests)
        coef = np.column_stack(coefs) if coefs else np.zeros((p, 0))
        gidx = np.array(gidx, dtype=int)
        w = pg[gidx] / pg[gidx].sum()
        overall = float(np.dot(w, est))
        oc = coef @ w + _wif_coef(np.arange(gidx.size), gidx, pg[gidx], est, p, m)
        return AggregateSpec(np.array(labels), est, coef, overall, oc)

    if kind == "dynamic":
        include = usable.copy()
        eseq = np.unique(e[include])
        if balance_e is not None:
            t_last, t_first = periods.max(), periods.min()
            include &= (t_last - group) >= balance_e
            eseq = np.unique(e[include])
            eseq = eseq[(eseq <= balance_e) & (eseq >= balance_e - t_last + t_first)]
        eseq = eseq[(eseq >= min_e) & (eseq <= max_e)]
        ests, coefs = [], []
        for ev in eseq:
            keep = idx[include & (e == ev)]
            est, c = _weighted(keep, group_index, pgg, att0, p, m)
            ests.append(est)
            coefs.append(c)
        est = np.array(ests)
        coef = np.column_stack(coefs) if coefs else np.zeros((p, 0))
        pos = eseq >= 0
        overall = float(est[pos].mean()) if pos.any() else float("nan")
        oc = coef[:, pos].mean(axis=1) if pos.any() else np.zeros(p)
        return AggregateSpec(eseq, est, coef, overall, oc)

    # calendar
    tlist = np.unique(time[usable])
    tlist = tlist[tlist >= group[usable].min()]
    ests, coefs, labels = [], [], []
    for t1 in tlist:
        keep = idx[usable & (time == t1) & (group <= time)]
        if keep.size == 0:
            continue
        est, c = _weighted(keep, group_index, pgg, att0, p, m)
        labels.append(t1)
        ests.append(est)
        coefs.append(c)
    est = np.array(ests)
    coef = np.column_stack(coefs) if coefs else np.zeros((p, 0))
    overall = float(est.mean()) if est.size else float("nan")
    oc = coef.mean(axis=1) if est.size else np.zeros(p)
    return AggregateSpec(np.array(labels), est, coef, overall, oc)
