"""Power by simulation: reproducibility, common random numbers, and the analytic MDEs."""

from __future__ import annotations

import dataclasses
import html
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from scipy import stats

from effekt.errors import EffektWarning, NotEstimableError, SpecError
from effekt.power import (
    PlaceboDesign,
    PowerCurve,
    PowerResult,
    SyntheticDesign,
    mde_2x2,
    mde_cluster_randomised,
    mde_multiplier,
    mde_stepped_wedge,
    minimum_detectable_effect,
    power_curve,
    simulate_power,
    stepped_wedge_design,
    stepped_wedge_variance,
)
from effekt.synthetic.examples import staggered_panel

CRT = SyntheticDesign(n_clusters=20, cluster_size=10, periods=1, waves=[1], icc=0.1)
DID = SyntheticDesign(n_clusters=16, cluster_size=4, periods=4, waves=[3], icc=0.2,
                      cluster_period_share=0.05, unit_share=0.3)


def _mc_tol(p, n, k=3.0):
    """k Monte Carlo standard errors of a rejection rate p from n simulations."""
    return k * math.sqrt(p * (1 - p) / n)


# --- the designs ---------------------------------------------------------------------------

def test_synthetic_design_layout_and_assignment():
    d = SyntheticDesign(n_clusters=9, cluster_size=3, periods=5, waves=[2, 4],
                        n_treated_clusters=5)
    df = d.draw(np.random.default_rng(0))
    assert len(df) == 9 * 3 * 5
    per_cluster = df.groupby("cluster")[["cohort", "treated"]].agg(["min", "max"])
    assert (per_cluster[("cohort", "min")] == per_cluster[("cohort", "max")]).all()
    cohorts = df.groupby("cluster")["cohort"].first().value_counts().to_dict()
    assert cohorts == {2: 3, 4: 2, 0: 4}      # 5 treated: the earlier wave gets the extra
    assert (df["d"] == ((df["cohort"] > 0) & (df["time"] >= df["cohort"]))).all()
    assert (df["post"] == (df["time"] >= 2)).all()


def test_synthetic_design_variance_components():
    d = SyntheticDesign(n_clusters=400, cluster_size=20, periods=2, icc=0.3,
                        cluster_period_share=0.1, unit_share=0.2, sd=2.0)
    df = d.draw(np.random.default_rng(1))
    # total variance sd^2 = 4 (of 16,000 draws: relative sampling error ~2.5 %)
    assert df["y"].var() == pytest.approx(4.0, rel=0.05)
    # the ICC of one period is icc + cluster_period_share = 0.4 (one-way ANOVA estimate)
    one = df[df["time"] == 1]
    g = one.groupby("cluster")["y"]
    msb = 20 * g.mean().var()
    msw = g.var().mean()
    assert (msb - msw) / (msb + 19 * msw) == pytest.approx(0.4, abs=0.05)


def test_placebo_design_keeps_the_outcome_and_randomises_clusters():
    panel = staggered_panel(n_units=60, periods=4, cohorts=(3,), effect=0.0, seed=2)
    panel["school"] = panel["id"] % 12
    p = PlaceboDesign(panel, outcome="y", unit="id", time="t", waves=[3], cluster="school")
    a, b = p.draw(np.random.default_rng(0)), p.draw(np.random.default_rng(1))
    assert np.array_equal(a["y"].to_numpy(), panel["y"].to_numpy())
    assert a.groupby("cluster")["treated"].first().sum() == 6
    assert not np.array_equal(a["treated"].to_numpy(), b["treated"].to_numpy())
    assert panel.columns.tolist() == ["id", "t", "g", "d", "x", "y", "school"]


# --- reproducibility and common random numbers ----------------------------------------------

def test_same_seed_same_numbers_and_generator_seeds():
    a = simulate_power(DID, effect=0.4, n_sims=30, seed=7)
    b = simulate_power(DID, effect=0.4, n_sims=30, seed=7)
    c = simulate_power(DID, effect=0.4, n_sims=30, seed=8)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    assert a.summary() == b.summary()
    assert a.mean_estimate != c.mean_estimate
    g1 = simulate_power(DID, effect=0.4, n_sims=30, seed=np.random.default_rng(3))
    g2 = simulate_power(DID, effect=0.4, n_sims=30, seed=np.random.default_rng(3))
    pd.testing.assert_frame_equal(g1.to_frame(), g2.to_frame())


