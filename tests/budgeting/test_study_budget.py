"""The trajectory budget of a municipality joined to its studies (effekt.budgeting.study_budget).

The studies' results are hand-made dicts that follow the results.json contract of issue 11
(``budget_inputs``: event times, estimates, their covariance, cases, cost per unit).
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from effekt.budgeting import StudyBudget, study_budget
from effekt.budgeting.outcomes_reached import OUTCOMES_REACHED, outcomes_reached
from effekt.budgeting.workbook import SHEET_LABELS, label
from effekt.data import RecordStore
from effekt.errors import SpecError
from effekt.synthetic import generate

openpyxl = pytest.importorskip("openpyxl")

GUIDANCE = "Familieveiledning, koordinert (lavinntekt)"


@pytest.fixture(scope="module")
def store() -> RecordStore:
    m = generate(seed=5, scale=0.05)
    return RecordStore.from_frames(**{k: m.tables[k] for k in (
        "persons", "measures", "service_events", "outcomes", "exposures", "providers")})


def _entry(outcome, sector, estimate, *, kind="nok", nok=1.0, n_cases=40.0, horizon=4,
           beyond="zero", event_time=None, vcov=None, se=1000.0):
    est = list(map(float, estimate))
    times = list(range(len(est))) if event_time is None else event_time
    cov = (np.eye(len(est)) * se**2).tolist() if vcov is None else vcov
    return {"outcome": outcome, "kind": kind, "sector": sector, "nok_per_unit": nok,
            "n_cases": n_cases, "horizon": horizon, "beyond": beyond, "event_time": times,
            "estimate": est, "vcov": cov}


def _results(pilot, entries, unit="family"):
    return {"spec": {"language": "nb", "exposure": {"pilot": pilot},
                     "population": {"unit": unit, "period": "year", "where": []}},
            "outcomes": [{"outcome": e["outcome"], "label": None} for e in entries],
            "budget_inputs": entries}


HOLF = _results("holf", [
    _entry("social_assistance_months", "nav", [-0.5, -1.0, -1.5, -1.5], kind="months",
           nok=9718.0, se=0.3),
    _entry("cost_nav", "nav", [-5000, -10000, -15000, -15000]),
    _entry("cost_helse_sosial", "helse_sosial", [3000, 6000, 9000, 9000]),
])
SAMHANDLING = _results("samhandling", [
    _entry("cost_barnevern", "barnevern", [-100, -300, -500], n_cases=400.0, horizon=6,
           beyond="last", se=50.0)], unit="person")


@pytest.fixture(scope="module")
def budget(store) -> StudyBudget:
    return study_budget(store, [HOLF, SAMHANDLING], seed=11, draws=400,
                        own_measures={"holf": [GUIDANCE]})


def _total(b, pilot, sector):
    return b.totals.set_index(["pilot", "sector"]).loc[(pilot, sector)]


def test_a_planted_cost_reduction_is_a_positive_avoided_cost(budget):
    nav = _total(budget, "all", "nav")
    # the mean is exact: -(sum of the effects) x cases, the NOK outcome only
    assert nav["avoided_cost_nok"] == pytest.approx(45_000 * 40.0)
    assert 0 < nav["p05_nok"] < nav["avoided_cost_nok"] < nav["p95_nok"]
    # a cost increase (the pilot's own service) is a negative avoided cost: that sector pays
    hs = _total(budget, "holf", "helse_sosial")
    assert hs["avoided_cost_nok"] == pytest.approx(-27_000 * 40.0)
    assert hs["p95_nok"] < 0
    # beyond="last" holds the last estimate to the end of the study's horizon (6 years)
    bv = _total(budget, "samhandling", "barnevern")
    assert bv["avoided_cost_nok"] == pytest.approx((100 + 300 + 500 * 4) * 400.0)
    total = _total(budget, "all", "total")
    assert total["avoided_cost_nok"] == pytest.approx(
        nav["avoided_cost_nok"] + hs["avoided_cost_nok"] + bv["avoided_cost_nok"])
    # present values are discounted (R-109, 4 %): smaller than the undiscounted sums
    assert 0 < nav["pv_nok"] < nav["avoided_cost_nok"]
    assert budget.settings["years"] == 6  # the longest study horizon
    assert set(budget.avoided["year"]) == set(range(budget.settings["base_year"],
                                                    budget.settings["base_year"] + 6))


def test_a_priced_outcome_inside_the_sectors_nok_cost_is_not_counted_twice(budget):
    used = budget.inputs.drop_duplicates("outcome").set_index("outcome")["used"]
    assert used["cost_nav"] == "ja"
    assert used["social_assistance_months"] == "nei: inne i cost_nav"
    assert "social_assistance_months" not in set(budget.avoided["outcome"])
    assert any("social_assistance_months" in n and "telles ikke to ganger" in n
               for n in budget.notes)
    # the pilot's own service is a service event inside cost_helse_sosial: named, not added
    assert any(GUIDANCE in n and "cost_helse_sosial" in n and "telles ikke igjen" in n
               for n in budget.notes)


def test_same_seed_same_numbers(store, budget):
    again = study_budget(store, [HOLF, SAMHANDLING], seed=11, draws=400,
                         own_measures={"holf": [GUIDANCE]})
    for name in ("totals", "avoided", "allocation", "net_cost", "account_table", "outcomes"):
        pd.testing.assert_frame_equal(getattr(budget, name), getattr(again, name))
    assert budget.summary() == again.summary()
    other = study_budget(store, [HOLF, SAMHANDLING], seed=12, draws=400)
    assert not other.totals["p05_nok"].equals(budget.totals["p05_nok"])
    np.testing.assert_allclose(other.totals["avoided_cost_nok"],
                               budget.totals["avoided_cost_nok"])


def test_the_covariance_carries_into_the_interval(store):
    var = 2000.0**2
    independent = _results("holf", [_entry("cost_nav", "nav", [-5000] * 4, se=2000.0)])
    correlated = copy.deepcopy(independent)
    correlated["budget_inputs"][0]["vcov"] = (np.full((4, 4), var)).tolist()
    widths = []
    for res in (independent, correlated):
        t = _total(study_budget(store, res, seed=3, draws=2000), "all", "nav")
        widths.append(t["p95_nok"] - t["p05_nok"])
    # four perfectly correlated years: the sum's sd doubles (sqrt(16) vs sqrt(4))
    assert widths[1] / widths[0] == pytest.approx(2.0, rel=0.1)


def test_the_budget_neutral_comparison_adds_up(budget):
    a = budget.allocation
    base = a[a["year"] == budget.settings["base_year"]]
    providers = base[base["provider"] != "withheld_pool"]
    pool = base[base["provider"] == "withheld_pool"]
    assert len(pool) == 1
    # service budget = trajectory model's payments + what is left in the withheld pool
    assert base["service_budget"].sum() == base["trajectory_total"].sum()
    assert abs(base["difference"].sum()) <= 1.0
    assert pool["trajectory_total"].item() == pytest.approx(
        providers["withheld"].sum() - providers["outcome_payment"].sum())
    # in every year: trajectory budget = base payments + withheld
    np.testing.assert_allclose(a["base_payment"] + a["withheld"], a["trajectory_budget"])
    by_year = a.groupby("year")
    np.testing.assert_allclose(by_year["trajectory_total"].sum(),
                               by_year["trajectory_budget"].sum())
    assert budget.settings["withhold_share"] == 0.05


def test_the_rate_card_pays_for_outcomes_reached_in_the_records(budget):
    base_year = budget.settings["base_year"]
    paid = budget.outcomes[budget.outcomes["year"] == base_year]
    assert set(paid["basis"]) == {"recorded"}
    assert paid["payout"].sum() > 0
    alloc = budget.allocation[budget.allocation["year"] == base_year]
    assert alloc["outcome_payment"].sum() == pytest.approx(paid["payout"].sum())
    later = budget.outcomes[budget.outcomes["year"] > base_year]
    assert set(later["basis"]) == {"projected"}
    assert budget.pool()["paid"] == pytest.approx(paid["payout"].sum())


def test_outcomes_reached_as_documented():
    persons = pd.DataFrame({"person_id": [1, 2, 3, 4], "family_id": [10, 10, 20, 30],
                            "birth_year": [1980, 2010, 1985, 1990], "sex": "F",
                            "district": "Bekkestua"})
    measures = pd.DataFrame({"measure_id": [1], "name": ["m"], "sector": ["nav"],
                             "unit": ["hour"], "unit_cost_nok": [800.0],
                             "target_group": [None]})
    events = pd.DataFrame({"person_id": [1], "measure_id": [1],
                           "start_date": pd.to_datetime(["2020-01-01"]),
                           "end_date": pd.to_datetime(["2020-01-02"]), "units": [1.0],
                           "cost_nok": [800.0], "provider_id": [None]})
    rows = [(1, 2019, "social_assistance_months", 3), (1, 2020, "social_assistance_months", 0),
            (1, 2021, "social_assistance_months", 0),
            (3, 2019, "social_assistance_months", 2), (3, 2020, "social_assistance_months", 1),
            (4, 2018, "social_assistance_months", 5), (4, 2020, "social_assistance_months", 0),
            (2, 2019, "school_absence_days", 25), (2, 2020, "school_absence_days", 10),
            (2, 2021, "school_absence_days", 30)]
    outcomes = pd.DataFrame({"person_id": [r[0] for r in rows],
                             "date": pd.to_datetime([f"{r[1]}-12-31" for r in rows]),
                             "outcome": [r[2] for r in rows],
                             "value": [float(r[3]) for r in rows]})
    store = RecordStore.from_frames(persons=persons, measures=measures,
                                    service_events=events, outcomes=outcomes)
    got = outcomes_reached(store)
    # family 10 leaves in 2020; family 20 still has a month; family 30 has a gap year
    # (no record in 2019), so nothing; pupil 2 is back under 19 days in 2020
    assert got[["year", "outcome", "provider", "count"]].values.tolist() == [
        [2020, "off_social_assistance", "nav", 1.0],
        [2020, "school_attendance", "oppvekst_skole", 1.0]]
    assert OUTCOMES_REACHED["school_attendance"]["provider"] == "oppvekst_skole"


def test_missing_budget_inputs_is_a_clear_spec_error(store):
    old = {k: v for k, v in HOLF.items() if k != "budget_inputs"}
    with pytest.raises(SpecError, match=r"studies\[1\] \(holf\): the results have no "
                                        r"'budget_inputs'.*effekt study run"):
        study_budget(store, [SAMHANDLING, old], seed=1)


def test_every_malformed_entry_is_named(store):
    bad = copy.deepcopy(HOLF)
    bad["budget_inputs"][0]["kind"] = "euros"
    bad["budget_inputs"][1]["vcov"] = [[1.0]]
    bad["budget_inputs"][2]["sector"] = "kultur"
    with pytest.raises(SpecError) as info:
        study_budget(store, bad, seed=1)
    text = str(info.value)
    assert text.startswith("study_budget: 3 problems:")
    assert "budget_inputs[0]: kind 'euros'" in text
    assert "budget_inputs[1]: vcov must be a symmetric 4 × 4 matrix" in text
    assert "budget_inputs[2]: sector='kultur' is not a known sector" in text


def test_an_estimate_without_event_times_holds_for_the_horizon(store):
    res = _results("rct", [_entry("cost_nav", "nav", [-1000], event_time=[], horizon=3,
                                  vcov=[[100.0**2]])])
    b = study_budget(store, res, seed=1, draws=200, language="en", years=5)
    nav = _total(b, "all", "nav")
    assert nav["avoided_cost_nok"] == pytest.approx(3 * 1000 * 40.0)
    assert b.avoided["estimated"].tolist() == [True, True, True, False, False]
    # a year without an estimate is missing (blank in the workbook), never shown as 0
    assert b.avoided["avoided_cost_nok"].tolist()[:3] == [40_000.0] * 3
    assert b.avoided[["avoided_cost_nok", "p05_nok", "p95_nok"]].iloc[3:].isna().all().all()
    assert any("blank" in n and "count as 0" in n for n in b.notes)


def test_investment_account_who_pays_who_gains(store):
    b = study_budget(store, HOLF, seed=2, draws=200, language="en",
                     extra_costs={"holf": {"nav_state": [500_000, 500_000]}})
    tab = b.account_table.set_index("sector")
    assert tab.loc["nav", "gain"] == pytest.approx(45_000 * 40.0)
    assert tab.loc["helse_sosial", "cost"] == pytest.approx(27_000 * 40.0)
    assert tab.loc["nav_state", "cost"] == pytest.approx(1_000_000)
    assert tab.loc["total", "pv_net"] == pytest.approx(b.accounts["holf"].npv())
    assert set(b.flows["year"]) <= set(range(b.settings["first_year"],
                                             b.settings["last_year"] + 1))
    assert any("is not added" in n for n in b.notes)  # English notes


def test_own_service_outside_the_estimates_is_named_not_added(store):
    res = _results("holf", [_entry("cost_nav", "nav", [-5000] * 2)])
    b = study_budget(store, res, seed=1, draws=100, language="en",
                     own_measures={"holf": [GUIDANCE]})
    note = [n for n in b.notes if GUIDANCE in n]
    assert len(note) == 1 and "leaves it out" in note[0] and "extra_costs" in note[0]


def test_bad_arguments(store):
    with pytest.raises(SpecError, match="language"):
        study_budget(store, HOLF, seed=1, language="de")
    with pytest.raises(SpecError, match="studies must be"):
        study_budget(store, [], seed=1)
    with pytest.raises(SpecError, match="not one of the studies"):
        study_budget(store, HOLF, seed=1, own_measures={"samhandling": [GUIDANCE]})
    with pytest.raises(SpecError, match="rate_card outcome"):
        study_budget(store, HOLF, seed=1,
                     rate_card=pd.DataFrame({"outcome": ["x"], "price_nok": [1.0]}))


def _sheet(path, key, language="nb"):
    ws = openpyxl.load_workbook(path)[SHEET_LABELS[key][0 if language == "nb" else 1]]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    return ws, pd.DataFrame(rows[1:], columns=rows[0])


def test_the_results_workbook_a_finance_officer_keeps(tmp_path, budget):
    path = budget.to_excel(tmp_path / "results.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:3] == ["Sammendrag", "Merknader", "Budsjettnøytral fordeling"]
    assert "Oppnådde resultater" in wb.sheetnames
    for ws in wb:
        assert ws.freeze_panes == "A3", ws.title
        assert all(c.font.b for c in ws[2] if c.value is not None), ws.title
        assert all("_" not in str(c.value) or str(c.value).startswith(("cost", "p"))
                   for c in ws[2]), [c.value for c in ws[2]]
    ws, alloc = _sheet(path, "allocation")
    col = {c.value: c.column_letter for c in ws[2]}
    assert ws[f"{col[label('service_budget')]}3"].number_format == "#,##0"
    assert ws[f"{col[label('year')]}3"].number_format == "0"
    assert ws.column_dimensions[col[label("provider")]].width >= 20
    base = alloc[alloc[label("year")] == budget.settings["base_year"]]
    assert "Tilbakeholdt pott (ikke utbetalt)" in set(base[label("provider")])
    assert base[label("service_budget")].sum() == base[label("trajectory_total")].sum()
    assert abs(base[label("difference")].sum()) <= 1
    ws, summary = _sheet(path, "summary")
    assert summary.columns[2] == "Unngått kostnad (positivt = spart)"
    row = summary[(summary[label("pilot")] == "Alle tiltak")
                  & (summary[label("sector")] == "NAV (kommunal del)")]
    assert row[label("avoided_cost_nok")].item() == pytest.approx(1_800_000)
    ws, reached = _sheet(path, "outcomes_reached")
    assert reached[label("payout")].sum() > 0
    assert ws["E3"].number_format == "#,##0.0"  # cases with one decimal
    ws, cat = _sheet(path, "catalogue")
    share = [c for c in ws[2] if str(c.value).startswith("Andel ")]
    assert share and ws.cell(3, share[0].column).number_format == "0.0%"
    ws, settings = _sheet(path, "settings")
    withhold = settings.index[settings[label("quantity")] == "Tilbakeholdt andel"][0]
    assert ws.cell(3 + withhold, 2).number_format == "0.0%"
    # the output rule: an existing file is replaced only when asked
    with pytest.raises(SpecError, match="exists"):
        budget.to_excel(path)
    assert budget.to_excel(path, overwrite=True) == path
    assert not list(tmp_path.glob("*.tmp"))


def test_the_workbook_in_english(tmp_path, store):
    b = study_budget(store, SAMHANDLING, seed=1, draws=100, language="en")
    path = b.to_excel(tmp_path / "en.xlsx")
    ws, summary = _sheet(path, "summary", "en")
    assert list(summary.columns[:3]) == ["Measure (pilot)", "Sector",
                                         "Avoided cost (positive = saved)"]
    assert set(summary["Sector"]) == {"Child welfare", "Total"}
    assert "Budget-neutral allocation" in openpyxl.load_workbook(path).sheetnames


# -- disclosure control (docs/contracts.md, "Disclosure control: the study budget") ---------

def _small_store(seed, scale):
    m = generate(seed=seed, scale=scale)
    return RecordStore.from_frames(**{k: m.tables[k] for k in (
        "persons", "measures", "service_events", "outcomes")})


@pytest.fixture(scope="module")
def small_budget() -> StudyBudget:
    # seed 1 at scale 0.01: 1-4 families off social assistance in the base year (NAV)
    return study_budget(_small_store(1, 0.01), HOLF, seed=3, draws=100)


def test_min_cell_below_the_floor_is_refused(store):
    with pytest.raises(SpecError, match="min_cell"):
        study_budget(store, HOLF, seed=1, draws=50, min_cell=4)


def test_a_small_count_of_outcomes_reached_is_shown_as_lt5_and_unpaid(tmp_path, small_budget):
    b, base_year = small_budget, small_budget.settings["base_year"]
    raw = b.outcomes.set_index(["year", "outcome"])
    n_nav = raw.loc[(base_year, "off_social_assistance"), "count"]
    assert 1 <= n_nav <= 4  # the case this test is about
    path = b.to_excel(tmp_path / "r.xlsx")
    _, reached = _sheet(path, "outcomes_reached")
    nav = reached[reached[label("provider")] == "NAV (kommunal del)"]
    recorded = nav[nav[label("basis")] == "registrert"]
    assert len(recorded) and set(recorded[label("count")]) == {"<5"}
    assert set(recorded[label("n_cases")]) == {"<5"}
    assert recorded[[label("payout"), label("payout_uncapped")]].isna().all().all()
    projected = nav[nav[label("basis")] == "framskrevet"]
    assert len(projected) and projected[[label("count"), label("n_cases"), label("payout")]
                                        ].isna().all().all()
    # big counts stay numbers
    school = reached[reached[label("provider")] != "NAV (kommunal del)"]
    assert all(isinstance(v, float | int) and v >= 5 for v in school[label("count")])
    assert school[label("payout")].notna().all()
    # the allocation: NAV's payment, total and difference, and the pool's, blank every year
    _, alloc = _sheet(path, "allocation")
    hidden_cols = [label("outcome_payment"), label("trajectory_total"), label("difference")]
    rows = alloc[alloc[label("provider")] == "NAV (kommunal del)"]
    assert rows[hidden_cols].isna().all().all()
    pool = alloc[alloc[label("provider")] == "Tilbakeholdt pott (ikke utbetalt)"]
    assert pool[hidden_cols[1:]].isna().all().all()
    others = alloc[~alloc.index.isin(rows.index) & ~alloc.index.isin(pool.index)]
    assert others[hidden_cols].notna().all().all()
    _, settings = _sheet(path, "settings")
    v = settings.set_index(label("quantity"))[label("value")]
    assert pd.isna(v["Utbetalt for resultater i basisåret"])
    assert pd.isna(v["Igjen i potten i basisåret"])
    assert v["Minste antall som vises (avsløringskontroll)"] == 5
    # the summary: no paid amount, no pool, no total of outcomes reached
    text = b.summary()
    p = b.pool()
    for amount in (p["paid"], p["left"]):
        assert f"{amount:,.0f}".replace(",", "\u00a0") not in text
    assert "potten vises ikke" in text and "antallet vises ikke" in text
    assert f"({b.outcomes.loc[b.outcomes['year'] == base_year, 'count'].sum():.0f} i alt)" \
        not in text


def _allocation_cells(b):
    """The allocation's figures as cells and the identities a reader knows among them."""
    a, base_year = b.allocation, b.settings["base_year"]
    values, rows = {}, []
    for r in a.itertuples(index=False):
        for col in ("service_budget", "base_payment", "withheld", "outcome_payment",
                    "trajectory_total", "difference"):
            values[(r.year, r.provider, col)] = float(getattr(r, col))
    providers = [p for p in a["provider"].unique() if p != "withheld_pool"]
    growth = 1 + b.settings["growth"]
    for y in sorted(a["year"].unique()):
        for p in providers:
            if (y, p, "base_payment") not in values:
                continue
            rows.append({(y, p, "trajectory_total"): 1, (y, p, "base_payment"): -1,
                         (y, p, "outcome_payment"): -1})
            rows.append({(y, p, "difference"): 1, (y, p, "trajectory_total"): -1,
                         (y, p, "service_budget"): 1})
            if y > base_year:  # a projected payment is the base year's × the shown growth
                rows.append({(y, p, "outcome_payment"): 1,
                             (base_year, p, "outcome_payment"): -growth ** (y - base_year)})
        pool = {(y, "withheld_pool", "trajectory_total"): 1}
        for p in providers:
            if (y, p, "withheld") in values:
                pool[(y, p, "withheld")] = -1
                pool[(y, p, "outcome_payment")] = 1
        rows.append(pool)
        rows.append({(y, "withheld_pool", "difference"): 1,
                     (y, "withheld_pool", "trajectory_total"): -1})
    # the summary's and settings' base-year amounts
    values["paid"], values["left"] = b.pool()["paid"], b.pool()["left"]
    rows.append({"paid": 1, **{(base_year, p, "outcome_payment"): -1 for p in providers}})
    rows.append({"left": 1, (base_year, "withheld_pool", "trajectory_total"): -1})
    return values, rows


