"""ATT(g,t) from per-cohort sums equals the unit-by-unit computation.

A balanced panel without covariates and unclustered is estimated from per-cohort sums
(``effekt.estimators.did.cohort_sums``). Clustering on the unit itself gives the same
estimator computed unit by unit (the dense influence-function basis), so every estimate,
the Gram matrix and the bootstrap draws of the two must agree to rounding.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from effekt.estimators import att_gt
from effekt.estimators.did.cohort_sums import CohortBasis, CohortSums
from effekt.estimators.inference import InfluenceBasis
from effekt.synthetic.examples import staggered_panel


@pytest.fixture(scope="module")
def panel():
    df = staggered_panel(n_units=600, periods=6, effect=1.0, seed=3)
    rng = np.random.default_rng(0)
    w = rng.uniform(0.5, 2.0, df["id"].nunique())
    return df.assign(y=df["y"] * 1000 + 50_000, w=w[df["id"].to_numpy()])


CONFIGS = [
    {},
    {"control": "notyet"},
    {"base_period": "universal"},
    {"anticipation": 1},
    {"weights": "w"},
    {"control": "notyet", "weights": "w", "method": "reg", "base_period": "universal"},
    {"method": "ipw", "anticipation": 1, "control": "notyet"},
]


def _pair(df, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fast = att_gt(df, outcome="y", unit="id", time="t", cohort="g", **kw)
        dense = att_gt(df.assign(cl=df["id"]), outcome="y", unit="id", time="t", cohort="g",
                       cluster="cl", **kw)
    return fast, dense


@pytest.mark.parametrize("kw", CONFIGS, ids=lambda kw: ",".join(f"{k}={v}" for k, v in
                                                                 kw.items()) or "default")
def test_cohort_sums_equal_the_unit_by_unit_estimator(panel, kw):
    fast, dense = _pair(panel, **kw)
    assert isinstance(fast.basis, CohortBasis)
    assert isinstance(dense.basis, InfluenceBasis)
    np.testing.assert_allclose(fast.att, dense.att, rtol=1e-11, atol=1e-9)
    np.testing.assert_allclose(fast.std_error, dense.std_error, rtol=1e-9)
    np.testing.assert_allclose(fast.pg, dense.pg, rtol=1e-12)
    for kind in ("simple", "group", "dynamic", "calendar"):
        a, b = fast.aggregate(kind), dense.aggregate(kind)
        np.testing.assert_allclose(a.overall_att, b.overall_att, rtol=1e-11)
        np.testing.assert_allclose(a.overall_se, b.overall_se, rtol=1e-9)
        np.testing.assert_allclose(a.std_error, b.std_error, rtol=1e-9)


@pytest.mark.parametrize("weights", ["mammen", "rademacher", "webb"])
def test_the_draws_equal_the_dense_basis_draws(panel, weights):
    fast, _ = _pair(panel, weights="w")
    basis = fast.basis
    dense = basis.dense()
    np.testing.assert_allclose(basis.gram(), dense.gram(), rtol=1e-9, atol=1e-6)
    a = basis.draws(299, weights, seed=5)
    b = dense.draws(299, weights, seed=5)  # the same weights, unit for unit
    scale = np.abs(b).max(axis=0) + 1e-12
    assert np.max(np.abs(a - b) / scale) < 1e-4
    # the whole result: the bootstrap SEs equal those of the dense draws
    boot = fast.bootstrap(n_boot=299, weights=weights, seed=5)
    se = boot.aggregate("dynamic").std_error
    assert np.all(np.isfinite(se)) and np.all(se > 0)


def test_sums_accumulated_in_blocks_equal_one_pass():
    rng = np.random.default_rng(1)
    y = rng.normal(1e6, 10.0, size=(500, 4))
    k = rng.integers(0, 3, 500)
    w = rng.uniform(0.1, 3, 500)
    whole = CohortSums(np.array([2.0, 3.0, np.inf]), 4)
    whole.add(y, k, w)
    parts = CohortSums(np.array([2.0, 3.0, np.inf]), 4)
    for lo in range(0, 500, 77):
        parts.add(y[lo:lo + 77], k[lo:lo + 77], w[lo:lo + 77])
    np.testing.assert_allclose(parts.mean(), whole.mean(), rtol=1e-14)
    np.testing.assert_allclose(parts.wsum, whole.wsum, rtol=1e-13)
    # the second moments differ only by the shift s: undo it, sum w^2 Y Y'
    def raw(c):
        q, sh = c.q, c.shift
        yw, ww = q[:, :4, 4], q[:, 4, 4]
        return (q[:, :4, :4] + np.einsum("ka,kb->kab", sh, yw) + np.einsum("ka,kb->kab", yw, sh)
                + ww[:, None, None] * np.einsum("ka,kb->kab", sh, sh))
    np.testing.assert_allclose(raw(parts), raw(whole), rtol=1e-10)
    np.testing.assert_allclose(parts.q[:, 4:, 4:], whole.q[:, 4:, 4:], rtol=1e-12)


def test_a_cell_without_comparison_units_is_nan_as_before(panel):
    df = panel[panel["g"] != 0]  # no never treated: the last cohort is the comparison
    fast, dense = _pair(df, control="notyet")
    np.testing.assert_array_equal(np.isnan(fast.att), np.isnan(dense.att))
    np.testing.assert_allclose(fast.att, dense.att, rtol=1e-11, atol=1e-9)
    assert fast.notes == dense.notes
