"""Weighting: inverse-probability weights and entropy balancing.

* ``method="ipw"``: weights from an unpenalised logit/probit propensity score
  (Rosenbaum 1987; Hirano, Imbens and Ridder 2003): for the ATT treated 1 and controls
  ``p/(1-p)``; for the ATE ``1/p`` and ``1/(1-p)``; for the ATC ``(1-p)/p`` and 1.
* ``method="entropy"``: entropy balancing (Hainmueller 2012): the weights closest to
  uniform in Kullback-Leibler divergence that make the weighted covariate means equal
  the target means exactly. Solved on the convex dual
  ``min_l log sum_i exp(l'(x_i - target))`` with scipy's trust-region Newton method
  (exact gradient and Hessian), on standardised covariates. For the ATT the controls are
  weighted to the treated means (treated weight 1, control weights summing to the number
  of controls); ATC the mirror; ATE both groups to the full-sample means.

References
----------
Hainmueller, J. (2012). Entropy balancing for causal effects: a multivariate reweighting
method to produce balanced samples in observational studies. *Political Analysis* 20(1).
Hirano, K., Imbens, G. W. and Ridder, G. (2003). Efficient estimation of average
treatment effects using the estimated propensity score. *Econometrica* 71(4).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import optimize, special

from effekt._checks import check_choice, check_frame
from effekt._docs import fill_doc
from effekt.errors import NotEstimableError, SpecError
from effekt.estimators.matching.effect import ESTIMAND_WORDS, EffectResult
from effekt.estimators.matching.propensity import (
    PropensityModel,
    covariate_design,
    fit_propensity,
    resolve_spec,
    treatment_indicator,
)
from effekt.estimators.matching.results import (
    ReweightedSample,
    SEType,
    effective_sample_size,
)

__all__ = ["WeightEstimand", "WeightMethod", "WeightResult", "entropy_weights", "weights"]

WeightMethod = Literal["ipw", "entropy"]
WeightEstimand = Literal["ATT", "ATC", "ATE"]


def entropy_weights(X: np.ndarray, target: np.ndarray, tol: float = 1e-10) -> np.ndarray:
    """Entropy-balancing weights of the rows of ``X`` so their weighted mean is ``target``.

    Returns weights summing to ``len(X)``. Raises NotEstimableError when the target lies
    outside the convex hull of the rows (no such weights exist).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.array([[0.0], [1.0], [2.0]])
    >>> w = entropy_weights(X, np.array([1.5]))
    >>> round(float(w @ X[:, 0] / w.sum()), 8)
    1.5
    """
    sd = X.std(axis=0)
    sd[sd == 0] = 1.0
    Z = (X - target) / sd

    def fun(lam):
        eta = Z @ lam
        lse = special.logsumexp(eta)
        p = np.exp(eta - lse)
        return lse, Z.T @ p, p

    def f(lam):
        return fun(lam)[0]

    def jac(lam):
        return fun(lam)[1]

    def hess(lam):
        _, g, p = fun(lam)
        return (Z * p[:, None]).T @ Z - np.outer(g, g)

    lam = np.zeros(Z.shape[1])
    res = optimize.minimize(f, lam, jac=jac, hess=hess, method="trust-exact",
                            options={"gtol": 1e-12, "maxiter": 500})
    lam = res.x
    for _ in range(20):  # Newton polish to machine precision
        _, g, _ = fun(lam)
        if np.abs(g).max() < tol * 1e-2:
            break
        try:
            lam = lam - np.linalg.solve(hess(lam), g)
        except np.linalg.LinAlgError:
            break
    _, g, p = fun(lam)
    if not np.all(np.isfinite(p)) or np.abs(g).max() > tol:
        raise NotEstimableError(
            "entropy balancing found no weights that balance the covariate means exactly: "
            "the target means lie outside (or on the edge of) the range the other group can "
            f"reach (largest standardised imbalance left {np.abs(g).max():.2g}). Drop or "
            "coarsen covariates with little overlap."
        )
    return p * len(X)


def _is_number(value) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool)


def _ipw(p: np.ndarray, t: np.ndarray, estimand: str) -> np.ndarray:
    if estimand == "ATT":
        return np.where(t == 1, 1.0, p / (1 - p))
    if estimand == "ATC":
        return np.where(t == 1, (1 - p) / p, 1.0)
    return np.where(t == 1, 1 / p, 1 / (1 - p))


@dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class WeightResult(ReweightedSample):
    """Weights for an effect estimate, as WeightIt's ``weightit`` object.

    Attributes
    ----------
    data : pandas.DataFrame
        The input rows with a ``weights`` column (and ``propensity`` for IPW).
    counts : pandas.DataFrame
        Units and effective sample size by group (columns ``control``, ``treated``).
    treatment : str
    covariates : tuple of str
    method : str
    settings : dict
    estimand : str
        In words.
    """

    _kind = "Weighting"

    def weighted_data(self) -> pd.DataFrame:
        """Return a copy of the input rows with ``weights`` (and ``propensity`` for IPW)."""
        return self.data.copy()

    def effect(
        self,
        outcome: str,
        covariates: str | Sequence[str] | None = None,
        se: SEType = "robust",
        cluster: str | None = None,
    ) -> EffectResult:
        """Weighted regression of ``outcome`` on the treatment (and ``covariates``).

        ``se="robust"`` (default) is HC1 with normal intervals; ``se="cluster"`` (CR1,
        ``t(G-1)``) needs ``cluster=<column>``. Both treat the weights as fixed, which
        ignores the estimation of the propensity score or balancing weights (usually
        conservative for the ATE and ATT). ``"CR2"`` is defined for constant weights
        only and ``"abadie_imbens"`` for matching, so both are refused here.
        """
        check_choice("se", se, SEType)
        if se in ("CR2", "abadie_imbens"):
            raise SpecError(
                f"se={se!r} is not available for weighting results (CR2 needs constant "
                "weights; Abadie-Imbens is for matching with replacement): use "
                "se='robust' or se='cluster' with cluster=<column>."
            )
        if se == "cluster" and cluster is None:
            raise SpecError("se='cluster' needs cluster=<column> for weighting results.")
        if se == "robust" and cluster is not None:
            raise SpecError(f"cluster={cluster!r} is only used with se='cluster'.")
        return self._fit(outcome, covariates, se, [cluster] if cluster else [])

    def summary(self) -> str:
        """Deterministic text summary."""
        return "\n".join([*self._header(), self._counts_text()])


@fill_doc
def weights(
    df: pd.DataFrame,
    treatment: str | None = None,
    covariates: str | Sequence[str] | None = None,
    *,
    formula: str | None = None,
    method: WeightMethod = "ipw",
    estimand: WeightEstimand = "ATT",
    trim: float | None = None,
    model: PropensityModel = "logit",
) -> WeightResult:
    """Inverse-probability or entropy-balancing weights.

    Parameters
    ----------
    %(units_df)s
    %(treatment_spec)s
    method : {"ipw", "entropy"}
        Inverse-probability weights or entropy balancing (exact mean balance).
    estimand : {"ATT", "ATC", "ATE"}
    trim : float, optional
        For IPW: propensity scores are truncated to ``[trim, 1 - trim]`` before the
        weights are formed (``0 < trim < 0.5``).
    model : {"logit", "probit"}
        Propensity model for IPW.

    Returns
    -------
    WeightResult

    Examples
    --------
    >>> from effekt.synthetic.examples import cross_section
    >>> w = weights(cross_section(n=300), "t", ["x"], method="entropy")
    >>> bool(abs(w.balance().table.loc["x", "smd_after"]) < 1e-8)
    True
    """
    check_frame("df", df)
    check_choice("method", method, WeightMethod)
    check_choice("estimand", estimand, WeightEstimand)
    check_choice("model", model, PropensityModel)
    if trim is not None and (method != "ipw" or not _is_number(trim) or not 0 < trim < 0.5):
        raise SpecError(f"trim must be in (0, 0.5) and only with method='ipw', got {trim!r}.")
    treatment, covs = resolve_spec(treatment, covariates, formula)
    t = treatment_indicator(df, treatment)
    design = covariate_design(df, covs)
    data = df.copy()
    dist = None
    if method == "ipw":
        p = fit_propensity(t, design, model)
        if trim is not None:
            p = np.clip(p, trim, 1 - trim)
        w = _ipw(p, t, estimand)
        data["propensity"] = p
        dist = pd.Series(p, index=df.index, name="distance")
    else:
        X = design.to_numpy(dtype=float)
        w = np.ones(len(t))
        if estimand == "ATE":
            target = X.mean(axis=0)
            for g in (0, 1):
                w[t == g] = entropy_weights(X[t == g], target)
        else:
            focal = 1 if estimand == "ATT" else 0
            target = X[t == focal].mean(axis=0)
            w[t != focal] = entropy_weights(X[t != focal], target)
    data["weights"] = w
    counts = pd.DataFrame(
        {
            g: [float((t == gv).sum()), effective_sample_size(w[t == gv])]
            for g, gv in (("control", 0), ("treated", 1))
        },
        index=["all", "effective_n"],
    )
    return WeightResult(
        data=data,
        counts=counts,
        treatment=treatment,
        covariates=tuple(covs),
        method=method,
        settings={"method": method, "estimand": estimand, "trim": trim, "model": model},
        estimand=ESTIMAND_WORDS[estimand],
        source=df,
        all_weights=pd.Series(w, index=df.index, name="weights"),
        distance_values=dist,
    )
