"""Power and minimum detectable effect by simulation.

Each simulation draws one data set from a design (:class:`~effekt.power.SyntheticDesign`
or a real panel with placebo starts, :class:`~effekt.power.PlaceboDesign`), plants the
effect on the treated cells (``y + effect × d``), runs the estimator, and tests at level
``alpha`` with the chosen inference; the power is the share of simulations that reject,
with its Monte Carlo standard error ``sqrt(p (1 - p) / n_sims)``. This is the
"declare, diagnose" logic of DeclareDesign (Blair, Cooper, Coppock & Humphreys 2019,
*American Political Science Review* 113(3)), for effekt's own estimators and inference.

**Common random numbers.** Simulation ``i`` uses the same data and the same random
inference draws at every effect size (its seeds are spawned from ``seed`` by
:class:`numpy.random.SeedSequence`), so the power curve is smooth in the effect and the
bisection for the MDE is stable: the curve moves only because the planted effect does.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from effekt._checks import check_choice, check_integer, check_number, check_rng
from effekt.errors import DataError, NotEstimableError, SpecError
from effekt.estimators import att_gt, did_2x2, rct, twfe
from effekt.power.analytic import mde_multiplier
from effekt.power.designs import COLUMNS
from effekt.power.results import PowerCurve, PowerResult

__all__ = ["Estimator", "minimum_detectable_effect", "power_curve", "simulate_power"]

Estimator = Literal["did_2x2", "twfe", "att_gt", "rct"]
"""The built-in estimators, run on a draw's standard columns, clustered by ``cluster``."""

_WHAT = {
    "did_2x2": "did_2x2 (treated x post), clustered by cluster",
    "twfe": "twfe (unit and period effects, treatment d), clustered by cluster",
    "att_gt": "att_gt (Callaway-Sant'Anna, never-treated controls), simple aggregate, "
              "clustered by cluster",
    "rct": "rct (difference in means in the post periods), clustered by cluster",
}


def _fit(estimator: Any, data: pd.DataFrame, se: str | None,
         options: Mapping[str, Any]) -> Any:
    """Run the estimator on one draw; the built-ins on the standard columns."""
    if callable(estimator):
        return estimator(data)
    opts = dict(options)
    if se is not None:
        opts["se"] = se
    if estimator == "did_2x2":
        return did_2x2(data, "y", "unit", "time", "treated", "post", cluster="cluster", **opts)
    if estimator == "twfe":
        return twfe(data, "y", "unit", "time", "d", cluster="cluster", **opts)
    if estimator == "att_gt":
        return att_gt(data, "y", "unit", "time", "cohort", cluster="cluster",
                      **opts).aggregate("simple")
    return rct(data[data["post"] == 1], "y", "treated", cluster="cluster", **opts)


def _test_row(result: Any) -> tuple[float, float, float]:
    """Return the estimate, standard error and p-value of the one estimate a result tests."""
    table = getattr(result, "table", None)
    if isinstance(table, pd.DataFrame) and "lin_ancova" in table.index:
        row = table.loc["lin_ancova"]        # rct with covariates: Lin's estimator
    elif isinstance(table, pd.DataFrame) and "difference_in_means" in table.index:
        row = table.loc["difference_in_means"]
    else:
        frame = result.to_frame() if hasattr(result, "to_frame") else None
        if frame is None or len(frame) != 1:
            raise SpecError(
                "the estimator's result must have one estimate (a to_frame() of one row) "
                f"to test; got {type(result).__name__} with "
                f"{'no to_frame()' if frame is None else f'{len(frame)} rows'}. Return the "
                "one result to test (e.g. an aggregate), or pass inference= a function "
                "(result, rng) -> p-value.")
        row = frame.iloc[0]
    return float(row["estimate"]), float(row["std_error"]), float(row["p_value"])


