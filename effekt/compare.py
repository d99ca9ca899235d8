"""Side-by-side tables of several results, and writing them to Excel, LaTeX or CSV.

:func:`compare` puts effect results next to each other as pyfixest's ``etable`` and R's
``modelsummary`` do: one column per result, one pair of rows per estimate (the estimate,
then its standard error in parentheses), and below them the outcome, the inference and
the number of observations of each column. It reads only the results protocol of
:mod:`effekt.results` (``to_frame()``, ``label_columns``, ``outcome``, ``inference``,
``nobs``), so any effect result can stand in a column: a 2×2 DiD beside a TWFE event study
beside a Callaway & Sant'Anna aggregation beside a matched DiD.

:func:`write_table` writes such a table (or any DataFrame) atomically, by the file's
suffix: ``.xlsx``, ``.tex`` or ``.csv``; :func:`latex_table` gives the LaTeX text.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from effekt._io import atomic_write, atomic_write_text, check_output_file
from effekt.errors import SpecError

__all__ = ["DEFAULT_STARS", "compare", "latex_table", "write_table"]

#: p-value thresholds of the significance stars, as in Stata's esttab and pyfixest
DEFAULT_STARS: tuple[tuple[float, str], ...] = ((0.01, "***"), (0.05, "**"), (0.1, "*"))
_PLAIN_LABELS = ("term", "estimator")  # labels shown without their column name


def _row_label(frame: pd.DataFrame, labels: Sequence[str], i: int) -> str:
    parts = []
    for col in labels:
        value = frame[col].iloc[i]
        if isinstance(value, float | np.floating) and float(value).is_integer():
            value = int(value)
        parts.append(str(value) if col in _PLAIN_LABELS else f"{col} {value}")
    return ", ".join(parts)


def _stars(p: float, stars: Sequence[tuple[float, str]]) -> str:
    if not math.isfinite(p):
        return ""
    for threshold, mark in sorted(stars):
        if p < threshold:
            return mark
    return ""


def _check_result(result: Any, position: str) -> None:
    needed = ("to_frame", "label_columns", "inference", "nobs")
    missing = [a for a in needed if not hasattr(result, a)]
    if missing:
        raise SpecError(
            f"compare(): {position} is a {type(result).__name__}, which lacks "
            f"{', '.join(missing)}; give effect results (effekt.results protocol), e.g. from "
            "did_2x2, att_gt(...).aggregate(...), matched_did or match(...).effect(...)."
        )


def compare(
    results: Sequence[Any] | Mapping[str, Any],
    *,
    names: Sequence[str] | None = None,
    stars: bool | Sequence[tuple[float, str]] = False,
    digits: int = 3,
) -> pd.DataFrame:
    """Put several effect results side by side, one column each.

    Parameters
    ----------
    results : sequence of results, or mapping of column name to result
        Effect results (anything with the protocol of :mod:`effekt.results`).
    names : sequence of str, optional
        Column names; default the mapping's keys, or ``(1)``, ``(2)``, ...
    stars : bool or sequence of (threshold, mark)
        Significance stars after the estimate: ``True`` for :data:`DEFAULT_STARS`
        (``***`` p < 0.01, ``**`` p < 0.05, ``*`` p < 0.1, from each result's own
        p-values), or your own thresholds. Off by default: the interval says more.
    digits : int
        Decimals of estimates and standard errors.

    Returns
    -------
    pandas.DataFrame
        Text cells. The index has two levels: the row (an estimate's label, or
        ``outcome``, ``inference``, ``N``) and what the row holds (``estimate``,
        ``std_error``, or ``""`` for the footer). An estimate a result does not have is
        an empty cell; a normalised reference row shows ``0`` with ``(ref.)``.

    Raises
    ------
    SpecError
        No results, names of the wrong length, or an object that is not an effect result.

    Examples
    --------
    >>> from effekt.estimators import att_gt, twfe
    >>> from effekt.synthetic.examples import staggered_panel
    >>> p = staggered_panel(n_units=200, periods=5, cohorts=(3,), effect=1.0)
    >>> results = {"TWFE": twfe(p, outcome="y", unit="id", time="t", treatment="d"),
    ...            "CS": att_gt(p, outcome="y", unit="id", time="t", cohort="g").aggregate()}
    >>> table = compare(results, stars=True)
    >>> table.index.get_level_values(0).tolist()
    ['d', 'd', 'ATT', 'ATT', 'outcome', 'inference', 'N']
    >>> table.loc[("N", "")].tolist()
    ['1000', '200']
    """
    if isinstance(results, Mapping):
        names = list(results) if names is None else list(names)
        items = list(results.values())
    else:
        items = list(results)
        names = [f"({i + 1})" for i in range(len(items))] if names is None else list(names)
    if not items:
        raise SpecError("compare() needs at least one result.")
    if len(names) != len(items):
        raise SpecError(f"compare(): {len(names)} names for {len(items)} results.")
    if isinstance(digits, bool) or not isinstance(digits, int) or digits < 0:
        raise SpecError(f"digits must be a whole number >= 0, got {digits!r}.")
    marks: Sequence[tuple[float, str]] = (
        DEFAULT_STARS if stars is True else () if stars is False else tuple(stars)
    )
    cells: dict[str, dict[tuple[str, str], str]] = {}
    order: list[str] = []
    for name, result in zip(names, items, strict=True):
        _check_result(result, f"result {name!r}")
        frame = result.to_frame()
        labels = list(result.label_columns)
        col: dict[tuple[str, str], str] = {}
        for i in range(len(frame)):
            label = _row_label(frame, labels, i)
            if label not in order:
                order.append(label)
            est = float(frame["estimate"].iloc[i])
            se = float(frame["std_error"].iloc[i])
            reference = bool(frame["reference"].iloc[i]) if "reference" in frame else False
            if reference:
                col[(label, "estimate")], col[(label, "std_error")] = "0", "(ref.)"
            elif math.isfinite(est):
                p = float(frame["p_value"].iloc[i])
                col[(label, "estimate")] = f"{est:.{digits}f}{_stars(p, marks)}"
                col[(label, "std_error")] = f"({se:.{digits}f})" if math.isfinite(se) else ""
        col[("outcome", "")] = str(getattr(result, "outcome", ""))
        col[("inference", "")] = str(result.inference)
        col[("N", "")] = f"{int(result.nobs)}"
        cells[name] = col
    rows = [(label, stat) for label in order for stat in ("estimate", "std_error")]
    rows += [("outcome", ""), ("inference", ""), ("N", "")]
    index = pd.MultiIndex.from_tuples(rows, names=["row", "statistic"])
    table = pd.DataFrame({n: [cells[n].get(r, "") for r in rows] for n in names}, index=index)
    if marks:
        note = "; ".join(f"{m} p < {t:g}" for t, m in sorted(marks))
        table.attrs["note"] = f"Standard errors in parentheses. {note}."
    else:
        table.attrs["note"] = "Standard errors in parentheses."
    return table


_LATEX_SPECIAL = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
                  "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                  "\\": r"\textbackslash{}"}


def _tex(text: Any) -> str:
    out = "".join(_LATEX_SPECIAL.get(ch, ch) for ch in str(text))
    for mark in ("***", "**", "*"):  # significance stars as superscripts
        if out.endswith(mark) and not out.endswith("\\" + mark):
            return out[: -len(mark)] + f"$^{{{mark}}}$"
    return out


def latex_table(table: pd.DataFrame) -> str:
    r"""Return ``table`` as a LaTeX ``tabular`` (booktabs rules), special characters escaped.

    A table from :func:`compare` is laid out as in a paper: the standard-error rows carry
    no label, and the footer (outcome, inference, N) sits below a rule.

    Examples
    --------
    >>> t = pd.DataFrame({"(1)": ["1.0**", "(0.2)"]},
    ...                  index=pd.MultiIndex.from_tuples([("x_1", "estimate"),
    ...                                                   ("x_1", "std_error")]))
    >>> print(latex_table(t))
    \begin{tabular}{lc}
    \toprule
     & (1) \\
    \midrule
    x\_1 & 1.0$^{**}$ \\
     & (0.2) \\
    \bottomrule
    \end{tabular}
    """
    cols = [str(c) for c in table.columns]
    lines = [r"\begin{tabular}{l" + "c" * len(cols) + "}", r"\toprule",
             " & ".join(["", *map(_tex, cols)]) + r" \\", r"\midrule"]
    footer_started = False
    for key, row in table.iterrows():
        label, stat = (key if isinstance(key, tuple) else (key, ""))[:2]
        if stat == "" and not footer_started and isinstance(table.index, pd.MultiIndex):
            lines.append(r"\midrule")
            footer_started = True
        shown = "" if stat == "std_error" else _tex(label)
        lines.append(" & ".join([shown, *(_tex(v) for v in row.tolist())]) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines)


def write_table(table: pd.DataFrame, path: str | os.PathLike, *, overwrite: bool = False) -> Path:
    r"""Write a table to ``.xlsx``, ``.tex`` or ``.csv`` by the file's suffix, atomically.

    The file is written to a temporary file beside ``path`` and then renamed, so a failed
    write leaves nothing half-written. An existing file is never replaced unless
    ``overwrite=True``, and a folder never (effekt's output rule for files, as in
    :func:`effekt.budgeting.write_template`).

    Parameters
    ----------
    table : pandas.DataFrame
        E.g. from :func:`compare`.
    path : str or path-like
        The file; its suffix chooses the format.
    overwrite : bool
        Replace an existing file.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    SpecError
        An unknown suffix, a folder, or an existing file without ``overwrite=True``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> t = pd.DataFrame({"(1)": ["1.0", "(0.2)"]}, index=["x", ""])
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = write_table(t, pathlib.Path(d) / "table.tex")
    ...     p.read_text().startswith("\\begin{tabular}")
    True
    """
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix not in (".xlsx", ".tex", ".csv"):
        raise SpecError(
            f"write_table: {target.name!r} has suffix {target.suffix!r}; use .xlsx, .tex or "
            ".csv."
        )
    check_output_file(target, overwrite=overwrite)  # before the table is rendered
    if suffix == ".tex":
        return atomic_write_text(target, latex_table(table) + "\n", overwrite=overwrite)
    if suffix == ".csv":
        return atomic_write_text(target, table.to_csv(), overwrite=overwrite)
    # one label per cell (no merged cells), so the sheet reads back as it was written
    return atomic_write(
        target, lambda tmp: table.to_excel(tmp, engine="openpyxl", merge_cells=False),
        overwrite=overwrite,
    )
