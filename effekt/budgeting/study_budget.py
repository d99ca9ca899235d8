"""The trajectory budget of a municipality, joined to the effects its studies estimated.

:func:`study_budget` takes the record store of a municipality and the results of one or
more effect studies run on it (``results.json`` as dicts, from
:func:`effekt.study.run_study`), and builds the trajectory budget of *that* municipality
with the studies' effects in it:

1. trajectories (forløp) from its own service events (:func:`effekt.data.trajectories`) and
   a price list of their types (:func:`~effekt.budgeting.price_catalogue`);
2. the caseload: the residents of the base year by age group, grown at the municipality's
   own observed rate, times the rate at which each age group started a trajectory of each
   type in the base year (:func:`~effekt.budgeting.project_caseload`);
3. today's service-based budget (the base year's volume of every measure × its unit cost,
   grown with the population) beside the trajectory-based budget, made budget-neutral in
   the base year (:func:`~effekt.budgeting.calibrate_budget_neutral`), with a share withheld
   for the outcome rate card; the rate card pays for the outcomes reached in the base year
   (:func:`~effekt.budgeting.outcomes_reached.outcomes_reached`, from the outcome records)
   and what it does not pay is left in the withheld pool, a row of its own, so the
   comparison adds up;
4. each study's effects as avoided-cost streams: every entry of its ``budget_inputs``
   through :func:`~effekt.budgeting.from_effect` with the estimates' covariance (so the
   years of one outcome are drawn jointly), a Monte Carlo of net cost
   (:func:`~effekt.budgeting.simulate`), the avoided cost per sector over the horizon with
   its 90 % interval, and an investment account per study (who pays, who gains, by sector
   and year; :func:`~effekt.budgeting.investment_account`).

Each study's effect applies to one cohort: its ``n_cases`` treated units (families or
persons, as the study counts them) starting in the base year and followed over the study's
horizon. **Sign:** an avoided cost > 0 means the sector saves money; < 0 that it spends more
(docs/contracts.md). Nothing is counted twice: a priced outcome (months of social
assistance × 9,718 NOK for NAV) is left out when the same study estimated the NOK cost of
that sector (``cost_nav``, which holds those payments), and a pilot's own service recorded
in the service events (``own_measures``) is named as inside the study's estimate of that
sector's cost, not added again.

This module computes: the outcomes reached and the rate card are in
:mod:`~effekt.budgeting.outcomes_reached`, the studies' ``budget_inputs`` are read in
:mod:`~effekt.budgeting.budget_inputs`, and the result, :class:`StudyBudget`
(:mod:`~effekt.budgeting.study_budget_results`), writes the results workbook with
:meth:`StudyBudget.to_excel`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from effekt._checks import (
    LARGE,
    check_choice,
    check_integer,
    check_number,
    check_positive_int,
    check_rng,
)
from effekt.budgeting.accounts import InvestmentAccount, investment_account
from effekt.budgeting.allocation import (
    calibrate_budget_neutral,
    service_budget,
    trajectory_budget,
)
from effekt.budgeting.budget_inputs import BudgetInput, read_budget_inputs, select_inputs
from effekt.budgeting.catalogue import price_catalogue
from effekt.budgeting.discount import DiscountSchedule, Preset, discount_factors, get_schedule
from effekt.budgeting.effects import EffectStream, from_effect
from effekt.budgeting.outcomes_reached import (
    OUTCOMES_REACHED,
    RATE_CARD,
    allocation_with_pool,
    check_rate_card,
    outcomes_reached,
    record_payments,
)
from effekt.budgeting.projection import budget_model, project_caseload, simulate
from effekt.budgeting.sectors import resolve_sector
from effekt.budgeting.study_budget_results import StudyBudget, budget_notes, inputs_table
from effekt.budgeting.workbook.results import Language
from effekt.data import RecordStore, trajectories
from effekt.errors import DataError, SpecError

__all__ = ["AGE_GROUPS", "SMALL_TYPES", "study_budget"]

SMALL_TYPES = "small_types"
"""The type into which the trajectory types too small to show are pooled (disclosure)."""

AGE_GROUPS = (("0-5", 5), ("6-15", 15), ("16-66", 66), ("67+", None))
"""Age groups of the caseload projection: ``(label, oldest age)``; the last has no bound."""


# -- the municipality: residents, population, services -------------------------------------

def _residents(store: RecordStore) -> pd.DataFrame:
    """Persons with the first and last year they are resident at the end of (as in a panel)."""
    cols = [c for c in ("person_id", "family_id", "birth_year", "move_in_date",
                        "move_out_date") if c in store.table("persons").columns]
    p = store.table("persons").select(*cols).to_pandas()
    first = p["birth_year"].astype(float)
    if "move_in_date" in p:
        first = np.fmax(first, pd.to_datetime(p["move_in_date"]).dt.year.astype(float))
    last = pd.Series(np.inf, index=p.index)
    if "move_out_date" in p:
        last = (pd.to_datetime(p["move_out_date"]).dt.year - 1).astype(float).fillna(np.inf)
    return p.assign(first=first, last=last)


def _age_group(age: pd.Series) -> pd.Series:
    bins = [-np.inf, *(a for _, a in AGE_GROUPS[:-1]), np.inf]
    return pd.cut(age, bins, labels=[g for g, _ in AGE_GROUPS]).astype(str)


def _population(res: pd.DataFrame, base_year: int, years: int, growth: float) -> pd.DataFrame:
    alive = res[(res["first"] <= base_year) & (res["last"] >= base_year)]
    pop0 = _age_group(base_year - alive["birth_year"]).value_counts()
    return pd.DataFrame([
        {"year": y, "age_group": g, "population": float(pop0.get(g, 0)) * (1 + growth) ** k}
        for k, y in enumerate(range(base_year, base_year + years)) for g, _ in AGE_GROUPS])


def _observed_growth(res: pd.DataFrame, first: int, last: int) -> float:
    """Yearly growth of the resident population from ``first`` to ``last`` (geometric)."""
    if last <= first:
        return 0.0
    n = [int(((res["first"] <= y) & (res["last"] >= y)).sum()) for y in (first, last)]
    return float((n[1] / n[0]) ** (1 / (last - first)) - 1) if n[0] > 0 and n[1] > 0 else 0.0


def _service_volumes(store: RecordStore, base_year: int) -> pd.DataFrame:
    """Return the base year's volume and mean unit cost of every measure, by sector."""
    ev = store.table("service_events")
    ev = ev.filter(ev.start_date.year() == base_year)
    m = store.table("measures").select("measure_id", "sector", "unit_cost_nok")
    g = ev.join(m, "measure_id").group_by(["sector", "measure_id"]).aggregate(
        units=ev.units.sum(), cost=ev.cost_nok.sum(), unit_cost_nok=m.unit_cost_nok.max())
    df = g.to_pandas().sort_values(["sector", "measure_id"]).reset_index(drop=True)
    df["units"] = df["units"].astype(float).fillna(0.0)
    df["cost"] = df["cost"].astype(float).fillna(0.0)
    has = df["units"] > 0
    # volume × unit cost = the recorded cost: the mean unit cost actually paid
    df["volume"] = np.where(has, df["units"], 1.0)
    df["unit_cost"] = np.where(has, df["cost"] / df["units"].where(has, 1.0), df["cost"])
    return df.rename(columns={"sector": "provider"})[
        ["provider", "measure_id", "volume", "unit_cost"]]


