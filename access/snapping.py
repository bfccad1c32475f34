"""Join points to the road network at the nearest point of the nearest usable edge.

Everything here works in a projected metric CRS given by the caller (the region's
``metric_crs()``); a geographic CRS raises :class:`~geodata.errors.CRSError`.

A point joins the network on the edge whose geometry is nearest (shapely ``STRtree`` over
the *snappable* edges: usable by the mode, not closed and, by default, part of the largest
strongly connected component), at the nearest point of that edge. It then reaches the
edge's end nodes along the edge, each in the directions the mode allows. The off-road
leg from the point to the snap point is walked (see :class:`~access.speeds.TravelSettings`).

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

__all__ = ["SnapIndex", "Snaps", "build_snap_index", "snap_points"]


@dataclass(frozen=True, eq=False)
class SnapIndex:
    """Spatial index over the edges points may join.

    Attributes
    ----------
    geoms
        Metric LineStrings of *all* edges (position = edge row).
    rows
        Edge rows that are snappable, in tree order.
    tree
        ``STRtree`` over ``geoms[rows]`` (``None`` when no edge is snappable).
    island_rows, island_tree
        Usable edges outside the main component, to detect ``road_island`` points.
    """

    geoms: np.ndarray
    rows: np.ndarray
    tree: shapely.STRtree | None
    island_rows: np.ndarray
    island_tree: shapely.STRtree | None


@dataclass(frozen=True, eq=False)
class Snaps:
    """Where each point joins the network (arrays aligned with the input points).

    Attributes
    ----------
    edge
        Edge row joined (``-1`` when there is no snappable edge at all).
    fraction
        Position of the snap point along the edge geometry, 0 at its start, 1 at its end.
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
        return int(self.edge.shape[0])


def build_snap_index(
    geoms: np.ndarray, *, snappable: np.ndarray, usable: np.ndarray | None = None
) -> SnapIndex:
    """Build the snapping index.

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
    geoms = np.asarray(geoms, dtype=object)
    rows = np.flatnonzero(snappable)
    tree = shapely.STRtree(geoms[rows]) if rows.size else None
    island = np.flatnonzero(usable & ~snappable) if usable is not None else np.empty(0, np.int64)
    island_tree = shapely.STRtree(geoms[island]) if island.size else None
    return SnapIndex(geoms=geoms, rows=rows, tree=tree, island_rows=island, island_tree=island_tree)


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
    points = np.asarray(points, dtype=object)
    n = points.shape[0]
    edge = np.full(n, -1, np.int64)
    frac = np.zeros(n)
    access = np.full(n, np.nan)
    snap_xy = np.full((n, 2), np.nan)
    island = np.zeros(n, bool)
    if n and index.tree is not None:
        # all_matches=False: one nearest edge per point (ties broken by the tree order)
        q, d = index.tree.query_nearest(points, return_distance=True, all_matches=False)
        edge[q[0]] = index.rows[q[1]]
        access[q[0]] = d
        lines = index.geoms[edge[q[0]]]
        frac[q[0]] = shapely.line_locate_point(lines, points[q[0]], normalized=True)
        length = shapely.length(lines)
        frac[q[0]] = np.where(length > 0, frac[q[0]], 0.0)
        snapped = shapely.line_interpolate_point(lines, frac[q[0]], normalized=True)
        snap_xy[q[0]] = shapely.get_coordinates(snapped)
        if index.island_tree is not None:
            qi, di = index.island_tree.query_nearest(
                points, return_distance=True, all_matches=False
            )
            island[qi[0]] = di < access[qi[0]]
    far = ~(access <= max_snap_m)
    return Snaps(
        edge=edge,
        fraction=np.clip(frac, 0.0, 1.0),
        access_m=access,
        snap_xy=snap_xy,
        point_xy=shapely.get_coordinates(points).reshape(n, 2),
        far_from_road=far,
        road_island=island,
    )
