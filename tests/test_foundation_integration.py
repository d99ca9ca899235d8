"""The synthetic municipality through the data model: planted effects come back exactly.

With ``noise=False`` the generator keeps unit fixed effects, common trends and the planted
effects only, so a 2x2 DiD of cohort g against the never-exposed units, between the base
period g - 1 and period t, on the panel that ``effekt.data.panel`` builds, must return the
truth table's ``effect_panel`` for (g, t) to rounding error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from effekt.data import RecordStore, panel
from effekt.estimators.did.classic import did_2x2
from effekt.synthetic import generate

CASES = [
    ("samhandling", "school_absence_days", "mean"),
    ("samhandling", "cost_barnevern", None),
    ("samhandling", "cost_oppvekst_skole", None),
    ("holf", "social_assistance_months", "mean"),
    ("holf", "leisure_participation", "mean"),
    ("holf", "cost_nav", None),
]


@pytest.fixture(scope="module")
def noiseless():
    m = generate(seed=11, scale=0.05, noise=False)
    return m, RecordStore.from_frames(**m.tables)


def _units(m, pilot: str) -> pd.Index:
    """Persons the generator defines as units of a pilot's cost outcomes (its docstring)."""
    persons = m.tables["persons"]
    if pilot == "holf":
        return pd.Index(persons["person_id"])
    providers = m.tables["providers"]
    school_like = providers.loc[
        providers["provider_type"].isin(["school", "kindergarten"]), "provider_id"
    ]
    return pd.Index(persons.loc[persons["provider_id"].isin(school_like), "person_id"])


def _by_hand(wide: pd.DataFrame, cohort: pd.Series, g: int, t: int) -> float:
    change = wide[t] - wide[g - 1]
    treated = change[cohort.reindex(change.index) == g].dropna()
    never = change[cohort.reindex(change.index) == 0].dropna()
    return float(treated.mean() - never.mean())


@pytest.mark.parametrize(("pilot", "outcome", "agg"), CASES)
def test_planted_effects_recovered_exactly(noiseless, pilot, outcome, agg):
    m, store = noiseless
    if outcome.startswith("cost_"):
        p = panel(store, unit="person", period="year", exposure=pilot)
    else:
        p = panel(store, unit="person", period="year", outcomes={outcome: agg}, exposure=pilot)
    p = p[p["person_id"].isin(_units(m, pilot))]
    wide = p.pivot(index="person_id", columns="period", values=outcome)
    cohort = p.groupby("person_id")["cohort"].first()
    truth = m.truth.query("pilot == @pilot and outcome == @outcome and unit_level == 'person'")
    truth = truth[truth["cohort"] > truth["period"].min()]
    assert len(truth) > 10
    got = [_by_hand(wide, cohort, int(r.cohort), int(r.period)) for r in truth.itertuples()]
    np.testing.assert_allclose(got, truth["effect_panel"].to_numpy(), rtol=0, atol=1e-9)
    # at least one planted effect is not zero, so the check has teeth
    assert np.abs(truth["effect_panel"]).max() > 0.01


# noise-free data: the residual variance is 0 up to rounding, so statsmodels' SE is NaN
@pytest.mark.filterwarnings("ignore:invalid value encountered in sqrt:RuntimeWarning")
def test_did_2x2_on_generated_panel_returns_planted_effect(noiseless):
    m, store = noiseless
    p = panel(store, unit="person", period="year",
              outcomes={"school_absence_days": "mean"}, exposure="samhandling")
    truth = m.truth.query(
        "pilot == 'samhandling' and outcome == 'school_absence_days' and unit_level == 'person'"
        " and event_time == 2"
    ).iloc[0]
    g, t = int(truth.cohort), int(truth.period)
    two = p[p["period"].isin([g - 1, t]) & p["cohort"].isin([0, g])].dropna(
        subset=["school_absence_days"]
    )
    both = two.groupby("person_id")["period"].transform("size") == 2
    two = two[both].assign(treated=lambda d: (d["cohort"] == g).astype(int),
                           post=lambda d: (d["period"] == t).astype(int))
    res = did_2x2(two, outcome="school_absence_days", unit="person_id", time="period",
                  treated="treated", post="post")
    assert res.to_frame()["estimate"].iloc[0] == pytest.approx(truth.effect_panel, abs=1e-9)
    assert truth.effect_panel < -0.5
