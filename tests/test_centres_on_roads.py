"""Centres where people can reach them, the region review and maxspeed on real data (#16).

Small hand-built networks pin the rules; the Islamabad extract (``../shared``, skipped when
absent) pins them on real data.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from conftest import shared_path
from test_engine_support import METRIC, ll, make_region

from access.speeds import default_speed_profile, edge_speeds_kph
from geodata.build.sites import centres_on_roads, greedy_candidates
from geodata.drivable import drivable_network, place_on_main_network
from geodata.geography import check_geography
from geodata.region_review import ReviewSettings, review_region

# a 2 x 2 km grid of residential roads, a footway spur to the east, a one-way road piece
# (a road island for cars: it can be entered but not left) far to the north
NODES = {
    1: (0.0, 0.0),
    2: (1000.0, 0.0),
    3: (2000.0, 0.0),
    4: (0.0, 1000.0),
    5: (1000.0, 1000.0),
    6: (2000.0, 1000.0),
    7: (3000.0, 1000.0),
    8: (1000.0, 5000.0),
    9: (1500.0, 5000.0),
}
EDGES = [
    {"u": 1, "v": 2, "highway": "residential"},
    {"u": 2, "v": 3, "highway": "residential"},
    {"u": 4, "v": 5, "highway": "residential"},
    {"u": 5, "v": 6, "highway": "residential"},
    {"u": 1, "v": 4, "highway": "residential"},
    {"u": 2, "v": 5, "highway": "residential"},
    {"u": 3, "v": 6, "highway": "residential"},
    {"u": 6, "v": 7, "highway": "footway"},
    {"u": 8, "v": 9, "highway": "tertiary", "oneway": True},
]


def _gdf(xy: list[tuple[float, float]]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"centre_id": [f"C{i + 1}" for i in range(len(xy))]},
        geometry=[shapely.Point(ll(x, y)) for x, y in xy],
        crs="EPSG:4326",
    )


@pytest.fixture(scope="module")
def tiny():
    return make_region(NODES, EDGES, [(100.0, 100.0), (1900.0, 900.0)], [(3000.0, 1000.0)])


def test_drivable_network_skips_footways_and_finds_the_main_component(tiny) -> None:
    net = drivable_network(tiny.roads.nodes, tiny.roads.edges, METRIC)
    assert 7 not in net.node_id.tolist()  # only a footway reaches it
    main = dict(zip(net.node_id.tolist(), net.main.tolist(), strict=True))
    assert all(main[n] for n in (1, 2, 3, 4, 5, 6))
    assert not main[8] and not main[9]  # the one-way piece is not strongly connected


def test_centres_move_onto_the_main_network(tiny) -> None:
    net = drivable_network(tiny.roads.nodes, tiny.roads.edges, METRIC)
    # at the footway's end (1 km from a drivable road), and next to the one-way island
    cen = _gdf([(3000.0, 1000.0), (1200.0, 5010.0)])
    moved, notes = centres_on_roads(cen, net)
    xy = np.column_stack([moved.to_crs(METRIC).geometry.x, moved.to_crs(METRIC).geometry.y])
    assert net.distance_to_road(xy).max() < 1e-3
    back = [NODES[6], NODES[5]]  # nearest main-network nodes
    local = [(ll(*p)) for p in back]
    np.testing.assert_allclose(
        np.column_stack([moved.geometry.x, moved.geometry.y]), np.asarray(local), atol=1e-7
    )
    assert len(notes) == 2 and "C1 moved 1,000 m" in notes[0]
    region = make_region(NODES, EDGES, [(100.0, 100.0)], [(2000.0, 1000.0), (1000.0, 1000.0)])
    assert not [f for f in check_geography(region) if f.table == "centres"]


def test_candidates_never_coincide_with_centres() -> None:
    region = make_region(NODES, EDGES, [(1000.0, 0.0), (0.0, 1000.0)], [(1000.0, 0.0)])
    net = drivable_network(region.roads.nodes, region.roads.edges, METRIC)
    sett = region.settlements.assign(households=[5000, 100])
    # the largest settlement stands at the centre: a relaxed rule still never picks it
    cand, relaxed = greedy_candidates(sett, region.centres, METRIC, 10_000, 4000.0, 60, 1, net)
    assert relaxed and cand["tehsil"].tolist() == ["Islamabad"]
    c_xy = region.centres.to_crs(METRIC).geometry
    assert cand.to_crs(METRIC).distance(c_xy.iloc[0]).min() > 1000
    # the normal rule keeps candidates spacing_m from every centre
    cand, relaxed = greedy_candidates(sett, region.centres, METRIC, 50, 1000.0, 60, 1, net)
    assert not relaxed
    assert cand.to_crs(METRIC).distance(c_xy.iloc[0]).min() >= 1000


def test_place_on_main_network_without_roads_keeps_points(tiny) -> None:
    net = drivable_network(tiny.roads.nodes, tiny.roads.edges.iloc[:0], METRIC)
    pts = _gdf([(5.0, 5.0)])
    same, dist = place_on_main_network(pts, net)
    assert same.geometry.iloc[0].equals(pts.geometry.iloc[0]) and dist.tolist() == [0.0]


def test_review_flags_far_households_large_settlements_and_circuity() -> None:
    # a river: two banks joined only by a bridge far to the east
    nodes = {1: (0.0, 0.0), 2: (6000.0, 0.0), 3: (6000.0, 300.0), 4: (0.0, 300.0)}
    edges = [
        {"u": 1, "v": 2, "highway": "primary"},
        {"u": 2, "v": 3, "highway": "primary"},
        {"u": 3, "v": 4, "highway": "primary"},
    ]
    region = make_region(nodes, edges, [(0.0, -10.0), (0.0, 310.0), (3000.0, 8000.0)], [])
    region.settlements["households"] = [30_000, 10, 1_000]
    rv = review_region(
        region, ReviewSettings(circuity_min_km=0.2), census_households={"Islamabad": 20_000}
    )
    codes = {w.code for w in rv.warnings}
    assert {"households_far_from_road", "large_settlement", "census_exceeded"} <= codes
    assert rv.share_far_from_road == pytest.approx(1_000 / 31_010)
    assert "circuity" in codes and rv.circuity_outliers["circuity"].max() > 2.5
    assert rv.largest["households"].iloc[0] == 30_000
    assert all("warning: " in line for line in rv.lines() if "give" in line)


# ---------------------------------------------------------------------------------------
# the Islamabad extract


@pytest.fixture(scope="module")
def islamabad_built():
    from geodata.build import build_region

    return build_region(
        osm=shared_path("data", "osm", "islamabad.osm.pbf"),
        census=shared_path("data", "census2017", "tehsil_population_2017.csv"),
        geonames=shared_path("data", "geonames", "pk_places_cities500.csv"),
    )


@pytest.mark.slow
def test_islamabad_centres_on_the_main_drivable_network(islamabad_built) -> None:
    from access.queries import snap_to_network

    region, _ = islamabad_built
    assert region.centres["assumed"].all()
    snaps = snap_to_network(region, region.centres, mode="car")
    assert (snaps.access_m <= 500).all(), snaps.access_m  # the engine joins them on the spot
    assert not snaps.road_island.any()
    assert not [f for f in check_geography(region) if f.table == "centres"]


@pytest.mark.slow
def test_islamabad_candidates_apart_from_centres(islamabad_built) -> None:
    region, _ = islamabad_built
    c = region.centres.to_crs(METRIC).geometry
    k = region.candidates.to_crs(METRIC).geometry
    gap = np.array([c.distance(p).min() for p in k])
    assert (gap >= 4000 - 1e-6).all()


@pytest.mark.slow
def test_islamabad_report_and_region_check_warn(islamabad_built, tmp_path) -> None:
    from typer.testing import CliRunner

    from cli import app
    from geodata.region import save_region

    region, report = islamabad_built
    text = "\n".join(report.lines())
    assert "review:" in text and "road circuity" in text
    assert "largest settlements:" in text and "households" in text
    assert "partial unit: tehsil Rawalpindi" in text
    assert "of census" in text  # settlements per tehsil against the census
    save_region(region, tmp_path / "r")
    res = CliRunner().invoke(app, ["region", "check", str(tmp_path / "r")])
    assert res.exit_code == 0, res.output
    assert "road circuity" in res.output
    assert "warning: boundaries:" in res.output and "only partly inside" in res.output


@pytest.mark.slow
def test_islamabad_maxspeed_never_raises(islamabad_built) -> None:
    region, _ = islamabad_built
    e = region.roads.edges
    assert e["maxspeed_kph"].notna().sum() > 100  # the extract does tag limits
    prof = default_speed_profile()
    for mode in ("car", "motorbike"):
        got = edge_speeds_kph(e, mode=mode)
        plain = edge_speeds_kph(e.assign(maxspeed_kph=np.nan), mode=mode)
        assert (got <= plain + 1e-12).all()
    assert pd.Series(edge_speeds_kph(e, mode="car")).max() <= max(
        r["car"] for r in prof.highway_kph.values()
    )
