"""The study designs: from a unit × period panel to one uniform :class:`Estimate`.

Each design prepares its estimation sample from the panel (and says who was dropped and
why), calls an estimator of :mod:`effekt.estimators` and returns the overall effect, the
event-time profile (where the design has one) with the number of treated units behind
each estimate, the pre-trend test and the balance table. The report never sees a unit
identifier: only counts, estimates and covariate names leave this module.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from effekt.errors import EffektWarning, NotEstimableError, SpecError
from effekt.estimators import att_gt, did_2x2, event_study, match, matched_did, rct
from effekt.estimators.inference import wald_test
from effekt.results import confidence_interval, p_value
from effekt.study.assessment import MIN_CLUSTERS

__all__ = ["Estimate", "cohorts_of", "estimate", "treated_outside"]

_EVENT_COLUMNS = ["event_time", "estimate", "std_error", "ci_lower", "ci_upper", "n_treated"]

#: Below this many clusters the study uses the small-sample inference of each design and
#: warns (Cameron & Miller 2015); the assessment's ``clusters`` check uses the same number.
FEW_CLUSTERS = MIN_CLUSTERS

def _few_clusters(n_clusters: int, what: str) -> bool:
    """Return whether ``n_clusters`` is few; warn (EffektWarning) when it is, fail below 2."""
    if n_clusters < 2:
        raise NotEstimableError(
            f"the standard errors are clustered by {what}, and the sample has "
            f"{'no' if n_clusters < 1 else 'a single'} cluster; cluster-robust inference "
            "needs at least 2 clusters."
        )
    return n_clusters < FEW_CLUSTERS


def _warn_few_clusters(method: str) -> None:
    """Say that the inference rests on few clusters and which small-sample method it uses."""
    warnings.warn(
        f"Standard errors rest on fewer than {FEW_CLUSTERS} clusters; the study uses "
        f"{method} inference.", EffektWarning, stacklevel=3)


def _se_choice(opts: dict[str, Any], n_clusters: int, what: str) -> str:
    """Return ``"CR1"`` or ``"CR2"``: the spec's choice, or CR2 when clusters are few."""
    few = _few_clusters(n_clusters, what)
    choice = opts.get("se", "auto") or "auto"
    if choice == "auto":
        choice = "CR2" if few else "CR1"
    if few:
        _warn_few_clusters(choice.lower())
    return choice


@dataclass(frozen=True)
class Estimate:
    """One design's answer for one outcome, free of unit identifiers."""

    outcome: str
    design: str
    estimand: str
    estimate: float
    std_error: float
    ci_lower: float
    ci_upper: float
    n_treated: int
    n_control: int
    event: pd.DataFrame  # _EVENT_COLUMNS; empty for designs without an event-time profile
    flow: tuple[tuple[str, int], ...]
    pretrend: dict[str, float] | None = None
    balance: pd.DataFrame | None = None  # cohort, covariate, smd_before, smd_after, n_treated
    outcome_sd: float = float("nan")  # pre-period SD of the outcome among treated units
    #: covariance of the event-time estimates, labelled by event time (index and columns),
    #: scaled to their shown standard errors; None for a design without event times
    event_vcov: pd.DataFrame | None = None
    n_clusters: int | None = None  # clusters of the standard errors (None: units)
    p_value: float = float("nan")  # of the overall estimate, two-sided
    #: degrees of freedom of the t reference distribution of the overall estimate (None:
    #: normal, e.g. a bootstrap's or many units)
    df: float | None = None
    #: how the standard error, interval and p-value were computed, in the estimator's words
    inference: str = ""
    #: the method's key (one of effekt.reports.contract.INFERENCE), which the report names
    inference_method: str = ""

    def __post_init__(self) -> None:
        if not np.isfinite(self.p_value) and self.std_error > 0:
            object.__setattr__(self, "p_value",
                               float(p_value(self.estimate, self.std_error, self.df)))


def _treated_counts(d: pd.DataFrame, unit: str, y: str, event_times) -> np.ndarray:
    """Treated units with an observed outcome at each event time."""
    t = d[(d["cohort"] > 0) & d[y].notna()]
    e = (t["period"] - t["cohort"]).to_numpy()
    return np.array([int(t.loc[e == k, unit].nunique()) for k in event_times], dtype=int)


