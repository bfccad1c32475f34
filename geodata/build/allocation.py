"""Settlements from places and cells: census allocated, never duplicated.

:func:`allocate_settlements` turns the fine grid of :mod:`geodata.build.population` into
settlements:

1. Every cell goes to the nearest place node whose reach (:data:`PLACE_REACH_M`) covers it;
   other cells form unnamed blocks of ``block_m``.
2. Inside a census-matched tehsil, its rural and urban totals (times its share inside the
   extract) go to its rural and urban cells by weight (raster persons, else road km, else
   equal); cells of city/town/suburb/quarter/neighbourhood places are urban.
3. Outside census units, cells take the raster's persons, else the ``population`` tag of
   the smallest tagged place they lie in (a place inside a bigger tagged place shares the
   bigger one's total: the city's population is split, not added on top), else an ASSUMED
   population per place kind. Households are population / persons per household.
4. Settlements over ``max_households`` are split into neighbourhoods by halving along
   their longer side until each part is small enough.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from geodata.build.place_population import (
    PERSONS_PER_ROAD_KM,
    PLACE_REACH_M,
    TAG_DENSITY_FACTOR,
    largest_remainder,
    outside_population,
    persons_per_road_km,
    spread,
)
from geodata.build.population import CELL_M, Cells
from geodata.census import CensusMatch

__all__ = [
    "MAX_HOUSEHOLDS",
    "PERSONS_PER_ROAD_KM",
    "PLACE_REACH_M",
    "TAG_DENSITY_FACTOR",
    "URBAN_KINDS",
    "Allocation",
    "TehsilShare",
    "allocate_settlements",
    "largest_remainder",
    "persons_per_road_km",
    "place_seeds",
]

#: A settlement holds at most this many households; larger ones are split.
MAX_HOUSEHOLDS = 20_000
#: Places whose cells are urban (for the census's urban totals).
URBAN_KINDS = ("city", "town", "suburb", "quarter", "neighbourhood")


@dataclass(frozen=True)
class TehsilShare:
    """How much of a census tehsil's total the build placed.

    Attributes
    ----------
    name
        The region's tehsil name.
    census_households
        The tehsil's census households (whole tehsil).
    share
        Its share inside the extract (1 for a complete tehsil).
    method
        How the share was found: ``complete``, ``raster``, ``area`` or ``roads`` (the
        persons its roads inside can hold, :func:`persons_per_road_km`).
    households
        Households placed on its settlements (at most census x share, rounded down).
    """

    name: str
    census_households: int
    share: float
    method: str
    households: int


@dataclass(frozen=True)
class Allocation:
    """Settlement rows, per-tehsil shares and notes of :func:`allocate_settlements`."""

    settlements: pd.DataFrame
    tehsils: tuple[TehsilShare, ...] = ()
    notes: tuple[str, ...] = ()
    households_census: int = 0
    split: int = 0
    weights: dict[str, int] = field(default_factory=dict)
    persons_per_road_km: float = 0.0
    density_source: str = ""


def allocate_settlements(
    cells: Cells,
    seeds: pd.DataFrame,
    tehsils: gpd.GeoDataFrame,
    census: pd.DataFrame | None,
    match: CensusMatch | None,
    *,
    metric: Any,
    use_raster: bool,
    persons_per_household: float,
    block_m: float,
    max_households: int = MAX_HOUSEHOLDS,
) -> Allocation:
    """Settlements of places and blocks with census households, never counted twice.

    Parameters
    ----------
    cells
        The fine grid (:func:`geodata.build.population.make_cells`).
    seeds
        Places: ``sid, name, name_ur, kind, tag, x, y`` (metric; ``tag`` is the population
        tag or NaN), from :func:`place_seeds`.
    tehsils
        Census-matched tehsil units in the metric CRS (``name``, ``partial``, ``whole`` the
        complete polygon or None, geometry).
    census, match
        The census table (with rural/urban columns) and its match, or None.
    metric
        The metric CRS.
    use_raster
        Whether cell weights and outside-census persons come from the raster.
    persons_per_household
        Household size outside census units.
    block_m
        Size of unnamed blocks (cells no place reaches).
    max_households
        Settlements over this are split.

    Returns
    -------
    Allocation
        Rows ``settlement_id, name, name_ur, households, population, tehsil_key, source,
        geometry`` (EPSG:4326) and what was placed per tehsil.
    """
    x, y, w_all = _with_tehsil_points(cells, tehsils, use_raster)
    seed_of = _assign(x, y, seeds)
    teh = _tehsil_of(x, y, tehsils)
    hh = np.zeros(len(x), dtype=np.int64)
    pop = np.zeros(len(x), dtype=np.int64)
    kinds = np.asarray(seeds["kind"].to_numpy(), dtype=object)
    urban = (seed_of >= 0) & (
        np.isin(kinds[np.maximum(seed_of, 0)], URBAN_KINDS) if len(kinds) else False
    )
    notes: list[str] = []
    shares: list[TehsilShare] = []
    density = (
        persons_per_road_km(
            tehsils, census, match, np.r_[cells.roads, np.zeros(len(teh) - len(cells.roads))], teh
        )
        if census is not None and match is not None
        else (PERSONS_PER_ROAD_KM, "default")
    )
    # each tehsil's cells as ascending indices (a mask per tehsil over every cell of a
    # country is tehsils x cells)
    order = np.argsort(teh, kind="stable")
    bounds = np.searchsorted(teh[order], np.arange(len(tehsils) + 1))
    for t in range(len(tehsils)):
        if census is None or match is None:
            break
        row: Any = census.loc[match.pairs[str(tehsils["name"].iloc[t])]]
        in_t = np.sort(order[bounds[t] : bounds[t + 1]])
        share = _share(tehsils.iloc[t], row, w_all[in_t], use_raster, density[0])
        for part in ("rural", "urban"):
            pool = in_t[urban[in_t] if part == "urban" else ~urban[in_t]]
            if not int(row["households_urban"]) or not len(pool):
                pool = in_t  # no urban split, or no cell of this kind: all of its cells
            for arr, col in ((hh, "households"), (pop, "population")):
                total = int(np.floor(float(row[f"{col}_{part}"]) * share[0] + 1e-9))
                arr[pool] += spread(w_all[pool], total)
        shares.append(
            TehsilShare(
                str(tehsils["name"].iloc[t]),
                int(row["households"]),
                share[0],
                share[1],
                int(hh[in_t].sum()),
            )
        )
    outside = teh < 0
    pop_out, how = outside_population(
        x, y, w_all, seed_of, seeds, outside, use_raster, cells, density[0]
    )
    pop[outside] = pop_out[outside]
    notes += how
    rows, n_split, too_big = _gather(
        x, y, hh, pop, teh, seed_of, seeds, tehsils, outside, block_m, max_households
    )
    df = _households_outside(rows, persons_per_household)
    if too_big:
        notes.append(
            f"{too_big} settlements keep more than {max_households:,} households: their "
            f"households lie in one {CELL_M:g} m grid cell that cannot be split"
        )
    pts = gpd.GeoSeries(gpd.points_from_xy(df["x"], df["y"]), crs=metric).to_crs("EPSG:4326")
    df = df.drop(columns=["x", "y"])
    df["geometry"] = pts.to_numpy()
    return Allocation(
        settlements=df[(df["households"] > 0) | (df["population"] > 0)].reset_index(drop=True),
        tehsils=tuple(shares),
        notes=tuple(notes),
        households_census=sum(s.households for s in shares),
        split=n_split,
        persons_per_road_km=density[0],
        density_source=density[1],
    )


def place_seeds(places: gpd.GeoDataFrame, gn: gpd.GeoDataFrame | None, metric: Any) -> pd.DataFrame:
    """Places that can be settlements, in the metric CRS: OSM place nodes and GeoNames.

    GeoNames places get a kind from their population (city >= 100,000, town >= 10,000,
    else village); a GeoNames place with an OSM namesake within 5 km is the same place and
    dropped. ``locality`` nodes (no population in OSM) are not settlements.
    """
    from geodata.joins import normalise_name

    pl = places[places["place"].isin(list(PLACE_REACH_M))]
    xy = shapely.get_coordinates(pl.to_crs(metric).geometry.array).reshape(-1, 2)
    out = pd.DataFrame(
        {
            "sid": [f"osm-node-{i}" for i in pl["osm_id"]],
            "name": pl["name"].astype(str).to_numpy(),
            "name_ur": pl["name_ur"].to_numpy(),
            "kind": pl["place"].astype(str).to_numpy(),
            "tag": pd.to_numeric(pl["population"], errors="coerce").to_numpy(dtype=float),
            "x": xy[:, 0],
            "y": xy[:, 1],
        }
    )
    if gn is None or not len(gn):
        return out
    g = gn[pd.to_numeric(gn["population"], errors="coerce").fillna(0).to_numpy() > 0]
    gxy = shapely.get_coordinates(g.to_crs(metric).geometry.array).reshape(-1, 2)
    keys = out["name"].map(normalise_name).to_numpy()
    keep = np.array(
        [
            not bool(np.any((keys == normalise_name(str(n))) & (np.hypot(*(xy - p).T) < 5000.0)))
            for n, p in zip(g["name"], gxy, strict=True)
        ],
        dtype=bool,
    )
    g, gxy = g[keep], gxy[keep]
    gp = pd.to_numeric(g["population"], errors="coerce").to_numpy(dtype=float)
    ids = g["geonameid"] if "geonameid" in g else pd.Series(range(len(g)))
    gdf = pd.DataFrame(
        {
            "sid": [f"geonames-{i}" for i in ids],
            "name": g["name"].astype(str).to_numpy(),
            "name_ur": None,
            "kind": np.where(gp >= 100_000, "city", np.where(gp >= 10_000, "town", "village")),
            "tag": gp,
            "x": gxy[:, 0],
            "y": gxy[:, 1],
        }
    )
    return pd.concat([d for d in (out, gdf) if len(d)], ignore_index=True)


# ---------------------------------------------------------------------------------------


def _with_tehsil_points(
    cells: Cells, tehsils: gpd.GeoDataFrame, use_raster: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cell centres and weights, plus one point for each tehsil that holds no cell."""
    x, y = cells.x, cells.y
    w = cells.weights(use_raster)
    extra: list[tuple[float, float]] = []
    box = _BoxIndex(x, y)
    for geom in tehsils.geometry:
        near = box.within_bounds(geom)
        if not shapely.contains_xy(geom, x[near], y[near]).any():
            p = geom.representative_point()
            extra.append((p.x, p.y))
    if extra:
        e = np.asarray(extra)
        x, y, w = np.r_[x, e[:, 0]], np.r_[y, e[:, 1]], np.r_[w, np.ones(len(e))]
    return x, y, w


