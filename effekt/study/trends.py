"""The study's checks of parallel trends beyond the pre-test: Bacon and HonestDiD.

- :func:`bacon_check`: when the study runs a TWFE check, the Goodman-Bacon (2021)
  decomposition of the static TWFE coefficient of the main outcome, by comparison type
  (how much of it compares newly treated units with *already treated* ones, the
  comparison that heterogeneous effects bias);
- :func:`honest_check`: the Rambachan & Roth (2023) robust confidence sets of the main
  event study's average post-treatment effect under relative-magnitude violations of
  parallel trends, and the breakdown value: how large a violation, relative to the
  largest one between consecutive pre-treatment periods, the conclusion survives.

Both return plain dicts for ``results.json`` that hold no unit identifier and no figure
from a group of fewer than ``min_cell`` units (docs/contracts.md, "Trend checks").
"""

from __future__ import annotations

import warnings
from collections.abc import Collection
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from effekt.errors import DataError, EffektError, NotEstimableError
from effekt.estimators import bacon_decomposition, honest_did_from_estimates
from effekt.reports import disclosure
from effekt.study.designs import Estimate, estimate, treated_outside

__all__ = ["HONEST_GRID", "bacon_check", "honest_check", "honest_event_study"]

#: the values of HonestDiD's Mbar written for every study (Rambachan & Roth 2023 read
#: Mbar = 1 as "post-treatment violations no larger than the largest pre-treatment one")
HONEST_GRID = (0.0, 0.5, 1.0, 1.5, 2.0)


def bacon_check(panel: pd.DataFrame, unit: str, outcome: str, min_cell: int
                ) -> dict[str, Any]:
    """Return the Goodman-Bacon decomposition of the main outcome's static TWFE, by type.

    The decomposition needs a balanced panel: it is computed on the units with the
    outcome in every period of the study (``n_units`` of them; people who move in or out,
    or enter and leave the outcome's age range, are not among them), without units
    treated before the first period or after the last, and without any cohort (the
    never treated included) of fewer than ``min_cell`` such units. Written: the TWFE
    coefficient of that panel and, per comparison type, its total weight, the
    weighted mean of its 2×2 estimates and the number of comparisons — never a single
    cohort's 2×2. ``status`` is ``"ok"``, or ``"not_run"`` with a ``reason`` key when too
    few units remain or the design has no timing variation.

    Examples
    --------
    >>> from effekt.synthetic.examples import staggered_panel
    >>> p = staggered_panel(n_units=120, periods=6, cohorts=(3, 5))
    >>> p = p.rename(columns={"t": "period", "g": "cohort"})
    >>> out = bacon_check(p, "id", "y", min_cell=5)
    >>> out["status"], round(sum(r["weight"] for r in out["by_type"]), 10)
    ('ok', 1.0)
    """
    d = panel.loc[panel[outcome].notna(), [unit, "period", "cohort", outcome]]
    cohort = d.groupby(unit)["cohort"].first()
    early, late = treated_outside(cohort, d["period"].min(), d["period"].max())
    d = d[~d[unit].isin(cohort.index[early | late])]
    n_periods = d["period"].nunique()
    full = d.groupby(unit)["period"].transform("nunique") == n_periods
    d = d[full]
    sizes = d.groupby(unit)["cohort"].first().value_counts()
    small = sizes[sizes < min_cell].index
    dropped = int(sizes[small].sum())
    d = d[~d["cohort"].isin(small)]
    base = {"outcome": outcome, "n_periods": int(n_periods), "cohorts_dropped_small": len(small)}
    n_units = int(d[unit].nunique())
    if n_units < min_cell or d["cohort"].nunique() < 2:
        return {**base, "status": "not_run", "reason": "too_few_balanced_units",
                "n_units": None, "n_units_dropped_small": None}
    try:
        b = bacon_decomposition(d, outcome=outcome, unit=unit, time="period", cohort="cohort")
    except (DataError, NotEstimableError) as exc:
        return {**base, "status": "not_run", "reason": type(exc).__name__,
                "n_units": disclosure.count(n_units, min_cell),
                "n_units_dropped_small": disclosure.count(dropped, min_cell)}
    by = b.by_type().reset_index()
    return {**base, "status": "ok", "twfe_estimate": float(b.twfe_estimate),
            "n_units": disclosure.count(n_units, min_cell),
            "n_units_dropped_small": disclosure.count(dropped, min_cell),
            "by_type": [{"comparison_type": r.comparison_type, "weight": float(r.weight),
                         "estimate": float(r.estimate), "n_comparisons": int(r.n_comparisons)}
                        for r in by.itertuples()]}


