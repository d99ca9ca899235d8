"""The conditional and hybrid tests of linear moment inequalities of Andrews, Roth & Pakes.

Under ``delta = beta - (0, tau)`` in the polyhedron ``{A delta <= d}`` and the null
``l' tau = theta``, the moments ``Y(theta) - X g <= 0`` must hold for some nuisance ``g``
(the other directions of ``tau``), with ``Y(theta) = A beta_hat - d - A_post l theta / l'l``
and ``X = A_post Z``, ``Z`` an orthonormal basis of the complement of ``l``. Standardising
each moment by its standard deviation, the statistic is the linear program

    eta_hat = min_{eta, g} eta  s.t.  Y~ - X~ g <= eta,

whose dual is ``max gamma' Y~`` over the vertices ``gamma`` of
``{gamma >= 0, 1'gamma = 1, X~'gamma = 0}``. Conditional on the optimal vertex
``gamma*`` and on the part of ``Y~`` independent of ``gamma*'Y~``, ``eta_hat`` is normal
with variance ``gamma*' Sigma~ gamma*``, truncated to ``[v_lo, v_up]``, the values of
``gamma*'Y~`` for which ``gamma*`` stays optimal (ARP 2023, sec. 3 and Lemma 1). The
*conditional* test rejects when that truncated normal's upper tail beyond ``eta_hat`` is
below ``alpha``; the *conditional least-favourable hybrid* (ARP sec. 4) first rejects when
``eta_hat`` exceeds the ``1 - kappa`` least-favourable critical value (the quantile of
``max_gamma gamma' xi``, ``xi ~ N(0, Sigma~)``), and otherwise truncates ``v_up`` at it and
tests at level ``(alpha - kappa) / (1 - kappa)``.

Here the vertices are enumerated once (the dual polytope has few when the nuisance is small,
as with a handful of post-treatment periods), so that the statistic, ``v_lo`` and ``v_up``
of a whole grid of ``theta`` are array operations; with many vertices the same quantities
come from linear programs (HiGHS), one ``theta`` at a time.

References
----------
Andrews, I., Roth, J. & Pakes, A. (2023). Inference for linear conditional moment
inequalities. *Review of Economic Studies* 90(6), 2763-2791.
"""

from __future__ import annotations

import functools
import itertools
import math

import numpy as np
from scipy import special
from scipy.optimize import linprog

__all__ = ["MomentTest"]

_MAX_SUBSETS = 60_000  # enumerate the dual vertices when there are at most this many bases
_TOL = 1e-9


@functools.lru_cache(maxsize=8)
def _draws(n: int, k: int, seed: int) -> np.ndarray:
    """Return the standard normal draws of the least-favourable critical value."""
    out = np.random.default_rng(seed).standard_normal((k, n))
    out.flags.writeable = False
    return out


def _vertices(x: np.ndarray) -> np.ndarray | None:
    """Return the vertices of ``{g >= 0, 1'g = 1, x'g = 0}`` (rows), or None when too many to list.

    Every vertex is a basic feasible solution: with the equality system reduced to its
    ``r`` independent rows, it solves ``R[:, B] g_B = q`` for some ``r`` columns ``B``.
    """
    k = x.shape[0]
    m = np.vstack([x.T, np.ones((1, k))])
    b = np.zeros(m.shape[0])
    b[-1] = 1.0
    u, s, vt = np.linalg.svd(m, full_matrices=False)
    r = int(np.sum(s > _TOL * s[0]))
    if math.comb(k, r) > _MAX_SUBSETS:
        return None
    reduced, q = vt[:r], (u[:, :r].T @ b) / s[:r]
    subsets = np.array(list(itertools.combinations(range(k), r)))
    blocks = reduced[:, subsets].transpose(1, 0, 2)  # (n_subsets, r, r)
    ok = np.abs(np.linalg.det(blocks)) > 1e-12
    if not ok.any():
        return np.empty((0, k))
    sol = np.linalg.solve(blocks[ok], np.broadcast_to(q, (int(ok.sum()), r))[..., None])[..., 0]
    feasible = np.all(sol >= -1e-10, axis=1)
    out = np.zeros((int(feasible.sum()), k))
    rows = np.arange(out.shape[0])[:, None]
    out[rows, subsets[ok][feasible]] = np.clip(sol[feasible], 0.0, None)
    # a vertex of the polytope satisfies the full system (the reduction is exact)
    out = out[np.all(np.abs(out @ m.T - b) < 1e-8, axis=1)]
    return np.unique(np.round(out, 12), axis=0)


