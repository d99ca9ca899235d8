"""The optimal fixed-length confidence interval (FLCI) under smoothness, ``Delta^SD(M)``.

Armstrong & Kolesár (2018, 2020) build intervals ``v' beta_hat +/- chi`` from affine
estimators. For ``theta = l' tau_post`` the weights on the post-treatment coefficients must
be ``l`` (else the bias depends on the unrestricted ``tau``), so only the weights ``w`` on the
pre-treatment coefficients are free, and ``Delta^SD(M)`` being symmetric the intercept is 0
(Rambachan & Roth 2023, sec. 4.1). Writing a violation as a line through the reference
period plus the effect of its second differences ``d`` (``|d_k| <= M``), the bias of
``v' beta_hat`` is ``c * v'n + (P'v)'d``, ``n`` the line: finite only if ``v'n = 0``, and then
its worst case is ``M * ||P'v||_1``. The half-length of the interval with worst-case bias
``b`` and standard deviation ``s`` is ``s * cv_alpha(b / s)``, ``cv_alpha(t)`` the
``1 - alpha`` quantile of ``|N(t, 1)|``.

The optimum is found on the bias-variance frontier: for a bias bound ``B`` the smallest
variance ``V(B)`` solves a convex quadratic programme in ``w`` (SLSQP, with ``|P'v|``
split into auxiliary variables), and the half-length ``sqrt(V(B)) cv_alpha(M B /
sqrt(V(B)))`` is minimised over ``B`` between the least possible ``||P'v||_1`` (a linear
programme) and its value at the minimum-variance weights: a grid, then bounded Brent.

References
----------
Armstrong, T. B. & Kolesár, M. (2018). Optimal inference in a class of regression models.
*Econometrica* 86(2), 655-683.

Armstrong, T. B. & Kolesár, M. (2020). Simple and honest confidence intervals in
nonparametric regression. *Quantitative Economics* 11(1), 1-39.

Rambachan, A. & Roth, J. (2023). A more credible approach to parallel trends. *Review of
Economic Studies* 90(5), 2555-2591.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special, stats
from scipy.optimize import brentq, linprog, minimize, minimize_scalar

__all__ = ["Flci", "flci", "folded_normal_cv"]


def folded_normal_cv(t: float, alpha: float) -> float:
    """Return the ``1 - alpha`` quantile of ``|N(t, 1)|`` (root of its distribution function).

    Examples
    --------
    >>> round(folded_normal_cv(0.0, 0.05), 4), round(folded_normal_cv(3.0, 0.05), 4)
    (1.96, 4.6449)
    """
    t = abs(float(t))
    if t == 0:
        return float(stats.norm.ppf(1 - alpha / 2))

    def excess(c):
        return float(special.ndtr(c - t) - special.ndtr(-c - t)) - (1 - alpha)

    # the quantile lies between t + z_{1-alpha} (one tail) and t + z_{1-alpha/2}
    low, high = t + stats.norm.ppf(1 - alpha) - 1e-9, t + stats.norm.ppf(1 - alpha / 2) + 1e-9
    return float(brentq(excess, low, high, xtol=1e-14))


@dataclass(frozen=True)
class Flci:
    """The optimal FLCI: centre ``v' beta_hat``, its half-length, weights and worst bias."""

    lower: float
    upper: float
    weights: np.ndarray
    max_bias: float
    std_error: float


def _design(num_pre: int, num_post: int) -> tuple[np.ndarray, np.ndarray]:
    """Return the line through the reference period and a right inverse of the 2nd diffs."""
    t = np.r_[np.arange(-num_pre, 0), np.arange(1, num_post + 1)].astype(float)
    n = num_pre + num_post + 1
    second = np.eye(n)[2:] - 2 * np.eye(n)[1:-1] + np.eye(n)[:-2]
    second = np.delete(second, num_pre, axis=1)  # delta_0 = 0
    p = np.linalg.pinv(second)
    return t, p


