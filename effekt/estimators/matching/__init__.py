"""Matched comparisons: propensity scores, matching, weighting, balance and their effects.

- :mod:`~effekt.estimators.matching.propensity` — the propensity model and the covariate
  design shared by everything here;
- :mod:`~effekt.estimators.matching.match` — :func:`match` (nearest neighbour on a score,
  Mahalanobis, exact, CEM), with the algorithms in
  :mod:`~effekt.estimators.matching.nearest` and :mod:`~effekt.estimators.matching.strata`;
- :mod:`~effekt.estimators.matching.weighting` — inverse-probability and entropy-balancing
  weights;
- :mod:`~effekt.estimators.matching.results` — the matched or weighted sample
  (:class:`MatchResult`), and :mod:`~effekt.estimators.matching.effect` — the effect
  estimated on it (:class:`EffectResult`);
- :mod:`~effekt.estimators.matching.balance` — balance tables and love plots;
- :mod:`~effekt.estimators.matching.abadie_imbens` — bias-corrected matching with the
  Abadie–Imbens standard error (equal to R Matching's ``Match`` estimate and ``se``).
"""

from effekt.estimators.matching.abadie_imbens import (
    AIVariance,
    ConditionalVariance,
    abadie_imbens,
)
from effekt.estimators.matching.balance import BalanceResult, balance
from effekt.estimators.matching.effect import EffectResult
from effekt.estimators.matching.match import Discard, Estimand, MatchMethod, MatchOrder, match
from effekt.estimators.matching.propensity import PropensityModel, propensity
from effekt.estimators.matching.results import MatchResult, SEType
from effekt.estimators.matching.weighting import (
    WeightEstimand,
    WeightMethod,
    WeightResult,
    entropy_weights,
    weights,
)

__all__ = [
    "AIVariance",
    "BalanceResult",
    "ConditionalVariance",
    "Discard",
    "EffectResult",
    "Estimand",
    "MatchMethod",
    "MatchOrder",
    "MatchResult",
    "PropensityModel",
    "SEType",
    "WeightEstimand",
    "WeightMethod",
    "WeightResult",
    "abadie_imbens",
    "balance",
    "entropy_weights",
    "match",
    "propensity",
    "weights",
]
