"""Boundary checks of the budgeting functions and the workbook reader (issue 10).

Negative or missing case counts, shares, rates and costs are refused where they make no
sense; a workbook year outside the horizon is refused, never dropped; every problem of a
workbook is reported in one run; files that are no workbook give a SpecError (exit 2).
"""

import numpy as np
import pandas as pd
import pytest

import effekt.budgeting as bud
from effekt.budgeting.projection import BudgetModel
from effekt.cli import main
from effekt.errors import DataError, SpecError

openpyxl = pytest.importorskip("openpyxl")


@pytest.fixture
def cat():
    return bud.define_catalogue(pd.DataFrame({
        "trajectory_type": ["light", "heavy"], "price": [100_000.0, 300_000.0],
        "mean_duration_years": [1.0, 3.0], "share_nav": [1.0, 0.5],
        "share_barnevern": [0.0, 0.5]}))


POP = pd.DataFrame({"year": [2025, 2026], "age_group": "0-17", "population": [1000.0, 1100.0]})
INC = pd.DataFrame({"trajectory_type": ["light"], "age_group": ["0-17"], "rate": [0.01]})
EFFECT = pd.DataFrame({"event_time": [0, 1], "estimate": [-1.0, -2.0], "std_error": [0.5, 0.5]})
CASELOAD = pd.DataFrame({"year": [2025], "trajectory_type": ["light"], "n_new": [3.0],
                         "n_ongoing": [1.0]})


def test_caseload_projection_refuses_negative_and_missing_rates(cat):
    # before: a negative rate was refused, a NaN rate went through as 0 new cases
    with pytest.raises(DataError, match=r"incidence: column 'rate' has 1 value\(s\) not >= 0 "
                       r"\(or missing\) \(row 0: -0.01\)"):
        bud.project_caseload(POP, INC.assign(rate=-0.01), cat, years=2)
    with pytest.raises(DataError, match=r"incidence: column 'rate' \(1 missing\) has missing"):
        bud.project_caseload(POP, INC.assign(rate=np.nan), cat, years=2)
    with pytest.raises(DataError, match=r"population: column 'population' \(1 missing\)"):
        bud.project_caseload(POP.assign(population=[np.nan, 1.0]), INC, cat, years=2)
    with pytest.raises(DataError, match=r"population: column 'population' has 1 infinite"):
        bud.project_caseload(POP.assign(population=[np.inf, 1.0]), INC, cat, years=2)
    with pytest.raises(SpecError, match=r"years must be an integer >= 1 and <= 1000"):
        bud.project_caseload(POP, INC, cat, years=10**9)
    with pytest.raises(SpecError, match=r"catalogue must be a Catalogue"):
        bud.project_caseload(POP, INC, "catalogue", years=2)


def test_catalogue_shares_and_counts():
    base = {"trajectory_type": ["t"], "price": [1.0], "mean_duration_years": [1.0]}
    # before: shares 1.5 and -0.5 summed to 1 and were accepted
    with pytest.raises(DataError, match=r"column 'share_nav' has 1 value\(s\) not >= 0 and <= 1 "
                       r"\(or missing\) \(row 0: 1.5\); 'share_barnevern' .*\(row 0: -0.5\)"):
        bud.define_catalogue(pd.DataFrame({**base, "share_nav": [1.5],
                                           "share_barnevern": [-0.5]}))
    with pytest.raises(DataError, match=r"column 'n_cases' has 1 value\(s\) not >= 0"):
        bud.define_catalogue(pd.DataFrame({**base, "share_nav": [1.0], "n_cases": [-3.0]}))
    with pytest.raises(DataError, match=r"column 'price' has 1 infinite"):
        bud.define_catalogue(pd.DataFrame({**base, "price": [np.inf], "share_nav": [1.0]}))
    tr = pd.DataFrame({"trajectory_type": ["a", "a"], "duration_days": [100, -5],
                       "cost_nav": [1.0, 2.0], "cost_total": [1.0, 2.0]})
    with pytest.raises(DataError, match=r"trajectories: column 'duration_days' has 1 value\(s\) "
                       r"not >= 0 \(or missing\) \(row 1: -5\)"):
        bud.price_catalogue(tr, trim=None)
    with pytest.raises(SpecError, match=r"type_col='duration_days' .* must name other columns"):
        bud.price_catalogue(tr, type_col="duration_days")


