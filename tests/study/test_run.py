"""Shipped studies end to end, reproducibility, disclosure control and identifier checks.

How the identifier check is made meaningful: identifiers in the committed data are small
integers (17) that also occur as ordinary numbers, so searching a report for them proves
nothing. (1) Structurally: no table written (CSV, results.json, HTML table header) has an
identifier column or key. (2) Behaviourally: a study is run on a copy of the data whose
person, family and provider ids are shifted to distinctive 10-digit numbers; no such number
may then appear as a whole token anywhere in the output folder.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from effekt.study import run_study
from effekt.synthetic import load

ROOT = Path(__file__).parents[2]
OFFSET = 7_000_000_000


class _Report(HTMLParser):
    """Collects tables (header and cells), the main estimate and every tag."""

    def __init__(self):
        super().__init__()
        self.tags, self.tables, self.main, self._cell, self._in_main = [], [], None, None, False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "table":
            self.tables.append({"class": dict(attrs).get("class"), "head": [], "rows": []})
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th"):
            self._cell = ""
        elif tag == "span" and dict(attrs).get("id") == "main-estimate":
            self._in_main = True

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            (self.tables[-1]["head"] if tag == "th" else self.tables[-1]["rows"][-1]).append(
                self._cell)
            self._cell = None
        elif tag == "span":
            self._in_main = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data
        if self._in_main:
            self.main = (self.main or "") + data


def _parse(html: str) -> _Report:
    p = _Report()
    p.feed(html)
    p.close()
    return p


def _number(text: str) -> float:
    return float(text.replace("\xa0", "").replace("−", "-").replace(",", "."))


def _run(spec, out):
    return run_study(spec, out)


@pytest.fixture(scope="module")
def holf(tmp_path_factory):
    d = tmp_path_factory.mktemp("holf")
    _run(ROOT / "studies" / "holf.toml", d / "a")
    _run(ROOT / "studies" / "holf.toml", d / "b")
    return d


@pytest.fixture(scope="module")
def samhandling(tmp_path_factory):
    d = tmp_path_factory.mktemp("samhandling")
    _run(ROOT / "studies" / "samhandling.toml", d / "a")
    return d / "a"


def _check_report(out: Path) -> dict:
    results = json.loads((out / "results.json").read_text())
    html = (out / "report.html").read_text()
    rep = _parse(html)
    main = results["main"]
    assert not main["suppressed"]
    assert _number(rep.main) == main["estimate"]  # the same number, printed in full
    sep = "," if results["spec"]["language"] == "nb" else "."
    decimals = len(rep.main.split(sep)[1]) if sep in rep.main else 0
    assert decimals == main["decimals"]
    # self-contained: no script, no external resource
    assert "<script" not in html.lower()
    for tag, attrs in rep.tags:
        for key in ("src", "href"):
            if key in attrs:
                assert attrs[key].startswith("data:image/png;base64,"), (tag, attrs[key][:40])
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html.replace("</", ""))
    # no identifier column in any table written
    for table in rep.tables:
        assert not any(h.lower().endswith("id") for h in table["head"]), table["head"]
    for csv in (out / "tables").glob("*.csv"):
        frame = pd.read_csv(csv)
        assert not [c for c in frame.columns if c.endswith("_id") or c == "id"], csv
    assert not re.search(r'"\w*_id":', (out / "results.json").read_text())  # no id key
    # every count shown is a number >= min_cell, 0 or "<min_cell"
    m = results["disclosure"]["min_cell"]
    for table in rep.tables:
        head = table["head"]
        for row in table["rows"]:
            for h, cell in zip(head, row, strict=False):
                if h in ("Deltakere", "Sammenligning", "Antall", "Participants", "Comparison",
                         "Count") and cell not in ("–", f"<{m}"):
                    n = int(cell.replace("\xa0", ""))
                    assert n == 0 or n >= m
    return results


def test_holf_end_to_end_and_reproducible(holf):
    results = _check_report(holf / "a")
    a = (holf / "a" / "results.json").read_bytes()
    assert a == (holf / "b" / "results.json").read_bytes()
    assert (holf / "a" / "report.html").read_bytes() == (holf / "b" / "report.html").read_bytes()
    assert results["main"]["outcome"] == "social_assistance_months"
    assert results["balance"] and results["budget"]
    # HOLF's matched pairs are fewer than 30 clusters: the only warning, once per outcome,
    # says so and names the small-sample inference the study used instead (issue 12): the
    # CR2 of the pooled long differences with Satterthwaite df
    assert {w["category"] for w in results["warnings"]} == {"few_clusters"}
    assert {w["fields"]["method"] for w in results["warnings"]} == {"cr2"}
    assert results["main"]["inference"] == "cr2"
    html = (holf / "a" / "report.html").read_text()
    assert "class='warnings'" in html and "fewer than 30 clusters" not in html
    assert "færre enn 30 klynger" in html
    resolved = json.loads((holf / "a" / "resolved_spec.json").read_text())
    assert resolved["data_fingerprint"]["persons.parquet"] == json.loads(
        (ROOT / "synthetic_data" / "manifest.json").read_text())["files"]["persons.parquet"][
        "sha256"]
    assert str(ROOT) not in a.decode()  # no absolute path
    # planted truth: families' social assistance months, event times 0..5, about -1.28
    lo, hi = results["main"]["ci_lower"], results["main"]["ci_upper"]
    assert lo < -1.28 < hi


def test_samhandling_end_to_end(samhandling):
    results = _check_report(samhandling)
    assert results["main"]["outcome"] == "school_absence_days"
    checks = {r["check"] for r in results["robustness"]}
    assert checks == {"alternative_control", "alternative_estimator", "placebo_outcome"}
    # the TWFE check warns of staggered adoption; the warning reaches results and report
    assert results["warnings"] == [{
        "step": "robustness", "check": "alternative_estimator",
        "outcome": "school_absence_days", "design": "twfe_event_study",
        "category": "twfe_staggered_adoption",
        "fields": {"function": "event_study", "n_cohorts": 4},
        "message": "event_study: adoption is staggered (4 treated cohorts). With effects that "
                   "vary over time or between cohorts, the TWFE coefficients are biased "
                   "(Goodman-Bacon 2021, Sun & Abraham 2021)."}]
    html = (samhandling / "report.html").read_text()
    limits = html[html.index("<h2>Begrensninger</h2>"):]
    assert ("<li><strong>Robusthetskontrollen «hendelsesstudie med toveis faste effekter» "
            "for fraværsdager i skolen:</strong> Tiltaket startet på ulike tidspunkt "
            "(4 oppstartskull).") in limits
    # planted truth: absence days, mean over event times 0..6, about -2.3
    assert results["main"]["ci_lower"] < -2.3 < results["main"]["ci_upper"]


@pytest.fixture(scope="module")
def shifted(tmp_path_factory):
    """Committed data with distinctive ids; a HOLF cohort of exactly 3 families."""
    d = tmp_path_factory.mktemp("shifted")
    m = load(ROOT / "synthetic_data")
    t = {k: v.copy() for k, v in m.tables.items()}
    for frame in t.values():
        for col in ("person_id", "family_id", "provider_id"):
            if col in frame:
                frame[col] = frame[col] + OFFSET
    ex = t["exposures"]
    holf = ex[ex["pilot"] == "holf"].sort_values(["start_date", "family_id"])
    early = holf[holf["start_date"].dt.year == 2018].head(8)
    late = holf[holf["start_date"].dt.year == 2020].head(3).copy()
    late["start_date"] = pd.Timestamp("2021-03-01")
    t["exposures"] = pd.concat([ex[ex["pilot"] != "holf"], early, late], ignore_index=True)
    data = d / "data"
    data.mkdir()
    for name, frame in t.items():
        frame.to_parquet(data / f"{name}.parquet", index=False)
    spec = d / "small.toml"
    spec.write_text("""
