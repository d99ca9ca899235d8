"""Tests of effekt.estimators.did.diagnostics.honest: HonestDiD (Rambachan & Roth 2023).

Checked: the published Medicaid table of the HonestDiD README (R package), on the
fixest event study stored in tests/fixtures/honestdid (effekt's ``event_study`` gives the
same coefficients, but its CR1 covariance differs from fixest's by a constant factor,
checked separately); the PyPI port ``honestdid`` 0.1.1 as a second reference for the FLCI;
properties (the sets widen with ``Mbar``/``M``, ``Mbar = 0`` holds the point estimate, a
linear pre-trend is extrapolated exactly, with almost no noise the sets are the identified
sets); the inputs from ``event_study`` and ``att_gt``; the result's protocol and errors.

Tolerances. Relative magnitudes (C-LF) vs the published table: 5e-4 absolute (measured
<= 2.7e-4): the R package inverts the test on a grid of 1000 points on +/- 20 standard
errors (spacing 3.7e-4 here) and prints three significant digits, effekt refines the end
points by bisection. On R's own grid the same test gives every published bound to its
printed digits (half a unit of the last digit; measured <= 4.2e-5). Smoothness (FLCI):
half a unit of the last printed digit, at least 1e-4, vs the published table (measured
<= 7e-5 where four decimals are printed: R's convex solver's optimum, printed to three
significant digits) and 2e-5 vs the port (measured <= 1.6e-5; both optimise the same
programme with different solvers).
"""

from __future__ import annotations

import dataclasses
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from effekt.errors import DataError, NotEstimableError, SpecError
from effekt.estimators import att_gt, event_study
from effekt.estimators.did.diagnostics.honest import (
    HonestDiDResult,
    honest_did,
    honest_did_from_estimates,
)
from effekt.synthetic.examples import staggered_panel

FIXTURES = Path(__file__).parents[3] / "fixtures" / "honestdid"
DATA = Path(__file__).parents[5] / "shared" / "reference" / "honestdid_medicaid" / "ehec_data.csv"
needs_data = pytest.mark.skipif(not DATA.exists(), reason=f"Medicaid data missing at {DATA}")

RM_TOL = 5e-4
FLCI_PUBLISHED_TOL = 1e-4
FLCI_PORT_TOL = 2e-5


@pytest.fixture(scope="module")
def medicaid():
    es = json.loads((FIXTURES / "medicaid_es.json").read_text())
    return np.array(es["betahat"]), np.array(es["sigma"])


@pytest.fixture(scope="module")
def published():
    return pd.read_csv(FIXTURES / "published.csv", dtype={"ci_lower": str, "ci_upper": str})


def _printed(values: pd.Series, floor: float) -> tuple[np.ndarray, np.ndarray]:
    """The printed numbers and their tolerance: half a unit of the last digit, or ``floor``."""
    decimals = values.str.split(".").str[1].str.len().to_numpy()
    return values.astype(float).to_numpy(), np.maximum(floor, 0.5 * 10.0 ** -decimals)


def _close(actual, printed: pd.Series, floor: float) -> None:
    ref, tol = _printed(printed, floor)
    assert np.all(np.abs(np.asarray(actual) - ref) <= tol), (np.asarray(actual), ref, tol)


@pytest.fixture(scope="module")
def rm_result(medicaid):
    beta, sigma = medicaid
    return honest_did_from_estimates(beta, sigma, 5, "relative_magnitude",
                                     m=[0.5, 1.0, 1.5, 2.0])


@pytest.fixture(scope="module")
def sd_result(medicaid):
    beta, sigma = medicaid
    return honest_did_from_estimates(beta, sigma, 5, "smoothness",
                                     m=[0.0, 0.01, 0.02, 0.03, 0.04, 0.05])


def _medicaid_frame() -> pd.DataFrame:
    df = pd.read_csv(DATA)
    df = df[(df["year"] < 2016) & ~(df["yexp2"] == 2015)].copy()
    df["g"] = np.where(df["yexp2"] == 2014, 2014, 0)
    return df


# -- the published table ------------------------------------------------------------------


