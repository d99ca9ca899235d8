"""Trajectories (forløp): merge of service events and typing rules, against hand-computed answers
and a plain pandas reference implementation of the merge."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from effekt.data import DEFAULT_RULES, RecordStore, TrajectoryRule, trajectories
from effekt.data.trajectories import TYPE_LABELS, UNTYPED
from effekt.errors import SpecError

D = pd.Timestamp


def _store(person_ids=(1, 2, 3)) -> RecordStore:
    p1, p2, p3 = person_ids
    persons = pd.DataFrame(
        {
            "person_id": [p1, p2, p3],
            "family_id": [10, 10, 20],
            "birth_year": [2019, 1990, 2005],
            "sex": ["f", "m", "f"],
            "district": ["Sandvika", "Sandvika", "Bekkestua"],
        }
    )
    measures = pd.DataFrame(
        {
            "measure_id": [1, 2, 10, 4],
            "name": ["Hjemmebesøk", "Barnevern", "Sosialhjelp", "Rus"],
            "sector": ["helse_sosial", "barnevern", "nav", "helse_sosial"],
            "unit": ["hour", "decision", "month", "hour"],
            "unit_cost_nok": [1.0, 1.0, 1.0, 1.0],
            "target_group": [
                "risk_family_0_2",
                "cross_disciplinary",
                "poverty",
                "mental_health_substance",
            ],
        }
    )
    rows = [
        # person 1: gap 15 days (merge), exactly 90 days (merge), 91 days (new trajectory)
        (p1, 1, "2020-01-01", "2020-01-31", 100.0),
        (p1, 2, "2020-02-15", "2020-03-31", 200.0),
        (p1, 1, "2020-06-29", "2020-06-29", 10.0),
        (p1, 1, "2020-09-28", "2020-09-28", 5.0),
        # person 2: the long first event bridges the gap (running max of end_date)
        (p2, 10, "2020-01-01", "2020-12-31", 1000.0),
        (p2, 4, "2020-02-01", "2020-02-02", 50.0),
        (p2, 10, "2021-03-01", "2021-03-31", 300.0),
        # person 3
        (p3, 2, "2020-05-01", "2020-05-10", 70.0),
    ]
    events = pd.DataFrame(rows, columns=["person_id", "measure_id", "start_date", "end_date",
                                         "cost_nok"])
    events["start_date"] = pd.to_datetime(events["start_date"])
    events["end_date"] = pd.to_datetime(events["end_date"])
    events["units"] = 1.0
    events["provider_id"] = 7
    return RecordStore.from_frames(persons=persons, measures=measures, service_events=events)


def test_person_trajectories_hand_computed():
    t = trajectories(_store(), gap_days=90)
    assert list(t.columns) == [
        "person_id", "trajectory_id", "sequence", "start_date", "end_date", "duration_days",
        "n_events", "measures", "sectors", "target_groups", "n_sectors", "age_at_start",
        "cost_barnevern", "cost_helse_sosial", "cost_nav", "cost_total", "trajectory_type",
    ]  # fmt: skip
    assert t["person_id"].tolist() == [1, 1, 2, 3]
    assert t["trajectory_id"].tolist() == [1, 2, 3, 4]
    assert t["sequence"].tolist() == [1, 2, 1, 1]
    assert t["start_date"].tolist() == [D("2020-01-01"), D("2020-09-28"), D("2020-01-01"),
                                        D("2020-05-01")]
    assert t["end_date"].tolist() == [D("2020-06-29"), D("2020-09-28"), D("2021-03-31"),
                                      D("2020-05-10")]
    # 2020 is a leap year: Jan 1 → Jun 29 is 180 days, both ends counted → 181
    assert t["duration_days"].tolist() == [181, 1, 456, 10]
    assert t["n_events"].tolist() == [3, 1, 3, 1]
    assert t["measures"].tolist() == ["1;2", "1", "4;10", "2"]  # sorted as numbers
    assert t["sectors"].tolist() == ["barnevern;helse_sosial", "helse_sosial",
                                     "helse_sosial;nav", "barnevern"]
    assert t["target_groups"].tolist() == ["cross_disciplinary;risk_family_0_2",
                                           "risk_family_0_2", "mental_health_substance;poverty",
                                           "cross_disciplinary"]
    assert t["n_sectors"].tolist() == [2, 1, 2, 1]
    assert t["age_at_start"].tolist() == [1, 1, 30, 15]
    assert t["cost_barnevern"].tolist() == [200.0, 0.0, 0.0, 70.0]
    assert t["cost_helse_sosial"].tolist() == [110.0, 5.0, 50.0, 0.0]
    assert t["cost_nav"].tolist() == [0.0, 0.0, 1300.0, 0.0]
    assert t["cost_total"].tolist() == [310.0, 5.0, 1350.0, 70.0]
    assert t["trajectory_type"].tolist() == ["risk_family_0_2", "risk_family_0_2",
                                             "mental_health_substance", "cross_disciplinary"]


def test_gap_rule_boundaries():
    # gap 0: only overlapping or touching events merge
    t0 = trajectories(_store(), gap_days=0)
    assert t0.groupby("person_id").size().to_dict() == {1: 4, 2: 2, 3: 1}
    # 89 days splits the exact-90 gap of person 1; 60 still bridges person 2
    t89 = trajectories(_store(), gap_days=89)
    assert t89.groupby("person_id").size().to_dict() == {1: 3, 2: 1, 3: 1}
    t91 = trajectories(_store(), gap_days=91)
    assert t91.groupby("person_id").size().to_dict() == {1: 1, 2: 1, 3: 1}


def test_family_trajectories_hand_computed():
    t = trajectories(_store(), gap_days=90, by="family")
    assert t["family_id"].tolist() == [10, 20]
    assert t["start_date"].tolist() == [D("2020-01-01"), D("2020-05-01")]
    assert t["end_date"].tolist() == [D("2021-03-31"), D("2020-05-10")]
    assert t["n_events"].tolist() == [7, 1]
    assert t["cost_total"].tolist() == [1665.0, 70.0]
    assert t["age_at_start"].tolist() == [1, 15]  # the youngest member with an event
    assert t["trajectory_type"].tolist() == ["risk_family_0_2", "cross_disciplinary"]


def test_string_ids():
    t = trajectories(_store(person_ids=("a", "b", "c")))
    assert t["person_id"].tolist() == ["a", "a", "b", "c"]
    assert t["cost_total"].tolist() == [310.0, 5.0, 1350.0, 70.0]


def test_custom_rules_first_match_wins():
    rules = [
        TrajectoryRule("nav_any", sectors_any=("nav",)),
        TrajectoryRule("multi", min_sectors=2),
        TrajectoryRule("adult_multi", min_sectors=2, age_min=18),  # never reached
        TrajectoryRule("teen", age_min=13, age_max=19),
    ]
    t = trajectories(_store(), rules=rules)
    assert t["trajectory_type"].tolist() == ["multi", "other", "nav_any", "teen"]
    assert trajectories(_store(), rules=[])["trajectory_type"].eq("other").all()


GROUPS = ("risk_family_0_2", "cross_disciplinary", "mental_health_substance", "poverty")
BUNDLES = ("child_welfare", "elderly_care", "kindergarten", "school", "nav_follow_up",
           "child_health", "adult_health", "elderly_health")


def test_default_rules_cover_the_four_groups_then_the_bundles():
    names = [r.name for r in DEFAULT_RULES]
    assert set(names) == {*GROUPS, *BUNDLES}
    # the critical groups are tried before any general bundle (first match wins)
    last_group = max(i for i, n in enumerate(names) if n in GROUPS)
    first_bundle = min(i for i, n in enumerate(names) if n in BUNDLES)
    assert last_group < first_bundle
    for rule in DEFAULT_RULES:
        assert rule.target_groups_any or rule.sectors_any or rule.min_sectors, rule
    # every type (and "other") has a label in both languages
    for lang in ("nb", "en"):
        assert set(TYPE_LABELS[lang]) == {*names, UNTYPED}
        assert all(isinstance(v, str) and v for v in TYPE_LABELS[lang].values())


def _bundle_store() -> tuple[RecordStore, list[str]]:
    """One short trajectory per person, in 2020, built to hit each default rule."""
    measures = pd.DataFrame(
        [
            (1, "Ordinær barnehageplass", "oppvekst_barnehage", "general"),
            (2, "SFO", "oppvekst_skole", None),
            (3, "Fysioterapi", "helse_sosial", "general"),
            (4, "Hjemmesykepleie", "pleie_omsorg", "general"),
            (5, "Jobbklubb", "nav", "general"),
            (6, "Råd og veiledning", "barnevern", "general"),
            (7, "Svangerskapsomsorg", "helse_sosial", "risk_family_0_2"),
            (8, "Økonomisk sosialhjelp", "nav", "poverty"),
            (9, "Individuell plan", "helse_sosial", "cross_disciplinary"),
            (10, "Rask psykisk helsehjelp", "helse_sosial", "mental_health_substance"),
            (11, "Kulturskole", "kultur", "general"),
        ],
        columns=["measure_id", "name", "sector", "target_group"],
    ).assign(unit="hour", unit_cost_nok=100.0)
    cases = [  # (birth year, measures, expected type)
        (2020, [7], "risk_family_0_2"),  # the child, at 0
        (1990, [7], "risk_family_0_2"),  # a parent, at 30
        (1990, [7, 10], "mental_health_substance"),  # tried before the parents' rule
        (2016, [7, 1], "kindergarten"),  # a child of 4: typed by its bundle
        (1960, [7], "adult_health"),  # 60: past the parents' ages
        (1950, [8, 4], "elderly_care"),  # 70: poverty is children and families (<= 66)
        (1980, [9], "adult_health"),  # 40: cross-disciplinary is children and young people
        (2000, [9], "cross_disciplinary"),  # 20
        (2010, [2, 3, 6], "cross_disciplinary"),  # three sectors at 10
        (2000, [8], "poverty"),
        (1950, [10], "mental_health_substance"),  # no upper age
        (2010, [6, 2], "child_welfare"),  # barnevern before school
        (2012, [2, 3], "school"),  # school before health
        (1985, [5, 3], "nav_follow_up"),  # NAV before health
        (2008, [3], "child_health"),
        (1950, [3], "elderly_health"),
        (1990, [11], UNTYPED),  # a sector no rule names
    ]
    persons = pd.DataFrame({
        "person_id": np.arange(1, len(cases) + 1),
        "family_id": np.arange(1, len(cases) + 1),
        "birth_year": [c[0] for c in cases],
        "sex": "f",
        "district": "Sandvika",
    })
    events = pd.DataFrame(
        [(i, m) for i, (_, ms, _) in enumerate(cases, start=1) for m in ms],
        columns=["person_id", "measure_id"],
    ).assign(start_date=D("2020-03-01"), end_date=D("2020-03-10"), units=1.0, cost_nok=100.0,
             provider_id=None)
    store = RecordStore.from_frames(persons=persons, measures=measures, service_events=events)
    return store, [c[2] for c in cases]


def test_default_rules_hand_computed():
    store, expected = _bundle_store()
    t = trajectories(store)
    assert t["person_id"].tolist() == list(range(1, len(expected) + 1))
    assert t["trajectory_type"].tolist() == expected


def test_argument_errors():
    store = _store()
    with pytest.raises(SpecError, match="gap_days must be an integer >= 0, got -1"):
        trajectories(store, gap_days=-1)
    with pytest.raises(SpecError, match="by='household' is not allowed"):
        trajectories(store, by="household")
    with pytest.raises(SpecError, match="rules must hold TrajectoryRule objects"):
        trajectories(store, rules=[("x", None)])
    with pytest.raises(SpecError, match="sectors_any must be a tuple of strings"):
        TrajectoryRule("x", sectors_any="nav")


# -- against a plain pandas reference ---------------------------------------------------------


def _reference_merge(events: pd.DataFrame, gap_days: int) -> pd.DataFrame:
    """Plain pandas/Python loop: per person, events by start, new trajectory on a long gap."""
    rows = []
    for person, group in events.groupby("person_id", sort=True):
        group = group.sort_values(["start_date", "end_date"])
        current = None
        for ev in group.itertuples(index=False):
            if current is None or (ev.start_date - current["end_date"]).days > gap_days:
                if current is not None:
                    rows.append(current)
                current = {"person_id": person, "start_date": ev.start_date,
                           "end_date": ev.end_date, "n_events": 0, "cost_total": 0.0}
            current["end_date"] = max(current["end_date"], ev.end_date)
            current["n_events"] += 1
            current["cost_total"] += ev.cost_nok
        rows.append(current)
    return pd.DataFrame(rows)


def test_matches_pandas_reference_on_random_events():
    rng = np.random.default_rng(20261124)
    n, n_persons = 4000, 300
    persons = pd.DataFrame(
        {
            "person_id": np.arange(n_persons),
            "family_id": np.arange(n_persons) // 3,
            "birth_year": rng.integers(1950, 2020, n_persons),
            "sex": rng.choice(["f", "m"], n_persons),
            "district": "Sandvika",
        }
    )
    measures = pd.DataFrame(
        {
            "measure_id": [1, 2, 3],
            "name": ["a", "b", "c"],
            "sector": ["nav", "barnevern", "helse_sosial"],
            "unit": "hour",
            "unit_cost_nok": 1.0,
            "target_group": ["poverty", None, "mental_health_substance"],
        }
    )
    start = pd.Timestamp("2018-01-01") + pd.to_timedelta(rng.integers(0, 1500, n), unit="D")
    events = pd.DataFrame(
        {
            "person_id": rng.integers(0, n_persons, n),
            "measure_id": rng.integers(1, 4, n),
            "start_date": start,
            "end_date": start + pd.to_timedelta(rng.integers(0, 80, n), unit="D"),
            "units": 1.0,
            "cost_nok": rng.integers(0, 10_000, n).astype(float),
            "provider_id": rng.integers(0, 20, n),
        }
    )
    events = events.drop_duplicates(["person_id", "measure_id", "provider_id", "start_date",
                                     "end_date"])
    store = RecordStore.from_frames(persons=persons, measures=measures, service_events=events)
    for gap in (0, 30, 90):
        got = trajectories(store, gap_days=gap)
        want = _reference_merge(events, gap)
        assert len(got) == len(want)
        cols = ["person_id", "start_date", "end_date", "n_events"]
        pd.testing.assert_frame_equal(
            got[cols].reset_index(drop=True), want[cols].astype(got[cols].dtypes.to_dict()),
        )
        np.testing.assert_allclose(got["cost_total"], want["cost_total"], rtol=0, atol=1e-6)
        sector_sum = got[["cost_barnevern", "cost_helse_sosial", "cost_nav"]].sum(axis=1)
        np.testing.assert_allclose(sector_sum, got["cost_total"], rtol=0, atol=1e-6)
