"""Read the road graph of an OpenStreetMap file.

Reads ``.osm.pbf`` and OSM XML (``.osm``, ``.osm.bz2``, ``.osm.gz``) with pyosmium in one
pass per layer, then builds tables with numpy and shapely 2 array functions.

Road graph
----------
By default every OSM node on a kept way is a graph node (``simplify=False``): edges are
the straight segments between consecutive way nodes. This keeps snapping of settlements to
the network precise and matches the node counts quoted for OSM extracts. With
``simplify=True`` only junctions (nodes shared by two or more way positions) and way end
points become graph nodes and the shape points in between become the edge's LineString
geometry, as osmnx's ``simplify_graph`` does at way level. Lengths are identical either way
(sum of geodesic segment lengths on the WGS84 ellipsoid, haversine approximation).

Each edge row is one segment ``u -> v``. ``oneway`` is true when vehicles may travel only
``u -> v``: ``oneway=yes/true/1``, ``oneway=-1/reverse`` (the segment is reversed so that
``u -> v`` is the legal direction), ``junction=roundabout/circular`` and
``highway=motorway/motorway_link`` (implied, unless ``oneway=no``).
``oneway=reversible/alternating`` is kept as two-way and counted in the report.

What is dropped, and why, is returned as a :class:`RoadReadReport` (ways counted per reason).
"""

from __future__ import annotations

import logging
import os
import time
from array import array
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import osmium
import shapely
from shapely.geometry.base import BaseGeometry

from geodata.errors import DataFileError
from geodata.osm.files import check_osm_file, guarded
from geodata.osm.graph import WayPieces, build_graph
from geodata.osm.tags import parse_maxspeed
from geodata.region import RoadNetwork

__all__ = [
    "DRIVE_CLASSES",
    "EXCLUDED_CLASSES",
    "WALK_ONLY_CLASSES",
    "Network",
    "RoadReadReport",
    "read_osm_roads",
    "read_osm_roads_with_report",
]

log = logging.getLogger(__name__)

#: Highway classes vehicles (car, motorbike) may use.
DRIVE_CLASSES = frozenset(
    {
        "motorway",
        "motorway_link",
        "trunk",
        "trunk_link",
        "primary",
        "primary_link",
        "secondary",
        "secondary_link",
        "tertiary",
        "tertiary_link",
        "unclassified",
        "residential",
        "living_street",
        "service",
        "track",
        "road",
    }
)
#: Highway classes kept for walking only; the travel engine filters them per mode.
WALK_ONLY_CLASSES = frozenset({"path", "footway", "pedestrian", "steps", "cycleway", "bridleway"})
#: Classes never travelled (not built yet, gone, or not a road).
EXCLUDED_CLASSES = frozenset(
    {
        "construction",
        "proposed",
        "abandoned",
        "disused",
        "razed",
        "planned",
        "raceway",
        "rest_area",
        "services",
        "corridor",
        "elevator",
        "platform",
        "bus_stop",
        "bus_guideway",
        "escape",
        "busway",
    }
)
_NO_WALK = frozenset({"motorway", "motorway_link"})
_IMPLIED_ONEWAY = frozenset({"motorway", "motorway_link"})
_ONEWAY_YES = frozenset({"yes", "true", "1"})
_ONEWAY_REVERSE = frozenset({"-1", "reverse"})
_ONEWAY_NO = frozenset({"no", "false", "0"})
_ONEWAY_REVERSIBLE = frozenset({"reversible", "alternating"})
_ACCESS_DROP = frozenset({"private", "no"})
_X_MAX, _Y_MAX = 1_800_000_000, 900_000_000  # valid fixed-point coordinates (libosmium)

Network = Literal["all", "drive", "walk"]


