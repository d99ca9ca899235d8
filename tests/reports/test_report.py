"""The report for a politician first: headline, assessment, labels, numbers, budget view."""

from __future__ import annotations

import copy
import html as htmllib
import importlib.resources
import re
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from effekt.budgeting.sectors import SECTORS
from effekt.errors import EffektError
from effekt.reports import render_report
from effekt.reports.contract import CHECK_VALUES
from effekt.reports.formatting import Formatter
from effekt.reports.html import MARK
from effekt.reports.labels import LABELS, SECTOR_NAMES
from effekt.reports.texts import TEXTS
from effekt.study import cells

ROOT = Path(__file__).resolve().parents[2]
NBSP = "\xa0"


def visible(page: str) -> str:
    """The text a reader sees: tags and the stylesheet removed, entities decoded."""
    page = re.sub(r"<style>.*?</style>", " ", page, flags=re.S)
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", page))


def answer(page: str) -> str:
    return htmllib.unescape(re.search(r'<p class="answer">(.*?)</p>', page, re.S).group(1))


def tables(page: str) -> dict[str, list[list[str]]]:
    out = {}
    for cls, body in re.findall(r'<table class="([^"]+)">(.*?)</table>', page, re.S):
        out[cls] = [[htmllib.unescape(re.sub(r"<[^>]+>", "", c)) for c in
                     re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)]
                    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]
    return out


# -- the headline ---------------------------------------------------------------------------

def test_holf_headline_says_no_detectable_effect_and_what_it_could_detect(holf_results,
                                                                          in_english):
    """HOLF's 25 matched pairs are few clusters: with CR2 and Satterthwaite df (issue 12) its
    interval for social-assistance months reaches above 0, so the headline must say that no
    effect was detected and how large an effect the study could have detected."""
    m = holf_results["main"]
    assert m["kind"] == "months" and m["inference"] == "cr2"
    assert m["ci_lower"] < 0 < m["ci_upper"]  # the precondition: the interval contains 0
    mde = m["mde"]["value"]
    nb = render_report(holf_results)
    assert answer(nb) == (
        "Ingen påviselig effekt på måneder med sosialhjelp for HOLF-familiene. Studien kunne "
        f"påvise effekter på {Formatter('nb').number(mde, 1)} måneder per år eller mer "
        f"(med {Formatter('nb').percent(0.8)} statistisk styrke).")
    en = render_report(in_english(holf_results))
    assert answer(en) == (
        "No detectable effect on months on social assistance for HOLF families. The study "
        f"could detect effects of {mde:.1f} months per year or larger (with 80% power).")
    # the precise figures follow, with their unit and the p-value
    assert f"{Formatter('nb').number(m['estimate'], 3)}</span></strong> måneder per år" in nb
    assert "p = " in visible(nb).split("Hvor sikkert")[0] or "p < " in visible(nb)


def test_samhandling_headline_speaks_of_children(samhandling_results, in_english):
    m = samhandling_results["main"]
    assert m["kind"] == "days" and m["ci_upper"] < 0
    assert {"column": "role", "min": None, "max": None, "in": ["child"]} in \
        samhandling_results["spec"]["population"]["where"]  # the population: children only
    n = abs(m["estimate"])
    assert answer(render_report(samhandling_results)) == (
        f"Barn i samhandlingsmodellen hadde {Formatter('nb').number(n, 1)} færre fraværsdager "
        f"i skolen per år enn sammenlignbare barn.")
    assert answer(render_report(in_english(samhandling_results))) == (
        f"Children in the collaboration model had {n:.1f} fewer days absent from school per "
        f"year than comparable children.")


@pytest.mark.parametrize(("lang", "expected"), [
    ("nb", "Barn i samhandlingsmodellen hadde 2,4 færre fraværsdager i skolen per år enn "
           "sammenlignbare barn."),
    ("en", "Children in the collaboration model had 2.4 fewer days absent from school per "
           "year than comparable children."),
])
def test_a_role_child_population_speaks_of_children(make_results, lang, expected):
    r = make_results(lang, kind="days", estimate=-2.4, ci=(-3.1, -1.7), unit="person",
                     where=[{"column": "role", "min": None, "max": None, "in": ["child"]}])
    r["spec"]["exposure"]["pilot"] = "samhandling"
    assert answer(render_report(r)) == expected
    both = copy.deepcopy(r)
    both["spec"]["population"]["where"][0]["in"] = ["child", "adult"]
    assert "sammenlignbare personer" in answer(render_report(both)) or lang == "en"


