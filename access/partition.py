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

The work is plain arrays (frozen dataclasses, picklable) and every step runs the array core
of :mod:`access.core`, as :func:`access.queries.nearest_centre` does, so the answers are
equal by construction: :func:`prepare_nearest` snaps once, :func:`make_partitions` cuts halo
subgraphs (compact ``int32`` node ids), :func:`solve_partition` is the unit of work (serial,
threads or Dask: pass a ``map_fn``), :func:`combine_nearest` joins the pieces. Coverage is
split by site *columns* (:func:`prepare_coverage`, :func:`coverage_chunk`, then
:func:`assemble_coverage`), each chunk searched on the whole graph or its terminal core.

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
from scipy.sparse import csr_matrix
from scipy.spatial import cKDTree

from access.attach import point_flags
from access.context import resolve_settings, site_table, travel_context
from access.core import (
    CoverageArrays,
    NearestArrays,
    NearestNetwork,
    combine_coverage_arrays,
    combine_nearest_arrays,
    prepare_coverage_arrays,
    prepare_nearest_arrays,
    search_coverage_arrays,
    search_nearest_arrays,
)
from access.search import GraphArrays, Seeds, concat_ranges, multi_source_dijkstra
from access.speeds import TravelSettings
from geodata.errors import SchemaError
from geodata.region import Region

