"""Banded (declining) discount schedules, net present value, payback and BCR.

A schedule is a list of bands ``(rate, last_year)``: the rate applies to every
year ``t`` with ``previous last_year < t <= last_year``; the final band has
``last_year=None`` (for ever). Bands are applied cumulatively: the discount
factor for year ``t`` is ``1 / prod_{k=1..t} (1 + r_k)``, and year 0 (today) has
factor 1. Cash flows are indexed by whole years ``t = 0, 1, 2, ...`` from the
decision year.

Presets
-------
``"r109"`` (default)
    Norway, Ministry of Finance circular R-109/2021 "Prinsipper og krav ved
    utarbeidelse av samfunnsøkonomiske analyser" (ref. 21/2720-8, 25.06.2021),
    which replaced R-109/2014 with the rates unchanged and rests on
    NOU 2012:16 ch. 5: real risk-adjusted rate 4 % for years 0-40, 3 % for
    years 40-75 and 2 % after year 75. The bands here are years 1..40 at 4 %,
    41..75 at 3 %, 76 on at 2 % (year 40 belongs to the first band, year 75 to
    the second). The standard analysis period is 40 years.
``"denmark"``
    Finansministeriet, Dokumentationsnotat 7 January 2021: lowered from
    4 % / 3 % to 3.5 % in years 0-35 and 2.5 % in years 36-70; 1.5 % after
    year 70 (the third band; lowered from 2 %). Bands: 1..35, 36..70, 71 on.
``"green_book"``
    HM Treasury Green Book (annex A6): 3.5 % for years 0-30, 3.0 % for 31-75,
    2.5 % for 76-125, 2.0 % for 126-200, 1.5 % for 201-300, 1.0 % after.
``"nz_treasury"``
    New Zealand Treasury public sector discount rates (2020 guidance for
    non-commercial proposals): 2 % for years 1-30, 1.5 % for 31-100, 1 % after;
    ``"nz_treasury_8pct"`` is the flat 8 % sensitivity test for comparison.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from effekt._checks import LARGE, check_choice, check_integer, check_number
from effekt.errors import SpecError

__all__ = [
    "PRESETS",
    "DiscountSchedule",
    "Preset",
    "benefit_cost_ratio",
    "discount_factors",
    "get_schedule",
    "npv",
    "payback_year",
]

Preset = Literal["r109", "denmark", "green_book", "nz_treasury", "nz_treasury_8pct"]


@dataclass(frozen=True)
class DiscountSchedule:
    """A banded real discount schedule.

    Parameters
    ----------
    name
        A label (shown in tables).
    bands
        ``((rate, last_year), ...)`` in increasing ``last_year``; the final
        band's ``last_year`` is ``None`` (applies for ever).

    Examples
    --------
    >>> s = DiscountSchedule("flat 4 %", ((0.04, None),))
    >>> round(float(s.factors(2)[2]), 6)
    0.924556
    """

    name: str
    bands: tuple[tuple[float, int | None], ...]

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise SpecError(f"DiscountSchedule name must be a str, got {self.name!r}.")
        if isinstance(self.bands, str | bytes) or not isinstance(self.bands, Sequence) \
                or not self.bands:
            raise SpecError("DiscountSchedule needs at least one band (rate, last_year).")
        last = 0
        for i, band in enumerate(self.bands):
            if isinstance(band, str) or not isinstance(band, Sequence) or len(band) != 2:
                raise SpecError(f"band {i}: {band!r} must be a pair (rate, last_year).")
            rate, upto = band
            check_number(f"band {i}: rate", rate, low=-1, low_open=True)
            if upto is not None:
                check_integer(f"band {i}: last_year", upto, minimum=1)
            final = i == len(self.bands) - 1
            if upto is None and not final:
                raise SpecError(f"band {i}: only the last band may have last_year=None.")
            if upto is not None and upto <= last:
                raise SpecError(
                    f"band {i}: last_year={upto!r} must be greater than the previous band's "
                    f"last year ({last})."
                )
            if final and upto is not None:
                raise SpecError(f"the last band must have last_year=None, got {upto!r}.")
            last = upto if upto is not None else last

    def rates(self, horizon: int) -> np.ndarray:
        """Return the rate ``r_t`` for ``t = 1..horizon`` (an array of length ``horizon``)."""
        horizon = _horizon(horizon)
        t = np.arange(1, horizon + 1)
        out = np.full(horizon, self.bands[-1][0], dtype=float)
        for rate, upto in reversed(self.bands[:-1]):
            out[t <= upto] = rate
        return out

    def factors(self, horizon: int) -> np.ndarray:
        """Return discount factors for years ``0..horizon`` (length ``horizon + 1``)."""
        horizon = _horizon(horizon)
        growth = np.concatenate([[1.0], np.cumprod(1.0 + self.rates(horizon))])
        return 1.0 / growth


_MAX_HORIZON = 100_000  # years (factors beyond are 0 to double precision anyway)


def _horizon(horizon: Any) -> int:
    """Check a horizon in whole years, ``0..100000`` (a whole float such as 40.0 is fine)."""
    if isinstance(horizon, float | np.floating) and float(horizon).is_integer():
        horizon = int(horizon)
    return check_integer("horizon", horizon, minimum=0, maximum=_MAX_HORIZON)


PRESETS: dict[str, DiscountSchedule] = {
    "r109": DiscountSchedule("R-109/2021 (Norway)", ((0.04, 40), (0.03, 75), (0.02, None))),
    "denmark": DiscountSchedule(
        "Finansministeriet 2021 (Denmark)", ((0.035, 35), (0.025, 70), (0.015, None))
    ),
    "green_book": DiscountSchedule(
        "HM Treasury Green Book (UK)",
        ((0.035, 30), (0.03, 75), (0.025, 125), (0.02, 200), (0.015, 300), (0.01, None)),
    ),
    "nz_treasury": DiscountSchedule(
        "NZ Treasury (New Zealand)", ((0.02, 30), (0.015, 100), (0.01, None))
    ),
    "nz_treasury_8pct": DiscountSchedule("NZ Treasury 8 % sensitivity", ((0.08, None),)),
}


def get_schedule(schedule: Preset | DiscountSchedule | float = "r109") -> DiscountSchedule:
    """Return a :class:`DiscountSchedule` from a preset name, a schedule or a flat rate.

    Examples
    --------
    >>> get_schedule("r109").bands
    ((0.04, 40), (0.03, 75), (0.02, None))
    >>> get_schedule(0.05).bands
    ((0.05, None),)
    """
    if isinstance(schedule, DiscountSchedule):
        return schedule
    if isinstance(schedule, str):
        check_choice("schedule", schedule, Preset)
        return PRESETS[schedule]
    if isinstance(schedule, int | float | np.floating) and not isinstance(schedule, bool):
        return DiscountSchedule(f"flat {float(schedule):.2%}", ((float(schedule), None),))
    raise SpecError(
        f"schedule must be a preset name ({', '.join(PRESETS)}), a DiscountSchedule or a "
        f"flat rate, got {schedule!r}."
    )


def discount_factors(
    horizon: int, schedule: Preset | DiscountSchedule | float = "r109"
) -> np.ndarray:
    """Return the discount factors for years ``0..horizon``.

    Examples
    --------
    >>> f = discount_factors(41)
    >>> bool(np.isclose(f[41], 1 / (1.04**40 * 1.03)))
    True
    """
    return get_schedule(schedule).factors(_horizon(horizon))


def _flows(cash_flows: npt.ArrayLike, name: str, nonnegative: bool = False) -> np.ndarray:
    try:
        arr = np.asarray(cash_flows, dtype=float)
    except (TypeError, ValueError):
        raise SpecError(f"{name} must be amounts (numbers) by year, got "
                        f"{type(cash_flows).__name__}.") from None
    if arr.ndim == 0 or arr.shape[-1] == 0:
        raise SpecError(f"{name} must have at least one year (last axis = years 0..T).")
    if not np.all(np.abs(arr) <= LARGE):
        raise SpecError(f"{name} has missing or infinite values (or beyond 1e150).")
    if nonnegative and np.any(arr < 0):
        raise SpecError(f"{name} must be given as positive flows (>= 0); found "
                        f"{arr[arr < 0][:3].tolist()}.")
    return arr


def npv(
    cash_flows: npt.ArrayLike | Sequence[float],
    schedule: Preset | DiscountSchedule | float = "r109",
) -> np.ndarray | float:
    """Net present value of cash flows indexed by year ``0..T`` along the last axis.

    Parameters
    ----------
    cash_flows
        Net flows (benefits positive, costs negative); a 1-D sequence for one
        stream, or an array ``(..., T + 1)`` such as Monte Carlo draws × years.
    schedule
        A preset name (default ``"r109"``), a :class:`DiscountSchedule` or a
        flat rate.

    Returns
    -------
    float or numpy.ndarray
        A float for 1-D input, else an array over the leading axes.

    Examples
    --------
    >>> round(npv([-100, 104], schedule=0.04), 6) + 0.0
    0.0
    """
    arr = _flows(cash_flows, "cash_flows")
    out = arr @ discount_factors(arr.shape[-1] - 1, schedule)
    return float(out) if arr.ndim == 1 else out


def payback_year(
    cash_flows: npt.ArrayLike | Sequence[float],
    schedule: Preset | DiscountSchedule | float = "r109",
) -> int | None:
    """First year from which the cumulative discounted net flow stays at or above zero.

    Returns ``None`` when the measure has not paid back by the last year.

    Examples
    --------
    >>> payback_year([-100, 30, 40, 50], schedule=0.0)
    3
    """
    arr = _flows(cash_flows, "cash_flows")
    if arr.ndim != 1:
        raise SpecError("payback_year takes one stream (1-D cash_flows).")
    cum = np.cumsum(arr * discount_factors(arr.shape[0] - 1, schedule))
    below = np.flatnonzero(cum < -1e-9)
    if below.size == 0:
        return 0
    if below[-1] == arr.shape[0] - 1:
        return None
    return int(below[-1] + 1)


def benefit_cost_ratio(
    benefits: npt.ArrayLike | Sequence[float],
    costs: npt.ArrayLike | Sequence[float],
    schedule: Preset | DiscountSchedule | float = "r109",
) -> float:
    """Present value of benefits over present value of costs (both given as positive flows).

    Examples
    --------
    >>> round(benefit_cost_ratio([0, 208], [200, 0], schedule=0.04), 9)
    1.0
    """
    flows = {n: _flows(v, n, nonnegative=True) for n, v in (("benefits", benefits),
                                                             ("costs", costs))}
    if any(f.ndim != 1 for f in flows.values()):
        raise SpecError("benefit_cost_ratio takes one stream each of benefits and costs (1-D).")
    pv_b = npv(flows["benefits"], schedule)
    pv_c = npv(flows["costs"], schedule)
    if not pv_c > 0:
        raise SpecError(f"the present value of costs must be positive, got {pv_c!r}.")
    return float(pv_b / pv_c)
