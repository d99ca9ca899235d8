"""Service-based versus trajectory-based allocation, outcome rate card and incentives.

* **Service-based** (today): budget = planned volume of each measure × its unit cost.
* **Trajectory-based** (effect-based budgeting, "forløpsfinansiering"): budget =
  expected trajectories by type (new and ongoing) × risk-adjusted bundle price
  per year of trajectory, split between providers by agreed shares or all to a
  lead provider; a withheld share is paid back through an outcome rate card.
* **Budget-neutral calibration**: prices are scaled so that in the base year
  both models hand out the same total (to the krone), so differences show
  redistribution, not new money.

All amounts are NOK at fixed prices; budgets are rounded to whole kroner with
the largest-remainder method so that provider budgets add up to the total.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from effekt._checks import (
    LARGE,
    check_columns,
    check_finite,
    check_frame,
    check_no_missing,
    check_number,
    check_numeric,
    check_range,
    check_unique_columns,
)
from effekt.budgeting.catalogue import Catalogue
from effekt.errors import DataError, SpecError

__all__ = [
    "calibrate_budget_neutral",
    "compare_allocations",
    "incentives",
    "rate_card_payout",
    "round_to_krone",
    "service_budget",
    "trajectory_budget",
]


def round_to_krone(values: np.ndarray) -> np.ndarray:
    """Round amounts to whole kroner so that they add up to the rounded total.

    Largest-remainder (Hamilton) rounding: floor every amount, then give the
    missing kroner to the largest fractional parts.

    Examples
    --------
    >>> round_to_krone(np.array([0.4, 0.4, 0.2])).tolist()
    [1.0, 0.0, 0.0]
    """
    try:
        v = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise DataError(f"values must be amounts (numbers), got {type(values).__name__}.") \
            from None
    if v.ndim != 1 or not np.all(np.abs(v) <= LARGE):
        raise DataError("values must be a 1-D array of finite amounts (NOK).")
    total = np.round(v.sum())
    base = np.floor(v)
    missing = int(total - base.sum())
    if missing > 0:
        order = np.argsort(-(v - base), kind="stable")
        base[order[:missing]] += 1
    elif missing < 0:
        order = np.argsort(v - base, kind="stable")
        base[order[:-missing]] -= 1
    return base


def _round_by_year(frame: pd.DataFrame, col: str) -> pd.DataFrame:
    out = frame.copy()
    out[col] = out.groupby("year")[col].transform(lambda s: round_to_krone(s.to_numpy()))
    return out


def service_budget(volumes: pd.DataFrame) -> pd.DataFrame:
    """Service-based budget per year and provider.

    Parameters
    ----------
    volumes
        Columns ``year, provider, measure_id, volume, unit_cost`` (planned
        units of each measure and NOK per unit).

    Returns
    -------
    pandas.DataFrame
        ``year, provider, service_budget`` (whole kroner).

    Examples
    --------
    >>> v = pd.DataFrame({"year": 2025, "provider": ["nav", "nav", "barnevern"],
    ...                   "measure_id": ["m1", "m2", "m3"], "volume": [10, 5, 2],
    ...                   "unit_cost": [1000.0, 200.0, 5000.0]})
    >>> service_budget(v)["service_budget"].tolist()
    [10000.0, 11000.0]
    """
    check_frame("volumes", volumes)
    check_unique_columns(volumes, table="volumes")
    cols = ["year", "provider", "measure_id", "volume", "unit_cost"]
    check_columns(volumes, cols, table="volumes")
    check_numeric(volumes, ["year", "volume", "unit_cost"], table="volumes")
    check_no_missing(volumes, cols, table="volumes")
    check_finite(volumes, ["year", "volume", "unit_cost"], table="volumes")
    check_range(volumes, ["volume", "unit_cost"], table="volumes")
    df = volumes.assign(service_budget=volumes["volume"] * volumes["unit_cost"])
    out = df.groupby(["year", "provider"], as_index=False)["service_budget"].sum()
    return _round_by_year(out, "service_budget")


def _check_caseload(caseload: pd.DataFrame, catalogue: Catalogue) -> None:
    if not isinstance(catalogue, Catalogue):
        raise SpecError(f"catalogue must be a Catalogue (from define_catalogue or "
                        f"price_catalogue), got {type(catalogue).__name__}.")
    check_frame("caseload", caseload)
    check_unique_columns(caseload, table="caseload")
    cols = ["year", "trajectory_type", "n_new", "n_ongoing"]
    check_columns(caseload, cols, table="caseload")
    check_numeric(caseload, ["year", "n_new", "n_ongoing"], table="caseload")
    check_no_missing(caseload, cols, table="caseload")
    check_finite(caseload, ["year", "n_new", "n_ongoing"], table="caseload")
    check_range(caseload, ["n_new", "n_ongoing"], table="caseload")
    unknown = sorted(set(caseload["trajectory_type"].astype(str)) - set(catalogue.types))
    if unknown:
        raise DataError(
            f"caseload: trajectory_type {unknown[:3]} not in the catalogue ({catalogue.types})."
        )


def _expected_cost(caseload: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    ppy = catalogue.table.set_index("trajectory_type")["price_per_year"]
    df = caseload.assign(trajectory_type=caseload["trajectory_type"].astype(str))
    df["amount"] = (df["n_new"] + df["n_ongoing"]) * df["trajectory_type"].map(ppy)
    return df


def trajectory_budget(
    caseload: pd.DataFrame,
    catalogue: Catalogue,
    *,
    shares: pd.DataFrame | None = None,
    lead_provider: Mapping[str, str] | None = None,
    withhold: float = 0.0,
) -> pd.DataFrame:
    """Trajectory-based budget per year and provider.

    Parameters
    ----------
    caseload
        ``year, trajectory_type, n_new, n_ongoing``: expected trajectories
        active in each year (new and continuing).
    catalogue
        Prices; a case-year is paid ``price_per_year`` (bundle price divided by
        the mean duration), so a whole trajectory is paid its bundle price.
    shares
        ``trajectory_type, provider, share`` (shares sum to 1 per type). By
        default the catalogue's cost shares by sector, with sectors as
        providers.
    lead_provider
        ``{trajectory_type: provider}``: the whole price of those types goes
        to the lead provider (overrides ``shares`` for those types).
    withhold
        Share of the budget withheld and paid back through the rate card.

    Returns
    -------
    pandas.DataFrame
        ``year, provider, trajectory_budget, base_payment, withheld`` (whole
        kroner; ``base_payment + withheld = trajectory_budget``).

    Examples
    --------
    >>> from effekt.budgeting.catalogue import define_catalogue
    >>> cat = define_catalogue(pd.DataFrame({"trajectory_type": ["t"], "price": [200_000],
    ...     "mean_duration_years": [2.0], "share_nav": [0.75], "share_barnevern": [0.25]}))
    >>> cl = pd.DataFrame({"year": [2025], "trajectory_type": ["t"], "n_new": [3],
    ...                    "n_ongoing": [1]})
    >>> trajectory_budget(cl, cat, withhold=0.1)["trajectory_budget"].tolist()
    [100000.0, 300000.0]
    """
    _check_caseload(caseload, catalogue)
    withhold = check_number("withhold", withhold, low=0, high=1, high_open=True)
    if lead_provider is not None and not isinstance(lead_provider, Mapping):
        raise SpecError(f"lead_provider must be a mapping {{trajectory_type: provider}}, got "
                        f"{type(lead_provider).__name__}.")
    if shares is None:
        sh = catalogue.shares().rename_axis("trajectory_type").reset_index().melt(
            id_vars="trajectory_type", var_name="provider", value_name="share"
        )
    else:
        check_frame("shares", shares)
        check_unique_columns(shares, table="shares")
        check_columns(shares, ["trajectory_type", "provider", "share"], table="shares")
        check_numeric(shares, ["share"], table="shares")
        check_no_missing(shares, ["trajectory_type", "provider", "share"], table="shares")
        check_range(shares, ["share"], table="shares", high=1.0)
        sh = shares[["trajectory_type", "provider", "share"]].copy()
        sh["trajectory_type"] = sh["trajectory_type"].astype(str)
        sums = sh.groupby("trajectory_type")["share"].sum()
        bad = sums[~np.isclose(sums, 1.0, atol=1e-9)]
        if len(bad):
            raise DataError(
                f"shares do not sum to 1 for trajectory_type {bad.index.tolist()[:3]} "
                f"(sums {bad.round(6).tolist()[:3]})."
            )
        missing = sorted(set(catalogue.types) - set(sh["trajectory_type"]))
        if missing and not set(missing) <= set(lead_provider or {}):
            raise DataError(f"shares has no rows for trajectory_type {missing[:3]}.")
    if lead_provider:
        unknown = sorted(set(lead_provider) - set(catalogue.types))
        if unknown:
            raise DataError(f"lead_provider names unknown trajectory_type {unknown[:3]}.")
        sh = sh[~sh["trajectory_type"].isin(list(lead_provider))]
        lead = pd.DataFrame(
            {"trajectory_type": list(lead_provider), "provider": list(lead_provider.values()),
             "share": 1.0}
        )
        sh = pd.concat([sh, lead], ignore_index=True)
    df = _expected_cost(caseload, catalogue).merge(sh, on="trajectory_type", how="left")
    df["trajectory_budget"] = df["amount"] * df["share"]
    out = df.groupby(["year", "provider"], as_index=False)["trajectory_budget"].sum()
    out = _round_by_year(out, "trajectory_budget")
    out["withheld"] = np.round(out["trajectory_budget"] * float(withhold))
    out["base_payment"] = out["trajectory_budget"] - out["withheld"]
    return out[["year", "provider", "trajectory_budget", "base_payment", "withheld"]]


def calibrate_budget_neutral(
    caseload: pd.DataFrame, catalogue: Catalogue, service: pd.DataFrame, *, base_year: int
) -> tuple[Catalogue, float]:
    """Scale the catalogue's prices so both models give the same total in ``base_year``.

    Parameters
    ----------
    caseload
        As for :func:`trajectory_budget`.
    catalogue
        The unscaled catalogue (relative weights are kept).
    service
        Output of :func:`service_budget`.
    base_year
        The year in which the totals must agree.

    Returns
    -------
    tuple of (Catalogue, float)
        The scaled catalogue and the scaling factor.

    Examples
    --------
    >>> from effekt.budgeting.catalogue import define_catalogue
    >>> cat = define_catalogue(pd.DataFrame({"trajectory_type": ["t"], "price": [100.0],
    ...     "mean_duration_years": [1.0], "share_nav": [1.0]}))
    >>> cl = pd.DataFrame({"year": [1], "trajectory_type": ["t"], "n_new": [2], "n_ongoing": [0]})
    >>> sv = pd.DataFrame({"year": [1], "provider": ["nav"], "service_budget": [300.0]})
    >>> calibrate_budget_neutral(cl, cat, sv, base_year=1)[1]
    1.5
    """
    _check_caseload(caseload, catalogue)
    check_frame("service", service)
    check_unique_columns(service, table="service")
    check_columns(service, ["year", "service_budget"], table="service")
    check_numeric(service, ["service_budget"], table="service")
    check_no_missing(service, ["year", "service_budget"], table="service")
    check_finite(service, ["service_budget"], table="service")
    check_range(service, ["service_budget"], table="service")
    target = float(service.loc[service["year"] == base_year, "service_budget"].sum())
    cost = _expected_cost(caseload, catalogue)
    current = float(cost.loc[cost["year"] == base_year, "amount"].sum())
    if target <= 0 or current <= 0:
        raise DataError(
            f"base_year={base_year}: both the service budget ({target:,.0f}) and the "
            f"trajectory budget ({current:,.0f}) must be positive to calibrate."
        )
    factor = target / current
    return catalogue.scaled(factor), factor


def rate_card_payout(
    outcomes: pd.DataFrame, rate_card: pd.DataFrame, *, cap_per_case: float | None = None
) -> pd.DataFrame:
    """Outcome payments per year and provider from a rate card, with caps per case.

    Caps belong to the case, not to the provider: a case whose outcomes are
    recorded by several providers in a year is capped once on all of them.

    Parameters
    ----------
    outcomes
        ``case_id, provider, year, outcome, count``: outcomes reached (e.g. a
        family off social assistance for 6 months counts 1).
    rate_card
        ``outcome, price`` and optional ``cap`` (NOK per case per year for that
        outcome, across all providers; missing = no cap).
    cap_per_case
        Overall cap in NOK per case per year across all outcomes and providers.

    Returns
    -------
    pandas.DataFrame
        ``year, provider, n_cases, payout_uncapped, payout``. ``n_cases`` counts
        the cases with an outcome recorded by the provider (a case shared by two
        providers counts for both).

    Notes
    -----
    Attribution of a capped payout to providers, per case and year:

    1. each outcome's ``cap`` applies to the case's total for that outcome (all
       providers); the capped amount is split between the providers in
       proportion to their uncapped payout for that outcome;
    2. ``cap_per_case`` applies to the case's total of step 1 (all outcomes and
       providers); the capped amount is split between the providers in
       proportion to their step-1 (outcome-capped) payout for the case.

    A provider's ``payout`` is the sum of its parts. Without binding outcome
    caps, step 2 splits by the uncapped shares. The last provider of each split
    takes the remainder, so the providers' parts of a case add up to the case's
    capped payout and the yearly totals equal the sum of the per-case capped
    payouts. A case with a single provider is paid as if the caps were applied
    to that provider alone.

    Examples
    --------
    >>> rc = pd.DataFrame({"outcome": ["off_assistance_6m"], "price": [50_000.0],
    ...                    "cap": [60_000.0]})
    >>> oc = pd.DataFrame({"case_id": [1, 2], "provider": "nav", "year": 2025,
    ...                    "outcome": "off_assistance_6m", "count": [1, 2]})
    >>> rate_card_payout(oc, rc)["payout"].tolist()
    [110000.0]

    One case, outcomes recorded by two providers, under a 40,000 cap per case:
    40,000 in all, split 2:1 like the uncapped 40,000 and 20,000.

    >>> two = pd.DataFrame({"case_id": 1, "provider": ["nav", "skole"], "year": 2025,
    ...                     "outcome": "off_assistance_6m", "count": [0.8, 0.4]})
    >>> rate_card_payout(two, rc, cap_per_case=40_000)["payout"].round(2).tolist()
    [26666.67, 13333.33]
    """
    check_frame("outcomes", outcomes)
    check_unique_columns(outcomes, table="outcomes")
    cols = ["case_id", "provider", "year", "outcome", "count"]
    check_columns(outcomes, cols, table="outcomes")
    check_numeric(outcomes, ["year", "count"], table="outcomes")
    check_no_missing(outcomes, cols, table="outcomes")
    check_finite(outcomes, ["year", "count"], table="outcomes")
    check_range(outcomes, ["count"], table="outcomes")
    check_frame("rate_card", rate_card)
    check_unique_columns(rate_card, table="rate_card")
    check_columns(rate_card, ["outcome", "price"], table="rate_card")
    check_numeric(rate_card, ["price", *(["cap"] if "cap" in rate_card else [])],
                  table="rate_card")
    check_no_missing(rate_card, ["outcome", "price"], table="rate_card")
    check_finite(rate_card, ["price", *(["cap"] if "cap" in rate_card else [])],
                 table="rate_card")
    check_range(rate_card, ["price"], table="rate_card")
    if "cap" in rate_card:
        check_range(rate_card, ["cap"], table="rate_card", allow_missing=True)
    if rate_card["outcome"].duplicated().any():
        raise DataError("rate_card repeats an outcome; give one price per outcome.")
    cap_per_case = check_number("cap_per_case", cap_per_case, low=0, allow_none=True)
    rc = rate_card.set_index("outcome")
    unknown = sorted(set(outcomes["outcome"]) - set(rc.index))
    if unknown:
        raise DataError(f"outcomes: outcome {unknown[:3]} is not on the rate card.")
    df = outcomes[cols].copy()
    df["payout_uncapped"] = df["count"].to_numpy(dtype=float) * df["outcome"].map(
        rc["price"]).to_numpy(dtype=float)
    # uncapped payout per case, year, outcome and provider
    per = df.groupby(["year", "case_id", "outcome", "provider"], as_index=False)[
        "payout_uncapped"].sum()
    # 1. the outcome cap: per case, year and outcome across providers, split back to the
    #    providers by their uncapped share of that outcome
    cap = (per["outcome"].map(rc["cap"]).astype(float) if "cap" in rc
           else pd.Series(np.nan, index=per.index))
    outcome_total = per.groupby(["year", "case_id", "outcome"])["payout_uncapped"].transform(
        "sum")
    per["outcome_capped"] = _split(per, np.minimum(outcome_total, cap.fillna(np.inf)),
                                   per["payout_uncapped"], outcome_total,
                                   ["year", "case_id", "outcome"])
    # 2. the case cap: per case and year across outcomes and providers, split back to the
    #    providers by their outcome-capped share of the case
    prov = per.groupby(["year", "case_id", "provider"], as_index=False)[
        ["payout_uncapped", "outcome_capped"]].sum()
    case_total = prov.groupby(["year", "case_id"])["outcome_capped"].transform("sum")
    case_capped = (case_total if cap_per_case is None
                   else np.minimum(case_total, float(cap_per_case)))
    prov["payout"] = _split(prov, case_capped, prov["outcome_capped"], case_total,
                            ["year", "case_id"])
    out = prov.groupby(["year", "provider"], as_index=False).agg(
        n_cases=("case_id", "nunique"),
        payout_uncapped=("payout_uncapped", "sum"),
        payout=("payout", "sum"),
    )
    return out[["year", "provider", "n_cases", "payout_uncapped", "payout"]]


def _split(frame: pd.DataFrame, amount: pd.Series, part: pd.Series, whole: pd.Series,
           keys: list[str]) -> np.ndarray:
    """Split each group's capped ``amount`` over its rows in proportion to ``part / whole``.

    ``amount`` and ``whole`` are the group's capped and uncapped totals, repeated on each
    of its rows (``frame`` grouped by ``keys``). Every row but the last of a group gets
    ``amount × part / whole``; the last gets the remainder, so the rows of a group add up
    to its ``amount`` (a one-row group gets ``amount`` itself). A group whose ``whole``
    is 0 pays 0.
    """
    amt = np.asarray(amount, dtype=float)
    tot = np.asarray(whole, dtype=float)
    frac = np.divide(np.asarray(part, dtype=float), tot, out=np.zeros_like(tot),
                     where=tot > 0)
    share = amt * frac
    last = frame.groupby(keys, sort=False).cumcount(ascending=False).to_numpy() == 0
    before = pd.Series(np.where(last, 0.0, share), index=frame.index).groupby(
        [frame[k] for k in keys], sort=False).transform("sum").to_numpy()
    return np.where(last, np.where(tot > 0, amt - before, 0.0), share)


def _kind(values: pd.Series) -> str:
    """Return the kind of a join key's values: number, date, bool or text."""
    if pd.api.types.is_bool_dtype(values):
        return "bool"
    if pd.api.types.is_numeric_dtype(values):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(values):
        return "date"
    return "text"