def test_no_shown_figure_gives_the_hidden_payment_away(small_budget):
    from effekt.reports.disclosure import exposed

    b = small_budget
    values, identities = _allocation_cells(b)
    shown = b.disclosed_allocation()
    hidden = {(r.year, r.provider, col) for r in shown.itertuples(index=False)
              for col in ("outcome_payment", "trajectory_total", "difference")
              if pd.isna(getattr(r, col))}
    if b.base_year_hidden():
        hidden |= {"paid", "left"}
    nav = (b.settings["base_year"], "nav", "outcome_payment")
    assert nav in hidden
    # the identities hold (exposed raises when one does not) and nothing is pinned down
    assert exposed(values, identities, hidden, min_cell=5) == []
    # without the secondary cells the pool (or the paid total) would give it away
    primary = {k for k in hidden if k[-1] == "outcome_payment"}
    assert nav in exposed(values, identities, primary, min_cell=5)
    assert nav in exposed(values, identities, hidden - {"paid"}, min_cell=5)


def test_small_trajectory_types_are_pooled_before_pricing(tmp_path):
    from effekt.budgeting.study_budget import SMALL_TYPES
    from effekt.data import trajectories

    store = _small_store(1, 0.005)
    b = study_budget(store, HOLF, seed=3, draws=50)
    pooled = b.settings["pooled_types"]
    base_year = b.settings["base_year"]
    traj = trajectories(store, gap_days=90)
    n = traj["trajectory_type"].astype(str).value_counts()
    starts = traj.loc[traj["start_date"].dt.year == base_year,
                      "trajectory_type"].astype(str).value_counts()
    small = [t for t in n.index if 0 < n[t] < 5 or 0 < starts.get(t, 0) < 5]
    assert small and set(small) <= set(pooled) and len(pooled) >= 2
    cat = b.catalogue.table.set_index("trajectory_type")
    assert SMALL_TYPES in cat.index and not set(pooled) & set(cat.index)
    assert cat.loc[SMALL_TYPES, "n_cases"] == sum(n[t] for t in pooled)
    assert (cat["n_cases"] >= 5).all()
    new = b.caseload[b.caseload["year"] == base_year].set_index("trajectory_type")["n_new"]
    assert ((new == 0) | (new >= 5)).all()
    assert new[SMALL_TYPES] == sum(starts.get(t, 0) for t in pooled)
    assert any(all(t in note for t in pooled) for note in b.notes)
    path = b.to_excel(tmp_path / "r.xlsx")
    _, sheet = _sheet(path, "catalogue")
    assert "Øvrige typer (små, slått sammen)" in set(sheet[label("trajectory_type")])
    assert not set(pooled) & set(sheet[label("trajectory_type")])
    _, load = _sheet(path, "caseload")
    assert not set(pooled) & set(load[label("trajectory_type")])


