"""The report's checks of parallel trends: the Bacon decomposition and HonestDiD.

:func:`trends_view` builds what the template shows of ``results["bacon"]`` (the TWFE
check's Goodman-Bacon decomposition, by comparison type), ``results["honest_did"]`` (the
main event study's robust intervals under violations of parallel trends and its breakdown
value) and ``results["budget_sensitivity"]`` (the NPV of the budget view's avoided costs
under those violations, for the budget section); every sentence from
:data:`TREND_TEXTS`, in both languages.
"""

from __future__ import annotations

from typing import Any

from effekt.reports.texts import text
from effekt.reports.words import Quantity, Words

__all__ = ["TREND_TEXTS", "trends_view"]

TREND_TEXTS: dict[str, dict[str, str]] = {
    "nb": {
        "trends": "Parallelle trender: hvor mye tåler konklusjonen?",
        "bacon_intro": "Kontrollen med toveis faste effekter (TWFE) er et vektet gjennomsnitt "
                       "av enkle før–etter-sammenligninger mellom grupper som startet til "
                       "ulik tid (Goodman-Bacon 2021). Den statiske TWFE-koeffisienten er "
                       "$twfe $unit, beregnet på de $n_units $units som er observert alle "
                       "$n_periods år.",
        "bacon_forbidden": "$share av vekten ligger på sammenligninger der grupper som "
                           "allerede hadde startet, brukes som sammenligningsgruppe. Der "
                           "effekten endrer seg over tid, trekker disse TWFE bort fra den "
                           "virkelige effekten; hovedanslaget bruker dem ikke.",
        "bacon_not_run": "Bacon-dekomponeringen av TWFE-kontrollen kunne ikke beregnes: for få "
                         "$units er observert alle årene.",
        "bacon_type": "Type sammenligning",
        "bacon_weight": "Vekt",
        "bacon_estimate": "Gjennomsnittlig anslag",
        "bacon_n": "Antall sammenligninger",
        "treated_vs_never": "startet mot aldri startet",
        "treated_vs_always": "startet mot startet før første år",
        "earlier_vs_later": "tidlig startet mot senere startet (før de startet)",
        "later_vs_earlier": "senere startet mot tidligere startet (allerede startet)",
        "honest_intro": "Hvor store avvik fra like trender tåler konklusjonen? Metoden til "
                        "Rambachan og Roth (2023, HonestDiD) lar utviklingen etter oppstart "
                        "avvike fra like trender med inntil M̄ ganger det største avviket "
                        "mellom to år før oppstart, og gir for hver M̄ et 95 % intervall for "
                        "gjennomsnittseffekten etter oppstart ($unit; betinget "
                        "minst-gunstig hybridtest).",
        "honest_m": "M̄",
        "honest_ci": "95 % intervall",
        "honest_breakdown": "Intervallet omfatter null fra M̄ = $m: konklusjonen tåler avvik "
                            "fra like trender etter oppstart på inntil $m ganger det største "
                            "avviket før oppstart.",
        "honest_beyond": "Intervallet omfatter ikke null for noen M̄ opp til $m.",
        "honest_null": "Allerede ved M̄ = 0 omfatter intervallet null: hovedanslaget skiller "
                       "seg ikke fra null, med eller uten avvik fra like trender.",
        "honest_not_run": "Hvor store avvik fra like trender konklusjonen tåler, kunne ikke "
                          "beregnes: studien har ingen hendelsesstudie med perioder før "
                          "oppstart å måle avvik i, eller anslagene er skjult.",
        "npv": "Nåverdien av de unngåtte kostnadene i tabellen, summert over sektorene "
               "($outcomes) og diskontert med $schedule, er $npv kr ved anslagene.",
        "npv_negative": "Den er negativ allerede ved anslagene: i disse sektorene koster "
                        "tiltaket mer enn det sparer, også om trendene er like.",
        "npv_breakdown_zero": "Regnet med den minst gunstige enden av 95 %-intervallene er "
                              "den negativ allerede uten avvik fra like trender (M̄ = 0: "
                              "$npv kr).",
        "npv_breakdown": "Regnet med den minst gunstige enden av HonestDiD-intervallene blir "
                         "den negativ ved M̄ = $m ($npv kr): avvik fra like trender etter "
                         "oppstart på $m ganger det største før oppstart er nok til at "
                         "tiltaket ikke lenger lønner seg i disse sektorene.",
        "npv_beyond": "Regnet med den minst gunstige enden av HonestDiD-intervallene er den "
                      "positiv opp til M̄ = $m ($npv kr).",
        "npv_method": "Tilnærming: alle årenes effekter flyttes like mye, til den enden av "
                      "intervallet for gjennomsnittseffekten som gir lavest nåverdi.",
        "npv_not_run": "Hvor følsom nåverdien er for avvik fra like trender, kunne ikke "
                       "beregnes for $outcomes.",
        "npv_col": "Nåverdi, minst gunstig (kr)",
        "schedule_r109": "statens kalkulasjonsrente (rundskriv R-109/2021: 4 % de første 40 "
                         "årene)",
    },
    "en": {
        "trends": "Parallel trends: how much can the conclusion take?",
        "bacon_intro": "The two-way fixed effects (TWFE) check is a weighted average of simple "
                       "before–after comparisons between groups that started at different "
                       "times (Goodman-Bacon 2021). The static TWFE coefficient is $twfe "
                       "$unit, computed on the $n_units $units observed in all $n_periods "
                       "years.",
        "bacon_forbidden": "$share of the weight is on comparisons that use groups which had "
                           "already started as the comparison group. Where the effect changes "
                           "over time these pull TWFE away from the true effect; the main "
                           "estimate does not use them.",
        "bacon_not_run": "The Bacon decomposition of the TWFE check could not be computed: too "
                         "few $units are observed in every year.",
        "bacon_type": "Comparison type",
        "bacon_weight": "Weight",
        "bacon_estimate": "Average estimate",
        "bacon_n": "Comparisons",
        "treated_vs_never": "started against never started",
        "treated_vs_always": "started against started before the first year",
        "earlier_vs_later": "earlier against later starters (before they started)",
        "later_vs_earlier": "later against earlier starters (already started)",
        "honest_intro": "How large a departure from parallel trends can the conclusion "
                        "take? The method of Rambachan and Roth (2023, HonestDiD) lets the "
                        "development after the start depart from parallel trends by up to "
                        "M̄ times the largest departure between two years before it, and "
                        "gives for each M̄ a 95 % interval of the average effect after the "
                        "start ($unit; conditional least-favourable hybrid test).",
        "honest_m": "M̄",
        "honest_ci": "95 % interval",
        "honest_breakdown": "The interval includes zero from M̄ = $m: the conclusion takes "
                            "departures from parallel trends after the start of up to $m "
                            "times the largest departure before it.",
        "honest_beyond": "The interval excludes zero for every M̄ up to $m.",
        "honest_null": "Already at M̄ = 0 the interval includes zero: the main estimate is "
                       "not distinguished from zero, with or without departures from "
                       "parallel trends.",
        "honest_not_run": "How large a departure from parallel trends the conclusion takes "
                          "could not be computed: the study has no event study with periods "
                          "before the start to measure departures in, or its estimates are "
                          "hidden.",
        "npv": "The net present value of the avoided costs in the table, summed over the "
               "sectors ($outcomes) and discounted with $schedule, is NOK $npv at the "
               "estimates.",
        "npv_negative": "It is negative already at the estimates: in these sectors the "
                        "measure costs more than it saves, even with parallel trends.",
        "npv_breakdown_zero": "At the least favourable end of the 95 % intervals it is "
                              "negative already without any departure from parallel trends "
                              "(M̄ = 0: NOK $npv).",
        "npv_breakdown": "At the least favourable end of the HonestDiD intervals it turns "
                         "negative at M̄ = $m (NOK $npv): departures from parallel trends "
                         "after the start of $m times the largest one before it are enough "
                         "for the measure to stop paying for itself in these sectors.",
        "npv_beyond": "At the least favourable end of the HonestDiD intervals it stays "
                      "positive up to M̄ = $m (NOK $npv).",
        "npv_method": "Approximation: every year's effect is moved by the same amount, to the "
                      "end of the interval of the average effect that gives the lowest net "
                      "present value.",
        "npv_not_run": "How sensitive the net present value is to departures from parallel "
                       "trends could not be computed for $outcomes.",
        "npv_col": "Net present value, least favourable (NOK)",
        "schedule_r109": "the Norwegian government's discount rate (circular R-109/2021: 4 % "
                         "for the first 40 years)",
    },
}


