"""Routes and isochrones: drawn answers over a region's road network.

- :func:`route` - the fastest path between two points as a LineString.
- :func:`isochrones` - polygons reachable from/to the centres within time bands.

When the region's off-road surface is in use, both go over it instead
(:func:`access.offroad_outputs.surface_path`, :func:`access.offroad_outputs.raster_isochrones`).
On roads they search the full (uncontracted) graph, because every shape point's time is
needed, and use the same seeds (:mod:`access.attach`) and searches (:mod:`access.search`) as the
queries of :mod:`access.queries`. Times in minutes, geometries in EPSG:4326.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import shapely.ops
from shapely.geometry import LineString, Point

from access.attach import access_seconds, arrival_seeds, exit_seeds, same_edge_pairs
from access.context import TravelContext, resolve_settings, site_table, travel_context
from access.graph import CompiledGraph
from access.offroad_outputs import (
    SurfacePath,
    raster_isochrones,
    surface_path,
    travel_time_raster,
)
from access.offroad_region import resolve_offroad
from access.search import Seeds, ShortestPaths, multi_source_dijkstra
from access.snapping import Snaps
from access.speeds import TravelSettings
from geodata.errors import UnreachableError
from geodata.region import Region
from geodata.schema import STORAGE_CRS

__all__ = ["Route", "isochrones", "route", "routes"]


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
        Straight-line off-road metres at both ends (over a surface: every off-road piece).
    """

    geometry: LineString
    travel_min: float
    network_m: float
    access_m: float


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
    st = resolve_settings(settings, mode)
    (found,) = routes(region, [_as_point(origin), _as_point(destination)], [(0, 1)], settings=st)
    if found is not None:
        return found
    if resolve_offroad(region, st) is not None:
        raise UnreachableError(
            f"no {st.mode} route from {origin} to {destination} over the surface and roads "
            "(a point is off the surface or cut off by barriers: check the rasters' nodata)"
        )
    raise UnreachableError(
        f"no {st.mode} route from {origin} to {destination} on this road network "
        "(check closures, one-way streets, points far from any road, or try another mode)"
    )


def routes(
    region: Region,
    points: Sequence[Point | tuple[float, float]] | gpd.GeoSeries,
    pairs: Sequence[tuple[int, int]],
    *,
    settings: TravelSettings | None = None,
    mode: str | None = None,
) -> list[Route | None]:
    """Fastest paths between many pairs of points: one snap, one search per origin.

    The same answer as :func:`route` for each pair (which calls this), for a van's legs or
    any list of trips: the points are projected and snapped once, the same-edge pairs found
    once, and each distinct origin searched once.

    Parameters
    ----------
    region
        The region.
    points
        Points (lon/lat, EPSG:4326): Shapely Points, ``(lon, lat)`` tuples or a GeoSeries.
    pairs
        ``(origin, destination)`` positions in ``points``.
    settings, mode
        See :func:`nearest_centre`.

    Returns
    -------
    list of Route or None
        One per pair, in order; None when the destination cannot be reached (or a point is
        farther than ``max_snap_m`` from any road the mode may use).
    """
    st = resolve_settings(settings, mode)
    ctx = travel_context(region, st)
    geoms = points if isinstance(points, gpd.GeoSeries) else [_as_point(p) for p in points]
    pts = gpd.GeoSeries(np.asarray(geoms, dtype=object), crs=STORAGE_CRS)
    xy = np.asarray(ctx.project_points(pts), dtype=np.float64).reshape(-1, 2)
    if resolve_offroad(region, st) is not None:
        return [_surface_pair(region, ctx, st, xy, o, d) for o, d in pairs]
    snaps = ctx.snap(gpd.GeoDataFrame(geometry=pts), max_snap_m=st.max_snap_m)
    trips = _RoadTrips.prepare(ctx, snaps, st)
    searched: dict[int, ShortestPaths] = {}
    out: list[Route | None] = []
    for o, d in pairs:
        if snaps.edge[o] < 0 or snaps.edge[d] < 0:
            out.append(None)
            continue
        if o not in searched:
            searched[o] = trips.search(o)
        out.append(trips.route(o, d, searched[o], xy))
    return out


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
    st = resolve_settings(settings, mode)
    if resolve_offroad(region, st) is not None:  # the surface's cells, not buffered roads
        raster = travel_time_raster(region, settings=st, centres=centres)
        return raster_isochrones(raster, bands_min=tuple(float(b) for b in bands_min))
    ctx = travel_context(region, st)
    sites = site_table(region, centres)
    c_snap = ctx.snap(sites, max_snap_m=st.max_snap_m)
    g = ctx.graph
    # every node's time (shape points included) is needed: search the full reversed graph
    arr = arrival_seeds(g, c_snap, access_seconds(c_snap, st))
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