def _check_inference(estimator: Any, inference: Any) -> tuple[str | None, Callable | None]:
    if inference is None:
        return None, None
    if isinstance(inference, str):
        if callable(estimator):
            raise SpecError(f"inference={inference!r} (a standard error type) works with the "
                            "built-in estimators only; with your own estimator function, "
                            "choose the standard error inside it.")
        return inference, None
    if callable(inference):
        return None, inference
    raise SpecError(f"inference must be None, a standard error type passed to the estimator "
                    f"as se= (e.g. 'CR2'), or a function (result, rng) -> p-value; got "
                    f"{inference!r}.")


def _seeds(seed: Any, n_sims: int) -> list[tuple[np.random.SeedSequence, ...]]:
    """Two seed sequences per simulation (data, inference), the same at every effect."""
    entropy = int(check_rng(seed).integers(0, 2**63 - 1))
    return [tuple(s.spawn(2)) for s in np.random.SeedSequence(entropy).spawn(n_sims)]


class _Runner:
    """The loop of a simulation: draws, planted effects, fits and tests."""

    def __init__(self, design: Any, *, estimator: Any, inference: Any,
                 estimator_options: Mapping[str, Any] | None, n_sims: int, alpha: float,
                 seed: Any) -> None:
        if not callable(getattr(design, "draw", None)):
            raise SpecError("design must be a SyntheticDesign, a PlaceboDesign or an object "
                            f"with a draw(rng) method; got {type(design).__name__}.")
        if not callable(estimator):
            check_choice("estimator", estimator, Estimator)
        if estimator_options is not None and not isinstance(estimator_options, Mapping):
            raise SpecError("estimator_options must be a mapping of keyword arguments, got "
                            f"{estimator_options!r}.")
        if callable(estimator) and estimator_options:
            raise SpecError("estimator_options go to the built-in estimators; with your own "
                            "estimator function, set them inside it.")
        self.se, self.p_of = _check_inference(estimator, inference)
        self.design, self.estimator = design, estimator
        self.options = dict(estimator_options or {})
        self.n_sims = check_integer("n_sims", n_sims, minimum=2)
        self.alpha = float(check_number("alpha", alpha, low=0, high=1, low_open=True,
                                        high_open=True))
        self.seeds = _seeds(seed, self.n_sims)
        self.words = ""       # the first result's own words for its inference

    def describe(self) -> tuple[str, str]:
        est = (getattr(self.estimator, "__name__", "a user function")
               if callable(self.estimator) else _WHAT[self.estimator])
        if self.p_of is not None:
            inf = f"p-value from {getattr(self.p_of, '__name__', 'a user function')}"
        else:
            inf = "the estimator's test" + ("" if self.se is None else f" with se={self.se!r}")
            if self.words:
                inf += f" (in the first simulation: {self.words})"
        return est, f"{inf}; two-sided, reject when p <= {self.alpha:g}"

    def _draw(self, i: int) -> pd.DataFrame:
        data = self.design.draw(np.random.default_rng(self.seeds[i][0]))
        missing = [c for c in COLUMNS if c not in getattr(data, "columns", ())]
        if missing:
            raise SpecError(f"design.draw returned no column(s) {missing}; a draw has the "
                            f"columns {list(COLUMNS)}.")
        return data

    def _one(self, i: int, data: pd.DataFrame, effect: float) -> tuple[float, float, float]:
        planted = data if effect == 0 else data.assign(y=data["y"] + effect * data["d"])
        where = f"simulation {i + 1} of {self.n_sims} (effect {effect:g})"
        try:
            result = _fit(self.estimator, planted, self.se, self.options)
        except TypeError as exc:
            if callable(self.estimator) or "keyword argument" not in str(exc):
                raise
            raise SpecError(f"estimator={self.estimator!r} does not take these options "
                            f"({exc}); check inference= and estimator_options=.") from exc
        except (DataError, NotEstimableError) as exc:
            raise type(exc)(f"{where}: {exc}") from exc
        if not self.words and isinstance(getattr(result, "inference", None), str):
            self.words = result.inference
        if self.p_of is None:
            est, se, p = _test_row(result)
        else:
            est, se, _ = _safe_row(result)
            try:
                p = float(self.p_of(result, np.random.default_rng(self.seeds[i][1])))
            except (DataError, NotEstimableError) as exc:
                raise type(exc)(f"{where}: {exc}") from exc
        if not (math.isfinite(p) and 0 <= p <= 1):
            raise NotEstimableError(f"{where}: the p-value is {p!r}, not a number in [0, 1].")
        return est, se, p

    def run(self, effects: Sequence[float]) -> dict[str, np.ndarray]:
        """Reject indicators, estimates and standard errors: n_sims × len(effects)."""
        k = len(effects)
        out = {name: np.full((self.n_sims, k), np.nan)
               for name in ("reject", "estimate", "std_error")}
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            for i in range(self.n_sims):
                data = self._draw(i)
                for j, effect in enumerate(effects):
                    est, se, p = self._one(i, data, float(effect))
                    out["reject"][i, j] = p <= self.alpha
                    out["estimate"][i, j], out["std_error"][i, j] = est, se
        caught: dict[tuple[type, str], int] = {}
        for w in seen:
            key = (w.category, str(w.message))
            caught[key] = caught.get(key, 0) + 1
        for (category, message), count in caught.items():
            warnings.warn(f"{message} (in {count} fits of the simulation)", category,
                          stacklevel=3)
        return out


