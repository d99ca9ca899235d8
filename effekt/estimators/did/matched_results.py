"""The results object of :func:`effekt.estimators.did.matched.matched_did`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from effekt._checks import check_level
from effekt.errors import SpecError
from effekt.estimators.covariance import satterthwaite_df
from effekt.estimators.matching.results import MatchResult
from effekt.plotting import event_study_plot
from effekt.results import EffectResults, critical_value, effect_frame, figure_of, format_table

__all__ = ["MatchedDiDResult"]


@dataclass(frozen=True, eq=False, repr=False)
class MatchedDiDResult(EffectResults):
    """Event-study estimates of a stacked matched difference-in-differences.

    Attributes
    ----------
    event_time : numpy.ndarray
        Event times ``e = t - cohort`` estimated (the reference ``-1`` is left out).
    estimate : numpy.ndarray
        The effect at each event time.
    covariance : numpy.ndarray
        Joint cluster-robust covariance of the estimates (:attr:`vcov` is the same,
        labelled by event time).
    n_stacks : numpy.ndarray
        Number of cohort stacks contributing to each event time.
    outcome, estimand, cluster : str
        The outcome column, the estimand in words and what the SEs are clustered on.
    n_clusters : int
        Number of clusters.
    matches : dict of int to MatchResult
        The matching of each cohort (its balance: ``matches[g].balance()``).
    flow : pandas.DataFrame
        Sample flow by cohort and in total: ``treated``, ``controls`` (never-treated
        units available), ``matched`` and ``unmatched`` treated units, and
        ``controls_used`` (distinct controls matched; in the total, across stacks).
    pre_periods : int
        Pre-periods matched on.
    match_outcome : str
        How the pre-period outcomes entered the matching.
    stacked : pandas.DataFrame
        The stacked matched sample: ``stack`` (cohort), ``unit``, ``treated``,
        ``weight`` and ``pair`` (subclass), one row per unit and stack.
    level : float
        Confidence level of the intervals.

    Notes
    -----
    Inference is clustered, so intervals and p-values refer to Student's t with
    ``n_clusters - 1`` degrees of freedom (:attr:`df`), as Stata's ``vce(cluster)`` and
    R's fixest do; with few matched pairs the normal critical value under-covers.
    """

    event_time: np.ndarray
    estimate: np.ndarray
    covariance: np.ndarray = field(repr=False)
    n_stacks: np.ndarray
    outcome: str
    estimand: str
    cluster: str
    n_clusters: int
    matches: dict[int, MatchResult] = field(repr=False)
    flow: pd.DataFrame
    pre_periods: int
    match_outcome: str
    stacked: pd.DataFrame = field(repr=False)
    level: float = 0.95
    se_type: str = "CR1"
    #: with CR2, the Satterthwaite df of each event-time estimate; None under CR1
    coef_df: np.ndarray | None = field(default=None, repr=False)
    #: with CR2, the pooled long-difference design (X, clusters, contrasts), for the df of
    #: averages
    _design: tuple[np.ndarray, np.ndarray, np.ndarray] | None = field(
        default=None, repr=False, compare=False)

    label_columns = ("event_time",)

    def __post_init__(self) -> None:
        check_level(self.level)

    @property
    def std_error(self) -> np.ndarray:
        """Cluster-robust standard errors by event time."""
        return np.sqrt(np.diag(self.covariance))

    @property
    def df(self) -> int | np.ndarray:
        """Degrees of freedom of the t reference distribution.

        ``n_clusters - 1`` under CR1; under CR2 the Satterthwaite df of each event-time
        estimate (an array in the order of :attr:`event_time`).
        """
        return int(self.n_clusters) - 1 if self.coef_df is None else self.coef_df

    @property
    def nobs(self) -> int:
        """Rows of the stacked matched sample (a unit once per stack it is in)."""
        return len(self.stacked)

    @property
    def inference(self) -> str:
        """How the standard errors are computed, in words."""
        if self.coef_df is not None:
            return (f"bias-reduced cluster-robust CR2 (Bell-McCaffrey) of the pooled "
                    f"long-difference regression, by {self.cluster} ({self.n_clusters} "
                    f"clusters); t with Satterthwaite df")
        return (f"cluster-robust from the influence function, G/(G-1), by {self.cluster} "
                f"({self.n_clusters} clusters); t with {self.df} df")

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: event_time, estimate, std_error, ci_lower, ci_upper, p_value, n_stacks."""
        if self.coef_df is None:
            return effect_frame({"event_time": self.event_time}, self.estimate,
                                self.std_error, level=self.level, df=self.df,
                                extra={"n_stacks": self.n_stacks})
        crit = np.array([critical_value(self.level, float(d)) for d in self.coef_df])
        return effect_frame({"event_time": self.event_time}, self.estimate, self.std_error,
                            level=self.level, df=self.coef_df, crit=crit,
                            extra={"n_stacks": self.n_stacks, "df": self.coef_df})

    def _vcov_matrix(self) -> np.ndarray:
        return self.covariance

    def average(self, event_times: Sequence[int] | None = None) -> tuple[float, float]:
        """Return ``(estimate, std_error)`` of the mean effect over ``event_times``.

        Default: all post-treatment event times (``e >= 0``). The standard error uses
        the joint covariance across event times; refer it to t with :meth:`average_df`
        degrees of freedom.
        """
        a = self._averaging(event_times)
        return float(a @ self.estimate), float(np.sqrt(a @ self.covariance @ a))

    def average_df(self, event_times: Sequence[int] | None = None) -> float:
        """Return the degrees of freedom of the t test of :meth:`average`.

        ``n_clusters - 1`` under CR1; under CR2 the Satterthwaite df of the averaging
        contrast in the pooled long-difference regression
        (:func:`~effekt.estimators.covariance.satterthwaite_df`).
        """
        a = self._averaging(event_times)
        if self._design is None:
            return float(self.n_clusters - 1)
        X, clusters, contrasts = self._design
        return float(satterthwaite_df(X, clusters, a @ contrasts))

    def _averaging(self, event_times: Sequence[int] | None) -> np.ndarray:
        """Return the averaging weights over :attr:`event_time`."""
        wanted = (
            self.event_time[self.event_time >= 0] if event_times is None else list(event_times)
        )
        pick = np.isin(self.event_time, wanted)
        missing = sorted(set(np.asarray(wanted).tolist()) - set(self.event_time.tolist()))
        if missing or not pick.any():
            raise SpecError(
                f"event_times {missing or list(wanted)} are not estimated; available: "
                f"{self.event_time.tolist()}."
            )
        return pick / pick.sum()

    def balance(self) -> pd.DataFrame:
        """Standardised mean differences before and after matching, by cohort."""
        parts = []
        for g, m in self.matches.items():
            tab = m.balance().table[["smd_before", "smd_after"]].copy()
            tab.insert(0, "cohort", g)
            parts.append(tab)
        return pd.concat(parts).rename_axis("covariate").reset_index()

    def summary(self) -> str:
        """Deterministic text summary: design, sample flow and the event-study table."""
        table = self.to_frame().set_index("event_time")
        post = self.event_time >= 0
        lines = [
            "Matched difference-in-differences (stacked by cohort)",
            f"Outcome: {self.outcome}; estimand: {self.estimand}",
            f"Matched on {self.pre_periods} pre-periods ({self.match_outcome}); "
            f"SEs clustered by {self.cluster} ({self.n_clusters} clusters)",
            f"Inference: {self.inference}",
            "Sample flow:",
            format_table(self.flow),
            "Event study:",
            format_table(table, integers=["n_stacks"]),
        ]
        if post.any():
            est, se = self.average()
            lines.append(f"Average over e >= 0: {est:.4f} (SE {se:.4f})")
        return "\n".join(lines)

    def plot(self, ax=None):
        """Event-study plot with confidence intervals; returns the matplotlib Figure."""
        f = self.to_frame()
        ax = event_study_plot(
            f["event_time"], f["estimate"], f["ci_lower"], f["ci_upper"], reference=-1,
            xlabel="event time (periods since start; reference -1)",
            ylabel=f"effect on {self.outcome}", ax=ax,
        )
        return figure_of(ax)
