"""Caseload projection by trajectory type and Monte Carlo simulation of budgets.

Caseload: new trajectories per year are population by age group × incidence
rate per person; active trajectories follow ``active_y = new_y +
active_{y-1} (1 - 1/D)`` (a constant exit probability ``1/D`` per year for a
type with mean duration ``D`` years, i.e. geometric durations); by default the
first year starts from the steady state ``new_0 × D``.

Monte Carlo: each draw scales incidence, mean duration and unit cost of each
type by lognormal factors with mean 1 and the given coefficients of variation
(parameter uncertainty, constant over the horizon), draws new cases as Poisson
counts (process noise), and subtracts the avoided costs of effect streams
(:func:`effekt.budgeting.effects.from_effect`). The loop runs over years only;
within a year everything is vectorised over draws × types and reduced over
types at once (``(draws × types) @ (types × sectors)``), so no
draws × years × types × sectors array is ever made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from effekt._checks import (
    LARGE,
    as_columns,
    check_columns,
    check_finite,
    check_frame,
    check_integer,
    check_no_missing,
    check_number,
    check_numeric,
    check_positive_int,
    check_range,
    check_rng,
    check_unique_columns,
)
from effekt.budgeting.catalogue import Catalogue
from effekt.budgeting.discount import DiscountSchedule, Preset, discount_factors
from effekt.budgeting.effects import EffectStream
from effekt.budgeting.sectors import SECTORS, resolve_sector
from effekt.errors import DataError, SpecError
from effekt.results import ResultsBase

__all__ = [
    "BudgetModel",
    "SimulationResult",
    "budget_model",
    "example_model",
    "project_caseload",
    "simulate",
]


def project_caseload(
    population: pd.DataFrame,
    incidence: pd.DataFrame,
    catalogue: Catalogue,
    *,
    years: int = 10,
    start_year: int | None = None,
) -> pd.DataFrame:
    """Project trajectories by type over ``years`` from population and incidence.

    Parameters
    ----------
    population
        ``year, age_group, population`` (a population projection).
    incidence
        ``trajectory_type, age_group, rate``: new trajectories per person per year.
    catalogue
        Gives the mean duration of each type.
    years
        Horizon in years (default 10).
    start_year
        First year (default: the first year in ``population``).

    Returns
    -------
    pandas.DataFrame
        ``year, trajectory_type, n_new, n_ongoing, n_active``.

    Examples
    --------
    >>> from effekt.budgeting.catalogue import define_catalogue
    >>> cat = define_catalogue(pd.DataFrame({"trajectory_type": ["t"], "price": [1.0],
    ...     "mean_duration_years": [2.0], "share_nav": [1.0]}))
    >>> pop = pd.DataFrame({"year": [2025, 2026], "age_group": "0-17",
    ...                     "population": [1000, 1100]})
    >>> inc = pd.DataFrame({"trajectory_type": ["t"], "age_group": ["0-17"], "rate": [0.01]})
    >>> project_caseload(pop, inc, cat, years=2)["n_active"].tolist()
    [20.0, 21.0]
    """
    years = check_integer("years", years, minimum=1, maximum=_MAX_YEARS)
    _check_catalogue(catalogue)
    if start_year is not None:
        start_year = check_integer("start_year", start_year)
    check_frame("population", population)
    check_unique_columns(population, table="population")
    check_frame("incidence", incidence)
    check_unique_columns(incidence, table="incidence")
    check_columns(population, ["year", "age_group", "population"], table="population")
    check_columns(incidence, ["trajectory_type", "age_group", "rate"], table="incidence")
    check_numeric(population, ["year", "population"], table="population")
    check_numeric(incidence, ["rate"], table="incidence")
    check_no_missing(population, ["year", "age_group", "population"], table="population")
    check_no_missing(incidence, ["trajectory_type", "age_group", "rate"], table="incidence")
    check_finite(population, ["year", "population"], table="population")
    check_finite(incidence, ["rate"], table="incidence")
    check_range(population, ["population"], table="population")
    check_range(incidence, ["rate"], table="incidence")
    _check_whole(population, "year", "population")
    unknown = sorted(set(incidence["trajectory_type"].astype(str)) - set(catalogue.types))
    if unknown:
        raise DataError(f"incidence: trajectory_type {unknown[:3]} not in the catalogue.")
    y0 = int(population["year"].min()) if start_year is None else int(start_year)
    yrs = np.arange(y0, y0 + years)
    missing = sorted(set(yrs) - set(population["year"].astype(int)))
    if missing:
        raise DataError(f"population has no rows for year {missing[:3]} (needed {y0}..{yrs[-1]}).")
    pop = population.pivot_table(index="year", columns="age_group", values="population",
                                 aggfunc="sum").reindex(yrs).fillna(0.0)
    inc = incidence.assign(trajectory_type=incidence["trajectory_type"].astype(str)).pivot_table(
        index="age_group", columns="trajectory_type", values="rate", aggfunc="sum"
    ).reindex(columns=catalogue.types).fillna(0.0)
    inc = inc.reindex(pop.columns).fillna(0.0)
    new = pop.to_numpy() @ inc.to_numpy()  # years × types
    dur = catalogue.table["mean_duration_years"].to_numpy()
    stay = 1.0 - 1.0 / np.maximum(dur, 1.0)
    active_prev = new[0] * np.maximum(dur, 1.0)
    rows = []
    for i, y in enumerate(yrs):
        ongoing = active_prev * stay
        active = new[i] + ongoing
        rows.append(pd.DataFrame({"year": y, "trajectory_type": catalogue.types,
                                  "n_new": new[i], "n_ongoing": ongoing, "n_active": active}))
        active_prev = active
    return pd.concat(rows, ignore_index=True)


def _check_catalogue(catalogue: Any) -> None:
    if not isinstance(catalogue, Catalogue):
        raise SpecError(f"catalogue must be a Catalogue (from define_catalogue or "
                        f"price_catalogue), got {type(catalogue).__name__}.")


def _check_whole(df: pd.DataFrame, column: str, table: str) -> None:
    v = df[column].to_numpy(dtype=float)
    bad = v != np.round(v)
    if bad.any():
        raise DataError(f"{table}: column {column!r} must hold whole years; found "
                        f"{v[bad][:3].tolist()}.")


def _array(name: str, value: Any, ndim: int) -> np.ndarray:
    """``value`` as a finite float array of ``ndim`` dimensions (SpecError otherwise)."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise SpecError(f"{name} must be an array of numbers, got {type(value).__name__}.") \
            from None
    if arr.ndim != ndim:
        raise SpecError(f"{name} must have {ndim} dimension(s), got shape {arr.shape}.")
    if not np.all(np.abs(arr) <= LARGE):
        raise SpecError(f"{name} has missing or infinite values (or beyond 1e150).")
    return arr


