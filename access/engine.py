"""The travel-time engine's public names in one place (a façade; no code lives here).

- :mod:`access.queries` - :func:`nearest_centre`, :func:`coverage_matrix`,
  :func:`travel_matrix`, :func:`snap_to_network` (region-level adapters);
- :mod:`access.routes` - :func:`route`, :func:`routes`, :func:`isochrones`;
- :mod:`access.core` - the array core they run: prepare -> search -> combine;
- :mod:`access.search` - :func:`multi_source_dijkstra`, :func:`bounded_one_to_many` on CSR
  arrays, over the numba kernels of :mod:`access.kernels`;
- :mod:`access.attach` - seeds and shortcut pairs of snapped points, and the flags;
- :mod:`access.context` - a region's compiled graph, metric CRS and snapping, memoised.

Examples
--------
>>> from access.engine import TravelSettings, nearest_centre  # doctest: +SKIP
>>> nearest_centre(region, settings=TravelSettings(mode="walk"))  # doctest: +SKIP
"""

from __future__ import annotations

from access.attach import FLAG_FAR_FROM_ROAD, FLAG_NO_ROAD, FLAG_ROAD_ISLAND, FLAG_UNREACHABLE
from access.queries import (
    TravelMatrix,
    coverage_matrix,
    nearest_centre,
    snap_to_network,
    travel_matrix,
)
from access.routes import Route, isochrones, route, routes
from access.search import (
    OneToMany,
    Seeds,
    ShortestPaths,
    bounded_one_to_many,
    multi_source_dijkstra,
)
from access.speeds import TravelSettings

__all__ = [
    "FLAG_FAR_FROM_ROAD",
    "FLAG_NO_ROAD",
    "FLAG_ROAD_ISLAND",
    "FLAG_UNREACHABLE",
    "OneToMany",
    "Route",
    "Seeds",
    "ShortestPaths",
    "TravelMatrix",
    "TravelSettings",
    "bounded_one_to_many",
    "coverage_matrix",
    "isochrones",
    "multi_source_dijkstra",
    "nearest_centre",
    "route",
    "routes",
    "snap_to_network",
    "travel_matrix",
]
