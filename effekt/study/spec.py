"""Study specs: a TOML file describing one study, validated into frozen dataclasses.

A spec names its data (a folder of record tables, or the synthetic municipality), the
population and unit, the exposure (pilot) and how cohorts are defined, the period, the
outcomes, covariates, the design and its options, the robustness checks, the disclosure
threshold, the report language and the seed. Every problem is a
:class:`~effekt.errors.SpecError` naming the file, the key and the problem.

The keys (``?`` = optional, with its default)::

    title = "..."                       # str
    language = "nb"                     # ? "nb" | "en"
    seed = 20190701                     # int
    min_cell = 5                        # ? int >= 1: disclosure threshold (units)
    covariates = ["..."]                # ? columns of persons

    [data]                              # exactly one of folder / synthetic
    folder = "../synthetic_data"        # relative to the spec file
    synthetic = {seed = 1, scale = 0.1} # generated at run time

    [population]
    unit = "family"                     # "person" | "family"
    period = "year"                     # ? "year" | "quarter" | "month"
    start = "2016-01-01"                # ? first and last dates of the panel
    end = "2025-12-31"

    [exposure]
    pilot = "holf"                      # exposures.pilot
    cohorts = "first_exposure"          # ? the period of the first exposure
    anticipation = 0                    # ? periods the cohort is moved earlier

    [[outcomes]]                        # one or more; the first is the main outcome
    name = "social_assistance_months"   # an outcome in the data or a cost_<sector> column
    aggregation = "mean"                # ? "sum" | "mean" | "max" | "last" (record outcomes)
    cost_per_unit = {nav = 9718}        # ? NOK per unit by sector, for the budget view

    [design]
    type = "matched_did"                # staggered_did | matched_did | matching | rct | did_2x2
    ...                                 # options of the design (see DESIGN_OPTIONS)

    [robustness]                        # ? each check is optional
    pretrend_test = true
    alternative_control = "notyet"      # staggered_did only
    alternative_estimator = "staggered_did"
    placebo_outcome = "cost_pleie_omsorg"
    sensitivity = true

    [budget]                            # ? used when an outcome has cost_per_unit
    n_cases = 10                        # ? default: the treated units
    horizon = 10
    beyond = "zero"
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

import pandas as pd

from effekt.budgeting.sectors import resolve_sector
from effekt.errors import SpecError

__all__ = [
    "DESIGN_OPTIONS",
    "Budget",
    "DataSource",
    "Design",
    "DesignType",
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
CohortRule = Literal["first_exposure"]
AltEstimator = Literal["staggered_did", "matched_did", "twfe_event_study"]
Beyond = Literal["zero", "last"]

# option name -> (type check, default) per design; "window" is [lo, hi] event times
_WINDOW = ("window", None)
DESIGN_OPTIONS: dict[str, dict[str, tuple[str, Any]]] = {
    "staggered_did": {"control": ("never|notyet", "never"), "method": ("dr|ipw|reg", "dr"),
                      "n_boot": ("int", 499), "cluster": ("str", None), "window": _WINDOW},
    "matched_did": {"pre_periods": ("int", 2), "match_outcome": ("levels|mean_trend|none",
                                                                 "levels"),
                    "method": ("mahalanobis|nearest", "mahalanobis"), "ratio": ("int", 1),
                    "caliper": ("float", None), "window": _WINDOW},
    "matching": {"pre_period": ("int", None), "post_period": ("int", None),
                 "method": ("mahalanobis|nearest", "mahalanobis"), "ratio": ("int", 1)},
    "rct": {"post_period": ("int", None), "cluster": ("str", None)},
    "did_2x2": {"pre_period": ("int", None), "post_period": ("int", None),
                "cluster": ("str", None)},
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


@dataclass(frozen=True)
class Outcome:
    """One outcome: its name, aggregation and optional cost per unit by sector."""

    name: str
    aggregation: str = "mean"
    cost_per_unit: tuple[tuple[str, float], ...] = ()

    @property
    def is_cost(self) -> bool:
        """Whether the outcome is a ``cost_<sector>`` column of the panel."""
        return self.name.startswith("cost_")


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
    sensitivity: bool = False


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
                                    "scale": self.data.synthetic_scale}}),
            "population": {"unit": self.unit, "period": self.period, "start": self.start,
                           "end": self.end},
            "exposure": {"pilot": self.pilot, "cohorts": self.cohorts,
                         "anticipation": self.anticipation},
            "outcomes": [{"name": o.name, "aggregation": o.aggregation,
                          "cost_per_unit": dict(o.cost_per_unit)} for o in self.outcomes],
            "design": {"type": self.design.type, **dict(self.design.options)},
            "robustness": {"pretrend_test": self.robustness.pretrend_test,
                           "alternative_control": self.robustness.alternative_control,
                           "alternative_estimator": self.robustness.alternative_estimator,
                           "placebo_outcome": self.robustness.placebo_outcome,
                           "sensitivity": self.robustness.sensitivity},
            "budget": {"n_cases": self.budget.n_cases, "horizon": self.budget.horizon,
                       "beyond": self.budget.beyond},
        }


class _Reader:
    """Typed access to one TOML table, with errors naming file and key."""

    def __init__(self, file: Path, table: dict[str, Any], prefix: str, allowed: set[str]):
        self.file, self.table, self.prefix = file, table, prefix
        unknown = sorted(set(table) - allowed)
        if unknown:
            self.fail(unknown[0], f"unknown key; allowed keys here: {', '.join(sorted(allowed))}")

    def key(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def fail(self, name: str, problem: str) -> None:
        raise SpecError(f"{self.file.name}: {self.key(name)}: {problem}.")

    def get(self, name: str, kind: str, default: Any = ..., choices: Any = None) -> Any:
        if name not in self.table:
            if default is ...:
                self.fail(name, f"missing required key ({kind})")
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
        if choices is not None:
            allowed = get_args(choices) or tuple(choices)
            if value not in allowed:
                self.fail(name, f"{value!r} is not one of {', '.join(map(repr, allowed))}")
        return value


def _table(reader: _Reader, name: str, required: bool = True) -> dict[str, Any]:
    value = reader.get(name, "table", ... if required else {})
    return value


def _design(file: Path, raw: dict[str, Any]) -> Design:
    kind = raw.get("type")
    if kind is None:
        raise SpecError(f"{file.name}: design.type: missing required key (one of "
                        f"{', '.join(map(repr, get_args(DesignType)))}).")
    if kind not in get_args(DesignType):
        raise SpecError(f"{file.name}: design.type: unknown design {kind!r}; known designs: "
                        f"{', '.join(map(repr, get_args(DesignType)))}.")
    spec = DESIGN_OPTIONS[kind]
    r = _Reader(file, raw, "design.", {"type", *spec})
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
        if name == "window" and value is not None:
            if not value[0] <= -1 <= value[1]:
                r.fail(name, f"{value} must contain the reference event time -1")
            value = tuple(value)
        opts.append((name, value))
    d = dict(opts)
    if "pre_period" in d and d.get("post_period") is not None and d["pre_period"] is not None:
        if d["post_period"] <= d["pre_period"]:
            r.fail("post_period", f"{d['post_period']} must come after pre_period "
                                  f"{d['pre_period']}")
    return Design(type=kind, options=tuple(opts))


def _outcomes(file: Path, raw: Any) -> tuple[Outcome, ...]:
    if not isinstance(raw, list) or not raw or not all(isinstance(o, dict) for o in raw):
        raise SpecError(f"{file.name}: outcomes: expected one or more [[outcomes]] tables, "
                        f"got {raw!r}.")
    out = []
    for k, item in enumerate(raw):
        r = _Reader(file, item, f"outcomes[{k}].", {"name", "aggregation", "cost_per_unit"})
        name = r.get("name", "str")
        agg = r.get("aggregation", "str", "sum" if name.startswith("cost_") else "mean",
                    choices=OutcomeAggregation)
        if name.startswith("cost_") and agg != "sum":
            r.fail("aggregation", "cost_<sector> outcomes are sums of service costs; use 'sum'")
        costs = r.get("cost_per_unit", "table", {})
        pairs = []
        for sector, value in costs.items():
            try:
                key = resolve_sector(sector, where="cost_per_unit key")
            except SpecError as exc:
                r.fail(f"cost_per_unit.{sector}", str(exc).rstrip("."))
            if isinstance(value, bool) or not isinstance(value, int | float):
                r.fail(f"cost_per_unit.{sector}", f"expected a number (NOK), got {value!r}")
            pairs.append((key, float(value)))
        out.append(Outcome(name=name, aggregation=agg, cost_per_unit=tuple(sorted(pairs))))
    names = [o.name for o in out]
    if len(set(names)) != len(names):
        raise SpecError(f"{file.name}: outcomes: an outcome is named twice ({names}).")
    return tuple(out)


def _data(file: Path, raw: dict[str, Any]) -> DataSource:
    r = _Reader(file, raw, "data.", {"folder", "synthetic"})
    if ("folder" in raw) == ("synthetic" in raw):
        r.fail("folder", "give exactly one of data.folder and data.synthetic")
    if "folder" in raw:
        text = r.get("folder", "str")
        folder = (file.parent / text).resolve()
        if not folder.is_dir():
            r.fail("folder", f"folder {text!r} does not exist (paths are relative to the "
                             f"spec file)")
        return DataSource(folder=folder, folder_text=text)
    syn = _Reader(file, r.get("synthetic", "table"), "data.synthetic.", {"seed", "scale"})
    seed = syn.get("seed", "int")
    scale = float(syn.get("scale", "float"))
    if not 0 < scale <= 4:
        syn.fail("scale", f"must be in (0, 4], got {scale}")
    return DataSource(synthetic_seed=seed, synthetic_scale=scale)


def _date(r: _Reader, name: str) -> str | None:
    value = r.get(name, "str", None)
    if value is not None:
        try:
            pd.Timestamp(value)
        except ValueError:
            r.fail(name, f"{value!r} is not a date; write e.g. '2016-01-01'")
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
        Naming the file, the key and the problem.

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
    if not file.is_file():
        raise SpecError(f"{file}: the spec file does not exist.")
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{file.name}: not valid TOML: {exc}.") from exc
    top = _Reader(file, raw, "", {"title", "language", "seed", "min_cell", "covariates", "data",
                                  "population", "exposure", "outcomes", "design", "robustness",
                                  "budget"})
    title = top.get("title", "str")
    seed = top.get("seed", "int")
    language = top.get("language", "str", "nb", choices=Language)
    min_cell = top.get("min_cell", "int", 5)
    if min_cell < 1:
        top.fail("min_cell", f"must be an integer >= 1, got {min_cell}")
    covariates = tuple(top.get("covariates", "list[str]", []))
    data = _data(file, _table(top, "data"))
    pop = _Reader(file, _table(top, "population"), "population.",
                  {"unit", "period", "start", "end"})
    unit = pop.get("unit", "str", choices=Unit)
    period = pop.get("period", "str", "year", choices=PeriodKind)
    start, end = _date(pop, "start"), _date(pop, "end")
    exp = _Reader(file, _table(top, "exposure"), "exposure.",
                  {"pilot", "cohorts", "anticipation"})
    pilot = exp.get("pilot", "str")
    cohorts = exp.get("cohorts", "str", "first_exposure", choices=CohortRule)
    anticipation = exp.get("anticipation", "int", 0)
    if anticipation < 0:
        exp.fail("anticipation", f"must be >= 0, got {anticipation}")
    if "outcomes" not in raw:
        top.fail("outcomes", "missing required key (one or more [[outcomes]] tables)")
    outcomes = _outcomes(file, raw["outcomes"])
    design = _design(file, _table(top, "design"))
    rob = _Reader(file, _table(top, "robustness", required=False), "robustness.",
                  {"pretrend_test", "alternative_control", "alternative_estimator",
                   "placebo_outcome", "sensitivity"})
    robustness = Robustness(
        pretrend_test=rob.get("pretrend_test", "bool", True),
        alternative_control=rob.get("alternative_control", "str", None,
                                    choices=("never", "notyet")),
        alternative_estimator=rob.get("alternative_estimator", "str", None,
                                      choices=AltEstimator),
        placebo_outcome=rob.get("placebo_outcome", "str", None),
        sensitivity=rob.get("sensitivity", "bool", False),
    )
    if robustness.alternative_control is not None and design.type != "staggered_did":
        rob.fail("alternative_control", "only the staggered_did design has a choice of "
                                        "control group")
    bud = _Reader(file, _table(top, "budget", required=False), "budget.",
                  {"n_cases", "horizon", "beyond"})
    n_cases = bud.get("n_cases", "float", None)
    horizon = bud.get("horizon", "int", 10)
    if horizon < 1:
        bud.fail("horizon", f"must be an integer >= 1, got {horizon}")
    budget = Budget(n_cases=None if n_cases is None else float(n_cases), horizon=horizon,
                    beyond=bud.get("beyond", "str", "zero", choices=Beyond))
    return Study(
        path=file, title=title, seed=seed, data=data, unit=unit, pilot=pilot,
        outcomes=outcomes, design=design, period=period, start=start, end=end,
        cohorts=cohorts, anticipation=anticipation, covariates=covariates,
        robustness=robustness, budget=budget, min_cell=min_cell, language=language,
    )
