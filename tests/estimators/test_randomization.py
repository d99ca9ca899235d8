"""Randomization inference (effekt.estimators.randomization).

The exact p-values are checked against an independent brute-force loop written here: every
distinct assignment built with itertools, the estimator called in full on each, the
p-value counted by hand. The fast (Frisch-Waugh-Lovell) re-estimation is checked against
full re-estimation to 1e-9 (relative), the rounding of two least-squares routes.
"""

from __future__ import annotations

import dataclasses
import html
import itertools
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from effekt.errors import DataError, EffektWarning, NotEstimableError, SpecError
from effekt.estimators import att_gt, did_2x2, event_study, rct, twfe
from effekt.estimators.randomization import (
    RandomizationResult,
    count_assignments,
    draw_assignments,
    enumerate_assignments,
    permutation_p_value,
)
from effekt.results import EFFECT_COLUMNS

RTOL = 1e-9  # fast path vs full refit: two least-squares routes, rounding only


# ---------------------------------------------------------------------------------------
# data: clusters of several units, treatment or adoption assigned by cluster


def _two_by_two(n_clusters=8, n_treated=4, per=3, effect=0.0, seed=0, icc=1.0):
    rng = np.random.default_rng(seed)
    treated_cl = rng.permutation(n_clusters) < n_treated
    unit = np.arange(n_clusters * per)
    cl = unit // per
    shock = rng.normal(scale=icc, size=(n_clusters, 2))
    rows = []
    for post in (0, 1):
        y = (rng.normal(size=unit.size) + shock[cl, post] + 0.5 * treated_cl[cl]
             + effect * treated_cl[cl] * post)
        rows.append(pd.DataFrame({"unit": unit, "cl": cl, "year": 2019 + post, "post": post,
                                  "treated": treated_cl[cl].astype(int), "y": y}))
    df = pd.concat(rows, ignore_index=True)
    df["x"] = rng.normal(size=len(df))
    return df


def _staggered(waves=(0, 0, 3, 3, 4, 4), per=2, periods=5, effect=0.0, seed=0, icc=1.0):
    rng = np.random.default_rng(seed)
    waves = rng.permutation(np.asarray(waves))
    n_cl = waves.size
    n = n_cl * per
    cl = np.arange(n) // per
    df = pd.DataFrame({"id": np.repeat(np.arange(n), periods),
                       "t": np.tile(np.arange(1, periods + 1), n)})
    df["cl"] = np.repeat(cl, periods)
    df["g"] = waves[df["cl"]]
    df["d"] = ((df["g"] > 0) & (df["t"] >= df["g"])).astype(int)
    shock = rng.normal(scale=icc, size=(n_cl, periods))
    df["y"] = (np.repeat(rng.normal(size=n), periods) + 0.2 * df["t"]
               + shock[df["cl"], df["t"] - 1] + effect * df["d"] + rng.normal(size=len(df)))
    return df


def _cluster_assignments(waves):
    """Every distinct assignment of ``waves`` to clusters, by brute force (set of tuples)."""
    return sorted(set(itertools.permutations(waves)))


def _brute_p(observed, null):
    null = np.asarray(null)
    return float(np.mean(np.abs(null) >= abs(observed) * (1 - 1e-12)))


# ---------------------------------------------------------------------------------------
# the engine


@pytest.mark.parametrize("waves", [[0, 1, 1, 0, 1], [0, 0, 3, 3, 4, 4, 4], [2, 2, 2, 5]])
def test_enumeration_is_every_distinct_assignment(waves):
    got = enumerate_assignments(waves)
    expected = _cluster_assignments(waves)
    assert got.shape == (len(expected), len(waves)) == (count_assignments(waves), len(waves))
    assert sorted(map(tuple, got.tolist())) == expected
    assert tuple(waves) in set(map(tuple, got.tolist()))