def test_relative_magnitudes_reproduce_published(rm_result, published):
    ref = published[published["restriction"] == "relative_magnitude"]
    frame = rm_result.to_frame()
    np.testing.assert_allclose(frame["m"], ref["m"])
    _close(frame["ci_lower"], ref["ci_lower"], RM_TOL)
    # R's grid points lie inside effekt's exact set (R's is a grid approximation of it)
    assert np.all(frame["ci_lower"] <= ref["ci_lower"].astype(float) + 5e-6)
    assert np.all(frame["ci_upper"] >= ref["ci_upper"].astype(float) - 5e-5)
    _close(frame["ci_upper"], ref["ci_upper"], RM_TOL)
    assert set(frame["method"]) == {"C-LF"}
    # the README reads the breakdown as Mbar = 2: the first grid value whose set has 0
    assert rm_result.breakdown == 2.0
    assert 1.5 < rm_result.breakdown_value <= 2.0


def test_r_grid_reproduces_published_to_printed_digits(medicaid, published):
    """The same test on R's own theta grid gives every published C-LF bound to its digits.

    HonestDiD's default grid for relative magnitudes is 1000 points on ``[-20, 20]`` times
    the standard error of the estimate; the published bounds are its lowest and highest
    accepted points. effekt's sets (grid + bisection) hold those grid points and lie within
    a grid spacing (3.7e-4 here) outside them.
    """
    from effekt.estimators.did.diagnostics import _inversion

    beta, sigma = medicaid
    l_vec = np.array([1.0, 0.0])
    sd = np.sqrt(sigma[5, 5])
    grid = np.linspace(-20 * sd, 20 * sd, 1000)
    ref = published[published["restriction"] == "relative_magnitude"]
    bounds = []
    for mbar in ref["m"]:
        polys = _inversion._polyhedra("relative_magnitude", 5, 2, float(mbar))
        tests = _inversion._tests(beta, sigma, 5, l_vec, polys, 0.05, "C-LF")
        accepted = grid[_inversion._accepts(tests, grid)]
        bounds.append((accepted.min(), accepted.max()))
    lower, upper = np.array(bounds).T
    _close(lower, ref["ci_lower"], 0.0)
    _close(upper, ref["ci_upper"], 0.0)


def test_smoothness_reproduces_published(sd_result, published):
    ref = published[published["restriction"] == "smoothness"]
    frame = sd_result.to_frame()
    _close(frame["ci_lower"], ref["ci_lower"], FLCI_PUBLISHED_TOL)
    _close(frame["ci_upper"], ref["ci_upper"], FLCI_PUBLISHED_TOL)
    assert set(frame["method"]) == {"FLCI"}
    assert sd_result.breakdown == pytest.approx(0.03)
    assert 0.02 < sd_result.breakdown_value <= 0.03


def test_flci_matches_python_port(sd_result):
    port = pd.read_csv(FIXTURES / "honestdid_py.csv")
    port = port[port["method"] == "FLCI"]
    np.testing.assert_allclose(port["M"], sd_result.m)
    np.testing.assert_allclose(sd_result.ci_lower, port["lb"], atol=FLCI_PORT_TOL, rtol=0)
    np.testing.assert_allclose(sd_result.ci_upper, port["ub"], atol=FLCI_PORT_TOL, rtol=0)


def test_original_interval(rm_result, medicaid):
    beta, sigma = medicaid
    se = np.sqrt(sigma[5, 5])
    assert rm_result.estimate == pytest.approx(beta[5], abs=1e-15)
    assert rm_result.original[0] == pytest.approx(beta[5] - 1.959963984540054 * se, abs=1e-12)
    assert rm_result.original[1] == pytest.approx(beta[5] + 1.959963984540054 * se, abs=1e-12)


@needs_data
def test_effekt_event_study_equals_fixest_up_to_the_cr1_factor(medicaid):
    """Same coefficients (1e-10); covariance = fixest's * (N - K_fixest) / (N - K_effekt).

    fixest counts the 8 year effects in K (K = 15; the state effects, nested in the
    clusters, are not counted), effekt counts the 7 event-time coefficients only (K = 7):
    with N = 344 the two covariances differ by the factor 337 / 329 exactly.
    """
    beta, sigma = medicaid
    res = event_study(_medicaid_frame(), outcome="dins", unit="stfips", time="year",
                      cohort="g")
    keep = res.event_time != -1
    np.testing.assert_allclose(res.estimate[keep], beta, atol=1e-10, rtol=0)
    cov = res.covariance[np.ix_(keep, keep)]
    np.testing.assert_allclose(cov * (344 - 7) / (344 - 15), sigma, rtol=1e-9, atol=0)
    # and honest_did runs on effekt's own result: its sets are slightly narrower
    own = honest_did(res, restriction="smoothness", m=[0.0, 0.02])
    ref = honest_did_from_estimates(beta, sigma, 5, "smoothness", m=[0.0, 0.02])
    assert np.all(own.ci_upper - own.ci_lower < ref.ci_upper - ref.ci_lower)
    np.testing.assert_array_equal(own.pre_event_times, [-6, -5, -4, -3, -2])
    np.testing.assert_array_equal(own.post_event_times, [0, 1])


