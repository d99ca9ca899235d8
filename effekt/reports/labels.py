"""The names of things in the report, in bokmål (``nb``) and English (``en``).

Outcomes, covariates and their values, flow steps, designs, checks, pilots and units
(:data:`LABELS`), sectors (:data:`SECTOR_NAMES`), what each design estimates in plain words
(:data:`ESTIMAND_WORDS`) and who took part (:data:`SUBJECTS`, :data:`PILOT_SHORT`). A name
with no label reads as a humanised fallback (:func:`label`), never as a raw snake_case name.
The report's sentences are in :mod:`effekt.reports.texts`.
"""

from __future__ import annotations

from string import Template

__all__ = ["COST_LABEL", "ESTIMAND_WORDS", "LABELS", "PILOT_SHORT", "SECTOR_NAMES", "SUBJECTS",
           "humanise", "label", "sector_name"]

#: Names of outcomes, covariates (the columns of ``persons`` and the derived attributes
#: ``age`` and ``provider_type``), their values, flow steps, designs, checks, pilots and
#: units, as the report shows them. Sectors are in :data:`SECTOR_NAMES`; a ``cost_<sector>``
#: outcome reads as that sector's cost (:data:`COST_LABEL`, :func:`label`).
LABELS: dict[str, dict[str, str]] = {
    "nb": {
        # outcomes of the synthetic municipality (outcomes.outcome)
        "social_assistance_months": "måneder med sosialhjelp", "employed": "andel i arbeid",
        "leisure_participation": "andel som deltar i fritidsaktiviteter",
        "school_absence_days": "fraværsdager i skolen",
        "barnevern_referral": "andel meldt til barnevernet",
        "cost_total": "samlet kostnad, kr",
        # covariates: the columns of persons and the derived attributes
        "role": "rolle i familien", "birth_year": "fødselsår", "sex": "kjønn",
        "district": "bydel", "household_income_nok": "husholdningsinntekt (kr)",
        "income_decile": "inntektsdesil", "n_children": "antall barn",
        "prior_social_assistance_months": "måneder med sosialhjelp før oppstart",
        "risk_factors": "antall risikofaktorer",
        "risk_family_0_2": "risikofamilie med barn 0–2 år",
        "cross_disciplinary": "tverrfaglig oppfølging",
        "mental_health_substance": "psykisk helse eller rus", "poverty": "lavinntekt",
        "move_in_date": "innflyttingsdato", "move_out_date": "utflyttingsdato",
        "holf_eligible": "aktuell for HOLF", "holf_round": "HOLF-runde",
        "holf_lottery": "HOLF-loddtrekning", "age": "alder", "provider_type": "tjenestested",
        # values of role, sex and provider_type
        "child": "barn", "adult": "voksne", "F": "kvinner", "M": "menn",
        "school": "skole", "kindergarten": "barnehage", "health_station": "helsestasjon",
        "nav_office": "NAV-kontor", "home_care": "hjemmetjeneste",
        "child_welfare_office": "barneverntjeneste",
        # pilots, units, designs
        "person": "personer", "family": "familier", "holf": "HOLF (helhetlig oppfølging av "
        "lavinntektsfamilier)", "samhandling": "samhandlingsmodellen",
        "staggered_did": "forskjøvet forskjell-i-forskjeller (Callaway og Sant'Anna)",
        "matched_did": "matchet forskjell-i-forskjeller", "matching": "matching",
        "rct": "randomisert forsøk", "did_2x2": "forskjell-i-forskjeller (2x2)",
        "twfe_event_study": "hendelsesstudie med toveis faste effekter",
        # robustness checks and assessment checks
        "alternative_control": "annen kontrollgruppe (ikke ennå behandlet)",
        "alternative_estimator": "annen estimator", "placebo_outcome": "placebo-utfall",
        "sensitivity": "følsomhetsanalyse (E-verdi)", "balance": "balanse",
        "overlap": "overlapp", "attrition": "frafall", "pretrend": "trender før oppstart",
        "pretrend_power": "styrken til testen for trender før oppstart", "placebo": "placebo",
        "clusters": "klynger", "agreement": "andre analyser", "precision": "presisjon",
        "trend_robustness": "robusthet for avvik fra like trender (HonestDiD)",
        "honest_did": "avvik fra like trender (HonestDiD)",
        "bacon_decomposition": "Bacon-dekomponering av TWFE",
        # steps of the sample flow
        "units_in_panel": "enheter i panelet", "units_with_outcome": "enheter med målt utfall",
        "dropped_treated_before_first_period": "utelatt: startet før første periode",
        "dropped_treated_after_last_period": "utelatt: startet etter siste periode",
        "dropped_incomplete_outcome_or_residence": "utelatt: ikke bosatt eller ikke målt i "
        "alle perioder",
        "dropped_treated_outside_window": "utelatt: startet utenfor vinduet",
        "dropped_missing_covariate_or_cluster": "utelatt: mangler kovariat eller klynge",
        "treated": "deltakere", "controls": "sammenligningsenheter",
        "treated_matched": "deltakere matchet", "treated_unmatched": "deltakere uten match",
        "controls_available": "mulige sammenligningsenheter",
        "controls_used": "sammenligningsenheter brukt", "control": "sammenligningsenheter",
        "no_outcome_measured": "utelatt: utfallet ikke målt", "dropped": "utelatt",
        # the study population (results["population"])
        "units_in_data": "enheter i dataene",
        "units_outside_population": "utenfor studiepopulasjonen",
        "units_in_study": "i studiepopulasjonen", "sample_size": "utvalgsstørrelse",
    },
    "en": {
        "social_assistance_months": "months on social assistance", "employed": "share employed",
        "leisure_participation": "share taking part in leisure activities",
        "school_absence_days": "days absent from school",
        "barnevern_referral": "share referred to child welfare",
        "cost_total": "total cost, NOK",
        "role": "role in the family", "birth_year": "year of birth", "sex": "sex",
        "district": "district", "household_income_nok": "household income (NOK)",
        "income_decile": "income decile", "n_children": "number of children",
        "prior_social_assistance_months": "months on social assistance before the start",
        "risk_factors": "number of risk factors",
        "risk_family_0_2": "risk family with children aged 0–2",
        "cross_disciplinary": "cross-disciplinary follow-up",
        "mental_health_substance": "mental health or substance use", "poverty": "low income",
        "move_in_date": "date moved in", "move_out_date": "date moved out",
        "holf_eligible": "eligible for HOLF", "holf_round": "HOLF round",
        "holf_lottery": "HOLF lottery", "age": "age", "provider_type": "service provider",
        "child": "children", "adult": "adults", "F": "women", "M": "men",
        "school": "school", "kindergarten": "kindergarten", "health_station": "health centre",
        "nav_office": "NAV office", "home_care": "home care",
        "child_welfare_office": "child welfare service",
        "person": "persons", "family": "families", "holf": "HOLF (comprehensive follow-up of "
        "low-income families)", "samhandling": "the collaboration model (samhandlingsmodellen)",
        "staggered_did": "staggered difference-in-differences (Callaway and Sant'Anna)",
        "matched_did": "matched difference-in-differences", "matching": "matching",
        "rct": "randomised trial", "did_2x2": "difference-in-differences (2x2)",
        "twfe_event_study": "two-way fixed effects event study",
        "alternative_control": "other control group (not yet treated)",
        "alternative_estimator": "other estimator", "placebo_outcome": "placebo outcome",
        "sensitivity": "sensitivity analysis (E-value)", "balance": "balance",
        "overlap": "overlap", "attrition": "attrition", "pretrend": "pre-trends",
        "pretrend_power": "power of the pre-trend test", "placebo": "placebo",
        "clusters": "clusters", "agreement": "other analyses", "precision": "precision",
        "trend_robustness": "robustness to departures from parallel trends (HonestDiD)",
        "honest_did": "departures from parallel trends (HonestDiD)",
        "bacon_decomposition": "Bacon decomposition of TWFE",
        "units_in_panel": "units in the panel", "units_with_outcome": "units with the outcome "
        "measured", "dropped_treated_before_first_period": "dropped: started before the first "
        "period", "dropped_treated_after_last_period": "dropped: started after the last period",
        "dropped_incomplete_outcome_or_residence": "dropped: not resident or not measured in "
        "every period", "dropped_treated_outside_window": "dropped: started outside the window",
        "dropped_missing_covariate_or_cluster": "dropped: missing covariate or cluster",
        "treated": "participants", "controls": "comparison units",
        "treated_matched": "participants matched", "treated_unmatched": "participants without "
        "a match", "controls_available": "comparison units available",
        "controls_used": "comparison units used", "control": "comparison units",
        "no_outcome_measured": "dropped: outcome not measured", "dropped": "dropped",
        "units_in_data": "units in the data",
        "units_outside_population": "outside the study population",
        "units_in_study": "in the study population", "sample_size": "sample size",
    },
}

