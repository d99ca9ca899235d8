"""RecordStore: the record tables as Ibis tables on an embedded DuckDB connection."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import ibis.expr.types as ir
import pandas as pd

from effekt.data._load import csv_error, prepare_frame, read_csv, read_parquet
from effekt.data.engines import Backend, connect, engine_name, read_parquet_spark, unique_name
from effekt.data.schema import ROW_NUMBER, TABLES
from effekt.data.validation import find_problems, raise_problems
from effekt.errors import DataError, SpecError

__all__ = ["RecordStore"]

_NULL_AS = {"integer": "int64", "number": "float64", "date": "date", "string": "string",
            "any": "string"}
_REQUIRED = tuple(name for name, spec in TABLES.items() if spec.required)


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


def _dates_as_dates(name: str, table: ir.Table) -> ir.Table:
    """Cast the timestamp columns that the schema of ``name`` declares as dates to dates."""
    schema = table.schema()
    casts = {
        col.name: table[col.name].cast("date")
        for col in TABLES[name].columns
        if col.kind == "date" and col.name in schema and schema[col.name].is_timestamp()
    }
    return table.mutate(**casts) if casts else table


class RecordStore:
    """The record tables of the forløp data model, held as Ibis tables.

    Build one with :meth:`from_frames` (pandas DataFrames or pyarrow Tables) or :meth:`open`
    (a folder of Parquet or CSV files). The tables live on an embedded DuckDB connection,
    in memory by default or in the database file ``database``, or, opened with
    ``backend="spark"`` or a PySpark ``connection``, in a Spark session
    (:mod:`effekt.data.engines`). Every transformation in :mod:`effekt.data` is one Ibis
    expression on these tables, the same on either engine, so the heavy work runs inside
    the engine.

    Timestamp columns that the schema declares as dates (``start_date``, ``end_date``,
    ``date``, ``move_in_date``, ``move_out_date``) are read as their date. A timestamp with
    a time zone is read as its wall-clock time in its own zone, never converted to another
    zone: ``2020-01-01 00:00+01:00`` (Oslo midnight) is the date 1 January 2020, not 31
    December 2019 as in UTC. Its own zone is the pandas or Arrow dtype's zone (a frame, or
    a Parquet file written by pandas or pyarrow), the UTC offset written in a CSV field, or
    UTC for a Parquet timestamp stored as UTC without a zone name.

    Validation messages name rows by their number in the table: row 1 is the first row of
    the frame or file (in a CSV file the line after the header), so that no identifier is
    printed; the :class:`~effekt.errors.DataError` raised carries the identifiers of those
    rows in its ``problems`` (see :meth:`validate`).

    Parameters
    ----------
    con : ibis DuckDB or PySpark backend
        The connection holding the tables.
    names : sequence of str
        Names of the record tables present on ``con``.
    engine_names : mapping of str to str, optional
        The name each record table has on ``con`` (default: its own name).

    Examples
    --------
    >>> from effekt.data import RecordStore
    >>> from effekt.synthetic.examples import record_tables
    >>> store = RecordStore.from_frames(**record_tables())
    >>> store.tables
    ('persons', 'measures', 'service_events')
    >>> int(store.table("service_events").cost_nok.sum().to_pandas())
    2700
    """

    def __init__(self, con: Any, names: tuple[str, ...] | list[str],
                 engine_names: dict[str, str] | None = None) -> None:
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
        self._engine_names = dict(engine_names or {})
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

        Raises
        ------
        DataError
            A table is not a frame, or repeats a column name (also when case is ignored);
            or, with ``validate``, the tables have problems (all listed at once).
        """
        frames = {
            "persons": persons,
            "measures": measures,
            "service_events": service_events,
            "outcomes": outcomes,
            "exposures": exposures,
            "providers": providers,
        }
        con = connect("duckdb", database)
        loaded: dict[str, ir.Table] = {}
        for name, frame in frames.items():
            if frame is None:
                continue
            if not hasattr(frame, "columns"):
                raise DataError(
                    f"{name} must be a pandas DataFrame or pyarrow Table, "
                    f"got {type(frame).__name__}."
                )
            loaded[name] = ibis.memtable(prepare_frame(name, frame))
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
        cls,
        folder: str | Path,
        database: str | Path | None = None,
        validate: bool = True,
        *,
        backend: Backend = "duckdb",
        connection: Any = None,
    ) -> RecordStore:
        """Open the record tables stored as ``<table>.parquet`` or ``<table>.csv`` in a folder.

        Parquet files are read in place (as views) when the store is in memory; CSV files,
        and every file when ``database`` is given, are copied into DuckDB. A CSV file's
        delimiter is the one of ``,`` ``;`` tab ``|`` that occurs most often in its header
        line, which must name the columns.

        On Spark (``backend="spark"``, or a PySpark ``connection``) the tables must be
        Parquet files; each is read in place as a temporary view of a unique name, so
        that several stores can share one session. :func:`effekt.data.trajectories`,
        :func:`effekt.data.panel` and :meth:`validate` run unchanged on either engine
        and give the same rows (``tests/data/test_spark.py``).

        Parameters
        ----------
        folder : str or Path
            Folder with one file per table; ``persons``, ``measures`` and
            ``service_events`` are required, the other tables are read when present.
        database : str or Path, optional
            A DuckDB database file to hold the tables (persistent); in memory when None.
        validate : bool
            Run :meth:`validate` and raise one DataError listing every problem.
        backend : {"duckdb", "spark"}
            The engine: embedded DuckDB, or Spark (the active SparkSession, else a local
            one; needs ``effekt[spark]``).
        connection : Ibis connection, optional
            An Ibis DuckDB or PySpark connection to hold the tables (e.g.
            ``ibis.pyspark.connect(spark)`` on your cluster's session); overrides
            ``backend``.

        Returns
        -------
        RecordStore

        Raises
        ------
        DataError
            A file repeats a column name (also when case is ignored); a CSV file is empty,
            has a header but no rows, or is ragged (lines with another number of fields
            than the header; the message names them); on Spark, a CSV file or a
            timestamp column with a time zone; or, with ``validate``, the tables have
            problems (all listed at once).
        SpecError
            An unknown ``backend``, a ``connection`` that is not DuckDB or PySpark, or
            Spark without pyspark installed.
        """
        root = Path(folder)
        if not root.is_dir():
            raise DataError(f"folder={str(folder)!r} is not a folder with record tables.")
        if connection is not None:
            engine = engine_name(connection)
            con = connection
        else:
            con = connect(backend, database)
            engine = engine_name(con)
        if engine != "duckdb":
            return cls._open_spark(con, root, validate)
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
            in_place = database is None and path.suffix == ".parquet"
            try:
                if path.suffix == ".parquet":
                    loaded[name] = read_parquet(con, name, path, numbered=in_place)
                else:
                    loaded[name] = read_csv(con, name, path)
            except DataError:
                raise
            except Exception as exc:  # the engine's message names the file and line
                raise DataError(f"{name}: could not read {path}: {exc}") from exc
        for name, expr in _type_null_columns(loaded).items():
            if database is None and (root / f"{name}.parquet").is_file():
                con.create_view(name, expr, overwrite=True)  # read the file in place
                continue
            try:
                con.create_table(name, expr, overwrite=True)
            except Exception as exc:  # a ragged line past the part DuckDB sniffed
                if (root / f"{name}.csv").is_file():
                    raise csv_error(name, root / f"{name}.csv", exc) from exc
                raise DataError(f"{name}: could not load the table into DuckDB: {exc}") from exc
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

    @classmethod
    def _open_spark(cls, con: Any, root: Path, validate: bool) -> RecordStore:
        """Open a folder of Parquet record tables as temporary views in a Spark session."""
        loaded: dict[str, ir.Table] = {}
        for name in TABLES:
            if (root / f"{name}.csv").is_file():
                raise DataError(f"{name}: {root / f'{name}.csv'} is CSV; the Spark backend "
                                "reads Parquet files only: convert it to Parquet, or open "
                                "the folder on DuckDB (the default).")
            path = root / f"{name}.parquet"
            if path.is_file():
                try:
                    loaded[name] = read_parquet_spark(con, name, path)
                except (DataError, SpecError):
                    raise
                except Exception as exc:  # the engine's message names the file
                    raise DataError(f"{name}: could not read {path}: {exc}") from exc
        missing = [n for n in _REQUIRED if n not in loaded]
        if missing:
            raise DataError(f"{root} has no {', '.join(f'{n}.parquet' for n in missing)}; "
                            "the record store needs them.")
        views = {}
        for name, expr in _type_null_columns(loaded).items():
            views[name] = unique_name(name)
            con.create_view(views[name], expr, overwrite=True)
        store = cls(con, list(loaded), engine_names=views)
        if validate:
            store.validate()
        return store

    # -- access ---------------------------------------------------------------------------

    @property
    def con(self) -> Any:
        """The Ibis connection holding the tables (DuckDB or PySpark)."""
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
            table = self._con.table(self._engine_names.get(name, name))
            if ROW_NUMBER in table.columns:
                table = table.drop(ROW_NUMBER)
            self._cache[name] = _dates_as_dates(name, table)
        return self._cache[name]

    def _numbered(self, name: str) -> ir.Table:
        """Return the table ``name`` as :meth:`table` gives it, with its row numbers.

        The numbers are the order of the frame or file: a view of a Parquet file carries
        them as :data:`~effekt.data.schema.ROW_NUMBER`; a table copied into DuckDB keeps
        the rows in that order, as its ``rowid`` (from 0).
        """
        table = self._con.table(self._engine_names.get(name, name))
        if ROW_NUMBER not in table.columns:
            table = table.mutate(**{ROW_NUMBER: table.rowid() + 1})
        return _dates_as_dates(name, table)

    def validate(self) -> None:
        """Check every table; raise one DataError listing all problems, or return None.

        Checks: missing or misnamed columns, wrong types, missing values in required
        columns, ``end_date`` before ``start_date`` (and ``move_out_date`` before
        ``move_in_date``), references to unknown ``person_id``, ``family_id``,
        ``measure_id`` or ``provider_id`` (the last only when ``providers`` is present),
        duplicate keys, negative costs or units, and dates or birth years outside a
        plausible range (:data:`effekt.data.schema.DATE_RANGE`), and costs, units and
        outcome values that are not finite (NaN, inf, -inf) or exceed
        :data:`effekt.data.schema.MAX_ABS_VALUE` (1e12) in absolute value. Each line of the
        message names the table, the column, a count and the numbers of up to five of
        those rows (row 1 is the first row of the frame or file), never an identifier.

        Raises
        ------
        DataError
            Listing every problem found. Its attribute ``problems`` holds one
            ``effekt.data.validation.Problem`` per line, with ``table``, ``column``,
            ``n_rows``, ``rows`` (the row numbers shown) and ``keys`` (a DataFrame of those
            rows' identifying columns, indexed by row number: for your eyes, not for
            printing).

        Examples
        --------
        >>> from effekt.data import RecordStore
        >>> from effekt.synthetic.examples import record_tables
        >>> tables = record_tables()
        >>> tables["service_events"].loc[1, "cost_nok"] = -900.0
        >>> store = RecordStore.from_frames(**tables, validate=False)
        >>> try:
        ...     store.validate()
        ... except ValueError as err:
        ...     print(err.problems[0])
        ...     print(err.problems[0].keys.to_dict("index"))
        service_events.cost_nok: 1 row with a negative value; row 2 of service_events.
        {2: {'person_id': 2, 'measure_id': 1, 'start_date': Timestamp('2020-04-01 00:00:00')}}
        """
        raise_problems(find_problems({name: self._numbered(name) for name in self._names}))

    def __repr__(self) -> str:
        return f"RecordStore(tables={list(self._names)})"

