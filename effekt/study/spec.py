"""Study specs: a TOML file describing one study, validated into frozen dataclasses.

A spec names its data (a folder of record tables, or the synthetic municipality), the
population and unit, the exposure (pilot) and how cohorts are defined, the period, the
outcomes, covariates, the design and its options, the robustness checks, the disclosure
threshold, the report language and the seed. Every problem of a spec is found in one
reading and reported in one :class:`~effekt.errors.SpecError` naming the file and, for
each problem, the key and what is wrong (a file that is not UTF-8 TOML is one problem).

The keys (``?`` = optional, with its default)::

    title = "..."                       # str
    language = "nb"                     # ? "nb" | "en"
    seed = 20190701                     # int
    min_cell = 5                        # ? int >= 5: disclosure threshold (units)
    covariates = ["..."]                # ? columns of persons

    [data]                              # exactly one of folder / synthetic
    folder = "../synthetic_data"        # relative to the spec file
    synthetic = {seed = 1, scale = 0.1} # generated at run time; ? scenario = "default" |
                                        # "null" | "nonparallel" (effekt.synthetic.generate)

    [population]
    unit = "family"                     # "person" | "family"
    period = "year"                     # ? "year" | "quarter" | "month"
    start = "2016-01-01"                # ? first and last dates of the panel
    end = "2025-12-31"
    where = {prior_social_assistance_months = {min = 1}}  # ? filters (effekt.study.population)

    [exposure]
    pilot = "holf"                      # exposures.pilot
    cohorts = "first_exposure"          # ? the period of the first exposure
    anticipation = 0                    # ? periods the cohort is moved earlier

    [[outcomes]]                        # one or more; the first is the main outcome
    name = "social_assistance_months"   # an outcome in the data or a cost_<sector> column
    kind = "months"                     # "count" | "share" | "days" | "months" | "nok";
                                        # cost_<sector> outcomes are "nok" (may be omitted)
    aggregation = "mean"                # ? "sum" | "mean" | "max" | "last" (record outcomes)
    label = {nb = "...", en = "..."}    # ? the outcome's name in the report
    price = {sector = "nav", nok_per_unit = 9718}  # ? a non-NOK outcome's price, for the
                                        # budget view (a cost_<sector> outcome is its own)
    where = {age = {min = 6, max = 15}} # ? filters for this outcome only

    [design]
    type = "matched_did"                # staggered_did | matched_did | matching | rct | did_2x2
    ...                                 # options of the design (see DESIGN_OPTIONS)

    [robustness]                        # ? each check is optional
    pretrend_test = true
    alternative_control = "notyet"      # staggered_did only
    alternative_estimator = "staggered_did"
    placebo_outcome = "cost_pleie_omsorg"
    placebo_kind = "share"              # the placebo's kind, unless a cost_<sector> outcome
    sensitivity = true
    honest_did = true                   # HonestDiD of the event study (default true)

    [budget]                            # ? the budget view: every cost_<sector>
                                        # outcome and every outcome with a price
    n_cases = 10                        # ? default: the treated units
    horizon = 10
    beyond = "zero"
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

import pandas as pd

from effekt._checks import raise_problems
from effekt.budgeting.sectors import resolve_sector
from effekt.errors import SpecError
from effekt.study.population import Filter, read_filters

__all__ = [
    "DESIGN_OPTIONS",
    "Budget",
    "DataSource",
    "Design",
    "DesignType",
    "OUTCOME_KINDS",
    "Outcome",
    "Robustness",
    "Study",
    "load_spec",
]

DesignType = Literal["staggered_did", "matched_did", "matching", "rct", "did_2x2"]
Language = Literal["nb", "en"]
Unit = Literal["person", "family"]
PeriodKind = Literal["year", "quarter", "month"]
OutcomeAggregation = Literal["sum", "mean", "max", "last"]
OutcomeKind = Literal["count", "share", "days", "months", "nok"]
#: What an outcome measures, in words (the unit of its estimate).
OUTCOME_KINDS: dict[str, str] = {
    "count": "a count (events or cases per unit and period)",
    "share": "a share from 0 to 1 (its effect is in percentage points / 100)",
    "days": "days per unit and period", "months": "months per unit and period",
    "nok": "an amount in NOK per unit and period (a cost_<sector> outcome: that sector's "
           "cost)",
}
CohortRule = Literal["first_exposure"]
AltEstimator = Literal["staggered_did", "matched_did", "twfe_event_study"]
Beyond = Literal["zero", "last"]

# option name -> (type check, default) per design; "window" is [lo, hi] event times
_WINDOW = ("window", None)
DESIGN_OPTIONS: dict[str, dict[str, tuple[str, Any]]] = {
    "staggered_did": {"control": ("never|notyet", "never"), "method": ("dr|ipw|reg", "dr"),
                      "n_boot": ("int", 499), "cluster": ("str", None), "window": _WINDOW,
                      "unbalanced": ("pairwise|rcs", "pairwise")},
    "matched_did": {"pre_periods": ("int", 2), "match_outcome": ("levels|mean_trend|none",
                                                                 "levels"),
                    "method": ("mahalanobis|nearest", "mahalanobis"), "ratio": ("int", 1),
                    "caliper": ("float", None), "window": _WINDOW,
                    "se": ("auto|CR1|CR2", "auto")},
    "matching": {"pre_period": ("int", None), "post_period": ("int", None),
                 "method": ("mahalanobis|nearest", "mahalanobis"), "ratio": ("int", 1)},
    "rct": {"post_period": ("int", None), "cluster": ("str", None),
            "se": ("auto|CR1|CR2", "auto")},
    "did_2x2": {"pre_period": ("int", None), "post_period": ("int", None),
                "cluster": ("str", None), "se": ("auto|CR1|CR2", "auto")},
}
_REQUIRED_OPTIONS = {"matching": ("pre_period", "post_period"), "rct": ("post_period",),
                     "did_2x2": ("pre_period", "post_period")}


@dataclass(frozen=True)
class DataSource:
    """Where the record tables come from: a folder (``path``) or the generator."""

    folder: Path | None = None
    folder_text: str | None = None  # as written in the spec (no absolute path in outputs)
    synthetic_seed: int | None = None
    synthetic_scale: float | None = None
    synthetic_scenario: str = "default"


@dataclass(frozen=True)
class Outcome:
    """One outcome: its name, kind, aggregation, label, price and filters.

    ``kind`` is what the outcome measures (:data:`OUTCOME_KINDS`). The budget view takes
    every outcome with a :attr:`budget_sector`: a ``cost_<sector>`` outcome is NOK of that
    sector's cost, so its avoided cost is −effect × cases; another outcome needs a
    ``price`` (NOK per unit, and the sector that bears it): −effect × price × cases.
    Positive avoided cost: the sector saves money (docs/contracts.md).
    """

    name: str
    kind: str = "count"
    aggregation: str = "mean"
    label: tuple[tuple[str, str], ...] = ()
    price: tuple[str, float] | None = None  # (sector, NOK per unit)
    where: tuple[Filter, ...] = ()

    @property
    def is_cost(self) -> bool:
        """Whether the outcome is a ``cost_<sector>`` column of the panel."""
        return self.name.startswith("cost_")

    @property
    def cost_sector(self) -> str | None:
        """The sector of a ``cost_<sector>`` outcome (None for ``cost_total`` and others)."""
        if not self.is_cost or self.name == "cost_total":
            return None
        return self.name.removeprefix("cost_")

    @property
    def budget_sector(self) -> str | None:
        """The sector whose money the outcome's effect is, or None (not in the budget)."""
        return self.price[0] if self.price is not None else self.cost_sector

    @property
    def nok_per_unit(self) -> float | None:
        """NOK per unit of the outcome for the budget view (1 for a cost outcome)."""
        if self.price is not None:
            return self.price[1]
        return 1.0 if self.cost_sector is not None else None

    def to_dict(self) -> dict[str, Any]:
        """Return the outcome as plain data."""
        return {"name": self.name, "kind": self.kind, "aggregation": self.aggregation,
                "label": dict(self.label) or None,
                "price": None if self.price is None else {"sector": self.price[0],
                                                          "nok_per_unit": self.price[1]},
                "where": [f.to_dict() for f in self.where]}


