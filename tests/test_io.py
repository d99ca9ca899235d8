"""The one output rule (effekt._io): where effekt may write, and how it replaces outputs.

Every test works in ``tmp_path`` only. "Nothing touched" is checked with a snapshot of the
whole tree (every path, its bytes and its mtime, and the mtime of the root, which changes
when anything is created or deleted in it, even a temporary folder removed again).
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import effekt._io as io
from effekt import write_table
from effekt._io import (
    MARKER,
    atomic_write_text,
    check_output_file,
    check_output_folder,
    output_folder,
)
from effekt.errors import SpecError
from effekt.synthetic import generate, write

REPO = Path(__file__).resolve().parents[1]


def snapshot(root: Path) -> dict[str, tuple]:
    """Every path under ``root`` with its bytes (files) and mtime, and the root's mtime."""
    seen: dict[str, tuple] = {".": (root.stat().st_mtime_ns,)}
    for p in sorted(root.rglob("*")):
        data = None if p.is_dir() else p.read_bytes()
        seen[p.relative_to(root).as_posix()] = (data, p.stat().st_mtime_ns)
    return seen


def write_out(path: Path, kind: str = "study", text: str = "new") -> None:
    with output_folder(path, kind) as tmp:
        (tmp / "report.html").write_text(text)
        (tmp / "tables").mkdir()
        (tmp / "tables" / "a.csv").write_text("x\n1\n")


def leave_stale(target: Path, kind: str = "study") -> None:
    """Kill a process while it writes into ``target``, as a crash or kill -9 would."""
    code = ("import os, sys\n"
            "from effekt._io import output_folder\n"
            "with output_folder(sys.argv[1], sys.argv[2]) as d:\n"
            "    (d / 'report.html').write_text('half written')\n"
            "    os._exit(9)\n")
    proc = subprocess.run([sys.executable, "-c", code, str(target), kind], cwd=REPO)
    assert proc.returncode == 9


def beside(target: Path) -> list[str]:
    """The hidden temporary folders beside ``target``."""
    return sorted(p.name for p in target.parent.iterdir() if p.name.startswith("."))


# -- folders: which ones effekt writes into ----------------------------------------------

def test_absent_and_empty_folders_are_written_with_a_manifest(tmp_path):
    write_out(tmp_path / "new" / "out")  # the parent is created too
    (tmp_path / "empty").mkdir()
    write_out(tmp_path / "empty")
    for out in (tmp_path / "new" / "out", tmp_path / "empty"):
        marker = json.loads((out / MARKER).read_text())
        assert marker["kind"] == "study"
        assert marker["files"] == ["report.html", "tables/a.csv"]
        assert (out / "report.html").read_text() == "new"
        assert beside(out) == []


def test_earlier_output_of_the_same_kind_is_replaced_as_a_whole(tmp_path):
    out = tmp_path / "out"
    with output_folder(out, "study") as tmp:
        (tmp / "old_only.txt").write_text("from the first run")
        (tmp / "report.html").write_text("old")
    (out / "report.html").write_text("old, edited by the user")  # still effekt's file
    write_out(out)
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "report.html", "tables"]
    assert (out / "report.html").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no .tmp or .old left


@pytest.mark.parametrize(("make", "message"), [
    (lambda d: (d / "thesis.docx").write_text("mine"),
     "is not empty and not an effekt output: it holds 1 file or folder effekt did not write"),
    (lambda d: (d / "sub").mkdir(),
     "is not empty and not an effekt output: it holds 1 file or folder effekt did not write"),
    (lambda d: ((d / "a").write_text("1"), (d / "b").write_text("2")),
     "it holds 2 files or folders effekt did not write"),
    (lambda d: (d / MARKER).write_text("not json"), "is not empty and not an effekt output"),
    (lambda d: write_out(d, kind="synthetic"),
     "is an effekt synthetic output, not a study output; choose another folder."),
    (lambda d: (write_out(d), (d / "tables" / "notes.txt").write_text("mine")),
     "is an earlier effekt study output, but it also holds 1 file effekt did not write, "
     "which replacing it would delete; move them out or choose another folder."),
    (lambda d: (write_out(d), (d / "link").symlink_to(d.parent, target_is_directory=True)),
     "is an earlier effekt study output, but it also holds 1 file effekt did not write"),
], ids=["user file", "user folder", "two user files", "broken manifest", "other kind",
        "own output with a user file added", "own output with a user's link added"])
