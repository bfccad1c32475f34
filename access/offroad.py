"""The combined graph of surface cells and roads, and searches on it (plain arrays).

Cells of a :class:`~access.friction.Surface` become walking nodes ``0 .. n_cells - 1``; road
nodes (a mode's graph nodes plus points every half cell along its edges, so a road is
joined to every cell it crosses) follow as ``n_cells + i``. Arcs:

- cell -> cell moves (:func:`access.offroad_grid.grid_arcs`, 8 or 16 neighbours);
- road arcs in the directions the mode may use, seconds from the compiled graph;
- connectors cell <-> road node both ways, walked from the cell's centre to the node at
  the cell's flat cost (none when the cell is impassable: a bridge over a river cell
  carries its road across without letting anyone off in the river).

Points (settlements, centres) join the cell they lie in, walking from the point to the
cell's centre at its flat cost; a point on an impassable cell moves to the nearest passable
cell within ``snap_cells`` (else it is ``off_surface``). Searches are the engine's kernels
(:func:`access.kernels.multi_source_kernel`, :func:`access.search.bounded_one_to_many`).

Examples
--------
>>> from access.friction import surface_from_arrays
>>> s = surface_from_arrays(np.full((1, 3), 1.0), cell_m=10.0, neighbours=8)
>>> g = combined_csr(s, road_xy=np.empty((0, 2)), arc_tail=np.empty(0, np.int64),
...                  arc_head=np.empty(0, np.int64), arc_time_s=np.empty(0))
>>> seeds, ok = point_seeds(s, np.array([[5.0, -5.0]]))
>>> r = nearest_search(g, seeds, np.arange(1))
>>> r.dist[:3].tolist()
[0.0, 10.0, 20.0]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from access.friction import Surface
from access.kernels import multi_source_kernel
from access.offroad_grid import OFFSETS, grid_arcs, merge_csr, move_args
from access.offroad_kernel import (
    arc_metres_kernel,
    bucket_width,
    grid_search_kernel,
    max_tobler_factor,
    walk_node_tree,
)
from access.search import Seeds, ShortestPaths, concat_ranges

__all__ = [
    "FLAG_OFF_SURFACE",
    "CombinedGraph",
    "GridGraph",
    "arc_metres",
    "combined_csr",
    "grid_graph",
    "grid_path_metres",
    "grid_search",
    "n_bytes_bitmap",
    "nearest_search",
    "path_metres",
    "point_seeds",
    "side_arcs",
    "split_edges",
]

FLAG_OFF_SURFACE = "off_surface"


@dataclass(frozen=True, eq=False)
class CombinedGraph:
    """Cells plus road nodes as one CSR (``float32`` seconds).

    Attributes
    ----------
    surface
        The walking surface (cells ``0 .. n_cells - 1``).
    road_xy
        Metric ``(x, y)`` of road node ``n_cells + i``.
    road_arc_m
        Unused by searches; metres of every road arc (for reports).
    indptr, indices, weight_s
        The CSR (``int64``, ``int32``, ``float32``).
    reverse
        Whether arcs are reversed (searches *to* places).
    """

    surface: Surface
    road_xy: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    weight_s: np.ndarray
    reverse: bool

    @property
    def n_cells(self) -> int:
        """Number of cells."""
        return self.surface.n_cells

    @property
    def n_nodes(self) -> int:
        """Cells plus road nodes."""
        return int(self.indptr.shape[0] - 1)

    def nbytes(self) -> int:
        """Memory of the CSR and the surface, in bytes."""
        s = self.surface
        elev = s.elevation_m.nbytes if s.elevation_m is not None else 0
        return int(
            self.indptr.nbytes
            + self.indices.nbytes
            + self.weight_s.nbytes
            + s.flat_s_per_m.nbytes
            + elev
            + self.road_xy.nbytes
        )


def combined_csr(
    surface: Surface,
    *,
    road_xy: np.ndarray,
    arc_tail: np.ndarray,
    arc_head: np.ndarray,
    arc_time_s: np.ndarray,
    reverse: bool = False,
) -> CombinedGraph:
    """Cells, road nodes, road arcs and connectors as one CSR.

    Parameters
    ----------
    surface
        The walking surface.
    road_xy
        Metric positions of the road nodes (ids ``0 ..`` here, ``n_cells + i`` in the graph).
    arc_tail, arc_head, arc_time_s
        Road arcs in the direction of travel, seconds each.
    reverse
        Build the reversed graph.

    Returns
    -------
    CombinedGraph
    """
    n = surface.n_cells
    g_ptr, g_ix, g_w = grid_arcs(surface, reverse=reverse)
    road_xy = np.asarray(road_xy, np.float64).reshape(-1, 2)
    tail, head, w = side_arcs(
        surface,
        road_xy=road_xy,
        arc_tail=arc_tail,
        arc_head=arc_head,
        arc_time_s=arc_time_s,
        reverse=reverse,
    )
    ip, ix, wt = merge_csr(g_ptr, g_ix, g_w, n + road_xy.shape[0], tail, head, w)
    return CombinedGraph(surface, road_xy, ip, ix, wt, reverse)


def grid_graph(
    surface: Surface,
    *,
    road_xy: np.ndarray,
    arc_tail: np.ndarray,
    arc_head: np.ndarray,
    arc_time_s: np.ndarray,
    reverse: bool = False,
) -> GridGraph:
    """The graph of :func:`combined_csr` without its cell moves: those are computed on the fly.

    Same parameters as :func:`combined_csr`; only the road arcs and connectors are stored
    (:attr:`GridGraph.side_ptr` ...), so building it takes a fraction of a second and a few
    bytes per cell.
    """
    n = surface.n_cells
    road_xy = np.asarray(road_xy, np.float64).reshape(-1, 2)
    tail, head, w = side_arcs(
        surface,
        road_xy=road_xy,
        arc_tail=arc_tail,
        arc_head=arc_head,
        arc_time_s=arc_time_s,
        reverse=reverse,
    )
    empty = np.zeros(1, np.int64)
    ip, ix, wt = merge_csr(
        empty, np.empty(0, np.int32), np.empty(0, np.float32), n + road_xy.shape[0], tail, head, w
    )
    return GridGraph(surface, road_xy, ip, ix, wt, reverse)


def side_arcs(
    surface: Surface,
    *,
    road_xy: np.ndarray,
    arc_tail: np.ndarray,
    arc_head: np.ndarray,
    arc_time_s: np.ndarray,
    reverse: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Road arcs and cell <-> road connectors as ``(tail, head, seconds)`` over all nodes."""
    n = surface.n_cells
    cell = surface.cell_of(road_xy)
    flat = surface.flat_s_per_m.ravel()
    ok = cell >= 0
    ok[ok] = np.isfinite(flat[cell[ok]])
    node = np.flatnonzero(ok)
    c = cell[ok]
    walk = np.hypot(*(road_xy[node] - surface.cell_xy(c)).T) * flat[c]
    t, h = np.asarray(arc_tail, np.int64) + n, np.asarray(arc_head, np.int64) + n
    if reverse:
        t, h = h, t
    tail = np.concatenate([t, c, node + n])
    head = np.concatenate([h, node + n, c])
    w = np.concatenate([np.asarray(arc_time_s, np.float64), walk, walk])
    return tail, head, w