# -- the budget -----------------------------------------------------------------------------

def study_budget(
    store: RecordStore,
    studies: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    *,
    seed: int,
    draws: int = 1000,
    language: Language = "nb",
    years: int | None = None,
    base_year: int | None = None,
    price_year: int = 2024,
    withhold: float = 0.05,
    growth: float | None = None,
    gap_days: int = 90,
    rate_card: pd.DataFrame | None = None,
    cap_per_case: float | None = None,
    schedule: Preset | DiscountSchedule | float = "r109",
    own_measures: Mapping[str, Sequence[str]] | None = None,
    extra_costs: Mapping[str, Mapping[str, float | Sequence[float]]] | None = None,
    min_cell: int = 5,
) -> StudyBudget:
    """Build the trajectory budget of a municipality with the effects its studies estimated.

    Parameters
    ----------
    store : RecordStore
        The municipality's record tables: ``persons``, ``measures``, ``service_events`` and
        (for the rate card) ``outcomes``.
    studies : dict or sequence of dict
        The results of studies run on the same records (``results.json`` as a dict, or what
        :func:`effekt.study.run_study` returns), each with ``budget_inputs``; a study is
        named by its ``spec.exposure.pilot``.
    seed : int
        Seed of the Monte Carlo; the same seed gives the same numbers.
    draws : int
        Monte Carlo draws (default 1000).
    language : {"nb", "en"}
        Language of the notes, the summary and the workbook.
    years : int, optional
        Years of the budget, from the base year (default: the longest study horizon).
        Effects past the last year are left out.
    base_year : int, optional
        The year in which both budgets hand out the same total, and the first budget year
        (default: the last year with service events).
    price_year : int
        Year of the records' fixed prices (a label; default 2024).
    withhold : float
        Share of the trajectory budget withheld for the rate card (default 0.05).
    growth : float, optional
        Yearly population growth of the projection (default: the residents' observed growth
        from the first to the last year of service events).
    gap_days : int
        Longest gap within a trajectory (default 90 days).
    rate_card : DataFrame, optional
        ``outcome, price_nok, cap_per_case_nok`` for outcomes of
        :data:`~effekt.budgeting.outcomes_reached.OUTCOMES_REACHED` (default
        :data:`~effekt.budgeting.outcomes_reached.RATE_CARD`).
    cap_per_case : float, optional
        Cap in NOK per case and year across outcomes.
    schedule : str, DiscountSchedule or float
        Discounting of present values (default R-109).
    own_measures : mapping of str to list of str, optional
        Each pilot's own services as measure names (or ids) in ``measures``, e.g.
        ``{"holf": ["Familieveiledning, koordinert (lavinntekt)"]}``: the notes say whether
        the study's estimate of that sector's cost holds them (then they are not counted
        again) or not (then the budget leaves them out; give them as ``extra_costs``).
    extra_costs : mapping, optional
        ``{pilot: {sector: NOK a year or [NOK in year 0, 1, ...]}}``: the pilot's costs
        that are in no estimate (e.g. a state grant); they enter its investment account.
    min_cell : int
        The disclosure threshold (default 5, as a study spec's ``min_cell``; a smaller
        number is a SpecError). See "Disclosure control" below.

    Returns
    -------
    StudyBudget

    Raises
    ------
    SpecError
        A study without ``budget_inputs`` (results of an older effekt), or one listing every
        malformed entry; a bad argument.
    DataError
        Record tables from which no budget can be built (no service events in the base
        year), or fewer than ``min_cell`` trajectories in all.

    Notes
    -----
    **Disclosure control** (docs/contracts.md, "Disclosure control: the study budget").
    The budget counts the municipality's own records, so what it shows follows the
    small-cell rule:

    - *trajectory types* (catalogue, caseload, the trajectory budget): a type with 1 to
      ``min_cell`` - 1 trajectories, or with 1 to ``min_cell`` - 1 of them starting in the
      base year (the base-year caseload is that observed count), is pooled *before*
      pricing with the other such types into one type ``small_types`` ("Øvrige typer (små,
      slått sammen)"); while the pool itself has 1 to ``min_cell`` - 1 trajectories or
      base-year starts, or holds one type only, the smallest other type joins it. So every
      type shown, priced and projected rests on at least ``min_cell`` trajectories (and 0
      or at least ``min_cell`` base-year starts), and the pooled figures are those of a
      type, not a sum a reader could split. The pooled types are named in the notes and in
      ``settings["pooled_types"]``;
    - *outcomes reached*: a count of cases or outcomes from 1 to ``min_cell`` - 1 is shown
      as ``"<5"`` and its payments are blank; the later years projected from a hidden
      base-year count (base × the shown growth) are blank too. Secondary suppression: a
      year and provider whose outcome payment is hidden has its outcome payment, total
      and difference blank in the allocation, and so has that year's withheld-pool row
      (otherwise pool = withheld − Σ payments would give the hidden payment away); the
      base year's paid and left-in-pool amounts (summary, settings) and the total of
      outcomes reached (notes) are then withheld as well.

    The Python attributes of the result (``outcomes``, ``allocation``, :meth:`StudyBudget.pool`)
    are not disclosure-controlled; :meth:`StudyBudget.summary`, :meth:`StudyBudget.sheets` and
    :meth:`StudyBudget.to_excel` are. The studies' effects (``budget_inputs``) come from
    results that the study runner has already disclosed.

    Examples
    --------
    >>> from effekt.data import RecordStore
    >>> from effekt.synthetic import generate
    >>> m = generate(seed=1, scale=0.02)
    >>> store = RecordStore.from_frames(**{k: m.tables[k] for k in (
    ...     "persons", "measures", "service_events", "outcomes")})
    >>> results = {"spec": {"exposure": {"pilot": "holf"}}, "budget_inputs": [
    ...     {"outcome": "cost_nav", "kind": "nok", "sector": "nav", "nok_per_unit": 1.0,
    ...      "n_cases": 30.0, "horizon": 3, "beyond": "zero", "event_time": [0, 1, 2],
    ...      "estimate": [-5000.0, -10000.0, -15000.0],
    ...      "vcov": [[1e6, 0, 0], [0, 1e6, 0], [0, 0, 1e6]]}]}
    >>> b = study_budget(store, results, seed=1, draws=200, language="en")
    >>> t = b.totals.set_index(["pilot", "sector"])
    >>> round(t.loc[("all", "nav"), "avoided_cost_nok"])
    900000
    """
    check_choice("language", language, Language)
    min_cell = check_integer("min_cell", min_cell, minimum=5)
    draws = check_positive_int("draws", draws)
    rng = check_rng(seed)
    price_year = check_integer("price_year", price_year)
    withhold = check_number("withhold", withhold, low=0, high=1, high_open=True)
    gap_days = check_positive_int("gap_days", gap_days, minimum=0)
    if growth is not None:
        growth = check_number("growth", growth, low=-0.5, high=0.5)
    if cap_per_case is not None:
        cap_per_case = check_number("cap_per_case", cap_per_case, low=0)
    schedule = get_schedule(schedule)
    if isinstance(studies, Mapping):
        studies = [studies]
    if isinstance(studies, str) or not isinstance(studies, Sequence) or not studies:
        raise SpecError("studies must be one study's results (a dict) or a non-empty list of "
                        "them.")
    if not isinstance(store, RecordStore):
        raise SpecError(f"store must be a RecordStore, got {type(store).__name__}.")
    names, inputs = read_budget_inputs(studies, language)
    if years is None:
        years = max([i.horizon for ins in inputs for i in ins], default=5)
    years = check_integer("years", years, minimum=1, maximum=200)
    rc = RATE_CARD if rate_card is None else check_rate_card(rate_card)
    own_measures, extra_costs = _check_by_pilot(own_measures, extra_costs, names)

    # -- the municipality
    res = _residents(store)
    ev = store.table("service_events")
    span = ev.aggregate(lo=ev.start_date.min().year(), hi=ev.start_date.max().year()).to_pandas()
    if span["lo"].isna().all():
        raise DataError("service_events is empty: no budget can be built.")
    data_first, data_last = int(span["lo"].iloc[0]), int(span["hi"].iloc[0])
    base_year = data_last if base_year is None else check_integer("base_year", base_year)
    if not data_first <= base_year <= data_last:
        raise SpecError(f"base_year must be a year of the service events, {data_first}.."
                        f"{data_last}, got {base_year}.")
    g = _observed_growth(res, data_first, data_last) if growth is None else float(growth)
    traj, pooled = _pool_small_types(trajectories(store, gap_days=gap_days), base_year,
                                     min_cell)
    catalogue = price_catalogue(traj, trim=0.99, price_year=price_year)
    population = _population(res, base_year, years, g)
    started = traj[traj["start_date"].dt.year == base_year]
    no_starts = (f"no trajectory starts in the base year {base_year}: no caseload to project; "
                 "choose another base_year.")
    if not len(started):
        raise DataError(no_starts)
    pop0 = population[population["year"] == base_year].set_index("age_group")["population"]
    inc = (started.assign(age_group=_age_group(started["age_at_start"]))
           .groupby(["trajectory_type", "age_group"]).size().rename("n").reset_index())
    inc["rate"] = inc["n"] / inc["age_group"].map(pop0).where(lambda x: x > 0)
    inc = inc[inc["rate"].notna() & (inc["n"] > 0)][["trajectory_type", "age_group", "rate"]]
    if not len(inc):
        raise DataError(no_starts)
    caseload = project_caseload(population, inc, catalogue, years=years, start_year=base_year)
    volumes = _service_volumes(store, base_year)
    if not len(volumes):
        raise DataError(f"no service events in the base year {base_year}: no service budget.")
    index = {y: (1 + g) ** k for k, y in enumerate(range(base_year, base_year + years))}
    sv = service_budget(pd.concat([volumes.assign(year=y, volume=volumes["volume"] * k)
                                   for y, k in index.items()], ignore_index=True)[
        ["year", "provider", "measure_id", "volume", "unit_cost"]])
    cat_cal, factor = calibrate_budget_neutral(caseload, catalogue, sv, base_year=base_year)
    tb = trajectory_budget(caseload, cat_cal, withhold=withhold)

    # -- the rate card: outcomes reached in the base year, later years grown with the people
    reached = outcomes_reached(store)
    reached = reached[reached["outcome"].isin(rc["outcome"])]
    recorded = record_payments(reached, rc, cap_per_case).assign(basis="recorded")
    base_paid = recorded[recorded["year"] == base_year]
    projected = [base_paid.assign(year=y, n_cases=base_paid["n_cases"] * k,
                                  count=base_paid["count"] * k,
                                  payout_uncapped=base_paid["payout_uncapped"] * k,
                                  payout=base_paid["payout"] * k, basis="projected")
                 for y, k in index.items() if y > base_year]
    outcomes = pd.concat([recorded[recorded["year"] <= base_year], *projected],
                         ignore_index=True)
    in_budget = outcomes[outcomes["year"].between(base_year, base_year + years - 1)]
    payouts = in_budget.groupby(["year", "provider"], as_index=False)["payout"].sum()
    allocation = allocation_with_pool(sv, tb, payouts if len(payouts) else None)

    # -- the studies' effects
    used, skipped = select_inputs(inputs)
    streams: list[tuple[BudgetInput, EffectStream]] = []
    for inp in used:
        stream = from_effect(inp.estimates(), {inp.sector: inp.nok_per_unit},
                             n_cases=inp.n_cases, horizon=inp.horizon, beyond=inp.beyond)
        streams.append((inp, stream))
    model = budget_model(cat_cal, caseload, effects=[s for _, s in streams])
    sim_rng, eff_rng = rng.spawn(2)
    sim = simulate(model, draws=draws, seed=sim_rng)
    avoided, totals, by_pilot = _avoided(streams, names, years, base_year, draws, eff_rng,
                                         schedule)
    accounts, account_table, flows = _accounts(names, by_pilot, extra_costs, years,
                                               schedule, price_year, base_year)
    notes = budget_notes(names, inputs, used, skipped, store, own_measures, base_year,
                         years, recorded, g, growth is None, language, schedule,
                         min_cell=min_cell, pooled=pooled)
    settings = {"seed": seed if isinstance(seed, int) else None, "draws": draws,
                "base_year": base_year, "first_year": base_year,
                "last_year": base_year + years - 1, "years": years, "price_year": price_year,
                "withhold_share": withhold, "growth": g, "gap_days": gap_days,
                "calibration_factor": factor, "schedule": schedule.name,
                "min_cell": min_cell, "pooled_types": tuple(pooled)}
    rate = rc.assign(definition=[OUTCOMES_REACHED[o][language] for o in rc["outcome"]])
    return StudyBudget(
        totals=totals, avoided=avoided, allocation=allocation, catalogue=cat_cal,
        caseload=caseload, net_cost=sim.quantiles(), accounts=accounts,
        account_table=account_table, flows=flows, rate_card=rate,
        outcomes=outcomes[["year", "provider", "outcome", "basis", "n_cases", "count",
                           "payout_uncapped", "payout"]],
        inputs=inputs_table(inputs, skipped, language), notes=tuple(notes),
        settings=settings, language=language)


