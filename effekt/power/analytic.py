"""Analytic minimum detectable effects and power: Bloom (1995, 2005), Hussey & Hughes (2007).

Pure numerics, no data. The minimum detectable effect (MDE) of an estimator with standard
error ``SE`` is the true effect a two-sided test at level ``alpha`` rejects with probability
``power``:

    MDE = M × SE,   M = t_{1-alpha/2, df} + t_{power, df}

(Bloom 1995, "Minimum detectable effects: a simple way to report the statistical power of
experimental designs", *Evaluation Review* 19(5), 547-556). ``df=None`` takes the normal
quantiles (M = 2.80 at the defaults); with ``df`` Student's t, as Bloom does, which is the
honest choice with few clusters (``df = G - 2`` for ``G`` randomised clusters). The power
at an effect is the inverse, ``Φ_df(|effect|/SE - t_{1-alpha/2, df})`` (the far tail is
ignored, as in Bloom's multiplier).

The designs here give the ``SE`` from the design's size and variance components:

- :func:`mde_individually_randomised` and :func:`mde_cluster_randomised`: Bloom (2005,
  "Randomizing groups to evaluate place-based programs", in *Learning More from Social
  Experiments*, ch. 4) and Bloom, Richburg-Hayes & Black (2007, *Educational Evaluation
  and Policy Analysis* 29(1), 30-59), with the intraclass correlation and the R² of
  covariates at each level;
- :func:`mde_2x2`: the 2×2 difference in differences of cluster means, with the variance
  components of :class:`~effekt.power.SyntheticDesign`;
- the stepped wedge of Hussey & Hughes (2007) is in :mod:`effekt.power.stepped_wedge`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

from effekt._checks import check_integer, check_number
from effekt.errors import SpecError

__all__ = [
    "mde_2x2",
    "mde_cluster_randomised",
    "mde_from_se",
    "mde_individually_randomised",
    "mde_multiplier",
    "power_from_se",
]

ALPHA, POWER = 0.05, 0.8


def _open_unit(name: str, value: Any) -> float:
    """Check a probability strictly between 0 and 1 (alpha, power, a share)."""
    return float(check_number(name, value, low=0, high=1, low_open=True, high_open=True))


def _df(df: Any) -> float | None:
    if df is None:
        return None
    return float(check_number("df", df, low=0, low_open=True))


def _quantile(q: float, df: float | None) -> float:
    return float(stats.norm.ppf(q) if df is None else stats.t.ppf(q, df))


def mde_multiplier(*, alpha: float = ALPHA, power: float = POWER,
                   df: float | None = None) -> float:
    """Return Bloom's multiplier ``M = t_{1-alpha/2, df} + t_{power, df}`` (two-sided test).

    Parameters
    ----------
    alpha : float
        Level of the two-sided test, in (0, 1).
    power : float
        Power, in (0, 1); it must exceed ``alpha / 2`` (else no positive effect has it).
    df : float, optional
        Degrees of freedom of the t reference distribution; normal when omitted.

    Returns
    -------
    float

    Raises
    ------
    SpecError
        ``alpha`` or ``power`` outside (0, 1), ``power <= alpha / 2``, or ``df <= 0``.

    Examples
    --------
    >>> round(mde_multiplier(), 3), round(mde_multiplier(df=18), 3)
    (2.802, 2.963)
    """
    alpha = _open_unit("alpha", alpha)
    power = _open_unit("power", power)
    df = _df(df)
    m = _quantile(1 - alpha / 2, df) + _quantile(power, df)
    if not m > 0:
        raise SpecError(f"power={power!r} is not allowed with alpha={alpha!r}: a two-sided "
                        "test at level alpha has power above alpha/2 at any effect; ask for "
                        "power > alpha/2 (e.g. 0.8).")
    return m


def mde_from_se(std_error: float, *, df: float | None = None, alpha: float = ALPHA,
                power: float = POWER) -> float:
    """Return the minimum detectable effect of an estimate with standard error ``std_error``.

    ``MDE = (t_{1-alpha/2, df} + t_{power, df}) × SE`` (Bloom 1995): 2.80 × SE with the
    normal quantiles (``df=None``), more with ``df``, e.g. the ``G - 1`` (CR1) or
    Satterthwaite (CR2) degrees of freedom of a cluster-robust standard error.

    Parameters
    ----------
    std_error : float
        The standard error of the estimator, > 0.
    df : float, optional
        Degrees of freedom of its t reference distribution; normal when omitted.
    alpha, power : float
        Level of the two-sided test and the power, each in (0, 1).

    Returns
    -------
    float

    Raises
    ------
    SpecError
        A standard error that is not a positive finite number, or a bad ``alpha``,
        ``power`` or ``df``.

    Examples
    --------
    >>> round(mde_from_se(1.0), 3), round(mde_from_se(1.0, df=9), 3)
    (2.802, 3.146)
    """
    se = float(check_number("std_error", std_error, low=0, low_open=True))
    return mde_multiplier(alpha=alpha, power=power, df=df) * se


def power_from_se(effect: float, std_error: float, *, df: float | None = None,
                  alpha: float = ALPHA) -> float:
    """Return the power of a two-sided test at ``effect``: ``Φ_df(|effect|/SE - t_{1-alpha/2})``.

    The inverse of :func:`mde_from_se` (Bloom 1995): the far tail, which adds less than
    ``alpha / 2``, is ignored, so ``power_from_se(mde_from_se(se), se)`` is 0.8.

    Parameters
    ----------
    effect : float
        The true effect, in the outcome's unit.
    std_error : float
        The standard error of the estimator, > 0.
    df : float, optional
        Degrees of freedom (normal when omitted).
    alpha : float
        Level of the test, in (0, 1).

    Returns
    -------
    float

    Examples
    --------
    >>> round(power_from_se(2.8016, 1.0), 3)
    0.8
    """
    effect = float(check_number("effect", effect))
    se = float(check_number("std_error", std_error, low=0, low_open=True))
    alpha = _open_unit("alpha", alpha)
    df = _df(df)
    z = abs(effect) / se - _quantile(1 - alpha / 2, df)
    return float(stats.norm.cdf(z) if df is None else stats.t.cdf(z, df))


def _r2(name: str, value: Any) -> float:
    return float(check_number(name, value, low=0, high=1, high_open=True))


def mde_individually_randomised(n: int, *, share_treated: float = 0.5, sd: float = 1.0,
                                r2: float = 0.0, n_covariates: int = 0,
                                alpha: float = ALPHA, power: float = POWER) -> float:
    """Return the MDE of an individually randomised experiment (Bloom 1995, 2005).

    ``MDE = M_{n-k-2} × sd × sqrt((1 - R²) / (P (1 - P) n))``, with ``P`` the share
    treated, ``R²`` the share of the outcome's variance the ``k`` covariates explain and
    ``M`` the t multiplier on ``n - k - 2`` degrees of freedom.

    Parameters
    ----------
    n : int
        Units randomised (at least ``n_covariates + 3``).
    share_treated : float
        Share of the units treated, in (0, 1).
    sd : float
        Standard deviation of the outcome (1 gives the MDE in standard deviations).
    r2 : float
        R² of the covariates, in [0, 1).
    n_covariates : int
        Covariates adjusted for (they cost degrees of freedom).
    alpha, power : float
        Level of the two-sided test and power.

    Returns
    -------
    float

    Examples
    --------
    >>> round(mde_individually_randomised(128), 3)   # Cohen (1988): d = 0.5 needs 64 per arm
    0.499
    """
    n = check_integer("n", n, minimum=1)
    k = check_integer("n_covariates", n_covariates, minimum=0)
    if n - k - 2 < 1:
        raise SpecError(f"n={n} is too small: the test has n - n_covariates - 2 = {n - k - 2} "
                        "degrees of freedom; give at least n_covariates + 3 units.")
    p = _open_unit("share_treated", share_treated)
    sd = float(check_number("sd", sd, low=0, low_open=True))
    r2 = _r2("r2", r2)
    se = sd * np.sqrt((1 - r2) / (p * (1 - p) * n))
    return mde_multiplier(alpha=alpha, power=power, df=n - k - 2) * float(se)


def _clusters(n_clusters: Any, share_treated: float, minimum_df: int, what: str) -> int:
    g = check_integer("n_clusters", n_clusters, minimum=1)
    treated = share_treated * g
    if g - minimum_df < 1 or treated < 1 - 1e-9 or g - treated < 1 - 1e-9:
        raise SpecError(
            f"n_clusters={g} is too few for {what}: it needs at least one treated and one "
            f"control cluster (share_treated={share_treated:g}) and at least one degree of "
            f"freedom (n_clusters - {minimum_df}); give more clusters.")
    return g


def mde_cluster_randomised(n_clusters: int, cluster_size: float, icc: float, *,
                           share_treated: float = 0.5, sd: float = 1.0,
                           r2_cluster: float = 0.0, r2_individual: float = 0.0,
                           n_covariates: int = 0, alpha: float = ALPHA, power: float = POWER,
                           df: float | None = None) -> float:
    """Return the MDE of a cluster-randomised experiment (Bloom 2005; Bloom et al. 2007).

    With ``J`` clusters of ``n`` units, a share ``P`` of the clusters treated and
    intraclass correlation ``ρ``::

        MDE = M_df × sd × sqrt(ρ (1 - R²_c) / (P (1-P) J) + (1 - ρ)(1 - R²_i) / (P (1-P) J n))

    ``R²_c`` and ``R²_i`` are the shares of the cluster-level and the individual-level
    variance that covariates explain; ``df = J - k - 2`` by default (``k`` cluster-level
    covariates), Bloom's choice for a regression on cluster means. Without covariates and
    with the normal multiplier this is the individually randomised MDE times the square
    root of the design effect ``1 + (n - 1) ρ`` (Donner & Klar 2000).

    Parameters
    ----------
    n_clusters : int
        Clusters randomised (``J``).
    cluster_size : float
        Units per cluster (``n``; the harmonic mean when sizes differ).
    icc : float
        Intraclass correlation of the outcome, in [0, 1).
    share_treated : float
        Share of the clusters treated, in (0, 1).
    sd : float
        Total standard deviation of the outcome.
    r2_cluster, r2_individual : float
        R² of covariates at the cluster and at the individual level, in [0, 1).
    n_covariates : int
        Cluster-level covariates (each costs a degree of freedom).
    alpha, power : float
        Level of the two-sided test and power.
    df : float, optional
        Degrees of freedom of the multiplier; ``J - n_covariates - 2`` when omitted.

    Returns
    -------
    float

    Raises
    ------
    SpecError
        Too few clusters (no degree of freedom, or no cluster in an arm), or a bad
        ``icc``, share, R², ``alpha`` or ``power``.

    Examples
    --------
    >>> round(mde_cluster_randomised(40, 20, 0.05), 3)
    0.284
    """
    p = _open_unit("share_treated", share_treated)
    k = check_integer("n_covariates", n_covariates, minimum=0)
    g = _clusters(n_clusters, p, k + 2, "a cluster-randomised design")
    size = float(check_number("cluster_size", cluster_size, low=1))
    rho = _r2("icc", icc)
    sd = float(check_number("sd", sd, low=0, low_open=True))
    r2c, r2i = _r2("r2_cluster", r2_cluster), _r2("r2_individual", r2_individual)
    var = (rho * (1 - r2c) + (1 - rho) * (1 - r2i) / size) / (p * (1 - p) * g)
    dof = g - k - 2 if df is None else df
    return mde_multiplier(alpha=alpha, power=power, df=dof) * sd * float(np.sqrt(var))


def mde_2x2(n_clusters: int, cluster_size: float, *, pre_periods: int = 1,
            post_periods: int = 1, share_treated: float = 0.5, sd: float = 1.0,
            icc: float = 0.0, cluster_period_share: float = 0.0, unit_share: float = 0.0,
            panel: bool = True,
            alpha: float = ALPHA, power: float = POWER, df: float | None = None) -> float:
    """Return the MDE of a 2×2 difference in differences with treatment by cluster.

    The outcome of unit ``i`` in cluster ``j`` at period ``t`` is, as in
    :class:`~effekt.power.SyntheticDesign`, ``c_j + s_jt + u_i + e_it`` plus period
    effects, with variances ``icc``, ``cluster_period_share``, ``unit_share`` and the
    rest of ``sd²``. The DiD of the means over ``T0`` pre and ``T1`` post periods cancels
    the cluster effect ``c_j`` (so a large ICC of levels costs nothing) and, in a panel,
    the unit effect ``u_i``; its variance is::

        (v_s + v_e / n) (1/T0 + 1/T1) / (P (1 - P) J)

    with ``v_s`` the cluster-period variance and ``v_e`` the idiosyncratic one (plus
    ``v_u`` when each period has new units: ``panel=False``). The OLS 2×2 of
    :func:`~effekt.estimators.did_2x2` on a balanced design is exactly this difference.
    ``df`` defaults to ``J - 2`` (Bloom); :func:`~effekt.estimators.did_2x2` tests with
    ``J - 1``.

    Parameters
    ----------
    n_clusters : int
        Clusters (``J``); with ``cluster_size=1`` the units themselves.
    cluster_size : float
        Units per cluster (``n``).
    pre_periods, post_periods : int
        Periods before (``T0``) and after (``T1``) the start.
    share_treated : float
        Share of the clusters treated, in (0, 1).
    sd : float
        Total standard deviation of the outcome.
    icc, cluster_period_share, unit_share : float
        Shares of ``sd²`` from the persistent cluster effect, from cluster-by-period
        shocks and from persistent unit effects (together < 1; the rest is
        idiosyncratic). The ICC of one period is ``icc + cluster_period_share``.
    panel : bool
        True when the same units are seen in every period; False for new units each
        period (repeated cross-sections).
    alpha, power : float
        Level of the two-sided test and power.
    df : float, optional
        Degrees of freedom of the multiplier; ``J - 2`` when omitted.

    Returns
    -------
    float

    Examples
    --------
    >>> round(mde_2x2(40, 10, unit_share=0.5), 3)   # the unit effect cancels in a panel
    0.288
    """
    p = _open_unit("share_treated", share_treated)
    g = _clusters(n_clusters, p, 2, "a 2x2 difference in differences")
    size = float(check_number("cluster_size", cluster_size, low=1))
    t0 = check_integer("pre_periods", pre_periods, minimum=1)
    t1 = check_integer("post_periods", post_periods, minimum=1)
    sd = float(check_number("sd", sd, low=0, low_open=True))
    vc = _r2("icc", icc)
    vs = _r2("cluster_period_share", cluster_period_share)
    vu = _r2("unit_share", unit_share)
    if vc + vs + vu >= 1:
        raise SpecError(f"icc + cluster_period_share + unit_share = {vc + vs + vu:g} must be "
                        "< 1 (the rest of the variance is idiosyncratic).")
    ve = 1 - vc - vs - vu + (0.0 if panel else vu)
    var = (vs + ve / size) * (1 / t0 + 1 / t1) / (p * (1 - p) * g)
    dof = g - 2 if df is None else df
    return mde_multiplier(alpha=alpha, power=power, df=dof) * sd * float(np.sqrt(var))
