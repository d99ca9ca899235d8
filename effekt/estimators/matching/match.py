"""Matching: nearest-neighbour (propensity score or Mahalanobis), exact and CEM.

:func:`match` follows MatchIt's ``matchit()`` (Ho, Imai, King and Stuart 2011) so that
the same call gives the same matched sample: nearest-neighbour matching without
replacement is MatchIt's greedy algorithm, treated units taken in descending order of
the propensity score by default, each taking the closest control not yet used.

References
----------
Ho, D. E., Imai, K., King, G. and Stuart, E. A. (2007). Matching as nonparametric
preprocessing for reducing model dependence in parametric causal inference. *Political
Analysis* 15(3), 199-236.
Rubin, D. B. (1973). Matching to remove bias in observational studies. *Biometrics* 29.
Iacus, S. M., King, G. and Porro, G. (2012). Causal inference without balance checking:
coarsened exact matching. *Political Analysis* 20(1), 1-24.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from effekt._checks import (
    as_columns,
    check_choice,
    check_column_args,
    check_frame,
    check_no_missing,
    check_number,
    check_positive_int,
    check_rng,
)
from effekt._docs import fill_doc
from effekt.errors import DataError, EffektWarning, SpecError
from effekt.estimators.matching import nearest
from effekt.estimators.matching.effect import ESTIMAND_WORDS
from effekt.estimators.matching.propensity import (
    covariate_design,
    fit_propensity,
    resolve_spec,
    treatment_indicator,
)
from effekt.estimators.matching.results import MatchResult, effective_sample_size
from effekt.estimators.matching.strata import stratum_match

__all__ = ["Discard", "Estimand", "MatchMethod", "MatchOrder", "match"]

MatchMethod = Literal["nearest", "exact", "cem", "mahalanobis"]
MatchOrder = Literal["largest", "smallest", "random", "data"]
Discard = Literal["none", "treated", "control", "both"]
Estimand = Literal["ATT", "ATC", "ATE"]
_DISTANCES = ("logit", "probit", "mahalanobis", "ivar")


def _discard(dist: np.ndarray, focal: np.ndarray, how: str) -> np.ndarray:
    """Units outside the other group's range of the distance (common support)."""
    out = np.zeros(len(dist), dtype=bool)
    if how == "none":
        return out
    lo_f, hi_f = dist[focal == 1].min(), dist[focal == 1].max()
    lo_o, hi_o = dist[focal == 0].min(), dist[focal == 0].max()
    if how in ("treated", "both"):
        out |= (focal == 1) & ((dist < lo_o) | (dist > hi_o))
    if how in ("control", "both"):
        out |= (focal == 0) & ((dist < lo_f) | (dist > hi_f))
    return out


def _order(dist: np.ndarray | None, n: int, how: str, rng: np.random.Generator) -> np.ndarray:
    if how == "data":
        return np.arange(n)
    if how == "random":
        return rng.permutation(n)
    if dist is None:
        raise SpecError(
            f"order={how!r} sorts by a score, and the Mahalanobis distance has none; "
            "use order='data' or 'random'."
        )
    return np.argsort(-dist if how == "largest" else dist, kind="stable")


def _pair_weights(n: int, pair_f: np.ndarray, pair_o: np.ndarray, n_focal: int) -> np.ndarray:
    """MatchIt's weights: focal 1; others sum 1/k over their pairs, scaled to their count."""
    w = np.zeros(n)
    k = np.bincount(pair_f, minlength=n)
    w[np.unique(pair_f)] = 1.0
    other = np.zeros(n)
    np.add.at(other, pair_o, 1.0 / k[pair_f])
    used = other > 0
    other[used] *= used.sum() / other.sum()
    return w + other


