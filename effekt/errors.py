"""Exceptions and warnings raised by effekt.

Every error subclasses :class:`EffektError` and, where it fits, the matching
built-in exception, so ``except ValueError`` keeps working for callers that do
not know effekt.
"""

from __future__ import annotations

__all__ = [
    "DataError",
    "EffektError",
    "EffektWarning",
    "NotEstimableError",
    "SpecError",
]


class EffektError(Exception):
    """Base class of every error raised by effekt."""


class DataError(EffektError, ValueError):
    """Input data do not have the columns, types or values an operation needs."""


class SpecError(EffektError, ValueError):
    """A study spec, workbook or option is invalid (names the file, key or cell)."""


class NotEstimableError(EffektError):
    """The requested quantity cannot be estimated from the data given."""


class EffektWarning(UserWarning):
    """A result is valid but deserves attention (dropped units, biased design, ...)."""