def _assign(x: np.ndarray, y: np.ndarray, seeds: pd.DataFrame) -> np.ndarray:
    """Index of the nearest place reaching each cell, -1 when none does."""
    out = np.full(len(x), -1, dtype=np.int64)
    if not len(seeds) or not len(x):
        return out
    reach = seeds["kind"].map(PLACE_REACH_M).to_numpy(dtype=float)
    tree = cKDTree(np.c_[seeds["x"], seeds["y"]])
    k = min(16, len(seeds))
    d, i = tree.query(np.c_[x, y], k=k, distance_upper_bound=float(reach.max()))
    d, i = d.reshape(len(x), k), i.reshape(len(x), k)
    ok = i < len(seeds)
    ok[ok] &= d[ok] <= reach[i[ok]]
    d = np.where(ok, d, np.inf)
    best = np.argmin(d, axis=1)
    hit = np.isfinite(d[np.arange(len(x)), best])
    out[hit] = i[np.arange(len(x)), best][hit]
    return out


def _tehsil_of(x: np.ndarray, y: np.ndarray, tehsils: gpd.GeoDataFrame) -> np.ndarray:
    """Index of the census tehsil holding each point, -1 outside all."""
    out = np.full(len(x), -1, dtype=np.int64)
    box = _BoxIndex(x, y)
    for t, geom in enumerate(tehsils.geometry):
        near = box.within_bounds(geom)  # a point outside the bounds is not inside
        near = near[out[near] < 0]
        out[near[shapely.contains_xy(geom, x[near], y[near])]] = t
    return out


