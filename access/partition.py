"""Partitioned travel-time searches: split a large region by area, keep the answers exact.

A national road graph (millions of nodes) is split into partitions, one per province or
district. Each partition's job gets only a *halo subgraph*: the nodes any of its own
("core") settlements can reach within the travel-time limit ``T`` plus the centres inside
it. Within ``T`` the answer is exactly the whole-graph answer (see ``docs/national.md``):

* ``halo="network"`` (default) keeps every node whose *forward* network cost from a core
  settlement (its off-road leg and partial edge included) is ``<= T``: the smallest exact
  halo, found with one bounded multi-source search per partition.
* ``halo="euclidean"`` keeps every node within ``v_max x T x safety`` metres (straight
  line) of a core settlement, where ``v_max`` is the fastest arc (metres per second of the
  compiled graph) or the off-road walking speed, whichever is larger. It needs no search
  but its halos are larger.

Every path of cost ``<= T`` from a core settlement stays inside its halo, the induced
subgraph keeps all arcs among halo nodes, and Dijkstra's float sums along a path do not
depend on which other nodes exist, so the times are equal to the last bit. Settlements whose
best time exceeds ``T`` get NaN and the flag ``beyond_limit`` (the halo does not hold their
paths, so a partition can only say "more than ``T`` or unreachable").

The work is plain arrays (frozen dataclasses, picklable): :func:`prepare_nearest` snaps
once on the whole region, :func:`make_partitions` cuts halo subgraphs with compact ``int32``
node ids, :func:`solve_partition` is the unit of work (serial, threads, or Dask workers:
pass a ``map_fn``), :func:`combine_nearest` joins the pieces. Candidate coverage matrices
are split by *columns* instead (:func:`prepare_coverage`, :func:`coverage_chunk`,
:func:`assemble_coverage`): each chunk is a set of sites searched on the whole graph.

Examples
--------
>>> df = nearest_centre_partitioned(region, mode="walk", limit_min=240)  # doctest: +SKIP
>>> df["travel_min"].dtype  # doctest: +SKIP
dtype('float32')
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.sparse import csr_matrix
from scipy.spatial import cKDTree

# The engine's snapping and attachment helpers are private to access.engine; this module
# is their only other user, inside the same package (see the report to the lead).
from access.engine import (
    Seeds,
    _access_s,
    _arrivals,
    _context,
    _csr_keep_zeros,
    _direct_walks,
    _exits,
    _flags,
    _min_duplicates,
    _same_chain_pairs,
    _settings,
    _sites,
    _to_core,
    bounded_one_to_many,
    multi_source_dijkstra,
)
from access.speeds import TravelSettings
from geodata.errors import SchemaError
from geodata.region import Region

__all__ = [
    "FLAG_BEYOND_LIMIT",
    "CoverageInputs",
    "GraphArrays",
    "NearestInputs",
    "Partition",
    "PartitionResult",
    "assemble_coverage",
    "combine_nearest",
    "coverage_chunk",
    "coverage_chunks",
    "make_partitions",
    "nearest_centre_partitioned",
    "partition_labels",
    "prepare_coverage",
    "prepare_nearest",
    "solve_partition",
]

log = logging.getLogger(__name__)

FLAG_BEYOND_LIMIT = "beyond_limit"

Halo = Literal["network", "euclidean"]
MapFn = Callable[[Callable[[Any], Any], Sequence[Any]], Iterable[Any]]

# relative slack on T when cutting a network halo: forward and reversed float sums of one
# path may differ in the last bits, never by this much
_HALO_SLACK = 1e-9


@dataclass(frozen=True, eq=False)
class GraphArrays:
    """A CSR graph as four arrays (``int64`` offsets, ``int32`` heads, float64 seconds/metres)."""

    indptr: np.ndarray
    indices: np.ndarray
    weight_s: np.ndarray
    length_m: np.ndarray

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.indptr.shape[0] - 1)

    def nbytes(self) -> int:
        """Memory held by the arrays, in bytes."""
        return int(
            self.indptr.nbytes + self.indices.nbytes + self.weight_s.nbytes + self.length_m.nbytes
        )


@dataclass(frozen=True, eq=False)
class NearestInputs:
    """A nearest-centre problem on a whole region, snapped once, as plain arrays.

    ``exits`` (one item per settlement) and ``arrivals`` (one item per site) hold global
    node positions and exactly the costs :func:`access.engine.nearest_centre` uses, so the
    partitioned answer can be combined in the same order of float operations.
    """

    mode: str
    forward: GraphArrays
    reverse: GraphArrays
    exits: Seeds
    arrivals: Seeds
    settlement_access_s: np.ndarray
    settlement_access_m: np.ndarray
    site_access_m: np.ndarray
    settlement_xy: np.ndarray
    node_xy: np.ndarray
    same_chain: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    walk: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
    settlement_ids: np.ndarray
    site_ids: np.ndarray
    flags: tuple[str, ...]
    snapped: np.ndarray
    offroad_speed_mps: float

    @property
    def n_settlements(self) -> int:
        """Number of settlements."""
        return int(self.settlement_ids.shape[0])


@dataclass(frozen=True, eq=False)
class Partition:
    """One partition's halo subgraph and its work, with compact ``int32`` local node ids.

    Attributes
    ----------
    name
        Partition label (e.g. the province).
    graph
        Reversed CSR of the subgraph induced by the halo nodes.
    core
        Global positions of the settlements this partition answers for.
    exits
        Their exits (local node ids).
    arrivals
        Arrivals of the sites with an arrival node in the halo (local node ids).
    site_index
        Global position of each arrival item's site.
    limit_s
        The travel-time limit ``T`` in seconds.
    n_halo_nodes
        Nodes in the subgraph (core area plus halo).
    """

    name: str
    graph: GraphArrays
    core: np.ndarray
    exits: Seeds
    arrivals: Seeds
    site_index: np.ndarray
    limit_s: float
    n_halo_nodes: int


@dataclass(frozen=True, eq=False)
class PartitionResult:
    """Network part of the best path of each core settlement (before shortcuts and legs)."""

    name: str
    core: np.ndarray
    cost_s: np.ndarray
    length_m: np.ndarray
    site: np.ndarray


@dataclass(frozen=True, eq=False)
class CoverageInputs:
    """A settlements x sites coverage problem as plain arrays, ready to split by columns."""

    reverse: GraphArrays
    sources: Seeds
    targets: Seeds
    extra_rows: np.ndarray
    extra_cols: np.ndarray
    extra_cost_s: np.ndarray
    limit_s: float
    n_rows: int
    n_cols: int


def prepare_nearest(
    region: Region,
    *,
    settings: TravelSettings | None = None,
    mode: str | None = None,
    centres: gpd.GeoDataFrame | str = "centres",
) -> NearestInputs:
    """Snap settlements and sites once and return the whole problem as arrays.

    Parameters
    ----------
    region
        The region.
    settings, mode, centres
        As in :func:`access.engine.nearest_centre`.

    Returns
    -------
    NearestInputs

    Raises
    ------
    CRSError
        When a layer is not in EPSG:4326 or the metric CRS is not projected.
    """
    st = _settings(settings, mode)
    ctx = _context(region, st)
    sites = _sites(region, centres)
    s_snap = ctx.snap(region.settlements, max_snap_m=st.max_snap_m)
    c_snap = ctx.snap(sites, max_snap_m=st.max_snap_m)
    g = ctx.graph
    c_access_s = _access_s(c_snap, st)
    arr = _to_core(g, _arrivals(g, c_snap, c_access_s), forward=False)
    ex = _to_core(g, _exits(g, s_snap, np.zeros(len(s_snap))), forward=True)
    d_i, d_j, d_cost, d_len = _same_chain_pairs(g, s_snap, c_snap)
    d_cost = d_cost + c_access_s[d_j]
    walk = _nearest_walk(s_snap, c_snap, st)
    nodes = region.roads.nodes
    nxy = shapely.get_coordinates(np.asarray(nodes.geometry.values, dtype=object))
    core = np.flatnonzero(g.core_id >= 0)  # contracted-graph node k is full node core[k]
    mx, my = ctx.to_metric.transform(nxy[core, 0], nxy[core, 1])
    return NearestInputs(
        mode=st.mode,
        forward=GraphArrays(g.c_indptr, g.c_indices, g.c_weight_s, g.c_length_m),
        reverse=GraphArrays(g.cr_indptr, g.cr_indices, g.cr_weight_s, g.cr_length_m),
        exits=ex,
        arrivals=arr,
        settlement_access_s=_access_s(s_snap, st),
        settlement_access_m=np.asarray(s_snap.access_m, np.float64),
        site_access_m=np.asarray(c_snap.access_m, np.float64),
        settlement_xy=np.asarray(s_snap.point_xy, np.float64),
        node_xy=np.column_stack([mx, my]),
        same_chain=(d_i, d_j, d_cost, d_len),
        walk=walk,
        settlement_ids=region.settlements["settlement_id"].astype(str).to_numpy(dtype=object),
        site_ids=sites["centre_id"].astype(str).to_numpy(dtype=object),
        flags=tuple(_flags(s_snap, np.ones(len(s_snap), bool))),
        snapped=np.asarray(s_snap.edge >= 0),
        offroad_speed_mps=float(st.offroad_speed_mps),
    )


def partition_labels(region: Region, *, by: str = "province") -> tuple[np.ndarray, list[str]]:
    """Partition number (``int32``) of every settlement, from an admin column.

    Parameters
    ----------
    region
        The region.
    by
        ``"province"``, ``"district"`` or ``"tehsil"`` (a settlements column).

    Returns
    -------
    (labels, names)
        ``labels[i]`` indexes ``names``; names are sorted.

    Raises
    ------
    SchemaError
        When the settlements have no such column.
    """
    s = region.settlements
    if by not in s.columns:
        raise SchemaError(
            f"settlements have no column '{by}' to partition by; use 'province', 'district' "
            "or 'tehsil'",
            source="settlements",
        )
    codes, uniques = pd.factorize(s[by].astype(str), sort=True)
    return codes.astype(np.int32), [str(u) for u in uniques]


def make_partitions(
    inputs: NearestInputs,
    labels: np.ndarray,
    names: Sequence[str],
    *,
    limit_min: float,
    halo: Halo = "network",
    safety: float = 1.02,
) -> list[Partition]:
    """Cut one halo subgraph per partition.

    Parameters
    ----------
    inputs
        From :func:`prepare_nearest`.
    labels, names
        From :func:`partition_labels` (``labels[i]`` is settlement ``i``'s partition).
    limit_min
        The travel-time limit ``T``, minutes; times up to ``T`` are exact.
    halo
        ``"network"`` (bounded search, smallest exact halo) or ``"euclidean"``
        (``v_max x T x safety`` metres around the core settlements).
    safety
        Factor on the straight-line radius (covers the metric projection's scale error and
        lengths measured on other ellipsoids); used by ``"euclidean"`` only.

    Returns
    -------
    list of Partition
        Partitions with no settlement are left out.

    Raises
    ------
    SchemaError
        When ``limit_min`` is not a positive finite number or ``halo`` is unknown.
    """
    if not (np.isfinite(limit_min) and limit_min > 0):
        raise SchemaError(f"limit_min must be finite and > 0, got {limit_min!r}", source="halo")
    if halo not in ("network", "euclidean"):
        raise SchemaError(f"halo must be 'network' or 'euclidean', got {halo!r}", source="halo")
    labels = np.asarray(labels)
    if labels.shape != (inputs.n_settlements,):
        raise SchemaError(
            f"labels has shape {labels.shape}; expected ({inputs.n_settlements},)",
            source="partition",
        )
    limit_s = float(limit_min) * 60.0
    out = []
    for k, name in enumerate(names):
        core = np.flatnonzero(labels == k).astype(np.int32)
        if core.size == 0:
            continue
        if halo == "network":
            mask = _network_halo(inputs, core, limit_s)
        else:
            mask = _euclidean_halo(inputs, core, limit_s, safety)
        out.append(_cut(inputs, str(name), core, mask, limit_s))
        log.info(
            "partition %s: %d settlements, %d halo nodes", name, core.size, out[-1].n_halo_nodes
        )
    return out


def solve_partition(part: Partition) -> PartitionResult:
    """Nearest site of each core settlement on the partition's halo subgraph.

    One multi-source search from the partition's sites on the reversed subgraph, stopped
    at ``T``; each settlement takes its cheapest exit. This is the unit of work sent to
    workers: it reads only ``part``.
    """
    g = part.graph
    arr = part.arrivals
    labels = np.repeat(part.site_index.astype(np.int32), np.diff(arr.ptr))
    sp = multi_source_dijkstra(
        g.indptr,
        g.indices,
        g.weight_s,
        arr.node,
        source_costs=arr.cost,
        source_labels=labels,
        lengths=g.length_m,
        source_lengths=arr.length,
        limit=part.limit_s * (1.0 + _HALO_SLACK) + 1e-6,
    )
    n = part.core.shape[0]
    ex = part.exits
    best = np.full(n, np.inf)
    best_len = np.full(n, np.nan)
    best_lab = np.full(n, -1, np.int32)
    item = np.repeat(np.arange(n), np.diff(ex.ptr))
    tot = ex.cost + sp.dist[ex.node]
    order = np.lexsort((tot, item))
    first = order[np.r_[True, item[order][1:] != item[order][:-1]]] if order.size else order
    sel = item[first]
    best[sel] = tot[first]
    best_len[sel] = ex.length[first] + sp.length[ex.node[first]]
    best_lab[sel] = sp.label[ex.node[first]]
    best_lab[~np.isfinite(best)] = -1
    return PartitionResult(part.name, part.core, best, best_len, best_lab)


def combine_nearest(
    inputs: NearestInputs,
    results: Iterable[PartitionResult],
    *,
    limit_min: float,
    max_snap_m: float,
    dtype: type[np.floating[Any]] = np.float32,
) -> pd.DataFrame:
    """Join partition results with the on-edge and straight-walk shortcuts.

    Same float operations, in the same order, as :func:`access.engine.nearest_centre`.
    Times above ``limit_min`` (or unreachable: a partition cannot tell the two apart) are
    NaN with the flag ``beyond_limit``. ``dtype`` is the
    float type of the time and distance columns (``float64`` keeps every bit, for checks).

    Returns
    -------
    pandas.DataFrame
        ``settlement_id``, ``centre_id``, ``travel_min``, ``network_m``, ``access_m``
        (all ``dtype``), ``site`` (``int32`` site position, -1
        when none) and ``flags``; rows in settlement order (``RangeIndex``).
    """
    n = inputs.n_settlements
    best = np.full(n, np.inf)
    best_len = np.full(n, np.nan)
    best_lab = np.full(n, -1, np.int64)
    seen = np.zeros(n, bool)
    for r in results:
        best[r.core] = r.cost_s
        best_len[r.core] = r.length_m
        best_lab[r.core] = r.site
        seen[r.core] = True
    if not seen.all():
        raise SchemaError(
            f"{int((~seen).sum())} settlement(s) are in no partition", source="partition"
        )
    d_i, d_j, d_cost, d_len = inputs.same_chain
    if d_i.size:
        order = np.lexsort((d_cost, d_i))
        first = order[np.r_[True, d_i[order][1:] != d_i[order][:-1]]]
        i, j = d_i[first], d_j[first]
        better = d_cost[first] < best[i]
        i, j, k = i[better], j[better], first[better]
        best[i] = d_cost[k]
        best_len[i] = d_len[k]
        best_lab[i] = j
    has = best_lab >= 0
    best_acc = inputs.settlement_access_m.copy()
    best_acc[has] += inputs.site_access_m[best_lab[has]]
    best = best + inputs.settlement_access_s
    w_i, w_j, w_s, w_m = inputs.walk
    if w_i.size:
        better = (w_s < best[w_i]) & (w_m <= max_snap_m)
        i = w_i[better]
        best[i] = w_s[better]
        best_len[i] = 0.0
        best_lab[i] = w_j[better]
        best_acc[i] = w_m[better]
    limit_s = float(limit_min) * 60.0
    within = np.isfinite(best) & (best <= limit_s)
    site = np.where(within, best_lab, -1).astype(np.int32)
    centre_id = np.full(n, None, dtype=object)
    centre_id[within] = inputs.site_ids[site[within]]
    # a partition cannot tell "farther than T" from "unreachable": both are beyond_limit
    flags = [
        f if ok else (f"{f},{FLAG_BEYOND_LIMIT}" if f else FLAG_BEYOND_LIMIT)
        for f, ok in zip(inputs.flags, within, strict=True)
    ]
    return pd.DataFrame(
        {
            "settlement_id": pd.array(inputs.settlement_ids, dtype="str"),
            "centre_id": pd.array(centre_id, dtype="str"),
            "travel_min": np.where(within, best / 60.0, np.nan).astype(dtype),
            "network_m": np.where(within, best_len, np.nan).astype(dtype),
            "access_m": np.where(within, best_acc, inputs.settlement_access_m).astype(dtype),
            "site": site,
            "flags": pd.array(flags, dtype="str"),
        }
    )


def nearest_centre_partitioned(
    region: Region,
    *,
    limit_min: float,
    by: str = "province",
    halo: Halo = "network",
    settings: TravelSettings | None = None,
    mode: str | None = None,
    centres: gpd.GeoDataFrame | str = "centres",
    map_fn: MapFn | None = None,
    dtype: type[np.floating[Any]] = np.float32,
) -> pd.DataFrame:
    """Nearest centre of every settlement, computed partition by partition.

    Equal to :func:`access.engine.nearest_centre` for every settlement whose time is
    ``<= limit_min``; the others get NaN and the flag ``beyond_limit``.

    Parameters
    ----------
    region
        The region.
    limit_min
        Travel-time limit ``T`` (minutes) that sizes the halos.
    by
        Settlements column to partition by (``"province"``, ``"district"``...).
    halo
        ``"network"`` or ``"euclidean"`` (see :func:`make_partitions`).
    settings, mode, centres
        As in :func:`access.engine.nearest_centre`.
    map_fn
        ``map_fn(solve_partition, partitions)`` returning results in any order; default the
        built-in ``map`` (serial). ``scenarios.distributed`` supplies a Dask one.
    dtype
        Float type of the time and distance columns.

    Returns
    -------
    pandas.DataFrame
        See :func:`combine_nearest`; the index is ``region.settlements``'s.

    Raises
    ------
    SchemaError
        Bad ``limit_min``, ``halo`` or ``by``.
    CRSError
        When a layer is not in EPSG:4326.
    """
    st = _settings(settings, mode)
    inputs = prepare_nearest(region, settings=st, centres=centres)
    labels, names = partition_labels(region, by=by)
    parts = make_partitions(inputs, labels, names, limit_min=limit_min, halo=halo)
    run = map_fn or map
    out = combine_nearest(
        inputs,
        list(run(solve_partition, parts)),
        limit_min=limit_min,
        max_snap_m=st.max_snap_m,
        dtype=dtype,
    )
    out.index = region.settlements.index
    return out


def prepare_coverage(
    region: Region,
    *,
    sites: gpd.GeoDataFrame | str = "candidates",
    cutoff_min: float = 120.0,
    settings: TravelSettings | None = None,
    mode: str | None = None,
) -> CoverageInputs:
    """The arrays of :func:`access.engine.coverage_matrix`, ready to split by site columns.

    Raises
    ------
    SchemaError
        When ``cutoff_min`` is negative or NaN.
    CRSError
        When a layer is not in EPSG:4326.
    """
    if not cutoff_min >= 0:
        raise SchemaError(f"cutoff_min must be >= 0, got {cutoff_min!r}", source="coverage")
    st = _settings(settings, mode)
    ctx = _context(region, st)
    site_gdf = _sites(region, sites)
    s_snap = ctx.snap(region.settlements, max_snap_m=st.max_snap_m)
    c_snap = ctx.snap(site_gdf, max_snap_m=st.max_snap_m)
    g = ctx.graph
    limit_s = float(cutoff_min) * 60.0
    src = _to_core(g, _arrivals(g, c_snap, _access_s(c_snap, st)), forward=False)
    tgt = _to_core(g, _exits(g, s_snap, _access_s(s_snap, st)), forward=True)
    d_i, d_j, d_cost, _ = _same_chain_pairs(g, s_snap, c_snap)
    d_cost = d_cost + _access_s(s_snap, st)[d_i] + _access_s(c_snap, st)[d_j]
    w_i, w_j, w_cost, _ = _direct_walks(s_snap, c_snap, st, limit_s)
    rows = np.concatenate([d_i, w_i]).astype(np.int64)
    cols = np.concatenate([d_j, w_j]).astype(np.int64)
    cost = np.concatenate([d_cost, w_cost])
    keep = cost <= limit_s
    return CoverageInputs(
        reverse=GraphArrays(g.cr_indptr, g.cr_indices, g.cr_weight_s, g.cr_length_m),
        sources=src,
        targets=tgt,
        extra_rows=rows[keep],
        extra_cols=cols[keep],
        extra_cost_s=cost[keep],
        limit_s=limit_s,
        n_rows=len(s_snap),
        n_cols=len(c_snap),
    )


def coverage_chunks(inputs: CoverageInputs, n_chunks: int) -> list[np.ndarray]:
    """Split the site columns into ``n_chunks`` interleaved ``int64`` chunks (balanced work)."""
    k = max(1, min(int(n_chunks), inputs.n_cols))
    return [np.arange(c, inputs.n_cols, k, dtype=np.int64) for c in range(k)]


def coverage_chunk(
    graph: GraphArrays,
    sources: Seeds,
    targets: Seeds,
    columns: np.ndarray,
    *,
    limit_s: float,
    n_threads: int | None = 1,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bounded searches from the site ``columns``; returns ``(rows, cols, seconds)``.

    ``n_threads=None`` uses every core (as :func:`access.engine.bounded_one_to_many`).

    ``rows`` are ``int32`` settlement positions, ``cols`` ``int32`` global site columns.
    """
    cols = np.asarray(columns, np.int64)
    starts, ends = sources.ptr[cols], sources.ptr[cols + 1]
    counts = ends - starts
    idx = _ranges(starts, counts)
    sub = Seeds(
        ptr=np.r_[0, np.cumsum(counts)].astype(np.int64),
        node=sources.node[idx],
        cost=sources.cost[idx],
        length=sources.length[idx],
    )
    res = bounded_one_to_many(
        graph.indptr,
        graph.indices,
        graph.weight_s,
        sub,
        limit=limit_s,
        targets=targets,
        n_threads=n_threads,
    )
    return (
        res.target.astype(np.int32),
        cols[res.source].astype(np.int32),
        np.asarray(res.cost, np.float64),
    )


def assemble_coverage(
    inputs: CoverageInputs, parts: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray]]
) -> csr_matrix:
    """Join column chunks and the shortcut pairs into the settlements x sites CSR (minutes).

    Equal to :func:`access.engine.coverage_matrix` on the same region and sites.
    """
    parts = list(parts)
    rows = np.concatenate([p[0] for p in parts] + [np.empty(0, np.int32)]).astype(np.int64)
    cols = np.concatenate([p[1] for p in parts] + [np.empty(0, np.int32)]).astype(np.int64)
    vals = np.concatenate([p[2] for p in parts] + [np.empty(0)])
    if inputs.extra_rows.size:
        rows = np.concatenate([rows, inputs.extra_rows])
        cols = np.concatenate([cols, inputs.extra_cols])
        vals = np.concatenate([vals, inputs.extra_cost_s])
        rows, cols, vals = _min_duplicates(rows, cols, vals)
    return _csr_keep_zeros(rows, cols, vals / 60.0, (inputs.n_rows, inputs.n_cols))


