from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from effekt.budgeting.catalogue import define_catalogue
from effekt.budgeting.effects import from_effect
from effekt.budgeting.projection import (
    budget_model,
    example_model,
    project_caseload,
    simulate,
)
from effekt.errors import DataError, SpecError


def _cat():
    return define_catalogue(pd.DataFrame({
        "trajectory_type": ["light", "heavy"], "price": [100_000.0, 600_000.0],
        "mean_duration_years": [1.0, 3.0], "share_nav": [0.8, 0.3],
        "share_barnevern": [0.2, 0.7]}), price_year=2024)


def _pop():
    return pd.DataFrame({"year": np.repeat([2025, 2026, 2027], 2),
                         "age_group": ["0-17", "18-66"] * 3,
                         "population": [30_000, 80_000, 30_500, 81_000, 31_000, 82_000]})


def _inc():
    return pd.DataFrame({"trajectory_type": ["light", "light", "heavy"],
                         "age_group": ["0-17", "18-66", "0-17"], "rate": [0.001, 0.0005, 0.0002]})


def test_project_caseload_by_hand():
    cl = project_caseload(_pop(), _inc(), _cat(), years=3)
    h = cl[cl.trajectory_type == "heavy"].set_index("year")
    new = 0.0002 * np.array([30_000, 30_500, 31_000])
    a0 = new[0] * 3
    a1 = new[1] + a0 * (2 / 3)
    a2 = new[2] + a1 * (2 / 3)
    np.testing.assert_allclose(h["n_active"], [a0, a1, a2], rtol=1e-12)
    np.testing.assert_allclose(h["n_new"] + h["n_ongoing"], h["n_active"], rtol=1e-12)
    light = cl[cl.trajectory_type == "light"].set_index("year")
    np.testing.assert_allclose(light["n_active"], 0.001 * _pop().iloc[::2]["population"].to_numpy()
                               + 0.0005 * _pop().iloc[1::2]["population"].to_numpy(), rtol=1e-12)
    with pytest.raises(DataError, match="no rows for year"):
        project_caseload(_pop(), _inc(), _cat(), years=4)


