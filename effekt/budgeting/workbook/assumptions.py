"""The assumptions workbook: its sheets, the template, and reading and validating it.

``write_template(path)`` writes an assumptions workbook with one sheet per input
(explanations in Norwegian in row 1 and English in row 2, the header in row 3,
data from row 4; see :data:`SHEETS`). :func:`read_assumptions` reads it back and
validates every cell the budget uses: one :class:`~effekt.errors.SpecError` lists every
problem found, each with its sheet and cell; a year outside the horizon is refused, never
dropped. :func:`~effekt.budgeting.run_workbook` runs what it reads.

Requires ``openpyxl``.
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from effekt._checks import LARGE, raise_problems
from effekt._io import atomic_write, check_output_file
from effekt.budgeting.catalogue import define_catalogue
from effekt.budgeting.discount import DiscountSchedule
from effekt.budgeting.sectors import UNIT_COSTS, resolve_sector
from effekt.budgeting.workbook.results import require_openpyxl
from effekt.errors import DataError, SpecError

__all__ = ["HEADER_ROW", "OPTIONAL_SHEETS", "SETTINGS_KEYS", "SHEETS", "read_assumptions",
           "write_template"]

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
    "outcomes_reached": (
        "Oppnådde resultater per år og sektor: antall saker og antall resultater (fordeles likt "
        "på sakene før tak). Valgfritt ark: uten det betales ingen resultater.",
        "Outcomes reached by year and sector: cases and outcomes reached (spread evenly over "
        "the cases before caps). Optional sheet: without it no outcome is paid.",
        [("year", "int"), ("sector", "sector"), ("outcome", "text"), ("n_cases", "nonneg"),
         ("count", "nonneg")],
        [[2025, "nav", "off_assistance_6m", 20, 20], [2026, "nav", "off_assistance_6m", 22, 22],
         [2027, "nav", "off_assistance_6m", 24, 24],
         [2025, "oppvekst_skole", "school_attendance", 60, 60]],
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
OPTIONAL_SHEETS = ("outcomes_reached",)
"""Sheets an assumptions workbook may leave out (one written before they existed still runs)."""
SETTINGS_KEYS = ("price_year", "base_year", "years", "draws", "seed", "withhold_share", "lag",
                 "drop_off", "deadweight")


def write_template(path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Write the assumptions workbook (with example values) to ``path``.

    An existing file (a workbook already filled in) is never replaced unless
    ``overwrite=True`` (``effekt budget template FILE --force``).

    Parameters
    ----------
    path
        The workbook to write (``.xlsx``); a missing parent folder is created.
    overwrite
        Replace an existing file.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    SpecError
        ``path`` exists (without ``overwrite=True``) or is a folder.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = write_template(pathlib.Path(tempfile.mkdtemp()) / "assumptions.xlsx")
    >>> p.suffix
    '.xlsx'
    >>> p = write_template(p, overwrite=True)  # without overwrite=True: a SpecError
    """
    check_output_file(path, overwrite=overwrite)
    openpyxl = require_openpyxl()
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
    return atomic_write(path, wb.save, overwrite=overwrite)


def _cell(col: int, row: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(col)}{row}"


