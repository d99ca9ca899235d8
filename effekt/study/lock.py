"""Pre-registered analysis plans: lock a study's plan before its outcomes exist.

:func:`lock_study` writes ``<spec stem>.lock.json`` beside the spec: the sha256 of the
spec's bytes, the resolved plan (``load_spec(spec).to_dict()``, data folder relative to the
spec), the date it was locked, the effekt version and the fingerprints of the data's
non-outcome tables. The outcome table is never opened: a plan can be locked before any
outcome is recorded. A run compares its plan with the lock (:func:`compare_plan`); every
key whose value differs, was added or was removed is a deviation (docs/contracts.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any

import pandas as pd

import effekt
from effekt._io import atomic_write_text
from effekt.errors import SpecError
from effekt.study.spec import Study, load_spec
from effekt.synthetic import generate

__all__ = ["compare_plan", "data_fingerprints", "lock_path", "lock_study", "read_lock"]

_OUTCOMES = "outcomes"


def _frame_digest(frame: pd.DataFrame) -> str:
    h = hashlib.sha256(",".join(map(str, frame.columns)).encode())
    h.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return h.hexdigest()


def _relative(folder: Path, spec: Path) -> str:
    """Return ``folder`` relative to the spec's folder, with ``/``; its name on another drive."""
    try:
        return Path(os.path.relpath(folder, Path(spec).resolve().parent)).as_posix()
    except ValueError:
        return folder.name


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def lock_path(spec: str | Path) -> Path:
    """Return the path of a spec's lock file, ``<spec stem>.lock.json`` beside it.

    Examples
    --------
    >>> lock_path("studies/holf.toml").as_posix()
    'studies/holf.lock.json'
    """
    spec = Path(spec)
    return spec.with_name(f"{spec.stem}.lock.json")


def plan_of(study: Study) -> dict[str, Any]:
    """Return a study's resolved plan, the data folder relative to the spec (as in results)."""
    plan = study.to_dict()
    if study.data.folder is not None:
        plan["data"]["folder"] = _relative(study.data.folder, study.path)
    return plan


def data_fingerprints(study: Study) -> dict[str, str]:
    """Return sha256 fingerprints of the study's non-outcome tables; outcomes never read.

    A data folder: each ``.parquet``/``.csv`` file but those named ``outcomes``; synthetic
    data: the frame digests of :func:`effekt.study.runner.open_data`, outcomes left out.
    """
    if study.data.folder is not None:
        files = sorted(p for p in study.data.folder.iterdir()
                       if p.suffix in (".parquet", ".csv") and p.stem != _OUTCOMES)
        return {p.name: _sha256(p) for p in files}
    m = generate(seed=study.data.synthetic_seed, scale=study.data.synthetic_scale,
                 scenario=study.data.synthetic_scenario)
    return {name: _frame_digest(t) for name, t in sorted(m.tables.items())
            if name != _OUTCOMES}


