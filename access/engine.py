"""Travel-time queries over a region's road network.

Public API (all times in minutes, distances in metres, geometries in EPSG:4326):

- :func:`nearest_centre` - nearest centre of every settlement, one multi-source search.
- :func:`coverage_matrix` - sparse settlements x sites matrix of minutes within a cut-off.
- :func:`travel_matrix` - full matrix among a few hundred points (van stops, depots).
- :func:`route` - the fastest path between two points as a LineString.
- :func:`isochrones` - polygons reachable from/to the centres within time bands.
- :func:`multi_source_dijkstra`, :func:`bounded_one_to_many` - the plain-array core.

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

import hashlib
import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.ops
from pyproj import CRS, Transformer
from scipy.sparse import csr_matrix
from shapely.geometry import LineString, Point

from access._dijkstra import bounded_kernel, multi_source_kernel
from access.graph import CompiledGraph, compile_graph
from access.snapping import SnapIndex, Snaps, build_snap_index_from_coords, snap_xy
from access.speeds import TravelSettings
from geodata.errors import CRSError, SchemaError, UnreachableError
from geodata.region import Region
from geodata.schema import STORAGE_CRS

__all__ = [
    "FLAG_FAR_FROM_ROAD",
    "FLAG_NO_ROAD",
    "FLAG_ROAD_ISLAND",
    "FLAG_UNREACHABLE",
    "OneToMany",
    "Route",
    "Seeds",
    "ShortestPaths",
    "TravelMatrix",
    "bounded_one_to_many",
    "coverage_matrix",
    "isochrones",
    "multi_source_dijkstra",
    "nearest_centre",
    "route",
    "snap_to_network",
    "travel_matrix",
]

log = logging.getLogger(__name__)

FLAG_FAR_FROM_ROAD = "far_from_road"
FLAG_ROAD_ISLAND = "road_island"
FLAG_UNREACHABLE = "unreachable"
FLAG_NO_ROAD = "no_road"

_SNAP_MEMO_SIZE = 4
_snap_memo: OrderedDict[tuple[str, str], _Context] = OrderedDict()
_snap_lock = threading.Lock()


# ---------------------------------------------------------------------------------------
# plain-array core


@dataclass(frozen=True)
class Seeds:
    """Start (or end) points of searches, grouped by item, as a CSR.

    Item ``i`` touches the nodes ``node[ptr[i]:ptr[i+1]]`` at the given extra cost (seconds
    or any weight unit) and length (metres).
    """

    ptr: np.ndarray
    node: np.ndarray
    cost: np.ndarray
    length: np.ndarray

    @classmethod
    def from_nodes(cls, nodes: Sequence[int] | np.ndarray) -> Seeds:
        """One item per node, at zero cost."""
        nodes = np.asarray(nodes, dtype=np.int32)
        k = nodes.shape[0]
        return cls(np.arange(k + 1, dtype=np.int64), nodes, np.zeros(k), np.zeros(k))

    @property
    def n_items(self) -> int:
        """Number of items."""
        return int(self.ptr.shape[0] - 1)


@dataclass(frozen=True)
class ShortestPaths:
    """Result of :func:`multi_source_dijkstra` (arrays over nodes).

    Attributes
    ----------
    dist
        Cost of the best path from any source (``inf`` when not reached).
    length
        Sum of ``lengths`` along that path (NaN when not reached).
    label
        Label of the source the path starts from (``-1`` when not reached).
    pred
        Index of the last arc of the path in ``indices`` (``-1`` at sources / unreached).
    """

    dist: np.ndarray
    length: np.ndarray
    label: np.ndarray
    pred: np.ndarray


@dataclass(frozen=True)
class OneToMany:
    """Sparse result of :func:`bounded_one_to_many`: one entry per (source, target) found."""

    source: np.ndarray
    target: np.ndarray
    cost: np.ndarray
    length: np.ndarray
    n_sources: int
    n_targets: int

    def to_csr(self, *, scale: float = 1.0, transpose: bool = False) -> csr_matrix:
        """Costs x ``scale`` as a CSR matrix (sources x targets, or transposed).

        Zero costs are stored explicitly, so the sparsity pattern is the reachability.
        """
        rows, cols, shape = self.source, self.target, (self.n_sources, self.n_targets)
        if transpose:
            rows, cols, shape = cols, rows, (shape[1], shape[0])
        return _csr_keep_zeros(rows, cols, self.cost * scale, shape)


def multi_source_dijkstra(
    indptr: np.ndarray,
    indices: np.ndarray,
    weights: np.ndarray,
    sources: Sequence[int] | np.ndarray,
    *,
    source_costs: np.ndarray | None = None,
    source_labels: np.ndarray | None = None,
    lengths: np.ndarray | None = None,
    source_lengths: np.ndarray | None = None,
    limit: float = np.inf,
) -> ShortestPaths:
    """Shortest paths from the nearest of many sources to every node, in one pass.

    Parameters
    ----------
    indptr, indices, weights
        CSR graph (arcs ``u -> indices[indptr[u]:indptr[u+1]]``), non-negative weights.
    sources
        Source nodes (may repeat, e.g. the two ends of a snapped edge).
    source_costs
        Initial cost at each source (default 0).
    source_labels
        Label carried from each source (default its position in ``sources``).
    lengths, source_lengths
        A second arc attribute summed along the chosen paths (e.g. metres).
    limit
        Stop at this cost; farther nodes stay unreached.

    Returns
    -------
    ShortestPaths

    Examples
    --------
    >>> indptr = np.array([0, 1, 2, 2]); indices = np.array([1, 2]); w = np.array([1.0, 2.0])
    >>> multi_source_dijkstra(indptr, indices, w, [0]).dist.tolist()
    [0.0, 1.0, 3.0]
    """
    src = np.asarray(sources, dtype=np.int32)
    k = src.shape[0]
    costs = np.zeros(k) if source_costs is None else np.asarray(source_costs, np.float64)
    labels = (
        np.arange(k, dtype=np.int32)
        if source_labels is None
        else np.asarray(source_labels, np.int32)
    )
    w = np.asarray(weights, np.float64)
    ln = np.zeros_like(w) if lengths is None else np.asarray(lengths, np.float64)
    slen = np.zeros(k) if source_lengths is None else np.asarray(source_lengths, np.float64)
    _check_csr(indptr, indices, w)
    dist, dlen, label, pred = multi_source_kernel(
        np.asarray(indptr, np.int64),
        np.asarray(indices, np.int32),
        w,
        ln,
        src,
        costs,
        slen,
        labels,
        float(limit),
    )
    return ShortestPaths(dist=dist, length=dlen, label=label, pred=pred)


def bounded_one_to_many(
    indptr: np.ndarray,
    indices: np.ndarray,
    weights: np.ndarray,
    sources: Seeds | Sequence[int] | np.ndarray,
    *,
    limit: float = np.inf,
    targets: Seeds | Sequence[int] | np.ndarray | None = None,
    lengths: np.ndarray | None = None,
    stop_when_all_found: bool = False,
    n_threads: int | None = None,
) -> OneToMany:
    """One bounded Dijkstra per source; sparse output of the targets found within ``limit``.

    Each search stops when the heap's smallest cost exceeds ``limit`` and resets only the
    nodes it touched, so it costs what it explores. Sources run in parallel on
    ``n_threads`` threads (the kernels release the GIL).

    Parameters
    ----------
    indptr, indices, weights
        CSR graph, non-negative weights.
    sources
        Node array (one source per node) or :class:`Seeds` (sources spanning several nodes
        with initial costs).
    limit
        Cut-off cost (inclusive).
    targets
        ``None`` (every node is a target, target id = node), a node array, or
        :class:`Seeds` (target ``j`` is reached at node ``x`` for cost ``dist(x) + cost``).
    lengths
        Arc attribute summed along the paths (e.g. metres), returned in ``length``.
    stop_when_all_found
        Stop each search once every target slot is settled (full matrices).
    n_threads
        Threads (default: ``os.cpu_count()``).

    Returns
    -------
    OneToMany

    Examples
    --------
    >>> indptr = np.array([0, 1, 2, 2]); indices = np.array([1, 2]); w = np.array([1.0, 2.0])
    >>> r = bounded_one_to_many(indptr, indices, w, [0], limit=1.5)
    >>> r.target.tolist(), r.cost.tolist()
    ([0, 1], [0.0, 1.0])
    """
    w = np.asarray(weights, np.float64)
    _check_csr(indptr, indices, w)
    n = int(np.asarray(indptr).shape[0] - 1)
    src = sources if isinstance(sources, Seeds) else Seeds.from_nodes(sources)
    if targets is None:
        tgt = Seeds.from_nodes(np.arange(n))
    elif isinstance(targets, Seeds):
        tgt = targets
    else:
        tgt = Seeds.from_nodes(targets)
    ln = np.zeros_like(w) if lengths is None else np.asarray(lengths, np.float64)
    t_ptr, t_ids, t_cost, t_len = _targets_by_node(tgt, n)
    threads = max(1, int(n_threads or os.cpu_count() or 1))
    n_src = src.n_items
    n_chunks = min(n_src, threads * 4) if n_src else 0
    chunks = [np.arange(c, n_src, n_chunks, dtype=np.int64) for c in range(n_chunks)]
    args = (
        np.asarray(indptr, np.int64),
        np.asarray(indices, np.int32),
        w,
        ln,
    )
    s_args = (
        np.asarray(src.ptr, np.int64),
        np.asarray(src.node, np.int32),
        np.asarray(src.cost, np.float64),
        np.asarray(src.length, np.float64),
    )

    def run(chunk: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(
            bounded_kernel(
                *args,
                chunk,
                *s_args,
                t_ptr,
                t_ids,
                t_cost,
                t_len,
                tgt.n_items,
                float(limit),
                bool(stop_when_all_found),
                lengths is not None,
            )
        )

    if threads == 1 or len(chunks) <= 1:
        parts = [run(c) for c in chunks]
    else:
        with ThreadPoolExecutor(max_workers=threads) as pool:
            parts = list(pool.map(run, chunks))
    if parts:
        s_out, t_out, c_out, l_out = (np.concatenate([p[i] for p in parts]) for i in range(4))
    else:
        s_out = t_out = np.empty(0, np.int32)
        c_out = l_out = np.empty(0)
    return OneToMany(s_out, t_out, c_out, l_out, n_src, tgt.n_items)


# ---------------------------------------------------------------------------------------
# region-level queries


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


@dataclass(frozen=True)
class Route:
    """A fastest path between two points.

    Attributes
    ----------
    geometry
        LineString in EPSG:4326: origin, off-road leg, roads, off-road leg, destination.
    travel_min
        Minutes, including both off-road legs.
    network_m
        On-road metres.
    access_m
        Straight-line off-road metres at both ends.
    """

    geometry: LineString
    travel_min: float
    network_m: float
    access_m: float


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
    st = _settings(settings, mode)
    ctx = _context(region, st)
    sites = _sites(region, centres)
    s_snap = ctx.snap(region.settlements, max_snap_m=st.max_snap_m)
    c_snap = ctx.snap(sites, max_snap_m=st.max_snap_m)
    c_access_s = _access_s(c_snap, st)
    g = ctx.graph
    arr = _to_core(g, _arrivals(g, c_snap, c_access_s), forward=False)
    labels = np.repeat(np.arange(arr.n_items, dtype=np.int32), np.diff(arr.ptr))
    sp = multi_source_dijkstra(
        g.cr_indptr,
        g.cr_indices,
        g.cr_weight_s,
        arr.node,
        source_costs=arr.cost,
        source_labels=labels,
        lengths=g.cr_length_m,
        source_lengths=arr.length,
    )
    n = len(s_snap)
    s_access_s = _access_s(s_snap, st)
    ex = ctx.derived(
        "exits0", s_snap, None, lambda: _to_core(g, _exits(g, s_snap, np.zeros(n)), forward=True)
    )
    best = np.full(n, np.inf)
    best_len = np.full(n, np.nan)
    best_lab = np.full(n, -1, np.int64)
    item = np.repeat(np.arange(n), np.diff(ex.ptr))
    tot = ex.cost + sp.dist[ex.node]
    order = np.lexsort((tot, item))  # per item, cheapest first
    first = order[np.r_[True, item[order][1:] != item[order][:-1]]] if order.size else order
    sel_item = item[first]
    best[sel_item] = tot[first]
    best_len[sel_item] = ex.length[first] + sp.length[ex.node[first]]
    best_lab[sel_item] = sp.label[ex.node[first]]
    # same-edge shortcuts (settlement and centre on one edge)
    d_i, d_j, d_cost, d_len = ctx.derived(
        "chain", s_snap, c_snap, lambda: _same_chain_pairs(g, s_snap, c_snap)
    )
    if d_i.size:
        d_cost = d_cost + c_access_s[d_j]
        order = np.lexsort((d_cost, d_i))
        first = order[np.r_[True, d_i[order][1:] != d_i[order][:-1]]]
        i, j = d_i[first], d_j[first]
        better = d_cost[first] < best[i]
        i, j, k = i[better], j[better], first[better]
        best[i] = d_cost[k]
        best_len[i] = d_len[k]
        best_lab[i] = j
    # add the centre's off-road leg to the network options, then compare walking straight
    has = best_lab >= 0
    best_acc = s_snap.access_m.copy()
    if len(c_snap):
        best_acc[has] += c_snap.access_m[best_lab[has]]
    best = best + s_access_s
    if len(c_snap):
        q, dd = ctx.derived("nearest", s_snap, c_snap, lambda: _nearest_point(s_snap, c_snap))
        walk = dd / st.offroad_speed_mps
        better = (walk < best[q[0]]) & (dd <= st.max_snap_m)
        i = q[0][better]
        best[i] = walk[better]
        best_len[i] = 0.0
        best_lab[i] = q[1][better]
        best_acc[i] = dd[better]
    reached = np.isfinite(best)
    lab = np.where(reached, best_lab, 0)
    c_ids = sites["centre_id"].astype(str).to_numpy(dtype=object)
    centre_id = np.full(n, None, dtype=object)
    if len(c_ids):
        centre_id[reached] = c_ids[lab[reached]]
    out = pd.DataFrame(
        {
            "settlement_id": region.settlements["settlement_id"].astype(str).to_numpy(),
            "centre_id": pd.array(centre_id, dtype="str"),
            "travel_min": np.where(reached, best, np.nan) / 60.0,
            "network_m": np.where(reached, best_len, np.nan),
            "access_m": np.where(reached, best_acc, s_snap.access_m),
            "flags": pd.array(_flags(s_snap, reached), dtype="str"),
        },
        index=region.settlements.index,
    )
    return out


def coverage_matrix(
    region: Region,
    *,
    sites: gpd.GeoDataFrame | str = "candidates",
    cutoff_min: float = 120.0,
    settings: TravelSettings | None = None,
    mode: str | None = None,
    n_threads: int | None = None,
) -> csr_matrix:
    """Travel minutes settlement -> site for every pair within ``cutoff_min``.

    One bounded search per site on the reversed graph; each search stops at the cut-off.

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
        When ``cutoff_min`` is negative or NaN.

    Examples
    --------
    >>> m = coverage_matrix(region, sites="candidates", cutoff_min=60)  # doctest: +SKIP
    >>> covered = m.getnnz(axis=1) > 0  # doctest: +SKIP
    """
    if not cutoff_min >= 0:
        raise SchemaError(f"cutoff_min must be >= 0, got {cutoff_min!r}", source="coverage_matrix")
    st = _settings(settings, mode)
    ctx = _context(region, st)
    site_gdf = _sites(region, sites)
    s_snap = ctx.snap(region.settlements, max_snap_m=st.max_snap_m)
    c_snap = ctx.snap(site_gdf, max_snap_m=st.max_snap_m)
    g = ctx.graph
    limit_s = float(cutoff_min) * 60.0
    src = _to_core(g, _arrivals(g, c_snap, _access_s(c_snap, st)), forward=False)
    tgt = _to_core(g, _exits(g, s_snap, _access_s(s_snap, st)), forward=True)
    res = bounded_one_to_many(
        g.cr_indptr,
        g.cr_indices,
        g.cr_weight_s,
        src,
        limit=limit_s,
        targets=tgt,
        n_threads=n_threads,
    )
    rows, cols, vals = res.target, res.source, res.cost
    d_i, d_j, d_cost, _ = ctx.derived(
        "chain", s_snap, c_snap, lambda: _same_chain_pairs(g, s_snap, c_snap)
    )
    d_cost = d_cost + _access_s(s_snap, st)[d_i] + _access_s(c_snap, st)[d_j]
    w_i, w_j, w_cost, _ = _direct_walks(s_snap, c_snap, st, limit_s)
    extra_i = np.concatenate([d_i, w_i])
    if extra_i.size:
        extra_j = np.concatenate([d_j, w_j])
        extra_c = np.concatenate([d_cost, w_cost])
        keep = extra_c <= limit_s
        rows = np.concatenate([rows, extra_i[keep]])
        cols = np.concatenate([cols, extra_j[keep]])
        vals = np.concatenate([vals, extra_c[keep]])
        rows, cols, vals = _min_duplicates(rows, cols, vals)
    return _csr_keep_zeros(rows, cols, vals / 60.0, (len(s_snap), len(c_snap)))


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
    st = _settings(settings, mode)
    ctx = _context(region, st)
    gdf, ids = _points(points, region)
    snaps = ctx.snap(gdf, max_snap_m=st.max_snap_m)
    g = ctx.graph
    acc = _access_s(snaps, st)
    src = _to_core(g, _exits(g, snaps, acc), forward=True)
    tgt = _to_core(g, _arrivals(g, snaps, acc), forward=False)
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
    d_i, d_j, d_cost, d_len = _same_chain_pairs(g, snaps, snaps)
    d_cost = d_cost + acc[d_i] + acc[d_j]
    w_i, w_j, w_cost, _ = _direct_walks(snaps, snaps, st, np.inf)
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
        flags=tuple(_flags(snaps, ~no_way)),
    )


def route(
    region: Region,
    origin: Point | tuple[float, float],
    destination: Point | tuple[float, float],
    *,
    settings: TravelSettings | None = None,
    mode: str | None = None,
) -> Route:
    """Fastest path from ``origin`` to ``destination`` (lon/lat, EPSG:4326).

    Parameters
    ----------
    region
        The region.
    origin, destination
        Shapely Points or ``(lon, lat)`` tuples in EPSG:4326.
    settings, mode
        See :func:`nearest_centre`.

    Returns
    -------
    Route

    Raises
    ------
    UnreachableError
        When the destination cannot be reached from the origin.

    Examples
    --------
    >>> r = route(region, (73.05, 33.70), (73.10, 33.68), mode="car")  # doctest: +SKIP
    >>> round(r.travel_min, 1), r.geometry.geom_type  # doctest: +SKIP
    """
    st = _settings(settings, mode)
    ctx = _context(region, st)
    pts = gpd.GeoSeries([_as_point(origin), _as_point(destination)], crs=STORAGE_CRS)
    snaps = ctx.snap(gpd.GeoDataFrame(geometry=pts), max_snap_m=st.max_snap_m)
    if (snaps.edge < 0).any():
        raise UnreachableError("the mode has no usable road in this region; nothing to route on")
    g = ctx.graph
    acc = _access_s(snaps, st)
    ex = _exits(g, snaps, acc)
    o_slice = slice(ex.ptr[0], ex.ptr[1])
    sp = multi_source_dijkstra(
        g.indptr,
        g.indices,
        g.weight_s,
        ex.node[o_slice],
        source_costs=ex.cost[o_slice],
        lengths=g.length_m,
        source_lengths=ex.length[o_slice],
    )
    arr = _arrivals(g, snaps, acc)
    d_sl = slice(arr.ptr[1], arr.ptr[2])
    cand = arr.cost[d_sl] + sp.dist[arr.node[d_sl]]
    best, kind, k = np.inf, "", -1
    if cand.size and np.isfinite(cand.min()):
        k = int(np.argmin(cand))
        best, kind = float(cand[k]), "net"
    d_i, d_j, d_cost, d_len = _same_edge_pairs(g, snaps, snaps)
    direct = (d_i == 0) & (d_j == 1)
    if direct.any() and d_cost[direct][0] + acc[0] + acc[1] <= best:
        best, kind = float(d_cost[direct][0] + acc[0] + acc[1]), "direct"
    straight_m = float(np.hypot(*(snaps.point_xy[0] - snaps.point_xy[1])))
    if straight_m <= st.max_snap_m and straight_m / st.offroad_speed_mps < best:
        xy = snaps.point_xy[[0, 1]]
        lon, lat = ctx.to_lonlat.transform(xy[:, 0], xy[:, 1])
        return Route(
            geometry=LineString(np.column_stack([lon, lat])),
            travel_min=straight_m / st.offroad_speed_mps / 60.0,
            network_m=0.0,
            access_m=straight_m,
        )
    if not np.isfinite(best):
        raise UnreachableError(
            f"no {st.mode} route from {origin} to {destination} on this road network "
            "(check closures, one-way streets, or try another mode)"
        )
    o_xy, d_xy = ctx.project_points(pts)
    coords: list[np.ndarray] = [o_xy[None, :], snaps.snap_xy[0][None, :]]
    if kind == "direct":
        e = int(snaps.edge[0])
        coords.append(
            _piece(ctx.geom(e), _gpos(ctx, e, snaps.fraction[0]), _gpos(ctx, e, snaps.fraction[1]))
        )
        net_m = float(d_len[direct][0])
    else:
        end_node = int(arr.node[d_sl][k])
        arcs = []
        x = end_node
        while sp.pred[x] >= 0:
            a = int(sp.pred[x])
            arcs.append(a)
            x = _arc_tail(g, a)
        start_node = x
        arcs.reverse()
        e0 = int(snaps.edge[0])
        coords.append(
            _piece(ctx.geom(e0), _gpos(ctx, e0, snaps.fraction[0]), _node_gpos(ctx, e0, start_node))
        )
        for a in arcs:
            e = int(g.arc_edge[a])
            tail = _arc_tail(g, a)
            coords.append(
                _piece(ctx.geom(e), _node_gpos(ctx, e, tail), 1 - _node_gpos(ctx, e, tail))
            )
        e1 = int(snaps.edge[1])
        coords.append(
            _piece(ctx.geom(e1), _node_gpos(ctx, e1, end_node), _gpos(ctx, e1, snaps.fraction[1]))
        )
        net_m = float(sp.length[end_node] + arr.length[d_sl][k])
    coords += [snaps.snap_xy[1][None, :], d_xy[None, :]]
    xy = np.concatenate(coords)
    keep = np.r_[True, np.any(np.abs(np.diff(xy, axis=0)) > 1e-9, axis=1)]
    xy = xy[keep]
    if xy.shape[0] == 1:
        xy = np.vstack([xy, xy])
    lon, lat = ctx.to_lonlat.transform(xy[:, 0], xy[:, 1])
    return Route(
        geometry=LineString(np.column_stack([lon, lat])),
        travel_min=best / 60.0,
        network_m=net_m,
        access_m=float(snaps.access_m[0] + snaps.access_m[1]),
    )


def isochrones(
    region: Region,
    *,
    bands_min: Sequence[float] = (30, 60, 120),
    settings: TravelSettings | None = None,
    mode: str | None = None,
    centres: gpd.GeoDataFrame | str = "centres",
    buffer_m: float = 250.0,
) -> gpd.GeoDataFrame:
    """Areas from which each centre is the nearest and reachable within each time band.

    Method: one multi-source search to the centres (reversed graph, as in
    :func:`nearest_centre`); every edge piece from which the nearest centre is reached
    within the band (partial edges cut at the exact time) is buffered by ``buffer_m`` and
    the pieces are unioned per centre and band. Bands are cumulative: the 60-minute polygon
    contains the 30-minute one. Off-road areas farther than ``buffer_m`` from a reached road
    are not included.

    Parameters
    ----------
    region
        The region.
    bands_min
        Upper bounds of the bands, minutes.
    settings, mode, centres
        See :func:`nearest_centre`.
    buffer_m
        Half-width of the band around reached roads, metres.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``centre_id``, ``band_min`` and polygon ``geometry`` in EPSG:4326; one row
        per (centre, band) with something reached.

    Examples
    --------
    >>> iso = isochrones(region, bands_min=(30, 60), mode="motorbike")  # doctest: +SKIP
    """
    st = _settings(settings, mode)
    ctx = _context(region, st)
    sites = _sites(region, centres)
    c_snap = ctx.snap(sites, max_snap_m=st.max_snap_m)
    g = ctx.graph
    # every node's time (shape points included) is needed: search the full reversed graph
    arr = _arrivals(g, c_snap, _access_s(c_snap, st))
    labels = np.repeat(np.arange(arr.n_items, dtype=np.int32), np.diff(arr.ptr))
    tails = np.repeat(np.arange(g.n_nodes, dtype=np.int32), np.diff(g.indptr))
    r_order = np.argsort(g.indices, kind="stable")
    r_indptr = np.zeros(g.n_nodes + 1, np.int64)
    np.cumsum(np.bincount(g.indices, minlength=g.n_nodes), out=r_indptr[1:])
    sp = multi_source_dijkstra(
        r_indptr,
        tails[r_order],
        g.weight_s[r_order],
        arr.node,
        source_costs=arr.cost,
        source_labels=labels,
    )
    c_ids = sites["centre_id"].astype(str).to_numpy()
    rows: list[dict[str, Any]] = []
    geoms = ctx.geoms()
    T = g.edge_time_s
    for band in sorted(float(b) for b in bands_min):
        lim = band * 60.0
        pieces: list[Any] = []
        owners: list[int] = []
        # from the v end: travel along u->v then onward from v; from the u end: via v->u.
        for end, ok in ((g.edge_v, g.edge_forward), (g.edge_u, g.edge_backward)):
            d = sp.dist[end]
            sel = np.flatnonzero(ok & (d <= lim))
            if not sel.size:
                continue
            frac = np.clip((lim - d[sel]) / np.where(T[sel] > 0, T[sel], 1.0), 0.0, 1.0)
            frac = np.where(T[sel] > 0, frac, 1.0)
            full = frac >= 1.0
            pieces.extend(geoms[sel[full]])
            owners.extend(sp.label[end[sel[full]]])
            for e, f in zip(sel[~full], frac[~full], strict=True):
                p0 = _node_gpos(ctx, int(e), int(end[e]))
                p1 = p0 + f if p0 == 0.0 else p0 - f
                pieces.append(LineString(_piece(geoms[e], p0, p1)))
                owners.append(sp.label[end[e]])
        # centres themselves (their off-road leg)
        if not pieces:
            continue
        arr_pieces = np.asarray(pieces, dtype=object)
        arr_owner = np.asarray(owners)
        for lab in np.unique(arr_owner):
            if lab < 0:
                continue
            geom = shapely.union_all(
                shapely.buffer(arr_pieces[arr_owner == lab], buffer_m, quad_segs=4)
            )
            rows.append({"centre_id": c_ids[lab], "band_min": band, "geometry": geom})
    if rows:
        out = gpd.GeoDataFrame(rows, geometry="geometry", crs=ctx.crs).to_crs(STORAGE_CRS)
    else:
        out = gpd.GeoDataFrame(
            {"centre_id": pd.array([], dtype="str"), "band_min": np.empty(0)},
            geometry=gpd.GeoSeries([], crs=STORAGE_CRS),
        )
    return out.reset_index(drop=True)


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
    st = _settings(settings, mode)
    ctx = _context(region, st)
    return ctx.snap(points, max_snap_m=st.max_snap_m)


# ---------------------------------------------------------------------------------------
# adapters


class _Context:
    """Compiled graph, metric CRS and snapping index for one (region, settings)."""

    def __init__(self, region: Region, graph: CompiledGraph) -> None:
        crs = CRS.from_user_input(region.metric_crs())
        if not crs.is_projected:
            raise CRSError(
                f"the region's metric CRS {crs.to_string()} is not projected; set "
                "metadata['metric_crs'] to a UTM zone (e.g. 'EPSG:32643')"
            )
        edges = region.roads.edges
        _require_storage(edges, "road edges")
        self.crs = crs
        self.graph = graph
        self.to_metric = Transformer.from_crs(STORAGE_CRS, crs, always_xy=True)
        self.to_lonlat = Transformer.from_crs(crs, STORAGE_CRS, always_xy=True)
        geoms = np.asarray(edges.geometry.values, dtype=object)
        xy, idx = shapely.get_coordinates(geoms, return_index=True)
        mx, my = self.to_metric.transform(xy[:, 0], xy[:, 1])
        self.metric_xy = np.column_stack([mx, my])
        self.vert_ptr = np.zeros(len(edges) + 1, np.int64)
        np.cumsum(np.bincount(idx, minlength=len(edges)), out=self.vert_ptr[1:])
        # does each geometry run from u to v, or from v to u?
        nodes = region.roads.nodes
        nxy = shapely.get_coordinates(np.asarray(nodes.geometry.values, dtype=object))
        start = shapely.get_coordinates(shapely.get_point(geoms, 0))
        du = np.hypot(*(start - nxy[graph.edge_u]).T)
        dv = np.hypot(*(start - nxy[graph.edge_v]).T)
        self.flip = dv < du
        self._lock = threading.Lock()
        self._snaps: OrderedDict[tuple[str, float], Snaps] = OrderedDict()
        self._derived: OrderedDict[tuple[str, int, int], tuple[Any, Any, Any]] = OrderedDict()
        usable = np.isfinite(graph.edge_time_s)
        self.index: SnapIndex = build_snap_index_from_coords(
            self.metric_xy, idx, len(edges), snappable=graph.edge_snappable, usable=usable
        )

    def derived(self, name: str, a: Snaps, b: Snaps | None, fn: Any) -> Any:
        """Memoise ``fn()``, a value derived from memoised snaps ``a`` (and ``b``) only."""
        key = (name, id(a), id(b))
        with self._lock:
            hit = self._derived.get(key)
        if hit is not None and hit[0] is a and hit[1] is b:
            return hit[2]
        value = fn()
        with self._lock:
            self._derived[key] = (a, b, value)
            while len(self._derived) > 32:
                self._derived.popitem(last=False)
        return value

    def geom(self, e: int) -> LineString:
        """Metric geometry of edge row ``e``."""
        return LineString(self.metric_xy[self.vert_ptr[e] : self.vert_ptr[e + 1]])

    def geoms(self) -> np.ndarray:
        """Metric geometries of every edge row (built on demand)."""
        idx = np.repeat(np.arange(self.vert_ptr.size - 1), np.diff(self.vert_ptr))
        return np.asarray(shapely.linestrings(self.metric_xy, indices=idx), dtype=object)

    def project_points(self, pts: gpd.GeoSeries) -> tuple[np.ndarray, ...]:
        xy = shapely.get_coordinates(np.asarray(pts.values, dtype=object))
        mx, my = self.to_metric.transform(xy[:, 0], xy[:, 1])
        return tuple(np.column_stack([mx, my]))

    def snap(self, points: gpd.GeoDataFrame | gpd.GeoSeries, *, max_snap_m: float) -> Snaps:
        _require_storage(points, "points")
        geoms = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
        arr = np.asarray(geoms.values, dtype=object)
        if len(arr) and not (shapely.get_type_id(arr) == 0).all():
            raise SchemaError("every geometry must be a Point", source="points")
        xy = shapely.get_coordinates(arr)
        # the same tables are snapped again and again (settlements, centres): memoise by
        # the coordinates themselves
        key = (hashlib.sha1(np.ascontiguousarray(xy).tobytes()).hexdigest(), float(max_snap_m))
        with self._lock:
            hit = self._snaps.get(key)
        if hit is not None:
            return hit
        out = self._snap_xy(xy, max_snap_m)
        for value in vars(out).values():
            value.flags.writeable = False  # shared through the memo
        with self._lock:
            self._snaps[key] = out
            while len(self._snaps) > 8:
                self._snaps.popitem(last=False)
        return out

    def _snap_xy(self, xy: np.ndarray, max_snap_m: float) -> Snaps:
        mx, my = self.to_metric.transform(xy[:, 0], xy[:, 1])
        snaps = snap_xy(np.column_stack([mx, my]), self.index, max_snap_m=max_snap_m)
        e = np.clip(snaps.edge, 0, None)
        frac = np.where((snaps.edge >= 0) & self.flip[e], 1.0 - snaps.fraction, snaps.fraction)
        return Snaps(
            edge=snaps.edge,
            fraction=frac,
            access_m=snaps.access_m,
            snap_xy=snaps.snap_xy,
            point_xy=snaps.point_xy,
            far_from_road=snaps.far_from_road,
            road_island=snaps.road_island,
        )


def _context(region: Region, settings: TravelSettings) -> _Context:
    graph = compile_graph(region, settings=settings)
    key = (graph.key, CRS.from_user_input(region.metric_crs()).to_string())
    with _snap_lock:
        hit = _snap_memo.get(key)
        if hit is not None:
            _snap_memo.move_to_end(key)
            return hit
    ctx = _Context(region, graph)
    with _snap_lock:
        _snap_memo[key] = ctx
        while len(_snap_memo) > _SNAP_MEMO_SIZE:
            _snap_memo.popitem(last=False)
    return ctx


def _settings(settings: TravelSettings | None, mode: str | None) -> TravelSettings:
    st = settings or TravelSettings()
    if mode is not None and mode != st.mode:
        st = st.with_(mode=mode)
    return st


def _require_storage(gdf: gpd.GeoDataFrame | gpd.GeoSeries, what: str) -> None:
    if gdf.crs is None or not CRS.from_user_input(gdf.crs).equals(CRS.from_user_input(STORAGE_CRS)):
        raise CRSError(
            f"{what} are in {gdf.crs}, expected {STORAGE_CRS}; reproject with "
            f".to_crs('{STORAGE_CRS}') first (layers are never reprojected silently)"
        )


def _sites(region: Region, sites: gpd.GeoDataFrame | str) -> gpd.GeoDataFrame:
    if isinstance(sites, str):
        if sites not in ("centres", "candidates"):
            raise SchemaError(
                f"sites {sites!r} is unknown; use 'centres', 'candidates' or a GeoDataFrame",
                source="sites",
            )
        gdf = getattr(region, sites)
    else:
        gdf = sites
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise SchemaError("sites must be a GeoDataFrame of Points", source="sites")
    _require_storage(gdf, "sites")
    if "centre_id" not in gdf.columns:
        gdf = gdf.assign(centre_id=[str(i) for i in gdf.index])
    return gdf


def _points(
    points: gpd.GeoDataFrame | gpd.GeoSeries | Sequence[str], region: Region
) -> tuple[gpd.GeoSeries, list[str]]:
    if isinstance(points, gpd.GeoDataFrame | gpd.GeoSeries):
        _require_storage(points, "points")
        if isinstance(points, gpd.GeoDataFrame) and "id" in points.columns:
            ids = [str(v) for v in points["id"]]
        else:
            ids = [str(v) for v in points.index]
        geoms = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
        return gpd.GeoSeries(geoms.values, crs=STORAGE_CRS), ids
    lookup: dict[str, Any] = {}
    for table, col in (
        (region.candidates, "centre_id"),
        (region.centres, "centre_id"),
        (region.settlements, "settlement_id"),
    ):
        lookup.update(zip(table[col].astype(str), table.geometry.values, strict=True))
    ids = [str(p) for p in points]
    missing = [i for i in ids if i not in lookup]
    if missing:
        raise SchemaError(
            f"id(s) {', '.join(missing[:10])} are not settlement, centre or candidate ids of "
            f"region {region.name}",
            source="travel_matrix",
        )
    return gpd.GeoSeries([lookup[i] for i in ids], crs=STORAGE_CRS), ids


def _as_point(p: Point | tuple[float, float]) -> Point:
    return p if isinstance(p, Point) else Point(float(p[0]), float(p[1]))


def _access_s(snaps: Snaps, st: TravelSettings) -> np.ndarray:
    return np.nan_to_num(snaps.access_m, nan=0.0) / st.offroad_speed_mps


def _exits(g: CompiledGraph, snaps: Snaps, extra: np.ndarray) -> Seeds:
    """Point -> node options: along the snapped edge to v (if u->v allowed) or u (v->u)."""
    return _attach(g, snaps, extra, to_v=g.edge_forward, to_u=g.edge_backward)


def _arrivals(g: CompiledGraph, snaps: Snaps, extra: np.ndarray) -> Seeds:
    """Node -> point options: from u along u->v, or from v along v->u."""
    return _attach(g, snaps, extra, to_v=g.edge_backward, to_u=g.edge_forward)


def _attach(
    g: CompiledGraph,
    snaps: Snaps,
    extra: np.ndarray,
    *,
    to_v: np.ndarray,
    to_u: np.ndarray,
) -> Seeds:
    n = len(snaps)
    ok = snaps.edge >= 0
    e = np.where(ok, snaps.edge, 0)
    t = snaps.fraction
    T = np.where(ok, g.edge_time_s[e], np.inf)
    L = np.where(ok, g.edge_length_m[e], 0.0)
    # options at the v end (fraction 1 - t of the edge) and at the u end (fraction t)
    # a point exactly at an end node needs no arc to get there
    has_v = ok & (to_v[e] | (t >= 1.0))
    has_u = ok & (to_u[e] | (t <= 0.0))
    node = np.stack([g.edge_v[e], g.edge_u[e]], axis=1)
    frac = np.stack([1.0 - t, t], axis=1)
    has = np.stack([has_v, has_u], axis=1)
    cost = frac * T[:, None] + extra[:, None]
    length = frac * L[:, None]
    counts = has.sum(axis=1)
    ptr = np.zeros(n + 1, np.int64)
    np.cumsum(counts, out=ptr[1:])
    return Seeds(
        ptr=ptr,
        node=node[has].astype(np.int32),
        cost=cost[has],
        length=length[has],
    )


def _direct_walks(
    a: Snaps, b: Snaps, st: TravelSettings, limit_s: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (i in a, j in b) close enough to walk straight across country within limit_s.

    Returns (i, j, seconds, straight-line metres).
    """
    radius = min(limit_s * st.offroad_speed_mps, st.max_snap_m)
    pa = shapely.points(a.point_xy)
    pb = shapely.points(b.point_xy)
    if not len(pa) or not len(pb):
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0), np.empty(0)
    q = shapely.STRtree(pb).query(pa, predicate="dwithin", distance=radius)
    i, j = q[0], q[1]
    d = np.hypot(*(a.point_xy[i] - b.point_xy[j]).T)
    return i, j, d / st.offroad_speed_mps, d


