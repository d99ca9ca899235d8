"""Report texts and labels in bokmål (``nb``) and English (``en``), one template for both.

Every word the report prints comes from the tables of this module: :data:`TEXTS` (the
report's sentences and headings, :class:`string.Template` strings with ``$name`` fields),
:data:`LABELS` (the names of outcomes, covariates, sectors, flow steps, designs and
checks), :data:`SECTOR_NAMES`, :data:`ESTIMAND_WORDS` and :data:`SUBJECTS`. A name with no
label reads as a humanised fallback (:func:`label`), never as a raw snake_case name.
"""

from __future__ import annotations

from string import Template

from effekt.reports.formatting import Formatter

__all__ = ["ESTIMAND_WORDS", "LABELS", "PILOT_SHORT", "SECTOR_NAMES", "SUBJECTS", "TEXTS",
           "fmt_number", "humanise", "label", "sector_name", "text"]

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
        "summary_answer_plain": "Anslått effekt: $estimate (95 % konfidensintervall "
                                "$ci_lower til $ci_upper), basert på $n_treated deltakende "
                                "$units.",
        "summary_suppressed": "Hovedanslaget er undertrykt fordi det bygger på færre enn "
                              "$min_cell enheter.",
        "summary_not_estimable": "Hovedanslaget kunne ikke beregnes fra disse dataene; se "
                                 "merknadene under Begrensninger.",
        "summary_secondary": "Hovedanslaget er skjult: sammen med anslagene per år kunne "
                             "det avsløre et anslag som bygger på færre enn $min_cell "
                             "enheter.",
        "hidden_count": "et skjult antall",
        "legacy_note": "Disse resultatene er skrevet av en eldre versjon av effekt, uten "
                       "utfallenes enheter og uten samlet vurdering. Anslaget vises derfor "
                       "uten enhet, og tilliten er vurdert bare ut fra intervallet og testen "
                       "for trender før oppstart.",
        "conf_withheld": "Intervallet utelukker null effekt. Testen for ulike trender før "
                         "oppstart vises ikke (se nedenfor), så den forutsetningen er ikke "
                         "vurdert her.",
        "conf_high": "Intervallet utelukker null effekt, og testen for ulike trender før "
                     "oppstart gir ikke grunn til bekymring: resultatet er forholdsvis sikkert.",
        "conf_mid": "Intervallet utelukker null effekt, men testen for ulike trender før "
                    "oppstart slår ut: tolk resultatet med forsiktighet.",
        "conf_low": "Intervallet inkluderer null effekt: dataene kan ikke skille effekten fra "
                    "tilfeldig variasjon.",
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
        "unitcol_unknown": "ikke oppgitt",
        "costs_of": "kostnader for $sector",
        "cost_label": "kostnad $sector, kr",
        # -- the assessment -----------------------------------------------------------------
        "assessment": "Hvor sikkert er resultatet?",
        "level_high": "Samlet vurdering: høy tillit til resultatet.",
        "level_moderate": "Samlet vurdering: middels tillit til resultatet.",
        "level_low": "Samlet vurdering: lav tillit til resultatet.",
        "level_explain": "Vurderingen bygger på kontrollene under. Én alvorlig svakhet gir "
                         "lav tillit; en svakhet som krever forsiktighet, eller en kontroll "
                         "som ikke kunne gjøres, gir høyst middels tillit.",
        "status_serious": "Alvorlig svakhet",
        "status_caution": "Krever forsiktighet",
        "status_not_run": "Ikke vurdert",
        "status_passed": "I orden",
        "status_info": "Til orientering",
        "why_sample_size_pass": "Utvalgsstørrelse: hovedanslaget bygger på nok deltakere til "
                                "å vises.",
        "why_sample_size_fail": "Utvalgsstørrelse: for få deltakere til at hovedanslaget kan "
                                "vises; studien kan ikke gi et svar.",
        "why_sample_size_none": "Utvalgsstørrelse: antallet deltakere kunne ikke vurderes.",
        "why_balance_pass": "Balanse: etter matchingen er den største standardiserte "
                            "forskjellen mellom gruppene (|SMD|) $value, for $covariate. Under "
                            "$good regnes som god balanse.",
        "why_balance_fail": "Balanse: etter matchingen er den største standardiserte "
                            "forskjellen mellom gruppene (|SMD|) $value, for $covariate. Under "
                            "$good regnes som god balanse og over $bad som alvorlig ubalanse; "
                            "gruppene er altså ikke fullt sammenlignbare.",
        "why_balance_none": "Balanse: balansen mellom gruppene kunne ikke vurderes.",
        "why_overlap_pass": "Overlapp: $share av deltakerne fikk en sammenligningsenhet.",
        "why_overlap_fail": "Overlapp: bare $share av deltakerne fikk en "
                            "sammenligningsenhet$unmatched. Resultatet gjelder bare dem som "
                            "fikk en.",
        "why_overlap_none": "Overlapp: det kunne ikke vurderes hvor mange deltakere som fikk "
                            "en sammenligningsenhet.",
        "overlap_unmatched": " ($n uten)",
        "why_attrition_pass": "Frafall: $share av enhetene ble utelatt, mest i steget "
                              "«$step».",
        "why_attrition_fail": "Frafall: $share av enhetene ble utelatt, mest i steget "
                              "«$step». Så stort frafall kan gjøre utvalget skjevt.",
        "why_attrition_none": "Frafall: frafallet kunne ikke vurderes.",
        "why_pretrend_pass": "Trender før oppstart: testen finner ingen forskjell i "
                             "utviklingen før oppstart ($p).",
        "why_pretrend_fail": "Trender før oppstart: gruppene utviklet seg ulikt allerede før "
                             "oppstart ($p). En del av forskjellen etterpå kan skyldes det.",
        "why_pretrend_none": "Trender før oppstart: testen kunne ikke gjøres eller vises, så "
                             "forutsetningen om like trender er ikke vurdert.",
        "why_pretrend_power_pass": "Testens styrke: en trend før oppstart som testen ville "
                                   "oppdaget, ville gitt en skjevhet på $bias, ikke mer enn "
                                   "den minste påviselige effekten ($mde).",
        "why_pretrend_power_fail": "Testens styrke: testen er svak. En trend før oppstart "
                                   "som ville gitt en skjevhet på $bias, mer enn den minste "
                                   "påviselige effekten ($mde), kunne gått uoppdaget.",
        "why_pretrend_power_none": "Testens styrke: styrken til testen for trender før "
                                   "oppstart kunne ikke vurderes.",
        "why_placebo_pass": "Placebo: ingen påviselig effekt på $outcome, som tiltaket ikke "
                            "skal påvirke (anslag $estimate, 95 % KI $ci_lower til "
                            "$ci_upper).",
        "why_placebo_fail": "Placebo: en effekt på $outcome, som tiltaket ikke skal påvirke "
                            "(anslag $estimate, 95 % KI $ci_lower til $ci_upper). Det tyder på "
                            "forskjeller mellom gruppene som designet ikke fanger opp.",
        "why_placebo_none": "Placebo: effekten på placebo-utfallet kunne ikke beregnes, så "
                            "kontrollen er ikke gjort.",
        "why_clusters_pass": "Klynger: $n klynger. Med minst $minimum er standardfeilene "
                             "pålitelige.",
        "why_clusters_fail": "Klynger: bare $n klynger (færre enn $minimum). Standardfeil og "
                             "intervaller kan være for små.",
        "why_clusters_none": "Klynger: antallet klynger kunne ikke vurderes.",
        "why_sensitivity_pass": "Følsomhet: en uobservert faktor måtte henge sammen med både "
                                "deltakelse og utfall med et risikoforhold på minst $e for å "
                                "forklare bort effekten (grense: $threshold).",
        "why_sensitivity_fail": "Følsomhet: allerede en uobservert faktor med et "
                                "risikoforhold på $e til både deltakelse og utfall kunne "
                                "forklare bort effekten (grense: $threshold).",
        "why_sensitivity_none": "Følsomhet: følsomheten for uobserverte forskjeller kunne "
                                "ikke vurderes.",
        "why_agreement_pass": "Andre analyser: hvert alternative anslag ligger innenfor "
                              "hovedanalysens konfidensintervall ($checks).",
        "why_agreement_fail": "Andre analyser: et alternativt anslag ligger utenfor "
                              "hovedanalysens konfidensintervall ($checks).",
        "why_agreement_none": "Andre analyser: de kunne ikke sammenlignes med hovedanalysen.",
        "agreement_item": "$check: $estimate",
        "why_precision_info": "Presisjon: studien kunne påvise effekter på $mde eller mer (med "
                              "$power statistisk styrke); anslaget er $estimate.",
        # -- details --------------------------------------------------------------------------
        "design": "Design og estimand",
        "estimand": "Estimand",
        "estimand_value": "$words",
        "design_type": "Design",
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
        "event_note_plain": "Effekt i hver periode før og etter oppstart (referanse: perioden "
                            "før oppstart, $ref). Vertikale streker: 95 % konfidensintervall.",
        "event_hidden": "Skjulte anslag er ikke tegnet.",
        "no_event": "Designet gir ikke effekt per år etter oppstart.",
        "event_time_year": "År siden oppstart",
        "event_time_quarter": "Kvartaler siden oppstart",
        "event_time_month": "Måneder siden oppstart",
        "pretrend": "Test av parallelle trender før oppstart",
        "pretrend_text": "Wald-test av at alle effekter før oppstart er null: "
                         "W = $statistic, frihetsgrader $df, $p_value.",
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
        "summary_answer_plain": "Estimated effect: $estimate (95% confidence interval "
                                "$ci_lower to $ci_upper), based on $n_treated participating "
                                "$units.",
        "summary_suppressed": "The main estimate is suppressed because it rests on fewer "
                              "than $min_cell units.",
        "summary_not_estimable": "The main estimate could not be computed from these data; see "
                                 "the notes under Limitations.",
        "summary_secondary": "The main estimate is hidden: together with the estimates by "
                             "year it could reveal an estimate that rests on fewer than "
                             "$min_cell units.",
        "hidden_count": "a hidden number of",
        "legacy_note": "These results were written by an older version of effekt, without "
                       "the outcomes' units and without an overall assessment. The estimate "
                       "is therefore shown without its unit, and confidence is judged only "
                       "from the interval and the pre-trend test.",
        "conf_withheld": "The interval excludes zero (no effect). The test for different "
                         "trends before the start is not shown (see below), so that "
                         "assumption is not assessed here.",
        "conf_high": "The interval excludes zero (no effect) and the test for different trends "
                     "before the start gives no cause for concern: the result is fairly "
                     "reliable.",
        "conf_mid": "The interval excludes zero (no effect), but the test for different trends "
                    "before the start rejects: interpret the result with caution.",
        "conf_low": "The interval includes zero (no effect): the data cannot tell the effect "
                    "apart from chance variation.",
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
        "unitcol_unknown": "not given",
        "costs_of": "costs for $sector",
        "cost_label": "cost of $sector, NOK",
        # -- the assessment -----------------------------------------------------------------
        "assessment": "How reliable is the result?",
        "level_high": "Overall: high confidence in the result.",
        "level_moderate": "Overall: moderate confidence in the result.",
        "level_low": "Overall: low confidence in the result.",
        "level_explain": "The assessment rests on the checks below. One serious weakness "
                         "means low confidence; a weakness that calls for caution, or a check "
                         "that could not be made, means moderate confidence at best.",
        "status_serious": "Serious weakness",
        "status_caution": "Calls for caution",
        "status_not_run": "Not assessed",
        "status_passed": "Passed",
        "status_info": "For information",
        "why_sample_size_pass": "Sample size: the main estimate rests on enough participants "
                                "to be shown.",
        "why_sample_size_fail": "Sample size: too few participants for the main estimate to "
                                "be shown; the study cannot give an answer.",
        "why_sample_size_none": "Sample size: the number of participants could not be "
                                "assessed.",
        "why_balance_pass": "Balance: after matching, the largest standardised difference "
                            "between the groups (|SMD|) is $value, for $covariate. Below $good "
                            "counts as good balance.",
        "why_balance_fail": "Balance: after matching, the largest standardised difference "
                            "between the groups (|SMD|) is $value, for $covariate. Below $good "
                            "counts as good balance and above $bad as serious imbalance; the "
                            "groups are therefore not fully comparable.",
        "why_balance_none": "Balance: the balance between the groups could not be assessed.",
        "why_overlap_pass": "Overlap: $share of the participants found a comparison unit.",
        "why_overlap_fail": "Overlap: only $share of the participants found a comparison "
                            "unit$unmatched. The result applies only to those who did.",
        "why_overlap_none": "Overlap: how many participants found a comparison unit could not "
                            "be assessed.",
        "overlap_unmatched": " ($n without)",
        "why_attrition_pass": "Attrition: $share of the units were left out, most at the step "
                              "‘$step’.",
        "why_attrition_fail": "Attrition: $share of the units were left out, most at the step "
                              "‘$step’. Attrition this large can bias the sample.",
        "why_attrition_none": "Attrition: attrition could not be assessed.",
        "why_pretrend_pass": "Pre-trends: the test finds no difference in the trends before "
                             "the start ($p).",
        "why_pretrend_fail": "Pre-trends: the groups already moved differently before the "
                             "start ($p). Part of the later difference may be due to that.",
        "why_pretrend_none": "Pre-trends: the test could not be made or shown, so the "
                             "assumption of parallel trends is not assessed.",
        "why_pretrend_power_pass": "Power of the test: a pre-trend that the test would detect "
                                   "would bias the result by $bias, no more than the smallest "
                                   "detectable effect ($mde).",
        "why_pretrend_power_fail": "Power of the test: the test is weak. A pre-trend that "
                                   "would bias the result by $bias, more than the smallest "
                                   "detectable effect ($mde), could go undetected.",
        "why_pretrend_power_none": "Power of the test: the power of the pre-trend test could "
                                   "not be assessed.",
        "why_placebo_pass": "Placebo: no detectable effect on $outcome, which the measure "
                            "should not affect (estimate $estimate, 95% CI $ci_lower to "
                            "$ci_upper).",
        "why_placebo_fail": "Placebo: an effect on $outcome, which the measure should not "
                            "affect (estimate $estimate, 95% CI $ci_lower to $ci_upper). This "
                            "points to differences between the groups that the design does "
                            "not capture.",
        "why_placebo_none": "Placebo: the effect on the placebo outcome could not be "
                            "estimated, so the check was not made.",
        "why_clusters_pass": "Clusters: $n clusters. With at least $minimum, the standard "
                             "errors are reliable.",
        "why_clusters_fail": "Clusters: only $n clusters (fewer than $minimum). The standard "
                             "errors and intervals may be too small.",
        "why_clusters_none": "Clusters: the number of clusters could not be assessed.",
        "why_sensitivity_pass": "Sensitivity: an unobserved factor would need a risk ratio of "
                                "at least $e with both participation and the outcome to "
                                "explain the effect away (threshold: $threshold).",
        "why_sensitivity_fail": "Sensitivity: an unobserved factor with a risk ratio of only "
                                "$e with both participation and the outcome could explain "
                                "the effect away (threshold: $threshold).",
        "why_sensitivity_none": "Sensitivity: the sensitivity to unobserved differences could "
                                "not be assessed.",
        "why_agreement_pass": "Other analyses: each alternative estimate lies inside the "
                              "main confidence interval ($checks).",
        "why_agreement_fail": "Other analyses: an alternative estimate lies outside the main "
                              "confidence interval ($checks).",
        "why_agreement_none": "Other analyses: they could not be compared with the main "
                              "analysis.",
        "agreement_item": "$check: $estimate",
        "why_precision_info": "Precision: the study could detect effects of $mde or larger "
                              "(with $power power); the estimate is $estimate.",
        # -- details --------------------------------------------------------------------------
        "design": "Design and estimand",
        "estimand": "Estimand",
        "estimand_value": "$words [$technical]",
        "design_type": "Design",
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
        "event_note_plain": "The effect in each period before and after the start (reference: "
                            "the period before the start, $ref). Vertical bars: 95% "
                            "confidence intervals.",
        "event_hidden": "Hidden estimates are not drawn.",
        "no_event": "The design gives no effect by year since the start.",
        "event_time_year": "Years since start",
        "event_time_quarter": "Quarters since start",
        "event_time_month": "Months since start",
        "pretrend": "Pre-trend test",
        "pretrend_text": "Wald test that all effects before the start are zero: "
                         "W = $statistic, df $df, $p_value.",
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