@dataclass(frozen=True)
class Design:
    """The design and its options (with defaults filled in)."""

    type: str
    options: tuple[tuple[str, Any], ...] = ()

    def get(self, name: str) -> Any:
        """Return an option's value."""
        return dict(self.options)[name]


@dataclass(frozen=True)
class Robustness:
    """Robustness checks to run."""

    pretrend_test: bool = True
    alternative_control: str | None = None
    alternative_estimator: str | None = None
    placebo_outcome: str | None = None
    placebo_kind: str | None = None  # "nok" for a cost_<sector> placebo
    sensitivity: bool = False
    honest_did: bool = True  # HonestDiD of the event study (designs with one)


@dataclass(frozen=True)
class Budget:
    """Options of the budget view."""

    n_cases: float | None = None
    horizon: int = 10
    beyond: str = "zero"


@dataclass(frozen=True)
class Study:
    """A validated study spec."""

    path: Path
    title: str
    seed: int
    data: DataSource
    unit: str
    pilot: str
    outcomes: tuple[Outcome, ...]
    design: Design
    period: str = "year"
    start: str | None = None
    end: str | None = None
    where: tuple[Filter, ...] = ()
    cohorts: str = "first_exposure"
    anticipation: int = 0
    covariates: tuple[str, ...] = ()
    robustness: Robustness = field(default_factory=Robustness)
    budget: Budget = field(default_factory=Budget)
    min_cell: int = 5
    language: str = "nb"

    @property
    def main_outcome(self) -> Outcome:
        """The first outcome, whose estimate is the study's main answer."""
        return self.outcomes[0]

    def to_dict(self) -> dict[str, Any]:
        """Return the resolved spec as plain data (no absolute paths)."""
        return {
            "title": self.title, "seed": self.seed, "language": self.language,
            "min_cell": self.min_cell, "covariates": list(self.covariates),
            "data": ({"folder": self.data.folder_text} if self.data.folder is not None else
                     {"synthetic": {"seed": self.data.synthetic_seed,
                                    "scale": self.data.synthetic_scale,
                                    "scenario": self.data.synthetic_scenario}}),
            "population": {"unit": self.unit, "period": self.period, "start": self.start,
                           "end": self.end, "where": [f.to_dict() for f in self.where]},
            "exposure": {"pilot": self.pilot, "cohorts": self.cohorts,
                         "anticipation": self.anticipation},
            "outcomes": [o.to_dict() for o in self.outcomes],
            "design": {"type": self.design.type, **dict(self.design.options)},
            "robustness": {"pretrend_test": self.robustness.pretrend_test,
                           "alternative_control": self.robustness.alternative_control,
                           "alternative_estimator": self.robustness.alternative_estimator,
                           "placebo_outcome": self.robustness.placebo_outcome,
                           "placebo_kind": self.robustness.placebo_kind,
                           "sensitivity": self.robustness.sensitivity,
                           "honest_did": self.robustness.honest_did},
            "budget": {"n_cases": self.budget.n_cases, "horizon": self.budget.horizon,
                       "beyond": self.budget.beyond},
        }


