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

from effekt.errors import DataError, NotEstimableError, SpecError

__all__ = [
    "LARGE",
    "as_columns",
    "as_list",
    "check_choice",
    "check_clusters",
    "check_column_args",
    "check_columns",
    "check_finite",
    "check_frame",
    "check_integer",
    "check_level",
    "check_no_missing",
    "check_number",
    "check_numeric",
    "check_positive_int",
    "check_range",
    "check_rng",
    "check_standard_error",
    "check_unique",
    "check_unique_columns",
    "check_varies",
    "raise_problems",
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


def check_rng(seed: Any, name: str = "seed") -> np.random.Generator:
    """Turn a seed (an integer >= 0, a Generator or None) into a numpy Generator.

    Examples
    --------
    >>> bool(check_rng(1).integers(10) == check_rng(1).integers(10))
    True
    """
    if isinstance(seed, np.random.Generator):
        return seed
    integer = isinstance(seed, int | np.integer) and not isinstance(seed, bool)
    if seed is None or (integer and seed >= 0):
        return np.random.default_rng(seed)
    raise SpecError(f"{name} must be an integer >= 0 or a numpy.random.Generator, got "
                    f"{seed!r}.")


# ---------------------------------------------------------------------------------------
# boundary checks of the estimators, budgeting, specs and workbooks (issue 10)

LARGE = 1e150
"""Largest magnitude accepted for a number: its square (1e300) still fits a float64."""


def _is_real(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


def check_level(level: Any, name: str = "level") -> float:
    """Check that a confidence level lies strictly between 0 and 1.

    Parameters
    ----------
    level : float
        The value received.
    name : str
        The argument's name, for the message.

    Returns
    -------
    float

    Raises
    ------
    SpecError
        For anything but a number in (0, 1): ``95`` (a percentage), 0, 1, NaN, text.

    Examples
    --------
    >>> check_level(0.9)
    0.9
    """
    if not _is_real(level) or not 0 < float(level) < 1:
        raise SpecError(
            f"{name}={level!r} is not allowed; a confidence level lies strictly between 0 "
            "and 1 (e.g. 0.95 for 95% intervals)."
        )
    return float(level)


def check_number(
    name: str,
    value: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    allow_none: bool = False,
) -> float | None:
    """Check that ``value`` is a finite number, optionally within ``[low, high]``.

    ``low_open``/``high_open`` exclude the bound itself. ``None`` passes (and is
    returned) when ``allow_none``.

    Raises
    ------
    SpecError
        Naming ``name``, the value and the range allowed.

    Examples
    --------
    >>> check_number("drop_off", 0.1, low=0, high=1)
    0.1
    """
    if value is None and allow_none:
        return None
    lo_text = "" if low is None else (f"> {low:g}" if low_open else f">= {low:g}")
    hi_text = "" if high is None else (f"< {high:g}" if high_open else f"<= {high:g}")
    allowed = " and ".join(t for t in (lo_text, hi_text) if t)
    want = f"a finite number{' ' + allowed if allowed else ''}"
    ok = _is_real(value) and bool(np.isfinite(float(value))) and abs(float(value)) <= LARGE
    if ok:
        v = float(value)
        ok = ((low is None or (v > low if low_open else v >= low))
              and (high is None or (v < high if high_open else v <= high)))
    if not ok:
        raise SpecError(f"{name} must be {want}, got {value!r}.")
    return float(value)


def check_integer(
    name: str, value: Any, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """Check that ``value`` is an integer (not a bool or a float) within the bounds.

    Examples
    --------
    >>> check_integer("price_year", 2024, minimum=1900)
    2024
    """
    ok = isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)
    if ok:
        ok = (minimum is None or value >= minimum) and (maximum is None or value <= maximum)
    if not ok:
        bounds = " and ".join(t for t in (None if minimum is None else f">= {minimum}",
                                          None if maximum is None else f"<= {maximum}") if t)
        raise SpecError(f"{name} must be an integer{' ' + bounds if bounds else ''}, "
                        f"got {value!r}.")
    return int(value)


_OPTIONAL = ("covariates", "cluster", "weights", "exact", "case_mix", "bias_covariates")
_MANY = ("covariates", "exact", "case_mix", "bias_covariates")


def check_column_args(
    df: pd.DataFrame,
    args: dict[str, Any],
    *,
    table: str = "df",
    optional: Sequence[str] = _OPTIONAL,
    many: Sequence[str] = _MANY,
) -> None:
    """Check the column-name arguments of a call: names, present, not duplicated.

    ``args`` maps each argument to its value: a column name, a list of names for the
    arguments in ``many`` (``covariates``), or None for those in ``optional``. A name
    must be a string (or an integer, for numbered columns) naming exactly one column of
    ``df``; every missing column is listed in one DataError.

    Raises
    ------
    SpecError
        An argument that is not a column name (a list, a dict, a float NaN, None where a
        column is required).
    DataError
        Missing columns, or a column name that ``df`` holds more than once.
    """
    wanted: list[Any] = []
    for arg, value in args.items():
        if value is None:
            if arg not in optional:
                raise SpecError(f"{arg} is required: name a column of {table}.")
            continue
        if isinstance(value, list | tuple | pd.Index) and arg not in many:
            raise SpecError(f"{arg} must name one column of {table} (a string), got "
                            f"{value!r}.")
        values = list(value) if isinstance(value, list | tuple | pd.Index) else [value]
        for v in values:
            if isinstance(v, bool) or not isinstance(v, str | int | np.integer):
                raise SpecError(f"{arg} must name a column of {table} (a string), got {v!r}.")
            wanted.append(v)
    check_columns(df, wanted, table=table)
    cols = pd.Index(df.columns)
    dup = sorted({str(c) for c in wanted if int((cols == c).sum()) > 1})
    if dup:
        raise DataError(f"{table} has several columns named {_show(dup, 5)}; column names "
                        "must be unique.")


def _labels(df: pd.DataFrame, mask: np.ndarray, values: np.ndarray, limit: int = 3) -> str:
    pos = np.flatnonzero(mask)[:limit]
    rows = [df.index[p].item() if isinstance(df.index[p], np.generic) else df.index[p]
            for p in pos]
    return "; ".join(f"row {r!r}: {float(values[p]):g}" for r, p in zip(rows, pos, strict=True))


def _numeric_values(df: pd.DataFrame, column: str, table: str) -> np.ndarray:
    col = df[column]
    if not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)):
        raise DataError(f"{table}: column {column!r} (dtype {col.dtype}) must be numeric.")
    return col.to_numpy(dtype=float, na_value=np.nan)