def test_count_is_the_multinomial():
    assert count_assignments([0] * 15 + [1] * 15) == 155_117_520  # 30 choose 15
    assert count_assignments([0] * 6 + [1] * 6 + [2] * 6 + [3] * 6 + [4] * 6) == (
        np.prod(np.arange(1, 31, dtype=object)) // np.prod(np.arange(1, 7, dtype=object)) ** 5)


def test_draws_keep_the_waves_and_follow_the_seed():
    waves = np.array([0, 0, 0, 3, 3, 4])
    a = draw_assignments(waves, 500, seed=7)
    assert (np.sort(a, axis=1) == np.sort(waves)).all()
    np.testing.assert_array_equal(a, draw_assignments(waves, 500, seed=7))
    assert not np.array_equal(a, draw_assignments(waves, 500, seed=8))
    # every one of the 60 assignments turns up, about equally often
    counts = pd.Series(map(tuple, draw_assignments(waves, 60_000, seed=1).tolist())).value_counts()
    assert len(counts) == 60 and counts.min() > 800 and counts.max() < 1200


def test_p_value_formulas_and_ties():
    assert permutation_p_value(1.0, [1.0, -1.0, 0.5, 2.0], enumerated=True) == 0.75
    assert permutation_p_value(1.0, [0.5, 0.2, 3.0], enumerated=False) == 0.5
    # a tie up to rounding counts; a clearly smaller one does not
    assert permutation_p_value(1.0, [1.0 - 1e-14, 0.99], enumerated=True) == 0.5
    assert permutation_p_value(1.0, [np.nan, 2.0], enumerated=False) == 1.0


# ---------------------------------------------------------------------------------------
# exact p-values against a brute-force loop of full re-estimations


def test_did_2x2_exact_p_matches_brute_force():
    df = _two_by_two(n_clusters=8, n_treated=3, effect=1.5, seed=3)
    kw = dict(outcome="y", unit="unit", time="year", treated="treated", post="post",
              cluster="cl")
    res = did_2x2(df, **kw)
    ri = res.randomization_test(n_perm=10_000)
    waves = df.groupby("cl")["treated"].first().to_numpy()
    null = []
    for assign in _cluster_assignments(tuple(waves)):
        other = df.assign(treated=np.asarray(assign)[df["cl"]])
        null.append(did_2x2(other, **kw).estimate)
    assert ri.enumerated and ri.n_assignments == len(null) == 56
    np.testing.assert_allclose(np.sort(ri.null_distribution), np.sort(null), rtol=RTOL,
                               atol=1e-12)
    assert ri.p_value == _brute_p(res.estimate, null)
    assert ri.estimate == res.estimate


def test_did_2x2_with_covariates_and_weights_matches_full_refit():
    df = _two_by_two(n_clusters=7, n_treated=3, seed=4).assign(
        w=lambda d: 1 + (d["unit"] % 3))
    kw = dict(outcome="y", unit="unit", time="year", treated="treated", post="post",
              cluster="cl", covariates=["x"], weights="w")
    res = did_2x2(df, **kw)
    ri = res.randomization_test()
    waves = df.groupby("cl")["treated"].first().to_numpy()
    null = [did_2x2(df.assign(treated=np.asarray(a)[df["cl"]]), **kw).estimate
            for a in _cluster_assignments(tuple(waves))]
    np.testing.assert_allclose(np.sort(ri.null_distribution), np.sort(null), rtol=RTOL,
                               atol=1e-12)
    assert ri.p_value == _brute_p(res.estimate, null)


def test_twfe_exact_p_matches_brute_force_over_adoption_waves():
    df = _staggered(waves=(0, 0, 3, 3, 4, 4), effect=1.0, seed=5)
    kw = dict(outcome="y", unit="id", time="t", treatment="d", cluster="cl")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EffektWarning)
        res = twfe(df, **kw)
        waves = df.groupby("cl")["g"].first().to_numpy()
        null = []
        for assign in _cluster_assignments(tuple(waves)):
            g = np.asarray(assign)[df["cl"]]
            other = df.assign(d=((g > 0) & (df["t"] >= g)).astype(int))
            null.append(twfe(other, **kw).estimate)
    ri = res.randomization_test(n_perm=90)
    assert ri.enumerated and ri.n_assignments == len(null) == 90
    assert [n for _, n in ri.waves] == [2, 2, 2]
    np.testing.assert_allclose(np.sort(ri.null_distribution), np.sort(null), rtol=RTOL,
                               atol=1e-12)
    assert ri.p_value == _brute_p(res.estimate, null)


