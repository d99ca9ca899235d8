"""Benchmark: registry scale, record tables → trajectories, a monthly family panel and att_gt.

Run ``python benchmarks/registry_scale.py [--sizes 1e7 1e8 5e8] [--engines duckdb spark]``
(``make bench`` runs it with these defaults, the full run).

The record tables are those of ``benchmarks/panel_build.py`` (its generator, imported:
50 service events a person over 2016-2025, three persons a family, 10 % of persons exposed
to the pilot ``"pilot"`` in August of 2018-2022), cached in the same folder; for Spark a
copy with the unsigned id columns cast to BIGINT (Spark reads UBIGINT as a decimal). For each size
and engine one fresh process (so its memory is its own) runs four stages and reports each
one's wall time and peak memory:

- ``open_validate``: ``RecordStore.open`` with validation;
- ``trajectories``: ``trajectories(store)`` (per person, 90-day gap), to pandas;
- ``family_panel``: ``panel(store, unit="family", period="month", exposure="pilot")``;
- ``att_gt``: ``att_gt`` on that panel (outcome ``cost_total``, unit ``family_id``, time
  ``period``, cohort ``cohort``; unbalanced families allowed, pairwise) and
  ``.aggregate("dynamic")``.

Peak memory of a stage is the largest resident memory of the worker's process tree (the
Python process, and for Spark its JVM) sampled every 0.05 s during the stage; ``rss_max_mb``
is the Python process's own exact high-water mark so far (``getrusage``). A worker whose
process tree exceeds ``--memory-gb`` is stopped and recorded as such; DuckDB runs with
``memory_limit`` set to half of it, Spark (``local[*]``, effekt's default session) with that
much driver memory.

Engines: DuckDB at every size; local Spark up to ``--spark-max`` events, each run stopped
after ``--spark-timeout`` seconds (recorded as "did not finish in N s"). A size is skipped,
with the reason recorded, when its files would not fit on the free disk, when its monthly
family panel would not fit in ``--memory-gb`` as a pandas frame, or when the run measured
at the previous size, scaled by the number of events, would take longer than
``--max-run-s``.

Targets (issue 15, 2 cores): 100M events → yearly person panel, validation included, under
60 s, and trajectories under 90 s and 8 GiB peak (``benchmarks/panel_build.py`` measures
those two; this script the registry-scale chain on both engines).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import threading
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import peak_rss_mb, run_isolated, save, timed  # noqa: E402
from panel_build import CACHE, YEARS, generate, n_persons  # noqa: E402

ENGINES = ("duckdb", "spark")
STAGES = ("open_validate", "trajectories", "family_panel", "att_gt")
PILOT = "pilot"
#: bytes a service event takes on disk, all five tables together (measured at 10M: 12.4)
DISK_BYTES_PER_EVENT = 16
#: bytes a row of the monthly family panel takes in pandas: 12 eight-byte columns and two
#: booleans (family_id, period, period_start, n_persons, cohort, six sector costs,
#: cost_total; exposed, balanced), before the copies made while converting it
PANEL_BYTES_PER_ROW = 12 * 8 + 2


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of process ``pid`` and all its descendants, in MB (Linux /proc)."""
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) / 1024
                        break
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return total


class _Sampler:
    """Sample the process tree's resident memory; stop the worker over ``budget_mb``."""

    def __init__(self, budget_mb: float, interval: float = 0.05) -> None:
        self.budget_mb, self.interval = budget_mb, interval
        self.stage, self.peak = "start", 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.wait(self.interval):
            rss = _tree_rss_mb(me)
            self.peak = max(self.peak, rss)
            if rss > self.budget_mb:
                print(f"memory budget exceeded: {rss:.0f} MB > {self.budget_mb:.0f} MB "
                      f"in stage {self.stage}", file=sys.stderr, flush=True)
                _kill_children(me)
                os._exit(3)

    def begin(self, stage: str) -> None:
        self.stage, self.peak = stage, _tree_rss_mb(os.getpid())

    def close(self) -> None:
        self._stop.set()


