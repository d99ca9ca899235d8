import numpy as np
import pandas as pd
import pytest

openpyxl = pytest.importorskip("openpyxl")

from effekt.budgeting.workbook import (  # noqa: E402
    LABELS,
    SHEET_LABELS,
    run_workbook,
    value_label,
    write_template,
)
from effekt.errors import SpecError  # noqa: E402


def _read_sheet(path, key, language="nb"):
    """A results sheet by its key, with the internal column names (not the labels)."""
    k = 0 if language == "nb" else 1
    ws = openpyxl.load_workbook(path, data_only=True)[SHEET_LABELS[key][k]]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    names = {v[k]: name for name, v in LABELS.items()}
    return pd.DataFrame(rows[1:], columns=[names.get(c, c) for c in rows[0]])


def test_round_trip(tmp_path):
    src = write_template(tmp_path / "assumptions.xlsx")
    wb = openpyxl.load_workbook(src)
    # edit: raise the complex type's price and the services' volume of barnevern
    ws = wb["trajectory_types"]
    assert ws["A5"].value == "family_complex"
    ws["B5"] = 1_000_000
    wb["settings"]["B7"] = 400  # draws
    wb.save(src)
    before = src.read_bytes()
    out = run_workbook(src, tmp_path / "results.xlsx", seed=7)
    assert src.read_bytes() == before
    alloc = _read_sheet(out, "allocation")
    base = alloc[alloc.year == 2025]
    # budget-neutral calibration: equal totals in the base year, to the krone
    assert base["service_budget"].sum() == base["trajectory_budget"].sum()
    assert set(alloc["year"]) == {2025, 2026, 2027}
    # service budget in the base year by hand: volume x unit cost
    sv = base.set_index("provider")["service_budget"]
    assert sv[value_label("nav")] == 2_000 * 9_718
    assert sv[value_label("barnevern")] == 300 * 15_000
    np.testing.assert_allclose(alloc["base_payment"] + alloc["withheld"],
                               alloc["trajectory_budget"])
    q = _read_sheet(out, "quantiles")
    assert {"q05", "q50", "q95", "mean"} <= set(q.columns)
    assert set(q["sector"]) >= {value_label(s) for s in ("nav", "barnevern", "total",
                                                         "nav_state")}
    npv = _read_sheet(out, "npv").set_index("quantity")["value"]
    assert npv[value_label("calibration_factor")] > 0
    acc = _read_sheet(out, "investment_account").set_index("sector")
    assert acc.loc[value_label("total"), "pv_cost"] == pytest.approx(1_500_000 * (1 + 1 / 1.04),
                                                                     rel=1e-9)
    assert not list(tmp_path.glob("*.tmp"))
    with pytest.raises(SpecError, match="must differ"):
        run_workbook(src, src)


def _broken(tmp_path, edit):
    src = write_template(tmp_path / "in.xlsx")
    wb = openpyxl.load_workbook(src)
    edit(wb)
    wb.save(src)
    return src


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda wb: wb.remove(wb["rate_card"]), "sheet 'rate_card' is missing"),
        (lambda wb: wb["population"].__setitem__("C3", "folk"),
         r"population!C3: header should be 'population'"),
        (lambda wb: wb["trajectory_types"].__setitem__("B4", "mye"),
         r"trajectory_types!B4: price_nok must be a number, found text 'mye'"),
        (lambda wb: wb["trajectory_types"].__setitem__("B5", -5),
         r"trajectory_types!B5: price_nok must be >= 0"),
        (lambda wb: wb["sector_shares"].__setitem__("C4", 0.6),
         r"sector_shares!C4:C5: shares for 'family_light' sum to 0.9, not 1"),
        (lambda wb: wb["incidence"].__setitem__("A6", "family_unknown"),
         r"incidence!A6: unknown trajectory_type 'family_unknown'"),
        (lambda wb: wb["sector_shares"].__setitem__("B4", "kultur"),
         r"sector_shares!B4.*not a known sector"),
    ],
)
def test_workbook_errors_name_sheet_and_cell(tmp_path, edit, match):
    src = _broken(tmp_path, edit)
    with pytest.raises(SpecError, match=match):
        run_workbook(src, tmp_path / "out.xlsx")
    assert not (tmp_path / "out.xlsx").exists()


