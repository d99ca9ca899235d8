"""Parity of att_gt / aggregate with R did 2.5.1 (mpdta) and with moderndid (notyet, universal,
anticipation, repeated cross-sections).

R references: ../shared/reference/did_mpdta/ (R did 2.5.1, analytic SEs, see shared/README.md).
Peer references: tests/fixtures/did_peers/ (moderndid 0.2.0; provenance line in each file, made
by tests/fixtures/did_peers/make_peers.py). Tolerance: 1e-6 absolute on estimates and SEs.
"""

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from effekt.estimators.did.staggered import att_gt

REF = Path(__file__).parents[4] / "shared" / "reference" / "did_mpdta"
PEERS = Path(__file__).parents[2] / "fixtures" / "did_peers"
TOL = 1e-6

pytestmark = pytest.mark.skipif(
    not (REF / "mpdta.csv").exists(), reason=f"R did reference data missing at {REF}"
)

R_SCENARIOS = {
    "mpdta_nev_dr": dict(method="dr"),
    "mpdta_nev_ipw": dict(method="ipw"),
    "mpdta_nev_reg_cov": dict(method="reg", covariates="lpop"),
}
PEER_SCENARIOS = {
    "notyet_dr": dict(control="notyet"),
    "notyet_ipw_cov": dict(control="notyet", method="ipw", covariates="lpop"),
    "never_dr_universal": dict(base_period="universal"),
    "notyet_reg_universal_cov": dict(
        control="notyet", method="reg", base_period="universal", covariates="lpop"
    ),
    "never_dr_antic1": dict(anticipation=1),
    "notyet_dr_antic1_universal": dict(control="notyet", anticipation=1, base_period="universal"),
    "rc_never_dr_cov": dict(panel=False, covariates="lpop"),
    "rc_notyet_ipw": dict(panel=False, control="notyet", method="ipw"),
    "rc_never_reg_cov": dict(panel=False, method="reg", covariates="lpop"),
}


@pytest.fixture(scope="module")
def mpdta():
    return pd.read_csv(REF / "mpdta.csv")


def _fit(mpdta, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return att_gt(mpdta, outcome="lemp", unit="countyreal", time="year",
                      cohort="first.treat", **kw)


def _check(gt, cells, aggs):
    fr = gt.to_frame()
    assert len(fr) == len(cells)
    np.testing.assert_allclose(fr["group"], cells["group"])
    np.testing.assert_allclose(fr["time"], cells["t"])
    np.testing.assert_allclose(fr["estimate"], cells["att"], atol=TOL, rtol=0)
    np.testing.assert_allclose(fr["std_error"], cells["se"], atol=TOL, rtol=0)
    kinds = aggs["type"].unique()
    assert len(kinds) == 4
    for kind in kinds:
        ref = aggs[aggs["type"] == kind]
        agg = gt.aggregate(kind)
        assert agg.overall_att == pytest.approx(ref["overall_att"].iloc[0], abs=TOL)
        assert agg.overall_se == pytest.approx(ref["overall_se"].iloc[0], abs=TOL)
        if kind != "simple":
            np.testing.assert_allclose(agg.labels, ref["egt"])
            np.testing.assert_allclose(agg.estimate, ref["att_egt"], atol=TOL, rtol=0)
            np.testing.assert_allclose(agg.std_error, ref["se_egt"], atol=TOL, rtol=0)


@pytest.mark.parametrize("scenario", sorted(R_SCENARIOS))
def test_r_did_parity(mpdta, scenario):
    cells = pd.read_csv(REF / "r_did_attgt.csv")
    aggs = pd.read_csv(REF / "r_did_aggte.csv")
    gt = _fit(mpdta, **R_SCENARIOS[scenario])
    cells, aggs = cells[cells.scenario == scenario], aggs[aggs.scenario == scenario]
    if scenario == "mpdta_nev_ipw":  # R reference has the simple aggregation only here
        agg = gt.aggregate("simple")
        assert agg.overall_att == pytest.approx(aggs["overall_att"].iloc[0], abs=TOL)
        assert agg.overall_se == pytest.approx(aggs["overall_se"].iloc[0], abs=TOL)
        fr = gt.to_frame()
        np.testing.assert_allclose(fr["estimate"], cells["att"], atol=TOL, rtol=0)
        np.testing.assert_allclose(fr["std_error"], cells["se"], atol=TOL, rtol=0)
        return
    _check(gt, cells, aggs)


@pytest.mark.parametrize("scenario", sorted(R_SCENARIOS))
def test_pretrend_wald_matches_r(mpdta, scenario):
    ref = pd.read_csv(REF / "r_did_pretest.csv").set_index("scenario").loc[scenario]
    test = _fit(mpdta, **R_SCENARIOS[scenario]).pretrend_test()
    assert test.statistic == pytest.approx(ref["W"], abs=1e-6)
    assert round(test.p_value, 5) == pytest.approx(ref["Wpval"], abs=1e-12)
    assert test.df == 5
    if scenario == "mpdta_nev_dr":
        assert "W = 7.7912" in test.summary() and "0.16812" in test.summary()


@pytest.mark.parametrize("scenario", sorted(PEER_SCENARIOS))
def test_moderndid_parity(mpdta, scenario):
    cells = pd.read_csv(PEERS / "moderndid_attgt.csv", comment="#")
    aggs = pd.read_csv(PEERS / "moderndid_aggte.csv", comment="#")
    gt = _fit(mpdta, **PEER_SCENARIOS[scenario])
    _check(gt, cells[cells.scenario == scenario], aggs[aggs.scenario == scenario])


def test_universal_reference_cell_is_zero_without_se(mpdta):
    gt = _fit(mpdta, base_period="universal")
    fr = gt.to_frame()
    ref = fr[fr["time"] == fr["group"] - 1]
    assert (ref["estimate"] == 0).all() and ref["std_error"].isna().all()
    assert (fr["base_period"] == fr["group"] - 1).all()
    # the reference cells are left out of the Wald test (their covariance is zero); the five
    # universal pre-period contrasts are a linear reparametrisation of the varying ones
    test = gt.pretrend_test()
    assert test.df == 5
    assert test.statistic == pytest.approx(_fit(mpdta).pretrend_test().statistic, rel=1e-9)