def _pool_small_types(traj: pd.DataFrame, base_year: int, min_cell: int
                      ) -> tuple[pd.DataFrame, list[str]]:
    """Pool the trajectory types too small to show into one type, :data:`SMALL_TYPES`.

    A type is small when it has 1 to ``min_cell`` - 1 trajectories, or 1 to ``min_cell`` - 1
    starting in ``base_year``. The small types are pooled; while the pool is small by the
    same test, or holds a single type, the smallest other type (fewest trajectories, then
    name) joins it. Returns the trajectories with the pooled types relabelled and the
    pooled types' names (sorted; empty when nothing is small).

    Examples
    --------
    >>> t = pd.DataFrame({"trajectory_type": ["a"] * 9 + ["b"] * 3 + ["c"] * 6,
    ...                   "start_date": pd.to_datetime(["2025-01-01"] * 18)})
    >>> out, pooled = _pool_small_types(t, 2025, 5)
    >>> pooled, out["trajectory_type"].value_counts().to_dict()
    (['b', 'c'], {'a': 9, 'small_types': 9})
    """
    types = traj["trajectory_type"].astype(str)
    n = types.value_counts()
    starts = types[traj["start_date"].dt.year == base_year].value_counts().reindex(
        n.index, fill_value=0)

    def small(k: float) -> bool:
        return 0 < k < min_cell

    pooled = [t for t in n.index if small(n[t]) or small(starts[t])]
    if not pooled:
        return traj, []
    rest = sorted((t for t in n.index if t not in pooled), key=lambda t: (n[t], t))
    while small(n[pooled].sum()) or small(starts[pooled].sum()) or len(pooled) < 2:
        if not rest:
            if small(n[pooled].sum()) or small(starts[pooled].sum()):
                raise DataError(f"fewer than min_cell={min_cell} trajectories (or base-year "
                                "starts) in all: no budget can be shown under disclosure "
                                "control.")
            break
        pooled.append(rest.pop(0))
    out = traj.copy()
    out["trajectory_type"] = types.where(~types.isin(pooled), SMALL_TYPES).to_numpy()
    return out, sorted(pooled)