def _kill_children(pid: int) -> None:
    """Kill the descendants of ``pid`` (the Spark JVM) by their process ids."""
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                for child in fh.read().split():
                    _kill_children(int(child))
                    os.kill(int(child), signal.SIGKILL)
        except (FileNotFoundError, ProcessLookupError):
            continue


def worker(engine: str, folder: Path, memory_gb: float) -> dict:
    """Run the four stages on ``engine`` over the tables in ``folder``; time and size each."""
    import ibis

    from effekt.data import RecordStore, panel, trajectories
    from effekt.estimators import att_gt

    budget_mb = memory_gb * 1024
    engine_gb = max(int(memory_gb / 2), 1)
    sampler = _Sampler(budget_mb)
    out: dict = {"stages": {}}

    def stage(name: str, fn):
        sampler.begin(name)
        value, seconds = timed(fn)
        out["stages"][name] = {"seconds": seconds, "peak_mb": sampler.peak,
                               "rss_max_mb": peak_rss_mb()}
        print(f"{engine} {name}: {seconds:.1f} s, {sampler.peak:.0f} MB", file=sys.stderr,
              flush=True)  # progress; the result is the JSON line on stdout
        return value

    if engine == "duckdb":
        con = ibis.duckdb.connect()
        con.raw_sql(f"SET memory_limit = '{engine_gb}GB'")
        out["duckdb_memory_limit"] = f"{engine_gb}GB"
        opener = lambda: RecordStore.open(folder, connection=con)  # noqa: E731
    else:
        from effekt.data.engines import spark_session

        # the driver's heap must be set before its JVM starts; effekt's own local session
        os.environ["PYSPARK_SUBMIT_ARGS"] = f"--driver-memory {engine_gb}g pyspark-shell"
        sampler.begin("spark_session")
        _, out["spark_session_s"] = timed(spark_session)
        out["spark_driver_memory"] = f"{engine_gb}g"
        opener = lambda: RecordStore.open(folder, backend="spark")  # noqa: E731
    store = stage("open_validate", opener)
    traj = stage("trajectories", lambda: trajectories(store))
    out["n_trajectories"] = len(traj)
    del traj
    pan = stage("family_panel", lambda: panel(store, unit="family", period="month",
                                              exposure=PILOT))
    out["panel_rows"], out["panel_families"] = len(pan), int(pan["family_id"].nunique())
    out["panel_balanced"] = bool(pan["balanced"].all())

    def estimate():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gt = att_gt(pan, outcome="cost_total", unit="family_id", time="period",
                        cohort="cohort", allow_unbalanced=True)
            return gt, gt.aggregate("dynamic")

    gt, es = stage("att_gt", estimate)
    out["n_cells"], out["dynamic_overall_att"] = len(gt.att), float(es.overall_att)
    sampler.close()
    return out


def signed_copy(folder: Path) -> Path:
    """Copy the tables with unsigned integer columns cast to BIGINT, for Spark; once.

    The generator's ids are DuckDB hashes (UBIGINT); Spark reads an unsigned 64-bit
    Parquet column as decimal(20, 0), which effekt's validation rightly refuses as an id.
    """
    import duckdb

    out = folder / "signed"
    if (out / "done").exists():
        return out
    out.mkdir(exist_ok=True)
    con = duckdb.connect()
    for path in sorted(folder.glob("*.parquet")):
        cols = con.execute(f"DESCRIBE SELECT * FROM '{path}'").fetchall()
        exprs = [f'CAST("{c}" AS BIGINT) AS "{c}"' if t.startswith("U") and "INT" in t
                 else f'"{c}"' for c, t, *_ in cols]
        con.execute(f"COPY (SELECT {', '.join(exprs)} FROM '{path}') "
                    f"TO '{out / path.name}' (FORMAT parquet)")
    con.close()
    (out / "done").touch()
    return out


