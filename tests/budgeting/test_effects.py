"""A held effect is one draw per Monte Carlo replication (issue 11, item 7).

``from_effect`` holds an estimate constant over years (a plain estimate without
``event_time``, or the last event time with ``beyond="last"``). In the Monte Carlo the held
years must take one and the same draw, so that the spread of a k-year total is
k x SE x cost x n, not sqrt(k) x SE x cost x n.
"""

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import pytest

from effekt.budgeting.effects import EffectStream, from_effect
from effekt.budgeting.projection import example_model, simulate

SE, COST, N = 0.4, 1000.0, 3.0
PLAIN = pd.DataFrame({"estimate": [-1.0], "std_error": [SE]})
ONE_EVENT = pd.DataFrame({"event_time": [0], "estimate": [-1.0], "std_error": [SE]})
DRAWS = 20_000


@dataclass(frozen=True)
class _Result:
    """A minimal effect result of the effekt.results protocol: to_frame() and vcov."""

    frame: pd.DataFrame
    cov: np.ndarray

    def to_frame(self):
        return self.frame

    @property
    def vcov(self):
        return pd.DataFrame(self.cov, index=self.frame.index, columns=self.frame.index)


EVENTS = pd.DataFrame({"event_time": [-1, 0, 1], "estimate": [0.05, -1.0, -2.0],
                       "std_error": [0.1, 0.3, 0.5]})
# event times -1, 0, 1; correlation 0.6 between event times 0 and 1
EVENTS_COV = np.array([[0.01, 0.0, 0.0],
                       [0.0, 0.09, 0.6 * 0.3 * 0.5],
                       [0.0, 0.6 * 0.3 * 0.5, 0.25]])


def _routes():
    """Every input route with a held estimate: (name, stream, index of the held years)."""
    kw = {"n_cases": N, "horizon": 4}
    return [
        ("plain frame", from_effect(PLAIN, {"nav": COST}, **kw), [0, 1, 2, 3]),
        ("plain frame, beyond=last", from_effect(PLAIN, {"nav": COST}, beyond="last", **kw),
         [0, 1, 2, 3]),
        ("event_time, no covariance",
         from_effect(ONE_EVENT, {"nav": COST}, beyond="last", **kw), [0, 1, 2, 3]),
        ("event_time with later years, no covariance",
         from_effect(EVENTS, {"nav": COST}, beyond="last", **kw), [1, 2, 3]),
        ("result with vcov",
         from_effect(_Result(EVENTS, EVENTS_COV), {"nav": COST}, beyond="last", **kw),
         [1, 2, 3]),
        ("result with vcov, no event_time",
         from_effect(_Result(PLAIN, np.array([[SE**2]])), {"nav": COST}, **kw), [0, 1, 2, 3]),
    ]


@pytest.mark.parametrize("name, stream, held", _routes(), ids=[r[0] for r in _routes()])
def test_held_years_take_one_draw(name, stream, held):
    d = stream.effect_draws(1000, seed=5)
    assert (d[:, held] == d[:, held[:1]]).all(), name
    s = stream.sample(1000, seed=5)
    assert (s[:, held, :] == s[:, held[:1], :]).all(), name
    assert d[:, held[0]].std() > 0  # and the draw does vary between replications
    # the covariance says so: correlation 1 between the held years
    c = stream.cov[np.ix_(held, held)]
    np.testing.assert_allclose(c, c[0, 0], rtol=1e-12)


def test_spread_of_a_three_year_total_of_a_held_plain_estimate():
    stream = from_effect(PLAIN, {"nav": COST}, n_cases=N, horizon=3, beyond="last")
    total = stream.sample(DRAWS, seed=1)[:, :, 0].sum(axis=1)
    # one draw per replication: sd = 3 x SE x cost x n (independent years would give sqrt(3))
    assert total.std(ddof=1) == pytest.approx(3 * SE * COST * N, rel=0.03)
    assert total.mean() == pytest.approx(3 * 1.0 * COST * N, rel=0.01)
    same = from_effect(ONE_EVENT, {"nav": COST}, n_cases=N, horizon=3, beyond="last")
    total = same.sample(DRAWS, seed=1)[:, :, 0].sum(axis=1)
    assert total.std(ddof=1) == pytest.approx(3 * SE * COST * N, rel=0.03)


