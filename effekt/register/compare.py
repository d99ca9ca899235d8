"""How a study's estimates compare with the effect register (``results["register_comparison"]``).

For each outcome of a study, :func:`compare_with_register` takes the register's entries of
the same measure (the study's pilot, or the name given) and outcome, in the same unit, and
not from this study itself (same spec sha256), and returns:

* ``register``: the register's pooled effect -- the random-effects mean of its entries
  (:func:`~effekt.register.random_effects`), or the one entry itself when there is one;
* ``local``: this study's estimate, as in ``results["outcomes"]``;
* ``difference`` = local - register, its 95% interval, and ``z`` and ``p_value`` of the
  consistency test: the difference divided by sqrt(se_local^2 + se_register^2 + tau2).
  ``tau2`` (0 with one entry) is there because under the random-effects model a new
  study's true effect varies around the register's mean; the test asks whether this study
  lies within that spread (metafor's externally studentized residual, ``rstudent()``);
* ``combined``: the random-effects mean of the register's entries and this study together
  (the same model and method), and ``blup``, this study's estimate shrunk toward it (its
  best linear unbiased prediction, metafor's ``blup()``).

An outcome whose estimate the study does not show (suppressed, or hidden by secondary
suppression) is not compared: the combined effect would reveal it. An outcome with no
matching entry says so. :func:`compare_with_register` reads no file;
:func:`register_fingerprint` and :func:`effekt.register.read_register` are the I/O at the
edge.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from effekt.register.pooling import PoolingMethod, random_effects
from effekt.results import confidence_interval, p_value

__all__ = ["compare_with_register", "no_register", "register_fingerprint"]


def register_fingerprint(folder: str | Path) -> str | None:
    """Return the sha256 of a register's ``entries.parquet`` (None when there is none)."""
    path = Path(folder) / "entries.parquet"
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def _effect(estimate: float, std_error: float, lo: float, hi: float) -> dict[str, float]:
    return {"estimate": float(estimate), "std_error": float(std_error),
            "ci_lower": float(lo), "ci_upper": float(hi)}


def _unit(results: dict[str, Any], kind: str) -> str:
    pop = results["spec"]["population"]
    return f"{kind} per {pop['unit']} per {pop['period']}"


def _one(results: dict[str, Any], o: dict[str, Any], entries: pd.DataFrame,
         method: PoolingMethod) -> dict[str, Any]:
    unit = _unit(results, o["kind"])
    same = entries[entries["outcome"] == o["outcome"]]
    other_unit = int((same["unit"] != unit).sum())
    same = same[same["unit"] == unit]
    use = same[~same["suppressed"] & same["estimate"].notna() & (same["std_error"] > 0)]
    row: dict[str, Any] = {
        "outcome": o["outcome"], "unit": unit, "k": len(use),
        "k_suppressed": int(same["suppressed"].sum()), "k_other_unit": other_unit,
        "sources": sorted(set(use["source"])), "method": method,
        "register": None, "local": None, "difference": None, "combined": None,
        "blup": None}
    if o.get("suppressed") or o.get("estimate") is None or "estimate" in (
            o.get("secondary") or "").split(";"):
        row["status"] = "local_hidden"
        return row
    local = _effect(o["estimate"], o["std_error"], o["ci_lower"], o["ci_upper"])
    row["local"] = local
    if use.empty:
        row["status"] = "no_entries"
        return row
    y = use["estimate"].to_numpy(float)
    se = use["std_error"].to_numpy(float)
    if len(use) >= 2:
        reg = random_effects(y, se, method=method)
        row["register"] = {**_effect(reg.estimate, reg.std_error, reg.ci_lower, reg.ci_upper),
                           "tau2": reg.tau2, "i2": reg.i2, "pred_lower": reg.pred_lower,
                           "pred_upper": reg.pred_upper}
        tau2 = reg.tau2
    else:
        e = use.iloc[0]
        row["register"] = {**_effect(e["estimate"], e["std_error"], e["ci_lower"],
                                     e["ci_upper"]),
                           "tau2": None, "i2": None, "pred_lower": None, "pred_upper": None}
        tau2 = 0.0
    diff = local["estimate"] - row["register"]["estimate"]
    diff_se = math.sqrt(local["std_error"] ** 2 + row["register"]["std_error"] ** 2 + tau2)
    lo, hi = confidence_interval(diff, diff_se, 0.95)
    row["difference"] = {**_effect(diff, diff_se, lo, hi), "z": diff / diff_se,
                         "p_value": float(p_value(diff, diff_se))}
    labels = [*use["entry_id"], "this study"]
    both = random_effects(np.append(y, local["estimate"]), np.append(se, local["std_error"]),
                          method=method, labels=labels)
    row["combined"] = {**_effect(both.estimate, both.std_error, both.ci_lower, both.ci_upper),
                       "tau2": both.tau2, "i2": both.i2}
    b = both.blup.loc["this study"]
    row["blup"] = _effect(b["estimate"], b["std_error"], b["ci_lower"], b["ci_upper"])
    row["status"] = "compared"
    return row


