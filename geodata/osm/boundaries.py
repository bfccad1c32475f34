"""Read province, district and tehsil boundaries from OSM admin relations.

Complete relations are assembled by pyosmium; relations an extract cuts are rebuilt inside
the extract from their member ways and an anchor point (see :func:`read_osm_boundaries`).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import osmium
import pandas as pd
import shapely
from shapely.errors import GEOSException
from shapely.geometry.base import BaseGeometry

from geodata.errors import DataFileError
from geodata.osm.cut_sides import border_faces, choose_sides, two_sides
from geodata.osm.files import OSMIUM_ERRORS, check_osm_file, guarded

__all__ = ["BoundaryReadReport", "read_osm_boundaries"]

_DISTRICT_WORDS = ("district", "ضلع")
_TEHSIL_WORDS = ("tehsil", "tahsil", "تحصیل", "sub-division", "subdivision", "sub division")
_CITY_WORD_RE = re.compile(r"\b(city|cantt|cantonment|municipal\w*|corporation)\b", re.I)
_ADMIN_WORD_RE = re.compile(
    r"\b(tehsil|tahsil|district|sub[- ]?division)\b|تحصیل|ضلع", flags=re.IGNORECASE
)


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
    sided
        Names of cut units without an anchor whose side of the border was told by the
        units around them (:func:`geodata.osm.cut_sides.choose_sides`).
    """

    source: str
    used: tuple[tuple[str, str, int], ...] = field(default=())
    skipped: tuple[tuple[str, str, int], ...] = field(default=())
    sided: tuple[str, ...] = field(default=())

    def lines(self) -> list[str]:
        """Human-readable summary lines."""
        out = [f"boundaries from {self.source}: {len(self.used)} used, {len(self.skipped)} skipped"]
        out += [f"  {lvl}: {name} (relation {rid})" for lvl, name, rid in self.used]
        if self.sided:
            out.append(
                "  no anchor, side of the border told by the units around them: "
                + ", ".join(self.sided)
            )
        out += [f"  skipped {name} (relation {rid}): {why}" for why, name, rid in self.skipped]
        return out


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
    A cut unit without any anchor takes the side of its border that agrees with the units
    around it (units of one level do not overlap; a tehsil lies in one province; see
    :mod:`geodata.osm.cut_sides`); when the units around it cannot tell, it is skipped and
    listed in the report. Such units are marked ``partial=True``: their polygon is the
    unit's part inside the extract.

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
    src = check_osm_file(path)
    try:
        return _read_boundaries(src, anchors)
    except GEOSException as err:
        raise DataFileError(
            f"{src}: the admin boundary ways do not form usable polygons ({err}); the file is "
            "broken, or give the study area as a boundary file"
        ) from err


# ---------------------------------------------------------------------------------------


def _read_boundaries(
    src: Path, anchors: Mapping[str, tuple[float, float]] | None
) -> tuple[gpd.GeoDataFrame, BoundaryReadReport]:
    """Units of complete relations, and of relations the extract cuts rebuilt inside it."""
    rows: list[dict[str, Any]] = []
    skipped: list[tuple[str, str, int]] = []
    sided: list[int] = []
    relations = _admin_relations(src)
    wanted = {rid: lvl for rid, (tags, *_) in relations.items() if (lvl := _admin_level_of(tags))}
    for rid, (tags, *_) in relations.items():
        if rid not in wanted:
            skipped.append(("not a province, district or tehsil", _label(tags, rid), rid))
    # 1. complete relations: pyosmium's multipolygon assembler (other admin units, e.g.
    # "Rawalpindi City", anchor the cut tehsil of the same name)
    every = _assembled_areas(src, relations)
    assembled = {rid: g for rid, g in every.items() if rid in wanted}
    # 2. relations cut by the extract: rebuild their part inside the extract's box
    cut = [rid for rid in wanted if rid not in assembled]
    partial: dict[int, BaseGeometry] = {}
    if cut:
        cities = _CityAnchors(relations, wanted, every, cut)
        partial = _rebuild_cut_units(
            src, cut, relations, wanted, assembled, anchors, skipped, sided, cities
        )
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
        sided=tuple(_label(relations[rid][0], rid) for rid in sided),
    )
    return gdf, report


