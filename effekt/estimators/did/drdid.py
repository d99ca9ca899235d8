"""Two-group, two-period DiD building blocks with influence functions.

The estimators of Sant'Anna & Zhao (2020), "Doubly robust difference-in-differences
estimators", Journal of Econometrics 219(1), 101-122, as the R package DRDID defines them
and R ``did`` calls them for each group-time cell of Callaway & Sant'Anna (2021):

* panel data: the locally efficient doubly robust estimator (``drdid_panel``), the
  standardized (Hajek) inverse probability weighting estimator (``std_ipw_did_panel``) and
  the outcome regression estimator (``reg_did_panel``);
* repeated cross-sections: ``drdid_rc`` (locally efficient), ``std_ipw_did_rc`` and
  ``reg_did_rc``.

Each function returns ``(att, influence)`` where ``influence`` has one entry per
observation and ``att_hat - att`` is asymptotically ``mean(influence)``. The propensity score
is an unpenalised logit fitted by Newton-Raphson (R's ``glm``;
:func:`effekt.estimators._linalg.binary_glm`), clipped at ``1 - 1e-6``, and
controls with a score of ``trim_level`` or more get weight zero (DRDID's trimming). Sampling
weights are rescaled to mean one. Failures (too few units, singular design, no overlap) raise
:class:`~effekt.errors.NotEstimableError` with the reason, so the caller can mark one cell.
"""

from __future__ import annotations

import numpy as np

from effekt.errors import NotEstimableError
from effekt.estimators._linalg import binary_glm, wls

__all__ = ["did_panel", "did_panel_means", "did_rc", "fit_logit", "fit_wls"]

_PS_CLIP = 1 - 1e-6
_TRIM = 0.995