@pytest.mark.parametrize(("lang", "kind", "estimate", "ci", "expected"), [
    ("nb", "share", 0.142, (0.05, 0.23),
     "HOLF-familiene hadde en 14,2 prosentpoeng høyere andel i arbeid enn sammenlignbare "
     "familier."),
    ("en", "share", -0.031, (-0.05, -0.01),
     "HOLF families had a 3.1 percentage point lower share employed than comparable "
     "families."),
    ("nb", "nok", -18108.0, (-28950.0, -7265.0),
     f"HOLF-familiene hadde 18{NBSP}108 kr lavere kostnader for NAV (kommunal) per familie og "
     f"år enn sammenlignbare familier."),
    ("en", "nok", 2566.0, (300.0, 4900.0),
     "HOLF families had NOK 2,566 higher costs for NAV (municipal) per family per year than "
     "comparable families."),
    ("en", "months", 0.047, (0.01, 0.08),
     "HOLF families had 0.05 more months on social assistance per year than comparable "
     "families."),
])
def test_headline_words_follow_the_kind_and_sign(make_results, lang, kind, estimate, ci,
                                                  expected):
    assert answer(render_report(make_results(lang, kind=kind, estimate=estimate,
                                             ci=ci))) == expected


@pytest.mark.parametrize(("lang", "kind", "expected"), [
    ("nb", "months", "Ingen påviselig effekt på måneder med sosialhjelp for HOLF-familiene. "
                     "Studien kunne påvise effekter på 1,0 måneder per år eller mer (med "
                     f"80{NBSP}% statistisk styrke)."),
    ("en", "share", "No detectable effect on share employed for HOLF families. The study could "
                    "detect effects of 5.0 percentage points or larger (with 80% power)."),
])
def test_a_null_result_says_what_the_study_could_detect(make_results, lang, kind, expected):
    r = make_results(lang, kind=kind, estimate=-0.2, ci=(-0.9, 0.5))
    r["main"]["mde"]["value"] = 1.0 if kind != "share" else 0.05
    assert answer(render_report(r)) == expected


def test_suppressed_and_not_estimable_main_estimates_say_so(make_results):
    r = make_results("en", estimate=None)
    r["assessment"] = {"level": "low", "reasons": [
        {"check": "sample_size", "passed": False, "severity": "serious", "detail": "x",
         "values": {}}]}
    page = render_report(r)
    assert answer(page) == TEXTS["en"]["summary_suppressed"].replace("$min_cell", "5")
    assert 'id="main-estimate"' not in page and "Sample size: too few participants" in page


# -- the assessment -------------------------------------------------------------------------

VALUES = {
    "sample_size": {},
    "balance": {"max_abs_smd": 0.31, "covariate": "household_income_nok", "good": 0.1,
                "bad": 0.25},
    "overlap": {"share_matched": 0.8, "treated": 25, "unmatched": 5},
    "attrition": {"share_dropped": 0.54, "step": "dropped_incomplete_outcome_or_residence"},
    "pretrend": {"statistic": 12.0, "df": 3, "p_value": 0.0074},
    "pretrend_power": {"detectable_bias": 6.3, "mde": 1.5, "df": 1},
    "placebo": {"outcome": "cost_pleie_omsorg", "estimate": -120.0, "ci_lower": -900.0,
                "ci_upper": 660.0, "estimable": True},
    "clusters": {"n_clusters": 25, "minimum": 30},
    "sensitivity": {"e_value_ci": 1.19, "threshold": 1.5},
    "trend_robustness": {"breakdown": 0.25, "threshold": 1.0, "largest_m": 2.0},
    "agreement": {"checks": [{"check": "alternative_estimator", "estimate": -1.2,
                              "agrees": True}]},
    "precision": {"mde": 1.45, "estimate": -1.1},
}


def test_every_check_has_values_for_the_test():
    assert set(VALUES) == set(CHECK_VALUES)


