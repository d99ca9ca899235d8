"""The results of a power simulation: the power at one effect, and a power curve with the MDE.

They follow the results protocol of :mod:`effekt.results` where it fits a power
analysis: ``summary()`` (deterministic; ``__str__``, ``__repr__`` and ``_repr_html_`` come
from it), ``to_frame()``, ``plot(ax=None)`` returning a Figure, ``estimand`` and
``inference`` in words. They are not effect results: ``to_frame()`` has ``effect``,
``power`` and its Monte Carlo standard error ``mc_se`` instead of an estimate's columns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from effekt.results import ResultsBase, figure_of, format_table

__all__ = ["PowerCurve", "PowerResult"]

_Z = 1.959963984540054


def _estimand(alpha: float) -> str:
    return (f"power: the probability that a two-sided test at level {alpha:g} rejects "
            "'no effect' when the planted effect is the true one")


@dataclass(frozen=True, eq=False, repr=False)
class PowerResult(ResultsBase):
    """The power at one effect, by simulation.

    Attributes
    ----------
    effect : float
        The planted (true) effect.
    power : float
        Share of the simulations that rejected.
    mc_se : float
        Its Monte Carlo standard error, ``sqrt(power (1 - power) / n_sims)``.
    n_rejected, n_sims : int
        Simulations that rejected, and all simulations.
    alpha : float
        Level of the test.
    mean_estimate, sd_estimate, mean_std_error : float
        Mean and standard deviation of the estimates over the simulations, and the mean
        of their standard errors (NaN when the result has no one estimate); the bias is
        ``mean_estimate - effect``, and ``mean_std_error`` far below ``sd_estimate``
        means the standard errors are too small.
    estimator, inference : str
        The estimator and the test, in words.
    """

    effect: float
    power: float
    mc_se: float
    n_rejected: int
    n_sims: int
    alpha: float
    mean_estimate: float
    sd_estimate: float
    mean_std_error: float
    estimator: str
    inference: str

    @property
    def estimand(self) -> str:
        """What is estimated, in words."""
        return _estimand(self.alpha)

    def to_frame(self) -> pd.DataFrame:
        """One row: ``effect``, ``power``, ``mc_se``, its 95 % interval, counts, estimates."""
        return pd.DataFrame({
            "effect": [self.effect], "power": [self.power], "mc_se": [self.mc_se],
            "ci_lower": [max(0.0, self.power - _Z * self.mc_se)],
            "ci_upper": [min(1.0, self.power + _Z * self.mc_se)],
            "n_rejected": [self.n_rejected], "n_sims": [self.n_sims],
            "mean_estimate": [self.mean_estimate], "sd_estimate": [self.sd_estimate],
            "mean_std_error": [self.mean_std_error]})

    def summary(self) -> str:
        """Return the deterministic text summary."""
        lines = [
            "Power by simulation",
            f"Estimand:  {self.estimand}",
            f"Estimator: {self.estimator}",
            f"Inference: {self.inference}",
            f"Effect {self.effect:.4g}: power {self.power:.3f} (Monte Carlo SE "
            f"{self.mc_se:.3f}; {self.n_rejected} of {self.n_sims} simulations rejected)",
        ]
        if math.isfinite(self.mean_estimate):
            lines.append(f"Estimates: mean {self.mean_estimate:.4g} (bias "
                         f"{self.mean_estimate - self.effect:.3g}), sd "
                         f"{self.sd_estimate:.4g}; mean standard error "
                         f"{self.mean_std_error:.4g}")
        return "\n".join(lines)

    def plot(self, ax: Any = None) -> Any:
        """Draw the power with its 95 % Monte Carlo interval; return the Figure."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(5, 3))
        ax.errorbar([self.effect], [self.power], yerr=[[self.power - max(
            0.0, self.power - _Z * self.mc_se)], [min(1.0, self.power + _Z * self.mc_se)
                                                 - self.power]], fmt="o", capsize=4)
        ax.set_ylim(0, 1)
        ax.set_xlabel("true effect")
        ax.set_ylabel("power")
        return figure_of(ax)


