"""The studies' ``budget_inputs``: read and checked, and which of them the budget uses.

Each study's results (``results.json`` as a dict, see docs/contracts.md) list the outcomes
that enter the budget view, each with its event-time estimates and their covariance, the
cases, the horizon and the cost per unit. :func:`read_budget_inputs` reads every entry of
every study and raises one :class:`~effekt.errors.SpecError` listing every malformed one
(the field, the value and what was expected); :func:`select_inputs` leaves out a priced
outcome whose sector's NOK cost the same study estimated, so nothing is counted twice.
"""

from __future__ import annotations

import reprlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from effekt._checks import LARGE, raise_problems
from effekt.budgeting.sectors import resolve_sector
from effekt.budgeting.workbook.results import Language
from effekt.errors import SpecError

__all__ = ["BudgetInput", "read_budget_inputs", "select_inputs"]

_KINDS = ("count", "share", "days", "months", "nok")


@dataclass(frozen=True)
class _Estimates:
    """The two members of the effekt.results protocol that from_effect reads."""

    frame: pd.DataFrame
    vcov: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        return self.frame


@dataclass(frozen=True, eq=False)
class BudgetInput:
    """One entry of a study's ``budget_inputs``, checked (``pilot``: the study's name)."""

    pilot: str
    outcome: str
    label: str
    kind: str
    sector: str
    nok_per_unit: float
    n_cases: float
    horizon: int
    beyond: str
    event_time: tuple[int, ...]
    estimate: np.ndarray
    vcov: np.ndarray

    def estimated(self, t: int) -> bool:
        """Whether year ``t`` since start has an estimate (else from_effect makes it 0)."""
        if t >= self.horizon:
            return False
        if not self.event_time:
            return True  # one estimate, held for the horizon
        return t in self.event_time or (self.beyond == "last" and t > max(self.event_time))

    def estimates(self) -> _Estimates:
        """Return the estimates as :func:`~effekt.budgeting.from_effect` reads a result."""
        se = np.sqrt(np.clip(np.diag(self.vcov), 0.0, None))
        frame = pd.DataFrame({"estimate": self.estimate, "std_error": se})
        if self.event_time:
            frame.insert(0, "event_time", np.asarray(self.event_time, dtype=np.int64))
        labels = pd.RangeIndex(len(frame))
        return _Estimates(frame, pd.DataFrame(self.vcov, index=labels, columns=labels))


def _whole(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float) and np.isfinite(value) and value == int(value):
        return int(value)
    return None