def test_twfe_unbalanced_weighted_fast_path_equals_full_refit():
    df = _staggered(waves=(0, 0, 0, 3, 3, 4, 4, 5), per=3, periods=6, seed=6)
    df = df.drop(index=df.sample(frac=0.15, random_state=1).index)  # unbalanced
    df["w"] = 1.0 + (df["id"] % 4)
    kw = dict(outcome="y", unit="id", time="t", treatment="d", cluster="cl", weights="w")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EffektWarning)
        res = twfe(df, **kw)
    ri = res.randomization_test(n_perm=40, seed=2)
    assert not ri.enumerated
    draws = draw_assignments(_adoption_codes(df), 40, seed=2)
    periods = np.sort(df["t"].unique())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EffektWarning)
        for i in range(8):
            first = np.append(periods, np.inf)[draws[i]]
            g = first[pd.factorize(df["cl"], sort=True)[0]]
            full = twfe(df.assign(d=(df["t"].to_numpy() >= g).astype(int)), **kw).estimate
            np.testing.assert_allclose(ri.null_distribution[i], full, rtol=RTOL)


def _adoption_codes(df):
    """Each cluster's first treated period as a position (len(periods) if never)."""
    periods = np.sort(df["t"].unique())
    first = df[df["d"] == 1].groupby("cl")["t"].min()
    codes = np.full(df["cl"].nunique(), len(periods))
    for c, t in first.items():
        codes[c] = np.searchsorted(periods, t)
    return codes


def test_event_study_exact_p_matches_brute_force():
    df = _staggered(waves=(0, 0, 3, 3, 4), per=2, periods=5, effect=1.0, seed=7)
    kw = dict(outcome="y", unit="id", time="t", cohort="g", cluster="cl")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EffektWarning)
        res = event_study(df, **kw)
        waves = df.groupby("cl")["g"].first().to_numpy()
        null_mean, null_e0 = [], []
        for assign in _cluster_assignments(tuple(waves)):
            other = event_study(df.assign(g=np.asarray(assign)[df["cl"]]), **kw).to_frame()
            post = other[(other["event_time"] >= 0) & ~other["reference"]]
            null_mean.append(post["estimate"].mean())
            null_e0.append(float(other.loc[other["event_time"] == 0, "estimate"].iloc[0]))
    ri = res.randomization_test()
    ri0 = res.randomization_test(event_time=0)
    assert ri.n_assignments == len(null_mean) == 30
    np.testing.assert_allclose(np.sort(ri.null_distribution), np.sort(null_mean), rtol=RTOL)
    np.testing.assert_allclose(np.sort(ri0.null_distribution), np.sort(null_e0), rtol=RTOL)
    frame = res.to_frame()
    observed = frame.loc[(frame["event_time"] >= 0) & ~frame["reference"], "estimate"].mean()
    assert ri.p_value == _brute_p(observed, null_mean)
    assert ri0.p_value == _brute_p(frame.loc[frame["event_time"] == 0, "estimate"].iloc[0],
                                   null_e0)


