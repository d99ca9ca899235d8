"""Small example data sets with a known effect, for docstring examples and quick trials.

Like R ``did``'s ``sim`` and linearmodels' ``datasets``: each function returns a pandas
DataFrame built from a seed, with the planted effect stated, so every example in the
documentation runs as a doctest. They are deliberately tiny and plain; the synthetic
municipality (:func:`effekt.synthetic.generate`) is the realistic one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["attrition_panel", "cross_section", "record_tables", "staggered_panel", "two_period"]


def cross_section(
    n: int = 400, effect: float = 2.0, seed: int = 0, randomised: bool = False
) -> pd.DataFrame:
    """Make one row per unit, treatment selected on a covariate: for matching, weighting.

    Columns: ``x`` (a normal covariate), ``g`` (a category, ``"a"``/``"b"``), ``t``
    (0/1 treatment, ``P(t = 1) = 1 / (1 + exp(1 - x))``), ``y = effect * t + x + noise``
    (standard normal noise). The true effect is ``effect`` for everyone, so the ATT, ATC and
    ATE all equal it; the raw difference in means is biased upwards through ``x``. With
    ``randomised=True`` half the units are treated by lot instead (an experiment).

    Examples
    --------
    >>> d = cross_section(n=200, seed=1)
    >>> list(d.columns), len(d)
    (['x', 'g', 't', 'y'], 200)
    """
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    g = rng.choice(["a", "b"], size=n)
    if randomised:
        t = rng.permutation(n) % 2
    else:
        t = (rng.uniform(size=n) < 1 / (1 + np.exp(1 - x))).astype(int)
    y = effect * t + x + rng.normal(size=n)
    return pd.DataFrame({"x": x, "g": g, "t": t, "y": y})


def two_period(n_units: int = 40, effect: float = 2.0, seed: int = 0) -> pd.DataFrame:
    """Make a two-group, two-period panel: for the 2x2 difference-in-differences.

    Columns: ``unit``, ``year`` (2019, 2020), ``treated`` (the first half of the units),
    ``post`` (1 in 2020), ``y = 1 + 0.5 treated + 0.3 post + effect * treated * post +
    noise``. The true ATT is ``effect``.

    Examples
    --------
    >>> two_period(n_units=10).shape
    (20, 5)
    """
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(n_units), 2)
    year = np.tile([2019, 2020], n_units)
    treated = (unit < n_units // 2).astype(int)
    post = (year == 2020).astype(int)
    y = 1.0 + 0.5 * treated + 0.3 * post + effect * treated * post + rng.normal(size=unit.size)
    return pd.DataFrame({"unit": unit, "year": year, "treated": treated, "post": post, "y": y})


def staggered_panel(
    n_units: int = 300,
    periods: int = 6,
    cohorts: tuple[int, ...] = (3, 4),
    effect: float = 1.0,
    seed: int = 0,
    never_treated: float | None = None,
) -> pd.DataFrame:
    """Make a balanced panel with staggered adoption: for TWFE, event studies, ``att_gt``.

    Periods are ``1..periods``; each unit is never treated (cohort 0) or first treated in
    one of ``cohorts``, with equal probability (or never treated with probability
    ``never_treated``, the cohorts sharing the rest equally). Columns: ``id``, ``t``,
    ``g`` (the cohort), ``d`` (1 from the cohort's first period on), ``x`` (a unit-level
    covariate) and ``y = x + 0.1 t + effect * d + noise``. The true effect is ``effect``
    in every treated period, and trends are parallel.

    Examples
    --------
    >>> p = staggered_panel(n_units=50, periods=5)
    >>> sorted(p["g"].unique().tolist()), len(p)
    ([0, 3, 4], 250)
    """
    rng = np.random.default_rng(seed)
    share = 1 / (len(cohorts) + 1) if never_treated is None else never_treated
    probs = [share] + [(1 - share) / len(cohorts)] * len(cohorts)
    cohort = rng.choice([0, *cohorts], size=n_units, p=probs)
    df = pd.DataFrame({"id": np.repeat(np.arange(n_units), periods),
                       "t": np.tile(np.arange(1, periods + 1), n_units),
                       "g": np.repeat(cohort, periods)})
    df["d"] = ((df["g"] > 0) & (df["t"] >= df["g"])).astype(int)
    df["x"] = np.repeat(rng.normal(size=n_units), periods)
    df["y"] = df["x"] + 0.1 * df["t"] + effect * df["d"] + rng.normal(size=len(df))
    return df


def attrition_panel(
    n_units: int = 3000,
    periods: int = 8,
    cohorts: tuple[int, ...] = (4, 6),
    effect: float = 1.0,
    seed: int = 0,
    leave: float = 1.2,
) -> pd.DataFrame:
    """Make a staggered panel whose units leave early when their fixed effect is high.

    Each unit has a fixed effect ``alpha`` (mean 1.5 in the treated cohorts, 0 among the
    never treated, SD 1.5) and is observed from period 1 until it leaves: in each period
    after the first it leaves with probability ``1 / (1 + exp(2.5 - leave * alpha))``, and
    never comes back. ``y = alpha + 0.2 t + effect * d + noise``: trends are parallel and
    the true effect is ``effect`` at every event time, so an estimator that compares
    *different* units before and after (repeated cross-sections) drifts as the high-alpha
    units leave, while one that follows each unit's own change does not. Columns: ``id``,
    ``t``, ``g`` (cohort, 0 never treated), ``d``, ``alpha``, ``y``. ``leave=0`` keeps
    the panel balanced.

    Examples
    --------
    >>> p = attrition_panel(n_units=200, periods=6, cohorts=(3, 5))
    >>> bool(p.groupby("id").size().lt(6).any()), sorted(p["g"].unique().tolist())
    (True, [0, 3, 5])
    """
    rng = np.random.default_rng(seed)
    cohort = rng.choice([0, *cohorts], size=n_units)
    alpha = np.where(cohort > 0, 1.5, 0.0) + 1.5 * rng.normal(size=n_units)
    p_leave = 1 / (1 + np.exp(2.5 - leave * alpha)) if leave else np.zeros(n_units)
    # the first period after period 1 in which the unit has left (periods + 1: stays)
    left = rng.random((n_units, periods - 1)) < p_leave[:, None]
    last = np.where(left.any(axis=1), left.argmax(axis=1) + 1, periods)
    df = pd.DataFrame({"id": np.repeat(np.arange(n_units), periods),
                       "t": np.tile(np.arange(1, periods + 1), n_units),
                       "g": np.repeat(cohort, periods),
                       "alpha": np.repeat(alpha, periods)})
    df = df[df["t"].to_numpy() <= np.repeat(last, periods)].reset_index(drop=True)
    df["d"] = ((df["g"] > 0) & (df["t"] >= df["g"])).astype(int)
    df["y"] = df["alpha"] + 0.2 * df["t"] + effect * df["d"] + rng.normal(size=len(df))
    return df[["id", "t", "g", "d", "alpha", "y"]]


def record_tables() -> dict[str, pd.DataFrame]:
    """Make the smallest valid record tables: two persons, one measure, two service events.

    Keys ``persons``, ``measures`` and ``service_events``, for
    ``RecordStore.from_frames(**record_tables())``. The events cost 1,800 NOK (person 1,
    March 2020) and 900 NOK (person 2, April 2020).

    Examples
    --------
    >>> sorted(record_tables())
    ['measures', 'persons', 'service_events']
    """
    persons = pd.DataFrame({"person_id": [1, 2], "family_id": [10, 10],
                            "birth_year": [1990, 2015], "sex": ["f", "m"],
                            "district": ["Sandvika", "Sandvika"]})
    measures = pd.DataFrame({"measure_id": [1], "name": ["Helsestasjon"],
                             "sector": ["helse_sosial"], "unit": ["hour"],
                             "unit_cost_nok": [900.0], "target_group": [None]})
    dates = pd.to_datetime(["2020-03-01", "2020-04-01"])
    events = pd.DataFrame({"person_id": [1, 2], "measure_id": [1, 1], "start_date": dates,
                           "end_date": dates, "units": [2.0, 1.0], "cost_nok": [1800.0, 900.0],
                           "provider_id": [None, None]})
    return {"persons": persons, "measures": measures, "service_events": events}
