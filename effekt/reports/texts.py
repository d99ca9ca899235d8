"""Report texts in bokmål (``nb``) and English (``en``), one template for both.

Texts with fields are :class:`string.Template` strings (``$name``); the renderer fills them.
"""

from __future__ import annotations

from string import Template

__all__ = ["LABELS", "TEXTS", "fmt_number", "label", "text"]

TEXTS: dict[str, dict[str, str]] = {
    "nb": {
        "lang": "nb",
        "summary": "Sammendrag",
        "summary_what": "Studien anslår effekten av $pilot på $outcome for $unit_plural som "
                        "deltok, sammenlignet med $unit_plural som ikke deltok "
                        "($design).",
        "summary_answer": "Anslått effekt: $estimate (95 % konfidensintervall $ci_lower til "
                          "$ci_upper), basert på $n_treated deltakende $unit_plural.",
        "summary_suppressed": "Hovedanslaget er undertrykt fordi det bygger på færre enn "
                              "$min_cell enheter.",
        "summary_not_estimable": "Hovedanslaget kunne ikke beregnes fra disse dataene; se "
                                 "merknadene under Begrensninger.",
        "summary_secondary": "Hovedanslaget er skjult: sammen med anslagene per år kunne "
                             "det avsløre et anslag som bygger på færre enn $min_cell "
                             "enheter.",
        "conf_withheld": "Intervallet utelukker null effekt. Testen for ulike trender før "
                         "oppstart vises ikke (se nedenfor), så den forutsetningen er ikke "
                         "vurdert her.",
        "secondary_note": "–* = skjult (sekundær prikking) for at et tall under $min_cell ikke "
                          "skal kunne regnes ut fra tallene som vises.",
        "event_hidden": "Skjulte anslag er ikke tegnet.",
        "pretrend_withheld": "Testen vises ikke: den regnes ut fra anslag før oppstart som er "
                             "skjult av personvernhensyn.",
        "sensitivity_withheld": "Følsomhetsanalysen (E-verdi) vises ikke, fordi hovedanslaget "
                                "den regnes ut fra, er skjult.",
        "budget_withheld": "Budsjettvirkningen for $outcomes vises ikke, fordi anslaget den "
                           "regnes ut fra, er skjult.",
        "budget_hidden_years": "År der effektanslaget bygger på færre enn $min_cell enheter, "
                               "vises med –.",
        "disclosure_secondary": "$n_secondary tall til er skjult (–*) for at de skjulte "
                                "tallene ikke skal kunne regnes ut.",
        "conf_high": "Intervallet utelukker null effekt, og testen for ulike trender før "
                     "oppstart gir ikke grunn til bekymring: resultatet er forholdsvis sikkert.",
        "conf_mid": "Intervallet utelukker null effekt, men testen for ulike trender før "
                    "oppstart slår ut: tolk resultatet med forsiktighet.",
        "conf_low": "Intervallet inkluderer null effekt: dataene kan ikke skille effekten fra "
                    "tilfeldig variasjon.",
        "design": "Design og estimand",
        "estimand": "Estimand",
        "design_type": "Design",
        "period": "Periode",
        "unit": "Enhet",
        "covariates": "Kovariater",
        "flow": "Utvalg",
        "step": "Steg",
        "count": "Antall",
        "balance": "Balanse før og etter matching",
        "balance_note": "Standardiserte gjennomsnittsforskjeller (SMD); |SMD| under 0,1 regnes "
                        "som god balanse.",
        "covariate": "Kovariat",
        "cohort": "Kohort",
        "smd_before": "SMD før",
        "smd_after": "SMD etter",
        "estimates": "Hovedresultater",
        "outcome": "Utfall",
        "estimate": "Anslag",
        "std_error": "Standardfeil",
        "ci": "95 % KI",
        "n_treated": "Deltakere",
        "n_control": "Sammenligning",
        "event_study": "Effekt over tid",
        "event_note": "Effekt per år før og etter oppstart (referanse: året før, −1). "
                      "Vertikale streker: 95 % konfidensintervall.",
        "no_event": "Designet gir ikke effekt per år etter oppstart.",
        "event_time": "År siden oppstart",
        "pretrend": "Test av parallelle trender før oppstart",
        "pretrend_text": "Wald-test av at alle effekter før oppstart er null: "
                         "W = $statistic, frihetsgrader $df, p = $p_value.",
        "pretrend_none": "Testen kunne ikke beregnes (ingen perioder før oppstart å teste).",
        "robustness": "Robusthet",
        "check": "Kontroll",
        "not_estimable": "kunne ikke beregnes",
        "sensitivity": "Følsomhet for uobserverte forskjeller: E-verdi $e_value (for "
                       "konfidensgrensen nærmest null: $e_value_ci). En uobservert faktor må "
                       "henge så sterkt sammen med både deltakelse og utfall for å forklare "
                       "bort effekten.",
        "budget": "Budsjettvirkning",
        "budget_note": "Forventet unngått kostnad (NOK, faste priser) per år etter oppstart og "
                       "sektor for $n_cases tilfeller per år, med 90 % usikkerhetsintervall "
                       "(effekt::from_effect). Negative tall er merkostnader.",
        "budget_none": "Ingen kostnad per enhet er oppgitt i studien.",
        "sector": "Sektor",
        "year": "År",
        "avoided": "Unngått kostnad",
        "interval": "90 % intervall",
        "limitations": "Begrensninger",
        "lim_observational": "Deltakelse var ikke tilfeldig fordelt. Designet tar høyde for "
                             "observerte forskjeller og faste forskjeller over tid, men ikke "
                             "for uobserverte forskjeller som endrer seg over tid.",
        "lim_rct": "Resultatet forutsetter at tildelingen var tilfeldig og at alle fulgte "
                   "tildelingen.",
        "lim_small": "Få deltakere gir brede intervaller; tall fra færre enn $min_cell enheter "
                     "er skjult.",
        "lim_synthetic": "Dataene er syntetiske (kunstig kommune); resultatene illustrerer "
                         "metoden og sier ingenting om virkelige personer.",
        "lim_warnings": "Under beregningen ga metodene disse merknadene:",
        "warn_where_data": "Dataene",
        "warn_where_main": "Hovedanalysen av $outcome",
        "warn_where_robustness": "Robusthetskontrollen «$check»",
        "warn_for": " for $outcome",
        "warn_where_budget": "Budsjettvirkningen",
        "band_small": "færre enn $min_cell",
        "band_large": "$min_cell eller flere",
        "and": "og",
        "warn_dropped_missing_outcome": "Observasjoner uten målt utfall ble utelatt ($n_rows).",
        "warn_dropped_treated_first_period": "Enheter som alt var med i tiltaket i første "
                                             "periode ($period), ble utelatt ($n_units).",
        "warn_no_never_treated": "Ingen enheter sto utenfor tiltaket hele tiden. De som "
                                 "startet sist ($cohort), brukes derfor som sammenligning, og "
                                 "periodene fra $period er utelatt.",
        "warn_cohorts_without_pre_period": "De som startet i $cohorts, har ingen periode før "
                                           "oppstart i dataene og inngår ikke i anslaget.",
        "warn_cells_not_estimable": "Anslag for $n_cells kombinasjoner av oppstartskull og "
                                    "periode kunne ikke beregnes (for eksempel fordi det var "
                                    "for få å sammenligne med) og er utelatt.",
        "warn_cells_skipped_in_aggregation": "Samleanslaget utelater de $n_cells "
                                             "kombinasjonene av oppstartskull og periode som "
                                             "ikke kunne beregnes.",
        "warn_too_few_controls_for_ratio": "Det var for få å matche med til å gi alle $ratio "
                                           "matcher ($n_other $other for $n_focal $focal).",
        "warn_cohorts_skipped_pre_periods": "De som startet i $cohorts, har færre enn "
                                            "$pre_periods perioder før oppstart i dataene og "
                                            "er utelatt.",
        "warn_twfe_staggered_adoption": "Tiltaket startet på ulike tidspunkt ($n_cohorts "
                                        "oppstartskull). Da kan denne metoden gi skjeve anslag "
                                        "hvis effekten endrer seg over tid eller er ulik "
                                        "mellom kullene; et avvik fra hovedanalysen kan "
                                        "skyldes dette.",
        "warn_other": "Metoden ga en advarsel av en type effekt ikke kjenner. Teksten vises "
                      "ikke, fordi personvernkontrollen ikke kan vurdere den.",
        "disclosure": "Personvern: tall bygget på færre enn $min_cell enheter vises som "
                      "«<$min_cell» eller er utelatt (–), og ingen person- eller "
                      "familieidentitet finnes i rapporten. $n_suppressed anslag er skjult.",
        "suppressed": "–",
        "data": "Data",
        "version": "effekt $version",
        "love_plot": "Balanse (|SMD|) før og etter matching",
        "before": "før",
        "after": "etter",
        "pre_treatment": "før oppstart",
        "post_treatment": "etter oppstart",
        "yes": "ja",
        "no": "nei",
    },
    "en": {
        "lang": "en",
        "summary": "Summary",
        "summary_what": "The study estimates the effect of $pilot on $outcome for $unit_plural "
                        "who took part, compared with $unit_plural who did not ($design).",
        "summary_answer": "Estimated effect: $estimate (95% confidence interval $ci_lower to "
                          "$ci_upper), based on $n_treated participating $unit_plural.",
        "summary_suppressed": "The main estimate is suppressed because it rests on fewer "
                              "than $min_cell units.",
        "summary_not_estimable": "The main estimate could not be computed from these data; see "
                                 "the notes under Limitations.",
        "summary_secondary": "The main estimate is hidden: together with the estimates by "
                             "year it could reveal an estimate that rests on fewer than "
                             "$min_cell units.",
        "conf_withheld": "The interval excludes no effect. The test for different trends "
                         "before the start is not shown (see below), so that assumption is "
                         "not assessed here.",
        "secondary_note": "–* = hidden (secondary suppression) so that a figure under "
                          "$min_cell cannot be worked out from the figures shown.",
        "event_hidden": "Hidden estimates are not drawn.",
        "pretrend_withheld": "The test is not shown: it is computed from pre-start estimates "
                             "that are hidden for privacy.",
        "sensitivity_withheld": "The sensitivity analysis (E-value) is not shown because the "
                                "main estimate it is computed from is hidden.",
        "budget_withheld": "The budget view for $outcomes is not shown because the estimate "
                           "it is computed from is hidden.",
        "budget_hidden_years": "Years whose effect estimate rests on fewer than $min_cell units "
                               "show –.",
        "disclosure_secondary": "$n_secondary further figures are hidden (–*) so that the "
                                "hidden ones cannot be worked out.",
        "conf_high": "The interval excludes no effect and the test for different trends before "
                     "the start gives no cause for concern: the result is fairly reliable.",
        "conf_mid": "The interval excludes no effect, but the test for different trends before "
                    "the start rejects: interpret the result with caution.",
        "conf_low": "The interval includes no effect: the data cannot tell the effect apart "
                    "from chance variation.",
        "design": "Design and estimand",
        "estimand": "Estimand",
        "design_type": "Design",
        "period": "Period",
        "unit": "Unit",
        "covariates": "Covariates",
        "flow": "Sample flow",
        "step": "Step",
        "count": "Count",
        "balance": "Balance before and after matching",
        "balance_note": "Standardised mean differences (SMD); |SMD| below 0.1 counts as good "
                        "balance.",
        "covariate": "Covariate",
        "cohort": "Cohort",
        "smd_before": "SMD before",
        "smd_after": "SMD after",
        "estimates": "Main estimates",
        "outcome": "Outcome",
        "estimate": "Estimate",
        "std_error": "Std. error",
        "ci": "95% CI",
        "n_treated": "Participants",
        "n_control": "Comparison",
        "event_study": "Effect over time",
        "event_note": "Effect by year before and after the start (reference: the year before, "
                      "−1). Vertical bars: 95% confidence intervals.",
        "no_event": "The design gives no effect by year since the start.",
        "event_time": "Years since start",
        "pretrend": "Pre-trend test",
        "pretrend_text": "Wald test that all effects before the start are zero: "
                         "W = $statistic, df $df, p = $p_value.",
        "pretrend_none": "The test could not be computed (no pre-start periods to test).",
        "robustness": "Robustness",
        "check": "Check",
        "not_estimable": "not estimable",
        "sensitivity": "Sensitivity to unobserved differences: E-value $e_value (for the "
                       "confidence limit nearest zero: $e_value_ci). An unobserved factor "
                       "would need to be this strongly related to both participation and the "
                       "outcome to explain the effect away.",
        "budget": "Budget view",
        "budget_note": "Expected avoided cost (NOK, fixed prices) by year since start and "
                       "sector for $n_cases cases a year, with 90% uncertainty intervals "
                       "(effekt.budgeting.from_effect). Negative numbers are extra costs.",
        "budget_none": "The study gives no cost per unit.",
        "sector": "Sector",
        "year": "Year",
        "avoided": "Avoided cost",
        "interval": "90% interval",
        "limitations": "Limitations",
        "lim_observational": "Participation was not random. The design accounts for observed "
                             "differences and for differences fixed over time, not for "
                             "unobserved differences that change over time.",
        "lim_rct": "The result assumes that assignment was random and that everyone followed "
                   "their assignment.",
        "lim_small": "Few participants give wide intervals; figures from fewer than $min_cell "
                     "units are hidden.",
        "lim_synthetic": "The data are synthetic (an artificial municipality); the results "
                         "illustrate the method and say nothing about real people.",
        "lim_warnings": "During the computation the methods raised these notes:",
        "warn_where_data": "The data",
        "warn_where_main": "Main analysis of $outcome",
        "warn_where_robustness": "The robustness check ‘$check’",
        "warn_for": " for $outcome",
        "warn_where_budget": "The budget view",
        "band_small": "fewer than $min_cell",
        "band_large": "$min_cell or more",
        "and": "and",
        "warn_dropped_missing_outcome": "Observations without a measured outcome were left "
                                        "out ($n_rows).",
        "warn_dropped_treated_first_period": "Units already in the measure in the first "
                                             "period ($period) were left out ($n_units).",
        "warn_no_never_treated": "No units stayed outside the measure throughout. Those who "
                                 "started last ($cohort) therefore serve as the comparison, "
                                 "and the periods from $period on are left out.",
        "warn_cohorts_without_pre_period": "Those who started in $cohorts have no period "
                                           "before their start in the data and are not part "
                                           "of the estimate.",
        "warn_cells_not_estimable": "Estimates for $n_cells combinations of start cohort and "
                                    "period could not be computed (for instance because there "
                                    "were too few units to compare with) and are left out.",
        "warn_cells_skipped_in_aggregation": "The overall estimate leaves out the $n_cells "
                                             "combinations of start cohort and period that "
                                             "could not be computed.",
        "warn_too_few_controls_for_ratio": "There were too few units to match with to give "
                                           "everyone $ratio matches ($n_other $other for "
                                           "$n_focal $focal).",
        "warn_cohorts_skipped_pre_periods": "Those who started in $cohorts have fewer than "
                                            "$pre_periods periods before their start in the "
                                            "data and are left out.",
        "warn_twfe_staggered_adoption": "The measure started at different times ($n_cohorts "
                                        "start cohorts). This method can then give biased "
                                        "estimates if the effect changes over time or differs "
                                        "between cohorts; a difference from the main analysis "
                                        "may be due to this.",
        "warn_other": "The method gave a warning of a kind effekt does not know. Its text is "
                      "not shown because disclosure control cannot check it.",
        "disclosure": "Privacy: figures based on fewer than $min_cell units are shown as "
                      "\"<$min_cell\" or left out (–), and no person or family identifier "
                      "appears in the report. $n_suppressed estimates are hidden.",
        "suppressed": "–",
        "data": "Data",
        "version": "effekt $version",
        "love_plot": "Balance (|SMD|) before and after matching",
        "before": "before",
        "after": "after",
        "pre_treatment": "before the start",
        "post_treatment": "after the start",
        "yes": "yes",
        "no": "no",
    },
}

