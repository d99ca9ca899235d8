"""Outcomes reached, what the rate card pays for them, and the withheld pool that keeps the rest.

The trajectory budget withholds a share for an outcome rate card. The outcomes reached
come either from a municipality's outcome records (:func:`outcomes_reached`, the outcomes
of :data:`OUTCOMES_REACHED` that :func:`~effekt.budgeting.study_budget` pays by
:data:`RATE_CARD`) or from the ``outcomes_reached`` sheet of an assumptions workbook
(:func:`~effekt.budgeting.run_workbook`). :func:`record_payments` and
:func:`sheet_payments` price them with :func:`~effekt.budgeting.rate_card_payout`, and
:func:`allocation_with_pool` compares the two budgets with a row for what the rate card
does not pay back, so that the comparison adds up.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from effekt._checks import LARGE
from effekt.budgeting.allocation import compare_allocations, rate_card_payout
from effekt.data import RecordStore
from effekt.errors import SpecError

__all__ = ["ABSENCE_DAYS", "OUTCOMES_REACHED", "RATE_CARD", "allocation_with_pool",
           "check_rate_card", "outcomes_reached", "record_payments", "sheet_payments"]

ABSENCE_DAYS = 19
"""Absence that worries a school: 10 % of the 190 days of a Norwegian school year."""

OUTCOMES_REACHED: dict[str, dict[str, str]] = {
    "off_social_assistance": {
        "provider": "nav", "unit": "family",
        "nb": "En familie som hadde økonomisk sosialhjelp i fjor (minst én måned; "
              "social_assistance_months, familiens høyeste verdi) og ingen måned i år. "
              "Betales til NAV.",
        "en": "A family with social assistance last year (at least one month; "
              "social_assistance_months, the family's highest value) and no month this year. "
              "Paid to NAV.",
    },
    "school_attendance": {
        "provider": "oppvekst_skole", "unit": "person",
        "nb": f"En elev med minst {ABSENCE_DAYS} fraværsdager i fjor (10 % av 190 skoledager; "
              f"school_absence_days) og færre enn {ABSENCE_DAYS} i år. Betales til skolen.",
        "en": f"A pupil with {ABSENCE_DAYS} or more days of absence last year (10 % of 190 "
              f"school days; school_absence_days) and fewer than {ABSENCE_DAYS} this year. "
              "Paid to the school.",
    },
}
"""The outcomes the default rate card pays, as read from the outcome records.

