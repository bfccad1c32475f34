"""The travel-time core on plain arrays: prepare -> search -> combine.

Two problems, each in three steps that the whole-graph queries (:mod:`access.queries`) and
the partitioned / Dask path (:mod:`access.partition`, :mod:`scenarios.distributed`) both
call, so their answers are equal by construction:

nearest site of every settlement
    :func:`prepare_nearest_arrays` (snaps -> :class:`NearestArrays`: exits, arrivals and
    shortcut pairs on the contracted graph), :func:`search_nearest_arrays` (one
    multi-source search from the sites on a reversed graph, whole or a halo subgraph ->
    :class:`NearestNetwork`), :func:`combine_nearest_arrays` (same-chain shortcuts, off-road
    legs, straight walks -> :class:`NearestAnswer`).
settlements x sites within a cut-off
    :func:`prepare_coverage_arrays` (-> :class:`CoverageArrays`),
    :func:`search_coverage_arrays` (bounded searches from some site columns),
    :func:`combine_coverage_arrays` (join column chunks and shortcuts into a CSR).

Times are seconds and distances metres; searches run from the sites on the *reversed*
graph, so every time is for the trip settlement -> site.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.sparse import csr_matrix

from access.attach import (
    Pairs,
    access_seconds,
    arrival_seeds,
    core_seeds,
    direct_walk_pairs,
    exit_seeds,
    nearest_point_pairs,
    same_chain_pairs,
)
from access.graph import CompiledGraph
from access.search import (
    GraphArrays,
    Seeds,
    bounded_one_to_many,
    multi_source_dijkstra,
)
from access.snapping import Snaps
from access.sparse_kernels import coo_min_csr_two
from access.speeds import TravelSettings
from access.terminal_core import (
    TerminalCore,
    build_terminal_core,
    core_one_to_many,
    terminal_nodes,
)
from geodata.errors import SchemaError

__all__ = [
    "CORE_MIN_LIMIT_S",
    "CORE_MIN_SOURCES",
    "COVERAGE_METHODS",
    "CoverageArrays",
    "Memo",
    "NearestAnswer",
    "NearestArrays",
    "NearestNetwork",
    "combine_coverage_arrays",
    "combine_nearest_arrays",
    "prepare_coverage_arrays",
    "prepare_nearest_arrays",
    "search_coverage_arrays",
    "search_nearest_arrays",
]

COVERAGE_METHODS = ("auto", "direct", "terminal_core")
"""How :func:`search_coverage_arrays` runs: on the contracted graph (``direct``), on a
terminal core built for the settlements and sites (``terminal_core``), or ``auto``."""
CORE_MIN_SOURCES = 20_000
"""``auto`` builds a terminal core from this many site columns ...

