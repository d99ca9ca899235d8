"""The result of a randomization test (:mod:`effekt.estimators.randomization`).

A :class:`RandomizationResult` holds the observed estimate, its permutation distribution
under the sharp null of no effect, the permutation p-value and, for the linear
estimators, the interval of constant effects the test does not reject. It follows the
results protocol of :mod:`effekt.results`: a permutation test gives a p-value, not a
standard error, so ``std_error`` (and ``vcov``) is NaN; the standard deviation of the
permutation distribution is the extra column ``null_sd``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from effekt._docs import fill_doc
from effekt.plotting import POST_COLOUR, PRE_COLOUR
from effekt.results import EffectResults, effect_frame, figure_of

__all__ = ["RandomizationResult"]


@dataclass(frozen=True, eq=False, repr=False, kw_only=True)
class RandomizationResult(EffectResults):
    """A randomization (permutation) test of the sharp null of no effect.

    Attributes
    ----------
    term : str
        The estimate tested (``"treated:post"``, the treatment column, ``"ATT (simple)"``...).
    estimate : float
        The observed estimate.
    p_value : float
        Two-sided permutation p-value: the share of assignments, the observed one
        included, with ``|estimate*| >= |estimate|`` (ties within a relative 1e-12).
    null_distribution : numpy.ndarray
        The estimate under each enumerated or drawn assignment (NaN where it could not be
        estimated; left out of the p-value).
    enumerated : bool
        Whether every distinct assignment was enumerated (exact, seed-free p-value) or
        ``len(null_distribution)`` were drawn at random.
    n_assignments : int
        Number of distinct assignments of the design.
    n_failed : int
        Assignments whose estimate could not be computed.
    waves : tuple of (str, int)
        Each wave (treated / comparison, an adoption period, never treated) and the
        number of clusters in it, kept fixed by every assignment.
    n_clusters : int
        Clusters re-assigned.
    cluster : str
        The column of the clusters (the level of assignment).
    seed : str
        The seed of the draws, in words.
    design : str
        What was re-assigned, in words.
    statistic : str
        The statistic re-estimated, in words.
    estimand, outcome : str
        From the result tested.
    nobs : int
        Observations behind the estimate.
    level : float
        Confidence level of the interval.
    ci_lower, ci_upper : float
        The randomization confidence interval: every constant additive effect ``tau``
        that the test does not reject at ``1 - level`` (the treated outcomes shifted by
        ``tau``; :func:`~effekt.estimators.randomization.invert_constant_effect`); the
        hull of that set (possibly infinite). NaN for ``att_gt``, whose estimate is not
        linear in the outcome (``"dr"``, ``"ipw"``): there each ``tau`` would need its
        own re-estimation of every assignment.
    ci_connected : bool
        Whether the set of ``tau`` not rejected is one interval (else the interval is its
        hull).
    """

    term: str
    estimate: float
    p_value: float
    null_distribution: np.ndarray = field(repr=False)
    enumerated: bool
    n_assignments: int
    n_failed: int
    waves: tuple[tuple[str, int], ...]
    n_clusters: int
    cluster: str
    seed: str
    design: str
    statistic: str
    estimand: str
    outcome: str
    nobs: int
    level: float = 0.95
    ci_lower: float = float("nan")
    ci_upper: float = float("nan")
    ci_connected: bool = True

    label_columns = ("term",)

    @property
    def n_draws(self) -> int:
        """Assignments in the permutation distribution (enumerated or drawn)."""
        return int(self.null_distribution.size)

    @property
    def inference(self) -> str:
        """How the p-value is computed, in words."""
        how = (f"all {self.n_assignments} distinct assignments enumerated (exact p-value)"
               if self.enumerated else
               f"{self.n_draws} assignments drawn at random of {self.n_assignments} "
               f"distinct (seed {self.seed}); p = (1 + hits) / (1 + draws)")
        return (f"randomization test of the sharp null of no effect: {self.design} "
                f"({self.n_clusters} clusters by {self.cluster!r}, wave sizes kept); {how}; "
                "interval: constant effects not rejected")

    def to_frame(self) -> pd.DataFrame:
        """One row: ``term``, ``estimate``, ``std_error`` … ``p_value``, then extras.

        ``std_error`` is NaN (a permutation test gives a p-value, not a standard error);
        ``ci_lower``/``ci_upper`` are the randomization interval (constant effects not
        rejected; NaN for ``att_gt``). Extras: ``null_sd`` (standard deviation of the
        permutation distribution), ``n_draws``, ``n_assignments``, ``enumerated``,
        ``n_clusters``.
        """
        ok = np.isfinite(self.null_distribution)
        extra = {"null_sd": [float(np.std(self.null_distribution[ok], ddof=1))
                             if ok.sum() > 1 else np.nan],
                 "n_draws": [self.n_draws], "n_assignments": [self.n_assignments],
                 "enumerated": [self.enumerated], "n_clusters": [self.n_clusters]}
        frame = effect_frame({"term": [self.term]}, self.estimate, np.nan, level=self.level,
                             extra=extra)
        frame["ci_lower"], frame["ci_upper"] = self.ci_lower, self.ci_upper
        frame["p_value"] = self.p_value
        return frame

    def _vcov_matrix(self) -> np.ndarray:
        return np.full((1, 1), np.nan)

    def summary(self) -> str:
        """Return a deterministic text summary."""
        null = self.null_distribution[np.isfinite(self.null_distribution)]
        if self.enumerated:
            how = f"all {self.n_assignments} distinct assignments enumerated (exact)"
        else:
            how = (f"{self.n_draws} drawn at random of {self.n_assignments:,} distinct "
                   f"(seed {self.seed})")
        rows = [
            ("Estimand", self.estimand),
            ("Statistic", self.statistic),
            ("Design", f"{self.design}, {self.n_clusters} clusters by {self.cluster!r}"),
            ("Waves", "; ".join(f"{w}: {n}" for w, n in self.waves)),
            ("Assignments", how),
            ("Observations", self.nobs),
            ("Observed estimate", f"{self.estimate:.4f}"),
            ("Permutation p-value", f"{self.p_value:.4f} (two-sided: share with |estimate*| "
                                    ">= |estimate|, the observed assignment included; ties "
                                    "within 1e-12 relative)"),
        ]
        if null.size:
            lo, hi = np.quantile(null, [0.025, 0.975])
            rows.append(("Null distribution", f"mean {null.mean():.4f}, sd "
                         f"{null.std(ddof=1) if null.size > 1 else float('nan'):.4f}, "
                         f"95% of it in [{lo:.4f}, {hi:.4f}]"))
        if np.isfinite(self.ci_lower) or np.isfinite(self.ci_upper):
            gap = "" if self.ci_connected else " (hull of a set that is not one interval)"
            rows.append((f"{self.level:.0%} interval", f"[{self.ci_lower:.4f}, "
                         f"{self.ci_upper:.4f}]: the constant effects not rejected{gap}"))
        else:
            rows.append((f"{self.level:.0%} interval", "not computed (estimate not linear "
                         "in the outcome)"))
        if self.n_failed:
            rows.append(("Not estimable", f"{self.n_failed} assignments left out"))
        title = f"Randomization inference: {self.term} on {self.outcome}"
        width = max(len(k) for k, _ in rows)
        return "\n".join([title, "=" * len(title)]
                         + [f"{k.ljust(width)} : {v}" for k, v in rows])

    @fill_doc
    def plot(self, ax=None):
        """Histogram of the permutation distribution, the observed estimate marked.

        A solid line marks the observed estimate, a dashed one its mirror ``-estimate``
        (the test is two-sided).

        Parameters
        ----------
        %(results_plot)s
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 3.5))
        null = self.null_distribution[np.isfinite(self.null_distribution)]
        bins = min(60, max(10, int(np.sqrt(max(null.size, 1)))))
        ax.hist(null, bins=bins, color=PRE_COLOUR, alpha=0.8)
        ax.axvline(self.estimate, color=POST_COLOUR, linewidth=2,
                   label=f"observed {self.estimate:.3g}")
        ax.axvline(-self.estimate, color=POST_COLOUR, linewidth=1, linestyle="--")
        ax.set_xlabel(f"{self.term} under re-assignment (sharp null)")
        ax.set_ylabel("assignments")
        ax.set_title(f"Permutation distribution, p = {self.p_value:.3f}")
        ax.legend(loc="upper right", fontsize=8)
        return figure_of(ax)
