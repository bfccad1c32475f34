"""Travel-time queries over a region's road network: the region-level adapters.

- :func:`nearest_centre` - nearest centre of every settlement, one multi-source search.
- :func:`coverage_matrix` - sparse settlements x sites matrix of minutes within a cut-off.
- :func:`travel_matrix` - full matrix among a few hundred points (van stops, depots).
- :func:`snap_to_network` - where points join the mode's network.

Each one resolves the region's tables and settings (:mod:`access.context`), snaps the
points, and runs the array core (:mod:`access.core`: prepare -> search -> combine); the
partitioned path (:mod:`access.partition`) runs the same core functions. All times are in
minutes, distances in metres, geometries in EPSG:4326.

Direction of travel: every answer is for the trip *from the settlement (or origin) to the
centre (or destination)*. Searches that start at centres therefore run on the reversed
graph, so one-way streets are used in the direction a traveller leaving the settlement can
use them. Walking ignores ``oneway``.

A point joins the network as described in :mod:`access.snapping`; its off-road leg is walked
at ``profile.offroad_walk_kph`` over ``walk_detour_factor`` x the straight-line distance, in
every mode. ``travel_min`` includes the off-road legs at both ends; ``network_m`` is the
on-road distance and ``access_m`` the straight-line off-road distance at both ends.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix

from access.attach import (
    FLAG_UNREACHABLE,
    access_seconds,
    arrival_seeds,
    core_seeds,
    direct_walk_pairs,
    exit_seeds,
    point_flags,
    same_chain_pairs,
)
from access.context import point_table, resolve_settings, site_table, travel_context
from access.core import (
    COVERAGE_METHODS,
    combine_coverage_arrays,
    combine_nearest_arrays,
    prepare_nearest_arrays,
    search_coverage_arrays,
    search_nearest_arrays,
)
from access.friction import OffroadSettings
from access.offroad import FLAG_OFF_SURFACE
from access.offroad_region import (
    coverage_offroad,
    nearest_centre_offroad,
    offroad_context,
    resolve_offroad,
    travel_matrix_offroad,
)
from access.partition import prepare_coverage
from access.search import bounded_one_to_many
from access.snapping import Snaps
from access.speeds import TravelSettings
from geodata.errors import SchemaError
from geodata.region import Region

__all__ = [
    "TravelMatrix",
    "coverage_matrix",
    "nearest_centre",
    "snap_to_network",
    "travel_matrix",
]


@dataclass(frozen=True)
class TravelMatrix:
    """Full travel matrix among points (rows: from, columns: to).

    Attributes
    ----------
    ids
        Point labels, in matrix order.
    minutes, metres
        ``(n, n)`` arrays; NaN where unreachable. ``metres`` is the on-road distance.
    access_m
        Straight-line off-road distance of each point to its snap point.
    flags
        Flags of each point (comma-separated, empty when none).
    """

    ids: tuple[str, ...]
    minutes: np.ndarray
    metres: np.ndarray
    access_m: np.ndarray
    flags: tuple[str, ...]


def nearest_centre(
    region: Region,
    *,
    settings: TravelSettings | None = None,
    mode: str | None = None,
    centres: gpd.GeoDataFrame | str = "centres",
) -> pd.DataFrame:
    """Nearest centre (by travel time) of every settlement, in one multi-source search.

    The search starts at all centres at once on the reversed graph, so each settlement's
    time is for the trip settlement -> centre under one-way rules.

    Parameters
    ----------
    region
        The region.
    settings
        Travel settings (default ``TravelSettings()``).
    mode
        Shortcut overriding ``settings.mode``.
    centres
        ``"centres"``, ``"candidates"`` or a GeoDataFrame with ``centre_id`` and Points in
        EPSG:4326.

    Returns
    -------
    pandas.DataFrame
        Index of ``region.settlements``; columns ``settlement_id``, ``centre_id`` (missing
        when unreachable), ``travel_min`` (NaN when unreachable), ``network_m``,
        ``access_m`` and ``flags`` (comma-separated: ``far_from_road``, ``road_island``,
        ``unreachable``, ``no_road``).

    Raises
    ------
    CRSError
        When a layer is not in EPSG:4326 or the region's metric CRS is not projected.

    Examples
    --------
    >>> df = nearest_centre(region, mode="walk")  # doctest: +SKIP
    >>> df.loc[df.travel_min > 120, "settlement_id"]  # doctest: +SKIP
    """
    st = resolve_settings(settings, mode)
    offroad = resolve_offroad(region, st)
    if offroad is not None:  # a friction surface / DEM: cells and roads as one graph
        return nearest_centre_offroad(region, st, offroad, site_table(region, centres))
    ctx = travel_context(region, st)
    sites = site_table(region, centres)
    s_snap = ctx.snap(region.settlements, max_snap_m=st.max_snap_m)
    c_snap = ctx.snap(sites, max_snap_m=st.max_snap_m)
    problem = prepare_nearest_arrays(ctx.graph, s_snap, c_snap, st, memo=ctx.derived)
    network = search_nearest_arrays(ctx.graph.core_reverse(), problem.exits, problem.arrivals)
    best = combine_nearest_arrays(problem, network, max_snap_m=st.max_snap_m)
    reached = np.isfinite(best.cost_s)
    lab = np.where(reached, best.site, 0)
    c_ids = sites["centre_id"].astype(str).to_numpy(dtype=object)
    centre_id = np.full(len(s_snap), None, dtype=object)
    if len(c_ids):
        centre_id[reached] = c_ids[lab[reached]]
    return pd.DataFrame(
        {
            "settlement_id": region.settlements["settlement_id"].astype(str).to_numpy(),
            "centre_id": pd.array(centre_id, dtype="str"),
            "travel_min": np.where(reached, best.cost_s, np.nan) / 60.0,
            "network_m": np.where(reached, best.length_m, np.nan),
            "access_m": np.where(reached, best.access_m, s_snap.access_m),
            "flags": pd.array(point_flags(s_snap, reached), dtype="str"),
        },
        index=region.settlements.index,
    )


def coverage_matrix(
    region: Region,
    *,
    sites: gpd.GeoDataFrame | str = "candidates",
    cutoff_min: float = 120.0,
    settings: TravelSettings | None = None,
    mode: str | None = None,
    n_threads: int | None = None,
    method: str = "auto",
) -> csr_matrix:
    """Travel minutes settlement -> site for every pair within ``cutoff_min``.

    One bounded search per site on the reversed graph; each search stops at the cut-off.
    With ``method="terminal_core"`` the searches run on a *terminal core*: the graph
    contracted to the sites' and settlements' nodes, built once per region, mode and pair
    of point sets (:mod:`access.terminal_core`); the pairs are the same and the minutes
    equal up to rounding in the last bits.

    Parameters
    ----------
    region
        The region.
    sites
        ``"candidates"``, ``"centres"`` or a GeoDataFrame of Points in EPSG:4326.
    cutoff_min
        Largest travel time kept (inclusive), minutes, including off-road legs.
    settings, mode
        See :func:`nearest_centre`.
    n_threads
        Threads for the searches (default: all cores).
    method
        ``auto`` (a terminal core from 20,000 sites and a 30-minute cut-off), ``direct``
        (never) or ``terminal_core`` (always: worth it when several matrices share the
        same settlements and sites); see :data:`access.core.COVERAGE_METHODS`.
        Ignored with an off-road surface.

    Returns
    -------
    scipy.sparse.csr_matrix
        Shape ``(len(region.settlements), len(sites))``, rows and columns in table order.
        A stored entry means reachable within the cut-off; its value may be 0.

    Raises
    ------
    CRSError
        When a layer is not in EPSG:4326 or the metric CRS is not projected.
    SchemaError
        When ``cutoff_min`` is negative or NaN, or ``method`` is unknown.

    Examples
    --------
    >>> m = coverage_matrix(region, sites="candidates", cutoff_min=60)  # doctest: +SKIP
    >>> covered = m.getnnz(axis=1) > 0  # doctest: +SKIP
    """
    if not cutoff_min >= 0:
        raise SchemaError(f"cutoff_min must be >= 0, got {cutoff_min!r}", source="coverage_matrix")
    if method not in COVERAGE_METHODS:
        raise SchemaError(
            f"method must be one of {', '.join(COVERAGE_METHODS)}, got {method!r}",
            source="coverage_matrix",
        )
    st = resolve_settings(settings, mode)
    offroad = resolve_offroad(region, st)
    if offroad is not None:
        oc = offroad_context(region, st, offroad)
        m = coverage_offroad(
            oc,
            region.settlements,
            site_table(region, sites),
            cutoff_s=float(cutoff_min) * 60.0,
            n_threads=n_threads,
        )
        m.data /= 60.0
        return m
    problem = prepare_coverage(
        region, sites=sites, cutoff_min=cutoff_min, settings=st, method=method
    )
    part = search_coverage_arrays(
        problem.reverse,
        problem.sources,
        problem.targets,
        np.arange(problem.n_cols, dtype=np.int64),
        limit_s=problem.limit_s,
        n_threads=n_threads,
        core=problem.core,
    )
    return combine_coverage_arrays(problem, [part])


def travel_matrix(
    points: gpd.GeoDataFrame | gpd.GeoSeries | Sequence[str],
    region: Region,
    *,
    settings: TravelSettings | None = None,
    mode: str | None = None,
    n_threads: int | None = None,
) -> TravelMatrix:
    """Full travel matrix (minutes and metres) among a few hundred points.

    Parameters
    ----------
    points
        Points in EPSG:4326 (GeoDataFrame/GeoSeries; labels from an ``id`` column or the
        index) or ids of settlements, centres or candidates of ``region``.
    region
        The region.
    settings, mode
        See :func:`nearest_centre`.
    n_threads
        Threads for the searches.

    Returns
    -------
    TravelMatrix

    Raises
    ------
    SchemaError
        When an id is not found in the region.
    CRSError
        When the points are not in EPSG:4326.

    Examples
    --------
    >>> tm = travel_matrix(["S001", "S002", "C01"], region, mode="car")  # doctest: +SKIP
    >>> tm.minutes.shape  # doctest: +SKIP
    (3, 3)
    """
    st = resolve_settings(settings, mode)
    gdf, ids = point_table(points, region)
    offroad = resolve_offroad(region, st)
    if offroad is not None:
        return _travel_matrix_offroad(region, st, offroad, gdf, ids, n_threads)
    ctx = travel_context(region, st)
    snaps = ctx.snap(gdf, max_snap_m=st.max_snap_m)
    g = ctx.graph
    acc = access_seconds(snaps, st)
    src = core_seeds(g, exit_seeds(g, snaps, acc), forward=True)
    tgt = core_seeds(g, arrival_seeds(g, snaps, acc), forward=False)
    res = bounded_one_to_many(
        g.c_indptr,
        g.c_indices,
        g.c_weight_s,
        src,
        targets=tgt,
        lengths=g.c_length_m,
        stop_when_all_found=True,
        n_threads=n_threads,
    )
    n = len(snaps)
    minutes = np.full((n, n), np.inf)
    metres = np.full((n, n), np.nan)
    minutes[res.source, res.target] = res.cost
    metres[res.source, res.target] = res.length
    d_i, d_j, d_cost, d_len = same_chain_pairs(g, snaps, snaps)
    d_cost = d_cost + acc[d_i] + acc[d_j]
    w_i, w_j, w_cost, _ = direct_walk_pairs(snaps, snaps, st, np.inf)
    for i, j, c, ln in (
        (d_i, d_j, d_cost, d_len),
        (w_i, w_j, w_cost, np.zeros(w_i.size)),
    ):
        better = c < minutes[i, j]
        minutes[i[better], j[better]] = c[better]
        metres[i[better], j[better]] = ln[better]
    np.fill_diagonal(minutes, 0.0)
    np.fill_diagonal(metres, 0.0)
    reach = np.isfinite(minutes)
    minutes = np.where(reach, minutes / 60.0, np.nan)
    metres = np.where(reach, metres, np.nan)
    off = reach.copy()
    np.fill_diagonal(off, False)
    no_way = ~off.any(axis=1) if n > 1 else snaps.edge < 0
    return TravelMatrix(
        ids=tuple(ids),
        minutes=minutes,
        metres=metres,
        access_m=snaps.access_m.copy(),
        flags=tuple(point_flags(snaps, ~no_way)),
    )


def _travel_matrix_offroad(
    region: Region,
    st: TravelSettings,
    offroad: OffroadSettings,
    gdf: gpd.GeoSeries,
    ids: list[str],
    n_threads: int | None,
) -> TravelMatrix:
    """:func:`travel_matrix` over the surface and roads (metres along the path's nodes)."""
    oc = offroad_context(region, st, offroad)
    seconds, metres, on_surface = travel_matrix_offroad(oc, gdf, n_threads=n_threads)
    reach = np.isfinite(seconds)
    off = reach.copy()
    np.fill_diagonal(off, False)
    ok = off.any(axis=1) if len(ids) > 1 else on_surface
    flags = np.where(~on_surface, FLAG_OFF_SURFACE, np.where(ok, "", FLAG_UNREACHABLE))
    return TravelMatrix(
        ids=tuple(ids),
        minutes=np.where(reach, seconds / 60.0, np.nan),
        metres=np.where(reach, metres, np.nan),
        access_m=np.full(len(ids), np.nan),
        flags=tuple(str(f) for f in flags),
    )


def snap_to_network(
    region: Region,
    points: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    settings: TravelSettings | None = None,
    mode: str | None = None,
) -> Snaps:
    """Where each point joins the mode's network (see :mod:`access.snapping`).

    ``Snaps.fraction`` is measured from the edge's ``u`` node towards ``v`` (whatever the
    direction its geometry is drawn in).

    Raises
    ------
    CRSError
        When the points are not in EPSG:4326.
    """
    st = resolve_settings(settings, mode)
    ctx = travel_context(region, st)
    return ctx.snap(points, max_snap_m=st.max_snap_m)
