"""effekt: effects of municipal welfare measures, and budgets tied to care trajectories."""

from effekt.errors import DataError, EffektError, EffektWarning, NotEstimableError, SpecError

__version__ = "0.1.0"

__all__ = [
    "DataError",
    "EffektError",
    "EffektWarning",
    "NotEstimableError",
    "SpecError",
    "__version__",
]