class MomentTest:
    """The ARP test of ``l' tau = theta`` under ``{A delta <= d}``, for arrays of ``theta``.

    Parameters
    ----------
    betahat, sigma : numpy.ndarray
        Event-study coefficients (pre, then post) and their covariance.
    num_pre : int
        Number of pre-treatment coefficients.
    l_vec : numpy.ndarray
        Weights of the post-treatment coefficients defining ``theta``.
    a, d : numpy.ndarray
        The polyhedron ``A delta <= d``.
    alpha : float
        Size of the test.
    kappa : float or None
        First-stage size of the least-favourable hybrid; None for the conditional test.
    post_moments_only : bool
        Use only the moments involving post-treatment coefficients (HonestDiD's default
        with more than one post-treatment period).
    n_draws : int
        Draws of the least-favourable critical value.
    seed : int
        Seed of those draws (the test is deterministic given it).
    """

    def __init__(self, betahat, sigma, num_pre, l_vec, a, d, *, alpha, kappa,
                 post_moments_only, n_draws=100_000, seed=0):
        a_post = a[:, num_pre:]
        rows = np.ones(a.shape[0], dtype=bool)
        if post_moments_only and l_vec.size > 1:
            rows = np.any(np.abs(a_post) > 0, axis=1)
        a, d, a_post = a[rows], d[rows], a_post[rows]
        var = np.einsum("ij,jk,ik->i", a, sigma, a)
        sd = np.sqrt(np.clip(var, 1e-300, None))
        basis = np.linalg.svd(l_vec[None, :])[2][1:].T  # orthonormal complement of l
        self.y0 = (a @ betahat - d) / sd
        self.slope = (a_post @ l_vec / (l_vec @ l_vec)) / sd
        self.x = (a_post @ basis) / sd[:, None]
        self.sigma = np.einsum("ij,jk,lk->il", a, sigma, a) / np.outer(sd, sd)
        self.alpha, self.kappa = float(alpha), kappa
        self.vertices = _vertices(self.x) if self.x.shape[1] else np.eye(self.y0.size)
        self.lf_cv = np.inf if kappa is None else self._lf_cv(n_draws, seed)

    # -- the least-favourable critical value ------------------------------------------
    def _lf_cv(self, n_draws: int, seed: int) -> float:
        w, v = np.linalg.eigh(self.sigma)
        root = v * np.sqrt(np.clip(w, 0.0, None))
        if self.vertices is None:  # one linear program a draw
            xi = (root @ _draws(min(n_draws, 2_000), self.y0.size, seed)).T
            eta = np.array([self._lp_eta(row)[0] for row in xi])
        else:
            draws = _draws(n_draws, self.y0.size, seed)
            combined = self.vertices @ root
            chunk = 20_000  # cache-sized blocks: much faster than one product
            eta = np.concatenate([(combined @ draws[:, i:i + chunk]).max(axis=0)
                                  for i in range(0, n_draws, chunk)])
        return float(np.quantile(eta, 1 - self.kappa))

    # -- the statistic and its truncation ---------------------------------------------
    def _lp_eta(self, y: np.ndarray) -> tuple[float, np.ndarray]:
        k, p = self.x.shape
        res = linprog(np.r_[1.0, np.zeros(p)], A_ub=np.column_stack([-np.ones(k), -self.x]),
                      b_ub=-y, bounds=[(None, None)] * (p + 1), method="highs")
        if res.status != 0:
            return -np.inf, np.zeros(k)
        return float(res.fun), -np.asarray(res.ineqlin.marginals)

    def _lp_truncation(self, y: np.ndarray, gamma: np.ndarray) -> tuple[float, float]:
        """``[v_lo, v_up]``: the ``eta`` with ``c eta + S - X~ g <= eta`` feasible in ``g``."""
        c = self.sigma @ gamma / (gamma @ self.sigma @ gamma)
        s = y - c * (gamma @ y)
        k, p = self.x.shape
        a_ub = np.column_stack([c - 1.0, -self.x])
        out = []
        for sign in (1.0, -1.0):
            res = linprog(np.r_[sign, np.zeros(p)], A_ub=a_ub, b_ub=-s,
                          bounds=[(None, None)] * (p + 1), method="highs")
            out.append(sign * res.fun if res.status == 0 else -sign * np.inf)
        return out[0], out[1]

    def _statistics(self, theta: np.ndarray):
        """``eta_hat``, its standard deviation, ``v_lo`` and ``v_up`` for each ``theta``."""
        y = self.y0[None, :] - theta[:, None] * self.slope[None, :]
        if self.vertices is None:
            eta, sd, lo, up = (np.empty(theta.size) for _ in range(4))
            for i, row in enumerate(y):
                eta[i], gamma = self._lp_eta(row)
                sd[i] = np.sqrt(gamma @ self.sigma @ gamma)
                lo[i], up[i] = self._lp_truncation(row, gamma) if np.isfinite(eta[i]) else (
                    -np.inf, np.inf)
            return eta, sd, lo, up
        vert = self.vertices
        if vert.shape[0] == 0:  # the program is unbounded: eta_hat = -inf, never rejected
            inf = np.full(theta.size, np.inf)
            return -inf, np.ones(theta.size), -inf, inf
        values = y @ vert.T
        best = values.argmax(axis=1)
        eta = values[np.arange(theta.size), best]
        cross = vert @ self.sigma @ vert.T
        var = np.diag(cross)[best]
        gc = cross[:, best].T / var[:, None]  # gamma_j' c for each vertex j
        gs = values - gc * eta[:, None]  # gamma_j' S
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = gs / (1.0 - gc)
        lo = np.where(gc < 1 - 1e-10, ratio, -np.inf).max(axis=1)
        up = np.where(gc > 1 + 1e-10, ratio, np.inf).min(axis=1)
        return eta, np.sqrt(var), lo, up

    def accepts(self, theta: np.ndarray) -> np.ndarray:
        """Whether the test accepts each ``theta`` (boolean array)."""
        theta = np.atleast_1d(np.asarray(theta, dtype=float))
        eta, sd, lo, up = self._statistics(theta)
        level = self.alpha
        if self.kappa is not None:
            up = np.minimum(up, self.lf_cv)
            level = (self.alpha - self.kappa) / (1 - self.kappa)
        lo = np.minimum(lo, eta)
        up = np.maximum(up, eta)
        with np.errstate(divide="ignore", invalid="ignore"):
            a_, b_, z = lo / sd, up / sd, eta / sd
            tail = _truncated_sf(z, a_, b_)
        reject = tail < level
        if self.kappa is not None:
            reject |= eta > self.lf_cv
        return ~reject & np.isfinite(eta) | (eta == -np.inf)


def _truncated_sf(z: np.ndarray, lo: np.ndarray, up: np.ndarray) -> np.ndarray:
    """``P(X > z | lo <= X <= up)`` for standard normal ``X``, stable in both tails."""
    out = np.ones_like(z)
    finite = np.isfinite(z)
    if not finite.any():
        return out
    z, lo, up = z[finite], lo[finite], up[finite]
    # work in the tail away from 0 on the side where the interval lies
    upper = lo > 0
    ndtr = special.ndtr
    num = np.where(upper, ndtr(-z) - ndtr(-up), ndtr(up) - ndtr(z))
    den = np.where(upper, ndtr(-lo) - ndtr(-up), ndtr(up) - ndtr(lo))
    with np.errstate(divide="ignore", invalid="ignore"):
        p = np.where(den > 0, num / den, np.where(z >= up, 0.0, 1.0))
    out[finite] = np.clip(p, 0.0, 1.0)
    return out
