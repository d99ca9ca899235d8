"""Composition drift of att_gt on unbalanced panels: ``unbalanced="pairwise"`` against ``"rcs"``.

Run ``python benchmarks/composition_drift.py [--reps 200] [--study-reps 100] [--workers 1]``
(about 10 minutes on one core with the defaults, nearly all of it part B: 6 s a
municipality; ``make bench`` runs the defaults). ``--quick`` runs 2 replications of each
part at small sizes.

**A. attrition_panel** (``effekt.synthetic.examples.attrition_panel``, seeds ``0..R-1``,
``--n-units`` 3000): units with a high fixed effect leave early, trends are parallel and
the true effect is 1 at every event time >= 0 (0 before). ``att_gt(y, id, t, g,
allow_unbalanced=True, unbalanced=...)`` (never-treated controls, ``method="dr"``, no
covariates), aggregated ``"dynamic"``; by event time and overall: mean estimate, bias, SD
over replications, mean analytic SE, coverage of the 95 % pointwise interval, mean z.

**B. the samhandling study** (``studies/samhandling.toml``) on synthetic municipalities
``effekt.synthetic.generate(seed=s, scale=--scale)``, ``s = 0..R-1``, scale 0.25 as the
committed ``synthetic_data``. The analysis panel is built as ``effekt.study.runner.compute``
builds it (``RecordStore.from_frames`` of the generated tables, ``effekt.data.panel`` with
the spec's unit, period, record outcomes, exposure, covariates, start and end, then the
population filter and each outcome's own filter of ``effekt.study.population``) and the
sample steps of ``effekt.study.designs._staggered`` (rows with the outcome; units with the
covariates and the cluster; cohorts inside the panel). ``att_gt`` as the study fits it
(never-treated controls, ``method="dr"``, the covariates, ``cluster="provider_id"``,
``allow_unbalanced=True``) with analytic SEs (the study bootstraps; not here, for speed),
aggregated ``"dynamic"`` over the study window [-4, 6]; the overall ATT is the mean over
event times 0..6.

Each seed is generated twice, ``scenario="default"`` and ``scenario="null"`` (no effect
planted). The two share every random draw: persons, exposures and the outcome records'
keys are identical, and each person-year's outcome differs by the planted effect alone
(checked here: the two samples must have the same rows). Three truths:

- ``truth`` (the population truth): ``m.truth`` of the default scenario (samhandling,
  the outcome, person level), cells pooled by event time with their numbers of treated
  units (``n_units``, as ``tests/estimators/did/test_staggered_synthetic.py`` pools
  them), then the mean over the event times 0..6 the estimate averages. It is the planted
  effect over *all* treated children of the rollout (schools and kindergartens), not
  only those in the outcome's sample;
- ``cell_truth``: the planted effect over the rows of the estimation sample each cell
  uses (``att_gt`` of the planted effect ``y_default - y_null``, no covariates, the same
  ``unbalanced``: the mean over the cell's treated units), aggregated with the
  estimator's own weights;
- the ``null`` scenario's estimate: the estimator's error with nothing planted (its
  rejection rate at 5 % is the size of the analytic test). Because the DR estimator is
  linear in the outcome, ``est_default - est_null`` is the planted effect as the estimator
  weights it; for ``"pairwise"`` it equals ``cell_truth`` (to rounding), for ``"rcs"``
  with covariates it need not.

Results go to ``benchmarks/results/composition_drift_attrition.json`` and
``..._study.json`` (one row per replication, method and outcome) and are printed.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import save  # noqa: E402

from effekt.data import RecordStore, panel  # noqa: E402
from effekt.estimators import att_gt  # noqa: E402
from effekt.study import population as pop  # noqa: E402
from effekt.study.spec import Study, load_spec  # noqa: E402
from effekt.synthetic import generate  # noqa: E402
from effekt.synthetic.examples import attrition_panel  # noqa: E402

SPEC = Path(__file__).resolve().parents[1] / "studies" / "samhandling.toml"
METHODS = ("pairwise", "rcs")
OUTCOMES = ("cost_oppvekst_skole", "cost_barnevern", "school_absence_days")
TABLES = ("persons", "measures", "service_events", "outcomes", "exposures", "providers")
Z95 = 1.959963984540054


# -- A: attrition_panel ---------------------------------------------------------------------

def attrition_rep(seed: int, n_units: int = 3000) -> list[dict]:
    """Both methods on ``attrition_panel(n_units, seed=seed)``: one row per event time."""
    df = attrition_panel(n_units=n_units, seed=seed)
    rows = []
    for method in METHODS:
        gt = att_gt(df, "y", "id", "t", "g", allow_unbalanced=True, unbalanced=method)
        agg = gt.aggregate("dynamic")
        f = agg.to_frame()
        cells = [(int(e), est, se) for e, est, se in
                 zip(f["event_time"], f["estimate"], f["std_error"], strict=True)]
        cells.append(("overall", agg.overall_att, agg.overall_se))
        for e, est, se in cells:
            truth = 1.0 if e == "overall" or e >= 0 else 0.0
            rows.append({"rep": seed, "method": method, "event_time": str(e),
                         "estimate": float(est), "std_error": float(se), "truth": truth})
    return rows


def summarise_attrition(rows: list[dict]) -> pd.DataFrame:
    """By method and event time: mean estimate, bias, SD, mean SE, coverage, mean z."""
    df = pd.DataFrame(rows)
    df["err"] = df["estimate"] - df["truth"]
    df["z"] = df["err"] / df["std_error"]
    df["covered"] = df["z"].abs() <= Z95
    out = df.groupby(["method", "event_time"], sort=False).agg(
        mean_est=("estimate", "mean"), bias=("err", "mean"), sd=("estimate", "std"),
        mean_se=("std_error", "mean"), coverage=("covered", "mean"), mean_z=("z", "mean"),
        reps=("rep", "size"))
    out["bias_mcse"] = out["sd"] / np.sqrt(out["reps"])
    order = sorted(df["event_time"].unique(), key=lambda e: (e == "overall", _num(e)))
    out = out.reset_index()
    out["_o"] = out["event_time"].map({e: i for i, e in enumerate(order)})
    out = out.sort_values(["method", "_o"]).drop(columns="_o")
    return out[["method", "event_time", "mean_est", "bias", "bias_mcse", "sd", "mean_se",
                "coverage", "mean_z", "reps"]].reset_index(drop=True)


def _num(e: str) -> float:
    return np.inf if e == "overall" else float(e)


# -- B: the samhandling study ---------------------------------------------------------------

def study_panel(study: Study, tables: dict[str, pd.DataFrame]):
    """The study population's panel and the filter attributes, as the runner builds them."""
    store = RecordStore.from_frames(**{k: v for k, v in tables.items() if k in TABLES})
    record_outcomes = {o.name: o.aggregation for o in study.outcomes if not o.is_cost}
    placebo = study.robustness.placebo_outcome
    if placebo and not placebo.startswith("cost_") and placebo not in record_outcomes:
        record_outcomes[placebo] = "mean"
    p = panel(store, unit=study.unit, period=study.period,
              outcomes=record_outcomes or None, exposure=study.pilot,
              covariates=list(study.covariates) or None, start=study.start, end=study.end)
    unit = f"{study.unit}_id"
    filtered = sorted({f.column for f in study.where}
                      | {f.column for o in study.outcomes for f in o.where})
    first_year = int(pd.Timestamp(p["period_start"].min()).year)
    attrs = pop.unit_attributes(store, study.unit, filtered, first_year) if filtered else None
    return pop.apply_filters(p, attrs, study.where, unit), attrs


