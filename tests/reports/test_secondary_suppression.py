"""Secondary suppression: no hidden figure can be worked out from the shown ones.

Three studies on copies of the committed data each make a cell small (issue 10):

* ``cohorts``: a HOLF matched study whose 2018 cohort has 4 matched families and whose
  window reaches event time 7, which only that cohort reaches (routes: an event time
  against the overall estimate and the other event times; a "<5" cohort count in the
  balance table against the total);
* ``missing``: a staggered study in which 3 HOLF families lack a covariate, so the sample
  flow's "dropped: missing covariate" is "<5" (route: a flow count against the other
  rows; the TWFE robustness row counts those families too);
* ``tiny``: a HOLF study with 6 families in the pilot: the main estimate is suppressed.

The attacker (:func:`attack`) is written here, apart from the mechanism: it reads which
cells the outputs show, takes the identities the code makes those cells satisfy (written
out below from ``effekt.study.designs``), and tries (1) the rank test with a least-squares
solve, (2) every combination of the identities with coefficients in {-1, 0, 1} and (3) for
counts, every value 1..4 of the "<5" cell under the bounds the output reveals. Each route
is first attacked with primary suppression only (the control: the value is recovered),
then as published (it is not).
"""

from __future__ import annotations

import itertools
import json
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

import effekt.study.cells as cells
import effekt.study.runner as runner
from effekt.data import RecordStore, panel
from effekt.errors import SpecError
from effekt.reports.texts import TEXTS
from effekt.study import load_spec, run_study
from effekt.study.designs import estimate
from effekt.synthetic import generate, load

ROOT = Path(__file__).resolve().parents[2]
M = 5  # min_cell of every study here


# -- the studies ----------------------------------------------------------------------------

def _data(folder: Path, change) -> Path:
    """Write the committed record tables, changed by ``change(tables)``, to folder/data."""
    tables = {k: v.copy() for k, v in load(ROOT / "synthetic_data").tables.items()}
    change(tables)
    data = folder / "data"
    data.mkdir(parents=True)
    for name, frame in tables.items():
        frame.to_parquet(data / f"{name}.parquet", index=False)
    return data


def _holf(tables) -> pd.DataFrame:
    ex = tables["exposures"]
    return ex[ex["pilot"] == "holf"].sort_values(["start_date", "family_id"])


def _run(folder: Path, spec_text: str) -> dict:
    """Run a spec; return outputs and the true Estimates (recorded as the runner makes them)."""
    spec = folder / "study.toml"
    spec.write_text(spec_text)
    made = []

    def spy(panel, design, outcome, **kw):
        e = real(panel, design, outcome, **kw)
        made.append(e)
        return e

    real = runner.estimate
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(runner, "estimate", spy)
        run_study(spec, folder / "out")
    out = folder / "out"
    return {"results": json.loads((out / "results.json").read_text()),
            "html": (out / "report.html").read_text(), "out": out, "truth": made}


@pytest.fixture(scope="module")
def cohorts(tmp_path_factory):
    d = tmp_path_factory.mktemp("cohorts")

    def change(t):
        holf = _holf(t)
        year = holf["start_date"].dt.year
        keep = pd.concat([holf[year == 2018].head(5), holf[year != 2018]])
        t["exposures"] = pd.concat([t["exposures"][t["exposures"]["pilot"] != "holf"], keep])

    _data(d, change)
    spec = (ROOT / "studies" / "holf.toml").read_text()
    spec = (spec.replace('folder = "../synthetic_data"', 'folder = "data"')
            .replace("window = [-2, 5]", "window = [-2, 7]").replace("horizon = 6", "horizon = 8"))
    return _run(d, spec)