def _read(wb: Any, name: str, problems: list[str]) -> pd.DataFrame | None:
    """Read and validate one sheet, adding every problem (sheet and cell) to ``problems``.

    Returns the rows (the Excel row in ``_row``; a bad cell is None and its row has
    ``_ok`` False), or None when the sheet is missing or its header is wrong.
    """
    if name not in wb.sheetnames:
        if name not in OPTIONAL_SHEETS:
            problems.append(f"sheet {name!r} is missing; the workbook has {wb.sheetnames}.")
        return None
    ws = wb[name]
    cols = SHEETS[name][2]
    header_ok = True
    for j, (col, _) in enumerate(cols, start=1):
        got = ws.cell(HEADER_ROW, j).value
        if got != col:
            problems.append(
                f"{name}!{_cell(j, HEADER_ROW)}: header should be {col!r}, found {got!r}."
            )
            header_ok = False
    if not header_ok:
        return None
    records = []
    for r in range(HEADER_ROW + 1, ws.max_row + 1):
        vals = [ws.cell(r, j).value for j in range(1, len(cols) + 1)]
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in vals):
            continue
        rec: dict[str, Any] = {"_row": r, "_ok": True}
        for j, ((col, kind), v) in enumerate(zip(cols, vals, strict=True), start=1):
            value, problem = _cell_value(kind, col, v, f"{name}!{_cell(j, r)}")
            rec[col] = value
            if problem:
                problems.append(problem)
                rec["_ok"] = False
        records.append(rec)
    if not records:
        if name not in OPTIONAL_SHEETS:
            problems.append(f"sheet {name!r} has no data rows (data start in row "
                            f"{HEADER_ROW + 1}).")
        return None
    return pd.DataFrame(records, columns=["_row", "_ok", *(c for c, _ in cols)])


def _cell_value(kind: str, col: str, v: Any, where: str) -> tuple[Any, str | None]:
    """Return the value of one cell of column kind ``kind``, or ``(None, problem)``."""
    if v is None or (isinstance(v, str) and not v.strip()):
        return None, (None if kind.startswith("opt_") else f"{where}: {col} is empty.")
    if kind == "text":
        return str(v).strip(), None
    if kind == "sector":
        try:
            return resolve_sector(v, where=where), None
        except SpecError as err:
            return None, str(err)
    if isinstance(v, bool) or not isinstance(v, int | float):
        return None, f"{where}: {col} must be a number, found text {v!r}."
    if not np.isfinite(v) or abs(v) > LARGE:
        return None, f"{where}: {col} must be finite, found {v!r}."
    if kind in ("nonneg", "opt_nonneg", "share") and v < 0:
        return None, f"{where}: {col} must be >= 0, found {v!r}."
    if kind == "share" and v > 1:
        return None, f"{where}: {col} must be a share in [0, 1], found {v!r}."
    if kind in ("int", "opt_int"):
        if float(v) != int(v):
            return None, f"{where}: {col} must be a whole number, found {v!r}."
        return int(v), None
    return float(v), None


def _ok(df: pd.DataFrame | None) -> pd.DataFrame | None:
    """Return the rows of a sheet without a bad cell (None for a sheet not read)."""
    return None if df is None else df[df["_ok"]].drop(columns="_ok").reset_index(drop=True)


def _check_types(df: pd.DataFrame, sheet: str, known: set[str], problems: list[str]) -> None:
    col = [c for c, _ in SHEETS[sheet][2]].index("trajectory_type") + 1
    for r, t in zip(df["_row"], df["trajectory_type"], strict=True):
        if pd.notna(t) and t not in known:
            problems.append(
                f"{sheet}!{_cell(col, r)}: unknown trajectory_type {t!r}; "
                f"trajectory_types has {sorted(known)}."
            )


def _settings(df: pd.DataFrame, problems: list[str]) -> dict[str, float]:
    """Return the valid settings as ``{key: value}``; add a problem for each bad one."""
    vals = {k: v for k, v in zip(df["key"], df["value"], strict=True)
            if pd.notna(k) and pd.notna(v)}
    rows = dict(zip(df["key"], df["_row"], strict=True))
    for k in SETTINGS_KEYS:
        if k not in rows:
            problems.append(f"settings!A{HEADER_ROW + 1}: key {k!r} is missing (column A).")
    for k, r in zip(df["key"], df["_row"], strict=True):
        if pd.notna(k) and k not in SETTINGS_KEYS:
            problems.append(
                f"settings!A{r}: unknown key {k!r}; known: {', '.join(SETTINGS_KEYS)}.")
    for k in ("price_year", "base_year", "years", "draws", "seed", "lag"):
        v = vals.get(k)
        low = 1 if k in ("years", "draws") else 0
        if v is not None and (v != int(v) or v < low):
            problems.append(f"settings!B{rows[k]}: {k} must be a whole number >= {low}, found "
                            f"{v!r}.")
            del vals[k]
    for k in ("withhold_share", "drop_off", "deadweight"):
        v = vals.get(k)
        if v is not None and not 0 <= v < 1:
            problems.append(f"settings!B{rows[k]}: {k} must be a share in [0, 1), found {v!r}.")
            del vals[k]
    return {k: v for k, v in vals.items() if k in SETTINGS_KEYS}