def _nearest_point(a: Snaps, b: Snaps) -> tuple[np.ndarray, np.ndarray]:
    """For each point of ``a`` the nearest point of ``b`` (straight line): (q, distance)."""
    tree = shapely.STRtree(shapely.points(b.point_xy))
    q, d = tree.query_nearest(shapely.points(a.point_xy), return_distance=True, all_matches=False)
    return q, d


def _to_core(g: CompiledGraph, seeds: Seeds, *, forward: bool) -> Seeds:
    """Re-express options on graph nodes as options on core (contracted-graph) nodes.

    ``forward``: the option's node then travels along its chain to a core node (exits);
    otherwise a core node travels along the chain to the option's node (arrivals).
    """
    node_opt = g.fwd_node if forward else g.bwd_node
    cost_opt = g.fwd_cost_s if forward else g.bwd_cost_s
    len_opt = g.fwd_length_m if forward else g.bwd_length_m
    item = np.repeat(np.arange(seeds.n_items), np.diff(seeds.ptr))
    x = np.asarray(seeds.node, np.int64)
    nodes = node_opt[x]  # (m, 2)
    ok = nodes >= 0
    cost = seeds.cost[:, None] + cost_opt[x]
    length = seeds.length[:, None] + len_opt[x]
    it = np.broadcast_to(item[:, None], nodes.shape)[ok]
    ptr = np.zeros(seeds.n_items + 1, np.int64)
    np.cumsum(np.bincount(it, minlength=seeds.n_items), out=ptr[1:])
    return Seeds(ptr=ptr, node=nodes[ok].astype(np.int32), cost=cost[ok], length=length[ok])


