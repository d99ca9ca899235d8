"""Boundary checks of the estimators (issue 10): each bad input gets an effekt error, at once.

Each case names what was wrong before and asserts the message now: the argument or column,
the bad value or row, and what is allowed.
"""

import dataclasses
import re
import warnings

import numpy as np
import pandas as pd
import pytest

from effekt.errors import DataError, EffektWarning, NotEstimableError, SpecError
from effekt.estimators import (
    abadie_imbens,
    att_gt,
    did_2x2,
    event_study,
    match,
    matched_did,
    propensity,
    rct,
    twfe,
    weights,
)
from effekt.synthetic.examples import cross_section, staggered_panel, two_period


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EffektWarning)
        yield


@pytest.fixture
def cs():
    return cross_section(n=200, seed=1)


@pytest.fixture
def tp():
    return two_period(n_units=40)


@pytest.fixture
def sp():
    return staggered_panel(n_units=40, periods=4, cohorts=(3,), seed=2)


@pytest.fixture
def mp():
    return staggered_panel(n_units=120, periods=6, cohorts=(4,), seed=3, never_treated=0.6)


# -- a constant outcome is not estimable (before: SE 0 and a p-value from rounding noise) --

CONSTANT = r"outcome='y' is constant in .* \(every value is 3\): an effect on it and its " \
           r"standard error are not estimable"


def test_constant_outcome_two_period_and_panel(tp, sp, mp):
    with pytest.raises(NotEstimableError, match=CONSTANT):
        did_2x2(tp.assign(y=3.0), "y", "unit", "year", "treated", "post")
    with pytest.raises(NotEstimableError, match=CONSTANT):
        twfe(sp.assign(y=3.0), "y", "id", "t", "d")
    with pytest.raises(NotEstimableError, match=CONSTANT):
        event_study(sp.assign(y=3.0), "y", "id", "t", "g")
    with pytest.raises(NotEstimableError, match=CONSTANT):
        att_gt(staggered_panel(n_units=100, periods=5).assign(y=3.0), "y", "id", "t", "g")
    with pytest.raises(NotEstimableError, match=CONSTANT):
        matched_did(mp.assign(y=3.0), "y", "id", "t", "g", covariates=["x"],
                    match_outcome="none")


def test_constant_outcome_cross_section(cs):
    d = cs.assign(y=3.0)
    with pytest.raises(NotEstimableError, match=CONSTANT):
        rct(d, "y", "t")
    with pytest.raises(NotEstimableError, match=CONSTANT):
        match(d, "t", ["x"]).effect("y")
    with pytest.raises(NotEstimableError, match=CONSTANT):
        weights(d, "t", ["x"]).effect("y")
    with pytest.raises(NotEstimableError, match=CONSTANT):
        abadie_imbens(match(d, "t", ["x"], distance="ivar", replace=True), "y")


ZERO_SE = r"the standard error is 0 \(to rounding\): the outcome does not vary within the " \
          r"groups compared"


def test_outcome_constant_within_groups_gives_no_p_value(cs, tp, sp):
    # before: std_error 0 (or 1e-17), p-value 0 or rounding noise
    with pytest.raises(NotEstimableError, match="rct on 'y': " + ZERO_SE):
        rct(cs.assign(y=np.where(cs["t"] == 1, 5.0, 3.0)), "y", "t")
    cell = 1.0 + tp["treated"] + 2 * tp["post"] + 3 * tp["treated"] * tp["post"]
    with pytest.raises(NotEstimableError, match="did_2x2 on 'y': " + ZERO_SE):
        did_2x2(tp.assign(y=cell), "y", "unit", "year", "treated", "post")
    exact = sp["id"] * 0.5 + sp["t"] * 0.2 + 1.5 * sp["d"]  # unit + period effects + effect
    with pytest.raises(NotEstimableError, match="twfe on 'y': " + ZERO_SE):
        twfe(sp.assign(y=exact), "y", "id", "t", "d")
    with pytest.raises(NotEstimableError, match="event_study on 'y': " + ZERO_SE):
        event_study(sp.assign(y=exact), "y", "id", "t", "g")


