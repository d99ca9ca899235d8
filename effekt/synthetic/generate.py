"""Generate and write the synthetic municipality."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from effekt._checks import check_choice, check_rng
from effekt._io import output_folder
from effekt.errors import SpecError
from effekt.synthetic.events import COST_SECTORS, build_events
from effekt.synthetic.measures import build_measures
from effekt.synthetic.outcomes import OUTCOMES, build_grid, build_outcomes, truth_rows
from effekt.synthetic.pilots import HOLF, SAMHANDLING, HolfDesign, Scenario, assign_pilots
from effekt.synthetic.population import build_population, build_providers, person_table

__all__ = ["TABLES", "Municipality", "generate", "write"]

TABLES = ("persons", "measures", "service_events", "outcomes", "exposures", "providers")
"""The record tables of a :class:`Municipality`, in the order they are written."""

GENERATOR_VERSION = 1


@dataclass(frozen=True)
class Municipality:
    """A synthetic municipality: record tables, the planted truth and the settings.

    Attributes
    ----------
    tables : dict of str to pandas.DataFrame
        ``persons``, ``measures``, ``service_events``, ``outcomes``, ``exposures``
        and ``providers`` (columns as in docs/design.md; dates are ``datetime64``, ids
        integers).
    truth : pandas.DataFrame
        One row per (pilot, outcome, unit_level, cohort, period): ``event_time =
        period - cohort``; ``effect``, the mean of the individual effect Y(1) - Y(0)
        over the treated units of the cohort observed in the period (the ATT(g, t)
        with yearly periods; 0 before the cohort), and ``n_units``; ``effect_panel``
        and ``n_units_panel``, the same over the units also observed in the base
        period ``cohort - 1`` (what a panel DiD against ``cohort - 1`` compares).
        Outcomes ``cost_<sector>`` are the sum of ``service_events.cost_nok`` in
        the sector per person and calendar year (events never cross a year end).
    params : dict
        The settings used, JSON-serialisable.
    """

    tables: dict[str, pd.DataFrame]
    truth: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        rows = ", ".join(f"{k}={len(v)}" for k, v in self.tables.items())
        return (f"Municipality(seed={self.params.get('seed')}, scale={self.params.get('scale')}, "
                f"scenario={self.params.get('scenario')!r}, rows: {rows}, truth={len(self.truth)})")


def generate(
    seed: int | np.random.Generator = 0,
    scale: float = 0.05,
    start_year: int = 2016,
    end_year: int = 2025,
    scenario: Scenario = "default",
    holf_design: HolfDesign = "observational",
    noise: bool = True,
) -> Municipality:
    """Generate a Bærum-like municipality with two pilots whose effects are known.

    Parameters
    ----------
    seed : int or numpy.random.Generator
        Random seed; the same seed and arguments give identical tables.
    scale : float
        Share of Bærum's population (126,347 in 2018, CALIBRATION.md); ``1`` is the
        full municipality, ``0.05`` about 6,300 inhabitants at the start.
    start_year, end_year : int
        The years covered; at least seven (pilots start in ``start_year + 2``).
    scenario : {"default", "null", "nonparallel"}
        ``"default"`` plants modest effects with parallel trends by construction,
        ``"null"`` plants none, ``"nonparallel"`` plants the default effects and adds
        a differential trend to the eventually-treated units (for diagnostics).
    holf_design : {"observational", "randomised"}
        HOLF enrolment by caseworkers' selection on observables, or the real trial
        design (office randomisation, a lottery among eligible families).
    noise : bool
        ``False`` removes idiosyncratic noise and provider shocks: each outcome is
        then unit effect + common trend + planted effect (binary outcomes are
        recorded as probabilities, counts as means; values are not clipped), so
        hand-made DiDs return ``truth.effect_panel`` exactly.

    Returns
    -------
    Municipality

    Examples
    --------
    >>> from effekt.synthetic import generate
    >>> m = generate(seed=1, scale=0.01)
    >>> sorted(m.tables)
    ['exposures', 'measures', 'outcomes', 'persons', 'providers', 'service_events']
    >>> m.tables["exposures"]["pilot"].value_counts().sort_index().index.tolist()
    ['holf', 'samhandling']
    >>> row = m.truth.query("pilot == 'samhandling' and outcome == 'school_absence_days'")
    >>> bool((row.loc[row.event_time < 0, "effect"] == 0).all())
    True
    """
    rng = check_rng(seed)
    check_choice("scenario", scenario, Scenario)
    check_choice("holf_design", holf_design, HolfDesign)
    if isinstance(scale, bool) or not isinstance(scale, int | float) or not 0 < scale <= 5:
        raise SpecError(f"scale must be a number in (0, 5], got {scale!r}.")
    for name, val in (("start_year", start_year), ("end_year", end_year)):
        if isinstance(val, bool) or not isinstance(val, int | np.integer):
            raise SpecError(f"{name} must be an integer year, got {val!r}.")
    if end_year - start_year < 6:
        raise SpecError(
            f"end_year - start_year must be at least 6 (pilots run from start_year + 2 to "
            f"start_year + 5 and need a year after), got start_year={start_year}, "
            f"end_year={end_year}."
        )
    if not isinstance(noise, bool | np.bool_):
        raise SpecError(f"noise must be True or False, got {noise!r}.")
    start_year, end_year, scale = int(start_year), int(end_year), float(scale)
    r_pop, r_holf, r_samh, r_out, r_ev = rng.spawn(5)

    providers = build_providers(scale)
    measures = build_measures()
    pop = build_population(r_pop, scale, start_year, end_year, providers)
    pilots = assign_pilots(r_holf, r_samh, pop, start_year, scenario, holf_design)
    grid = build_grid(pop, pilots, start_year, end_year)
    draws = build_outcomes(r_out, pop, pilots, grid, bool(noise))
    events, cost_effects = build_events(r_ev, pop, pilots, grid, draws, measures, bool(noise))

    n_p, n_t = grid.resident.shape
    truth = [draws.truth]
    for pilot, sectors in COST_SECTORS.items():
        cohort = grid.holf_cohort if pilot == HOLF else grid.samh_cohort
        pop_mask = np.ones(n_p, bool) if pilot == HOLF else grid.samh_unit
        i, t = np.nonzero(grid.resident & pop_mask[:, None])
        for s in sectors:
            truth.append(truth_rows(pilot, f"cost_{s}", "person", i, t, cohort[i],
                                    cost_effects[s][i, t], n_p, start_year, n_t))
    truth_df = pd.concat(truth, ignore_index=True)
    truth_df["pilot"] = pd.Categorical(truth_df["pilot"], [HOLF, SAMHANDLING])
    truth_df = truth_df.sort_values(["pilot", "outcome", "unit_level", "cohort", "period"])
    truth_df["pilot"] = truth_df["pilot"].astype("str")
    truth_df = truth_df.reset_index(drop=True)

    persons = person_table(pop)
    persons["holf_eligible"] = pilots.eligible[pop.persons["family"].to_numpy()]
    fam = pop.persons["family"].to_numpy()
    persons["holf_round"] = pd.array(np.where(pilots.lottery_round[fam] > 0,
                                              pilots.lottery_round[fam], 0), dtype="Int64")
    persons.loc[pilots.lottery_round[fam] == 0, "holf_round"] = pd.NA
    persons["holf_lottery"] = pd.array(pilots.lottery[fam], dtype="str")

    ids = np.arange(1, n_p + 1, dtype=np.int64)
    rec = draws.records
    outcomes = pd.DataFrame({
        "person_id": ids[rec["person"].to_numpy()],
        "date": (grid.years[rec["t"].to_numpy()] - 1969).astype("datetime64[Y]")
        .astype("datetime64[D]") - 1,
        "outcome": np.asarray(OUTCOMES, dtype=object)[rec["outcome"].to_numpy()],
        "value": rec["value"].to_numpy(dtype=float),
    })
    outcomes["date"] = outcomes["date"].astype("datetime64[us]")
    outcomes["outcome"] = outcomes["outcome"].astype("str")
    outcomes = outcomes.sort_values(["person_id", "outcome", "date"], kind="stable")
    mid = measures["measure_id"].to_numpy()
    service_events = pd.DataFrame({
        "person_id": ids[events["person"].to_numpy()],
        "measure_id": mid[events["measure"].to_numpy()],
        "start_date": events["start_date"].to_numpy().astype("datetime64[us]"),
        "end_date": events["end_date"].to_numpy().astype("datetime64[us]"),
        "units": events["units"].to_numpy(dtype=float),
        "cost_nok": events["cost_nok"].to_numpy(dtype=float),
        "provider_id": events["provider_id"].to_numpy(dtype=np.int64),
    }).sort_values(["person_id", "start_date", "measure_id"], kind="stable")
    tables = {
        "persons": persons,
        "measures": measures,
        "service_events": service_events.reset_index(drop=True),
        "outcomes": outcomes.reset_index(drop=True),
        "exposures": pilots.exposures,
        "providers": providers,
    }
    params = {
        "generator": "effekt.synthetic",
        "generator_version": GENERATOR_VERSION,
        "seed": int(seed) if isinstance(seed, int | np.integer) else None,
        "scale": scale,
        "start_year": start_year,
        "end_year": end_year,
        "scenario": scenario,
        "holf_design": holf_design,
        "noise": bool(noise),
    }
    return Municipality(tables=tables, truth=truth_df, params=params)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write(m: Municipality, folder: str | os.PathLike) -> dict[str, Any]:
    """Write ``m`` as Parquet files and a manifest into ``folder``.

    Each table becomes ``<table>.parquet``, the truth ``truth.parquet``, and
    ``manifest.json`` records the settings, the row count and the SHA-256 of each
    file; ``.effekt-output.json`` marks the folder as effekt's synthetic output.

    ``folder`` follows effekt's one output rule (``effekt._io``): it must be absent, empty
    or an earlier synthetic output of effekt (holding only the files effekt wrote there);
    anything else is refused and left untouched. The files are written into a temporary
    folder beside ``folder``, which then replaces ``folder`` as a whole.

    Parameters
    ----------
    m : Municipality
    folder : str or path-like
        The output folder; created if missing.

    Returns
    -------
    dict
        The manifest.

    Raises
    ------
    SpecError
        ``m`` is not a Municipality, or the output rule refuses ``folder``.

    Examples
    --------
    >>> import tempfile
    >>> from effekt.synthetic import generate, write
    >>> with tempfile.TemporaryDirectory() as d:
    ...     man = write(generate(seed=1, scale=0.01), d)
    >>> sorted(man["files"])[:3]
    ['exposures.parquet', 'measures.parquet', 'outcomes.parquet']
    """
    if not isinstance(m, Municipality):
        raise SpecError(f"m must be a Municipality from generate(), got {type(m).__name__}.")
    with output_folder(folder, "synthetic") as out:
        files = {}
        for name, df in [*m.tables.items(), ("truth", m.truth)]:
            path = out / f"{name}.parquet"
            df.to_parquet(path, index=False, compression="zstd")
            files[path.name] = {"table": name, "rows": len(df), "sha256": _sha256(path)}
        manifest = {
            "generator": m.params.get("generator", "effekt.synthetic"),
            "seed": m.params.get("seed"),
            "scale": m.params.get("scale"),
            "settings": m.params,
            "files": files,
        }
        text = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
        (out / "manifest.json").write_text(text, encoding="utf-8")
    return manifest


def load(folder: str | os.PathLike) -> Municipality:
    """Read a municipality written by :func:`write` (tables, truth and settings).

    Parameters
    ----------
    folder : str or path-like
        A folder with ``manifest.json`` and the Parquet files it lists, such as the
        committed ``synthetic_data/``.

    Returns
    -------
    Municipality

    Examples
    --------
    >>> import tempfile
    >>> from effekt.synthetic import generate, load, write
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = write(generate(seed=1, scale=0.01), d)
    ...     m = load(d)
    >>> m.params["seed"]
    1
    """
    src = Path(folder)
    manifest_path = src / "manifest.json"
    if not manifest_path.is_file():
        raise SpecError(f"folder={str(src)!r} has no manifest.json; write it with effekt synth.")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    frames = {}
    for name, entry in manifest["files"].items():
        path = src / name
        if not path.is_file():
            raise SpecError(f"{manifest_path}: lists {name!r}, which is missing from {src}.")
        frames[entry["table"]] = pd.read_parquet(path)
    truth = frames.pop("truth")
    return Municipality(tables=frames, truth=truth, params=manifest["settings"])


def matches_folder(m: Municipality, folder: str | os.PathLike) -> bool:
    """Whether ``folder`` holds exactly the tables, truth and settings of ``m``."""
    saved = load(folder)
    if saved.params != m.params or set(saved.tables) != set(m.tables):
        return False
    pairs = [(saved.truth, m.truth), *((saved.tables[k], m.tables[k]) for k in m.tables)]
    return all(a.equals(b) and list(a.dtypes) == list(b.dtypes) for a, b in pairs)
