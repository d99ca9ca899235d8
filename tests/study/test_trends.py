"""The study's trend checks (effekt.study.trends): what they compute and what they disclose."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from effekt.estimators import bacon_decomposition
from effekt.study.trends import bacon_check, honest_check
from effekt.synthetic.examples import attrition_panel, staggered_panel

REPO = Path(__file__).resolve().parents[2]


def _panel(**kw):
    return staggered_panel(**kw).rename(columns={"t": "period", "g": "cohort"})


def test_bacon_check_is_the_decomposition_by_type():
    p = _panel(n_units=200, periods=6, cohorts=(3, 5), seed=4)
    out = bacon_check(p, "id", "y", min_cell=5)
    b = bacon_decomposition(p, outcome="y", unit="id", time="period", cohort="cohort")
    assert out["status"] == "ok" and out["n_units"] == 200
    assert out["twfe_estimate"] == pytest.approx(b.twfe_estimate, abs=1e-12)
    w = np.array([r["weight"] for r in out["by_type"]])
    est = np.array([r["estimate"] for r in out["by_type"]])
    assert w.sum() == pytest.approx(1, abs=1e-12)
    assert w @ est == pytest.approx(b.twfe_estimate, abs=1e-10)
    assert {r["comparison_type"] for r in out["by_type"]} == set(b.by_type().index)


def test_bacon_check_keeps_only_units_seen_every_period_and_hides_small_cohorts():
    p = _panel(n_units=200, periods=6, cohorts=(3, 5), seed=4)
    p.loc[p["id"].isin([0, 1, 2]), "cohort"] = 4  # a cohort of 3 units: dropped
    p = p.drop(p[(p["id"] == 10) & (p["period"] == 2)].index)  # unbalanced: left out
    out = bacon_check(p, "id", "y", min_cell=5)
    assert out["status"] == "ok"
    assert out["n_units"] == 200 - 3 - 1
    assert out["n_units_dropped_small"] == "<5" and out["cohorts_dropped_small"] == 1
    # no single cohort's comparison is written, only the three types' totals
    assert set(out) == {"outcome", "n_periods", "cohorts_dropped_small", "status",
                        "twfe_estimate", "n_units", "n_units_dropped_small", "by_type"}


def test_bacon_check_not_run_without_enough_balanced_units():
    p = attrition_panel(n_units=60, periods=8, leave=4.0).rename(
        columns={"t": "period", "g": "cohort"})
    out = bacon_check(p, "id", "y", min_cell=50)
    assert out["status"] == "not_run" and out["reason"] == "too_few_balanced_units"
    assert out["n_units"] is None


# -- HonestDiD -------------------------------------------------------------------------------

def _estimate(df=None, pre=(-3, -2), post=(0, 1, 2), n_treated=50):
    from effekt.study.designs import Estimate
    times = [*pre, *post]
    rng = np.random.default_rng(0)
    ev = pd.DataFrame({"event_time": times,
                       "estimate": [0.02 * t for t in pre] + [-1.0 - 0.1 * t for t in post],
                       "std_error": 0.2, "ci_lower": np.nan, "ci_upper": np.nan,
                       "n_treated": n_treated})
    a = rng.normal(size=(len(times), len(times)))
    cov = 0.04 * (0.7 * np.eye(len(times)) + 0.3 * (a @ a.T) / len(times))
    return Estimate(outcome="y", design="matched_did", estimand="", estimate=-1.1,
                    std_error=0.15, ci_lower=-1.4, ci_upper=-0.8, n_treated=n_treated,
                    n_control=50, event=ev, flow=(),
                    event_vcov=pd.DataFrame(cov, index=times, columns=times), df=df)


def test_honest_check_reads_the_shown_event_study_and_scales_to_t():
    e = _estimate()
    out = honest_check(e, min_cell=5, refine=False)
    assert out["status"] == "ok" and out["method"] == "C-LF"
    assert out["pre_event_times"] == [-3, -2] and out["post_event_times"] == [0, 1, 2]
    assert out["estimate"] == pytest.approx(np.mean([-1.0, -1.1, -1.2]), abs=1e-12)
    widths = [r["ci_upper"] - r["ci_lower"] for r in out["grid"]]
    assert all(b >= a - 1e-9 for a, b in zip(widths, widths[1:], strict=False))
    # Student's t (CR2 with few clusters): the sets widen by t / z at Mbar = 0
    t_out = honest_check(_estimate(df=10), min_cell=5, refine=False)
    ratio = ((t_out["grid"][0]["ci_upper"] - t_out["grid"][0]["ci_lower"])
             / (out["grid"][0]["ci_upper"] - out["grid"][0]["ci_lower"]))
    assert ratio == pytest.approx(stats.t.ppf(0.975, 10) / stats.norm.ppf(0.975), rel=2e-3)


def test_honest_check_leaves_out_hidden_event_times():
    e = _estimate()
    out = honest_check(e, min_cell=5, hidden_times={-3, 2}, refine=False)
    assert out["pre_event_times"] == [-2] and out["post_event_times"] == [0, 1]
    small = honest_check(_estimate(n_treated=3), min_cell=5)
    assert small["status"] == "not_run"
    no_pre = honest_check(_estimate(pre=()), min_cell=5)
    assert no_pre["status"] == "not_run" and no_pre["reason"] == "no_pre_period"


def test_budget_sensitivity_is_all_or_nothing():
    from effekt.study import load_spec
    from effekt.study.budget_view import budget_trend_sensitivity
    study = load_spec(REPO / "studies" / "holf.toml")
    inputs = [{"outcome": "cost_nav", "nok_per_unit": 1.0, "n_cases": 10.0, "horizon": 3,
               "beyond": "zero", "event_time": [0, 1], "estimate": [-100.0, -50.0]}]
    grid = [{"m": 0.0, "ci_lower": -150.0, "ci_upper": 0.0},
            {"m": 1.0, "ci_lower": -300.0, "ci_upper": 150.0}]
    ok = {"cost_nav": {"status": "ok", "estimate": -75.0, "grid": grid}}
    out = budget_trend_sensitivity(study, inputs, ok)
    assert out["status"] == "ok" and not out["negative_at_estimate"]
    assert out["npv_at_estimate_nok"] > 0
    # the least favourable end of the set: a cost outcome's upper bound
    assert [r["m"] for r in out["grid"]] == [0.0, 1.0]
    assert out["grid"][0]["npv_nok"] < out["npv_at_estimate_nok"]
    assert out["breakdown_m"] == 1.0  # +150 at Mbar = 1 is a cost
    missing = budget_trend_sensitivity(study, inputs, {})
    assert missing == {"status": "not_run", "reason": "no_honest_did",
                       "outcomes_without": ["cost_nav"]}
    assert budget_trend_sensitivity(study, [], ok) is None