@dataclass(frozen=True, eq=False, repr=False)
class PowerCurve(ResultsBase):
    """The power at several effects (common random numbers), with the MDE.

    Attributes
    ----------
    effect, power, mc_se : numpy.ndarray
        The effects (sorted), the power at each and its Monte Carlo standard error.
    n_rejected : numpy.ndarray
        Simulations that rejected, at each effect.
    n_sims : int
        Simulations at each effect (the same data sets at every effect).
    alpha : float
        Level of the test.
    target_power : float
        The power of the MDE (NaN for a curve without one).
    mde : float
        The minimum detectable effect at ``target_power``: by bisection
        (:func:`~effekt.power.minimum_detectable_effect`) or read off the grid by linear
        interpolation (:func:`~effekt.power.power_curve`); NaN when not reached.
    mde_mc_se : float
        Approximate Monte Carlo standard error of the MDE (bisection only; NaN otherwise).
    mde_method : str
        ``"bisection"``, ``"interpolation"``, ``"not reached"`` or ``"none"``.
    mean_estimate, sd_estimate, mean_std_error : numpy.ndarray
        As in :class:`PowerResult`, at each effect.
    estimator, inference : str
        The estimator and the test, in words.
    """

    effect: np.ndarray
    power: np.ndarray
    mc_se: np.ndarray
    n_rejected: np.ndarray
    n_sims: int
    alpha: float
    target_power: float
    mde: float
    mde_mc_se: float
    mde_method: str
    mean_estimate: np.ndarray = field(repr=False)
    sd_estimate: np.ndarray = field(repr=False)
    mean_std_error: np.ndarray = field(repr=False)
    estimator: str = ""
    inference: str = ""

    @property
    def estimand(self) -> str:
        """What is estimated, in words."""
        return _estimand(self.alpha) + ", at each effect; and the smallest effect with " \
            "the target power (the MDE)"

    def at(self, index: int) -> PowerResult:
        """Return the power at the ``index``-th effect as a :class:`PowerResult`."""
        return PowerResult(
            effect=float(self.effect[index]), power=float(self.power[index]),
            mc_se=float(self.mc_se[index]), n_rejected=int(self.n_rejected[index]),
            n_sims=self.n_sims, alpha=self.alpha,
            mean_estimate=float(self.mean_estimate[index]),
            sd_estimate=float(self.sd_estimate[index]),
            mean_std_error=float(self.mean_std_error[index]),
            estimator=self.estimator, inference=self.inference)

    def to_frame(self) -> pd.DataFrame:
        """One row per effect: ``effect``, ``power``, ``mc_se``, interval, counts, estimates."""
        return pd.concat([self.at(i).to_frame() for i in range(len(self.effect))],
                         ignore_index=True)

    def summary(self) -> str:
        """Return the deterministic text summary."""
        head = [
            "Power curve by simulation",
            f"Estimand:  {self.estimand}",
            f"Estimator: {self.estimator}",
            f"Inference: {self.inference}",
            f"Simulations per effect: {self.n_sims} (the same data at every effect)",
        ]
        if math.isfinite(self.target_power):
            if math.isfinite(self.mde):
                se = (f" (Monte Carlo SE {self.mde_mc_se:.3g})"
                      if math.isfinite(self.mde_mc_se) else "")
                head.append(f"MDE at {self.target_power:.0%} power: {self.mde:.4g}{se}, by "
                            f"{self.mde_method}")
            else:
                head.append(f"MDE at {self.target_power:.0%} power: not reached on the "
                            "effects simulated")
        table = self.to_frame()[["effect", "power", "mc_se", "n_rejected", "mean_estimate",
                                 "mean_std_error"]].set_index("effect")
        return "\n".join(head) + "\n\n" + format_table(table, integers=["n_rejected"])

    def plot(self, ax: Any = None) -> Any:
        """Draw the power curve, its 95 % Monte Carlo band, the target line and the MDE.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, optional
            Where to draw; a new figure when omitted.

        Returns
        -------
        matplotlib.figure.Figure
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 4))
        x, p, se = self.effect, self.power, self.mc_se
        ax.fill_between(x, np.clip(p - _Z * se, 0, 1), np.clip(p + _Z * se, 0, 1),
                        alpha=0.25, linewidth=0, label="95 % Monte Carlo band")
        ax.plot(x, p, "o-", label="power")
        if math.isfinite(self.target_power):
            ax.axhline(self.target_power, color="grey", linestyle="--", linewidth=1,
                       label=f"{self.target_power:.0%} power")
        if math.isfinite(self.mde):
            ax.axvline(self.mde, color="black", linestyle=":", linewidth=1,
                       label=f"MDE {self.mde:.3g}")
        ax.axhline(self.alpha, color="grey", linestyle=":", linewidth=1)
        ax.set_ylim(0, 1)
        ax.set_xlabel("true effect")
        ax.set_ylabel("power")
        ax.legend(loc="lower right", fontsize="small")
        return figure_of(ax)
