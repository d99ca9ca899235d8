# effekt: two commands do everything on a fresh machine.
#   make demo   run the main job on the embedded synthetic data
#   make test   lint and run the whole test suite
#   make docs   the documentation site (notebooks executed) into docs/_build/html;
#               make docs-check is the fast check (notebooks not executed)
# Each creates the virtual environment in .venv and installs effekt into it when needed.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: venv demo test test-fast lint bench clean docs docs-check

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/effekt demo

lint: $(STAMP)
	$(VENV)/bin/ruff check effekt tests benchmarks

test: lint
	$(VENV)/bin/pytest

test-fast: $(STAMP)
	$(VENV)/bin/pytest -m "not slow"

bench: $(STAMP)
	$(PY) benchmarks/run.py

# Sphinx: a warning fails the build. The autosummary stubs are regenerated on every build
# (an object that was renamed leaves no stale page behind); the notebooks' execution mode
# is chosen here, on the command line.
SPHINX := $(PY) -m sphinx -W --keep-going -b html

docs: $(STAMP)
	rm -rf docs/api/generated
	$(SPHINX) -D nb_execution_mode=force docs docs/_build/html

docs-check: $(STAMP)
	rm -rf docs/api/generated
	$(SPHINX) -D nb_execution_mode=off docs docs/_build/check

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache
