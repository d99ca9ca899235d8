"""effekt.compare: several results side by side; write_table to Excel, LaTeX and CSV."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import effekt
from effekt import compare, write_table
from effekt.compare import latex_table
from effekt.errors import SpecError


@pytest.fixture(scope="module")
def panel():
    rng = np.random.default_rng(11)
    n, periods = 300, 6
    cohort = rng.choice([0, 0, 4], n)
    df = pd.DataFrame({"id": np.repeat(np.arange(n), periods),
                       "t": np.tile(np.arange(1, periods + 1), n),
                       "g": np.repeat(cohort, periods)})
    df["d"] = ((df.g > 0) & (df.t >= df.g)).astype(int)
    df["y"] = np.repeat(rng.normal(size=n), periods) + 2.0 * df["d"] + rng.normal(size=len(df))
    return df


@pytest.fixture(scope="module")
def results(panel):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        two = panel[panel["t"].isin([3, 4])].assign(
            treated=lambda d: (d["g"] > 0).astype(int), post=lambda d: (d["t"] == 4).astype(int))
        return {
            "2x2": effekt.did_2x2(two, outcome="y", unit="id", time="t", treated="treated",
                                  post="post"),
            "TWFE": effekt.twfe(panel, outcome="y", unit="id", time="t", treatment="d"),
            "CS": effekt.att_gt(panel, outcome="y", unit="id", time="t",
                                cohort="g").aggregate("simple"),
            "event study": effekt.event_study(panel, outcome="y", unit="id", time="t",
                                              cohort="g"),
            "CS dynamic": effekt.att_gt(panel, outcome="y", unit="id", time="t",
                                        cohort="g").aggregate("dynamic"),
        }


def test_columns_rows_and_footer(results):
    table = compare({k: results[k] for k in ("2x2", "TWFE", "CS")})
    assert list(table.columns) == ["2x2", "TWFE", "CS"]
    rows = table.index.get_level_values("row").tolist()
    assert rows == ["treated:post", "treated:post", "d", "d", "ATT", "ATT", "outcome",
                    "inference", "N"]
    assert table.loc[("treated:post", "estimate"), "2x2"] == f"{results['2x2'].estimate:.3f}"
    assert table.loc[("treated:post", "std_error"), "2x2"] == f"({results['2x2'].std_error:.3f})"
    assert table.loc[("d", "estimate"), "2x2"] == ""  # 2x2 has no row d
    assert table.loc[("N", ""), "2x2"] == str(results["2x2"].nobs) == "600"
    assert table.loc[("N", ""), "CS"] == "300"  # units of the panel
    assert table.loc[("inference", ""), "TWFE"] == results["TWFE"].inference
    assert set(table.loc[("outcome", "")]) == {"y"}


def test_event_studies_align_on_event_time(results):
    table = compare([results["event study"], results["CS dynamic"]], names=["TWFE", "CS"])
    rows = table.index.get_level_values("row")
    assert "event_time 0" in rows and "event_time -1" in rows
    assert table.loc[("event_time -1", "estimate"), "TWFE"] == "0"  # the reference period
    assert table.loc[("event_time -1", "std_error"), "TWFE"] == "(ref.)"
    cs = results["CS dynamic"].to_frame().set_index("event_time")
    assert table.loc[("event_time 1", "estimate"), "CS"] == f"{cs.loc[1, 'estimate']:.3f}"


def test_stars_from_each_results_own_p_values(results):
    table = compare({"2x2": results["2x2"]}, stars=True, digits=2)
    p = results["2x2"].p_value
    assert p < 0.01  # a planted effect of 2 with 300 units
    assert table.loc[("treated:post", "estimate"), "2x2"].endswith("***")
    assert "*** p < 0.01" in table.attrs["note"]
    custom = compare({"2x2": results["2x2"]}, stars=[(1e-300, "!")])
    assert not custom.loc[("treated:post", "estimate"), "2x2"].endswith("!")


def test_bad_input():
    with pytest.raises(SpecError, match="at least one"):
        compare([])
    with pytest.raises(SpecError, match="lacks"):
        compare([pd.DataFrame({"estimate": [1.0]})])


def test_latex_escapes_and_lays_out(results):
    tex = latex_table(compare({"a_b & c": results["2x2"]}, stars=True))
    assert r"a\_b \& c" in tex and "$^{***}$" in tex
    assert tex.count(r"\midrule") == 2  # under the header and above the footer
    assert "\n & (" in tex  # standard errors carry no row label


def test_write_table_xlsx_tex_csv_atomic_and_no_overwrite(results, tmp_path):
    table = compare(results)
    xlsx = write_table(table, tmp_path / "t.xlsx")
    # read without index_col: pandas would fill the footer's empty statistic forward
    back = pd.read_excel(xlsx, dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(back, table.reset_index())
    assert write_table(table, tmp_path / "t.tex").read_text().startswith(r"\begin{tabular}")
    assert "inference" in write_table(table, tmp_path / "t.csv").read_text()
    (tmp_path / "mine.xlsx").write_text("the user's own file")
    with pytest.raises(SpecError, match="exists"):
        write_table(table, tmp_path / "mine.xlsx")
    assert (tmp_path / "mine.xlsx").read_text() == "the user's own file"
    write_table(table, tmp_path / "mine.xlsx", overwrite=True)
    with pytest.raises(SpecError, match="suffix"):
        write_table(table, tmp_path / "t.docx")
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary file left behind