def test_write_template_never_overwrites_unless_overwrite(tmp_path):
    book = tmp_path / "assumptions.xlsx"
    book.write_bytes(b"a filled-in workbook")
    with pytest.raises(SpecError, match=r"^output file .*assumptions.xlsx exists; effekt "
                                        r"replaces a file only when asked \(--force, or "
                                        r"overwrite=True in Python\)"):
        write_template(book)
    assert book.read_bytes() == b"a filled-in workbook"
    assert write_template(book, overwrite=True) == book
    assert openpyxl.load_workbook(book).sheetnames[0] == "settings"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["assumptions.xlsx"]


def test_run_workbook_checks_its_output_before_running(tmp_path, monkeypatch):
    import effekt.budgeting.workbook.run as workbook

    src = write_template(tmp_path / "in.xlsx")
    out = tmp_path / "out.xlsx"
    out.write_bytes(b"earlier results")

    def refuse(*args, **kwargs):
        raise AssertionError("simulated before the output was checked")

    monkeypatch.setattr(workbook, "simulate", refuse)
    with pytest.raises(SpecError, match=r"output file .*out.xlsx exists"):
        run_workbook(src, out)
    (tmp_path / "folder.xlsx").mkdir()
    with pytest.raises(SpecError, match=r"output file .*folder.xlsx is a folder"):
        run_workbook(src, tmp_path / "folder.xlsx", overwrite=True)
    assert out.read_bytes() == b"earlier results"
    monkeypatch.undo()
    assert run_workbook(src, out, seed=1, overwrite=True) == out
    assert "Budsjettnøytral fordeling" in openpyxl.load_workbook(out).sheetnames


# -- the results workbook a finance officer keeps ------------------------------------------


@pytest.fixture(scope="module")
def results_book(tmp_path_factory):
    d = tmp_path_factory.mktemp("book")
    src = write_template(d / "in.xlsx")
    wb = openpyxl.load_workbook(src)
    wb["settings"]["B7"] = 200  # draws: fast
    wb.save(src)
    return src, run_workbook(src, d / "out.xlsx", seed=3)


def test_results_are_formatted_labelled_and_frozen(results_book):
    _, out = results_book
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == [SHEET_LABELS[k][0] for k in (
        "allocation", "caseload", "quantiles", "investment_account", "npv", "rate_card",
        "outcomes_reached")]
    for ws in wb:
        assert ws.freeze_panes == "A3", ws.title
        header = [c for c in ws[2] if c.value is not None]
        assert header and all(c.font.b for c in header), ws.title
        # labels, never snake_case names such as pv_net or q05
        assert not any("_" in str(c.value) for c in header), [c.value for c in header]
        assert all(ws.column_dimensions[c.column_letter].width >= 8 for c in header)
    ws = wb[SHEET_LABELS["quantiles"][0]]
    assert [c.value for c in ws[2]][:4] == ["År", "Sektor", "Gjennomsnitt", "5-persentil"]
    assert isinstance(ws["C3"].value, float)  # the value is kept; the format shows it
    assert ws["C3"].number_format == "#,##0"  # NOK: whole kroner, thousands separators
    assert ws["A3"].number_format == "0"  # a year, not 2,025
    ws = wb[SHEET_LABELS["caseload"][0]]
    assert ws["C3"].number_format == "#,##0.0"  # cases: at most one decimal
    ws = wb[SHEET_LABELS["npv"][0]]
    formats = {ws.cell(r, 1).value: ws.cell(r, 2).number_format for r in range(3, 10)}
    assert formats[value_label("npv_measure")] == "#,##0"
    assert formats[value_label("benefit_cost_ratio")] == "0.000"
    acc = wb[SHEET_LABELS["investment_account"][0]]
    assert [c.value for c in acc[2]][-1] == "Netto nåverdi (gevinst − kostnad)"


