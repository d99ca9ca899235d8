"""Cost of randomization inference per assignment on a samhandling-like panel.

The synthetic municipality (``effekt.synthetic.generate(seed=1, scale=0.05)``) deals its 30
schools and kindergartens to four samhandling waves (2018-2021) and a never-treated fifth,
six each. The panel: the children and staff attached to those 30 providers, one row per
person and year 2016-2025 (balanced), outcome ``cost_total``, cluster ``provider_id``.
Prints the time per assignment of ``twfe``, ``event_study`` (fast, FWL re-estimation) and
``att_gt`` (a full refit per assignment), and the estimated cost of 10,000 assignments.

Run: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/randomization_cost.py``
"""

from __future__ import annotations

import dataclasses
import time
import warnings

import numpy as np

from effekt.data.panel import panel
from effekt.data.store import RecordStore
from effekt.errors import EffektWarning
from effekt.estimators import att_gt, event_study, twfe
from effekt.estimators.randomization import Refit
from effekt.synthetic import generate


def samhandling_panel():
    """The balanced person-year panel of the 30 samhandling providers."""
    m = generate(seed=1, scale=0.05)
    p = panel(RecordStore.from_frames(**m.tables), unit="person", period="year",
              outcomes={"school_absence_days": "mean"}, exposure="samhandling", balanced=True)
    p = p[p["provider_id"].between(1, 30)].copy()
    p["cohort"] = p["cohort"].astype(int)
    p["d"] = ((p["cohort"] > 0) & (p["period"] >= p["cohort"])).astype(int)
    return p


def per_assignment(fn, n):
    """Wall and CPU seconds per assignment (CPU: less sensitive to a loaded machine)."""
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn(n)
    return (time.perf_counter() - t0) / n, (time.process_time() - c0) / n, out


def main() -> None:
    p = samhandling_panel()
    print(f"panel: {len(p)} rows, {p['person_id'].nunique()} persons, "
          f"{p['provider_id'].nunique()} clusters, waves "
          f"{p.groupby('provider_id')['cohort'].first().value_counts().sort_index().to_dict()}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EffektWarning)
        kw = dict(outcome="cost_total", unit="person_id", time="period")
        tw = twfe(p, treatment="d", cluster="provider_id", **kw)
        es = event_study(p, cohort="cohort", cluster="provider_id", **kw)
        gkw = dict(cohort="cohort", cluster="provider_id", **kw)
        gt = att_gt(p, **gkw)
        if gt._refit is None:  # until att_gt keeps its call itself
            gt = dataclasses.replace(gt, _refit=Refit(att_gt, p, gkw))
        for name, fn, n in [
            ("twfe (FWL)", lambda n: tw.randomization_test(n_perm=n, seed=1), 10_000),
            ("event_study (FWL)", lambda n: es.randomization_test(n_perm=n, seed=1), 1_000),
            ("att_gt simple (full refit)",
             lambda n: gt.randomization_test("simple", n_perm=n, seed=1), 100),
            ("att_gt dynamic (full refit)",
             lambda n: gt.randomization_test("dynamic", n_perm=n, seed=1), 100),
        ]:
            sec, cpu, ri = per_assignment(fn, n)
            print(f"{name:28s}: {1e3 * sec:7.2f} ms wall, {1e3 * cpu:7.2f} ms CPU per "
                  f"assignment ({n} drawn); 10,000: {1e4 * sec:6.1f} s; p = {ri.p_value:.4f}")
    print(f"(distinct assignments: {ri.n_assignments:.3e})")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