class _BoxIndex:
    """Points sorted by x: those within a geometry's bounds without testing every point."""

    def __init__(self, x: np.ndarray, y: np.ndarray) -> None:
        self.order = np.argsort(x, kind="stable")
        self.xs = x[self.order]
        self.y = y

    def within_bounds(self, geom: Any) -> np.ndarray:
        """Ascending indices of the points inside the bounds of ``geom`` (edges included)."""
        x0, y0, x1, y1 = shapely.bounds(geom)
        a = int(np.searchsorted(self.xs, x0, side="left"))
        b = int(np.searchsorted(self.xs, x1, side="right"))
        idx = np.sort(self.order[a:b])
        keep = (self.y[idx] >= y0) & (self.y[idx] <= y1)
        return np.asarray(idx[keep], dtype=np.int64)


def _share(
    unit: Any, row: Any, w: np.ndarray, use_raster: bool, density: float
) -> tuple[float, str]:
    """A tehsil's share inside the extract and how it was found."""
    if not bool(unit["partial"]):
        return 1.0, "complete"
    if use_raster and w.sum() > 0 and int(row["population"]) > 0:
        return min(1.0, float(w.sum()) / float(row["population"])), "raster"
    whole = unit.get("whole")
    if whole is not None and not shapely.is_empty(whole) and whole.area > 0:
        return min(1.0, float(unit.geometry.area / whole.area)), "area"
    if int(row["population"]) <= 0:
        return 0.0, "roads"
    # no raster, no complete boundary: the persons the roads inside can hold, at most all
    return min(1.0, float(w.sum()) * density / float(row["population"])), "roads"


