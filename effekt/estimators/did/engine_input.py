"""A panel in a database engine or a Parquet file, for ATT(g,t) without covariates.

A panel too large for pandas stays where it is: :func:`engine_cohort_sums` checks it with
aggregate queries in the engine (DuckDB for a Parquet path; the table's own backend for an
Ibis table, e.g. Spark), pivots it to one row per unit (the unit's outcome in each period)
and reads that a block of units at a time into :class:`~effekt.estimators.did.cohort_sums.
CohortSums`. Memory holds one block (``block`` units × periods), never the panel; the
bootstrap reads the blocks again, in the same order (units sorted), so the same seed gives
the same draws.

Only what the per-cohort sums can estimate is accepted: a balanced panel (no missing
outcome), no covariates, no clusters. Anything else is a SpecError saying to read the
panel into pandas.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from effekt.errors import DataError, EffektWarning, NotEstimableError
from effekt.estimators.did.cohort_sums import Chunk, CohortSums

if TYPE_CHECKING:  # Ibis is imported only when a panel is given by path or table
    import ibis.expr.types as ir

__all__ = ["as_engine_table", "engine_cohort_sums", "is_engine_input"]

#: Units per block read from the engine.
BLOCK = 200_000


def is_engine_input(df: Any) -> bool:
    """Return True for a Parquet path (str or Path) or an Ibis table."""
    if isinstance(df, (str, Path)):
        return True
    types = sys.modules.get("ibis.expr.types")  # an Ibis table means Ibis is loaded
    return types is not None and isinstance(df, types.Table)


def as_engine_table(df: str | Path | ir.Table) -> ir.Table:
    """Return the Ibis table of a Parquet file or folder (in-memory DuckDB), or ``df``."""
    import ibis

    if isinstance(df, ibis.expr.types.Table):
        return df
    path = Path(df)
    if path.is_dir():
        files = sorted(path.glob("*.parquet"))
        if not files:
            raise DataError(f"df={str(df)!r} is a folder without .parquet files.")
        return ibis.duckdb.connect().read_parquet([str(f) for f in files])
    if not path.is_file():
        raise DataError(f"df={str(df)!r}: no such Parquet file or folder.")
    if path.suffix.lower() != ".parquet":
        raise DataError(f"df={str(df)!r}: a path must be a .parquet file (or a folder of "
                        "them); read CSV into pandas first.")
    return ibis.duckdb.connect().read_parquet(str(path))


def _check_columns(table: ir.Table, columns: dict[str, str | None]) -> None:
    schema = table.schema()
    for argument, column in columns.items():
        if column is None:
            continue
        if column not in schema:
            raise DataError(f"{argument}={column!r}: no such column; the table has "
                            f"{', '.join(schema.names)}.")
        if argument != "unit" and not schema[column].is_numeric():
            raise DataError(f"{argument}={column!r} must be numeric; it is {schema[column]}.")


def engine_cohort_sums(
    df: str | Path | ir.Table,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    weights: str | None,
    control: str,
    anticipation: int,
) -> dict[str, Any]:
    """Check the panel in its engine and accumulate its :class:`CohortSums`.

    Returns the sums, the periods, the cohorts with an ATT(g,t) (``glist``), the notes
    (warnings given) and ``chunks``, a function reading the blocks again for the bootstrap.

    Raises
    ------
    DataError
        Missing columns, non-numeric ones, missing or infinite values, a repeated (unit,
        period), an unbalanced panel, a cohort or weight varying within unit, a cohort
        that is not a period, negative weights, no never-treated units with
        ``control="never"``, no cohort with a pre-treatment period.
    NotEstimableError
        A constant outcome.
    """
    import ibis

    table = as_engine_table(df)
    _check_columns(table, {"outcome": outcome, "unit": unit, "time": time, "cohort": cohort,
                           "weights": weights})
    cols = [unit, time, cohort, outcome, *([weights] if weights else [])]
    t = table.select(*cols)
    stats = {f"null_{c}": t[c].isnull().sum() for c in cols if c != cohort}
    for c in [time, outcome, *([weights] if weights else [])]:
        stats[f"inf_{c}"] = (t[c].cast("float64").isinf() | t[c].cast("float64").isnan()).sum()
    stats.update(n_rows=t.count(), y_min=t[outcome].min(), y_max=t[outcome].max())
    got = t.aggregate(**stats).to_pandas().iloc[0]
    for c in cols:
        if c != cohort and got[f"null_{c}"]:
            what = "a panel read from an engine must be balanced: " if c == outcome else ""
            raise DataError(f"{'outcome' if c == outcome else 'column'} {c!r} has "
                            f"{int(got[f'null_{c}'])} missing values; {what}expected none.")
    for c in [time, outcome, *([weights] if weights else [])]:
        if got[f"inf_{c}"]:
            raise DataError(f"column {c!r} has {int(got[f'inf_{c}'])} infinite or NaN "
                            "values; expected finite numbers.")
    if got["y_min"] == got["y_max"]:
        raise NotEstimableError(f"outcome={outcome!r} is constant in df (every value is "
                                f"{float(got['y_min']):g}): an effect on it and its standard "
                                "error are not estimable.")
    periods = np.sort(t.select(time).distinct().to_pandas()[time].to_numpy(float))
    g_col = t[cohort].cast("float64").fill_null(0.0)
    per = t.group_by(unit).aggregate(
        _rows=t.count(), _periods=t[time].nunique(), _g=g_col.max(), _g_low=g_col.min(),
        **({"_w": t[weights].cast("float64").max(), "_w_low": t[weights].cast("float64").min()}
           if weights else {}),
    ).cache()
    check = {"units": per.count(), "repeated": (per._rows != per._periods).sum(),
             "short": (per._periods != len(periods)).sum(),
             "g_varies": (per._g != per._g_low).sum()}
    if weights:
        check.update(w_varies=(per._w != per._w_low).sum(), w_negative=(per._w_low < 0).sum())
    c = per.aggregate(**check).to_pandas().iloc[0]
    if c["repeated"]:
        raise DataError(f"df has repeated ({unit!r}, {time!r}) pairs for {int(c['repeated'])} "
                        "units; expected one row per unit and period.")
    if c["short"]:
        raise DataError(f"the panel is unbalanced: {int(c['short'])} units are not observed "
                        f"in all {len(periods)} periods. A panel read from an engine must be "
                        "balanced; read it into pandas for allow_unbalanced=True.")
    if c["g_varies"]:
        raise DataError(f"cohort column {cohort!r} varies within unit for {int(c['g_varies'])} "
                        "units; it must be constant over time for each unit.")
    if weights and c["w_varies"]:
        raise DataError(f"weights column {weights!r} varies within unit for "
                        f"{int(c['w_varies'])} units; it must be constant for each unit.")
    if weights and c["w_negative"]:
        raise DataError(f"weights column {weights!r} has negative values for "
                        f"{int(c['w_negative'])} units.")
    cohorts = np.sort(per.select("_g").distinct().to_pandas()["_g"].to_numpy(float))
    bad = np.setdiff1d(cohorts[cohorts != 0], periods)
    if bad.size:
        raise DataError(f"cohort column {cohort!r} has values {bad[:5].tolist()} that are not "
                        f"among the time periods {periods[:10].tolist()}; use 0 (or missing) "
                        "for never treated.")
    notes: list[str] = []
    early = cohorts[(cohorts > 0) & (cohorts <= periods[0])]
    if early.size:
        n_ft = int(per.filter(per._g.isin(early.tolist())).count().to_pandas())
        notes.append(f"Dropped {n_ft} units already treated in the first period "
                     f"({periods[0]:g}).")
        per = per.filter(~per._g.isin(early.tolist()))
        cohorts = np.setdiff1d(cohorts, early)
    if 0.0 not in cohorts:
        raise DataError(f"there are no never-treated units (cohort 0 or missing in {cohort!r})"
                        + ("; use control='notyet'." if control == "never" else
                           "; a panel read from an engine needs them (the last cohort as the "
                           "comparison is not supported: read it into pandas)."))
    glist = cohorts[cohorts > 0]
    no_base = glist[glist <= periods.min() + anticipation]
    if no_base.size:
        notes.append(f"Cohorts {no_base.tolist()} have no pre-treatment period and get no "
                     "ATT(g,t).")
        glist = np.setdiff1d(glist, no_base)
    if glist.size == 0 or periods.size < 2:
        raise DataError("no untreated comparison: no cohort has a pre-treatment period and "
                        "comparison units.")
    for msg in notes:
        warnings.warn(msg, EffektWarning, stacklevel=4)
    levels = np.where(cohorts == 0, np.inf, cohorts)
    order = np.argsort(levels)
    levels = levels[order]
    # each unit's block (by the sorted unit ids) in a small table materialized once in the
    # engine; a block is then read as its units' rows in (unit, period) order, T values a
    # unit (the panel is balanced), the same order every time (the bootstrap reads again)
    size = BLOCK
    block = (ibis.row_number().over(order_by=per[unit]) // size).name("_block")
    units = per.select(unit, "_g", *(["_w"] if weights else []), block).cache()
    n_blocks = -(-int(units.count().to_pandas()) // size)
    long = t.select(unit, time, _y=t[outcome].cast("float64"))
    sums = CohortSums(levels, len(periods))

    def blocks() -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
        for b in range(n_blocks):
            mine = units.filter(units._block == b)
            head = mine.order_by(unit).to_pyarrow()
            g = head.column("_g").to_numpy()
            ys = long.join(mine.select(unit), unit).order_by([unit, time]).select("_y")
            ymat = ys.to_pyarrow().column("_y").to_numpy().reshape(-1, len(periods))
            w = head.column("_w").to_numpy() if weights else None
            kcode = np.searchsorted(levels, np.where(g == 0, np.inf, g))
            yield ymat, kcode, w

    for ymat, kcode, w in blocks():
        sums.add(ymat, kcode, w)

    def chunks() -> Iterator[Chunk]:
        for ymat, kcode, w in blocks():
            yield sums.features(ymat, kcode, w)

    return dict(sums=sums, periods=periods, glist=glist, notes=notes, chunks=chunks)
