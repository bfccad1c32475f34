"""A region's road geometry in its metric CRS, shared by every travel mode.

Projecting millions of edge vertices, finding which way each geometry runs and cutting the
geometries into straight segments do not depend on the mode: :func:`road_geometry` does them
once per (region, metric CRS) and keeps the result (a small in-memory memo), so the walk,
motorbike and car contexts of a national region share one copy. Only the snapping grid
depends on the mode (which edges points may join): :meth:`RoadGeometry.index` builds it per
distinct mask and reuses it when two modes allow the same edges.

Everything is read from :meth:`geodata.region.RoadNetwork.arrays`, so an array-backed
region (``load_region(..., roads="arrays")``) never builds a GeoDataFrame here.
"""

from __future__ import annotations

import hashlib
import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
from numba import njit
from pyproj import CRS, Transformer

from access.graph import CompiledGraph
from access.snapping import (
    SegmentGrid,
    SegmentTable,
    SnapIndex,
    segment_grid,
    segment_table,
)
from geodata.errors import CRSError
from geodata.memo import LruMemo
from geodata.region import Region
from geodata.schema import STORAGE_CRS

__all__ = ["RoadGeometry", "clear_road_geometry", "road_geometry", "transform_in_threads"]

_GRID_MEMO_SIZE = 2
_memo: LruMemo[tuple[str, str], RoadGeometry] = LruMemo(2)


@dataclass(frozen=True, eq=False)
class RoadGeometry:
    """Metric road geometry of one region (arrays; shared, read-only).

    Attributes
    ----------
    crs
        The metric CRS.
    segments
        Projected vertices and the straight segments of every edge
        (:class:`~access.snapping.SegmentTable`; ``segments.xy`` holds the vertices).
    vert_ptr
        Offsets of each edge row's vertices in ``segments.xy``.
    flip
        Whether an edge row's geometry is drawn from ``v`` to ``u``.
    lonlat_nodes
        Road node coordinates, lon/lat (projected on demand by :attr:`node_xy`).
    """

    crs: CRS
    segments: SegmentTable
    vert_ptr: np.ndarray
    flip: np.ndarray
    lonlat_nodes: np.ndarray
    _grids: LruMemo[str, SegmentGrid | None] = field(
        default_factory=lambda: LruMemo(_GRID_MEMO_SIZE), repr=False
    )  # contexts keep their own grids
    _nodes: list[np.ndarray] = field(default_factory=list, repr=False)  # metric node_xy
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def node_xy(self) -> np.ndarray:
        """Metric coordinates of every road node (projected once, on first use)."""
        with self._lock:
            if not self._nodes:
                xy = transform_in_threads(STORAGE_CRS, self.crs, self.lonlat_nodes)
                xy.flags.writeable = False
                self._nodes.append(xy)
            return self._nodes[0]

    def index(self, snappable: np.ndarray, usable: np.ndarray) -> SnapIndex:
        """The snapping index of one mode (grids shared between modes with equal masks).

        Parameters
        ----------
        snappable
            Edges points may join.
        usable
            Edges the mode may use (``usable & ~snappable`` is checked for road islands).
        """
        snappable = np.asarray(snappable, bool)
        island = np.asarray(usable, bool) & ~snappable
        return SnapIndex(
            edge_length=self.segments.edge_length,
            main=self._grid(snappable),
            island=self._grid(island) if island.any() else None,
        )

    def _grid(self, mask: np.ndarray) -> SegmentGrid | None:
        key = hashlib.sha1(np.packbits(mask).tobytes()).hexdigest() + str(mask.size)
        return self._grids.get_or_build(key, lambda: segment_grid(self.segments, mask))


def road_geometry(region: Region, crs: CRS, graph: CompiledGraph) -> RoadGeometry:
    """The memoised :class:`RoadGeometry` of ``region`` in ``crs``.

    ``graph`` (any mode's) gives the node positions of each edge's ends, which are the same
    in every mode.

    Raises
    ------
    CRSError
        When the road tables are not in EPSG:4326.
    """
    key = (region.fingerprint(), crs.to_string())
    return _memo.get_or_build(key, lambda: _build(region, crs, graph))


def clear_road_geometry() -> None:
    """Forget the road geometries held in memory."""
    _memo.clear()


