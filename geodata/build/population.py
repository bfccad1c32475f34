"""Population weights on a fine grid: a population raster, residential roads, place nodes.

A built region's households are placed on cells of :data:`CELL_M` metres (in the region's
metric CRS) before they are gathered into settlements (:mod:`geodata.build.allocation`).
Each cell gets weights from the best source available:

* a population raster (``--population FILE.tif``, any CRS; pixel values are persons per
  pixel, e.g. WorldPop 100 m): the persons of the pixels whose centre lies in the cell;
* else the km of :data:`PROXY_CLASSES` roads whose midpoint lies in the cell, plus
  :data:`PLACE_WEIGHT_KM` per OSM/GeoNames place node in it;
* else (a unit without any of those) equal weights per place, or one point.

See ``docs/region_build.md`` for the formulas.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer

from geodata.build.readers import PathLike
from geodata.errors import DataFileError

__all__ = [
    "CELL_M",
    "PLACE_WEIGHT_KM",
    "PROXY_CLASSES",
    "Cells",
    "RasterPoints",
    "make_cells",
    "read_population_raster",
]

#: Cell size (m) of the fine grid households are placed on.
CELL_M = 500.0
#: Road classes whose length in a cell is the population proxy (without a raster).
PROXY_CLASSES = ("residential", "unclassified", "living_street")
#: An OSM or GeoNames place in a cell counts as this many km of residential road.
PLACE_WEIGHT_KM = 2.0
#: Pixels read at most from a raster (about 60 x 60 km at 30 m).
_MAX_PIXELS = 4_000_000


@dataclass(frozen=True)
class RasterPoints:
    """Pixel centres of a population raster with persons > 0, in the metric CRS.

    Attributes
    ----------
    x, y
        Pixel centres (metres).
    persons
        Persons per pixel.
    source
        The raster file, its CRS and pixel size, for provenance.
    """

    x: np.ndarray
    y: np.ndarray
    persons: np.ndarray
    source: str


@dataclass(frozen=True)
class Cells:
    """The fine grid cells that hold any weight.

    Attributes
    ----------
    x, y
        Weighted centres of the cells (metric CRS).
    raster
        Persons of the raster per cell (zeros without a raster).
    roads
        km of proxy roads plus place weight per cell.
    """

    x: np.ndarray
    y: np.ndarray
    raster: np.ndarray
    roads: np.ndarray

    def weights(self, use_raster: bool) -> np.ndarray:
        """The raster persons (when ``use_raster``) else the road weights."""
        return self.raster if use_raster else self.roads


def read_population_raster(path: PathLike, metric: Any, bounds: tuple[float, ...]) -> RasterPoints:
    """Read a population raster's pixels inside ``bounds`` (lon/lat) as metric points.

    The raster may be in any CRS: ``bounds`` is transformed to it, the window read, and
    the centres of pixels with persons > 0 (nodata, NaN and negative values ignored)
    transformed to ``metric``.

    Parameters
    ----------
    path
        GeoTIFF (or any raster rasterio reads) of persons per pixel.
    metric
        The region's metric CRS.
    bounds
        ``(west, south, east, north)`` in EPSG:4326.

    Returns
    -------
    RasterPoints
        The populated pixel centres.

    Raises
    ------
    DataFileError
        The file is missing or unreadable, has no CRS, misses the area or is too large.
    """
    import rasterio
    from rasterio.errors import RasterioError
    from rasterio.warp import transform_bounds
    from rasterio.windows import from_bounds

    try:
        with warnings.catch_warnings(), rasterio.open(path) as ds:
            # affine 3 warns about rasterio's own `*` on transforms
            warnings.simplefilter("ignore", PendingDeprecationWarning)
            if ds.crs is None:
                raise DataFileError(
                    f"{path}: the population raster has no CRS; save it with its CRS "
                    "(WorldPop rasters are EPSG:4326)"
                )
            box = transform_bounds("EPSG:4326", ds.crs, *bounds)
            win = from_bounds(*box, transform=ds.transform)
            win = win.round_offsets().round_lengths()
            win = win.intersection(rasterio.windows.Window(0, 0, ds.width, ds.height))
            if win.width * win.height > _MAX_PIXELS:
                raise DataFileError(
                    f"{path}: the area covers {int(win.width * win.height):,} pixels of the "
                    f"raster (at most {_MAX_PIXELS:,}); give a coarser raster (e.g. 100 m)"
                )
            band = ds.read(1, window=win, masked=True)
            tr = ds.window_transform(win)
            crs = CRS.from_user_input(ds.crs)
            res = ds.res
    except rasterio.errors.WindowError as err:
        raise DataFileError(f"{path}: the population raster misses the extract") from err
    except (RasterioError, OSError) as err:
        raise DataFileError(f"{path}: cannot be read as a raster ({err})") from err
    vals = np.ma.filled(band.astype(float), np.nan)
    rows, cols = np.nonzero(np.isfinite(vals) & (vals > 0))
    if not len(rows):
        raise DataFileError(
            f"{path}: the population raster has no persons inside the extract "
            "(all pixels nodata or 0); check that it covers the same place"
        )
    px = tr.c + (cols + 0.5) * tr.a + (rows + 0.5) * tr.b
    py = tr.f + (cols + 0.5) * tr.d + (rows + 0.5) * tr.e
    mx, my = Transformer.from_crs(crs, metric, always_xy=True).transform(px, py)
    return RasterPoints(
        x=np.asarray(mx, dtype=float),
        y=np.asarray(my, dtype=float),
        persons=vals[rows, cols],
        source=f"{path} ({crs.to_string()}, {res[0]:g} x {res[1]:g} pixels)",
    )


def make_cells(
    edges: gpd.GeoDataFrame,
    place_xy: np.ndarray,
    raster: RasterPoints | None,
    metric: Any,
) -> Cells:
    """Cells of :data:`CELL_M` holding proxy roads, places or raster persons.

    Parameters
    ----------
    edges
        Road edges (``highway``, ``length_m``, LineString in EPSG:4326).
    place_xy
        Place nodes in the metric CRS, shape ``(n, 2)``.
    raster
        Raster pixels, or None.
    metric
        The metric CRS.

    Returns
    -------
    Cells
        One entry per cell with any weight.
    """
    proxy = edges[edges["highway"].isin(PROXY_CLASSES)]
    mid = shapely.line_interpolate_point(proxy.geometry.array, 0.5, normalized=True)
    mid_m = gpd.GeoSeries(mid, crs="EPSG:4326").to_crs(metric)
    xs = [mid_m.x.to_numpy(), place_xy[:, 0]]
    ys = [mid_m.y.to_numpy(), place_xy[:, 1]]
    road_w = [proxy["length_m"].to_numpy() / 1000.0, np.full(len(place_xy), PLACE_WEIGHT_KM)]
    ras_w = [np.zeros(len(mid_m)), np.zeros(len(place_xy))]
    if raster is not None:
        xs.append(raster.x)
        ys.append(raster.y)
        road_w.append(np.zeros(len(raster.x)))
        ras_w.append(raster.persons)
    x, y = np.concatenate(xs), np.concatenate(ys)
    wr, wp = np.concatenate(road_w), np.concatenate(ras_w)
    key = np.floor(x / CELL_M).astype(np.int64) * 10_000_019 + np.floor(y / CELL_M).astype(np.int64)
    _, inv = np.unique(key, return_inverse=True)
    w = wr + wp + 1e-9
    tot = np.bincount(inv, weights=w)
    return Cells(
        x=np.bincount(inv, weights=w * x) / tot,
        y=np.bincount(inv, weights=w * y) / tot,
        raster=np.bincount(inv, weights=wp),
        roads=np.bincount(inv, weights=wr),
    )
