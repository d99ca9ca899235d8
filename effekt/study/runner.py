"""Run a study spec: data → panel → design → robustness → budget → report and results.

``out`` follows effekt's one output rule (``effekt._io``): it must be new, empty or an
earlier study output, never the data folder or the spec. Everything is written into a
temporary folder beside ``out`` and swapped in at the end, so a failed run writes nothing
to ``out`` and an earlier report there survives. Outputs are deterministic: the same spec
and data give byte-identical ``results.json``.

Every :class:`~effekt.errors.EffektWarning` raised while a study runs is recorded with the
step it came from and written, disclosed (:func:`effekt.reports.disclosure.disclose_warning`),
to ``results.json`` (``"warnings"``) and the report's limitations. Other warnings (numpy,
statsmodels, ...) are not recorded and pass on to the caller's warning filters.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

import effekt
from effekt._io import check_output_folder, output_folder
from effekt.data import RecordStore, panel, sector_columns
from effekt.errors import DataError, EffektError, SpecError
from effekt.estimators import e_value
from effekt.register.compare import compare_with_register, no_register, register_fingerprint
from effekt.register.store import read_register
from effekt.reports import disclosure, render_report
from effekt.study import population as pop
from effekt.study.assessment import assess, minimum_detectable_effect, pretrend_power
from effekt.study.budget_view import budget_trend_sensitivity, budget_view
from effekt.study.cells import secondary_text, study_cells
from effekt.study.designs import Estimate, cohorts_of, estimate
from effekt.study.lock import _frame_digest, _relative, preregistration
from effekt.study.spec import Outcome, Study, load_spec
from effekt.study.trends import bacon_check, honest_check, honest_event_study
from effekt.study.warning_log import WarningLog
from effekt.synthetic import generate

__all__ = ["check_study", "compute", "run_study"]

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


def _stderr(message: str) -> None:
    print(f"effekt: {message}", file=sys.stderr, flush=True)


# -- data -----------------------------------------------------------------------------------

def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def open_data(study: Study) -> tuple[RecordStore, dict[str, str]]:
    """Return the record store of a study and the fingerprints (sha256) of its input."""
    if study.data.folder is not None:
        folder = study.data.folder
        files = sorted(p for p in folder.iterdir() if p.suffix in (".parquet", ".csv"))
        prints = {p.name: _sha256(p) for p in files}
        return RecordStore.open(folder), prints
    m = generate(seed=study.data.synthetic_seed, scale=study.data.synthetic_scale,
                 scenario=study.data.synthetic_scenario)
    prints = {name: _frame_digest(t) for name, t in sorted(m.tables.items())}
    tables = {k: v for k, v in m.tables.items()
              if k in ("persons", "measures", "service_events", "outcomes", "exposures",
                       "providers")}
    return RecordStore.from_frames(**tables), prints


def _names_in_data(study: Study, store: RecordStore) -> None:
    """Check the spec's names against the data (SpecError naming file and key)."""
    file = study.path.name
    costs = set(sector_columns(store).values()) | {"cost_total"}
    present = set()
    if store.has("outcomes"):
        o = store.table("outcomes")
        present = set(o.select("outcome").distinct().to_pandas()["outcome"].dropna())
    names = [(f"outcomes[{k}].name", o.name) for k, o in enumerate(study.outcomes)]
    if study.robustness.placebo_outcome:
        names.append(("robustness.placebo_outcome", study.robustness.placebo_outcome))
    for key, name in names:
        if name not in present and name not in costs:
            raise SpecError(
                f"{file}: {key}: {name!r} is not an outcome in the data; outcomes present: "
                f"{', '.join(sorted(present)) or 'none'}; cost columns: "
                f"{', '.join(sorted(costs))}."
            )
    cols = store.table("persons").columns
    for k, c in enumerate(study.covariates):
        if c not in cols or c.endswith("_id"):
            raise SpecError(f"{file}: covariates[{k}]: {c!r} is not a covariate column of "
                            f"persons; columns: {', '.join(x for x in cols if x[-3:] != '_id')}.")
    allowed = pop.allowed_columns(store)
    pop.check_columns(study.where, allowed, "population.where", file)
    for k, o in enumerate(study.outcomes):
        pop.check_columns(o.where, allowed, f"outcomes[{k}].where", file)
    pilots = set()
    if store.has("exposures"):
        e = store.table("exposures")
        pilots = set(e.select("pilot").distinct().to_pandas()["pilot"].dropna())
    if study.pilot not in pilots:
        raise SpecError(f"{file}: exposure.pilot: {study.pilot!r} is not a pilot in the data; "
                        f"pilots present: {', '.join(sorted(pilots)) or 'none'}.")
    for key in ("cluster",):
        opt = dict(study.design.options).get(key)
        if opt is not None and opt not in ("provider_id", "family_id", f"{study.unit}_id"):
            raise SpecError(f"{file}: design.{key}: {opt!r} is not a cluster column; use "
                            f"'provider_id' or 'family_id'.")


