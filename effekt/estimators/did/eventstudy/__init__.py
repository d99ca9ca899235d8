"""Event-study estimators robust to heterogeneous treatment effects under staggered adoption.

- :mod:`~effekt.estimators.did.eventstudy.sun_abraham` — Sun & Abraham's (2021)
  interaction-weighted event study (results in
  :mod:`~effekt.estimators.did.eventstudy.sun_abraham_results`);
- :mod:`~effekt.estimators.did.eventstudy.imputation` — the imputation estimator of
  Borusyak, Jaravel & Spiess (2024), with their conservative standard errors (results in
  :mod:`~effekt.estimators.did.eventstudy.imputation_results`).
"""

from effekt.estimators.did.eventstudy.imputation import (
    AuxiliaryGroups,
    ImputationResult,
    imputation_did,
)
from effekt.estimators.did.eventstudy.sun_abraham import SunAbrahamControl, sun_abraham
from effekt.estimators.did.eventstudy.sun_abraham_results import SunAbrahamResult

__all__ = ["AuxiliaryGroups", "ImputationResult", "SunAbrahamControl", "SunAbrahamResult",
           "imputation_did", "sun_abraham"]
