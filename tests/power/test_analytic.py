"""Analytic MDEs: Bloom (1995, 2005) and Hussey & Hughes (2007), against references."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from effekt.errors import SpecError
from effekt.power import (
    mde_2x2,
    mde_cluster_randomised,
    mde_from_se,
    mde_individually_randomised,
    mde_multiplier,
    mde_stepped_wedge,
    power_from_se,
    stepped_wedge_design,
    stepped_wedge_variance,
)
from effekt.study import minimum_detectable_effect

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "power"


# --- the multiplier and the MDE of a standard error ---------------------------------------

def test_multiplier_is_the_sum_of_two_quantiles():
    assert mde_multiplier() == pytest.approx(stats.norm.ppf(0.975) + stats.norm.ppf(0.8),
                                             abs=1e-12)
    assert mde_multiplier(df=18) == pytest.approx(stats.t.ppf(0.975, 18) + stats.t.ppf(0.8, 18),
                                                  abs=1e-12)
    assert mde_multiplier(alpha=0.01, power=0.9, df=7) == pytest.approx(
        stats.t.ppf(0.995, 7) + stats.t.ppf(0.9, 7), abs=1e-12)
    # Bloom (1995): 2.8 standard errors at the 5 % level and 80 % power
    assert round(mde_multiplier(), 2) == 2.80


def test_power_from_se_inverts_mde_from_se():
    for df in (None, 5, 40.5):
        mde = mde_from_se(0.37, df=df, alpha=0.1, power=0.9)
        assert power_from_se(mde, 0.37, df=df, alpha=0.1) == pytest.approx(0.9, abs=1e-12)
        assert power_from_se(-mde, 0.37, df=df, alpha=0.1) == pytest.approx(0.9, abs=1e-12)


def test_study_mde_delegates_to_power_and_uses_t_with_df():
    assert minimum_detectable_effect(1.3) == pytest.approx(mde_from_se(1.3), abs=1e-15)
    assert minimum_detectable_effect(1.3) == pytest.approx(2.8016 * 1.3, abs=1e-3)
    with_df = minimum_detectable_effect(1.3, df=9)
    assert with_df == pytest.approx((stats.t.ppf(0.975, 9) + stats.t.ppf(0.8, 9)) * 1.3,
                                    abs=1e-12)
    assert with_df > minimum_detectable_effect(1.3)


# --- individually randomised: R's pwr and Cohen's table ----------------------------------

def test_individual_mde_against_r_pwr():
    ref = pd.read_csv(FIXTURES / "pwr_reference.csv")
    bloom = np.array([mde_individually_randomised(2 * int(n), alpha=a, power=p)
                      for n, a, p in zip(ref["n_per_group"], ref["alpha"], ref["power"],
                                         strict=True)])
    rel = np.abs(bloom / ref["d"].to_numpy() - 1)
    # measured size of Bloom's approximation to the exact noncentral t (PROVENANCE.txt):
    # < 0.06 % at the 5 % level from 10 per group; < 0.6 % from 20 per group at any level;
    # up to 3.5 % with 5 per group at the 1 % level
    at5 = (ref["alpha"] == 0.05) & (ref["n_per_group"] >= 10)
    assert rel[at5.to_numpy()].max() < 6e-4
    assert rel[(ref["n_per_group"] >= 20).to_numpy()].max() < 6e-3
    assert rel.max() < 0.04


def test_individual_mde_against_cohens_table():
    # Cohen (1988), Table 2.4.1: two-sided 5 %, 80 % power: d = 0.8, 0.5, 0.2 need 26, 64
    # and 393 per group (n rounded to whole units, hence the 1 % tolerance)
    for d, n in ((0.8, 26), (0.5, 64), (0.2, 393)):
        assert mde_individually_randomised(2 * n) == pytest.approx(d, rel=0.01)


def test_individual_mde_covariates_and_share():
    base = mde_individually_randomised(200)
    assert mde_individually_randomised(200, r2=0.5) == pytest.approx(
        base * np.sqrt(0.5) * mde_multiplier(df=198) / mde_multiplier(df=198), rel=1e-12)
    # fewer degrees of freedom with covariates: the multiplier grows
    assert mde_individually_randomised(200, r2=0.5, n_covariates=3) > \
        mde_individually_randomised(200, r2=0.5)
    # an unequal split costs precision: 1/sqrt(P(1-P))
    assert mde_individually_randomised(200, share_treated=0.2) / base == pytest.approx(
        np.sqrt(0.25 / 0.16), rel=1e-12)


# --- cluster randomised ---------------------------------------------------------------------

def test_cluster_mde_is_bloom_2005_formula():
    j, n, rho = 24, 15, 0.08
    got = mde_cluster_randomised(j, n, rho, share_treated=1 / 3, r2_cluster=0.4,
                                 r2_individual=0.2, n_covariates=1)
    p = 1 / 3
    se = np.sqrt(rho * 0.6 / (p * (1 - p) * j) + (1 - rho) * 0.8 / (p * (1 - p) * j * n))
    m = stats.t.ppf(0.975, j - 3) + stats.t.ppf(0.8, j - 3)
    assert got == pytest.approx(m * se, rel=1e-12)


def test_cluster_mde_is_individual_mde_times_root_design_effect():
    j, n, rho = 30, 12, 0.1
    df = j - 2
    indiv = mde_from_se(np.sqrt(1 / (0.25 * j * n)), df=df)
    assert mde_cluster_randomised(j, n, rho) / indiv == pytest.approx(
        np.sqrt(1 + (n - 1) * rho), rel=1e-12)
    # ICC 0 and clusters of one: the individually randomised design (same df)
    assert mde_cluster_randomised(100, 1, 0.0) == pytest.approx(
        mde_individually_randomised(100), rel=1e-12)


def test_cluster_mde_df_argument():
    assert mde_cluster_randomised(20, 10, 0.1, df=1e9) == pytest.approx(
        mde_from_se(np.sqrt((0.1 + 0.9 / 10) / 5)), rel=1e-6)


# --- the 2x2 difference in differences ------------------------------------------------------

def test_2x2_mde_variance_components():
    g, n = 30, 5
    got = mde_2x2(g, n, pre_periods=2, post_periods=3, icc=0.2, cluster_period_share=0.05,
                  unit_share=0.3, share_treated=0.4)
    var = (0.05 + 0.45 / n) * (1 / 2 + 1 / 3) / (0.4 * 0.6 * g)
    assert got == pytest.approx(mde_multiplier(df=g - 2) * np.sqrt(var), rel=1e-12)
    # repeated cross-sections: the unit effect no longer cancels
    cross = mde_2x2(g, n, pre_periods=2, post_periods=3, icc=0.2, cluster_period_share=0.05,
                    unit_share=0.3, share_treated=0.4, panel=False)
    var_cross = (0.05 + 0.75 / n) * (1 / 2 + 1 / 3) / (0.4 * 0.6 * g)
    assert cross == pytest.approx(mde_multiplier(df=g - 2) * np.sqrt(var_cross), rel=1e-12)


def test_2x2_mde_matches_the_ols_variance_of_did_2x2():
    # the exact OLS variance of the treated:post coefficient in a balanced design with
    # only idiosyncratic noise (v_e = 1): sigma^2 (X'X)^-1 on the pooled rows
    g, n, t0, t1 = 10, 3, 2, 2
    rows = []
    for c in range(g):
        for _ in range(n):
            for t in range(t0 + t1):
                tr, post = int(c < g // 2), int(t >= t0)
                rows.append([1, tr, post, tr * post])
    x = np.array(rows, dtype=float)
    ols = np.linalg.inv(x.T @ x)[3, 3]
    # a unit's own effect cancels; compare with repeated cross-sections and no unit effect
    assert mde_2x2(g, n, pre_periods=t0, post_periods=t1) == pytest.approx(
        mde_multiplier(df=g - 2) * np.sqrt(ols), rel=1e-12)


# --- stepped wedge: Hussey & Hughes (2007) ------------------------------------------------

def _gls_variance(x, m, icc, sd=1.0):
    """Var(theta) of GLS on cluster-period means, by brute force (period effects + theta)."""
    n_i, n_t = x.shape
    tau2, s2 = icc * sd**2, (1 - icc) * sd**2 / m
    vinv = np.linalg.inv(s2 * np.eye(n_t) + tau2 * np.ones((n_t, n_t)))
    info = sum(np.column_stack([np.eye(n_t), x[i]]).T @ vinv
               @ np.column_stack([np.eye(n_t), x[i]]) for i in range(n_i))
    return np.linalg.inv(info)[-1, -1]


def _fe_variance(x, m, icc, sd=1.0):
    """Var(theta) of OLS with cluster and period dummies, by brute force."""
    n_i, n_t = x.shape
    s2 = (1 - icc) * sd**2 / m
    z = []
    for i in range(n_i):
        for t in range(n_t):
            row = np.zeros(n_i + n_t)
            row[i] = 1
            if t > 0:
                row[n_i + t - 1] = 1
            row[-1] = x[i, t]
            z.append(row)
    z = np.array(z)
    return s2 * np.linalg.inv(z.T @ z)[-1, -1]


DESIGNS = {
    "sw_12x4": stepped_wedge_design(12, 4),
    "sw_7x3_two_baselines": stepped_wedge_design(7, 3, baseline_periods=2),
    "random_9x5": np.random.default_rng(0).integers(0, 2, (9, 5)),
    "parallel_with_baseline": np.array([[0, 1, 1]] * 5 + [[0, 0, 0]] * 5),
}


@pytest.mark.parametrize("name", sorted(DESIGNS))
@pytest.mark.parametrize("icc", [0.0, 0.02, 0.3, 0.9])
def test_hussey_hughes_closed_form_equals_gls(name, icc):
    x = DESIGNS[name]
    got = stepped_wedge_variance(x, cluster_size=17, icc=icc, sd=1.7)
    assert got == pytest.approx(_gls_variance(x, 17, icc, sd=1.7), rel=1e-10)


@pytest.mark.parametrize("name", sorted(DESIGNS))
def test_fixed_cluster_effects_equal_ols_with_dummies(name):
    x = DESIGNS[name]
    got = stepped_wedge_variance(x, cluster_size=8, icc=0.1, cluster_effects="fixed")
    assert got == pytest.approx(_fe_variance(x, 8, 0.1), rel=1e-10)
    # the random-effects GLS uses the between-cluster information too: never worse
    assert stepped_wedge_variance(x, cluster_size=8, icc=0.1) <= got * (1 + 1e-12)
    # and tends to the fixed-effects variance as tau2 / s2 grows (the ICC towards 1)
    near = {"cluster_size": 8, "icc": 1 - 1e-7}
    assert stepped_wedge_variance(x, **near) == pytest.approx(
        stepped_wedge_variance(x, **near, cluster_effects="fixed"), rel=1e-4)


def test_hussey_hughes_of_a_parallel_trial_is_bloom():
    # one period, half the clusters treated: the HH variance is Bloom's (tau2 + s2) / (PQJ)
    j, m, rho = 16, 25, 0.07
    x = np.array([[1]] * (j // 2) + [[0]] * (j // 2))
    assert mde_stepped_wedge(x, cluster_size=m, icc=rho, df=j - 2) == pytest.approx(
        mde_cluster_randomised(j, m, rho), rel=1e-12)


def test_stepped_wedge_design_layout():
    x = stepped_wedge_design(5, 2, baseline_periods=2)
    assert x.shape == (5, 4)
    assert x.tolist() == [[0, 0, 1, 1]] * 3 + [[0, 0, 0, 1]] * 2
    assert (stepped_wedge_design(6, 6).sum(axis=0) == np.arange(7)).all()


# --- errors -------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, match", [
    ({"alpha": 0}, "alpha"), ({"alpha": 1.0}, "alpha"), ({"alpha": 5}, "alpha"),
    ({"power": 0}, "power"), ({"power": 1}, "power"), ({"power": 80}, "power"),
    ({"power": 0.02}, "power > alpha/2"), ({"df": 0}, "df"), ({"alpha": float("nan")}, "alpha"),
])
def test_bad_levels(kwargs, match):
    with pytest.raises(SpecError, match=match):
        mde_from_se(1.0, **kwargs)


@pytest.mark.parametrize("se", [0, -1, float("inf"), "1"])
def test_bad_standard_error(se):
    with pytest.raises(SpecError, match="std_error"):
        mde_from_se(se)


def test_too_few_clusters():
    with pytest.raises(SpecError, match="too few"):
        mde_cluster_randomised(2, 10, 0.1)
    with pytest.raises(SpecError, match="too few"):
        mde_cluster_randomised(6, 10, 0.1, share_treated=0.1)
    with pytest.raises(SpecError, match="too few"):
        mde_cluster_randomised(4, 10, 0.1, n_covariates=2)
    with pytest.raises(SpecError, match="too few"):
        mde_2x2(2, 10)
    with pytest.raises(SpecError, match="too small"):
        mde_individually_randomised(2)


def test_bad_design_inputs():
    with pytest.raises(SpecError, match="icc"):
        mde_cluster_randomised(20, 10, 1.0)
    with pytest.raises(SpecError, match="share_treated"):
        mde_cluster_randomised(20, 10, 0.1, share_treated=1)
    with pytest.raises(SpecError, match="must be < 1"):
        mde_2x2(20, 10, icc=0.5, unit_share=0.5)
    with pytest.raises(SpecError, match="0/1 matrix"):
        stepped_wedge_variance([[0, 2], [0, 1]], cluster_size=5, icc=0.1)
    with pytest.raises(SpecError, match="does not identify"):
        stepped_wedge_variance([[0, 1], [0, 1]], cluster_size=5, icc=0.1)
    with pytest.raises(SpecError, match="does not identify"):
        stepped_wedge_variance(np.zeros((4, 3)), cluster_size=5, icc=0.1,
                               cluster_effects="fixed")
    with pytest.raises(SpecError, match="cluster_effects"):
        stepped_wedge_variance(stepped_wedge_design(4, 2), cluster_size=5, icc=0.1,
                               cluster_effects="mixed")
    with pytest.raises(SpecError, match="steps"):
        stepped_wedge_design(3, 4)
