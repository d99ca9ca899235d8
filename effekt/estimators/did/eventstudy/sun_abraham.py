"""The interaction-weighted (IW) event study of Sun & Abraham (2021).

Under staggered adoption with effects that differ between cohorts, the coefficient of a
TWFE event study at one event time mixes the effects of other event times (Sun & Abraham
2021, Proposition 3). Their IW estimator avoids this in three steps:

1. the *saturated* regression ``y_it = a_i + l_t + sum_g sum_{e != ref} d(g, e) 1[G_i = g]
   1[t - g = e] (+ x_it'b) + u_it``, one coefficient per treated cohort ``g`` and event
   time ``e`` (the reference event time left out), with never-treated units (or the
   last-treated cohort) as the comparison whose interactions are all zero; each
   ``d(g, e)`` estimates the cohort effect ``CATT(g, e)``;
2. the cohort shares ``w(g, e) = n(g, e) / sum_g' n(g', e)`` among the treated cohorts
   observed at event time ``e`` (``n`` counting the cohort's rows there);
3. the IW estimate ``v(e) = sum_g w(g, e) d(g, e)``.

Reference
---------
Sun, L. & Abraham, S. (2021). Estimating dynamic treatment effects in event studies with
heterogeneous treatment effects. *Journal of Econometrics* 225(2), 175-199.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from effekt._checks import as_columns, check_choice, check_standard_error
from effekt._docs import fill_doc
from effekt.errors import EffektWarning, NotEstimableError, SpecError
from effekt.estimators.covariance import influence_vcov
from effekt.estimators.did._input import event_times, show, validate
from effekt.estimators.did.classic import two_way_fit
from effekt.estimators.did.eventstudy.sun_abraham_results import SunAbrahamResult
from effekt.estimators.wild import WildData
from effekt.results import effect_frame, labelled_vcov

__all__ = ["SunAbrahamControl", "SunAbrahamResult", "sun_abraham"]

SunAbrahamControl = Literal["never", "last"]

_ESTIMAND = ("interaction-weighted average of cohort-specific effects CATT(g,e) with "
             "cohort-share weights: at each event time e, the mean effect e periods after "
             "first treatment over the treated cohorts observed at e, each weighted by its "
             "share of them (relative to event time {ref})")


def _check_event_time(name: str, value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise SpecError(f"{name} must be an integer event time or None, got {value!r}.")
    return int(value)


def _sample(
    df: pd.DataFrame, *, time: str, cohort: str, unit: str, control: str,
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, str]:
    """Select the rows used; return them, their event times, which are treated, the words.

    Always-treated units (cohort at or before the first period: no untreated period) are
    left out with a warning. ``control="never"`` keeps every other row; ``"last"`` keeps
    the last-treated cohort as the comparison, drops the periods from its first treated
    period on and the never-treated units.
    """
    e = event_times(df, time, cohort, unit)
    never = np.isnan(e)
    periods = np.sort(pd.unique(df[time]))
    position = pd.Series(np.arange(len(periods)), index=periods)
    pos_t = position.loc[df[time].to_numpy()].to_numpy(dtype=float)
    pos_c = pos_t - e  # NaN for never treated
    always = ~never & (pos_c <= 0)
    if always.any():
        n_units = int(df.loc[always, unit].nunique())
        warnings.warn(
            f"sun_abraham: {n_units} unit(s) of cohort(s) "
            f"{show(sorted(pd.unique(df.loc[always, cohort]).tolist()))} are treated from "
            f"the first period {show(periods[:1])} on (always treated, no untreated period); "
            "they are left out (Sun & Abraham 2021 exclude them).",
            EffektWarning, stacklevel=3,
        )
    keep = ~always
    if not (keep & ~never).any():
        raise NotEstimableError(f"cohort={cohort!r}: no unit is ever treated after the first "
                                "period.")
    if control == "never":
        if not (keep & never).any():
            raise NotEstimableError(
                f"control='never' needs never-treated units (cohort 0 or missing in "
                f"{cohort!r}); there are none. Use control='last' to compare with the "
                "last-treated cohort (the periods from its treatment on are then dropped)."
            )
        words = "never-treated units"
        treated = ~never
    else:
        last = np.nanmax(pos_c[keep])
        first = periods[int(last)]  # the last cohort's first treated period
        keep &= ~never & (pos_t < last)
        treated = ~never & (pos_c < last)
        if not (keep & treated).any():
            raise NotEstimableError(
                f"control='last': there is one treated cohort ({show([first])}), which "
                "is then the comparison, so no cohort is left to estimate; use "
                "control='never' with never-treated units."
            )
        words = (f"the last-treated cohort ({cohort}={show([first])}); periods from "
                 f"{show([first])} on and never-treated units left out")
    return df[keep], e[keep], treated[keep], words


def _share_influence(
    cells: pd.DataFrame, cell_of_row: np.ndarray, row_e: np.ndarray, grid: np.ndarray,
    coef: np.ndarray,
) -> np.ndarray:
    """Row contributions to ``sum_g d(g, e) (w^(g, e) - w(g, e))`` for each event time.

    ``w(g, e) = n(g, e) / n(e)`` with counts of rows, so ``w^ - w`` is (to first order)
    the sum over rows of ``(1[row in (g, e)] - w(g, e) 1[row at e]) / n(e)``; the row's
    contribution at ``e`` is ``(d(g_row, e) - v(e)) / n(e)``.
    """
    psi = np.zeros((len(row_e), grid.size))
    n_e = cells.groupby("event_time")["n_treated"].sum()
    v = cells.assign(wd=cells["weight"] * coef).groupby("event_time")["wd"].sum()
    in_cell = cell_of_row >= 0
    for i, k in enumerate(grid):
        if k not in n_e.index:
            continue
        at = in_cell & (row_e == k)
        psi[at, i] = (coef[cell_of_row[at]] - v[k]) / n_e[k]
    return psi


@fill_doc
def sun_abraham(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    control: SunAbrahamControl = "never",
    covariates: str | Sequence[str] | None = None,
    cluster: str | None = None,
    min_e: int | None = None,
    max_e: int | None = None,
    reference: int = -1,
    *,
    share_variance: bool = True,
) -> SunAbrahamResult:
    """Estimate the Sun & Abraham (2021) interaction-weighted event study.

    Fits the saturated regression of ``outcome`` on unit and period fixed effects and one
    indicator per treated cohort and event time (cohort x relative period, the
    ``reference`` event time left out), by the exact within transformation and with the
    cluster-robust CR1 covariance of :func:`~effekt.estimators.did.classic.event_study`.
    Each coefficient estimates the cohort's effect ``CATT(g, e)``; the row for event time
    ``e`` is their average weighted by the cohort shares among the treated cohorts
    observed at ``e`` (Sun & Abraham 2021, sec. 4; see the module docstring). Unlike the
    TWFE event study, a row is not contaminated by the effects at other event times when
    effects differ between cohorts.

    Parameters
    ----------
    %(panel_columns)s
    cohort : str
        First treated period of the unit (a value of ``time``); 0 or missing for never
        treated. Constant within a unit. Units treated from the first period on (always
        treated) are left out with an :class:`~effekt.errors.EffektWarning`.
    control : {"never", "last"}
        The comparison cohort: ``"never"`` (default) the never-treated units;
        ``"last"`` the last-treated cohort, with the periods from its first treated
        period on and the never-treated units left out (Sun & Abraham 2021, sec. 4.1,
        for panels without never-treated units).
    covariates : str or sequence of str, optional
        Time-varying numeric controls added linearly to the saturated regression
        (time-invariant ones are absorbed by the unit effects and refused as collinear).
    cluster : str, optional
        Column to cluster on; defaults to ``unit``.
    min_e, max_e : int, optional
        The event times reported (and averaged by :meth:`~SunAbrahamResult.average`).
        The regression is always saturated (every cohort x event time but the reference
        gets its own coefficient, nothing is binned or trimmed), so these only select
        rows. Default: every estimated event time.
    reference : int, default -1
        The event time left out of the regression (each cohort's effects are relative to
        it). Every treated cohort must be observed there.
    share_variance : bool, default True
        ``True``: the sampling variance of the estimated cohort shares (and their
        covariance with the coefficients) is added by the delta method, as Sun & Abraham's
        (2021) asymptotic variance does; see Notes. ``False``: the shares are held fixed,
        ``V = A V_d A'`` (as pyfixest's ``SaturatedEventStudy.aggregate`` and fixest's
        ``sunab`` aggregation), which understates the uncertainty where cohorts' effects
        differ (a unit bootstrap's SD 0.0985 against 0.0979 with the shares' variance and
        0.0758 without, in the tests' heterogeneous panel).

    Returns
    -------
    SunAbrahamResult
        Rows by event time with the reference row (estimate 0, SE NaN); ``vcov`` labelled
        by event time; ``average()`` the mean over post-treatment event times with its
        delta-method SE; ``cohort_effects`` the ``CATT(g, e)`` with their weights,
        ``cohort_vcov`` their covariance.

    Raises
    ------
    DataError
        Missing or repeated columns, a non-numeric outcome or covariate, missing or
        infinite values, duplicate unit-period rows, cohorts that are not periods or vary
        within a unit.
    SpecError
        An unknown ``control``; ``min_e``, ``max_e`` or ``reference`` not integers; a
        window with no estimated event time.
    NotEstimableError
        A constant outcome, a single period, fewer than 2 clusters, no treated unit;
        ``control="never"`` without never-treated units (use ``"last"``), ``"last"`` with
        one treated cohort; a treated cohort not observed at ``reference``; covariates
        collinear with the fixed effects.

    Notes
    -----
    Event times count positions of the sorted distinct values of ``time`` (as
    :func:`~effekt.estimators.did.classic.event_study`). Unbalanced panels need nothing
    special: the two-way within transformation is exact for them, and ``n(g, e)`` counts
    the rows of cohort ``g`` observed at ``e``.

    The covariance of the cohort effects is CR1, ``G/(G-1) * (N-1)/(N-K)`` with K the
    non-absorbed regressors (the convention of effekt's TWFE estimators and
    linearmodels). pyfixest 0.60 (``CRV1``, ``k_fixef="nonnested"``) also counts the
    ``T`` period effects in K, so its standard errors are larger by the factor
    ``sqrt((N-K)/(N-K-T))`` (1.0010 on ``mpdta``); the tests check the estimates against
    pyfixest to 1e-6 and the standard errors to 1e-6 relative after that factor
    (measured: 4e-13 and 4e-12) with ``share_variance=False``. Holding the shares fixed
    understates the sampling variance when the cohort shares themselves
    are random: on a panel with effects that differ between cohorts the tests find a
    unit bootstrap's standard deviation near the ``share_variance=True`` standard error
    and above the fixed-share one. With ``share_variance=True`` it
    is ``c * sum_g psi_g psi_g'`` (c the CR1 factor) where the influence of cluster ``g``
    on ``v(e)`` is ``sum_k w(k, e) phi_g(k, e) + sum_{rows of g at e} (d(k_row, e) -
    v(e)) / n(e)``, ``phi_g = (X'X)^-1 X_g'u_g`` the coefficients' influence: the first
    term alone reproduces ``A V_d A'``, the second is the shares' estimation error
    (first-order, with its covariance with the coefficients). Inference uses t with
    ``G - 1`` degrees of freedom (pyfixest's aggregate uses the normal).

    Examples
    --------
    >>> from effekt.estimators import sun_abraham
    >>> from effekt.synthetic.examples import staggered_panel
    >>> df = staggered_panel(n_units=200, periods=6, cohorts=(3, 5), effect=1.0)
    >>> res = sun_abraham(df, outcome="y", unit="id", time="t", cohort="g")
    >>> res.to_frame()["event_time"].tolist()
    [-4, -3, -2, -1, 0, 1, 2, 3]
    >>> res.cohort_effects.groupby("event_time")["weight"].sum().round(12).unique().tolist()
    [1.0]
    >>> est, se = res.average()
    >>> bool(abs(est - 1.0) < 4 * se)
    True
    """
    check_choice("control", control, SunAbrahamControl)
    if not isinstance(share_variance, bool):
        raise SpecError(f"share_variance must be True or False, got {share_variance!r}.")
    covs = as_columns("covariates", covariates)
    cluster = validate(df, outcome=outcome, unit=unit, time=time, covariates=covs,
                       cluster=cluster, weights=None, extra=[cohort], panel=True)
    if isinstance(reference, bool) or not isinstance(reference, int | np.integer):
        raise SpecError(f"reference must be an integer event time, got {reference!r}.")
    reference = int(reference)
    min_e, max_e = _check_event_time("min_e", min_e), _check_event_time("max_e", max_e)
    data, e, treated, control_words = _sample(df, time=time, cohort=cohort, unit=unit,
                                              control=control)
    g = data[cohort].to_numpy()
    treated_e = np.where(treated, e, np.nan)
    unseen = sorted(set(pd.unique(g[treated]).tolist())
                    - set(pd.unique(g[treated & (treated_e == reference)]).tolist()))
    if unseen:
        raise NotEstimableError(
            f"reference={reference}: treated cohort(s) {show(unseen)} have no row at event "
            f"time {reference}, so their effects are collinear with the unit effects; "
            "choose a reference every cohort is observed at (e.g. -1)."
        )
    # the cells: treated cohort x event time, the reference left out, sorted
    estimated = treated & (treated_e != reference)
    cells = (pd.DataFrame({"cohort": g[estimated], "event_time": e[estimated].astype(int)})
             .value_counts(sort=False).rename("n_treated").reset_index()
             .sort_values(["cohort", "event_time"], kind="stable").reset_index(drop=True))
    cell_index = pd.MultiIndex.from_frame(cells[["cohort", "event_time"]])
    cell_of_row = np.full(len(data), -1)
    cell_of_row[estimated] = cell_index.get_indexer(
        pd.MultiIndex.from_arrays([g[estimated], e[estimated].astype(int)]))
    exog = {f"{c}:{k}": (cell_of_row == j).astype(float)
            for j, (c, k) in enumerate(zip(cells["cohort"], cells["event_time"], strict=True))}
    exog.update({c: data[c].to_numpy(dtype=float) for c in covs})
    coef, cov, nobs, wild = two_way_fit(
        data, outcome=outcome, unit=unit, time=time, exog=exog, cluster=cluster,
        weights=None,
        reason=("time-invariant covariates are absorbed by the unit effects" if covs
                else "each cohort needs untreated periods and a comparison cohort"),
    )
    n_cells = len(cells)
    cells["weight"] = cells["n_treated"] / cells.groupby("event_time")["n_treated"].transform(
        "sum")
    # the IW rows: A maps the cell coefficients to the event times of the grid
    grid = np.array(sorted(set(cells["event_time"]) | {reference}))
    A = np.zeros((grid.size, n_cells))
    A[np.searchsorted(grid, cells["event_time"].to_numpy()), np.arange(n_cells)] = \
        cells["weight"].to_numpy()
    v_cells = cov.vcov[:n_cells, :n_cells]
    if share_variance:
        covariance = _with_shares(wild, coef, A, cells, cell_of_row, e, grid)
    else:
        covariance = A @ v_cells @ A.T
    is_ref = grid == reference
    covariance[is_ref, :] = np.nan
    covariance[:, is_ref] = np.nan
    estimate = A @ coef[:n_cells]
    std_error = np.sqrt(np.diag(covariance))
    check_standard_error(std_error[~is_ref], data[outcome],
                         what=f"sun_abraham on {outcome!r}", every=True)
    n_treated = np.array([int((treated & (e == k)).sum()) for k in grid])
    lo = grid.min() if min_e is None else min_e
    hi = grid.max() if max_e is None else max_e
    shown = (grid >= lo) & (grid <= hi)
    if not (shown & ~is_ref).any():
        raise SpecError(
            f"min_e={min_e}, max_e={max_e} select no estimated event time; estimated: "
            f"{grid[~is_ref].tolist()}."
        )
    cell_se = np.sqrt(np.diag(v_cells))
    cohort_effects = effect_frame(
        {"cohort": cells["cohort"].to_numpy(), "event_time": cells["event_time"].to_numpy()},
        coef[:n_cells], cell_se, df=cov.df,
        extra={"n_treated": cells["n_treated"].to_numpy(), "weight": cells["weight"]},
    )
    shares = ("; IW rows: cohort-share weighted sums, covariance by the delta method with "
              + ("the shares' estimation variance added" if share_variance
                 else "the shares held fixed"))
    return SunAbrahamResult(
        outcome=outcome,
        event_time=grid[shown],
        estimate=estimate[shown],
        std_error=std_error[shown],
        covariance=covariance[np.ix_(shown, shown)],
        reference=reference,
        leads=int(max(-grid[shown].min(), 0)),
        lags=int(max(grid[shown].max(), 0)),
        binned_lower=False,
        binned_upper=False,
        df=cov.df,
        nobs=nobs,
        n_clusters=int(cov.n_clusters),
        cluster=cluster,
        n_cohorts=int(cells["cohort"].nunique()),
        estimand=_ESTIMAND.format(ref=reference),
        cov_note=(f"{cov.note} (K counts the non-absorbed regressors: the fixed effects are "
                  f"not counted){shares}"),
        cohort_effects=cohort_effects,
        cohort_vcov=labelled_vcov(v_cells, cohort_effects, ["cohort", "event_time"]),
        n_treated=n_treated[shown],
        control=control,
        control_words=control_words,
        share_variance=share_variance,
    )


def _with_shares(
    wild: WildData, coef: np.ndarray, A: np.ndarray, cells: pd.DataFrame,
    cell_of_row: np.ndarray, e: np.ndarray, grid: np.ndarray,
) -> np.ndarray:
    """Covariance of the IW rows with the estimated shares' variance (Notes of sun_abraham).

    The coefficients' influence ``(X'X)^-1 x_i u_i`` of each row, mapped by ``A``, plus the
    shares' (:func:`_share_influence`); summed by cluster (:func:`influence_vcov`, no
    factor) and multiplied by the CR1 factor of the fit, so that without the shares' term
    it is ``A V_d A'`` exactly.
    """
    n_cells = A.shape[1]
    resid = wild.y - wild.X @ coef
    phi = np.linalg.solve(wild.X.T @ wild.X, (wild.X * resid[:, None]).T).T[:, :n_cells]
    psi = phi @ A.T + _share_influence(cells, cell_of_row, e, grid, coef[:n_cells])
    return wild.factor * influence_vcov(psi, wild.clusters, small_sample=False).vcov
