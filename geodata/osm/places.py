"""Read OSM ``place=*`` nodes (cities ... hamlets) as points."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import osmium
import pandas as pd

from geodata.osm.files import check_osm_file, guarded
from geodata.osm.tags import parse_number

__all__ = ["PLACE_KINDS", "read_osm_places"]

#: OSM ``place=*`` values read as settlements.
PLACE_KINDS = (
    "city",
    "town",
    "village",
    "hamlet",
    "suburb",
    "neighbourhood",
    "quarter",
    "locality",
    "isolated_dwelling",
)


def read_osm_places(
    path: str | os.PathLike[str], *, kinds: Iterable[str] = PLACE_KINDS
) -> gpd.GeoDataFrame:
    """Read ``place=*`` nodes as points.

    Parameters
    ----------
    path
        OSM file.
    kinds
        ``place=*`` values to keep.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``osm_id`` (int), ``place``, ``name``, ``name_ur`` (``name:ur``, may be
        null), ``name_en`` (``name:en``, may be null), ``population`` (float, NaN when not
        tagged), geometry Point in EPSG:4326. Nodes without any name are skipped.

    Raises
    ------
    DataFileError
        When the file cannot be read (see :func:`read_osm_roads`).
    """
    src = check_osm_file(path)
    wanted = set(kinds)
    rows: list[dict[str, Any]] = []
    fp = osmium.FileProcessor(str(src), osmium.osm.NODE).with_filter(
        osmium.filter.KeyFilter("place")
    )
    for n in guarded(fp, src):
        tags = n.tags
        kind = tags.get("place")
        name = tags.get("name") or tags.get("name:en") or tags.get("name:ur")
        if kind not in wanted or not name or not n.location.valid():
            continue
        rows.append(
            {
                "osm_id": n.id,
                "place": kind,
                "name": name,
                "name_ur": tags.get("name:ur"),
                "name_en": tags.get("name:en"),
                "population": parse_number(tags.get("population")),
                "lon": n.location.lon,
                "lat": n.location.lat,
            }
        )
    df = pd.DataFrame(
        rows,
        columns=["osm_id", "place", "name", "name_ur", "name_en", "population", "lon", "lat"],
    )
    geom = gpd.points_from_xy(df["lon"].astype(float), df["lat"].astype(float), crs="EPSG:4326")
    return gpd.GeoDataFrame(df.drop(columns=["lon", "lat"]), geometry=geom, crs="EPSG:4326")
