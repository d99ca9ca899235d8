"""matplotlib figures shared by the results objects and the reports.

Every function takes ``ax=None`` (a new figure is made when omitted) and returns the Axes
it drew on: these are the building blocks. The results objects' ``plot()`` methods call
them and return the whole :class:`~matplotlib.figure.Figure` (see :mod:`effekt.results`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from effekt._docs import fill_doc

__all__ = ["POST_COLOUR", "PRE_COLOUR", "coefficient_plot", "event_study_plot"]

PRE_COLOUR = "#888888"
POST_COLOUR = "#1f5f99"


@fill_doc
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
    %(plot_ax)s

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


@fill_doc
def coefficient_plot(
    frame: Any,
    *,
    label: str,
    xlabel: str = "estimate (95% CI)",
    title: str | None = None,
    ax: Any = None,
) -> Any:
    """Draw estimates with their confidence intervals, one row per estimate.

    Parameters
    ----------
    frame : pandas.DataFrame
        A results table (``to_frame()``) with ``estimate``, ``ci_lower``, ``ci_upper`` and
        the ``label`` column naming each row.
    label : str
        The column with the row labels (``term``, ``estimator``).
    xlabel, title : str
        Axis label and title.
    %(plot_ax)s

    Examples
    --------
    >>> import pandas as pd
    >>> f = pd.DataFrame({"term": ["a", "b"], "estimate": [1.0, 2.0], "ci_lower": [0.5, 1.0],
    ...                   "ci_upper": [1.5, 3.0]})
    >>> [t.get_text() for t in coefficient_plot(f, label="term").get_yticklabels()]
    ['a', 'b']
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(5, 1.2 + 0.6 * len(frame)))
    est = np.asarray(frame["estimate"], dtype=float)
    lo = np.asarray(frame["ci_lower"], dtype=float)
    hi = np.asarray(frame["ci_upper"], dtype=float)
    pos = np.arange(len(est))[::-1]
    ax.errorbar(est, pos, xerr=[est - lo, hi - est], fmt="o", color=POST_COLOUR, capsize=4)
    ax.axvline(0.0, color="grey", linewidth=1, linestyle="--")
    ax.set_yticks(pos, [str(v) for v in frame[label]])
    ax.set_xlabel(xlabel)
    if title:
        ax.set_title(title)
    return ax
