"""What the report needs of ``results.json``: every field checked before anything is drawn.

:func:`check_results` lists every missing or invalid field at once in one
:class:`~effekt.errors.EffektError`, so that a results file the report cannot show in full
fails with a clear message instead of a report with blanks. A field the contract lets be
``null`` (``p_value``, ``mde`` of a suppressed estimate, ``label``, ...) must still be
present.

Results written before issue 11 (none of its fields: no ``assessment``, no outcome
``kind``, no ``mde``) are checked against the fields they had, and the report says in a
visible note that they carry no units and no assessment (:func:`is_legacy`); results with
some of those fields must have all of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from effekt.errors import EffektError

__all__ = ["CHECK_VALUES", "KINDS", "LEVELS", "check_results", "is_legacy"]

#: What an outcome measures (``spec.outcomes[i].kind`` and the rows' ``kind``).
KINDS = ("count", "share", "days", "months", "nok")
#: The assessment's levels.
LEVELS = ("high", "moderate", "low")
#: The checks of the assessment and the keys of their ``values`` the report uses.
CHECK_VALUES: dict[str, tuple[str, ...]] = {
    "sample_size": (),
    "balance": ("max_abs_smd", "covariate", "good", "bad"),
    "overlap": ("share_matched", "treated", "unmatched"),
    "attrition": ("share_dropped", "step"),
    "pretrend": ("statistic", "df", "p_value"),
    "pretrend_power": ("detectable_bias", "mde", "df"),
    "placebo": ("outcome", "estimate", "ci_lower", "ci_upper", "estimable"),
    "clusters": ("n_clusters", "minimum"),
    "sensitivity": ("e_value_ci", "threshold"),
    "agreement": ("checks",),
    "precision": ("mde", "estimate"),
}

_ROW = ("outcome", "design", "estimate", "std_error", "ci_lower", "ci_upper", "decimals",
        "suppressed", "n_treated", "n_control")
_ROW_NEW = ("secondary", "kind", "label", "sector", "p_value", "mde")
_BUDGET = ("outcome", "sector", "year", "avoided_cost_nok", "p05_nok", "p95_nok", "n_cases",
           "suppressed")
_EVENT = ("event_time", "estimate", "std_error", "ci_lower", "ci_upper", "n_treated")


def is_legacy(results: Mapping[str, Any]) -> bool:
    """Whether results were written before issue 11: none of its fields is there.

    Results with some of the fields but not all are not legacy: :func:`check_results`
    names the missing ones.

    Examples
    --------
    >>> is_legacy({"spec": {}, "main": {"estimate": 1.0}})
    True
    >>> is_legacy({"spec": {}, "main": {"kind": "days"}})
    False
    """
    main = results.get("main") if isinstance(results.get("main"), Mapping) else {}
    spec = results.get("spec") if isinstance(results.get("spec"), Mapping) else {}
    pop = spec.get("population") if isinstance(spec.get("population"), Mapping) else {}
    return not ("assessment" in results or "budget_inputs" in results or "kind" in main
                or "mde" in main or "p_value" in main or "where" in pop)


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def need(self, obj: Any, where: str, keys: Iterable[str]) -> bool:
        """Record the keys missing from ``obj``; return whether ``obj`` is a mapping."""
        if not isinstance(obj, Mapping):
            self.items.append(f"{where}: expected an object, got {type(obj).__name__}")
            return False
        self.items += [f"{where}.{k}" if where else k for k in keys if k not in obj]
        return True

    def rows(self, obj: Any, where: str, keys: Iterable[str]) -> list[Mapping[str, Any]]:
        """Check a list of rows; return the rows that are mappings."""
        if not isinstance(obj, list):
            self.items.append(f"{where}: expected a list, got {type(obj).__name__}")
            return []
        keys = tuple(keys)
        return [r for i, r in enumerate(obj) if self.need(r, f"{where}[{i}]", keys)]

    def choice(self, value: Any, where: str, allowed: Iterable[str]) -> None:
        allowed = tuple(allowed)
        if value not in allowed:
            self.items.append(f"{where}: {value!r} is not one of {', '.join(allowed)}")


def check_results(results: Any) -> None:
    """Raise :class:`~effekt.errors.EffektError` naming every field the report lacks.

    Examples
    --------
    >>> try:
    ...     check_results({"spec": {"language": "nb"}})
    ... except EffektError as exc:
    ...     print(str(exc).split("; ")[1][:62])
    missing or invalid: spec.title, spec.population, spec.exposure
    """
    p = _Problems()
    if not p.need(results, "", ("spec",)):
        raise EffektError("results.json cannot be shown as a report: it is not an object.")
    legacy = is_legacy(results)
    spec = results.get("spec")
    if p.need(spec, "spec", ("language", "title", "population", "exposure", "design",
                             "covariates", "data")):
        if "language" in spec:
            p.choice(spec["language"], "spec.language", ("nb", "en"))
        pop = spec.get("population")
        if "population" in spec and p.need(pop, "spec.population", (
                "unit", "period", "start", "end", *(() if legacy else ("where",)))):
            p.choice(pop.get("unit"), "spec.population.unit", ("family", "person"))
            p.choice(pop.get("period"), "spec.population.period", ("year", "quarter", "month"))
            if not legacy:
                p.rows(pop.get("where", []), "spec.population.where", ("column", "min", "max",
                                                                          "in"))
        if "exposure" in spec:
            p.need(spec["exposure"], "spec.exposure", ("pilot",))
        if "design" in spec:
            p.need(spec["design"], "spec.design", ("type",))
        if not legacy:
            for i, o in enumerate(p.rows(spec.get("outcomes"), "spec.outcomes",
                                         ("name", "kind", "label", "price", "where"))):
                p.choice(o.get("kind"), f"spec.outcomes[{i}].kind", KINDS)
                p.rows(o.get("where", []), f"spec.outcomes[{i}].where",
                       ("column", "min", "max", "in"))
    p.need(results, "", ("effekt_version", "estimand", "main", "outcomes", "event_study",
                         "pretrend_test", "flow", "balance", "robustness", "sensitivity",
                         "budget", "disclosure",
                         *(() if legacy else ("warnings", "assessment"))))
    row_keys = _ROW if legacy else _ROW + _ROW_NEW
    rows = []
    if "main" in results and p.need(results["main"], "main", row_keys):
        rows.append(("main", results["main"]))
    rows += [(f"outcomes[{i}]", r) for i, r in
             enumerate(p.rows(results.get("outcomes", []), "outcomes", row_keys))]
    if not legacy:
        for where, r in rows:
            p.choice(r.get("kind"), f"{where}.kind", KINDS)
            mde = r.get("mde")
            if mde is not None:
                p.need(mde, f"{where}.mde", ("value", "power", "alpha"))
        budget_keys = (*_BUDGET, "secondary", "estimated")
    else:
        budget_keys = _BUDGET
    p.rows(results.get("budget", []), "budget", budget_keys)
    p.rows(results.get("event_study", []), "event_study", _EVENT)
    p.rows(results.get("flow", []), "flow", ("step", "n"))
    p.rows(results.get("robustness", []), "robustness", ("check", *_ROW))
    if results.get("balance") is not None:
        p.rows(results["balance"], "balance", ("covariate", "cohort", "smd_before",
                                               "smd_after", "n_treated"))
    if "disclosure" in results:
        p.need(results["disclosure"], "disclosure", (
            "min_cell", "suppressed_estimates",
            *(() if legacy else ("secondary_cells", "withheld"))))
    if not legacy and "assessment" in results:
        _check_assessment(p, results["assessment"])
    if p.items:
        raise EffektError("results.json cannot be shown as a report; missing or invalid: "
                          + ", ".join(p.items) + ".")


def _check_assessment(p: _Problems, a: Any) -> None:
    if not p.need(a, "assessment", ("level", "reasons")):
        return
    p.choice(a.get("level"), "assessment.level", LEVELS)
    for i, r in enumerate(p.rows(a.get("reasons", []), "assessment.reasons",
                                 ("check", "passed", "severity", "values"))):
        where = f"assessment.reasons[{i}]"
        check = r.get("check")
        if check not in CHECK_VALUES:
            p.items.append(f"{where}.check: the report has no words for the check {check!r} "
                           f"(known: {', '.join(CHECK_VALUES)})")
            continue
        if r.get("passed") not in (True, False, None):
            p.items.append(f"{where}.passed: expected true, false or null")
        if r.get("passed") is False:
            p.choice(r.get("severity"), f"{where}.severity", ("serious", "caution"))
        if r.get("passed") is not None or check == "precision":
            p.need(r.get("values"), f"{where}.values", CHECK_VALUES[check])
