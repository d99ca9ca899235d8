"""Boundary checks of the data layer (issue 10): every bad input refused, at the door, with
a message that names the table or argument, the column, the row or value, and what is
allowed; time-zone-aware dates read as their own calendar date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from effekt.data import RecordStore, panel
from effekt.errors import DataError, SpecError

OSLO = "Europe/Oslo"


def _frames() -> dict[str, pd.DataFrame]:
    persons = pd.DataFrame({"person_id": [1, 2, 3], "family_id": [10, 10, 20],
                            "birth_year": [1985, 2015, 2001], "sex": ["f", "m", "f"],
                            "district": ["Sandvika", "Sandvika", "Bekkestua"]})
    measures = pd.DataFrame({"measure_id": [1, 2], "name": ["Helsestasjon", "Sosialhjelp"],
                             "sector": ["helse_sosial", "nav"], "unit": ["hour", "month"],
                             "unit_cost_nok": [900.0, 8000.0],
                             "target_group": ["risk_family_0_2", "poverty"]})
    events = pd.DataFrame({
        "person_id": [1, 2, 3, 3],
        "measure_id": [2, 1, 1, 2],
        "start_date": pd.to_datetime(["2020-01-01", "2020-02-01", "2020-03-01", "2021-01-01"]),
        "end_date": pd.to_datetime(["2020-01-31", "2020-02-01", "2020-03-02", "2021-01-31"]),
        "units": [1.0, 2.0, 1.0, 1.0],
        "cost_nok": [8000.0, 1800.0, 900.0, 8000.0],
        "provider_id": [None, None, None, None],
    })
    outcomes = pd.DataFrame({"person_id": [1, 2, 3],
                             "date": pd.to_datetime(["2020-06-30", "2020-06-30", "2021-01-01"]),
                             "outcome": ["absence_days"] * 3, "value": [3.0, 0.0, 1.0]})
    exposures = pd.DataFrame({"person_id": [3], "family_id": [None], "provider_id": [None],
                              "pilot": ["holf"], "start_date": pd.to_datetime(["2021-01-01"])})
    return {"persons": persons, "measures": measures, "service_events": events,
            "outcomes": outcomes, "exposures": exposures}


def _error(**changes: object) -> str:
    with pytest.raises(DataError) as info:
        RecordStore.from_frames(**(_frames() | changes))
    return str(info.value)


def _write(folder, frames, fmt="parquet"):
    folder.mkdir(exist_ok=True)
    for name, frame in frames.items():
        if fmt == "parquet":
            frame.to_parquet(folder / f"{name}.parquet")
        else:
            frame.to_csv(folder / f"{name}.csv", index=False)
    return folder


def _oslo_midnights(frames):
    """Every date column as an Oslo timestamp at midnight of the same calendar day."""
    out = {}
    for name, frame in frames.items():
        frame = frame.copy()
        for col in ("start_date", "end_date", "date"):
            if col in frame:
                frame[col] = frame[col].dt.tz_localize(OSLO)
        out[name] = frame
    return out


def _dates(store):
    events = store.table("service_events").order_by("start_date").to_pandas()
    outcomes = store.table("outcomes").order_by("date").to_pandas()
    exposures = store.table("exposures").to_pandas()
    return (events["start_date"].dt.date.tolist(), outcomes["date"].dt.date.tolist(),
            exposures["start_date"].dt.date.tolist())


EXPECTED = ([dt.date(2020, 1, 1), dt.date(2020, 2, 1), dt.date(2020, 3, 1), dt.date(2021, 1, 1)],
            [dt.date(2020, 6, 30), dt.date(2020, 6, 30), dt.date(2021, 1, 1)],
            [dt.date(2021, 1, 1)])


# -- 1. time-zone-aware dates are their own calendar date -------------------------------------


def test_oslo_midnight_stays_the_same_day_from_pandas_frames():
    store = RecordStore.from_frames(**_oslo_midnights(_frames()))
    assert _dates(store) == EXPECTED
    p = panel(store, period="year", exposure="holf")
    assert sorted(p["period"].unique()) == [2020, 2021]  # not 2019
    assert p.loc[p["person_id"] == 3, "cohort"].unique().tolist() == [2021]  # not 2020
    q = panel(store, period="quarter", outcomes=["absence_days"])
    assert q.groupby("period")["absence_days"].sum().to_dict() == {
        2020 * 4: 0.0, 2020 * 4 + 1: 3.0, 2020 * 4 + 2: 0.0, 2020 * 4 + 3: 0.0, 2021 * 4: 1.0}


def test_late_evening_and_other_zones_keep_their_wall_clock_date():
    frames = _frames()
    # 23:30 in Oslo is 22:30 UTC the same day; 00:30 in Tokyo is 15:30 UTC the day before
    frames["service_events"]["start_date"] = pd.to_datetime(
        ["2020-01-01 23:30", "2020-02-01 00:30", "2020-03-01 00:30", "2021-01-01 00:00"]
    ).tz_localize("Asia/Tokyo")
    frames["service_events"]["end_date"] = frames["service_events"]["start_date"]
    store = RecordStore.from_frames(**frames)
    assert _dates(store)[0] == EXPECTED[0]


def test_zoned_pyarrow_tables_keep_their_wall_clock_date():
    frames = {k: pa.Table.from_pandas(v, preserve_index=False)
              for k, v in _oslo_midnights(_frames()).items()}
    assert frames["outcomes"].schema.field("date").type.tz == OSLO
    assert _dates(RecordStore.from_frames(**frames)) == EXPECTED


@pytest.mark.parametrize("database", [False, True], ids=["in_place", "database"])
def test_zoned_parquet_files_keep_their_wall_clock_date(tmp_path, database):
    folder = _write(tmp_path / "pq", _oslo_midnights(_frames()))
    db = tmp_path / "store.duckdb" if database else None
    assert _dates(RecordStore.open(folder, database=db)) == EXPECTED


def test_parquet_with_a_fixed_utc_offset_keeps_its_wall_clock_date(tmp_path):
    frames = _oslo_midnights(_frames())
    folder = _write(tmp_path / "pq", frames)
    stamps = pd.to_datetime(["2020-06-30 00:00+02:00", "2020-06-30 00:00+02:00",
                             "2021-01-01 00:00+01:00"], utc=True).tz_convert("+01:00")
    outcomes = pa.Table.from_pandas(frames["outcomes"].assign(date=stamps), preserve_index=False)
    assert outcomes.schema.field("date").type.tz == "+01:00"
    pq.write_table(outcomes, folder / "outcomes.parquet")
    # 2020-06-30 00:00+02:00 is 2020-06-29 23:00+01:00: its own (+01:00) date is 29 June
    assert _dates(RecordStore.open(folder))[1] == [dt.date(2020, 6, 29), dt.date(2020, 6, 29),
                                                   dt.date(2021, 1, 1)]


def test_csv_timestamps_with_a_utc_offset_keep_their_wall_clock_date(tmp_path):
    folder = _write(tmp_path / "csv", _oslo_midnights(_frames()), fmt="csv")
    assert "2020-01-01 00:00:00+01:00" in (folder / "service_events.csv").read_text()
    assert _dates(RecordStore.open(folder)) == EXPECTED


def test_the_rule_is_in_the_docstring_and_the_contracts():
    assert "never converted to another zone" in " ".join(RecordStore.__doc__.split())
    contracts = (Path(__file__).parents[2] / "docs" / "contracts.md").read_text()
    assert "A timestamp with a time zone is its own calendar date" in contracts


# -- 2. non-finite and absurd numbers ---------------------------------------------------------


def test_non_finite_and_absurd_numbers_are_refused_all_at_once():
    f = _frames()
    f["service_events"].loc[1, "cost_nok"] = np.inf
    f["service_events"].loc[2, "cost_nok"] = 1e308
    f["service_events"].loc[0, "units"] = -np.inf
    f["measures"].loc[1, "unit_cost_nok"] = 2e12
    f["outcomes"].loc[2, "value"] = -1e300
    msg = _error(**f)
    lines = msg.splitlines()
    assert lines[0].startswith("5 problems in the record tables")
    assert ("service_events.cost_nok: 1 row with a value that is not a finite number "
            "(NaN, inf or -inf); row 2 of service_events.") in msg
    assert ("service_events.cost_nok: 1 row with an absolute value above 1e+12, the largest "
            "allowed; row 3 of service_events.") in msg
    assert ("service_events.units: 1 row with a value that is not a finite number (NaN, inf or "
            "-inf); row 1 of service_events.") in msg
    assert "measures.unit_cost_nok: 1 row with an absolute value above 1e+12" in msg
    assert ("outcomes.value: 1 row with an absolute value above 1e+12, the largest allowed; "
            "row 3 of outcomes.") in msg
    assert "negative" not in msg  # -inf is reported once, as not finite


def test_nan_in_arrow_data_is_refused_but_pandas_missing_values_stay_missing():
    f = _frames()
    value = pa.array([3.0, float("nan"), 1.0], from_pandas=False)  # a NaN, not a null
    outcomes = pa.Table.from_pandas(f["outcomes"], preserve_index=False).set_column(
        3, "value", value)
    msg = _error(outcomes=outcomes)
    assert "outcomes.value: 1 row with a value that is not a finite number" in msg
    assert "row 2 of outcomes" in msg
    units = f["service_events"].assign(units=[1.0, np.nan, 1.0, 1.0])  # nullable: allowed
    RecordStore.from_frames(**(f | {"service_events": units}))


def test_the_largest_allowed_value_is_accepted():
    events = _frames()["service_events"].assign(cost_nok=1e12)
    RecordStore.from_frames(**(_frames() | {"service_events": events}))


def test_non_finite_numbers_in_parquet_are_refused(tmp_path):
    f = _frames()
    f["outcomes"] = f["outcomes"].assign(value=[1.0, np.inf, 1.0])
    with pytest.raises(DataError, match=r"outcomes\.value: 1 row with a value that is not a "
                                        r"finite number \(NaN, inf or -inf\); row 2 of outcomes"):
        RecordStore.open(_write(tmp_path / "pq", f))


# -- 3. panel(start=, end=) -------------------------------------------------------------------


@pytest.fixture(scope="module")
def store() -> RecordStore:
    return RecordStore.from_frames(**_frames())


@pytest.mark.parametrize("start", [2020, np.int64(2020), "2020-01-01", dt.date(2020, 1, 1),
                                   pd.Timestamp("2020-01-01"), np.datetime64("2020-01-01"),
                                   "2020-01-01T00:00:00+01:00",
                                   pd.Timestamp("2020-01-01", tz=OSLO)])
def test_panel_start_takes_dates_date_strings_and_int_years(store, start):
    p = panel(store, period="month", start=start, end=2021)
    assert p["period"].min() == 2020 * 12
    assert p["period"].max() == 2021 * 12 + 11  # an int end year means its last day


def test_panel_int_years_give_the_years_not_an_empty_panel(store):
    p = panel(store, period="year", start=2020, end=2020)
    assert len(p) == 3 and p["period"].unique().tolist() == [2020]


@pytest.mark.parametrize(("value", "why"), [
    (pd.NaT, "start=NaT is not a date"),
    (np.datetime64("NaT"), r"start=np.datetime64\('NaT'.* is not a date"),
    (float("nan"), "start=nan is not a date"),
    (2020.0, "start=2020.0 is not a date"),
    (True, "start=True is not a date"),
    ([2020], r"start=\[2020\] is not a date"),
    ("01.02.2020", "start='01.02.2020' is not an ISO date string"),
    ("2020", "start='2020' is not an ISO date string"),
    (20200101, "start=20200101 is not a year from 1901 to 2099"),
    ("1850-01-01", "start='1850-01-01' is outside the plausible range 1901-01-01 to 2099-12-31"),
])
def test_panel_start_refuses_anything_else(store, value, why):
    with pytest.raises(SpecError, match=why) as info:
        panel(store, start=value)
    if "plausible" not in why:
        assert ("give a date, an ISO date string such as '2020-01-01', or a year as an int "
                "such as 2020.") in str(info.value)


def test_panel_end_is_checked_too_and_must_not_come_before_start(store):
    with pytest.raises(SpecError, match="end=NaT is not a date"):
        panel(store, end=pd.NaT)
    with pytest.raises(SpecError, match="end=2019 comes before start='2020-06-01'"):
        panel(store, start="2020-06-01", end=2019)


# -- 4. duplicated column names ---------------------------------------------------------------


def test_duplicated_column_in_a_frame():
    events = _frames()["service_events"]
    events.insert(6, "cost_nok", 1.0, allow_duplicates=True)
    msg = _error(service_events=events)
    assert msg == ("service_events: column 'cost_nok' appears 2 times; each column name may "
                   "appear only once.")


def test_columns_differing_only_in_case():
    persons = _frames()["persons"].assign(Sex="f")
    assert _error(persons=persons) == (
        "persons: columns 'sex' and 'Sex' differ only in case, and DuckDB takes them for one "
        "column; rename one of them.")


def test_duplicated_column_in_a_pyarrow_table():
    persons = pa.Table.from_pandas(_frames()["persons"], preserve_index=False)
    persons = persons.append_column("district", persons.column("district"))
    assert "persons: column 'district' appears 2 times" in _error(persons=persons)


def test_reserved_row_number_column():
    persons = _frames()["persons"].assign(_effekt_row=1)
    assert "persons: column '_effekt_row' is reserved" in _error(persons=persons)


def test_duplicated_column_in_a_csv_file(tmp_path):
    folder = _write(tmp_path / "csv", _frames(), fmt="csv")
    (folder / "measures.csv").write_text(
        "measure_id,name,sector,unit,unit_cost_nok,sector\n1,a,nav,hour,1,nav\n")
    with pytest.raises(DataError) as info:
        RecordStore.open(folder)
    assert str(info.value) == (
        f"measures ({folder / 'measures.csv'}): column 'sector' appears 2 times; each column "
        f"name may appear only once.")


def test_duplicated_column_in_a_parquet_file(tmp_path):
    folder = _write(tmp_path / "pq", _frames())
    outcomes = pa.Table.from_pandas(_frames()["outcomes"], preserve_index=False)
    pq.write_table(outcomes.append_column("value", outcomes.column("value")),
                   folder / "outcomes.parquet")
    with pytest.raises(DataError, match=r"outcomes \(.*outcomes\.parquet\): column 'value' "
                                        r"appears 2 times"):
        RecordStore.open(folder)


# -- 5. empty, header-only and ragged CSV files -----------------------------------------------


@pytest.fixture()
def csv_folder(tmp_path):
    return _write(tmp_path / "csv", _frames(), fmt="csv")


def _open_error(folder) -> str:
    with pytest.raises(DataError) as info:
        RecordStore.open(folder)
    return str(info.value)


def test_empty_csv_file(csv_folder):
    (csv_folder / "persons.csv").write_text("")
    assert _open_error(csv_folder) == (
        f"persons: {csv_folder / 'persons.csv'} is empty; a CSV file needs a header line "
        f"naming the columns, then one line per row.")


def test_csv_file_with_an_empty_first_line(csv_folder):
    (csv_folder / "outcomes.csv").write_text("\n\n")
    assert f"outcomes: {csv_folder / 'outcomes.csv'} has no header line (its first line is " \
        "empty)" in _open_error(csv_folder)


def test_header_only_csv_file(csv_folder):
    (csv_folder / "service_events.csv").write_text(
        "person_id,measure_id,start_date,end_date,units,cost_nok,provider_id\n")
    assert _open_error(csv_folder) == (
        f"service_events: {csv_folder / 'service_events.csv'} has a header line but no rows; a "
        f"record table needs at least one row (leave out the file of an optional table "
        f"instead).")


def test_ragged_csv_file(csv_folder):
    (csv_folder / "measures.csv").write_text(
        "measure_id,name,sector,unit,unit_cost_nok,target_group\n"
        "1,Helsestasjon,helse_sosial,hour,900,risk\n"
        "2,Sosialhjelp,nav,month\n"
        "3,Tiltak,barnevern,decision,1,x,extra\n")
    assert _open_error(csv_folder) == (
        f"measures: {csv_folder / 'measures.csv'} is ragged: the header has 6 fields "
        f"(delimiter ','), but line 3 has 4, line 4 has 7; every line needs one field per "
        f"column.")


def test_ragged_line_far_down_a_long_csv_file(csv_folder):
    n = 30_000  # beyond the rows DuckDB samples to detect the dialect
    persons = pd.DataFrame({"person_id": range(1, n + 1), "family_id": 1, "birth_year": 1990,
                            "sex": "f", "district": "Sandvika"})
    text = persons.to_csv(index=False) + "9,9,1990,f\n"
    (csv_folder / "persons.csv").write_text(text)
    msg = _open_error(csv_folder)
    assert msg.endswith(f"is ragged: the header has 5 fields (delimiter ','), but line {n + 2} "
                        f"has 4; every line needs one field per column.")


def test_csv_file_that_is_not_utf8(csv_folder):
    (csv_folder / "persons.csv").write_bytes("person_id,f\u00f8dt\n".encode("latin-1"))
    assert "persons.csv is not UTF-8 text; save it as UTF-8." in _open_error(csv_folder)


def test_semicolon_csv_files_still_read(tmp_path):
    folder = tmp_path / "semi"
    folder.mkdir()
    for name, frame in _frames().items():
        frame.to_csv(folder / f"{name}.csv", index=False, sep=";")
    store = RecordStore.open(folder)
    assert int(store.table("service_events").count().to_pandas()) == 4


# -- 6. validation messages name rows by number -----------------------------------------------


@pytest.mark.parametrize("fmt", ["parquet", "csv", "database"])
def test_row_numbers_follow_the_file_order(tmp_path, fmt):
    f = _frames()
    f["service_events"].loc[2, "cost_nok"] = -1.0
    f["outcomes"].loc[[0, 2], "person_id"] = 99
    folder = _write(tmp_path / fmt, f, fmt="csv" if fmt == "csv" else "parquet")
    db = tmp_path / "store.duckdb" if fmt == "database" else None
    with pytest.raises(DataError) as info:
        RecordStore.open(folder, database=db)
    msg = str(info.value)
    assert "service_events.cost_nok: 1 row with a negative value; row 3 of service_events." in msg
    assert ("outcomes.person_id: 2 rows refer to a person_id not in persons.person_id; "
            "rows 1, 3 of outcomes.") in msg
    assert "99" not in msg
    orphans = [p for p in info.value.problems if p.column == "person_id"][0]
    assert orphans.keys["person_id"].tolist() == [99, 99]
    # the row number is not a column of the tables
    store = RecordStore.open(folder, database=tmp_path / "other.duckdb", validate=False)
    assert "_effekt_row" not in store.table("service_events").columns


def test_duplicate_keys_with_missing_values_are_numbered():
    exposures = pd.concat([_frames()["exposures"]] * 2, ignore_index=True)
    msg = _error(exposures=exposures)
    assert ("exposures.pilot, person_id, family_id, provider_id: 2 rows share 1 duplicate key; "
            "expected one row per (pilot, person_id, family_id, provider_id); rows 1, 2 of "
            "exposures.") in msg


def test_an_id_of_the_wrong_type_shows_no_values():
    persons = _frames()["persons"].assign(person_id=[1.5, 2.0, 3.0])
    msg = _error(persons=persons)
    assert "persons.person_id: wrong type float64, expected an integer or string id (3 rows)." in (
        msg)
    assert "1.5" not in msg


def test_wrong_type_beside_a_missing_key_column():
    events = _frames()["service_events"].drop(columns="measure_id")
    events["cost_nok"] = ["8000", "1 800", "900", "n/a"]
    msg = _error(service_events=events)
    assert "service_events.measure_id: column missing" in msg
    assert ("service_events.cost_nok: wrong type string, expected a number; 2 of 4 rows do not "
            "convert to float64; rows 2, 4 of service_events (values '1 800', 'n/a').") in msg