def _real(value: Any) -> float | None:
    """Return a finite number no larger than LARGE in size as a float, else None."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        return None
    v = float(value)
    return v if abs(v) <= LARGE else None


def _outcome_label(results: Mapping[str, Any], name: str, language: Language) -> str:
    for row in [*(results.get("outcomes") or []), *((results.get("spec") or {})
                                                    .get("outcomes") or [])]:
        if isinstance(row, Mapping) and (row.get("outcome", row.get("name")) == name):
            lab = row.get("label")
            if isinstance(lab, Mapping) and isinstance(lab.get(language), str):
                return lab[language]
    return name


def _study_name(results: Mapping[str, Any], k: int) -> str:
    spec = results.get("spec")
    exposure = spec.get("exposure") if isinstance(spec, Mapping) else None
    pilot = exposure.get("pilot") if isinstance(exposure, Mapping) else None
    return pilot if isinstance(pilot, str) and pilot else f"study_{k + 1}"


def _parse_entry(e: Any, where: str, pilot: str, results: Mapping[str, Any],
                 language: Language, problems: list[str]) -> BudgetInput | None:
    if not isinstance(e, Mapping):
        problems.append(f"{where}: must be a mapping, got {type(e).__name__}.")
        return None
    n0 = len(problems)
    missing = [k for k in ("outcome", "kind", "sector", "nok_per_unit", "n_cases", "horizon",
                           "beyond", "event_time", "estimate", "vcov") if k not in e]
    if missing:
        problems.append(f"{where}: missing {', '.join(missing)} (see the results.json "
                        "contract, budget_inputs).")
        return None
    outcome = e["outcome"]
    if not isinstance(outcome, str) or not outcome:
        problems.append(f"{where}: outcome must be a name, got {outcome!r}.")
    if not isinstance(e["kind"], str) or e["kind"] not in _KINDS:
        problems.append(f"{where}: kind {e['kind']!r} is not one of {', '.join(_KINDS)}.")
    sector = None
    try:
        sector = resolve_sector(e["sector"], where=f"{where}: sector")
    except SpecError as err:
        problems.append(str(err))
    nok, n_cases = _real(e["nok_per_unit"]), _real(e["n_cases"])
    if nok is None:
        problems.append(f"{where}: nok_per_unit must be a finite number (at most "
                        f"{LARGE:g} in size), got {e['nok_per_unit']!r}.")
    if n_cases is None or n_cases < 0:
        problems.append(f"{where}: n_cases must be a finite number >= 0 (at most {LARGE:g}), "
                        f"got {e['n_cases']!r}.")
    horizon = _whole(e["horizon"])
    if horizon is None or not 1 <= horizon <= 1000:
        problems.append(f"{where}: horizon must be a whole number of years in 1..1000, got "
                        f"{e['horizon']!r}.")
    if not isinstance(e["beyond"], str) or e["beyond"] not in ("zero", "last"):
        problems.append(f"{where}: beyond must be 'zero' or 'last', got {e['beyond']!r}.")
    times, est, cov = e["event_time"], e["estimate"], e["vcov"]
    if not isinstance(times, Sequence) or isinstance(times, str):
        problems.append(f"{where}: event_time must be a list of whole years, got {times!r}.")
        times = None
    else:
        whole = [_whole(t) for t in times]
        if any(t is None or t < 0 for t in whole) or len(set(whole)) != len(whole):
            problems.append(f"{where}: event_time must list distinct whole years >= 0, got "
                            f"{list(times)!r}.")
            times = None
        else:
            times = tuple(whole)
    if not isinstance(est, Sequence) or isinstance(est, str) or any(
            _real(x) is None for x in est):
        problems.append(f"{where}: estimate must be a list of finite numbers (at most "
                        f"{LARGE:g} in size), got {est!r}.")
        est = None
    else:
        est = np.array([float(x) for x in est])
    if times is not None and est is not None:
        want = len(times) if times else 1
        if len(est) != want:
            problems.append(f"{where}: estimate has {len(est)} values but event_time has "
                            f"{len(times)} (one estimate when event_time is []).")
            est = None
    if est is not None:
        try:
            cov = np.asarray(cov, dtype=float)
        except (TypeError, ValueError):
            cov = None
        if (cov is None or cov.shape != (len(est), len(est)) or not np.all(np.abs(cov) <= LARGE)
                or not np.allclose(cov, cov.T, rtol=1e-6, atol=1e-12)
                or np.any(np.diag(cov) < 0)):
            problems.append(f"{where}: vcov must be a symmetric {len(est)} × {len(est)} matrix "
                            f"of finite numbers (at most {LARGE:g} in size) with a "
                            "non-negative diagonal (the covariance of the estimates).")
    if len(problems) > n0:
        return None
    return BudgetInput(pilot=pilot, outcome=outcome,
                       label=_outcome_label(results, outcome, language), kind=e["kind"],
                       sector=sector, nok_per_unit=nok, n_cases=n_cases, horizon=horizon,
                       beyond=e["beyond"], event_time=times, estimate=est, vcov=cov)


def _check_layout(results: Mapping[str, Any], where: str) -> None:
    """Refuse a spec that is no mapping and lists of outcomes that are no lists."""
    spec = results.get("spec")
    if spec is not None and not isinstance(spec, Mapping):
        raise SpecError(f"{where}: spec must be a mapping (the spec of results.json), got "
                        f"{type(spec).__name__} {reprlib.repr(spec)}.")
    for field, rows in (("outcomes", results.get("outcomes")),
                        ("spec.outcomes", (spec or {}).get("outcomes"))):
        if rows is not None and (isinstance(rows, str) or not isinstance(rows, Sequence)):
            raise SpecError(f"{where}: {field} must be a list of outcomes (as in results.json), "
                            f"got {type(rows).__name__} {reprlib.repr(rows)}.")


def read_budget_inputs(studies: Sequence[Mapping[str, Any]], language: Language
                       ) -> tuple[list[str], list[list[BudgetInput]]]:
    """Return the studies' names and their parsed budget inputs (one SpecError for all)."""
    names: list[str] = []
    parsed: list[list[BudgetInput]] = []
    problems: list[str] = []
    for k, results in enumerate(studies):
        if not isinstance(results, Mapping):
            raise SpecError(f"studies[{k}] must be a study's results (the dict of "
                            f"results.json), got {type(results).__name__}.")
        name = _study_name(results, k)
        if name in names:
            name = f"{name}_{k + 1}"
        names.append(name)
        _check_layout(results, f"studies[{k}] ({name})")
        entries = results.get("budget_inputs")
        if entries is None:
            raise SpecError(
                f"studies[{k}] ({name}): the results have no 'budget_inputs', which the "
                "budget needs (each outcome's event-time estimates, their covariance, the "
                "cases and the cost per unit); they come from an older effekt. Run the study "
                "again with 'effekt study run' and pass its results.json.")
        if not isinstance(entries, Sequence) or isinstance(entries, str):
            raise SpecError(f"studies[{k}] ({name}): budget_inputs must be a list, got "
                            f"{type(entries).__name__}.")
        got = [_parse_entry(e, f"studies[{k}] ({name}): budget_inputs[{j}]", name, results,
                            language, problems) for j, e in enumerate(entries)]
        parsed.append([g for g in got if g is not None])
    raise_problems(problems, where="study_budget")
    return names, parsed


def select_inputs(inputs: list[list[BudgetInput]]
                  ) -> tuple[list[BudgetInput], dict[int, str]]:
    """Keep every input but a priced one whose sector's NOK cost the same study estimated.

    Returns the inputs used and, by ``id``, the NOK outcome that holds each one left out.
    """
    used, skipped = [], {}
    for ins in inputs:
        nok = {i.sector: i.outcome for i in ins if i.kind == "nok"}
        for i in ins:
            if i.kind != "nok" and i.sector in nok:
                skipped[id(i)] = nok[i.sector]
            else:
                used.append(i)
    return used, skipped
