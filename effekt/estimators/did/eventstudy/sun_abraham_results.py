"""The result of the Sun & Abraham interaction-weighted event study.

:class:`SunAbrahamResult` is an :class:`~effekt.estimators.did.classic_results.EventStudyResult`
(event-time rows with the reference row normalised, a covariance labelled by event time,
t inference on ``G - 1`` degrees of freedom, :meth:`~EventStudyResult.average` by the
delta method) that also carries the cohort-by-event-time effects ``CATT(g, e)`` behind each
row and the cohort-share weights that combine them (:attr:`SunAbrahamResult.cohort_effects`,
:attr:`SunAbrahamResult.cohort_vcov`).

Reference
---------
Sun, L. & Abraham, S. (2021). Estimating dynamic treatment effects in event studies with
heterogeneous treatment effects. *Journal of Econometrics* 225(2), 175-199.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd

from effekt.errors import NotEstimableError
from effekt.estimators.did.classic_results import EventStudyResult
from effekt.results import format_table

__all__ = ["SunAbrahamResult"]


@dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class SunAbrahamResult(EventStudyResult):
    """Interaction-weighted (IW) event-study estimates (Sun & Abraham 2021).

    Every attribute of :class:`~effekt.estimators.did.classic_results.EventStudyResult`
    (``event_time``, ``estimate``, ``std_error``, ``covariance``, ``reference``, ``df``,
    ``nobs``, ``n_clusters``, ``cluster``, ``n_cohorts`` ...), where row ``e`` is the IW
    estimate ``sum_g w(g, e) CATT(g, e)``; ``leads``/``lags`` are ``-min_e``/``max_e``
    and nothing is binned. Also:

    Attributes
    ----------
    cohort_effects : pandas.DataFrame
        One row per cohort and event time estimated in the saturated regression:
        ``cohort``, ``event_time``, ``estimate``, ``std_error``, ``ci_lower``,
        ``ci_upper``, ``p_value`` (t with ``df``), ``n_treated`` (rows of the cohort at
        that event time) and ``weight`` (its share among the treated cohorts observed at
        that event time; the weights of an event time sum to 1).
    cohort_vcov : pandas.DataFrame
        Cluster-robust covariance of the cohort effects, labelled by ``(cohort,
        event_time)`` in the order of :attr:`cohort_effects`.
    n_treated : numpy.ndarray
        Rows (unit-periods) of the treated cohorts at each event time of ``event_time``.
    control : str
        ``"never"`` or ``"last"``: the comparison cohort.
    control_words : str
        The comparison units and any rows left out, in words.
    share_variance : bool
        Whether the covariance adds the sampling variance of the estimated cohort
        shares (``False``: the shares are held fixed, as pyfixest and fixest do).
    """

    _plot_title: ClassVar[str] = "Event study (Sun & Abraham)"

    cohort_effects: pd.DataFrame = field(repr=False)
    cohort_vcov: pd.DataFrame = field(repr=False)
    n_treated: np.ndarray = field(repr=False)
    control: str
    control_words: str
    share_variance: bool = True

    def to_frame(self) -> pd.DataFrame:
        """Return one row per event time, reference included.

        Columns: ``event_time``, ``estimate``, ``std_error``, ``ci_lower``, ``ci_upper``,
        ``p_value`` (t with ``df`` degrees of freedom), ``reference`` (True on the
        normalised row: estimate 0, the rest NaN), ``n_treated``.
        """
        frame = super().to_frame()
        frame["n_treated"] = np.asarray(self.n_treated, dtype=int)
        return frame

    def summary(self) -> str:
        """Return a deterministic text summary: the IW rows, then the cohort effects."""
        shares = ("estimated (their sampling variance added)" if self.share_variance
                  else "held fixed (as pyfixest and fixest)")
        head = self._header(
            "Event study (Sun & Abraham interaction-weighted)",
            [("Treated cohorts", self.n_cohorts),
             ("Control", self.control_words),
             ("Reference", f"event time {self.reference} (estimate 0, SE NaN)"),
             ("Weights", f"cohort shares at each event time, {shares}")],
        )
        table = self.to_frame().drop(columns="reference").set_index("event_time")
        cells = self.cohort_effects.set_index(["cohort", "event_time"])[
            ["estimate", "std_error", "p_value", "n_treated", "weight"]]
        return (head + "\n\n" + format_table(table, integers=["n_treated"])
                + "\n\nCohort effects CATT(g, e) and their weights\n"
                + format_table(cells, integers=["n_treated"]))

    def wild_bootstrap(self, *args, **kwargs):
        """Not available: the IW rows are weighted sums of regression coefficients.

        Raises
        ------
        NotEstimableError
            Always.
        """
        raise NotEstimableError(
            "wild_bootstrap is not implemented for the Sun & Abraham estimator (its rows "
            "combine many regression coefficients with estimated weights); use the "
            "analytic cluster-robust inference, or att_gt(...).aggregate('dynamic') with "
            "its multiplier bootstrap."
        )

    def randomization_test(self, *args, **kwargs):
        """Not available for the IW estimator.

        Raises
        ------
        NotEstimableError
            Always.
        """
        raise NotEstimableError(
            "randomization_test is not implemented for the Sun & Abraham estimator; use "
            "event_study(...).randomization_test for the TWFE event study."
        )
