"""The decision chain on the shipped studies: estimate → assessment → budget sign (issue 11).

The committed synthetic municipality has planted effects (synthetic_data/truth.parquet);
these tests hold the studies to them: the sign convention of the budget view, the study
populations, the assessment computed from every check, and the minimum detectable effect.
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from scipy import stats

from effekt.study import compute
from effekt.study.spec import load_spec

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def shipped():
    return {name: compute(load_spec(ROOT / "studies" / f"{name}.toml"))
            for name in ("holf", "samhandling")}


@pytest.fixture(scope="module")
def truth():
    t = pd.read_parquet(ROOT / "synthetic_data" / "truth.parquet")
    post = t[t["event_time"] >= 0]
    w = post.assign(w=post["effect"] * post["n_units"])
    g = w.groupby(["pilot", "outcome", "unit_level"])
    return (g["w"].sum() / g["n_units"].sum()).rename("truth")


def _budget_total(results, outcome):
    rows = [b for b in results["budget"] if b["outcome"] == outcome and b["estimated"]]
    return sum(b["avoided_cost_nok"] for b in rows), {b["sector"] for b in rows}


@pytest.mark.parametrize("name", ["holf", "samhandling"])
def test_every_cost_outcome_is_in_the_budget_with_the_sign_of_a_saving(shipped, name):
    r = shipped[name]
    for o in r["outcomes"]:
        if not o["outcome"].startswith("cost_"):
            assert o["sector"] is None  # no price in the shipped specs: not in the budget
            assert not [b for b in r["budget"] if b["outcome"] == o["outcome"]]
            continue
        sector = o["outcome"].removeprefix("cost_")
        total, sectors = _budget_total(r, o["outcome"])
        assert sectors == {sector} and o["sector"] == sector
        # avoided cost = -effect x cases: a cost that falls is a saving (positive)
        assert math.copysign(1, total) == -math.copysign(1, o["estimate"]), o


def test_planted_cost_changes_give_the_budget_sign_of_their_truth(shipped, truth):
    """Where the study detects the planted cost change, the budget has its sign."""
    level = {"holf": "family", "samhandling": "person"}
    checked = []
    for name, r in shipped.items():
        for o in r["outcomes"]:
            if not o["outcome"].startswith("cost_"):
                continue
            key = (name, o["outcome"], level[name])
            planted = truth.get(key, truth.get((name, o["outcome"], "person")))
            if o["ci_lower"] <= 0 <= o["ci_upper"]:
                continue  # not detected: its sign is noise (cost_barnevern: truth -393)
            total, _ = _budget_total(r, o["outcome"])
            assert math.copysign(1, total) == -math.copysign(1, planted), (key, planted)
            checked.append(key)
    # HOLF lowers NAV's cost (a saving), samhandling raises school cost (an extra cost)
    assert ("holf", "cost_nav", "family") in checked
    assert ("samhandling", "cost_oppvekst_skole", "person") in checked


def test_budget_years_without_an_estimate_are_missing_not_zero(shipped):
    r = shipped["samhandling"]  # window up to event time 6, horizon 8: years 7 is beyond
    rows = [b for b in r["budget"] if b["outcome"] == "cost_oppvekst_skole"]
    late = [b for b in rows if b["year"] == 7]
    assert late and all(not b["estimated"] and b["avoided_cost_nok"] is None for b in late)
    assert all(b["estimated"] for b in rows if b["year"] <= 6)


def test_budget_inputs_carry_the_estimates_with_their_covariance(shipped):
    r = shipped["holf"]
    inputs = {b["outcome"]: b for b in r["budget_inputs"]}
    assert set(inputs) == {"cost_nav", "cost_helse_sosial"}
    nav = inputs["cost_nav"]
    assert nav["sector"] == "nav" and nav["nok_per_unit"] == 1.0 and nav["kind"] == "nok"
    k = len(nav["event_time"])
    assert k == len(nav["estimate"]) == len(nav["vcov"]) and all(len(v) == k for v in nav["vcov"])
    assert nav["event_time"] == sorted(nav["event_time"]) and min(nav["event_time"]) >= 0


def test_study_populations_restrict_the_comparison_pool(shipped):
    holf, sam = shipped["holf"], shipped["samhandling"]
    # HOLF: families with children and earlier social assistance, not all 20,211 families
    assert holf["population"]["units_in_data"] > 20_000
    assert holf["population"]["units_in_study"] < 200
    assert {f["column"] for f in holf["spec"]["population"]["where"]} == {
        "prior_social_assistance_months", "n_children"}
    # samhandling: children in schools and kindergartens only, never adults
    assert sam["population"]["units_in_study"] < sam["population"]["units_in_data"] / 2
    flow = {f["step"]: f["n"] for f in sam["flow"]}
    assert flow["units_in_panel"] <= sam["population"]["units_in_study"]


def test_the_assessment_uses_the_studys_own_evidence(shipped):
    holf, sam = shipped["holf"], shipped["samhandling"]
    reasons = {x["check"]: x for x in holf["assessment"]["reasons"]}
    # income is far from balanced after matching: a serious failure, so trust is low
    assert reasons["balance"]["passed"] is False and reasons["balance"]["severity"] == "serious"
    assert holf["assessment"]["level"] == "low"
    # a one-df pre-test that passes is weak evidence (Roth 2022)
    assert reasons["pretrend"]["passed"] is True
    assert reasons["pretrend_power"]["passed"] is False
    # samhandling's pre-test is the studentised bootstrap of W by its 30 schools (the
    # chi-squared law over-rejects there, issue 12); its p-value sits near 0.05 (0.037 with
    # the study's seed, 0.042 with 9,999 draws), so pin only what does not hinge on it: the
    # pre-trend evidence keeps trust below high, by a rejection or by a pre-test too weak
    # to rule out a bias as large as the MDE
    s = {x["check"]: x for x in sam["assessment"]["reasons"]}
    assert sam["pretrend_test"]["method"] == "bootstrap"
    assert sam["assessment"]["level"] != "high"
    assert s["pretrend"]["passed"] is False or s["pretrend_power"]["passed"] is False
    for r in (holf, sam):
        failed = [x for x in r["assessment"]["reasons"] if x["passed"] is False]
        assert failed and r["assessment"]["level"] != "high"


def test_every_estimate_carries_its_minimum_detectable_effect(shipped):
    for r in shipped.values():
        for o in r["outcomes"]:
            assert o["mde"]["method"] == "analytic" and o["mde"]["power"] == 0.8
            # (t_0.975 + t_0.80) * SE on the estimate's own df; normal quantiles without
            dof = o["mde"]["df"]
            multiplier = (2.8016 if dof is None else
                          stats.t.ppf(0.975, dof) + stats.t.ppf(0.8, dof))
            assert o["mde"]["value"] == pytest.approx(multiplier * o["std_error"], rel=2e-3,
                                                      abs=3 * 10 ** -o["decimals"])