_MAX_CASES = 1e12  # new cases per type and year: far beyond any population (and numpy's
#                    Poisson sampler, which fails above ~1e19 after the uncertainty factors)
_MAX_YEARS = 1000  # a projection horizon in years
_MAX_CELLS = 5e8  # draws x years x sectors kept in memory (4 GB of float64)


@dataclass(frozen=True)
class BudgetModel:
    """Inputs of the Monte Carlo budget simulation (arrays; build with :func:`budget_model`).

    Attributes
    ----------
    types, sectors
        Labels of trajectory types and sectors.
    new_cases
        ``(years, types)`` expected new trajectories per year.
    mean_duration
        ``(types,)`` mean duration in years.
    annual_cost
        ``(types, sectors)`` NOK per active case-year falling on each sector.
    incidence_cv, duration_cv, cost_cv
        Coefficients of variation of the lognormal uncertainty factors.
    poisson
        Draw new cases as Poisson counts around their expected number.
    effects
        Avoided-cost streams subtracted from the costs.
    start_year, price_year
        First calendar year and year of fixed prices.
    """

    types: tuple[str, ...]
    sectors: tuple[str, ...]
    new_cases: np.ndarray
    mean_duration: np.ndarray
    annual_cost: np.ndarray
    incidence_cv: float = 0.10
    duration_cv: float = 0.10
    cost_cv: float = 0.05
    poisson: bool = True
    effects: tuple[EffectStream, ...] = field(default=())
    start_year: int = 2025
    price_year: int = 2024

    def __post_init__(self) -> None:
        for name in ("types", "sectors"):
            labels = getattr(self, name)
            if isinstance(labels, str) or not all(isinstance(x, str) for x in labels):
                raise SpecError(f"{name} must be a sequence of labels (str), got {labels!r}.")
        nt, ns = len(self.types), len(self.sectors)
        for name, ndim in (("new_cases", 2), ("mean_duration", 1), ("annual_cost", 2)):
            object.__setattr__(self, name, _array(name, getattr(self, name), ndim))
        if self.new_cases.shape[0] < 1 or self.new_cases.shape[1] != nt:
            raise SpecError(f"new_cases must be (years, {nt}), got {self.new_cases.shape}.")
        if np.any(self.new_cases < 0) or np.any(self.new_cases > _MAX_CASES):
            raise SpecError(f"new_cases must be case counts in [0, {_MAX_CASES:g}].")
        if self.mean_duration.shape != (nt,) or np.any(self.mean_duration <= 0):
            raise SpecError(f"mean_duration must be ({nt},) and positive.")
        if self.annual_cost.shape != (nt, ns):
            raise SpecError(f"annual_cost must be ({nt}, {ns}), got {self.annual_cost.shape}.")
        if np.any(self.annual_cost < 0):
            raise SpecError("annual_cost must be >= 0 (NOK per case-year).")
        for name in ("incidence_cv", "duration_cv", "cost_cv"):
            check_number(name, getattr(self, name), low=0, high=10, high_open=True)
        if not isinstance(self.poisson, bool | np.bool_):
            raise SpecError(f"poisson must be True or False, got {self.poisson!r}.")
        check_integer("start_year", self.start_year)
        check_integer("price_year", self.price_year)
        for e in self.effects:
            if not isinstance(e, EffectStream):
                raise SpecError(f"effects must be EffectStream objects (from from_effect), "
                                f"got {type(e).__name__}.")
            bad = set(e.sectors) - set(self.sectors)
            if bad:
                raise SpecError(f"an effect stream gains in sectors {sorted(bad)} not in model.")


