"""The effect register: entries, the folder rule, grades, pooling and the portfolio."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from effekt.cli import main
from effekt.errors import DataError, SpecError
from effekt.register import (
    ENTRY_COLUMNS,
    add_entries,
    entries_from_results,
    entries_from_table,
    entry_grade,
    pooled_effects,
    portfolio,
    random_effects,
    read_register,
)


def _outcome(name, kind, est, se, *, suppressed=False, sector=None, n=40):
    lo, hi = est - 1.96 * se, est + 1.96 * se
    return {"outcome": name, "kind": kind, "estimate": None if suppressed else est,
            "std_error": None if suppressed else se, "ci_lower": None if suppressed else lo,
            "ci_upper": None if suppressed else hi, "suppressed": suppressed,
            "n_treated": None if suppressed else n, "design": "matched_did",
            "mde": {"value": 2.8 * se}, "sector": sector}


@pytest.fixture
def study_out(tmp_path):
    out = tmp_path / "study"
    out.mkdir()
    results = {
        "effekt_version": "0.test",
        "spec": {"title": "Pilot P", "exposure": {"pilot": "p"},
                 "population": {"unit": "family", "period": "year"}},
        "data_fingerprint": {"persons.parquet": "ab" * 32},
        "assessment": {"level": "moderate"},
        "outcomes": [_outcome("months", "months", -1.0, 0.3),
                     _outcome("cost_nav", "nok", -9000.0, 2000.0, sector="nav"),
                     _outcome("rare", "share", 0.1, 0.05, suppressed=True)],
        "budget_inputs": [{"outcome": "cost_nav", "nok_per_unit": 1.0, "sector": "nav"}],
    }
    (out / "results.json").write_text(json.dumps(results))
    (out / "spec.toml").write_text('title = "Pilot P"\n')
    return out


def test_entries_from_results_one_per_outcome_suppressed_without_value(study_out):
    e = entries_from_results(study_out, desired={"months": "decrease"}, date="2026-01-31")
    assert list(e.columns) == list(ENTRY_COLUMNS)
    assert e["outcome"].tolist() == ["months", "cost_nav", "rare"]
    rare = e.set_index("outcome").loc["rare"]
    assert rare["suppressed"] and np.isnan(rare["estimate"]) and np.isnan(rare["std_error"])
    assert pd.isna(rare["n"]) and rare["evidence_grade"] == 1
    months = e.set_index("outcome").loc["months"]
    assert months["evidence_grade"] == 4  # causal design, trust moderate, interval excludes 0
    assert months["unit"] == "months per family per year" and months["date"] == "2026-01-31"
    assert months["desired"] == "decrease"
    assert e.set_index("outcome").loc["cost_nav", "desired"] is None  # never guessed
    assert e.set_index("outcome").loc["cost_nav", "nok_per_unit"] == 1.0
    assert e["source"].eq("local study").all() and e["spec_sha256"].str.len().eq(64).all()


def test_add_twice_is_refused_and_leaves_the_register_as_it_was(study_out, tmp_path):
    reg = tmp_path / "reg"
    e = entries_from_results(study_out)
    add_entries(reg, e)
    before = (reg / "entries.parquet").read_bytes()
    with pytest.raises(DataError, match="already in the register"):
        add_entries(reg, e)
    assert (reg / "entries.parquet").read_bytes() == before
    assert len(read_register(reg)) == 3


def test_a_folder_effekt_did_not_write_is_never_a_register(study_out, tmp_path):
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep")
    with pytest.raises(SpecError, match="not an effekt register"):
        add_entries(other, entries_from_results(study_out))
    assert [p.name for p in other.iterdir()] == ["notes.txt"]


def _literature(**over):
    row = {"measure": "p", "outcome": "months", "unit": "months per family per year",
           "estimate": -0.5, "std_error": 0.25, "design": "rct", "source": "Author (2020)"}
    row.update(over)
    return pd.DataFrame([row])


@pytest.mark.parametrize(("change", "match"), [
    ({"std_error": 0.0}, "std_error 0.0 must be a positive"),
    ({"evidence_grade": 7}, "evidence_grade.*7.*0 to 5"),
    ({"desired": "up"}, "'desired': 'up'"),
    ({"source": ""}, "row 2, column 'source' is empty"),
])
def test_external_entries_bad_values_are_named(change, match):
    with pytest.raises(DataError, match=match):
        entries_from_table(_literature(**change))


def test_external_entries_missing_column_is_named():
    with pytest.raises(DataError, match="column.s. source missing"):
        entries_from_table(_literature().drop(columns="source"))


def test_external_grade_kept_and_default_interval():
    e = entries_from_table(_literature(evidence_grade=5))
    assert e["evidence_grade"].iloc[0] == 5
    assert e["ci_lower"].iloc[0] == pytest.approx(-0.5 - 1.959963984540054 * 0.25, abs=1e-12)


def test_pooled_effects_equal_random_effects_and_skip_suppressed(study_out):
    e = pd.concat([entries_from_results(study_out), entries_from_table(_literature()),
                   entries_from_table(_literature(source="Other (2022)", estimate=-1.4))],
                  ignore_index=True)
    pooled = pooled_effects(e).set_index(["measure", "outcome"])
    months = e[e["outcome"] == "months"]
    res = random_effects(months["estimate"], months["std_error"])
    row = pooled.loc[("p", "months")]
    assert row["k"] == 3
    for col in ("estimate", "std_error", "tau2", "i2", "pred_lower", "pred_upper"):
        assert row[col] == pytest.approx(getattr(res, col), rel=1e-12)
    rare = pooled.loc[("p", "rare")]
    assert rare["k"] == 0 and rare["k_suppressed"] == 1 and np.isnan(rare["estimate"])
    assert rare["evidence_grade"] == 1
    single = pooled.loc[("p", "cost_nav")]
    assert single["estimate"] == -9000.0 and np.isnan(single["tau2"])


def test_pooled_grade_five_needs_two_independent_graded_studies():
    two = pd.concat([entries_from_table(_literature(assessment="high")),
                     entries_from_table(_literature(source="B (2021)", assessment="high"))])
    assert pooled_effects(two)["evidence_grade"].iloc[0] == 5
    assert pooled_effects(two)["eif_level"].iloc[0] == "4"
    one = entries_from_table(_literature(assessment="high"))
    assert pooled_effects(one)["evidence_grade"].iloc[0] == 4


def test_a_trusted_null_is_not_outvoted_by_an_inconclusive_study():
    null = entries_from_table(_literature(estimate=0.01, std_error=0.02, assessment="high",
                                          mde=0.06))
    vague = entries_from_table(_literature(source="Local", estimate=0.16, std_error=0.14,
                                           assessment="low"))
    assert null["evidence_grade"].iloc[0] == 0 and vague["evidence_grade"].iloc[0] == 2
    pooled = pooled_effects(pd.concat([null, vague]))
    assert pooled["evidence_grade"].iloc[0] == 0 and pooled["eif_level"].iloc[0] == "NE"


def test_units_must_agree():
    mixed = pd.concat([entries_from_table(_literature()),
                       entries_from_table(_literature(source="B", unit="days"))])
    with pytest.raises(DataError, match="different units"):
        pooled_effects(mixed)


@pytest.mark.parametrize(("kw", "grade"), [
    ({"estimate": None, "ci_lower": None, "ci_upper": None}, 1),
    ({"design": "pre_post"}, 2),
    ({"assessment": "low"}, 3),
    ({}, 4),
    ({"desired": "increase"}, 0),  # a harmful effect
    ({"estimate": 0.1, "ci_lower": -0.2, "ci_upper": 0.4, "mde": 0.5}, 0),  # ruled out
    ({"estimate": 0.1, "ci_lower": -0.2, "ci_upper": 0.4, "mde": 0.3}, 2),  # inconclusive
])
def test_entry_grade_rules(kw, grade):
    args = {"estimate": -1.0, "ci_lower": -1.5, "ci_upper": -0.5, "design": "rct",
            "assessment": "high", "desired": None, "mde": None, **kw}
    assert entry_grade(**args) == grade


def _nav_entry(est, se):
    return entries_from_table(pd.DataFrame([{
        "measure": "m", "outcome": "cost_nav", "unit": "nok per person per year",
        "estimate": est, "std_error": se, "design": "rct", "source": "S",
        "nok_per_unit": 1.0, "sector": "nav"}]))


def test_portfolio_matches_the_normal_closed_form():
    from effekt.budgeting import discount_factors

    est, se, cost, horizon = -4000.0, 3000.0, 12000.0, 4
    p = portfolio(_nav_entry(est, se), pd.DataFrame({"measure": ["m"], "cost_nok": [cost],
                                                     "sector": ["helse_sosial"]}),
                  horizon=horizon, draws=400_000, seed=3)
    a = discount_factors(horizon - 1).sum()
    m, s = -est * a - cost, se * a
    row = p.table.iloc[0]
    assert row["pv_net"] == pytest.approx(m, abs=4 * s / np.sqrt(400_000))
    assert row["p_npv_positive"] == pytest.approx(stats.norm.cdf(m / s), abs=0.003)
    evpi = m * stats.norm.cdf(m / s) + s * stats.norm.pdf(m / s) - max(m, 0)
    assert row["evpi_nok"] == pytest.approx(evpi, rel=0.02)
    sectors = p.sectors.set_index("sector")
    assert sectors.loc["helse_sosial", "pv_cost"] == cost  # who pays
    assert sectors.loc["nav", "pv_gain"] == pytest.approx(-est * a, rel=0.01)  # who gains


def test_portfolio_same_seed_same_numbers_and_skips_unpriced():
    costs = pd.DataFrame({"measure": ["m", "x"], "cost_nok": [1000.0, 5.0],
                          "sector": ["nav", "nav"]})
    a = portfolio(_nav_entry(-500.0, 300.0), costs, seed=9, draws=1000)
    b = portfolio(_nav_entry(-500.0, 300.0), costs, seed=9, draws=1000)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert a.skipped.to_dict("records") == [{"measure": "x", "reason": "no priced outcome "
                                                                      "with an estimate"}]


def test_portfolio_bad_cost_is_named():
    with pytest.raises(DataError, match="cost_nok of measure 'm' is -1"):
        portfolio(_nav_entry(-500.0, 300.0),
                  pd.DataFrame({"measure": ["m"], "cost_nok": [-1.0], "sector": ["nav"]}))


def test_cli_add_show_export_portfolio(study_out, tmp_path, capsys):
    reg = tmp_path / "reg"
    assert main(["--quiet", "register", "add", str(study_out), "--register", str(reg)]) == 0
    lit = tmp_path / "lit.csv"
    _literature().to_csv(lit, index=False)
    assert main(["--quiet", "register", "add-external", str(lit), "--register", str(reg)]) == 0
    assert main(["register", "show", str(reg)]) == 0
    shown = capsys.readouterr().out
    assert "months" in shown and "rare" in shown
    assert main(["--quiet", "register", "export", str(reg), "--xlsx",
                 str(tmp_path / "r.xlsx")]) == 0
    assert set(pd.read_excel(tmp_path / "r.xlsx", sheet_name=None)) == {"pooled", "entries"}
    costs = tmp_path / "costs.csv"
    pd.DataFrame({"measure": ["p"], "cost_nok": [5000.0], "sector": ["nav"]}).to_csv(
        costs, index=False)
    out = tmp_path / "p.xlsx"
    assert main(["--quiet", "register", "portfolio", str(reg), "--costs", str(costs),
                 "--out", str(out)]) == 0
    assert out.exists()
    assert main(["--quiet", "register", "portfolio", str(reg), "--costs", str(costs),
                 "--out", str(out)]) == 2  # never overwrites without --force
    assert main(["--quiet", "register", "add", str(study_out), "--register", str(reg)]) == 2
    assert main(["--quiet", "register", "portfolio", str(reg), "--costs",
                 str(tmp_path / "absent.csv"), "--out", str(tmp_path / "q.csv")]) == 2
