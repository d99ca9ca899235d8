"""Nearest-neighbour, exact and CEM matching against brute-force definitions."""

import numpy as np
import pandas as pd
import pytest

from effekt.errors import EffektWarning
from effekt.estimators.matching.match import match
from effekt.estimators.matching.nearest import (
    greedy_1d,
    mahalanobis_match,
    nearest_with_replacement,
    whiten,
)
from effekt.estimators.matching.strata import coarsen


def brute_greedy(ts, cs, order, ratio=1, caliper=np.inf):
    used = np.zeros(len(cs), bool)
    out, active = [], list(order)
    for _ in range(ratio):
        still = []
        for i in active:
            d = np.where(used, np.inf, np.abs(cs - ts[i]))
            j = int(np.argmin(d))  # first in data order among ties
            if np.isfinite(d[j]) and d[j] <= caliper:
                used[j] = True
                out.append((i, j))
                still.append(i)
        active = still
    return out


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("ratio", [1, 2])
def test_greedy_equals_brute_force_with_ties(seed, ratio):
    rng = np.random.default_rng(seed)
    ts = rng.integers(0, 30, 40).astype(float)  # many ties
    cs = rng.integers(0, 30, 120).astype(float)
    order = np.argsort(-ts, kind="stable")
    a, b, _ = greedy_1d(ts, cs, order, ratio)
    assert list(zip(a.tolist(), b.tolist(), strict=True)) == brute_greedy(ts, cs, order, ratio)


@pytest.mark.parametrize("seed", range(4))
def test_greedy_caliper_equals_brute_force(seed):
    rng = np.random.default_rng(seed)
    ts, cs = rng.normal(size=50), rng.normal(0.5, 1, size=80)
    order = np.arange(50)
    a, b, g = greedy_1d(ts, cs, order, 1, 0.05)
    assert list(zip(a.tolist(), b.tolist(), strict=True)) == brute_greedy(ts, cs, order, 1, 0.05)
    assert (g <= 0.05).all()


def test_with_replacement_takes_k_nearest():
    rng = np.random.default_rng(1)
    ts, cs = rng.normal(size=30), rng.normal(size=200)
    a, b, g = nearest_with_replacement(ts[:, None], cs[:, None], ratio=5, ties=False)
    for i in range(30):
        got = np.sort(np.abs(cs[b[a == i]] - ts[i]))
        want = np.sort(np.abs(cs - ts[i]))[:5]
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-15)
        np.testing.assert_allclose(np.sort(g[a == i]), want, rtol=0, atol=1e-15)


def brute_with_replacement(zt, zc, ratio, ties):
    """Every control as close as the ratio-th (squared), or the first ratio in data order."""
    out = []
    for i in range(len(zt)):
        d2 = ((zc - zt[i]) ** 2).sum(axis=1)
        dk = np.sort(d2)[ratio - 1]
        if ties:
            out += [(i, j) for j in np.flatnonzero(d2 <= dk + 1e-9)]
        else:
            closer = list(np.flatnonzero(d2 < dk - 1e-9))
            equal = list(np.flatnonzero(np.abs(d2 - dk) <= 1e-9))
            out += [(i, j) for j in sorted(closer + equal[: ratio - len(closer)])]
    return sorted(out)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("ratio", [1, 3])
@pytest.mark.parametrize("ties", [True, False])
def test_with_replacement_ties_equal_brute_force(seed, ratio, ties):
    rng = np.random.default_rng(seed)
    zt = rng.integers(0, 4, size=(25, 2)).astype(float)  # many exact ties
    zc = rng.integers(0, 4, size=(60, 2)).astype(float)
    a, b, g = nearest_with_replacement(zt, zc, ratio, ties=ties)
    got = sorted(zip(a.tolist(), b.tolist(), strict=True))
    assert got == brute_with_replacement(zt, zc, ratio, ties)
    np.testing.assert_allclose(g, np.sqrt(((zt[a] - zc[b]) ** 2).sum(axis=1)), atol=1e-12)
    counts = np.bincount(a, minlength=25)
    assert (counts == ratio).all() if not ties else (counts >= ratio).all()