class _Reader:
    """Typed access to one TOML table; each problem, naming the key, goes to ``problems``.

    Nothing is raised here: :func:`load_spec` collects every problem of the spec and raises
    one :class:`~effekt.errors.SpecError` listing them all. A key that is missing or
    invalid reads as its default (None when required), so that reading can go on.
    """

    def __init__(self, file: Path, table: dict[str, Any], prefix: str, allowed: set[str],
                 problems: list[str]):
        self.file, self.prefix, self.problems = file, prefix, problems
        self.table = table if isinstance(table, dict) else {}
        for name in sorted(set(self.table) - allowed):
            self.fail(name, f"unknown key; allowed keys here: {', '.join(sorted(allowed))}")

    def key(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def fail(self, name: str, problem: str) -> None:
        self.problems.append(f"{self.key(name)}: {problem}.")

    def get(self, name: str, kind: str, default: Any = ..., choices: Any = None) -> Any:
        if name not in self.table:
            if default is ...:
                self.fail(name, f"missing required key ({kind})")
                return None
            return default
        value = self.table[name]
        ok = {
            "str": isinstance(value, str),
            "int": isinstance(value, int) and not isinstance(value, bool),
            "float": isinstance(value, int | float) and not isinstance(value, bool),
            "bool": isinstance(value, bool),
            "table": isinstance(value, dict),
            "list[str]": isinstance(value, list) and all(isinstance(v, str) for v in value),
            "window": isinstance(value, list) and len(value) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in value),
        }[kind]
        if not ok:
            want = {"window": "a list of two integers [first, last]"}.get(kind, f"a {kind}")
            self.fail(name, f"expected {want}, got {type(value).__name__} {value!r}")
            return None if default is ... else default
        if choices is not None:
            allowed = get_args(choices) or tuple(choices)
            if value not in allowed:
                self.fail(name, f"{value!r} is not one of {', '.join(map(repr, allowed))}")
                return None if default is ... else default
        return value

    def integer(self, name: str, default: Any = ..., minimum: int | None = None) -> Any:
        """Read an integer key, refused below ``minimum``."""
        value = self.get(name, "int", default)
        if value is not None and minimum is not None and value < minimum:
            self.fail(name, f"must be an integer >= {minimum}, got {value}")
            return None if default is ... else default
        return value


