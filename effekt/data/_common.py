"""Helpers shared by trajectories and panels: sector columns and period codes."""

from __future__ import annotations

import datetime as _dt
import re
from typing import Literal

import ibis.expr.types as ir

from effekt.data.store import RecordStore
from effekt.errors import SpecError

__all__ = ["Period", "period_code", "period_start", "sector_columns", "sector_column"]

Period = Literal["month", "quarter", "year"]


def sector_column(sector: str) -> str:
    """Column name for the cost of ``sector``: ``cost_`` + the sector in snake_case.

    Examples
    --------
    >>> sector_column("Helse og sosial")
    'cost_helse_og_sosial'
    """
    return "cost_" + (re.sub(r"[^0-9a-z]+", "_", str(sector).lower()).strip("_") or "unknown")


def sector_columns(store: RecordStore) -> dict[str, str]:
    """Map each sector in ``measures`` (sorted) to its cost column name.

    Public as :func:`effekt.data.sector_columns`: the names of the ``cost_<sector>`` columns
    that :func:`effekt.data.panel` adds: ``cost_`` + the sector in snake_case.

    Raises
    ------
    SpecError
        Two sectors give the same column name.
    """
    frame = store.table("measures").select("sector").distinct().to_pandas()
    sectors = sorted(s for s in frame["sector"].tolist() if isinstance(s, str))
    out: dict[str, str] = {}
    for sector in sectors:
        name = sector_column(sector)
        clash = [s for s, c in out.items() if c == name]
        if clash:
            raise SpecError(
                f"measures.sector values {clash[0]!r} and {sector!r} give the same cost column "
                f"{name!r}; rename one of them."
            )
        out[sector] = name
    return out


def period_code(date: ir.DateValue, period: Period) -> ir.IntegerValue:
    """Integer period of ``date``: year; year*4 + quarter-1; or year*12 + month-1."""
    if period == "year":
        return date.year().cast("int64")
    if period == "quarter":
        return date.year().cast("int64") * 4 + date.quarter().cast("int64") - 1
    return date.year().cast("int64") * 12 + date.month().cast("int64") - 1


def python_period_code(date: _dt.date, period: Period) -> int:
    """Return the integer period of a Python date (same coding as :func:`period_code`)."""
    if period == "year":
        return date.year
    if period == "quarter":
        return date.year * 4 + (date.month - 1) // 3
    return date.year * 12 + date.month - 1


def period_start(code: int, period: Period) -> _dt.date:
    """First day of the integer period ``code``.

    Examples
    --------
    >>> period_start(2020 * 4 + 2, "quarter")
    datetime.date(2020, 7, 1)
    """
    if period == "year":
        return _dt.date(code, 1, 1)
    if period == "quarter":
        return _dt.date(code // 4, 3 * (code % 4) + 1, 1)
    return _dt.date(code // 12, code % 12 + 1, 1)