@pytest.mark.parametrize("lang", ["nb", "en"])
@pytest.mark.parametrize("check", sorted(CHECK_VALUES))
@pytest.mark.parametrize("passed", [True, False, None])
def test_every_reason_reads_in_the_reports_language(make_results, lang, check, passed):
    detail = f"English detail of the {check} check"
    reason = {"check": check, "passed": None if check == "precision" else passed,
              "severity": "caution" if passed is False else None, "detail": detail,
              "values": VALUES[check] if passed is not None or check == "precision" else {}}
    page = render_report(make_results(lang, reasons=[reason], level="moderate"))
    items = re.findall(r'<ul class="reasons">(.*?)</ul>', page, re.S)[0]
    assert items.count("<li") == 1 and detail not in page
    assert "$" not in visible(items) and "_" not in visible(items)


def test_reasons_failed_first_level_in_words_never_the_english_detail(holf_results):
    a = holf_results["assessment"]
    page = render_report(holf_results)
    level = {"high": "høy", "moderate": "middels", "low": "lav"}[a["level"]]
    assert f"Samlet vurdering: {level} tillit til resultatet." in page
    items = re.findall(r'<li class="(\w+)"><span class="tag">', page)
    rank = {"serious": 0, "caution": 1, "not_run": 2, "passed": 3, "info": 4}
    assert items == sorted(items, key=rank.get) and len(items) == len(a["reasons"])
    for r in a["reasons"]:
        assert r["detail"] not in page
    en = render_report({**holf_results, "spec": {**holf_results["spec"], "language": "en"}})
    assert f"Overall: {a['level']} confidence in the result." in en


# -- a missing field is an error, never a blank -----------------------------------------------


def _drop(results, path):
    """Delete the field at ``path`` (keys and list indices) from ``results``."""
    obj = results
    for k in path[:-1]:
        obj = obj[k]
    del obj[path[-1]]

@pytest.mark.parametrize(("path", "named"), [
    (("main", "kind"), "main.kind"), (("main", "mde"), "main.mde"),
    (("assessment",), "assessment"), (("budget", 0, "estimated"), "budget[0].estimated"),
    (("spec", "population", "where"), "spec.population.where"),
    (("outcomes", 1, "p_value"), "outcomes[1].p_value"),
    (("assessment", "reasons", 0, "values"), "assessment.reasons[0].values"),
])
def test_a_missing_field_is_a_clear_error(make_results, path, named):
    r = make_results()
    _drop(r, path)
    with pytest.raises(EffektError, match=re.escape(named)):
        render_report(r)


def test_an_unknown_check_or_kind_is_an_error(make_results):
    r = make_results()
    r["assessment"]["reasons"][0]["check"] = "astrology"
    with pytest.raises(EffektError, match="no words for the check 'astrology'"):
        render_report(r)
    r = make_results()
    r["main"]["kind"] = "litres"
    with pytest.raises(EffektError, match="main.kind: 'litres' is not one of"):
        render_report(r)


def test_results_from_before_the_contract_are_an_error_naming_the_fields(make_results):
    r = make_results("en")
    for row in (r["main"], *r["outcomes"]):
        for k in ("kind", "label", "sector", "p_value", "mde"):
            row.pop(k, None)
    for k in ("assessment", "budget_inputs", "population", "warnings"):
        del r[k]
    del r["spec"]["population"]["where"]
    with pytest.raises(EffektError) as err:
        render_report(r)
    message = str(err.value)
    for named in ("spec.population.where", "population", "warnings", "assessment", "main.kind",
                  "main.label", "main.mde", "main.p_value", "outcomes[1].sector"):
        assert re.search(rf"(: |, ){re.escape(named)}(,|\.$)", message), named
    assert "is not one of" not in message  # a missing kind is named once, as missing


@pytest.mark.parametrize(("path", "named"), [
    (("robustness", 0, "kind"), "robustness[0].kind"),
    (("robustness", 0, "label"), "robustness[0].label"),
    (("population", "units_outside_population"), "population.units_outside_population"),
])
def test_robustness_and_population_fields_are_part_of_the_contract(make_results,
                                                                   make_robustness_row, path,
                                                                   named):
    def placebo(kind):
        return make_robustness_row("placebo_outcome", "leisure_participation", kind, -0.005,
                                   -0.029, 0.019)

    r = make_results(robustness=[placebo("share")])
    _drop(r, path)
    with pytest.raises(EffektError, match=re.escape(named)):
        render_report(r)
    r = make_results(robustness=[placebo("litres")])
    with pytest.raises(EffektError, match=re.escape("robustness[0].kind: 'litres' is not one "
                                                    "of count, share, days, months, nok, null")):
        render_report(r)


# -- robustness rows in their own unit -------------------------------------------------------