def test_rct_cluster_exact_p_and_lin_match_brute_force():
    rng = np.random.default_rng(8)
    cl = np.repeat(np.arange(9), 4)
    t_cl = rng.permutation(9) < 4
    df = pd.DataFrame({"cl": cl, "t": t_cl[cl].astype(int), "x": rng.normal(size=cl.size)})
    df["y"] = df["x"] + 0.8 * df["t"] + rng.normal(size=len(df))
    res = rct(df, "y", "t", covariates=["x"], cluster="cl")
    null_dm, null_lin = [], []
    for assign in _cluster_assignments(tuple(t_cl.astype(int))):
        other = rct(df.assign(t=np.asarray(assign)[df["cl"]]), "y", "t", covariates=["x"],
                    cluster="cl").table["estimate"]
        null_dm.append(other["difference_in_means"])
        null_lin.append(other["lin_ancova"])
    dm = res.randomization_test()
    lin = res.randomization_test(estimator="lin_ancova")
    assert dm.n_assignments == len(null_dm) == 126
    np.testing.assert_allclose(np.sort(dm.null_distribution), np.sort(null_dm), rtol=RTOL)
    np.testing.assert_allclose(np.sort(lin.null_distribution), np.sort(null_lin), rtol=RTOL)
    assert dm.p_value == _brute_p(res.table.loc["difference_in_means", "estimate"], null_dm)
    assert lin.p_value == _brute_p(res.table.loc["lin_ancova", "estimate"], null_lin)


def test_att_gt_exact_p_matches_brute_force():
    df = _staggered(waves=(0, 0, 3, 3, 4), per=3, periods=5, effect=1.0, seed=9)
    kw = dict(outcome="y", unit="id", time="t", cohort="g", cluster="cl")
    gt = att_gt(df, **kw)
    waves = df.groupby("cl")["g"].first().to_numpy()
    null = {"simple": [], "dynamic": []}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EffektWarning)
        for assign in _cluster_assignments(tuple(waves)):
            other = att_gt(df.assign(g=np.asarray(assign)[df["cl"]]), **kw)
            for kind in null:
                null[kind].append(other.aggregate(kind).overall_att)
    for kind, values in null.items():
        ri = gt.randomization_test(aggregation=kind)
        assert ri.enumerated and ri.n_assignments == len(values) == 30
        np.testing.assert_allclose(np.sort(ri.null_distribution), np.sort(values), rtol=RTOL)
        assert ri.p_value == _brute_p(gt.aggregate(kind).overall_att, values)


def test_att_gt_keeps_its_call():
    df = _staggered(waves=(0, 0, 3, 3, 4), per=3, periods=5, seed=9)
    gt = att_gt(df, outcome="y", unit="id", time="t", cohort="g", cluster="cl")
    assert gt.randomization_test(n_perm=30).n_assignments == 30


# ---------------------------------------------------------------------------------------
# the interval: constant effects not rejected, checked at its ends by brute force


def _brute_p_at(tau, df, fit, assign_column, assignments, treated_rows):
    """p-value of H0: effect tau, from scratch: impute Y(0) = Y - tau D, re-assign, refit."""
    y0 = df["y"] - tau * treated_rows(df)
    observed = fit(df) - tau
    hits = 0
    for a in assignments:
        other = assign_column(df, np.asarray(a))
        other = other.assign(y=y0 + tau * treated_rows(other))
        hits += abs(fit(other) - tau) >= abs(observed) * (1 - 1e-12)
    return hits / len(assignments)


def _check_ends(ri, p_at):
    alpha = 1 - ri.level
    assert ri.ci_lower < ri.estimate < ri.ci_upper and ri.ci_connected
    eps = 1e-6 * (ri.ci_upper - ri.ci_lower)
    assert p_at(ri.ci_lower - eps) <= alpha < p_at(ri.ci_lower + eps)
    assert p_at(ri.ci_upper + eps) <= alpha < p_at(ri.ci_upper - eps)


def test_did_2x2_interval_ends_match_brute_force():
    df = _two_by_two(n_clusters=7, n_treated=3, effect=2.0, seed=12)
    kw = dict(outcome="y", unit="unit", time="year", treated="treated", post="post",
              cluster="cl")
    ri = did_2x2(df, **kw).randomization_test(level=0.85)
    assignments = _cluster_assignments(tuple(df.groupby("cl")["treated"].first()))

    def p_at(tau):
        return _brute_p_at(tau, df, lambda d: did_2x2(d, **kw).estimate,
                           lambda d, a: d.assign(treated=a[d["cl"]]), assignments,
                           lambda d: d["treated"] * d["post"])

    _check_ends(ri, p_at)


