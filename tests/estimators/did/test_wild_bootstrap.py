"""The restricted wild cluster bootstrap (WCR) of did_2x2, twfe and event_study results.

References:

* an independent naive loop written here: for every sign vector, refit OLS on
  ``y* = Z b~ + u~ * v_g`` with the *full* design ``Z`` (for TWFE and the event study the
  treatment column(s) plus unit and period dummies), the CR1 standard error of every
  sample, and the count of ``|t*| >= |t|``. Under enumeration (Rademacher, ``2**G <=
  n_boot``) the p-values must agree to 1e-10 (they are counts), and each interval end must
  separate rejected from non-rejected nulls in the naive loop within 1e-7 standard errors;
* the ``wildboottest`` package (0.3.2, MIT; ``WildboottestCL``, type "11", null imposed)
  on the same full design: with random draws to Monte Carlo error (4.5 standard errors of
  the difference of two independent estimates of p), and under its own full enumeration
  to ``2 / 2**G`` (it counts ``|t*| > |t|`` strictly, so the two sign vectors +-1, whose
  ``|t*|`` equals ``|t|``, are left out; effekt counts them, the original sample included).
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import replace

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from effekt.errors import NotEstimableError, SpecError
from effekt.estimators import did_2x2, event_study, twfe
from effekt.estimators.wild import _draws, wild_cluster_bootstrap

pytestmark = pytest.mark.filterwarnings("ignore::effekt.errors.EffektWarning")

ALPHA_LEVEL = 0.95
DELTA = 1e-7  # interval ends checked at end -+ DELTA * std_error


# ---------------------------------------------------------------------------------------
# data


def _two_by_two(n_clusters: int, seed: int, per: int = 6) -> pd.DataFrame:
    """Schools (clusters) of pupils seen before and after; half the schools treated."""
    rng = np.random.default_rng(seed)
    rows = []
    unit = 0
    for g in range(n_clusters):
        shock, treated = rng.normal(), int(g % 2 == 0)
        for _ in range(per):
            unit += 1
            alpha = rng.normal()
            for post in (0, 1):
                y = (alpha + shock + 0.5 * post + 0.3 * treated + 0.4 * treated * post
                     + 0.8 * shock * post + rng.normal(scale=1 + 0.5 * treated))
                rows.append((g, unit, post, treated, y, rng.normal()))
    return pd.DataFrame(rows, columns=["school", "pupil", "post", "treated", "y", "x"])


def _panel(n_units: int, n_periods: int, seed: int, *, drop: float = 0.0,
           per_cluster: int = 1) -> pd.DataFrame:
    """A TWFE panel: cohorts at period 3 and 5 and never treated; clusters of units."""
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(n_units), n_periods)
    time = np.tile(np.arange(1, n_periods + 1), n_units)
    cohort = np.array([0, 3, 5])[np.arange(n_units) % 3][unit]
    d = ((cohort > 0) & (time >= cohort)).astype(int)
    y = (rng.normal(size=n_units)[unit] + np.cumsum(rng.normal(size=n_periods))[time - 1]
         + 0.7 * d + rng.normal(size=n_units)[unit] * time / n_periods
         + rng.normal(size=unit.size) * (1 + 0.5 * (cohort > 0)))
    df = pd.DataFrame({"unit": unit, "time": time, "cohort": cohort, "d": d, "y": y,
                       "cluster": unit // per_cluster,
                       "w": 1.0 + (unit % 4) / 2})
    if drop:
        df = df.drop(index=rng.choice(len(df), int(drop * len(df)), replace=False))
    return df.reset_index(drop=True)


def _dummies(values: pd.Series, drop_first: bool) -> np.ndarray:
    out = pd.get_dummies(values.to_numpy()).to_numpy(float)
    return out[:, 1:] if drop_first else out


# ---------------------------------------------------------------------------------------
# the naive reference: refit the full regression for every sign vector


def _naive_p(Z: np.ndarray, y: np.ndarray, j: int, clusters: np.ndarray, V: np.ndarray,
             b0: float, extra: int = 0) -> float:
    """Share of sign vectors with |t*| >= |t| (full refit of OLS for each; CR1 t)."""
    codes, G = pd.factorize(clusters)[0], len(np.unique(clusters))
    n, k = Z.shape
    factor = G / (G - 1) * (n - 1) / (n - k)
    pinv = np.linalg.pinv(Z)
    q = np.linalg.pinv(Z.T @ Z)[:, j]

    def fit(ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # ys: (n, m)
        coef = pinv @ ys
        resid = ys - Z @ coef
        scores = np.zeros((G, ys.shape[1]))
        np.add.at(scores, codes, (Z @ q)[:, None] * resid)
        return coef[j], np.sqrt(factor * np.sum(scores**2, axis=0))

    b, se = fit(y[:, None])
    t = (b[0] - b0) / se[0]
    others = np.delete(Z, j, axis=1)
    yr = y - Z[:, j] * b0
    resid_r = yr - others @ np.linalg.lstsq(others, yr, rcond=None)[0]
    ystar = (y - resid_r)[:, None] + resid_r[:, None] * V[codes]
    bs, ses = fit(ystar)
    ts = (bs - b0) / ses
    hits = np.count_nonzero(np.abs(ts) >= np.abs(t) * (1 - 1e-9))
    return (hits + extra) / (V.shape[1] + extra)


def _signs(G: int) -> np.ndarray:
    return np.array(list(itertools.product([1.0, -1.0], repeat=G))).T


def _check_against_naive(boot, Z, y, cols, clusters, level=ALPHA_LEVEL):
    V = _signs(len(np.unique(clusters)))
    frame = boot.to_frame()
    if "reference" in frame:
        frame = frame[~frame["reference"]]
    alpha = 1 - level
    for row, j in zip(frame.itertuples(), cols, strict=True):
        assert abs(_naive_p(Z, y, j, clusters, V, 0.0) - row.p_value) < 1e-10
        for end in (row.ci_lower, row.ci_upper):
            step = DELTA * row.std_error
            inside = row.estimate + np.sign(row.estimate - end) * step
            assert _naive_p(Z, y, j, clusters, V, end + (end - inside)) <= alpha
            assert _naive_p(Z, y, j, clusters, V, inside) > alpha


# ---------------------------------------------------------------------------------------
# exact agreement under enumeration


def test_2x2_enumeration_equals_naive_loop():
    df = _two_by_two(8, seed=1)
    res = did_2x2(df, outcome="y", unit="pupil", time="post", treated="treated", post="post",
                  covariates="x", cluster="school")
    boot = res.wild_bootstrap(n_boot=9999)
    assert boot._bootstrap.enumerated and boot._bootstrap.n_draws == 256
    d, p = df["treated"].to_numpy(float), df["post"].to_numpy(float)
    Z = np.column_stack([np.ones(len(df)), d, p, d * p, df["x"].to_numpy(float)])
    _check_against_naive(boot, Z, df["y"].to_numpy(float), [3], df["school"].to_numpy())


@pytest.mark.parametrize(("drop", "per_cluster", "weighted"),
                         [(0.0, 1, False), (0.15, 1, False), (0.1, 3, False), (0.0, 1, True)])
def test_twfe_enumeration_equals_naive_dummy_regression(drop, per_cluster, weighted):
    df = _panel(8 * per_cluster, 6, seed=3, drop=drop, per_cluster=per_cluster)
    res = twfe(df, outcome="y", unit="unit", time="time", treatment="d", cluster="cluster",
               weights="w" if weighted else None)
    boot = res.wild_bootstrap()
    assert boot._bootstrap.enumerated
    Z = np.column_stack([df["d"].to_numpy(float), _dummies(df["unit"], False),
                         _dummies(df["time"], True)])
    y = df["y"].to_numpy(float)
    if weighted:  # WLS is OLS on rows multiplied by sqrt(w)
        root = np.sqrt(df["w"].to_numpy())
        Z, y = Z * root[:, None], y * root
    _check_against_naive(boot, Z, y, [0], df["cluster"].to_numpy())


def test_event_study_enumeration_equals_naive_for_every_event_time():
    df = _panel(8, 6, seed=5, drop=0.1)
    res = event_study(df, outcome="y", unit="unit", time="time", cohort="cohort")
    boot = res.wild_bootstrap()
    frame = res.to_frame()
    keep = frame.loc[~frame["reference"], "event_time"].tolist()
    e = np.where(df["cohort"] > 0, df["time"] - df["cohort"], np.nan)
    dummies = np.column_stack([(e == k).astype(float) for k in keep])
    Z = np.column_stack([dummies, _dummies(df["unit"], False), _dummies(df["time"], True)])
    assert len(keep) >= 6
    _check_against_naive(boot, Z, df["y"].to_numpy(float), list(range(len(keep))),
                         df["unit"].to_numpy())


def test_within_restricted_residuals_equal_those_of_the_dummy_regression():
    """FWL: the restricted residuals on the stored within-transformed data are the full
    dummy regression's, and so are the refitted coefficients of every bootstrap sample."""
    df = _panel(9, 5, seed=11, drop=0.1)
    res = twfe(df, outcome="y", unit="unit", time="time", treatment="d")
    data = res._wild_data
    b0 = 0.3
    within = data.y - data.X[:, 0] * b0  # no other non-absorbed regressor
    D = np.column_stack([_dummies(df["unit"], False), _dummies(df["time"], True)])
    yr = df["y"].to_numpy(float) - df["d"].to_numpy(float) * b0
    full = yr - D @ np.linalg.lstsq(D, yr, rcond=None)[0]
    assert np.max(np.abs(within - full)) < 1e-10
    # and the bootstrap coefficient: within X'(u v) / X'X equals the dummy refit's
    v = np.where(np.arange(9) % 2 == 0, 1.0, -1.0)[data.clusters]
    Z = np.column_stack([df["d"].to_numpy(float), D])
    ystar = (df["y"].to_numpy(float) - full) + full * v
    dummy_refit = np.linalg.lstsq(Z, ystar, rcond=None)[0][0]
    within_refit = b0 + data.X[:, 0] @ (full * v) / (data.X[:, 0] @ data.X[:, 0])
    assert abs(dummy_refit - within_refit) < 1e-10