#: A service-cost column ``cost_<sector>`` with no label of its own.
COST_LABEL: dict[str, str] = {"nb": "kostnad $sector, kr", "en": "cost of $sector, NOK"}

#: The sectors of ``measures.sector`` (:data:`effekt.budgeting.sectors.SECTORS`: the
#: municipal sectors and the payers outside the municipality).
SECTOR_NAMES: dict[str, dict[str, str]] = {
    "nb": {"oppvekst_barnehage": "barnehage", "oppvekst_skole": "skole",
           "helse_sosial": "helse og sosial", "pleie_omsorg": "pleie og omsorg",
           "nav": "NAV (kommunal)", "barnevern": "barnevern",
           "nav_state": "NAV (statlig)", "health_trust": "helseforetaket"},
    "en": {"oppvekst_barnehage": "kindergarten", "oppvekst_skole": "school",
           "helse_sosial": "health and social services", "pleie_omsorg": "care services",
           "nav": "NAV (municipal)", "barnevern": "child welfare",
           "nav_state": "NAV (state)", "health_trust": "the health trust"},
}

#: The estimand of each design in plain words, for the report's reader; the English
#: report adds the technical statement the estimators give.
ESTIMAND_WORDS: dict[str, dict[str, str]] = {
    "nb": {
        "staggered_did": "gjennomsnittlig effekt for deltakerne i årene etter oppstart, "
        "sammenlignet med utviklingen hos dem som ikke hadde fått tiltaket",
        "matched_did": "gjennomsnittlig effekt for deltakerne i årene etter oppstart, "
        "sammenlignet med matchede familier eller personer med samme forhistorie",
        "did_2x2": "effekt for deltakerne mellom to år, sammenlignet med endringen hos andre",
        "matching": "effekt for deltakerne, sammenlignet med like ikke-deltakere",
        "rct": "gjennomsnittlig effekt av å bli trukket ut til tiltaket",
    },
    "en": {
        "staggered_did": "the average effect on participants in the years after they "
        "started, compared with the path of those the measure had not reached",
        "matched_did": "the average effect on participants in the years after they started, "
        "compared with matched families or persons with the same history",
        "did_2x2": "the effect on participants between two years, against others' change",
        "matching": "the effect on participants, compared with similar non-participants",
        "rct": "the average effect of being assigned to the measure",
    },
}

