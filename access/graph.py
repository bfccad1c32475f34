"""Compile a region's road tables into compact CSR arrays for one mode, season and closures.

:func:`compile_graph` turns ``region.roads`` into a :class:`CompiledGraph`: forward and
reversed CSR adjacency (``int64`` offsets, ``int32`` node indices, ``float64`` seconds and
metres per arc) plus per-edge arrays used by snapping and route drawing. The result is cached
in memory (a few most recent graphs) and, when ``settings.cache_dir`` is set, on disk as
``graph-<key>.npz`` where ``key`` hashes the region fingerprint, mode, season, closures,
speed profile and this module's format version. A cache file that cannot be read or does
not match its key is rebuilt (and logged), never trusted.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from access.chain_kernels import contract_chains
from access.search import GraphArrays
from access.speeds import TravelSettings, edge_speeds_kph
from geodata.errors import SchemaError
from geodata.memo import LruMemo
from geodata.region import Region

__all__ = [
    "GRAPH_FORMAT",
    "CompiledGraph",
    "clear_memory_cache",
    "compile_graph",
    "forget_graph",
    "graph_key",
]

log = logging.getLogger(__name__)

GRAPH_FORMAT = 3
_memo: LruMemo[str, CompiledGraph] = LruMemo(4)


@dataclass(frozen=True, eq=False)
class CompiledGraph:
    """One mode's road graph as arrays. Node positions index ``node_ids``.

    Attributes
    ----------
    key
        Cache key (hash of region fingerprint, mode, season, closures, profile, format).
    mode
        Travel mode the weights are for.
    node_ids
        ``int64`` OSM/node ids; position ``i`` in every array is node ``node_ids[i]``.
    indptr, indices, weight_s, length_m, arc_edge
        Full forward CSR over all nodes: arcs leaving each node, their travel seconds,
        metres and the row position in ``region.roads.edges`` they come from (routes).
    arc_chain, arc_pre_cost_s, arc_pre_length_m
        The chain (contracted arc walk) each full arc belongs to, and the seconds and metres
        from the chain's start to the arc's tail (for points joined to one chain).
    edge_arc_fwd, edge_arc_bwd
        Position in the full CSR of each edge's ``u -> v`` and ``v -> u`` arc (``-1``: none).
    core_id
        Position of each node in the contracted graph, ``-1`` for pass-through nodes
        (shape points inside chains, which searches skip).
    c_indptr, c_indices, c_weight_s, c_length_m
        Contracted forward CSR over the kept ("core") nodes: chains of pass-through nodes
        are single arcs with summed seconds and metres.
    cr_indptr, cr_indices, cr_weight_s, cr_length_m
        The contracted arcs reversed (arcs *entering* each node), for "travel to" searches.
    fwd_node, fwd_cost_s, fwd_length_m
        ``(n, 2)``: the core nodes each node reaches along its chain (``-1`` = none), with
        seconds and metres; a core node has itself at 0 in slot 0.
    bwd_node, bwd_cost_s, bwd_length_m
        ``(n, 2)``: the core nodes that reach each node along its chain.
    edge_u, edge_v
        ``int32`` node positions of each edge row's ends.
    edge_time_s, edge_length_m
        Seconds and metres to travel each whole edge row (``inf`` seconds when unusable).
    edge_forward, edge_backward
        Whether the mode may travel the edge ``u -> v`` and ``v -> u``.
    edge_snappable
        Whether points may join the network on this edge (usable, not closed and, when
        ``snap_to_main_component``, inside the largest strongly connected component).
    edge_closed
        Whether a closure removed the edge.
    component
        ``int32`` strongly connected component label of each node.
    """

    key: str
    mode: str
    node_ids: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    weight_s: np.ndarray
    length_m: np.ndarray
    arc_edge: np.ndarray
    arc_chain: np.ndarray
    arc_pre_cost_s: np.ndarray
    arc_pre_length_m: np.ndarray
    edge_arc_fwd: np.ndarray
    edge_arc_bwd: np.ndarray
    core_id: np.ndarray
    c_indptr: np.ndarray
    c_indices: np.ndarray
    c_weight_s: np.ndarray
    c_length_m: np.ndarray
    cr_indptr: np.ndarray
    cr_indices: np.ndarray
    cr_weight_s: np.ndarray
    cr_length_m: np.ndarray
    fwd_node: np.ndarray
    fwd_cost_s: np.ndarray
    fwd_length_m: np.ndarray
    bwd_node: np.ndarray
    bwd_cost_s: np.ndarray
    bwd_length_m: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_time_s: np.ndarray
    edge_length_m: np.ndarray
    edge_forward: np.ndarray
    edge_backward: np.ndarray
    edge_snappable: np.ndarray
    edge_closed: np.ndarray
    component: np.ndarray

    def __post_init__(self) -> None:
        """Make every array read-only (graphs are shared and cached)."""
        # shared by every query (and cached): make accidental in-place edits fail loudly
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, np.ndarray):
                value.flags.writeable = False

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.node_ids.shape[0])

    def core_forward(self) -> GraphArrays:
        """The contracted forward CSR (``c_*`` arrays) as :class:`~access.search.GraphArrays`."""
        return GraphArrays(self.c_indptr, self.c_indices, self.c_weight_s, self.c_length_m)

    def core_reverse(self) -> GraphArrays:
        """The contracted reversed CSR (``cr_*`` arrays), for searches *to* places."""
        return GraphArrays(self.cr_indptr, self.cr_indices, self.cr_weight_s, self.cr_length_m)

    @property
    def n_arcs(self) -> int:
        """Number of directed arcs."""
        return int(self.indices.shape[0])

    @property
    def n_core(self) -> int:
        """Number of nodes kept in the contracted graph."""
        return int(self.c_indptr.shape[0] - 1)

    def nbytes(self) -> int:
        """Memory held by the arrays, in bytes."""
        return sum(
            getattr(self, f.name).nbytes
            for f in fields(self)
            if isinstance(getattr(self, f.name), np.ndarray)
        )


def graph_key(region: Region, settings: TravelSettings) -> str:
    """The cache key of the compiled graph for ``region`` and ``settings``."""
    doc = {
        "format": GRAPH_FORMAT,
        "region": region.fingerprint(),
        "mode": settings.mode,
        "season": settings.season,
        "closures": settings.closures.digest(),
        "profile": settings.profile.digest(),
        "main": settings.snap_to_main_component,
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:24]


def compile_graph(region: Region, *, settings: TravelSettings | None = None) -> CompiledGraph:
    """Compile (or fetch from cache) the road graph of ``region`` for ``settings``.

    Parameters
    ----------
    region
        The region; only ``region.roads`` and its fingerprint are used.
    settings
        Mode, season, closures, profile and ``cache_dir``; default ``TravelSettings()``.

    Returns
    -------
    CompiledGraph

    Raises
    ------
    SchemaError
        When an edge names a node that is not in ``road_nodes``, or lengths are invalid.
    CRSError
        When closure polygons are given and the road edges are not in EPSG:4326.

    Examples
    --------
    >>> g = compile_graph(region, settings=TravelSettings(mode="walk"))  # doctest: +SKIP
    >>> g.n_nodes, g.n_arcs  # doctest: +SKIP
    """
    settings = settings or TravelSettings()
    key = graph_key(region, settings)
    return _memo.get_or_build(key, lambda: _load_or_build(region, settings, key))


def _load_or_build(region: Region, settings: TravelSettings, key: str) -> CompiledGraph:
    """The graph ``key`` from the disk cache, or built (and saved there when one is set)."""
    path = Path(settings.cache_dir) / f"graph-{key}.npz" if settings.cache_dir else None
    graph = _load(path, key) if path is not None and path.exists() else None
    if graph is None:
        graph = _build(region, settings, key)
        if path is not None:
            _save(graph, path)
    return graph


def forget_graph(key: str) -> None:
    """Drop the compiled graph ``key`` from the memory cache (the disk cache is untouched)."""
    _memo.pop(key)


def clear_memory_cache() -> None:
    """Forget the compiled graphs held in memory (the disk cache is untouched)."""
    _memo.clear()


# ---------------------------------------------------------------------------------------


def _build(region: Region, settings: TravelSettings, key: str) -> CompiledGraph:
    arrays = region.roads.arrays()
    edges = arrays.edges  # attribute columns (the edge GeoDataFrame itself when frame-backed)
    node_ids = arrays.node_id
    u, v = arrays.edge_ends()  # the same in every mode: looked up once per region
    bad = np.flatnonzero((u < 0) | (v < 0))
    if bad.size:
        raise SchemaError(
            f"{bad.size} edge(s) name nodes missing from road_nodes (first rows: "
            f"{', '.join(map(str, edges.index[bad[:5]]))}); rebuild the road tables",
            source="road_edges",
        )
    length = edges["length_m"].to_numpy(np.float64)
    if not np.all(np.isfinite(length) & (length >= 0)):
        raise SchemaError("length_m must be finite and >= 0 on every edge", source="road_edges")
    speed = edge_speeds_kph(
        edges, mode=settings.mode, season=settings.season, profile=settings.profile
    )
    closures = settings.closures
    if not closures:
        closed = np.zeros(len(edges), bool)
    else:  # polygons need the geometries (read for an array-backed region)
        closed = closures.closed_mask(region.roads.edges if closures.polygons else edges)
    usable = (speed > 0) & ~closed
    with np.errstate(divide="ignore"):
        time_s = np.where(usable, length / (np.where(usable, speed, 1.0) / 3.6), np.inf)
    if settings.mode == "walk":
        fwd = usable
        bwd = usable
    else:
        oneway = edges["oneway"].to_numpy(dtype=bool)
        fwd = usable
        bwd = usable & ~oneway
    e_idx = np.arange(len(edges), dtype=np.int32)
    a_src = np.concatenate([u[fwd], v[bwd]]).astype(np.int32)
    a_dst = np.concatenate([v[fwd], u[bwd]]).astype(np.int32)
    a_edge = np.concatenate([e_idx[fwd], e_idx[bwd]])
    n = len(node_ids)
    indptr, order = _csr_order(a_src, n)
    r_indptr, r_order = _csr_order(a_dst, n)
    w = time_s[a_edge]
    ln = length[a_edge]
    (core, k_src, k_dst, k_w, k_len, f_node, f_cost, f_len, b_node, b_cost, b_len, ch, pc, pl) = (
        contract_chains(indptr, a_dst[order], w[order], ln[order], r_indptr, a_src[r_order])
    )
    # each edge's forward (u -> v) and backward (v -> u) arc in the full CSR
    e_sorted = a_edge[order]
    is_fwd = np.concatenate([np.ones(int(fwd.sum()), bool), np.zeros(int(bwd.sum()), bool)])[order]
    edge_arc_fwd = np.full(len(edges), -1, np.int64)
    edge_arc_bwd = np.full(len(edges), -1, np.int64)
    pos = np.arange(e_sorted.size, dtype=np.int64)
    edge_arc_fwd[e_sorted[is_fwd]] = pos[is_fwd]
    edge_arc_bwd[e_sorted[~is_fwd]] = pos[~is_fwd]
    core_id = np.full(n, -1, np.int32)
    core_id[core] = np.arange(int(core.sum()), dtype=np.int32)
    nc = int(core.sum())
    k_src = core_id[k_src]
    k_dst = core_id[k_dst]
    c_indptr, c_order = _csr_order(k_src, nc)
    cr_indptr, cr_order = _csr_order(k_dst, nc)

    def to_core(nodes: np.ndarray) -> np.ndarray:
        return np.where(nodes >= 0, core_id[np.clip(nodes, 0, None)], -1).astype(np.int32)

    adj = csr_matrix((np.ones(a_src.size, np.int8), (a_src, a_dst)), shape=(n, n))
    _, comp = connected_components(adj, directed=True, connection="strong")
    comp = comp.astype(np.int32)
    touched_nodes = np.zeros(n, bool)
    touched_nodes[a_src] = True
    if touched_nodes.any():
        counts = np.bincount(comp[touched_nodes])
        main = int(np.argmax(counts))
    else:
        main = -1
    if settings.snap_to_main_component:
        snappable = usable & (comp[u] == main) & (comp[v] == main)
    else:
        snappable = usable.copy()
    return CompiledGraph(
        key=key,
        mode=settings.mode,
        node_ids=node_ids,
        indptr=indptr,
        indices=a_dst[order],
        weight_s=w[order],
        length_m=ln[order],
        arc_edge=a_edge[order],
        arc_chain=ch.astype(np.int32),
        arc_pre_cost_s=pc,
        arc_pre_length_m=pl,
        edge_arc_fwd=edge_arc_fwd,
        edge_arc_bwd=edge_arc_bwd,
        core_id=core_id,
        c_indptr=c_indptr,
        c_indices=k_dst[c_order].astype(np.int32),
        c_weight_s=k_w[c_order],
        c_length_m=k_len[c_order],
        cr_indptr=cr_indptr,
        cr_indices=k_src[cr_order].astype(np.int32),
        cr_weight_s=k_w[cr_order],
        cr_length_m=k_len[cr_order],
        fwd_node=to_core(f_node),
        fwd_cost_s=f_cost,
        fwd_length_m=f_len,
        bwd_node=to_core(b_node),
        bwd_cost_s=b_cost,
        bwd_length_m=b_len,
        edge_u=u.astype(np.int32),
        edge_v=v.astype(np.int32),
        edge_time_s=time_s,
        edge_length_m=length,
        edge_forward=fwd,
        edge_backward=bwd,
        edge_snappable=snappable,
        edge_closed=closed,
        component=comp,
    )


def _csr_order(src: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(src, kind="stable")
    counts = np.bincount(src, minlength=n)
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(counts, out=indptr[1:])
    return indptr, order


def _save(graph: CompiledGraph, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {
        f.name: getattr(graph, f.name)
        for f in fields(graph)
        if isinstance(getattr(graph, f.name), np.ndarray)
    }
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(
                fh,
                key=np.array(graph.key),
                mode=np.array(graph.mode),
                digest=np.array(_digest(arrays)),
                **arrays,
            )
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _load(path: Path, key: str) -> CompiledGraph | None:
    try:
        # our own handle: np.load leaks its file when the archive is unreadable
        with path.open("rb") as fh, np.load(fh, allow_pickle=False) as z:
            if str(z["key"]) != key:
                raise ValueError(f"key {z['key']} does not match {key}")
            kw = {f.name: z[f.name] for f in fields(CompiledGraph) if f.name not in ("key", "mode")}
            if str(z["digest"]) != _digest(kw):
                raise ValueError("content hash does not match: the file was changed or damaged")
            graph = CompiledGraph(key=key, mode=str(z["mode"]), **kw)
        _check(graph)
        return graph
    except Exception as err:  # a cache is never trusted: any failure means rebuild
        log.warning("graph cache %s is unreadable (%s); rebuilding it", path, err)
        return None


def _digest(arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 of the arrays' names, dtypes, shapes and bytes (the cache file's check)."""
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}:{a.dtype.str}:{a.shape};".encode())
        h.update(a.data)  # the raw bytes, without a copy
    return h.hexdigest()


def _check(g: CompiledGraph) -> None:
    n = g.n_nodes
    m = g.indices.shape[0]
    nc = g.n_core
    mc = g.c_indices.shape[0]
    ok = (
        g.indptr.shape == (n + 1,)
        and int(g.indptr[-1]) == m
        and g.weight_s.shape == (m,)
        and g.length_m.shape == (m,)
        and g.arc_edge.shape == (m,)
        and g.core_id.shape == (n,)
        and g.cr_indptr.shape == (nc + 1,)
        and int(g.c_indptr[-1]) == mc
        and int(g.cr_indptr[-1]) == mc
        and g.cr_indices.shape == (mc,)
        and g.c_weight_s.shape == g.cr_weight_s.shape == (mc,)
        and g.fwd_node.shape == g.bwd_node.shape == (n, 2)
        and g.component.shape == (n,)
        and (m == 0 or (int(g.indices.max()) < n and int(g.indices.min()) >= 0))
        and (mc == 0 or (int(g.c_indices.max()) < nc and int(g.cr_indices.max()) < nc))
        and g.edge_u.shape == g.edge_v.shape == g.edge_time_s.shape == g.edge_snappable.shape
    )
    if not ok:
        raise ValueError("array shapes are inconsistent")
