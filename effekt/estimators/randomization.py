"""Randomization inference for designs assigned by cluster (Fisher's exact test, re-estimated).

Under the *sharp null* of no effect for any unit, the outcomes would have been the same
under any other assignment of the treatment that the design could have produced. The
design here is the one of a cluster-assigned study: clusters (schools, kindergartens, NAV
offices, or the units themselves) are dealt to *waves* — treated or not, or the period
they adopt in a staggered rollout — with the number of clusters in each wave fixed. Every
such assignment is equally likely, so re-assigning the waves across the clusters, keeping
the number in each wave, and re-estimating gives the distribution of the estimate under
the null (Fisher 1935; Rosenbaum 2002, ch. 2; for cluster-assigned and staggered designs
Athey & Imbens 2017 and MacKinnon & Webb 2020). The two-sided p-value is the share of
assignments, the observed one included, whose estimate is at least as large in absolute
value as the observed one.

The number of distinct assignments is the multinomial coefficient
``G! / (n_1! ... n_K!)`` of ``G`` clusters in waves of ``n_1 .. n_K`` clusters (``G choose
G_1`` for treated and control). When it is at most ``n_perm`` every distinct assignment is
enumerated and the p-value is exact (the observed assignment is one of them) and does
not depend on the seed: ``p = #{|est*| >= |est|} / n_assignments``. Otherwise ``n_perm``
assignments are drawn at random (with replacement) and ``p = (1 + #{|est*| >= |est|}) /
(1 + n_perm)``, which is a valid p-value (Phipson & Smyth 2010). Ties: ``|est*|`` counts
as at least ``|est|`` when ``|est*| >= |est| * (1 - 1e-12)``, so the observed assignment
and assignments with the same estimate up to rounding are counted.

Re-estimation needs only the point estimate. For the linear estimators (``did_2x2``,
``twfe``, ``event_study``, ``rct``) the regressors that do not depend on the assignment
(intercept, period dummies, covariates, the two-way fixed effects) are partialled out once
from the outcome; by Frisch-Waugh-Lovell each assignment's coefficient is then
``(D~'W D~)^-1 D~'W y~`` with ``D~`` the partialled-out assignment regressors, computed for
blocks of assignments at once (the tests check it against a full re-estimation).
``att_gt`` is re-estimated in full for every assignment.

For the linear estimators the result also carries an interval: every constant additive
effect ``tau`` (the outcome of every treated observation shifted by ``tau``) that the
test does not reject at ``1 - level`` (:func:`invert_constant_effect`; Rosenbaum 2002,
sec. 2.6; Imbens & Rubin 2015, ch. 5). Each assignment's estimate is linear in ``tau``
there, so the interval is found exactly, not on a grid.

The test is exact for the *sharp* null whatever the number of clusters, their sizes or
the error distribution. Read as a test of a zero *average* effect, with effects that
vary or treated clusters of very different sizes, it need not keep its size (MacKinnon
& Webb 2020).

References
----------
Fisher, R. A. (1935). *The Design of Experiments*. Oliver and Boyd.
Rosenbaum, P. R. (2002). *Observational Studies*, 2nd ed., ch. 2. Springer.
Athey, S. and Imbens, G. W. (2017). The econometrics of randomized experiments. In
*Handbook of Economic Field Experiments* 1, 73-140.
MacKinnon, J. G. and Webb, M. D. (2020). Randomization inference for difference-in-
differences with few treated clusters. *Journal of Econometrics* 218(2), 435-450.
Imbens, G. W. and Rubin, D. B. (2015). *Causal Inference for Statistics, Social, and
Biomedical Sciences*, ch. 5. Cambridge University Press.
Phipson, B. and Smyth, G. K. (2010). Permutation p-values should never be zero.
*Statistical Applications in Genetics and Molecular Biology* 9(1), article 39.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from effekt._checks import check_level, check_positive_int, check_rng
from effekt.errors import DataError, EffektWarning, NotEstimableError
from effekt.estimators.randomization_results import RandomizationResult

__all__ = [
    "RandomizationResult",
    "Refit",
    "count_assignments",
    "draw_assignments",
    "enumerate_assignments",
    "invert_constant_effect",
    "permutation_p_value",
]

TIE_RTOL = 1e-12
"""Relative tolerance of ties: ``|est*|`` counts when ``|est*| >= |est| * (1 - TIE_RTOL)``."""

_BLOCK = 4_000_000  # floats per block of assignment regressors (about 32 MB)


@dataclass(frozen=True, eq=False, repr=False)
class Refit:
    """The estimator call behind a result: the function, its data and keyword arguments.

    Results keep this (a reference to ``data``, not a copy) so that a randomization test
    can re-estimate under other assignments. The test checks that the data still give the
    estimate of the result and raises a DataError if they were changed in between.
    """

    function: Callable[..., Any]
    data: pd.DataFrame = field(repr=False)
    arguments: dict[str, Any]


# --------------------------------------------------------------------------------------
# assignments: counting, enumerating, drawing; the p-value


def count_assignments(waves: Any) -> int:
    """Count the distinct assignments of clusters to waves keeping each wave's size.

    Parameters
    ----------
    waves : array-like
        The wave of each cluster (treated 0/1, or an adoption period).

    Returns
    -------
    int
        The multinomial coefficient ``G! / (n_1! ... n_K!)``.

    Examples
    --------
    >>> count_assignments([1, 1, 0, 0, 0]), count_assignments([0, 3, 3, 4, 4, 4])
    (10, 60)
    """
    _, counts = np.unique(np.asarray(waves), return_counts=True)
    total, left = 1, int(counts.sum())
    for n in counts:
        total *= math.comb(left, int(n))
        left -= int(n)
    return total


def enumerate_assignments(waves: Any) -> np.ndarray:
    """Every distinct assignment of the waves to the clusters, one per row.

    Parameters
    ----------
    waves : array-like, shape (G,)
        The observed wave of each cluster.

    Returns
    -------
    ndarray, shape (count_assignments(waves), G)
        The rows are the distinct rearrangements of ``waves`` (the observed one among
        them), in a fixed order.

    Examples
    --------
    >>> enumerate_assignments([0, 1, 1]).tolist()
    [[0, 1, 1], [1, 0, 1], [1, 1, 0]]
    """
    waves = np.asarray(waves)
    labels, code = np.unique(waves, return_inverse=True)
    counts = np.bincount(code.ravel(), minlength=labels.size)
    rows: list[np.ndarray] = []
    current = np.empty(waves.size, dtype=np.int64)

    def fill(free: tuple[int, ...], k: int) -> None:
        if k == labels.size - 1:
            current[list(free)] = k
            rows.append(current.copy())
            return
        for chosen in combinations(free, int(counts[k])):
            current[list(chosen)] = k
            taken = set(chosen)
            fill(tuple(i for i in free if i not in taken), k + 1)

    fill(tuple(range(waves.size)), 0)
    return labels[np.array(rows, dtype=np.int64)]


def draw_assignments(waves: Any, n: int, seed: int | np.random.Generator | None) -> np.ndarray:
    """Draw ``n`` random assignments (each a random rearrangement of ``waves``).

    Examples
    --------
    >>> a = draw_assignments([0, 0, 1, 1, 2], 4, seed=1)
    >>> a.shape, bool((np.sort(a, axis=1) == [0, 0, 1, 1, 2]).all())
    ((4, 5), True)
    """
    rng = check_rng(seed)
    return rng.permuted(np.tile(np.asarray(waves), (int(n), 1)), axis=1)


def permutation_p_value(observed: float, null: Any, *, enumerated: bool) -> float:
    """Two-sided permutation p-value: the share of assignments with ``|est*| >= |est|``.

    ``enumerated=True``: ``null`` holds every assignment, the observed one included, and
    ``p = #{|est*| >= |est|} / len(null)``. ``enumerated=False``: ``null`` holds random
    draws and the observed assignment is counted once more, ``p = (1 + #{...}) / (1 +
    len(null))``. Non-finite entries of ``null`` are left out. Ties within
    :data:`TIE_RTOL` (relative) count as ``>=``.

    Examples
    --------
    >>> permutation_p_value(2.0, [-3.0, 2.0, 1.0, 0.5], enumerated=True)
    0.5
    >>> permutation_p_value(2.0, [-3.0, 1.0, 0.5], enumerated=False)
    0.5
    """
    null = np.asarray(null, dtype=float)
    null = null[np.isfinite(null)]
    hits = int(np.sum(np.abs(null) >= abs(observed) * (1 - TIE_RTOL)))
    if enumerated:
        return hits / null.size if null.size else float("nan")
    return (1 + hits) / (1 + null.size)


# --------------------------------------------------------------------------------------
# partialling out the fixed regressors, and the coefficients of many assignments at once


def linear_partial(fixed: np.ndarray, w: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """Residual maker of weighted least squares on the columns ``fixed``."""
    fw = fixed * w[:, None]
    gram_inv = np.linalg.pinv(fixed.T @ fw)
    return lambda v: v - fixed @ (gram_inv @ (fw.T @ v))


def two_way_partial(unit: np.ndarray, time: np.ndarray,
                    w: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """Residual maker of weighted least squares on unit and period effects (exact).

    The algebra of :func:`effekt.estimators._linalg.demean_two_way` (sweep out unit means,
    then solve the period effects' normal equations), with sparse indicator matrices so
    that thousands of columns are transformed at once.
    """
    n = unit.size
    n_u, n_t = int(unit.max()) + 1, int(time.max()) + 1
    u_w = sparse.csr_matrix((w, (unit, np.arange(n))), shape=(n_u, n))
    t_w = sparse.csr_matrix((w, (time, np.arange(n))), shape=(n_t, n))
    w_unit = np.asarray(u_w.sum(axis=1)).ravel()
    c = (u_w @ sparse.csr_matrix((np.ones(n), (np.arange(n), time)), shape=(n, n_t))).toarray()
    share = c / w_unit[:, None]
    gram_pinv = np.linalg.pinv(np.diag(c.sum(axis=0)) - share.T @ c, rcond=1e-10)

    def partial(v: np.ndarray) -> np.ndarray:
        tilde = v - (u_w @ v / w_unit[:, None])[unit]
        effects = gram_pinv @ (t_w @ tilde)
        return tilde - (effects[time] - (share @ effects)[unit])

    return partial


def fwl_coefficients(y: np.ndarray, w: np.ndarray, partial: Callable, regressors: Callable,
                     assignments: np.ndarray) -> np.ndarray:
    """FWL coefficients ``(D~'W D~)^-1 D~'W y~`` of every assignment (rows of the result).

    ``regressors(block)`` gives the assignment regressors of a block of assignments as an
    array (n, b, k); NaN rows mark assignments whose regressors are collinear. ``y`` of
    shape (n,) gives coefficients (assignments, k); of shape (n, m), m outcomes at once,
    (assignments, k, m).
    """
    flat = y.ndim == 1
    y_t = partial(y[:, None] if flat else y)  # (n, m)
    n_assign = assignments.shape[0]
    out: list[np.ndarray] = []
    step = None
    start = 0
    while start < n_assign:
        if step is None:
            k = regressors(assignments[:1]).shape[2]
            step = max(1, _BLOCK // max(1, y.shape[0] * k))
        block = assignments[start:start + step]
        d = regressors(block)
        n, b, k = d.shape
        dt = partial(d.reshape(n, b * k)).reshape(n, b, k)
        # D~'W D~ = D'W D~ and D~'W y~ = D'W y~ (W-orthogonal projection), batched by BLAS
        dw = (d * w[:, None, None]).transpose(1, 2, 0)
        gram = np.matmul(dw, dt.transpose(1, 0, 2))
        gram = (gram + gram.transpose(0, 2, 1)) / 2
        rhs = dw @ y_t
        coef = np.full((b, k, y_t.shape[1]), np.nan)
        scale = np.tensordot(w, d * d, axes=(0, 0)).max(axis=1)  # largest diag of D'WD
        sv = np.linalg.svd(gram, compute_uv=False)
        ok = sv.min(axis=1) > 1e-9 * np.maximum(scale, 1.0)
        if ok.any():
            coef[ok] = np.linalg.solve(gram[ok], rhs[ok])
        out.append(coef)
        start += step
    coef = np.concatenate(out)
    return coef[:, :, 0] if flat else coef


# --------------------------------------------------------------------------------------
# the clusters and their waves


def cluster_codes(df: pd.DataFrame, cluster: str) -> tuple[np.ndarray, int]:
    """Return the code of each row's cluster (clusters in sorted order) and their number."""
    code, uniques = pd.factorize(df[cluster], sort=True)
    return code.astype(np.int64), len(uniques)


def per_cluster(values: np.ndarray, code: np.ndarray, n: int, *, what: str,
                cluster: str) -> np.ndarray:
    """Return the value of each cluster; DataError when it varies within a cluster."""
    first = np.empty(n, dtype=values.dtype)
    first[code[::-1]] = values[::-1]
    varies = first[code] != values
    if values.dtype.kind == "f":
        varies &= ~(np.isnan(first[code]) & np.isnan(values))
    if varies.any():
        bad = np.unique(code[varies])
        raise DataError(
            f"{what} varies within {bad.size} cluster(s) of cluster={cluster!r}; a "
            "randomization test re-assigns whole clusters, so the assignment must be "
            "constant within each cluster (check the cluster column, or cluster on the "
            "level at which treatment was assigned)."
        )
    return first


def invert_constant_effect(estimate: float, a: Any, b: Any, *, enumerated: bool,
                           level: float = 0.95, b_observed: float = 1.0
                           ) -> tuple[float, float, bool]:
    """Confidence set for a constant additive effect, by inverting the randomization test.

    Under ``H0: Y_i(1) = Y_i(0) + tau`` for every treated observation, the untreated
    outcomes are ``Y - tau D`` (``D`` the observed treatment regressor) and, for a
    statistic linear in the outcome, the estimate of assignment ``j`` on them is
    ``a_j - tau b_j``, with ``a_j`` the estimate on ``Y`` and ``b_j`` the estimate on ``D``
    (for the observed assignment ``a = estimate`` and ``b = b_observed``, 1 for the
    estimators here). The test of ``tau`` compares ``|a_j - tau b_j|`` with
    ``|estimate - tau b_observed|``; each comparison changes only at
    the roots of a quadratic in ``tau``, so the p-value is a step function found exactly
    by sorting the roots (Rosenbaum 2002, sec. 2.6; Imbens & Rubin 2015, ch. 5). The set
    ``{tau: p(tau) > 1 - level}`` is returned as its hull ``(lower, upper)`` and whether
    it is one interval; ends may be infinite.

    Examples
    --------
    >>> invert_constant_effect(2.0, [2.0, 0.5, -0.5, 1.0, -1.0], [1.0, 0, 0, 0, 0],
    ...                        enumerated=True, level=0.5)
    (1.0, 3.0, True)
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    ok = np.isfinite(a) & np.isfinite(b)
    a, b = a[ok], b[ok]
    alpha = 1 - level
    scale = max(abs(estimate), 1e-300)
    b0 = float(b_observed)
    same = (np.abs(b - b0) <= 1e-9 * max(abs(b0), 1.0)) & (np.abs(a - estimate) <= 1e-9 * scale)
    always = int(same.sum())  # the observed assignment (and copies): a hit for every tau
    a, b = a[~same], b[~same]
    # f_j(tau) = (a_j - tau b_j)^2 - (estimate - tau b0)^2 = q2 tau^2 + q1 tau + q0 >= 0: hit
    q2, q1, q0 = b**2 - b0**2, -2 * (a * b - estimate * b0), a**2 - estimate**2
    quad = np.abs(q2) > 1e-12
    disc = np.where(quad, q1**2 - 4 * q2 * q0, np.nan)
    real = quad & (disc > 0)
    root_d = np.sqrt(np.where(real, disc, 0.0))
    lin = ~quad & (np.abs(q1) > 1e-12)
    roots = np.concatenate([(-q1[real] - root_d[real]) / (2 * q2[real]),
                            (-q1[real] + root_d[real]) / (2 * q2[real]), -q0[lin] / q1[lin]])
    # the change in hits when tau passes a root upwards: sign of f_j'(root)
    owner_q = np.concatenate([np.flatnonzero(real)] * 2 + [np.flatnonzero(lin)])
    slope = 2 * q2[owner_q] * roots + q1[owner_q]
    change = np.sign(slope).astype(int)
    # hits far below every root: the sign of f_j as tau -> -inf
    low = np.where(quad, np.sign(q2), np.where(np.abs(q1) > 1e-12, -np.sign(q1), np.sign(q0)))
    hits0 = always + int(np.sum(low > 0) + np.sum((low == 0) & (q0 >= 0)))
    order = np.argsort(roots, kind="stable")
    roots, change = roots[order], change[order]
    hits = hits0 + np.concatenate([[0], np.cumsum(change)])  # on each of len(roots)+1 pieces
    n = a.size + always
    p = hits / n if enumerated else (1 + hits) / (1 + n)
    accept = p > alpha + 1e-12
    edges = np.concatenate([[-np.inf], roots, [np.inf]])
    if not accept.any():
        return float("nan"), float("nan"), True
    pieces = np.flatnonzero(accept)
    lower, upper = float(edges[pieces[0]]), float(edges[pieces[-1] + 1])
    span = np.arange(pieces[0], pieces[-1] + 1)
    rejected = span[~accept[span]]
    connected = bool(np.all(edges[rejected + 1] <= edges[rejected]))  # empty gaps only
    return lower, upper, connected


def run_test(*, observed: float, waves: np.ndarray, statistic: Callable[[np.ndarray], np.ndarray],
             n_perm: int, seed: Any, describe: dict[str, Any],
             level: float = 0.95) -> RandomizationResult:
    """Enumerate or draw the assignments, re-estimate, and build the result.

    ``statistic(assignments)`` returns the estimate of each assignment, shape (B,), or,
    for a statistic linear in the outcome, (B, 2): the estimate on the outcome and on the
    observed treatment regressor; then the interval inverts the test of a constant
    effect (:func:`invert_constant_effect`).
    """
    n_perm = check_positive_int("n_perm", n_perm)
    level = check_level(level)
    rng = check_rng(seed)
    total = count_assignments(waves)
    if total < 2:
        raise NotEstimableError(
            "there is only one way to assign the waves to the clusters (every cluster in the "
            "same wave): a randomization test needs at least two clusters in different "
            "waves."
        )
    enumerated = total <= n_perm
    assignments = enumerate_assignments(waves) if enumerated else draw_assignments(
        waves, n_perm, rng)
    at_observed = np.atleast_1d(statistic(waves[None, :])[0])
    check = at_observed[0]
    if not np.isclose(check, observed, rtol=1e-7, atol=1e-10 * max(1.0, abs(observed))):
        raise DataError(
            f"the data behind this result no longer give its estimate ({observed!r}; now "
            f"{check!r}): the DataFrame was changed after estimation. Re-estimate, then "
            "call randomization_test on the new result."
        )
    values = np.asarray(statistic(assignments), dtype=float)
    null = values if values.ndim == 1 else values[:, 0]
    ci = (np.nan, np.nan, True)
    if values.ndim == 2:
        ci = invert_constant_effect(observed, values[:, 0], values[:, 1],
                                    enumerated=enumerated, level=level,
                                    b_observed=at_observed[1])
    n_failed = int(np.sum(~np.isfinite(null)))
    if n_failed:
        warnings.warn(
            f"{n_failed} of {null.size} assignments could not be estimated and are left out "
            "of the permutation distribution.", EffektWarning, stacklevel=3)
    labels, counts = np.unique(waves, return_counts=True)
    wave_words = describe.pop("wave_words")
    seed_text = ("not used (every assignment enumerated)" if enumerated else
                 str(seed) if isinstance(seed, int | np.integer) else
                 "none (not reproducible)" if seed is None else type(seed).__name__)
    return RandomizationResult(
        estimate=float(observed),
        p_value=permutation_p_value(observed, null, enumerated=enumerated),
        null_distribution=null,
        enumerated=bool(enumerated),
        n_assignments=int(total),
        n_failed=n_failed,
        waves=tuple((wave_words(v), int(c)) for v, c in zip(labels, counts, strict=True)),
        n_clusters=int(waves.size),
        seed=seed_text,
        level=level,
        ci_lower=ci[0],
        ci_upper=ci[1],
        ci_connected=ci[2],
        **describe,
    )


def stored_call(result: Any, refit: Refit | None, name: str) -> Refit:
    """Return the call a result keeps; NotEstimableError when it keeps none."""
    if refit is None:
        raise NotEstimableError(
            f"this {type(result).__name__} does not carry the data it was estimated from, so "
            f"it cannot be re-estimated; estimate it with effekt's {name} (which keeps them)."
        )
    return refit
