"""The results workbook: labels, number formats, frozen bold headers, one sheet per table.

The results workbook is one a finance officer keeps: every sheet has a note in row 1
and a bold, frozen header in row 2 whose labels are words in the workbook's language
(``language="nb"``, bokmål, by default; ``"en"`` for English; see :data:`LABELS`), and
its cells carry number formats (NOK as whole kroner with thousands separators, shares as
percentages, cases with one decimal). :func:`write_results` writes any such workbook
atomically (a temporary file in the same folder, then ``os.replace``); both the
assumptions route (:func:`~effekt.budgeting.run_workbook`) and the demo's study budget
(:meth:`effekt.budgeting.StudyBudget.to_excel`) use it.

Requires ``openpyxl``.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, NamedTuple

import numpy as np
import pandas as pd

from effekt._checks import check_choice
from effekt._io import atomic_write, check_output_file
from effekt.errors import SpecError

__all__ = ["FORMATS", "LABELS", "SHEET_LABELS", "Language", "ResultSheet", "label",
           "require_openpyxl", "value_label", "write_results"]

Language = Literal["nb", "en"]


def require_openpyxl() -> Any:
    """Return the ``openpyxl`` module; a SpecError saying how to install it when missing."""
    try:
        import openpyxl
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise SpecError("Excel workbooks need openpyxl: pip install 'openpyxl>=3.1'.") from err
    return openpyxl


_SECTOR_LABELS: dict[str, tuple[str, str]] = {
    "measure": ("Tiltak", "Measure"),
    "evidence_grade": ("Evidensgrad (0–5, Ungsinn)", "Evidence grade (0–5, Ungsinn)"),
    "cost_nok": ("Kostnad per deltaker", "Cost per participant"),
    "payer": ("Betaler", "Payer"),
    "p_npv_positive": ("Sannsynlighet for positiv nåverdi", "P(NPV > 0)"),
    "evpi_nok": ("Verdi av full informasjon (EVPI)", "Value of perfect information (EVPI)"),
    "outcomes": ("Prisede utfall", "Priced outcomes"),
    "reason": ("Grunn", "Reason"),
    "nav": ("NAV (kommunal del)", "NAV (municipal)"),
    "barnevern": ("Barnevern", "Child welfare"),
    "helse_sosial": ("Helse og sosial", "Health and social services"),
    "pleie_omsorg": ("Pleie og omsorg", "Nursing and care"),
    "oppvekst_barnehage": ("Barnehage", "Kindergartens"),
    "oppvekst_skole": ("Skole", "Schools"),
    "nav_state": ("NAV (staten)", "NAV (the state)"),
    "health_trust": ("Helseforetak", "Health trust"),
}

LABELS: dict[str, tuple[str, str]] = {
    # keys and labels
    "year": ("År", "Year"),
    "provider": ("Tjenesteyter", "Provider"),
    "sector": ("Sektor", "Sector"),
    "pilot": ("Tiltak (pilot)", "Measure (pilot)"),
    "trajectory_type": ("Forløpstype", "Trajectory type"),
    "outcome": ("Utfall", "Outcome"),
    "outcome_label": ("Utfall (tekst)", "Outcome (label)"),
    "event_time": ("År etter oppstart", "Years since start"),
    "quantity": ("Størrelse", "Quantity"),
    "value": ("Verdi", "Value"),
    "note": ("Merknad", "Note"),
    "kind": ("Art", "Kind"),
    "definition": ("Definisjon", "Definition"),
    "used": ("Brukt i budsjettet", "Used in the budget"),
    "estimated": ("Estimert", "Estimated"),
    # allocation
    "service_budget": ("Tjenestebasert budsjett", "Service-based budget"),
    "trajectory_budget": ("Forløpsbasert budsjett (før tilbakehold)",
                          "Trajectory-based budget (before withholding)"),
    "withheld": ("Tilbakeholdt til resultatbetaling", "Withheld for outcome payments"),
    "base_payment": ("Grunnbetaling", "Base payment"),
    "outcome_payment": ("Resultatbetaling", "Outcome payment"),
    "trajectory_total": ("Forløpsmodellen i alt", "Trajectory model, total"),
    "difference": ("Differanse (forløp − tjeneste)", "Difference (trajectory − service)"),
    # caseload and catalogue
    "n_new": ("Nye forløp", "New trajectories"),
    "n_ongoing": ("Pågående forløp", "Ongoing trajectories"),
    "n_active": ("Aktive forløp", "Active trajectories"),
    "n_active_mean": ("Aktive forløp (snitt)", "Active trajectories (mean)"),
    "n_cases": ("Antall saker", "Cases"),
    "mean_duration_years": ("Varighet i år (snitt)", "Mean duration (years)"),
    "sd_duration_years": ("Varighet i år (standardavvik)", "SD of duration (years)"),
    "mean_cost": ("Kostnad per forløp (snitt)", "Mean cost per trajectory"),
    "trimmed_mean_cost": ("Kostnad per forløp (trimmet snitt)", "Trimmed mean cost"),
    "price": ("Forløpspris", "Bundle price"),
    "price_std_error": ("Forløpspris, standardfeil", "Bundle price, standard error"),
    "price_per_year": ("Pris per saksår", "Price per case-year"),
    "weight": ("Relativ vekt", "Relative weight"),
    "p10_cost": ("Kostnad per forløp, 10-persentil", "Cost per trajectory, 10th percentile"),
    "p25_cost": ("Kostnad per forløp, 25-persentil", "Cost per trajectory, 25th percentile"),
    "median_cost": ("Kostnad per forløp, median", "Cost per trajectory, median"),
    "p75_cost": ("Kostnad per forløp, 75-persentil", "Cost per trajectory, 75th percentile"),
    "p90_cost": ("Kostnad per forløp, 90-persentil", "Cost per trajectory, 90th percentile"),
    "iqr_cost": ("Kostnad per forløp, kvartilavstand", "Cost per trajectory, interquartile range"),
    "sd_cost": ("Kostnad per forløp, standardavvik", "Cost per trajectory, SD"),
    "cv_cost": ("Variasjonskoeffisient", "Coefficient of variation"),
    "basis": ("Grunnlag", "Basis"),
    # Monte Carlo
    "mean": ("Gjennomsnitt", "Mean"),
    "q05": ("5-persentil", "5th percentile"),
    "q25": ("25-persentil", "25th percentile"),
    "q50": ("Median", "Median"),
    "q75": ("75-persentil", "75th percentile"),
    "q95": ("95-persentil", "95th percentile"),
    # investment account
    "cost": ("Kostnad", "Cost"),
    "gain": ("Gevinst", "Gain"),
    "pv_cost": ("Kostnad, nåverdi", "Cost, present value"),
    "pv_gain": ("Gevinst, nåverdi", "Gain, present value"),
    "pv_net": ("Netto nåverdi (gevinst − kostnad)", "Net present value (gain − cost)"),
    "amount_nok": ("Beløp", "Amount"),
    "discounted_nok": ("Beløp, diskontert", "Amount, discounted"),
    # rate card and outcomes reached
    "price_nok": ("Pris per resultat", "Price per outcome"),
    "cap_per_case_nok": ("Tak per sak og år", "Cap per case and year"),
    "count": ("Antall oppnådde resultater", "Outcomes reached"),
    "payout_uncapped": ("Resultatbetaling før tak", "Outcome payment before caps"),
    "payout": ("Resultatbetaling etter tak", "Outcome payment after caps"),
    # avoided costs from the studies
    "avoided_cost_nok": ("Unngått kostnad (positivt = spart)", "Avoided cost (positive = saved)"),
    "p05_nok": ("Nedre grense, 90 % intervall", "Lower bound, 90 % interval"),
    "p95_nok": ("Øvre grense, 90 % intervall", "Upper bound, 90 % interval"),
    "pv_nok": ("Nåverdi (positivt = spart)", "Present value (positive = saved)"),
    "pv_p05_nok": ("Nåverdi, nedre grense 90 %", "Present value, lower 90 % bound"),
    "pv_p95_nok": ("Nåverdi, øvre grense 90 %", "Present value, upper 90 % bound"),
    "nok_per_unit": ("NOK per enhet", "NOK per unit"),
    "horizon": ("Horisont (år)", "Horizon (years)"),
    "beyond": ("Etter siste estimat", "After the last estimate"),
    "estimate": ("Estimat per sak", "Estimate per case"),
    "std_error": ("Standardfeil", "Standard error"),
}
"""Labels of the results workbook's column headers, ``{name: (bokmål, English)}``.

