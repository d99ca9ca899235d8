"""Record tables on their way into DuckDB: frames and files checked at the door.

Before a table reaches the engine its column names must be unique (also when case is
ignored, as DuckDB ignores it); a CSV file must have a header line, at least one row, and
the same number of fields on every line. Timestamps with a time zone become their
wall-clock time in their own zone, with the zone dropped, so that a date never moves to
another day (Oslo midnight on 1 January stays 1 January, not 31 December in UTC).
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from effekt.data.schema import ROW_NUMBER
from effekt.errors import DataError

__all__ = ["check_column_names", "csv_error", "prepare_frame", "read_csv", "read_parquet"]

_DELIMITERS = (",", ";", "\t", "|")
_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")
_N_SHOWN = 5


@ibis.udf.scalar.builtin(name="timezone")
def _timezone(zone: str, ts: dt.Timestamp(timezone="UTC")) -> dt.Timestamp():  # type: ignore[valid-type]
    """DuckDB's ``timezone(zone, timestamptz)``: the wall-clock time in ``zone``."""


def check_column_names(where: str, names: Sequence[Any]) -> None:
    """Raise a DataError when a column name repeats (also when case is ignored).

    Parameters
    ----------
    where : str
        The table (and file) the names belong to, for the message.
    names : sequence
        The column names, in order.

    Examples
    --------
    >>> check_column_names("persons", ["person_id", "family_id"])
    >>> check_column_names("persons", ["person_id", "sex", "person_id"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    effekt.errors.DataError: persons: column 'person_id' appears 2 times; each column name ...
    """
    labels = [str(n) for n in names]
    if ROW_NUMBER in labels:
        raise DataError(
            f"{where}: column {ROW_NUMBER!r} is reserved (effekt numbers the rows in it); "
            f"rename it."
        )
    for name, count in Counter(labels).items():
        if count > 1:
            raise DataError(
                f"{where}: column {name!r} appears {count} times; each column name may "
                f"appear only once."
            )
    by_case: dict[str, list[str]] = {}
    for name in labels:
        by_case.setdefault(name.lower(), []).append(name)
    for same in by_case.values():
        if len(same) > 1:
            raise DataError(
                f"{where}: columns {' and '.join(map(repr, same))} differ only in case, and "
                f"DuckDB takes them for one column; rename one of them."
            )


def _tz_aware(dtype: Any) -> bool:
    if isinstance(dtype, pd.DatetimeTZDtype):
        return True
    return (isinstance(dtype, pd.ArrowDtype) and pa.types.is_timestamp(dtype.pyarrow_dtype)
            and dtype.pyarrow_dtype.tz is not None)


def prepare_frame(name: str, frame: Any) -> Any:
    """Check a frame's column names; give its zoned timestamps their wall-clock time.

    A pandas column of dtype ``datetime64[ns, <zone>]`` (or a pyarrow timestamp with a
    zone) is replaced by the same wall-clock times without the zone: ``2020-01-01 00:00``
    in ``Europe/Oslo`` stays ``2020-01-01 00:00`` (its date 1 January), where DuckDB would
    store the instant in UTC (31 December, 23:00). The frame given is not changed.

    Parameters
    ----------
    name : str
        The record table, for messages.
    frame : pandas.DataFrame or pyarrow.Table
        The table. Other frame types are passed on as they are, after the name check.

    Returns
    -------
    pandas.DataFrame or pyarrow.Table

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"date": pd.to_datetime(["2020-01-01"]).tz_localize("Europe/Oslo")})
    >>> prepare_frame("outcomes", f)["date"].iloc[0]
    Timestamp('2020-01-01 00:00:00')
    """
    if isinstance(frame, pa.Table):
        check_column_names(name, frame.column_names)
        for i, field in enumerate(frame.schema):
            if pa.types.is_timestamp(field.type) and field.type.tz is not None:
                frame = frame.set_column(i, field.name, pc.local_timestamp(frame.column(i)))
        return frame
    check_column_names(name, list(frame.columns))
    if isinstance(frame, pd.DataFrame):
        zoned = [c for c in frame.columns if _tz_aware(frame[c].dtype)]
        if zoned:
            frame = frame.assign(**{str(c): frame[c].dt.tz_localize(None) for c in zoned})
    return frame


def _wall_clock(con: Any, where: str, column: ir.TimestampValue, zone: str) -> ir.Value:
    """Return the wall-clock time in ``zone`` of a UTC instant, without the zone."""
    offset = _OFFSET.match(zone)
    if offset:
        sign = -1 if offset.group(1) == "-" else 1
        minutes = sign * (int(offset.group(2)) * 60 + int(offset.group(3)))
        return _timezone("UTC", column) + ibis.interval(minutes=minutes)
    try:
        con.execute(_timezone(zone, ibis.timestamp("2000-01-01 00:00:00", timezone="UTC")))
    except Exception as exc:
        raise DataError(
            f"{where}: the time zone {zone!r} of its timestamps is not one DuckDB knows; "
            f"use an IANA name such as 'Europe/Oslo', or store dates."
        ) from exc
    return _timezone(zone, column)


