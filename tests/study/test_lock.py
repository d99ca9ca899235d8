"""Pre-registered analysis plans: lock, run, deviate (effekt.study.lock, docs/contracts.md).

Two study runs in all (module fixture): the locked HOLF spec as locked, then with
``ratio = 1`` edited to ``ratio = 2``.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from effekt.cli import main
from effekt.errors import SpecError
from effekt.reports import render_report
from effekt.study import load_spec, run_study
from effekt.study.lock import compare_plan, lock_study, preregistration, read_lock

ROOT = Path(__file__).parents[2]


def _copy(tmp: Path, outcomes: bool = True) -> Path:
    shutil.copytree(ROOT / "synthetic_data", tmp / "data")
    if not outcomes:
        (tmp / "data" / "outcomes.parquet").unlink()
    text = (ROOT / "studies" / "holf.toml").read_text(encoding="utf-8")
    assert 'folder = "../synthetic_data"' in text and "ratio = 1 " in text
    (tmp / "studies").mkdir()
    spec = tmp / "studies" / "holf.toml"
    spec.write_text(text.replace('folder = "../synthetic_data"', 'folder = "../data"'),
                    encoding="utf-8")
    return spec


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("lock")
    spec = _copy(tmp)
    lock = lock_study(spec, date="2026-01-31")
    first = run_study(spec, tmp / "out1")
    spec.write_text(spec.read_text(encoding="utf-8").replace("ratio = 1 ", "ratio = 2 "),
                    encoding="utf-8")
    second = run_study(spec, tmp / "out2")
    return {"tmp": tmp, "spec": spec, "lock": lock, "first": first, "second": second}


def test_locked_run_follows_plan(runs):
    lock = runs["lock"]
    assert lock == runs["spec"].with_name("holf.lock.json")
    pre = json.loads((runs["tmp"] / "out1" / "results.json").read_text())["preregistration"]
    assert pre == runs["first"]["preregistration"]
    assert pre["locked"] is True and pre["locked_at"] == "2026-01-31"
    assert pre["deviations"] == [] and pre["data_changed"] == []
    assert pre["lock_sha256"] == hashlib.sha256(lock.read_bytes()).hexdigest()
    assert pre["spec_changed"] is False
    html = (runs["tmp"] / "out1" / "report.html").read_text()
    assert "Forhåndsregistrert analyseplan" in html
    assert "Analyseplanen som ble låst 2026-01-31, er fulgt" in html


def test_edited_spec_is_a_deviation(runs):
    pre = json.loads((runs["tmp"] / "out2" / "results.json").read_text())["preregistration"]
    assert pre["locked"] is True and pre["spec_changed"] is True
    assert pre["deviations"] == [{"key": "design.ratio", "locked": 1, "run": 2}]
    html = (runs["tmp"] / "out2" / "report.html").read_text()
    assert "<li>design.ratio: 1 → 2</li>" in html
    assert "avviker fra den på 1 punkter" in html


def test_no_lock_is_not_preregistered(runs, tmp_path):
    spec = tmp_path / "holf.toml"
    shutil.copy(runs["spec"], spec)  # no lock beside this copy
    shutil.copytree(runs["tmp"] / "data", tmp_path.parent / "data", dirs_exist_ok=True)
    pre = preregistration(load_spec(spec))
    assert pre == {"locked": False, "locked_at": None, "lock_sha256": None,
                   "spec_sha256_locked": None, "spec_changed": None, "deviations": [],
                   "data_changed": []}
    assert set(pre) == set(runs["first"]["preregistration"])
    html = render_report({**runs["first"], "preregistration": pre})
    assert "Studien er ikke forhåndsregistrert" in html
    en = {**runs["first"], "preregistration": pre,
          "spec": {**runs["first"]["spec"], "language": "en"}}
    assert "The study was not pre-registered" in render_report(en)


def test_lock_without_outcomes(tmp_path):
    spec = _copy(tmp_path, outcomes=False)
    lock = read_lock(lock_study(spec, date="2026-02-28").with_suffix("").with_suffix(".toml"))
    assert lock is not None and lock["locked_at"] == "2026-02-28"
    assert sorted(lock["data_fingerprints"]) == [
        "exposures.parquet", "measures.parquet", "persons.parquet", "providers.parquet",
        "service_events.parquet", "truth.parquet"]
    data = tmp_path / "data"
    assert lock["data_fingerprints"]["persons.parquet"] == hashlib.sha256(
        (data / "persons.parquet").read_bytes()).hexdigest()
    assert lock["spec_sha256"] == hashlib.sha256(spec.read_bytes()).hexdigest()
    assert lock["plan"]["data"]["folder"] == "../data"
    assert lock["plan"]["design"]["ratio"] == 1
    # the outcome table recorded later does not count as changed data
    shutil.copy(ROOT / "synthetic_data" / "outcomes.parquet", data / "outcomes.parquet")
    pre = preregistration(load_spec(spec))
    assert pre["data_changed"] == [] and pre["deviations"] == []
    (data / "persons.parquet").write_bytes((data / "persons.parquet").read_bytes() + b"x")
    assert preregistration(load_spec(spec))["data_changed"] == ["persons.parquet"]


def test_bad_date_and_existing_lock(tmp_path, capsys):
    spec = _copy(tmp_path)
    for bad in ("2026-02-30", "31.01.2026", "2026-1-5"):
        with pytest.raises(SpecError, match=repr(bad)):
            lock_study(spec, date=bad)
    assert not spec.with_name("holf.lock.json").exists()
    lock = lock_study(spec, date="2026-01-31")
    with pytest.raises(SpecError, match="already locked"):
        lock_study(spec, date="2026-02-01")
    assert read_lock(spec)["locked_at"] == "2026-01-31"
    assert read_lock(lock_study(spec, date="2026-02-01", overwrite=True).parent
                     / "holf.toml")["locked_at"] == "2026-02-01"
    assert lock.exists()


def test_cli(tmp_path, capsys):
    spec = _copy(tmp_path)
    assert main(["study", "lock", str(spec), "--date", "2026-01-31"]) == 0
    assert capsys.readouterr().out.strip() == str(spec.with_name("holf.lock.json"))
    assert main(["study", "lock", str(spec)]) == 2
    assert "already locked" in capsys.readouterr().err
    assert main(["study", "lock", str(spec), "--date", "2026-13-01", "--force"]) == 2
    assert "'2026-13-01'" in capsys.readouterr().err
    assert main(["--quiet", "study", "lock", str(spec), "--date", "2026-03-01",
                 "--force"]) == 0
    assert capsys.readouterr().out == ""
    assert read_lock(spec)["locked_at"] == "2026-03-01"


def test_compare_plan_added_and_removed():
    lock = {"plan": {"design": {"ratio": 3, "window": [-2, 5]}, "seed": 1}}
    plan = {"design": {"ratio": 3, "window": (-2, 5), "caliper": 0.2}}
    assert compare_plan(lock, plan) == [
        {"key": "design.caliper", "locked": None, "run": 0.2},
        {"key": "seed", "locked": 1, "run": None}]