def _same_chain_pairs(
    g: CompiledGraph, a: Snaps, b: Snaps
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (i in a, j in b) on one chain of the contracted graph, b_j downstream of a_i.

    Searches on the contracted graph only see chain ends; a trip between two points of one
    chain that stays on it is added here: seconds and metres along the chain.
    """

    def entries(sn: Snaps) -> pd.DataFrame:
        ok = np.flatnonzero(sn.edge >= 0)
        e = sn.edge[ok]
        t = sn.fraction[ok]
        T = g.edge_time_s[e]
        L = g.edge_length_m[e]
        parts = []
        for arcs, frac in ((g.edge_arc_fwd[e], t), (g.edge_arc_bwd[e], 1.0 - t)):
            has = arcs >= 0
            a_ = arcs[has]
            parts.append(
                pd.DataFrame(
                    {
                        "i": ok[has],
                        "ch": g.arc_chain[a_],
                        "c": g.arc_pre_cost_s[a_] + frac[has] * T[has],
                        "l": g.arc_pre_length_m[a_] + frac[has] * L[has],
                    }
                )
            )
        return pd.concat(parts, ignore_index=True)

    ea, eb = entries(a), entries(b)
    common = np.intersect1d(ea["ch"].to_numpy(), eb["ch"].to_numpy())
    if not common.size:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0), np.empty(0)
    ea = ea[ea["ch"].isin(common)]
    eb = eb[eb["ch"].isin(common)].rename(columns={"i": "j", "c": "cb", "l": "lb"})
    m = ea.merge(eb, on="ch")
    m = m[m["cb"].to_numpy() >= m["c"].to_numpy()]
    cost = m["cb"].to_numpy() - m["c"].to_numpy()
    length = m["lb"].to_numpy() - m["l"].to_numpy()
    i, j = m["i"].to_numpy(np.int64), m["j"].to_numpy(np.int64)
    if i.size:
        i, j, cost, length = _min_pairs(i, j, cost, length)
    return i, j, cost, length


def _min_pairs(
    i: np.ndarray, j: np.ndarray, cost: np.ndarray, length: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    order = np.lexsort((cost, j, i))
    i, j, cost, length = i[order], j[order], cost[order], length[order]
    first = np.r_[True, (i[1:] != i[:-1]) | (j[1:] != j[:-1])]
    return i[first], j[first], cost[first], length[first]


def _same_edge_pairs(
    g: CompiledGraph, a: Snaps, b: Snaps
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pairs (i in a, j in b) on one edge: direct on-edge seconds and metres a_i -> b_j."""
    ia = np.flatnonzero(a.edge >= 0)
    ib = np.flatnonzero(b.edge >= 0)
    empty = (np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0), np.empty(0))
    if not ia.size or not ib.size:
        return empty
    common = np.intersect1d(a.edge[ia], b.edge[ib])
    if not common.size:
        return empty
    da = pd.DataFrame({"i": ia, "e": a.edge[ia], "ta": a.fraction[ia]})
    db = pd.DataFrame({"j": ib, "e": b.edge[ib], "tb": b.fraction[ib]})
    da = da[da["e"].isin(common)]
    db = db[db["e"].isin(common)]
    m = da.merge(db, on="e")
    e = m["e"].to_numpy()
    dt = m["tb"].to_numpy() - m["ta"].to_numpy()
    ok = np.where(dt >= 0, g.edge_forward[e], g.edge_backward[e])
    cost = np.abs(dt) * g.edge_time_s[e]
    length = np.abs(dt) * g.edge_length_m[e]
    return (
        m["i"].to_numpy()[ok],
        m["j"].to_numpy()[ok],
        cost[ok],
        length[ok],
    )


