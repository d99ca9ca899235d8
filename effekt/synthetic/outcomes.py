"""Yearly outcomes of the synthetic municipality and the truth table of planted effects.

Every outcome is built as unit fixed effect + common calendar trend + planted effect
(+ noise when ``noise=True``), and drawn so that its expectation stays linear in that
sum: binary outcomes are Bernoulli with that probability, counts are a stochastic
rounding of the mean times a mean-one gamma factor, social-assistance months are
binomial out of 12. Parallel trends therefore hold in expectation by construction
(scenario ``"nonparallel"`` adds a differential trend to the eventually-treated
units). With ``noise=False`` the recorded value is the expectation itself, so a
DiD of cohort g between years g - 1 and t against the never-treated returns the
planted effect exactly.

Treated and untreated potential outcomes are drawn from the *same* random numbers,
so the individual effect ``Y(1) - Y(0)`` of every unit and year is known, and the
truth table averages it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from effekt.synthetic.pilots import (
    HOLF,
    HOLF_DRIFT,
    HOLF_EFFECTS,
    SAMHANDLING,
    SAMHANDLING_DRIFT,
    SAMHANDLING_EFFECTS,
    Pilots,
    holf_ramp,
    samhandling_ramp,
)
from effekt.synthetic.population import Population

__all__ = ["OUTCOMES", "Grid", "build_outcomes", "truth_rows"]

OUTCOMES = (
    "social_assistance_months",
    "employed",
    "leisure_participation",
    "school_absence_days",
    "barnevern_referral",
)
"""Outcome names of the ``outcomes`` table (one record per person and year)."""

TRUTH_COLUMNS = [
    "pilot", "outcome", "unit_level", "cohort", "period", "event_time",
    "effect", "n_units", "effect_panel", "n_units_panel",
]


@dataclass(frozen=True)
class Grid:
    """The person × year grid: who is resident (observed) on 31 December of each year."""

    start_year: int
    years: np.ndarray
    resident: np.ndarray  # (persons, years) bool
    family_resident: np.ndarray  # (families, years) bool
    holf_cohort: np.ndarray  # per person
    holf_mult: np.ndarray  # per person
    samh_cohort: np.ndarray  # per person (children of treated schools/kindergartens)
    samh_mult: np.ndarray  # per person
    samh_unit: np.ndarray  # per person: provider is a school or kindergarten


def build_grid(pop: Population, pilots: Pilots, start_year: int, end_year: int) -> Grid:
    """Residence grid and each person's pilot cohorts and effect multipliers."""
    f, p = pop.families, pop.persons
    years = np.arange(start_year, end_year + 1)
    fam = p["family"].to_numpy()
    fres = (f["in_year"].to_numpy()[:, None] <= years) & (f["out_year"].to_numpy()[:, None] > years)
    res = fres[fam] & (p["birth_year"].to_numpy()[:, None] <= years)
    prov = p["provider_id"].to_numpy()
    ptype = pop.providers.set_index("provider_id")["provider_type"]
    kind = np.full(len(p), "", dtype=object)
    has = prov > 0
    kind[has] = ptype.loc[prov[has]].to_numpy()
    unit = np.isin(kind, ["school", "kindergarten"])
    safe = np.where(has, prov, 0)
    return Grid(
        start_year=start_year,
        years=years,
        resident=res,
        family_resident=fres,
        holf_cohort=pilots.family_cohort[fam],
        holf_mult=pilots.family_multiplier[fam],
        samh_cohort=np.where(unit, pilots.provider_cohort[safe], 0),
        samh_mult=np.where(unit, pilots.provider_multiplier[safe], 0.0),
        samh_unit=unit,
    )


def _trend(years: np.ndarray, slope: float, covid: tuple[float, float]) -> np.ndarray:
    """Return the common calendar trend: linear, with a shift in 2020 and 2021 (the pandemic)."""
    lam = slope * (years - years[0])
    return lam + np.where(years == 2020, covid[0], 0.0) + np.where(years == 2021, covid[1], 0.0)


