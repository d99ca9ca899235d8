"""The portfolio of measures: NPV by Monte Carlo from the register's pooled effects.

For every measure with a cost (``costs``) and at least one priced outcome in the register
(``nok_per_unit`` and ``sector``), the net present value per participant is

    NPV = sum_o sum_{t=0}^{H-1} d_t (-theta_o) nok_per_unit_o (1 - decay)^t - cost,

with ``d_t`` the discount factors of the schedule (default R-109: 4 % for years 0–40,
:func:`effekt.budgeting.discount_factors`), ``theta_o`` the pooled effect of outcome ``o``
per participant per year (the register's unit), held for ``horizon`` years and shrinking
by ``decay`` a year, and ``cost`` the measure's cost per participant in year 0, borne by
its payer. The sign follows the study contract: a priced outcome's ``nok_per_unit`` is the
NOK cost of one unit to its sector, so a fall in the outcome is a gain to that sector.

Uncertainty: each outcome's effect is drawn from ``N(estimate, std_error² + tau2)`` (the
prediction distribution of the effect where the measure is used next; ``tau2`` = 0 where
one study cannot estimate it) or, with ``uncertainty="mean"``, ``N(estimate,
std_error²)``; outcomes are drawn independently (their correlation is not in the
register). From the draws: the mean NPV, its 90 % interval, ``p_npv_positive`` = P(NPV >
0) and the expected value of perfect information per participant,
``evpi = E[max(NPV, 0)] - max(E[NPV], 0)`` (Claxton 1999; Briggs, Claxton and Sculpher
2006, ch. 7): what learning the true effect is worth before deciding whether to fund the
measure, which ranks the measures most worth evaluating next.

References
----------
Claxton, K. (1999). The irrelevance of inference: a decision-making approach to the
stochastic evaluation of health care technologies. *Journal of Health Economics* 18(3),
341-364.
Briggs, A., Claxton, K. and Sculpher, M. (2006). *Decision Modelling for Health Economic
Evaluation*. Oxford University Press.
Finansdepartementet (2021). Rundskriv R-109/2021, Prinsipper og krav ved utarbeidelse av
samfunnsøkonomiske analyser.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from effekt._checks import check_choice
from effekt.budgeting.discount import discount_factors
from effekt.budgeting.workbook.results import ResultSheet, write_results
from effekt.errors import DataError, SpecError
from effekt.register.store import pooled_effects

__all__ = ["COST_COLUMNS", "Portfolio", "portfolio"]

#: The columns of the ``costs`` table: the measure, its cost per participant (NOK, a
#: positive number, spent in year 0) and the sector that pays it.
COST_COLUMNS = ("measure", "cost_nok", "sector")


@dataclass(frozen=True)
class Portfolio:
    """The portfolio of measures (see :func:`portfolio`).

    Attributes
    ----------
    table : pandas.DataFrame
        One row per priced measure, ranked by ``evpi``: ``measure``, ``evidence_grade``
        (the lowest grade of its priced outcomes), ``cost_nok``, ``payer``, ``pv_net``
        (mean NPV per participant), ``pv_p05_nok`` and ``pv_p95_nok``, ``p_npv_positive``,
        ``evpi_nok``, ``outcomes``.
    sectors : pandas.DataFrame
        Who pays and who gains: ``measure``, ``sector``, ``pv_cost`` (paid), ``pv_gain``
        (gained, mean over draws) and ``pv_net`` per participant.
    skipped : pandas.DataFrame
        The measures not priced and why (no cost, no priced outcome, no usable estimate).
    settings : dict
        horizon, decay, draws, seed, schedule and uncertainty.
    """

    table: pd.DataFrame
    sectors: pd.DataFrame
    skipped: pd.DataFrame
    settings: dict[str, Any]

    @property
    def estimand(self) -> str:
        """The quantity in words."""
        s = self.settings
        return (f"net present value per participant (NOK; R-109 discounting, effects held "
                f"{s['horizon']} years, decaying {s['decay']:.0%} a year), with P(NPV > 0) "
                "and the expected value of perfect information")

    def to_frame(self) -> pd.DataFrame:
        """Return :attr:`table`."""
        return self.table.copy()

    def summary(self) -> str:
        """Return the ranked portfolio as text."""
        cols = ["measure", "evidence_grade", "cost_nok", "pv_net", "pv_p05_nok", "pv_p95_nok",
                "p_npv_positive", "evpi_nok"]
        body = self.table[cols].to_string(index=False, float_format=lambda x: f"{x:,.0f}"
                                          if abs(x) >= 1 else f"{x:.2f}")
        return f"Portfolio: {self.estimand}\n{body}"

    def _repr_html_(self) -> str:
        return f"<p>Portfolio: {self.estimand}</p>" + self.table.to_html(index=False)

    def plot(self) -> Any:
        """Return a chart of evidence grade × mean NPV, with the 90 % interval as a bar."""
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(7, 4.5))
        t = self.table
        jitter = np.linspace(-0.15, 0.15, len(t)) if len(t) > 1 else np.zeros(len(t))
        x = t["evidence_grade"].to_numpy(float) + jitter
        ax.errorbar(x, t["pv_net"], yerr=[t["pv_net"] - t["pv_p05_nok"],
                                          t["pv_p95_nok"] - t["pv_net"]],
                    fmt="none", ecolor="0.6", capsize=3)
        size = 40 + 400 * t["evpi_nok"] / max(float(t["evpi_nok"].max()), 1.0)
        ax.scatter(x, t["pv_net"], s=size, zorder=3)
        for xi, yi, name in zip(x, t["pv_net"], t["measure"], strict=True):
            ax.annotate(name, (xi, yi), xytext=(6, 4), textcoords="offset points")
        ax.axhline(0, color="0.3", lw=0.8)
        ax.set_xlim(-0.5, 5.5)
        ax.set_xticks(range(6))
        ax.set_xlabel("evidence grade (0–5, Ungsinn levels)")
        ax.set_ylabel("NPV per participant, NOK (90 % interval)")
        ax.set_title("Portfolio: marker area = value of perfect information")
        fig.tight_layout()
        return fig

    def sheets(self, language: str = "nb") -> list[ResultSheet]:
        """Return the sheets of the portfolio workbook."""
        nb = language == "nb"
        s = self.settings
        note = (f"NOK per deltaker, nåverdi etter R-109; effekt i {s['horizon']} år, "
                f"avtar {s['decay']:.0%} per år; {s['draws']} trekninger (frø {s['seed']})."
                if nb else
                f"NOK per participant, present value by R-109; effect for {s['horizon']} "
                f"years, decaying {s['decay']:.0%} a year; {s['draws']} draws (seed "
                f"{s['seed']}).")
        return [ResultSheet("portfolio", self.table, note),
                ResultSheet("portfolio_sectors", self.sectors,
                            "Hvem betaler og hvem sparer per deltaker (nåverdi)." if nb else
                            "Who pays and who gains per participant (present value)."),
                ResultSheet("portfolio_skipped", self.skipped,
                            "Tiltak uten pris eller kostnad." if nb else
                            "Measures without a price or a cost.")]

    def to_excel(self, path: Any, *, language: str = "nb", overwrite: bool = False) -> Any:
        """Write the formatted workbook (effekt's results-workbook rules)."""
        return write_results(path, self.sheets(language), language=language,
                             overwrite=overwrite)


def _check_costs(costs: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(costs, pd.DataFrame):
        raise DataError(f"costs must be a DataFrame with columns {', '.join(COST_COLUMNS)}, "
                        f"got {type(costs).__name__}.")
    missing = [c for c in COST_COLUMNS if c not in costs.columns]
    if missing:
        raise DataError(f"costs: column(s) {', '.join(missing)} missing; expected "
                        f"{', '.join(COST_COLUMNS)}.")
    c = costs.loc[:, list(COST_COLUMNS)].copy()
    value = pd.to_numeric(c["cost_nok"], errors="coerce")
    bad = c[~(value >= 0) | ~np.isfinite(value)]
    if len(bad):
        raise DataError(f"costs: cost_nok of measure {bad['measure'].iloc[0]!r} is "
                        f"{bad['cost_nok'].tolist()[0]!r}; expected a number >= 0 (NOK per "
                        "participant, spent in year 0).")
    if c["measure"].duplicated().any():
        raise DataError(f"costs: measure {c['measure'][c['measure'].duplicated()].iloc[0]!r}"
                        " appears twice; give one cost per measure.")
    c["cost_nok"] = value.astype(float)
    return c.set_index("measure")


def portfolio(
    entries: pd.DataFrame,
    costs: pd.DataFrame,
    *,
    horizon: int = 5,
    decay: float = 0.0,
    draws: int = 10_000,
    seed: int = 0,
    schedule: Any = "r109",
    uncertainty: Literal["prediction", "mean"] = "prediction",
    method: str = "REML",
) -> Portfolio:
    """Rank measures by NPV, P(NPV > 0) and the value of perfect information.

    Parameters
    ----------
    entries : pandas.DataFrame
        Register entries (:func:`effekt.register.read_register`).
    costs : pandas.DataFrame
        One row per measure: :data:`COST_COLUMNS`.
    horizon : int
        Years the effect lasts (years 0..horizon-1).
    decay : float
        Share of the effect lost each year, in [0, 1).
    draws : int
        Monte Carlo draws.
    seed : int
        Seed of the draws.
    schedule : str, DiscountSchedule or float
        Discounting (default R-109).
    uncertainty : {"prediction", "mean"}
        Draw effects from the prediction distribution (adds ``tau2``) or the mean's.
    method : str
        Pooling method ("REML" or "DL").

    Returns
    -------
    Portfolio

    Examples
    --------
    >>> import pandas as pd
    >>> from effekt.register.store import entries_from_table
    >>> e = entries_from_table(pd.DataFrame({
    ...     "measure": ["A", "A"], "outcome": ["cost_nav"] * 2, "unit": ["nok per person"] * 2,
    ...     "estimate": [-9000.0, -6000.0], "std_error": [2000.0, 3000.0], "design": ["rct"] * 2,
    ...     "source": ["Study 1", "Study 2"], "nok_per_unit": [1.0, 1.0],
    ...     "sector": ["nav", "nav"]}))
    >>> p = portfolio(e, pd.DataFrame({"measure": ["A"], "cost_nok": [20000.0],
    ...                                "sector": ["helse_sosial"]}), horizon=3, seed=1)
    >>> round(float(p.table["p_npv_positive"].iloc[0]), 2)
    0.76
    """
    check_choice("uncertainty", uncertainty, ("prediction", "mean"))
    if not (isinstance(horizon, int) and horizon >= 1):
        raise SpecError(f"horizon must be a whole number of years >= 1, got {horizon!r}.")
    if not (isinstance(decay, (int, float)) and 0 <= decay < 1):
        raise SpecError(f"decay must be a share in [0, 1), got {decay!r}.")
    if not (isinstance(draws, int) and draws >= 100):
        raise SpecError(f"draws must be a whole number >= 100, got {draws!r}.")
    cost = _check_costs(costs)
    pooled = pooled_effects(entries, method=method)
    d = discount_factors(horizon - 1, schedule)[:horizon] * (1 - decay) ** np.arange(horizon)
    annuity = float(d.sum())  # present value of one NOK a year with the decay
    rng = np.random.default_rng(seed)
    rows, sector_rows, skipped = [], [], []
    for measure in sorted(set(pooled["measure"]) | set(cost.index)):
        p = pooled[pooled["measure"] == measure]
        priced = p[p["nok_per_unit"].notna() & p["sector"].notna() & p["estimate"].notna()]
        if measure not in cost.index:
            skipped.append({"measure": measure, "reason": "no cost"})
            continue
        if priced.empty:
            skipped.append({"measure": measure, "reason": "no priced outcome with an estimate"})
            continue
        c, payer = float(cost.loc[measure, "cost_nok"]), str(cost.loc[measure, "sector"])
        gains: dict[str, np.ndarray] = {}
        for _, o in priced.iterrows():
            tau2 = 0.0 if uncertainty == "mean" or not math.isfinite(o["tau2"]) else o["tau2"]
            theta = rng.normal(o["estimate"], math.sqrt(o["std_error"] ** 2 + tau2), draws)
            g = -theta * float(o["nok_per_unit"]) * annuity
            gains[o["sector"]] = gains.get(o["sector"], 0.0) + g
        npv = sum(gains.values()) - c
        mean = float(npv.mean())
        rows.append({"measure": measure,
                     "evidence_grade": int(priced["evidence_grade"].min()),
                     "cost_nok": c, "payer": payer, "pv_net": mean,
                     "pv_p05_nok": float(np.quantile(npv, 0.05)),
                     "pv_p95_nok": float(np.quantile(npv, 0.95)),
                     "p_npv_positive": float((npv > 0).mean()),
                     "evpi_nok": float(np.maximum(npv, 0).mean() - max(mean, 0.0)),
                     "outcomes": ", ".join(priced["outcome"])})
        for sector in sorted(set(gains) | {payer}):
            gain = float(np.mean(gains.get(sector, 0.0)))
            paid = c if sector == payer else 0.0
            sector_rows.append({"measure": measure, "sector": sector, "pv_cost": paid,
                                "pv_gain": gain, "pv_net": gain - paid})
    table = pd.DataFrame(rows, columns=["measure", "evidence_grade", "cost_nok", "payer",
                                        "pv_net", "pv_p05_nok", "pv_p95_nok",
                                        "p_npv_positive", "evpi_nok", "outcomes"])
    table = table.sort_values(["evpi_nok", "measure"], ascending=[False, True],
                              ignore_index=True)
    return Portfolio(table=table,
                     sectors=pd.DataFrame(sector_rows, columns=["measure", "sector", "pv_cost",
                                                                "pv_gain", "pv_net"]),
                     skipped=pd.DataFrame(skipped, columns=["measure", "reason"]),
                     settings={"horizon": horizon, "decay": float(decay), "draws": draws,
                               "seed": seed, "schedule": str(schedule),
                               "uncertainty": uncertainty})