def _min_duplicates(
    rows: np.ndarray, cols: np.ndarray, vals: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    order = np.lexsort((vals, cols, rows))
    r, c, v = rows[order], cols[order], vals[order]
    first = np.r_[True, (r[1:] != r[:-1]) | (c[1:] != c[:-1])] if r.size else np.zeros(0, bool)
    return r[first], c[first], v[first]


def _csr_keep_zeros(
    rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, shape: tuple[int, int]
) -> csr_matrix:
    rows = np.asarray(rows, np.int64)
    cols = np.asarray(cols, np.int64)
    order = np.lexsort((cols, rows))
    counts = np.bincount(rows, minlength=shape[0]) if rows.size else np.zeros(shape[0], np.int64)
    indptr = np.zeros(shape[0] + 1, np.int64)
    np.cumsum(counts, out=indptr[1:])
    idx_dtype = np.int32 if max(shape[1], rows.size) < 2**31 - 1 else np.int64
    return csr_matrix(
        (
            np.asarray(vals, np.float64)[order],
            cols[order].astype(idx_dtype),
            indptr.astype(idx_dtype),
        ),
        shape=shape,
    )


def _flags(snaps: Snaps, reached: np.ndarray) -> list[str]:
    parts = [
        np.where(
            snaps.edge < 0, FLAG_NO_ROAD, np.where(snaps.far_from_road, FLAG_FAR_FROM_ROAD, "")
        ),
        np.where(snaps.road_island, FLAG_ROAD_ISLAND, ""),
        np.where(reached, "", FLAG_UNREACHABLE),
    ]
    out = parts[0].astype(object)
    for p in parts[1:]:
        p = p.astype(object)
        out = np.where((out != "") & (p != ""), out + "," + p, out + p)
    return out.tolist()


def _targets_by_node(tgt: Seeds, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Turn per-target options into a CSR over nodes: (ptr, target id, cost, length)."""
    item = np.repeat(np.arange(tgt.n_items, dtype=np.int32), np.diff(tgt.ptr))
    node = np.asarray(tgt.node, np.int64)
    if node.size and (node.min() < 0 or node.max() >= n):
        raise SchemaError(f"target nodes must be in [0, {n})", source="targets")
    order = np.argsort(node, kind="stable")
    ptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(node, minlength=n), out=ptr[1:])
    return (
        ptr,
        item[order],
        np.asarray(tgt.cost, np.float64)[order],
        np.asarray(tgt.length, np.float64)[order],
    )


def _check_csr(indptr: np.ndarray, indices: np.ndarray, weights: np.ndarray) -> None:
    if np.asarray(indices).shape != weights.shape:
        raise SchemaError("indices and weights must have the same length", source="graph")
    if weights.size and not (weights.min() >= 0):
        raise SchemaError("weights must be non-negative and not NaN", source="graph")


def _arc_tail(g: CompiledGraph, a: int) -> int:
    """Node an arc of the forward CSR leaves from."""
    return int(np.searchsorted(g.indptr, a, side="right") - 1)


def _gpos(ctx: _Context, e: int, frac_from_u: float) -> float:
    """Position along edge ``e``'s geometry (0..1) of a fraction measured from ``u``."""
    return 1.0 - frac_from_u if ctx.flip[e] else frac_from_u


def _node_gpos(ctx: _Context, e: int, node: int) -> float:
    """Position along edge ``e``'s geometry (0 or 1) of its end ``node``."""
    at_u = int(ctx.graph.edge_u[e]) == node
    return _gpos(ctx, e, 0.0 if at_u else 1.0)


def _piece(line: LineString, start: float, end: float) -> np.ndarray:
    """Coordinates of ``line`` from normalised position ``start`` to ``end`` (may reverse)."""
    if start == end:
        return shapely.get_coordinates(shapely.line_interpolate_point(line, start, normalized=True))
    lo, hi = min(start, end), max(start, end)
    if lo <= 0.0 and hi >= 1.0:
        xy = shapely.get_coordinates(line)
    else:
        xy = shapely.get_coordinates(shapely.ops.substring(line, lo, hi, normalized=True))
    return xy[::-1] if start > end else xy
