"""Matched difference-in-differences with stacked matching by cohort.

Design (documented because the choices matter):

1. **One stack per cohort.** For each cohort ``g`` (first treated period; 0 or missing
   means never treated) the units first treated in ``g`` are matched to never-treated
   units on the cohort's own ``pre_periods`` periods before ``g`` (``g - pre_periods``
   to ``g - 1``, the same calendar periods for treated and controls): on the outcome's
   level in each of those periods (``match_outcome="levels"``; levels in several periods
   also carry the pre-trend), on its pre-period mean and linear slope
   (``"mean_trend"``), or not at all (``"none"``), plus ``covariates`` as measured in
   period ``g - 1``. Matching is :func:`~effekt.estimators.matching.match` (Mahalanobis
   by default), so every option of it is available.
2. **Stack.** Each cohort's matched units keep their rows in the window of event times
   ``e = t - g``; the stacks are appended (a never-treated unit can appear in several
   stacks, as in Cengiz, Dube, Lindner and Zipperer 2019).
3. **Event-study DiD.** For every event time ``e`` and stack the effect is the
   long difference ``Y(g + e) - Y(g - 1)`` of the treated minus the match-weighted mean of
   the same long difference of their controls, i.e. the coefficient of the fully
   saturated event-study regression (unit and period fixed effects within the stack,
   event-time dummies, reference ``e = -1``) on the matched panel. Stacks are averaged
   with weights proportional to their matched treated units (the ATT weights of Wing,
   Freedman and Hollingsworth 2024, not the variance weights of a pooled stacked
   regression). Event times with ``e < -1`` are placebo checks; inside the matching
   window they are close to zero by construction.
4. **Inference.** Cluster-robust standard errors from the estimator's influence function,
   summed within clusters (default: the matched pair / subclass within its stack; or a
   named column such as the family), with the factor ``G / (G - 1)``. The joint
   covariance over event times is kept, so averages over event times have correct SEs.

The panel must be balanced with no missing outcomes, and time must be integer periods
(years, quarters numbered consecutively).

References
----------
Heckman, J. J., Ichimura, H. and Todd, P. E. (1997). Matching as an econometric
evaluation estimator: evidence from evaluating a job training programme. *Review of
Economic Studies* 64(4), 605-654.
Cengiz, D., Dube, A., Lindner, A. and Zipperer, B. (2019). The effect of minimum wages
on low-wage jobs. *Quarterly Journal of Economics* 134(3), 1405-1454.
Wing, C., Freedman, S. M. and Hollingsworth, A. (2024). Stacked difference-in-differences.
NBER Working Paper 32054.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from effekt._checks import (
    as_columns,
    check_choice,
    check_clusters,
    check_column_args,
    check_finite,
    check_frame,
    check_integer,
    check_level,
    check_no_missing,
    check_numeric,
    check_positive_int,
    check_standard_error,
    check_unique,
    check_varies,
)
from effekt.errors import DataError, EffektWarning, NotEstimableError, SpecError
from effekt.estimators.covariance import influence_vcov, sandwich, satterthwaite_df
from effekt.estimators.did.matched_results import MatchedDiDResult
from effekt.estimators.matching.match import match

__all__ = ["MatchOutcome", "matched_did"]

MatchOutcome = Literal["levels", "mean_trend", "none"]


def _check_panel(panel, outcome, unit, time, cohort, covs, cluster) -> np.ndarray:
    check_frame("panel", panel)
    check_column_args(panel, {"outcome": outcome, "unit": unit, "time": time,
                              "cohort": cohort, "covariates": covs, "cluster": cluster},
                      table="panel")
    check_numeric(panel, [outcome, time, cohort], table="panel")
    check_no_missing(panel, [outcome, unit, time, *covs], table="panel")
    numeric = [c for c in covs if pd.api.types.is_numeric_dtype(panel[c])]
    check_finite(panel, [outcome, time, cohort, *numeric], table="panel")
    check_varies(panel, outcome, table="panel")
    if cluster is not None:
        check_no_missing(panel, [cluster], table="panel")
        check_clusters(panel, cluster, table="panel")
    check_unique(panel, [unit, time], table="panel")
    times = np.sort(panel[time].unique())
    if not np.allclose(times, np.round(times)):
        raise DataError(f"panel: column {time!r} must hold integer periods, got {times[:3]}.")
    per_unit = panel.groupby(unit, sort=False)[time].size()
    if (per_unit != len(times)).any():
        short = per_unit[per_unit != len(times)]
        raise DataError(
            f"panel is unbalanced: {len(short)} units lack some of the {len(times)} periods "
            f"(e.g. {unit}={short.index[0]!r} has {int(short.iloc[0])}). matched_did needs "
            "every unit in every period; drop incomplete units or restrict the periods."
        )
    coh = panel.groupby(unit, sort=False)[cohort].nunique(dropna=False)
    if (coh > 1).any():
        raise DataError(
            f"panel: column {cohort!r} must be constant within a unit; "
            f"{int((coh > 1).sum())} units have several values."
        )
    return times.astype(np.int64)


def _features(wide: pd.DataFrame, pre: list[int], how: str, outcome: str) -> pd.DataFrame:
    levels = wide[pre].to_numpy(dtype=float)
    if how == "levels":
        return pd.DataFrame(
            {f"{outcome}_lag{len(pre) - k}": levels[:, k] for k in range(len(pre))},
            index=wide.index,
        )
    if how == "mean_trend":
        x = np.asarray(pre, dtype=float) - np.mean(pre)
        out = {f"{outcome}_pre_mean": levels.mean(axis=1)}
        if len(pre) > 1:
            out[f"{outcome}_pre_slope"] = levels @ x / (x @ x)
        return pd.DataFrame(out, index=wide.index)
    return pd.DataFrame(index=wide.index)


def matched_did(
    panel: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    covariates: str | Sequence[str] | None = None,
    *,
    pre_periods: int = 3,
    match_outcome: MatchOutcome = "levels",
    window: tuple[int, int] | None = None,
    cluster: str | None = None,
    level: float = 0.95,
    se: Literal["CR1", "CR2"] = "CR1",
    **match_options: Any,
) -> MatchedDiDResult:
    """Stacked matched difference-in-differences event study (see the module notes).

    Parameters
    ----------
    panel : pandas.DataFrame
        Balanced long panel, one row per unit and period. Not modified.
    outcome, unit, time : str
        Outcome, unit identifier and integer period columns.
    cohort : str
        First treated period of each unit (constant within a unit); 0 or missing for
        never-treated units, which are the only controls.
    covariates : str or sequence of str, optional
        Further matching covariates, taken in the period before each cohort starts.
    pre_periods : int
        Number of periods before each cohort's start that are matched on (and that
        must lie inside the panel; cohorts with fewer are skipped with a warning).
    match_outcome : {"levels", "mean_trend", "none"}
        How the pre-period outcomes enter the matching: each period's level, the
        pre-period mean and slope, or not at all.
    window : (int, int), optional
        Event times reported, default ``(-pre_periods, last available)``; must
        contain ``-1`` (the reference period).
    cluster : str, optional
        Cluster column (constant within unit, e.g. family). Default: the matched pair
        (subclass) within its stack; required when matching with replacement.
    level : float
        Confidence level of the intervals.
    se : {"CR1", "CR2"}
        ``"CR1"`` (default): the influence-function covariance with ``G/(G-1)``, t on
        ``G - 1`` df. ``"CR2"``: the bias-reduced CR2 (Bell and McCaffrey 2002) of the
        pooled regression of the long differences, ``dy ~ 0 + (e, s) + (e, s):treated``
        over event times ``e`` and stacks ``s``, clustered as the SEs are (its treated
        coefficients are the stacks' differences of means), with t on the Satterthwaite
        df of each event-time estimate (Pustejovsky and Tipton 2018): better calibrated
        with few matched pairs; needs equal matching weights (complete 1:1 or k:1
        without replacement).
    **match_options
        Passed to :func:`~effekt.estimators.matching.match`; default
        ``method="mahalanobis"``, ``ratio=1``, no replacement.

    Returns
    -------
    MatchedDiDResult

    Raises
    ------
    DataError
        Bad panel (unbalanced, missing or infinite values, non-integer time), no
        never-treated units, or no treated cohort.
    SpecError
        ``level`` outside (0, 1), a bad ``window`` or match option.
    NotEstimableError
        A constant outcome, fewer than 2 clusters, no cohort with ``pre_periods`` periods
        before its start inside the panel, or every standard error 0.

    References
    ----------
    Heckman, Ichimura and Todd (1997); Cengiz, Dube, Lindner and Zipperer (2019);
    Wing, Freedman and Hollingsworth (2024).

    Examples
    --------
    >>> from effekt.synthetic.examples import staggered_panel
    >>> p = staggered_panel(n_units=200, periods=8, cohorts=(5,), effect=2.0,
    ...                     never_treated=0.7)
    >>> r = matched_did(p, "y", "id", "t", "g", pre_periods=3)
    >>> row = r.to_frame().set_index("event_time").loc[0]
    >>> bool(abs(row["estimate"] - 2) < 4 * row["std_error"])
    True
    """
    covs = as_columns("covariates", covariates)
    check_choice("match_outcome", match_outcome, MatchOutcome)
    check_choice("se", se, Literal["CR1", "CR2"])
    pre_periods = check_positive_int("pre_periods", pre_periods)
    level = check_level(level)
    if window is not None:
        if not isinstance(window, list | tuple) or len(window) != 2:
            raise SpecError(f"window must be a pair (first, last) of event times, got "
                            f"{window!r}.")
        window = (check_integer("window[0]", window[0]), check_integer("window[1]", window[1]))
    if match_outcome == "none" and not covs:
        raise SpecError("match_outcome='none' needs covariates to match on.")
    times = _check_panel(panel, outcome, unit, time, cohort, covs, cluster)
    if pre_periods >= len(times):
        raise NotEstimableError(
            f"pre_periods={pre_periods} needs more periods than the panel's {len(times)} "
            f"({times.min()}-{times.max()}); lower pre_periods."
        )
    opts = {"method": "mahalanobis", "ratio": 1, "replace": False, **match_options}
    for bad in ("treatment", "covariates", "formula", "estimand"):
        if bad in opts:
            raise SpecError(f"{bad}= is set by matched_did; do not pass it in match options.")
    if opts.get("replace") and cluster is None:
        raise SpecError(
            "matching with replacement has no matched pairs to cluster on (controls are "
            f"shared); give cluster=<column>, e.g. cluster={unit!r}."
        )
    units = panel.drop_duplicates(unit).set_index(unit)
    gcol = units[cohort].fillna(0).to_numpy(dtype=float)
    wide = panel.pivot(index=unit, columns=time, values=outcome).loc[units.index]
    wide.columns = wide.columns.astype(np.int64)
    never = gcol == 0
    if not never.any():
        raise DataError(
            f"panel has no never-treated units ({cohort} = 0 or missing); matched_did "
            "matches each cohort to never-treated units only. Add never-treated units or "
            "use a not-yet-treated design (effekt.estimators.did.staggered.att_gt)."
        )
    cohorts = np.unique(gcol[~never])
    if cohorts.size == 0:
        raise DataError(f"panel has no treated units (column {cohort!r} is 0 everywhere).")
    lo_e = -pre_periods if window is None else int(window[0])
    hi_e = int(times.max() - cohorts.min()) if window is None else int(window[1])
    if not lo_e <= -1 <= hi_e:
        raise SpecError(f"window={window!r} must contain the reference event time -1.")
    if lo_e == hi_e:
        raise SpecError(f"window={window!r} holds only the reference event time -1; widen "
                        "it to include the event times to estimate.")

    stacks, matches, flow, skipped = [], {}, [], []
    for g in cohorts.astype(np.int64):
        treated = gcol == g
        pre = list(range(g - pre_periods, g))
        row = {"cohort": int(g), "treated": int(treated.sum()), "controls": int(never.sum())}
        if pre[0] < times.min() or g - 1 > times.max():
            skipped.append(int(g))
            flow.append({**row, "matched": 0, "unmatched": int(treated.sum()),
                         "controls_used": 0})
            continue
        pool = treated | never
        cross = _features(wide.loc[pool], pre, match_outcome, outcome)
        names = list(cross.columns)
        if covs:
            at = panel.loc[panel[time] == g - 1].set_index(unit).loc[cross.index, covs]
            cross = pd.concat([cross, at], axis=1)
            names += covs
        cross["_treated"] = treated[pool].astype(int)
        m = match(cross, "_treated", names, **opts)
        matches[int(g)] = m
        w = m.all_weights
        sub = m.data["subclass"]
        n_m = int(m.counts.loc["matched", "treated"])
        flow.append({**row, "matched": n_m, "unmatched": int(treated.sum()) - n_m,
                     "controls_used": int(m.counts.loc["matched", "control"])})
        keep = w[w > 0]
        stacks.append(
            pd.DataFrame(
                {
                    "stack": int(g),
                    "unit": keep.index,
                    "treated": cross.loc[keep.index, "_treated"].to_numpy(),
                    "weight": keep.to_numpy(),
                    "pair": sub.reindex(keep.index).to_numpy(dtype=float),
                }
            )
        )
    if skipped:
        warnings.warn(
            f"cohort(s) {skipped} have fewer than pre_periods={pre_periods} periods before "
            "their start inside the panel and were skipped.",
            EffektWarning,
            stacklevel=2,
        )
    if not stacks:
        raise NotEstimableError(
            f"no cohort has {pre_periods} pre-periods inside the panel "
            f"({times.min()}-{times.max()}); lower pre_periods."
        )
    stacked = pd.concat(stacks, ignore_index=True)
    if cluster is None:
        cl = pd.factorize(
            pd.MultiIndex.from_arrays([stacked["stack"], stacked["pair"]])
        )[0]
        cluster_label = "matched pair (subclass within cohort stack)"
    else:
        ids = stacked["unit"]
        cl = pd.factorize(ids if cluster == unit else units.loc[ids, cluster].to_numpy())[0]
        cluster_label = cluster
    if int(cl.max()) + 1 < 2:
        raise NotEstimableError(
            f"the standard errors are clustered by {cluster_label}, and the matched sample "
            "has a single cluster; cluster-robust standard errors need at least 2 clusters "
            "(more matched pairs, or cluster= a column with more groups)."
        )
    est, vcov, n_clusters, event_times, n_stacks, dof, design = _event_study(
        stacked, wide, cl, lo_e, hi_e, times, se
    )
    check_standard_error(np.sqrt(np.diag(vcov)), panel[outcome],
                         what=f"matched_did on {outcome!r}", every=True)
    flow_df = pd.DataFrame(flow).set_index("cohort")
    total = flow_df.sum()
    total["controls"] = int(never.sum())
    total["controls_used"] = int(
        stacked.loc[stacked["treated"] == 0, "unit"].nunique()
    )
    flow_df.loc["total"] = total
    return MatchedDiDResult(
        event_time=event_times,
        estimate=est,
        covariance=vcov,
        n_stacks=n_stacks,
        outcome=outcome,
        estimand=(
            "average effect on the treated by event time (matched stacked DiD, "
            "reference period e = -1, cohorts weighted by matched treated units)"
        ),
        cluster=cluster_label,
        n_clusters=n_clusters,
        matches=matches,
        flow=flow_df.astype(int),
        pre_periods=pre_periods,
        match_outcome=match_outcome,
        stacked=stacked,
        level=level,
        se_type=se,
        coef_df=dof,
        _design=design,
    )


def _long_differences_design(parts):
    """Return the pooled regression of the long differences behind each event-time estimate.

    ``parts`` holds, per event time, ``(dy, stack, treated, weight, cluster)`` of its rows.
    The regression ``dy ~ 0 + (e, s) + (e, s):treated`` (one intercept and one treated
    coefficient per event time and stack) reproduces each stack's difference of means;
    the event-time estimate is the treated-share weighted sum of its stacks' treated
    coefficients, row ``e`` of the returned contrast matrix. Returns ``X, y, clusters,
    weights, contrasts``.
    """
    cols, xs, ys, cs, ws, contrasts = 0, [], [], [], [], []
    blocks = []
    for dy, g, d, w, c in parts:
        stacks = np.unique(g)
        blocks.append((dy, g, d, w, c, stacks, cols))
        cols += 2 * stacks.size
    for dy, g, d, w, c, stacks, start in blocks:
        x = np.zeros((dy.size, cols))
        row = np.zeros(cols)
        n_t = float(d.sum())
        for j, s in enumerate(stacks):
            at = g == s
            x[at, start + 2 * j] = 1.0
            x[at, start + 2 * j + 1] = d[at]
            row[start + 2 * j + 1] = d[at].sum() / n_t
        xs.append(x)
        ys.append(dy)
        cs.append(c)
        ws.append(w)
        contrasts.append(row)
    return (np.vstack(xs), np.concatenate(ys), np.concatenate(cs), np.concatenate(ws),
            np.vstack(contrasts))


def _cr2(parts):
    """CR2 covariance and Satterthwaite df of the event-time estimates (matched pairs)."""
    X, y, clusters, w, C = _long_differences_design(parts)
    if np.ptp(w) > 1e-12 * np.max(w):
        raise SpecError(
            "se='CR2' needs equal matching weights (complete 1:1 or k:1 matching without "
            "replacement): with unequal weights the CR2 adjustment is not defined here "
            "(see effekt.estimators.covariance); use se='CR1'."
        )
    coef, *_ = np.linalg.lstsq(X, y, rcond=None)
    cov = sandwich(X, y - X @ coef, cov_type="CR2", clusters=clusters,
                   cluster_names="matched pair")
    dof = satterthwaite_df(X, clusters, C)
    return C @ cov.vcov @ C.T, np.atleast_1d(dof), (X, clusters, C)


def _event_study(stacked, wide, cl, lo_e, hi_e, times, se="CR1"):
    """Estimates, joint cluster-robust covariance and counts for event times lo..hi.

    With ``se="CR2"`` also the Satterthwaite df of each estimate and the pooled design
    (``X``, clusters, contrasts) for the df of averages; else ``None`` for both.
    """
    n_cl = int(cl.max()) + 1
    tmin, tmax = int(times.min()), int(times.max())
    ev, est, psi_cols, n_stacks, parts = [], [], [], [], []
    g_all = stacked["stack"].to_numpy()
    y_all = wide.loc[stacked["unit"]].to_numpy(dtype=float)
    col = {int(t): k for k, t in enumerate(wide.columns)}
    d_all = stacked["treated"].to_numpy()
    w_all = stacked["weight"].to_numpy(dtype=float)
    g_lo, g_hi = int(stacked["stack"].min()), int(stacked["stack"].max())
    # event times some stack observes: g + e within the panel
    for e in range(max(lo_e, tmin - g_hi), min(hi_e, tmax - g_lo) + 1):
        if e == -1:
            continue
        ok = (g_all + e >= tmin) & (g_all + e <= tmax)
        if not ok.any():
            continue
        rows = np.flatnonzero(ok)
        base = np.array([col[g - 1] for g in g_all[rows]])
        at = np.array([col[g + e] for g in g_all[rows]])
        dy = y_all[rows, at] - y_all[rows, base]
        g, d, w = g_all[rows], d_all[rows], w_all[rows]
        n_t = float(d.sum())
        psi = np.zeros(len(rows))
        total = 0.0
        for s in np.unique(g):
            it = (g == s) & (d == 1)
            ic = (g == s) & (d == 0)
            share = it.sum() / n_t
            mt = dy[it].mean()
            mc = np.sum(w[ic] * dy[ic]) / w[ic].sum()
            total += share * (mt - mc)
            psi[it] = (dy[it] - mt) / n_t
            psi[ic] = -share * w[ic] * (dy[ic] - mc) / w[ic].sum()
        summed = np.zeros(n_cl)
        np.add.at(summed, cl[rows], psi)
        ev.append(e)
        est.append(total)
        psi_cols.append(summed)
        n_stacks.append(int(np.unique(g).size))
        parts.append((dy, g, d.astype(float), w, cl[rows]))
    if not psi_cols:
        raise NotEstimableError(
            f"no event time in the window [{lo_e}, {hi_e}] lies inside the panel "
            f"({tmin}-{tmax}) for any cohort; widen the window."
        )
    if se == "CR2":
        vcov, dof, design = _cr2(parts)
        return np.array(est), vcov, n_cl, np.array(ev), np.array(n_stacks), dof, design
    # each row holds one cluster's summed influence functions: G/(G-1) * sum_g psi_g psi_g'
    vcov = influence_vcov(np.column_stack(psi_cols)).vcov
    return np.array(est), vcov, n_cl, np.array(ev), np.array(n_stacks), None, None