def budget_model(
    catalogue: Catalogue,
    caseload: pd.DataFrame,
    *,
    sectors: Sequence[str] | None = None,
    incidence_cv: float = 0.10,
    duration_cv: float = 0.10,
    cost_cv: float = 0.05,
    poisson: bool = True,
    effects: Sequence[EffectStream] = (),
) -> BudgetModel:
    """Build a :class:`BudgetModel` from a catalogue and a projected caseload.

    ``caseload`` is the output of :func:`project_caseload` (its ``n_new`` by year
    and type is the expected incidence). Annual cost per case-year is the
    catalogue's ``price_per_year`` split by its sector shares.
    """
    _check_catalogue(catalogue)
    check_frame("caseload", caseload)
    check_unique_columns(caseload, table="caseload")
    check_columns(caseload, ["year", "trajectory_type", "n_new"], table="caseload")
    check_numeric(caseload, ["year", "n_new"], table="caseload")
    check_no_missing(caseload, ["year", "trajectory_type", "n_new"], table="caseload")
    check_finite(caseload, ["year", "n_new"], table="caseload")
    check_range(caseload, ["n_new"], table="caseload")
    _check_whole(caseload, "year", "caseload")
    if sectors is not None:
        sectors = [resolve_sector(s_, where="sectors") for s_ in as_columns("sectors", sectors)]
    for e in effects:
        if not isinstance(e, EffectStream):
            raise SpecError(f"effects must be EffectStream objects (from from_effect), got "
                            f"{type(e).__name__}.")
    new = caseload.pivot_table(index="year", columns="trajectory_type", values="n_new",
                               aggfunc="sum").reindex(columns=catalogue.types).fillna(0.0)
    sh = catalogue.shares()
    secs = list(sectors) if sectors is not None else list(sh.columns)
    for e in effects:
        secs += [s for s in e.sectors if s not in secs]
    cost = (sh.reindex(columns=secs).fillna(0.0).to_numpy()
            * catalogue.table["price_per_year"].to_numpy()[:, None])
    return BudgetModel(
        types=tuple(catalogue.types), sectors=tuple(secs), new_cases=new.to_numpy(dtype=float),
        mean_duration=catalogue.table["mean_duration_years"].to_numpy(dtype=float),
        annual_cost=cost, incidence_cv=incidence_cv, duration_cv=duration_cv, cost_cv=cost_cv,
        poisson=poisson, effects=tuple(effects), start_year=int(new.index.min()),
        price_year=catalogue.price_year,
    )


