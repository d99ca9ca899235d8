"""Randomised experiments: difference in means and Lin's interacted ANCOVA.

* **Difference in means**: OLS of the outcome on an intercept and the treatment. Its
  HC2 standard error equals Neyman's conservative variance ``s1^2/n1 + s0^2/n0``.
* **Lin (2013) ANCOVA**: OLS of the outcome on the treatment, the covariates centred at
  their full-sample means and the treatment-by-centred-covariate interactions; the
  treatment coefficient estimates the average treatment effect and is never less
  precise asymptotically than the difference in means.

Standard errors: ``se="HC2"`` (default; Lin 2013, Samii and Aronow 2012) or ``"HC1"``
(Stata's ``robust``), with Student-t intervals on ``n - k`` degrees of freedom. For a
cluster-randomised design (``cluster=``) the SEs are cluster-robust: CR1 by default
(factor ``G/(G-1) * (n-1)/(n-k)``, Stata's ``vce(cluster)``) with ``G - 1`` degrees of
freedom, or with ``se="CR2"`` the bias-reduced CR2 of Bell and McCaffrey (2002) with
Satterthwaite degrees of freedom (Pustejovsky and Tipton 2018), the default of R's
``estimatr::lm_robust(clusters = )`` and the better choice with few clusters.

References
----------
Bell, R. M. and McCaffrey, D. F. (2002). Bias reduction in standard errors for linear
regression with multi-stage samples. *Survey Methodology* 28(2), 169-181.
Lin, W. (2013). Agnostic notes on regression adjustments to experimental data:
reexamining Freedman's critique. *Annals of Applied Statistics* 7(1), 295-318.
Samii, C. and Aronow, P. M. (2012). On equivalencies between design-based and
regression-based variance estimators for randomized experiments. *Statistics and
Probability Letters* 82(2), 365-370.
Pustejovsky, J. E. and Tipton, E. (2018). Small-sample methods for cluster-robust
variance estimation and hypothesis testing in fixed effects models. *Journal of Business
& Economic Statistics* 36(4), 672-683.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from effekt._checks import (
    as_columns,
    check_choice,
    check_clusters,
    check_column_args,
    check_finite,
    check_frame,
    check_level,
    check_no_missing,
    check_numeric,
    check_standard_error,
    check_varies,
)
from effekt.errors import DataError, NotEstimableError, SpecError
from effekt.estimators._linalg import wls
from effekt.estimators.covariance import sandwich
from effekt.estimators.matching.propensity import covariate_design, treatment_indicator
from effekt.estimators.randomization import RandomizationResult, Refit
from effekt.estimators.randomization_designs import randomization_rct
from effekt.plotting import coefficient_plot
from effekt.results import EffectResults, effect_frame, figure_of, format_table

__all__ = ["RCTResult", "RobustSE", "rct"]

RobustSE = Literal["HC2", "HC1", "CR2", "CR1"]


def _cov_type(se: str, clustered: bool) -> str:
    """Return the sandwich of ``se``: HC types alone; with clusters CR2 if asked, else CR1."""
    if se.startswith("CR") and not clustered:
        raise SpecError(f"se={se!r} is cluster-robust and needs cluster=<column>; use "
                        "'HC2' or 'HC1' for an individually randomised design.")
    if clustered:
        return "CR2" if se == "CR2" else "CR1"
    return se


def _fit(y: np.ndarray, X: np.ndarray, se: str, clusters: np.ndarray | None,
         cluster: str | None = None):
    """OLS coefficients and their robust covariance (HC1, HC2; CR1 or CR2 with clusters)."""
    if np.linalg.matrix_rank(X.T @ X) < X.shape[1]:
        raise NotEstimableError(
            "the regression design is singular: a covariate is constant within a treatment "
            "arm or collinear with others; remove it."
        )
    coef, bread = wls(y, X, what="regression design")
    cov = sandwich(X, y - X @ coef, bread=bread, cov_type=_cov_type(se, clusters is not None),
                   clusters=clusters, cluster_names=cluster)
    return coef, cov


@dataclass(frozen=True, eq=False, repr=False)
class RCTResult(EffectResults):
    """Effect estimates from a randomised experiment.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per estimator (index ``estimator``: ``difference_in_means`` and, with
        covariates, ``lin_ancova``) with ``estimate``, ``std_error``, ``ci_lower``,
        ``ci_upper``, ``p_value`` and ``df`` (t degrees of freedom).
    outcome, treatment : str
        The outcome and 0/1 treatment columns.
    covariates : tuple of str
        Covariates of the Lin regression.
    se_type : str
        How the standard errors were computed.
    nobs, n_treated, n_control : int
        Units used.
    n_clusters : int or None
        Clusters (randomisation units) in a cluster-randomised design.
    estimand : str
        In words.
    level : float
        Confidence level.
    """

    table: pd.DataFrame
    outcome: str
    treatment: str
    covariates: tuple[str, ...]
    se_type: str
    nobs: int
    n_treated: int
    n_control: int
    n_clusters: int | None
    estimand: str
    level: float
    _refit: Refit | None = field(default=None, repr=False)  # the call, for re-estimation

    label_columns = ("estimator",)

    def __post_init__(self) -> None:
        check_level(self.level)

    @property
    def inference(self) -> str:
        """How the standard errors and intervals are computed, in words."""
        return self.se_type

    def to_frame(self) -> pd.DataFrame:
        """Tidy table, one row per estimator (``estimator`` as a column), ``df`` last."""
        return self.table.reset_index()

    def _vcov_matrix(self) -> np.ndarray:
        """Variances on the diagonal, NaN off it.

        The two estimators come from separate regressions; their covariance is not estimated.
        """
        var = self.table["std_error"].to_numpy(dtype=float) ** 2
        cov = np.full((var.size, var.size), np.nan)
        np.fill_diagonal(cov, var)
        return cov

    def randomization_test(
        self, estimator: str = "difference_in_means", n_perm: int = 10_000,
        seed: int | np.random.Generator | None = None, level: float | None = None,
    ) -> RandomizationResult:
        """Randomization inference: re-assign treatment across clusters, re-estimate.

        Fisher's randomization test of the sharp null of no effect for any unit: the
        treatment is re-assigned across the randomisation clusters (``cluster=``; without
        it each row is its own cluster), keeping the number treated, and ``estimator``
        (``"difference_in_means"`` or ``"lin_ancova"``) re-estimated. The two-sided
        p-value is the share of assignments, the observed one included, with
        ``|estimate*| >= |estimate|`` (ties within a relative 1e-12); all assignments are
        enumerated (exact, seed-free) when there are at most ``n_perm``, otherwise
        ``n_perm`` are drawn and ``p = (1 + hits) / (1 + n_perm)``. The interval holds
        the constant additive effects the test does not reject (Rosenbaum 2002, sec.
        2.6). See :mod:`effekt.estimators.randomization`.

        Parameters
        ----------
        estimator : {"difference_in_means", "lin_ancova"}
            The estimate tested.
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
        >>> from effekt.synthetic.examples import cross_section
        >>> r = rct(cross_section(n=12, effect=3.0, randomised=True), "y", "t")
        >>> ri = r.randomization_test()
        >>> ri.n_assignments, ri.enumerated
        (924, True)
        """
        return randomization_rct(self, self._refit, estimator=estimator, n_perm=n_perm,
                                 seed=seed, level=self.level if level is None else level)

    def summary(self) -> str:
        """Deterministic text summary."""
        design = (
            f"cluster-randomised, {self.n_clusters} clusters"
            if self.n_clusters is not None
            else "individually randomised"
        )
        covs = ", ".join(self.covariates) if self.covariates else "none"
        return "\n".join(
            [
                f"Randomised experiment ({design}): effect on {self.outcome}",
                f"Estimand: {self.estimand}",
                f"Units: {self.n_treated} treated, {self.n_control} control",
                f"Lin covariates (centred): {covs}; standard errors: {self.se_type}",
                format_table(self.table.drop(columns="df")),
            ]
        )

    def plot(self, ax=None):
        """Estimates with confidence intervals, one row per estimator; returns the Figure."""
        ax = coefficient_plot(self.to_frame(), label="estimator",
                              xlabel=f"effect on {self.outcome} ({int(self.level * 100)}% CI)",
                              ax=ax)
        return figure_of(ax)


def rct(
    df: pd.DataFrame,
    outcome: str,
    treatment: str,
    covariates: str | Sequence[str] | None = None,
    cluster: str | None = None,
    *,
    se: RobustSE = "HC2",
    level: float = 0.95,
) -> RCTResult:
    """Estimate the average treatment effect in a randomised experiment.

    Parameters
    ----------
    df : pandas.DataFrame
        One row per unit. Not modified.
    outcome : str
        Numeric outcome column.
    treatment : str
        0/1 (or boolean) assignment column.
    covariates : str or sequence of str, optional
        Baseline covariates for Lin's interacted ANCOVA (categorical ones expanded to
        indicators); without them only the difference in means is reported.
    cluster : str, optional
        Randomisation cluster (school, kindergarten, district) of a cluster-randomised
        design: SEs become cluster-robust (CR1, or CR2 with ``se="CR2"``) and treatment
        must be constant within clusters.
    se : {"HC2", "HC1", "CR2", "CR1"}
        Heteroskedasticity-robust SE type for individually randomised designs. With
        ``cluster``, ``"CR2"`` gives the Bell-McCaffrey CR2 SE with a Satterthwaite
        ``df`` per estimator (column ``df``); every other value gives CR1 with
        ``G - 1`` df (unchanged default; ``"HC2"``/``"HC1"`` are then ignored). CR types
        need ``cluster``.
    level : float
        Confidence level.

    Returns
    -------
    RCTResult

    Raises
    ------
    DataError
        Missing columns or values, infinite values, a non-0/1 treatment, or a treatment
        that varies within a randomisation cluster.
    SpecError
        ``level`` outside (0, 1), an unknown ``se``, or a CR ``se`` without ``cluster``.
    NotEstimableError
        A constant outcome, a single cluster, or a standard error of 0 (an outcome
        constant within each arm).

    References
    ----------
    Lin, W. (2013). *Annals of Applied Statistics* 7(1), 295-318.

    Examples
    --------
    >>> from effekt.synthetic.examples import cross_section
    >>> r = rct(cross_section(n=400, effect=1.0, randomised=True), "y", "t", covariates=["x"])
    >>> r.table.index.tolist()
    ['difference_in_means', 'lin_ancova']
    >>> bool(r.table.loc["lin_ancova", "std_error"] < r.table.loc["difference_in_means",
    ...      "std_error"])
    True
    """
    check_frame("df", df)
    check_choice("se", se, RobustSE)
    level = check_level(level)
    covs = as_columns("covariates", covariates)
    check_column_args(df, {"outcome": outcome, "treatment": treatment, "cluster": cluster,
                           "covariates": covs})
    check_numeric(df, [outcome])
    check_no_missing(df, [outcome, *([cluster] if cluster else [])])
    check_finite(df, [outcome], table="df")
    check_varies(df, outcome)
    if cluster is not None:
        check_clusters(df, cluster)
    t = treatment_indicator(df, treatment).astype(float)
    y = df[outcome].to_numpy(dtype=float)
    groups = None
    if cluster is not None:
        groups = df[cluster].to_numpy()
        varies = pd.Series(t).groupby(pd.factorize(groups)[0]).nunique() > 1
        if varies.any():
            raise DataError(
                f"treatment {treatment!r} varies within {int(varies.sum())} clusters of "
                f"{cluster!r}; in a cluster-randomised design the whole cluster is assigned. "
                "Check the cluster column or drop cluster= for individual randomisation."
            )
    designs = {"difference_in_means": np.column_stack([np.ones_like(t), t])}
    if covs:
        xc = covariate_design(df, covs).to_numpy(dtype=float)
        xc = xc - xc.mean(axis=0)
        designs["lin_ancova"] = np.column_stack([np.ones_like(t), t, xc, xc * t[:, None]])
    est, std, dof = [], [], []
    for X in designs.values():
        coef, cov = _fit(y, X, se, groups, cluster)
        est.append(float(coef[1]))
        std.append(float(np.sqrt(cov.vcov[1, 1])))
        dof.append(cov.df if cov.coef_df is None else float(cov.coef_df[1]))
    check_standard_error(std, y, what=f"rct on {outcome!r}")
    table = pd.concat(
        [effect_frame({"estimator": [name]}, e, s_, level=level, df=d, extra={"df": [d]})
         for name, e, s_, d in zip(designs, est, std, dof, strict=True)],
        ignore_index=True,
    ).set_index("estimator")
    n_clusters = None if groups is None else int(pd.unique(groups).size)
    if cluster and _cov_type(se, True) == "CR2":
        dfs = ", ".join(f"{d:.1f} ({name})" for name, d in zip(designs, dof, strict=True))
        se_type = (f"CR2 (Bell-McCaffrey) clustered by {cluster} ({n_clusters} clusters), "
                   f"t with Satterthwaite df {dfs}")
    elif cluster:
        se_type = f"cluster-robust CR1 by {cluster}, t with G-1 d.o.f."
    else:
        se_type = f"{se}, t with n-k d.o.f."
    return RCTResult(
        table=table,
        outcome=outcome,
        treatment=treatment,
        covariates=tuple(covs),
        se_type=se_type,
        nobs=len(df),
        n_treated=int(t.sum()),
        n_control=int((1 - t).sum()),
        n_clusters=n_clusters,
        estimand="average treatment effect (ATE) in the experimental sample",
        level=level,
        _refit=Refit(rct, df, dict(outcome=outcome, treatment=treatment, covariates=covariates,
                                   cluster=cluster, se=se, level=level)),
    )