def grid_search(g: GridGraph, seeds: Seeds, labels: np.ndarray) -> ShortestPaths:
    """:func:`nearest_search` on a :class:`GridGraph`: the same distances, moves on the fly.

    ``pred`` of the result holds the previous *node* (not arc) of each path; walk it with
    :func:`grid_path_metres`.
    """
    item = seeds.item_of_entry()
    lab = np.asarray(labels, np.int32)[item]
    dist, label, pred = grid_search_kernel(  # type: ignore[call-arg]
        *g.kernel_args(),
        np.asarray(seeds.node, np.int32),
        np.asarray(seeds.cost, np.float64),
        lab,
        *g.buckets(),
    )
    return ShortestPaths(dist=dist, length=np.full(1, np.nan), label=label, pred=pred)


def arc_metres(g: CombinedGraph) -> np.ndarray:
    """Metres of every arc of ``g`` (arc order): the straight line between its two nodes.

    Cell moves join cell centres; connectors join a centre to a road point; road arcs join
    points at most half a cell apart along the road's geometry, so their chords follow it.
    """
    s = g.surface
    return arc_metres_kernel(  # type: ignore[no-any-return]
        g.indptr, g.indices, s.n_cells, s.shape[1], s.x0, s.y_top, s.cell_m, g.road_xy
    )