def _safe_row(result: Any) -> tuple[float, float, float]:
    """Return the test row when there is one; else NaN estimate and SE (p comes elsewhere)."""
    try:
        return _test_row(result)
    except SpecError:
        return math.nan, math.nan, math.nan


def _effects(effects: Any) -> list[float]:
    if isinstance(effects, str) or not isinstance(effects, Sequence | np.ndarray) or len(
            effects) == 0:
        raise SpecError(f"effects must be a non-empty sequence of numbers, got {effects!r}.")
    vals = [float(check_number("effects (each)", e)) for e in effects]
    if len(set(vals)) != len(vals):
        raise SpecError(f"effects={vals!r} repeats a value; give each effect once.")
    return sorted(vals)


def _curve(runner: _Runner, effects: list[float], out: dict[str, np.ndarray],
           target: float, mde: float, mde_se: float, method: str) -> PowerCurve:
    est, inf = runner.describe()
    rej = out["reject"]
    power = rej.mean(axis=0)
    return PowerCurve(
        effect=np.asarray(effects, dtype=float), power=power,
        mc_se=np.sqrt(power * (1 - power) / runner.n_sims),
        n_rejected=rej.sum(axis=0).astype(int), n_sims=runner.n_sims, alpha=runner.alpha,
        target_power=target, mde=mde, mde_mc_se=mde_se, mde_method=method,
        mean_estimate=np.nanmean(out["estimate"], axis=0) if np.isfinite(
            out["estimate"]).any() else np.full(len(effects), np.nan),
        sd_estimate=np.nanstd(out["estimate"], axis=0, ddof=1) if np.isfinite(
            out["estimate"]).any() else np.full(len(effects), np.nan),
        mean_std_error=np.nanmean(out["std_error"], axis=0) if np.isfinite(
            out["std_error"]).any() else np.full(len(effects), np.nan),
        estimator=est, inference=inf)


