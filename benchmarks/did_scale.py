"""Benchmark: staggered DiD (Callaway & Sant'Anna ATT(g,t) + aggregations) at 10k, 100k, 1M units.

Run ``python benchmarks/did_scale.py [--sizes 1e4 1e5 1e6]`` (``make bench`` runs it).

Data: a balanced panel, 10 periods, 5 cohorts (first treated in 3..7) and never treated
(cohort 0), made deterministically from a seed and written once per size to Parquet in a
cache folder, so every worker reads the same rows. Each measurement runs in a fresh process
(its peak memory is its own):

- ``effekt``: ``att_gt`` (doubly robust, never-treated controls, varying base period) and
  the four aggregations (simple, group, dynamic, calendar) with analytic SEs; then the
  multiplier bootstrap with 999 draws and the four aggregations again.
- the Python peers csdid, differences, moderndid and diff-diff, in their own environment
  (``.venv-bench/``, made by ``benchmarks/_peers.py``): the same ATT(g,t) and aggregations
  with analytic SEs (diff-diff has no calendar aggregation). Reported: each peer's time, the
  ratio effekt / peer, and the largest absolute difference of the estimates (and of the SEs).

A peer that fails or runs longer than ``--timeout`` seconds is recorded as such; a peer whose
time at the previous size, scaled by the size, would exceed the timeout is skipped.
Target (issue): at 1M units at least 10x faster than csdid, faster than every peer, under
2 GB peak, estimates equal to the peers' to 1e-8.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import sys
import tempfile
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import peak_rss_mb, run_isolated, save, timed  # noqa: E402

SEED = 20261124
N_PERIODS = 10
COHORTS = (3, 4, 5, 6, 7)
KINDS = ("simple", "group", "dynamic", "calendar")
PEERS = ("csdid", "differences", "moderndid", "diff-diff")
CACHE = Path(tempfile.gettempdir()) / "effekt-bench-did"


def generate(n_units: int, folder: Path, periods: int = N_PERIODS,
             cohorts: tuple[int, ...] = COHORTS) -> Path:
    """Write the panel of ``n_units`` units to ``folder/<n>.parquet`` once; return its path.

    Columns ``id, t, g, y``: 30 % never treated (g = 0), the rest spread evenly over the
    cohorts (14 % each with the default five); y is a unit effect + a time trend + noise +
    an effect 1 + 0.1 e at event time e >= 0. Another number of ``periods`` than the
    default goes to ``<n>x<periods>.parquet``.
    """
    import numpy as np
    import pandas as pd

    name = f"{n_units}" if periods == N_PERIODS else f"{n_units}x{periods}"
    path = folder / f"{name}.parquet"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([SEED, n_units] if periods == N_PERIODS
                                else [SEED, n_units, periods])
    share = 0.14 if cohorts == COHORTS else 0.7 / len(cohorts)
    g = rng.choice(np.array((0, *cohorts)), size=n_units, p=[0.3] + [share] * len(cohorts))
    t = np.arange(1, periods + 1)
    y = rng.normal(size=(n_units, 1)) + 0.1 * t + rng.normal(size=(n_units, periods))
    e = t - g[:, None]
    y += np.where((g[:, None] > 0) & (e >= 0), 1.0 + 0.1 * e, 0.0)
    df = pd.DataFrame({"id": np.repeat(np.arange(n_units), periods),
                       "t": np.tile(t, n_units), "g": np.repeat(g, periods),
                       "y": y.ravel()})
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    df.to_parquet(tmp, index=False)
    os.replace(tmp, path)
    return path


def _rows(labels, att, se) -> list[list[float]]:
    return [[float(a), float(b), float(c)] for a, b, c in zip(labels, att, se, strict=True)]


def estimates_effekt(gt) -> dict:
    """ATT(g,t) and the aggregations of an effekt GroupTimeResult, in the comparison format."""
    cells = gt.to_frame()
    out = {"attgt": [[float(g), float(t), float(a), float(s)] for g, t, a, s in zip(
        cells["group"], cells["time"], cells["estimate"], cells["std_error"], strict=True)]}
    for kind in KINDS:
        ag = gt.aggregate(kind)
        out[kind] = {"overall": [ag.overall_att, ag.overall_se]}
        if kind != "simple":
            out[kind]["by"] = _rows(ag.labels, ag.estimate, ag.std_error)
    return out


def worker_effekt(path: Path, n_boot: int = 999) -> dict:
    """Time effekt's att_gt + four aggregations (analytic SEs), then with the bootstrap."""
    import pandas as pd

    from effekt.estimators import att_gt

    df, t_read = timed(lambda: pd.read_parquet(path))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gt, t_fit = timed(lambda: att_gt(df, outcome="y", unit="id", time="t", cohort="g"))
        aggs, t_agg = timed(lambda: [gt.aggregate(k) for k in KINDS])
        boot, t_draws = timed(lambda: gt.bootstrap(n_boot=n_boot, seed=1))
        _, t_bagg = timed(lambda: [boot.aggregate(k) for k in KINDS])
        est = estimates_effekt(gt)
    return {"read_s": t_read, "attgt_s": t_fit, "aggregate_s": t_agg,
            "analytic_s": t_fit + t_agg, "bootstrap_s": t_fit + t_draws + t_bagg,
            "n_boot": n_boot, "n_cells": len(gt.att), "simple_att": aggs[0].overall_att,
            "peak_mb": peak_rss_mb(), "estimates": est}


