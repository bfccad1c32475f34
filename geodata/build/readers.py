"""Read a planner's point, polygon and GeoNames files, refusing bad coordinates.

Every reader returns lon/lat (EPSG:4326) data: a layer in another CRS is reprojected with a
logged message, a layer without CRS or with coordinates outside lon/lat range is refused with
a :class:`~geodata.errors.DataFileError` naming the file and the row.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.errors import GEOSException

from geodata.errors import DataFileError, Problem, SchemaError
from geodata.joins import read_table

__all__ = [
    "PathLike",
    "check_lonlat",
    "read_geonames",
    "read_points",
    "read_raw_layer",
    "read_study_area",
    "read_vector",
    "to_lonlat",
]

log = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]


def read_points(path: PathLike, *, what: str = "points") -> gpd.GeoDataFrame:
    """Read a point layer: a vector file, or a table with lon/lat columns.

    A CSV or Excel table needs ``lon``/``lat`` (or ``longitude``/``latitude``, ``x``/``y``)
    columns in EPSG:4326; a vector file is reprojected to EPSG:4326 with a logged message.

    Parameters
    ----------
    path
        The file.
    what
        What the points are (``"settlements"``, ``"centres"`` ...), for error messages.

    Returns
    -------
    geopandas.GeoDataFrame
        The file's columns (without the coordinate columns) and Point geometry in EPSG:4326.

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
    gdf = read_vector(src)
    bad = ~gdf.geom_type.isin(["Point"]).to_numpy()
    if bad.any():
        raise DataFileError(
            f"{src}: {what} must be points; row {gdf.index[bad][0]} is "
            f"{'empty' if gdf.geometry.iloc[int(np.argmax(bad))] is None else 'not a point'}; "
            "fix or drop it"
        )
    check_lonlat(gdf, src)
    return gdf


def check_lonlat(gdf: gpd.GeoDataFrame, src: Path) -> None:
    """Refuse non-finite or out-of-range coordinates (a projected layer labelled 4326).

    Raises
    ------
    DataFileError
        Naming the first bad row of ``src``.
    """
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


def read_vector(src: Path) -> gpd.GeoDataFrame:
    """The first layer of a vector file in EPSG:4326 (see :func:`read_raw_layer`)."""
    return to_lonlat(read_raw_layer(src), src)


def read_raw_layer(src: Path, layer: str | None = None) -> gpd.GeoDataFrame:
    """One layer of a vector file as stored (no CRS handling).

    GDAL's warnings about broken features are logged.

    Raises
    ------
    DataFileError
        When the file is missing, empty or unreadable.
    """
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


def to_lonlat(gdf: gpd.GeoDataFrame, src: Path) -> gpd.GeoDataFrame:
    """Reproject a layer to EPSG:4326 with a logged message; refuse a layer without CRS.

    Raises
    ------
    DataFileError
        When the layer has no CRS or cannot be reprojected.
    """
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


def read_study_area(path: PathLike) -> Any:
    """The study area of a polygon file as one prepared (Multi)Polygon in EPSG:4326.

    Invalid polygons are repaired with ``make_valid`` and all polygons are combined; points
    and lines of the file are ignored.

    Raises
    ------
    DataFileError
        When the file is unreadable, holds no polygon, or its polygons have no area or cannot
        be combined.
    """
    src = Path(path)
    gdf = read_vector(src)
    polys = gdf[gdf.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()]
    if polys.empty:
        raise DataFileError(f"{src}: holds no polygon; give the study area as a polygon")
    check_lonlat(polys, src)
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


def read_geonames(path: PathLike) -> gpd.GeoDataFrame:
    """A GeoNames table (``name, latitude, longitude, population``) as points in EPSG:4326.

    Raises
    ------
    DataFileError
        When a column is missing.
    """
    df = read_table(path)
    need = {"name", "latitude", "longitude", "population"}
    if not need <= set(df.columns):
        raise DataFileError(
            f"{path}: a GeoNames table needs columns {sorted(need)}; found {list(df.columns)}"
        )
    geom = gpd.points_from_xy(df["longitude"], df["latitude"], crs="EPSG:4326")
    return gpd.GeoDataFrame(df, geometry=geom, crs="EPSG:4326")


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
