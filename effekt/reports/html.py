"""The effect report: one self-contained HTML file (no script, no external resource).

Rendered from the disclosed results of :func:`effekt.study.compute` only, so the report
cannot show anything that ``results.json`` does not hold.
"""

from __future__ import annotations

from html import escape
from typing import Any

from effekt.reports.figures import event_study_png, love_plot_png
from effekt.reports.texts import ESTIMAND_WORDS, TEXTS, fmt_number, label, text

__all__ = ["render_report"]

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:60em;
margin:2em auto;padding:0 1em;color:#1a1a1a;line-height:1.45}
h1{font-size:1.6em}h2{font-size:1.25em;border-bottom:1px solid #ccc;padding-bottom:.2em;
margin-top:1.8em}table{border-collapse:collapse;margin:.6em 0}
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#f2f2f2}
.answer{font-size:1.15em;background:#eef4fa;padding:.6em .8em;border-left:4px solid #1f5f99}
.note{color:#555;font-size:.9em}img{max-width:100%}
"""


def _table(head: list[str], rows: list[list[str]], cls: str = "") -> str:
    attr = f' class="{cls}"' if cls else ""
    out = [f"<table{attr}><thead><tr>"]
    out += [f"<th>{escape(h)}</th>" for h in head]
    out.append("</tr></thead><tbody>")
    for row in rows:
        out.append("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _img(b64: str | None, alt: str) -> str:
    if b64 is None:
        return ""
    return f'<p><img alt="{escape(alt)}" src="data:image/png;base64,{b64}"></p>'


def _n(v: Any) -> str:
    return "–" if v is None else str(v)


#: What a cell hidden by secondary suppression shows (the note under its table says why).
MARK = "–*"


def _hidden(row: dict[str, Any], field: str) -> bool:
    """Return whether ``field`` of a results row is hidden by secondary suppression."""
    return field in (row.get("secondary") or "").split(";")


def _count(row: dict[str, Any], field: str) -> str:
    """Return a count of a results row as shown: the number, ``"<5"`` or the mark."""
    return MARK if _hidden(row, field) else _n(row[field])


def _any_hidden(rows: list[dict[str, Any]] | None) -> bool:
    """Return whether any row of a table has a cell hidden by secondary suppression."""
    return any(r.get("secondary") for r in rows or [])


def render_report(results: dict[str, Any]) -> str:
    """Render the HTML effect report of a study's results (as in ``results.json``).

    The language is the spec's ``language`` (``nb`` or ``en``).

    Examples
    --------
    >>> import pathlib, effekt, json
    >>> from effekt.study import compute, load_spec
    >>> spec = pathlib.Path(effekt.__file__).parents[1] / "studies" / "holf.toml"
    >>> html = render_report(compute(load_spec(spec)))
    >>> html.startswith("<!DOCTYPE html>"), "<script" in html
    (True, False)
    """
    spec = results["spec"]
    lang = spec["language"]
    t = lambda key, **kw: escape(text(lang, key, **kw))  # noqa: E731
    min_cell = results["disclosure"]["min_cell"]
    main = results["main"]
    dec = main["decimals"]
    num = lambda x, d=dec: fmt_number(x, d, lang)  # noqa: E731

    def secondary_note(rows: list[dict[str, Any]] | None) -> str:
        """Return the note under a table with cells hidden by secondary suppression."""
        return (f"<p class='note secondary'>{t('secondary_note', min_cell=min_cell)}</p>"
                if _any_hidden(rows) else "")

    unit = spec["population"]["unit"]
    design = spec["design"]["type"]
    out = [f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">',
           f"<title>{escape(spec['title'])}</title><style>{_CSS}</style></head><body>",
           f"<h1>{escape(spec['title'])}</h1>"]

    # -- summary ------------------------------------------------------------------------
    out.append(f"<h2>{t('summary')}</h2>")
    out.append("<p>" + t("summary_what", pilot=label(lang, spec["exposure"]["pilot"]),
                         outcome=label(lang, main["outcome"]),
                         unit_plural=label(lang, unit), design=label(lang, design)) + "</p>")
    withheld = {w["statistic"] for w in results["disclosure"].get("withheld", [])
                if w["outcome"] == main["outcome"]}
    if main["suppressed"]:
        key = "summary_secondary" if _hidden(main, "estimate") else "summary_suppressed"
        out.append(f'<p class="answer">{t(key, min_cell=min_cell)}</p>')
    elif main["estimate"] is None or main["ci_lower"] is None:  # no finite estimate
        out.append(f'<p class="answer">{t("summary_not_estimable")}</p>')
    else:
        answer = t("summary_answer", estimate="\x00", ci_lower=num(main["ci_lower"]),
                   ci_upper=num(main["ci_upper"]), n_treated=main["n_treated"],
                   unit_plural=label(lang, unit))
        answer = answer.replace("\x00", f'<strong><span id="main-estimate">'
                                        f'{escape(num(main["estimate"]))}</span></strong>')
        out.append(f'<p class="answer">{answer}</p>')
        pt = results.get("pretrend_test")
        excludes_zero = not (main["ci_lower"] <= 0 <= main["ci_upper"])
        if not excludes_zero:
            conf = "conf_low"
        elif "pretrend_test" in withheld:
            conf = "conf_withheld"
        elif pt is not None and pt["p_value"] is not None and pt["p_value"] < 0.05:
            conf = "conf_mid"
        else:
            conf = "conf_high"
        out.append(f"<p>{t(conf)}</p>")

    # -- design -------------------------------------------------------------------------
    pop = spec["population"]
    period = f"{pop['start'] or ''} – {pop['end'] or ''}, {pop['period']}"
    data = (spec["data"]["folder"] if "folder" in spec["data"] else
            f"synthetic (seed {spec['data']['synthetic']['seed']}, scale "
            f"{spec['data']['synthetic']['scale']})")
    out.append(f"<h2>{t('design')}</h2>")
    out.append(_table(["", ""], [
        [text(lang, "design_type"), label(lang, design)],
        [text(lang, "estimand"), _estimand(lang, design, results["estimand"])],
        [text(lang, "unit"), label(lang, unit)],
        [text(lang, "period"), period],
        [text(lang, "covariates"), ", ".join(spec["covariates"]) or "–"],
        [text(lang, "data"), data],
    ], "design"))

    # -- sample flow --------------------------------------------------------------------
    out.append(f"<h2>{t('flow')}</h2>")
    out.append(_table([text(lang, "step"), text(lang, "count")],
                      [[label(lang, r["step"]), _count(r, "n")] for r in results["flow"]],
                      "flow"))
    out.append(secondary_note(results["flow"]))

    # -- balance ------------------------------------------------------------------------
    if results.get("balance"):
        bal = results["balance"]
        out.append(f"<h2>{t('balance')}</h2><p class='note'>{t('balance_note')}</p>")
        out.append(_table(
            [text(lang, k) for k in ("covariate", "cohort", "smd_before", "smd_after",
                                     "n_treated")],
            [[r["covariate"], r["cohort"] or "–", num(r["smd_before"], 3),
              num(r["smd_after"], 3), _count(r, "n_treated")] for r in bal], "balance"))
        out.append(secondary_note(bal))
        out.append(_img(love_plot_png(bal, (text(lang, "before"), text(lang, "after")),
                                      text(lang, "love_plot")), text(lang, "love_plot")))

    # -- main estimates -----------------------------------------------------------------
    out.append(f"<h2>{t('estimates')}</h2>")
    rows = []
    for r in results["outcomes"]:
        est, se, ci = _estimate_cells(r, r["decimals"], lang)
        rows.append([label(lang, r["outcome"]), est, se, ci, _count(r, "n_treated"),
                     _count(r, "n_control")])
    out.append(_table([text(lang, k) for k in ("outcome", "estimate", "std_error", "ci",
                                                "n_treated", "n_control")], rows, "estimates"))
    out.append(secondary_note(results["outcomes"]))

    # -- event study --------------------------------------------------------------------
    out.append(f"<h2>{t('event_study')}</h2>")
    ev = results["event_study"]
    if ev:
        note = t("event_note") + (" " + t("event_hidden") if any(r["estimate"] is None
                                                                   for r in ev) else "")
        out.append(f"<p class='note'>{note}</p>")
        legend = (text(lang, "pre_treatment"), text(lang, "post_treatment"))
        out.append(_img(event_study_png(ev, text(lang, "event_time"),
                                        label(lang, main["outcome"]), legend),
                        text(lang, "event_study")))
        out.append(_table(
            [text(lang, k) for k in ("event_time", "estimate", "std_error", "ci",
                                     "n_treated")],
            [[r["event_time"], *_estimate_cells(r, 3, lang), _count(r, "n_treated")]
             for r in ev], "event-study"))
        out.append(secondary_note(ev))
    else:
        out.append(f"<p>{t('no_event')}</p>")

    # -- pre-trend ----------------------------------------------------------------------
    out.append(f"<h2>{t('pretrend')}</h2>")
    pt = results.get("pretrend_test")
    if pt:
        out.append("<p>" + t("pretrend_text", statistic=fmt_number(pt["statistic"], 2, lang),
                             df=pt["df"], p_value=fmt_number(pt["p_value"], 3, lang)) + "</p>")
    elif "pretrend_test" in withheld:
        out.append(f"<p>{t('pretrend_withheld')}</p>")
    else:
        out.append(f"<p>{t('pretrend_none')}</p>")

    # -- robustness ---------------------------------------------------------------------
    out.append(f"<h2>{t('robustness')}</h2>")
    rows = []
    for r in results["robustness"]:
        est, _, ci = _estimate_cells(r, r["decimals"], lang)
        if r.get("not_estimable"):
            est = text(lang, "not_estimable")
        rows.append([label(lang, r["check"]), label(lang, r["design"]),
                     label(lang, r["outcome"]), est, ci, _count(r, "n_treated")])
    if rows:
        out.append(_table([text(lang, k) for k in ("check", "design_type", "outcome",
                                                    "estimate", "ci", "n_treated")],
                          rows, "robustness"))
        out.append(secondary_note(results["robustness"]))
    sens = results.get("sensitivity")
    if sens:
        out.append("<p>" + t("sensitivity", e_value=fmt_number(sens["e_value"], 2, lang),
                             e_value_ci=fmt_number(sens["e_value_ci"], 2, lang)) + "</p>")
    elif "sensitivity" in withheld:
        out.append(f"<p>{t('sensitivity_withheld')}</p>")

    # -- budget -------------------------------------------------------------------------
    out.append(f"<h2>{t('budget')}</h2>")
    budget = results["budget"]
    if budget:
        out.append(f"<p class='note'>{t('budget_note', n_cases=_n(budget[0]['n_cases']))}</p>")
        out.append(_table(
            [text(lang, k) for k in ("outcome", "sector", "year", "avoided", "interval")],
            [[label(lang, r["outcome"]), r["sector"], r["year"],
              *([MARK, MARK] if _hidden(r, "avoided_cost_nok") else
                [fmt_number(r["avoided_cost_nok"], 0, lang),
                 "–" if r["p05_nok"] is None else
                 f"{fmt_number(r['p05_nok'], 0, lang)} – {fmt_number(r['p95_nok'], 0, lang)}"])]
             for r in budget], "budget"))
        if any(r.get("suppressed") and not r.get("secondary") for r in budget):
            out.append(f"<p class='note'>{t('budget_hidden_years', min_cell=min_cell)}</p>")
        out.append(secondary_note(budget))
    no_budget = [label(lang, w["outcome"]) for w in results["disclosure"].get("withheld", [])
                 if w["statistic"] == "budget"]
    if no_budget:
        out.append(f"<p>{t('budget_withheld', outcomes=_words(lang, no_budget))}</p>")
    elif not budget:
        out.append(f"<p>{t('budget_none')}</p>")

    # -- limitations --------------------------------------------------------------------
    out.append(f"<h2>{t('limitations')}</h2><ul>")
    out.append(f"<li>{t('lim_rct' if design == 'rct' else 'lim_observational')}</li>")
    out.append(f"<li>{t('lim_small', min_cell=min_cell)}</li>")
    if "synthetic" in spec["data"] or "synthetic" in str(spec["data"].get("folder", "")):
        out.append(f"<li>{t('lim_synthetic')}</li>")
    notes = _readable_notes(results.get("warnings") or [])
    if notes:
        out.append(f"<li>{t('lim_warnings')}<ul class='warnings'>")
        out += [f"<li><strong>{escape(_warning_where(lang, w))}:</strong> "
                f"{escape(_warning_text(lang, w))}</li>" for w in notes]
        out.append("</ul></li>")
    out.append("</ul>")
    n_sup = results["disclosure"]["suppressed_estimates"]
    n_sec = results["disclosure"].get("secondary_cells", 0)
    out.append(f"<p class='note'>{t('disclosure', min_cell=min_cell, n_suppressed=n_sup)}"
               + (" " + t("disclosure_secondary", n_secondary=n_sec) if n_sec else "")
               + "</p>")
    out.append(f"<p class='note'>{t('version', version=results['effekt_version'])}</p>")
    out.append("</body></html>\n")
    return "\n".join(out)


def _estimand(lang: str, design: str, technical: str) -> str:
    """Return the estimand in plain words, the estimator's own statement in brackets."""
    words = ESTIMAND_WORDS[lang].get(design)
    return f"{words} [{technical}]" if words else technical


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


def _warning_where(lang: str, w: dict[str, Any]) -> str:
    """Return where a recorded warning came from, in words (step, check, outcome).

    The check ``alternative_estimator`` is named by its design, which says more.
    """
    step = w["step"]
    if step == "main":
        return text(lang, "warn_where_main", outcome=label(lang, w["outcome"]))
    if step != "robustness":
        return text(lang, f"warn_where_{step}")
    check = (w["design"] if w.get("check") == "alternative_estimator" and w.get("design")
             else w["check"])
    out = text(lang, "warn_where_robustness", check=label(lang, check))
    return out + (text(lang, "warn_for", outcome=label(lang, w["outcome"]))
                  if w.get("outcome") else "")


def _warning_text(lang: str, w: dict[str, Any]) -> str:
    """Return a recorded warning in plain words, its disclosed fields filled in.

    Banded counts (``"<5"``, ``">=5"``) read as "fewer than 5" and "5 or more", lists of
    cohorts as "2018 and 2019", the words ``treated`` and ``control`` as the report's labels.
    """
    key = f"warn_{w['category']}"
    if key not in TEXTS[lang]:
        key = "warn_other"

    def words(v: Any) -> str:
        if isinstance(v, list):
            return _words(lang, [words(x) for x in v])
        if isinstance(v, str) and v.startswith("<"):
            return text(lang, "band_small", min_cell=v[1:])
        if isinstance(v, str) and v.startswith(">="):
            return text(lang, "band_large", min_cell=v[2:])
        if v in ("treated", "control"):
            return label(lang, v)
        return str(v)

    return text(lang, key, **{k: words(v) for k, v in w.get("fields", {}).items()})


def _estimate_cells(row: dict[str, Any], decimals: int, lang: str) -> list[str]:
    """Return the estimate, standard error and interval of a results row as shown.

    Hidden by secondary suppression: the mark; hidden otherwise or not computed: a dash.
    """
    if _hidden(row, "estimate"):
        return [MARK, MARK, MARK]
    ci = ("–" if row.get("ci_lower") is None else
          f"{fmt_number(row['ci_lower'], decimals, lang)} – "
          f"{fmt_number(row['ci_upper'], decimals, lang)}")
    return [fmt_number(row["estimate"], decimals, lang),
            fmt_number(row["std_error"], decimals, lang), ci]


def _words(lang: str, items: list[str]) -> str:
    """Return items in words: ``a``, ``a and b``, ``a, b and c``."""
    if len(items) < 2:
        return "".join(items)
    return f"{', '.join(items[:-1])} {text(lang, 'and')} {items[-1]}"