# -- properties -------------------------------------------------------------------------


def test_sets_widen_with_m(rm_result, sd_result):
    for res in (rm_result, sd_result):
        assert np.all(np.diff(res.ci_lower) <= 1e-12)
        assert np.all(np.diff(res.ci_upper) >= -1e-12)
        assert np.all(res.ci_lower <= res.original[1])


def test_mbar_zero_contains_the_estimate(medicaid):
    beta, sigma = medicaid
    for method in ("C-LF", "Conditional"):
        res = honest_did_from_estimates(beta, sigma, 5, m=[0.0], method=method)
        assert res.ci_lower[0] < beta[5] < res.ci_upper[0]
        # Mbar = 0 identifies the effect: the identified set is the point estimate
        assert res.id_lower[0] == pytest.approx(beta[5], abs=1e-12)
        assert res.id_upper[0] == pytest.approx(beta[5], abs=1e-12)


def test_linear_pretrend_is_extrapolated_exactly():
    """SD with M = 0 and a violation on a line: the FLCI is centred at the true effect."""
    rng = np.random.default_rng(4)
    slope, tau = 0.3, np.array([1.0, 2.0])
    t = np.r_[np.arange(-4, 0), np.arange(1, 3)].astype(float)
    beta = slope * t + np.r_[np.zeros(4), tau]
    root = rng.normal(size=(6, 6))
    sigma = root @ root.T / 30 + np.eye(6) * 0.01
    for e in (0, 1):
        res = honest_did_from_estimates(beta, sigma, 4, "smoothness", m=[0.0], e=e)
        assert (res.ci_lower[0] + res.ci_upper[0]) / 2 == pytest.approx(tau[e], abs=1e-10)
        assert res.id_lower[0] == pytest.approx(tau[e], abs=1e-10)
        assert res.id_upper[0] == pytest.approx(tau[e], abs=1e-10)


@pytest.mark.parametrize(("restriction", "method", "m"), [
    ("relative_magnitude", "C-LF", [0.5, 1.0]),
    ("smoothness", "Conditional", [0.03, 0.05]),
    ("smoothness", "C-LF", [0.03, 0.05]),
])
def test_little_noise_gives_the_identified_set(medicaid, restriction, method, m):
    beta, sigma = medicaid
    tiny = sigma * 1e-8
    res = honest_did_from_estimates(beta, tiny, 5, restriction, m=m, method=method)
    sd = np.sqrt(tiny[5, 5])
    assert np.all(np.isfinite(res.id_lower))
    np.testing.assert_allclose(res.ci_lower, res.id_lower, atol=5 * sd, rtol=0)
    np.testing.assert_allclose(res.ci_upper, res.id_upper, atol=5 * sd, rtol=0)
    assert np.all(res.ci_lower <= res.id_lower) and np.all(res.ci_upper >= res.id_upper)


def test_identified_set_empty_when_pretrends_violate(sd_result):
    """Pre-trends far from linear: Delta^SD(0) cannot hold, its identified set is empty."""
    assert np.isnan(sd_result.id_lower[0]) and np.isnan(sd_result.id_upper[0])
    assert np.all(np.isfinite(sd_result.id_lower[2:]))


def test_average_and_later_periods(medicaid):
    beta, sigma = medicaid
    avg = honest_did_from_estimates(beta, sigma, 5, m=[0.0, 0.5], l_vec=[0.5, 0.5])
    assert avg.estimate == pytest.approx(beta[5:].mean(), abs=1e-15)
    assert avg.ci_lower[0] < avg.estimate < avg.ci_upper[0]
    later = honest_did_from_estimates(beta, sigma, 5, m=[0.0], e=1)
    assert later.estimate == pytest.approx(beta[6], abs=1e-15)
    assert "event time 1" in later.parameter


def test_breakdown_none_in_grid(medicaid):
    beta, sigma = medicaid
    res = honest_did_from_estimates(beta, sigma, 5, m=[0.5, 1.0])
    assert np.isnan(res.breakdown) and np.isnan(res.breakdown_value)
    assert "above 1" in res.breakdown_note


# -- inputs and the result ----------------------------------------------------------------