def _count(mu: np.ndarray, g: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Count with mean ``mu``: stochastic rounding of ``mu * g`` (``g`` mean one)."""
    return np.floor(np.maximum(mu, 0.0) * g + v)


def truth_rows(
    pilot: str,
    outcome: str,
    unit_level: str,
    unit: np.ndarray,
    t_idx: np.ndarray,
    cohort: np.ndarray,
    effect: np.ndarray,
    n_units: int,
    start_year: int,
    n_years: int,
) -> pd.DataFrame:
    """ATT(g, t) rows: mean individual effect by cohort and period over observed units.

    ``unit``, ``t_idx``, ``cohort`` (of the unit, 0 = never) and ``effect`` are one
    entry per observed unit and year. ``effect`` averages over the treated units of
    cohort g observed in period t; ``effect_panel`` over those also observed in the
    cohort's base period g - 1 (what a panel DiD against g - 1 compares).
    """
    obs = np.zeros((n_units, n_years), dtype=bool)
    obs[unit, t_idx] = True
    tr = cohort > 0
    u, t, g, eff = unit[tr], t_idx[tr], cohort[tr], effect[tr]
    base_t = g - 1 - start_year
    in_base = (base_t >= 0) & obs[u, np.clip(base_t, 0, n_years - 1)]
    key = pd.DataFrame({"cohort": g, "period": t + start_year, "e": eff, "in_base": in_base})
    key["e_base"] = np.where(in_base, eff, 0.0)
    agg = key.groupby(["cohort", "period"], sort=True).agg(
        effect_sum=("e", "sum"), n_units=("e", "size"),
        panel_sum=("e_base", "sum"), n_units_panel=("in_base", "sum"),
    ).reset_index()
    out = pd.DataFrame({
        "pilot": pilot,
        "outcome": outcome,
        "unit_level": unit_level,
        "cohort": agg["cohort"].astype(np.int64),
        "period": agg["period"].astype(np.int64),
    })
    out["event_time"] = out["period"] - out["cohort"]
    out["effect"] = agg["effect_sum"] / agg["n_units"]
    out["n_units"] = agg["n_units"].astype(np.int64)
    npan = agg["n_units_panel"].to_numpy()
    out["effect_panel"] = np.where(npan > 0, agg["panel_sum"] / np.maximum(npan, 1), np.nan)
    out["n_units_panel"] = npan.astype(np.int64)
    return out[TRUTH_COLUMNS]


@dataclass(frozen=True)
class OutcomeDraws:
    """The outcome records, the truth rows and the household social-assistance draws."""

    records: pd.DataFrame  # person index, year, outcome code, value
    truth: pd.DataFrame
    sa_family: np.ndarray  # family index of each family-year with SA
    sa_t: np.ndarray
    sa_y1: np.ndarray
    sa_y0: np.ndarray


def build_outcomes(
    rng: np.random.Generator, pop: Population, pilots: Pilots, grid: Grid, noise: bool
) -> OutcomeDraws:
    """Draw the five yearly outcomes and their truth rows."""
    f, p = pop.families, pop.persons
    years, y0_ = grid.years, grid.start_year
    n_p, n_t, n_f = len(p), len(years), len(f)
    fam = p["family"].to_numpy()
    z = f["z"].to_numpy()[fam]
    sa_fam = f["on_social_assistance"].to_numpy()
    sa = sa_fam[fam]
    is_child = p["is_child"].to_numpy()
    cross = p["cross_disciplinary"].to_numpy()
    risk2 = f["risk_factors"].to_numpy()[fam] >= 2
    n_prov = int(pop.providers["provider_id"].max()) + 1
    prov = np.maximum(p["provider_id"].to_numpy(), 0)
    nav = f["nav_office"].to_numpy()
    es, ds = pilots.effect_size, pilots.drift
    hc, hm, sc, sm = grid.holf_cohort, grid.holf_mult, grid.samh_cohort, grid.samh_mult

    # fixed draws (the same whatever the scenario, design or noise)
    a_emp = np.clip(0.78 + 0.08 * z - 0.25 * sa - 0.15 * p["mental_health_substance"], 0.12, 0.93)
    a_leis = np.clip(
        0.72 + 0.07 * z - 0.2 * sa - 0.1 * f["poverty"].to_numpy()[fam]
        + 0.05 * rng.standard_normal(n_p), 0.2, 0.85,
    )
    a_abs = 6.0 + rng.gamma(2.0, 2.5, n_p) + 4.0 * cross + 3.0 * sa
    a_ref = 0.03 + 0.05 * rng.beta(1.0, 3.0, n_p) + 0.03 * risk2 + 0.02 * cross
    shock = {k: rng.normal(0, sd, (n_prov, n_t)) for k, sd in
             [("sa", 0.1), ("emp", 0.015), ("leis", 0.03), ("abs", 0.8), ("ref", 0.004)]}
    for s in shock.values():
        s[0] = 0.0
    u_p = rng.random((4, n_p, n_t))
    gam = rng.gamma(6.0, 1 / 6, (n_p, n_t))
    u_f = rng.random((n_f, n_t))
    py_noise = rng.normal(0, 1.5, (n_p, n_t))
    k = 1.0 if noise else 0.0

    records, truth = [], []

    def emit(name, rows_p, rows_t, value):
        records.append(pd.DataFrame({"person": rows_p, "t": rows_t,
                                     "outcome": OUTCOMES.index(name), "value": value}))

    # social assistance months: household level, recorded for the adults of families
    # with children; no calendar trend (the caseload is roughly flat)
    fam_kids = f["has_children"].to_numpy()
    fi, ft = np.nonzero(grid.family_resident & fam_kids[:, None])
    fc, fmul = pilots.family_cohort[fi], pilots.family_multiplier[fi]
    p_sa = f["p_sa"].to_numpy()[fi]
    p0 = p_sa * (1 + k * shock["sa"][nav[fi], ft]) + ds * HOLF_DRIFT["p_sa"] * ft * (
        (fc > 0) & (p_sa > 0))
    tau = es * HOLF_EFFECTS["social_assistance_months"] / 12 * holf_ramp(years[ft] - fc) * fmul
    tau = np.where(fc > 0, tau, 0.0)
    if noise:
        sa0 = stats.binom.ppf(u_f[fi, ft], 12, np.clip(p0, 0, 1))
        sa1 = stats.binom.ppf(u_f[fi, ft], 12, np.clip(p0 + tau, 0, 1))
    else:
        sa0, sa1 = 12 * p0, 12 * (p0 + tau)
    truth.append(truth_rows(HOLF, "social_assistance_months", "family", fi, ft, fc, sa1 - sa0,
                            n_f, y0_, n_t))
    adult_res = grid.resident & ~is_child[:, None] & fam_kids[fam][:, None]
    pi, pt = np.nonzero(adult_res)
    lookup = np.full((n_f, n_t), -1, dtype=np.int64)
    lookup[fi, ft] = np.arange(len(fi))
    row = lookup[fam[pi], pt]
    emit("social_assistance_months", pi, pt, sa1[row])
    truth.append(truth_rows(HOLF, "social_assistance_months", "person", pi, pt, hc[pi],
                            sa1[row] - sa0[row], n_p, y0_, n_t))

    def binary(name, mask, a, lam, shk, prov_of, drift, tau_full, ramp, coh, mult, pilot, ui):
        i, t = np.nonzero(mask)
        c = coh[i]
        p0 = a[i] + lam[t] + k * shk[prov_of[i], t] + ds * drift * t * (c > 0)
        tau = np.where(c > 0, es * tau_full * ramp(years[t] - c) * mult[i], 0.0)
        if noise:
            y0 = (u_p[ui, i, t] < np.clip(p0, 0, 1)).astype(float)
            y1 = (u_p[ui, i, t] < np.clip(p0 + tau, 0, 1)).astype(float)
        else:
            y0, y1 = p0, p0 + tau
        emit(name, i, t, y1)
        truth.append(truth_rows(pilot, name, "person", i, t, c, y1 - y0, n_p, y0_, n_t))

    age = years[None, :] - p["birth_year"].to_numpy()[:, None]
    res = grid.resident
    binary("employed", res & ~is_child[:, None] & (age >= 18) & (age <= 66), a_emp,
           _trend(years, 0.004, (-0.02, 0.0)), shock["emp"], nav[fam], HOLF_DRIFT["employed"],
           HOLF_EFFECTS["employed"], holf_ramp, hc, hm, HOLF, 0)
    binary("leisure_participation", res & is_child[:, None] & (age >= 6) & (age <= 17), a_leis,
           _trend(years, 0.003, (-0.08, -0.03)), shock["leis"], prov,
           HOLF_DRIFT["leisure_participation"], HOLF_EFFECTS["leisure_participation"],
           holf_ramp, hc, hm, HOLF, 1)
    binary("barnevern_referral", res & is_child[:, None] & (age >= 0) & (age <= 17), a_ref,
           _trend(years, 0.0008, (-0.005, 0.0)), shock["ref"], prov,
           SAMHANDLING_DRIFT["barnevern_referral"], SAMHANDLING_EFFECTS["barnevern_referral"],
           samhandling_ramp, sc, sm, SAMHANDLING, 2)

    # school absence days, children 6-15 (count)
    i, t = np.nonzero(res & is_child[:, None] & (age >= 6) & (age <= 15))
    c = sc[i]
    mu0 = (a_abs[i] + _trend(years, 0.25, (3.0, 2.0))[t] + k * shock["abs"][prov[i], t]
           + k * py_noise[i, t] + ds * SAMHANDLING_DRIFT["school_absence_days"] * t * (c > 0))
    tau = np.where(c > 0, es * SAMHANDLING_EFFECTS["school_absence_days"]
                   * samhandling_ramp(years[t] - c) * sm[i], 0.0)
    if noise:
        y0 = _count(mu0, gam[i, t], u_p[3, i, t])
        y1 = _count(mu0 + tau, gam[i, t], u_p[3, i, t])
    else:
        y0, y1 = mu0, mu0 + tau
    emit("school_absence_days", i, t, y1)
    truth.append(truth_rows(SAMHANDLING, "school_absence_days", "person", i, t, c, y1 - y0,
                            n_p, y0_, n_t))

    has_sa = sa1 > 0
    return OutcomeDraws(
        records=pd.concat(records, ignore_index=True),
        truth=pd.concat(truth, ignore_index=True),
        sa_family=fi[has_sa | (sa0 > 0)],
        sa_t=ft[has_sa | (sa0 > 0)],
        sa_y1=sa1[has_sa | (sa0 > 0)],
        sa_y0=sa0[has_sa | (sa0 > 0)],
    )
