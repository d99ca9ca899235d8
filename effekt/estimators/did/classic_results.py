"""Results objects of the classic difference-in-differences estimators.

:func:`~effekt.estimators.did.classic.did_2x2` and :func:`~effekt.estimators.did.classic.twfe`
return a :class:`DiDResult`; :func:`~effekt.estimators.did.classic.event_study` returns
an :class:`EventStudyResult`. Both are frozen dataclasses: asking for other
inference means calling the estimator again, never changing a result.

Inference is cluster-robust. Test statistics are referred to Student's t with
``n_clusters - 1`` degrees of freedom (the convention of Stata's
``vce(cluster)`` and R's fixest), or, for CR2 standard errors
(``se="CR2"`` of ``did_2x2``, ``twfe`` and ``event_study``), with the Satterthwaite
degrees of freedom of each coefficient (``df_method="Satterthwaite"``; Bell and
McCaffrey 2002), so ``p_value``, ``ci_lower`` and ``ci_upper`` follow from
``estimate``, ``std_error`` and ``df``. ``wild_bootstrap()`` returns a new result whose
p-values and intervals come from the restricted wild cluster bootstrap instead
(:mod:`effekt.estimators.wild`); its ``std_error`` stays the analytic one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import ClassVar, Self

import numpy as np
import pandas as pd

from effekt._checks import check_level
from effekt._docs import fill_doc
from effekt.errors import NotEstimableError, SpecError
from effekt.estimators.covariance import satterthwaite_df
from effekt.estimators.randomization import RandomizationResult, Refit
from effekt.estimators.randomization_designs import randomization_did, randomization_event_study
from effekt.estimators.wild import WildBootstrap, WildData, WildWeights, wild_cluster_bootstrap
from effekt.plotting import coefficient_plot, event_study_plot
from effekt.results import (
    EffectResults,
    critical_value,
    effect_frame,
    figure_of,
    format_table,
    p_value,
)

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

    df: int | float | np.ndarray
    nobs: int
    n_clusters: int
    cluster: str
    estimand: str
    cov_note: str = ""
    level: float = 0.95
    outcome: str = ""
    df_method: str = "G-1"
    _refit: Refit | None = field(default=None, repr=False)  # the call, for re-estimation
    # what wild_bootstrap refits, and the bootstrap's p-values and intervals once run
    _wild_data: WildData | None = field(default=None, repr=False, compare=False)
    _bootstrap: WildBootstrap | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_level(self.level)

    def _df_words(self) -> str:
        if self.df_method == "Satterthwaite":
            if np.ndim(self.df):
                dfs = np.asarray(self.df, dtype=float)
                return (f"t with Satterthwaite df by event time ({np.nanmin(dfs):.1f} to "
                        f"{np.nanmax(dfs):.1f})")
            return f"t with Satterthwaite df {self.df:.1f}"
        return f"t with {self.df} df"

    @property
    def inference(self) -> str:
        """The covariance estimator and the reference distribution, in words."""
        if self._bootstrap is not None:
            return (f"p-values and intervals: {self._bootstrap.words()}; std_error analytic: "
                    f"{self.cov_note}")
        return f"{self.cov_note}; {self._df_words()}"

    def wild_bootstrap(
        self,
        n_boot: int = 9999,
        weights: WildWeights = "rademacher",
        seed: int | np.random.Generator | None = None,
        level: float | None = None,
    ) -> Self:
        """Restricted wild cluster bootstrap (WCR) p-values and intervals: a new result.

        For each coefficient reported, the null ``b = b0`` is imposed, the restricted
        residuals are multiplied by one weight per cluster and the regression (with its
        fixed effects) refitted; ``t*`` uses the CR1 standard error of each sample
        (Cameron, Gelbach and Miller 2008). The p-value is the share of samples, the
        original included, with ``|t*| >= |t|`` (null 0); the interval is every ``b0``
        not rejected at ``1 - level``, found by root finding with the null imposed at each
        ``b0`` (test inversion, as Stata's ``boottest``; Roodman, MacKinnon, Nielsen and
        Webb 2019, whose algebra makes each draw cost O(G k), not O(N)). With Rademacher
        weights and ``2**G <= n_boot`` all ``2**G`` sign vectors are enumerated (exact,
        seed-independent). An event study bootstraps every event time with the same
        draws. See :mod:`effekt.estimators.wild`.

        Parameters
        ----------
        n_boot : int, default 9999
            Bootstrap samples (the most to enumerate).
        weights : {"rademacher", "webb", "mammen"}
            Cluster weights; Webb's six-point weights are recommended with fewer than
            about 12 clusters (Webb 2023), where Rademacher has few distinct samples.
        seed : int or numpy.random.Generator, optional
            Seed of the draws: same seed, same numbers (unused when enumerating).
        level : float, optional
            Confidence level; default the result's.

        Returns
        -------
        DiDResult or EventStudyResult
            The same estimates and (analytic) ``std_error``; ``p_value``, ``ci_lower`` and
            ``ci_upper`` in :meth:`to_frame`, :meth:`summary` and :meth:`plot` from the
            bootstrap; :attr:`inference` says what was done.

        Raises
        ------
        SpecError
            Bad ``n_boot``, ``weights``, ``seed`` or ``level``.
        NotEstimableError
            A result without its data (made by hand), or fixed effects of which neither
            is nested in the clusters.

        Examples
        --------
        >>> from effekt.estimators import did_2x2
        >>> from effekt.synthetic.examples import two_period
        >>> res = did_2x2(two_period(n_units=10, effect=3.0), outcome="y", unit="unit",
        ...               time="year", treated="treated", post="post")
        >>> boot = res.wild_bootstrap()
        >>> boot._bootstrap.enumerated, boot._bootstrap.n_draws
        (True, 1024)
        >>> bool(boot.to_frame()["ci_lower"].iloc[0] > 0)
        True
        """
        lvl = self.level if level is None else check_level(level)
        if self._wild_data is None:
            raise NotEstimableError(
                "wild_bootstrap: this result carries no data to refit (it was not made by "
                "did_2x2, twfe or event_study); estimate it again."
            )
        boot = wild_cluster_bootstrap(self._wild_data, n_boot=n_boot, weights=weights,
                                      seed=seed, level=lvl)
        return self._with_bootstrap(boot)

    def _with_bootstrap(self, boot: WildBootstrap) -> Self:
        return replace(self, level=boot.level, _bootstrap=boot)

    def _bootstrapped(self, frame: pd.DataFrame, rows: np.ndarray) -> pd.DataFrame:
        """``frame`` with the bootstrap's p-values and intervals on ``rows`` (if run)."""
        if self._bootstrap is None:
            return frame
        frame = frame.copy()
        for column in ("ci_lower", "ci_upper", "p_value"):
            frame.loc[rows, column] = getattr(self._bootstrap, column)
        return frame

    def _header(self, title: str, rows: list[tuple[str, object]]) -> str:
        """Format the summary's head: the title, the design rows framed by the shared ones."""
        rows = [("Estimand", self.estimand), ("Observations", self.nobs),
                ("Clusters", f"{self.n_clusters} (by {self.cluster!r})"), *rows,
                ("Covariance", self.cov_note),
                ("Inference", f"{self._df_words()}, {self.level:.0%} intervals")]
        if self._bootstrap is not None:
            rows[-1] = ("Inference", f"p-values and {self.level:.0%} intervals by bootstrap; "
                        "std_error analytic")
            rows.append(("Bootstrap", self._bootstrap.words()))
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
        """Two-sided p-value of the DiD coefficient (t with ``df`` d.o.f., or the bootstrap's)."""
        if self._bootstrap is not None:
            return float(self._bootstrap.p_value[0])
        return float(p_value(self.estimate, self.std_error, self.df))

    def to_frame(self) -> pd.DataFrame:
        """Return the DiD coefficient as one tidy row.

        Columns: ``term``, ``estimate``, ``std_error``, ``ci_lower``, ``ci_upper``,
        ``p_value`` (t with ``df`` degrees of freedom; after :meth:`wild_bootstrap` the
        interval and p-value are the bootstrap's, ``std_error`` stays analytic),
        ``n_obs``, ``n_clusters``.
        """
        frame = effect_frame({"term": [self.term]}, self.estimate, self.std_error,
                             level=self.level, df=self.df,
                             extra={"n_obs": [self.nobs], "n_clusters": [self.n_clusters]})
        return self._bootstrapped(frame, np.array([True]))

    def _with_bootstrap(self, boot: WildBootstrap) -> DiDResult:
        table = self.coefficients.copy()
        if boot.level != self.level:
            dof = table["df"].to_numpy() if "df" in table else self.df
            table = coefficient_table(list(table.index), table["estimate"].to_numpy(),
                                      table["std_error"].to_numpy(), dof, level=boot.level)
        table.loc[self.term, ["p_value", "ci_lower", "ci_upper"]] = [
            boot.p_value[0], boot.ci_lower[0], boot.ci_upper[0]]
        return replace(self, level=boot.level, coefficients=table, _bootstrap=boot)

    def _vcov_matrix(self) -> np.ndarray:
        return np.array([[self.std_error**2]])

    def randomization_test(
        self, n_perm: int = 10_000, seed: int | np.random.Generator | None = None,
        level: float | None = None,
    ) -> RandomizationResult:
        """Randomization inference: re-assign treatment across clusters, re-estimate.

        ``did_2x2``: the ``treated`` groups are re-assigned across clusters, keeping the
        number of treated clusters. ``twfe``: each cluster's adoption period (its first
        treated period; the treatment must be absorbing and constant within cluster and
        period) is re-assigned across clusters, keeping the number adopting in each wave
        (never treated is a wave). The two-sided p-value is the share of assignments, the
        observed one included, with ``|estimate*| >= |estimate|`` (ties within a relative
        1e-12). When the design has at most ``n_perm`` distinct assignments, every one is
        enumerated (exact, seed-free p-value); otherwise ``n_perm`` are drawn with
        ``seed`` and ``p = (1 + hits) / (1 + n_perm)``. See
        :mod:`effekt.estimators.randomization` (Fisher 1935; MacKinnon & Webb 2020).
        The interval ``ci_lower``/``ci_upper`` holds the constant additive effects that
        the test does not reject (the treated outcomes shifted by ``tau``; Rosenbaum
        2002, sec. 2.6), found exactly.

        Each assignment's coefficient comes from the partialled-out regression
        (Frisch-Waugh-Lovell), not a full refit: on a 30-cluster samhandling-like TWFE
        panel (10,040 rows, 4 waves and never treated) about 0.2 ms of CPU per
        assignment, so the default 10,000 take a few seconds
        (``benchmarks/randomization_cost.py``).

        Parameters
        ----------
        n_perm : int, default 10000
            Assignments to draw (or the most to enumerate).
        seed : int or numpy.random.Generator, optional
            Seed of the draws; same seed, same p-value.
        level : float, optional
            Confidence level of the interval; default the result's ``level``.

        Returns
        -------
        RandomizationResult

        Raises
        ------
        DataError
            Treatment not constant within cluster (or, for TWFE, not absorbing), or the
            data changed since estimation.
        NotEstimableError
            A result made without its data, or a design with one assignment only.

        Examples
        --------
        >>> from effekt.estimators import did_2x2
        >>> from effekt.synthetic.examples import two_period
        >>> res = did_2x2(two_period(n_units=10, effect=3.0), outcome="y", unit="unit",
        ...               time="year", treated="treated", post="post")
        >>> ri = res.randomization_test()
        >>> ri.enumerated, ri.n_assignments, round(ri.p_value, 4)
        (True, 252, 0.0079)
        """
        return randomization_did(self, self._refit, n_perm=n_perm, seed=seed,
                                 level=self.level if level is None else level)

    def summary(self) -> str:
        """Return a deterministic text summary."""
        title = {
            "2x2": "Difference-in-differences (2x2, regression form)",
            "twfe": "Two-way fixed effects DiD",
        }[self.method]
        text = self._header(title, []) + "\n\n" + format_table(self.coefficients)
        if self._bootstrap is not None:
            text += (f"\n\np_value, ci_lower and ci_upper of {self.term!r}: wild cluster "
                     "bootstrap; std_error, t_stat and the other rows: analytic.")
        return text

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

    _plot_title: ClassVar[str] = "Event study"

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
        reference = np.asarray(self.event_time) == self.reference
        if np.ndim(self.df) == 0:
            frame = effect_frame(
                {"event_time": np.asarray(self.event_time, dtype=int)}, self.estimate,
                self.std_error, level=self.level, df=self.df, extra={"reference": reference},
            )
        else:  # CR2: a Satterthwaite df for every event time
            dfs = np.asarray(self.df, dtype=float)
            crit = np.array([critical_value(self.level, float(d)) if np.isfinite(d)
                             else np.nan for d in dfs])
            frame = effect_frame(
                {"event_time": np.asarray(self.event_time, dtype=int)}, self.estimate,
                self.std_error, level=self.level, df=dfs, crit=crit,
                extra={"reference": reference, "df": dfs},
            )
        return self._bootstrapped(frame, ~reference)

    def _vcov_matrix(self) -> np.ndarray:
        return self.covariance

    def average(self, event_times: Sequence[int] | None = None) -> tuple[float, float]:
        """Return ``(estimate, std_error)`` of the mean coefficient over ``event_times``.

        Default: every estimated event time ``>= 0``. The standard error is
        ``sqrt(a'Va)`` under the joint covariance, ``a`` the averaging weights; refer it to
        t with :meth:`average_df` degrees of freedom.

        Examples
        --------
        >>> from effekt.estimators import event_study
        >>> from effekt.synthetic.examples import staggered_panel
        >>> df = staggered_panel(n_units=30, periods=6, cohorts=(4,), effect=1.0)
        >>> res = event_study(df, outcome="y", unit="id", time="t", cohort="g", se="CR2")
        >>> est, se = res.average()
        >>> bool(res.average_df() < 29), bool(abs(est - 1.0) < 4 * se)
        (True, True)
        """
        a, estimated = self._averaging(event_times)
        est = float(a @ np.asarray(self.estimate)[estimated])
        v = np.asarray(self.covariance)[np.ix_(estimated, estimated)]
        return est, float(np.sqrt(max(a @ v @ a, 0.0)))

    def average_df(self, event_times: Sequence[int] | None = None) -> float:
        """Return the degrees of freedom of the t test of :meth:`average`.

        ``n_clusters - 1`` under CR1; under CR2 the Satterthwaite df of the contrast
        ``a'b`` itself (:func:`~effekt.estimators.covariance.satterthwaite_df`, with the
        absorbed effects as in the fit), not that of any one coefficient.
        """
        a, _ = self._averaging(event_times)
        if np.ndim(self.df) == 0:
            return float(self.df)
        data = self._wild_data
        return float(satterthwaite_df(data.X, data.clusters, a, absorbed=data.absorbed))

    def _averaging(self, event_times: Sequence[int] | None) -> tuple[np.ndarray, np.ndarray]:
        """Return the averaging weights over the estimated event times, and which those are."""
        times = np.asarray(self.event_time)
        estimated = times != self.reference
        wanted = (times[estimated & (times >= 0)] if event_times is None
                  else np.asarray(list(event_times)))
        missing = sorted(set(wanted.tolist()) - set(times[estimated].tolist()))
        if missing or wanted.size == 0:
            raise SpecError(f"event_times {missing or wanted.tolist()} are not estimated; "
                            f"available: {times[estimated].tolist()}.")
        return np.isin(times, wanted)[estimated] / np.unique(wanted).size, estimated

    def randomization_test(
        self, event_time: int | None = None, n_perm: int = 10_000,
        seed: int | np.random.Generator | None = None, level: float | None = None,
    ) -> RandomizationResult:
        """Randomization inference: re-assign the cohorts across clusters, re-estimate.

        The cohort (first treated period, never treated a wave of its own) must be
        constant within cluster; the cohorts are re-assigned across clusters keeping the
        number of clusters in each. The statistic is the coefficient at ``event_time``,
        or by default the mean of the coefficients at event times ``>= 0``. P-value,
        enumeration and draws as in :meth:`DiDResult.randomization_test`; each
        assignment's coefficients come from the partialled-out regression
        (Frisch-Waugh-Lovell), not a full refit. The interval holds the constant
        additive effects (on every treated observation) that the test does not reject.

        Parameters
        ----------
        event_time : int, optional
            The event time tested; default the mean over event times ``>= 0``.
        n_perm : int, default 10000
            Assignments to draw (or the most to enumerate).
        seed : int or numpy.random.Generator, optional
            Seed of the draws.
        level : float, optional
            Confidence level of the interval; default the result's ``level``.

        Returns
        -------
        RandomizationResult

        Examples
        --------
        >>> from effekt.estimators import event_study
        >>> from effekt.synthetic.examples import staggered_panel
        >>> df = staggered_panel(n_units=12, periods=4, cohorts=(3,), effect=2.0, seed=1)
        >>> res = event_study(df, outcome="y", unit="id", time="t", cohort="g")
        >>> ri = res.randomization_test(event_time=0)
        >>> ri.enumerated, ri.n_assignments, round(ri.p_value, 4)
        (True, 792, 0.0038)
        """
        return randomization_event_study(self, self._refit, event_time=event_time,
                                         n_perm=n_perm, seed=seed,
                                         level=self.level if level is None else level)

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
            ylabel=f"Estimate ({self.level:.0%} CI)", title=self._plot_title, ax=ax,
        )
        return figure_of(ax)