def _table(reader: _Reader, name: str, required: bool = True) -> dict[str, Any] | None:
    """Return the table ``name`` ({} when optional and absent, None when missing or bad)."""
    return reader.get(name, "table", ... if required else {})


def _design(file: Path, raw: dict[str, Any], problems: list[str]) -> Design | None:
    kind = raw.get("type")
    if kind is None:
        problems.append(f"design.type: missing required key (one of "
                        f"{', '.join(map(repr, get_args(DesignType)))}).")
        return None
    if not isinstance(kind, str) or kind not in get_args(DesignType):
        problems.append(f"design.type: unknown design {kind!r}; known designs: "
                        f"{', '.join(map(repr, get_args(DesignType)))}.")
        return None
    spec = DESIGN_OPTIONS[kind]
    r = _Reader(file, raw, "design.", {"type", *spec}, problems)
    opts = []
    for name, (kind_text, default) in spec.items():
        if "|" in kind_text:
            value = r.get(name, "str", default, choices=kind_text.split("|"))
        else:
            required = name in _REQUIRED_OPTIONS.get(kind, ())
            value = r.get(name, kind_text, ... if required else default)
        if kind_text == "int" and value is not None and name in ("n_boot", "pre_periods",
                                                                  "ratio") and value < 1:
            r.fail(name, f"must be an integer >= 1, got {value}")
        if kind_text == "float" and value is not None and name == "caliper" and not (
                math.isfinite(value) and value > 0):
            r.fail(name, f"must be a positive number, got {value}")
        if name == "window" and value is not None:
            if not value[0] <= -1 <= value[1]:
                r.fail(name, f"{value} must contain the reference event time -1")
            elif value[0] == value[1]:
                r.fail(name, f"{value} holds only the reference event time -1; widen it")
            value = tuple(value)
        opts.append((name, value))
    d = dict(opts)
    if "pre_period" in d and d.get("post_period") is not None and d["pre_period"] is not None:
        if d["post_period"] <= d["pre_period"]:
            r.fail("post_period", f"{d['post_period']} must come after pre_period "
                                  f"{d['pre_period']}")
    return Design(type=kind, options=tuple(opts))


