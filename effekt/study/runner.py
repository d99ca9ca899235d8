"""Run a study spec: data → panel → design → robustness → budget → report and results.

Everything is written into a temporary folder beside ``out`` and swapped in at the end, so
a failed run writes nothing to ``out`` and an earlier report there survives. Outputs are
deterministic: the same spec and data give byte-identical ``results.json``.

Every :class:`~effekt.errors.EffektWarning` raised while a study runs is recorded with the
step it came from and written, disclosed (:func:`effekt.reports.disclosure.disclose_warning`),
to ``results.json`` (``"warnings"``) and the report's limitations. Other warnings (numpy,
statsmodels, ...) are not recorded and pass on to the caller's warning filters.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import effekt
from effekt.budgeting import from_effect
from effekt.data import RecordStore, panel, sector_columns
from effekt.errors import DataError, EffektError, EffektWarning, SpecError
from effekt.estimators import e_value
from effekt.reports import disclosure, render_report
from effekt.study.designs import Estimate, estimate
from effekt.study.spec import Study, load_spec
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


def _frame_digest(frame: pd.DataFrame) -> str:
    h = hashlib.sha256(",".join(map(str, frame.columns)).encode())
    h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()


def open_data(study: Study) -> tuple[RecordStore, dict[str, str]]:
    """Return the record store of a study and the fingerprints (sha256) of its input."""
    if study.data.folder is not None:
        folder = study.data.folder
        files = sorted(p for p in folder.iterdir() if p.suffix in (".parquet", ".csv"))
        prints = {p.name: _sha256(p) for p in files}
        return RecordStore.open(folder), prints
    m = generate(seed=study.data.synthetic_seed, scale=study.data.synthetic_scale)
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


def _overall(e: Estimate, min_cell: int) -> dict[str, Any]:
    small = disclosure.is_small(e.n_treated, min_cell)
    dec = main_decimals(e.estimate)
    vals = {k: (None if small or not math.isfinite(getattr(e, k))
                else round(float(getattr(e, k)), dec))
            for k in ("estimate", "std_error", "ci_lower", "ci_upper")}
    return {"outcome": e.outcome, "design": e.design, **vals, "decimals": dec,
            "suppressed": small, "n_treated": disclosure.count(e.n_treated, min_cell),
            "n_control": disclosure.count(e.n_control, min_cell)}


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for row in frame.to_dict(orient="records"):
        out.append({k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                    for k, v in row.items()})
    return out


def _e_value(e: Estimate) -> dict[str, Any] | None:
    """Return the E-value of the standardised effect d, RR ~ exp(0.91 d) (VanderWeele-Ding)."""
    sd = e.outcome_sd
    if not (math.isfinite(sd) and sd > 0):
        return None
    d, lo, hi = e.estimate / sd, e.ci_lower / sd, e.ci_upper / sd
    ci = 0.0 if lo <= 0 <= hi else min(abs(lo), abs(hi))
    return {"standardised_effect": d, "e_value": e_value(math.exp(0.91 * abs(d))),
            "e_value_ci": e_value(math.exp(0.91 * ci)) if ci > 0 else 1.0}


def _budget(study: Study, main: dict[str, Estimate], min_cell: int) -> list[dict[str, Any]]:
    rows = []
    for o in study.outcomes:
        e = main[o.name]
        if not o.cost_per_unit or disclosure.is_small(e.n_treated, min_cell):
            continue
        if len(e.event):
            ev = disclosure.event_table(e.event, min_cell)
            frame = ev.loc[~ev["suppressed"], ["event_time", "estimate", "std_error"]]
        else:
            frame = pd.DataFrame({"estimate": [e.estimate], "std_error": [e.std_error]})
        n_cases = study.budget.n_cases if study.budget.n_cases is not None else e.n_treated
        stream = from_effect(frame.astype(float), dict(o.cost_per_unit), n_cases=n_cases,
                             horizon=study.budget.horizon, beyond=study.budget.beyond)
        draws = stream.sample(2000, seed=study.seed)  # (n, horizon, sectors)
        mean = stream.mean()
        for k, sector in enumerate(stream.sectors):
            for year in range(stream.horizon):
                rows.append({"outcome": o.name, "sector": sector, "year": year,
                             "avoided_cost_nok": float(mean.iloc[year, k]),
                             "p05_nok": float(np.quantile(draws[:, year, k], 0.05)),
                             "p95_nok": float(np.quantile(draws[:, year, k], 0.95)),
                             "n_cases": float(n_cases)})
    return rows


class _WarningLog:
    """The EffektWarnings of one run, each with the step it came from (raw, in memory only).

    ``with log.step(...)`` records every EffektWarning raised inside it, however often the
    estimators repeat it (``"always"``); any other warning is passed on, after the step, to
    the warning filters in force outside (once per location and run, as Python's
    ``"default"`` action would show it), so the run silences nothing of numpy's or
    statsmodels'. :meth:`disclosed` turns the records into what ``results.json`` holds.
    """

    def __init__(self) -> None:
        self._raw: list[tuple[dict[str, str | None], str]] = []
        self._registry: dict[Any, Any] = {}  # the passed-on warnings' "default" registry

    @contextmanager
    def step(self, step: str, *, check: str | None = None, outcome: str | None = None,
             design: str | None = None) -> Iterator[None]:
        where = {"step": step, "check": check, "outcome": outcome, "design": design}
        caught: list[warnings.WarningMessage] = []
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", EffektWarning)
                yield
        finally:  # also when the step fails: its warnings may say why
            for w in caught:
                if issubclass(w.category, EffektWarning):
                    self._raw.append((where, str(w.message)))
                else:
                    warnings.warn_explicit(w.message, w.category, w.filename, w.lineno,
                                           registry=self._registry, source=w.source)

    def disclosed(self, min_cell: int, labels: set[float]) -> list[dict[str, Any]]:
        """Return the records disclosed, in the order first raised, each once.

        Each record: ``step`` (``data``, ``main``, ``robustness`` or ``budget``), ``check``
        (the robustness check, else None), ``outcome``, ``design``, and the disclosed
        ``category``, ``message`` and ``fields`` (:func:`disclosure.disclose_warning`).
        """
        out: list[dict[str, Any]] = []
        seen: set[str] = set()
        for where, message in self._raw:
            record = {**where, **disclosure.disclose_warning(message, min_cell, labels)}
            key = json.dumps(record, sort_keys=True, default=str)
            if key not in seen:
                seen.add(key)
                out.append(record)
        return out


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

    The returned mapping holds no unit identifier and no count or estimate below the
    spec's ``min_cell``; its ``warnings`` are the EffektWarnings raised on the way, disclosed
    (see :class:`_WarningLog` and :func:`effekt.reports.disclosure.disclose_warning`).
    """
    log = _WarningLog()
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

    def run(design: str, outcome: str, options: dict[str, Any],
            covariates: list[str] = covs) -> Estimate:
        return estimate(p, design, outcome, unit=unit, covariates=covariates, options=options,
                        seed=study.seed, anticipation=study.anticipation)

    main: dict[str, Estimate] = {}
    for name in names:
        progress(f"estimating {study.design.type} for {name}")
        with log.step("main", outcome=name, design=study.design.type):
            main[name] = run(study.design.type, name, opts)
    first = main[names[0]]

    progress("robustness checks")
    robustness = []
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
    for check, design, outcome, options, check_covs in checks:
        try:
            with log.step("robustness", check=check, outcome=outcome, design=design):
                e = run(design, outcome, options, check_covs)
            row = {"check": check, **_overall(e, min_cell)}
        except (EffektError, ValueError, np.linalg.LinAlgError) as exc:
            row = {"check": check, "outcome": outcome, "design": design, "estimate": None,
                   "std_error": None, "ci_lower": None, "ci_upper": None, "suppressed": False,
                   "n_treated": None, "n_control": None, "decimals": 3,
                   "not_estimable": type(exc).__name__}
        robustness.append(row)
    with log.step("robustness", check="sensitivity", outcome=names[0]):
        sens = _e_value(first) if rb.sensitivity else None

    progress("budget view")
    with log.step("budget"):
        budget = _budget(study, main, min_cell)

    ev = disclosure.event_table(first.event, min_cell)
    bal = None
    if first.balance is not None:
        b = first.balance.copy()
        small = b["n_treated"].map(lambda n: disclosure.is_small(n, min_cell))
        b.loc[small, ["smd_before", "smd_after"]] = np.nan
        b["n_treated"] = b["n_treated"].map(lambda n: disclosure.count(n, min_cell))
        bal = _records(b)
    pretrend = first.pretrend if rb.pretrend_test else None
    results = {
        "effekt_version": effekt.__version__,
        "spec": study.to_dict(),
        "data_fingerprint": prints,
        "estimand": first.estimand,
        "main": _overall(first, min_cell),
        "outcomes": [_overall(main[n], min_cell) for n in names],
        "event_study": _records(ev),
        "pretrend_test": pretrend,
        "flow": [{"step": k, "n": disclosure.count(v, min_cell)} for k, v in first.flow],
        "balance": bal,
        "robustness": robustness,
        "sensitivity": sens,
        "budget": budget,
        "disclosure": {"min_cell": min_cell,
                       "suppressed_estimates": int(ev["suppressed"].sum()) if len(ev) else 0},
        "warnings": log.disclosed(min_cell, _labels(p, study.anticipation)),
    }
    disclosure.check_no_identifiers(results, "results")
    main_block = results.pop("main")
    results = _rounded(results)
    results["main"] = main_block  # already rounded to its displayed decimals
    return results