__all__ = [
    "FLAG_BEYOND_LIMIT",
    "Halo",
    "MapFn",
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
class NearestInputs:
    """A nearest-centre problem on a whole region, snapped once, as plain arrays.

    Attributes
    ----------
    mode
        Travel mode.
    forward, reverse
        The contracted graph and its reverse (global node ids).
    problem
        The core's problem arrays (:class:`~access.core.NearestArrays`): exits, arrivals
        and shortcuts on global node ids, exactly as :func:`access.queries.nearest_centre`
        prepares them.
    settlement_xy, node_xy
        Metric coordinates of the settlements and of the contracted graph's nodes.
    settlement_ids, site_ids
        Labels (object arrays of ``str``).
    flags
        Snapping flags of each settlement.
    offroad_speed_mps
        Off-road walking speed (m/s of straight-line distance).
    """

    mode: str
    forward: GraphArrays
    reverse: GraphArrays
    problem: NearestArrays
    settlement_xy: np.ndarray
    node_xy: np.ndarray
    settlement_ids: np.ndarray
    site_ids: np.ndarray
    flags: tuple[str, ...]
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
        As in :func:`access.queries.nearest_centre`.

    Returns
    -------
    NearestInputs

    Raises
    ------
    CRSError
        When a layer is not in EPSG:4326 or the metric CRS is not projected.
    """
    st = resolve_settings(settings, mode)
    ctx = travel_context(region, st)
    sites = site_table(region, centres)
    s_snap = ctx.snap(region.settlements, max_snap_m=st.max_snap_m)
    c_snap = ctx.snap(sites, max_snap_m=st.max_snap_m)
    g = ctx.graph
    core = np.flatnonzero(g.core_id >= 0)  # contracted-graph node k is full node core[k]
    return NearestInputs(
        mode=st.mode,
        forward=g.core_forward(),
        reverse=g.core_reverse(),
        problem=prepare_nearest_arrays(g, s_snap, c_snap, st, memo=ctx.derived),
        settlement_xy=np.asarray(s_snap.point_xy, np.float64),
        node_xy=ctx.node_xy[core],
        settlement_ids=region.settlements["settlement_id"].astype(str).to_numpy(dtype=object),
        site_ids=sites["centre_id"].astype(str).to_numpy(dtype=object),
        flags=tuple(point_flags(s_snap, np.ones(len(s_snap), bool))),
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

    The core's :func:`~access.core.search_nearest_arrays` on the halo, stopped at ``T``.
    This is the unit of work sent to workers: it reads only ``part``.
    """
    net = search_nearest_arrays(
        part.graph,
        part.exits,
        part.arrivals,
        site_index=part.site_index,
        limit_s=part.limit_s * (1.0 + _HALO_SLACK) + 1e-6,
    )
    return PartitionResult(part.name, part.core, net.cost_s, net.length_m, net.site)


def combine_nearest(
    inputs: NearestInputs,
    results: Iterable[PartitionResult],
    *,
    limit_min: float,
    max_snap_m: float,
    dtype: type[np.floating[Any]] = np.float32,
) -> pd.DataFrame:
    """Join partition results, then add shortcuts and off-road legs as the whole graph does.

    The joined network answers go through :func:`~access.core.combine_nearest_arrays`, the
    step :func:`access.queries.nearest_centre` runs. Times above ``limit_min`` (or
    unreachable: a partition cannot tell the two apart) are NaN with the flag
    ``beyond_limit``. ``dtype`` is the float type of the time and distance columns
    (``float64`` keeps every bit, for checks).

    Returns
    -------
    pandas.DataFrame
        ``settlement_id``, ``centre_id``, ``travel_min``, ``network_m``, ``access_m``
        (all ``dtype``), ``site`` (``int32`` site position, -1
        when none) and ``flags``; rows in settlement order (``RangeIndex``).

    Raises
    ------
    SchemaError
        When a settlement is in no partition.
    """
    n = inputs.n_settlements
    cost = np.full(n, np.inf)
    length = np.full(n, np.nan)
    site = np.full(n, -1, np.int64)
    seen = np.zeros(n, bool)
    for r in results:
        cost[r.core] = r.cost_s
        length[r.core] = r.length_m
        site[r.core] = r.site
        seen[r.core] = True
    if not seen.all():
        raise SchemaError(
            f"{int((~seen).sum())} settlement(s) are in no partition", source="partition"
        )
    best = combine_nearest_arrays(
        inputs.problem, NearestNetwork(cost, length, site), max_snap_m=max_snap_m
    )
    limit_s = float(limit_min) * 60.0
    within = np.isfinite(best.cost_s) & (best.cost_s <= limit_s)
    site = np.where(within, best.site, -1).astype(np.int32)
    centre_id = np.full(n, None, dtype=object)
    centre_id[within] = inputs.site_ids[site[within]]
    # a partition cannot tell "farther than T" from "unreachable": both are beyond_limit
    flags = [
        f if ok else (f"{f},{FLAG_BEYOND_LIMIT}" if f else FLAG_BEYOND_LIMIT)
        for f, ok in zip(inputs.flags, within, strict=True)
    ]
    access_m = inputs.problem.settlement_access_m
    return pd.DataFrame(
        {
            "settlement_id": pd.array(inputs.settlement_ids, dtype="str"),
            "centre_id": pd.array(centre_id, dtype="str"),
            "travel_min": np.where(within, best.cost_s / 60.0, np.nan).astype(dtype),
            "network_m": np.where(within, best.length_m, np.nan).astype(dtype),
            "access_m": np.where(within, best.access_m, access_m).astype(dtype),
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

    Equal to :func:`access.queries.nearest_centre` for every settlement whose time is
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
        As in :func:`access.queries.nearest_centre`.
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
    st = resolve_settings(settings, mode)
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
    method: str = "auto",
) -> CoverageArrays:
    """The arrays of :func:`access.queries.coverage_matrix`, ready to split by site columns.

    ``method``: as :func:`access.core.prepare_coverage_arrays`.

    Raises
    ------
    SchemaError
        When ``cutoff_min`` is negative or NaN, or ``method`` is unknown.
    CRSError
        When a layer is not in EPSG:4326.
    """
    if not cutoff_min >= 0:
        raise SchemaError(f"cutoff_min must be >= 0, got {cutoff_min!r}", source="coverage")
    st = resolve_settings(settings, mode)
    ctx = travel_context(region, st)
    s_snap = ctx.snap(region.settlements, max_snap_m=st.max_snap_m)
    c_snap = ctx.snap(site_table(region, sites), max_snap_m=st.max_snap_m)
    return prepare_coverage_arrays(
        ctx.graph, s_snap, c_snap, st, limit_s=float(cutoff_min) * 60.0, memo=ctx.derived,
        method=method, node_xy=ctx.node_xy,
    )  # fmt: skip


def coverage_chunks(inputs: CoverageArrays, n_chunks: int) -> list[np.ndarray]:
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
    core: Any = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bounded searches from the site ``columns``; returns ``(rows, cols, seconds)``.

    The workers' unit of work: :func:`~access.core.search_coverage_arrays` (on the inputs'
    terminal ``core`` if given), as ``coverage_matrix`` runs it. ``n_threads=None``: all cores.
    """
    return search_coverage_arrays(
        graph, sources, targets, columns, limit_s=limit_s, n_threads=n_threads, core=core
    )


def assemble_coverage(
    inputs: CoverageArrays, parts: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray]]
) -> csr_matrix:
    """Join column chunks and the shortcut pairs into the settlements x sites CSR (minutes).

    The core's :func:`~access.core.combine_coverage_arrays`, so equal to
    :func:`access.queries.coverage_matrix` on the same region and sites.
    """
    return combine_coverage_arrays(inputs, parts)


# ---------------------------------------------------------------------------------------


def _network_halo(inputs: NearestInputs, core: np.ndarray, limit_s: float) -> np.ndarray:
    """Nodes whose forward cost from a core settlement (off-road leg included) is <= T."""
    ex = inputs.problem.exits
    starts, ends = ex.ptr[core], ex.ptr[core + 1]
    idx = concat_ranges(starts, ends - starts)
    item = np.repeat(core, ends - starts)
    cost = ex.cost[idx] + inputs.problem.settlement_access_s[item]
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
    """The partition of ``core`` settlements on the halo subgraph of the ``mask`` nodes."""
    graph, local = inputs.reverse.subgraph(mask)
    arr = inputs.problem.arrivals
    in_halo = local[arr.node] >= 0
    sites = np.unique(arr.item_of_entry()[in_halo]).astype(np.int32)
    return Partition(
        name=name,
        graph=graph,
        core=core,
        exits=inputs.problem.exits.subset(core, renumber=local),
        arrivals=arr.subset(sites, renumber=local),
        site_index=sites,
        limit_s=limit_s,
        n_halo_nodes=graph.n_nodes,
    )
