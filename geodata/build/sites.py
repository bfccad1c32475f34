"""Centres and candidate sites of a built region: a planner's files or assumed defaults.

Without a centres file one centre is ASSUMED per tehsil at its headquarters town
(:func:`hq_centres`); without a candidates file the candidates are large settlements spaced
apart (:func:`greedy_candidates`).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.build.readers import PathLike, read_points
from geodata.joins import normalise_name

__all__ = ["greedy_candidates", "hq_centres", "user_sites"]


def user_sites(
    path: PathLike,
    sett: gpd.GeoDataFrame,
    *,
    kind: str,
    prefix: str,
    capacity: float,
    cost: float,
) -> gpd.GeoDataFrame:
    """Centres or candidate sites from a planner's points file.

    Ids default to ``<prefix>001 ...``, names to the ids, capacity and opening cost to the
    given values unless the file has ``capacity_per_day`` / ``opening_cost_pkr``; each site
    takes the tehsil of the nearest settlement (in metres).
    """
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


def hq_centres(
    units: gpd.GeoDataFrame,
    sett: gpd.GeoDataFrame,
    places: gpd.GeoDataFrame,
    gn: gpd.GeoDataFrame | None,
    capacity: float,
) -> tuple[gpd.GeoDataFrame, str]:
    """One assumed centre per tehsil; without any tehsil, per district, province, or one.

    The centre stands at the OSM/GeoNames place named like the unit inside it, else at the
    unit's largest settlement.

    Returns
    -------
    tuple of GeoDataFrame and str
        The centres and the level they serve (``"tehsil"`` ... ``"region"``).
    """
    level = next(
        (lv for lv in ("tehsil", "district", "province") if (sett[lv] != "unknown").any()), ""
    )
    if level:
        tehsils = [t for t in dict.fromkeys(sett[level]) if t != "unknown"]
    else:  # no admin unit holds a settlement: one centre for the whole region
        sett = sett.assign(region="the region")
        level, tehsils = "region", ["the region"]
    pool = [places[["name", "geometry"]]]
    if gn is not None:
        pool.append(gn[["name", "geometry"]])
    named = pd.concat(pool, ignore_index=True)
    named["key"] = named["name"].map(normalise_name)
    rows_geom = []
    names = []
    for t in tehsils:
        poly = units.loc[(units["level"] == level) & (units["name"] == t)].union_all()
        hit = named[(named["key"] == normalise_name(t)) & named.within(poly)]
        if len(hit):
            rows_geom.append(hit.geometry.iloc[0])
            names.append(f"{t} DRC (assumed, {level} HQ)")
        else:
            s = sett[sett[level] == t].sort_values("households", ascending=False, kind="stable")
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
        tehsil=tehsils if level == "tehsil" else "unknown",
        assumed=True,
    ), level


def greedy_candidates(
    sett: gpd.GeoDataFrame,
    cen: gpd.GeoDataFrame,
    metric: Any,
    min_households: int,
    spacing_m: float,
    capacity: float,
    cost: float,
) -> tuple[gpd.GeoDataFrame, bool]:
    """Candidate sites: settlements with ``min_households``, greedily by households.

    A settlement is taken when it lies at least ``spacing_m`` from every site taken and every
    existing centre. A region with no settlement that large uses its 20 largest.

    Returns
    -------
    tuple of GeoDataFrame and bool
        The candidates, and whether the rule was relaxed (no settlement met it: the largest
        settlement is then the only candidate).
    """
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
    relaxed = not pick  # every settlement is near a centre: the largest one is the candidate
    chosen = s.iloc[pick] if pick else s.iloc[:1]
    return _site_table(
        chosen,
        ids=[f"UCC{i + 1:03d}" for i in range(len(chosen))],
        names=[f"UC centre site {n}" for n in chosen["name"]],
        kind="candidate",
        capacity=capacity,
        cost=cost,
        tehsil=chosen["tehsil"].to_numpy(),
        assumed=False,
    ), relaxed


# ---------------------------------------------------------------------------------------


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
    """Rows of the CENTRES/CANDIDATES contract at the points ``pts``."""
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
