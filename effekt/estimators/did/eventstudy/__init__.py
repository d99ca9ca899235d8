"""Event-study estimators robust to heterogeneous treatment effects under staggered adoption.

- :mod:`~effekt.estimators.did.eventstudy.sun_abraham` — Sun & Abraham's (2021)
  interaction-weighted event study (results in
  :mod:`~effekt.estimators.did.eventstudy.sun_abraham_results`).
"""

from effekt.estimators.did.eventstudy.sun_abraham import SunAbrahamControl, sun_abraham
from effekt.estimators.did.eventstudy.sun_abraham_results import SunAbrahamResult

__all__ = ["SunAbrahamControl", "SunAbrahamResult", "sun_abraham"]