def test_any_other_folder_is_refused_and_untouched(tmp_path, make, message):
    out = tmp_path / "out"
    out.mkdir()
    make(out)
    before = snapshot(tmp_path)
    for attempt in (lambda: write_out(out), lambda: check_output_folder(out, "study")):
        with pytest.raises(SpecError) as err:
            attempt()
        assert str(err.value).startswith(f"output folder {out} "), err.value
        assert message in str(err.value) and "\n" not in str(err.value)
    assert snapshot(tmp_path) == before


def test_a_file_is_not_an_output_folder(tmp_path):
    (tmp_path / "out").write_text("mine")
    before = snapshot(tmp_path)
    with pytest.raises(SpecError, match=r"output folder .*out is a file, not a folder"):
        write_out(tmp_path / "out")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(("out", "message"), [
    ("data", "is the data folder; effekt never writes over it"),
    (".", "holds the data folder; effekt never writes over it"),
    ("data/reports", "is inside the data folder; effekt never writes there"),
    ("spec.toml", "is the spec; effekt never writes over it"),
])
def test_protected_paths_are_refused(tmp_path, out, message):
    root = tmp_path / "project"
    (root / "data").mkdir(parents=True)
    write(generate(seed=1, scale=0.01), root / "data" / "x")  # an effekt output, even
    (root / "spec.toml").write_text("title = 'x'\n")
    protect = {"the data folder": root / "data", "the spec": root / "spec.toml"}
    before = snapshot(tmp_path)
    with pytest.raises(SpecError, match=message):
        with output_folder(root / out, "synthetic", protect=protect) as tmp:
            (tmp / "a").write_text("never")
    assert snapshot(tmp_path) == before


def test_a_failing_writer_leaves_the_earlier_output_and_no_temporary_folder(tmp_path):
    out = tmp_path / "out"
    write_out(out, text="old")
    before = snapshot(tmp_path)
    with pytest.raises(RuntimeError, match="disk on fire"):
        with output_folder(out, "study") as tmp:
            (tmp / "report.html").write_text("half")
            raise RuntimeError("disk on fire")
    after = snapshot(tmp_path)
    del before["."], after["."]  # the temporary folder came and went
    assert after == before


def test_the_folder_is_checked_again_before_the_swap(tmp_path):
    out = tmp_path / "out"
    write_out(out, text="old")
    with pytest.raises(SpecError, match="also holds 1 file effekt did not write"):
        with output_folder(out, "study") as tmp:
            (tmp / "report.html").write_text("new")
            (out / "notes.txt").write_text("saved there by a user while the study ran")
    assert (out / "notes.txt").exists() and (out / "report.html").read_text() == "old"
    assert beside(out) == []


# -- the swap: the target is never missing ------------------------------------------------

