"""Disclosure control and report rendering on hand-made results (every contract field)."""

from __future__ import annotations

import math
from html import escape

import numpy as np
import pandas as pd
import pytest

from effekt.errors import EffektError
from effekt.reports import check_no_identifiers, render_report
from effekt.reports.assessment import REASON_TEXTS
from effekt.reports.disclosure import complementary, count, event_table, exposed
from effekt.reports.texts import TEXTS, fmt_number
from effekt.reports.trends import TREND_TEXTS


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
    assert set(REASON_TEXTS["nb"]) == set(REASON_TEXTS["en"])
    assert not set(TEXTS["nb"]) & set(REASON_TEXTS["nb"])
    assert set(TREND_TEXTS["nb"]) == set(TREND_TEXTS["en"])
    assert fmt_number(-0.5, 3, "nb") == "−0,500"
    assert fmt_number(12345.0, 0, "en") == "12,345"


@pytest.fixture
def employed(make_results):
    """``employed(lang, suppressed)``: the share employed of persons, with every contract field.

    The main estimate rests on 40 participants, or is suppressed (fewer than 5).
    """
    def build(lang: str, suppressed: bool) -> dict:
        return make_results(lang, kind="share", estimate=None if suppressed else 0.1,
                            ci=(0.0, 0.2), unit="person")
    return build


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_report_renders_both_languages_and_hides_a_suppressed_main_estimate(employed, lang):
    html = render_report(employed(lang, suppressed=False))
    assert f'<html lang="{lang}">' in html and 'id="main-estimate"' in html
    assert "<script" not in html
    hidden = render_report(employed(lang, suppressed=True))
    assert 'id="main-estimate"' not in hidden and "&lt;5" in hidden


@pytest.mark.parametrize(("lang", "where", "what"), [
    ("nb", "Hovedanalysen av andel i arbeid:",
     "Det var for få å matche med til å gi alle 3 matcher (færre enn 5 sammenligningsenheter "
     "for 5 eller flere deltakere)."),
    ("en", "Main analysis of share employed:",
     "There were too few units to match with to give everyone 3 matches (fewer than 5 "
     "comparison units for 5 or more participants)."),
])
def test_report_words_a_disclosed_warning_in_its_language(employed, lang, where, what):
    results = employed(lang, suppressed=False)
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


def test_report_lists_failed_cells_once_per_analysis(employed):
    results = employed("en", suppressed=False)
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
def test_report_says_when_the_main_estimate_could_not_be_computed(employed, lang):
    results = employed(lang, suppressed=False)
    nan = {k: None for k in ("estimate", "std_error", "ci_lower", "ci_upper", "p_value", "mde")}
    results["main"] = {**results["main"], **nan}
    results["outcomes"][0] = results["main"]
    html = render_report(results)  # rendered (it failed on a NaN interval before)
    assert TEXTS[lang]["summary_not_estimable"] in html and 'id="main-estimate"' not in html


# -- secondary suppression: the mechanism on hand-made tables --------------------------------

def test_complement_is_the_smallest_linked_count_that_protects():
    # the flow: 14591 with the outcome - 33 dropped - 14556 controls = 2 treated
    values = {"with_outcome": 14591, "dropped": 33, "treated": 2, "controls": 14556}
    flow = [{"with_outcome": 1, "dropped": -1, "treated": -1, "controls": -1}]
    assert exposed(values, flow, {"treated"}, min_cell=5, counts=values) == ["treated"]
    hidden = complementary(values, flow, {"treated"}, min_cell=5, counts=values)
    assert hidden == {"treated", "dropped"}
    assert exposed(values, flow, hidden, min_cell=5, counts=values) == []


def test_bounds_of_counts_are_part_of_the_audit():
    # rank alone passes "a + b = 2"; "<5" means 1..4, so both are 1
    values = {"total": 12, "a": 1, "b": 1, "c": 5, "d": 5}
    parts = [{"total": 1, "a": -1, "b": -1, "c": -1, "d": -1}]
    assert exposed(values, parts, {"a", "b"}, min_cell=5, counts=values) == ["a", "b"]
    # a third cell of 5 is not enough either: the reader knows a dash is >= 5, so a + b <= 2
    assert exposed(values, parts, {"a", "b", "c"}, min_cell=5,
                   counts=values) == ["a", "b", "c"]
    # hiding the total does: a + b = total - 10 with the total unbounded above
    hidden = complementary(values, parts, {"a", "b"}, min_cell=5, counts=values)
    assert hidden == {"a", "b", "total"}
    # a zero is never a complement: a hidden 0 next to a "<5" 1 gives the 1 away
    values = {"total": 21, "a": 1, "zero": 0, "big": 20}
    parts = [{"total": 1, "a": -1, "zero": -1, "big": -1}]
    assert complementary(values, parts, {"a"}, min_cell=5, counts=values) == {"a", "big"}


