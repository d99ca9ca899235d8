"""Results of matching and weighting: the matched sample and the effect estimated on it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
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

SEType = Literal["cluster", "CR2", "robust", "abadie_imbens"]


def _abadie_imbens_design(settings: dict[str, Any]) -> bool:
    """Whether a match is one that :func:`abadie_imbens` takes."""
    return bool(
        settings.get("method") in ("nearest", "mahalanobis")
        and settings.get("distance") in ("ivar", "mahalanobis")
        and settings.get("replace")
        and settings.get("estimand") == "ATT"
        and not settings.get("exact")
        and settings.get("discard", "none") == "none"
    )


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
        se : {"cluster", "CR2", "robust", "abadie_imbens"}, optional
            ``"cluster"``: cluster-robust CR1 by subclass (matched pair or stratum), with
            the factor ``G/(G-1) (n-1)/(n-k)`` of ``sandwich::vcovCL`` and ``t(G-1)``
            intervals; after matching with replacement, on one row per unit per pair
            (MatchIt's ``get_matches()``), clustered two-way by pair and unit (MatchIt's
            recommendation). ``"CR2"``: Bell-McCaffrey CR2 by subclass with ``t`` on
            the Satterthwaite df; needs subclasses and constant weights (1:1 or complete
            k:1 matching without replacement), otherwise SpecError. ``"robust"``: HC1,
            normal intervals. ``"abadie_imbens"``: the matching estimator with the
            Abadie-Imbens (2006) population variance, for covariate matching with
            replacement (see :func:`~effekt.estimators.matching.abadie_imbens.abadie_imbens`,
            which has the further options; its defaults are R Matching's ``se`` with
            ``Var.calc = 2``); ``covariates`` are then its bias-correction covariates
            (default: the matching covariates).
            Default: ``"abadie_imbens"`` after nearest-neighbour covariate matching
            (``distance="ivar"`` or ``"mahalanobis"``) with replacement for the ATT
            without ``exact=``/``discard=``/``cluster=``; else ``"cluster"`` (by subclass,
            or by pair and unit after matching with replacement).
        cluster : str, optional
            A further cluster column (family, school): with ``se="cluster"`` the
            standard errors are clustered two-way by subclass and this column
            (Cameron, Gelbach and Miller 2011); after matching with replacement by this
            column alone.

        Returns
        -------
        EffectResult

        Examples
        --------
        >>> from effekt.estimators import match
        >>> from effekt.synthetic.examples import cross_section
        >>> m = match(cross_section(n=400, effect=2.0), "t", ["x"])
        >>> e = m.effect("y", covariates=["x"])
        >>> bool(e.ci[0] < 2 < e.ci[1]), e.df == e.n_clusters - 1
        (True, True)
        """
        has_subclass = bool(self.data["subclass"].notna().all())
        if se is None:
            se = ("abadie_imbens" if not has_subclass and cluster is None
                  and _abadie_imbens_design(self.settings) else "cluster")
        check_choice("se", se, SEType)
        if se == "abadie_imbens":
            if cluster is not None:
                raise SpecError("cluster= is not used with se='abadie_imbens'.")
            return abadie_imbens(self, outcome, bias_covariates=covariates)
        if se == "robust":
            if cluster is not None:
                raise SpecError(f"cluster={cluster!r} is only used with se='cluster'.")
            return self._fit(outcome, covariates, se, [])
        if se == "CR2":
            if cluster is not None:
                raise SpecError(
                    f"se='CR2' clusters by subclass only (one way); cluster={cluster!r} "
                    "needs se='cluster' (two-way CR1)."
                )
            if not has_subclass:
                raise SpecError(
                    "se='CR2' needs subclasses (matched pairs or strata), and matching with "
                    "replacement has none (pairs share controls, and the weights vary): use "
                    "se='cluster' (by pair and unit), or se='abadie_imbens' after "
                    "covariate matching."
                )
            return self._fit(outcome, covariates, se, ["subclass"])
        if has_subclass:
            return self._fit(outcome, covariates, se,
                             ["subclass"] + ([cluster] if cluster is not None else []))
        if cluster is not None:
            return self._fit(outcome, covariates, se, [cluster])
        return self._fit_pairs(outcome, covariates)

    def _pair_rows(self) -> pd.DataFrame:
        """One row per unit per pair (MatchIt's ``get_matches()``), for clustering."""
        p = self.pairs
        focal_col, other_col = ("treated", "control") if self.estimand_code == "ATT" else (
            "control", "treated")
        src = self.source
        f_pos = src.index.get_indexer(p[focal_col])
        o_pos = src.index.get_indexer(p[other_col])
        focal = pd.unique(f_pos)
        m_i = np.bincount(f_pos, minlength=len(src))
        rows = np.concatenate([focal, o_pos])
        out = src.iloc[rows].reset_index(drop=True)
        out["_pair"] = np.concatenate([focal, f_pos])
        out["_unit"] = rows
        out["_w"] = np.concatenate([np.ones(focal.size), 1.0 / m_i[f_pos]])
        return out

    def _fit_pairs(self, outcome: str, covariates) -> EffectResult:
        rows = self._pair_rows()
        res = weighted_effect(
            rows, treatment=self.treatment, outcome=outcome, weights="_w",
            covariates=as_columns("covariates", covariates), estimand=self.estimand_code,
            se="cluster", clusters=["_pair", "_unit"],
        )
        t = self.data[self.treatment].to_numpy()
        note = res.se_type.replace("_pair", "pair").replace("_unit", "unit")
        return replace(res, se_type=note, nobs=len(self.data),
                       n_treated=int((t == 1).sum()), n_control=int((t == 0).sum()))

    def summary(self) -> str:
        """Deterministic text summary: method, settings and sample sizes."""
        return "\n".join([*self._header(), "Sample sizes:", self._counts_text()])