@dataclass(frozen=True)
class RoadReadReport:
    """What :func:`read_osm_roads_with_report` read, kept and dropped.

    Attributes
    ----------
    source
        The file read.
    ways_read
        Ways with a ``highway`` tag in the file.
    ways_kept
        Ways that made it into the graph (at least partly).
    dropped
        Ways dropped, counted per reason, e.g. ``{"access=private": 12,
        "highway=construction": 35, "outside boundary": 40}``. ``outside boundary`` counts
        edges, not ways.
    nodes, edges
        Size of the graph returned.
    reversed_ways
        Ways tagged ``oneway=-1`` whose segments were reversed.
    twoway_reversible
        Ways tagged ``oneway=reversible/alternating`` kept as two-way.
    ways_missing_nodes
        Ways referencing nodes absent from the file (cut by the extract); split there.
    simplified
        Whether shape points were folded into edge geometry.
    seconds
        Wall time of the read.
    """

    source: str
    ways_read: int
    ways_kept: int
    dropped: Mapping[str, int]
    nodes: int
    edges: int
    reversed_ways: int
    twoway_reversible: int
    ways_missing_nodes: int
    simplified: bool
    seconds: float

    def lines(self) -> list[str]:
        """Human-readable summary lines (for logs and the CLI)."""
        out = [
            f"roads from {self.source}: {self.ways_kept:,} of {self.ways_read:,} highway "
            f"ways kept; {self.nodes:,} nodes, {self.edges:,} edges "
            f"({'simplified' if self.simplified else 'all OSM nodes kept'}) "
            f"in {self.seconds:.1f} s",
        ]
        for reason, n in sorted(self.dropped.items(), key=lambda kv: -kv[1]):
            out.append(
                f"  dropped {n:,} {'edges' if reason == 'outside boundary' else 'ways'}: {reason}"
            )
        if self.reversed_ways:
            out.append(f"  reversed {self.reversed_ways:,} oneway=-1 ways")
        if self.twoway_reversible:
            out.append(f"  kept {self.twoway_reversible:,} reversible oneway ways as two-way")
        if self.ways_missing_nodes:
            out.append(f"  {self.ways_missing_nodes:,} ways cut by the extract edge were split")
        return out


def read_osm_roads(
    path: str | os.PathLike[str],
    *,
    boundary: BaseGeometry | gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    network: Network = "all",
    simplify: bool = False,
) -> RoadNetwork:
    """Read the road graph of an OSM file.

    Same as :func:`read_osm_roads_with_report` without the report (which is logged at INFO).

    Parameters
    ----------
    path
        ``.osm.pbf``, ``.osm``, ``.osm.bz2`` or ``.osm.gz`` file.
    boundary
        Polygon in EPSG:4326 (or a GeoDataFrame/GeoSeries, reprojected to EPSG:4326 with a
        logged message). Edges touching it are kept whole; the rest are dropped.
    network
        ``"all"`` (roads and footpaths), ``"drive"`` (vehicle classes) or ``"walk"``
        (everything but motorways).
    simplify
        Fold shape points into edge geometry (see the module docstring).

    Returns
    -------
    RoadNetwork
        ``nodes`` (``node_id`` = OSM node id, Point) and ``edges`` (one row per segment).

    Raises
    ------
    DataFileError
        When the file is missing, empty, not OSM, truncated or has no usable roads, or when
        ``boundary`` does not overlap any road.

    Examples
    --------
    >>> roads = read_osm_roads("../shared/data/osm/i8.osm")  # doctest: +SKIP
    >>> roads.edges[["u", "v", "highway", "oneway", "length_m"]].head()  # doctest: +SKIP
    """
    roads, report = read_osm_roads_with_report(
        path, boundary=boundary, network=network, simplify=simplify
    )
    for line in report.lines():
        log.info(line)
    return roads