def check_study(path: str | Path) -> Study:
    """Validate a spec and its names against the data, without estimating anything.

    Examples
    --------
    >>> from pathlib import Path
    >>> import effekt
    >>> spec = Path(effekt.__file__).parents[1] / "studies" / "samhandling.toml"
    >>> check_study(spec).pilot
    'samhandling'
    """
    study = load_spec(path)
    store, _ = open_data(study)
    _names_in_data(study, store)
    return study


# -- the run --------------------------------------------------------------------------------

def _rounded(x: Any, digits: int = 6) -> Any:
    """Round floats to ``digits`` significant digits; NaN/inf become None."""
    if isinstance(x, dict):
        return {str(k): _rounded(v, digits) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_rounded(v, digits) for v in x]
    if isinstance(x, bool | np.bool_):
        return bool(x)
    if isinstance(x, int | np.integer):
        return int(x)
    if isinstance(x, float | np.floating):
        x = float(x)
        if not math.isfinite(x):
            return None
        return float(f"{x:.{digits}g}") if x != 0 else 0.0
    return x


def main_decimals(estimate: float) -> int:
    """Decimals shown for a main estimate: 3, or 0 for amounts of 100 or more (NOK)."""
    return 0 if abs(estimate) >= 100 else 3


def _overall(e: Estimate, min_cell: int, secondary: frozenset[str] = frozenset(),
             outcome: Outcome | None = None) -> dict[str, Any]:
    """Return one estimate's row as written.

    ``secondary`` names the fields (``estimate``, ``n_treated``, ``n_control``) hidden by
    secondary suppression: they are written as None and named in the row's ``secondary``.
    With the ``outcome`` of the spec the row also says what the estimate measures
    (``kind``, ``label``, ``sector``: docs/contracts.md) and how large an effect the
    design could detect (``mde``, in the outcome's unit; None when the estimate is hidden).
    """
    hide = disclosure.is_small(e.n_treated, min_cell) or "estimate" in secondary
    dec = main_decimals(e.estimate)
    vals = {k: (None if hide or not math.isfinite(getattr(e, k))
                else round(float(getattr(e, k)), dec))
            for k in ("estimate", "std_error", "ci_lower", "ci_upper")}
    counts = {k: None if k in secondary else disclosure.count(getattr(e, k), min_cell)
              for k in ("n_treated", "n_control")}
    row = {"outcome": e.outcome, "design": e.design, **vals, "decimals": dec,
           "p_value": None if hide or not math.isfinite(e.p_value) else e.p_value,
           "suppressed": hide, **counts, "secondary": secondary_text(secondary)}
    if outcome is not None:
        mde = None
        if not hide and math.isfinite(e.std_error) and e.std_error > 0:
            mde = {"value": round(minimum_detectable_effect(e.std_error, df=e.df), dec),
                   "power": 0.8, "alpha": 0.05, "method": "analytic", "df": e.df}
        row.update(kind=outcome.kind, label=dict(outcome.label) or None,
                   sector=outcome.budget_sector, mde=mde,
                   inference=e.inference_method or None)
    return row


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dict(orient="records"):
        out.append({k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                    for k, v in row.items()})
    return out


def _e_value(e: Estimate) -> dict[str, Any] | None:
    """Return the E-value of the standardised effect d, RR ~ exp(0.91 d) (VanderWeele-Ding)."""
    sd = e.outcome_sd
    if not (math.isfinite(sd) and sd > 0
            and all(math.isfinite(x) for x in (e.estimate, e.ci_lower, e.ci_upper))):
        return None
    d, lo, hi = e.estimate / sd, e.ci_lower / sd, e.ci_upper / sd
    ci = 0.0 if lo <= 0 <= hi else min(abs(lo), abs(hi))
    return {"standardised_effect": d, "e_value": e_value(math.exp(0.91 * abs(d))),
            "e_value_ci": e_value(math.exp(0.91 * ci)) if ci > 0 else 1.0}


