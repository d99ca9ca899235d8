"""Run an assumptions workbook: the budget it describes, written as a results workbook.

``run_workbook(path, out)`` reads the assumptions workbook and validates every cell it
uses (:func:`~effekt.budgeting.workbook.assumptions.read_assumptions`), runs the
projection, both allocation models, the rate card, the Monte Carlo and the investment
account, and writes a results workbook atomically (a temporary file in the same folder,
then ``os.replace``; :func:`~effekt.budgeting.workbook.results.write_results`). The input
is never overwritten, and no other existing file is unless ``overwrite=True``
(``--force``). The budget-neutral allocation has a row per year for the withheld pool
(:func:`~effekt.budgeting.outcomes_reached.allocation_with_pool`), so that the service
budget equals the trajectory model's payments plus what is left in the pool.

Requires ``openpyxl``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from effekt._checks import check_choice
from effekt._io import check_output_file
from effekt.budgeting.accounts import investment_account
from effekt.budgeting.allocation import (
    calibrate_budget_neutral,
    service_budget,
    trajectory_budget,
)
from effekt.budgeting.effects import from_effect
from effekt.budgeting.outcomes_reached import allocation_with_pool, sheet_payments
from effekt.budgeting.projection import budget_model, project_caseload, simulate
from effekt.budgeting.workbook.assumptions import read_assumptions
from effekt.budgeting.workbook.results import (
    Language,
    ResultSheet,
    require_openpyxl,
    write_results,
)
from effekt.errors import DataError, SpecError

__all__ = ["run_workbook"]


def run_workbook(
    path_in: str | os.PathLike[str], path_out: str | os.PathLike[str], *, seed: int | None = None,
    overwrite: bool = False, language: Language = "nb",
) -> Path:
    """Read, validate and run an assumptions workbook; write the results workbook.

    Parameters
    ----------
    path_in
        The assumptions workbook (see :func:`write_template`).
    path_out
        Where to write the results; must differ from ``path_in``. An existing file is
        never replaced unless ``overwrite=True``; checked before anything is computed.
    seed
        Overrides the seed in the ``settings`` sheet.
    overwrite
        Replace an existing ``path_out`` (``effekt budget run --force``); never the input.
    language
        Language of the results workbook's sheet names and headers: ``"nb"`` (bokmål,
        default) or ``"en"``.

    Returns
    -------
    pathlib.Path
        ``path_out``. Its sheets (names in ``language``): the budget-neutral allocation
        (with the rate card's payments and a row per year for the withheld pool, so that
        the difference sums to 0 in the base year), the caseload, the Monte Carlo net cost,
        who pays and who gains, present values, the rate card, and the outcomes reached
        with their payments.

    Raises
    ------
    SpecError
        A file that is no Excel workbook (text, a ``.csv``, a folder); or one error
        listing every problem of the workbook, each with its sheet and cell (a missing
        sheet, a wrong header, text where a number goes, a negative count or share, an
        unknown trajectory type, shares that do not sum to 1, an effect year outside
        ``0..years-1`` or an investment year outside ``0..years+lag``, an outcome reached
        that is not on the rate card or lies outside the budget years).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from effekt.budgeting import write_template
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> out = run_workbook(write_template(d / "in.xlsx"), d / "out.xlsx", seed=1)
    >>> out.name
    'out.xlsx'
    """
    check_choice("language", language, Language)
    require_openpyxl()
    src, dst = Path(path_in), Path(path_out)
    if src.resolve() == dst.resolve():
        raise SpecError(f"path_out must differ from the input workbook ({src}); never overwritten.")
    check_output_file(dst, overwrite=overwrite)
    (s, catalogue, rate_card, population, incidence, services, schedule, effects,
     invest, reached) = read_assumptions(src)

    base_year, n_years = int(s["base_year"]), int(s["years"])
    try:
        caseload = project_caseload(
            population.drop(columns="_row"),
            incidence.assign(rate=incidence["rate_per_1000"] / 1000.0)[
                ["trajectory_type", "age_group", "rate"]],
            catalogue, years=n_years, start_year=base_year)
    except DataError as err:
        raise SpecError(f"population/incidence: {err}") from err
    pop_tot = population.groupby("year")["population"].sum()
    years = np.arange(base_year, base_year + n_years)
    index = pop_tot.reindex(years).to_numpy() / pop_tot[base_year]
    volumes = pd.concat(
        [services.assign(year=y, volume=services["volume"] * k) for y, k in zip(years, index,
                                                                                strict=True)],
        ignore_index=True,
    ).rename(columns={"sector": "provider", "unit_cost_nok": "unit_cost"})
    sv = service_budget(volumes[["year", "provider", "measure_id", "volume", "unit_cost"]])
    cat_cal, factor = calibrate_budget_neutral(caseload, catalogue, sv, base_year=base_year)
    tb = trajectory_budget(caseload, cat_cal, withhold=float(s["withhold_share"]))
    paid = sheet_payments(reached, rate_card)
    per_provider = (paid.groupby(["year", "provider"], as_index=False)["payout"].sum()
                    if len(paid) else None)
    allocation = allocation_with_pool(sv, tb, per_provider)

    horizon = max(n_years, int(effects["event_time"].max()) + 1)
    streams = []
    for sec, g in effects.groupby("sector", sort=False):
        streams.append(from_effect(g[["event_time", "estimate", "std_error"]],
                                   float(g["cost_per_unit_nok"].iloc[0]), sector=sec,
                                   n_cases=float(g["n_cases"].iloc[0]), horizon=horizon))
    model = budget_model(cat_cal, caseload, effects=streams)
    run_seed = int(s["seed"]) if seed is None else seed
    sim = simulate(model, draws=int(s["draws"]), seed=run_seed)

    acc_h = max(horizon + int(s["lag"]), int(invest["year"].max()), 1)
    costs = invest.pivot_table(index="year", columns="sector", values="cost_nok",
                               aggfunc="sum").reindex(range(acc_h + 1)).fillna(0.0)
    gains = pd.concat([st.mean() for st in streams], axis=1)
    gains = gains.T.groupby(level=0).sum().T.clip(lower=0.0)
    account = investment_account(
        costs, {c: gains[c].to_numpy() for c in gains.columns}, horizon=acc_h,
        lag=int(s["lag"]), drop_off=float(s["drop_off"]), deadweight=float(s["deadweight"]),
        schedule=schedule, price_year=int(s["price_year"]), measure="measure")
    pv = sim.present_value(schedule)
    npv_tab = pd.DataFrame({
        "quantity": ["npv_measure", "benefit_cost_ratio", "payback_year", "calibration_factor",
                     "pv_net_cost_mean", "pv_net_cost_q05", "pv_net_cost_q95"],
        "value": [account.npv(),
                  account.benefit_cost_ratio() if account.costs.to_numpy().sum() > 0 else None,
                  account.payback_year(), factor, float(pv.mean()),
                  float(np.quantile(pv, 0.05)), float(np.quantile(pv, 0.95))],
    })
    py = int(s["price_year"])
    nb = language == "nb"
    price = f"NOK, faste {py}-priser" if nb else f"NOK, fixed {py} prices"
    w = float(s["withhold_share"])
    pool = allocation[(allocation["year"] == base_year)
                      & (allocation["provider"] == "withheld_pool")]["trajectory_total"].sum()
    sheets = [
        ResultSheet("allocation", allocation, (
            f"Tjenestebasert og forløpsbasert budsjett per år og tjenesteyter ({price}); "
            f"prisene er skalert slik at begge gir samme sum i basisåret {base_year}. "
            f"{w:.0%} holdes tilbake og betales ut etter oppnådde resultater; raden "
            f"'Tilbakeholdt pott' viser det som ikke er utbetalt ({pool:,.0f} NOK i "
            f"{base_year}), så differansen summerer til 0 i basisåret." if nb else
            f"Service- and trajectory-based budget by year and provider ({price}); prices "
            f"are scaled so that both give the same total in the base year {base_year}. "
            f"{w:.0%} is withheld and paid back for outcomes reached; the row 'Withheld pool' "
            f"shows what is not paid out ({pool:,.0f} NOK in {base_year}), so the difference "
            "sums to 0 in the base year.")),
        ResultSheet("caseload", caseload, "Forløp per år og type." if nb
                    else "Trajectories by year and type."),
        ResultSheet("quantiles", sim.quantiles(), (
            f"Monte Carlo: nettokostnad (kostnad minus unngått kostnad) per år og sektor "
            f"({price}; {int(s['draws'])} trekk, frø {run_seed})." if nb else
            f"Monte Carlo: net cost (cost minus avoided cost) by year and sector ({price}; "
            f"{int(s['draws'])} draws, seed {run_seed}).")),
        ResultSheet("investment_account", account.who_pays_who_gains(), (
            f"Hvem betaler, hvem sparer ({price}; nåverdi diskontert med båndene i arket "
            "discount)." if nb else
            f"Who pays, who gains ({price}; present value discounted with the bands of the "
            "sheet discount).")),
        ResultSheet("npv", npv_tab, (
            f"Nåverdi, nytte-kostnadsbrøk, tilbakebetalingsår og kalibreringsfaktor ({price})."
            if nb else f"NPV, benefit-cost ratio, payback year and calibration factor "
            f"({price})."),
            row_kinds=["nok", "ratio", "int", "ratio", "nok", "nok", "nok"]),
        ResultSheet("rate_card", rate_card.drop(columns="_row"), (
            "Resultatkort: den tilbakeholdte andelen betales ut etter oppnådde resultater." if nb
            else "Rate card: the withheld share is paid back for outcomes reached.")),
        ResultSheet("outcomes_reached", paid, (
            ("Oppnådde resultater fra arket outcomes_reached og resultatbetalingen etter "
             "resultatkortet (antallet fordeles likt på sakene før tak)." if nb else
             "Outcomes reached from the sheet outcomes_reached and their payment by the rate "
             "card (the count is spread evenly over the cases before caps).")
            if reached is not None else
            ("Ingen oppnådde resultater: forutsetningene har ikke arket outcomes_reached, så "
             "ingenting betales ut etter resultatkortet." if nb else
             "No outcomes reached: the assumptions have no sheet outcomes_reached, so the rate "
             "card pays nothing."))),
    ]
    return write_results(dst, sheets, language=language, overwrite=overwrite)
