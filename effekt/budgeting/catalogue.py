"""Trajectory (forløp) catalogue: durations, costs per sector and risk-adjusted bundle prices.

The bundle price of a trajectory type is the mean cost of its trajectories
after trimming outliers (winsorising ``cost_total`` at a chosen upper
percentile within each type), risk-adjusted by a case-mix regression on person
or family characteristics, in the spirit of DRG cost weights (Fetter et al.,
"Case mix definition by diagnosis-related groups", Medical Care 18(2), 1980;
Norway's ISF uses such relative weights with a price per DRG point). The
regression is ordinary least squares (statsmodels)

    cost_i = sum_k alpha_k [type_i = k] + (x_i - xbar)' beta + e_i,

so ``alpha_k`` is the expected cost of a type-``k`` case with the average
case mix ``xbar`` of all cases: that is the type's price. The relative weight
is the price divided by the case-weighted mean price (mean weight 1).

A price carries a budget only as far as the trajectories are typed and alike: a priced
catalogue reports the share of its trajectories that a rule typed (not ``"other"``,
:attr:`Catalogue.share_typed`) and each type's spread of cost per trajectory, percentiles
and coefficient of variation (:meth:`Catalogue.spread`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import statsmodels.api as sm

from effekt._checks import (
    as_columns,
    check_column_args,
    check_columns,
    check_finite,
    check_frame,
    check_integer,
    check_no_missing,
    check_number,
    check_numeric,
    check_range,
    check_unique_columns,
)
from effekt.budgeting.sectors import resolve_sector
from effekt.data.trajectories import UNTYPED
from effekt.errors import DataError, SpecError
from effekt.results import ResultsBase

__all__ = ["Catalogue", "define_catalogue", "price_catalogue", "winsorise"]

TABLE_COLUMNS = ("trajectory_type", "price", "mean_duration_years")

#: The spread columns of a priced catalogue's table: percentiles (10, 25, 50, 75, 90),
#: standard deviation and coefficient of variation of the trimmed cost per trajectory.
SPREAD_COLUMNS = ("p10_cost", "p25_cost", "median_cost", "p75_cost", "p90_cost", "sd_cost",
                  "cv_cost")
_QUANTILES = {"p10_cost": 0.10, "p25_cost": 0.25, "median_cost": 0.50, "p75_cost": 0.75,
              "p90_cost": 0.90}


def winsorise(values: pd.Series, upper: float | None) -> pd.Series:
    """Cap ``values`` at their ``upper`` quantile (``None`` leaves them unchanged).

    Examples
    --------
    >>> winsorise(pd.Series([1.0, 2.0, 3.0, 100.0]), 0.5).tolist()
    [1.0, 2.0, 2.5, 2.5]
    """
    if not isinstance(values, pd.Series) or not (
            pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)):
        raise DataError(f"values must be a numeric pandas Series, got "
                        f"{getattr(values, 'dtype', type(values).__name__)}.")
    if upper is None:
        return values.astype(float)
    if not _is_share(upper) or not 0.5 <= upper <= 1.0:
        raise SpecError(f"trim={upper!r} must be a percentile (as a share) in [0.5, 1] or None.")
    values = values.astype(float)  # booleans too: quantiles of 0/1, not of numpy bools
    return values.clip(upper=float(values.quantile(upper)))


def _is_share(value) -> bool:
    try:
        check_number("trim", value)
    except SpecError:
        return False
    return True


@dataclass(frozen=True, repr=False)
class Catalogue(ResultsBase):
    """Trajectory types with bundle prices, relative weights and cost shares by sector.

    Attributes
    ----------
    table
        One row per ``trajectory_type``: ``n_cases``, ``mean_duration_years``,
        ``sd_duration_years``, ``mean_cost`` (raw), ``trimmed_mean_cost``,
        ``price`` (risk-adjusted bundle price per case), ``price_per_year``
        (price / max(mean duration, 1 year): the projection counts whole years),
        ``weight`` (relative, case-weighted mean 1)
        and ``share_<sector>`` (share of the type's cost falling on each
        sector; sums to 1). From :func:`price_catalogue` also the spread of
        the trimmed cost per trajectory (the costs the price averages):
        ``p10_cost``, ``p25_cost``, ``median_cost``, ``p75_cost``,
        ``p90_cost``, ``sd_cost`` and ``cv_cost`` (sd / trimmed mean); these
        are observed costs, which :meth:`scaled` leaves as they are, like
        ``mean_cost``.
    case_mix
        Case-mix coefficients ``beta`` (NOK per unit of each covariate) and
        the reference means ``xbar``; empty when not risk-adjusted.
    price_year
        Year of the fixed prices.
    """

    table: pd.DataFrame
    case_mix: pd.DataFrame
    price_year: int

    @property
    def estimand(self) -> str:
        """The quantity in words."""
        adj = "risk-adjusted to the average case mix" if len(self.case_mix) else "unadjusted"
        return f"mean cost per trajectory by type after trimming, {adj}, NOK {self.price_year}"

    @property
    def types(self) -> list[str]:
        """Trajectory types in table order."""
        return self.table["trajectory_type"].tolist()

    @property
    def sectors(self) -> list[str]:
        """Sectors with a cost share column."""
        return [c.removeprefix("share_") for c in self.table.columns if c.startswith("share_")]

    @property
    def share_typed(self) -> float:
        """Share of the catalogue's trajectories whose type is not ``"other"`` (untyped).

        Case-weighted by ``n_cases``: 1.0 when no type is ``"other"``, NaN when the
        catalogue has ``"other"`` but no ``n_cases`` (defined by hand without counts).

        Examples
        --------
        >>> cat = define_catalogue(pd.DataFrame({
        ...     "trajectory_type": ["poverty", "other"], "price": [50_000, 10_000],
        ...     "mean_duration_years": [1.0, 1.0], "share_nav": [1.0, 1.0],
        ...     "n_cases": [90, 10]}))
        >>> cat.share_typed
        0.9
        """
        untyped = self.table["trajectory_type"] == UNTYPED
        if not untyped.any():
            return 1.0
        if "n_cases" not in self.table:
            return float("nan")
        n = self.table["n_cases"].astype(float)
        return float(n[~untyped].sum() / n.sum()) if n.sum() > 0 else float("nan")

    def spread(self) -> pd.DataFrame:
        """Each type's spread of cost per trajectory, beside its price.

        Returns
        -------
        pandas.DataFrame
            One row per ``trajectory_type`` (the index), in table order: ``n_cases``,
            ``share_of_cases``, ``price``, ``trimmed_mean_cost``, the percentiles
            ``p10_cost``, ``p25_cost``, ``median_cost``, ``p75_cost``, ``p90_cost``,
            ``iqr_cost`` (p75 - p25), ``sd_cost`` and ``cv_cost`` (sd / trimmed mean),
            all of the trimmed cost per trajectory. A wide spread (a ``cv_cost`` above 1,
            a median well below the price) means a few expensive cases carry the price
            and most cases cost far less. Columns a catalogue does not have (one defined
            by hand or from a workbook) are NaN.

        Examples
        --------
        >>> df = pd.DataFrame({"trajectory_type": ["a"] * 5, "duration_days": 365,
        ...                    "cost_nav": [100.0, 200.0, 300.0, 400.0, 500.0]})
        >>> df["cost_total"] = df["cost_nav"]
        >>> s = price_catalogue(df, trim=None).spread()
        >>> s.loc["a", ["p10_cost", "median_cost", "p90_cost", "iqr_cost"]].tolist()
        [140.0, 300.0, 460.0, 200.0]
        >>> round(float(s.loc["a", "cv_cost"]), 3)
        0.527
        """
        tab = self.table.set_index("trajectory_type")
        cols = ["n_cases", "price", "trimmed_mean_cost", *SPREAD_COLUMNS]
        out = tab.reindex(columns=cols).astype(float)
        n = out["n_cases"]
        out.insert(1, "share_of_cases", n / n.sum() if n.sum() > 0 else np.nan)
        out.insert(out.columns.get_loc("sd_cost"), "iqr_cost",
                   out["p75_cost"] - out["p25_cost"])
        return out

    def shares(self) -> pd.DataFrame:
        """Cost shares as a type × sector frame."""
        cols = [f"share_{s}" for s in self.sectors]
        out = self.table.set_index("trajectory_type")[cols]
        out.columns = self.sectors
        return out

    def case_price(self, cases: pd.DataFrame) -> pd.Series:
        """Risk-adjusted expected price for each case: type price + (x - xbar)' beta."""
        check_frame("cases", cases)
        check_unique_columns(cases, table="cases")
        check_columns(cases, ["trajectory_type", *self.case_mix.index], table="cases")
        check_numeric(cases, list(self.case_mix.index), table="cases")
        check_no_missing(cases, ["trajectory_type", *self.case_mix.index], table="cases")
        check_finite(cases, list(self.case_mix.index), table="cases")
        base = cases["trajectory_type"].map(self.table.set_index("trajectory_type")["price"])
        if base.isna().any():
            bad = cases.loc[base.isna(), "trajectory_type"].unique().tolist()
            raise DataError(f"cases: unknown trajectory_type {bad[:3]}; known: {self.types}.")
        adj = np.zeros(len(cases))
        for name, row in self.case_mix.iterrows():
            adj += (cases[name].to_numpy(dtype=float) - row["xbar"]) * row["beta"]
        return pd.Series(base.to_numpy(dtype=float) + adj, index=cases.index, name="case_price")

    def scaled(self, factor: float) -> Catalogue:
        """Return a new catalogue with every price multiplied by ``factor`` (weights unchanged)."""
        factor = check_number("factor", factor, low=0, low_open=True)
        tab = self.table.copy()
        tab["price"] = tab["price"] * factor
        tab["price_per_year"] = tab["price_per_year"] * factor
        cm = self.case_mix.copy()
        if len(cm):
            cm["beta"] = cm["beta"] * factor
        return Catalogue(table=tab, case_mix=cm, price_year=self.price_year)

    def to_frame(self) -> pd.DataFrame:
        """Return the catalogue table (a copy)."""
        return self.table.copy()

    def summary(self) -> str:
        """Deterministic text of the catalogue."""
        cols = ["trajectory_type", "n_cases", "mean_duration_years", "price", "weight"]
        tab = self.table[[c for c in cols if c in self.table]].set_index("trajectory_type")
        if "cv_cost" in self.table:
            tab = tab.assign(cv_cost=self.table["cv_cost"].to_numpy())
        text = [
            f"Trajectory catalogue (NOK, {self.price_year} prices): {self.estimand}",
            tab.to_string(float_format=lambda x: f"{x:,.2f}"),
        ]
        share = self.share_typed
        if "n_cases" in self.table and not np.isnan(share):
            text.append(f"Share of trajectories typed (not {UNTYPED!r}): {share:.1%}")
        if len(self.case_mix):
            text.append("Case-mix coefficients (NOK per unit):")
            text.append(self.case_mix.to_string(float_format=lambda x: f"{x:,.2f}"))
        return "\n".join(text)