def study_sample(study: Study, p: pd.DataFrame, attrs, outcome: str) -> pd.DataFrame:
    """The outcome's filter, then the sample steps of ``effekt.study.designs._staggered``."""
    unit = f"{study.unit}_id"
    o = {x.name: x for x in study.outcomes}[outcome]
    d = pop.apply_filters(p, attrs, o.where, unit)
    lo_p, hi_p = int(d["period"].min()), int(d["period"].max())
    d = d[d[outcome].notna()]
    cluster = dict(study.design.options).get("cluster")
    need = [*study.covariates, *([cluster] if cluster else [])]
    if need:
        d = d[~d[unit].isin(d.loc[d[need].isna().any(axis=1), unit].unique())]
    units = d.drop_duplicates(unit)
    outside = units["cohort"].between(1, lo_p) | (units["cohort"] > hi_p)
    return d[~d[unit].isin(units.loc[outside, unit])]


def fit_overall(study: Study, d: pd.DataFrame, y: str, method: str,
                covariates: bool = True) -> tuple[float, float]:
    """att_gt as the study's staggered design fits it (analytic SEs): overall ATT and SE."""
    opts = dict(study.design.options)
    lo_e, hi_e = opts.get("window", (None, None))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gt = att_gt(d, y, f"{study.unit}_id", "period", "cohort",
                    covariates=(list(study.covariates) or None) if covariates else None,
                    control=opts.get("control", "never"), method=opts.get("method", "dr"),
                    allow_unbalanced=True, unbalanced=method, cluster=opts.get("cluster"))
        agg = gt.aggregate("dynamic", min_e=lo_e, max_e=hi_e)
    return float(agg.overall_att), float(agg.overall_se)