@pytest.fixture(scope="module")
def missing(tmp_path_factory):
    d = tmp_path_factory.mktemp("missing")

    def change(t):
        fams = _holf(t)["family_id"].head(3)
        p = t["persons"]
        p.loc[p["family_id"].isin(fams), "n_children"] = np.nan

    data = _data(d, change)
    return _run(d, f"""
title = "Missing covariates"
language = "en"
seed = 3
min_cell = 5
covariates = ["n_children"]
[data]
folder = "{data.resolve()}"        # absolute: the report must show it relative to the spec
[population]
unit = "family"
start = "2016-01-01"
end = "2025-12-31"
[exposure]
pilot = "holf"
[[outcomes]]
name = "social_assistance_months"
kind = "months"
aggregation = "mean"
price = {{ sector = "nav", nok_per_unit = 9718 }}
[design]
type = "staggered_did"
n_boot = 99
window = [-3, 5]
[robustness]
pretrend_test = true
alternative_control = "notyet"
alternative_estimator = "twfe_event_study"
sensitivity = true
[budget]
horizon = 6
""")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    d = tmp_path_factory.mktemp("tiny")

    def change(t):
        t["exposures"] = pd.concat([t["exposures"][t["exposures"]["pilot"] != "holf"],
                                    _holf(t).head(6)])

    _data(d, change)
    spec = (ROOT / "studies" / "holf.toml").read_text()
    return _run(d, spec.replace('folder = "../synthetic_data"', 'folder = "data"'))


# -- the attacker ---------------------------------------------------------------------------

def attack(identities: list[dict], truth: dict, shown: set, target, counts=()) -> dict:
    """Everything the reader can learn of ``target`` from the shown cells and identities.

    ``truth`` holds every cell's value; the reader sees those in ``shown`` (exactly: the
    reader's best case) and knows the identities. Returns ``determined`` (rank test,
    confirmed by the null space of a least-squares solve), ``combination`` (the value of a
    {-1, 0, 1} combination of the identities that leaves ``target`` as its only hidden
    cell, or None) and, for a "<5" count, ``feasible``: the values 1..4 that the identities
    and the bounds the output reveals (a "<5" count is 1..4, a count shown as a dash is at
    least 5, a count never shown at least 0) still allow.
    """
    for row in identities:  # the identities must hold, or the attack proves nothing
        assert abs(sum(c * truth[k] for k, c in row.items())) < 1e-6 * (
            1 + sum(abs(c * truth[k]) for k, c in row.items())), row
    hidden = [k for k in truth if k not in shown]
    a = np.array([[row.get(k, 0.0) for k in hidden] for row in identities], dtype=float)
    b = np.array([-sum(c * truth[k] for k, c in row.items() if k in shown)
                  for row in identities])
    j = hidden.index(target)
    unit = np.eye(len(hidden))[j]
    determined = np.linalg.matrix_rank(np.vstack([a, unit])) == np.linalg.matrix_rank(a)
    x, *_ = np.linalg.lstsq(a, b, rcond=None)
    null = np.linalg.svd(a)[2][np.linalg.matrix_rank(a):]  # rows span the null space
    assert determined == (not np.any(np.abs(null[:, j]) > 1e-9))
    if determined:
        assert x[j] == pytest.approx(truth[target], rel=1e-6, abs=1e-6)
    # identities alike on the hidden cells say the same of them: one of each is enough
    _, first = np.unique(a.round(12), axis=0, return_index=True)
    keep = [i for i in sorted(first) if np.any(a[i] != 0)]
    combination = None
    for coef in itertools.product((-1, 0, 1), repeat=len(keep)):
        r = np.asarray(coef, dtype=float) @ a[keep] if keep else np.zeros(len(hidden))
        others = np.abs(np.delete(r, j)) > 1e-12
        if abs(r[j]) > 1e-12 and not others.any():
            combination = float(np.asarray(coef) @ b[keep] / r[j])
            break
    out = {"determined": bool(determined), "combination": combination}
    if target in counts and 0 < truth[target] < M:
        bounds = [(1, M - 1) if 0 < truth[k] < M else (M, None) if truth[k] >= M else (0, None)
                  for k in hidden]
        bounds = [(0, None) if str(k).startswith("latent") else bd
                  for k, bd in zip(hidden, bounds, strict=True)]
        out["feasible"] = []
        for v in range(1, M):
            fixed = list(bounds)
            fixed[j] = (v, v)
            res = linprog(np.zeros(len(hidden)), A_eq=a, b_eq=b, bounds=fixed, method="highs")
            if res.status == 0:
                out["feasible"].append(v)
    return out


def _recovered(result: dict) -> bool:
    return result["determined"] or result["combination"] is not None or (
        "feasible" in result and len(result["feasible"]) < 2)


def _shown_count(v) -> bool:
    """Whether a written count is shown as a number (not "<5", not hidden)."""
    return isinstance(v, int) and not isinstance(v, bool)


# -- route 1: an event time against the overall and the other event times --------------------

