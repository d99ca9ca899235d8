"""Covariate balance before and after matching or weighting, and the love plot.

Conventions are MatchIt's (``summary.matchit``) and cobalt's:

* standardised mean difference (SMD) = weighted mean difference (treated − control)
  divided by a standard deviation computed in the *unmatched* sample: the treated
  group's for the ATT, the control group's for the ATC, ``sqrt((s_t^2 + s_c^2)/2)`` for
  the ATE. For a binary covariate (two values, 0/1) the SD is ``sqrt(p (1 − p))``
  (no ``n − 1``);
* variance ratio = treated / control weighted variance, with the weighted
  ``n − 1`` correction ``sum w (x − m)^2 / (sum w − sum w^2 / sum w)``; not given for
  binary covariates;
* eCDF mean and max = mean and maximum over the pooled unique values of the absolute
  difference between the weighted empirical CDFs; for a binary covariate both are the
  absolute difference in proportions.

Categorical covariates appear as one row per level (all levels), as in MatchIt.

References
----------
Austin, P. C. (2009). Balance diagnostics for comparing the distribution of baseline
covariates between treatment groups in propensity-score matched samples. *Statistics
in Medicine* 28(25), 3083-3107.
Stuart, E. A. (2010). Matching methods for causal inference: a review and a look
forward. *Statistical Science* 25(1), 1-21.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from effekt._checks import (
    as_columns,
    check_choice,
    check_column_args,
    check_frame,
    check_numeric,
)
from effekt.errors import DataError, SpecError
from effekt.estimators.matching.effect import ESTIMAND_WORDS
from effekt.estimators.matching.propensity import covariate_design, treatment_indicator
from effekt.results import ResultsBase, figure_of, format_table

__all__ = ["BalanceResult", "balance"]

THRESHOLD = 0.1


def _wmean(x: np.ndarray, w: np.ndarray) -> float:
    return float(np.sum(w * x) / np.sum(w))


def _wvar(x: np.ndarray, w: np.ndarray) -> float:
    sw = w.sum()
    m = np.sum(w * x) / sw
    return float(np.sum(w * (x - m) ** 2) / (sw - np.sum(w**2) / sw))


def _ecdf_stats(xt, wt, xc, wc) -> tuple[float, float]:
    """Mean and max over the pooled unique values of ``|F_t - F_c|`` (weighted eCDFs).

    Each eCDF at a value ``v`` is the group's cumulative weight, summed in ascending order
    of the group's values, after its ``n(x <= v)`` units. The counts come from one sort of
    the pooled values: the smaller group's by locating its values in the grid of unique
    values, the larger group's as the pooled count minus that.
    """
    pooled = np.sort(np.concatenate([xt, xc]))
    first = np.append(True, pooled[1:] != pooled[:-1])
    grid = pooled[first]
    n_pooled = np.append(np.flatnonzero(first)[1:], pooled.size)  # pooled values <= grid
    small = xt if xt.size <= xc.size else xc
    n_small = np.cumsum(np.bincount(np.searchsorted(grid, small), minlength=grid.size))
    n_t, n_c = (n_small, n_pooled - n_small) if small is xt else (n_pooled - n_small, n_small)
    diff = np.abs(_cumulative_weights(xt, wt)[n_t] - _cumulative_weights(xc, wc)[n_c])
    return float(diff.mean()), float(diff.max())


def _cumulative_weights(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """``c[j]``: the share of the weight in the ``j`` smallest ``x`` (data order among ties)."""
    if w.size and (w != w[0]).any():
        w_sorted = w[np.argsort(x, kind="stable")]
    else:  # equal weights sum the same in any order: no sort
        w_sorted = w
    return np.concatenate([[0.0], np.cumsum(w_sorted)]) / w.sum()


def _is_binary(x: np.ndarray) -> bool:
    return bool(((x == 0) | (x == 1)).all())


def _sd_denominator(x, t, binary, estimand):
    def sd(v):
        if binary:
            p = v.mean()
            return np.sqrt(p * (1 - p))
        return np.std(v, ddof=1)

    st, sc = sd(x[t == 1]), sd(x[t == 0])
    if estimand == "ATT":
        return st
    if estimand == "ATC":
        return sc
    return np.sqrt((st**2 + sc**2) / 2)


def _stats(x, t, w, binary, sd):
    treated = t == 1
    xt, xc, wt, wc = x[treated], x[~treated], w[treated], w[~treated]
    diff = _wmean(xt, wt) - _wmean(xc, wc)
    with np.errstate(divide="ignore", invalid="ignore"):
        smd = diff / sd if sd > 0 else np.nan
    if binary:
        return smd, np.nan, abs(diff), abs(diff)
    vt, vc = _wvar(xt, wt), _wvar(xc, wc)
    # constant among the controls: Inf (as R), or NaN when constant in both groups
    vr = vt / vc if vc > 0 else (np.inf if vt > 0 else np.nan)
    em, ex = _ecdf_stats(xt, wt, xc, wc)
    return smd, vr, em, ex


@dataclass(frozen=True, eq=False, repr=False)
class BalanceResult(ResultsBase):
    """A balance table before and after matching or weighting.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per covariate (categorical ones per level; ``distance`` first when
        there is a propensity score) with columns ``type`` (binary/continuous),
        ``smd_before``, ``smd_after``, ``vr_before``, ``vr_after``,
        ``ecdf_mean_before``, ``ecdf_mean_after``, ``ecdf_max_before``,
        ``ecdf_max_after``.
    estimand : str
        The estimand whose SD convention the SMDs use (words).
    threshold : float
        The absolute SMD marked on the love plot (0.1).
    """

    table: pd.DataFrame
    estimand: str
    threshold: float = THRESHOLD

    def to_frame(self) -> pd.DataFrame:
        """Return the balance table with the covariate as a column."""
        return self.table.rename_axis("covariate").reset_index()

    def summary(self) -> str:
        """Deterministic text: the table and the covariates with absolute SMD above threshold."""
        bad = self.table.index[self.table["smd_after"].abs() > self.threshold].tolist()
        return "\n".join(
            [
                f"Covariate balance ({self.estimand})",
                format_table(self.table.drop(columns="type")),
                f"|SMD| after > {self.threshold}: {', '.join(bad) if bad else 'none'}",
            ]
        )

    def plot(self, ax=None):
        """Love plot: absolute SMD before and after per covariate, a line at 0.1; the Figure."""
        import matplotlib.pyplot as plt

        tab = self.table
        if ax is None:
            _, ax = plt.subplots(figsize=(6, 0.3 * len(tab) + 1.2))
        y = np.arange(len(tab))[::-1]
        ax.scatter(tab["smd_before"].abs(), y, marker="o", facecolors="none",
                   edgecolors="C0", label="before")
        ax.scatter(tab["smd_after"].abs(), y, marker="o", color="C1", label="after")
        ax.axvline(self.threshold, color="grey", ls="--", lw=0.8)
        ax.set_yticks(y, tab.index.tolist())
        ax.set_xlabel("absolute standardised mean difference")
        ax.legend(loc="lower right")
        return figure_of(ax)


def balance(
    result_or_df: Any,
    covariates: str | Sequence[str] | None = None,
    *,
    treatment: str | None = None,
    weights: str | None = None,
    estimand: str = "ATT",
) -> BalanceResult:
    """Balance table before and after matching or weighting.

    Parameters
    ----------
    result_or_df : MatchResult, WeightResult or pandas.DataFrame
        A matching or weighting result (before = the input data, after = its weights),
        or a data frame with ``treatment`` and optionally a ``weights`` column.
    covariates : str or sequence of str, optional
        Covariates to show; default the result's own.
    treatment : str, optional
        With a data frame: the 0/1 treatment column.
    weights : str, optional
        With a data frame: the column of weights "after" (default: all 1, so after
        equals before).
    estimand : {"ATT", "ATC", "ATE"}
        With a data frame: chooses the SD in the SMD denominator.

    Returns
    -------
    BalanceResult

    Examples
    --------
    >>> from effekt.synthetic.examples import cross_section
    >>> b = balance(cross_section(n=200), ["x"], treatment="t")
    >>> list(b.table.columns)[:3]
    ['type', 'smd_before', 'smd_after']
    """
    if isinstance(result_or_df, pd.DataFrame):
        df = check_frame("result_or_df", result_or_df)
        if treatment is None:
            raise SpecError("balance(df, ...) needs treatment=<0/1 column>.")
        check_choice("estimand", estimand, ("ATT", "ATC", "ATE"))
        covs = as_columns("covariates", covariates)
        if weights is not None:
            check_column_args(df, {"weights": weights}, table="result_or_df")
            check_numeric(df, [weights], table="result_or_df")
            w = df[weights].to_numpy(dtype=float, na_value=np.nan)
        else:
            w = np.ones(len(df))
        dist = None
    elif hasattr(result_or_df, "all_weights"):
        res = result_or_df
        df, treatment, estimand = res.source, res.treatment, res.estimand_code
        covs = as_columns("covariates", covariates) or list(res.covariates)
        w = res.all_weights.to_numpy(dtype=float)
        dist = res.distance_values
    else:
        raise DataError(
            "balance() takes a MatchResult, a WeightResult or a pandas DataFrame, got "
            f"{type(result_or_df).__name__}."
        )
    if not covs:
        raise SpecError("covariates is empty; name the covariates to check.")
    if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise DataError("weights must be finite, non-negative and not all zero.")
    t = treatment_indicator(df, treatment)
    design = covariate_design(df, covs, drop_first=False)
    if dist is not None:
        design.insert(0, "distance", dist.to_numpy())
    ones = np.ones(len(df))
    kept = w > 0
    t_kept, w_kept = t[kept], w[kept]
    rows = {}
    for name in design.columns:
        x = design[name].to_numpy(dtype=float)
        binary = _is_binary(x)
        sd = _sd_denominator(x, t, binary, estimand)
        b = _stats(x, t, ones, binary, sd)
        after = _stats(x[kept], t_kept, w_kept, binary, sd)
        rows[name] = {
            "type": "binary" if binary else "continuous",
            "smd_before": b[0],
            "smd_after": after[0],
            "vr_before": b[1],
            "vr_after": after[1],
            "ecdf_mean_before": b[2],
            "ecdf_mean_after": after[2],
            "ecdf_max_before": b[3],
            "ecdf_max_after": after[3],
        }
    return BalanceResult(
        table=pd.DataFrame.from_dict(rows, orient="index"), estimand=ESTIMAND_WORDS[estimand]
    )