def _say(w: Words, key: str, **fields: Any) -> str:
    return text(w.lang, key, TREND_TEXTS, **fields)


def _bacon(w: Words, q: Quantity) -> dict[str, Any] | None:
    b = w.res.get("bacon")
    if not b:
        return None
    if b["status"] != "ok":
        return {"text": _say(w, "bacon_not_run", units=w.units), "table": None, "after": None}
    decimals = w.main["decimals"]
    rows = [[_say(w, r["comparison_type"]), w.f.percent(r["weight"]),
             q.cell(r["estimate"], decimals), str(r["n_comparisons"])]
            for r in b["by_type"]]
    head = [_say(w, k) for k in ("bacon_type", "bacon_weight", "bacon_estimate", "bacon_n")]
    forbidden = sum(r["weight"] for r in b["by_type"]
                    if r["comparison_type"] == "later_vs_earlier")
    return {"text": _say(w, "bacon_intro", twfe=q.cell(b["twfe_estimate"], decimals),
                         unit=q.unit(), n_units=w.f.number(b["n_units"], 0)
                         if isinstance(b["n_units"], int | float) else b["n_units"],
                         units=w.units, n_periods=b["n_periods"]),
            "table": {"cls": "bacon", "head": head, "rows": rows, "secondary": False},
            "after": _say(w, "bacon_forbidden", share=w.f.percent(forbidden))}


