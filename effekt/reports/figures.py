"""Report figures as base64 PNG, deterministic (no software or date in the metadata).

Figures are drawn from the disclosed results only: suppressed estimates (``None``) are not
drawn.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from typing import Any

from effekt.plotting import event_study_plot

__all__ = ["event_study_png", "love_plot_png"]


def _png(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _figure(width: float, height: float):
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    matplotlib.rcParams["svg.hashsalt"] = "effekt"
    return plt.subplots(figsize=(width, height))


Number = Callable[[float, int], str]


def _ticks(axis: Any, number: Number | None, decimals: int | None = None) -> None:
    """Write an axis's tick labels with the report's number format (decimal comma, minus)."""
    if number is None:
        return
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    def fmt(x: float, _pos: int) -> str:
        if decimals is not None:
            return number(x, decimals)
        ticks = axis.get_ticklocs()
        step = min((abs(b - a) for a, b in zip(ticks, ticks[1:], strict=False) if b != a),
                   default=1.0)
        d = 0 if step >= 1 else 1 if step >= 0.1 else 2
        return number(x, d)

    if decimals == 0:
        axis.set_major_locator(MaxNLocator(integer=True))
    axis.set_major_formatter(FuncFormatter(fmt))


def event_study_png(
    rows: list[dict[str, Any]], xlabel: str, ylabel: str,
    legend: tuple[str, str] = ("pre-treatment", "post-treatment"),
    number: Number | None = None, title: str | None = None,
) -> str | None:
    """Event-study plot (estimates and 95% CIs, reference -1 as an open circle).

    Returns the PNG as base64, or None when no row may be drawn. ``number(x, decimals)``
    formats the tick labels (the report's locale); default: matplotlib's own. ``title``
    goes above the plot.

    Examples
    --------
    >>> rows = [{"event_time": 0, "estimate": 1.0, "ci_lower": 0.5, "ci_upper": 1.5}]
    >>> event_study_png(rows, "e", "y")[:8]
    'iVBORw0K'
    """
    shown = [r for r in rows if r.get("estimate") is not None]
    if not shown:
        return None
    fig, ax = _figure(6.5, 3.4)
    x = [r["event_time"] for r in shown]
    event_study_plot(x, [r["estimate"] for r in shown], [r["ci_lower"] for r in shown],
                     [r["ci_upper"] for r in shown], reference=-1, xlabel=xlabel,
                     ylabel=ylabel, legend=legend, ax=ax)
    if title:
        ax.set_title(title, fontsize=10)
    ax.set_xticks(sorted({*x, -1}))
    _ticks(ax.xaxis, number, 0)
    _ticks(ax.yaxis, number)
    fig.tight_layout()
    return _png(fig)


def love_plot_png(rows: list[dict[str, Any]], labels: tuple[str, str], title: str,
                  names: Callable[[str], str] = str, number: Number | None = None
                  ) -> str | None:
    """Love plot: absolute SMD before and after matching per covariate (and cohort).

    ``names`` gives a covariate's label; ``number`` formats the tick labels.

    Examples
    --------
    >>> rows = [{"cohort": 2018, "covariate": "x", "smd_before": 0.5, "smd_after": 0.05}]
    >>> love_plot_png(rows, ("before", "after"), "balance")[:8]
    'iVBORw0K'
    """
    shown = [r for r in rows if r.get("smd_before") is not None and r.get("smd_after") is not None]
    if not shown:
        return None
    ylabels = [f"{names(r['covariate'])} ({r['cohort']})" if r.get("cohort")
               else names(r["covariate"]) for r in shown]
    fig, ax = _figure(6.5, 0.8 + 0.28 * len(shown))
    ys = list(range(len(shown)))[::-1]
    ax.scatter([abs(r["smd_before"]) for r in shown], ys, marker="o", facecolors="none",
               edgecolors="#888888", label=labels[0])
    ax.scatter([abs(r["smd_after"]) for r in shown], ys, marker="o", color="#1f5f99",
               label=labels[1])
    ax.axvline(0.1, color="grey", lw=0.8, ls="--")
    ax.set_yticks(ys)
    ax.set_yticklabels(ylabels, fontsize=8)
    ax.set_xlabel("|SMD|")
    _ticks(ax.xaxis, number)
    ax.set_title(title, fontsize=10)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return _png(fig)
