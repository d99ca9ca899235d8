"""Effects after matching against R (fixtures: tests/fixtures/matching_r/make_matching.R).

* CR2 by pair after MatchIt's 1:1 matching on lalonde: clubSandwich 0.5.8
  ``coef_test(vcovCR(fit, cluster = subclass, type = "CR2"), test = "Satterthwaite")``;
* after propensity-score matching with replacement (R Matching's ``Match(X = pscore,
  ties = TRUE)``, the same pairs as effekt's ``match(..., replace=True)``): the regression
  on one row per unit per pair with ``sandwich::vcovCL(cluster = ~ pair + unit)``, ``t``
  on ``min(G) - 1`` df (MatchIt's recommendation).

Tolerances: estimate 1e-6 relative, SE 1e-6 relative, df 1e-6 relative, p-value 1e-6
absolute (measured ~1e-11).
"""

from pathlib import Path

import pandas as pd
import pytest

from effekt.estimators.matching.match import match

FIX = Path(__file__).resolve().parents[2] / "fixtures"
COVS = ["age", "educ", "race", "married", "nodegree", "re74", "re75"]
REF = pd.read_csv(FIX / "matching_r" / "matching_r_effects.csv")


@pytest.fixture(scope="module")
def lalonde():
    return pd.read_csv(FIX / "matching" / "lalonde.csv").set_index("id")


@pytest.mark.parametrize(
    "case", REF.to_dict("records"),
    ids=lambda c: f"{c['design']}-M{c['M']}-covs{c['covariates']}",
)
def test_equals_r(lalonde, case):
    covs = COVS if case["covariates"] else None
    if case["design"] == "pairs_cr2":
        e = match(lalonde, "treat", COVS).effect("re78", covariates=covs, se="CR2")
        assert e.n_clusters == 185
    else:
        m = match(lalonde, "treat", COVS, replace=True, ratio=int(case["M"]))
        e = m.effect("re78", covariates=covs)  # the default after matching with replacement
        assert "by pair and unit" in e.se_type
        assert len(m.pairs) + m.pairs["treated"].nunique() == case["n_rows"]
    assert e.estimate == pytest.approx(case["estimate"], rel=1e-6)
    assert e.std_error == pytest.approx(case["se"], rel=1e-6)
    assert e.df == pytest.approx(case["df"], rel=1e-6)
    assert e.p_value == pytest.approx(case["p_value"], abs=1e-6)
    assert e.to_frame()["p_value"].iloc[0] == pytest.approx(e.p_value, rel=1e-12)