def flci(betahat: np.ndarray, sigma: np.ndarray, num_pre: int, l_vec: np.ndarray,
         m: float, alpha: float) -> Flci:
    """Return the optimal FLCI for ``l' tau_post`` under ``Delta^SD(m)``."""
    num_post = l_vec.size
    line, p = _design(num_pre, num_post)
    # w = w0 + Z u satisfies the line constraint line_pre' w = -line_post' l
    w0 = -line[:num_pre] * (line[num_pre:] @ l_vec) / (line[:num_pre] @ line[:num_pre])
    z = np.linalg.svd(line[None, :num_pre])[2][1:].T
    base = np.r_[w0, l_vec]
    zfull = np.vstack([z, np.zeros((num_post, z.shape[1]))])
    k = z.shape[1]

    def v_of(u):
        return base + zfull @ u

    # minimum variance without a bias bound (closed form on the constraint set)
    if k:
        u_mv = -np.linalg.lstsq(zfull.T @ sigma @ zfull, zfull.T @ sigma @ base, rcond=None)[0]
    else:
        u_mv = np.zeros(0)
    pt_base, pt_z = p.T @ base, p.T @ zfull
    b_max = float(np.abs(pt_base + pt_z @ u_mv).sum())
    # least possible ||P'v||_1: an LP in (u, t) with -t <= P'v <= t
    r = pt_base.size
    if k:
        lp = linprog(np.r_[np.zeros(k), np.ones(r)],
                     A_ub=np.block([[pt_z, -np.eye(r)], [-pt_z, -np.eye(r)]]),
                     b_ub=np.r_[-pt_base, pt_base], bounds=[(None, None)] * k + [(0, None)] * r,
                     method="highs")
        b_min, u_bmin = float(lp.fun), lp.x[:k]
    else:
        b_min, u_bmin = b_max, u_mv

    def min_variance(bound: float, start: np.ndarray) -> np.ndarray:
        if not k or bound >= b_max:
            return u_mv
        x0 = np.r_[start, np.abs(pt_base + pt_z @ start)]
        cons = [
            {"type": "ineq", "fun": lambda x: x[k:] - (pt_base + pt_z @ x[:k]),
             "jac": lambda x: np.hstack([-pt_z, np.eye(r)])},
            {"type": "ineq", "fun": lambda x: x[k:] + (pt_base + pt_z @ x[:k]),
             "jac": lambda x: np.hstack([pt_z, np.eye(r)])},
            {"type": "ineq", "fun": lambda x: bound - x[k:].sum(),
             "jac": lambda x: np.r_[np.zeros(k), -np.ones(r)][None, :]},
        ]
        scale = float(base @ sigma @ base) or 1.0

        def objective(x):
            v = v_of(x[:k])
            return v @ sigma @ v / scale, np.r_[2 * zfull.T @ sigma @ v / scale, np.zeros(r)]

        res = minimize(objective, x0, jac=True, constraints=cons, method="SLSQP",
                       options={"maxiter": 500, "ftol": 1e-14})
        return res.x[:k]

    def half_length(bound: float) -> tuple[float, np.ndarray]:
        u = min_variance(bound, u_bmin if bound <= b_min else u_mv)
        v = v_of(u)
        sd = float(np.sqrt(max(v @ sigma @ v, 0.0)))
        bias = m * float(np.abs(p.T @ v).sum())
        if sd <= 0:
            return bias, u
        return sd * folded_normal_cv(bias / sd, alpha), u

    if m == 0 or b_max - b_min <= 1e-12 * max(b_max, 1.0):
        u_best = u_mv
    else:
        grid = np.linspace(b_min, b_max, 21)
        lengths = [half_length(b)[0] for b in grid]
        i = int(np.argmin(lengths))
        lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
        opt = minimize_scalar(lambda b: half_length(b)[0], bounds=(lo, hi), method="bounded",
                              options={"xatol": 1e-10 * max(b_max, 1e-12)})
        best = opt.x if opt.fun <= lengths[i] else grid[i]
        u_best = half_length(best)[1]
    v = v_of(u_best)
    sd = float(np.sqrt(max(v @ sigma @ v, 0.0)))
    bias = m * float(np.abs(p.T @ v).sum())
    chi = sd * folded_normal_cv(bias / sd, alpha) if sd > 0 else bias
    centre = float(v @ betahat)
    return Flci(centre - chi, centre + chi, v, bias, sd)
