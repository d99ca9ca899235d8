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


# --- caps per case and year across providers (issue 11, item 7) ---------------------------

_RC = pd.DataFrame({"outcome": ["off_assistance_6m", "school_attendance", "job"],
                    "price": [50_000.0, 10_000.0, 80_000.0],
                    "cap": [60_000.0, np.nan, np.nan]})


def _by_provider(out):
    return out.set_index("provider")


def test_case_cap_applies_across_providers():
    # one case, 30,000 recorded by nav and 30,000 by skole: 60,000 uncapped, 40,000 cap
    oc = pd.DataFrame({"case_id": [7, 7], "provider": ["nav", "skole"], "year": 2025,
                       "outcome": "school_attendance", "count": [3, 3]})
    out = rate_card_payout(oc, _RC, cap_per_case=40_000)
    assert list(out.columns) == ["year", "provider", "n_cases", "payout_uncapped", "payout"]
    assert out["payout_uncapped"].sum() == 60_000
    assert out["payout"].sum() == pytest.approx(40_000, rel=1e-12)
    p = _by_provider(out)
    assert p.loc["nav", "payout"] == pytest.approx(20_000, rel=1e-12)
    assert p.loc["skole", "payout"] == pytest.approx(20_000, rel=1e-12)
    assert p["n_cases"].tolist() == [1, 1]  # the shared case counts for both providers


def test_outcome_cap_applies_across_providers():
    # off_assistance_6m is capped at 60,000 per case and year: 50,000 by each of two
    # providers is 100,000 uncapped, 60,000 capped, split 1:1
    oc = pd.DataFrame({"case_id": [1, 1], "provider": ["nav", "barnevern"], "year": 2025,
                       "outcome": "off_assistance_6m", "count": [1, 1]})
    p = _by_provider(rate_card_payout(oc, _RC))
    assert p["payout"].sum() == pytest.approx(60_000, rel=1e-12)
    assert p.loc["nav", "payout"] == pytest.approx(30_000, rel=1e-12)
    assert p.loc["barnevern", "payout"] == pytest.approx(30_000, rel=1e-12)
    # the same outcome in another year is capped on its own
    p2 = rate_card_payout(pd.concat([oc, oc.assign(year=2026)], ignore_index=True), _RC)
    assert p2.groupby("year")["payout"].sum().tolist() == pytest.approx([60_000, 60_000])


def test_capped_payout_is_attributed_proportionally():
    # case 1: nav 3 x 10,000 = 30,000, skole 1 x 80,000 = 80,000 -> 110,000 capped to 55,000
    oc = pd.DataFrame({"case_id": [1, 1], "provider": ["nav", "skole"], "year": 2025,
                       "outcome": ["school_attendance", "job"], "count": [3, 1]})
    p = _by_provider(rate_card_payout(oc, _RC, cap_per_case=55_000))
    assert p.loc["nav", "payout"] == pytest.approx(55_000 * 30 / 110, rel=1e-12)
    assert p.loc["skole", "payout"] == pytest.approx(55_000 * 80 / 110, rel=1e-12)
    # outcome cap first, then the case cap on the outcome-capped shares: nav's
    # 2 x 50,000 off_assistance is capped at 60,000; skole's 40,000 job part is not capped
    oc = pd.DataFrame({"case_id": [1, 1], "provider": ["nav", "skole"], "year": 2025,
                       "outcome": ["off_assistance_6m", "job"], "count": [2, 0.5]})
    p = _by_provider(rate_card_payout(oc, _RC))
    assert p.loc["nav", "payout"] == pytest.approx(60_000, rel=1e-12)
    assert p.loc["skole", "payout"] == pytest.approx(40_000, rel=1e-12)
    p = _by_provider(rate_card_payout(oc, _RC, cap_per_case=50_000))
    assert p.loc["nav", "payout"] == pytest.approx(50_000 * 60 / 100, rel=1e-12)
    assert p.loc["skole", "payout"] == pytest.approx(50_000 * 40 / 100, rel=1e-12)
    # the outcome cap shared by two providers of the same outcome: by uncapped shares
    oc = pd.DataFrame({"case_id": [1, 1], "provider": ["nav", "skole"], "year": 2025,
                       "outcome": "off_assistance_6m", "count": [3, 1]})
    p = _by_provider(rate_card_payout(oc, _RC))
    assert p.loc["nav", "payout"] == pytest.approx(45_000, rel=1e-12)
    assert p.loc["skole", "payout"] == pytest.approx(15_000, rel=1e-12)


