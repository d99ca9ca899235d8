"""Typed outcomes, prices and study populations in a spec (issue 11).

An outcome says what it measures (``kind``); a ``cost_<sector>`` outcome is NOK of that
sector and needs no price; any other outcome enters the budget only with a price and
the sector that bears it; two outcomes never put money in one sector's budget; the old
``cost_per_unit`` (whose sign was easy to get wrong) is refused with what to write
instead. Populations are structured filters on baseline attributes, never code.
"""

from pathlib import Path

import pandas as pd
import pytest

from effekt.data import RecordStore
from effekt.errors import SpecError
from effekt.study import check_study, load_spec
from effekt.study.population import Filter, apply_filters, describe, unit_attributes
from effekt.synthetic.examples import record_tables

ROOT = Path(__file__).parents[2]
GOOD = (ROOT / "tests" / "fixtures" / "studies" / "good.toml").read_text().replace(
    "../../../synthetic_data", str(ROOT / "synthetic_data"))
OUTCOME = '[[outcomes]]\nname = "social_assistance_months"\nkind = "months"'


def _load(tmp_path, text):
    f = tmp_path / "s.toml"
    f.write_text(text, encoding="utf-8")
    return load_spec(f)


def _with_outcomes(extra: str) -> str:
    assert OUTCOME in GOOD
    return GOOD.replace(OUTCOME, extra)


def test_kind_is_required_for_a_record_outcome(tmp_path):
    text = _with_outcomes('[[outcomes]]\nname = "social_assistance_months"')
    with pytest.raises(SpecError, match=r"outcomes\[0\]\.kind: missing required key"):
        _load(tmp_path, text)
    with pytest.raises(SpecError, match=r"outcomes\[0\]\.kind: 'weeks' is not one of 'count', "
                                        r"'share', 'days', 'months', 'nok'"):
        _load(tmp_path, _with_outcomes(OUTCOME.replace('"months"', '"weeks"')))


def test_a_cost_outcome_is_nok_of_its_sector(tmp_path):
    s = _load(tmp_path, _with_outcomes(OUTCOME + '\n[[outcomes]]\nname = "cost_nav"'))
    cost = s.outcomes[1]
    assert (cost.kind, cost.aggregation, cost.budget_sector, cost.nok_per_unit) == (
        "nok", "sum", "nav", 1.0)
    assert s.outcomes[0].budget_sector is None  # no price: not in the budget
    with pytest.raises(SpecError, match=r"outcomes\[1\]\.kind: a cost_<sector> outcome is an "
                                        r"amount in NOK"):
        _load(tmp_path, _with_outcomes(OUTCOME + '\n[[outcomes]]\nname = "cost_nav"\n'
                                                 'kind = "count"'))
    total = _load(tmp_path, _with_outcomes(OUTCOME + '\n[[outcomes]]\nname = "cost_total"'))
    assert total.outcomes[1].budget_sector is None  # every sector at once: no one budget


def test_the_old_cost_per_unit_is_refused_with_what_to_write(tmp_path):
    with pytest.raises(SpecError, match=r"outcomes\[0\]\.cost_per_unit: replaced: a "
                                        r"cost_<sector> outcome is NOK of that sector's cost"):
        _load(tmp_path, _with_outcomes(OUTCOME + "\ncost_per_unit = { nav = -1 }"))


def test_prices(tmp_path):
    s = _load(tmp_path, _with_outcomes(
        OUTCOME + '\nprice = { sector = "nav", nok_per_unit = 9718 }'))
    assert s.outcomes[0].price == ("nav", 9718.0) and s.outcomes[0].budget_sector == "nav"
    with pytest.raises(SpecError, match=r"price\.nok_per_unit: must be a positive number of "
                                        r"NOK"):
        _load(tmp_path, _with_outcomes(
            OUTCOME + '\nprice = { sector = "nav", nok_per_unit = -9718 }'))
    with pytest.raises(SpecError, match=r"outcomes\[0\]\.price\.sector: .*not a known sector"):
        _load(tmp_path, _with_outcomes(
            OUTCOME + '\nprice = { sector = "navv", nok_per_unit = 1 }'))
    with pytest.raises(SpecError, match=r"outcomes\[1\]\.price: a cost_<sector> outcome is an "
                                        r"amount in NOK of that sector: it is its own price"):
        _load(tmp_path, _with_outcomes(OUTCOME + '\n[[outcomes]]\nname = "cost_nav"\n'
                                       'price = { sector = "nav", nok_per_unit = 1 }'))


def test_one_sectors_money_is_counted_once(tmp_path):
    text = _with_outcomes(OUTCOME + '\nprice = { sector = "nav", nok_per_unit = 9718 }'
                          '\n[[outcomes]]\nname = "cost_nav"')
    with pytest.raises(SpecError, match=r"social_assistance_months and cost_nav both put money "
                                        r"in the budget of sector 'nav'"):
        _load(tmp_path, text)


