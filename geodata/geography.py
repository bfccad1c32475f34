"""Checks that a region's geography is possible: points, centres and the metric CRS.

Validation (:mod:`geodata.schema`) checks each table on its own; these checks look at the
tables together and find what is valid but impossible: swapped longitude and latitude, a
settlement in another country, a centre on a road island or far from any drivable road, a UTM
zone on the wrong side of the world. Each finding names the table, the ids and what to do.
``accessgap region check`` prints them, and every command prints them before it runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree
from shapely import STRtree, points

from geodata.drivable import DrivableNetwork, drivable_network

if TYPE_CHECKING:
    from pyproj import CRS

    from geodata.region import Region

__all__ = ["GeographyCheck", "GeographySettings", "check_geography"]

_POINT_TABLES = ("settlements", "centres", "candidates")


@dataclass(frozen=True)
class GeographySettings:
    """Thresholds of :func:`check_geography`.

    Attributes
    ----------
    outside_m
        A point farther than this from every admin unit is outside the region.
    far_from_median_km
        Without admin units: a point farther than this from the settlements' median point.
    centre_road_m
        A centre (or candidate site) farther than this from a drivable road is flagged.
    zone_margin_deg
        How far (degrees of longitude) the region may lie beyond the metric CRS's area of use.
    """

    outside_m: float = 2_000.0
    far_from_median_km: float = 1_000.0
    centre_road_m: float = 500.0
    zone_margin_deg: float = 6.0


@dataclass(frozen=True)
class GeographyCheck:
    """One finding.

    Attributes
    ----------
    code
        ``outside_region``, ``swapped_lonlat``, ``far_from_road``, ``road_island`` or
        ``metric_crs``.
    table
        The table it is in (``settlements``, ``centres``, ``candidates``, ``region.json``).
    ids
        Ids of the rows concerned (at most the first 20 are in the message).
    message
        What is wrong and what to do.
    """

    code: str
    table: str
    ids: tuple[str, ...]
    message: str

    def __str__(self) -> str:
        """``table: message``."""
        return f"{self.table}: {self.message}"


def check_geography(
    region: Region,
    settings: GeographySettings | None = None,
    *,
    net: DrivableNetwork | None = None,
) -> list[GeographyCheck]:
    """Everything about ``region``'s geography that cannot be right.

    Parameters
    ----------
    region
        A validated region.
    settings
        Thresholds; default :class:`GeographySettings`.
    net
        The region's drivable network in its metric CRS, when the caller has it
        (:func:`geodata.drivable.drivable_network`); computed otherwise.

    Returns
    -------
    list of GeographyCheck
        Empty when nothing is wrong.
    """
    cfg = settings or GeographySettings()
    crs = region.metric_crs()
    found = _crs_checks(region, crs, cfg)
    if found:  # distances in a CRS that does not fit the region would mislead
        return found
    found += _outside_checks(region, crs, cfg)
    found += _road_checks(region, crs, cfg, net)
    return found


def _crs_checks(region: Region, crs: CRS, cfg: GeographySettings) -> list[GeographyCheck]:
    area = crs.area_of_use
    s = region.settlements
    if area is None or s.empty:
        return []
    lon = float(np.median(s.geometry.x))
    lat = float(np.median(s.geometry.y))
    inside_lon = area.west - cfg.zone_margin_deg <= lon <= area.east + cfg.zone_margin_deg
    inside_lat = area.south - 1.0 <= lat <= area.north + 1.0
    if inside_lon and inside_lat:
        return []
    return [
        GeographyCheck(
            "metric_crs",
            "region.json",
            (),
            f"metadata.metric_crs {crs.to_string()} is for {area.name} "
            f"({area.west:.0f}..{area.east:.0f} E, {area.south:.0f}..{area.north:.0f} N) but the "
            f"settlements lie around {lon:.2f} E, {lat:.2f} N; set it to the UTM zone of the "
            "region (e.g. EPSG:32642 or EPSG:32643 in Pakistan)",
        )
    ]


def _outside_checks(region: Region, crs: CRS, cfg: GeographySettings) -> list[GeographyCheck]:
    found: list[GeographyCheck] = []
    units = region.boundaries
    tree = STRtree(units.to_crs(crs).geometry.to_numpy()) if len(units) else None
    for table in _POINT_TABLES:
        gdf = getattr(region, table)
        if gdf.empty:
            continue
        ids = _ids(gdf, table)
        far = _outside(gdf, region, crs, tree, cfg)
        if not far.any():
            continue
        swapped = far & _inside_if_swapped(gdf, crs, tree, cfg)
        if swapped.any():
            found.append(
                GeographyCheck(
                    "swapped_lonlat",
                    table,
                    tuple(ids[swapped]),
                    f"{_count(swapped)} point(s) lie inside the region only with longitude and "
                    f"latitude swapped ({_head(ids[swapped])}); swap the lon/lat columns of the "
                    "file they came from",
                )
            )
        rest = far & ~swapped
        if rest.any():
            found.append(
                GeographyCheck(
                    "outside_region",
                    table,
                    tuple(ids[rest]),
                    f"{_count(rest)} point(s) lie outside the region ({_head(ids[rest])}); "
                    "check their coordinates (EPSG:4326 longitude, latitude) or remove them",
                )
            )
    return found


def _outside(
    gdf: gpd.GeoDataFrame, region: Region, crs: CRS, tree: STRtree | None, cfg: GeographySettings
) -> NDArray[np.bool_]:
    if tree is not None:
        pts = gdf.to_crs(crs).geometry.to_numpy()
        hit, _ = tree.query(pts, predicate="dwithin", distance=cfg.outside_m)
        near = np.zeros(len(gdf), dtype=bool)
        near[hit] = True
        return np.asarray(~near)
    s = region.settlements
    lon0, lat0 = float(np.median(s.geometry.x)), float(np.median(s.geometry.y))
    return np.asarray(
        _km(gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy(), lon0, lat0)
        > cfg.far_from_median_km
    )


def _inside_if_swapped(
    gdf: gpd.GeoDataFrame, crs: CRS, tree: STRtree | None, cfg: GeographySettings
) -> NDArray[np.bool_]:
    x, y = gdf.geometry.x.to_numpy(), gdf.geometry.y.to_numpy()
    ok = np.abs(x) <= 90.0
    out = np.zeros(len(gdf), dtype=bool)
    if tree is None or not ok.any():
        return out
    swapped = gpd.GeoSeries(points(y[ok], x[ok]), crs=4326).to_crs(crs).to_numpy()
    hit, _ = tree.query(swapped, predicate="dwithin", distance=cfg.outside_m)
    idx = np.flatnonzero(ok)
    out[idx[np.unique(hit)]] = True
    return out


def _road_checks(
    region: Region, crs: CRS, cfg: GeographySettings, net: DrivableNetwork | None
) -> list[GeographyCheck]:
    if net is None or not net.in_crs(crs):
        net = drivable_network(region.roads.nodes, region.roads.edges, crs)
    if not len(net) or region.settlements.empty:
        return []
    tree = cKDTree(net.xy)
    labels = net.component  # as the engine drives: one-way streets counted
    _, s_near = tree.query(_xy(region.settlements.geometry, crs))
    weights = region.settlements["households"].to_numpy(dtype=float)
    main = int(np.argmax(np.bincount(labels[s_near], weights=weights + 1e-9)))
    found: list[GeographyCheck] = []
    for table in ("centres", "candidates"):
        gdf = getattr(region, table)
        if gdf.empty:
            continue
        ids = _ids(gdf, table)
        dist, near = tree.query(_xy(gdf.geometry, crs))
        far = dist > cfg.centre_road_m
        island = ~far & (labels[near] != main)
        if far.any():
            todo = (
                "move them to where a vehicle can reach them"
                if table == "centres"
                else "people reach them only on foot; keep them only if that is meant"
            )
            found.append(
                GeographyCheck(
                    "far_from_road",
                    table,
                    tuple(ids[far]),
                    f"{_count(far)} site(s) are more than {cfg.centre_road_m:.0f} m from any "
                    f"drivable road ({_head(ids[far])}, up to {dist[far].max() / 1000:.1f} km); "
                    + todo,
                )
            )
        if island.any():
            found.append(
                GeographyCheck(
                    "road_island",
                    table,
                    tuple(ids[island]),
                    f"{_count(island)} site(s) sit on a road network not joined to the one most "
                    f"settlements use ({_head(ids[island])}); check their coordinates or the "
                    "roads around them",
                )
            )
    return found


def _xy(geoms: gpd.GeoSeries, crs: CRS) -> NDArray[np.float64]:
    projected = geoms.to_crs(crs)
    return np.column_stack([projected.x.to_numpy(), projected.y.to_numpy()])


def _ids(gdf: gpd.GeoDataFrame, table: str) -> NDArray[np.str_]:
    col = {"settlements": "settlement_id"}.get(table, "centre_id")
    values = gdf[col] if col in gdf.columns else gdf.index.to_series()
    return np.asarray(values.astype(str).to_numpy())


def _km(lon: NDArray[np.float64], lat: NDArray[np.float64], lon0: float, lat0: float) -> Any:
    p = np.radians
    a = (
        np.sin((p(lat) - p(lat0)) / 2) ** 2
        + np.cos(p(lat)) * np.cos(p(lat0)) * np.sin((p(lon) - p(lon0)) / 2) ** 2
    )
    return 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _count(mask: NDArray[np.bool_]) -> int:
    return int(mask.sum())


def _head(ids: NDArray[np.str_], k: int = 20) -> str:
    shown = ", ".join(ids[:k].tolist())
    return shown + (f" and {len(ids) - k} more" if len(ids) > k else "")