def test_ties_are_equal_distances_up_to_rounding():
    # squared distances 1, 1 + 1e-12 (rounding: a tie), 1 + 5e-6 (a tie only within
    # R Matching's distance.tolerance of 1e-5, not here)
    zc = np.sqrt(np.array([1.0, 1 + 1e-12, 1 + 5e-6]))[:, None]
    _, b, _ = nearest_with_replacement(np.zeros((1, 1)), zc, 1, ties=True)
    assert b.tolist() == [0, 1]
    _, b, _ = nearest_with_replacement(np.zeros((1, 1)), zc[::-1], 1, ties=False)
    assert b.tolist() == [1]  # of the two equally close, the earlier in the data
    # distances equal in exact arithmetic but not in floating point: 30 and 32 from 31
    z = np.array([30.0, 32.0]) / 0.7
    _, b, _ = nearest_with_replacement(np.array([[31.0 / 0.7]]), z[:, None], 1)
    assert sorted(b.tolist()) == [0, 1]


def test_within_group_neighbours_exclude_the_unit():
    z = np.array([[0.0], [0.0], [0.0], [1.0], [3.0]])
    own, nbr, _ = nearest_with_replacement(z, z, 1, ties=False, exclude_self=True)
    assert list(zip(own.tolist(), nbr.tolist(), strict=True)) == [
        (0, 1), (1, 0), (2, 0), (3, 0), (4, 3)]
    own, nbr, _ = nearest_with_replacement(z, z, 1, ties=True, exclude_self=True)
    assert sorted(zip(own.tolist(), nbr.tolist(), strict=True)) == [
        (0, 1), (0, 2), (1, 0), (1, 2), (2, 0), (2, 1), (3, 0), (3, 1), (3, 2), (4, 3)]


def test_mahalanobis_equals_brute_force():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(260, 3)) @ np.array([[1, 0.5, 0], [0, 1, 0.3], [0, 0, 2]])
    t = np.r_[np.ones(60, int), np.zeros(200, int)]
    resid = X.copy()
    for g in (0, 1):
        resid[t == g] -= resid[t == g].mean(axis=0)
    vinv = np.linalg.inv(resid.T @ resid / (len(X) - 2))
    z = whiten(X, t)
    a, b, g = mahalanobis_match(z[t == 1], z[t == 0], np.arange(60), 1, False)
    xt, xc = X[t == 1], X[t == 0]
    used = np.zeros(200, bool)
    for i, j, gap in zip(a, b, g, strict=True):
        diff = xc - xt[i]
        d = np.sqrt(np.einsum("ij,jk,ik->i", diff, vinv, diff))
        d[used] = np.inf
        assert j == int(np.argmin(d))
        assert gap == pytest.approx(d[j], rel=1e-10)
        used[j] = True
    a2, b2, _ = nearest_with_replacement(z[t == 1], z[t == 0], 3)
    assert len(a2) == 180


