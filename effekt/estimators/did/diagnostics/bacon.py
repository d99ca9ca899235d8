"""The Goodman-Bacon decomposition: what the TWFE DiD coefficient averages.

With staggered adoption of a binary absorbing treatment on a balanced panel, the
coefficient of the treatment in an OLS regression with unit and period fixed effects is a
weighted average of every 2x2 difference-in-differences between groups of units that
adopt at different times (Goodman-Bacon 2021, Theorem 1):

* ``treated_vs_never`` — a timing group against the never treated, over the whole panel;
* ``treated_vs_always`` — a timing group against the always treated (treated in every
  period of the panel), over the whole panel: the always treated act as a control group
  whose treatment never changes, as in Goodman-Bacon's Stata ``bacondecomp``;
* ``earlier_vs_later`` — an earlier-treated group against a later-treated one, over the
  periods before the later group is treated;
* ``later_vs_earlier`` — a later-treated group against an earlier-treated one, over the
  periods after the earlier group is treated: the already-treated group is the control,
  so a change in its effect over time enters the estimate with a minus sign (the
  "forbidden" comparison).

The weights are positive, sum to 1 and grow with the group sizes and with the variance
of the treatment within each comparison (timing groups treated near the middle of the
panel weigh most). :func:`cohort_from_treatment` turns a 0/1 treatment column into the
cohort column the decomposition takes.

References
----------
Goodman-Bacon, A. (2021). Difference-in-differences with variation in treatment timing.
*Journal of Econometrics* 225(2), 254-277.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from effekt._checks import (
    check_column_args,
    check_finite,
    check_frame,
    check_no_missing,
    check_numeric,
    check_unique,
)
from effekt.errors import DataError, EffektWarning, NotEstimableError
from effekt.estimators.did._input import show
from effekt.estimators.did.diagnostics.bacon_results import (
    COMPARISON_TYPES,
    BaconDecomposition,
    ComparisonType,
)

__all__ = ["COMPARISON_TYPES", "BaconDecomposition", "ComparisonType", "bacon_decomposition",
           "cohort_from_treatment"]


def _panel(df: pd.DataFrame, outcome: str, unit: str, time: str
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, pd.Index]:
    """Check the panel is balanced; return unit codes, period codes, periods, Y, units."""
    check_unique(df, [unit, time], table="df")
    unit_codes, units = pd.factorize(df[unit], sort=True)
    periods = np.sort(pd.unique(df[time].to_numpy(dtype=float)))
    if periods.size < 2:
        raise NotEstimableError(
            f"time={time!r} has a single period ({show(periods)}): a DiD needs at least two "
            "periods.")
    period_codes = np.searchsorted(periods, df[time].to_numpy(dtype=float))
    counts = np.bincount(unit_codes, minlength=len(units))
    short = counts < periods.size
    if short.any():
        raise DataError(
            f"df is not a balanced panel: {int(short.sum())} of {len(units)} units are "
            f"observed in fewer than the {periods.size} periods of time={time!r} (e.g. "
            f"{unit}={show(units[short])}); the Goodman-Bacon decomposition needs every "
            "unit in every period: drop the incomplete units or periods.")
    y = np.empty((len(units), periods.size))
    y[unit_codes, period_codes] = df[outcome].to_numpy(dtype=float)
    return unit_codes, period_codes, periods, y, units


def _start_positions(df: pd.DataFrame, cohort: str, unit: str, unit_codes: np.ndarray,
                     n_units: int, periods: np.ndarray) -> np.ndarray:
    """Return the position of each unit's first treated period; ``len(periods)`` if never."""
    coh = df[cohort].to_numpy(dtype=float)
    coh = np.where(np.isnan(coh), 0.0, coh)
    low = np.full(n_units, np.inf)
    high = np.full(n_units, -np.inf)
    np.minimum.at(low, unit_codes, coh)
    np.maximum.at(high, unit_codes, coh)
    varies = low != high
    if varies.any():
        units = pd.unique(df[unit].to_numpy()[varies[unit_codes]])
        raise DataError(
            f"cohort={cohort!r} must be constant within each unit (the first treated period "
            f"of a binary absorbing treatment; 0 or missing for never treated); it varies "
            f"for {int(varies.sum())} unit(s), e.g. {unit}={show(units)}. A treatment that "
            "switches off again is not absorbing and cannot be decomposed this way.")
    start = np.searchsorted(periods, low, side="left")
    never = low == 0
    late = ~never & (start == periods.size)
    if late.any():
        warnings.warn(
            f"cohort={cohort!r}: {int(late.sum())} unit(s) are first treated after the last "
            f"period ({show(periods[-1:])}); they are untreated throughout the panel and "
            "counted as never treated.", EffektWarning, stacklevel=3)
    start[never] = periods.size
    return start