def _gather(
    x: np.ndarray,
    y: np.ndarray,
    hh: np.ndarray,
    pop: np.ndarray,
    teh: np.ndarray,
    seed_of: np.ndarray,
    seeds: pd.DataFrame,
    tehsils: gpd.GeoDataFrame,
    outside: np.ndarray,
    block_m: float,
    max_hh: int,
) -> tuple[list[dict[str, Any]], int, int]:
    """Cells gathered into settlements (place or block, per tehsil), large ones split."""
    bi = np.floor(x / block_m).astype(np.int64)
    bj = np.floor(y / block_m).astype(np.int64)
    key = np.where(seed_of >= 0, seed_of, -1 - (bi * 100_003 + bj))
    groups = pd.DataFrame({"k": key, "t": teh}).groupby(["k", "t"]).indices
    look = _Lookup(
        {c: seeds[c].tolist() for c in ("sid", "name", "name_ur", "x", "y", "kind")},
        [str(v) for v in tehsils["name"]],
        tehsils.geometry.to_numpy(),
        hh + pop,
    )
    rows: list[dict[str, Any]] = []
    n_split = too_big = 0
    for group, idx in groups.items():
        k, t = (int(v) for v in cast("tuple[int, int]", group))
        if hh[idx].sum() == 0 and pop[idx].sum() == 0:
            continue
        # outside census, households come later from population: split on persons / 6
        load = np.where(outside[idx], pop[idx] / 6.0, hh[idx])
        parts = _split(np.asarray(idx), load, x, y, max_hh)
        n_split += len(parts) > 1
        too_big += sum(len(p) == 1 and load[np.isin(idx, p)].sum() > max_hh for p in parts)
        for j, p in enumerate(parts):
            rows.append(_row(int(k), int(t), j, len(parts), p, x, y, hh, pop, look))
            rows[-1]["outside"] = bool(outside[p[0]])
            rows[-1]["block"] = (int(bi[p[0]]), int(bj[p[0]]))
    return rows, n_split, too_big


@dataclass(frozen=True)
class _Lookup:
    """Seed columns, tehsil names and polygons, and cell weights, read once per gathering."""

    seeds: dict[str, list[Any]]
    teh_names: list[str]
    geoms: np.ndarray
    weight: np.ndarray  # households + persons per cell


