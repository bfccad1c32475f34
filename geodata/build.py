"""Build a region package from real data: OSM, census totals and optional user tables.

:func:`build_region` reads the files a planner gives and returns a validated
:class:`~geodata.region.Region` plus a :class:`BuildReport` saying what was read, assumed,
matched and dropped. See ``docs/region_build.md`` for the method and its assumptions.
"""

from __future__ import annotations

import logging
import os
import re
import time
import warnings
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.errors import GEOSException

import geodata.schema as sc
from geodata.census import CensusMatch, match_census, read_census
from geodata.errors import DataFileError, Problem, SchemaError
from geodata.joins import JoinReport, join_admin_table, normalise_name, read_table
from geodata.osm import (
    BoundaryReadReport,
    RoadReadReport,
    read_osm_boundaries,
    read_osm_places,
    read_osm_roads_with_report,
)
from geodata.region import Region, validate_region

__all__ = [
    "ADMIN_LEVEL_NUMBERS",
    "NATIONAL_MEAN_HOUSEHOLD_SIZE",
    "PLACE_DEFAULT_POPULATION",
    "PROXY_CLASSES",
    "BoundaryFileReport",
    "BuildReport",
    "build_region",
    "read_admin_boundaries",
    "read_points",
]

log = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]

#: Road classes whose length in a grid cell is the population proxy.
PROXY_CLASSES = ("residential", "unclassified", "living_street")
#: An OSM or GeoNames place in a cell counts as this many km of residential road.
PLACE_WEIGHT_KM = 2.0

#: ``admin_level`` numbers of a user's boundaries file -> contract level. 2 (country) and
#: 5 (division) are not contract levels: such rows are dropped and counted.
ADMIN_LEVEL_NUMBERS = {3: "province", 4: "province", 6: "district", 7: "tehsil", 8: "union_council"}
_SKIPPED_ADMIN_LEVELS = {2: "country", 5: "division"}

#: ASSUMED population of an OSM place node without a ``population`` tag, per ``place=*``
#: kind, used only when neither a census table nor a settlements file is given. Chosen
#: inside the ranges of the OSM wiki's place definitions (city > 100,000; town 10,000 -
#: 100,000; village < 10,000; hamlet < 100-200 people) toward the sizes of Pakistani places
#: (a rural mauza/village holds some 1,000-2,000 people; an Islamabad sector ~20,000).
#: ``locality`` is "a named place without population" in OSM: not a settlement.
PLACE_DEFAULT_POPULATION = {
    "city": 200_000,
    "town": 20_000,
    "suburb": 20_000,
    "village": 1_500,
    "quarter": 5_000,
    "neighbourhood": 2_000,
    "hamlet": 200,
    "isolated_dwelling": 10,
    "locality": 0,
}
#: National mean household size, PBS Population Census 2017: 204,410,733 people in
#: 31,937,171 households of the tehsil table (``tehsil_population_2017.csv``) = 6.40.
NATIONAL_MEAN_HOUSEHOLD_SIZE = 6.4

LICENCES = {
    "osm": 'ODbL 1.0, "(c) OpenStreetMap contributors"',
    "census": "Pakistan Bureau of Statistics, Population Census 2017: public statistics",
    "geonames": "GeoNames, CC BY 4.0",
}


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


@dataclass(frozen=True)
class BuildReport:
    """Everything :func:`build_region` read, assumed, matched and dropped.

    Attributes
    ----------
    roads, boundaries
        Reports of the OSM readers (boundaries: of the user's file when one is given).
    census
        Census matching (``None`` without a census table).
    coverage, poverty
        Join reports (``None`` when not given).
    notes
        Assumptions and warnings in plain words (assumed centres, partial tehsils ...).
    households_census, households_settlements
        Households of the census-matched tehsils, and in the settlements derived from them.
    seconds
        Wall time per step.
    """

    roads: RoadReadReport
    boundaries: BoundaryReadReport | BoundaryFileReport
    census: CensusMatch | None = None
    coverage: JoinReport | None = None
    poverty: JoinReport | None = None
    notes: tuple[str, ...] = ()
    households_census: int = 0
    households_settlements: int = 0
    seconds: Mapping[str, float] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """Human-readable report (what the CLI prints)."""
        out = [*self.roads.lines(), *self.boundaries.lines()]
        if self.census is not None:
            c = self.census
            out.append(f"census: {len(c.pairs)} tehsils matched")
            out += [f"  spelling match: '{a}' -> '{b}'" for a, b in c.fuzzy.items()]
            out += [f"  tehsil without census row: {n}" for n in c.unmatched_region]
            out += [f"  census tehsil not in the extract: {n}" for n in c.unmatched_census]
            out.append(
                f"  households: census {self.households_census:,}, "
                f"settlements {self.households_settlements:,}"
            )
        for rep in (self.coverage, self.poverty):
            if rep is not None:
                out += rep.lines()
        out += [f"note: {n}" for n in self.notes]
        out.append("timing: " + ", ".join(f"{k} {v:.1f} s" for k, v in self.seconds.items()))
        return out