def _skip_reason(n: int, args: argparse.Namespace, previous: dict | None) -> str | None:
    """Why size ``n`` cannot run here (disk, memory, time), or None when it can."""
    free = shutil.disk_usage(CACHE.parent).free
    if not (CACHE / str(n) / "done").exists():
        need = n * DISK_BYTES_PER_EVENT
        if need > free:
            return (f"needs about {need / 1e9:.1f} GB of disk for its files, "
                    f"{free / 1e9:.1f} GB free")
    months = (YEARS[1] - YEARS[0] + 1) * 12
    families = n_persons(n) // 3 + 1
    panel_gb = families * months * PANEL_BYTES_PER_ROW / 2**30
    if panel_gb > args.memory_gb:
        return (f"the monthly family panel ({families * months / 1e6:.0f}M rows) would take "
                f"about {panel_gb:.0f} GiB as a pandas frame, over the {args.memory_gb:g} "
                f"GiB memory budget")
    if previous is not None:
        projected = previous["seconds"] * n / previous["events"]
        if projected > args.max_run_s:
            return (f"projected {projected:.0f} s from {previous['seconds']:.0f} s at "
                    f"{previous['events']:.0e} events, over --max-run-s {args.max_run_s:g}")
    return None


def _rows(n: int, engine: str, res: dict) -> list[dict]:
    """One result row per stage (or one row saying why the run has no stages)."""
    if "stages" not in res:
        reason = res.get("skipped") or res.get("error", "failed")
        return [{"events": n, "engine": engine, "stage": None, "seconds": None,
                 "peak_mb": None, "skipped": reason}]
    extra = {k: v for k, v in res.items() if k != "stages"}
    return [{"events": n, "engine": engine, "stage": stage, **vals, **extra}
            for stage, vals in res["stages"].items()]


def _table(rows: list[dict]) -> str:
    lines = [f"{'events':>11} {'engine':<7} {'stage':<14} {'seconds':>8} {'peak MB':>8}  note"]
    for r in rows:
        if r["stage"] is None:
            lines.append(f"{r['events']:>11,} {r['engine']:<7} {'-':<14} {'-':>8} {'-':>8}  "
                         f"{r['skipped']}")
        else:
            lines.append(f"{r['events']:>11,} {r['engine']:<7} {r['stage']:<14} "
                         f"{r['seconds']:>8.1f} {r['peak_mb']:>8.0f}")
    return "\n".join(lines)


def main() -> None:
    """Run every size on every engine (each in a fresh process); print and save a table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="*", type=float, default=[1e7, 1e8, 5e8],
                    help="numbers of service events")
    ap.add_argument("--engines", nargs="*", choices=ENGINES, default=list(ENGINES))
    ap.add_argument("--memory-gb", type=float, default=16.0,
                    help="memory budget of a worker's process tree, GiB")
    ap.add_argument("--spark-max", type=float, default=1e8,
                    help="largest number of events to run on Spark")
    ap.add_argument("--spark-timeout", type=float, default=1800.0,
                    help="seconds after which a Spark run is stopped")
    ap.add_argument("--max-run-s", type=float, default=3600.0,
                    help="skip a size whose run, projected from the previous size, is longer")
    ap.add_argument("--worker", choices=ENGINES)
    ap.add_argument("--folder", type=Path)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.folder, args.memory_gb)))
        return
    rows: list[dict] = []
    previous: dict[str, dict] = {}
    for size in sorted(args.sizes):
        n = int(size)
        for engine in args.engines:
            if engine == "spark" and n > args.spark_max:
                res = {"skipped": f"over --spark-max {args.spark_max:.0e} events"}
            elif (reason := _skip_reason(n, args, previous.get(engine))) is not None:
                res = {"skipped": reason}
            else:
                folder, t_gen = timed(lambda n=n: generate(n, CACHE / str(n)))
                if engine == "spark":
                    folder = signed_copy(folder)
                timeout = args.spark_timeout if engine == "spark" else None
                t0 = time.perf_counter()
                res = run_isolated(Path(__file__), "--worker", engine, "--folder", str(folder),
                                   "--memory-gb", str(args.memory_gb), timeout=timeout)
                if res.get("timeout"):
                    res = {"skipped": f"did not finish in {timeout:g} s"}
                else:
                    res["generate_s"] = t_gen
                if "stages" in res:
                    previous[engine] = {"events": n, "seconds": time.perf_counter() - t0}
            new = _rows(n, engine, res)
            rows += new
            for row in new:
                print(json.dumps(row), flush=True)
    print(_table(rows))
    print(f"saved {save('registry_scale', rows)}")


if __name__ == "__main__":
    main()
