"""A region prepared for travel-time queries: compiled graph, metric CRS and snapping.

:func:`travel_context` returns the memoised :class:`TravelContext` of one (region, travel
settings): the mode's :class:`~access.graph.CompiledGraph`, transformers to and from the
region's metric CRS, the snapping index and memoised snaps of the tables that are queried
again and again (settlements, centres). It also resolves the shared query arguments:
:func:`resolve_settings` (``settings`` and the ``mode`` shortcut), :func:`site_table`
(``"centres"``, ``"candidates"`` or a GeoDataFrame) and :func:`point_table` (points or ids).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Transformer
from shapely.geometry import LineString

from access.graph import (
    CompiledGraph,
    clear_memory_cache,
    compile_graph,
    forget_graph,
    graph_key,
)
from access.road_geometry import clear_road_geometry, road_geometry, transform_in_threads
from access.snapping import SnapIndex, Snaps, snap_xy
from access.speeds import TravelSettings
from geodata.errors import CRSError, SchemaError
from geodata.memo import LruMemo
from geodata.region import Region
from geodata.schema import STORAGE_CRS

__all__ = [
    "TravelContext",
    "clear_travel_contexts",
    "point_table",
    "release_travel_context",
    "require_storage_crs",
    "resolve_settings",
    "site_table",
    "transform_in_threads",
    "travel_context",
]

T = TypeVar("T")

_snap_memo: LruMemo[tuple[str, str], TravelContext] = LruMemo(4)


class TravelContext:
    """Compiled graph, metric CRS and snapping index for one (region, settings).

    Attributes
    ----------
    crs
        The region's projected metric CRS.
    graph
        The mode's compiled graph.
    to_metric, to_lonlat
        Transformers EPSG:4326 <-> ``crs`` (x = lon/east first).
    metric_xy, vert_ptr
        Vertices of every edge row's geometry in ``crs`` (CSR over edge rows).
    flip
        Whether an edge row's geometry is drawn from ``v`` to ``u``.
    node_xy
        Metric coordinates of every road node.
    index
        The snapping index over usable edges.
    """

    def __init__(self, region: Region, graph: CompiledGraph) -> None:
        crs = CRS.from_user_input(region.metric_crs())
        if not crs.is_projected:
            raise CRSError(
                f"the region's metric CRS {crs.to_string()} is not projected; set "
                "metadata['metric_crs'] to a UTM zone (e.g. 'EPSG:32643')"
            )
        geo = road_geometry(region, crs, graph)
        self.crs = crs
        self.graph = graph
        self.to_metric = Transformer.from_crs(STORAGE_CRS, crs, always_xy=True)
        self.to_lonlat = Transformer.from_crs(crs, STORAGE_CRS, always_xy=True)
        self.metric_xy = geo.segments.xy
        self.vert_ptr = geo.vert_ptr
        self.flip = geo.flip
        self._geo = geo
        self._snaps: LruMemo[tuple[str, float], Snaps] = LruMemo(8)
        self._derived: LruMemo[tuple[str, int, int], tuple[Any, Any, Any]] = LruMemo(32)
        self.index: SnapIndex = geo.index(graph.edge_snappable, np.isfinite(graph.edge_time_s))

    @property
    def node_xy(self) -> np.ndarray:
        """Metric coordinates of every road node (projected on first use)."""
        return self._geo.node_xy

    def derived(self, name: str, a: Snaps, b: Snaps | None, fn: Callable[[], T]) -> T:
        """Memoise ``fn()``, a value derived from memoised snaps ``a`` (and ``b``) only."""
        key = (name, id(a), id(b))
        hit = self._derived.get(key)
        if hit is not None and hit[0] is a and hit[1] is b:
            cached: T = hit[2]
            return cached
        value = fn()
        self._derived.put(key, (a, b, value))
        return value

    def geom(self, e: int) -> LineString:
        """Metric geometry of edge row ``e``."""
        return LineString(self.metric_xy[self.vert_ptr[e] : self.vert_ptr[e + 1]])

    def geoms(self) -> np.ndarray:
        """Metric geometries of every edge row (built on demand)."""
        idx = np.repeat(np.arange(self.vert_ptr.size - 1), np.diff(self.vert_ptr))
        return np.asarray(shapely.linestrings(self.metric_xy, indices=idx), dtype=object)

    def project_points(self, pts: gpd.GeoSeries) -> tuple[np.ndarray, ...]:
        """Metric ``(x, y)`` of each point, one array per point."""
        xy = shapely.get_coordinates(np.asarray(pts.values, dtype=object))
        mx, my = self.to_metric.transform(xy[:, 0], xy[:, 1])
        return tuple(np.column_stack([mx, my]))

    def snap(self, points: gpd.GeoDataFrame | gpd.GeoSeries, *, max_snap_m: float) -> Snaps:
        """Where each point joins the network (memoised by coordinates; read-only arrays).

        ``Snaps.fraction`` is measured from the edge's ``u`` node towards ``v``.

        Raises
        ------
        CRSError
            When the points are not in EPSG:4326.
        SchemaError
            When a geometry is not a Point.
        """
        require_storage_crs(points, "points")
        geoms = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
        arr = np.asarray(geoms.values, dtype=object)
        if len(arr) and not (shapely.get_type_id(arr) == 0).all():
            raise SchemaError("every geometry must be a Point", source="points")
        xy = shapely.get_coordinates(arr)
        # the same tables are snapped again and again (settlements, centres): memoise by
        # the coordinates themselves
        key = (hashlib.sha1(np.ascontiguousarray(xy).tobytes()).hexdigest(), float(max_snap_m))
        return self._snaps.get_or_build(key, lambda: self._read_only_snaps(xy, max_snap_m))

    def _read_only_snaps(self, xy: np.ndarray, max_snap_m: float) -> Snaps:
        out = self._snap_xy(xy, max_snap_m)
        for value in vars(out).values():
            value.flags.writeable = False  # shared through the memo
        return out

    def _snap_xy(self, xy: np.ndarray, max_snap_m: float) -> Snaps:
        mx, my = self.to_metric.transform(xy[:, 0], xy[:, 1])
        snaps = snap_xy(np.column_stack([mx, my]), self.index, max_snap_m=max_snap_m)
        e = np.clip(snaps.edge, 0, None)
        frac = np.where((snaps.edge >= 0) & self.flip[e], 1.0 - snaps.fraction, snaps.fraction)
        return Snaps(
            edge=snaps.edge,
            fraction=frac,
            access_m=snaps.access_m,
            snap_xy=snaps.snap_xy,
            point_xy=snaps.point_xy,
            far_from_road=snaps.far_from_road,
            road_island=snaps.road_island,
        )


def travel_context(region: Region, settings: TravelSettings) -> TravelContext:
    """The memoised :class:`TravelContext` of ``region`` under ``settings``.

    Raises
    ------
    CRSError
        When the road edges are not in EPSG:4326 or the metric CRS is not projected.
    """
    graph = compile_graph(region, settings=settings)
    key = (graph.key, CRS.from_user_input(region.metric_crs()).to_string())
    return _snap_memo.get_or_build(key, lambda: TravelContext(region, graph))


def clear_travel_contexts() -> None:
    """Forget every memoised context, compiled graph and road geometry held in memory."""
    _snap_memo.clear()
    clear_memory_cache()
    clear_road_geometry()


def release_travel_context(region: Region, settings: TravelSettings) -> None:
    """Forget the memoised context and compiled graph of ``region`` under ``settings``.

    A batch run calls it when it is done with a mode, so a national region does not keep
    three modes' graphs (~0.6 GB each) in memory. Contexts already handed out stay valid.
    """
    gkey = graph_key(region, settings)
    for key in [k for k in _snap_memo if k[0] == gkey]:
        _snap_memo.pop(key)
    forget_graph(gkey)


def resolve_settings(settings: TravelSettings | None, mode: str | None) -> TravelSettings:
    """``settings`` (default ``TravelSettings()``) with ``mode`` replacing its mode if given."""
    st = settings or TravelSettings()
    if mode is not None and mode != st.mode:
        st = st.with_(mode=mode)
    return st


def require_storage_crs(gdf: gpd.GeoDataFrame | gpd.GeoSeries, what: str) -> None:
    """Raise :class:`CRSError` unless ``gdf`` is in the storage CRS (EPSG:4326)."""
    if gdf.crs is None or not CRS.from_user_input(gdf.crs).equals(CRS.from_user_input(STORAGE_CRS)):
        raise CRSError(
            f"{what} are in {gdf.crs}, expected {STORAGE_CRS}; reproject with "
            f".to_crs('{STORAGE_CRS}') first (layers are never reprojected silently)"
        )


def site_table(region: Region, sites: gpd.GeoDataFrame | str) -> gpd.GeoDataFrame:
    """The sites a query is about, with a ``centre_id`` column.

    Parameters
    ----------
    region
        The region.
    sites
        ``"centres"``, ``"candidates"`` or a GeoDataFrame of Points in EPSG:4326 (its index
        gives the ids when it has no ``centre_id`` column).

    Raises
    ------
    SchemaError
        For an unknown name or a table that is not a GeoDataFrame.
    CRSError
        When the table is not in EPSG:4326.
    """
    if isinstance(sites, str):
        if sites not in ("centres", "candidates"):
            raise SchemaError(
                f"sites {sites!r} is unknown; use 'centres', 'candidates' or a GeoDataFrame",
                source="sites",
            )
        gdf = getattr(region, sites)
    else:
        gdf = sites
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise SchemaError("sites must be a GeoDataFrame of Points", source="sites")
    require_storage_crs(gdf, "sites")
    if "centre_id" not in gdf.columns:
        gdf = gdf.assign(centre_id=[str(i) for i in gdf.index])
    return gdf


def point_table(
    points: gpd.GeoDataFrame | gpd.GeoSeries | Sequence[str], region: Region
) -> tuple[gpd.GeoSeries, list[str]]:
    """Points (EPSG:4326) and their labels, from geometries or region ids.

    Parameters
    ----------
    points
        A GeoDataFrame/GeoSeries (labels from an ``id`` column or the index) or ids of
        settlements, centres or candidates of ``region``.
    region
        The region.

    Raises
    ------
    SchemaError
        When an id is not found in the region.
    CRSError
        When the points are not in EPSG:4326.
    """
    if isinstance(points, gpd.GeoDataFrame | gpd.GeoSeries):
        require_storage_crs(points, "points")
        if isinstance(points, gpd.GeoDataFrame) and "id" in points.columns:
            ids = [str(v) for v in points["id"]]
        else:
            ids = [str(v) for v in points.index]
        geoms = points.geometry if isinstance(points, gpd.GeoDataFrame) else points
        return gpd.GeoSeries(geoms.values, crs=STORAGE_CRS), ids
    lookup: dict[str, Any] = {}
    for table, col in (
        (region.candidates, "centre_id"),
        (region.centres, "centre_id"),
        (region.settlements, "settlement_id"),
    ):
        lookup.update(zip(table[col].astype(str), table.geometry.values, strict=True))
    ids = [str(p) for p in points]
    missing = [i for i in ids if i not in lookup]
    if missing:
        raise SchemaError(
            f"id(s) {', '.join(missing[:10])} are not settlement, centre or candidate ids of "
            f"region {region.name}",
            source="travel_matrix",
        )
    return gpd.GeoSeries([lookup[i] for i in ids], crs=STORAGE_CRS), ids
