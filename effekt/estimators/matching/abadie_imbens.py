"""Abadie-Imbens standard errors and bias correction for matching with replacement.

For nearest-neighbour covariate matching of each treated unit to ``M`` controls with
replacement (:func:`~effekt.estimators.matching.match` with ``replace=True``,
``ratio=M`` and ``distance="ivar"`` or ``"mahalanobis"``) the ATT is

``tau = 1/N1 * sum_{W_i=1} [Y_i - Yhat_i(0)]``,
``Yhat_i(0) = 1/M_i * sum_{j in J(i)} [Y_j + mu0(X_i) - mu0(X_j)]``,

with the Abadie and Imbens (2011) bias correction ``mu0`` a linear regression of ``Y``
on the bias-correction covariates fitted on the matched controls weighted by how
often each is used (``k_j`` below; ``K_M(j)/M`` without ties), as in Stata's ``nnmatch``
(Abadie, Drukker, Herr and Imbens 2004), AI (2011) and R Matching's ``BiasAdjust``.

``J(i)`` holds the ``M`` nearest controls and, when the match kept ties
(``match(..., ties=True)``, the default), every control as close as the ``M``-th, so
that ``M_i`` may exceed ``M`` (Abadie and Imbens 2006; R Matching's ``ties = TRUE``).
``M_i`` is smaller than ``M`` only where a caliper removed matches.

The variance is Abadie and Imbens (2006). The conditional variance ``sigma2_i`` of each
unit's outcome is estimated by matching within its own group (same metric) on its ``J``
nearest other units ``L(i)`` (``variance_neighbours``), in one of two ways
(``conditional_variance``):

* ``"matching"`` (default) — R Matching's ``Var.calc = J``: the sample variance (divisor
  ``n - 1``) of ``Y`` over the unit and its neighbours, where ``L(i)`` keeps every unit
  as close as the ``J``-th (ties kept, as in the matches);
* ``"abadie_imbens"`` — Abadie and Imbens (2006, eq. 14), as Stata's ``nnmatch`` and
  ``teffects nnmatch, vce(robust, nn(J))`` define it (not checked against Stata here):
  ``J/(J+1) * (Y_i - mean of Y over L(i))^2`` with exactly ``J`` neighbours (the
  earliest in the data among equally close ones).

With ``J = 1`` and no tied neighbours the two are the same number; with ``J = 2`` they
differ (on lalonde, M = 1 and 4, by 2-5 % in the standard error). With ``k_j = sum_{i: j in J(i)}
1/M_i`` (``K_M(j)/M`` without ties):

* ``"population"`` (PATT, default; R Matching's ``se``, Stata ``teffects``/``nnmatch,
  pop``): ``V = 1/N1^2 [sum_{W=1} (Y_i - Yhat_i(0) - tau)^2 +
  sum_{W=0} (k_j^2 - sum_{i: j in J(i)} 1/M_i^2) sigma2_j]``;
* ``"sample"`` (SATT): ``V = 1/N1^2 [sum_{W=1} sigma2_i + sum_{W=0} k_j^2 sigma2_j]``.

R Matching's ``se`` is ``variance="population"`` with ``conditional_variance="matching"``
and ``variance_neighbours = Var.calc``; with ``Weight = 1`` (``distance="ivar"``),
``ties = TRUE`` and ``BiasAdjust`` as ``bias_adjust`` the estimate and ``se`` agree to
1e-6 on lalonde (tests/fixtures/matching_r/PROVENANCE.txt). Ties are equal distances
(R's ``distance.tolerance`` of 1e-5 is not applied; on lalonde it ties nothing more).
R's default ``Var.calc = 0`` (a homoskedastic variance) is not implemented.

References
----------
Abadie, A. and Imbens, G. W. (2006). Large sample properties of matching estimators for
average treatment effects. *Econometrica* 74(1), 235-267.
Abadie, A. and Imbens, G. W. (2011). Bias-corrected matching estimators for average
treatment effects. *Journal of Business & Economic Statistics* 29(1), 1-11.
Abadie, A., Drukker, D., Herr, J. L. and Imbens, G. W. (2004). Implementing matching
estimators for average treatment effects in Stata. *Stata Journal* 4(3), 290-311.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np

from effekt._checks import (
    as_columns,
    check_choice,
    check_column_args,
    check_finite,
    check_level,
    check_no_missing,
    check_numeric,
    check_positive_int,
    check_standard_error,
    check_varies,
)
from effekt.errors import DataError, NotEstimableError, SpecError
from effekt.estimators.matching.effect import EffectResult
from effekt.estimators.matching.nearest import covariate_metric, nearest_with_replacement
from effekt.estimators.matching.propensity import covariate_design

if TYPE_CHECKING:
    from effekt.estimators.matching.results import MatchResult

__all__ = ["AIVariance", "ConditionalVariance", "abadie_imbens"]

AIVariance = Literal["population", "sample"]
ConditionalVariance = Literal["matching", "abadie_imbens"]
_CV_WORDS = {"matching": "sample variance as R Matching's Var.calc",
             "abadie_imbens": "AI 2006 eq. 14"}


def _conditional_variance(
    z: np.ndarray, y: np.ndarray, j: int, estimator: ConditionalVariance = "matching"
) -> np.ndarray:
    """Estimate ``Var(Y | X)`` of each unit of one group by matching within the group.

    ``z`` are the standardised coordinates of the group's units, ``j`` the number of
    neighbours. ``"matching"``: the sample variance of ``y`` over the unit and its ``j``
    nearest other units, ties at the ``j``-th kept (R Matching's ``Var.calc = j``);
    ``"abadie_imbens"``: ``j/(j+1) * (y_i - mean of its j nearest)^2`` with exactly
    ``j`` neighbours, the earliest in the data among equally close ones (Abadie and
    Imbens 2006, eq. 14).
    """
    n = len(y)
    if n < j + 1:
        raise NotEstimableError(
            f"the conditional-variance estimator needs at least {j + 1} units in each "
            f"group, found {n}; lower variance_neighbours."
        )
    own, nbr, _ = nearest_with_replacement(
        z, z, j, ties=estimator == "matching", exclude_self=True
    )
    count = np.bincount(own, minlength=n).astype(float)
    mean_nbr = np.bincount(own, weights=y[nbr], minlength=n) / count
    if estimator == "abadie_imbens":
        return j / (j + 1) * (y - mean_nbr) ** 2
    centre = (y + count * mean_nbr) / (count + 1)
    ss = (y - centre) ** 2 + np.bincount(own, weights=(y[nbr] - centre[own]) ** 2, minlength=n)
    return ss / count


def abadie_imbens(
    matches: MatchResult,
    outcome: str,
    *,
    bias_covariates: str | Sequence[str] | None = None,
    bias_adjust: bool = True,
    variance_neighbours: int = 2,
    conditional_variance: ConditionalVariance = "matching",
    variance: AIVariance = "population",
    level: float = 0.95,
) -> EffectResult:
    """Bias-corrected matching ATT with the Abadie-Imbens standard error.

    With the defaults and ``match(..., distance="ivar", replace=True, ratio=M)`` (ties
    kept) this is R Matching's ``Match(Y, Tr, X, M = M, Weight = 1, ties = TRUE,
    BiasAdjust = TRUE, Var.calc = 2)``: its ``est`` and ``se``.

    Parameters
    ----------
    matches : MatchResult
        Nearest-neighbour covariate matching with replacement for the ATT
        (``match(..., replace=True, distance="ivar" or "mahalanobis", ratio=M)``).
    outcome : str
        Numeric outcome column of the matched data's source.
    bias_covariates : str or sequence of str, optional
        Covariates of the bias-correction regression; default the matching covariates.
    bias_adjust : bool
        Apply the Abadie-Imbens (2011) bias correction.
    variance_neighbours : int
        ``J``, same-group neighbours in the conditional-variance estimator (R
        Matching's ``Var.calc``).
    conditional_variance : {"matching", "abadie_imbens"}
        The conditional-variance estimator (module notes): the sample variance over the
        unit and its ``J`` neighbours, ties kept (R Matching), or Abadie and Imbens'
        (2006) ``J/(J+1) (Y_i - neighbours' mean)^2`` (Stata).
    variance : {"population", "sample"}
        Variance of the population (PATT) or sample (SATT) effect. (``"sample"`` is
        not R Matching's ``se.cond``, which is a different quantity.)
    level : float
        Confidence level of the result's interval.

    Returns
    -------
    EffectResult

    Raises
    ------
    SpecError
        Matching without replacement, on a propensity score or other score, with
        ``exact=`` or ``discard=``, or for the ATC; ``level`` outside (0, 1).
    NotEstimableError
        A constant outcome or a standard error of 0.

    Examples
    --------
    >>> from effekt.estimators import match
    >>> from effekt.synthetic.examples import cross_section
    >>> m = match(cross_section(n=500, effect=2.0), "t", ["x"], distance="ivar", ratio=4,
    ...           replace=True)
    >>> e = abadie_imbens(m, "y")
    >>> bool(e.ci[0] < 2 < e.ci[1])
    True
    """
    check_choice("variance", variance, AIVariance)
    check_choice("conditional_variance", conditional_variance, ConditionalVariance)
    j = check_positive_int("variance_neighbours", variance_neighbours)
    level = check_level(level)
    if not hasattr(matches, "pairs") or not hasattr(matches, "settings"):
        raise SpecError(f"matches must be a MatchResult (from effekt.estimators.match), got "
                        f"{type(matches).__name__}.")
    s = matches.settings
    problems = []
    if s["method"] not in ("nearest", "mahalanobis"):
        problems.append(f"method={s['method']!r} (needs nearest-neighbour matching)")
    if s["distance"] not in ("ivar", "mahalanobis"):
        problems.append(
            f"distance={s['distance']!r} (the Abadie-Imbens (2006) variance is for matching "
            "on covariates; on an estimated propensity score it needs the Abadie-Imbens "
            "(2016) adjustment, which effekt does not implement)"
        )
    if not s["replace"]:
        problems.append(
            "replace=False (the formulas count how often each control is reused; "
            "match with replace=True)"
        )
    if s["estimand"] != "ATT":
        problems.append(f"estimand={s['estimand']!r} (only the ATT is implemented)")
    if s["exact"] or s["discard"] != "none":
        problems.append("exact= or discard= (match on the whole sample without them)")
    if problems:
        raise SpecError(
            "se='abadie_imbens' needs covariate nearest-neighbour matching with replacement "
            "for the ATT, e.g. match(df, treat, covs, distance='ivar', ratio=5, "
            "replace=True); this match has " + "; ".join(problems) + "."
        )
    src = matches.source
    t = src[matches.treatment].to_numpy(dtype=float).astype(int)
    check_column_args(src, {"outcome": outcome}, table="the matched data")
    check_numeric(src, [outcome], table="the matched data")
    check_no_missing(src, [outcome], table="the matched data")
    check_finite(src, [outcome], table="the matched data")
    check_varies(src, outcome, table="the matched data")
    y = src[outcome].to_numpy(dtype=float)
    z = covariate_metric(
        covariate_design(src, matches.covariates).to_numpy(dtype=float), t, s["distance"]
    )
    pairs = matches.pairs
    pi = src.index.get_indexer(pairs["treated"])
    pj = src.index.get_indexer(pairs["control"])
    n = len(src)
    m_i = np.bincount(pi, minlength=n).astype(float)
    inv_m = 1.0 / m_i[pi]
    k = np.bincount(pj, weights=inv_m, minlength=n)
    q = np.bincount(pj, weights=inv_m**2, minlength=n)
    treated = np.flatnonzero(m_i > 0)
    n1 = treated.size
    if n1 < 2:
        raise DataError("the Abadie-Imbens variance needs at least 2 matched treated units.")
    y0_hat = np.bincount(pi, weights=inv_m * y[pj], minlength=n)
    bcovs = (list(matches.covariates) if bias_covariates is None
             else as_columns("bias_covariates", bias_covariates))
    if bias_adjust:
        xb = covariate_design(src, bcovs).to_numpy(dtype=float)
        used = k > 0
        X = np.column_stack([np.ones(used.sum()), xb[used]])
        sw = np.sqrt(k[used])
        beta, *_ = np.linalg.lstsq(X * sw[:, None], y[used] * sw, rcond=None)
        mu = xb @ beta[1:]
        y0_hat = y0_hat + mu - np.bincount(pi, weights=inv_m * mu[pj], minlength=n)
    effects = y[treated] - y0_hat[treated]
    tau = float(effects.mean())
    sigma2 = np.zeros(n)
    for g in (0, 1):
        idx = np.flatnonzero(t == g)
        sigma2[idx] = _conditional_variance(z[idx], y[idx], j, conditional_variance)
    controls = np.flatnonzero(k > 0)
    if variance == "population":
        v = np.sum((effects - tau) ** 2) + np.sum((k**2 - q)[controls] * sigma2[controls])
    else:
        v = np.sum(sigma2[treated]) + np.sum(k[controls] ** 2 * sigma2[controls])
    check_standard_error(np.sqrt(v) / n1, y, what=f"abadie_imbens on {outcome!r}")
    bc = "bias-corrected (AI 2011), " if bias_adjust else ""
    return EffectResult(
        term=matches.treatment,
        estimate=tau,
        std_error=float(np.sqrt(v) / n1),
        estimand="average treatment effect on the treated (ATT)",
        outcome=outcome,
        covariates=tuple(bcovs) if bias_adjust else (),
        se_type=(
            f"Abadie-Imbens (2006) {variance} variance, {bc}M={int(s['ratio'])}, "
            f"J={j} ({_CV_WORDS[conditional_variance]}), metric {s['distance']}"
        ),
        nobs=int(n1 + controls.size),
        n_clusters=int(n1 + controls.size),
        n_treated=int(n1),
        n_control=int(controls.size),
        level=level,
    )