def transform_in_threads(
    src: object, dst: object, xy: np.ndarray, *, threads: int | None = None, chunk: int = 1_000_000
) -> np.ndarray:
    """``xy`` from CRS ``src`` to ``dst`` (``always_xy``), in chunks over threads.

    pyproj releases the GIL while it transforms; a transformer is not shared between threads,
    so each chunk makes its own. The result equals one transformer's, value for value.

    >>> xy = np.array([[73.05, 33.70], [67.0, 30.2]])
    >>> one = np.column_stack(Transformer.from_crs(4326, 32643, always_xy=True).transform(*xy.T))
    >>> bool(np.array_equal(transform_in_threads(4326, 32643, xy, chunk=1), one))
    True
    """
    n = xy.shape[0]
    out = np.empty((n, 2))
    if n == 0:
        return out
    workers = max(1, min(threads or os.cpu_count() or 1, -(-n // chunk)))
    bounds = np.linspace(0, n, workers + 1).astype(np.int64)

    def part(k: int) -> None:
        a, b = bounds[k], bounds[k + 1]
        t = Transformer.from_crs(src, dst, always_xy=True)
        out[a:b, 0], out[a:b, 1] = t.transform(xy[a:b, 0], xy[a:b, 1])

    if workers == 1:
        part(0)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(part, range(workers)))
    return out


# ---------------------------------------------------------------------------------------


def _build(region: Region, crs: CRS, graph: CompiledGraph) -> RoadGeometry:
    arrays = region.roads.arrays()
    if arrays.crs is None or not CRS.from_user_input(arrays.crs).equals(
        CRS.from_user_input(STORAGE_CRS), ignore_axis_order=True
    ):
        raise CRSError(
            f"road edges are in {arrays.crs}, expected {STORAGE_CRS}; reproject with "
            f".to_crs('{STORAGE_CRS}') first (layers are never reprojected silently)"
        )
    xy = arrays.vertex_xy
    ptr = arrays.vertex_ptr
    nxy = arrays.node_xy
    node_metric = transform_in_threads(STORAGE_CRS, crs, nxy)
    metric, flip = _project_vertices(xy, ptr, nxy, node_metric, graph, crs)
    table = segment_table(metric, arrays.vertex_edge(), arrays.n_edges)
    node_metric.flags.writeable = False
    for a in (metric, table.start, table.seg_edge, table.seg_off, table.edge_length):
        a.flags.writeable = False
    return RoadGeometry(
        crs=crs,
        segments=table,
        vert_ptr=ptr,
        flip=flip,
        lonlat_nodes=nxy,
        _nodes=[node_metric],
    )


def _project_vertices(
    xy: np.ndarray,
    ptr: np.ndarray,
    nxy: np.ndarray,
    node_metric: np.ndarray,
    graph: CompiledGraph,
    crs: CRS,
) -> tuple[np.ndarray, np.ndarray]:
    """Metric vertices, and whether each geometry runs from ``v`` to ``u``.

    A geometry runs from the end node nearer its first vertex (an empty one from ``u``). An
    end vertex equal to its node's lon/lat (bit for bit) takes the node's projection: pyproj
    maps equal inputs to equal outputs, so this equals projecting every vertex, and an
    edge's two end vertices (most of a road graph's vertices) are not projected again. One
    compiled pass over the edges does both (it replaced numpy gathers over every vertex:
    0.9 s -> 0.1 s on the national graph's 7 M vertices).
    """
    xy = np.ascontiguousarray(xy, np.float64)
    nxy = np.ascontiguousarray(nxy, np.float64)
    metric, flip, done = _ends_kernel(
        xy,
        xy.view(np.int64),  # bit patterns: "equal" means bit for bit
        np.asarray(ptr, np.int64),
        nxy,
        nxy.view(np.int64),
        np.ascontiguousarray(node_metric, np.float64),
        np.asarray(graph.edge_u, np.int64),
        np.asarray(graph.edge_v, np.int64),
    )
    rest = np.flatnonzero(~done)
    if rest.size:
        metric[rest] = transform_in_threads(STORAGE_CRS, crs, xy[rest])
    return metric, flip


@njit(cache=True, nogil=True)
def _ends_kernel(xy, xy_bits, ptr, nxy, nxy_bits, node_metric, edge_u, edge_v):  # type: ignore[no-untyped-def]
    """Each edge's direction, and its end vertices' projections where they equal a node's."""
    n_edges = ptr.shape[0] - 1
    metric = np.empty_like(xy)
    done = np.zeros(xy.shape[0], np.bool_)
    flip = np.zeros(n_edges, np.bool_)
    for e in range(n_edges):
        a, b = ptr[e], ptr[e + 1]
        if b == a:
            continue  # empty geometry: runs from u
        u, v = edge_u[e], edge_v[e]
        x, y = xy[a, 0], xy[a, 1]
        du = math.hypot(x - nxy[u, 0], y - nxy[u, 1])
        dv = math.hypot(x - nxy[v, 0], y - nxy[v, 1])
        fl = dv < du
        flip[e] = fl
        first, last = (v, u) if fl else (u, v)
        for at, node in ((a, first), (b - 1, last)):
            if xy_bits[at, 0] == nxy_bits[node, 0] and xy_bits[at, 1] == nxy_bits[node, 1]:
                metric[at, 0] = node_metric[node, 0]
                metric[at, 1] = node_metric[node, 1]
                done[at] = True
    return metric, flip, done
