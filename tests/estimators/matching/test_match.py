"""MatchResult.effect: the default standard error for every matching design (issue 12)."""

import numpy as np
import pandas as pd
import pytest

from effekt.errors import SpecError
from effekt.estimators import match
from effekt.estimators.matching.abadie_imbens import abadie_imbens
from effekt.results import critical_value
from effekt.synthetic.examples import cross_section


@pytest.fixture(scope="module")
def data():
    return cross_section(n=300, effect=2.0, seed=5)


def test_default_after_score_matching_with_replacement_clusters_by_pair_and_unit(data):
    """The default failed after matching with replacement ("needs subclasses") before."""
    m = match(data, "t", ["x"], replace=True)
    assert m.data["subclass"].isna().all()
    e = m.effect("y")
    assert e.std_error == m.effect("y", se="cluster").std_error
    assert "by pair and unit" in e.se_type
    # one row per unit per pair, weights 1/M_i: the estimate is the match-weighted one
    assert e.estimate == pytest.approx(m.effect("y", se="robust").estimate, rel=1e-12)
    n_pairs_treated = m.pairs["treated"].nunique()
    assert e.df == n_pairs_treated - 1 and e.n_treated == n_pairs_treated
    lo, hi = e.ci
    assert hi - e.estimate == pytest.approx(critical_value(0.95, e.df) * e.std_error)


def test_default_after_covariate_matching_with_replacement_is_abadie_imbens(data):
    m = match(data, "t", ["x"], distance="ivar", replace=True, ratio=2)
    e = m.effect("y")
    ai = abadie_imbens(m, "y")
    assert (e.estimate, e.std_error) == (ai.estimate, ai.std_error)
    assert e.df is None and "normal" in e.inference
    # with a cluster column the default is clustering by it
    d = data.assign(c=np.arange(len(data)) % 20)
    mc = match(d, "t", ["x"], distance="ivar", replace=True)
    assert mc.effect("y", cluster="c").n_clusters == 20


def test_pairs_without_replacement_use_t_with_g_minus_1(data):
    m = match(data, "t", ["x"])
    e = m.effect("y")
    assert e.std_error == m.effect("y", se="cluster").std_error
    assert e.df == e.n_clusters - 1 == int(data["t"].sum()) - 1
    lo, hi = e.ci
    assert (hi - lo) / 2 == pytest.approx(critical_value(0.95, e.df) * e.std_error)
    assert e.to_frame()["ci_upper"].iloc[0] == pytest.approx(hi)
    assert "t intervals" in e.summary()
    robust = m.effect("y", se="robust")
    assert robust.df is None and "normal intervals" in robust.inference


def test_cr2_of_pairs_is_the_paired_t_test(data):
    """1:1 pairs, no covariates: CR2 by pair is the paired t-test (df = pairs - 1)."""
    m = match(data, "t", ["x"])
    e = m.effect("y", se="CR2")
    src = m.source
    diff = (src.loc[m.pairs["treated"], "y"].to_numpy()
            - src.loc[m.pairs["control"], "y"].to_numpy())
    n = len(diff)
    assert e.estimate == pytest.approx(diff.mean(), rel=1e-12)
    assert e.std_error == pytest.approx(diff.std(ddof=1) / np.sqrt(n), rel=1e-10)
    assert e.df == pytest.approx(n - 1, rel=1e-10)
    assert "CR2" in e.se_type


def test_cr2_refuses_varying_weights_and_replacement(data):
    with pytest.raises(SpecError, match="se='CR2' needs subclasses"):
        match(data, "t", ["x"], replace=True).effect("y", se="CR2")
    rng = np.random.default_rng(0)
    d = pd.DataFrame({"x": rng.normal(size=250), "t": np.r_[np.ones(100), np.zeros(150)]})
    d["y"] = d["x"] + d["t"] + rng.normal(size=250)
    with pytest.warns(Warning, match="fewer than 2"):
        m2 = match(d, "t", ["x"], ratio=2)  # 50 treated get 2 controls, 50 get 1
    assert m2.data["weights"].nunique() > 1
    with pytest.raises(SpecError, match="se='CR2' needs constant weights"):
        m2.effect("y", se="CR2")
    with pytest.raises(SpecError, match="one way"):
        match(data.assign(c=1), "t", ["x"]).effect("y", se="CR2", cluster="c")


def test_ties_default_and_false(data):
    d = data.assign(xr=data["x"].round(1))
    tied = match(d, "t", ["xr"], distance="ivar", replace=True)
    first = match(d, "t", ["xr"], distance="ivar", replace=True, ties=False)
    assert tied.settings["ties"] is True and first.settings["ties"] is False
    per = tied.pairs.groupby("treated").size()
    assert (per > 1).any()
    assert (first.pairs.groupby("treated").size() == 1).all()
    # ties=False takes, of the equally close controls, the first in the data
    pos = pd.Series(np.arange(len(d)), index=d.index)
    best = tied.pairs.groupby("treated")["control"].agg(lambda c: pos[c].min())
    chosen = first.pairs.set_index("treated")["control"].map(pos)
    assert (chosen.sort_index() == best.sort_index()).all()
    with pytest.raises(SpecError, match="ties must be True or False"):
        match(d, "t", ["xr"], replace=True, ties="yes")


def test_weighting_refuses_cr2_and_abadie_imbens(data):
    from effekt.estimators import weights

    w = weights(data, "t", ["x"])
    for se in ("CR2", "abadie_imbens"):
        with pytest.raises(SpecError, match=f"se='{se}' is not available for weighting"):
            w.effect("y", se=se)


def test_default_se_for_every_design(data):
    """Every matching design has a default se that runs (issue 12)."""
    designs = {
        "atc_replace": dict(replace=True, estimand="ATC"),
        "exact_within_replace": dict(replace=True, exact="g"),
        "mahalanobis_caliper_replace": dict(replace=True, distance="mahalanobis",
                                            caliper=0.2),
        "cem": dict(method="cem"),
        "ratio_2": dict(ratio=2),
    }
    for name, kw in designs.items():
        e = match(data, "t", ["x"], **kw).effect("y")
        assert np.isfinite(e.std_error) and e.std_error > 0, name
        assert e.ci[0] < e.estimate < e.ci[1], name
    atc = match(data, "t", ["x"], replace=True, estimand="ATC").effect("y")
    assert atc.df == int((data["t"] == 0).sum()) - 1  # pairs: one per control
