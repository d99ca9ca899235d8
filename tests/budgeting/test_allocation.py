import numpy as np
import pandas as pd
import pytest

from effekt.budgeting.allocation import (
    calibrate_budget_neutral,
    compare_allocations,
    incentives,
    rate_card_payout,
    round_to_krone,
    service_budget,
    trajectory_budget,
)
from effekt.budgeting.catalogue import define_catalogue, price_catalogue, winsorise
from effekt.errors import DataError


def _synthetic_trajectories(seed=0, n=20_000):
    rng = np.random.default_rng(seed)
    base = {"A": 100_000.0, "B": 200_000.0, "C": 400_000.0}
    x = rng.poisson(2.0, n).astype(float)  # e.g. number of children: raises cost
    # type composition depends on x (heavier types for larger families): confounding
    p_c = 1 / (1 + np.exp(-(x - 3)))
    u = rng.uniform(size=n)
    typ = np.where(u < p_c, "C", np.where(u < p_c + (1 - p_c) / 2, "B", "A"))
    cost = np.array([base[t] for t in typ]) + 30_000.0 * x + rng.normal(0, 5_000, n)
    share_nav = 0.6
    return pd.DataFrame({
        "person_id": np.arange(n), "trajectory_type": typ, "n_children": x,
        "duration_days": np.where(typ == "C", 730, 365),
        "cost_nav": cost * share_nav, "cost_barnevern": cost * (1 - share_nav),
        "cost_total": cost,
    }), base


def test_risk_adjusted_prices_recover_planted_weights():
    df, base = _synthetic_trajectories()
    xbar = df["n_children"].mean()
    cat = price_catalogue(df, trim=None, case_mix="n_children", price_year=2024)
    price = cat.table.set_index("trajectory_type")["price"]
    # planted price at the average case mix: base + 30,000 * xbar (noise sd 5,000, n >= 4,000
    # per type -> se < 100 NOK; tolerance 500 NOK = 5 se)
    for t, b in base.items():
        assert price[t] == pytest.approx(b + 30_000 * xbar, abs=500)
    assert cat.case_mix.loc["n_children", "beta"] == pytest.approx(30_000, abs=200)
    # relative weights recover the planted ratios of prices
    w = cat.table.set_index("trajectory_type")["weight"]
    assert w["C"] / w["A"] == pytest.approx(price["C"] / price["A"], rel=1e-12)
    n = cat.table.set_index("trajectory_type")["n_cases"]
    assert (w * n).sum() / n.sum() == pytest.approx(1.0, abs=1e-12)
    # unadjusted means are confounded (type C has larger families)
    raw = cat.table.set_index("trajectory_type")["mean_cost"]
    assert raw["C"] - price["C"] > 10_000
    # sector shares and duration
    shares = cat.shares()
    np.testing.assert_allclose(shares["nav"], 0.6, atol=1e-12)
    assert cat.table.set_index("trajectory_type").loc["C", "mean_duration_years"] == (
        pytest.approx(730 / 365.25, abs=1e-12))
    # case price for a family with 4 children of type A
    cp = cat.case_price(pd.DataFrame({"trajectory_type": ["A"], "n_children": [4.0]}))
    assert cp.iloc[0] == pytest.approx(100_000 + 120_000, abs=600)
    assert "Case-mix" in cat.summary()


def test_winsorise_and_trim_by_hand():
    s = pd.Series([1.0, 2.0, 3.0, 4.0, 100.0])
    q = s.quantile(0.8)  # 4 + 0.2*(100-4)... numpy linear: 23.2
    assert winsorise(s, 0.8).tolist() == [1.0, 2.0, 3.0, 4.0, q]
    df = pd.DataFrame({"trajectory_type": "A", "duration_days": 365,
                       "cost_nav": s, "cost_total": s})
    cat = price_catalogue(df, trim=0.8)
    assert cat.table["price"].item() == pytest.approx((10 + q) / 5, abs=1e-9)
    assert cat.table["mean_cost"].item() == pytest.approx(22.0, abs=1e-12)


def _setup():
    cat = define_catalogue(pd.DataFrame({
        "trajectory_type": ["light", "heavy"], "price": [100_000.0, 600_000.0],
        "mean_duration_years": [1.0, 3.0], "share_nav": [0.8, 0.3],
        "share_barnevern": [0.2, 0.7]}), price_year=2024)
    years = [2025, 2026, 2027]
    caseload = pd.DataFrame({
        "year": np.repeat(years, 2), "trajectory_type": ["light", "heavy"] * 3,
        "n_new": [40, 7, 42, 8, 45, 9], "n_ongoing": [3, 13, 3, 14, 4, 15]})
    volumes = pd.DataFrame({
        "year": np.repeat(years, 3), "provider": ["nav", "nav", "barnevern"] * 3,
        "measure_id": ["sosialhjelp", "oppfolging", "tiltak"] * 3,
        "volume": [1000, 300, 120, 1020, 310, 125, 1050, 320, 130],
        "unit_cost": [9_718.0, 1_333.33, 85_000.0] * 3})
    return cat, caseload, volumes