def test_mahalanobis_without_replacement_takes_earliest_of_equal_controls():
    zc = np.array([[1.0, 0.0], [5.0, 5.0], [1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    zt = np.zeros((3, 2))
    a, b, _ = mahalanobis_match(zt, zc, np.arange(3))
    # four controls at distance 1; the earliest unused one each time
    assert b.tolist() == [0, 2, 3]


@pytest.fixture
def data():
    rng = np.random.default_rng(5)
    n = 600
    d = pd.DataFrame({"x": rng.normal(size=n), "z": rng.normal(size=n),
                      "g": rng.choice(["a", "b", "c"], n)})
    d["t"] = (rng.uniform(size=n) < 1 / (1 + np.exp(1.2 - d["x"]))).astype(int)
    d["y"] = 1.5 * d["t"] + d["x"] + rng.normal(size=n)
    return d


def test_ratio_weights_and_subclasses(data):
    m = match(data, "t", ["x", "z"], ratio=2)
    md = m.data
    assert (md.loc[md["t"] == 1, "weights"] == 1).all()
    sizes = md.groupby("subclass").size()
    assert set(sizes) <= {2, 3}
    np.testing.assert_allclose(md.loc[md["t"] == 0, "weights"].sum(), (md["t"] == 0).sum())


def test_replacement_weights_match_matchit_rule(data):
    m = match(data, "t", ["x"], ratio=3, replace=True)
    p = m.pairs
    k = p.groupby("treated").size()
    raw = (1 / p["treated"].map(k)).groupby(p["control"]).sum()
    raw *= len(raw) / raw.sum()
    md = m.data
    got = md.loc[md["t"] == 0, "weights"]
    np.testing.assert_allclose(got.sort_index(), raw.sort_index(), rtol=1e-12)
    assert md["subclass"].isna().all()
    res = m.effect("y", se="robust")
    assert res.ci[0] < 1.5 < res.ci[1]


def test_caliper_in_sd_units(data):
    ps = match(data, "t", ["x", "z"]).data["distance"]
    m = match(data, "t", ["x", "z"], caliper=0.05)
    full_sd = np.std(match(data, "t", ["x", "z"]).distance_values, ddof=1)
    assert (m.pairs["gap"] <= 0.05 * full_sd).all()
    assert m.counts.loc["unmatched", "treated"] > 0
    assert len(ps) > len(m.data)


def test_exact_within_strata(data):
    m = match(data, "t", ["x", "z"], exact="g")
    g = data["g"]
    assert (g.loc[m.pairs["treated"]].to_numpy() == g.loc[m.pairs["control"]].to_numpy()).all()


def test_discard_control(data):
    m = match(data, "t", ["x"], discard="control")
    ps, t = m.distance_values, data["t"]
    outside = (t == 0) & ((ps < ps[t == 1].min()) | (ps > ps[t == 1].max()))
    assert m.counts.loc["discarded", "control"] == outside.sum() > 0


def test_order_smallest_and_random(data):
    a = match(data, "t", ["x"], order="random", seed=1)
    b = match(data, "t", ["x"], order="random", seed=1)
    pd.testing.assert_frame_equal(a.pairs, b.pairs)
    s = match(data, "t", ["x"], order="smallest")
    first = s.pairs["treated"].iloc[0]
    treated_ps = s.distance_values[data["t"] == 1]
    assert treated_ps[first] == treated_ps.min()


def test_atc_swaps_roles(data):
    with pytest.warns(EffektWarning, match="only 173 treated units for 427 control units"):
        match(data, "t", ["x"], estimand="ATC")
    m = match(data, "t", ["x"], estimand="ATC", replace=True)
    assert m.counts.loc["matched", "control"] == (data["t"] == 0).sum()
    assert (data.loc[m.pairs["treated"], "t"] == 1).all()
    assert "controls (ATC)" in m.estimand


def test_mahalanobis_method(data):
    m = match(data, "t", ["x", "z"], method="mahalanobis")
    assert m.counts.loc["matched", "treated"] == data["t"].sum()
    assert "distance" not in m.data.columns
    assert "distance" not in m.balance().table.index


def test_two_way_cluster(data):
    d = data.assign(family=np.arange(len(data)) // 3)
    m = match(d, "t", ["x"])
    one = m.effect("y")
    two = m.effect("y", cluster="family")
    assert two.estimate == one.estimate
    assert two.std_error != one.std_error
    assert "subclass and family" in two.se_type


def test_exact_matching_weights(data):
    d = data.assign(b=(data["x"] > 0).astype(int))
    m = match(d, "t", ["g", "b"], method="exact")
    md = m.data
    for _, s in md.groupby("subclass"):
        nt, nc = (s["t"] == 1).sum(), (s["t"] == 0).sum()
        ratio = s.loc[s["t"] == 0, "weights"].iloc[0] / s.loc[s["t"] == 1, "weights"].iloc[0]
        scale = (md["t"] == 0).sum() / (md["t"] == 1).sum()
        assert ratio == pytest.approx(nt / nc * scale, rel=1e-12)
    tab = m.balance().table
    np.testing.assert_allclose(tab["smd_after"], 0, atol=1e-12)


def test_cem_sturges_and_cutpoints(data):
    codes = coarsen(data["x"])
    assert codes.max() + 1 == int(np.ceil(np.log2(len(data)) + 1))
    assert coarsen(pd.Series([0.0, 1.0, 2.5]), [1.0]).tolist() == [0, 0, 1]
    m = match(data, "t", ["x", "g"], method="cem")
    m2 = match(data, "t", ["x", "g"], method="cem", cutpoints={"x": 3})
    assert m2.counts.loc["matched", "treated"] >= m.counts.loc["matched", "treated"]
    ate = match(data, "t", ["x", "g"], method="cem", estimand="ATE")
    assert ate.effect("y").estimand.endswith("(ATE)")