def test_att_gt_universal_dynamic():
    df = staggered_panel(n_units=120, periods=7, cohorts=(5,), effect=1.0, seed=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        agg = att_gt(df, outcome="y", unit="id", time="t", cohort="g",
                     base_period="universal").aggregate("dynamic")
    res = honest_did(agg, m=[0.5, 1.0], e=1)
    frame = agg.to_frame()
    row = frame.index[frame["event_time"] == 1][0]
    assert res.estimate == pytest.approx(frame.loc[row, "estimate"], abs=1e-12)
    np.testing.assert_array_equal(res.pre_event_times, [-4, -3, -2])
    np.testing.assert_array_equal(res.post_event_times, [0, 1, 2])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        varying = att_gt(df, outcome="y", unit="id", time="t", cohort="g").aggregate("dynamic")
    with pytest.raises(SpecError, match="universal"):
        honest_did(varying)
    with pytest.raises(SpecError, match="dynamic"):
        honest_did(att_gt(df, outcome="y", unit="id", time="t", cohort="g",
                          base_period="universal").aggregate("group"))


def test_result_protocol(rm_result, sd_result):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    assert isinstance(rm_result, HonestDiDResult)
    assert list(rm_result.to_frame().columns[:5]) == ["m", "ci_lower", "ci_upper", "method",
                                                      "restriction"]
    text = rm_result.summary()
    assert text == str(rm_result) and "Mbar" in text and "C-LF" in text
    assert rm_result._repr_html_().startswith("<pre>")
    assert "largest pre-treatment violation" in rm_result.estimand
    assert "linear trend" in sd_result.estimand
    assert isinstance(rm_result.plot(), Figure) and isinstance(sd_result.plot(), Figure)
    with pytest.raises(dataclasses.FrozenInstanceError):
        rm_result.method = "FLCI"


def test_errors(medicaid):
    beta, sigma = medicaid
    with pytest.raises(SpecError, match="restriction"):
        honest_did_from_estimates(beta, sigma, 5, "linear")
    with pytest.raises(SpecError, match="FLCI"):
        honest_did_from_estimates(beta, sigma, 5, method="FLCI")
    with pytest.raises(SpecError, match="m must"):
        honest_did_from_estimates(beta, sigma, 5, m=[-1.0])
    with pytest.raises(SpecError, match="m must hold numbers"):
        honest_did_from_estimates(beta, sigma, 5, m=["a lot"])
    with pytest.raises(DataError, match="betahat must hold numbers"):
        honest_did_from_estimates(["x"] * 7, sigma, 5)
    with pytest.raises(SpecError, match="e must"):
        honest_did_from_estimates(beta, sigma, 5, e=2)
    with pytest.raises(SpecError, match="l_vec"):
        honest_did_from_estimates(beta, sigma, 5, l_vec=[1.0])
    with pytest.raises(SpecError, match="num_pre"):
        honest_did_from_estimates(beta, sigma, 7)
    with pytest.raises(DataError, match="sigma"):
        honest_did_from_estimates(beta, sigma[:3, :3], 5)
    with pytest.raises(DataError, match="semi-definite"):
        honest_did_from_estimates(beta, -sigma, 5)
    with pytest.raises(SpecError, match="EventStudyResult"):
        honest_did(beta)
    df = staggered_panel(n_units=30, periods=5, cohorts=(3,), seed=1)
    es = event_study(df, outcome="y", unit="id", time="t", cohort="g")
    with pytest.raises(SpecError, match="e=5"):
        honest_did(es, e=5)
    shifted = event_study(df, outcome="y", unit="id", time="t", cohort="g", reference=-2)
    with pytest.raises(SpecError, match="-1"):
        honest_did(shifted)
    no_pre = event_study(df, outcome="y", unit="id", time="t", cohort="g", leads=1)
    with pytest.raises(NotEstimableError, match="0 pre-treatment"):
        honest_did(no_pre)


def test_linear_programmes_equal_vertex_enumeration(medicaid, monkeypatch):
    """The LP path (many dual vertices) gives the conditional test's sets exactly."""
    from effekt.estimators.did.diagnostics import _arp

    beta, sigma = medicaid
    kw = dict(m=[1.0], method="Conditional", grid_points=20)
    listed = honest_did_from_estimates(beta, sigma, 5, **kw)
    monkeypatch.setattr(_arp, "_MAX_SUBSETS", 0)
    solved = honest_did_from_estimates(beta, sigma, 5, **kw)
    np.testing.assert_allclose(solved.ci_lower, listed.ci_lower, atol=1e-9, rtol=0)
    np.testing.assert_allclose(solved.ci_upper, listed.ci_upper, atol=1e-9, rtol=0)
