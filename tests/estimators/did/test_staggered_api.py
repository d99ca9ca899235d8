"""att_gt: input errors, non-estimable cells, inference objects, plots, recovery of a known
effect on a synthetic staggered design (written here; no dependency on effekt.synthetic)."""

import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest

from effekt.errors import DataError, EffektError, EffektWarning, NotEstimableError, SpecError
from effekt.estimators.did.staggered import AggregateResult, GroupTimeResult, att_gt
from effekt.plotting import POST_COLOUR, PRE_COLOUR

matplotlib.use("Agg")

PERIODS = np.arange(1, 7)
COHORTS = (0, 3, 4, 5)


def tau(e, g):
    """True ATT at event time e >= 0 for cohort g: grows with e, differs by cohort."""
    return np.where(e >= 0, (1.0 + 0.5 * e) * (1.0 + 0.3 * (g - 3)), 0.0)


def staggered_panel(n=2000, seed=0, periods=PERIODS, cohorts=COHORTS):
    rng = np.random.default_rng(seed)
    g = rng.choice(cohorts, n)
    x = rng.normal(size=n)
    unit_fe = rng.normal(size=n) + 0.5 * (g > 0)
    df = pd.DataFrame({"id": np.repeat(np.arange(n), len(periods)),
                       "t": np.tile(periods, n), "g": np.repeat(g, len(periods)),
                       "x": np.repeat(x, len(periods))})
    e = df["t"] - df["g"]
    effect = np.where(df["g"] > 0, tau(e, df["g"]), 0.0)
    df["y"] = (np.repeat(unit_fe, len(periods)) + 0.3 * df["t"] + 0.2 * df["x"] * df["t"]
               + effect + rng.normal(size=len(df)))
    return df


def true_dynamic(e, cohorts=(3, 4, 5), t_max=6):
    gs = np.array([g for g in cohorts if g + e <= t_max and g + e >= 2])
    return float(np.mean(tau(e, gs)))  # equal cohort probabilities


def fit(df, **kw):
    return att_gt(df, outcome="y", unit="id", time="t", cohort="g", **kw)


@pytest.fixture(scope="module")
def panel():
    return staggered_panel()


@pytest.fixture(scope="module")
def gt(panel):
    return fit(panel, covariates="x")


# ---------------------------------------------------------------- recovery
@pytest.mark.parametrize("method", ["dr", "ipw", "reg"])
def test_dynamic_recovers_truth_within_3_se(panel, method):
    es = fit(panel, covariates="x", method=method).aggregate("dynamic")
    for e, est, se in zip(es.labels, es.estimate, es.std_error, strict=True):
        assert abs(est - true_dynamic(e)) < 3 * se, (e, est, se)
    assert np.all(es.std_error < 0.2)


def test_notyet_universal_and_rc_recover_truth(panel):
    for kw in (dict(control="notyet"), dict(base_period="universal"), dict(panel=False)):
        es = fit(panel, covariates="x", **kw).aggregate("dynamic", min_e=0)
        truth = np.array([true_dynamic(e) for e in es.labels])
        assert np.all(np.abs(es.estimate - truth) < 3 * es.std_error), kw


def test_min_max_balance_e(gt):
    es = gt.aggregate("dynamic", min_e=-1, max_e=1)
    np.testing.assert_array_equal(es.labels, [-1, 0, 1])
    bal = gt.aggregate("dynamic", balance_e=1)
    # only cohorts seen for >= 1 period after treatment (3 and 4 of 3, 4, 5 with T=6)
    assert bal.labels.max() == 1
    assert "event_time" in bal.to_frame().columns


def test_input_is_not_mutated(panel):
    before = panel.copy()
    fit(panel)
    pd.testing.assert_frame_equal(panel, before)