def fit_wls(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Outcome-regression coefficients (DRDID's rule: condition number above 1e12 fails)."""
    return wls(y, x, w, what="outcome regression", units="comparison units", max_cond=1e12)[0]


def fit_logit(d: np.ndarray, x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Propensity-score logit: fitted probabilities and ``n * vcov`` (the mean Hessian's inverse).

    The logit of :func:`effekt.estimators._linalg.binary_glm`, exactly as R's DRDID fits it.
    """
    fit = binary_glm(d, x, w, link="logit", scale=d.shape[0], max_cond=1e12)
    return fit.fitted, fit.inv_hessian


def _ps_weights(d, ps, w):
    ps = np.minimum(ps, _PS_CLIP)
    keep = np.where(d == 1, True, ps < _TRIM)
    w_treat = keep * w * d
    w_cont = keep * w * ps * (1 - d) / (1 - ps)
    if w_treat.sum() <= 0 or w_cont.sum() <= 0:
        raise NotEstimableError("no overlap: no comparison units left after trimming")
    return ps, w_treat, w_cont


def did_panel(
    y1: np.ndarray, y0: np.ndarray, d: np.ndarray, x: np.ndarray, w: np.ndarray, method: str
) -> tuple[float, np.ndarray]:
    """ATT and influence function for a two-period panel (``method`` in dr, ipw, reg)."""
    d = d.astype(float)
    w = w / w.mean()
    dy = y1 - y0
    n = d.shape[0]
    ctrl = d == 0
    if method in ("dr", "reg"):
        beta = fit_wls(x[ctrl], dy[ctrl], w[ctrl])
        out = x @ beta
        w_ols = w * (1 - d)
        xpx_inv = np.linalg.inv(x.T @ (w_ols[:, None] * x) / n)
        resid_w = w_ols * (dy - out)  # asy_lin_rep_ols = (resid_w * x) @ xpx_inv
    if method == "reg":
        w_treat = w * d
        m_t = w_treat.mean()
        eta_treat = np.dot(w_treat, dy) / w_treat.sum()
        eta_cont = np.dot(w_treat, out) / w_treat.sum()
        inf_treat = w_treat * (dy - eta_treat) / m_t
        m1 = (w_treat[:, None] * x).mean(0)
        inf_cont = (w_treat * (out - eta_cont) + resid_w * (x @ (xpx_inv @ m1))) / m_t
        return float(eta_treat - eta_cont), inf_treat - inf_cont
    ps, hinv = fit_logit(d, x, w)
    ps, w_treat, w_cont = _ps_weights(d, ps, w)
    score = w * (d - ps)  # asy_lin_rep_ps = (score * x) @ hinv
    m_t, m_c = w_treat.mean(), w_cont.mean()
    if method == "ipw":
        eta_treat = np.dot(w_treat, dy) / w_treat.sum()
        eta_cont = np.dot(w_cont, dy) / w_cont.sum()
        inf_treat = w_treat * (dy - eta_treat) / m_t
        m2 = ((w_cont * (dy - eta_cont))[:, None] * x).mean(0)
        inf_cont = (w_cont * (dy - eta_cont) + score * (x @ (hinv @ m2))) / m_c
        return float(eta_treat - eta_cont), inf_treat - inf_cont
    r = dy - out
    eta_treat = np.dot(w_treat, r) / w_treat.sum()
    eta_cont = np.dot(w_cont, r) / w_cont.sum()
    m1 = (w_treat[:, None] * x).mean(0)
    inf_treat = (w_treat * (r - eta_treat) - resid_w * (x @ (xpx_inv @ m1))) / m_t
    m2 = ((w_cont * (r - eta_cont))[:, None] * x).mean(0)
    m3 = (w_cont[:, None] * x).mean(0)
    inf_cont = (
        w_cont * (r - eta_cont) + score * (x @ (hinv @ m2)) - resid_w * (x @ (xpx_inv @ m3))
    ) / m_c
    return float(eta_treat - eta_cont), inf_treat - inf_cont


def did_panel_means(
    dy: np.ndarray, w_treat: np.ndarray, w_ctrl: np.ndarray, method: str, out: np.ndarray,
    scratch: np.ndarray | None = None,
) -> float:
    """Compute :func:`did_panel` without covariates in closed form, over all n observations.

    With an intercept only, the DR, IPW and regression estimators all reduce to the difference
    of weighted mean changes, ``mu_1 - mu_0``, with influence function (scaled by ``n``, zero
    outside the cell) ``n [w d (dy - mu_1) / S_1 - w c (dy - mu_0) / S_0]``, where ``S_1``,
    ``S_0`` are the weight sums of treated and comparison units. Written into ``out`` (a
    ``scratch`` buffer of the same length avoids a temporary); the ATT is returned. For DR
    and IPW a treated share of ``0.995`` or more trims every comparison unit (DRDID's
    rule), which raises NotEstimableError.
    """
    s1, s0 = w_treat.sum(), w_ctrl.sum()
    if s0 <= 0 or s1 <= 0:
        raise NotEstimableError("no comparison units" if s0 <= 0 else "no treated units")
    if method != "reg" and s1 / (s1 + s0) >= _TRIM:
        raise NotEstimableError("no overlap: no comparison units left after trimming")
    mu1 = np.dot(w_treat, dy) / s1
    mu0 = np.dot(w_ctrl, dy) / s0
    n = dy.shape[0]
    # in place, without temporaries (this runs once per cell over every unit); ``scratch``
    # is a caller's reusable buffer of the same length
    tmp = np.empty_like(dy) if scratch is None else scratch
    np.subtract(dy, mu1, out=out)
    out *= w_treat
    out *= n / s1
    np.subtract(dy, mu0, out=tmp)
    tmp *= w_ctrl
    tmp *= n / s0
    out -= tmp
    return float(mu1 - mu0)


def _wols_rc(y, x, w, subset, n):
    """OLS fit on ``subset``; fitted values for all rows and the asymptotic linear rep."""
    if subset.sum() < x.shape[1]:
        raise NotEstimableError("too few observations in a cell of the outcome regression")
    beta = fit_wls(x[subset], y[subset], w[subset])
    out = x @ beta
    w_ols = w * subset
    xpx_inv = np.linalg.inv(x.T @ (w_ols[:, None] * x) / n)
    return out, w_ols * (y - out), xpx_inv


def did_rc(
    y: np.ndarray, post: np.ndarray, d: np.ndarray, x: np.ndarray, w: np.ndarray, method: str
) -> tuple[float, np.ndarray]:
    """ATT and influence function for repeated cross-sections (``method`` in dr, ipw, reg)."""
    d = d.astype(float)
    post = post.astype(float)
    w = w / w.mean()
    n = d.shape[0]
    if min(np.sum(d * post), np.sum(d * (1 - post))) == 0:
        raise NotEstimableError("no treated observations in one of the two periods")
    if min(np.sum((1 - d) * post), np.sum((1 - d) * (1 - post))) == 0:
        raise NotEstimableError("no comparison observations in one of the two periods")

    def lin(parts, vec):  # (resid_w * x) @ xpx_inv @ vec
        resid_w, xpx_inv = parts
        return resid_w * (x @ (xpx_inv @ vec))

    if method in ("dr", "reg"):
        c_pre, rw_c_pre, xi_c_pre = _wols_rc(y, x, w, (d == 0) & (post == 0), n)
        c_post, rw_c_post, xi_c_post = _wols_rc(y, x, w, (d == 0) & (post == 1), n)
    if method == "reg":
        w_tpre, w_tpost, w_c = w * d * (1 - post), w * d * post, w * d
        e_tpre = np.dot(w_tpre, y) / w_tpre.sum()
        e_tpost = np.dot(w_tpost, y) / w_tpost.sum()
        e_c = np.dot(w_c, c_post - c_pre) / w_c.sum()
        inf_treat = w_tpost * (y - e_tpost) / w_tpost.mean() - w_tpre * (y - e_tpre) / w_tpre.mean()
        m1 = (w_c[:, None] * x).mean(0)
        inf_cont = (
            w_c * (c_post - c_pre - e_c)
            + lin((rw_c_post, xi_c_post), m1)
            - lin((rw_c_pre, xi_c_pre), m1)
        ) / w_c.mean()
        return float((e_tpost - e_tpre) - e_c), inf_treat - inf_cont

    ps, hinv = fit_logit(d, x, w)
    ps = np.minimum(ps, _PS_CLIP)
    keep = np.where(d == 1, True, ps < _TRIM)
    score = w * (d - ps)
    w_tpre = keep * w * d * (1 - post)
    w_tpost = keep * w * d * post
    w_cpre = keep * w * ps * (1 - d) * (1 - post) / (1 - ps)
    w_cpost = keep * w * ps * (1 - d) * post / (1 - ps)
    if min(w_cpre.sum(), w_cpost.sum()) <= 0:
        raise NotEstimableError("no overlap: no comparison units left after trimming")
    out_c = 0.0
    if method == "dr":
        out_c = post * c_post + (1 - post) * c_pre
    r = y - out_c

    def hajek(wt):
        m = wt.mean()
        att = np.dot(wt, r) / wt.sum()
        return att, wt * (r - att) / m, m

    a_tpre, i_tpre, _ = hajek(w_tpre)
    a_tpost, i_tpost, _ = hajek(w_tpost)
    a_cpre, i_cpre, m_cpre = hajek(w_cpre)
    a_cpost, i_cpost, m_cpost = hajek(w_cpost)
    m2_pre = ((w_cpre * (r - a_cpre))[:, None] * x).mean(0) / m_cpre
    m2_post = ((w_cpost * (r - a_cpost))[:, None] * x).mean(0) / m_cpost
    inf_ps = score * (x @ (hinv @ (m2_post - m2_pre)))
    att = (a_tpost - a_tpre) - (a_cpost - a_cpre)
    if method == "ipw":
        return float(att), (i_tpost - i_tpre) - (i_cpost - i_cpre + inf_ps)

    t_pre, rw_t_pre, xi_t_pre = _wols_rc(y, x, w, (d == 1) & (post == 0), n)
    t_post, rw_t_post, xi_t_post = _wols_rc(y, x, w, (d == 1) & (post == 1), n)
    # estimation effect of the control outcome regressions on the four Hajek means
    m1_post = -(w_tpost[:, None] * post[:, None] * x).mean(0) / w_tpost.mean()
    m1_pre = -(w_tpre[:, None] * (1 - post)[:, None] * x).mean(0) / w_tpre.mean()
    inf_treat = (
        i_tpost - i_tpre + lin((rw_c_post, xi_c_post), m1_post) + lin((rw_c_pre, xi_c_pre), m1_pre)
    )
    m3_post = -(w_cpost[:, None] * post[:, None] * x).mean(0) / m_cpost
    m3_pre = -(w_cpre[:, None] * (1 - post)[:, None] * x).mean(0) / m_cpre
    inf_cont = (
        i_cpost
        - i_cpre
        + inf_ps
        + lin((rw_c_post, xi_c_post), m3_post)
        + lin((rw_c_pre, xi_c_pre), m3_pre)
    )
    # local-efficiency terms
    w_d = keep * w * d
    w_dt1 = keep * w * d * post
    w_dt0 = keep * w * d * (1 - post)
    diff_post = t_post - c_post
    diff_pre = t_pre - c_pre

    def mean_term(wt, v):
        att_ = np.dot(wt, v) / wt.sum()
        return att_, wt * (v - att_) / wt.mean()

    a_dpost, i_e1 = mean_term(w_d, diff_post)
    a_dt1, i_e2 = mean_term(w_dt1, diff_post)
    a_dpre, i_e3 = mean_term(w_d, diff_pre)
    a_dt0, i_e4 = mean_term(w_dt0, diff_pre)
    att = att + (a_dpost - a_dt1) - (a_dpre - a_dt0)
    mom_post = ((w_d / w_d.mean() - w_dt1 / w_dt1.mean())[:, None] * x).mean(0)
    mom_pre = ((w_d / w_d.mean() - w_dt0 / w_dt0.mean())[:, None] * x).mean(0)
    inf_or = (
        lin((rw_t_post, xi_t_post), mom_post)
        - lin((rw_c_post, xi_c_post), mom_post)
        - lin((rw_t_pre, xi_t_pre), mom_pre)
        + lin((rw_c_pre, xi_c_pre), mom_pre)
    )
    inf = (inf_treat - inf_cont) + (i_e1 - i_e2) - (i_e3 - i_e4) + inf_or
    return float(att), inf
