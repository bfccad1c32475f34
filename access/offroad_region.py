"""Off-road travel on a region: its surface joined to a mode's roads, and the queries.

:func:`resolve_offroad` decides, once for every query, whether a surface is used: the
travel settings' ``offroad`` (``False``: never; an :class:`~access.friction.OffroadSettings`:
those rasters; ``True``: the region's rasters) or, when it is ``None`` (the default), the
region's own rasters if ``region.json`` enables them. :func:`offroad_context` builds (and
memoises) the region's :class:`~access.offroad.CombinedGraph` for a mode: the grid covers
every settlement, site and road of the region plus a margin, in its metric CRS.

The queries :func:`access.queries.nearest_centre`, :func:`~access.queries.coverage_matrix`
and :func:`~access.queries.travel_matrix` call the functions here when a surface is in use,
so gaps, placement, vans, scenarios and the app all take the same path.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import csr_matrix

from access.context import TravelContext, travel_context
from access.friction import OffroadSettings, Surface, load_surface
from access.offroad import (
    FLAG_OFF_SURFACE,
    CombinedGraph,
    GridGraph,
    arc_metres,
    combined_csr,
    grid_graph,
    grid_path_metres,
    grid_search,
    point_seeds,
    split_edges,
)
from access.search import bounded_one_to_many, csr_keep_zeros, min_duplicates
from access.speeds import TravelSettings
from geodata.errors import SchemaError
from geodata.memo import LruMemo
from geodata.region import Region

__all__ = [
    "GRID_MARGIN_M",
    "OffroadContext",
    "OffroadNearest",
    "coverage_offroad",
    "nearest_centre_offroad",
    "nearest_offroad",
    "offroad_context",
    "resolve_offroad",
    "travel_matrix_offroad",
]

#: The grid reaches this far beyond the region's points and roads (metres).
GRID_MARGIN_M = 2000.0

_memo: LruMemo[tuple[str, ...], OffroadContext] = LruMemo(2)
_region_settings: LruMemo[tuple[str, str], OffroadSettings] = LruMemo(8)


G = TypeVar("G", CombinedGraph, GridGraph)


@dataclass(eq=False)
class OffroadContext:
    """A region's surface and a mode's roads, with the combined graphs built on demand.

    Attributes
    ----------
    ctx
        The mode's :class:`~access.context.TravelContext` (compiled graph, metric CRS).
    surface
        The walking surface over the region.
    road_xy
        Metric positions of the road nodes of the combined graph.
    arc_tail, arc_head, arc_time_s
        The road arcs (pieces of at most half a cell), in the direction of travel.
    """

    ctx: TravelContext
    surface: Surface
    road_xy: np.ndarray
    arc_tail: np.ndarray
    arc_head: np.ndarray
    arc_time_s: np.ndarray
    _graphs: dict[bool, CombinedGraph] = field(default_factory=dict)
    _grids: dict[bool, GridGraph] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def graph(self, *, reverse: bool) -> CombinedGraph:
        """The combined graph, reversed (searches to places) or forward (memoised)."""
        return self._built(self._graphs, combined_csr, reverse)

    def grid(self, *, reverse: bool) -> GridGraph:
        """The grid-aware graph (cell moves on the fly, roads as a side CSR; memoised)."""
        return self._built(self._grids, grid_graph, reverse)

    def _built(self, memo: dict[bool, G], build: Callable[..., G], reverse: bool) -> G:
        """``build`` over the surface and roads in one direction, once (under the lock)."""
        with self._lock:
            if reverse not in memo:
                memo[reverse] = build(
                    self.surface,
                    road_xy=self.road_xy,
                    arc_tail=self.arc_tail,
                    arc_head=self.arc_head,
                    arc_time_s=self.arc_time_s,
                    reverse=reverse,
                )
            return memo[reverse]

    def metric_xy(self, points: gpd.GeoDataFrame | gpd.GeoSeries) -> np.ndarray:
        """Metric ``(x, y)`` of points in EPSG:4326."""
        geoms = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
        xy = shapely.get_coordinates(np.asarray(geoms.values, dtype=object))
        mx, my = self.ctx.to_metric.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([mx, my])


@dataclass(frozen=True)
class OffroadNearest:
    """Nearest site of each point over the surface and roads (arrays over points).

    Attributes
    ----------
    cost_s
        Seconds (``inf`` when unreached).
    site
        Position of the nearest site (``-1`` when unreached).
    offroad_m, road_m
        Metres walked off road (both ends included) and travelled on roads.
    on_surface
        Whether the point has a passable cell (else it is ``off_surface``).
    """

    cost_s: np.ndarray
    site: np.ndarray
    offroad_m: np.ndarray
    road_m: np.ndarray
    on_surface: np.ndarray

    def flags(self) -> list[str]:
        """``off_surface`` or ``unreachable`` per point (empty when reached)."""
        reached = np.isfinite(self.cost_s)
        out = np.where(~self.on_surface, FLAG_OFF_SURFACE, np.where(reached, "", "unreachable"))
        return [str(f) for f in out]


def resolve_offroad(region: Region, settings: TravelSettings) -> OffroadSettings | None:
    """The surface a query on ``region`` uses under ``settings``, or ``None`` (roads only).

    Raises
    ------
    SchemaError
        When ``settings.offroad`` is ``True`` and the region names no rasters.
    """
    choice = settings.offroad
    if choice is False:
        return None
    if isinstance(choice, OffroadSettings):
        return choice
    files = dict(getattr(region, "offroad_files", {}) or {})
    conf = dict(region.metadata.get("offroad") or {})
    if not files:
        if choice is True:
            raise SchemaError(
                f"region {region.name} names no off-road rasters (region.json 'files': "
                "friction, elevation, landcover); give --friction/--elevation/--landcover",
                source="offroad",
            )
        return None
    if choice is None and not conf.get("enabled", False):
        return None
    key = (region.fingerprint(), repr(sorted(conf.items())) + repr(sorted(files.items())))
    opts = {k: conf[k] for k in ("neighbours", "cell_m", "max_slope") if k in conf}
    return _region_settings.get_or_build(
        key, lambda: OffroadSettings(**{str(k): v for k, v in files.items()}, **opts)
    )


def offroad_context(
    region: Region, settings: TravelSettings, offroad: OffroadSettings
) -> OffroadContext:
    """The memoised :class:`OffroadContext` of ``region`` under ``settings``.

    Raises
    ------
    DataFileError, CRSError, SchemaError
        For a raster that cannot be used (see :func:`access.friction.load_surface`).
    """
    ctx = travel_context(region, settings)
    key = (ctx.graph.key, offroad.digest(), ctx.crs.to_string())

    def build() -> OffroadContext:
        surface = load_surface(offroad, crs=ctx.crs, bounds=_bounds(region, ctx))
        return _with_roads(ctx, region, surface)

    return _memo.get_or_build(key, build)


def nearest_centre_offroad(
    region: Region,
    settings: TravelSettings,
    offroad: OffroadSettings,
    sites: gpd.GeoDataFrame,
) -> pd.DataFrame:
    """The table of :func:`access.queries.nearest_centre` over the surface and roads.

    ``network_m`` is the on-road distance, ``access_m`` the distance walked off road (both
    ends); flags are ``off_surface`` (no passable cell near the settlement) and
    ``unreachable``.
    """
    oc = offroad_context(region, settings, offroad)
    res = nearest_offroad(oc, region.settlements, sites)
    reached = np.isfinite(res.cost_s)
    c_ids = sites["centre_id"].astype(str).to_numpy(dtype=object)
    centre_id = np.full(len(reached), None, dtype=object)
    if len(c_ids):
        centre_id[reached] = c_ids[res.site[reached]]
    return pd.DataFrame(
        {
            "settlement_id": region.settlements["settlement_id"].astype(str).to_numpy(),
            "centre_id": pd.array(centre_id, dtype="str"),
            "travel_min": np.where(reached, res.cost_s, np.nan) / 60.0,
            "network_m": np.where(reached, res.road_m, np.nan),
            "access_m": np.where(reached, res.offroad_m, np.nan),
            "flags": pd.array(res.flags(), dtype="str"),
        },
        index=region.settlements.index,
    )


def nearest_offroad(
    oc: OffroadContext, points: gpd.GeoDataFrame, sites: gpd.GeoDataFrame
) -> OffroadNearest:
    """Nearest site of every point (trip point -> site) in one multi-source search.

    The search starts at every site's cell on the reversed graph (the grid-aware kernel: cell
    moves computed on the fly, :func:`access.offroad.grid_search`); a point takes the time at
    its cell plus its own walk to the cell's centre.
    """
    g = oc.grid(reverse=True)
    s_seeds, s_ok = point_seeds(oc.surface, oc.metric_xy(points))
    c_seeds, _ = point_seeds(oc.surface, oc.metric_xy(sites))
    sp = grid_search(g, c_seeds, np.arange(c_seeds.n_items))
    n = len(points)
    cell = np.full(n, -1, np.int64)
    own_s, own_m = np.zeros(n), np.zeros(n)
    cell[s_ok] = s_seeds.node
    own_s[s_ok], own_m[s_ok] = s_seeds.cost, s_seeds.length
    at = np.clip(cell, 0, None)
    cost = np.where(s_ok, sp.dist[at] + own_s, np.inf)
    site = np.where(np.isfinite(cost), sp.label[at], -1)
    i, j, direct_s, direct_m = _same_cell_pairs(oc, points, sites)
    better = direct_s < cost[i]
    i, j = i[better], j[better]
    cost[i], site[i] = direct_s[better], j
    off_m, road_m = grid_path_metres(g, sp.pred, np.where(np.isfinite(cost), cell, -1))
    # the site's own walk from its cell's centre
    c_own = np.zeros(len(sites))
    c_own[c_seeds.item_of_entry()] = c_seeds.length
    walked = off_m + own_m + np.where(site >= 0, c_own[np.clip(site, 0, None)], np.nan)
    walked[i], road_m[i] = direct_m[better], 0.0
    return OffroadNearest(
        cost_s=cost,
        site=site,
        offroad_m=walked,
        road_m=road_m,
        on_surface=s_ok,
    )


def coverage_offroad(
    oc: OffroadContext,
    points: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    *,
    cutoff_s: float,
    n_threads: int | None = None,
) -> csr_matrix:
    """Seconds point -> site for every pair within ``cutoff_s`` (points x sites, CSR).

    One bounded search per site on the reversed combined graph (the engine's
    :func:`~access.search.bounded_one_to_many`); explicit zeros are kept.
    """
    g = oc.graph(reverse=True)
    s_seeds, _ = point_seeds(oc.surface, oc.metric_xy(points))
    c_seeds, _ = point_seeds(oc.surface, oc.metric_xy(sites))
    res = bounded_one_to_many(
        g.indptr,
        g.indices,
        g.weight_s,
        c_seeds,
        limit=cutoff_s,
        targets=s_seeds,
        n_threads=n_threads,
    )
    i, j, direct_s, _ = _same_cell_pairs(oc, points, sites)
    keep = direct_s <= cutoff_s
    rows, cols, vals = min_duplicates(
        np.concatenate([res.target, i[keep]]),
        np.concatenate([res.source, j[keep]]),
        np.concatenate([res.cost, direct_s[keep]]),
    )
    return csr_keep_zeros(rows, cols, vals, (len(points), len(sites)))


def travel_matrix_offroad(
    oc: OffroadContext, points: gpd.GeoSeries, *, n_threads: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seconds and metres among ``points`` (rows from, columns to) and ``on_surface``.

    Unreachable pairs are ``inf`` seconds and NaN metres. Metres are the path's straight
    pieces between its nodes (cell centres and road points half a cell apart, see
    :func:`access.offroad.arc_metres`), plus each point's walk to its cell's centre; two
    points in one cell may walk straight to each other.
    """
    g = oc.graph(reverse=False)
    seeds, ok = point_seeds(oc.surface, oc.metric_xy(points))
    n = len(points)
    res = bounded_one_to_many(
        g.indptr,
        g.indices,
        g.weight_s,
        seeds,
        targets=seeds,
        lengths=arc_metres(g),
        stop_when_all_found=True,
        n_threads=n_threads,
    )
    seconds = np.full((n, n), np.inf)
    metres = np.full((n, n), np.nan)
    gdf = gpd.GeoDataFrame(geometry=points.values, crs=points.crs)
    d_i, d_j, d_cost, d_len = _same_cell_pairs(oc, gdf, gdf)
    c = np.concatenate([res.cost, d_cost])
    last = np.argsort(-c, kind="stable")  # a repeated pair keeps its last write: the fastest
    i, j = np.concatenate([res.source, d_i])[last], np.concatenate([res.target, d_j])[last]
    seconds[i, j] = c[last]
    metres[i, j] = np.concatenate([res.length, d_len])[last]
    np.fill_diagonal(seconds, 0.0)
    np.fill_diagonal(metres, 0.0)
    return seconds, metres, ok