def example_model(
    n_types: int = 50, years: int = 30, sectors: Sequence[str] = SECTORS, seed: int = 0
) -> BudgetModel:
    """Return a synthetic model of the given size (for demos and benchmarks).

    Examples
    --------
    >>> m = example_model(n_types=5, years=3)
    >>> m.new_cases.shape, m.annual_cost.shape
    ((3, 5), (5, 8))
    """
    n_types = check_positive_int("n_types", n_types)
    years = check_positive_int("years", years)
    if n_types * years > _MAX_CELLS / 10:
        raise SpecError(f"n_types={n_types} x years={years} is too large for an example.")
    sectors = [resolve_sector(s_, where="sectors") for s_ in as_columns("sectors", sectors)]
    if not sectors:
        raise SpecError("sectors is empty; give at least one sector.")
    rng = check_rng(seed)
    new = rng.uniform(5, 200, n_types)
    growth = 1.0 + 0.014 * np.arange(years)  # Bærum grows ~1,750 a year on 126,347 (1.4 %)
    share = rng.dirichlet(np.ones(len(sectors)), n_types)
    price_year = rng.uniform(20_000, 600_000, n_types)
    return BudgetModel(
        types=tuple(f"type_{i:02d}" for i in range(n_types)), sectors=tuple(sectors),
        new_cases=np.outer(growth, new), mean_duration=rng.uniform(0.5, 4.0, n_types),
        annual_cost=share * price_year[:, None],
    )


def _lognormal(rng: np.random.Generator, cv: float, shape: tuple[int, ...]) -> np.ndarray:
    if cv == 0:
        return np.ones(shape)
    sigma = np.sqrt(np.log1p(cv**2))
    return np.exp(rng.standard_normal(shape) * sigma - sigma**2 / 2)


@dataclass(frozen=True, repr=False)
class SimulationResult(ResultsBase):
    """Monte Carlo draws of net cost by year and sector (NOK, fixed prices).

    Attributes
    ----------
    draws
        ``(n_draws, n_years, n_sectors)`` net cost (cost minus avoided cost).
    years, sectors
        Calendar years and sector labels.
    mean_caseload
        ``(n_years, n_types)`` mean active trajectories over draws.
    types
        Trajectory types.
    price_year
        Year of the fixed prices.
    """

    draws: np.ndarray
    years: np.ndarray
    sectors: tuple[str, ...]
    mean_caseload: np.ndarray
    types: tuple[str, ...]
    price_year: int

    @property
    def estimand(self) -> str:
        """The quantity in words."""
        return f"distribution of net cost by year and sector, NOK at {self.price_year} prices"

    def total(self) -> np.ndarray:
        """Draws of the total over sectors, ``(n_draws, n_years)``."""
        return self.draws.sum(axis=2)

    def quantiles(self, q: Sequence[float] = (0.05, 0.25, 0.5, 0.75, 0.95)) -> pd.DataFrame:
        """Tidy quantiles: ``year, sector, mean, q05, q25, ...`` (sector ``total`` included)."""
        if isinstance(q, str) or not isinstance(q, Sequence | np.ndarray) or len(q) == 0:
            raise SpecError(f"q must be a sequence of quantiles in [0, 1], got {q!r}.")
        q = [check_number("quantile", x, low=0, high=1) for x in q]
        full = np.concatenate([self.draws, self.total()[:, :, None]], axis=2)
        qs = np.quantile(full, q, axis=0)  # (len(q), years, sectors+1)
        secs = [*self.sectors, "total"]
        out = pd.DataFrame({
            "year": np.repeat(self.years, len(secs)),
            "sector": np.tile(secs, len(self.years)),
            "mean": full.mean(axis=0).ravel(),
        })
        for i, x in enumerate(q):
            out[f"q{round(x * 100):02d}"] = qs[i].ravel()
        return out

    def present_value(self, schedule: Preset | DiscountSchedule | float = "r109") -> np.ndarray:
        """Draws of the present value (first year = year 0) of the total net cost."""
        return self.total() @ discount_factors(len(self.years) - 1, schedule)

    def caseload(self) -> pd.DataFrame:
        """Mean active trajectories by year and type."""
        return pd.DataFrame({
            "year": np.repeat(self.years, len(self.types)),
            "trajectory_type": np.tile(self.types, len(self.years)),
            "n_active_mean": self.mean_caseload.ravel(),
        })

    def to_frame(self) -> pd.DataFrame:
        """Return the quantile table (see :meth:`quantiles`)."""
        return self.quantiles()

    def summary(self) -> str:
        """Deterministic text: total net cost quantiles by year."""
        tab = self.quantiles((0.05, 0.5, 0.95))
        tab = tab[tab["sector"] == "total"].drop(columns="sector").set_index("year")
        return "\n".join([
            f"Monte Carlo budget: {self.draws.shape[0]} draws, {len(self.years)} years, "
            f"{len(self.sectors)} sectors, {len(self.types)} trajectory types",
            f"Total net cost, NOK at {self.price_year} prices:",
            tab.to_string(float_format=lambda x: f"{x:,.0f}"),
        ])

    def plot(self, ax: plt.Axes | None = None, sector: str = "total") -> plt.Figure:
        """Fan chart of net cost for ``sector`` (or the total): 5-95 % and 25-75 % bands.

        Returns the matplotlib Figure (the protocol of :mod:`effekt.results`).
        """
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4))
        if sector == "total":
            d = self.total()
        elif sector in self.sectors:
            d = self.draws[:, :, self.sectors.index(sector)]
        else:
            raise SpecError(f"sector={sector!r}; choose 'total' or one of {list(self.sectors)}.")
        q = np.quantile(d, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0) / 1e6
        ax.fill_between(self.years, q[0], q[4], color="#4f81bd", alpha=0.25, label="5-95 %")
        ax.fill_between(self.years, q[1], q[3], color="#4f81bd", alpha=0.5, label="25-75 %")
        ax.plot(self.years, q[2], color="#1f3b63", label="median")
        ax.set_xlabel("year")
        ax.set_ylabel(f"million NOK ({self.price_year} prices)")
        ax.set_title(f"Net cost: {sector}")
        ax.legend(frameon=False)
        return ax.figure


