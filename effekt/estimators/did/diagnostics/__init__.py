"""Diagnostics of difference-in-differences designs.

- :mod:`~effekt.estimators.did.diagnostics.bacon` — the Goodman-Bacon (2021) decomposition
  of the TWFE coefficient into its 2×2 comparisons (results in
  :mod:`~effekt.estimators.did.diagnostics.bacon_results`).
"""

from effekt.estimators.did.diagnostics.bacon import bacon_decomposition, cohort_from_treatment
from effekt.estimators.did.diagnostics.bacon_results import (
    COMPARISON_TYPES,
    BaconDecomposition,
    ComparisonType,
)

__all__ = [
    "COMPARISON_TYPES",
    "BaconDecomposition",
    "ComparisonType",
    "bacon_decomposition",
    "cohort_from_treatment",
]
