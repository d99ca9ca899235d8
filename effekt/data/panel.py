"""Record tables → a unit × period panel with outcomes, service costs, cohort and covariates.

All aggregation runs inside the database (group-bys over the record tables joined to a
grid of resident unit-periods); only the finished panel is materialised in pandas.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from effekt._checks import as_list, check_choice
from effekt.data._common import (
    Period,
    period_code,
    period_start,
    python_period_code,
    sector_columns,
)
from effekt.data.schema import DATE_RANGE
from effekt.data.store import RecordStore
from effekt.errors import DataError, SpecError

__all__ = ["Aggregation", "PanelUnit", "panel"]

PanelUnit = Literal["person", "family"]
Aggregation = Literal["sum", "mean", "max", "last"]


def _outcome_aggs(outcomes: Sequence[str] | Mapping[str, str] | None) -> dict[str, str]:
    if outcomes is None:
        return {}
    if isinstance(outcomes, Mapping):
        aggs = dict(outcomes)
    else:
        aggs = dict.fromkeys(as_list(outcomes), "sum")
    for name, how in aggs.items():
        if not isinstance(name, str):
            raise SpecError(f"outcome names must be strings, got {name!r}.")
        check_choice(f"outcomes[{name!r}]", how, Aggregation)
    return aggs


def _as_date(name: str, value: Any, *, last: bool = False) -> _dt.date:
    """Read the ``start`` or ``end`` argument of :func:`panel` as a date.

    Allowed: a date or datetime (``datetime.date``, ``datetime.datetime``,
    ``pandas.Timestamp``, ``numpy.datetime64``; a timestamp with a time zone gives the date
    of its wall-clock time in that zone), an ISO 8601 date string (``"2020-01-01"``, also
    with a time), or a year as an int (``2020``: its first day, or with ``last`` its last
    day), within :data:`~effekt.data.schema.DATE_RANGE`. Anything else, and NaT, is a
    SpecError naming the argument.

    Examples
    --------
    >>> _as_date("end", 2021, last=True)
    datetime.date(2021, 12, 31)
    >>> _as_date("start", "2020-03-15")
    datetime.date(2020, 3, 15)
    >>> _as_date("start", float("nan"))
    Traceback (most recent call last):
    ...
    effekt.errors.SpecError: start=nan is not a date; give a date, an ISO date string such as '2020-01-01', or a year as an int such as 2020.
    """  # noqa: E501
    lo, hi = DATE_RANGE
    allowed = ("give a date, an ISO date string such as '2020-01-01', or a year as an int "
               "such as 2020")
    if isinstance(value, bool) or value is pd.NaT or (
            isinstance(value, np.datetime64) and np.isnat(value)):
        raise SpecError(f"{name}={value!r} is not a date; {allowed}.")
    if isinstance(value, int | np.integer):
        if not lo.year <= value <= hi.year:
            raise SpecError(f"{name}={value!r} is not a year from {lo.year} to {hi.year}; "
                            f"{allowed}.")
        return _dt.date(int(value), 12, 31) if last else _dt.date(int(value), 1, 1)
    if isinstance(value, str):
        try:
            date = _dt.datetime.fromisoformat(value.strip()).date()
        except ValueError:
            raise SpecError(f"{name}={value!r} is not an ISO date string; {allowed}.") from None
    elif isinstance(value, _dt.datetime | np.datetime64):
        date = pd.Timestamp(value).date()
    elif isinstance(value, _dt.date):
        date = value
    else:
        raise SpecError(f"{name}={value!r} is not a date; {allowed}.")
    if not lo <= date <= hi:
        raise SpecError(f"{name}={value!r} is outside the plausible range {lo} to {hi}.")
    return date


def _first_exposure(store: RecordStore, exposure: str) -> ir.Table:
    """Per person: ``_first``, the earliest start_date of an exposure to ``exposure``."""
    if not store.has("exposures"):
        raise DataError(f"exposure={exposure!r} needs an exposures table; the store has none.")
    ex = store.table("exposures")
    ex = ex.filter(ex.pilot == exposure)
    counts = ex.aggregate(
        n=ex.count(),
        n_provider=(ex.person_id.isnull() & ex.family_id.isnull()).sum().fill_null(0),
    ).to_pandas()
    if int(counts["n"].iloc[0]) == 0:
        pilots = store.table("exposures").select("pilot").distinct().to_pandas()["pilot"]
        raise SpecError(
            f"exposure={exposure!r} is not a pilot in exposures; pilots present: "
            f"{', '.join(map(repr, sorted(pilots.dropna().tolist())))}."
        )
    persons = store.table("persons")
    parts = [
        ex.filter(ex.person_id.notnull()).select("person_id", _date=ex.start_date),
        ex.filter(ex.person_id.isnull() & ex.family_id.notnull())
        .select("family_id", _date=ex.start_date)
        .join(persons.select("person_id", "family_id"), "family_id")
        .select("person_id", "_date"),
    ]
    if int(counts["n_provider"].iloc[0]):
        if "provider_id" not in persons.columns:
            raise DataError(
                f"exposures of pilot {exposure!r} are keyed by provider_id, but persons has no "
                f"provider_id column saying which provider each person belongs to."
            )
        by_provider = ex.filter(ex.person_id.isnull() & ex.family_id.isnull()).select(
            "provider_id", _date=ex.start_date
        )
        parts.append(
            by_provider.join(persons.select("person_id", "provider_id"), "provider_id").select(
                "person_id", "_date"
            )
        )
    both = ibis.union(*parts, distinct=False)
    return both.group_by("person_id").aggregate(_first=both._date.min())


def _family_attributes(persons: ir.Table, columns: list[str]) -> ir.Table:
    """One row per family: ``n_persons`` and the members' attributes.

    A numeric column gives the members' mean, a boolean the share that is true, any other
    column the most common value.

    The most common value is a count per (family, value) and a ranked pick, ties going to the
    smallest value, so that every engine gives the same answer (Spark has no ``mode``).
    """
    schema = persons.schema()
    means: dict[str, ir.Value] = {"n_persons": persons.count()}
    modal = []
    for col in columns:
        dtype = schema[col]
        if dtype.is_boolean():
            means[col] = persons[col].cast("float64").mean()
        elif dtype.is_numeric() and col != "provider_id":
            means[col] = persons[col].mean()
        else:
            modal.append(col)
    out = persons.group_by("family_id").aggregate(**means)
    for col in modal:
        known = persons.filter(persons[col].notnull())
        counts = known.group_by(["family_id", col]).aggregate(_n=known.count())
        rank = ibis.row_number().over(group_by="family_id",
                                      order_by=[ibis.desc(counts._n), counts[col]])
        top = counts.mutate(_rank=rank)
        top = top.filter(top._rank == 0).select("family_id", col)
        out = out.left_join(top, "family_id").drop("family_id_right")
    return out.select("family_id", "n_persons", *columns)


def panel(
    store: RecordStore,
    unit: PanelUnit = "person",
    period: Period = "year",
    outcomes: Sequence[str] | Mapping[str, str] | None = None,
    exposure: str | None = None,
    covariates: Sequence[str] | str | None = None,
    start: Any = None,
    end: Any = None,
    balanced: bool = False,
    fill: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Build a unit × period panel from the record tables.

    Parameters
    ----------
    store : RecordStore
        The record tables.
    unit : {"person", "family"}
        The panel's unit; the id column is ``person_id`` or ``family_id``.
    period : {"month", "quarter", "year"}
        Length of a period.
    outcomes : list of str or dict of str to {"sum", "mean", "max", "last"}, optional
        Outcome names (``outcomes.outcome``) to aggregate per unit and period; a list sums
        them, a dict gives each its aggregation (``"last"``: the value with the latest
        ``date`` in the period; ties broken arbitrarily). For a family, the records of
        all members are aggregated together. Each outcome becomes a column of its name.
    exposure : str, optional
        The pilot (``exposures.pilot``) that defines ``cohort``. An exposure row reaches
        the person of its ``person_id``; when that is missing, every member of its
        ``family_id``; when that is missing too, every person whose ``persons.provider_id``
        (home school, kindergarten or NAV office) is its ``provider_id``. A person's first
        exposure is the earliest ``start_date`` reaching them; a family's is the earliest
        of any member.
    covariates : list of str, optional
        Columns of ``persons``, taken as baseline (measured before exposure). For
        ``unit="family"`` numbers are averaged over members, booleans give the share that
        is true, other columns the most common value (a tie goes to the smallest).
    start, end : date, str or int, optional
        The first and last periods are those containing these dates. A date or datetime
        (``datetime.date``, ``pandas.Timestamp``, ``numpy.datetime64``; one with a time
        zone counts by its wall-clock date), an ISO 8601 date string (``"2020-01-01"``), or
        a year as an int (``start=2020`` is 1 January 2020, ``end=2024`` is 31 December
        2024), between 1901 and 2099. Anything else, NaT among it, is a SpecError.
        Default: the earliest and latest of the service events' ``start_date`` and the
        requested outcomes' ``date``.
    balanced : bool
        Keep only units observed (resident) in every period of the panel.
    fill : dict of str to float, optional
        Value of an outcome in a resident period without a record of it. Default 0 for
        outcomes aggregated by ``"sum"``, NaN otherwise.

    Returns
    -------
    pandas.DataFrame
        One row per resident unit and period, ordered by unit and period, with columns:

        - the unit id; ``period``: consecutive integers (year: 2019; quarter:
          ``year*4 + quarter-1``; month: ``year*12 + month-1``), so estimators can use it as
          numeric time; ``period_start``: the period's first day;
        - person panels: ``family_id``; ``provider_id`` when ``persons`` has it (for
          clustering); family panels: ``n_persons`` and the members' most common
          ``provider_id``;
        - with ``exposure``: ``cohort``, the period containing the first exposure (same
          integer coding, possibly before the panel's first period; 0 when never exposed),
          and ``exposed`` (cohort > 0 and period >= cohort);
        - one column per outcome;
        - ``cost_<sector>`` for every sector in ``measures`` (0 when no events) and
          ``cost_total``: service cost, each event's whole ``cost_nok`` in the period of its
          ``start_date``; events outside the panel's periods or the unit's residence are
          left out;
        - the covariates;
        - ``balanced``: whether the unit is resident in every period of the panel.

        Residence: a person appears in the periods at whose end they are resident, the
        convention of register statistics: from the period of ``persons.move_in_date``
        (and not before the first period of ``birth_year``) up to the period before
        ``move_out_date`` (both optional; missing = resident from the first or to the
        last period). A family is resident when any member is.

    Examples
    --------
    >>> import pandas as pd
    >>> from effekt.data import RecordStore, panel
    >>> persons = pd.DataFrame({"person_id": [1, 2], "family_id": [10, 20],
    ...                         "birth_year": [2012, 2013], "sex": ["f", "m"],
    ...                         "district": ["Fornebu", "Stabekk"]})
    >>> measures = pd.DataFrame({"measure_id": [1], "name": ["Miljøterapeut"],
    ...                          "sector": ["oppvekst_skole"], "unit": ["hour"],
    ...                          "unit_cost_nok": [800.0], "target_group": [None]})
    >>> events = pd.DataFrame({"person_id": [1, 2], "measure_id": [1, 1],
    ...     "start_date": pd.to_datetime(["2020-05-01", "2021-02-01"]),
    ...     "end_date": pd.to_datetime(["2020-06-01", "2021-03-01"]),
    ...     "units": [10.0, 5.0], "cost_nok": [8000.0, 4000.0], "provider_id": [None, None]})
    >>> exposures = pd.DataFrame({"person_id": [1], "family_id": [None],
    ...     "provider_id": [None], "pilot": ["holf"], "start_date": pd.to_datetime(["2021-01-10"])})
    >>> store = RecordStore.from_frames(persons=persons, measures=measures,
    ...                                 service_events=events, exposures=exposures)
    >>> p = panel(store, period="year", exposure="holf")
    >>> p[["person_id", "period", "cohort", "exposed", "cost_oppvekst_skole"]]
       person_id  period  cohort  exposed  cost_oppvekst_skole
    0          1    2020    2021    False               8000.0
    1          1    2021    2021     True                  0.0
    2          2    2020       0    False                  0.0
    3          2    2021       0    False               4000.0
    """
    check_choice("unit", unit, PanelUnit)
    check_choice("period", period, Period)
    first = _as_date("start", start) if start is not None else None
    last = _as_date("end", end, last=True) if end is not None else None
    if first is not None and last is not None and last < first:
        raise SpecError(f"end={end!r} comes before start={start!r}.")
    aggs = _outcome_aggs(outcomes)
    covs = as_list(covariates)
    fill = dict(fill or {})
    unknown_fill = [k for k in fill if k not in aggs]
    if unknown_fill:
        raise SpecError(
            f"fill names {', '.join(map(repr, unknown_fill))}, which are not in outcomes "
            f"({', '.join(map(repr, aggs)) or 'none'})."
        )
    key = f"{unit}_id"
    persons = store.table("persons")
    missing = [c for c in covs if c not in persons.columns]
    if missing:
        raise DataError(
            f"covariates {', '.join(map(repr, missing))} are not columns of persons; columns "
            f"present: {', '.join(persons.columns)}."
        )
    sectors = sector_columns(store)
    taken = {key, "period", "period_start", "family_id", "provider_id", "n_persons", "cohort",
             "exposed", "cost_total", "balanced", *sectors.values()}
    clash = [c for c in [*aggs, *covs] if c in taken] + [c for c in covs if c in aggs]
    if clash:
        raise SpecError(
            f"outcome or covariate name {clash[0]!r} clashes with a panel column; rename it."
        )
    members = persons.select("person_id", "family_id")

    events = store.table("service_events").select("person_id", "measure_id", "start_date",
                                                  "cost_nok")
    # the sector as a small integer code on the 170-row measures table, so that the
    # per-sector sums over the (large) events table compare integers, not strings
    measures = store.table("measures")
    sector_code = ibis.cases(*((measures.sector == s, i) for i, s in enumerate(sectors)),
                             else_=-1).cast("int8")
    events = events.join(measures.select("measure_id", sector_code=sector_code), "measure_id")
    if unit == "family":
        events = events.join(members, "person_id")
    events = events.mutate(period=period_code(events.start_date, period))

    records = None
    if aggs:
        if not store.has("outcomes"):
            raise DataError("outcomes were asked for, but the store has no outcomes table.")
        all_records = store.table("outcomes")
        records = all_records.filter(all_records.outcome.isin(list(aggs)))
        found = set(records.select("outcome").distinct().to_pandas()["outcome"].tolist())
        absent = [o for o in aggs if o not in found]
        if absent:
            names = all_records.select("outcome").distinct().to_pandas()["outcome"]
            raise DataError(
                f"outcomes {', '.join(map(repr, absent))} have no rows in outcomes; outcomes "
                f"present: {', '.join(map(repr, sorted(names.dropna().tolist())))}."
            )
        if unit == "family":
            records = records.join(members, "person_id")
        records = records.mutate(period=period_code(records.date, period))

    # -- the periods ----------------------------------------------------------------------
    if start is None or end is None:
        ranges = [events.aggregate(lo=events.start_date.min(), hi=events.start_date.max())]
        if records is not None:
            ranges.append(records.aggregate(lo=records.date.min(), hi=records.date.max()))
        bounds = ibis.union(*ranges).aggregate(lo=ibis._.lo.min(), hi=ibis._.hi.max())
        found_lo, found_hi = bounds.to_pandas().iloc[0]
        if pd.isna(found_lo):
            raise DataError("service_events (and outcomes) have no rows; give start and end.")
    first = first if first is not None else pd.Timestamp(found_lo).date()
    last = last if last is not None else pd.Timestamp(found_hi).date()
    lo, hi = python_period_code(first, period), python_period_code(last, period)
    if hi < lo:
        raise SpecError(f"end={end!r} comes before start={start!r}.")
    n_periods = hi - lo + 1
    periods = ibis.memtable({"period": np.arange(lo, hi + 1, dtype="int64")})

    # -- residence grid -------------------------------------------------------------------
    # resident in a period = resident at its end, as in register statistics: from the
    # period of moving in (and not before the first period of the birth year) up to the
    # period before moving out
    per_year = {"year": 1, "quarter": 4, "month": 12}[period]
    first_p: ir.Value = persons.birth_year.cast("int64") * per_year
    last_p: ir.Value = ibis.literal(hi)
    if "move_in_date" in persons.columns:
        first_p = ibis.greatest(first_p, period_code(persons.move_in_date, period).fill_null(lo))
    if "move_out_date" in persons.columns:
        last_p = (period_code(persons.move_out_date, period) - 1).fill_null(hi)
    spans = persons.select("person_id", "family_id", _first_p=first_p, _last_p=last_p)
    grid = spans.cross_join(periods)
    grid = grid.filter(grid.period.between(grid._first_p, grid._last_p)).select(key, "period")
    if unit == "family":
        grid = grid.distinct()
    grid = grid.mutate(balanced=grid.period.count().over(group_by=grid[key]) == n_periods)
    if balanced:
        grid = grid.filter(grid.balanced)

    # -- service costs, outcomes ----------------------------------------------------------
    in_range = events.filter(events.period.between(lo, hi))
    costs = in_range.group_by([key, "period"]).aggregate(
        **{col: in_range.cost_nok.sum(where=in_range.sector_code == i)
           for i, col in enumerate(sectors.values())},
        cost_total=in_range.cost_nok.sum(),
    )
    out = grid.left_join(costs, [key, "period"]).drop(f"{key}_right", "period_right")
    out = out.mutate(**{c: out[c].fill_null(0).cast("float64") for c in [*sectors.values(),
                                                                         "cost_total"]})
    if records is not None:
        recs = records.filter(records.period.between(lo, hi))
        values = {}
        for name, how in aggs.items():
            where = recs.outcome == name
            if how == "sum":
                values[name] = recs.value.sum(where=where)
            elif how == "mean":
                values[name] = recs.value.mean(where=where)
            elif how == "max":
                values[name] = recs.value.max(where=where)
            else:
                values[name] = recs.value.argmax(recs.date, where=where)
        per_period = recs.group_by([key, "period"]).aggregate(**values)
        out = out.left_join(per_period, [key, "period"]).drop(f"{key}_right", "period_right")
        filled = {}
        for name, how in aggs.items():
            value = fill.get(name, 0.0 if how == "sum" else None)
            column = out[name].cast("float64")
            filled[name] = column.fill_null(value) if value is not None else column
        out = out.mutate(**filled)

    # -- cohort ---------------------------------------------------------------------------
    if exposure is not None:
        firsts = _first_exposure(store, exposure)
        if unit == "family":
            firsts = firsts.join(members, "person_id")
            firsts = firsts.group_by("family_id").aggregate(_first=firsts._first.min())
        cohorts = firsts.select(key, cohort=period_code(firsts._first, period))
        out = out.left_join(cohorts, key).drop(f"{key}_right")
        out = out.mutate(cohort=out.cohort.fill_null(0))
        out = out.mutate(exposed=(out.cohort > 0) & (out.period >= out.cohort))

    # -- unit attributes ------------------------------------------------------------------
    has_provider = "provider_id" in persons.columns
    if unit == "person":
        attrs = persons.select("person_id", "family_id", *(["provider_id"] if has_provider
                                                           else []), *covs)
    else:
        wanted = [*(["provider_id"] if has_provider else []), *covs]
        attrs = _family_attributes(persons, wanted)
    out = out.left_join(attrs, key).drop(f"{key}_right")

    head = [key, "period"]
    head += ["family_id"] if unit == "person" else ["n_persons"]
    head += ["provider_id"] if has_provider else []
    head += ["cohort", "exposed"] if exposure is not None else []
    order = [*head, *aggs, *sectors.values(), "cost_total", *covs, "balanced"]
    frame = out.select(*order).order_by([key, "period"]).to_pandas()
    starts = np.array([period_start(c, period) for c in range(lo, hi + 1)], dtype="datetime64[s]")
    frame.insert(2, "period_start", starts[frame["period"].to_numpy() - lo])
    frame["period"] = frame["period"].astype("int64")
    if exposure is not None:
        frame["cohort"] = frame["cohort"].astype("int64")
        frame["exposed"] = frame["exposed"].astype(bool)
    frame["balanced"] = frame["balanced"].astype(bool)
    return frame
