"""E-value and Rosenbaum bounds."""

import itertools

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from effekt.errors import DataError, SpecError
from effekt.estimators.matching.effect import EffectResult
from effekt.estimators.matching.match import match
from effekt.estimators.sensitivity import e_value, rosenbaum_bounds, sensitivity


def effect(est, se):
    return EffectResult(est, se, "ATT", "y", (), "robust", 100, 100, 50, 50)


def test_e_value_published_example():
    # VanderWeele & Ding (2017): RR 3.9 gives E-value 7.26; its CI limit 1.8 gives 3.0
    assert round(e_value(3.9), 2) == 7.26
    assert round(e_value(1.8), 2) == 3.0
    assert e_value(1 / 3.9) == pytest.approx(e_value(3.9), rel=1e-14)


def test_e_value_of_standardised_difference():
    s = sensitivity(effect(2.0, 0.5), outcome_sd=4.0)
    rr = np.exp(0.91 * 0.5)
    lo = np.exp(0.91 * 0.5 - 0.91 * stats.norm.ppf(0.975) * 0.125)
    np.testing.assert_allclose(s.risk_ratio, rr, rtol=1e-14)
    np.testing.assert_allclose(s.risk_ratio_limit, lo, rtol=1e-14)
    np.testing.assert_allclose(s.e_value_estimate, rr + np.sqrt(rr * (rr - 1)), rtol=1e-14)
    np.testing.assert_allclose(s.e_value_limit, lo + np.sqrt(lo * (lo - 1)), rtol=1e-14)
    # negative effect: symmetric; a CI crossing the null gives 1
    neg = sensitivity(effect(-2.0, 0.5), outcome_sd=4.0)
    np.testing.assert_allclose(neg.e_value_estimate, s.e_value_estimate, rtol=1e-14)
    np.testing.assert_allclose(neg.e_value_limit, s.e_value_limit, rtol=1e-14)
    assert sensitivity(effect(1.0, 1.0), outcome_sd=4.0).e_value_limit == 1.0
    assert s.bounds is None and s.to_frame().empty


@pytest.mark.parametrize("seed", range(3))
def test_gamma_one_equals_scipy_wilcoxon(seed):
    rng = np.random.default_rng(seed)
    d = np.round(rng.normal(0.3, 1, size=60), 1)  # ties and zeros
    b = rosenbaum_bounds(d, [1.0, 2.0])
    want = stats.wilcoxon(
        d, alternative="greater", method="approx", correction=False, zero_method="wilcox"
    ).pvalue
    np.testing.assert_allclose(b.loc[0, ["p_lower", "p_upper"]], [want, want], rtol=1e-12)
    assert b.loc[1, "p_lower"] < want < b.loc[1, "p_upper"]


def test_bound_moments_equal_exact_enumeration():
    """The normal bounds use the exact mean/variance of sum q_s Bernoulli(p) over pairs."""
    d = np.array([1.2, -0.4, 2.5, 0.7, -1.1, 3.0, 0.2, 1.6, -0.9, 2.2])
    q = stats.rankdata(np.abs(d))
    t = q[d > 0].sum()
    for gamma in (1.5, 3.0):
        for col, p in (("p_lower", 1 / (1 + gamma)), ("p_upper", gamma / (1 + gamma))):
            vals, probs = [], []
            for signs in itertools.product([0, 1], repeat=len(d)):
                s = np.array(signs)
                vals.append(q @ s)
                probs.append(np.prod(np.where(s == 1, p, 1 - p)))
            vals, probs = np.array(vals), np.array(probs)
            mean = vals @ probs
            sd = np.sqrt(((vals - mean) ** 2) @ probs)
            got = rosenbaum_bounds(d, [gamma])[col].iloc[0]
            np.testing.assert_allclose(got, stats.norm.sf((t - mean) / sd), rtol=1e-10)


def test_with_matched_pairs():
    rng = np.random.default_rng(3)
    dfr = pd.DataFrame({"x": rng.normal(size=300)})
    dfr["t"] = (rng.uniform(size=300) < 1 / (1 + np.exp(1 - dfr["x"]))).astype(int)
    dfr["y"] = 0.8 * dfr["t"] + dfr["x"] + rng.normal(size=300)
    m = match(dfr, "t", ["x"])
    s = sensitivity(m.effect("y"), m, gamma=[1, 1.5, 2])
    y = dfr["y"]
    diffs = y.loc[m.pairs["treated"]].to_numpy() - y.loc[m.pairs["control"]].to_numpy()
    pd.testing.assert_frame_equal(s.bounds, rosenbaum_bounds(diffs, [1, 1.5, 2]))
    assert s.n_pairs == len(diffs)
    assert (np.diff(s.bounds["p_upper"]) > 0).all()
    assert "Rosenbaum bounds" in s.summary() and s.summary() == s.summary()
    assert s.plot() is not None
    plt.close("all")


def test_bad_input():
    rng = np.random.default_rng(4)
    dfr = pd.DataFrame({"x": rng.normal(size=200)})
    dfr["t"] = (rng.uniform(size=200) < 0.3).astype(int)
    dfr["y"] = rng.normal(size=200)
    m2 = match(dfr, "t", ["x"], ratio=2)
    with pytest.raises(SpecError, match="1:1 matched pairs"):
        sensitivity(m2.effect("y"), m2)
    mr = match(dfr, "t", ["x"], replace=True)
    with pytest.raises(SpecError, match="1:1 matched pairs"):
        sensitivity(mr.effect("y", se="robust"), mr)
    with pytest.raises(SpecError, match="outcome_sd"):
        sensitivity(effect(1.0, 0.5))
    with pytest.raises(SpecError, match="outcome_sd"):
        sensitivity(effect(1.0, 0.5), outcome_sd=-1)
    with pytest.raises(SpecError, match="EffectResult"):
        sensitivity(1.0, outcome_sd=1)
    with pytest.raises(SpecError, match="gamma"):
        rosenbaum_bounds([1.0, 2.0, -1.0], [0.5])
    with pytest.raises(DataError, match="non-zero"):
        rosenbaum_bounds([0.0, 0.0, 1.0])
    with pytest.raises(SpecError, match="plot"):
        sensitivity(effect(1.0, 0.5), outcome_sd=1).plot()


def test_rosenbaum_alternative_less_mirrors_greater():
    from effekt.estimators.sensitivity import rosenbaum_bounds

    d = np.random.default_rng(7).normal(-0.5, 1.0, size=60)
    less = rosenbaum_bounds(d, [1.0, 1.5, 2.0], alternative="less")
    greater = rosenbaum_bounds(-d, [1.0, 1.5, 2.0], alternative="greater")
    pd.testing.assert_frame_equal(less, greater)
    # a reduction tested against a positive effect would not be significant at all
    assert rosenbaum_bounds(d, [1.0])["p_upper"].iloc[0] > 0.99
    assert less["p_upper"].iloc[0] < 0.01
