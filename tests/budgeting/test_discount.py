import numpy as np
import pytest

from effekt.budgeting.accounts import investment_account
from effekt.budgeting.discount import (
    PRESETS,
    DiscountSchedule,
    benefit_cost_ratio,
    discount_factors,
    get_schedule,
    npv,
    payback_year,
)
from effekt.errors import SpecError


def test_r109_bands_boundaries():
    r = get_schedule("r109").rates(80)
    # year t uses r[t-1]: years 1..40 at 4 %, 41..75 at 3 %, 76.. at 2 %
    assert r[39] == 0.04 and r[40] == 0.03
    assert r[74] == 0.03 and r[75] == 0.02


def test_banded_npv_crossing_40_and_75_by_hand():
    flows = np.zeros(81)
    flows[[0, 39, 40, 41, 75, 76, 80]] = [-1000, 100, 200, 300, 400, 500, 600]
    f40 = 1.04**-40
    f39 = 1.04**-39
    f41 = f40 / 1.03
    f75 = f40 / 1.03**35
    f76 = f75 / 1.02
    f80 = f75 / 1.02**5
    expected = -1000 + 100 * f39 + 200 * f40 + 300 * f41 + 400 * f75 + 500 * f76 + 600 * f80
    assert npv(flows) == pytest.approx(expected, abs=1e-9)
    # not the same as applying the year-t band rate over all t years (the "spot" mistake)
    wrong = -1000 + 100 * f39 + 200 * f40 + 300 * 1.03**-41
    assert abs(npv(flows[:42]) - wrong) > 1.0


def test_presets_boundaries():
    dk = get_schedule("denmark").rates(72)
    assert dk[34] == 0.035 and dk[35] == 0.025 and dk[69] == 0.025 and dk[70] == 0.015
    gb = get_schedule("green_book").rates(127)
    assert gb[29] == 0.035 and gb[30] == 0.03 and gb[74] == 0.03 and gb[75] == 0.025
    assert gb[124] == 0.025 and gb[125] == 0.02
    nz = get_schedule("nz_treasury").rates(101)
    assert nz[29] == 0.02 and nz[30] == 0.015 and nz[99] == 0.015 and nz[100] == 0.01
    assert get_schedule("nz_treasury_8pct").rates(3).tolist() == [0.08] * 3
    assert set(PRESETS) == {"r109", "denmark", "green_book", "nz_treasury", "nz_treasury_8pct"}


def test_factors_year0_and_flat():
    f = discount_factors(3, 0.05)
    np.testing.assert_allclose(f, [1, 1 / 1.05, 1 / 1.05**2, 1 / 1.05**3], rtol=0, atol=1e-15)


def test_npv_vectorised_over_draws():
    flows = np.array([[-100.0, 104.0], [-100.0, 208.0]])
    np.testing.assert_allclose(npv(flows, 0.04), [0.0, 100.0], atol=1e-9)


def test_payback_and_bcr():
    assert payback_year([-100, 30, 40, 50], 0.0) == 3
    assert payback_year([-100, 30, 40], 0.0) is None
    assert payback_year([0, 10], 0.0) == 0
    # dips below zero again later: payback is after the last dip
    assert payback_year([-10, 20, -30, 40], 0.0) == 3
    assert benefit_cost_ratio([0, 104, 0], [50, 0, 0], 0.04) == pytest.approx(2.0, abs=1e-12)


def test_bad_schedules():
    with pytest.raises(SpecError, match="schedule='uk'"):
        get_schedule("uk")
    with pytest.raises(SpecError, match="last_year"):
        DiscountSchedule("x", ((0.04, 40), (0.03, 30), (0.02, None)))
    with pytest.raises(SpecError, match="last band"):
        DiscountSchedule("x", ((0.04, 40),))
    with pytest.raises(SpecError, match="missing or infinite"):
        npv([1.0, np.nan])
    with pytest.raises(SpecError, match="costs must be positive"):
        benefit_cost_ratio([1.0], [0.0])