def _outcomes(file: Path, raw: Any, problems: list[str]) -> tuple[Outcome, ...]:
    if not isinstance(raw, list) or not raw or not all(isinstance(o, dict) for o in raw):
        problems.append(f"outcomes: expected one or more [[outcomes]] tables, got {raw!r}.")
        return ()
    out = []
    for k, item in enumerate(raw):
        r = _Reader(file, item, f"outcomes[{k}].", {"name", "kind", "aggregation", "label",
                                                     "price", "where", "cost_per_unit"},
                    problems)
        name = r.get("name", "str")
        is_cost = name is not None and name.startswith("cost_")
        if "cost_per_unit" in r.table:  # the old key, whose sign was easy to get wrong
            r.fail("cost_per_unit", "replaced: a cost_<sector> outcome is NOK of that "
                                    "sector's cost and needs no price; give another outcome "
                                    "price = { sector = \"nav\", nok_per_unit = 9718 } "
                                    "(docs/contracts.md, the sign of an avoided cost)")
        kind = r.get("kind", "str", "nok" if is_cost else ..., choices=OutcomeKind)
        if is_cost and kind not in (None, "nok"):
            r.fail("kind", f"a cost_<sector> outcome is an amount in NOK (kind 'nok'), not "
                           f"{kind!r}")
        agg = r.get("aggregation", "str", "sum" if is_cost else "mean",
                    choices=OutcomeAggregation)
        if is_cost and agg != "sum":
            r.fail("aggregation", "cost_<sector> outcomes are sums of service costs; use 'sum'")
        label = r.get("label", "table", {})
        bad = sorted(set(label) - set(get_args(Language)))
        if bad or not all(isinstance(v, str) and v.strip() for v in label.values()):
            r.fail("label", f"expected {{ nb = \"...\", en = \"...\" }}, got {label!r}")
            label = {}
        price = _price(r, is_cost)
        where = read_filters(item["where"], f"outcomes[{k}].where", problems) if (
            "where" in r.table) else ()
        if name is not None and kind is not None:
            out.append(Outcome(name=name, kind=kind, aggregation=agg,
                               label=tuple(sorted(label.items())), price=price, where=where))
    names = [o.name for o in out]
    if len(set(names)) != len(names):
        problems.append(f"outcomes: an outcome is named twice ({names}).")
    by_sector: dict[str, list[str]] = {}
    for o in out:
        if o.budget_sector is not None:
            by_sector.setdefault(o.budget_sector, []).append(o.name)
    for sector, which in by_sector.items():
        if len(which) > 1:
            problems.append(
                f"outcomes: {' and '.join(which)} both put money in the budget of sector "
                f"{sector!r}: the same money would be counted twice (a cost_{sector} outcome "
                f"already holds every NOK the sector spends); give a price to one of them "
                f"only, or drop the cost outcome.")
    return tuple(out)


def _price(r: _Reader, is_cost: bool) -> tuple[str, float] | None:
    """Read ``price = {sector, nok_per_unit}`` of an outcome (refused on a cost outcome)."""
    if "price" not in r.table:
        return None
    raw = r.get("price", "table", {})
    if is_cost:
        r.fail("price", "a cost_<sector> outcome is an amount in NOK of that sector: it is "
                        "its own price; remove price")
        return None
    p = _Reader(r.file, raw, f"{r.prefix}price.", {"sector", "nok_per_unit"}, r.problems)
    sector, nok = p.get("sector", "str"), p.get("nok_per_unit", "float")
    if sector is not None:
        try:
            sector = resolve_sector(sector, where="sector")
        except SpecError as exc:
            p.fail("sector", str(exc).rstrip("."))
            sector = None
    if nok is not None and not (math.isfinite(nok) and nok > 0):
        p.fail("nok_per_unit", f"must be a positive number of NOK (the cost of one unit of "
                               f"the outcome), got {nok}; the sign of the saving follows "
                               f"from the effect")
        nok = None
    return None if sector is None or nok is None else (sector, float(nok))


