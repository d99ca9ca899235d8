"""Tests of effekt.synthetic: determinism, schema, planted truth, selection, heterogeneity."""

from __future__ import annotations

import hashlib
import json
import os
import time

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

from effekt.errors import SpecError
from effekt.synthetic import SECTORS, TABLES, TARGET_GROUPS, generate, write

COST_OUTCOMES = {
    "holf": ("cost_nav", "cost_helse_sosial"),
    "samhandling": ("cost_oppvekst_skole", "cost_barnevern"),
}


@pytest.fixture(scope="module")
def exact():
    return generate(seed=2, scale=0.03, noise=False)


@pytest.fixture(scope="module")
def noisy():
    return generate(seed=4, scale=0.03)


def _resident(persons: pd.DataFrame, years: np.ndarray) -> pd.DataFrame:
    """Person-years resident on 31 December, from the public persons table only."""
    mi = persons["move_in_date"].dt.year.fillna(-1).to_numpy()
    mo = persons["move_out_date"].dt.year.fillna(10_000).to_numpy()
    by = persons["birth_year"].to_numpy()
    ok = (mi[:, None] <= years) & (mo[:, None] > years) & (by[:, None] <= years)
    i, t = np.nonzero(ok)
    return pd.DataFrame({"person_id": persons["person_id"].to_numpy()[i], "year": years[t]})


def _panels(m) -> dict[tuple[str, str, str], tuple[pd.Series, pd.Series]]:
    """Yearly panels (value by (unit, year), cohort by unit) per (pilot, outcome, level)."""
    t = m.tables
    persons, exp = t["persons"], t["exposures"]
    years = np.arange(m.params["start_year"], m.params["end_year"] + 1)
    fam_cohort = (exp[exp.pilot == "holf"].assign(c=lambda d: d.start_date.dt.year)
                  .set_index("family_id")["c"])
    prov_cohort = (exp[exp.pilot == "samhandling"].assign(c=lambda d: d.start_date.dt.year)
                   .set_index("provider_id")["c"])
    p_holf = persons["family_id"].map(fam_cohort).fillna(0).astype(int)
    p_holf.index = persons["person_id"]
    p_samh = persons["provider_id"].map(prov_cohort).fillna(0).astype(int)
    p_samh.index = persons["person_id"]
    prov = t["providers"]
    units = prov.loc[prov.provider_type.isin(["school", "kindergarten"]), "provider_id"]
    samh_units = set(persons.loc[persons.provider_id.isin(units), "person_id"])
    out = {}
    o = t["outcomes"].assign(year=lambda d: d.date.dt.year)
    pilot_of = {"social_assistance_months": "holf", "employed": "holf",
                "leisure_participation": "holf", "school_absence_days": "samhandling",
                "barnevern_referral": "samhandling"}
    for name, g in o.groupby("outcome"):
        pilot = pilot_of[name]
        val = g.set_index(["person_id", "year"])["value"]
        out[(pilot, name, "person")] = (val, p_holf if pilot == "holf" else p_samh)
    sa = o[o.outcome == "social_assistance_months"].merge(persons[["person_id", "family_id"]])
    fam_val = sa.groupby(["family_id", "year"])["value"].mean()
    fam_c = fam_cohort.reindex(persons["family_id"].unique()).fillna(0).astype(int)
    out[("holf", "social_assistance_months", "family")] = (fam_val, fam_c)
    ev = t["service_events"].merge(t["measures"][["measure_id", "sector"]])
    ev["year"] = ev.start_date.dt.year
    res = _resident(persons, years)
    for pilot, names in COST_OUTCOMES.items():
        base = res if pilot == "holf" else res[res.person_id.isin(samh_units)]
        for name in names:
            sector = name.removeprefix("cost_")
            c = ev[ev.sector == sector].groupby(["person_id", "year"])["cost_nok"].sum()
            val = base.set_index(["person_id", "year"]).join(c.rename("v"))["v"].fillna(0.0)
            out[(pilot, name, "person")] = (val, p_holf if pilot == "holf" else p_samh)
    return out


def _did(val: pd.Series, cohort: pd.Series, g: int, t: int) -> tuple[float, int]:
    """ATT(g, t) by hand: mean change g-1 -> t of cohort g minus that of never-treated."""
    wide = val.unstack()
    if g - 1 not in wide.columns or t not in wide.columns:
        return np.nan, 0
    ch = (wide[t] - wide[g - 1]).dropna()
    c = cohort.reindex(ch.index)
    treated, never = ch[c == g], ch[c == 0]
    return float(treated.mean() - never.mean()), len(treated)


