"""The study's trend checks (effekt.study.trends): what they compute and what they disclose."""

import numpy as np
import pytest

from effekt.estimators import bacon_decomposition
from effekt.study.trends import bacon_check
from effekt.synthetic.examples import attrition_panel, staggered_panel


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