def _labels(p: pd.DataFrame, anticipation: int) -> set[float]:
    """Return the period and cohort values of the panel: what a warning may name.

    Cohorts are also given moved earlier by ``anticipation``, as the designs move them.
    """
    cohorts = pd.to_numeric(p["cohort"], errors="coerce").dropna()
    cohorts = cohorts[cohorts > 0].unique()
    periods = pd.to_numeric(p["period"], errors="coerce").dropna().unique()
    return {float(x) for x in (*periods, *cohorts, *(cohorts - anticipation))}


def compute(study: Study, progress: Progress = _quiet) -> dict[str, Any]:
    """Run a study and return its disclosed results (the content of ``results.json``).

    The returned mapping holds no unit identifier, no count or estimate below the spec's
    ``min_cell``, and no figure from which a hidden one could be worked out (secondary
    suppression, ``effekt.reports.disclosure.complementary`` over the cells and identities
    of ``effekt.study.cells.study_cells``; no statistic is derived from a hidden estimate).
    Its ``warnings`` are the EffektWarnings raised on the way, disclosed (see
    ``effekt.study.warning_log.WarningLog`` and
    :func:`effekt.reports.disclosure.disclose_warning`).
    """
    log = WarningLog()
    progress(f"opening the data ({study.data.folder_text or 'synthetic'})")
    with log.step("data"):
        store, prints = open_data(study)
    _names_in_data(study, store)
    names = [o.name for o in study.outcomes]
    placebo = study.robustness.placebo_outcome
    record_outcomes = {o.name: o.aggregation for o in study.outcomes if not o.is_cost}
    if placebo and not placebo.startswith("cost_") and placebo not in record_outcomes:
        record_outcomes[placebo] = "mean"
    progress(f"building the {study.unit} × {study.period} panel")
    try:
        with log.step("data"):
            p = panel(store, unit=study.unit, period=study.period,
                      outcomes=record_outcomes or None, exposure=study.pilot,
                      covariates=list(study.covariates) or None, start=study.start,
                      end=study.end)
    except DataError as exc:
        raise DataError(f"{study.path.name}: building the panel failed: {exc}") from exc
    unit = f"{study.unit}_id"
    opts = dict(study.design.options)
    covs = list(study.covariates)
    min_cell = study.min_cell
    outcome_of = {o.name: o for o in study.outcomes}

    # the study population and each outcome's own filters (effekt.study.population)
    filtered = sorted({f.column for f in study.where}
                      | {f.column for o in study.outcomes for f in o.where})
    first_year = int(pd.Timestamp(p["period_start"].min()).year)
    attrs = pop.unit_attributes(store, study.unit, filtered, first_year) if filtered else None
    n_data = int(p[unit].nunique())
    p = pop.apply_filters(p, attrs, study.where, unit)
    n_study = int(p[unit].nunique())
    population = {"where": [f.to_dict() for f in study.where], "units_in_data": n_data,
                  "units_in_study": n_study, "units_outside_population": n_data - n_study}
    if population["units_in_study"] == 0:
        raise DataError(f"{study.path.name}: population.where leaves no unit in the study "
                        f"({pop.describe(study.where)}).")

    def data_for(outcome: str) -> pd.DataFrame:
        o = outcome_of.get(outcome)
        return pop.apply_filters(p, attrs, o.where, unit) if o is not None else p

    def run(design: str, outcome: str, options: dict[str, Any],
            covariates: list[str] = covs) -> Estimate:
        return estimate(data_for(outcome), design, outcome, unit=unit, covariates=covariates,
                        options=options, seed=study.seed, anticipation=study.anticipation)

    main: dict[str, Estimate] = {}
    for name in names:
        progress(f"estimating {study.design.type} for {name}")
        with log.step("main", outcome=name, design=study.design.type):
            main[name] = run(study.design.type, name, opts)
    first = main[names[0]]

    progress("robustness checks")
    rb = study.robustness
    # (check, design, outcome, options, covariates); the alternative estimator runs without
    # covariates: an unconditional comparison that does not share the main model's choices
    checks: list[tuple[str, str, str, dict[str, Any], list[str]]] = []
    if rb.alternative_control:
        checks.append(("alternative_control", study.design.type, names[0],
                       {**opts, "control": rb.alternative_control}, covs))
    if rb.alternative_estimator:
        alt_opts = {k: v for k, v in opts.items() if k in ("window", "cluster")}
        if rb.alternative_estimator == "matched_did":
            alt_opts.pop("cluster", None)
        checks.append(("alternative_estimator", rb.alternative_estimator, names[0], alt_opts,
                       []))
    if placebo:
        checks.append(("placebo_outcome", study.design.type, placebo, opts, covs))
    done: dict[str, Estimate] = {}
    failed: dict[str, str] = {}
    for check, design, outcome, options, check_covs in checks:
        try:
            with log.step("robustness", check=check, outcome=outcome, design=design):
                done[check] = run(design, outcome, options, check_covs)
        except (EffektError, ValueError, np.linalg.LinAlgError) as exc:
            failed[check] = type(exc).__name__

    # disclosure control: primary cells, then their complements (one mechanism for all)
    runs = {("outcome", n): main[n] for n in names}
    runs.update({("check", c): e for c, e in done.items()})
    periods = (int(p["period"].min()), int(p["period"].max()))
    cells = study_cells(study, periods, runs, population)
    primary = cells.pop("primary")
    hidden = disclosure.complementary(cells["values"], cells["identities"], primary,
                                      min_cell=min_cell, counts=cells["counts"],
                                      latent=cells["latent"], cost=cells["cost"])
    secondary = hidden - primary

    def fields(run: tuple[str, str]) -> frozenset[str]:
        return frozenset(f for f, key in (("estimate", "est"), ("n_treated", "n_treated"),
                                          ("n_control", "n_control"))
                         if (key, run) in secondary)

    robustness = []
    for check, design, outcome, _, _ in checks:
        o = outcome_of.get(outcome)
        what = ({"kind": o.kind, "label": dict(o.label) or None} if o is not None else
                {"kind": rb.placebo_kind, "label": None})
        if check in done:
            row = _overall(done[check], min_cell, fields(("check", check)))
            robustness.append({"check": check, **row, **what})
        else:
            robustness.append({
                "check": check, "outcome": outcome, "design": design, "estimate": None,
                "std_error": None, "ci_lower": None, "ci_upper": None, "suppressed": False,
                "n_treated": None, "n_control": None, "decimals": 3, "secondary": None,
                "not_estimable": failed[check], **what})

    bacon = None  # the TWFE check's decomposition (effekt.study.trends)
    if rb.alternative_estimator == "twfe_event_study":
        with log.step("robustness", check="bacon_decomposition", outcome=names[0]):
            bacon = bacon_check(cohorts_of(data_for(names[0]), unit, study.anticipation),
                                unit, names[0], min_cell)

    first_run = ("outcome", names[0])
    withheld: list[dict[str, str]] = []
    sens = None
    if rb.sensitivity and ("est", first_run) in hidden:  # nothing derived from a hidden one
        withheld.append({"statistic": "sensitivity", "outcome": names[0]})
    elif rb.sensitivity:
        with log.step("robustness", check="sensitivity", outcome=names[0]):
            sens = _e_value(first)

    # HonestDiD (effekt.study.trends) for the main outcome and every outcome with a budget,
    # from the shown event times only
    honest: dict[str, dict[str, Any]] = {}
    if rb.honest_did:
        progress("sensitivity to violations of parallel trends (HonestDiD)")
        for name in dict.fromkeys([names[0], *(o.name for o in study.outcomes
                                               if o.budget_sector is not None)]):
            run_key = ("outcome", name)
            if ("est", run_key) in hidden:
                honest[name] = {"outcome": name, "status": "not_run", "reason": "hidden"}
                continue
            with log.step("robustness", check="honest_did", outcome=name):
                es = honest_event_study(main[name], data_for(name), name, unit=unit,
                                        covariates=covs, options=opts, seed=study.seed,
                                        anticipation=study.anticipation)
                gone = {t for t in main[name].event["event_time"].astype(int)
                        if ("event", run_key, t) in hidden} if len(main[name].event) else set()
                # the budget's outcomes need the sets, the main outcome also its breakdown
                honest[name] = honest_check(es, min_cell, gone, refine=name == names[0])

    progress("budget view")
    with log.step("budget"):
        budget, budget_inputs, no_budget = budget_view(study, main, hidden, secondary)
        budget_sensitivity = budget_trend_sensitivity(study, budget_inputs, honest)
    withheld += [{"statistic": "budget", "outcome": n} for n in no_budget]

    times = first.event["event_time"].astype(int) if len(first.event) else []
    ev = disclosure.event_table(
        first.event, min_cell,
        secondary={t for t in times if ("event", first_run, t) in secondary},
        secondary_counts={t for t in times if ("event_n", first_run, t) in secondary})
    bal = None
    if first.balance is not None:
        b = first.balance.copy()
        small = b["n_treated"].map(lambda n: disclosure.is_small(n, min_cell))
        b.loc[small, ["smd_before", "smd_after"]] = np.nan
        gone = [("cohort_n", int(g)) in secondary for g in b["cohort"]]
        b["n_treated"] = pd.Series(
            [None if out else disclosure.count(n, min_cell)
             for n, out in zip(b["n_treated"], gone, strict=True)], index=b.index, dtype=object)
        b["secondary"] = pd.Series(["n_treated" if out else None for out in gone],
                                   index=b.index, dtype=object)
        bal = _records(b)
    pretrend = first.pretrend if rb.pretrend_test else None
    if pretrend is not None and any(("event", first_run, t) in hidden for t in times if t < 0):
        pretrend = None  # the test would be computed from hidden pre-period estimates
        withheld.append({"statistic": "pretrend_test", "outcome": names[0]})
    spec = study.to_dict()
    if study.data.folder is not None:  # as a path relative to the spec, never absolute
        spec["data"]["folder"] = _relative(study.data.folder, study.path)
    results = {
        "effekt_version": effekt.__version__,
        "spec": spec,
        "data_fingerprint": prints,
        "estimand": first.estimand,
        "main": _overall(first, min_cell, fields(first_run), outcome_of[names[0]]),
        "outcomes": [_overall(main[n], min_cell, fields(("outcome", n)), outcome_of[n])
                     for n in names],
        "population": {**population, **{
            k: None if ("population", k) in secondary else disclosure.count(v, min_cell)
            for k, v in population.items() if k != "where"}},
        "event_study": _records(ev),
        "pretrend_test": pretrend,
        "flow": [{"step": k, "n": None if ("flow", k) in secondary else
                  disclosure.count(v, min_cell),
                  "secondary": "n" if ("flow", k) in secondary else None}
                 for k, v in first.flow],
        "balance": bal,
        "robustness": robustness,
        "sensitivity": sens,
        "bacon": bacon,
        "honest_did": honest.get(names[0]),
        "budget": budget,
        "budget_sensitivity": budget_sensitivity,
        "budget_inputs": budget_inputs,
        "disclosure": {"min_cell": min_cell,
                       "suppressed_estimates": sum(  # by the primary rule
                           disclosure.is_small(n, min_cell) for n in first.event["n_treated"]),
                       "secondary_cells": len(secondary), "withheld": withheld},
        "warnings": log.disclosed(min_cell, _labels(p, study.anticipation)),
        "preregistration": preregistration(study),  # the lock beside the spec, if any
    }
    results["assessment"] = assess(
        results, n_clusters=first.n_clusters, requested=spec["robustness"],
        pretest_power=None if pretrend is None else _pretest_power(first, pretrend))
    disclosure.check_no_identifiers(results, "results")
    main_block = results.pop("main")
    results = _rounded(results)
    results["main"] = main_block  # already rounded to its displayed decimals
    return results


