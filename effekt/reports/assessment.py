"""The assessment in plain words: how far to trust the result, and why.

``results["assessment"]`` (:func:`effekt.study.assess`) gives a level and its reasons, each
a check that passed, failed (serious or caution), could not run, or only informs. The report
says the level and each reason in a sentence of its language (:data:`REASON_TEXTS`), its
``values`` filled in, in the outcome's unit; failed reasons come first. The English
``detail`` of a reason is for readers of ``results.json`` and never shown.
"""

from __future__ import annotations

from typing import Any

from effekt.reports.formatting import DASH
from effekt.reports.texts import text
from effekt.reports.words import Quantity, Words

__all__ = ["REASON_TEXTS", "assessment_view"]

#: The order of the assessment's reasons: failed (serious, then caution) first.
ORDER = {"serious": 0, "caution": 1, "not_run": 2, "passed": 3, "info": 4}

#: The level, the status tags and each check's sentence (``why_<check>_<pass|fail|none>``;
#: ``why_precision_info``), :class:`string.Template` strings with ``$name`` fields.
REASON_TEXTS: dict[str, dict[str, str]] = {
    "nb": {
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
        "why_clusters_fail": "Klynger: bare $n klynger (færre enn $minimum). Metoden står "
                             "under «Usikkerhet beregnet med»; med så få klynger kan "
                             "standardfeil og intervaller likevel være for små.",
        "why_clusters_none": "Klynger: antallet klynger kunne ikke vurderes.",
        "why_sensitivity_pass": "Følsomhet: en uobservert faktor måtte henge sammen med både "
                                "deltakelse og utfall med et risikoforhold på minst $e for å "
                                "forklare bort effekten (grense: $threshold).",
        "why_sensitivity_fail": "Følsomhet: allerede en uobservert faktor med et "
                                "risikoforhold på $e til både deltakelse og utfall kunne "
                                "forklare bort effekten (grense: $threshold).",
        "why_sensitivity_none": "Følsomhet: følsomheten for uobserverte forskjeller kunne "
                                "ikke vurderes.",
        "why_trend_robustness_pass": "Like trender: konklusjonen holder også om bruddet på "
                                     "like trender etter oppstart er like stort som det "
                                     "største før oppstart (HonestDiD; $breakdown_text).",
        "breakdown_at": "intervallet omfatter null først ved $m ganger",
        "breakdown_beyond": "intervallet omfatter ikke null ved noen av de beregnede "
                            "verdiene, opp til $m ganger",
        "why_trend_robustness_fail": "Like trender: konfidensintervallet omfatter null "
                                     "allerede når bruddet på like trender etter oppstart er "
                                     "$breakdown ganger det største før oppstart (HonestDiD). "
                                     "Konklusjonen tåler bare små avvik fra like trender.",
        "why_trend_robustness_none": "Like trender: hvor store avvik fra like trender "
                                     "konklusjonen tåler, kunne ikke beregnes.",
        "why_agreement_pass": "Andre analyser: hvert alternative anslag ligger innenfor "
                              "hovedanalysens konfidensintervall ($checks).",
        "why_agreement_fail": "Andre analyser: et alternativt anslag ligger utenfor "
                              "hovedanalysens konfidensintervall ($checks).",
        "why_agreement_none": "Andre analyser: de kunne ikke sammenlignes med hovedanalysen.",
        "agreement_item": "$check: $estimate",
        "why_precision_info": "Presisjon: studien kunne påvise effekter på $mde eller mer (med "
                              "$power statistisk styrke); anslaget er $estimate.",
    },
    "en": {
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
        "why_clusters_fail": "Clusters: only $n clusters (fewer than $minimum). The method is "
                             "under \"Uncertainty computed with\"; with so few clusters the "
                             "standard errors and intervals may still be too small.",
        "why_clusters_none": "Clusters: the number of clusters could not be assessed.",
        "why_sensitivity_pass": "Sensitivity: an unobserved factor would need a risk ratio of "
                                "at least $e with both participation and the outcome to "
                                "explain the effect away (threshold: $threshold).",
        "why_sensitivity_fail": "Sensitivity: an unobserved factor with a risk ratio of only "
                                "$e with both participation and the outcome could explain "
                                "the effect away (threshold: $threshold).",
        "why_sensitivity_none": "Sensitivity: the sensitivity to unobserved differences could "
                                "not be assessed.",
        "why_trend_robustness_pass": "Parallel trends: the conclusion holds even if the "
                                     "violation of parallel trends after the start is as "
                                     "large as the largest one before it (HonestDiD; "
                                     "$breakdown_text).",
        "breakdown_at": "the interval includes zero from $m times on",
        "breakdown_beyond": "the interval excludes zero at every value computed, up to $m "
                            "times",
        "why_trend_robustness_fail": "Parallel trends: the confidence interval includes zero "
                                     "once the violation of parallel trends after the start "
                                     "is $breakdown times the largest one before it "
                                     "(HonestDiD). The conclusion takes only small departures "
                                     "from parallel trends.",
        "why_trend_robustness_none": "Parallel trends: how large a departure from parallel "
                                     "trends the conclusion takes could not be computed.",
        "why_agreement_pass": "Other analyses: each alternative estimate lies inside the "
                              "main confidence interval ($checks).",
        "why_agreement_fail": "Other analyses: an alternative estimate lies outside the main "
                              "confidence interval ($checks).",
        "why_agreement_none": "Other analyses: they could not be compared with the main "
                              "analysis.",
        "agreement_item": "$check: $estimate",
        "why_precision_info": "Precision: the study could detect effects of $mde or larger "
                              "(with $power power); the estimate is $estimate.",
    },
}


