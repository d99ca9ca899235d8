"""Parity with MatchIt on lalonde (fixtures: tests/fixtures/matching/PROVENANCE.txt)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from effekt.estimators.matching.match import match
from effekt.estimators.matching.propensity import propensity

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "matching"
COVS = ["age", "educ", "race", "married", "nodegree", "re74", "re75"]


@pytest.fixture(scope="module")
def lalonde():
    return pd.read_csv(FIX / "lalonde.csv").set_index("id")


@pytest.fixture(scope="module")
def matched(lalonde):
    return match(lalonde, "treat", COVS)


def test_propensity_equals_r_glm(lalonde):
    ref = pd.read_csv(FIX / "matchit_pscore.csv").set_index("id")["pscore"]
    ps = propensity(lalonde, "treat", COVS)
    assert ps.index.equals(ref.index)
    np.testing.assert_allclose(ps.to_numpy(), ref.to_numpy(), rtol=0, atol=1e-8)


def test_formula_gives_same_scores(lalonde):
    a = propensity(lalonde, "treat", COVS)
    b = propensity(lalonde, formula="treat ~ " + " + ".join(COVS))
    np.testing.assert_array_equal(a.to_numpy(), b.to_numpy())


def test_same_185_pairs_in_the_same_order(matched):
    ref = pd.read_csv(FIX / "matchit_pairs.csv")
    assert len(matched.pairs) == 185
    assert matched.pairs["treated"].tolist() == ref["treated"].tolist()
    assert matched.pairs["control"].tolist() == ref["control"].tolist()


def test_weights_and_subclass_as_match_data(matched):
    ref = pd.read_csv(FIX / "matchit_weights.csv").set_index("id")
    ref = ref[ref["weight"] > 0]
    data = matched.data
    assert sorted(data.index) == sorted(ref.index)
    np.testing.assert_array_equal(data["weights"], ref.loc[data.index, "weight"])
    np.testing.assert_array_equal(
        data["subclass"].to_numpy(dtype=float), ref.loc[data.index, "subclass"]
    )


def test_counts(matched):
    c = matched.counts
    assert c.loc["matched", "treated"] == 185
    assert c.loc["matched", "control"] == 185
    assert c.loc["unmatched", "control"] == 429 - 185
    assert c.loc["effective_n", "control"] == pytest.approx(185, abs=1e-12)


def test_balance_table_equals_matchit(matched):
    ref = pd.read_csv(FIX / "matchit_balance.csv").set_index("covariate")
    tab = matched.balance().table
    assert list(tab.index) == list(ref.index)
    for col in ["smd_before", "smd_after", "vr_after", "ecdf_mean_after", "ecdf_max_after"]:
        np.testing.assert_allclose(tab[col], ref[col], rtol=0, atol=1e-6, err_msg=col)


@pytest.mark.parametrize("with_covs", [False, True])
def test_effects_equal_lm_vcovcl(matched, with_covs):
    ref = pd.read_csv(FIX / "matchit_effects.csv").iloc[int(with_covs)]
    res = matched.effect("re78", covariates=COVS if with_covs else None)
    assert res.estimate == pytest.approx(ref["att"], rel=1e-6)
    assert res.std_error == pytest.approx(ref["se"], rel=1e-6)
    assert res.n_clusters == 185
    frame = res.to_frame()
    assert frame.loc[0, "estimate"] == res.estimate
    assert "cluster-robust" in res.summary()


def test_vignette_rounded_values(matched):
    # MatchIt vignette ("MatchIt: Getting Started"): 1344.9 (SE 730.84)
    res = matched.effect("re78", covariates=COVS)
    assert round(res.estimate, 1) == 1344.9
    assert round(res.std_error, 2) == 730.84


def test_input_not_mutated(lalonde):
    before = lalonde.copy()
    match(lalonde, "treat", COVS)
    pd.testing.assert_frame_equal(lalonde, before)


def test_summary_is_deterministic(lalonde, matched):
    again = match(lalonde, "treat", COVS)
    assert str(again) == str(matched)
    assert "nearest" in matched._repr_html_()


def test_matched_data_is_a_copy(matched):
    data = matched.matched_data()
    assert list(data.columns[-3:]) == ["distance", "weights", "subclass"]
    data["weights"] = 0.0
    assert matched.matched_data()["weights"].sum() == pytest.approx(370.0)
    counts = matched.to_frame().set_index("group")
    assert counts.loc["treated", "matched"] == 185 and counts.loc["control", "matched"] == 185
