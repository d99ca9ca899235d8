"""The designs of randomization inference: what is re-assigned, and how it is re-estimated.

One function per kind of result, called by the results' ``randomization_test`` methods:
``did_2x2`` and ``twfe`` (:func:`randomization_did`), ``event_study``
(:func:`randomization_event_study`), ``rct`` (:func:`randomization_rct`) and ``att_gt``
(:func:`randomization_att_gt`). Each finds the clusters and their waves, checks that the
assignment is constant within cluster, and gives :func:`effekt.estimators.randomization.
run_test` the statistic of a block of assignments. The method and its references are in
:mod:`effekt.estimators.randomization`.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from effekt._checks import as_columns
from effekt.errors import DataError, EffektWarning, NotEstimableError, SpecError
from effekt.estimators.matching.propensity import covariate_design, treatment_indicator
from effekt.estimators.randomization import (
    RandomizationResult,
    Refit,
    cluster_codes,
    fwl_coefficients,
    linear_partial,
    per_cluster,
    run_test,
    stored_call,
    two_way_partial,
)

__all__ = [
    "randomization_att_gt",
    "randomization_did",
    "randomization_event_study",
    "randomization_rct",
]


# --------------------------------------------------------------------------------------
# the designs


def randomization_did(result: Any, refit: Refit | None, n_perm: int = 10_000,
                      seed: int | np.random.Generator | None = None,
                      level: float = 0.95) -> RandomizationResult:
    """Randomization test of a ``did_2x2`` or ``twfe`` result (see ``DiDResult``).

    ``did_2x2``: the ``treated`` column, constant within cluster, is re-assigned across
    clusters. ``twfe``: each cluster's adoption period (its first period with treatment
    1; treatment must be absorbing and constant within cluster and period) is re-assigned
    across clusters, never-treated being a wave of its own. Coefficients by FWL.
    """
    refit = stored_call(result, refit, "did_2x2 or twfe")
    df, a = refit.data, refit.arguments
    cluster = result.cluster
    code, n_cl = cluster_codes(df, cluster)
    w = (np.ones(len(df)) if a.get("weights") is None
         else df[a["weights"]].to_numpy(dtype=float))
    y = df[result.outcome].to_numpy(dtype=float)
    if result.method == "2x2":
        treated, post = a["treated"], a["post"]
        waves = per_cluster(df[treated].to_numpy(dtype=float), code, n_cl,
                             what=f"treated={treated!r}", cluster=cluster)
        p = df[post].to_numpy(dtype=float)
        covs = as_columns("covariates", a.get("covariates"))
        fixed = np.column_stack([np.ones(len(df)), p] + [df[c].to_numpy(float) for c in covs])
        partial = linear_partial(fixed, w)

        def regressors(block: np.ndarray) -> np.ndarray:
            d = block[:, code].T
            return np.stack([d, d * p[:, None]], axis=2)

        treated_rows = waves[code] * p  # the observed treated observations
        which, design = 1, f"the {treated!r} groups re-assigned across clusters"
        words = {1.0: "treated", 0.0: "comparison"}.get
    else:
        treatment, unit, time = a["treatment"], a["unit"], a["time"]
        rows = w > 0
        df, w, y = df[rows], w[rows], y[rows]
        code, n_cl = cluster_codes(df, cluster)
        tcode = pd.factorize(df[time], sort=True)[0]
        periods = np.sort(pd.unique(df[time]))
        d = df[treatment].to_numpy(dtype=float)
        n_t = periods.size
        # adoption period (position) of each cluster: its first treated period; n_t if never
        first = np.full(n_cl, n_t, dtype=np.int64)
        np.minimum.at(first, code[d == 1], tcode[d == 1])
        bad = d != (tcode >= first[code])
        if bad.any():
            raise DataError(
                f"treatment={treatment!r} is not an absorbing treatment assigned by cluster: "
                f"{int(bad.sum())} row(s) differ from 1[period >= the cluster's first "
                f"treated period] (cluster={cluster!r}). A randomization test re-assigns "
                "adoption periods across clusters, so treatment must switch on once, for "
                "the whole cluster, and stay on."
            )
        waves = first
        partial = two_way_partial(pd.factorize(df[unit], sort=True)[0].astype(np.int64),
                                   tcode.astype(np.int64), w)

        def regressors(block: np.ndarray) -> np.ndarray:
            return (tcode[:, None] >= block[:, code].T).astype(float)[:, :, None]

        treated_rows = d
        which, design = 0, "the adoption periods re-assigned across clusters"

        def words(v):
            return "never treated" if v == n_t else f"adopt in {periods[int(v)]}"

    outcomes = np.column_stack([y, treated_rows])  # estimates on Y and on D, for the CI

    def statistic(assignments: np.ndarray) -> np.ndarray:
        return fwl_coefficients(outcomes, w, partial, regressors, assignments)[:, which, :]

    return run_test(observed=result.estimate, waves=waves, statistic=statistic, n_perm=n_perm,
                    seed=seed, level=level, describe=dict(
                        term=result.term, design=design, cluster=cluster, wave_words=words,
                        estimand=result.estimand, outcome=result.outcome, nobs=result.nobs,
                        statistic=f"the {result.method} coefficient on {result.term!r}"))


def randomization_event_study(result: Any, refit: Refit | None, event_time: int | None = None,
                              n_perm: int = 10_000,
                              seed: int | np.random.Generator | None = None,
                              level: float = 0.95) -> RandomizationResult:
    """Randomization test of an ``event_study`` result: cohorts re-assigned across clusters.

    The statistic is the coefficient at ``event_time``, or (``None``) the mean of the
    coefficients at event times ``>= 0`` (the reference left out).
    """
    refit = stored_call(result, refit, "event_study")
    df, a = refit.data, refit.arguments
    grid = np.asarray(result.event_time, dtype=int)
    keep = grid[grid != result.reference]
    if event_time is None:
        pick = keep >= 0
        term = "mean of event times >= 0"
    else:
        if event_time not in set(keep.tolist()):
            raise SpecError(f"event_time={event_time!r} is not an estimated event time of "
                            f"this event study ({keep.tolist()}).")
        pick = keep == event_time
        term = f"event time {event_time}"
    if not pick.any():
        raise NotEstimableError("the event study has no estimated event time >= 0.")
    observed = float(np.mean(result.estimate[np.isin(grid, keep[pick])]))
    w = (np.ones(len(df)) if a.get("weights") is None
         else df[a["weights"]].to_numpy(dtype=float))
    rows = w > 0
    df, w = df[rows], w[rows]
    code, n_cl = cluster_codes(df, result.cluster)
    periods = np.sort(pd.unique(df[a["time"]]))
    tpos = np.searchsorted(periods, df[a["time"]].to_numpy()).astype(float)
    coh = df[a["cohort"]]
    never = (coh.isna() | (coh == 0)).to_numpy()
    cpos = np.full(len(df), np.nan)
    cpos[~never] = pd.Series(np.arange(periods.size), index=periods).loc[
        coh[~never].to_numpy()].to_numpy(dtype=float)
    waves = per_cluster(cpos, code, n_cl, what=f"cohort={a['cohort']!r}",
                         cluster=result.cluster)
    partial = two_way_partial(pd.factorize(df[a["unit"]], sort=True)[0].astype(np.int64),
                               tpos.astype(np.int64), w)
    y = df[result.outcome].to_numpy(dtype=float)

    def regressors(block: np.ndarray) -> np.ndarray:
        e = tpos[:, None] - block[:, code].T
        binned = np.clip(e, -result.leads, result.lags)
        treated = ~np.isnan(e)
        return np.stack([(treated & (binned == k)).astype(float) for k in keep], axis=2)

    e_obs = tpos - waves[code]
    outcomes = np.column_stack([y, ~np.isnan(e_obs) & (e_obs >= 0)])  # Y and D, for the CI

    def statistic(assignments: np.ndarray) -> np.ndarray:
        coef = fwl_coefficients(outcomes, w, partial, regressors, assignments)
        return coef[:, pick, :].mean(axis=1)

    def words(v):
        return "never treated" if np.isnan(v) else f"cohort {periods[int(v)]}"

    return run_test(observed=observed, waves=waves, statistic=statistic, n_perm=n_perm, seed=seed,
                    level=level,
                    describe=dict(term=term, design="the cohorts re-assigned across clusters",
                                  cluster=result.cluster, wave_words=words,
                                  estimand=result.estimand, outcome=result.outcome,
                                  nobs=result.nobs,
                                  statistic=f"the event-study coefficient(s): {term}"))


def randomization_rct(result: Any, refit: Refit | None, estimator: str = "difference_in_means",
                      n_perm: int = 10_000, seed: int | np.random.Generator | None = None,
                      level: float = 0.95) -> RandomizationResult:
    """Randomization test of an ``rct`` result: treatment re-assigned across clusters."""
    refit = stored_call(result, refit, "rct")
    if estimator not in result.table.index:
        raise SpecError(f"estimator={estimator!r} is not in this result; choose one of "
                        f"{result.table.index.tolist()}.")
    df, a = refit.data, refit.arguments
    cluster = a.get("cluster")
    if cluster is None:
        code, n_cl, cluster_words = np.arange(len(df), dtype=np.int64), len(df), "row (unit)"
    else:
        code, n_cl = cluster_codes(df, cluster)
        cluster_words = cluster
    t = treatment_indicator(df, result.treatment).astype(float)
    waves = per_cluster(t, code, n_cl, what=f"treatment={result.treatment!r}",
                         cluster=cluster_words)
    n = len(df)
    xc = np.empty((n, 0))
    if estimator == "lin_ancova":
        xc = covariate_design(df, list(result.covariates)).to_numpy(dtype=float)
        xc = xc - xc.mean(axis=0)
    partial = linear_partial(np.column_stack([np.ones(n), xc]), np.ones(n))

    def regressors(block: np.ndarray) -> np.ndarray:
        d = block[:, code].T
        return np.concatenate([d[:, :, None], d[:, :, None] * xc[:, None, :]], axis=2)

    outcomes = np.column_stack([df[result.outcome].to_numpy(dtype=float), t])  # Y and D

    def statistic(assignments: np.ndarray) -> np.ndarray:
        return fwl_coefficients(outcomes, np.ones(n), partial, regressors, assignments)[:, 0, :]

    return run_test(observed=float(result.table.loc[estimator, "estimate"]), waves=waves,
                    statistic=statistic, n_perm=n_perm, seed=seed, level=level, describe=dict(
                        term=estimator, design="treatment re-assigned across clusters",
                        cluster=cluster_words, wave_words={1.0: "treated", 0.0: "control"}.get,
                        estimand=result.estimand, outcome=result.outcome, nobs=result.nobs,
                        statistic=f"the {estimator} estimate"))


def randomization_att_gt(result: Any, refit: Refit | None, aggregation: str = "simple",
                         n_perm: int = 10_000, seed: int | np.random.Generator | None = None,
                         **window: Any) -> RandomizationResult:
    """Randomization test of an ``att_gt`` aggregation: cohorts re-assigned across clusters.

    Every assignment is re-estimated in full (``att_gt`` then ``aggregate(aggregation,
    **window)``); the statistic is the overall estimate of the aggregation.
    """
    refit = stored_call(result, refit, "att_gt")
    df, a = refit.data, dict(refit.arguments)
    cohort = a["cohort"]
    cluster = a.get("cluster") or a["unit"]
    if cluster is None:
        raise NotEstimableError("repeated cross-sections without cluster= have no unit to "
                                "re-assign; pass cluster= (the level of assignment).")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", EffektWarning)
        observed = result.aggregate(aggregation, **window).overall_att
    code, n_cl = cluster_codes(df, cluster)
    g = df[cohort].to_numpy(dtype=float)
    g = np.where(np.isnan(g), 0.0, g)
    waves = per_cluster(g, code, n_cl, what=f"cohort={cohort!r}", cluster=cluster)
    work = df.copy()
    a.pop("df", None)

    def statistic(assignments: np.ndarray) -> np.ndarray:
        out = np.full(assignments.shape[0], np.nan)
        for i, assign in enumerate(assignments):
            work[cohort] = assign[code]
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", EffektWarning)
                    out[i] = refit.function(work, **a).aggregate(
                        aggregation, **window).overall_att
            except (DataError, NotEstimableError):
                pass
        return out

    def words(v):
        return "never treated" if v == 0 else f"cohort {v:g}"

    return run_test(observed=observed, waves=waves, statistic=statistic, n_perm=n_perm, seed=seed,
                    describe=dict(term=f"ATT ({aggregation})",
                                  design="the cohorts (adoption schedule) re-assigned across "
                                         "clusters",
                                  cluster=cluster, wave_words=words, estimand=result.estimand,
                                  outcome=result.outcome, nobs=result.nobs,
                                  statistic=f"the overall ATT of aggregate({aggregation!r})"))