def _say(w: Words, key: str, **fields: Any) -> str:
    return text(w.lang, key, REASON_TEXTS, **fields)


def assessment_view(w: Words) -> dict[str, Any]:
    """Return what the template shows of the assessment: the level and the reasons.

    A reason's status: ``info`` (the precision check), ``not_run`` (passed null),
    ``passed``, or its severity when it failed.
    """
    a = w.res["assessment"]
    reasons = []
    for r in a["reasons"]:
        check, passed = r["check"], r["passed"]
        if check == "precision":
            status, variant = "info", "info"
        elif passed is None:
            status, variant = "not_run", "none"
        elif passed:
            status, variant = "passed", "pass"
        else:
            status, variant = r["severity"], "fail"
        fields = _fields(w, check, r["values"], passed) if variant != "none" else {}
        reasons.append({"status": status, "tag": _say(w, f"status_{status}"),
                        "text": _say(w, f"why_{check}_{variant}", **fields)})
    reasons.sort(key=lambda x: ORDER[x["status"]])  # stable: the runner's order within
    return {"level": a["level"], "level_text": _say(w, f"level_{a['level']}"),
            "explain": _say(w, "level_explain"), "reasons": reasons}


def _fields(w: Words, check: str, v: dict[str, Any], passed: bool | None) -> dict[str, Any]:
    """Return the fields of a reason's sentence from its ``values``."""
    f, q = w.f, Quantity(w, w.main["kind"])
    if check == "balance":
        return {"value": f.number(v["max_abs_smd"], 2), "covariate": w.name(v["covariate"]),
                "good": f.plain(v["good"]), "bad": f.plain(v["bad"])}
    if check == "overlap":
        unmatched = ("" if v["unmatched"] is None else
                     _say(w, "overlap_unmatched", n=f.integer(v["unmatched"])))
        return {"share": f.percent(v["share_matched"]), "unmatched": unmatched}
    if check == "attrition":
        return {"share": f.percent(v["share_dropped"]), "step": w.name(v["step"])}
    if check == "pretrend":
        return {"p": f.p_value(v["p_value"])}
    if check == "pretrend_power":
        return {"bias": q.amount(v["detectable_bias"]), "mde": q.amount(v["mde"])}
    if check == "placebo":  # in the placebo outcome's own unit (its robustness row's kind)
        pq = w.quantity(v["outcome"])
        d = pq.sentence_decimals(v["estimate"] * pq.scale)
        return {"outcome": w.name(v["outcome"]),
                "estimate": pq.amount(v["estimate"], signed=True),
                "ci_lower": f.number(v["ci_lower"] * pq.scale, d),
                "ci_upper": f.number(v["ci_upper"] * pq.scale, d)}
    if check == "clusters":
        return {"n": f.integer(v["n_clusters"]), "minimum": f.integer(v["minimum"])}
    if check == "sensitivity":
        return {"e": f.number(v["e_value_ci"], 2), "threshold": f.plain(v["threshold"])}
    if check == "trend_robustness":  # breakdown None: no value up to largest_m reaches 0
        bd = v["breakdown"]
        text = (_say(w, "breakdown_beyond", m=f.plain(v["largest_m"])) if bd is None
                else _say(w, "breakdown_at", m=f.number(bd, 2)))
        return {"breakdown": DASH if bd is None else f.number(bd, 2), "breakdown_text": text}
    if check == "agreement":  # passed: those that agree; failed: those that do not
        items = [c for c in v["checks"] if c["agrees"] is (passed is not False)]
        designs = {r["check"]: r["design"] for r in w.res["robustness"]}

        def named(check: str) -> str:  # the alternative estimator by its design
            return w.name(designs.get(check, check) if check == "alternative_estimator"
                          else check)

        return {"checks": "; ".join(_say(
            w, "agreement_item", check=named(c["check"]),
            estimate=DASH if c["estimate"] is None else q.amount(c["estimate"], True))
            for c in items)}
    if check == "precision":
        mde = w.main["mde"]
        return {"mde": q.amount(v["mde"]), "estimate": q.amount(v["estimate"], True),
                "power": f.percent(mde["power"] if mde else 0.8)}
    return {}  # sample_size: no values
