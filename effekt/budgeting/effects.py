"""From an effect estimate to uncertain avoided-cost streams by year.

``from_effect`` reads an effect estimate (an effect result of :mod:`effekt.results`'
protocol, or a plain DataFrame with ``estimate`` and ``std_error``, and for event studies
an ``event_time`` column) and turns it into avoided costs by sector and year, so that the
Monte Carlo in :mod:`effekt.budgeting.projection` carries the estimation uncertainty into
the budget.

Draws are jointly normal with a ``(horizon, horizon)`` covariance that ``from_effect``
always builds (:attr:`EffectStream.cov`). Years that take the same source estimate (a
plain estimate held for the whole horizon, or the last event time held with
``beyond="last"``) share its variance with correlation 1, so each Monte Carlo replication
draws a held effect once and every such year gets that one draw. Between years that take
different estimates the covariance is the estimates' covariance: from a results object
``result.vcov`` (labelled like the rows of ``result.to_frame()``), which keeps the
correlation between event times; from a plain DataFrame, which has no covariance, 0 (the
event times are drawn independently, each ``N(estimate, std_error²)``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from effekt._checks import (
    LARGE,
    check_choice,
    check_columns,
    check_finite,
    check_integer,
    check_no_missing,
    check_number,
    check_numeric,
    check_positive_int,
    check_rng,
    check_unique_columns,
)
from effekt.budgeting.sectors import resolve_sector
from effekt.errors import DataError, SpecError

__all__ = ["Beyond", "EffectStream", "from_effect"]

Beyond = Literal["zero", "last"]


@dataclass(frozen=True)
class EffectStream:
    """Avoided costs of an effect, by year since start and sector, with their uncertainty.

    Avoided cost in year ``e`` for sector ``s`` is
    ``-effect[e] * cost_per_unit[s] * n_cases``.

    Attributes
    ----------
    estimate, std_error
        Effect per case by year since start (length = horizon).
    sectors
        Sectors that gain.
    cost_per_unit
        NOK per unit of the outcome for each sector (same order as ``sectors``).
    n_cases
        Number of cases the effect applies to each year.
    start
        Simulation year index (0 = first projected year) of event time 0.
    cov
        ``(horizon, horizon)`` joint covariance of the yearly effects.
        :func:`from_effect` always sets it: years that take the same source
        estimate share its variance (correlation 1); between different source
        estimates it holds their covariance from the result's ``vcov``, or 0 for a
        plain DataFrame. ``None`` (only for a stream built by hand) draws every
        year independently, ``N(estimate, std_error²)``.
    """

    estimate: np.ndarray
    std_error: np.ndarray
    sectors: tuple[str, ...]
    cost_per_unit: np.ndarray
    n_cases: float
    start: int = 0
    cov: np.ndarray | None = None

    def __post_init__(self) -> None:
        for name in ("estimate", "std_error", "cost_per_unit"):
            try:
                arr = np.asarray(getattr(self, name), dtype=float)
            except (TypeError, ValueError):
                raise SpecError(f"{name} must be an array of numbers.") from None
            if arr.ndim != 1 or not np.all(np.abs(arr) <= LARGE):
                raise SpecError(f"{name} must be a 1-D array of finite numbers.")
            object.__setattr__(self, name, arr)
        if self.estimate.size < 1 or self.std_error.shape != self.estimate.shape:
            raise SpecError("estimate and std_error must have one entry per year (and >= 1).")
        if np.any(self.std_error < 0):
            raise SpecError("std_error must be >= 0.")
        if isinstance(self.sectors, str) or len(self.sectors) != self.cost_per_unit.size:
            raise SpecError("sectors and cost_per_unit must have one entry per sector.")
        object.__setattr__(self, "n_cases", check_number("n_cases", self.n_cases, low=0))
        object.__setattr__(self, "start", check_integer("start", self.start, minimum=0))
        if self.cov is not None:
            cov = _array_2d("cov", self.cov)
            if cov.shape != (self.horizon, self.horizon):
                raise SpecError(f"cov must be ({self.horizon}, {self.horizon}), got "
                                f"{cov.shape}.")
            object.__setattr__(self, "cov", cov)

    @property
    def horizon(self) -> int:
        """Number of years with an effect."""
        return int(self.estimate.shape[0])

    def mean(self) -> pd.DataFrame:
        """Return the expected avoided cost (NOK) by year since start × sector."""
        m = -np.outer(self.estimate, self.cost_per_unit) * self.n_cases
        return pd.DataFrame(m, index=pd.RangeIndex(self.horizon, name="event_time"),
                            columns=list(self.sectors))

    def effect_draws(self, n: int, seed: int | np.random.Generator = 0) -> np.ndarray:
        """Draws of the effect per case, ``(n, horizon)``.

        With :attr:`cov`, the years are jointly normal. Years whose rows of
        ``cov`` are identical (a held estimate: same variance, correlation 1)
        are drawn once per replication and share that draw exactly, so a held
        effect is the same in every year of one draw. The distinct years are
        drawn with a symmetric square root of their covariance. Without
        ``cov`` every year is drawn on its own.

        Parameters
        ----------
        n
            Number of draws (Monte Carlo replications).
        seed
            Seed or numpy Generator.

        Returns
        -------
        numpy.ndarray
            ``(n, horizon)`` effects per case.

        Examples
        --------
        >>> s = from_effect(pd.DataFrame({"estimate": [-1.0], "std_error": [0.4]}),
        ...                 {"nav": 1000.0}, horizon=3)
        >>> d = s.effect_draws(5, seed=1)
        >>> bool((d == d[:, :1]).all())  # a held effect: one draw per replication
        True
        """
        n = check_positive_int("n", n)
        if n * self.horizon * max(len(self.sectors), 1) > 5e8:
            raise SpecError(f"n={n} draws of {self.horizon} years would hold more than 5e8 "
                            "numbers in memory; lower n.")
        rng = check_rng(seed)
        if self.cov is None:
            return self.estimate + self.std_error * rng.standard_normal((n, self.horizon))
        # years with identical covariance rows have var(x_t - x_u) = 0: draw each such
        # group once (groups in order of first year, so distinct years keep their order)
        _, first, inverse = np.unique(self.cov, axis=0, return_index=True,
                                      return_inverse=True)
        order = np.argsort(first)
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size)
        group = rank[np.asarray(inverse).reshape(-1)]
        years = first[order]
        vals, vecs = np.linalg.eigh(self.cov[np.ix_(years, years)])
        root = vecs * np.sqrt(np.clip(vals, 0.0, None))
        dev = rng.standard_normal((n, years.size)) @ root.T
        return self.estimate + dev[:, group]

    def sample(self, n: int, seed: int | np.random.Generator = 0) -> np.ndarray:
        """Draws of avoided cost, ``(n, horizon, n_sectors)`` in NOK."""
        eff = self.effect_draws(n, seed)
        return -eff[:, :, None] * (self.cost_per_unit * self.n_cases)[None, None, :]


def _array_2d(name: str, value: Any) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise SpecError(f"{name} must be a matrix of numbers.") from None
    if arr.ndim != 2 or not np.all(np.isfinite(arr)):
        raise SpecError(f"{name} must be a 2-D array of finite numbers.")
    return arr


_MAX_HORIZON = 1000  # years; R-109's longest band starts at year 76


def _frame_of(result: Any) -> tuple[pd.DataFrame, np.ndarray | None]:
    """Return the estimates and, for a results object, their covariance in row order."""
    if isinstance(result, pd.DataFrame):
        frame, cov = result, None
    elif hasattr(result, "to_frame") and hasattr(result, "vcov"):
        frame = result.to_frame()
        vcov = result.vcov
        if not isinstance(vcov, pd.DataFrame) or vcov.shape != (len(frame), len(frame)):
            raise SpecError(
                f"{type(result).__name__}.vcov must be a DataFrame labelled like the "
                f"{len(frame)} rows of to_frame() (the effekt.results protocol)."
            )
        cov = vcov.to_numpy(dtype=float)
    else:
        raise SpecError(
            "result must be an effekt results object (with .to_frame() and .vcov) or a "
            f"DataFrame, got {type(result).__name__}."
        )
    check_unique_columns(frame, table="effect estimates")
    check_columns(frame, ["estimate", "std_error"], table="effect estimates")
    numeric = ["estimate", "std_error", *(["event_time"] if "event_time" in frame else [])]
    check_numeric(frame, numeric, table="effect estimates")
    if "event_time" in frame:
        check_no_missing(frame, ["event_time"], table="effect estimates")
        check_finite(frame, ["event_time"], table="effect estimates")
        et = frame["event_time"].to_numpy(dtype=float)
        if np.any(et != np.round(et)):
            raise DataError("effect estimates: event_time must hold whole periods (years "
                            f"since start), found {et[et != np.round(et)][:3].tolist()}.")
    return frame.reset_index(drop=True), cov


def from_effect(
    result: Any,
    cost_per_unit: Mapping[str, float] | float,
    sector: str | None = None,
    *,
    n_cases: float = 1.0,
    horizon: int = 10,
    beyond: Beyond = "zero",
    start: int = 0,
) -> EffectStream:
    """Turn an effect estimate into an uncertain avoided-cost stream.

    Parameters
    ----------
    result
        An effect result (``.to_frame()`` with columns ``estimate``, ``std_error``,
        optionally ``event_time``, and ``.vcov``), or such a DataFrame. Without
        ``event_time`` the (first) estimate is a constant effect for ``horizon`` years. With it,
        rows with ``event_time >= 0`` give the effect ``e`` years after start. A held
        estimate (without ``event_time``, or with ``beyond="last"``) is drawn once per
        Monte Carlo replication and holds in every year it fills (correlation 1 in
        :attr:`EffectStream.cov`).
    cost_per_unit
        NOK per unit of the outcome, by sector: ``{"nav": 9_718}`` if the
        outcome is months on social assistance (a negative effect is then an
        avoided cost). For an outcome that is good (employment), give the
        saving per unit as a negative cost. A single number needs ``sector``.
    sector
        The sector for a single-number ``cost_per_unit``.
    n_cases
        Cases the effect applies to per year (e.g. families in the measure).
    horizon
        Number of years of the stream.
    beyond
        Years after the last estimated event time: ``"zero"`` (no effect) or
        ``"last"`` (the last estimate holds, the same draw in every later year).
    start
        Simulation year index at which event time 0 falls.

    Returns
    -------
    EffectStream
        With ``cov`` set: years taking the same source estimate share its variance
        (correlation 1); different source estimates keep their covariance from
        ``result.vcov``, or 0 for a plain DataFrame.

    Examples
    --------
    >>> es = pd.DataFrame({"event_time": [-1, 0, 1], "estimate": [0.0, -1.0, -2.0],
    ...                    "std_error": [0.1, 0.5, 0.5]})
    >>> s = from_effect(es, {"nav": 9_718}, n_cases=10, horizon=3, beyond="last")
    >>> s.mean()["nav"].tolist()
    [97180.0, 194360.0, 194360.0]
    """
    check_choice("beyond", beyond, Beyond)
    horizon = check_integer("horizon", horizon, minimum=1, maximum=_MAX_HORIZON)
    n_cases = check_number("n_cases", n_cases, low=0)
    start = check_integer("start", start, minimum=0)
    if isinstance(cost_per_unit, Mapping):
        if sector is not None:
            raise SpecError("give sector only with a single-number cost_per_unit.")
        items: dict[str, float] = {}
        for k, v in cost_per_unit.items():
            key = resolve_sector(k, where="cost_per_unit key")
            items[key] = items.get(key, 0.0) + check_number(f"cost_per_unit[{k!r}]", v)
    else:
        if sector is None:
            raise SpecError("a single-number cost_per_unit needs sector=...")
        items = {resolve_sector(sector): check_number("cost_per_unit", cost_per_unit)}
    if not items:
        raise SpecError(f"cost_per_unit must give finite NOK amounts, got {cost_per_unit!r}.")
    frame, cov = _frame_of(result)
    rows = np.arange(len(frame))
    if "event_time" in frame:
        keep = (frame["event_time"] >= 0).to_numpy()
        et = frame.loc[keep, "event_time"].astype(int).to_numpy()
        if et.size == 0:
            raise DataError("effect estimates have no row with event_time >= 0.")
        order = np.argsort(et)
        et = et[order]
        est = frame.loc[keep, "estimate"].to_numpy(dtype=float)[order]
        se = frame.loc[keep, "std_error"].to_numpy(dtype=float)[order]
        rows = rows[keep][order]
    else:
        et = np.array([0])
        est = frame["estimate"].to_numpy(dtype=float)[:1]
        se = frame["std_error"].to_numpy(dtype=float)[:1]
        rows = rows[:1]
        beyond = "last"
    if not (np.all(np.isfinite(est)) and np.all(np.isfinite(se)) and np.all(se >= 0)):
        raise DataError("effect estimates need finite estimate and std_error >= 0.")
    # place estimates at their event times; fill gaps and later years per `beyond`
    e_full = np.zeros(horizon)
    s_full = np.zeros(horizon)
    idx = np.full(horizon, -1)
    for j, e in enumerate(et):
        if e < horizon:
            idx[e] = j
    last = -1
    source = np.full(horizon, -1)  # the estimate each year takes (-1: none, effect 0)
    for t in range(horizon):
        if idx[t] >= 0:
            last = idx[t]
            j = last
        elif beyond == "last" and last >= 0 and t > et.max():
            j = last
        else:
            continue
        source[t] = j
        e_full[t], s_full[t] = est[j], se[j]
    # covariance of the yearly effects: cov_est[j, k] between source estimates j and k
    # (from vcov, or diag(se²) when there is none); years taking the same estimate get
    # its variance in every cell between them (correlation 1: one draw per replication)
    cov_est = cov[np.ix_(rows, rows)] if cov is not None else np.diag(se**2)
    c_full = np.zeros((horizon, horizon))
    on = np.flatnonzero(source >= 0)
    c_full[np.ix_(on, on)] = cov_est[np.ix_(source[on], source[on])]
    return EffectStream(
        estimate=e_full,
        std_error=s_full,
        sectors=tuple(items),
        cost_per_unit=np.array(list(items.values())),
        n_cases=float(n_cases),
        start=int(start),
        cov=c_full,
    )
