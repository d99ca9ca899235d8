"""Bad input to propensity, match and weights gives clear errors."""

import numpy as np
import pandas as pd
import pytest

from effekt.errors import DataError, EffektWarning, SpecError
from effekt.estimators.matching.balance import balance
from effekt.estimators.matching.match import match
from effekt.estimators.matching.propensity import parse_formula, propensity
from effekt.estimators.matching.weighting import weights


@pytest.fixture
def data():
    rng = np.random.default_rng(3)
    n = 200
    d = pd.DataFrame({"x": rng.normal(size=n), "z": rng.normal(size=n)})
    d["t"] = (rng.uniform(size=n) < 1 / (1 + np.exp(1 - d["x"]))).astype(int)
    return d


@pytest.mark.parametrize("fn", [propensity, match, weights])
def test_treatment_not_binary(data, fn):
    d = data.assign(t=data["t"] * 2)
    with pytest.raises(DataError, match=r"treatment column 't' must hold only 0 and 1; found 2"):
        fn(d, "t", ["x"])


@pytest.mark.parametrize("fn", [propensity, match, weights])
def test_treatment_one_value(data, fn):
    with pytest.raises(DataError, match="has only the value 1"):
        fn(data.assign(t=1), "t", ["x"])


def test_treatment_text_and_missing(data):
    with pytest.raises(DataError, match="must be 0/1 or boolean"):
        match(data.assign(t=np.where(data["t"] == 1, "yes", "no")), "t", ["x"])
    d = data.assign(t=data["t"].astype(float))
    d.loc[[0, 1], "t"] = np.nan
    with pytest.raises(DataError, match="'t' has 2 missing values"):
        match(d, "t", ["x"])


def test_boolean_treatment_accepted(data):
    m = match(data.assign(t=data["t"].astype(bool)), "t", ["x"])
    assert m.counts.loc["matched", "treated"] == data["t"].sum()


@pytest.mark.parametrize("fn", [propensity, match, weights])
def test_covariate_missing_column(data, fn):
    with pytest.raises(DataError, match="has no column 'age'"):
        fn(data, "t", ["x", "age"])


@pytest.mark.parametrize("fn", [propensity, match, weights])
def test_covariate_constant(data, fn):
    with pytest.raises(DataError, match="covariate 'c' is constant"):
        fn(data.assign(c=5.0), "t", ["x", "c"])


@pytest.mark.parametrize("fn", [propensity, match, weights])
def test_nan_in_covariates_names_count(data, fn):
    d = data.copy()
    d.loc[[3, 7, 9], "z"] = np.nan
    with pytest.raises(DataError, match=r"covariate 'z' \(3 missing\) has missing values"):
        fn(d, "t", ["x", "z"])


def test_perfect_separation(data):
    d = data.assign(sep=data["t"] * 3.0 + data["x"] * 0.01)
    with pytest.raises(DataError, match="perfect or quasi-perfect separation.*Drop or coarsen"):
        propensity(d, "t", ["x", "sep"])
    with pytest.raises(DataError, match="separation"):
        match(d, "t", ["x", "sep"])


def test_quasi_separation_by_category(data):
    d = data.assign(g=np.where(data["t"] == 1, "a", np.where(data.index % 2 == 0, "a", "b")))
    with pytest.raises(DataError, match="separation"):
        weights(d, "t", ["x", "g"])


def test_collinear_covariates(data):
    with pytest.raises(DataError, match="collinear"):
        propensity(data.assign(x2=2 * data["x"]), "t", ["x", "x2"])


def test_ratio_larger_than_control_pool_warns_like_matchit(data):
    # MatchIt warns and matches what it can; so does effekt, naming the shortfall
    n_c, n_t = int((data["t"] == 0).sum()), int(data["t"].sum())
    with pytest.warns(EffektWarning, match=(
            rf"only {n_c} control units for {n_t} treated units at ratio={n_c + 1} without "
            rf"replacement; not all treated units will get {n_c + 1} matches: {n_t} of the "
            rf"{n_t} treated units got fewer than {n_c + 1} \(0 got none\)")):
        m = match(data, "t", ["x"], ratio=n_c + 1)
    assert m.counts.loc["matched", "control"] == n_c


def test_too_few_controls_warns(data):
    with pytest.warns(EffektWarning, match="not all treated units will get 3 matches"):
        match(data, "t", ["x"], ratio=3)


def test_caliper_leaves_no_matches(data):
    d = data.copy()
    d["score"] = np.where(d["t"] == 1, 10.0, 0.0) + np.arange(len(d)) * 1e-3
    with pytest.raises(DataError, match=r"caliper=0.5 leaves no matches"):
        match(d, "t", ["x"], distance=d["score"].to_numpy(), caliper=0.5, std_caliper=False)


def test_bad_options(data):
    with pytest.raises(SpecError, match="method='optimal' is not allowed"):
        match(data, "t", ["x"], method="optimal")
    with pytest.raises(SpecError, match="distance='glm' is not allowed"):
        match(data, "t", ["x"], distance="glm")
    with pytest.raises(SpecError, match="ratio must be an integer >= 1"):
        match(data, "t", ["x"], ratio=0)
    with pytest.raises(SpecError, match="caliper must be a finite number > 0, got -1"):
        match(data, "t", ["x"], caliper=-1)
    with pytest.raises(SpecError, match="estimand='ATE' is not available"):
        match(data, "t", ["x"], estimand="ATE")
    with pytest.raises(SpecError, match="order='largest' sorts by a score"):
        match(data, "t", ["x"], method="mahalanobis", order="largest")
    with pytest.raises(DataError, match="one finite number per row"):
        match(data, "t", ["x"], distance=np.zeros(3))
    with pytest.raises(SpecError, match="trim must be in"):
        weights(data, "t", ["x"], trim=0.7)
    with pytest.raises(SpecError, match="model='ols' is not allowed"):
        propensity(data, "t", ["x"], model="ols")


def test_formula_errors(data):
    assert parse_formula("t ~ x + z") == ("t", ["x", "z"])
    with pytest.raises(SpecError, match="not plain column names"):
        parse_formula("t ~ x * z")
    with pytest.raises(SpecError, match="must look like"):
        parse_formula("x + z")
    with pytest.raises(SpecError, match="differs from the formula"):
        propensity(data, "w", formula="t ~ x")
    with pytest.raises(SpecError, match="not both"):
        propensity(data, covariates=["x"], formula="t ~ x")
    with pytest.raises(SpecError, match="covariates is empty"):
        match(data, "t", [])


def test_effect_se_errors(data):
    d = data.assign(y=data["x"] + data["t"])
    with pytest.raises(SpecError, match="se='CR2' needs subclasses"):
        match(d, "t", ["x"], replace=True).effect("y", se="CR2")
    with pytest.raises(SpecError, match="se='bootstrap' is not allowed"):
        match(d, "t", ["x"]).effect("y", se="bootstrap")
    with pytest.raises(DataError, match="has no column 'nope'"):
        match(d, "t", ["x"]).effect("nope")
    with pytest.raises(SpecError, match="needs cluster="):
        weights(d, "t", ["x"]).effect("y", se="cluster")


def test_balance_bad_input(data):
    with pytest.raises(SpecError, match="needs treatment="):
        balance(data, ["x"])
    with pytest.raises(DataError, match="takes a MatchResult"):
        balance([1, 2], ["x"])
