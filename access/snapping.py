"""Join points to the road network at the nearest point of the nearest usable edge.

Everything here works in a projected metric CRS given by the caller (the region's
``metric_crs()``).

A point joins the network on the edge whose geometry is nearest, at the nearest point of
that edge, among the *snappable* edges (usable by the mode, not closed and, by default, part
of the largest strongly connected component). It then reaches the edge's end nodes along
the edge, each in the directions the mode allows. The off-road leg from the point to the
snap point is walked (see :class:`~access.speeds.TravelSettings`).

The index is a uniform grid over the edges' straight segments (numba), searched ring by
ring around each point until no closer segment can exist: exact nearest-segment answers,
no shapely geometry kept per edge (a national graph has millions of edges).

Flags: ``far_from_road`` when the off-road leg is longer than ``max_snap_m``;
``road_island`` when a usable edge outside the main component is nearer than the edge the
point was joined to (the point sits next to a broken-off road piece).

Examples
--------
>>> import shapely
>>> lines = np.array([shapely.LineString([(0, 0), (100, 0)])])
>>> idx = build_snap_index(lines, snappable=np.array([True]))
>>> s = snap_points(np.array([shapely.Point(30, 40)]), idx, max_snap_m=1000)
>>> float(s.fraction[0]), float(s.access_m[0])
(0.3, 40.0)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from numba import njit

__all__ = [
    "SegmentGrid",
    "SegmentTable",
    "SnapIndex",
    "Snaps",
    "build_snap_index",
    "build_snap_index_from_coords",
    "build_snap_index_from_segments",
    "segment_grid",
    "segment_table",
    "snap_points",
    "snap_xy",
]


@dataclass(frozen=True, eq=False)
class SegmentGrid:
    """Uniform grid over straight segments (arrays only)."""

    x1: np.ndarray
    y1: np.ndarray
    x2: np.ndarray
    y2: np.ndarray
    seg_edge: np.ndarray
    seg_off: np.ndarray
    cell_ptr: np.ndarray
    cell_seg: np.ndarray
    origin: tuple[float, float]
    cell_m: float
    shape: tuple[int, int]


@dataclass(frozen=True, eq=False)
class SnapIndex:
    """Spatial index over the edges points may join.

    Attributes
    ----------
    edge_length
        Length of each edge's geometry in the metric CRS (position = edge row).
    main
        Grid over the snappable edges (``None`` when no edge is snappable).
    island
        Grid over usable edges outside the main component (``None`` when there are none).
    """

    edge_length: np.ndarray
    main: SegmentGrid | None
    island: SegmentGrid | None


@dataclass(frozen=True, eq=False)
class Snaps:
    """Where each point joins the network (arrays aligned with the input points).

    Attributes
    ----------
    edge
        Edge row joined (``-1`` when there is no snappable edge at all).
    fraction
        Position of the snap point along the edge, 0 at its start, 1 at its end.
    access_m
        Straight-line metres from the point to the snap point (NaN when ``edge == -1``).
    snap_xy
        ``(n, 2)`` metric coordinates of the snap points.
    point_xy
        ``(n, 2)`` metric coordinates of the points themselves.
    far_from_road, road_island
        Flags, see the module docstring.
    """

    edge: np.ndarray
    fraction: np.ndarray
    access_m: np.ndarray
    snap_xy: np.ndarray
    point_xy: np.ndarray
    far_from_road: np.ndarray
    road_island: np.ndarray

    def __len__(self) -> int:
        """Number of points."""
        return int(self.edge.shape[0])


def build_snap_index(
    geoms: np.ndarray, *, snappable: np.ndarray, usable: np.ndarray | None = None
) -> SnapIndex:
    """Build the snapping index from metric LineStrings (one per edge row).

    Parameters
    ----------
    geoms
        Metric LineStrings, one per edge row.
    snappable
        Boolean mask of edges points may join.
    usable
        Boolean mask of edges the mode may use at all (default: ``snappable``); the
        difference ``usable & ~snappable`` is checked for ``road_island`` flags.

    Returns
    -------
    SnapIndex
    """
    xy, idx = shapely.get_coordinates(np.asarray(geoms, dtype=object), return_index=True)
    return build_snap_index_from_coords(xy, idx, len(geoms), snappable=snappable, usable=usable)


def build_snap_index_from_coords(
    xy: np.ndarray,
    idx: np.ndarray,
    n_edges: int,
    *,
    snappable: np.ndarray,
    usable: np.ndarray | None = None,
) -> SnapIndex:
    """Build the snapping index from edge vertex coordinates (``xy``, edge of each vertex).

    Returns
    -------
    SnapIndex
    """
    return build_snap_index_from_segments(
        segment_table(xy, idx, n_edges), snappable=snappable, usable=usable
    )


@dataclass(frozen=True, eq=False)
class SegmentTable:
    """Every straight segment of every edge geometry (the mode-independent part of an index).

    Attributes
    ----------
    xy
        ``(m, 2)`` metric vertex coordinates.
    start
        Vertex position where each segment starts (it ends at ``start + 1``).
    seg_edge
        Edge row of each segment.
    seg_off
        Metres along the edge's geometry before each segment.
    edge_length
        Length of each edge's geometry.
    """

    xy: np.ndarray
    start: np.ndarray
    seg_edge: np.ndarray
    seg_off: np.ndarray
    edge_length: np.ndarray


def segment_table(xy: np.ndarray, idx: np.ndarray, n_edges: int) -> SegmentTable:
    """The segments of edge geometries given by their vertices (``idx``: edge of each).

    One compiled pass; its sums run in the order numpy's ``cumsum`` and ``bincount`` use,
    so the offsets and lengths equal theirs to the last bit.
    """
    idx = np.ascontiguousarray(idx, np.int64)
    xy = np.ascontiguousarray(xy, np.float64)
    k, seg_edge, seg_off, edge_length = _segments(xy, idx, int(n_edges))
    return SegmentTable(xy, k, seg_edge, seg_off, edge_length)


def build_snap_index_from_segments(
    table: SegmentTable, *, snappable: np.ndarray, usable: np.ndarray | None = None
) -> SnapIndex:
    """Build the snapping index of the ``snappable`` (and ``usable``) edges of ``table``.

    Returns
    -------
    SnapIndex
    """
    snappable = np.asarray(snappable, bool)
    island = (np.asarray(usable, bool) & ~snappable) if usable is not None else None
    return SnapIndex(
        edge_length=table.edge_length,
        main=segment_grid(table, snappable),
        island=segment_grid(table, island) if island is not None and island.any() else None,
    )


def segment_grid(table: SegmentTable, mask: np.ndarray) -> SegmentGrid | None:
    """The uniform grid over the segments of the edges in ``mask`` (``None``: none)."""
    k, xy, seg_edge = table.start, table.xy, table.seg_edge
    sel = np.flatnonzero(mask[seg_edge]) if k.size else k
    if not sel.size:
        return None
    kk = k[sel]
    x1, y1, x2, y2 = xy[kk, 0], xy[kk, 1], xy[kk + 1, 0], xy[kk + 1, 1]
    minx, miny = min(x1.min(), x2.min()), min(y1.min(), y2.min())
    maxx, maxy = max(x1.max(), x2.max()), max(y1.max(), y2.max())
    area = max((maxx - minx) * (maxy - miny), 1.0)
    cell = max(float(np.sqrt(area / sel.size)) * 2.0, 1.0)
    nx = int((maxx - minx) // cell) + 1
    ny = int((maxy - miny) // cell) + 1
    cell_ptr, cell_seg = _bucket(x1, y1, x2, y2, minx, miny, cell, nx, ny)
    return SegmentGrid(
        x1,
        y1,
        x2,
        y2,
        seg_edge[sel].astype(np.int64),
        table.seg_off[sel],
        cell_ptr,
        cell_seg,
        (float(minx), float(miny)),
        cell,
        (nx, ny),
    )


def snap_points(points: np.ndarray, index: SnapIndex, *, max_snap_m: float) -> Snaps:
    """Snap metric points to the nearest point of the nearest snappable edge.

    Parameters
    ----------
    points
        Metric shapely Points (same CRS as the index).
    index
        From :func:`build_snap_index`.
    max_snap_m
        Off-road legs longer than this get the ``far_from_road`` flag.

    Returns
    -------
    Snaps
    """
    pts = np.asarray(points, dtype=object)
    xy = shapely.get_coordinates(pts).reshape(-1, 2)
    return snap_xy(xy, index, max_snap_m=max_snap_m)


def snap_xy(xy: np.ndarray, index: SnapIndex, *, max_snap_m: float) -> Snaps:
    """:func:`snap_points` on an ``(n, 2)`` array of metric coordinates."""
    xy = np.ascontiguousarray(xy, dtype=np.float64).reshape(-1, 2)
    n = xy.shape[0]
    edge = np.full(n, -1, np.int64)
    frac = np.zeros(n)
    access = np.full(n, np.nan)
    snapped = np.full((n, 2), np.nan)
    island = np.zeros(n, bool)
    g = index.main
    if n and g is not None:
        seg, dist, t = _query(xy, g)
        ok = seg >= 0
        s = seg[ok]
        edge[ok] = g.seg_edge[s]
        access[ok] = dist[ok]
        sx = g.x1[s] + t[ok] * (g.x2[s] - g.x1[s])
        sy = g.y1[s] + t[ok] * (g.y2[s] - g.y1[s])
        snapped[ok] = np.column_stack([sx, sy])
        seg_len = np.hypot(g.x2[s] - g.x1[s], g.y2[s] - g.y1[s])
        total = index.edge_length[edge[ok]]
        along = g.seg_off[s] + t[ok] * seg_len
        frac[ok] = np.where(total > 0, along / np.where(total > 0, total, 1.0), 0.0)
        if index.island is not None:
            _, d_isl, _ = _query(xy, index.island)
            island = d_isl < access
    far = ~(access <= max_snap_m)
    return Snaps(
        edge=edge,
        fraction=np.clip(frac, 0.0, 1.0),
        access_m=access,
        snap_xy=snapped,
        point_xy=xy.copy(),
        far_from_road=far,
        road_island=island,
    )


# ---------------------------------------------------------------------------------------


def _query(xy: np.ndarray, g: SegmentGrid) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return _query_kernel(  # type: ignore[no-any-return]
        xy,
        g.x1,
        g.y1,
        g.x2,
        g.y2,
        g.cell_ptr,
        g.cell_seg,
        g.origin[0],
        g.origin[1],
        g.cell_m,
        g.shape[0],
        g.shape[1],
    )


@njit(cache=True)
def _segments(xy, idx, n_edges):  # type: ignore[no-untyped-def]
    m = idx.shape[0]
    cnt = 0
    for i in range(m - 1):
        if idx[i + 1] == idx[i]:
            cnt += 1
    k = np.empty(cnt, np.int64)  # segment c runs from vertex k[c] to vertex k[c] + 1
    seg_edge = np.empty(cnt, np.int64)
    seg_off = np.empty(cnt)
    edge_length = np.zeros(n_edges)
    c = 0
    acc = 0.0  # cumsum of segment lengths
    run0 = 0.0  # (cumsum - length) at the first segment of the current edge
    for i in range(m - 1):
        if idx[i + 1] != idx[i]:
            continue
        e = idx[i]
        seg = np.hypot(xy[i + 1, 0] - xy[i, 0], xy[i + 1, 1] - xy[i, 1])
        acc += seg
        cs = acc - seg
        if c == 0 or seg_edge[c - 1] != e:
            run0 = cs
        k[c] = i
        seg_edge[c] = e
        seg_off[c] = cs - run0
        edge_length[e] += seg
        c += 1
    return k, seg_edge, seg_off, edge_length


@njit(cache=True)
def _bucket(x1, y1, x2, y2, minx, miny, cell, nx, ny):  # type: ignore[no-untyped-def]
    m = x1.shape[0]
    counts = np.zeros(nx * ny + 1, np.int64)
    for pass_ in range(2):
        if pass_ == 1:
            ptr = np.zeros(nx * ny + 1, np.int64)
            for c in range(nx * ny):
                ptr[c + 1] = ptr[c] + counts[c]
            fill = ptr[:-1].copy()
            out = np.empty(ptr[-1], np.int64)
        for s in range(m):
            ax = int((min(x1[s], x2[s]) - minx) // cell)
            bx = int((max(x1[s], x2[s]) - minx) // cell)
            ay = int((min(y1[s], y2[s]) - miny) // cell)
            by = int((max(y1[s], y2[s]) - miny) // cell)
            for i in range(max(ax, 0), min(bx, nx - 1) + 1):
                for j in range(max(ay, 0), min(by, ny - 1) + 1):
                    c = i * ny + j
                    if pass_ == 0:
                        counts[c] += 1
                    else:
                        out[fill[c]] = s
                        fill[c] += 1
    return ptr, out


@njit(cache=True, nogil=True)
def _query_kernel(  # type: ignore[no-untyped-def]
    xy, x1, y1, x2, y2, cell_ptr, cell_seg, ox, oy, cell, nx, ny
):
    n = xy.shape[0]
    best_seg = np.full(n, -1, np.int64)
    best_d = np.full(n, np.inf)
    best_t = np.zeros(n)
    rmax = max(nx, ny)
    for p in range(n):
        px = xy[p, 0]
        py = xy[p, 1]
        cx = min(max(int((px - ox) // cell), 0), nx - 1)
        cy = min(max(int((py - oy) // cell), 0), ny - 1)
        bd2 = np.inf
        bs = -1
        bt = 0.0
        for r in range(rmax + 1):
            for i in range(cx - r, cx + r + 1):
                if i < 0 or i >= nx:
                    continue
                on_edge_i = i == cx - r or i == cx + r
                for j in range(cy - r, cy + r + 1):
                    if j < 0 or j >= ny:
                        continue
                    if not on_edge_i and j != cy - r and j != cy + r:
                        continue
                    c = i * ny + j
                    for k in range(cell_ptr[c], cell_ptr[c + 1]):
                        s = cell_seg[k]
                        dx = x2[s] - x1[s]
                        dy = y2[s] - y1[s]
                        ll = dx * dx + dy * dy
                        t = 0.0
                        if ll > 0:
                            t = ((px - x1[s]) * dx + (py - y1[s]) * dy) / ll
                            t = min(max(t, 0.0), 1.0)
                        qx = x1[s] + t * dx - px
                        qy = y1[s] + t * dy - py
                        d2 = qx * qx + qy * qy
                        if d2 < bd2 or (d2 == bd2 and s < bs):
                            bd2 = d2
                            bs = s
                            bt = t
            if bs >= 0 and np.sqrt(bd2) <= r * cell:
                break
        best_seg[p] = bs
        best_d[p] = np.sqrt(bd2)
        best_t[p] = bt
    return best_seg, best_d, best_t
