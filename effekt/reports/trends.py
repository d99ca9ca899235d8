"""The report's checks of parallel trends: the Bacon decomposition and HonestDiD.

:func:`trends_view` builds what the template shows of ``results["bacon"]`` (the TWFE
check's Goodman-Bacon decomposition, by comparison type) and ``results["honest_did"]``
(the main event study's robust intervals under violations of parallel trends and its
breakdown value); every sentence from :data:`TREND_TEXTS`, in both languages.
"""

from __future__ import annotations

from string import Template
from typing import Any

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
        "bacon_type": "Sammenligning",
        "bacon_weight": "Vekt",
        "bacon_estimate": "Gjennomsnittlig anslag",
        "bacon_n": "Antall sammenligninger",
        "treated_vs_never": "startet mot aldri startet",
        "treated_vs_always": "startet mot startet før første år",
        "earlier_vs_later": "tidlig startet mot senere startet (før de startet)",
        "later_vs_earlier": "senere startet mot tidligere startet (allerede startet)",
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
        "bacon_type": "Comparison",
        "bacon_weight": "Weight",
        "bacon_estimate": "Average estimate",
        "bacon_n": "Comparisons",
        "treated_vs_never": "started against never started",
        "treated_vs_always": "started against started before the first year",
        "earlier_vs_later": "earlier against later starters (before they started)",
        "later_vs_earlier": "later against earlier starters (already started)",
    },
}


def _say(w: Words, key: str, **fields: Any) -> str:
    return Template(TREND_TEXTS[w.lang][key]).substitute({k: str(v) for k, v in
                                                          fields.items()})


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


def trends_view(w: Words) -> dict[str, Any]:
    """Return the section on parallel trends: the Bacon decomposition and HonestDiD.

    ``title`` None when the study ran neither (the section is then left out).
    """
    q = Quantity(w, w.main.get("kind"))
    bacon = _bacon(w, q)
    return {"title": _say(w, "trends") if bacon else None, "bacon": bacon}
