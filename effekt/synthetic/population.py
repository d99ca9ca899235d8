"""Households, persons, providers and residence of the synthetic municipality.

Calibration (CALIBRATION.md): Bærum had 126,347 inhabitants on 1 July 2018 and grew
by about 1,750 a year (Handlingsprogram 2019–2022, ch. 8); about 300 families
received economic social assistance (the welfare project's status report 2, 2019).
Everything is drawn with vectorised numpy; loops run over years or districts only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["DISTRICTS", "Population", "build_population", "random_date"]

POPULATION_2018 = 126_347  # 1 July 2018, Handlingsprogram 2019–2022 ch. 8
GROWTH_PER_YEAR = 1_750  # same source
SA_FAMILIES = 300  # families on social assistance, status report 2 (2019)
MIN_SA_FAMILIES = 40  # floor at small scales, so that the HOLF pilot has families to study
BIRTH_RATE = 0.011  # births per inhabitant and year (indicative)
MOVE_OUT_HAZARD = 0.04  # households moving out per year (indicative)
MEAN_HOUSEHOLD_SIZE = 2.1
SHARE_WITH_CHILDREN = 0.23
DISTRICTS = ("Sandvika", "Bekkestua", "Stabekk", "Fornebu", "Bærums Verk", "Østerås")

PROVIDER_TYPES = (
    "school",
    "kindergarten",
    "health_station",
    "nav_office",
    "child_welfare_office",
    "home_care",
)


@dataclass(frozen=True)
class Population:
    """Internal arrays of the population (one row per family and per person)."""

    families: pd.DataFrame
    persons: pd.DataFrame
    providers: pd.DataFrame


def build_providers(scale: float) -> pd.DataFrame:
    """Return the ``providers`` table: schools, kindergartens and one service office each.

    About 43 schools and 170 kindergartens at scale 1 (at least 30 schools, so that a
    rollout over schools in four waves keeps about six never-treated schools to compare
    with and to cluster on, and at least 12 kindergartens), one health
    station, NAV office and home-care zone per district, and one child-welfare office.
    Bærum has a single NAV office; the synthetic one has one per district so that the
    HOLF trial design can randomise offices.
    """
    n_school = max(30, round(43 * scale))
    n_kg = max(12, round(170 * scale))
    rows: list[tuple[str, str, str]] = []
    for i in range(n_school):
        d = DISTRICTS[i % len(DISTRICTS)]
        rows.append(("school", d, f"{d} skole {i // len(DISTRICTS) + 1}"))
    for i in range(n_kg):
        d = DISTRICTS[i % len(DISTRICTS)]
        rows.append(("kindergarten", d, f"{d} barnehage {i // len(DISTRICTS) + 1}"))
    for d in DISTRICTS:
        rows.append(("health_station", d, f"{d} helsestasjon"))
        rows.append(("nav_office", d, f"NAV {d}"))
        rows.append(("home_care", d, f"Hjemmetjenesten {d}"))
    rows.append(("child_welfare_office", DISTRICTS[0], "Barneverntjenesten"))
    df = pd.DataFrame(rows, columns=["provider_type", "district", "name"])
    df.insert(0, "provider_id", np.arange(1, len(df) + 1, dtype=np.int64))
    return df


def _households(rng: np.random.Generator, n: int, entry_year: np.ndarray) -> dict:
    """Draw ``n`` households entering in ``entry_year`` (array); ages are at entry."""
    kids = rng.random(n) < SHARE_WITH_CHILDREN
    two = np.where(kids, rng.random(n) < 0.78, rng.random(n) < 0.45)
    n_adults = 1 + two.astype(np.int64)
    n_children = np.where(kids, rng.choice([1, 2, 3, 4], n, p=[0.3, 0.45, 0.2, 0.05]), 0)
    z = rng.standard_normal(n) - 0.6 * (kids & ~two)
    district = rng.choice(len(DISTRICTS), n, p=[0.2, 0.18, 0.17, 0.15, 0.15, 0.15])
    # persons
    fam = np.repeat(np.arange(n), n_adults + n_children)
    first = np.concatenate([[0], np.cumsum(n_adults + n_children)[:-1]])
    pos = np.arange(len(fam)) - first[fam]
    is_child = pos >= n_adults[fam]
    child_age = rng.integers(0, 18, len(fam))
    oldest = np.zeros(n, dtype=np.int64)
    np.maximum.at(oldest, fam[is_child], child_age[is_child])
    parent_age = oldest[fam] + rng.integers(22, 39, len(fam))
    mix = rng.choice(3, len(fam), p=[0.3, 0.42, 0.28])
    lone_age = np.choose(
        mix, [rng.integers(19, 35, len(fam)), rng.integers(35, 67, len(fam)),
              rng.integers(67, 96, len(fam))]
    )
    age = np.where(is_child, child_age, np.where(kids[fam], parent_age, lone_age))
    # the second adult of a couple is about as old as the first
    second = np.flatnonzero((~is_child) & (pos == 1))
    age[second] = np.maximum(19, age[second - 1] + rng.integers(-4, 5, len(second)))
    return {
        "has_children": kids,
        "n_adults": n_adults,
        "n_children": n_children,
        "z": z,
        "district": district,
        "person_family": fam,
        "person_is_child": is_child,
        "person_birth_year": entry_year[fam] - age,
        "person_sex": rng.random(len(fam)) < 0.5,
        "person_pos": pos,
    }


def random_date(rng: np.random.Generator, year: np.ndarray) -> np.ndarray:
    """Draw a random day within each ``year`` (datetime64[D])."""
    start = (np.asarray(year) - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    return start + rng.integers(0, 365, len(start)).astype("timedelta64[D]")


def build_population(
    rng: np.random.Generator, scale: float, start_year: int, end_year: int,
    providers: pd.DataFrame,
) -> Population:
    """Draw households, persons, births and moves for ``start_year``..``end_year``.

    The population on 1 January ``start_year`` is ``scale`` times Bærum's 126,347
    inhabitants of 2018 moved by 1,750 a year; households move out at 4 % a year and
    enough move in each year for a net growth of about 1,750 × ``scale`` persons. A
    person is *resident in year t* (observed, one outcome record per year) when they
    live in the municipality on 31 December of t: born by t, family moved in by t and
    not moved out in or before t.
    """
    years = np.arange(start_year, end_year + 1)
    n0 = scale * (POPULATION_2018 + GROWTH_PER_YEAR * (start_year - 2018))
    f0 = max(1, round(n0 / MEAN_HOUSEHOLD_SIZE))
    in_mean = max(0.0, (MOVE_OUT_HAZARD - BIRTH_RATE) * n0 + GROWTH_PER_YEAR * scale)
    n_in = rng.poisson(in_mean / MEAN_HOUSEHOLD_SIZE, len(years) - 1)
    in_year = np.concatenate([np.full(f0, start_year), np.repeat(years[1:], n_in)])
    n_fam = len(in_year)
    h = _households(rng, n_fam, in_year)
    base = in_year == start_year
    out_year = in_year + rng.geometric(MOVE_OUT_HAZARD, n_fam)
    moves_out = out_year <= end_year
    move_in = np.where(base, np.datetime64("NaT"), random_date(rng, in_year))
    move_out = np.where(moves_out, random_date(rng, np.minimum(out_year, end_year)),
                        np.datetime64("NaT"))

    kids = h["has_children"]
    income = np.exp(np.log(900_000) + 0.5 * h["z"]) * np.where(h["n_adults"] == 2, 1.0, 0.6)
    income = np.round(income, -3)
    cuts = np.quantile(income[base], np.linspace(0.1, 0.9, 9))
    decile = 1 + np.searchsorted(cuts, income, side="right")
    poverty = kids & (income < 0.6 * np.median(income[base & kids]))
    # social assistance: the lowest-resource families with children (CALIBRATION: ~300)
    target = max(SA_FAMILIES * scale, MIN_SA_FAMILIES)
    share = min(0.5, target / max(1, int((base & kids).sum())))
    latent = h["z"] + 0.5 * rng.standard_normal(n_fam)
    pool = base & kids
    cut = np.quantile(latent[pool], share) if pool.any() else -np.inf
    sa = kids & (latent < cut)
    p_sa = np.where(sa, rng.uniform(0.2, 0.9, n_fam), 0.0)
    prior_sa = rng.binomial(12, p_sa)
    risk = np.where(
        kids,
        np.minimum(4, rng.poisson(0.25 + 0.8 * sa + 0.25 * np.maximum(0, -h["z"]))),
        0,
    )

    # persons present at entry, then births into resident families with children
    pf = h["person_family"]
    is_child = h["person_is_child"]
    birth = h["person_birth_year"]
    sex = h["person_sex"]
    youngest_adult = np.full(n_fam, -10_000)
    np.maximum.at(youngest_adult, pf[~is_child], birth[~is_child])
    new_fam, new_year = [], []
    for t in years:
        ok = kids & (in_year <= t) & (out_year > t) & (t - youngest_adult < 45)
        resident = ((in_year <= t) & (out_year > t))[pf] & (birth <= t)
        p = min(0.9, BIRTH_RATE * resident.sum() / max(1, ok.sum()))
        born = np.flatnonzero(ok & (rng.random(n_fam) < p))
        new_fam.append(born)
        new_year.append(np.full(len(born), t))
    nf = np.concatenate(new_fam)
    pf = np.concatenate([pf, nf])
    is_child = np.concatenate([is_child, np.ones(len(nf), bool)])
    birth = np.concatenate([birth, np.concatenate(new_year)])
    sex = np.concatenate([sex, rng.random(len(nf)) < 0.5])
    order = np.lexsort((birth, is_child, pf))
    pf, is_child, birth, sex = pf[order], is_child[order], birth[order], sex[order]
    n_per = len(pf)

    young_child = np.zeros(n_fam, bool)
    young_child[pf[is_child & (birth >= start_year - 2)]] = True
    risk_0_2 = kids & (risk >= 2) & young_child
    u = rng.random(n_per)
    cross = is_child & (u < 0.06 + 0.06 * (risk[pf] >= 2))
    mental = ~is_child & (rng.random(n_per) < 0.03 + 0.04 * (risk[pf] >= 2) + 0.03 * sa[pf])

    # providers: home school (children reaching school age in the window) or kindergarten,
    # the district's NAV office for adults under 67 at entry
    district = h["district"][pf]
    school = is_child & (birth <= end_year - 6)
    ptype = np.where(is_child, np.where(school, "school", "kindergarten"), "nav_office")
    provider = np.full(n_per, -1, dtype=np.int64)
    pr_type = providers["provider_type"].to_numpy()
    pr_dist = providers["district"].to_numpy()
    pr_id = providers["provider_id"].to_numpy()
    pick = rng.random(n_per)
    for di, dname in enumerate(DISTRICTS):
        for kind in ("school", "kindergarten", "nav_office"):
            ids = pr_id[(pr_type == kind) & (pr_dist == dname)]
            sel = (district == di) & (ptype == kind)
            provider[sel] = ids[(pick[sel] * len(ids)).astype(np.int64)]
    provider[~is_child & (in_year[pf] - birth >= 67)] = -1
    nav_of_district = {
        d: int(pr_id[(pr_type == "nav_office") & (pr_dist == d)][0]) for d in DISTRICTS
    }
    families = pd.DataFrame({
        "has_children": kids,
        "n_adults": h["n_adults"],
        "n_children": h["n_children"],
        "z": h["z"],
        "district": h["district"],
        "in_year": in_year,
        "out_year": out_year,
        "move_in_date": move_in.astype("datetime64[us]"),
        "move_out_date": move_out.astype("datetime64[us]"),
        "household_income_nok": income.astype(np.int64),
        "income_decile": decile.astype(np.int64),
        "poverty": poverty,
        "on_social_assistance": sa,
        "p_sa": p_sa,
        "prior_social_assistance_months": prior_sa.astype(np.int64),
        "risk_factors": risk.astype(np.int64),
        "risk_family_0_2": risk_0_2,
        "nav_office": np.array([nav_of_district[DISTRICTS[d]] for d in h["district"]]),
    })
    head = np.full(n_fam, -1, dtype=np.int64)
    first_adult = np.flatnonzero(~is_child & np.r_[True, pf[1:] != pf[:-1]])
    head[pf[first_adult]] = first_adult
    families["head"] = head
    persons = pd.DataFrame({
        "family": pf,
        "is_child": is_child,
        "birth_year": birth,
        "female": sex,
        "district": district,
        "provider_id": provider,
        "school_provider": school,
        "cross_disciplinary": cross,
        "mental_health_substance": mental,
    })
    return Population(families=families, persons=persons, providers=providers)


def person_table(pop: Population) -> pd.DataFrame:
    """Return the public ``persons`` record table from the internal arrays."""
    f, p = pop.families, pop.persons
    fam = p["family"].to_numpy()
    col = {c: f[c].to_numpy()[fam] for c in f.columns}
    out = pd.DataFrame({
        "person_id": np.arange(1, len(p) + 1, dtype=np.int64),
        "family_id": fam.astype(np.int64) + 1,
        "role": np.where(p["is_child"], "child", "adult"),
        "birth_year": p["birth_year"].to_numpy().astype(np.int64),
        "sex": np.where(p["female"], "F", "M"),
        "district": np.asarray(DISTRICTS, dtype=object)[p["district"].to_numpy()],
        "provider_id": pd.array(np.where(p["provider_id"] < 0, 0, p["provider_id"]),
                                dtype="Int64"),
        "household_income_nok": col["household_income_nok"],
        "income_decile": col["income_decile"],
        "n_children": col["n_children"].astype(np.int64),
        "prior_social_assistance_months": col["prior_social_assistance_months"],
        "risk_factors": col["risk_factors"],
        "risk_family_0_2": col["risk_family_0_2"],
        "cross_disciplinary": p["cross_disciplinary"].to_numpy(),
        "mental_health_substance": p["mental_health_substance"].to_numpy(),
        "poverty": col["poverty"],
        "move_in_date": col["move_in_date"],
        "move_out_date": col["move_out_date"],
    })
    out.loc[p["provider_id"].to_numpy() < 0, "provider_id"] = pd.NA
    # newborns are born in the municipality: no move-in date
    born_here = p["birth_year"].to_numpy() > f["in_year"].to_numpy()[fam]
    out.loc[born_here, "move_in_date"] = pd.NaT
    return out