def _inside_its_unit(
    cx: float,
    cy: float,
    p: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    t: int,
    geoms: np.ndarray,
) -> tuple[float, float]:
    """``(cx, cy)``, or its heaviest cell when the point lies outside the cells' unit.

    The settlement's point decides its tehsil later (a spatial join): it must lie in the
    unit its cells lie in (or outside every census unit, for cells outside them).
    """
    if t >= 0:
        ok = bool(shapely.contains_xy(geoms[t], cx, cy))
    else:
        ok = not any(bool(shapely.contains_xy(g, cx, cy)) for g in geoms)
    if ok:
        return cx, cy
    best = p[int(np.argmax(w[p]))]
    return float(x[best]), float(y[best])


def _split(
    idx: np.ndarray, load: np.ndarray, x: np.ndarray, y: np.ndarray, max_hh: int
) -> list[np.ndarray]:
    """Halve a settlement's cells along its longer side until each part holds <= max_hh."""
    if load.sum() <= max_hh or len(idx) == 1:
        return [idx]
    px, py = x[idx], y[idx]
    axis = px if np.ptp(px) >= np.ptp(py) else py
    order = np.argsort(axis, kind="stable")
    cum = np.cumsum(load[order])
    cut = int(np.clip(np.searchsorted(cum, cum[-1] / 2.0) + 1, 1, len(idx) - 1))
    a, b = order[:cut], order[cut:]
    return [*_split(idx[a], load[a], x, y, max_hh), *_split(idx[b], load[b], x, y, max_hh)]


def _row(
    k: int,
    t: int,
    j: int,
    n: int,
    p: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    hh: np.ndarray,
    pop: np.ndarray,
    look: _Lookup,
) -> dict[str, Any]:
    """One settlement row (metric ``x, y``)."""
    w = hh[p] + pop[p] + 1e-9
    cx, cy = float(np.average(x[p], weights=w)), float(np.average(y[p], weights=w))
    teh_name = look.teh_names[t] if t >= 0 else None
    suffix = f"-{j + 1}" if n > 1 else ""
    if k >= 0:
        s = {c: v[k] for c, v in look.seeds.items()}
        sid, name, name_ur = str(s["sid"]), str(s["name"]), s["name_ur"]
        if n == 1 and np.hypot(s["x"] - cx, s["y"] - cy) < 2000.0:
            cx, cy = float(s["x"]), float(s["y"])
        cx, cy = _inside_its_unit(cx, cy, p, x, y, look.weight, t, look.geoms)
        name += f" ({j + 1}/{n})" if n > 1 else ""
        source = f"place={s['kind']}"
    else:
        code = -1 - k
        ci, cj = code // 100_003, code % 100_003
        sid, name, name_ur = f"block-{ci}-{cj}", f"{teh_name or 'area'} block {ci}/{cj}", None
        source = "block"
    return {
        "settlement_id": f"{sid}{'-t' + str(t) if t >= 0 else ''}{suffix}",
        "name": name,
        "name_ur": name_ur,
        "households": int(hh[p].sum()),
        "population": int(pop[p].sum()),
        "tehsil_key": teh_name,
        "source": source + (" (census)" if t >= 0 else ""),
        "x": cx,
        "y": cy,
    }


def _households_outside(rows: Sequence[dict[str, Any]], size: float) -> pd.DataFrame:
    """Households of settlements outside census units: population / ``size`` in total."""
    df = pd.DataFrame(rows)
    if not len(df):
        return pd.DataFrame(
            columns=[
                "settlement_id",
                "name",
                "name_ur",
                "households",
                "population",
                "tehsil_key",
                "source",
                "x",
                "y",
            ]
        )
    out = df["outside"].to_numpy(dtype=bool)
    if out.any():
        p = df.loc[out, "population"].to_numpy(dtype=float)
        total = round(p.sum() / size)
        df.loc[out, "households"] = spread(p, total) if p.sum() > 0 else 0
    return df.drop(columns=["outside", "block"])
