"""The README's Python example runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


# the README sets TWFE beside Callaway-Sant'Anna on staggered adoption, which TWFE warns of
@pytest.mark.filterwarnings("ignore:.*adoption is staggered:effekt.errors.EffektWarning")
def test_readme_python_example_runs(capsys, tmp_path, monkeypatch):
    # the blocks continue one another (one namespace), and write into a scratch folder
    matplotlib.use("Agg")
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert blocks, "the README has no Python example"
    namespace: dict = {}
    for code in blocks:
        exec(compile(code, str(README), "exec"), namespace)
    assert "event_time" in capsys.readouterr().out
    assert (tmp_path / "out" / "table.tex").read_text().startswith(r"\begin{tabular}")
