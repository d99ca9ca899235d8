"""Every figure a study writes, as cells of disclosure control with the identities that link them.

:func:`study_cells` lists the cells (estimates, counts, event times, the sample flow, the
balance table's cohort counts, the population counts) and the linear identities between
them, for :func:`effekt.reports.disclosure.complementary` (secondary suppression:
docs/contracts.md, "Disclosure control").
"""

from __future__ import annotations

import math
from typing import Any

from effekt.reports import disclosure
from effekt.study.designs import Estimate
from effekt.study.spec import Study

__all__ = ["COUNT_STEPS", "FLOW_IDENTITIES", "secondary_text", "study_cells"]


def secondary_text(fields: Any) -> str | None:
    """Return the fields of a row hidden by secondary suppression as written: ``a;b`` or None.

    Examples
    --------
    >>> secondary_text({"n_treated", "estimate"}), secondary_text(())
    ('estimate;n_treated', None)
    """
    return ";".join(sorted(fields)) or None


#: The identities the sample flow of each design satisfies, as ``effekt.study.designs``
#: builds it (each a ``{step: coefficient}`` summing to 0). staggered_did: the units with
#: the outcome are those dropped for a missing covariate or cluster, those treated before
#: the first or after the last period, the treated and the controls; matched_did: the units
#: in the panel are those dropped as incomplete, the treated and the controls available,
#: and the treated are matched or unmatched; the two-period designs: the units with the
#: outcome are those treated outside the window, the treated and the controls.
TWO_PERIOD_FLOW = {"units_with_outcome": 1, "dropped_treated_outside_window": -1,
                    "treated": -1, "controls": -1}
FLOW_IDENTITIES: dict[str, tuple[dict[str, int], ...]] = {
    "staggered_did": ({"units_with_outcome": 1, "dropped_missing_covariate_or_cluster": -1,
                       "dropped_treated_before_first_period": -1,
                       "dropped_treated_after_last_period": -1, "treated": -1,
                       "controls": -1},),
    "matched_did": ({"units_in_panel": 1, "dropped_incomplete_outcome_or_residence": -1,
                     "treated": -1, "controls_available": -1},
                    {"treated": 1, "treated_matched": -1, "treated_unmatched": -1}),
    "did_2x2": (TWO_PERIOD_FLOW,), "rct": (TWO_PERIOD_FLOW,), "matching": (TWO_PERIOD_FLOW,),
}

#: The flow steps that an Estimate's ``n_treated`` and ``n_control`` are, by design.
COUNT_STEPS = {"staggered_did": ("treated", "controls"), "did_2x2": ("treated", "controls"),
                "rct": ("treated", "controls"), "twfe_event_study": ("treated", None),
                "matched_did": ("treated_matched", "controls_used"),
                "matching": ("treated_matched", "controls_used")}


