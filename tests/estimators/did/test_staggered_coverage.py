"""Monte Carlo coverage of att_gt inference (slow): 200 replications of a small staggered design.

Checks that the 95 % analytic CI of the simple aggregation covers the truth in 93-97 % of the
replications, and that the uniform band of the multiplier bootstrap (Mammen weights, 999
draws) covers the whole event-study path (pre and post event times) in at least 93 %.
"""

import numpy as np
import pandas as pd
import pytest

from effekt.estimators.did.staggered import att_gt

PERIODS = np.arange(1, 6)
COHORTS = np.array([0, 3, 4, 5])


def tau(e, g):
    return np.where(e >= 0, (0.5 + 0.25 * e) * (1.0 + 0.5 * (g - 3)), 0.0)


def simulate(rng, n=400):
    g = rng.choice(COHORTS, n)
    fe = rng.normal(size=n) + 0.5 * (g > 0)
    t = np.tile(PERIODS, n)
    gg = np.repeat(g, len(PERIODS))
    y = np.repeat(fe, len(PERIODS)) + 0.2 * t + rng.normal(size=t.size)
    y = y + np.where(gg > 0, tau(t - gg, gg), 0.0)
    return pd.DataFrame({"id": np.repeat(np.arange(n), len(PERIODS)), "t": t, "g": gg, "y": y})


def truths():
    treated = COHORTS[COHORTS > 0]
    cells = [(g, t) for g in treated for t in PERIODS if t >= g]
    simple = np.mean([tau(t - g, g) for g, t in cells])  # equal cohort probabilities
    dyn = {}
    for e in range(-3, 3):
        gs = [g for g in treated if 2 <= g + e <= PERIODS.max()]
        dyn[e] = float(np.mean(tau(e, np.array(gs))))
    return float(simple), dyn


@pytest.mark.slow
def test_coverage_simple_ci_and_uniform_band():
    rng = np.random.default_rng(20240601)
    simple_truth, dyn_truth = truths()
    cover_simple = cover_band = 0
    reps = 200
    for r in range(reps):
        gt = att_gt(simulate(rng), outcome="y", unit="id", time="t", cohort="g")
        s = gt.aggregate("simple")
        lo, hi = s.overall_ci
        cover_simple += lo <= simple_truth <= hi
        es = gt.bootstrap(n_boot=999, weights="mammen", seed=r, cband=True).aggregate("dynamic")
        fr = es.to_frame()
        truth = fr["event_time"].map(dyn_truth)
        cover_band += bool(((fr["uniform_lower"] <= truth) & (truth <= fr["uniform_upper"])).all())
    assert 0.93 <= cover_simple / reps <= 0.97, cover_simple
    assert cover_band / reps >= 0.93, cover_band
