"""The result of a study budget: :class:`StudyBudget`, its summary, notes and sheets.

:class:`StudyBudget` holds the tables that :func:`~effekt.budgeting.study_budget` builds;
its :meth:`~StudyBudget.summary`, :meth:`~StudyBudget.sheets` and
:meth:`~StudyBudget.to_excel` show them in the budget's language (bokmål or English), and
:func:`budget_notes` writes what the budget assumes and leaves out. The results workbook
is written with :func:`effekt.budgeting.workbook.write_results`.

Disclosure control (docs/contracts.md, "Disclosure control: the study budget"): the
attributes of :class:`StudyBudget` hold every figure; what it writes for people
(:meth:`~StudyBudget.summary`, :meth:`~StudyBudget.sheets`, :meth:`~StudyBudget.to_excel`)
shows a count of outcomes reached from 1 to ``min_cell`` - 1 as ``"<5"`` with its payments
blank, blanks the years projected from such a count, and hides the allocation's cells
that would give a hidden payment away (:meth:`~StudyBudget.disclosed_outcomes`,
:meth:`~StudyBudget.disclosed_allocation`). Small trajectory types are pooled before the
budget is computed (:func:`~effekt.budgeting.study_budget`), so the catalogue and caseload
need no suppression here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from effekt.budgeting.accounts import InvestmentAccount
from effekt.budgeting.budget_inputs import BudgetInput
from effekt.budgeting.catalogue import Catalogue
from effekt.budgeting.discount import DiscountSchedule
from effekt.budgeting.workbook.results import Language, ResultSheet, value_label, write_results
from effekt.data import RecordStore
from effekt.reports.disclosure import count, is_small
from effekt.results import ResultsBase

__all__ = ["StudyBudget", "budget_notes", "inputs_table"]


def _txt(nb: str, en: str, language: Language) -> str:
    return nb if language == "nb" else en


def _pct(x: float, language: Language) -> str:
    """Format a share as a percentage with two decimals: 1,09 % (nb) or 1.09% (en)."""
    return f"{x * 100:.2f}\u00a0%".replace(".", ",") if language == "nb" else f"{x:.2%}"


def _nok(x: float, language: Language) -> str:
    """Format a whole amount with thousands separators: 1 234 567 (nb) or 1,234,567 (en)."""
    text = f"{x:,.0f}".replace("-", "−")
    return text.replace(",", "\u00a0") if language == "nb" else text


@dataclass(frozen=True, repr=False)
class StudyBudget(ResultsBase):
    """The trajectory budget of a municipality with its studies' effects (:func:`study_budget`).

    All amounts are NOK at ``settings["price_year"]`` prices; avoided costs are positive
    when the sector saves money.

    Attributes
    ----------
    totals
        ``pilot`` (``"all"`` for the studies together), ``sector`` (``"total"`` for all),
        ``avoided_cost_nok`` (mean over the horizon, undiscounted), ``p05_nok``, ``p95_nok``
        (its 90 % interval), ``pv_nok``, ``pv_p05_nok``, ``pv_p95_nok`` (present values).
    avoided
        ``pilot, outcome, outcome_label, sector, year, event_time, estimated,
        avoided_cost_nok, p05_nok, p95_nok``: each budget input's avoided cost by year; a
        year without an estimate (``estimated`` false: past the last event time with
        ``beyond="zero"``, or past the study's horizon) has no amounts (it counts as 0 in
        ``totals``).
    allocation
        The budget-neutral comparison by year and provider with the withheld pool's row
        (:func:`~effekt.budgeting.outcomes_reached.allocation_with_pool`).
    catalogue
        The trajectory catalogue, calibrated (budget-neutral).
    caseload
        ``year, trajectory_type, n_new, n_ongoing, n_active``.
    net_cost
        Monte Carlo quantiles of net cost by year and sector
        (:meth:`~effekt.budgeting.SimulationResult.quantiles`).
    accounts
        An investment account per pilot.
    account_table, flows
        Who pays, who gains per pilot and sector (present values), and the flows by year.
    rate_card, outcomes
        The rate card (with each outcome's definition) and the outcomes reached with their
        payments by year (``basis`` ``recorded`` or ``projected``).
    inputs
        The studies' budget inputs by event time, and whether each was used.
    notes
        What the budget assumes and leaves out, in ``language``.
    settings
        Seed, draws, years, base and price year, withheld share, growth, calibration factor.
    language
        ``"nb"`` or ``"en"``.
    """

    totals: pd.DataFrame
    avoided: pd.DataFrame
    allocation: pd.DataFrame
    catalogue: Catalogue
    caseload: pd.DataFrame
    net_cost: pd.DataFrame
    accounts: Mapping[str, InvestmentAccount]
    account_table: pd.DataFrame
    flows: pd.DataFrame
    rate_card: pd.DataFrame
    outcomes: pd.DataFrame
    inputs: pd.DataFrame
    notes: tuple[str, ...]
    settings: Mapping[str, Any]
    language: Language = "nb"

    @property
    def estimand(self) -> str:
        """The quantity in words."""
        s = self.settings
        return (f"avoided cost by sector over {s['first_year']}-{s['last_year']} of the "
                f"studies' effects, NOK at {s['price_year']} prices (positive = saved)")

    @property
    def min_cell(self) -> int:
        """The disclosure threshold (``settings["min_cell"]``, default 5)."""
        return int(self.settings.get("min_cell", 5))

    def _small_outcomes(self) -> tuple[pd.Series, pd.Series]:
        """Rows of ``outcomes`` hidden: (small recorded counts, projections of a small base)."""
        o, m = self.outcomes, self.min_cell
        small = (o["basis"] == "recorded") & (o["n_cases"].map(lambda n: is_small(n, m))
                                              | o["count"].map(lambda n: is_small(n, m)))
        base = o[small & (o["year"] == self.settings["base_year"])]
        keys = set(zip(base["provider"], base["outcome"], strict=True))
        projected = (o["basis"] == "projected") & pd.Series(
            [k in keys for k in zip(o["provider"], o["outcome"], strict=True)], index=o.index,
            dtype=bool)
        return small, projected

    def hidden_payments(self) -> set[tuple[int, str]]:
        """Return the ``(year, provider)`` whose outcome payment is hidden (disclosure)."""
        small, projected = self._small_outcomes()
        o = self.outcomes[small | projected]
        return {(int(y), p) for y, p in zip(o["year"], o["provider"], strict=True)}

    def disclosed_outcomes(self) -> pd.DataFrame:
        """Return ``outcomes`` as written: small counts ``"<5"``, their payments blank.

        A recorded row with 1 to ``min_cell`` - 1 cases or outcomes shows them as
        ``"<min_cell"`` and no payment (a payment is the count × the rate card's price); a
        projected row of such a base-year count (the base × the population growth, which
        the settings show) shows neither counts nor payments. No sheet totals the rows.
        """
        small, projected = self._small_outcomes()
        out = self.outcomes.copy()
        for col in ("n_cases", "count"):
            out[col] = pd.Series(
                [count(v, self.min_cell) if s else (None if p else v)
                 for v, s, p in zip(out[col], small, projected, strict=True)],
                index=out.index, dtype=object)
        for col in ("payout_uncapped", "payout"):
            out[col] = out[col].astype(float).where(~(small | projected))
        return out

    def disclosed_allocation(self) -> pd.DataFrame:
        """Return ``allocation`` as written: the cells that would show a hidden payment blank.

        For a year and provider whose outcome payment is hidden
        (:meth:`hidden_payments`): its ``outcome_payment``, ``trajectory_total``
        (= base payment + outcome payment) and ``difference`` (= trajectory total − service
        budget); and in that year the withheld pool's ``trajectory_total`` and
        ``difference`` (= Σ withheld − Σ outcome payments, which with the other providers'
        payments would give the hidden one away). What stays shown (service and trajectory
        budgets, base payments, withheld, the other providers' payments) and the identities
        among them leave the hidden payment free: it moves with the pool by the same amount.
        """
        hidden = self.hidden_payments()
        out = self.allocation.copy()
        years = {y for y, _ in hidden}
        key = list(zip(out["year"].astype(int), out["provider"], strict=True))
        own = pd.Series([k in hidden for k in key], index=out.index, dtype=bool)
        pool = (out["provider"] == "withheld_pool") & out["year"].astype(int).isin(years)
        for col in ("outcome_payment", "trajectory_total", "difference"):
            gone = own | (pool if col != "outcome_payment" else False)
            out[col] = out[col].astype(float).where(~gone)
        return out

    def base_year_hidden(self) -> bool:
        """Whether an outcome payment of the base year is hidden (then paid and left are)."""
        return any(y == self.settings["base_year"] for y, _ in self.hidden_payments())

    def pool(self) -> dict[str, float]:
        """Return the base year's withheld, paid for outcomes reached and left in the pool (NOK).

        Not disclosure-controlled (see :meth:`base_year_hidden`).
        """
        a = self.allocation[self.allocation["year"] == self.settings["base_year"]]
        return {"withheld": float(a["withheld"].sum()),
                "paid": float(a["outcome_payment"].sum()),
                "left": float(a.loc[a["provider"] == "withheld_pool", "trajectory_total"].sum())}

    def summary(self) -> str:
        """Deterministic text: avoided cost per sector with its 90 % interval, the pool, notes."""
        lang, s = self.language, self.settings
        first, last, n = s["first_year"], s["last_year"], s["years"]
        out = [
            _txt(f"Forløpsbudsjett for kommunen med studienes effekter, {first}–{last} "
                 f"({n} år; NOK, faste {s['price_year']}-priser)",
                 f"Trajectory budget of the municipality with the studies' effects, "
                 f"{first}-{last} ({n} years; NOK, fixed {s['price_year']} prices)", lang),
            _txt(f"Unngått kostnad over {n} år per sektor (positivt = spart; 90 % intervall):",
                 f"Avoided cost over {n} years by sector (positive = saved; 90 % interval):",
                 lang),
        ]
        tab = self.totals[self.totals["pilot"] == "all"]
        width = max((len(value_label(x, lang)) for x in tab["sector"]), default=0) + 2
        for r in tab.itertuples(index=False):
            name = value_label(r.sector, lang)
            out.append(f"  {name:<{width}}{_nok(r.avoided_cost_nok, lang):>14}   "
                       f"({_nok(r.p05_nok, lang)} {_txt('til', 'to', lang)} "
                       f"{_nok(r.p95_nok, lang)})")
        per = self.totals[(self.totals["pilot"] != "all") & (self.totals["sector"] == "total")]
        for r in per.itertuples(index=False):
            out.append(_txt(f"  av dette {r.pilot}: ", f"  of which {r.pilot}: ", lang)
                       + f"{_nok(r.avoided_cost_nok, lang)} ({_nok(r.p05_nok, lang)} "
                       + f"{_txt('til', 'to', lang)} {_nok(r.p95_nok, lang)})")
        p = self.pool()
        sv = float(self.allocation.loc[self.allocation["year"] == s["base_year"],
                                       "service_budget"].sum())
        if self.base_year_hidden():
            out.append(_txt(
                f"Basisåret {s['base_year']}: tjenestebudsjettet {_nok(sv, lang)} = "
                f"forløpsmodellens utbetalinger + igjen i tilbakeholdt pott (tilbakeholdt "
                f"{_nok(p['withheld'], lang)}); resultatbetalingen og potten vises ikke, fordi "
                f"et oppnådd resultat gjelder færre enn {self.min_cell} saker.",
                f"Base year {s['base_year']}: the service budget {_nok(sv, lang)} = the "
                f"trajectory model's payments + left in the withheld pool (withheld "
                f"{_nok(p['withheld'], lang)}); the outcome payments and the pool are not shown, "
                f"because an outcome reached concerns fewer than {self.min_cell} cases.", lang))
        else:
            out.append(_txt(
                f"Basisåret {s['base_year']}: tjenestebudsjettet {_nok(sv, lang)} = "
                f"forløpsmodellens utbetalinger {_nok(sv - p['left'], lang)} + igjen i "
                f"tilbakeholdt pott {_nok(p['left'], lang)} (tilbakeholdt "
                f"{_nok(p['withheld'], lang)}, resultatbetaling {_nok(p['paid'], lang)}).",
                f"Base year {s['base_year']}: the service budget {_nok(sv, lang)} = the "
                f"trajectory model's payments {_nok(sv - p['left'], lang)} + left in the "
                f"withheld pool "
                f"{_nok(p['left'], lang)} (withheld {_nok(p['withheld'], lang)}, outcome payments "
                f"{_nok(p['paid'], lang)}).", lang))
        out.append(_txt("Merknader:", "Notes:", lang))
        out.extend(f"  - {x}" for x in self.notes)
        return "\n".join(out)

    def sheets(self) -> list[ResultSheet]:
        """Return the sheets of the results workbook, in order, with notes in the language."""
        lang, s = self.language, self.settings
        price = _txt(f"NOK, faste {s['price_year']}-priser", f"NOK, fixed {s['price_year']} "
                     "prices", lang)
        span = f"{s['first_year']}–{s['last_year']}"
        keys = ["seed", "draws", "base_year", "first_year", "last_year", "price_year",
                "withhold_share", "growth", "gap_days", "calibration_factor",
                "withheld_base_year", "paid_base_year", "left_base_year", "min_cell"]
        p = self.pool()
        gone = self.base_year_hidden()  # disclosure: paid and left give a hidden payment away
        values = {"min_cell": self.min_cell, **s, "withheld_base_year": p["withheld"],
                  "paid_base_year": None if gone else p["paid"],
                  "left_base_year": None if gone else p["left"]}
        settings = pd.DataFrame({"quantity": keys, "value": [values[k] for k in keys]})
        kinds = ["int", "int", "int", "int", "int", "int", "share", "share", "int", "ratio",
                 "nok", "nok", "nok", "int"]
        m = self.min_cell
        hidden_note = _txt(
            " Tomme celler for resultatbetaling, i alt og differanse (også pottens) skjuler en "
            f"betaling for færre enn {m} oppnådde resultater (avsløringskontroll).",
            " Blank outcome payment, total and difference cells (also the pool's) hide a "
            f"payment for fewer than {m} outcomes reached (disclosure control).",
            lang) if any(y >= s["base_year"] for y, _ in self.hidden_payments()) else ""
        return [
            ResultSheet("summary", self.totals, _txt(
                f"Unngått kostnad av studienes effekter per sektor, {span} ({price}; positivt = "
                "spart, negativt = merkostnad; 90 % intervall fra Monte Carlo; nåverdi med "
                f"{s['schedule']}). 'Alle tiltak' er studiene sammen.",
                f"Avoided cost of the studies' effects by sector, {span} ({price}; positive = "
                "saved, negative = extra cost; 90 % interval from the Monte Carlo; present "
                f"value with {s['schedule']}). 'All measures' is the studies together.", lang)),
            ResultSheet("notes", pd.DataFrame({"note": list(self.notes)}), _txt(
                "Hva budsjettet forutsetter og hva det utelater.",
                "What the budget assumes and what it leaves out.", lang)),
            ResultSheet("allocation", self.disclosed_allocation(), _txt(
                f"Tjenestebasert og forløpsbasert budsjett per år og tjenesteyter ({price}); "
                f"prisene er skalert slik at begge gir samme sum i basisåret {s['base_year']}. "
                f"{s['withhold_share']:.0%} holdes tilbake og betales ut etter resultatkortet; "
                "raden 'Tilbakeholdt pott' viser det som ikke er utbetalt, så tjenestebudsjettet "
                "= forløpsmodellen i alt, og differansen summerer til 0 i basisåret.",
                f"Service- and trajectory-based budget by year and provider ({price}); prices "
                f"are scaled so that both give the same total in the base year {s['base_year']}. "
                f"{s['withhold_share']:.0%} is withheld and paid by the rate card; the row "
                "'Withheld pool' shows what is not paid out, so the service budget = the "
                "trajectory model's total, and the difference sums to 0 in the base year.",
                lang) + hidden_note),
            ResultSheet("avoided", self.avoided, _txt(
                f"Unngått kostnad per studie, utfall, sektor og år ({price}; positivt = spart). "
                "Trekkene av et utfalls år er felles normalfordelte med estimatenes kovarians.",
                f"Avoided cost by study, outcome, sector and year ({price}; positive = saved). "
                "The years of an outcome are drawn jointly normal with the estimates' "
                "covariance.", lang)),
            ResultSheet("investment_account", self.account_table, _txt(
                f"Hvem betaler, hvem sparer per tiltak og sektor ({price}; nåverdi med "
                f"{s['schedule']}). En sektor som bruker mer (negativ unngått kostnad) betaler; "
                "en som bruker mindre sparer.",
                f"Who pays, who gains by measure and sector ({price}; present value with "
                f"{s['schedule']}). A sector that spends more (negative avoided cost) pays; one "
                "that spends less gains.", lang)),
            ResultSheet("flows", self.flows, _txt(
                f"Hvem betaler, hvem sparer per år ({price}; diskontert til {s['first_year']}).",
                f"Who pays, who gains by year ({price}; discounted to {s['first_year']}).",
                lang)),
            ResultSheet("net_cost", self.net_cost, _txt(
                f"Monte Carlo: nettokostnad (forløpskostnad minus unngått kostnad) per år og "
                f"sektor ({price}; {s['draws']} trekk, frø {s['seed']}).",
                f"Monte Carlo: net cost (trajectory cost minus avoided cost) by year and sector "
                f"({price}; {s['draws']} draws, seed {s['seed']}).", lang)),
            ResultSheet("outcomes_reached", self.disclosed_outcomes(), _txt(
                "Oppnådde resultater fra kommunens utfallsregistre og resultatbetalingen; "
                f"år etter basisåret {s['base_year']} er basisåret framskrevet med befolkningen. "
                f"Antall under {m} vises som «<{m}» uten betaling; år framskrevet fra et slikt "
                "antall står tomme.",
                "Outcomes reached from the municipality's outcome records and their payment; "
                f"years after the base year {s['base_year']} are the base year grown with the "
                f"population. A count below {m} is shown as '<{m}' without its payment; years "
                "projected from such a count are blank.", lang)),
            ResultSheet("rate_card", self.rate_card, _txt(
                "Resultatkort: pris per oppnådd resultat og tak per sak og år.",
                "Rate card: price per outcome reached and cap per case and year.", lang)),
            ResultSheet("caseload", self.caseload, _txt(
                "Forløp per år og type (framskrevet fra basisåret).",
                "Trajectories by year and type (projected from the base year).", lang)),
            ResultSheet("catalogue", self.catalogue.table, _txt(
                f"Forløpskatalog fra kommunens tjenestehendelser, skalert budsjettnøytralt "
                f"(faktor {s['calibration_factor']:.3f}; {price}).",
                f"Trajectory catalogue from the municipality's service events, scaled to be "
                f"budget-neutral (factor {s['calibration_factor']:.3f}; {price}).", lang)),
            ResultSheet("inputs", self.inputs, _txt(
                "Studienes effektestimater (budget_inputs i results.json) og om de er brukt.",
                "The studies' effect estimates (budget_inputs of results.json) and whether "
                "they are used.", lang)),
            ResultSheet("settings", settings, _txt(
                "Innstillinger for beregningen.", "Settings of the computation.", lang),
                row_kinds=kinds),
        ]

    def to_excel(self, path: Any, *, overwrite: bool = False) -> Any:
        """Write the results workbook (see :func:`effekt.budgeting.workbook.write_results`).

        An existing file is replaced only with ``overwrite=True``.
        """
        return write_results(path, self.sheets(), language=self.language, overwrite=overwrite)


def inputs_table(inputs: list[list[BudgetInput]], skipped: dict[int, str],
                 language: Language) -> pd.DataFrame:
    """Return the studies' budget inputs by event time, and whether each is used."""
    rows = []
    for ins in inputs:
        for i in ins:
            use = (_txt("ja", "yes", language) if id(i) not in skipped else
                   _txt(f"nei: inne i {skipped[id(i)]}", f"no: inside {skipped[id(i)]}",
                        language))
            se = np.sqrt(np.clip(np.diag(i.vcov), 0.0, None))
            times = i.event_time or (None,)
            for t, est, s in zip(times, i.estimate, se, strict=True):
                rows.append({"pilot": i.pilot, "outcome": i.outcome, "outcome_label": i.label,
                             "kind": i.kind, "sector": i.sector,
                             "nok_per_unit": i.nok_per_unit, "n_cases": i.n_cases,
                             "horizon": i.horizon, "beyond": i.beyond, "event_time": t,
                             "estimate": float(est), "std_error": float(s), "used": use})
    return pd.DataFrame(rows, columns=["pilot", "outcome", "outcome_label", "kind", "sector",
                                       "nok_per_unit", "n_cases", "horizon", "beyond",
                                       "event_time", "estimate", "std_error", "used"])


def _own_measures(store: RecordStore, names: Sequence[str], base_year: int) -> pd.DataFrame:
    if not names:
        return pd.DataFrame(columns=["measure_id", "name", "sector", "cost"])
    m = store.table("measures").select("measure_id", "name", "sector").to_pandas()
    m = m[m["name"].isin(list(names)) | m["measure_id"].astype(str).isin([str(n) for n in names])]
    ev = store.table("service_events")
    ev = ev.filter(ev.start_date.year() == base_year).select("measure_id", "cost_nok")
    cost = ev.group_by("measure_id").aggregate(cost=ev.cost_nok.sum()).to_pandas()
    return m.merge(cost, on="measure_id", how="left").fillna({"cost": 0.0})


def budget_notes(names: list[str], inputs: list[list[BudgetInput]], used: list[BudgetInput],
                 skipped: dict[int, str], store: RecordStore,
                 own: Mapping[str, Sequence[str]], base_year: int, years: int,
                 recorded: pd.DataFrame, growth: float, observed: bool, lang: Language,
                 schedule: DiscountSchedule, *, min_cell: int = 5,
                 pooled: Sequence[str] = ()) -> list[str]:
    """Return what the budget assumes and leaves out, in ``lang`` (one sentence a note).

    The notes are disclosure-controlled: the total of outcomes reached in the base year is
    withheld when one of its parts is below ``min_cell`` (it would give that part away), and
    the trajectory types pooled for disclosure (``pooled``) are named.
    """
    last = base_year + years - 1
    notes = [_txt(
        "Fortegn: positivt = sektoren sparer (bruker mindre), negativt = merkostnad. Summer "
        f"over {years} år ({base_year}–{last}) er udiskonterte; nåverdier er diskontert med "
        f"{schedule.name}.",
        "Sign: positive = the sector saves (spends less), negative = an extra cost. Sums over "
        f"{years} years ({base_year}-{last}) are undiscounted; present values are discounted "
        f"with {schedule.name}.", lang)]
    for name, ins in zip(names, inputs, strict=True):
        shown = [i for i in ins if i in used]
        if not ins:
            notes.append(_txt(f"{name}: studien har ingen budsjettinndata (alle utfall holdt "
                              "tilbake eller uten kostnad per enhet); ingen effekt i budsjettet.",
                              f"{name}: the study has no budget inputs (every outcome withheld "
                              "or without a cost per unit); no effect in the budget.", lang))
            continue
        h = max(i.horizon for i in shown) if shown else 0
        counts = {i.n_cases for i in shown}
        cases = (_nok(counts.pop(), lang) if len(counts) == 1 else ", ".join(
            f"{_nok(i.n_cases, lang)} ({i.outcome})" for i in shown))
        notes.append(_txt(
            f"{name}: effekten gjelder ett kull av studiens behandlede, {cases} saker, som "
            f"starter i {base_year} og følges i {h} år; utfall: "
            f"{', '.join(i.outcome for i in shown)}.",
            f"{name}: the effect applies to one cohort of the study's treated, {cases} cases, "
            f"starting in {base_year}, followed for {h} years; outcomes: "
            f"{', '.join(i.outcome for i in shown)}.", lang))
        gaps = [i.outcome for i in shown if not all(i.estimated(t) for t in range(years))]
        if gaps:
            notes.append(_txt(
                f"{name}: år uten estimat ({', '.join(gaps)}: etter siste hendelsestid eller "
                "studiens horisont) står tomme i arket over unngåtte kostnader og regnes som 0 "
                "i summene.",
                f"{name}: years without an estimate ({', '.join(gaps)}: past the last event "
                "time or the study's horizon) are blank in the avoided-cost sheet and count as "
                "0 in the totals.", lang))
        if any(i.horizon > years for i in shown):
            notes.append(_txt(f"{name}: effekter etter {last} er utenfor budsjettets horisont.",
                              f"{name}: effects after {last} lie beyond the budget's horizon.",
                              lang))
        for i in ins:
            if id(i) in skipped:
                notes.append(_txt(
                    f"{name}: {i.outcome} × {_nok(i.nok_per_unit, lang)} NOK ({i.sector}) er "
                    f"ikke lagt til: studien estimerte {skipped[id(i)]}, sektorens samlede "
                    "tjenestekostnad i NOK, som allerede inneholder den (telles ikke to ganger).",
                    f"{name}: {i.outcome} × {_nok(i.nok_per_unit, lang)} NOK ({i.sector}) is not "
                    f"added: the study estimated {skipped[id(i)]}, the sector's whole service "
                    "cost in NOK, which already holds it (not counted twice).", lang))
        for _, r in _own_measures(store, own.get(name, ()), base_year).iterrows():
            nok = {i.sector: i.outcome for i in shown if i.kind == "nok"}
            cost = _nok(r["cost"], lang)
            if r["sector"] in nok:
                notes.append(_txt(
                    f"{name}: tiltakets egen tjeneste «{r['name']}» ({r['sector']}, {cost} NOK i "
                    f"{base_year}) er en tjenestehendelse og ligger allerede i estimatet av "
                    f"{nok[r['sector']]} (netto); den telles ikke igjen som kostnad.",
                    f"{name}: the pilot's own service '{r['name']}' ({r['sector']}, {cost} NOK in "
                    f"{base_year}) is a service event and already inside the estimate of "
                    f"{nok[r['sector']]} (net); it is not counted again as a cost.", lang))
            else:
                notes.append(_txt(
                    f"{name}: tiltakets egen tjeneste «{r['name']}» ({r['sector']}, {cost} NOK i "
                    f"{base_year}) er ikke i noe estimat studien ga budsjettet (ingen "
                    f"cost_{r['sector']}); budsjettet utelater den. Gi den som extra_costs, "
                    f"eller gi cost_{r['sector']} en kostnad per enhet i studien.",
                    f"{name}: the pilot's own service '{r['name']}' ({r['sector']}, {cost} NOK "
                    f"in {base_year}) is in no estimate the study gave the budget (no "
                    f"cost_{r['sector']}); the budget leaves it out. Give it as extra_costs, or "
                    f"give cost_{r['sector']} a cost per unit in the study.", lang))
    notes.append(_txt(
        "Trekkene av ett utfalls år er felles normalfordelte (estimatenes kovarians); utfall og "
        "studier trekkes uavhengig av hverandre (results.json gir ingen kovarians mellom dem).",
        "The years of one outcome are drawn jointly normal (the estimates' covariance); "
        "outcomes and studies are drawn independently of each other (results.json gives no "
        "covariance between them).", lang))
    pct = _pct(growth, lang)
    how = (_txt(f"observert {pct} per år", f"observed, {pct} a year", lang)
           if observed else _txt(f"{pct} per år (gitt)", f"{pct} a year (given)", lang))
    notes.append(_txt(
        f"Tjenestebudsjettet er {base_year}s volum av hvert tiltak × enhetskostnad; senere år og "
        f"befolkningen vokser med befolkningsveksten ({how}).",
        f"The service budget is {base_year}'s volume of every measure × its unit cost; later "
        f"years and the population grow with the population growth ({how}).", lang))
    base = recorded[recorded["year"] == base_year]
    if len(base):
        parts = [*base["count"], *base["n_cases"]]
        total = (_txt("antallet vises ikke: en del er under ", "the number is not shown: a "
                      "part is below ", lang) + str(min_cell)
                 if any(is_small(n, min_cell) for n in parts)
                 else _txt(f"{_nok(base['count'].sum(), lang)} i alt",
                           f"{_nok(base['count'].sum(), lang)} in all", lang))
        notes.append(_txt(
            f"Resultatkortet betaler for resultater oppnådd i {base_year} ifølge "
            f"utfallsregistrene ({total}); senere år er "
            f"{base_year} framskrevet med befolkningen. Det som ikke betales ut, blir i "
            "tilbakeholdt pott.",
            f"The rate card pays for outcomes reached in {base_year} by the outcome records "
            f"({total}); later years are {base_year} grown "
            "with the population. What is not paid out stays in the withheld pool.", lang))
    else:
        notes.append(_txt(
            f"Ingen oppnådde resultater i utfallsregistrene for {base_year}: resultatkortet "
            "betaler ingenting, og hele den tilbakeholdte andelen blir i potten.",
            f"No outcomes reached in the outcome records for {base_year}: the rate card pays "
            "nothing, and the whole withheld share stays in the pool.", lang))
    notes.append(_txt(
        f"Avsløringskontroll: et antall fra 1 til {min_cell - 1} vises som «<{min_cell}», og "
        "beløp regnet av så få saker vises ikke; celler som sammen med summene ville avsløre "
        "et skjult tall, står også tomme.",
        f"Disclosure control: a count from 1 to {min_cell - 1} is shown as '<{min_cell}', and "
        "amounts computed from so few cases are not shown; cells that with the totals would "
        "give a hidden figure away are blank as well.", lang))
    if pooled:
        notes.append(_txt(
            f"Forløpstypene {', '.join(pooled)} er slått sammen til én type, «Øvrige typer "
            "(små, slått sammen)», før prising og framskriving: hver har færre enn "
            f"{min_cell} forløp i alt eller i basisåret, eller er tatt med så ingen av dem kan "
            "skilles ut.",
            f"The trajectory types {', '.join(pooled)} are pooled into one type, 'Other types "
            "(small, pooled)', before pricing and projection: each has fewer than "
            f"{min_cell} trajectories in all or in the base year, or is added so that none of "
            "them can be told apart.", lang))
    return notes