def test_investment_account_by_hand():
    acc = investment_account(
        costs={"nav": [1000.0, 500.0]},
        gains={"nav_state": 400.0, "281": 100.0},  # KOSTRA 281 -> nav
        horizon=4,
        lag=1,
        drop_off=0.5,
        deadweight=0.2,
        duration=2,
        schedule=0.0,
        price_year=2024,
        measure="HOLF",
    )
    # gains start in year 1; 0.8 * (1, 0.5) for two years, then none
    np.testing.assert_allclose(acc.gains["nav_state"], [0, 320, 160, 0, 0])
    np.testing.assert_allclose(acc.gains["nav"], [0, 80, 40, 0, 0])
    np.testing.assert_allclose(acc.costs["nav"], [1000, 500, 0, 0, 0])
    tab = acc.who_pays_who_gains().set_index("sector")
    assert tab.loc["nav", "pv_net"] == pytest.approx(120 - 1500, abs=1e-9)
    assert tab.loc["nav_state", "pv_net"] == pytest.approx(480, abs=1e-9)
    assert tab.loc["total", "pv_net"] == pytest.approx(600 - 1500, abs=1e-9)
    assert acc.npv() == pytest.approx(-900, abs=1e-9)
    assert acc.benefit_cost_ratio() == pytest.approx(600 / 1500, abs=1e-12)
    assert acc.payback_year() is None
    assert "Net present value: -900 NOK" in acc.summary()
    frame = acc.to_frame()
    assert set(frame["kind"]) == {"cost", "gain"}
    assert frame["amount_nok"].sum() == pytest.approx(2100, abs=1e-9)
    fig = acc.plot()
    assert len(fig.axes[0].patches) == 2 * 2


def test_investment_account_discounted_payback():
    acc = investment_account(
        costs={"nav": [1_000_000]}, gains={"nav_state": 150_000, "barnevern": 100_000},
        horizon=10, lag=1, drop_off=0.1, deadweight=0.2,
    )
    net = acc.net_flows().to_numpy()
    f = 1.04 ** -np.arange(11)
    cum = np.cumsum(net * f)
    assert acc.payback_year() == int(np.argmax(cum >= 0))
    assert acc.npv() == pytest.approx(cum[-1], rel=1e-12)


def test_investment_account_errors():
    with pytest.raises(SpecError, match="not a known sector"):
        investment_account(costs={"kultur": 1.0}, gains={"nav": 1.0}, horizon=3)
    with pytest.raises(SpecError, match="deadweight"):
        investment_account(costs={"nav": 1.0}, gains={"nav": 1.0}, horizon=3, deadweight=1.5)
    with pytest.raises(SpecError, match="horizon=3 allows 4"):
        investment_account(costs={"nav": [1.0] * 5}, gains={"nav": 1.0}, horizon=3)
    with pytest.raises(SpecError, match="non-negative"):
        investment_account(costs={"nav": -1.0}, gains={"nav": 1.0}, horizon=3)


def test_npv_under_trend_violation_takes_the_least_favourable_end():
    from effekt.budgeting import npv_under_trend_violation
    from effekt.errors import SpecError
    grid = [{"m": 0.0, "ci_lower": -2.0, "ci_upper": 0.0},
            {"m": 1.0, "ci_lower": -4.0, "ci_upper": 2.0}]
    # a good outcome (employment) has a negative price: a higher effect saves money, so the
    # least favourable end is the lower one
    good = {"nok_per_unit": -100.0, "n_cases": 1.0, "effects": [-1.0, -1.0, np.nan],
            "estimate": -1.0, "grid": grid}
    out = npv_under_trend_violation([good], schedule=0.0)
    assert out["npv_nok"].tolist() == [-200.0, -400.0, -800.0]
    # two outcomes: each moved to its own worst end, the flows summed
    cost = {"nok_per_unit": 100.0, "n_cases": 1.0, "effects": [-1.0, -1.0, np.nan],
            "estimate": -1.0, "grid": grid}
    both = npv_under_trend_violation([good, cost], schedule=0.0)
    assert both["npv_nok"].tolist() == [0.0, -400.0, -1200.0]
    with pytest.raises(SpecError, match="same grid"):
        npv_under_trend_violation([good, {**cost, "grid": grid[:1]}])
