"""Nothing untranslated: no English fragment in a bokmål report, and the other way round.

The fragments are derived from the text tables themselves (effekt.reports.texts, .labels and
the assessment's reasons): every text, reason, label, sector name, estimand and subject of one
language is split at its ``$fields``;
a piece with at least four letters that occurs in no text of the other language (so not a
number, a proper name such as HOLF or NAV, or a word the two languages share such as
"Design") must not appear in a report of the other language.
"""

from __future__ import annotations

import copy
import html as htmllib
import re

import pytest

from effekt.reports import labels as L
from effekt.reports import render_report
from effekt.reports.assessment import REASON_TEXTS
from effekt.reports.texts import TEXTS
from effekt.reports.trends import TREND_TEXTS


def _strings(lang: str) -> list[str]:
    return [*TEXTS[lang].values(), *REASON_TEXTS[lang].values(), *TREND_TEXTS[lang].values(),
            *L.LABELS[lang].values(),
            *L.SECTOR_NAMES[lang].values(), *L.ESTIMAND_WORDS[lang].values(),
            *L.SUBJECTS[lang].values(), *L.PILOT_SHORT[lang].values(), L.COST_LABEL[lang]]


def fragments(lang: str) -> list[str]:
    """The pieces of ``lang``'s texts that no text of the other language has."""
    other = "en" if lang == "nb" else "nb"
    theirs = "\n".join(_strings(other))
    out = set()
    for s in _strings(lang):
        for piece in re.split(r"\$\w+", s):
            piece = piece.strip(" .,;:()[]«»‘’\"–-")
            if len(re.findall(r"[^\W\d_]", piece)) >= 4 and piece not in theirs:
                out.add(piece)
    return sorted(out)


def visible(page: str) -> str:
    """Text and alt texts a reader sees (no stylesheet, no image data), one line."""
    alts = " ".join(re.findall(r'alt="([^"]*)"', page))
    page = re.sub(r"<style>.*?</style>", " ", page, flags=re.S)
    text = htmllib.unescape(re.sub(r"<[^>]+>", " ", page) + " " + alts)
    return " ".join(text.split())


def found(piece: str, text: str) -> bool:
    """Whether ``piece`` occurs in ``text`` as whole words."""
    return re.search(rf"(?<!\w){re.escape(' '.join(piece.split()))}(?!\w)", text) is not None


def test_the_fragment_lists_are_long_and_skip_shared_words():
    en, nb = fragments("en"), fragments("nb")
    assert len(en) > 200 and len(nb) > 200
    assert "Summary" in en and "Sammendrag" in nb
    for shared in ("Design", "Estimand", "Data", "HOLF", "effekt"):
        assert shared not in en and shared not in nb


def _variants(results: dict, make_results, make_robustness_row) -> list[dict]:
    """The report's branches: the study, a null result, shares, NOK, children, warnings,
    robustness rows in each unit (and an unknown one), a hidden population count."""
    out = [results]
    out.append(make_results(estimate=-0.2, ci=(-0.9, 0.5)))
    out.append(make_results(kind="share", estimate=0.142, ci=(0.05, 0.23)))
    out.append(make_results(kind="nok", estimate=-18108.0, ci=(-28950.0, -7265.0)))
    kids = make_results(kind="days", estimate=-2.4, ci=(-3.1, -1.7), unit="person",
                        where=[{"column": "role", "min": None, "max": None, "in": ["child"]},
                               {"column": "age", "min": 6, "max": 15, "in": None}])
    kids["spec"]["exposure"]["pilot"] = "samhandling"
    kids["warnings"] = [
        {"step": "main", "check": None, "outcome": "school_absence_days", "design": "x",
         "category": "dropped_missing_outcome", "message": "m", "fields": {"n_rows": "<5"}},
        {"step": "robustness", "check": "alternative_estimator", "outcome":
         "school_absence_days", "design": "twfe_event_study", "category": "other",
         "message": "m", "fields": {}}]
    out.append(kids)
    hidden = make_results(estimate=None)
    hidden["disclosure"]["withheld"] = [
        {"statistic": s, "outcome": "social_assistance_months"}
        for s in ("sensitivity", "pretrend_test", "budget")]
    out.append(hidden)
    rows = [make_robustness_row("placebo_outcome", o, kind, -0.01, -0.03, 0.02)
            for o, kind in (("leisure_participation", "share"), ("cost_nav", "nok"),
                            ("wellbeing_score", None))]
    units = make_results(robustness=rows)
    units["population"]["units_in_study"] = None
    out.append(units)
    return out


@pytest.mark.parametrize(("lang", "study"), [("nb", "holf_results"),
                                             ("nb", "samhandling_results"),
                                             ("en", "holf_results"),
                                             ("en", "samhandling_results")])
def test_no_fragment_of_the_other_language(request, make_results, make_robustness_row, lang,
                                           study):
    other = "en" if lang == "nb" else "nb"
    pieces = fragments(other)
    results = request.getfixturevalue(study)
    for r in _variants(results, make_results, make_robustness_row):
        r = copy.deepcopy(r)
        r["spec"]["language"] = lang
        r["spec"]["title"] = "Title"  # the user's own words are not the report's
        page = render_report(r)
        text = visible(page)
        leaked = [p for p in pieces if found(p, text)]
        assert not leaked, (study, leaked[:5])
        for reason in r["assessment"]["reasons"]:  # the English detail is for results.json
            assert reason["detail"] not in page
