"""Docstring parameter texts shared by several functions, written once.

A function whose docstring has a line ``%(name)s`` gets, at import, the text of
``PARAMETERS[name]`` in its place, indented like the marker (as MNE's and
scikit-learn's ``fill_doc``). Only whole lines are replaced, and only names listed here,
so braces and percent signs elsewhere in a docstring are left alone. ``help()``, Sphinx
and the doctests all see the filled docstring.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

__all__ = ["PARAMETERS", "fill_doc"]

F = TypeVar("F", bound=Callable)

PARAMETERS: dict[str, str] = {
    # the unit-level data of matching and weighting
    "units_df": """\
df : pandas.DataFrame
    One row per unit. Not modified.""",
    "treatment_spec": """\
treatment : str
    The 0/1 (or boolean) treatment column.
covariates : str or sequence of str
    Covariate columns; non-numeric ones are expanded to one indicator per level with the
    first level dropped, as R expands a factor. Give either ``covariates`` or ``formula``.
formula : str, optional
    An additive formula ``"treat ~ x1 + x2"`` instead of ``treatment`` and
    ``covariates``.""",
    # the long panels of the difference-in-differences estimators
    "panel_columns": """\
df : pandas.DataFrame
    Panel, one row per unit and period; not modified.
outcome : str
    Numeric outcome column.
unit, time : str
    Unit and period columns (numbers, strings or dates).""",
    "cluster_weights": """\
cluster : str, optional
    Column to cluster on; defaults to ``unit``.
weights : str, optional
    Non-negative weight column.""",
    # the plot() of results objects
    "results_plot": """\
ax : matplotlib.axes.Axes, optional
    The Axes to draw on; a new figure is made when omitted.

Returns
-------
matplotlib.figure.Figure
    The figure drawn on (the protocol of :mod:`effekt.results`).""",
    # the figures of effekt.plotting
    "plot_ax": """\
ax : matplotlib.axes.Axes, optional
    The Axes to draw on; a new figure is made when omitted.

Returns
-------
matplotlib.axes.Axes""",
}

_PLACEHOLDER = re.compile(r"^(?P<indent>[ \t]*)%\((?P<name>\w+)\)s[ \t]*$", re.MULTILINE)


def fill_doc(func: F) -> F:
    """Replace the ``%(name)s`` lines of ``func``'s docstring by the shared texts.

    Raises
    ------
    KeyError
        For a marker that names no shared text (a typo shows at import).

    Examples
    --------
    >>> @fill_doc
    ... def f(df):
    ...     '''Do something.
    ...
    ...     Parameters
    ...     ----------
    ...     %(units_df)s
    ...     '''
    >>> "One row per unit" in f.__doc__
    True
    """
    def fill(match: re.Match) -> str:
        text = PARAMETERS[match.group("name")]
        return "\n".join(match.group("indent") + line if line else line
                         for line in text.split("\n"))

    if func.__doc__:
        func.__doc__ = _PLACEHOLDER.sub(fill, func.__doc__)
    return func
