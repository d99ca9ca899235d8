"""The documentation builds without a warning, has its pages, and its guides' code runs.

The build is the fast check of ``make docs-check`` (notebooks rendered, not executed). It
runs on a copy of ``docs/`` and ``notebooks/`` in a temporary folder, so the test writes
nothing into the working tree (the notebook copies and autosummary stubs a build makes)
and stale files there cannot change its outcome.
"""

from __future__ import annotations

import importlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib
import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
GUIDES = sorted((DOCS / "guides").glob("*.md"))
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
PACKAGES = ["effekt", "effekt.errors", "effekt.data", "effekt.synthetic", "effekt.estimators",
            "effekt.budgeting", "effekt.study", "effekt.power", "effekt.register",
            "effekt.reports", "effekt.plotting"]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("docs")
    shutil.copytree(DOCS, root / "docs", ignore=shutil.ignore_patterns(
        "_build", "generated", "notebooks", ".ipynb_checkpoints"))
    shutil.copytree(REPO / "notebooks", root / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    out = root / "html"
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html",
         "-D", "nb_execution_mode=off", "-q", str(root / "docs"), str(out)],
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert proc.returncode == 0, f"the docs build failed:\n{proc.stderr}{proc.stdout[-2000:]}"
    return out


def test_user_pages_exist(site: Path) -> None:
    pages = ["index", "design", "contracts", "notebooks", "api/index",
             "guides/researcher", "guides/evaluator", "guides/finance"]
    missing = [p for p in pages if not (site / f"{p}.html").is_file()]
    assert not missing, f"pages missing from the built site: {missing}"
    assert "Results protocol" in (site / "design.html").read_text(encoding="utf-8")


def test_every_notebook_is_rendered(site: Path) -> None:
    assert NOTEBOOKS, "no notebooks found"
    for nb in NOTEBOOKS:
        page = site / "notebooks" / f"{nb.stem}.html"
        assert page.is_file(), f"{nb.name} has no page in the site"


@pytest.mark.parametrize("package", PACKAGES)
def test_api_page_of_every_public_name(site: Path, package: str) -> None:
    api = site / "api" / "generated"
    assert (api / f"{package}.html").is_file(), f"no API page for {package}"
    names = [n for n in importlib.import_module(package).__all__ if not n.startswith("_")]
    missing = [n for n in names if not (api / f"{package}.{n}.html").is_file()]
    assert not missing, f"{package}: public names without an API page: {missing}"


# the researcher guide runs TWFE on staggered adoption on purpose, to show its warning
@pytest.mark.filterwarnings("ignore:.*adoption is staggered:effekt.errors.EffektWarning")
@pytest.mark.parametrize("guide", GUIDES, ids=[g.stem for g in GUIDES])
def test_guide_code_runs(guide: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every ```python block of a guide runs, in order, from the repository's root."""
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    blocks = re.findall(r"```python\n(.*?)```", guide.read_text(encoding="utf-8"), re.S)
    assert blocks, f"{guide.name} has no Python example"
    monkeypatch.chdir(REPO)
    namespace: dict[str, object] = {}
    try:
        for code in blocks:
            exec(compile(code, str(guide), "exec"), namespace)
    finally:
        plt.close("all")
