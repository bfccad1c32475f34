"""A road graph as flat arrays: what compiling, projecting and snapping read, nothing more.

A national road graph has millions of nodes and edges; as GeoDataFrames (one shapely object
per row) it holds about 2 GB and takes seconds to decode. :class:`RoadArrays` keeps

* ``node_id`` (``int64``) and ``node_xy`` (``(n, 2)`` lon/lat),
* the edges' attribute columns (``u``, ``v``, ``highway``, ``oneway``, ``length_m`` and,
  when present, ``surface`` and ``maxspeed_kph``) as a pandas table without geometry (text
  columns categorical),
* every edge geometry's vertices as one ``(m, 2)`` lon/lat array ``vertex_xy`` with offsets
  ``vertex_ptr`` (edge ``e`` is ``vertex_xy[vertex_ptr[e]:vertex_ptr[e + 1]]``).

:func:`read_road_arrays` reads them straight from a region's ``road_nodes.parquet`` and
``road_edges.parquet`` (column reads with pyarrow; the WKB of points and 2-D linestrings is
decoded with numpy views, any other WKB with shapely); :func:`road_arrays_from_frames` takes
them from GeoDataFrames (the edge table itself serves as the attribute table: no copy). Both
give the same arrays for the same tables.

Examples
--------
>>> ra = read_road_arrays("regions/sample/road_nodes.parquet",
...                       "regions/sample/road_edges.parquet")  # doctest: +SKIP
>>> ra.n_nodes, ra.n_edges  # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import shapely

from geodata.errors import DataFileError, SchemaError

__all__ = ["EDGE_COLUMNS", "RoadArrays", "read_road_arrays", "road_arrays_from_frames"]

#: Edge attribute columns the arrays keep (``surface`` and ``maxspeed_kph`` when present).
EDGE_COLUMNS = ("u", "v", "highway", "oneway", "surface", "maxspeed_kph", "length_m")
_OPTIONAL = ("surface", "maxspeed_kph")


@dataclass(frozen=True, eq=False)
class RoadArrays:
    """A road graph as arrays (positions follow the rows of the node and edge tables).

    Attributes
    ----------
    node_id
        ``int64`` node ids.
    node_xy
        ``(n, 2)`` node coordinates, lon/lat (EPSG:4326).
    edges
        Edge attribute columns (:data:`EDGE_COLUMNS` present in the table; may be the edge
        GeoDataFrame itself when built from frames).
    vertex_xy
        ``(m, 2)`` lon/lat of every edge geometry's vertices, edge after edge.
    vertex_ptr
        ``int64`` offsets (``n_edges + 1``) into ``vertex_xy``.
    crs
        The CRS of the coordinates as read (``None`` when unknown).
    """

    node_id: np.ndarray
    node_xy: np.ndarray
    edges: pd.DataFrame
    vertex_xy: np.ndarray
    vertex_ptr: np.ndarray
    crs: object | None

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return int(self.node_id.shape[0])

    @property
    def n_edges(self) -> int:
        """Number of edges."""
        return int(self.vertex_ptr.shape[0] - 1)

    def vertex_edge(self) -> np.ndarray:
        """Edge position of every vertex (``int64``, like shapely's ``return_index``)."""
        return np.repeat(np.arange(self.n_edges, dtype=np.int64), np.diff(self.vertex_ptr))

    def edge_ends(self) -> tuple[np.ndarray, np.ndarray]:
        """Node positions of each edge's ``u`` and ``v`` (``-1``: not a node), computed once.

        Raises
        ------
        SchemaError
            When node ids are not unique.
        """
        hit = self.__dict__.get("_ends")
        if hit is None:
            index = pd.Index(self.node_id)
            if not index.is_unique:
                raise SchemaError(
                    "node_id values are not unique; rebuild the road tables", source="road_nodes"
                )
            u = index.get_indexer(self.edges["u"].to_numpy(np.int64))
            v = index.get_indexer(self.edges["v"].to_numpy(np.int64))
            u.flags.writeable = v.flags.writeable = False
            hit = self.__dict__["_ends"] = (u, v)
        return hit

    def nbytes(self) -> int:
        """Memory held by the arrays and the attribute table, in bytes."""
        cols = [c for c in self.edges.columns if c in EDGE_COLUMNS]
        table = int(self.edges[cols].memory_usage(index=False, deep=False).sum())
        return table + sum(
            a.nbytes for a in (self.node_id, self.node_xy, self.vertex_xy, self.vertex_ptr)
        )


def road_arrays_from_frames(nodes: gpd.GeoDataFrame, edges: gpd.GeoDataFrame) -> RoadArrays:
    """The arrays of a road graph held as GeoDataFrames.

    The edge GeoDataFrame itself is the attribute table (nothing is copied).

    Returns
    -------
    RoadArrays
    """
    node_xy = shapely.get_coordinates(np.asarray(nodes.geometry.values, dtype=object))
    if node_xy.shape[0] != len(nodes):
        raise DataFileError("road_nodes: every node must be one Point; rebuild the road tables")
    xy, idx = shapely.get_coordinates(
        np.asarray(edges.geometry.values, dtype=object), return_index=True
    )
    ptr = np.zeros(len(edges) + 1, np.int64)
    np.cumsum(np.bincount(idx, minlength=len(edges)), out=ptr[1:])
    return RoadArrays(
        node_id=nodes["node_id"].to_numpy(np.int64),
        node_xy=node_xy,
        edges=edges,
        vertex_xy=xy,
        vertex_ptr=ptr,
        crs=edges.crs,
    )


def read_road_arrays(
    nodes_path: str | os.PathLike[str], edges_path: str | os.PathLike[str]
) -> RoadArrays:
    """Read a region's road tables as arrays, without building GeoDataFrames.

    Parameters
    ----------
    nodes_path, edges_path
        The region's ``road_nodes.parquet`` and ``road_edges.parquet`` (GeoParquet, WKB).

    Returns
    -------
    RoadArrays

    Raises
    ------
    DataFileError
        When a file is unreadable, lacks a required column or holds a missing or wrong
        geometry (the message names the file and what to do).
    """
    nodes = _read(nodes_path, ["node_id"])
    node_xy, _ = _decode(nodes.column("geometry"), nodes_path, kind="Point")
    node_id = _numpy(nodes, "node_id", np.int64, nodes_path)
    del nodes
    edges = _read(edges_path, list(EDGE_COLUMNS))
    vertex_xy, ptr = _decode(edges.column("geometry"), edges_path, kind="LineString")
    names = [c for c in EDGE_COLUMNS if c in edges.column_names]
    attrs = edges.select(names).to_pandas(strings_to_categorical=True)
    for col in ("u", "v"):
        attrs[col] = _numpy(edges, col, np.int64, edges_path)
    attrs["oneway"] = _numpy(edges, "oneway", bool, edges_path)
    attrs["length_m"] = _numpy(edges, "length_m", np.float64, edges_path)
    return RoadArrays(
        node_id=node_id,
        node_xy=node_xy,
        edges=attrs,
        vertex_xy=vertex_xy,
        vertex_ptr=ptr,
        crs=_crs(edges_path),
    )


# ---------------------------------------------------------------------------------------


def _read(path: str | os.PathLike[str], columns: list[str]) -> pa.Table:
    try:
        present = set(pq.read_schema(path).names)
    except Exception as err:  # pyarrow raises many kinds; all mean "unreadable"
        raise DataFileError(
            f"{path}: cannot be read as (Geo)Parquet ({err}); the file is damaged, rebuild "
            "the region or copy it again"
        ) from err
    missing = [c for c in [*columns, "geometry"] if c not in present and c not in _OPTIONAL]
    if missing:
        raise DataFileError(
            f"{path}: column(s) {', '.join(missing)} are missing; rebuild the road tables"
        )
    try:
        table = pq.read_table(
            path,
            columns=[c for c in [*columns, "geometry"] if c in present],
            read_dictionary=[c for c in ("highway", "surface") if c in present],
        )
        table.validate(full=True)
    except Exception as err:
        raise DataFileError(
            f"{path}: cannot be read as (Geo)Parquet ({err}); the file is damaged, rebuild "
            "the region or copy it again"
        ) from err
    return table


def _numpy(table: pa.Table, col: str, dtype: type, path: str | os.PathLike[str]) -> np.ndarray:
    arr = table.column(col)
    if arr.null_count:
        raise DataFileError(f"{path}: column '{col}' has {arr.null_count} missing value(s)")
    try:
        return np.asarray(arr.to_numpy(), dtype=dtype)
    except (TypeError, ValueError) as err:
        raise DataFileError(
            f"{path}: column '{col}' is not {np.dtype(dtype).name} ({err})"
        ) from err


def _crs(path: str | os.PathLike[str]) -> object | None:
    meta = pq.read_schema(path).metadata or {}
    geo = meta.get(b"geo")
    if geo is None:
        return None
    col = json.loads(geo).get("columns", {}).get("geometry", {})
    # GeoParquet: a missing "crs" means OGC:CRS84 (lon/lat, as EPSG:4326 with x first)
    crs: object = col.get("crs", "OGC:CRS84")
    return crs


def _decode(
    column: pa.ChunkedArray, path: str | os.PathLike[str], *, kind: str
) -> tuple[np.ndarray, np.ndarray]:
    """``(xy, ptr)``: coordinates of WKB geometries of one ``kind`` and offsets per row."""
    arr = column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    if arr.null_count:
        raise DataFileError(
            f"{path}: {arr.null_count} row(s) have no geometry; every row needs a {kind}"
        )
    fast = _decode_fast(arr, kind)
    if fast is not None:
        return fast
    geoms = shapely.from_wkb(np.asarray(arr.to_numpy(zero_copy_only=False), dtype=object))
    want = 0 if kind == "Point" else 1
    types = shapely.get_type_id(geoms)
    if len(geoms) and not (types == want).all():
        row = int(np.flatnonzero(types != want)[0])
        raise DataFileError(f"{path}: row {row} is not a {kind}; rebuild the road tables")
    xy, idx = shapely.get_coordinates(geoms, return_index=True)
    ptr = np.zeros(len(geoms) + 1, np.int64)
    np.cumsum(np.bincount(idx, minlength=len(geoms)), out=ptr[1:])
    return xy, ptr


def _decode_fast(arr: pa.Array, kind: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Little-endian 2-D WKB read by numpy views (``None``: use shapely instead)."""
    n = len(arr)
    if n == 0:
        return None
    bufs = arr.buffers()
    off_type = np.int64 if pa.types.is_large_binary(arr.type) else np.int32
    offs = np.frombuffer(bufs[1], off_type)[arr.offset : arr.offset + n + 1].astype(np.int64)
    data = np.frombuffer(bufs[2], np.uint8)[offs[0] : offs[-1]]
    offs -= offs[0]
    start = offs[:-1]
    size = np.diff(offs)
    if (size < 9).any() or (data[start] != 1).any():
        return None  # short or big-endian WKB
    code = _u32(data, start + 1)
    if kind == "Point":
        if not ((size == 21).all() and (code == 1).all()):
            return None
        xy = data.reshape(n, 21)[:, 5:].copy().view(np.float64).reshape(n, 2)
        return xy, np.arange(n + 1, dtype=np.int64)
    npts = _u32(data, start + 5).astype(np.int64)
    if not ((code == 2).all() and (size == 9 + 16 * npts).all()):
        return None
    ptr = np.zeros(n + 1, np.int64)
    np.cumsum(npts, out=ptr[1:])
    # byte position of every vertex: its geometry's start + 9 + 16 x its rank in the geometry
    rank = np.arange(int(ptr[-1]), dtype=np.int64) - np.repeat(ptr[:-1], npts)
    at = np.repeat(start + 9, npts) + 16 * rank
    rows = np.lib.stride_tricks.as_strided(data, shape=(max(data.size - 15, 0), 16), strides=(1, 1))
    xy = rows[at].view(np.float64).reshape(-1, 2)
    return xy, ptr


def _u32(data: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Little-endian ``uint32`` read at byte positions ``at``."""
    out: np.ndarray = data[at].astype(np.uint32)
    for k in (1, 2, 3):
        out |= data[at + k].astype(np.uint32) << np.uint32(8 * k)
    return out
