"""Property-based test: malformed input gives an effekt error or a result, never a traceback.

Every estimator and every budgeting entry point gets random malformed frames (wrong dtypes,
NaN and inf, empty frames, duplicate rows and columns, a single group, strings where
numbers go, duplicated index labels) and random malformed arguments (out-of-range levels,
ratios and shares, text where a number goes, negative counts). Whatever comes back must
be a result (whose ``to_frame()`` and ``summary()`` work) or an
:class:`effekt.errors.EffektError`; any other exception fails the test with the example
that raised it (issue 10: boundary checks for every entry point).

The examples are derandomised (the same on every run) and no example database is written.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import effekt.budgeting as bud  # noqa: E402
from effekt.data import RecordStore  # noqa: E402
from effekt.errors import EffektError  # noqa: E402
from effekt.estimators import (  # noqa: E402
    abadie_imbens,
    att_gt,
    bacon_decomposition,
    balance,
    did_2x2,
    event_study,
    honest_did,
    honest_did_from_estimates,
    imputation_did,
    match,
    matched_did,
    propensity,
    rct,
    sensitivity,
    sun_abraham,
    twfe,
    weights,
)
from effekt.synthetic import generate  # noqa: E402
from effekt.synthetic.examples import (  # noqa: E402
    cross_section,
    record_tables,
    staggered_panel,
    two_period,
)

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# -- malformed values ---------------------------------------------------------------------

BAD_SCALARS = [None, "a", "0.95", -1, 0, 1, 2.5, 95, 10**9, -(10**9), float("nan"),
               float("inf"), -float("inf"), 1e308, True, [], ["a", "a"], {"a": 1},
               np.int64(2), np.float64(0.5)]

FRAME_MUTATIONS = ["none", "empty", "head", "duplicate_rows", "nan", "inf", "huge", "negate",
                   "as_text", "text", "mixed", "bool", "datetime", "constant", "drop",
                   "single_group", "duplicate_column", "category", "shuffle", "nullable",
                   "index_labels", "bytes"]


def _mutate_once(data: Any, df: pd.DataFrame) -> pd.DataFrame:
    kind = data.draw(st.sampled_from(FRAME_MUTATIONS), label="mutation")
    if df.shape[1] == 0 or kind == "none":
        return df
    j = data.draw(st.integers(0, df.shape[1] - 1), label="column")  # by position: names
    out = df.copy()                                                 # may repeat
    n = len(out)
    column = out.iloc[:, j]
    rows = data.draw(st.lists(st.integers(0, max(n - 1, 0)), min_size=1, max_size=3),
                     label="rows") if n else []
    numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
    if kind == "empty":
        return out.iloc[:0]
    if kind == "head":
        return out.iloc[: data.draw(st.integers(1, 3), label="n_rows")]
    if kind == "duplicate_rows":
        return pd.concat([out, out.iloc[: data.draw(st.integers(1, 5), label="n_dup")]])
    if kind == "shuffle":
        return out.sample(frac=1.0, random_state=0)
    if kind == "drop":
        return out.iloc[:, [k for k in range(out.shape[1]) if k != j]]
    if kind == "duplicate_column":
        return pd.concat([out, out.iloc[:, [j]]], axis=1)
    if kind == "single_group":
        return out[(column == column.iloc[0]).fillna(False).to_numpy(dtype=bool)] if n else out
    if kind == "index_labels":
        out.index = ["a"] * n
        return out
    if kind in ("nan", "inf", "huge", "negate"):
        values = (column.to_numpy(dtype=float, na_value=np.nan).copy() if numeric
                  else np.ones(n))
        special = {"nan": np.nan, "inf": np.inf, "huge": 1e308}
        if kind == "negate":
            values = -values - 1.0
        elif n:
            values[rows] = special[kind] * (1 if kind != "inf" or rows[0] % 2 else -1)
        out.isetitem(j, values)
        return out
    if kind == "as_text":
        out.isetitem(j, column.astype(str))
    elif kind == "text":
        out.isetitem(j, ["a"] * n)
    elif kind == "bytes":
        out.isetitem(j, pd.Series([b"x"] * n, index=out.index, dtype=object))
    elif kind == "mixed":
        obj = column.astype(object).copy()
        if n:
            obj.iloc[rows] = "x"
        out.isetitem(j, obj)
    elif kind == "bool":
        out.isetitem(j, column.astype(bool))
    elif kind == "datetime":
        out.isetitem(j, pd.Series(pd.Timestamp("2020-01-01"), index=out.index))
    elif kind == "constant" and n:
        out.isetitem(j, pd.Series([column.iloc[0]] * n, index=out.index))
    elif kind == "category":
        out.isetitem(j, column.astype("category"))
    elif kind == "nullable" and numeric:
        arr = pd.array(column.to_numpy(dtype=float, na_value=np.nan), dtype="Float64")
        if n:
            arr[rows] = pd.NA
        out.isetitem(j, arr)
    return out


def mutate(data: Any, df: pd.DataFrame) -> pd.DataFrame:
    """Apply one or two random mutations to ``df``."""
    for _ in range(data.draw(st.integers(1, 2), label="n_mutations")):
        df = _mutate_once(data, df)
    return df


def maybe_bad(data: Any, kwargs: dict[str, Any], columns: list[str]) -> dict[str, Any]:
    """Replace zero to two arguments by malformed values or other column names."""
    out = dict(kwargs)
    names = sorted(out)
    for _ in range(data.draw(st.integers(0, 2), label="n_bad_args")):
        if not names:
            break
        key = data.draw(st.sampled_from(names), label="argument")
        pool = BAD_SCALARS + columns + ["nope"]
        out[key] = data.draw(st.sampled_from(pool), label=f"{key}=")
    return out


def check(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``fn``: an EffektError or a usable result is fine; anything else escapes."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            result = fn(*args, **kwargs)
        except EffektError:
            return None
        for method in ("to_frame", "summary"):
            if hasattr(result, method):
                getattr(result, method)()
    return result


# -- the estimators ----------------------------------------------------------------------

CROSS = cross_section(n=60, seed=3)
CROSS["c"] = np.arange(len(CROSS)) % 6
TWO = two_period(n_units=16, seed=1)
PANEL = staggered_panel(n_units=40, periods=5, cohorts=(3, 4), seed=2)
MPANEL = staggered_panel(n_units=60, periods=6, cohorts=(4,), seed=4, never_treated=0.6)


def _did_2x2(data):
    df = mutate(data, TWO)
    kw = maybe_bad(data, {"outcome": "y", "unit": "unit", "time": "year", "treated": "treated",
                          "post": "post", "covariates": None, "cluster": None,
                          "weights": None}, list(TWO.columns))
    check(did_2x2, df, **kw)


def _twfe(data):
    df = mutate(data, PANEL)
    kw = maybe_bad(data, {"outcome": "y", "unit": "id", "time": "t", "treatment": "d",
                          "cluster": None, "weights": None}, list(PANEL.columns))
    check(twfe, df, **kw)


def _event_study(data):
    df = mutate(data, PANEL)
    kw = maybe_bad(data, {"outcome": "y", "unit": "id", "time": "t", "cohort": "g",
                          "leads": None, "lags": None, "reference": -1, "cluster": None,
                          "weights": None}, list(PANEL.columns))
    check(event_study, df, **kw)


def _att_gt(data):
    df = mutate(data, PANEL)
    kw = maybe_bad(data, {"outcome": "y", "unit": "id", "time": "t", "cohort": "g",
                          "covariates": None, "control": "never", "method": "dr",
                          "anticipation": 0, "base_period": "varying", "panel": True,
                          "allow_unbalanced": False, "cluster": None, "weights": None},
                   list(PANEL.columns))
    gt = check(att_gt, df, **kw)
    if gt is not None:
        kind = data.draw(st.sampled_from(["simple", "dynamic", "group", "calendar", "x"]))
        check(gt.aggregate, kind)
        check(gt.bootstrap, n_boot=data.draw(st.sampled_from([1, 9, 0, "a"])), seed=1)


def _matched_did(data):
    df = mutate(data, MPANEL)
    kw = maybe_bad(data, {"outcome": "y", "unit": "id", "time": "t", "cohort": "g",
                          "covariates": None, "pre_periods": 2, "match_outcome": "levels",
                          "window": None, "cluster": None, "level": 0.95},
                   list(MPANEL.columns))
    check(matched_did, df, **kw)


def _match(data):
    df = mutate(data, CROSS)
    kw = maybe_bad(data, {"treatment": "t", "covariates": ["x"], "method": "nearest",
                          "distance": "logit", "ratio": 1, "replace": False, "caliper": None,
                          "exact": None, "order": None, "discard": "none", "cutpoints": None,
                          "estimand": "ATT", "seed": 0}, list(CROSS.columns))
    m = check(match, df, **kw)
    if m is not None:
        check(m.effect, data.draw(st.sampled_from(["y", "x", "g", "nope", None])))
        check(m.balance)


def _weights(data):
    df = mutate(data, CROSS)
    kw = maybe_bad(data, {"treatment": "t", "covariates": ["x", "g"], "method": "ipw",
                          "estimand": "ATT", "trim": None, "model": "logit"},
                   list(CROSS.columns))
    w = check(weights, df, **kw)
    if w is not None:
        check(w.effect, "y")


def _propensity(data):
    df = mutate(data, CROSS)
    kw = maybe_bad(data, {"treatment": "t", "covariates": ["x", "g"], "model": "logit"},
                   list(CROSS.columns))
    check(propensity, df, **kw)


def _balance(data):
    df = mutate(data, CROSS.assign(w=1.0))
    kw = maybe_bad(data, {"covariates": ["x", "g"], "treatment": "t", "weights": "w",
                          "estimand": "ATT"}, list(CROSS.columns))
    check(balance, df, **kw)


def _rct(data):
    df = mutate(data, CROSS)
    kw = maybe_bad(data, {"outcome": "y", "treatment": "t", "covariates": ["x"],
                          "cluster": None, "se": "HC2", "level": 0.95}, list(CROSS.columns))
    check(rct, df, **kw)


_MATCHES = None


def _matches():
    global _MATCHES
    if _MATCHES is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _MATCHES = (match(CROSS, "t", ["x"]),
                        match(CROSS, "t", ["x"], distance="ivar", replace=True, ratio=2))
    return _MATCHES


def _sensitivity(data):
    pairs, _ = _matches()
    df = mutate(data, CROSS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            m = match(df, "t", ["x"])
            effect = m.effect("y")
        except EffektError:
            m, effect = pairs, pairs.effect("y")
    kw = maybe_bad(data, {"outcome_sd": None, "gamma": (1.0, 1.5, 2.0)}, [])
    check(sensitivity, effect, data.draw(st.sampled_from([m, None, "m", pairs])), **kw)


def _abadie_imbens(data):
    pairs, with_replacement = _matches()
    df = mutate(data, CROSS)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            m = match(df, "t", ["x"], distance="ivar", replace=True, ratio=2)
        except EffektError:
            m = with_replacement
    kw = maybe_bad(data, {"outcome": "y", "bias_covariates": None, "bias_adjust": True,
                          "variance_neighbours": 2, "variance": "population", "level": 0.95},
                   list(CROSS.columns))
    check(abadie_imbens, data.draw(st.sampled_from([m, pairs, CROSS])), **kw)


def _sun_abraham(data):
    df = mutate(data, PANEL)
    kw = maybe_bad(data, {"outcome": "y", "unit": "id", "time": "t", "cohort": "g",
                          "control": "never", "covariates": None, "cluster": None,
                          "min_e": None, "max_e": None, "reference": -1},
                   list(PANEL.columns))
    check(sun_abraham, df, **kw)


def _imputation_did(data):
    df = mutate(data, PANEL)
    kw = maybe_bad(data, {"outcome": "y", "unit": "id", "time": "t", "cohort": "g",
                          "covariates": None, "horizons": None, "cluster": None,
                          "weights": None}, list(PANEL.columns))
    check(imputation_did, df, **kw)


def _bacon(data):
    df = mutate(data, PANEL)
    kw = maybe_bad(data, {"outcome": "y", "unit": "id", "time": "t", "cohort": "g"},
                   list(PANEL.columns))
    check(bacon_decomposition, df, **kw)


_ES = None


def _honest(data):
    global _ES
    if _ES is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _ES = event_study(PANEL, "y", "id", "t", "g")
    beta = data.draw(st.sampled_from([[0.1, 0.0, 1.0, 1.2], [], "a", [np.nan, 0.0, 1.0],
                                      [0.1, 0.2], [[0.1, 0.2]]]))
    sigma = data.draw(st.sampled_from([np.eye(4) * 0.01, np.eye(3), -np.eye(4), "s",
                                       np.full((4, 4), np.inf), [[1.0, 2.0], [3.0, 4.0]]]))
    kw = maybe_bad(data, {"num_pre": 2, "restriction": "relative_magnitude", "m": [0, 1],
                          "e": 0, "alpha": 0.05}, [])
    check(honest_did_from_estimates, beta, sigma, **kw)
    kw = maybe_bad(data, {"restriction": "smoothness", "m": [0.0, 0.1], "e": 0,
                          "alpha": 0.05}, [])
    check(honest_did, data.draw(st.sampled_from([_ES, PANEL, None, 1.0])), **kw)


ESTIMATORS = {
    "sun_abraham": _sun_abraham, "imputation_did": _imputation_did,
    "bacon_decomposition": _bacon, "honest_did": _honest,
    "did_2x2": _did_2x2, "twfe": _twfe, "event_study": _event_study, "att_gt": _att_gt,
    "matched_did": _matched_did, "match": _match, "weights": _weights,
    "propensity": _propensity, "balance": _balance, "rct": _rct,
    "sensitivity": _sensitivity, "abadie_imbens": _abadie_imbens,
}


@pytest.mark.parametrize("name", sorted(ESTIMATORS))
@SETTINGS
@given(data=st.data())
def test_estimators_raise_only_effekt_errors(name, data):
    ESTIMATORS[name](data)


# -- budgeting ----------------------------------------------------------------------------

CAT_TABLE = pd.DataFrame({"trajectory_type": ["light", "heavy"], "price": [100_000.0, 300_000.0],
                          "mean_duration_years": [1.0, 3.0], "share_nav": [1.0, 0.5],
                          "share_barnevern": [0.0, 0.5], "n_cases": [10.0, 5.0]})
CATALOGUE = bud.define_catalogue(CAT_TABLE)
POPULATION = pd.DataFrame({"year": [2025, 2025, 2026, 2026], "age_group": ["0-17", "18-66"] * 2,
                           "population": [1000.0, 2000.0, 1010.0, 2020.0]})
INCIDENCE = pd.DataFrame({"trajectory_type": ["light", "heavy"], "age_group": ["0-17", "18-66"],
                          "rate": [0.01, 0.002]})
CASELOAD = bud.project_caseload(POPULATION, INCIDENCE, CATALOGUE, years=2)
VOLUMES = pd.DataFrame({"year": 2025, "provider": ["nav", "barnevern"], "measure_id": ["a", "b"],
                        "volume": [10.0, 2.0], "unit_cost": [1000.0, 5000.0]})
SERVICE = bud.service_budget(VOLUMES)
TRAJECTORY = bud.trajectory_budget(CASELOAD, CATALOGUE, withhold=0.1)
RATE_CARD = pd.DataFrame({"outcome": ["off"], "price": [50_000.0], "cap": [60_000.0]})
OUTCOMES = pd.DataFrame({"case_id": [1, 2], "provider": "nav", "year": 2025, "outcome": "off",
                         "count": [1.0, 2.0]})
EFFECTS = pd.DataFrame({"event_time": [-1, 0, 1], "estimate": [0.0, -1.0, -2.0],
                        "std_error": [0.1, 0.5, 0.5]})
BASE = pd.DataFrame({"provider": ["nav"], "cost": [1_000_000.0], "outcome_payment": [1e5]})
rng = np.random.default_rng(0)
TRAJECTORIES = pd.DataFrame({"trajectory_type": np.repeat(["a", "b"], 20),
                             "duration_days": rng.uniform(100, 900, 40),
                             "cost_nav": rng.uniform(90, 110, 40), "age": rng.uniform(1, 17, 40)})
TRAJECTORIES["cost_total"] = TRAJECTORIES["cost_nav"]
SHARES = pd.DataFrame({"trajectory_type": ["light", "heavy", "heavy"],
                       "provider": ["nav", "nav", "barnevern"], "share": [1.0, 0.5, 0.5]})


def _frames(data, **frames):
    """Mutate one of the frames (or none)."""
    which = data.draw(st.sampled_from([None, *frames]), label="frame")
    return {k: (mutate(data, v) if k == which else v) for k, v in frames.items()}


def _b_project_caseload(data):
    f = _frames(data, population=POPULATION, incidence=INCIDENCE)
    kw = maybe_bad(data, {"years": 2, "start_year": None}, [])
    check(bud.project_caseload, f["population"], f["incidence"],
          data.draw(st.sampled_from([CATALOGUE, CAT_TABLE])), **kw)


def _b_budget_model_simulate(data):
    f = _frames(data, caseload=CASELOAD)
    kw = maybe_bad(data, {"incidence_cv": 0.1, "duration_cv": 0.1, "cost_cv": 0.05,
                          "poisson": True, "sectors": None}, [])
    model = check(bud.budget_model, CATALOGUE, f["caseload"], **kw)
    if model is None:
        model = bud.example_model(n_types=3, years=3)
    kw = maybe_bad(data, {"years": None, "draws": 20, "seed": 0}, [])
    sim = check(bud.simulate, model, **kw)
    if sim is not None:
        check(sim.quantiles, data.draw(st.sampled_from([(0.5,), (1.5,), ("a",), [], 0.5])))
        check(sim.present_value, data.draw(st.sampled_from(["r109", 0.04, "x", -2.0])))


def _b_example_model(data):
    kw = maybe_bad(data, {"n_types": 3, "years": 3, "seed": 0}, [])
    check(bud.example_model, **kw)


def _b_from_effect(data):
    f = _frames(data, effects=EFFECTS)
    kw = maybe_bad(data, {"cost_per_unit": {"nav": 9718.0}, "sector": None, "n_cases": 10.0,
                          "horizon": 3, "beyond": "zero", "start": 0}, [])
    stream = check(bud.from_effect, f["effects"], **kw)
    if stream is not None:
        check(stream.sample, data.draw(st.sampled_from([10, 0, "a", -1])), seed=0)


def _b_investment_account(data):
    costs = data.draw(st.sampled_from([{"nav": [1e6, 5e5]}, {"nav": -1.0}, {"nav": "a"},
                                       {"kultur": 1.0}, pd.DataFrame({"nav": [1.0, 2.0]}),
                                       pd.DataFrame({"nav": [1.0]}, index=[-1]),
                                       {"nav": [float("nan")]}, [1, 2], {"nav": [[1.0]]}]))
    kw = maybe_bad(data, {"horizon": 5, "lag": 1, "duration": None, "drop_off": 0.1,
                          "deadweight": 0.2, "schedule": "r109", "price_year": 2024,
                          "measure": "m"}, [])
    acc = check(bud.investment_account, costs, {"nav_state": 150_000.0}, **kw)
    if acc is not None:
        check(acc.who_pays_who_gains)
        check(acc.payback_year)


def _b_discount(data):
    flows = data.draw(st.sampled_from([[-100.0, 104.0], [], "a", [np.nan], [[1.0, 2.0]],
                                       [1e308, 1e308], [-1.0, 2.0], 5.0]))
    schedule = data.draw(st.sampled_from(["r109", 0.04, -1.0, "uk", float("nan"), None, "a",
                                          bud.DiscountSchedule("x", ((0.03, None),))]))
    check(bud.npv, flows, schedule)
    check(bud.payback_year, flows, schedule)
    check(bud.benefit_cost_ratio, flows, [100.0, 0.0], schedule)
    check(bud.discount_factors, data.draw(st.sampled_from(BAD_SCALARS)), schedule)
    check(bud.get_schedule, schedule)
    bands = data.draw(st.sampled_from([((0.04, 40), (0.03, None)), (), "ab", ((0.04,),),
                                       (("a", None),), ((0.04, "x"), (0.03, None)),
                                       ((0.04, 2.5), (0.03, None)), ((float("nan"), None),)]))
    check(bud.DiscountSchedule, "x", bands)


def _b_trend_violation(data):
    grid = data.draw(st.sampled_from([
        [{"m": 0.0, "ci_lower": -2.0, "ci_upper": 0.0}], [], "a", [{"m": 0.0}],
        [{"m": "x", "ci_lower": -2.0, "ci_upper": 0.0}],
        [{"m": 0.0, "ci_lower": np.nan, "ci_upper": 0.0}]]))
    outcome = {"nok_per_unit": 100.0, "n_cases": 5.0, "effects": [-1.0, np.nan],
               "estimate": -1.0, "grid": grid}
    bad = maybe_bad(data, {k: v for k, v in outcome.items() if k != "grid"}, [])
    outcomes = data.draw(st.sampled_from([[{**bad, "grid": grid}], [], "a", [1.0],
                                          [{"grid": grid}]]))
    check(bud.npv_under_trend_violation, outcomes,
          data.draw(st.sampled_from(["r109", 0.04, -1.0, "uk", None])))


def _b_catalogues(data):
    f = _frames(data, table=CAT_TABLE, trajectories=TRAJECTORIES)
    kw = maybe_bad(data, {"price_year": 2024}, [])
    check(bud.define_catalogue, f["table"], **kw)
    kw = maybe_bad(data, {"type_col": "trajectory_type", "trim": 0.99, "case_mix": None,
                          "price_year": 2024}, list(TRAJECTORIES.columns))
    check(bud.price_catalogue, f["trajectories"], **kw)
    check(bud.winsorise, f["trajectories"].get("cost_nav", pd.Series([1.0])),
          data.draw(st.sampled_from([0.9, None, 2.0, "a", float("nan")])))
    check(CATALOGUE.scaled, data.draw(st.sampled_from(BAD_SCALARS)))


def _b_allocation(data):
    f = _frames(data, volumes=VOLUMES, caseload=CASELOAD, service=SERVICE,
                trajectory=TRAJECTORY, shares=SHARES)
    check(bud.service_budget, f["volumes"])
    kw = maybe_bad(data, {"shares": f["shares"], "lead_provider": None, "withhold": 0.1}, [])
    check(bud.trajectory_budget, f["caseload"], CATALOGUE, **kw)
    check(bud.calibrate_budget_neutral, f["caseload"], CATALOGUE, f["service"],
          base_year=data.draw(st.sampled_from([2025, 1900, "a", None])))
    check(bud.compare_allocations, f["service"], f["trajectory"])
    check(bud.round_to_krone, data.draw(st.sampled_from([[0.4, 0.6], [np.nan], "a", [],
                                                         [np.inf, 1.0], [[1.0]]])))


def _b_rate_card_incentives(data):
    f = _frames(data, outcomes=OUTCOMES, rate_card=RATE_CARD, base=BASE)
    kw = maybe_bad(data, {"cap_per_case": None}, [])
    check(bud.rate_card_payout, f["outcomes"], f["rate_card"], **kw)
    kw = maybe_bad(data, {"volume_cut": 0.1, "outcome_gain": 0.1, "cream_skim": 0.1,
                          "easier_cost_gap": 0.3, "risk_capture": 0.5}, [])
    check(bud.incentives, f["base"], **kw)
    check(bud.resolve_sector, data.draw(st.sampled_from(BAD_SCALARS + ["nav", 242, "242.0"])))


def _b_constructors(data):
    bad = st.sampled_from([np.array([[1.0]]), np.array([[-1.0]]), np.array([[np.nan]]),
                           np.array([1.0]), [[1.0]], "a", None, np.array([[1e300]])])
    check(bud.BudgetModel, types=data.draw(st.sampled_from([("a",), "a", (1,), ()])),
          sectors=("nav",), new_cases=data.draw(bad), mean_duration=np.array([1.0]),
          annual_cost=data.draw(bad), incidence_cv=data.draw(st.sampled_from(BAD_SCALARS)))
    stream = check(bud.EffectStream, estimate=data.draw(bad), std_error=np.array([0.1]),
                   sectors=("nav",), cost_per_unit=np.array([1.0]),
                   n_cases=data.draw(st.sampled_from(BAD_SCALARS)), start=0)
    if stream is not None:
        check(stream.effect_draws, data.draw(st.sampled_from([5, 0, 10**12, "a"])), seed=0)


# a municipality's records: the smallest (no outcomes), and a tiny generated one whose
# outcome records reach the rate card; built once, each budget on them takes well under 1 s
SB_STORES = [RecordStore.from_frames(**record_tables())]
_TOWN = generate(seed=1, scale=0.002).tables
SB_STORES.append(RecordStore.from_frames(**{k: _TOWN[k] for k in (
    "persons", "measures", "service_events", "outcomes")}))
NAN, INF = float("nan"), float("inf")


def _sb_entry(drop: str | None = None, **change: Any) -> dict[str, Any]:
    """One budget_inputs entry as results.json has it (docs/contracts.md), then changed."""
    entry = {"outcome": "cost_nav", "kind": "nok", "sector": "nav", "nok_per_unit": 1.0,
             "n_cases": 30.0, "horizon": 3, "beyond": "zero", "event_time": [0, 1, 2],
             "estimate": [-5000.0, -10000.0, -15000.0],
             "vcov": [[1e6, 0.0, 0.0], [0.0, 1e6, 0.0], [0.0, 0.0, 1e6]], **change}
    entry.pop(drop, None)
    return entry


def _sb_study(*entries: Any, **top: Any) -> dict[str, Any]:
    """A study's results: spec, outcomes with labels, and budget_inputs (then changed)."""
    return {"spec": {"language": "nb", "exposure": {"pilot": "holf"},
                     "outcomes": [{"name": "cost_nav", "kind": "nok",
                                   "label": {"nb": "Kostnad NAV", "en": "Cost NAV"}}]},
            "outcomes": [{"outcome": "cost_nav", "label": None}],
            "budget_inputs": list(entries), **top}