# ---------------------------------------------------------------------------------------


def _as_point(p: Point | tuple[float, float]) -> Point:
    return p if isinstance(p, Point) else Point(float(p[0]), float(p[1]))


def _arc_tail(g: CompiledGraph, a: int) -> int:
    """Node an arc of the forward CSR leaves from."""
    return int(np.searchsorted(g.indptr, a, side="right") - 1)


def _gpos(ctx: TravelContext, e: int, frac_from_u: float) -> float:
    """Position along edge ``e``'s geometry (0..1) of a fraction measured from ``u``."""
    return 1.0 - frac_from_u if ctx.flip[e] else frac_from_u


def _node_gpos(ctx: TravelContext, e: int, node: int) -> float:
    """Position along edge ``e``'s geometry (0 or 1) of its end ``node``."""
    at_u = int(ctx.graph.edge_u[e]) == node
    return _gpos(ctx, e, 0.0 if at_u else 1.0)


def _piece(line: LineString, start: float, end: float) -> np.ndarray:
    """Coordinates of ``line`` from normalised position ``start`` to ``end`` (may reverse)."""
    if start == end:
        point = shapely.line_interpolate_point(line, start, normalized=True)
        return np.asarray(shapely.get_coordinates(point))
    lo, hi = min(start, end), max(start, end)
    if lo <= 0.0 and hi >= 1.0:
        xy = np.asarray(shapely.get_coordinates(line))
    else:
        xy = np.asarray(
            shapely.get_coordinates(shapely.ops.substring(line, lo, hi, normalized=True))
        )
    return xy[::-1] if start > end else xy


def _surface_route(ctx: TravelContext, path: SurfacePath) -> Route:
    """A :class:`Route` from a path over the surface (cells and roads)."""
    lon, lat = ctx.to_lonlat.transform(path.xy[:, 0], path.xy[:, 1])
    return Route(
        geometry=LineString(np.column_stack([lon, lat])),
        travel_min=path.seconds / 60.0,
        network_m=path.road_m,
        access_m=path.offroad_m,
    )


def _surface_pair(
    region: Region, ctx: TravelContext, st: TravelSettings, xy: np.ndarray, o: int, d: int
) -> Route | None:
    """One pair's :class:`Route` over the surface (None when unreached)."""
    over = surface_path(region, st, xy[o], xy[d])
    if over is None or not np.isfinite(over.seconds):
        return None
    return _surface_route(ctx, over)


