"""Classic difference-in-differences: the 2x2 regression, TWFE and the TWFE event study.

These are the textbook estimators, kept for comparison and for designs with a
single adoption date. Under staggered adoption with effects that vary over
time or between cohorts, the TWFE coefficient is a weighted average of
unit-period effects with possibly negative weights (Goodman-Bacon 2021;
de Chaisemartin & D'Haultfœuille 2020); use
:func:`effekt.estimators.did.staggered.att_gt` there. :func:`twfe` and
:func:`event_study` warn when adoption is staggered.

References
----------
Card, D. & Krueger, A. B. (1994). Minimum wages and employment: a case study of
the fast-food industry in New Jersey and Pennsylvania. *American Economic
Review* 84(4), 772-793.

Angrist, J. D. & Pischke, J.-S. (2009). *Mostly Harmless Econometrics*, ch. 5.

Goodman-Bacon, A. (2021). Difference-in-differences with variation in treatment
timing. *Journal of Econometrics* 225(2), 254-277.

Sun, L. & Abraham, S. (2021). Estimating dynamic treatment effects in event
studies with heterogeneous treatment effects. *Journal of Econometrics* 225(2),
175-199.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from effekt._checks import as_columns, check_choice, check_positive_int, check_standard_error
from effekt._docs import fill_doc
from effekt.errors import EffektWarning, NotEstimableError, SpecError
from effekt.estimators._linalg import demean_two_way, wls
from effekt.estimators.covariance import Covariance, sandwich
from effekt.estimators.did._input import codes, event_times, validate
from effekt.estimators.did.classic_results import DiDResult, EventStudyResult, coefficient_table
from effekt.estimators.randomization import Refit
from effekt.estimators.wild import WildData, absorbed_basis, wild_data

__all__ = ["DiDResult", "EventStudyResult", "did_2x2", "event_study", "twfe"]

_FE_NOTE = "K counts the non-absorbed regressors: the fixed effects are not counted"


def _least_squares(
    y: np.ndarray, X: np.ndarray, *, clusters: np.ndarray, cluster: str,
    weights: np.ndarray | None, what: str, cov_type: str = "CR1",
    absorbed: np.ndarray | None = None,
) -> tuple[np.ndarray, Covariance]:
    """Coefficients and their CR1 (CR2) cluster-robust covariance (one sandwich for all DiD)."""
    coef, bread = wls(y, X, weights, what=what)
    cov = sandwich(X, y - X @ coef, bread=bread, weights=weights, cov_type=cov_type,
                   clusters=clusters, cluster_names=cluster,
                   absorbed=absorbed if cov_type == "CR2" else None)
    return coef, cov


def two_way_fit(
    df: pd.DataFrame, *, outcome: str, unit: str, time: str, exog: dict[str, np.ndarray],
    cluster: str, weights: str | None, reason: str = "", se: str = "CR1",
) -> tuple[np.ndarray, Covariance, int, WildData]:
    """Two-way fixed-effects least squares: the within transformation, then CR1 (or CR2).

    Returns the coefficients of ``exog``, their covariance, the rows used and the data a
    wild bootstrap refits. Equals linearmodels' ``PanelOLS(entity_effects=True,
    time_effects=True).fit(cov_type="clustered", debiased=True, count_effects=False,
    group_debias=True)``: the CR1 factor ``G/(G-1) * (N-1)/(N-K)`` with K the
    non-absorbed regressors. With ``se="CR2"`` the CR2 of the full dummy regression
    (:func:`effekt.estimators.wild.absorbed_basis`). Rows with weight 0 carry no
    information and are left out. ``reason`` says, when known, why the regressors may be
    absorbed (added to the NotEstimableError).
    """
    w = None if weights is None else df[weights].to_numpy(dtype=float)
    rows = np.ones(len(df), dtype=bool) if w is None else w > 0
    x = np.column_stack(list(exog.values()))[rows]
    y = df[outcome].to_numpy(dtype=float)[rows]
    wr = None if w is None else w[rows]
    # codes of the rows kept: a unit (or period) whose every row has weight 0 is left out
    z = demean_two_way(np.column_stack([y, x]), codes(df[unit][rows]), codes(df[time][rows]),
                       wr)
    xz = z[:, 1:]
    unit_codes, time_codes = codes(df[unit][rows]), codes(df[time][rows])
    clusters = df[cluster].to_numpy()[rows]
    basis, unnested = absorbed_basis(unit_codes, time_codes, pd.factorize(clusters)[0], wr)
    if se == "CR2" and basis is None:
        raise NotEstimableError(f"se='CR2': {unnested}")
    scale = np.linalg.norm(x, axis=0)
    sv = np.linalg.svd(xz / np.where(scale > 0, scale, 1.0), compute_uv=False)
    if sv.min() <= 1e-9 * max(sv.max(), 1.0):
        raise NotEstimableError(
            f"two-way fixed effects regression is not estimable: the regressor(s) "
            f"{list(exog)} are absorbed by (collinear with) the unit and period effects"
            + (f": {reason}" if reason else ".")
        )
    coef, cov = _least_squares(z[:, 0], xz, clusters=clusters, cluster=cluster, weights=wr,
                               what="two-way fixed effects regression", cov_type=se,
                               absorbed=basis)
    wild = wild_data(xz, z[:, 0], clusters, wr, tuple(range(xz.shape[1])), basis,
                      unavailable=f"wild_bootstrap: {unnested}" if basis is None else "")
    return coef, cov, int(rows.sum()), wild


def did_2x2(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    treated: str,
    post: str,
    covariates: str | Sequence[str] | None = None,
    cluster: str | None = None,
    weights: str | None = None,
    *,
    se: Literal["CR1", "CR2"] = "CR1",
) -> DiDResult:
    """Estimate the canonical 2x2 difference-in-differences by regression.

    Fits ``outcome ~ 1 + treated + post + treated:post [+ covariates]`` by OLS
    (WLS with ``weights``) and reports the coefficient on ``treated:post`` with
    a cluster-robust standard error (Card & Krueger 1994; Angrist & Pischke
    2009, ch. 5). Works on panels (a unit observed before and after) and on
    repeated cross-sections (each ``unit`` seen once or a few times).

    Parameters
    ----------
    df : pandas.DataFrame
        One row per unit and period; not modified.
    outcome : str
        Numeric outcome column.
    unit : str
        Unit identifier (numbers or strings); the default cluster.
    time : str
        Period column; not used in the regression (``post`` defines the periods)
        but required so the data describe a unit x time layout.
    treated : str
        0/1 (or boolean) column: 1 for the treated group, in every period.
    post : str
        0/1 (or boolean) column: 1 in the post-treatment period(s).
    covariates : str or sequence of str, optional
        Numeric control columns added linearly (encode categories as dummies).
    cluster : str, optional
        Column to cluster on; defaults to ``unit``. With repeated
        cross-sections where no unit repeats, clustering on ``unit`` gives
        heteroskedasticity-robust (HC1-type) standard errors.
    weights : str, optional
        Non-negative weight column (WLS).
    se : {"CR1", "CR2"}
        ``"CR1"`` (default): CR1 with t on ``G - 1`` df. ``"CR2"``: the bias-reduced
        CR2 of Bell and McCaffrey (2002) with t on the Satterthwaite df of each
        coefficient (Pustejovsky and Tipton 2018), R's ``clubSandwich`` ``coef_test(...,
        test = "Satterthwaite")`` and ``estimatr::lm_robust``'s default; better
        calibrated with few clusters. CR2 takes no (non-constant) weights.

    Returns
    -------
    DiDResult
        ``method="2x2"``, ``term="treated:post"``; with CR2 ``df`` is the Satterthwaite
        df (a float), ``df_method="Satterthwaite"`` and ``coefficients`` gets a ``df``
        column.

    Raises
    ------
    DataError
        Missing or repeated columns, a non-numeric outcome or covariate, ``treated``/
        ``post`` not 0/1, missing values (with counts), infinite values or negative weights.
    NotEstimableError
        A constant outcome, fewer than 2 clusters, a missing treated x post cell, or a
        standard error of 0 (an outcome constant within the groups compared).
    SpecError
        An unknown ``se``, or ``se="CR2"`` with non-constant weights.

    Notes
    -----
    The covariance is CR1 (:func:`effekt.estimators.covariance.sandwich`), with the
    small-sample factor ``G/(G-1) * (N-1)/(N-K)`` of Stata's ``vce(cluster)`` and
    statsmodels' ``cov_type="cluster"`` (equal to the latter to 1e-8 in the tests);
    inference uses t with ``G - 1`` degrees of freedom. With ``se="CR2"`` the
    covariance is CR2 and the degrees of freedom Satterthwaite's
    (:func:`effekt.estimators.covariance.satterthwaite_df`).

    Examples
    --------
    >>> from effekt.estimators import did_2x2
    >>> from effekt.synthetic.examples import two_period
    >>> df = two_period(n_units=40, effect=2.0)
    >>> res = did_2x2(df, outcome="y", unit="unit", time="year", treated="treated", post="post")
    >>> res.nobs, res.n_clusters
    (80, 40)
    >>> bool(abs(res.estimate - 2.0) < 4 * res.std_error)
    True
    >>> cr2 = did_2x2(df, outcome="y", unit="unit", time="year", treated="treated",
    ...               post="post", se="CR2")
    >>> cr2.df_method, bool(cr2.df < 39)
    ('Satterthwaite', True)
    """
    check_choice("se", se, Literal["CR1", "CR2"])
    covs = as_columns("covariates", covariates)
    cluster = validate(df, outcome=outcome, unit=unit, time=time,
                       binary={"treated": treated, "post": post}, covariates=covs,
                       cluster=cluster, weights=weights)
    d = df[treated].to_numpy(dtype=float)
    p = df[post].to_numpy(dtype=float)
    cells = {(a, b) for a, b in zip(d, p, strict=True)}
    if len(cells) < 4:
        missing = sorted({(a, b) for a in (0.0, 1.0) for b in (0.0, 1.0)} - cells)
        raise NotEstimableError(
            "did_2x2 needs rows in all four treated x post cells; none for "
            + ", ".join(f"{treated}={int(a)}, {post}={int(b)}" for a, b in missing)
            + "."
        )
    names = ["const", treated, post, f"{treated}:{post}", *covs]
    x = np.column_stack([np.ones(len(df)), d, p, d * p] + [df[c].to_numpy(float) for c in covs])
    y = df[outcome].to_numpy(dtype=float)
    if np.linalg.matrix_rank(x) < x.shape[1]:
        raise NotEstimableError(
            f"the regressors {names[1:]} are collinear; drop covariates that are constant or "
            "duplicate the treated/post indicators."
        )
    w = None if weights is None else df[weights].to_numpy(dtype=float)
    coef, cov = _least_squares(y, x, clusters=df[cluster].to_numpy(), cluster=cluster,
                               weights=w, what="difference-in-differences regression",
                               cov_type=se)
    std = np.sqrt(np.diag(cov.vcov))
    check_standard_error(std[3], y, what=f"did_2x2 on {outcome!r}")
    dof = cov.df if cov.coef_df is None else cov.coef_df
    table = coefficient_table(["const", "treated", "post", "treated:post", *covs], coef, std,
                              dof)
    return DiDResult(
        outcome=outcome,
        method="2x2",
        term="treated:post",
        estimate=float(coef[3]),
        std_error=float(std[3]),
        df=cov.df if cov.coef_df is None else float(cov.coef_df[3]),
        df_method="G-1" if cov.coef_df is None else "Satterthwaite",
        nobs=int(len(df)),
        n_clusters=int(cov.n_clusters),
        cluster=cluster,
        estimand=(
            "ATT in the post period: change in mean outcome of the treated group minus the "
            "change in the comparison group"
            + (" (conditional on covariates, linear)" if covs else "")
        ),
        coefficients=table,
        cov_note=cov.note,
        _refit=Refit(did_2x2, df, dict(outcome=outcome, unit=unit, time=time, treated=treated,
                                       post=post, covariates=covariates, cluster=cluster,
                                       weights=weights, se=se)),
        _wild_data=wild_data(x, y, df[cluster].to_numpy(), w, (3,)),
    )


def _warn_staggered(n_cohorts: int, function: str) -> None:
    if n_cohorts > 1:
        warnings.warn(
            f"{function}: adoption is staggered ({n_cohorts} treated cohorts). With effects "
            "that vary over time or between cohorts, the TWFE coefficients are biased "
            "(negative weights on some unit-periods; Goodman-Bacon 2021, Sun & Abraham "
            "2021). Use effekt.estimators.att_gt instead.",
            EffektWarning,
            stacklevel=3,
        )


@fill_doc
def twfe(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    treatment: str,
    cluster: str | None = None,
    weights: str | None = None,
    *,
    se: Literal["CR1", "CR2"] = "CR1",
) -> DiDResult:
    """Estimate the static two-way fixed effects DiD coefficient.

    Fits ``outcome_it = a_i + l_t + b * treatment_it + e_it`` by least squares on the
    within-transformed data (exact two-way demeaning, also for unbalanced and weighted
    panels; the same estimate as linearmodels' ``PanelOLS`` with entity and time effects)
    and cluster-robust standard errors (Angrist & Pischke 2009, ch. 5). With a
    single adoption date this is the generalised DiD; under staggered adoption
    ``b`` is a weighted average of 2x2 comparisons, some with negative weights
    (Goodman-Bacon 2021), and an :class:`~effekt.errors.EffektWarning` points to
    :func:`effekt.estimators.did.staggered.att_gt`.

    Parameters
    ----------
    %(panel_columns)s
    treatment : str
        0/1 (or boolean) column: 1 when the unit is treated in that period.
    %(cluster_weights)s
    se : {"CR1", "CR2"}
        ``"CR1"`` (default): CR1 with t on ``G - 1`` df. ``"CR2"``: the bias-reduced CR2
        of Bell and McCaffrey (2002) with t on the Satterthwaite df of the coefficient
        (Pustejovsky and Tipton 2018), better calibrated with few clusters; see Notes.
        CR2 takes no (non-constant) weights.

    Returns
    -------
    DiDResult
        ``method="twfe"``, ``term=treatment``; with CR2 ``df`` is the Satterthwaite df
        and ``df_method="Satterthwaite"``. :meth:`DiDResult.wild_bootstrap` gives
        restricted wild cluster bootstrap p-values and intervals.

    Raises
    ------
    DataError
        Missing or repeated columns, non-numeric outcome, treatment not 0/1, missing or
        infinite values, duplicate unit-time rows or negative weights.
    NotEstimableError
        A constant outcome, a single period, fewer than 2 clusters, no treated unit, a
        treatment absorbed by the fixed effects (with the reason when there is no
        never-treated unit), or a standard error of 0.

    Notes
    -----
    The covariance is CR1 with the factor ``G/(G-1) * (N-1)/(N-K)``, K the
    non-absorbed regressors (the fixed effects, nested in unit clusters when clustering
    by unit, are not counted), as linearmodels' ``PanelOLS.fit(cov_type="clustered",
    debiased=True, auto_df=False, count_effects=False, group_debias=True)`` and Stata's
    ``xtreg, fe vce(cluster)``; the tests check it against linearmodels to 1e-8.
    Inference uses t with ``G - 1`` degrees of freedom. A unit counts toward a cohort by
    its first treated period.

    CR2 with absorbed fixed effects is the CR2 of the full dummy regression ``y ~ treatment
    + factor(unit) + factor(time)``: the adjustment matrices ``(I - H_gg)^(-1/2)`` and the
    Satterthwaite df use its hat matrix. Pustejovsky and Tipton (2018, sec. 3, Theorem 2)
    show that the effects nested in the clusters (the unit effects when clustering by
    unit) can be left out of the hat matrix without changing the result, but the period
    effects cannot; effekt uses the within-transformed regressors plus the period dummies
    demeaned within unit, as ``clubSandwich`` does for ``plm(model = "within", effect =
    "twoways")``. So effekt equals ``clubSandwich::coef_test(vcov = "CR2", test =
    "Satterthwaite")`` both on ``lm`` with factor dummies and on that ``plm`` model (tests:
    balanced and unbalanced panels, SE, df and p to 1e-6; measured ~1e-14). It needs the
    units (or the periods) nested in the clusters.

    Examples
    --------
    >>> from effekt.estimators import twfe
    >>> from effekt.synthetic.examples import staggered_panel
    >>> df = staggered_panel(n_units=30, periods=4, cohorts=(3,), effect=1.5)
    >>> res = twfe(df, outcome="y", unit="id", time="t", treatment="d")
    >>> res.nobs, res.n_clusters
    (120, 30)
    >>> cr2 = twfe(df, outcome="y", unit="id", time="t", treatment="d", se="CR2")
    >>> cr2.df_method, bool(cr2.df < 29)
    ('Satterthwaite', True)
    """
    check_choice("se", se, Literal["CR1", "CR2"])
    cluster = validate(df, outcome=outcome, unit=unit, time=time,
                       binary={"treatment": treatment}, cluster=cluster, weights=weights,
                       panel=True)
    treat = df[treatment].astype(float)
    if not treat.any():
        raise NotEstimableError(f"treatment={treatment!r} is 0 in every row: no unit is ever "
                                "treated.")
    ever = treat.groupby(df[unit]).max()
    # the first treated period of each treated unit, as a position among the sorted periods
    period = pd.Series(codes(df[time]), index=df.index)
    first = period[treat.to_numpy() == 1].groupby(df[unit][treat.to_numpy() == 1]).min()
    _warn_staggered(int(first.nunique()), "twfe")
    reason = ""
    if ever.all() and first.nunique() == 1:
        reason = ("every unit is treated, all from the same period, so there is no never-"
                  "treated or not-yet-treated unit to compare with and the treatment is "
                  "collinear with the period effects; add never-treated units.")
    coef, cov, nobs, wild = two_way_fit(
        df, outcome=outcome, unit=unit, time=time, exog={treatment: treat.to_numpy()},
        cluster=cluster, weights=weights, reason=reason, se=se,
    )
    std = np.sqrt(np.diag(cov.vcov))
    check_standard_error(std[0], df[outcome], what=f"twfe on {outcome!r}")
    dof = cov.df if cov.coef_df is None else cov.coef_df
    table = coefficient_table([treatment], coef, std, dof)
    return DiDResult(
        outcome=outcome,
        method="twfe",
        term=treatment,
        estimate=float(coef[0]),
        std_error=float(std[0]),
        df=cov.df if cov.coef_df is None else float(cov.coef_df[0]),
        df_method="G-1" if cov.coef_df is None else "Satterthwaite",
        nobs=nobs,
        n_clusters=int(cov.n_clusters),
        cluster=cluster,
        estimand=(
            "TWFE coefficient on treatment: a variance-weighted average of unit-period "
            "treatment effects; equals the ATT only if effects are homogeneous or adoption "
            "is not staggered"
        ),
        coefficients=table,
        cov_note=f"{cov.note} ({_FE_NOTE})",
        _refit=Refit(twfe, df, dict(outcome=outcome, unit=unit, time=time, treatment=treatment,
                                    cluster=cluster, weights=weights)),
        _wild_data=wild,
    )


@fill_doc
def event_study(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    leads: int | None = None,
    lags: int | None = None,
    reference: int = -1,
    cluster: str | None = None,
    weights: str | None = None,
    *,
    se: Literal["CR1", "CR2"] = "CR1",
) -> EventStudyResult:
    """Estimate a dynamic TWFE event study with binned endpoints.

    Fits ``outcome_it = a_i + l_t + sum_{k != reference} b_k 1[E_it = k] + e_it``
    with unit and time fixed effects (as :func:`twfe`), where ``E_it`` is
    the number of periods since the unit's cohort (first treated period),
    counted in positions of the sorted distinct values of ``time``.
    Never-treated units (cohort 0 or missing) have all event-time dummies zero.

    Event times beyond the window are *binned* into the end bins, as is
    standard: the dummy for ``-leads`` is 1 for every ``E_it <= -leads`` and the
    dummy for ``lags`` is 1 for every ``E_it >= lags``. By default the window
    covers every observed event time (no binning). With more than one treated
    cohort an :class:`~effekt.errors.EffektWarning` points to
    :func:`effekt.estimators.did.staggered.att_gt`: under heterogeneous effects across
    cohorts the coefficients mix effects of other event times (Sun & Abraham 2021).
    Covariance and inference are as in :func:`twfe` (CR2: the CR2 of the full dummy
    regression with a Satterthwaite df for each event time).

    Parameters
    ----------
    %(panel_columns)s
    cohort : str
        First treated period of the unit (a value of ``time``); 0 or missing
        for never treated. Must be constant within a unit.
    leads : int, optional
        Number of pre-treatment event times kept (``-leads .. -1``); earlier ones
        are binned into ``-leads``. Default: all observed.
    lags : int, optional
        Last post-treatment event time kept (``0 .. lags``); later ones are binned
        into ``lags``. Default: all observed.
    reference : int, default -1
        Omitted (normalised) event time; must lie in ``[-leads, lags]``.
    %(cluster_weights)s
    se : {"CR1", "CR2"}
        ``"CR1"`` (default) with t on ``G - 1`` df, or ``"CR2"`` with t on the
        Satterthwaite df of each coefficient (``df`` is then an array by event time,
        NaN at the reference); as in :func:`twfe`.

    Returns
    -------
    EventStudyResult
        Rows ``-leads .. lags`` with the reference as estimate 0, SE NaN.
        :meth:`EventStudyResult.wild_bootstrap` gives restricted wild cluster bootstrap
        p-values and intervals for every event time (shared draws).

    Raises
    ------
    DataError
        Missing or repeated columns, non-numeric outcome, missing or infinite values,
        duplicate unit-time rows, cohorts that are not periods or vary within a unit,
        periods of mixed kinds, negative weights.
    SpecError
        ``leads``/``lags`` not non-negative integers, or ``reference`` outside the window.
    NotEstimableError
        A constant outcome, a single period, fewer than 2 clusters, no treated unit,
        ``leads``/``lags`` beyond the observed event times, dummies collinear with the
        fixed effects (e.g. no never-treated units and no binning: bin an endpoint or
        exclude one more period; the message says so), or every standard error 0.

    Examples
    --------
    >>> from effekt.estimators import event_study
    >>> from effekt.synthetic.examples import staggered_panel
    >>> df = staggered_panel(n_units=30, periods=6, cohorts=(4,), effect=1.0)
    >>> res = event_study(df, outcome="y", unit="id", time="t", cohort="g")
    >>> res.to_frame()["event_time"].tolist()
    [-3, -2, -1, 0, 1, 2]
    >>> cr2 = event_study(df, outcome="y", unit="id", time="t", cohort="g", se="CR2")
    >>> cr2.to_frame()["df"].round(1).isna().tolist()
    [False, False, True, False, False, False]
    """
    check_choice("se", se, Literal["CR1", "CR2"])
    cluster = validate(df, outcome=outcome, unit=unit, time=time, cluster=cluster,
                       weights=weights, extra=[cohort], panel=True)
    if not isinstance(reference, int | np.integer) or isinstance(reference, bool):
        raise SpecError(f"reference must be an integer event time, got {reference!r}.")
    e = event_times(df, time, cohort, unit)
    treated_rows = ~np.isnan(e)
    if not treated_rows.any():
        raise NotEstimableError(f"cohort={cohort!r}: no unit is ever treated.")
    e_min, e_max = int(np.nanmin(e)), int(np.nanmax(e))
    leads = -e_min if leads is None else check_positive_int("leads", leads, minimum=0)
    lags = e_max if lags is None else check_positive_int("lags", lags, minimum=0)
    beyond = [f"{name}={v} (observed {lim})" for name, v, lim in
              (("leads", leads, max(-e_min, 0)), ("lags", lags, max(e_max, 0))) if v > lim]
    if beyond:
        raise NotEstimableError(
            f"{' and '.join(beyond)} reach beyond the observed event times ({e_min}..{e_max}); "
            "no observations there: narrow leads/lags to observed ones."
        )
    if not -leads <= reference <= lags:
        raise SpecError(
            f"reference={reference} lies outside the event-time window [{-leads}, {lags}]; "
            "choose a reference inside it or widen leads/lags."
        )
    binned = np.clip(e, -leads, lags)
    keep = [k for k in range(-leads, lags + 1) if k != reference]
    exog = {f"e{k}": (treated_rows & (binned == k)).astype(float) for k in keep}
    empty = [k for k in keep if not exog[f"e{k}"].any()]
    if empty:
        raise NotEstimableError(
            f"no observations at event time(s) {empty}; narrow leads/lags to observed ones "
            f"(observed {e_min}..{e_max})."
        )
    n_cohorts = int(pd.Series(df[cohort].to_numpy()[treated_rows]).nunique())
    _warn_staggered(n_cohorts, "event_study")
    reason = ""
    if treated_rows.all():
        reason = (f"there is no never-treated unit (cohort 0 or missing in {cohort!r}); with "
                  "every unit treated eventually, unit and period effects and the event-time "
                  "dummies are collinear unless an end of the window is binned (pass "
                  "leads= or lags= inside the observed event times) or never-treated units "
                  "are added.")
    coef, cov, nobs, wild = two_way_fit(
        df, outcome=outcome, unit=unit, time=time, exog=exog, cluster=cluster, weights=weights,
        reason=reason, se=se,
    )
    check_standard_error(np.sqrt(np.diag(cov.vcov)), df[outcome],
                         what=f"event_study on {outcome!r}", every=True)
    est = dict(zip(keep, coef, strict=True))
    se = dict(zip(keep, np.sqrt(np.diag(cov.vcov)), strict=True))
    grid = np.arange(-leads, lags + 1)
    # the covariance over the whole grid; the reference row and column are NaN (not estimated)
    pos = np.searchsorted(grid, keep)
    covariance = np.full((grid.size, grid.size), np.nan)
    covariance[np.ix_(pos, pos)] = cov.vcov
    dof: int | np.ndarray = cov.df
    if cov.coef_df is not None:
        dof = np.full(grid.size, np.nan)
        dof[pos] = cov.coef_df
    return EventStudyResult(
        outcome=outcome,
        event_time=grid,
        estimate=np.array([est.get(int(k), 0.0) for k in grid]),
        std_error=np.array([se.get(int(k), np.nan) for k in grid]),
        covariance=covariance,
        reference=int(reference),
        leads=int(leads),
        lags=int(lags),
        binned_lower=bool(np.nanmin(e) < -leads),
        binned_upper=bool(np.nanmax(e) > lags),
        df=dof,
        df_method="G-1" if cov.coef_df is None else "Satterthwaite",
        nobs=nobs,
        n_clusters=int(cov.n_clusters),
        cluster=cluster,
        n_cohorts=n_cohorts,
        estimand=(
            f"Dynamic TWFE coefficients: mean outcome difference at each event time relative "
            f"to event time {reference}, treated vs not-yet/never treated; effects by event "
            "time only if effects are homogeneous across cohorts"
        ),
        cov_note=f"{cov.note} ({_FE_NOTE})",
        _refit=Refit(event_study, df, dict(outcome=outcome, unit=unit, time=time,
                                           cohort=cohort, leads=leads, lags=lags,
                                           reference=reference, cluster=cluster,
                                           weights=weights)),
        _wild_data=wild,
    )