def _event_cells(res: dict, truth) -> tuple[dict, set, list]:
    """Cells: the overall estimate and the event times; identity: overall = mean(e >= 0)."""
    r = res["results"]
    main = truth[0]  # the first Estimate made is the main outcome's
    assert main.outcome == r["main"]["outcome"]
    values = {"overall": main.estimate}
    shown = {"overall"} if r["main"]["estimate"] is not None else set()
    published = {e["event_time"]: e for e in r["event_study"]}
    for t, est in zip(main.event["event_time"], main.event["estimate"], strict=True):
        values[f"e{t}"] = est
        if published[int(t)]["estimate"] is not None:
            shown.add(f"e{t}")
    post = [f"e{t}" for t in main.event["event_time"] if t >= 0]
    return values, shown, [{"overall": len(post), **{k: -1 for k in post}}]


def test_event_time_route_is_closed(cohorts):
    r = cohorts["results"]
    ev = {e["event_time"]: e for e in r["event_study"]}
    # the precondition: event time 7 rests on the 4 families of the 2018 cohort
    assert ev[7]["n_treated"] == "<5" and ev[7]["suppressed"] and ev[7]["secondary"] is None
    values, shown, identities = _event_cells(cohorts, cohorts["truth"])
    primary = {f"e{t}" for t, e in ev.items() if e["n_treated"] == "<5"}
    control = attack(identities, values, set(values) - primary, "e7")
    assert control["combination"] == pytest.approx(values["e7"])  # the route exists
    assert control["determined"]
    for hidden in sorted(set(values) - shown):  # as published
        assert not _recovered(attack(identities, values, shown, hidden)), hidden
    # the overall (the headline) is kept; the event time with the next fewest units hidden
    assert r["main"]["estimate"] is not None and not r["main"]["suppressed"]
    assert ev[6]["secondary"] == "estimate" and ev[6]["estimate"] is None
    assert ev[6]["n_treated"] == min(e["n_treated"] for e in ev.values()
                                     if e["n_treated"] != "<5")
    # the budget view shows no year of a hidden event time (it would be -estimate x price x n)
    for row in r["budget"]:
        assert row["suppressed"] == (row["year"] in (6, 7))
        assert (row["avoided_cost_nok"] is None) == row["suppressed"]
        assert (row["secondary"] is not None) == (row["year"] == 6)
    csv = pd.read_csv(cohorts["out"] / "tables" / "event_study.csv")
    assert csv.loc[csv["event_time"].isin([6, 7]), "estimate"].isna().all()


# -- route 3: a "<5" cohort count in the balance table against the total ---------------------

def _cohort_cells(res: dict):
    """Cells: cohort counts, flow, event-time counts; identities from designs._matched."""
    r = res["results"]
    main = res["truth"][0]
    flow = dict(main.flow)
    values, shown = {}, set()
    for step, n in main.flow:
        values[f"flow:{step}"] = n
    for row in r["flow"]:
        if _shown_count(row["n"]):
            shown.add(f"flow:{row['step']}")
    m_g = main.balance.drop_duplicates("cohort").set_index("cohort")["n_treated"]
    published = {row["cohort"]: row["n_treated"] for row in r["balance"]}
    for g, n in m_g.items():
        values[f"cohort:{g}"] = n
        if _shown_count(published[g]):
            shown.add(f"cohort:{g}")
    ev = {e["event_time"]: e["n_treated"] for e in r["event_study"]}
    for t, n in zip(main.event["event_time"], main.event["n_treated"], strict=True):
        values[f"n:{t}"] = n
        if _shown_count(ev[int(t)]):
            shown.add(f"n:{t}")
    values["main_n_treated"] = main.n_treated  # the headline count, the matched treated
    if _shown_count(r["main"]["n_treated"]):
        shown.add("main_n_treated")
    lo, hi = 2016, 2025  # the panel's periods
    identities = [
        {"flow:units_in_panel": 1, "flow:dropped_incomplete_outcome_or_residence": -1,
         "flow:treated": -1, "flow:controls_available": -1},
        {"flow:treated": 1, "flow:treated_matched": -1, "flow:treated_unmatched": -1},
        {"main_n_treated": 1, "flow:treated_matched": -1},
        {"flow:treated_matched": 1, **{f"cohort:{g}": -1 for g in m_g.index}},
        *[{f"n:{t}": 1, **{f"cohort:{g}": -1 for g in m_g.index if lo <= g + t <= hi}}
          for t in main.event["event_time"]],
    ]
    assert flow["treated_matched"] == m_g.sum()
    return values, shown, identities


