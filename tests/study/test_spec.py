"""Study specs: validation errors name file, key and problem; the CLI's study commands."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from effekt.cli import main
from effekt.errors import SpecError
from effekt.study import check_study, load_spec

FIXTURES = Path(__file__).parents[1] / "fixtures" / "studies"
ROOT = Path(__file__).parents[2]

# (fixture, key named in the message, words of the problem)
BAD = [
    ("unknown_key.toml", "colour", "unknown key"),
    ("missing_key.toml", "population.unit", "missing required key"),
    ("wrong_type.toml", "population.unit", "expected a str, got int"),
    ("unknown_design.toml", "design.type", "unknown design 'regression_discontinuity'"),
    ("unknown_outcome.toml", "outcomes[0].name", "'happiness' is not an outcome in the data"),
    ("seed_not_int.toml", "seed", "expected a int, got str"),
    ("missing_path.toml", "data.folder", "does not exist"),
]


@pytest.mark.parametrize(("name", "key", "problem"), BAD)
def test_bad_spec_names_file_key_and_problem(name, key, problem):
    with pytest.raises(SpecError) as info:
        check_study(FIXTURES / name)
    message = str(info.value)
    assert message.startswith(f"{name}: {key}: ")
    assert problem in message


def test_good_fixture_and_shipped_specs_validate():
    s = load_spec(FIXTURES / "good.toml")
    assert (s.design.type, s.unit, s.language, s.min_cell) == ("matched_did", "family", "nb", 5)
    assert dict(s.design.options)["pre_periods"] == 2
    for spec in ("holf", "samhandling"):
        study = check_study(ROOT / "studies" / f"{spec}.toml")
        assert study.data.folder == (ROOT / "synthetic_data").resolve()
    assert load_spec(ROOT / "studies" / "samhandling.toml").design.type == "staggered_did"


def test_missing_spec_file_and_invalid_toml(tmp_path):
    with pytest.raises(SpecError, match="does not exist"):
        load_spec(tmp_path / "nope.toml")
    bad = tmp_path / "broken.toml"
    bad.write_text("title = \n")
    with pytest.raises(SpecError, match="broken.toml: not valid TOML"):
        load_spec(bad)


def test_design_option_checks(tmp_path):
    text = (FIXTURES / "good.toml").read_text().replace("../../../synthetic_data",
                                                         str(ROOT / "synthetic_data"))
    for extra, key in [("window = [0, 3]", "design.window"), ("ratio = 0", "design.ratio"),
                       ("control = \"never\"", "design.control")]:
        f = tmp_path / "s.toml"
        f.write_text(text + "\n" + extra + "\n")
        with pytest.raises(SpecError, match=f"s.toml: {key}: "):
            load_spec(f)


@pytest.mark.parametrize(("name", "key", "problem"), BAD)
def test_cli_bad_spec_exit_2_one_line_nothing_written(name, key, problem, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["study", "run", str(FIXTURES / name), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []  # no temporary folder left behind either
    lines = err.strip().splitlines()[-2:]  # progress lines may come before
    assert lines[0].startswith("effekt: error: ") and key in lines[0]
    assert lines[1].startswith("hint: ")
    assert "Traceback" not in err


def test_failed_rerun_keeps_earlier_report(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.html").write_text("earlier report")
    code = main(["study", "run", str(FIXTURES / "unknown_outcome.toml"), "--out", str(out)])
    assert code == 2
    assert (out / "report.html").read_text() == "earlier report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_cli_check_and_debug(tmp_path, capsys):
    assert main(["study", "check", str(ROOT / "studies" / "holf.toml")]) == 0
    assert "ok (matched_did" in capsys.readouterr().out
    assert main(["--quiet", "study", "check", str(ROOT / "studies" / "holf.toml")]) == 0
    assert capsys.readouterr().out == ""
    assert main(["study", "check", str(FIXTURES / "wrong_type.toml"), "--debug"]) == 2
    assert "Traceback" in capsys.readouterr().err


def test_cli_failure_exit_1(tmp_path, capsys, monkeypatch):
    import effekt.study.runner as runner

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    spec = tmp_path / "holf.toml"
    shutil.copy(ROOT / "studies" / "holf.toml", spec)
    spec.write_text(spec.read_text().replace('"../synthetic_data"',
                                             repr(str(ROOT / "synthetic_data"))))
    monkeypatch.setattr(runner, "_write_outputs", boom)
    out = tmp_path / "out"
    code = main(["study", "run", str(spec), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1
    assert "effekt: failed: RuntimeError: disk on fire" in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["holf.toml"]
