"""The report's section on how the study compares with the effect register.

:func:`register_view` reads ``results["register_comparison"]``
(:func:`effekt.register.compare_with_register`): no register given, or per outcome the
register's pooled effect, this study's estimate, the consistency test of their difference,
the effect of both combined and this study's estimate shrunk toward it. Every sentence from
:data:`REGISTER_TEXTS`, in both languages; every number in its outcome's unit.
"""

from __future__ import annotations

from typing import Any

from effekt.reports.formatting import DASH
from effekt.reports.texts import text
from effekt.reports.words import Quantity, Words

__all__ = ["REGISTER_TEXTS", "register_view"]

REGISTER_TEXTS: dict[str, dict[str, str]] = {
    "nb": {
        "title": "Sammenlignet med effektregisteret",
        "none": "Studien er ikke sammenlignet med et effektregister: ingen register ble "
                "oppgitt (effekt study run --register).",
        "intro": "Hvert utfall er sammenlignet med effektregisterets oppføringer for "
                 "$measure med samme utfall og enhet$own. Registerets oppføringer er slått "
                 "sammen i en random-effects-modell ($method).",
        "own": " (denne studiens egne $n oppføringer er holdt utenfor)",
        "consistent": "For $outcome er forskjellen mellom denne studien og registeret "
                      "$diff ($p): den er ikke statistisk signifikant, og estimatet ligger "
                      "innenfor det registeret lar forvente. Det betyr ikke at effektene er "
                      "like.",
        "differs": "For $outcome er forskjellen mellom denne studien og registeret $diff "
                   "($p): den er statistisk signifikant, og estimatet skiller seg fra det "
                   "registeret lar forvente.",
        "no_entries": "Registeret har ingen oppføringer i samme enhet for $outcomes.",
        "hidden_note": "Ikke sammenlignet (estimatet er skjult av personvernhensyn, og et "
                       "samlet estimat ville avsløre det): $outcomes.",
        "note": "Registeret: random-effects-gjennomsnittet av registerets oppføringer (én "
                "oppføring: den selv). Forskjell: denne studien minus registeret, testet mot "
                "spredningen registeret lar forvente (standardfeilene og variansen mellom "
                "studier, tau²). Samlet: gjennomsnittet av registeret og denne studien i "
                "samme modell. Krympet: denne studiens estimat trukket mot det samlede "
                "(BLUP).",
        "sources": "Kilder i registeret: $sources.",
        "caption": "$outcome",
        "row_register": "Registeret ($k oppføringer)",
        "row_register_one": "Registeret (1 oppføring)",
        "row_local": "Denne studien",
        "row_difference": "Forskjell (denne studien − registeret)",
        "row_combined": "Samlet (registeret og denne studien)",
        "row_blup": "Denne studien, krympet mot det samlede",
        "estimate": "Estimat",
        "ci": "95 % KI",
        "p": "p",
    },
    "en": {
        "title": "Compared with the effect register",
        "none": "The study is not compared with an effect register: no register was given "
                "(effekt study run --register).",
        "intro": "Each outcome is compared with the effect register's entries for $measure "
                 "with the same outcome and unit$own. The register's entries are pooled in a "
                 "random-effects model ($method).",
        "own": " (this study's own $n entries are left out)",
        "consistent": "For $outcome the difference between this study and the register is "
                      "$diff ($p): it is not statistically significant, and the estimate lies "
                      "within what the register leads one to expect. That does not mean the "
                      "effects are equal.",
        "differs": "For $outcome the difference between this study and the register is "
                   "$diff ($p): it is statistically significant, and the estimate differs "
                   "from what the register leads one to expect.",
        "no_entries": "The register has no entries in the same unit for $outcomes.",
        "hidden_note": "Not compared (the estimate is hidden for privacy, and a combined "
                       "estimate would reveal it): $outcomes.",
        "note": "Register: the random-effects mean of the register's entries (one entry: "
                "itself). Difference: this study minus the register, tested against the "
                "spread the register leads one to expect (the standard errors and the "
                "between-study variance, tau²). Combined: the mean of the register and this "
                "study in the same model. Shrunk: this study's estimate drawn toward the "
                "combined effect (BLUP).",
        "sources": "Sources in the register: $sources.",
        "caption": "$outcome",
        "row_register": "Register ($k entries)",
        "row_register_one": "Register (1 entry)",
        "row_local": "This study",
        "row_difference": "Difference (this study − register)",
        "row_combined": "Combined (register and this study)",
        "row_blup": "This study, shrunk toward the combined effect",
        "estimate": "Estimate",
        "ci": "95% CI",
        "p": "p",
    },
}


