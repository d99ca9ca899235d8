"""The result of the Goodman-Bacon decomposition: :class:`BaconDecomposition`.

Made by :func:`effekt.estimators.did.diagnostics.bacon.bacon_decomposition`. The
decomposition is descriptive: it says which 2x2 comparisons the TWFE coefficient averages
and with what weights, and carries no standard errors, so it is a
:class:`~effekt.results.ResultsBase` and not an :class:`~effekt.results.EffectResults`
(its ``to_frame()`` has ``estimate`` and ``weight``, no ``std_error`` … ``p_value``).

References
----------
Goodman-Bacon, A. (2021). Difference-in-differences with variation in treatment timing.
*Journal of Econometrics* 225(2), 254-277.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from effekt._docs import fill_doc
from effekt.results import ResultsBase, figure_of, format_table

__all__ = ["COMPARISON_TYPES", "BaconDecomposition", "ComparisonType"]

ComparisonType = Literal["treated_vs_never", "treated_vs_always", "earlier_vs_later",
                         "later_vs_earlier"]
COMPARISON_TYPES: tuple[str, ...] = ("treated_vs_never", "treated_vs_always",
                                     "earlier_vs_later", "later_vs_earlier")
"""The comparison types, in the order of every table."""

_WORDS = {
    "treated_vs_never": "treated vs never treated",
    "treated_vs_always": "treated vs always treated",
    "earlier_vs_later": "earlier vs later treated",
    "later_vs_earlier": "later vs earlier treated (already-treated control)",
}
_MARKERS = {"treated_vs_never": "o", "treated_vs_always": "D", "earlier_vs_later": "^",
            "later_vs_earlier": "v"}
_COLOURS = {"treated_vs_never": "#1f5f99", "treated_vs_always": "#6a3d9a",
            "earlier_vs_later": "#33a02c", "later_vs_earlier": "#e31a1c"}
_MAX_ROWS = 40  # the summary lists every 2x2 up to this many


@dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class BaconDecomposition(ResultsBase):
    """The TWFE DiD coefficient as a weighted average of 2x2 DiD estimates.

    Every row is one 2x2 comparison of a *treated* timing group with a *control* group
    over the periods where only the treated group's treatment changes (Goodman-Bacon
    2021, Theorem 1). The weights are positive and sum to 1, and
    ``sum(weight * estimate)`` equals :attr:`twfe_estimate`, the coefficient of the
    treatment in an OLS regression with unit and period fixed effects.

    Cohorts are labelled by their first treated period; the never-treated group has
    cohort 0 and the always-treated group (treated in every period of the panel) the
    first period. ``comparison_type`` says which kind of comparison a row is.

    Attributes
    ----------
    outcome, unit, time, cohort : str
        The columns used.
    twfe_estimate : float
        The TWFE coefficient, computed directly (the within regression on the two-way
        demeaned treatment).
    comparison_type : numpy.ndarray of str
        One of :data:`COMPARISON_TYPES` per 2x2.
    treated, control : numpy.ndarray
        The cohorts compared (0: never treated; the first period: always treated).
    estimate, weight : numpy.ndarray
        The 2x2 DiD estimates and their weights in the TWFE coefficient.
    n_treated, n_control : numpy.ndarray of int
        Units in the treated and the control group of each 2x2.
    n_units, n_periods, nobs : int
        Units, periods and rows of the (balanced) panel.
    cohorts : numpy.ndarray
        The timing groups' cohorts (first treated period, treated within the panel).
    n_never, n_always : int
        Never-treated units (cohort 0, missing or after the last period) and
        always-treated units (cohort at or before the first period).
    periods : numpy.ndarray
        The periods, sorted.
    estimand : str
        What is decomposed, in words.

    Examples
    --------
    >>> from effekt.estimators import bacon_decomposition
    >>> from effekt.synthetic.examples import staggered_panel
    >>> df = staggered_panel(n_units=60, periods=6, cohorts=(3, 5), seed=1)
    >>> dec = bacon_decomposition(df, outcome="y", unit="id", time="t", cohort="g")
    >>> by = dec.by_type()
    >>> round(float(by["weight"].sum()), 10), by["n_comparisons"].tolist()
    (1.0, [2, 1, 1])
    >>> bool(abs(by["weight"] @ by["estimate"] - dec.twfe_estimate) < 1e-10)
    True
    """

    outcome: str
    unit: str
    time: str
    cohort: str
    twfe_estimate: float
    comparison_type: np.ndarray
    treated: np.ndarray
    control: np.ndarray
    estimate: np.ndarray
    weight: np.ndarray
    n_treated: np.ndarray
    n_control: np.ndarray
    n_units: int
    n_periods: int
    nobs: int
    cohorts: np.ndarray
    n_never: int
    n_always: int
    periods: np.ndarray
    estimand: str = (
        "The TWFE coefficient of a binary absorbing treatment (unit and period fixed "
        "effects, OLS) written as a weighted average of every 2x2 DiD between timing "
        "groups and the never or always treated (Goodman-Bacon 2021); descriptive, "
        "no inference"
    )

    label_columns: tuple[str, ...] = ("comparison_type", "treated", "control")
    inference: str = "none: the decomposition is descriptive (no standard errors)"

    def to_frame(self) -> pd.DataFrame:
        """Return one row per 2x2: type, treated and control cohort, estimate, weight.

        Columns: ``comparison_type``, ``treated``, ``control`` (cohorts, 0 for the never
        treated, the first period for the always treated), ``estimate``, ``weight``,
        ``n_treated``, ``n_control``. There are no ``std_error`` … ``p_value`` columns:
        the decomposition is descriptive.
        """
        return pd.DataFrame({
            "comparison_type": self.comparison_type.astype(object),
            "treated": self.treated.copy(),
            "control": self.control.copy(),
            "estimate": self.estimate.copy(),
            "weight": self.weight.copy(),
            "n_treated": self.n_treated.copy(),
            "n_control": self.n_control.copy(),
        })

    def by_type(self) -> pd.DataFrame:
        """Return the total weight and the weighted mean estimate of each comparison type.

        Index ``comparison_type`` (the types present, in the order of
        :data:`COMPARISON_TYPES`); columns ``weight`` (summing to 1 over the types),
        ``estimate`` (the weight-weighted mean of the type's 2x2 estimates, so that
        ``sum(weight * estimate)`` is again :attr:`twfe_estimate`) and
        ``n_comparisons``.
        """
        rows = []
        for kind in COMPARISON_TYPES:
            pick = self.comparison_type == kind
            if not pick.any():
                continue
            w = self.weight[pick]
            rows.append({"comparison_type": kind, "weight": float(w.sum()),
                         "estimate": float(w @ self.estimate[pick] / w.sum()),
                         "n_comparisons": int(pick.sum())})
        return pd.DataFrame(rows).set_index("comparison_type")

    def summary(self) -> str:
        """Return a deterministic text summary: the design, the weights by type, the 2x2s."""
        title = "Goodman-Bacon decomposition of the TWFE coefficient"
        timing = self.cohorts
        rows = [
            ("Estimand", self.estimand),
            ("Outcome", self.outcome),
            ("Panel", f"{self.n_units} units x {self.n_periods} periods ({self.nobs} rows)"),
            ("Timing groups", f"{timing.size} ({', '.join(_show(timing))})"),
            ("Never treated", f"{self.n_never} units"),
            ("Always treated", f"{self.n_always} units"),
            ("TWFE estimate", f"{self.twfe_estimate:.6f}"),
            ("Sum of weights", f"{self.weight.sum():.6f}"),
            ("Inference", self.inference),
        ]
        width = max(len(k) for k, _ in rows)
        lines = [title, "=" * len(title), *(f"{k.ljust(width)} : {v}" for k, v in rows)]
        text = "\n".join(lines)
        text += "\n\nBy comparison type\n" + format_table(self.by_type(),
                                                          integers=["n_comparisons"])
        frame = self.to_frame()
        if len(frame) <= _MAX_ROWS:
            table = frame.set_index(list(self.label_columns))
            text += "\n\n2x2 comparisons\n" + format_table(
                table, integers=["n_treated", "n_control"])
        else:
            text += (f"\n\n{len(frame)} 2x2 comparisons: see to_frame() for each estimate "
                     "and weight.")
        return text

    @fill_doc
    def plot(self, ax=None):
        """Plot each 2x2 estimate (y) against its weight (x), marked by comparison type.

        A horizontal line marks the TWFE coefficient, the weighted mean of the points.

        Parameters
        ----------
        %(results_plot)s
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4.5))
        for kind in COMPARISON_TYPES:
            pick = self.comparison_type == kind
            if pick.any():
                ax.scatter(self.weight[pick], self.estimate[pick], marker=_MARKERS[kind],
                           color=_COLOURS[kind], label=_WORDS[kind], alpha=0.85)
        ax.axhline(self.twfe_estimate, color="black", linestyle="--", linewidth=1,
                   label=f"TWFE estimate {self.twfe_estimate:.4g}")
        ax.set_xlabel("Weight")
        ax.set_ylabel(f"2x2 DiD estimate ({self.outcome})")
        ax.set_title("Goodman-Bacon decomposition")
        ax.legend(fontsize="small")
        return figure_of(ax)


def _show(values: np.ndarray) -> list[str]:
    return [f"{v:g}" if isinstance(v, float | np.floating) else str(v) for v in values]
