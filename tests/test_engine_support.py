"""Builders for hand-made regions used by the travel-time engine tests (no tests here)."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from geodata.region import Region, RoadNetwork

METRIC = "EPSG:32643"  # UTM 43N (Islamabad)
X0, Y0 = 300_000.0, 3_730_000.0
_TO_LL = Transformer.from_crs(METRIC, "EPSG:4326", always_xy=True)


def ll(x: float, y: float) -> tuple[float, float]:
    """Local metres (east, north from X0, Y0) -> (lon, lat)."""
    lon, lat = _TO_LL.transform(X0 + x, Y0 + y)
    return float(lon), float(lat)


def _points(xy: Sequence[tuple[float, float]]) -> gpd.GeoSeries:
    arr = np.asarray(xy, dtype=float).reshape(-1, 2)
    lon, lat = _TO_LL.transform(X0 + arr[:, 0], Y0 + arr[:, 1])
    return gpd.GeoSeries(shapely.points(np.column_stack([lon, lat])), crs="EPSG:4326")


def make_region(
    nodes: dict[int, tuple[float, float]],
    edges: Sequence[dict],
    settlements: Sequence[tuple[float, float]],
    centres: Sequence[tuple[float, float]],
    *,
    candidates: Sequence[tuple[float, float]] = (),
    name: str = "tiny",
) -> Region:
    """A region from local metric coordinates (metres east/north of a point near Islamabad).

    ``edges`` rows: ``u``, ``v``, ``highway`` and optionally ``oneway``, ``surface``,
    ``maxspeed_kph``; straight geometry and exact metric length are filled in.
    """
    ids = sorted(nodes)
    node_gdf = gpd.GeoDataFrame(
        {"node_id": np.array(ids, dtype=np.int64)},
        geometry=_points([nodes[i] for i in ids]).values,
        crs="EPSG:4326",
    )
    rows = []
    geoms = []
    for e in edges:
        (x1, y1), (x2, y2) = nodes[e["u"]], nodes[e["v"]]
        rows.append(
            {
                "u": e["u"],
                "v": e["v"],
                "highway": e["highway"],
                "oneway": bool(e.get("oneway", False)),
                "surface": e.get("surface"),
                "maxspeed_kph": float(e.get("maxspeed_kph", np.nan)),
                "bridge": False,
                "name": None,
                "length_m": float(np.hypot(x2 - x1, y2 - y1)),
            }
        )
        geoms.append(shapely.LineString([ll(x1, y1), ll(x2, y2)]))
    edge_gdf = gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geoms, crs="EPSG:4326")

    def sites(xy: Sequence[tuple[float, float]], prefix: str, kind: str) -> gpd.GeoDataFrame:
        n = len(xy)
        return gpd.GeoDataFrame(
            {
                "centre_id": [f"{prefix}{i + 1}" for i in range(n)],
                "name": [f"{prefix}{i + 1}" for i in range(n)],
                "kind": [kind] * n,
                "capacity_per_day": np.full(n, 100.0),
                "opening_cost_pkr": np.zeros(n),
            },
            geometry=_points(xy).values if n else gpd.GeoSeries([], crs="EPSG:4326").values,
            crs="EPSG:4326",
        )

    n = len(settlements)
    sett = gpd.GeoDataFrame(
        {
            "settlement_id": [f"S{i + 1}" for i in range(n)],
            "name": [f"S{i + 1}" for i in range(n)],
            "province": ["ICT"] * n,
            "district": ["Islamabad"] * n,
            "tehsil": ["Islamabad"] * n,
            "union_council": ["UC1"] * n,
            "households": np.full(n, 10, np.int64),
            "population": np.full(n, 60, np.int64),
        },
        geometry=_points(settlements).values,
        crs="EPSG:4326",
    )
    bounds = gpd.GeoDataFrame(
        {"level": [], "code": [], "name": [], "parent_code": []},
        geometry=gpd.GeoSeries([], crs="EPSG:4326").values,
        crs="EPSG:4326",
    )
    roads = RoadNetwork(node_gdf, edge_gdf)
    return Region(
        name=name,
        roads=roads,
        settlements=sett,
        centres=sites(centres, "C", "existing"),
        candidates=sites(candidates, "K", "candidate"),
        boundaries=bounds,
        metadata={"metric_crs": METRIC},
    )
