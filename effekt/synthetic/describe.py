"""A short text summary of a synthetic municipality (the output of ``make demo``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from effekt.synthetic.generate import Municipality

__all__ = ["STUDY_UNITS", "describe"]

STUDY_UNITS: dict[str, str] = {"holf": "family", "samhandling": "person"}
"""The unit each shipped study estimates per (studies/holf.toml, studies/samhandling.toml)."""


def _line(label: str, value: str) -> str:
    return f"  {label:<44} {value}"


def describe(m: Municipality, units: Mapping[str, str] | None = None,
             outcomes: Mapping[str, Sequence[str]] | None = None) -> str:
    """Summarise the record tables and the planted effects of ``m`` in plain text.

    Only aggregates are shown (counts, sums, means); no identifier is printed. The planted
    effects are shown in the unit a study of the pilot estimates per, so that they can be
    set beside its estimates: per family for HOLF and per person for samhandling, as the
    shipped studies do. Per family, a ``cost_<sector>`` effect is the family's sum (the
    members' effects added up over the treated families resident that year, as a family
    panel sums costs); social-assistance months are the household's; an outcome a family
    panel averages over its members (``employed``, ``leisure_participation``) is shown as
    the mean over treated persons, in the same unit (a share), marked "(persons)".

    Parameters
    ----------
    m : Municipality
        From :func:`effekt.synthetic.generate`.
    units : mapping of str to {"person", "family"}, optional
        The unit of each pilot's study (default :data:`STUDY_UNITS`; a pilot not named is
        shown per person).
    outcomes : mapping of str to list of str, optional
        The outcomes each pilot's study estimates (default: every outcome with a planted
        effect).

    Returns
    -------
    str
        The summary; deterministic for a given ``m``.

    Examples
    --------
    >>> from effekt.synthetic import generate
    >>> from effekt.synthetic.describe import describe
    >>> m = generate(seed=1, scale=0.01)
    >>> print(describe(m).splitlines()[0])
    Synthetic municipality (seed 1, scale 0.01, 2016-2025, scenario 'default')
    >>> [x for x in describe(m).splitlines() if "per family" in x]
    ['  holf, per family:']
    """
    units = dict(STUDY_UNITS if units is None else units)
    t, p = m.tables, m.params
    persons, events, measures = t["persons"], t["service_events"], t["measures"]
    out = [
        f"Synthetic municipality (seed {p['seed']}, scale {p['scale']}, "
        f"{p['start_year']}-{p['end_year']}, scenario {p['scenario']!r})",
        _line("persons / families", f"{len(persons):,} / {persons['family_id'].nunique():,}"),
        _line("districts", str(persons["district"].nunique())),
    ]
    prov = t["providers"]["provider_type"].value_counts().sort_index()
    out.append(_line("providers", ", ".join(f"{k} {v}" for k, v in prov.items())))
    by_sector = measures.groupby("sector")["measure_id"].size()
    out.append(_line("measures (tiltak) by sector",
                     f"{len(measures)}: " + ", ".join(f"{k} {v}" for k, v in by_sector.items())))
    ev = events.merge(measures[["measure_id", "sector"]], on="measure_id")
    last = int(p["end_year"])
    cost = ev[ev["start_date"].dt.year == last].groupby("sector")["cost_nok"].sum() / 1e6
    out.append(_line(f"service events / cost {last} (NOK million)",
                     f"{len(events):,} / {cost.sum():,.1f}"))
    out.extend(_line(f"    {k}", f"{v:,.2f}") for k, v in cost.items())
    oc = t["outcomes"]
    sa = oc[(oc["outcome"] == "social_assistance_months") & (oc["value"] > 0)]
    fam = sa.merge(persons[["person_id", "family_id"]], on="person_id")
    per_year = fam.groupby(fam["date"].dt.year)["family_id"].nunique()
    out.append(_line("families on social assistance per year (mean)", f"{per_year.mean():,.0f}"))
    ex = t["exposures"]
    for pilot, key in [("holf", "family_id"), ("samhandling", "provider_id")]:
        rows = ex[ex["pilot"] == pilot]
        waves = rows.groupby(rows["start_date"].dt.year)[key].nunique()
        what = "families" if key == "family_id" else "providers"
        out.append(_line(f"{pilot}: {what} by start year",
                         ", ".join(f"{y}: {n}" for y, n in waves.items())))
    out.append("Planted effects (truth, in the unit each study estimates per; mean over "
               "treated units, event time 0 / 2 / 4):")
    for pilot in sorted(m.truth["pilot"].unique()):
        unit = units.get(pilot, "person")
        tr = m.truth[m.truth["pilot"] == pilot]
        names = sorted(tr["outcome"].unique()) if outcomes is None or pilot not in outcomes \
            else [o for o in outcomes[pilot] if o in set(tr["outcome"])]
        out.append(f"  {pilot}, per {unit}:")
        families = _treated_families(m, pilot) if unit == "family" else None
        for outcome in names:
            g = tr[tr["outcome"] == outcome]
            eff, mark = _truth_in_unit(g, unit, outcome, families)
            shown = " / ".join(_fmt(eff.get(e)) for e in (0, 2, 4))
            out.append(_line(f"    {outcome}{mark}", shown))
    return "\n".join(out)


def _truth_in_unit(g: pd.DataFrame, unit: str, outcome: str,
                   families: pd.Series | None) -> tuple[pd.Series, str]:
    """Return the planted effect by event time in ``unit``, and a mark when it is per person."""
    own = g[g["unit_level"] == unit]
    if len(own):
        return _mean_by_event_time(own), ""
    person = g[g["unit_level"] == "person"]
    if unit == "family" and outcome.startswith("cost_") and families is not None:
        # a family panel sums its members' costs: the treated persons' total effect over the
        # treated families resident in that cohort and period
        total = (person["effect"] * person["n_units"]).groupby(
            [person["cohort"], person["period"]]).sum()
        n = families.reindex(total.index).fillna(0.0)
        by = pd.DataFrame({"e": total.index.get_level_values(1) - total.index.get_level_values(0),
                           "w": total.to_numpy(), "n": n.to_numpy()}).groupby("e").sum()
        return by["w"] / by["n"].where(by["n"] > 0), ""
    return _mean_by_event_time(person), " (persons)" if unit != "person" else ""


def _mean_by_event_time(g: pd.DataFrame) -> pd.Series:
    w = g.assign(w=g["effect"] * g["n_units"]).groupby("event_time")[["w", "n_units"]].sum()
    return w["w"] / w["n_units"].where(w["n_units"] > 0)


def _treated_families(m: Municipality, pilot: str) -> pd.Series:
    """Treated families resident at the end of each year, by (cohort, period).

    A family's cohort is the year of its first exposure to ``pilot``; it is resident in a
    year when a member is (born by then, moved in, not yet moved out), as in a panel.
    """
    ex = m.tables["exposures"]
    ex = ex[(ex["pilot"] == pilot) & ex["family_id"].notna()]
    cohort = ex.groupby("family_id")["start_date"].min().dt.year.rename("cohort")
    p = m.tables["persons"]
    p = p[p["family_id"].isin(cohort.index)]
    first = p["birth_year"].astype(float)
    if "move_in_date" in p:
        first = np.fmax(first, p["move_in_date"].dt.year.astype(float))
    stop = (p["move_out_date"].dt.year - 1).astype(float).fillna(np.inf) \
        if "move_out_date" in p else pd.Series(np.inf, index=p.index)
    years = np.arange(int(m.params["start_year"]), int(m.params["end_year"]) + 1)
    rows = [pd.DataFrame({"family_id": p.loc[(first <= y) & (stop >= y), "family_id"],
                          "period": y}) for y in years]
    res = pd.concat(rows, ignore_index=True).drop_duplicates()
    res = res.merge(cohort.reset_index(), on="family_id")
    return res.groupby(["cohort", "period"]).size().astype(float)


def _fmt(x: float | None) -> str:
    return "n/a" if x is None or pd.isna(x) else f"{x:,.3f}"