def test_from_effect_counts_and_years():
    # before: n_cases=-1 flipped the sign of every avoided cost
    with pytest.raises(SpecError, match=r"n_cases must be a finite number >= 0, got -1"):
        bud.from_effect(EFFECT, {"nav": 1.0}, n_cases=-1)
    with pytest.raises(SpecError, match=r"n_cases must be a finite number >= 0, got nan"):
        bud.from_effect(EFFECT, {"nav": 1.0}, n_cases=float("nan"))
    with pytest.raises(SpecError, match=r"start must be an integer >= 0, got -1"):
        bud.from_effect(EFFECT, {"nav": 1.0}, start=-1)
    with pytest.raises(DataError, match=r"event_time must hold whole periods .* found \[0.5\]"):
        bud.from_effect(EFFECT.assign(event_time=[0, 0.5]), {"nav": 1.0})
    with pytest.raises(SpecError, match=r"cost_per_unit\['nav'\] must be a finite number, got "
                       r"'a'"):  # before: ValueError from float()
        bud.from_effect(EFFECT, {"nav": "a"})
    assert bud.from_effect(EFFECT, {"nav": -500.0}).cost_per_unit.tolist() == [-500.0]


def test_investment_account_years_and_shares():
    # a year outside 0..horizon is refused, never dropped (before: read by position)
    for year in (-1, 9):
        with pytest.raises(SpecError, match=rf"costs has year\(s\) \[{year}\] outside the years "
                           r"0..3 it may cover .* refused, not dropped"):
            bud.investment_account(pd.DataFrame({"nav": [1.0]}, index=[year]), {"nav": 1.0},
                                   horizon=3)
    acc = bud.investment_account(pd.DataFrame({"nav": [5.0]}, index=[2]), {"nav": 0.0},
                                 horizon=3)
    assert acc.costs["nav"].tolist() == [0.0, 0.0, 5.0, 0.0]  # placed at its year
    with pytest.raises(SpecError, match=r"drop_off must be a finite number >= 0 and <= 1, got "
                       r"'a'"):  # before: ValueError from float()
        bud.investment_account({"nav": 1.0}, {"nav": 1.0}, horizon=3, drop_off="a")
    with pytest.raises(SpecError, match=r"costs\['nav'\] has missing or infinite values"):
        bud.investment_account({"nav": [np.nan]}, {"nav": 1.0}, horizon=3)
    with pytest.raises(SpecError, match=r"costs\['nav'\] has negative amounts"):
        bud.investment_account({"nav": [1.0, -2.0]}, {"nav": 1.0}, horizon=3)


def test_budget_model_and_simulation():
    one = {"types": ("a",), "sectors": ("nav",), "mean_duration": np.array([1.0])}
    with pytest.raises(SpecError, match=r"new_cases must be case counts in \[0, 1e\+12\]"):
        BudgetModel(**one, new_cases=np.array([[-1.0]]), annual_cost=np.array([[1.0]]))
    with pytest.raises(SpecError, match=r"annual_cost has missing or infinite values"):
        BudgetModel(**one, new_cases=np.array([[1.0]]), annual_cost=np.array([[np.nan]]))
    model = bud.example_model(n_types=2, years=2)
    with pytest.raises(SpecError, match=r"seed must be an integer >= 0"):  # before: ValueError
        bud.simulate(model, draws=10, seed=-1)
    with pytest.raises(SpecError, match=r"draws=1000000000 is too many"):  # before: MemoryError
        bud.simulate(model, draws=10**9)
    with pytest.raises(SpecError, match=r"incidence_cv must be a finite number >= 0 and < 10, "
                       r"got 'a'"):  # before: ValueError from float()
        bud.budget_model(_catalogue(), CASELOAD, incidence_cv="a")


