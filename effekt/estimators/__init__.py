"""Effect estimators: difference-in-differences, matching, weighting, experiments.

Each estimator takes a pandas DataFrame and column names by keyword and returns an
immutable results object with the protocol of :mod:`effekt.results`: ``summary()``,
``to_frame()``, ``vcov``, ``plot()``, ``estimand`` and ``inference`` in words.

Families live in packages — :mod:`effekt.estimators.did` (2×2, TWFE, event study,
Callaway & Sant'Anna, matched DiD, Sun & Abraham, imputation DiD, the Bacon
decomposition, HonestDiD) and :mod:`effekt.estimators.matching` (propensity
scores, matching, weighting, balance, Abadie–Imbens) — beside the shared layers
:mod:`~effekt.estimators.covariance` (sandwich estimators by name),
:mod:`~effekt.estimators.inference` (influence functions, bootstrap, Wald tests),
:mod:`~effekt.estimators.rct` and :mod:`~effekt.estimators.sensitivity`.
"""

from effekt.estimators.did import (
    AggregateResult,
    BaconDecomposition,
    DiDResult,
    EventStudyResult,
    GroupTimeResult,
    HonestDiDResult,
    ImputationResult,
    MatchedDiDResult,
    PretrendTest,
    SunAbrahamResult,
    att_gt,
    bacon_decomposition,
    did_2x2,
    event_study,
    honest_did,
    honest_did_from_estimates,
    imputation_did,
    matched_did,
    sun_abraham,
    twfe,
)
from effekt.estimators.matching import (
    BalanceResult,
    EffectResult,
    MatchResult,
    WeightResult,
    abadie_imbens,
    balance,
    entropy_weights,
    match,
    propensity,
    weights,
)
from effekt.estimators.rct import RCTResult, rct
from effekt.estimators.sensitivity import SensitivityResult, e_value, rosenbaum_bounds, sensitivity

__all__ = [
    "AggregateResult",
    "BaconDecomposition",
    "BalanceResult",
    "DiDResult",
    "EffectResult",
    "EventStudyResult",
    "GroupTimeResult",
    "HonestDiDResult",
    "ImputationResult",
    "MatchResult",
    "MatchedDiDResult",
    "PretrendTest",
    "RCTResult",
    "SensitivityResult",
    "SunAbrahamResult",
    "WeightResult",
    "abadie_imbens",
    "att_gt",
    "bacon_decomposition",
    "balance",
    "did_2x2",
    "e_value",
    "entropy_weights",
    "event_study",
    "honest_did",
    "honest_did_from_estimates",
    "imputation_did",
    "match",
    "matched_did",
    "propensity",
    "rct",
    "rosenbaum_bounds",
    "sensitivity",
    "sun_abraham",
    "twfe",
    "weights",
]