# ---------------------------------------------------------------- determinism and schema
def test_same_seed_same_tables_different_seed_different():
    a, b = generate(seed=7, scale=0.01), generate(seed=7, scale=0.01)
    for name in TABLES:
        pdt.assert_frame_equal(a.tables[name], b.tables[name])
    pdt.assert_frame_equal(a.truth, b.truth)
    assert a.params == b.params
    c = generate(seed=8, scale=0.01)
    assert not a.tables["persons"].equals(c.tables["persons"])
    assert not a.tables["outcomes"].equals(c.tables["outcomes"])
    json.dumps(a.params)


def test_generator_seed_accepted_and_params_serialisable():
    m = generate(seed=np.random.default_rng(5), scale=0.01)
    assert m.params["seed"] is None
    json.dumps(m.params)


def test_schema(noisy):
    t = noisy.tables
    assert set(t) == set(TABLES)
    for col in ["person_id", "family_id", "birth_year", "sex", "district", "provider_id",
                "household_income_nok", "income_decile", "n_children",
                "prior_social_assistance_months", "move_in_date", "move_out_date"]:
        assert col in t["persons"].columns
    assert t["persons"]["person_id"].is_unique
    m = t["measures"]
    assert 165 <= len(m) <= 175
    assert set(m.sector) == set(SECTORS)
    assert set(m.target_group) == set(TARGET_GROUPS)
    assert set(m.unit) <= {"hour", "day", "month", "decision"}
    ev = t["service_events"].merge(m[["measure_id", "unit_cost_nok"]])
    np.testing.assert_allclose(ev.cost_nok, ev.units * ev.unit_cost_nok, rtol=1e-12)
    assert (ev.start_date.dt.year == ev.end_date.dt.year).all()
    assert (ev.end_date >= ev.start_date).all()
    assert ev.provider_id.isin(t["providers"].provider_id).all()
    o = t["outcomes"]
    assert (o.date.dt.month == 12).all() and (o.date.dt.day == 31).all()
    assert not o.duplicated(["person_id", "date", "outcome"]).any()
    for c in ["move_in_date", "move_out_date"]:
        assert pd.api.types.is_datetime64_any_dtype(t["persons"][c])
    # some people move in and some move out during the period
    assert t["persons"].move_in_date.notna().any() and t["persons"].move_out_date.notna().any()
    e = t["exposures"]
    assert set(e.pilot) == {"holf", "samhandling"}
    assert e.loc[e.pilot == "holf", "family_id"].notna().all()
    assert e.loc[e.pilot == "holf", "provider_id"].isna().all()
    assert e.loc[e.pilot == "samhandling", "provider_id"].notna().all()
    s = e[e.pilot == "samhandling"]
    assert (s.start_date.dt.month == 8).all() and s.start_date.dt.year.nunique() == 4
    assert set(t["providers"].provider_type) >= {"school", "kindergarten", "health_station",
                                                 "nav_office"}
    # binary outcomes are 0/1 with noise; counts are whole numbers
    assert set(o.loc[o.outcome == "employed", "value"].unique()) <= {0.0, 1.0}
    assert (o.loc[o.outcome == "school_absence_days", "value"] % 1 == 0).all()
    tr = noisy.truth
    assert list(tr.columns) == ["pilot", "outcome", "unit_level", "cohort", "period",
                                "event_time", "effect", "n_units", "effect_panel",
                                "n_units_panel"]
    assert (tr.event_time == tr.period - tr.cohort).all()
    assert (tr.loc[tr.event_time < 0, "effect"] == 0).all()


# ---------------------------------------------------------------- the planted truth
def test_noise_free_did_returns_planted_effect_exactly(exact):
    panels = _panels(exact)
    checked = 0
    for key, rows in exact.truth.groupby(["pilot", "outcome", "unit_level"]):
        val, cohort = panels[key]
        for r in rows.itertuples():
            if r.period == r.cohort - 1:
                continue
            did, n = _did(val, cohort, r.cohort, r.period)
            assert n == r.n_units_panel, (key, r.cohort, r.period)
            assert did == pytest.approx(r.effect_panel, abs=1e-9), (key, r.cohort, r.period)
            checked += 1
    assert checked > 300
    # noise-free truth is the planted effect size: e.g. HOLF SA months at full size
    sa = exact.truth.query("outcome == 'social_assistance_months' and unit_level == 'family'")
    assert sa.loc[sa.event_time >= 2, "effect"].between(-2.25, -0.75).all()