# ---------------------------------------------------------------- inference objects
def test_bootstrap_returns_new_object_and_bands(gt):
    bt = gt.bootstrap(n_boot=499, weights="mammen", seed=1, cband=True)
    assert isinstance(bt, GroupTimeResult) and bt is not gt and gt.draws is None
    fr, fa = bt.to_frame(), gt.to_frame()
    assert {"uniform_lower", "uniform_upper"} <= set(fr.columns)
    assert "uniform_lower" not in fa.columns
    # bootstrap SEs near the analytic ones (IQR-based, 499 draws: within 20 %)
    np.testing.assert_allclose(fr["std_error"], fa["std_error"], rtol=0.2)
    assert (fr["uniform_upper"] - fr["uniform_lower"] > fr["ci_upper"] - fr["ci_lower"]).all()
    es = bt.aggregate("dynamic")
    assert isinstance(es, AggregateResult) and np.isfinite(es.crit) and es.crit > 1.96
    assert "bootstrap" in es.summary()
    again = gt.bootstrap(n_boot=499, weights="mammen", seed=1, cband=True)
    np.testing.assert_array_equal(again.to_frame()["std_error"], fr["std_error"])
    rad = gt.bootstrap(n_boot=499, weights="rademacher", seed=2)
    np.testing.assert_allclose(rad.std_error, gt.std_error, rtol=0.2)
    assert bt.analytic().draws is None


