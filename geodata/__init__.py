"""Reading, validating and building regions (imports nothing else of ours)."""

from __future__ import annotations

from geodata.errors import (
    AccessGapError,
    CRSError,
    DataFileError,
    InfeasibleError,
    SchemaError,
    UnreachableError,
)
from geodata.region import Region, RoadNetwork, load_region, save_region, validate_region

__all__ = [
    "AccessGapError",
    "CRSError",
    "DataFileError",
    "InfeasibleError",
    "Region",
    "RoadNetwork",
    "SchemaError",
    "UnreachableError",
    "load_region",
    "save_region",
    "validate_region",
]