def test_common_random_numbers_shift_every_estimate_by_the_effect():
    effects = [0.0, 0.25, 0.5, 1.0]
    curve = power_curve(DID, effects=effects, n_sims=40, seed=4)
    # a linear estimator on the same data: each estimate moves by exactly the effect, and
    # the standard errors do not move at all
    assert np.allclose(curve.mean_estimate - curve.mean_estimate[0], effects, atol=1e-10)
    assert np.allclose(curve.mean_std_error, curve.mean_std_error[0], rtol=1e-10)
    assert np.allclose(curve.sd_estimate, curve.sd_estimate[0], rtol=1e-8)
    assert (np.diff(curve.power) >= 0).all()
    # the same draws one at a time give the same powers
    one = simulate_power(DID, effect=0.5, n_sims=40, seed=4)
    assert one.power == curve.power[2]


def test_simulate_power_equals_the_curve_at_that_effect():
    curve = power_curve(CRT, effects=[0.3, 0.6], estimator="rct", n_sims=40, seed=1)
    r = simulate_power(CRT, effect=0.6, estimator="rct", n_sims=40, seed=1)
    pd.testing.assert_frame_equal(r.to_frame(), curve.at(1).to_frame())


# --- size and the analytic MDE ---------------------------------------------------------------

@pytest.mark.slow
def test_size_at_zero_effect_is_alpha():
    n = 1000
    r = simulate_power(CRT, effect=0.0, estimator="rct", inference="CR2", n_sims=n, seed=2)
    assert abs(r.power - 0.05) < _mc_tol(0.05, n)
    assert abs(r.mean_estimate) < 3 * r.sd_estimate / math.sqrt(n)


@pytest.mark.slow
def test_cluster_randomised_power_at_bloom_mde_is_80_percent():
    # CR2 with Satterthwaite df: the analytic MDE (t on J - 2 df) has 80 % power within
    # Monte Carlo error; measured 0.796 +- 0.009 with 2,000 simulations (seed 11)
    n = 1000
    mde = mde_cluster_randomised(20, 10, 0.1)
    r = simulate_power(CRT, effect=mde, estimator="rct", inference="CR2", n_sims=n, seed=11)
    assert abs(r.power - 0.8) < _mc_tol(0.8, n)
    # the estimator's sampling sd is Bloom's standard error (relative MC error 1/sqrt(2n))
    se = mde / mde_multiplier(df=18)
    assert r.sd_estimate == pytest.approx(se, rel=3 / math.sqrt(2 * n))


@pytest.mark.slow
def test_2x2_power_at_the_analytic_mde_is_80_percent():
    n = 800
    mde = mde_2x2(16, 4, pre_periods=2, post_periods=2, icc=0.2, cluster_period_share=0.05,
                  unit_share=0.3)
    r = simulate_power(DID, effect=mde, estimator="did_2x2", n_sims=n, seed=5)
    assert abs(r.power - 0.8) < _mc_tol(0.8, n)
    assert r.sd_estimate == pytest.approx(mde / mde_multiplier(df=14),
                                          rel=3 / math.sqrt(2 * n))


class _GLSResult:
    """A one-estimate result for the test's own estimator (the to_frame protocol)."""

    def __init__(self, estimate, std_error):
        self.estimate, self.std_error = estimate, std_error

    def to_frame(self):
        p = 2 * stats.norm.sf(abs(self.estimate / self.std_error))
        return pd.DataFrame({"term": ["theta"], "estimate": [self.estimate],
                             "std_error": [self.std_error], "p_value": [p]})


def _hh_gls(m, icc):
    """GLS of Hussey & Hughes on the cluster-period means, known variance components."""
    def fit(data):
        means = data.groupby(["cluster", "time"], sort=True).agg(y=("y", "mean"),
                                                               d=("d", "first"))
        n_i, n_t = means.index.levshape
        y = means["y"].to_numpy().reshape(n_i, n_t)
        x = means["d"].to_numpy().reshape(n_i, n_t)
        vinv = np.linalg.inv((1 - icc) / m * np.eye(n_t) + icc * np.ones((n_t, n_t)))
        info, score = np.zeros((n_t + 1, n_t + 1)), np.zeros(n_t + 1)
        for i in range(n_i):
            z = np.column_stack([np.eye(n_t), x[i]])
            info += z.T @ vinv @ z
            score += z.T @ vinv @ y[i]
        cov = np.linalg.inv(info)
        return _GLSResult(float((cov @ score)[-1]), float(np.sqrt(cov[-1, -1])))
    return fit


