"""Excel in and out: an assumptions workbook for finance staff, and a results workbook.

- :mod:`~effekt.budgeting.workbook.assumptions` — the assumptions workbook's sheets
  (:data:`SHEETS`), :func:`write_template`, and reading and validating a filled-in one;
- :mod:`~effekt.budgeting.workbook.run` — :func:`run_workbook`: the budget the assumptions
  describe, written as a results workbook;
- :mod:`~effekt.budgeting.workbook.results` — the results workbook: labels
  (:data:`LABELS`, :data:`SHEET_LABELS`), number formats (:data:`FORMATS`), and
  :func:`write_results`, which both :func:`run_workbook` and
  :meth:`effekt.budgeting.StudyBudget.to_excel` use.

Requires ``openpyxl``.
"""

from effekt.budgeting.outcomes_reached import allocation_with_pool
from effekt.budgeting.workbook.assumptions import SHEETS, write_template
from effekt.budgeting.workbook.results import (
    FORMATS,
    LABELS,
    SHEET_LABELS,
    Language,
    ResultSheet,
    label,
    value_label,
    write_results,
)
from effekt.budgeting.workbook.run import run_workbook

__all__ = ["FORMATS", "LABELS", "SHEETS", "SHEET_LABELS", "Language", "ResultSheet",
           "allocation_with_pool", "label", "run_workbook", "value_label", "write_results",
           "write_template"]
