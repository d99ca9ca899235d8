"""Budgeting on the synthetic municipality: prices from its service events, and the HOLF
estimate turned into a ten-year investment account per sector."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from effekt import budgeting as bud
from effekt.data import RecordStore, panel, trajectories
from effekt.estimators import matched_did
from effekt.synthetic import SECTORS

DATA = Path(__file__).resolve().parents[2] / "synthetic_data"
SA_MONTH_NOK = 9_718  # Statistics Norway 2019, CALIBRATION.md


@pytest.fixture(scope="module")
def store():
    return RecordStore.open(DATA)


def test_trajectory_prices_from_service_events(store):
    traj = trajectories(store, gap_days=90)
    cat = bud.price_catalogue(traj, trim=0.99, price_year=2024)
    tab = cat.table.set_index("trajectory_type")
    assert set(tab.index) == set(traj["trajectory_type"].unique())
    # case-weighted mean weight is one (DRG-style relative weights)
    assert np.average(tab["weight"], weights=tab["n_cases"]) == pytest.approx(1.0, abs=1e-12)
    assert (tab["price"] > 0).all()
    # trimming only lowers a type's mean cost
    assert (tab["trimmed_mean_cost"] <= tab["mean_cost"] + 1e-6).all()
    shares = tab[[c for c in tab.columns if c.startswith("share_")]]
    np.testing.assert_allclose(shares.sum(axis=1), 1.0, atol=1e-12)
    assert {c.removeprefix("share_") for c in shares.columns} <= set(SECTORS)


def test_holf_estimate_to_ten_year_investment_account(store):
    covs = ["household_income_nok", "n_children", "prior_social_assistance_months"]
    fp = panel(store, unit="family", period="year",
               outcomes={"social_assistance_months": "mean"}, exposure="holf",
               covariates=covs).dropna(subset=["social_assistance_months"])
    full = fp.groupby("family_id")["period"].transform("size") == fp["period"].nunique()
    study = fp[full & (fp["prior_social_assistance_months"] > 0)]
    res = matched_did(study, "social_assistance_months", "family_id", "period", "cohort",
                      covariates=covs, pre_periods=2)
    est = res.to_frame().query("event_time >= 0")
    assert (est["estimate"] < 0).mean() > 0.5  # HOLF reduces social assistance (planted)

    n_families = 35
    stream = bud.from_effect(res, {"nav_state": SA_MONTH_NOK}, n_cases=n_families,
                             horizon=10, beyond="last")
    mean = stream.mean()
    assert len(mean) == 10
    # avoided cost = -estimate x unit cost x cases, year by year (then the last one held)
    expected = -est["estimate"].to_numpy() * SA_MONTH_NOK * n_families
    k = min(len(expected), 10)
    np.testing.assert_allclose(mean["nav_state"].to_numpy()[:k], expected[:k], rtol=1e-12)

    account = bud.investment_account(
        costs={"nav": [1_800_000.0] * 3}, gains=mean, horizon=10, schedule="r109",
        price_year=2024, measure="HOLF")
    table = account.who_pays_who_gains()
    assert {"nav", "nav_state"} <= set(table["sector"] if "sector" in table else table.index)
    factors = bud.discount_factors(10, "r109")
    flows = np.r_[-1_800_000.0 * np.ones(3), np.zeros(7)] + mean["nav_state"].to_numpy()[:10]
    assert account.npv() == pytest.approx(float(np.sum(flows * factors[:10])), rel=1e-9)
