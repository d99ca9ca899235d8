"""How the names and quantities of one results file read in the report's language.

:class:`Words` is the vocabulary of one report: its language and number formats, who took
part (families, persons or children), and the label and kind of every outcome the results
name (the outcomes' rows, the robustness rows, the spec's own labels).
:class:`Quantity` is how one outcome's effects read: the unit words, the display scale (a
share in percentage points) and the decimals.
"""

from __future__ import annotations

from typing import Any

from effekt.reports.formatting import Formatter, sentence_decimals
from effekt.reports.labels import PILOT_SHORT, SUBJECTS, label
from effekt.reports.texts import text

__all__ = ["MARK", "Quantity", "Words", "hidden"]

#: What a cell hidden by secondary suppression shows (the note under its table says why).
MARK = "–*"


def hidden(row: dict[str, Any], field: str) -> bool:
    """Return whether ``field`` of a results row is hidden by secondary suppression.

    Examples
    --------
    >>> hidden({"secondary": "estimate;n_treated"}, "n_treated"), hidden({}, "estimate")
    (True, False)
    """
    return field in (row.get("secondary") or "").split(";")


class Quantity:
    """How one outcome's effects read: its kind, the display scale, unit words.

    ``kind`` None: the results do not say what the outcome measures (a robustness row whose
    ``kind`` is null): plain numbers, and the unit column says the unit is unknown.
    """

    def __init__(self, words: Words, kind: str | None):
        self.w, self.kind = words, kind
        self.scale = 100.0 if kind == "share" else 1.0

    def _fields(self) -> dict[str, str]:
        w = self.w
        return {"per": w.t(f"per_{w.period}"), "unit_one": w.unit_one,
                "period_word": w.t(f"period_{w.period}")}

    def decimals(self, decimals: int) -> int:
        """Return a table cell's decimals: a share's 3 are 1 in percentage points; NOK none."""
        if self.kind == "nok":
            return 0
        return max(decimals - 2, 0) if self.kind == "share" else decimals

    def cell(self, x: float | None, decimals: int) -> str:
        """Return a value for a table, in display units (a dash for None)."""
        return self.w.f.number(None if x is None else x * self.scale, self.decimals(decimals))

    def sentence_decimals(self, v: float) -> int:
        """Return the decimals of a magnitude in a sentence.

        Two significant figures (at most 2 decimals); none for NOK, one for percentage
        points, 3 when the unit is not known.
        """
        if self.kind is None:
            return 3
        if self.kind == "nok":
            return 0
        if self.kind == "share":  # percentage points: one decimal (two below 0.1)
            return 1 if abs(v) >= 0.095 else 2
        return sentence_decimals(v)

    def unit(self) -> str:
        """Return the unit column's words (``måneder per år``, ``prosentpoeng``)."""
        return self.w.t(f"unitcol_{self.kind or 'unknown'}", **self._fields())

    def amount(self, x: float, signed: bool = False) -> str:
        """Return a magnitude with its unit for a sentence (``1,3 måneder per år``)."""
        v = x * self.scale
        n = self.w.f.number(v if signed else abs(v), self.sentence_decimals(v))
        return self.w.t(f"amount_{self.kind or 'unknown'}", x=n, **self._fields())


class Words:
    """The names, units and number formats of one (checked) results file.

    The study population is children (``who`` ``"child"``) only when its filters restrict
    ``role`` to ``child`` for a person-level study; else the unit (families or persons).
    """

    def __init__(self, results: dict[str, Any]):
        self.res = results
        self.spec = spec = results["spec"]
        self.lang = spec["language"]
        self.f = Formatter(self.lang)
        pop = spec["population"]
        self.period = pop["period"]
        self.unit_key = pop["unit"]
        children = self.unit_key == "person" and any(
            w["column"] == "role" and w["in"] is not None and set(w["in"]) == {"child"}
            for w in pop["where"])
        self.who = "child" if children else self.unit_key
        self.unit_one = self.t(f"one_{self.who}")
        self.units = self.t(f"units_{self.who}")
        self.min_cell = results["disclosure"]["min_cell"]
        self.main = results["main"]
        self._labels: dict[str, str] = {}
        self._kinds: dict[str, str] = {}
        for o in spec["outcomes"]:
            self._learn(o["name"], o["kind"], o["label"])
        for r in [self.main, *results["outcomes"], *results["robustness"]]:
            self._learn(r["outcome"], r["kind"], r["label"])

    def _learn(self, outcome: str, kind: str | None, label: dict[str, str] | None) -> None:
        if label:
            self._labels[outcome] = label[self.lang]
        if kind is not None:
            self._kinds[outcome] = kind

    def t(self, key: str, **fields: Any) -> str:
        """Return the text ``key`` of :data:`~effekt.reports.texts.TEXTS`, filled in."""
        return text(self.lang, key, **fields)

    def name(self, name: str) -> str:
        """Return the label of an outcome, covariate, step, design or check."""
        return self._labels.get(name) or label(self.lang, name)

    def has_own_label(self, outcome: str) -> bool:
        """Return whether the results give ``outcome`` a label of their own."""
        return outcome in self._labels

    def words(self, items: list[str]) -> str:
        """Return items in words: ``a``, ``a and b``, ``a, b and c``."""
        if len(items) < 2:
            return "".join(items)
        return f"{', '.join(items[:-1])} {self.t('and')} {items[-1]}"

    def kind(self, outcome: str) -> str | None:
        """Return what an outcome measures, as results give it (None: not known)."""
        return self._kinds.get(outcome)

    def quantity(self, outcome: str) -> Quantity:
        """Return how the effects on ``outcome`` read."""
        return Quantity(self, self.kind(outcome))

    def count(self, row: dict[str, Any], field: str) -> str:
        """Return a count of a results row as shown: the number, ``"<5"`` or the mark."""
        return MARK if hidden(row, field) else self.f.integer(row[field])

    def n_words(self, row: dict[str, Any], field: str) -> str:
        """Return a count for a sentence (``a hidden number of`` for a hidden one)."""
        return self.t("hidden_count") if row[field] is None else self.f.integer(row[field])

    def subject(self) -> str:
        """Who took part, mid-sentence (``HOLF-familiene``, ``barn i samhandlingsmodellen``)."""
        pilot = self.spec["exposure"]["pilot"]
        special = SUBJECTS[self.lang].get((pilot, self.who))
        if special:
            return special
        short = PILOT_SHORT[self.lang].get(pilot) or self.name(pilot)
        return self.t(f"subject_{self.who}", pilot=short)