def simulate_power(design: Any, *, effect: float, estimator: Estimator | Callable = "did_2x2",
                   inference: str | Callable | None = None,
                   estimator_options: Mapping[str, Any] | None = None, n_sims: int = 500,
                   alpha: float = 0.05, seed: int | np.random.Generator | None = 0
                   ) -> PowerResult:
    """Return the power to detect ``effect`` by simulation, with its Monte Carlo error.

    Parameters
    ----------
    design : SyntheticDesign, PlaceboDesign or an object with ``draw(rng)``
        The data: a synthetic panel (clusters, units per cluster, periods, adoption
        waves, variance components) or a real panel with placebo starts.
    effect : float
        The true effect planted on the treated cells (in the outcome's unit).
    estimator : {"did_2x2", "twfe", "att_gt", "rct"} or callable
        A built-in estimator, run on the draw's columns and clustered by ``cluster``
        (``did_2x2`` on treated × post; ``twfe`` on ``d``; ``att_gt`` with never-treated
        controls and the ``simple`` aggregate; ``rct``: difference in means of the rows
        with ``post == 1``), or a function ``data -> result`` with one estimate in its
        ``to_frame()``.
    inference : str or callable, optional
        None: the estimator's own test. A string: passed to the built-in estimator as
        ``se=`` (``"CR1"``, ``"CR2"`` … whatever it takes). A function
        ``(result, rng) -> p-value`` (e.g. a wild cluster bootstrap); ``rng`` is a
        Generator seeded per simulation, the same at every effect size.
    estimator_options : mapping, optional
        Further keywords for the built-in estimator (``covariates``, ``control`` …).
    n_sims : int
        Simulations (the Monte Carlo SE of a power of 0.8 is 0.018 at 500).
    alpha : float
        Level of the two-sided test, in (0, 1): a simulation rejects when ``p <= alpha``.
    seed : int or numpy.random.Generator, optional
        Same seed, same numbers (default 0).

    Returns
    -------
    PowerResult

    Raises
    ------
    SpecError
        A bad design, estimator, inference, option, ``n_sims`` or ``alpha``.
    NotEstimableError, DataError
        When the estimator fails on a draw (the message names the simulation).

    Examples
    --------
    >>> from effekt.power import SyntheticDesign
    >>> d = SyntheticDesign(n_clusters=20, cluster_size=5, periods=2, icc=0.1)
    >>> r = simulate_power(d, effect=0.5, n_sims=20, seed=1)
    >>> r.n_sims, bool(0 <= r.power <= 1)
    (20, True)
    """
    runner = _Runner(design, estimator=estimator, inference=inference,
                     estimator_options=estimator_options, n_sims=n_sims, alpha=alpha,
                     seed=seed)
    eff = float(check_number("effect", effect))
    curve = _curve(runner, [eff], runner.run([eff]), math.nan, math.nan, math.nan, "none")
    return curve.at(0)


def power_curve(design: Any, *, effects: Sequence[float],
                estimator: Estimator | Callable = "did_2x2",
                inference: str | Callable | None = None,
                estimator_options: Mapping[str, Any] | None = None, n_sims: int = 500,
                alpha: float = 0.05, power: float = 0.8,
                seed: int | np.random.Generator | None = 0) -> PowerCurve:
    """Return the power at each of ``effects`` (common random numbers), and the MDE.

    The parameters are those of :func:`simulate_power`; ``effects`` is the grid (each
    simulation's data are drawn once and used at every effect). The MDE is read off the
    curve by linear interpolation where it first reaches ``power`` (NaN when it does not
    within the grid).

    Returns
    -------
    PowerCurve

    Examples
    --------
    >>> from effekt.power import SyntheticDesign
    >>> d = SyntheticDesign(n_clusters=20, cluster_size=5, periods=2, icc=0.1)
    >>> c = power_curve(d, effects=[0, 0.5, 1.0], n_sims=20, seed=1)
    >>> c.to_frame()["effect"].tolist()
    [0.0, 0.5, 1.0]
    """
    target = float(check_number("power", power, low=0, high=1, low_open=True,
                                high_open=True))
    runner = _Runner(design, estimator=estimator, inference=inference,
                     estimator_options=estimator_options, n_sims=n_sims, alpha=alpha,
                     seed=seed)
    effs = _effects(effects)
    out = runner.run(effs)
    pw = out["reject"].mean(axis=0)
    mde = math.nan
    for j in range(len(effs)):
        if pw[j] >= target:
            if j == 0:
                mde = effs[0]
            else:
                lo, hi = effs[j - 1], effs[j]
                mde = lo + (target - pw[j - 1]) / (pw[j] - pw[j - 1]) * (hi - lo)
            break
    return _curve(runner, effs, out, target, mde, math.nan,
                  "interpolation" if math.isfinite(mde) else "not reached")


