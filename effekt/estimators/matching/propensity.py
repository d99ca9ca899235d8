"""Propensity scores and the covariate design shared by matching, weighting and balance.

The propensity model is an unpenalised binomial GLM fitted by Newton-Raphson
(:func:`effekt.estimators._linalg.binary_glm`, the maximum of R's
``glm(treat ~ x, family = binomial)``), not scikit-learn's penalised logistic
regression, so that the scores equal R's and MatchIt's. Categorical covariates are
expanded as R expands a factor in a model formula: one indicator per level, the first
level (in sorted order, or a pandas Categorical's own order) dropped.

References
----------
Rosenbaum, P. R. and Rubin, D. B. (1983). The central role of the propensity score in
observational studies for causal effects. *Biometrika* 70(1), 41-55.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from effekt._checks import (
    as_columns,
    check_choice,
    check_column_args,
    check_finite,
    check_frame,
)
from effekt._docs import fill_doc
from effekt.errors import DataError, NotEstimableError, SpecError
from effekt.estimators._linalg import binary_glm

__all__ = ["PropensityModel", "covariate_design", "parse_formula", "propensity"]

PropensityModel = Literal["logit", "probit"]

_SEPARATION_EPS = 1e-9


def parse_formula(formula: str) -> tuple[str, list[str]]:
    """Split an additive formula ``"treat ~ a + b + c"`` into ``("treat", ["a", "b", "c"])``.

    Only plain column names joined by ``+`` are understood; anything else (interactions,
    transformations) is an error, as is a formula without a left-hand side.

    Examples
    --------
    >>> parse_formula("treat ~ age + race")
    ('treat', ['age', 'race'])
    """
    if not isinstance(formula, str) or formula.count("~") != 1:
        raise SpecError(f"formula must look like 'treat ~ x1 + x2', got {formula!r}.")
    lhs, rhs = (part.strip() for part in formula.split("~"))
    terms = [t.strip() for t in rhs.split("+")]
    name = re.compile(r"^[A-Za-z_.][A-Za-z0-9_.]*$")
    bad = [t for t in [lhs, *terms] if not name.match(t)]
    if bad:
        raise SpecError(
            f"formula {formula!r}: term(s) {bad!r} are not plain column names; only additive "
            "formulas 'treat ~ x1 + x2' are supported. Build transformed columns in the data "
            "frame first, or pass covariates=[...]."
        )
    return lhs, terms


def resolve_spec(
    treatment: str | None, covariates: str | Sequence[str] | None, formula: str | None
) -> tuple[str, list[str]]:
    """Return ``(treatment, covariates)`` from either the column names or a formula."""
    if formula is not None:
        lhs, terms = parse_formula(formula)
        if treatment is not None and treatment != lhs:
            raise SpecError(
                f"treatment={treatment!r} differs from the formula's left-hand side {lhs!r}; "
                "give one of them."
            )
        if covariates is not None:
            raise SpecError("give covariates=[...] or formula=..., not both.")
        return lhs, terms
    if treatment is None:
        raise SpecError("treatment is required (the name of a 0/1 column), or give formula=.")
    covs = as_columns("covariates", covariates)
    if not covs:
        raise SpecError("covariates is empty; give at least one covariate column or a formula.")
    return treatment, covs


def treatment_indicator(df: pd.DataFrame, treatment: str) -> np.ndarray:
    """Check that ``df[treatment]`` is 0/1 (or boolean) with both values present."""
    check_column_args(df, {"treatment": treatment})
    col = df[treatment]
    n_missing = int(col.isna().sum())
    if n_missing:
        raise DataError(f"treatment column {treatment!r} has {n_missing} missing values.")
    if not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)):
        raise DataError(
            f"treatment column {treatment!r} must be 0/1 or boolean, got dtype {col.dtype}."
        )
    values = col.to_numpy(dtype=float)
    bad = np.unique(values[(values != 0) & (values != 1)])
    if bad.size:
        raise DataError(
            f"treatment column {treatment!r} must hold only 0 and 1; found "
            f"{', '.join(repr(float(v)) for v in bad[:3])}."
        )
    n_treated = int(values.sum())
    if n_treated in (0, len(values)):
        raise DataError(
            f"treatment column {treatment!r} has only the value {int(values[0])}; "
            "matching and weighting need both treated (1) and control (0) units."
        )
    return values.astype(np.int8)


def _is_categorical(col: pd.Series) -> bool:
    return not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col))


def _is_constant(col: pd.Series) -> bool:
    if _is_categorical(col):
        return col.nunique() < 2
    values = col.to_numpy(dtype=float)
    return bool(values.min() == values.max())


def _levels(col: pd.Series) -> list:
    if isinstance(col.dtype, pd.CategoricalDtype):
        present = set(col.dropna().unique())
        return [c for c in col.cat.categories if c in present]
    values = col.dropna().unique()
    try:
        return sorted(values)
    except TypeError:  # mixed types (numbers and text): in order of their text
        return sorted(values, key=lambda v: (str(type(v)), str(v)))


def covariate_design(
    df: pd.DataFrame, covariates: Sequence[str], *, drop_first: bool = True
) -> pd.DataFrame:
    """Return the numeric covariate matrix, categorical columns expanded as R would.

    A non-numeric column (string, object, category) becomes one 0/1 column per level,
    named ``column + level`` (``race`` → ``raceblack``, ``racehispan``, ...); with
    ``drop_first=True`` the first level is dropped, as in an R model matrix. Boolean
    columns become 0/1. Missing, infinite or huge (beyond 1e150) values and constant
    columns are errors.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"age": [20, 30, 40], "race": ["white", "black", "hispan"]})
    >>> list(covariate_design(d, ["age", "race"]).columns)
    ['age', 'racehispan', 'racewhite']
    """
    covs = list(covariates)
    check_column_args(df, {"covariates": covs})
    check_finite(df, [c for c in covs if not _is_categorical(df[c])], table="df")
    missing = [f"{c!r} ({int(n)} missing)" for c in covs if (n := df[c].isna().sum()) > 0]
    if missing:
        raise DataError(
            f"covariate {', '.join(missing)} has missing values; effekt never drops rows "
            "silently. Drop or impute them before matching or weighting."
        )
    constant = [c for c in covs if _is_constant(df[c])]
    if constant:
        raise DataError(
            f"covariate {', '.join(map(repr, constant))} is constant (one value in every "
            "row) and carries no information; remove it from covariates."
        )
    parts: dict[str, np.ndarray] = {}
    for c in covs:
        col = df[c]
        if _is_categorical(col):
            levels = _levels(col)
            values = col.to_numpy(dtype=object)
            for level in levels[1:] if drop_first else levels:
                parts[f"{c}{level}"] = values == level
        else:
            parts[c] = col.to_numpy(dtype=float)
    # one column-major block written column by column: the frame's own storage, so that
    # building it copies each column once (a frame from a dict of columns copies them
    # twice, into the columns and again into one block)
    block = np.empty((len(df), len(parts)), order="F")
    for j, values in enumerate(parts.values()):
        block[:, j] = values
    return pd.DataFrame(block, index=df.index, columns=list(parts), copy=False)


@fill_doc
def propensity(
    df: pd.DataFrame,
    treatment: str | None = None,
    covariates: str | Sequence[str] | None = None,
    *,
    formula: str | None = None,
    model: PropensityModel = "logit",
) -> pd.Series:
    """Estimate propensity scores with an unpenalised logit or probit GLM.

    Parameters
    ----------
    %(units_df)s
    %(treatment_spec)s
    model : {"logit", "probit"}
        The link of the binomial GLM (fitted by IRLS as R's ``glm``).

    Returns
    -------
    pandas.Series
        The fitted probabilities of treatment, named ``"propensity"``, with ``df``'s index.

    Raises
    ------
    DataError
        For a treatment that is not 0/1 with both values, missing or constant covariates,
        or (quasi-)perfect separation, where some covariate pattern predicts treatment
        exactly and the maximum-likelihood estimate does not exist.

    References
    ----------
    Rosenbaum, P. R. and Rubin, D. B. (1983). *Biometrika* 70(1), 41-55.

    Examples
    --------
    >>> from effekt.synthetic.examples import cross_section
    >>> ps = propensity(cross_section(n=200, seed=1), "t", ["x"])
    >>> bool(ps.between(0, 1).all())
    True
    """
    check_frame("df", df)
    check_choice("model", model, PropensityModel)
    treatment, covs = resolve_spec(treatment, covariates, formula)
    t = treatment_indicator(df, treatment)
    design = covariate_design(df, covs)
    return pd.Series(
        fit_propensity(t, design, model), index=df.index, name="propensity"
    )


def fit_propensity(t: np.ndarray, design: pd.DataFrame, model: str) -> np.ndarray:
    """Fit the GLM of ``t`` on ``design`` (plus an intercept) and return fitted scores."""
    X = np.empty((len(t), design.shape[1] + 1), order="F")
    X[:, 0] = 1.0
    X[:, 1:] = design.to_numpy(dtype=float)
    # the rank of the Gram matrix of the columns scaled to a largest magnitude of 1,
    # D^-1 X'X D^-1, from X'X itself (no scaled copy of X)
    scale = np.maximum(X.max(axis=0), -X.min(axis=0))
    scale = np.where(scale > 0, scale, 1.0)
    rank = int(np.linalg.matrix_rank((X.T @ X) / np.outer(scale, scale)))
    if rank < X.shape[1]:
        raise DataError(
            f"the covariates {list(design.columns)} are collinear (design rank {rank} < "
            f"{X.shape[1]} columns with the intercept); remove redundant covariates."
        )
    advice = (
        "some covariate (or combination) predicts treatment exactly and the estimates do "
        "not exist. Drop or coarsen the offending covariate (for example merge rare "
        "categories), or restrict the sample to the region of common support."
    )
    try:
        # no condition-number limit: covariates in kroner beside indicators are badly scaled
        # without being collinear (the rank was checked above)
        fitted = binary_glm(t.astype(float), X, link=model, max_cond=None).fitted
    except NotEstimableError as exc:
        raise DataError(
            f"perfect or quasi-perfect separation in the {model} propensity model ({exc}): "
            + advice
        ) from exc
    extreme = (fitted < _SEPARATION_EPS) | (fitted > 1 - _SEPARATION_EPS)
    if extreme.any():
        raise DataError(
            f"perfect or quasi-perfect separation in the {model} propensity model: "
            f"{int(extreme.sum())} units have a fitted probability of 0 or 1, so " + advice
        )
    return fitted
