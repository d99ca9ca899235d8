"""effekt: effects of municipal welfare measures, and budgets tied to care trajectories.

The estimators researchers use most are here at the top (``effekt.att_gt``,
``effekt.did_2x2``, ``effekt.match`` ...), with :func:`compare` for side-by-side tables;
everything else lives in its package: :mod:`effekt.data`, :mod:`effekt.synthetic`,
:mod:`effekt.estimators`, :mod:`effekt.budgeting`, :mod:`effekt.study`,
:mod:`effekt.power` (power and minimum detectable effects of a planned or running pilot),
:mod:`effekt.reports`.
"""

__version__ = "0.1.0"

from effekt.compare import compare, write_table  # noqa: E402
from effekt.errors import (  # noqa: E402
    DataError,
    EffektError,
    EffektWarning,
    NotEstimableError,
    SpecError,
)
from effekt.estimators import (  # noqa: E402
    att_gt,
    balance,
    did_2x2,
    event_study,
    match,
    matched_did,
    propensity,
    rct,
    sensitivity,
    twfe,
    weights,
)

__all__ = [
    "DataError",
    "EffektError",
    "EffektWarning",
    "NotEstimableError",
    "SpecError",
    "__version__",
    "att_gt",
    "balance",
    "compare",
    "did_2x2",
    "event_study",
    "match",
    "matched_did",
    "propensity",
    "rct",
    "sensitivity",
    "twfe",
    "weights",
    "write_table",
]
