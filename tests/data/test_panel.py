"""Panels: unit × period with outcomes, service costs, cohort, covariates and residence,
checked against hand-computed answers on a tiny municipality."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from effekt.data import RecordStore, panel
from effekt.errors import DataError, SpecError

NAN = float("nan")


def _frames() -> dict[str, pd.DataFrame]:
    persons = pd.DataFrame(
        {
            "person_id": [1, 2, 3, 4],
            "family_id": [10, 10, 20, 30],
            "birth_year": [2012, 1985, 2010, 2000],
            "sex": ["f", "m", "f", "m"],
            "district": ["Sandvika", "Sandvika", "Stabekk", "Fornebu"],
            "provider_id": [100, 100, 101, 102],
            "income": [300.0, 500.0, 100.0, 50.0],
            "move_in_date": pd.to_datetime([None, None, "2021-06-15", None]),
            "move_out_date": pd.to_datetime([None, None, None, "2021-03-01"]),
        }
    )
    measures = pd.DataFrame(
        {
            "measure_id": [1, 2, 3],
            "name": ["Helsestasjon", "Sosialhjelp", "Tiltak"],
            "sector": ["helse_sosial", "nav", "barnevern"],
            "unit": ["hour", "month", "decision"],
            "unit_cost_nok": [1.0, 1.0, 1.0],
            "target_group": [None, "poverty", None],
        }
    )
    ev = [
        (1, 1, "2020-03-01", "2020-03-01", 100.0),
        (1, 1, "2021-12-31", "2022-01-10", 50.0),  # cost in the period of its start
        (2, 2, "2020-12-20", "2020-12-31", 1000.0),
        (2, 2, "2022-01-01", "2022-01-31", 400.0),
        (3, 1, "2021-07-01", "2021-07-01", 30.0),
        (4, 2, "2020-01-15", "2020-01-31", 20.0),
    ]
    events = pd.DataFrame(ev, columns=["person_id", "measure_id", "start_date", "end_date",
                                       "cost_nok"])
    events["start_date"] = pd.to_datetime(events["start_date"])
    events["end_date"] = pd.to_datetime(events["end_date"])
    events["units"] = 1.0
    events["provider_id"] = events["person_id"] + 99
    oc = [
        (1, "2020-02-01", "absence_days", 2.0),
        (1, "2020-10-01", "absence_days", 3.0),
        (3, "2021-09-01", "absence_days", 4.0),
        (1, "2020-03-01", "score", 10.0),
        (1, "2020-09-01", "score", 20.0),
        (2, "2021-05-01", "score", 7.0),
        (1, "2020-04-01", "score_b", 5.0),
    ]
    outcomes = pd.DataFrame(oc, columns=["person_id", "date", "outcome", "value"])
    outcomes["date"] = pd.to_datetime(outcomes["date"])
    exposures = pd.DataFrame(
        {
            "person_id": pd.array([1, None, None, 2], dtype="Int64"),
            "family_id": pd.array([None, 20, None, None], dtype="Int64"),
            "provider_id": pd.array([None, None, 102, None], dtype="Int64"),
            "pilot": ["holf", "holf", "holf", "samhandling"],
            "start_date": pd.to_datetime(["2021-02-01", "2021-08-01", "2019-06-01",
                                          "2020-01-01"]),
        }
    )
    return {"persons": persons, "measures": measures, "service_events": events,
            "outcomes": outcomes, "exposures": exposures}


@pytest.fixture(scope="module")
def store() -> RecordStore:
    return RecordStore.from_frames(**_frames())


def test_person_year_panel_hand_computed(store):
    p = panel(store, unit="person", period="year", outcomes={"absence_days": "sum",
              "score": "mean"}, exposure="holf", covariates=["income"], start="2020-01-01",
              end="2021-12-31")
    assert list(p.columns) == [
        "person_id", "period", "period_start", "family_id", "provider_id", "cohort", "exposed",
        "absence_days", "score", "cost_barnevern", "cost_helse_sosial", "cost_nav",
        "cost_total", "income", "balanced",
    ]  # fmt: skip
    # resident at the end of the period: person 3 moves in during 2021, person 4 moves
    # out during 2021 (so is resident at the end of 2020 only)
    assert p["person_id"].tolist() == [1, 1, 2, 2, 3, 4]
    assert p["period"].tolist() == [2020, 2021, 2020, 2021, 2021, 2020]
    assert p["period_start"].tolist() == [pd.Timestamp(f"{y}-01-01") for y in p["period"]]
    assert p["family_id"].tolist() == [10, 10, 10, 10, 20, 30]
    assert p["provider_id"].tolist() == [100, 100, 100, 100, 101, 102]
    # person 1 exposed itself, person 3 through family 20, person 4 through provider 102
    assert p["cohort"].tolist() == [2021, 2021, 0, 0, 2021, 2019]
    assert p["exposed"].tolist() == [False, True, False, False, True, True]
    assert p["absence_days"].tolist() == [5.0, 0.0, 0.0, 0.0, 4.0, 0.0]
    np.testing.assert_array_equal(p["score"], [15.0, NAN, NAN, 7.0, NAN, NAN])
    assert p["cost_helse_sosial"].tolist() == [100.0, 50.0, 0.0, 0.0, 30.0, 0.0]
    assert p["cost_nav"].tolist() == [0.0, 0.0, 1000.0, 0.0, 0.0, 20.0]
    assert p["cost_barnevern"].tolist() == [0.0] * 6
    assert p["cost_total"].tolist() == [100.0, 50.0, 1000.0, 0.0, 30.0, 20.0]
    assert p["income"].tolist() == [300.0, 300.0, 500.0, 500.0, 100.0, 50.0]
    assert p["balanced"].tolist() == [True, True, True, True, False, False]
    assert p["period"].dtype == np.int64 and p["cohort"].dtype == np.int64


def test_not_resident_before_birth_year():
    f = _frames()
    f["persons"].loc[f["persons"]["person_id"] == 1, "birth_year"] = 2021
    f["outcomes"] = f["outcomes"][f["outcomes"]["person_id"] != 1]
    f["service_events"] = f["service_events"][f["service_events"]["person_id"] != 1]
    p = panel(RecordStore.from_frames(**f), start="2020-01-01", end="2022-12-31")
    assert p.loc[p["person_id"] == 1, "period"].tolist() == [2021, 2022]


def test_max_last_and_fill(store):
    p = panel(store, outcomes={"score": "last", "score_b": "max"}, start="2020-01-01",
              end="2021-12-31", fill={"score": -1.0})
    p1 = p[p["person_id"] == 1]
    assert p1["score"].tolist() == [20.0, -1.0]  # the latest record of 2020; filled in 2021
    np.testing.assert_array_equal(p1["score_b"], [5.0, NAN])


def test_balanced_true_keeps_units_present_in_every_period(store):
    p = panel(store, start="2020-01-01", end="2021-12-31", balanced=True)
    assert p["person_id"].tolist() == [1, 1, 2, 2]
    assert p["balanced"].all()
    assert "cohort" not in p.columns


def test_default_range_spans_events_and_outcomes(store):
    p = panel(store, outcomes=["absence_days"])
    assert sorted(p["period"].unique().tolist()) == [2020, 2021, 2022]
    p2022 = p[p["period"] == 2022].set_index("person_id")
    assert p2022.index.tolist() == [1, 2, 3]
    assert p2022["cost_nav"].tolist() == [0.0, 400.0, 0.0]


def test_quarter_and_month_coding(store):
    q = panel(store, period="quarter", start="2020-01-01", end="2020-12-31")
    q1 = q[q["person_id"] == 1]
    assert q1["period"].tolist() == [8080, 8081, 8082, 8083]  # 2020*4 + quarter - 1
    assert q1["period_start"].tolist() == pd.to_datetime(
        ["2020-01-01", "2020-04-01", "2020-07-01", "2020-10-01"]).tolist()
    assert q1["cost_helse_sosial"].tolist() == [100.0, 0.0, 0.0, 0.0]
    assert q[q["person_id"] == 4]["period"].tolist() == [8080, 8081, 8082, 8083]
    m = panel(store, period="month", start="2020-01-01", end="2021-12-31", exposure="holf")
    m4 = m[m["person_id"] == 4]
    # 2020*12 + month - 1; moved out on 1 March 2021, so resident at the end of Feb 2021
    assert m4["period"].tolist() == list(range(24240, 24254))
    assert m4["cost_nav"].tolist() == [20.0] + [0.0] * 13
    assert m4["cohort"].unique().tolist() == [2019 * 12 + 5]
    m1 = m[m["person_id"] == 1]
    assert m1["cohort"].iloc[0] == 2021 * 12 + 1


def test_family_panel_hand_computed(store):
    p = panel(store, unit="family", outcomes={"absence_days": "sum", "score": "mean"},
              exposure="holf", covariates=["income"], start="2020-01-01", end="2021-12-31")
    assert list(p.columns[:7]) == ["family_id", "period", "period_start", "n_persons",
                                   "provider_id", "cohort", "exposed"]
    assert p["family_id"].tolist() == [10, 10, 20, 30]
    assert p["period"].tolist() == [2020, 2021, 2021, 2020]
    assert p["n_persons"].tolist() == [2, 2, 1, 1]
    assert p["provider_id"].tolist() == [100, 100, 101, 102]
    assert p["cohort"].tolist() == [2021, 2021, 2021, 2019]
    assert p["absence_days"].tolist() == [5.0, 0.0, 4.0, 0.0]
    np.testing.assert_array_equal(p["score"], [15.0, 7.0, NAN, NAN])
    assert p["cost_helse_sosial"].tolist() == [100.0, 50.0, 30.0, 0.0]
    assert p["cost_nav"].tolist() == [1000.0, 0.0, 0.0, 20.0]
    assert p["income"].tolist() == [400.0, 400.0, 100.0, 50.0]  # mean over members
    assert p["balanced"].tolist() == [True, True, False, False]


def test_a_family_takes_its_members_most_common_value_ties_to_the_smallest():
    f = _frames()
    f["persons"]["family_id"] = [10, 10, 10, 20]
    f["persons"]["district"] = ["Stabekk", "Sandvika", "Stabekk", None]  # family 10: Stabekk
    f["persons"]["sex"] = ["m", "f", None, "m"]  # family 10: a tie, the smallest value "f"
    p = panel(RecordStore.from_frames(**f), unit="family", covariates=["district", "sex"],
              start="2020-01-01", end="2020-12-31")
    assert p["district"].iloc[0] == "Stabekk" and pd.isna(p["district"].iloc[1])
    assert p["sex"].tolist() == ["f", "m"]


def test_string_ids_and_no_residence_columns():
    f = _frames()
    f["persons"] = f["persons"].drop(columns=["move_in_date", "move_out_date", "provider_id"])
    for name in ("persons", "service_events", "outcomes"):
        f[name]["person_id"] = "p" + f[name]["person_id"].astype(str)
    f["exposures"] = f["exposures"].iloc[[0]].assign(person_id="p1", provider_id=None)
    s = RecordStore.from_frames(**f)
    p = panel(s, exposure="holf", start="2020-01-01", end="2021-12-31")
    assert p["person_id"].tolist() == ["p1", "p1", "p2", "p2", "p3", "p3", "p4", "p4"]
    assert p["balanced"].all()
    assert "provider_id" not in p.columns
    assert p["cohort"].tolist() == [2021, 2021, 0, 0, 0, 0, 0, 0]


def test_errors(store):
    with pytest.raises(DataError, match=r"outcomes 'grades' have no rows in outcomes; outcomes "
                                        r"present: 'absence_days', 'score', 'score_b'"):
        panel(store, outcomes=["grades"])
    with pytest.raises(SpecError, match=r"exposure='hlof' is not a pilot in exposures; pilots "
                                        r"present: 'holf', 'samhandling'"):
        panel(store, exposure="hlof")
    with pytest.raises(DataError, match="covariates 'age' are not columns of persons"):
        panel(store, covariates=["age"])
    with pytest.raises(SpecError, match=r"outcomes\['score'\]='median' is not allowed"):
        panel(store, outcomes={"score": "median"})
    with pytest.raises(SpecError, match="period='week' is not allowed"):
        panel(store, period="week")
    with pytest.raises(SpecError, match="fill names 'x'"):
        panel(store, outcomes=["score"], fill={"x": 0.0})
    with pytest.raises(SpecError, match="end='2019-01-01' comes before start='2020-01-01'"):
        panel(store, start="2020-01-01", end="2019-01-01")


def test_provider_exposure_needs_persons_provider_id():
    f = _frames()
    f["persons"] = f["persons"].drop(columns="provider_id")
    s = RecordStore.from_frames(**f)
    with pytest.raises(DataError, match="keyed by provider_id, but persons has no provider_id"):
        panel(s, exposure="holf")