@pytest.mark.slow
def test_stepped_wedge_gls_power_at_hussey_hughes_mde_is_80_percent():
    n, m, icc = 800, 10, 0.1
    x = stepped_wedge_design(12, 4)
    design = SyntheticDesign(n_clusters=12, cluster_size=m, periods=5, waves=[2, 3, 4, 5],
                             n_treated_clusters=12, icc=icc)
    mde = mde_stepped_wedge(x, cluster_size=m, icc=icc)
    r = simulate_power(design, effect=mde, estimator=_hh_gls(m, icc), n_sims=n, seed=9)
    assert abs(r.power - 0.8) < _mc_tol(0.8, n)
    assert r.sd_estimate == pytest.approx(math.sqrt(stepped_wedge_variance(
        x, cluster_size=m, icc=icc)), rel=3 / math.sqrt(2 * n))


@pytest.mark.slow
def test_stepped_wedge_twfe_has_the_fixed_effects_variance():
    n, m, icc = 500, 10, 0.1
    x = stepped_wedge_design(12, 4)
    design = SyntheticDesign(n_clusters=12, cluster_size=m, periods=5, waves=[2, 3, 4, 5],
                             n_treated_clusters=12, icc=icc)
    with pytest.warns(EffektWarning, match="staggered"):
        r = simulate_power(design, effect=0.3, estimator="twfe", n_sims=n, seed=9)
    fe = math.sqrt(stepped_wedge_variance(x, cluster_size=m, icc=icc,
                                          cluster_effects="fixed"))
    assert r.sd_estimate == pytest.approx(fe, rel=3 / math.sqrt(2 * n))
    assert r.mean_estimate == pytest.approx(0.3, abs=3 * fe / math.sqrt(n))


@pytest.mark.slow
def test_mde_by_bisection_agrees_with_bloom():
    n = 200
    curve = minimum_detectable_effect(CRT, estimator="rct", inference="CR2", n_sims=n,
                                      seed=21)
    analytic = mde_cluster_randomised(20, 10, 0.1)
    assert curve.mde_method == "bisection"
    assert abs(curve.mde - analytic) < 3 * curve.mde_mc_se
    # the bracket around the MDE: power below the target just under it, above just over it
    frame = curve.to_frame()
    below = frame[frame["effect"] < curve.mde]["power"]
    above = frame[frame["effect"] > curve.mde]["power"]
    assert below.max() < 0.8 <= above.min()
    assert frame["effect"].iloc[0] == 0.0
    assert (np.diff(frame["power"].to_numpy()) >= 0).all()


def test_mde_bisection_stops_at_the_tolerance():
    curve = minimum_detectable_effect(CRT, estimator="rct", n_sims=20, seed=2, tol=0.1)
    frame = curve.to_frame()
    below = frame[frame["effect"] < curve.mde]
    above = frame[frame["effect"] >= curve.mde]
    assert below["power"].max() < 0.8 <= above["power"].min()
    assert above["effect"].min() - below["effect"].max() <= 0.1
    assert math.isfinite(curve.mde_mc_se) and curve.mde_mc_se > 0
    assert f"MDE at 80% power: {curve.mde:.4g}" in curve.summary()


def test_power_curve_interpolates_the_mde():
    curve = power_curve(CRT, effects=[0.0, 0.3, 0.6, 0.9], estimator="rct", n_sims=60,
                        seed=3)
    j = int(np.argmax(curve.power >= 0.8))
    lo, hi = curve.effect[j - 1], curve.effect[j]
    assert lo < curve.mde <= hi
    assert curve.mde_method == "interpolation"
    flat = power_curve(CRT, effects=[0.0, 0.05], estimator="rct", n_sims=20, seed=3)
    assert math.isnan(flat.mde) and "not reached" in flat.summary()


# --- the estimators and the inference ------------------------------------------------------

def test_placebo_power_with_att_gt_and_did_2x2():
    panel = staggered_panel(n_units=80, periods=4, cohorts=(3,), effect=0.0, seed=5)
    panel["school"] = panel["id"] % 16
    p = PlaceboDesign(panel, outcome="y", unit="id", time="t", waves=[3], cluster="school")
    gt = power_curve(p, effects=[0.0, 1.0], estimator="att_gt", n_sims=30, seed=1)
    two = power_curve(p, effects=[0.0, 1.0], estimator="did_2x2", n_sims=30, seed=1)
    for c in (gt, two):
        # the planted effect is the only effect in the data
        assert c.mean_estimate[1] - c.mean_estimate[0] == pytest.approx(1.0, abs=1e-8)
    # one wave, never-treated controls, no covariates: the simple ATT is the 2x2 of the
    # post-period average against the last pre-period, so it differs from did_2x2 (which
    # uses both pre-periods), while both are unbiased
    assert gt.power[1] > 0.5 and two.power[1] > 0.5