def _write_outputs(folder: Path, study: Study, results: dict[str, Any]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
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


def run_study(
    spec: str | Path | Study,
    out: str | Path,
    *,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run a study spec and write its report and results into the folder ``out``.

    Writes ``report.html`` (self-contained), ``results.json``, ``tables/*.csv``, a copy of
    the spec (``spec.toml``) and ``resolved_spec.json`` (resolved spec, effekt version,
    sha256 fingerprints of the input). All of it is written into a temporary folder beside
    ``out`` and swapped in at the end: on failure ``out`` is left as it was.

    Parameters
    ----------
    spec : str, pathlib.Path or Study
        The spec file or a loaded spec.
    out : str or pathlib.Path
        The output folder (replaced as a whole on success).
    progress : callable, optional
        Called with a short message before each long step (e.g. print to stderr).

    Returns
    -------
    dict
        The results (as in ``results.json``).

    Examples
    --------
    >>> import tempfile, pathlib, effekt
    >>> spec = pathlib.Path(effekt.__file__).parents[1] / "studies" / "holf.toml"
    >>> with tempfile.TemporaryDirectory() as d:
    ...     r = run_study(spec, pathlib.Path(d) / "holf")
    ...     sorted(p.name for p in (pathlib.Path(d) / "holf").iterdir())
    ['report.html', 'resolved_spec.json', 'results.json', 'spec.toml', 'tables']
    """
    study = spec if isinstance(spec, Study) else load_spec(spec)
    say = progress or _quiet
    target = Path(out)
    results = compute(study, say)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"))
    old = None
    try:
        say("writing the report and results")
        _write_outputs(tmp, study, results)
        if target.exists():
            old = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.",
                                        suffix=".old"))
            old.rmdir()
            target.rename(old)
        tmp.rename(target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and old.exists() and not target.exists():
            old.rename(target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    say(f"wrote {target}")
    return results


progress_to_stderr = _stderr