def _check_by_pilot(own_measures: Any, extra_costs: Any, names: list[str]
                    ) -> tuple[dict[str, Sequence[str]], dict[str, Mapping[str, Any]]]:
    """Check ``own_measures`` and ``extra_costs``: mappings by pilot, a pilot a study's name."""
    checked = []
    for arg, value in (("own_measures", own_measures), ("extra_costs", extra_costs)):
        if value is not None and not isinstance(value, Mapping):
            raise SpecError(f"{arg} must be a mapping by pilot (the studies: "
                            f"{', '.join(names)}), got {type(value).__name__} {value!r}.")
        for pilot in value or {}:
            if pilot not in names:
                raise SpecError(f"own_measures/extra_costs name the pilot {pilot!r}, which is "
                                f"not one of the studies ({', '.join(names)}).")
        checked.append(dict(value or {}))
    own, extra = checked
    for pilot, measures in own.items():
        if isinstance(measures, str) or not isinstance(measures, Sequence) or not all(
                isinstance(m, str | int) and not isinstance(m, bool) for m in measures):
            raise SpecError(f"own_measures[{pilot!r}] must be a list of measure names or ids "
                            f"(in the measures table), got {measures!r}.")
    for pilot, costs in extra.items():
        if not isinstance(costs, Mapping):
            raise SpecError(f"extra_costs[{pilot!r}] must be a mapping {{sector: NOK a year or "
                            f"[NOK in year 0, 1, ...]}}, got {costs!r}.")
        for sector, v in costs.items():
            try:
                arr = np.asarray(v, dtype=float)
            except (TypeError, ValueError):
                arr = np.array(np.nan)
            if arr.ndim > 1 or not np.all((arr >= 0) & (arr <= LARGE)):
                raise SpecError(f"extra_costs[{pilot!r}][{sector!r}] must be an amount in NOK "
                                f"(>= 0) or a list of yearly amounts, got {v!r}.")
    return own, extra