@dataclass(frozen=True)
class _RoadTrips:
    """Snapped points and their seeds on the road graph, ready for one search per origin."""

    ctx: TravelContext
    snaps: Snaps
    st: TravelSettings
    acc: np.ndarray
    ex: Seeds
    arr: Seeds
    direct: dict[tuple[int, int], tuple[float, float]]

    @classmethod
    def prepare(cls, ctx: TravelContext, snaps: Snaps, st: TravelSettings) -> _RoadTrips:
        g = ctx.graph
        acc = access_seconds(snaps, st)
        d_i, d_j, d_cost, d_len = same_edge_pairs(g, snaps, snaps)
        direct: dict[tuple[int, int], tuple[float, float]] = {}
        for i, j, c, ln in zip(
            d_i.tolist(), d_j.tolist(), d_cost.tolist(), d_len.tolist(), strict=True
        ):
            if (i, j) not in direct:
                direct[(i, j)] = (c, ln)
        return cls(
            ctx, snaps, st, acc, exit_seeds(g, snaps, acc), arrival_seeds(g, snaps, acc), direct
        )

    def search(self, o: int) -> ShortestPaths:
        """The full search from point ``o``'s exit seeds."""
        g, ex = self.ctx.graph, self.ex
        sl = slice(ex.ptr[o], ex.ptr[o + 1])
        return multi_source_dijkstra(
            g.indptr,
            g.indices,
            g.weight_s,
            ex.node[sl],
            source_costs=ex.cost[sl],
            lengths=g.length_m,
            source_lengths=ex.length[sl],
        )

    def route(self, o: int, d: int, sp: ShortestPaths, xy: np.ndarray) -> Route | None:
        """Pair ``(o, d)``'s :class:`Route` from origin ``o``'s search ``sp``."""
        ctx, snaps, st, acc, arr = self.ctx, self.snaps, self.st, self.acc, self.arr
        d_sl = slice(arr.ptr[d], arr.ptr[d + 1])
        cand = arr.cost[d_sl] + sp.dist[arr.node[d_sl]]
        best, kind, k = np.inf, "", -1
        if cand.size and np.isfinite(cand.min()):
            k = int(np.argmin(cand))
            best, kind = float(cand[k]), "net"
        on_edge = self.direct.get((o, d))
        if on_edge is not None and on_edge[0] + acc[o] + acc[d] <= best:
            best, kind = float(on_edge[0] + acc[o] + acc[d]), "direct"
        straight_m = float(np.hypot(*(snaps.point_xy[o] - snaps.point_xy[d])))
        if straight_m <= st.max_snap_m and straight_m / st.offroad_speed_mps < best:
            line = snaps.point_xy[[o, d]]
            lon, lat = ctx.to_lonlat.transform(line[:, 0], line[:, 1])
            return Route(
                geometry=LineString(np.column_stack([lon, lat])),
                travel_min=straight_m / st.offroad_speed_mps / 60.0,
                network_m=0.0,
                access_m=straight_m,
            )
        if not np.isfinite(best):
            return None
        coords: list[np.ndarray] = [xy[o][None, :], snaps.snap_xy[o][None, :]]
        if kind == "direct":
            assert on_edge is not None
            e = int(snaps.edge[o])
            coords.append(
                _piece(
                    ctx.geom(e), _gpos(ctx, e, snaps.fraction[o]), _gpos(ctx, e, snaps.fraction[d])
                )
            )
            net_m = float(on_edge[1])
        else:
            end_node = int(arr.node[d_sl][k])
            coords += _road_pieces(
                ctx,
                sp,
                int(snaps.edge[o]),
                float(snaps.fraction[o]),
                int(snaps.edge[d]),
                float(snaps.fraction[d]),
                end_node,
            )
            net_m = float(sp.length[end_node] + arr.length[d_sl][k])
        coords += [snaps.snap_xy[d][None, :], xy[d][None, :]]
        line = np.concatenate(coords)
        keep = np.r_[True, np.any(np.abs(np.diff(line, axis=0)) > 1e-9, axis=1)]
        line = line[keep]
        if line.shape[0] == 1:
            line = np.vstack([line, line])
        lon, lat = ctx.to_lonlat.transform(line[:, 0], line[:, 1])
        return Route(
            geometry=LineString(np.column_stack([lon, lat])),
            travel_min=best / 60.0,
            network_m=net_m,
            access_m=float(snaps.access_m[o] + snaps.access_m[d]),
        )


def _road_pieces(
    ctx: TravelContext, sp: ShortestPaths, e0: int, f0: float, e1: int, f1: float, end_node: int
) -> list[np.ndarray]:
    """Coordinates from the origin's snap along the search's arcs to the destination's snap."""
    g = ctx.graph
    arcs = []
    x = end_node
    while sp.pred[x] >= 0:
        a = int(sp.pred[x])
        arcs.append(a)
        x = _arc_tail(g, a)
    start_node = x
    arcs.reverse()
    coords = [_piece(ctx.geom(e0), _gpos(ctx, e0, f0), _node_gpos(ctx, e0, start_node))]
    for a in arcs:
        e = int(g.arc_edge[a])
        tail = _arc_tail(g, a)
        coords.append(_piece(ctx.geom(e), _node_gpos(ctx, e, tail), 1 - _node_gpos(ctx, e, tail)))
    coords.append(_piece(ctx.geom(e1), _node_gpos(ctx, e1, end_node), _gpos(ctx, e1, f1)))
    return coords