def population_truth(truth: pd.DataFrame, outcome: str, max_e: int) -> float:
    """``m.truth`` pooled by event time with ``n_units``, the mean over event times 0..max_e."""
    t = truth[(truth["pilot"] == "samhandling") & (truth["outcome"] == outcome)
              & (truth["unit_level"] == "person") & truth["event_time"].between(0, max_e)]
    sums = t.assign(w=t["effect"] * t["n_units"]).groupby("event_time")[["w", "n_units"]].sum()
    return float((sums["w"] / sums["n_units"]).mean())


def study_rep(seed: int, scale: float = 0.25, outcomes=OUTCOMES) -> list[dict]:
    """Both methods and scenarios on the municipality of ``seed``: one row per outcome, method."""
    study = load_spec(SPEC)  # its data (the committed folder) is not read: generated here
    unit = f"{study.unit}_id"
    t0 = time.perf_counter()
    m = generate(seed=seed, scale=scale, scenario="default")
    m0 = generate(seed=seed, scale=scale, scenario="null")
    p, attrs = study_panel(study, m.tables)
    p0, attrs0 = study_panel(study, m0.tables)
    build_s = time.perf_counter() - t0
    max_e = int(dict(study.design.options)["window"][1])
    rows = []
    for y in outcomes:
        d = study_sample(study, p, attrs, y)
        d0 = study_sample(study, p0, attrs0, y)
        keys = [unit, "period"]
        if not (len(d) == len(d0) and (d[keys].to_numpy() == d0[keys].to_numpy()).all()):
            raise RuntimeError(f"seed {seed}, {y}: the default and null samples differ")
        planted = d.assign(planted=d[y].to_numpy() - d0[y].to_numpy())
        truth = population_truth(m.truth, y, max_e)
        for method in METHODS:
            t1 = time.perf_counter()
            est, se = fit_overall(study, d, y, method)
            fit_s = time.perf_counter() - t1
            est0, se0 = fit_overall(study, d0, y, method)
            cell, _ = fit_overall(study, planted, "planted", method, covariates=False)
            rows.append({"rep": seed, "outcome": y, "method": method, "estimate": est,
                         "std_error": se, "truth": truth, "cell_truth": cell,
                         "null_estimate": est0, "null_std_error": se0,
                         "units": int(d[unit].nunique()), "rows": len(d),
                         "build_s": build_s, "fit_s": fit_s})
    return rows


