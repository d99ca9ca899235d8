"""What the report needs of ``results.json``: every field checked before anything is drawn.

:func:`check_results` lists every missing or invalid field at once in one
:class:`~effekt.errors.EffektError`, so that a results file the report cannot show in full
fails with a clear message instead of a report with blanks. A field the contract lets be
``null`` (``p_value``, ``mde`` of a suppressed estimate, ``label``, a robustness row's
``kind``, a count hidden by secondary suppression, ...) must still be present. Results
written before the contract (no ``kind``, ``mde`` or ``assessment``) are not shown: run the
study again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from effekt.errors import EffektError

__all__ = ["CHECK_VALUES", "INFERENCE", "KINDS", "LEVELS", "POPULATION_COUNTS", "check_results"]

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
    "trend_robustness": ("breakdown", "threshold", "largest_m"),
    "agreement": ("checks",),
    "precision": ("mde", "estimate"),
}

_ROW = ("outcome", "design", "estimate", "std_error", "ci_lower", "ci_upper", "decimals",
        "suppressed", "n_treated", "n_control", "secondary", "kind", "label")
_OUTCOME_ROW = (*_ROW, "sector", "p_value", "mde", "inference")
#: How an estimate's uncertainty was computed (a row's ``inference``; null: not recorded).
INFERENCE = ("cr1", "cr2", "hc", "influence_cluster", "multiplier_bootstrap",
             "abadie_imbens", "cluster_pairs")
_BUDGET = ("outcome", "sector", "year", "avoided_cost_nok", "p05_nok", "p95_nok", "n_cases",
           "suppressed", "secondary", "estimated")
_FILTER = ("column", "min", "max", "in")
#: The study population's counts (``results["population"]``): a number, a band such as
#: ``"<5"``, or None when hidden by secondary suppression.
POPULATION_COUNTS = ("units_in_data", "units_in_study", "units_outside_population")
_EVENT = ("event_time", "estimate", "std_error", "ci_lower", "ci_upper", "n_treated")


_MISSING = object()


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

    def choice(self, value: Any, where: str, allowed: Iterable[str | None]) -> None:
        """Record a value not among ``allowed`` (a missing field is recorded by :meth:`need`)."""
        allowed = tuple(allowed)
        if value is not _MISSING and value not in allowed:
            names = ", ".join("null" if a is None else a for a in allowed)
            self.items.append(f"{where}: {value!r} is not one of {names}")

    def label(self, value: Any, where: str) -> None:
        """Check a label: null or ``{"nb": str, "en": str}``."""
        if value is not None and not (isinstance(value, Mapping) and all(
                isinstance(value.get(k), str) for k in ("nb", "en"))):
            self.items.append(f"{where}: expected null or {{\"nb\": ..., \"en\": ...}}, got "
                              f"{value!r}")


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
    spec = results.get("spec")
    if p.need(spec, "spec", ("language", "title", "population", "exposure", "design",
                             "covariates", "data", "outcomes")):
        if "language" in spec:
            p.choice(spec["language"], "spec.language", ("nb", "en"))
        pop = spec.get("population")
        if "population" in spec and p.need(pop, "spec.population", (
                "unit", "period", "start", "end", "where")):
            p.choice(pop.get("unit", _MISSING), "spec.population.unit", ("family", "person"))
            p.choice(pop.get("period", _MISSING), "spec.population.period",
                     ("year", "quarter", "month"))
            p.rows(pop.get("where", []), "spec.population.where", _FILTER)
        if "exposure" in spec:
            p.need(spec["exposure"], "spec.exposure", ("pilot",))
        if "design" in spec:
            p.need(spec["design"], "spec.design", ("type",))
        for i, o in enumerate(p.rows(spec.get("outcomes", []), "spec.outcomes",
                                     ("name", "kind", "label", "price", "where"))):
            p.choice(o.get("kind", _MISSING), f"spec.outcomes[{i}].kind", KINDS)
            p.label(o.get("label"), f"spec.outcomes[{i}].label")
            p.rows(o.get("where", []), f"spec.outcomes[{i}].where", _FILTER)
    p.need(results, "", ("effekt_version", "estimand", "main", "outcomes", "population",
                         "event_study", "pretrend_test", "flow", "balance", "robustness",
                         "sensitivity", "budget", "disclosure", "warnings", "assessment"))
    rows = []
    if "main" in results and p.need(results["main"], "main", _OUTCOME_ROW):
        rows.append(("main", results["main"]))
    rows += [(f"outcomes[{i}]", r) for i, r in
             enumerate(p.rows(results.get("outcomes", []), "outcomes", _OUTCOME_ROW))]
    for where, r in rows:
        p.choice(r.get("kind", _MISSING), f"{where}.kind", KINDS)
        p.choice(r.get("inference", _MISSING), f"{where}.inference", (*INFERENCE, None))
        p.label(r.get("label"), f"{where}.label")
        mde = r.get("mde")
        if mde is not None:
            p.need(mde, f"{where}.mde", ("value", "power", "alpha"))
    # a robustness row says what its outcome measures; null: the unit is not known
    for i, r in enumerate(p.rows(results.get("robustness", []), "robustness",
                                 ("check", *_ROW))):
        p.choice(r.get("kind", _MISSING), f"robustness[{i}].kind", (*KINDS, None))
        p.label(r.get("label"), f"robustness[{i}].label")
    if "population" in results and p.need(results["population"], "population",
                                          POPULATION_COUNTS):
        for k in POPULATION_COUNTS:
            n = results["population"].get(k)
            if not (n is None or isinstance(n, str) or
                    (isinstance(n, int | float) and not isinstance(n, bool))):
                p.items.append(f"population.{k}: expected a count, a band or null, got {n!r}")
    p.rows(results.get("budget", []), "budget", _BUDGET)
    p.rows(results.get("event_study", []), "event_study", _EVENT)
    p.rows(results.get("flow", []), "flow", ("step", "n"))
    if results.get("balance") is not None:
        p.rows(results["balance"], "balance", ("covariate", "cohort", "smd_before",
                                               "smd_after", "n_treated"))
    if "disclosure" in results:
        p.need(results["disclosure"], "disclosure", ("min_cell", "suppressed_estimates",
                                                     "secondary_cells", "withheld"))
    if "warnings" in results:
        p.rows(results["warnings"], "warnings", ("step", "category"))
    if "assessment" in results:
        _check_assessment(p, results["assessment"])
    if p.items:
        raise EffektError("results.json cannot be shown as a report; missing or invalid: "
                          + ", ".join(p.items) + ".")


def _check_assessment(p: _Problems, a: Any) -> None:
    if not p.need(a, "assessment", ("level", "reasons")):
        return
    p.choice(a.get("level", _MISSING), "assessment.level", LEVELS)
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
            p.choice(r.get("severity", _MISSING), f"{where}.severity", ("serious", "caution"))
        if r.get("passed") is not None or check == "precision":
            p.need(r.get("values"), f"{where}.values", CHECK_VALUES[check])
