"""Size and power of att_gt's pre-trend test on the synthetic samhandling study.

Run ``python benchmarks/pretrend_size.py --reps 200 [--workers 2]`` (about 15 minutes on 2
cores for 200 replications; the slow test ``tests/estimators/did/test_pretrend_size.py``
runs 20 of them; `make bench` runs the default 20 replications).

Each replication generates the synthetic municipality (``effekt.synthetic.generate``,
scale 0.25 as the committed ``synthetic_data``, seed ``1000 + r``), builds the panel of
``studies/samhandling.toml`` with the study layer's own functions (``load_spec``,
``open_data``, ``effekt.data.panel``, the population filters) and applies the sample steps
of the staggered design (``effekt.study.designs._staggered``: units with the outcome, the
covariates and the cluster; cohorts inside the panel), then fits ``att_gt`` as the study
does (never-treated controls, ``method="dr"``, covariates, ``allow_unbalanced=True``,
clustered by school). The main outcome, school absence days, gives 30 schools: 6 in each
of the four cohorts 2018-2021 and 6 never treated, and 10 pre-treatment cells.

Scenarios: ``default`` (parallel trends by construction: the size), ``nonparallel`` (the
generator's differential trend of 0.35 days a year for the eventually treated: the power),
and ``default`` with a drift of ``k * 0.35 * year`` added to the outcome of the eventually
treated units in the panel (``drift2``, ``drift3``: a power curve).

Tests at the 5 % level: ``wald`` (chi-squared, R ``did``), ``hotelling``
(``F = (G - q) / (q (G - 1)) W`` on ``(q, G - q)`` df, computed here from ``W``),
``boot_rademacher`` and ``boot_webb`` (``pretrend_test(method="bootstrap")``, 999 draws).
Results go to ``benchmarks/results/pretrend_size.json`` and are printed.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import save  # noqa: E402

from effekt.data import panel  # noqa: E402
from effekt.estimators import att_gt  # noqa: E402
from effekt.study import population as pop  # noqa: E402
from effekt.study.runner import open_data  # noqa: E402
from effekt.study.spec import DataSource, load_spec  # noqa: E402

SPEC = Path(__file__).resolve().parents[1] / "studies" / "samhandling.toml"
DRIFT = 0.35  # effekt.synthetic.pilots.SAMHANDLING_DRIFT["school_absence_days"]
TESTS = ("wald", "hotelling", "boot_rademacher", "boot_webb")
SCENARIOS = ("default", "nonparallel", "drift2", "drift3")


def study_sample(seed: int, scenario: str = "default", scale: float = 0.25):
    """Return the staggered design's estimation sample of samhandling's main outcome.

    The panel is built as ``effekt.study.runner.compute`` builds it, for the synthetic
    municipality of ``seed`` and ``scenario``; the sample steps are those of
    ``effekt.study.designs._staggered``. Returns ``(sample, unit, outcome, options,
    covariates)``.
    """
    study = load_spec(SPEC)
    study = dataclasses.replace(study, data=DataSource(
        synthetic_seed=seed, synthetic_scale=scale, synthetic_scenario=scenario))
    store, _ = open_data(study)
    out = study.outcomes[0]
    p = panel(store, unit=study.unit, period=study.period,
              outcomes={out.name: out.aggregation}, exposure=study.pilot,
              covariates=list(study.covariates) or None, start=study.start, end=study.end)
    unit = f"{study.unit}_id"
    columns = sorted({f.column for f in study.where} | {f.column for f in out.where})
    first_year = int(pd.Timestamp(p["period_start"].min()).year)
    attrs = pop.unit_attributes(store, study.unit, columns, first_year)
    p = pop.apply_filters(p, attrs, study.where, unit)
    p = pop.apply_filters(p, attrs, out.where, unit)
    opts, covs, y = dict(study.design.options), list(study.covariates), out.name
    # effekt.study.designs._staggered's sample steps
    lo_p, hi_p = int(p["period"].min()), int(p["period"].max())
    d = p[p[y].notna()]
    need = [*covs, opts["cluster"]]
    d = d[~d[unit].isin(d.loc[d[need].isna().any(axis=1), unit].unique())]
    units = d.drop_duplicates(unit)
    outside = units["cohort"].between(1, lo_p) | (units["cohort"] > hi_p)
    d = d[~d[unit].isin(units.loc[outside, unit])]
    return d, unit, y, opts, covs


def fit(d, unit, y, opts, covs):
    """Fit att_gt as the staggered design does."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return att_gt(d, y, unit, "period", "cohort", covariates=covs or None,
                      control=opts.get("control", "never"), method=opts.get("method", "dr"),
                      allow_unbalanced=True, cluster=opts.get("cluster"))