def study_cells(study: Study, periods: tuple[int, int], runs: dict[tuple[str, str], Estimate],
           population: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return every figure a study writes as cells, with the identities that link them.

    ``runs`` holds the Estimate of every outcome (``("outcome", name)``, the first is the
    main one) and of every robustness check that ran (``("check", check)``). Cells:
    ``("est", run)``, ``("n_treated", run)``, ``("n_control", run)``; the event-time
    estimates ``("event", run, e)`` of the outcomes (shown in the event-study table for the
    main outcome, in the budget view for outcomes with a cost per unit, else latent) and
    the main outcome's ``("event_n", run, e)``, ``("flow", step)`` and the balance table's
    cohort counts ``("cohort_n", g)``. The identities (docs/contracts.md, "Disclosure
    control"): each outcome's overall estimate is the mean of its event times ``e >= 0``;
    the flow identities of the design (:data:`FLOW_IDENTITIES`); a run's counts are flow
    steps (:data:`COUNT_STEPS`), and equal those of any run of the same design with the
    same flow; the balance table's cohort counts add up to the matched treated, and in
    matched_did each event time's count is the sum of the cohorts that reach it; with
    staggered_did, the TWFE check's treated and controls are the main flow's plus the
    units dropped for a missing covariate or cluster (two latent counts).

    Returns a mapping with ``values``, ``identities``, ``counts``, ``latent``, ``primary``
    and ``cost`` for :func:`effekt.reports.disclosure.complementary`. Cost: an overall
    estimate and the main outcome's treated count (the headline) are hidden last; an
    event time by its units (the next smallest first); a count by its value.
    """
    m = study.min_cell
    values: dict[Any, float] = {}
    counts, latent, primary, cost = set(), set(), set(), {}
    rows: list[dict[Any, float]] = []

    def add(key: Any, value: float, price: float, *, count: bool = False,
            hide: bool = False, small_units: Any = None) -> None:
        values[key], cost[key] = float(value), float(price)
        if count:
            counts.add(key)
        if hide:
            latent.add(key)
        elif disclosure.is_small(value if count else small_units, m):
            primary.add(key)

    first_run = ("outcome", study.outcomes[0].name)
    first = runs[first_run]
    steps = dict(first.flow)
    budgets = {("outcome", o.name) for o in study.outcomes if o.budget_sector is not None}
    for step, n in first.flow:
        add(("flow", step), n, math.inf if step == COUNT_STEPS[first.design][0] else n,
            count=True)
    for f in FLOW_IDENTITIES.get(first.design, ()):
        rows.append({("flow", s): c for s, c in f.items()})
    for run, e in runs.items():
        add(("est", run), e.estimate, math.inf, small_units=e.n_treated)
        for k, step in zip(("n_treated", "n_control"), COUNT_STEPS[e.design], strict=True):
            add((k, run), getattr(e, k), math.inf if run == first_run and k == "n_treated"
                else getattr(e, k), count=True)
            if run == first_run and step in steps:
                rows.append({(k, run): 1, ("flow", step): -1})
            elif run != first_run and e.design == first.design and e.flow == first.flow:
                rows.append({(k, run): 1, (k, first_run): -1})
        if run[0] != "outcome" or not len(e.event):
            continue
        ev = e.event.reset_index(drop=True)
        for t, est, n in zip(ev["event_time"], ev["estimate"], ev["n_treated"], strict=True):
            shown = run == first_run or (run in budgets and 0 <= t < study.budget.horizon)
            if run == first_run or t >= 0:
                add(("event", run, int(t)), est, n, hide=not shown, small_units=n)
            if run == first_run:
                add(("event_n", run, int(t)), n, n, count=True)
        post = [int(t) for t in ev["event_time"] if t >= 0]
        if post:
            rows.append({("est", run): len(post), **{("event", run, t): -1 for t in post}})
    if first.balance is not None and "treated_matched" in steps:
        cohorts = first.balance.drop_duplicates("cohort")
        for g, n in zip(cohorts["cohort"], cohorts["n_treated"], strict=True):
            add(("cohort_n", int(g)), n, n, count=True)
        rows.append({("flow", "treated_matched"): -1,
                     **{("cohort_n", int(g)): 1 for g in cohorts["cohort"]}})
        if first.design == "matched_did":
            lo, hi = periods
            for t in first.event["event_time"]:
                rows.append({("event_n", first_run, int(t)): 1,
                             **{("cohort_n", int(g)): -1 for g in cohorts["cohort"]
                                if lo <= g + t <= hi}})
    if population is not None:  # units in the data, in the study, in the main outcome's flow
        n_all, n_in = population["units_in_data"], population["units_in_study"]
        add(("population", "units_in_data"), n_all, n_all, count=True)
        add(("population", "units_in_study"), n_in, n_in, count=True)
        n_out = population["units_outside_population"]
        add(("population", "units_outside_population"), n_out, n_out, count=True)
        rows.append({("population", "units_in_data"): 1, ("population", "units_in_study"): -1,
                     ("population", "units_outside_population"): -1})
        if "units_in_panel" in steps:
            if study.outcomes[0].where:  # not written, and protected like a written count
                n_o = n_in - steps["units_in_panel"]
                add(("population", "outside_main_outcome"), n_o, n_o, count=True)
                rows.append({("population", "units_in_study"): 1,
                             ("flow", "units_in_panel"): -1,
                             ("population", "outside_main_outcome"): -1})
            else:
                rows.append({("population", "units_in_study"): 1,
                             ("flow", "units_in_panel"): -1})
    twfe = runs.get(("check", "alternative_estimator"))
    if (first.design == "staggered_did" and twfe is not None
            and twfe.design == "twfe_event_study" and twfe.outcome == first.outcome):
        run = ("check", "alternative_estimator")
        kept = ("treated", "dropped_treated_before_first_period",
                "dropped_treated_after_last_period")
        d_treated = twfe.n_treated - sum(steps[s] for s in kept)
        add(("latent", "dropped_treated"), d_treated, 0, count=True, hide=True)
        add(("latent", "dropped_controls"), twfe.n_control - steps["controls"], 0, count=True,
            hide=True)
        rows += [{("flow", "dropped_missing_covariate_or_cluster"): 1,
                  ("latent", "dropped_treated"): -1, ("latent", "dropped_controls"): -1},
                 {("n_treated", run): 1, ("latent", "dropped_treated"): -1,
                  **{("flow", s): -1 for s in kept}},
                 {("n_control", run): 1, ("latent", "dropped_controls"): -1,
                  ("flow", "controls"): -1}]
    return {"values": values, "identities": rows, "counts": counts, "latent": latent,
            "primary": primary, "cost": cost}