def test_varying_outcome_still_estimated(cs):
    # one group constant, the other not: the standard error is positive, so estimated
    r = rct(cs.assign(y=np.where(cs["t"] == 1, cs["y"], 1.0)), "y", "t")
    assert (r.table["std_error"] > 0).all()


# -- level lies in (0, 1) (before: level=95 gave NaN intervals, level=0 zero-width ones) ---

LEVEL = r"level={} is not allowed; a confidence level lies strictly between 0 and 1 " \
        r"\(e\.g\. 0\.95 for 95% intervals\)"


@pytest.mark.parametrize("bad", [95, 0, 1, -0.5, float("nan"), "0.95", True])
def test_level_checked_by_every_estimator_taking_it(cs, mp, bad):
    shown = re.escape(repr(bad))
    with pytest.raises(SpecError, match=LEVEL.format(shown)):
        rct(cs, "y", "t", level=bad)
    with pytest.raises(SpecError, match=LEVEL.format(shown)):
        matched_did(mp, "y", "id", "t", "g", pre_periods=2, level=bad)
    m = match(cs, "t", ["x"], distance="ivar", replace=True)
    with pytest.raises(SpecError, match=LEVEL.format(shown)):
        abadie_imbens(m, "y", level=bad)


def test_level_checked_by_every_result(cs, tp, sp):
    results = [
        did_2x2(tp, "y", "unit", "year", "treated", "post"),
        twfe(sp, "y", "id", "t", "d"),
        event_study(sp, "y", "id", "t", "g"),
        rct(cs, "y", "t"),
        match(cs, "t", ["x"]).effect("y"),
    ]
    gt = att_gt(staggered_panel(n_units=100, periods=5), "y", "id", "t", "g")
    results += [gt, gt.aggregate("dynamic")]
    for r in results:
        with pytest.raises(SpecError, match=LEVEL.format("95")):
            dataclasses.replace(r, level=95)
        assert dataclasses.replace(r, level=0.9).level == 0.9


# -- at least two clusters, named (before: ZeroDivisionError or NaN standard errors) -------

ONE_CLUSTER = r"cluster='c': .* has 1 cluster \(every row is 'school'\); cluster-robust " \
              r"standard errors need at least 2 clusters"


def test_one_cluster_everywhere(cs, tp, sp, mp):
    with pytest.raises(NotEstimableError, match=ONE_CLUSTER):
        did_2x2(tp.assign(c="school"), "y", "unit", "year", "treated", "post", cluster="c")
    with pytest.raises(NotEstimableError, match=ONE_CLUSTER):
        twfe(sp.assign(c="school"), "y", "id", "t", "d", cluster="c")
    with pytest.raises(NotEstimableError, match=ONE_CLUSTER):
        event_study(sp.assign(c="school"), "y", "id", "t", "g", cluster="c")
    with pytest.raises(NotEstimableError, match=ONE_CLUSTER):  # before: NaN SEs, silently
        att_gt(staggered_panel(n_units=100, periods=5).assign(c="school"), "y", "id", "t", "g",
               cluster="c")
    with pytest.raises(NotEstimableError, match=ONE_CLUSTER):
        rct(cs.assign(c="school"), "y", "t", cluster="c")
    with pytest.raises(NotEstimableError, match=ONE_CLUSTER):
        matched_did(mp.assign(c="school"), "y", "id", "t", "g", pre_periods=2, cluster="c")
    with pytest.raises(NotEstimableError, match=ONE_CLUSTER):
        weights(cs.assign(c="school"), "t", ["x"]).effect("y", se="cluster", cluster="c")


# -- twfe / event_study: one period, no comparison (before: opaque linear-algebra errors) --