def read_parquet(con: Any, name: str, path: Path, *, numbered: bool) -> ir.Table:
    """Read a Parquet file of table ``name``: names checked, zoned timestamps as wall clock.

    A timestamp column with a zone in the file's Arrow schema (pandas writes it) is read as
    the wall-clock time in that zone; one stored as UTC with no zone name, in UTC. With
    ``numbered``, the table gets :data:`~effekt.data.schema.ROW_NUMBER` (from 1, in file
    order), for reading the file in place as a view.
    """
    where = f"{name} ({path})"
    try:
        schema = pq.read_schema(path)
    except Exception:  # noqa: BLE001 - not Parquet that pyarrow reads: DuckDB reports it
        schema = None
    if schema is not None:
        check_column_names(where, schema.names)
    table = con.read_parquet(path, file_row_number=numbered)
    zones = {f.name: f.type.tz for f in schema or () if pa.types.is_timestamp(f.type)
             and f.type.tz is not None and f.name in table.columns}
    fixed = {c: _wall_clock(con, f"{where}.{c}", table[c], z) for c, z in zones.items()}
    if numbered:
        fixed[ROW_NUMBER] = table.file_row_number + 1
    table = table.mutate(**fixed) if fixed else table
    return table.drop("file_row_number") if numbered else table


def _header(name: str, path: Path) -> tuple[str, list[str]]:
    """Return the delimiter and the column names of a CSV file's header line."""
    with path.open("rb") as file:
        raw = file.readline()
    try:
        line = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{name}: {path} is not UTF-8 text; save it as UTF-8.") from exc
    if not line.strip():
        what = "is empty" if not raw else "has no header line (its first line is empty)"
        raise DataError(
            f"{name}: {path} {what}; a CSV file needs a header line naming the columns, "
            f"then one line per row."
        )
    delim = max(_DELIMITERS, key=line.count) if any(d in line for d in _DELIMITERS) else ","
    names = [n.strip() for n in next(csv.reader([line], delimiter=delim))]
    return delim, names


def csv_error(name: str, path: Path, exc: Exception) -> DataError:
    """Return a DataError saying what is wrong in a CSV file that DuckDB could not read.

    Names the lines whose number of fields differs from the header's (a ragged file), or
    else gives the first line of DuckDB's message.
    """
    delim, names = _header(name, path)
    bad: list[tuple[int, int]] = []
    with path.open(encoding="utf-8-sig", newline="") as file:
        reader = csv.reader(file, delimiter=delim)
        next(reader, None)
        for fields in reader:
            if fields and len(fields) != len(names):
                bad.append((reader.line_num, len(fields)))
    if not bad:
        return DataError(f"{name}: could not read {path}: {str(exc).splitlines()[0]}")
    shown = ", ".join(f"line {line} has {n}" for line, n in bad[:_N_SHOWN])
    more = f" ({len(bad)} lines in all)" if len(bad) > _N_SHOWN else ""
    return DataError(
        f"{name}: {path} is ragged: the header has {len(names)} fields (delimiter "
        f"{delim!r}), but {shown}{more}; every line needs one field per column."
    )


def read_csv(con: Any, name: str, path: Path) -> ir.Table:
    """Read a CSV file of table ``name``, refusing an empty, header-only or ragged file.

    The delimiter is the one of ``,`` ``;`` tab ``|`` that occurs most often in the header
    line. A timestamp with a UTC offset (``2020-01-01 00:00:00+01:00``) is read as its
    wall-clock time (``2020-01-01 00:00:00``).
    """
    delim, names = _header(name, path)
    check_column_names(f"{name} ({path})", names)
    options = {"delim": delim, "header": True, "skip": 0, "strict_mode": True}
    try:
        table = con.read_csv(path, **options)
        zoned = [c for c, t in table.schema().items() if t.is_timestamp() and t.timezone]
        if zoned:
            table = con.read_csv(path, types=dict.fromkeys(zoned, "VARCHAR"), **options)
            table = table.mutate(**{c: table[c].cast("timestamp") for c in zoned})
        empty = int(table.limit(1).count().to_pandas()) == 0
    except Exception as exc:  # DuckDB refuses the file: say which lines are wrong
        raise csv_error(name, path, exc) from exc
    if empty:
        raise DataError(
            f"{name}: {path} has a header line but no rows; a record table needs at least "
            f"one row (leave out the file of an optional table instead)."
        )
    return table