def _open_workbook(src: Path) -> Any:
    """Open the assumptions workbook; a SpecError when it is no Excel workbook."""
    openpyxl = require_openpyxl()
    if src.is_dir():
        raise SpecError(f"workbook {src} is a folder; give the assumptions workbook (.xlsx) "
                        "written by 'effekt budget template'.")
    if not src.is_file():
        raise SpecError(f"workbook {src} does not exist.")
    if src.suffix.lower() not in (".xlsx", ".xlsm"):
        raise SpecError(f"workbook {src} is not an Excel workbook (.xlsx) but a "
                        f"{src.suffix or 'file without suffix'!s} file; fill in the template "
                        "from 'effekt budget template' and save it as .xlsx.")
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return openpyxl.load_workbook(src, data_only=True, read_only=False)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError, TypeError,
            OSError, EOFError, SyntaxError) as err:
        raise SpecError(f"workbook {src} cannot be read as an Excel workbook (.xlsx): "
                        f"{type(err).__name__}: {err}. Save it from Excel as .xlsx, or start "
                        "from 'effekt budget template'.") from err


def read_assumptions(src: Path) -> tuple[Any, ...]:
    """Read and validate every sheet; one SpecError lists every problem found.

    Returns ``(settings, catalogue, rate_card, population, incidence, services, schedule,
    effects, investment, outcomes_reached)`` (the last None without that optional sheet).
    Sheets and cells are checked one by one, then across sheets (trajectory types, share
    sums, the discount bands, the years of effects, investments and outcomes reached
    against the horizon, outcomes reached against the rate card) where the sheets involved
    could be read.
    """
    wb = _open_workbook(src)
    problems: list[str] = []
    raw = {name: _read(wb, name, problems) for name in SHEETS}
    s = {} if raw["settings"] is None else _settings(raw["settings"], problems)
    types = raw["trajectory_types"]
    known: set[str] = set()
    if types is not None:
        known = {t for t in types["trajectory_type"] if pd.notna(t)}
        named = types[types["trajectory_type"].notna()]
        for r in named.loc[named["trajectory_type"].duplicated(), "_row"]:
            problems.append(f"trajectory_types!A{r}: trajectory_type repeated.")
        for r, d in zip(types["_row"], types["mean_duration_years"], strict=True):
            if pd.notna(d) and d <= 0:
                problems.append(f"trajectory_types!C{r}: mean_duration_years must be > 0.")
    for sheet in ("sector_shares", "incidence"):
        if raw[sheet] is not None and types is not None:
            _check_types(raw[sheet], sheet, known, problems)
    shares = raw["sector_shares"]
    if shares is not None and types is not None and shares["_ok"].all():
        sums = shares.groupby("trajectory_type")["share"].sum()
        for t in sorted(known):
            if not np.isclose(sums.get(t, 0.0), 1.0, atol=1e-6):
                rows = shares.loc[shares["trajectory_type"] == t, "_row"]
                where = f"C{rows.min()}:C{rows.max()}" if len(rows) else "C"
                problems.append(f"sector_shares!{where}: shares for {t!r} sum to "
                                f"{sums.get(t, 0.0):.6g}, not 1.")
    schedule = None
    disc = raw["discount"]
    if disc is not None and disc["_ok"].all():
        try:
            schedule = DiscountSchedule(
                "workbook", tuple((float(r), None if pd.isna(u) else int(u))
                                  for r, u in zip(disc["rate"], disc["last_year"], strict=True)))
        except SpecError as err:
            problems.append(f"discount!A{HEADER_ROW + 1}: {err}")
    if "years" in s and "lag" in s:
        _check_years(raw["effects"], raw["investment"], int(s["years"]), int(s["lag"]),
                     problems)
    _check_outcomes_reached(raw["outcomes_reached"], raw["rate_card"], s, problems)
    raise_problems(problems, where=src.name)
    types, shares = _ok(types), _ok(shares)
    wide = shares.pivot_table(index="trajectory_type", columns="sector", values="share",
                              aggfunc="sum").fillna(0.0)
    table = types.drop(columns="_row").rename(columns={"price_nok": "price"})
    for sec in wide.columns:
        table[f"share_{sec}"] = table["trajectory_type"].map(wide[sec]).to_numpy()
    try:
        catalogue = define_catalogue(table, price_year=int(s["price_year"]))
    except DataError as err:
        raise SpecError(f"{src.name}: trajectory_types/sector_shares: {err}") from err
    return (s, catalogue, _ok(raw["rate_card"]), _ok(raw["population"]),
            _ok(raw["incidence"]), _ok(raw["services"]), schedule, _ok(raw["effects"]),
            _ok(raw["investment"]), _ok(raw["outcomes_reached"]))


