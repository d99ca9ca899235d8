"""The result of the imputation DiD estimator of Borusyak, Jaravel & Spiess (2024).

:class:`ImputationResult` holds the ATT at each event time ``e >= 0`` (one row per event
time in :meth:`~ImputationResult.to_frame`), the overall ATT (:attr:`~ImputationResult.overall`,
equal weight on every treated unit-period), their joint conservative covariance (BJS
Theorem 3), the imputed unit-period effects and, when asked for, the pre-trend test of
BJS Section 4.4 (Test 1). Inference is normal, as in the paper and its Stata command.

Reference
---------
Borusyak, K., Jaravel, X. & Spiess, J. (2024). Revisiting event-study designs: robust and
efficient estimation. *Review of Economic Studies* 91(6), 3253-3285.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from effekt._checks import check_level
from effekt._docs import fill_doc
from effekt.errors import SpecError
from effekt.plotting import event_study_plot
from effekt.results import EffectResults, effect_frame, figure_of, format_table

__all__ = ["ImputationResult"]


@dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class ImputationResult(EffectResults):
    """Imputation event-study estimates with BJS's conservative clustered inference.

    Attributes
    ----------
    event_time : numpy.ndarray
        The event times reported (``>= 0``).
    estimate, std_error : numpy.ndarray
        The ATT at each event time (mean of ``Y - Y^(0)`` over the treated unit-periods
        there, weighted by ``weights`` when given) and its conservative standard error.
    covariance : numpy.ndarray
        Covariance of ``estimate`` (:attr:`vcov` is the same, labelled by event time).
    n_treated : numpy.ndarray
        Treated unit-periods behind each event time.
    overall_estimate, overall_se : float
        The overall ATT (every imputed treated unit-period, equal weight; or ``weights``)
        and its standard error; :attr:`overall` gives it as a row.
    overall_n : int
        Treated unit-periods behind the overall ATT.
    overall_covariance : numpy.ndarray
        Covariance of the overall ATT with each event time, in the order of ``event_time``.
    unit_effects : pandas.DataFrame
        The imputed effect of every treated unit-period: the unit, time, cohort columns,
        ``event_time``, ``y0_hat`` (imputed untreated outcome) and ``tau_hat``.
    dropped : pandas.DataFrame
        The treated unit-periods whose ``Y(0)`` could not be imputed (unit, time and
        ``reason``); empty when none.
    pretrend : pandas.DataFrame or None
        With ``pretrend=k``: the lead coefficients at event times ``-k .. -1`` of BJS Test 1
        (untreated observations only; CR1 by cluster, normal p-values).
    pretrend_test : dict or None
        ``statistic`` (Wald), ``df``, ``p_value`` (chi-squared) of ``leads = 0``.
    nobs : int
        Rows used (untreated plus imputed treated unit-periods).
    n_untreated : int
        Untreated rows that fitted the unit and period effects.
    n_clusters : int
        Clusters in the variance.
    cluster : str
        The column clustered on.
    n_cohorts : int
        Treated cohorts with an imputed unit-period.
    groups : str
        The partition of the auxiliary model of the treatment effects in the variance.
    leave_out : bool
        Whether the auxiliary model leaves each cluster out (BJS Appendix A.9).
    estimand : str
        What is estimated, in words.
    cov_note : str
        The variance estimator, in words.
    level : float
        Confidence level of the intervals.
    outcome : str
        The outcome column.
    """

    event_time: np.ndarray
    estimate: np.ndarray
    std_error: np.ndarray
    covariance: np.ndarray = field(repr=False)
    n_treated: np.ndarray
    overall_estimate: float
    overall_se: float
    overall_n: int
    overall_covariance: np.ndarray = field(repr=False)
    unit_effects: pd.DataFrame = field(repr=False)
    dropped: pd.DataFrame = field(repr=False)
    pretrend: pd.DataFrame | None = field(default=None, repr=False)
    pretrend_test: dict | None = None
    nobs: int
    n_untreated: int
    n_clusters: int
    cluster: str
    n_cohorts: int
    groups: str
    leave_out: bool
    estimand: str
    cov_note: str
    level: float = 0.95
    outcome: str = ""

    label_columns = ("event_time",)

    def __post_init__(self) -> None:
        check_level(self.level)

    @property
    def inference(self) -> str:
        """The variance estimator and the reference distribution, in words."""
        return f"{self.cov_note}; normal reference distribution"

    def to_frame(self) -> pd.DataFrame:
        """Return one row per event time.

        Columns: ``event_time``, ``estimate``, ``std_error``, ``ci_lower``, ``ci_upper``,
        ``p_value`` (normal), ``n_obs`` (treated unit-periods at that event time).
        """
        return effect_frame({"event_time": np.asarray(self.event_time, dtype=int)},
                            self.estimate, self.std_error, level=self.level,
                            extra={"n_obs": np.asarray(self.n_treated, dtype=int)})

    @property
    def overall(self) -> pd.DataFrame:
        """The overall ATT as one row: ``term`` ("ATT"), the effect columns, ``n_obs``."""
        return effect_frame({"term": ["ATT"]}, self.overall_estimate, self.overall_se,
                            level=self.level, extra={"n_obs": [self.overall_n]})

    def _vcov_matrix(self) -> np.ndarray:
        return self.covariance

    def average(self, event_times: Sequence[int] | None = None) -> tuple[float, float]:
        """Return ``(estimate, std_error)`` of the mean ATT over ``event_times``.

        Default: every reported event time. Each event time counts once (not by its
        number of treated unit-periods, unlike :attr:`overall`); the standard error is
        ``sqrt(a'Va)`` under the joint conservative covariance.

        Examples
        --------
        >>> from effekt.estimators import imputation_did
        >>> from effekt.synthetic.examples import staggered_panel
        >>> df = staggered_panel(n_units=60, periods=6, cohorts=(3, 5), effect=1.0)
        >>> res = imputation_did(df, outcome="y", unit="id", time="t", cohort="g")
        >>> est, se = res.average([0, 1])
        >>> bool(abs(est - 1.0) < 4 * se)
        True
        """
        times = np.asarray(self.event_time)
        wanted = times if event_times is None else np.asarray(list(event_times))
        missing = sorted(set(wanted.tolist()) - set(times.tolist()))
        if missing or wanted.size == 0:
            raise SpecError(f"event_times {missing or wanted.tolist()} are not estimated; "
                            f"available: {times.tolist()}.")
        a = np.isin(times, wanted) / np.unique(wanted).size
        return (float(a @ np.asarray(self.estimate)),
                float(np.sqrt(max(a @ np.asarray(self.covariance) @ a, 0.0))))

    def summary(self) -> str:
        """Return a deterministic text summary."""
        rows = [("Estimand", self.estimand), ("Observations", self.nobs),
                ("Untreated (fit)", self.n_untreated),
                ("Clusters", f"{self.n_clusters} (by {self.cluster!r})"),
                ("Treated cohorts", self.n_cohorts),
                ("Not imputable", f"{len(self.dropped)} treated unit-period(s) left out"),
                ("Covariance", self.cov_note),
                ("Inference", f"normal, {self.level:.0%} intervals")]
        width = max(len(k) for k, _ in rows)
        title = "Event study (Borusyak, Jaravel & Spiess imputation)"
        lines = [title, "=" * len(title)] + [f"{k.ljust(width)} : {v}" for k, v in rows]
        text = "\n".join(lines)
        text += "\n\nOverall ATT\n" + format_table(self.overall.set_index("term"),
                                                   integers=["n_obs"])
        text += "\n\nBy event time\n" + format_table(self.to_frame().set_index("event_time"),
                                                     integers=["n_obs"])
        if self.pretrend is not None and self.pretrend_test is not None:
            t = self.pretrend_test
            text += (f"\n\nPre-trend test (BJS Test 1, untreated observations): Wald "
                     f"{t['statistic']:.4f} on {t['df']} df, p = {t['p_value']:.4f}\n"
                     + format_table(self.pretrend.set_index("event_time")))
        return text

    @fill_doc
    def plot(self, ax=None):
        """Plot the ATT by event time with its intervals (and the pre-trend leads, if any).

        Parameters
        ----------
        %(results_plot)s
        """
        frame = self.to_frame()
        if self.pretrend is not None:
            frame = pd.concat([self.pretrend, frame], ignore_index=True)
        ax = event_study_plot(
            frame["event_time"], frame["estimate"], frame["ci_lower"], frame["ci_upper"],
            xlabel="Event time (periods since treatment)",
            ylabel=f"Estimate ({self.level:.0%} CI)",
            title="Event study (imputation, Borusyak et al. 2024)", ax=ax,
        )
        return figure_of(ax)