def test_twfe_and_rct_interval_ends_match_brute_force():
    df = _staggered(waves=(0, 0, 3, 4, 4), per=2, periods=5, effect=1.5, seed=13)
    kw = dict(outcome="y", unit="id", time="t", treatment="d", cluster="cl")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EffektWarning)
        ri = twfe(df, **kw).randomization_test(level=0.85)
        assignments = _cluster_assignments(tuple(df.groupby("cl")["g"].first()))

        def adopt(d, a):
            g = a[d["cl"]]
            return d.assign(d=((g > 0) & (d["t"] >= g)).astype(int))

        _check_ends(ri, lambda tau: _brute_p_at(tau, df, lambda d: twfe(d, **kw).estimate,
                                                adopt, assignments, lambda d: d["d"]))
    rng = np.random.default_rng(14)
    cl = np.repeat(np.arange(8), 3)
    people = pd.DataFrame({"cl": cl, "t": (rng.permutation(8) < 3)[cl].astype(int),
                           "x": rng.normal(size=cl.size)})
    people["y"] = people["x"] + 1.0 * people["t"] + rng.normal(size=cl.size)
    fit = rct(people, "y", "t", covariates=["x"], cluster="cl")
    ri = fit.randomization_test(estimator="lin_ancova", level=0.85)
    assignments = _cluster_assignments(tuple(people.groupby("cl")["t"].first()))

    def lin(d):
        return rct(d, "y", "t", covariates=["x"], cluster="cl").table.loc["lin_ancova",
                                                                           "estimate"]

    _check_ends(ri, lambda tau: _brute_p_at(tau, people, lin,
                                            lambda d, a: d.assign(t=a[d["cl"]]),
                                            assignments, lambda d: d["t"]))


def test_event_study_interval_and_att_gt_without_one():
    df = _staggered(waves=(0, 0, 3, 3, 4), per=3, periods=5, effect=1.0, seed=9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EffektWarning)
        es = event_study(df, outcome="y", unit="id", time="t", cohort="g", cluster="cl")
        ri = es.randomization_test(event_time=0)
        assert ri.ci_lower <= ri.estimate <= ri.ci_upper
        kw = dict(outcome="y", unit="id", time="t", cohort="g", cluster="cl")
        gt = att_gt(df, **kw).randomization_test()
    assert np.isnan(gt.ci_lower) and np.isnan(gt.ci_upper)
    assert "not computed" in gt.summary()


# ---------------------------------------------------------------------------------------
# seeds, draws, enumeration


def test_enumeration_does_not_depend_on_the_seed():
    df = _two_by_two(n_clusters=10, n_treated=5, effect=1.0, seed=1)
    res = did_2x2(df, outcome="y", unit="unit", time="year", treated="treated", post="post",
                  cluster="cl")
    a, b = res.randomization_test(seed=1), res.randomization_test(seed=99)
    assert a.enumerated and a.n_assignments == 252
    assert a.p_value == b.p_value
    np.testing.assert_array_equal(a.null_distribution, b.null_distribution)


def test_draws_same_seed_same_numbers():
    df = _two_by_two(n_clusters=16, n_treated=8, effect=0.5, seed=2)
    res = did_2x2(df, outcome="y", unit="unit", time="year", treated="treated", post="post",
                  cluster="cl")
    a = res.randomization_test(n_perm=999, seed=5)
    b = res.randomization_test(n_perm=999, seed=5)
    c = res.randomization_test(n_perm=999, seed=6)
    assert not a.enumerated and a.n_assignments == 12_870 and a.n_draws == 999
    np.testing.assert_array_equal(a.null_distribution, b.null_distribution)
    assert a.p_value == b.p_value
    assert not np.array_equal(a.null_distribution, c.null_distribution)
    hits = np.sum(np.abs(a.null_distribution) >= abs(a.estimate) * (1 - 1e-12))
    assert a.p_value == (1 + hits) / 1000
    # draws and the exact p-value agree to Monte Carlo error (3 binomial SEs)
    exact = res.randomization_test(n_perm=20_000)
    assert exact.enumerated
    assert abs(a.p_value - exact.p_value) < 3 * np.sqrt(exact.p_value * (1 - exact.p_value)
                                                        / 999) + 1e-3