def test_the_committed_municipality_keeps_its_figures(tmp_path):
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "synthetic_data"
    if not (folder / "persons.parquet").exists():
        pytest.skip("no committed synthetic_data/")
    b = study_budget(RecordStore.open(folder), [HOLF, SAMHANDLING], seed=1, draws=100)
    assert b.settings["pooled_types"] == ()
    path = b.to_excel(tmp_path / "r.xlsx")
    _, reached = _sheet(path, "outcomes_reached")
    school = reached[reached[label("provider")] != "NAV (kommunal del)"]
    assert all(isinstance(v, float | int) and v >= 5 for v in school[label("count")])
    assert school[label("payout")].notna().all() and school[label("payout")].sum() > 0
    # the few families off social assistance before the base year (1-2 a year) are hidden
    nav = reached[reached[label("provider")] == "NAV (kommunal del)"]
    assert set(nav[label("count")]) <= {"<5"} and nav[label("payout")].isna().all()
    assert not b.base_year_hidden()
    _, alloc = _sheet(path, "allocation")
    assert alloc[label("outcome_payment")].notna().all()
    assert alloc[label("trajectory_total")].notna().all()
    _, cat = _sheet(path, "catalogue")
    assert (cat[label("n_cases")] >= 5).all() and cat[label("price")].notna().all()
    text = b.summary()
    assert "potten vises ikke" not in text and "antallet vises ikke" not in text
    paid = f"{b.pool()['paid']:,.0f}".replace(",", "\u00a0")
    assert f"resultatbetaling {paid})" in text
