"""The report's section on the pre-registered analysis plan (``results["preregistration"]``).

:func:`preregistration_view` says that the study was not pre-registered, that the plan
locked on a date was followed, or lists every deviation of the run's plan from the lock
(``design.ratio: 3 → 2``) and the non-outcome tables that changed since; every sentence
from :data:`PREREGISTRATION_TEXTS`, in both languages.
"""

from __future__ import annotations

import json
from typing import Any

from effekt.reports.texts import text
from effekt.reports.words import Words

__all__ = ["PREREGISTRATION_TEXTS", "preregistration_view"]

PREREGISTRATION_TEXTS: dict[str, dict[str, str]] = {
    "nb": {
        "title": "Forhåndsregistrert analyseplan",
        "none": "Studien er ikke forhåndsregistrert: ingen analyseplan ble låst før "
                "analysen (effekt study lock).",
        "followed": "Analyseplanen som ble låst $date, er fulgt: kjøringen avviker ikke fra "
                    "den.",
        "deviations": "Analyseplanen ble låst $date. Kjøringen avviker fra den på $n "
                      "punkter:",
        "data_changed": "Disse tabellene (ikke utfallene) er endret siden planen ble låst: "
                        "$tables.",
        "missing": "ingen",
    },
    "en": {
        "title": "Pre-registered plan",
        "none": "The study was not pre-registered: no analysis plan was locked before the "
                "analysis (effekt study lock).",
        "followed": "The analysis plan locked on $date was followed: the run does not "
                    "deviate from it.",
        "deviations": "The analysis plan was locked on $date. The run deviates from it in "
                      "$n points:",
        "data_changed": "These tables (not the outcomes) changed since the plan was locked: "
                        "$tables.",
        "missing": "none",
    },
}


def _say(w: Words, key: str, **fields: Any) -> str:
    return text(w.lang, key, PREREGISTRATION_TEXTS, **fields)


def _value(w: Words, v: Any) -> str:
    if v is None:
        return _say(w, "missing")
    if isinstance(v, str):
        return v
    return json.dumps(v, ensure_ascii=False, sort_keys=True)


def preregistration_view(w: Words, pre: dict[str, Any] | None) -> dict[str, Any]:
    """Return the section: ``title``, ``text``, ``deviations`` (lines) and ``data_changed``.

    Results without a ``preregistration`` block (written before it existed) read as not
    pre-registered.
    """
    if not pre or not pre.get("locked"):
        return {"title": _say(w, "title"), "text": _say(w, "none"), "deviations": [],
                "data_changed": None}
    devs = pre.get("deviations") or []
    date = pre.get("locked_at") or "?"
    lines = [f"{d['key']}: {_value(w, d.get('locked'))} → {_value(w, d.get('run'))}"
             for d in devs]
    changed = pre.get("data_changed") or []
    return {"title": _say(w, "title"),
            "text": _say(w, "deviations", date=date, n=len(devs)) if devs
            else _say(w, "followed", date=date),
            "deviations": lines,
            "data_changed": _say(w, "data_changed", tables=", ".join(changed)) if changed
            else None}