def test_budget_neutral_calibration_and_sums():
    cat, caseload, volumes = _setup()
    sv = service_budget(volumes)
    cat2, factor = calibrate_budget_neutral(caseload, cat, sv, base_year=2025)
    assert factor > 0
    tb = trajectory_budget(caseload, cat2, withhold=0.1)
    # base year: both models hand out the same total, to the krone
    assert tb.loc[tb.year == 2025, "trajectory_budget"].sum() == (
        sv.loc[sv.year == 2025, "service_budget"].sum())
    # every year: provider budgets add up to the (krone-rounded) total budget
    ppy = cat2.table.set_index("trajectory_type")["price_per_year"]
    for y, g in caseload.groupby("year"):
        total = ((g.n_new + g.n_ongoing) * g.trajectory_type.map(ppy)).sum()
        assert tb.loc[tb.year == y, "trajectory_budget"].sum() == np.round(total)
        assert (tb.loc[tb.year == y, "base_payment"] + tb.loc[tb.year == y, "withheld"]).sum() == (
            np.round(total))
    assert (tb["trajectory_budget"] == np.round(tb["trajectory_budget"])).all()
    # relative weights unchanged by calibration
    np.testing.assert_allclose(cat2.table["weight"], cat.table["weight"], rtol=1e-12)
    cmp = compare_allocations(sv, tb)
    base = cmp[cmp.year == 2025]
    assert base["service_budget"].sum() == base["trajectory_budget"].sum()


def test_trajectory_budget_by_hand_shares_and_lead():
    cat, caseload, _ = _setup()
    cl = caseload[caseload.year == 2025]
    tb = trajectory_budget(cl, cat).set_index("provider")
    # light: 43 cases * 100,000/yr; heavy: 20 * 200,000/yr
    assert tb.loc["nav", "trajectory_budget"] == 43 * 100_000 * 0.8 + 20 * 200_000 * 0.3
    assert tb.loc["barnevern", "trajectory_budget"] == 43 * 100_000 * 0.2 + 20 * 200_000 * 0.7
    lead = trajectory_budget(cl, cat, lead_provider={"heavy": "barnevern"}).set_index("provider")
    assert lead.loc["barnevern", "trajectory_budget"] == 43 * 100_000 * 0.2 + 20 * 200_000
    bad = pd.DataFrame({"trajectory_type": ["light", "heavy"], "provider": ["nav", "nav"],
                        "share": [1.0, 0.9]})
    with pytest.raises(DataError, match="do not sum to 1.*heavy"):
        trajectory_budget(cl, cat, shares=bad)


def test_round_to_krone_sum():
    v = np.array([1000.4, 2000.4, 3000.3, 0.9])
    r = round_to_krone(v)
    assert r.sum() == np.round(v.sum()) and (r == np.round(r)).all()


def test_rate_card_with_caps_by_hand():
    rc = pd.DataFrame({"outcome": ["off_assistance_6m", "school_attendance", "job"],
                       "price": [50_000.0, 10_000.0, 80_000.0],
                       "cap": [60_000.0, np.nan, np.nan]})
    oc = pd.DataFrame({
        "case_id": [1, 1, 2, 3, 3, 4],
        "provider": ["nav", "nav", "nav", "skole", "skole", "nav"],
        "year": 2025,
        "outcome": ["off_assistance_6m", "off_assistance_6m", "off_assistance_6m",
                    "school_attendance", "job", "job"],
        "count": [1, 1, 1, 3, 1, 2]})
    out = rate_card_payout(oc, rc, cap_per_case=100_000).set_index("provider")
    # case 1: 2 x 50,000 = 100,000 capped at 60,000 (outcome cap)
    # case 2: 50,000; case 4: 2 x 80,000 = 160,000 capped at 100,000 (case cap)
    assert out.loc["nav", "payout"] == 60_000 + 50_000 + 100_000
    assert out.loc["nav", "payout_uncapped"] == 100_000 + 50_000 + 160_000
    # case 3: 30,000 + 80,000 = 110,000 -> case cap 100,000
    assert out.loc["skole", "payout"] == 100_000
    assert out.loc["nav", "n_cases"] == 3
    with pytest.raises(DataError, match="not on the rate card"):
        rate_card_payout(oc.assign(outcome="other"), rc)


def test_incentives_by_hand():
    b = pd.DataFrame({"provider": ["nav"], "cost": [1_000_000.0], "outcome_payment": [50_000.0]})
    t = incentives(b, volume_cut=0.1, outcome_gain=0.2, cream_skim=0.1, easier_cost_gap=0.5,
                   risk_capture=0.4).set_index(["scenario", "model"])
    assert t.loc[("volume_cut", "service"), "margin_change"] == 0.0
    assert t.loc[("volume_cut", "trajectory"), "margin_change"] == 100_000.0
    assert t.loc[("better_outcomes", "trajectory"), "margin_change"] == 10_000.0
    assert t.loc[("better_outcomes", "service"), "margin_change"] == 0.0
    assert t.loc[("cream_skimming", "trajectory"), "margin_change"] == pytest.approx(30_000.0)
    assert t.loc[("cream_skimming", "service"), "margin_change"] == 0.0


def test_yearly_price_of_short_trajectories_is_not_inflated():
    """A trajectory shorter than a year is active in one projection year: price / max(D, 1)."""
    from effekt.budgeting import define_catalogue

    cat = define_catalogue(pd.DataFrame({
        "trajectory_type": ["short", "long"], "price": [1000.0, 9000.0],
        "mean_duration_years": [0.25, 3.0], "share_nav": [1.0, 1.0]}), price_year=2024)
    per_year = cat.table.set_index("trajectory_type")["price_per_year"]
    assert per_year["short"] == 1000.0
    assert per_year["long"] == 3000.0
