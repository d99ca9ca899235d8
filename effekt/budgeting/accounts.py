"""Investment accounts: who pays for a measure, who gains from its effects.

An investment account sets a measure's costs by sector and year against the
avoided costs (gains) its effects bring in other sectors, including payers
outside the municipality (``nav_state``, ``health_trust``). Gains can be
adjusted, as in the Greater Manchester Combined Authority (GMCA) unit cost
database and cost-benefit analysis guidance (HM Treasury / New Economy, 2014),
for

* **lag** — years before the first gain,
* **drop-off** — the share of the remaining effect lost each further year,
* **deadweight** — the share of outcomes that would have happened anyway.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from effekt._checks import (
    LARGE,
    check_integer,
    check_number,
    check_numeric,
    check_unique_columns,
)
from effekt.budgeting.discount import (
    DiscountSchedule,
    Preset,
    discount_factors,
    get_schedule,
    payback_year,
)
from effekt.budgeting.sectors import resolve_sector
from effekt.errors import SpecError
from effekt.results import ResultsBase

__all__ = ["InvestmentAccount", "investment_account", "npv_under_trend_violation"]

Flows = Mapping[str, float | Sequence[float]] | pd.DataFrame

_MAX_HORIZON = 1000  # years; R-109's last band starts at year 76


def _to_matrix(flows: Flows, name: str, horizon: int) -> pd.DataFrame:
    """Turn {sector: amount or per-year sequence} or a year × sector frame into year × sector.

    A frame's rows are years: its index when that holds whole numbers (each in
    ``0..horizon``: a year outside is refused, never dropped), else its row positions.
    """
    if isinstance(flows, pd.DataFrame):
        check_unique_columns(flows, table=name)
        check_numeric(flows, list(flows.columns), table=name)
        items = {c: flows[c].to_numpy(dtype=float) for c in flows.columns}
        if pd.api.types.is_integer_dtype(flows.index) and len(flows):
            years = flows.index.to_numpy(dtype=np.int64)
            outside = sorted({int(y) for y in years if not 0 <= y <= horizon})
            if outside:
                raise SpecError(
                    f"{name} has year(s) {outside[:5]} outside the years 0..{horizon} it may "
                    "cover (year 0 is the first year); a year outside is refused, not dropped."
                )
            if len(set(years.tolist())) != len(years):
                raise SpecError(f"{name} repeats a year in its index.")
            for c, values in items.items():
                col = np.zeros(int(years.max()) + 1)
                col[years] = values
                items[c] = col
    elif isinstance(flows, Mapping):
        items = dict(flows)
    else:
        raise SpecError(
            f"{name} must be a mapping {{sector: amount or per-year amounts}} or a year × sector "
            f"DataFrame, got {type(flows).__name__}."
        )
    out = pd.DataFrame(0.0, index=pd.RangeIndex(horizon + 1, name="year"), columns=[])
    for key, val in items.items():
        sector = resolve_sector(key, where=f"{name} key")
        scalar = np.ndim(val) == 0
        try:
            arr = np.atleast_1d(np.asarray(val, dtype=float))
        except (TypeError, ValueError):
            raise SpecError(f"{name}[{key!r}] must be an amount (NOK) or a sequence of "
                            f"amounts, got {val!r}.") from None
        if arr.ndim != 1:
            raise SpecError(f"{name}[{key!r}] must be one amount per year (1-D).")
        if not np.all(np.abs(arr) <= LARGE):
            raise SpecError(f"{name}[{key!r}] has missing or infinite values (or beyond 1e150).")
        if np.any(arr < 0):
            raise SpecError(f"{name}[{key!r}] has negative amounts "
                            f"({arr[arr < 0][:3].tolist()}); costs and gains must be "
                            "non-negative amounts (NOK).")
        if scalar:
            arr = np.full(horizon + 1, arr[0])
        if arr.size > horizon + 1:
            raise SpecError(
                f"{name}[{key!r}] has {arr.size} years but horizon={horizon} allows "
                f"{horizon + 1} (years 0..{horizon})."
            )
        col = np.zeros(horizon + 1)
        col[: arr.size] = arr
        out[sector] = out[sector] + col if sector in out.columns else col
    return out


@dataclass(frozen=True, repr=False)
class InvestmentAccount(ResultsBase):
    """Costs and gains of a measure by sector and year, in NOK at ``price_year`` prices.

    Attributes
    ----------
    costs, gains
        Year × sector frames (years ``0..horizon``), both positive amounts.
    schedule
        The discount schedule used for present values.
    price_year
        The year whose fixed prices the amounts are in.
    measure
        The measure's name.
    """

    costs: pd.DataFrame
    gains: pd.DataFrame
    schedule: DiscountSchedule
    price_year: int
    measure: str = "measure"

    @property
    def estimand(self) -> str:
        """The quantity in words."""
        return (
            f"present value at {self.price_year} prices of the avoided costs minus the costs "
            f"of {self.measure}, by sector, discounted with {self.schedule.name}"
        )

    @property
    def sectors(self) -> list[str]:
        """Sectors that pay or gain, in first-seen order."""
        return list(dict.fromkeys([*self.costs.columns, *self.gains.columns]))

    def net_flows(self) -> pd.Series:
        """Net flow (gains minus costs, all sectors) by year."""
        return self.gains.sum(axis=1) - self.costs.sum(axis=1)

    def _factors(self) -> np.ndarray:
        return discount_factors(len(self.costs) - 1, self.schedule)

    def who_pays_who_gains(self) -> pd.DataFrame:
        """Per sector: undiscounted and present-value cost, gain and net; with a total row."""
        f = self._factors()
        rows = []
        for s in self.sectors:
            c = self.costs[s].to_numpy() if s in self.costs else np.zeros(len(f))
            g = self.gains[s].to_numpy() if s in self.gains else np.zeros(len(f))
            rows.append(
                {
                    "sector": s,
                    "cost": c.sum(),
                    "gain": g.sum(),
                    "pv_cost": c @ f,
                    "pv_gain": g @ f,
                }
            )
        tab = pd.DataFrame(rows, columns=["sector", "cost", "gain", "pv_cost", "pv_gain"])
        tab.loc[len(tab)] = ["total", *tab[["cost", "gain", "pv_cost", "pv_gain"]].sum()]
        tab["pv_net"] = tab["pv_gain"] - tab["pv_cost"]
        return tab

    def npv(self) -> float:
        """Net present value of the whole account (all sectors)."""
        return float(self.net_flows().to_numpy() @ self._factors())

    def benefit_cost_ratio(self) -> float:
        """Present value of gains over present value of costs (all sectors)."""
        f = self._factors()
        pv_c = self.costs.sum(axis=1).to_numpy() @ f
        if not pv_c > 0:
            raise SpecError("the account has no costs; the benefit-cost ratio is undefined.")
        return float(self.gains.sum(axis=1).to_numpy() @ f / pv_c)

    def payback_year(self) -> int | None:
        """First year from which the cumulative discounted net flow stays >= 0 (or None)."""
        return payback_year(self.net_flows().to_numpy(), self.schedule)

    def to_frame(self) -> pd.DataFrame:
        """Tidy flows: ``year, sector, kind ('cost'/'gain'), amount_nok, discounted_nok``."""
        f = pd.Series(self._factors(), index=self.costs.index)
        parts = []
        for kind, frame in (("cost", self.costs), ("gain", self.gains)):
            long = frame.rename_axis("year").reset_index().melt(
                id_vars="year", var_name="sector", value_name="amount_nok"
            )
            long.insert(2, "kind", kind)
            parts.append(long)
        out = pd.concat(parts, ignore_index=True)
        out["discounted_nok"] = out["amount_nok"] * out["year"].map(f)
        return out

    def summary(self) -> str:
        """Deterministic text: the who-pays-who-gains table, NPV, BCR and payback year."""
        tab = self.who_pays_who_gains().set_index("sector")
        pb = self.payback_year()
        try:
            bcr = f"{self.benefit_cost_ratio():.3f}"
        except SpecError:
            bcr = "undefined (no costs)"
        lines = [
            f"Investment account: {self.measure}",
            f"NOK, fixed {self.price_year} prices; years 0..{len(self.costs) - 1}; "
            f"discounting: {self.schedule.name}",
            tab.to_string(float_format=lambda x: f"{x:,.0f}"),
            f"Net present value: {self.npv():,.0f} NOK",
            f"Benefit-cost ratio: {bcr}",
            f"Payback year: {'not within horizon' if pb is None else pb}",
        ]
        return "\n".join(lines)

    def plot(self, ax: plt.Axes | None = None) -> plt.Figure:
        """Bar chart of present-value cost (negative) and gain (positive) by sector.

        Returns the matplotlib Figure (the protocol of :mod:`effekt.results`).
        """
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4))
        tab = self.who_pays_who_gains()
        tab = tab[tab["sector"] != "total"]
        x = np.arange(len(tab))
        ax.bar(x, -tab["pv_cost"], color="#c0504d", label="pays (PV cost)")
        ax.bar(x, tab["pv_gain"], color="#4f81bd", label="gains (PV avoided cost)")
        ax.scatter(x, tab["pv_net"], color="black", zorder=3, label="net")
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_xticks(x, tab["sector"], rotation=30, ha="right")
        ax.set_ylabel(f"NOK ({self.price_year} prices, present value)")
        ax.set_title(f"Who pays, who gains: {self.measure}")
        ax.legend(frameon=False)
        return ax.figure


def investment_account(
    costs: Flows,
    gains: Flows,
    *,
    horizon: int = 40,
    lag: int = 0,
    duration: int | None = None,
    drop_off: float = 0.0,
    deadweight: float = 0.0,
    schedule: Preset | DiscountSchedule | float = "r109",
    price_year: int = 2024,
    measure: str = "measure",
) -> InvestmentAccount:
    """Build the investment account of a measure.

    Parameters
    ----------
    costs
        The measure's costs by paying sector: ``{sector: amount}`` (the same
        amount every year ``0..horizon``), ``{sector: [year0, year1, ...]}``, or
        a year × sector DataFrame. Sectors are sector keys or KOSTRA codes.
    gains
        Gross avoided costs by gaining sector, in the same forms. A scalar is a
        constant annual gain once the effect is in place; a sequence is given
        in years since the effect starts (year 0 = first year of gains).
    horizon
        Last year of the account (default 40, the R-109 analysis period).
    lag
        Years from the start of the measure until the first gain; gains are
        shifted ``lag`` years later.
    duration
        Number of years the gains last (default: until ``horizon``).
    drop_off
        Share of the remaining effect lost each year after the first year of
        gains: gain in year ``lag + k`` is multiplied by ``(1 - drop_off)**k``.
    deadweight
        Share of the outcomes that would have happened without the measure;
        all gains are multiplied by ``1 - deadweight``.
    schedule
        Discount schedule (preset name, DiscountSchedule or flat rate).
    price_year
        Year of the fixed prices.
    measure
        Name of the measure (for tables).

    Returns
    -------
    InvestmentAccount

    Examples
    --------
    >>> acc = investment_account(
    ...     costs={"nav": [1_000_000]}, gains={"nav_state": 150_000, "barnevern": 100_000},
    ...     horizon=10, lag=1, drop_off=0.1, deadweight=0.2, measure="HOLF")
    >>> round(acc.gains.loc[1, "nav_state"])
    120000
    >>> acc.payback_year()
    9
    """
    horizon = check_integer("horizon", horizon, minimum=0, maximum=_MAX_HORIZON)
    lag = check_integer("lag", lag, minimum=0, maximum=horizon)
    if duration is not None:
        duration = check_integer("duration", duration, minimum=1)
    drop_off = check_number("drop_off", drop_off, low=0, high=1)
    deadweight = check_number("deadweight", deadweight, low=0, high=1)
    price_year = check_integer("price_year", price_year)
    if not isinstance(measure, str):
        raise SpecError(f"measure must be a name (str), got {measure!r}.")
    schedule = get_schedule(schedule)
    cost_m = _to_matrix(costs, "costs", horizon)
    n_gain_years = horizon - lag
    gross = _to_matrix(gains, "gains", n_gain_years)
    k = np.arange(n_gain_years + 1)
    adj = (1.0 - deadweight) * (1.0 - drop_off) ** k
    if duration is not None:
        adj = np.where(k < duration, adj, 0.0)
    shifted = np.zeros((horizon + 1, gross.shape[1]))
    shifted[lag:] = gross.to_numpy() * adj[:, None]
    gain_m = pd.DataFrame(shifted, index=cost_m.index, columns=gross.columns)
    if (cost_m.to_numpy() < 0).any() or (gain_m.to_numpy() < 0).any():
        raise SpecError("costs and gains must be non-negative amounts (NOK).")
    return InvestmentAccount(
        costs=cost_m,
        gains=gain_m,
        schedule=get_schedule(schedule),
        price_year=int(price_year),
        measure=measure,
    )


def npv_under_trend_violation(
    outcomes: Sequence[Mapping],
    schedule: Preset | DiscountSchedule | float = "r109",
) -> pd.DataFrame:
    """Return the NPV of a study's avoided costs when parallel trends are violated.

    Each outcome (a mapping) has ``nok_per_unit`` and ``n_cases`` (as the budget view),
    ``effects`` (the effect in each budget year ``0..T``, NaN for a year without one),
    ``estimate`` (the mean post-treatment effect HonestDiD bounds) and ``grid``: rows
    ``{"m", "ci_lower", "ci_upper"}``, the robust 95 % set of that mean under
    relative-magnitude violations up to ``m`` (Rambachan & Roth 2023), the same ``m``
    for every outcome. The avoided cost of a year is ``-effect * nok_per_unit *
    n_cases`` (positive: the sector saves; docs/contracts.md). At each ``m`` every
    outcome's effects are moved by the same amount, to the end of its robust set that
    lowers the NPV (the least favourable effect the set allows), and the NPV is that of
    the summed flows. Moving every year by one amount reads HonestDiD's set of the *mean*
    effect as a bound on each year's; it is an approximation, stated where the figure is
    shown.

    Returns
    -------
    pandas.DataFrame
        One row per ``m``: ``m``, ``npv_nok`` (least favourable), and the first row
        ``m`` NaN with the NPV at the point estimates.

    Examples
    --------
    >>> out = npv_under_trend_violation([{
    ...     "nok_per_unit": 1.0, "n_cases": 10, "effects": [-100.0, -100.0], "estimate": -100.0,
    ...     "grid": [{"m": 0.0, "ci_lower": -150.0, "ci_upper": -50.0},
    ...              {"m": 1.0, "ci_lower": -250.0, "ci_upper": 50.0}]}], schedule=0.0)
    >>> out["npv_nok"].tolist()
    [2000.0, 1000.0, -1000.0]
    """
    if isinstance(outcomes, str | Mapping) or not isinstance(outcomes, Sequence) or not outcomes:
        raise SpecError("npv_under_trend_violation needs a non-empty list of outcomes "
                        f"(mappings); got {outcomes!r}.")
    parsed = [_trend_outcome(o, k) for k, o in enumerate(outcomes)]
    grids = [p[3][:, 0].tolist() for p in parsed]
    if any(g != grids[0] for g in grids):
        raise SpecError(f"every outcome needs the same grid of m; got {grids}.")
    base, slopes, lo, hi = 0.0, [], [], []
    for eff, scale, estimate, grid in parsed:
        factors = discount_factors(eff.size - 1, schedule)
        has = np.isfinite(eff)
        base += float(-(np.where(has, eff, 0.0) * scale) @ factors)
        slopes.append(-scale * float(factors[has].sum()))  # NPV per unit of shift
        lo.append(grid[:, 1] - estimate)
        hi.append(grid[:, 2] - estimate)
    s, lo_a, hi_a = np.asarray(slopes)[:, None], np.asarray(lo), np.asarray(hi)
    worst = base + np.minimum(s * lo_a, s * hi_a).sum(axis=0)
    return pd.DataFrame({"m": [np.nan, *grids[0]], "npv_nok": [base, *worst]})


def _trend_outcome(o: object, k: int) -> tuple[np.ndarray, float, float, np.ndarray]:
    """Check one outcome of :func:`npv_under_trend_violation`: effects, scale, estimate, grid."""
    where = f"outcomes[{k}]"
    if not isinstance(o, Mapping):
        raise SpecError(f"{where} must be a mapping with nok_per_unit, n_cases, effects, "
                        f"estimate and grid; got {o!r}.")
    missing = [key for key in ("nok_per_unit", "n_cases", "effects", "estimate", "grid")
               if key not in o]
    if missing:
        raise SpecError(f"{where} misses {missing}.")
    scale = (check_number(f"{where}['nok_per_unit']", o["nok_per_unit"])
             * check_number(f"{where}['n_cases']", o["n_cases"], low=0))
    estimate = check_number(f"{where}['estimate']", o["estimate"])
    try:
        eff = np.asarray(o["effects"], dtype=float)
    except (TypeError, ValueError):
        eff = np.empty((0, 0))
    if eff.ndim != 1 or eff.size == 0 or np.isinf(eff).any():
        raise SpecError(f"{where}['effects'] must be a non-empty list of numbers by year "
                        f"(NaN: no effect that year); got {o['effects']!r}.")
    rows = o["grid"]
    if isinstance(rows, str | Mapping) or not isinstance(rows, Sequence) or not rows:
        raise SpecError(f"{where}['grid'] must be a non-empty list of rows with m, ci_lower "
                        f"and ci_upper; got {rows!r}.")
    grid = []
    for j, r in enumerate(rows):
        if not isinstance(r, Mapping) or {"m", "ci_lower", "ci_upper"} - set(r):
            raise SpecError(f"{where}['grid'][{j}] must have m, ci_lower and ci_upper; "
                            f"got {r!r}.")
        grid.append([check_number(f"{where}['grid'][{j}][{key!r}]", r[key])
                     for key in ("m", "ci_lower", "ci_upper")])
    return eff, float(scale), float(estimate), np.asarray(grid, dtype=float)
