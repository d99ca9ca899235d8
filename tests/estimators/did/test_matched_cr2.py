"""matched_did(se="CR2") against clubSandwich, and what CR2 changes with few matched pairs.

The reference (tests/fixtures/matched_cr2, made by make_matched_cr2.R with clubSandwich
0.5.8) builds the long differences from the panel and effekt's stacked matched sample
itself and fits the pooled regression ``dy ~ 0 + es + es:treated``; its CR2 standard
errors and Satterthwaite df of each event-time estimate, and of their mean over e >= 0,
must equal effekt's to 1e-8 (relative).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from effekt.errors import SpecError
from effekt.estimators import matched_did
from effekt.synthetic.examples import staggered_panel

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "matched_cr2"


@pytest.fixture(scope="module")
def fitted():
    panel = pd.read_csv(FIX / "panel.csv")
    return matched_did(panel, "y", "id", "t", "g", pre_periods=3, se="CR2")


def test_same_matched_sample_as_the_fixture(fitted):
    stacked = pd.read_csv(FIX / "stacked.csv")
    pd.testing.assert_frame_equal(fitted.stacked.reset_index(drop=True), stacked,
                                  check_dtype=False)


def test_cr2_and_satterthwaite_df_equal_clubsandwich(fitted):
    ref = pd.read_csv(FIX / "matched_cr2_reference.csv").set_index("term")
    frame = fitted.to_frame().set_index("event_time")
    for e in frame.index:
        row = ref.loc[f"e{e}"]
        assert frame.loc[e, "estimate"] == pytest.approx(row["estimate"], rel=1e-10)
        assert frame.loc[e, "std_error"] == pytest.approx(row["std_error"], rel=1e-8)
        assert frame.loc[e, "df"] == pytest.approx(row["df"], rel=1e-8)
    est, se = fitted.average()
    row = ref.loc["average_post"]
    assert est == pytest.approx(row["estimate"], rel=1e-10)
    assert se == pytest.approx(row["std_error"], rel=1e-8)
    assert fitted.average_df() == pytest.approx(row["df"], rel=1e-8)


def test_event_times_seen_by_one_stack_get_that_stacks_df(fitted):
    """e = 3, 4 are observed in the first cohort's stack only (14 pairs): CR2 refers them
    to t(13), where CR1 takes every one of the 26 clusters, t(25)."""
    frame = fitted.to_frame().set_index("event_time")
    assert frame.loc[[3, 4], "df"].tolist() == pytest.approx([13.0, 13.0], rel=1e-8)
    cr1 = matched_did(pd.read_csv(FIX / "panel.csv"), "y", "id", "t", "g", pre_periods=3)
    assert cr1.df == cr1.n_clusters - 1 == 25
    assert (fitted.to_frame()["ci_upper"] - fitted.to_frame()["ci_lower"]
            > cr1.to_frame()["ci_upper"] - cr1.to_frame()["ci_lower"]).all()


def test_one_stack_of_pairs_cr2_is_cr1():
    """Every pair cluster has the same design (one treated, one control row per event
    time), so the CR2 adjustment is the scalar G/(G-1) and the df G - 1: CR2 and CR1 agree."""
    p = staggered_panel(n_units=60, periods=8, cohorts=(5,), effect=2.0, never_treated=0.6,
                        seed=2)
    a = matched_did(p, "y", "id", "t", "g", pre_periods=3)
    b = matched_did(p, "y", "id", "t", "g", pre_periods=3, se="CR2")
    np.testing.assert_allclose(b.std_error, a.std_error, rtol=1e-10)
    np.testing.assert_allclose(b.df, a.n_clusters - 1, rtol=1e-8)


def test_cr2_refuses_unequal_weights_and_unknown_se():
    p = staggered_panel(n_units=60, periods=8, cohorts=(5,), effect=2.0, never_treated=0.6,
                        seed=2)
    with pytest.raises(SpecError, match="equal matching weights"):
        matched_did(p, "y", "id", "t", "g", pre_periods=3, se="CR2", replace=True,
                    cluster="id", ratio=2)
    with pytest.raises(SpecError, match="se"):
        matched_did(p, "y", "id", "t", "g", se="HC2")
