"""Settlements of a built region: a user's file, admin names, assumed place sizes.

Settlements made from places, cells and census totals are in
:mod:`geodata.build.allocation` (weights in :mod:`geodata.build.population`).

* :func:`user_settlements` reads a planner's points with ``households``.

:func:`admin_columns` then names each settlement's province, district, tehsil and union
council. See ``docs/region_build.md`` for the method.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

import geodata.schema as sc
from geodata.build.readers import PathLike, read_points
from geodata.census import CensusMatch
from geodata.errors import DataFileError

__all__ = [
    "NATIONAL_MEAN_HOUSEHOLD_SIZE",
    "PLACE_DEFAULT_POPULATION",
    "admin_columns",
    "user_settlements",
]

#: ASSUMED population of an OSM place node without a ``population`` tag, per ``place=*``
#: kind, used only outside census units when no population raster is given. Chosen
#: inside the ranges of the OSM wiki's place definitions (city > 100,000; town 10,000 -
#: 100,000; village < 10,000; hamlet < 100-200 people) toward the sizes of Pakistani places
#: (a rural mauza/village holds some 1,000-2,000 people; an Islamabad sector ~20,000).
#: ``locality`` is "a named place without population" in OSM: not a settlement.
PLACE_DEFAULT_POPULATION = {
    "city": 200_000,
    "town": 20_000,
    "suburb": 20_000,
    "village": 1_500,
    "quarter": 5_000,
    "neighbourhood": 2_000,
    "hamlet": 200,
    "isolated_dwelling": 10,
    "locality": 0,
}
#: National mean household size, PBS Population Census 2017: 204,410,733 people in
#: 31,937,171 households of the tehsil table (``tehsil_population_2017.csv``) = 6.40.
NATIONAL_MEAN_HOUSEHOLD_SIZE = 6.4


def admin_columns(
    sett: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame,
    census: pd.DataFrame | None,
    match: CensusMatch | None,
) -> gpd.GeoDataFrame:
    """Name each settlement's province, district, tehsil and union council.

    Each level's name is that of the unit containing the settlement (``"unknown"`` when
    none does); settlements of census-matched tehsils take the tehsil name and the census
    district and province names. The ``tehsil_key`` column is dropped.
    """
    out = sett.copy()
    for level in sc.ADMIN_LEVELS:
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
    if "name_ur" not in out:
        out["name_ur"] = None
    return out.drop(columns=[c for c in ("tehsil_key",) if c in out])


def user_settlements(path: PathLike, units: gpd.GeoDataFrame) -> pd.DataFrame:
    """Settlements from a planner's points file with ``households``.

    Missing ids are numbered ``S00001 ...``, missing names are the ids and a missing
    population is 6 people per household.

    Raises
    ------
    DataFileError
        When the file is unreadable or has no ``households`` column.
    """
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
