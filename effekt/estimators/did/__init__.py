"""Difference-in-differences: the classic estimators, staggered adoption and matched DiD.

- :mod:`~effekt.estimators.did.classic` — the 2×2 regression, static TWFE and the TWFE
  event study (results in :mod:`~effekt.estimators.did.classic_results`);
- :mod:`~effekt.estimators.did.staggered` — Callaway & Sant'Anna group-time ATTs
  (:func:`att_gt`), built from the doubly robust 2×2 pieces in
  :mod:`~effekt.estimators.did.drdid` and aggregated as in
  :mod:`~effekt.estimators.did.aggregation` (results in
  :mod:`~effekt.estimators.did.staggered_results`);
- :mod:`~effekt.estimators.did.matched` — stacked matched DiD by cohort (results in
  :mod:`~effekt.estimators.did.matched_results`);
- :mod:`~effekt.estimators.did.eventstudy` — event studies robust to heterogeneous
  effects: Sun & Abraham's interaction-weighted estimator, Borusyak, Jaravel & Spiess's
  imputation estimator;
- :mod:`~effekt.estimators.did.diagnostics` — the Goodman-Bacon decomposition of TWFE and
  the HonestDiD sensitivity of an event study to violations of parallel trends.
"""

from effekt.estimators.did.classic import did_2x2, event_study, twfe
from effekt.estimators.did.classic_results import DiDResult, EventStudyResult
from effekt.estimators.did.diagnostics import (
    BaconDecomposition,
    HonestDiDResult,
    bacon_decomposition,
    honest_did,
    honest_did_from_estimates,
)
from effekt.estimators.did.eventstudy import (
    ImputationResult,
    SunAbrahamResult,
    imputation_did,
    sun_abraham,
)
from effekt.estimators.did.matched import MatchOutcome, matched_did
from effekt.estimators.did.matched_results import MatchedDiDResult
from effekt.estimators.did.staggered import (
    Aggregation,
    BasePeriod,
    Control,
    Method,
    att_gt,
)
from effekt.estimators.did.staggered_results import AggregateResult, GroupTimeResult, PretrendTest

__all__ = [
    "AggregateResult",
    "Aggregation",
    "BaconDecomposition",
    "BasePeriod",
    "Control",
    "DiDResult",
    "EventStudyResult",
    "GroupTimeResult",
    "HonestDiDResult",
    "ImputationResult",
    "MatchOutcome",
    "MatchedDiDResult",
    "Method",
    "PretrendTest",
    "SunAbrahamResult",
    "att_gt",
    "bacon_decomposition",
    "did_2x2",
    "event_study",
    "honest_did",
    "honest_did_from_estimates",
    "imputation_did",
    "matched_did",
    "sun_abraham",
    "twfe",
]
