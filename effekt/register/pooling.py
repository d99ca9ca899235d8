"""Random-effects meta-analysis: pool effect estimates with their standard errors.

The model (Viechtbauer 2010) is ``y_i = mu + u_i + e_i`` with ``u_i ~ N(0, tau2)`` (the
between-study heterogeneity) and ``e_i ~ N(0, v_i)``, ``v_i = std_error_i**2`` taken as
known. ``tau2`` is estimated

* ``"DL"`` by the method of moments of DerSimonian and Laird (1986), in closed form from
  Cochran's Q of the fixed-effect (inverse-variance) fit, truncated at 0;
* ``"REML"`` by restricted maximum likelihood (Viechtbauer 2005), maximised by Fisher
  scoring with step halving over ``tau2 >= 0`` until the step is below 1e-10.

The pooled effect is the weighted mean with weights ``1 / (v_i + tau2)``, with normal
(``z``) intervals and p-value, as R metafor's ``rma(yi, vi, method=...)`` by default.
Heterogeneity is reported as metafor does: ``I2 = 100 tau2 / (tau2 + s2)`` and
``H2 = (tau2 + s2) / s2`` with the "typical" within-study variance
``s2 = (k - 1) / (sum w - sum w**2 / sum w)``, ``w = 1 / v_i`` (Higgins and Thompson 2002).
The prediction interval is ``mu ± z sqrt(se(mu)**2 + tau2)`` (metafor's ``predict()``).

The study-specific effects (``blup``) are the empirical Bayes estimates of Raudenbush
(2009): ``mu + lambda_i (y_i - mu)`` with ``lambda_i = tau2 / (tau2 + v_i)``, whose
variance ``lambda_i v_i + (1 - lambda_i)**2 se(mu)**2`` accounts for estimating ``mu``
(the numbers of metafor's ``blup()``; tests/fixtures/metafor holds the parity check).

References
----------
DerSimonian, R. and Laird, N. (1986). Meta-analysis in clinical trials. *Controlled
Clinical Trials* 7(3), 177-188.
Viechtbauer, W. (2005). Bias and efficiency of meta-analytic variance estimators in the
random-effects model. *Journal of Educational and Behavioral Statistics* 30(3), 261-293.
Viechtbauer, W. (2010). Conducting meta-analyses in R with the metafor package. *Journal
of Statistical Software* 36(3), 1-48.
Raudenbush, S. W. (2009). Analyzing effect sizes: random-effects models. In Cooper, Hedges
and Valentine (eds.), *The Handbook of Research Synthesis and Meta-Analysis*, 2nd ed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from effekt._checks import check_choice, check_level
from effekt.errors import DataError
from effekt.results import (
    EFFECT_COLUMNS,
    EffectResults,
    confidence_interval,
    critical_value,
    effect_frame,
    figure_of,
    format_table,
    p_value,
)

__all__ = ["PoolingMethod", "RandomEffectsResult", "random_effects"]

PoolingMethod = Literal["REML", "DL"]
_TOL = 1e-10
_MAX_ITER = 500


def _as_vector(name: str, value: Any) -> np.ndarray:
    """``value`` as a 1-D float array of finite numbers, or a DataError naming ``name``."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise DataError(f"{name}={value!r} is not allowed; expected a 1-D array of numbers.") \
            from None
    if arr.ndim != 1:
        raise DataError(f"{name} has shape {arr.shape}; expected a 1-D array of numbers.")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise DataError(f"{name}[{bad[0]}]={float(arr[bad[0]])!r} is not allowed; every "
                        f"entry must be a finite number ({bad.size} are not).")
    return arr


def _checked(estimate: Any, std_error: Any, labels: Any) -> tuple[np.ndarray, np.ndarray,
                                                                   pd.Index]:
    y = _as_vector("estimate", estimate)
    se = _as_vector("std_error", std_error)
    if y.size != se.size:
        raise DataError(f"estimate has {y.size} entries but std_error has {se.size}; give one "
                        "standard error per estimate.")
    if y.size < 2:
        raise DataError(f"estimate has {y.size} entries; pooling needs at least 2.")
    bad = np.flatnonzero(se <= 0)
    if bad.size:
        raise DataError(f"std_error[{bad[0]}]={float(se[bad[0]])!r} is not allowed; standard "
                        "errors must be positive.")
    index = pd.Index(np.arange(1, y.size + 1) if labels is None else list(labels), name="label")
    if len(index) != y.size:
        raise DataError(f"labels has {len(index)} entries but estimate has {y.size}.")
    if not index.is_unique:
        raise DataError(f"labels are not unique: {index[index.duplicated()].tolist()[:3]!r}.")
    return y, se, index