_SB_PRICED = _sb_entry(outcome="social_assistance_months", kind="months", nok_per_unit=9718.0,
                       estimate=[-0.5, -1.0, -1.5], vcov=(np.eye(3) * 0.09).tolist())
SB_STUDIES = [
    # valid: NOK and priced outcomes of one study (the priced one inside the NOK one), one
    # estimate held with beyond="last", no inputs at all, two studies of the same pilot
    _sb_study(_sb_entry()), _sb_study(_sb_entry(), _SB_PRICED), _SB_PRICED,
    _sb_study(_sb_entry(sector="barnevern", event_time=[], estimate=[-2000.0],
                        vcov=[[1e6]], beyond="last", horizon=2)),
    _sb_study(), [_sb_study(_sb_entry()), _sb_study(_SB_PRICED)],
    # not a study's results, or no budget_inputs (an older effekt)
    "results.json", 5, None, [], [1], [_sb_study(_sb_entry()), "x"],
    {"spec": {"exposure": {"pilot": "holf"}}}, _sb_study(budget_inputs="abc"),
    _sb_study(budget_inputs={"a": 1}), _sb_study(1, "x", None),
    # a malformed spec or outcomes around a valid entry
    _sb_study(_sb_entry(), spec="x"), _sb_study(_sb_entry(), spec=[1]),
    _sb_study(_sb_entry(), outcomes=5), _sb_study(_sb_entry(), outcomes="abc"),
    _sb_study(_sb_entry(), spec={"exposure": "holf", "outcomes": 5}),
    _sb_study(_sb_entry(), spec={"exposure": {"pilot": 5}, "outcomes": [{"label": "x"}]}),
    # missing fields and wrong types
    *(_sb_study(_sb_entry(drop=k)) for k in ("vcov", "estimate", "n_cases", "sector")),
    _sb_study(_sb_entry(outcome=None)), _sb_study(_sb_entry(outcome="")),
    _sb_study(_sb_entry(kind="euro")), _sb_study(_sb_entry(kind=["nok"])),
    _sb_study(_sb_entry(beyond="forever")), _sb_study(_sb_entry(nok_per_unit="9718")),
    _sb_study(_sb_entry(nok_per_unit=NAN)), _sb_study(_sb_entry(nok_per_unit=1e300)),
    _sb_study(_sb_entry(n_cases=-5.0)), _sb_study(_sb_entry(n_cases="30")),
    _sb_study(_sb_entry(n_cases=True)), _sb_study(_sb_entry(n_cases=1e300)),
    _sb_study(_sb_entry(horizon=0)), _sb_study(_sb_entry(horizon=2.5)),
    _sb_study(_sb_entry(horizon=10**9)), _sb_study(_sb_entry(horizon="3")),
    # an unknown sector
    _sb_study(_sb_entry(sector="kultur")), _sb_study(_sb_entry(sector=None)),
    _sb_study(_sb_entry(sector=["nav"])), _sb_study(_sb_entry(sector=242)),
    # event times
    _sb_study(_sb_entry(event_time="012")), _sb_study(_sb_entry(event_time=[0, 0, 1])),
    _sb_study(_sb_entry(event_time=[-1, 0, 1])), _sb_study(_sb_entry(event_time=[0.5, 1, 2])),
    _sb_study(_sb_entry(event_time=[0, 1])), _sb_study(_sb_entry(event_time=[0, 50, 100])),
    # estimates: NaN, inf, text, huge
    _sb_study(_sb_entry(estimate=[NAN, 1.0, 2.0])), _sb_study(_sb_entry(estimate=[INF, 1.0, 2.0])),
    _sb_study(_sb_entry(estimate="a")), _sb_study(_sb_entry(estimate=[None, 1.0, 2.0])),
    _sb_study(_sb_entry(estimate=[True, 1.0, 2.0])), _sb_study(_sb_entry(estimate=[1e308] * 3)),
    # vcov of the wrong shape, asymmetric, NaN, negative variance, not positive semidefinite
    _sb_study(_sb_entry(vcov=[[1.0]])), _sb_study(_sb_entry(vcov="a")),
    _sb_study(_sb_entry(vcov=[[1.0, 0.0], [0.0]])), _sb_study(_sb_entry(vcov=np.eye(3))),
    _sb_study(_sb_entry(vcov=[[1.0, 2.0, 3.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])),
    _sb_study(_sb_entry(vcov=np.full((3, 3), NAN).tolist())),
    _sb_study(_sb_entry(vcov=(-np.eye(3)).tolist())),
    _sb_study(_sb_entry(vcov=[[1.0, 2.0, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, 1.0]])),
    _sb_study(_sb_entry(vcov=(np.eye(3) * 1e308).tolist())),
]


SB_OWN = [None, {"holf": ["Helsestasjon", 1]}, {"holf": "Helsestasjon"}, {"holf": 5},
          {"holf": [None]}, {"other": ["Helsestasjon"]}, ["holf"]]
SB_EXTRA = [None, {"holf": {"nav_state": [5e5, 5e5]}}, {"holf": {"nav": 1e5}}, {"holf": 5},
            {"holf": {"nav": "a"}}, {"holf": {"nav": None}}, {"holf": {"kultur": 1.0}},
            {"holf": {"nav": [[1.0]]}}, {"holf": {"nav": []}}, {"holf": {"nav": [1e6, -1.0]}},
            {"holf": {"nav": NAN}}, {"holf": {"nav": [1e6] * 300}}]
SB_RATE_CARDS = [None, pd.DataFrame({"outcome": ["school_attendance"], "price_nok": [1e4],
                                      "cap_per_case_nok": [NAN]}),
                 pd.DataFrame({"outcome": ["school_attendance"], "price_nok": ["a"]}),
                 pd.DataFrame({"outcome": ["nope"], "price_nok": [1.0]}),
                 pd.DataFrame({"outcome": [["nope"]], "price_nok": [1.0]}),
                 pd.DataFrame({"outcome": ["school_attendance"], "price_nok": [1.0],
                               "cap_per_case_nok": [-1.0]}),
                 pd.DataFrame({"price_nok": [1.0]}), "a"]


def _b_study_budget(data):
    # one input malformed at a time (or none), so that the later checks are reached too
    bad = data.draw(st.sampled_from(["studies", "arguments", "own_measures", "extra_costs",
                                     "rate_card", "none"]), label="malformed")
    store = data.draw(st.sampled_from(SB_STORES), label="store")
    studies = (data.draw(st.sampled_from(SB_STUDIES), label="studies") if bad == "studies"
               else SB_STUDIES[1])
    kw = {"seed": 1, "draws": 20, "withhold": 0.05, "years": None, "base_year": None,
          "growth": None, "gap_days": 90, "cap_per_case": None, "language": "en",
          "schedule": "r109", "price_year": 2024}
    if bad == "arguments":
        kw = maybe_bad(data, kw, [])
    for key, values in (("own_measures", SB_OWN), ("extra_costs", SB_EXTRA),
                        ("rate_card", SB_RATE_CARDS)):
        kw[key] = data.draw(st.sampled_from(values), label=key) if bad == key else None
    budget = check(bud.study_budget, store, studies, **kw)
    if budget is not None:
        check(budget.sheets)
        check(budget.pool)


_TEMPLATE: dict[str, bytes] = {}


def _b_run_workbook(data, tmp: Path):
    import openpyxl

    if not _TEMPLATE:
        src = bud.write_template(tmp / "template.xlsx")
        wb = openpyxl.load_workbook(src)
        wb["settings"]["B7"] = 20  # draws: keep every run fast
        wb.save(src)
        _TEMPLATE["xlsx"] = src.read_bytes()
    kind = data.draw(st.sampled_from(["cell", "cell", "cell", "text", "csv", "folder", "bytes",
                                      "missing"]), label="workbook")
    path = tmp / f"in_{kind}.xlsx"
    if kind == "cell":
        path.write_bytes(_TEMPLATE["xlsx"])
        wb = openpyxl.load_workbook(path)
        for _ in range(data.draw(st.integers(1, 3), label="n_cells")):
            sheet = data.draw(st.sampled_from(sorted(bud.workbook.SHEETS)), label="sheet")
            cell = data.draw(st.sampled_from(["A4", "B4", "C4", "B5", "C5", "B6", "A3", "B3",
                                              "A20", "D4", "E4", "F4"]), label="cell")
            value = data.draw(st.sampled_from([None, "a", -1, 0, 1, 1.5, 10**6, -(10**6),
                                               "nav", "family_light", 2025, 1e300]),
                              label="value")
            wb[sheet][cell] = value
        wb.save(path)
    elif kind == "text":
        path.write_text("not a workbook")
    elif kind == "csv":
        path = tmp / "in.csv"
        path.write_text("a,b\n1,2\n")
    elif kind == "folder":
        path.mkdir(exist_ok=True)
    elif kind == "bytes":
        path.write_bytes(data.draw(st.binary(max_size=200), label="bytes"))
    out = tmp / "out.xlsx"
    if out.exists():
        out.unlink()
    check(bud.run_workbook, path, out, seed=data.draw(st.sampled_from([None, 1, -1]),
                                                      label="seed"))


BUDGETING = {
    "project_caseload": _b_project_caseload, "budget_model_simulate": _b_budget_model_simulate,
    "example_model": _b_example_model, "from_effect": _b_from_effect,
    "investment_account": _b_investment_account, "discount": _b_discount,
    "trend_violation": _b_trend_violation,
    "catalogues": _b_catalogues, "allocation": _b_allocation,
    "rate_card_incentives": _b_rate_card_incentives, "constructors": _b_constructors,
    "study_budget": _b_study_budget,
}


@pytest.mark.parametrize("name", sorted(BUDGETING))
@SETTINGS
@given(data=st.data())
def test_budgeting_raises_only_effekt_errors(name, data):
    BUDGETING[name](data)


@settings(SETTINGS, max_examples=25)
@given(data=st.data())
def test_run_workbook_raises_only_effekt_errors(tmp_path_factory, data):
    _b_run_workbook(data, tmp_path_factory.mktemp("wb", numbered=True))


def test_every_budgeting_entry_point_is_exercised():
    """Every public budgeting function appears in one of the scenarios above."""
    import inspect

    source = inspect.getsource(inspect.getmodule(test_every_budgeting_entry_point_is_exercised))
    functions = [n for n in bud.__all__ if callable(getattr(bud, n)) and n[0].islower()]
    skipped = {"write_template"}  # writes files; its own tests cover the output rule
    missing = [n for n in functions if f"bud.{n}" not in source and n not in skipped]
    assert not missing, missing