# ---------------------------------------------------------------------------------------


def _nearest_walk(
    s_snap: Any, c_snap: Any, st: TravelSettings
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each settlement's straight walk to the nearest site point: (i, j, seconds, metres)."""
    if not len(c_snap) or not len(s_snap):
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0), np.empty(0)
    tree = shapely.STRtree(shapely.points(c_snap.point_xy))
    q, dd = tree.query_nearest(
        shapely.points(s_snap.point_xy), return_distance=True, all_matches=False
    )
    return q[0], q[1], dd / st.offroad_speed_mps, dd


def _network_halo(inputs: NearestInputs, core: np.ndarray, limit_s: float) -> np.ndarray:
    ex = inputs.exits
    starts, ends = ex.ptr[core], ex.ptr[core + 1]
    idx = _ranges(starts, ends - starts)
    item = np.repeat(core, ends - starts)
    cost = ex.cost[idx] + inputs.settlement_access_s[item]
    f = inputs.forward
    sp = multi_source_dijkstra(
        f.indptr,
        f.indices,
        f.weight_s,
        ex.node[idx],
        source_costs=cost,
        limit=limit_s * (1.0 + _HALO_SLACK) + 1e-6,
    )
    return np.asarray(np.isfinite(sp.dist))


def _euclidean_halo(
    inputs: NearestInputs, core: np.ndarray, limit_s: float, safety: float
) -> np.ndarray:
    f = inputs.forward
    ok = np.isfinite(f.weight_s) & (f.weight_s > 0)
    v_net = float(np.max(f.length_m[ok] / f.weight_s[ok])) if ok.any() else 0.0
    # arcs of zero seconds and positive length would make v_max infinite: keep them all
    zero = (f.weight_s == 0) & (f.length_m > 0)
    if zero.any():
        return np.ones(f.n_nodes, bool)
    v_max = max(v_net, inputs.offroad_speed_mps)
    radius = limit_s * v_max * float(safety)
    d, _ = cKDTree(inputs.settlement_xy[core]).query(
        inputs.node_xy, k=1, distance_upper_bound=radius
    )
    return np.asarray(np.isfinite(d))