def _placebo(kind: str | None, estimate: float = -0.005, ci: tuple = (-0.029, 0.019),
             outcome: str = "leisure_participation", decimals: int = 3) -> tuple:
    """The arguments of a placebo row (``make_robustness_row``)."""
    return ("placebo_outcome", outcome, kind, estimate, *ci, decimals)


@pytest.mark.parametrize(("lang", "row", "expected"), [
    ("nb", _placebo("share"), ["andel som deltar i fritidsaktiviteter", "prosentpoeng",
                               "−0,5", "−2,9 – 1,9"]),
    ("en", _placebo("share"), ["share taking part in leisure activities", "percentage points",
                               "-0.5", "-2.9 – 1.9"]),
    ("nb", _placebo("nok", -120.4, (-900.2, 660.7), "cost_pleie_omsorg", 0),
     ["kostnad pleie og omsorg, kr", "kr per familie og år", "−120", "−900 – 661"]),
    ("en", _placebo("days", -2.4544, (-3.2041, -1.7032), "school_absence_days"),
     ["days absent from school", "days per year", "-2.454", "-3.204 – -1.703"]),
    ("nb", _placebo(None, -0.0123, (-0.0456, 0.0211), "wellbeing_score"),
     ["wellbeing score", "ukjent enhet", "−0,012", "−0,046 – 0,021"]),
    ("en", _placebo(None, -0.0123, (-0.0456, 0.0211), "wellbeing_score"),
     ["wellbeing score", "unit unknown", "-0.012", "-0.046 – 0.021"]),
])
def test_each_robustness_row_is_shown_in_its_own_unit(make_results, make_robustness_row, lang,
                                                      row, expected):
    rows = [make_robustness_row(*row)]
    table = tables(render_report(make_results(lang, robustness=rows)))["robustness"]
    assert table[1][2:6] == expected


def test_a_robustness_row_label_is_used(make_results, make_robustness_row):
    row = make_robustness_row(*_placebo("share", outcome="club_member"))
    row["label"] = {"nb": "andel i en klubb", "en": "share in a club"}
    table = tables(render_report(make_results("en", robustness=[row])))["robustness"]
    assert table[1][2:4] == ["share in a club", "percentage points"]


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_samhandling_placebo_is_in_percentage_points(samhandling_results, lang):
    r = copy.deepcopy(samhandling_results)
    r["spec"]["language"] = lang
    assert r["spec"]["robustness"]["placebo_kind"] == "share"
    rows = {row["check"]: row for row in r["robustness"]}
    assert rows["placebo_outcome"]["kind"] == "share"
    assert rows["alternative_estimator"]["kind"] == r["main"]["kind"] == "days"
    table = tables(render_report(r))["robustness"]
    f, pp = Formatter(lang), rows["placebo_outcome"]
    placebo = next(t for t in table if t[2] == LABELS[lang]["leisure_participation"])
    assert placebo[3] == TEXTS[lang]["unitcol_share"]
    assert placebo[4] == f.number(pp["estimate"] * 100, 1)
    lo, hi = (f.number(pp[k] * 100, 1) for k in ("ci_lower", "ci_upper"))
    assert placebo[5] == f"{lo} – {hi}"
    others = [t for t in table[1:] if t is not placebo]
    assert len(others) == 2 and all(t[3] == TEXTS[lang]["unitcol_days"].replace(
        "$per", TEXTS[lang]["per_year"]) for t in others)
    assert TEXTS[lang]["unitcol_unknown"] not in [t[3] for t in table]


# -- the study population's counts ------------------------------------------------------------

def test_population_counts_lead_the_sample_flow(samhandling_results):
    pop = samhandling_results["population"]
    flow = tables(render_report(samhandling_results))["flow"]
    f = Formatter("nb")
    assert flow[1:4] == [["enheter i dataene", f.integer(pop["units_in_data"])],
                         ["utenfor studiepopulasjonen", f.integer(pop["units_outside_population"])],
                         ["i studiepopulasjonen", f.integer(pop["units_in_study"])]]


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_a_population_count_hidden_by_secondary_suppression_shows_the_mark(make_results, lang):
    r = make_results(lang)
    r["population"] |= {"units_outside_population": "<5", "units_in_study": None}
    page = render_report(r)
    flow = tables(page)["flow"]
    assert [row[1] for row in flow[1:4]] == [Formatter(lang).integer(1200), "<5", MARK]
    note = TEXTS[lang]["secondary_note"].replace("$min_cell", "5")
    after_flow = page[page.index('<table class="flow">'):]
    after_flow = after_flow[:after_flow.index("<h2>")]
    assert htmllib.unescape(after_flow).count(note) == 1  # the note under the flow table
    r["population"]["units_in_study"] = 440  # nothing hidden: no note
    page = render_report(r)
    after_flow = page[page.index('<table class="flow">'):]
    assert note not in htmllib.unescape(after_flow[:after_flow.index("<h2>")])