def test_single_period(sp):
    last = sp[sp["t"] == sp["t"].max()]
    message = r"time='t' has a single period \(4\): with one period the period effects " \
              r"absorb the treatment"
    with pytest.raises(NotEstimableError, match=message):
        twfe(last, "y", "id", "t", "d")
    with pytest.raises(NotEstimableError, match=message):
        event_study(last, "y", "id", "t", "g")


def test_no_never_treated_unit_gives_the_reason(sp):
    treated = sp[sp["g"] > 0]
    with pytest.raises(NotEstimableError, match=r"absorbed by .* every unit is treated, all "
                       r"from the same period, so there is no never-treated or not-yet-treated "
                       r"unit"):
        twfe(treated, "y", "id", "t", "d")
    with pytest.raises(NotEstimableError, match=r"there is no never-treated unit \(cohort 0 or "
                       r"missing in 'g'\); .* unless an end of the window is binned"):
        event_study(treated, "y", "id", "t", "g")
    with pytest.raises(NotEstimableError, match="no unit is ever treated"):
        twfe(sp.assign(d=0), "y", "id", "t", "d")


def test_leads_beyond_the_data_refused_at_once(sp):
    # before: a list of 10**9 event-time dummies was built first
    with pytest.raises(NotEstimableError, match=r"leads=1000000000 \(observed 2\) reach beyond "
                       r"the observed event times \(-2\.\.1\)"):
        event_study(sp, "y", "id", "t", "g", leads=10**9)


def test_zero_weight_unit_is_left_out(sp):
    # before: a unit whose every weight was 0 made the within transformation divide by 0
    w = np.where(sp["id"] == 0, 0.0, 1.0)
    r = twfe(sp.assign(w=w), "y", "id", "t", "d", weights="w")
    ref = twfe(sp[sp["id"] != 0], "y", "id", "t", "d")
    assert r.estimate == pytest.approx(ref.estimate, rel=1e-10)


# -- non-finite values (before: LinAlgError, ValueError or NaN estimates) -----------------

INFINITE = r"df: column 'x' has 1 infinite or too large value\(s\) \(row 0: inf\); values " \
           r"must be finite numbers of magnitude at most 1e\+150"


@pytest.mark.parametrize("fn", [propensity, match, weights])
def test_infinite_covariate(cs, fn):
    with pytest.raises(DataError, match=INFINITE):
        fn(cs.assign(x=np.where(cs.index == 0, np.inf, cs["x"])), "t", ["x"])


def test_infinite_covariate_entropy_balancing(cs):
    with pytest.raises(DataError, match=INFINITE):
        weights(cs.assign(x=np.where(cs.index == 0, np.inf, cs["x"])), "t", ["x"],
                method="entropy")


def test_non_finite_outcome_and_weights(tp, sp):
    huge = r"df: column 'y' has 1 infinite or too large value\(s\) \(row 3: 1e\+308\)"
    y = np.where(tp.index == 3, 1e308, tp["y"])
    with pytest.raises(DataError, match=huge):
        did_2x2(tp.assign(y=y), "y", "unit", "year", "treated", "post")
    with pytest.raises(DataError, match=r"column 'y' has 1 infinite .* \(row 3: -inf\)"):
        att_gt(staggered_panel(n_units=100, periods=5).assign(
            y=lambda d: np.where(d.index == 3, -np.inf, d["y"])), "y", "id", "t", "g")
    with pytest.raises(DataError, match=r"column 'w' has 1 infinite"):
        twfe(sp.assign(w=np.where(sp.index == 0, np.inf, 1.0)), "y", "id", "t", "d",
             weights="w")
    with pytest.raises(DataError, match=r"column 'y' has 50 infinite or too large value\(s\) "
                       r"\(row 0: inf; row 1: inf; row 2: inf\)"):
        rct(cross_section(n=50).assign(y=np.inf), "y", "t")


