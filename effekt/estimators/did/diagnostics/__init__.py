"""Diagnostics of difference-in-differences designs.

- :mod:`~effekt.estimators.did.diagnostics.bacon` — the Goodman-Bacon (2021) decomposition
  of the TWFE coefficient into its 2×2 comparisons (results in
  :mod:`~effekt.estimators.did.diagnostics.bacon_results`);
- :mod:`~effekt.estimators.did.diagnostics.honest` — the Rambachan & Roth (2023)
  confidence sets of an event study's effects under bounded violations of parallel trends
  (relative magnitudes or smoothness), with the breakdown value (results in
  :mod:`~effekt.estimators.did.diagnostics.honest_results`).
"""

from effekt.estimators.did.diagnostics.bacon import bacon_decomposition, cohort_from_treatment
from effekt.estimators.did.diagnostics.bacon_results import (
    COMPARISON_TYPES,
    BaconDecomposition,
    ComparisonType,
)
from effekt.estimators.did.diagnostics.honest import (
    HonestDiDResult,
    Restriction,
    SensitivityMethod,
    honest_did,
    honest_did_from_estimates,
)

__all__ = [
    "COMPARISON_TYPES",
    "BaconDecomposition",
    "ComparisonType",
    "HonestDiDResult",
    "Restriction",
    "SensitivityMethod",
    "bacon_decomposition",
    "cohort_from_treatment",
    "honest_did",
    "honest_did_from_estimates",
]
