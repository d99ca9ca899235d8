"""matplotlib figures shared by the results objects and the reports.

Every function takes ``ax=None`` (a new figure is made when omitted) and returns the Axes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["PRE_COLOUR", "POST_COLOUR", "event_study_plot"]

PRE_COLOUR = "#888888"
POST_COLOUR = "#1f5f99"


def event_study_plot(
    event_time: Sequence[float],
    estimate: Sequence[float],
    ci_lower: Sequence[float],
    ci_upper: Sequence[float],
    *,
    uniform_lower: Sequence[float] | None = None,
    uniform_upper: Sequence[float] | None = None,
    reference: float | None = None,
    xlabel: str = "event time (periods since start)",
    ylabel: str = "effect",
    title: str | None = None,
    legend: tuple[str, str] = ("pre-treatment", "post-treatment"),
    ax: Any = None,
) -> Any:
    """Draw an event study: estimates with pointwise (thick) and uniform (thin) bands.

    Pre-treatment event times (``< 0``) are grey, post-treatment ones blue; a line marks
    0, and the reference period, when given, is an open circle at 0 with a dotted line.

    Parameters
    ----------
    event_time, estimate, ci_lower, ci_upper : sequences of float
        One entry per event time; NaN bounds draw no band.
    uniform_lower, uniform_upper : sequences of float, optional
        A simultaneous (uniform) band, drawn thin behind the pointwise one.
    reference : float, optional
        The normalised reference period (estimate 0 by construction).
    xlabel, ylabel, title : str
        Axis labels and title.
    legend : (str, str)
        Legend entries of the pre- and post-treatment estimates.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = event_study_plot([-2, 0, 1], [0.1, 1.0, 1.5], [-0.3, 0.5, 0.9], [0.5, 1.5, 2.1],
    ...                       reference=-1)
    >>> len(ax.collections) > 0
    True
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4))
    x = np.asarray(event_time, dtype=float)
    est = np.asarray(estimate, dtype=float)
    lo, hi = np.asarray(ci_lower, dtype=float), np.asarray(ci_upper, dtype=float)
    pre = x < 0
    for mask, colour, label in ((pre, PRE_COLOUR, legend[0]), (~pre, POST_COLOUR, legend[1])):
        if not mask.any():
            continue
        if uniform_lower is not None and uniform_upper is not None:
            ax.vlines(x[mask], np.asarray(uniform_lower, float)[mask],
                      np.asarray(uniform_upper, float)[mask], color=colour, linewidth=1,
                      alpha=0.6)
        ax.vlines(x[mask], lo[mask], hi[mask], color=colour, linewidth=3)
        ax.plot(x[mask], est[mask], "o", color=colour, label=label)
    if reference is not None:
        ax.plot([reference], [0.0], "o", mfc="white", color=POST_COLOUR)
        ax.axvline(reference + 0.5, color="grey", linewidth=0.8, linestyle=":")
    ax.axhline(0.0, color="black", linewidth=0.8)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.legend(loc="best", frameon=False)
    return ax