#: Names of outcomes, covariates (the columns of ``persons`` and the derived attributes
#: ``age`` and ``provider_type``), their values, flow steps, designs, checks, pilots and
#: units, as the report shows them. Sectors are in :data:`SECTOR_NAMES`; a ``cost_<sector>``
#: outcome reads as that sector's cost (:func:`label`).
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


def text(lang: str, key: str, **fields: object) -> str:
    """Return the text ``key`` in ``lang`` with ``fields`` filled in.

    Every field the text names must be given (a missing one is an error, never a blank).

    Examples
    --------
    >>> text("en", "version", version="0.1.0")
    'effekt 0.1.0'
    """
    return Template(TEXTS[lang][key]).substitute({k: str(v) for k, v in fields.items()})


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
        return text(lang, "cost_label", sector=sector_name(lang, name.removeprefix("cost_")))
    return humanise(name)


def sector_name(lang: str, sector: str) -> str:
    """Return a sector's name (a humanised key for a sector with no name).

    Examples
    --------
    >>> sector_name("nb", "oppvekst_skole"), sector_name("en", "nav_state")
    ('skole', 'NAV (state)')
    """
    return SECTOR_NAMES[lang].get(sector) or humanise(sector)


def fmt_number(x: float | None, decimals: int, lang: str) -> str:
    r"""Format a number for a report language (Babel; see :class:`~.formatting.Formatter`).

    Examples
    --------
    >>> fmt_number(-1234.5, 1, "nb"), fmt_number(-1234.5, 1, "en"), fmt_number(None, 2, "en")
    ('−1\xa0234,5', '-1,234.5', '–')
    """
    return Formatter(lang).number(x, decimals)
