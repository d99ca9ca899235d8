"""Evidence grades of register entries, on one documented scale mapped to Ungsinn and EIF.

effekt's grade runs from 0 to 5 and follows the levels of Ungsinn's criteria (version 2.1:
5 strong documentation of effect, 4 satisfactory, 3 some, 2 theoretically grounded, 1 well
described, 0 ineffective), computed from what the register knows of each entry:

======  =====================================================================================
grade   rule (an entry; the pooled grade of a measure and outcome below)
======  =====================================================================================
0       a causal design found an effect in the wrong direction (``desired`` given), or ruled
        out an effect as large as its minimum detectable effect with trust ``high`` or
        ``moderate`` (the interval lies inside ±MDE)
1       no usable estimate (suppressed by disclosure control, or not estimable)
2       a descriptive design (before/after, no comparison group), or an inconclusive result:
        the interval holds 0 and does not rule out a relevant effect
3       an effect (interval excludes 0) from a causal design with trust ``low`` or not
        assessed (a literature entry without a grade)
4       an effect from a causal design with trust ``high`` or ``moderate``
5       pooled only: at least two independent studies graded 4 and a pooled interval that
        excludes 0 in the same direction
======  =====================================================================================

An external entry may carry its own grade (e.g. the Ungsinn level of the measure); it is
kept as given. The pooled grade of a measure and outcome is the highest entry grade, raised
to 5 by the rule above, lowered to 0 when an entry graded 0 and no entry graded 4 or more
while the pooled interval holds 0 (a trusted null is not outvoted by inconclusive studies),
and capped at 3 when the pooled interval holds 0 while an entry alone excludes it (the
studies disagree).

The mapping to the EIF Guidebook's levels is approximate and stated as such: grade 5 →
"4" (established by two or more rigorous evaluations), 4 → "3", 3 → "2" (preliminary
evidence), 2 and 1 → "NL2" (not yet level 2), 0 → "NE" (found not effective).
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["CAUSAL_DESIGNS", "EIF_LEVEL", "UNGSINN_LEVEL", "entry_grade", "pooled_grade"]

#: The designs with a comparison group that supports a causal reading.
CAUSAL_DESIGNS = frozenset({
    "rct", "matched_did", "staggered_did", "did", "twfe", "event_study", "sun_abraham",
    "imputation_did", "synthetic_control", "regression_discontinuity", "iv", "matching",
    "quasi_experimental", "meta_analysis",
})

#: Ungsinn's level (criteria v2.1) of each effekt grade: the same number.
UNGSINN_LEVEL = {g: g for g in range(6)}

#: The EIF Guidebook level of each effekt grade (approximate).
EIF_LEVEL = {5: "4", 4: "3", 3: "2", 2: "NL2", 1: "NL2", 0: "NE"}


def _finite(x: Any) -> bool:
    return x is not None and isinstance(x, (int, float)) and math.isfinite(float(x))


def _wrong_direction(estimate: float, desired: str | None) -> bool:
    return (desired == "decrease" and estimate > 0) or (desired == "increase" and estimate < 0)


def entry_grade(*, estimate: float | None, ci_lower: float | None, ci_upper: float | None,
                design: str, assessment: str | None, desired: str | None = None,
                mde: float | None = None) -> int:
    """Return the evidence grade (0–5) of one register entry by the module's rules.

    Parameters
    ----------
    estimate, ci_lower, ci_upper : float or None
        The entry's estimate and confidence interval (None or NaN: no usable estimate).
    design : str
        The design (causal ones: :data:`CAUSAL_DESIGNS`).
    assessment : str or None
        The study's trust level, ``"high"``, ``"moderate"``, ``"low"`` or None.
    desired : {"decrease", "increase"} or None
        The desired direction of the outcome, when known.
    mde : float, optional
        The minimum detectable effect of the design (80 % power, 5 % level).

    Returns
    -------
    int

    Examples
    --------
    >>> entry_grade(estimate=-2.4, ci_lower=-3.2, ci_upper=-1.6, design="staggered_did",
    ...             assessment="low", desired="decrease")
    3
    >>> entry_grade(estimate=0.1, ci_lower=-0.4, ci_upper=0.6, design="rct",
    ...             assessment="high", mde=0.9)
    0
    """
    if not all(_finite(x) for x in (estimate, ci_lower, ci_upper)):
        return 1
    if design not in CAUSAL_DESIGNS:
        return 2
    significant = ci_lower > 0 or ci_upper < 0
    trusted = assessment in ("high", "moderate")
    if significant:
        if _wrong_direction(estimate, desired):
            return 0
        return 4 if trusted else 3
    if trusted and _finite(mde) and -abs(mde) < ci_lower and ci_upper < abs(mde):
        return 0
    return 2


def pooled_grade(entry_grades: list[int], *, n_studies: int, ci_lower: float,
                 ci_upper: float, entry_significant: list[bool]) -> int:
    """Return the grade of a measure and outcome from its entries and their pooled interval.

    Examples
    --------
    >>> pooled_grade([4, 4], n_studies=2, ci_lower=0.1, ci_upper=0.5,
    ...              entry_significant=[True, True])
    5
    >>> pooled_grade([4, 2], n_studies=2, ci_lower=-0.1, ci_upper=0.5,
    ...              entry_significant=[True, False])
    3
    >>> pooled_grade([0, 2], n_studies=2, ci_lower=-0.1, ci_upper=0.1,
    ...              entry_significant=[False, False])
    0
    """
    if not entry_grades:
        return 1
    grade = max(entry_grades)
    pooled_significant = _finite(ci_lower) and _finite(ci_upper) and (
        ci_lower > 0 or ci_upper < 0)
    if n_studies >= 2 and sum(g >= 4 for g in entry_grades) >= 2 and pooled_significant:
        return 5
    if not pooled_significant and 0 in entry_grades and grade < 4:
        return 0  # a trusted study ruled a relevant effect out and nothing better disagrees
    if not pooled_significant and any(entry_significant):
        grade = min(grade, 3)
    return grade