# ---------------------------------------------------------------------------------------


def _same_cell_pairs(
    oc: OffroadContext, points: gpd.GeoDataFrame, sites: gpd.GeoDataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Points and sites in one cell: ``(i, j, seconds, metres)`` of the straight walk."""
    pxy, sxy = oc.metric_xy(points), oc.metric_xy(sites)
    pc, sc = oc.surface.cell_of(pxy), oc.surface.cell_of(sxy)
    flat = oc.surface.flat_s_per_m.ravel()
    a = pd.DataFrame({"i": np.arange(pc.size), "cell": pc})
    b = pd.DataFrame({"j": np.arange(sc.size), "cell": sc})
    m = a[a["cell"] >= 0].merge(b, on="cell")
    i, j = m["i"].to_numpy(np.int64), m["j"].to_numpy(np.int64)
    d = np.hypot(*(pxy[i] - sxy[j]).T)
    cost = d * flat[m["cell"].to_numpy(np.int64)]
    ok = np.isfinite(cost)
    return i[ok], j[ok], cost[ok], d[ok]


def _bounds(region: Region, ctx: TravelContext) -> tuple[float, float, float, float]:
    """Metric bounds of every point and road vertex of ``region``, plus the margin."""
    parts = [ctx.metric_xy]
    for gdf in (region.settlements, region.centres, region.candidates):
        if len(gdf):
            xy = shapely.get_coordinates(np.asarray(gdf.geometry.values, dtype=object))
            mx, my = ctx.to_metric.transform(xy[:, 0], xy[:, 1])
            parts.append(np.column_stack([mx, my]))
    xy = np.concatenate([p for p in parts if len(p)])
    lo, hi = xy.min(axis=0) - GRID_MARGIN_M, xy.max(axis=0) + GRID_MARGIN_M
    return float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])


def _with_roads(ctx: TravelContext, region: Region, surface: Surface) -> OffroadContext:
    """The mode's usable edges cut into pieces of at most half a cell."""
    g = ctx.graph
    nodes = region.roads.nodes
    nxy = shapely.get_coordinates(np.asarray(nodes.geometry.values, dtype=object))
    mx, my = ctx.to_metric.transform(nxy[:, 0], nxy[:, 1])
    node_xy = np.column_stack([mx, my])
    usable = np.isfinite(g.edge_time_s) & (g.edge_forward | g.edge_backward)
    edges = np.flatnonzero(usable)
    u, v = g.edge_u[edges].astype(np.int64), g.edge_v[edges].astype(np.int64)
    pieces, pts, _ = split_edges(
        ctx.metric_xy, ctx.vert_ptr, edges, node_xy[u], node_xy[v], step_m=surface.cell_m / 2.0
    )
    n0 = node_xy.shape[0]
    # the chain of each edge: u, inner points..., v
    first_inner = np.cumsum(pieces - 1) - (pieces - 1)
    k = pieces
    e_rep = np.repeat(np.arange(edges.size), k)
    j = np.arange(e_rep.size) - np.repeat(np.cumsum(k) - k, k)  # piece number 0..k-1
    base = n0 + first_inner[e_rep]
    a = np.where(j == 0, u[e_rep], base + j - 1)
    b = np.where(j == k[e_rep] - 1, v[e_rep], base + j)
    t = g.edge_time_s[edges][e_rep] / k[e_rep]
    fwd = g.edge_forward[edges][e_rep]
    bwd = g.edge_backward[edges][e_rep]
    tail = np.concatenate([a[fwd], b[bwd]])
    head = np.concatenate([b[fwd], a[bwd]])
    time_s = np.concatenate([t[fwd], t[bwd]])
    return OffroadContext(
        ctx=ctx,
        surface=surface,
        road_xy=np.concatenate([node_xy, pts]),
        arc_tail=tail,
        arc_head=head,
        arc_time_s=time_s,
    )
