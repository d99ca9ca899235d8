"""rct(): difference in means and Lin's ANCOVA against statsmodels run directly."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from effekt.errors import DataError, NotEstimableError, SpecError
from effekt.estimators.rct import rct


@pytest.fixture(scope="module")
def trial():
    rng = np.random.default_rng(42)
    n = 300
    d = pd.DataFrame(
        {
            "x1": rng.normal(size=n),
            "x2": rng.exponential(size=n),
            "grp": rng.choice(["a", "b", "c"], n),
            "school": rng.integers(0, 30, n),
        }
    )
    d["t"] = rng.permutation(n) % 2
    d["tc"] = (d["school"] % 2).astype(int)  # assigned by school
    d["y"] = (
        1.5 * d["t"] + d["x1"] + 0.5 * d["t"] * d["x2"] + (d["grp"] == "b")
        + rng.normal(size=n) * (1 + d["t"])
    )
    return d


def lin_design(d, t):
    x = pd.get_dummies(d[["x1", "x2", "grp"]], drop_first=True, dtype=float)
    xc = x - x.mean()
    inter = xc.mul(d[t], axis=0).add_suffix(":t")
    return sm.add_constant(pd.concat([d[t].astype(float), xc, inter], axis=1))


@pytest.mark.parametrize("se", ["HC2", "HC1"])
def test_matches_statsmodels(trial, se):
    r = rct(trial, "y", "t", covariates=["x1", "x2", "grp"], se=se)
    dim = sm.OLS(trial["y"], sm.add_constant(trial["t"].astype(float))).fit(
        cov_type=se, use_t=True
    )
    lin = sm.OLS(trial["y"], lin_design(trial, "t")).fit(cov_type=se, use_t=True)
    for name, fit in (("difference_in_means", dim), ("lin_ancova", lin)):
        row = r.table.loc[name]
        np.testing.assert_allclose(row["estimate"], fit.params["t"], rtol=1e-8)
        np.testing.assert_allclose(row["std_error"], fit.bse["t"], rtol=1e-8)
        np.testing.assert_allclose(row["p_value"], fit.pvalues["t"], rtol=1e-8)
        np.testing.assert_allclose(
            [row["ci_lower"], row["ci_upper"]], fit.conf_int().loc["t"], rtol=1e-8
        )


def test_hc2_difference_in_means_is_neyman_variance(trial):
    r = rct(trial, "y", "t")
    y, t = trial["y"], trial["t"]
    neyman = np.sqrt(y[t == 1].var() / (t == 1).sum() + y[t == 0].var() / (t == 0).sum())
    np.testing.assert_allclose(r.table.loc["difference_in_means", "std_error"], neyman, 1e-12)
    np.testing.assert_allclose(
        r.table.loc["difference_in_means", "estimate"], y[t == 1].mean() - y[t == 0].mean(), 1e-12
    )
    assert r.table.index.tolist() == ["difference_in_means"]


def test_cluster_randomised_matches_statsmodels(trial):
    r = rct(trial, "y", "tc", covariates=["x1", "x2", "grp"], cluster="school")
    g = trial["school"].to_numpy()
    dim = sm.OLS(trial["y"], sm.add_constant(trial["tc"].astype(float))).fit(
        cov_type="cluster", cov_kwds={"groups": g}, use_t=True
    )
    lin = sm.OLS(trial["y"], lin_design(trial, "tc")).fit(
        cov_type="cluster", cov_kwds={"groups": g}, use_t=True
    )
    for name, fit in (("difference_in_means", dim), ("lin_ancova", lin)):
        row = r.table.loc[name]
        np.testing.assert_allclose(row["estimate"], fit.params["tc"], rtol=1e-8)
        np.testing.assert_allclose(row["std_error"], fit.bse["tc"], rtol=1e-8)
        np.testing.assert_allclose(row["p_value"], fit.pvalues["tc"], rtol=1e-8)
        assert row["df"] == 29
    assert r.n_clusters == 30


def test_result_api_and_no_mutation(trial):
    before = trial.copy()
    r = rct(trial, "y", "t", covariates="x1")
    pd.testing.assert_frame_equal(trial, before)
    f = r.to_frame()
    assert f.columns[:5].tolist() == ["estimator", "estimate", "std_error", "ci_lower", "ci_upper"]
    assert r.summary() == r.summary() and "individually randomised" in r.summary()
    assert r._repr_html_().startswith("<pre>")
    assert r.plot() is not None
    plt.close("all")
    assert r.n_treated + r.n_control == r.nobs == len(trial)


def test_bad_input(trial):
    with pytest.raises(DataError, match="varies within"):
        rct(trial, "y", "t", cluster="school")
    with pytest.raises(SpecError, match="se='HC3'"):
        rct(trial, "y", "t", se="HC3")
    with pytest.raises(DataError, match="only 0 and 1"):
        rct(trial.assign(t=trial["t"] * 2), "y", "t")
    with pytest.raises(DataError, match="no column"):
        rct(trial, "outcome", "t")
    with pytest.raises(DataError, match="missing"):
        rct(trial.assign(y=trial["y"].where(trial.index > 0)), "y", "t")
    with pytest.raises(NotEstimableError, match="singular"):
        rct(trial.assign(x3=trial["x1"] * 2), "y", "t", covariates=["x1", "x3"])
