"""Settlements of a built region: census grid, OSM/GeoNames places, or a user's file.

* :func:`grid_settlements` spreads census totals per tehsil over a grid in proportion to
  the length of residential roads (and places) per cell.
* :func:`place_settlements` makes settlements of OSM place nodes and GeoNames places with
  ESTIMATED households when there is no census table.
* :func:`user_settlements` reads a planner's points with ``households``.

:func:`admin_columns` then names each settlement's province, district, tehsil and union
council. See ``docs/region_build.md`` for the method.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

import geodata.schema as sc
from geodata.build.readers import PathLike, read_points
from geodata.census import CensusMatch
from geodata.errors import DataFileError
from geodata.joins import normalise_name

__all__ = [
    "NATIONAL_MEAN_HOUSEHOLD_SIZE",
    "PLACE_DEFAULT_POPULATION",
    "PLACE_WEIGHT_KM",
    "PROXY_CLASSES",
    "admin_columns",
    "geonames_outside_census",
    "grid_settlements",
    "largest_remainder",
    "place_settlements",
    "user_settlements",
]

#: Road classes whose length in a grid cell is the population proxy.
PROXY_CLASSES = ("residential", "unclassified", "living_street")
#: An OSM or GeoNames place in a cell counts as this many km of residential road.
PLACE_WEIGHT_KM = 2.0

#: ASSUMED population of an OSM place node without a ``population`` tag, per ``place=*``
#: kind, used only when neither a census table nor a settlements file is given. Chosen
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


def grid_settlements(
    edges: gpd.GeoDataFrame,
    tehsils: gpd.GeoDataFrame,
    census: pd.DataFrame,
    match: CensusMatch,
    places: gpd.GeoDataFrame,
    gn: gpd.GeoDataFrame | None,
    metric: Any,
    grid_m: float,
) -> tuple[pd.DataFrame, int]:
    """Census totals of the matched tehsils spread over a ``grid_m`` grid.

    Each matched tehsil's households and population are split over the grid cells inside it
    (metric CRS ``metric``) in proportion to the km of :data:`PROXY_CLASSES` roads per cell
    plus :data:`PLACE_WEIGHT_KM` per OSM/GeoNames place (:func:`largest_remainder`, so the
    cells sum exactly to the census figures). A cell holding a place takes its name. A tehsil
    part without road or place gets one settlement at a point inside it.

    Parameters
    ----------
    edges
        Road edges (``highway``, ``length_m``).
    tehsils
        Tehsil units (``name``, polygons in EPSG:4326).
    census, match
        The census table and its match to the tehsils.
    places, gn
        OSM place nodes and GeoNames places (or ``None``).
    metric
        The metric CRS to grid in.
    grid_m
        Cell size in metres.

    Returns
    -------
    tuple of DataFrame and int
        Settlement rows (``settlement_id, name, households, population, tehsil_key, source,
        geometry``) and the census households of the matched tehsils.
    """
    proxy = edges[edges["highway"].isin(PROXY_CLASSES)]
    mid = shapely.line_interpolate_point(proxy.geometry.array, 0.5, normalized=True)
    mid_m = gpd.GeoSeries(mid, crs="EPSG:4326").to_crs(metric)
    mx, my = mid_m.x.to_numpy(), mid_m.y.to_numpy()
    w_road = proxy["length_m"].to_numpy() / 1000.0
    pl = [places.geometry] + ([gn.geometry] if gn is not None else [])
    pl_m = gpd.GeoSeries(pd.concat(pl, ignore_index=True), crs="EPSG:4326").to_crs(metric)
    place_names = list(places["name"]) + (list(gn["name"]) if gn is not None else [])
    px, py = pl_m.x.to_numpy(), pl_m.y.to_numpy()
    teh_m = tehsils.to_crs(metric)
    rows: list[dict[str, Any]] = []
    hh_total = 0
    for name, label in match.pairs.items():
        poly = teh_m.loc[teh_m["name"] == name].geometry.union_all()
        crow: Any = census.loc[label]
        hh_total += int(crow["households"])
        in_r = shapely.contains_xy(poly, mx, my)
        in_p = shapely.contains_xy(poly, px, py)
        x = np.r_[mx[in_r], px[in_p]]
        y = np.r_[my[in_r], py[in_p]]
        w = np.r_[w_road[in_r], np.full(int(in_p.sum()), PLACE_WEIGHT_KM)]
        names_here = [place_names[i] for i in np.flatnonzero(in_p)]
        if len(w) == 0 or w.sum() <= 0:
            # no road or place in the tehsil's part: one settlement at its centre
            c = poly.representative_point()
            x, y, w = np.array([c.x]), np.array([c.y]), np.array([1.0])
        x0, y0 = poly.bounds[0], poly.bounds[1]
        ci = np.floor((x - x0) / grid_m).astype(np.int64)
        cj = np.floor((y - y0) / grid_m).astype(np.int64)
        key = ci * 1_000_003 + cj
        cells, inv = np.unique(key, return_inverse=True)
        cw = np.bincount(inv, weights=w)
        cx = np.bincount(inv, weights=w * x) / cw
        cy = np.bincount(inv, weights=w * y) / cw
        hh = largest_remainder(cw, int(crow["households"]))
        pop = largest_remainder(cw, int(crow["population"]))
        # a place inside the cell names it
        pname: dict[int, str] = {}
        n_roads = int(in_r.sum())
        for k, nm in enumerate(names_here):
            pname.setdefault(int(inv[n_roads + k]), str(nm))
        tehsil_label = str(crow["tehsil"]).title()
        for k in range(len(cells)):
            if hh[k] == 0 and pop[k] == 0:
                continue
            cid = (
                f"{normalise_name(name).replace(' ', '-')}-{cells[k] // 1_000_003}-"
                f"{cells[k] % 1_000_003}"
            )
            rows.append(
                {
                    "settlement_id": cid,
                    "name": pname.get(
                        k, f"{tehsil_label} cell {cid.rsplit('-', 2)[-2]}/{cid.rsplit('-', 1)[-1]}"
                    ),
                    "households": int(hh[k]),
                    "population": int(pop[k]),
                    "tehsil_key": name,
                    "x": cx[k],
                    "y": cy[k],
                    "source": "census grid",
                }
            )
    df = pd.DataFrame(rows)
    pts = gpd.GeoSeries(gpd.points_from_xy(df["x"], df["y"]), crs=metric).to_crs("EPSG:4326")
    df = df.drop(columns=["x", "y"])
    df["geometry"] = pts.to_numpy()
    return df, hh_total


def place_settlements(
    places: gpd.GeoDataFrame, gn: gpd.GeoDataFrame | None, metric: Any, osm: PathLike
) -> tuple[pd.DataFrame, int, int]:
    """Settlements from OSM place nodes (and GeoNames places) with estimated households.

    Population is the ``population`` tag, else :data:`PLACE_DEFAULT_POPULATION` of the place
    kind; households are population / :data:`NATIONAL_MEAN_HOUSEHOLD_SIZE`. An OSM place
    with a GeoNames namesake within 5 km is dropped (GeoNames wins).

    Returns
    -------
    tuple of DataFrame, int and int
        Settlement rows, the number of OSM rows and of GeoNames rows.

    Raises
    ------
    DataFileError
        When there is no named place with a population (no population source at all).
    """
    tagged = pd.to_numeric(places["population"], errors="coerce")
    default = places["place"].map(PLACE_DEFAULT_POPULATION).fillna(0).astype(float)
    pop = tagged.where(tagged > 0, default)
    pl = places[(pop > 0).to_numpy()]
    pop = pop[(pop > 0).to_numpy()]
    g = (
        gn
        if gn is not None
        else gpd.GeoDataFrame({"name": [], "population": []}, geometry=[], crs="EPSG:4326")
    )
    if len(g):
        g = g[pd.to_numeric(g["population"], errors="coerce").fillna(0).to_numpy() > 0]
    if len(g) and len(pl):
        # an OSM place with a GeoNames namesake within 5 km is the same place: GeoNames wins
        xy_g = shapely.get_coordinates(g.to_crs(metric).geometry.array)
        keys_g = g["name"].map(normalise_name).to_numpy()
        xy_p = shapely.get_coordinates(pl.to_crs(metric).geometry.array)
        keys_p = pl["name"].map(normalise_name).to_numpy()
        dup = np.array(
            [
                bool(np.any((keys_g == k) & (np.hypot(*(xy_g - xy).T) < 5000.0)))
                for k, xy in zip(keys_p, xy_p, strict=True)
            ],
            dtype=bool,
        )
        pl, pop = pl[~dup], pop[~dup]
    if not len(pl) and not len(g):
        raise DataFileError(
            f"{osm}: no population source: no census table, no settlements file, and no named "
            "OSM place node (place=city/town/village/hamlet/suburb...) "
            + ("or GeoNames place with a population " if gn is not None else "")
            + "in the area; give a census table (census=...), a settlements file with "
            "households (settlements=...) or GeoNames places (geonames=...)"
        )
    size = NATIONAL_MEAN_HOUSEHOLD_SIZE
    pop_g = pd.to_numeric(g["population"], errors="coerce").to_numpy(dtype=float)
    osm_rows = pd.DataFrame(
        {
            "settlement_id": [f"osm-node-{i}" for i in pl["osm_id"]],
            "name": pl["name"].astype(str).to_numpy(),
            "name_ur": pl["name_ur"].to_numpy(),
            "households": np.round(pop.to_numpy() / size).astype(np.int64),
            "population": np.round(pop.to_numpy()).astype(np.int64),
            "tehsil_key": None,
            "source": [
                f"OSM place={k} ({'tagged' if t > 0 else 'assumed'} population)"
                for k, t in zip(pl["place"], tagged[pop.index].fillna(0), strict=True)
            ],
            "geometry": pl.geometry.to_numpy(),
        }
    )
    gn_rows = pd.DataFrame(
        {
            "settlement_id": [f"geonames-{i}" for i in g["geonameid"]]
            if "geonameid" in g
            else [f"geonames-{k}" for k in range(len(g))],
            "name": g["name"].astype(str).to_numpy(),
            "name_ur": None,
            "households": np.round(pop_g / size).astype(np.int64),
            "population": np.round(pop_g).astype(np.int64),
            "tehsil_key": None,
            "source": "GeoNames",
            "geometry": g.geometry.to_numpy(),
        }
    )
    out = pd.concat([d for d in (gn_rows, osm_rows) if len(d)], ignore_index=True)
    return out, len(osm_rows), len(gn_rows)


def largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to ``weights`` summing exactly to ``total``.

    Each weight gets the floor of its share; the units left go to the largest remainders
    (ties to the first).

    Examples
    --------
    >>> largest_remainder(np.array([1.0, 1.0, 1.0]), 10).tolist()
    [4, 3, 3]
    >>> largest_remainder(np.array([0.5, 2.5, 7.0]), 7).tolist()
    [0, 2, 5]
    """
    share = weights / weights.sum() * total
    base = np.floor(share).astype(np.int64)
    left = total - int(base.sum())
    if left > 0:
        order = np.argsort(-(share - base), kind="stable")[:left]
        base[order] += 1
    return np.asarray(base, dtype=np.int64)


