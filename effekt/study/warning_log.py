"""The EffektWarnings of a study run, each with the step it came from."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from effekt.errors import EffektWarning
from effekt.reports import disclosure

__all__ = ["WarningLog"]


class WarningLog:
    """The EffektWarnings of one run, each with the step it came from (raw, in memory only).

    ``with log.step(...)`` records every EffektWarning raised inside it, however often the
    estimators repeat it (``"always"``); any other warning is passed on, after the step, to
    the warning filters in force outside (once per location and run, as Python's
    ``"default"`` action would show it), so the run silences nothing of numpy's or
    statsmodels'. :meth:`disclosed` turns the records into what ``results.json`` holds.
    """

    def __init__(self) -> None:
        self._raw: list[tuple[dict[str, str | None], str]] = []
        self._registry: dict[Any, Any] = {}  # the passed-on warnings' "default" registry

    @contextmanager
    def step(self, step: str, *, check: str | None = None, outcome: str | None = None,
             design: str | None = None) -> Iterator[None]:
        """Record every EffektWarning raised inside the block as coming from ``step``."""
        where = {"step": step, "check": check, "outcome": outcome, "design": design}
        caught: list[warnings.WarningMessage] = []
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", EffektWarning)
                yield
        finally:  # also when the step fails: its warnings may say why
            for w in caught:
                if issubclass(w.category, EffektWarning):
                    self._raw.append((where, str(w.message)))
                else:
                    warnings.warn_explicit(w.message, w.category, w.filename, w.lineno,
                                           registry=self._registry, source=w.source)

    def disclosed(self, min_cell: int, labels: set[float]) -> list[dict[str, Any]]:
        """Return the records disclosed, in the order first raised, each once.

        Each record: ``step`` (``data``, ``main``, ``robustness`` or ``budget``), ``check``
        (the robustness check, else None), ``outcome``, ``design``, and the disclosed
        ``category``, ``message`` and ``fields`` (:func:`disclosure.disclose_warning`).
        """
        out: list[dict[str, Any]] = []
        seen: set[str] = set()
        for where, message in self._raw:
            record = {**where, **disclosure.disclose_warning(message, min_cell, labels)}
            key = json.dumps(record, sort_keys=True, default=str)
            if key not in seen:
                seen.add(key)
                out.append(record)
        return out