def test_enumeration_is_seed_independent_and_draws_reproducible():
    df = _two_by_two(8, seed=2)
    res = did_2x2(df, outcome="y", unit="pupil", time="post", treated="treated", post="post",
                  cluster="school")
    a, b = res.wild_bootstrap(seed=1), res.wild_bootstrap(seed=2)
    assert a.to_frame()[["p_value", "ci_lower", "ci_upper"]].equals(
        b.to_frame()[["p_value", "ci_lower", "ci_upper"]])
    webb1, webb1b = res.wild_bootstrap(weights="webb", seed=7), res.wild_bootstrap(
        weights="webb", seed=7)
    webb2 = res.wild_bootstrap(weights="webb", seed=8)
    assert webb1.p_value == webb1b.p_value and webb1.to_frame().equals(webb1b.to_frame())
    assert webb1.to_frame()["ci_lower"].iloc[0] != webb2.to_frame()["ci_lower"].iloc[0]
    assert not webb1._bootstrap.enumerated and webb1._bootstrap.n_draws == 9999


def test_weight_distributions_have_mean_zero_and_variance_one():
    for weights in ("rademacher", "webb", "mammen"):
        v, enumerated = _draws(weights, 40, 20_000, seed=3)
        assert not enumerated and v.shape == (40, 20_000)
        assert abs(v.mean()) < 0.01 and abs(v.var() - 1) < 0.01
        if weights == "mammen":
            assert abs(np.mean(v**3) - 1) < 0.03  # Mammen's third moment is 1
    assert len(np.unique(_draws("webb", 5, 1000, seed=1)[0])) == 6