def _say(w: Words, key: str, **fields: Any) -> str:
    return text(w.lang, key, REGISTER_TEXTS, **fields)


def _outcome_table(w: Words, o: dict[str, Any], q: Quantity, dec: int) -> dict[str, Any]:
    """Return one compared outcome as a table: register, this study, difference, combined."""
    def cells(block: dict[str, Any], p: float | None = None) -> list[str]:
        return [q.cell(block["estimate"], dec),
                f"{q.cell(block['ci_lower'], dec)} – {q.cell(block['ci_upper'], dec)}",
                DASH if p is None else w.f.p_value(p).removeprefix("p = ").removeprefix("p ")]

    reg = (_say(w, "row_register_one") if o["k"] == 1 else
           _say(w, "row_register", k=w.f.integer(o["k"])))
    rows = [[reg, *cells(o["register"])],
            [_say(w, "row_local"), *cells(o["local"])],
            [_say(w, "row_difference"), *cells(o["difference"], o["difference"]["p_value"])],
            [_say(w, "row_combined"), *cells(o["combined"])],
            [_say(w, "row_blup"), *cells(o["blup"])]]
    head = ["", f"{_say(w, 'estimate')} ({q.unit()})", _say(w, "ci"), _say(w, "p")]
    return {"caption": _say(w, "caption", outcome=w.name(o["outcome"])),
            "table": {"cls": "register", "head": head, "rows": rows, "secondary": False}}


def register_view(w: Words, comparison: dict[str, Any] | None) -> dict[str, Any]:
    """Return the section: ``title``, ``text``, ``sentences``, ``tables`` and ``notes``.

    Results without a ``register_comparison`` block (a run given no register, or results
    written before it existed) read as not compared.
    """
    if not comparison or comparison.get("register") is None:
        return {"title": _say(w, "title"), "text": _say(w, "none"), "sentences": [],
                "tables": [], "notes": []}
    decimals = {r["outcome"]: r["decimals"] for r in w.res["outcomes"]}
    own = comparison.get("excluded_own") or 0
    intro = _say(w, "intro", measure=w.name(comparison["measure"]),
                 own=_say(w, "own", n=own) if own else "", method=comparison["method"])
    sentences, tables, sources = [], [], set()
    absent, hidden_ = [], []
    for o in comparison["outcomes"]:
        q = w.quantity(o["outcome"])
        name = w.name(o["outcome"])
        sources.update(o.get("sources") or [])
        if o["status"] == "compared":
            d = o["difference"]
            key = "differs" if d["p_value"] < 0.05 else "consistent"
            sentences.append(_say(w, key, outcome=name, diff=q.amount(d["estimate"],
                                                                      signed=True),
                                  p=w.f.p_value(d["p_value"])))
            tables.append(_outcome_table(w, o, q, decimals.get(o["outcome"], 3)))
        else:
            (hidden_ if o["status"] == "local_hidden" else absent).append(name)
    if absent:
        sentences.append(_say(w, "no_entries", outcomes=w.words(absent)))
    if hidden_:
        sentences.append(_say(w, "hidden_note", outcomes=w.words(hidden_)))
    notes = [_say(w, "note")] if tables else []
    if sources:
        notes.append(_say(w, "sources", sources="; ".join(sorted(sources))))
    return {"title": _say(w, "title"), "text": intro, "sentences": sentences,
            "tables": tables, "notes": notes}
