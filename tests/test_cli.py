"""The effekt command: synth, demo, exit codes, one-line errors, help and version."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import effekt
from effekt.cli import DEFAULT_SCALE, DEFAULT_SEED, _parser, main
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


@pytest.mark.slow
def test_demo_prints_summary_and_checks_committed_data(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "effekt.cli", "demo", "--out", str(tmp_path)],
        capture_output=True, text=True, check=True, cwd=REPO,
    )
    assert "Synthetic municipality" in proc.stdout
    assert "identical to the committed synthetic_data/: yes" in proc.stdout
    assert (tmp_path / "synthetic" / "manifest.json").exists()
    # the planted truth in each study's unit, the budget of that municipality
    assert "  holf, per family:" in proc.stdout and "  samhandling, per person:" in proc.stdout
    assert "Unngått kostnad over 8 år per sektor (positivt = spart; 90 % intervall):" \
        in proc.stdout
    assert (tmp_path / "budget" / "results.xlsx").exists()
    assert not (tmp_path / "budget" / "assumptions.xlsx").exists()


# -- the demo's budget, fast: the studies replaced by results that follow the contract -----

def _fake_results(pilot: str, sector: str, effect: float, *, inputs: bool = True) -> dict:
    entry = {"outcome": f"cost_{sector}", "kind": "nok", "sector": sector,
             "nok_per_unit": 1.0, "n_cases": 30.0, "horizon": 3, "beyond": "zero",
             "event_time": [0, 1, 2], "estimate": [effect] * 3,
             "vcov": [[1e4 if i == j else 0.0 for j in range(3)] for i in range(3)]}
    out = {"spec": {"language": "nb", "exposure": {"pilot": pilot}},
           "main": {"outcome": f"cost_{sector}", "suppressed": False, "estimate": effect,
                    "ci_lower": effect - 200, "ci_upper": effect + 200},
           "outcomes": [{"outcome": f"cost_{sector}", "label": None}]}
    if inputs:
        out["budget_inputs"] = [entry]
    return out


@pytest.fixture
def quick_demo(monkeypatch):
    """The demo with the two studies replaced by contract results on a small municipality."""
    import effekt.study
    import effekt.study.runner
    from effekt.data import RecordStore

    m = generate(seed=2, scale=0.01)
    store = RecordStore.from_frames(**{k: m.tables[k] for k in (
        "persons", "measures", "service_events", "outcomes", "exposures", "providers")})
    calls = []
    fake = {"holf": _fake_results("holf", "nav", -2000.0),
            "samhandling": _fake_results("samhandling", "barnevern", -300.0)}

    def run_study(spec, out, progress=None):
        calls.append(spec.pilot)
        return fake[spec.pilot]

    monkeypatch.setattr(effekt.study, "run_study", run_study)
    monkeypatch.setattr(effekt.study.runner, "open_data", lambda study: (store, {}))
    return fake, calls


def test_demo_joins_the_studies_to_the_budget(tmp_path, capsys, quick_demo):
    fake, calls = quick_demo
    assert main(["demo", "--out", str(tmp_path), "--scale", "0.01", "--seed", "4"]) == 0
    out = capsys.readouterr().out
    assert calls == ["holf", "samhandling"]
    # the planted truth in the unit of each study (HOLF per family, samhandling per person)
    assert "  holf, per family:" in out and "  samhandling, per person:" in out
    assert "cost_nav" in out.split("holf, per family:")[1].split("samhandling")[0]
    # the budget: per sector over the horizon with a 90 % interval, positive = saved
    assert "Unngått kostnad over 3 år per sektor (positivt = spart; 90 % intervall):" in out
    nav = next(line for line in out.splitlines() if line.startswith("  NAV (kommunal del)"))
    assert "180\u00a0000" in nav  # 2,000 NOK a case x 30 cases x 3 years, saved
    assert "tilbakeholdt pott" in out
    book = tmp_path / "budget" / "results.xlsx"
    assert book.exists()
    import openpyxl

    assert openpyxl.load_workbook(book).sheetnames[0] == "Sammendrag"
    # a second demo replaces its own budget folder
    assert main(["--quiet", "demo", "--out", str(tmp_path), "--scale", "0.01",
                 "--language", "en"]) == 0
    assert openpyxl.load_workbook(book).sheetnames[0] == "Summary"


def test_demo_without_budget_inputs_fails_clearly(tmp_path, capsys, quick_demo):
    fake, _ = quick_demo
    fake["samhandling"] = _fake_results("samhandling", "barnevern", -300.0, inputs=False)
    assert main(["demo", "--out", str(tmp_path), "--scale", "0.01"]) == 2
    err = [x for x in capsys.readouterr().err.splitlines() if x.startswith("effekt: error")]
    assert err[0].startswith("effekt: error: studies[1] (samhandling): the results have no "
                             "'budget_inputs'")
    assert not (tmp_path / "budget").exists()


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


# -- the command line as git and pip have it: --version, plain-text help, usage errors ------

CLI = [sys.executable, "-m", "effekt.cli"]
SPEC = REPO / "studies" / "samhandling.toml"


def _effekt(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "80"}  # argparse wraps help to the terminal's width
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=REPO, env=env)


def _commands() -> list[tuple[list[str], argparse.ArgumentParser]]:
    """Every parser of the command line with the words that reach it, top level first."""
    found = []
    todo = [([], _parser())]
    while todo:
        words, parser = todo.pop(0)
        found.append((words, parser))
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                todo += [([*words, name], sp) for name, sp in action.choices.items()]
    return found


COMMANDS = _commands()


def test_version():
    proc = _effekt("--version")
    assert proc.returncode == 0
    assert proc.stdout == f"effekt {effekt.__version__}\n"


def test_every_command_is_reachable():
    names = {" ".join(words) for words, _ in COMMANDS}
    assert names == {"", "synth", "budget", "budget template", "budget run", "study",
                     "study run", "study check", "demo", "register", "register add",
                     "register add-external", "register show", "register export",
                     "register portfolio"} | ({"study lock"} & names)


@pytest.mark.parametrize(("words", "parser"), COMMANDS,
                         ids=[" ".join(w) or "effekt" for w, _ in COMMANDS])
def test_help_is_plain_text_and_describes_every_argument(words, parser):
    proc = _effekt(*words, "--help")
    assert proc.returncode == 0 and proc.stderr == ""
    text = proc.stdout
    assert text.startswith(f"usage: {' '.join(['effekt', *words])} ")
    for markup in ("``", ":func:", ":class:", ":mod:", ".. "):
        assert markup not in text
    assert parser.description and parser.description.strip() in text
    assert "exit codes:" in text or "<command> --help" in text
    for action in parser._actions:
        # every argument has a help text of its own, shown in --help
        assert action.help and action.help is not argparse.SUPPRESS, action.dest
        shown = action.option_strings or [action.metavar or action.dest]
        assert all(s in text for s in shown), shown
        assert " ".join(action.help.split()[:3]) in text, action.help
        if isinstance(action, argparse._SubParsersAction):
            for choice in action._choices_actions:  # each subcommand's one-line help
                assert choice.help and f"{choice.dest}  " in text
                assert choice.help in text


def test_help_and_version_load_no_command_dependencies():
    # `import effekt` loads the estimators (numpy, pandas, scipy: effekt.att_gt at the top);
    # the data engine, statsmodels and matplotlib come only with the commands that use them
    code = ("import sys\n"
            "from effekt.cli import main\n"
            "for argv in (['--help'], ['--version'], ['study', 'run', '--help']):\n"
            "    try:\n"
            "        main(argv)\n"
            "    except SystemExit:\n"
            "        pass\n"
            "heavy = ('statsmodels', 'ibis', 'duckdb', 'matplotlib', 'openpyxl')\n"
            "print(' '.join(m for m in heavy if m in sys.modules), file=sys.stderr)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=REPO, check=True)
    assert proc.stderr == "\n"


@pytest.mark.parametrize("words", [[], ["study"], ["budget"], ["--quiet", "study"]])
def test_no_command_prints_usage_and_a_hint_exit_2(words):
    proc = _effekt(*words)
    assert proc.returncode == 2 and proc.stdout == ""
    prog = " ".join(["effekt", *(w for w in words if not w.startswith("-"))])
    assert proc.stderr.splitlines() == [
        proc.stderr.splitlines()[0],  # the usage, checked below
        f"{prog}: error: no command given",
        f"hint: see '{prog} --help'.",
    ]
    assert proc.stderr.startswith(f"usage: {prog} ")


def test_unknown_command_and_missing_argument_exit_2_with_hint():
    proc = _effekt("no-such-command")
    assert proc.returncode == 2
    assert "invalid choice: 'no-such-command'" in proc.stderr
    assert proc.stderr.endswith("hint: see 'effekt --help'.\n")
    proc = _effekt("study", "check")
    assert proc.returncode == 2
    assert proc.stderr.endswith("hint: see 'effekt study check --help'.\n")


def test_study_check_progress_on_stderr():
    proc = _effekt("study", "check", str(SPEC))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"{SPEC}: ok (staggered_did, person × year, 4 outcomes)\n"
    assert proc.stderr.splitlines() == [
        f"effekt: reading the spec {SPEC}",
        "effekt: opening the data (../synthetic_data) and checking the spec's names against it",
    ]


@pytest.mark.parametrize("where", ["before", "after"])
def test_study_check_quiet_prints_nothing(where):
    args = ["study", "check", str(SPEC)]
    proc = _effekt(*(["--quiet", *args] if where == "before" else [*args, "--quiet"]))
    assert proc.returncode == 0, proc.stderr
    assert (proc.stdout, proc.stderr) == ("", "")


def test_study_check_progress_goes_through_the_runner_function(monkeypatch, capsys):
    """study check reports through effekt.study.runner.progress_to_stderr, as study run does."""
    import effekt.study.runner as runner

    said: list[str] = []
    monkeypatch.setattr(runner, "progress_to_stderr", said.append)
    assert main(["study", "check", str(SPEC)]) == 0
    assert [s.split(" ")[0] for s in said] == ["reading", "opening"]
    assert capsys.readouterr().err == ""


# -- the output rule on the command line: --force for single files, never for folders ------

def _tree(root: Path) -> dict[str, tuple]:
    """Every path under ``root`` with its bytes (files) and mtime, and the root's mtime."""
    seen: dict[str, tuple] = {".": (root.stat().st_mtime_ns,)}
    for p in sorted(root.rglob("*")):
        seen[p.relative_to(root).as_posix()] = (None if p.is_dir() else p.read_bytes(),
                                                 p.stat().st_mtime_ns)
    return seen


