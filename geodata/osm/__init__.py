"""Read OpenStreetMap files: the road graph, admin boundaries and place nodes.

Reads ``.osm.pbf`` and OSM XML (``.osm``, ``.osm.bz2``, ``.osm.gz``) with pyosmium in one
pass per layer, then builds tables with numpy and shapely 2 array functions.

* :mod:`geodata.osm.roads`: the road graph (:func:`read_osm_roads`), built from way pieces
  by :mod:`geodata.osm.graph`;
* :mod:`geodata.osm.boundaries`: province, district and tehsil polygons;
* :mod:`geodata.osm.places`: ``place=*`` nodes;
* :mod:`geodata.osm.tags`: tag values (:func:`parse_maxspeed`);
* :mod:`geodata.osm.files`: file checks and guarded reading shared by the readers.
"""

from __future__ import annotations

from geodata.osm.boundaries import BoundaryReadReport, read_osm_boundaries
from geodata.osm.files import OSM_SUFFIXES
from geodata.osm.places import PLACE_KINDS, read_osm_places
from geodata.osm.roads import (
    DRIVE_CLASSES,
    EXCLUDED_CLASSES,
    WALK_ONLY_CLASSES,
    Network,
    RoadReadReport,
    read_osm_roads,
    read_osm_roads_with_report,
)
from geodata.osm.tags import parse_maxspeed

__all__ = [
    "DRIVE_CLASSES",
    "EXCLUDED_CLASSES",
    "OSM_SUFFIXES",
    "PLACE_KINDS",
    "WALK_ONLY_CLASSES",
    "BoundaryReadReport",
    "Network",
    "RoadReadReport",
    "parse_maxspeed",
    "read_osm_boundaries",
    "read_osm_places",
    "read_osm_roads",
    "read_osm_roads_with_report",
]
