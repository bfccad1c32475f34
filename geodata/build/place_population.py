"""Persons of places: population tags shared down the place tree, road density, spreading.

* :func:`largest_remainder` / :func:`spread`: integers summing exactly to a total;
* :func:`persons_per_road_km`: persons per km of residential road, calibrated on the complete
  census tehsils of an extract (else :data:`PERSONS_PER_ROAD_KM`);
* :func:`outside_population`: persons of cells outside census units (raster, else the tag of
  the smallest tagged place they lie in, capped by its roads, else an assumed size per kind).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from geodata.build.population import Cells
from geodata.census import CensusMatch

__all__ = [
    "PERSONS_PER_ROAD_KM",
    "PLACE_RANK",
    "PLACE_REACH_M",
    "TAG_DENSITY_FACTOR",
    "largest_remainder",
    "outside_population",
    "persons_per_road_km",
    "spread",
]

#: How far (m) from its node a place reaches: cells within it belong to the nearest place.
PLACE_REACH_M = {
    "city": 10_000.0,
    "town": 3_000.0,
    "suburb": 1_500.0,
    "quarter": 1_000.0,
    "village": 1_500.0,
    "neighbourhood": 700.0,
    "hamlet": 500.0,
    "isolated_dwelling": 200.0,
}
#: Rank of a place kind: a place lies inside the nearest higher-ranked place reaching it.
PLACE_RANK = {
    "city": 6,
    "town": 5,
    "suburb": 4,
    "quarter": 3,
    "village": 3,
    "neighbourhood": 2,
    "hamlet": 1,
    "isolated_dwelling": 0,
}
#: Persons per km of residential/unclassified/living-street road (a place counting as
#: ``PLACE_WEIGHT_KM``) when no complete census tehsil lies inside the extract to calibrate
#: it: Islamabad Capital Territory, 2,006,572 persons in the 2017 census over the 3,235 km of
#: such roads inside it in the 2020 OSM extract (``../shared/data/osm/islamabad.osm.pbf``).
#: It bounds the share of a cut tehsil that lies inside an extract without a raster or a
#: complete boundary: the census persons its roads inside can hold, at most all of them.
PERSONS_PER_ROAD_KM = 620.0
#: A place's population tag is trusted up to this many times the persons per road km
#: (dense city centres hold more than the average); beyond it the extract does not hold
#: the place (only its edge, or unmapped streets) and the tag is capped.
TAG_DENSITY_FACTOR = 10.0


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


def spread(w: np.ndarray, total: int) -> np.ndarray:
    """``total`` over weights ``w`` (equal when all are 0); zeros for no cell."""
    if not len(w) or total <= 0:
        return np.zeros(len(w), dtype=np.int64)
    return largest_remainder(w if w.sum() > 0 else np.ones(len(w)), total)


def persons_per_road_km(
    tehsils: gpd.GeoDataFrame,
    census: pd.DataFrame,
    match: CensusMatch,
    road_km: np.ndarray,
    teh: np.ndarray,
) -> tuple[float, str]:
    """Persons per km of residential road (plus place weight), and where the figure is from.

    The median over the complete census tehsils inside the extract (their census persons
    over their road weight); without any, :data:`PERSONS_PER_ROAD_KM`.

    Parameters
    ----------
    tehsils, census, match
        As for :func:`allocate_settlements`.
    road_km
        Road weight (km) per fine-grid cell, in the order of ``teh``'s cells.
    teh
        Tehsil index per cell (-1 outside census units).

    Returns
    -------
    tuple of float and str
        Persons per km, and ``"calibrated on N complete tehsils"`` or ``"default"``.
    """
    ratios = []
    for t in range(len(tehsils)):
        if bool(tehsils["partial"].iloc[t]):
            continue
        km = float(road_km[teh == t].sum())
        persons = float(census["population"].loc[match.pairs[str(tehsils["name"].iloc[t])]])
        if km > 0 and persons > 0:
            ratios.append(persons / km)
    if not ratios:
        return PERSONS_PER_ROAD_KM, "default"
    return float(np.median(ratios)), f"calibrated on {len(ratios)} complete tehsils"


def outside_population(
    x: np.ndarray,
    y: np.ndarray,
    w: np.ndarray,
    seed_of: np.ndarray,
    seeds: pd.DataFrame,
    outside: np.ndarray,
    use_raster: bool,
    cells: Cells,
    density: float,
) -> tuple[np.ndarray, list[str]]:
    """Persons of cells outside census units: raster, else place tags, else assumed.

    A tag counts the whole place; where the extract holds only part of it (Wah Cantt at
    the edge of the Islamabad extract, Rawalpindi city whose streets it does not hold) the
    tag is capped by the persons its cells' roads can hold (``density`` x
    :data:`TAG_DENSITY_FACTOR` per km).
    """
    from geodata.build.settlements import PLACE_DEFAULT_POPULATION

    pop = np.zeros(len(x), dtype=np.int64)
    if not outside.any() or (not use_raster and not len(seeds)):
        return pop, []
    if use_raster:
        pop[outside] = np.round(w[outside]).astype(np.int64)
        return pop, [f"{int(pop.sum()):,} persons outside census units from the population raster"]
    parent = _parents(seeds)
    tag = seeds["tag"].to_numpy(dtype=float)
    tagged = np.isfinite(tag) & (tag > 0)
    source = np.array([_tagged_ancestor(s, parent, tagged) for s in range(len(seeds))])
    road = cells.roads
    wt = np.r_[road, np.ones(len(x) - len(road))]
    # each tagged place's total, less the tags of tagged places inside it, over its cells
    sub = np.zeros(len(seeds))
    for c in np.flatnonzero(tagged):
        a = _tagged_ancestor(int(parent[c]), parent, tagged) if parent[c] >= 0 else -1
        if a >= 0:
            sub[a] += tag[c]
    n_tag = n_assumed = n_capped = 0
    own = outside & (seed_of >= 0)
    src = source[np.maximum(seed_of, 0)]
    # cells of each place, as ascending index arrays (a mask per place over every cell is
    # quadratic on a country); places without such cells add nothing and are skipped
    own_idx = np.flatnonzero(own)
    by_src = _groups(src[own_idx], own_idx)
    free = own_idx[src[own_idx] < 0]
    by_seed = _groups(seed_of[free], free)
    for s in sorted(set(by_src) | set(by_seed)):
        if s < 0:
            continue
        if tagged[s]:
            m = by_src.get(s, own_idx[:0])
            total = max(tag[s] - sub[s], 0.0)
            cap = float(wt[m].sum()) * density * TAG_DENSITY_FACTOR
            n_capped += int(len(m) > 0 and cap < total)
            total = min(total, cap)
            n_tag += int(len(m) > 0)
        else:
            m = by_seed.get(s, own_idx[:0])
            total = float(PLACE_DEFAULT_POPULATION.get(str(seeds["kind"].iloc[s]), 0))
            n_assumed += int(len(m) > 0)
        pop[m] += spread(wt[m], round(total))
    notes = []
    if n_tag:
        notes.append(
            f"{n_tag} places outside census units take their OSM/GeoNames `population` tag "
            "(shared with the places inside them, never added on top)"
        )
    if n_capped:
        notes.append(
            f"{n_capped} of them ESTIMATED below their tag: the extract holds too few of their "
            f"roads for it (at most {density * TAG_DENSITY_FACTOR:,.0f} persons per km of "
            "residential road); the "
            "rest of the place lies outside the extract or is not mapped"
        )
    if n_assumed:
        notes.append(
            f"{n_assumed} places outside census units have no population tag: ASSUMED "
            "population per place kind (ESTIMATED households)"
        )
    return pop, notes


def _parents(seeds: pd.DataFrame) -> np.ndarray:
    """Each place's parent: the nearest higher-ranked place reaching it, -1 for none."""
    n = len(seeds)
    parent = np.full(n, -1, dtype=np.int64)
    if n < 2:
        return parent
    xy = np.c_[seeds["x"], seeds["y"]]
    rank = seeds["kind"].map(PLACE_RANK).to_numpy(dtype=float)
    reach = seeds["kind"].map(PLACE_REACH_M).to_numpy(dtype=float)
    tree = cKDTree(xy)
    for s in range(n):
        near = np.asarray(tree.query_ball_point(xy[s], float(reach.max())), dtype=np.int64)
        d = np.hypot(*(xy[near] - xy[s]).T)
        ok = (rank[near] > rank[s]) & (d <= reach[near])
        if ok.any():
            parent[s] = int(near[ok][np.argmin(d[ok])])
    return parent


def _groups(keys: np.ndarray, idx: np.ndarray) -> dict[int, np.ndarray]:
    """``{key: the entries of idx with that key, in their order}``."""
    if not len(keys):
        return {}
    order = np.argsort(keys, kind="stable")
    k, first = np.unique(keys[order], return_index=True)
    return {int(a): b for a, b in zip(k, np.split(idx[order], first[1:]), strict=True)}


def _tagged_ancestor(s: int, parent: np.ndarray, tagged: np.ndarray) -> int:
    """The place itself or its nearest ancestor with a population tag, -1 for none."""
    seen = 0
    while s >= 0 and seen < len(parent):
        if tagged[s]:
            return s
        s = int(parent[s])
        seen += 1
    return -1