def test_the_withheld_pool_makes_the_comparison_add_up(results_book):
    _, out = results_book
    alloc = _read_sheet(out, "allocation")
    pool_name = value_label("withheld_pool")
    for _, g in alloc.groupby("year"):
        pool = g[g["provider"] == pool_name]
        rest = g[g["provider"] != pool_name]
        assert len(pool) == 1
        # the pool holds what was withheld and not paid for outcomes reached
        assert pool["trajectory_total"].item() == (rest["withheld"].sum()
                                                   - rest["outcome_payment"].sum())
        # service budget = trajectory budget + withheld, as paid out and left in the pool
        assert g["trajectory_total"].sum() == g["trajectory_budget"].sum()
    base = alloc[alloc["year"] == 2025]
    assert base["service_budget"].sum() == base["trajectory_total"].sum()
    assert abs(base["difference"].sum()) <= 1  # 0 up to krone rounding
    # before: the withheld share vanished and the difference summed to -withheld
    assert base["withheld"].sum() > 0


def test_the_rate_card_pays_the_outcomes_reached(results_book):
    _, out = results_book
    reached = _read_sheet(out, "outcomes_reached")
    assert reached["payout"].sum() == 20 * 50_000 + 22 * 50_000 + 24 * 50_000 + 60 * 10_000
    alloc = _read_sheet(out, "allocation")
    paid = alloc.groupby(["year", "provider"])["outcome_payment"].sum()
    assert paid[(2025, value_label("nav"))] == 20 * 50_000
    # a provider paid for outcomes without a budget of its own still gets its row
    assert paid[(2025, value_label("oppvekst_skole"))] == 60 * 10_000


def test_caps_per_case_apply_to_the_outcomes_reached(tmp_path):
    src = write_template(tmp_path / "in.xlsx")
    wb = openpyxl.load_workbook(src)
    wb["settings"]["B7"] = 50
    wb["rate_card"]["C4"] = 60_000  # cap 60,000 a case: 2 outcomes a case pay 60,000
    wb["outcomes_reached"]["E4"] = 40  # 40 outcomes over 20 cases
    wb.save(src)
    reached = _read_sheet(run_workbook(src, tmp_path / "out.xlsx", seed=1), "outcomes_reached")
    row = reached[(reached["year"] == 2025) & (reached["outcome"] == "off_assistance_6m")]
    assert row["payout_uncapped"].item() == 40 * 50_000
    assert row["payout"].item() == 20 * 60_000


def test_a_workbook_without_outcomes_reached_still_runs(tmp_path):
    src = write_template(tmp_path / "in.xlsx")
    wb = openpyxl.load_workbook(src)
    wb.remove(wb["outcomes_reached"])  # a workbook filled in before the sheet existed
    wb["settings"]["B7"] = 50
    wb.save(src)
    out = run_workbook(src, tmp_path / "out.xlsx", seed=1)
    alloc = _read_sheet(out, "allocation")
    assert alloc["outcome_payment"].sum() == 0
    pool = alloc[alloc["provider"] == value_label("withheld_pool")]
    assert pool["trajectory_total"].sum() == alloc["withheld"].sum()
    ws = openpyxl.load_workbook(out)[SHEET_LABELS["outcomes_reached"][0]]
    assert "outcomes_reached" in ws["A1"].value


@pytest.mark.parametrize(("cell", "value", "match"), [
    ("C4", "unknown_outcome", r"outcomes_reached!C4: outcome 'unknown_outcome' is not on the "
                              r"rate_card"),
    ("A4", 2030, r"outcomes_reached!A4: year 2030 lies outside the budget years 2025..2027"),
    ("D4", 0, r"outcomes_reached!D4: n_cases must be > 0 when count is 20"),
])
def test_outcomes_reached_errors_name_the_cell(tmp_path, cell, value, match):
    src = write_template(tmp_path / "in.xlsx")
    wb = openpyxl.load_workbook(src)
    wb["outcomes_reached"][cell] = value
    wb.save(src)
    with pytest.raises(SpecError, match=match):
        run_workbook(src, tmp_path / "out.xlsx")
    assert not (tmp_path / "out.xlsx").exists()


def test_results_in_english(tmp_path):
    src = write_template(tmp_path / "in.xlsx")
    wb = openpyxl.load_workbook(src)
    wb["settings"]["B7"] = 50
    wb.save(src)
    out = run_workbook(src, tmp_path / "out.xlsx", seed=1, language="en")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "Budget-neutral allocation"
    ws = wb["Net cost (Monte Carlo)"]
    assert [c.value for c in ws[2]][:4] == ["Year", "Sector", "Mean", "5th percentile"]
    with pytest.raises(SpecError, match="language"):
        run_workbook(src, tmp_path / "out2.xlsx", language="de")
