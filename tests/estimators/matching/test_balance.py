"""Balance tables: MatchIt's conventions, checked by hand."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from effekt.estimators.matching.balance import balance  # noqa: E402


@pytest.fixture
def data():
    rng = np.random.default_rng(7)
    n = 300
    return pd.DataFrame({
        "t": np.repeat([1, 0], [100, 200]),
        "x": rng.normal(size=n) + np.repeat([0.5, 0], [100, 200]),
        "b": (rng.uniform(size=n) < 0.4).astype(int),
        "w": rng.uniform(0.5, 2, size=n),
    })


def test_smd_conventions_by_hand(data):
    tab = balance(data, ["x", "b"], treatment="t", weights="w").table
    t = data["t"] == 1
    x, b, w = data["x"], data["b"], data["w"]
    sd_t = x[t].std(ddof=1)
    assert tab.loc["x", "smd_before"] == pytest.approx((x[t].mean() - x[~t].mean()) / sd_t)
    wm = lambda v, m: np.sum(w[m] * v[m]) / w[m].sum()  # noqa: E731
    assert tab.loc["x", "smd_after"] == pytest.approx((wm(x, t) - wm(x, ~t)) / sd_t, rel=1e-12)
    p = b[t].mean()
    assert tab.loc["b", "smd_before"] == pytest.approx(
        (b[t].mean() - b[~t].mean()) / np.sqrt(p * (1 - p)), rel=1e-12)
    assert tab.loc["b", "type"] == "binary"
    assert np.isnan(tab.loc["b", "vr_after"])
    assert tab.loc["b", "ecdf_max_after"] == pytest.approx(abs(wm(b, t) - wm(b, ~t)), rel=1e-12)
    assert tab.loc["x", "vr_before"] == pytest.approx(x[t].var() / x[~t].var(), rel=1e-12)


def test_weighted_variance_ratio(data):
    tab = balance(data, ["x"], treatment="t", weights="w").table
    t = (data["t"] == 1).to_numpy()
    x, w = data["x"].to_numpy(), data["w"].to_numpy()

    def wvar(m):
        sw = w[m].sum()
        mu = np.sum(w[m] * x[m]) / sw
        return np.sum(w[m] * (x[m] - mu) ** 2) / (sw - np.sum(w[m] ** 2) / sw)

    assert tab.loc["x", "vr_after"] == pytest.approx(wvar(t) / wvar(~t), rel=1e-12)


def test_ecdf_stats_by_hand():
    d = pd.DataFrame({"t": [1, 1, 0, 0, 0], "x": [1.0, 3.0, 2.0, 3.0, 4.0]})
    tab = balance(d, ["x"], treatment="t").table
    # grid 1,2,3,4: F_t = .5,.5,1,1; F_c = 0,1/3,2/3,1
    diffs = np.array([0.5, 0.5 - 1 / 3, 1 / 3, 0.0])
    assert tab.loc["x", "ecdf_mean_before"] == pytest.approx(diffs.mean(), rel=1e-12)
    assert tab.loc["x", "ecdf_max_before"] == pytest.approx(0.5, rel=1e-12)


def test_ate_uses_pooled_sd(data):
    tab = balance(data, ["x"], treatment="t", estimand="ATE").table
    t = data["t"] == 1
    x = data["x"]
    pooled = np.sqrt((x[t].var() + x[~t].var()) / 2)
    assert tab.loc["x", "smd_before"] == pytest.approx((x[t].mean() - x[~t].mean()) / pooled)


def test_categorical_all_levels_and_plot(data):
    d = data.assign(g=np.where(data.index % 3 == 0, "a", np.where(data.index % 3 == 1, "b", "c")))
    res = balance(d, ["x", "g"], treatment="t")
    assert list(res.table.index) == ["x", "ga", "gb", "gc"]
    ax = res.plot().axes[0]
    assert ax.get_xlabel() == "absolute standardised mean difference"
    assert 0.1 in [line.get_xdata()[0] for line in ax.get_lines()]
    assert "Covariate balance" in res.summary()
    assert list(res.to_frame().columns)[0] == "covariate"


def test_covariate_constant_among_controls_gives_infinite_variance_ratio():
    import pandas as pd

    from effekt.estimators.matching.balance import balance

    d = pd.DataFrame({"t": [1, 1, 1, 0, 0, 0], "x": [1.0, 2.0, 3.0, 5.0, 5.0, 5.0],
                      })
    tab = balance(d, ["x"], treatment="t").table
    assert np.isinf(tab.loc["x", "vr_before"])
