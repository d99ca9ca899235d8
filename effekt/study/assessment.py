"""How far to trust a study's answer: an assessment computed from every check it ran.

:func:`assess` reads the *disclosed* results of a study (what ``results.json`` holds, so
it cannot lean on a hidden figure) and returns ``{"level": "high" | "moderate" | "low",
"reasons": [...]}``. Each reason is one check::

    {"check": "balance", "passed": False, "severity": "serious",
     "detail": "...", "values": {...}}

``passed`` is True, False, or None (the check was asked for but could not be run or
shown). The level follows from the reasons and nothing else:

- ``low`` when a check failed with severity ``serious`` (evidence that the comparison is
  biased);
- ``moderate`` when a check failed with severity ``caution`` (the design is weaker than
  it looks) or could not be run;
- ``high`` only when every check passed. A failed check never sits beside ``high``.

The ``precision`` reason is informational (the minimum detectable effect): it never
changes the level. The rules and thresholds, with their sources (docs/contracts.md,
"How far to trust a result"):

============== ============================================================ ==========
check          rule                                                         source
============== ============================================================ ==========
sample_size    the main estimate is shown (at least ``min_cell`` treated)    --
balance        max over covariates of the treated-weighted mean |SMD| after  Stuart 2010
               matching: <= 0.1 passes, > 0.1 caution, > 0.25 serious        Rubin 2001
overlap        treated units matched: >= 90 % passes, else caution          Rosenbaum &
                                                                            Rubin 1985
attrition      units of the study population left out of the estimation:    WWC 2022
               <= 40 % passes, else caution
pretrend       Wald test of the pre-period effects: p >= 0.05 passes, else   Callaway &
               serious                                                      Sant'Anna 2021
pretrend_power the bias in the post-period average from a linear pre-trend   Roth 2022
               the test detects with 80 % power is at most the MDE, else
               caution (a 1-df test with wide intervals is weak evidence)
placebo        the placebo outcome's interval contains 0, else serious;     Eggers et al.
               not estimable: None                                          2024
clusters       at least 30 clusters, else caution (cluster-robust SEs      Cameron &
               over-reject with few clusters)                               Miller 2015
sensitivity    when the interval excludes 0: E-value of the interval        VanderWeele
               >= 1.5, else caution                                         & Ding 2017
trend_         when the interval excludes 0: HonestDiD's breakdown Mbar     Rambachan &
robustness     (relative magnitudes) >= 1, else caution: the conclusion     Roth 2023
               must survive post-treatment violations of parallel trends
               as large as the largest pre-treatment one
agreement      each alternative estimate lies inside the main interval,     --
               else caution
============== ============================================================ ==========
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from effekt.power import mde_from_se

__all__ = ["BALANCE_BAD", "BALANCE_GOOD", "BREAKDOWN_MIN", "MIN_CLUSTERS", "assess", "level_of",
           "minimum_detectable_effect", "pretrend_power"]

BALANCE_GOOD, BALANCE_BAD = 0.1, 0.25
MIN_MATCHED_SHARE = 0.9
MAX_DROPPED_SHARE = 0.4
MIN_CLUSTERS = 30
E_VALUE_MIN = 1.5
BREAKDOWN_MIN = 1.0
ALPHA, POWER = 0.05, 0.8


def minimum_detectable_effect(std_error: float, *, alpha: float = ALPHA,
                              power: float = POWER, df: float | None = None) -> float:
    """Return the minimum detectable effect of an estimate with standard error ``std_error``.

    The effect a two-sided test at level ``alpha`` detects with probability ``power``:
    ``(z_{1-alpha/2} + z_power) * SE``, 2.80 × SE at the defaults (Bloom 1995, "Minimum
    detectable effects: a simple way to report the statistical power of experimental
    designs", *Evaluation Review* 19(5)). Normal approximation, as the study's intervals,
    unless ``df`` is given: then Student's t on ``df`` degrees of freedom (the cluster
    ``G - 1`` or Satterthwaite df of the estimate), Bloom's own choice. Computed by
    :func:`effekt.power.mde_from_se`.

    Raises
    ------
    SpecError
        A standard error that is not a positive finite number, ``alpha`` or ``power``
        outside (0, 1), or ``df <= 0``.

    Examples
    --------
    >>> round(minimum_detectable_effect(1.0), 3), round(minimum_detectable_effect(1.0, df=9), 3)
    (2.802, 3.146)
    """
    return mde_from_se(std_error, df=df, alpha=alpha, power=power)


def pretrend_power(pre: pd.Series, vcov: pd.DataFrame, post_times: Sequence[int], *,
                   varying_base: bool, alpha: float = ALPHA, power: float = POWER,
                   critical_scale: float = 1.0) -> dict[str, float] | None:
    """Return the bias that a pre-trend the pre-test would likely miss causes after adoption.

    Following Roth (2022, "Pretest with caution: event-study estimates after testing for
    parallel trends", *AER: Insights* 4(3)), take a linear violation of parallel trends
    with slope ``s`` per period. In the event-study estimates relative to period −1 it
    shows as ``s (e + 1)`` at event time ``e``; with a varying base period (Callaway &
    Sant'Anna's pre-period estimates compare consecutive periods) each pre-period estimate
    shows ``s``. The Wald test of the ``k`` pre-period estimates ``pre`` (covariance
    ``vcov``) has noncentrality ``s² a'V⁻¹a``; the slope it detects with probability
    ``power`` at level ``alpha`` biases the average of the post-period estimates at
    ``post_times`` by ``s · mean(e + 1)``: that bias is returned.

    ``critical_scale`` multiplies the chi-squared critical value: a pre-test whose own
    critical value is larger (the studentised bootstrap of W with few clusters, whose 5 %
    critical value is ``c*``, against ``chi2_q(0.95)``) passes ``c* / chi2_q(0.95)``. Treating
    the whole of that ratio as a higher bar for a chi-squared W understates the test's
    power, so the detectable bias is overstated: the cautious direction.

    Returns ``{"detectable_bias", "slope", "df"}``, or None without a pre-period estimate
    or with a singular covariance.

    Examples
    --------
    >>> pre = pd.Series([0.1], index=[-2])
    >>> v = pd.DataFrame([[1.0]], index=[-2], columns=[-2])
    >>> r = pretrend_power(pre, v, [0, 1, 2], varying_base=False)
    >>> round(r["detectable_bias"], 2), r["df"]
    (5.6, 1)
    """
    times = [int(t) for t in pre.index]
    if not times:
        return None
    v = vcov.loc[times, times].to_numpy(dtype=float)
    a = np.ones(len(times)) if varying_base else np.array([t + 1.0 for t in times])
    try:
        q = float(a @ np.linalg.solve(v, a))
    except np.linalg.LinAlgError:
        return None
    if not (math.isfinite(q) and q > 0):
        return None
    k = len(times)
    crit = stats.chi2.isf(alpha, k) * max(float(critical_scale), 1.0)

    def gap(lam: float) -> float:
        return float(stats.ncx2.sf(crit, k, lam)) - power

    lam = optimize.brentq(gap, 1e-9, 1e4)
    slope = math.sqrt(lam / q)
    bias = slope * float(np.mean([t + 1.0 for t in post_times])) if len(post_times) else slope
    return {"detectable_bias": bias, "slope": slope, "df": k}


def _reason(check: str, passed: bool | None, severity: str | None, detail: str,
            **values: Any) -> dict[str, Any]:
    return {"check": check, "passed": passed,
            "severity": None if passed is not False else severity, "detail": detail,
            "values": values}


def _num(x: Any) -> float | None:
    return float(x) if isinstance(x, int | float) and not isinstance(x, bool) and (
        math.isfinite(x)) else None


def _balance(rows: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """Treated-weighted mean |SMD| after matching per covariate, over the shown cohorts."""
    by: dict[str, list[tuple[float, float]]] = {}
    for r in rows:
        smd, n = _num(r.get("smd_after")), _num(r.get("n_treated"))
        if smd is not None and n is not None and n > 0:
            by.setdefault(str(r["covariate"]), []).append((abs(smd), n))
    if not by:
        return None
    means = {c: sum(s * n for s, n in v) / sum(n for _, n in v) for c, v in by.items()}
    worst = max(means, key=means.get)
    x = means[worst]
    if x > BALANCE_BAD:
        passed, sev = False, "serious"
    elif x > BALANCE_GOOD:
        passed, sev = False, "caution"
    else:
        passed, sev = True, None
    return _reason("balance", passed, sev,
                   f"largest standardised mean difference after matching: {x:.2f} "
                   f"({worst}); good at most {BALANCE_GOOD}, a failure above {BALANCE_BAD}",
                   max_abs_smd=x, covariate=worst, good=BALANCE_GOOD, bad=BALANCE_BAD)


def _flow(flow: Sequence[Mapping[str, Any]], design: str) -> list[dict[str, Any]]:
    steps = {f["step"]: _num(f.get("n")) for f in flow}
    out = []
    if "treated_matched" in steps and steps.get("treated"):
        t, m = steps["treated"], steps["treated_matched"]
        if t is not None and m is not None:
            share = m / t
            out.append(_reason(
                "overlap", share >= MIN_MATCHED_SHARE, "caution",
                f"{share:.0%} of the treated units found a comparison unit (at least "
                f"{MIN_MATCHED_SHARE:.0%} expected); the estimate describes the matched ones",
                share_matched=share, treated=int(t), unmatched=int(t - m)))
    total = steps.get("units_in_panel")
    used = [steps.get(s) for s in (("treated", "controls_available") if design == "matched_did"
                                   else ("treated", "controls"))]
    if total and all(u is not None for u in used):
        share = 1 - sum(used) / total
        drops = {s: n for s, n in steps.items() if s.startswith("dropped") and n is not None}
        if design == "staggered_did" and steps.get("units_with_outcome") is not None:
            drops["no_outcome_measured"] = total - steps["units_with_outcome"]
        step = max(drops, key=drops.get) if drops else "dropped"
        out.append(_reason(
            "attrition", share <= MAX_DROPPED_SHARE, "caution",
            f"{share:.0%} of the study population was left out of the estimation (mostly: "
            f"{step}); the result describes the units kept",
            share_dropped=share, step=step))
    return out


def _covers(row: Mapping[str, Any], x: float) -> bool:
    return row["ci_lower"] <= x <= row["ci_upper"]


def assess(results: Mapping[str, Any], *, n_clusters: int | None = None,
           pretest_power: Mapping[str, float] | None = None,
           requested: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Return the assessment of a study from its disclosed results.

    Parameters
    ----------
    results : mapping
        The disclosed results (the content of ``results.json``): ``main`` (with ``mde``),
        ``spec`` (its ``design.type``), ``flow``, ``balance``, ``pretrend_test``,
        ``robustness`` and ``sensitivity``.
    n_clusters : int, optional
        Clusters behind the main standard error (None: clustered by unit).
    pretest_power : mapping, optional
        From :func:`pretrend_power`, for the main outcome.
    requested : mapping, optional
        The checks the spec asked for (its ``robustness`` table): a check asked for but
        absent from the results is a reason with ``passed`` None.

    Returns
    -------
    dict
        ``{"level": ..., "reasons": [...]}`` (the module docstring has the rules).

    Examples
    --------
    >>> r = {"spec": {"design": {"type": "staggered_did"}}, "flow": [], "balance": None,
    ...      "main": {"estimate": -1.0, "std_error": 0.3, "ci_lower": -1.6,
    ...               "ci_upper": -0.4, "suppressed": False, "mde": {"value": 0.84}},
    ...      "pretrend_test": {"statistic": 30.0, "df": 10, "p_value": 0.001},
    ...      "robustness": [], "sensitivity": None}
    >>> a = assess(r)
    >>> a["level"], [x["check"] for x in a["reasons"] if x["passed"] is False]
    ('low', ['pretrend'])
    """
    design = results["spec"]["design"]["type"]
    asked = dict(requested or {})
    main = results["main"]
    reasons: list[dict[str, Any]] = []
    if main.get("suppressed") or _num(main.get("estimate")) is None:
        reasons.append(_reason("sample_size", False, "serious",
                               "too few treated units to show the estimate"))
        return {"level": level_of(reasons), "reasons": reasons}
    mde = _num((main.get("mde") or {}).get("value"))
    if results.get("balance"):
        b = _balance(results["balance"])
        if b is not None:
            reasons.append(b)
    reasons += _flow(results.get("flow") or [], design)
    pt = results.get("pretrend_test")
    if pt is not None:
        p = float(pt["p_value"])
        reasons.append(_reason(
            "pretrend", p >= 0.05, "serious",
            f"test of no effect before adoption: W = {pt['statistic']:.1f} on {pt['df']} df, "
            f"p = {p:.3g}" + ("" if p >= 0.05 else "; trends before adoption differ"),
            statistic=float(pt["statistic"]), df=int(pt["df"]), p_value=p))
        if pretest_power is not None and mde is not None:
            bias = float(pretest_power["detectable_bias"])
            reasons.append(_reason(
                "pretrend_power", bias <= mde, "caution",
                f"a linear pre-trend the test detects with 80 % power would bias the "
                f"estimate by {bias:.3g}, against a minimum detectable effect of {mde:.3g}",
                detectable_bias=bias, mde=mde, df=int(pretest_power["df"])))
    elif asked.get("pretrend_test") and design in ("staggered_did", "matched_did"):
        reasons.append(_reason("pretrend", None, None,
                               "the test of no effect before adoption could not be shown"))
    rows = {r["check"]: r for r in results.get("robustness") or []}
    if "placebo_outcome" in rows:
        r = rows["placebo_outcome"]
        ok = _num(r.get("estimate")) is not None and not r.get("suppressed")
        passed = _covers(r, 0.0) if ok else None
        reasons.append(_reason(
            "placebo", passed, "serious",
            ("the placebo outcome, which the measure cannot affect, shows no effect" if passed
             else "the placebo outcome, which the measure cannot affect, shows an effect: "
                  "the comparison is biased" if ok
             else "the placebo outcome could not be estimated"),
            outcome=r["outcome"], estimate=_num(r.get("estimate")),
            ci_lower=_num(r.get("ci_lower")), ci_upper=_num(r.get("ci_upper")), estimable=ok))
    if n_clusters is not None:
        reasons.append(_reason(
            "clusters", n_clusters >= MIN_CLUSTERS, "caution",
            f"standard errors from {n_clusters} clusters (at least {MIN_CLUSTERS} for "
            f"cluster-robust intervals to be trusted)",
            n_clusters=int(n_clusters), minimum=MIN_CLUSTERS))
    sens = results.get("sensitivity")
    detected = not _covers(main, 0.0)
    if sens is not None and detected and design != "rct":
        e = float(sens["e_value_ci"])
        reasons.append(_reason(
            "sensitivity", e >= E_VALUE_MIN, "caution",
            f"an unmeasured confounder associated with treatment and outcome by a risk ratio "
            f"of {e:.2f} could explain the interval away (at least {E_VALUE_MIN} expected)",
            e_value_ci=e, threshold=E_VALUE_MIN))
    hd = results.get("honest_did")
    if hd is not None and detected:
        bd = hd.get("breakdown") if hd["status"] == "ok" else None
        ok = hd["status"] == "ok"
        reasons.append(_reason(
            "trend_robustness", (bd is None or bd >= BREAKDOWN_MIN) if ok else None,
            "caution",
            ("the interval excludes 0 for every violation of parallel trends up to "
             f"Mbar = {max(r['m'] for r in hd['grid']):g}" if ok and bd is None else
             f"the interval includes 0 once post-treatment violations of parallel trends "
             f"reach Mbar = {bd:.2f} times the largest pre-treatment one (at least "
             f"{BREAKDOWN_MIN:g} expected)" if ok else
             "the sensitivity to violations of parallel trends could not be computed"),
            breakdown=bd, threshold=BREAKDOWN_MIN,
            largest_m=max(r["m"] for r in hd["grid"]) if ok else None))
    alts = [rows[c] for c in ("alternative_control", "alternative_estimator") if c in rows]
    if alts:
        items = []
        for r in alts:
            est = None if r.get("suppressed") else _num(r.get("estimate"))
            items.append({"check": r["check"], "estimate": est,
                          "agrees": None if est is None else _covers(main, est)})
        flags = [i["agrees"] for i in items]
        passed = False if False in flags else None if None in flags else True
        reasons.append(_reason(
            "agreement", passed, "caution",
            "the alternative estimates lie inside the main interval" if passed else
            "an alternative estimate lies outside the main interval" if passed is False else
            "an alternative estimate could not be computed", checks=items))
    if mde is not None:
        reasons.append(_reason(
            "precision", None, None,
            f"the study could detect effects of {mde:.3g} or larger (80 % power, 5 % level)",
            mde=mde, estimate=float(main["estimate"])))
    return {"level": level_of(reasons), "reasons": _ordered(reasons)}


def _ordered(reasons: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Failed reasons first (serious, then caution), then those not run, then passed."""
    def rank(r: dict[str, Any]) -> int:
        if r["check"] == "precision":
            return 4
        if r["passed"] is False:
            return 0 if r["severity"] == "serious" else 1
        return 2 if r["passed"] is None else 3
    return sorted(reasons, key=rank)


def level_of(reasons: Sequence[Mapping[str, Any]]) -> str:
    """Return the level the reasons allow: ``low``, ``moderate`` or ``high``.

    Examples
    --------
    >>> level_of([{"check": "balance", "passed": False, "severity": "caution"}])
    'moderate'
    >>> level_of([{"check": "precision", "passed": None, "severity": None}])
    'high'
    """
    counted = [r for r in reasons if r["check"] != "precision"]
    if any(r["passed"] is False and r["severity"] == "serious" for r in counted):
        return "low"
    if any(r["passed"] is not True for r in counted):
        return "moderate"
    return "high"
