"""Power and minimum detectable effects for a planned or running pilot.

- by simulation (:mod:`~effekt.power.simulation`): :func:`simulate_power` (the power at
  an effect, with its Monte Carlo error), :func:`power_curve` and
  :func:`minimum_detectable_effect` (bisection with common random numbers), for effekt's
  estimators and inference on a synthetic design (:class:`SyntheticDesign`: clusters,
  units per cluster, periods, adoption waves, variance components) or on a real panel
  with placebo starts (:class:`PlaceboDesign`); results in :mod:`~effekt.power.results`;
- analytic (:mod:`~effekt.power.analytic`), as a cross-check and for the study report:
  :func:`mde_from_se`, Bloom's (1995, 2005) MDEs of individually and cluster-randomised
  designs and the 2×2 DiD; Hussey & Hughes' (2007) stepped wedge in
  :mod:`~effekt.power.stepped_wedge`.
"""

from effekt.power.analytic import (
    mde_2x2,
    mde_cluster_randomised,
    mde_from_se,
    mde_individually_randomised,
    mde_multiplier,
    power_from_se,
)
from effekt.power.designs import Design, PlaceboDesign, SyntheticDesign
from effekt.power.results import PowerCurve, PowerResult
from effekt.power.simulation import (
    Estimator,
    minimum_detectable_effect,
    power_curve,
    simulate_power,
)
from effekt.power.stepped_wedge import (
    ClusterEffects,
    mde_stepped_wedge,
    stepped_wedge_design,
    stepped_wedge_variance,
)

__all__ = [
    "ClusterEffects",
    "Design",
    "Estimator",
    "PlaceboDesign",
    "PowerCurve",
    "PowerResult",
    "SyntheticDesign",
    "mde_2x2",
    "mde_cluster_randomised",
    "mde_from_se",
    "mde_individually_randomised",
    "mde_multiplier",
    "mde_stepped_wedge",
    "minimum_detectable_effect",
    "power_curve",
    "power_from_se",
    "simulate_power",
    "stepped_wedge_design",
    "stepped_wedge_variance",
]
