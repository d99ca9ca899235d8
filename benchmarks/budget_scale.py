"""Benchmark: Monte Carlo budget, 10,000 draws x 30 years x 50 trajectory types x 8 sectors.

Run ``python benchmarks/budget_scale.py [--draws 10000]`` (``make bench`` runs it). Each
measurement runs in a fresh process (its peak memory is its own):

- ``effekt``: ``simulate(example_model(n_types=50, years=30), years=30, draws=10_000,
  seed=1)``, which loops over years and reduces over types within each year;
- ``naive``: the same model with plain numpy that materialises the full
  draws x years x types x sectors cost array and sums it over types (the peer a researcher
  would write first), drawing the same random numbers in the same order, so the two results
  agree (the largest relative difference is reported). If that array would not fit in the
  available memory the peer is not run and the row says so.

Target: under 2 s and 2 GB. Figures are the ratio effekt / naive, measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import peak_rss_mb, run_isolated, save, timed  # noqa: E402

N_TYPES, YEARS, SEED = 50, 30, 1


def _model():
    from effekt.budgeting import example_model

    return example_model(n_types=N_TYPES, years=YEARS)


def worker_effekt(draws: int) -> dict:
    """Time effekt's ``simulate`` and return summary figures of its draws."""
    from effekt.budgeting import simulate

    model = _model()
    res, t = timed(lambda: simulate(model, years=YEARS, draws=draws, seed=SEED))
    return {"simulate_s": t, "shape": list(res.draws.shape), "peak_mb": peak_rss_mb(),
            "checksum": _checksum(res.draws)}


def _checksum(draws) -> list[float]:
    """The first 10 draws and the mean over draws, by year and sector, to compare programs."""
    import numpy as np

    return np.concatenate([draws[:10].ravel(), draws.mean(axis=0).ravel()]).tolist()


def naive_simulate(model, years: int, draws: int, seed: int):
    """The same Monte Carlo with the full draws x years x types x sectors array."""
    import numpy as np

    if model.effects:
        raise ValueError("the naive peer covers models without effect streams only")
    rng = np.random.default_rng(seed)
    nt = len(model.types)

    def lognormal(cv: float):
        if cv == 0:
            return np.ones((draws, nt))
        sigma = np.sqrt(np.log1p(cv**2))
        return np.exp(rng.standard_normal((draws, nt)) * sigma - sigma**2 / 2)

    inc = lognormal(model.incidence_cv)
    dur = np.maximum(model.mean_duration[None, :] * lognormal(model.duration_cv), 1.0)
    stay = 1.0 - 1.0 / dur
    cmult = lognormal(model.cost_cv)
    active = np.empty((draws, years, nt))
    prev = model.new_cases[0] * inc * dur
    for y in range(years):
        lam = model.new_cases[y] * inc
        new = rng.poisson(lam).astype(float) if model.poisson else lam
        prev = prev * stay + new
        active[:, y] = prev
    full = (active * cmult[:, None, :])[..., None] * model.annual_cost[None, None]
    return full.sum(axis=2)  # draws x years x sectors


def naive_bytes(draws: int, n_sectors: int = 8) -> int:
    """Bytes of the full draws x years x types x sectors float64 array."""
    return draws * YEARS * N_TYPES * n_sectors * 8


def worker_naive(draws: int) -> dict:
    """Time the naive numpy peer."""
    model = _model()
    out, t = timed(lambda: naive_simulate(model, YEARS, draws, SEED))
    return {"simulate_s": t, "full_array_mb": naive_bytes(draws, len(model.sectors)) / 2**20,
            "peak_mb": peak_rss_mb(), "checksum": _checksum(out)}


def _available_bytes() -> int:
    with open("/proc/meminfo") as f:
        info = dict(line.split(":", 1) for line in f)
    return int(info["MemAvailable"].split()[0]) * 1024


def main() -> None:
    """Run effekt and the naive peer and print one JSON line with the ratio."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=10_000)
    ap.add_argument("--worker", choices=["effekt", "naive"])
    args = ap.parse_args()
    if args.worker:
        fn = worker_effekt if args.worker == "effekt" else worker_naive
        print(json.dumps(fn(args.draws)))
        return
    eff = run_isolated(Path(__file__), "--worker", "effekt", "--draws", str(args.draws))
    row = {"draws": args.draws, "years": YEARS, "types": N_TYPES,
           **{f"effekt_{k}": v for k, v in eff.items() if k != "checksum"}}
    need = naive_bytes(args.draws)
    if 2 * need > _available_bytes():  # the array and one temporary of its size
        row["naive"] = (f"not run: the full array needs {need / 2**30:.1f} GB, "
                        f"{_available_bytes() / 2**30:.1f} GB available")
    else:
        nv = run_isolated(Path(__file__), "--worker", "naive", "--draws", str(args.draws))
        row.update({f"naive_{k}": v for k, v in nv.items() if k != "checksum"})
        if "simulate_s" in nv and "simulate_s" in eff:
            row["ratio_effekt_over_naive"] = eff["simulate_s"] / nv["simulate_s"]
            row["max_rel_diff"] = max(abs(a - b) / max(abs(b), 1.0) for a, b in zip(
                eff["checksum"], nv["checksum"], strict=True))
    print(json.dumps(row), flush=True)
    print(f"saved {save('budget_scale', [row])}")


if __name__ == "__main__":
    main()