def _pretest_power(e: Estimate, test: dict[str, Any]) -> dict[str, float] | None:
    """Return the pre-test's power against a linear pre-trend, for the main estimate.

    The pre-period event-time estimates of the event study (the reference period −1
    aside) and their covariance; a staggered design's pre-period estimates compare
    consecutive periods (a varying base period). A pre-test with a critical value above
    the chi-squared one (``test``: the bootstrap, Hotelling's F) raises the bar in the
    same ratio (:func:`pretrend_power`, ``critical_scale``).
    """
    if e.event_vcov is None or not len(e.event):
        return None
    ev = e.event.set_index("event_time")["estimate"]
    varying = e.design == "staggered_did"
    pre = ev[ev.index < (0 if varying else -1)]
    post = [int(t) for t in ev.index if t >= 0]
    crit = test.get("critical_value")
    scale = (float(crit) / float(stats.chi2.isf(0.05, test["df"]))
             if crit is not None and math.isfinite(crit) else 1.0)
    return pretrend_power(pre, e.event_vcov, post, varying_base=varying, critical_scale=scale)


def _protected(study: Study) -> dict[str, Path]:
    """Return the paths a study's output may not be, hold or lie inside (the output rule)."""
    protect = {f"the spec {study.path.name}": study.path}
    if study.data.folder is not None:
        protect["the study's data folder"] = study.data.folder
    return protect


