"""The results protocol shared by every estimator, budget and check in effekt.

Every results object is a frozen dataclass that mixes in :class:`ResultsBase`:

* ``summary()`` gives one text, and nothing in it changes from run to run (no date, no
  machine); ``__str__``, ``__repr__`` and ``_repr_html_`` all come from it, as in
  linearmodels' summary objects;
* ``plot(ax=None)`` draws on ``ax`` (or a new figure) and returns the matplotlib
  :class:`~matplotlib.figure.Figure` it drew on — always a Figure, also for results drawn
  as several panels;
* results never change: other inference (a bootstrap, another covariance) returns a new
  object.

An *effect* result (:class:`EffectResults`) also has

* ``to_frame()`` — a tidy DataFrame: the label column(s) first (``term``,
  ``event_time``, ``group`` and ``time``, ``estimator`` …, named in
  ``label_columns``), then ``estimate``, ``std_error``, ``ci_lower``, ``ci_upper``,
  ``p_value``, then any extras (counts ``n_*``, uniform bands, degrees of freedom);
* ``vcov`` — the covariance of the estimates as a DataFrame whose index and columns are
  the labels of the rows of ``to_frame()``, in the same order (a MultiIndex when there is
  more than one label column). Rows that are normalised rather than estimated (the
  reference period of an event study) have NaN variance and covariance. Unless a class
  says otherwise, ``std_error`` is the square root of the diagonal of ``vcov``;
* ``estimand`` and ``inference`` — what is estimated and how its uncertainty is
  computed, in words.

The helpers here (:func:`confidence_interval`, :func:`p_value`, :func:`effect_frame`,
:func:`labelled_vcov`, :func:`format_table`) are the one place those are computed.
"""

from __future__ import annotations

import html
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "EFFECT_COLUMNS",
    "EffectResults",
    "ResultsBase",
    "confidence_interval",
    "critical_value",
    "effect_frame",
    "figure_of",
    "format_table",
    "labelled_vcov",
    "p_value",
]

EFFECT_COLUMNS = ("estimate", "std_error", "ci_lower", "ci_upper", "p_value")


def critical_value(level: float = 0.95, df: float | None = None) -> float:
    """Two-sided critical value at ``level``: normal, or Student's t with ``df`` d.o.f.

    Examples
    --------
    >>> round(critical_value(0.95), 4), round(critical_value(0.95, df=10), 4)
    (1.96, 2.2281)
    """
    q = 0.5 + level / 2
    return float(stats.norm.ppf(q) if df is None else stats.t.ppf(q, df))