def _peer_csdid(df) -> dict:
    from csdid.att_gt import ATTgt

    m = ATTgt(yname="y", tname="t", idname="id", gname="g", data=df).fit(
        est_method="dr", bstrap=False)
    r = m.results
    out = {"attgt": [[float(g), float(t), float(a), float(s)] for g, t, a, s in zip(
        r["group"], r["year"], r["att"], r["se"], strict=True)]}
    for kind in KINDS:
        a = m.aggte(typec=kind, bstrap=False).atte
        out[kind] = {"overall": [float(a["overall_att"]), float(a["overall_se"])]}
        if kind != "simple":
            out[kind]["by"] = _rows(a["egt"], a["att_egt"], a["se_egt"])
    return out


def _peer_differences(df) -> dict:
    from differences import ATTgt

    data = df.assign(g=df["g"].where(df["g"] > 0)).set_index(["id", "t"])
    m = ATTgt(data=data, cohort_column="g")
    m.fit(formula="y", est_method="dr", progress_bar=False)
    r = m.results()
    out = {"attgt": [[float(g), float(t), float(a), float(s)] for g, t, a, s in zip(
        r.index.get_level_values("cohort"), r.index.get_level_values("time"),
        r.iloc[:, 0], r.iloc[:, 1], strict=True)]}
    names = {"simple": "simple", "group": "cohort", "dynamic": "event", "calendar": "time"}
    for kind, theirs in names.items():
        by = m.aggregate(theirs)
        if kind == "simple":
            out[kind] = {"overall": [float(by.iloc[0, 0]), float(by.iloc[0, 1])]}
            continue
        ov = m.aggregate(theirs, overall=True)
        out[kind] = {"overall": [float(ov.iloc[0, 0]), float(ov.iloc[0, 1])],
                     "by": _rows(by.index, by.iloc[:, 0], by.iloc[:, 1])}
    return out


def _peer_moderndid(df) -> dict:
    from moderndid import aggte, att_gt

    res = att_gt(data=df, yname="y", tname="t", idname="id", gname="g", est_method="dr",
                 boot=False, cband=False)
    out = {"attgt": [[float(g), float(t), float(a), float(s)] for g, t, a, s in zip(
        res.groups, res.times, res.att_gt, res.se_gt, strict=True)]}
    for kind in KINDS:
        ag = aggte(res, type=kind)
        out[kind] = {"overall": [float(ag.overall_att), float(ag.overall_se)]}
        if kind != "simple":
            out[kind]["by"] = _rows(ag.event_times, ag.att_by_event, ag.se_by_event)
    return out


def _peer_diff_diff(df) -> dict:
    from diff_diff import CallawaySantAnna

    cs = CallawaySantAnna(control_group="never_treated", estimation_method="dr", n_bootstrap=0)
    r = cs.fit(df, outcome="y", unit="id", time="t", first_treat="g")
    out = {"attgt": [[float(g), float(t), float(v["effect"]), float(v["se"])]
                     for (g, t), v in r.group_time_effects.items()]}
    out["simple"] = {"overall": [float(r.overall_att), float(r.overall_se)]}
    grp = r.aggregate("group")
    out["group"] = {"by": _rows(grp.label, grp.att, grp.se)}
    es = r.aggregate("event_study")
    out["dynamic"] = {"by": _rows(es.event_time, es.att, es.se)}
    return out  # diff-diff 3.13 has no calendar aggregation


PEER_FUNCS = {"csdid": _peer_csdid, "differences": _peer_differences,
              "moderndid": _peer_moderndid, "diff-diff": _peer_diff_diff}


def worker_peer(name: str, path: Path) -> dict:
    """Time one peer's ATT(g,t) + aggregations with analytic SEs (run under the peers' python)."""
    from importlib.metadata import version

    import pandas as pd

    df, t_read = timed(lambda: pd.read_parquet(path))
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        est, t_fit = timed(lambda: PEER_FUNCS[name](df))
    return {"version": version(name), "read_s": t_read, "analytic_s": t_fit,
            "peak_mb": peak_rss_mb(), "estimates": est}


