"""Trajectory (forløp) budgeting: prices, allocation, projection, investment accounts, Excel.

:func:`study_budget` joins it all to the studies of one municipality: the trajectory budget
of its own records with the effects the studies estimated (what ``effekt demo`` runs).
"""

from effekt.budgeting.accounts import (
    InvestmentAccount,
    investment_account,
    npv_under_trend_violation,
)
from effekt.budgeting.allocation import (
    calibrate_budget_neutral,
    compare_allocations,
    incentives,
    rate_card_payout,
    round_to_krone,
    service_budget,
    trajectory_budget,
)
from effekt.budgeting.catalogue import Catalogue, define_catalogue, price_catalogue, winsorise
from effekt.budgeting.discount import (
    PRESETS,
    DiscountSchedule,
    benefit_cost_ratio,
    discount_factors,
    get_schedule,
    npv,
    payback_year,
)
from effekt.budgeting.effects import EffectStream, from_effect
from effekt.budgeting.projection import (
    BudgetModel,
    SimulationResult,
    budget_model,
    example_model,
    project_caseload,
    simulate,
)
from effekt.budgeting.sectors import (
    EXTERNAL_PAYERS,
    KOSTRA_FUNCTIONS,
    MUNICIPAL_SECTORS,
    SECTORS,
    UNIT_COSTS,
    resolve_sector,
)
from effekt.budgeting.study_budget import study_budget
from effekt.budgeting.study_budget_results import StudyBudget
from effekt.budgeting.workbook import run_workbook, write_template

__all__ = [
    "EXTERNAL_PAYERS",
    "KOSTRA_FUNCTIONS",
    "MUNICIPAL_SECTORS",
    "PRESETS",
    "SECTORS",
    "UNIT_COSTS",
    "BudgetModel",
    "Catalogue",
    "DiscountSchedule",
    "EffectStream",
    "InvestmentAccount",
    "SimulationResult",
    "StudyBudget",
    "benefit_cost_ratio",
    "budget_model",
    "calibrate_budget_neutral",
    "compare_allocations",
    "define_catalogue",
    "discount_factors",
    "example_model",
    "from_effect",
    "get_schedule",
    "incentives",
    "investment_account",
    "npv_under_trend_violation",
    "npv",
    "payback_year",
    "price_catalogue",
    "project_caseload",
    "rate_card_payout",
    "resolve_sector",
    "round_to_krone",
    "run_workbook",
    "service_budget",
    "simulate",
    "study_budget",
    "trajectory_budget",
    "winsorise",
    "write_template",
]
