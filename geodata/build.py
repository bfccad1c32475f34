"""Build a region package from real data: OSM, census totals and optional user tables.

:func:`build_region` reads the files a planner gives and returns a validated
:class:`~geodata.region.Region` plus a :class:`BuildReport` saying what was read, assumed,
matched and dropped. See ``docs/region_build.md`` for the method and its assumptions.
"""

from __future__ import annotations

import logging
import os
import time
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.errors import GEOSException

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

__all__ = ["PROXY_CLASSES", "BuildReport", "build_region", "read_points"]

log = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]

#: Road classes whose length in a grid cell is the population proxy.
PROXY_CLASSES = ("residential", "unclassified", "living_street")
#: An OSM or GeoNames place in a cell counts as this many km of residential road.
PLACE_WEIGHT_KM = 2.0

LICENCES = {
    "osm": 'ODbL 1.0, "(c) OpenStreetMap contributors"',
    "census": "Pakistan Bureau of Statistics, Population Census 2017: public statistics",
    "geonames": "GeoNames, CC BY 4.0",
}


@dataclass(frozen=True)
class BuildReport:
    """Everything :func:`build_region` read, assumed, matched and dropped.

    Attributes
    ----------
    roads, boundaries
        Reports of the OSM readers.
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
    boundaries: BoundaryReadReport
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
        Polygon file (GeoJSON, GeoPackage, Shapefile) of the study area; roads, settlements
        and units are clipped to it. Reprojected to EPSG:4326 with a logged message.
    settlements
        Points with ``households`` (and optionally ``name``, ``population``,
        ``settlement_id``); replaces the census-derived grid.
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
        A file is missing or unreadable, the boundary misses the extract, or there is no
        population source (neither census nor settlements) for the area.
    SchemaError
        A user table breaks its contract (every problem listed).

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
    units, bnd_rep = read_osm_boundaries(osm, anchors=anchors)
    places = read_osm_places(osm)
    if area is not None:
        units = _clip(units, area)
        places = places[places.within(area)]
        if gn is not None:
            gn = gn[gn.within(area)]
    else:
        hull = shapely.box(*roads.nodes.total_bounds)
        if gn is not None:
            gn = gn[gn.within(hull)]
    units = _with_parents(units)
    if (units["partial"]).any():
        notes.append(
            "admin units cut by the extract were rebuilt from their borders inside it: "
            + ", ".join(f"{r.level} {r.name}" for r in units[units["partial"]].itertuples())
            + " (approximate where the border between them lies outside the file)"
        )
    secs["boundaries"] = time.perf_counter() - t

    t = time.perf_counter()
    metric = roads.nodes.estimate_utm_crs()
    census_tab = read_census(census) if census is not None else None
    match: CensusMatch | None = None
    hh_census = 0
    provenance: dict[str, str] = {
        "roads": f"OpenStreetMap extract {Path(osm).name}"
        + (" (simplified)" if simplify_roads else " (all OSM nodes kept)"),
        "boundaries": f"OpenStreetMap admin boundary relations in {Path(osm).name}",
    }
    licences = {"osm": LICENCES["osm"]}
    if settlements is not None:
        sett = _user_settlements(settlements, units)
        provenance["settlements"] = f"user file {Path(settlements).name}"
    else:
        if census_tab is None:
            raise DataFileError(
                "no population source: give a census table (census=...) or a settlements "
                "file with households (settlements=...)"
            )
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
    notes.append("union_council is 'unknown': no union council boundaries were given")
    secs["settlements"] = time.perf_counter() - t

    t = time.perf_counter()
    if centres is not None:
        cen = _user_sites(
            centres, sett, kind="existing", prefix="C", capacity=centre_capacity_per_day, cost=0.0
        )
        provenance["centres"] = f"user file {Path(centres).name}"
    else:
        cen = _hq_centres(units, sett, places, gn, centre_capacity_per_day)
        provenance["centres"] = (
            "ASSUMED: one centre per tehsil at its headquarters town (OSM/GeoNames place "
            "named like the tehsil, else the tehsil's largest settlement); no public list "
            "of BISP registration centres exists"
        )
        notes.append(f"{len(cen)} existing centres assumed at tehsil headquarters")
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
        cand = _greedy_candidates(
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
        "union_council_known": False,
        "settlements_method": "user" if settlements is not None else "census_grid",
        "grid_m": grid_m,
        "notes": list(notes),
        "sources": {
            k: str(v)
            for k, v in {
                "osm": osm,
                "census": census,
                "boundary": boundary,
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
    if not src.is_file():
        raise DataFileError(f"{src}: no such file")
    if src.stat().st_size == 0:
        raise DataFileError(f"{src}: file is empty")
    try:
        # GDAL reports broken features as warnings from its error handler: log them
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            gdf = gpd.read_file(src)
    except Exception as err:  # pyogrio raises several kinds; all mean "unreadable"
        raise DataFileError(f"{src}: cannot be read as a vector file ({err})") from err
    for w in caught[:20]:
        log.warning("%s: %s", src, w.message)
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
    up = {"tehsil": "district", "district": "province"}
    pts = out.geometry.representative_point()
    for i in out.index:
        parent_level = up.get(str(out.at[i, "level"]))
        if parent_level is None:
            continue
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
    for level in ("province", "district", "tehsil"):
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
    out["union_council"] = "unknown"
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
) -> gpd.GeoDataFrame:
    tehsils = [t for t in dict.fromkeys(sett["tehsil"]) if t != "unknown"]
    pool = [places[["name", "geometry"]]]
    if gn is not None:
        pool.append(gn[["name", "geometry"]])
    named = pd.concat(pool, ignore_index=True)
    named["key"] = named["name"].map(normalise_name)
    rows_geom = []
    names = []
    for t in tehsils:
        poly = units.loc[(units["level"] == "tehsil") & (units["name"] == t)].union_all()
        hit = named[(named["key"] == normalise_name(t)) & named.within(poly)]
        if len(hit):
            rows_geom.append(hit.geometry.iloc[0])
            names.append(f"{t} DRC (assumed, tehsil HQ)")
        else:
            s = sett[sett["tehsil"] == t].sort_values("households", ascending=False)
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
        tehsil=tehsils,
        assumed=True,
    )


def _greedy_candidates(
    sett: gpd.GeoDataFrame,
    cen: gpd.GeoDataFrame,
    metric: Any,
    min_households: int,
    spacing_m: float,
    capacity: float,
    cost: float,
) -> gpd.GeoDataFrame:
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
    chosen = s.iloc[pick]
    return _site_table(
        chosen,
        ids=[f"UCC{i + 1:03d}" for i in range(len(chosen))],
        names=[f"UC centre site {n}" for n in chosen["name"]],
        kind="candidate",
        capacity=capacity,
        cost=cost,
        tehsil=chosen["tehsil"].to_numpy(),
        assumed=False,
    )
