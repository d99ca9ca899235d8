"""random_effects(): parity with R metafor on dat.bcg, the tau2 = 0 limit, coverage, errors.

Reference numbers: tests/fixtures/metafor (make_metafor.R; provenance.json gives the R and
metafor versions and the exact calls).
"""

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from effekt.errors import DataError, SpecError
from effekt.register import RandomEffectsResult, random_effects
from effekt.results import EFFECT_COLUMNS

FIXTURES = Path(__file__).parents[1] / "fixtures" / "metafor"
DATA = pd.read_csv(FIXTURES / "bcg_yi_vi.csv")
POOLED = json.loads((FIXTURES / "bcg_rma.json").read_text())
BLUP = pd.read_csv(FIXTURES / "bcg_blup.csv")

# (our attribute, metafor's name)
FIELDS = [("estimate", "b"), ("std_error", "se"), ("ci_lower", "ci.lb"), ("ci_upper", "ci.ub"),
          ("p_value", "pval"), ("tau2", "tau2"), ("tau2_se", "se.tau2"), ("i2", "I2"),
          ("h2", "H2"), ("q", "QE"), ("q_p_value", "QEp"), ("pred_lower", "pi.lb"),
          ("pred_upper", "pi.ub")]


def _fit(method: str) -> RandomEffectsResult:
    return random_effects(DATA["yi"], np.sqrt(DATA["vi"]), method=method, labels=DATA["trial"])


@pytest.mark.parametrize(("method", "reference"), [("DL", "DL"), ("REML", "REML_tight")])
@pytest.mark.parametrize(("ours", "theirs"), FIELDS)
def test_pooled_matches_metafor(method, reference, ours, theirs):
    # 1e-6 absolute on every quantity (I2 in percent); REML against metafor run to 1e-12
    ref = POOLED[reference][theirs]
    assert getattr(_fit(method), ours) == pytest.approx(ref, abs=1e-6, rel=0)


@pytest.mark.parametrize(("ours", "theirs"), FIELDS)
def test_reml_matches_metafor_default_control(ours, theirs):
    # rma's default REML stops once tau2 moves < 1e-5 per step: tau2 is then ~7e-8 from the
    # maximum, which moves I2 and H2 by ~2e-6; so 1e-6 on all but I2, H2 (5e-6)
    tol = 5e-6 if theirs in {"I2", "H2"} else 1e-6
    assert getattr(_fit("REML"), ours) == pytest.approx(POOLED["REML"][theirs], abs=tol, rel=0)


@pytest.mark.parametrize(("method", "reference"), [("DL", "DL"), ("REML", "REML_tight")])
def test_blup_matches_metafor(method, reference):
    ref = BLUP[BLUP["method"] == reference].set_index("trial")
    got = _fit(method).blup
    assert got.index.tolist() == ref.index.tolist()
    assert got.columns.tolist() == ["estimate", "std_error", "ci_lower", "ci_upper"]
    np.testing.assert_allclose(got.to_numpy(), ref[["pred", "se", "pi.lb", "pi.ub"]].to_numpy(),
                               atol=1e-6, rtol=0)


def test_reml_tau2_is_the_restricted_likelihood_maximum():
    res = _fit("REML")
    y, v = DATA["yi"].to_numpy(), DATA["vi"].to_numpy()

    def ll(t):
        w = 1 / (v + t)
        mu = np.sum(w * y) / np.sum(w)
        return -0.5 * (np.sum(np.log(v + t)) + np.log(np.sum(w)) + np.sum(w * (y - mu) ** 2))

    assert ll(res.tau2) >= max(ll(res.tau2 - 1e-6), ll(res.tau2 + 1e-6))
    assert abs(ll(res.tau2 + 1e-7) - ll(res.tau2 - 1e-7)) < 1e-12


def test_dl_i2_is_the_q_statistic_form():
    res = _fit("DL")  # untruncated DL: I2 = (Q - df) / Q, H2 = Q / df (Higgins-Thompson)
    df = len(DATA) - 1
    assert res.i2 == pytest.approx(100 * (res.q - df) / res.q, abs=1e-10)
    assert res.h2 == pytest.approx(res.q / df, abs=1e-10)