def _cut(
    inputs: NearestInputs, name: str, core: np.ndarray, mask: np.ndarray, limit_s: float
) -> Partition:
    rev = inputs.reverse
    nodes = np.flatnonzero(mask)
    local = np.full(rev.n_nodes, -1, np.int32)
    local[nodes] = np.arange(nodes.size, dtype=np.int32)
    starts, ends = rev.indptr[nodes], rev.indptr[nodes + 1]
    arc = _ranges(starts, ends - starts)
    tail = np.repeat(np.arange(nodes.size, dtype=np.int64), ends - starts)
    head = local[rev.indices[arc]]
    keep = head >= 0
    counts = np.bincount(tail[keep], minlength=nodes.size)
    indptr = np.zeros(nodes.size + 1, np.int64)
    np.cumsum(counts, out=indptr[1:])
    graph = GraphArrays(
        indptr=indptr,
        indices=head[keep].astype(np.int32),
        weight_s=rev.weight_s[arc[keep]],
        length_m=rev.length_m[arc[keep]],
    )
    exits = _local_seeds(inputs.exits, core, local)
    arr = inputs.arrivals
    in_halo = local[arr.node] >= 0
    item = np.repeat(np.arange(arr.n_items), np.diff(arr.ptr))
    sites = np.unique(item[in_halo]).astype(np.int32)
    arrivals = _local_seeds(arr, sites, local)
    return Partition(
        name=name,
        graph=graph,
        core=core,
        exits=exits,
        arrivals=arrivals,
        site_index=sites,
        limit_s=limit_s,
        n_halo_nodes=int(nodes.size),
    )