Each counts once per case and year, and needs a record of the case in both years (a case
that moved away has not reached it). The provider paid is the sector named.
"""

RATE_CARD = pd.DataFrame({
    "outcome": ["off_social_assistance", "school_attendance"],
    "price_nok": [50_000.0, 10_000.0],
    "cap_per_case_nok": [50_000.0, 10_000.0],
})
"""The default rate card: NOK per outcome reached and cap per case and year."""

_PAYMENTS = ["year", "provider", "outcome", "n_cases", "count", "payout_uncapped", "payout"]


def outcomes_reached(store: RecordStore) -> pd.DataFrame:
    """Outcomes reached by year, as the rate card counts them, from the outcome records.

    The outcomes are those of :data:`OUTCOMES_REACHED`: a family off social assistance
    (some months last year, none this year) and a pupil back at school (absence below
    :data:`ABSENCE_DAYS` days after a year at or above it). Each is counted once per case
    and year, when the case has a record in both years.

    Parameters
    ----------
    store : RecordStore
        With ``outcomes`` (``social_assistance_months``, ``school_absence_days``) and
        ``persons``; without an ``outcomes`` table nothing is reached.

    Returns
    -------
    pandas.DataFrame
        ``case_id, provider, year, outcome, count`` (as
        :func:`~effekt.budgeting.rate_card_payout` takes them; ``case_id`` is internal and
        never written out).

    Examples
    --------
    >>> from effekt.data import RecordStore
    >>> from effekt.synthetic import generate
    >>> m = generate(seed=1, scale=0.01)
    >>> store = RecordStore.from_frames(**{k: m.tables[k] for k in (
    ...     "persons", "measures", "service_events", "outcomes")})
    >>> sorted(outcomes_reached(store)["outcome"].unique())
    ['off_social_assistance', 'school_attendance']
    """
    cols = ["case_id", "provider", "year", "outcome", "count"]
    if not store.has("outcomes"):
        return pd.DataFrame(columns=cols)
    o = store.table("outcomes")
    o = o.filter(o.outcome.isin(["social_assistance_months", "school_absence_days"]))
    rec = o.select("person_id", "outcome", "value", year=o.date.year()).to_pandas()
    fam = store.table("persons").select("person_id", "family_id").to_pandas()
    parts = []
    sa = rec[rec["outcome"] == "social_assistance_months"].merge(fam, on="person_id")
    sa = sa.groupby(["family_id", "year"], as_index=False)["value"].max()
    parts.append(_transitions(sa, "family_id", lambda prev, now: (prev > 0) & (now == 0),
                              "off_social_assistance", "f"))
    ab = rec[rec["outcome"] == "school_absence_days"]
    ab = ab.groupby(["person_id", "year"], as_index=False)["value"].max()
    parts.append(_transitions(
        ab, "person_id", lambda prev, now: (prev >= ABSENCE_DAYS) & (now < ABSENCE_DAYS),
        "school_attendance", "p"))
    out = pd.concat(parts, ignore_index=True)
    return out[cols].sort_values(["year", "outcome", "case_id"]).reset_index(drop=True)


def _transitions(df: pd.DataFrame, key: str, reached: Any, outcome: str,
                 prefix: str) -> pd.DataFrame:
    df = df.sort_values([key, "year"])
    prev = df.groupby(key)["value"].shift(1)
    prev_year = df.groupby(key)["year"].shift(1)
    hit = (prev_year == df["year"] - 1) & reached(prev, df["value"])
    got = df[hit.fillna(False).astype(bool)]
    return pd.DataFrame({"case_id": prefix + got[key].astype(str), "year": got["year"],
                         "provider": OUTCOMES_REACHED[outcome]["provider"],
                         "outcome": outcome, "count": 1.0})


def _prices(rate_card: pd.DataFrame) -> pd.DataFrame:
    """Return the rate card as :func:`~effekt.budgeting.rate_card_payout` takes it."""
    return rate_card.rename(columns={"price_nok": "price", "cap_per_case_nok": "cap"})[
        ["outcome", "price", "cap"]]


def record_payments(reached: pd.DataFrame, rate_card: pd.DataFrame,
                    cap_per_case: float | None) -> pd.DataFrame:
    """Payments per year, provider and outcome for the outcomes reached by each case.

    ``reached`` is as :func:`outcomes_reached` returns it; the caps apply per case and
    year.
    """
    rc = _prices(rate_card)
    rows = []
    for outcome, g in reached.groupby("outcome", sort=True):
        paid = rate_card_payout(g, rc, cap_per_case=cap_per_case)
        n = g.groupby(["year", "provider"])["count"].sum()
        paid["count"] = pd.MultiIndex.from_frame(paid[["year", "provider"]]).map(n)
        rows.append(paid.assign(outcome=outcome))
    if not rows:
        return pd.DataFrame(columns=_PAYMENTS)
    out = pd.concat(rows, ignore_index=True)[_PAYMENTS]
    out["n_cases"] = out["n_cases"].astype(float)
    return out.sort_values(["year", "provider", "outcome"]).reset_index(drop=True)


def sheet_payments(reached: pd.DataFrame | None, rate_card: pd.DataFrame) -> pd.DataFrame:
    """Payments per year and provider for the assumptions' outcomes reached.

    Each row's ``count`` outcomes are spread evenly over its ``n_cases`` cases, so a cap per
    case applies to ``count / n_cases`` outcomes of one case; the row pays ``n_cases`` times
    what one such case is paid (:func:`~effekt.budgeting.rate_card_payout`).
    """
    if reached is None or not len(reached):
        return pd.DataFrame(columns=_PAYMENTS)
    rc = _prices(rate_card)
    rows = []
    for r in reached.itertuples(index=False):
        one = pd.DataFrame({"case_id": [1], "provider": [r.sector], "year": [int(r.year)],
                            "outcome": [r.outcome],
                            "count": [r.count / r.n_cases if r.n_cases > 0 else 0.0]})
        paid = rate_card_payout(one, rc)
        rows.append({"year": int(r.year), "provider": r.sector, "outcome": r.outcome,
                     "n_cases": float(r.n_cases), "count": float(r.count),
                     "payout_uncapped": float(paid["payout_uncapped"].sum()) * r.n_cases,
                     "payout": float(paid["payout"].sum()) * r.n_cases})
    return pd.DataFrame(rows, columns=_PAYMENTS)


def check_rate_card(rate_card: Any) -> pd.DataFrame:
    """Check a rate card of outcomes of :data:`OUTCOMES_REACHED`; return its columns."""
    if not isinstance(rate_card, pd.DataFrame):
        raise SpecError(f"rate_card must be a DataFrame, got {type(rate_card).__name__}.")
    missing = [c for c in ("outcome", "price_nok") if c not in rate_card]
    if missing:
        raise SpecError(f"rate_card needs the columns outcome, price_nok (and optional "
                        f"cap_per_case_nok); missing {missing}.")
    unknown = list(dict.fromkeys(repr(o) for o in rate_card["outcome"]
                                 if not (isinstance(o, str) and o in OUTCOMES_REACHED)))
    if unknown:
        raise SpecError(f"rate_card outcome {', '.join(unknown[:3])} is not one this budget can "
                        f"read from the records; known: {', '.join(OUTCOMES_REACHED)}.")
    out = rate_card[[c for c in ("outcome", "price_nok", "cap_per_case_nok")
                     if c in rate_card]].copy()
    if "cap_per_case_nok" not in out:
        out["cap_per_case_nok"] = np.nan
    for col, blank in (("price_nok", False), ("cap_per_case_nok", True)):
        values = pd.to_numeric(out[col], errors="coerce")
        bad = ~(values.between(0, LARGE) | (blank & out[col].isna()))
        if bad.any():
            raise SpecError(f"rate_card {col} must be amounts in NOK (>= 0"
                            f"{'; blank for no cap' if blank else ''}), got "
                            f"{out.loc[bad, col].tolist()[:3]!r}.")
        out[col] = values.astype(float)
    return out.reset_index(drop=True)


def allocation_with_pool(
    service: pd.DataFrame, trajectory: pd.DataFrame, payouts: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Compare the two budgets, with a row per year for what is left in the withheld pool.

    :func:`~effekt.budgeting.compare_allocations` gives each provider's
    ``trajectory_total = base_payment + outcome_payment``. The withheld share that the rate
    card does not pay back stays in the pool; its row (provider ``"withheld_pool"``) has
    ``trajectory_total = difference =`` the year's withheld minus its outcome payments. So
    in every year the trajectory model's ``trajectory_total`` adds up to its
    ``trajectory_budget`` (base payments + withheld), and in the base year, where the prices
    are calibrated, to the service budget: there the ``difference`` sums to 0 (to the
    krone).

    Examples
    --------
    >>> sv = pd.DataFrame({"year": 2025, "provider": ["nav", "skole"],
    ...                    "service_budget": [600.0, 400.0]})
    >>> tb = pd.DataFrame({"year": 2025, "provider": ["nav", "skole"],
    ...                    "trajectory_budget": [500.0, 500.0], "base_payment": [450.0, 450.0],
    ...                    "withheld": [50.0, 50.0]})
    >>> pay = pd.DataFrame({"year": [2025], "provider": ["nav"], "payout": [30.0]})
    >>> t = allocation_with_pool(sv, tb, pay)
    >>> t[["provider", "trajectory_total", "difference"]].values.tolist()
    [['nav', 480.0, -120.0], ['skole', 450.0, 50.0], ['withheld_pool', 70.0, 70.0]]
    >>> float(t["difference"].sum())
    0.0
    """
    if payouts is not None and len(payouts):
        # a provider paid for outcomes but without a budget of its own gets a row too
        # (compare_allocations keeps only the rows of the two budgets)
        keys = ["year", "provider"]
        have = pd.concat([service[keys], trajectory[keys]]).drop_duplicates()
        extra = payouts[keys].drop_duplicates().merge(have, on=keys, how="left",
                                                      indicator=True)
        extra = extra[extra["_merge"] == "left_only"][keys]
        if len(extra):
            service = pd.concat([service, extra.assign(service_budget=0.0)],
                                ignore_index=True)
    table = compare_allocations(service, trajectory, payouts)
    by_year = table.groupby("year", sort=True)
    pool = pd.DataFrame({
        "year": list(by_year.groups),
        "provider": "withheld_pool",
        "trajectory_total": (by_year["withheld"].sum() - by_year["outcome_payment"].sum())
        .to_numpy(),
    })
    pool["difference"] = pool["trajectory_total"]
    pool = pool.reindex(columns=table.columns).fillna(
        {c: 0.0 for c in table.columns if c not in ("year", "provider")})
    out = pd.concat([table, pool], ignore_index=True)
    out["_pool"] = out["provider"].eq("withheld_pool")
    out = out.sort_values(["year", "_pool"], kind="stable").drop(columns="_pool")
    return out.reset_index(drop=True)