# ---------------------------------------------------------------------------------------
# wildboottest


def _wildboottest_p(Z, y, clusters, j, B, seed=None):
    wbt = pytest.importorskip("wildboottest.wildboottest")
    R = np.zeros(Z.shape[1])
    R[j] = 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = wbt.WildboottestCL(X=Z, Y=y, cluster=clusters, R=R, B=B, seed=seed,
                                parallel=False)
        wb.get_scores(bootstrap_type="11", impose_null=True)
        wb.get_weights(weights_type="rademacher")
        wb.get_numer()
        wb.get_denom()
        wb.get_tboot()
        wb.get_vcov()
        wb.get_tstat()
        wb.get_pvalue(pval_type="two-tailed")
    return float(np.squeeze(wb.pvalue))


def test_matches_wildboottest_to_monte_carlo_error():
    B = 9999
    df = _two_by_two(30, seed=4, per=4)
    res = did_2x2(df, outcome="y", unit="pupil", time="post", treated="treated", post="post",
                  cluster="school")
    d, p = df["treated"].to_numpy(float), df["post"].to_numpy(float)
    Z = np.column_stack([np.ones(len(df)), d, p, d * p])
    ours = res.wild_bootstrap(n_boot=B, seed=1).p_value
    theirs = _wildboottest_p(Z, df["y"].to_numpy(float), df["school"].to_numpy(), 3, B, 2)
    sd = np.sqrt(2 * ours * (1 - ours) / B)
    assert 0.01 < ours < 0.99
    assert abs(ours - theirs) < 4.5 * sd + 1 / B

    panel = _panel(24, 5, seed=9, drop=0.1)
    res = twfe(panel, outcome="y", unit="unit", time="time", treatment="d")
    Z = np.column_stack([panel["d"].to_numpy(float), _dummies(panel["unit"], False),
                         _dummies(panel["time"], True)])
    ours = res.wild_bootstrap(n_boot=B, seed=3).p_value
    theirs = _wildboottest_p(Z, panel["y"].to_numpy(float), panel["unit"].to_numpy(), 0, B, 4)
    sd = np.sqrt(2 * ours * (1 - ours) / B)
    assert 0.01 < ours < 0.99
    assert abs(ours - theirs) < 4.5 * sd + 1 / B


