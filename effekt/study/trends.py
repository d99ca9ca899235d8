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

from typing import Any

import pandas as pd

from effekt.errors import DataError, NotEstimableError
from effekt.estimators import bacon_decomposition
from effekt.reports import disclosure

__all__ = ["bacon_check"]


def _outside(d: pd.DataFrame, unit: str) -> pd.Series:
    """Units treated in or before the first period, or after the last (the designs drop them)."""
    lo, hi = d["period"].min(), d["period"].max()
    c = d.groupby(unit)["cohort"].first()
    return c[(c > 0) & ((c <= lo) | (c > hi))]


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
    d = d[~d[unit].isin(_outside(d, unit).index)]
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
