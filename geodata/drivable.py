"""The drivable road network of a region, as points: where a vehicle can stop.

Centres must stand where people can reach them by vehicle. :func:`drivable_network` keeps the
road nodes of classes a car may use, labels them with the strongly connected component of
the directed network (one-way streets counted), and marks the largest one as the main
network, as the travel engine does (``access.graph``: points join only the main component).
:func:`place_on_main_network` then moves points to the nearest node of the main network.

Geodata does not import the travel engine: the classes below mirror the car column of
``access/speeds_default.csv`` (a class with car speed 0 is not drivable).

Examples
--------
>>> import geopandas as gpd, pandas as pd, shapely
>>> nodes = gpd.GeoDataFrame(
...     {"node_id": [1, 2, 3]},
...     geometry=[shapely.Point(73.0, 33.6), shapely.Point(73.01, 33.6), shapely.Point(73.1, 33.6)],
...     crs="EPSG:4326",
... )
>>> edges = pd.DataFrame({"u": [1, 2], "v": [2, 3], "highway": ["residential", "footway"],
...                       "oneway": [False, False]})
>>> net = drivable_network(nodes, edges, "EPSG:32643")
>>> net.node_id.tolist(), net.main.tolist()
([1, 2], [True, True])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray
from pyproj import CRS
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

__all__ = ["NOT_DRIVABLE", "DrivableNetwork", "drivable_network", "place_on_main_network"]

#: Highway classes a car cannot use (car speed 0 in ``access/speeds_default.csv``).
NOT_DRIVABLE = frozenset(
    {
        "path",
        "footway",
        "pedestrian",
        "steps",
        "cycleway",
        "bridleway",
        "corridor",
        "busway",
    }
)


@dataclass(frozen=True, eq=False)
class DrivableNetwork:
    """Nodes of drivable roads in a metric CRS.

    Attributes
    ----------
    node_id
        OSM node ids of nodes that a drivable edge touches.
    xy
        ``(n, 2)`` metric coordinates of those nodes.
    component
        Strongly connected component label of each node (directed, one-way streets counted).
    main
        Whether the node is in the largest strongly connected component.
    crs
        The metric CRS of ``xy``.
    """

    node_id: NDArray[np.int64]
    xy: NDArray[np.float64]
    component: NDArray[np.int64]
    main: NDArray[np.bool_]
    crs: Any

    def __len__(self) -> int:
        """Number of drivable nodes."""
        return int(self.node_id.shape[0])

    def in_crs(self, crs: Any) -> bool:
        """Whether ``xy`` is in ``crs`` (a network made for another CRS must be remade)."""
        return bool(CRS.from_user_input(self.crs).equals(CRS.from_user_input(crs)))

    def distance_to_road(self, xy: NDArray[np.float64]) -> NDArray[np.float64]:
        """Metres from each point (metric ``(k, 2)``) to the nearest drivable node."""
        if not len(self) or not len(xy):
            return np.full(len(xy), np.inf)
        dist, _ = cKDTree(self.xy).query(xy)
        return np.asarray(dist, dtype=np.float64)


def drivable_network(nodes: gpd.GeoDataFrame, edges: pd.DataFrame, crs: Any) -> DrivableNetwork:
    """The drivable nodes of a road network with their strongly connected components.

    Parameters
    ----------
    nodes
        Road nodes (``node_id``, point geometry in EPSG:4326).
    edges
        Road edges (``u``, ``v``, ``highway``; optional ``oneway``).
    crs
        Metric CRS for the coordinates.

    Returns
    -------
    DrivableNetwork
        Empty when no edge is drivable.
    """
    drive = edges[~edges["highway"].isin(NOT_DRIVABLE)]
    u_id = drive["u"].to_numpy(np.int64)
    v_id = drive["v"].to_numpy(np.int64)
    ends = np.sort(np.concatenate([u_id, v_id]))  # np.unique hashes: slower on millions
    used = ends[np.r_[True, ends[1:] != ends[:-1]]] if len(ends) else ends
    ids = nodes["node_id"].to_numpy(np.int64)
    order = np.argsort(ids, kind="stable")
    rows = order[np.searchsorted(ids[order], used)] if len(used) else np.zeros(0, np.int64)
    geo = nodes.geometry.iloc[rows].to_crs(crs)
    xy = np.column_stack([geo.x.to_numpy(), geo.y.to_numpy()]) if len(used) else np.zeros((0, 2))
    n = len(used)
    if not n:
        empty = np.zeros(0, np.int64)
        return DrivableNetwork(used, xy, empty, np.zeros(0, bool), crs)
    u = np.searchsorted(used, u_id)
    v = np.searchsorted(used, v_id)
    oneway = (
        drive["oneway"].fillna(False).to_numpy(dtype=bool)
        if "oneway" in drive
        else np.zeros(len(drive), bool)
    )
    src = np.concatenate([u, v[~oneway]])
    dst = np.concatenate([v, u[~oneway]])
    adj = coo_matrix((np.ones(len(src), np.int8), (src, dst)), shape=(n, n)).tocsr()
    _, labels = connected_components(adj, directed=True, connection="strong")
    labels = np.asarray(labels, dtype=np.int64)
    main = labels == int(np.argmax(np.bincount(labels)))
    return DrivableNetwork(used, xy, labels, main, crs)


def place_on_main_network(
    points: gpd.GeoDataFrame, net: DrivableNetwork
) -> tuple[gpd.GeoDataFrame, NDArray[np.float64]]:
    """Move each point to the nearest node of the main drivable network.

    Parameters
    ----------
    points
        Points in EPSG:4326.
    net
        The region's drivable network.

    Returns
    -------
    tuple of GeoDataFrame and numpy.ndarray
        The points at their new places (EPSG:4326, other columns kept) and how far each
        moved in metres. Without a drivable road the points stay (distance 0).
    """
    if not net.main.any() or points.empty:
        return points, np.zeros(len(points))
    main_xy = net.xy[net.main]
    src = points.geometry.to_crs(net.crs)
    xy = np.column_stack([src.x.to_numpy(), src.y.to_numpy()])
    dist, idx = cKDTree(main_xy).query(xy)
    target = main_xy[np.asarray(idx, dtype=np.int64)]
    moved = gpd.GeoSeries(gpd.points_from_xy(target[:, 0], target[:, 1]), crs=net.crs)
    out = points.copy()
    out[out.geometry.name] = gpd.GeoSeries(
        moved.to_crs("EPSG:4326").to_numpy(), index=out.index, crs="EPSG:4326"
    )
    return out, np.asarray(dist, dtype=np.float64)
