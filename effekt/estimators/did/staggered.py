"""Staggered difference-in-differences: group-time ATTs of Callaway & Sant'Anna (2021).

Callaway, B. & Sant'Anna, P. H. C. (2021), "Difference-in-Differences with multiple time
periods", Journal of Econometrics 225(2), 200-230, with the 2x2 estimators of Sant'Anna &
Zhao (2020), "Doubly robust difference-in-differences estimators", Journal of Econometrics
219(1), 101-122. Definitions follow R ``did`` 2.5 (``att_gt``, ``aggte``) and ``DRDID``.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from effekt._checks import (
    as_columns,
    as_list,
    check_choice,
    check_clusters,
    check_column_args,
    check_finite,
    check_frame,
    check_no_missing,
    check_numeric,
    check_positive_int,
    check_unique,
    check_varies,
)
from effekt.errors import DataError, EffektWarning, NotEstimableError, SpecError
from effekt.estimators.did.aggregation import Aggregation
from effekt.estimators.did.cohort_sums import CohortBasis, CohortSums, cells_from_sums
from effekt.estimators.did.drdid import did_panel, did_panel_means, did_rc
from effekt.estimators.did.engine_input import engine_cohort_sums, is_engine_input
from effekt.estimators.did.staggered_results import AggregateResult, GroupTimeResult, PretrendTest
from effekt.estimators.inference import InfluenceBasis
from effekt.estimators.randomization import Refit

if TYPE_CHECKING:
    import ibis.expr.types as ir

__all__ = [
    "AggregateResult",
    "Aggregation",
    "BasePeriod",
    "Control",
    "GroupTimeResult",
    "Method",
    "PretrendTest",
    "Unbalanced",
    "att_gt",
]

Control = Literal["never", "notyet"]
Method = Literal["dr", "ipw", "reg"]
BasePeriod = Literal["varying", "universal"]
Unbalanced = Literal["pairwise", "rcs"]


def _per_unit_constant(codes: np.ndarray, values: np.ndarray, n: int, what: str, unit_ids):
    """First value per unit; DataError if ``values`` vary within a unit."""
    first = np.empty(n, dtype=values.dtype)
    first[codes[::-1]] = values[::-1]
    vary = first[codes] != values
    if values.dtype.kind == "f":
        vary &= ~(np.isnan(first[codes]) & np.isnan(values))
    if vary.any():
        bad = pd.unique(np.asarray(unit_ids)[vary])
        raise DataError(
            f"{what} varies within unit for {len(bad)} units (e.g. {list(bad[:3])}); it must "
            "be constant over time for each unit."
        )
    return first


def _sorted_codes(ids: np.ndarray) -> np.ndarray:
    """Codes 0..n-1 of ``ids`` in sorted order of the ids (hash factorize, then rank)."""
    codes, uniques = pd.factorize(ids)
    try:
        order = np.argsort(np.asarray(uniques), kind="stable")
    except TypeError:  # ids of mixed kinds (numbers and text): in order of their text
        keys = [(type(u).__name__, str(u)) for u in np.asarray(uniques, dtype=object)]
        order = np.array(sorted(range(len(keys)), key=keys.__getitem__), dtype=np.int64)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return rank[codes]


def _prepare(df, outcome, unit, time, cohort, covs, control, anticipation, panel,
             allow_unbalanced, cluster, weights):
    check_frame("df", df)
    check_column_args(df, {"outcome": outcome, "unit": unit, "time": time, "cohort": cohort,
                           "covariates": covs, "cluster": cluster, "weights": weights},
                      optional=("covariates", "cluster", "weights", *(() if panel else ("unit",))))
    numeric = [outcome, time, cohort, *covs, *as_list(weights)]
    check_numeric(df, numeric, table="df")
    check_no_missing(df, [time, *covs, *as_list(weights), *as_list(cluster)], table="df")
    check_finite(df, numeric, table="df")
    check_varies(df, outcome)
    if cluster is not None:
        check_clusters(df, cluster)
    if panel:
        check_no_missing(df, [unit], table="df")
    notes = []
    y = df[outcome].to_numpy(float)
    t = df[time].to_numpy(float)
    g = df[cohort].to_numpy(float)
    if np.isnan(g).any():
        g = np.where(np.isnan(g), 0.0, g)
    w = df[weights].to_numpy(float) if weights else None  # None: every weight 1
    if w is not None and (w < 0).any():
        raise DataError(f"weights column {weights!r} has {(w < 0).sum()} negative values.")
    periods = np.sort(pd.unique(t))
    bad = np.setdiff1d(pd.unique(g[g != 0]), periods)
    if bad.size:
        raise DataError(
            f"cohort column {cohort!r} has values {bad[:5].tolist()} that are not among the "
            f"time periods {periods[:10].tolist()}; use 0 (or missing) for never treated."
        )
    ids = df[unit].to_numpy() if unit is not None else np.arange(len(df))
    ucode = _sorted_codes(ids) if panel else np.arange(len(df))
    t_code = np.searchsorted(periods, t)
    n_units = int(ucode.max()) + 1
    clus = df[cluster].to_numpy() if cluster else None
    if panel:
        key = ucode * len(periods) + t_code
        # rows sorted by (unit, time) with no repeat need no count; else count each pair
        if not (key[1:] > key[:-1]).all() and (
                np.bincount(key, minlength=n_units * len(periods)).max() > 1):
            check_unique(df, [unit, time], table="df")
        del key
        _per_unit_constant(ucode, g, n_units, f"cohort column {cohort!r}", ids)
        if weights:
            _per_unit_constant(ucode, w, n_units, f"weights column {weights!r}", ids)
        if cluster:
            _per_unit_constant(ucode, pd.factorize(clus)[0], n_units,
                               f"cluster column {cluster!r}", ids)
    keep = ~np.isnan(y)
    n_nan = int((~keep).sum())
    if n_nan:
        msg = f"Dropped {n_nan} rows with a missing outcome {outcome!r}."
        warnings.warn(msg, EffektWarning, stacklevel=3)
        notes.append(msg)
    first_treated = (g > 0) & (g <= periods[0])
    if first_treated.any():
        n_ft = len(np.unique(ucode[first_treated]))
        msg = f"Dropped {n_ft} units already treated in the first period ({periods[0]:g})."
        warnings.warn(msg, EffektWarning, stacklevel=3)
        notes.append(msg)
        keep &= ~first_treated
    g = np.where(g == 0, np.inf, g)
    kept = keep.all()  # the common case: no row dropped, no gathers below

    def _kept(a):
        return a if kept else a[keep]

    balanced = True
    if panel:
        counts = np.bincount(_kept(ucode), minlength=n_units)
        present = counts > 0
        balanced = bool(np.all(counts[present] == len(periods)))
        if not balanced and not allow_unbalanced:
            why = f" after dropping {n_nan} missing outcomes" if n_nan else ""
            raise DataError(
                f"the panel is unbalanced{why}: {int((counts[present] < len(periods)).sum())} "
                f"units are not observed in all {len(periods)} periods. Pass "
                "allow_unbalanced=True, or panel=False for repeated cross-sections."
            )
    gk = _kept(g)
    glist = np.sort(pd.unique(gk[np.isfinite(gk)]))
    if not np.isinf(gk).any():
        if control == "never":
            raise DataError(
                f"there are no never-treated units (cohort 0 or missing in {cohort!r}); use "
                "control='notyet'."
            )
        gmax = glist.max()
        msg = (f"No never-treated units: cohort {gmax:g} serves as the comparison and periods "
               f">= {gmax - anticipation:g} are dropped.")
        warnings.warn(msg, EffektWarning, stacklevel=3)
        notes.append(msg)
        g = np.where(g == gmax, np.inf, g)
        keep &= t < gmax - anticipation
        periods = periods[periods < gmax - anticipation]
        glist = glist[glist < gmax]
    no_base = glist[glist <= periods.min() + anticipation] if periods.size else glist
    if no_base.size:
        msg = f"Cohorts {no_base.tolist()} have no pre-treatment period and get no ATT(g,t)."
        warnings.warn(msg, EffektWarning, stacklevel=3)
        notes.append(msg)
        glist = np.setdiff1d(glist, no_base)
    if glist.size == 0 or periods.size < 2:
        raise DataError("no untreated comparison: no cohort has a pre-treatment period and "
                        "comparison units.")
    covs_arr = df[covs].to_numpy(float) if covs else None
    if not keep.all():  # copy only when rows are dropped
        ucode = pd.factorize(ucode[keep], sort=True)[0]
        t_code, y, t, g = t_code[keep], y[keep], t[keep], g[keep]
        w = None if w is None else w[keep]
        clus = None if clus is None else clus[keep]
        covs_arr = None if covs_arr is None else covs_arr[keep]
    n_units = int(ucode.max()) + 1 if ucode.size else 0
    return dict(y=y, t=t, t_code=t_code, g=g, w=w, ucode=ucode, clus=clus, covs=covs_arr,
                periods=periods, glist=glist, balanced=balanced, notes=notes, n_units=n_units)


def _cells(periods, glist, base_period, anticipation):
    """(g, current index, base index, reference?) for each cell, as R ``did`` loops."""
    out = []
    for g in glist:
        last_pre = int(np.flatnonzero(periods + anticipation < g)[-1])
        if base_period == "universal":
            out += [(g, j, last_pre, j == last_pre) for j in range(len(periods))]
        else:
            out += [(g, j, last_pre if periods[j] >= g else j - 1, False)
                    for j in range(1, len(periods))]
    return out


def att_gt(
    df: pd.DataFrame | str | Path | ir.Table,
    outcome: str,
    unit: str | None,
    time: str,
    cohort: str,
    covariates: str | list[str] | None = None,
    control: Control = "never",
    method: Method = "dr",
    anticipation: int = 0,
    base_period: BasePeriod = "varying",
    panel: bool = True,
    allow_unbalanced: bool = False,
    cluster: str | None = None,
    weights: str | None = None,
    unbalanced: Unbalanced = "pairwise",
) -> GroupTimeResult:
    """Group-time average treatment effects ATT(g,t) of Callaway & Sant'Anna (2021).

    For each cohort ``g`` (first treated period) and period ``t``, the 2x2 DiD of cohort ``g``
    against the comparison group between ``t`` and the base period, estimated by the doubly
    robust estimator of Sant'Anna & Zhao (2020) (``"dr"``), the standardized IPW estimator
    (``"ipw"``) or outcome regression (``"reg"``), as R ``did`` 2.5 ``att_gt``.

    Parameters
    ----------
    df : DataFrame, str, Path or Ibis table
        Long panel (one row per unit and period) or repeated cross-sections. A panel too
        large for pandas can be given where it is: the path of a Parquet file (or of a
        folder of them) or an Ibis table (DuckDB, Spark, ...). It is then checked with
        queries in its engine and read a block of units at a time into per-cohort sums
        (:mod:`effekt.estimators.did.engine_input`), so memory holds one block, never
        the panel; this needs a balanced panel, no ``covariates`` and no ``cluster``, and
        its result has no ``randomization_test`` (which re-estimates from the data frame).
    outcome, unit, time, cohort : str
        Columns. ``cohort`` is the first treated period, 0 or missing for never treated;
        units treated in the first period are dropped with a warning.
    covariates : str or list of str, optional
        Covariates of the propensity score and outcome regression. In panel data the value
        in the earlier of the two periods of each cell is used (R's ``panel2cs2``).
    control : {"never", "notyet"}
        Never-treated units, or units not yet treated in the later of the two periods
        (plus ``anticipation``), never-treated included.
    method : {"dr", "ipw", "reg"}
        2x2 estimator (locally efficient DR, standardized IPW, outcome regression).
    anticipation : int
        Periods of anticipation: the base period of cohort ``g`` is the last ``t`` with
        ``t + anticipation < g``.
    base_period : {"varying", "universal"}
        ``"varying"``: pre-treatment cells compare consecutive periods; ``"universal"``: all
        cells compare with ``g - anticipation - 1`` (that cell is 0 with no SE).
    panel : bool
        Panel data (True) or repeated cross-sections (False; each row an observation).
    allow_unbalanced : bool
        Allow an unbalanced panel, estimated as ``unbalanced`` says. If False an unbalanced
        panel, including one made so by missing outcomes, is a DataError.
    cluster : str, optional
        Column to cluster on (beyond the unit; constant within unit in a panel). Analytic SEs
        then sum influence functions within cluster, ``sum_c (sum_i psi_i)^2 / n^2``; the
        bootstrap draws one weight per cluster. (R clusters only in the bootstrap, on cluster
        means; both agree when clusters have equal size.) With fewer than 12 clusters the
        bootstrap's default weights are Webb's six-point ones, and the pre-trend test's
        default is the wild bootstrap of the Wald statistic with fewer than 50 (see
        :meth:`GroupTimeResult.bootstrap`, :meth:`GroupTimeResult.pretrend_test`).
    weights : str, optional
        Sampling weights, non-negative and constant within unit.
    unbalanced : {"pairwise", "rcs"}
        How an unbalanced panel is estimated (a balanced one is unaffected).
        ``"pairwise"``: each ATT(g,t) from the units observed in both of its periods, as a
        panel (each unit's own change), with the panel estimators and influence functions
        over the units of the cell; a change in *who* is observed then does not move the
        estimate, provided leaving and entering do not depend on the unit's trend. Units
        observed in few periods contribute to few cells, and a unit missing in a cohort's
        base period contributes to none of the cells that use it (the trade-off of
        "chained" DiD, Bellego, Benatia & Dortet-Bernadet 2024). ``"rcs"``: R ``did``'s
        ``allow_unbalanced_panel = TRUE``: the rows of each cell as repeated cross-sections
        (influence functions summed within unit), which compares different people before
        and after and so drifts when the panel's composition changes with the unit's level.
        In both, aggregations weight cohorts by their shares among all units observed.

    Returns
    -------
    GroupTimeResult
        Cells, influence functions and analytic SEs; see ``.aggregate``, ``.bootstrap``,
        ``.pretrend_test``. Cells that cannot be estimated are NaN with an EffektWarning.

    Raises
    ------
    DataError
        Missing, repeated or non-numeric columns, missing or infinite values, cohorts
        that are not periods, an unbalanced panel (unless allowed), no comparison units.
    NotEstimableError
        A constant outcome, or a ``cluster`` column with fewer than 2 clusters.

    Examples
    --------
    >>> from effekt.synthetic.examples import staggered_panel
    >>> df = staggered_panel(n_units=300, periods=5, effect=1.0)
    >>> gt = att_gt(df, outcome="y", unit="id", time="t", cohort="g")
    >>> es = gt.aggregate("dynamic")
    >>> bool(abs(es.overall_att - 1) < 4 * es.overall_se)
    True
    """
    check_choice("control", control, Control)
    check_choice("method", method, Method)
    check_choice("base_period", base_period, BasePeriod)
    check_choice("unbalanced", unbalanced, Unbalanced)
    anticipation = check_positive_int("anticipation", anticipation, minimum=0)
    args = dict(outcome=outcome, unit=unit, time=time, cohort=cohort, covariates=covariates,
                control=control, method=method, anticipation=anticipation,
                base_period=base_period, panel=panel, allow_unbalanced=allow_unbalanced,
                cluster=cluster, weights=weights, unbalanced=unbalanced)
    if is_engine_input(df):
        return _att_gt_engine(df, args)
    covs = as_columns("covariates", covariates)
    if panel and unit is None:
        raise DataError("unit must name the unit column when panel=True.")
    d = _prepare(df, outcome, unit, time, cohort, covs, control, anticipation, panel,
                 allow_unbalanced, cluster, weights)
    periods, glist = d["periods"], d["glist"]
    k = len(covs)
    by_row = not panel or (not d["balanced"] and unbalanced == "rcs")
    pairwise = panel and not d["balanced"] and unbalanced == "pairwise"
    t_code = d["t_code"]
    if by_row:
        n_obs = len(d["y"]) if not panel else d["n_units"]
    else:
        n_obs = d["n_units"]
        ymat = np.full((n_obs, len(periods)), np.nan, order="F")
        ymat[d["ucode"], t_code] = d["y"]
        if k:
            xmat = np.empty((len(periods), n_obs, k))
            xmat[t_code, d["ucode"]] = d["covs"]
    # observation-level cohort, weight, cluster (unit level in a panel)
    if panel:
        obs_g = np.full(n_obs, np.nan)
        obs_g[d["ucode"]] = d["g"]
        obs_w = np.zeros(n_obs)
        obs_w[d["ucode"]] = 1.0 if d["w"] is None else d["w"]
        obs_c = None
        if d["clus"] is not None:
            obs_c = np.zeros(n_obs, dtype=np.int64)
            obs_c[d["ucode"]] = pd.factorize(d["clus"])[0]
    else:
        obs_g = d["g"]
        obs_w = np.ones(len(obs_g)) if d["w"] is None else d["w"]
        obs_c = None if d["clus"] is None else pd.factorize(d["clus"])[0]

    cells = _cells(periods, glist, base_period, anticipation)
    m = len(cells)
    if not by_row and not pairwise and k == 0 and obs_c is None:
        # balanced, no covariates, unclustered: the cells and their inference from
        # per-cohort sums (effekt.estimators.did.cohort_sums), no n x cells matrix
        basis, att, failures = _from_cohort_sums(ymat, obs_g, obs_w, d["w"] is not None,
                                                 cells, glist, control, anticipation,
                                                 method, periods)
        del ymat
        return _result(basis, att, failures, cells, glist, periods, d["notes"], d["balanced"],
                       args, Refit(att_gt, df, args))
    row_w = None  # observation-level weights, for the cross-section estimators
    if by_row:
        row_w = np.ones(len(d["y"])) if d["w"] is None else d["w"]
    inf = np.zeros((n_obs, m), order="F")
    att = np.zeros(m)
    failures = []
    fast = not by_row and k == 0
    if fast:
        ctrl_cache = {}
        treat_w = {g: obs_w * (obs_g == g) for g in glist}
        dy, scratch = np.empty(n_obs), np.empty(n_obs)  # reused by every cell
    for col, (g, jc, jb, ref) in enumerate(cells):
        if ref:
            continue
        later = periods[max(jc, jb)]
        if fast:
            thr = np.inf if control == "never" else later + anticipation
            if thr not in ctrl_cache:
                mask = np.isinf(obs_g) if control == "never" else obs_g > thr
                ctrl_cache = {thr: obs_w * mask}
            w_ctrl = ctrl_cache[thr]
            if control == "notyet" and g > thr:
                w_ctrl = w_ctrl - treat_w[g]
            try:
                np.subtract(ymat[:, jc], ymat[:, jb], out=dy)
                w_treat = treat_w[g]
                if pairwise:  # only the units observed in both periods
                    both = ~np.isnan(dy)
                    w_treat, w_ctrl = w_treat * both, w_ctrl * both
                    dy[~both] = 0.0
                att[col] = did_panel_means(dy, w_treat, w_ctrl, method, inf[:, col],
                                           scratch)
            except NotEstimableError as err:
                att[col], inf[:, col] = np.nan, 0.0
                failures.append(f"ATT(g={g:g}, t={periods[jc]:g}): {err}")
            continue
        src_g = d["g"] if by_row else obs_g
        ctrl_g = np.isinf(src_g) if control == "never" else (
            np.isinf(src_g) | ((src_g > later + anticipation) & (src_g != g)))
        treat_g = src_g == g
        try:
            if by_row:
                rows = ((t_code == jc) | (t_code == jb)) & (treat_g | ctrl_g)
                dd, post = treat_g[rows], t_code[rows] == jc
                _check_counts(dd, k)
                x = _design(d["covs"][rows] if k else None, rows.sum())
                est, psi = did_rc(d["y"][rows], post, dd, x, row_w[rows], method)
                n1 = rows.sum()
                if panel:
                    inf[:, col] = np.bincount(d["ucode"][rows], weights=psi * n_obs / n1,
                                              minlength=n_obs)
                else:
                    inf[rows, col] = psi * n_obs / n1
            else:
                sel = treat_g | ctrl_g
                if pairwise:  # only the units observed in both periods
                    sel &= ~np.isnan(ymat[:, jc]) & ~np.isnan(ymat[:, jb])
                dd = treat_g[sel]
                _check_counts(dd, k)
                x = _design(xmat[min(jc, jb)][sel] if k else None, sel.sum())
                est, psi = did_panel(ymat[:, jc][sel], ymat[:, jb][sel], dd, x, obs_w[sel],
                                     method)
                inf[sel, col] = psi * (n_obs / sel.sum())
            if not np.isfinite(est) or not np.all(np.isfinite(psi)):
                raise NotEstimableError("the estimate is not finite (no overlap)")
            att[col] = est
        except NotEstimableError as err:
            att[col] = np.nan
            inf[:, col] = 0.0
            failures.append(f"ATT(g={g:g}, t={periods[jc]:g}): {err}")
    in_g = np.isin(obs_g, glist)
    dmat = np.zeros((n_obs, len(glist)))
    dmat[np.flatnonzero(in_g), np.searchsorted(glist, obs_g[in_g])] = obs_w[in_g]
    basis = InfluenceBasis(inf=inf, dmat=dmat, cluster=obs_c, weight=obs_w)
    return _result(basis, att, failures, cells, glist, periods, d["notes"], d["balanced"],
                   args, Refit(att_gt, df, args))


def _from_cohort_sums(ymat, obs_g, obs_w, weighted, cells, glist, control, anticipation,
                      method, periods):
    """Return the cells and a :class:`CohortBasis` (balanced, no covariates)."""
    cohorts = np.unique(obs_g)
    sums = CohortSums(cohorts, len(periods))
    chunk = sums.add(ymat, np.searchsorted(cohorts, obs_g), obs_w if weighted else None)
    att, mat, failures = cells_from_sums(sums, cells, glist, control, anticipation, method,
                                         periods)
    return CohortBasis(sums, mat, len(cells), chunks=lambda: iter([chunk])), att, failures


def _att_gt_engine(df, args: dict) -> GroupTimeResult:
    """:func:`att_gt` of a Parquet path or an Ibis table, from per-cohort sums in blocks."""
    unsupported = {"covariates": args["covariates"], "cluster": args["cluster"],
                   "panel": not args["panel"], "allow_unbalanced": args["allow_unbalanced"]}
    given = [key for key, value in unsupported.items() if value]
    if given:
        raise SpecError(f"{', '.join(given)}: a panel given as a Parquet path or an Ibis table "
                        "is estimated from per-cohort sums, which need a balanced panel "
                        "without covariates or clusters; read it into pandas for these.")
    if args["unit"] is None:
        raise DataError("unit must name the unit column when panel=True.")
    e = engine_cohort_sums(df, args["outcome"], args["unit"], args["time"], args["cohort"],
                           args["weights"], args["control"], args["anticipation"])
    periods, glist = e["periods"], e["glist"]
    cells = _cells(periods, glist, args["base_period"], args["anticipation"])
    att, mat, failures = cells_from_sums(e["sums"], cells, glist, args["control"],
                                         args["anticipation"], args["method"], periods)
    basis = CohortBasis(e["sums"], mat, len(cells), chunks=e["chunks"])
    return _result(basis, att, failures, cells, glist, periods, e["notes"], True, args, None)


def _result(basis, att, failures, cells, glist, periods, notes, balanced, args,
            refit) -> GroupTimeResult:
    """Warn of the cells not estimated and assemble the :class:`GroupTimeResult`."""
    if failures:
        msg = f"{len(failures)} cells could not be estimated and are NaN: " + "; ".join(failures)
        warnings.warn(msg, EffektWarning, stacklevel=3)
    notes = [*notes, *(f"Not estimable: {f}" for f in failures)]
    cell_g = np.array([c[0] for c in cells], dtype=float)
    gidx = np.searchsorted(glist, cell_g)
    n = basis.n
    if isinstance(basis, CohortBasis):
        pos = np.searchsorted(basis.sums.cohorts, glist)
        pg = basis.sums.wsum[pos] / n
    else:
        pg = basis.dmat.sum(axis=0) / n
    settings = dict(outcome=args["outcome"], method=args["method"], control=args["control"],
                    base_period=args["base_period"], anticipation=args["anticipation"],
                    panel=args["panel"],
                    covariates=tuple(as_columns("covariates", args["covariates"])),
                    cluster=args["cluster"], weights=args["weights"],
                    unbalanced=args["unbalanced"] if args["panel"] and not balanced else None)
    return GroupTimeResult(
        group=cell_g, time=periods[[c[1] for c in cells]],
        base=periods[[c[2] for c in cells]], att=att,
        reference=np.array([c[3] for c in cells], dtype=bool), basis=basis, pg=pg,
        cell_group_index=gidx, periods=periods, gram=basis.gram(), settings=settings,
        notes=tuple(notes), _refit=refit,
    )


def _check_counts(d: np.ndarray, k: int) -> None:
    n_t = int(d.sum())
    n_c = int(d.size - n_t)
    if n_c == 0:
        raise NotEstimableError("no comparison units")
    if n_t < k + 1 or n_c < k + 1:
        raise NotEstimableError(
            f"too few units ({n_t} treated, {n_c} comparison) for {k} covariates"
        )


def _design(covs: np.ndarray | None, n: int) -> np.ndarray:
    if covs is None:
        return np.ones((n, 1))
    return np.column_stack([np.ones(n), covs])