Building the core of the national synthetic graph takes about as long as 5,000 direct
120-minute searches, so for one matrix it pays only from about this many sites; ask for
``method="terminal_core"`` when several matrices share the same settlements and sites
(other cut-offs or speeds of the off-road legs: the core is memoised with the snaps)."""
CORE_MIN_LIMIT_S = 1800.0
"""... and a cut-off of at least this many seconds."""

Memo = Callable[[str, Snaps, "Snaps | None", Callable[[], Any]], Any]
"""``memo(name, a, b, fn)`` returns ``fn()``, possibly remembered for the snaps ``a, b``
(:meth:`access.context.TravelContext.derived`)."""


@dataclass(frozen=True, eq=False)
class NearestArrays:
    """A nearest-site problem on a contracted graph, as plain arrays.

    Attributes
    ----------
    exits
        One item per settlement: the core nodes it leaves the network to, with seconds and
        metres from its snap point (its off-road leg is not included).
    arrivals
        One item per site: the core nodes it is reached from, with seconds (its off-road leg
        included) and metres.
    same_chain
        ``(i, j, seconds, metres)``: settlement ``i`` reaches site ``j`` along one chain
        (site off-road leg included).
    walk
        ``(i, j, seconds, metres)``: each settlement's straight walk to the nearest site.
    settlement_access_s, settlement_access_m, site_access_m
        Off-road legs (seconds; straight-line metres, NaN without a road).
    """

    exits: Seeds
    arrivals: Seeds
    same_chain: Pairs
    walk: Pairs
    settlement_access_s: np.ndarray
    settlement_access_m: np.ndarray
    site_access_m: np.ndarray

    @property
    def n_settlements(self) -> int:
        """Number of settlements."""
        return self.exits.n_items


@dataclass(frozen=True, eq=False)
class NearestNetwork:
    """On-network part of each settlement's best path (before shortcuts and off-road legs).

    ``cost_s`` is ``inf``, ``length_m`` NaN and ``site`` ``-1`` where no site was reached.
    """

    cost_s: np.ndarray
    length_m: np.ndarray
    site: np.ndarray


@dataclass(frozen=True, eq=False)
class NearestAnswer:
    """Each settlement's best trip to a site, all legs included.

    ``cost_s`` (``inf`` when unreachable), ``length_m`` on-road metres, ``site`` the site
    position (``-1`` when none) and ``access_m`` the straight-line off-road metres.
    """

    cost_s: np.ndarray
    length_m: np.ndarray
    site: np.ndarray
    access_m: np.ndarray


@dataclass(frozen=True, eq=False)
class CoverageArrays:
    """A settlements x sites coverage problem as plain arrays, ready to split by columns.

    Attributes
    ----------
    reverse
        The reversed contracted graph.
    sources
        One item per site (column): arrivals with the site's off-road leg.
    targets
        One item per settlement (row): exits with the settlement's off-road leg.
    extra_rows, extra_cols, extra_cost_s
        Same-chain and straight-walk pairs within the cut-off.
    limit_s
        The cut-off, seconds.
    n_rows, n_cols
        Numbers of settlements and sites.
    core
        A terminal core of ``reverse`` for these sources and targets (``None``: search
        ``reverse`` itself); see :mod:`access.terminal_core`.
    """

    reverse: GraphArrays
    sources: Seeds
    targets: Seeds
    extra_rows: np.ndarray
    extra_cols: np.ndarray
    extra_cost_s: np.ndarray
    limit_s: float
    n_rows: int
    n_cols: int
    core: TerminalCore | None = None


def prepare_nearest_arrays(
    graph: CompiledGraph,
    settlements: Snaps,
    sites: Snaps,
    settings: TravelSettings,
    *,
    memo: Memo | None = None,
) -> NearestArrays:
    """The nearest-site problem of snapped settlements and sites on a compiled graph.

    Parameters
    ----------
    graph
        The mode's compiled graph.
    settlements, sites
        Where the settlements and the sites join it.
    settings
        Travel settings (off-road walking speed).
    memo
        Remembers the parts that depend on the snaps only (default: none).

    Returns
    -------
    NearestArrays
    """
    run = memo or _no_memo
    c_access_s = access_seconds(sites, settings)
    arrivals = core_seeds(graph, arrival_seeds(graph, sites, c_access_s), forward=False)
    n = len(settlements)
    exits = run(
        "exits0",
        settlements,
        None,
        lambda: core_seeds(graph, exit_seeds(graph, settlements, np.zeros(n)), forward=True),
    )
    d_i, d_j, d_cost, d_len = run(
        "chain", settlements, sites, lambda: same_chain_pairs(graph, settlements, sites)
    )
    w_i, w_j, w_m = run(
        "nearest", settlements, sites, lambda: nearest_point_pairs(settlements, sites)
    )
    return NearestArrays(
        exits=exits,
        arrivals=arrivals,
        same_chain=(d_i, d_j, d_cost + c_access_s[d_j], d_len),
        walk=(w_i, w_j, w_m / settings.offroad_speed_mps, w_m),
        settlement_access_s=access_seconds(settlements, settings),
        settlement_access_m=np.asarray(settlements.access_m, np.float64),
        site_access_m=np.asarray(sites.access_m, np.float64),
    )


def search_nearest_arrays(
    graph: GraphArrays,
    exits: Seeds,
    arrivals: Seeds,
    *,
    site_index: np.ndarray | None = None,
    limit_s: float = np.inf,
) -> NearestNetwork:
    """Nearest site of each settlement over the network: one multi-source search.

    The search starts at every site's arrival nodes at once on the reversed ``graph`` and
    each settlement takes its cheapest exit.

    Parameters
    ----------
    graph
        Reversed graph (whole, or a halo subgraph with local node ids).
    exits
        One item per settlement (node ids of ``graph``).
    arrivals
        One item per site (node ids of ``graph``).
    site_index
        Site number reported for each arrival item (default its position).
    limit_s
        Stop the search at this cost.

    Returns
    -------
    NearestNetwork

    Examples
    --------
    Nodes 0 -> 1 -> 2 (5 s and 7 s; the reversed graph has 1 -> 0 and 2 -> 1); one site
    arrives at node 2 at 1 s, settlements leave at nodes 0 and 1:

    >>> rev = GraphArrays(np.array([0, 0, 1, 2]), np.array([0, 1], np.int32),
    ...                   np.array([5.0, 7.0]), np.array([50.0, 70.0]))
    >>> net = search_nearest_arrays(rev, Seeds.from_nodes([0, 1]), Seeds.from_nodes([2]))
    >>> net.cost_s.tolist(), net.length_m.tolist(), net.site.tolist()
    ([12.0, 7.0], [120.0, 70.0], [0, 0])
    >>> search_nearest_arrays(rev, Seeds.from_nodes([0, 1]), Seeds.from_nodes([2]),
    ...                       limit_s=10.0).site.tolist()
    [-1, 0]
    """
    index = np.arange(arrivals.n_items) if site_index is None else np.asarray(site_index)
    labels = np.repeat(index.astype(np.int32), np.diff(arrivals.ptr))
    sp = multi_source_dijkstra(
        graph.indptr,
        graph.indices,
        graph.weight_s,
        arrivals.node,
        source_costs=arrivals.cost,
        source_labels=labels,
        lengths=graph.length_m,
        source_lengths=arrivals.length,
        limit=limit_s,
    )
    n = exits.n_items
    best = np.full(n, np.inf)
    best_len = np.full(n, np.nan)
    best_lab = np.full(n, -1, np.int32)
    item = exits.item_of_entry()
    tot = exits.cost + sp.dist[exits.node]
    order = np.lexsort((tot, item))  # per item, cheapest first
    first = order[np.r_[True, item[order][1:] != item[order][:-1]]] if order.size else order
    sel = item[first]
    best[sel] = tot[first]
    best_len[sel] = exits.length[first] + sp.length[exits.node[first]]
    best_lab[sel] = sp.label[exits.node[first]]
    best_lab[~np.isfinite(best)] = -1
    return NearestNetwork(best, best_len, best_lab)


def combine_nearest_arrays(
    problem: NearestArrays, network: NearestNetwork, *, max_snap_m: float
) -> NearestAnswer:
    """Each settlement's best trip, all legs included.

    The network path or a same-chain shortcut, whichever is cheaper, plus both off-road
    legs; then a straight walk to the nearest site when that is faster.

    Parameters
    ----------
    problem
        From :func:`prepare_nearest_arrays`.
    network
        From :func:`search_nearest_arrays` (or joined from partitions).
    max_snap_m
        Straight walks longer than this are not considered.

    Returns
    -------
    NearestAnswer

    Examples
    --------
    One settlement 10 s off-road, network path 100 s / 900 m to site 0 (20 m off-road);
    its nearest site is 50 m away in a straight line (60 s):

    >>> one, none = np.array([0]), np.empty(0, np.int64)
    >>> problem = NearestArrays(
    ...     exits=Seeds.from_nodes([0]), arrivals=Seeds.from_nodes([0]),
    ...     same_chain=(none, none, np.empty(0), np.empty(0)),
    ...     walk=(one, one, np.array([60.0]), np.array([50.0])),
    ...     settlement_access_s=np.array([10.0]), settlement_access_m=np.array([12.0]),
    ...     site_access_m=np.array([20.0]))
    >>> net = NearestNetwork(np.array([100.0]), np.array([900.0]), np.array([0]))
    >>> a = combine_nearest_arrays(problem, net, max_snap_m=5000.0)
    >>> a.cost_s.tolist(), a.length_m.tolist(), a.access_m.tolist()
    ([60.0], [0.0], [50.0])
    >>> combine_nearest_arrays(problem, net, max_snap_m=40.0).cost_s.tolist()
    [110.0]
    """
    best = np.array(network.cost_s, np.float64)
    best_len = np.array(network.length_m, np.float64)
    best_lab = np.array(network.site, np.int64)
    d_i, d_j, d_cost, d_len = problem.same_chain
    if d_i.size:
        order = np.lexsort((d_cost, d_i))
        first = order[np.r_[True, d_i[order][1:] != d_i[order][:-1]]]
        i, j = d_i[first], d_j[first]
        better = d_cost[first] < best[i]
        i, j, k = i[better], j[better], first[better]
        best[i] = d_cost[k]
        best_len[i] = d_len[k]
        best_lab[i] = j
    # add the site's off-road leg to the network options, then compare walking straight
    has = best_lab >= 0
    best_acc = problem.settlement_access_m.copy()
    best_acc[has] += problem.site_access_m[best_lab[has]]
    best = best + problem.settlement_access_s
    w_i, w_j, w_s, w_m = problem.walk
    if w_i.size:
        better = (w_s < best[w_i]) & (w_m <= max_snap_m)
        i = w_i[better]
        best[i] = w_s[better]
        best_len[i] = 0.0
        best_lab[i] = w_j[better]
        best_acc[i] = w_m[better]
    return NearestAnswer(best, best_len, best_lab, best_acc)


def prepare_coverage_arrays(
    graph: CompiledGraph,
    settlements: Snaps,
    sites: Snaps,
    settings: TravelSettings,
    *,
    limit_s: float,
    memo: Memo | None = None,
    method: str = "auto",
    node_xy: np.ndarray | None = None,
) -> CoverageArrays:
    """The coverage problem of snapped settlements and sites within ``limit_s`` seconds.

    Parameters
    ----------
    graph
        The mode's compiled graph.
    settlements, sites
        Where the settlements (rows) and sites (columns) join it.
    settings
        Travel settings (off-road walking speed, ``max_snap_m``).
    limit_s
        Cut-off, seconds (inclusive), all legs included.
    memo
        Remembers the parts that depend on the snaps only (default: none), among them the
        terminal core.
    method
        One of :data:`COVERAGE_METHODS`; ``auto`` builds a terminal core from
        :data:`CORE_MIN_SOURCES` sites and a cut-off of :data:`CORE_MIN_LIMIT_S`
        (``terminal_core`` always, ``direct`` never).
    node_xy
        Optional planar coordinates of every node of ``graph`` (the travel context's
        ``node_xy``): a terminal core is then numbered along a Hilbert curve, which makes
        its searches faster (not different).

    Returns
    -------
    CoverageArrays

    Raises
    ------
    SchemaError
        For an unknown ``method``.
    """
    if method not in COVERAGE_METHODS:
        raise SchemaError(
            f"method must be one of {', '.join(COVERAGE_METHODS)}, got {method!r}",
            source="coverage_matrix",
        )
    run = memo or _no_memo
    s_access = access_seconds(settlements, settings)
    c_access = access_seconds(sites, settings)
    src = core_seeds(graph, arrival_seeds(graph, sites, c_access), forward=False)
    tgt = core_seeds(graph, exit_seeds(graph, settlements, s_access), forward=True)
    d_i, d_j, d_cost, _ = run(
        "chain", settlements, sites, lambda: same_chain_pairs(graph, settlements, sites)
    )
    d_cost = d_cost + s_access[d_i] + c_access[d_j]
    w_i, w_j, w_cost, _ = direct_walk_pairs(settlements, sites, settings, limit_s)
    rows = np.concatenate([d_i, w_i]).astype(np.int64)
    cols = np.concatenate([d_j, w_j]).astype(np.int64)
    cost = np.concatenate([d_cost, w_cost])
    keep = cost <= limit_s
    reverse = graph.core_reverse()
    use_core = method == "terminal_core" or (
        method == "auto" and len(sites) >= CORE_MIN_SOURCES and limit_s >= CORE_MIN_LIMIT_S
    )
    core = None
    if use_core:
        # the terminal nodes depend on the snaps only (not on speeds of the off-road legs)
        core = run(
            "terminal_core",
            settlements,
            sites,
            lambda: build_terminal_core(
                reverse,
                terminal_nodes(reverse.n_nodes, src, tgt),
                node_xy=None if node_xy is None else _kept_xy(graph, node_xy),
            ),
        )
    return CoverageArrays(
        reverse=reverse,
        sources=src,
        targets=tgt,
        extra_rows=rows[keep],
        extra_cols=cols[keep],
        extra_cost_s=cost[keep],
        limit_s=float(limit_s),
        n_rows=len(settlements),
        n_cols=len(sites),
        core=core,
    )


def search_coverage_arrays(
    graph: GraphArrays,
    sources: Seeds,
    targets: Seeds,
    columns: np.ndarray,
    *,
    limit_s: float,
    n_threads: int | None = 1,
    core: TerminalCore | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bounded searches from the site ``columns``; returns ``(rows, cols, seconds)``.

    ``rows`` are ``int32`` settlement positions, ``cols`` ``int32`` site columns (numbers
    of ``sources`` items). ``n_threads=None`` uses every core. With a terminal ``core``
    (built for every node of ``sources`` and ``targets``) the searches run on it instead
    of ``graph``: the same pairs, costs equal up to rounding.

    Examples
    --------
    Reversed graph 0 -> 1 -> 2 (5 s, 7 s); the site arrives at node 0, settlements leave at
    nodes 1 and 2; only the first is within 10 s:

    >>> rev = GraphArrays(np.array([0, 1, 2, 2]), np.array([1, 2], np.int32),
    ...                   np.array([5.0, 7.0]), np.array([50.0, 70.0]))
    >>> r, c, s = search_coverage_arrays(rev, Seeds.from_nodes([0]), Seeds.from_nodes([1, 2]),
    ...                                  np.array([0]), limit_s=10.0)
    >>> r.tolist(), c.tolist(), s.tolist()
    ([0], [0], [5.0])
    """
    cols = np.asarray(columns, np.int64)
    if core is not None:
        res = core_one_to_many(
            core, sources.subset(cols), targets, limit=limit_s, n_threads=n_threads
        )
    else:
        res = bounded_one_to_many(
            graph.indptr,
            graph.indices,
            graph.weight_s,
            sources.subset(cols),
            limit=limit_s,
            targets=targets,
            n_threads=n_threads,
        )
    every_site = cols.size == sources.n_items and bool((cols == np.arange(cols.size)).all())
    site = res.source if every_site else cols[res.source]
    return (
        res.target.astype(np.int32, copy=False),
        site.astype(np.int32, copy=False),
        np.asarray(res.cost, np.float64),
    )


