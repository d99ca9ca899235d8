"""Shared test fixtures."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

REPO = Path(__file__).resolve().parents[1]

# the fixture folders hold data and the scripts that made it (run by hand, reading ../shared):
# not tests, and not modules to import for doctests
collect_ignore_glob = ["fixtures/*"]
SHARED_REFERENCE = REPO.parent / "shared" / "reference"


@pytest.fixture(scope="session")
def shared_reference() -> Path:
    """The ../shared/reference folder beside the project; skip where it is missing."""
    if not SHARED_REFERENCE.is_dir():
        pytest.skip(f"reference data not found at {SHARED_REFERENCE} (../shared beside the repo)")
    return SHARED_REFERENCE
