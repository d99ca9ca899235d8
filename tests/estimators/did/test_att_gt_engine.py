"""att_gt of a panel given as a Parquet path or an Ibis table, read a block of units at a time.

The estimates, standard errors, aggregations and bootstrap draws equal those of the same
panel given as a pandas DataFrame; bad input is refused in the engine with the errors
of the DataFrame path.
"""

from __future__ import annotations

import warnings

import ibis
import numpy as np
import pytest

from effekt.errors import DataError, NotEstimableError, SpecError
from effekt.estimators import att_gt
from effekt.estimators.did import engine_input
from effekt.synthetic.examples import staggered_panel

KW = dict(outcome="y", unit="id", time="t", cohort="g")


@pytest.fixture(scope="module")
def panel():
    df = staggered_panel(n_units=500, periods=6, effect=1.0, seed=11)
    w = np.random.default_rng(2).uniform(0.5, 2.0, df["id"].nunique())
    return df.assign(w=w[df["id"].to_numpy()])


@pytest.fixture(scope="module")
def path(panel, tmp_path_factory):
    out = tmp_path_factory.mktemp("panel") / "panel.parquet"
    panel.sample(frac=1.0, random_state=0).to_parquet(out, index=False)  # rows shuffled
    return out


def _fit(df, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return att_gt(df, **KW, **kw)


def _same(a, b, draws=False):
    np.testing.assert_allclose(a.att, b.att, rtol=1e-11, atol=1e-12)
    np.testing.assert_allclose(a.std_error, b.std_error, rtol=1e-10)
    for kind in ("simple", "group", "dynamic", "calendar"):
        x, y = a.aggregate(kind), b.aggregate(kind)
        np.testing.assert_allclose(x.overall_att, y.overall_att, rtol=1e-11)
        np.testing.assert_allclose(x.std_error, y.std_error, rtol=1e-10)
    if draws:
        x = a.bootstrap(n_boot=199, seed=4).aggregate("dynamic")
        y = b.bootstrap(n_boot=199, seed=4).aggregate("dynamic")
        np.testing.assert_allclose(x.std_error, y.std_error, rtol=1e-5)


@pytest.mark.parametrize("kw", [{}, {"control": "notyet"}, {"weights": "w"},
                                {"base_period": "universal", "anticipation": 1}],
                         ids=["default", "notyet", "weights", "universal"])
def test_a_parquet_path_gives_the_dataframe_result(panel, path, kw):
    _same(_fit(path, **kw), _fit(panel, **kw), draws=True)


def test_an_ibis_table_and_a_folder(panel, path):
    table = ibis.duckdb.connect().read_parquet(str(path))
    _same(_fit(table), _fit(panel))
    _same(_fit(path.parent), _fit(panel))


def test_blocks_of_units_give_the_one_pass_result(panel, path, monkeypatch):
    whole = _fit(path)
    monkeypatch.setattr(engine_input, "BLOCK", 37)
    parts = _fit(path)
    _same(parts, whole)
    a = parts.bootstrap(n_boot=99, seed=1).aggregate("simple").overall_se
    b = parts.bootstrap(n_boot=99, seed=1).aggregate("simple").overall_se
    assert a == b  # the blocks are read again in the same order


def test_the_units_treated_in_the_first_period_are_dropped_with_a_warning(panel, tmp_path):
    df = panel.copy()
    df.loc[df["id"] < 5, "g"] = df["t"].min()
    df.to_parquet(tmp_path / "p.parquet")
    with pytest.warns(UserWarning, match="Dropped 5 units already treated"):
        a = att_gt(tmp_path / "p.parquet", **KW)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b = att_gt(df, **KW)
    _same(a, b)


def _write(df, tmp_path):
    df.to_parquet(tmp_path / "bad.parquet", index=False)
    return tmp_path / "bad.parquet"


def test_bad_input_is_refused_in_the_engine(panel, path, tmp_path):
    with pytest.raises(SpecError, match="covariates: a panel given as a Parquet path"):
        att_gt(path, **KW, covariates=["w"])
    with pytest.raises(SpecError, match="cluster"):
        att_gt(path, **KW, cluster="id")
    with pytest.raises(DataError, match="outcome='nope': no such column"):
        att_gt(path, outcome="nope", unit="id", time="t", cohort="g")
    with pytest.raises(DataError, match="the panel is unbalanced: 1 units"):
        att_gt(_write(panel.iloc[1:], tmp_path), **KW)
    with pytest.raises(DataError, match="outcome 'y' has 1 missing values"):
        att_gt(_write(panel.assign(y=panel["y"].where(panel.index != 3)), tmp_path), **KW)
    moved = panel.copy()
    moved.loc[moved.index[0], "g"] = 99
    with pytest.raises(DataError, match="cohort column 'g' varies within unit for 1 units"):
        att_gt(_write(moved, tmp_path), **KW)
    with pytest.raises(DataError, match=r"repeated \('id', 't'\) pairs"):
        att_gt(_write(panel.assign(t=panel["t"].where(panel["t"] != 2, 3)), tmp_path), **KW)
    with pytest.raises(NotEstimableError, match="outcome='y' is constant"):
        att_gt(_write(panel.assign(y=1.0), tmp_path), **KW)
    with pytest.raises(DataError, match="no such Parquet file"):
        att_gt(tmp_path / "missing.parquet", **KW)
    (tmp_path / "x.csv").write_text("a\n1\n")
    with pytest.raises(DataError, match="a path must be a .parquet file"):
        att_gt(tmp_path / "x.csv", **KW)
    with pytest.raises(DataError, match="no never-treated units"):
        att_gt(_write(panel[panel["g"] != 0], tmp_path), **KW)
