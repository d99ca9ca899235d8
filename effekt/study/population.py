"""Study populations: structured filters on baseline attributes of the units.

A spec restricts who is in a study, and so who can be a comparison unit, with filters
on baseline attributes, never with an expression evaluated as code::

    [population.where]                      # every unit of the study
    prior_social_assistance_months = { min = 1 }
    provider_type = { in = ["school", "kindergarten"] }

    [[outcomes]]
    name = "school_absence_days"
    where = { provider_type = { in = ["school"] } }   # this outcome only

A filter names a column and gives ``min`` and/or ``max`` (inclusive bounds on a number)
or ``in`` (a list of allowed values); a unit is kept when every filter holds. Missing
values never pass a filter. The attributes a filter may name are the columns of
``persons`` (not the ``*_id`` columns) and two derived ones:

- ``age``: the age in years in the first period of the panel (its year minus
  ``birth_year``), a baseline attribute, so that a unit does not leave the study by
  growing older;
- ``provider_type``: the type of the person's provider (``persons.provider_id`` looked up
  in ``providers``): ``school``, ``kindergarten``, ``nav_office``, ...; missing for a
  person attached to no provider.

For a family, a numeric attribute is the mean over its members, a boolean the share of
members for whom it holds, and any other the most common value, as in
:func:`effekt.data.panel`; so ``{ min = 1 }`` on ``prior_social_assistance_months``
keeps families with at least one month of earlier social assistance.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from effekt.data import RecordStore
from effekt.errors import SpecError

__all__ = ["DERIVED", "Filter", "allowed_columns", "apply_filters", "check_columns",
           "describe", "read_filters", "unit_attributes"]

#: Attributes derived from the record tables (not columns of ``persons``).
DERIVED = ("age", "provider_type")


@dataclass(frozen=True)
class Filter:
    """One condition on a baseline attribute: ``lo <= column <= hi`` and/or ``column in values``.

    Examples
    --------
    >>> f = Filter("age", lo=6, hi=15)
    >>> f.holds(pd.Series([5, 6, 15, 16, None])).tolist()
    [False, True, True, False, False]
    >>> Filter("provider_type", values=("school",)).to_dict()
    {'column': 'provider_type', 'min': None, 'max': None, 'in': ['school']}
    """

    column: str
    lo: float | None = None
    hi: float | None = None
    values: tuple[Any, ...] | None = None

    def holds(self, x: pd.Series) -> pd.Series:
        """Return, per value, whether the filter holds (missing values never do)."""
        ok = x.notna()
        if self.values is not None:
            ok &= x.isin(list(self.values))
        if self.lo is not None or self.hi is not None:
            num = pd.to_numeric(x, errors="coerce")
            ok &= num.notna()
            if self.lo is not None:
                ok &= num >= self.lo
            if self.hi is not None:
                ok &= num <= self.hi
        return ok.fillna(False).astype(bool)

    def to_dict(self) -> dict[str, Any]:
        """Return the filter as plain data (as ``results.json`` writes it)."""
        return {"column": self.column, "min": self.lo, "max": self.hi,
                "in": None if self.values is None else list(self.values)}


def read_filters(raw: Any, key: str, problems: list[str]) -> tuple[Filter, ...]:
    """Read a ``where`` table of a spec; each problem, naming its key, goes to ``problems``.

    Examples
    --------
    >>> problems = []
    >>> read_filters({"age": {"min": 6, "max": 15}}, "population.where", problems)
    (Filter(column='age', lo=6.0, hi=15.0, values=None),)
    >>> read_filters({"age": {"above": 6}}, "population.where", problems), problems
    ((), ["population.where.age: unknown key 'above'; a filter takes min, max and in."])
    """
    if not isinstance(raw, dict):
        problems.append(f"{key}: expected a table of filters such as "
                        f"{{ age = {{ min = 6, max = 15 }} }}, got {raw!r}.")
        return ()
    out = []
    for column, cond in raw.items():
        where = f"{key}.{column}"
        if not isinstance(cond, dict) or not cond:
            problems.append(f"{where}: expected a table with min, max or in, got {cond!r}.")
            continue
        bad = sorted(set(cond) - {"min", "max", "in"})
        if bad:
            problems.append(f"{where}: unknown key {bad[0]!r}; a filter takes min, max and in.")
            continue
        bounds: dict[str, float | None] = {}
        ok = True
        for name in ("min", "max"):
            v = cond.get(name)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int | float)
                                  or not math.isfinite(v)):
                problems.append(f"{where}.{name}: expected a number, got {v!r}.")
                ok = False
            bounds[name] = None if v is None else float(v)
        values = cond.get("in")
        if values is not None and (not isinstance(values, list) or not values or not all(
                isinstance(v, str | int) and not isinstance(v, bool) for v in values)):
            problems.append(f"{where}.in: expected a non-empty list of strings or integers, "
                            f"got {values!r}.")
            ok = False
        if ok and bounds["min"] is not None and bounds["max"] is not None and (
                bounds["min"] > bounds["max"]):
            problems.append(f"{where}: min {cond['min']} is above max {cond['max']}.")
            ok = False
        if ok:
            out.append(Filter(column, lo=bounds["min"], hi=bounds["max"],
                              values=None if values is None else tuple(values)))
    return tuple(out)


def allowed_columns(store: RecordStore) -> list[str]:
    """Return the attributes a filter may name in ``store``."""
    cols = [c for c in store.table("persons").columns if not c.endswith("_id")]
    derived = ["age"] if "birth_year" in cols else []
    if "provider_id" in store.table("persons").columns and store.has("providers"):
        derived.append("provider_type")
    return [*cols, *derived]


def unit_attributes(store: RecordStore, unit: str, columns: Sequence[str],
                    first_year: int) -> pd.DataFrame:
    """Return the baseline attributes ``columns`` of every unit, indexed by ``{unit}_id``.

    ``first_year`` is the year of the panel's first period (for ``age``).
    """
    persons = store.table("persons")
    wanted = {c for c in columns if c not in DERIVED}
    if "age" in columns:
        wanted.add("birth_year")
    need = ["person_id", "family_id", *(["provider_id"] if "provider_type" in columns else []),
            *sorted(wanted)]
    p = persons.select(*dict.fromkeys(need)).to_pandas()
    if "age" in columns:
        p["age"] = first_year - pd.to_numeric(p["birth_year"], errors="coerce")
    if "provider_type" in columns:
        kinds = store.table("providers").select("provider_id", "provider_type").to_pandas()
        p["provider_type"] = p["provider_id"].map(
            kinds.set_index("provider_id")["provider_type"])
    cols = list(dict.fromkeys(columns))
    if unit == "person":
        return p.set_index("person_id")[cols]
    agg = {}
    for c in cols:
        if pd.api.types.is_bool_dtype(p[c]):
            agg[c] = p[c].astype(float).groupby(p["family_id"]).mean()
        elif pd.api.types.is_numeric_dtype(p[c]):
            agg[c] = pd.to_numeric(p[c]).groupby(p["family_id"]).mean()
        else:
            agg[c] = p.groupby("family_id")[c].agg(_mode)
    out = pd.DataFrame(agg)
    out.index.name = "family_id"
    return out


def _mode(x: pd.Series) -> Any:
    m = x.dropna().mode()
    return m.iloc[0] if len(m) else np.nan


def apply_filters(panel: pd.DataFrame, attributes: pd.DataFrame, filters: Sequence[Filter],
                  key: str) -> pd.DataFrame:
    """Return the rows of ``panel`` whose unit (column ``key``) meets every filter.

    Examples
    --------
    >>> p = pd.DataFrame({"id": [1, 1, 2, 2], "period": [1, 2, 1, 2]})
    >>> a = pd.DataFrame({"age": [7, 30]}, index=pd.Index([1, 2], name="id"))
    >>> apply_filters(p, a, [Filter("age", hi=17)], "id")["id"].unique().tolist()
    [1]
    """
    if not filters:
        return panel
    ok = pd.Series(True, index=attributes.index)
    for f in filters:
        ok &= f.holds(attributes[f.column])
    keep = ok.index[ok.to_numpy()]
    return panel[panel[key].isin(keep)]


def check_columns(filters: Sequence[Filter], allowed: Sequence[str], key: str,
                  file: str) -> None:
    """Raise a SpecError when a filter names an attribute that is not in the data."""
    for f in filters:
        if f.column not in allowed:
            raise SpecError(f"{file}: {key}.{f.column}: not an attribute of the units; "
                            f"attributes: {', '.join(allowed)}.")


def describe(filters: Sequence[Filter]) -> str:
    """Return the filters in words (English), e.g. ``"age 6 to 15; provider_type in school"``.

    Examples
    --------
    >>> describe([Filter("age", lo=6, hi=15), Filter("n_children", lo=1)])
    'age 6 to 15; n_children at least 1'
    """
    def num(x: float) -> str:
        return f"{x:g}"

    parts = []
    for f in filters:
        if f.values is not None:
            parts.append(f"{f.column} in {', '.join(map(str, f.values))}")
        if f.lo is not None and f.hi is not None:
            parts.append(f"{f.column} {num(f.lo)} to {num(f.hi)}")
        elif f.lo is not None:
            parts.append(f"{f.column} at least {num(f.lo)}")
        elif f.hi is not None:
            parts.append(f"{f.column} at most {num(f.hi)}")
    return "; ".join(parts)