def build_region(
    *,
    osm: PathLike,
    census: PathLike | None = None,
    boundary: PathLike | None = None,
    boundaries: PathLike | None = None,
    boundary_columns: Mapping[str, str] | None = None,
    settlements: PathLike | None = None,
    centres: PathLike | None = None,
    candidates: PathLike | None = None,
    coverage: PathLike | None = None,
    poverty: PathLike | None = None,
    geonames: PathLike | None = None,
    name: str | None = None,
    grid_m: float = 2000.0,
    candidate_min_households: int = 500,
    candidate_spacing_m: float = 4000.0,
    centre_capacity_per_day: float = 150.0,
    candidate_capacity_per_day: float = 60.0,
    candidate_opening_cost_pkr: float = 3_000_000.0,
    simplify_roads: bool = False,
) -> tuple[Region, BuildReport]:
    """Build a region from an OSM extract and census totals (plus optional user tables).

    Parameters
    ----------
    osm
        OSM extract (``.osm.pbf`` or ``.osm``/``.osm.bz2``) covering the district.
    census
        Census totals per tehsil: the PBS 2017 table or ``tehsil, population,
        households|avg_household_size``.
    boundary
        Polygon file (GeoJSON, GeoPackage, Shapefile) of the **study area**; roads,
        settlements and units are clipped to it. Reprojected to EPSG:4326 with a logged
        message. Not admin units: see ``boundaries``.
    boundaries
        File of **admin units** (province ... union council polygons) replacing the ones
        derived from OSM relations; read by :func:`read_admin_boundaries` (all layers;
        contract columns, ``admin_level`` numbers or GADM ``NAME_1...`` columns).
    boundary_columns
        Column mapping for ``boundaries``, e.g. ``{"name": "TEHSIL_NAME", "level":
        "tehsil"}`` (see :func:`read_admin_boundaries`).
    settlements
        Points with ``households`` (and optionally ``name``, ``population``,
        ``settlement_id``); replaces the census-derived grid. Without census and
        settlements, OSM place nodes (and GeoNames places) become settlements with
        ESTIMATED households (:data:`PLACE_DEFAULT_POPULATION` /
        :data:`NATIONAL_MEAN_HOUSEHOLD_SIZE`), flagged in provenance and notes.
    centres, candidates
        Points of existing centres / candidate sites (``name``; optional ``centre_id``,
        ``capacity_per_day``, ``opening_cost_pkr``). Default: tehsil headquarters towns
        (``assumed=True``) / large settlements spaced apart.
    coverage, poverty
        Tables ``level, unit_id, registered_households`` / ``level, unit_id, poor_share``.
    geonames
        GeoNames CSV (``name, latitude, longitude, population``): anchors for admin units the
        extract cuts, extra place weight, and settlements outside census tehsils.
    name
        Region name (default: the OSM file's stem).
    grid_m
        Cell size of the population grid.
    candidate_min_households, candidate_spacing_m
        Default candidate rule: settlements with at least this many households, greedily
        by households, at least this far from each other and from existing centres.

    Returns
    -------
    tuple of Region and BuildReport
        A region that passes :func:`geodata.region.validate_region`, and the report.

    Raises
    ------
    DataFileError
        A file is missing or unreadable, a boundaries file has no CRS or no unit, the
        boundary misses the extract, or there is no population source (no census, no
        settlements file and no named OSM or GeoNames place in the area).
    SchemaError
        A user table (or boundaries file) breaks its contract (every problem listed).

    Examples
    --------
    >>> region, report = build_region(  # doctest: +SKIP
    ...     osm="../shared/data/osm/islamabad.osm.pbf",
    ...     census="../shared/data/census2017/tehsil_population_2017.csv",
    ... )
    >>> print("\\n".join(report.lines()))  # doctest: +SKIP
    """
    secs: dict[str, float] = {}
    notes: list[str] = []
    t = time.perf_counter()
    area = _read_boundary(boundary) if boundary is not None else None
    roads, road_rep = read_osm_roads_with_report(osm, boundary=area, simplify=simplify_roads)
    secs["roads"] = time.perf_counter() - t

    t = time.perf_counter()
    gn = _read_geonames(geonames) if geonames is not None else None
    anchors = (
        {str(r.name): (float(r.geometry.x), float(r.geometry.y)) for r in gn.itertuples()}
        if gn is not None
        else None
    )
    bnd_rep: BoundaryReadReport | BoundaryFileReport
    if boundaries is not None:
        units, bnd_rep = read_admin_boundaries(boundaries, columns=boundary_columns)
        units["partial"] = False
    else:
        units, bnd_rep = read_osm_boundaries(osm, anchors=anchors)
    places = read_osm_places(osm)
    if area is not None:
        if boundaries is not None:  # units cut by the study area are partial
            units["partial"] = ~units.within(area.buffer(1e-9))
        units = _clip(units, area)
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
    area_unit = units.empty
    if area_unit:
        units = _extract_unit(roads, places, area, name or Path(osm).name.split(".")[0])
        notes.append(
            f"the extract has no usable admin boundary: its area is used as one ASSUMED "
            f"tehsil '{units['name'].iloc[0]}'; give admin units with boundaries=FILE"
        )
    units = _with_parents(units)
    secs["boundaries"] = time.perf_counter() - t

    t = time.perf_counter()
    metric = roads.nodes.estimate_utm_crs()
    census_tab = read_census(census) if census is not None else None
    match: CensusMatch | None = None
    hh_census = 0
    provenance: dict[str, str] = {
        "roads": f"OpenStreetMap extract {Path(osm).name}"
        + (" (simplified)" if simplify_roads else " (all OSM nodes kept)"),
        "boundaries": f"user file {Path(boundaries).name}"
        if boundaries is not None
        else f"ASSUMED: the extract's area as one tehsil (no admin boundary in {Path(osm).name})"
        if area_unit
        else f"OpenStreetMap admin boundary relations in {Path(osm).name}",
    }
    method = "user" if settlements is not None else "census_grid"
    licences = {"osm": LICENCES["osm"]}
    if settlements is not None:
        sett = _user_settlements(settlements, units)
        provenance["settlements"] = f"user file {Path(settlements).name}"
    elif census_tab is None:
        sett, n_osm, n_gn = _place_settlements(places, gn, metric, osm)
        method = "osm_places"
        kinds = ", ".join(f"{k} {v:,}" for k, v in PLACE_DEFAULT_POPULATION.items() if v)
        provenance["settlements"] = (
            "ESTIMATED (no census table, no settlements file): "
            + (
                f"{n_gn} GeoNames places (households = population / "
                f"{NATIONAL_MEAN_HOUSEHOLD_SIZE:g}) and "
                if gn is not None
                else ""
            )
            + f"{n_osm} OSM place nodes of {Path(osm).name} with population from their "
            f"`population` tag, else an assumed default per place kind ({kinds}); households "
            f"= population / {NATIONAL_MEAN_HOUSEHOLD_SIZE:g} (national mean household size, "
            "PBS 2017)"
        )
        notes.append(
            f"no census table or settlements file: {len(sett)} settlements from OSM place "
            "nodes" + (" and GeoNames places" if gn is not None else "") + " with ESTIMATED "
            "households (default population per place kind / national mean household size "
            f"{NATIONAL_MEAN_HOUSEHOLD_SIZE:g}); give census=... for census-based households"
        )
    else:
        tehsils = units[units["level"] == "tehsil"]
        match = match_census(census_tab, tehsils["name"])
        if not match.pairs:
            raise DataFileError(
                f"{census}: none of the extract's tehsils ({', '.join(tehsils['name'])}) "
                "is in the census table; check the names or give a simple table "
                "`tehsil, population, households`"
            )
        sett, hh_census = _grid_settlements(
            roads.edges, tehsils, census_tab, match, places, gn, metric, grid_m
        )
        provenance["settlements"] = (
            f"census totals per tehsil ({Path(str(census)).name}) spread over a {grid_m:g} m "
            "grid "
            f"in proportion to the length of {'/'.join(PROXY_CLASSES)} roads per cell plus "
            f"{PLACE_WEIGHT_KM:g} km per OSM/GeoNames place; households from census "
            "average household size"
        )
        licences["census"] = LICENCES["census"]
        if gn is not None:
            extra = _geonames_outside(gn, units, sett, census_tab)
            if len(extra):
                notes.append(
                    f"{len(extra)} GeoNames places outside census tehsils added as settlements "
                    "with households = GeoNames population / national mean household size"
                )
                sett = pd.concat([sett, extra], ignore_index=True)
        partial_matched = [
            n for n in match.pairs if bool(tehsils.loc[tehsils["name"] == n, "partial"].any())
        ]
        if partial_matched:
            notes.append(
                "tehsils only partly inside the extract carry their whole census total on "
                "the part inside: " + ", ".join(partial_matched)
            )
    if gn is not None:
        licences["geonames"] = LICENCES["geonames"]
    sett = gpd.GeoDataFrame(sett, geometry="geometry", crs="EPSG:4326")
    sett = _admin_columns(sett, units, census_tab, match)
    uc_known = bool((units["level"] == "union_council").any())
    if not uc_known:
        notes.append("union_council is 'unknown': no union council boundaries were given")
    secs["settlements"] = time.perf_counter() - t

    t = time.perf_counter()
    if centres is not None:
        cen = _user_sites(
            centres, sett, kind="existing", prefix="C", capacity=centre_capacity_per_day, cost=0.0
        )
        provenance["centres"] = f"user file {Path(centres).name}"
    else:
        cen, per = _hq_centres(units, sett, places, gn, centre_capacity_per_day)
        provenance["centres"] = (
            f"ASSUMED: one centre per {per} at its headquarters town (OSM/GeoNames place "
            f"named like the {per}, else the {per}'s largest settlement); no public list "
            "of BISP registration centres exists"
        )
        notes.append(f"{len(cen)} existing centres assumed at {per} headquarters")
    if candidates is not None:
        cand = _user_sites(
            candidates,
            sett,
            kind="candidate",
            prefix="UCC",
            capacity=candidate_capacity_per_day,
            cost=candidate_opening_cost_pkr,
        )
        provenance["candidates"] = f"user file {Path(candidates).name}"
    else:
        cand, relaxed = _greedy_candidates(
            sett,
            cen,
            metric,
            candidate_min_households,
            candidate_spacing_m,
            candidate_capacity_per_day,
            candidate_opening_cost_pkr,
        )
        provenance["candidates"] = (
            f"settlements with >= {candidate_min_households} households, greedily by "
            f"households, >= {candidate_spacing_m:g} m apart and from existing centres"
        )
        if relaxed:
            notes.append(
                "no settlement met the candidate rule (households and spacing from existing "
                "centres): the largest settlement is the only candidate; give candidates=FILE"
            )
    secs["centres"] = time.perf_counter() - t

    t = time.perf_counter()
    cov_tab = pov_tab = None
    cov_rep = pov_rep = None
    if coverage is not None:
        cov_tab, cov_rep = join_admin_table(coverage, sett, kind="coverage")
        provenance["coverage"] = f"user file {Path(coverage).name}"
    else:
        notes.append("registry coverage unknown: no coverage table given")
    if poverty is not None:
        pov_tab, pov_rep = join_admin_table(poverty, sett, kind="poverty")
        provenance["poverty"] = f"user file {Path(poverty).name}"
    secs["joins"] = time.perf_counter() - t

    t = time.perf_counter()
    bnd = units[["level", "code", "name", "parent_code", "name_ur", "partial", "geometry"]]
    metadata: dict[str, Any] = {
        "synthetic": False,
        "metric_crs": metric.to_string(),
        "provenance": provenance,
        "licences": licences,
        "coverage_known": cov_tab is not None,
        "centres_assumed": centres is None,
        "union_council_known": uc_known,
        "settlements_method": method,
        "grid_m": grid_m,
        "notes": list(notes),
        "sources": {
            k: str(v)
            for k, v in {
                "osm": osm,
                "census": census,
                "boundary": boundary,
                "boundaries": boundaries,
                "settlements": settlements,
                "centres": centres,
                "candidates": candidates,
                "coverage": coverage,
                "poverty": poverty,
                "geonames": geonames,
            }.items()
            if v is not None
        },
    }
    region = Region(
        name=name or Path(osm).name.split(".")[0],
        roads=roads,
        settlements=sett,
        centres=cen,
        candidates=cand,
        boundaries=gpd.GeoDataFrame(bnd, geometry="geometry", crs="EPSG:4326"),
        coverage=cov_tab,
        poverty=pov_tab,
        metadata=metadata,
    )
    region = validate_region(region)
    secs["validate"] = time.perf_counter() - t
    report = BuildReport(
        roads=road_rep,
        boundaries=bnd_rep,
        census=match,
        coverage=cov_rep,
        poverty=pov_rep,
        notes=tuple(notes),
        households_census=hh_census,
        households_settlements=int(region.settlements["households"].sum()),
        seconds=secs,
    )
    return region, report


