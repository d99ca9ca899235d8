"""The effect register on disk: a folder of effect entries (Parquet) with a manifest.

A register folder holds ``entries.parquet`` (one row per effect entry, the columns of
:data:`ENTRY_COLUMNS`) and the manifest ``.effekt-output.json`` of effekt's output rule
(``effekt._io``): every change rewrites the folder as a whole into a temporary folder and
swaps it in, so a failed ``add`` leaves the register as it was, and a folder effekt did not
write is never used as a register.

Entries come from a study's ``results.json`` (:func:`entries_from_results`; a suppressed
estimate is entered as suppressed, with no value) or from a table of literature effects
with their citations (:func:`entries_from_table`). An entry is identified by its study
(the spec's sha256 for a local study, the citation for an external one), measure and
outcome: adding it again is refused as a duplicate.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from effekt._io import _read_marker, output_folder
from effekt.errors import DataError, SpecError
from effekt.register.grades import EIF_LEVEL, UNGSINN_LEVEL, entry_grade, pooled_grade
from effekt.register.pooling import random_effects

__all__ = ["ENTRY_COLUMNS", "EXTERNAL_REQUIRED", "POOLED_COLUMNS", "add_entries",
           "entries_from_results", "entries_from_table", "pooled_effects", "read_register"]

#: The columns of ``entries.parquet``, in order.
ENTRY_COLUMNS = (
    "entry_id", "measure", "measure_id", "outcome", "unit", "estimate", "std_error",
    "ci_lower", "ci_upper", "suppressed", "n", "design", "assessment", "mde",
    "evidence_grade", "desired", "nok_per_unit", "sector", "title", "study_id",
    "spec_sha256", "data_fingerprint", "effekt_version", "date", "source",
)
#: The columns a table of external (literature) entries must have.
EXTERNAL_REQUIRED = ("measure", "outcome", "unit", "estimate", "std_error", "design",
                     "source")
_FLOATS = ("estimate", "std_error", "ci_lower", "ci_upper", "mde", "nok_per_unit")
_KIND = "register"
_FILE = "entries.parquet"
_Z = 1.959963984540054


def _empty() -> pd.DataFrame:
    return _typed(pd.DataFrame({c: [] for c in ENTRY_COLUMNS}))


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.loc[:, list(ENTRY_COLUMNS)].copy()
    for c in _FLOATS:
        out[c] = pd.to_numeric(out[c], errors="raise").astype("float64")
    for c in ("measure_id", "n", "evidence_grade"):
        out[c] = pd.array(out[c].tolist(), dtype="Int64")
    out["suppressed"] = out["suppressed"].astype(bool)
    for c in set(ENTRY_COLUMNS) - set(_FLOATS) - {"measure_id", "n", "evidence_grade",
                                                   "suppressed"}:
        out[c] = pd.Series([None if v is None or (isinstance(v, float) and math.isnan(v))
                            else str(v) for v in out[c]], index=out.index, dtype=object)
    return out.reset_index(drop=True)


def _entry_id(study_id: str, measure: str, outcome: str) -> str:
    return hashlib.sha256(f"{study_id}\x1f{measure}\x1f{outcome}".encode()).hexdigest()[:12]


def read_register(folder: str | Path) -> pd.DataFrame:
    """Return the entries of a register folder (an empty table if the folder is absent).

    Parameters
    ----------
    folder : str or pathlib.Path
        The register folder.

    Returns
    -------
    pandas.DataFrame
        One row per entry, the columns of :data:`ENTRY_COLUMNS`.

    Raises
    ------
    SpecError
        The folder exists but is not an effekt register.
    """
    folder = Path(folder)
    if not folder.exists() or (folder.is_dir() and not any(folder.iterdir())):
        return _empty()
    marker = _read_marker(folder) if folder.is_dir() else None
    if marker is None or marker["kind"] != _KIND:
        raise SpecError(f"{folder} is not an effekt register (no register manifest); give a "
                        "new or empty folder to start one.")
    return _typed(pd.read_parquet(folder / _FILE))


def add_entries(folder: str | Path, entries: pd.DataFrame) -> pd.DataFrame:
    """Add entries to a register folder (created when new) and return the whole register.

    The folder is rewritten as a whole (by effekt's output rule): on any error it is left
    as it was.

    Raises
    ------
    DataError
        An entry already in the register (same study, measure and outcome).
    SpecError
        The folder is not a register, nor new or empty.
    """
    old = read_register(folder)
    new = _typed(entries)
    dup = sorted(set(old["entry_id"]) & set(new["entry_id"])) + sorted(
        new["entry_id"][new["entry_id"].duplicated()])
    if dup:
        row = new.set_index("entry_id").loc[dup[0]]
        row = row.iloc[0] if isinstance(row, pd.DataFrame) else row
        raise DataError(f"the entry for measure {row['measure']!r}, outcome "
                        f"{row['outcome']!r} from {row['study_id']!r} is already in the "
                        f"register {folder} ({len(dup)} duplicate(s)); each study enters once.")
    both = new if old.empty else pd.concat([old, new], ignore_index=True)
    both = both.sort_values(["measure", "outcome", "entry_id"], kind="stable",
                            ignore_index=True)
    with output_folder(folder, _KIND) as tmp:
        both.to_parquet(tmp / _FILE, index=False)
    return both


def _sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def entries_from_results(
    study_out: str | Path,
    *,
    measure: str | None = None,
    measure_id: int | None = None,
    desired: Mapping[str, str] | None = None,
    date: str | None = None,
) -> pd.DataFrame:
    """Return the register entries of one study output folder (its ``results.json``).

    One entry per outcome of the study. A suppressed estimate is entered as suppressed,
    with no estimate, interval or count. The measure is the study's pilot unless
    ``measure`` is given. An outcome's desired direction is taken from ``desired``
    (outcome → "increase" or "decrease") or left unknown; it is never guessed, not even
    for a cost (a measure's own cost rises in the sector that runs it).

    Parameters
    ----------
    study_out : str or pathlib.Path
        A folder written by ``effekt study run``.
    measure : str, optional
        The measure's name in the register (default: the study's pilot).
    measure_id : int, optional
        The measure's ``measure_id`` in the catalogue of measures.
    desired : mapping of str to str, optional
        The desired direction of outcomes, by outcome name.
    date : str, optional
        The entry's date (YYYY-MM-DD): the plan's lock date when the study was
        pre-registered, else this date, else today.

    Returns
    -------
    pandas.DataFrame
    """
    folder = Path(study_out)
    path = folder / "results.json"
    if not path.is_file():
        raise DataError(f"{folder}: no results.json; give a folder written by "
                        "'effekt study run'.")
    r = json.loads(path.read_text(encoding="utf-8"))
    spec = r["spec"]
    spec_file = folder / "spec.toml"
    spec_sha = (_sha256_bytes(spec_file.read_bytes()) if spec_file.exists() else
                _sha256_bytes(json.dumps(spec, sort_keys=True).encode()))
    fingerprint = _sha256_bytes(json.dumps(r["data_fingerprint"], sort_keys=True).encode())
    pre = r.get("preregistration") or {}
    when = pre.get("locked_at") or date or _dt.date.today().isoformat()
    desired = dict(desired or {})
    name = measure or spec["exposure"]["pilot"]
    unit, period = spec["population"]["unit"], spec["population"]["period"]
    prices = {b["outcome"]: (b["nok_per_unit"], b["sector"]) for b in r.get("budget_inputs",
                                                                           [])}
    level = (r.get("assessment") or {}).get("level")
    rows = []
    for o in r["outcomes"]:
        hidden = bool(o["suppressed"])
        price = prices.get(o["outcome"], (None, o.get("sector")))
        want = desired.get(o["outcome"])
        mde = (o.get("mde") or {}).get("value")
        est = [None if hidden else o[k] for k in ("estimate", "std_error", "ci_lower",
                                                   "ci_upper")]
        rows.append({
            "entry_id": _entry_id(spec_sha, name, o["outcome"]), "measure": name,
            "measure_id": measure_id, "outcome": o["outcome"],
            "unit": f"{o['kind']} per {unit} per {period}",
            "estimate": est[0], "std_error": est[1], "ci_lower": est[2], "ci_upper": est[3],
            "suppressed": hidden, "n": None if hidden else o.get("n_treated"),
            "design": o["design"], "assessment": level,
            "mde": None if hidden else mde,
            "evidence_grade": entry_grade(estimate=est[0], ci_lower=est[2], ci_upper=est[3],
                                          design=o["design"], assessment=level,
                                          desired=want, mde=None if hidden else mde),
            "desired": want, "nok_per_unit": price[0], "sector": price[1],
            "title": spec.get("title"), "study_id": spec_sha, "spec_sha256": spec_sha,
            "data_fingerprint": fingerprint, "effekt_version": r["effekt_version"],
            "date": when, "source": "local study",
        })
    return _typed(pd.DataFrame(rows, columns=list(ENTRY_COLUMNS)))


def _read_table(path: Path) -> pd.DataFrame:
    if path.suffix.lower() == ".csv":
        return pd.read_csv(path)
    if path.suffix.lower() == ".xlsx":
        return pd.read_excel(path)
    raise DataError(f"{path}: a table of external entries is .csv or .xlsx, not "
                    f"{path.suffix or 'a file without a suffix'!r}.")


def entries_from_table(table: pd.DataFrame | str | Path) -> pd.DataFrame:
    """Return register entries from a table of external (literature) effects.

    Required columns: :data:`EXTERNAL_REQUIRED` (``source`` is the citation). Optional:
    ``measure_id``, ``ci_lower`` and ``ci_upper`` (default: estimate ± 1.96 SE), ``n``,
    ``assessment``, ``mde``, ``evidence_grade`` (0–5, kept as given; default by
    :func:`effekt.register.grades.entry_grade`), ``desired`` ("increase"/"decrease"),
    ``nok_per_unit`` and ``sector`` (the NOK cost of one unit of the outcome and the
    sector bearing it), ``title``, ``date``.

    Raises
    ------
    DataError
        A missing required column, a required value missing, a standard error not
        positive, a grade outside 0–5 or a direction not "increase"/"decrease" (naming
        the row and column).
    """
    source = table if isinstance(table, pd.DataFrame) else _read_table(Path(table))
    name = "the table" if isinstance(table, pd.DataFrame) else str(table)
    missing = [c for c in EXTERNAL_REQUIRED if c not in source.columns]
    if missing:
        raise DataError(f"{name}: column(s) {', '.join(missing)} missing; external entries "
                        f"need {', '.join(EXTERNAL_REQUIRED)}.")
    rows = []
    for i, row in source.reset_index(drop=True).iterrows():
        line = int(i) + 2  # as a spreadsheet numbers it, after the header row

        def get(col: str, default: Any = None, row: pd.Series = row) -> Any:
            v = row.get(col, default)
            return default if v is None or (isinstance(v, float) and math.isnan(v)) else v

        for col in EXTERNAL_REQUIRED:
            if get(col) is None or str(get(col)).strip() == "":
                raise DataError(f"{name}: row {line}, column {col!r} is empty; every "
                                "external entry needs a value there.")
        try:
            est, se = float(get("estimate")), float(get("std_error"))
        except (TypeError, ValueError):
            raise DataError(f"{name}: row {line}: estimate {get('estimate')!r} and "
                            f"std_error {get('std_error')!r} must be numbers.") from None
        if not (math.isfinite(est) and math.isfinite(se) and se > 0):
            raise DataError(f"{name}: row {line}: std_error {se!r} must be a positive "
                            f"number and estimate {est!r} finite.")
        want = get("desired")
        if want not in (None, "increase", "decrease"):
            raise DataError(f"{name}: row {line}, column 'desired': {want!r}; expected "
                            "'increase', 'decrease' or empty.")
        lo, hi = float(get("ci_lower", est - _Z * se)), float(get("ci_upper", est + _Z * se))
        grade = get("evidence_grade")
        if grade is not None and (float(grade) != int(float(grade)) or
                                  not 0 <= int(float(grade)) <= 5):
            raise DataError(f"{name}: row {line}, column 'evidence_grade': {grade!r}; "
                            "expected an integer from 0 to 5.")
        design, level = str(get("design")), get("assessment")
        if grade is None:
            grade = entry_grade(estimate=est, ci_lower=lo, ci_upper=hi, design=design,
                                assessment=level, desired=want, mde=get("mde"))
        citation, measure, outcome = str(get("source")), str(get("measure")), str(
            get("outcome"))
        rows.append({
            "entry_id": _entry_id(citation, measure, outcome), "measure": measure,
            "measure_id": get("measure_id"), "outcome": outcome, "unit": str(get("unit")),
            "estimate": est, "std_error": se, "ci_lower": lo, "ci_upper": hi,
            "suppressed": False, "n": get("n"), "design": design, "assessment": level,
            "mde": get("mde"), "evidence_grade": int(float(grade)), "desired": want,
            "nok_per_unit": get("nok_per_unit"), "sector": get("sector"),
            "title": get("title"), "study_id": citation, "spec_sha256": None,
            "data_fingerprint": None, "effekt_version": None,
            "date": None if get("date") is None else str(get("date")),
            "source": citation,
        })
    return _typed(pd.DataFrame(rows, columns=list(ENTRY_COLUMNS)))


#: The columns of :func:`pooled_effects`.
POOLED_COLUMNS = ("measure", "outcome", "unit", "k", "k_suppressed", "estimate",
                  "std_error", "ci_lower", "ci_upper", "tau2", "i2", "pred_lower",
                  "pred_upper", "evidence_grade", "ungsinn_level", "eif_level", "desired",
                  "nok_per_unit", "sector", "sources")


def pooled_effects(entries: pd.DataFrame, *, method: str = "REML") -> pd.DataFrame:
    """Return one pooled effect per (measure, outcome) of a register.

    Two or more usable entries are pooled by :func:`effekt.register.random_effects`; one
    entry is its own pooled effect (``tau2`` and ``i2`` then missing: heterogeneity is
    not estimable from one study). Suppressed entries are counted (``k_suppressed``) but
    never pooled. Entries of one measure and outcome must share their unit.

    Raises
    ------
    DataError
        Entries of one measure and outcome in different units.
    """
    rows = []
    for (measure, outcome), g in entries.groupby(["measure", "outcome"], sort=True):
        use = g[~g["suppressed"] & g["estimate"].notna() & (g["std_error"] > 0)]
        units = sorted(set(g["unit"]))
        if len(units) > 1:
            raise DataError(f"register: measure {measure!r}, outcome {outcome!r} has entries "
                            f"in different units ({'; '.join(units)}); pool like with like.")
        first = lambda col, g=g: next((v for v in g[col] if v is not None and not (  # noqa: E731
            isinstance(v, float) and math.isnan(v))), None)
        row = {"measure": measure, "outcome": outcome, "unit": units[0], "k": len(use),
               "k_suppressed": int(g["suppressed"].sum()), "desired": first("desired"),
               "nok_per_unit": first("nok_per_unit"), "sector": first("sector"),
               "sources": "; ".join(sorted(set(g["source"])))}
        if len(use) >= 2:
            res = random_effects(use["estimate"].to_numpy(float),
                                 use["std_error"].to_numpy(float), method=method)
            row.update(estimate=res.estimate, std_error=res.std_error,
                       ci_lower=res.ci_lower, ci_upper=res.ci_upper, tau2=res.tau2,
                       i2=res.i2, pred_lower=res.pred_lower, pred_upper=res.pred_upper)
        elif len(use) == 1:
            e = use.iloc[0]
            row.update(estimate=e["estimate"], std_error=e["std_error"],
                       ci_lower=e["ci_lower"], ci_upper=e["ci_upper"], tau2=np.nan,
                       i2=np.nan, pred_lower=e["ci_lower"], pred_upper=e["ci_upper"])
        else:
            row.update(estimate=np.nan, std_error=np.nan, ci_lower=np.nan, ci_upper=np.nan,
                       tau2=np.nan, i2=np.nan, pred_lower=np.nan, pred_upper=np.nan)
        sig = [bool(lo > 0 or hi < 0) for lo, hi in zip(use["ci_lower"], use["ci_upper"],
                                                         strict=True)]
        grade = pooled_grade([int(x) for x in g["evidence_grade"]],
                             n_studies=use["study_id"].nunique(), ci_lower=row["ci_lower"],
                             ci_upper=row["ci_upper"], entry_significant=sig)
        row.update(evidence_grade=grade, ungsinn_level=UNGSINN_LEVEL[grade],
                   eif_level=EIF_LEVEL[grade])
        rows.append(row)
    return pd.DataFrame(rows, columns=list(POOLED_COLUMNS))

