"""Benchmark: service events → trajectories and a yearly person panel, at 1M, 10M, 100M events.

Run ``python benchmarks/panel_build.py [--sizes 1e6 1e7 1e8]`` (``make bench`` runs it).
The record tables are generated with DuckDB straight to Parquet (deterministic: every
random column is a hash of the row number and the seed), once per size, in a cache folder.
Each measurement runs in a fresh process, so its peak memory is its own:

- ``effekt``: ``RecordStore.open`` (with validation), ``trajectories`` and ``panel``
  (yearly person panel with one outcome, per-sector cost, the cohort of one pilot);
- ``pandas``: the same yearly panel (cost per sector, outcome, cohort) with plain pandas
  group-bys, the peer a researcher would otherwise write. Figures are given as ratios
  effekt / pandas measured in the same run.

Target (issue 2): 100M events → yearly person panel in under 60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import peak_rss_mb, run_isolated, save, timed  # noqa: E402

SEED = 20261124
YEARS = (2016, 2025)
SECTORS = [
    "oppvekst_barnehage", "oppvekst_skole", "helse_sosial", "pleie_omsorg", "nav", "barnevern",
]
CACHE = Path(tempfile.gettempdir()) / "effekt-bench-panel"


def n_persons(n_events: int) -> int:
    """Persons for a given number of events (50 events a person over ten years)."""
    return max(n_events // 50, 1000)


def generate(n_events: int, folder: Path) -> Path:
    """Write persons, measures, service_events, outcomes and exposures as Parquet."""
    import duckdb

    done = folder / "done"
    if done.exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    n_p = n_persons(n_events)
    days = (YEARS[1] - YEARS[0] + 1) * 365
    con = duckdb.connect()
    sectors = ", ".join(f"'{s}'" for s in SECTORS)
    con.execute(f"""
        COPY (SELECT i AS person_id, i // 3 AS family_id,
                     1940 + hash(i, {SEED}) % 80 AS birth_year,
                     CASE WHEN hash(i, {SEED} + 1) % 2 = 0 THEN 'F' ELSE 'M' END AS sex,
                     'district_' || (hash(i, {SEED} + 2) % 5)::VARCHAR AS district
              FROM range({n_p}) t(i))
        TO '{folder}/persons.parquet' (FORMAT parquet)""")
    con.execute(f"""
        COPY (SELECT i AS measure_id, 'measure ' || i::VARCHAR AS name,
                     ([{sectors}])[1 + i % {len(SECTORS)}] AS sector, 'hour' AS unit,
                     (100 + (i * 37) % 900)::DOUBLE AS unit_cost_nok, 'general' AS target_group
              FROM range(170) t(i))
        TO '{folder}/measures.parquet' (FORMAT parquet)""")
    con.execute(f"""
        COPY (SELECT p AS person_id, m AS measure_id,
                     DATE '{YEARS[0]}-01-01' + s::INTEGER AS start_date,
                     DATE '{YEARS[0]}-01-01' + (s + d)::INTEGER AS end_date,
                     u::DOUBLE AS units, (u * (100 + (m * 37) % 900))::DOUBLE AS cost_nok,
                     m % 40 AS provider_id
              -- the store rejects repeated (person, measure, provider, start, end) keys
              FROM (SELECT DISTINCT ON (p, m, s, d)
                           hash(i, {SEED} + 3) % {n_p} AS p, hash(i, {SEED} + 4) % 170 AS m,
                           hash(i, {SEED} + 5) % ({days} - 61) AS s,
                           hash(i, {SEED} + 6) % 60 AS d, 1 + hash(i, {SEED} + 7) % 20 AS u
                    FROM range({n_events}) t(i)))
        TO '{folder}/service_events.parquet' (FORMAT parquet)""")
    con.execute(f"""
        COPY (SELECT p AS person_id, make_date(y, 12, 31) AS date,
                     'school_absence_days' AS outcome,
                     (hash(p, y, {SEED}) % 30)::DOUBLE AS value
              FROM range({n_p}) a(p), range({YEARS[0]}, {YEARS[1] + 1}) b(y))
        TO '{folder}/outcomes.parquet' (FORMAT parquet)""")
    con.execute(f"""
        COPY (SELECT i AS person_id, NULL::BIGINT AS family_id, NULL::BIGINT AS provider_id,
                     'pilot' AS pilot,
                     make_date({YEARS[0] + 2} + (hash(i, {SEED} + 8) % 5)::INTEGER, 8, 1)
                         AS start_date
              FROM range({n_p}) t(i) WHERE hash(i, {SEED} + 9) % 10 = 0)
        TO '{folder}/exposures.parquet' (FORMAT parquet)""")
    con.close()
    done.touch()
    return folder


def worker_effekt(folder: Path) -> dict:
    """Time effekt's store, trajectories and panel on the tables in ``folder``."""
    from effekt.data import RecordStore, panel, trajectories

    store, t_open = timed(lambda: RecordStore.open(folder))
    pan, t_panel = timed(
        lambda: panel(store, unit="person", period="year",
                      outcomes=["school_absence_days"], exposure="pilot")
    )
    peak_panel = peak_rss_mb()  # the panel first, so its peak memory is its own
    n_rows = len(pan)
    del pan
    traj, t_traj = timed(lambda: trajectories(store, gap_days=90))
    return {"open_validate_s": t_open, "panel_s": t_panel, "peak_after_panel_mb": peak_panel,
            "trajectories_s": t_traj, "n_trajectories": len(traj), "panel_rows": n_rows,
            "peak_mb": peak_rss_mb()}


