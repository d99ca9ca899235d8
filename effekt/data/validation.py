"""Set-based validation of the record tables: every problem found, reported at once.

Each problem is one line naming the table, the column, how many rows fail and the keys of
up to three example rows. The checks run as Ibis aggregates (one pass per table for the
row-wise checks, one group-by per key and one anti-join per reference), so they scale to
tables of hundreds of millions of rows.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from effekt.data.schema import (
    BIRTH_YEAR_RANGE,
    DATE_RANGE,
    REFERENCES,
    TABLES,
    Column,
    TableSchema,
)
from effekt.errors import DataError

__all__ = ["find_problems", "raise_problems"]

_N_EXAMPLES = 3
_CAST_TO = {"integer": "int64", "number": "float64", "date": "date"}
_KIND_WORDS = {
    "id": "an integer or string id",
    "integer": "an integer",
    "number": "a number",
    "date": "a date",
    "string": "a string",
}


def kind_matches(kind: str, dtype: dt.DataType) -> bool:
    """Whether a column of Ibis type ``dtype`` can hold the column kind ``kind``."""
    if kind == "any" or dtype.is_null() or dtype.is_unknown():
        return True
    if kind == "id":
        return dtype.is_integer() or dtype.is_string()
    if kind == "integer":
        return dtype.is_integer()
    if kind == "number":
        return dtype.is_numeric() or dtype.is_boolean()
    if kind == "date":
        return dtype.is_date() or dtype.is_timestamp()
    if kind == "string":
        return dtype.is_string()
    raise ValueError(kind)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _rows(n: int) -> str:
    return _plural(n, "row")


def _norm(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.lower())


def _misnamed_hint(wanted: str, present: list[str]) -> str:
    same = [c for c in present if _norm(c) == _norm(wanted)]
    if not same:
        lowered = {c.lower(): c for c in present}
        close = difflib.get_close_matches(wanted.lower(), list(lowered), n=1, cutoff=0.75)
        same = [lowered[c] for c in close]
    if same:
        return f" (is {same[0]!r} meant? rename it to {wanted!r})"
    return ""


def _fmt_value(value: Any) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return "NA"
    if isinstance(value, pd.Timestamp) and value == value.normalize():
        return value.date().isoformat()
    return repr(value) if isinstance(value, str) else str(value)


def _examples(table: ir.Table, cols: list[str], condition: ir.BooleanValue | None) -> str:
    """Up to three example rows' keys, as ``(a=1, b='x'); (...)``."""
    if not cols:
        return ""
    rows = table if condition is None else table.filter(condition)
    frame = rows.select(*cols).limit(_N_EXAMPLES).to_pandas()
    shown = [
        "(" + ", ".join(f"{c}={_fmt_value(v)}" for c, v in zip(cols, row, strict=True)) + ")"
        for row in frame.itertuples(index=False)
    ]
    return "; e.g. " + "; ".join(shown) if shown else ""


def _schema_problems(
    name: str, table: ir.Table, spec: TableSchema, problems: list[str]
) -> set[str]:
    """Check columns and types; return the names of the known columns fit for value checks."""
    schema = table.schema()
    present = list(schema.names)
    unknown = [c for c in present if c not in spec.column_names]
    usable: set[str] = set()
    n_rows: int | None = None
    for col in spec.columns:
        if col.name not in present:
            if col.required:
                problems.append(
                    f"{name}.{col.name}: column missing{_misnamed_hint(col.name, unknown)}; "
                    f"columns present: {', '.join(present)}."
                )
            continue
        dtype = schema[col.name]
        if kind_matches(col.kind, dtype):
            usable.add(col.name)
            continue
        if n_rows is None:
            n_rows = int(table.count().to_pandas())
        problems.append(_type_problem(name, table, spec, col, dtype, n_rows))
    return usable


def _type_problem(
    name: str, table: ir.Table, spec: TableSchema, col: Column, dtype: dt.DataType, n_rows: int
) -> str:
    target = _CAST_TO.get(col.kind)
    head = f"{name}.{col.name}: wrong type {dtype}, expected {_KIND_WORDS[col.kind]}"
    if target is None:
        return f"{head} ({n_rows} rows)."
    bad = table[col.name].notnull() & table[col.name].try_cast(target).isnull()
    n_bad = int(table.aggregate(n=bad.sum()).to_pandas()["n"].iloc[0] or 0)
    keys = [k for k in spec.example_key if k in table.columns and k != col.name]
    if n_bad == 0:
        return f"{head}; all {n_rows} rows would convert: cast the column to {target}."
    return (
        f"{head}; {n_bad} of {n_rows} rows do not convert to {target}"
        f"{_examples(table, keys + [col.name], bad)}."
    )


