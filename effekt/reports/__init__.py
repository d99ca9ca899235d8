"""Effect reports: self-contained HTML, disclosure control, bokmål and English texts."""

from effekt.reports.disclosure import check_no_identifiers
from effekt.reports.html import render_report

__all__ = ["check_no_identifiers", "render_report"]
