"""Results as the report receives them: the shipped studies' and small hand-made ones.

``results_of(...)`` builds a small results dict with every field of the results contract
(docs/contracts.md: outcome kinds, labels, filters, ``p_value`` and ``mde``, the study
population's counts, robustness rows with their ``kind``, budget rows with ``estimated``,
the assessment), so that a test can change one field and see what the report makes of it.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from effekt.study import compute, load_spec

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def holf_results() -> dict[str, Any]:
    """The shipped HOLF study's results (bokmål)."""
    return compute(load_spec(ROOT / "studies" / "holf.toml"))


@pytest.fixture(scope="session")
def samhandling_results() -> dict[str, Any]:
    """The shipped samhandling study's results (bokmål)."""
    return compute(load_spec(ROOT / "studies" / "samhandling.toml"))


def english(results: dict[str, Any]) -> dict[str, Any]:
    """The same results, to be reported in English."""
    r = copy.deepcopy(results)
    r["spec"]["language"] = "en"
    return r


def _row(outcome: str, kind: str, estimate: float | None, lo: float | None,
         hi: float | None, decimals: int = 3, **over: Any) -> dict[str, Any]:
    se = None if estimate is None else (hi - lo) / 3.92
    return {"outcome": outcome, "design": "staggered_did", "estimate": estimate,
            "std_error": se, "ci_lower": lo, "ci_upper": hi, "decimals": decimals,
            "suppressed": estimate is None, "n_treated": 40 if estimate is not None else "<5",
            "n_control": 400, "secondary": None, "kind": kind, "label": None,
            "sector": outcome.removeprefix("cost_") if kind == "nok" else None,
            "p_value": None if estimate is None else 0.0004,
            "mde": None if estimate is None else {"value": 2.8 * se, "power": 0.8,
                                                  "alpha": 0.05, "method": "analytic"},
            "inference": "multiplier_bootstrap", **over}


def robustness_row(check: str, outcome: str, kind: str | None, estimate: float | None,
                   lo: float | None, hi: float | None, decimals: int = 3,
                   **over: Any) -> dict[str, Any]:
    """A robustness row as the runner writes it (its outcome's ``kind`` and ``label``)."""
    row = _row(outcome, kind, estimate, lo, hi, decimals, **over)
    for k in ("sector", "p_value", "mde", "inference"):
        row.pop(k)
    return {"check": check, **row, "not_estimable": None}


def results_of(lang: str = "nb", *, kind: str = "months", outcome: str | None = None,
               estimate: float | None = -1.234, ci: tuple[float, float] = (-2.0, -0.5),
               unit: str = "family", where: list | None = None,
               reasons: list | None = None, level: str = "high",
               robustness: list | None = None) -> dict[str, Any]:
    """A small results dict with every contract field (one main outcome and a NOK one)."""
    outcome = outcome or {"months": "social_assistance_months", "share": "employed",
                          "days": "school_absence_days", "nok": "cost_nav",
                          "count": "visits"}[kind]
    dec = 0 if kind == "nok" else 3
    main = _row(outcome, kind, estimate, *(ci if estimate is not None else (None, None)), dec)
    cost = _row("cost_nav", "nok", -18108.0, -28950.0, -7265.0, 0)
    spec_outcomes = [{"name": r["outcome"], "kind": r["kind"], "aggregation": "mean",
                      "label": None, "price": None, "where": []} for r in (main, cost)]
    budget = [{"outcome": "cost_nav", "sector": "nav", "year": y,
               "avoided_cost_nok": 452700.0 if y < 2 else None,
               "p05_nok": 181000.0 if y < 2 else None, "p95_nok": 724000.0 if y < 2 else None,
               "n_cases": 25.0, "suppressed": False, "secondary": None, "estimated": y < 2}
              for y in range(3)]
    if reasons is None:
        reasons = [{"check": "pretrend", "passed": True, "severity": None,
                    "detail": "test of no effect before adoption: W = 3.1 on 4 df",
                    "values": {"statistic": 3.1, "df": 4, "p_value": 0.54}}]
    return {
        "effekt_version": "0.1.0",
        "spec": {"language": lang, "title": "Test study", "seed": 1, "min_cell": 5,
                 "covariates": ["household_income_nok", "n_children"],
                 "data": {"synthetic": {"seed": 1, "scale": 0.1}},
                 "population": {"unit": unit, "period": "year", "start": "2016-01-01",
                                "end": "2025-12-31", "where": where or []},
                 "exposure": {"pilot": "holf", "cohorts": "first_exposure",
                              "anticipation": 0},
                 "outcomes": spec_outcomes, "design": {"type": "staggered_did"},
                 "robustness": {"pretrend_test": True, "alternative_control": None,
                                "alternative_estimator": None, "placebo_outcome": None,
                                "placebo_kind": None, "sensitivity": False},
                 "budget": {"n_cases": None, "horizon": 3, "beyond": "zero"}},
        "estimand": "average effect on the treated over event times >= 0",
        "main": main, "outcomes": [main, cost],
        "population": {"where": where or [], "units_in_data": 1200, "units_in_study": 440,
                       "units_outside_population": 760},
        "event_study": [
            {"event_time": t, "estimate": e, "std_error": 0.3, "ci_lower": e - 0.6,
             "ci_upper": e + 0.6, "n_treated": 40, "suppressed": False, "secondary": None}
            for t, e in ((-2, 0.1), (0, -1.0), (1, -1.5))],
        "pretrend_test": {"statistic": 3.1, "df": 4, "p_value": 0.54},
        "flow": [{"step": "units_with_outcome", "n": 440, "secondary": None},
                 {"step": "treated", "n": 40, "secondary": None},
                 {"step": "controls", "n": 400, "secondary": None}],
        "balance": None, "robustness": robustness or [], "sensitivity": None,
        "budget": budget,
        "budget_inputs": [],
        "disclosure": {"min_cell": 5, "suppressed_estimates": 0, "secondary_cells": 0,
                       "withheld": []},
        "warnings": [],
        "assessment": {"level": level, "reasons": reasons},
    }


@pytest.fixture(scope="session")
def make_results():
    """``results_of``: a small results dict with every contract field."""
    return results_of


@pytest.fixture(scope="session")
def in_english():
    """``english``: the same results, reported in English."""
    return english


@pytest.fixture(scope="session")
def make_robustness_row():
    """``robustness_row``: a robustness row as the runner writes it."""
    return robustness_row