def cohorts_of(panel: pd.DataFrame, unit: str, anticipation: int) -> pd.DataFrame:
    """Return a copy of ``panel`` with cohorts moved ``anticipation`` periods earlier."""
    d = panel.copy()
    if anticipation:
        d["cohort"] = np.where(d["cohort"] > 0, d["cohort"] - anticipation, 0)
    return d


def treated_outside(cohort: pd.Series, first: int, last: int) -> tuple[pd.Series, pd.Series]:
    """Return the masks of cohorts treated in or before ``first``, and after ``last``.

    The staggered designs leave both out: the first have no period before treatment, the
    second none after it.
    """
    return cohort.between(1, first), cohort > last


def _outcome_sd(d: pd.DataFrame, y: str) -> float:
    pre = d[(d["cohort"] > 0) & (d["period"] < d["cohort"])][y].dropna()
    return float(pre.std()) if len(pre) > 1 else float("nan")


def _event_vcov(ev: pd.DataFrame, vcov: pd.DataFrame) -> pd.DataFrame:
    """Return the covariance of ``ev``'s estimates, labelled by event time.

    The correlation is that of ``vcov`` (the estimator's analytic covariance, labelled by
    event time); the variances are the squared standard errors shown in ``ev`` (under a
    bootstrap these differ from ``vcov``'s diagonal).
    """
    t = ev["event_time"].astype(int).tolist()
    v = vcov.copy()
    v.index, v.columns = v.index.astype(int), v.columns.astype(int)
    v = v.loc[t, t].to_numpy(dtype=float)
    sd = np.sqrt(np.clip(np.diag(v), 0, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        corr = np.where(np.outer(sd, sd) > 0, v / np.outer(sd, sd), 0.0)
    np.fill_diagonal(corr, 1.0)
    se = ev["std_error"].to_numpy(dtype=float)
    return pd.DataFrame(corr * np.outer(se, se), index=t, columns=t)


def _wald(est: np.ndarray, vcov: np.ndarray, n_clusters: int) -> dict[str, Any] | None:
    """Run the Wald test of ``est = 0`` with ``n_clusters`` clusters; None when not computable.

    The p-value is Hotelling's: ``F = (G - q) / (q (G - 1)) W`` on ``(q, G - q)`` degrees
    of freedom, the small-sample law of a Wald statistic whose covariance is estimated from
    ``G`` clusters (Cameron & Miller 2015, sec. VII; with ``q = 1`` it is the square of
    the t test on ``G - 1`` df); with ``q >= G`` it cannot be computed.
    """
    try:
        stat, df = wald_test(est, vcov)
    except NotEstimableError:
        return None
    if df >= n_clusters:
        return None
    f = (n_clusters - df) / (df * (n_clusters - 1)) * stat
    return {"statistic": stat, "df": df, "p_value": float(stats.f.sf(f, df, n_clusters - df)),
            "method": "hotelling_f", "critical_value": float(
                stats.f.isf(0.05, df, n_clusters - df) * df * (n_clusters - 1)
                / (n_clusters - df)), "n_boot": 0}


def _staggered(panel, unit, y, covs, opts, seed, window) -> Estimate:
    lo_p, hi_p = int(panel["period"].min()), int(panel["period"].max())
    n_units = panel[unit].nunique()
    d = panel[panel[y].notna()]
    need = [*covs, *([opts["cluster"]] if opts.get("cluster") else [])]
    n_measured = d[unit].nunique()
    if need:
        bad = d.loc[d[need].isna().any(axis=1), unit].unique()
        d = d[~d[unit].isin(bad)]
    units = d.drop_duplicates(unit)
    early, late = treated_outside(units["cohort"], lo_p, hi_p)
    d = d[~d[unit].isin(units.loc[early | late, unit])]
    flow = [("units_in_panel", n_units), ("units_with_outcome", n_measured),
            ("dropped_missing_covariate_or_cluster", n_measured - len(units)),
            ("dropped_treated_before_first_period", int(early.sum())),
            ("dropped_treated_after_last_period", int(late.sum())),
            ("treated", int(d.loc[d["cohort"] > 0, unit].nunique())),
            ("controls", int(d.loc[d["cohort"] == 0, unit].nunique()))]
    control = opts.get("control", "never")
    n_cl = _n_clusters(d, opts) or int(d[unit].nunique())
    if _few_clusters(n_cl, opts.get("cluster") or "unit"):
        _warn_few_clusters("multiplier_bootstrap")
    # base_period "universal" (an internal option: effekt.study.trends' HonestDiD check)
    # gives pre-period effects relative to g - 1, as an event study's; no pre-test then
    universal = opts.get("base_period") == "universal"
    gt = att_gt(d, y, unit, "period", "cohort", covariates=covs or None, control=control,
                method=opts.get("method", "dr"), allow_unbalanced=True,
                unbalanced=opts.get("unbalanced", "pairwise"), cluster=opts.get("cluster"),
                base_period="universal" if universal else "varying")
    gt = gt.bootstrap(int(opts.get("n_boot", 499)), seed=seed, cband=False)
    lo_e, hi_e = window if window else (None, None)
    agg = gt.aggregate("dynamic", min_e=lo_e, max_e=hi_e)
    frame = agg.to_frame()
    ev = pd.DataFrame({"event_time": frame["event_time"].astype(int),
                       "estimate": frame["estimate"], "std_error": frame["std_error"],
                       "ci_lower": frame["ci_lower"], "ci_upper": frame["ci_upper"]})
    ev["n_treated"] = _treated_counts(d, unit, y, ev["event_time"])
    pretrend = None
    if not universal:
        try:
            # with fewer than 50 clusters a studentised wild bootstrap of W by cluster: the
            # chi-squared law over-rejects there (issue 12: 59.5 % of 200 null replications
            # of the samhandling design, against 4.0 %)
            pt = gt.pretrend_test(seed=seed)
            pretrend = {"statistic": pt.statistic, "df": pt.df, "p_value": pt.p_value,
                        "method": pt.method, "critical_value": pt.critical_value,
                        "n_boot": pt.n_boot}
        except NotEstimableError:
            pass
    lo, hi = agg.overall_ci
    ctrl = "never-treated units" if control == "never" else "not-yet-treated units"
    return Estimate(
        outcome=y, design="staggered_did",
        estimand=f"average effect on the treated over event times >= 0 (Callaway & "
                 f"Sant'Anna 2021, against {ctrl})",
        estimate=float(agg.overall_att), std_error=float(agg.overall_se), ci_lower=float(lo),
        ci_upper=float(hi), n_treated=dict(flow)["treated"], n_control=dict(flow)["controls"],
        event=ev[_EVENT_COLUMNS], flow=tuple(flow), pretrend=pretrend,
        outcome_sd=_outcome_sd(d, y), event_vcov=_event_vcov(ev, agg.vcov),
        n_clusters=_n_clusters(d, opts), inference=agg.inference,
        inference_method="multiplier_bootstrap",
    )


def _matched(panel, unit, y, covs, opts, seed, window) -> Estimate:
    n_units = panel[unit].nunique()
    periods = panel["period"].nunique()
    per = panel.groupby(unit)[y].agg(["count", "size"])
    complete = per.index[(per["count"] == periods) & (per["size"] == periods)]
    d = panel[panel[unit].isin(complete)]
    if covs:
        bad = d.loc[d[covs].isna().any(axis=1), unit].unique()
        d = d[~d[unit].isin(bad)]
    units = d.drop_duplicates(unit)
    flow = [("units_in_panel", n_units),
            ("dropped_incomplete_outcome_or_residence", n_units - len(units))]
    pre_periods = int(opts.get("pre_periods", 2))
    match_opts: dict[str, Any] = {"method": opts.get("method", "mahalanobis"),
                                  "ratio": int(opts.get("ratio", 1)), "seed": seed}
    if opts.get("method") == "nearest":
        match_opts["distance"] = "logit"
    if opts.get("caliper") is not None:
        match_opts["caliper"] = float(opts["caliper"])
    def fit(se: str):
        return matched_did(d, y, unit, "period", "cohort", covs or None,
                           pre_periods=pre_periods,
                           match_outcome=opts.get("match_outcome", "levels"),
                           window=tuple(window) if window else None, se=se, **match_opts)

    # the clusters (matched pairs) are known once matched: below 30 the CR2 of the pooled
    # long differences where the weights allow it (the same matching, so the same sample)
    r = fit("CR2" if opts.get("se") == "CR2" else "CR1")
    se_type = r.se_type
    if _few_clusters(int(r.n_clusters), r.cluster):
        if opts.get("se", "auto") in (None, "auto"):
            try:
                r, se_type = fit("CR2"), "CR2"
            except SpecError:
                pass
        _warn_few_clusters("cr2" if se_type == "CR2" else "influence_cluster")
    f = r.flow
    total = f.loc["total"]
    flow += [("treated", int(total["treated"])), ("treated_matched", int(total["matched"])),
             ("treated_unmatched", int(total["unmatched"])),
             ("controls_available", int(total["controls"])),
             ("controls_used", int(total["controls_used"]))]
    stacks = f.drop(index="total")
    stacks = stacks[stacks["matched"] > 0]
    lo_p, hi_p = int(panel["period"].min()), int(panel["period"].max())
    frame = r.to_frame()
    ev = frame[["event_time", "estimate", "std_error", "ci_lower", "ci_upper"]].copy()
    ev["event_time"] = ev["event_time"].astype(int)
    g = stacks.index.to_numpy(dtype=int)
    m = stacks["matched"].to_numpy(dtype=int)
    ev["n_treated"] = [int(m[(g + e >= lo_p) & (g + e <= hi_p)].sum()) for e in ev["event_time"]]
    est, se = r.average()
    dof = r.average_df()
    lo, hi = map(float, confidence_interval(est, se, r.level, df=dof))
    pre = r.event_time < -1
    pretrend = _wald(r.estimate[pre], r.covariance[np.ix_(pre, pre)], int(r.n_clusters))
    bal = r.balance()
    bal["n_treated"] = bal["cohort"].map(f["matched"]).astype(int)
    bal = bal[["cohort", "covariate", "smd_before", "smd_after", "n_treated"]]
    return Estimate(
        outcome=y, design="matched_did", estimand=f"average effect on the treated over event "
        f"times >= 0 ({r.estimand})", estimate=est, std_error=se, ci_lower=lo, ci_upper=hi,
        n_treated=int(total["matched"]), n_control=int(total["controls_used"]),
        event=ev[_EVENT_COLUMNS].reset_index(drop=True), flow=tuple(flow), pretrend=pretrend,
        balance=bal, outcome_sd=_outcome_sd(d, y), event_vcov=_event_vcov(ev, r.vcov),
        n_clusters=int(r.n_clusters), df=dof, inference=r.inference,
        inference_method="cr2" if se_type == "CR2" else "influence_cluster",
    )


def _two_period(panel, unit, y, covs, opts, need_pre=True):
    """Cross-section of units with the outcome at the pre and post periods."""
    p0, p1 = opts.get("pre_period"), int(opts["post_period"])
    n_units = panel[unit].nunique()
    wide = panel.pivot(index=unit, columns="period", values=y)
    cols = [p0, p1] if need_pre else [p1]
    for c in cols:
        if c not in wide.columns:
            raise NotEstimableError(f"period {c} is not in the panel ({wide.columns.min()}-"
                                    f"{wide.columns.max()}).")
    units = panel.drop_duplicates(unit).set_index(unit)
    cross = pd.DataFrame({f"{y}_post": wide[p1]})
    if need_pre:
        cross[f"{y}_pre"] = wide[p0]
    at = panel[panel["period"] == (p0 if need_pre else p1)].set_index(unit)
    for c in covs:
        cross[c] = at[c]
    cross["cohort"] = units["cohort"]
    if "provider_id" in units:
        cross["provider_id"] = units["provider_id"]
    has = cross.dropna(subset=[c for c in cross.columns if c != "provider_id"])
    g = has["cohort"]
    first = p0 if need_pre else -np.inf
    treated = (g > 0) & (g > first) & (g <= p1)  # cohort 0 = never exposed
    keep = treated | (g == 0)
    flow = [("units_in_panel", n_units), ("units_with_outcome", len(has)),
            ("dropped_treated_outside_window", int((~keep).sum())),
            ("treated", int(treated[keep].sum())), ("controls", int((g[keep] == 0).sum()))]
    out = has[keep].copy()
    out["treated"] = treated[keep].astype(int)
    return out.reset_index(), flow


def _did2x2(panel, unit, y, covs, opts, seed, window) -> Estimate:
    cross, flow = _two_period(panel, unit, y, covs, opts)
    long = pd.concat([
        cross.assign(period=0, post=0, **{y: cross[f"{y}_pre"]}),
        cross.assign(period=1, post=1, **{y: cross[f"{y}_post"]}),
    ], ignore_index=True)
    n_cl = _n_clusters(cross, opts) or len(cross)
    se = _se_choice(opts, n_cl, opts.get("cluster") or unit)
    r = did_2x2(long, y, unit, "period", "treated", "post", covariates=covs or None,
                cluster=opts.get("cluster"), se=se)
    return _one_effect(
        "did_2x2", y,
        f"average effect on the treated in period {opts['post_period']} against period "
        f"{opts['pre_period']} (2x2 difference-in-differences)",
        r.to_frame().iloc[0], flow,
        float(cross.loc[cross["treated"] == 1, f"{y}_pre"].std()),
        n_clusters=_n_clusters(cross, opts), df=float(r.df), inference=r.inference,
        inference_method=se.lower(),
    )


def _n_clusters(data: pd.DataFrame, opts: dict[str, Any]) -> int | None:
    """Return the number of clusters of the standard errors (None: clustered by unit)."""
    return int(data[opts["cluster"]].nunique()) if opts.get("cluster") else None


def _one_effect(design: str, y: str, estimand: str, row: pd.Series, flow: list,
                outcome_sd: float, **counts: Any) -> Estimate:
    """Build the Estimate of a two-period design: one results row, no event-time profile.

    ``counts`` may give ``n_treated``, ``n_control`` (default: the flow's treated and
    controls) and ``balance``.
    """
    steps = dict(flow)
    return Estimate(
        outcome=y, design=design, estimand=estimand,
        **{k: float(row[k]) for k in ("estimate", "std_error", "ci_lower", "ci_upper")},
        n_treated=counts.get("n_treated", steps.get("treated")),
        n_control=counts.get("n_control", steps.get("controls")),
        event=pd.DataFrame(columns=_EVENT_COLUMNS), flow=tuple(flow),
        balance=counts.get("balance"), outcome_sd=outcome_sd,
        p_value=float(row["p_value"]) if "p_value" in row else float("nan"),
        n_clusters=counts.get("n_clusters"), df=counts.get("df"),
        inference=counts.get("inference", ""),
        inference_method=counts.get("inference_method", ""),
    )


def _matching(panel, unit, y, covs, opts, seed, window) -> Estimate:
    cross, flow = _two_period(panel, unit, y, covs, opts)
    feats = [f"{y}_pre", *covs]
    kw: dict[str, Any] = {"method": opts.get("method", "mahalanobis"),
                          "ratio": int(opts.get("ratio", 1)), "seed": seed}
    m = match(cross, "treated", feats, **kw)
    # the effect regression is clustered by matched pair: below 30 pairs CR2 where the
    # weights allow it (complete 1:1 or k:1), else CR1 with t(G - 1)
    few = _few_clusters(int(m.data["subclass"].nunique()), "matched pair")
    eff, method = None, "cluster_pairs"
    if few:
        try:
            eff, method = m.effect(f"{y}_post", se="CR2"), "cr2"
        except SpecError:
            eff = None
        _warn_few_clusters(method)
    if eff is None:
        eff = m.effect(f"{y}_post")
    bal = m.balance().table[["smd_before", "smd_after"]].rename_axis("covariate").reset_index()
    n_matched = int(m.counts.loc["matched", "treated"])
    bal.insert(0, "cohort", 0)
    bal["n_treated"] = n_matched
    flow += [("treated_matched", n_matched),
             ("controls_used", int(m.counts.loc["matched", "control"]))]
    return _one_effect(
        "matching", y,
        f"average effect on the treated in period {opts['post_period']} (matched on the "
        f"outcome in period {opts['pre_period']} and covariates)",
        eff.to_frame().iloc[0], flow,
        float(cross.loc[cross["treated"] == 1, f"{y}_pre"].std()),
        n_treated=n_matched, n_control=int(m.counts.loc["matched", "control"]),
        balance=bal[["cohort", "covariate", "smd_before", "smd_after", "n_treated"]],
        df=eff.df, n_clusters=eff.n_clusters, inference=eff.inference,
        inference_method=method,
    )


def _rct(panel, unit, y, covs, opts, seed, window) -> Estimate:
    cross, flow = _two_period(panel, unit, y, covs, opts, need_pre=False)
    kw: dict[str, Any] = {}
    method = "hc"
    if opts.get("cluster"):
        kw["se"] = _se_choice(opts, int(cross[opts["cluster"]].nunique()), opts["cluster"])
        method = kw["se"].lower()
    elif opts.get("se") not in (None, "auto"):
        raise NotEstimableError(f"design.se={opts['se']!r} is cluster-robust and needs "
                                "design.cluster; without it the rct uses HC2.")
    r = rct(cross, f"{y}_post", "treated", covariates=covs or None,
            cluster=opts.get("cluster"), **kw)
    row = r.to_frame().iloc[-1]
    return _one_effect(
        "rct", y,
        f"average effect of assignment in period {opts['post_period']} (randomised "
        "comparison)",
        row, flow,
        float(cross.loc[cross["treated"] == 0, f"{y}_post"].std()),
        n_clusters=_n_clusters(cross, opts), inference=r.inference, inference_method=method,
        df=float(r.table["df"].iloc[-1]),
    )


def _twfe(panel, unit, y, covs, opts, seed, window) -> Estimate:
    d = panel[panel[y].notna()]
    lo_e, hi_e = window if window else (None, None)
    n_cl = _n_clusters(d, opts) or int(d[unit].nunique())
    se_type = _se_choice(opts, n_cl, opts.get("cluster") or unit)
    # its EffektWarning on staggered adoption goes to the caller (the study's warning log)
    r = event_study(d, y, unit, "period", "cohort",
                    leads=None if lo_e is None else -lo_e, lags=hi_e,
                    cluster=opts.get("cluster"), se=se_type)
    f = r.to_frame()
    if "event_time" not in f.columns:  # event times label the rows, or are a column
        f = f.reset_index()
    f = f[f["event_time"] != r.reference]
    ev = f[["event_time", "estimate", "std_error", "ci_lower", "ci_upper"]].copy()
    ev["event_time"] = ev["event_time"].astype(int)
    ev["n_treated"] = _treated_counts(d, unit, y, ev["event_time"])
    est, se = r.average()
    dof = r.average_df()
    lo, hi = map(float, confidence_interval(est, se, df=dof))
    n_t = int(d.loc[d["cohort"] > 0, unit].nunique())
    return Estimate(
        outcome=y, design="twfe_event_study",
        estimand="mean of the TWFE event-study coefficients over event times >= 0 (SE from "
                 "their joint cluster-robust covariance)", df=dof, inference=r.inference,
        inference_method=se_type.lower(),
        estimate=est, std_error=se, ci_lower=lo, ci_upper=hi, n_treated=n_t,
        n_control=int(d.loc[d["cohort"] == 0, unit].nunique()),
        event=ev[_EVENT_COLUMNS].reset_index(drop=True),
        flow=(("treated", n_t),), outcome_sd=_outcome_sd(d, y),
        event_vcov=_event_vcov(ev, r.vcov),
        n_clusters=_n_clusters(d, opts),
    )


_DESIGNS = {"staggered_did": _staggered, "matched_did": _matched, "did_2x2": _did2x2,
            "matching": _matching, "rct": _rct, "twfe_event_study": _twfe}


def estimate(
    panel: pd.DataFrame,
    design: str,
    outcome: str,
    *,
    unit: str,
    covariates: list[str],
    options: dict[str, Any],
    seed: int,
    anticipation: int = 0,
) -> Estimate:
    """Run ``design`` on ``panel`` for ``outcome`` and return its :class:`Estimate`.

    Parameters
    ----------
    panel : pandas.DataFrame
        A panel from :func:`effekt.data.panel` with ``period`` and ``cohort``.
    design : str
        ``staggered_did``, ``matched_did``, ``did_2x2``, ``matching``, ``rct`` or
        ``twfe_event_study`` (the last only as a robustness check).
    outcome : str
        Outcome column.
    unit : str
        Unit id column (never part of the returned object).
    covariates : list of str
        Baseline covariates.
    options : dict
        The design's options from the spec.
    seed : int
        Seed of the matching and the bootstrap.
    anticipation : int
        Periods by which cohorts are moved earlier.

    Returns
    -------
    Estimate

    Examples
    --------
    >>> from effekt.synthetic.examples import staggered_panel
    >>> p = staggered_panel(n_units=80, periods=6, cohorts=(4,), effect=2.0, never_treated=0.7)
    >>> p = p.rename(columns={"t": "period", "g": "cohort"})
    >>> e = estimate(p, "matched_did", "y", unit="id", covariates=[], options={}, seed=1)
    >>> bool(abs(e.estimate - 2) < 4 * e.std_error), "id" in e.event.columns
    (True, False)
    """
    d = cohorts_of(panel, unit, anticipation)
    window = options.get("window")
    return _DESIGNS[design](d, unit, outcome, list(covariates), options, seed, window)