def read_points(path: PathLike, *, what: str = "points") -> gpd.GeoDataFrame:
    """Read a point layer: a vector file, or a CSV with ``lon``/``lat`` (or
    ``longitude``/``latitude``) columns. Reprojects to EPSG:4326 with a logged message.

    Raises
    ------
    DataFileError
        When the file is unreadable, has no CRS, no coordinates or non-point rows.
    SchemaError
        When CSV coordinates are not finite numbers in lon/lat range (every row listed).
    """
    src = Path(path)
    if src.suffix.lower() in (".csv", ".xlsx", ".xls"):
        df = read_table(src)
        cols = {str(c).strip().lower(): c for c in df.columns}
        x = cols.get("lon") or cols.get("longitude") or cols.get("x")
        y = cols.get("lat") or cols.get("latitude") or cols.get("y")
        if x is None or y is None:
            raise DataFileError(f"{src}: {what} need `lon` and `lat` columns (EPSG:4326)")
        lon, lat = _coordinates(df, x, y, str(src))
        geom = gpd.points_from_xy(lon, lat, crs="EPSG:4326")
        return gpd.GeoDataFrame(df.drop(columns=[x, y]), geometry=geom, crs="EPSG:4326")
    gdf = _read_vector(src)
    bad = ~gdf.geom_type.isin(["Point"]).to_numpy()
    if bad.any():
        raise DataFileError(
            f"{src}: {what} must be points; row {gdf.index[bad][0]} is "
            f"{'empty' if gdf.geometry.iloc[int(np.argmax(bad))] is None else 'not a point'}; "
            "fix or drop it"
        )
    _check_lonlat(gdf, src)
    return gdf


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
        raw = _read_raw(src, layer if several else None)
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
        frames.append(_to_lonlat(raw, src))
    if not frames:
        raise DataFileError(
            f"{src}: holds no admin units (no rows in any layer); give polygons with "
            "`level, code, name, parent_code` (see docs/region_build.md)"
        )
    gdf = gpd.GeoDataFrame(
        pd.concat(frames, ignore_index=True), geometry=frames[0].geometry.name, crs="EPSG:4326"
    )
    gdf = gdf.rename_geometry("geometry") if gdf.geometry.name != "geometry" else gdf
    units, used, dropped = _map_boundary_columns(gdf, dict(columns or {}), str(src))
    units, repaired = _repair_polygons(units, str(src))
    _check_lonlat(units, src)
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