LABELS: dict[str, dict[str, str]] = {
    "nb": {
        "social_assistance_months": "måneder med sosialhjelp", "employed": "andel i arbeid",
        "leisure_participation": "deltakelse i fritidsaktiviteter",
        "school_absence_days": "fraværsdager i skolen",
        "barnevern_referral": "andel meldt til barnevernet",
        "person": "personer", "family": "familier", "holf": "HOLF (helhetlig oppfølging av "
        "lavinntektsfamilier)", "samhandling": "samhandlingsmodellen",
        "staggered_did": "forskjøvet forskjell-i-forskjeller (Callaway og Sant'Anna)",
        "matched_did": "matchet forskjell-i-forskjeller", "matching": "matching",
        "rct": "randomisert forsøk", "did_2x2": "forskjell-i-forskjeller (2x2)",
        "twfe_event_study": "hendelsesstudie med toveis faste effekter",
        "alternative_control": "annen kontrollgruppe (ikke ennå behandlet)",
        "alternative_estimator": "annen estimator", "placebo_outcome": "placebo-utfall",
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
        "controls_used": "sammenligningsenheter brukt",
        "sensitivity": "følsomhetsanalyse (E-verdi)", "control": "sammenligningsenheter",
    },
    "en": {
        "social_assistance_months": "months on social assistance", "employed": "share employed",
        "leisure_participation": "participation in leisure activities",
        "school_absence_days": "days absent from school",
        "barnevern_referral": "share referred to child welfare",
        "person": "persons", "family": "families", "holf": "HOLF (comprehensive follow-up of "
        "low-income families)", "samhandling": "the collaboration model (samhandlingsmodellen)",
        "staggered_did": "staggered difference-in-differences (Callaway and Sant'Anna)",
        "matched_did": "matched difference-in-differences", "matching": "matching",
        "rct": "randomised trial", "did_2x2": "difference-in-differences (2x2)",
        "twfe_event_study": "two-way fixed effects event study",
        "alternative_control": "other control group (not yet treated)",
        "alternative_estimator": "other estimator", "placebo_outcome": "placebo outcome",
        "units_in_panel": "units in the panel", "units_with_outcome": "units with the outcome "
        "measured", "dropped_treated_before_first_period": "dropped: started before the first "
        "period", "dropped_treated_after_last_period": "dropped: started after the last period",
        "dropped_incomplete_outcome_or_residence": "dropped: not resident or not measured in "
        "every period", "dropped_treated_outside_window": "dropped: started outside the window",
        "dropped_missing_covariate_or_cluster": "dropped: missing covariate or cluster",
        "treated": "participants", "controls": "comparison units",
        "treated_matched": "participants matched", "treated_unmatched": "participants without "
        "a match", "controls_available": "comparison units available",
        "controls_used": "comparison units used",
        "sensitivity": "sensitivity analysis (E-value)", "control": "comparison units",
    },
}