def read_osm_roads_with_report(
    path: str | os.PathLike[str],
    *,
    boundary: BaseGeometry | gpd.GeoDataFrame | gpd.GeoSeries | None = None,
    network: Network = "all",
    simplify: bool = False,
) -> tuple[RoadNetwork, RoadReadReport]:
    r"""Read the road graph of an OSM file and report what was dropped and why.

    Parameters are those of :func:`read_osm_roads`.

    Returns
    -------
    tuple of RoadNetwork and RoadReadReport

    Raises
    ------
    DataFileError
        See :func:`read_osm_roads`.

    Examples
    --------
    >>> roads, report = read_osm_roads_with_report("../shared/data/osm/i8.osm")  # doctest: +SKIP
    >>> print("\n".join(report.lines()))  # doctest: +SKIP
    """
    if network not in ("all", "drive", "walk"):
        raise ValueError(f"network must be 'all', 'drive' or 'walk', not {network!r}")
    t0 = time.perf_counter()
    src = check_osm_file(path)
    poly = _as_polygon(boundary) if boundary is not None else None
    ways = _read_highway_ways(src, network)
    if ways.n_kept == 0:
        raise DataFileError(
            f"{src}: no usable roads found ({ways.n_read} highway ways read, "
            f"dropped: {dict(ways.dropped) or 'none'}); check that the file covers your "
            "district and was exported with its ways (e.g. `osmium extract -s complete_ways`)"
        )
    dropped = Counter(ways.dropped)
    nodes, edges = build_graph(ways, simplify=simplify)
    if poly is not None:
        keep = shapely.intersects(edges.geometry.array, poly)
        n_out = int((~keep).sum())
        if n_out == len(edges):
            b = shapely.bounds(poly)
            raise DataFileError(
                f"{src}: the boundary (lon {b[0]:.3f}..{b[2]:.3f}, lat {b[1]:.3f}..{b[3]:.3f}) "
                "does not overlap any road in the file; use an OSM extract that covers it, or "
                "check that the boundary is in lon/lat (EPSG:4326)"
            )
        if n_out:
            dropped["outside boundary"] = n_out
            edges = edges.loc[keep].reset_index(drop=True)
            used = np.union1d(edges["u"].to_numpy(), edges["v"].to_numpy())
            nodes = nodes.loc[nodes["node_id"].isin(used).to_numpy()].reset_index(drop=True)
    report = RoadReadReport(
        source=str(src),
        ways_read=ways.n_read,
        ways_kept=ways.n_kept,
        dropped=dict(dropped),
        nodes=len(nodes),
        edges=len(edges),
        reversed_ways=ways.n_reversed,
        twoway_reversible=ways.n_reversible,
        ways_missing_nodes=ways.n_missing,
        simplified=simplify,
        seconds=time.perf_counter() - t0,
    )
    return RoadNetwork(nodes, edges), report


# ---------------------------------------------------------------------------------------