def _finish(tab: pd.DataFrame, case_mix: pd.DataFrame, price_year: int) -> Catalogue:
    n = tab["n_cases"] if "n_cases" in tab else pd.Series(1.0, index=tab.index)
    if not n.sum() > 0 or not (tab["price"] * n).sum() > 0:
        raise DataError("catalogue: the case-weighted mean price is 0 (every price or every "
                        "n_cases is 0), so relative weights are undefined; give positive "
                        "prices and case counts.")
    mean_price = float((tab["price"] * n).sum() / n.sum())
    tab["weight"] = tab["price"] / mean_price
    # the projection counts an active case in whole years (a trajectory shorter than a year
    # is active in one year), so the yearly price divides by the duration floored at 1
    tab["price_per_year"] = tab["price"] / np.maximum(tab["mean_duration_years"], 1.0)
    return Catalogue(table=tab.reset_index(drop=True), case_mix=case_mix, price_year=price_year)


def price_catalogue(
    trajectories: pd.DataFrame,
    *,
    type_col: str = "trajectory_type",
    trim: float | None = 0.99,
    case_mix: str | Sequence[str] | None = None,
    price_year: int = 2024,
) -> Catalogue:
    """Price trajectory types from observed trajectories.

    Parameters
    ----------
    trajectories
        One row per trajectory with ``duration_days``, ``cost_total``,
        ``cost_<sector>`` columns and ``type_col`` (as from
        ``effekt.data.trajectories``), plus any case-mix columns.
    type_col
        Column with the trajectory type.
    trim
        Upper percentile (as a share) at which ``cost_total`` is winsorised
        within each type before pricing; ``None`` for no trimming.
    case_mix
        Numeric person/family characteristics for the risk adjustment; none
        gives the trimmed mean as price.
    price_year
        Year of the fixed prices of the cost columns.

    Returns
    -------
    Catalogue
        With the spread of each type's trimmed cost per trajectory in its table
        (:meth:`Catalogue.spread`) and the share of trajectories typed
        (:attr:`Catalogue.share_typed`: those whose type is not ``"other"``).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"trajectory_type": np.repeat(["a", "b"], 50),
    ...                    "duration_days": 365, "cost_nav": rng.uniform(90, 110, 100)})
    >>> df["cost_total"] = df["cost_nav"]
    >>> cat = price_catalogue(df, trim=None)
    >>> cat.types, cat.sectors
    (['a', 'b'], ['nav'])
    """
    check_frame("trajectories", trajectories)
    covs = as_columns("case_mix", case_mix)
    check_column_args(trajectories, {"type_col": type_col, "case_mix": covs},
                      table="trajectories")
    check_unique_columns(trajectories, table="trajectories")
    check_columns(trajectories, [type_col, "duration_days", "cost_total", *covs],
                  table="trajectories")
    clash = [c for c in [type_col, *covs]
             if c in ("duration_days", "cost_total") or str(c).startswith("cost_")]
    if clash or type_col in covs:
        raise SpecError(f"type_col={type_col!r} and case_mix={covs!r} must name other columns "
                        "than duration_days, cost_total and the cost_<sector> columns, and "
                        "differ from each other.")
    price_year = check_integer("price_year", price_year)
    if trim is not None and (not _is_share(trim) or not 0.5 <= trim <= 1.0):
        raise SpecError(f"trim={trim!r} must be a percentile (as a share) in [0.5, 1] or None.")
    cost_cols = [c for c in trajectories.columns if c.startswith("cost_") and c != "cost_total"]
    if not cost_cols:
        raise DataError("trajectories has no cost_<sector> column (e.g. cost_nav).")
    sectors = [resolve_sector(c.removeprefix("cost_"), where=f"column {c!r}") for c in cost_cols]
    num = ["duration_days", "cost_total", *cost_cols, *covs]
    check_numeric(trajectories, num, table="trajectories")
    check_no_missing(trajectories, [type_col, *num], table="trajectories")
    check_finite(trajectories, num, table="trajectories")
    check_range(trajectories, ["duration_days", "cost_total", *cost_cols], table="trajectories")
    df = trajectories[[type_col, *num]].copy()
    df[type_col] = df[type_col].astype(str)
    df["cost_w"] = df.groupby(type_col)["cost_total"].transform(lambda s: winsorise(s, trim))
    df["years"] = df["duration_days"] / 365.25
    g = df.groupby(type_col, sort=True)
    tab = pd.DataFrame(
        {
            "trajectory_type": list(g.groups),
            "n_cases": g.size().to_numpy(),
            "mean_duration_years": g["years"].mean().to_numpy(),
            "sd_duration_years": g["years"].std(ddof=1).fillna(0.0).to_numpy(),
            "mean_cost": g["cost_total"].mean().to_numpy(),
            "trimmed_mean_cost": g["cost_w"].mean().to_numpy(),
        }
    )
    # the spread of the costs each price averages (trimmed, not risk-adjusted)
    for col, q in _QUANTILES.items():
        tab[col] = g["cost_w"].quantile(q).to_numpy()
    tab["sd_cost"] = g["cost_w"].std(ddof=1).fillna(0.0).to_numpy()
    mean_w = tab["trimmed_mean_cost"]
    tab["cv_cost"] = (tab["sd_cost"] / mean_w.where(mean_w > 0)).to_numpy()
    sector_sums = g[cost_cols].sum()
    sector_sums.columns = sectors
    sector_sums = sector_sums.T.groupby(level=0, sort=False).sum().T
    shares = sector_sums.div(sector_sums.sum(axis=1), axis=0).fillna(0.0)
    if covs:
        x = df[covs].astype(float)
        xbar = x.mean()
        dummies = pd.get_dummies(df[type_col], dtype=float)
        design = pd.concat([dummies, x - xbar], axis=1)
        fit = sm.OLS(df["cost_w"].to_numpy(), design).fit()
        tab["price"] = fit.params[tab["trajectory_type"]].to_numpy()
        tab["price_std_error"] = fit.bse[tab["trajectory_type"]].to_numpy()
        cm = pd.DataFrame(
            {"beta": fit.params[covs].to_numpy(), "std_error": fit.bse[covs].to_numpy(),
             "xbar": xbar.to_numpy()},
            index=pd.Index(covs, name="covariate"),
        )
    else:
        tab["price"] = tab["trimmed_mean_cost"]
        cm = pd.DataFrame(columns=["beta", "std_error", "xbar"],
                          index=pd.Index([], name="covariate"), dtype=float)
    if (tab["price"] <= 0).any():
        bad = tab.loc[tab["price"] <= 0, "trajectory_type"].tolist()
        raise DataError(f"trajectory types {bad} get a non-positive price; check the costs.")
    for s in shares.columns:
        tab[f"share_{s}"] = shares[s].reindex(tab["trajectory_type"]).to_numpy()
    return _finish(tab, cm, int(price_year))


