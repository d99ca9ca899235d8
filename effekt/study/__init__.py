"""Study specs (TOML) and their runs: panel, design, robustness, assessment, budget, report."""

from effekt.study.assessment import assess, minimum_detectable_effect, pretrend_power
from effekt.study.designs import Estimate, estimate
from effekt.study.lock import compare_plan, lock_study, read_lock
from effekt.study.population import Filter
from effekt.study.runner import check_study, compute, run_study
from effekt.study.spec import Outcome, Study, load_spec

__all__ = ["Estimate", "Filter", "Outcome", "Study", "assess", "check_study", "compare_plan",
           "compute", "estimate", "load_spec", "lock_study", "minimum_detectable_effect",
           "pretrend_power", "read_lock", "run_study"]