@pytest.mark.parametrize("method", ["DL", "REML"])
def test_homogeneous_data_give_the_fixed_effect_estimate(method):
    y = np.array([0.10, 0.12, 0.09, 0.11, 0.10])  # Q far below its df: tau2 truncated at 0
    se = np.array([0.20, 0.30, 0.25, 0.20, 0.15])
    w = 1 / se**2
    res = random_effects(y, se, method=method)
    assert res.tau2 == 0.0
    assert res.i2 == 0.0
    assert res.estimate == np.sum(w * y) / np.sum(w)
    assert res.std_error == np.sqrt(1 / np.sum(w))
    assert res.pred_lower == pytest.approx(res.ci_lower, abs=1e-15)
    # no heterogeneity: the BLUPs all equal the pooled effect
    np.testing.assert_allclose(res.blup["estimate"], res.estimate, atol=1e-15, rtol=0)


def test_reml_interval_covers_the_true_mean_about_95_percent():
    rng = np.random.default_rng(20261202)
    mu, tau2, k, draws = 0.3, 0.04, 30, 400
    covered = 0
    for _ in range(draws):
        se = rng.uniform(0.1, 0.4, k)
        y = mu + rng.normal(0, np.sqrt(tau2), k) + rng.normal(0, se)
        res = random_effects(y, se)
        covered += res.ci_lower <= mu <= res.ci_upper
    assert 0.92 <= covered / draws <= 0.975


def test_results_protocol():
    res = _fit("REML")
    frame = res.to_frame()
    assert frame.columns.tolist() == ["term", *EFFECT_COLUMNS, "tau2", "i2"]
    assert frame["term"].tolist() == ["pooled"]
    assert frame["estimate"].iloc[0] == res.estimate
    assert res.vcov.loc["pooled", "pooled"] == pytest.approx(res.std_error**2, rel=1e-15)
    assert str(res) == res.summary() == _fit("REML").summary()
    assert "Random-effects" in res.summary() and "REML" in res.summary()
    assert res._repr_html_().startswith("<pre>")
    assert "true effects" in res.estimand and "REML" in res.inference
    with pytest.raises(AttributeError):
        res.tau2 = 0.0


def test_plot_is_a_forest_plot():
    res = random_effects([0.2, 0.5, -0.1], [0.1, 0.2, 0.15], labels=["a", "b", "c"])
    fig = res.plot()
    assert isinstance(fig, Figure)
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert ticks == ["a", "b", "c", "pooled"]
    _, ax = plt.subplots()
    assert res.plot(ax=ax) is ax.figure
    plt.close("all")


def test_level_changes_the_intervals():
    res90 = random_effects([0.2, 0.5, -0.1], [0.1, 0.2, 0.15], level=0.9)
    res95 = random_effects([0.2, 0.5, -0.1], [0.1, 0.2, 0.15])
    assert res90.ci_upper - res90.ci_lower < res95.ci_upper - res95.ci_lower
    half = 1.6448536269514722 * res90.std_error
    assert res90.ci_upper == pytest.approx(res90.estimate + half, abs=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(estimate=[0.1, 0.2], std_error=[0.1]), DataError, "std_error has 1"),
        (dict(estimate=[0.1], std_error=[0.1]), DataError, "at least 2"),
        (dict(estimate=[0.1, np.nan], std_error=[0.1, 0.1]), DataError, r"estimate\[1\]=nan"),
        (dict(estimate=[0.1, 0.2], std_error=[0.1, 0.0]), DataError, r"std_error\[1\]=0.0"),
        (dict(estimate=[0.1, 0.2], std_error=[0.1, -1]), DataError, "must be positive"),
        (dict(estimate=[0.1, 0.2], std_error=[0.1, np.inf]), DataError, "std_error"),
        (dict(estimate=["a", "b"], std_error=[0.1, 0.1]), DataError, "estimate="),
        (dict(estimate=[[0.1, 0.2]], std_error=[0.1, 0.1]), DataError, "1-D"),
        (dict(estimate=[0.1, 0.2], std_error=[0.1, 0.1], labels=["a"]), DataError, "labels"),
        (dict(estimate=[0.1, 0.2], std_error=[0.1, 0.1], labels=["a", "a"]), DataError,
         "not unique"),
        (dict(estimate=[0.1, 0.2], std_error=[0.1, 0.1], method="PM"), SpecError, "method='PM'"),
        (dict(estimate=[0.1, 0.2], std_error=[0.1, 0.1], level=95), SpecError, "level=95"),
    ],
)
def test_bad_input_names_the_argument(kwargs, error, match):
    with pytest.raises(error, match=match):
        random_effects(**kwargs)
