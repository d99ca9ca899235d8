"""Disclosure control for everything written for people.

Rules (the municipality's usual small-cell rule):

- a count below ``min_cell`` is shown as ``"<min_cell"`` (e.g. ``"<5"``);
- an estimate computed from fewer than ``min_cell`` treated units is suppressed (``None`` in
  machine-readable output, a dash with a note in the report, not drawn in figures). The
  unit is the panel's unit; for a family panel one family counts as one, so the rule is at
  least as strict as counting persons;
- secondary (complementary) suppression: where the figures of a table are linked by
  linear identities (a total and its parts, an overall estimate and the event-time
  estimates it averages), further cells are hidden so that no hidden figure can be worked
  out from the shown ones (:func:`complementary`, audited by :func:`exposed`);
- no column that identifies a person, family or provider ever leaves the runner
  (:func:`check_no_identifiers`);
- a warning raised by an estimator is written only in the disclosed form that
  :func:`disclose_warning` gives it (its rule is in its docstring).
"""

from __future__ import annotations

import math
import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from string import Template
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from effekt.errors import EffektError

__all__ = ["ID_COLUMNS", "MASK", "WARNING_KINDS", "WITHHELD", "WarningKind", "band",
           "check_no_identifiers", "complementary", "count", "disclose_warning",
           "event_table", "exposed", "is_small"]

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


def event_table(frame: pd.DataFrame, min_cell: int, secondary: Iterable[int] = (),
                secondary_counts: Iterable[int] = ()) -> pd.DataFrame:
    """Suppress the estimates of rows with ``n_treated`` below ``min_cell``.

    Returns a copy with ``estimate``, ``std_error``, ``ci_lower``, ``ci_upper`` set to NaN
    in those rows and in the rows of the event times ``secondary`` (hidden by secondary
    suppression, :func:`complementary`), ``n_treated`` as disclosed counts (None for the
    event times ``secondary_counts``), a boolean ``suppressed`` column (the estimate is
    hidden) and ``secondary`` (the fields hidden by secondary suppression, or None).

    Examples
    --------
    >>> f = pd.DataFrame({"event_time": [0, 1, 2], "estimate": [1.0, 2.0, 3.0],
    ...                   "std_error": [.1, .2, .3], "ci_lower": [.8, 1.6, 2.4],
    ...                   "ci_upper": [1.2, 2.4, 3.6], "n_treated": [9, 3, 7]})
    >>> t = event_table(f, 5, secondary=[2])
    >>> t[["estimate", "n_treated", "suppressed", "secondary"]].values.tolist()
    [[1.0, 9, False, None], [nan, '<5', True, None], [nan, 7, True, 'estimate']]
    """
    out = frame.copy()
    times = out["event_time"].astype(int)
    small = np.array([is_small(n, min_cell) for n in out["n_treated"]], dtype=bool)
    second = times.isin(set(secondary)).to_numpy() & ~small
    second_n = times.isin(set(secondary_counts)).to_numpy() & ~small
    for col in ("estimate", "std_error", "ci_lower", "ci_upper"):
        if col in out:
            out[col] = out[col].astype(float).where(~(small | second))
    out["n_treated"] = pd.Series([None if gone else count(n, min_cell)
                                  for n, gone in zip(out["n_treated"], second_n, strict=True)],
                                 index=out.index, dtype=object)
    out["suppressed"] = small | second
    out["secondary"] = pd.Series(
        [";".join(f for f, on in (("estimate", a), ("n_treated", b)) if on) or None
         for a, b in zip(second, second_n, strict=True)], index=out.index, dtype=object)
    return out


# -- secondary (complementary) suppression ---------------------------------------------------

Cell = Hashable
Identity = Mapping[Cell, float]