# ---------------------------------------------------------------------------------------
# errors


def test_treatment_varying_within_cluster_is_a_data_error():
    df = _two_by_two(n_clusters=8, n_treated=4, seed=0)
    df.loc[df["unit"] == 0, "treated"] = 1 - df.loc[df["unit"] == 0, "treated"]
    res = did_2x2(df, outcome="y", unit="unit", time="year", treated="treated", post="post",
                  cluster="cl")
    with pytest.raises(DataError, match="treated='treated' varies within 1 cluster"):
        res.randomization_test()


def test_twfe_treatment_not_absorbing_or_not_by_cluster_is_a_data_error():
    df = _staggered(waves=(0, 0, 3, 3, 4, 4), seed=1)
    kw = dict(outcome="y", unit="id", time="t", treatment="d", cluster="cl")
    switch_off = df.copy()
    switch_off.loc[(switch_off["g"] == 3) & (switch_off["t"] == 5), "d"] = 0
    one_unit = df.copy()
    first = one_unit.loc[one_unit["g"] == 4, "id"].min()
    one_unit.loc[(one_unit["id"] == first) & (one_unit["t"] == 3), "d"] = 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EffektWarning)
        for bad in (switch_off, one_unit):
            with pytest.raises(DataError, match="not an absorbing treatment assigned by clus"):
                twfe(bad, **kw).randomization_test()


def test_cohort_varying_within_cluster_is_a_data_error():
    df = _staggered(waves=(0, 0, 3, 3, 4), per=2, seed=2)
    df["cl2"] = df["cl"] // 2  # pairs of clusters with different cohorts
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EffektWarning)
        es = event_study(df, outcome="y", unit="id", time="t", cohort="g", cluster="cl2")
        kw = dict(outcome="y", unit="id", time="t", cohort="g", cluster="cl2")
        gt = att_gt(df, **kw)
    for res in (es, gt):
        with pytest.raises(DataError, match="cohort='g' varies within"):
            res.randomization_test()


def test_changed_data_bad_arguments_and_missing_call_are_errors():
    df = _two_by_two(n_clusters=8, n_treated=4, seed=0)
    res = did_2x2(df, outcome="y", unit="unit", time="year", treated="treated", post="post",
                  cluster="cl")
    with pytest.raises(SpecError, match="n_perm must be an integer >= 1"):
        res.randomization_test(n_perm=0)
    with pytest.raises(SpecError, match="seed"):
        res.randomization_test(n_perm=10, seed=-1)
    with pytest.raises(NotEstimableError, match="does not carry the data"):
        dataclasses.replace(res, _refit=None).randomization_test()
    df.loc[0, "y"] += 10.0  # the caller changes the data after estimation
    with pytest.raises(DataError, match="DataFrame was changed after estimation"):
        res.randomization_test()
    rct_res = rct(df.assign(t=df["treated"]), "y", "t", cluster="cl")
    with pytest.raises(SpecError, match="estimator='lin_ancova' is not in this result"):
        rct_res.randomization_test(estimator="lin_ancova")


# ---------------------------------------------------------------------------------------
# the results protocol