def define_catalogue(table: pd.DataFrame, *, price_year: int = 2024) -> Catalogue:
    """Define a catalogue by hand (or from a workbook).

    Parameters
    ----------
    table
        One row per type with ``trajectory_type``, ``price`` (NOK per case),
        ``mean_duration_years`` and ``share_<sector>`` columns summing to 1;
        optional ``n_cases`` (weights for the relative weight; default equal).
    price_year
        Year of the fixed prices.

    Examples
    --------
    >>> cat = define_catalogue(pd.DataFrame({
    ...     "trajectory_type": ["light", "heavy"], "price": [100_000, 300_000],
    ...     "mean_duration_years": [1.0, 3.0], "share_nav": [1.0, 0.5],
    ...     "share_barnevern": [0.0, 0.5]}))
    >>> cat.table["weight"].tolist()
    [0.5, 1.5]
    """
    check_frame("table", table)
    check_unique_columns(table, table="catalogue table")
    price_year = check_integer("price_year", price_year)
    check_columns(table, TABLE_COLUMNS, table="catalogue table")
    share_cols = [c for c in table.columns if isinstance(c, str) and c.startswith("share_")]
    if not share_cols:
        raise DataError("catalogue table has no share_<sector> column.")
    num = ["price", "mean_duration_years", *share_cols,
           *(["n_cases"] if "n_cases" in table else [])]
    check_numeric(table, num, table="catalogue table")
    check_no_missing(table, ["trajectory_type", *num], table="catalogue table")
    check_finite(table, num, table="catalogue table")
    check_range(table, share_cols, table="catalogue table", high=1.0)
    check_range(table, ["mean_duration_years"], table="catalogue table", low_open=True)
    check_range(table, ["price", *(["n_cases"] if "n_cases" in table else [])],
                table="catalogue table")
    tab = table.copy()
    tab["trajectory_type"] = tab["trajectory_type"].astype(str)
    if tab["trajectory_type"].duplicated().any():
        raise DataError("catalogue table repeats a trajectory_type.")
    if (tab["price"] < 0).any() or (tab["mean_duration_years"] <= 0).any():
        raise DataError("catalogue table: price must be >= 0 and mean_duration_years > 0.")
    renamed = {c: f"share_{resolve_sector(c.removeprefix('share_'), where=c)}" for c in share_cols}
    tab = tab.rename(columns=renamed)
    sums = tab[list(renamed.values())].sum(axis=1)
    if not np.allclose(sums, 1.0, atol=1e-9):
        bad = tab.loc[~np.isclose(sums, 1.0, atol=1e-9), "trajectory_type"].tolist()
        raise DataError(f"catalogue table: sector shares do not sum to 1 for types {bad}.")
    empty = pd.DataFrame(columns=["beta", "std_error", "xbar"],
                         index=pd.Index([], name="covariate"), dtype=float)
    return _finish(tab, empty, int(price_year))
