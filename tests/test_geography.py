"""Impossible geography is flagged, never accepted silently (issue #15, defect 10)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point

from geodata.geography import check_geography
from geodata.region import RoadNetwork, validate_region


@pytest.fixture(scope="module")
def region(small_geography):
    return validate_region(small_geography)


def _codes(found):
    return {(f.code, f.table) for f in found}


def _moved(region, table, row, point):
    gdf = getattr(region, table).copy()
    gdf.loc[gdf.index[row], "geometry"] = point
    return region.with_(**{table: gdf})


def test_the_sample_geography_is_possible(region):
    assert not [f for f in check_geography(region) if f.table != "candidates"]


def test_swapped_coordinates_are_named(region):
    p = region.settlements.geometry.iloc[4]
    found = check_geography(_moved(region, "settlements", 4, Point(p.y, p.x)))
    hit = [f for f in found if f.code == "swapped_lonlat"]
    assert hit and hit[0].ids == (region.settlements["settlement_id"].iloc[4],)
    assert "swap the lon/lat columns" in hit[0].message


def test_a_settlement_in_london_is_outside(region):
    found = check_geography(_moved(region, "settlements", 2, Point(-0.12, 51.5)))
    hit = [f for f in found if f.code == "outside_region"]
    assert hit and hit[0].ids == (region.settlements["settlement_id"].iloc[2],)


def test_without_boundaries_far_points_are_still_found(region):
    moved = _moved(region, "centres", 0, Point(-70.0, 30.0))
    found = check_geography(moved.with_(boundaries=region.boundaries.iloc[0:0]))
    assert ("outside_region", "centres") in _codes(found)


def test_a_centre_far_from_roads_and_one_on_a_road_island(region):
    nodes, edges = region.roads.nodes, region.roads.edges
    c = region.centres.geometry.iloc[1]
    far = _farthest_from_roads(region)
    # an island: two new nodes joined only to each other, with a centre on it
    n0 = int(nodes["node_id"].max()) + 1
    a, b = Point(c.x + 0.1, c.y - 0.1), Point(c.x + 0.101, c.y - 0.1)
    island_nodes = gpd.GeoDataFrame({"node_id": [n0, n0 + 1]}, geometry=[a, b], crs=4326)
    island_edge = edges.iloc[[0]].copy()
    island_edge[["u", "v"]] = [n0, n0 + 1]
    island_edge["highway"] = "primary"
    island_edge["geometry"] = [LineString([a, b])]
    roads = RoadNetwork(
        gpd.GeoDataFrame(pd.concat([nodes, island_nodes], ignore_index=True), crs=4326),
        gpd.GeoDataFrame(pd.concat([edges, island_edge], ignore_index=True), crs=4326),
    )
    moved = _moved(region, "centres", 1, far).with_(roads=roads)
    moved = _moved(moved, "centres", 0, Point(a.x, a.y + 0.0001))
    found = {f.code: f for f in check_geography(moved) if f.table == "centres"}
    assert found["far_from_road"].ids == (region.centres["centre_id"].iloc[1],)
    assert found["road_island"].ids == (region.centres["centre_id"].iloc[0],)


def _farthest_from_roads(region):
    """The point of a 100 x 100 grid inside the region farthest from every drivable road."""
    x0, y0, x1, y1 = region.boundaries.total_bounds
    xs, ys = np.meshgrid(np.linspace(x0, x1, 100), np.linspace(y0, y1, 100))
    cells = gpd.GeoSeries(gpd.points_from_xy(xs.ravel(), ys.ravel()), crs=4326)
    cells = cells[cells.within(region.boundaries.union_all())]
    edges = region.roads.edges
    roads = edges[~edges["highway"].isin(["path", "footway", "track"])]
    metric = region.metric_crs()
    return cells.iloc[int(cells.to_crs(metric).distance(roads.to_crs(metric).union_all()).argmax())]


def test_a_utm_zone_on_the_wrong_side_of_the_world(region):
    wrong = region.with_(metadata={**region.metadata, "metric_crs": "EPSG:32618"})
    found = check_geography(wrong)
    assert [f.code for f in found] == ["metric_crs"]
    assert "UTM zone of the region" in found[0].message
