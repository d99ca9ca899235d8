"""EffektWarnings raised while a study runs: recorded by step, disclosed, written.

The disclosure rule for warnings is pinned here (its text is the docstring of
``effekt.reports.disclosure.disclose_warning``): counts of persons, units or rows are shown
only as bands (``"<5"``, ``">=5"``); period and cohort values only if they are the panel's;
the message is rebuilt from a known kind's template, so nothing else of the estimator's text
(such as the reason a cell failed, which carries counts) is written; a warning of no known
kind is withheld. The real estimators' warnings are produced here so that a change of their
wording that the kinds no longer recognise fails a test instead of silently withholding
them.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from effekt.errors import EffektError, EffektWarning
from effekt.estimators import att_gt, event_study, match, matched_did
from effekt.reports import render_report
from effekt.reports.disclosure import MASK, WARNING_KINDS, WITHHELD, disclose_warning
from effekt.reports.texts import TEXTS
from effekt.study import compute, load_spec, runner, warning_log
from effekt.study.designs import estimate
from effekt.synthetic.examples import staggered_panel

ID = 7_000_000_017  # a distinctive identifier value

SPEC = """
title = "Small samhandling"
language = "nb"
seed = 7
min_cell = 5
[data]
synthetic = { seed = 5, scale = 0.05 }
[population]
unit = "person"
period = "year"
start = "2016-01-01"
end = "2025-12-31"
[exposure]
pilot = "samhandling"
[[outcomes]]
name = "school_absence_days"
kind = "days"
aggregation = "mean"
[[outcomes]]
name = "barnevern_referral"
kind = "share"
aggregation = "mean"
[design]
type = "staggered_did"
n_boot = 49
cluster = "provider_id"
window = [-3, 4]
[robustness]
pretrend_test = true
alternative_estimator = "twfe_event_study"
"""

TWFE = {"step": "robustness", "check": "alternative_estimator",
        "outcome": "school_absence_days", "design": "twfe_event_study",
        "category": "twfe_staggered_adoption", "fields": {"function": "event_study",
                                                         "n_cohorts": 4}}


@pytest.fixture(scope="module")
def spec(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("spec") / "small.toml"
    path.write_text(SPEC)
    return path


# -- the estimators' own warnings are all of a known kind -----------------------------------

_T = list(range(2016, 2022))


def _panel(cohorts: np.ndarray, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = len(cohorts)
    p = pd.DataFrame({"id": np.repeat(np.arange(n), len(_T)), "period": np.tile(_T, n)})
    p["cohort"] = np.repeat(cohorts, len(_T))
    p["x"] = np.repeat(rng.normal(size=n), len(_T))
    p["y"] = rng.normal(size=len(p)) + ((p["cohort"] > 0) & (p["period"] >= p["cohort"]))
    return p


def _two_cohorts(n: int = 60) -> np.ndarray:
    k = np.arange(n)
    return np.where(k < 10, 2018, np.where(k < 20, 2020, 0))


def _missing():
    p = _panel(_two_cohorts())
    p.loc[[3, 50], "y"] = np.nan
    att_gt(p, "y", "id", "period", "cohort", allow_unbalanced=True)


def _first_period():
    c = _two_cohorts()
    c[:3] = 2016
    att_gt(_panel(c), "y", "id", "period", "cohort")


def _one_unit_cohort():
    c = np.where(np.arange(60) < 10, 2018, 0)
    c[20] = 2019  # one unit: too few for a covariate, its cells fail with counts in the reason
    att_gt(_panel(c), "y", "id", "period", "cohort", covariates=["x"]).aggregate("dynamic")


CASES = {
    "twfe_staggered_adoption": lambda: event_study(_panel(_two_cohorts()), "y", "id",
                                                   "period", "cohort"),
    "dropped_missing_outcome": _missing,
    "dropped_treated_first_period": _first_period,
    "cohorts_without_pre_period": lambda: att_gt(_panel(_two_cohorts()), "y", "id", "period",
                                                 "cohort", anticipation=2),
    "no_never_treated": lambda: att_gt(_panel(np.where(np.arange(60) < 30, 2018, 2020)), "y",
                                       "id", "period", "cohort", control="notyet"),
    "cells_not_estimable": _one_unit_cohort,
    "cells_skipped_in_aggregation": _one_unit_cohort,
    "too_few_controls_for_ratio": lambda: match(
        pd.DataFrame({"t": [1] * 10 + [0] * 12, "x": np.linspace(0, 1, 22)}), "t", ["x"],
        method="mahalanobis", ratio=2),
    "cohorts_skipped_pre_periods": lambda: matched_did(_panel(_two_cohorts()), "y", "id",
                                                       "period", "cohort", pre_periods=3),
    # the study's designs warn below 30 clusters (here 24 matched pairs)
    "few_clusters": lambda: estimate(
        staggered_panel(n_units=80, periods=6, cohorts=(4,), effect=2.0, never_treated=0.7)
        .rename(columns={"t": "period", "g": "cohort"}), "matched_did", "y", unit="id",
        covariates=[], options={}, seed=1),
}


def test_every_kind_has_a_case_and_texts_in_both_languages():
    kinds = {k.category for k in WARNING_KINDS}
    assert set(CASES) == kinds
    for lang in ("nb", "en"):
        assert {f"warn_{k}" for k in (*kinds, "other")} <= set(TEXTS[lang])


@pytest.mark.parametrize("category", sorted(CASES))
def test_estimator_warnings_are_recognised(category):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        CASES[category]()
    messages = [str(w.message) for w in caught if issubclass(w.category, EffektWarning)]
    disclosed = [disclose_warning(m, 5, labels=_T) for m in messages]
    assert category in [d["category"] for d in disclosed], messages
    assert all(d["category"] != "other" for d in disclosed), messages
    for d in disclosed:
        assert MASK not in json.dumps(d, ensure_ascii=False)  # all labels are the panel's
        assert "comparison)" not in d["message"]  # a failed cell's reason (with counts)


# -- the rule -------------------------------------------------------------------------------

def test_counts_of_units_and_rows_are_banded():
    small = disclose_warning("Dropped 3 rows with a missing outcome 'employed'.", 5)
    assert small["fields"] == {"n_rows": "<5"}
    assert small["message"] == "Dropped fewer than 5 rows with a missing outcome."
    large = disclose_warning("Dropped 12 rows with a missing outcome 'employed'.", 5)
    assert large["fields"] == {"n_rows": ">=5"} and "12" not in large["message"]
    assert disclose_warning("Dropped 7 rows with a missing outcome 'y'.", 10)["fields"] == {
        "n_rows": "<10"}
    ratio = disclose_warning("only 4 control units for 23 treated units at ratio=3; not all "
                             "treated units will get 3 matches.", 5)
    assert ratio["fields"] == {"n_other": "<5", "other": "control", "n_focal": ">=5",
                               "focal": "treated", "ratio": 3}
    assert ratio["message"] == ("only fewer than 5 control units for 5 or more treated units "
                                "at ratio=3; not all treated units will get 3 matches.")


def test_the_design_numbers_are_exact_and_a_failed_cells_reasons_are_dropped():
    msg = ("3 cells could not be estimated and are NaN: ATT(g=2019, t=2017): too few units "
           "(1 treated, 49 comparison) for 1 covariates; ATT(g=2019, t=2018): too few units "
           "(1 treated, 49 comparison) for 1 covariates")
    d = disclose_warning(msg, 5, labels=_T)
    assert d == {"category": "cells_not_estimable", "fields": {"n_cells": 3},
                 "message": "3 ATT(g,t) cells could not be estimated and are NaN."}
    d = disclose_warning("Cohorts [2018.0, 2031.0] have no pre-treatment period and get no "
                         "ATT(g,t).", 5, labels=_T)
    assert d["fields"] == {"cohorts": [2018, MASK]}  # 2031 is no period or cohort of the panel


@pytest.mark.parametrize("message", [
    f"unit {ID} has a cohort that varies",                        # no known kind
    "unit 'P-000123' has a cohort that varies",                   # a string identifier
    f"Dropped {ID} rows with a missing outcome 'y'.",             # in a count's place
    f"Cohorts [{ID}] have no pre-treatment period and get no ATT(g,t).",  # a label's place
    f"{ID} cells could not be estimated and are NaN: x",          # a design number's place
    f"2 cells could not be estimated and are NaN: ATT(g=2019, t=2017): unit {ID}",  # reason
    f"event_study: adoption is staggered ({ID} treated cohorts).",
])
def test_no_identifier_can_leak_through_a_warning(message):
    d = disclose_warning(message, 5, labels=[*_T, 2019])
    text = json.dumps(d, ensure_ascii=False)
    assert str(ID) not in text and "P-000123" not in text
    if d["category"] == "other":
        assert d == {"category": "other", "message": WITHHELD, "fields": {}}


# -- the log of a run -----------------------------------------------------------------------

def test_log_keeps_effekt_warnings_by_step_once_in_order_and_passes_others_on():
    log = warning_log.WarningLog()
    with log.step("main", outcome="y", design="staggered_did"):
        warnings.warn("Dropped 3 rows with a missing outcome 'y'.", EffektWarning, stacklevel=1)
        warnings.warn("Dropped 4 rows with a missing outcome 'y'.", EffektWarning, stacklevel=1)
    with pytest.raises(ValueError), log.step("robustness", check="placebo_outcome",
                                             outcome="z", design="staggered_did"):
        warnings.warn("Cohorts [2018.0] have no pre-treatment period and get no ATT(g,t).",
                      EffektWarning, stacklevel=1)
        raise ValueError("the check failed")  # its warnings are still recorded
    with pytest.warns(RuntimeWarning, match="overflow"), log.step("budget"):
        warnings.warn("overflow in exp", RuntimeWarning, stacklevel=1)  # passed on, not kept
    rows = log.disclosed(5, {2018.0})
    assert [(r["step"], r["check"], r["category"], r["fields"]) for r in rows] == [
        ("main", None, "dropped_missing_outcome", {"n_rows": "<5"}),  # 3 and 4: one record
        ("robustness", "placebo_outcome", "cohorts_without_pre_period", {"cohorts": [2018]}),
    ]


@pytest.fixture(scope="module")
def injected(spec):
    """A run whose main analysis also raises warnings made up here (one with an id)."""
    mp = pytest.MonkeyPatch()
    real = runner.estimate

    def noisy(p, design, outcome, **kw):
        if outcome == "barnevern_referral" and design == "staggered_did":
            for _ in range(2):
                warnings.warn("Dropped 3 rows with a missing outcome 'barnevern_referral'.",
                              EffektWarning, stacklevel=1)
            warnings.warn(f"unit {ID} is odd", EffektWarning, stacklevel=1)
        return real(p, design, outcome, **kw)

    mp.setattr(runner, "estimate", noisy)
    try:
        return compute(load_spec(spec))
    finally:
        mp.undo()


def test_run_writes_warnings_with_their_step_in_a_stable_order(injected):
    rows = injected["warnings"]
    assert [{k: r[k] for k in TWFE} for r in rows] == [
        {"step": "main", "check": None, "outcome": "barnevern_referral",
         "design": "staggered_did", "category": "dropped_missing_outcome",
         "fields": {"n_rows": "<5"}},
        {"step": "main", "check": None, "outcome": "barnevern_referral",
         "design": "staggered_did", "category": "other", "fields": {}},
        TWFE,
    ]
    assert rows[0]["message"] == "Dropped fewer than 5 rows with a missing outcome."
    assert rows[1]["message"] == WITHHELD
    assert str(ID) not in json.dumps(injected)


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_report_lists_the_warnings_in_its_limitations(injected, lang):
    results = {**injected, "spec": {**injected["spec"], "language": lang}}
    html = render_report(results)
    limits = html[html.index(TEXTS[lang]["limitations"]):]
    assert "class='warnings'" in limits and str(ID) not in html
    if lang == "nb":
        assert ("Robusthetskontrollen «hendelsesstudie med toveis faste effekter» for "
                "fraværsdager i skolen:</strong> Tiltaket startet på ulike tidspunkt "
                "(4 oppstartskull).") in limits
        assert ("Hovedanalysen av andel meldt til barnevernet:</strong> Observasjoner uten "
                "målt utfall ble utelatt (færre enn 5).") in limits
        assert "Teksten vises ikke" in limits
    else:
        assert ("The robustness check ‘two-way fixed effects event study’ for days absent "
                "from school:</strong> The measure started at different times "
                "(4 start cohorts).") in limits
        assert "(fewer than 5)" in limits


def test_warnings_go_through_the_identifier_check(spec, monkeypatch):
    def with_id_key(message, min_cell, labels=()):
        return {"category": "other", "message": WITHHELD, "fields": {"person_id": 1}}

    monkeypatch.setattr(runner.disclosure, "disclose_warning", with_id_key)
    with pytest.raises(EffektError, match="identifier key 'person_id'"):
        compute(load_spec(spec))
