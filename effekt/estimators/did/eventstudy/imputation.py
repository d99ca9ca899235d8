"""The imputation DiD estimator of Borusyak, Jaravel & Spiess (2024).

Under staggered adoption with effects that vary by cohort and over time, BJS (Theorem 2)
estimate any weighted sum of unit-period effects ``tau_w = sum_{it treated} w_it tau_it``
in three steps:

1. fit ``Y_it = a_i + l_t (+ x_it'd) + e_it`` by least squares on the *untreated*
   observations only (never treated, and not yet treated: ``t`` before the unit's
   cohort);
2. impute ``Y^_it(0) = a^_i + l^_t (+ x_it'd^)`` for every treated observation and set
   ``tau^_it = Y_it - Y^_it(0)``;
3. aggregate: ``tau^_w = sum w_it tau^_it``; here the ATT at each event time ``e >= 0``
   (equal weight on the treated unit-periods ``e`` periods after adoption) and the overall
   ATT (equal weight on every treated unit-period), with ``weights`` proportional to the
   weight column when one is given.

The estimator is linear, ``tau^_w = sum_it v_it Y_it``, with ``v_it = w_it`` on treated
observations and ``v_0 = -W_0 Z_0 (Z_0'W_0 Z_0)^- Z_1'w_1`` on untreated ones (``Z`` the
unit and period dummies and covariates). Its variance under errors independent across
clusters is ``sum_c (sum_{it in c} v_it e_it)^2``; BJS (Theorem 3, eq. 7) estimate it
conservatively with ``e~_it`` the step-1 residuals on untreated observations and
``tau^_it - tau~_it`` on treated ones, where ``tau~`` is an auxiliary model of the
effects: constant within groups (by default cohort x event time), fitted by eq. (8),
``tau~_g = sum_c a_cg s_cg / sum_c a_cg^2`` with ``a_cg = sum v_it`` and ``s_cg = sum v_it
tau^_it`` over the cluster's observations in the group; by default each cluster is left
out of its own ``tau~`` (BJS Supplementary Appendix A.9, which avoids the downward bias of
small groups). The covariance of two estimates uses the same sums,
``sum_c (sum v1 e~1)(sum v2 e~2)``.

Reference
---------
Borusyak, K., Jaravel, X. & Spiess, J. (2024). Revisiting event-study designs: robust and
efficient estimation. *Review of Economic Studies* 91(6), 3253-3285.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy import sparse, stats
from scipy.sparse.csgraph import connected_components

from effekt._checks import as_columns, check_choice, check_level, check_standard_error
from effekt._docs import fill_doc
from effekt.errors import EffektWarning, NotEstimableError, SpecError
from effekt.estimators.did._input import event_times, show, validate
from effekt.estimators.did.classic import two_way_fit
from effekt.estimators.did.eventstudy.imputation_results import ImputationResult
from effekt.estimators.inference import wald_test
from effekt.results import effect_frame

__all__ = ["AuxiliaryGroups", "ImputationResult", "imputation_did"]

AuxiliaryGroups = Literal["cohort_event_time", "event_time", "all"]
_LEVELS = ("cohort_event_time", "event_time", "all")
_GROUP_WORDS = {"cohort_event_time": "cohort x event time", "event_time": "event time",
                "all": "one group (all treated)"}


class _FixedEffects:
    """The normal equations of ``y = a_i + l_t + x'd`` on the untreated rows, solved exactly.

    The unit block is diagonal and is swept out (Schur complement), leaving a system in the
    period effects and covariates whose null space (one direction per connected set of units
    and periods) is dropped by an eigen pseudo-inverse, as in
    :func:`effekt.estimators._linalg.demean_two_way`. Any right-hand side in the row space
    of the design gives the unique fitted values ``Z b``.
    """

    def __init__(self, unit: np.ndarray, period: np.ndarray, x: np.ndarray, w: np.ndarray,
                 n_units: int, n_periods: int) -> None:
        self.n_units, self.n_periods = n_units, n_periods
        c = np.zeros((n_units, n_periods))
        np.add.at(c, (unit, period), w)
        self.w_unit = c.sum(axis=1)
        k = x.shape[1]
        xd = np.zeros((n_units, k))
        np.add.at(xd, unit, w[:, None] * x)
        xf = np.zeros((n_periods, k))
        np.add.at(xf, period, w[:, None] * x)
        m_rr = np.block([[np.diag(c.sum(axis=0)), xf], [xf.T, x.T @ (w[:, None] * x)]])
        self.m_rd = np.vstack([c.T, xd.T])
        schur = m_rr - (self.m_rd / self.w_unit) @ self.m_rd.T
        vals, vecs = np.linalg.eigh((schur + schur.T) / 2)
        keep = vals > 1e-10 * max(vals.max(), 1e-300)
        self.null_dim = int((~keep).sum())
        self.pinv = (vecs[:, keep] / vals[keep]) @ vecs[:, keep].T

    def rhs(self, unit: np.ndarray, period: np.ndarray, x: np.ndarray,
            values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``Z'values`` split into the unit block and the period-and-covariate block."""
        r_d = np.zeros((self.n_units, values.shape[1]))
        np.add.at(r_d, unit, values)
        r_p = np.zeros((self.n_periods, values.shape[1]))
        np.add.at(r_p, period, values)
        return r_d, np.vstack([r_p, x.T @ values])

    def solve(self, r_d: np.ndarray, r_r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        b_r = self.pinv @ (r_r - self.m_rd @ (r_d / self.w_unit[:, None]))
        return (r_d - self.m_rd.T @ b_r) / self.w_unit[:, None], b_r

    def fitted(self, b: tuple[np.ndarray, np.ndarray], unit: np.ndarray, period: np.ndarray,
               x: np.ndarray) -> np.ndarray:
        b_d, b_r = b
        return b_d[unit] + b_r[period] + x @ b_r[self.n_periods:]


def _imputable(units: np.ndarray, periods: np.ndarray, untreated: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Codes of units and periods among the untreated rows, and why a row is not imputable.

    A treated row is imputable when its unit has an untreated row, its period has an
    untreated row and both lie in one connected set of units and periods linked by untreated
    rows (so that ``a_i + l_t`` is identified). Returns unit codes, period codes (-1 where
    absent), the reason per row ('' when imputable) and the number of connected sets.
    """
    unit_index = pd.Index(pd.unique(units[untreated]))
    period_index = pd.Index(np.sort(pd.unique(periods[untreated])))
    uc, pc = unit_index.get_indexer(units), period_index.get_indexer(periods)
    n_u = len(unit_index)
    graph = sparse.coo_matrix((np.ones(int(untreated.sum())),
                               (uc[untreated], n_u + pc[untreated])),
                              shape=(n_u + len(period_index),) * 2)
    n_sets, label = connected_components(graph, directed=False)
    reason = np.full(len(units), "", dtype=object)
    reason[(pc < 0) & ~untreated] = "no untreated unit in the period"
    reason[(uc < 0) & ~untreated] = "the unit has no untreated period"
    both = (uc >= 0) & (pc >= 0) & ~untreated
    apart = both.copy()
    apart[both] = label[uc[both]] != label[n_u + pc[both]]
    reason[apart] = "unit and period not linked by untreated observations"
    return uc, pc, reason, int(n_sets)


def _group_codes(cohort_pos: np.ndarray, e: np.ndarray, level: str) -> np.ndarray:
    if level == "cohort_event_time":
        return np.unique(np.column_stack([cohort_pos, e]), axis=0, return_inverse=True)[1]
    if level == "event_time":
        return np.unique(e, return_inverse=True)[1]
    return np.zeros(len(e), dtype=np.int64)


def _cells(cl: np.ndarray, grp: np.ndarray, n_clusters: int) -> tuple[np.ndarray, np.ndarray]:
    """Cell (cluster x group) of each row and the group of each cell."""
    keys, inverse = np.unique(grp.astype(np.int64) * n_clusters + cl, return_inverse=True)
    return inverse.ravel(), keys // n_clusters


def _treated_scores(v1: np.ndarray, tau: np.ndarray, cl: np.ndarray, n_clusters: int,
                    groups: dict[str, np.ndarray], start: str, leave_out: bool
                    ) -> tuple[np.ndarray, np.ndarray, bool]:
    """Cluster sums of ``v_it (tau^_it - tau~_it)`` over treated rows, one column per estimand.

    ``tau~`` is eq. (8) of BJS within the groups of level ``start`` (with ``leave_out``, the
    same with the row's cluster left out; where a group has no other cluster, the coarser
    levels' groups are used). Returns the scores (G x m), whether each base cell fell back
    to a coarser group, and whether any cell had no leave-out mean at all.
    """
    levels = _LEVELS[_LEVELS.index(start):]
    base_cell, base_grp = _cells(cl, groups[start], n_clusters)
    n_base, m = base_grp.size, v1.shape[1]
    base_cl = np.empty(n_base, dtype=np.int64)
    base_cl[base_cell] = cl
    contrib = np.zeros((n_base, m))
    fallback = np.zeros(n_base, dtype=bool)
    unresolved = False
    for j in range(m):
        a_b = np.bincount(base_cell, v1[:, j], n_base)
        s_b = np.bincount(base_cell, v1[:, j] * tau, n_base)
        done = a_b == 0  # cells with no weight contribute nothing
        for depth, level in enumerate(levels if leave_out else levels[:1]):
            cell, grp = _cells(cl, groups[level], n_clusters)
            to_cell = np.empty(n_base, dtype=np.int64)
            to_cell[base_cell] = cell
            a = np.bincount(cell, v1[:, j], grp.size)
            s = np.bincount(cell, v1[:, j] * tau, grp.size)
            big_a = np.bincount(grp, a * s)[grp]
            big_s = np.bincount(grp, a * a)[grp]
            if leave_out:
                den = big_s - a * a
                ok = den > 1e-12 * big_s
                mean = np.divide(big_a - a * s, den, out=np.zeros_like(den), where=ok)
            else:
                ok = big_s > 0
                mean = np.divide(big_a, big_s, out=np.zeros_like(big_s), where=ok)
            now = ~done & ok[to_cell]
            contrib[now, j] = s_b[now] - a_b[now] * mean[to_cell][now]
            if depth == 0:
                fallback |= ~done & ~ok[to_cell]
            done |= now
        if not done.all():  # a single treated cluster: no leave-out mean anywhere
            unresolved = True
            mean = (a_b @ s_b) / (a_b @ a_b)
            contrib[~done, j] = s_b[~done] - a_b[~done] * mean
    scores = np.zeros((n_clusters, m))
    np.add.at(scores, base_cl, contrib)
    return scores, fallback[base_cell], unresolved


def _check_pretrend(pretrend: object) -> int:
    if pretrend is False or pretrend is None:
        return 0
    if isinstance(pretrend, bool) or not isinstance(pretrend, int | np.integer) or pretrend < 1:
        raise SpecError(f"pretrend must be False or a positive number of pre-periods, got "
                        f"{pretrend!r}.")
    return int(pretrend)


def _horizons(horizons: Sequence[int] | None, available: np.ndarray) -> np.ndarray:
    if horizons is None:
        return available
    if isinstance(horizons, int | np.integer):
        values = [horizons]
    elif isinstance(horizons, str) or not hasattr(horizons, "__iter__"):
        values = [horizons]  # refused below
    else:
        values = list(horizons)
    bad = [h for h in values if isinstance(h, bool) or not isinstance(h, int | np.integer)
           or h < 0]
    if bad or not values:
        raise SpecError(f"horizons must be event times >= 0 (integers), got {horizons!r}; "
                        "pre-periods are tested with pretrend=k.")
    missing = sorted(set(int(h) for h in values) - set(available.tolist()))
    if missing:
        raise NotEstimableError(f"horizons {missing} have no imputed treated observations; "
                                f"available event times: {available.tolist()}.")
    return np.array(sorted(set(int(h) for h in values)))


def _pretrend(df: pd.DataFrame, rows: np.ndarray, e: np.ndarray, k: int, *, outcome: str,
              unit: str, time: str, covs: list[str], cluster: str, weights: str | None,
              level: float) -> tuple[pd.DataFrame, dict]:
    """BJS Test 1: untreated outcomes on unit and period effects and leads -k..-1 (CR1)."""
    sub = df.loc[rows]
    leads = {f"lead{j}": (e[rows] == -j).astype(float) for j in range(k, 0, -1)}
    empty = [-j for j in range(k, 0, -1) if not leads[f"lead{j}"].any()]
    if empty:
        raise NotEstimableError(f"pretrend={k}: no untreated observations at event time(s) "
                                f"{empty}; choose fewer pre-periods.")
    exog = {**leads, **{c: sub[c].to_numpy(dtype=float) for c in covs}}
    coef, cov, _, _ = two_way_fit(
        sub, outcome=outcome, unit=unit, time=time, exog=exog, cluster=cluster,
        weights=weights, reason="the leads cover every pre-period of the treated units; "
        "choose fewer pre-periods")
    est, vcov = coef[:k], cov.vcov[:k, :k]
    stat, dof = wald_test(est, vcov)
    frame = effect_frame({"event_time": np.arange(-k, 0)}, est, np.sqrt(np.diag(vcov)),
                         level=level, extra={"n_obs": [int(v.sum()) for v in leads.values()]})
    return frame, {"statistic": float(stat), "df": int(dof),
                   "p_value": float(stats.chi2.sf(stat, dof)), "covariance": cov.note}


@fill_doc
def imputation_did(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    covariates: str | Sequence[str] | None = None,
    horizons: Sequence[int] | None = None,
    pretrend: int | bool = False,
    cluster: str | None = None,
    weights: str | None = None,
    *,
    groups: AuxiliaryGroups = "cohort_event_time",
    leave_out: bool = True,
    level: float = 0.95,
) -> ImputationResult:
    """Estimate event-study ATTs by imputation (Borusyak, Jaravel & Spiess 2024).

    Fits unit and period effects (and ``covariates``) by least squares on the untreated
    observations only (never treated, and not-yet-treated periods before each unit's
    cohort), imputes the untreated outcome of every treated unit-period, and averages
    ``Y - Y^(0)``: by event time ``e >= 0`` and overall (BJS Theorem 2; see the module
    docstring). Standard errors are BJS's conservative clustered ones (Theorem 3, with the
    auxiliary model of eq. 8 and, by default, the leave-out of Supplementary Appendix A.9).
    Robust to effects that vary between cohorts and over time, and efficient under
    homoskedastic errors; needs parallel trends and no anticipation over the whole panel.

    Parameters
    ----------
    %(panel_columns)s
    cohort : str
        First treated period of the unit (a value of ``time``); 0 or missing for never
        treated. Constant within a unit; treatment is absorbing. Event times count
        positions among the sorted periods.
    covariates : str or sequence of str, optional
        Time-varying numeric controls in the model of ``Y(0)`` (time-invariant ones are
        absorbed by the unit effects and refused as collinear).
    horizons : sequence of int, optional
        Event times ``>= 0`` to report; default every observed one. The overall ATT always
        covers every imputed treated unit-period.
    pretrend : int or False
        ``k``: also run BJS's pre-trend test (Test 1, Section 4.4): untreated outcomes on
        the unit and period effects (and covariates) plus indicators of event times
        ``-k .. -1`` (the earlier pre-periods the reference), with a CR1 Wald test that the
        leads are 0. Independent of the effect estimates.
    %(cluster_weights)s
        Weights enter the step-1 regression (WLS) and make the averages weighted; rows of
        weight 0 are left out.
    groups : {"cohort_event_time", "event_time", "all"}
        Partition of the treated observations for the auxiliary model of the effects in the
        variance (eq. 8): finer is less conservative; ``"all"`` is the most conservative.
    leave_out : bool, default True
        Leave each cluster out of its own auxiliary average (Appendix A.9). A group with a
        single cluster then borrows the leave-out average of the next coarser partition
        (with an :class:`~effekt.errors.EffektWarning`).
    level : float, default 0.95
        Confidence level.

    Returns
    -------
    ImputationResult
        One row per event time in ``to_frame()``; ``overall`` the overall ATT; ``vcov`` the
        covariance by event time; ``unit_effects`` the imputed effects; ``pretrend`` and
        ``pretrend_test`` with ``pretrend=k``.

    Raises
    ------
    DataError
        Missing or repeated columns, non-numeric outcome or covariates, missing or infinite
        values, duplicate unit-period rows, cohorts that are not periods or vary within a
        unit, negative weights.
    SpecError
        Bad ``horizons``, ``pretrend``, ``groups``, ``leave_out`` or ``level``.
    NotEstimableError
        No treated or no untreated observations, no imputable treated observation, a
        horizon without one, covariates collinear with the fixed effects among the
        untreated observations, or every standard error 0.

    Warns
    -----
    EffektWarning
        Treated unit-periods whose ``Y(0)`` cannot be imputed (a unit with no untreated
        period, a period with no untreated unit, or a unit and period not linked by
        untreated observations) are left out and listed (also in ``dropped``).

    Notes
    -----
    The point estimates equal those of Gardner's (2022) two-stage DiD (pyfixest
    ``did2s`` with first stage ``~ 0 | unit + time`` and a second stage saturated in event
    time, or the treatment dummy for the overall ATT); the tests check this on R ``did``'s
    ``mpdta`` to 1e-8. Its GMM standard errors equal BJS's with ``groups="event_time"``
    (``"all"`` for the static ATT) and ``leave_out=False``; the default cohort x event
    time groups with the leave-out differ (see the tests). No small-sample factor is
    applied and inference is normal, as in the paper.

    Examples
    --------
    >>> from effekt.estimators import imputation_did
    >>> from effekt.synthetic.examples import staggered_panel
    >>> df = staggered_panel(n_units=200, periods=6, cohorts=(3, 4), effect=1.0)
    >>> res = imputation_did(df, outcome="y", unit="id", time="t", cohort="g", pretrend=1)
    >>> res.to_frame()["event_time"].tolist()
    [0, 1, 2, 3]
    >>> bool(abs(res.overall_estimate - 1.0) < 4 * res.overall_se)
    True
    >>> res.pretrend["event_time"].tolist()
    [-1]
    """
    check_choice("groups", groups, AuxiliaryGroups)
    if not isinstance(leave_out, bool | np.bool_):
        raise SpecError(f"leave_out must be True or False, got {leave_out!r}.")
    check_level(level)
    k_pre = _check_pretrend(pretrend)
    covs = as_columns("covariates", covariates)
    cluster = validate(df, outcome=outcome, unit=unit, time=time, covariates=covs,
                       cluster=cluster, weights=weights, extra=[cohort], panel=True)
    e_all = event_times(df, time, cohort, unit)
    w_all = np.ones(len(df)) if weights is None else df[weights].to_numpy(dtype=float)
    treated_all = np.nan_to_num(e_all, nan=-1.0) >= 0
    if not treated_all.any():
        raise NotEstimableError(f"cohort={cohort!r}: no observation is treated.")
    if not (~treated_all & (w_all > 0)).any():
        raise NotEstimableError(f"cohort={cohort!r}: no untreated observation to fit the unit "
                                "and period effects on.")
    units_all, periods_all = df[unit].to_numpy(), df[time].to_numpy()
    uc, pc, reason, n_sets = _imputable(units_all[w_all > 0], periods_all[w_all > 0],
                                        ~treated_all[w_all > 0])
    positive = np.flatnonzero(w_all > 0)
    bad = positive[reason != ""]
    dropped = pd.DataFrame({unit: units_all[bad], time: periods_all[bad],
                            "reason": reason[reason != ""]})
    if len(dropped):
        counts = dropped["reason"].value_counts()
        warnings.warn(
            f"imputation_did: {len(dropped)} treated unit-period(s) cannot be imputed and are "
            f"left out ({'; '.join(f'{n}: {r}' for r, n in counts.items())}), e.g. "
            f"({unit}, {time}) = {show(list(zip(dropped[unit], dropped[time], strict=True)))}"
            "; see result.dropped.", EffektWarning, stacklevel=2)
    rows = positive[reason == ""]
    uc, pc = uc[reason == ""], pc[reason == ""]
    treated = treated_all[rows]
    if not treated.any():
        raise NotEstimableError("imputation_did: no treated observation can be imputed (see "
                                "the warning): every treated unit-period lacks an untreated "
                                "comparison.")
    y, w = df[outcome].to_numpy(dtype=float)[rows], w_all[rows]
    x = df[covs].to_numpy(dtype=float)[rows] if covs else np.zeros((len(rows), 0))
    scale = np.sqrt(np.mean(x[~treated] ** 2, axis=0)) if covs else np.ones(0)
    x = x / np.where(scale > 0, scale, 1.0)
    u0, p0, x0, w0, y0 = uc[~treated], pc[~treated], x[~treated], w[~treated], y[~treated]
    fe = _FixedEffects(u0, p0, x0, w0, int(uc.max()) + 1, int(pc.max()) + 1)
    if fe.null_dim > n_sets:
        raise NotEstimableError(
            f"covariates {covs} are collinear with the unit and period effects among the "
            "untreated observations (a time-invariant covariate is absorbed by the unit "
            "effects); drop them.")
    theta = fe.solve(*fe.rhs(u0, p0, x0, (w0 * y0)[:, None]))
    y0_hat = fe.fitted(theta, uc, pc, x)[:, 0]
    resid0, tau = y0 - y0_hat[~treated], y[treated] - y0_hat[treated]
    e1 = e_all[rows][treated].astype(int)
    shown = _horizons(horizons, np.unique(e1))
    w1 = w[treated]
    weights1 = np.column_stack([w1] + [w1 * (e1 == h) for h in shown])
    weights1 = weights1 / weights1.sum(axis=0)
    u1, p1, x1 = uc[treated], pc[treated], x[treated]
    beta = fe.solve(*fe.rhs(u1, p1, x1, weights1))
    v0 = -w0[:, None] * fe.fitted(beta, u0, p0, x0)
    estimate = weights1.T @ tau
    cl_codes, cl_labels = pd.factorize(df[cluster].to_numpy()[rows])
    n_clusters = len(cl_labels)
    scores = np.zeros((n_clusters, weights1.shape[1]))
    np.add.at(scores, cl_codes[~treated], v0 * resid0[:, None])
    cohort_pos = (pd.Index(np.sort(pd.unique(periods_all))).get_indexer(periods_all[rows])
                  [treated] - e1)
    codes = {lvl: _group_codes(cohort_pos, e1, lvl) for lvl in _LEVELS}
    treated_scores, fallback, unresolved = _treated_scores(
        weights1, tau, cl_codes[treated], n_clusters, codes, groups, leave_out)
    scores += treated_scores
    if fallback.any() or unresolved:
        coh = df[cohort].to_numpy()[rows][treated]
        cells = sorted({(c.item() if isinstance(c, np.generic) else c, int(k))
                        for c, k in zip(coh[fallback], e1[fallback], strict=True)}, key=str)
        warnings.warn(
            f"imputation_did: the leave-out auxiliary model has groups with a single cluster "
            f"((cohort, event time) {show(cells, 5)} at groups={groups!r}); they use the "
            "leave-out mean of the next coarser partition"
            + (", and with a single treated cluster none exists: those residuals are not "
               "conservative" if unresolved else "") + ".", EffektWarning, stacklevel=2)
    full = scores.T @ scores
    se = np.sqrt(np.diag(full))
    check_standard_error(se, y, what=f"imputation_did on {outcome!r}", every=True)
    pre_frame = pre_test = None
    if k_pre:
        pre_frame, pre_test = _pretrend(df, rows[~treated], e_all, k_pre, outcome=outcome,
                                        unit=unit, time=time, covs=covs, cluster=cluster,
                                        weights=weights, level=level)
    effects = pd.DataFrame({unit: units_all[rows][treated], time: periods_all[rows][treated],
                            cohort: df[cohort].to_numpy()[rows][treated], "event_time": e1,
                            "y0_hat": y0_hat[treated], "tau_hat": tau})
    words = (" (conditional on covariates, linear)" if covs else "") + (
        f", weighted by {weights!r}" if weights else "")
    return ImputationResult(
        outcome=outcome, event_time=shown, estimate=estimate[1:], std_error=se[1:],
        covariance=full[1:, 1:], n_treated=np.array([int((e1 == h).sum()) for h in shown]),
        overall_estimate=float(estimate[0]), overall_se=float(se[0]),
        overall_n=int(treated.sum()), overall_covariance=full[0, 1:],
        unit_effects=effects, dropped=dropped, pretrend=pre_frame, pretrend_test=pre_test,
        nobs=int(len(rows)), n_untreated=int((~treated).sum()), n_clusters=int(n_clusters),
        cluster=cluster, n_cohorts=int(np.unique(cohort_pos).size), groups=groups,
        leave_out=bool(leave_out), level=float(level),
        estimand=("ATT by event time e >= 0: the mean over the treated unit-periods e "
                  "periods after adoption of Y minus its untreated outcome imputed from unit "
                  "and period effects fitted on never- and not-yet-treated observations"
                  + words + "; overall: the mean over every treated unit-period"),
        cov_note=(f"conservative clustered variance of Borusyak, Jaravel & Spiess (2024, "
                  f"Theorem 3), auxiliary effects by {_GROUP_WORDS[groups]} (eq. 8"
                  + (", each cluster left out of its own average" if leave_out else "")
                  + f"), clustered by {cluster!r}, {n_clusters} clusters, no small-sample "
                  "factor"),
    )
