"""Rasters to a walking-cost surface: friction, elevation (Tobler) and land cover.

An :class:`OffroadSettings` names the rasters (any CRS) and the rules; :func:`load_surface`
reads them with rasterio, reprojects them onto one grid in the region's metric CRS and turns
them into a :class:`Surface`: the seconds per metre of walking each cell on flat ground
(``inf`` = impassable) and, when a DEM is given, each cell's elevation. The arcs between
cells are built in :mod:`access.offroad_grid`; formulas and assumptions are in
``docs/travel_model.md`` (section *Off-road travel over a surface*).

Flat cost of a cell (seconds per metre)::

    friction given      60 x friction            (MAP convention: minutes per metre)
    land cover given    3.6 / speed_kph[class]   (the class table, a CSV ``class,kph``)
    only a DEM          3.6 / tobler_kph(0)      (5.04 km/h on flat ground)

Nodata, a friction above ``barrier_min_per_m``, a land-cover speed of 0 and a DEM hole are
barriers.

Examples
--------
>>> round(float(tobler_kph(np.array([0.0]))[0]), 3)
5.037
>>> round(float(tobler_kph(np.array([-0.05]))[0]), 3)
6.0
"""

from __future__ import annotations

import csv
import hashlib
import math
import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pyproj import CRS

from geodata.errors import CRSError, DataFileError, SchemaError
from geodata.manifest import file_sha256

__all__ = [
    "NEIGHBOURHOODS",
    "OffroadSettings",
    "Surface",
    "load_surface",
    "offroad_choice",
    "read_landcover_speeds",
    "surface_from_arrays",
    "tobler_kph",
]

#: Neighbourhoods a cell may move to: 8 (king's moves) or 16 (plus knight's moves).
NEIGHBOURHOODS = (8, 16)

#: Friction values (minutes per metre) a MAP-style surface may plausibly hold as a median.
_FRICTION_MEDIAN_RANGE = (1e-4, 1.0)


@dataclass(frozen=True)
class OffroadSettings:
    """Which rasters make the off-road surface, and how cells are joined.

    Parameters
    ----------
    friction
        GeoTIFF of walking friction in **minutes per metre** (the Malaria Atlas Project
        convention), any CRS; nodata is impassable.
    elevation
        GeoTIFF DEM in metres; walking speed on the slope between cells follows Tobler's
        hiking function, direction-aware.
    landcover
        GeoTIFF of integer land-cover classes; needs ``landcover_speeds``.
    landcover_speeds
        CSV with columns ``class,kph``: flat walking speed per class (0 = impassable).
    neighbours
        8 or 16 (default): moves to the 8 adjacent cells, or also the 8 knight's moves. The
        longest detour a straight line suffers on the grid is 8.2 % with 8 and 2.8 % with 16.
    cell_m
        Cell size of the grid in metres; default the finest input's resolution.
    barrier_min_per_m
        Friction above this (minutes per metre; default 1, i.e. slower than 60 m an hour)
        is a barrier.
    max_slope
        Moves steeper than this rise over run (default 1, i.e. 45 degrees) are barriers
        (cliffs).
    max_cells
        Largest grid accepted (default 60 million cells).
    snap_cells
        A point on an impassable cell moves to the nearest passable cell within this many
        cells (default 2); farther, it is flagged ``off_surface``.

    Raises
    ------
    SchemaError
        For no raster, friction and land cover together, a missing class table or a bad value.
    """

    friction: str | os.PathLike[str] | None = None
    elevation: str | os.PathLike[str] | None = None
    landcover: str | os.PathLike[str] | None = None
    landcover_speeds: str | os.PathLike[str] | None = None
    neighbours: int = 16
    cell_m: float | None = None
    barrier_min_per_m: float = 1.0
    max_slope: float = 1.0
    max_cells: int = 60_000_000
    snap_cells: int = 2
    _digest: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        """Check the combination of rasters and the numbers."""
        problems = []
        if self.friction is None and self.elevation is None and self.landcover is None:
            problems.append("give a friction, elevation or land-cover raster")
        if self.friction is not None and self.landcover is not None:
            problems.append(
                "give friction or land cover as the flat walking cost, not both (a MAP "
                "friction surface already includes land cover)"
            )
        if (self.landcover is None) != (self.landcover_speeds is None):
            problems.append("a land-cover raster needs its class table (landcover_speeds CSV)")
        if self.neighbours not in NEIGHBOURHOODS:
            problems.append(f"neighbours must be 8 or 16, got {self.neighbours!r}")
        if self.cell_m is not None and not self.cell_m > 0:
            problems.append(f"cell_m must be > 0, got {self.cell_m!r}")
        if not self.barrier_min_per_m > 0:
            problems.append(f"barrier_min_per_m must be > 0, got {self.barrier_min_per_m!r}")
        if not self.max_slope > 0:
            problems.append(f"max_slope must be > 0, got {self.max_slope!r}")
        if self.snap_cells < 0:
            problems.append(f"snap_cells must be >= 0, got {self.snap_cells!r}")
        if problems:
            raise SchemaError("; ".join(problems), source="OffroadSettings")

    def files(self) -> dict[str, Path]:
        """The rasters and tables named, by role."""
        out = {}
        for role in ("friction", "elevation", "landcover", "landcover_speeds"):
            value = getattr(self, role)
            if value is not None:
                out[role] = Path(value)
        return out

    def digest(self) -> str:
        """A hash of every setting and of the files' contents (for cache keys).

        Raises
        ------
        DataFileError
            When a named file is missing.
        """
        if "v" not in self._digest:
            h = hashlib.sha256()
            for role, path in self.files().items():
                if not path.is_file():
                    raise DataFileError(f"{path}: {role} file not found; check the path")
                h.update(f"{role}={file_sha256(path)};".encode())
            h.update(
                repr(
                    (
                        self.neighbours,
                        self.cell_m,
                        self.barrier_min_per_m,
                        self.max_slope,
                        self.max_cells,
                        self.snap_cells,
                    )
                ).encode()
            )
            self._digest["v"] = h.hexdigest()[:16]
        return self._digest["v"]


