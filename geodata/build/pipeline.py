"""Build a region package from real data: OSM, census totals and optional user tables.

:func:`build_region` reads the files a planner gives and returns a validated
:class:`~geodata.region.Region` plus a :class:`BuildReport` saying what was read, assumed,
matched and dropped. See ``docs/region_build.md`` for the method and its assumptions.

The steps live in their own modules: :mod:`~geodata.build.readers` (point and polygon
files), :mod:`~geodata.build.boundaries` (admin units), :mod:`~geodata.build.settlements`
and :mod:`~geodata.build.sites` (centres and candidates).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata.build.allocation import (
    MAX_HOUSEHOLDS,
    Allocation,
    TehsilShare,
    allocate_settlements,
    place_seeds,
)
from geodata.build.boundaries import build_units
from geodata.build.population import (
    CELL_M,
    PLACE_WEIGHT_KM,
    PROXY_CLASSES,
    RasterPoints,
    make_cells,
    read_population_raster,
)
from geodata.build.readers import PathLike, read_geonames, read_study_area
from geodata.build.report import BuildReport
from geodata.build.settlements import (
    NATIONAL_MEAN_HOUSEHOLD_SIZE,
    PLACE_DEFAULT_POPULATION,
    admin_columns,
    user_settlements,
)
from geodata.build.sites import centres_on_roads, greedy_candidates, hq_centres, user_sites
from geodata.census import CensusMatch, match_census, read_census
from geodata.drivable import DrivableNetwork, drivable_network
from geodata.errors import DataFileError
from geodata.geography import check_geography
from geodata.joins import join_admin_table
from geodata.osm import read_osm_roads_with_report
from geodata.region import Region, validate_region
from geodata.region_review import review_region

__all__ = ["LICENCES", "build_region"]

#: Licence of each data source, recorded in the region's metadata.
LICENCES = {
    "osm": 'ODbL 1.0, "(c) OpenStreetMap contributors"',
    "census": "Pakistan Bureau of Statistics, Population Census 2017: public statistics",
    "geonames": "GeoNames, CC BY 4.0",
}


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
    population: PathLike | None = None,
    persons_per_household: float | None = None,
    name: str | None = None,
    grid_m: float = 2000.0,
    candidate_min_households: int = 500,
    candidate_spacing_m: float = 4000.0,
    centre_capacity_per_day: float = 150.0,
    candidate_capacity_per_day: float = 60.0,
    candidate_opening_cost_pkr: float = 3_000_000.0,
    simplify_roads: bool = False,
) -> tuple[Region, BuildReport]:
    r"""Build a region from an OSM extract and census totals (plus optional user tables).

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
        extract cuts, and extra places (their population counts only outside census units).
    population
        Population raster (GeoTIFF of persons per pixel, any CRS, e.g. WorldPop 100 m): the
        best weight for spreading census totals, the share of a cut tehsil inside the
        extract, and the persons outside census units.
    persons_per_household
        Household size outside census units (default
        :data:`NATIONAL_MEAN_HOUSEHOLD_SIZE`); census tehsils keep their census sizes.
    name
        Region name (default: the OSM file's stem).
    grid_m
        Size of the blocks that gather cells no place reaches.
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
    >>> print("\n".join(report.lines()))  # doctest: +SKIP
    """
    secs: dict[str, float] = {}
    notes: list[str] = []
    t = time.perf_counter()
    area = read_study_area(boundary) if boundary is not None else None
    roads, road_rep = read_osm_roads_with_report(osm, boundary=area, simplify=simplify_roads)
    secs["roads"] = time.perf_counter() - t

    t = time.perf_counter()
    gn = read_geonames(geonames) if geonames is not None else None
    units, bnd_rep, places, gn, area_unit = build_units(
        osm, area, gn, boundary, boundaries, boundary_columns, roads, name, notes
    )
    secs["boundaries"] = time.perf_counter() - t

    t = time.perf_counter()
    metric = roads.nodes.estimate_utm_crs()
    provenance: dict[str, str] = {
        "roads": f"OpenStreetMap extract {Path(osm).name}"
        + (" (simplified)" if simplify_roads else " (all OSM nodes kept)"),
        "boundaries": f"user file {Path(boundaries).name}"
        if boundaries is not None
        else f"ASSUMED: the extract's area as one tehsil (no admin boundary in {Path(osm).name})"
        if area_unit
        else f"OpenStreetMap admin boundary relations in {Path(osm).name}",
    }
    licences = {"osm": LICENCES["osm"]}
    sett, pop = _settlements(
        _Sources(osm, census, settlements, population, persons_per_household),
        units,
        roads.edges,
        places,
        gn,
        metric,
        grid_m,
        provenance,
        licences,
        notes,
    )
    uc_known = bool((units["level"] == "union_council").any())
    if not uc_known:
        notes.append("union_council is 'unknown': no union council boundaries were given")
    secs["settlements"] = time.perf_counter() - t

    t = time.perf_counter()
    net = drivable_network(roads.nodes, roads.edges, metric)  # validate keeps roads as they are
    cen, cand = _sites(
        centres,
        candidates,
        sett,
        units,
        places,
        gn,
        net,
        _SiteRule(
            centre_capacity_per_day,
            candidate_min_households,
            candidate_spacing_m,
            candidate_capacity_per_day,
            candidate_opening_cost_pkr,
        ),
        provenance,
        notes,
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
    sources = {
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
        "population": population,
    }
    metadata: dict[str, Any] = {
        "synthetic": False,
        "metric_crs": metric.to_string(),
        "provenance": provenance,
        "licences": licences,
        "coverage_known": cov_tab is not None,
        "centres_assumed": centres is None,
        "union_council_known": uc_known,
        "settlements_method": pop.method,
        "grid_m": grid_m,
        "notes": list(notes),
        "sources": {k: str(v) for k, v in sources.items() if v is not None},
    }
    if census is not None and pop.match is not None:
        metadata["census_households"] = _census_households(census, pop.match)
        metadata["census_share_inside"] = {t.name: t.share for t in pop.tehsils}
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
    t = time.perf_counter()
    review = [
        *review_region(region, net=net).lines(),
        *(f"warning: {w}" for w in check_geography(region, net=net)),
    ]
    secs["review"] = time.perf_counter() - t
    report = BuildReport(
        roads=road_rep,
        boundaries=bnd_rep,
        census=pop.match,
        coverage=cov_rep,
        poverty=pov_rep,
        notes=tuple(notes),
        households_census=pop.households_census,
        households_settlements=int(region.settlements["households"].sum()),
        tehsil_shares=pop.tehsils,
        seconds=secs,
        review=tuple(review),
    )
    return region, report


# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Population:
    """How the settlements were made: method, census match and census households."""

    method: str
    match: CensusMatch | None = None
    households_census: int = 0
    tehsils: tuple[TehsilShare, ...] = ()


@dataclass(frozen=True)
class _Sources:
    """The files the settlements are made from and the household size outside census."""

    osm: PathLike
    census: PathLike | None
    settlements: PathLike | None
    population: PathLike | None
    persons_per_household: float | None


@dataclass(frozen=True)
class _SiteRule:
    """Capacities, costs and the default candidate rule of :func:`build_region`."""

    centre_capacity: float
    min_households: int
    spacing_m: float
    candidate_capacity: float
    candidate_cost: float


def _census_households(census: PathLike, match: CensusMatch) -> dict[str, int]:
    """Census households of each matched tehsil (the review compares settlements with it)."""
    households = read_census(census)["households"].to_dict()
    return {str(t): int(households[label]) for t, label in match.pairs.items()}


def _settlements(
    src: _Sources,
    units: gpd.GeoDataFrame,
    edges: gpd.GeoDataFrame,
    places: gpd.GeoDataFrame,
    gn: gpd.GeoDataFrame | None,
    metric: Any,
    grid_m: float,
    provenance: dict[str, str],
    licences: dict[str, str],
    notes: list[str],
) -> tuple[gpd.GeoDataFrame, _Population]:
    """Settlements from a user file, else places and cells with census households.

    Adds the settlements' provenance, licences and notes.
    """
    census_tab = read_census(src.census) if src.census is not None else None
    if src.settlements is not None:
        sett = user_settlements(src.settlements, units)
        provenance["settlements"] = f"user file {Path(src.settlements).name}"
        pop = _Population("user")
    else:
        sett, pop = _placed_settlements(
            src, census_tab, units, edges, places, gn, metric, grid_m, provenance, notes
        )
        if pop.match is not None and pop.match.pairs:
            licences["census"] = LICENCES["census"]
    if gn is not None:
        licences["geonames"] = LICENCES["geonames"]
    sett = gpd.GeoDataFrame(sett, geometry="geometry", crs="EPSG:4326")
    return admin_columns(sett, units, census_tab, pop.match), pop


def _placed_settlements(
    src: _Sources,
    census_tab: pd.DataFrame | None,
    units: gpd.GeoDataFrame,
    edges: gpd.GeoDataFrame,
    places: gpd.GeoDataFrame,
    gn: gpd.GeoDataFrame | None,
    metric: Any,
    grid_m: float,
    provenance: dict[str, str],
    notes: list[str],
) -> tuple[pd.DataFrame, _Population]:
    """Places and cells (:mod:`geodata.build.allocation`), census allocated where matched.

    Raises
    ------
    DataFileError
        When there is no population source at all (no census tehsil, no raster, no place).
    """
    tehsils = units[units["level"] == "tehsil"]
    match = match_census(census_tab, tehsils["name"]) if census_tab is not None else None
    if census_tab is not None and match is not None and not match.pairs:
        notes.append(
            f"census NOT USED: none of the extract's tehsils ({', '.join(tehsils['name'])}) "
            f"is in {Path(str(src.census)).name}; households come from place tags, the "
            "raster or assumed place sizes; give boundaries=FILE (admin units) or "
            "geonames=FILE (anchors for tehsils the extract cuts) to use the census"
        )
    matched = tehsils[tehsils["name"].isin(list(match.pairs) if match else [])]
    seeds = place_seeds(places, gn, metric)
    b = np.asarray(edges.total_bounds, dtype=float)
    if len(units):
        ub = np.asarray(units.total_bounds, dtype=float)
        b = np.r_[np.minimum(b[:2], ub[:2]), np.maximum(b[2:], ub[2:])]
    bounds = tuple(float(v) for v in b)
    raster = (
        read_population_raster(src.population, metric, bounds)
        if src.population is not None
        else None
    )
    cells = make_cells(edges, seeds[["x", "y"]].to_numpy(dtype=float), raster, metric)
    teh_m = gpd.GeoDataFrame(matched, geometry="geometry", crs="EPSG:4326").to_crs(metric)
    if "whole" in teh_m:
        teh_m["whole"] = _to_metric(teh_m["whole"], metric)
    size = src.persons_per_household or NATIONAL_MEAN_HOUSEHOLD_SIZE
    alloc = allocate_settlements(
        cells,
        seeds,
        teh_m.reset_index(drop=True),
        census_tab,
        match,
        metric=metric,
        use_raster=raster is not None,
        persons_per_household=size,
        block_m=grid_m,
    )
    if not len(alloc.settlements):
        raise DataFileError(
            f"{src.osm}: no population source: no census tehsil, no population raster, and "
            "no named OSM place node (place=city/town/village/hamlet/suburb...) "
            + ("or GeoNames place with a population " if gn is not None else "")
            + "in the area; give a census table (census=...), a settlements file with "
            "households (settlements=...), a raster (population=...) or GeoNames places "
            "(geonames=...)"
        )
    notes += _allocation_notes(alloc, size, raster is not None)
    provenance["settlements"] = _provenance(src, alloc, raster, size, grid_m)
    method = "census_places" if alloc.tehsils else "osm_places"
    return alloc.settlements, _Population(
        method, match, alloc.households_census, tuple(alloc.tehsils)
    )


def _to_metric(geoms: pd.Series, metric: Any) -> list[Any]:
    """Polygons (EPSG:4326, may be None) in the metric CRS."""
    out: list[Any] = []
    for g in geoms:
        ok = g is not None and not (isinstance(g, float)) and not g.is_empty
        out.append(gpd.GeoSeries([g], crs="EPSG:4326").to_crs(metric).iloc[0] if ok else None)
    return out


def _allocation_notes(alloc: Allocation, size: float, raster: bool) -> list[str]:
    """Notes on partial tehsils, places outside census units and split settlements."""
    out = list(alloc.notes)
    part = [t for t in alloc.tehsils if t.method != "complete"]
    if part:
        out.append(
            "tehsils only partly inside the extract contribute their share inside: "
            + "; ".join(f"{t.name} {t.share:.1%} ({t.method})" for t in part)
        )
    guessed = [t.name for t in alloc.tehsils if t.method == "roads"]
    if guessed:
        out.append(
            "share inside the extract ESTIMATED from the roads inside (no complete boundary, "
            "no raster): the persons their residential roads can hold at "
            f"{alloc.persons_per_road_km:,.0f} persons per km ({alloc.density_source}), at "
            "most the census total, for " + ", ".join(guessed) + "; give population=RASTER "
            "or boundaries=FILE with complete tehsils"
        )
    if alloc.split:
        out.append(
            f"{alloc.split} settlements over {MAX_HOUSEHOLDS:,} households split into "
            "neighbourhoods (halved along their longer side)"
        )
    outside = alloc.settlements["tehsil_key"].isna()
    if outside.any():
        out.append(
            f"{int(outside.sum())} settlements outside census units "
            f"({int(alloc.settlements.loc[outside, 'population'].sum()):,} persons, from "
            + (
                "the population raster"
                if raster
                else "OSM/GeoNames population tags or assumed place sizes"
            )
            + f"): households = population / {size:g}"
        )
    return out


def _provenance(
    src: _Sources, alloc: Allocation, raster: RasterPoints | None, size: float, grid_m: float
) -> str:
    """Where the settlements' households come from."""
    weight = (
        f"raster persons ({raster.source})"
        if raster is not None
        else f"km of {'/'.join(PROXY_CLASSES)} roads plus {PLACE_WEIGHT_KM:g} km per place"
    )
    head = (
        f"census totals per tehsil ({Path(str(src.census)).name}), rural and urban, times "
        f"the tehsil's share inside the extract, spread over {CELL_M:g} m cells by {weight}"
        if alloc.tehsils
        else f"ESTIMATED (no census tehsil): {weight}"
    )
    return (
        f"{head}; cells gathered into OSM/GeoNames places (nearest place within its reach) "
        f"and {grid_m:g} m blocks; outside census units: "
        + (
            "raster persons"
            if raster is not None
            else "place `population` tags, else an "
            "assumed population per place kind ("
            + ", ".join(f"{k} {v:,}" for k, v in PLACE_DEFAULT_POPULATION.items() if v)
            + ")"
        )
        + f", households = population / {size:g}"
    )


def _sites(
    centres: PathLike | None,
    candidates: PathLike | None,
    sett: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    places: gpd.GeoDataFrame,
    gn: gpd.GeoDataFrame | None,
    net: DrivableNetwork,
    rule: _SiteRule,
    provenance: dict[str, str],
    notes: list[str],
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Existing centres and candidate sites: the user's files, else assumed defaults.

    Assumed centres and default candidates stand on the main drivable network.
    """
    if centres is not None:
        cen = user_sites(
            centres, sett, kind="existing", prefix="C", capacity=rule.centre_capacity, cost=0.0
        )
        provenance["centres"] = f"user file {Path(centres).name}"
    else:
        cen, per = hq_centres(units, sett, places, gn, rule.centre_capacity)
        cen, moved = centres_on_roads(cen, net)
        provenance["centres"] = (
            f"ASSUMED: one centre per {per} at its headquarters town (OSM/GeoNames place "
            f"named like the {per}, else the {per}'s largest settlement), on the nearest "
            "node of the main drivable road network; no public list of BISP registration "
            "centres exists"
        )
        notes.append(f"{len(cen)} existing centres assumed at {per} headquarters")
        notes.extend(moved)
    if candidates is not None:
        cand = user_sites(
            candidates,
            sett,
            kind="candidate",
            prefix="UCC",
            capacity=rule.candidate_capacity,
            cost=rule.candidate_cost,
        )
        provenance["candidates"] = f"user file {Path(candidates).name}"
        return cen, cand
    cand, relaxed = greedy_candidates(
        sett,
        cen,
        net.crs,
        rule.min_households,
        rule.spacing_m,
        rule.candidate_capacity,
        rule.candidate_cost,
        net,
    )
    provenance["candidates"] = (
        f"settlements with >= {rule.min_households} households, greedily by "
        f"households, on the nearest node of the main drivable road network, "
        f">= {rule.spacing_m:g} m apart and from existing centres"
    )
    if relaxed:
        notes.append(
            "no settlement met the candidate rule (households and spacing from existing "
            "centres): the one farthest from the centres is the only candidate; give "
            "candidates=FILE"
        )
    return cen, cand