def _within_large(col: pd.Series) -> bool:
    """Return True when a numpy column surely has no infinite, huge or missing value."""
    a = col.to_numpy() if isinstance(col.dtype, np.dtype) else None
    if a is None or a.dtype.kind not in "iubf" or a.size == 0:
        return False
    if a.dtype.kind in "iub":
        return True  # integers: at most about 1.8e19, far below LARGE
    lo, hi = a.min(), a.max()  # NaN propagates: then the full check runs
    return bool(-LARGE <= lo and hi <= LARGE)


def check_finite(df: pd.DataFrame, columns: Iterable[str], *, table: str = "data") -> None:
    """Raise one DataError naming each numeric column with infinite or huge values.

    Missing values are left to :func:`check_no_missing`; a value is refused when it is
    infinite or its magnitude exceeds :data:`LARGE` (1e150: squares and sums of it
    overflow and surface later as NaN or inf estimates).

    Examples
    --------
    >>> check_finite(pd.DataFrame({"y": [1.0, 2.0]}), ["y"])
    """
    bad = []
    for c in dict.fromkeys(columns):
        if _within_large(df[c]):  # two passes, no copy: the common case
            continue
        v = _numeric_values(df, c, table)
        mask = ~np.isnan(v) & ~(np.abs(v) <= LARGE)
        if mask.any():
            bad.append(f"{c!r} has {int(mask.sum())} infinite or too large value(s) "
                       f"({_labels(df, mask, v)})")
    if bad:
        raise DataError(f"{table}: column {'; '.join(bad)}; values must be finite numbers of "
                        f"magnitude at most {LARGE:g}.")


def check_range(
    df: pd.DataFrame,
    columns: Iterable[str],
    *,
    table: str = "data",
    low: float | None = 0.0,
    high: float | None = None,
    low_open: bool = False,
    allow_missing: bool = False,
) -> None:
    """Raise one DataError naming each column with values outside ``[low, high]``.

    Missing values fail too unless ``allow_missing`` (a NaN is neither >= 0 nor < 0, so a
    plain ``(x < 0).any()`` lets it through). With ``low_open`` the bound is excluded.

    Examples
    --------
    >>> check_range(pd.DataFrame({"share": [0.2, 0.8]}), ["share"], high=1.0)
    """
    bad = []
    lo_text = "" if low is None else (f"> {low:g}" if low_open else f">= {low:g}")
    hi_text = "" if high is None else f"<= {high:g}"
    allowed = " and ".join(t for t in (lo_text, hi_text) if t)
    for c in dict.fromkeys(columns):
        v = _numeric_values(df, c, table)
        ok = np.ones(v.shape, dtype=bool)
        if low is not None:
            ok &= (v > low) if low_open else (v >= low)
        if high is not None:
            ok &= v <= high
        if allow_missing:
            ok |= np.isnan(v)
        if not ok.all():
            bad.append(f"{c!r} has {int((~ok).sum())} value(s) not {allowed}"
                       f"{'' if allow_missing else ' (or missing)'} ({_labels(df, ~ok, v)})")
    if bad:
        raise DataError(f"{table}: column {'; '.join(bad)}.")