def test_balance_cohort_route_is_closed(cohorts):
    r = cohorts["results"]
    bal = {row["cohort"]: row for row in r["balance"]}
    assert bal[2018]["n_treated"] == "<5" and bal[2018]["smd_before"] is None  # precondition
    values, shown, identities = _cohort_cells(cohorts)
    small = {k for k, v in values.items() if 0 < v < M}
    control = attack(identities, values, set(values) - small, "cohort:2018", counts=values)
    assert control["combination"] == values["cohort:2018"]  # total - the other cohorts
    for hidden in sorted(set(values) - shown):  # as published
        result = attack(identities, values, shown, hidden, counts=values)
        assert not _recovered(result), (hidden, result)
    assert attack(identities, values, shown, "cohort:2018",
                  counts=values)["feasible"] == [1, 2, 3, 4]
    # the next smallest cohort's count is hidden too; its SMDs are shown
    assert bal[2019]["n_treated"] is None and bal[2019]["secondary"] == "n_treated"
    assert bal[2019]["smd_after"] is not None
    assert bal[2020]["n_treated"] == 8
    csv = pd.read_csv(cohorts["out"] / "tables" / "balance.csv")
    assert set(csv.loc[csv["cohort"] == 2018, "n_treated"]) == {"<5"}
    assert csv.loc[csv["cohort"] == 2019, "n_treated"].isna().all()


# -- route 2: a "<5" count in the sample flow against the other rows -------------------------

def _flow_cells(res: dict):
    """Cells: the flow, the counts of the main and robustness rows (identities: designs)."""
    r = res["results"]
    truth = res["truth"]
    main = truth[0]
    alt = next(e for e in truth if e.design == "staggered_did" and e is not main)
    twfe = next(e for e in truth if e.design == "twfe_event_study")
    flow = dict(main.flow)
    values = {f"flow:{s}": n for s, n in main.flow}
    values.update({"main:n_treated": main.n_treated, "main:n_control": main.n_control,
                   "alt:n_treated": alt.n_treated, "alt:n_control": alt.n_control,
                   "twfe:n_treated": twfe.n_treated, "twfe:n_control": twfe.n_control})
    kept = flow["treated"] + flow["dropped_treated_before_first_period"] + flow[
        "dropped_treated_after_last_period"]
    values["latent:dropped_treated"] = twfe.n_treated - kept
    values["latent:dropped_controls"] = twfe.n_control - flow["controls"]
    shown = {f"flow:{row['step']}" for row in r["flow"] if _shown_count(row["n"])}
    rob = {row["check"]: row for row in r["robustness"]}
    for name, row in (("main", r["main"]), ("alt", rob["alternative_control"]),
                      ("twfe", rob["alternative_estimator"])):
        shown |= {f"{name}:{k}" for k in ("n_treated", "n_control") if _shown_count(row[k])}
    identities = [
        {"flow:units_with_outcome": 1, "flow:dropped_missing_covariate_or_cluster": -1,
         "flow:dropped_treated_before_first_period": -1,
         "flow:dropped_treated_after_last_period": -1, "flow:treated": -1,
         "flow:controls": -1},
        {"main:n_treated": 1, "flow:treated": -1}, {"main:n_control": 1, "flow:controls": -1},
        {"alt:n_treated": 1, "flow:treated": -1}, {"alt:n_control": 1, "flow:controls": -1},
        # TWFE keeps every unit with the outcome: the flow's plus those dropped for a
        # missing covariate, split (unseen) into treated and controls
        {"flow:dropped_missing_covariate_or_cluster": 1, "latent:dropped_treated": -1,
         "latent:dropped_controls": -1},
        {"twfe:n_treated": 1, "latent:dropped_treated": -1, "flow:treated": -1,
         "flow:dropped_treated_before_first_period": -1,
         "flow:dropped_treated_after_last_period": -1},
        {"twfe:n_control": 1, "latent:dropped_controls": -1, "flow:controls": -1},
    ]
    return values, shown, identities


