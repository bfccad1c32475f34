"""The road graph of a region: two GeoDataFrames, or arrays read from the region folder.

:class:`RoadNetwork` is what ``Region.roads`` holds. Built from GeoDataFrames it is the two
tables; loaded with ``load_region(..., roads="arrays")`` it holds
:class:`~geodata.road_arrays.RoadArrays` only (a national graph: ~0.3 GB instead of ~2 GB)
and reads its GeoDataFrames from the files the first time something asks for them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import geopandas as gpd

from geodata import schema as sc
from geodata.errors import Problem, SchemaError
from geodata.road_arrays import RoadArrays, road_arrays_from_frames

__all__ = ["RoadNetwork"]

log = logging.getLogger(__name__)


class RoadNetwork:
    """A road graph as two tables, or as arrays read from a region folder.

    ``nodes`` follows :data:`geodata.schema.ROAD_NODES` and ``edges``
    :data:`geodata.schema.ROAD_EDGES`. An edge row is one segment ``u -> v``; when
    ``oneway`` is false vehicles may use it both ways. Walking ignores ``oneway``.

    :meth:`arrays` gives the graph as :class:`~geodata.road_arrays.RoadArrays` (what
    compiling and snapping read). A network made by :meth:`from_arrays` (``load_region(...,
    roads="arrays")``) holds only those; its ``nodes`` and ``edges`` GeoDataFrames are read
    from the files the first time something asks for them.
    """

    __slots__ = ("_arrays", "_edges", "_loader", "_nodes")

    def __init__(
        self,
        nodes: gpd.GeoDataFrame | None,
        edges: gpd.GeoDataFrame | None,
        *,
        arrays: RoadArrays | None = None,
        loader: Callable[[], tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]] | None = None,
    ) -> None:
        if (nodes is None or edges is None) and (arrays is None or loader is None):
            raise ValueError("give nodes and edges, or arrays and a loader of the tables")
        self._nodes = nodes
        self._edges = edges
        self._arrays = arrays
        self._loader = loader

    @classmethod
    def from_arrays(
        cls,
        arrays: RoadArrays,
        loader: Callable[[], tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]],
    ) -> RoadNetwork:
        """A network held as arrays; ``loader()`` reads its GeoDataFrames when needed."""
        return cls(None, None, arrays=arrays, loader=loader)

    @property
    def nodes(self) -> gpd.GeoDataFrame:
        """The node table (read from the region folder on first use if array-backed)."""
        if self._nodes is None:
            self._materialise()
        assert self._nodes is not None
        return self._nodes

    @property
    def edges(self) -> gpd.GeoDataFrame:
        """The edge table (read from the region folder on first use if array-backed)."""
        if self._edges is None:
            self._materialise()
        assert self._edges is not None
        return self._edges

    @property
    def array_backed(self) -> bool:
        """Whether the network was loaded as arrays (its GeoDataFrames not yet read)."""
        return self._nodes is None

    def arrays(self) -> RoadArrays:
        """The graph as arrays (read once from the tables of a frame-backed network)."""
        if self._arrays is None:
            self._arrays = road_arrays_from_frames(self.nodes, self.edges)
        return self._arrays

    def validated(self, *, source: str = "") -> RoadNetwork:
        """Return a copy with canonical dtypes; raise :class:`SchemaError` on problems."""
        nodes = sc.validate(self.nodes, sc.ROAD_NODES, source=f"{source}road_nodes")
        edges = sc.validate(self.edges, sc.ROAD_EDGES, source=f"{source}road_edges")
        known = set(nodes["node_id"].tolist())
        problems = []
        for end in ("u", "v"):
            bad = ~edges[end].isin(known)
            for r in edges.index[bad.to_numpy()][:20]:
                problems.append(
                    Problem(
                        f"node {edges.at[r, end]!s} is not in road_nodes; rebuild the road tables",
                        f"{source}road_edges",
                        r,
                        end,
                    )
                )
        if problems:
            raise SchemaError(problems, source=f"{source}road_edges")
        return RoadNetwork(gpd.GeoDataFrame(nodes), gpd.GeoDataFrame(edges))

    def __repr__(self) -> str:
        """Sizes only (the tables are large)."""
        if self.array_backed:
            a = self.arrays()
            return f"RoadNetwork(arrays: {a.n_nodes} nodes, {a.n_edges} edges)"
        return f"RoadNetwork({len(self.nodes)} nodes, {len(self.edges)} edges)"

    def __getstate__(self) -> dict[str, Any]:
        """Pickle the slots (a loader must be picklable, e.g. a ``functools.partial``)."""
        return {k: getattr(self, k) for k in self.__slots__}

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Restore the slots."""
        for k, v in state.items():
            object.__setattr__(self, k, v)

    def _materialise(self) -> None:
        assert self._loader is not None
        log.info("reading the road GeoDataFrames of an array-backed region")
        self._nodes, self._edges = self._loader()