def geonames_outside_census(
    gn: gpd.GeoDataFrame, units: gpd.GeoDataFrame, sett: pd.DataFrame, census: pd.DataFrame
) -> pd.DataFrame:
    """GeoNames places outside the census-matched tehsils, as settlements.

    Households are the place's population / the census table's mean household size.
    """
    tehsil_names = set(sett["tehsil_key"]) if "tehsil_key" in sett else set()
    covered = units[(units["level"] == "tehsil") & units["name"].isin(tehsil_names)]
    area = covered.union_all() if len(covered) else None
    g = gn if area is None else gn[~gn.within(area)]
    g = g[g["population"].fillna(0) > 0]
    mean_size = census["population"].sum() / max(int(census["households"].sum()), 1)
    return pd.DataFrame(
        {
            "settlement_id": [f"geonames-{i}" for i in g["geonameid"]]
            if "geonameid" in g
            else [f"geonames-{k}" for k in range(len(g))],
            "name": g["name"].astype(str).to_numpy(),
            "households": np.round(g["population"].to_numpy() / mean_size).astype(np.int64),
            "population": g["population"].astype(np.int64).to_numpy(),
            "tehsil_key": None,
            "source": "GeoNames",
            "geometry": g.geometry.to_numpy(),
        }
    )


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
