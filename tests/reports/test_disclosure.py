"""Disclosure control and report rendering on hand-made results."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from effekt.errors import EffektError
from effekt.reports import check_no_identifiers, render_report
from effekt.reports.disclosure import count, event_table
from effekt.reports.texts import TEXTS, fmt_number


def test_counts_and_event_rows_below_threshold_are_suppressed():
    assert [count(n, 5) for n in (0, 1, 4, 5, 17)] == [0, "<5", "<5", 5, 17]
    f = pd.DataFrame({"event_time": [-1, 0, 1], "estimate": [0.1, 1.0, 2.0],
                      "std_error": [0.1] * 3, "ci_lower": [0.0] * 3, "ci_upper": [3.0] * 3,
                      "n_treated": [4, 5, 3]})
    out = event_table(f, 5)
    assert out["suppressed"].tolist() == [True, False, True]
    assert math.isnan(out.loc[0, "estimate"]) and out.loc[1, "estimate"] == 1.0
    assert out["n_treated"].tolist() == ["<5", 5, "<5"]
    assert f["n_treated"].tolist() == [4, 5, 3]  # input untouched


def test_identifier_columns_and_keys_are_refused():
    check_no_identifiers({"spec": {"unit": "family"}, "flow": [{"step": "x", "n": 3}]})
    for bad in (pd.DataFrame({"person_id": [1]}), {"rows": [{"family_id": 2}]}):
        with pytest.raises(EffektError, match="identifier"):
            check_no_identifiers(bad)


def test_texts_have_the_same_keys_and_numbers_format_by_language():
    assert set(TEXTS["nb"]) == set(TEXTS["en"])
    assert fmt_number(-0.5, 3, "nb") == "−0,500"
    assert fmt_number(12345.0, 0, "en") == "12,345"


def _results(lang: str, suppressed: bool) -> dict:
    row = {"outcome": "employed", "design": "did_2x2", "estimate": None if suppressed else 0.1,
           "std_error": None if suppressed else 0.05, "ci_lower": None if suppressed else 0.0,
           "ci_upper": None if suppressed else 0.2, "decimals": 3, "suppressed": suppressed,
           "n_treated": "<5" if suppressed else 12, "n_control": 40}
    return {
        "spec": {"language": lang, "title": "T", "population": {"unit": "person", "period":
                 "year", "start": None, "end": None}, "design": {"type": "did_2x2"},
                 "exposure": {"pilot": "holf"}, "covariates": [],
                 "data": {"synthetic": {"seed": 1, "scale": 0.1}}},
        "estimand": "ATT", "main": row, "outcomes": [row], "event_study": [],
        "pretrend_test": None, "flow": [{"step": "treated", "n": row["n_treated"]}],
        "balance": None, "robustness": [], "sensitivity": None, "budget": [],
        "disclosure": {"min_cell": 5, "suppressed_estimates": int(suppressed)},
        "effekt_version": "0.1.0",
    }


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_report_renders_both_languages_and_hides_a_suppressed_main_estimate(lang):
    html = render_report(_results(lang, suppressed=False))
    assert f'<html lang="{lang}">' in html and 'id="main-estimate"' in html
    assert "<script" not in html
    hidden = render_report(_results(lang, suppressed=True))
    assert 'id="main-estimate"' not in hidden and "&lt;5" in hidden


@pytest.mark.parametrize(("lang", "where", "what"), [
    ("nb", "Hovedanalysen av andel i arbeid:",
     "Det var for få å matche med til å gi alle 3 matcher (færre enn 5 sammenligningsenheter "
     "for 5 eller flere deltakere)."),
    ("en", "Main analysis of share employed:",
     "There were too few units to match with to give everyone 3 matches (fewer than 5 "
     "comparison units for 5 or more participants)."),
])
def test_report_words_a_disclosed_warning_in_its_language(lang, where, what):
    results = _results(lang, suppressed=False)
    results["warnings"] = [
        {"step": "main", "check": None, "outcome": "employed", "design": "did_2x2",
         "category": "too_few_controls_for_ratio", "message": "(technical, English)",
         "fields": {"n_other": "<5", "other": "control", "n_focal": ">=5", "focal": "treated",
                    "ratio": 3}},
        {"step": "budget", "check": None, "outcome": None, "design": None,
         "category": "a_kind_from_a_newer_effekt", "message": "x", "fields": {}},
    ]
    html = render_report(results)
    assert f"<li><strong>{where}</strong> {what}</li>" in html
    assert TEXTS[lang]["warn_other"] in html  # an unknown category reads as withheld
    assert "(technical, English)" not in html


def test_report_lists_failed_cells_once_per_analysis():
    results = _results("en", suppressed=False)
    where = {"step": "robustness", "check": "alternative_control", "outcome": "employed",
             "design": "staggered_did"}
    results["warnings"] = [
        {**where, "category": "cells_not_estimable", "message": "m", "fields": {"n_cells": 4}},
        {**where, "category": "cells_skipped_in_aggregation", "message": "m",
         "fields": {"kind": "dynamic", "n_cells": 4}},
        {**where, "check": "placebo_outcome", "category": "cells_skipped_in_aggregation",
         "message": "m", "fields": {"kind": "dynamic", "n_cells": 2}},
    ]
    html = render_report(results)
    notes = html[html.index("class='warnings'"):]
    assert notes.count("<li>") == 2  # the aggregation repeats the first note, not the third
    assert ("The robustness check ‘other control group (not yet treated)’ for share "
            "employed:</strong> Estimates for 4 combinations") in notes
    assert "leaves out the 2 combinations" in notes


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_report_says_when_the_main_estimate_could_not_be_computed(lang):
    results = _results(lang, suppressed=False)
    nan = {k: None for k in ("estimate", "std_error", "ci_lower", "ci_upper")}
    results["main"] = {**results["main"], **nan}
    results["outcomes"] = [results["main"]]
    html = render_report(results)  # rendered (it failed on a NaN interval before)
    assert TEXTS[lang]["summary_not_estimable"] in html and 'id="main-estimate"' not in html