def test_result_follows_the_protocol_and_plots_a_figure():
    df = _two_by_two(n_clusters=10, n_treated=5, effect=2.0, seed=1)
    ri = did_2x2(df, outcome="y", unit="unit", time="year", treated="treated", post="post",
                 cluster="cl").randomization_test()
    assert isinstance(ri, RandomizationResult)
    frame = ri.to_frame()
    assert list(frame.columns[:6]) == ["term", *EFFECT_COLUMNS]
    assert frame["p_value"].iloc[0] == ri.p_value and np.isnan(frame["std_error"].iloc[0])
    assert frame["ci_lower"].iloc[0] < ri.estimate < frame["ci_upper"].iloc[0]
    assert frame["null_sd"].iloc[0] == pytest.approx(np.std(ri.null_distribution, ddof=1))
    assert ri.vcov.shape == (1, 1) and np.isnan(ri.vcov.iloc[0, 0])
    assert ri.vcov.index.tolist() == ["treated:post"]
    text = ri.summary()
    assert text == str(ri) == repr(ri) and html.escape(text) in ri._repr_html_()
    assert "p-value" in text and "all 252 distinct assignments enumerated" in text
    assert "comparison: 5; treated: 5" in text
    assert "sharp null" in ri.inference and len(ri.estimand) > 10
    assert ri.outcome == "y" and ri.nobs == len(df)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ri.p_value = 0.5
    fig = ri.plot()
    assert isinstance(fig, Figure) and fig.axes[0].patches  # the histogram's bars
    plt.close(fig)
    fig, ax = plt.subplots()
    assert ri.plot(ax=ax) is fig
    plt.close(fig)


# ---------------------------------------------------------------------------------------
# size under the sharp null, power against a large effect


def _rejections(effect, n_sim, seed, coverage=False):
    """Share of p <= 0.05 (randomization test, 199 draws) and of the CR1 t-test.

    With ``coverage=True``, the share of randomization intervals covering ``effect``.
    """
    ri_rej, t_rej, cover = 0, 0, 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EffektWarning)
        for s in range(n_sim):
            df = _staggered(waves=(0,) * 6 + (4,) * 3 + (6,) * 3, per=3, periods=8,
                            effect=effect, seed=seed + s, icc=1.5)
            res = twfe(df, outcome="y", unit="id", time="t", treatment="d", cluster="cl")
            ri = res.randomization_test(n_perm=199, seed=s)
            ri_rej += ri.p_value <= 0.05
            t_rej += res.p_value <= 0.05
            cover += ri.ci_lower <= effect <= ri.ci_upper
    return (cover / n_sim) if coverage else (ri_rej / n_sim, t_rej / n_sim)


@pytest.mark.slow
def test_size_under_the_sharp_null():
    size, _ = _rejections(effect=0.0, n_sim=1000, seed=10_000)
    # exact by construction: P(p <= 0.05) = 10/200; 1000 simulations, 3 binomial SEs
    assert abs(size - 0.05) < 3 * np.sqrt(0.05 * 0.95 / 1000)


@pytest.mark.slow
def test_interval_covers_a_constant_effect():
    cover = _rejections(effect=1.0, n_sim=500, seed=40_000, coverage=True)
    # exact by construction: P(p(tau_true) > 0.05) = 190/200; 500 simulations, 3 SEs
    assert abs(cover - 0.95) < 3 * np.sqrt(0.05 * 0.95 / 500)


def test_exact_test_rejects_exactly_alpha_of_the_assignments():
    """Conditional size: under the sharp null, whatever the data, the share of assignments
    that would be rejected at 5 % is floor(0.05 N) / N (3 of 14 clusters treated, half the
    clusters far noisier: 364 assignments, 18 rejected)."""
    for seed in range(5):
        df = _two_by_two(n_clusters=14, n_treated=3, per=4, seed=seed)
        noisy = df["cl"] < 7
        df.loc[noisy, "y"] += np.random.default_rng(seed).normal(scale=3.0, size=noisy.sum())
        ri = did_2x2(df, outcome="y", unit="unit", time="year", treated="treated",
                     post="post", cluster="cl").randomization_test()
        null = ri.null_distribution
        p_each = [permutation_p_value(v, null, enumerated=True) for v in null]
        assert ri.n_assignments == 364 and sum(p <= 0.05 for p in p_each) == 18


def test_power_against_a_large_effect():
    power, _ = _rejections(effect=3.0, n_sim=20, seed=20_000)
    assert power == 1.0
