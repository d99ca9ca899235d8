"""The weighted outcome regression on a matched or weighted sample, and its result.

The effect is the coefficient of the treatment in ``lm(y ~ treat [+ covariates],
weights)``, as MatchIt's and WeightIt's vignettes recommend. Standard errors:

* ``"cluster"`` — cluster-robust CR1 by subclass (matched pair), the sandwich with the
  small-sample factor ``G/(G-1) * (n-1)/(n-k)`` of Stata and R's
  ``sandwich::vcovCL(type = "HC1")``; a further ``cluster`` column gives two-way
  clustering (Cameron, Gelbach and Miller 2011) by subclass and that column. After
  matching with replacement the regression runs on one row per unit per pair (MatchIt's
  ``get_matches()``: the focal unit with weight 1, each of its ``M_i`` matches with
  weight ``1/M_i``), clustered two-way by pair and unit, as MatchIt's documentation
  recommends (Austin and Cafri 2020). Intervals and p-values use ``t`` with
  ``G - 1`` degrees of freedom (the smallest ``G`` for two-way clustering; Cameron and
  Miller 2015), not the normal;
* ``"CR2"`` — the bias-reduced CR2 of Bell and McCaffrey (2002) by subclass, with ``t``
  on the Satterthwaite degrees of freedom (Pustejovsky and Tipton 2018), as
  ``clubSandwich::coef_test(vcovCR(fit, cluster = subclass, type = "CR2"))``. It is
  defined here for constant weights only (1:1 or complete k:1 matching without
  replacement, exact matching with equal-sized strata): with non-constant weights
  clubSandwich and estimatr define different adjustments, so those are refused
  (:func:`effekt.estimators.covariance.sandwich`);
* ``"robust"`` — heteroskedasticity-robust HC1, ``n/(n-k)``, normal intervals.

All come from :func:`effekt.estimators.covariance.sandwich`.

References
----------
Austin, P. C. and Cafri, G. (2020). Variance estimation when using propensity-score
matching with replacement with survival or time-to-event outcomes. *Statistics in
Medicine* 39(11), 1623-1640.
Bell, R. M. and McCaffrey, D. F. (2002). Bias reduction in standard errors for linear
regression with multi-stage samples. *Survey Methodology* 28(2), 169-181.
Cameron, A. C., Gelbach, J. B. and Miller, D. L. (2011). Robust inference with multiway
clustering. *Journal of Business & Economic Statistics* 29(2), 238-249.
Cameron, A. C. and Miller, D. L. (2015). A practitioner's guide to cluster-robust
inference. *Journal of Human Resources* 50(2), 317-372.
Ho, D. E., Imai, K., King, G. and Stuart, E. A. (2011). MatchIt: nonparametric
preprocessing for parametric causal inference. *Journal of Statistical Software* 42(8).
Pustejovsky, J. E. and Tipton, E. (2018). Small-sample methods for cluster-robust
variance estimation and hypothesis testing in fixed effects models. *Journal of Business
& Economic Statistics* 36(4), 672-683.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from effekt._checks import (
    check_clusters,
    check_column_args,
    check_finite,
    check_level,
    check_no_missing,
    check_numeric,
    check_standard_error,
    check_varies,
)
from effekt.errors import SpecError
from effekt.estimators._linalg import wls
from effekt.estimators.covariance import sandwich
from effekt.estimators.matching.propensity import covariate_design
from effekt.plotting import coefficient_plot
from effekt.results import (
    EffectResults,
    confidence_interval,
    effect_frame,
    figure_of,
    format_table,
    p_value,
)

__all__ = ["ESTIMAND_WORDS", "EffectResult", "weighted_effect"]

ESTIMAND_WORDS = {
    "ATT": "average treatment effect on the treated (ATT)",
    "ATC": "average treatment effect on the controls (ATC)",
    "ATE": "average treatment effect (ATE)",
}


@dataclass(frozen=True, eq=False, repr=False)
class EffectResult(EffectResults):
    """An effect estimated on a matched or weighted sample.

    Attributes
    ----------
    estimate, std_error : float
        The treatment coefficient and its standard error.
    estimand : str
        In words, e.g. "average treatment effect on the treated (ATT)".
    outcome : str
        The outcome column.
    covariates : tuple of str
        Covariates in the outcome regression (empty for a difference in means).
    se_type : str
        How the standard error was computed (also :attr:`inference`).
    nobs, n_clusters : int
        Units with positive weight, and clusters (units for non-clustered SEs).
    n_treated, n_control : int
        Treated and control units with positive weight.
    term : str
        The row label of :meth:`to_frame`: the treatment column.
    level : float
        Confidence level.
    df : float or None
        Degrees of freedom of the ``t`` intervals and p-values (``G - 1`` for
        cluster-robust CR1, the Satterthwaite df for CR2); None for normal ones.
    """

    estimate: float
    std_error: float
    estimand: str
    outcome: str
    covariates: tuple[str, ...]
    se_type: str
    nobs: int
    n_clusters: int
    n_treated: int
    n_control: int
    term: str = "treatment"
    level: float = 0.95
    df: float | None = None

    label_columns = ("term",)

    def __post_init__(self) -> None:
        check_level(self.level)

    @property
    def inference(self) -> str:
        """How the standard error was computed, in words (and which intervals)."""
        if self.df is None:
            return f"{self.se_type}; normal intervals"
        return f"{self.se_type}; t intervals with {self.df:.4g} degrees of freedom"

    @property
    def ci(self) -> tuple[float, float]:
        """The confidence interval at ``level`` (``t`` with :attr:`df`, else normal)."""
        lo, hi = confidence_interval(self.estimate, self.std_error, self.level, df=self.df)
        return float(lo), float(hi)

    @property
    def p_value(self) -> float:
        """Two-sided p-value for a zero effect (``t`` with :attr:`df`, else normal)."""
        return float(p_value(self.estimate, self.std_error, self.df))

    def to_frame(self) -> pd.DataFrame:
        """One tidy row: term, estimate, std_error, ci_lower, ci_upper, p_value and counts."""
        return effect_frame(
            {"term": [self.term]}, self.estimate, self.std_error, level=self.level,
            df=self.df, extra={"n_treated": [self.n_treated], "n_control": [self.n_control],
                   "n_clusters": [self.n_clusters]},
        )

    def _vcov_matrix(self) -> np.ndarray:
        return np.array([[self.std_error**2]])

    def summary(self) -> str:
        """Deterministic text summary."""
        table = self.to_frame()[["estimate", "std_error", "ci_lower", "ci_upper", "p_value"]]
        table.index = [self.outcome]
        covs = ", ".join(self.covariates) if self.covariates else "none"
        return "\n".join(
            [
                f"Effect on {self.outcome}: {self.estimand}",
                f"Outcome-regression covariates: {covs}",
                f"Standard errors: {self.inference}",
                f"Units: {self.n_treated} treated, {self.n_control} control",
                format_table(table),
            ]
        )

    def plot(self, ax=None):
        """Point estimate with its confidence interval; returns the matplotlib Figure."""
        frame = self.to_frame().assign(term=[self.outcome])
        ax = coefficient_plot(frame, label="term",
                              xlabel=f"{self.estimand} ({int(self.level * 100)}% CI)", ax=ax)
        return figure_of(ax)


def weighted_effect(
    data: pd.DataFrame,
    *,
    treatment: str,
    outcome: str,
    weights: str,
    covariates: Sequence[str],
    estimand: str,
    se: str,
    clusters: list[str],
) -> EffectResult:
    """Fit ``outcome ~ treatment + covariates`` by WLS on ``data`` and return the effect.

    ``se``: ``"robust"`` (HC1, normal), ``"cluster"`` (CR1 by ``clusters``, one or two
    columns, ``t(G - 1)``) or ``"CR2"`` (by the one column in ``clusters``, constant
    weights only, ``t`` on the Satterthwaite df).
    """
    check_column_args(data, {"outcome": outcome, "cluster": list(clusters)}, table="data",
                      many=("cluster",))
    check_numeric(data, [outcome], table="data")
    check_no_missing(data, [outcome, *clusters], table="data")
    check_finite(data, [outcome], table="data")
    used = data[data[weights] > 0]
    check_varies(used, outcome, table="the matched or weighted sample")
    for c in clusters:
        check_clusters(used, c, table="the matched or weighted sample")
    covs = list(covariates)
    parts = [np.ones(len(data)), data[treatment].to_numpy(dtype=float)]
    if covs:
        parts.extend(covariate_design(data, covs).to_numpy(dtype=float).T)
    X = np.column_stack(parts)
    y = data[outcome].to_numpy(dtype=float)
    w = data[weights].to_numpy(dtype=float)
    if se == "CR2":
        wp = w[w > 0]
        if np.ptp(wp) > 1e-12 * wp.max():
            raise SpecError(
                f"se='CR2' needs constant weights, and these range from {wp.min():.4g} to "
                f"{wp.max():.4g} (matching with replacement, ties, incomplete k:1 matching, "
                "exact/CEM strata of unequal sizes, or weighting): CR2 for weighted least "
                "squares is not implemented. Use se='cluster' (CR1 with t(G-1)), or, after "
                "covariate matching with replacement, se='abadie_imbens'."
            )
    cov_type = {"robust": "HC1", "cluster": "CR1", "CR2": "CR2"}[se]
    coef, bread = wls(
        y, X, w, what="outcome regression",
        hint="a covariate is collinear with the treatment or constant in the matched sample.",
    )
    cov = sandwich(
        X, y - X @ coef, bread=bread, weights=w, cov_type=cov_type,
        clusters=[data[c].to_numpy() for c in clusters] or None,
        cluster_names=clusters or None,
    )
    check_standard_error(np.sqrt(cov.vcov[1, 1]), used[outcome],
                         what=f"the effect on {outcome!r}")
    df = None
    if se == "CR2":
        df = float(cov.coef_df[1])
    elif se == "cluster":
        df = float(cov.df)
    t = data[treatment].to_numpy()
    return EffectResult(
        term=treatment,
        estimate=float(coef[1]),
        std_error=float(np.sqrt(cov.vcov[1, 1])),
        estimand=ESTIMAND_WORDS[estimand],
        outcome=outcome,
        covariates=tuple(covs),
        se_type=cov.note,
        nobs=int((w > 0).sum()),
        n_clusters=int(cov.n_clusters or cov.n_obs),
        n_treated=int((t[w > 0] == 1).sum()),
        n_control=int((t[w > 0] == 0).sum()),
        df=df,
    )
