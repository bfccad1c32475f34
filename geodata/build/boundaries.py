"""Admin unit polygons of a built region: a planner's boundaries file, clipping and parents.

:func:`read_admin_boundaries` reads a file of admin units (columns mapped by
:mod:`geodata.build.boundary_columns`); :func:`clip_units`, :func:`extract_area_unit` and
:func:`with_parents` are the build's steps on units from any source.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

import geodata.schema as sc
from geodata.build.boundary_columns import map_boundary_columns, polygon_part
from geodata.build.readers import PathLike, check_lonlat, read_raw_layer, to_lonlat
from geodata.errors import DataFileError, Problem, SchemaError
from geodata.osm import BoundaryReadReport, read_osm_boundaries, read_osm_places

__all__ = [
    "BoundaryFileReport",
    "build_units",
    "clip_units",
    "extract_area_unit",
    "read_admin_boundaries",
    "with_parents",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BoundaryFileReport:
    """What :func:`read_admin_boundaries` read from a user's boundaries file.

    Attributes
    ----------
    source
        The file read.
    layers
        Its layers (all are read).
    columns
        ``{contract name: file column}`` used (``"tehsil (GADM)": "NAME_3"`` for hierarchy
        columns).
    units
        Units returned per level.
    reprojected_from
        The file's CRS when it was not EPSG:4326.
    repaired
        Invalid polygons repaired with ``make_valid``.
    dropped
        Rows dropped per reason (country or division rows).
    """

    source: str
    layers: tuple[str, ...] = ()
    columns: Mapping[str, str] = field(default_factory=dict)
    units: Mapping[str, int] = field(default_factory=dict)
    reprojected_from: str | None = None
    repaired: int = 0
    dropped: Mapping[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """Human-readable summary lines."""
        per_level = ", ".join(f"{n} {lvl}" for lvl, n in self.units.items())
        out = [f"boundaries from user file {self.source}: {per_level}"]
        out.append("  columns: " + ", ".join(f"{k} <- {v}" for k, v in self.columns.items()))
        if self.reprojected_from:
            out.append(f"  reprojected from {self.reprojected_from} to EPSG:4326")
        if self.repaired:
            out.append(f"  {self.repaired} invalid polygons repaired with make_valid")
        out += [f"  dropped {n} rows: {why}" for why, n in self.dropped.items()]
        return out


def read_admin_boundaries(
    path: PathLike, *, columns: Mapping[str, str] | None = None
) -> tuple[gpd.GeoDataFrame, BoundaryFileReport]:
    """Read a user's file of admin units (GeoPackage, GeoJSON, Shapefile) as BOUNDARIES.

    Every layer of the file is read (a GeoPackage may hold one layer per level). Columns are
    found in this order:

    * ``columns`` (``boundary_columns`` of :func:`build_region`): contract name -> file
      column, for ``level``, ``code``, ``name``, ``parent_code``, ``name_ur``, or hierarchy
      name columns ``province``, ``district``, ``tehsil``, ``union_council``. ``level`` may
      also be a constant level word (``{"level": "tehsil"}``) for a file of one level.
    * ``level, code, name, parent_code`` (any case) as in the contract; without ``level``,
      an ``admin_level`` number: 3 or 4 province, 6 district, 7 tehsil, 8 union_council
      (2 country and 5 division rows are dropped and counted).
    * GADM style hierarchy columns ``NAME_1 ... NAME_4`` (one row per unit, with the names
      of its parents): the level of ``NAME_k`` comes from ``ENGTYPE_k``/``TYPE_k``
      (Province, Division, District, Tehsil, Union Council ...; divisions are skipped),
      else 1 province, 2 district, 3 tehsil, 4 union_council. Codes are ``GID_k`` when
      present, else the names joined by ``/``; parents the file has no row for are
      dissolved from their children.

    Without a ``code`` column the code is ``<level>:<name>``; without ``parent_code`` the
    parent is found by :func:`build_region` from the polygons (the unit one level up
    containing a point of the unit). A file in another CRS is reprojected to EPSG:4326
    (logged). Invalid polygons are repaired with ``shapely.make_valid`` (counted in the
    report); null, empty, non-polygon and irreparable geometries are errors.

    Parameters
    ----------
    path
        The vector file.
    columns
        Column mapping, e.g. ``{"name": "TEHSIL_NAME", "level": "tehsil"}``.

    Returns
    -------
    tuple of GeoDataFrame and BoundaryFileReport
        Columns ``level, code, name, parent_code, name_ur`` and Polygon/MultiPolygon
        geometry in EPSG:4326, and what was read.

    Raises
    ------
    DataFileError
        The file is missing, empty, unreadable, has no CRS or holds no admin unit.
    SchemaError
        Columns are missing, or values or geometries are bad (every problem listed, naming
        the file, row and column).

    Examples
    --------
    >>> units, rep = read_admin_boundaries(  # doctest: +SKIP
    ...     "gadm41_PAK.gpkg", columns={"tehsil": "NAME_3"}
    ... )
    """
    src = Path(path)
    if not src.is_file():
        raise DataFileError(f"{src}: no such file")
    if src.stat().st_size == 0:
        raise DataFileError(f"{src}: file is empty; give a file of admin unit polygons")
    try:
        layer_names = [str(n) for n in gpd.list_layers(src)["name"]]
    except Exception as err:  # pyogrio: not a vector file
        raise DataFileError(f"{src}: cannot be read as a vector file ({err})") from err
    frames: list[gpd.GeoDataFrame] = []
    reprojected: list[str] = []
    several = len(layer_names) > 1
    for layer in layer_names if several else [""]:
        raw = read_raw_layer(src, layer if several else None)
        if raw.crs is None:
            where = f" (layer {layer!r})" if several else ""
            raise DataFileError(
                f"{src}{where}: has no CRS, so its coordinates cannot be placed; save it with "
                "its CRS (e.g. EPSG:4326 or the UTM zone it is in)"
            )
        if len(raw) == 0:
            continue
        if not raw.crs.equals("EPSG:4326"):
            reprojected.append(raw.crs.to_string())
        frames.append(to_lonlat(raw, src))
    if not frames:
        raise DataFileError(
            f"{src}: holds no admin units (no rows in any layer); give polygons with "
            "`level, code, name, parent_code` (see docs/region_build.md)"
        )
    gdf = gpd.GeoDataFrame(
        pd.concat(frames, ignore_index=True), geometry=frames[0].geometry.name, crs="EPSG:4326"
    )
    gdf = gdf.rename_geometry("geometry") if gdf.geometry.name != "geometry" else gdf
    units, used, dropped = map_boundary_columns(gdf, dict(columns or {}), str(src))
    units, repaired = _repair_polygons(units, str(src))
    check_lonlat(units, src)
    units = gpd.GeoDataFrame(
        sc.validate(units, sc.BOUNDARIES, source=str(src)), geometry="geometry", crs="EPSG:4326"
    )
    report = BoundaryFileReport(
        source=str(src),
        layers=tuple(layer_names),
        columns=used,
        units=dict(Counter(units["level"])),
        reprojected_from=reprojected[0] if reprojected else None,
        repaired=repaired,
        dropped=dict(dropped),
    )
    return units, report


def build_units(
    osm: PathLike,
    area: Any,
    gn: gpd.GeoDataFrame | None,
    boundary: PathLike | None,
    boundaries: PathLike | None,
    boundary_columns: Mapping[str, str] | None,
    roads: Any,
    name: str | None,
    notes: list[str],
) -> tuple[
    gpd.GeoDataFrame,
    BoundaryReadReport | BoundaryFileReport,
    gpd.GeoDataFrame,
    gpd.GeoDataFrame | None,
    bool,
]:
    """The build's admin units: a user's file or OSM relations, clipped, with parents.

    Units cut by the extract or the study area are noted in ``notes``; without any unit the
    extract's area stands in as one ASSUMED tehsil (:func:`extract_area_unit`).

    Parameters
    ----------
    osm
        The OSM extract (relations and place nodes).
    area
        The study area polygon, or None.
    gn
        GeoNames places (anchors for cut units), or None.
    boundary, boundaries, boundary_columns
        As for :func:`geodata.build.build_region`.
    roads
        The road network read (its box stands for the area when there is none).
    name
        The region's name, for an assumed unit.
    notes
        Notes of the build, appended to.

    Returns
    -------
    tuple
        The units, the boundaries report, the OSM places and GeoNames places inside the
        area, and whether the extract's area had to stand in as one assumed tehsil.

    Raises
    ------
    DataFileError
        When no unit of a boundaries file overlaps the study area.
    """
    anchors = (
        {str(r.name): (float(r.geometry.x), float(r.geometry.y)) for r in gn.itertuples()}
        if gn is not None
        else None
    )
    bnd_rep: BoundaryReadReport | BoundaryFileReport
    if boundaries is not None:
        units, bnd_rep = read_admin_boundaries(boundaries, columns=boundary_columns)
        units["partial"] = False
        units["whole"] = list(units.geometry)  # complete polygons: shares of cut units
    else:
        units, bnd_rep = read_osm_boundaries(osm, anchors=anchors)
    places = read_osm_places(osm)
    if area is not None:
        if boundaries is not None:  # units cut by the study area are partial
            units["partial"] = ~units.within(area.buffer(1e-9))
        units = clip_units(units, area)
        places = places[places.within(area)]
        if gn is not None:
            gn = gn[gn.within(area)]
    else:
        hull = shapely.box(*roads.nodes.total_bounds)
        if gn is not None:
            gn = gn[gn.within(hull)]
    if boundaries is not None and units.empty:
        raise DataFileError(
            f"{boundaries}: none of its admin units overlaps the study area ({boundary}); "
            "check that both files cover the same place"
        )
    _note_cut_units(units, boundaries, notes)
    area_unit = units.empty
    if area_unit:
        units = extract_area_unit(roads, places, area, name or Path(osm).name.split(".")[0])
        notes.append(
            f"the extract has no usable admin boundary: its area is used as one ASSUMED "
            f"tehsil '{units['name'].iloc[0]}'; give admin units with boundaries=FILE"
        )
    return with_parents(units), bnd_rep, places, gn, area_unit


# ---------------------------------------------------------------------------------------


def clip_units(units: gpd.GeoDataFrame, area: Any) -> gpd.GeoDataFrame:
    """Units cut to the study area; units left without polygon area are dropped."""
    if units.empty:
        return units
    out = units.copy()
    out["geometry"] = shapely.intersection(out.geometry.array, area)
    out = out[~out.geometry.is_empty & out.geom_type.isin(["Polygon", "MultiPolygon"])]
    return out.reset_index(drop=True)


def with_parents(units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Fill each missing ``parent_code``: the unit one level up containing a point of the unit.

    Parents given by the file are kept; a unit with no containing parent keeps None.
    """
    out = units.copy()
    up = {"union_council": "tehsil", "tehsil": "district", "district": "province"}
    pts = out.geometry.representative_point()
    for i in out.index:
        parent_level = up.get(str(out.at[i, "level"]))
        if parent_level is None or not pd.isna(out.at[i, "parent_code"]):
            continue  # a parent given by the file is kept
        cand = out[(out["level"] == parent_level) & out.contains(pts[i])]
        out.at[i, "parent_code"] = cand["code"].iloc[0] if len(cand) else None
    return out