A ``share_<sector>`` column is labelled "Andel <sector>" / "Share <sector>"; a name not
listed here is shown as it is.
"""

_VALUE_LABELS: dict[str, tuple[str, str]] = {
    **_SECTOR_LABELS,
    "total": ("I alt", "Total"),
    "all": ("Alle tiltak", "All measures"),
    "withheld_pool": ("Tilbakeholdt pott (ikke utbetalt)", "Withheld pool (not paid out)"),
    "cost": ("Kostnad", "Cost"),
    "gain": ("Gevinst", "Gain"),
    "npv_measure": ("Netto nåverdi av tiltaket", "Net present value of the measure"),
    "benefit_cost_ratio": ("Nytte-kostnadsbrøk", "Benefit-cost ratio"),
    "payback_year": ("Tilbakebetalingsår", "Payback year"),
    "calibration_factor": ("Kalibreringsfaktor (budsjettnøytral)",
                           "Calibration factor (budget-neutral)"),
    "pv_net_cost_mean": ("Nåverdi av nettokostnad, gjennomsnitt", "PV of net cost, mean"),
    "pv_net_cost_q05": ("Nåverdi av nettokostnad, 5-persentil", "PV of net cost, 5th percentile"),
    "pv_net_cost_q95": ("Nåverdi av nettokostnad, 95-persentil",
                        "PV of net cost, 95th percentile"),
    "recorded": ("registrert", "recorded"),
    "projected": ("framskrevet", "projected"),
    "seed": ("Frø (seed)", "Seed"),
    "draws": ("Antall trekk (Monte Carlo)", "Draws (Monte Carlo)"),
    "base_year": ("Basisår (budsjettnøytralt)", "Base year (budget-neutral)"),
    "first_year": ("Første budsjettår", "First budget year"),
    "last_year": ("Siste budsjettår", "Last budget year"),
    "price_year": ("Prisår (faste priser)", "Price year (fixed prices)"),
    "withhold_share": ("Tilbakeholdt andel", "Share withheld"),
    "growth": ("Befolkningsvekst per år", "Population growth a year"),
    "gap_days": ("Største opphold i et forløp (dager)", "Longest gap within a trajectory (days)"),
    "withheld_base_year": ("Tilbakeholdt i basisåret", "Withheld in the base year"),
    "paid_base_year": ("Utbetalt for resultater i basisåret", "Paid for outcomes in the base year"),
    "left_base_year": ("Igjen i potten i basisåret", "Left in the pool in the base year"),
    "min_cell": ("Minste antall som vises (avsløringskontroll)",
                 "Smallest count shown (disclosure control)"),
    "small_types": ("Øvrige typer (små, slått sammen)", "Other types (small, pooled)"),
}
_VALUE_COLUMNS = ("provider", "sector", "pilot", "quantity", "kind", "basis")

# number formats by kind; a column's kind comes from its name (_COLUMN_KINDS, share_*)
FORMATS: dict[str, str] = {
    "nok": "#,##0",  # whole kroner with thousands separators
    "share": "0.0%",
    "cases": "#,##0.0",
    "int": "0",
    "ratio": "0.000",
    "years": "0.00",
    "estimate": "#,##0.000",
}
_COLUMN_KINDS: dict[str, str] = {
    **dict.fromkeys(("service_budget", "trajectory_budget", "withheld", "base_payment",
                     "outcome_payment", "trajectory_total", "difference", "mean_cost",
                     "trimmed_mean_cost", "price", "price_std_error", "price_per_year", "mean",
                     "q05", "q25", "q50", "q75", "q95", "cost", "gain", "pv_cost", "pv_gain",
                     "pv_net", "amount_nok", "discounted_nok", "price_nok", "cap_per_case_nok",
                     "payout_uncapped", "payout", "avoided_cost_nok", "p05_nok", "p95_nok",
                     "pv_nok", "pv_p05_nok", "pv_p95_nok", "nok_per_unit", "p10_cost",
                     "p25_cost", "median_cost", "p75_cost", "p90_cost", "iqr_cost", "sd_cost"),
                    "nok"),
    **dict.fromkeys(("n_new", "n_ongoing", "n_active", "n_active_mean", "n_cases", "count"),
                    "cases"),
    **dict.fromkeys(("year", "event_time", "horizon"), "int"),
    **dict.fromkeys(("mean_duration_years", "sd_duration_years"), "years"),
    **dict.fromkeys(("weight", "cv_cost"), "ratio"),
    **dict.fromkeys(("cost_nok", "evpi_nok"), "nok"),
    "p_npv_positive": "share",
    "evidence_grade": "int",
    **dict.fromkeys(("estimate", "std_error"), "estimate"),
}


class ResultSheet(NamedTuple):
    """One sheet of a results workbook.

    Attributes
    ----------
    key
        The sheet's name (a key of :data:`SHEET_LABELS`, else used as it is).
    frame
        The table; its columns are labelled with :data:`LABELS`.
    note
        The sentence in row 1 (in the workbook's language).
    row_kinds
        For a key-value table: the number format kind of each row (see :data:`FORMATS`),
        which then wins over the columns' kinds.
    """

    key: str
    frame: pd.DataFrame
    note: str
    row_kinds: Sequence[str | None] | None = None


SHEET_LABELS: dict[str, tuple[str, str]] = {
    "summary": ("Sammendrag", "Summary"),
    "allocation": ("Budsjettnøytral fordeling", "Budget-neutral allocation"),
    "avoided": ("Unngåtte kostnader", "Avoided costs"),
    "net_cost": ("Nettokostnad (Monte Carlo)", "Net cost (Monte Carlo)"),
    "quantiles": ("Nettokostnad (Monte Carlo)", "Net cost (Monte Carlo)"),
    "investment_account": ("Hvem betaler, hvem sparer", "Who pays, who gains"),
    "flows": ("Betaler og sparer per år", "Pays and gains by year"),
    "npv": ("Nåverdi", "Present value"),
    "portfolio": ("Portefølje", "Portfolio"),
    "portfolio_sectors": ("Portefølje etter sektor", "Portfolio by sector"),
    "portfolio_skipped": ("Portefølje uten pris", "Portfolio not priced"),
    "caseload": ("Forløp per år", "Caseload"),
    "catalogue": ("Forløpskatalog", "Trajectory catalogue"),
    "rate_card": ("Resultatkort", "Rate card"),
    "outcomes_reached": ("Oppnådde resultater", "Outcomes reached"),
    "inputs": ("Effektestimater", "Effect estimates"),
    "notes": ("Merknader", "Notes"),
    "settings": ("Innstillinger", "Settings"),
}
"""Sheet names of the results workbook, ``{key: (bokmål, English)}`` (at most 31 characters)."""


def label(name: str, language: Language = "nb") -> str:
    """Return the header label of a column name in ``language`` (the name when unknown).

    Examples
    --------
    >>> label("pv_net"), label("q05", "en"), label("share_nav")
    ('Netto nåverdi (gevinst − kostnad)', '5th percentile', 'Andel NAV (kommunal del)')
    """
    k = 0 if language == "nb" else 1
    if name in LABELS:
        return LABELS[name][k]
    if isinstance(name, str) and name.startswith("share_"):
        sector = name.removeprefix("share_")
        return f"{('Andel', 'Share')[k]} {_SECTOR_LABELS.get(sector, (sector, sector))[k]}"
    return str(name)


def value_label(value: Any, language: Language = "nb") -> Any:
    """Return the word shown for a sector key, ``total``, ``all`` or a quantity (else ``value``).

    Examples
    --------
    >>> value_label("nav"), value_label("withheld_pool", "en")
    ('NAV (kommunal del)', 'Withheld pool (not paid out)')
    """
    if isinstance(value, str) and value in _VALUE_LABELS:
        return _VALUE_LABELS[value][0 if language == "nb" else 1]
    return value


def _column_kind(name: Any) -> str | None:
    if isinstance(name, str) and name.startswith("share_"):
        return "share"
    return _COLUMN_KINDS.get(name)


def _shown(value: Any, fmt: str | None) -> str:
    """Return roughly how a cell is shown (for the column width)."""
    if isinstance(value, float | int) and not isinstance(value, bool) and fmt:
        if fmt == FORMATS["share"]:
            return f"{value * 100:.1f} %"
        decimals = len(fmt.rpartition(".")[2]) if "." in fmt else 0
        return f"{value:,.{decimals}f}" if "," in fmt else f"{value:.{decimals}f}"
    return "" if value is None else str(value)


def _write_frame(wb: Any, key: str, frame: pd.DataFrame, note: str, *,
                 language: Language = "nb",
                 row_kinds: Sequence[str | None] | None = None) -> Any:
    """Write ``frame`` as one sheet: note in row 1, bold frozen labels in row 2, data below.

    Numbers get the format of their column's kind (:data:`FORMATS`), or of their row's
    kind in a key-value table (``row_kinds``); the sector, provider, pilot, quantity and
    kind columns show their values as words; columns are as wide as what they show.
    """
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    name = SHEET_LABELS.get(key, (key, key))[0 if language == "nb" else 1]
    ws = wb.create_sheet(name[:31])
    ws.cell(1, 1, note).font = Font(italic=True)
    bold = Font(bold=True)
    widths = []
    kinds = [_column_kind(c) for c in frame.columns]
    for j, c in enumerate(frame.columns, start=1):
        head = ws.cell(2, j, label(str(c), language))
        head.font = bold
        head.alignment = Alignment(wrap_text=True, vertical="top")
        widths.append(min(max(len(head.value) * 0.6, 8.0), 40.0))
    for i, row in enumerate(frame.itertuples(index=False), start=3):
        for j, (col, v) in enumerate(zip(frame.columns, row, strict=True), start=1):
            if isinstance(v, np.generic):
                v = v.item()
            if v is pd.NA or v is pd.NaT or (isinstance(v, float) and np.isnan(v)):
                v = None
            if col in _VALUE_COLUMNS or (col == "trajectory_type" and v == "small_types"):
                v = value_label(v, language)  # the pooled type of the study budget
            cell = ws.cell(i, j, v)
            kind = row_kinds[i - 3] if row_kinds is not None else None
            kind = kind or kinds[j - 1]
            fmt = FORMATS.get(kind) if kind else None
            if fmt and isinstance(v, int | float) and not isinstance(v, bool):
                cell.number_format = fmt
            widths[j - 1] = max(widths[j - 1], min(len(_shown(v, fmt)) + 2.0, 60.0))
    lines = 1
    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = w
        lines = max(lines, -(-len(str(ws.cell(2, j).value)) // max(int(w) - 1, 1)))
    ws.row_dimensions[2].height = 15 * lines  # Excel does not fit a wrapped header's height
    ws.freeze_panes = "A3"
    return ws


def write_results(
    path: str | os.PathLike[str], sheets: Sequence[ResultSheet], *,
    language: Language = "nb", overwrite: bool = False,
) -> Path:
    """Write a results workbook: one sheet per :class:`ResultSheet`, labelled and formatted.

    The file is written to a temporary file beside ``path`` and moved into place; an
    existing file is replaced only with ``overwrite=True``.

    Parameters
    ----------
    path
        The workbook (``.xlsx``).
    sheets
        The sheets, in order.
    language
        ``"nb"`` (bokmål, default) or ``"en"``: sheet names, headers and the words shown
        for sectors and quantities.
    overwrite
        Replace an existing ``path``.

    Returns
    -------
    pathlib.Path
        ``path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> frame = pd.DataFrame({"sector": ["nav"], "pv_net": [7189472.151588364]})
    >>> p = write_results(pathlib.Path(tempfile.mkdtemp()) / "r.xlsx",
    ...                   [ResultSheet("investment_account", frame, "Hvem betaler")])
    >>> ws = require_openpyxl().load_workbook(p)["Hvem betaler, hvem sparer"]
    >>> ws["A2"].value, ws["B3"].number_format, ws.freeze_panes, ws["A3"].value
    ('Sektor', '#,##0', 'A3', 'NAV (kommunal del)')
    """
    check_choice("language", language, Language)
    check_output_file(path, overwrite=overwrite)
    openpyxl = require_openpyxl()
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet in sheets:
        _write_frame(wb, sheet.key, sheet.frame, sheet.note, language=language,
                     row_kinds=sheet.row_kinds)
    return atomic_write(path, wb.save, overwrite=overwrite)
