"""`effekt study run --out` under the one output rule: refusals, replacement, cleanup, umask.

A project in ``tmp_path`` holds a copy of the committed data (``data/``), a folder of specs
(``specs/holf.toml`` and another spec) and a folder of the user's documents (``docs/``).
Refused runs must exit 2 with one line before anything is estimated, and leave every file
as it was (bytes and mtimes). The tests that write use the results of one real run
(``compute`` is patched to return them), so that each run costs only the writing.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import effekt._io as io
import effekt.study.runner as runner
from effekt._io import MARKER
from effekt.cli import main
from effekt.errors import DataError, SpecError
from effekt.study import compute, load_spec, run_study

REPO = Path(__file__).resolve().parents[2]
FILES = [MARKER, "report.html", "resolved_spec.json", "results.json", "spec.toml", "tables"]


def snapshot(root: Path) -> dict[str, tuple]:
    """Every path under ``root`` with its bytes (files) and mtime, and the root's mtime."""
    seen: dict[str, tuple] = {".": (root.stat().st_mtime_ns,)}
    for p in sorted(root.rglob("*")):
        data = None if p.is_dir() else p.read_bytes()
        seen[p.relative_to(root).as_posix()] = (data, p.stat().st_mtime_ns)
    return seen


def contents(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "synthetic_data", tmp_path / "data")
    (tmp_path / "specs").mkdir()
    text = (REPO / "studies" / "holf.toml").read_text()
    (tmp_path / "specs" / "holf.toml").write_text(text.replace('"../synthetic_data"',
                                                               '"../data"'))
    shutil.copy(REPO / "studies" / "samhandling.toml", tmp_path / "specs" / "other.toml")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "letter.docx").write_bytes(b"a user's letter")
    (tmp_path / "docs" / "notes.txt").write_text("a user's notes")
    return tmp_path


@pytest.fixture(scope="module")
def holf_results() -> dict:
    return compute(load_spec(REPO / "studies" / "holf.toml"))


@pytest.fixture
def fast(monkeypatch: pytest.MonkeyPatch, holf_results: dict) -> None:
    """Make ``run_study`` write the results of one real run instead of estimating again."""
    monkeypatch.setattr(runner, "compute", lambda study, say: copy.deepcopy(holf_results))


