"""Travel-time raster and isochrones over a surface, the way AccessMod and MAP maps show them.

:func:`travel_time_raster` runs the nearest-centre search of :mod:`access.offroad_region` and
keeps every cell's minutes to its nearest centre (trip cell -> centre);
:func:`write_travel_time_raster` writes it as a GeoTIFF (float32 minutes, nodata -1, the
region's metric CRS); :func:`raster_isochrones` turns it into polygons per centre and band.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from access.context import resolve_settings, site_table
from access.friction import Surface
from access.offroad import grid_path_metres, grid_search, point_seeds
from access.offroad_region import offroad_context, resolve_offroad
from access.search import Seeds
from access.speeds import TravelSettings
from geodata.errors import SchemaError
from geodata.region import Region
from geodata.schema import STORAGE_CRS

__all__ = [
    "SurfacePath",
    "TravelRaster",
    "raster_isochrones",
    "surface_path",
    "travel_time_raster",
    "write_travel_time_raster",
]


@dataclass(frozen=True, eq=False)
class TravelRaster:
    """Minutes from every cell to its nearest centre.

    Attributes
    ----------
    minutes
        ``(rows, cols)`` float32; NaN where impassable or unreached.
    centre
        ``(rows, cols)`` int32 position of the nearest centre in ``centre_ids`` (``-1``).
    centre_ids
        Ids of the centres.
    surface
        The surface (grid, CRS).
    """

    minutes: np.ndarray
    centre: np.ndarray
    centre_ids: tuple[str, ...]
    surface: Surface


def travel_time_raster(
    region: Region,
    *,
    settings: TravelSettings | None = None,
    mode: str | None = None,
    centres: gpd.GeoDataFrame | str = "centres",
) -> TravelRaster:
    """Minutes from every cell of the region's surface to the nearest centre.

    Raises
    ------
    SchemaError
        When no surface is in use (give rasters or enable the region's).
    """
    st = resolve_settings(settings, mode)
    offroad = resolve_offroad(region, st)
    if offroad is None:
        raise SchemaError(
            "a travel-time raster needs a surface: give --friction/--elevation/--landcover "
            "or enable the region's rasters",
            source="travel_time_raster",
        )
    oc = offroad_context(region, st, offroad)
    sites = site_table(region, centres)
    g = oc.grid(reverse=True)
    seeds, _ = point_seeds(oc.surface, oc.metric_xy(sites))
    sp = grid_search(g, seeds, np.arange(seeds.n_items))
    n = oc.surface.n_cells
    d = sp.dist[:n]
    minutes = np.where(np.isfinite(d), d / 60.0, np.nan).astype(np.float32)
    return TravelRaster(
        minutes=minutes.reshape(oc.surface.shape),
        centre=sp.label[:n].reshape(oc.surface.shape),
        centre_ids=tuple(sites["centre_id"].astype(str)),
        surface=oc.surface,
    )


@dataclass(frozen=True, eq=False)
class SurfacePath:
    """The fastest path between two points over a surface and its roads (metric CRS).

    Attributes
    ----------
    xy
        ``(k, 2)`` metric vertices: origin, the cells and road points passed, destination.
    seconds
        Travel time, both walks to and from the cells' centres included.
    road_m, offroad_m
        Metres on roads and off them.
    """

    xy: np.ndarray
    seconds: float
    road_m: float
    offroad_m: float


def surface_path(
    region: Region, settings: TravelSettings, origin_xy: np.ndarray, dest_xy: np.ndarray
) -> SurfacePath | None:
    """The fastest path from ``origin_xy`` to ``dest_xy`` over the region's surface.

    One forward search from the origin's cell (:func:`access.offroad.grid_search`), walked
    back from the destination's cell; two points in one cell may walk straight across it.
    ``None`` when no surface is in use; ``seconds`` is ``inf`` when either point is off the
    surface or the destination is unreached.
    """
    offroad = resolve_offroad(region, settings)
    if offroad is None:
        return None
    oc = offroad_context(region, settings, offroad)
    pts = np.vstack([origin_xy, dest_xy]).astype(np.float64)
    seeds, ok = point_seeds(oc.surface, pts)
    if not ok.all():
        return SurfacePath(pts, np.inf, np.nan, np.nan)
    o_cell, d_cell = int(seeds.node[0]), int(seeds.node[1])
    flat = float(oc.surface.flat_s_per_m.ravel()[o_cell])
    straight = float(np.hypot(*(pts[0] - pts[1])))
    if o_cell == d_cell and straight * flat <= float(seeds.cost[0] + seeds.cost[1]):
        return SurfacePath(pts, straight * flat, 0.0, straight)
    g = oc.grid(reverse=False)
    origin = Seeds(seeds.ptr[:2], seeds.node[:1], seeds.cost[:1], seeds.length[:1])
    sp = grid_search(g, origin, np.arange(1))
    total = float(sp.dist[d_cell] + seeds.cost[1])
    if not np.isfinite(total):
        return SurfacePath(pts, np.inf, np.nan, np.nan)
    nodes = [d_cell]
    while sp.pred[nodes[-1]] >= 0:
        nodes.append(int(sp.pred[nodes[-1]]))
    nodes.reverse()
    arr = np.asarray(nodes, np.int64)
    n = oc.surface.n_cells
    xy = np.empty((arr.size, 2))
    cell = arr < n
    xy[cell] = oc.surface.cell_xy(arr[cell])
    xy[~cell] = g.road_xy[arr[~cell] - n]
    off_m, road_m = grid_path_metres(g, sp.pred, np.array([d_cell]))
    ends = float(seeds.length[0] + seeds.length[1])
    return SurfacePath(
        np.vstack([pts[:1], xy, pts[1:]]), total, float(road_m[0]), float(off_m[0]) + ends
    )


def write_travel_time_raster(raster: TravelRaster, path: str | os.PathLike[str]) -> Path:
    """Write the minutes as a GeoTIFF (float32, nodata -1, deflate), atomically."""
    import rasterio

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tif", dir=target.parent)
    os.close(fd)
    data = np.where(np.isfinite(raster.minutes), raster.minutes, -1.0).astype(np.float32)
    rows, cols = data.shape
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PendingDeprecationWarning)  # affine 3
            with rasterio.open(
                tmp,
                "w",
                driver="GTiff",
                width=cols,
                height=rows,
                count=1,
                dtype="float32",
                crs=raster.surface.crs.to_wkt(),
                transform=raster.surface.transform(),
                nodata=-1.0,
                compress="deflate",
            ) as dst:
                dst.write(data, 1)
                dst.update_tags(units="minutes to the nearest centre")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def raster_isochrones(
    raster: TravelRaster, *, bands_min: tuple[float, ...] = (30, 60, 120)
) -> gpd.GeoDataFrame:
    """Polygons of the cells within each band of their nearest centre (EPSG:4326).

    Bands are cumulative (the 60-minute area contains the 30-minute one); one row per
    (centre, band) with at least one cell.
    """
    from rasterio.features import shapes

    rows: list[dict[str, Any]] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)  # affine 3
        tr = raster.surface.transform()
        for band in sorted(bands_min):
            inside = np.isfinite(raster.minutes) & (raster.minutes <= band)
            lab = np.where(inside, raster.centre, -1).astype(np.int32)
            polys: dict[int, list[Any]] = {}
            for geom, value in shapes(lab, mask=inside, transform=tr):
                polys.setdefault(int(value), []).append(shapely.geometry.shape(geom))
            for c, parts in sorted(polys.items()):
                rows.append(
                    {
                        "centre_id": raster.centre_ids[c],
                        "band_min": float(band),
                        "geometry": shapely.union_all(parts),
                    }
                )
    gdf = gpd.GeoDataFrame(
        rows,
        columns=["centre_id", "band_min", "geometry"],
        geometry="geometry",
        crs=raster.surface.crs,
    )
    return gdf.to_crs(STORAGE_CRS)
