"""The synthetic municipality: Bærum-like record tables with known planted effects.

>>> from effekt.synthetic import generate
>>> m = generate(seed=1, scale=0.01)
>>> m.params["scenario"], len(m.tables["measures"])
('default', 172)
"""

from effekt.synthetic.describe import describe
from effekt.synthetic.generate import TABLES, Municipality, generate, load, matches_folder, write
from effekt.synthetic.measures import SECTORS, TARGET_GROUPS
from effekt.synthetic.outcomes import OUTCOMES
from effekt.synthetic.pilots import HOLF_EFFECTS, SAMHANDLING_EFFECTS, HolfDesign, Scenario

__all__ = [
    "HOLF_EFFECTS",
    "OUTCOMES",
    "SAMHANDLING_EFFECTS",
    "SECTORS",
    "TABLES",
    "TARGET_GROUPS",
    "describe",
    "HolfDesign",
    "Municipality",
    "Scenario",
    "generate",
    "load",
    "matches_folder",
    "write",
]
