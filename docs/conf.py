"""Sphinx configuration of the effekt documentation.

Build with ``make docs`` (executes the notebooks) or ``make docs-check`` (the fast check:
notebooks rendered without executing them). Both pass ``-W --keep-going``, so a warning
fails the build. The notebook execution mode is chosen on the command line, e.g.
``-D nb_execution_mode=off``; nothing here reads the environment.
"""

from __future__ import annotations

import inspect
import os
import sys
import tempfile
from pathlib import Path

from sphinx.errors import PycodeError
from sphinx.pycode import ModuleAnalyzer

import effekt

DOCS = Path(__file__).resolve().parent
REPO = DOCS.parent

# -- the notebooks -------------------------------------------------------------------------
# The notebooks live in ../notebooks (stored without outputs, run by tests/test_notebooks.py).
# Sphinx reads only files inside the source folder, so every build copies them, found by glob,
# into docs/notebooks/ (git-ignored): a copy, not a symlink, so the source tree holds nothing
# that differs by platform, and a file is rewritten only when its content changed (Sphinx
# then rereads only that notebook). Copies of notebooks that were removed are deleted.


def _sync_notebooks(source: Path, target: Path) -> None:
    target.mkdir(exist_ok=True)
    wanted = {p.name: p for p in sorted(source.glob("*.ipynb"))}
    for old in target.glob("*.ipynb"):
        if old.name not in wanted:
            old.unlink()
    for name, path in wanted.items():
        data = path.read_bytes()
        copy = target / name
        if copy.exists() and copy.read_bytes() == data:
            continue
        fd, tmp = tempfile.mkstemp(dir=target, prefix=f".{name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, copy)


_sync_notebooks(REPO / "notebooks", DOCS / "notebooks")

# -- project -------------------------------------------------------------------------------

project = "effekt"
author = "effekt developers"
copyright = "effekt developers, BSD-3-Clause"  # noqa: A001 - Sphinx reads this name
release = effekt.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "myst_nb",  # Markdown pages (MyST) and notebooks
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "**/.ipynb_checkpoints"]
root_doc = "index"
language = "en"

# -- API reference -------------------------------------------------------------------------
# api/index.md lists the packages; autosummary writes one page per package and per public
# name into api/generated/ (git-ignored) from the templates in _templates/autosummary/.
# Each package page lists the names in the package's __all__, so a name added there is
# documented without editing the docs.

autosummary_generate = True
autosummary_ignore_module_all = False  # a package's members are its __all__
autodoc_typehints = "signature"
autodoc_member_order = "bysource"


numpydoc_show_class_members = False  # autodoc documents members; avoids duplicate objects
numpydoc_class_members_toctree = False

# -- notebooks (myst-nb) -------------------------------------------------------------------
# "force" executes every notebook on each build (make docs); make docs-check and
# tests/test_docs.py pass -D nb_execution_mode=off.

nb_execution_mode = "force"
nb_execution_timeout = 600  # seconds per cell; the four notebooks take about 75 s together
nb_execution_raise_on_error = True  # a failing cell fails the build
nb_execution_show_tb = True
nb_execution_in_temp = True  # notebooks find their data through effekt.__file__
nb_merge_streams = True

myst_heading_anchors = 3

# -- HTML ----------------------------------------------------------------------------------

html_theme = "alabaster"
html_title = f"effekt {release}"
html_theme_options = {
    "description": "Effects of municipal welfare measures, and trajectory budgets",
    "fixed_sidebar": False,
    "page_width": "1240px",
    "body_max_width": "auto",
}
html_static_path: list[str] = []
html_show_sourcelink = False

# -- re-exported constants -------------------------------------------------------------


def _constant_docstring(app, what, name, obj, options, lines) -> None:
    """Describe a constant a package re-exports with the doc-comment where it is defined.

    autodoc reads ``#:`` comments and attribute docstrings of the module that a name is
    documented under (the package), not of the submodule that defines it, and for an
    instance without its own docstring it shows its type's (``tuple``: "Built-in
    immutable sequence."). Replace that with the defining module's doc-comment, or nothing.
    """
    if what not in ("data", "attribute") or inspect.isclass(obj):
        return
    if lines and inspect.cleandoc("\n".join(lines)) == inspect.getdoc(type(obj)):
        lines.clear()
    if lines:
        return
    package, _, attr = name.rpartition(".")
    for modname in sorted(m for m in sys.modules if m.startswith(f"{package}.")):
        if vars(sys.modules[modname]).get(attr, None) is not obj:
            continue
        try:
            docs = ModuleAnalyzer.for_module(modname).find_attr_docs().get(("", attr))
        except PycodeError:
            continue
        if docs:
            lines.extend(docs)
            return


def setup(app) -> None:  # noqa: D103 - Sphinx's hook
    # before numpydoc (priority 500), which rewrites the lines
    app.connect("autodoc-process-docstring", _constant_docstring, priority=400)