def _local_seeds(seeds: Seeds, items: np.ndarray, local: np.ndarray) -> Seeds:
    """Seeds of ``items`` with nodes renumbered by ``local``; nodes outside are dropped."""
    starts, ends = seeds.ptr[items], seeds.ptr[items + 1]
    idx = _ranges(starts, ends - starts)
    item = np.repeat(np.arange(items.size), ends - starts)
    node = local[seeds.node[idx]]
    keep = node >= 0
    ptr = np.zeros(items.size + 1, np.int64)
    np.cumsum(np.bincount(item[keep], minlength=items.size), out=ptr[1:])
    return Seeds(
        ptr=ptr,
        node=node[keep].astype(np.int32),
        cost=np.asarray(seeds.cost, np.float64)[idx[keep]],
        length=np.asarray(seeds.length, np.float64)[idx[keep]],
    )


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(s, s + c)`` for each pair, vectorised (``int64``)."""
    starts = np.asarray(starts, np.int64)
    counts = np.asarray(counts, np.int64)
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, np.int64)
    nz = counts > 0
    starts, counts = starts[nz], counts[nz]
    out = np.ones(total, np.int64)
    out[0] = starts[0]
    pos = np.cumsum(counts)[:-1]
    out[pos] = starts[1:] - (starts[:-1] + counts[:-1] - 1)
    return np.cumsum(out)
