"""Test inversion and breakdown values of the HonestDiD confidence sets (private).

:func:`one_set` builds the confidence set at one value of ``Mbar`` (``M``): the FLCI
directly, or the ARP test (:class:`~effekt.estimators.did.diagnostics._arp.MomentTest`) of
each polyhedron of the restriction on a grid of ``theta`` (the identified set plus and
minus 20 standard errors of the estimate, HonestDiD's default width), the set being every
``theta`` some polyhedron accepts; the grid's lowest and highest accepted points are then
refined by bisection against their rejected neighbours. :func:`breakdown_of` finds the
smallest value whose set contains 0, on the grid and by bisection.

References
----------
Rambachan, A. & Roth, J. (2023). A more credible approach to parallel trends. *Review of
Economic Studies* 90(5), 2555-2591.
"""

from __future__ import annotations

import numpy as np

from effekt.estimators.did.diagnostics._arp import MomentTest
from effekt.estimators.did.diagnostics._flci import flci
from effekt.estimators.did.diagnostics._restrictions import (
    identified_set,
    rm_polyhedra,
    sd_polyhedron,
)

__all__ = ["BISECT_STEPS", "BREAK_STEPS", "GRID_SE", "breakdown_of", "one_set"]

GRID_SE = 20  # the theta grid: the identified set +/- 20 standard errors
_KAPPA_SHARE = 0.1  # hybrid first-stage size kappa = alpha / 10
BISECT_STEPS = 40  # bisection steps of the endpoints of a set
BREAK_STEPS = 20  # bisection steps of the breakdown value


def _polyhedra(restriction: str, num_pre: int, num_post: int, m: float):
    if restriction == "relative_magnitude":
        return rm_polyhedra(num_pre, num_post, m)
    return [sd_polyhedron(num_pre, num_post, m)]


def _identified(betahat, num_pre, l_vec, polys) -> tuple[float, float]:
    sets = [identified_set(betahat[:num_pre], betahat[num_pre:], l_vec, a, d) for a, d in polys]
    sets = [s for s in sets if s is not None]
    if not sets:  # the pre-treatment estimates violate the restriction itself
        return np.nan, np.nan
    return min(s[0] for s in sets), max(s[1] for s in sets)


def _tests(betahat, sigma, num_pre, l_vec, polys, alpha, method):
    kappa = _KAPPA_SHARE * alpha if method == "C-LF" else None
    return [MomentTest(betahat, sigma, num_pre, l_vec, a, d, alpha=alpha, kappa=kappa,
                       post_moments_only=True) for a, d in polys]


def _accepts(tests, theta) -> np.ndarray:
    theta = np.atleast_1d(np.asarray(theta, dtype=float))
    out = np.zeros(theta.size, dtype=bool)
    for test in tests:
        out |= test.accepts(theta)
    return out


def _bisect(fn, good: float, bad: float, steps: int = BISECT_STEPS) -> float:
    """Return the boundary between ``good`` (fn True) and ``bad`` (fn False), by bisection."""
    for _ in range(steps):
        mid = 0.5 * (good + bad)
        if fn(mid):
            good = mid
        else:
            bad = mid
    return good


def _test_inversion(tests, centre: tuple[float, float], sd_theta: float,
                    grid_points: int) -> tuple[float, float]:
    """Return the lowest and highest accepted ``theta``: a grid, then bisection at both ends."""
    lo, hi = centre
    width = GRID_SE * sd_theta
    for _ in range(6):  # widen the grid while the ends are accepted
        grid = np.linspace(lo - width, hi + width, grid_points)
        accepted = _accepts(tests, grid)
        if not accepted.any():
            return np.nan, np.nan
        idx = np.flatnonzero(accepted)
        if idx[0] > 0 and idx[-1] < grid.size - 1:
            break
        width *= 4
    else:
        return (-np.inf if idx[0] == 0 else grid[idx[0]],
                np.inf if idx[-1] == grid.size - 1 else grid[idx[-1]])

    def ok(t):
        return bool(_accepts(tests, t)[0])

    lower = _bisect(ok, grid[idx[0]], grid[idx[0] - 1])
    upper = _bisect(ok, grid[idx[-1]], grid[idx[-1] + 1])
    return lower, upper


def one_set(betahat, sigma, num_pre, l_vec, restriction, method, m, alpha, grid_points):
    """Return the robust confidence set and the identified set at one value of ``m``."""
    num_post = l_vec.size
    polys = _polyhedra(restriction, num_pre, num_post, m)
    ident = _identified(betahat, num_pre, l_vec, polys)
    if method == "FLCI":
        f = flci(betahat, sigma, num_pre, l_vec, m, alpha)
        return (f.lower, f.upper), ident
    sd_theta = float(np.sqrt(l_vec @ sigma[num_pre:, num_pre:] @ l_vec))
    tests = _tests(betahat, sigma, num_pre, l_vec, polys, alpha, method)
    centre = ident if np.all(np.isfinite(ident)) else (float(l_vec @ betahat[num_pre:]),) * 2
    return _test_inversion(tests, centre, sd_theta, grid_points), ident


def _contains_zero(betahat, sigma, num_pre, l_vec, restriction, method, m, alpha) -> bool:
    if method == "FLCI":
        f = flci(betahat, sigma, num_pre, l_vec, m, alpha)
        return f.lower <= 0 <= f.upper
    kappa = _KAPPA_SHARE * alpha if method == "C-LF" else None
    for a, d in _polyhedra(restriction, num_pre, l_vec.size, m):  # stop at the first accepting
        test = MomentTest(betahat, sigma, num_pre, l_vec, a, d, alpha=alpha, kappa=kappa,
                          post_moments_only=True)
        if test.accepts(np.zeros(1))[0]:
            return True
    return False


def breakdown_of(args, grid, lower, upper, symbol, alpha, refine=True):
    def contains(v):
        return _contains_zero(*args, v, alpha)

    inside = (lower <= 0) & (upper >= 0)
    if not inside.any():
        return np.nan, np.nan, (
            f"No {symbol} in the grid (up to {grid.max():g}) gives a set containing 0: the "
            f"breakdown value lies above {grid.max():g}; breakdown and breakdown_value are "
            "NaN.")
    first = int(np.flatnonzero(inside)[0])
    found = float(grid[first])
    if not refine:
        return found, found, (f"Breakdown: the smallest {symbol} in the grid whose set "
                              f"contains 0 is {found:g} (not refined between grid values).")
    if contains(0.0):
        return found, 0.0, (f"The set contains 0 already at {symbol} = 0: the effect is not "
                            "distinguished from 0 even under the exact restriction.")
    below = float(grid[first - 1]) if first > 0 else 0.0
    if first > 0 and contains(below):
        return found, below, (f"breakdown_value: the set at {symbol} = {below:g} contains 0 "
                              "by the test though its endpoints, on a grid, do not.")
    value = _bisect(lambda v: not contains(v), below, found, steps=BREAK_STEPS)
    return found, float(value), (
        f"Breakdown: the smallest {symbol} in the grid whose set contains 0 is {found:g}; by "
        f"bisection on {symbol} ({BREAK_STEPS} steps between {below:g} and {found:g}, each "
        f"testing theta = 0) it is {value:.4g}.")
