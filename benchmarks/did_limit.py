"""Benchmark: Callaway–Sant'Anna near the physical limit (issue 15), as ratios to diff-diff.

Run ``python benchmarks/did_limit.py`` (``make bench`` runs it). The panels are those of
``benchmarks/did_scale.py`` (a seed, written once to Parquet in a cache folder): 1M units ×
10 periods (five cohorts) and 1M units × 60 months (eight cohorts). Every measurement runs
in a fresh process, so its peak memory is its own; times are the best of ``--repeat`` runs.

- ``effekt (pandas)``: ``pd.read_parquet`` then ``att_gt`` (doubly robust, never-treated
  controls, varying base period) and the four aggregations with analytic SEs; then 999
  multiplier-bootstrap draws and the four aggregations again (reported as a ratio to the
  analytic time).
- ``effekt (parquet)``: ``att_gt(<path>)``, the panel checked and pivoted in DuckDB and read a
  block of units at a time (``effekt.estimators.did.engine_input``), and the aggregations.
- ``diff-diff`` 3.13 (``CallawaySantAnna``, doubly robust, analytic SEs, its three
  aggregations), in the peers' environment (``benchmarks/_peers.py``), 1M × 10 only.

Targets (issue 15): at 1M × 10 at least 3× faster than diff-diff and at most 1 GiB for the
whole process when the panel is read from Parquet; the bootstrap at most 2× the analytic
time; at 1M × 60 under 30 s and 4 GiB.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import peak_rss_mb, run_isolated, save, timed  # noqa: E402
from did_scale import CACHE, KINDS, generate  # noqa: E402

CASES = {  # name -> (units, periods, cohorts)
    "1M x 10": (1_000_000, 10, (3, 4, 5, 6, 7)),
    "1M x 60": (1_000_000, 60, (7, 13, 19, 25, 31, 37, 43, 49)),
}


def worker(mode: str, path: Path, n_boot: int) -> dict:
    """Time att_gt + the four aggregations (and the bootstrap) in this process."""
    import pandas as pd

    from effekt.estimators import att_gt

    kw = dict(outcome="y", unit="id", time="t", cohort="g")
    out: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if mode == "pandas":
            df, out["read_s"] = timed(lambda: pd.read_parquet(path))
            gt, t_fit = timed(lambda: att_gt(df, **kw))
        else:
            gt, t_fit = timed(lambda: att_gt(str(path), **kw))
        aggs, t_agg = timed(lambda: [gt.aggregate(k) for k in KINDS])
        out.update(fit_s=t_fit, analytic_s=t_fit + t_agg, cells=len(gt.att),
                   dynamic_att=aggs[2].overall_att, peak_analytic_mb=peak_rss_mb())
        if n_boot:
            boot, t_draws = timed(lambda: gt.bootstrap(n_boot=n_boot, seed=1))
            _, t_bagg = timed(lambda: [boot.aggregate(k) for k in KINDS])
            out.update(bootstrap_s=t_fit + t_draws + t_bagg, n_boot=n_boot,
                       peak_mb=peak_rss_mb())
    return out


def _best(runs: list[dict]) -> dict:
    """The run with the smallest analytic time (an error if every run failed)."""
    ok = [r for r in runs if "analytic_s" in r]
    return min(ok, key=lambda r: r["analytic_s"]) if ok else runs[-1]


def main() -> None:
    """Run every case and print one JSON line per case and program."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker", choices=["pandas", "parquet"])
    ap.add_argument("--data", type=Path)
    ap.add_argument("--n-boot", type=int, default=999)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--cases", nargs="*", default=list(CASES), choices=list(CASES))
    ap.add_argument("--timeout", type=float, default=900.0)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.data, args.n_boot)))
        return

    from _peers import peers_python

    peer_py, note = peers_python()
    print(f"peers: {note}", flush=True)
    here = Path(__file__)
    rows = []
    for case in args.cases:
        n, periods, cohorts = CASES[case]
        path = generate(n, CACHE, periods=periods, cohorts=cohorts)
        res = {}
        for mode in ("pandas", "parquet"):
            runs = [run_isolated(here, "--worker", mode, "--data", str(path), "--n-boot",
                                 str(args.n_boot if mode == "pandas" else 0),
                                 timeout=args.timeout) for _ in range(args.repeat)]
            res[mode] = {"case": case, "program": f"effekt ({mode})", **_best(runs),
                         "peak_mb_max": max(r.get("peak_mb", r.get("peak_analytic_mb", 0))
                                            for r in runs)}
        if "bootstrap_s" in res["pandas"]:
            best = res["pandas"]
            best["bootstrap_over_analytic"] = best["bootstrap_s"] / best["analytic_s"]
        rows += res.values()
        for r in res.values():
            print(json.dumps(r), flush=True)
        if case == "1M x 10":
            prow = {"case": case, "program": "diff-diff"}
            if peer_py is None:
                prow["error"] = f"peers not available: {note}"
            else:
                runs = [run_isolated(here.with_name("did_scale.py"), "--worker", "peer",
                                     "--peer", "diff-diff", "--data", str(path),
                                     python=peer_py, timeout=args.timeout)
                        for _ in range(args.repeat)]
                prow.update(_best(runs))
                prow.pop("estimates", None)
                if "analytic_s" in prow:
                    for mode in ("pandas", "parquet"):
                        if "analytic_s" in res[mode]:
                            prow[f"speedup_effekt_{mode}"] = (prow["analytic_s"]
                                                              / res[mode]["analytic_s"])
            rows.append(prow)
            print(json.dumps(prow), flush=True)
    print(f"saved {save('did_limit', rows)}")


if __name__ == "__main__":
    main()