def _bounds(values: Mapping[Cell, float], cell: Cell, counts: set, latent: set,
            min_cell: int) -> tuple[float | None, float | None]:
    """Return what a reader knows of a hidden cell from the output alone (None: no bound)."""
    if cell not in counts:
        return None, None  # an estimate may take any value
    if cell in latent:
        return 0.0, None  # a count that is not published: at least 0
    if is_small(values[cell], min_cell):
        return 1.0, float(min_cell - 1)  # printed as "<min_cell"
    # printed as a dash but not as "<min_cell": the reader may conclude it is not small
    return (float(min_cell) if values[cell] >= min_cell else 0.0), None


def _component(cell: Cell, identities: Sequence[Identity], hidden: set) -> list[Identity]:
    """Return the identities linked to ``cell`` through hidden cells (those bearing on it)."""
    rows: list[Identity] = []
    taken: set[int] = set()
    seen, todo = {cell}, [cell]
    while todo:
        c = todo.pop()
        for i, row in enumerate(identities):
            if c in row and i not in taken:
                taken.add(i)
                rows.append(row)
                for k in row:
                    if k in hidden and k not in seen:
                        seen.add(k)
                        todo.append(k)
    return rows


def _interval(cell: Cell, values: Mapping[Cell, float], identities: Sequence[Identity],
              hidden: set, counts: set, latent: set, min_cell: int) -> tuple[float, float]:
    """Return the smallest and largest value of a hidden ``cell`` consistent with the output.

    A linear programme over the hidden cells of the identities linked to ``cell``: the
    identities hold, the shown cells have their values, the hidden ones their
    :func:`_bounds`. A box of ``±big`` around the output stands in for "no bound", so
    the programme is always bounded and feasible (the true values solve it).
    """
    rows = _component(cell, identities, hidden)
    if not rows:
        lo, hi = _bounds(values, cell, counts, latent, min_cell)
        return (-math.inf if lo is None else lo), (math.inf if hi is None else hi)
    cells = list(dict.fromkeys(k for row in rows for k in row if k in hidden))
    big = 1e3 * (1.0 + max(abs(values[k]) for row in rows for k in row))
    a = np.array([[row.get(k, 0.0) for k in cells] for row in rows], dtype=float)
    b = np.array([-sum(c * values[k] for k, c in row.items() if k not in hidden)
                  for row in rows], dtype=float)
    bounds = []
    for k in cells:
        lo, hi = _bounds(values, k, counts, latent, min_cell)
        bounds.append((-big if lo is None else lo, big if hi is None else hi))
    out = []
    for sign in (1.0, -1.0):
        c = np.zeros(len(cells))
        c[cells.index(cell)] = sign
        res = linprog(c, A_eq=a, b_eq=b, bounds=bounds, method="highs")
        if res.status != 0:  # the true values solve it: this is a wrong identity
            raise EffektError(f"disclosure control: the identities around {cell!r} do not "
                              f"hold for the figures ({res.message}).")
        out.append(sign * res.fun)
    lo, hi = out
    edge = big * (1 - 1e-9)  # at the box: no bound but the box
    return (-math.inf if lo <= -edge else lo), (math.inf if hi >= edge else hi)


def _check_identities(values: Mapping[Cell, float],
                      identities: Sequence[Identity]) -> list[Identity]:
    """Return the identities that can be used: all their figures finite; raise if one fails.

    An identity with a non-finite figure (an estimate that could not be computed) says
    nothing a reader could use, so it is left out.
    """
    usable = []
    for row in identities:
        terms = [c * float(values[k]) for k, c in row.items()]
        if not all(math.isfinite(t) for t in terms):
            continue
        if abs(sum(terms)) > 1e-8 * (1.0 + sum(abs(t) for t in terms)):
            raise EffektError(f"disclosure control: an identity does not hold for the "
                              f"figures: {dict(row)!r}.")
        usable.append(row)
    return usable