def test_simulate_without_noise_equals_projection():
    cat = _cat()
    cl = project_caseload(_pop(), _inc(), cat, years=3)
    m = budget_model(cat, cl, incidence_cv=0, duration_cv=0, cost_cv=0, poisson=False)
    res = simulate(m, draws=5, seed=0)
    ppy = cat.table.set_index("trajectory_type")["price_per_year"]
    exp_total = cl.assign(c=cl.n_active * cl.trajectory_type.map(ppy)).groupby("year")["c"].sum()
    np.testing.assert_allclose(res.total()[0], exp_total.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(res.total().std(axis=0), 0, atol=1e-6)


def test_simulate_uncertainty_and_quantiles():
    res = simulate(example_model(n_types=6, years=5), draws=2000, seed=3)
    q = res.quantiles()
    tot = q[q.sector == "total"]
    assert (tot["q05"] < tot["q50"]).all() and (tot["q50"] < tot["q95"]).all()
    assert len(q) == 5 * 9
    # same seed, same draws
    np.testing.assert_array_equal(res.draws, simulate(example_model(6, 5), draws=2000,
                                                      seed=3).draws)
    fig = res.plot()
    assert fig.axes[0].get_title() == "Net cost: total"
    assert res.present_value().shape == (2000,)
    assert "Monte Carlo budget" in res.summary()
    with pytest.raises(SpecError, match="years=9 exceeds"):
        simulate(example_model(6, 5), years=9)


@dataclass(frozen=True)
class _FakeResult:
    """A minimal effect result of the effekt.results protocol: to_frame() and vcov."""

    frame: pd.DataFrame
    cov: np.ndarray | None = None

    def to_frame(self):
        return self.frame

    @property
    def vcov(self):
        if self.cov is None:
            cov = np.diag(self.frame["std_error"] ** 2)
            return pd.DataFrame(cov, index=self.frame["event_time"],
                                columns=self.frame["event_time"])
        return pd.DataFrame(self.cov)


def test_from_effect_event_study_and_constant():
    es = pd.DataFrame({"event_time": [-2, -1, 0, 1, 2], "estimate": [0.1, 0.0, -1.0, -2.0, -3.0],
                       "std_error": [0.2, 0.2, 0.5, 0.5, 0.5]})
    s = from_effect(_FakeResult(es), {"nav": 9_718, "243": 100}, n_cases=10, horizon=4)
    m = s.mean()
    # KOSTRA 243 maps to nav: unit costs add up to 9,818 per unit
    np.testing.assert_allclose(m["nav"], [98_180, 196_360, 294_540, 0])
    assert s.sectors == ("nav",)
    const = from_effect(pd.DataFrame({"estimate": [-0.5], "std_error": [0.1]}), 1000.0,
                        sector="barnevern", horizon=3)
    np.testing.assert_allclose(const.mean()["barnevern"], [500, 500, 500])
    d = const.effect_draws(20_000, seed=1)
    # a held estimate is one draw per replication: se of the mean 0.1/sqrt(20000)
    assert d.mean() == pytest.approx(-0.5, abs=0.003)
    assert (d == d[:, :1]).all()
    assert d.std() == pytest.approx(0.1, rel=0.02)
    with pytest.raises(SpecError, match="needs sector"):
        from_effect(es, 1000.0)


def test_from_effect_joint_draws_and_monte_carlo():
    es = pd.DataFrame({"event_time": [0, 1], "estimate": [-1.0, -1.0], "std_error": [0.3, 0.3]})
    perfectly_correlated = np.full((2, 2), 0.09)
    s = from_effect(_FakeResult(es, perfectly_correlated), {"nav": 1000.0}, horizon=2,
                    n_cases=1)
    d = s.effect_draws(1000, seed=2)
    np.testing.assert_allclose(d[:, 0], d[:, 1], atol=1e-12)  # the covariance is kept
    assert d[:, 0].std() == pytest.approx(0.3, rel=0.1)
    exact = from_effect(_FakeResult(es, np.zeros((2, 2))), {"nav": 1000.0}, horizon=2, n_cases=1)
    cat = _cat()
    cl = project_caseload(_pop(), _inc(), cat, years=3)
    base = budget_model(cat, cl, incidence_cv=0, duration_cv=0, cost_cv=0, poisson=False)
    with_eff = budget_model(cat, cl, incidence_cv=0, duration_cv=0, cost_cv=0, poisson=False,
                            effects=[exact])
    r0 = simulate(base, draws=500, seed=4)
    r1 = simulate(with_eff, draws=500, seed=4)
    diff = r0.draws[:, :, r0.sectors.index("nav")] - r1.draws[:, :, r1.sectors.index("nav")]
    np.testing.assert_allclose(diff[:, :2], 1000.0)  # -effect x cost per unit x cases
    np.testing.assert_allclose(diff[:, 2], 0.0)
    with pytest.raises(SpecError, match="vcov must be a DataFrame labelled like the 2 rows"):
        from_effect(_FakeResult(es, np.zeros((3, 3))), {"nav": 1.0})


def test_from_effect_uses_the_event_study_covariance():
    """Matched DiD and TWFE event studies carry a joint covariance; draws follow it."""
    import warnings

    from effekt.budgeting import from_effect
    from effekt.estimators import event_study

    rng = np.random.default_rng(3)
    units, periods = 300, 8
    cohort = np.where(np.arange(units) < 100, 4, 0)
    rows = []
    for i in range(units):
        a = rng.normal()
        for t in range(periods):
            e = t - cohort[i]
            eff = -1.0 * (e + 1) if cohort[i] and e >= 0 else 0.0
            rows.append((i, t, cohort[i], a + 0.1 * t + eff + rng.normal()))
    df = pd.DataFrame(rows, columns=["unit", "t", "cohort", "y"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        es = event_study(df, "y", "unit", "t", "cohort")
    stream = from_effect(es, {"nav": 1000.0}, horizon=4)
    # event times 0..3 come from the rows indexed by event time, not the first row
    by_event = es.to_frame().set_index("event_time")
    np.testing.assert_allclose(stream.estimate, by_event.loc[[0, 1, 2, 3], "estimate"])
    expected = es.vcov.loc[[0, 1, 2, 3], [0, 1, 2, 3]].to_numpy()
    np.testing.assert_allclose(stream.cov, expected, rtol=1e-12)
    draws = stream.effect_draws(200_000, seed=1)
    np.testing.assert_allclose(np.cov(draws.T), expected, atol=0.02 * np.abs(expected).max())


def test_from_effect_takes_att_gt_dynamic_covariance():
    from effekt.budgeting import from_effect
    from effekt.estimators import att_gt

    rng = np.random.default_rng(4)
    n, periods = 400, 6
    cohort = rng.choice([0, 3, 4], size=n)
    rows = [(i, t, cohort[i], rng.normal() + 0.2 * t
             + (-(t - cohort[i] + 1.0) if cohort[i] and t >= cohort[i] else 0.0))
            for i in range(n) for t in range(1, periods + 1)]
    df = pd.DataFrame(rows, columns=["unit", "t", "g", "y"])
    dyn = att_gt(df, "y", "unit", "t", "g").aggregate("dynamic")
    stream = from_effect(dyn, {"nav": 1.0}, horizon=3)
    frame = dyn.to_frame()
    post = np.flatnonzero(frame["event_time"].to_numpy() >= 0)[:3]
    np.testing.assert_allclose(stream.cov, dyn.vcov.to_numpy()[np.ix_(post, post)], rtol=1e-12)
    np.testing.assert_allclose(stream.estimate, frame["estimate"].to_numpy()[post])