title = "Small cohort"
language = "en"
seed = 3
min_cell = 5
[data]
folder = "data"
[population]
unit = "family"
start = "2016-01-01"
end = "2025-12-31"
[exposure]
pilot = "holf"
[[outcomes]]
name = "employed"
kind = "share"
aggregation = "mean"
[design]
type = "staggered_did"
n_boot = 99
window = [-5, 4]
[robustness]
pretrend_test = true
alternative_estimator = "twfe_event_study"   # warns: its warning is written too
""")
    ids = set()
    for frame in t.values():
        for col in ("person_id", "family_id", "provider_id"):
            if col in frame:
                ids |= set(frame[col].dropna().astype("int64").tolist())
    run_study(spec, d / "out")
    return d / "out", ids


def test_no_identifier_anywhere_in_outputs(shifted):
    out, ids = shifted
    assert min(ids) > OFFSET
    assert json.loads((out / "results.json").read_text())["warnings"]  # warnings are scanned
    for path in out.rglob("*"):
        if path.is_file():
            tokens = set(re.findall(r"(?<![\d.])\d{10}(?![\d.])", path.read_text()))
            leaked = {int(x) for x in tokens} & ids
            assert not leaked, (path.name, sorted(leaked)[:3])


def test_small_cohort_is_suppressed(shifted):
    out, _ = shifted
    results = json.loads((out / "results.json").read_text())
    ev = {r["event_time"]: r for r in results["event_study"]}
    # event time -4 (2017 against 2016 for the 2021 cohort) rests on the 3 late families only
    assert ev[-4]["n_treated"] == "<5" and ev[-4]["estimate"] is None and ev[-4]["suppressed"]
    assert ev[0]["n_treated"] >= 5 and ev[0]["estimate"] is not None
    rep = _parse((out / "report.html").read_text())
    table = next(t for t in rep.tables if t["class"] == "event-study")
    row = next(r for r in table["rows"] if r and r[0] == "-4")
    assert row[1] == "–" and row[-1] == "<5"
    assert results["disclosure"]["suppressed_estimates"] >= 1
    csv = pd.read_csv(out / "tables" / "event_study.csv")
    assert csv.loc[csv["event_time"] == -4, "estimate"].isna().all()


def test_trend_checks_reach_results_and_report(holf, samhandling):
    """docs/guides/finance.md and the closing note of issue 13 read these outcomes."""
    sam = json.loads((samhandling / "results.json").read_text())
    assert sam["bacon"]["status"] == "ok"
    weights = {r["comparison_type"]: r["weight"] for r in sam["bacon"]["by_type"]}
    assert sum(weights.values()) == pytest.approx(1, abs=1e-5)
    h = sam["honest_did"]
    assert h["status"] == "ok" and h["method"] == "C-LF" and h["pre_event_times"] == [-4, -3, -2]
    assert 0 < h["breakdown"] < 1  # the assessment's trend_robustness fails: caution
    reason = next(r for r in sam["assessment"]["reasons"] if r["check"] == "trend_robustness")
    assert reason["passed"] is False and sam["assessment"]["level"] != "high"
    assert sam["budget_sensitivity"]["negative_at_estimate"] is True
    html = (samhandling / "report.html").read_text()
    assert "Parallelle trender: hvor mye tåler konklusjonen?" in html
    assert "Type sammenligning" in html and "Nåverdi, minst gunstig (kr)" in html
    hf = json.loads((holf / "a" / "results.json").read_text())
    assert hf["bacon"] is None  # no TWFE check
    b = hf["budget_sensitivity"]
    assert b["npv_at_estimate_nok"] > 0 and b["breakdown_m"] == 0.0
    # HOLF's interval includes 0: the set at Mbar = 0 is the study's own (CR2, t)
    g0 = hf["honest_did"]["grid"][0]
    assert g0["ci_lower"] == pytest.approx(hf["main"]["ci_lower"], abs=2e-3)
    assert g0["ci_upper"] == pytest.approx(hf["main"]["ci_upper"], abs=2e-3)
