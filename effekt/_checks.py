"""Shared argument and column checks.

One place for the checks every public function makes at its boundary. Messages
name the argument, show the value received and say what is allowed, so that a
user can fix the call without reading effekt's source.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, get_args

import numpy as np
import pandas as pd

from effekt.errors import DataError, SpecError

__all__ = [
    "check_choice",
    "check_columns",
    "check_frame",
    "check_no_missing",
    "check_numeric",
    "check_positive_int",
    "check_rng",
    "check_unique",
    "as_list",
]


def _show(values: Iterable[Any], limit: int = 3) -> str:
    vals = list(values)
    shown = ", ".join(repr(v) for v in vals[:limit])
    if len(vals) > limit:
        shown += f", ... ({len(vals)} in all)"
    return shown


def as_list(value: str | Sequence[str] | None) -> list[str]:
    """Return ``value`` as a list of column names (``None`` gives ``[]``)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    return list(value)


def check_choice(name: str, value: Any, options: Any) -> Any:
    """Check that ``value`` is one of ``options``.

    ``options`` is a ``typing.Literal`` alias or an iterable of allowed values.

    Examples
    --------
    >>> from typing import Literal
    >>> check_choice("method", "dr", Literal["dr", "ipw", "reg"])
    'dr'
    """
    allowed = get_args(options) or tuple(options)
    if value not in allowed:
        raise SpecError(
            f"{name}={value!r} is not allowed; choose one of {', '.join(map(repr, allowed))}."
        )
    return value


def check_frame(name: str, df: Any) -> pd.DataFrame:
    """Check that ``df`` is a non-empty pandas DataFrame."""
    if not isinstance(df, pd.DataFrame):
        raise DataError(f"{name} must be a pandas DataFrame, got {type(df).__name__}.")
    if len(df) == 0:
        raise DataError(f"{name} has no rows.")
    return df


def check_columns(df: pd.DataFrame, columns: Iterable[str | None], *, table: str = "data") -> None:
    """Raise one DataError listing every column in ``columns`` missing from ``df``."""
    wanted = [c for c in columns if c is not None]
    missing = [c for c in wanted if c not in df.columns]
    if missing:
        raise DataError(
            f"{table} has no column {_show(missing, 10)}; columns present: "
            f"{_show(list(df.columns), 12)}."
        )


def check_numeric(df: pd.DataFrame, columns: Iterable[str], *, table: str = "data") -> None:
    """Raise a DataError naming each column in ``columns`` that is not numeric or boolean."""
    bad = [
        f"{c!r} (dtype {df[c].dtype})"
        for c in columns
        if not (pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c]))
    ]
    if bad:
        raise DataError(f"{table}: column {', '.join(bad)} must be numeric.")


def check_no_missing(df: pd.DataFrame, columns: Iterable[str], *, table: str = "data") -> None:
    """Raise a DataError naming each column with missing values and how many."""
    bad = [f"{c!r} ({int(n)} missing)" for c in columns if (n := df[c].isna().sum()) > 0]
    if bad:
        raise DataError(f"{table}: column {', '.join(bad)} has missing values.")


def check_unique(df: pd.DataFrame, keys: Sequence[str], *, table: str = "data") -> None:
    """Raise a DataError when rows of ``df`` repeat the key ``keys``, with examples."""
    dup = df.duplicated(list(keys), keep=False)
    if dup.any():
        examples = df.loc[dup, list(keys)].drop_duplicates().head(3)
        shown = "; ".join(
            ", ".join(f"{k}={v!r}" for k, v in zip(keys, row, strict=True))
            for row in examples.itertuples(index=False)
        )
        raise DataError(
            f"{table}: {int(dup.sum())} rows share a ({', '.join(keys)}) key; expected one row "
            f"per key. Examples: {shown}."
        )


def check_positive_int(name: str, value: Any, *, minimum: int = 1) -> int:
    """Check that ``value`` is an integer of at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise SpecError(f"{name} must be an integer >= {minimum}, got {value!r}.")
    return int(value)


def check_rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    """Turn ``seed`` (an int, a Generator or None) into a numpy Generator."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, int | np.integer) and not isinstance(seed, bool)):
        return np.random.default_rng(seed)
    raise SpecError(f"seed must be an int or a numpy.random.Generator, got {seed!r}.")