def _data(file: Path, raw: dict[str, Any], problems: list[str]) -> DataSource | None:
    r = _Reader(file, raw, "data.", {"folder", "synthetic"}, problems)
    if ("folder" in r.table) == ("synthetic" in r.table):
        r.fail("folder", "give exactly one of data.folder and data.synthetic")
        return None
    if "folder" in r.table:
        text = r.get("folder", "str")
        if text is None:
            return None
        folder = (file.parent / text).resolve()
        if not folder.is_dir():
            r.fail("folder", f"folder {text!r} does not exist (paths are relative to the "
                             f"spec file)")
            return None
        return DataSource(folder=folder, folder_text=text)
    syn = _Reader(file, r.get("synthetic", "table", {}), "data.synthetic.",
                  {"seed", "scale", "scenario"}, problems)
    seed = syn.integer("seed", minimum=0)
    scale = syn.get("scale", "float")
    scenario = syn.get("scenario", "str", "default", choices=("default", "null",
                                                               "nonparallel"))
    if scale is not None and not 0 < scale <= 4:
        syn.fail("scale", f"must be in (0, 4], got {scale}")
        scale = None
    if seed is None or scale is None:
        return None
    return DataSource(synthetic_seed=seed, synthetic_scale=float(scale),
                      synthetic_scenario=scenario)


def _date(r: _Reader, name: str) -> str | None:
    value = r.get(name, "str", None)
    if value is not None:
        try:
            ok = not pd.isna(pd.Timestamp(value))
        except (ValueError, OverflowError):
            ok = False
        if not ok:
            r.fail(name, f"{value!r} is not a date; write e.g. '2016-01-01'")
            return None
    return value