def test_cluster_sums_influence_within_cluster(panel):
    df = panel.assign(cl=panel["id"] // 4)  # clusters of 4 units
    base, clus = fit(df), fit(df, cluster="cl")
    assert "clustered by cl" in clus.inference
    # same point estimates (unclustered from cohort sums, clustered unit by unit: equal to
    # rounding); units in a cluster are independent here, so SEs are close
    np.testing.assert_allclose(base.att, clus.att, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(clus.std_error, base.std_error, rtol=0.35)
    # clustering on the unit itself reproduces the unclustered SEs exactly
    own = fit(df.assign(cl=df["id"]), cluster="cl")
    np.testing.assert_allclose(own.std_error, base.std_error, rtol=1e-10)
    assert np.isfinite(clus.bootstrap(n_boot=199, seed=0).aggregate("group").overall_se)


def test_weights_scale_invariant_and_matter(panel):
    w = 1 + (panel["id"] % 3)
    a = fit(panel.assign(w=w), weights="w")
    b = fit(panel.assign(w=2.5 * w), weights="w")
    np.testing.assert_allclose(a.att, b.att, atol=1e-12)
    np.testing.assert_allclose(a.std_error, b.std_error, atol=1e-12)
    assert not np.allclose(a.att, fit(panel).att)


def test_pretrend_test_is_small_under_parallel_trends(gt):
    res = gt.pretrend_test()
    assert res.df == 6 and 0 <= res.p_value <= 1
    assert res.p_value > 0.001
    with pytest.raises(NotEstimableError):
        fit(staggered_panel(400, cohorts=(0, 2))).pretrend_test()


def test_summary_frame_estimand_html(gt):
    text = gt.summary()
    assert text == gt.summary() and "Callaway" in text and str(gt) == text
    assert gt._repr_html_().startswith("<pre>")
    assert "ATT(g,t)" in gt.estimand
    fr = gt.to_frame()
    assert list(fr.columns) == ["group", "time", "estimate", "std_error", "ci_lower",
                                "ci_upper", "p_value", "base_period", "event_time", "post"]
    assert "P-value for pre-test of parallel trends assumption" in text
    assert "2.0000" not in text.split("\n")[5]  # cohorts and periods print as integers
    simple = gt.aggregate("simple")
    assert list(simple.to_frame().columns) == ["term", "estimate", "std_error", "ci_lower",
                                               "ci_upper", "p_value"]
    assert "weighted by cohort size" in simple.estimand
    assert list(gt.aggregate("calendar").to_frame().columns)[0] == "period"
    with pytest.raises(SpecError, match="kind"):
        gt.aggregate("event")


def test_plots(gt):
    fig = gt.bootstrap(n_boot=99, seed=0).plot()
    assert len(fig.axes) == 3
    ax = gt.aggregate("dynamic").plot().axes[0]
    assert ax.get_ylabel() == "ATT on y"
    colours = {line.get_color() for line in ax.lines if line.get_marker() == "o"}
    assert colours >= {PRE_COLOUR, POST_COLOUR}
    assert any(np.allclose(line.get_ydata(), 0) for line in ax.lines)


# ---------------------------------------------------------------- non-estimable cells
def test_non_estimable_cell_is_nan_with_warning_and_skipped(panel):
    df = panel[(panel["g"] != 4) | (panel["id"] == panel.loc[panel["g"] == 4, "id"].min())]
    with pytest.warns(EffektWarning, match=r"ATT\(g=4, t=\d\): too few units"):
        gt = fit(df, covariates="x")
    fr = gt.to_frame()
    assert fr.loc[fr["group"] == 4, "estimate"].isna().all()
    assert fr.loc[fr["group"] != 4, "estimate"].notna().all()
    with pytest.warns(EffektWarning, match="skips 5 non-estimable"):
        es = gt.aggregate("dynamic")
    assert np.all(np.isfinite(es.estimate)) and es.skipped
    assert "Skipped" in es.summary()


# ---------------------------------------------------------------- bad input
@pytest.fixture
def small():
    return staggered_panel(200, seed=3)


def test_missing_column(small):
    with pytest.raises(DataError, match="no column 'nope'"):
        att_gt(small, outcome="nope", unit="id", time="t", cohort="g")


def test_non_numeric_outcome(small):
    with pytest.raises(DataError, match="'y'.*numeric"):
        fit(small.assign(y=small["y"].astype(str)))


def test_duplicate_unit_time(small):
    with pytest.raises(DataError, match=r"share a \(id, t\) key"):
        fit(pd.concat([small, small.head(1)]))


def test_cohort_not_a_period(small):
    with pytest.raises(DataError, match="not among the time periods"):
        fit(small.assign(g=np.where(small["g"] == 3, 3.5, small["g"])))


def test_no_never_treated(small):
    with pytest.raises(DataError, match="no never-treated units"):
        fit(small[small["g"] > 0])


def test_no_untreated_comparison(small):
    one_cohort = small[small["g"] == 4]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EffektWarning)
        with pytest.raises(DataError, match="no untreated comparison"):
            fit(one_cohort, control="notyet")


def test_time_varying_cohort(small):
    bad = small.copy()
    bad.loc[bad.index[0], "g"] = 5 if bad["g"].iloc[0] != 5 else 4
    with pytest.raises(DataError, match="varies within unit"):
        fit(bad)


def test_nan_outcomes(small):
    bad = small.copy()
    bad.loc[bad.index[:3], "y"] = np.nan
    with pytest.warns(EffektWarning, match="Dropped 3 rows with a missing outcome"):
        with pytest.raises(DataError, match="unbalanced after dropping 3 missing"):
            fit(bad)
    with pytest.warns(EffektWarning, match="Dropped 3 rows"):
        res = fit(bad, allow_unbalanced=True)
    assert np.all(np.isfinite(res.att))
    es = res.aggregate("dynamic", min_e=0)
    truth = np.array([true_dynamic(e) for e in es.labels])
    assert np.all(np.abs(es.estimate - truth) < 3 * es.std_error)


def test_weights_negative_or_varying(small):
    with pytest.raises(DataError, match="negative"):
        fit(small.assign(w=-1.0), weights="w")
    with pytest.raises(DataError, match="weights column 'w' varies within unit"):
        fit(small.assign(w=small["t"].astype(float)), weights="w")


def test_first_period_treated_dropped_with_count(small):
    df = small.copy()
    ids = df["id"].unique()[:7]
    df.loc[df["id"].isin(ids), "g"] = 1
    with pytest.warns(EffektWarning, match="Dropped 7 units already treated in the first"):
        fit(df)


def test_bad_options(small):
    with pytest.raises(SpecError, match="control"):
        fit(small, control="later")
    with pytest.raises(SpecError, match="anticipation"):
        fit(small, anticipation=-1)
    with pytest.raises(EffektError):
        fit(small).bootstrap(n_boot=0)


def test_aggregate_vcov_matches_standard_errors(gt):
    dyn = gt.aggregate("dynamic")
    np.testing.assert_allclose(np.sqrt(np.diag(dyn.vcov)), dyn.std_error, rtol=1e-10)
    assert dyn.vcov.index.tolist() == dyn.to_frame()["event_time"].tolist()
    simple = gt.aggregate("simple")
    assert simple.vcov.shape == (1, 1)
    assert np.sqrt(simple.vcov.iloc[0, 0]) == pytest.approx(simple.overall_se, rel=1e-10)