def minimum_detectable_effect(design: Any, *, power: float = 0.8,
                              estimator: Estimator | Callable = "did_2x2",
                              inference: str | Callable | None = None,
                              estimator_options: Mapping[str, Any] | None = None,
                              n_sims: int = 500, alpha: float = 0.05,
                              seed: int | np.random.Generator | None = 0,
                              tol: float | None = None, max_iter: int = 20) -> PowerCurve:
    """Return the smallest effect detected with probability ``power``, by simulation.

    Bisection on the simulated power curve, with common random numbers (every
    evaluation uses the same simulated data sets and inference draws). The search starts
    at effect 0 (the test's size) and at ``M × sd`` (``M`` Bloom's normal multiplier,
    ``sd`` the simulated standard deviation of the estimator at 0), doubles until the
    power reaches ``power``, then halves the bracket until it is narrower than ``tol``
    (default 2 % of that ``sd``, well below the Monte Carlo error of the MDE) and
    interpolates linearly inside it. Positive effects are planted; the test is
    two-sided.

    The Monte Carlo standard error of the MDE is approximated by
    ``sqrt(p (1 - p) / n_sims) / slope``, with the slope of a normal power curve,
    ``φ(z_p) / sd``.

    Parameters
    ----------
    design, estimator, inference, estimator_options, n_sims, alpha, seed
        As in :func:`simulate_power`.
    power : float
        The power to reach, in (0, 1).
    tol : float, optional
        Width of the final bracket, in the outcome's unit.
    max_iter : int
        Most bisection steps.

    Returns
    -------
    PowerCurve
        Every effect evaluated, with ``mde`` and ``mde_mc_se``.

    Raises
    ------
    NotEstimableError
        When the size at effect 0 already reaches ``power``, the estimator does not
        vary, or the power stays below ``power`` up to 2⁸ times the first guess.

    Examples
    --------
    >>> from effekt.power import SyntheticDesign
    >>> d = SyntheticDesign(n_clusters=20, cluster_size=1, periods=1, waves=[1])
    >>> c = minimum_detectable_effect(d, estimator="rct", n_sims=20, seed=3, tol=0.2)
    >>> bool(0.5 < c.mde < 2.0)
    True
    """
    target = float(check_number("power", power, low=0, high=1, low_open=True,
                                high_open=True))
    runner = _Runner(design, estimator=estimator, inference=inference,
                     estimator_options=estimator_options, n_sims=n_sims, alpha=alpha,
                     seed=seed)
    max_iter = check_integer("max_iter", max_iter, minimum=1)
    evaluated: dict[float, dict[str, np.ndarray]] = {}

    def at(effect: float) -> float:
        if effect not in evaluated:
            evaluated[effect] = runner.run([effect])
        return float(evaluated[effect]["reject"].mean())

    size = at(0.0)
    if size >= target:
        raise NotEstimableError(f"the test rejects in {size:.0%} of the simulations at effect "
                                f"0, already power={target:g}: the test does not hold its "
                                "level on this design; no MDE.")
    sd = float(np.nanstd(evaluated[0.0]["estimate"], ddof=1))
    if not (math.isfinite(sd) and sd > 0):
        raise NotEstimableError("the estimate does not vary over the simulations (or the "
                                "result has no estimate to scale the search); no MDE.")
    tol = 0.02 * sd if tol is None else float(check_number("tol", tol, low=0,
                                                           low_open=True))
    lo, hi = 0.0, mde_multiplier(alpha=runner.alpha, power=target) * sd
    for _ in range(8):
        if at(hi) >= target:
            break
        lo, hi = hi, 2 * hi
    else:
        raise NotEstimableError(f"the power stays below {target:g} up to effect {hi:g}; "
                                "no MDE within reach of this design.")
    for _ in range(max_iter):
        if hi - lo <= tol:
            break
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if at(mid) >= target else (mid, hi)
    p_lo, p_hi = at(lo), at(hi)
    mde = hi if p_hi <= p_lo else lo + (target - p_lo) / (p_hi - p_lo) * (hi - lo)
    slope = stats.norm.pdf(stats.norm.ppf(target)) / sd
    mde_se = math.sqrt(target * (1 - target) / runner.n_sims) / slope
    effs = sorted(evaluated)
    out = {k: np.column_stack([evaluated[e][k][:, 0] for e in effs])
           for k in ("reject", "estimate", "std_error")}
    return _curve(runner, effs, out, target, float(mde), mde_se, "bisection")