def load_spec(path: str | Path) -> Study:
    """Read and validate a study spec (TOML).

    Checks the spec's structure, types, choices and paths; the names it uses in the data
    (outcomes, pilot, covariates) are checked against the data when the study runs (or by
    :func:`effekt.study.check_study`).

    Parameters
    ----------
    path : str or pathlib.Path
        The TOML file.

    Returns
    -------
    Study

    Raises
    ------
    SpecError
        Naming the file and listing every problem found, each with its key: one
        ``"{file}: {key}: {problem}."`` or ``"{file}: N problems:"`` and one line per
        problem. A file that does not exist, is a folder, is not UTF-8 or not TOML is
        refused first, alone.

    Examples
    --------
    >>> from pathlib import Path
    >>> import effekt
    >>> spec = Path(effekt.__file__).parents[1] / "studies" / "holf.toml"
    >>> s = load_spec(spec)
    >>> s.design.type, s.unit, s.main_outcome.name
    ('matched_did', 'family', 'social_assistance_months')
    """
    file = Path(path)
    raw = _parse(file)
    problems: list[str] = []
    top = _Reader(file, raw, "", {"title", "language", "seed", "min_cell", "covariates", "data",
                                  "population", "exposure", "outcomes", "design", "robustness",
                                  "budget"}, problems)
    title = top.get("title", "str")
    seed = top.integer("seed", minimum=0)
    language = top.get("language", "str", "nb", choices=Language)
    min_cell = top.get("min_cell", "int", 5)
    if min_cell < 5:  # the municipality's floor: a spec may be stricter, never laxer
        top.fail("min_cell", f"must be an integer >= 5 (the disclosure floor), got {min_cell}")
    covariates = tuple(top.get("covariates", "list[str]", []))
    data_table = _table(top, "data")
    data = None if data_table is None else _data(file, data_table, problems)
    pop_table = _table(top, "population")
    pop = _Reader(file, pop_table or {}, "population.",
                  {"unit", "period", "start", "end", "where"}, problems)
    unit = None if pop_table is None else pop.get("unit", "str", choices=Unit)
    period = pop.get("period", "str", "year", choices=PeriodKind)
    start, end = _date(pop, "start"), _date(pop, "end")
    if start is not None and end is not None and pd.Timestamp(start) > pd.Timestamp(end):
        pop.fail("end", f"{end!r} comes before start {start!r}")
    where = read_filters(pop.table["where"], "population.where", problems) if (
        "where" in pop.table) else ()
    exp_table = _table(top, "exposure")
    exp = _Reader(file, exp_table or {}, "exposure.", {"pilot", "cohorts", "anticipation"},
                  problems)
    pilot = None if exp_table is None else exp.get("pilot", "str")
    cohorts = exp.get("cohorts", "str", "first_exposure", choices=CohortRule)
    anticipation = exp.integer("anticipation", 0, minimum=0)
    if "outcomes" not in raw:
        top.fail("outcomes", "missing required key (one or more [[outcomes]] tables)")
        outcomes: tuple[Outcome, ...] = ()
    else:
        outcomes = _outcomes(file, raw["outcomes"], problems)
    design_table = _table(top, "design")
    design = _design(file, design_table, problems) if design_table is not None else None
    rob = _Reader(file, _table(top, "robustness", required=False), "robustness.",
                  {"pretrend_test", "alternative_control", "alternative_estimator",
                   "placebo_outcome", "placebo_kind", "sensitivity", "honest_did"}, problems)
    placebo = rob.get("placebo_outcome", "str", None)
    cost_placebo = placebo is not None and placebo.startswith("cost_")
    placebo_kind = rob.get("placebo_kind", "str", "nok" if cost_placebo else None,
                           choices=OutcomeKind)
    if placebo is not None and placebo_kind is None and "placebo_kind" not in rob.table:
        rob.fail("placebo_kind", f"missing: say what the placebo outcome {placebo!r} measures "
                                 f"(one of {', '.join(map(repr, get_args(OutcomeKind)))})")
    elif cost_placebo and placebo_kind != "nok":
        rob.fail("placebo_kind", "a cost_<sector> placebo is an amount in NOK (kind 'nok')")
    robustness = Robustness(
        pretrend_test=rob.get("pretrend_test", "bool", True),
        alternative_control=rob.get("alternative_control", "str", None,
                                    choices=("never", "notyet")),
        alternative_estimator=rob.get("alternative_estimator", "str", None,
                                      choices=AltEstimator),
        placebo_outcome=placebo,
        placebo_kind=placebo_kind,
        sensitivity=rob.get("sensitivity", "bool", False),
        honest_did=rob.get("honest_did", "bool", True),
    )
    if (robustness.alternative_control is not None and design is not None
            and design.type != "staggered_did"):
        rob.fail("alternative_control", "only the staggered_did design has a choice of "
                                        "control group")
    bud = _Reader(file, _table(top, "budget", required=False), "budget.",
                  {"n_cases", "horizon", "beyond"}, problems)
    n_cases = bud.get("n_cases", "float", None)
    if n_cases is not None and not (math.isfinite(n_cases) and n_cases >= 0):
        bud.fail("n_cases", f"must be a number >= 0, got {n_cases}")
        n_cases = None
    horizon = bud.integer("horizon", 10, minimum=1)
    budget = Budget(n_cases=None if n_cases is None else float(n_cases), horizon=horizon,
                    beyond=bud.get("beyond", "str", "zero", choices=Beyond))
    raise_problems(problems, where=file.name)
    return Study(
        path=file, title=title, seed=seed, data=data, unit=unit, pilot=pilot,
        outcomes=outcomes, design=design, period=period, start=start, end=end, where=where,
        cohorts=cohorts, anticipation=anticipation, covariates=covariates,
        robustness=robustness, budget=budget, min_cell=min_cell, language=language,
    )


def _parse(file: Path) -> dict[str, Any]:
    """Read the spec file as UTF-8 TOML; a SpecError for anything else."""
    if file.is_dir():
        raise SpecError(f"{file}: is a folder, not a spec file (a .toml file).")
    if not file.is_file():
        raise SpecError(f"{file}: the spec file does not exist.")
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise SpecError(f"{file}: the spec file cannot be read ({exc.strerror}).") from exc
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(
            f"{file.name}: not UTF-8 text (byte {exc.start} is {data[exc.start]:#04x}); save "
            "the spec as UTF-8 (most editors: 'Save with encoding', UTF-8)."
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{file.name}: not valid TOML: {exc}.") from exc
