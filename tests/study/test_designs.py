"""The two-period designs of a study (did_2x2, matching, rct) end to end on synthetic data.

Each design is run through ``effekt.study.designs.estimate`` on a noise-free municipality,
where the two-period comparison of a cohort against the never-exposed must return the
planted effect; the 2x2 design must also equal ``did_2x2`` run directly. The TWFE
robustness design is checked against a direct ``event_study`` call: its standard error is
that of the mean of the post-period coefficients under their joint covariance.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from effekt.data import RecordStore, panel
from effekt.errors import EffektWarning, NotEstimableError
from effekt.estimators import did_2x2, event_study
from effekt.study.designs import estimate
from effekt.synthetic import generate


def _world(noise: bool):
    m = generate(seed=5, scale=0.1, noise=noise)
    p = panel(RecordStore.from_frames(**m.tables), unit="person", period="year",
              outcomes={"school_absence_days": "mean"}, exposure="samhandling")
    truth = m.truth.query("pilot == 'samhandling' and outcome == 'school_absence_days'"
                          " and unit_level == 'person'")
    return p, truth


@pytest.fixture(scope="module")
def world():
    return _world(noise=True)


def test_did_2x2_design_recovers_planted_effect_without_noise():
    p, truth = _world(noise=False)
    g = int(truth["cohort"].min())
    est = estimate(_only_cohort(p, g), "did_2x2", "school_absence_days",
                   unit="person_id", covariates=[],
                   options={"pre_period": g - 1, "post_period": g + 2}, seed=1)
    planted = truth.query("cohort == @g and period == @g + 2")["effect_panel"].iloc[0]
    assert est.estimate == pytest.approx(planted, abs=1e-9)


def _only_cohort(p, g):
    return p[p["cohort"].isin([0, g])]


def test_did_2x2_design_equals_direct_call(world):
    p, truth = world
    g = int(truth["cohort"].min())
    opts = {"pre_period": g - 1, "post_period": g + 2}
    est = estimate(_only_cohort(p, g), "did_2x2", "school_absence_days", unit="person_id",
                   covariates=[], options=opts, seed=1)
    wide = p[p["cohort"].isin([0, g])].pivot(index="person_id", columns="period",
                                             values="school_absence_days")[[g - 1, g + 2]]
    wide = wide.dropna()
    cohort = p.drop_duplicates("person_id").set_index("person_id")["cohort"]
    long = wide.stack().rename("y").reset_index()
    long["treated"] = (long["person_id"].map(cohort) == g).astype(int)
    long["post"] = (long["period"] == g + 2).astype(int)
    direct = did_2x2(long, "y", "person_id", "period", "treated", "post").to_frame().iloc[0]
    assert est.estimate == pytest.approx(direct["estimate"], abs=1e-10)
    assert est.std_error == pytest.approx(direct["std_error"], rel=1e-10)
    assert est.ci_lower < est.estimate < est.ci_upper
    assert dict(est.flow)["treated"] == int(long.query("post == 1")["treated"].sum())


@pytest.mark.parametrize("design", ["matching", "rct"])
def test_other_two_period_designs_run_and_report_flow(world, design):
    p, truth = world
    g = int(truth["cohort"].min())
    opts = {"pre_period": g - 1, "post_period": g + 2}
    est = estimate(_only_cohort(p, g), design, "school_absence_days", unit="person_id",
                   covariates=[], options=opts, seed=1)
    flow = dict(est.flow)
    assert flow["treated"] > 20 and flow["controls"] > 20
    assert np.isfinite([est.estimate, est.std_error]).all()
    assert est.ci_lower < est.estimate < est.ci_upper
    # waves are dealt to schools at random, so both designs land near the planted effect
    planted = truth.query("cohort == @g and period == @g + 2")["effect_panel"].iloc[0]
    assert abs(est.estimate - planted) < 4 * est.std_error


@pytest.mark.parametrize("options", [{}, {"window": [-4, 6], "cluster": "provider_id"}])
def test_twfe_design_se_uses_the_joint_covariance(world, options):
    """The TWFE robustness row averages the post coefficients; its SE is sqrt(a' V a)."""
    p, _ = world
    y = "school_absence_days"
    with pytest.warns(EffektWarning, match="adoption is staggered"):  # passed on, not eaten
        est = estimate(p, "twfe_event_study", y, unit="person_id", covariates=[],
                       options=options, seed=1)
    lo, hi = options.get("window", (None, None))
    with pytest.warns(EffektWarning):
        r = event_study(p[p[y].notna()], y, "person_id", "period", "cohort",
                        leads=None if lo is None else -lo, lags=hi,
                        cluster=options.get("cluster"))
    frame = r.to_frame()
    if "event_time" not in frame.columns:
        frame = frame.reset_index()
    post = frame[frame["event_time"] >= 0]
    times = post["event_time"].astype(int).tolist()
    a = np.full(len(times), 1 / len(times))
    v = r.vcov.loc[times, times].to_numpy(dtype=float)
    assert est.std_error == pytest.approx(float(np.sqrt(a @ v @ a)), abs=1e-10)
    assert est.estimate == pytest.approx(float(post["estimate"].mean()), abs=1e-10)
    independent = float(np.sqrt((post["std_error"] ** 2).sum()) / len(times))
    assert abs(est.std_error - independent) > 1e-3  # the covariance matters here
    assert "ignores" not in est.estimand and "covariance" in est.estimand


def _clustered_2x2(world):
    p, truth = world
    g = int(truth["cohort"].min())
    d = _only_cohort(p, g)
    opts = {"pre_period": g - 1, "post_period": g + 2, "cluster": "provider_id"}
    return d, opts


def test_few_clusters_use_cr2_by_default_and_warn(world):
    """Below 30 clusters the 2x2 design uses CR2 with Satterthwaite df, and says so (issue 12)."""
    d, opts = _clustered_2x2(world)
    providers = d.drop_duplicates("person_id")["provider_id"].nunique()
    assert 2 <= providers < 30
    with pytest.warns(EffektWarning, match="fewer than 30 clusters; the study uses cr2"):
        auto = estimate(d, "did_2x2", "school_absence_days", unit="person_id",
                        covariates=[], options=opts, seed=1)
    with pytest.warns(EffektWarning, match="uses cr1"):
        cr1 = estimate(d, "did_2x2", "school_absence_days", unit="person_id",
                       covariates=[], options={**opts, "se": "CR1"}, seed=1)
    assert auto.inference_method == "cr2" and "Satterthwaite" in auto.inference
    assert cr1.inference_method == "cr1" and cr1.df == auto.n_clusters - 1
    assert auto.estimate == pytest.approx(cr1.estimate, abs=1e-12)
    # CR2 corrects CR1's downward bias and its df are below G - 1: a wider interval
    assert auto.df < cr1.df
    assert auto.ci_upper - auto.ci_lower > cr1.ci_upper - cr1.ci_lower
    # the interval is the estimate +- t(df) * SE of the Estimate's own df
    half = stats.t.ppf(0.975, auto.df) * auto.std_error
    assert auto.ci_upper - auto.estimate == pytest.approx(half, rel=1e-9)
    assert auto.p_value == pytest.approx(2 * stats.t.sf(abs(auto.estimate / auto.std_error),
                                                        auto.df), rel=1e-9)


def test_a_single_cluster_is_an_error(world):
    d, opts = _clustered_2x2(world)
    one = d.assign(provider_id=1)
    with pytest.raises(NotEstimableError, match="single cluster"):
        estimate(one, "did_2x2", "school_absence_days", unit="person_id", covariates=[],
                 options=opts, seed=1)