def _refusal(capsys: pytest.CaptureFixture[str]) -> str:
    """The one error line of a refusal (then the hint), checked."""
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and err[0].startswith("effekt: error: ") and err[1].startswith("hint: ")
    return err[0].removeprefix("effekt: error: ")


def test_budget_template_refuses_an_existing_file_unless_force(tmp_path, capsys):
    book = tmp_path / "assumptions.xlsx"
    book.write_bytes(b"a workbook the user has filled in")
    before = _tree(tmp_path)
    assert main(["budget", "template", str(book)]) == 2
    assert _refusal(capsys) == (
        f"output file {book} exists; effekt replaces a file only when asked (--force, or "
        "overwrite=True in Python). Nothing was written.")
    assert _tree(tmp_path) == before
    assert main(["--quiet", "budget", "template", str(book), "--force"]) == 0
    assert book.read_bytes()[:2] == b"PK"  # now the template (an .xlsx is a zip file)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["assumptions.xlsx"]


def test_budget_run_refuses_existing_results_unless_force_and_never_a_folder(tmp_path, capsys):
    book = tmp_path / "assumptions.xlsx"
    assert main(["--quiet", "budget", "template", str(book)]) == 0
    results = tmp_path / "assumptions_results.xlsx"
    results.write_bytes(b"last year's results, annotated")
    before = _tree(tmp_path)
    assert main(["--quiet", "budget", "run", str(book), "--seed", "1"]) == 2
    assert _refusal(capsys).startswith(f"output file {results} exists; effekt replaces a file "
                                       "only when asked (--force")
    (tmp_path / "out.xlsx").mkdir()
    for extra in ([], ["--force"]):
        assert main(["--quiet", "budget", "run", str(book), "--out",
                     str(tmp_path / "out.xlsx"), *extra]) == 2
        assert _refusal(capsys) == (f"output file {tmp_path / 'out.xlsx'} is a folder; give a "
                                    "file name.")
    del before["."]
    after = _tree(tmp_path)
    del after["."], after["out.xlsx"]
    assert after == before
    assert main(["--quiet", "budget", "run", str(book), "--seed", "1", "--force"]) == 0
    assert results.read_bytes()[:2] == b"PK"
    # --force never allows writing over the input
    assert main(["--quiet", "budget", "run", str(book), "--out", str(book), "--force"]) == 2
    assert "must differ from the input workbook" in _refusal(capsys)


