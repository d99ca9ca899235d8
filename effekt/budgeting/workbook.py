"""Excel in and out: an assumptions workbook for finance staff, and a results workbook.

``write_template(path)`` writes an assumptions workbook with one sheet per input
(explanations in Norwegian in row 1 and English in row 2, the header in row 3,
data from row 4). ``run_workbook(path, out)`` reads it, validates every cell it
uses (a :class:`~effekt.errors.SpecError` names the sheet, the cell and the
problem), runs the projection, both allocation models, the Monte Carlo and the
investment account, and writes a results workbook atomically (a temporary file
in the same folder, then ``os.replace``). The input is never overwritten.

Requires ``openpyxl``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from effekt._io import atomic_write
from effekt.budgeting.accounts import investment_account
from effekt.budgeting.allocation import (
    calibrate_budget_neutral,
    compare_allocations,
    service_budget,
    trajectory_budget,
)
from effekt.budgeting.catalogue import define_catalogue
from effekt.budgeting.discount import DiscountSchedule
from effekt.budgeting.effects import from_effect
from effekt.budgeting.projection import budget_model, project_caseload, simulate
from effekt.budgeting.sectors import UNIT_COSTS, resolve_sector
from effekt.errors import DataError, SpecError

__all__ = ["SHEETS", "run_workbook", "write_template"]

HEADER_ROW = 3
# sheet -> (Norwegian note, English note, [(column, kind)], example rows)
# kinds: text, number, nonneg, share, int, sector, opt_int (may be blank), opt_nonneg
SHEETS: dict[str, tuple[str, str, list[tuple[str, str]], list[list[Any]]]] = {
    "settings": (
        "Innstillinger: prisår (faste priser), basisår, horisont i år, antall trekk, frø, "
        "tilbakeholdt andel til resultatbetaling, og tiltakets forsinkelse/frafall/dødvekt.",
        "Settings: price year (fixed prices), base year, horizon in years, draws, seed, withheld "
        "share paid through the rate card, and the measure's lag / drop-off / deadweight.",
        [("key", "text"), ("value", "number")],
        [["price_year", 2024], ["base_year", 2025], ["years", 3], ["draws", 1000], ["seed", 1],
         ["withhold_share", 0.1], ["lag", 1], ["drop_off", 0.1], ["deadweight", 0.2]],
    ),
    "trajectory_types": (
        "Forløpstyper: forløpspris per sak (NOK) og gjennomsnittlig varighet i år.",
        "Trajectory types: bundle price per case (NOK) and mean duration in years.",
        [("trajectory_type", "text"), ("price_nok", "nonneg"), ("mean_duration_years", "nonneg")],
        [["family_light", 120_000, 1.0], ["family_complex", 900_000, 3.0]],
    ),
    "sector_shares": (
        "Fordeling av forløpsprisen mellom sektorer (andeler, summerer til 1 per forløpstype).",
        "Split of the bundle price between sectors (shares summing to 1 per trajectory type).",
        [("trajectory_type", "text"), ("sector", "sector"), ("share", "share")],
        [["family_light", "nav", 0.7], ["family_light", "helse_sosial", 0.3],
         ["family_complex", "nav", 0.3], ["family_complex", "barnevern", 0.7]],
    ),
    "rate_card": (
        "Resultatkort: pris per oppnådd resultat og tak per sak (tomt = uten tak).",
        "Rate card: price per outcome reached and cap per case (blank = no cap).",
        [("outcome", "text"), ("price_nok", "nonneg"), ("cap_per_case_nok", "opt_nonneg")],
        [["off_assistance_6m", 50_000, 100_000], ["school_attendance", 10_000, None]],
    ),
    "population": (
        "Befolkningsframskriving etter aldersgruppe.",
        "Population projection by age group.",
        [("year", "int"), ("age_group", "text"), ("population", "nonneg")],
        [[y, g, p * (1.014 ** (y - 2025))] for y in (2025, 2026, 2027)
         for g, p in (("0-17", 30_000), ("18-66", 80_000))],
    ),
    "incidence": (
        "Nye forløp per 1000 innbyggere per år, etter forløpstype og aldersgruppe.",
        "New trajectories per 1,000 residents per year, by trajectory type and age group.",
        [("trajectory_type", "text"), ("age_group", "text"), ("rate_per_1000", "nonneg")],
        [["family_light", "0-17", 2.0], ["family_light", "18-66", 0.5],
         ["family_complex", "0-17", 0.3]],
    ),
    "services": (
        "Tjenestebasert budsjett i basisåret: planlagt volum og enhetskostnad per tiltak.",
        "Service-based budget in the base year: planned volume and unit cost per measure.",
        [("sector", "sector"), ("measure_id", "text"), ("volume", "nonneg"),
         ("unit_cost_nok", "nonneg")],
        [["nav", "social_assistance_month", 2_000, UNIT_COSTS["social_assistance_month"]["nok"]],
         ["helse_sosial", "practical_help_hour", 5_000, UNIT_COSTS["practical_help_hour"]["nok"]],
         ["barnevern", "mst_fft_month", 300, UNIT_COSTS["mst_fft_month"]["nok"]]],
    ),
    "discount": (
        "Diskonteringsbånd: rente og siste år i båndet (tomt i siste bånd). Standard: R-109.",
        "Discount bands: rate and last year of the band (blank in the last band). Default R-109.",
        [("rate", "number"), ("last_year", "opt_int")],
        [[0.04, 40], [0.03, 75], [0.02, None]],
    ),
    "effects": (
        "Effektestimater per år etter start, og kostnad per enhet av utfallet for sektoren.",
        "Effect estimates by year since start, and cost per unit of the outcome for the sector.",
        [("sector", "sector"), ("event_time", "int"), ("estimate", "number"),
         ("std_error", "nonneg"), ("cost_per_unit_nok", "number"), ("n_cases", "nonneg")],
        [["nav", 0, -0.5, 0.4, 9_718, 60], ["nav", 1, -1.0, 0.5, 9_718, 60],
         ["nav_state", 1, -0.2, 0.2, 20_000, 60]],
    ),
    "investment": (
        "Tiltakets kostnader per sektor og år (år 0 = første år).",
        "The measure's costs by sector and year (year 0 = first year).",
        [("sector", "sector"), ("year", "int"), ("cost_nok", "nonneg")],
        [["nav", 0, 1_500_000], ["nav", 1, 1_500_000]],
    ),
}
SETTINGS_KEYS = ("price_year", "base_year", "years", "draws", "seed", "withhold_share", "lag",
                 "drop_off", "deadweight")


def _openpyxl() -> Any:
    try:
        import openpyxl
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise SpecError("Excel workbooks need openpyxl: pip install 'openpyxl>=3.1'.") from err
    return openpyxl


def _save_atomic(wb: Any, path: Path) -> None:
    atomic_write(path, wb.save)


def write_template(path: str | os.PathLike[str]) -> Path:
    """Write the assumptions workbook (with example values) to ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = write_template(pathlib.Path(tempfile.mkdtemp()) / "assumptions.xlsx")
    >>> p.suffix
    '.xlsx'
    """
    openpyxl = _openpyxl()
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, (nb, en, cols, rows) in SHEETS.items():
        ws = wb.create_sheet(name)
        ws.cell(1, 1, nb)
        ws.cell(2, 1, en)
        for j, (col, _) in enumerate(cols, start=1):
            ws.cell(HEADER_ROW, j, col)
        for i, row in enumerate(rows, start=HEADER_ROW + 1):
            for j, val in enumerate(row, start=1):
                ws.cell(i, j, val)
    out = Path(path)
    _save_atomic(wb, out)
    return out


def _cell(col: int, row: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(col)}{row}"


def _read(wb: Any, name: str) -> pd.DataFrame:
    """Read and validate one sheet; the frame carries the Excel row in ``_row``."""
    if name not in wb.sheetnames:
        raise SpecError(f"sheet {name!r} is missing; the workbook has {wb.sheetnames}.")
    ws = wb[name]
    cols = SHEETS[name][2]
    for j, (col, _) in enumerate(cols, start=1):
        got = ws.cell(HEADER_ROW, j).value
        if got != col:
            raise SpecError(
                f"{name}!{_cell(j, HEADER_ROW)}: header should be {col!r}, found {got!r}."
            )
    records = []
    for r in range(HEADER_ROW + 1, ws.max_row + 1):
        vals = [ws.cell(r, j).value for j in range(1, len(cols) + 1)]
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in vals):
            continue
        rec: dict[str, Any] = {"_row": r}
        for j, ((col, kind), v) in enumerate(zip(cols, vals, strict=True), start=1):
            where = f"{name}!{_cell(j, r)}"
            if v is None and kind.startswith("opt_"):
                rec[col] = None
                continue
            if v is None:
                raise SpecError(f"{where}: {col} is empty.")
            if kind in ("text",):
                rec[col] = str(v).strip()
            elif kind == "sector":
                rec[col] = resolve_sector(v, where=where)
            else:
                if isinstance(v, bool) or not isinstance(v, int | float):
                    raise SpecError(f"{where}: {col} must be a number, found text {v!r}.")
                if not np.isfinite(v):
                    raise SpecError(f"{where}: {col} must be finite, found {v!r}.")
                if kind in ("nonneg", "opt_nonneg", "share") and v < 0:
                    raise SpecError(f"{where}: {col} must be >= 0, found {v!r}.")
                if kind == "share" and v > 1:
                    raise SpecError(f"{where}: {col} must be a share in [0, 1], found {v!r}.")
                if kind in ("int", "opt_int") and float(v) != int(v):
                    raise SpecError(f"{where}: {col} must be a whole number, found {v!r}.")
                rec[col] = int(v) if kind in ("int", "opt_int") else float(v)
        records.append(rec)
    if not records:
        raise SpecError(f"sheet {name!r} has no data rows (data start in row {HEADER_ROW + 1}).")
    return pd.DataFrame(records)


def _check_types(df: pd.DataFrame, sheet: str, known: set[str]) -> None:
    col = [c for c, _ in SHEETS[sheet][2]].index("trajectory_type") + 1
    for r, t in zip(df["_row"], df["trajectory_type"], strict=True):
        if t not in known:
            raise SpecError(
                f"{sheet}!{_cell(col, r)}: unknown trajectory_type {t!r}; "
                f"trajectory_types has {sorted(known)}."
            )


def _settings(df: pd.DataFrame) -> dict[str, float]:
    vals = dict(zip(df["key"], df["value"], strict=True))
    for k in SETTINGS_KEYS:
        if k not in vals:
            raise SpecError(f"settings!A{HEADER_ROW + 1}: key {k!r} is missing (column A).")
    for k, r in zip(df["key"], df["_row"], strict=True):
        if k not in SETTINGS_KEYS:
            raise SpecError(f"settings!A{r}: unknown key {k!r}; known: {', '.join(SETTINGS_KEYS)}.")
    for k in ("price_year", "base_year", "years", "draws", "seed", "lag"):
        r = int(df.loc[df["key"] == k, "_row"].iloc[0])
        if vals[k] != int(vals[k]) or vals[k] < (1 if k in ("years", "draws") else 0):
            raise SpecError(f"settings!B{r}: {k} must be a whole number, found {vals[k]!r}.")
    for k in ("withhold_share", "drop_off", "deadweight"):
        r = int(df.loc[df["key"] == k, "_row"].iloc[0])
        if not 0 <= vals[k] < 1:
            raise SpecError(f"settings!B{r}: {k} must be a share in [0, 1), found {vals[k]!r}.")
    return vals


def _write_frame(wb: Any, name: str, frame: pd.DataFrame, note: str) -> None:
    ws = wb.create_sheet(name)
    ws.cell(1, 1, note)
    for j, c in enumerate(frame.columns, start=1):
        ws.cell(2, j, str(c))
    for i, row in enumerate(frame.itertuples(index=False), start=3):
        for j, v in enumerate(row, start=1):
            if isinstance(v, np.generic):
                v = v.item()
            ws.cell(i, j, None if isinstance(v, float) and np.isnan(v) else v)


def run_workbook(
    path_in: str | os.PathLike[str], path_out: str | os.PathLike[str], *, seed: int | None = None
) -> Path:
    """Read, validate and run an assumptions workbook; write the results workbook.

    Parameters
    ----------
    path_in
        The assumptions workbook (see :func:`write_template`).
    path_out
        Where to write the results; must differ from ``path_in``.
    seed
        Overrides the seed in the ``settings`` sheet.

    Returns
    -------
    pathlib.Path
        ``path_out``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> out = run_workbook(write_template(d / "in.xlsx"), d / "out.xlsx", seed=1)
    >>> out.name
    'out.xlsx'
    """
    openpyxl = _openpyxl()
    src, dst = Path(path_in), Path(path_out)
    if src.resolve() == dst.resolve():
        raise SpecError(f"path_out must differ from the input workbook ({src}); never overwritten.")
    if not src.is_file():
        raise SpecError(f"workbook {src} does not exist.")
    wb = openpyxl.load_workbook(src, data_only=True, read_only=False)
    s = _settings(_read(wb, "settings"))
    types = _read(wb, "trajectory_types")
    dup = types["trajectory_type"].duplicated()
    if dup.any():
        r = int(types.loc[dup, "_row"].iloc[0])
        raise SpecError(f"trajectory_types!A{r}: trajectory_type repeated.")
    for r, d in zip(types["_row"], types["mean_duration_years"], strict=True):
        if d <= 0:
            raise SpecError(f"trajectory_types!C{r}: mean_duration_years must be > 0.")
    known = set(types["trajectory_type"])
    shares = _read(wb, "sector_shares")
    _check_types(shares, "sector_shares", known)
    sums = shares.groupby("trajectory_type")["share"].sum()
    for t in sorted(known):
        if not np.isclose(sums.get(t, 0.0), 1.0, atol=1e-6):
            rows = shares.loc[shares["trajectory_type"] == t, "_row"]
            where = f"C{rows.min()}:C{rows.max()}" if len(rows) else "C"
            raise SpecError(
                f"sector_shares!{where}: shares for {t!r} sum to {sums.get(t, 0.0):.6g}, not 1."
            )
    wide = shares.pivot_table(index="trajectory_type", columns="sector", values="share",
                              aggfunc="sum").fillna(0.0)
    table = types.drop(columns="_row").rename(columns={"price_nok": "price"})
    for sec in wide.columns:
        table[f"share_{sec}"] = table["trajectory_type"].map(wide[sec]).to_numpy()
    catalogue = define_catalogue(table, price_year=int(s["price_year"]))
    rate_card = _read(wb, "rate_card")
    population = _read(wb, "population")
    incidence = _read(wb, "incidence")
    _check_types(incidence, "incidence", known)
    services = _read(wb, "services")
    disc = _read(wb, "discount")
    try:
        schedule = DiscountSchedule(
            "workbook", tuple((float(r), None if pd.isna(u) else int(u))
                              for r, u in zip(disc["rate"], disc["last_year"], strict=True)))
    except SpecError as err:
        raise SpecError(f"discount!A{HEADER_ROW + 1}: {err}") from err
    effects = _read(wb, "effects")
    invest = _read(wb, "investment")

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
    allocation = compare_allocations(sv, tb)

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

    out = openpyxl.Workbook()
    out.remove(out.active)
    price = f"NOK, faste {int(s['price_year'])}-priser / fixed {int(s['price_year'])} prices"
    _write_frame(out, "allocation", allocation,
                 f"Tjenestebasert og forløpsbasert budsjett per år og sektor / service- vs "
                 f"trajectory-based budget by year and sector ({price}); budsjettnøytralt i "
                 f"basisåret / budget-neutral in the base year {base_year}.")
    _write_frame(out, "caseload", caseload, "Forløp per år og type / trajectories by year.")
    _write_frame(out, "quantiles", sim.quantiles(),
                 f"Monte Carlo: nettokostnad per år og sektor / net cost by year and sector "
                 f"({price}; {int(s['draws'])} trekk/draws, seed {run_seed}).")
    _write_frame(out, "investment_account", account.who_pays_who_gains(),
                 f"Hvem betaler, hvem sparer / who pays, who gains ({price}; nåverdi / present "
                 f"value).")
    _write_frame(out, "npv", npv_tab, f"Nåverdi, nytte-kostnadsbrøk, tilbakebetalingsår / NPV, "
                 f"benefit-cost ratio, payback year ({price}).")
    _write_frame(out, "rate_card", rate_card.drop(columns="_row"),
                 "Resultatkort: tilbakeholdt andel betales ut etter oppnådde resultat / rate card: "
                 "the withheld share is paid back for outcomes reached.")
    _save_atomic(out, dst)
    return dst