def _write_outputs(folder: Path, study: Study, results: dict[str, Any]) -> None:
    (folder / "results.json").write_text(
        json.dumps(results, sort_keys=True, indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8")
    tables = folder / "tables"
    tables.mkdir()
    frames = {
        "main_estimates": pd.DataFrame(results["outcomes"]),
        "event_study": pd.DataFrame(results["event_study"]),
        "sample_flow": pd.DataFrame(results["flow"]),
        "robustness": pd.DataFrame(results["robustness"]),
        "balance": pd.DataFrame(results["balance"] or []),
        "budget": pd.DataFrame(results["budget"]),
    }
    for name, frame in frames.items():
        if frame.columns.empty:  # no such table for this design (e.g. balance without matching)
            continue
        disclosure.check_no_identifiers(frame, name)
        frame.to_csv(tables / f"{name}.csv", index=False, lineterminator="\n")
    (folder / "spec.toml").write_text(study.path.read_text(encoding="utf-8"), encoding="utf-8")
    resolved = {"effekt_version": results["effekt_version"], "spec": results["spec"],
                "data_fingerprint": results["data_fingerprint"]}
    (folder / "resolved_spec.json").write_text(
        json.dumps(resolved, sort_keys=True, indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8")
    (folder / "report.html").write_text(render_report(results), encoding="utf-8")


def _register_entries(register: str | Path | None) -> pd.DataFrame | None:
    """Return the entries of the register to compare with (None: no register given)."""
    if register is None:
        return None
    if not Path(register).is_dir():
        raise SpecError(f"register {register}: no such folder; give a folder written by "
                        "'effekt register add'.")
    return read_register(register)


def run_study(
    spec: str | Path | Study,
    out: str | Path,
    *,
    progress: Progress | None = None,
    register: str | Path | None = None,
) -> dict[str, Any]:
    """Run a study spec and write its report and results into the folder ``out``.

    Writes ``report.html`` (self-contained), ``results.json``, ``tables/*.csv``, a copy of
    the spec (``spec.toml``) and ``resolved_spec.json`` (resolved spec, effekt version,
    sha256 fingerprints of the input), and the manifest ``.effekt-output.json`` that marks
    the folder as a study output. All of it is written into a temporary folder beside
    ``out`` and swapped in at the end: on failure ``out`` is left as it was.

    ``out`` must be absent, empty or an earlier study output (holding only the files effekt
    wrote there, which are replaced as a whole); it may not be, hold or lie inside the
    study's data folder, nor be or hold the spec. Anything else is refused before the study
    is estimated, and nothing is touched. There is no option to write into another folder.

    Parameters
    ----------
    spec : str, pathlib.Path or Study
        The spec file or a loaded spec.
    out : str or pathlib.Path
        The output folder.
    progress : callable, optional
        Called with a short message before each long step (e.g. print to stderr).
    register : str or pathlib.Path, optional
        An effect register folder (``effekt register add``): each outcome is compared with
        the register's entries of the same measure and outcome
        (:func:`effekt.register.compare_with_register`), in ``results["register_comparison"]``
        and the report's section "Compared with the effect register". This study's own
        entries (same spec sha256) are left out. Without it the report says that no
        register was given.

    Returns
    -------
    dict
        The results (as in ``results.json``).

    Raises
    ------
    SpecError
        A bad spec, an ``out`` that the output rule refuses, or a ``register`` that does
        not exist or is not an effekt register (all before the study is estimated).

    Examples
    --------
    >>> import tempfile, pathlib, effekt
    >>> spec = pathlib.Path(effekt.__file__).parents[1] / "studies" / "holf.toml"
    >>> with tempfile.TemporaryDirectory() as d:
    ...     r = run_study(spec, pathlib.Path(d) / "holf")
    ...     print(*sorted(p.name for p in (pathlib.Path(d) / "holf").iterdir()))
    .effekt-output.json report.html resolved_spec.json results.json spec.toml tables
    """
    study = spec if isinstance(spec, Study) else load_spec(spec)
    say = progress or _quiet
    protect = _protected(study)
    check_output_folder(out, "study", protect=protect)  # refuse before the long run
    entries = _register_entries(register)
    results = compute(study, say)
    results["register_comparison"] = (
        no_register() if entries is None else compare_with_register(
            results, entries, register=str(register),
            fingerprint=register_fingerprint(register),
            study_id=hashlib.sha256(study.path.read_text(encoding="utf-8").encode()).hexdigest()))
    with output_folder(out, "study", protect=protect) as tmp:
        say("writing the report and results")
        _write_outputs(tmp, study, results)
    say(f"wrote {out}")
    return results


progress_to_stderr = _stderr
