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
import pandas as pd

from geodata.build.boundaries import build_units
from geodata.build.readers import PathLike, read_geonames, read_study_area
from geodata.build.report import BuildReport
from geodata.build.settlements import (
    NATIONAL_MEAN_HOUSEHOLD_SIZE,
    PLACE_DEFAULT_POPULATION,
    PLACE_WEIGHT_KM,
    PROXY_CLASSES,
    admin_columns,
    geonames_outside_census,
    grid_settlements,
    place_settlements,
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
        osm,
        census,
        settlements,
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
    cen, cand = _sites(
        centres,
        candidates,
        sett,
        units,
        places,
        gn,
        drivable_network(roads.nodes, roads.edges, metric),
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
        *review_region(region).lines(),
        *(f"warning: {w}" for w in check_geography(region)),
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
    osm: PathLike,
    census: PathLike | None,
    settlements: PathLike | None,
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
    """Settlements from a user file, the census grid or OSM/GeoNames places, with admin names.

    Adds the settlements' provenance, licences and notes.
    """
    census_tab = read_census(census) if census is not None else None
    if settlements is not None:
        sett = user_settlements(settlements, units)
        provenance["settlements"] = f"user file {Path(settlements).name}"
        pop = _Population("user")
    elif census is None or census_tab is None:
        sett = _estimated_settlements(osm, places, gn, metric, provenance, notes)
        pop = _Population("osm_places")
    else:
        sett, pop = _census_settlements(
            census, census_tab, units, edges, places, gn, metric, grid_m, provenance, notes
        )
        licences["census"] = LICENCES["census"]
    if gn is not None:
        licences["geonames"] = LICENCES["geonames"]
    sett = gpd.GeoDataFrame(sett, geometry="geometry", crs="EPSG:4326")
    return admin_columns(sett, units, census_tab, pop.match), pop


def _estimated_settlements(
    osm: PathLike,
    places: gpd.GeoDataFrame,
    gn: gpd.GeoDataFrame | None,
    metric: Any,
    provenance: dict[str, str],
    notes: list[str],
) -> pd.DataFrame:
    """Settlements of OSM/GeoNames places with ESTIMATED households (no census, no file)."""
    sett, n_osm, n_gn = place_settlements(places, gn, metric, osm)
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
    return sett


def _census_settlements(
    census: PathLike,
    census_tab: pd.DataFrame,
    units: gpd.GeoDataFrame,
    edges: gpd.GeoDataFrame,
    places: gpd.GeoDataFrame,
    gn: gpd.GeoDataFrame | None,
    metric: Any,
    grid_m: float,
    provenance: dict[str, str],
    notes: list[str],
) -> tuple[pd.DataFrame, _Population]:
    """Census totals of the matched tehsils spread over the grid (plus GeoNames outside).

    Raises
    ------
    DataFileError
        When no tehsil of the extract is in the census table.
    """
    tehsils = units[units["level"] == "tehsil"]
    match = match_census(census_tab, tehsils["name"])
    if not match.pairs:
        raise DataFileError(
            f"{census}: none of the extract's tehsils ({', '.join(tehsils['name'])}) "
            "is in the census table; check the names or give a simple table "
            "`tehsil, population, households`"
        )
    sett, hh_census = grid_settlements(
        edges, tehsils, census_tab, match, places, gn, metric, grid_m
    )
    provenance["settlements"] = (
        f"census totals per tehsil ({Path(str(census)).name}) spread over a {grid_m:g} m "
        "grid "
        f"in proportion to the length of {'/'.join(PROXY_CLASSES)} roads per cell plus "
        f"{PLACE_WEIGHT_KM:g} km per OSM/GeoNames place; households from census "
        "average household size"
    )
    if gn is not None:
        extra = geonames_outside_census(gn, units, sett, census_tab)
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
    return sett, _Population("census_grid", match, hh_census)


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