def test_flow_route_is_closed(missing):
    r = missing["results"]
    flow = {row["step"]: row for row in r["flow"]}
    assert flow["dropped_missing_covariate_or_cluster"]["n"] == "<5"  # the precondition
    values, shown, identities = _flow_cells(missing)
    target = "flow:dropped_missing_covariate_or_cluster"
    counts = set(values)
    latent = {k for k in values if k.startswith("latent")}
    small = {k for k, v in values.items() if 0 < v < M}
    control = attack(identities, values, set(values) - small - latent, target, counts)
    assert control["combination"] == values[target]  # with outcome - the other steps
    # the flow alone, as the issue found it: a {-1, 0, 1} subtraction of the shown rows
    rows = [k for k in values if k.startswith("flow:") and k != target]
    hits = [c for c in itertools.product((-1, 0, 1), repeat=len(rows))
            if sum(ci * values[k] for ci, k in zip(c, rows, strict=True)) == values[target]]
    assert hits  # e.g. with outcome - covariate-free rows = the hidden count
    for hidden in sorted(set(values) - shown - latent):
        result = attack(identities, values, shown, hidden, counts)
        assert not _recovered(result), (hidden, result)
    shown_rows = [k for k in rows if k in shown]
    assert not any(
        sum(ci * values[k] for ci, k in zip(c, shown_rows, strict=True)) == values[target]
        for c in itertools.product((-1, 0, 1), repeat=len(shown_rows)))
    # the hidden steps: the smallest count that protects it (not controls: it is repeated
    # in the estimates and robustness tables), and the TWFE row's treated count
    assert flow["units_with_outcome"]["n"] is None
    assert flow["units_with_outcome"]["secondary"] == "n"
    rob = {row["check"]: row for row in r["robustness"]}
    assert rob["alternative_estimator"]["n_treated"] is None
    assert rob["alternative_estimator"]["secondary"] == "n_treated"
    assert r["disclosure"]["secondary_cells"] == 2


# -- the report shows it, in both languages --------------------------------------------------