# -- numbers, labels, budget --------------------------------------------------------------------

def test_numbers_are_formatted_by_language(make_results, in_english):
    nb = tables(render_report(make_results("nb")))["estimates"]
    en = tables(render_report(make_results("en")))["estimates"]
    assert nb[0] == ["Utfall", "Enhet", "Anslag", "Standardfeil", "95 % KI", "p-verdi",
                     "Deltakere", "Sammenligning"]
    assert nb[1][:6] == ["måneder med sosialhjelp", "måneder per år", "−1,234", "0,383",
                         "−2,000 – −0,500", "< 0,001"]
    assert nb[2][1:5] == ["kr per familie og år", f"−18{NBSP}108", f"5{NBSP}532",
                          f"−28{NBSP}950 – −7{NBSP}265"]
    assert en[1][2:6] == ["-1.234", "0.383", "-2.000 – -0.500", "< 0.001"]
    assert en[2][2] == "-18,108"
    share = tables(render_report(make_results("nb", kind="share", estimate=0.142,
                                              ci=(0.05, 0.23))))["estimates"]
    assert share[1][1:5] == ["prosentpoeng", "14,2", "4,6", "5,0 – 23,0"]
    assert "p = 0,000" not in render_report(make_results("nb"))


def test_period_and_design_rows_are_in_the_reports_language(make_results):
    design = dict(tables(render_report(make_results("nb")))["design"])
    assert design["Periode"] == "1. januar 2016 – 31. desember 2025 (årsdata)"
    assert design["Estimand"].startswith("gjennomsnittlig effekt") and "[" not in \
        design["Estimand"]  # the estimator's English statement is for the English report
    assert design["Kovariater"] == "husholdningsinntekt (kr), antall barn"
    assert design["Data"] == "syntetisk kommune (frø 1, skala 0,1)"
    en = dict(tables(render_report(make_results("en")))["design"])
    assert en["Period"] == "1 January 2016 – 31 December 2025 (yearly data)"
    assert en["Estimand"].endswith("[average effect on the treated over event times >= 0]")


def test_a_budget_year_without_an_estimate_is_missing_not_zero(make_results):
    page = render_report(make_results("nb"))
    budget = tables(page)["budget"]
    assert budget[0] == ["Utfall", "Sektor", "År", "Unngått kostnad (kr)",
                         "90 % intervall (kr)"]
    assert budget[1] == ["kostnad NAV (kommunal), kr", "NAV (kommunal)", "0", f"452{NBSP}700",
                         f"181{NBSP}000 – 724{NBSP}000"]
    assert budget[3][3:] == ["–", "–"]  # year 2: estimated false
    text = visible(page)
    assert TEXTS["nb"]["budget_not_estimated"] in text
    assert "Positive tall betyr at sektoren sparer penger" in text
    assert "25.0" not in text and "25 tilfeller" in text and "from_effect" not in text
    en = visible(render_report(make_results("en")))
    assert "Positive figures mean the sector saves money" in en
    assert TEXTS["en"]["budget_not_estimated"] in en


def test_secondary_marks_stay(make_results):
    r = make_results("nb")
    r["budget"][1] |= {"avoided_cost_nok": None, "p05_nok": None, "p95_nok": None,
                       "suppressed": True, "secondary": "avoided_cost_nok;p05_nok;p95_nok"}
    r["budget"][0] |= {"avoided_cost_nok": None, "p05_nok": None, "p95_nok": None,
                       "suppressed": True}
    r["outcomes"][1] |= {"n_control": None, "secondary": "n_control"}
    page = render_report(r)
    t = tables(page)
    assert t["budget"][2][3:] == [MARK, MARK] and t["budget"][1][3:] == ["–", "–"]
    assert t["estimates"][2][-1] == MARK
    note = TEXTS["nb"]["secondary_note"].replace("$min_cell", "5")
    assert page.count(note) == 2  # under the estimates and the budget tables
    assert TEXTS["nb"]["budget_hidden_years"].replace("$min_cell", "5") in page


