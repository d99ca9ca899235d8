"""The two pilots of the synthetic municipality and the effects planted in them.

**HOLF** (helhetlig oppfølging av lavinntektsfamilier, a family coordinator for
low-income families). Target group per CALIBRATION.md: low-income families with
children who have received social assistance for at least six months. Families
enrol in three yearly rounds (``start_year + 2`` .. ``start_year + 4``).

- ``holf_design="observational"``: caseworkers enrol families with any prior social
  assistance, more often those with low income, many children and long prior
  assistance (selection on these observables only), so a naive comparison is
  biased and matching or DiD is needed.
- ``holf_design="randomised"``: the real trial design (OsloMet for NAV, 2016–2019,
  NCT03102775): NAV offices are randomised, half to the HOLF model; within HOLF
  offices, eligible families are drawn by lot (probability 1/2); the eligible
  families not drawn form a third group. Eligible families in control offices get
  closer follow-up without the model (no planted effect).

Planted effects grow over the years since enrolment, ``min(1, (e + 1) / 3)`` of
their full size at event time ``e``, times a family multiplier in [0.5, 1.5]. Full
sizes are modest, as the trial found no significant effects (CALIBRATION.md).

**Samhandlingsmodell** (the collaboration model with an innsatsleder). Schools and
kindergartens are dealt at random to four waves (1 August of ``start_year + 2`` ..
``start_year + 5``) and a never-treated fifth. The effect at event time ``e`` is
``min(1, (e + 1) / 4)`` of its full size times a wave multiplier (1.4, 1.0, 0.7, 0.4:
early waves gain most) times a provider multiplier in [0.6, 1.4]; dynamic and
heterogeneous across waves, so two-way fixed effects are biased and Callaway &
Sant'Anna's ATT(g, t) is not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from effekt.synthetic.population import Population, random_date

__all__ = ["HOLF_EFFECTS", "SAMHANDLING_EFFECTS", "HolfDesign", "Pilots", "Scenario"]

Scenario = Literal["default", "null", "nonparallel"]
HolfDesign = Literal["observational", "randomised"]

HOLF = "holf"
SAMHANDLING = "samhandling"

HOLF_EFFECTS = {
    "social_assistance_months": -1.5,  # months per year, per household
    "employed": 0.06,  # probability of employment, adults
    "leisure_participation": 0.12,  # probability, children 6-17
    "guidance_hours": 12.0,  # extra helse_sosial hours per adult (coordinated guidance)
}
"""Full-size planted HOLF effects (reached two years after enrolment)."""

SAMHANDLING_EFFECTS = {
    "school_absence_days": -3.0,  # days per year, children 6-15
    "barnevern_referral": -0.012,  # probability of a referral in the year, children 0-17
    "innsatsleder_hours": 20.0,  # extra oppvekst_skole hours, cross-disciplinary pupils
    "barnevern_use": -0.25,  # relative change in the expected use of child-welfare measures
}
"""Full-size planted samhandling effects (reached three years after the wave)."""

# Differential trends per year of the eventually-treated units (scenario "nonparallel").
HOLF_DRIFT = {"p_sa": 0.02, "employed": -0.008, "leisure_participation": -0.008}
SAMHANDLING_DRIFT = {"school_absence_days": 0.35, "barnevern_referral": 0.0015}

WAVE_MULTIPLIERS = (1.4, 1.0, 0.7, 0.4)


@dataclass(frozen=True)
class Pilots:
    """Who is exposed when, and the multipliers of the planted effects."""

    family_cohort: np.ndarray  # per family, enrolment year or 0
    family_multiplier: np.ndarray  # per family
    provider_cohort: np.ndarray  # indexed by provider_id, wave year or 0
    provider_multiplier: np.ndarray  # indexed by provider_id, wave x provider multiplier
    eligible: np.ndarray  # per family: meets the HOLF criteria at baseline
    lottery_round: np.ndarray  # per family: round year in the randomised design, or 0
    lottery: np.ndarray  # per family: "drawn", "not_drawn", "control_office" or None
    exposures: pd.DataFrame
    effect_size: float  # 0 in scenario "null", else 1
    drift: float  # 1 in scenario "nonparallel", else 0


def holf_ramp(event_time: np.ndarray) -> np.ndarray:
    """Share of the full HOLF effect at ``event_time`` (0 before enrolment)."""
    e = np.asarray(event_time, dtype=float)
    return np.where(e >= 0, np.minimum(1.0, (e + 1) / 3), 0.0)


def samhandling_ramp(event_time: np.ndarray) -> np.ndarray:
    """Share of the full samhandling effect at ``event_time`` (0 before the wave)."""
    e = np.asarray(event_time, dtype=float)
    return np.where(e >= 0, np.minimum(1.0, (e + 1) / 4), 0.0)


def assign_pilots(
    rng_holf: np.random.Generator,
    rng_samh: np.random.Generator,
    pop: Population,
    start_year: int,
    scenario: Scenario,
    holf_design: HolfDesign,
) -> Pilots:
    """Enrol HOLF families and deal providers to samhandling waves."""
    f = pop.families
    n_fam = len(f)
    rounds = np.array([start_year + 2, start_year + 3, start_year + 4])
    # every draw is made whatever the design, so the design changes only who enrols
    u_enrol = rng_holf.random(n_fam)
    round_year = rounds[rng_holf.integers(0, len(rounds), n_fam)]
    u_draw = rng_holf.random(n_fam)
    multiplier = rng_holf.uniform(0.5, 1.5, n_fam)
    start_date = random_date(rng_holf, round_year)
    offices = np.sort(f["nav_office"].unique())
    holf_offices = rng_holf.permutation(offices)[: (len(offices) + 1) // 2]

    base = (f["in_year"].to_numpy() == start_year) & f["has_children"].to_numpy()
    prior = f["prior_social_assistance_months"].to_numpy()
    present = f["out_year"].to_numpy() > round_year
    eligible = base & (prior >= 6)
    lottery = np.full(n_fam, None, dtype=object)
    lottery_round = np.zeros(n_fam, dtype=np.int64)
    if holf_design == "observational":
        cand = base & (prior >= 1)
        log_inc = np.log(f["household_income_nok"].to_numpy())
        zinc = (log_inc - log_inc[cand].mean()) / max(log_inc[cand].std(), 1e-9) if cand.any() \
            else np.zeros(n_fam)
        score = -0.3 - 1.0 * zinc + 0.35 * (f["n_children"].to_numpy() - 2) + 0.12 * (prior - 6)
        enrolled = cand & present & (u_enrol < 1 / (1 + np.exp(-score)))
    else:
        in_holf_office = np.isin(f["nav_office"].to_numpy(), holf_offices)
        part = eligible & present
        drawn = part & in_holf_office & (u_draw < 0.5)
        lottery[part & in_holf_office] = "not_drawn"
        lottery[drawn] = "drawn"
        lottery[part & ~in_holf_office] = "control_office"
        lottery_round[part] = round_year[part]
        enrolled = drawn
    family_cohort = np.where(enrolled, round_year, 0)

    prov = pop.providers
    pid = prov["provider_id"].to_numpy()
    provider_cohort = np.zeros(pid.max() + 1, dtype=np.int64)
    provider_mult = np.zeros(pid.max() + 1)
    mult = rng_samh.uniform(0.6, 1.4, len(pid))
    waves = start_year + 2 + np.arange(4)
    for kind in ("school", "kindergarten"):
        ids = rng_samh.permutation(pid[prov["provider_type"].to_numpy() == kind])
        group = np.arange(len(ids)) % 5
        treated = group < 4
        provider_cohort[ids[treated]] = waves[group[treated]]
        provider_mult[ids[treated]] = (
            np.asarray(WAVE_MULTIPLIERS)[group[treated]] * mult[np.searchsorted(pid, ids)][treated]
        )

    fam_ids = np.flatnonzero(enrolled)
    holf_rows = pd.DataFrame({
        "person_id": pd.array([pd.NA] * len(fam_ids), dtype="Int64"),
        "family_id": pd.array(fam_ids + 1, dtype="Int64"),
        "provider_id": pd.array([pd.NA] * len(fam_ids), dtype="Int64"),
        "pilot": HOLF,
        "start_date": start_date[fam_ids].astype("datetime64[us]"),
    })
    treated_ids = np.flatnonzero(provider_cohort)
    samh_rows = pd.DataFrame({
        "person_id": pd.array([pd.NA] * len(treated_ids), dtype="Int64"),
        "family_id": pd.array([pd.NA] * len(treated_ids), dtype="Int64"),
        "provider_id": pd.array(treated_ids, dtype="Int64"),
        "pilot": SAMHANDLING,
        "start_date": np.array(
            [f"{y}-08-01" for y in provider_cohort[treated_ids]], dtype="datetime64[us]"
        ),
    })
    exposures = pd.concat([holf_rows, samh_rows], ignore_index=True)
    exposures["pilot"] = exposures["pilot"].astype("str")
    return Pilots(
        family_cohort=family_cohort,
        family_multiplier=multiplier,
        provider_cohort=provider_cohort,
        provider_multiplier=provider_mult,
        eligible=eligible,
        lottery_round=lottery_round,
        lottery=lottery,
        exposures=exposures,
        effect_size=0.0 if scenario == "null" else 1.0,
        drift=1.0 if scenario == "nonparallel" else 0.0,
    )