@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="renameat2 is Linux's")
def test_replacing_swaps_in_one_step_on_linux(tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_out(out, text="old")
    moved = []
    real = os.rename
    monkeypatch.setattr(os, "rename", lambda a, b: (moved.append(Path(a)), real(a, b)))
    write_out(out)
    assert out.resolve() not in moved  # the old output was never moved away: one atomic exchange
    assert (out / "report.html").read_text() == "new"
    assert beside(out) == []


@pytest.mark.parametrize("where", ["exchange fails", "no exchange, final rename fails"])
def test_a_failed_swap_keeps_the_old_output_complete(tmp_path, monkeypatch, where):
    out = tmp_path / "out"
    write_out(out, text="old")
    old = {k: v[0] for k, v in snapshot(out).items() if k != "."}
    real = os.rename

    def fail_exchange(a, b):
        raise OSError(5, "I/O error", str(b))

    def fail_final(a, b):
        if Path(b) == out.resolve() and Path(a).name.endswith(".tmp"):
            raise OSError(5, "I/O error", str(b))
        real(a, b)

    if where == "exchange fails":
        monkeypatch.setattr(io, "_exchange", fail_exchange)
    else:
        monkeypatch.setattr(io, "_exchange", lambda a, b: False)
        monkeypatch.setattr(os, "rename", fail_final)
    with pytest.raises(OSError, match="I/O error"):
        write_out(out)
    assert {k: v[0] for k, v in snapshot(out).items() if k != "."} == old
    assert beside(out) == []


def test_fallback_swap_without_exchange_replaces(tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_out(out, text="old")
    monkeypatch.setattr(io, "_exchange", lambda a, b: False)  # e.g. macOS, some shares
    write_out(out)
    assert (out / "report.html").read_text() == "new"
    assert beside(out) == []


# -- stale temporary folders --------------------------------------------------------------

def test_a_killed_run_is_cleaned_up_by_the_next_and_lookalikes_are_left_alone(tmp_path):
    out = tmp_path / "out"
    write_out(out, text="old")
    leave_stale(out)
    stale = beside(out)
    assert len(stale) == 1 and stale[0].startswith(".out.") and stale[0].endswith(".tmp")
    assert (out / "report.html").read_text() == "old"  # the killed run changed nothing
    lookalike = tmp_path / ".out.abcd1234.tmp"  # the same pattern, but not effekt's
    lookalike.mkdir()
    (lookalike / "mine.txt").write_text("a user's file")
    other = tmp_path / ".other.abcd1234.tmp"  # effekt's, but of another output
    write_out(other)
    keep = snapshot(lookalike), snapshot(other)
    write_out(out)
    assert beside(out) == sorted([lookalike.name, other.name])
    assert (snapshot(lookalike), snapshot(other)) == keep
    assert (out / "report.html").read_text() == "new"


# -- permissions follow the umask ---------------------------------------------------------

def _mode(p: Path) -> int:
    return stat.S_IMODE(p.stat().st_mode)


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_folders_and_files_follow_the_umask(tmp_path, umask):
    old = os.umask(umask)
    try:
        out = tmp_path / "shared" / "out"
        write_out(out)
        table = write_table(pd.DataFrame({"a": [1]}), tmp_path / "new" / "t.csv")
        text = atomic_write_text(tmp_path / "a.txt", "hi")
    finally:
        os.umask(old)
    for folder in (tmp_path / "shared", out, out / "tables", table.parent):
        assert _mode(folder) == 0o777 & ~umask, folder
    for file in (out / "report.html", out / MARKER, out / "tables" / "a.csv", table, text):
        assert _mode(file) == 0o666 & ~umask, file


# -- single files ------------------------------------------------------------------------

def test_an_existing_file_is_replaced_only_when_asked(tmp_path):
    mine = tmp_path / "mine.csv"
    mine.write_text("the user's own file")
    before = snapshot(tmp_path)
    message = (r"output file .*mine.csv exists; effekt replaces a file only when asked "
               r"\(--force, or overwrite=True in Python\). Nothing was written.")
    with pytest.raises(SpecError, match=message):
        atomic_write_text(mine, "new")
    with pytest.raises(SpecError, match=message):
        write_table(pd.DataFrame({"a": [1]}), mine)
    assert snapshot(tmp_path) == before
    write_table(pd.DataFrame({"a": [1]}), mine, overwrite=True)
    assert mine.read_text().startswith(",a")
    assert check_output_file(mine, overwrite=True) == mine


def test_a_folder_is_never_replaced_by_a_file(tmp_path):
    (tmp_path / "t.csv").mkdir()
    (tmp_path / "t.csv" / "inside.txt").write_text("mine")
    before = snapshot(tmp_path)
    for overwrite in (False, True):
        with pytest.raises(SpecError, match=r"output file .*t.csv is a folder; give a file"):
            write_table(pd.DataFrame({"a": [1]}), tmp_path / "t.csv", overwrite=overwrite)
    assert snapshot(tmp_path) == before


# -- synthetic.write follows the same rule -------------------------------------------------

def test_synthetic_write_follows_the_folder_rule(tmp_path):
    m = generate(seed=1, scale=0.01)
    out = tmp_path / "synthetic"
    write(m, out)
    first = json.loads((out / MARKER).read_text())
    assert first["kind"] == "synthetic" and "manifest.json" in first["files"]
    write(m, out)  # its own earlier output: replaced
    assert json.loads((out / MARKER).read_text()) == first
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "budget.xlsx").write_text("a user's file")
    write_out(tmp_path / "study")
    before = snapshot(tmp_path)
    with pytest.raises(SpecError, match="is not empty and not an effekt output"):
        write(m, tmp_path / "mine")
    with pytest.raises(SpecError, match="is an effekt study output, not a synthetic output"):
        write(m, tmp_path / "study")
    assert snapshot(tmp_path) == before


def test_the_committed_synthetic_data_is_marked_so_effekt_synth_can_regenerate_it():
    committed = REPO / "synthetic_data"
    assert check_output_folder(committed, "synthetic") == committed.resolve()