def test_staggered_waves_with_att_gt_and_twfe_warning_is_raised_once():
    d = SyntheticDesign(n_clusters=12, cluster_size=3, periods=5, waves=[3, 4],
                        n_treated_clusters=8)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        simulate_power(d, effect=0.5, estimator="twfe", n_sims=10, seed=0)
    staggered = [w for w in seen if issubclass(w.category, EffektWarning)]
    assert len(staggered) == 1 and "in 10 fits" in str(staggered[0].message)
    r = simulate_power(d, effect=0.5, estimator="att_gt", n_sims=10, seed=0)
    assert "att_gt" in r.estimator


def test_inference_string_is_passed_as_se():
    cr1 = simulate_power(DID, effect=0.5, estimator="did_2x2", n_sims=20, seed=2)
    cr2 = simulate_power(DID, effect=0.5, estimator="did_2x2", inference="CR2", n_sims=20,
                         seed=2)
    assert cr1.mean_estimate == pytest.approx(cr2.mean_estimate, abs=1e-12)
    assert cr2.mean_std_error > cr1.mean_std_error        # CR2 corrects CR1's downward bias
    assert "se='CR2'" in cr2.inference
    with pytest.raises(SpecError, match="se"):
        simulate_power(DID, effect=0.5, estimator="did_2x2", inference="CR9", n_sims=2)


def test_inference_function_gets_a_seeded_generator_the_same_at_every_effect():
    draws = []

    def coin(result, rng):
        u = float(rng.uniform())
        draws.append(u)
        return u

    curve = power_curve(CRT, effects=[0.0, 2.0, 5.0], estimator="rct", inference=coin,
                        n_sims=50, seed=6)
    # a p-value that ignores the data rejects at the same rate at every effect, and with
    # common random numbers in exactly the same simulations
    assert len(set(curve.n_rejected.tolist())) == 1
    assert abs(curve.power[0] - 0.05) < _mc_tol(0.05, 50, k=4)
    assert draws[0::3] == draws[1::3] == draws[2::3]
    assert "coin" in curve.inference


def test_inference_function_can_recompute_the_test():
    def t_on_few_df(result, rng):
        return float(2 * stats.t.sf(abs(result.estimate / result.std_error), 3))

    default = simulate_power(DID, effect=0.3, n_sims=40, seed=1)
    strict = simulate_power(DID, effect=0.3, inference=t_on_few_df, n_sims=40, seed=1)
    assert strict.n_rejected <= default.n_rejected
    assert strict.mean_estimate == default.mean_estimate


def test_wild_cluster_bootstrap_as_inference():
    design = SyntheticDesign(n_clusters=10, cluster_size=4, periods=2, waves=[2], icc=0.1)

    def wild(result, rng):
        return float(result.wild_bootstrap(n_boot=199, seed=rng).to_frame()["p_value"].iloc[0])

    a = power_curve(design, effects=[0.0, 1.0], inference=wild, n_sims=20, seed=1)
    b = power_curve(design, effects=[0.0, 1.0], inference=wild, n_sims=20, seed=1)
    pd.testing.assert_frame_equal(a.to_frame(), b.to_frame())
    assert a.power[1] > a.power[0]
    assert "p-value from wild" in a.inference


def test_twfe_cr2_is_passed_through():
    design = SyntheticDesign(n_clusters=10, cluster_size=4, periods=2, waves=[2], icc=0.1)
    cr1 = simulate_power(design, effect=1.0, estimator="twfe", n_sims=10, seed=1)
    cr2 = simulate_power(design, effect=1.0, estimator="twfe", inference="CR2", n_sims=10,
                         seed=1)
    assert cr2.mean_estimate == pytest.approx(cr1.mean_estimate, abs=1e-12)
    assert cr2.mean_std_error > cr1.mean_std_error
    assert "CR2" in cr2.inference


# --- results objects -------------------------------------------------------------------------

