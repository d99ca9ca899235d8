"""The effect report: one self-contained HTML file (no script, no external resource).

Rendered from the disclosed results of :func:`effekt.study.compute` only, so the report
cannot show anything that ``results.json`` does not hold. The report reads for a
politician first: a headline sentence with unit, direction and comparison, then how
reliable the result is (the assessment, in plain words), then the details.

The page is a Jinja2 template (``templates/report.html.j2``, autoescaped); this module
builds what it shows: every sentence from :mod:`effekt.reports.texts`, every number
through :class:`~effekt.reports.formatting.Formatter` (Babel, ``nb_NO`` or ``en_GB``).
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import jinja2

from effekt.errors import EffektError
from effekt.reports.contract import check_results, is_legacy
from effekt.reports.figures import event_study_png, love_plot_png
from effekt.reports.formatting import DASH, Formatter, sentence_decimals
from effekt.reports.texts import (
    ESTIMAND_WORDS,
    PILOT_SHORT,
    SUBJECTS,
    TEXTS,
    humanise,
    label,
    sector_name,
    text,
)

__all__ = ["MARK", "render_report"]

#: What a cell hidden by secondary suppression shows (the note under its table says why).
MARK = "–*"

#: The order of the assessment's reasons: failed (serious, then caution) first.
_ORDER = {"serious": 0, "caution": 1, "not_run": 2, "passed": 3, "info": 4}


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("effekt.reports", "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
        lstrip_blocks=True, keep_trailing_newline=True)


def render_report(results: dict[str, Any]) -> str:
    """Render the HTML effect report of a study's results (as in ``results.json``).

    The language is the spec's ``language`` (``nb`` or ``en``). Every field the report
    needs is checked first: a missing one raises :class:`~effekt.errors.EffektError`
    naming it, rather than leaving a blank.

    Examples
    --------
    >>> import pathlib, effekt, json
    >>> from effekt.study import compute, load_spec
    >>> spec = pathlib.Path(effekt.__file__).parents[1] / "studies" / "holf.toml"
    >>> html = render_report(compute(load_spec(spec)))
    >>> html.startswith("<!DOCTYPE html>"), "<script" in html
    (True, False)
    """
    check_results(results)
    return _environment().get_template("report.html.j2").render(**_Report(results).view())


# -- the pieces ---------------------------------------------------------------------------

def _hidden(row: dict[str, Any], field: str) -> bool:
    """Return whether ``field`` of a results row is hidden by secondary suppression."""
    return field in (row.get("secondary") or "").split(";")


def _any_hidden(rows: list[dict[str, Any]] | None) -> bool:
    """Return whether any row of a table has a cell hidden by secondary suppression."""
    return any(r.get("secondary") for r in rows or [])


def _finite(*xs: Any) -> bool:
    return all(isinstance(x, int | float) and math.isfinite(x) for x in xs)


def _capital(s: str) -> str:
    return s[:1].upper() + s[1:]


class _Quantity:
    """How one outcome's effects read: its kind, the display scale, unit words.

    ``kind`` None: an outcome whose kind results do not give (legacy results, a placebo
    outcome outside the spec's outcomes): plain numbers, and the unit says it is not given.
    """

    def __init__(self, report: _Report, kind: str | None):
        self.r, self.kind = report, kind
        self.scale = 100.0 if kind == "share" else 1.0

    def _fields(self) -> dict[str, str]:
        r = self.r
        return {"per": r.t(f"per_{r.period}"), "unit_one": r.unit_one,
                "period_word": r.t(f"period_{r.period}")}

    def decimals(self, decimals: int) -> int:
        """Return a table cell's decimals: a share's 3 are 1 in percentage points; NOK none."""
        if self.kind == "nok":
            return 0
        return max(decimals - 2, 0) if self.kind == "share" else decimals

    def cell(self, x: float | None, decimals: int) -> str:
        """Return a value for a table, in display units (a dash for None)."""
        return self.r.f.number(None if x is None else x * self.scale, self.decimals(decimals))

    def sentence_decimals(self, v: float) -> int:
        """Return the decimals of a magnitude in a sentence.

        Two significant figures (at most 2 decimals); none for NOK, one for percentage
        points, 3 when the unit is not known.
        """
        if self.kind is None:
            return 3
        if self.kind == "nok":
            return 0
        if self.kind == "share":  # percentage points: one decimal (two below 0.1)
            return 1 if abs(v) >= 0.095 else 2
        return sentence_decimals(v)

    def unit(self) -> str:
        """Return the unit column's words (``måneder per år``, ``prosentpoeng``)."""
        return self.r.t(f"unitcol_{self.kind or 'unknown'}", **self._fields())

    def amount(self, x: float, signed: bool = False) -> str:
        """Return a magnitude with its unit for a sentence (``1,3 måneder per år``)."""
        v = x * self.scale
        n = self.r.f.number(v if signed else abs(v), self.sentence_decimals(v))
        return self.r.t(f"amount_{self.kind or 'unknown'}", x=n, **self._fields())


class _Report:
    """Builds what the template shows from (checked) results."""

    def __init__(self, results: dict[str, Any]):
        self.res = results
        self.spec = spec = results["spec"]
        self.lang = spec["language"]
        self.f = Formatter(self.lang)
        self.legacy = is_legacy(results)
        pop = spec["population"]
        self.period = pop["period"]
        self.unit_key = pop["unit"]
        children = self.unit_key == "person" and any(
            w["column"] == "role" and w["in"] is not None and set(w["in"]) == {"child"}
            for w in pop.get("where") or [])
        self.who = "child" if children else self.unit_key
        self.unit_one = self.t(f"one_{self.who}")
        self.units = self.t(f"units_{self.who}")
        self.min_cell = results["disclosure"]["min_cell"]
        self.main = results["main"]
        self._labels: dict[str, str] = {}
        self._kinds: dict[str, str] = {}
        for o in spec.get("outcomes") or []:
            if isinstance(o, dict) and "name" in o:
                if o.get("label"):
                    self._labels[o["name"]] = o["label"][self.lang]
                if o.get("kind"):
                    self._kinds[o["name"]] = o["kind"]
        for r in [self.main, *results["outcomes"]]:
            if r.get("label"):
                self._labels[r["outcome"]] = r["label"][self.lang]
            if r.get("kind"):
                self._kinds[r["outcome"]] = r["kind"]

    # -- words --------------------------------------------------------------------------
    def t(self, key: str, **fields: Any) -> str:
        return text(self.lang, key, **fields)

    def name(self, name: str) -> str:
        """Return the label of an outcome, covariate, step, design or check."""
        return self._labels.get(name) or label(self.lang, name)

    def words(self, items: list[str]) -> str:
        """Return items in words: ``a``, ``a and b``, ``a, b and c``."""
        if len(items) < 2:
            return "".join(items)
        return f"{', '.join(items[:-1])} {self.t('and')} {items[-1]}"

    def kind(self, outcome: str) -> str | None:
        """Return an outcome's kind: as results give it; a ``cost_`` column is NOK."""
        if outcome in self._kinds:
            return self._kinds[outcome]
        return "nok" if outcome.startswith("cost_") else None

    def quantity(self, outcome: str) -> _Quantity:
        return _Quantity(self, self.kind(outcome))

    def count(self, row: dict[str, Any], field: str) -> str:
        """Return a count of a results row as shown: the number, ``"<5"`` or the mark."""
        return MARK if _hidden(row, field) else self.f.integer(row[field])

    def subject(self) -> str:
        """Who took part, mid-sentence (``HOLF-familiene``, ``personer i HOLF``)."""
        pilot = self.spec["exposure"]["pilot"]
        special = SUBJECTS[self.lang].get((pilot, self.who))
        if special:
            return special
        short = PILOT_SHORT[self.lang].get(pilot) or self.name(pilot)
        return self.t(f"subject_{self.who}", pilot=short)

    # -- the answer ---------------------------------------------------------------------
    def headline(self) -> dict[str, Any]:
        """Return the headline sentence and the precise line under it (or why none)."""
        m = self.main
        out: dict[str, Any] = {"sentence": None, "answer": None, "conf": None,
                               "legacy": self.t("legacy_note") if self.legacy else None}
        if m["suppressed"]:
            key = "summary_secondary" if _hidden(m, "estimate") else "summary_suppressed"
            out["sentence"] = self.t(key, min_cell=self.min_cell)
            return out
        if not _finite(m["estimate"], m["ci_lower"], m["ci_upper"]):
            out["sentence"] = self.t("summary_not_estimable")
            return out
        q = self.quantity(m["outcome"])
        fields = {"ci_lower": q.cell(m["ci_lower"], m["decimals"]),
                  "ci_upper": q.cell(m["ci_upper"], m["decimals"]),
                  "n_treated": self._n_words(m, "n_treated"), "units": self.units}
        estimate = q.cell(m["estimate"], m["decimals"])
        if self.legacy:
            parts = self.t("summary_answer_plain", estimate="\x00", **fields).split("\x00")
            out["answer"] = {"before": parts[0], "estimate": estimate, "after": parts[1]}
            out["conf"] = self._legacy_confidence()
            return out
        p = m["p_value"]
        parts = self.t("summary_answer", estimate="\x00", unit=q.unit(),
                       p_value="" if p is None else "; " + self.f.p_value(p),
                       n_control=self._n_words(m, "n_control"), **fields).split("\x00")
        out["answer"] = {"before": parts[0], "estimate": estimate, "after": parts[1]}
        out["sentence"] = self._sentence(m, q)
        return out

    def _n_words(self, row: dict[str, Any], field: str) -> str:
        return self.t("hidden_count") if row[field] is None else self.f.integer(row[field])

    def _sentence(self, m: dict[str, Any], q: _Quantity) -> str:
        subject = self.subject()
        outcome = self.name(m["outcome"])
        if m["ci_lower"] <= 0 <= m["ci_upper"]:
            mde = m["mde"]
            if mde is None:
                raise EffektError("results.json: main.mde is null for an estimate that is "
                                  "shown; the report needs it to say what the study could "
                                  "detect.")
            return self.t("headline_null", outcome=outcome, subject=subject,
                          mde=q.amount(mde["value"]), power=self.f.percent(mde["power"]))
        down = m["estimate"] < 0
        common = {"subject": _capital(subject), "units": self.units}
        x = m["estimate"] * q.scale
        if q.kind == "share":
            return self.t("headline_share", outcome=outcome,
                          amount=self.f.number(abs(x), q.sentence_decimals(x)),
                          direction=self.t("dir_lower" if down else "dir_higher"), **common)
        if q.kind == "nok":
            if m["outcome"] not in self._labels and m.get("sector"):
                outcome = self.t("costs_of", sector=sector_name(self.lang, m["sector"]))
            return self.t("headline_nok", amount=self.t("nok", x=self.f.number(abs(x), 0)),
                          outcome=outcome, unit_one=self.unit_one,
                          period_word=self.t(f"period_{self.period}"),
                          direction=self.t("dir_lower" if down else "dir_higher"), **common)
        return self.t("headline_amount", outcome=outcome,
                      amount=self.f.number(abs(x), q.sentence_decimals(x)),
                      per=self.t(f"per_{self.period}"),
                      direction=self.t("dir_fewer" if down else "dir_more"), **common)

    def _legacy_confidence(self) -> str:
        m, pt = self.main, self.res.get("pretrend_test")
        if m["ci_lower"] <= 0 <= m["ci_upper"]:
            return self.t("conf_low")
        if "pretrend_test" in self._withheld():
            return self.t("conf_withheld")
        if pt is not None and pt["p_value"] is not None and pt["p_value"] < 0.05:
            return self.t("conf_mid")
        return self.t("conf_high")

    def _withheld(self) -> set[str]:
        return {w["statistic"] for w in self.res["disclosure"].get("withheld", [])
                if w["outcome"] == self.main["outcome"]}

    # -- the assessment -----------------------------------------------------------------
    def assessment(self) -> dict[str, Any] | None:
        if self.legacy:
            return None
        a = self.res["assessment"]
        reasons = []
        for r in a["reasons"]:
            check, passed = r["check"], r["passed"]
            if check == "precision":
                status, variant = "info", "info"
            elif passed is None:
                status, variant = "not_run", "none"
            elif passed:
                status, variant = "passed", "pass"
            else:
                status, variant = r["severity"], "fail"
            words = self.t(f"why_{check}_{variant}",
                           **(self._reason_fields(check, r["values"], passed)
                              if variant != "none" else {}))
            reasons.append({"status": status, "tag": self.t(f"status_{status}"),
                            "text": words})
        reasons.sort(key=lambda x: _ORDER[x["status"]])  # stable: the runner's order within
        return {"level": a["level"], "level_text": self.t(f"level_{a['level']}"),
                "explain": self.t("level_explain"), "reasons": reasons}

    def _reason_fields(self, check: str, v: dict[str, Any], passed: bool | None
                       ) -> dict[str, Any]:
        """Return the fields of a reason's sentence from its ``values``."""
        f, q = self.f, self.quantity(self.main["outcome"])
        if check == "balance":
            return {"value": f.number(v["max_abs_smd"], 2), "covariate": self.name(
                v["covariate"]), "good": f.plain(v["good"]), "bad": f.plain(v["bad"])}
        if check == "overlap":
            unmatched = ("" if v["unmatched"] is None else
                         self.t("overlap_unmatched", n=f.integer(v["unmatched"])))
            return {"share": f.percent(v["share_matched"]), "unmatched": unmatched}
        if check == "attrition":
            return {"share": f.percent(v["share_dropped"]), "step": self.name(v["step"])}
        if check == "pretrend":
            return {"p": f.p_value(v["p_value"])}
        if check == "pretrend_power":
            return {"bias": q.amount(v["detectable_bias"]), "mde": q.amount(v["mde"])}
        if check == "placebo":
            pq = self.quantity(v["outcome"])
            d = pq.sentence_decimals(v["estimate"] * pq.scale)
            return {"outcome": self.name(v["outcome"]),
                    "estimate": pq.amount(v["estimate"], signed=True),
                    "ci_lower": f.number(v["ci_lower"] * pq.scale, d),
                    "ci_upper": f.number(v["ci_upper"] * pq.scale, d)}
        if check == "clusters":
            return {"n": f.integer(v["n_clusters"]), "minimum": f.integer(v["minimum"])}
        if check == "sensitivity":
            return {"e": f.number(v["e_value_ci"], 2), "threshold": f.plain(v["threshold"])}
        if check == "agreement":  # passed: those that agree; failed: those that do not
            items = [c for c in v["checks"] if c["agrees"] is (passed is not False)]
            designs = {r["check"]: r["design"] for r in self.res["robustness"]}
            return {"checks": "; ".join(self.t(
                "agreement_item", check=self.name(designs.get(c["check"], c["check"])
                                                  if c["check"] == "alternative_estimator"
                                                  else c["check"]),
                estimate=DASH if c["estimate"] is None else q.amount(c["estimate"], True))
                for c in items)}
        if check == "precision":
            mde = self.main["mde"]
            return {"mde": q.amount(v["mde"]), "estimate": q.amount(v["estimate"], True),
                    "power": f.percent(mde["power"] if mde else 0.8)}
        return {}  # sample_size: no values

    # -- the details ----------------------------------------------------------------------
    def _table(self, cls: str, head: list[str], rows: list[list[str]],
               source: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        return {"cls": cls, "head": head, "rows": rows, "secondary": _any_hidden(source)}

    def _estimate_cells(self, row: dict[str, Any], q: _Quantity, decimals: int) -> list[str]:
        """Return the estimate, standard error and interval of a row as shown.

        Hidden by secondary suppression: the mark; hidden otherwise or not computed: a dash.
        """
        if _hidden(row, "estimate"):
            return [MARK, MARK, MARK]
        ci = (DASH if row.get("ci_lower") is None else
              f"{q.cell(row['ci_lower'], decimals)} – {q.cell(row['ci_upper'], decimals)}")
        return [q.cell(row["estimate"], decimals), q.cell(row["std_error"], decimals), ci]

    def estimates(self) -> dict[str, Any]:
        rows = []
        for r in self.res["outcomes"]:
            q = self.quantity(r["outcome"])
            p = r.get("p_value")
            p_cell = (MARK if _hidden(r, "estimate") else DASH if p is None else
                      self.f.p_value(p).removeprefix("p = ").removeprefix("p "))
            rows.append([self.name(r["outcome"]), q.unit(),
                         *self._estimate_cells(r, q, r["decimals"]), p_cell,
                         self.count(r, "n_treated"), self.count(r, "n_control")])
        head = [TEXTS[self.lang][k] for k in ("outcome", "unit_col", "estimate", "std_error",
                                              "ci", "p_col", "n_treated", "n_control")]
        if self.legacy:  # no p-values
            head.pop(5)
            for row in rows:
                row.pop(5)
        where = [f"{self.name(o['name'])} ({self._filters(o['where'])})"
                 for o in self.spec.get("outcomes") or [] if o.get("where")]
        return {"table": self._table("estimates", head, rows, self.res["outcomes"]),
                "note": self.t("estimates_note"),
                "where": self.t("where_note", items="; ".join(where)) if where else None}

    def event_study(self) -> dict[str, Any] | None:
        ev = self.res["event_study"]
        if not ev:
            return None
        m = self.main
        q = self.quantity(m["outcome"])
        dec = m["decimals"]
        ref = self.f.number(-1, 0)
        note = (self.t("event_note", unit=q.unit(), ref=ref) if q.kind else
                self.t("event_note_plain", ref=ref))
        if any(r["estimate"] is None for r in ev):
            note += " " + self.t("event_hidden")
        shown = [{**r, **{k: None if r[k] is None else r[k] * q.scale
                          for k in ("estimate", "ci_lower", "ci_upper")}} for r in ev]
        xlabel = self.t(f"event_time_{self.period}")
        png = event_study_png(shown, xlabel, q.unit() if q.kind else "",
                              (self.t("pre_treatment"), self.t("post_treatment")),
                              number=self.f.number, title=_capital(self.name(m["outcome"])))
        rows = [[self.f.integer(r["event_time"]), *self._estimate_cells(r, q, dec),
                 self.count(r, "n_treated")] for r in ev]
        head = [xlabel, *(TEXTS[self.lang][k] for k in ("estimate", "std_error", "ci",
                                                        "n_treated"))]
        return {"note": note, "png": png, "alt": self.t("event_study"),
                "table": self._table("event-study", head, rows, ev)}

    def pretrend(self) -> str:
        pt = self.res.get("pretrend_test")
        if pt:
            return self.t("pretrend_text", statistic=self.f.number(pt["statistic"], 2),
                          df=self.f.integer(pt["df"]), p_value=self.f.p_value(pt["p_value"]))
        if "pretrend_test" in self._withheld():
            return self.t("pretrend_withheld")
        return self.t("pretrend_none")

    def balance(self) -> dict[str, Any] | None:
        bal = self.res.get("balance")
        if not bal:
            return None
        rows = [[self.name(r["covariate"]), str(r["cohort"]) if r["cohort"] else DASH,
                 self.f.number(r["smd_before"], 3), self.f.number(r["smd_after"], 3),
                 self.count(r, "n_treated")] for r in bal]
        head = [TEXTS[self.lang][k] for k in ("covariate", "cohort", "smd_before",
                                              "smd_after", "n_treated")]
        title = self.t("love_plot")
        png = love_plot_png(bal, (self.t("before"), self.t("after")), title,
                            names=self.name, number=self.f.number)
        return {"note": self.t("balance_note"), "png": png, "alt": title,
                "table": self._table("balance", head, rows, bal)}

    def flow(self) -> dict[str, Any]:
        """Return the sample flow, after the study population's counts when results give them.

        A population count written as None is hidden by secondary suppression.
        """
        pop = self.res.get("population") or {}
        rows = [{"step": k, "n": pop[k], "secondary": "n" if pop[k] is None else None}
                for k in ("units_in_data", "units_outside_population", "units_in_study")
                if k in pop]
        rows += self.res["flow"]
        head = [self.t("step"), self.t("count")]
        return self._table("flow", head, [[self.name(r["step"]), self.count(r, "n")]
                                          for r in rows], rows)

    def robustness(self) -> dict[str, Any]:
        rows = []
        for r in self.res["robustness"]:
            q = self.quantity(r["outcome"])
            est, _, ci = self._estimate_cells(r, q, r["decimals"])
            if r.get("not_estimable"):
                est = self.t("not_estimable")
            rows.append([self.name(r["check"]), self.name(r["design"]),
                         self.name(r["outcome"]), q.unit(), est, ci,
                         self.count(r, "n_treated")])
        head = [TEXTS[self.lang][k] for k in ("check", "design_type", "outcome", "unit_col",
                                              "estimate", "ci", "n_treated")]
        sens, sensitivity = self.res.get("sensitivity"), None
        if sens:
            sensitivity = self.t("sensitivity", e_value=self.f.number(sens["e_value"], 2),
                                 e_value_ci=self.f.number(sens["e_value_ci"], 2))
        elif "sensitivity" in self._withheld():
            sensitivity = self.t("sensitivity_withheld")
        return {"table": self._table("robustness", head, rows, self.res["robustness"])
                if rows else None, "none": None if rows else self.t("robustness_none"),
                "sensitivity": sensitivity}

    def budget(self) -> dict[str, Any]:
        budget = self.res["budget"]
        out: dict[str, Any] = {"table": None, "notes": [], "after": []}
        if budget:
            cases: dict[str, Any] = {}
            for r in budget:
                cases.setdefault(r["outcome"], r["n_cases"])
            fmt = [self.f.number(n, 0 if float(n).is_integer() else 1) if n is not None
                   else DASH for n in cases.values()]
            n_cases = (fmt[0] if len(set(fmt)) == 1 else self.words([
                self.t("n_cases_item", n=n, outcome=self.name(o))
                for n, o in zip(fmt, cases, strict=True)]))
            out["notes"].append(self.t("budget_note", n_cases=n_cases))
            rows = []
            for r in budget:
                if _hidden(r, "avoided_cost_nok"):
                    cells = [MARK, MARK]
                elif r["suppressed"] or r.get("estimated") is False:
                    cells = [DASH, DASH]
                else:
                    cells = [self.f.number(r["avoided_cost_nok"], 0),
                             DASH if r["p05_nok"] is None else
                             f"{self.f.number(r['p05_nok'], 0)} – "
                             f"{self.f.number(r['p95_nok'], 0)}"]
                rows.append([self.name(r["outcome"]), sector_name(self.lang, r["sector"]),
                             str(r["year"]), *cells])
            head = [TEXTS[self.lang][k] for k in ("outcome", "sector", "year", "avoided",
                                                  "interval")]
            out["table"] = self._table("budget", head, rows, budget)
            if any(r.get("suppressed") and not r.get("secondary") for r in budget):
                out["after"].append(self.t("budget_hidden_years", min_cell=self.min_cell))
            if any(r.get("estimated") is False and not r["suppressed"] for r in budget):
                out["after"].append(self.t("budget_not_estimated"))
            sectors = {}
            for r in budget:
                sectors.setdefault(r["sector"], set()).add(r["outcome"])
            if any(len(v) > 1 for v in sectors.values()):
                out["after"].append(self.t("budget_same_sector"))
        no_budget = [self.name(w["outcome"])
                     for w in self.res["disclosure"].get("withheld", [])
                     if w["statistic"] == "budget"]
        if no_budget:
            out["withheld"] = self.t("budget_withheld", outcomes=self.words(no_budget))
        else:
            out["withheld"] = None if budget else self.t("budget_none")
        return out

    def _filters(self, where: list[dict[str, Any]]) -> str:
        parts = []
        for w in where:
            column = self.name(w["column"])
            if w["in"] is not None:
                parts.append(self.t("filter_in", column=column, values=self.words(
                    [self.name(str(v)) if isinstance(v, str) else str(v) for v in w["in"]])))
            num = self.f.plain
            if w["min"] is not None and w["max"] is not None:
                parts.append(self.t("filter_between", column=column, lo=num(w["min"]),
                                    hi=num(w["max"])))
            elif w["min"] is not None:
                parts.append(self.t("filter_min", column=column, lo=num(w["min"])))
            elif w["max"] is not None:
                parts.append(self.t("filter_max", column=column, hi=num(w["max"])))
        return "; ".join(parts)

    def design(self) -> list[list[str]]:
        spec, pop = self.spec, self.spec["population"]
        design = spec["design"]["type"]
        words = ESTIMAND_WORDS[self.lang].get(design)
        estimand = (self.t("estimand_value", words=words, technical=self.res["estimand"])
                    if words else self.res["estimand"] if self.lang == "en" else DASH)
        period = self.t("period_value",
                        start=self.f.date(pop["start"]) if pop["start"] else self.t(
                            "data_start"),
                        end=self.f.date(pop["end"]) if pop["end"] else self.t("data_end"),
                        granularity=self.t(f"gran_{self.period}"))
        if "folder" in spec["data"]:
            data = spec["data"]["folder"]
        else:
            syn = spec["data"]["synthetic"]
            data = self.t("data_synthetic", seed=syn["seed"], scale=self.f.plain(syn["scale"]))
        where = pop.get("where") or []
        rows = [[self.t("design_type"), self.name(design)],
                [self.t("estimand"), estimand],
                [self.t("unit"), self.name(self.unit_key)]]
        if not self.legacy:
            rows.append([self.t("population"), self._filters(where) if where else
                         self.t("population_all", units=self.units)])
        rows += [[self.t("period"), period],
                 [self.t("covariates"), ", ".join(self.name(c) for c in spec["covariates"])
                  or self.t("covariates_none")],
                 [self.t("data"), data]]
        return rows

    def limitations(self) -> dict[str, Any]:
        spec = self.spec
        design = spec["design"]["type"]
        items = [self.t("lim_rct" if design == "rct" else "lim_observational"),
                 self.t("lim_small", min_cell=self.min_cell)]
        if "synthetic" in spec["data"] or "synthetic" in str(spec["data"].get("folder", "")):
            items.append(self.t("lim_synthetic"))
        notes = [{"where": self._warning_where(w), "text": self._warning_text(w)}
                 for w in _readable_notes(self.res.get("warnings") or [])]
        d = self.res["disclosure"]
        disclosure = self.t("disclosure", min_cell=self.min_cell,
                            n_suppressed=d["suppressed_estimates"])
        if d.get("secondary_cells"):
            disclosure += " " + self.t("disclosure_secondary", n_secondary=d["secondary_cells"])
        return {"points": items, "warnings_intro": self.t("lim_warnings"), "warnings": notes,
                "disclosure": disclosure,
                "version": self.t("version", version=self.res["effekt_version"])}

    def _warning_where(self, w: dict[str, Any]) -> str:
        """Return where a recorded warning came from, in words (step, check, outcome).

        The check ``alternative_estimator`` is named by its design, which says more.
        """
        step = w["step"]
        if step == "main":
            return self.t("warn_where_main", outcome=self.name(w["outcome"]))
        if step != "robustness":
            key = f"warn_where_{step}"
            return self.t(key) if key in TEXTS[self.lang] else _capital(humanise(step))
        check = (w["design"] if w.get("check") == "alternative_estimator" and w.get("design")
                 else w["check"])
        out = self.t("warn_where_robustness", check=self.name(check))
        return out + (self.t("warn_for", outcome=self.name(w["outcome"]))
                      if w.get("outcome") else "")

    def _warning_text(self, w: dict[str, Any]) -> str:
        """Return a recorded warning in plain words, its disclosed fields filled in.

        Banded counts (``"<5"``, ``">=5"``) read as "fewer than 5" and "5 or more", lists of
        cohorts as "2018 and 2019", the words ``treated`` and ``control`` as the labels.
        """
        key = f"warn_{w['category']}"
        if key not in TEXTS[self.lang]:
            return self.t("warn_other")

        def words(v: Any) -> str:
            if isinstance(v, list):
                return self.words([words(x) for x in v])
            if isinstance(v, str) and v.startswith("<"):
                return self.t("band_small", min_cell=v[1:])
            if isinstance(v, str) and v.startswith(">="):
                return self.t("band_large", min_cell=v[2:])
            if v in ("treated", "control"):
                return self.name(v)
            return str(v)

        return self.t(key, **{k: words(v) for k, v in w.get("fields", {}).items()})

    # -- everything ---------------------------------------------------------------------
    def view(self) -> dict[str, Any]:
        spec, m = self.spec, self.main
        what = self.t("summary_what", pilot=self.name(spec["exposure"]["pilot"]),
                      outcome=self.name(m["outcome"]), unit_plural=self.units,
                      design=self.name(spec["design"]["type"]))
        return {"lang": self.lang, "title": spec["title"], "T": TEXTS[self.lang],
                "what": what, "headline": self.headline(), "assessment": self.assessment(),
                "estimates": self.estimates(), "event": self.event_study(),
                "pretrend": self.pretrend(), "balance": self.balance(), "flow": self.flow(),
                "robustness": self.robustness(), "budget": self.budget(),
                "design": self.design(), "limitations": self.limitations(),
                "secondary_note": self.t("secondary_note", min_cell=self.min_cell)}


def _readable_notes(notes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return the warnings to list for the reader: all but the repeats in other words.

    An aggregation that skips cells that could not be estimated repeats the note on those
    cells of the same analysis (which says they are left out); only that note is listed.
    """
    def where(w: dict[str, Any]) -> tuple:
        return w["step"], w.get("check"), w.get("outcome"), w.get("design")

    failed = {where(w) for w in notes if w["category"] == "cells_not_estimable"}
    return [w for w in notes
            if not (w["category"] == "cells_skipped_in_aggregation" and where(w) in failed)]