def _honest(w: Words, q: Quantity) -> dict[str, Any] | None:
    h = w.res.get("honest_did")
    if not h:
        return None
    if h["status"] != "ok":
        return {"text": _say(w, "honest_not_run"), "table": None, "after": None}
    decimals = w.main["decimals"]
    rows = [[w.f.plain(r["m"]), f"{q.cell(r['ci_lower'], decimals)} – "
             f"{q.cell(r['ci_upper'], decimals)}"] for r in h["grid"]]
    head = [_say(w, "honest_m"), _say(w, "honest_ci")]
    lo, hi = h["grid"][0]["ci_lower"], h["grid"][0]["ci_upper"]
    if lo <= 0 <= hi:
        after = _say(w, "honest_null")
    elif h["breakdown"] is None:
        after = _say(w, "honest_beyond", m=w.f.plain(max(r["m"] for r in h["grid"])))
    else:
        after = _say(w, "honest_breakdown", m=w.f.number(h["breakdown"], 2))
    return {"text": _say(w, "honest_intro", unit=q.unit()),
            "table": {"cls": "honest", "head": head, "rows": rows, "secondary": False},
            "after": after}


def _budget(w: Words) -> dict[str, Any] | None:
    b = w.res.get("budget_sensitivity")
    if not b:
        return None
    if b["status"] != "ok":
        return {"notes": [_say(w, "npv_not_run", outcomes=w.words(
            [w.name(o) for o in b["outcomes_without"]]))], "table": None}
    nok = w.f.number
    notes = [_say(w, "npv", outcomes=w.words([w.name(o) for o in b["outcomes"]]),
                  # a schedule this version has no words for is shown by its name
                  schedule=(_say(w, f"schedule_{b['schedule']}")
                            if f"schedule_{b['schedule']}" in TREND_TEXTS[w.lang]
                            else b["schedule"]),
                  npv=nok(b["npv_at_estimate_nok"], 0))]
    at = {r["m"]: r["npv_nok"] for r in b["grid"]}
    if b["negative_at_estimate"]:
        notes.append(_say(w, "npv_negative"))
    elif b["breakdown_m"] == 0:
        notes.append(_say(w, "npv_breakdown_zero", npv=nok(at[0.0], 0)))
    elif b["breakdown_m"] is None:
        top = max(at)
        notes.append(_say(w, "npv_beyond", m=w.f.plain(top), npv=nok(at[top], 0)))
    else:
        m = b["breakdown_m"]
        notes.append(_say(w, "npv_breakdown", m=w.f.plain(m), npv=nok(at[m], 0)))
    notes.append(_say(w, "npv_method"))
    rows = [[w.f.plain(r["m"]), nok(r["npv_nok"], 0)] for r in b["grid"]]
    return {"notes": notes, "table": {"cls": "npv", "head": [_say(w, "honest_m"),
                                                             _say(w, "npv_col")],
                                      "rows": rows, "secondary": False}}


def trends_view(w: Words) -> dict[str, Any]:
    """Return the section on parallel trends and the NPV's sensitivity for the budget.

    ``title`` None when the study ran neither the Bacon decomposition nor HonestDiD (the
    section is then left out); ``budget`` None without a budget sensitivity.
    """
    q = Quantity(w, w.main.get("kind"))
    bacon, honest = _bacon(w, q), _honest(w, q)
    return {"title": _say(w, "trends") if bacon or honest else None, "bacon": bacon,
            "honest": honest, "budget": _budget(w)}
