"""The restrictions on violations of parallel trends of Rambachan & Roth (2023), as polyhedra.

The violation ``delta`` has one entry per estimated event-study coefficient: the
``num_pre`` pre-treatment ones, then the post-treatment ones; the reference period, between
them, is normalised (``delta_0 = 0``) and is not a coordinate. Each restriction is written
as ``A @ delta <= d`` (a union of such sets for relative magnitudes):

* smoothness, ``Delta^SD(M)``: every second difference of ``(delta_pre, 0, delta_post)``
  lies in ``[-M, M]`` (Rambachan & Roth 2023, eq. 7);
* relative magnitudes, ``Delta^RM(Mbar)``: every post-treatment first difference is at most
  ``Mbar`` times the largest pre-treatment first difference in absolute value (eq. 8). It is
  the union over the location ``s`` of the largest pre-treatment difference and its sign of
  the polyhedra ``Delta^RM_{s,+}`` and ``Delta^RM_{s,-}`` (sec. 3.2 and appendix).

The identified set of ``theta = l' tau_post`` under a polyhedron is
``[l' beta_post - max l' delta_post, l' beta_post - min l' delta_post]`` over the ``delta``
in it whose pre-treatment part equals ``beta_pre`` (Lemma 2.1): two linear programs.

References
----------
Rambachan, A. & Roth, J. (2023). A more credible approach to parallel trends. *Review of
Economic Studies* 90(5), 2555-2591.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linprog

__all__ = ["identified_set", "rm_polyhedra", "sd_polyhedron"]


def _differences(num_pre: int, num_post: int, order: int) -> np.ndarray:
    """First or second differences of ``(delta_pre, 0, delta_post)``, the 0 column dropped."""
    n = num_pre + num_post + 1
    diff = np.eye(n)
    for _ in range(order):
        diff = diff[1:] - diff[:-1]
    return np.delete(diff, num_pre, axis=1)


def sd_polyhedron(num_pre: int, num_post: int, m: float) -> tuple[np.ndarray, np.ndarray]:
    """``Delta^SD(M)`` as ``A delta <= d``: ``|second differences| <= M``."""
    second = _differences(num_pre, num_post, 2)
    a = np.vstack([second, -second])
    return a, np.full(a.shape[0], float(m))


def rm_polyhedra(
    num_pre: int, num_post: int, mbar: float
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Return the ``2 * num_pre`` polyhedra whose union is ``Delta^RM(Mbar)``.

    For the pre-treatment first difference ``s`` (of the ``num_pre`` ones, the last being
    ``0 - delta_{-1}``) and a sign: ``|D_r delta| <= sign * D_s delta`` for every
    pre-treatment difference ``r`` and ``|D_t delta| <= Mbar * sign * D_s delta`` for every
    post-treatment one ``t``; rows that are identically zero are dropped.
    """
    first = _differences(num_pre, num_post, 1)
    out = []
    for s in range(num_pre):
        for sign in (1.0, -1.0):
            bound = sign * first[s]
            scale = np.r_[np.ones(num_pre), np.full(num_post, float(mbar))][:, None]
            a = np.vstack([first - scale * bound, -first - scale * bound])
            a = a[np.einsum("ij,ij->i", a, a) > 1e-20]
            out.append((a, np.zeros(a.shape[0])))
    return out


def identified_set(
    beta_pre: np.ndarray, beta_post: np.ndarray, l_vec: np.ndarray, a: np.ndarray,
    d: np.ndarray,
) -> tuple[float, float] | None:
    """Return the identified set of ``l' tau`` under ``{A delta <= d}``; None if it is empty.

    ``beta_pre`` must itself be a possible pre-treatment violation (the set is empty
    otherwise); the post-treatment violation is then bounded by the LPs.
    """
    num_pre = beta_pre.size
    a_pre, a_post = a[:, :num_pre], a[:, num_pre:]
    rhs = d - a_pre @ beta_pre
    point = float(l_vec @ beta_post)
    bounds = []
    for sign in (1.0, -1.0):
        res = linprog(sign * l_vec, A_ub=a_post, b_ub=rhs, bounds=[(None, None)] * l_vec.size,
                      method="highs")
        if res.status == 2:  # infeasible: beta_pre is not in the restriction
            return None
        bounds.append(sign * res.fun if res.status == 0 else -sign * np.inf)
    low_delta, high_delta = bounds  # min and max of l' delta_post
    return point - high_delta, point - low_delta
