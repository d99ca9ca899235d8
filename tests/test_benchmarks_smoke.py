"""Smoke tests of the benchmark scripts: their workers run at tiny sizes, in-process.

No timing is asserted; the checks are that each worker runs and returns what the drivers
read, and that the comparisons the drivers report are right.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
sys.path.insert(0, str(BENCH))

import _common  # noqa: E402
import _peers  # noqa: E402
import budget_scale  # noqa: E402
import composition_drift  # noqa: E402
import did_limit  # noqa: E402
import did_scale  # noqa: E402
import matching_scale  # noqa: E402
import panel_build  # noqa: E402
import registry_scale  # noqa: E402


def test_did_worker_and_compare(tmp_path):
    path = did_scale.generate(500, tmp_path)
    assert did_scale.generate(500, tmp_path) == path  # cached, not rewritten
    out = did_scale.worker_effekt(path, n_boot=19)
    assert out["n_cells"] == len(did_scale.COHORTS) * (did_scale.N_PERIODS - 1)
    assert out["peak_mb"] > 0 and out["bootstrap_s"] >= out["attgt_s"]
    est = out["estimates"]
    assert set(est) == {"attgt", *did_scale.KINDS}
    same = did_scale.compare(est, copy.deepcopy(est))
    assert same["max_abs_diff_est"] == 0.0 and same["max_abs_diff_se"] == 0.0
    other = copy.deepcopy(est)
    other["dynamic"]["by"][2][1] += 0.5  # estimate of one event time
    other["group"]["by"][0][2] += 0.25  # SE of one cohort
    del other["calendar"]  # a peer without a calendar aggregation
    diff = did_scale.compare(est, other)
    assert diff["max_abs_diff_est"] == pytest.approx(0.5, abs=1e-12)
    assert diff["max_abs_diff_se"] == pytest.approx(0.25, abs=1e-12)
    assert diff["compared"] == "attgt,simple,group,dynamic"
    other["attgt"].pop()
    assert "compare_error" in did_scale.compare(est, other)


def test_did_panel_is_balanced_with_the_planted_cohorts(tmp_path):
    import pandas as pd

    df = pd.read_parquet(did_scale.generate(300, tmp_path))
    assert len(df) == 300 * did_scale.N_PERIODS
    assert set(df["g"].unique()) <= {0, *did_scale.COHORTS}
    assert (df.groupby("id")["t"].nunique() == did_scale.N_PERIODS).all()


@pytest.mark.parametrize(("case", "pairs"), [("nn1", 200), ("nn5r", 1000), ("maha", 200)])
def test_matching_worker(tmp_path, case, pairs):
    path = matching_scale.generate(200, 2000, tmp_path)
    out = matching_scale.worker_effekt(case, path)
    assert out["n_pairs"] == pairs
    assert out["n_matched_treated"] == 200
    assert out["match_s"] >= 0 and out["balance_s"] >= 0


def test_matching_csv_copy_for_r(tmp_path):
    import pandas as pd

    path = matching_scale.generate(20, 100, tmp_path)
    a, b = pd.read_parquet(path), pd.read_csv(matching_scale.as_csv(path))
    assert list(a.columns) == list(b.columns) == ["treat", *[f"x{j}" for j in range(1, 11)]]
    np.testing.assert_array_equal(a.to_numpy(), b.to_numpy())  # %.17g round-trips exactly


def test_budget_naive_peer_matches_effekt():
    from effekt.budgeting import simulate

    model = budget_scale._model()
    ours = simulate(model, years=budget_scale.YEARS, draws=100, seed=budget_scale.SEED).draws
    naive = budget_scale.naive_simulate(model, budget_scale.YEARS, 100, budget_scale.SEED)
    assert naive.shape == ours.shape == (100, 30, 8)
    np.testing.assert_allclose(naive, ours, rtol=1e-12)
    out = budget_scale.worker_effekt(100)
    assert out["shape"] == [100, 30, 8]
    assert budget_scale.naive_bytes(10_000) == 10_000 * 30 * 50 * 8 * 8


def test_run_isolated_reports_json_errors_and_timeouts(tmp_path):
    ok = tmp_path / "ok.py"
    ok.write_text("print('noise')\nprint('{\"a\": 1}')\n")
    assert _common.run_isolated(ok) == {"a": 1}
    bad = tmp_path / "bad.py"
    bad.write_text("raise SystemExit('boom')\n")
    assert _common.run_isolated(bad) == {"error": "boom"}
    slow = tmp_path / "slow.py"
    slow.write_text("import time\ntime.sleep(30)\n")
    assert _common.run_isolated(slow, timeout=0.5) == {"error": "timeout after 0.5 s",
                                                         "timeout": True}


def test_peers_python_honours_the_override(monkeypatch):
    monkeypatch.setenv("EFFEKT_PEERS_PYTHON", sys.executable)
    assert _peers.peers_python(create=False) == (sys.executable,
                                                 f"EFFEKT_PEERS_PYTHON={sys.executable}")
    monkeypatch.setenv("EFFEKT_PEERS_PYTHON", "/nonexistent/python")
    path, note = _peers.peers_python(create=False)
    assert path is None and "does not exist" in note


def test_composition_drift_workers():
    rows = composition_drift.attrition_rep(0, n_units=300)
    assert len(rows) == 20
    assert set(composition_drift.summarise_attrition(rows)["method"]) == {"pairwise", "rcs"}
    out = composition_drift.study_rep(0, scale=0.02, outcomes=("cost_barnevern",))
    pair = [r for r in out if r["method"] == "pairwise"]
    assert pair
    # the DR estimator is linear in the outcome: estimate - null estimate = the cell truth
    for r in pair:
        assert abs(r["estimate"] - r["null_estimate"] - r["cell_truth"]) < 1e-6


def test_did_limit_workers_agree(tmp_path):
    path = did_scale.generate(400, tmp_path, periods=8, cohorts=(3, 5))
    assert path.name == "400x8.parquet"
    a = did_limit.worker("pandas", path, n_boot=19)
    b = did_limit.worker("parquet", path, n_boot=0)
    assert a["cells"] == b["cells"] == 2 * 7
    assert abs(a["dynamic_att"] - b["dynamic_att"]) < 1e-10
    assert a["bootstrap_s"] >= a["fit_s"] and "bootstrap_s" not in b
    assert did_limit._best([{"error": "x"}, {"analytic_s": 2.0}, {"analytic_s": 1.0}]) == {
        "analytic_s": 1.0}


def test_registry_scale_worker_runs_every_stage(tmp_path):
    folder = panel_build.generate(20_000, tmp_path / "events")
    # the worker's watchdog measures this whole process (pytest, grown by the suite): a
    # budget above the machine's memory, so that it never stops the test run
    out = registry_scale.worker("duckdb", folder, memory_gb=200.0)
    assert set(out["stages"]) == {"open_validate", "trajectories", "family_panel", "att_gt"}
    assert out["n_trajectories"] > 0 and out["panel_rows"] > 0 and out["n_cells"] > 0
    assert all(s["seconds"] >= 0 and s["peak_mb"] > 0 for s in out["stages"].values())
