"""Results of :func:`effekt.estimators.did.staggered.att_gt` and of its aggregations.

A :class:`GroupTimeResult` carries the influence functions of every ATT(g,t) (as an
:class:`~effekt.estimators.inference.InfluenceBasis`), so aggregating or changing inference
never refits: :meth:`GroupTimeResult.bootstrap` returns a new result whose cells and
aggregations use the multiplier bootstrap with the same draws.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from effekt._checks import check_choice, check_level
from effekt.errors import EffektWarning, NotEstimableError
from effekt.estimators.did.aggregation import Aggregation, aggregate_cells
from effekt.estimators.did.pretrend import PretrendMethod, PretrendTest, pretrend_test
from effekt.estimators.inference import (
    FEW_CLUSTERS,
    BootWeights,
    InfluenceBasis,
    analytic_se,
    bootstrap_summary,
    default_weights,
)
from effekt.estimators.randomization import RandomizationResult, Refit
from effekt.estimators.randomization_designs import randomization_att_gt
from effekt.plotting import POST_COLOUR, PRE_COLOUR, event_study_plot
from effekt.results import (
    EffectResults,
    confidence_interval,
    effect_frame,
    figure_of,
    format_table,
    p_value,
)

__all__ = ["AggregateResult", "GroupTimeResult", "PretrendMethod", "PretrendTest"]

_LABEL = {"dynamic": "event_time", "group": "group", "calendar": "period", "simple": None}


_UNBALANCED_WORDS = {
    "pairwise": "; unbalanced panel: each cell from the units observed in both its periods",
    "rcs": "; unbalanced panel: each cell's rows as repeated cross-sections (R did)",
}


@dataclass(frozen=True, eq=False, repr=False)
class AggregateResult(EffectResults):
    """An aggregation of group-time ATTs (R ``aggte``): per-label estimates and the overall one.

    ``labels`` are event times (``kind="dynamic"``), cohorts (``"group"``) or periods
    (``"calendar"``); ``"simple"`` has the overall estimate only, as one row labelled
    ``term = "ATT"``. ``crit`` is the critical value of the uniform band (bootstrap with
    ``cband=True``), NaN otherwise. ``covariance`` (and :attr:`vcov`, labelled) is the
    *analytic* joint covariance of the rows of :meth:`to_frame` (from the influence
    functions, clustered if set) whatever the inference shown: under the bootstrap the
    ``std_error`` column holds the bootstrap standard errors and ``vcov`` stays analytic.
    ``nobs`` is the observations behind the cells (units in a panel, rows otherwise).
    """

    kind: str
    labels: np.ndarray
    estimate: np.ndarray
    std_error: np.ndarray
    overall_att: float
    overall_se: float
    crit: float
    level: float
    inference: str
    outcome: str
    skipped: tuple[tuple[float, float], ...] = ()
    window: tuple = (None, None, None)
    covariance: np.ndarray | None = field(default=None, repr=False)
    nobs: int = 0

    def __post_init__(self) -> None:
        check_level(self.level)

    @property
    def label_columns(self) -> tuple[str, ...]:
        """The label column of :meth:`to_frame`: event_time, group, period, or term."""
        return (_LABEL[self.kind] or "term",)

    @property
    def estimand(self) -> str:
        """The estimand in words."""
        words = {
            "simple": "the average ATT over all post-treatment (cohort, period) cells, "
            "weighted by cohort size",
            "group": "the average ATT of each cohort over its post-treatment periods; overall "
            "their cohort-size-weighted average",
            "calendar": "the average ATT in each calendar period over cohorts treated by then; "
            "overall their mean",
            "dynamic": "the average ATT by time since treatment (event time), weighted by "
            "cohort size; overall the mean over event times >= 0",
        }
        return f"Effect on {self.outcome}: {words[self.kind]}."

    @property
    def overall_ci(self) -> tuple[float, float]:
        """Pointwise confidence interval of the overall estimate."""
        lo, hi = confidence_interval(self.overall_att, self.overall_se, self.level)
        return float(lo), float(hi)

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: the label column, estimate, std_error, CIs, p_value (+ uniform band).

        The label is ``event_time``, ``group`` or ``period``; for ``"simple"`` one row
        ``term = "ATT"``. Inference is normal (pointwise); with a bootstrap uniform band
        the columns ``uniform_lower`` and ``uniform_upper`` follow.
        """
        if self.kind == "simple":
            return effect_frame({"term": ["ATT"]}, [self.overall_att], [self.overall_se],
                                level=self.level)
        extra = {}
        if np.isfinite(self.crit):
            extra["uniform_lower"], extra["uniform_upper"] = confidence_interval(
                self.estimate, self.std_error, crit=self.crit)
        return effect_frame({_LABEL[self.kind]: self.labels}, self.estimate, self.std_error,
                            level=self.level, extra=extra)

    def _vcov_matrix(self) -> np.ndarray:
        return self.covariance

    def summary(self) -> str:
        """Return the text summary."""
        lo, hi = self.overall_ci
        lines = [
            f"Aggregated ATT ({self.kind}), outcome {self.outcome}",
            f"Estimand: {self.estimand}",
            f"Inference: {self.inference}",
            f"Overall: {self.overall_att:.4f} (SE {self.overall_se:.4f}), "
            f"{self.level:.0%} CI [{lo:.4f}, {hi:.4f}], "
            f"p-value {float(p_value(self.overall_att, self.overall_se)):.4f}",
        ]
        if self.kind != "simple":
            lines.append(format_table(self.to_frame().set_index(_LABEL[self.kind])))
        if self.skipped:
            lines.append(f"Skipped non-estimable cells (g, t): {list(self.skipped)}")
        return "\n".join(lines)

    def plot(self, ax=None):
        """Plot the estimates with pointwise (thick) and, if bootstrapped, uniform (thin) bands.

        Pre-treatment event times are drawn in a different colour; a reference line marks 0.
        Returns the matplotlib Figure.
        """
        frame = self.to_frame()
        label = self.label_columns[0]
        x = frame[label].to_numpy(float) if self.kind != "simple" else np.zeros(1)
        uniform = "uniform_lower" in frame
        ax = event_study_plot(
            x, frame["estimate"], frame["ci_lower"], frame["ci_upper"],
            uniform_lower=frame["uniform_lower"] if uniform else None,
            uniform_upper=frame["uniform_upper"] if uniform else None,
            xlabel=_LABEL[self.kind] or "", ylabel=f"ATT on {self.outcome}", ax=ax,
        )
        return figure_of(ax)