def compare_with_register(
    results: dict[str, Any],
    entries: pd.DataFrame,
    *,
    measure: str | None = None,
    study_id: str | None = None,
    register: str | None = None,
    fingerprint: str | None = None,
    method: PoolingMethod = "REML",
) -> dict[str, Any]:
    """Compare each outcome of a study with the register's entries of its measure.

    Parameters
    ----------
    results : dict
        The study's results (as in ``results.json``).
    entries : pandas.DataFrame
        The register's entries (:func:`effekt.register.read_register`).
    measure : str, optional
        The measure's name in the register (default: the study's pilot).
    study_id : str, optional
        This study's id in the register (the sha256 of its spec file): its own entries
        are left out, so a study is never compared with itself.
    register : str, optional
        Where the register is (recorded as given).
    fingerprint : str, optional
        The register's fingerprint (:func:`register_fingerprint`), recorded.
    method : {"REML", "DL"}
        The heterogeneity estimator of the pooling.

    Returns
    -------
    dict
        ``register``, ``fingerprint``, ``measure``, ``method``, ``excluded_own`` (entries
        of this study left out) and ``outcomes``: one dict per outcome with ``status``
        (``"compared"``, ``"no_entries"`` or ``"local_hidden"``), ``k`` and the blocks
        ``register``, ``local``, ``difference``, ``combined`` and ``blup`` (None when not
        computed).

    Examples
    --------
    >>> import pandas as pd
    >>> res = {"spec": {"exposure": {"pilot": "holf"},
    ...                 "population": {"unit": "family", "period": "year"}},
    ...        "outcomes": [{"outcome": "cost_nav", "kind": "nok", "estimate": -100.0,
    ...                      "std_error": 40.0, "ci_lower": -178.4, "ci_upper": -21.6,
    ...                      "suppressed": False}]}
    >>> reg = pd.DataFrame({"entry_id": ["a", "b"], "measure": "holf",
    ...                     "outcome": "cost_nav", "unit": "nok per family per year",
    ...                     "estimate": [-20.0, 10.0], "std_error": [30.0, 25.0],
    ...                     "ci_lower": [-78.8, -39.0], "ci_upper": [38.8, 59.0],
    ...                     "suppressed": False, "study_id": ["x", "y"],
    ...                     "source": ["Lit A", "Lit B"]})
    >>> o = compare_with_register(res, reg)["outcomes"][0]
    >>> o["status"], o["k"], round(o["register"]["estimate"], 2)
    ('compared', 2, -2.3)
    >>> round(o["difference"]["z"], 2), round(o["combined"]["estimate"], 2)
    (-2.2, -30.36)
    """
    name = measure or results["spec"]["exposure"]["pilot"]
    mine = entries[entries["measure"] == name]
    own = mine["study_id"] == study_id if study_id is not None else np.zeros(len(mine), bool)
    kept = mine[~np.asarray(own)]
    return {"register": register, "fingerprint": fingerprint, "measure": name,
            "method": method, "excluded_own": int(np.sum(own)),
            "outcomes": [_one(results, o, kept, method) for o in results["outcomes"]]}


def no_register() -> dict[str, Any]:
    """Return the comparison block of a run given no register."""
    return {"register": None, "fingerprint": None, "measure": None, "method": None,
            "excluded_own": 0, "outcomes": []}