def _assembled_areas(src: Path, wanted: Mapping[int, Any]) -> dict[int, BaseGeometry]:
    """Polygons of the complete ``wanted`` relations (pyosmium's multipolygon assembler)."""
    assembled: dict[int, BaseGeometry] = {}
    fp = (
        osmium.FileProcessor(str(src))
        .with_areas(osmium.filter.TagFilter(("boundary", "administrative")))
        .with_filter(osmium.filter.EntityFilter(osmium.osm.AREA))
    )
    fab = osmium.geom.WKBFactory()
    for obj in guarded(fp, src):
        if not obj.is_area() or obj.from_way() or obj.orig_id() not in wanted:
            continue
        try:
            assembled[obj.orig_id()] = shapely.from_wkb(bytes.fromhex(fab.create_multipolygon(obj)))
        except (RuntimeError, GEOSException):
            continue
    return assembled


def _rebuild_cut_units(
    src: Path,
    cut: list[int],
    relations: Mapping[int, tuple[dict[str, str], list[int], list[int]]],
    wanted: Mapping[int, str],
    assembled: Mapping[int, BaseGeometry],
    anchors: Mapping[str, tuple[float, float]] | None,
    skipped: list[tuple[str, str, int]],
    sided: list[int],
    cities: _CityAnchors,
) -> dict[int, BaseGeometry]:
    """The parts inside the extract of the ``cut`` relations; units left out go to skipped."""
    way_ids = {ref for rid in cut for ref in relations[rid][1]} | cities.way_ids
    centre_ids = {nid for rid in cut for nid in relations[rid][2]}
    lines, frame, centres, places = _member_lines(src, way_ids, centre_ids)
    extra = {_norm(k): v for k, v in (anchors or {}).items()}
    extra = {**cities.points(lines, frame), **extra}
    anchor_of: dict[int, BaseGeometry] = {}
    partial: dict[int, BaseGeometry] = {}
    unanchored: dict[int, tuple[BaseGeometry, BaseGeometry]] = {}
    border_ways = {ref for rid in cut for ref in relations[rid][1]}
    everything = shapely.union_all([g for w, g in lines.items() if w in border_ways])
    for rid in cut:
        tags, members, centre_nodes = relations[rid]
        name = _norm(_clean_admin_name(tags))
        anchor = next((centres[n] for n in centre_nodes if n in centres), None)
        anchor = anchor or places.get(name) or extra.get(name)
        if anchor is None:
            known = shapely.union_all([lines[w] for w in members if w in lines])
            sides = two_sides(known, frame, everything)
            if sides is None:
                skipped.append(
                    (
                        "cut by the extract and no part of its border inside it",
                        _label(tags, rid),
                        rid,
                    )
                )
            else:
                unanchored[rid] = sides
            continue
        anchor_of[rid] = shapely.Point(anchor)
        geom = _partial_unit(members, lines, frame, anchor_of[rid], everything)
        if geom is None:
            skipped.append(("no part of it inside the extract", _label(tags, rid), rid))
        else:
            partial[rid] = geom
    if unanchored:
        chosen = choose_sides(unanchored, wanted, {**assembled, **partial})
        for rid, side in chosen.items():
            if side.geometry is None:
                tags = relations[rid][0]
                skipped.append(
                    (
                        side.reason + "; give admin units in a boundaries file "
                        "(boundaries=...) or anchors (geonames=...)",
                        _label(tags, rid),
                        rid,
                    )
                )
            else:
                partial[rid] = side.geometry
                anchor_of[rid] = shapely.point_on_surface(side.geometry)
                sided.append(rid)
    anchored = {rid: pt for rid, pt in anchor_of.items() if rid not in sided}
    _remove_other_provinces(partial, wanted, assembled, anchored)
    # units of one level cut by the extract may overlap where the border between them
    # lies outside the file: give each overlapping face to the unit with the nearest anchor
    known_all = shapely.intersection(shapely.union_all(list(lines.values())), frame)
    edges = shapely.union_all(
        [known_all, frame.boundary, *shapely.boundary(list(partial.values()))]
    )
    atoms = shapely.get_parts(shapely.polygonize([edges]))
    for level in ("district", "tehsil"):
        units = [rid for rid in partial if wanted[rid] == level]
        if len(units) > 1:
            partial.update(_split_overlaps(units, partial, anchor_of, atoms))
    return partial


def _remove_other_provinces(
    partial: dict[int, BaseGeometry],
    wanted: Mapping[int, str],
    assembled: Mapping[int, BaseGeometry],
    anchored: Mapping[int, BaseGeometry],
) -> None:
    """Cut from each partial district or tehsil the provinces it does not lie in (in place).

    Provinces partition the country: a district or tehsil cannot lie in another one. Its
    province is the one holding its anchor, else the one holding most of it.
    """
    provinces = {rid: g for rid, g in {**assembled, **partial}.items() if wanted[rid] == "province"}
    if not provinces:
        return
    for rid, geom in list(partial.items()):
        if wanted[rid] == "province":
            continue
        keys = list(provinces)
        polys = [provinces[k] for k in keys]
        anchor = anchored.get(rid)
        holds = [k for k, g in zip(keys, polys, strict=True) if anchor and g.contains(anchor)]
        own = (
            holds[0]
            if holds
            else keys[int(np.argmax(shapely.area(shapely.intersection(geom, polys))))]
        )
        others = [provinces[k] for k in keys if k != own]
        if others:
            partial[rid] = _polygonal(shapely.difference(geom, shapely.union_all(others)))


