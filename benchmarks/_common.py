"""Helpers shared by the benchmark scripts: timing, peak memory, result files."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """Run ``fn`` once; return its value and the wall time in seconds."""
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def run_isolated(
    script: Path, *args: str, python: str | None = None, timeout: float | None = None
) -> dict:
    """Run ``script`` in a fresh interpreter (so peak memory is its own) and parse its JSON.

    With ``timeout`` (seconds) the process is killed when it runs longer, and the result is
    ``{"error": "timeout after ... s", "timeout": True}``.
    """
    cmd = [python or sys.executable, str(script), *args]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False,
                              env=os.environ.copy(), timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout after {timeout:g} s", "timeout": True}
    if proc.returncode != 0:
        return {"error": proc.stderr.strip().splitlines()[-1] if proc.stderr else "failed"}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def save(name: str, rows: list[dict]) -> Path:
    """Write ``rows`` to benchmarks/results/<name>.json atomically and return the path."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{name}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(rows, indent=2))
    os.replace(tmp, path)
    return path
