"""The effect report: one self-contained HTML file (no script, no external resource).

Rendered from the disclosed results of :func:`effekt.study.compute` only, so the report
cannot show anything that ``results.json`` does not hold. The report reads for a
politician first: a headline sentence with unit, direction and comparison, then how
reliable the result is (the assessment, in plain words), then the details.

The page is a Jinja2 template (``templates/report.html.j2``, autoescaped); this module
builds what it shows, section by section: every sentence from :mod:`effekt.reports.texts`
(the assessment's from :mod:`effekt.reports.assessment`), every name from
:mod:`effekt.reports.labels`, every number in its outcome's unit
(:class:`~effekt.reports.words.Quantity`) through
:class:`~effekt.reports.formatting.Formatter` (Babel, ``nb_NO`` or ``en_GB``).
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import jinja2

from effekt.errors import EffektError
from effekt.reports.assessment import assessment_view
from effekt.reports.contract import check_results
from effekt.reports.figures import event_study_png, love_plot_png
from effekt.reports.formatting import DASH
from effekt.reports.labels import ESTIMAND_WORDS, humanise, sector_name
from effekt.reports.preregistration import preregistration_view
from effekt.reports.register_view import register_view
from effekt.reports.texts import TEXTS
from effekt.reports.trends import trends_view
from effekt.reports.words import MARK, Quantity, Words, hidden

__all__ = ["MARK", "render_report"]


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

def _any_hidden(rows: list[dict[str, Any]] | None) -> bool:
    """Return whether any row of a table has a cell hidden by secondary suppression."""
    return any(r.get("secondary") for r in rows or [])


def _finite(*xs: Any) -> bool:
    return all(isinstance(x, int | float) and math.isfinite(x) for x in xs)


def _capital(s: str) -> str:
    return s[:1].upper() + s[1:]


class _Report(Words):
    """Builds what the template shows from (checked) results."""

    # -- the answer ---------------------------------------------------------------------
    def headline(self) -> dict[str, Any]:
        """Return the headline sentence and the precise line under it (or why none)."""
        m = self.main
        out: dict[str, Any] = {"sentence": None, "answer": None}
        if m["suppressed"]:
            key = "summary_secondary" if hidden(m, "estimate") else "summary_suppressed"
            out["sentence"] = self.t(key, min_cell=self.min_cell)
            return out
        if not _finite(m["estimate"], m["ci_lower"], m["ci_upper"]):
            out["sentence"] = self.t("summary_not_estimable")
            return out
        q = Quantity(self, m["kind"])
        fields = {"ci_lower": q.cell(m["ci_lower"], m["decimals"]),
                  "ci_upper": q.cell(m["ci_upper"], m["decimals"]),
                  "n_treated": self.n_words(m, "n_treated"), "units": self.units}
        estimate = q.cell(m["estimate"], m["decimals"])
        p = m["p_value"]
        parts = self.t("summary_answer", estimate="\x00", unit=q.unit(),
                       p_value="" if p is None else "; " + self.f.p_value(p),
                       n_control=self.n_words(m, "n_control"), **fields).split("\x00")
        out["answer"] = {"before": parts[0], "estimate": estimate, "after": parts[1]}
        out["sentence"] = self._sentence(m, q)
        return out

    def _sentence(self, m: dict[str, Any], q: Quantity) -> str:
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
            if not self.has_own_label(m["outcome"]) and m["sector"]:
                outcome = self.t("costs_of", sector=sector_name(self.lang, m["sector"]))
            return self.t("headline_nok", amount=self.t("nok", x=self.f.number(abs(x), 0)),
                          outcome=outcome, unit_one=self.unit_one,
                          period_word=self.t(f"period_{self.period}"),
                          direction=self.t("dir_lower" if down else "dir_higher"), **common)
        return self.t("headline_amount", outcome=outcome,
                      amount=self.f.number(abs(x), q.sentence_decimals(x)),
                      per=self.t(f"per_{self.period}"),
                      direction=self.t("dir_fewer" if down else "dir_more"), **common)

    def _withheld(self) -> set[str]:
        return {w["statistic"] for w in self.res["disclosure"]["withheld"]
                if w["outcome"] == self.main["outcome"]}

    # -- the details ----------------------------------------------------------------------
    def _table(self, cls: str, head: list[str], rows: list[list[str]],
               source: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        return {"cls": cls, "head": head, "rows": rows, "secondary": _any_hidden(source)}

    def _estimate_cells(self, row: dict[str, Any], q: Quantity, decimals: int) -> list[str]:
        """Return the estimate, standard error and interval of a row as shown.

        Hidden by secondary suppression: the mark; hidden otherwise or not computed: a dash.
        """
        if hidden(row, "estimate"):
            return [MARK, MARK, MARK]
        ci = (DASH if row.get("ci_lower") is None else
              f"{q.cell(row['ci_lower'], decimals)} – {q.cell(row['ci_upper'], decimals)}")
        return [q.cell(row["estimate"], decimals), q.cell(row["std_error"], decimals), ci]

    def estimates(self) -> dict[str, Any]:
        rows = []
        for r in self.res["outcomes"]:
            q = Quantity(self, r["kind"])
            p = r["p_value"]
            p_cell = (MARK if hidden(r, "estimate") else DASH if p is None else
                      self.f.p_value(p).removeprefix("p = ").removeprefix("p "))
            rows.append([self.name(r["outcome"]), q.unit(),
                         *self._estimate_cells(r, q, r["decimals"]), p_cell,
                         self.count(r, "n_treated"), self.count(r, "n_control")])
        head = [TEXTS[self.lang][k] for k in ("outcome", "unit_col", "estimate", "std_error",
                                              "ci", "p_col", "n_treated", "n_control")]
        where = [f"{self.name(o['name'])} ({self._filters(o['where'])})"
                 for o in self.spec["outcomes"] if o["where"]]
        return {"table": self._table("estimates", head, rows, self.res["outcomes"]),
                "note": self.t("estimates_note"),
                "where": self.t("where_note", items="; ".join(where)) if where else None}

    def event_study(self) -> dict[str, Any] | None:
        ev = self.res["event_study"]
        if not ev:
            return None
        m = self.main
        q = Quantity(self, m["kind"])
        dec = m["decimals"]
        ref = self.f.number(-1, 0)
        note = self.t("event_note", unit=q.unit(), ref=ref)
        if any(r["estimate"] is None for r in ev):
            note += " " + self.t("event_hidden")
        shown = [{**r, **{k: None if r[k] is None else r[k] * q.scale
                          for k in ("estimate", "ci_lower", "ci_upper")}} for r in ev]
        xlabel = self.t(f"event_time_{self.period}")
        png = event_study_png(shown, xlabel, q.unit(),
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
            boot = pt.get("method") == "bootstrap"
            extra = {"n_boot": self.f.integer(pt["n_boot"])} if boot else {}
            return self.t("pretrend_text_bootstrap" if boot else "pretrend_text",
                          statistic=self.f.number(pt["statistic"], 2),
                          df=self.f.integer(pt["df"]), p_value=self.f.p_value(pt["p_value"]),
                          **extra)
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
        """Return the sample flow, after the study population's counts.

        A population count written as None is hidden by secondary suppression (the mark,
        and the note under the table); ``"<5"`` is shown as it is.
        """
        pop = self.res["population"]
        rows = [{"step": k, "n": pop[k], "secondary": "n" if pop[k] is None else None}
                for k in ("units_in_data", "units_outside_population", "units_in_study")]
        rows += self.res["flow"]
        head = [self.t("step"), self.t("count")]
        return self._table("flow", head, [[self.name(r["step"]), self.count(r, "n")]
                                          for r in rows], rows)

    def robustness(self) -> dict[str, Any]:
        """Return the robustness table, each row in its own outcome's unit, and the E-value.

        A row's ``kind`` says what its outcome measures (the main outcome's for the other
        control group and estimator, the spec's ``placebo_kind`` for the placebo outcome);
        None: the unit is unknown, and the numbers are plain.
        """
        rows = []
        for r in self.res["robustness"]:
            q = Quantity(self, r["kind"])
            est, _, ci = self._estimate_cells(r, q, r["decimals"])
            if r.get("not_estimable"):
                est = self.t("not_estimable")
            outcome = r["label"][self.lang] if r["label"] else self.name(r["outcome"])
            rows.append([self.name(r["check"]), self.name(r["design"]), outcome, q.unit(),
                         est, ci, self.count(r, "n_treated")])
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
                if hidden(r, "avoided_cost_nok"):
                    cells = [MARK, MARK]
                elif r["suppressed"] or not r["estimated"]:
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
            if any(r["suppressed"] and not r["secondary"] for r in budget):
                out["after"].append(self.t("budget_hidden_years", min_cell=self.min_cell))
            if any(not r["estimated"] and not r["suppressed"] for r in budget):
                out["after"].append(self.t("budget_not_estimated"))
            sectors = {}
            for r in budget:
                sectors.setdefault(r["sector"], set()).add(r["outcome"])
            if any(len(v) > 1 for v in sectors.values()):
                out["after"].append(self.t("budget_same_sector"))
        no_budget = [self.name(w["outcome"])
                     for w in self.res["disclosure"]["withheld"]
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
        where = pop["where"]
        inference = self.main.get("inference")
        return [[self.t("design_type"), self.name(design)],
                [self.t("estimand"), estimand],
                *([[self.t("inference"), _capital(self.t(f"inference_{inference}"))]]
                  if inference else []),
                [self.t("unit"), self.name(self.unit_key)],
                [self.t("population"), self._filters(where) if where else
                 self.t("population_all", units=self.units)],
                [self.t("period"), period],
                [self.t("covariates"), ", ".join(self.name(c) for c in spec["covariates"])
                 or self.t("covariates_none")],
                [self.t("data"), data]]

    def limitations(self) -> dict[str, Any]:
        spec = self.spec
        design = spec["design"]["type"]
        items = [self.t("lim_rct" if design == "rct" else "lim_observational"),
                 self.t("lim_small", min_cell=self.min_cell)]
        if "synthetic" in spec["data"] or "synthetic" in str(spec["data"].get("folder", "")):
            items.append(self.t("lim_synthetic"))
        notes = [{"where": self._warning_where(w), "text": self._warning_text(w)}
                 for w in _readable_notes(self.res["warnings"])]
        d = self.res["disclosure"]
        disclosure = self.t("disclosure", min_cell=self.min_cell,
                            n_suppressed=d["suppressed_estimates"])
        if d["secondary_cells"]:
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

        fields = w.get("fields", {})
        return self.t(key, **{k: self.t(f"inference_{v}") if k == "method" else words(v)
                              for k, v in fields.items()})

    # -- everything ---------------------------------------------------------------------
    def view(self) -> dict[str, Any]:
        spec, m = self.spec, self.main
        what = self.t("summary_what", pilot=self.name(spec["exposure"]["pilot"]),
                      outcome=self.name(m["outcome"]), unit_plural=self.units,
                      design=self.name(spec["design"]["type"]))
        return {"lang": self.lang, "title": spec["title"], "T": TEXTS[self.lang],
                "what": what, "headline": self.headline(), "assessment": assessment_view(self),
                "estimates": self.estimates(), "event": self.event_study(),
                "pretrend": self.pretrend(), "balance": self.balance(), "flow": self.flow(),
                "robustness": self.robustness(), "trends": trends_view(self),
                "budget": self.budget(),
                "preregistration": preregistration_view(self, self.res.get("preregistration")),
                "register": register_view(self, self.res.get("register_comparison")),
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