def test_bad_frames_and_names(tp, cs):
    dup = pd.concat([tp, tp[["y"]]], axis=1)
    with pytest.raises(DataError, match=r"df has several columns named 'y'; column names must "
                       r"be unique"):
        did_2x2(dup, "y", "unit", "year", "treated", "post")
    with pytest.raises(SpecError, match=r"outcome must name one column of df \(a string\), got "
                       r"\['y'\]"):
        did_2x2(tp, ["y"], "unit", "year", "treated", "post")
    with pytest.raises(SpecError, match=r"cohort is required: name a column of panel"):
        matched_did(staggered_panel(n_units=20), "y", "id", "t", None)
    with pytest.raises(SpecError, match=r"covariates must be a column name or a list of column "
                       r"names, got -1"):
        rct(cs, "y", "t", covariates=-1)
    with pytest.raises(DataError, match=r"time='year' mixes values of kinds \['int', 'str'\]"):
        twfe(tp.assign(year=tp["year"].astype(object).where(tp.index > 0, "2019"), d=0)
             .assign(d=lambda d: d["treated"] * d["post"]), "y", "unit", "year", "d")


# -- matching: the pool, the caliper, the seed -------------------------------------------


def test_ratio_larger_than_pool_warns_naming_the_shortfall(cs):
    small = pd.concat([cs[cs["t"] == 1].head(20), cs[cs["t"] == 0].head(5)])
    for method in ("nearest", "mahalanobis"):
        with pytest.warns(EffektWarning, match=r"only 5 control units for 20 treated units at "
                          r"ratio=6 without replacement; not all treated units will get 6 "
                          r"matches: 20 of the 20 treated units got fewer than 6 \(15 got "
                          r"none\)"):
            m = match(small, "t", ["x"], ratio=6, method=method)
        assert m.counts.loc["matched", "control"] == 5


def test_ratio_larger_than_an_exact_stratum_warns():
    # 65 controls for 20 treated overall, but 5 for 10 in stratum 'a' (before: no warning)
    rng = np.random.default_rng(0)
    d = pd.DataFrame({"g": ["a"] * 15 + ["b"] * 70, "t": [1] * 10 + [0] * 5 + [1] * 10 + [0] * 60,
                      "x": rng.normal(size=85)})
    with pytest.warns(EffektWarning, match=r"only 65 control units for 20 treated units at "
                      r"ratio=2 without replacement \(in some exact= strata\); not all treated "
                      r"units will get 2 matches: 10 of the 20 treated units got fewer than 2 "
                      r"\(5 got none\)"):
        match(d, "t", ["x"], ratio=2, exact="g")


@pytest.mark.parametrize("options", [{}, {"method": "mahalanobis"}, {"replace": True},
                                     {"method": "mahalanobis", "replace": True},
                                     {"exact": "g"}])
def test_caliper_that_leaves_no_pair_raises(cs, options):
    with pytest.raises(DataError, match=r"caliper=1e-12 .*leaves no matches: no treated unit "
                       r"has an eligible control unit"):
        match(cs, "t", ["x"], caliper=1e-12, **options)


def test_match_bad_arguments(cs):
    with pytest.raises(SpecError, match=r"seed must be an integer >= 0 or a "
                       r"numpy.random.Generator, got -1"):  # before: numpy ValueError
        match(cs, "t", ["x"], order="random", seed=-1)
    with pytest.raises(SpecError, match=r"caliper must be a finite number > 0, got '1'"):
        match(cs, "t", ["x"], caliper="1")  # before: TypeError from numpy
    with pytest.raises(DataError, match=r"df has duplicated index labels \(e\.g\. \[0\]\)"):
        match(pd.concat([cs, cs.head(1)]), "t", ["x"])
    with pytest.raises(SpecError, match=r"cutpoints\['x'\]=1000000000 bins; at most 10000"):
        match(cs, "t", ["x"], method="cem", cutpoints={"x": 10**9})