def _weighted_mean(y: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """Inverse-variance weighted mean and its standard error."""
    return float(np.sum(w * y) / np.sum(w)), float(np.sqrt(1.0 / np.sum(w)))


def _trace_p(w: np.ndarray) -> float:
    """tr(P) for ``P = W - w w' / sum w`` (the intercept-only projection)."""
    return float(np.sum(w) - np.sum(w**2) / np.sum(w))


def _trace_pp(w: np.ndarray) -> float:
    """tr(P P) for ``P = W - w w' / sum w``."""
    s1, s2 = np.sum(w), np.sum(w**2)
    return float(s2 - 2 * np.sum(w**3) / s1 + (s2 / s1) ** 2)


def _restricted_loglik(y: np.ndarray, v: np.ndarray, tau2: float) -> float:
    w = 1.0 / (v + tau2)
    mu, _ = _weighted_mean(y, w)
    return float(-0.5 * (np.sum(np.log(v + tau2)) + np.log(np.sum(w))
                         + np.sum(w * (y - mu) ** 2)))


def _tau2_dl(y: np.ndarray, v: np.ndarray) -> tuple[float, float]:
    """DerSimonian-Laird tau2 and its standard error (the variance of the moment estimator)."""
    w = 1.0 / v
    mu, _ = _weighted_mean(y, w)
    q = float(np.sum(w * (y - mu) ** 2))
    k, trp = y.size, _trace_p(w)
    tau2 = float(max(0.0, (q - (k - 1)) / trp))
    var = (2 * (k - 1) + 4 * tau2 * trp + 2 * tau2**2 * _trace_pp(w)) / trp**2
    return tau2, float(np.sqrt(var))


def _tau2_reml(y: np.ndarray, v: np.ndarray, start: float) -> tuple[float, float]:
    """REML tau2 by Fisher scoring (step halving, truncated at 0) and its expected-info SE."""
    tau2 = start
    ll = _restricted_loglik(y, v, tau2)
    for _ in range(_MAX_ITER):
        w = 1.0 / (v + tau2)
        mu, _ = _weighted_mean(y, w)
        step = (np.sum(w**2 * (y - mu) ** 2) - _trace_p(w)) / _trace_pp(w)
        for _ in range(60):
            new = float(max(0.0, tau2 + step))
            new_ll = _restricted_loglik(y, v, new)
            if new_ll >= ll - 1e-14 * abs(ll):
                break
            step /= 2
        done = abs(new - tau2) < _TOL
        tau2, ll = new, new_ll
        if done:
            break
    return tau2, float(np.sqrt(2.0 / _trace_pp(1.0 / (v + tau2))))


@dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class RandomEffectsResult(EffectResults):
    """A random-effects meta-analysis: the pooled effect, heterogeneity and study BLUPs.

    Made by :func:`random_effects`; see :mod:`effekt.register.pooling` for the formulas.
    ``i2`` is in percent (as metafor); ``blup`` is indexed by the entries' labels with
    columns ``estimate``, ``std_error``, ``ci_lower``, ``ci_upper``.
    """

    estimate: float
    std_error: float
    ci_lower: float
    ci_upper: float
    p_value: float
    tau2: float
    tau2_se: float
    i2: float
    h2: float
    q: float
    q_p_value: float
    pred_lower: float
    pred_upper: float
    blup: pd.DataFrame
    data: pd.DataFrame
    method: str
    level: float = 0.95
    label_columns = ("term",)

    @property
    def n_studies(self) -> int:
        """The number of entries pooled."""
        return len(self.data)

    @property
    def estimand(self) -> str:
        """The pooled quantity, in words."""
        return ("the mean of the distribution of true effects across the entries pooled "
                "(random-effects model: each entry's true effect = mean + a normal deviation "
                "with variance tau2)")

    @property
    def inference(self) -> str:
        """How the uncertainty is computed, in words."""
        how = ("restricted maximum likelihood (REML)" if self.method == "REML"
               else "DerSimonian-Laird moments (DL)")
        return (f"tau2 by {how}; weights 1/(se^2 + tau2) with the standard errors taken as "
                f"known; normal (z) {self.level:.0%} intervals and p-value")

    def to_frame(self) -> pd.DataFrame:
        """One row, ``term="pooled"``: the effect columns, then ``tau2`` and ``i2``."""
        frame = effect_frame({"term": ["pooled"]}, [self.estimate], [self.std_error],
                             level=self.level, extra={"tau2": [self.tau2], "i2": [self.i2]})
        return frame[["term", *EFFECT_COLUMNS, "tau2", "i2"]]

    def _vcov_matrix(self) -> np.ndarray:
        return np.array([[self.std_error**2]])

    def summary(self) -> str:
        """Return the pooled effect, heterogeneity and prediction interval as text."""
        rows = [
            ("Estimand", self.estimand),
            ("Entries", self.n_studies),
            ("Method", self.method),
            ("Inference", self.inference),
            ("tau2 (SE)", f"{self.tau2:.4f} ({self.tau2_se:.4f})"),
            ("I2, H2", f"{self.i2:.2f}%, {self.h2:.4f}"),
            ("Cochran's Q", f"{self.q:.4f} on {self.n_studies - 1} df, p = {self.q_p_value:.4g}"),
            ("Prediction interval", f"[{self.pred_lower:.4f}, {self.pred_upper:.4f}]"),
        ]
        head = "\n".join(f"{name + ':':<21}{value}" for name, value in rows)
        table = format_table(self.to_frame().set_index("term"))
        return f"Random-effects meta-analysis\n{head}\n\n{table}"

    def plot(self, ax: Any = None) -> Any:
        """Forest plot: each entry with its interval, the pooled effect as a diamond.

        Returns the matplotlib Figure drawn on.
        """
        import matplotlib.pyplot as plt

        k = self.n_studies
        if ax is None:
            _, ax = plt.subplots(figsize=(6, 1.5 + 0.35 * (k + 2)))
        d = self.data
        pos = np.arange(k)[::-1] + 2.0
        ax.errorbar(d["estimate"], pos, xerr=[d["estimate"] - d["ci_lower"],
                                              d["ci_upper"] - d["estimate"]],
                    fmt="s", color="black", markersize=4, capsize=2, linestyle="none")
        ax.fill([self.ci_lower, self.estimate, self.ci_upper, self.estimate],
                [0.5, 0.8, 0.5, 0.2], color="tab:blue", label=f"pooled ({self.method})")
        ax.hlines(0.5, self.pred_lower, self.pred_upper, color="tab:blue", linestyle=":",
                  label="prediction interval")
        ax.axvline(0.0, color="grey", linewidth=1, linestyle="--")
        ax.set_yticks([*pos, 0.5], [*map(str, d.index), "pooled"])
        ax.set_xlabel(f"estimate ({self.level:.0%} CI)")
        ax.legend(loc="best", fontsize="small")
        return figure_of(ax)


def random_effects(
    estimate: Any,
    std_error: Any,
    method: PoolingMethod = "REML",
    labels: Any = None,
    level: float = 0.95,
) -> RandomEffectsResult:
    """Pool effect estimates in a random-effects meta-analysis (REML or DerSimonian-Laird).

    Parameters
    ----------
    estimate : array-like of float
        One effect estimate per entry (study, municipality, pilot), at least 2.
    std_error : array-like of float
        Their standard errors (positive; taken as known).
    method : {"REML", "DL"}
        Estimator of the heterogeneity ``tau2``: restricted maximum likelihood
        (Viechtbauer 2005) or DerSimonian and Laird's (1986) moments.
    labels : array-like, optional
        Unique labels of the entries (index of ``blup`` and the plot); default 1..k.
    level : float
        Confidence level of the intervals.

    Returns
    -------
    RandomEffectsResult

    Raises
    ------
    DataError
        Estimates or standard errors not finite, of unequal length, fewer than 2, or a
        standard error not positive; labels of the wrong length or not unique.
    SpecError
        Unknown ``method``, or ``level`` not in (0, 1).

    Examples
    --------
    >>> res = random_effects([0.2, 0.5, -0.1, 0.4], [0.1, 0.2, 0.15, 0.1])
    >>> round(res.estimate, 4), round(res.tau2, 4), round(res.i2, 1)
    (0.2431, 0.0403, 71.4)
    >>> res.to_frame().columns.tolist()
    ['term', 'estimate', 'std_error', 'ci_lower', 'ci_upper', 'p_value', 'tau2', 'i2']
    >>> res.blup.columns.tolist()
    ['estimate', 'std_error', 'ci_lower', 'ci_upper']
    """
    check_choice("method", method, PoolingMethod)
    level = check_level(level)
    y, se, index = _checked(estimate, std_error, labels)
    v = se**2
    k = y.size
    w_fe = 1.0 / v
    mu_fe, _ = _weighted_mean(y, w_fe)
    q = float(np.sum(w_fe * (y - mu_fe) ** 2))
    tau2, tau2_se = _tau2_dl(y, v)
    if method == "REML":
        tau2, tau2_se = _tau2_reml(y, v, start=tau2)
    mu, mu_se = _weighted_mean(y, 1.0 / (v + tau2))
    lo, hi = confidence_interval(mu, mu_se, level)
    s2 = float((k - 1) / _trace_p(w_fe))
    z = critical_value(level)
    half = float(z * np.sqrt(mu_se**2 + tau2))
    lam = tau2 / (tau2 + v)
    b_est = mu + lam * (y - mu)
    b_se = np.sqrt(lam * v + (1 - lam) ** 2 * mu_se**2)
    b_lo, b_hi = confidence_interval(b_est, b_se, level)
    blup = pd.DataFrame({"estimate": b_est, "std_error": b_se, "ci_lower": b_lo,
                         "ci_upper": b_hi}, index=index)
    d_lo, d_hi = confidence_interval(y, se, level)
    data = pd.DataFrame({"estimate": y, "std_error": se, "ci_lower": d_lo, "ci_upper": d_hi},
                        index=index)
    return RandomEffectsResult(
        estimate=mu, std_error=mu_se, ci_lower=float(lo), ci_upper=float(hi),
        p_value=float(p_value(mu, mu_se)), tau2=tau2, tau2_se=tau2_se,
        i2=float(100 * tau2 / (tau2 + s2)), h2=float((tau2 + s2) / s2), q=q,
        q_p_value=float(stats.chi2.sf(q, k - 1)), pred_lower=mu - half, pred_upper=mu + half,
        blup=blup, data=data, method=method, level=level,
    )
