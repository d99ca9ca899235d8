"""Study specs (TOML) and their runs: panel, design, robustness, budget, report."""

from effekt.study.designs import Estimate, estimate
from effekt.study.runner import check_study, compute, run_study
from effekt.study.spec import Study, load_spec

__all__ = ["Estimate", "Study", "check_study", "compute", "estimate", "load_spec", "run_study"]
