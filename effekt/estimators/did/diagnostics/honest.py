"""HonestDiD: sensitivity of an event study to violations of parallel trends.

Rambachan & Roth (2023) replace "parallel trends holds" by "the violation ``delta`` of
parallel trends lies in a set ``Delta``" and give confidence sets for a post-treatment
effect that are valid uniformly over ``Delta``; how the sets widen as ``Delta`` grows is the
sensitivity analysis, and the smallest ``Delta`` whose set contains 0 is the *breakdown*.
Two restrictions, with the constructions that the HonestDiD R package uses by default:

* ``"relative_magnitude"``, ``Delta^RM(Mbar)``: each post-treatment violation between
  consecutive periods is at most ``Mbar`` times the largest pre-treatment one. The set is
  the union over where that largest pre-treatment violation lies and its sign; each piece is
  a polyhedron, tested with the **conditional least-favourable hybrid** ("C-LF") test of
  Andrews, Roth & Pakes (2023), and the confidence set is every ``theta`` that some piece
  accepts.
* ``"smoothness"``, ``Delta^SD(M)``: the slope of the violation changes by at most ``M``
  between consecutive periods (``M = 0``: a linear trend). The set is the optimal
  **fixed-length confidence interval** ("FLCI") of Armstrong & Kolesár (2018, 2020).

``method="Conditional"`` (ARP's conditional test without the hybrid) is available for both,
and ``"C-LF"`` for smoothness too.

References
----------
Rambachan, A. & Roth, J. (2023). A more credible approach to parallel trends. *Review of
Economic Studies* 90(5), 2555-2591.

Andrews, I., Roth, J. & Pakes, A. (2023). Inference for linear conditional moment
inequalities. *Review of Economic Studies* 90(6), 2763-2791.

Armstrong, T. B. & Kolesár, M. (2018). Optimal inference in a class of regression models.
*Econometrica* 86(2), 655-683.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from scipy import stats

from effekt._checks import check_choice, check_integer, check_number
from effekt.errors import DataError, NotEstimableError, SpecError
from effekt.estimators.did.classic_results import EventStudyResult
from effekt.estimators.did.diagnostics._inversion import (
    BISECT_STEPS,
    GRID_SE,
    breakdown_of,
    one_set,
)
from effekt.estimators.did.diagnostics.honest_results import HonestDiDResult
from effekt.estimators.did.staggered_results import AggregateResult

__all__ = ["HonestDiDResult", "Restriction", "SensitivityMethod", "honest_did",
           "honest_did_from_estimates"]

Restriction = Literal["relative_magnitude", "smoothness"]
SensitivityMethod = Literal["C-LF", "Conditional", "FLCI"]

_GRID_POINTS = 1000  # HonestDiD's gridPoints


def _floats(name: str, value: Any, error: type[Exception]) -> np.ndarray:
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise error(f"{name} must hold numbers, got {value!r}.") from None


def _check_inputs(betahat, sigma, num_pre):
    beta = _floats("betahat", betahat, DataError).ravel()
    cov = _floats("sigma", sigma, DataError)
    if beta.size < 2 or not np.all(np.isfinite(beta)):
        raise DataError(f"betahat must hold at least 2 finite numbers, got {betahat!r}.")
    if cov.shape != (beta.size, beta.size) or not np.all(np.isfinite(cov)):
        raise DataError(f"sigma must be a finite {beta.size} x {beta.size} covariance matrix "
                        f"(one row per betahat), got shape {cov.shape}.")
    if not np.allclose(cov, cov.T, rtol=1e-8, atol=1e-14 * max(np.abs(cov).max(), 1e-300)):
        raise DataError("sigma must be symmetric.")
    if np.linalg.eigvalsh(cov).min() < -1e-10 * max(np.abs(cov).max(), 1e-300):
        raise DataError("sigma must be positive semi-definite (it has a negative eigenvalue).")
    npre = check_integer("num_pre", num_pre, minimum=1, maximum=beta.size - 1)
    return beta, (cov + cov.T) / 2, npre


def honest_did_from_estimates(
    betahat: Sequence[float] | np.ndarray,
    sigma: Sequence[Sequence[float]] | np.ndarray,
    num_pre: int,
    restriction: Restriction = "relative_magnitude",
    m: Sequence[float] | None = None,
    e: int = 0,
    *,
    l_vec: Sequence[float] | None = None,
    alpha: float = 0.05,
    method: SensitivityMethod | None = None,
    grid_points: int = _GRID_POINTS,
    pre_event_times: Sequence[int] | None = None,
    post_event_times: Sequence[int] | None = None,
    refine_breakdown: bool = True,
) -> HonestDiDResult:
    """HonestDiD confidence sets from event-study coefficients and their covariance.

    The array form of :func:`honest_did` (as the R package's
    ``createSensitivityResults*``): ``betahat`` holds the ``num_pre`` pre-treatment
    coefficients, then the post-treatment ones, the reference period (the last before
    treatment, normalised to 0) left out.

    Parameters
    ----------
    betahat : array-like
        Event-study coefficients, pre-treatment first.
    sigma : array-like
        Their covariance.
    num_pre : int
        Number of pre-treatment coefficients.
    restriction : {"relative_magnitude", "smoothness"}
        ``Delta^RM(Mbar)`` or ``Delta^SD(M)``.
    m : sequence of float, optional
        Values of ``Mbar`` (``M``), each >= 0. Default: ``0.5, 1, 1.5, 2`` for relative
        magnitudes (HonestDiD's); for smoothness 10 values from 0 to the largest
        pre-treatment second difference plus ``z_{1 - alpha/2}`` times its standard error.
    e : int, default 0
        The post-treatment period of the parameter, counted from 0 (the first one).
    l_vec : sequence of float, optional
        Weights on the post-treatment coefficients (e.g. equal weights for the average
        effect); overrides ``e``.
    alpha : float, default 0.05
        One minus the confidence level.
    method : {"C-LF", "Conditional", "FLCI"}, optional
        Default ``"C-LF"`` for relative magnitudes and ``"FLCI"`` for smoothness (the R
        package's defaults). ``"FLCI"`` is not valid for relative magnitudes (not a convex
        set).
    grid_points : int, default 1000
        Grid of ``theta`` of the test inversion (C-LF, Conditional): the identified set
        plus and minus 20 standard errors; its two end points are refined by bisection.
    pre_event_times, post_event_times : sequence of int, optional
        Labels of the coefficients (default ``-num_pre - 1 .. -2`` and ``0, 1, ...``).
    refine_breakdown : bool, default True
        Refine the breakdown between grid values by bisection (``breakdown_value``; about
        20 further tests of theta = 0). False: ``breakdown_value`` is the grid's
        ``breakdown``.

    Returns
    -------
    HonestDiDResult
        One set per value of ``m`` (sorted, duplicates dropped). A set whose end is still
        accepted on a grid widened ``4**5`` times has that end at infinity; a set that no
        grid point enters is NaN.

    Raises
    ------
    DataError
        ``betahat``/``sigma`` of the wrong shape, not finite, or ``sigma`` not a covariance.
    SpecError
        A bad ``restriction``, ``method``, ``m``, ``e``, ``l_vec`` or ``alpha``.

    Notes
    -----
    Test inversion (C-LF, Conditional). The R package tests ``theta`` on 1000 points of
    ``[-20, 20]`` standard errors of the estimate and reports the lowest and highest
    accepted point; effekt tests 1000 points over the identified set plus and minus 20
    standard errors (widened when an end is accepted) and then finds each end by bisection
    between the last accepted and the first rejected point (40 steps), so its sets are the
    accepted region to below ``1e-10`` standard errors instead of to a grid spacing. On the
    R package's own grid, effekt's test gives the published bounds of the HonestDiD README
    (Medicaid example) to their printed digits; with the bisection they lie up to one grid
    spacing outside them. The least-favourable critical value of the hybrid (``kappa =
    alpha / 10``) is the quantile of 100000 draws with a fixed seed (R: 1000), so results
    are deterministic.

    ``breakdown`` is the first grid value whose set contains 0; ``breakdown_value`` refines
    it by bisection on ``m`` between that value and the grid value before it (20 steps,
    each testing ``theta = 0``, or for the FLCI checking that 0 lies in the interval).

    The FLCI is the exact optimum of Armstrong & Kolesár's problem (no grid): a quadratic
    programme for each bound on the worst-case bias, and a one-dimensional search over
    the bound.

    Examples
    --------
    >>> import numpy as np
    >>> from effekt.estimators import honest_did_from_estimates
    >>> beta = np.array([0.01, -0.01, 0.0, 1.0, 1.2])
    >>> res = honest_did_from_estimates(beta, np.eye(5) * 0.01, num_pre=3,
    ...                                 restriction="smoothness", m=[0, 0.1])
    >>> res.to_frame()["m"].tolist(), bool(res.ci_lower[0] > 0)
    ([0.0, 0.1], True)
    """
    beta, cov, npre = _check_inputs(betahat, sigma, num_pre)
    check_choice("restriction", restriction, Restriction)
    method = method or ("C-LF" if restriction == "relative_magnitude" else "FLCI")
    check_choice("method", method, SensitivityMethod)
    if method == "FLCI" and restriction == "relative_magnitude":
        raise SpecError("method='FLCI' is not available for restriction="
                        "'relative_magnitude' (Delta^RM is not convex); use 'C-LF' or "
                        "'Conditional'.")
    alpha = check_number("alpha", alpha, low=0, high=0.5, low_open=True, high_open=True)
    grid_points = check_integer("grid_points", grid_points, minimum=10)
    num_post = beta.size - npre
    if l_vec is None:
        e = check_integer("e", e, minimum=0, maximum=num_post - 1)
        weights = np.eye(num_post)[e]
    else:
        weights = _floats("l_vec", l_vec, SpecError).ravel()
        if weights.size != num_post or not np.all(np.isfinite(weights)) or not weights.any():
            raise SpecError(f"l_vec must hold {num_post} finite weights (one per "
                            f"post-treatment coefficient), not all 0; got {l_vec!r}.")
        parameter = ("a weighted sum of the post-treatment effects, weights "
                     f"{np.array2string(weights, precision=4, separator=', ')}")
    if m is None:
        m = _default_m(beta, cov, npre, restriction, alpha)
    grid = _floats("m", m, SpecError).ravel()
    if grid.size == 0 or not np.all(np.isfinite(grid)) or np.any(grid < 0):
        raise SpecError(f"m must be a non-empty sequence of finite numbers >= 0, got {m!r}.")
    grid = np.unique(grid)
    sets, idents = [], []
    for value in grid:
        ci, ident = one_set(beta, cov, npre, weights, restriction, method, float(value), alpha,
                             grid_points)
        sets.append(ci)
        idents.append(ident)
    lower, upper = (np.array(x, dtype=float) for x in zip(*sets, strict=True))
    symbol = "Mbar" if restriction == "relative_magnitude" else "M"
    args = (beta, cov, npre, weights, restriction, method)
    brk, brk_value, note = breakdown_of(args, grid, lower, upper, symbol, alpha,
                                        refine=refine_breakdown)
    est = float(weights @ beta[npre:])
    se = float(np.sqrt(weights @ cov[npre:, npre:] @ weights))
    z = float(stats.norm.ppf(1 - alpha / 2))
    pre = (np.arange(-npre - 1, -1) if pre_event_times is None
           else np.asarray(pre_event_times))
    post = np.arange(num_post) if post_event_times is None else np.asarray(post_event_times)
    if l_vec is None:
        parameter = f"the effect at post-treatment event time {int(post[e])}"
    if method == "FLCI":
        construction = (f"exact optimisation for each {symbol} (a convex programme for each "
                        "bias bound, then a one-dimensional search)")
    else:
        construction = (f"theta tested on a grid of {grid_points} points over the identified "
                        f"set +/- {GRID_SE} standard errors, both ends refined by bisection "
                        f"({BISECT_STEPS} steps); least-favourable critical value from 100000 "
                        "normal draws, seed 0 (2000 when the dual vertices are too many to "
                        "list and each draw is a linear programme)" if method == "C-LF" else
                        f"theta tested on a grid of {grid_points} points over the identified "
                        f"set +/- {GRID_SE} standard errors, both ends refined by bisection")
        if restriction == "relative_magnitude":
            construction += (f"; the union over the {2 * npre} pieces (location and sign of "
                             "the largest pre-treatment violation)")
    return HonestDiDResult(
        restriction=restriction, method=method, m=grid, ci_lower=lower, ci_upper=upper,
        id_lower=np.array([i[0] for i in idents]), id_upper=np.array([i[1] for i in idents]),
        original=(est - z * se, est + z * se), estimate=est, std_error=se, l_vec=weights,
        post_event_times=post, pre_event_times=pre, alpha=alpha, breakdown=brk,
        breakdown_value=brk_value, breakdown_note=note,
        parameter=parameter[0].upper() + parameter[1:], construction=construction,
    )


def _default_m(beta, cov, npre, restriction, alpha) -> np.ndarray:
    if restriction == "relative_magnitude":
        return np.array([0.5, 1.0, 1.5, 2.0])
    if npre < 2:
        raise SpecError("restriction='smoothness' with 1 pre-treatment coefficient: give m "
                        "explicitly (no pre-treatment second difference to scale it by).")
    path = np.r_[beta[:npre], 0.0]
    second = (np.eye(npre + 1)[2:] - 2 * np.eye(npre + 1)[1:-1] + np.eye(npre + 1)[:-2])
    jac = second[:, :npre]
    se = np.sqrt(np.clip(np.einsum("ij,jk,ik->i", jac, cov[:npre, :npre], jac), 0, None))
    top = float(np.max(np.abs(second @ path) + stats.norm.ppf(1 - alpha / 2) * se))
    return np.linspace(0.0, top, 10)


def _event_study_parts(result: Any):
    """Pre and post coefficients, their covariance and event times, the reference dropped."""
    if isinstance(result, AggregateResult):
        if result.kind != "dynamic":
            raise SpecError(f"result: an att_gt aggregation of kind {result.kind!r}; "
                            "honest_did needs aggregate('dynamic') (an event study).")
        times = np.asarray(result.labels, dtype=float)
        cov = None if result.covariance is None else np.asarray(result.covariance, dtype=float)
        est = np.asarray(result.estimate, dtype=float)
    elif isinstance(result, EventStudyResult):
        times = np.asarray(result.event_time, dtype=float)
        cov = np.asarray(result.covariance, dtype=float)
        est = np.asarray(result.estimate, dtype=float)
    else:
        raise SpecError(f"result must be an EventStudyResult (event_study) or a dynamic "
                        f"AggregateResult (att_gt(...).aggregate('dynamic')), got "
                        f"{type(result).__name__}.")
    if cov is None:
        raise NotEstimableError("result carries no covariance of its event-time estimates.")
    var = np.diag(cov)
    normalised = ~np.isfinite(var) | ((var == 0) & (est == 0))
    if not (normalised & (times == -1)).any():
        raise SpecError(
            "honest_did needs an event study normalised at event time -1 (the last period "
            "before treatment): " + ("use att_gt(..., base_period='universal')."
                                     if isinstance(result, AggregateResult)
                                     else "estimate event_study(..., reference=-1)."))
    keep = ~normalised
    times, est, cov = times[keep], est[keep], cov[np.ix_(keep, keep)]
    pre, post = times < 0, times >= 0
    if not pre.any() or not post.any():
        raise NotEstimableError(f"result has {int(pre.sum())} pre-treatment and "
                                f"{int(post.sum())} post-treatment estimates; honest_did "
                                "needs at least one of each.")
    return est, cov, int(pre.sum()), times[pre].astype(int), times[post].astype(int)


def honest_did(
    result: EventStudyResult | AggregateResult,
    restriction: Restriction = "relative_magnitude",
    m: Sequence[float] | None = None,
    e: int = 0,
    alpha: float = 0.05,
    method: SensitivityMethod | None = None,
    *,
    l_vec: Sequence[float] | None = None,
    grid_points: int = _GRID_POINTS,
) -> HonestDiDResult:
    """Sensitivity of an event-study effect to violations of parallel trends (HonestDiD).

    Confidence sets for the effect at post-treatment event time ``e`` (or the weighted sum
    ``l_vec`` of the post-treatment effects) that stay valid when parallel trends fail by at
    most ``m`` (Rambachan & Roth 2023). With ``restriction="relative_magnitude"`` a value
    ``Mbar`` allows post-treatment violations (between consecutive periods) up to ``Mbar``
    times the largest pre-treatment one; with ``"smoothness"`` a value ``M`` lets the
    slope of the violation change by up to ``M`` a period. The constructions are the
    HonestDiD R package's defaults: the conditional least-favourable hybrid test of Andrews,
    Roth & Pakes (2023) ("C-LF") for relative magnitudes and the optimal fixed-length
    interval (Armstrong & Kolesár 2018) for smoothness; see
    :mod:`effekt.estimators.did.diagnostics.honest`.

    Parameters
    ----------
    result : EventStudyResult or AggregateResult
        An event study normalised at event time -1: :func:`~effekt.estimators.event_study`
        (``reference=-1``) or ``att_gt(..., base_period="universal").aggregate("dynamic")``.
        The normalised row is dropped; the estimates at event times < 0 are the
        pre-treatment ones.
    restriction : {"relative_magnitude", "smoothness"}
        The restriction ``Delta``.
    m : sequence of float, optional
        Values of ``Mbar`` (``M``); defaults as in :func:`honest_did_from_estimates`.
    e : int, default 0
        Post-treatment event time of the parameter (0: the first treated period).
    alpha : float, default 0.05
        One minus the confidence level.
    method : {"C-LF", "Conditional", "FLCI"}, optional
        Default ``"C-LF"`` (relative magnitudes) or ``"FLCI"`` (smoothness).
    l_vec : sequence of float, optional
        Weights on the post-treatment event times (in order), overriding ``e``.
    grid_points : int, default 1000
        The grid of the test inversion.

    Returns
    -------
    HonestDiDResult
        ``to_frame()``: one row per ``m``; ``original``: the parallel-trends interval;
        ``breakdown``/``breakdown_value``: the smallest ``m`` whose set contains 0.

    Raises
    ------
    SpecError
        A result that is not an event study normalised at -1, or bad options.
    NotEstimableError
        No pre- or no post-treatment estimates, or no covariance.

    Examples
    --------
    >>> from effekt.estimators import event_study
    >>> from effekt.estimators import honest_did
    >>> from effekt.synthetic.examples import staggered_panel
    >>> df = staggered_panel(n_units=60, periods=6, cohorts=(4,), effect=1.0, seed=1)
    >>> es = event_study(df, outcome="y", unit="id", time="t", cohort="g")
    >>> rm = honest_did(es, m=[0.5, 1.0])
    >>> rm.to_frame()[["m", "method"]].values.tolist()
    [[0.5, 'C-LF'], [1.0, 'C-LF']]
    >>> bool(rm.ci_lower[0] <= rm.estimate <= rm.ci_upper[0])
    True
    >>> sd = honest_did(es, restriction="smoothness", m=[0.0, 0.1])
    >>> sd.method, bool(sd.ci_upper[1] - sd.ci_lower[1] >= sd.ci_upper[0] - sd.ci_lower[0])
    ('FLCI', True)
    """
    est, cov, npre, pre_times, post_times = _event_study_parts(result)
    if l_vec is None:
        e = check_integer("e", e)
        if e not in post_times:
            raise SpecError(f"e={e} is not a post-treatment event time of result; available: "
                            f"{post_times.tolist()}.")
        e_index = int(np.flatnonzero(post_times == e)[0])
    else:
        e_index = 0
    return honest_did_from_estimates(est, cov, npre, restriction, m, e_index, l_vec=l_vec,
                                     alpha=alpha, method=method, grid_points=grid_points,
                                     pre_event_times=pre_times, post_event_times=post_times)
