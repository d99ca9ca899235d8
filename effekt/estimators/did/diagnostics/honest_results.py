"""The result of the HonestDiD sensitivity analysis: :class:`HonestDiDResult`.

Made by :func:`effekt.estimators.did.diagnostics.honest.honest_did` (and
:func:`~effekt.estimators.did.diagnostics.honest.honest_did_from_estimates`). It holds one
robust confidence set per value of the sensitivity parameter (``Mbar`` for relative
magnitudes, ``M`` for smoothness), the original (parallel-trends) interval and the
breakdown value. It is a :class:`~effekt.results.ResultsBase`, not an effect result: its
``to_frame()`` is one row per value of the parameter.

References
----------
Rambachan, A. & Roth, J. (2023). A more credible approach to parallel trends. *Review of
Economic Studies* 90(5), 2555-2591.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from effekt._docs import fill_doc
from effekt.results import ResultsBase, figure_of, format_table

__all__ = ["HonestDiDResult"]

_METHOD_WORDS = {
    "C-LF": "conditional least-favourable hybrid test of Andrews, Roth & Pakes (2023) "
            "(first-stage size alpha/10), inverted over a grid of theta",
    "Conditional": "conditional test of Andrews, Roth & Pakes (2023), inverted over a grid "
                   "of theta",
    "FLCI": "optimal fixed-length confidence interval (Armstrong & Kolesar 2018, 2020)",
}


@dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class HonestDiDResult(ResultsBase):
    """Robust confidence sets for a post-treatment effect under bounded violations of PT.

    Attributes
    ----------
    restriction : str
        ``"relative_magnitude"`` (``Delta^RM(Mbar)``) or ``"smoothness"`` (``Delta^SD(M)``).
    method : str
        ``"C-LF"``, ``"Conditional"`` or ``"FLCI"``: how each set is built.
    m : numpy.ndarray
        The values of ``Mbar`` (or ``M``), one per set.
    ci_lower, ci_upper : numpy.ndarray
        The robust confidence sets (their lowest and highest accepted value).
    id_lower, id_upper : numpy.ndarray
        The identified sets at the point estimates (what the sets shrink to without noise).
    original : tuple of float
        The interval under exact parallel trends: ``estimate +/- z * std_error`` (normal).
    estimate, std_error : float
        The point estimate of the parameter ``l' beta_post`` and its standard error.
    l_vec : numpy.ndarray
        Weights of the post-treatment coefficients defining the parameter.
    post_event_times, pre_event_times : numpy.ndarray
        Event times of the coefficients used.
    alpha : float
        One minus the confidence level.
    breakdown : float
        The smallest value in ``m`` whose set contains 0 (NaN if none does).
    breakdown_value : float
        The breakdown found by bisection between grid values: the smallest ``Mbar`` (``M``)
        whose set contains 0, to the stated tolerance (NaN if no value of ``m`` reaches 0).
    breakdown_note : str
        How the breakdown was found, or why there is none.
    parameter : str
        The parameter in words.
    construction : str
        How the sets were computed (grid, root finding), in words.
    """

    restriction: str
    method: str
    m: np.ndarray
    ci_lower: np.ndarray
    ci_upper: np.ndarray
    id_lower: np.ndarray
    id_upper: np.ndarray
    original: tuple[float, float]
    estimate: float
    std_error: float
    l_vec: np.ndarray = field(repr=False)
    post_event_times: np.ndarray = field(repr=False)
    pre_event_times: np.ndarray = field(repr=False)
    alpha: float
    breakdown: float
    breakdown_value: float
    breakdown_note: str
    parameter: str
    construction: str

    @property
    def level(self) -> float:
        """The confidence level, ``1 - alpha``."""
        return 1 - self.alpha

    @property
    def symbol(self) -> str:
        """``"Mbar"`` for relative magnitudes, ``"M"`` for smoothness."""
        return "Mbar" if self.restriction == "relative_magnitude" else "M"

    @property
    def estimand(self) -> str:
        """The parameter and what the restriction assumes, in words."""
        if self.restriction == "relative_magnitude":
            what = ("relative magnitudes, Delta^RM(Mbar): the post-treatment violation of "
                    "parallel trends between consecutive periods is at most Mbar times the "
                    "largest pre-treatment violation between consecutive periods")
        else:
            what = ("smoothness, Delta^SD(M): the violation of parallel trends may deviate "
                    "from a linear trend, its slope changing by at most M between "
                    "consecutive periods (M = 0: an exactly linear trend, extrapolated from "
                    "the pre-treatment periods)")
        return f"{self.parameter}, robust to violations of parallel trends bounded by {what}"

    @property
    def inference(self) -> str:
        """How each set is computed, in words."""
        return f"{_METHOD_WORDS[self.method]}; {self.construction}"

    def to_frame(self) -> pd.DataFrame:
        """One row per value of ``m``.

        Columns: ``m``, ``ci_lower``, ``ci_upper``, ``method``, ``restriction``,
        ``id_lower``, ``id_upper`` (the identified set at the point estimates; NaN when the
        pre-treatment estimates themselves lie outside the restriction, so that set is
        empty, as for ``M = 0`` with pre-trends that are not linear). The original interval
        is :attr:`original`, not a row.
        """
        n = self.m.size
        return pd.DataFrame({
            "m": self.m, "ci_lower": self.ci_lower, "ci_upper": self.ci_upper,
            "method": [self.method] * n, "restriction": [self.restriction] * n,
            "id_lower": self.id_lower, "id_upper": self.id_upper,
        })

    def summary(self) -> str:
        """Return a deterministic text summary."""
        title = "HonestDiD sensitivity analysis (Rambachan & Roth 2023)"
        lo, hi = self.original
        if np.isfinite(self.breakdown_value):
            brk = (f"{self.symbol} = {self.breakdown_value:.4g} (bisection); grid: "
                   f"{self.breakdown:.4g}")
        else:
            brk = "none in the grid"
        rows = [
            ("Parameter", self.parameter),
            ("Restriction", self.estimand.split("bounded by ", 1)[1]),
            ("Method", f"{self.method}: {_METHOD_WORDS[self.method]}"),
            ("Construction", self.construction),
            ("Periods", f"{self.pre_event_times.size} pre-treatment, "
                        f"{self.post_event_times.size} post-treatment"),
            ("Estimate", f"{self.estimate:.4f} (std. error {self.std_error:.4f})"),
            (f"Original {self.level:.0%} CI", f"[{lo:.4f}, {hi:.4f}] (parallel trends)"),
            ("Breakdown", brk),
        ]
        width = max(len(k) for k, _ in rows)
        lines = [title, "=" * len(title)] + [f"{k.ljust(width)} : {v}" for k, v in rows]
        table = self.to_frame().drop(columns=["method", "restriction"]).set_index("m")
        table.index.name = self.symbol
        text = "\n".join(lines) + "\n\n" + format_table(table, digits=5)
        return text + "\n\n" + self.breakdown_note

    @fill_doc
    def plot(self, ax=None):
        """Sensitivity plot: the robust sets against ``m``, the original interval first.

        Parameters
        ----------
        %(results_plot)s
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4))
        step = np.diff(self.m).min() if self.m.size > 1 else max(abs(self.m[0]), 1.0)
        x0 = self.m.min() - step
        ax.vlines([x0], [self.original[0]], [self.original[1]], color="#888888", linewidth=3,
                  label="original")
        ax.vlines(self.m, self.ci_lower, self.ci_upper, color="#1f5f99", linewidth=3,
                  label=f"robust ({self.method})")
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_xticks(np.r_[x0, self.m])
        ax.set_xticklabels(["original"] + [f"{v:g}" for v in self.m])
        ax.set_xlabel(self.symbol)
        ax.set_ylabel(f"{self.level:.0%} confidence set")
        ax.set_title(f"Sensitivity to violations of parallel trends ({self.restriction})")
        ax.legend(loc="best")
        return figure_of(ax)