def test_results_protocol():
    curve = power_curve(CRT, effects=[0.0, 0.4, 0.8], estimator="rct", n_sims=30, seed=0)
    r = curve.at(1)
    for obj in (curve, r):
        assert str(obj) == obj.summary() == repr(obj)
        assert obj._repr_html_() == f"<pre>{html.escape(obj.summary())}</pre>"
        assert isinstance(obj.plot(), Figure)
        assert "power" in obj.estimand and "reject when p <= 0.05" in obj.inference
        with pytest.raises(dataclasses.FrozenInstanceError):
            obj.alpha = 0.1
    assert isinstance(curve, PowerCurve) and isinstance(r, PowerResult)
    assert curve.to_frame().columns.tolist() == [
        "effect", "power", "mc_se", "ci_lower", "ci_upper", "n_rejected", "n_sims",
        "mean_estimate", "sd_estimate", "mean_std_error"]
    assert r.mc_se == pytest.approx(math.sqrt(r.power * (1 - r.power) / 30))
    assert f"{r.n_rejected} of 30 simulations" in r.summary()
    fig = curve.plot()
    ax = fig.axes[0]
    assert any(abs(line.get_ydata()[0] - 0.8) < 1e-12 for line in ax.get_lines()
               if len(line.get_ydata()) == 2)
    assert any(f"MDE {curve.mde:.3g}" == t.get_text() for t in ax.get_legend().get_texts())


# --- errors ----------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, match", [
    ({"alpha": 0.0}, "alpha"), ({"alpha": 1.5}, "alpha"), ({"n_sims": 1}, "n_sims"),
    ({"n_sims": 10.0}, "n_sims"), ({"estimator": "ols"}, "estimator"),
    ({"effect": float("nan")}, "effect"), ({"effect": "big"}, "effect"),
    ({"inference": 3}, "inference"), ({"estimator_options": ["se"]}, "estimator_options"),
    ({"seed": -1}, "seed"),
])
def test_bad_simulation_arguments(kwargs, match):
    args = {"effect": 0.5, "n_sims": 5, **kwargs}
    with pytest.raises(SpecError, match=match):
        simulate_power(DID, **args)


def test_bad_curve_and_mde_arguments():
    for effects in ([], [0.1, 0.1], "0.5", [0.1, float("inf")]):
        with pytest.raises(SpecError, match="effects"):
            power_curve(DID, effects=effects, n_sims=5)
    for power in (0, 1, 80):
        with pytest.raises(SpecError, match="power"):
            minimum_detectable_effect(DID, power=power, n_sims=5)
    with pytest.raises(SpecError, match="design"):
        simulate_power(pd.DataFrame({"y": [1.0]}), effect=0.5, n_sims=5)
    with pytest.raises(SpecError, match="built-in"):
        simulate_power(DID, effect=0.5, estimator=lambda d: None, inference="CR2", n_sims=5)


def test_design_errors():
    with pytest.raises(SpecError, match="must be < 1"):
        SyntheticDesign(n_clusters=10, cluster_size=2, periods=2, icc=0.6, unit_share=0.4)
    with pytest.raises(SpecError, match="waves"):
        SyntheticDesign(n_clusters=10, cluster_size=2, periods=2, waves=[3])
    with pytest.raises(SpecError, match="n_clusters"):
        SyntheticDesign(n_clusters=1, cluster_size=2, periods=2)
    with pytest.raises(SpecError, match="n_treated_clusters"):
        SyntheticDesign(n_clusters=4, cluster_size=2, periods=2, n_treated_clusters=5)
    panel = staggered_panel(n_units=10, periods=3, cohorts=(2,))
    with pytest.raises(SpecError, match="not among the periods"):
        PlaceboDesign(panel, outcome="y", unit="id", time="t", waves=[7])
    with pytest.raises(Exception, match="nope"):
        PlaceboDesign(panel, outcome="nope", unit="id", time="t", waves=[2])


def test_an_option_the_estimator_does_not_take():
    with pytest.raises(SpecError, match="does not take these options"):
        simulate_power(DID, effect=0.5, estimator="att_gt", inference="CR2", n_sims=2)
    with pytest.raises(SpecError, match="does not take these options"):
        simulate_power(DID, effect=0.5, estimator_options={"bandwidth": 3}, n_sims=2)


def test_an_estimator_failure_names_the_simulation():
    one_period = SyntheticDesign(n_clusters=10, cluster_size=2, periods=1, waves=[1])
    with pytest.raises(NotEstimableError, match="simulation 1 of 5"):
        simulate_power(one_period, effect=0.5, estimator="did_2x2", n_sims=5)


def test_no_mde_when_the_test_rejects_everything():
    def always(result, rng):
        return 0.0

    with pytest.raises(NotEstimableError, match="does not hold its level"):
        minimum_detectable_effect(CRT, estimator="rct", inference=always, n_sims=5)