def extract_area_unit(
    roads: Any, places: gpd.GeoDataFrame, area: Any, label: str
) -> gpd.GeoDataFrame:
    """The study area (boundary, else the box of roads and places) as one assumed tehsil."""
    if area is None:
        b = np.asarray(roads.nodes.total_bounds, dtype=float)
        if len(places):
            pb = places.total_bounds
            b = np.r_[np.minimum(b[:2], pb[:2]), np.maximum(b[2:], pb[2:])]
        area = shapely.box(*b).buffer(1e-4)  # points on the edge lie inside
    return gpd.GeoDataFrame(
        {
            "level": ["tehsil"],
            "code": [f"extract:{label}"],
            "name": [f"{label} (extract area)"],
            "name_ur": [None],
            "partial": [True],
            "parent_code": [None],
        },
        geometry=[area],
        crs="EPSG:4326",
    )


# ---------------------------------------------------------------------------------------


def _repair_polygons(units: gpd.GeoDataFrame, src: str) -> tuple[gpd.GeoDataFrame, int]:
    """Repair invalid polygons with make_valid; report null/empty/non-polygon rows at once."""
    problems: list[Problem] = []
    out = units.copy()
    geoms = list(out.geometry.to_numpy())
    repaired = 0
    for i, (r, g) in enumerate(zip(out.index, geoms, strict=True)):
        if g is None or g.is_empty:
            problems.append(Problem("geometry is missing or empty; fix or drop the row", src, r))
            continue
        if g.geom_type not in ("Polygon", "MultiPolygon"):
            problems.append(
                Problem(
                    f"geometry is a {g.geom_type}; admin units must be polygons", src, r, "geometry"
                )
            )
            continue
        if not g.is_valid:
            fixed = polygon_part(shapely.make_valid(g))
            if fixed is None:
                problems.append(
                    Problem(
                        "geometry is invalid and cannot be repaired; fix it (e.g. QGIS 'Fix "
                        "geometries')",
                        src,
                        r,
                        "geometry",
                    )
                )
                continue
            geoms[i] = fixed
            repaired += 1
    if problems:
        raise SchemaError(problems[:50], source=src)
    if repaired:
        log.warning("%s: %d invalid polygons repaired with make_valid", src, repaired)
    out["geometry"] = geoms
    return out, repaired


def _note_cut_units(units: gpd.GeoDataFrame, boundaries: PathLike | None, notes: list[str]) -> None:
    """Note the admin units the extract (or the study area) cuts."""
    cut_names = ", ".join(f"{r.level} {r.name}" for r in units[units["partial"]].itertuples())
    if cut_names and boundaries is None:
        notes.append(
            f"admin units cut by the extract were rebuilt from their borders inside it: "
            f"{cut_names} (approximate where the border between them lies outside the file)"
        )
    elif cut_names:
        notes.append(
            f"admin units of {Path(boundaries or '').name} cut by the study area "
            f"(kept: their part inside it): {cut_names}"
        )
