"""The engines that hold the record tables: embedded DuckDB (default) or Spark.

Every transformation in :mod:`effekt.data` is one Ibis expression, whatever the engine:
this module is only the edge where the tables enter it. :func:`connect` opens the
connection of a ``backend`` name; :func:`engine_name` says which engine an Ibis connection
is; :func:`read_parquet_spark` reads one Parquet file into Spark with its row numbers
(for validation messages), as :func:`effekt.data._load.read_parquet` does for DuckDB.

Spark is an optional extra (``pip install effekt[spark]``: pyspark and Ibis's PySpark
backend; Spark needs Java 17). :func:`spark_session` uses the active SparkSession when
there is one (the user's cluster) and otherwise starts a local one with its session time
zone set to UTC (so that dates never move a day).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, Literal

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.parquet as pq

from effekt.data._load import check_column_names
from effekt.data.schema import ROW_NUMBER
from effekt.errors import DataError, SpecError

__all__ = ["Backend", "connect", "engine_name", "read_parquet_spark", "spark_session"]

Backend = Literal["duckdb", "spark"]
ENGINES = ("duckdb", "pyspark")


def spark_session() -> Any:
    """Return the active SparkSession, or start a local one (``local[*]``, UTC, no UI).

    Raises
    ------
    SpecError
        pyspark is not installed (``pip install effekt[spark]``).
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise SpecError("backend='spark' needs pyspark and Ibis's PySpark backend: "
                        "pip install 'effekt[spark]' (and Java 17).") from exc
    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    session = (SparkSession.builder.master("local[*]").appName("effekt")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", "8")
            .getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    return session


def connect(backend: Backend, database: str | Path | None = None) -> Any:
    """Return a new Ibis connection of ``backend`` (``"duckdb"`` or ``"spark"``).

    ``database`` is a DuckDB database file (in memory when None); Spark takes none.

    Raises
    ------
    SpecError
        An unknown backend, a ``database`` with Spark, or pyspark missing.
    """
    if backend == "duckdb":
        return ibis.duckdb.connect() if database is None else ibis.duckdb.connect(
            database=str(database))
    if backend == "spark":
        if database is not None:
            raise SpecError("database= is a DuckDB file; backend='spark' keeps its tables "
                            "in the Spark session (give no database).")
        return ibis.pyspark.connect(spark_session())
    raise SpecError(f"backend={backend!r}: expected 'duckdb' or 'spark'.")


def engine_name(con: Any) -> str:
    """Return the engine of an Ibis connection (``"duckdb"`` or ``"pyspark"``).

    Raises
    ------
    SpecError
        Not an Ibis connection, or an engine effekt does not read record tables on.
    """
    name = getattr(con, "name", None)
    if name not in ENGINES:
        raise SpecError(f"connection={type(con).__name__}: effekt reads record tables on an "
                        "Ibis DuckDB or PySpark connection (ibis.duckdb.connect(), "
                        f"ibis.pyspark.connect(spark)); got {name or 'no Ibis backend'}.")
    return name


def unique_name(name: str) -> str:
    """Return the engine's name of a record table: unique in a shared Spark session."""
    return f"effekt_{uuid.uuid4().hex[:12]}_{name}"


def read_parquet_spark(con: Any, name: str, path: Path) -> ir.Table:
    """Read a Parquet file of table ``name`` into Spark, numbered in file order.

    The table gets :data:`~effekt.data.schema.ROW_NUMBER` (from 1, the file's row order,
    Spark's ``_metadata.row_index``) and is a temporary view named by :func:`unique_name`.

    Raises
    ------
    DataError
        A repeated column name, or a timestamp column with a time zone: Spark reads such
        an instant in its session time zone, and its date could move a day; store dates
        or timestamps without a zone (or use the DuckDB backend, which reads the
        wall-clock time in the column's own zone).
    SpecError
        Timestamp columns while the session's time zone is not UTC.
    """
    where = f"{name} ({path})"
    schema = pq.read_schema(path)
    check_column_names(where, schema.names)
    zoned = [f.name for f in schema if pa.types.is_timestamp(f.type) and f.type.tz is not None]
    if zoned:
        raise DataError(f"{where}: column(s) {', '.join(map(repr, zoned))} hold timestamps "
                        "with a time zone, which the Spark backend does not read (their "
                        "dates could move a day); store dates or timestamps without a zone, "
                        "or open the folder on DuckDB.")
    session = con._session
    stamps = [f.name for f in schema if pa.types.is_timestamp(f.type)]
    zone = session.conf.get("spark.sql.session.timeZone")
    if stamps and zone not in ("UTC", "Etc/UTC", "GMT", "Z", "+00:00"):
        raise SpecError(f"{where}: the Spark session's time zone is {zone!r}; effekt reads "
                        f"the timestamp column(s) {', '.join(map(repr, stamps))} as their "
                        "calendar dates only in a UTC session: set "
                        "spark.sql.session.timeZone=UTC (or store dates).")
    frame = session.read.parquet(str(path))
    frame = frame.select("*", (frame["_metadata.row_index"] + 1).alias(ROW_NUMBER))
    view = unique_name(name)
    frame.createOrReplaceTempView(view)
    return con.table(view)