def exposed(
    values: Mapping[Cell, float],
    identities: Sequence[Identity],
    hidden: Iterable[Cell],
    *,
    min_cell: int,
    counts: Iterable[Cell] = (),
    latent: Iterable[Cell] = (),
) -> list[Cell]:
    """Return the hidden cells that the shown cells and the identities give away.

    The reader (an attacker) knows every shown figure, every identity (each a mapping
    ``{cell: coefficient}`` with ``sum(coefficient * value) == 0``) and what the output
    itself says of a hidden cell: a count printed as ``"<min_cell"`` lies in
    ``1 .. min_cell - 1``; a count printed as a dash is 0 or at least ``min_cell`` (taken
    here as at least ``min_cell`` when it is, the reader's best case); a count never
    published (``latent``) is at least 0; an estimate may be anything.

    A hidden cell is *exposed* when the reader can pin it down: an estimate to one value,
    a count to one whole number. The test is a pair of linear programmes per cell: its
    smallest and largest value over the hidden cells, given the shown ones, the identities
    and the bounds (a count is exposed when no two whole numbers lie between them).

    Without bounds this is the rank test: the hidden cells ``H`` are known up to the null
    space of the identities restricted to them, ``A_H``, so cell ``j`` is determined
    exactly when the unit vector ``e_j`` lies in the row space of ``A_H``
    (``rank([A_H; e_j]) == rank(A_H)``); the programme then finds one value or an
    unbounded range. The bounds matter for counts: ``x + y = 2`` with both printed
    ``"<5"`` passes the rank test, yet gives ``x = y = 1``; hiding a third cell of 5 beside
    them does not help (a dash is at least 5, so ``x + y`` is still 2). A count may still
    be narrowed (a "<5" total of 4 split into two "<5" parts tells the reader that each is
    at most 3, which no suppression can prevent); it is not pinned down.

    Parameters
    ----------
    values : mapping
        The true value of every cell (shown, hidden and latent).
    identities : sequence of mapping
        Linear identities among the cells. One with a non-finite figure is ignored; one
        that does not hold raises :class:`~effekt.errors.EffektError` (a wrong identity).
    hidden : iterable
        The cells not shown.
    min_cell : int
        The smallest count that may be shown.
    counts : iterable
        The cells that are counts of units (the others are estimates).
    latent : iterable
        Cells that exist but are never published: unknowns to the reader, never exposed.

    Returns
    -------
    list
        The exposed cells, in the order of ``values``.

    Examples
    --------
    Two "<5" counts whose sum is 2 give each other away; with a large third cell hidden
    they do not:

    >>> values = {"total": 12, "a": 1, "b": 1, "c": 10}
    >>> parts = [{"total": 1, "a": -1, "b": -1, "c": -1}]
    >>> exposed(values, parts, {"a", "b"}, min_cell=5, counts=values)
    ['a', 'b']
    >>> exposed(values, parts, {"a", "b", "c"}, min_cell=5, counts=values)
    []
    """
    hidden = set(hidden) | set(latent)
    counts, latent = set(counts), set(latent)
    rows = _check_identities(values, identities)
    return [cell for cell in values if cell in hidden and cell not in latent
            and _pinned(cell, values, rows, hidden, counts, latent, min_cell)]


def _pinned(cell: Cell, values: Mapping[Cell, float], rows: Sequence[Identity], hidden: set,
            counts: set, latent: set, min_cell: int) -> bool:
    """Return whether the reader can pin a hidden cell down (see :func:`exposed`)."""
    lo, hi = _interval(cell, values, rows, hidden, counts, latent, min_cell)
    if cell in counts:  # fewer than two whole numbers between lo and hi
        return math.isfinite(hi) and math.floor(hi + 1e-6) - math.ceil(lo - 1e-6) < 1
    return hi - lo <= 1e-6 * (1.0 + abs(float(values[cell])))