class _Tables(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables, self._cell = {}, None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._name = dict(attrs).get("class")
            self.tables[self._name] = []
        elif tag == "tr":
            self.tables[self._name].append([])
        elif tag in ("td", "th"):
            self._cell = ""

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.tables[self._name][-1].append(self._cell)
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data


def _tables(html: str) -> dict:
    p = _Tables()
    p.feed(html)
    return p.tables


def test_report_marks_hidden_cells_and_says_why(cohorts, missing):
    nb = _tables(cohorts["html"])
    assert ["2018", "<5"] == [nb["balance"][1][1], nb["balance"][1][-1]]
    assert {row[-1] for row in nb["balance"] if row[1] == "2019"} == {"–*"}
    event = {row[0]: row for row in nb["event-study"][1:]}
    assert event["7"][1:] == ["–", "–", "–", "<5"]
    assert event["6"][1:4] == ["–*", "–*", "–*"] and event["6"][4] != "–*"
    note = TEXTS["nb"]["secondary_note"].replace("$min_cell", "5")
    assert cohorts["html"].count(note) == 3  # under the balance, event-study, budget tables
    budget = {(row[0], row[2]): row[3:] for row in nb["budget"][1:]}
    assert budget[("kostnad NAV (kommunal), kr", "6")] == ["–*", "–*"]  # the complement's year
    assert budget[("kostnad NAV (kommunal), kr", "7")] == ["–", "–"]  # the "<5" event time's
    assert TEXTS["nb"]["budget_hidden_years"].replace("$min_cell", "5") in cohorts["html"]
    en = _tables(missing["html"])
    flow = {row[0]: row[1] for row in en["flow"][1:]}
    assert flow["units with the outcome measured"] == "–*"
    assert flow["dropped: missing covariate or cluster"] == "<5"
    assert en["robustness"][2][-1] == "–*"
    assert TEXTS["en"]["secondary_note"].replace("$min_cell", "5") in missing["html"]
    assert "2 further figures are hidden (–*)" in missing["html"]


def test_no_absolute_data_path_in_outputs(missing):
    data = missing["out"].parent / "data"
    for path in missing["out"].rglob("*"):
        if path.is_file() and path.name != "spec.toml":  # the spec copy is the user's text
            assert str(data.resolve()) not in path.read_text(), path.name
    assert missing["results"]["spec"]["data"]["folder"] == "data"
    design = {row[0]: row[1] for row in _tables(missing["html"])["design"][1:]}
    assert design["Data"] == "data"


# -- nothing is derived from a suppressed estimate ---------------------------------------------

def test_sensitivity_budget_and_pretrend_absent_for_a_suppressed_estimate(tiny):
    r = tiny["results"]
    assert r["main"]["suppressed"] and r["main"]["estimate"] is None  # the precondition
    assert r["sensitivity"] is None and r["pretrend_test"] is None
    assert r["budget"] == []
    withheld = {(w["statistic"], w["outcome"]) for w in r["disclosure"]["withheld"]}
    assert withheld == {("sensitivity", "social_assistance_months"),
                        ("pretrend_test", "social_assistance_months"),
                        ("budget", "cost_helse_sosial"), ("budget", "cost_nav")}
    html = tiny["html"]
    nb = TEXTS["nb"]
    assert nb["sensitivity_withheld"] in html and nb["pretrend_withheld"] in html
    assert nb["sensitivity"].split("$")[0] not in html and "W = " not in html
    assert ("Budsjettvirkningen for kostnad NAV (kommunal), kr og kostnad helse og sosial, kr "
            "vises") in html
    assert nb["budget_none"] not in html  # the study does give a cost per unit
    assert not (tiny["out"] / "tables" / "budget.csv").exists()


def test_a_shown_estimate_keeps_its_sensitivity_and_budget(cohorts):
    r = cohorts["results"]
    assert r["sensitivity"] is not None and r["pretrend_test"] is not None
    assert r["disclosure"]["withheld"] == []


# -- the spec's floor -------------------------------------------------------------------------

@pytest.mark.parametrize("value", [1, 4, 0, -5])
def test_min_cell_below_five_is_refused(tmp_path, value):
    text = (ROOT / "studies" / "holf.toml").read_text().replace("min_cell = 5",
                                                                f"min_cell = {value}")
    text = text.replace('folder = "../synthetic_data"', f'folder = "{ROOT / "synthetic_data"}"')
    spec = tmp_path / "low.toml"
    spec.write_text(text)
    with pytest.raises(SpecError, match=rf"low\.toml: min_cell: .*>= 5.*got {value}\b"):
        load_spec(spec)


def test_min_cell_of_five_or_more_is_accepted(tmp_path):
    text = (ROOT / "studies" / "holf.toml").read_text().replace("min_cell = 5", "min_cell = 10")
    text = text.replace('folder = "../synthetic_data"', f'folder = "{ROOT / "synthetic_data"}"')
    (tmp_path / "strict.toml").write_text(text)
    assert load_spec(tmp_path / "strict.toml").min_cell == 10


# -- the runner's identities are those of the designs -------------------------------------------

@pytest.mark.filterwarnings("ignore::effekt.errors.EffektWarning")
def test_flow_identities_and_count_steps_hold_for_every_design():
    m = generate(seed=5, scale=0.1)
    p = panel(RecordStore.from_frames(**m.tables), unit="person", period="year",
              outcomes={"school_absence_days": "mean"}, exposure="samhandling",
              covariates=["income_decile"])
    g = int(p.loc[p["cohort"] > 0, "cohort"].min())
    two = {"pre_period": g - 1, "post_period": g + 2}
    cases = {"staggered_did": {"n_boot": 19}, "matched_did": {}, "did_2x2": two,
             "matching": two, "rct": two, "twfe_event_study": {}}
    for design, options in cases.items():
        d = p[p["cohort"].isin([0, g])] if design in ("did_2x2", "matching", "rct") else p
        e = estimate(d, design, "school_absence_days", unit="person_id",
                     covariates=["income_decile"] if design != "twfe_event_study" else [],
                     options=options, seed=1)
        flow = dict(e.flow)
        for identity in cells.FLOW_IDENTITIES.get(design, ()):
            assert sum(c * flow[s] for s, c in identity.items()) == 0, (design, identity)
        treated, control = cells.COUNT_STEPS[design]
        assert e.n_treated == flow[treated], design
        assert control is None or e.n_control == flow[control], design
        if len(e.event):  # the overall estimate is the mean of the event times e >= 0
            post = e.event.loc[e.event["event_time"] >= 0, "estimate"]
            assert e.estimate == pytest.approx(post.mean(), rel=1e-12), design
