"""Read OpenStreetMap files: the road graph, admin boundaries and place nodes.

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
import math
import os
import re
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import osmium
import pandas as pd
import shapely
from shapely.errors import GEOSException
from shapely.geometry.base import BaseGeometry

from geodata.errors import DataFileError
from geodata.region import RoadNetwork

__all__ = [
    "DRIVE_CLASSES",
    "EXCLUDED_CLASSES",
    "OSM_SUFFIXES",
    "PLACE_KINDS",
    "WALK_ONLY_CLASSES",
    "BoundaryReadReport",
    "RoadReadReport",
    "parse_maxspeed",
    "read_osm_boundaries",
    "read_osm_places",
    "read_osm_roads",
    "read_osm_roads_with_report",
]

log = logging.getLogger(__name__)

OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.bz2", ".osm.gz", ".xml")

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

#: OSM ``place=*`` values read as settlements.
PLACE_KINDS = (
    "city",
    "town",
    "village",
    "hamlet",
    "suburb",
    "neighbourhood",
    "quarter",
    "locality",
    "isolated_dwelling",
)

_EARTH_RADIUS_M = 6_371_008.8

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


@dataclass(frozen=True)
class BoundaryReadReport:
    """Which admin boundary relations :func:`read_osm_boundaries` used or skipped.

    Attributes
    ----------
    source
        The file read.
    used
        ``(level, name, osm relation id)`` of each unit returned.
    skipped
        ``(reason, name, osm relation id)`` of each relation not used (not a district or
        tehsil, or its rings could not be assembled because the extract cuts it).
    """

    source: str
    used: tuple[tuple[str, str, int], ...] = field(default=())
    skipped: tuple[tuple[str, str, int], ...] = field(default=())

    def lines(self) -> list[str]:
        """Human-readable summary lines."""
        out = [f"boundaries from {self.source}: {len(self.used)} used, {len(self.skipped)} skipped"]
        out += [f"  {lvl}: {name} (relation {rid})" for lvl, name, rid in self.used]
        out += [f"  skipped {name} (relation {rid}): {why}" for why, name, rid in self.skipped]
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
    """Read the road graph of an OSM file and report what was dropped and why.

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
    >>> print("\\n".join(report.lines()))  # doctest: +SKIP
    """
    if network not in ("all", "drive", "walk"):
        raise ValueError(f"network must be 'all', 'drive' or 'walk', not {network!r}")
    t0 = time.perf_counter()
    src = _check_file(path)
    poly = _as_polygon(boundary) if boundary is not None else None
    ways = _read_highway_ways(src, network)
    if ways.n_kept == 0:
        raise DataFileError(
            f"{src}: no usable roads found ({ways.n_read} highway ways read, "
            f"dropped: {dict(ways.dropped) or 'none'}); check that the file covers your "
            "district and was exported with its ways (e.g. `osmium extract -s complete_ways`)"
        )
    dropped = Counter(ways.dropped)
    nodes, edges = _build_graph(ways, simplify=simplify)
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


def parse_maxspeed(value: str | float | None) -> float:
    """Parse an OSM ``maxspeed`` value to km/h; NaN when absent or not a number.

    Handles ``"60"``, ``"60 km/h"``, ``"60kmh"``, ``"40 mph"``, ``"10 knots"`` and lists
    ``"50;70"`` (mean, as osmnx does). ``"none"``, ``"walk"``, ``"signals"`` and zone codes
    such as ``"PK:urban"`` give NaN.

    Examples
    --------
    >>> parse_maxspeed("60"), parse_maxspeed("30 mph"), parse_maxspeed("none")
    (60.0, 48.28032, nan)
    """
    if value is None:
        return math.nan
    if isinstance(value, int | float):
        v = float(value)
        return v if math.isfinite(v) and v >= 0 else math.nan
    parts = [p for p in str(value).split(";") if p.strip()]
    speeds = [_parse_one_speed(p) for p in parts]
    good = [s for s in speeds if math.isfinite(s)]
    if not good or len(good) != len(speeds):
        return math.nan
    return float(sum(good) / len(good))


def read_osm_places(
    path: str | os.PathLike[str], *, kinds: Iterable[str] = PLACE_KINDS
) -> gpd.GeoDataFrame:
    """Read ``place=*`` nodes as points.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``osm_id`` (int), ``place``, ``name``, ``name_ur`` (``name:ur``, may be
        null), ``name_en`` (``name:en``, may be null), ``population`` (float, NaN when not
        tagged), geometry Point in EPSG:4326. Nodes without any name are skipped.

    Raises
    ------
    DataFileError
        When the file cannot be read (see :func:`read_osm_roads`).
    """
    src = _check_file(path)
    wanted = set(kinds)
    rows: list[dict[str, Any]] = []
    fp = osmium.FileProcessor(str(src), osmium.osm.NODE).with_filter(
        osmium.filter.KeyFilter("place")
    )
    for n in _guarded(fp, src):
        tags = n.tags
        kind = tags.get("place")
        name = tags.get("name") or tags.get("name:en") or tags.get("name:ur")
        if kind not in wanted or not name or not n.location.valid():
            continue
        rows.append(
            {
                "osm_id": n.id,
                "place": kind,
                "name": name,
                "name_ur": tags.get("name:ur"),
                "name_en": tags.get("name:en"),
                "population": _to_float(tags.get("population")),
                "lon": n.location.lon,
                "lat": n.location.lat,
            }
        )
    df = pd.DataFrame(
        rows,
        columns=["osm_id", "place", "name", "name_ur", "name_en", "population", "lon", "lat"],
    )
    geom = gpd.points_from_xy(df["lon"].astype(float), df["lat"].astype(float), crs="EPSG:4326")
    return gpd.GeoDataFrame(df.drop(columns=["lon", "lat"]), geometry=geom, crs="EPSG:4326")


def read_osm_boundaries(
    path: str | os.PathLike[str],
    *,
    anchors: Mapping[str, tuple[float, float]] | None = None,
) -> tuple[gpd.GeoDataFrame, BoundaryReadReport]:
    """Read province, district and tehsil boundaries from ``boundary=administrative`` relations.

    Pakistan's OSM admin levels are not used consistently (in the Islamabad extract of 2020
    Rawalpindi District is ``admin_level=4``, the Rawalpindi, Kahuta, Kotli Sattian and
    Murree tehsils ``5``, the Taxila and Fateh Jang tehsils ``4``, cantonments ``4``), so
    the level is taken from the name first: ``District``/``ضلع`` means district and
    ``Tehsil``/``تحصیل``/``Sub-Division`` means tehsil (in ``name``, ``name:en`` or
    ``name:ur``); ``admin_level=3`` (or ``border_type=province``) means province. Other
    relations (cantonments, cities, admin_level 8 neighbourhoods) are skipped and listed in
    the report.

    Complete relations are assembled with pyosmium's multipolygon assembler. Relations the
    extract cuts (member ways lying wholly outside it are missing) are rebuilt inside the
    extract's bounding box (the file header's box, else the box of its nodes): the box is
    split by the relation's own member ways into faces, and the face holding the unit's
    *anchor* is kept (for an anchor outside the box: the nearest face reachable without
    crossing the unit's known border). The anchor is the relation's ``admin_centre`` or
    ``label`` node if the file has it, else a place node of the file with the unit's name,
    else ``anchors[name]`` given by the caller (e.g. GeoNames towns). Parts lying in another
    province-level unit (e.g. Islamabad Capital Territory for a Punjab tehsil) are removed.
    Such units are marked ``partial=True``: their polygon is the unit's part inside the
    extract. Cut units without an anchor are skipped and listed in the report.

    Parameters
    ----------
    path
        OSM file.
    anchors
        Extra anchor points, ``{name: (lon, lat)}``; names are matched case- and
        punctuation-insensitively against the unit's cleaned name (``"Kahuta"``).

    Returns
    -------
    tuple of GeoDataFrame and BoundaryReadReport
        Columns ``level`` (province/district/tehsil), ``code`` (``"osm:r<id>"``), ``name``
        (English name with ``Tehsil``/``District`` words removed, e.g. ``"Kahuta"``),
        ``name_ur``, ``osm_id``, ``partial`` (bool), ``parent_code`` (null here; see
        :func:`geodata.build.build_region`), geometry (Multi)Polygon in EPSG:4326.

    Raises
    ------
    DataFileError
        When the file cannot be read.
    """
    src = _check_file(path)
    try:
        return _read_boundaries(src, anchors)
    except GEOSException as err:
        raise DataFileError(
            f"{src}: the admin boundary ways do not form usable polygons ({err}); the file is "
            "broken, or give the study area as a boundary file"
        ) from err


def _read_boundaries(
    src: Path, anchors: Mapping[str, tuple[float, float]] | None
) -> tuple[gpd.GeoDataFrame, BoundaryReadReport]:
    rows: list[dict[str, Any]] = []
    skipped: list[tuple[str, str, int]] = []
    relations = _admin_relations(src)
    wanted = {rid: lvl for rid, (tags, *_) in relations.items() if (lvl := _admin_level_of(tags))}
    for rid, (tags, *_) in relations.items():
        if rid not in wanted:
            skipped.append(("not a province, district or tehsil", _label(tags, rid), rid))
    # 1. complete relations: pyosmium's multipolygon assembler
    assembled: dict[int, BaseGeometry] = {}
    fp = (
        osmium.FileProcessor(str(src))
        .with_areas(osmium.filter.TagFilter(("boundary", "administrative")))
        .with_filter(osmium.filter.EntityFilter(osmium.osm.AREA))
    )
    fab = osmium.geom.WKBFactory()
    for obj in _guarded(fp, src):
        if not obj.is_area() or obj.from_way() or obj.orig_id() not in wanted:
            continue
        try:
            assembled[obj.orig_id()] = shapely.from_wkb(bytes.fromhex(fab.create_multipolygon(obj)))
        except (RuntimeError, GEOSException):
            continue
    # 2. relations cut by the extract: rebuild their part inside the extract's box
    cut = [rid for rid in wanted if rid not in assembled]
    partial: dict[int, BaseGeometry] = {}
    if cut:
        way_ids = {ref for rid in cut for ref in relations[rid][1]}
        centre_ids = {nid for rid in cut for nid in relations[rid][2]}
        lines, frame, centres, places = _member_lines(src, way_ids, centre_ids)
        extra = {_norm(k): v for k, v in (anchors or {}).items()}
        anchor_of: dict[int, BaseGeometry] = {}
        for rid in cut:
            tags, members, centre_nodes = relations[rid]
            name = _norm(_clean_admin_name(tags))
            anchor = next((centres[n] for n in centre_nodes if n in centres), None)
            anchor = anchor or places.get(name) or extra.get(name)
            if anchor is None:
                skipped.append(
                    (
                        "cut by the extract and no anchor (admin_centre/label node or a place "
                        "of the same name) found; give admin units in a boundaries file "
                        "(boundaries=...)",
                        _label(tags, rid),
                        rid,
                    )
                )
                continue
            anchor_of[rid] = shapely.Point(anchor)
            geom = _partial_unit(members, lines, frame, anchor_of[rid])
            if geom is None:
                skipped.append(("no part of it inside the extract", _label(tags, rid), rid))
            else:
                partial[rid] = geom
        # provinces partition the country: a district or tehsil cannot lie in another one
        provinces = {
            rid: g for rid, g in {**assembled, **partial}.items() if wanted[rid] == "province"
        }
        for rid, geom in list(partial.items()):
            if wanted[rid] == "province":
                continue
            rep_pt = shapely.point_on_surface(geom)
            others = [g for g in provinces.values() if not shapely.contains(g, rep_pt)]
            if others:
                partial[rid] = _polygonal(shapely.difference(geom, shapely.union_all(others)))
        # units of one level cut by the extract may overlap where the border between them
        # lies outside the file: give each overlapping face to the unit with the nearest anchor
        known_all = shapely.intersection(shapely.union_all(list(lines.values())), frame)
        atoms = shapely.get_parts(
            shapely.polygonize([shapely.union_all([known_all, frame.boundary])])
        )
        for level in ("district", "tehsil"):
            units = [rid for rid in partial if wanted[rid] == level]
            if len(units) > 1:
                partial.update(_split_overlaps(units, partial, anchor_of, atoms))
    for rid, lvl in wanted.items():
        geom = assembled.get(rid, partial.get(rid))
        if geom is None:
            continue
        tags = relations[rid][0]
        rows.append(
            {
                "level": lvl,
                "code": f"osm:r{rid}",
                "name": _clean_admin_name(tags),
                "name_ur": tags.get("name:ur"),
                "osm_id": rid,
                "partial": rid in partial,
                "parent_code": None,
                "geometry": geom,
            }
        )
    cols = ["level", "code", "name", "name_ur", "osm_id", "partial", "parent_code", "geometry"]
    gdf = gpd.GeoDataFrame(pd.DataFrame(rows, columns=cols), geometry="geometry", crs="EPSG:4326")
    if len(gdf):
        gdf["geometry"] = [_polygonal(g) for g in shapely.make_valid(gdf.geometry.array)]
        gdf["partial"] = gdf["partial"].astype(bool)
    report = BoundaryReadReport(
        source=str(src),
        used=tuple(
            (
                r["level"],
                r["name"] + (" (part inside the extract)" if r["partial"] else ""),
                r["osm_id"],
            )
            for r in rows
        ),
        skipped=tuple(skipped),
    )
    return gdf, report


# ---------------------------------------------------------------------------------------


@dataclass
class _Ways:
    """Flat arrays of the kept way pieces (one piece per run of located nodes)."""

    refs: np.ndarray  # int64 node ids, all pieces concatenated
    lon: np.ndarray
    lat: np.ndarray
    starts: np.ndarray  # offset of each piece in refs
    highway: list[str]
    oneway: list[bool]
    surface: list[str | None]
    maxspeed: list[float]
    bridge: list[bool]
    name: list[str | None]
    osm_way: list[int]
    n_read: int = 0
    n_kept: int = 0
    n_reversed: int = 0
    n_reversible: int = 0
    n_missing: int = 0
    dropped: Counter[str] = field(default_factory=Counter)


def _check_file(path: str | os.PathLike[str]) -> Path:
    src = Path(path)
    if not src.is_file():
        raise DataFileError(f"{src}: no such file; give the path of an .osm.pbf or .osm file")
    name = src.name.lower()
    if not name.endswith(OSM_SUFFIXES):
        raise DataFileError(
            f"{src}: not an OSM file name (expected one of {', '.join(OSM_SUFFIXES)}); "
            "download an extract, e.g. from download.geofabrik.de or extract.bbbike.org"
        )
    if src.stat().st_size == 0:
        raise DataFileError(f"{src}: file is empty; download the extract again")
    return src


#: What pyosmium raises on a broken file: RuntimeError (libosmium io/parse errors),
#: ValueError ("illegal id"), InvalidLocationError ("characters after coordinate").
_OSMIUM_ERRORS: tuple[type[BaseException], ...] = (
    RuntimeError,
    ValueError,
    EOFError,
    osmium.InvalidLocationError,
)


def _guarded(fp: Iterable[Any], src: Path) -> Iterable[Any]:
    """Iterate a pyosmium processor, turning its errors into :class:`DataFileError`."""
    try:
        yield from fp
    except _OSMIUM_ERRORS as err:
        raise DataFileError(
            f"{src}: cannot be read as OSM data ({err}); the file is broken or truncated, "
            "download it again"
        ) from err


def _read_highway_ways(src: Path, network: Network) -> _Ways:
    refs: list[int] = []
    lons: list[float] = []
    lats: list[float] = []
    starts: list[int] = []
    w = _Ways(
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
    fp = (
        osmium.FileProcessor(str(src), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.KeyFilter("highway"))
    )
    n_objects = 0
    for obj in _guarded(fp, src):
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
        # runs of nodes with a location (an extract may cut a way)
        piece_ref: list[int] = []
        piece_lon: list[float] = []
        piece_lat: list[float] = []
        pieces: list[tuple[list[int], list[float], list[float]]] = []
        missing = False
        for nd in obj.nodes:
            loc = nd.location
            if loc.valid():
                piece_ref.append(nd.ref)
                piece_lon.append(loc.lon)
                piece_lat.append(loc.lat)
            else:
                missing = True
                if len(piece_ref) >= 2:
                    pieces.append((piece_ref, piece_lon, piece_lat))
                piece_ref, piece_lon, piece_lat = [], [], []
        if len(piece_ref) >= 2:
            pieces.append((piece_ref, piece_lon, piece_lat))
        w.n_missing += missing
        if not pieces:
            w.dropped["fewer than 2 located nodes"] += 1
            continue
        w.n_kept += 1
        w.n_reversed += reverse
        surface = tags.get("surface")
        maxspeed = parse_maxspeed(tags.get("maxspeed"))
        bridge = tags.get("bridge", "no") not in ("no", "false", "0")
        name = tags.get("name") or tags.get("name:en") or tags.get("ref")
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
            w.maxspeed.append(maxspeed)
            w.bridge.append(bridge)
            w.name.append(name)
            w.osm_way.append(obj.id)
    if n_objects == 0:
        raise DataFileError(
            f"{src}: contains no OSM nodes or ways with a highway tag; it is empty or not "
            "an OSM extract of a populated area"
        )
    w.refs = np.asarray(refs, dtype=np.int64)
    w.lon = np.asarray(lons, dtype=float)
    w.lat = np.asarray(lats, dtype=float)
    w.starts = np.asarray(starts, dtype=np.int64)
    return w


def _drop_reason(hw: str | None, tags: Any, network: Network) -> str | None:
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


def _merge_coincident(w: _Ways) -> np.ndarray:
    """Give distinct OSM nodes at the same coordinates one id; drop repeated positions.

    Returns the piece number of each remaining position (pieces left with fewer than two
    positions are removed; ``w`` is updated in place).
    """
    n = len(w.refs)
    n_pieces = len(w.starts)
    ends = np.append(w.starts[1:], n)
    piece_of = np.repeat(np.arange(n_pieces), ends - w.starts)
    xy = np.column_stack([w.lon, w.lat])
    _, first, inv = np.unique(xy, axis=0, return_index=True, return_inverse=True)
    # canonical id: the smallest OSM id at each location
    canon_of_loc = np.full(len(first), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(canon_of_loc, inv.ravel(), w.refs)
    refs = canon_of_loc[inv.ravel()]
    keep = np.ones(n, dtype=bool)
    keep[1:] = ~((refs[1:] == refs[:-1]) & (piece_of[1:] == piece_of[:-1]))
    per_piece = np.bincount(piece_of[keep], minlength=n_pieces)
    keep &= per_piece[piece_of] >= 2
    w.refs, w.lon, w.lat = refs[keep], w.lon[keep], w.lat[keep]
    piece_of = piece_of[keep]
    # renumber pieces densely, keeping the attribute lists aligned
    alive = np.flatnonzero(per_piece >= 2)
    if len(alive) != n_pieces:
        for attr in ("highway", "oneway", "surface", "maxspeed", "bridge", "name", "osm_way"):
            vals = getattr(w, attr)
            setattr(w, attr, [vals[i] for i in alive])
    new_id = np.full(n_pieces, -1, dtype=np.int64)
    new_id[alive] = np.arange(len(alive))
    piece_of = new_id[piece_of]
    w.starts = (
        np.flatnonzero(np.r_[True, piece_of[1:] != piece_of[:-1]])
        if len(piece_of)
        else (np.empty(0, np.int64))
    )
    return piece_of


def _build_graph(w: _Ways, *, simplify: bool) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    piece_of = _merge_coincident(w)
    n = len(w.refs)
    ends = np.append(w.starts[1:], n)  # exclusive end of each piece
    is_first = np.zeros(n, dtype=bool)
    is_first[w.starts] = True
    is_last = np.zeros(n, dtype=bool)
    is_last[ends - 1] = True
    if simplify:
        uniq, inv, counts = np.unique(w.refs, return_inverse=True, return_counts=True)
        is_node = is_first | is_last | (counts[inv] > 1)
    else:
        is_node = np.ones(n, dtype=bool)
    # Each graph-node position except a piece's last one starts an edge; an edge runs to the
    # next graph-node position in the same piece.
    starts_edge = is_node & ~is_last
    node_pos = np.flatnonzero(is_node)
    e_start = np.flatnonzero(starts_edge)
    # next node position after each edge start
    e_end = node_pos[np.searchsorted(node_pos, e_start, side="right")]
    # segment lengths between consecutive positions (haversine)
    lon_r = np.radians(w.lon)
    lat_r = np.radians(w.lat)
    dlat = lat_r[1:] - lat_r[:-1]
    dlon = lon_r[1:] - lon_r[:-1]
    a = np.sin(dlat / 2) ** 2 + np.cos(lat_r[:-1]) * np.cos(lat_r[1:]) * np.sin(dlon / 2) ** 2
    seg = 2 * _EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
    seg = np.append(seg, 0.0)  # position i -> i+1; the value at a piece's last position unused
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    length = cum[e_end] - cum[e_start]
    # geometry: positions e_start..e_end inclusive
    npts = e_end - e_start + 1
    line_idx = np.repeat(np.arange(len(e_start)), npts)
    pos = np.repeat(e_start - np.concatenate([[0], np.cumsum(npts)[:-1]]), npts) + np.arange(
        npts.sum()
    )
    coords = np.column_stack([w.lon[pos], w.lat[pos]])
    geoms = shapely.linestrings(coords, indices=line_idx)
    pid = piece_of[e_start]
    edges = gpd.GeoDataFrame(
        {
            "u": w.refs[e_start],
            "v": w.refs[e_end],
            "highway": pd.array(np.asarray(w.highway, dtype=object)[pid], dtype=object),
            "oneway": np.asarray(w.oneway, dtype=bool)[pid],
            "surface": pd.array(np.asarray(w.surface, dtype=object)[pid], dtype=object),
            "maxspeed_kph": np.asarray(w.maxspeed, dtype=float)[pid],
            "bridge": np.asarray(w.bridge, dtype=bool)[pid],
            "name": pd.array(np.asarray(w.name, dtype=object)[pid], dtype=object),
            "length_m": length,
            "osm_way_id": np.asarray(w.osm_way, dtype=np.int64)[pid],
        },
        geometry=geoms,
        crs="EPSG:4326",
    )
    used = np.flatnonzero(is_node)
    ids, first = np.unique(w.refs[used], return_index=True)
    pick = used[first]
    nodes = gpd.GeoDataFrame(
        {"node_id": ids},
        geometry=shapely.points(w.lon[pick], w.lat[pick]),
        crs="EPSG:4326",
    )
    return nodes, edges


def _as_polygon(boundary: BaseGeometry | gpd.GeoDataFrame | gpd.GeoSeries) -> BaseGeometry:
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


_SPEED_RE = re.compile(r"^\s*([0-9]+(?:[.,][0-9]+)?)\s*([a-z/]*)\s*$")


def _parse_one_speed(text: str) -> float:
    m = _SPEED_RE.match(text.lower())
    if not m:
        return math.nan
    v = float(m.group(1).replace(",", "."))
    unit = m.group(2)
    if unit in ("", "km/h", "kmh", "kph", "kmph", "km"):
        return v
    if unit == "mph":
        return v * 1.609344
    if unit in ("knots", "kn", "knot"):
        return v * 1.852
    return math.nan


def _to_float(text: str | None) -> float:
    if text is None:
        return math.nan
    try:
        v = float(str(text).replace(",", "").strip())
    except ValueError:
        return math.nan
    return v if math.isfinite(v) and v >= 0 else math.nan


_DISTRICT_WORDS = ("district", "ضلع")
_TEHSIL_WORDS = ("tehsil", "tahsil", "تحصیل", "sub-division", "subdivision", "sub division")


def _admin_level_of(tags: Mapping[str, str]) -> str | None:
    names = " ".join(
        tags.get(k, "") for k in ("name", "name:en", "name:ur", "official_name")
    ).lower()
    if any(wd in names for wd in _TEHSIL_WORDS):
        return "tehsil"
    if any(wd in names for wd in _DISTRICT_WORDS):
        return "district"
    if tags.get("admin_level") == "3" or tags.get("border_type") == "province":
        return "province"
    return None


_ADMIN_WORD_RE = re.compile(
    r"\b(tehsil|tahsil|district|sub[- ]?division)\b|تحصیل|ضلع", flags=re.IGNORECASE
)


def _clean_admin_name(tags: Mapping[str, str]) -> str:
    raw = tags.get("name:en") or tags.get("name") or ""
    clean = re.sub(r"\s+", " ", _ADMIN_WORD_RE.sub(" ", raw)).strip(" -,")
    return clean or raw


def _label(tags: Mapping[str, str], rid: int) -> str:
    return tags.get("name:en") or tags.get("name") or f"relation {rid}"


def _admin_relations(src: Path) -> dict[int, tuple[dict[str, str], list[int], list[int]]]:
    """Tags, outer member way ids and admin_centre/label node ids of admin relations."""
    fp = osmium.FileProcessor(str(src), osmium.osm.RELATION).with_filter(
        osmium.filter.TagFilter(("boundary", "administrative"))
    )
    out: dict[int, tuple[dict[str, str], list[int], list[int]]] = {}
    for r in _guarded(fp, src):
        ways = [m.ref for m in r.members if m.type == "w" and m.role in ("outer", "")]
        centres = [
            m.ref for m in r.members if m.type == "n" and m.role in ("admin_centre", "label")
        ]
        out[r.id] = ({t.k: t.v for t in r.tags}, ways, centres)
    return out


def _norm(name: str) -> str:
    return re.sub(r"[^\w]+", " ", name.casefold()).strip()


def _member_lines(
    src: Path, way_ids: set[int], centre_ids: set[int]
) -> tuple[
    dict[int, BaseGeometry],
    BaseGeometry,
    dict[int, tuple[float, float]],
    dict[str, tuple[float, float]],
]:
    """Member way lines, the extract's frame, centre node and place node locations."""
    lines: dict[int, BaseGeometry] = {}
    centres: dict[int, tuple[float, float]] = {}
    places: dict[str, tuple[float, float]] = {}
    fp = osmium.FileProcessor(str(src), osmium.osm.NODE | osmium.osm.WAY).with_locations()
    lo = [math.inf, math.inf]
    hi = [-math.inf, -math.inf]
    for obj in _guarded(fp, src):
        if obj.is_node():
            loc = obj.location
            if not loc.valid():
                continue
            x, y = loc.lon, loc.lat
            lo = [min(lo[0], x), min(lo[1], y)]
            hi = [max(hi[0], x), max(hi[1], y)]
            if obj.id in centre_ids:
                centres[obj.id] = (x, y)
            if "place" in obj.tags:
                for key in ("name", "name:en"):
                    if key in obj.tags:
                        places.setdefault(_norm(obj.tags[key]), (x, y))
            continue
        if obj.id not in way_ids:
            continue
        pts = [(n.location.lon, n.location.lat) for n in obj.nodes if n.location.valid()]
        if len(pts) >= 2:
            lines[obj.id] = shapely.linestrings(pts)
    frame = None
    try:
        reader = osmium.io.Reader(str(src), osmium.osm.NOTHING)
        hbox = reader.header().box()
        reader.close()
        if hbox.valid():
            frame = shapely.box(
                hbox.bottom_left.lon, hbox.bottom_left.lat, hbox.top_right.lon, hbox.top_right.lat
            )
    except _OSMIUM_ERRORS:
        frame = None
    if frame is None:
        frame = shapely.box(lo[0], lo[1], hi[0], hi[1])
    return lines, frame, centres, places


def _partial_unit(
    members: list[int],
    lines: Mapping[int, BaseGeometry],
    frame: BaseGeometry,
    anchor: BaseGeometry,
) -> BaseGeometry | None:
    known = shapely.union_all([lines[w] for w in members if w in lines])
    own = shapely.intersection(known, frame)
    faces = shapely.get_parts(shapely.polygonize([shapely.union_all([own, frame.boundary])]))
    if len(faces) == 0:
        return None
    if shapely.contains(frame, anchor):
        hit = [f for f in faces if shapely.intersects(f, anchor)]
        return hit[0] if hit else None
    # anchor outside the box: nearest face reachable without crossing the known border
    order = np.argsort(shapely.distance(faces, anchor))
    for i in order:
        near = shapely.shortest_line(anchor, faces[i])
        path = shapely.LineString([anchor, shapely.get_coordinates(near)[-1]])
        crossings = shapely.intersection(path, known)
        if crossings.is_empty:
            return faces[i]
    return None


def _split_overlaps(
    units: list[int],
    geoms: Mapping[int, BaseGeometry],
    anchor_of: Mapping[int, BaseGeometry],
    atoms: np.ndarray,
) -> dict[int, BaseGeometry]:
    polys = [geoms[r] for r in units]
    pts = shapely.point_on_surface(atoms)
    inside = np.column_stack([shapely.contains(p, pts) for p in polys])  # atoms x units
    dist = np.column_stack([shapely.distance(anchor_of[r], pts) for r in units])
    dist = np.where(inside, dist, np.inf)
    owner = np.argmin(dist, axis=1)
    shared = inside.sum(axis=1) > 1
    out: dict[int, BaseGeometry] = {}
    for j, rid in enumerate(units):
        lose = atoms[shared & (owner != j) & inside[:, j]]
        out[rid] = (
            _polygonal(shapely.difference(geoms[rid], shapely.union_all(lose)))
            if len(lose)
            else geoms[rid]
        )
    return out


def _polygonal(geom: BaseGeometry) -> BaseGeometry:
    """The polygon parts of ``geom`` (make_valid may add lines or points)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()