def test_synth_refuses_a_folder_of_user_files_and_replaces_its_own(tmp_path, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "persons.parquet").write_bytes(b"a user's own table")
    before = _tree(tmp_path)
    assert main(["--quiet", "synth", "--scale", "0.01", "--out", str(mine)]) == 2
    assert _refusal(capsys) == (
        f"output folder {mine} is not empty and not an effekt output: it holds 1 file or "
        "folder effekt did not write. effekt writes only into a new or empty folder or its own "
        "earlier output; choose another folder.")
    assert _tree(tmp_path) == before
    out = tmp_path / "synthetic"
    assert main(["--quiet", "synth", "--seed", "3", "--scale", "0.01", "--out", str(out)]) == 0
    assert main(["--quiet", "synth", "--seed", "4", "--scale", "0.01", "--out", str(out)]) == 0
    assert matches_folder(generate(seed=4, scale=0.01), out)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine", "synthetic"]


@pytest.mark.parametrize("command", [["synth"], ["study", "run", "SPEC"]])
def test_folder_outputs_have_no_force(command, capsys):
    words = [w for w in command if w != "SPEC"]
    parser = dict((" ".join(w), p) for w, p in COMMANDS)[" ".join(words)]
    assert "--force" not in {s for a in parser._actions for s in a.option_strings}
    out_help = next(a.help for a in parser._actions if "--out" in a.option_strings)
    assert "refused (exit 2)" in out_help and "no --force for folders" in out_help


