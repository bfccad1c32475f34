"""Travel times from settlements to registration centres over the road network.

Imports :mod:`geodata` only. See ``docs/travel_model.md`` for the model.

Examples
--------
>>> from access import TravelSettings, nearest_centre  # doctest: +SKIP
>>> nearest_centre(region, settings=TravelSettings(mode="motorbike", season="monsoon"))
... # doctest: +SKIP
"""

from __future__ import annotations

from access.attach import FLAG_FAR_FROM_ROAD, FLAG_NO_ROAD, FLAG_ROAD_ISLAND, FLAG_UNREACHABLE
from access.graph import CompiledGraph, clear_memory_cache, compile_graph, graph_key
from access.queries import (
    TravelMatrix,
    coverage_matrix,
    nearest_centre,
    snap_to_network,
    travel_matrix,
)
from access.routes import Route, isochrones, route
from access.search import (
    OneToMany,
    Seeds,
    ShortestPaths,
    bounded_one_to_many,
    multi_source_dijkstra,
)
from access.snapping import Snaps
from access.speeds import (
    MODES,
    SEASONS,
    Closures,
    SpeedProfile,
    TravelSettings,
    default_speed_profile,
    edge_speeds_kph,
    load_speed_profile,
)

__all__ = [
    "FLAG_FAR_FROM_ROAD",
    "FLAG_NO_ROAD",
    "FLAG_ROAD_ISLAND",
    "FLAG_UNREACHABLE",
    "MODES",
    "SEASONS",
    "Closures",
    "CompiledGraph",
    "OneToMany",
    "Route",
    "Seeds",
    "ShortestPaths",
    "Snaps",
    "SpeedProfile",
    "TravelMatrix",
    "TravelSettings",
    "bounded_one_to_many",
    "clear_memory_cache",
    "compile_graph",
    "coverage_matrix",
    "default_speed_profile",
    "edge_speeds_kph",
    "graph_key",
    "isochrones",
    "load_speed_profile",
    "multi_source_dijkstra",
    "nearest_centre",
    "route",
    "snap_to_network",
    "travel_matrix",
]