def _avoided(streams: list[tuple[BudgetInput, EffectStream]], names: list[str], years: int,
             base_year: int, draws: int, rng: np.random.Generator,
             schedule: DiscountSchedule) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Avoided cost by input and year, totals by pilot and sector, and means by pilot."""
    rows, parts = [], {}
    f = discount_factors(years - 1, schedule)
    for inp, stream in streams:
        d = np.zeros((draws, years))
        h = min(stream.horizon, years)
        d[:, :h] = stream.sample(draws, rng)[:, :h, 0]
        mean = np.zeros(years)
        mean[:h] = stream.mean().iloc[:h, 0].to_numpy()
        key = (inp.pilot, inp.sector)
        prev = parts.get(key, (np.zeros((draws, years)), np.zeros(years)))
        parts[key] = (prev[0] + d, prev[1] + mean)
        q05, q95 = np.quantile(d, [0.05, 0.95], axis=0)
        for t in range(years):
            known = inp.estimated(t)
            rows.append({"pilot": inp.pilot, "outcome": inp.outcome, "outcome_label": inp.label,
                         "sector": inp.sector, "year": base_year + t, "event_time": t,
                         "estimated": known,
                         **dict(zip(("avoided_cost_nok", "p05_nok", "p95_nok"),
                                    (mean[t], q05[t], q95[t]) if known else (np.nan,) * 3,
                                    strict=True))})
    avoided = pd.DataFrame(rows, columns=["pilot", "outcome", "outcome_label", "sector", "year",
                                          "event_time", "estimated", "avoided_cost_nok",
                                          "p05_nok", "p95_nok"])

    def total_row(pilot: str, sector: str, d: np.ndarray, mean: np.ndarray) -> dict:
        tot, pv = d.sum(axis=1), d @ f
        return {"pilot": pilot, "sector": sector, "avoided_cost_nok": float(mean.sum()),
                "p05_nok": float(np.quantile(tot, 0.05)),
                "p95_nok": float(np.quantile(tot, 0.95)), "pv_nok": float(mean @ f),
                "pv_p05_nok": float(np.quantile(pv, 0.05)),
                "pv_p95_nok": float(np.quantile(pv, 0.95))}

    sectors = sorted({s for _, s in parts})
    out = []
    for pilot in ["all", *names]:
        keys = [k for k in parts if pilot in ("all", k[0])]
        for sector in sectors:
            ks = [k for k in keys if k[1] == sector]
            if ks:
                out.append(total_row(pilot, sector, sum(parts[k][0] for k in ks),
                                     sum(parts[k][1] for k in ks)))
        if keys:
            out.append(total_row(pilot, "total", sum(parts[k][0] for k in keys),
                                 sum(parts[k][1] for k in keys)))
    totals = pd.DataFrame(out, columns=["pilot", "sector", "avoided_cost_nok", "p05_nok",
                                        "p95_nok", "pv_nok", "pv_p05_nok", "pv_p95_nok"])
    by_pilot = {p: {s: parts[(p, s)][1] for (q, s) in parts if q == p} for p in names}
    return avoided, totals, by_pilot


def _accounts(names: list[str], by_pilot: dict, extra: Mapping, years: int,
              schedule: DiscountSchedule, price_year: int, first_year: int
              ) -> tuple[dict[str, InvestmentAccount], pd.DataFrame, pd.DataFrame]:
    """Build an investment account per pilot: sectors spending more pay, those saving gain."""
    accounts, tabs, flows = {}, [], []
    for pilot in names:
        net = by_pilot.get(pilot, {})
        gains = {s: np.clip(v, 0.0, None) for s, v in net.items()}
        costs: dict[str, Any] = {s: np.clip(-v, 0.0, None) for s, v in net.items()}
        for s, v in (extra.get(pilot) or {}).items():
            sec = resolve_sector(s, where=f"extra_costs[{pilot!r}] key")
            arr = np.full(years, float(v)) if np.ndim(v) == 0 else np.asarray(v, dtype=float)
            costs[sec] = (costs[sec] + np.pad(arr, (0, max(0, years - arr.size)))[:years]
                          if sec in costs else arr)
        acc = investment_account(costs, gains, horizon=years - 1, lag=0, schedule=schedule,
                                 price_year=price_year, measure=pilot)
        accounts[pilot] = acc
        if acc.sectors:  # a study without budget inputs or extra costs: no flows to show
            tabs.append(acc.who_pays_who_gains().assign(pilot=pilot))
        fl = acc.to_frame()
        fl = fl[fl["amount_nok"] != 0].assign(pilot=pilot, year=fl["year"] + first_year)
        flows.append(fl)
    cols = ["pilot", "sector", "cost", "gain", "pv_cost", "pv_gain", "pv_net"]
    table = pd.concat(tabs, ignore_index=True)[cols] if tabs else pd.DataFrame(columns=cols)
    fcols = ["pilot", "year", "sector", "kind", "amount_nok", "discounted_nok"]
    flow = pd.concat(flows, ignore_index=True)[fcols] if flows else pd.DataFrame(columns=fcols)
    return accounts, table, flow.sort_values(["pilot", "year", "sector", "kind"],
                                             kind="stable").reset_index(drop=True)
