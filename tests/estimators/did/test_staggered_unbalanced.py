"""Unbalanced panels in att_gt: "pairwise" (each cell from the units observed in both its
periods) against "rcs" (R did's repeated cross-sections), and the composition drift that
separates them (issue 13)."""

import warnings

import numpy as np
import pandas as pd
import pytest

from effekt.errors import SpecError
from effekt.estimators import att_gt
from effekt.synthetic.examples import attrition_panel, staggered_panel


def _fit(df, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return att_gt(df, "y", "id", "t", "g", allow_unbalanced=True, **kw)


def _cell(gt, g, t):
    f = gt.to_frame()
    row = f[(f["group"] == g) & (f["time"] == t)]
    assert len(row) == 1
    return float(row["estimate"].iloc[0]), float(row["std_error"].iloc[0])


@pytest.fixture(scope="module")
def drift():
    df = attrition_panel(seed=0)
    # a unit-level covariate related to the fixed effect, with overlap between cohorts
    noise = np.random.default_rng(1).normal(size=df["id"].max() + 1)
    return df.assign(x=0.3 * df["alpha"] + noise[df["id"]])


def test_balanced_panel_is_the_same_either_way():
    df = staggered_panel(n_units=300, periods=5, seed=3)
    a, b = _fit(df, unbalanced="pairwise"), _fit(df, unbalanced="rcs")
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    assert a.settings["unbalanced"] is None  # nothing was unbalanced


@pytest.mark.parametrize("covariates", [None, "x"])
@pytest.mark.parametrize("method", ["dr", "reg", "ipw"])
def test_pairwise_cell_is_the_balanced_fit_on_the_units_seen_in_both_periods(drift, method,
                                                                           covariates):
    """ATT(g,t) and its SE equal a two-period balanced fit on the units observed in both
    periods: the influence function over all units, scaled by n / n_cell, is that fit's."""
    gt = _fit(drift, unbalanced="pairwise", method=method, covariates=covariates)
    for g, t, b in [(4, 5, 3), (6, 8, 5), (6, 3, 2)]:
        pair = drift[drift["t"].isin([b, t]) & drift["g"].isin([0, g])]
        both = pair.groupby("id")["t"].transform("size") == 2
        # the same 2x2 as a two-period panel: base -> 1, t -> 2, cohort g -> 2
        two = pair[both].assign(t=np.where(pair["t"][both] == t, 2, 1),
                                g=np.where(pair["g"][both] == g, 2, 0))
        ref = _fit(two, method=method, covariates=covariates)
        est, se = _cell(gt, g, t)
        est_ref, se_ref = _cell(ref, 2, 2)
        assert est == pytest.approx(est_ref, abs=1e-10)
        assert se == pytest.approx(se_ref, rel=1e-10)


def test_pairwise_recovers_the_truth_where_rcs_drifts(drift):
    """Units with high fixed effects leave early (more so among the treated): every
    event-time estimate of "pairwise" is within 3 SE of the truth, "rcs" is not."""
    truth = {"pairwise": None, "rcs": None}
    for mode in truth:
        f = _fit(drift, unbalanced=mode).aggregate("dynamic").to_frame()
        z = (f["estimate"] - np.where(f["event_time"] >= 0, 1.0, 0.0)) / f["std_error"]
        truth[mode] = np.abs(z.to_numpy())
    assert truth["pairwise"].max() < 3, truth["pairwise"]
    assert truth["rcs"].max() > 4, truth["rcs"]


def test_cluster_and_weights_follow_the_units_of_each_cell(drift):
    df = drift.assign(school=drift["id"] % 40, w=1.0 + (drift["id"] % 3))
    gt = _fit(df, unbalanced="pairwise", cluster="school", weights="w")
    es = gt.aggregate("dynamic")
    assert np.isfinite(es.std_error).all() and es.overall_se > 0
    assert "units observed in both its periods" in gt.estimand


def test_unknown_choice_is_named():
    df = staggered_panel(n_units=50, periods=4)
    with pytest.raises(SpecError, match="unbalanced"):
        att_gt(df, "y", "id", "t", "g", unbalanced="chained")