def _date(date: str | None) -> str:
    if date is None:
        return dt.date.today().isoformat()
    ok = isinstance(date, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", date) is not None
    if ok:
        try:
            dt.date.fromisoformat(date)
        except ValueError:
            ok = False
    if not ok:
        raise SpecError(f"lock date: {date!r} is not a date; write YYYY-MM-DD, e.g. "
                        f"'2026-01-31'.")
    return date


def lock_study(spec: str | Path, *, date: str | None = None, overwrite: bool = False) -> Path:
    """Lock a study's analysis plan: write ``<spec stem>.lock.json`` beside the spec.

    Parameters
    ----------
    spec : str or pathlib.Path
        The study spec (TOML).
    date : str, optional
        The date of the lock, ``YYYY-MM-DD`` (default today).
    overwrite : bool
        Replace an existing lock (default: an existing lock is refused).

    Returns
    -------
    pathlib.Path
        The lock file.

    Raises
    ------
    SpecError
        A bad spec or date, or an existing lock without ``overwrite``.

    Examples
    --------
    >>> import json, tempfile, pathlib, effekt
    >>> root = pathlib.Path(effekt.__file__).parents[1]
    >>> text = (root / "studies" / "samhandling.toml").read_text(encoding="utf-8")
    >>> data = json.dumps((root / "synthetic_data").as_posix())  # the copy's data: absolute
    >>> with tempfile.TemporaryDirectory() as d:
    ...     spec = pathlib.Path(d) / "s.toml"
    ...     _ = spec.write_text(text.replace('"../synthetic_data"', data), encoding="utf-8")
    ...     lock = lock_study(spec, date="2026-01-31")
    ...     print(lock.name, read_lock(spec)["locked_at"])
    s.lock.json 2026-01-31
    """
    when = _date(date)
    study = load_spec(spec)
    target = lock_path(spec)
    if target.exists() and not overwrite:
        raise SpecError(f"{target.name}: the plan of {Path(spec).name} is already locked; "
                        f"a lock is not replaced unless asked (overwrite=True, or --force).")
    lock = {"spec_sha256": _sha256(Path(spec)), "plan": plan_of(study), "locked_at": when,
            "effekt_version": effekt.__version__, "data_fingerprints": data_fingerprints(study)}
    text = json.dumps(lock, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    return atomic_write_text(target, text, overwrite=overwrite)


def read_lock(spec: str | Path) -> dict[str, Any] | None:
    """Return the lock beside a spec, or None when the spec is not locked.

    Raises :class:`~effekt.errors.SpecError` for a lock file that is not JSON.

    Examples
    --------
    >>> read_lock("no/such/spec.toml") is None
    True
    """
    path = lock_path(spec)
    if not path.is_file():
        return None
    try:
        lock = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SpecError(f"{path.name}: not a readable lock file ({exc}).") from exc
    if not isinstance(lock, dict) or not isinstance(lock.get("plan"), dict):
        raise SpecError(f"{path.name}: not a lock file (no 'plan' table).")
    return lock


def _flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict) and v:
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def compare_plan(lock: dict[str, Any], plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the deviations of a run's ``plan`` from a ``lock``, sorted by dotted key.

    Nested tables are compared key by key (``design.ratio``); a key only on one side is a
    deviation with None on the other.

    Examples
    --------
    >>> compare_plan({"plan": {"design": {"ratio": 3, "type": "m"}}},
    ...              {"design": {"ratio": 2, "type": "m"}, "seed": 1})
    [{'key': 'design.ratio', 'locked': 3, 'run': 2}, {'key': 'seed', 'locked': None, 'run': 1}]
    """
    def plain(d: dict[str, Any]) -> dict[str, Any]:  # tuples as lists, as read from JSON
        return _flatten(json.loads(json.dumps(d, default=str)))

    a, b = plain(lock.get("plan", {})), plain(plan)
    return [{"key": k, "locked": a.get(k), "run": b.get(k)}
            for k in sorted(set(a) | set(b)) if k not in a or k not in b or a[k] != b[k]]


def preregistration(study: Study) -> dict[str, Any]:
    """Return the ``preregistration`` block of a study's results (docs/contracts.md)."""
    lock = read_lock(study.path)
    if lock is None:
        return {"locked": False, "locked_at": None, "lock_sha256": None,
                "spec_sha256_locked": None, "spec_changed": None, "deviations": [],
                "data_changed": []}
    locked = lock.get("data_fingerprints") or {}
    now = data_fingerprints(study)
    changed = sorted(n for n in set(locked) | set(now) if locked.get(n) != now.get(n))
    return {"locked": True, "locked_at": lock.get("locked_at"),
            "lock_sha256": _sha256(lock_path(study.path)),
            "spec_sha256_locked": lock.get("spec_sha256"),
            "spec_changed": lock.get("spec_sha256") != _sha256(study.path),
            "deviations": compare_plan(lock, plan_of(study)), "data_changed": changed}
