"""The effect register: pooling effects measured in several places or studies.

:func:`random_effects` pools estimates with their standard errors in a random-effects
meta-analysis (REML or DerSimonian-Laird), with results matching R metafor's ``rma``.
"""

from effekt.register.pooling import PoolingMethod, RandomEffectsResult, random_effects

__all__ = ["PoolingMethod", "RandomEffectsResult", "random_effects"]