def _catalogue():
    return bud.define_catalogue(pd.DataFrame({
        "trajectory_type": ["light"], "price": [1.0], "mean_duration_years": [1.0],
        "share_nav": [1.0]}))


def test_allocation_counts_shares_and_costs(cat):
    vol = pd.DataFrame({"year": 2025, "provider": ["nav"], "measure_id": ["m"],
                        "volume": [1.0], "unit_cost": [np.inf]})
    with pytest.raises(DataError, match=r"volumes: column 'unit_cost' has 1 infinite"):
        bud.service_budget(vol)
    with pytest.raises(DataError, match=r"caseload: column 'n_new' has 1 value\(s\) not >= 0"):
        bud.trajectory_budget(CASELOAD.assign(n_new=-3.0), cat)
    shares = pd.DataFrame({"trajectory_type": ["light", "light", "heavy"],
                           "provider": ["nav", "barnevern", "nav"], "share": [1.5, -0.5, 1.0]})
    with pytest.raises(DataError, match=r"shares: column 'share' has 2 value\(s\) not >= 0 and "
                       r"<= 1 \(or missing\) \(row 0: 1.5; row 1: -0.5\)"):
        bud.trajectory_budget(CASELOAD, cat, shares=shares)
    with pytest.raises(SpecError, match=r"withhold must be a finite number >= 0 and < 1"):
        bud.trajectory_budget(CASELOAD, cat, withhold="a")
    with pytest.raises(DataError, match=r"values must be a 1-D array of finite amounts"):
        bud.round_to_krone(np.array([0.5, np.nan]))  # before: ValueError from int(nan)
    with pytest.raises(DataError, match=r"service has no column 'provider', 'service_budget'"):
        bud.compare_allocations(pd.DataFrame({"year": [1]}), pd.DataFrame({"year": [1]}))


def test_rate_card_and_incentives():
    oc = pd.DataFrame({"case_id": [1], "provider": "nav", "year": 2025, "outcome": "off",
                       "count": [np.nan]})
    rc = pd.DataFrame({"outcome": ["off"], "price": [10.0]})
    # before: a NaN count gave a NaN payout
    with pytest.raises(DataError, match=r"outcomes: column 'count' \(1 missing\)"):
        bud.rate_card_payout(oc, rc)
    with pytest.raises(DataError, match=r"rate_card: column 'price' has 1 value\(s\) not >= 0"):
        bud.rate_card_payout(oc.assign(count=1.0), rc.assign(price=-1.0))
    with pytest.raises(SpecError, match=r"cap_per_case must be a finite number >= 0, got 'a'"):
        bud.rate_card_payout(oc.assign(count=1.0), rc, cap_per_case="a")
    base = pd.DataFrame({"provider": ["nav"], "cost": [-1.0], "outcome_payment": [1.0]})
    with pytest.raises(DataError, match=r"base: column 'cost' has 1 value\(s\) not >= 0"):
        bud.incentives(base)
    with pytest.raises(SpecError, match=r"volume_cut must be a finite number >= 0 and <= 1"):
        bud.incentives(base.assign(cost=1.0), volume_cut="a")


def test_discounting():
    with pytest.raises(SpecError, match=r"cash_flows must be amounts \(numbers\) by year"):
        bud.npv(["a", "b"])
    with pytest.raises(SpecError, match=r"benefits must be given as positive flows"):
        bud.benefit_cost_ratio([-1.0, 2.0], [1.0, 0.0])
    with pytest.raises(SpecError, match=r"band 0: last_year must be an integer >= 1, got 'x'"):
        bud.DiscountSchedule("x", ((0.04, "x"), (0.03, None)))
    with pytest.raises(SpecError, match=r"horizon must be an integer >= 0 and <= 100000"):
        bud.discount_factors("a")
    assert len(bud.discount_factors(40.0)) == 41  # a whole float is still a horizon


# -- the workbook -----------------------------------------------------------------------


