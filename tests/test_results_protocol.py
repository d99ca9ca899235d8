"""Every effect result keeps the one results protocol (effekt.results, docs/design.md).

to_frame(): label column(s), then estimate, std_error, ci_lower, ci_upper, p_value;
vcov: a DataFrame labelled like the rows, with the variances on its diagonal; plot():
a matplotlib Figure; summary(): deterministic, the text of str() and _repr_html_;
estimand, inference and nobs; immutable.
"""

from __future__ import annotations

import dataclasses
import html
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from effekt.estimators import (
    att_gt,
    did_2x2,
    event_study,
    imputation_did,
    match,
    matched_did,
    rct,
    sun_abraham,
    twfe,
    weights,
)
from effekt.results import EFFECT_COLUMNS, EffectResults


def _panel(n=240, periods=6, seed=0):
    rng = np.random.default_rng(seed)
    cohort = rng.choice([0, 0, 3, 4], n)
    df = pd.DataFrame({"id": np.repeat(np.arange(n), periods),
                       "t": np.tile(np.arange(1, periods + 1), n),
                       "g": np.repeat(cohort, periods)})
    df["x"] = np.repeat(rng.normal(size=n), periods)
    df["y"] = (df["x"] + 0.1 * df["t"] + ((df.g > 0) & (df.t >= df.g)) * 1.0
               + rng.normal(size=len(df)))
    df["d"] = ((df.g > 0) & (df.t >= df.g)).astype(int)
    df["cl"] = df["id"] % 24
    return df


def _results():
    df = _panel()
    two = df[df["t"].isin([2, 3]) & df["g"].isin([0, 3])].assign(
        treated=lambda d: (d["g"] > 0).astype(int), post=lambda d: (d["t"] == 3).astype(int))
    cross = df[df["t"] == 5].assign(treated=lambda d: (d["g"] > 0).astype(int))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gt = att_gt(df, outcome="y", unit="id", time="t", cohort="g")
        out = {
            "did_2x2": did_2x2(two, outcome="y", unit="id", time="t", treated="treated",
                               post="post"),
            "twfe": twfe(df, outcome="y", unit="id", time="t", treatment="d", cluster="cl"),
            "event_study": event_study(df, outcome="y", unit="id", time="t", cohort="g"),
            "att_gt": gt,
            "matched_did": matched_did(df, "y", "id", "t", "g", pre_periods=2),
            "match_effect": match(cross, "treated", ["x"]).effect("y"),
            "weights_effect": weights(cross, "treated", ["x"]).effect("y"),
            "rct": rct(cross, "y", "treated", covariates=["x"]),
            "sun_abraham": sun_abraham(df, outcome="y", unit="id", time="t", cohort="g"),
            "imputation_did": imputation_did(df, outcome="y", unit="id", time="t",
                                             cohort="g"),
        }
        for kind in ("simple", "group", "calendar", "dynamic"):
            out[f"aggregate_{kind}"] = gt.aggregate(kind)
        # new inference returns new results, which keep the protocol (issue 12)
        out["did_2x2_wild"] = out["did_2x2"].wild_bootstrap(n_boot=99, seed=0)
        out["event_study_wild"] = out["event_study"].wild_bootstrap(n_boot=99, seed=0)
        out["twfe_cr2"] = twfe(df, outcome="y", unit="id", time="t", treatment="d",
                               cluster="cl", se="CR2")
        out["randomization"] = out["did_2x2"].randomization_test(n_perm=99, seed=0)
    return out


RESULTS = _results()


@pytest.fixture(params=sorted(RESULTS))
def result(request):
    return RESULTS[request.param]


def test_to_frame_columns(result):
    frame = result.to_frame()
    labels = list(result.label_columns)
    assert isinstance(result, EffectResults)
    assert list(frame.columns[: len(labels) + 5]) == labels + list(EFFECT_COLUMNS)
    p = frame["p_value"].dropna()
    assert ((p >= 0) & (p <= 1)).all()
    ok = frame["std_error"].notna()
    assert (frame.loc[ok, "ci_lower"] <= frame.loc[ok, "estimate"]).all()
    assert (frame.loc[ok, "estimate"] <= frame.loc[ok, "ci_upper"]).all()
    assert frame is not result.to_frame()  # a new frame each time: changing it changes nothing


def test_vcov_is_labelled_like_the_rows(result):
    frame, vcov = result.to_frame(), result.vcov
    assert isinstance(vcov, pd.DataFrame) and vcov.shape == (len(frame), len(frame))
    labels = list(result.label_columns)
    expected = (frame[labels[0]].tolist() if len(labels) == 1
                else list(frame[labels].itertuples(index=False, name=None)))
    assert vcov.index.tolist() == expected and vcov.columns.tolist() == expected
    se = frame["std_error"].to_numpy()
    ok = np.isfinite(se)
    np.testing.assert_allclose(np.sqrt(np.diag(vcov.to_numpy())[ok]), se[ok], rtol=1e-10)
    assert np.isnan(np.diag(vcov.to_numpy())[~ok]).all()  # not estimated: NaN, not 0


def test_plot_returns_the_figure(result):
    fig = result.plot()
    assert isinstance(fig, Figure) and fig.axes
    plt.close(fig)
    fig, ax = plt.subplots()
    drawn = result.plot(ax=ax) if not hasattr(result, "att") else None
    if drawn is not None:  # att_gt draws one panel per cohort and takes a list of Axes
        assert drawn is fig
    plt.close(fig)


def test_summary_is_the_one_text(result):
    text = result.summary()
    assert text == result.summary() == str(result) == repr(result)
    assert html.escape(text) in result._repr_html_()
    assert "p_value" in text or "p-value" in text.lower()
    assert ".0000" not in text.split("\n", 1)[0]


def test_estimand_inference_nobs_outcome(result):
    assert isinstance(result.estimand, str) and len(result.estimand) > 10
    assert isinstance(result.inference, str) and len(result.inference) > 5
    assert isinstance(result.nobs, int) and result.nobs > 0
    assert result.outcome == "y"


def test_results_are_immutable(result):
    name = dataclasses.fields(result)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(result, name, None)


def test_integers_print_as_integers():
    gt = RESULTS["att_gt"].summary()
    assert "\n3     2 " in gt and "3.0000" not in gt  # cohort 3, period 2
    assert "P-value for pre-test of parallel trends assumption" in gt
    es = RESULTS["event_study"].summary()
    assert "-1.0000" not in es and "\n-3 " in es