def honest_event_study(main: Estimate, panel: pd.DataFrame, outcome: str, *, unit: str,
                       covariates: list[str], options: dict[str, Any], seed: int,
                       anticipation: int) -> Estimate:
    """Return the event study HonestDiD reads for ``main``: its own, or a universal-base refit.

    HonestDiD needs pre-treatment coefficients relative to the reference period e = −1,
    as an event study's (the matched DiD's and the TWFE event study's are). A staggered
    design's pre-period effects compare consecutive periods, so it is refitted with
    ``base_period="universal"`` (same sample, options and seed; the post-period effects
    are the same ones).
    """
    if main.design != "staggered_did":
        return main
    with warnings.catch_warnings():  # the main fit has said it all already
        warnings.simplefilter("ignore")
        return estimate(panel, "staggered_did", outcome, unit=unit, covariates=covariates,
                        options={**options, "base_period": "universal"}, seed=seed,
                        anticipation=anticipation)


def honest_check(e: Estimate, min_cell: int, hidden_times: Collection[int] = (),
                 grid: tuple[float, ...] = HONEST_GRID, refine: bool = True
                 ) -> dict[str, Any]:
    """Return the HonestDiD sensitivity of ``e``'s average post-treatment effect.

    Relative magnitudes (Rambachan & Roth 2023, ``Delta^RM``): the post-treatment
    violation of parallel trends between consecutive periods is at most ``Mbar`` times
    the largest pre-treatment one; robust 95 % sets by the conditional least-favourable
    hybrid test (C-LF, Andrews, Roth & Pakes 2023), the HonestDiD default. The parameter
    is the mean of the post-treatment event-time effects in the window (the study's
    overall estimate). Only event times that are shown enter: an event time with fewer
    than ``min_cell`` treated units, or in ``hidden_times``, is left out, so nothing
    here is derived from a hidden figure. ``breakdown`` is the smallest ``Mbar`` whose
    set contains 0, refined between grid values by bisection unless ``refine`` is False
    (then the grid's value; None when no grid value reaches 0). ``status`` is
    ``"not_run"`` (with ``reason``) without an event study, with no pre-period
    coefficient besides the reference, or when the computation fails.
    """
    base = {"outcome": e.outcome, "design": e.design, "restriction": "relative_magnitude"}
    ev = e.event
    if e.event_vcov is None or not len(ev):
        return {**base, "status": "not_run", "reason": "no_event_study"}
    keep = (np.isfinite(ev["std_error"].to_numpy(float)) & (ev["std_error"] > 0)
            & (ev["n_treated"] >= min_cell) & ~ev["event_time"].isin(list(hidden_times))
            & (ev["event_time"] != -1))
    ev = ev[keep].sort_values("event_time")
    pre = ev.loc[ev["event_time"] < -1, "event_time"].astype(int).tolist()
    post = ev.loc[ev["event_time"] >= 0, "event_time"].astype(int).tolist()
    if not pre or not post:
        return {**base, "status": "not_run", "reason": "no_pre_period" if not pre
                else "no_post_period"}
    times = pre + post
    v = e.event_vcov.copy()
    v.index, v.columns = v.index.astype(int), v.columns.astype(int)
    beta = ev.set_index("event_time").loc[times, "estimate"].to_numpy(float)
    sigma = v.loc[times, times].to_numpy(float)
    if e.df is not None and np.isfinite(e.df):
        # HonestDiD's sets are normal; where the study's intervals use Student's t (CR2
        # with few clusters) the covariance is scaled by (t / z)^2, so that the set at
        # Mbar = 0 is as wide as the study's own interval
        sigma = sigma * (stats.t.ppf(0.975, e.df) / stats.norm.ppf(0.975)) ** 2
    try:
        h = honest_did_from_estimates(beta, sigma, len(pre), restriction="relative_magnitude",
                                      m=list(grid), l_vec=np.full(len(post), 1 / len(post)),
                                      pre_event_times=pre, post_event_times=post,
                                      refine_breakdown=refine)
    except (EffektError, ValueError, np.linalg.LinAlgError) as exc:
        return {**base, "status": "not_run", "reason": type(exc).__name__}
    bd = float(h.breakdown_value)
    return {**base, "status": "ok", "method": h.method, "estimate": float(h.estimate),
            "original": [float(h.original[0]), float(h.original[1])],
            "pre_event_times": pre, "post_event_times": post,
            "grid": [{"m": float(m), "ci_lower": float(lo), "ci_upper": float(hi)}
                     for m, lo, hi in zip(h.m, h.ci_lower, h.ci_upper, strict=True)],
            "breakdown": bd if np.isfinite(bd) else None,
            "excludes_zero": bool(h.original[0] > 0 or h.original[1] < 0)}
