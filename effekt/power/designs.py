"""The data of a power simulation: a synthetic design, or a real panel with placebo starts.

A design draws one data set per simulation with :meth:`draw`, *without* an effect; the
simulation then adds the planted effect to the treated cells (``y + effect × d``), so
that the data of one simulation are the same at every effect size (common random
numbers). Every draw is a DataFrame with the columns

========= ==============================================================================
``unit``    unit identifier
``cluster`` cluster of randomisation (school, kindergarten, district)
``time``    period
``cohort``  first treated period of the unit's cluster; 0 for a never-treated cluster
``treated`` 1 for a unit of an (ever-)treated cluster
``post``    1 from the first adoption period on (the 2×2 "post")
``d``       1 when the unit is treated in that period (``treated`` and ``time >= cohort``)
``y``       the outcome without the planted effect
========= ==============================================================================

Any object with such a ``draw(rng)`` method is a design for
:func:`~effekt.power.simulate_power`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import pandas as pd

from effekt._checks import (
    check_columns,
    check_frame,
    check_integer,
    check_no_missing,
    check_number,
    check_numeric,
)
from effekt.errors import DataError, SpecError

__all__ = ["COLUMNS", "Design", "PlaceboDesign", "SyntheticDesign"]

COLUMNS = ("unit", "cluster", "time", "cohort", "treated", "post", "d", "y")


class Design(Protocol):
    """What a power simulation needs of its data: one draw per simulation."""

    def draw(self, rng: np.random.Generator) -> pd.DataFrame:
        """Return one data set (the columns of :data:`COLUMNS`), without an effect."""


def _waves(waves: Any, name: str = "waves") -> tuple[Any, ...]:
    if isinstance(waves, str) or not isinstance(waves, Sequence) or len(waves) == 0:
        raise SpecError(f"{name} must be a non-empty sequence of adoption periods, got "
                        f"{waves!r}.")
    if len(set(waves)) != len(waves):
        raise SpecError(f"{name}={tuple(waves)!r} repeats a period; give each adoption "
                        "period once.")
    return tuple(sorted(waves))


def _assign(rng: np.random.Generator, n_clusters: int, n_treated: int,
            waves: tuple[Any, ...]) -> np.ndarray:
    """Cohort of each cluster: ``n_treated`` clusters drawn at random, split over the waves.

    The waves get ``n_treated // len(waves)`` clusters each, the earlier ones one more
    while clusters remain; the other clusters get 0 (never treated).
    """
    order = rng.permutation(n_clusters)
    sizes = [len(a) for a in np.array_split(np.arange(n_treated), len(waves))]
    cohort = np.zeros(n_clusters)
    start = 0
    for wave, size in zip(waves, sizes, strict=True):
        cohort[order[start:start + size]] = wave
        start += size
    return cohort


def _numeric(values: Sequence[Any]) -> bool:
    return all(isinstance(v, int | float | np.integer | np.floating)
               and not isinstance(v, bool) for v in values)


def _frame(unit, cluster, time, cohort, y, first_wave) -> pd.DataFrame:
    treated = (cohort != 0).astype(int)
    d = ((treated == 1) & (time >= np.where(treated == 1, cohort, np.inf))).astype(int)
    return pd.DataFrame({"unit": unit, "cluster": cluster, "time": time,
                         "cohort": cohort, "treated": treated,
                         "post": (time >= first_wave).astype(int), "d": d, "y": y})


@dataclass(frozen=True)
class SyntheticDesign:
    """A synthetic panel of clusters of units, treatment assigned by cluster at random.

    The outcome of unit ``i`` in cluster ``j`` at period ``t`` is
    ``sd × (c_j + s_jt + u_i + e_it)`` with independent normal parts of variance
    ``icc`` (cluster effect), ``cluster_period_share`` (cluster-by-period shocks),
    ``unit_share`` (persistent unit effect) and the rest (idiosyncratic), so its total
    variance is ``sd²`` and the ICC of one period is ``icc + cluster_period_share``.
    Each draw assigns ``n_treated_clusters`` clusters at random to the adoption periods
    ``waves`` (as evenly as possible, earlier waves first) and the rest to never
    treated: a cluster-randomised trial with ``periods=1, waves=(1,)``, a 2×2 with one
    wave, staggered adoption with several, a stepped wedge with every cluster treated.
    With ``unit_share=0`` a unit's outcomes are independent over periods given its
    cluster, the cross-sectional model of Hussey & Hughes (2007).

    Parameters
    ----------
    n_clusters : int
        Clusters (at least 2).
    cluster_size : int
        Units per cluster.
    periods : int
        Periods ``1 … periods``.
    waves : sequence of int
        Adoption periods (each in ``1 … periods``); default the middle period,
        ``periods // 2 + 1``.
    n_treated_clusters : int, optional
        Clusters treated (default half of them, rounded down).
    icc, cluster_period_share, unit_share : float
        Shares of the outcome's variance; each in [0, 1), together < 1.
    sd : float
        Total standard deviation of the outcome.

    Examples
    --------
    >>> d = SyntheticDesign(n_clusters=4, cluster_size=2, periods=2, icc=0.1)
    >>> df = d.draw(np.random.default_rng(0))
    >>> len(df), int(df.groupby("cluster")["treated"].first().sum())
    (16, 2)
    """

    n_clusters: int
    cluster_size: int
    periods: int
    waves: tuple[int, ...] | None = None
    n_treated_clusters: int | None = None
    icc: float = 0.0
    cluster_period_share: float = 0.0
    unit_share: float = 0.0
    sd: float = 1.0
    _treated: int = field(init=False, repr=False, default=0)

    def __post_init__(self) -> None:
        g = check_integer("n_clusters", self.n_clusters, minimum=2)
        check_integer("cluster_size", self.cluster_size, minimum=1)
        t = check_integer("periods", self.periods, minimum=1)
        waves = _waves((t // 2 + 1,) if self.waves is None else self.waves)
        for w in waves:
            check_integer("waves (each)", w, minimum=1, maximum=t)
        object.__setattr__(self, "waves", tuple(int(w) for w in waves))
        treated = g // 2 if self.n_treated_clusters is None else self.n_treated_clusters
        treated = check_integer("n_treated_clusters", treated, minimum=1, maximum=g)
        object.__setattr__(self, "_treated", treated)
        shares = [check_number(name, getattr(self, name), low=0, high=1, high_open=True)
                  for name in ("icc", "cluster_period_share", "unit_share")]
        if sum(shares) >= 1:
            raise SpecError(f"icc + cluster_period_share + unit_share = {sum(shares):g} must "
                            "be < 1 (the rest of the variance is idiosyncratic).")
        check_number("sd", self.sd, low=0, low_open=True)

    def draw(self, rng: np.random.Generator) -> pd.DataFrame:
        """Return one data set (see :mod:`effekt.power.designs` for the columns)."""
        g, m, t = self.n_clusters, self.cluster_size, self.periods
        cohort_c = _assign(rng, g, self._treated, self.waves).astype(int)
        c = rng.standard_normal(g) * np.sqrt(self.icc)
        s = rng.standard_normal((g, t)) * np.sqrt(self.cluster_period_share)
        u = rng.standard_normal(g * m) * np.sqrt(self.unit_share)
        rest = 1 - self.icc - self.cluster_period_share - self.unit_share
        e = rng.standard_normal(g * m * t) * np.sqrt(rest)
        unit = np.repeat(np.arange(g * m), t)
        cluster = unit // m
        time = np.tile(np.arange(1, t + 1), g * m)
        y = self.sd * (c[cluster] + s[cluster, time - 1] + u[unit] + e)
        return _frame(unit, cluster, time, cohort_c[cluster], y, min(self.waves))


@dataclass(frozen=True, eq=False)
class PlaceboDesign:
    """A real panel whose clusters get placebo start dates at random in every draw.

    Each draw assigns ``n_treated_clusters`` of the panel's clusters at random to the
    adoption periods ``waves`` (as evenly as possible, earlier waves first) and the
    others to never treated, and keeps the real outcome. Since the assignment is random,
    the outcome carries no effect of it: the only effect in the simulated data is the one
    the simulation plants, and the power reflects the panel's own variance, correlation
    within clusters and over time, trends and outliers (the placebo logic of Bertrand,
    Duflo & Mullainathan 2004). Use periods before any real pilot, or units never
    exposed, so that a real effect does not add to the noise.

    Parameters
    ----------
    panel : pandas.DataFrame
        One row per unit and period; not modified.
    outcome, unit, time : str
        Columns.
    waves : sequence
        Adoption periods (values of ``time``).
    cluster : str, optional
        Cluster of assignment; default ``unit`` (each unit its own cluster).
    n_treated_clusters : int, optional
        Clusters treated in each draw (default half, rounded down).

    Examples
    --------
    >>> from effekt.synthetic.examples import staggered_panel
    >>> p = PlaceboDesign(staggered_panel(n_units=20, periods=4, cohorts=(3,)),
    ...                   outcome="y", unit="id", time="t", waves=[3])
    >>> int(p.draw(np.random.default_rng(1))["treated"].sum())
    40
    """

    panel: pd.DataFrame = field(repr=False)
    outcome: str
    unit: str
    time: str
    waves: tuple[Any, ...]
    cluster: str | None = None
    n_treated_clusters: int | None = None
    _data: dict[str, np.ndarray] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        df = check_frame("panel", self.panel)
        cluster = self.unit if self.cluster is None else self.cluster
        cols = list(dict.fromkeys([self.outcome, self.unit, self.time, cluster]))
        check_columns(df, cols, table="panel")
        check_numeric(df, [self.outcome], table="panel")
        check_no_missing(df, cols, table="panel")
        waves = _waves(self.waves)
        times = set(df[self.time].unique().tolist())
        missing = [w for w in waves if w not in times]
        if missing:
            raise SpecError(f"waves={waves!r}: {missing!r} not among the periods of "
                            f"panel[{self.time!r}].")
        if not _numeric([*waves, *times]):
            raise DataError(f"panel[{self.time!r}] must be numeric periods (years, months "
                            "numbered in order) so that 'from the adoption period on' is "
                            "defined.")
        if 0 in times:
            raise DataError(f"panel[{self.time!r}] holds period 0, which the draws use for "
                            "'never treated'; renumber the periods from 1.")
        labels, codes = np.unique(df[cluster].to_numpy(), return_inverse=True)
        g = len(labels)
        if g < 2:
            raise DataError(f"panel has {g} cluster in {cluster!r}; a placebo assignment "
                            "needs at least 2.")
        treated = g // 2 if self.n_treated_clusters is None else self.n_treated_clusters
        treated = check_integer("n_treated_clusters", treated, minimum=1, maximum=g - 1)
        object.__setattr__(self, "waves", waves)
        object.__setattr__(self, "n_treated_clusters", treated)
        # copies: a later change to the caller's frame does not change the draws
        self._data.update(unit=df[self.unit].to_numpy(copy=True), codes=codes,
                          time=df[self.time].to_numpy(dtype=float, copy=True),
                          y=df[self.outcome].to_numpy(dtype=float, copy=True),
                          n_clusters=np.array(g))

    def draw(self, rng: np.random.Generator) -> pd.DataFrame:
        """Return one data set: the real outcome, a random placebo assignment."""
        d = self._data
        cohort_c = _assign(rng, int(d["n_clusters"]), int(self.n_treated_clusters),
                           self.waves).astype(float)
        return _frame(d["unit"], d["codes"], d["time"], cohort_c[d["codes"]], d["y"].copy(),
                      min(self.waves))