def compare_allocations(
    service: pd.DataFrame, trajectory: pd.DataFrame, payouts: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Side-by-side table per year and provider: service vs trajectory budget (+ outcome pay).

    Returns
    -------
    pandas.DataFrame
        ``year, provider, service_budget, trajectory_budget, base_payment,
        withheld, outcome_payment, trajectory_total, difference`` where
        ``trajectory_total = base_payment + outcome_payment`` and ``difference
        = trajectory_total - service_budget``.
    """
    check_frame("service", service)
    check_unique_columns(service, table="service")
    check_columns(service, ["year", "provider", "service_budget"], table="service")
    check_frame("trajectory", trajectory)
    check_unique_columns(trajectory, table="trajectory")
    check_columns(trajectory, ["year", "provider", "trajectory_budget", "base_payment",
                               "withheld"], table="trajectory")
    if payouts is not None:
        check_frame("payouts", payouts)
        check_unique_columns(payouts, table="payouts")
        check_columns(payouts, ["year", "provider", "payout"], table="payouts")
    for name, frame, cols in (
            ("service", service, ["service_budget"]),
            ("trajectory", trajectory, ["trajectory_budget", "base_payment", "withheld"]),
            *((("payouts", payouts, ["payout"]),) if payouts is not None else ())):
        check_numeric(frame, cols, table=name)
        check_no_missing(frame, ["year", "provider", *cols], table=name)
        check_finite(frame, cols, table=name)
    frames = {"service": service, "trajectory": trajectory,
              **({"payouts": payouts} if payouts is not None else {})}
    for key in ("year", "provider"):
        kinds = {n: _kind(f[key]) for n, f in frames.items()}
        if len(set(kinds.values())) > 1:
            raise DataError(f"column {key!r} holds values of different kinds in the tables "
                            f"({', '.join(f'{n}: {k}' for n, k in kinds.items())}); the tables "
                            "are joined on it, so it must be of one kind in all of them.")
    out = service.merge(trajectory, on=["year", "provider"], how="outer").fillna(0.0)
    out["outcome_payment"] = 0.0
    if payouts is not None:
        p = payouts.groupby(["year", "provider"])["payout"].sum()
        out["outcome_payment"] = (
            pd.MultiIndex.from_frame(out[["year", "provider"]]).map(p).fillna(0.0).to_numpy()
        )
    out["trajectory_total"] = out["base_payment"] + out["outcome_payment"]
    out["difference"] = out["trajectory_total"] - out["service_budget"]
    return out.sort_values(["year", "provider"]).reset_index(drop=True)


def incentives(
    base: pd.DataFrame,
    *,
    volume_cut: float = 0.10,
    outcome_gain: float = 0.10,
    cream_skim: float = 0.10,
    easier_cost_gap: float = 0.30,
    risk_capture: float = 0.5,
) -> pd.DataFrame:
    """Show what each provider gains or loses under each model when it changes behaviour.

    Parameters
    ----------
    base
        One row per provider: ``provider, cost`` (its cost of services,
        usually the service budget), ``outcome_payment`` (expected rate-card
        payout in the base case).
    volume_cut
        (a) Share of service volume cut. Cost falls ``volume_cut × cost``;
        service-based revenue falls the same; the trajectory price does not.
    outcome_gain
        (b) Relative increase in outcomes reached; the trajectory model pays
        ``outcome_gain × outcome_payment`` more, the service model nothing.
    cream_skim, easier_cost_gap, risk_capture
        (c) A share ``cream_skim`` of cases is swapped for easier cases that
        cost ``easier_cost_gap`` less. Service revenue falls with the cost;
        the trajectory price falls only by the part the risk adjustment sees
        (``risk_capture``: 0 = no risk adjustment, 1 = it sees all).

    Returns
    -------
    pandas.DataFrame
        ``provider, scenario, model, revenue_change, cost_change, margin_change``
        (NOK per year; margin = revenue - cost).

    Examples
    --------
    >>> b = pd.DataFrame({"provider": ["nav"], "cost": [1_000_000.0],
    ...                   "outcome_payment": [100_000.0]})
    >>> t = incentives(b)
    >>> t.loc[(t.scenario == "volume_cut") & (t.model == "trajectory"), "margin_change"].item()
    100000.0
    """
    check_frame("base", base)
    check_unique_columns(base, table="base")
    check_columns(base, ["provider", "cost", "outcome_payment"], table="base")
    check_numeric(base, ["cost", "outcome_payment"], table="base")
    check_no_missing(base, ["provider", "cost", "outcome_payment"], table="base")
    check_finite(base, ["cost", "outcome_payment"], table="base")
    check_range(base, ["cost", "outcome_payment"], table="base")
    for name, val in (("volume_cut", volume_cut), ("outcome_gain", outcome_gain),
                      ("cream_skim", cream_skim), ("easier_cost_gap", easier_cost_gap),
                      ("risk_capture", risk_capture)):
        check_number(name, val, low=0, high=1)
    rows = []
    for r in base.itertuples(index=False):
        cut = volume_cut * r.cost
        skim = cream_skim * easier_cost_gap * r.cost
        scen = {
            ("volume_cut", "service"): (-cut, -cut),
            ("volume_cut", "trajectory"): (0.0, -cut),
            ("better_outcomes", "service"): (0.0, 0.0),
            ("better_outcomes", "trajectory"): (outcome_gain * r.outcome_payment, 0.0),
            ("cream_skimming", "service"): (-skim, -skim),
            ("cream_skimming", "trajectory"): (-skim * risk_capture, -skim),
        }
        for (s, m), (rev, cost) in scen.items():
            rows.append({"provider": r.provider, "scenario": s, "model": m,
                         "revenue_change": rev, "cost_change": cost,
                         "margin_change": rev - cost})
    return pd.DataFrame(rows)