@dataclass(frozen=True, eq=False)
class Surface:
    """A walking-cost grid in a metric CRS (row 0 at the top).

    Attributes
    ----------
    crs
        Projected metric CRS of the grid.
    x0, y_top
        Coordinates of the grid's upper-left corner.
    cell_m
        Cell size in metres.
    flat_s_per_m
        ``(rows, cols)`` float32: seconds per metre of walking on flat ground; ``inf`` where
        impassable.
    elevation_m
        ``(rows, cols)`` float32 elevations, or ``None`` (no slope effect).
    neighbours, max_slope, snap_cells
        As in :class:`OffroadSettings`.
    key
        A hash identifying the surface (for cache keys).
    """

    crs: CRS
    x0: float
    y_top: float
    cell_m: float
    flat_s_per_m: np.ndarray
    elevation_m: np.ndarray | None = None
    neighbours: int = 16
    max_slope: float = 1.0
    snap_cells: int = 2
    key: str = ""

    @property
    def shape(self) -> tuple[int, int]:
        """``(rows, cols)``."""
        return (int(self.flat_s_per_m.shape[0]), int(self.flat_s_per_m.shape[1]))

    @property
    def n_cells(self) -> int:
        """Number of cells."""
        return int(self.flat_s_per_m.size)

    def transform(self) -> Any:
        """The rasterio affine transform of the grid."""
        from affine import Affine

        return Affine(self.cell_m, 0.0, self.x0, 0.0, -self.cell_m, self.y_top)

    def cell_xy(self, cells: np.ndarray) -> np.ndarray:
        """Metric ``(x, y)`` of the centres of flat cell indices."""
        r, c = np.divmod(np.asarray(cells, np.int64), self.shape[1])
        return np.column_stack(
            [self.x0 + (c + 0.5) * self.cell_m, self.y_top - (r + 0.5) * self.cell_m]
        )

    def cell_of(self, xy: np.ndarray) -> np.ndarray:
        """Flat index of the cell holding each metric point (``-1`` outside the grid)."""
        xy = np.asarray(xy, np.float64).reshape(-1, 2)
        c = np.floor((xy[:, 0] - self.x0) / self.cell_m)
        r = np.floor((self.y_top - xy[:, 1]) / self.cell_m)
        rows, cols = self.shape
        ok = (r >= 0) & (r < rows) & (c >= 0) & (c < cols)
        return np.where(ok, r * cols + c, -1).astype(np.int64)


def offroad_choice(
    files: Mapping[str, str | os.PathLike[str] | None],
    *,
    neighbours: int = 16,
    cell_m: float | None = None,
    use_region: bool | None = None,
) -> OffroadSettings | bool | None:
    """What ``TravelSettings.offroad`` should be, from command-line style options.

    Rasters given (``files``: role -> path or ``None``) make an :class:`OffroadSettings`;
    otherwise ``use_region`` (``True``/``False``: the region's own surface or none;
    ``None``: as ``region.json`` says).

    Raises
    ------
    SchemaError
        For a bad combination of rasters (see :class:`OffroadSettings`).
    """
    given = {k: v for k, v in files.items() if v is not None}
    if not set(given) - {"landcover_speeds"}:
        return use_region
    return OffroadSettings(**given, neighbours=neighbours, cell_m=cell_m)  # type: ignore[arg-type]