def check_clusters(
    df: pd.DataFrame, column: str, *, table: str = "df", argument: str = "cluster"
) -> int:
    """Check that ``column`` holds at least 2 clusters; return their number.

    Raises
    ------
    NotEstimableError
        With one cluster (or none) cluster-robust standard errors do not exist (the
        small-sample factor ``G/(G-1)`` divides by zero).
    """
    values = df[column]
    g = int(values.nunique(dropna=True))
    if g < 2:
        one = values.dropna().iloc[0] if g == 1 else None
        one = one.item() if isinstance(one, np.generic) else one
        shown = f" (every row is {one!r})" if g == 1 else ""
        raise NotEstimableError(
            f"{argument}={column!r}: {table} has {g} cluster{'' if g == 1 else 's'}{shown}; "
            "cluster-robust standard errors need at least 2 clusters. Cluster on a column "
            "with more groups."
        )
    return g


def check_varies(
    df: pd.DataFrame, column: str, *, table: str = "df", argument: str = "outcome"
) -> None:
    """Raise NotEstimableError when the numeric ``column`` takes one value in every row.

    Missing values are ignored. A constant outcome has no effect to estimate: every
    difference is 0 and its standard error 0, so a p-value would be rounding noise.
    """
    v = np.asarray(_numeric_values(df, column, table), dtype=float)
    v = v[~np.isnan(v)]
    if v.size and v.min() == v.max():  # one pass each, no hashing of every value
        raise NotEstimableError(
            f"{argument}={column!r} is constant in {table} (every value is {v[0]:g}): "
            "an effect on it and its standard error are not estimable (they are 0, and a "
            "p-value would be rounding noise)."
        )


def check_standard_error(
    std_error: Any, outcome: Any, *, what: str, every: bool = False
) -> None:
    """Raise NotEstimableError when standard errors are 0 up to rounding.

    ``outcome`` holds the outcome values behind the estimates; a standard error is zero
    when it is at most ``1e-8 * sd(outcome) + 1e-13 * max|outcome|`` (rounding noise of
    residuals that are in truth 0). With ``every=False`` one zero standard error raises
    (a single estimate); with ``every=True`` only all of them (an event study, where a
    placebo period matched exactly may legitimately have none).
    """
    se = np.atleast_1d(np.asarray(std_error, dtype=float))
    y = np.asarray(outcome, dtype=float)
    y = y[np.isfinite(y)]
    if y.size == 0:
        return
    tol = 1e-8 * float(np.std(y)) + 1e-13 * float(np.max(np.abs(y)))
    estimated = se[np.isfinite(se)]
    if estimated.size == 0:
        return
    zero = estimated <= tol
    if (zero.all() if every else zero.any()):
        raise NotEstimableError(
            f"{what}: the standard error is 0 (to rounding): the outcome does not vary "
            "within the groups compared (e.g. it is constant among the treated and among "
            "the comparison units), so the uncertainty of the estimate is not estimable and "
            "a p-value would be rounding noise."
        )


def raise_problems(
    problems: Sequence[str], *, where: str, error: type[Exception] = SpecError
) -> None:
    """Raise one error listing every problem found (nothing when there is none).

    One problem gives ``"{where}: {problem}"``; several give ``"{where}: N problems:"``
    followed by one line per problem, as the record-table validation reports them.

    Examples
    --------
    >>> raise_problems([], where="spec.toml")
    """
    if not problems:
        return
    if len(problems) == 1:
        raise error(f"{where}: {problems[0]}")
    lines = "\n".join(f"  - {p}" for p in problems)
    raise error(f"{where}: {len(problems)} problems:\n{lines}")


__all__ += ["as_columns", "check_unique_columns"]


def as_columns(name: str, value: Any) -> list[Any]:
    """Return a column-list argument (``covariates=``, ``case_mix=``) as a list of names.

    ``None`` gives ``[]``, a string one name, a list, tuple or Index its names; each name
    must be a string (or an integer, for frames with numbered columns).

    Raises
    ------
    SpecError
        For anything else (a number, a dict, a name that is a float or None).

    Examples
    --------
    >>> as_columns("covariates", "x"), as_columns("covariates", None)
    (['x'], [])
    """
    if value is None:
        return []
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list | tuple | pd.Index):
        raise SpecError(f"{name} must be a column name or a list of column names, got "
                        f"{value!r}.")
    out = list(values)
    bad = [v for v in out if isinstance(v, bool) or not isinstance(v, str | int)]
    if bad:
        raise SpecError(f"{name} must hold column names (strings), got {_show(bad)}.")
    return out


def check_unique_columns(df: pd.DataFrame, *, table: str = "data") -> None:
    """Raise a DataError when ``df`` has several columns of the same name.

    With duplicated names ``df[name]`` is a frame, not a column, and every later check
    or computation on it would fail or mislead.
    """
    dup = pd.Index(df.columns)[pd.Index(df.columns).duplicated()].unique().tolist()
    if dup:
        raise DataError(f"{table} has several columns named {_show(dup, 5)}; column names "
                        "must be unique.")
