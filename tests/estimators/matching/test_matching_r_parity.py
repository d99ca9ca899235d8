"""Abadie-Imbens matching against R's Matching (fixtures: tests/fixtures/matching_r/).

``Match(Y = re78, Tr = treat, X, M, BiasAdjust, ties, Weight = 1, Var.calc = J)`` on two
lalonde samples: effekt's copy (MatchIt's, PSID controls) and Matching's own
``data(lalonde)`` (NSW experimental controls). ``ties = FALSE`` rows are R with effekt's
earliest-in-data rule imposed through ``restrict`` (R's own ``ties = FALSE`` is random);
see make_matching.R. Tolerance: 1e-6 absolute on the estimate and the SE (measured
below 1e-8).
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from effekt.estimators.matching.abadie_imbens import abadie_imbens
from effekt.estimators.matching.match import match

FIX = Path(__file__).resolve().parents[2] / "fixtures"
REF = FIX / "matching_r" / "matching_r_reference.csv"
COVS = ["age", "educ", "black", "hispan", "married", "nodegree", "re74", "re75"]
TOL = 1e-6


def _data(name: str) -> pd.DataFrame:
    if name == "nsw":
        return pd.read_csv(FIX / "matching_r" / "lalonde_nsw.csv").set_index("id")
    d = pd.read_csv(FIX / "matching" / "lalonde.csv").set_index("id")
    return d.assign(black=(d["race"] == "black").astype(int),
                    hispan=(d["race"] == "hispan").astype(int))


DATA = {name: _data(name) for name in ("psid", "nsw")}
CASES = pd.read_csv(REF)


@pytest.fixture(scope="module")
def matches():
    return {
        (name, m, ties): match(d, "treat", COVS, distance="ivar", replace=True, ratio=m,
                               ties=ties)
        for name, d in DATA.items() for m in (1, 4) for ties in (True, False)
    }


@pytest.mark.parametrize(
    "case", CASES.to_dict("records"),
    ids=lambda c: f"{c['data']}-M{c['M']}-ba{c['bias_adjust']}-ties{c['ties']}-J{c['var_calc']}",
)
def test_estimate_and_se_equal_r_matching(matches, case):
    m = matches[(case["data"], int(case["M"]), bool(case["ties"]))]
    e = abadie_imbens(m, "re78", bias_adjust=bool(case["bias_adjust"]),
                      variance_neighbours=int(case["var_calc"]))
    assert abs(e.estimate - case["estimate"]) < TOL
    assert abs(e.std_error - case["se"]) < TOL
    assert len(m.pairs) == case["n_pairs"]
    per = m.pairs.groupby("treated").size()
    assert int((per > case["M"]).sum()) == case["n_tied_treated"]


def test_ties_split_the_weight_of_a_treated_unit(matches):
    m = matches[("psid", 1, True)]
    per = m.pairs.groupby("treated").size()
    tied = per[per > 1]
    assert len(tied) == 22 and set(tied) == {2}
    # each tied control counts 1/2 towards its treated unit: the control weights still
    # sum to the number of controls used (MatchIt's normalisation)
    w = m.data.loc[m.data["treat"] == 0, "weights"]
    assert w.sum() == pytest.approx(len(w), rel=1e-12)


def test_ties_false_takes_the_earliest_equally_close_control(matches):
    d = DATA["psid"]
    m = matches[("psid", 1, False)]
    z = d[COVS].to_numpy(float) / d[COVS].to_numpy(float).std(axis=0, ddof=1)
    ctrl = np.flatnonzero(d["treat"].to_numpy() == 0)
    pos = d.index.get_indexer(m.pairs["control"])
    n_tied = 0
    for i, j in zip(d.index.get_indexer(m.pairs["treated"]), pos, strict=True):
        d2 = ((z[ctrl] - z[i]) ** 2).sum(axis=1)
        best = ctrl[d2 <= d2.min() + 1e-9]
        n_tied += len(best) > 1
        assert j == best.min()
    assert n_tied == 22


def test_two_conditional_variances_agree_for_one_neighbour_without_ties():
    rng = np.random.default_rng(3)
    d = pd.DataFrame({"x": rng.normal(size=300), "z": rng.normal(size=300)})
    d["t"] = (rng.uniform(size=300) < 0.3).astype(int)
    d["y"] = d["x"] + d["t"] + rng.normal(size=300)
    m = match(d, "t", ["x", "z"], distance="ivar", replace=True, ratio=2)
    a = abadie_imbens(m, "y", variance_neighbours=1)
    b = abadie_imbens(m, "y", variance_neighbours=1, conditional_variance="abadie_imbens")
    assert a.std_error == pytest.approx(b.std_error, rel=1e-12)
    a2 = abadie_imbens(m, "y", variance_neighbours=2)
    b2 = abadie_imbens(m, "y", variance_neighbours=2, conditional_variance="abadie_imbens")
    assert abs(a2.std_error / b2.std_error - 1) > 1e-4
