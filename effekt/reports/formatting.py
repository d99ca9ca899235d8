"""Locale-aware numbers, amounts, percentages and dates for the report (Babel).

Bokmål (``nb``) is formatted for the locale ``nb_NO``: a decimal comma, thousands
separated by a no-break space and a real minus sign (−); English (``en``) for ``en_GB``.
Every number the report prints goes through :class:`Formatter`, so a table is formatted
the same way throughout.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent, get_minus_sign_symbol

__all__ = ["LOCALES", "Formatter", "DASH"]

#: The Babel locale of each report language.
LOCALES: dict[str, str] = {"nb": "nb_NO", "en": "en_GB"}

#: What a missing figure shows (not computed, or hidden by the primary rule).
DASH = "–"


class Formatter:
    r"""Formats numbers for one report language.

    Examples
    --------
    >>> nb, en = Formatter("nb"), Formatter("en")
    >>> nb.number(-1234.5, 1), en.number(-1234.5, 1), nb.number(None, 2)
    ('−1\xa0234,5', '-1,234.5', '–')
    >>> nb.percent(0.142, 1), en.percent(0.8), nb.p_value(0.0004), en.p_value(0.0163)
    ('14,2\xa0%', '80%', 'p < 0,001', 'p = 0.016')
    >>> nb.date("2016-01-01"), en.date("2025-12-31"), en.date(2016)
    ('1. januar 2016', '31 December 2025', '2016')
    """

    def __init__(self, lang: str):
        if lang not in LOCALES:
            raise ValueError(f"report language {lang!r}: expected one of {sorted(LOCALES)}")
        self.lang = lang
        self.locale = Locale.parse(LOCALES[lang])
        self.minus = get_minus_sign_symbol(self.locale)

    def number(self, x: float | None, decimals: int) -> str:
        """Return ``x`` with exactly ``decimals`` decimals (a dash for None or NaN).

        A value that rounds to zero prints without a sign.
        """
        if x is None or (isinstance(x, float) and not math.isfinite(x)):
            return DASH
        pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
        out = format_decimal(x, format=pattern, locale=self.locale)
        if out.startswith("-"):
            body = out[1:]
            zero = not any(c in "123456789" for c in body)
            out = body if zero else self.minus + body
        return out

    def plain(self, x: float) -> str:
        """Return a number with the decimals it has (at most 3): ``0,1``, ``15``."""
        return format_decimal(x, format="#,##0.###", locale=self.locale).replace(
            "-", self.minus)

    def integer(self, n: Any) -> str:
        """Return a count as written: a number, a banded ``"<5"`` as it is, or a dash."""
        if n is None:
            return DASH
        if isinstance(n, str):
            return n
        return self.number(float(n), 0)

    def percent(self, share: float, decimals: int = 0) -> str:
        """Return a share 0..1 as a percentage in the locale's form (``14 %``, ``14%``)."""
        pattern = self.locale.percent_formats[None].pattern
        if decimals > 0:
            pattern = pattern.replace("#,##0", "#,##0." + "0" * decimals, 1)
        return format_percent(share, format=pattern, locale=self.locale).replace("-", self.minus)

    def p_value(self, p: float) -> str:
        """Return ``p = 0,016`` or, below 0.001, ``p < 0,001``."""
        if p < 0.001:
            return f"p < {self.number(0.001, 3)}"
        return f"p = {self.number(p, 3)}"

    def date(self, value: Any) -> str:
        """Return a date (ISO string or date) in the long form; a bare year as it is."""
        if value is None:
            return DASH
        if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
            return str(value)
        if isinstance(value, str):
            value = dt.date.fromisoformat(value[:10])
        return format_date(value, format="long", locale=self.locale)


def sentence_decimals(x: float) -> int:
    """Decimals of a magnitude in a sentence: 0 from 10 up, 1 from 0.1, else 2."""
    a = abs(x)
    return 0 if a >= 9.95 else 1 if a >= 0.095 else 2