def complementary(
    values: Mapping[Cell, float],
    identities: Sequence[Identity],
    primary: Iterable[Cell],
    *,
    min_cell: int,
    counts: Iterable[Cell] = (),
    latent: Iterable[Cell] = (),
    cost: Mapping[Cell, float] | None = None,
) -> set[Cell]:
    """Return the cells to hide: the ``primary`` ones and their complements.

    The one mechanism of secondary suppression for every table. Start from the primary
    cells (counts below ``min_cell``, estimates from fewer than ``min_cell`` units) and,
    while :func:`exposed` finds a hidden cell the shown ones give away, hide one more
    shown cell linked to it (through the identities and the hidden cells): the cheapest
    that protects it on its own, or else the cheapest linked cell, and check again. Every
    step hides one more cell, so it ends; when it ends no hidden cell is exposed.

    The cost of a cell is ``cost[cell]`` (default: its absolute value, so the smallest
    figure goes first); give the headline an infinite cost so that it is hidden only when
    nothing else can protect. Ties go to the cell first in ``values``. A zero count or a
    count below ``min_cell`` is never a complement (a hidden 0 protects little, a small
    count is hidden already), and neither is a latent cell.

    Parameters
    ----------
    values, identities, min_cell, counts, latent
        As for :func:`exposed`.
    primary : iterable
        The cells hidden by the primary rule.
    cost : mapping, optional
        The cost of hiding each cell.

    Returns
    -------
    set
        The primary cells and the complements.

    Raises
    ------
    EffektError
        When no linked cell is left to hide and a cell is still exposed.

    Examples
    --------
    A sample flow, 14591 with the outcome = 33 dropped + 2 treated + 14556 controls: the
    "<5" treated would be 14591 - 33 - 14556; the smallest other count is hidden too.

    >>> values = {"with_outcome": 14591, "dropped": 33, "treated": 2, "controls": 14556}
    >>> flow = [{"with_outcome": 1, "dropped": -1, "treated": -1, "controls": -1}]
    >>> sorted(complementary(values, flow, {"treated"}, min_cell=5, counts=values))
    ['dropped', 'treated']

    An overall estimate, the mean of three event times, one of them from 3 units: the
    event time with the next fewest units is hidden, the overall (the headline) is kept.

    >>> est = {"overall": 2.0, "e0": 1.0, "e1": 2.0, "e2": 3.0}
    >>> mean = [{"overall": 3, "e0": -1, "e1": -1, "e2": -1}]
    >>> units = {"overall": math.inf, "e0": 40, "e1": 12, "e2": 3}
    >>> sorted(complementary(est, mean, {"e2"}, min_cell=5, cost=units))
    ['e1', 'e2']
    """
    counts, latent = set(counts), set(latent)
    hidden = set(primary)
    rows = _check_identities(values, identities)
    order = {k: i for i, k in enumerate(values)}
    price = {k: (abs(float(values[k])) if cost is None else cost[k]) for k in values}

    def eligible(k: Cell) -> bool:
        return k not in hidden and k not in latent and not (
            k in counts and (values[k] == 0 or is_small(values[k], min_cell)))

    while bad := exposed(values, rows, hidden, min_cell=min_cell, counts=counts,
                         latent=latent):
        cell = bad[0]
        linked = {k for row in _component(cell, rows, hidden | latent) for k in row}
        candidates = sorted((k for k in linked if eligible(k)),
                            key=lambda k: (price[k], order[k]))
        if not candidates:
            raise EffektError(f"disclosure control: {cell!r} cannot be protected; no linked "
                              f"figure is left to hide.")
        pick = next((k for k in candidates
                     if not _pinned(cell, values, rows, hidden | latent | {k}, counts, latent,
                                    min_cell)), candidates[0])
        hidden.add(pick)
    return hidden


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
    WarningKind("few_clusters",
                re.compile(r"Standard errors rest on fewer than 30 clusters; the study uses "
                           r"(?P<method>cr1|cr2|influence_cluster|multiplier_bootstrap|"
                           r"cluster_pairs) inference"),
                "Standard errors rest on fewer than 30 clusters; the study uses $method "
                "inference.", {"method": "word"}),
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
