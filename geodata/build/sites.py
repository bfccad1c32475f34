"""Centres and candidate sites of a built region: a planner's files or assumed defaults.

Without a centres file one centre is ASSUMED per tehsil at its headquarters town
(:func:`hq_centres`), placed on the main drivable road network nearest the town
(:func:`centres_on_roads`); without a candidates file the candidates are large settlements
spaced apart and from the centres, also on the drivable network (:func:`greedy_candidates`).
A planner's own sites (:func:`user_sites`) are never moved: the build report flags those far
from a road or on a road island.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.build.readers import PathLike, read_points
from geodata.drivable import DrivableNetwork, place_on_main_network
from geodata.joins import normalise_name

__all__ = ["MOVE_NOTE_M", "centres_on_roads", "greedy_candidates", "hq_centres", "user_sites"]

#: An assumed centre moved farther than this to reach the road network is named in the notes.
MOVE_NOTE_M = 200.0


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


def centres_on_roads(
    cen: gpd.GeoDataFrame, net: DrivableNetwork
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Move assumed centres to the nearest node of the main drivable network.

    An assumed headquarters centre stands at a place node, which may lie in a park, a
    bazaar without mapped streets or beyond the extract's roads; people reach a centre by
    road, so it goes to the nearest road node of the network most of the region uses (the
    one the travel engine joins points to).

    Returns
    -------
    tuple of GeoDataFrame and list of str
        The centres, and a note per centre moved farther than :data:`MOVE_NOTE_M`.
    """
    moved, dist = place_on_main_network(cen, net)
    notes = [
        f"assumed centre {cid} moved {d:,.0f} m from its headquarters place to the nearest "
        "drivable road of the main network; give centres=FILE with real locations"
        for cid, d in zip(cen["centre_id"], dist, strict=True)
        if d > MOVE_NOTE_M
    ]
    return moved, notes


def greedy_candidates(
    sett: gpd.GeoDataFrame,
    cen: gpd.GeoDataFrame,
    metric: Any,
    min_households: int,
    spacing_m: float,
    capacity: float,
    cost: float,
    net: DrivableNetwork | None = None,
) -> tuple[gpd.GeoDataFrame, bool]:
    """Candidate sites: settlements with ``min_households``, greedily by households.

    With ``net`` each settlement's site is first moved to the nearest node of the main
    drivable network. A site is taken when it lies at least ``spacing_m`` from every site
    taken and every existing centre. A region with no settlement that large uses its 20
    largest.

    Returns
    -------
    tuple of GeoDataFrame and bool
        The candidates, and whether the rule was relaxed (no site met it: the one site
        farthest from every existing centre is then the only candidate; it never coincides
        with a centre unless the region has a single place).
    """
    s = sett[sett["households"] >= min_households].sort_values(
        "households", ascending=False, kind="stable"
    )
    if s.empty:  # small region: take the largest settlements instead
        s = sett.sort_values("households", ascending=False, kind="stable").head(20)
    if net is not None:
        s, _ = place_on_main_network(s, net)
    xy = shapely.get_coordinates(s.to_crs(metric).geometry.array)
    pick = _spaced(xy, shapely.get_coordinates(cen.to_crs(metric).geometry.array), spacing_m)
    relaxed = not pick  # every site is near a centre: take the one farthest from them
    chosen = s.iloc[pick] if pick else s.iloc[[_farthest(xy, cen, metric)]]
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


def _spaced(xy: np.ndarray, fixed: np.ndarray, spacing_m: float) -> list[int]:
    """Rows of ``xy`` taken in order when at least ``spacing_m`` from all taken and ``fixed``.

    Taken points are kept in a grid of ``spacing_m`` cells; a point is compared with the
    points of the 5 x 5 cells around its own (any point farther away is farther than the
    spacing), not with every point taken (quadratic on a country).
    """
    size = spacing_m if spacing_m > 0 else 1.0
    grid: dict[tuple[int, int], list[tuple[float, float]]] = {}

    def cell(p: np.ndarray) -> tuple[int, int]:
        return int(np.floor(p[0] / size)), int(np.floor(p[1] / size))

    for p in fixed:
        grid.setdefault(cell(p), []).append((float(p[0]), float(p[1])))
    pick: list[int] = []
    for k, p in enumerate(xy):
        ci, cj = cell(p)
        near = [
            q
            for di in range(-2, 3)
            for dj in range(-2, 3)
            for q in grid.get((ci + di, cj + dj), ())
        ]
        if near and np.min(np.hypot(*(np.asarray(near) - p).T)) < spacing_m:
            continue
        pick.append(k)
        grid.setdefault((ci, cj), []).append((float(p[0]), float(p[1])))
    return pick


def _farthest(xy: Any, cen: gpd.GeoDataFrame, metric: Any) -> int:
    """Row of ``xy`` farthest from every centre (the first, largest, on ties)."""
    c = shapely.get_coordinates(cen.to_crs(metric).geometry.array)
    if not len(c):
        return 0
    d = np.min(np.hypot(xy[:, None, 0] - c[None, :, 0], xy[:, None, 1] - c[None, :, 1]), axis=1)
    return int(np.argmax(d))


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
