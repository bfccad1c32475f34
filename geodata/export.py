"""Tables of points for people: one lon/lat layout for every CSV the tool writes or serves.

Every export of points (sites, centres, halts, settlements) goes through :func:`lonlat_table`,
so the columns, their order and the rounding are the same everywhere.
"""

from __future__ import annotations

import os

import geopandas as gpd
import pandas as pd

from geodata.errors import CRSError

__all__ = ["LONLAT_DIGITS", "lonlat_table", "points_csv_bytes", "write_points_csv"]

#: Decimal places of exported longitudes and latitudes (about 0.1 m).
LONLAT_DIGITS = 6


def lonlat_table(points: gpd.GeoDataFrame) -> pd.DataFrame:
    """Drop the geometry of a point table and append ``lon`` and ``lat`` columns.

    Parameters
    ----------
    points
        Points in EPSG:4326 (the tool's storage CRS).

    Returns
    -------
    pandas.DataFrame
        The other columns in their order, then ``lon`` and ``lat`` rounded to
        :data:`LONLAT_DIGITS` places; the index is kept.

    Raises
    ------
    CRSError
        If the points are not in EPSG:4326 (reproject them first with ``to_crs(4326)``).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> pts = gpd.GeoDataFrame({"id": ["a"]}, geometry=[Point(73.0512345678, 33.7)], crs=4326)
    >>> lonlat_table(pts)
      id        lon   lat
    0  a  73.051235  33.7
    """
    if points.crs is None or points.crs.to_epsg() != 4326:
        raise CRSError(
            f"points to export are in {points.crs}, not EPSG:4326; reproject them with to_crs(4326)"
        )
    geom = points.geometry
    table = pd.DataFrame(points.drop(columns=points.geometry.name))
    return table.assign(lon=geom.x.round(LONLAT_DIGITS), lat=geom.y.round(LONLAT_DIGITS))


def points_csv_bytes(points: gpd.GeoDataFrame) -> bytes:
    """The CSV (UTF-8) of :func:`lonlat_table`, without the index, e.g. for a download button."""
    return lonlat_table(points).to_csv(index=False).encode("utf-8")


def write_points_csv(points: gpd.GeoDataFrame, path: str | os.PathLike[str]) -> None:
    """Write :func:`lonlat_table` of ``points`` to ``path`` as CSV (UTF-8, no index)."""
    lonlat_table(points).to_csv(path, index=False)
