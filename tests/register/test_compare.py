"""A study compared with the effect register (effekt.register.compare, docs/contracts.md).

Parity: each trial of metafor's dat.bcg in turn is "this study" and the other twelve are the
register. The register's pooled effect is metafor's ``leave1out()``, the consistency test is
its externally studentized residual ``rstudent()``, the combined effect is ``rma()`` on all
thirteen and this study's shrunk estimate is ``blup()`` (tests/fixtures/metafor,
make_metafor.R). Then the rules (own entries left out, hidden estimates not compared, units)
and one HOLF run with a register, through the report and the command line.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from effekt.cli import main
from effekt.errors import SpecError
from effekt.register import add_entries, entries_from_results, entries_from_table
from effekt.register.compare import compare_with_register, register_fingerprint
from effekt.reports import render_report
from effekt.study import run_study

ROOT = Path(__file__).parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "metafor"
DATA = pd.read_csv(FIXTURES / "bcg_yi_vi.csv")
POOLED = json.loads((FIXTURES / "bcg_rma.json").read_text())
BLUP = pd.read_csv(FIXTURES / "bcg_blup.csv")
LOO = pd.read_csv(FIXTURES / "bcg_loo.csv")
UNIT = "log_rr per person per year"


def _results(est: float, se: float, *, suppressed: bool = False,
             secondary: str | None = None, kind: str = "log_rr") -> dict:
    return {"spec": {"exposure": {"pilot": "bcg"},
                     "population": {"unit": "person", "period": "year"}},
            "outcomes": [{"outcome": "tb", "kind": kind, "estimate": None if suppressed else est,
                          "std_error": None if suppressed else se,
                          "ci_lower": None if suppressed else est - 1.96 * se,
                          "ci_upper": None if suppressed else est + 1.96 * se,
                          "suppressed": suppressed, "secondary": secondary}]}


def _entries(rows: pd.DataFrame, unit: str = UNIT) -> pd.DataFrame:
    se = np.sqrt(rows["vi"].to_numpy())
    return pd.DataFrame({"entry_id": [f"t{t}" for t in rows["trial"]], "measure": "bcg",
                         "outcome": "tb", "unit": unit, "estimate": rows["yi"].to_numpy(),
                         "std_error": se, "ci_lower": rows["yi"] - 1.96 * se,
                         "ci_upper": rows["yi"] + 1.96 * se, "suppressed": False,
                         "study_id": [f"s{t}" for t in rows["trial"]],
                         "source": [f"{a} ({y})" for a, y in zip(rows["author"], rows["year"],
                                                                 strict=True)]})


@pytest.mark.parametrize(("method", "reference"), [("DL", "DL"), ("REML", "REML_tight")])
@pytest.mark.parametrize("trial", DATA["trial"].tolist())
def test_each_trial_against_the_others_matches_metafor(method, reference, trial):
    # 1e-6 absolute on every number; REML against metafor run to 1e-12
    this = DATA[DATA["trial"] == trial].iloc[0]
    res = _results(float(this["yi"]), math.sqrt(this["vi"]))
    o = compare_with_register(res, _entries(DATA[DATA["trial"] != trial]),
                              method=method)["outcomes"][0]
    loo = LOO[(LOO["method"] == reference) & (LOO["trial"] == trial)].iloc[0]
    blup = BLUP[(BLUP["method"] == reference) & (BLUP["trial"] == trial)].iloc[0]
    full = POOLED[reference]
    got = [o["register"]["estimate"], o["register"]["std_error"], o["register"]["tau2"],
           o["difference"]["estimate"], o["difference"]["std_error"], o["difference"]["z"],
           o["combined"]["estimate"], o["combined"]["std_error"], o["combined"]["tau2"],
           o["blup"]["estimate"], o["blup"]["std_error"]]
    want = [loo["estimate"], loo["se"], loo["tau2"], loo["resid"], loo["se_resid"], loo["z"],
            full["b"], full["se"], full["tau2"], blup["pred"], blup["se"]]
    np.testing.assert_allclose(got, want, atol=1e-6, rtol=0)
    assert o["status"] == "compared" and o["k"] == 12 and len(o["sources"]) == 12


def test_difference_interval_and_p_value_are_the_z_test():
    this = DATA.iloc[0]
    o = compare_with_register(_results(float(this["yi"]), math.sqrt(this["vi"])),
                              _entries(DATA.iloc[1:]))["outcomes"][0]
    d = o["difference"]
    assert d["ci_lower"] == pytest.approx(d["estimate"] - 1.959963984540054 * d["std_error"])
    from scipy import stats
    assert d["p_value"] == pytest.approx(2 * stats.norm.sf(abs(d["z"])))


def test_one_entry_is_the_register_and_the_test_has_no_tau2():
    one = DATA.iloc[[1]]
    o = compare_with_register(_results(-0.5, 0.2), _entries(one))["outcomes"][0]
    assert o["k"] == 1 and o["register"]["estimate"] == pytest.approx(one["yi"].iloc[0])
    assert o["register"]["tau2"] is None
    assert o["difference"]["std_error"] == pytest.approx(math.sqrt(0.2**2 + one["vi"].iloc[0]))


def test_own_entries_are_left_out_and_counted():
    entries = _entries(DATA)
    this = DATA.iloc[0]
    got = compare_with_register(_results(float(this["yi"]), math.sqrt(this["vi"])), entries,
                                study_id="s1")
    assert got["excluded_own"] == 1 and got["outcomes"][0]["k"] == 12
    other = compare_with_register(_results(0.0, 0.1), entries, measure="other")
    assert other["measure"] == "other" and other["outcomes"][0]["status"] == "no_entries"


@pytest.mark.parametrize("kw", [{"suppressed": True}, {"secondary": "estimate;n_treated"}])
def test_a_hidden_estimate_is_never_compared(kw):
    o = compare_with_register(_results(-0.3, 0.1, **kw), _entries(DATA))["outcomes"][0]
    assert o["status"] == "local_hidden"
    assert all(o[b] is None for b in ("register", "local", "difference", "combined", "blup"))


def test_entries_in_another_unit_or_suppressed_are_not_pooled():
    entries = pd.concat([_entries(DATA.iloc[:3]), _entries(DATA.iloc[3:5], unit="nok per x"),
                         _entries(DATA.iloc[5:6]).assign(suppressed=True, estimate=np.nan)],
                        ignore_index=True)
    o = compare_with_register(_results(-0.3, 0.1), entries)["outcomes"][0]
    assert (o["k"], o["k_other_unit"], o["k_suppressed"]) == (3, 2, 1)


# -- one HOLF run with a register: results.json, the report, the command line -------------

@pytest.fixture(scope="module")
def holf(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("holf_register")
    spec = ROOT / "studies" / "holf.toml"
    first = run_study(spec, tmp / "first")
    literature = entries_from_table(pd.DataFrame([
        {"measure": "holf", "outcome": "cost_nav", "unit": "nok per family per year",
         "estimate": -5000.0, "std_error": 6000.0, "design": "rct", "source": "Trial A"},
        {"measure": "holf", "outcome": "cost_nav", "unit": "nok per family per year",
         "estimate": 2000.0, "std_error": 4000.0, "design": "rct", "source": "Trial B"}]))
    register = tmp / "register"
    entries = add_entries(register, pd.concat([entries_from_results(tmp / "first"),
                                               literature], ignore_index=True))
    before = register_fingerprint(register)
    second = run_study(spec, tmp / "second", register=register)
    return {"tmp": tmp, "first": first, "second": second, "entries": entries,
            "register": register, "before": before}


def test_run_compares_with_the_register_leaving_its_own_entries_out(holf):
    comp = holf["second"]["register_comparison"]
    on_disk = json.loads((holf["tmp"] / "second" / "results.json").read_text())
    assert on_disk["register_comparison"] == json.loads(json.dumps(comp))
    assert comp["register"] == str(holf["register"])
    assert comp["fingerprint"] == holf["before"] == register_fingerprint(holf["register"])
    assert comp["excluded_own"] == len(holf["first"]["outcomes"])  # one entry per outcome
    by = {o["outcome"]: o for o in comp["outcomes"]}
    assert by["cost_nav"]["status"] == "compared" and by["cost_nav"]["k"] == 2
    assert {o["status"] for n, o in by.items() if n != "cost_nav"} == {"no_entries"}
    local = next(o for o in holf["second"]["outcomes"] if o["outcome"] == "cost_nav")
    assert by["cost_nav"]["local"]["estimate"] == local["estimate"]
    lit = holf["entries"][holf["entries"]["source"] != "local study"]
    again = compare_with_register(holf["second"], lit)
    assert again["outcomes"] == comp["outcomes"]


def test_report_section_in_both_languages(holf):
    html = (holf["tmp"] / "second" / "report.html").read_text()
    assert "<h2>Sammenlignet med effektregisteret</h2>" in html
    assert "denne studiens egne 5 oppføringer er holdt utenfor" in html
    assert "Registeret (2 oppføringer)" in html and "Kilder i registeret: Trial A; Trial B." in html
    d = next(o for o in holf["second"]["register_comparison"]["outcomes"]
             if o["outcome"] == "cost_nav")["difference"]
    word = "statistisk signifikant, og estimatet skiller" if d["p_value"] < 0.05 else (
        "ikke statistisk signifikant")
    assert word in html
    en = {**holf["second"], "spec": {**holf["second"]["spec"], "language": "en"}}
    html_en = render_report(en)
    assert "<h2>Compared with the effect register</h2>" in html_en
    assert "Register (2 entries)" in html_en and "This study, shrunk" in html_en


def test_run_without_register_says_so(holf):
    assert holf["first"]["register_comparison"]["register"] is None
    html = (holf["tmp"] / "first" / "report.html").read_text()
    assert "Studien er ikke sammenlignet med et effektregister" in html
    older = {k: v for k, v in holf["first"].items() if k != "register_comparison"}
    assert "Studien er ikke sammenlignet med et effektregister" in render_report(older)


def test_missing_register_is_refused_before_the_run(tmp_path, capsys):
    out = tmp_path / "out"
    with pytest.raises(SpecError, match="register .*no such folder"):
        run_study(ROOT / "studies" / "holf.toml", out, register=tmp_path / "nope")
    assert not out.exists()
    code = main(["study", "run", str(ROOT / "studies" / "holf.toml"), "--out", str(out),
                 "--register", str(tmp_path / "nope"), "--quiet"])
    assert code == 2 and "no such folder" in capsys.readouterr().err
    assert not out.exists()


def test_cli_register_flag(holf, tmp_path, capsys):
    register = tmp_path / "register"
    shutil.copytree(holf["register"], register)
    code = main(["study", "run", str(ROOT / "studies" / "holf.toml"), "--out",
                 str(tmp_path / "out"), "--register", str(register), "--quiet"])
    assert code == 0
    got = json.loads((tmp_path / "out" / "results.json").read_text())["register_comparison"]
    want = holf["second"]["register_comparison"]
    assert got["outcomes"] == json.loads(json.dumps(want["outcomes"]))
    assert sorted(p.name for p in register.iterdir()) == sorted(
        p.name for p in holf["register"].iterdir())  # the register is only read
