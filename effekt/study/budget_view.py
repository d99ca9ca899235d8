"""The budget view of a study: its estimates as avoided costs by sector and year.

The sign convention (docs/contracts.md, "The sign of an avoided cost"): positive avoided
cost means the sector saves money. :func:`budget_view` also returns the budget inputs
(the shown estimates with their covariance) that :mod:`effekt.budgeting` reads.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from effekt.budgeting import from_effect, npv_under_trend_violation
from effekt.study.cells import secondary_text
from effekt.study.designs import Estimate
from effekt.study.spec import Study

__all__ = ["budget_trend_sensitivity", "budget_view", "budget_years"]


def budget_years(e: Estimate, horizon: int, beyond: str) -> list[int | None]:
    """Return the event time whose estimate each budget year takes (None: no effect)."""
    return _years([int(x) for x in e.event["event_time"]] if len(e.event) else None,
                  horizon, beyond)


def _years(event_times: list[int] | None, horizon: int, beyond: str) -> list[int | None]:
    """Map budget years to event times; ``None`` times: one estimate (time 0) held throughout."""
    post = sorted(t for t in event_times if t >= 0) if event_times is not None else [0]
    last = "last" if event_times is None else beyond
    return [t if t in post else post[-1] if last == "last" and post and t > post[-1]
            else None for t in range(horizon)]


def budget_view(study: Study, main: dict[str, Estimate], hidden: set[Any],
            secondary: set[Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]],
                                          list[str]]:
    """Return the budget view's rows, the budget inputs and the outcomes left out of it.

    The budget view holds every outcome with a budget sector (:attr:`Outcome.budget_sector`:
    a ``cost_<sector>`` outcome, or an outcome with a ``price``). Its avoided cost in a
    year is −effect × NOK per unit × cases (NOK per unit is 1 for a cost outcome): positive
    when the sector saves money (docs/contracts.md). A year without an estimate (past the
    last event time with ``beyond = "zero"``) is written with no amounts and ``estimated``
    false, never as 0.

    An outcome is left out when a figure its budget would be derived from is hidden: its
    estimate, all its event times, or the cases it counts (``n_treated``). A year whose
    effect would come from a hidden event-time estimate is written with no amounts
    (``suppressed``; its ``secondary`` names them when that estimate is hidden by secondary
    suppression); so is a later year that would repeat it (``beyond = "last"``).

    The budget inputs (one per outcome in the view) hold the shown estimates behind it with
    their covariance, for :func:`effekt.budgeting.from_effect`.
    """
    rows, inputs, withheld = [], [], []
    amounts = ("avoided_cost_nok", "p05_nok", "p95_nok")
    for o in study.outcomes:
        e, run = main[o.name], ("outcome", o.name)
        if o.budget_sector is None:
            continue
        years = budget_years(e, study.budget.horizon, study.budget.beyond)
        shown = [t for t in dict.fromkeys(years)
                 if t is not None and ("event", run, t) not in hidden]
        if (("est", run) in hidden or (study.budget.n_cases is None
                                       and ("n_treated", run) in hidden)
                or (len(e.event) and not shown)):
            withheld.append(o.name)
            continue
        if len(e.event):
            frame = e.event.loc[e.event["event_time"].isin(shown),
                                ["event_time", "estimate", "std_error"]]
            cov = e.event_vcov.loc[frame["event_time"].tolist(), frame["event_time"].tolist()]
        else:
            frame = pd.DataFrame({"estimate": [e.estimate], "std_error": [e.std_error]})
            cov = pd.DataFrame([[e.std_error ** 2]])
        n_cases = study.budget.n_cases if study.budget.n_cases is not None else e.n_treated
        price = {o.budget_sector: o.nok_per_unit}
        stream = from_effect(frame.astype(float), price, n_cases=n_cases,
                             horizon=study.budget.horizon, beyond=study.budget.beyond)
        draws = stream.sample(2000, seed=study.seed)  # (n, horizon, sectors)
        mean = stream.mean()
        inputs.append({
            "outcome": o.name, "kind": o.kind, "sector": o.budget_sector,
            "nok_per_unit": o.nok_per_unit, "n_cases": float(n_cases),
            "horizon": study.budget.horizon, "beyond": study.budget.beyond,
            "event_time": [int(t) for t in frame.get("event_time", [])],
            "estimate": [float(x) for x in frame["estimate"]],
            "vcov": cov.to_numpy(dtype=float).tolist()})
        for k, sector in enumerate(stream.sectors):
            for year in range(stream.horizon):
                source = years[year] if len(e.event) else 0
                gone = source is not None and len(e.event) and source not in shown
                estimated = source is not None
                values = (float(mean.iloc[year, k]),
                          float(np.quantile(draws[:, year, k], 0.05)),
                          float(np.quantile(draws[:, year, k], 0.95)))
                rows.append({"outcome": o.name, "sector": sector, "year": year,
                             **dict(zip(amounts, (None,) * 3 if gone or not estimated
                                        else values, strict=True)),
                             "n_cases": float(n_cases), "suppressed": bool(gone),
                             "estimated": estimated,
                             "secondary": secondary_text(amounts if ("event", run, source)
                                                     in secondary else ())})
    return rows, inputs, withheld


def budget_trend_sensitivity(study: Study, inputs: list[dict[str, Any]],
                             honest: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """Return how the NPV of the budget view's avoided costs moves with non-parallel trends.

    The NPV (discounted with R-109/2021, the Norwegian central government's rates) of the
    avoided costs summed over the budget view's outcomes — the investment account of the
    study's own outcomes — at the point estimates and at each ``Mbar`` of HonestDiD's grid
    (:func:`effekt.budgeting.npv_under_trend_violation`: every outcome's effects moved to
    the end of its robust set that lowers the NPV). ``breakdown_m`` is the smallest
    ``Mbar`` of the grid at which that NPV is at most 0 (None: none is; 0 when the NPV is
    at most 0 already at the lower end of the ordinary 95 % interval), and
    ``negative_at_estimate`` says whether it is at most 0 at the point estimates. None
    without a budget view; ``status`` ``"not_run"`` when an outcome of the view has no
    HonestDiD sets (all or nothing: a partial NPV would be read as the whole).
    """
    if not inputs:
        return None
    missing = [i["outcome"] for i in inputs
               if (honest.get(i["outcome"]) or {}).get("status") != "ok"]
    if missing:
        return {"status": "not_run", "reason": "no_honest_did", "outcomes_without": missing}
    rows = []
    for i in inputs:
        # the shown estimates only, year by year as the budget view maps them
        est = dict(zip(i["event_time"], i["estimate"], strict=True)) or {0: i["estimate"][0]}
        years = _years(list(i["event_time"]) or None, i["horizon"], i["beyond"])
        effects = [est[t] if t is not None else float("nan") for t in years]
        h = honest[i["outcome"]]
        rows.append({"nok_per_unit": i["nok_per_unit"], "n_cases": i["n_cases"],
                     "effects": effects, "estimate": h["estimate"], "grid": h["grid"]})
    out = npv_under_trend_violation(rows, schedule="r109")
    at_estimate = float(out["npv_nok"].iloc[0])
    grid = out.iloc[1:]
    negative = grid.loc[grid["npv_nok"] <= 0, "m"]
    return {"status": "ok", "restriction": "relative_magnitude",
            "schedule": "r109",
            "outcomes": [i["outcome"] for i in inputs],
            "npv_at_estimate_nok": at_estimate, "negative_at_estimate": at_estimate <= 0,
            "grid": [{"m": float(m), "npv_nok": float(v)}
                     for m, v in zip(grid["m"], grid["npv_nok"], strict=True)],
            "breakdown_m": float(negative.min()) if len(negative) else None}