def combine_coverage_arrays(
    problem: CoverageArrays, parts: Iterable[tuple[np.ndarray, np.ndarray, np.ndarray]]
) -> csr_matrix:
    """Join column chunks and the shortcut pairs into the settlements x sites CSR (minutes).

    A stored entry means reachable within the cut-off (its value may be 0); repeated pairs
    keep their smallest time.

    Examples
    --------
    >>> none = np.empty(0, np.int64)
    >>> problem = CoverageArrays(
    ...     reverse=GraphArrays(np.zeros(1, np.int64), np.empty(0, np.int32), np.empty(0),
    ...                         np.empty(0)),
    ...     sources=Seeds.from_nodes([]), targets=Seeds.from_nodes([]),
    ...     extra_rows=np.array([1]), extra_cols=np.array([0]), extra_cost_s=np.array([30.0]),
    ...     limit_s=600.0, n_rows=2, n_cols=1)
    >>> m = combine_coverage_arrays(problem, [(np.array([1, 0]), np.array([0, 0]),
    ...                                        np.array([120.0, 0.0]))])
    >>> m.toarray().tolist(), m.nnz
    ([[0.0], [0.5]], 2)
    """
    parts = list(parts)
    # int32 positions while they fit, and the searches' tens of millions of entries are not
    # copied again to append the extra pairs (they go in as a second batch)
    it = np.int32 if max(problem.n_rows, problem.n_cols) < 2**31 - 1 else np.int64

    def joined(k: int, dtype: type) -> np.ndarray:
        arrays: list[np.ndarray] = [np.asarray(p[k], dtype) for p in parts]
        return arrays[0] if len(arrays) == 1 else np.concatenate([np.empty(0, dtype), *arrays])

    # linear-time bucketing by row (a lexsort of tens of millions of pairs took seconds)
    indptr, indices, data = coo_min_csr_two(
        joined(0, it),
        joined(1, it),
        joined(2, np.float64),
        np.asarray(problem.extra_rows, it),
        np.asarray(problem.extra_cols, it),
        np.asarray(problem.extra_cost_s, np.float64),
        problem.n_rows,
    )
    small = max(problem.n_cols, indices.size) < 2**31 - 1
    idx = np.int32 if small else np.int64
    data /= 60.0
    return csr_matrix(
        (data, indices.astype(idx, copy=False), indptr.astype(idx, copy=False)),
        shape=(problem.n_rows, problem.n_cols),
    )


# ---------------------------------------------------------------------------------------


def _kept_xy(graph: CompiledGraph, node_xy: np.ndarray) -> np.ndarray:
    """Coordinates of the chain-contracted graph's nodes, from those of every node."""
    kept = np.flatnonzero(graph.core_id >= 0)
    xy = np.empty((graph.n_core, 2))
    xy[graph.core_id[kept]] = np.asarray(node_xy, np.float64)[kept]
    return xy


def _no_memo(name: str, a: Snaps, b: Snaps | None, fn: Callable[[], Any]) -> Any:
    return fn()