def _workbook(tmp_path, edit=None):
    src = bud.write_template(tmp_path / "in.xlsx")
    if edit is not None:
        wb = openpyxl.load_workbook(src)
        edit(wb)
        wb.save(src)
    return src


@pytest.mark.parametrize(("cell", "value", "message"), [
    ("B4", -1, r"investment!B4: year -1 lies outside the horizon, years 0..4 \(settings "
               r"years=3 plus lag=1\); a year outside is refused, not dropped"),
    ("B5", 5, r"investment!B5: year 5 lies outside the horizon, years 0..4"),
])
def test_workbook_investment_year_outside_horizon(tmp_path, cell, value, message):
    # before: year -1 was dropped without a word; a later year stretched the account
    src = _workbook(tmp_path, lambda wb: wb["investment"].__setitem__(cell, value))
    with pytest.raises(SpecError, match=message):
        bud.run_workbook(src, tmp_path / "out.xlsx")
    assert not (tmp_path / "out.xlsx").exists()


def test_workbook_effect_year_outside_horizon(tmp_path):
    src = _workbook(tmp_path, lambda wb: wb["effects"].__setitem__("B4", -2))
    with pytest.raises(SpecError, match=r"effects!B4: event_time -2 lies outside the horizon, "
                       r"years 0..2 \(settings years=3\)"):
        bud.run_workbook(src, tmp_path / "out.xlsx")


def test_workbook_four_planted_errors_in_one_run(tmp_path):
    def plant(wb):
        wb["trajectory_types"]["B4"] = "mye"  # text where a price goes
        wb["settings"]["B7"] = 0  # draws
        wb["incidence"]["A6"] = "family_unknown"
        wb["investment"]["B4"] = -1

    src = _workbook(tmp_path, plant)
    with pytest.raises(SpecError) as info:
        bud.run_workbook(src, tmp_path / "out.xlsx")
    message = str(info.value)
    assert message.startswith("in.xlsx: 4 problems:\n")
    for where in ("trajectory_types!B4: price_nok must be a number, found text 'mye'",
                  "settings!B7: draws must be a whole number >= 1, found 0",
                  "incidence!A6: unknown trajectory_type 'family_unknown'",
                  "investment!B4: year -1 lies outside the horizon"):
        assert where in message, message
    # a bad cell of a row does not hide its trajectory type: no follow-up error for it
    assert "family_light" not in message.split("unknown trajectory_type")[0]


def test_workbook_that_is_no_workbook(tmp_path, capsys):
    text = tmp_path / "text.xlsx"
    text.write_text("not a workbook")
    csv = tmp_path / "in.csv"
    csv.write_text("a,b\n1,2\n")
    folder = tmp_path / "folder.xlsx"
    folder.mkdir()
    cases = [(text, r"cannot be read as an Excel workbook \(\.xlsx\): BadZipFile"),
             (csv, r"is not an Excel workbook \(\.xlsx\) but a \.csv file"),
             (folder, r"is a folder; give the assumptions workbook \(\.xlsx\)")]
    for path, message in cases:
        with pytest.raises(SpecError, match=message):
            bud.run_workbook(path, tmp_path / "out.xlsx")
        # before: BadZipFile, InvalidFileException, IsADirectoryError and exit 1
        assert main(["budget", "run", str(path), "--out", str(tmp_path / "o.xlsx")]) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert err[0].startswith("effekt: error: workbook ") and "Traceback" not in err
        assert len(err) == 2 and err[1].startswith("hint: ")


def test_winsorise_a_boolean_column():
    """Found by the property test: numpy booleans have no subtraction for the quantile."""
    assert bud.winsorise(pd.Series([True, False, True]), 0.9).tolist() == [1.0, 0.0, 1.0]


def test_an_account_with_no_sectors_has_a_zero_total_row():
    tab = bud.investment_account({}, {}, horizon=4).who_pays_who_gains()
    assert tab["sector"].tolist() == ["total"] and tab["pv_net"].tolist() == [0.0]