def _admin_level_of(tags: Mapping[str, str]) -> str | None:
    """The level of an admin relation from its name words (or ``admin_level=3``)."""
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


class _CityAnchors:
    """Anchors from other admin units named like a cut unit (``Rawalpindi City``, ``Cantt``).

    A city or cantonment lies inside the tehsil of its name: a point of its polygon (when
    complete) or the middle of its visible border ways anchors the tehsil.
    """

    def __init__(
        self,
        relations: Mapping[int, tuple[dict[str, str], list[int], list[int]]],
        wanted: Mapping[int, str],
        areas: Mapping[int, BaseGeometry],
        cut: list[int],
    ) -> None:
        names = {_norm(_clean_admin_name(relations[rid][0])) for rid in cut}
        self.named: dict[int, str] = {}
        for rid, (tags, _, _) in relations.items():
            name = _norm(_CITY_WORD_RE.sub(" ", _clean_admin_name(tags)))
            if rid not in wanted and name in names:
                self.named[rid] = name
        self.areas = {rid: areas[rid] for rid in self.named if rid in areas}
        self.members = {rid: relations[rid][1] for rid in self.named}
        self.way_ids = {w for rid in self.named if rid not in self.areas for w in self.members[rid]}

    def points(
        self, lines: Mapping[int, BaseGeometry], frame: BaseGeometry
    ) -> dict[str, tuple[float, float]]:
        """``{normalised name: (lon, lat)}`` of the anchors found."""
        out: dict[str, tuple[float, float]] = {}
        for rid, name in self.named.items():
            geom = self.areas.get(rid)
            if geom is None:
                seen = [lines[w] for w in self.members[rid] if w in lines]
                geom = shapely.intersection(shapely.union_all(seen), frame) if seen else None
            if geom is None or geom.is_empty:
                continue
            pt = shapely.point_on_surface(geom) if geom.area > 0 else shapely.centroid(geom)
            if shapely.contains(frame, pt):
                out.setdefault(name, (float(pt.x), float(pt.y)))
        return out


def _clean_admin_name(tags: Mapping[str, str]) -> str:
    """The English name without ``Tehsil``/``District`` words (``"Kahuta"``)."""
    raw = tags.get("name:en") or tags.get("name") or ""
    clean = re.sub(r"\s+", " ", _ADMIN_WORD_RE.sub(" ", raw)).strip(" -,")
    return clean or raw


def _label(tags: Mapping[str, str], rid: int) -> str:
    """A relation's name for the report."""
    return tags.get("name:en") or tags.get("name") or f"relation {rid}"


def _admin_relations(src: Path) -> dict[int, tuple[dict[str, str], list[int], list[int]]]:
    """Tags, outer member way ids and admin_centre/label node ids of admin relations."""
    fp = osmium.FileProcessor(str(src), osmium.osm.RELATION).with_filter(
        osmium.filter.TagFilter(("boundary", "administrative"))
    )
    out: dict[int, tuple[dict[str, str], list[int], list[int]]] = {}
    for r in guarded(fp, src):
        ways = [m.ref for m in r.members if m.type == "w" and m.role in ("outer", "")]
        centres = [
            m.ref for m in r.members if m.type == "n" and m.role in ("admin_centre", "label")
        ]
        out[r.id] = ({t.k: t.v for t in r.tags}, ways, centres)
    return out


def _norm(name: str) -> str:
    """A name folded for matching: case and punctuation ignored."""
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
    for obj in guarded(fp, src):
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
    except OSMIUM_ERRORS:
        frame = None
    if frame is None:
        frame = shapely.box(lo[0], lo[1], hi[0], hi[1])
    return lines, frame, centres, places


def _partial_unit(
    members: list[int],
    lines: Mapping[int, BaseGeometry],
    frame: BaseGeometry,
    anchor: BaseGeometry,
    others: BaseGeometry | None,
) -> BaseGeometry | None:
    """The face of the extract's frame, cut by the unit's member ways, holding the anchor."""
    known = shapely.union_all([lines[w] for w in members if w in lines])
    faces = border_faces(known, frame, others)
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
    """Give each face shared by several units to the unit with the nearest anchor."""
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