def compare(ours: dict, theirs: dict) -> dict:
    """Largest absolute differences of estimates and SEs over the parts both report."""
    d_est, d_se, parts = 0.0, 0.0, []

    def upd(a: list[float], b: list[float]) -> None:
        nonlocal d_est, d_se
        d_est = max(d_est, abs(a[0] - b[0]))
        if all(x == x for x in (a[1], b[1])):  # both SEs known (not NaN)
            d_se = max(d_se, abs(a[1] - b[1]))

    def keyed(rows: list[list[float]], width: int) -> dict:
        return {tuple(r[:width]): r[width:] for r in rows}

    mine, other = keyed(ours["attgt"], 2), keyed(theirs["attgt"], 2)
    if set(mine) != set(other):
        return {"compare_error": f"cells differ: {sorted(set(mine) ^ set(other))[:5]}"}
    for key, row in mine.items():
        upd(row, other[key])
    parts.append("attgt")
    for kind in KINDS:
        if kind not in theirs:
            continue
        if "overall" in theirs[kind]:
            upd(ours[kind]["overall"], theirs[kind]["overall"])
        if "by" in theirs[kind]:
            mine, other = keyed(ours[kind]["by"], 1), keyed(theirs[kind]["by"], 1)
            if set(mine) != set(other):
                return {"compare_error": f"{kind} labels differ: {sorted(set(mine) ^ set(other))}"}
            for key, row in mine.items():
                upd(row, other[key])
        parts.append(kind)
    return {"max_abs_diff_est": d_est, "max_abs_diff_se": d_se, "compared": ",".join(parts)}


def main() -> None:
    """Run the benchmark at each size and print one JSON line per size and program."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", nargs="*", type=float, default=[1e4, 1e5, 1e6])
    ap.add_argument("--worker", choices=["effekt", "peer"])
    ap.add_argument("--peer", choices=PEERS)
    ap.add_argument("--data", type=Path)
    ap.add_argument("--n-boot", type=int, default=999)
    ap.add_argument("--peers", nargs="*", default=list(PEERS), choices=PEERS)
    ap.add_argument("--timeout", type=float, default=600.0,
                    help="seconds before a peer run is stopped (and larger sizes skipped)")
    args = ap.parse_args()
    if args.worker == "effekt":
        print(json.dumps(worker_effekt(args.data, args.n_boot)))
        return
    if args.worker == "peer":
        print(json.dumps(worker_peer(args.peer, args.data)))
        return

    from _peers import peers_python

    peer_py, note = peers_python() if args.peers else (None, "no peers asked for")
    print(f"peers: {note}", flush=True)
    rows, last = [], {}  # last: peer -> (units, seconds) of its previous successful run
    for size in args.sizes:
        n = int(size)
        path, t_gen = timed(lambda n=n: generate(n, CACHE))
        eff = run_isolated(Path(__file__), "--worker", "effekt", "--data", str(path),
                           "--n-boot", str(args.n_boot))
        est = eff.pop("estimates", None)
        row = {"units": n, "program": "effekt", "generate_s": round(t_gen, 1), **eff}
        rows.append(row)
        print(json.dumps(row), flush=True)
        for peer in args.peers:
            prow = {"units": n, "program": peer}
            if peer_py is None:
                prow["error"] = f"peers not available: {note}"
            elif peer in last and last[peer][1] is None:
                prow["skipped"] = f"failed or timed out at {last[peer][0]} units"
            elif peer in last and last[peer][1] * n / last[peer][0] > args.timeout:
                proj = last[peer][1] * n / last[peer][0]
                prow["skipped"] = (f"projected {proj:.0f} s from {last[peer][0]} units "
                                   f"> timeout {args.timeout:.0f} s")
            else:
                res = run_isolated(Path(__file__), "--worker", "peer", "--peer", peer,
                                   "--data", str(path), python=peer_py, timeout=args.timeout)
                pest = res.pop("estimates", None)
                prow.update(res)
                if "analytic_s" in res:
                    last[peer] = (n, res["analytic_s"])
                    if "analytic_s" in eff:
                        prow["ratio_effekt_over_peer"] = eff["analytic_s"] / res["analytic_s"]
                    if est is not None:
                        prow.update(compare(est, pest))
                else:
                    last[peer] = (n, None)
            rows.append(prow)
            print(json.dumps(prow), flush=True)
    print(f"saved {save('did_scale', rows)}")


if __name__ == "__main__":
    main()