def simulate(
    model: BudgetModel,
    years: int | None = None,
    draws: int = 1000,
    seed: int | np.random.Generator = 0,
) -> SimulationResult:
    """Monte Carlo simulation of net cost by year and sector.

    Parameters
    ----------
    model
        The inputs (see :func:`budget_model`, :func:`example_model`).
    years
        Horizon (default: all years of ``model.new_cases``).
    draws
        Number of Monte Carlo draws.
    seed
        Seed or numpy Generator.

    Returns
    -------
    SimulationResult

    Examples
    --------
    >>> res = simulate(example_model(n_types=5, years=4), draws=200, seed=1)
    >>> res.draws.shape
    (200, 4, 8)
    """
    if not isinstance(model, BudgetModel):
        raise SpecError(f"model must be a BudgetModel (from budget_model or example_model), "
                        f"got {type(model).__name__}.")
    draws = check_positive_int("draws", draws)
    n_years = model.new_cases.shape[0] if years is None else check_positive_int("years", years)
    if n_years > model.new_cases.shape[0]:
        raise SpecError(
            f"years={n_years} exceeds the {model.new_cases.shape[0]} years of model.new_cases."
        )
    if draws * n_years * max(len(model.sectors), len(model.types)) > _MAX_CELLS:
        raise SpecError(f"draws={draws} is too many for {n_years} years and "
                        f"{len(model.sectors)} sectors (more than {_MAX_CELLS:g} numbers in "
                        "memory); lower draws.")
    rng = check_rng(seed)
    nt = len(model.types)
    inc = _lognormal(rng, model.incidence_cv, (draws, nt))
    dur = model.mean_duration[None, :] * _lognormal(rng, model.duration_cv, (draws, nt))
    dur = np.maximum(dur, 1.0)
    stay = 1.0 - 1.0 / dur
    cmult = _lognormal(rng, model.cost_cv, (draws, nt))
    out = np.empty((draws, n_years, len(model.sectors)))
    mean_caseload = np.empty((n_years, nt))
    active = model.new_cases[0] * inc * dur
    for y in range(n_years):
        lam = model.new_cases[y] * inc
        new = rng.poisson(lam).astype(float) if model.poisson else lam
        active *= stay
        active += new
        mean_caseload[y] = active.mean(axis=0)
        np.matmul(active * cmult, model.annual_cost, out=out[:, y, :])
    for e in model.effects:
        avoided = e.sample(draws, rng)
        lo, hi = e.start, min(e.start + e.horizon, n_years)
        if hi > lo:
            cols = [model.sectors.index(s) for s in e.sectors]
            out[:, lo:hi, cols] -= avoided[:, : hi - lo, :]
    return SimulationResult(
        draws=out, years=np.arange(model.start_year, model.start_year + n_years),
        sectors=model.sectors, mean_caseload=mean_caseload, types=model.types,
        price_year=model.price_year,
    )
