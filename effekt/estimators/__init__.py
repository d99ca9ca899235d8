"""Effect estimators: difference-in-differences, staggered adoption, matching, weighting.

Each estimator takes a pandas DataFrame and column names, and returns an immutable results
object with ``summary()``, ``to_frame()``, ``plot()`` and the estimand in words.
"""

from effekt.estimators._staggered_results import AggregateResult, GroupTimeResult, PretrendTest
from effekt.estimators.abadie_imbens import abadie_imbens
from effekt.estimators.balance import BalanceResult, balance
from effekt.estimators.did import did_2x2, event_study, twfe
from effekt.estimators.did_results import DiDResult, EventStudyResult
from effekt.estimators.effect_regression import EffectResult
from effekt.estimators.matched_did import matched_did
from effekt.estimators.matched_did_results import MatchedDiDResult
from effekt.estimators.matching import match
from effekt.estimators.matching_results import MatchResult
from effekt.estimators.propensity import propensity
from effekt.estimators.rct import RCTResult, rct
from effekt.estimators.sensitivity import SensitivityResult, e_value, rosenbaum_bounds, sensitivity
from effekt.estimators.staggered import att_gt
from effekt.estimators.weighting import WeightResult, entropy_weights, weights

__all__ = [
    "AggregateResult",
    "BalanceResult",
    "DiDResult",
    "EffectResult",
    "EventStudyResult",
    "GroupTimeResult",
    "MatchResult",
    "MatchedDiDResult",
    "PretrendTest",
    "RCTResult",
    "SensitivityResult",
    "WeightResult",
    "abadie_imbens",
    "att_gt",
    "balance",
    "did_2x2",
    "e_value",
    "entropy_weights",
    "event_study",
    "match",
    "matched_did",
    "propensity",
    "rct",
    "rosenbaum_bounds",
    "sensitivity",
    "twfe",
    "weights",
]