@fill_doc
def match(
    df: pd.DataFrame,
    treatment: str | None = None,
    covariates: str | Sequence[str] | None = None,
    *,
    formula: str | None = None,
    method: MatchMethod = "nearest",
    distance: str | np.ndarray | pd.Series = "logit",
    ratio: int = 1,
    replace: bool = False,
    ties: bool = True,
    caliper: float | None = None,
    std_caliper: bool = True,
    exact: str | Sequence[str] | None = None,
    order: MatchOrder | None = None,
    discard: Discard = "none",
    cutpoints: Mapping[str, int | Sequence[float]] | None = None,
    estimand: Estimand = "ATT",
    seed: int | np.random.Generator | None = None,
) -> MatchResult:
    """Match treated and control units, as MatchIt's ``matchit()``.

    Parameters
    ----------
    %(units_df)s
    %(treatment_spec)s
    method : {"nearest", "exact", "cem", "mahalanobis"}
        Nearest-neighbour on ``distance``; exact matching on the covariates; coarsened
        exact matching; or nearest-neighbour on the Mahalanobis distance (the same as
        ``method="nearest", distance="mahalanobis"``).
    distance : {"logit", "probit", "mahalanobis", "ivar"} or array
        The propensity model (its fitted probability is the distance, as MatchIt's
        ``distance = "glm"``), the Mahalanobis distance on the covariates with the
        pooled within-group covariance, the inverse-variance (diagonal) metric on the
        covariates with their full-sample variances (Abadie and Imbens 2006; the default
        of R Matching's ``Weight = 1`` and Stata's ``nnmatch``), or one score per row.
    ratio : int
        Controls per treated unit. Without replacement, matching runs in rounds: every
        treated unit gets its first control before any gets its second.
    replace : bool
        Whether a control may be matched to several treated units.
    ties : bool
        With replacement: ``True`` (R Matching's default ``ties = TRUE``; Abadie and
        Imbens 2006) keeps every control exactly as close as the ``ratio``-th nearest
        (squared standardised distances equal up to rounding, 1e-9), so a treated unit
        may get more than ``ratio`` controls, each weighted ``1/M_i``; ``False`` keeps
        exactly ``ratio``, equally close ones taken in data order. The squared
        standardised distance is the squared metric for ``"ivar"`` and
        ``"mahalanobis"``, and for a score its squared difference divided by the
        score's variance over all units (R Matching's ``Weight = 1``). R Matching also
        ties distances within its ``distance.tolerance`` (1e-5) of each other; see
        :mod:`~effekt.estimators.matching.nearest`. Without replacement ``ties`` has no
        effect: each treated unit takes one control per round, the earliest in the data
        among equally close ones (MatchIt).
    caliper : float, optional
        Largest allowed distance between matched units; treated units with no control
        within it are left unmatched.
    std_caliper : bool
        Whether ``caliper`` is in standard deviations of the score (over all units);
        for the Mahalanobis distance the caliper is always in its own (standardised)
        units.
    exact : str or sequence of str, optional
        Columns on which matched units must agree exactly (nearest-neighbour within
        each combination).
    order : {"largest", "smallest", "random", "data"}, optional
        Order in which treated units pick controls; default ``"largest"`` score first
        (MatchIt's default), ``"data"`` for the Mahalanobis distance. Treated units
        with equal scores keep data order.
    discard : {"none", "treated", "control", "both"}
        Drop units outside the other group's range of the score before matching.
    cutpoints : mapping, optional
        For CEM: per covariate the number of equal-width bins or the cut points;
        default Sturges' rule, ``ceil(log2(n) + 1)`` bins, for every numeric covariate
        with more than two values (MatchIt's default).
    estimand : {"ATT", "ATC", "ATE"}
        ATT or ATC for nearest-neighbour matching; any for exact and CEM.
    seed : int or numpy.random.Generator, optional
        For ``order="random"``.

    Returns
    -------
    MatchResult

    Raises
    ------
    DataError
        For bad treatment or covariates (see :func:`~effekt.estimators.matching.propensity.
        propensity`), or a caliper (or ``exact=``/``discard=``) that leaves no matches.

    Warns
    -----
    EffektWarning
        Without replacement, when the control pool (of some ``exact=`` stratum) is smaller
        than ``ratio`` controls per treated unit, naming how many treated units got fewer
        than ``ratio`` matches (as MatchIt warns).

    Examples
    --------
    >>> from effekt.synthetic.examples import cross_section
    >>> d = cross_section(n=300)
    >>> m = match(d, "t", ["x", "g"])
    >>> int(m.counts.loc["matched", "treated"]) == int(d["t"].sum())
    True
    """
    check_frame("df", df)
    if not df.index.is_unique:
        dup = df.index[df.index.duplicated()].unique()[:3].tolist()
        raise DataError(f"df has duplicated index labels (e.g. {dup}); match names the units "
                        "of each pair by their index label, so they must be unique: pass "
                        "df.reset_index(drop=True).")
    check_choice("method", method, MatchMethod)
    check_choice("discard", discard, Discard)
    check_choice("estimand", estimand, Estimand)
    if order is not None:
        check_choice("order", order, MatchOrder)
    ratio = check_positive_int("ratio", ratio)
    rng = check_rng(seed)
    caliper = check_number("caliper", caliper, low=0, low_open=True, allow_none=True)
    for name, flag in (("replace", replace), ("ties", ties), ("std_caliper", std_caliper)):
        if not isinstance(flag, bool | np.bool_):
            raise SpecError(f"{name} must be True or False, got {flag!r}.")
    treatment, covs = resolve_spec(treatment, covariates, formula)
    t = treatment_indicator(df, treatment)
    design = covariate_design(df, covs)
    exact_cols = as_columns("exact", exact)
    check_column_args(df, {"exact": exact_cols})
    check_no_missing(df, exact_cols, table="df")
    if method == "mahalanobis":
        distance = "mahalanobis"
    settings = {
        "method": method,
        "distance": distance if isinstance(distance, str) else "user",
        "ratio": ratio,
        "replace": bool(replace),
        "ties": bool(ties),
        "caliper": caliper,
        "std_caliper": bool(std_caliper),
        "exact": tuple(exact_cols),
        "order": order,
        "discard": discard,
        "estimand": estimand,
    }
    if method in ("exact", "cem"):
        w, sub = stratum_match(df, t, covs, exact_cols, method, cutpoints, estimand)
        return _result(df, t, treatment, covs, method, settings, w, sub, None, None, ())

    if estimand == "ATE":
        raise SpecError(
            "estimand='ATE' is not available for nearest-neighbour matching (each treated "
            "unit gets controls, not the reverse); use 'ATT' or 'ATC', or method='exact'/"
            "'cem', or weights(..., estimand='ATE')."
        )
    focal = t if estimand == "ATT" else 1 - t
    score = _distance(df, t, design, distance)
    discarded = _discard(score, focal, discard) if score is not None else np.zeros(len(t), bool)
    n_other = int(((focal == 0) & ~discarded).sum())
    n_focal = int(((focal == 1) & ~discarded).sum())
    names = ("treated", "control") if estimand == "ATT" else ("control", "treated")
    cal = caliper
    if caliper is not None and std_caliper and score is not None:
        cal = float(caliper * np.std(score, ddof=1))
    ord_how = order or ("largest" if score is not None else "data")
    if score is None:
        zall = nearest.covariate_metric(design.to_numpy(dtype=float), t, str(distance))
        scale = 1.0
    else:
        # R Matching's Weight = 1 on a score: standardised by its SD over all units
        scale = float(np.std(score, ddof=1)) if len(score) > 1 else 0.0
        scale = scale if scale > 0 else 1.0
        zall = (score / scale)[:, None]
    strata = (
        pd.MultiIndex.from_frame(df[exact_cols]).factorize()[0] if exact_cols else None
    )
    pf, po, gaps = [], [], []
    groups = [np.arange(len(t))] if strata is None else [
        np.flatnonzero(strata == s) for s in range(strata.max() + 1)
    ]
    pool_short = False  # some (stratum's) pool has fewer than ratio controls per treated unit
    for idx in groups:
        idx = idx[~discarded[idx]]
        fi, oi = idx[focal[idx] == 1], idx[focal[idx] == 0]
        pool_short |= not replace and ratio * fi.size > oi.size
        if fi.size == 0 or oi.size == 0:
            continue
        ordr = _order(None if score is None else score[fi], fi.size, ord_how, rng)
        if replace:
            a, b, g = nearest.nearest_with_replacement(
                zall[fi], zall[oi], ratio, None if cal is None else cal / scale, ties
            )
            g = g * scale
        elif score is None:
            a, b, g = nearest.mahalanobis_match(zall[fi], zall[oi], ordr, ratio, cal)
        else:
            a, b, g = nearest.greedy_1d(score[fi], score[oi], ordr, ratio, cal)
        pf.append(fi[a])
        po.append(oi[b])
        gaps.append(g)
    pair_f = np.concatenate(pf) if pf else np.array([], dtype=np.int64)
    pair_o = np.concatenate(po) if po else np.array([], dtype=np.int64)
    gap = np.concatenate(gaps) if gaps else np.array([])
    if pair_f.size == 0:
        why = f"caliper={caliper!r}" if caliper is not None else "the exact/discard settings"
        if caliper is not None and cal != caliper:
            why += f" standard deviations of the score ({cal:.4g} on the score)"
        raise DataError(
            f"{why} leaves no matches: no {names[0]} unit has an eligible {names[1]} unit. "
            "Widen the caliper, relax exact=, or use discard='none'."
        )
    if pool_short:
        got = np.bincount(pair_f, minlength=len(t))[(focal == 1) & ~discarded]
        fewer, none = int((got < ratio).sum()), int((got == 0).sum())
        if fewer:
            where = " (in some exact= strata)" if exact_cols else ""
            warnings.warn(
                f"only {n_other} {names[1]} units for {n_focal} {names[0]} units at "
                f"ratio={ratio} without replacement{where}; not all {names[0]} units will "
                f"get {ratio} matches: {fewer} of the {n_focal} {names[0]} units got fewer "
                f"than {ratio} ({none} got none). Lower ratio or set replace=True (MatchIt "
                "warns alike).",
                EffektWarning,
                stacklevel=2,
            )
    w = _pair_weights(len(t), pair_f, pair_o, int(focal.sum()))
    # subclasses numbered in the order the treated units got their first control
    first = pd.unique(pair_f)
    sub_of = np.full(len(t), -1)
    sub_of[first] = np.arange(1, first.size + 1)
    sub = np.full(len(t), -1)
    if not replace:
        sub[pair_f] = sub_of[pair_f]
        sub[pair_o] = sub_of[pair_f]
    labels = df.index.to_numpy()
    t_pos, c_pos = (pair_f, pair_o) if estimand == "ATT" else (pair_o, pair_f)
    pairs = pd.DataFrame(
        {
            "treated": labels[t_pos],
            "control": labels[c_pos],
            "subclass": sub_of[pair_f],
            "gap": gap,
        }
    )
    dist_series = None if score is None else pd.Series(score, index=df.index, name="distance")
    return _result(
        df, t, treatment, covs, method, settings, w, sub, dist_series, pairs, discarded
    )


