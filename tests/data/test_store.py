"""RecordStore: loading record tables and validating them (every problem at once)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from effekt.data import TABLES, RecordStore
from effekt.errors import DataError, SpecError

_SYNTHETIC = Path(__file__).resolve().parents[2] / "synthetic_data"


def _frames() -> dict[str, pd.DataFrame]:
    persons = pd.DataFrame(
        {
            "person_id": [1, 2, 3],
            "family_id": [10, 10, 20],
            "birth_year": [1985, 2015, 2001],
            "sex": ["f", "m", "f"],
            "district": ["Sandvika", "Sandvika", "Bekkestua"],
            "provider_id": [100, 101, 100],
        }
    )
    measures = pd.DataFrame(
        {
            "measure_id": [1, 2],
            "name": ["Helsestasjon", "Sosialhjelp"],
            "sector": ["helse_sosial", "nav"],
            "unit": ["hour", "month"],
            "unit_cost_nok": [900.0, 8000.0],
            "target_group": ["risk_family_0_2", "poverty"],
        }
    )
    events = pd.DataFrame(
        {
            "person_id": [1, 2, 3, 3],
            "measure_id": [2, 1, 1, 2],
            "start_date": pd.to_datetime(["2020-01-01", "2020-02-01", "2020-03-01", "2020-04-01"]),
            "end_date": pd.to_datetime(["2020-01-31", "2020-02-01", "2020-03-02", "2020-04-30"]),
            "units": [1.0, 2.0, 1.0, 1.0],
            "cost_nok": [8000.0, 1800.0, 900.0, 8000.0],
            "provider_id": [100, 101, 100, 100],
        }
    )
    outcomes = pd.DataFrame(
        {
            "person_id": [1, 2],
            "date": pd.to_datetime(["2020-06-30", "2020-06-30"]),
            "outcome": ["absence_days", "absence_days"],
            "value": [3.0, 0.0],
        }
    )
    exposures = pd.DataFrame(
        {
            "person_id": [1, None],
            "family_id": [None, 20],
            "provider_id": [None, None],
            "pilot": ["holf", "holf"],
            "start_date": pd.to_datetime(["2020-05-01", "2020-08-01"]),
        }
    )
    exposures["person_id"] = exposures["person_id"].astype("Int64")
    exposures["family_id"] = exposures["family_id"].astype("Int64")
    providers = pd.DataFrame(
        {
            "provider_id": [100, 101],
            "provider_type": ["school", "health_station"],
            "district": ["Sandvika", "Sandvika"],
            "name": ["Sandvika skole", "Sandvika helsestasjon"],
        }
    )
    return {
        "persons": persons,
        "measures": measures,
        "service_events": events,
        "outcomes": outcomes,
        "exposures": exposures,
        "providers": providers,
    }


def _error(**changes: pd.DataFrame | None) -> DataError:
    frames = _frames() | changes
    with pytest.raises(DataError) as info:
        RecordStore.from_frames(**frames)
    return info.value


def _problems(**changes: pd.DataFrame | None) -> str:
    return str(_error(**changes))


# -- loading ----------------------------------------------------------------------------------


def test_from_frames_valid_store_has_tables_as_ibis():
    store = RecordStore.from_frames(**_frames())
    assert store.tables == tuple(TABLES)
    events = store.table("service_events")
    assert events.schema()["start_date"].is_date()
    assert int(events.count().to_pandas()) == 4
    assert float(events.cost_nok.sum().to_pandas()) == 18700.0
    assert int(store.con.table("persons").count().to_pandas()) == 3
    assert store.validate() is None


def test_optional_tables_may_be_absent():
    f = _frames()
    store = RecordStore.from_frames(f["persons"], f["measures"], f["service_events"])
    assert store.tables == ("persons", "measures", "service_events")
    assert not store.has("outcomes")
    with pytest.raises(DataError, match="table 'outcomes' is not in the record store"):
        store.table("outcomes")


def test_open_parquet_and_csv_folders(tmp_path):
    frames = _frames()
    pq_dir, csv_dir = tmp_path / "pq", tmp_path / "csv"
    pq_dir.mkdir()
    csv_dir.mkdir()
    for name, frame in frames.items():
        frame.to_parquet(pq_dir / f"{name}.parquet")
        frame.to_csv(csv_dir / f"{name}.csv", index=False)
    for folder in (pq_dir, csv_dir):
        store = RecordStore.open(folder)
        assert store.tables == tuple(TABLES)
        events = store.table("service_events").order_by("start_date").to_pandas()
        assert events["cost_nok"].tolist() == [8000.0, 1800.0, 900.0, 8000.0]
        assert events["start_date"].iloc[0] == pd.Timestamp("2020-01-01")


def test_open_persistent_database(tmp_path):
    folder = tmp_path / "records"
    folder.mkdir()
    for name in ("persons", "measures", "service_events"):
        _frames()[name].to_parquet(folder / f"{name}.parquet")
    db = tmp_path / "records.duckdb"
    RecordStore.open(folder, database=db)
    assert db.is_file()
    import ibis

    con = ibis.duckdb.connect(database=str(db))
    assert int(con.table("service_events").count().to_pandas()) == 4


def test_open_requires_the_three_tables(tmp_path):
    _frames()["persons"].to_csv(tmp_path / "persons.csv", index=False)
    with pytest.raises(DataError, match=r"has no measures\.parquet or measures\.csv"):
        RecordStore.open(tmp_path)


def test_open_rejects_two_files_for_one_table(tmp_path):
    for name, frame in _frames().items():
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    _frames()["persons"].to_parquet(tmp_path / "persons.parquet")
    with pytest.raises(DataError, match="both persons.parquet and persons.csv"):
        RecordStore.open(tmp_path)


def test_all_null_id_column_is_typed_like_other_ids():
    f = _frames()
    f["service_events"]["provider_id"] = None
    store = RecordStore.from_frames(**f)
    assert store.table("service_events").schema()["provider_id"].is_integer()


def test_validate_false_defers_the_check():
    events = _frames()["service_events"].assign(cost_nok=-1.0)
    store = RecordStore.from_frames(**(_frames() | {"service_events": events}), validate=False)
    with pytest.raises(DataError, match="service_events.cost_nok: 4 rows with a negative value"):
        store.validate()


# -- one test per validation problem ------------------------------------------------------


def test_missing_column():
    msg = _problems(measures=_frames()["measures"].drop(columns="sector"))
    assert "measures.sector: column missing; columns present: measure_id, name, unit" in msg


def test_misnamed_column():
    msg = _problems(persons=_frames()["persons"].rename(columns={"person_id": "PersonID"}))
    assert "persons.person_id: column missing (is 'PersonID' meant? rename it to 'person_id')" in (
        msg
    )


def test_wrong_type():
    events = _frames()["service_events"]
    events["cost_nok"] = ["8000", "1 800", "900", "n/a"]
    msg = _problems(service_events=events)
    assert (
        "service_events.cost_nok: wrong type string, expected a number; 2 of 4 rows do not "
        "convert to float64; rows 2, 4 of service_events (values '1 800', 'n/a')."
    ) in msg


def test_end_before_start():
    events = _frames()["service_events"]
    events.loc[1, "end_date"] = pd.Timestamp("2020-01-15")
    msg = _problems(service_events=events)
    assert (
        "service_events.end_date: 1 row with end_date before start_date; "
        "row 2 of service_events."
    ) in msg


def test_unknown_measure_id():
    events = _frames()["service_events"]
    events.loc[0, "measure_id"] = 99
    msg = _problems(service_events=events)
    assert (
        "service_events.measure_id: 1 row refers to a measure_id not in measures.measure_id; "
        "row 1 of service_events."
    ) in msg


def test_unknown_person_id():
    events = _frames()["service_events"]
    events.loc[2:3, "person_id"] = 7
    msg = _problems(service_events=events)
    assert (
        "service_events.person_id: 2 rows refer to a person_id not in persons.person_id; "
        "rows 3, 4 of service_events."
    ) in msg


def test_unknown_family_id_in_exposures():
    exposures = _frames()["exposures"]
    exposures.loc[1, "family_id"] = 99
    msg = _problems(exposures=exposures)
    assert "exposures.family_id: 1 row refers to a family_id not in persons.family_id" in msg


def test_duplicate_keys():
    measures = _frames()["measures"]
    measures.loc[1, "measure_id"] = 1
    msg = _problems(measures=measures)
    assert (
        "measures.measure_id: 2 rows share 1 duplicate key; expected one row per "
        "(measure_id); rows 1, 2 of measures."
    ) in msg


def test_negative_cost():
    events = _frames()["service_events"]
    events.loc[3, "cost_nok"] = -8000.0
    msg = _problems(service_events=events)
    assert "service_events.cost_nok: 1 row with a negative value; row 4 of service_events." in msg


def test_negative_units():
    events = _frames()["service_events"]
    events.loc[0, "units"] = -1.0
    msg = _problems(service_events=events)
    assert "service_events.units: 1 row with a negative value; row 1 of service_events." in msg


def test_date_outside_plausible_range():
    outcomes = _frames()["outcomes"]
    outcomes.loc[1, "date"] = pd.Timestamp("1900-01-01")
    msg = _problems(outcomes=outcomes)
    assert (
        "outcomes.date: 1 row with a date outside the plausible range 1901-01-01 to 2099-12-31; "
        "row 2 of outcomes."
    ) in msg


def test_birth_year_outside_plausible_range():
    persons = _frames()["persons"]
    persons.loc[0, "birth_year"] = 19850
    msg = _problems(persons=persons)
    assert "persons.birth_year: 1 row with a birth_year outside the plausible range" in msg


def test_missing_value_in_required_column():
    events = _frames()["service_events"]
    events.loc[1, "start_date"] = pd.NaT
    msg = _problems(service_events=events)
    assert "service_events.start_date: 1 row with a missing value" in msg


def test_unknown_provider_when_providers_given():
    persons = _frames()["persons"]
    persons.loc[2, "provider_id"] = 555
    msg = _problems(persons=persons)
    assert (
        "persons.provider_id: 1 row refers to a provider_id not in providers.provider_id; "
        "row 3 of persons."
    ) in msg


def test_every_problem_reported_at_once_with_row_numbers():
    events = _frames()["service_events"]
    events["cost_nok"] = -1.0
    events.loc[0, "end_date"] = pd.Timestamp("2019-01-01")
    measures = _frames()["measures"].rename(columns={"unit_cost_nok": "unit_cost"})
    msg = _problems(service_events=events, measures=measures)
    lines = msg.splitlines()
    assert lines[0] == ("3 problems in the record tables (rows are counted from 1 in each frame "
                        "or file, a CSV header not counted):")
    assert len(lines) == 4
    negative = [line for line in lines if "cost_nok: 4" in line][0]
    assert negative == ("  - service_events.cost_nok: 4 rows with a negative value; "
                        "rows 1, 2, 3, 4 of service_events.")
    assert "measures.unit_cost_nok: column missing (is 'unit_cost' meant?" in msg


def test_at_most_five_row_numbers_then_dots():
    events = pd.concat([_frames()["service_events"]] * 3, ignore_index=True)
    events["start_date"] = pd.date_range("2020-01-01", periods=12, freq="7D")
    events["end_date"] = events["start_date"]
    events["units"] = -1.0
    msg = _problems(service_events=events)
    assert ("service_events.units: 12 rows with a negative value; "
            "rows 1, 2, 3, 4, 5, ... of service_events.") in msg


def test_messages_name_rows_never_identifiers_and_the_error_carries_the_keys():
    frames = _frames()
    for name in ("persons", "service_events", "outcomes", "exposures"):
        for col in ("person_id", "family_id"):
            if col in frames[name]:
                frames[name][col] = frames[name][col].map(
                    lambda v: None if pd.isna(v) else f"0101{int(v):07d}")
    frames["service_events"].loc[2, "person_id"] = "31129912345"
    frames["service_events"].loc[3, "cost_nok"] = -1.0
    frames["persons"].loc[1, "person_id"] = frames["persons"].loc[0, "person_id"]
    with pytest.raises(DataError) as info:
        RecordStore.from_frames(**frames)
    msg = str(info.value)
    assert "0101" not in msg and "31129912345" not in msg
    assert "persons.person_id: 2 rows share 1 duplicate key; expected one row per (person_id); " \
        "rows 1, 2 of persons." in msg
    assert "service_events.person_id: 2 rows refer to a person_id not in persons.person_id; " \
        "rows 2, 3 of service_events." in msg
    by_line = {(p.table, p.column): p for p in info.value.problems}
    orphans = by_line["service_events", "person_id"]
    assert orphans.n_rows == 2 and orphans.rows == (2, 3)
    assert orphans.keys.index.name == "row"
    assert orphans.keys.loc[3, "person_id"] == "31129912345"
    assert by_line["service_events", "cost_nok"].keys.loc[4, "measure_id"] == 2
    assert str(orphans) in msg


def test_data_error_is_value_error():
    with pytest.raises(ValueError, match="problem"):
        RecordStore.from_frames(**(_frames() | {"persons": _frames()["persons"].head(0)}))


def test_not_a_frame():
    with pytest.raises(DataError, match="persons must be a pandas DataFrame or pyarrow Table"):
        RecordStore.from_frames(**(_frames() | {"persons": [1, 2]}))


def test_bad_engines_are_spec_errors(tmp_path):
    with pytest.raises(SpecError, match=r"backend='oracle': expected 'duckdb' or 'spark'"):
        RecordStore.open(_SYNTHETIC, backend="oracle")
    with pytest.raises(SpecError, match=r"connection=dict: effekt reads record tables on an "
                                        "Ibis DuckDB or PySpark connection"):
        RecordStore.open(_SYNTHETIC, connection={})
    with pytest.raises(SpecError, match="database= is a DuckDB file"):
        RecordStore.open(_SYNTHETIC, database=tmp_path / "x.duckdb", backend="spark")