def test_truth_matches_planted_effect(noisy):
    null = generate(seed=4, scale=0.03, scenario="null")
    assert (null.truth.effect == 0).all()
    pdt.assert_frame_equal(null.tables["persons"], noisy.tables["persons"])
    pdt.assert_frame_equal(null.tables["exposures"], noisy.tables["exposures"])
    a, b = _panels(noisy), _panels(null)
    for key, rows in noisy.truth.groupby(["pilot", "outcome", "unit_level"]):
        (va, cohort), (vb, _) = a[key], b[key]
        diff = (va - vb.reindex(va.index)).rename("d").reset_index()
        unit = diff.columns[0]
        diff["cohort"] = cohort.reindex(diff[unit]).to_numpy()
        got = diff[diff.cohort > 0].groupby(["cohort", "year"])["d"].agg(["mean", "size"])
        want = rows.set_index(["cohort", "period"])
        got = got.reindex(want.index)
        np.testing.assert_allclose(got["mean"], want["effect"], atol=1e-9, err_msg=str(key))
        np.testing.assert_array_equal(got["size"], want["n_units"])


def test_default_effects_have_the_planted_signs(noisy):
    tr = noisy.truth[noisy.truth.event_time >= 2].groupby("outcome")["effect"].mean()
    assert tr["social_assistance_months"] < 0 and tr["employed"] > 0
    assert tr["leisure_participation"] > 0 and tr["school_absence_days"] < 0
    assert tr["barnevern_referral"] < 0 and tr["cost_barnevern"] < 0
    assert tr["cost_oppvekst_skole"] > 0 and tr["cost_nav"] < 0


# ---------------------------------------------------------------- HOLF designs
def test_holf_observational_selection_biases_naive_comparison():
    m = generate(seed=11, scale=0.3)
    p, e = m.tables["persons"], m.tables["exposures"]
    fam = p[p.role == "adult"].drop_duplicates("family_id")
    fam = fam[fam.n_children > 0]
    enrolled = fam.family_id.isin(e.loc[e.pilot == "holf", "family_id"])
    assert enrolled.sum() >= 30
    inc = fam.groupby(enrolled)["household_income_nok"].mean()
    prior = fam.groupby(enrolled)["prior_social_assistance_months"].mean()
    assert inc[True] < 0.6 * inc[False]
    assert prior[True] > prior[False] + 4
    # naive post-period gap in SA months is large and positive; the truth is negative
    o = m.tables["outcomes"]
    sa = o[(o.outcome == "social_assistance_months") & (o.date.dt.year >= 2022)]
    sa = sa.merge(p[["person_id", "family_id"]])
    treated = sa.family_id.isin(e.loc[e.pilot == "holf", "family_id"])
    naive = sa[treated].value.mean() - sa[~treated].value.mean()
    truth = m.truth.query("outcome == 'social_assistance_months' and unit_level == 'person' "
                          "and period >= 2022")
    att = np.average(truth.effect, weights=truth.n_units)
    assert att < -0.5 and naive > 3


def test_holf_randomised_design():
    m = generate(seed=12, scale=0.3, holf_design="randomised")
    p, e = m.tables["persons"], m.tables["exposures"]
    fam = p.drop_duplicates("family_id").set_index("family_id")
    drawn = e.loc[e.pilot == "holf", "family_id"]
    assert len(drawn) > 5
    assert (fam.loc[drawn, "holf_lottery"] == "drawn").all()
    assert fam.loc[drawn, "holf_eligible"].all()
    assert (fam.loc[drawn, "prior_social_assistance_months"] >= 6).all()
    assert set(fam.holf_lottery.dropna()) == {"drawn", "not_drawn", "control_office"}
    assert (fam.holf_lottery.notna() == fam.holf_round.notna()).all()
    # offices are randomised: an office has either lottery families or control families
    adults = p[(p.role == "adult") & p.holf_lottery.notna() & p.provider_id.notna()]
    arms = adults.groupby("provider_id")["holf_lottery"].agg(
        lambda s: "control" if (s == "control_office").all() else
        ("holf" if (s != "control_office").all() else "mixed"))
    assert "mixed" not in set(arms)
    assert fam.loc[drawn].index.isin(fam[fam.holf_round.notna()].index).all()
    rounds = e.loc[e.pilot == "holf"].set_index("family_id").start_date.dt.year
    assert (rounds.to_numpy() == fam.loc[rounds.index, "holf_round"].to_numpy()).all()