def grid_path_metres(
    g: GridGraph, pred: np.ndarray, start: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`path_metres` for the node predecessors of :func:`grid_search`."""
    s = g.surface
    return walk_node_tree(  # type: ignore[no-any-return]
        pred,
        np.asarray(start, np.int64),
        s.n_cells,
        s.shape[1],
        s.x0,
        s.y_top,
        s.cell_m,
        g.road_xy,
    )


@dataclass(frozen=True, eq=False)
class GridGraph:
    """Cells (moves computed by the search) plus road nodes and connectors as a side CSR.

    Attributes
    ----------
    surface, road_xy, reverse
        As in :class:`CombinedGraph`.
    side_ptr, side_ix, side_w
        CSR over every node (cells then road nodes): road arcs and connectors (``int64``,
        ``int32``, ``float32`` seconds).
    """

    surface: Surface
    road_xy: np.ndarray
    side_ptr: np.ndarray
    side_ix: np.ndarray
    side_w: np.ndarray
    reverse: bool
    _memo: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def n_nodes(self) -> int:
        """Cells plus road nodes."""
        return int(self.side_ptr.shape[0] - 1)

    def kernel_args(self) -> tuple[Any, ...]:
        """The search kernel's arguments but the seeds (built once per graph).

        See :func:`access.offroad_kernel.grid_search_kernel`: the surface, the moves,
        the side CSR and the bitmap of cells with side arcs.
        """
        if "args" not in self._memo:
            n = self.surface.n_cells
            bits = np.packbits(np.diff(self.side_ptr[: n + 1]) > 0, bitorder="little")
            self._memo["args"] = (
                *move_args(self.surface, reverse=self.reverse),
                self.side_ptr,
                self.side_ix,
                self.side_w,
                bits,
            )
        return tuple(self._memo["args"])

    def buckets(self) -> tuple[float, int]:
        """Bucket width (seconds) and ring size of the search's queue (computed once)."""
        if "buckets" not in self._memo:
            s = self.surface
            k = int(s.neighbours)
            longest = float(np.hypot(*np.array(OFFSETS[:k], float).T).max())
            self._memo["buckets"] = bucket_width(
                s.flat_s_per_m,
                s.cell_m,
                s.elevation_m is not None,
                self.side_w,
                longest * max_tobler_factor(s.max_slope if s.elevation_m is not None else 0.0),
            )
        return tuple(self._memo["buckets"])

    def nbytes(self) -> int:
        """Memory of the side graph, its bitmap and the surface, in bytes."""
        s = self.surface
        elev = s.elevation_m.nbytes if s.elevation_m is not None else 0
        return int(
            s.flat_s_per_m.nbytes * 2
            + n_bytes_bitmap(s.n_cells)
            + self.side_ptr.nbytes
            + self.side_ix.nbytes
            + self.side_w.nbytes
            + s.flat_s_per_m.nbytes
            + elev
            + self.road_xy.nbytes
        )


def n_bytes_bitmap(n: int) -> int:
    """Bytes of a bitmap over ``n`` cells."""
    return (n + 7) // 8


def point_seeds(surface: Surface, xy: np.ndarray) -> tuple[Seeds, np.ndarray]:
    """Each point joined to its cell (or the nearest passable one within ``snap_cells``).

    Returns
    -------
    (Seeds, ok)
        One item per point (no entry when it is ``off_surface``): node = cell, cost = seconds
        from the point to the cell's centre, length = those metres; ``ok`` marks points with
        a cell.
    """
    xy = np.asarray(xy, np.float64).reshape(-1, 2)
    flat = surface.flat_s_per_m.ravel()
    cell = surface.cell_of(xy)
    good = cell >= 0
    good[good] = np.isfinite(flat[cell[good]])
    bad = np.flatnonzero(~good)
    if bad.size and surface.snap_cells > 0:
        cell[bad] = _nearest_passable(surface, xy[bad])
        good = (cell >= 0) & np.isfinite(flat[np.clip(cell, 0, None)])
    dist = np.where(good, np.hypot(*(xy - surface.cell_xy(np.clip(cell, 0, None))).T), 0.0)
    cost = np.where(good, dist * flat[np.clip(cell, 0, None)], 0.0)
    ptr = np.zeros(xy.shape[0] + 1, np.int64)
    np.cumsum(good, out=ptr[1:])
    seeds = Seeds(
        ptr=ptr,
        node=cell[good].astype(np.int32),
        cost=cost[good].astype(np.float64),
        length=dist[good].astype(np.float64),
    )
    return seeds, good


def nearest_search(g: CombinedGraph, seeds: Seeds, labels: np.ndarray) -> ShortestPaths:
    """One multi-source search from ``seeds`` (item ``i`` labelled ``labels[i]``) on ``g``.

    Runs the engine's kernel directly on the ``float32`` CSR (no float64 copy of a graph
    of tens of millions of arcs); ``length`` of the result is not meaningful here (see
    :func:`path_metres`).
    """
    item = seeds.item_of_entry()
    lab = np.asarray(labels, np.int32)[item]
    dist, _, label, pred = multi_source_kernel(
        g.indptr,
        g.indices,
        g.weight_s,
        g.weight_s,
        np.asarray(seeds.node, np.int32),
        np.asarray(seeds.cost, np.float64),
        np.asarray(seeds.length, np.float64),
        lab,
        np.inf,
    )
    return ShortestPaths(dist=dist, length=np.full(1, np.nan), label=label, pred=pred)


def path_metres(
    g: CombinedGraph, pred: np.ndarray, start: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Metres off road and on road along the search tree from each start node to its source.

    Straight lines between consecutive nodes: cell centres and road points (which are at
    most half a cell apart along a road, so a road's metres are its chords).

    Returns
    -------
    (offroad_m, road_m)
        NaN where the start is ``-1`` or unreached.
    """
    s = g.surface
    arcs = np.asarray(pred, np.int64)
    # the search keeps the arc into each node: its tail is the node whose arcs hold it
    tails = np.searchsorted(g.indptr, np.maximum(arcs, 0), side="right") - 1
    return walk_node_tree(  # type: ignore[no-any-return]
        np.where(arcs >= 0, tails, -1).astype(np.int64),
        np.asarray(start, np.int64),
        s.n_cells,
        s.shape[1],
        s.x0,
        s.y_top,
        s.cell_m,
        g.road_xy,
    )


def split_edges(
    xy: np.ndarray,
    vert_ptr: np.ndarray,
    edges: np.ndarray,
    u_xy: np.ndarray,
    v_xy: np.ndarray,
    *,
    step_m: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points every ``step_m`` (at most) along edge geometries, from ``u`` towards ``v``.

    Parameters
    ----------
    xy, vert_ptr
        Metric vertices of every edge geometry (CSR over edge rows).
    edges
        Edge rows to split.
    u_xy, v_xy
        Metric positions of those edges' ``u`` and ``v`` nodes (to orient each geometry).
    step_m
        Largest spacing.

    Returns
    -------
    (pieces, points, edge_of_point)
        Pieces per edge (``>= 1``), the inner points (``pieces - 1`` per edge, in order from
        ``u``), and the position in ``edges`` each point belongs to.
    """
    import shapely

    edges = np.asarray(edges, np.int64)
    if not edges.size:
        return np.empty(0, np.int64), np.empty((0, 2)), np.empty(0, np.int64)
    counts = vert_ptr[edges + 1] - vert_ptr[edges]
    verts = xy[concat_ranges(vert_ptr[edges], counts)]
    lines = shapely.linestrings(verts, indices=np.repeat(np.arange(edges.size), counts))
    pieces = np.maximum(1, np.ceil(shapely.length(lines) / step_m)).astype(np.int64)
    first = shapely.get_coordinates(shapely.get_point(lines, 0))
    flip = np.hypot(*(first - v_xy).T) < np.hypot(*(first - u_xy).T)
    k = pieces - 1
    e_of = np.repeat(np.arange(edges.size), k)
    j = np.arange(e_of.size) - np.repeat(np.cumsum(k) - k, k) + 1
    frac = j / pieces[e_of]
    frac = np.where(flip[e_of], 1.0 - frac, frac)
    pts = shapely.get_coordinates(
        shapely.line_interpolate_point(lines[e_of], frac, normalized=True)
    ).reshape(-1, 2)
    return pieces, pts, e_of


# ---------------------------------------------------------------------------------------


def _nearest_passable(surface: Surface, xy: np.ndarray) -> np.ndarray:
    """The nearest passable cell within ``snap_cells`` of each point (``-1`` when none)."""
    k = surface.snap_cells
    rows, cols = surface.shape
    flat = surface.flat_s_per_m
    r0 = np.floor((surface.y_top - xy[:, 1]) / surface.cell_m).astype(np.int64)
    c0 = np.floor((xy[:, 0] - surface.x0) / surface.cell_m).astype(np.int64)
    dr, dc = np.meshgrid(np.arange(-k, k + 1), np.arange(-k, k + 1), indexing="ij")
    r = r0[:, None] + dr.ravel()[None, :]
    c = c0[:, None] + dc.ravel()[None, :]
    inside = (r >= 0) & (r < rows) & (c >= 0) & (c < cols)
    rr, cc = np.clip(r, 0, rows - 1), np.clip(c, 0, cols - 1)
    passable = inside & np.isfinite(flat[rr, cc])
    cx = surface.x0 + (cc + 0.5) * surface.cell_m
    cy = surface.y_top - (rr + 0.5) * surface.cell_m
    d = np.where(passable, np.hypot(cx - xy[:, :1], cy - xy[:, 1:]), np.inf)
    best = np.argmin(d, axis=1)
    pick = np.arange(xy.shape[0])
    ok = np.isfinite(d[pick, best])
    return np.where(ok, rr[pick, best] * cols + cc[pick, best], -1)