def test_matches_wildboottest_full_enumeration():
    df = _panel(10, 5, seed=13)
    res = twfe(df, outcome="y", unit="unit", time="time", treatment="d")
    ours = res.wild_bootstrap(n_boot=9999).p_value
    Z = np.column_stack([df["d"].to_numpy(float), _dummies(df["unit"], False),
                         _dummies(df["time"], True)])
    theirs = _wildboottest_p(Z, df["y"].to_numpy(float), df["unit"].to_numpy(), 0, 9999)
    assert 0 <= ours - theirs <= 2 / 2**10 + 1e-12


# ---------------------------------------------------------------------------------------
# the results protocol


def test_returned_result_keeps_the_protocol():
    df = _panel(12, 6, seed=17)
    res = event_study(df, outcome="y", unit="unit", time="time", cohort="cohort")
    boot = res.wild_bootstrap(n_boot=999, weights="webb", seed=5, level=0.9)
    assert boot is not res and res._bootstrap is None  # a new result; the old unchanged
    before, after = res.to_frame(), boot.to_frame()
    assert np.array_equal(before["std_error"], after["std_error"], equal_nan=True)
    assert np.array_equal(before["estimate"], after["estimate"])
    est = ~after["reference"]
    assert not np.allclose(before.loc[est, "p_value"], after.loc[est, "p_value"])
    assert (after.loc[est, "ci_lower"] < after.loc[est, "estimate"]).all()
    assert (after.loc[est, "ci_upper"] > after.loc[est, "estimate"]).all()
    assert after.loc[~est, ["p_value", "ci_lower"]].isna().all().all()
    assert boot.level == 0.9
    text = boot.summary()
    assert "Webb six-point" in text and "B = 999" in text and "seed 5" in text
    assert "std_error analytic" in boot.inference
    assert boot.vcov.equals(res.vcov)
    fig = boot.plot()
    plt.close(fig)

    did = twfe(df, outcome="y", unit="unit", time="time", treatment="d")
    wb = did.wild_bootstrap(n_boot=999, seed=1)
    row = wb.to_frame().iloc[0]
    assert wb.p_value == row["p_value"] == wb.coefficients.loc["d", "p_value"]
    assert wb.coefficients.loc["d", "ci_lower"] == row["ci_lower"]
    assert row["std_error"] == did.std_error
    assert "wild cluster bootstrap" in wb.summary()
    plt.close(wb.plot())