def test_event_times_keep_the_overall_unless_nothing_else_protects():
    est = {"overall": 2.0, "e0": 1.0, "e1": 2.0, "e2": 3.0}
    mean = [{"overall": 3, "e0": -1, "e1": -1, "e2": -1}]
    units = {"overall": math.inf, "e0": 40, "e1": 12, "e2": 3}
    assert complementary(est, mean, {"e2"}, min_cell=5, cost=units) == {"e1", "e2"}
    # one event time after the start: the overall is that estimate, so it goes too
    one = {"overall": 3.0, "e0": 3.0}
    assert complementary(one, [{"overall": 1, "e0": -1}], {"e0"}, min_cell=5,
                         cost={"overall": math.inf, "e0": 3}) == {"overall", "e0"}
    # an estimate that could not be computed makes its identity unusable: nothing to derive
    nan = {"overall": math.nan, "e0": 1.0, "e1": math.nan}
    assert complementary(nan, [{"overall": 2, "e0": -1, "e1": -1}], {"e1"},
                         min_cell=5) == {"e1"}


def test_latent_cells_are_unknowns_and_a_wrong_identity_is_an_error():
    values = {"total": 30, "a": 3, "unseen": 27}
    parts = [{"total": 1, "a": -1, "unseen": -1}]
    assert complementary(values, parts, {"a"}, min_cell=5, counts=values,
                         latent={"unseen"}) == {"a"}
    with pytest.raises(EffektError, match="does not hold"):
        complementary({"total": 31, "a": 3, "b": 27}, [{"total": 1, "a": -1, "b": -1}],
                      {"a"}, min_cell=5, counts={"total", "a", "b"})


@pytest.mark.parametrize("seed", range(12))
def test_random_tables_leave_no_hidden_cell_determined(seed):
    """Random two-way tables with row and column totals (counts): a rank test apart."""
    rng = np.random.default_rng(seed)
    n_rows, n_cols = rng.integers(2, 5, size=2)
    body = rng.integers(0, 40, size=(n_rows, n_cols))
    body[rng.random(body.shape) < 0.3] = rng.integers(1, 5)  # small cells
    values = {("c", i, j): int(body[i, j]) for i in range(n_rows) for j in range(n_cols)}
    values |= {("r", i): int(body[i].sum()) for i in range(n_rows)}
    values |= {("k", j): int(body[:, j].sum()) for j in range(n_cols)}
    values["all"] = int(body.sum())
    rows = [{("r", i): 1, **{("c", i, j): -1 for j in range(n_cols)}} for i in range(n_rows)]
    rows += [{("k", j): 1, **{("c", i, j): -1 for i in range(n_rows)}} for j in range(n_cols)]
    rows += [{"all": 1, **{("r", i): -1 for i in range(n_rows)}}]
    primary = {k for k, v in values.items() if 0 < v < 5}
    hidden = complementary(values, rows, primary, min_cell=5, counts=values)
    assert primary <= hidden
    cells = [k for k in values if k in hidden]
    a = np.array([[row.get(k, 0) for k in cells] for row in rows], dtype=float)
    for j, k in enumerate(cells):  # e_j in the row space of A_H means k is determined
        stacked = np.vstack([a, np.eye(len(cells))[j]])
        assert np.linalg.matrix_rank(stacked) > np.linalg.matrix_rank(a), (seed, k)


# -- the report: secondary marks and withheld statistics --------------------------------------

@pytest.mark.parametrize("lang", ["nb", "en"])
def test_report_marks_secondary_cells_and_says_what_is_withheld(employed, lang):
    results = employed(lang, suppressed=False)
    results["main"] |= {"ci_lower": 0.05}  # the interval excludes 0
    results["flow"] = [{"step": "units_with_outcome", "n": None, "secondary": "n"},
                       {"step": "treated", "n": "<5", "secondary": None}]
    results["event_study"] = [
        {"event_time": 0, "estimate": None, "std_error": None, "ci_lower": None,
         "ci_upper": None, "n_treated": 9, "suppressed": True, "secondary": "estimate"},
        {"event_time": 1, "estimate": None, "std_error": None, "ci_lower": None,
         "ci_upper": None, "n_treated": "<5", "suppressed": True, "secondary": None}]
    results["disclosure"] |= {"secondary_cells": 2, "withheld": [
        {"statistic": "sensitivity", "outcome": "employed"},
        {"statistic": "pretrend_test", "outcome": "employed"},
        {"statistic": "budget", "outcome": "employed"}]}
    results["pretrend_test"], results["budget"] = None, []
    results["assessment"] = {"level": "moderate", "reasons": [  # the test could not be shown
        {"check": "pretrend", "passed": None, "severity": None, "detail": "withheld",
         "values": {}}]}
    html = render_report(results)
    assert "<td>–*</td>" in html and "<td>&lt;5</td>" in html
    assert html.count(escape(TEXTS[lang]["secondary_note"].replace("$min_cell", "5"))) == 2
    for key in ("sensitivity_withheld", "pretrend_withheld"):
        assert escape(TEXTS[lang][key]) in html, key
    assert escape(REASON_TEXTS[lang]["why_pretrend_none"]) in html
    assert escape(TEXTS[lang]["budget_withheld"].split("$")[0]) in html
    assert escape(TEXTS[lang]["budget_none"]) not in html
    assert TEXTS[lang]["event_hidden"] in html