def _read_highway_ways(src: Path, network: Network) -> WayPieces:
    """The kept highway ways of ``src`` as pieces (runs of located nodes), with counts."""
    # 8-byte machine integers, not lists of Python ints (5 times the memory on a country)
    refs = array("q")
    lons = array("q")  # fixed-point, degrees x 10^7
    lats = array("q")
    starts = array("q")
    # one str object per distinct class, surface and name: a country's millions of per-way
    # copies would pin the small-object arenas of transient node objects (freed memory the
    # process cannot give back)
    shared: dict[str, str] = {}
    w = WayPieces(
        np.empty(0, np.int64),
        np.empty(0),
        np.empty(0),
        np.empty(0, np.int64),
        [],
        [],
        [],
        [],
        [],
        [],
        [],
    )
    maxspeeds = array("d")
    way_ids = array("q")
    fp = (
        osmium.FileProcessor(str(src), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    n_objects = 0
    for obj in guarded(fp, src):
        n_objects += 1
        if not obj.is_way():
            continue
        tags = obj.tags
        hw = tags.get("highway")
        w.n_read += 1
        reason = _drop_reason(hw, tags, network)
        if reason is not None:
            w.dropped[reason] += 1
            continue
        ow_tag = (tags.get("oneway") or "").strip().lower()
        reverse = ow_tag in _ONEWAY_REVERSE
        if ow_tag in _ONEWAY_YES or reverse:
            oneway = True
        elif ow_tag in _ONEWAY_NO:
            oneway = False
        elif ow_tag in _ONEWAY_REVERSIBLE:
            oneway = False
            w.n_reversible += 1
        else:
            oneway = hw in _IMPLIED_ONEWAY or tags.get("junction") in ("roundabout", "circular")
        pieces, missing = _located_pieces(obj.nodes)
        w.n_missing += missing
        if not pieces:
            w.dropped["fewer than 2 located nodes"] += 1
            continue
        w.n_kept += 1
        w.n_reversed += reverse
        hw = shared.setdefault(hw, hw)
        surface = tags.get("surface")
        surface = shared.setdefault(surface, surface) if surface is not None else None
        maxspeed = parse_maxspeed(tags.get("maxspeed"))
        bridge = tags.get("bridge", "no") not in ("no", "false", "0")
        name = tags.get("name") or tags.get("name:en") or tags.get("ref")
        name = shared.setdefault(name, name) if name is not None else None
        for pr, plo, pla in pieces:
            if reverse:
                pr, plo, pla = pr[::-1], plo[::-1], pla[::-1]
            starts.append(len(refs))
            refs.extend(pr)
            lons.extend(plo)
            lats.extend(pla)
            w.highway.append(hw)
            w.oneway.append(oneway)
            w.surface.append(surface)
            maxspeeds.append(maxspeed)
            w.bridge.append(bridge)
            w.name.append(name)
            way_ids.append(obj.id)
    if n_objects == 0:
        raise DataFileError(
            f"{src}: contains no OSM nodes or ways with a highway tag; it is empty or not "
            "an OSM extract of a populated area"
        )
    w.refs = np.frombuffer(refs, dtype=np.int64).copy()
    w.lon = np.frombuffer(lons, dtype=np.int64) / 1e7
    w.lat = np.frombuffer(lats, dtype=np.int64) / 1e7
    w.starts = np.frombuffer(starts, dtype=np.int64).copy()
    w.maxspeed, w.osm_way = maxspeeds, way_ids
    return w


def _located_pieces(
    nodes: Any,
) -> tuple[list[tuple[list[int], list[int], list[int]]], bool]:
    """Runs of at least 2 located nodes (an extract may cut a way); whether any is not.

    Coordinates are libosmium's fixed-point integers (degrees x 10^7; ``Location.lon`` is
    exactly ``x / 1e7``). The common case (every node located) takes a few list
    comprehensions; the per-node loop runs only for ways the extract cuts.
    """
    nds = list(nodes)
    locs = [nd.location for nd in nds]
    xs = [loc.x for loc in locs]
    ys = [loc.y for loc in locs]
    refs = [nd.ref for nd in nds]
    if xs and min(xs) >= -_X_MAX and max(xs) <= _X_MAX and -_Y_MAX <= min(ys) <= max(ys) <= _Y_MAX:
        return ([(refs, xs, ys)] if len(refs) >= 2 else []), False
    pieces: list[tuple[list[int], list[int], list[int]]] = []
    piece: tuple[list[int], list[int], list[int]] = ([], [], [])
    for ref, x, y in zip(refs, xs, ys, strict=True):
        if -_X_MAX <= x <= _X_MAX and -_Y_MAX <= y <= _Y_MAX:  # Location.valid()
            piece[0].append(ref)
            piece[1].append(x)
            piece[2].append(y)
        else:
            if len(piece[0]) >= 2:
                pieces.append(piece)
            piece = ([], [], [])
    if len(piece[0]) >= 2:
        pieces.append(piece)
    return pieces, bool(nds)


def _drop_reason(hw: str | None, tags: Any, network: Network) -> str | None:
    """Why a highway way is dropped from ``network`` (None: it is kept)."""
    if hw is None:
        return "no highway tag"
    if hw in EXCLUDED_CLASSES:
        return f"highway={hw}"
    if hw not in DRIVE_CLASSES and hw not in WALK_ONLY_CLASSES:
        return f"highway={hw} (not a road class)"
    if tags.get("area") == "yes":
        return "area=yes"
    access = tags.get("access")
    if access in _ACCESS_DROP:
        return f"access={access}"
    if network == "drive" and hw in WALK_ONLY_CLASSES:
        return f"highway={hw} (not in network 'drive')"
    if network == "walk" and (hw in _NO_WALK or tags.get("foot") == "no"):
        return f"highway={hw} (not in network 'walk')" if hw in _NO_WALK else "foot=no"
    return None


def _as_polygon(boundary: BaseGeometry | gpd.GeoDataFrame | gpd.GeoSeries) -> BaseGeometry:
    """A prepared lon/lat polygon of a boundary geometry or layer; refuses anything else."""
    if isinstance(boundary, gpd.GeoDataFrame | gpd.GeoSeries):
        if boundary.crs is None:
            raise DataFileError("the boundary layer has no CRS; set one (e.g. EPSG:4326) first")
        if not boundary.crs.equals("EPSG:4326"):
            log.info("reprojecting the boundary from %s to EPSG:4326", boundary.crs.to_string())
            boundary = boundary.to_crs("EPSG:4326")
        geom = shapely.union_all(boundary.geometry.array)
    else:
        geom = boundary
    if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
        kind = "empty" if geom is None or geom.is_empty else geom.geom_type
        raise DataFileError(f"the boundary must be a polygon in EPSG:4326, got {kind}")
    b = geom.bounds
    if b[0] < -180 or b[2] > 180 or b[1] < -90 or b[3] > 90:
        raise DataFileError(
            "the boundary's coordinates are outside lon/lat range; it is probably projected: "
            "reproject it to EPSG:4326 first"
        )
    shapely.prepare(geom)
    return geom
