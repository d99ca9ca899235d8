"""Service events (tjenestehendelser) of the synthetic municipality.

Each person has a few *usage rows*: a measure and an expected number of units per
year, fixed over time (a unit fixed effect; the catalogue prices are fixed, so
costs have no calendar trend). Every kindergarten child has an ordinary place
(ages 1-5); other measures are drawn by the person's age type and critical
groups, cheaper measures more often. Kindergarten measures run only at ages 1-5
and care measures (pleie og omsorg) only from age 67. One event per usage row
and resident year; its units are a stochastic rounding of the expected units
times a mean-one gamma factor (``noise=True``), or the expected units themselves.

Planted cost effects: HOLF's coordinated family guidance (helse_sosial hours for
the adults of enrolled families) and, through social-assistance months,
social-assistance payments (nav); samhandling's innsatsleder hours for
cross-disciplinary pupils of treated schools (oppvekst_skole) and a relative
reduction of child-welfare measures for children of treated schools and
kindergartens (barnevern).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from effekt.synthetic.measures import (
    HOLF_GUIDANCE,
    INNSATSLEDER,
    KINDERGARTEN_PLACE,
    SOCIAL_ASSISTANCE,
    SPECIAL,
)
from effekt.synthetic.outcomes import Grid, OutcomeDraws
from effekt.synthetic.pilots import (
    HOLF_EFFECTS,
    SAMHANDLING_EFFECTS,
    Pilots,
    holf_ramp,
    samhandling_ramp,
)
from effekt.synthetic.population import DISTRICTS, Population

__all__ = ["COST_SECTORS", "build_events"]

COST_SECTORS = {
    "holf": ("nav", "helse_sosial"),
    "samhandling": ("oppvekst_skole", "barnevern"),
}
"""The sectors whose yearly cost per person carries a planted effect, by pilot."""

_AGE_TYPE_SECTORS = {
    0: ("oppvekst_barnehage", "helse_sosial", "barnevern"),  # pre-school children
    1: ("oppvekst_skole", "oppvekst_barnehage", "helse_sosial", "barnevern"),  # pupils
    2: ("helse_sosial", "nav"),  # adults
    3: ("helse_sosial", "pleie_omsorg"),  # 67 or over by the last year
}
_GROUPS = ("risk_family_0_2", "cross_disciplinary", "mental_health_substance", "poverty")


def _usage(rng, pop: Population, measures: pd.DataFrame, end_year: int, start_year: int):
    """Background usage rows: person index, measure index, expected units per year."""
    f, p = pop.families, pop.persons
    fam = p["family"].to_numpy()
    is_child = p["is_child"].to_numpy()
    birth = p["birth_year"].to_numpy()
    age_type = np.where(is_child, p["school_provider"].to_numpy().astype(int),
                        np.where(end_year - birth >= 67, 3, 2))
    groups = np.column_stack([
        f["risk_family_0_2"].to_numpy()[fam], p["cross_disciplinary"].to_numpy(),
        p["mental_health_substance"].to_numpy(), f["poverty"].to_numpy()[fam],
    ])
    code = age_type * 16 + groups @ (1 << np.arange(4))
    n_slots = rng.poisson(0.3 + 0.8 * groups.sum(1) + 0.6 * (age_type == 3))
    slot_person = np.repeat(np.arange(len(p)), n_slots)
    slot_code = code[slot_person]
    slot_u = rng.random(len(slot_person))
    slot_measure = np.zeros(len(slot_person), dtype=np.int64)
    sector = measures["sector"].to_numpy()
    target = measures["target_group"].to_numpy()
    cost_w = measures["unit_cost_nok"].to_numpy() ** -0.4
    special = np.isin(measures["name"].to_numpy(), SPECIAL)
    for c in np.unique(slot_code):
        at, bits = divmod(int(c), 16)
        mine = [g for j, g in enumerate(_GROUPS) if bits >> j & 1]
        w = np.where(np.isin(target, mine), 4.0, np.where(target == "general", 1.0, 0.1))
        w = w * cost_w * np.isin(sector, _AGE_TYPE_SECTORS[at]) * ~special
        cdf = np.cumsum(w) / w.sum()
        sel = slot_code == c
        slot_measure[sel] = np.minimum(np.searchsorted(cdf, slot_u[sel]), len(cdf) - 1)
    unit = measures["unit"].to_numpy()[slot_measure]
    mu = np.select(
        [unit == "month", unit == "decision"],
        [np.minimum(12.0, rng.gamma(2.0, 2.0, len(slot_measure))),
         1.0 + rng.gamma(1.0, 0.5, len(slot_measure))],
        np.minimum(300.0, rng.gamma(2.0, 8.0, len(slot_measure))),
    )
    kg = np.flatnonzero(is_child & (birth >= start_year - 5) & (birth <= end_year - 1))
    kg_m = int(np.flatnonzero(measures["name"].to_numpy() == KINDERGARTEN_PLACE)[0])
    return (np.concatenate([slot_person, kg]),
            np.concatenate([slot_measure, np.full(len(kg), kg_m)]),
            np.concatenate([mu, np.full(len(kg), 10.5)]))


def build_events(
    rng: np.random.Generator,
    pop: Population,
    pilots: Pilots,
    grid: Grid,
    draws: OutcomeDraws,
    measures: pd.DataFrame,
    noise: bool,
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Return the service events (internal person index) and the cost effect by sector.

    The second value maps each sector in :data:`COST_SECTORS` to an array of shape
    (persons, years): the planted effect on the person's cost in that sector and year.
    """
    f, p = pop.families, pop.persons
    years, start = grid.years, grid.start_year
    n_p, n_t = len(p), len(years)
    es = pilots.effect_size
    mname = measures["name"].to_numpy()
    midx = {n: int(np.flatnonzero(mname == n)[0]) for n in SPECIAL}
    sector = measures["sector"].to_numpy()
    cost = measures["unit_cost_nok"].to_numpy()
    birth = p["birth_year"].to_numpy()

    person, meas, mu = _usage(rng, pop, measures, int(years[-1]), start)
    # planted additions (rows exist whatever the scenario; their added units are 0 in "null")
    holf_adult = np.flatnonzero((grid.holf_cohort > 0) & ~p["is_child"].to_numpy())
    pupil = p["school_provider"].to_numpy() & grid.samh_unit
    innsats = np.flatnonzero((grid.samh_cohort > 0) & pupil & p["cross_disciplinary"].to_numpy())
    n_base = len(person)
    person = np.concatenate([person, holf_adult, innsats])
    meas = np.concatenate([meas, np.full(len(holf_adult), midx[HOLF_GUIDANCE]),
                           np.full(len(innsats), midx[INNSATSLEDER])])
    mu = np.concatenate([mu, np.zeros(len(holf_adult) + len(innsats))])
    kind = np.concatenate([np.zeros(n_base), np.ones(len(holf_adult)), np.full(len(innsats), 2)])

    # expand to resident years, with the age gates
    r, t = np.nonzero(grid.resident[person])
    age = years[t] - birth[person[r]]
    sec = sector[meas[r]]
    keep = ((sec != "oppvekst_barnehage") | ((age >= 1) & (age <= 5))) & (
        (sec != "pleie_omsorg") | (age >= 67))
    r, t, sec = r[keep], t[keep], sec[keep]
    i, m, kd = person[r], meas[r], kind[r]
    g = rng.gamma(4.0, 0.25, len(r))
    v = rng.random(len(r))
    offset = rng.integers(0, 181, len(r))
    span = rng.integers(0, 121, len(r))
    mu0 = mu[r]
    e_h = years[t] - grid.holf_cohort[i]
    e_s = years[t] - grid.samh_cohort[i]
    add = np.where(kd == 1, es * HOLF_EFFECTS["guidance_hours"] * holf_ramp(e_h)
                   * grid.holf_mult[i], 0.0)
    add += np.where(kd == 2, es * SAMHANDLING_EFFECTS["innsatsleder_hours"]
                    * samhandling_ramp(e_s) * grid.samh_mult[i], 0.0)
    bv = (sec == "barnevern") & (grid.samh_cohort[i] > 0)
    rel = np.where(bv, es * SAMHANDLING_EFFECTS["barnevern_use"] * samhandling_ramp(e_s)
                   * grid.samh_mult[i], 0.0)
    mu1 = mu0 * (1 + rel) + add
    unit = measures["unit"].to_numpy()[m]
    cap = np.select([unit == "month", unit == "day"], [12.0, 365.0], np.inf)
    if noise:
        units0 = np.minimum(cap, np.floor(mu0 * g + v))
        units1 = np.minimum(cap, np.floor(mu1 * g + v))
    else:
        units0, units1 = mu0, mu1

    # social-assistance payments to the household head
    sa_m = midx[SOCIAL_ASSISTANCE]
    head = f["head"].to_numpy()[draws.sa_family]
    i = np.concatenate([i, head])
    t = np.concatenate([t, draws.sa_t])
    m = np.concatenate([m, np.full(len(head), sa_m)])
    units0 = np.concatenate([units0, draws.sa_y0])
    units1 = np.concatenate([units1, draws.sa_y1])
    unit = np.concatenate([unit, np.full(len(head), "month")])
    offset = np.concatenate([offset, np.zeros(len(head), dtype=np.int64)])
    span = np.concatenate([span, np.zeros(len(head), dtype=np.int64)])

    effects = {}
    diff = (units1 - units0) * cost[m]
    for s in ("nav", "helse_sosial", "oppvekst_skole", "barnevern"):
        sel = sector[m] == s
        effects[s] = np.bincount(i[sel] * n_t + t[sel], weights=diff[sel],
                                 minlength=n_p * n_t).reshape(n_p, n_t)

    ev = units1 > 0
    i, t, m, units, unit, offset, span = (
        i[ev], t[ev], m[ev], units1[ev], unit[ev], offset[ev], span[ev])
    jan1 = (years[t] - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    dec31 = (years[t] - 1969).astype("datetime64[Y]").astype("datetime64[D]") - 1
    begin = jan1 + offset.astype("timedelta64[D]")
    length = np.select([unit == "month", unit == "day"],
                       [np.floor(units * 30.4), np.floor(units)], span).astype(np.int64)
    end = np.minimum(begin + length.astype("timedelta64[D]"), dec31)
    events = pd.DataFrame({
        "person": i, "measure": m, "start_date": begin, "end_date": end, "units": units,
        "cost_nok": units * cost[m], "provider_id": _event_provider(pop, i, sector[m]),
    })
    # two draws of the same measure for the same person, provider and dates are one event
    # (the record store rejects repeated keys as double registrations)
    key = ["person", "measure", "provider_id", "start_date", "end_date"]
    events = events.groupby(key, sort=False, as_index=False)[["units", "cost_nok"]].sum()
    return events, effects


def _event_provider(pop: Population, person: np.ndarray, sector: np.ndarray) -> np.ndarray:
    """Return each event's provider: own school/kindergarten, else the district's."""
    p, f, pr = pop.persons, pop.families, pop.providers
    own = p["provider_id"].to_numpy()[person]
    dist = p["district"].to_numpy()[person]
    ptype = pr["provider_type"].to_numpy()
    pdist = pr["district"].to_numpy()
    pid = pr["provider_id"].to_numpy()
    own_type = np.full(len(person), "", dtype=object)
    has = own > 0
    own_type[has] = pd.Series(ptype, index=pid).loc[own[has]].to_numpy()
    first = {}
    for kind in ("school", "kindergarten", "health_station", "home_care"):
        first[kind] = np.array([pid[(ptype == kind) & (pdist == d)][0] for d in DISTRICTS])
    welfare = pid[ptype == "child_welfare_office"][0]
    out = np.select(
        [sector == "oppvekst_skole", sector == "oppvekst_barnehage", sector == "helse_sosial",
         sector == "pleie_omsorg", sector == "nav", sector == "barnevern"],
        [np.where(own_type == "school", own, first["school"][dist]),
         np.where(own_type == "kindergarten", own, first["kindergarten"][dist]),
         first["health_station"][dist], first["home_care"][dist],
         f["nav_office"].to_numpy()[p["family"].to_numpy()[person]],
         np.full(len(person), welfare)],
        0,
    )
    return out.astype(np.int64)