def _no_estimation(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("the study was estimated before its output folder was checked")

    monkeypatch.setattr(runner, "compute", refuse)


@pytest.mark.parametrize(("out", "message"), [
    ("data", "is the study's data folder; effekt never writes over it. Choose another path."),
    ("data/report", "is inside the study's data folder; effekt never writes there. Choose "
                    "another folder."),
    ("specs", "holds the spec holf.toml; effekt never writes over it. Choose another folder."),
    (".", "holds the spec holf.toml; effekt never writes over it. Choose another folder."),
    ("specs/holf.toml", "is the spec holf.toml; effekt never writes over it. Choose another "
                        "path."),
    ("docs", "is not empty and not an effekt output: it holds 2 files or folders effekt did "
             "not write. effekt writes only into a new or empty folder or its own earlier "
             "output; choose another folder."),
], ids=["data folder", "inside the data folder", "folder of specs", "the project",
        "the spec", "folder of user files"])
def test_refused_exit_2_one_line_every_file_intact(project, out, message, capsys, monkeypatch):
    _no_estimation(monkeypatch)
    before = snapshot(project)
    target = project / out
    code = main(["--quiet", "study", "run", str(project / "specs" / "holf.toml"),
                 "--out", str(target)])
    err = capsys.readouterr().err.splitlines()
    assert code == 2
    assert err[0] == f"effekt: error: output folder {target} {message}"
    assert err[1].startswith("hint: ") and len(err) == 2
    assert snapshot(project) == before


def test_refused_from_python_too(project, monkeypatch):
    _no_estimation(monkeypatch)
    before = snapshot(project)
    with pytest.raises(SpecError, match="is the study's data folder"):
        run_study(project / "specs" / "holf.toml", project / "data")
    assert snapshot(project) == before


def test_second_run_replaces_its_own_earlier_output(project):
    spec, out = project / "specs" / "holf.toml", project / "out"
    run_study(spec, out)  # real runs, end to end
    assert sorted(p.name for p in out.iterdir()) == FILES
    marker = json.loads((out / MARKER).read_text())
    assert marker["kind"] == "study"
    assert marker["files"] == sorted(p.relative_to(out).as_posix() for p in out.rglob("*")
                                     if p.is_file() and p.name != MARKER)
    first = contents(out)
    (out / "report.html").write_text("an old report")  # effekt's own file, changed
    (out / "tables" / "sample_flow.csv").unlink()  # effekt's own file, gone
    assert main(["--quiet", "study", "run", str(spec), "--out", str(out)]) == 0
    assert contents(out) == first
    assert sorted(p.name for p in project.iterdir()) == ["data", "docs", "out", "specs"]


def test_own_output_with_a_users_file_added_is_refused(project, fast, capsys):
    spec, out = project / "specs" / "holf.toml", project / "out"
    run_study(spec, out)
    (out / "my_comments.txt").write_text("a user's comments on the report")
    before = snapshot(project)
    assert main(["--quiet", "study", "run", str(spec), "--out", str(out)]) == 2
    assert capsys.readouterr().err.splitlines()[0] == (
        f"effekt: error: output folder {out} is an earlier effekt study output, but it also "
        "holds 1 file effekt did not write, which replacing it would delete; move them out "
        "or choose another folder.")
    assert snapshot(project) == before


def test_synthetic_output_is_not_a_study_output(project, fast, capsys):
    out = project / "synthetic"
    assert main(["--quiet", "synth", "--scale", "0.01", "--out", str(out)]) == 0
    before = snapshot(project)
    assert main(["--quiet", "study", "run", str(project / "specs" / "holf.toml"),
                 "--out", str(out)]) == 2
    assert capsys.readouterr().err.splitlines()[0] == (
        f"effekt: error: output folder {out} is an effekt synthetic output, not a study "
        "output; choose another folder.")
    assert snapshot(project) == before


def test_failed_rerun_keeps_the_earlier_output(project, fast, monkeypatch):
    spec, out = project / "specs" / "holf.toml", project / "out"
    run_study(spec, out)
    before = snapshot(project)

    def fail(study, say):
        raise DataError("persons: a data problem")

    monkeypatch.setattr(runner, "compute", fail)
    assert main(["--quiet", "study", "run", str(spec), "--out", str(out)]) == 2
    assert snapshot(project) == before  # not even a temporary folder was made


@pytest.mark.parametrize("exchange", [True, False], ids=["exchange", "two renames"])
def test_failed_final_move_leaves_the_old_output_complete(project, fast, monkeypatch,
                                                          exchange):
    spec, out = project / "specs" / "holf.toml", project / "out"
    run_study(spec, out)
    old = contents(out)
    real = os.rename

    def fail(a, b):
        raise OSError(28, "No space left on device", str(b))

    def fail_final(a, b):
        if Path(b) == out.resolve() and Path(a).name.endswith(".tmp"):
            fail(a, b)
        real(a, b)

    if exchange:
        monkeypatch.setattr(io, "_exchange", fail)
    else:  # where there is no atomic exchange: old aside, new in (fails), old back
        monkeypatch.setattr(io, "_exchange", lambda a, b: False)
        monkeypatch.setattr(os, "rename", fail_final)
    code = main(["--quiet", "study", "run", str(spec), "--out", str(out)])
    assert code == 1  # not bad input: the disk failed
    assert contents(out) == old
    assert sorted(p.name for p in project.iterdir()) == ["data", "docs", "out", "specs"]


def test_stale_temporary_folder_is_cleaned_up_lookalike_left_alone(project, fast):
    spec, out = project / "specs" / "holf.toml", project / "out"
    run_study(spec, out)
    code = ("import os, sys\n"  # a run killed while writing (kill -9, a crash)
            "from effekt._io import output_folder\n"
            "with output_folder(sys.argv[1], 'study') as d:\n"
            "    (d / 'report.html').write_text('half written')\n"
            "    os._exit(9)\n")
    assert subprocess.run([sys.executable, "-c", code, str(out)], cwd=REPO).returncode == 9
    [stale] = [p for p in project.iterdir() if p.name.startswith(".out.")]
    assert stale.name.endswith(".tmp") and (stale / MARKER).is_file()
    lookalike = project / ".out.zz99zz99.tmp"
    lookalike.mkdir()
    (lookalike / "draft.txt").write_text("a user's draft in a folder named like effekt's")
    keep = snapshot(lookalike)
    run_study(spec, out)
    assert not stale.exists()
    assert snapshot(lookalike) == keep
    assert sorted(p.name for p in project.iterdir()) == [lookalike.name, "data", "docs", "out",
                                                         "specs"]


def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


@pytest.mark.parametrize("umask", [0o022, 0o002])
def test_output_follows_the_umask(project, fast, umask):
    old = os.umask(umask)
    try:
        out = project / "shared" / "holf"
        run_study(project / "specs" / "holf.toml", out)
    finally:
        os.umask(old)
    assert _mode(project / "shared") == _mode(out) == _mode(out / "tables") == 0o777 & ~umask
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) > 5
    assert {_mode(p) for p in files} == {0o666 & ~umask}
