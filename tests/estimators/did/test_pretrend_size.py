"""Size and power of att_gt's pre-trend test on the synthetic samhandling study.

The panel of each replication is the study's own (``benchmarks/pretrend_size.py`` builds it
with ``effekt.study``'s functions and the staggered design's sample steps): 30 schools, 6 in
each of four cohorts and 6 never treated, 10 pre-treatment cells. This test runs REPS
replications (499 bootstrap draws) of the parallel-trends scenario and of a drift of
3 x 0.35 days a year added to the eventually treated; the script runs 200 of each
scenario, ``nonparallel`` too (``python benchmarks/pretrend_size.py``, 15 minutes on 2
cores; its numbers are in the docstring of ``GroupTimeResult.pretrend_test``).
"""

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "benchmarks"))
import pretrend_size  # noqa: E402

REPS = 20


@pytest.fixture(scope="module")
def rows():
    return [row for r in range(REPS)
            for row in pretrend_size.replicate(r, scenarios=("default", "drift3"), n_boot=499)]


def _rejections(rows, scenario, test):
    return int(sum(r[test] <= 0.05 for r in rows if r["scenario"] == scenario))


def test_the_panel_is_the_study_design():
    d, unit, y, opts, covs = pretrend_size.study_sample(1000)
    assert y == "school_absence_days" and opts["cluster"] == "provider_id"
    schools = d.drop_duplicates(unit).groupby("cohort")["provider_id"].nunique()
    assert schools.to_dict() == {0: 6, 2018: 6, 2019: 6, 2020: 6, 2021: 6}


@pytest.mark.slow
def test_bootstrap_pretrend_keeps_its_size_where_the_wald_test_does_not(rows):
    null = [r for r in rows if r["scenario"] == "default"]
    assert len(null) == REPS and {r["df"] for r in null} == {10}
    assert {r["clusters"] for r in null} == {30}
    # measured here: mean W 26.3 on 10 df; chi-squared 14 of 20 rejections (200
    # replications: 59.5 %); bootstrap 1 of 20 with either weights (200: 4.0 %, 3.5 %);
    # the bootstrap's 5 % critical value of W at least 57.8 (chi2(10): 18.3)
    assert np.mean([r["W"] for r in null]) > 15
    assert _rejections(rows, "default", "wald") >= 8
    assert min(r["crit_rademacher"] for r in null) > 40
    # the looser bound of 20 replications: at most 2 (10 %); P(>= 3) = 0.075 at 5 %
    assert _rejections(rows, "default", "boot_rademacher") <= 2
    assert _rejections(rows, "default", "boot_webb") <= 2


@pytest.mark.slow
def test_bootstrap_pretrend_detects_a_clear_differential_trend(rows):
    # a drift of 1.05 days a year (3 x nonparallel's): measured 16 of 20 (Rademacher) and
    # 15 of 20 (Webb); 200 replications: 78.5 %, 81.5 %
    assert _rejections(rows, "drift3", "boot_rademacher") >= 12
    assert _rejections(rows, "drift3", "boot_webb") >= 12
    assert _rejections(rows, "drift3", "wald") == REPS
