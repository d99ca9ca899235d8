"""Disclosure control for everything written for people.

Rules (the municipality's usual small-cell rule):

- a count below ``min_cell`` is shown as ``"<min_cell"`` (e.g. ``"<5"``);
- an estimate computed from fewer than ``min_cell`` treated units is suppressed (``None`` in
  machine-readable output, a dash with a note in the report, not drawn in figures). The
  unit is the panel's unit; for a family panel one family counts as one, so the rule is at
  least as strict as counting persons;
- no column that identifies a person, family or provider ever leaves the runner
  (:func:`check_no_identifiers`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from effekt.errors import EffektError

__all__ = ["ID_COLUMNS", "check_no_identifiers", "count", "event_table", "is_small"]

ID_COLUMNS = ("person_id", "family_id", "provider_id", "id")


def is_small(n: Any, min_cell: int) -> bool:
    """Whether a count ``n`` is below the threshold (0 is not a person, so not small)."""
    return n is not None and 0 < int(n) < min_cell


def count(n: Any, min_cell: int) -> int | str:
    """Return a count for output: the number, or ``"<min_cell"`` when it is below the threshold.

    Examples
    --------
    >>> count(3, 5), count(12, 5), count(0, 5)
    ('<5', 12, 0)
    """
    if n is None or (isinstance(n, float) and np.isnan(n)):
        return 0
    return f"<{min_cell}" if is_small(n, min_cell) else int(n)


def event_table(frame: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """Suppress the estimates of rows with ``n_treated`` below ``min_cell``.

    Returns a copy with ``estimate``, ``std_error``, ``ci_lower``, ``ci_upper`` set to NaN
    in those rows, ``n_treated`` as disclosed counts and a boolean ``suppressed`` column.

    Examples
    --------
    >>> f = pd.DataFrame({"event_time": [0, 1], "estimate": [1.0, 2.0], "std_error": [.1, .2],
    ...                   "ci_lower": [.8, 1.6], "ci_upper": [1.2, 2.4], "n_treated": [9, 3]})
    >>> event_table(f, 5)[["estimate", "n_treated", "suppressed"]].values.tolist()
    [[1.0, 9, False], [nan, '<5', True]]
    """
    out = frame.copy()
    small = np.array([is_small(n, min_cell) for n in out["n_treated"]], dtype=bool)
    for col in ("estimate", "std_error", "ci_lower", "ci_upper"):
        if col in out:
            out[col] = out[col].astype(float).where(~small)
    out["n_treated"] = pd.Series([count(n, min_cell) for n in out["n_treated"]],
                                 index=out.index, dtype=object)
    out["suppressed"] = small
    return out


def check_no_identifiers(obj: Any, where: str = "output") -> None:
    """Raise if a table or mapping to be written has an identifier column or key.

    Walks DataFrames (columns and index names), mappings (keys) and lists.

    Examples
    --------
    >>> check_no_identifiers({"flow": [{"treated": 4}]})
    >>> check_no_identifiers(pd.DataFrame({"family_id": [1]}))
    Traceback (most recent call last):
    ...
    effekt.errors.EffektError: output has an identifier column 'family_id'; it must not be written.
    """
    def bad(name: Any) -> bool:
        return isinstance(name, str) and (name in ID_COLUMNS or name.endswith("_id"))

    if isinstance(obj, pd.DataFrame):
        names = [*obj.columns, *obj.index.names]
        for name in names:
            if bad(name):
                raise EffektError(f"{where} has an identifier column {name!r}; it must not be "
                                  f"written.")
    elif isinstance(obj, dict):
        for key, value in obj.items():
            if bad(key):
                raise EffektError(f"{where} has an identifier key {key!r}; it must not be "
                                  f"written.")
            check_no_identifiers(value, f"{where}.{key}")
    elif isinstance(obj, list | tuple):
        for item in obj:
            check_no_identifiers(item, where)