# ---------------------------------------------------------------------------------------


def _coordinates(df: pd.DataFrame, x: Any, y: Any, src: str) -> tuple[np.ndarray, np.ndarray]:
    """Longitudes and latitudes of a table as floats; every bad row listed in one error."""
    problems: list[Problem] = []
    out = []
    for col, limit in ((x, 180.0), (y, 90.0)):
        values = df[col]
        if isinstance(values, pd.DataFrame):  # two columns of the same name
            raise SchemaError([Problem("column is given twice; keep one", src, column=str(col))])
        num = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(num)
        for r in df.index[bad][:20]:
            problems.append(
                Problem(
                    f"coordinate {values.loc[r]!r} is not a finite number; fix or drop the row",
                    src,
                    r,
                    str(col),
                )
            )
        outside = ~bad & (np.abs(num) > limit)
        for r in df.index[outside][:20]:
            problems.append(
                Problem(
                    f"coordinate {num[df.index.get_loc(r)]:g} is outside longitude/latitude "
                    "range; give lon/lat in EPSG:4326 (the file may be projected)",
                    src,
                    r,
                    str(col),
                )
            )
        out.append(num)
    if problems:
        raise SchemaError(problems, source=src)
    return out[0], out[1]


def _check_lonlat(gdf: gpd.GeoDataFrame, src: Path) -> None:
    """Refuse non-finite or out-of-range coordinates (a projected layer labelled 4326)."""
    ok = ~(gdf.geometry.isna() | gdf.geometry.is_empty).to_numpy()
    if not ok.any():
        return
    b = gdf.geometry[ok].bounds.to_numpy()
    bad = ~np.isfinite(b).all(axis=1) | (np.abs(b[:, [0, 2]]) > 180).any(axis=1)
    bad |= (np.abs(b[:, [1, 3]]) > 90).any(axis=1)
    if bad.any():
        row = gdf.index[ok][int(np.argmax(bad))]
        raise DataFileError(
            f"{src}: row {row} has coordinates that are not finite or outside lon/lat range "
            "after reprojection to EPSG:4326; check the file's CRS and coordinates"
        )


def _read_vector(src: Path) -> gpd.GeoDataFrame:
    return _to_lonlat(_read_raw(src), src)


def _read_raw(src: Path, layer: str | None = None) -> gpd.GeoDataFrame:
    """One layer of a vector file as stored (no CRS handling)."""
    if not src.is_file():
        raise DataFileError(f"{src}: no such file")
    if src.stat().st_size == 0:
        raise DataFileError(f"{src}: file is empty")
    try:
        # GDAL reports broken features as warnings from its error handler: log them
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            gdf = gpd.read_file(src, layer=layer)
    except Exception as err:  # pyogrio raises several kinds; all mean "unreadable"
        where = f" (layer {layer!r})" if layer is not None else ""
        raise DataFileError(f"{src}{where}: cannot be read as a vector file ({err})") from err
    for w in caught[:20]:
        log.warning("%s: %s", src, w.message)
    return gdf


def _to_lonlat(gdf: gpd.GeoDataFrame, src: Path) -> gpd.GeoDataFrame:
    """Reproject a layer to EPSG:4326 with a logged message; refuse a layer without CRS."""
    if gdf.crs is None:
        raise DataFileError(f"{src}: has no CRS; save it with one (e.g. EPSG:4326)")
    if not gdf.crs.equals("EPSG:4326"):
        log.info("reprojecting %s from %s to EPSG:4326", src, gdf.crs.to_string())
        try:
            gdf = gdf.to_crs("EPSG:4326")
        except Exception as err:  # pyproj: a CRS it cannot transform from
            raise DataFileError(
                f"{src}: cannot be reprojected from {gdf.crs.to_string()} to EPSG:4326 "
                f"({err}); save it in EPSG:4326"
            ) from err
    return gdf


