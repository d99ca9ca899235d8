"""The propensity model equals statsmodels' Logit and Probit maximum likelihood.

Reference: statsmodels ``Logit``/``Probit`` (``fit(method="newton", tol=1e-12)``) on a
design built independently of effekt with ``pandas.get_dummies(drop_first=True)`` (the
first level of a string column in sorted order, of a Categorical in its own order, as an R
model matrix). Tolerances: fitted probabilities 1e-8 (absolute); coefficients 1e-6
(relative).

:func:`~effekt.estimators.matching.propensity.propensity` returns fitted probabilities only;
the coefficients are recovered from them, exactly, as the least-squares solution of
``F^-1(p) = X b`` on statsmodels' design (the fitted linear predictor lies in the column
space of ``X``; the probabilities here stay well inside (1e-9, 1 - 1e-9)). This also pins
that effekt's design spans the same columns as statsmodels'.

The propensity model takes no weights, so there is no weighted case.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.special import logit, ndtri

from effekt.estimators.matching.propensity import covariate_design, propensity
from effekt.synthetic.examples import cross_section

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "matching"
LALONDE_COVS = ["age", "educ", "race", "married", "nodegree", "re74", "re75"]


def _lalonde():
    return pd.read_csv(FIX / "lalonde.csv").set_index("id"), "treat", LALONDE_COVS


def _mixed():
    """String and Categorical dummies (one level rare), a boolean, amounts in kroner."""
    rng = np.random.default_rng(15)
    n = 3000
    region = rng.choice(["oslo", "bergen", "tromso", "bodo"], n, p=[0.5, 0.3, 0.17, 0.03])
    size = pd.Categorical(
        rng.choice(["small", "medium", "large"], n), categories=["small", "medium", "large"]
    )
    d = pd.DataFrame({
        "age": rng.integers(20, 67, n),
        "income_nok": rng.gamma(4.0, 1.2e5, n),
        "region": region,
        "size": size,
        "single": rng.uniform(size=n) < 0.4,
    })
    eta = (-1.0 + 0.02 * (d["age"] - 40) - 1.5e-6 * (d["income_nok"] - 4.8e5)
           + 0.5 * (region == "tromso") - 0.4 * (size == "large") + 0.3 * d["single"])
    d["t"] = (rng.uniform(size=n) < 1 / (1 + np.exp(-eta))).astype(int)
    return d, "t", ["age", "income_nok", "region", "size", "single"]


def _rare_treated():
    """The benchmark's shape in small: 10 normal covariates, 2% treated, shifted means."""
    rng = np.random.default_rng(20261124)
    n, k = 20_000, 10
    t = (rng.uniform(size=n) < 0.02).astype(int)
    x = rng.normal(size=(n, k)) + t[:, None] * np.linspace(0.1, 0.3, k)
    d = pd.DataFrame(x, columns=[f"x{j + 1}" for j in range(k)]).assign(t=t)
    return d, "t", [f"x{j + 1}" for j in range(k)]


def _cross_section():
    return cross_section(n=500, seed=4), "t", ["x", "g"]


DATA = {"lalonde": _lalonde, "mixed": _mixed, "rare_treated": _rare_treated,
        "cross_section": _cross_section}
MODELS = {"logit": (sm.Logit, logit), "probit": (sm.Probit, ndtri)}


def _statsmodels_design(df: pd.DataFrame, covs: list[str]) -> pd.DataFrame:
    dummies = pd.get_dummies(df[covs], drop_first=True, prefix_sep="", dtype=float)
    return sm.add_constant(dummies.astype(float), has_constant="add")


@pytest.mark.parametrize("model", list(MODELS))
@pytest.mark.parametrize("name", list(DATA))
def test_propensity_equals_statsmodels(name, model):
    df, treatment, covs = DATA[name]()
    X = _statsmodels_design(df, covs)
    family, link_inverse = MODELS[model]
    ref = family(df[treatment].to_numpy(dtype=float), X).fit(
        method="newton", tol=1e-12, maxiter=100, disp=False
    )
    assert ref.mle_retvals["converged"]
    ps = propensity(df, treatment, covs, model=model)
    assert ps.index.equals(df.index) and ps.name == "propensity"
    assert np.max(np.abs(ps.to_numpy() - ref.predict(X))) < 1e-8
    coef, *_ = np.linalg.lstsq(X.to_numpy(), link_inverse(ps.to_numpy()), rcond=None)
    np.testing.assert_allclose(coef, ref.params.to_numpy(), rtol=1e-6, atol=0)


def test_design_dummies_as_get_dummies():
    df, _, covs = _mixed()
    ours = covariate_design(df, covs)
    theirs = _statsmodels_design(df, covs).drop(columns="const")
    assert sorted(ours.columns) == sorted(theirs.columns)  # column + level, first dropped
    assert "regionbergen" not in ours.columns and "sizesmall" not in ours.columns
    pd.testing.assert_frame_equal(ours[theirs.columns], theirs, check_exact=True)