def _twfe(y: np.ndarray, d: np.ndarray) -> tuple[float, float]:
    """TWFE coefficient and the variance of the two-way demeaned treatment (balanced)."""
    dt = d - d.mean(axis=1, keepdims=True) - d.mean(axis=0, keepdims=True) + d.mean()
    ss = float(np.sum(dt * dt))
    return float(np.sum(dt * y) / ss) if ss > 0 else np.nan, ss / d.size


def bacon_decomposition(
    df: pd.DataFrame, outcome: str, unit: str, time: str, cohort: str
) -> BaconDecomposition:
    """Decompose the TWFE DiD coefficient into 2x2 DiD estimates and their weights.

    Goodman-Bacon (2021, Theorem 1): on a balanced panel with a binary absorbing
    treatment ``D_it = 1[time_t >= cohort_i]``, the coefficient of ``D`` in the OLS
    regression of ``outcome`` on ``D`` with unit and period fixed effects equals
    ``sum(weight * estimate)`` over every 2x2 DiD between two groups whose treatment
    differs: a timing group (units first treated in the same period inside the panel)
    against the never treated (``treated_vs_never``), against the always treated
    (``treated_vs_always``), against a later timing group before it is treated
    (``earlier_vs_later``) or against an earlier timing group after it is treated
    (``later_vs_earlier``, the comparison with already-treated controls). The weights are
    positive and sum to 1.

    Each 2x2 estimate is the change of the treated group's mean outcome from the
    comparison's pre to its post periods minus the same change of the control group.
    Each weight is ``(n_k + n_l)^2 n_kl (1 - n_kl)`` times the variance of the treatment
    within the comparison, over the variance of the two-way demeaned treatment in the
    whole panel (Goodman-Bacon 2021, eq. 10), with ``n_k`` the share of units in group k,
    ``n_kl = n_k / (n_k + n_l)`` and every period weighted equally.

    Parameters
    ----------
    df : pandas.DataFrame
        Balanced panel, one row per unit and period; not modified.
    outcome : str
        Numeric outcome column, no missing values.
    unit : str
        Unit column.
    time : str
        Numeric period column (years, months as integers, ...).
    cohort : str
        The unit's first treated period, constant within a unit; 0 or missing for never
        treated. A unit whose cohort is at or before the first period is *always treated*
        (treated in every period of the panel): it serves as a control group, as in
        Goodman-Bacon's ``bacondecomp``, and its comparisons are ``treated_vs_always``.
        A cohort after the last period counts as never treated (with a warning). A cohort
        between two periods means the first period after it. From a 0/1 treatment
        column, :func:`cohort_from_treatment` gives this column.

    Returns
    -------
    BaconDecomposition
        ``to_frame()`` (one row per 2x2), ``by_type()``, ``twfe_estimate``, ``plot()``.

    Raises
    ------
    DataError
        Missing or repeated columns, a non-numeric outcome, period or cohort, missing or
        infinite values, repeated unit-period rows, an unbalanced panel (the message says
        how many units are incomplete), a cohort that varies within a unit.
    NotEstimableError
        A single period; no unit whose treatment starts inside the panel; or a single
        timing group with no never- or always-treated unit (the treatment is then
        collinear with the period effects).

    Notes
    -----
    The TWFE coefficient is computed directly as ``sum(D~ y) / sum(D~^2)`` with ``D~``
    the two-way demeaned treatment (exact on a balanced panel); the tests check it
    against :func:`effekt.estimators.did.classic.twfe` and linearmodels' ``PanelOLS``, and
    that the weighted 2x2s add up to it, to 1e-10. The decomposition is descriptive: the
    result has no standard errors. Never-treated and always-treated units have the same
    demeaned treatment, so a comparison between the two gets no weight and is not listed.

    Examples
    --------
    >>> from effekt.estimators import bacon_decomposition
    >>> from effekt.synthetic.examples import staggered_panel
    >>> df = staggered_panel(n_units=60, periods=6, cohorts=(3, 5), effect=1.0)
    >>> dec = bacon_decomposition(df, outcome="y", unit="id", time="t", cohort="g")
    >>> frame = dec.to_frame()
    >>> print(frame[["comparison_type", "treated", "control"]].to_string(index=False))
     comparison_type  treated  control
    treated_vs_never        3        0
    treated_vs_never        5        0
    earlier_vs_later        3        5
    later_vs_earlier        5        3
    >>> round(float(frame["weight"].sum()), 10)
    1.0
    >>> bool(abs((frame["weight"] * frame["estimate"]).sum() - dec.twfe_estimate) < 1e-10)
    True
    >>> dec.by_type().index.tolist()
    ['treated_vs_never', 'earlier_vs_later', 'later_vs_earlier']
    """
    check_frame("df", df)
    check_column_args(df, {"outcome": outcome, "unit": unit, "time": time,
                           "cohort": cohort})
    check_numeric(df, [outcome, time, cohort], table="df")
    check_no_missing(df, list(dict.fromkeys([outcome, unit, time])), table="df")
    check_finite(df, list(dict.fromkeys([outcome, time, cohort])), table="df")
    unit_codes, _, periods, y, units = _panel(df, outcome, unit, time)
    n_units, n_periods = y.shape
    start = _start_positions(df, cohort, unit, unit_codes, n_units, periods)
    d = (np.arange(n_periods)[None, :] >= start[:, None]).astype(float)
    beta, v_d = _twfe(y, d)

    timing = np.unique(start[(start > 0) & (start < n_periods)])
    n_never = int(np.sum(start == n_periods))
    n_always = int(np.sum(start == 0))
    if timing.size == 0:
        raise NotEstimableError(
            f"cohort={cohort!r}: no unit's treatment starts inside the panel (every unit is "
            "never treated, or treated from the first period on): there is no timing "
            "variation, and the TWFE coefficient is not identified.")
    if not v_d > 1e-12:
        raise NotEstimableError(
            f"cohort={cohort!r}: every treated unit is first treated in "
            f"{show(periods[timing])} and no unit is never or always treated: the treatment "
            "is collinear with the period effects (no timing variation), so the TWFE "
            "coefficient is not identified; add never-treated units.")

    # group means by period, their cumulative sums for window means, shares, treated shares
    groups = np.unique(start)
    g_of_unit = np.searchsorted(groups, start)
    size = np.bincount(g_of_unit, minlength=groups.size).astype(float)
    means = np.zeros((groups.size, n_periods))
    np.add.at(means, g_of_unit, y)
    means /= size[:, None]
    cums = np.concatenate([np.zeros((groups.size, 1)), np.cumsum(means, axis=1)], axis=1)
    share = size / n_units
    dbar = (n_periods - groups) / n_periods

    def window(g: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Mean over periods a..b-1 of group g's period means."""
        return (cums[g, b] - cums[g, a]) / (b - a)

    def did(k: np.ndarray, c: np.ndarray, a: np.ndarray, m: np.ndarray, b: np.ndarray
            ) -> np.ndarray:
        """2x2 DiD of group k against c: pre periods a..m-1, post periods m..b-1."""
        return ((window(k, m, b) - window(k, a, m)) - (window(c, m, b) - window(c, a, m)))

    kinds, treated, control, est, wt = [], [], [], [], []
    gpos = {int(s): i for i, s in enumerate(groups)}
    tk = np.array([gpos[int(s)] for s in timing])
    zero, full = np.zeros(tk.size, dtype=int), np.full(tk.size, n_periods)
    for kind, pos in (("treated_vs_never", n_periods), ("treated_vs_always", 0)):
        if pos not in gpos:
            continue
        c = np.full(tk.size, gpos[pos])
        pair = share[tk] + share[c]
        nkc = share[tk] / pair
        kinds.append(np.full(tk.size, kind, dtype=object))
        treated.append(tk)
        control.append(c)
        est.append(did(tk, c, zero, groups[tk], full))
        wt.append(pair ** 2 * nkc * (1 - nkc) * dbar[tk] * (1 - dbar[tk]) / v_d)
    # pairs of timing groups: early starts first (larger treated share), late after it
    ik, il = np.triu_indices(tk.size, k=1)
    early, late = tk[ik], tk[il]
    if early.size:
        pair = share[early] + share[late]
        n_el = share[early] / pair
        d_e, d_l = dbar[early], dbar[late]
        ones = np.ones(early.size, dtype=int)
        kinds.append(np.full(early.size, "earlier_vs_later", dtype=object))
        treated.append(early)
        control.append(late)
        est.append(did(early, late, 0 * ones, groups[early], groups[late]))
        wt.append((pair * (1 - d_l)) ** 2 * n_el * (1 - n_el) * ((d_e - d_l) / (1 - d_l))
                  * ((1 - d_e) / (1 - d_l)) / v_d)
        kinds.append(np.full(early.size, "later_vs_earlier", dtype=object))
        treated.append(late)
        control.append(early)
        est.append(did(late, early, groups[early], groups[late], n_periods * ones))
        wt.append((pair * d_e) ** 2 * n_el * (1 - n_el) * (d_l / d_e) * ((d_e - d_l) / d_e) / v_d)

    kind = np.concatenate(kinds)
    order = np.argsort([COMPARISON_TYPES.index(x) for x in kind], kind="stable")
    tg, cg = np.concatenate(treated)[order], np.concatenate(control)[order]
    labels = _labels(groups, periods)
    return BaconDecomposition(
        outcome=outcome, unit=unit, time=time, cohort=cohort, twfe_estimate=beta,
        comparison_type=kind[order].astype(str), treated=labels[tg], control=labels[cg],
        estimate=np.concatenate(est)[order], weight=np.concatenate(wt)[order],
        n_treated=size[tg].astype(int), n_control=size[cg].astype(int),
        n_units=n_units, n_periods=n_periods, nobs=int(y.size),
        cohorts=_labels(timing, periods), n_never=n_never, n_always=n_always,
        periods=_labels(np.arange(n_periods), periods),
    )


def _labels(positions: np.ndarray, periods: np.ndarray) -> np.ndarray:
    """Cohort labels of start positions: the period, 0 for never (position past the end)."""
    values = np.append(periods, 0.0)[np.minimum(positions, periods.size)]
    if np.all(values == np.round(values)):
        return values.astype(np.int64)
    return values


def cohort_from_treatment(df: pd.DataFrame, unit: str, time: str, treatment: str
                          ) -> pd.Series:
    """Return each row's cohort: the unit's first period with ``treatment == 1``, else 0.

    The cohort column :func:`bacon_decomposition` (and ``event_study``, ``att_gt``) takes,
    from a 0/1 treatment indicator of a binary absorbing treatment.

    Parameters
    ----------
    df : pandas.DataFrame
        Panel, one row per unit and period; not modified.
    unit, time : str
        Unit and (numeric) period columns.
    treatment : str
        The 0/1 (or boolean) treatment column; once 1, a unit must stay 1.

    Returns
    -------
    pandas.Series
        Aligned with ``df``'s index, named ``"cohort"``; 0 for never-treated units.

    Raises
    ------
    DataError
        Missing columns or values, a treatment that is not 0/1, or one that switches from
        1 back to 0 (not absorbing; the message names how many units do).

    Examples
    --------
    >>> import pandas as pd
    >>> from effekt.estimators.did.diagnostics import cohort_from_treatment
    >>> df = pd.DataFrame({"id": [1, 1, 1, 2, 2, 2], "t": [1, 2, 3, 1, 2, 3],
    ...                    "d": [0, 1, 1, 0, 0, 0]})
    >>> cohort_from_treatment(df, "id", "t", "d").tolist()
    [2, 2, 2, 0, 0, 0]
    """
    check_frame("df", df)
    check_column_args(df, {"unit": unit, "time": time, "treatment": treatment})
    check_numeric(df, [time, treatment], table="df")
    check_no_missing(df, list(dict.fromkeys([unit, time, treatment])), table="df")
    d = df[treatment].to_numpy(dtype=float)
    bad = ~np.isin(d, (0.0, 1.0))
    if bad.any():
        raise DataError(f"treatment={treatment!r}: column must hold only 0 and 1; found "
                        f"{show(np.unique(d[bad]))}.")
    t = df[time].to_numpy(dtype=float)
    first = pd.Series(np.where(d == 1, t, np.inf)).groupby(df[unit].to_numpy()).transform("min")
    first = first.to_numpy()
    switched_off = (t > first) & (d == 0)
    if switched_off.any():
        units = pd.unique(df[unit].to_numpy()[switched_off])
        raise DataError(
            f"treatment={treatment!r} is not absorbing: {len(units)} unit(s) go from 1 back "
            f"to 0 (e.g. {unit}={show(units)}); the cohort (first treated period) describes "
            "a treatment that stays on once it starts.")
    values = np.where(np.isfinite(first), first, 0.0)
    if np.all(values == np.round(values)):
        values = values.astype(np.int64)
    return pd.Series(values, index=df.index, name="cohort")
