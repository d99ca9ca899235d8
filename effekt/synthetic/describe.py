"""A short text summary of a synthetic municipality (the output of ``make demo``)."""

from __future__ import annotations

import pandas as pd

from effekt.synthetic.generate import Municipality

__all__ = ["describe"]


def _line(label: str, value: str) -> str:
    return f"  {label:<44} {value}"


def describe(m: Municipality) -> str:
    """Summarise the record tables and the planted effects of ``m`` in plain text.

    Only aggregates are shown (counts, sums, means); no identifier is printed.

    Parameters
    ----------
    m : Municipality
        From :func:`effekt.synthetic.generate`.

    Returns
    -------
    str
        The summary; deterministic for a given ``m``.

    Examples
    --------
    >>> from effekt.synthetic import describe, generate
    >>> print(describe(generate(seed=1, scale=0.01)).splitlines()[0])
    Synthetic municipality (seed 1, scale 0.01, 2016-2025, scenario 'default')
    """
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
    out.append("Planted effects (truth, mean over treated units, event time 0 / 2 / 4):")
    tr = m.truth[m.truth["unit_level"] == "person"]
    for (pilot, outcome), g in tr.groupby(["pilot", "outcome"], sort=True):
        w = g.assign(w=g["effect"] * g["n_units"]).groupby("event_time")[["w", "n_units"]].sum()
        eff = w["w"] / w["n_units"].where(w["n_units"] > 0)
        shown = " / ".join(_fmt(eff.get(e)) for e in (0, 2, 4))
        out.append(_line(f"{pilot}: {outcome}", shown))
    return "\n".join(out)


def _fmt(x: float | None) -> str:
    return "n/a" if x is None or pd.isna(x) else f"{x:,.3f}"
