"""Results of matching and weighting: the matched sample and the effect estimated on it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from effekt._checks import as_columns, check_choice
from effekt.errors import SpecError
from effekt.estimators.matching.abadie_imbens import abadie_imbens
from effekt.estimators.matching.balance import balance
from effekt.estimators.matching.effect import EffectResult, weighted_effect
from effekt.results import ResultsBase, format_table

__all__ = [
    "MatchResult",
    "ReweightedSample",
    "SEType",
    "effective_sample_size",
]

SEType = Literal["cluster", "robust", "abadie_imbens"]



def effective_sample_size(w: np.ndarray) -> float:
    """Kish's effective sample size ``(sum w)^2 / sum w^2`` of the positive weights."""
    w = np.asarray(w, dtype=float)
    w = w[w > 0]
    return float(w.sum() ** 2 / (w**2).sum()) if w.size else 0.0


@dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class ReweightedSample(ResultsBase):
    """What a matched and a weighted sample share: a ``weights`` column in :attr:`data`.

    Subclasses are :class:`MatchResult` and
    :class:`~effekt.estimators.matching.weighting.WeightResult`; fields are keyword-only.
    """

    data: pd.DataFrame
    counts: pd.DataFrame
    treatment: str
    covariates: tuple[str, ...]
    method: str
    settings: dict[str, Any]
    estimand: str
    source: pd.DataFrame = field(repr=False)
    all_weights: pd.Series = field(repr=False)
    distance_values: pd.Series | None = field(default=None, repr=False)

    _kind = "reweighting"

    @property
    def estimand_code(self) -> str:
        """``"ATT"``, ``"ATC"`` or ``"ATE"``."""
        return str(self.settings["estimand"])

    def balance(self, covariates: str | Sequence[str] | None = None):
        """Balance table before and after (see :func:`effekt.estimators.matching.balance`)."""
        return balance(self, covariates)

    def to_frame(self) -> pd.DataFrame:
        """Return the sample sizes by group: one row per group, a column per count.

        Columns ``group`` (``control``, ``treated``) and the rows of :attr:`counts`
        (``all``, ``matched``, ``unmatched``, ``discarded``, ``effective_n`` after
        matching; ``all``, ``effective_n`` after weighting). The reweighted data
        themselves are ``matched_data()`` / ``weighted_data()``.
        """
        counts = self.counts.T
        whole = [c for c in counts.columns if c != "effective_n"]
        counts[whole] = counts[whole].round().astype(int)
        return counts.rename_axis("group").reset_index()

    def plot(self, ax=None):
        """Love plot of the balance before and after; returns the matplotlib Figure."""
        return self.balance().plot(ax=ax)

    def _counts_text(self) -> str:
        """Format the sample sizes: counts as integers, the effective size with 2 decimals."""
        counts = self.counts.T
        whole = [c for c in counts.columns if c != "effective_n"]
        text = format_table(counts, digits=2, integers=whole)
        return text

    def _fit(self, outcome: str, covariates, se: str, clusters: list[str]) -> EffectResult:
        return weighted_effect(
            self.data,
            treatment=self.treatment,
            outcome=outcome,
            weights="weights",
            covariates=as_columns("covariates", covariates),
            estimand=self.estimand_code,
            se=se,
            clusters=clusters,
        )

    def _header(self) -> list[str]:
        opts = ", ".join(f"{k}={v!r}" for k, v in self.settings.items())
        return [
            f"{self._kind}: {self.method} ({self.estimand})",
            f"Treatment: {self.treatment}; covariates: {', '.join(self.covariates)}",
            f"Settings: {opts}",
        ]


@dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class MatchResult(ReweightedSample):
    """A matched sample, as MatchIt's ``matchit`` object and ``match.data``.

    Attributes
    ----------
    data : pandas.DataFrame
        The matched units (rows of the input with positive weight) with added columns
        ``weights`` and ``subclass`` (the pair or stratum; missing when matching with
        replacement) and, for a score distance, ``distance``.
    pairs : pandas.DataFrame
        One row per treated-control pair: ``treated`` and ``control`` (index labels of the
        input), ``subclass`` and ``gap`` (their distance), in the order formed.
    counts : pandas.DataFrame
        Units by group (columns ``control``, ``treated``): all, matched, unmatched,
        discarded and the effective sample size of the matched weights.
    treatment : str
        The treatment column.
    covariates : tuple of str
        The matching covariates.
    method : str
        ``"nearest"``, ``"exact"``, ``"cem"`` or ``"mahalanobis"``.
    settings : dict
        Every option the match was run with.
    estimand : str
        The estimand in words.
    """

    pairs: pd.DataFrame

    _kind = "Matching"

    def matched_data(self) -> pd.DataFrame:
        """Return a copy of the matched units with ``weights``, ``subclass`` (and ``distance``).

        As MatchIt's ``match.data()``: the rows of the input with positive weight. A copy,
        so changing it changes nothing in the result.
        """
        return self.data.copy()

    def effect(
        self,
        outcome: str,
        covariates: str | Sequence[str] | None = None,
        se: SEType | None = None,
        cluster: str | None = None,
    ) -> EffectResult:
        """Estimate the effect on ``outcome`` in the matched sample.

        The coefficient of the treatment in the weighted regression
        ``outcome ~ treatment [+ covariates]`` on :attr:`data` with the matching
        weights (Ho, Imai, King and Stuart 2011; MatchIt's recommended analysis).

        Parameters
        ----------
        outcome : str
            Outcome column of the input data.
        covariates : str or sequence of str, optional
            Covariates added to the outcome regression (doubly robust adjustment).
        se : {"cluster", "robust", "abadie_imbens"}, optional
            ``"cluster"``: cluster-robust by subclass (matched pair), with the
            HC1-type factor ``G/(G-1) (n-1)/(n-k)`` of ``sandwich::vcovCL``;
            ``"robust"``: HC1. Default: ``"cluster"`` when the matched sample has
            subclasses (or ``cluster`` is given), else ``"robust"`` (matching with
            replacement, where pairs share controls and there is no subclass);
            ``"abadie_imbens"``: the bias-corrected matching estimator with the
            Abadie-Imbens (2006) population variance, for covariate matching with
            replacement (see :func:`~effekt.estimators.matching.abadie_imbens.abadie_imbens`, which
            has the further options); ``covariates`` are then the bias-correction
            covariates (default: the matching covariates).
        cluster : str, optional
            A further cluster column (family, school): with ``se="cluster"`` the
            standard errors are clustered two-way by subclass and this column
            (Cameron, Gelbach and Miller 2011); after matching with replacement, where
            pairs share controls and there is no subclass, by this column alone.

        Returns
        -------
        EffectResult

        Examples
        --------
        >>> from effekt.estimators import match
        >>> from effekt.synthetic.examples import cross_section
        >>> m = match(cross_section(n=400, effect=2.0), "t", ["x"])
        >>> e = m.effect("y", covariates=["x"])
        >>> bool(e.ci[0] < 2 < e.ci[1])
        True
        """
        if se is None:
            se = ("cluster" if cluster is not None or self.data["subclass"].notna().all()
                  else "robust")
        check_choice("se", se, SEType)
        if se == "abadie_imbens":
            if cluster is not None:
                raise SpecError("cluster= is not used with se='abadie_imbens'.")
            return abadie_imbens(self, outcome, bias_covariates=covariates)
        clusters = []
        if se == "cluster":
            has_subclass = self.data["subclass"].notna().all()
            if has_subclass:
                clusters.append("subclass")
            if cluster is not None:
                clusters.append(cluster)
            if not clusters:
                raise SpecError(
                    "se='cluster' needs subclasses (pairs), and matching with replacement "
                    "has none: give cluster=<column> or use se='robust'."
                )
        elif cluster is not None:
            raise SpecError(f"cluster={cluster!r} is only used with se='cluster'.")
        return self._fit(outcome, covariates, se, clusters)

    def summary(self) -> str:
        """Deterministic text summary: method, settings and sample sizes."""
        return "\n".join([*self._header(), "Sample sizes:", self._counts_text()])