def worker_pandas(folder: Path) -> dict:
    """The same yearly panel with plain pandas (the peer)."""
    import pandas as pd

    def build() -> pd.DataFrame:
        ev = pd.read_parquet(folder / "service_events.parquet",
                             columns=["person_id", "measure_id", "start_date", "cost_nok"])
        ms = pd.read_parquet(folder / "measures.parquet", columns=["measure_id", "sector"])
        ev = ev.merge(ms, on="measure_id")
        ev["period"] = pd.to_datetime(ev["start_date"]).dt.year
        cost = ev.pivot_table(index=["person_id", "period"], columns="sector",
                              values="cost_nok", aggfunc="sum", fill_value=0.0)
        cost.columns = [f"cost_{c}" for c in cost.columns]
        oc = pd.read_parquet(folder / "outcomes.parquet")
        oc["period"] = pd.to_datetime(oc["date"]).dt.year
        out = oc.pivot_table(index=["person_id", "period"], columns="outcome",
                             values="value", aggfunc="sum")
        ex = pd.read_parquet(folder / "exposures.parquet")
        cohort = pd.to_datetime(ex["start_date"]).dt.year.groupby(ex["person_id"]).min()
        pan = out.join(cost, how="left").fillna(0.0).reset_index()
        pan["cohort"] = pan["person_id"].map(cohort).fillna(0).astype(int)
        return pan

    pan, t_panel = timed(build)
    return {"panel_s": t_panel, "panel_rows": len(pan), "peak_mb": peak_rss_mb()}


def main() -> None:
    """Run the benchmark at each size and print a table with ratios."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", nargs="*", type=float, default=[1e6, 1e7, 1e8])
    ap.add_argument("--worker", choices=["effekt", "pandas"])
    ap.add_argument("--folder", type=Path)
    ap.add_argument("--pandas-max", type=float, default=1e7,
                    help="largest size at which to run the pandas peer (memory)")
    args = ap.parse_args()
    if args.worker:
        fn = worker_effekt if args.worker == "effekt" else worker_pandas
        print(json.dumps(fn(args.folder)))
        return
    rows = []
    for size in args.sizes:
        n = int(size)
        folder, t_gen = timed(lambda n=n: generate(n, CACHE / str(n)))
        eff = run_isolated(Path(__file__), "--worker", "effekt", "--folder", str(folder))
        row = {"events": n, "persons": n_persons(n), "generate_s": round(t_gen, 1),
               **{f"effekt_{k}": v for k, v in eff.items()}}
        if n <= args.pandas_max:
            pdr = run_isolated(Path(__file__), "--worker", "pandas", "--folder", str(folder))
            row.update({f"pandas_{k}": v for k, v in pdr.items()})
            if "panel_s" in pdr and "panel_s" in eff:
                # like for like: effekt reads and validates the files, pandas reads them
                effekt_s = eff["open_validate_s"] + eff["panel_s"]
                row["panel_ratio_effekt_over_pandas"] = effekt_s / pdr["panel_s"]
        rows.append(row)
        print(json.dumps(row), flush=True)
    print(f"saved {save('panel_build', rows)}")


if __name__ == "__main__":
    main()
