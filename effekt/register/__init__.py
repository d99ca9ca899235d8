"""The effect register: effect entries from studies and the literature, pooled and ranked.

* :func:`entries_from_results`, :func:`entries_from_table`, :func:`add_entries` and
  :func:`read_register`: the register folder (``entries.parquet`` and effekt's manifest);
* :mod:`effekt.register.grades`: evidence grades 0–5, mapped to Ungsinn and EIF levels;
* :func:`random_effects` and :func:`pooled_effects`: random-effects pooling (REML or
  DerSimonian-Laird, matching R metafor's ``rma``);
* :func:`compare_with_register`: a study's estimates against the register (the report's
  section "Compared with the effect register");
* :func:`portfolio`: NPV by Monte Carlo, P(NPV > 0), who pays and who gains, and the
  expected value of perfect information per measure.

The command line is ``effekt register add|add-external|show|export|portfolio``.
"""

from effekt.register.compare import compare_with_register, register_fingerprint
from effekt.register.grades import EIF_LEVEL, UNGSINN_LEVEL, entry_grade, pooled_grade
from effekt.register.pooling import PoolingMethod, RandomEffectsResult, random_effects
from effekt.register.portfolio import COST_COLUMNS, Portfolio, portfolio
from effekt.register.store import (
    ENTRY_COLUMNS,
    EXTERNAL_REQUIRED,
    POOLED_COLUMNS,
    add_entries,
    entries_from_results,
    entries_from_table,
    pooled_effects,
    read_register,
)

__all__ = ["COST_COLUMNS", "EIF_LEVEL", "ENTRY_COLUMNS", "EXTERNAL_REQUIRED", "POOLED_COLUMNS",
           "UNGSINN_LEVEL", "PoolingMethod", "Portfolio", "RandomEffectsResult",
           "add_entries", "compare_with_register", "entries_from_results",
           "entries_from_table", "entry_grade", "pooled_effects", "pooled_grade", "portfolio",
           "random_effects", "read_register", "register_fingerprint"]
