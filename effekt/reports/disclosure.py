"""Disclosure control for everything written for people.

Rules (the municipality's usual small-cell rule):

- a count below ``min_cell`` is shown as ``"<min_cell"`` (e.g. ``"<5"``);
- an estimate computed from fewer than ``min_cell`` treated units is suppressed (``None`` in
  machine-readable output, a dash with a note in the report, not drawn in figures). The
  unit is the panel's unit; for a family panel one family counts as one, so the rule is at
  least as strict as counting persons;
- no column that identifies a person, family or provider ever leaves the runner
  (:func:`check_no_identifiers`);
- a warning raised by an estimator is written only in the disclosed form that
  :func:`disclose_warning` gives it (its rule is in its docstring).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from string import Template
from typing import Any

import numpy as np
import pandas as pd

from effekt.errors import EffektError

__all__ = ["ID_COLUMNS", "MASK", "WARNING_KINDS", "WITHHELD", "WarningKind", "band",
           "check_no_identifiers", "count", "disclose_warning", "event_table", "is_small"]

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


# -- warnings -------------------------------------------------------------------------------

@dataclass(frozen=True)
class WarningKind:
    """A known kind of estimator warning: how to recognise it and what of it may be shown.

    ``pattern`` matches the start of the estimator's message; ``template`` is the disclosed
    (technical, English) message, a :class:`string.Template` over the fields; ``fields``
    gives each named group of ``pattern`` its type: ``"count"`` (persons, units or rows:
    banded), ``"label"`` / ``"labels"`` (one or a list of period or cohort values: shown
    only if they are periods or cohorts of the panel), ``"number"`` (a count of cohorts or
    of group-time cells, or a setting from the spec, at most five digits: shown as it is)
    or ``"word"`` (one of the fixed words the pattern allows).
    """

    category: str
    pattern: re.Pattern[str]
    template: str
    fields: dict[str, str]


_NUM = r"-?\d+(?:\.\d+)?"

#: The EffektWarnings the estimators raise, by category. A message that matches none of
#: them is withheld (category ``other``).
WARNING_KINDS: tuple[WarningKind, ...] = (
    WarningKind("dropped_missing_outcome",
                re.compile(r"Dropped (?P<n_rows>\d+) rows with a missing outcome\b"),
                "Dropped $n_rows rows with a missing outcome.", {"n_rows": "count"}),
    WarningKind("dropped_treated_first_period",
                re.compile(rf"Dropped (?P<n_units>\d+) units already treated in the first "
                           rf"period \((?P<period>{_NUM})\)"),
                "Dropped $n_units units already treated in the first period ($period).",
                {"n_units": "count", "period": "label"}),
    WarningKind("no_never_treated",
                re.compile(rf"No never-treated units: cohort (?P<cohort>{_NUM}) serves as the "
                           rf"comparison and periods >= (?P<period>{_NUM}) are dropped"),
                "No never-treated units: cohort $cohort serves as the comparison and periods "
                ">= $period are dropped.", {"cohort": "label", "period": "label"}),
    WarningKind("cohorts_without_pre_period",
                re.compile(r"Cohorts \[(?P<cohorts>[-\d., ]*)\] have no pre-treatment period"),
                "Cohorts $cohorts have no pre-treatment period and get no ATT(g,t).",
                {"cohorts": "labels"}),
    WarningKind("cells_not_estimable",
                re.compile(r"(?P<n_cells>\d{1,5}) cells could not be estimated\b"),
                "$n_cells ATT(g,t) cells could not be estimated and are NaN.",
                {"n_cells": "number"}),
    WarningKind("cells_skipped_in_aggregation",
                re.compile(r"aggregate\('(?P<kind>simple|group|calendar|dynamic)'\) skips "
                           r"(?P<n_cells>\d{1,5}) non-estimable ATT\(g,t\) cells"),
                "aggregate('$kind') skips $n_cells non-estimable ATT(g,t) cells.",
                {"kind": "word", "n_cells": "number"}),
    WarningKind("too_few_controls_for_ratio",
                re.compile(r"only (?P<n_other>\d+) (?P<other>treated|control) units for "
                           r"(?P<n_focal>\d+) (?P<focal>treated|control) units at "
                           r"ratio=(?P<ratio>\d{1,5})"),
                "only $n_other $other units for $n_focal $focal units at ratio=$ratio; not all "
                "$focal units will get $ratio matches.",
                {"n_other": "count", "other": "word", "n_focal": "count", "focal": "word",
                 "ratio": "number"}),
    WarningKind("cohorts_skipped_pre_periods",
                re.compile(r"cohort\(s\) \[(?P<cohorts>[-\d., ]*)\] have fewer than "
                           r"pre_periods=(?P<pre_periods>\d{1,5}) periods before their start"),
                "cohort(s) $cohorts have fewer than pre_periods=$pre_periods periods before "
                "their start inside the panel and were skipped.",
                {"cohorts": "labels", "pre_periods": "number"}),
    WarningKind("twfe_staggered_adoption",
                re.compile(r"(?P<function>twfe|event_study): adoption is staggered "
                           r"\((?P<n_cohorts>\d{1,5}) treated cohorts\)"),
                "$function: adoption is staggered ($n_cohorts treated cohorts). With effects "
                "that vary over time or between cohorts, the TWFE coefficients are biased "
                "(Goodman-Bacon 2021, Sun & Abraham 2021).",
                {"function": "word", "n_cohorts": "number"}),
)

#: The message written for a warning of no known kind.
WITHHELD = ("An estimator warning of a kind effekt does not know; its text is withheld "
            "because disclosure control cannot check it.")

#: What is shown in place of a period or cohort value that is not one of the panel's.
MASK = "…"


def band(n: int, min_cell: int) -> int | str:
    """Return a count inside a warning as its band: 0, ``"<min_cell"`` or ``">=min_cell"``.

    Examples
    --------
    >>> band(0, 5), band(3, 5), band(5, 5), band(4000, 5)
    (0, '<5', '>=5', '>=5')
    """
    n = int(n)
    if n == 0:
        return 0
    return f"<{min_cell}" if is_small(n, min_cell) else f">={min_cell}"


def _band_words(value: int | str) -> str:
    text = str(value)
    if text.startswith("<"):
        return f"fewer than {text[1:]}"
    if text.startswith(">="):
        return f"{text[2:]} or more"
    return text


def _label(text: str, labels: set[float]) -> int | float | str:
    x = float(text)
    if x not in labels:
        return MASK
    return int(x) if x.is_integer() else x


def disclose_warning(
    message: str, min_cell: int, labels: Iterable[float] = ()
) -> dict[str, Any]:
    """Return an estimator warning in the form that may be written: category, message, fields.

    The rule for warnings (they are written to ``results.json`` and the report, so they obey
    the disclosure rules of this module):

    1. Only warnings of a known kind (:data:`WARNING_KINDS`) are shown, and of those only
       their typed fields: the message written is rebuilt from the kind's own template, so
       no free text of the original message (a column value, the reason a cell failed,
       which may carry counts) reaches the output. A warning of no known kind keeps its
       place (category ``"other"``) but its text is withheld (:data:`WITHHELD`).
    2. A count of persons, units or rows inside a warning is never shown exactly: it is
       shown as its band, ``0``, ``"<min_cell"`` (1 to ``min_cell`` - 1) or
       ``">=min_cell"`` (written "fewer than 5" and "5 or more" in the message). Exact
       counts are in the sample flow under the usual rule; a warning's count may be a part
       (one matching stack, the rows of one outcome) of a total shown there, so an exact
       count could give a hidden one away by subtraction; a band cannot.
    3. Period and cohort values are shown only if they are in ``labels`` (the panel's
       periods and cohorts); anything else in their place is shown as ``"…"``. A count of
       cohorts or of group-time cells and a setting from the spec (``ratio``,
       ``pre_periods``) describe the design, not persons, and are shown as they are; a
       kind admits at most five digits there (a longer number makes the message one of no
       known kind, so it is withheld).

    So a warning can print no identifier: the only numbers written are bands, period and
    cohort values of the panel and the design's own small numbers.

    Parameters
    ----------
    message : str
        The warning's message as the estimator raised it.
    min_cell : int
        The smallest count that may be shown.
    labels : iterable of float
        The periods and cohorts of the panel.

    Returns
    -------
    dict
        ``category`` (a :data:`WARNING_KINDS` category or ``"other"``), ``message`` (the
        disclosed message, English) and ``fields`` (the disclosed fields, for the report's
        texts).

    Examples
    --------
    >>> disclose_warning("Dropped 3 rows with a missing outcome 'y'.", 5)["message"]
    'Dropped fewer than 5 rows with a missing outcome.'
    >>> d = disclose_warning("Dropped 12 units already treated in the first period (2016).",
    ...                      5, labels=[2016, 2017])
    >>> d["category"], d["fields"]
    ('dropped_treated_first_period', {'n_units': '>=5', 'period': 2016})
    >>> disclose_warning("unit 7000000017 looks odd", 5)["category"]
    'other'
    """
    known = {float(x) for x in labels}
    for kind in WARNING_KINDS:
        m = kind.pattern.match(message)
        if m is None:
            continue
        fields: dict[str, Any] = {}
        words: dict[str, str] = {}
        for name, typ in kind.fields.items():
            raw = m.group(name)
            if typ == "count":
                fields[name] = band(int(raw), min_cell)
                words[name] = _band_words(fields[name])
            elif typ == "label":
                fields[name] = _label(raw, known)
                words[name] = str(fields[name])
            elif typ == "labels":
                fields[name] = [_label(x, known) for x in raw.split(",") if x.strip()]
                words[name] = "[" + ", ".join(map(str, fields[name])) + "]"
            else:  # "number" and "word": the pattern admits only digits or fixed words
                fields[name] = int(raw) if typ == "number" else raw
                words[name] = str(fields[name])
        return {"category": kind.category,
                "message": Template(kind.template).substitute(words), "fields": fields}
    return {"category": "other", "message": WITHHELD, "fields": {}}
