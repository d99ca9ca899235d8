"""Results objects of the classic difference-in-differences estimators.

:func:`effekt.estimators.did.did_2x2` and :func:`effekt.estimators.did.twfe`
return a :class:`DiDResult`; :func:`effekt.estimators.did.event_study` returns
an :class:`EventStudyResult`. Both are frozen dataclasses: asking for other
inference means calling the estimator again, never changing a result.

Inference is cluster-robust. Test statistics are referred to Student's t with
``n_clusters - 1`` degrees of freedom (the convention of Stata's
``vce(cluster)`` and R's fixest), so ``t_stat``, ``p_value``, ``ci_lower`` and
``ci_upper`` follow from ``estimate``, ``std_error`` and ``df``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from effekt.results import ResultsBase, format_table

__all__ = ["DiDResult", "EventStudyResult"]

_COLUMNS = ["estimate", "std_error", "t_stat", "p_value", "ci_lower", "ci_upper"]


def _inference_table(
    estimate: np.ndarray, std_error: np.ndarray, df: int, level: float
) -> dict[str, np.ndarray]:
    """Return t statistics, two-sided p-values and ``level`` intervals with ``df`` d.o.f."""
    est = np.asarray(estimate, dtype=float)
    se = np.asarray(std_error, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        tstat = est / se
    crit = float(stats.t.ppf(0.5 + level / 2, df))
    return {
        "estimate": est,
        "std_error": se,
        "t_stat": tstat,
        "p_value": 2 * stats.t.sf(np.abs(tstat), df),
        "ci_lower": est - crit * se,
        "ci_upper": est + crit * se,
    }


def _header(title: str, rows: list[tuple[str, object]]) -> str:
    width = max(len(k) for k, _ in rows)
    lines = [title, "=" * len(title)]
    lines += [f"{k.ljust(width)} : {v}" for k, v in rows]
    return "\n".join(lines)


@dataclass(frozen=True, eq=False, repr=False)
class DiDResult(ResultsBase):
    """One difference-in-differences coefficient with cluster-robust inference.

    Attributes
    ----------
    method : str
        ``"2x2"`` (:func:`~effekt.estimators.did.did_2x2`) or ``"twfe"``
        (:func:`~effekt.estimators.did.twfe`).
    term : str
        Name of the DiD regressor (``"treated:post"`` or the treatment column).
    estimate, std_error : float
        The coefficient and its cluster-robust standard error.
    df : int
        Degrees of freedom of the t reference distribution (``n_clusters - 1``).
    nobs : int
        Rows used.
    n_clusters : int
        Number of clusters.
    cluster : str
        The column clustered on.
    estimand : str
        What the coefficient estimates, in words.
    coefficients : pandas.DataFrame
        Every coefficient of the fitted regression (index ``term``), same columns
        as :meth:`to_frame`; for ``"twfe"`` only the non-absorbed regressors.
    cov_note : str
        The covariance estimator and its small-sample factor, in words.
    level : float
        Confidence level of ``ci_lower``/``ci_upper``.
    """

    method: str
    term: str
    estimate: float
    std_error: float
    df: int
    nobs: int
    n_clusters: int
    cluster: str
    estimand: str
    coefficients: pd.DataFrame = field(repr=False)
    cov_note: str = ""
    level: float = 0.95

    def to_frame(self) -> pd.DataFrame:
        """Return the DiD coefficient as one tidy row indexed by ``term``.

        Columns: ``estimate``, ``std_error``, ``t_stat``, ``p_value``,
        ``ci_lower``, ``ci_upper``.
        """
        table = _inference_table(
            np.array([self.estimate]), np.array([self.std_error]), self.df, self.level
        )
        return pd.DataFrame(table, index=pd.Index([self.term], name="term"))[_COLUMNS]

    def summary(self) -> str:
        """Return a deterministic text summary."""
        title = {
            "2x2": "Difference-in-differences (2x2, regression form)",
            "twfe": "Two-way fixed effects DiD",
        }[self.method]
        head = _header(
            title,
            [
                ("Estimand", self.estimand),
                ("Observations", self.nobs),
                ("Clusters", f"{self.n_clusters} (by {self.cluster!r})"),
                ("Covariance", self.cov_note),
                ("Inference", f"t with {self.df} df, {self.level:.0%} intervals"),
            ],
        )
        return head + "\n\n" + format_table(self.coefficients)

    def plot(self, ax=None):
        """Plot the estimate with its confidence interval (a one-row coefficient plot).

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Axes to draw on; a new figure is made when omitted.

        Returns
        -------
        matplotlib.axes.Axes
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(5, 2))
        row = self.to_frame().iloc[0]
        ax.errorbar(
            [row["estimate"]],
            [0],
            xerr=[[row["estimate"] - row["ci_lower"]], [row["ci_upper"] - row["estimate"]]],
            fmt="o",
            color="C0",
            capsize=4,
        )
        ax.axvline(0.0, color="grey", linewidth=1, linestyle="--")
        ax.set_yticks([0], [self.term])
        ax.set_xlabel(f"Estimate ({self.level:.0%} CI)")
        ax.set_title("DiD estimate" if self.method == "2x2" else "TWFE estimate")
        return ax