def test_the_demo_prints_the_planted_truth_in_each_studys_unit():
    """HOLF's studies estimate per family, samhandling's per person: the truth follows."""
    from effekt.synthetic import describe

    m = generate(seed=3, scale=0.05)
    text = describe(m, units={"holf": "family", "samhandling": "person"},
                    outcomes={"holf": ["social_assistance_months", "cost_nav", "employed"],
                              "samhandling": ["cost_barnevern"]})
    holf = text.split("  holf, per family:\n")[1].split("  samhandling")[0].splitlines()
    rows = {line.split()[0]: [float(x.replace(",", "")) for x in
                              line.split(None, 1)[1].replace("(persons)", "").split(" / ")]
            for line in holf}
    assert list(rows) == ["social_assistance_months", "cost_nav", "employed"]
    # per family, NAV's cost effect is the household's social-assistance months x 9,718 NOK
    # (the payments are NAV service events): the same unit as the study's estimate
    assert rows["cost_nav"][1] == pytest.approx(9_718 * rows["social_assistance_months"][1],
                                                rel=0.02)
    assert "employed (persons)" in text  # a family mean of members: shown per person
    person = m.truth[(m.truth["pilot"] == "holf") & (m.truth["outcome"] == "cost_nav")
                     & (m.truth["event_time"] == 2)]
    per_person = (person["effect"] * person["n_units"]).sum() / person["n_units"].sum()
    assert abs(rows["cost_nav"][1]) > 1.5 * abs(per_person)  # not the old per-person figure
    assert "  samhandling, per person:\n      cost_barnevern" in text
