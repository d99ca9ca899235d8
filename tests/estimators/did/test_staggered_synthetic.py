"""Callaway-Sant'Anna on the synthetic municipality's samhandling rollout.

The committed municipality (synthetic_data/, seed 20190701, scale 0.25) rolls the
collaboration model out to schools and kindergartens in four waves with effects that
grow with time since the wave and differ between waves and providers. The outcome has
provider-by-year shocks, so inference clusters by provider (the unit of assignment).
The truth is the planted mean effect over the treated children of each (cohort, period).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from effekt.data import RecordStore, panel
from effekt.errors import EffektWarning
from effekt.estimators import att_gt, twfe
from effekt.synthetic import load

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def samhandling():
    m = load(REPO / "synthetic_data")
    store = RecordStore.from_frames(**m.tables)
    p = panel(store, unit="person", period="year", outcomes={"school_absence_days": "mean"},
              exposure="samhandling")
    p = p.dropna(subset=["school_absence_days"])
    truth = m.truth.query("pilot == 'samhandling' and outcome == 'school_absence_days'"
                          " and unit_level == 'person'")
    gt = att_gt(p, outcome="school_absence_days", unit="person_id", time="period",
                cohort="cohort", allow_unbalanced=True, cluster="provider_id")
    return p, truth, gt


def _dynamic_truth(truth: pd.DataFrame) -> pd.Series:
    """Planted effect by event time: cells pooled with their numbers of treated units."""
    w = truth.assign(w=truth["effect"] * truth["n_units"]).groupby("event_time")
    sums = w[["w", "n_units"]].sum()
    return sums["w"] / sums["n_units"]


def test_dynamic_aggregation_recovers_planted_effects(samhandling):
    _, truth, gt = samhandling
    dyn = gt.aggregate("dynamic").to_frame()
    post = dyn[dyn["event_time"] >= 0].copy()
    post["truth"] = post["event_time"].map(_dynamic_truth(truth))
    assert len(post) >= 6 and post["truth"].notna().all()
    z = (post["estimate"] - post["truth"]) / post["std_error"]
    assert np.abs(z).max() < 3, post.assign(z=z)
    # and the effects are real: every post-period truth is below -0.5 absence days
    assert (post["truth"] < -0.5).all()


def test_twfe_is_biased_where_effects_are_heterogeneous(samhandling):
    p, truth, gt = samhandling
    post = truth[truth["event_time"] >= 0]
    att = float(np.average(post["effect"], weights=post["n_units"]))
    simple = gt.aggregate("simple")
    assert abs(simple.overall_att - att) < 3 * simple.overall_se
    d = p.assign(treated=((p["cohort"] > 0) & (p["period"] >= p["cohort"])).astype(int))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = twfe(d, outcome="school_absence_days", unit="person_id", time="period",
                   treatment="treated", cluster="provider_id")
    assert any(issubclass(w.category, EffektWarning) and "att_gt" in str(w.message)
               for w in caught)
    est = res.to_frame()["estimate"].iloc[0]
    se = res.to_frame()["std_error"].iloc[0]
    # early waves gain most and effects grow over time: TWFE's forbidden comparisons
    # (already-treated units as controls) pull the estimate towards zero
    assert est - att > 3 * se
    assert abs(est - att) > 2 * abs(simple.overall_att - att)