# ---------------------------------------------------------------- samhandling
def test_samhandling_heterogeneity_and_twfe_bias(exact):
    tr = exact.truth.query("outcome == 'school_absence_days' and unit_level == 'person'")
    e1 = tr[tr.event_time == 1].set_index("cohort")["effect"]
    assert e1.nunique() == 4
    assert e1.iloc[0] < e1.iloc[-1] < 0  # early waves gain most (more negative)
    # provider heterogeneity within a wave: per-provider effect (noise-free default - null)
    null = generate(seed=2, scale=0.03, noise=False, scenario="null")
    o, o0 = exact.tables["outcomes"], null.tables["outcomes"]
    a = o[o.outcome == "school_absence_days"].set_index(["person_id", "date"])["value"]
    b = o0[o0.outcome == "school_absence_days"].set_index(["person_id", "date"])["value"]
    d = (a - b).rename("d").reset_index().merge(exact.tables["persons"][["person_id",
                                                                         "provider_id"]])
    d = d[d.date.dt.year == 2025]
    s = exact.tables["exposures"].query("pilot == 'samhandling'")
    first = d[d.provider_id.isin(s[s.start_date.dt.year == 2018].provider_id)]
    per_provider = first.groupby("provider_id")["d"].mean()
    assert per_provider.std() > 0.2
    # static TWFE (two-way within estimator) on the noise-free panel is biased
    val, cohort = _panels(exact)[("samhandling", "school_absence_days", "person")]
    df = val.rename("y").reset_index()
    df["c"] = cohort.reindex(df.person_id).to_numpy()
    df["d"] = ((df.c > 0) & (df.year >= df.c)).astype(float)
    beta = _twfe(df)
    post = tr[tr.event_time >= 0]
    att = np.average(post.effect, weights=post.n_units)
    assert abs(beta - att) > 0.2 * abs(att)


def _twfe(df: pd.DataFrame) -> float:
    """Coefficient of d in y ~ d + person FE + year FE (alternating projections)."""
    y, d = df.y.to_numpy(float), df.d.to_numpy(float)
    ip, it = pd.factorize(df.person_id)[0], pd.factorize(df.year)[0]
    for _ in range(200):
        for idx in (ip, it):
            n = np.bincount(idx)
            y = y - (np.bincount(idx, y) / n)[idx]
            d = d - (np.bincount(idx, d) / n)[idx]
    return float(d @ y / (d @ d))


def test_nonparallel_scenario_breaks_pre_trends():
    m = generate(seed=2, scale=0.03, noise=False, scenario="nonparallel")
    val, cohort = _panels(m)[("samhandling", "school_absence_days", "person")]
    pre, _ = _did(val, cohort, 2021, 2018)
    assert pre < -0.5  # treated units drift upwards: the placebo DiD is far from 0
    val, cohort = _panels(generate(seed=2, scale=0.03, noise=False))[
        ("samhandling", "school_absence_days", "person")]
    assert _did(val, cohort, 2021, 2018)[0] == pytest.approx(0.0, abs=1e-9)


# ---------------------------------------------------------------- errors and writing
@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"scenario": "nul"}, "scenario='nul'"), ({"holf_design": "rct"}, "holf_design"),
     ({"scale": 0}, "scale"), ({"start_year": 2020, "end_year": 2023}, "end_year - start_year"),
     ({"seed": "a"}, "seed"), ({"noise": "yes"}, "noise")],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(SpecError, match=match):
        generate(**kwargs)


def test_write_is_complete_and_verifiable(tmp_path):
    m = generate(seed=1, scale=0.01)
    man = write(m, tmp_path / "out")
    files = sorted(os.listdir(tmp_path / "out"))
    assert files == sorted([f"{t}.parquet" for t in TABLES]
                           + ["truth.parquet", "manifest.json", ".effekt-output.json"])
    on_disk = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert on_disk == man and man["seed"] == 1 and man["scale"] == 0.01
    for name, info in man["files"].items():
        path = tmp_path / "out" / name
        assert hashlib.sha256(path.read_bytes()).hexdigest() == info["sha256"]
        back = pd.read_parquet(path)
        table = m.truth if info["table"] == "truth" else m.tables[info["table"]]
        assert len(back) == info["rows"] == len(table)
    pdt.assert_frame_equal(pd.read_parquet(tmp_path / "out" / "outcomes.parquet"),
                           m.tables["outcomes"], check_dtype=False)


def test_small_scale_is_fast():
    t0 = time.perf_counter()
    generate(seed=1, scale=0.01)
    assert time.perf_counter() - t0 < 2.0


@pytest.mark.slow
def test_full_scale_is_fast_and_calibrated():
    t0 = time.perf_counter()
    m = generate(seed=0, scale=1.0)
    assert time.perf_counter() - t0 < 60
    p = m.tables["persons"]
    at_start = (p.move_in_date.isna() & (p.birth_year <= 2016)).sum()
    assert 115_000 < at_start < 130_000  # 126,347 in 2018 less 2 x 1,750
    o = m.tables["outcomes"]
    sa = o[(o.outcome == "social_assistance_months") & (o.value > 0)].merge(p)
    per_year = sa.groupby(sa.date.dt.year)["family_id"].nunique()
    assert per_year.between(240, 380).all()  # about 300 families (status report 2)


def test_negative_seed_is_refused_before_any_work():
    import pytest

    from effekt.errors import SpecError
    from effekt.synthetic import generate

    with pytest.raises(SpecError, match=r"seed must be an integer >= 0 .* got -1"):
        generate(seed=-1, scale=0.01)
