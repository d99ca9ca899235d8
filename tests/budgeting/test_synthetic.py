"""Budgeting on the synthetic municipality: prices from its service events, and the HOLF
estimate turned into a ten-year investment account per sector."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from effekt import budgeting as bud
from effekt.data import DEFAULT_RULES, RecordStore, panel, trajectories
from effekt.data.trajectories import UNTYPED
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


def test_default_types_carry_the_budget(store):
    """The default rules type (nearly) every trajectory, and the catalogue says how well."""
    traj = trajectories(store, gap_days=90)
    untyped = traj["trajectory_type"].eq(UNTYPED).mean()
    assert untyped < 0.10  # the four groups alone left 77 % untyped
    # each critical group is a type of its own, and no one type is most of the trajectories
    shares = traj["trajectory_type"].value_counts(normalize=True)
    groups = {"risk_family_0_2", "cross_disciplinary", "mental_health_substance", "poverty"}
    assert groups <= set(shares.index)
    assert shares.max() < 0.5
    assert set(shares.index) <= {r.name for r in DEFAULT_RULES} | {UNTYPED}
    cat = bud.price_catalogue(traj, trim=0.99, price_year=2024)
    assert cat.share_typed == pytest.approx(1.0 - untyped, abs=1e-12)
    spread = cat.spread()
    assert spread.index.tolist() == cat.types
    assert spread["n_cases"].sum() == len(traj)
    np.testing.assert_allclose(spread["share_of_cases"].sum(), 1.0)
    order = spread[["p10_cost", "p25_cost", "median_cost", "p75_cost", "p90_cost"]]
    assert (order.diff(axis=1).iloc[:, 1:] >= 0).all().all()
    np.testing.assert_allclose(spread["iqr_cost"], spread["p75_cost"] - spread["p25_cost"])
    np.testing.assert_allclose(spread["cv_cost"], spread["sd_cost"] / spread["price"])
    assert (spread["cv_cost"] > 0).all()
    assert "Share of trajectories typed" in cat.summary()


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


def test_share_typed_and_spread_of_hand_defined_catalogues():
    base = {"price": [100.0, 50.0], "mean_duration_years": [1.0, 1.0], "share_nav": [1.0, 1.0]}
    typed = bud.define_catalogue(pd.DataFrame({"trajectory_type": ["a", "b"], **base}))
    assert typed.share_typed == 1.0  # no "other" type
    assert typed.spread()[["median_cost", "cv_cost", "iqr_cost"]].isna().all().all()
    counts = pd.DataFrame({"trajectory_type": ["a", UNTYPED], **base})
    assert np.isnan(bud.define_catalogue(counts).share_typed)  # "other", but no counts
    cat = bud.define_catalogue(counts.assign(n_cases=[3, 1]))
    assert cat.share_typed == 0.75
    assert cat.scaled(2.0).share_typed == 0.75
    assert cat.spread()["share_of_cases"].tolist() == [0.75, 0.25]