#: Who took part, by pilot and unit, where the general form (``subject_<unit>`` with the
#: pilot's short name, :data:`PILOT_SHORT`) reads badly.
SUBJECTS: dict[str, dict[tuple[str, str], str]] = {
    "nb": {("holf", "family"): "HOLF-familiene"},
    "en": {("holf", "family"): "HOLF families"},
}

#: A pilot's name inside a sentence (the label has its long form).
PILOT_SHORT: dict[str, dict[str, str]] = {
    "nb": {"holf": "HOLF", "samhandling": "samhandlingsmodellen"},
    "en": {"holf": "HOLF", "samhandling": "the collaboration model"},
}


def humanise(name: str) -> str:
    """Return a name with no label in words: underscores become spaces.

    Examples
    --------
    >>> humanise("days_in_care_2")
    'days in care 2'
    """
    return " ".join(name.replace("_", " ").split())


def label(lang: str, name: str) -> str:
    """Return a readable label for a column, value, design, check or step name.

    A service-cost column ``cost_<sector>`` reads as the cost of that sector, in NOK; a
    sector key as its sector name; a name with no label as :func:`humanise` gives it.

    Examples
    --------
    >>> label("nb", "employed"), label("en", "cost_nav"), label("nb", "cost_unknown")
    ('andel i arbeid', 'cost of NAV (municipal), NOK', 'kostnad unknown, kr')
    >>> label("en", "oppvekst_skole"), label("en", "wellbeing_score")
    ('school', 'wellbeing score')
    """
    if name in LABELS[lang]:
        return LABELS[lang][name]
    if name in SECTOR_NAMES[lang]:
        return SECTOR_NAMES[lang][name]
    if name.startswith("cost_"):
        return Template(COST_LABEL[lang]).substitute(
            sector=sector_name(lang, name.removeprefix("cost_")))
    return humanise(name)


def sector_name(lang: str, sector: str) -> str:
    """Return a sector's name (a humanised key for a sector with no name).

    Examples
    --------
    >>> sector_name("nb", "oppvekst_skole"), sector_name("en", "nav_state")
    ('skole', 'NAV (state)')
    """
    return SECTOR_NAMES[lang].get(sector) or humanise(sector)