def test_spread_with_two_estimates_and_no_covariance():
    # event time 0 (se 0.3) and 1 (se 0.5, held in years 1 and 2); no covariance between
    # different estimates: var(total) = 0.3^2 + (2 x 0.5)^2
    stream = from_effect(EVENTS, {"nav": 1.0}, horizon=3, beyond="last")
    np.testing.assert_allclose(stream.cov, [[0.09, 0, 0], [0, 0.25, 0.25], [0, 0.25, 0.25]],
                               rtol=1e-12)
    d = stream.effect_draws(DRAWS, seed=2)
    assert d.sum(axis=1).std(ddof=1) == pytest.approx(np.sqrt(0.09 + 1.0), rel=0.03)
    assert abs(np.corrcoef(d[:, 0], d[:, 1])[0, 1]) < 0.03  # different estimates: independent


def test_draws_follow_the_given_covariance():
    stream = from_effect(_Result(EVENTS, EVENTS_COV), {"nav": COST}, horizon=4, beyond="last")
    src = [1, 2, 2, 2]  # rows of EVENTS that years 0..3 take
    expected = EVENTS_COV[np.ix_(src, src)]
    np.testing.assert_allclose(stream.cov, expected, rtol=1e-12)
    d = stream.effect_draws(200_000, seed=3)
    # sampling error of a covariance at 200,000 draws is about 0.3 % of the largest entry
    np.testing.assert_allclose(np.cov(d.T), expected, atol=0.02 * expected.max())


def test_mean_is_unchanged():
    stream = from_effect(PLAIN, {"nav": COST}, n_cases=N, horizon=3)
    np.testing.assert_allclose(stream.mean()["nav"], [3000.0, 3000.0, 3000.0])
    np.testing.assert_allclose(stream.estimate, [-1.0, -1.0, -1.0])
    np.testing.assert_allclose(stream.std_error, [SE, SE, SE])
    d = stream.effect_draws(DRAWS, seed=4)
    # one draw per replication: the standard error of the mean is SE / sqrt(DRAWS)
    np.testing.assert_allclose(d.mean(axis=0), -1.0, atol=4 * SE / np.sqrt(DRAWS))
    events = from_effect(_Result(EVENTS, EVENTS_COV), {"nav": 1.0}, horizon=4, beyond="last")
    np.testing.assert_allclose(events.mean()["nav"], [1.0, 2.0, 2.0, 2.0])
    np.testing.assert_allclose(events.effect_draws(DRAWS, seed=4).mean(axis=0),
                               [-1.0, -2.0, -2.0, -2.0], atol=4 * 0.5 / np.sqrt(DRAWS))


def test_distinct_years_keep_their_draws():
    # no repeated estimate (no held year): the draws are those of the full covariance
    stream = from_effect(_Result(EVENTS, EVENTS_COV), {"nav": 1.0}, horizon=2)
    z = np.random.default_rng(6).standard_normal((50, 2))
    vals, vecs = np.linalg.eigh(stream.cov)
    expected = stream.estimate + z @ (vecs * np.sqrt(vals)).T
    np.testing.assert_allclose(stream.effect_draws(50, seed=6), expected, rtol=1e-12)
    # a stream built by hand without cov still draws its years independently
    hand = EffectStream(estimate=np.array([-1.0, -1.0]), std_error=np.array([SE, SE]),
                        sectors=("nav",), cost_per_unit=np.array([1.0]), n_cases=1.0)
    d = hand.effect_draws(DRAWS, seed=7)
    assert abs(np.corrcoef(d.T)[0, 1]) < 0.03


def test_monte_carlo_carries_the_held_draw():
    base = example_model(n_types=3, years=3, sectors=("nav", "barnevern"), seed=0)
    stream = from_effect(PLAIN, {"nav": COST}, n_cases=N, horizon=3)
    r0 = simulate(base, draws=DRAWS, seed=8)
    r1 = simulate(replace(base, effects=(stream,)), draws=DRAWS, seed=8)
    nav = r0.sectors.index("nav")
    avoided = r0.draws[:, :, nav] - r1.draws[:, :, nav]
    # one draw, every year (up to the rounding of net cost minus the avoided cost)
    np.testing.assert_allclose(avoided, np.repeat(avoided[:, :1], 3, axis=1), rtol=1e-9)
    assert avoided.sum(axis=1).std(ddof=1) == pytest.approx(3 * SE * COST * N, rel=0.03)
