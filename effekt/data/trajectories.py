"""Service events → trajectories (forløp), typed by rules.

A trajectory is a person's (or family's) run of service events in which no event starts
more than ``gap_days`` days after the latest end of the events before it. The merge runs
inside the database as window functions: the running maximum of earlier ``end_date`` per
unit, a flag where the gap to it exceeds the rule, and a running sum of those flags.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from effekt._checks import check_choice, check_positive_int
from effekt.data._common import sector_columns
from effekt.data.store import RecordStore
from effekt.errors import SpecError

__all__ = [
    "DEFAULT_RULES",
    "TYPE_LABELS",
    "UNTYPED",
    "TrajectoryBy",
    "TrajectoryRule",
    "trajectories",
    "trajectory_events",
]

TrajectoryBy = Literal["person", "family"]


@dataclass(frozen=True)
class TrajectoryRule:
    """A rule that gives a trajectory a type; every condition given must hold.

    Parameters
    ----------
    name : str
        The trajectory type given when the rule matches.
    target_groups_any : tuple of str
        The trajectory has an event of a measure whose ``target_group`` is one of these.
    sectors_any : tuple of str
        The trajectory has an event of a measure in one of these sectors.
    min_sectors : int, optional
        The trajectory involves at least this many distinct sectors.
    age_min, age_max : int, optional
        Age at the trajectory's start (start year − birth year; the youngest person with an
        event in the trajectory for family trajectories), inclusive bounds. An age below 0
        means the trajectory started before birth (pregnancy).

    Examples
    --------
    >>> TrajectoryRule("young_multi_sector", min_sectors=2, age_max=24).name
    'young_multi_sector'
    """

    name: str
    target_groups_any: tuple[str, ...] = ()
    sectors_any: tuple[str, ...] = ()
    min_sectors: int | None = None
    age_min: int | None = None
    age_max: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise SpecError(f"TrajectoryRule name must be a non-empty string, got {self.name!r}.")
        for field in ("target_groups_any", "sectors_any"):
            value = getattr(self, field)
            if isinstance(value, str) or not all(isinstance(v, str) for v in value):
                raise SpecError(
                    f"TrajectoryRule {field} must be a tuple of strings, got {value!r}."
                )
            object.__setattr__(self, field, tuple(value))
        for field in ("min_sectors", "age_min", "age_max"):
            value = getattr(self, field)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise SpecError(f"TrajectoryRule {field} must be an int or None, got {value!r}.")


#: The trajectory type of a trajectory that no rule matches.
UNTYPED = "other"

#: Default rules, tried in order (the first that matches gives the type; see
#: :func:`trajectories`). The ages are ``age_at_start`` (for family trajectories, the
#: youngest member's). First the four critical groups of "Sammen om velferd", in the order
#: of the rules, each recognised by the measures of its main service bundle
#: (``measures.target_group``):
#:
#: * ``risk_family_0_2`` (group 1, families with several risk factors, pregnancy to age 2):
#:   a measure for that group (pregnancy care, home visits after birth, extra health-station
#:   follow-up, parent guidance, early help in kindergarten), started in pregnancy or by age
#:   2 (the child); or started at 16-54 (a parent: mothers' fertile ages 15-49 and nearly all
#:   fathers). The parents' rule comes after the ``mental_health_substance`` rule, so a
#:   parent in mental-health or substance care keeps that type. A child of 3 or more with
#:   such a measure gets the type of its other services below.
#: * ``mental_health_substance`` (group 3, young people and adults with complex
#:   mental-health and/or substance problems): a measure for that group (rapid mental-health
#:   help, FACT teams, substance follow-up, staffed housing, IPS) from age 16 at the start.
#: * ``cross_disciplinary`` (group 2, children, young people and families needing
#:   cross-disciplinary help): a measure for that group (special-needs help in kindergarten
#:   and school, PPT, individual plans and coordinators, MST/FFT, foster care, relief care),
#:   or any services from three or more sectors; both up to age 24 (the group is children
#:   and young people; child-welfare aftercare runs to 25), so an adult's coordinator or
#:   personal assistance gets the type of its bundle below.
#: * ``poverty`` (group 4, children and families in poverty): a measure for low-income
#:   families (social assistance, qualification programme, reduced kindergarten and SFO
#:   fees, leisure card, housing and debt advice, family coordinator) up to age 66; an older
#:   person's housing or financial help gets the type of their care below.
#:
#: Then the general service bundles that carry most of the volume, one per sector, in this
#: order (a trajectory with measures in several of these sectors gets the first), split by
#: life stage where one sector serves all ages:
#:
#: * ``child_welfare``: any child-welfare (``barnevern``) measure, e.g. advice and guidance,
#:   investigations, family group conferences, supervised contact. First, because child
#:   welfare marks the case whatever else it uses (e.g. a kindergarten place).
#: * ``elderly_care``: any nursing and care (``pleie_omsorg``) measure: home care, practical
#:   help, safety alarms, day centres, nursing homes (in the synthetic municipality from 67).
#: * ``kindergarten``: any kindergarten (``oppvekst_barnehage``) measure, mostly the ordinary
#:   place.
#: * ``school``: any school (``oppvekst_skole``) measure beyond ordinary teaching: SFO,
#:   homework help, adapted and intensive teaching, school transport.
#: * ``nav_follow_up``: any municipal NAV (``nav``) measure: work-oriented and social-work
#:   follow-up, job club, labour-market courses, introduction programme.
#: * ``child_health``, ``adult_health``, ``elderly_health``: health and social
#:   (``helse_sosial``) measures started at ages up to 15 (health station, school health
#:   service, vaccination), at 16-66 and at 67 or over (physio- and occupational therapy,
#:   emergency ward, healthy-life centre, interpreters).
#:
#: A trajectory that matches none of them (it has only sectors not named here) is
#: ``"other"`` (:data:`UNTYPED`). On the committed synthetic municipality every person
#: trajectory gets one of these types (the earlier rules, the four groups alone, left 77 % as
#: ``"other"``); the test suite checks that fewer than 10 % stay untyped.
DEFAULT_RULES: tuple[TrajectoryRule, ...] = (
    # critical groups
    TrajectoryRule("risk_family_0_2", target_groups_any=("risk_family_0_2",), age_max=2),
    TrajectoryRule(
        "mental_health_substance", target_groups_any=("mental_health_substance",), age_min=16
    ),
    TrajectoryRule(
        "risk_family_0_2", target_groups_any=("risk_family_0_2",), age_min=16, age_max=54
    ),
    TrajectoryRule("cross_disciplinary", target_groups_any=("cross_disciplinary",), age_max=24),
    TrajectoryRule("cross_disciplinary", min_sectors=3, age_max=24),
    TrajectoryRule("poverty", target_groups_any=("poverty",), age_max=66),
    # general service bundles
    TrajectoryRule("child_welfare", sectors_any=("barnevern",)),
    TrajectoryRule("elderly_care", sectors_any=("pleie_omsorg",)),
    TrajectoryRule("kindergarten", sectors_any=("oppvekst_barnehage",)),
    TrajectoryRule("school", sectors_any=("oppvekst_skole",)),
    TrajectoryRule("nav_follow_up", sectors_any=("nav",)),
    TrajectoryRule("child_health", sectors_any=("helse_sosial",), age_max=15),
    TrajectoryRule("adult_health", sectors_any=("helse_sosial",), age_min=16, age_max=66),
    TrajectoryRule("elderly_health", sectors_any=("helse_sosial",), age_min=67),
)

#: Readable labels of the default trajectory types (and of :data:`UNTYPED`), in bokmål
#: (``"nb"``) and English (``"en"``), for reports and workbooks: ``TYPE_LABELS[lang][type]``.
TYPE_LABELS: dict[str, dict[str, str]] = {
    "nb": {
        "risk_family_0_2": "familier med flere risikofaktorer, svangerskap til 2 år",
        "mental_health_substance": "unge og voksne med sammensatte psykiske helse- og/eller "
        "rusproblemer",
        "cross_disciplinary": "barn, unge og familier med behov for tverrfaglig hjelp",
        "poverty": "barn og familier med lavinntekt",
        "child_welfare": "barnevern",
        "elderly_care": "pleie og omsorg (hjemmetjenester, sykehjem)",
        "kindergarten": "barnehage",
        "school": "skole og SFO",
        "nav_follow_up": "oppfølging i NAV (arbeid og sosiale tjenester)",
        "child_health": "helsetjenester for barn (helsestasjon, skolehelsetjeneste)",
        "adult_health": "helse- og sosialtjenester for voksne (16–66 år)",
        "elderly_health": "helse- og sosialtjenester for eldre (67 år og over)",
        UNTYPED: "annet (ikke typet)",
    },
    "en": {
        "risk_family_0_2": "families with several risk factors, pregnancy to age 2",
        "mental_health_substance": "young people and adults with complex mental-health and/or "
        "substance problems",
        "cross_disciplinary": "children, young people and families needing cross-disciplinary "
        "help",
        "poverty": "children and families on low income",
        "child_welfare": "child welfare",
        "elderly_care": "home and nursing care (home services, nursing homes)",
        "kindergarten": "kindergarten",
        "school": "school and after-school care (SFO)",
        "nav_follow_up": "NAV follow-up (work and social services)",
        "child_health": "health services for children (health station, school health service)",
        "adult_health": "health and social services for adults (16–66)",
        "elderly_health": "health and social services for older people (67 and over)",
        UNTYPED: "other (untyped)",
    },
}


def _check_rules(rules: Sequence[TrajectoryRule] | None) -> tuple[TrajectoryRule, ...]:
    if rules is None:
        return DEFAULT_RULES
    if isinstance(rules, TrajectoryRule) or isinstance(rules, str):
        raise SpecError("rules must be a list of TrajectoryRule, not a single rule.")
    rules = tuple(rules)
    bad = [r for r in rules if not isinstance(r, TrajectoryRule)]
    if bad:
        raise SpecError(f"rules must hold TrajectoryRule objects, got {bad[0]!r}.")
    return rules


def _join_sorted(values: ir.Column) -> ir.Value:
    """Distinct values, sorted in their own type, joined by ';'."""
    return values.collect(distinct=True).sort().cast("array<string>").join(";")


def _code(column: ir.StringColumn, values: list[str]) -> ir.IntegerValue:
    """Return the position of the value in ``values`` (-1 when not there, or missing)."""
    if not values:
        return ibis.literal(-1).cast("int16")
    return ibis.cases(*((column == v, i) for i, v in enumerate(values)), else_=-1).cast("int16")


def _flags_joined(flags: list[ir.BooleanValue], names: list[str]) -> ir.StringValue:
    """Join by ';' the names whose flag is true, in the given order."""
    text: ir.StringValue = ibis.literal("")
    for flag, name in zip(flags, names, strict=True):
        text = text + flag.ifelse(name + ";", "")
    return text.re_replace(";$", "")


def trajectory_events(store: RecordStore, gap_days: int = 90, by: TrajectoryBy = "person"):
    """Service events with their unit, sector, target group and trajectory number.

    The Ibis expression behind :func:`trajectories`, for callers who want to aggregate
    differently. Columns: the unit (``person_id`` or ``family_id``), ``person_id``,
    ``measure_id``, ``start_date``, ``end_date``, ``cost_nok``, ``sector``,
    ``target_group``, ``birth_year`` and ``sequence`` (1, 2, ... within the unit).

    Parameters
    ----------
    store : RecordStore
    gap_days : int
        A new trajectory starts when an event starts more than ``gap_days`` days after the
        latest ``end_date`` of the unit's earlier events.
    by : {"person", "family"}

    Returns
    -------
    ibis.Table
    """
    return _numbered_events(store, gap_days, by, store.table("measures").select(
        "measure_id", "sector", "target_group"))


def _numbered_events(store: RecordStore, gap_days: int, by: TrajectoryBy,
                     measures: ir.Table) -> ir.Table:
    """Events joined to ``measures`` (any columns) and persons, numbered into trajectories.

    The two windows sort every row they carry, so the columns joined in should be narrow
    (:func:`trajectories` passes small integer codes for the sector and target group).
    """
    gap_days = check_positive_int("gap_days", gap_days, minimum=0)
    check_choice("by", by, TrajectoryBy)
    unit = f"{by}_id"
    events = store.table("service_events")
    persons = store.table("persons").select("person_id", "family_id", "birth_year")
    ev = events.select("person_id", "measure_id", "start_date", "end_date", "cost_nok")
    ev = ev.join(measures, "measure_id").join(persons, "person_id")
    # ordered by the dates themselves (as their day numbers): no day-number columns to sort
    order = [ev.start_date, ev.end_date]
    earlier = ibis.window(group_by=ev[unit], order_by=order, rows=(None, -1))
    prev_end = ev.end_date.max().over(earlier)
    new = (prev_end.isnull()
           | (ev.start_date.epoch_days() - prev_end.epoch_days() > gap_days)).cast("int64")
    ev = ev.mutate(_new=new)
    running = ibis.cumulative_window(group_by=ev[unit], order_by=[ev.start_date, ev.end_date])
    return ev.mutate(sequence=ev._new.sum().over(running)).drop("_new")


def trajectories(
    store: RecordStore,
    gap_days: int = 90,
    by: TrajectoryBy = "person",
    rules: Sequence[TrajectoryRule] | None = None,
) -> pd.DataFrame:
    """Merge service events into trajectories (forløp) and type them by rules.

    Events of a unit (person or family) are taken in order of ``start_date``; an event
    joins the current trajectory when it starts at most ``gap_days`` days after the latest
    ``end_date`` of the unit's earlier events (so overlapping events always merge), and
    starts a new one otherwise. Events whose ``person_id`` or ``measure_id`` is unknown are
    left out (:meth:`RecordStore.validate` reports them).

    Parameters
    ----------
    store : RecordStore
        The record tables.
    gap_days : int
        Largest gap, in days between an event's ``start_date`` and the latest earlier
        ``end_date``, that keeps events in one trajectory (default 90).
    by : {"person", "family"}
        Build trajectories per person, or per family (all members' events together).
    rules : sequence of TrajectoryRule, optional
        Ordered rules; the first that matches gives ``trajectory_type``, else ``"other"``
        (:data:`UNTYPED`). Default :data:`DEFAULT_RULES`: the four critical groups, then the
        general service bundles (labels in :data:`TYPE_LABELS`).

    Returns
    -------
    pandas.DataFrame
        One row per trajectory, ordered by unit and start: ``person_id`` (or
        ``family_id``), ``trajectory_id`` (1..n over the whole frame), ``sequence``
        (1, 2, ... within the unit), ``start_date``, ``end_date``, ``duration_days``
        (``end_date − start_date + 1``, both days counted), ``n_events``, ``measures``,
        ``sectors`` and ``target_groups`` (distinct values, sorted, joined by ``';'``),
        ``n_sectors``, ``age_at_start`` (start year − birth year of the youngest person
        with an event in it), ``cost_<sector>`` for every sector in ``measures`` (0 when
        none), ``cost_total`` and ``trajectory_type``.

    Examples
    --------
    >>> import pandas as pd
    >>> from effekt.data import RecordStore, trajectories
    >>> persons = pd.DataFrame({"person_id": [1], "family_id": [10], "birth_year": [2019],
    ...                         "sex": ["f"], "district": ["Bekkestua"]})
    >>> measures = pd.DataFrame({"measure_id": [1, 2], "name": ["Hjemmebesøk", "Barnevern"],
    ...                          "sector": ["helse_sosial", "barnevern"],
    ...                          "unit": ["hour", "decision"],
    ...                          "unit_cost_nok": [900.0, 20000.0],
    ...                          "target_group": ["risk_family_0_2", None]})
    >>> events = pd.DataFrame({"person_id": [1, 1, 1], "measure_id": [1, 2, 1],
    ...     "start_date": pd.to_datetime(["2020-01-01", "2020-02-15", "2021-01-01"]),
    ...     "end_date": pd.to_datetime(["2020-01-31", "2020-03-31", "2021-01-01"]),
    ...     "units": [4.0, 1.0, 1.0], "cost_nok": [3600.0, 20000.0, 900.0],
    ...     "provider_id": [None, None, None]})
    >>> store = RecordStore.from_frames(persons=persons, measures=measures,
    ...                                 service_events=events)
    >>> t = trajectories(store, gap_days=90)
    >>> t[["sequence", "duration_days", "n_events", "cost_total", "trajectory_type"]]
       sequence  duration_days  n_events  cost_total  trajectory_type
    0         1             91         2     23600.0  risk_family_0_2
    1         2              1         1       900.0  risk_family_0_2
    """
    rules = _check_rules(rules)
    unit = f"{by}_id"
    columns_by_sector = sector_columns(store)
    # sectors and target groups are few: one flag each, then strings built from the flags
    measures = store.table("measures")
    known = measures.select("target_group").distinct().to_pandas()
    groups = sorted(
        {g for g in known["target_group"].tolist() if isinstance(g, str)}
        | {g for r in rules for g in r.target_groups_any}
    )
    all_sectors = sorted(set(columns_by_sector) | {x for r in rules for x in r.sectors_any})
    # the sector and target group as small integer codes on the measures table, so that
    # the windows sort, and the aggregates compare, integers rather than strings
    codes = measures.select("measure_id", _sector=_code(measures.sector, all_sectors),
                            _group=_code(measures.target_group, groups))
    ev = _numbered_events(store, gap_days, by, codes)
    columns = {
        name: ev.cost_nok.sum(where=ev._sector == all_sectors.index(sector))
        .fill_null(0).cast("float64")
        for sector, name in columns_by_sector.items()
    }
    flags = {f"_tg{i}": (ev._group == i).any() for i in range(len(groups))}
    flags |= {f"_sec{i}": (ev._sector == i).any() for i in range(len(all_sectors))}
    agg = ev.group_by([unit, "sequence"]).aggregate(
        start_date=ev.start_date.min(),
        end_date=ev.end_date.max(),
        n_events=ev.count(),
        measures=_join_sorted(ev.measure_id),
        _youngest=ev.birth_year.max(),
        **columns,
        cost_total=ev.cost_nok.sum().cast("float64"),
        **flags,
    )
    sector_flags = [agg[f"_sec{i}"] for i in range(len(all_sectors))]
    agg = agg.mutate(
        sectors=_flags_joined(sector_flags, all_sectors),
        target_groups=_flags_joined([agg[f"_tg{i}"] for i in range(len(groups))], groups),
        n_sectors=sum((f.cast("int64") for f in sector_flags), ibis.literal(0).cast("int64")),
    )
    agg = agg.mutate(
        duration_days=agg.end_date.epoch_days() - agg.start_date.epoch_days() + 1,
        age_at_start=agg.start_date.year() - agg._youngest,
    )
    branches = []
    for rule in rules:
        cond = ibis.literal(True)
        if rule.target_groups_any:
            cond &= ibis.or_(*(agg[f"_tg{groups.index(g)}"] for g in rule.target_groups_any))
        if rule.sectors_any:
            cond &= ibis.or_(*(agg[f"_sec{all_sectors.index(x)}"] for x in rule.sectors_any))
        if rule.min_sectors is not None:
            cond &= agg.n_sectors >= rule.min_sectors
        if rule.age_min is not None:
            cond &= agg.age_at_start >= rule.age_min
        if rule.age_max is not None:
            cond &= agg.age_at_start <= rule.age_max
        branches.append((cond, rule.name))
    kind = ibis.cases(*branches, else_=UNTYPED) if branches else ibis.literal(UNTYPED)
    agg = agg.mutate(trajectory_type=kind)
    out = agg.select(
        unit,
        "sequence",
        "start_date",
        "end_date",
        "duration_days",
        "n_events",
        "measures",
        "sectors",
        "target_groups",
        "n_sectors",
        "age_at_start",
        *columns,
        "cost_total",
        "trajectory_type",
    ).order_by([unit, "sequence"])
    frame = out.to_pandas()
    frame.insert(1, "trajectory_id", np.arange(1, len(frame) + 1, dtype="int64"))
    for col in ("sequence", "duration_days", "n_events", "n_sectors"):
        frame[col] = frame[col].astype("int64")
    return frame