def confidence_interval(
    estimate: Any, std_error: Any, level: float = 0.95, crit: float | None = None,
    df: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Return the interval ``estimate ± crit * std_error``.

    ``crit`` defaults to the normal critical value at ``level``, or Student's t with
    ``df`` degrees of freedom when ``df`` is given.

    Examples
    --------
    >>> lo, hi = confidence_interval(1.0, 0.5)
    >>> round(float(lo), 3), round(float(hi), 3)
    (0.02, 1.98)
    """
    if crit is None:
        crit = critical_value(level, df)
    est = np.asarray(estimate, dtype=float)
    se = np.asarray(std_error, dtype=float)
    return est - crit * se, est + crit * se


def p_value(estimate: Any, std_error: Any, df: float | None = None) -> np.ndarray:
    """Two-sided p-value of ``estimate / std_error``: normal, or t with ``df`` d.o.f.

    Examples
    --------
    >>> round(float(p_value(1.96, 1.0)), 3)
    0.05
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.abs(np.asarray(estimate, dtype=float) / np.asarray(std_error, dtype=float))
    return 2 * (stats.norm.sf(z) if df is None else stats.t.sf(z, df))


def effect_frame(
    labels: Mapping[str, Any],
    estimate: Any,
    std_error: Any,
    *,
    level: float = 0.95,
    df: float | None = None,
    crit: float | None = None,
    extra: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Build the tidy table of an effect result: labels, the five effect columns, extras.

    Parameters
    ----------
    labels : mapping of str to array-like
        The label column(s), in order (e.g. ``{"event_time": [...]}``).
    estimate, std_error : array-like
        One entry per row.
    level : float
        Confidence level of ``ci_lower``/``ci_upper``.
    df : float, optional
        Degrees of freedom of a t reference distribution (normal when omitted).
    crit : float, optional
        A given critical value for the intervals (e.g. a bootstrap's); the p-values stay
        normal or t.
    extra : mapping, optional
        Further columns, appended after ``p_value``.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> effect_frame({"term": ["d"]}, [2.0], [1.0]).columns.tolist()
    ['term', 'estimate', 'std_error', 'ci_lower', 'ci_upper', 'p_value']
    """
    est = np.atleast_1d(np.asarray(estimate, dtype=float))
    se = np.atleast_1d(np.asarray(std_error, dtype=float))
    lo, hi = confidence_interval(est, se, level, crit=crit, df=df)
    out = pd.DataFrame({k: np.asarray(v) for k, v in labels.items()})
    if out.empty and not labels:
        out = pd.DataFrame(index=pd.RangeIndex(len(est)))
    out["estimate"] = est
    out["std_error"] = se
    out["ci_lower"] = lo
    out["ci_upper"] = hi
    out["p_value"] = p_value(est, se, df)
    for k, v in (extra or {}).items():
        out[k] = np.asarray(v)
    return out


def labelled_vcov(matrix: Any, frame: pd.DataFrame, label_columns: Sequence[str]) -> pd.DataFrame:
    """Label a covariance matrix by the label columns of ``frame`` (its rows, in order).

    Examples
    --------
    >>> f = pd.DataFrame({"event_time": [0, 1], "estimate": [1.0, 2.0]})
    >>> labelled_vcov(np.eye(2), f, ["event_time"]).index.tolist()
    [0, 1]
    """
    cols = list(label_columns)
    index = (pd.Index(frame[cols[0]].to_numpy(), name=cols[0]) if len(cols) == 1
             else pd.MultiIndex.from_frame(frame[cols]))
    return pd.DataFrame(np.asarray(matrix, dtype=float), index=index, columns=index.copy())


def _integral(values: pd.Series) -> bool:
    """Whether a float column holds only whole numbers (and missing values)."""
    if not pd.api.types.is_float_dtype(values):
        return False
    v = values.to_numpy(dtype=float)
    finite = v[np.isfinite(v)]
    return finite.size > 0 and bool(np.all(finite == np.round(finite)))


def _as_int_labels(index: pd.Index) -> pd.Index:
    if isinstance(index, pd.MultiIndex):
        levels = [_as_int_labels(index.get_level_values(i)) for i in range(index.nlevels)]
        return pd.MultiIndex.from_arrays(levels, names=index.names)
    if _integral(pd.Series(index)):
        return pd.Index(pd.array(index, dtype="Int64"), name=index.name)
    return index


def format_table(frame: pd.DataFrame, digits: int = 4, integers: Sequence[str] = ()) -> str:
    """Format a table for ``summary()``: fixed decimals, whole numbers printed as integers.

    Integer columns, the columns named in ``integers`` and index levels that hold only
    whole numbers (years, event times, cohorts) are printed without decimals; other
    numbers with ``digits`` decimals.

    Examples
    --------
    >>> f = pd.DataFrame({"n": [27.0], "estimate": [1.23456]}, index=pd.Index([2018.0]))
    >>> print(format_table(f, integers=["n"]))
           n  estimate
    2018  27    1.2346
    """
    out = frame.copy()
    out.index = _as_int_labels(out.index)
    for c in out.columns:
        if c in integers and pd.api.types.is_numeric_dtype(out[c]):
            out[c] = pd.array(np.round(out[c].to_numpy(dtype=float)), dtype="Int64")
    return out.to_string(float_format=lambda x: f"{x:.{digits}f}", na_rep="NaN")


def figure_of(ax: Any) -> Any:
    """Return the matplotlib Figure of an Axes, or of the first of a sequence of Axes."""
    first = np.asarray(ax, dtype=object).ravel()[0] if not hasattr(ax, "figure") else ax
    return first.figure


class ResultsBase(ABC):
    """Mixin giving ``__str__``, ``__repr__`` and ``_repr_html_`` from ``summary()``.

    Subclasses are frozen dataclasses declared with ``repr=False`` so that the summary,
    not a dump of every array the result holds, is what a console shows.
    """

    @abstractmethod
    def summary(self) -> str:
        """Return the text summary (deterministic: nothing that changes between runs)."""

    def __str__(self) -> str:
        return self.summary()

    def __repr__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return f"<pre>{html.escape(self.summary())}</pre>"


class EffectResults(ResultsBase):
    """Mixin of effect results: the protocol's ``vcov``, from ``to_frame`` and a matrix.

    A subclass names its label columns in ``label_columns`` and implements
    :meth:`to_frame` (with :func:`effect_frame`) and :meth:`_vcov_matrix` (the covariance
    of the rows of ``to_frame()``, in order); it also has ``estimand`` and ``inference``
    (fields or properties: the estimand and how the uncertainty is computed, in words).
    """

    label_columns: tuple[str, ...] = ("term",)

    @abstractmethod
    def to_frame(self) -> pd.DataFrame:
        """Return the tidy table: labels, ``estimate`` … ``p_value``, extras."""

    @abstractmethod
    def _vcov_matrix(self) -> np.ndarray:
        """Covariance of the rows of :meth:`to_frame`, in their order."""

    @property
    def vcov(self) -> pd.DataFrame:
        """Covariance of the estimates, labelled like the rows of :meth:`to_frame`."""
        return labelled_vcov(self._vcov_matrix(), self.to_frame(), self.label_columns)
