"""Set-based validation of the record tables: every problem found, reported at once.

Each problem is one line naming the table, the column, how many rows fail and the numbers
of up to five of those rows (row 1 is the first row of the table's frame or file). The
message never shows an identifier (real ids are national identity numbers); the
:class:`Problem` objects on the error carry the example rows' keys for the Python user.
The checks run as Ibis aggregates (one pass per table for the row-wise checks, one
group-by per key and one anti-join per reference), so they scale to tables of hundreds of
millions of rows; the row numbers are looked up only for the checks that fail.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from effekt.data.schema import (
    BIRTH_YEAR_RANGE,
    DATE_RANGE,
    MAX_ABS_VALUE,
    REFERENCES,
    ROW_NUMBER,
    TABLES,
    Column,
    TableSchema,
)
from effekt.errors import DataError

__all__ = ["Problem", "RecordTableError", "find_problems", "raise_problems"]

_N_EXAMPLES = 5
_CAST_TO = {"integer": "int64", "number": "float64", "date": "date"}
_KIND_WORDS = {
    "id": "an integer or string id",
    "integer": "an integer",
    "number": "a number",
    "date": "a date",
    "string": "a string",
}


@dataclass(frozen=True, eq=False)
class Problem:
    """One problem of the record tables: a line of the error message and its rows.

    Parameters
    ----------
    table : str
        The record table.
    column : str
        The column (``""`` for a missing table).
    text : str
        The message line: table, column, count and row numbers, never an identifier.
    n_rows : int, optional
        How many rows have the problem (None when it is not about rows).
    rows : tuple of int
        The numbers of up to five of those rows, ascending (row 1 is the first row of the
        frame or file).
    keys : pandas.DataFrame, optional
        Those rows' identifying columns (``example_key`` of the table's schema, and the
        value of the column at fault), indexed by row number. They may be national identity
        numbers: look at them, do not print them in anything you publish.
    """

    table: str
    column: str
    text: str
    n_rows: int | None = None
    rows: tuple[int, ...] = ()
    keys: pd.DataFrame | None = None

    def __str__(self) -> str:
        return self.text


class RecordTableError(DataError):
    """The record tables have problems: one :class:`~effekt.errors.DataError` for them all.

    Parameters
    ----------
    message : str
        The message, one line per problem.
    problems : sequence of Problem
        The problems, with the keys of their example rows (not in the message).
    """

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message)
        self.problems: tuple[Problem, ...] = tuple(problems)


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


def _bad_rows(
    table: ir.Table, condition: ir.BooleanValue | None, keys: Sequence[str]
) -> pd.DataFrame:
    """Return the keys of the first rows (by number) of ``table`` where ``condition`` holds.

    Returns a DataFrame of the columns ``keys`` indexed by row number (named ``row``).
    """
    rows = table if condition is None else table.filter(condition)
    cols = list(dict.fromkeys(k for k in keys if k != ROW_NUMBER))
    frame = rows.select(ROW_NUMBER, *cols).order_by(ROW_NUMBER).limit(_N_EXAMPLES).to_pandas()
    frame = frame.set_index(ROW_NUMBER).rename_axis("row")
    frame.index = frame.index.astype("int64")
    return frame


def _row_list(name: str, n: int, rows: Sequence[int]) -> str:
    """``row 4 of t`` or ``rows 1, 2, 3, 4, 5, ... of t`` (the dots when more than shown)."""
    word = "row" if n == 1 else "rows"
    more = ", ..." if n > len(rows) else ""
    return f"{word} {', '.join(map(str, rows))}{more} of {name}"


def _problem(name: str, column: str, head: str, n: int, keys: pd.DataFrame) -> Problem:
    """Return the problem of ``n`` rows: ``head``, then the numbers of the rows in ``keys``."""
    rows = tuple(int(r) for r in keys.index)
    text = f"{head}; {_row_list(name, n, rows)}." if rows else f"{head}."
    return Problem(name, column, text, n, rows, keys)


def _schema_problems(
    name: str, table: ir.Table, spec: TableSchema, problems: list[Problem]
) -> set[str]:
    """Check columns and types; return the names of the known columns fit for value checks."""
    schema = table.schema()
    present = [c for c in schema.names if c != ROW_NUMBER]
    unknown = [c for c in present if c not in spec.column_names]
    usable: set[str] = set()
    n_rows: int | None = None
    for col in spec.columns:
        if col.name not in present:
            if col.required:
                problems.append(Problem(
                    name, col.name,
                    f"{name}.{col.name}: column missing{_misnamed_hint(col.name, unknown)}; "
                    f"columns present: {', '.join(present)}.",
                ))
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
) -> Problem:
    target = _CAST_TO.get(col.kind)
    head = f"{name}.{col.name}: wrong type {dtype}, expected {_KIND_WORDS[col.kind]}"
    if target is None:
        return Problem(name, col.name, f"{head} ({n_rows} rows).", n_rows)
    bad = table[col.name].notnull() & table[col.name].try_cast(target).isnull()
    n_bad = int(table.aggregate(n=bad.sum().fill_null(0)).to_pandas()["n"].iloc[0])
    if n_bad == 0:
        return Problem(name, col.name,
                       f"{head}; all {n_rows} rows would convert: cast the column to {target}.")
    keys = _bad_rows(table, bad, [*(k for k in spec.example_key if k in table.columns), col.name])
    problem = _problem(name, col.name, f"{head}; {n_bad} of {n_rows} rows do not convert to "
                       f"{target}", n_bad, keys)
    if col.kind == "id":  # the values would be identifiers
        return problem
    values = ", ".join(_fmt_value(v) for v in keys[col.name])
    return Problem(name, col.name, f"{problem.text[:-1]} (values {values}).", n_bad,
                   problem.rows, keys)


def _row_checks(
    name: str, table: ir.Table, spec: TableSchema, usable: set[str]
) -> list[tuple[str, str, ir.BooleanValue]]:
    """Row-wise checks as (column, description, condition that marks a bad row)."""
    checks: list[tuple[str, str, ir.BooleanValue]] = []
    lo, hi = DATE_RANGE
    schema = table.schema()
    for col in spec.columns:
        if col.name not in usable:
            continue
        value = table[col.name]
        dtype = schema[col.name]
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
        finite: ir.BooleanValue = ibis.literal(True)
        if col.kind == "number" and dtype.is_floating():
            not_finite = value.isnan() | value.isinf()
            finite = ~not_finite
            checks.append(
                (col.name, "with a value that is not a finite number (NaN, inf or -inf)",
                 not_finite)
            )
        if col.kind == "number" and dtype.is_numeric():
            checks.append(
                (
                    col.name,
                    f"with an absolute value above {MAX_ABS_VALUE:.0e}, the largest allowed",
                    finite & (value.abs() > MAX_ABS_VALUE),
                )
            )
        if col.non_negative:
            checks.append((col.name, "with a negative value", finite & (value < 0)))
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
    name: str, table: ir.Table, spec: TableSchema, usable: set[str], problems: list[Problem]
) -> None:
    keys = [k for k in spec.example_key if k in usable]
    checks = _row_checks(name, table, spec, usable)
    if checks:
        counts = table.aggregate(
            **{f"c{i}": cond.fill_null(False).sum().fill_null(0)
               for i, (_, _, cond) in enumerate(checks)}
        ).to_pandas()
        for i, (col, what, cond) in enumerate(checks):
            n = int(counts[f"c{i}"].iloc[0])
            if n:
                shown = _bad_rows(table, cond.fill_null(False), keys)
                problems.append(_problem(name, col, f"{name}.{col}: {_rows(n)} {what}", n,
                                         shown))
    key = list(spec.key)
    if key and set(key) <= usable:
        dup = table.group_by(key).aggregate(_n_rows=ibis._.count()).filter(ibis._._n_rows > 1)
        # a sum over no rows is null (NaN from Spark, None from DuckDB): 0 in the engine
        stats = dup.aggregate(rows=dup._n_rows.sum().fill_null(0), keys=dup.count()).to_pandas()
        n = int(stats["rows"].iloc[0])
        if n:
            # the rows of a repeated key; a window groups missing values as a group-by does
            sharing = table.mutate(_n_rows=table[ROW_NUMBER].count().over(group_by=key))
            shown = _bad_rows(sharing, sharing._n_rows > 1, key)
            problems.append(_problem(
                name, ", ".join(key),
                f"{name}.{', '.join(key)}: {_rows(n)} share "
                f"{_plural(int(stats['keys'].iloc[0]), 'duplicate key')}; expected one row "
                f"per ({', '.join(key)})", n, shown,
            ))


def _reference_problems(
    tables: Mapping[str, ir.Table], usable: Mapping[str, set[str]], problems: list[Problem]
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
            problems.append(Problem(
                ref.table, ref.column,
                f"{ref.table}.{ref.column}: type {ltype} does not match "
                f"{ref.to_table}.{ref.to_column} ({rtype}); ids must have one type.",
            ))
            continue
        targets = right.select(_ref=right[ref.to_column]).distinct()
        orphans = left.filter(left[ref.column].notnull()).anti_join(
            targets, left[ref.column] == targets._ref
        )
        n = int(orphans.count().to_pandas())
        if n:
            keys = [k for k in TABLES[ref.table].example_key if k in usable[ref.table]]
            shown = _bad_rows(orphans, None, [*keys, ref.column])
            problems.append(_problem(
                ref.table, ref.column,
                f"{ref.table}.{ref.column}: {_rows(n)} {'refers' if n == 1 else 'refer'} to a "
                f"{ref.column} not in {ref.to_table}.{ref.to_column}", n, shown,
            ))


def find_problems(tables: Mapping[str, ir.Table]) -> list[Problem]:
    """Check the record tables; return one problem per line (empty when all is well).

    Parameters
    ----------
    tables : mapping of str to ibis.Table
        The record tables present, by name (dates already cast to ``date``), each with
        its row numbers in the column :data:`~effekt.data.schema.ROW_NUMBER`.

    Returns
    -------
    list of Problem
        One per problem: table, column, count and the numbers of up to five of its rows.
    """
    problems: list[Problem] = []
    for name, spec in TABLES.items():
        if name not in tables and spec.required:
            problems.append(Problem(name, "", f"{name}: table missing; the record store "
                                              f"needs it."))
    usable: dict[str, set[str]] = {}
    for name, table in tables.items():
        spec = TABLES[name]
        usable[name] = _schema_problems(name, table, spec, problems)
        _value_problems(name, table, spec, usable[name], problems)
    _reference_problems(tables, usable, problems)
    return problems


def raise_problems(problems: Sequence[Problem]) -> None:
    """Raise one :class:`RecordTableError` listing ``problems`` (if any)."""
    if problems:
        noun = "problem" if len(problems) == 1 else "problems"
        lines = "\n".join(f"  - {p}" for p in problems)
        raise RecordTableError(
            f"{len(problems)} {noun} in the record tables (rows are counted from 1 in each "
            f"frame or file, a CSV header not counted):\n{lines}",
            problems,
        )
