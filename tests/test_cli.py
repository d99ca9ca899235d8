"""The effekt command: synth, demo, exit codes and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from effekt.cli import DEFAULT_SCALE, DEFAULT_SEED, main
from effekt.synthetic import generate, load, matches_folder

REPO = Path(__file__).resolve().parents[1]


def test_synth_writes_tables_and_manifest(tmp_path, capsys):
    assert main(["synth", "--seed", "3", "--scale", "0.01", "--out", str(tmp_path)]) == 0
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["seed"] == 3
    persons = pd.read_parquet(tmp_path / "persons.parquet")
    assert len(persons) == manifest["files"]["persons.parquet"]["rows"] > 0
    assert "persons.parquet" in capsys.readouterr().out
    assert matches_folder(generate(seed=3, scale=0.01), tmp_path)
    assert not matches_folder(generate(seed=4, scale=0.01), tmp_path)


def test_bad_input_exit_code_2_and_one_line(tmp_path, capsys):
    assert main(["synth", "--scale", "-1", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("effekt: error: ") and "scale" in err
    assert "Traceback" not in err


def test_demo_prints_summary_and_checks_committed_data(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "effekt.cli", "demo", "--out", str(tmp_path)],
        capture_output=True, text=True, check=True, cwd=REPO,
    )
    assert "Synthetic municipality" in proc.stdout
    assert "identical to the committed synthetic_data/: yes" in proc.stdout
    assert (tmp_path / "synthetic" / "manifest.json").exists()


def test_committed_synthetic_data_is_what_the_generator_makes():
    """synthetic_data/ is the default municipality; regenerate with `effekt synth` if not."""
    committed = REPO / "synthetic_data"
    m = load(committed)
    assert (m.params["seed"], m.params["scale"]) == (DEFAULT_SEED, DEFAULT_SCALE)
    assert matches_folder(generate(seed=DEFAULT_SEED, scale=DEFAULT_SCALE), committed)
    size = sum(p.stat().st_size for p in committed.iterdir())
    assert size < 5e6  # keeps the repository light


def test_committed_data_passes_validation():
    from effekt.data import RecordStore

    store = RecordStore.open(REPO / "synthetic_data")
    assert {"persons", "measures", "service_events", "outcomes", "exposures"} <= set(store.tables)


def test_budget_template_then_run(tmp_path):
    book = tmp_path / "assumptions.xlsx"
    assert main(["--quiet", "budget", "template", str(book)]) == 0
    assert main(["--quiet", "budget", "run", str(book), "--seed", "1"]) == 0
    assert (tmp_path / "assumptions_results.xlsx").exists()
    # never overwrites its input: a clear error, exit code 2
    assert main(["--quiet", "budget", "run", str(book), "--out", str(book)]) == 2


def test_usage_errors_exit_2():
    with pytest.raises(SystemExit) as exc:
        main(["no-such-command"])
    assert exc.value.code == 2