def _row_checks(
    name: str, table: ir.Table, spec: TableSchema, usable: set[str]
) -> list[tuple[str, str, ir.BooleanValue]]:
    """Row-wise checks as (column, description, condition that marks a bad row)."""
    checks: list[tuple[str, str, ir.BooleanValue]] = []
    lo, hi = DATE_RANGE
    for col in spec.columns:
        if col.name not in usable:
            continue
        value = table[col.name]
        if not col.nullable:
            checks.append((col.name, "with a missing value", value.isnull()))
        if col.kind == "date":
            checks.append(
                (
                    col.name,
                    f"with a date outside the plausible range {lo} to {hi}",
                    (value < lo) | (value > hi),
                )
            )
        if col.non_negative:
            checks.append((col.name, "with a negative value", value < 0))
    if name == "persons" and "birth_year" in usable:
        y0, y1 = BIRTH_YEAR_RANGE
        checks.append(
            (
                "birth_year",
                f"with a birth_year outside the plausible range {y0} to {y1}",
                (table.birth_year < y0) | (table.birth_year > y1),
            )
        )
    pairs = {"service_events": ("start_date", "end_date"), "persons": ("move_in_date",
                                                                       "move_out_date")}
    if name in pairs and set(pairs[name]) <= usable:
        first, last = pairs[name]
        checks.append((last, f"with {last} before {first}", table[last] < table[first]))
    if name == "exposures":
        ids = ["person_id", "family_id", "provider_id"]
        if set(ids) <= usable:
            none = ibis.and_(*(table[c].isnull() for c in ids))
            checks.append(("person_id", "with none of person_id, family_id, provider_id", none))
    return checks


def _value_problems(
    name: str, table: ir.Table, spec: TableSchema, usable: set[str], problems: list[str]
) -> None:
    keys = [k for k in spec.example_key if k in usable]
    checks = _row_checks(name, table, spec, usable)
    if checks:
        counts = table.aggregate(
            **{f"c{i}": cond.fill_null(False).sum() for i, (_, _, cond) in enumerate(checks)}
        ).to_pandas()
        for i, (col, what, cond) in enumerate(checks):
            n = int(counts[f"c{i}"].iloc[0] or 0)
            if n:
                shown = _examples(table, keys, cond.fill_null(False))
                problems.append(f"{name}.{col}: {_rows(n)} {what}{shown}.")
    key = list(spec.key)
    if key and set(key) <= usable:
        dup = table.group_by(key).aggregate(_n_rows=ibis._.count()).filter(ibis._._n_rows > 1)
        stats = dup.aggregate(rows=dup._n_rows.sum(), keys=dup.count()).to_pandas()
        n = int(stats["rows"].iloc[0] or 0)
        if n:
            problems.append(
                f"{name}.{', '.join(key)}: {_rows(n)} share "
                f"{_plural(int(stats['keys'].iloc[0]), 'duplicate key')}; expected one row "
                f"per ({', '.join(key)}){_examples(dup, key, None)}."
            )


def _reference_problems(
    tables: Mapping[str, ir.Table], usable: Mapping[str, set[str]], problems: list[str]
) -> None:
    for ref in REFERENCES:
        if ref.table not in tables or ref.to_table not in tables:
            continue
        if ref.column not in usable[ref.table] or ref.to_column not in usable[ref.to_table]:
            continue
        left, right = tables[ref.table], tables[ref.to_table]
        ltype, rtype = left.schema()[ref.column], right.schema()[ref.to_column]
        if ltype.is_integer() != rtype.is_integer():
            if int(left[ref.column].count().to_pandas()) == 0:
                continue  # an empty column (read as text from CSV) refers to nothing
            problems.append(
                f"{ref.table}.{ref.column}: type {ltype} does not match "
                f"{ref.to_table}.{ref.to_column} ({rtype}); ids must have one type."
            )
            continue
        targets = right.select(_ref=right[ref.to_column]).distinct()
        orphans = left.filter(left[ref.column].notnull()).anti_join(
            targets, left[ref.column] == targets._ref
        )
        n = int(orphans.count().to_pandas())
        if n:
            keys = [k for k in TABLES[ref.table].example_key if k in usable[ref.table]]
            if ref.column not in keys:
                keys.append(ref.column)
            problems.append(
                f"{ref.table}.{ref.column}: {_rows(n)} {'refers' if n == 1 else 'refer'} to a "
                f"{ref.column} not in "
                f"{ref.to_table}.{ref.to_column}{_examples(orphans, keys, None)}."
            )


def find_problems(tables: Mapping[str, ir.Table]) -> list[str]:
    """Check the record tables; return one line per problem (empty when all is well).

    Parameters
    ----------
    tables : mapping of str to ibis.Table
        The record tables present, by name (dates already cast to ``date``).

    Returns
    -------
    list of str
        One line per problem: table, column, count and up to three example rows' keys.
    """
    problems: list[str] = []
    for name, spec in TABLES.items():
        if name not in tables and spec.required:
            problems.append(f"{name}: table missing; the record store needs it.")
    usable: dict[str, set[str]] = {}
    for name, table in tables.items():
        spec = TABLES[name]
        usable[name] = _schema_problems(name, table, spec, problems)
        _value_problems(name, table, spec, usable[name], problems)
    _reference_problems(tables, usable, problems)
    return problems


def raise_problems(problems: list[str]) -> None:
    """Raise one :class:`~effekt.errors.DataError` listing ``problems`` (if any)."""
    if problems:
        noun = "problem" if len(problems) == 1 else "problems"
        lines = "\n".join(f"  - {p}" for p in problems)
        raise DataError(f"{len(problems)} {noun} in the record tables:\n{lines}")