def summarise_study(rows: list[dict]) -> pd.DataFrame:
    """By outcome and method: bias (and its Monte Carlo SE), RMSE, coverage, null rejections."""
    df = pd.DataFrame(rows)
    df["err"] = df["estimate"] - df["truth"]
    df["err_cell"] = df["estimate"] - df["cell_truth"]
    df["cover"] = (df["err"] / df["std_error"]).abs() <= Z95
    df["cover_cell"] = (df["err_cell"] / df["std_error"]).abs() <= Z95
    df["reject0"] = (df["null_estimate"] / df["null_std_error"]).abs() > Z95
    g = df.groupby(["outcome", "method"], sort=False)
    out = g.agg(truth=("truth", "mean"), cell_truth=("cell_truth", "mean"),
                mean_est=("estimate", "mean"), bias=("err", "mean"),
                bias_mcse=("err", lambda x: x.std() / np.sqrt(len(x))),
                rmse=("err", lambda x: float(np.sqrt(np.mean(x ** 2)))),
                sd=("estimate", "std"), mean_se=("std_error", "mean"),
                coverage=("cover", "mean"), bias_cell=("err_cell", "mean"),
                bias_cell_mcse=("err_cell", lambda x: x.std() / np.sqrt(len(x))),
                coverage_cell=("cover_cell", "mean"), null_mean=("null_estimate", "mean"),
                null_mcse=("null_estimate", lambda x: x.std() / np.sqrt(len(x))),
                null_reject=("reject0", "mean"), reps=("rep", "size"))
    return out.reset_index()


# -- driver ---------------------------------------------------------------------------------

def _run(fn, seeds, workers: int) -> list[dict]:
    if workers <= 1:
        return [row for s in seeds for row in fn(s)]
    with ProcessPoolExecutor(workers) as ex:
        return [row for rep in ex.map(fn, seeds) for row in rep]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=200, help="replications of part A")
    ap.add_argument("--n-units", type=int, default=3000, help="units of attrition_panel")
    ap.add_argument("--study-reps", type=int, default=100,
                    help="synthetic municipalities of part B (0: skip B)")
    ap.add_argument("--scale", type=float, default=0.25, help="scale of the municipalities")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--quick", action="store_true",
                    help="2 replications of each part at small sizes (a smoke run)")
    args = ap.parse_args(argv)
    if args.quick:
        args.reps, args.n_units, args.study_reps, args.scale = 2, 500, 2, 0.05
    pd.set_option("display.width", 160)
    pd.set_option("display.max_columns", 30)
    t0 = time.perf_counter()
    if args.reps > 0:
        rows = _run(partial(attrition_rep, n_units=args.n_units), range(args.reps),
                    args.workers)
        path = save("composition_drift_attrition", rows)
        ta = time.perf_counter() - t0
        print(f"A. attrition_panel(n_units={args.n_units}), {args.reps} replications "
              f"(seeds 0..{args.reps - 1}), truth 1 at event times >= 0: {ta:.0f} s; {path}")
        print(summarise_attrition(rows).round(4).to_string(index=False))
    if args.study_reps > 0:
        t1 = time.perf_counter()
        rows = _run(partial(study_rep, scale=args.scale), range(args.study_reps),
                    args.workers)
        path = save("composition_drift_study", rows)
        tb = time.perf_counter() - t1
        per = pd.DataFrame(rows).drop_duplicates("rep")["build_s"].mean()
        print(f"\nB. samhandling study, {args.study_reps} municipalities (seeds "
              f"0..{args.study_reps - 1}, scale {args.scale:g}, default and null "
              f"scenarios): {tb:.0f} s ({per:.1f} s a seed to generate and build both "
              f"panels); {path}")
        print(summarise_study(rows).round(4).to_string(index=False))
    print(f"\ntotal {time.perf_counter() - t0:.0f} s; command: python "
          f"benchmarks/composition_drift.py {' '.join(sys.argv[1:] if argv is None else argv)}")


if __name__ == "__main__":
    main()