def _capped_case_totals(oc, rc, cap_per_case):
    """Reference: the capped payout of each case and year, over all its providers."""
    price = rc.set_index("outcome")["price"]
    cap = rc.set_index("outcome")["cap"].fillna(np.inf)
    per = (oc.assign(v=oc["count"] * oc["outcome"].map(price))
           .groupby(["year", "case_id", "outcome"])["v"].sum().reset_index())
    per["v"] = np.minimum(per["v"], per["outcome"].map(cap))
    case = per.groupby(["year", "case_id"])["v"].sum()
    return np.minimum(case, np.inf if cap_per_case is None else cap_per_case)


def _random_outcomes(seed, n=3_000, providers=("nav", "skole", "barnevern", "helse")):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "case_id": rng.integers(0, 400, n), "provider": rng.choice(providers, n),
        "year": rng.integers(2025, 2028, n), "outcome": rng.choice(_RC["outcome"], n),
        "count": rng.integers(0, 4, n) + rng.uniform(0, 1, n).round(3)})


@pytest.mark.parametrize("cap_per_case", [None, 40_000.0, 123_456.789])
def test_yearly_totals_equal_the_capped_case_totals(cap_per_case):
    oc = _random_outcomes(1)
    out = rate_card_payout(oc, _RC, cap_per_case=cap_per_case)
    ref = _capped_case_totals(oc, _RC, cap_per_case).groupby("year").sum()
    got = out.groupby("year")["payout"].sum()
    assert got.index.tolist() == ref.index.tolist()
    assert np.isclose(got.to_numpy(), ref.to_numpy(), rtol=1e-9, atol=0).all()
    uncapped = oc.assign(v=oc["count"] * oc["outcome"].map(_RC.set_index("outcome")["price"]))
    np.testing.assert_allclose(out.groupby("year")["payout_uncapped"].sum(),
                               uncapped.groupby("year")["v"].sum(), rtol=1e-12)
    assert (out["payout"] <= out["payout_uncapped"] * (1 + 1e-12)).all()
    assert (out["payout"] >= 0).all()


@pytest.mark.parametrize("cap_per_case", [None, 40_000.0])
def test_single_provider_cases_are_paid_as_before(cap_per_case):
    # every case has one provider: the payout is the per-provider capped payout it
    # always was (sum over cases of min(sum over outcomes of min(v, cap), cap_per_case))
    oc = _random_outcomes(2)
    first = oc.groupby("case_id")["provider"].transform("first")
    oc = oc.assign(provider=first)
    out = rate_card_payout(oc, _RC, cap_per_case=cap_per_case)
    ref = (_capped_case_totals(oc, _RC, cap_per_case).rename("payout").reset_index()
           .merge(oc[["case_id", "provider"]].drop_duplicates(), on="case_id")
           .groupby(["year", "provider"])["payout"].sum())
    got = out.set_index(["year", "provider"])["payout"]
    assert got.index.equals(ref.index)
    np.testing.assert_allclose(got.to_numpy(), ref.to_numpy(), rtol=1e-12)
    n_ref = oc.groupby(["year", "provider"])["case_id"].nunique()
    assert out.set_index(["year", "provider"])["n_cases"].equals(n_ref.rename("n_cases"))
