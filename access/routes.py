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
from access.search import multi_source_dijkstra
from access.speeds import TravelSettings
from geodata.errors import UnreachableError
from geodata.region import Region
from geodata.schema import STORAGE_CRS

__all__ = ["Route", "isochrones", "route"]


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
    ctx = travel_context(region, st)
    pts = gpd.GeoSeries([_as_point(origin), _as_point(destination)], crs=STORAGE_CRS)
    o_xy, d_xy = ctx.project_points(pts)
    over = surface_path(region, st, o_xy, d_xy)
    if over is not None:
        return _surface_route(ctx, over, origin, destination, st)
    snaps = ctx.snap(gpd.GeoDataFrame(geometry=pts), max_snap_m=st.max_snap_m)
    if (snaps.edge < 0).any():
        raise UnreachableError("the mode has no usable road in this region; nothing to route on")
    g = ctx.graph
    acc = access_seconds(snaps, st)
    ex = exit_seeds(g, snaps, acc)
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
    arr = arrival_seeds(g, snaps, acc)
    d_sl = slice(arr.ptr[1], arr.ptr[2])
    cand = arr.cost[d_sl] + sp.dist[arr.node[d_sl]]
    best, kind, k = np.inf, "", -1
    if cand.size and np.isfinite(cand.min()):
        k = int(np.argmin(cand))
        best, kind = float(cand[k]), "net"
    d_i, d_j, d_cost, d_len = same_edge_pairs(g, snaps, snaps)
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


def _surface_route(
    ctx: TravelContext,
    path: SurfacePath,
    origin: Point | tuple[float, float],
    destination: Point | tuple[float, float],
    st: TravelSettings,
) -> Route:
    """A :class:`Route` from a path over the surface (cells and roads)."""
    if not np.isfinite(path.seconds):
        raise UnreachableError(
            f"no {st.mode} route from {origin} to {destination} over the surface and roads "
            "(a point is off the surface or cut off by barriers: check the rasters' nodata)"
        )
    lon, lat = ctx.to_lonlat.transform(path.xy[:, 0], path.xy[:, 1])
    return Route(
        geometry=LineString(np.column_stack([lon, lat])),
        travel_min=path.seconds / 60.0,
        network_m=path.road_m,
        access_m=path.offroad_m,
    )