def tobler_kph(slope: np.ndarray) -> np.ndarray:
    """Tobler's hiking function: walking speed in km/h on a slope ``dh/dx`` (rise over run).

    ``6 exp(-3.5 |slope + 0.05|)``: fastest (6 km/h) slightly downhill, 5.04 km/h on flat
    ground (Tobler 1993, *Three presentations on geographical analysis and modeling*, NCGIA
    TR 93-1).
    """
    return np.asarray(6.0 * np.exp(-3.5 * np.abs(np.asarray(slope, np.float64) + 0.05)))


def read_landcover_speeds(path: str | os.PathLike[str]) -> dict[int, float]:
    """Read a land-cover class table: CSV columns ``class,kph`` (0 = impassable).

    Raises
    ------
    DataFileError
        When the file cannot be read.
    SchemaError
        Naming the file and row of a missing column, a non-integer class or a bad speed.
    """
    p = Path(path)
    try:
        with p.open(newline="", encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise DataFileError(f"{p}: cannot be read as a CSV ({err})") from err
    if not rows or not {"class", "kph"} <= set(rows[0]):
        raise SchemaError(f"{p}: needs the columns 'class' and 'kph' (walking km/h per class)")
    out: dict[int, float] = {}
    problems = []
    for n, row in enumerate(rows, start=2):
        try:
            cls, kph = int(str(row["class"]).strip()), float(str(row["kph"]).strip())
        except ValueError:
            problems.append(f"row {n}: class must be an integer and kph a number")
            continue
        if not (0.0 <= kph <= 20.0):
            problems.append(f"row {n}: kph {kph} is not a walking speed (0-20 km/h)")
        out[cls] = kph
    if problems:
        raise SchemaError(f"{p}: " + "; ".join(problems))
    return out


def surface_from_arrays(
    flat_s_per_m: np.ndarray,
    *,
    cell_m: float,
    crs: Any = "EPSG:32642",
    origin: tuple[float, float] = (0.0, 0.0),
    elevation_m: np.ndarray | None = None,
    neighbours: int = 16,
    max_slope: float = 1.0,
    snap_cells: int = 2,
) -> Surface:
    """A :class:`Surface` from arrays already on the grid (tests, generated surfaces).

    Parameters
    ----------
    flat_s_per_m
        Seconds per metre per cell (``inf`` or NaN = impassable), row 0 at the top.
    cell_m
        Cell size in metres.
    crs
        Projected metric CRS.
    origin
        ``(x0, y_top)``: the upper-left corner.
    elevation_m, neighbours, max_slope, snap_cells
        See :class:`OffroadSettings`.

    Examples
    --------
    >>> s = surface_from_arrays(np.ones((2, 3)), cell_m=10.0)
    >>> s.shape, s.cell_of(np.array([[25.0, -15.0]])).tolist()
    ((2, 3), [5])
    """
    flat = np.asarray(flat_s_per_m, np.float32).copy()
    flat[~np.isfinite(flat) | (flat <= 0)] = np.inf
    elev = None
    if elevation_m is not None:
        elev = np.asarray(elevation_m, np.float32)
        if elev.shape != flat.shape:
            raise SchemaError("elevation_m must have the shape of flat_s_per_m")
        flat[~np.isfinite(elev)] = np.inf
    h = hashlib.sha256(flat.tobytes())
    if elev is not None:
        h.update(elev.tobytes())
    h.update(repr((cell_m, origin, neighbours, max_slope, snap_cells)).encode())
    return Surface(
        crs=CRS.from_user_input(crs),
        x0=float(origin[0]),
        y_top=float(origin[1]),
        cell_m=float(cell_m),
        flat_s_per_m=flat,
        elevation_m=elev,
        neighbours=neighbours,
        max_slope=max_slope,
        snap_cells=snap_cells,
        key=h.hexdigest()[:16],
    )


def load_surface(
    settings: OffroadSettings,
    *,
    crs: Any,
    bounds: tuple[float, float, float, float],
) -> Surface:
    """Read the rasters of ``settings`` onto one grid over ``bounds`` in ``crs``.

    Parameters
    ----------
    settings
        The rasters and rules.
    crs
        The region's projected metric CRS.
    bounds
        ``(xmin, ymin, xmax, ymax)`` in ``crs`` the grid must cover (the region's points and
        roads, with a margin).

    Returns
    -------
    Surface

    Raises
    ------
    DataFileError
        When a file is missing or not a readable raster.
    CRSError
        When a raster has no CRS or ``crs`` is not projected.
    SchemaError
        When a raster does not overlap the region, is all nodata there, holds values in the
        wrong units, or the grid would be too large; the message names the file.
    """
    metric = CRS.from_user_input(crs)
    if not metric.is_projected:
        raise CRSError(f"the grid CRS {metric.to_string()} is not projected (metres)")
    files = settings.files()
    rasters = {r: p for r, p in files.items() if r != "landcover_speeds"}
    cell_m = settings.cell_m or min(_native_cell_m(p, metric, bounds) for p in rasters.values())
    xmin, ymin, xmax, ymax = bounds
    cols = max(1, math.ceil((xmax - xmin) / cell_m))
    rows = max(1, math.ceil((ymax - ymin) / cell_m))
    if rows * cols > settings.max_cells:
        raise SchemaError(
            f"the off-road grid would have {rows * cols:,} cells of {cell_m:.0f} m (limit "
            f"{settings.max_cells:,}); set a coarser cell size (cell_m / --cell-m)"
        )
    grid = _Grid(metric, xmin, ymax, cell_m, rows, cols)
    flat = _flat_cost(settings, grid)
    elev = None
    if settings.elevation is not None:
        elev = _read_onto(Path(settings.elevation), grid, "elevation", categorical=False)
        _check_values(Path(settings.elevation), elev, "elevation")
        flat[~np.isfinite(elev)] = np.inf
        elev = np.where(np.isfinite(elev), elev, 0.0).astype(np.float32)
    if not np.isfinite(flat).any():
        raise SchemaError(
            f"{', '.join(map(str, rasters.values()))}: every cell over the region is nodata or "
            "a barrier; check the rasters cover the region"
        )
    return Surface(
        crs=metric,
        x0=float(xmin),
        y_top=float(ymax),
        cell_m=float(cell_m),
        flat_s_per_m=flat,
        elevation_m=elev,
        neighbours=settings.neighbours,
        max_slope=settings.max_slope,
        snap_cells=settings.snap_cells,
        key=hashlib.sha256(
            f"{settings.digest()}|{metric.to_string()}|{bounds}|{cell_m}".encode()
        ).hexdigest()[:16],
    )


# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Grid:
    crs: CRS
    x0: float
    y_top: float
    cell_m: float
    rows: int
    cols: int


def _flat_cost(settings: OffroadSettings, grid: _Grid) -> np.ndarray:
    """Seconds per metre on flat ground per cell (``inf`` = barrier)."""
    if settings.friction is not None:
        path = Path(settings.friction)
        f = _read_onto(path, grid, "friction", categorical=False)
        _check_values(path, f, "friction")
        barrier = ~np.isfinite(f) | (f > settings.barrier_min_per_m)
        return np.where(barrier, np.inf, 60.0 * f).astype(np.float32)
    if settings.landcover is not None and settings.landcover_speeds is not None:
        path = Path(settings.landcover)
        lc = _read_onto(path, grid, "landcover", categorical=True)
        speeds = read_landcover_speeds(settings.landcover_speeds)
        valid = np.isfinite(lc)
        classes = np.unique(lc[valid]).astype(np.int64)
        missing = sorted(set(classes.tolist()) - set(speeds))
        if missing:
            raise SchemaError(
                f"{path}: classes {missing[:20]} are not in {settings.landcover_speeds}; add a "
                "row class,kph for each (kph 0 = impassable)"
            )
        lut_keys = np.array(sorted(speeds), np.int64)
        lut_vals = np.array([speeds[k] for k in lut_keys])
        kph = np.zeros(lc.shape)
        pos = np.searchsorted(lut_keys, lc[valid].astype(np.int64))
        kph[valid] = lut_vals[pos]
        with np.errstate(divide="ignore"):
            return np.where(kph > 0, 3.6 / kph, np.inf).astype(np.float32)
    flat = 3.6 / float(tobler_kph(np.array([0.0]))[0])
    return np.full((grid.rows, grid.cols), flat, np.float32)


def _open(path: Path) -> Any:
    import rasterio
    from rasterio.errors import RasterioIOError

    if not path.is_file():
        raise DataFileError(f"{path}: raster not found; check the path")
    try:
        return rasterio.open(path)
    except RasterioIOError as err:
        raise DataFileError(f"{path}: cannot be read as a raster ({err})") from err


def _native_cell_m(path: Path, metric: CRS, bounds: tuple[float, float, float, float]) -> float:
    """The raster's resolution in metres of ``metric`` (the mean of x and y)."""
    from rasterio.warp import calculate_default_transform

    with warnings.catch_warnings(), _open(path) as src:
        warnings.simplefilter("ignore", PendingDeprecationWarning)  # affine 3 on rasterio's `*`
        _require_crs(path, src)
        tr, _, _ = calculate_default_transform(src.crs, metric, src.width, src.height, *src.bounds)
    return float((abs(tr.a) + abs(tr.e)) / 2.0)


def _require_crs(path: Path, src: Any) -> None:
    if src.crs is None:
        raise CRSError(
            f"{path}: the raster has no CRS; assign one (e.g. gdal_edit.py -a_srs EPSG:4326 "
            f"{path.name}) before using it"
        )


def _read_onto(path: Path, grid: _Grid, role: str, *, categorical: bool) -> np.ndarray:
    """Band 1 of ``path`` reprojected onto ``grid`` (float32, NaN = nodata)."""
    from affine import Affine
    from rasterio.enums import Resampling
    from rasterio.warp import reproject, transform_bounds

    with warnings.catch_warnings(), _open(path) as src:
        warnings.simplefilter("ignore", PendingDeprecationWarning)  # affine 3 on rasterio's `*`
        _require_crs(path, src)
        sb = transform_bounds(src.crs, grid.crs, *src.bounds)
        gb = (
            grid.x0,
            grid.y_top - grid.rows * grid.cell_m,
            grid.x0 + grid.cols * grid.cell_m,
            grid.y_top,
        )
        if sb[0] >= gb[2] or sb[2] <= gb[0] or sb[1] >= gb[3] or sb[3] <= gb[1]:
            raise SchemaError(
                f"{path}: the {role} raster does not overlap the region (raster bounds "
                f"{tuple(round(v) for v in sb)} vs region {tuple(round(v) for v in gb)} in "
                f"{grid.crs.to_string()}); use a raster that covers the region"
            )
        band = src.read(1, masked=True)
        data = np.asarray(band.filled(np.nan) if band.dtype.kind == "f" else band.data, np.float64)
        if band.dtype.kind != "f":
            data = np.where(np.ma.getmaskarray(band), np.nan, data)
        out = np.full((grid.rows, grid.cols), np.nan, np.float32)
        # nearest keeps classes and one-cell barriers (rivers) whole; bilinear smooths a DEM
        resampling = Resampling.bilinear if role == "elevation" else Resampling.nearest
        reproject(
            source=data.astype(np.float32),
            destination=out,
            src_transform=src.transform,
            src_crs=src.crs,
            src_nodata=np.nan,
            dst_transform=Affine(grid.cell_m, 0.0, grid.x0, 0.0, -grid.cell_m, grid.y_top),
            dst_crs=grid.crs,
            dst_nodata=np.nan,
            resampling=resampling,
        )
    if not np.isfinite(out).any():
        raise SchemaError(
            f"{path}: the {role} raster is all nodata over the region; check its nodata value "
            "and that it covers the region"
        )
    return out


def _check_values(path: Path, values: np.ndarray, role: str) -> None:
    """Refuse values in the wrong units (the message says which units are expected)."""
    v = values[np.isfinite(values)]
    if role == "friction":
        if (v < 0).any():
            raise SchemaError(f"{path}: friction has negative values; expected minutes per metre")
        med = float(np.median(v))
        lo, hi = _FRICTION_MEDIAN_RANGE
        if not lo <= med <= hi:
            raise SchemaError(
                f"{path}: median friction {med:.4g} is not in minutes per metre (expected "
                f"{lo}-{hi}; walking at 5 km/h is 0.012). Convert it (e.g. minutes per km / "
                "1000); a speed raster (km/h) is not a friction surface"
            )
        if (v == 0).any():
            raise SchemaError(
                f"{path}: friction 0 means infinite speed; set those cells to nodata "
                "(impassable) or to a real friction"
            )
    elif role == "elevation" and v.size and (float(v.min()) < -500.0 or float(v.max()) > 9000.0):
        raise SchemaError(
            f"{path}: elevations {float(v.min()):.0f}..{float(v.max()):.0f} are not metres "
            "above sea level (expected -500..9000); check units and the nodata value"
        )
