"""The record tables on Spark: the same Ibis expressions give the same rows as on DuckDB.

A local SparkSession (``effekt.data.engines.spark_session``) reads the committed synthetic
municipality; trajectories and panels built on it are compared with DuckDB's row for row
(``pandas.testing.assert_frame_equal``: values, dtypes, order). Spark needs pyspark
(``effekt[spark]``, in the dev set-up) and Java 17; without them the module is skipped,
except on CI, where a missing Spark is a failure.
"""

from __future__ import annotations

import os
import shutil
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from effekt.data import RecordStore, panel, trajectories
from effekt.errors import DataError, SpecError

SYNTHETIC = Path(__file__).resolve().parents[2] / "synthetic_data"


def _spark_missing() -> str | None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (pip install 'effekt[spark]')"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "Spark needs Java 17 (no java on PATH, no JAVA_HOME)"
    return None


_MISSING = _spark_missing()
if _MISSING and os.environ.get("CI"):
    raise RuntimeError(f"CI must run the Spark parity tests: {_MISSING}")
pytestmark = [
    pytest.mark.skipif(_MISSING is not None, reason=_MISSING or ""),
    # pyspark 4.0's toPandas passes pandas 3 a deprecated keyword: its warning, not ours
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]


@pytest.fixture(scope="module")
def stores() -> tuple[RecordStore, RecordStore]:
    spark = RecordStore.open(SYNTHETIC, backend="spark")
    duck = RecordStore.open(SYNTHETIC)
    return spark, duck


def _same(build, stores) -> pd.DataFrame:
    spark, duck = stores
    on_spark, on_duckdb = build(spark), build(duck)
    assert len(on_duckdb) > 1000
    pd.testing.assert_frame_equal(on_spark, on_duckdb)
    return on_duckdb


def test_the_store_is_on_spark(stores):
    spark, duck = stores
    assert spark.con.name == "pyspark" and duck.con.name == "duckdb"
    for name in spark.tables:
        assert spark.table(name).count().execute() == duck.table(name).count().execute()


def test_trajectories_by_person_are_identical(stores):
    out = _same(lambda s: trajectories(s), stores)
    assert out["person_id"].nunique() > 1000


def test_trajectories_by_family_are_identical(stores):
    _same(lambda s: trajectories(s, by="family"), stores)


def test_the_yearly_person_panel_is_identical(stores):
    out = _same(lambda s: panel(s, unit="person", period="year", exposure="holf"), stores)
    assert out["exposed"].any() and (out["cost_total"] > 0).any()


def test_a_family_panel_with_covariates_is_identical(stores):
    # district is a string: the members' most common value, ties to the smallest value
    out = _same(lambda s: panel(s, unit="family", period="year", exposure="holf",
                                covariates=["district", "poverty", "n_children"]), stores)
    assert out["district"].notna().all()


def test_validation_finds_the_same_problems_on_spark(tmp_path):
    for name in ("persons", "service_events", "providers", "measures", "exposures"):
        src = SYNTHETIC / f"{name}.parquet"
        if src.is_file():
            shutil.copy(src, tmp_path / src.name)
    persons = pd.read_parquet(SYNTHETIC / "persons.parquet")
    persons.loc[persons.index[3], "person_id"] = persons["person_id"].iloc[2]
    persons.to_parquet(tmp_path / "persons.parquet", index=False)
    problems = {}
    for backend in ("spark", "duckdb"):
        with pytest.raises(DataError) as err:
            RecordStore.open(tmp_path, backend=backend)
        problems[backend] = str(err.value)
    assert "person_id" in problems["spark"]
    assert problems["spark"] == problems["duckdb"]


def test_spark_reads_parquet_only(tmp_path):
    shutil.copytree(SYNTHETIC, tmp_path / "data")
    persons = pd.read_parquet(tmp_path / "data" / "persons.parquet")
    (tmp_path / "data" / "persons.parquet").unlink()
    persons.to_csv(tmp_path / "data" / "persons.csv", index=False)
    with pytest.raises(DataError, match=r"persons\.csv is CSV; the Spark backend reads "
                                        "Parquet files only"):
        RecordStore.open(tmp_path / "data", backend="spark")


def test_a_zoned_timestamp_is_refused_on_spark(tmp_path):
    shutil.copytree(SYNTHETIC, tmp_path / "data")
    path = tmp_path / "data" / "service_events.parquet"
    events = pq.read_table(path)
    i = events.schema.get_field_index("start_date")
    zoned = events["start_date"].cast(pa.timestamp("us")).cast(pa.timestamp("us", tz="UTC"))
    pq.write_table(events.set_column(i, "start_date", zoned), path)
    with pytest.raises(DataError, match=r"'start_date' hold timestamps with a time zone"):
        RecordStore.open(tmp_path / "data", backend="spark")


def test_a_session_outside_utc_is_refused_when_there_are_timestamps(stores):
    import ibis

    spark_store, _ = stores
    session = spark_store.con._session
    con = ibis.pyspark.connect(session)  # Ibis sets the session's zone to UTC here
    session.conf.set("spark.sql.session.timeZone", "Europe/Oslo")  # changed since
    try:
        with pytest.raises(SpecError, match="the Spark session's time zone is 'Europe/Oslo'"):
            RecordStore.open(SYNTHETIC, connection=con)
    finally:
        session.conf.set("spark.sql.session.timeZone", "UTC")


def test_the_readme_spark_example_runs(stores, tmp_path, monkeypatch):
    # the README's "When to switch to Spark" block (fenced ```py, so that
    # tests/test_readme.py does not run it without Spark), on the synthetic folder
    import re

    readme = (SYNTHETIC.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## When to switch to Spark"):]
    code = re.search(r"```py\n(.*?)```", section, re.S).group(1)
    assert '"/shared/registry"' in code
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        exec(code.replace('"/shared/registry"', repr(str(SYNTHETIC))), scope)
    assert len(scope["forlop"]) > 1000 and scope["p"]["balanced"].all()
    assert np.isfinite(scope["gt"].aggregate("simple").overall_att)
