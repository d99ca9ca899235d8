"""Input checks and encodings shared by the classic DiD estimators (effekt.estimators.did.classic).

Messages name the argument, the column, the values found and what is allowed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from effekt._checks import (
    check_clusters,
    check_column_args,
    check_finite,
    check_frame,
    check_no_missing,
    check_numeric,
    check_unique,
    check_varies,
)
from effekt.errors import DataError, NotEstimableError

__all__ = ["codes", "event_times", "show", "validate"]


def show(values, limit: int = 3) -> str:
    """Show up to ``limit`` values for an error message (numpy scalars as Python)."""
    vals = [v.item() if isinstance(v, np.generic) else v for v in values]
    shown = ", ".join(repr(v) for v in vals[:limit])
    return shown + (f", ... ({len(vals)} in all)" if len(vals) > limit else "")


def _check_binary(df: pd.DataFrame, column: str, argument: str) -> None:
    values = df[column]
    if pd.api.types.is_bool_dtype(values):
        return
    if not pd.api.types.is_numeric_dtype(values):
        raise DataError(
            f"{argument}={column!r}: column must be 0/1 (numeric or boolean), got dtype "
            f"{values.dtype}."
        )
    bad = pd.unique(values[~values.isin([0, 1])])
    if len(bad):
        raise DataError(
            f"{argument}={column!r}: column must hold only 0 and 1; found {show(sorted(bad))}."
        )


def _check_weights(df: pd.DataFrame, weights: str | None) -> None:
    if weights is None:
        return
    w = df[weights].to_numpy(dtype=float)
    n_bad = int(np.sum(~np.isfinite(w) | (w < 0)))
    if n_bad:
        raise DataError(
            f"weights={weights!r}: {n_bad} row(s) are negative or not finite (e.g. "
            f"{show(w[~np.isfinite(w) | (w < 0)])}); weights must be finite and >= 0."
        )
    if not np.any(w > 0):
        raise DataError(f"weights={weights!r}: all weights are zero.")


def validate(
    df,
    *,
    outcome: str,
    unit: str,
    time: str,
    binary: dict[str, str] | None = None,
    covariates: Sequence[str] = (),
    cluster: str | None,
    weights: str | None,
    extra: Sequence[str] = (),
    panel: bool = False,
) -> str:
    """Run the boundary checks shared by the estimators; return the cluster column.

    ``cluster`` defaults to ``unit``. With ``panel=True`` the rows must also be unique by
    unit and period. Checked, before any work: the column names; a numeric, finite
    outcome that is not constant; numeric, finite covariates and weights; 0/1 indicators;
    no missing values; at least two clusters; with ``panel=True`` unique unit-period rows
    and at least two periods.
    """
    binary = binary or {}
    covariates = list(covariates)
    check_frame("df", df)
    check_column_args(df, {"outcome": outcome, "unit": unit, "time": time, **binary,
                           "covariates": covariates, "cluster": cluster, "weights": weights,
                           **({"cohort": extra[0]} if extra else {})})
    cluster = unit if cluster is None else cluster
    numeric = [outcome, *covariates] + ([weights] if weights else [])
    check_numeric(df, numeric, table="df")
    for argument, column in binary.items():
        check_no_missing(df, [column], table="df")
        _check_binary(df, column, argument)
    needed = [outcome, unit, time, *covariates, cluster] + ([weights] if weights else [])
    check_no_missing(df, list(dict.fromkeys(needed)), table="df")
    check_finite(df, numeric, table="df")
    _check_weights(df, weights)
    check_varies(df, outcome)
    check_clusters(df, cluster)
    check_sortable(df, time, "time")
    if panel:
        check_unique(df, [unit, time], table="df")
        periods = pd.unique(df[time])
        if len(periods) < 2:
            raise NotEstimableError(
                f"time={time!r} has a single period ({show(periods)}): with one period the "
                "period effects absorb the treatment and there is no before and after to "
                "compare; give a panel with at least two periods."
            )
    return cluster


def check_sortable(df: pd.DataFrame, column: str, argument: str) -> None:
    """Raise a DataError when ``column`` mixes kinds of values that cannot be ordered."""
    try:
        np.sort(pd.unique(df[column].dropna()))
    except TypeError:
        kinds = sorted({type(v).__name__ for v in df[column].dropna()})
        raise DataError(
            f"{argument}={column!r} mixes values of kinds {kinds}; periods must be all "
            "numbers, all dates or all strings so that they can be ordered."
        ) from None


def codes(values: pd.Series) -> np.ndarray:
    """Integer codes of ``values`` (works for numbers, strings and categories alike)."""
    codes, _ = pd.factorize(values, sort=True)
    return codes.astype(np.int64)


def event_times(df: pd.DataFrame, time: str, cohort: str, unit: str) -> np.ndarray:
    """Event time of each row (period positions since cohort); NaN for never treated."""
    periods = np.sort(pd.unique(df[time]))
    position = pd.Series(np.arange(len(periods)), index=periods)
    coh = df[cohort]
    never = coh.isna() | (coh == 0)
    treated_cohorts = pd.unique(coh[~never])
    unknown = [c for c in treated_cohorts if c not in position.index]
    if unknown:
        raise DataError(
            f"cohort={cohort!r}: value(s) {show(sorted(unknown, key=str))} are not among the "
            f"periods of "
            f"time={time!r} ({show(periods, 4)}); a cohort is the first treated period, "
            "0 or missing for never treated."
        )
    per_unit = coh.where(~never, 0).groupby(df[unit]).nunique()
    if (per_unit > 1).any():
        examples = per_unit[per_unit > 1].index[:3].tolist()
        raise DataError(
            f"cohort={cohort!r} must be constant within each unit; it varies for "
            f"{int((per_unit > 1).sum())} unit(s), e.g. {unit}={show(examples)}."
        )
    pos_t = position.loc[df[time].to_numpy()].to_numpy(dtype=float)
    pos_c = np.full(len(df), np.nan)
    pos_c[~never.to_numpy()] = position.loc[coh[~never].to_numpy()].to_numpy(dtype=float)
    return pos_t - pos_c