def _check_outcomes_reached(reached: pd.DataFrame | None, rate_card: pd.DataFrame | None,
                            s: dict[str, float], problems: list[str]) -> None:
    """Refuse outcomes reached off the rate card, outside the budget years, or without cases."""
    if reached is None:
        return
    known = (None if rate_card is None
             else {o for o in rate_card["outcome"] if isinstance(o, str)})
    if rate_card is not None:
        named = rate_card[rate_card["outcome"].notna()]
        for r in named.loc[named["outcome"].duplicated(), "_row"]:
            problems.append(f"rate_card!A{r}: outcome repeated; give one price per outcome.")
    first = int(s["base_year"]) if "base_year" in s else None
    last = first + int(s["years"]) - 1 if first is not None and "years" in s else None
    for r, y, o, n, c in zip(reached["_row"], reached["year"], reached["outcome"],
                             reached["n_cases"], reached["count"], strict=True):
        if known is not None and isinstance(o, str) and o not in known:
            problems.append(f"outcomes_reached!C{r}: outcome {o!r} is not on the rate_card "
                            f"({', '.join(sorted(known)) or 'empty'}).")
        if last is not None and pd.notna(y) and not first <= y <= last:
            problems.append(f"outcomes_reached!A{r}: year {y} lies outside the budget years "
                            f"{first}..{last} (settings base_year and years); a year outside "
                            "is refused, not dropped.")
        if pd.notna(c) and pd.notna(n) and c > 0 and n <= 0:
            problems.append(f"outcomes_reached!D{r}: n_cases must be > 0 when count is "
                            f"{c:g}.")


def _check_years(effects: pd.DataFrame | None, invest: pd.DataFrame | None, years: int,
                 lag: int, problems: list[str]) -> None:
    """Refuse (never drop) effect years outside ``0..years-1`` and costs outside ``0..years+lag``.

    ``years`` is the settings' horizon; the investment account runs ``lag`` years longer,
    as its gains start ``lag`` years late.
    """
    checks = (
        ("effects", effects, "event_time", years - 1, f"settings years={years}"),
        ("investment", invest, "year", years + lag,
         f"settings years={years} plus lag={lag}"),
    )
    for sheet, frame, key, last, why in checks:
        if frame is None:
            continue
        for r, y in zip(frame["_row"], frame[key], strict=True):
            if pd.notna(y) and not 0 <= y <= last:
                problems.append(
                    f"{sheet}!B{r}: {key} {y} lies outside the horizon, years 0..{last} "
                    f"({why}); a year outside is refused, not dropped."
                )