def _read_boundary(path: PathLike) -> Any:
    src = Path(path)
    gdf = _read_vector(src)
    polys = gdf[gdf.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()]
    if polys.empty:
        raise DataFileError(f"{src}: holds no polygon; give the study area as a polygon")
    _check_lonlat(polys, src)
    try:
        parts = shapely.make_valid(polys.geometry.array)
        geom = shapely.make_valid(shapely.union_all(parts))
        if geom.geom_type == "GeometryCollection":  # lines and points left by make_valid
            geom = shapely.union_all(
                [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
            )
    except GEOSException as err:
        raise DataFileError(
            f"{src}: the polygons cannot be combined ({err}); repair them (e.g. QGIS 'Fix "
            "geometries') and try again"
        ) from err
    if geom.is_empty or geom.area <= 0:
        raise DataFileError(f"{src}: the polygons have no area; give the study area as a polygon")
    shapely.prepare(geom)
    return geom


def _read_geonames(path: PathLike) -> gpd.GeoDataFrame:
    df = read_table(path)
    need = {"name", "latitude", "longitude", "population"}
    if not need <= set(df.columns):
        raise DataFileError(
            f"{path}: a GeoNames table needs columns {sorted(need)}; found {list(df.columns)}"
        )
    geom = gpd.points_from_xy(df["longitude"], df["latitude"], crs="EPSG:4326")
    return gpd.GeoDataFrame(df, geometry=geom, crs="EPSG:4326")


def _clip(units: gpd.GeoDataFrame, area: Any) -> gpd.GeoDataFrame:
    if units.empty:
        return units
    out = units.copy()
    out["geometry"] = shapely.intersection(out.geometry.array, area)
    out = out[~out.geometry.is_empty & out.geom_type.isin(["Polygon", "MultiPolygon"])]
    return out.reset_index(drop=True)


def _with_parents(units: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
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


def _grid_settlements(
    edges: gpd.GeoDataFrame,
    tehsils: gpd.GeoDataFrame,
    census: pd.DataFrame,
    match: CensusMatch,
    places: gpd.GeoDataFrame,
    gn: gpd.GeoDataFrame | None,
    metric: Any,
    grid_m: float,
) -> tuple[pd.DataFrame, int]:
    proxy = edges[edges["highway"].isin(PROXY_CLASSES)]
    mid = shapely.line_interpolate_point(proxy.geometry.array, 0.5, normalized=True)
    mid_m = gpd.GeoSeries(mid, crs="EPSG:4326").to_crs(metric)
    mx, my = mid_m.x.to_numpy(), mid_m.y.to_numpy()
    w_road = proxy["length_m"].to_numpy() / 1000.0
    pl = [places.geometry] + ([gn.geometry] if gn is not None else [])
    pl_m = gpd.GeoSeries(pd.concat(pl, ignore_index=True), crs="EPSG:4326").to_crs(metric)
    place_names = list(places["name"]) + (list(gn["name"]) if gn is not None else [])
    px, py = pl_m.x.to_numpy(), pl_m.y.to_numpy()
    teh_m = tehsils.to_crs(metric)
    rows: list[dict[str, Any]] = []
    hh_total = 0
    for name, label in match.pairs.items():
        poly = teh_m.loc[teh_m["name"] == name].geometry.union_all()
        crow: Any = census.loc[label]
        hh_total += int(crow["households"])
        in_r = shapely.contains_xy(poly, mx, my)
        in_p = shapely.contains_xy(poly, px, py)
        x = np.r_[mx[in_r], px[in_p]]
        y = np.r_[my[in_r], py[in_p]]
        w = np.r_[w_road[in_r], np.full(int(in_p.sum()), PLACE_WEIGHT_KM)]
        names_here = [place_names[i] for i in np.flatnonzero(in_p)]
        if len(w) == 0 or w.sum() <= 0:
            # no road or place in the tehsil's part: one settlement at its centre
            c = poly.representative_point()
            x, y, w = np.array([c.x]), np.array([c.y]), np.array([1.0])
        x0, y0 = poly.bounds[0], poly.bounds[1]
        ci = np.floor((x - x0) / grid_m).astype(np.int64)
        cj = np.floor((y - y0) / grid_m).astype(np.int64)
        key = ci * 1_000_003 + cj
        cells, inv = np.unique(key, return_inverse=True)
        cw = np.bincount(inv, weights=w)
        cx = np.bincount(inv, weights=w * x) / cw
        cy = np.bincount(inv, weights=w * y) / cw
        hh = _largest_remainder(cw, int(crow["households"]))
        pop = _largest_remainder(cw, int(crow["population"]))
        # a place inside the cell names it
        pname: dict[int, str] = {}
        n_roads = int(in_r.sum())
        for k, nm in enumerate(names_here):
            pname.setdefault(int(inv[n_roads + k]), str(nm))
        tehsil_label = str(crow["tehsil"]).title()
        for k in range(len(cells)):
            if hh[k] == 0 and pop[k] == 0:
                continue
            cid = (
                f"{normalise_name(name).replace(' ', '-')}-{cells[k] // 1_000_003}-"
                f"{cells[k] % 1_000_003}"
            )
            rows.append(
                {
                    "settlement_id": cid,
                    "name": pname.get(
                        k, f"{tehsil_label} cell {cid.rsplit('-', 2)[-2]}/{cid.rsplit('-', 1)[-1]}"
                    ),
                    "households": int(hh[k]),
                    "population": int(pop[k]),
                    "tehsil_key": name,
                    "x": cx[k],
                    "y": cy[k],
                    "source": "census grid",
                }
            )
    df = pd.DataFrame(rows)
    pts = gpd.GeoSeries(gpd.points_from_xy(df["x"], df["y"]), crs=metric).to_crs("EPSG:4326")
    df = df.drop(columns=["x", "y"])
    df["geometry"] = pts.to_numpy()
    return df, hh_total


def _place_settlements(
    places: gpd.GeoDataFrame, gn: gpd.GeoDataFrame | None, metric: Any, osm: PathLike
) -> tuple[pd.DataFrame, int, int]:
    """Settlements from OSM place nodes (and GeoNames places) with estimated households."""
    tagged = pd.to_numeric(places["population"], errors="coerce")
    default = places["place"].map(PLACE_DEFAULT_POPULATION).fillna(0).astype(float)
    pop = tagged.where(tagged > 0, default)
    pl = places[(pop > 0).to_numpy()]
    pop = pop[(pop > 0).to_numpy()]
    g = (
        gn
        if gn is not None
        else gpd.GeoDataFrame({"name": [], "population": []}, geometry=[], crs="EPSG:4326")
    )
    if len(g):
        g = g[pd.to_numeric(g["population"], errors="coerce").fillna(0).to_numpy() > 0]
    if len(g) and len(pl):
        # an OSM place with a GeoNames namesake within 5 km is the same place: GeoNames wins
        xy_g = shapely.get_coordinates(g.to_crs(metric).geometry.array)
        keys_g = g["name"].map(normalise_name).to_numpy()
        xy_p = shapely.get_coordinates(pl.to_crs(metric).geometry.array)
        keys_p = pl["name"].map(normalise_name).to_numpy()
        dup = np.array(
            [
                bool(np.any((keys_g == k) & (np.hypot(*(xy_g - xy).T) < 5000.0)))
                for k, xy in zip(keys_p, xy_p, strict=True)
            ],
            dtype=bool,
        )
        pl, pop = pl[~dup], pop[~dup]
    if not len(pl) and not len(g):
        raise DataFileError(
            f"{osm}: no population source: no census table, no settlements file, and no named "
            "OSM place node (place=city/town/village/hamlet/suburb...) "
            + ("or GeoNames place with a population " if gn is not None else "")
            + "in the area; give a census table (census=...), a settlements file with "
            "households (settlements=...) or GeoNames places (geonames=...)"
        )
    size = NATIONAL_MEAN_HOUSEHOLD_SIZE
    pop_g = pd.to_numeric(g["population"], errors="coerce").to_numpy(dtype=float)
    osm_rows = pd.DataFrame(
        {
            "settlement_id": [f"osm-node-{i}" for i in pl["osm_id"]],
            "name": pl["name"].astype(str).to_numpy(),
            "name_ur": pl["name_ur"].to_numpy(),
            "households": np.round(pop.to_numpy() / size).astype(np.int64),
            "population": np.round(pop.to_numpy()).astype(np.int64),
            "tehsil_key": None,
            "source": [
                f"OSM place={k} ({'tagged' if t > 0 else 'assumed'} population)"
                for k, t in zip(pl["place"], tagged[pop.index].fillna(0), strict=True)
            ],
            "geometry": pl.geometry.to_numpy(),
        }
    )
    gn_rows = pd.DataFrame(
        {
            "settlement_id": [f"geonames-{i}" for i in g["geonameid"]]
            if "geonameid" in g
            else [f"geonames-{k}" for k in range(len(g))],
            "name": g["name"].astype(str).to_numpy(),
            "name_ur": None,
            "households": np.round(pop_g / size).astype(np.int64),
            "population": np.round(pop_g).astype(np.int64),
            "tehsil_key": None,
            "source": "GeoNames",
            "geometry": g.geometry.to_numpy(),
        }
    )
    out = pd.concat([d for d in (gn_rows, osm_rows) if len(d)], ignore_index=True)
    return out, len(osm_rows), len(gn_rows)


def _extract_unit(roads: Any, places: gpd.GeoDataFrame, area: Any, label: str) -> gpd.GeoDataFrame:
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


def _largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to ``weights`` summing exactly to ``total``."""
    share = weights / weights.sum() * total
    base = np.floor(share).astype(np.int64)
    left = total - int(base.sum())
    if left > 0:
        order = np.argsort(-(share - base), kind="stable")[:left]
        base[order] += 1
    return base


def _geonames_outside(
    gn: gpd.GeoDataFrame, units: gpd.GeoDataFrame, sett: pd.DataFrame, census: pd.DataFrame
) -> pd.DataFrame:
    tehsil_names = set(sett["tehsil_key"]) if "tehsil_key" in sett else set()
    covered = units[(units["level"] == "tehsil") & units["name"].isin(tehsil_names)]
    area = covered.union_all() if len(covered) else None
    g = gn if area is None else gn[~gn.within(area)]
    g = g[g["population"].fillna(0) > 0]
    mean_size = census["population"].sum() / max(int(census["households"].sum()), 1)
    return pd.DataFrame(
        {
            "settlement_id": [f"geonames-{i}" for i in g["geonameid"]]
            if "geonameid" in g
            else [f"geonames-{k}" for k in range(len(g))],
            "name": g["name"].astype(str).to_numpy(),
            "households": np.round(g["population"].to_numpy() / mean_size).astype(np.int64),
            "population": g["population"].astype(np.int64).to_numpy(),
            "tehsil_key": None,
            "source": "GeoNames",
            "geometry": g.geometry.to_numpy(),
        }
    )


def _admin_columns(
    sett: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    census: pd.DataFrame | None,
    match: CensusMatch | None,
) -> gpd.GeoDataFrame:
    out = sett.copy()
    for level in sc.ADMIN_LEVELS:
        lv = units[units["level"] == level]
        out[level] = "unknown"
        if len(lv):
            hit = gpd.sjoin(out[["geometry"]], lv[["name", "geometry"]], predicate="within")
            hit = hit[~hit.index.duplicated(keep="first")]
            out.loc[hit.index, level] = hit["name"].to_numpy()
    if census is not None and match is not None and "tehsil_key" in out:
        for name, label in match.pairs.items():
            mask = (out["tehsil_key"] == name).to_numpy()
            out.loc[mask, "tehsil"] = name
            out.loc[mask, "district"] = (
                str(census.at[label, "district"]).title().replace(" District", "")
            )
            out.loc[mask, "province"] = str(census.at[label, "province"]).title()
    if "name_ur" not in out:
        out["name_ur"] = None
    return out.drop(columns=[c for c in ("tehsil_key",) if c in out])


def _user_settlements(path: PathLike, units: gpd.GeoDataFrame) -> pd.DataFrame:
    pts = read_points(path, what="settlements")
    if "households" not in pts.columns:
        raise DataFileError(f"{path}: settlements need a `households` column")
    df = pd.DataFrame(pts)
    if "settlement_id" not in df:
        df["settlement_id"] = [f"S{i + 1:05d}" for i in range(len(df))]
    if "name" not in df:
        df["name"] = df["settlement_id"]
    if "population" not in df:
        df["population"] = np.round(pd.to_numeric(df["households"], errors="coerce") * 6.0)
    df["tehsil_key"] = None
    df["source"] = "user"
    return df


def _site_table(
    pts: gpd.GeoDataFrame,
    *,
    ids: list[str],
    names: list[str],
    kind: str,
    capacity: Any,
    cost: Any,
    tehsil: Any,
    assumed: bool,
) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "centre_id": ids,
            "name": names,
            "kind": kind,
            "capacity_per_day": np.asarray(capacity, dtype=float) * np.ones(len(ids)),
            "opening_cost_pkr": np.asarray(cost, dtype=float) * np.ones(len(ids)),
            "tehsil": tehsil,
            "union_council": "unknown",
            "assumed": assumed,
        },
        geometry=pts.geometry.to_numpy(),
        crs="EPSG:4326",
    )


def _user_sites(
    path: PathLike,
    sett: gpd.GeoDataFrame,
    *,
    kind: str,
    prefix: str,
    capacity: float,
    cost: float,
) -> gpd.GeoDataFrame:
    pts = read_points(path, what="centres" if kind == "existing" else "candidates")
    n = len(pts)
    ids = (
        pts["centre_id"].astype(str).tolist()
        if "centre_id" in pts
        else [f"{prefix}{i + 1:03d}" for i in range(n)]
    )
    names = pts["name"].astype(str).tolist() if "name" in pts else ids
    metric = sett.estimate_utm_crs()  # nearest in metres, not degrees
    teh = gpd.sjoin_nearest(
        pts[["geometry"]].to_crs(metric), sett[["tehsil", "geometry"]].to_crs(metric)
    )
    teh = teh[~teh.index.duplicated(keep="first")]
    return _site_table(
        pts,
        ids=ids,
        names=names,
        kind=kind,
        capacity=pts.get("capacity_per_day", capacity),
        cost=pts.get("opening_cost_pkr", cost),
        tehsil=teh["tehsil"].to_numpy(),
        assumed=False,
    )


def _hq_centres(
    units: gpd.GeoDataFrame,
    sett: gpd.GeoDataFrame,
    places: gpd.GeoDataFrame,
    gn: gpd.GeoDataFrame | None,
    capacity: float,
) -> tuple[gpd.GeoDataFrame, str]:
    """One assumed centre per tehsil; without any tehsil, per district, province, or one."""
    level = next(
        (lv for lv in ("tehsil", "district", "province") if (sett[lv] != "unknown").any()), ""
    )
    if level:
        tehsils = [t for t in dict.fromkeys(sett[level]) if t != "unknown"]
    else:  # no admin unit holds a settlement: one centre for the whole region
        sett = sett.assign(region="the region")
        level, tehsils = "region", ["the region"]
    pool = [places[["name", "geometry"]]]
    if gn is not None:
        pool.append(gn[["name", "geometry"]])
    named = pd.concat(pool, ignore_index=True)
    named["key"] = named["name"].map(normalise_name)
    rows_geom = []
    names = []
    for t in tehsils:
        poly = units.loc[(units["level"] == level) & (units["name"] == t)].union_all()
        hit = named[(named["key"] == normalise_name(t)) & named.within(poly)]
        if len(hit):
            rows_geom.append(hit.geometry.iloc[0])
            names.append(f"{t} DRC (assumed, {level} HQ)")
        else:
            s = sett[sett[level] == t].sort_values("households", ascending=False, kind="stable")
            rows_geom.append(s.geometry.iloc[0])
            names.append(f"{t} DRC (assumed, at {s['name'].iloc[0]})")
    pts = gpd.GeoDataFrame(geometry=rows_geom, crs="EPSG:4326")
    return _site_table(
        pts,
        ids=[f"DRC-{normalise_name(t).replace(' ', '-')}" for t in tehsils],
        names=names,
        kind="existing",
        capacity=capacity,
        cost=0.0,
        tehsil=tehsils if level == "tehsil" else "unknown",
        assumed=True,
    ), level


def _greedy_candidates(
    sett: gpd.GeoDataFrame,
    cen: gpd.GeoDataFrame,
    metric: Any,
    min_households: int,
    spacing_m: float,
    capacity: float,
    cost: float,
) -> tuple[gpd.GeoDataFrame, bool]:
    s = sett[sett["households"] >= min_households].sort_values(
        "households", ascending=False, kind="stable"
    )
    if s.empty:  # small region: take the largest settlements instead
        s = sett.sort_values("households", ascending=False, kind="stable").head(20)
    xy = shapely.get_coordinates(s.to_crs(metric).geometry.array)
    taken = list(shapely.get_coordinates(cen.to_crs(metric).geometry.array))
    pick: list[int] = []
    for k, p in enumerate(xy):
        if taken and np.min(np.hypot(*(np.asarray(taken) - p).T)) < spacing_m:
            continue
        pick.append(k)
        taken.append(p)
    relaxed = not pick  # every settlement is near a centre: the largest one is the candidate
    chosen = s.iloc[pick] if pick else s.iloc[:1]
    return _site_table(
        chosen,
        ids=[f"UCC{i + 1:03d}" for i in range(len(chosen))],
        names=[f"UC centre site {n}" for n in chosen["name"]],
        kind="candidate",
        capacity=capacity,
        cost=cost,
        tehsil=chosen["tehsil"].to_numpy(),
        assumed=False,
    ), relaxed


_CONTRACT_KEYS = ("level", "code", "name", "parent_code", "name_ur")
_LEVEL_WORDS = {
    "province": "province",
    "territory": "province",
    "state": "province",
    "federal territory": "province",
    "capital territory": "province",
    "district": "district",
    "agency": "district",
    "tehsil": "tehsil",
    "tahsil": "tehsil",
    "taluka": "tehsil",
    "sub division": "tehsil",
    "subdivision": "tehsil",
    "union council": "union_council",
    "union_council": "union_council",
    "uc": "union_council",
}
_SKIPPED_WORDS = ("country", "division")


def _level_word(value: object) -> str | None:
    """Contract level of a level/type word, ``""`` for a level to skip, None if unknown."""
    text = re.sub(r"[\s_-]+", " ", str(value).strip().casefold())
    if text in _LEVEL_WORDS:
        return _LEVEL_WORDS[text]
    if text.replace(" ", "_") in sc.ADMIN_LEVELS:
        return text.replace(" ", "_")
    if text in _SKIPPED_WORDS:
        return ""
    for word, level in _LEVEL_WORDS.items():  # "Provincial Capital Territory", "Tehsil/Taluka"
        if len(word) > 3 and word in text:
            return level
    return "" if any(w in text for w in _SKIPPED_WORDS) else None


def _map_boundary_columns(
    gdf: gpd.GeoDataFrame, mapping: dict[str, str], src: str
) -> tuple[gpd.GeoDataFrame, dict[str, str], Counter[str]]:
    """Contract columns from the file's columns; every missing column reported at once."""
    problems: list[Problem] = []
    present = [str(c) for c in gdf.columns if c != "geometry"]
    by_lower = {c.casefold(): c for c in present}
    listing = ", ".join(present) or "none"
    known = (*_CONTRACT_KEYS, *sc.ADMIN_LEVELS)
    for key in mapping:
        if key not in known:
            problems.append(
                Problem(
                    f"boundary_columns key {key!r} is not one of {', '.join(known)}",
                    src,
                    column=key,
                )
            )
    col: dict[str, str] = {}
    const_level: str | None = None
    for key, value in mapping.items():
        if key not in known:
            continue
        if (
            key == "level"
            and value not in gdf.columns
            and value.casefold() not in by_lower
            and _level_word(value)
        ):
            const_level = _level_word(value)
            continue
        hit = value if value in gdf.columns else by_lower.get(str(value).casefold())
        if hit is None:
            problems.append(
                Problem(
                    f"boundary_columns maps {key!r} to this column, which the file does not "
                    f"have (columns: {listing}); correct the mapping",
                    src,
                    column=str(value),
                )
            )
        else:
            col[key] = hit
    if problems:
        raise SchemaError(problems, source=src)
    for key in _CONTRACT_KEYS:
        if key not in col and key.casefold() in by_lower:
            col[key] = by_lower[key.casefold()]
    if "name_ur" not in col and "name:ur" in by_lower:
        col["name_ur"] = by_lower["name:ur"]
    hier = {k: col[k] for k in sc.ADMIN_LEVELS if k in col}
    if not hier and "name" not in col and "name_1" in by_lower:
        hier = _gadm_levels(gdf, by_lower)
        col.update({f"{lvl} (GADM)": c for lvl, c in hier.items()})
    if hier:
        return _from_hierarchy(gdf, hier, by_lower, col, src)
    if "level" not in col and const_level is None and "admin_level" in by_lower:
        col["admin_level"] = by_lower["admin_level"]
    if "level" not in col and "admin_level" not in col and const_level is None:
        problems.append(
            Problem(
                "required column is missing: give `level` (province, district, tehsil, "
                "union_council), or `admin_level` (4 province, 6 district, 7 tehsil, 8 union "
                "council), or GADM columns NAME_1..., or map one with boundary_columns="
                f"{{'level': 'YOUR_COLUMN'}} (columns present: {listing})",
                src,
                column="level",
            )
        )
    if "name" not in col:
        problems.append(
            Problem(
                "required column is missing: give `name`, or map one with boundary_columns="
                f"{{'name': 'YOUR_COLUMN'}} (columns present: {listing})",
                src,
                column="name",
            )
        )
    if problems:
        raise SchemaError(problems, source=src)
    dropped: Counter[str] = Counter()
    bad = pd.Series(False, index=gdf.index)
    if const_level is not None:
        level = pd.Series(const_level, index=gdf.index, dtype=object)
    elif "level" in col:
        level = gdf[col["level"]].map(lambda v: None if pd.isna(v) else _level_word(v))
        bad = level.isna() & gdf[col["level"]].notna()
        for r in gdf.index[bad.to_numpy()][:20]:
            problems.append(
                Problem(
                    f"value {gdf.at[r, col['level']]!r} is not a level; use province, district, "
                    "tehsil or union_council",
                    src,
                    r,
                    col["level"],
                )
            )
    else:
        num = pd.to_numeric(gdf[col["admin_level"]], errors="coerce")
        level = num.map(lambda v: ADMIN_LEVEL_NUMBERS.get(int(v)) if v == v else None)
        skip = num.isin(list(_SKIPPED_ADMIN_LEVELS))
        level[skip] = ""
        bad = level.isna() & gdf[col["admin_level"]].notna()
        for r in gdf.index[bad.to_numpy()][:20]:
            problems.append(
                Problem(
                    f"admin_level {gdf.at[r, col['admin_level']]!r} is not one of 2 (country, "
                    "dropped), 3/4 province, 5 (division, dropped), 6 district, 7 tehsil, "
                    "8 union council",
                    src,
                    r,
                    col["admin_level"],
                )
            )
    level_col = col.get("level") or col.get("admin_level")
    for r in gdf.index[level.isna().to_numpy() & ~bad.to_numpy()][:20]:
        problems.append(Problem("level is missing; fill it in or drop the row", src, r, level_col))
    no_name = gdf[col["name"]].map(_text_or_none).isna().to_numpy()
    for r in gdf.index[no_name][:20]:
        problems.append(Problem("name is missing; fill it in or drop the row", src, r, col["name"]))
    if problems:
        raise SchemaError(problems, source=src)
    keep = (level != "").to_numpy()
    for v in gdf.loc[~keep, col.get("level") or col.get("admin_level") or "geometry"]:
        dropped[f"{v} (not a contract level)"] += 1
    out = gpd.GeoDataFrame(
        {
            "level": level[keep].to_numpy(),
            "name": gdf.loc[keep, col["name"]].to_numpy(),
            "code": gdf.loc[keep, col["code"]].to_numpy() if "code" in col else None,
            "parent_code": gdf.loc[keep, col["parent_code"]].to_numpy()
            if "parent_code" in col
            else None,
            "name_ur": gdf.loc[keep, col["name_ur"]].to_numpy() if "name_ur" in col else None,
        },
        geometry=gdf.geometry[keep].to_numpy(),
        crs="EPSG:4326",
        index=gdf.index[keep],
    )
    if "code" not in col:
        out["code"] = [f"{lv}:{nm}" for lv, nm in zip(out["level"], out["name"], strict=True)]
    used = {k: v for k, v in col.items()}
    if const_level is not None:
        used["level"] = f"(constant) {const_level}"
    return out, used, dropped


def _text_or_none(value: object) -> str | None:
    if value is None or pd.isna(value) or not str(value).strip():  # type: ignore[call-overload]
        return None
    return str(value).strip()


def _gadm_levels(gdf: gpd.GeoDataFrame, by_lower: Mapping[str, str]) -> dict[str, str]:
    """GADM NAME_k columns -> contract level, from ENGTYPE_k/TYPE_k or by depth."""
    default = {1: "province", 2: "district", 3: "tehsil", 4: "union_council"}
    out: dict[str, str] = {}
    for k in range(1, 6):
        name_col = by_lower.get(f"name_{k}")
        if name_col is None:
            break
        type_col = by_lower.get(f"engtype_{k}") or by_lower.get(f"type_{k}")
        level: str | None = default.get(k)
        if type_col is not None and gdf[type_col].notna().any():
            level = _level_word(gdf[type_col].dropna().mode().iloc[0])
        if level and level not in out:
            out[level] = name_col
    return {lv: out[lv] for lv in sc.ADMIN_LEVELS if lv in out}


def _from_hierarchy(
    gdf: gpd.GeoDataFrame,
    hier: Mapping[str, str],
    by_lower: Mapping[str, str],
    col: Mapping[str, str],
    src: str,
) -> tuple[gpd.GeoDataFrame, dict[str, str], Counter[str]]:
    """One row per unit with its parents' names -> one row per unit of every level."""
    levels = list(hier)
    names = gdf[[hier[lv] for lv in levels]].astype(object).map(_text_or_none)
    dropped: Counter[str] = Counter()
    country = names.isna().all(axis=1).to_numpy()  # e.g. GADM's ADM_0 layer
    if country.any():
        dropped["no name in the hierarchy columns (country rows)"] = int(country.sum())
        gdf, names = gdf[~country], names[~country]
    depth = names.notna().sum(axis=1).to_numpy() - 1
    problems: list[Problem] = []
    gaps = names.notna().to_numpy()
    for r, row_ok in zip(gdf.index, gaps, strict=True):
        d = int(row_ok.sum())
        if not row_ok[:d].all():
            problems.append(
                Problem(
                    "the unit's names are missing or have gaps in the hierarchy columns "
                    f"{', '.join(hier.values())}; fill them in or drop the row",
                    src,
                    r,
                )
            )
            if len(problems) >= 20:
                break
    if problems:
        raise SchemaError(problems, source=src)
    gid_cols = {
        lv: by_lower.get(f"gid_{c.rsplit('_', 1)[-1]}") if c.upper().startswith("NAME_") else None
        for lv, c in hier.items()
    }
    paths = [
        tuple(str(v) for v in row[: d + 1]) for row, d in zip(names.to_numpy(), depth, strict=True)
    ]
    code_of: dict[tuple[str, ...], str] = {}
    for d, lv in enumerate(levels):
        gid = gid_cols.get(lv)
        for path, row_i in zip(paths, range(len(paths)), strict=True):
            if len(path) <= d:
                continue
            key = path[: d + 1]
            if key in code_of:
                continue
            value = gdf[gid].iloc[row_i] if gid is not None else None
            code_of[key] = str(value) if value is not None and value == value else "/".join(key)
    geoms: dict[tuple[str, ...], Any] = {}
    geom = gdf.geometry.to_numpy()
    own: dict[tuple[str, ...], list[Any]] = {}
    for path, g in zip(paths, geom, strict=True):
        own.setdefault(path, []).append(g)
    for d in range(len(levels) - 1, -1, -1):
        keys = {k for k in code_of if len(k) == d + 1}
        for key in keys:
            if key in own:
                parts = [g for g in own[key] if g is not None]
            else:
                parts = [g for k, g in geoms.items() if len(k) == d + 2 and k[: d + 1] == key]
            if len(parts) > 1:  # dissolve: repair first (a unit's own polygon is checked later)
                fixed = [g if g.is_valid else shapely.make_valid(g) for g in parts]
                geoms[key] = _polygon_part(shapely.union_all(fixed))
            else:
                geoms[key] = parts[0] if parts else None
    rows = [
        {
            "level": levels[len(k) - 1],
            "code": code_of[k],
            "name": k[-1],
            "parent_code": code_of[k[:-1]] if len(k) > 1 else None,
            "name_ur": None,
            "geometry": geoms[k],
        }
        for k in sorted(code_of, key=lambda k: (len(k), k))
    ]
    out = gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs="EPSG:4326")
    return out, dict(col), dropped


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
            fixed = _polygon_part(shapely.make_valid(g))
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


def _polygon_part(geom: Any) -> Any:
    """The polygonal part of a geometry (None when it has no area)."""
    polys = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not polys:
        return None
    out = shapely.union_all(polys)
    return None if out.is_empty or out.area <= 0 else out