def test_population_filters_are_read_and_checked(tmp_path):
    text = GOOD.replace('unit = "family"', 'unit = "family"\nwhere = { n_children = '
                        '{ min = 1 }, provider_type = { in = ["school"] } }')
    s = _load(tmp_path, text)
    assert s.where == (Filter("n_children", lo=1.0), Filter("provider_type",
                                                            values=("school",)))
    assert s.to_dict()["population"]["where"][0] == {"column": "n_children", "min": 1.0,
                                                     "max": None, "in": None}
    bad = GOOD.replace('unit = "family"', 'unit = "family"\nwhere = { age = { min = 9, '
                       'max = 3 }, n_children = { above = 1 }, role = { in = [] } }')
    with pytest.raises(SpecError) as info:
        _load(tmp_path, bad)
    msg = str(info.value)
    assert "population.where.age: min 9 is above max 3." in msg
    assert "population.where.n_children: unknown key 'above'" in msg
    assert "population.where.role.in: expected a non-empty list" in msg
    f = tmp_path / "s.toml"
    f.write_text(GOOD.replace('unit = "family"', 'unit = "family"\nwhere = { shoe_size = '
                              '{ min = 40 } }'))
    with pytest.raises(SpecError, match=r"population.where.shoe_size: not an attribute of the "
                                        r"units; attributes: .*age, provider_type"):
        check_study(f)


def test_filters_are_data_not_code(tmp_path):
    text = GOOD.replace('unit = "family"', 'unit = "family"\nwhere = "n_children > 1"')
    with pytest.raises(SpecError, match=r"population.where: expected a table of filters"):
        _load(tmp_path, text)


@pytest.fixture(scope="module")
def store():
    persons = pd.DataFrame({
        "person_id": [1, 2, 3, 4, 5], "family_id": [1, 1, 2, 2, 3],
        "birth_year": [1980, 2012, 1985, 2018, 1950], "n_children": [1, 1, 2, 2, 0],
        "provider_id": [None, 10, None, 11, None], "flag": [True, False, True, True, False],
        "sex": ["f"] * 5, "district": ["Sandvika"] * 5})
    providers = pd.DataFrame({"provider_id": [10, 11], "provider_type": ["school",
                                                                          "kindergarten"],
                              "district": ["Sandvika"] * 2, "name": ["A", "B"]})
    tables = record_tables()
    return RecordStore.from_frames(persons=persons.astype({"provider_id": "Int64"}),
                                   providers=providers, measures=tables["measures"],
                                   service_events=tables["service_events"])


def test_unit_attributes_person_and_family(store):
    a = unit_attributes(store, "person", ["age", "provider_type", "n_children"], 2016)
    assert a.loc[2, "age"] == 4 and a.loc[2, "provider_type"] == "school"
    assert pd.isna(a.loc[1, "provider_type"])
    f = unit_attributes(store, "family", ["age", "flag", "provider_type"], 2016)
    assert f.loc[1, "age"] == pytest.approx((36 + 4) / 2)  # the mean over members
    assert f.loc[2, "flag"] == 1.0 and f.loc[1, "flag"] == 0.5  # a share of members
    assert f.loc[2, "provider_type"] == "kindergarten"  # the most common value


def test_apply_filters_and_missing_values_never_pass(store):
    a = unit_attributes(store, "person", ["age", "provider_type"], 2016)
    panel = pd.DataFrame({"person_id": [1, 2, 3, 4, 5] * 2, "period": [1] * 5 + [2] * 5})
    kids = apply_filters(panel, a, [Filter("age", hi=17)], "person_id")
    assert sorted(kids["person_id"].unique()) == [2, 4] and len(kids) == 4
    school = apply_filters(panel, a, [Filter("provider_type", values=("school",))],
                           "person_id")
    assert sorted(school["person_id"].unique()) == [2]
    assert apply_filters(panel, a, [], "person_id") is panel
    assert describe([Filter("age", hi=17), Filter("provider_type", values=("school",))]) == (
        "age at most 17; provider_type in school")


def test_population_counts_are_disclosed_like_every_count(tmp_path):
    """Two families above 5 million NOK are left out: that count is hidden, and so is one
    of the two counts it could be worked out from."""
    from effekt.study import compute

    text = GOOD.replace('unit = "family"', 'unit = "family"\nwhere = { household_income_nok '
                        '= { max = 5000000 } }').replace('type = "matched_did"',
                                                         'type = "matched_did"\nratio = 1')
    r = compute(_load(tmp_path, text))
    pop = r["population"]
    assert pop["units_outside_population"] == "<5"
    assert None in (pop["units_in_data"], pop["units_in_study"])  # a complement is hidden
    assert r["spec"]["population"]["where"] == [
        {"column": "household_income_nok", "min": None, "max": 5_000_000.0, "in": None}]
