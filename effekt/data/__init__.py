"""The forløp data model: record tables, trajectories (forløp) and unit × period panels."""

from effekt.data._common import sector_columns
from effekt.data.panel import panel
from effekt.data.schema import TABLES
from effekt.data.store import RecordStore
from effekt.data.trajectories import (
    DEFAULT_RULES,
    TYPE_LABELS,
    UNTYPED,
    TrajectoryRule,
    trajectories,
)

__all__ = ["DEFAULT_RULES", "TABLES", "TYPE_LABELS", "UNTYPED", "RecordStore", "TrajectoryRule",
           "panel", "sector_columns", "trajectories"]
