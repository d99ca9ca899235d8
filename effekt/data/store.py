"""RecordStore: the record tables as Ibis tables on an embedded DuckDB connection."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pandas as pd

from effekt.data.schema import TABLES
from effekt.data.validation import find_problems, raise_problems
from effekt.errors import DataError

__all__ = ["RecordStore"]

_NULL_AS = {"integer": "int64", "number": "float64", "date": "date", "string": "string",
            "any": "string"}
_REQUIRED = tuple(name for name, spec in TABLES.items() if spec.required)


def _connect(database: str | Path | None) -> Any:
    if database is None:
        return ibis.duckdb.connect()
    return ibis.duckdb.connect(database=str(database))


def _type_null_columns(tables: dict[str, ir.Table]) -> dict[str, ir.Table]:
    """Give columns with no values (null type) the type the schema expects.

    An id column takes the type the same column name has in another table (int64 when
    no table has a typed one), so that joins on ids stay well typed.
    """
    id_types: dict[str, dt.DataType] = {}
    for table in tables.values():
        for col, dtype in table.schema().items():
            if dtype.is_integer() or dtype.is_string():
                id_types.setdefault(col, dtype)
    out = {}
    for name, table in tables.items():
        casts = {}
        for col, dtype in table.schema().items():
            if not (dtype.is_null() or dtype.is_unknown()):
                continue
            kind = TABLES[name].column(col).kind if col in TABLES[name].column_names else "any"
            target = _NULL_AS.get(kind) or id_types.get(col, dt.int64)
            casts[col] = table[col].cast(target)
        out[name] = table.mutate(**casts) if casts else table
    return out


class RecordStore:
    """The record tables of the forløp data model, held as Ibis tables.

    Build one with :meth:`from_frames` (pandas DataFrames or pyarrow Tables) or :meth:`open`
    (a folder of Parquet or CSV files). The tables live on an embedded DuckDB connection,
    in memory by default or in the database file ``database``. Every transformation in
    :mod:`effekt.data` is an Ibis expression on these tables, so the heavy work runs inside
    the database engine.

    Timestamp columns that the schema declares as dates (``start_date``, ``end_date``,
    ``date``, ``move_in_date``, ``move_out_date``) are read as their date.

    Parameters
    ----------
    con : ibis DuckDB backend
        The connection holding the tables.
    names : sequence of str
        Names of the record tables present on ``con``.

    Examples
    --------
    >>> import pandas as pd
    >>> from effekt.data import RecordStore
    >>> persons = pd.DataFrame({"person_id": [1, 2], "family_id": [10, 10],
    ...                         "birth_year": [1990, 2015], "sex": ["f", "m"],
    ...                         "district": ["Sandvika", "Sandvika"]})
    >>> measures = pd.DataFrame({"measure_id": [1], "name": ["Helsestasjon"],
    ...                          "sector": ["helse_sosial"], "unit": ["hour"],
    ...                          "unit_cost_nok": [900.0], "target_group": [None]})
    >>> events = pd.DataFrame({"person_id": [2], "measure_id": [1],
    ...                        "start_date": pd.to_datetime(["2020-03-01"]),
    ...                        "end_date": pd.to_datetime(["2020-03-01"]),
    ...                        "units": [2.0], "cost_nok": [1800.0], "provider_id": [None]})
    >>> store = RecordStore.from_frames(persons=persons, measures=measures,
    ...                                 service_events=events)
    >>> store.tables
    ('persons', 'measures', 'service_events')
    >>> int(store.table("service_events").cost_nok.sum().to_pandas())
    1800
    """

    def __init__(self, con: Any, names: tuple[str, ...] | list[str]) -> None:
        unknown = [n for n in names if n not in TABLES]
        if unknown:
            raise DataError(
                f"unknown record table {', '.join(map(repr, unknown))}; "
                f"known tables: {', '.join(TABLES)}."
            )
        missing = [n for n in _REQUIRED if n not in names]
        if missing:
            raise DataError(
                f"the record store needs the table(s) {', '.join(map(repr, missing))}; "
                f"got {', '.join(map(repr, names)) or 'none'}."
            )
        self._con = con
        self._names = tuple(n for n in TABLES if n in names)
        self._cache: dict[str, ir.Table] = {}

    # -- constructors ---------------------------------------------------------------------

    @classmethod
    def from_frames(
        cls,
        persons: pd.DataFrame,
        measures: pd.DataFrame,
        service_events: pd.DataFrame,
        outcomes: pd.DataFrame | None = None,
        exposures: pd.DataFrame | None = None,
        providers: pd.DataFrame | None = None,
        database: str | Path | None = None,
        validate: bool = True,
    ) -> RecordStore:
        """Build a store from DataFrames (pandas or pyarrow), copied into DuckDB.

        Parameters
        ----------
        persons, measures, service_events : DataFrame
            The required record tables (columns in :data:`effekt.data.TABLES`).
        outcomes, exposures, providers : DataFrame, optional
            The optional record tables.
        database : str or Path, optional
            A DuckDB database file to hold the tables (persistent); in memory when None.
            Tables of the same names in it are replaced.
        validate : bool
            Run :meth:`validate` and raise one DataError listing every problem.

        Returns
        -------
        RecordStore
        """
        frames = {
            "persons": persons,
            "measures": measures,
            "service_events": service_events,
            "outcomes": outcomes,
            "exposures": exposures,
            "providers": providers,
        }
        con = _connect(database)
        loaded: dict[str, ir.Table] = {}
        for name, frame in frames.items():
            if frame is None:
                continue
            if not hasattr(frame, "columns"):
                raise DataError(
                    f"{name} must be a pandas DataFrame or pyarrow Table, "
                    f"got {type(frame).__name__}."
                )
            loaded[name] = ibis.memtable(frame)
        for name, expr in _type_null_columns(loaded).items():
            try:
                con.create_table(name, expr, overwrite=True)
            except Exception as exc:  # the engine's own message says which column
                raise DataError(f"{name}: could not load the table into DuckDB: {exc}") from exc
        names = list(loaded)
        store = cls(con, names)
        if validate:
            store.validate()
        return store

    @classmethod
    def open(
        cls, folder: str | Path, database: str | Path | None = None, validate: bool = True
    ) -> RecordStore:
        """Open the record tables stored as ``<table>.parquet`` or ``<table>.csv`` in a folder.

        Parquet files are read in place (as views) when the store is in memory; CSV files,
        and every file when ``database`` is given, are copied into DuckDB.

        Parameters
        ----------
        folder : str or Path
            Folder with one file per table; ``persons``, ``measures`` and
            ``service_events`` are required, the other tables are read when present.
        database : str or Path, optional
            A DuckDB database file to hold the tables (persistent); in memory when None.
        validate : bool
            Run :meth:`validate` and raise one DataError listing every problem.

        Returns
        -------
        RecordStore
        """
        root = Path(folder)
        if not root.is_dir():
            raise DataError(f"folder={str(folder)!r} is not a folder with record tables.")
        con = _connect(database)
        loaded: dict[str, ir.Table] = {}
        for name in TABLES:
            files = [root / f"{name}.parquet", root / f"{name}.csv"]
            found = [f for f in files if f.is_file()]
            if len(found) > 1:
                raise DataError(
                    f"{name}: both {found[0].name} and {found[1].name} in {root}; keep one."
                )
            if not found:
                continue
            path = found[0]
            try:
                if path.suffix == ".parquet":
                    loaded[name] = con.read_parquet(path)
                else:
                    loaded[name] = con.read_csv(path)
            except Exception as exc:  # the engine's message names the file and line
                raise DataError(f"{name}: could not read {path}: {exc}") from exc
        for name, expr in _type_null_columns(loaded).items():
            if database is None and (root / f"{name}.parquet").is_file():
                con.create_view(name, expr, overwrite=True)  # read the file in place
            else:
                con.create_table(name, expr, overwrite=True)
        names = list(loaded)
        missing = [n for n in _REQUIRED if n not in names]
        if missing:
            raise DataError(
                f"{root} has no {', '.join(f'{n}.parquet or {n}.csv' for n in missing)}; "
                f"the record store needs them."
            )
        store = cls(con, names)
        if validate:
            store.validate()
        return store

    # -- access ---------------------------------------------------------------------------

    @property
    def con(self) -> Any:
        """The Ibis DuckDB connection holding the tables."""
        return self._con

    @property
    def tables(self) -> tuple[str, ...]:
        """Names of the record tables present, in schema order."""
        return self._names

    def has(self, name: str) -> bool:
        """Whether the table ``name`` is present."""
        return name in self._names

    def table(self, name: str) -> ir.Table:
        """Return the record table ``name`` as an Ibis table (dates read as dates).

        Parameters
        ----------
        name : str
            One of :attr:`tables`.

        Returns
        -------
        ibis.Table
        """
        if name not in self._names:
            raise DataError(
                f"table {name!r} is not in the record store; present: {', '.join(self._names)}."
            )
        if name not in self._cache:
            table = self._con.table(name)
            schema = table.schema()
            casts = {
                col.name: table[col.name].cast("date")
                for col in TABLES[name].columns
                if col.kind == "date" and col.name in schema and schema[col.name].is_timestamp()
            }
            self._cache[name] = table.mutate(**casts) if casts else table
        return self._cache[name]

    def validate(self) -> None:
        """Check every table; raise one DataError listing all problems, or return None.

        Checks: missing or misnamed columns, wrong types, missing values in required
        columns, ``end_date`` before ``start_date`` (and ``move_out_date`` before
        ``move_in_date``), references to unknown ``person_id``, ``family_id``,
        ``measure_id`` or ``provider_id`` (the last only when ``providers`` is present),
        duplicate keys, negative costs or units, and dates or birth years outside a
        plausible range (:data:`effekt.data.schema.DATE_RANGE`). Each line of the message
        names the table, the column, a count and up to three example rows' keys.

        Raises
        ------
        DataError
            Listing every problem found.
        """
        raise_problems(find_problems({name: self.table(name) for name in self._names}))

    def __repr__(self) -> str:
        return f"RecordStore(tables={list(self._names)})"

