"""Sector keys, KOSTRA functions and default unit costs for budgeting.

The municipal sector keys are the project's (see docs/design.md, ``measures.sector``);
``nav_state`` and ``health_trust`` are payers outside the municipality that
appear in investment accounts (the state's share of NAV and the regional health
trust). KOSTRA function codes may be used instead of a sector key.

All figures come from the project's calibration notes (public sources, cited beside
each figure) and are indicative.
"""

from __future__ import annotations

from effekt.data.schema import SECTORS as SCHEMA_SECTORS
from effekt.errors import SpecError

__all__ = [
    "EXTERNAL_PAYERS",
    "KOSTRA_FUNCTIONS",
    "MUNICIPAL_SECTORS",
    "SECTORS",
    "UNIT_COSTS",
    "resolve_sector",
]

MUNICIPAL_SECTORS: tuple[str, ...] = SCHEMA_SECTORS
EXTERNAL_PAYERS: tuple[str, ...] = ("nav_state", "health_trust")
SECTORS: tuple[str, ...] = MUNICIPAL_SECTORS + EXTERNAL_PAYERS

# KOSTRA functions by sector (CALIBRATION.md, "Service areas by KOSTRA function").
# 254 is split into 257 and 258 from 2024; all three map to pleie_omsorg.
KOSTRA_FUNCTIONS: dict[str, str] = {
    **dict.fromkeys(("242", "243", "273", "275", "276", "281"), "nav"),
    **dict.fromkeys(("244", "251", "252"), "barnevern"),
    **dict.fromkeys(("232", "233", "241"), "helse_sosial"),
    **dict.fromkeys(("234", "253", "254", "256", "257", "258", "261"), "pleie_omsorg"),
    "201": "oppvekst_barnehage",
    "202": "oppvekst_skole",
}

# Unit costs in NOK at the stated price year (CALIBRATION.md, "Unit costs").
UNIT_COSTS: dict[str, dict[str, float | int | str]] = {
    # Government rates for municipal co-payment in child-welfare measures, 2022.
    "child_welfare_institution_month": {"nok": 170_000, "year": 2022, "sector": "barnevern"},
    "emergency_foster_home_month": {"nok": 85_000, "year": 2022, "sector": "barnevern"},
    "mst_fft_month": {"nok": 15_000, "year": 2022, "sector": "barnevern"},
    # Statistics Norway 2019: 6.98 bn NOK / 129,894 recipients; 9,718 per month for 5.5 months.
    "social_assistance_month": {"nok": 9_718, "year": 2019, "sector": "nav"},
    "social_assistance_recipient_year": {"nok": 53_800, "year": 2019, "sector": "nav"},
    # KOSTRA / ASSS comparison 2011, Bærum, corrected gross operating cost per recipient.
    "home_based_services_recipient_year": {"nok": 250_510, "year": 2011, "sector": "pleie_omsorg"},
    # A small municipality's published own cost of practical help, 2022.
    "practical_help_hour": {"nok": 346, "year": 2022, "sector": "pleie_omsorg"},
    # Helsedirektoratet (ISF) 2024, specialist health care.
    "drg_point": {"nok": 52_248, "year": 2024, "sector": "health_trust"},
}


def resolve_sector(value: object, *, where: str = "sector") -> str:
    """Return the sector key for a sector key or a KOSTRA function code.

    Parameters
    ----------
    value
        A sector key (``"nav"``, ``"health_trust"``, ...) or a KOSTRA function
        code (``"242"`` or ``242``).
    where
        Name used in the error message (an argument or a workbook cell).

    Returns
    -------
    str
        The sector key.

    Examples
    --------
    >>> resolve_sector(281)
    'nav'
    >>> resolve_sector("barnevern")
    'barnevern'
    """
    key = str(value).strip()
    if key.endswith(".0"):
        key = key[:-2]
    if key in SECTORS:
        return key
    if key in KOSTRA_FUNCTIONS:
        return KOSTRA_FUNCTIONS[key]
    raise SpecError(
        f"{where}={value!r} is not a known sector; use one of {', '.join(SECTORS)} "
        f"or a KOSTRA function code ({', '.join(sorted(KOSTRA_FUNCTIONS))})."
    )