def evaluate(gt, seed: int, n_boot: int = 999) -> dict:
    """P-values of the four tests and timings for one fit."""
    t0 = time.perf_counter()
    wald = gt.pretrend_test(method="wald")
    t1 = time.perf_counter()
    rad = gt.pretrend_test(method="bootstrap", weights="rademacher", n_boot=n_boot, seed=seed)
    t2 = time.perf_counter()
    webb = gt.pretrend_test(method="bootstrap", weights="webb", n_boot=n_boot, seed=seed)
    g, q, w = gt.basis.n_clusters, wald.df, wald.statistic
    return {
        "W": w, "df": q, "clusters": g, "crit_rademacher": rad.critical_value,
        "wald": wald.p_value,
        "hotelling": float(stats.f.sf((g - q) / (q * (g - 1)) * w, q, g - q)),
        "boot_rademacher": rad.p_value, "boot_webb": webb.p_value,
        "wald_s": t1 - t0, "boot_s": t2 - t1,
    }


def replicate(r: int, scenarios=SCENARIOS, n_boot: int = 999) -> list[dict]:
    """All scenarios of replication ``r`` (synthetic seed ``1000 + r``)."""
    rows = []
    base = None
    for scenario in scenarios:
        t0 = time.perf_counter()
        if scenario.startswith("drift"):
            if base is None:
                base = study_sample(1000 + r, "default")
            d, unit, y, opts, covs = base
            k = int(scenario[len("drift"):])
            treated = d["cohort"] > 0
            d = d.assign(**{y: d[y] + k * DRIFT * (d["period"] - d["period"].min())
                            * treated})
        else:
            d, unit, y, opts, covs = study_sample(1000 + r, scenario)
            if scenario == "default":
                base = (d, unit, y, opts, covs)
        t1 = time.perf_counter()
        gt = fit(d, unit, y, opts, covs)
        t2 = time.perf_counter()
        row = evaluate(gt, seed=r, n_boot=n_boot)
        row.update(rep=r, scenario=scenario, build_s=t1 - t0, fit_s=t2 - t1)
        rows.append(row)
    return rows


def summarise(rows: list[dict], alpha: float = 0.05) -> pd.DataFrame:
    """Rejection rates at ``alpha`` by scenario (rows: tests), with mean W and timings."""
    df = pd.DataFrame(rows)
    rates = df.groupby("scenario")[list(TESTS)].agg(lambda p: float(np.mean(p <= alpha))).T
    extra = df.groupby("scenario")[["W", "crit_rademacher", "build_s", "fit_s", "wald_s",
                                     "boot_s"]].mean().T
    out = pd.concat([rates, extra])
    out.loc["replications"] = df.groupby("scenario").size()
    return out[[s for s in SCENARIOS if s in out.columns]]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    t0 = time.perf_counter()
    with ProcessPoolExecutor(args.workers) as ex:
        rows = [row for rep in ex.map(replicate, range(args.reps)) for row in rep]
    path = save("pretrend_size", rows)
    pd.set_option("display.width", 120)
    print(summarise(rows).round(4).to_string())
    print(f"{args.reps} replications in {time.perf_counter() - t0:.0f} s; rows in {path}")


if __name__ == "__main__":
    main()
