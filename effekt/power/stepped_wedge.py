"""The stepped wedge: Hussey & Hughes (2007), for any cluster-by-period treatment design.

Hussey, M. A. and Hughes, J. P. (2007), "Design and analysis of stepped wedge cluster
randomized trials", *Contemporary Clinical Trials* 28(2), 182-191: the closed form
(their eq. 8) of the variance of the GLS estimator of a cross-sectional design with
cluster random effects and period fixed effects, and the MDE from it (with Bloom's
multiplier, :func:`~effekt.power.mde_multiplier`). Pure numerics, no data.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from effekt._checks import check_choice, check_integer, check_number
from effekt.errors import SpecError
from effekt.power.analytic import ALPHA, POWER, mde_multiplier

__all__ = ["ClusterEffects", "mde_stepped_wedge", "stepped_wedge_design",
           "stepped_wedge_variance"]

ClusterEffects = Literal["random", "fixed"]
"""Cluster random effects (Hussey & Hughes' GLS) or fixed cluster effects (TWFE)."""


def _r2(name: str, value: Any) -> float:
    return float(check_number(name, value, low=0, high=1, high_open=True))


def stepped_wedge_design(n_clusters: int, steps: int, *, baseline_periods: int = 1
                         ) -> np.ndarray:
    """Return the treatment matrix of a standard stepped-wedge design (clusters × periods).

    ``baseline_periods`` periods with no cluster treated, then ``steps`` periods at each of
    which the next group of clusters starts, so ``baseline_periods + steps`` periods; the
    clusters are split into ``steps`` groups as evenly as possible (earlier groups larger).
    Row ``i`` is cluster ``i``'s 0/1 treatment by period (Hussey & Hughes 2007, Fig. 1).

    Examples
    --------
    >>> stepped_wedge_design(4, 2).tolist()
    [[0, 1, 1], [0, 1, 1], [0, 0, 1], [0, 0, 1]]
    """
    g = check_integer("n_clusters", n_clusters, minimum=2)
    s = check_integer("steps", steps, minimum=1)
    b = check_integer("baseline_periods", baseline_periods, minimum=1)
    if s > g:
        raise SpecError(f"steps={s} is more than n_clusters={g}: every step needs a cluster.")
    start = np.concatenate([np.full(len(part), k) for k, part in
                            enumerate(np.array_split(np.arange(g), s))]) + b
    return (np.arange(b + s)[None, :] >= start[:, None]).astype(int)


def _design(design: Any) -> np.ndarray:
    x = np.asarray(design)
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 1 or not np.isin(x, (0, 1)).all():
        raise SpecError("design must be a 0/1 matrix of clusters (rows, at least 2) by "
                        f"periods (columns, at least 1); got shape {x.shape}. Build one "
                        "with stepped_wedge_design.")
    return x.astype(float)


def stepped_wedge_variance(design: Any, *, cluster_size: float, icc: float,
                           sd: float = 1.0, cluster_effects: ClusterEffects = "random"
                           ) -> float:
    """Return Var(θ̂) of Hussey & Hughes (2007) for a cluster-by-period treatment design.

    The model of the cluster-period means is ``Ȳ_jt = μ + α_j + β_t + X_jt θ + ē_jt`` with
    cluster random effects ``α_j ~ N(0, τ²)``, period fixed effects ``β_t`` and
    ``ē_jt ~ N(0, σ²/n)`` (a cross-sectional design: ``n`` new individuals per cluster and
    period). With ``I`` clusters, ``T`` periods, ``U = Σ X``, ``W = Σ_t (Σ_j X_jt)²`` and
    ``V = Σ_j (Σ_t X_jt)²``, the variance of the GLS estimator is (their eq. 8)::

        I s² (s² + T τ²) / ((I U - W) s² + (U² + I T U - T W - I V) τ²),   s² = σ²/n

    Here ``τ² = icc × sd²`` and ``σ² = (1 - icc) × sd²``. The formula holds for any 0/1
    design, a parallel cluster-randomised one with baseline periods among them.

    With ``cluster_effects="fixed"`` the variance is that of least squares with cluster
    and period fixed effects, the limit ``τ² → ∞`` of the formula,
    ``I T s² / (U² + I T U - T W - I V)``: the estimator of
    :func:`~effekt.estimators.twfe` on such data (the unit effects of a panel of units
    nested in clusters give the same coefficient), which leaves the between-cluster
    information unused.

    Parameters
    ----------
    design : array-like
        0/1 matrix, clusters × periods (:func:`stepped_wedge_design`).
    cluster_size : float
        Individuals per cluster and period (``n``).
    icc : float
        Intraclass correlation, in [0, 1).
    sd : float
        Total standard deviation of an individual's outcome.
    cluster_effects : {"random", "fixed"}
        Hussey & Hughes' GLS with cluster random effects, or fixed cluster effects.

    Returns
    -------
    float

    Raises
    ------
    SpecError
        A design that is not a 0/1 matrix, or one in which θ is not identified (the
        treatment is collinear with the cluster and period effects).

    Examples
    --------
    >>> v = stepped_wedge_variance(stepped_wedge_design(12, 4), cluster_size=20, icc=0.05)
    >>> round(v, 5)
    0.00954
    """
    x = _design(design)
    check_choice("cluster_effects", cluster_effects, ClusterEffects)
    size = float(check_number("cluster_size", cluster_size, low=1))
    rho = _r2("icc", icc)
    sd = float(check_number("sd", sd, low=0, low_open=True))
    n_i, n_t = x.shape
    tau2, s2 = rho * sd**2, (1 - rho) * sd**2 / size
    u = x.sum()
    w = float((x.sum(axis=0) ** 2).sum())
    v = float((x.sum(axis=1) ** 2).sum())
    between = u**2 + n_i * n_t * u - n_t * w - n_i * v
    if cluster_effects == "fixed":
        num, denom, scale = n_i * n_t * s2, between, 1.0
    else:
        num, denom = n_i * s2 * (s2 + n_t * tau2), (n_i * u - w) * s2 + between * tau2
        scale = max(s2, tau2)
    if not denom > 1e-12 * n_i * n_t * scale * max(u, 1.0):
        raise SpecError("design does not identify the treatment effect: the treatment is "
                        "collinear with the cluster and period effects (e.g. every cluster "
                        "switches in the same period, or none ever does).")
    return float(num / denom)


def mde_stepped_wedge(design: Any, *, cluster_size: float, icc: float, sd: float = 1.0,
                      cluster_effects: ClusterEffects = "random", alpha: float = ALPHA,
                      power: float = POWER, df: float | None = None) -> float:
    """Return the MDE of a stepped-wedge (or any cluster-by-period) design.

    ``M × sqrt(stepped_wedge_variance(...))``; Hussey & Hughes (2007) use the normal
    quantiles (``df=None``, the default). With few clusters give ``df`` (e.g. the number
    of clusters minus 2) for a more cautious MDE.

    Parameters
    ----------
    design : array-like
        0/1 matrix, clusters × periods.
    cluster_size : float
        Individuals per cluster and period.
    icc : float
        Intraclass correlation, in [0, 1).
    sd : float
        Total standard deviation of the outcome.
    cluster_effects : {"random", "fixed"}
        As in :func:`stepped_wedge_variance`.
    alpha, power : float
        Level of the two-sided test and power.
    df : float, optional
        Degrees of freedom of the multiplier (normal when omitted).

    Returns
    -------
    float

    Examples
    --------
    >>> round(mde_stepped_wedge(stepped_wedge_design(12, 4), cluster_size=20, icc=0.05), 3)
    0.274
    """
    var = stepped_wedge_variance(design, cluster_size=cluster_size, icc=icc, sd=sd,
                                 cluster_effects=cluster_effects)
    return mde_multiplier(alpha=alpha, power=power, df=df) * float(np.sqrt(var))
