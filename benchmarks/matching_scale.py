"""Benchmark: nearest-neighbour matching at 10k treated vs 1M controls (and Mahalanobis 1k/100k).

Run ``python benchmarks/matching_scale.py`` (``make bench`` runs it). Three cases, each timed
in a fresh process (its peak memory is its own):

- ``nn1``: 1:1 nearest neighbour on a logistic propensity score, without replacement, for
  10,000 treated vs 1,000,000 controls with 10 covariates;
- ``nn5r``: 5:1 with replacement on the same data;
- ``maha``: 1:1 on the Mahalanobis distance for 1,000 treated vs 100,000 controls.

effekt's ``match`` never builds a treated x control distance matrix (sorted scores with
binary search; a k-d tree on whitened covariates). The time of the balance table
(``MatchResult.balance()``) is reported separately, as is MatchIt's ``summary()``.
Peer: R MatchIt (``matchit(treat ~ x1 + ... + x10, method = "nearest", distance = "glm")``,
its ``ratio = 5, replace = TRUE`` variant and ``distance = "mahalanobis"``) on the same rows
in the same run, when ``Rscript`` with MatchIt is available (Debian: r-cran-matchit);
otherwise "R not available". Its pairs differ from effekt's in ties and order details, but
the work is the same, so the time is a fair peer: reported as the ratio effekt / MatchIt.

Target (issue): each case under 5 s and 2 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import peak_rss_mb, run_isolated, save, timed  # noqa: E402

SEED = 20261124
N_COV = 10
CACHE = Path(tempfile.gettempdir()) / "effekt-bench-matching"
CASES = {  # case -> (data set, match() keywords, MatchIt arguments)
    "nn1": ("big", {"distance": "logit"}, 'method = "nearest", distance = "glm"'),
    "nn5r": ("big", {"distance": "logit", "ratio": 5, "replace": True},
             'method = "nearest", distance = "glm", ratio = 5, replace = TRUE'),
    "maha": ("maha", {"method": "mahalanobis"}, 'method = "nearest", distance = "mahalanobis"'),
}

R_SCRIPT = r"""
args <- commandArgs(trailingOnly = TRUE)
suppressMessages(library(MatchIt))
d <- if (requireNamespace("data.table", quietly = TRUE)) {
  as.data.frame(data.table::fread(args[1]))
} else read.csv(args[1])
f <- as.formula(paste("treat ~", paste(grep("^x", names(d), value = TRUE), collapse = " + ")))
call <- paste0("matchit(f, data = d, ", args[2], ")")
t_match <- system.time(m <- eval(parse(text = call)))[["elapsed"]]
t_sum <- system.time(s <- summary(m))[["elapsed"]]
hwm <- grep("^VmHWM", readLines("/proc/self/status"), value = TRUE)
kb <- as.numeric(gsub("[^0-9]", "", hwm))
cat(sprintf(paste0('{"version": "%s", "match_s": %.4f, "summary_s": %.4f, "peak_mb": %.1f, ',
                   '"n_matched_treated": %d}\n'),
            as.character(packageVersion("MatchIt")), t_match, t_sum, kb / 1024,
            sum(m$treat == 1 & m$weights > 0)))
