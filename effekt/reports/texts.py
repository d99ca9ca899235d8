"""The report's sentences and headings in bokmål (``nb``) and English (``en``).

Every word the report prints comes from a text table: :data:`TEXTS` here (the sentences and
headings, :class:`string.Template` strings with ``$name`` fields), the names of things in
:mod:`effekt.reports.labels` and the assessment's reasons in :mod:`effekt.reports.assessment`.
Both languages have the same keys.
"""

from __future__ import annotations

from string import Template

from effekt.reports.formatting import Formatter

__all__ = ["TEXTS", "fmt_number", "text"]

TEXTS: dict[str, dict[str, str]] = {
    "nb": {
        # -- the answer ---------------------------------------------------------------------
        "summary": "Sammendrag",
        "summary_what": "Studien anslår effekten av $pilot på $outcome for $unit_plural som "
                        "deltok, sammenlignet med $unit_plural som ikke deltok. Design: "
                        "$design.",
        "headline_amount": "$subject hadde $amount $direction $outcome $per enn "
                           "sammenlignbare $units.",
        "headline_share": "$subject hadde en $amount prosentpoeng $direction $outcome enn "
                          "sammenlignbare $units.",
        "headline_nok": "$subject hadde $amount $direction $outcome per $unit_one og "
                        "$period_word enn sammenlignbare $units.",
        "headline_null": "Ingen påviselig effekt på $outcome for $subject. Studien kunne "
                         "påvise effekter på $mde eller mer (med $power statistisk styrke).",
        "dir_fewer": "færre",
        "dir_more": "flere",
        "dir_lower": "lavere",
        "dir_higher": "høyere",
        "summary_answer": "Anslag: $estimate $unit (95 % konfidensintervall $ci_lower til "
                          "$ci_upper$p_value), basert på $n_treated deltakende $units og "
                          "$n_control i sammenligningsgruppen.",
        "summary_suppressed": "Hovedanslaget er undertrykt fordi det bygger på færre enn "
                              "$min_cell enheter.",
        "summary_not_estimable": "Hovedanslaget kunne ikke beregnes fra disse dataene; se "
                                 "merknadene under Begrensninger.",
        "summary_secondary": "Hovedanslaget er skjult: sammen med anslagene per år kunne "
                             "det avsløre et anslag som bygger på færre enn $min_cell "
                             "enheter.",
        "hidden_count": "et skjult antall",
        # -- units of an outcome --------------------------------------------------------------
        "subject_family": "familier i $pilot",
        "subject_person": "personer i $pilot",
        "subject_child": "barn i $pilot",
        "units_family": "familier",
        "units_person": "personer",
        "units_child": "barn",
        "one_family": "familie",
        "one_person": "person",
        "one_child": "barn",
        "per_year": "per år",
        "per_quarter": "per kvartal",
        "per_month": "per måned",
        "period_year": "år",
        "period_quarter": "kvartal",
        "period_month": "måned",
        "amount_months": "$x måneder $per",
        "amount_days": "$x dager $per",
        "amount_count": "$x $per",
        "amount_share": "$x prosentpoeng",
        "amount_nok": "$x kr per $unit_one og $period_word",
        "amount_unknown": "$x",
        "nok": "$x kr",
        "unitcol_months": "måneder $per",
        "unitcol_days": "dager $per",
        "unitcol_count": "antall $per",
        "unitcol_share": "prosentpoeng",
        "unitcol_nok": "kr per $unit_one og $period_word",
        "unitcol_unknown": "ukjent enhet",
        "costs_of": "kostnader for $sector",
        # -- the assessment (its reasons: effekt.reports.assessment) ------------------------
        "assessment": "Hvor sikkert er resultatet?",
        # -- details --------------------------------------------------------------------------
        "design": "Design og estimand",
        "estimand": "Estimand",
        "estimand_value": "$words",
        "design_type": "Design",
        "inference": "Usikkerhet beregnet med",
        "inference_cr1": "klyngerobuste standardfeil (CR1), t-fordeling med G−1 frihetsgrader",
        "inference_cr2": "småutvalgskorrigerte klyngerobuste standardfeil (CR2, Bell–"
                         "McCaffrey), t-fordeling med Satterthwaite-frihetsgrader",
        "inference_hc": "heteroskedastisitetsrobuste standardfeil (HC2), t-fordeling",
        "inference_influence_cluster": "klyngerobuste standardfeil fra påvirkningsfunksjonen, "
                                       "t-fordeling med G−1 frihetsgrader",
        "inference_multiplier_bootstrap": "multiplikator-bootstrap med én trekning per klynge",
        "inference_abadie_imbens": "Abadie–Imbens-standardfeil for matching, normalfordeling",
        "inference_cluster_pairs": "klyngerobuste standardfeil per matchet par, t-fordeling",
        "period": "Periode",
        "period_value": "$start – $end ($granularity)",
        "gran_year": "årsdata",
        "gran_quarter": "kvartalsdata",
        "gran_month": "månedsdata",
        "data_start": "første periode i dataene",
        "data_end": "siste periode i dataene",
        "unit": "Enhet",
        "population": "Populasjon",
        "population_all": "alle $units i dataene",
        "filter_between": "$column fra $lo til $hi",
        "filter_min": "$column minst $lo",
        "filter_max": "$column høyst $hi",
        "filter_in": "$column: $values",
        "covariates": "Kovariater",
        "covariates_none": "ingen",
        "data": "Data",
        "data_synthetic": "syntetisk kommune (frø $seed, skala $scale)",
        "flow": "Utvalg",
        "step": "Steg",
        "count": "Antall",
        "balance": "Balanse før og etter matching",
        "balance_note": "Standardiserte gjennomsnittsforskjeller (SMD) mellom deltakere og "
                        "sammenligningsgruppe; |SMD| under 0,1 regnes som god balanse.",
        "covariate": "Kovariat",
        "cohort": "Kohort",
        "smd_before": "SMD før",
        "smd_after": "SMD etter",
        "estimates": "Hovedresultater",
        "estimates_note": "Effekt på hvert utfall med 95 % konfidensintervall, i utfallets "
                          "egen enhet: andeler i prosentpoeng, beløp i hele kroner.",
        "where_note": "Utfall målt for en del av populasjonen: $items.",
        "outcome": "Utfall",
        "unit_col": "Enhet",
        "estimate": "Anslag",
        "std_error": "Standardfeil",
        "ci": "95 % KI",
        "p_col": "p-verdi",
        "n_treated": "Deltakere",
        "n_control": "Sammenligning",
        "event_study": "Effekt over tid",
        "event_note": "Effekt i hver periode før og etter oppstart, i $unit (referanse: "
                      "perioden før oppstart, $ref). Vertikale streker: 95 % "
                      "konfidensintervall.",
        "event_hidden": "Skjulte anslag er ikke tegnet.",
        "no_event": "Designet gir ikke effekt per år etter oppstart.",
        "event_time_year": "År siden oppstart",
        "event_time_quarter": "Kvartaler siden oppstart",
        "event_time_month": "Måneder siden oppstart",
        "pretrend": "Test av parallelle trender før oppstart",
        "pretrend_text": "Wald-test av at alle effekter før oppstart er null: "
                         "W = $statistic, frihetsgrader $df, $p_value.",
        "pretrend_text_bootstrap": "Wald-test av at alle effekter før oppstart er null: "
                                   "W = $statistic ($df effekter), $p_value. P-verdien er "
                                   "fra en wild bootstrap per klynge ($n_boot trekninger), "
                                   "fordi kjikvadrat-fordelingen forkaster altfor ofte med "
                                   "få klynger.",
        "pretrend_none": "Testen kunne ikke beregnes (ingen perioder før oppstart å teste).",
        "pretrend_withheld": "Testen vises ikke: den regnes ut fra anslag før oppstart som er "
                             "skjult av personvernhensyn.",
        "robustness": "Robusthet",
        "robustness_none": "Studien ber ikke om robusthetskontroller.",
        "check": "Kontroll",
        "not_estimable": "kunne ikke beregnes",
        "sensitivity": "Følsomhet for uobserverte forskjeller: E-verdi $e_value (for "
                       "konfidensgrensen nærmest null: $e_value_ci). En uobservert faktor må "
                       "henge så sterkt sammen med både deltakelse og utfall for å forklare "
                       "bort effekten.",
        "sensitivity_withheld": "Følsomhetsanalysen (E-verdi) vises ikke, fordi hovedanslaget "
                                "den regnes ut fra, er skjult.",
        "budget": "Budsjettvirkning",
        "budget_note": "Forventet unngått kostnad i kroner (faste priser) per år etter "
                       "oppstart og sektor, for $n_cases tilfeller per år, med 90 % "
                       "usikkerhetsintervall. Positive tall betyr at sektoren sparer penger; "
                       "negative tall er merkostnader.",
        "n_cases_item": "$n ($outcome)",
        "budget_none": "Ingen kostnad per enhet er oppgitt i studien.",
        "budget_withheld": "Budsjettvirkningen for $outcomes vises ikke, fordi anslaget den "
                           "regnes ut fra, er skjult.",
        "budget_hidden_years": "År der effektanslaget bygger på færre enn $min_cell enheter, "
                               "vises med –.",
        "budget_not_estimated": "År uten effektanslag (etter det siste året studien har "
                                "anslag for) vises med –: for dem er ingen effekt anslått, og "
                                "de er ikke regnet som null.",
        "budget_same_sector": "Flere utfall for samme sektor kan måle de samme kostnadene; "
                              "legg dem ikke sammen uten å sjekke.",
        "sector": "Sektor",
        "year": "År",
        "avoided": "Unngått kostnad (kr)",
        "interval": "90 % intervall (kr)",
        # -- limitations and privacy --------------------------------------------------------
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
        "warn_few_clusters": "Usikkerheten bygger på færre enn 30 klynger (grupper som "
                             "trekkes eller behandles samlet). Studien bruker derfor en "
                             "metode laget for få klynger: $method.",
        "warn_other": "Metoden ga en advarsel av en type effekt ikke kjenner. Teksten vises "
                      "ikke, fordi personvernkontrollen ikke kan vurdere den.",
        "secondary_note": "–* = skjult (sekundær prikking) for at et tall under $min_cell ikke "
                          "skal kunne regnes ut fra tallene som vises.",
        "disclosure": "Personvern: tall bygget på færre enn $min_cell enheter vises som "
                      "«<$min_cell» eller er utelatt (–), og ingen person- eller "
                      "familieidentitet finnes i rapporten. $n_suppressed anslag er skjult.",
        "disclosure_secondary": "$n_secondary tall til er skjult (–*) for at de skjulte "
                                "tallene ikke skal kunne regnes ut.",
        "version": "effekt $version",
        # -- figures --------------------------------------------------------------------------
        "love_plot": "Balanse (|SMD|) før og etter matching",
        "before": "før",
        "after": "etter",
        "pre_treatment": "før oppstart",
        "post_treatment": "etter oppstart",
    },
    "en": {
        # -- the answer ---------------------------------------------------------------------
        "summary": "Summary",
        "summary_what": "The study estimates the effect of $pilot on $outcome for $unit_plural "
                        "who took part, compared with $unit_plural who did not. Design: "
                        "$design.",
        "headline_amount": "$subject had $amount $direction $outcome $per than comparable "
                           "$units.",
        "headline_share": "$subject had a $amount percentage point $direction $outcome than "
                          "comparable $units.",
        "headline_nok": "$subject had $amount $direction $outcome per $unit_one per "
                        "$period_word than comparable $units.",
        "headline_null": "No detectable effect on $outcome for $subject. The study could "
                         "detect effects of $mde or larger (with $power power).",
        "dir_fewer": "fewer",
        "dir_more": "more",
        "dir_lower": "lower",
        "dir_higher": "higher",
        "summary_answer": "Estimate: $estimate $unit (95% confidence interval $ci_lower to "
                          "$ci_upper$p_value), based on $n_treated participating $units and "
                          "$n_control in the comparison group.",
        "summary_suppressed": "The main estimate is suppressed because it rests on fewer "
                              "than $min_cell units.",
        "summary_not_estimable": "The main estimate could not be computed from these data; see "
                                 "the notes under Limitations.",
        "summary_secondary": "The main estimate is hidden: together with the estimates by "
                             "year it could reveal an estimate that rests on fewer than "
                             "$min_cell units.",
        "hidden_count": "a hidden number of",
        # -- units of an outcome --------------------------------------------------------------
        "subject_family": "families in $pilot",
        "subject_person": "persons in $pilot",
        "subject_child": "children in $pilot",
        "units_family": "families",
        "units_person": "persons",
        "units_child": "children",
        "one_family": "family",
        "one_person": "person",
        "one_child": "child",
        "per_year": "per year",
        "per_quarter": "per quarter",
        "per_month": "per month",
        "period_year": "year",
        "period_quarter": "quarter",
        "period_month": "month",
        "amount_months": "$x months $per",
        "amount_days": "$x days $per",
        "amount_count": "$x $per",
        "amount_share": "$x percentage points",
        "amount_nok": "NOK $x per $unit_one per $period_word",
        "amount_unknown": "$x",
        "nok": "NOK $x",
        "unitcol_months": "months $per",
        "unitcol_days": "days $per",
        "unitcol_count": "number $per",
        "unitcol_share": "percentage points",
        "unitcol_nok": "NOK per $unit_one per $period_word",
        "unitcol_unknown": "unit unknown",
        "costs_of": "costs for $sector",
        # -- the assessment (its reasons: effekt.reports.assessment) ------------------------
        "assessment": "How reliable is the result?",
        # -- details --------------------------------------------------------------------------
        "design": "Design and estimand",
        "estimand": "Estimand",
        "estimand_value": "$words [$technical]",
        "design_type": "Design",
        "inference": "Uncertainty computed with",
        "inference_cr1": "cluster-robust standard errors (CR1), t with G−1 degrees of freedom",
        "inference_cr2": "small-sample corrected cluster-robust standard errors (CR2, Bell–"
                         "McCaffrey), t with Satterthwaite degrees of freedom",
        "inference_hc": "heteroskedasticity-robust standard errors (HC2), t distribution",
        "inference_influence_cluster": "cluster-robust standard errors from the influence "
                                       "function, t with G−1 degrees of freedom",
        "inference_multiplier_bootstrap": "multiplier bootstrap with one draw per cluster",
        "inference_abadie_imbens": "Abadie–Imbens matching standard errors, normal",
        "inference_cluster_pairs": "cluster-robust standard errors by matched pair, t "
                                   "distribution",
        "period": "Period",
        "period_value": "$start – $end ($granularity)",
        "gran_year": "yearly data",
        "gran_quarter": "quarterly data",
        "gran_month": "monthly data",
        "data_start": "first period in the data",
        "data_end": "last period in the data",
        "unit": "Unit",
        "population": "Population",
        "population_all": "all $units in the data",
        "filter_between": "$column from $lo to $hi",
        "filter_min": "$column at least $lo",
        "filter_max": "$column at most $hi",
        "filter_in": "$column: $values",
        "covariates": "Covariates",
        "covariates_none": "none",
        "data": "Data",
        "data_synthetic": "synthetic municipality (seed $seed, scale $scale)",
        "flow": "Sample flow",
        "step": "Step",
        "count": "Count",
        "balance": "Balance before and after matching",
        "balance_note": "Standardised mean differences (SMD) between participants and the "
                        "comparison group; |SMD| below 0.1 counts as good balance.",
        "covariate": "Covariate",
        "cohort": "Cohort",
        "smd_before": "SMD before",
        "smd_after": "SMD after",
        "estimates": "Main estimates",
        "estimates_note": "The effect on each outcome with its 95% confidence interval, in "
                          "the outcome's own unit: shares in percentage points, amounts in "
                          "whole NOK.",
        "where_note": "Outcomes measured for part of the population: $items.",
        "outcome": "Outcome",
        "unit_col": "Unit",
        "estimate": "Estimate",
        "std_error": "Std. error",
        "ci": "95% CI",
        "p_col": "p-value",
        "n_treated": "Participants",
        "n_control": "Comparison",
        "event_study": "Effect over time",
        "event_note": "The effect in each period before and after the start, in $unit "
                      "(reference: the period before the start, $ref). Vertical bars: 95% "
                      "confidence intervals.",
        "event_hidden": "Hidden estimates are not drawn.",
        "no_event": "The design gives no effect by year since the start.",
        "event_time_year": "Years since start",
        "event_time_quarter": "Quarters since start",
        "event_time_month": "Months since start",
        "pretrend": "Pre-trend test",
        "pretrend_text": "Wald test that all effects before the start are zero: "
                         "W = $statistic, df $df, $p_value.",
        "pretrend_text_bootstrap": "Wald test that all effects before the start are zero: "
                                   "W = $statistic ($df effects), $p_value. The p-value is "
                                   "from a wild bootstrap by cluster ($n_boot draws), because "
                                   "the chi-squared law rejects far too often with few "
                                   "clusters.",
        "pretrend_none": "The test could not be computed (no pre-start periods to test).",
        "pretrend_withheld": "The test is not shown: it is computed from pre-start estimates "
                             "that are hidden for privacy.",
        "robustness": "Robustness",
        "robustness_none": "The study asks for no robustness checks.",
        "check": "Check",
        "not_estimable": "not estimable",
        "sensitivity": "Sensitivity to unobserved differences: E-value $e_value (for the "
                       "confidence limit nearest zero: $e_value_ci). An unobserved factor "
                       "would need to be this strongly related to both participation and the "
                       "outcome to explain the effect away.",
        "sensitivity_withheld": "The sensitivity analysis (E-value) is not shown because the "
                                "main estimate it is computed from is hidden.",
        "budget": "Budget view",
        "budget_note": "Expected avoided cost in NOK (fixed prices) by year since the start "
                       "and sector, for $n_cases cases a year, with 90% uncertainty "
                       "intervals. Positive figures mean the sector saves money; negative "
                       "figures are extra costs.",
        "n_cases_item": "$n ($outcome)",
        "budget_none": "The study gives no cost per unit.",
        "budget_withheld": "The budget view for $outcomes is not shown because the estimate "
                           "it is computed from is hidden.",
        "budget_hidden_years": "Years whose effect estimate rests on fewer than $min_cell units "
                               "show –.",
        "budget_not_estimated": "Years without an effect estimate (after the last year the "
                                "study estimates) show –: no effect is estimated for them, and "
                                "they are not counted as zero.",
        "budget_same_sector": "Several outcomes of the same sector may measure the same costs; "
                              "do not add them up without checking.",
        "sector": "Sector",
        "year": "Year",
        "avoided": "Avoided cost (NOK)",
        "interval": "90% interval (NOK)",
        # -- limitations and privacy --------------------------------------------------------
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
        "warn_few_clusters": "The uncertainty rests on fewer than 30 clusters (groups that "
                             "are sampled or treated together). The study therefore uses "
                             "a method made for few clusters: $method.",
        "warn_other": "The method gave a warning of a kind effekt does not know. Its text is "
                      "not shown because disclosure control cannot check it.",
        "secondary_note": "–* = hidden (secondary suppression) so that a figure under "
                          "$min_cell cannot be worked out from the figures shown.",
        "disclosure": "Privacy: figures based on fewer than $min_cell units are shown as "
                      "\"<$min_cell\" or left out (–), and no person or family identifier "
                      "appears in the report. $n_suppressed estimates are hidden.",
        "disclosure_secondary": "$n_secondary further figures are hidden (–*) so that the "
                                "hidden ones cannot be worked out.",
        "version": "effekt $version",
        # -- figures --------------------------------------------------------------------------
        "love_plot": "Balance (|SMD|) before and after matching",
        "before": "before",
        "after": "after",
        "pre_treatment": "before the start",
        "post_treatment": "after the start",
    },
}


def text(lang: str, key: str, table: dict[str, dict[str, str]] | None = None,
         **fields: object) -> str:
    """Return the text ``key`` in ``lang`` of ``table`` (default :data:`TEXTS`), filled in.

    Every field the text names must be given (a missing one is an error, never a blank).
    The other text tables (the assessment's reasons, the trend checks') are filled here too.

    Examples
    --------
    >>> text("en", "version", version="0.1.0")
    'effekt 0.1.0'
    """
    return Template((TEXTS if table is None else table)[lang][key]).substitute(
        {k: str(v) for k, v in fields.items()})


def fmt_number(x: float | None, decimals: int, lang: str) -> str:
    r"""Format a number for a report language (Babel; see :class:`~.formatting.Formatter`).

    Examples
    --------
    >>> fmt_number(-1234.5, 1, "nb"), fmt_number(-1234.5, 1, "en"), fmt_number(None, 2, "en")
    ('−1\xa0234,5', '-1,234.5', '–')
    """
    return Formatter(lang).number(x, decimals)