def _distance(
    df: pd.DataFrame, t: np.ndarray, design: pd.DataFrame, distance
) -> np.ndarray | None:
    """Return the 1-D score to match on, or None for the Mahalanobis distance."""
    if isinstance(distance, str):
        check_choice("distance", distance, _DISTANCES)
        if distance in ("mahalanobis", "ivar"):
            return None
        return fit_propensity(t, design, distance)
    score = np.asarray(distance, dtype=float)
    if score.shape != (len(df),) or not np.isfinite(score).all():
        raise DataError(
            f"distance given as an array must hold one finite number per row of df "
            f"({len(df)}), got shape {score.shape}."
        )
    return score


def _result(df, t, treatment, covs, method, settings, w, sub, dist, pairs, discarded):
    matched = w > 0
    data = df.loc[matched].copy()
    if dist is not None:
        data["distance"] = dist.to_numpy()[matched]
    data["weights"] = w[matched]
    data["subclass"] = pd.array(np.where(sub[matched] > 0, sub[matched], None), dtype="Int64")
    disc = np.asarray(discarded, dtype=bool) if len(discarded) else np.zeros(len(t), bool)
    counts = pd.DataFrame(
        {
            g: [
                float((t == gv).sum()),
                float((matched & (t == gv)).sum()),
                float((~matched & ~disc & (t == gv)).sum()),
                float((disc & (t == gv)).sum()),
                effective_sample_size(w[t == gv]),
            ]
            for g, gv in (("control", 0), ("treated", 1))
        },
        index=["all", "matched", "unmatched", "discarded", "effective_n"],
    )
    if pairs is None:
        pairs = pd.DataFrame({"treated": [], "control": [], "subclass": [], "gap": []})
    return MatchResult(
        data=data,
        pairs=pairs,
        counts=counts,
        treatment=treatment,
        covariates=tuple(covs),
        method=method,
        settings=settings,
        estimand=ESTIMAND_WORDS[settings["estimand"]],
        source=df,
        all_weights=pd.Series(w, index=df.index, name="weights"),
        distance_values=dist,
    )
