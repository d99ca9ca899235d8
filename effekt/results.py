"""Shared pieces of the immutable results classes.

Every estimator returns a frozen dataclass that mixes in :class:`ResultsBase`:
``summary()`` gives one text (nothing in it changes from run to run), and both
``__str__`` and ``_repr_html_`` are derived from it, as in linearmodels'
summary objects.
"""

from __future__ import annotations

import html
from abc import ABC, abstractmethod

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["ResultsBase", "confidence_interval", "format_table", "p_value"]


def confidence_interval(
    estimate: np.ndarray, std_error: np.ndarray, level: float = 0.95, crit: float | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Return the normal (or ``crit``-based) interval ``estimate ± crit * std_error``."""
    if crit is None:
        crit = float(stats.norm.ppf(0.5 + level / 2))
    est = np.asarray(estimate, dtype=float)
    se = np.asarray(std_error, dtype=float)
    return est - crit * se, est + crit * se


def p_value(estimate: np.ndarray, std_error: np.ndarray) -> np.ndarray:
    """Two-sided normal p-value of ``estimate / std_error``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.asarray(estimate, dtype=float) / np.asarray(std_error, dtype=float)
    return 2 * stats.norm.sf(np.abs(z))


def format_table(frame: pd.DataFrame, digits: int = 4) -> str:
    """Format a numeric table for ``summary()`` with a fixed number of decimals."""
    return frame.to_string(float_format=lambda x: f"{x:.{digits}f}", na_rep="NaN")


class ResultsBase(ABC):
    """Mixin giving ``__str__``, ``__repr__`` and ``_repr_html_`` from ``summary()``.

    Subclasses are frozen dataclasses declared with ``repr=False`` so that the summary,
    not a dump of every array the result holds, is what a console shows.
    """

    @abstractmethod
    def summary(self) -> str:
        """Return the text summary (deterministic: nothing that changes between runs)."""

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(self.summary())}</pre>"