"""


def generate(n_treated: int, n_control: int, folder: Path) -> Path:
    """Write ``treat, x1..x10`` (treated shifted by 0.1-0.3 sd) to Parquet once; return it."""
    import numpy as np
    import pandas as pd

    path = folder / f"{n_treated}_{n_control}.parquet"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([SEED, n_treated, n_control])
    n = n_treated + n_control
    treat = np.zeros(n, dtype=np.int64)
    treat[rng.choice(n, n_treated, replace=False)] = 1
    shift = np.linspace(0.1, 0.3, N_COV)
    x = rng.normal(size=(n, N_COV)) + treat[:, None] * shift
    df = pd.DataFrame({"treat": treat, **{f"x{j + 1}": x[:, j] for j in range(N_COV)}})
    tmp = path.with_suffix(f".tmp{os.getpid()}")
    df.to_parquet(tmp, index=False)
    os.replace(tmp, path)
    return path


def as_csv(path: Path) -> Path:
    """A CSV copy of the Parquet file (for R), written once."""
    import pandas as pd

    out = path.with_suffix(".csv")
    if not out.exists():
        tmp = out.with_suffix(f".tmp{os.getpid()}")
        pd.read_parquet(path).to_csv(tmp, index=False, float_format="%.17g")
        os.replace(tmp, out)
    return out


def worker_effekt(case: str, path: Path) -> dict:
    """Time effekt's ``match`` for ``case`` and its balance table, on the rows in ``path``."""
    import pandas as pd

    from effekt.estimators import match

    df = pd.read_parquet(path)
    covs = [f"x{j + 1}" for j in range(N_COV)]
    m, t_match = timed(lambda: match(df, "treat", covs, **CASES[case][1]))
    _, t_bal = timed(m.balance)
    matched_treated = int(m.pairs["treated"].nunique())
    return {"match_s": t_match, "balance_s": t_bal, "n_pairs": len(m.pairs),
            "n_matched_treated": matched_treated, "peak_mb": peak_rss_mb()}


def r_available() -> tuple[str | None, str]:
    """Return (Rscript path or None, a note)."""
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None, "R not available (no Rscript on PATH)"
    proc = subprocess.run([rscript, "-e", 'cat(as.character(packageVersion("MatchIt")))'],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        return None, "R not available (MatchIt not installed)"
    return rscript, f"R MatchIt {proc.stdout.strip()}"


def main() -> None:
    """Run the three cases and print one JSON line per case and program."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--worker", choices=list(CASES))
    ap.add_argument("--data", type=Path)
    ap.add_argument("--treated", type=float, default=1e4)
    ap.add_argument("--controls", type=float, default=1e6)
    ap.add_argument("--maha-treated", type=float, default=1e3)
    ap.add_argument("--maha-controls", type=float, default=1e5)
    ap.add_argument("--r-timeout", type=float, default=300.0)
    ap.add_argument("--no-r", action="store_true", help="skip the MatchIt peer")
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker_effekt(args.worker, args.data)))
        return
    sizes = {"big": (int(args.treated), int(args.controls)),
             "maha": (int(args.maha_treated), int(args.maha_controls))}
    rscript, r_note = (None, "R skipped (--no-r)") if args.no_r else r_available()
    print(f"peer: {r_note}", flush=True)
    r_file = CACHE / "matchit_bench.R"
    if rscript:
        CACHE.mkdir(parents=True, exist_ok=True)
        r_file.write_text(R_SCRIPT)
    rows = []
    for case, (data, _, r_args) in CASES.items():
        n_t, n_c = sizes[data]
        path = generate(n_t, n_c, CACHE)
        eff = run_isolated(Path(__file__), "--worker", case, "--data", str(path))
        row = {"case": case, "treated": n_t, "controls": n_c, "covariates": N_COV,
               **{f"effekt_{k}": v for k, v in eff.items()}}
        if rscript:
            res = run_isolated(r_file, str(as_csv(path)), r_args, python=rscript,
                               timeout=args.r_timeout)
            row.update({f"matchit_{k}": v for k, v in res.items()})
            if "match_s" in res and "match_s" in eff:
                row["ratio_match_effekt_over_matchit"] = eff["match_s"] / res["match_s"]
                row["ratio_total_effekt_over_matchit"] = (
                    (eff["match_s"] + eff["balance_s"]) / (res["match_s"] + res["summary_s"]))
        else:
            row["matchit"] = r_note
        rows.append(row)
        print(json.dumps(row), flush=True)
    print(f"saved {save('matching_scale', rows)}")


if __name__ == "__main__":
    main()
