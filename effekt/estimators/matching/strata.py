"""Exact and coarsened exact matching (CEM): strata and their weights.

Units are grouped into strata by their (coarsened) covariate values; strata without both
treated and control units are dropped. Weights follow MatchIt's subclass weights: for
the ATT a treated unit has weight 1 and a control ``n_t,s / n_c,s`` in its stratum,
rescaled so that the control weights sum to the number of matched controls (ATC the
mirror image); for the ATE a unit's weight is ``n_s / n_g,s`` for its group ``g``,
rescaled so that each group's weights sum to its number of matched units.

References
----------
Iacus, S. M., King, G. and Porro, G. (2012). Causal inference without balance checking:
coarsened exact matching. *Political Analysis* 20(1), 1-24.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from effekt._checks import check_positive_int
from effekt.errors import DataError, SpecError

__all__ = ["coarsen", "stratum_match"]

_MAX_BINS = 10_000


def coarsen(
    x: pd.Series, cut: int | Sequence[float] | None = None
) -> np.ndarray:
    """Bin a numeric covariate: ``cut`` equal-width bins, the cut points, or Sturges' rule.

    Non-numeric columns and columns with at most two values are returned as codes
    (matched exactly).

    Examples
    --------
    >>> import pandas as pd
    >>> coarsen(pd.Series([1.0, 2.0, 3.0, 4.0]), 2).tolist()
    [0, 0, 1, 1]
    """
    numeric = pd.api.types.is_numeric_dtype(x) or pd.api.types.is_bool_dtype(x)
    if not numeric or (cut is None and x.nunique() <= 2):
        return pd.factorize(x, sort=True)[0]
    values = x.to_numpy(dtype=float)
    if cut is None:
        cut = math.ceil(math.log2(len(values)) + 1)
    if isinstance(cut, int | np.integer):
        n_bins = check_positive_int(f"cutpoints[{x.name!r}]", cut)
        if n_bins > _MAX_BINS:
            raise SpecError(f"cutpoints[{x.name!r}]={n_bins} bins; at most {_MAX_BINS} are "
                            "allowed (more bins than units match nothing more).")
        lo, hi = values.min(), values.max()
        edges = np.linspace(lo, hi, n_bins + 1)[1:-1]
    else:
        try:
            edges = np.sort(np.asarray(cut, dtype=float))
        except (TypeError, ValueError):
            raise SpecError(f"cutpoints[{x.name!r}] must be a number of bins or a list of "
                            f"cut points, got {cut!r}.") from None
        if edges.ndim != 1 or not np.isfinite(edges).all():
            raise SpecError(f"cutpoints[{x.name!r}] must be finite cut points, got {cut!r}.")
    return np.searchsorted(edges, values, side="left")


def stratum_match(
    df: pd.DataFrame,
    t: np.ndarray,
    covariates: Sequence[str],
    exact: Sequence[str],
    method: str,
    cutpoints: Mapping[str, int | Sequence[float]] | None,
    estimand: str,
) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(weights, subclass)`` for exact (``method="exact"``) or CEM matching."""
    cutpoints = dict(cutpoints or {})
    unknown = sorted(set(cutpoints) - set(covariates))
    if unknown:
        raise SpecError(f"cutpoints names {unknown}, which are not among the covariates.")
    if method == "exact" and cutpoints:
        raise SpecError("cutpoints is only used with method='cem'.")
    codes = {}
    for c in covariates:
        if method == "exact" or c in exact:
            codes[c] = pd.factorize(df[c], sort=True)[0]
        else:
            codes[c] = coarsen(df[c], cutpoints.get(c))
    for c in exact:
        if c not in codes:
            codes[c] = pd.factorize(df[c], sort=True)[0]
    stratum = pd.MultiIndex.from_frame(pd.DataFrame(codes)).factorize()[0]
    n_s = np.bincount(stratum)
    n_t = np.bincount(stratum, weights=t.astype(float), minlength=n_s.size)
    n_c = n_s - n_t
    ok = (n_t > 0) & (n_c > 0)
    matched = ok[stratum]
    if not matched.any():
        raise DataError(
            f"method={method!r} leaves no matches: no stratum holds both treated and control "
            "units. Use fewer covariates or coarser cut points."
        )
    w = np.zeros(len(t))
    treated, control = matched & (t == 1), matched & (t == 0)
    if estimand == "ATT":
        w[treated] = 1.0
        w[control] = (n_t / np.where(n_c > 0, n_c, 1))[stratum][control]
    elif estimand == "ATC":
        w[control] = 1.0
        w[treated] = (n_c / np.where(n_t > 0, n_t, 1))[stratum][treated]
    else:
        w[treated] = (n_s / np.where(n_t > 0, n_t, 1))[stratum][treated]
        w[control] = (n_s / np.where(n_c > 0, n_c, 1))[stratum][control]
    for grp in (treated, control):
        w[grp] *= grp.sum() / w[grp].sum()
    order = pd.unique(stratum[matched])
    relabel = np.full(n_s.size, -1)
    relabel[order] = np.arange(1, order.size + 1)
    sub = np.where(matched, relabel[stratum], -1)
    return w, sub