def text(lang: str, key: str, **fields: object) -> str:
    """Return the text ``key`` in ``lang`` with ``fields`` filled in.

    Examples
    --------
    >>> text("en", "version", version="0.1.0")
    'effekt 0.1.0'
    """
    return Template(TEXTS[lang][key]).safe_substitute({k: str(v) for k, v in fields.items()})


#: The estimand of each design in plain words, for the report's reader; the technical
#: statement (in English, as the estimators give it) follows it in the design table.
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

SECTOR_NAMES: dict[str, dict[str, str]] = {
    "nb": {"oppvekst_barnehage": "barnehage", "oppvekst_skole": "skole",
           "helse_sosial": "helse og sosial", "pleie_omsorg": "pleie og omsorg",
           "nav": "NAV (kommunal)", "barnevern": "barnevern"},
    "en": {"oppvekst_barnehage": "kindergarten", "oppvekst_skole": "school",
           "helse_sosial": "health and social services", "pleie_omsorg": "care services",
           "nav": "NAV (municipal)", "barnevern": "child welfare"},
}


def label(lang: str, name: str) -> str:
    """Return a readable label for a column, design or step name (the name itself if unknown).

    A service-cost column ``cost_<sector>`` reads as the cost of that sector, in NOK.

    Examples
    --------
    >>> label("nb", "employed"), label("en", "cost_nav"), label("nb", "cost_unknown")
    ('andel i arbeid', 'cost of NAV (municipal), NOK', 'cost_unknown')
    """
    if name in LABELS[lang]:
        return LABELS[lang][name]
    sector = name.removeprefix("cost_") if name.startswith("cost_") else None
    if sector in SECTOR_NAMES[lang]:
        what = SECTOR_NAMES[lang][sector]
        return f"kostnad {what}, kr" if lang == "nb" else f"cost of {what}, NOK"
    return name


def fmt_number(x: float | None, decimals: int, lang: str) -> str:
    r"""Format a number: bokmål uses a decimal comma, a space for thousands and a real minus.

    Examples
    --------
    >>> fmt_number(-1234.5, 1, "nb"), fmt_number(-1234.5, 1, "en"), fmt_number(None, 2, "en")
    ('−1\xa0234,5', '-1,234.5', '–')
    """
    if x is None:
        return "–"
    s = f"{x:,.{decimals}f}"
    if lang == "nb":
        s = s.replace(",", "\xa0").replace(".", ",").replace("-", "−")
    return s
