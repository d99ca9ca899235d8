"""Sensitivity to unmeasured confounding: the E-value and Rosenbaum bounds.

* **E-value** (VanderWeele and Ding 2017): the minimum strength of association, on the
  risk-ratio scale, that an unmeasured confounder would need with both treatment and
  outcome to explain away the effect: ``E = RR + sqrt(RR (RR - 1))`` for ``RR >= 1``
  (``1/RR`` first when ``RR < 1``). For a difference in means on a continuous outcome
  the standardised difference ``d = estimate / sd(outcome)`` is turned into
  ``RR ~ exp(0.91 d)``, and the confidence limit closer to the null into
  ``exp(0.91 d -/+ 0.91 z se_d)`` (``0.91 * 1.96 = 1.78`` at 95%); its E-value is 1 when
  the interval contains the null.
* **Rosenbaum bounds** for the Wilcoxon signed-rank test in 1:1 matched pairs
  (Rosenbaum 2002, *Observational Studies*, 2nd ed., section 4.3): with ``S`` non-zero
  pair differences ranked by absolute value (average ranks for ties) and ``T`` the sum
  of the ranks of positive differences, a hidden bias of at most ``Gamma`` bounds the
  null distribution of ``T`` between sums of independent ``q_s * Bernoulli(p)`` with
  ``p+ = Gamma/(1+Gamma)`` and ``p- = 1/(1+Gamma)``; the one-sided (larger effect)
  p-value lies between ``1 - Phi((T - p- sum q)/sqrt(p-(1-p-) sum q^2))`` and the same
  with ``p+`` (normal approximation, no continuity correction, as R ``rbounds::psens``).
  At ``Gamma = 1`` it is the usual Wilcoxon normal-approximation p-value.

References
----------
VanderWeele, T. J. and Ding, P. (2017). Sensitivity analysis in observational research:
introducing the E-value. *Annals of Internal Medicine* 167(4), 268-274.
Rosenbaum, P. R. (2002). *Observational Studies*, 2nd ed., Springer, chapter 4.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from effekt._checks import check_choice, check_column_args, check_level, check_number
from effekt.errors import DataError, SpecError
from effekt.estimators.matching.effect import EffectResult
from effekt.estimators.matching.results import MatchResult
from effekt.results import ResultsBase, critical_value, figure_of, format_table

__all__ = ["Alternative", "SensitivityResult", "e_value", "rosenbaum_bounds", "sensitivity"]

_GAMMA = (1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0)


def e_value(rr: float) -> float:
    """Return the E-value of a risk ratio (VanderWeele and Ding 2017).

    Examples
    --------
    >>> round(e_value(3.9), 2)
    7.26
    """
    rr = check_number("a risk ratio", rr, low=0, low_open=True)
    rr = rr if rr >= 1 else 1 / rr
    return float(rr + np.sqrt(rr * (rr - 1)))


Alternative = Literal["greater", "less"]


def rosenbaum_bounds(
    differences: np.ndarray, gamma: Sequence[float] = _GAMMA, alternative: Alternative = "greater"
) -> pd.DataFrame:
    """Bounds on the one-sided Wilcoxon signed-rank p-value for hidden bias ``gamma``.

    ``differences`` are treated-minus-control outcome differences of matched pairs;
    zeros are dropped. ``alternative="greater"`` tests against a positive effect,
    ``"less"`` against a negative one (a measure that reduces the outcome). Returns
    columns ``gamma``, ``p_lower`` and ``p_upper``.
    """
    check_choice("alternative", alternative, Alternative)
    try:
        d = np.asarray(differences, dtype=float)
        g = np.asarray(gamma, dtype=float)
    except (TypeError, ValueError):
        raise SpecError("differences and gamma must be numbers, got "
                        f"{differences!r} and {gamma!r}.") from None
    if d.ndim != 1 or not np.isfinite(d).all():
        raise DataError("differences must be a 1-D array of finite pair differences.")
    if alternative == "less":
        d = -d
    d = d[d != 0]
    if d.size < 2:
        raise DataError("Rosenbaum bounds need at least 2 pairs with a non-zero difference.")
    if g.ndim != 1 or g.size == 0 or (g < 1).any() or not np.isfinite(g).all():
        raise SpecError(f"gamma must be numbers >= 1, got {gamma!r}.")
    q = stats.rankdata(np.abs(d))
    t = q[d > 0].sum()
    out = {"gamma": g}
    for name, p in (("p_lower", 1 / (1 + g)), ("p_upper", g / (1 + g))):
        mean = p * q.sum()
        var = p * (1 - p) * np.sum(q**2)
        out[name] = stats.norm.sf((t - mean) / np.sqrt(var))
    return pd.DataFrame(out)


@dataclass(frozen=True, eq=False, repr=False)
class SensitivityResult(ResultsBase):
    """E-value and (for 1:1 matched pairs) Rosenbaum bounds of an effect.

    Attributes
    ----------
    estimate, std_error : float
        The effect analysed.
    outcome_sd : float
        The outcome SD used to standardise it.
    risk_ratio, risk_ratio_limit : float
        ``exp(0.91 d)`` and the same at the confidence limit closer to the null.
    e_value_estimate, e_value_limit : float
        E-values of the estimate and of that confidence limit (1 if it crosses the null).
    bounds : pandas.DataFrame or None
        Rosenbaum bounds (``gamma``, ``p_lower``, ``p_upper``) when pairs were given.
    n_pairs : int
        Pairs with a non-zero difference used by the bounds (0 without them).
    estimand : str
        The effect's estimand.
    """

    estimate: float
    std_error: float
    outcome_sd: float
    risk_ratio: float
    risk_ratio_limit: float
    e_value_estimate: float
    e_value_limit: float
    bounds: pd.DataFrame | None
    n_pairs: int
    estimand: str
    level: float

    def __post_init__(self) -> None:
        check_level(self.level)

    def to_frame(self) -> pd.DataFrame:
        """Rosenbaum bounds (``gamma``, ``p_lower``, ``p_upper``) or an empty frame."""
        if self.bounds is None:
            return pd.DataFrame({"gamma": [], "p_lower": [], "p_upper": []})
        return self.bounds

    def summary(self) -> str:
        """Deterministic text summary."""
        lines = [
            f"Sensitivity analysis: {self.estimand}",
            f"Estimate {self.estimate:.4f} (SE {self.std_error:.4f}); standardised by "
            f"outcome SD {self.outcome_sd:.4f}",
            f"E-value (VanderWeele & Ding 2017, RR ~ exp(0.91 d)): point "
            f"{self.e_value_estimate:.3f}, {int(self.level * 100)}% CI limit "
            f"{self.e_value_limit:.3f}",
        ]
        if self.bounds is not None:
            lines += [
                f"Rosenbaum bounds, Wilcoxon signed-rank, {self.n_pairs} pairs "
                "(one-sided p-values):",
                format_table(self.bounds.set_index("gamma")),
            ]
        return "\n".join(lines)

    def plot(self, ax=None):
        """Upper-bound p-value against Gamma (with 0.05 line); returns the Figure."""
        import matplotlib.pyplot as plt

        if self.bounds is None:
            raise SpecError("no Rosenbaum bounds to plot: pass matches= of 1:1 pairs.")
        if ax is None:
            _, ax = plt.subplots(figsize=(5, 3))
        ax.plot(self.bounds["gamma"], self.bounds["p_upper"], "o-", label="upper bound")
        ax.plot(self.bounds["gamma"], self.bounds["p_lower"], "o--", label="lower bound")
        ax.axhline(0.05, color="grey", lw=0.8, ls=":")
        ax.set_xlabel("Gamma (hidden bias)")
        ax.set_ylabel("one-sided p-value")
        ax.legend()
        return figure_of(ax)


def _pair_differences(matches: MatchResult, outcome: str) -> np.ndarray:
    s = matches.settings
    if s["method"] not in ("nearest", "mahalanobis") or s["ratio"] != 1 or s["replace"]:
        raise SpecError(
            "Rosenbaum bounds for the signed-rank test need 1:1 matched pairs without "
            f"replacement; this match has method={s['method']!r}, ratio={s['ratio']}, "
            f"replace={s['replace']}. Re-match with ratio=1, replace=False."
        )
    src = matches.source
    y = src[outcome].to_numpy(dtype=float)
    pairs = matches.pairs
    return y[src.index.get_indexer(pairs["treated"])] - y[src.index.get_indexer(pairs["control"])]


def sensitivity(
    effect: EffectResult,
    matches: MatchResult | None = None,
    *,
    outcome_sd: float | None = None,
    gamma: Sequence[float] = _GAMMA,
) -> SensitivityResult:
    """Compute the E-value of an effect and, for 1:1 matched pairs, Rosenbaum bounds.

    Parameters
    ----------
    effect : EffectResult
        A difference in means on a continuous outcome (e.g. ``MatchResult.effect``).
    matches : MatchResult, optional
        The matching behind ``effect``; gives the Rosenbaum bounds (1:1 pairs without
        replacement only) and, unless ``outcome_sd`` is given, the outcome SD (pooled
        within-group SD of the outcome in the matched units).
    outcome_sd : float, optional
        SD of the outcome used to standardise the effect.
    gamma : sequence of float
        Values of Gamma (>= 1) for the bounds.

    Returns
    -------
    SensitivityResult

    Examples
    --------
    >>> from effekt.estimators import match
    >>> from effekt.synthetic.examples import cross_section
    >>> m = match(cross_section(n=400, effect=1.0), "t", ["x"])
    >>> s = sensitivity(m.effect("y"), m)
    >>> bool(s.e_value_estimate > 1) and list(s.to_frame().columns)
    ['gamma', 'p_lower', 'p_upper']
    """
    if not isinstance(effect, EffectResult):
        raise SpecError(f"effect must be an EffectResult, got {type(effect).__name__}.")
    if matches is not None and not isinstance(matches, MatchResult):
        raise SpecError(f"matches must be a MatchResult, got {type(matches).__name__}.")
    if matches is not None:
        check_column_args(matches.source, {"outcome": effect.outcome}, table="the matched data")
    if outcome_sd is None:
        if matches is None:
            raise SpecError("give outcome_sd= (the outcome's SD) or matches= to compute it.")
        data = matches.data
        t = data[matches.treatment].to_numpy(dtype=float)
        y = data[effect.outcome].to_numpy(dtype=float)
        n1, n0 = (t == 1).sum(), (t == 0).sum()
        pooled = ((n1 - 1) * y[t == 1].var(ddof=1) + (n0 - 1) * y[t == 0].var(ddof=1)) / (
            n1 + n0 - 2
        )
        outcome_sd = float(np.sqrt(pooled))
    outcome_sd = check_number("outcome_sd", outcome_sd, low=0, low_open=True)
    d = effect.estimate / outcome_sd
    se_d = effect.std_error / outcome_sd
    z = critical_value(effect.level)
    rr = float(np.exp(0.91 * d))
    limit = float(np.exp(0.91 * d - np.sign(d) * 0.91 * z * se_d))
    crosses = (rr >= 1) != (limit >= 1) or limit == 1
    bounds, n_pairs = None, 0
    if matches is not None:
        diffs = _pair_differences(matches, effect.outcome)
        # the bounds ask how much hidden bias would explain away the effect seen, so they
        # test in the direction of the estimate
        bounds = rosenbaum_bounds(diffs, gamma, "less" if effect.estimate < 0 else "greater")
        n_pairs = int((diffs != 0).sum())
    return SensitivityResult(
        estimate=effect.estimate,
        std_error=effect.std_error,
        outcome_sd=float(outcome_sd),
        risk_ratio=rr,
        risk_ratio_limit=limit,
        e_value_estimate=e_value(rr),
        e_value_limit=1.0 if crosses else e_value(limit),
        bounds=bounds,
        n_pairs=n_pairs,
        estimand=effect.estimand,
        level=effect.level,
    )
