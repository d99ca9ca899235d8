"""IPW and entropy-balancing weights."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from effekt.errors import NotEstimableError
from effekt.estimators.matching.propensity import covariate_design
from effekt.estimators.matching.weighting import entropy_weights, weights

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "matching"
COVS = ["age", "educ", "race", "married", "nodegree", "re74", "re75"]


@pytest.fixture(scope="module")
def lalonde():
    return pd.read_csv(FIX / "lalonde.csv").set_index("id")


def _means(X, w):
    return (X * w[:, None]).sum(axis=0) / w.sum()


@pytest.mark.parametrize("estimand", ["ATT", "ATC", "ATE"])
def test_entropy_exact_mean_balance(lalonde, estimand):
    res = weights(lalonde, "treat", COVS, method="entropy", estimand=estimand)
    X = covariate_design(lalonde, COVS).to_numpy()
    t = lalonde["treat"].to_numpy()
    w = res.all_weights.to_numpy()
    diff = _means(X[t == 1], w[t == 1]) - _means(X[t == 0], w[t == 0])
    assert np.abs(diff).max() < 1e-6
    if estimand == "ATE":
        np.testing.assert_allclose(_means(X[t == 1], w[t == 1]), X.mean(axis=0), atol=1e-6)
    else:
        focal = 1 if estimand == "ATT" else 0
        assert (w[t == focal] == 1).all()
    assert (w > 0).all()


def test_entropy_weights_are_exponential_tilting():
    # the solution has w_i proportional to exp(l * x_i): log-weights linear in x
    X = np.array([[0.0], [1.0], [2.0], [4.0]])
    w = entropy_weights(X, np.array([2.5]))
    slope = np.diff(np.log(w)) / np.diff(X[:, 0])
    np.testing.assert_allclose(slope, slope[0], rtol=1e-9)
    assert w @ X[:, 0] / w.sum() == pytest.approx(2.5, abs=1e-12)
    assert w.sum() == pytest.approx(4, rel=1e-12)


def test_entropy_infeasible_target():
    with pytest.raises(NotEstimableError, match="no weights that balance"):
        entropy_weights(np.array([[0.0], [1.0]]), np.array([3.0]))


def test_ipw_att_by_hand(lalonde):
    X = sm.add_constant(covariate_design(lalonde, COVS).to_numpy())
    t = lalonde["treat"].to_numpy()
    p = sm.Logit(t, X).fit(disp=False, tol=1e-12, method="newton").predict(X)
    res = weights(lalonde, "treat", COVS, method="ipw", estimand="ATT")
    want = np.where(t == 1, 1.0, p / (1 - p))
    np.testing.assert_allclose(res.all_weights, want, rtol=1e-8)
    y = lalonde["re78"].to_numpy()
    att = y[t == 1].mean() - np.sum(want[t == 0] * y[t == 0]) / want[t == 0].sum()
    eff = res.effect("re78")
    assert eff.estimate == pytest.approx(att, rel=1e-8)
    ess = want[t == 0].sum() ** 2 / (want[t == 0] ** 2).sum()
    assert res.counts.loc["effective_n", "control"] == pytest.approx(ess, rel=1e-10)


def test_ipw_ate_and_trim(lalonde):
    res = weights(lalonde, "treat", COVS, estimand="ATE")
    p = res.data["propensity"].to_numpy()
    t = lalonde["treat"].to_numpy()
    np.testing.assert_allclose(res.all_weights, np.where(t == 1, 1 / p, 1 / (1 - p)))
    tr = weights(lalonde, "treat", COVS, estimand="ATE", trim=0.05)
    assert tr.data["propensity"].between(0.05, 0.95).all()
    assert tr.all_weights.max() <= 1 / 0.05 + 1e-12


def test_weight_result_outputs(lalonde):
    res = weights(lalonde, "treat", COVS, method="entropy")
    eff = res.effect("re78", covariates=["age", "educ"])
    assert np.isfinite(eff.std_error) and eff.std_error > 0
    assert "effective_n" in res.summary()
    assert res.balance().table["smd_after"].abs().max() < 1e-6
    d = lalonde.assign(site=np.arange(len(lalonde)) % 20)
    cl = weights(d, "treat", COVS, method="entropy").effect("re78", se="cluster", cluster="site")
    assert cl.n_clusters == 20
    assert cl.estimate == pytest.approx(res.effect("re78").estimate, rel=1e-12)
    data = res.weighted_data()
    assert "weights" in data.columns
    data["weights"] = 0.0  # a copy: the result does not change
    assert res.weighted_data()["weights"].sum() > 0
    assert res.to_frame().columns.tolist() == ["group", "all", "effective_n"]
    assert res.to_frame()["all"].tolist() == [429, 185]
    assert "weights" not in lalonde.columns