def test_event_study_terms_share_draws_and_each_has_its_own_p():
    df = _panel(12, 6, seed=19)
    res = event_study(df, outcome="y", unit="unit", time="time", cohort="cohort")
    frame = res.wild_bootstrap(n_boot=499, seed=3).to_frame()
    ps = frame.loc[~frame["reference"], "p_value"]
    assert ps.nunique() > 1 and ((ps > 0) & (ps <= 1)).all()
    # every p is a count over the same 500 samples (499 draws and the original)
    assert np.allclose(ps * 500, np.round(ps * 500))


def test_bad_arguments_and_missing_data():
    df = _two_by_two(6, seed=5)
    res = did_2x2(df, outcome="y", unit="pupil", time="post", treated="treated", post="post",
                  cluster="school")
    with pytest.raises(SpecError, match="weights"):
        res.wild_bootstrap(weights="normal")
    with pytest.raises(SpecError, match="n_boot"):
        res.wild_bootstrap(n_boot=0)
    with pytest.raises(SpecError, match="level"):
        res.wild_bootstrap(level=1.5)
    with pytest.raises(NotEstimableError, match="no data to refit"):
        replace(res, _wild_data=None).wild_bootstrap()
    panel = _panel(8, 5, seed=1)
    panel["crossed"] = (panel["unit"] + panel["time"]) % 4
    res = twfe(panel, outcome="y", unit="unit", time="time", treatment="d", cluster="crossed")
    with pytest.raises(NotEstimableError, match="nested"):
        res.wild_bootstrap()


def test_few_clusters_can_give_an_unbounded_interval():
    """With 4 clusters (16 sign vectors) no null is rejected at 5 %: the interval is R."""
    df = _two_by_two(4, seed=8)
    res = did_2x2(df, outcome="y", unit="pupil", time="post", treated="treated", post="post",
                  cluster="school")
    row = res.wild_bootstrap().to_frame().iloc[0]
    assert row["ci_lower"] == -np.inf and row["ci_upper"] == np.inf
    assert row["p_value"] >= 2 / 16


def test_period_effects_must_be_projected_off_the_resampled_residuals():
    """Refitting the within-transformed data alone (u~ * v_g not re-demeaned) is another
    bootstrap: it misses the dummy regression's p-value, which effekt's reproduces."""
    df = _panel(10, 5, seed=14)
    res = twfe(df, outcome="y", unit="unit", time="time", treatment="d")
    full = wild_cluster_bootstrap(res._wild_data)
    within_only = wild_cluster_bootstrap(replace(res._wild_data, absorbed=None))
    Z = np.column_stack([df["d"].to_numpy(float), _dummies(df["unit"], False),
                         _dummies(df["time"], True)])
    naive = _naive_p(Z, df["y"].to_numpy(float), 0, df["unit"].to_numpy(), _signs(10), 0.0)
    assert abs(full.p_value[0] - naive) < 1e-10
    assert abs(within_only.p_value[0] - naive) > 1e-3