def _names_of_the_synthetic_municipality() -> dict[str, set[str]]:
    data = ROOT / "synthetic_data"
    persons = pd.read_parquet(data / "persons.parquet")
    steps = {s for ids in cells.FLOW_IDENTITIES.values() for i in ids for s in i}
    steps |= {s for pair in cells.COUNT_STEPS.values() for s in pair if s}
    return {
        "outcomes": set(pd.read_parquet(data / "outcomes.parquet")["outcome"].unique()),
        "covariates": {c for c in persons.columns if not c.endswith("_id")}
        | {"age", "provider_type"},
        "values": set(persons["role"].unique()) | set(persons["sex"].unique())
        | set(pd.read_parquet(data / "providers.parquet")["provider_type"].unique()),
        "sectors": set(SECTORS) | set(pd.read_parquet(data / "measures.parquet")["sector"]),
        "steps": steps | {"units_in_data", "units_outside_population", "units_in_study"},
        "designs": {"staggered_did", "matched_did", "matching", "rct", "did_2x2",
                    "twfe_event_study"},
        "checks": set(CHECK_VALUES) | {"alternative_control", "alternative_estimator",
                                       "placebo_outcome", "sensitivity"},
    }


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_every_name_of_the_synthetic_municipality_has_a_label(lang):
    names = _names_of_the_synthetic_municipality()
    for group, members in names.items():
        table = SECTOR_NAMES[lang] if group == "sectors" else LABELS[lang]
        missing = sorted(members - set(table))
        assert not missing, (group, missing)


@pytest.mark.parametrize("study", ["holf_results", "samhandling_results"])
@pytest.mark.parametrize("lang", ["nb", "en"])
def test_no_internal_name_in_a_report(request, study, lang):
    r = copy.deepcopy(request.getfixturevalue(study))
    r["spec"]["language"] = lang
    text = visible(render_report(r)).replace("../synthetic_data", "")
    assert not re.findall(r"\b[a-z]+_[a-z0-9_]+\b", text)
    assert "::" not in text and "from_effect" not in text
    assert not re.search(r"\d\.\d+ (tilfeller|cases)", text)


def test_a_spec_label_wins_and_an_unknown_name_is_humanised(make_results):
    r = make_results("en", outcome="days_in_care", kind="days", estimate=-3.0, ci=(-5.0, -1.0))
    r["spec"]["outcomes"][0]["label"] = {"nb": "dager i omsorg", "en": "days in care"}
    r["main"]["label"] = r["outcomes"][0]["label"] = r["spec"]["outcomes"][0]["label"]
    r["flow"][0]["step"] = "dropped_for_a_new_reason"
    page = render_report(r)
    assert "had 3.0 fewer days in care per year" in answer(page)
    assert "dropped for a new reason" in visible(page)


# -- the page -------------------------------------------------------------------------------------

def test_page_is_self_contained_escaped_and_prints_cleanly(make_results):
    r = make_results("nb")
    r["spec"]["title"] = "<script>alert('x')</script> & co"
    page = render_report(r)
    assert "<script" not in page and "&lt;script&gt;" in page and "&amp; co" in page
    assert "<link" not in page and "http" not in page and "@import" not in page
    assert "@media print" in page and "@page" in page
    assert "break-inside:avoid" in page and "page-break-inside:avoid" in page


def test_templates_ship_with_the_package():
    files = importlib.resources.files("effekt.reports") / "templates"
    assert (files / "report.html.j2").is_file() and (files / "report.css").is_file()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    data = project["tool"]["setuptools"]["package-data"]["effekt.reports"]
    assert "templates/*.j2" in data and "templates/*.css" in data
    deps = " ".join(project["project"]["dependencies"])
    assert "jinja2>=" in deps and "babel>=" in deps


def test_report_templates_hold_no_words():
    """Every word comes from the text tables: the template has markup only."""
    files = importlib.resources.files("effekt.reports") / "templates"
    body = (files / "report.html.j2").read_text()
    body = re.sub(r"\{#.*?#\}", "", body, flags=re.S)
    body = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "", body, flags=re.S)
    words = re.findall(r">([^<>]*[A-Za-zæøåÆØÅ][^<>]*)<", body)
    assert [w for w in words if w.strip() and w.strip() != ":"] == []
