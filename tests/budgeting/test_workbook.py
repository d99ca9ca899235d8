import numpy as np
import pandas as pd
import pytest

openpyxl = pytest.importorskip("openpyxl")

from effekt.budgeting.workbook import run_workbook, write_template  # noqa: E402
from effekt.errors import SpecError  # noqa: E402


def _read_sheet(path, name):
    ws = openpyxl.load_workbook(path, data_only=True)[name]
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


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
    assert sv["nav"] == 2_000 * 9_718
    assert sv["barnevern"] == 300 * 15_000
    np.testing.assert_allclose(alloc["base_payment"] + alloc["withheld"],
                               alloc["trajectory_budget"])
    q = _read_sheet(out, "quantiles")
    assert {"q05", "q50", "q95", "mean"} <= set(q.columns)
    assert set(q["sector"]) >= {"nav", "barnevern", "total", "nav_state"}
    npv = _read_sheet(out, "npv").set_index("quantity")["value"]
    assert npv["calibration_factor"] > 0
    acc = _read_sheet(out, "investment_account").set_index("sector")
    assert acc.loc["total", "pv_cost"] == pytest.approx(1_500_000 * (1 + 1 / 1.04), rel=1e-9)
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
    import effekt.budgeting.workbook as workbook

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
    assert "allocation" in openpyxl.load_workbook(out).sheetnames