@dataclass(frozen=True, eq=False, repr=False)
class EventStudyResult(ResultsBase):
    """Dynamic (event-study) TWFE coefficients by event time.

    The reference event time is part of every table, with estimate 0 and
    standard error NaN (it is normalised, not estimated). When ``leads`` or
    ``lags`` cut the observed event times, the end rows are *binned*: the row
    ``-leads`` covers every event time ``<= -leads`` and the row ``lags`` every
    event time ``>= lags`` (``binned_lower``/``binned_upper`` say whether any
    observation was actually binned).

    Attributes
    ----------
    event_time : numpy.ndarray
        Event times ``-leads, ..., lags`` (reference included).
    estimate, std_error : numpy.ndarray
        Coefficients and cluster-robust standard errors (reference: 0 and NaN).
    vcov : pandas.DataFrame
        Covariance of the estimated coefficients (reference excluded), indexed
        by event time.
    reference : int
        The omitted event time.
    leads, lags : int
        Number of pre- and post-treatment event-time bins (event times
        ``-leads`` to ``lags``).
    binned_lower, binned_upper : bool
        Whether observations beyond ``-leads`` / ``lags`` were binned into the end bins.
    df : int
        Degrees of freedom of the t reference distribution (``n_clusters - 1``).
    nobs, n_clusters : int
        Rows used and number of clusters.
    cluster : str
        The column clustered on.
    n_cohorts : int
        Number of treated cohorts.
    estimand : str
        What the coefficients estimate, in words.
    cov_note : str
        The covariance estimator and its small-sample factor, in words.
    level : float
        Confidence level of the intervals.
    """

    event_time: np.ndarray
    estimate: np.ndarray
    std_error: np.ndarray
    vcov: pd.DataFrame = field(repr=False)
    reference: int
    leads: int
    lags: int
    binned_lower: bool
    binned_upper: bool
    df: int
    nobs: int
    n_clusters: int
    cluster: str
    n_cohorts: int
    estimand: str
    cov_note: str = ""
    level: float = 0.95

    def to_frame(self) -> pd.DataFrame:
        """Return one row per event time (index ``event_time``), reference included.

        Columns: ``estimate``, ``std_error``, ``t_stat``, ``p_value``,
        ``ci_lower``, ``ci_upper``; the reference row has estimate 0 and NaN
        elsewhere.
        """
        table = _inference_table(self.estimate, self.std_error, self.df, self.level)
        index = pd.Index(np.asarray(self.event_time, dtype=int), name="event_time")
        return pd.DataFrame(table, index=index)[_COLUMNS]

    def summary(self) -> str:
        """Return a deterministic text summary."""
        bins = []
        if self.binned_lower:
            bins.append(f"{-self.leads} covers event times <= {-self.leads}")
        if self.binned_upper:
            bins.append(f"{self.lags} covers event times >= {self.lags}")
        head = _header(
            "Event study (two-way fixed effects)",
            [
                ("Estimand", self.estimand),
                ("Observations", self.nobs),
                ("Clusters", f"{self.n_clusters} (by {self.cluster!r})"),
                ("Treated cohorts", self.n_cohorts),
                ("Reference", f"event time {self.reference} (estimate 0, SE NaN)"),
                ("Binned ends", "; ".join(bins) if bins else "none"),
                ("Covariance", self.cov_note),
                ("Inference", f"t with {self.df} df, {self.level:.0%} intervals"),
            ],
        )
        return head + "\n\n" + format_table(self.to_frame())

    def plot(self, ax=None):
        """Plot estimates and confidence intervals by event time.

        Pre-treatment event times (``< 0``) are drawn in a different colour from
        post-treatment ones; a horizontal line marks 0 and a dotted vertical
        line the reference period.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Axes to draw on; a new figure is made when omitted.

        Returns
        -------
        matplotlib.axes.Axes
        """
        from effekt.plotting import event_study_plot

        frame = self.to_frame().drop(index=self.reference, errors="ignore")
        return event_study_plot(
            frame.index, frame["estimate"], frame["ci_lower"], frame["ci_upper"],
            reference=self.reference, xlabel="Event time (periods since treatment)",
            ylabel=f"Estimate ({self.level:.0%} CI)", title="Event study", ax=ax,
        )
