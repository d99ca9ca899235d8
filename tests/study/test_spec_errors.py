"""Spec loading (issue 10): every problem of a spec at once, encodings, seeds, folders.

Before, a spec's errors arrived one run at a time, a file in another encoding gave a
UnicodeDecodeError (exit 1), and ``seed = -1`` a numpy ValueError only after the data were
built. Now :func:`effekt.study.load_spec` raises one SpecError listing every problem, each
with its key, and the command line exits 2 with the list.
"""

from pathlib import Path

import pytest

from effekt.cli import main
from effekt.errors import SpecError
from effekt.study import load_spec

ROOT = Path(__file__).parents[2]
GOOD = (ROOT / "tests" / "fixtures" / "studies" / "good.toml").read_text().replace(
    "../../../synthetic_data", str(ROOT / "synthetic_data"))


def _spec(tmp_path, text, name="s.toml"):
    f = tmp_path / name
    if isinstance(text, bytes):
        f.write_bytes(text)
    else:
        f.write_text(text, encoding="utf-8")
    return f


def test_good_spec_loads(tmp_path):
    assert load_spec(_spec(tmp_path, GOOD)).seed == 1


def test_not_utf8(tmp_path, capsys):
    f = _spec(tmp_path, GOOD.replace('title = "', 'title = "Bærum ').encode("latin-1"))
    with pytest.raises(SpecError, match=r"s.toml: not UTF-8 text \(byte 10 is 0xe6\); save the "
                       r"spec as UTF-8"):
        load_spec(f)
    assert main(["study", "check", str(f)]) == 2
    err = capsys.readouterr().err
    assert "effekt: error: s.toml: not UTF-8 text" in err and "Traceback" not in err


def test_negative_seed_refused_at_load(tmp_path):
    with pytest.raises(SpecError, match=r"^s.toml: seed: must be an integer >= 0, got -1\.$"):
        load_spec(_spec(tmp_path, GOOD.replace("seed = 1", "seed = -1")))
    synthetic = GOOD.replace(f'folder = "{ROOT / "synthetic_data"}"',
                             "synthetic = {seed = -3, scale = 0.05}")
    with pytest.raises(SpecError, match=r"data.synthetic.seed: must be an integer >= 0, got -3"):
        load_spec(_spec(tmp_path, synthetic))


def test_every_problem_at_once(tmp_path, capsys):
    text = (GOOD.replace("seed = 1", "seed = -1")
            .replace('unit = "family"', "unit = 3")
            .replace('pilot = "holf"', 'pilot = "holf"\nanticipation = -2')
            .replace('type = "matched_did"', 'type = "matched_did"\nratio = 0\ncolour = "red"'))
    f = _spec(tmp_path, text)
    with pytest.raises(SpecError) as info:
        load_spec(f)
    message = str(info.value)
    assert message.startswith("s.toml: 5 problems:\n"), message
    for line in ("  - seed: must be an integer >= 0, got -1.",
                 "  - population.unit: expected a str, got int 3.",
                 "  - exposure.anticipation: must be an integer >= 0, got -2.",
                 "  - design.colour: unknown key; allowed keys here: ",
                 "  - design.ratio: must be an integer >= 1, got 0."):
        assert line in message, message
    assert main(["study", "check", str(f)]) == 2
    err = capsys.readouterr().err
    assert "effekt: error: s.toml: 5 problems:" in err and "Traceback" not in err


def test_a_missing_table_is_one_problem_not_a_cascade(tmp_path):
    text = GOOD.replace('[population]\nunit = "family"\n', "")
    with pytest.raises(SpecError, match=r"^s.toml: population: missing required key \(table\)"
                       r"\.$"):
        load_spec(_spec(tmp_path, text))


@pytest.mark.parametrize(("extra", "key", "problem"), [
    ('[budget]\nn_cases = -5', "budget.n_cases", "must be a number >= 0, got -5"),
    ("caliper = -0.1", "design.caliper", "must be a positive number, got -0.1"),
    ("window = [-1, -1]", "design.window", r"\[-1, -1\] holds only the reference event time -1"),
])
def test_option_values(tmp_path, extra, key, problem):
    text = GOOD + "\n" + extra + "\n" if extra.startswith("[") else GOOD.replace(
        'type = "matched_did"', f'type = "matched_did"\n{extra}')
    with pytest.raises(SpecError, match=rf"^s.toml: {key}: {problem}"):
        load_spec(_spec(tmp_path, text))


def test_dates(tmp_path):
    text = GOOD.replace('unit = "family"',
                        'unit = "family"\nstart = "2020-01-01"\nend = "2019-01-01"')
    with pytest.raises(SpecError, match=r"population.end: '2019-01-01' comes before start "
                       r"'2020-01-01'"):
        load_spec(_spec(tmp_path, text))
    with pytest.raises(SpecError, match=r"population.start: '' is not a date"):
        load_spec(_spec(tmp_path, GOOD.replace('unit = "family"',
                                               'unit = "family"\nstart = ""')))


def test_a_folder_is_no_spec(tmp_path):
    with pytest.raises(SpecError, match=r"is a folder, not a spec file"):
        load_spec(tmp_path)
