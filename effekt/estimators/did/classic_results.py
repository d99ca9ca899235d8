"""Results objects of the classic difference-in-differences estimators.

:func:`~effekt.estimators.did.classic.did_2x2` and :func:`~effekt.estimators.did.classic.twfe`
return a :class:`DiDResult`; :func:`~effekt.estimators.did.classic.event_study` returns
an :class:`EventStudyResult`. Both are frozen dataclasses: asking for other
inference means calling the estimator again, never changing a result.

Inference is cluster-robust. Test statistics are referred to Student's t with
``n_clusters - 1`` degrees of freedom (the convention of Stata's
``vce(cluster)`` and R's fixest), or, for CR2 standard errors
(``did_2x2(se="CR2")``), with the Satterthwaite degrees of freedom of each
coefficient (``df_method="Satterthwaite"``; Bell and McCaffrey 2002), so
``p_value``, ``ci_lower`` and ``ci_upper`` follow from ``estimate``,
``std_error`` and ``df``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from effekt._checks import check_level
from effekt._docs import fill_doc
from effekt.plotting import coefficient_plot, event_study_plot
from effekt.results import EffectResults, effect_frame, figure_of, format_table, p_value

__all__ = ["DiDResult", "EventStudyResult", "coefficient_table"]


def coefficient_table(
    names: list[str], estimate: np.ndarray, std_error: np.ndarray,
    df: int | float | np.ndarray, level: float = 0.95,
) -> pd.DataFrame:
    """Every coefficient of a fitted regression with t inference (index ``term``).

    Columns ``estimate``, ``std_error``, ``t_stat``, ``p_value``, ``ci_lower``,
    ``ci_upper``; ``t_stat`` is ``estimate / std_error``. ``df`` is one number for all
    rows, or an array with one per row (CR2's Satterthwaite df), then also a ``df``
    column.
    """
    columns = ["estimate", "std_error", "t_stat", "p_value", "ci_lower", "ci_upper"]
    if np.ndim(df) == 0:
        frame = effect_frame({"term": names}, estimate, std_error, level=level, df=df)
    else:
        est, se = np.asarray(estimate, dtype=float), np.asarray(std_error, dtype=float)
        frame = pd.concat(
            [effect_frame({"term": [name]}, est[i], se[i], level=level, df=float(df[i]),
                          extra={"df": [float(df[i])]}) for i, name in enumerate(names)],
            ignore_index=True,
        )
        columns.append("df")
    with np.errstate(divide="ignore", invalid="ignore"):
        frame.insert(3, "t_stat", frame["estimate"] / frame["std_error"])
    return frame.set_index("term")[columns]


@dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class _ClusteredRegression(EffectResults):
    """What the 2x2/TWFE result and the event study share: a CR1 (CR2) fit with t inference."""

    df: int | float
    nobs: int
    n_clusters: int
    cluster: str
    estimand: str
    cov_note: str = ""
    level: float = 0.95
    outcome: str = ""
    df_method: str = "G-1"

    def __post_init__(self) -> None:
        check_level(self.level)

    def _df_words(self) -> str:
        if self.df_method == "Satterthwaite":
            return f"t with Satterthwaite df {self.df:.1f}"
        return f"t with {self.df} df"

    @property
    def inference(self) -> str:
        """The covariance estimator and the reference distribution, in words."""
        return f"{self.cov_note}; {self._df_words()}"

    def _header(self, title: str, rows: list[tuple[str, object]]) -> str:
        """Format the summary's head: the title, the design rows framed by the shared ones."""
        rows = [("Estimand", self.estimand), ("Observations", self.nobs),
                ("Clusters", f"{self.n_clusters} (by {self.cluster!r})"), *rows,
                ("Covariance", self.cov_note),
                ("Inference", f"{self._df_words()}, {self.level:.0%} intervals")]
        width = max(len(k) for k, _ in rows)
        lines = [title, "=" * len(title)]
        lines += [f"{k.ljust(width)} : {v}" for k, v in rows]
        return "\n".join(lines)


@dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class DiDResult(_ClusteredRegression):
    """One difference-in-differences coefficient with cluster-robust inference.

    Attributes
    ----------
    method : str
        ``"2x2"`` (:func:`~effekt.estimators.did.classic.did_2x2`) or ``"twfe"``
        (:func:`~effekt.estimators.did.classic.twfe`).
    term : str
        Name of the DiD regressor (``"treated:post"`` or the treatment column).
    estimate, std_error : float
        The coefficient and its cluster-robust standard error.
    df : int or float
        Degrees of freedom of the t reference distribution (``n_clusters - 1``; with
        CR2 the Satterthwaite df of the DiD coefficient, a float).
    nobs : int
        Rows used.
    n_clusters : int
        Number of clusters.
    cluster : str
        The column clustered on.
    estimand : str
        What the coefficient estimates, in words.
    coefficients : pandas.DataFrame
        Every coefficient of the fitted regression (index ``term``; columns
        ``estimate``, ``std_error``, ``t_stat``, ``p_value``, ``ci_lower``,
        ``ci_upper``); for ``"twfe"`` only the non-absorbed regressors.
    cov_note : str
        The covariance estimator and its small-sample factor, in words.
    level : float
        Confidence level of ``ci_lower``/``ci_upper``.
    outcome : str
        The outcome column.
    df_method : str
        ``"G-1"`` or ``"Satterthwaite"`` (CR2): where ``df`` comes from.
    """

    method: str
    term: str
    estimate: float
    std_error: float
    coefficients: pd.DataFrame = field(repr=False)

    label_columns = ("term",)

    @property
    def p_value(self) -> float:
        """Two-sided p-value of the DiD coefficient (t with ``df`` d.o.f.)."""
        return float(p_value(self.estimate, self.std_error, self.df))

    def to_frame(self) -> pd.DataFrame:
        """Return the DiD coefficient as one tidy row.

        Columns: ``term``, ``estimate``, ``std_error``, ``ci_lower``, ``ci_upper``,
        ``p_value`` (t with ``df`` degrees of freedom), ``n_obs``, ``n_clusters``.
        """
        return effect_frame({"term": [self.term]}, self.estimate, self.std_error,
                            level=self.level, df=self.df,
                            extra={"n_obs": [self.nobs], "n_clusters": [self.n_clusters]})

    def _vcov_matrix(self) -> np.ndarray:
        return np.array([[self.std_error**2]])

    def summary(self) -> str:
        """Return a deterministic text summary."""
        title = {
            "2x2": "Difference-in-differences (2x2, regression form)",
            "twfe": "Two-way fixed effects DiD",
        }[self.method]
        return self._header(title, []) + "\n\n" + format_table(self.coefficients)

    @fill_doc
    def plot(self, ax=None):
        """Plot the estimate with its confidence interval (a one-row coefficient plot).

        Parameters
        ----------
        %(results_plot)s
        """
        ax = coefficient_plot(
            self.to_frame(), label="term", xlabel=f"Estimate ({self.level:.0%} CI)",
            title="DiD estimate" if self.method == "2x2" else "TWFE estimate", ax=ax,
        )
        return figure_of(ax)


@dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class EventStudyResult(_ClusteredRegression):
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
    covariance : numpy.ndarray
        Covariance of the coefficients in the order of ``event_time``, the reference
        row and column NaN; :attr:`vcov` is the same, labelled.
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
    outcome : str
        The outcome column.
    """

    event_time: np.ndarray
    estimate: np.ndarray
    std_error: np.ndarray
    covariance: np.ndarray = field(repr=False)
    reference: int
    leads: int
    lags: int
    binned_lower: bool
    binned_upper: bool
    n_cohorts: int

    label_columns = ("event_time",)

    def to_frame(self) -> pd.DataFrame:
        """Return one row per event time, reference included.

        Columns: ``event_time``, ``estimate``, ``std_error``, ``ci_lower``,
        ``ci_upper``, ``p_value`` (t with ``df`` degrees of freedom), ``reference``
        (True on the normalised row, whose estimate is 0 and the rest NaN).
        """
        return effect_frame(
            {"event_time": np.asarray(self.event_time, dtype=int)}, self.estimate,
            self.std_error, level=self.level, df=self.df,
            extra={"reference": np.asarray(self.event_time) == self.reference},
        )

    def _vcov_matrix(self) -> np.ndarray:
        return self.covariance

    def summary(self) -> str:
        """Return a deterministic text summary."""
        bins = []
        if self.binned_lower:
            bins.append(f"{-self.leads} covers event times <= {-self.leads}")
        if self.binned_upper:
            bins.append(f"{self.lags} covers event times >= {self.lags}")
        head = self._header(
            "Event study (two-way fixed effects)",
            [
                ("Treated cohorts", self.n_cohorts),
                ("Reference", f"event time {self.reference} (estimate 0, SE NaN)"),
                ("Binned ends", "; ".join(bins) if bins else "none"),
            ],
        )
        table = self.to_frame().drop(columns="reference").set_index("event_time")
        return head + "\n\n" + format_table(table)

    @fill_doc
    def plot(self, ax=None):
        """Plot estimates and confidence intervals by event time.

        Pre-treatment event times (``< 0``) are drawn in a different colour from
        post-treatment ones; a horizontal line marks 0 and a dotted vertical
        line the reference period.

        Parameters
        ----------
        %(results_plot)s
        """
        frame = self.to_frame()
        frame = frame[~frame["reference"]]
        ax = event_study_plot(
            frame["event_time"], frame["estimate"], frame["ci_lower"], frame["ci_upper"],
            reference=self.reference, xlabel="Event time (periods since treatment)",
            ylabel=f"Estimate ({self.level:.0%} CI)", title="Event study", ax=ax,
        )
        return figure_of(ax)