@dataclass(frozen=True, eq=False, repr=False)
class GroupTimeResult(EffectResults):
    """Group-time average treatment effects ATT(g,t) (Callaway & Sant'Anna 2021).

    Attributes
    ----------
    group, time, base : ndarray
        Cohort, period and base (comparison) period of each cell.
    att : ndarray
        ATT(g,t); NaN where the cell could not be estimated.
    reference : ndarray of bool
        The base-period cells of ``base_period="universal"`` (0 by construction, no SE).
    basis : InfluenceBasis
        Influence functions of the cells (n observations × cells) and the cohort indicators.

    :attr:`vcov` is the analytic covariance of the cells (from the influence functions,
    clustered if set; NaN for cells that are not estimated), whatever the inference in use.
    """

    group: np.ndarray
    time: np.ndarray
    base: np.ndarray
    att: np.ndarray
    reference: np.ndarray
    basis: InfluenceBasis
    pg: np.ndarray
    cell_group_index: np.ndarray
    periods: np.ndarray
    gram: np.ndarray
    settings: dict
    notes: tuple[str, ...] = ()
    draws: np.ndarray | None = None
    boot: dict = field(default_factory=dict)
    level: float = 0.95
    _refit: Refit | None = field(default=None, repr=False)  # the call, for re-estimation

    label_columns = ("group", "time")

    def __post_init__(self) -> None:
        check_level(self.level)

    @property
    def nobs(self) -> int:
        """Observations behind the estimates: units in a panel, rows in cross-sections."""
        return self.basis.n

    @property
    def outcome(self) -> str:
        """The outcome column."""
        return str(self.settings["outcome"])

    @property
    def usable(self) -> np.ndarray:
        """Cells with an estimate."""
        return np.isfinite(self.att)

    @property
    def estimand(self) -> str:
        """The estimand in words."""
        s = self.settings
        ctrl = "never-treated units" if s["control"] == "never" else "not-yet-treated units"
        return (
            f"ATT(g,t): the average effect on {s['outcome']} in period t of first treatment in "
            f"period g, among units first treated in g, against {ctrl} "
            f"({s['base_period']} base period, anticipation {s['anticipation']})"
            + _UNBALANCED_WORDS.get(s.get("unbalanced"), "") + "."
        )

    @property
    def inference(self) -> str:
        """Description of the inference in use."""
        if self.draws is None:
            how = "analytic (influence function)"
        else:
            b = self.boot
            how = f"multiplier bootstrap ({b['n_boot']} draws, {b['weights']} weights"
            if b.get("weights_default") and b["weights"] == "webb":
                how += f" (default with fewer than {FEW_CLUSTERS} clusters)"
            how += ", one per cluster" if self.basis.cluster is not None else ""
            how += ", uniform band)" if b["cband"] else ")"
        if self.settings.get("cluster"):
            how += f", clustered by {self.settings['cluster']} ({self.basis.n_clusters} clusters)"
        return how

    def _se_crit(self, coef: np.ndarray, cband: bool) -> tuple[np.ndarray, float]:
        if self.draws is None:
            return analytic_se(coef, self.gram, self.basis.n), float("nan")
        se, crit = bootstrap_summary(self.draws @ coef, self.basis.n, self.level)
        return se, crit if cband else float("nan")

    @property
    def std_error(self) -> np.ndarray:
        """Standard errors of the cells (analytic or bootstrap)."""
        return self._cell_inference()[0]

    def _cell_inference(self):
        m = self.att.shape[0]
        coef = np.zeros((self.basis.size, m))
        coef[np.arange(m), np.arange(m)] = 1.0
        se, crit = self._se_crit(coef, bool(self.boot.get("cband")))
        se = np.where(self.usable & ~self.reference, se, np.nan)
        return se, crit

    def bootstrap(
        self,
        n_boot: int = 999,
        weights: BootWeights | None = None,
        seed: int | np.random.Generator | None = None,
        cband: bool = True,
    ) -> GroupTimeResult:
        """Return a new result using the multiplier bootstrap (cells and every aggregation).

        The draws are made once here (blocked matrix products of weights and influence
        functions) and reused by :meth:`aggregate`, so the bootstrap of an aggregation is the
        same draws' linear combination, as in R ``did``. Clustered (``cluster=`` of
        ``att_gt``), every draw gives one weight to each cluster, applied to the cluster's
        sum of influence functions.

        ``weights``: ``"mammen"`` (Mammen 1993), ``"rademacher"`` (±1, R ``did``'s) or
        ``"webb"`` (six points ``±sqrt(1/2), ±1, ±sqrt(3/2)``, each 1/6; Webb 2014).
        The default (None) is ``"webb"`` when clustered with fewer than 12 clusters
        (:data:`~effekt.estimators.inference.FEW_CLUSTERS`: a two-point law has only
        ``2**G`` distinct draws) and ``"mammen"`` otherwise; :attr:`inference` says which.
        """
        chosen = default_weights(self.basis.n_clusters) if weights is None else weights
        draws = self.basis.draws(n_boot, chosen, seed)
        seed_txt = seed if isinstance(seed, int) else type(seed).__name__
        boot = {"n_boot": n_boot, "weights": chosen, "seed": seed_txt, "cband": bool(cband),
                "weights_default": weights is None}
        return dataclasses.replace(self, draws=draws, boot=boot)

    def analytic(self) -> GroupTimeResult:
        """Return a new result using analytic influence-function standard errors."""
        return dataclasses.replace(self, draws=None, boot={})

    def aggregate(
        self,
        kind: Aggregation = "simple",
        min_e: float | None = None,
        max_e: float | None = None,
        balance_e: int | None = None,
    ) -> AggregateResult:
        """Aggregate the ATT(g,t) as R ``did``'s ``aggte`` (Callaway & Sant'Anna 2021, Sec. 3).

        Parameters
        ----------
        kind : {"simple", "group", "calendar", "dynamic"}
            Weighted average of post-treatment cells; by cohort; by calendar period; by event
            time ``t - g``.
        min_e, max_e : float, optional
            Event-time window (``dynamic``; ``max_e`` also limits ``simple`` and ``group``).
        balance_e : int, optional
            Keep only cohorts observed for at least ``balance_e`` periods after treatment.

        Returns
        -------
        AggregateResult

        Warns
        -----
        EffektWarning
            When cells that could not be estimated are skipped.
        """
        check_choice("kind", kind, Aggregation)
        skipped = tuple(
            (float(g), float(t))
            for g, t in zip(self.group[~self.usable], self.time[~self.usable], strict=True)
        )
        if skipped:
            warnings.warn(
                f"aggregate({kind!r}) skips {len(skipped)} non-estimable ATT(g,t) cells "
                f"(g, t): {list(skipped)[:5]}{' ...' if len(skipped) > 5 else ''}",
                EffektWarning,
                stacklevel=2,
            )
        spec = aggregate_cells(
            kind, self.group, self.time, self.att, self.usable, self.cell_group_index, self.pg,
            self.periods, self.basis.size,
            min_e=-np.inf if min_e is None else min_e,
            max_e=np.inf if max_e is None else max_e,
            balance_e=balance_e,
        )
        cband = bool(self.boot.get("cband")) and kind != "simple"
        se, crit = (self._se_crit(spec.coef, cband) if spec.coef.shape[1]
                    else (np.array([]), float("nan")))
        overall_se = self._se_crit(spec.overall_coef[:, None], False)[0][0]
        coef = spec.overall_coef[:, None] if kind == "simple" else spec.coef
        if kind == "simple":
            se = np.array([overall_se])
        # analytic joint covariance of the rows of to_frame() (C' Z'Z C / n^2), for joint
        # draws of the estimates (e.g. budgeting.from_effect)
        vcov = coef.T @ self.gram @ coef / self.basis.n**2
        return AggregateResult(
            kind=kind, labels=spec.labels, estimate=spec.estimate, std_error=se,
            overall_att=spec.overall_estimate, overall_se=float(overall_se), crit=crit,
            level=self.level, inference=self.inference, outcome=self.settings["outcome"],
            skipped=skipped, window=(min_e, max_e, balance_e), covariance=vcov,
            nobs=self.nobs,
        )

    def randomization_test(
        self,
        aggregation: Aggregation = "simple",
        n_perm: int = 10_000,
        seed: int | np.random.Generator | None = None,
        min_e: float | None = None,
        max_e: float | None = None,
        balance_e: int | None = None,
    ) -> RandomizationResult:
        """Randomization inference: permute the adoption schedule across clusters.

        The cohorts (first treated period; never treated, 0, is a wave too) must be
        constant within cluster (``cluster=`` of ``att_gt``, else the unit). They are
        re-assigned across clusters keeping the number of clusters in each cohort,
        ``att_gt`` is re-estimated with the same settings and the overall estimate of
        ``aggregate(aggregation, min_e, max_e, balance_e)`` compared with the observed
        one. The two-sided p-value is the share of assignments, the observed one
        included, with ``|estimate*| >= |estimate|`` (ties within a relative 1e-12);
        every assignment is enumerated (exact, seed-free) when there are at most
        ``n_perm``, otherwise ``n_perm`` are drawn and ``p = (1 + hits) / (1 + n_perm)``
        (Fisher 1935; MacKinnon & Webb 2020; see :mod:`effekt.estimators.randomization`).

        Cost: every assignment is a full ``att_gt`` fit. On the 30-cluster samhandling
        panel of the synthetic municipality (1,004 persons, 10 years, 4 waves and never
        treated; ``benchmarks/randomization_cost.py``) one fit and aggregation takes
        about 3 ms of CPU (4-9 ms wall on a busy 2-core machine) with ``method="dr"``
        and no covariates, so the default 10,000 assignments take about 1 minute; with
        one covariate about 20 ms of CPU per fit (10,000: 3-7 minutes). An unbalanced
        panel is slower still; ask for fewer assignments (e.g. ``n_perm=999``) there.

        Parameters
        ----------
        aggregation : {"simple", "group", "calendar", "dynamic"}
            The aggregation whose overall estimate is tested.
        n_perm : int, default 10000
            Assignments to draw (or the most to enumerate).
        seed : int or numpy.random.Generator, optional
            Seed of the draws.
        min_e, max_e, balance_e : optional
            As in :meth:`aggregate`.

        Returns
        -------
        RandomizationResult
        """
        check_choice("aggregation", aggregation, Aggregation)
        return randomization_att_gt(self, self._refit, aggregation=aggregation,
                                    n_perm=n_perm, seed=seed, min_e=min_e, max_e=max_e,
                                    balance_e=balance_e)

    def pretrend_test(
        self,
        method: PretrendMethod = "auto",
        n_boot: int = 999,
        weights: BootWeights | None = None,
        seed: int | np.random.Generator | None = 0,
    ) -> PretrendTest:
        """Wald test of all pre-treatment ATT(g,t) = 0 (cells with ``g > t``).

        ``"wald"`` gives R ``did``'s chi-squared p-value; ``"bootstrap"`` a studentised
        wild bootstrap of ``W`` by cluster, the default (``"auto"``) with fewer than 50
        clusters, where the chi-squared law over-rejects. See
        :func:`effekt.estimators.did.pretrend.pretrend_test` for the parameters, the
        measured size and power, and an example.
        """
        return pretrend_test(self, method=method, n_boot=n_boot, weights=weights, seed=seed)

    def to_frame(self) -> pd.DataFrame:
        """One row per cell: ``group``, ``time``, the effect columns, then extras.

        Extras: ``base_period``, ``event_time`` (``time - group``), the uniform band
        (``uniform_lower``, ``uniform_upper``) under a bootstrap with ``cband=True``, and
        ``post`` (``time >= group``). p-values are normal (pointwise).
        """
        se, crit = self._cell_inference()
        extra = {"base_period": self.base, "event_time": self.time - self.group}
        if np.isfinite(crit):
            extra["uniform_lower"], extra["uniform_upper"] = confidence_interval(
                self.att, se, crit=crit)
        extra["post"] = self.time >= self.group
        return effect_frame({"group": self.group, "time": self.time}, self.att, se,
                            level=self.level, extra=extra)

    def _vcov_matrix(self) -> np.ndarray:
        m = self.att.shape[0]
        cov = self.gram[:m, :m] / self.basis.n**2
        bad = ~self.usable | self.reference
        cov = cov.copy()
        cov[bad, :] = np.nan
        cov[:, bad] = np.nan
        return cov

    def summary(self) -> str:
        """Return the text summary, with R ``did``'s pre-test line when there is one."""
        s = self.settings
        head = [
            "Group-time ATT (Callaway & Sant'Anna 2021)",
            f"Outcome: {s['outcome']}; method: {s['method']}; control: {s['control']}; "
            f"base period: {s['base_period']}; anticipation: {s['anticipation']}",
            f"Estimand: {self.estimand}",
            f"Observations: {self.basis.n}; cohorts: {len(self.pg)}; inference: "
            f"{self.inference}",
        ]
        table = format_table(
            self.to_frame().drop(columns=["post"]).set_index(["group", "time"]),
            integers=["base_period", "event_time"],
        )
        lines = head + [table]
        try:
            test = self.pretrend_test()
            how = "" if test.method == "wald" else f"; {test.inference}, seed 0"
            lines.append("P-value for pre-test of parallel trends assumption: "
                         f"{test.p_value:.5f} (W = {test.statistic:.4f}, df = {test.df}{how})")
        except NotEstimableError as exc:
            lines.append(f"No pre-test of parallel trends: {exc}.")
        return "\n".join(lines + list(self.notes))

    def plot(self, ax=None):
        """Plot ATT(g,t) with one panel per cohort (like R's ``ggdid``).

        ``ax`` is an optional sequence of Axes, one per cohort. Returns the matplotlib
        Figure (its Axes are ``fig.axes``, one per cohort).
        """
        import matplotlib.pyplot as plt

        frame = self.to_frame()
        groups = np.unique(self.group)
        if ax is None:
            _, ax = plt.subplots(len(groups), 1, sharex=True, squeeze=False,
                                 figsize=(7, 2.2 * len(groups)))
        axes = np.asarray(ax, dtype=object).ravel()
        for a, g in zip(axes, groups, strict=False):
            f = frame[frame["group"] == g]
            for post, colour in ((False, PRE_COLOUR), (True, POST_COLOUR)):
                sub = f[f["post"] == post]
                if "uniform_lower" in sub:
                    a.vlines(sub["time"], sub["uniform_lower"], sub["uniform_upper"],
                             color=colour, linewidth=1, alpha=0.6)
                a.vlines(sub["time"], sub["ci_lower"], sub["ci_upper"], color=colour,
                         linewidth=3)
                a.plot(sub["time"], sub["estimate"], "o", color=colour,
                       label="post" if post else "pre")
            a.axhline(0, color="black", linewidth=0.8)
            a.set_title(f"cohort {g:g}", fontsize=9)
        axes[-1].set_xlabel("period")
        return figure_of(axes)
