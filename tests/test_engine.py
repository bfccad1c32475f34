"""Hand-checked answers of the travel-time engine on a tiny hand-built region.

Layout (metres east, north of a point near Islamabad; UTM 43N)::

    5 (0,1000) ----- residential 2000 m ----- 4 (2000,1000)
    |                                      /  |
    track 1000 m              footway 1414 m  primary 1000 m (C, two-way)
    |                               /         |
    1 (0,0) -- primary A 1000 m -- 2 -- primary B 1000 m, one-way 2->3 -- 3 (2000,0)

    island: 10 (8000,0) -- residential -- 11 (9000,0), not connected.

Default speeds (km/h): car primary 60, residential 25, track 25 x 0.6 (unpaved) = 15, footway
no cars; walk 5 on roads, 4.5 x 0.9 = 4.05 on the track. Off-road legs: straight line x 1.3 at
4 km/h. Every expected value below is worked out by hand in the test.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from test_engine_support import ll, make_region

from access.engine import (
    coverage_matrix,
    isochrones,
    nearest_centre,
    route,
    routes,
    snap_to_network,
    travel_matrix,
)
from access.graph import clear_memory_cache, compile_graph
from access.speeds import Closures, TravelSettings, load_speed_profile
from geodata.errors import CRSError, DataFileError, SchemaError, UnreachableError

NODES = {
    1: (0.0, 0.0),
    2: (1000.0, 0.0),
    3: (2000.0, 0.0),
    4: (2000.0, 1000.0),
    5: (0.0, 1000.0),
    10: (8000.0, 0.0),
    11: (9000.0, 0.0),
}
EDGES = [
    {"u": 1, "v": 2, "highway": "primary"},  # A
    {"u": 2, "v": 3, "highway": "primary", "oneway": True},  # B
    {"u": 3, "v": 4, "highway": "primary"},  # C
    {"u": 1, "v": 5, "highway": "track"},  # D
    {"u": 5, "v": 4, "highway": "residential"},  # E
    {"u": 2, "v": 4, "highway": "footway"},  # F
    {"u": 10, "v": 11, "highway": "residential"},  # G (island)
]
SETTLEMENTS = [
    (500.0, -200.0),  # S1: on A at t=0.5, 200 m off road
    (2100.0, 200.0),  # S2: on C at t=0.2, 100 m off road
    (8500.0, 100.0),  # S3: beside the island; main network 6500 m away (C at t=0.1)
    (1000.0, -7000.0),  # S4: 7 km south of node 2: far from road
]
CENTRES = [(2100.0, 500.0)]  # C1: on C at t=0.5, 100 m off road

OFFROAD_MPS = 4.0 / 3.6 / 1.3  # straight-line metres per second of the off-road walk
PRIMARY_CAR_S = 1000 / (60 / 3.6)  # 60 s per km
TRACK_CAR_S = 1000 / (15 / 3.6)  # 240 s
RESID_CAR_S = 2000 / (25 / 3.6)  # 288 s
PRIMARY_WALK_S = 1000 / (5 / 3.6)  # 720 s
FOOTWAY_WALK_S = math.hypot(1000, 1000) / (5 / 3.6)


@pytest.fixture(autouse=True)
def _fresh_memory_cache():
    clear_memory_cache()
    yield
    clear_memory_cache()


@pytest.fixture(scope="module")
def tiny():
    return make_region(NODES, EDGES, SETTLEMENTS, CENTRES, candidates=[(900.0, -100.0)])


def walk_s(metres: float) -> float:
    return metres / OFFROAD_MPS


def test_car_nearest_centre_by_hand(tiny):
    df = nearest_centre(tiny, mode="car")
    assert list(df.index) == list(tiny.settlements.index)
    assert list(df.columns) == [
        "settlement_id",
        "centre_id",
        "travel_min",
        "network_m",
        "access_m",
        "flags",
    ]
    # S1: 500 m of A to node 2 (30 s), B 2->3 (60 s), half of C (30 s); off-road 200 + 100 m
    expected = 0.5 * PRIMARY_CAR_S + PRIMARY_CAR_S + 0.5 * PRIMARY_CAR_S + walk_s(300)
    assert df.loc[0, "travel_min"] == pytest.approx(expected / 60, rel=1e-6)
    assert df.loc[0, "network_m"] == pytest.approx(2000, rel=1e-6)
    assert df.loc[0, "access_m"] == pytest.approx(300, rel=1e-6)
    assert df.loc[0, "centre_id"] == "C1"
    assert df.loc[0, "flags"] == ""


def test_walk_vs_car(tiny):
    car = nearest_centre(tiny, mode="car")
    walk = nearest_centre(tiny, mode="walk")
    # S1 on foot: 500 m to node 2, 1000 m on B (walking ignores one-way), 500 m on C
    expected = 2 * PRIMARY_WALK_S + walk_s(300)
    assert walk.loc[0, "travel_min"] == pytest.approx(expected / 60, rel=1e-6)
    assert (walk["travel_min"] > car["travel_min"]).all()


def test_same_edge_is_direct(tiny):
    # S2 and C1 are both on C (t=0.2 and t=0.5): 300 m straight along it
    df = nearest_centre(tiny, mode="car")
    expected = 0.3 * PRIMARY_CAR_S + walk_s(200)
    assert df.loc[1, "travel_min"] == pytest.approx(expected / 60, rel=1e-6)
    assert df.loc[1, "network_m"] == pytest.approx(300, rel=1e-6)


def test_one_way_is_respected_for_the_trip_to_the_centre(tiny):
    # centre K1 on A at t=0.9; from S2 (C at t=0.2) a car may not take B backwards (3->2):
    # 0.8 of C to node 4 (48 s), E 4->5 (288 s), D 5->1 (240 s), 0.9 of A (54 s)
    df = nearest_centre(tiny, mode="car", centres="candidates")
    net = 0.8 * PRIMARY_CAR_S + RESID_CAR_S + TRACK_CAR_S + 0.9 * PRIMARY_CAR_S
    assert df.loc[1, "travel_min"] == pytest.approx((net + walk_s(200)) / 60, rel=1e-6)
    assert df.loc[1, "network_m"] == pytest.approx(800 + 2000 + 1000 + 900, rel=1e-6)
    # the way back (K1 -> S2) may use B: 0.1 of A + B + 0.2 of C
    tm = travel_matrix(["K1", "S2"], tiny, mode="car")
    back = 0.1 * PRIMARY_CAR_S + PRIMARY_CAR_S + 0.2 * PRIMARY_CAR_S + walk_s(200)
    assert tm.minutes[0, 1] == pytest.approx(back / 60, rel=1e-6)
    assert tm.minutes[1, 0] == pytest.approx(df.loc[1, "travel_min"], rel=1e-6)
    # on foot, B can be walked both ways: 0.2 of C, B, 0.1 of A
    w = nearest_centre(tiny, mode="walk", centres="candidates")
    assert w.loc[1, "travel_min"] == pytest.approx(
        (1.3 * PRIMARY_WALK_S + walk_s(200)) / 60, rel=1e-6
    )


@pytest.mark.parametrize(
    "closure",
    [
        [(2, 3)],
        [shapely.box(*ll(1400, -50), *ll(1600, 50))],
        gpd.GeoDataFrame(geometry=[shapely.box(*ll(1400, -50), *ll(1600, 50))], crs="EPSG:4326"),
    ],
    ids=["edge-list", "polygon", "geodataframe"],
)
def test_closure_removes_the_edge(tiny, closure):
    st = TravelSettings(mode="car", closures=closure)
    df = nearest_centre(tiny, settings=st)
    # S1 without B: 500 m back to node 1 (30 s), D (240 s), E (288 s), half of C (30 s)
    net = 0.5 * PRIMARY_CAR_S + TRACK_CAR_S + RESID_CAR_S + 0.5 * PRIMARY_CAR_S
    assert df.loc[0, "travel_min"] == pytest.approx((net + walk_s(300)) / 60, rel=1e-6)
    g = compile_graph(tiny, settings=st)
    assert g.edge_closed.tolist() == [False, True, False, False, False, False, False]
    open_ = nearest_centre(tiny, mode="car")
    assert (df["travel_min"] >= open_["travel_min"] - 1e-9).all()


def test_island_does_not_trap_a_settlement(tiny):
    df = nearest_centre(tiny, mode="car")
    # S3 is 100 m from the island road but joins the main network on C (t=0.1), 6500 m away
    # (so it is also far from the main road), then 0.4 of C to C1
    expected = 0.4 * PRIMARY_CAR_S + walk_s(6500 + 100)
    assert df.loc[2, "travel_min"] == pytest.approx(expected / 60, rel=1e-6)
    assert df.loc[2, "access_m"] == pytest.approx(6600, rel=1e-6)
    assert df.loc[2, "flags"] == "far_from_road,road_island"
    snaps = snap_to_network(tiny, tiny.settlements.iloc[[2]], mode="car")
    assert snaps.edge.tolist() == [2]
    assert snaps.fraction[0] == pytest.approx(0.1)


def test_snapping_to_any_piece_gives_nan_not_a_crash(tiny):
    st = TravelSettings(mode="car", snap_to_main_component=False)
    df = nearest_centre(tiny, settings=st)
    assert np.isnan(df.loc[2, "travel_min"])
    assert pd.isna(df.loc[2, "centre_id"])
    assert "unreachable" in df.loc[2, "flags"]
    assert df.loc[2, "access_m"] == pytest.approx(100, rel=1e-6)
    assert df.loc[0, "travel_min"] > 0


def test_far_from_road_is_flagged_not_dropped(tiny):
    df = nearest_centre(tiny, mode="car")
    assert df.loc[3, "flags"] == "far_from_road"
    # off-road 7000 m to node 2 (A's end, t=1), B, half of C; plus the centre's 100 m
    expected = PRIMARY_CAR_S + 0.5 * PRIMARY_CAR_S + walk_s(7100)
    assert df.loc[3, "travel_min"] == pytest.approx(expected / 60, rel=1e-6)
    near = nearest_centre(tiny, settings=TravelSettings(mode="car", max_snap_m=10_000))
    assert near.loc[3, "flags"] == ""


def test_motorway_not_for_motorbikes_and_maxspeed_caps():
    nodes = {1: (0.0, 0.0), 2: (1000.0, 0.0), 3: (0.0, 500.0), 4: (1000.0, 500.0)}
    edges = [
        {"u": 1, "v": 2, "highway": "motorway", "maxspeed_kph": 120.0},
        {"u": 3, "v": 4, "highway": "tertiary", "maxspeed_kph": 300.0},  # implausible
        {"u": 1, "v": 3, "highway": "unclassified", "surface": "asphalt"},
        {"u": 2, "v": 4, "highway": "unclassified", "surface": "dirt"},
    ]
    r = make_region(nodes, edges, [(0.0, -1.0)], [(1000.0, -1.0)], name="mw")
    car = nearest_centre(r, mode="car")
    # motorway maxspeed 120 never raises the class speed (100 km/h for cars)
    assert car.loc[0, "travel_min"] == pytest.approx(
        (1000 / (100 / 3.6) + walk_s(2.0)) / 60, rel=1e-5
    )
    bike = nearest_centre(r, mode="motorbike")
    # motorbikes: 500 m unclassified (30), 1000 m tertiary (35, bad maxspeed ignored),
    # 500 m unclassified dirt (30 x 0.7)
    net = 500 / (30 / 3.6) + 1000 / (35 / 3.6) + 500 / (21 / 3.6)
    assert bike.loc[0, "travel_min"] == pytest.approx((net + walk_s(2.0)) / 60, rel=1e-5)
    mon = nearest_centre(r, settings=TravelSettings(mode="motorbike", season="monsoon"))
    net_m = 500 / (30 / 3.6) + 1000 / (35 / 3.6) + 500 / (10.5 / 3.6)
    assert mon.loc[0, "travel_min"] == pytest.approx((net_m + walk_s(2.0)) / 60, rel=1e-5)


def test_coverage_matrix_tiny(tiny):
    m = coverage_matrix(tiny, sites="centres", cutoff_min=60, mode="car")
    assert m.shape == (4, 1)
    nc = nearest_centre(tiny, mode="car")
    dense = m.toarray()[:, 0]
    # S3 (61.9 min) and S4 (about 137 min) are beyond an hour
    assert m.nnz == 2
    np.testing.assert_allclose(dense[:2], nc["travel_min"].to_numpy()[:2], rtol=1e-9)
    m2 = coverage_matrix(tiny, sites="centres", cutoff_min=200, mode="car")
    np.testing.assert_allclose(m2.toarray()[:, 0], nc["travel_min"].to_numpy(), rtol=1e-9)


def test_coverage_matrix_stores_zero_for_a_site_on_the_settlement(tiny):
    sites = tiny.settlements.iloc[[0]][["geometry"]].assign(centre_id="at-S1")
    m = coverage_matrix(tiny, sites=sites, cutoff_min=30, mode="car")
    assert m.nnz >= 1
    assert m[0, 0] == 0.0
    assert 0 in m.indices[m.indptr[0] : m.indptr[1]]


def test_travel_matrix_and_route_agree(tiny):
    tm = travel_matrix(["S1", "C1", "K1"], tiny, mode="car")
    assert tm.minutes.shape == (3, 3)
    assert np.all(np.diag(tm.minutes) == 0)
    nc = nearest_centre(tiny, mode="car")
    assert tm.minutes[0, 1] == pytest.approx(nc.loc[0, "travel_min"], rel=1e-9)
    assert tm.metres[0, 1] == pytest.approx(2000, rel=1e-6)
    s1 = tiny.settlements.geometry.iloc[0]
    c1 = tiny.centres.geometry.iloc[0]
    r = route(tiny, s1, c1, mode="car")
    assert r.travel_min == pytest.approx(tm.minutes[0, 1], rel=1e-9)
    assert r.network_m == pytest.approx(2000, rel=1e-6)
    assert r.access_m == pytest.approx(300, rel=1e-6)
    # the line runs origin -> A -> node 2 -> B -> node 3 -> C -> centre, in lon/lat
    coords = np.asarray(r.geometry.coords)
    assert coords[0] == pytest.approx(np.asarray(ll(500, -200)), abs=1e-9)
    assert coords[-1] == pytest.approx(np.asarray(ll(2100, 500)), abs=1e-9)
    for x, y in [(500, 0), (1000, 0), (2000, 0), (2000, 500)]:
        assert min(np.hypot(*(coords - np.asarray(ll(x, y))).T)) < 1e-8
    line_m = gpd.GeoSeries([r.geometry], crs="EPSG:4326").to_crs("EPSG:32643").length.iloc[0]
    assert line_m == pytest.approx(2000 + 300, rel=1e-5)


def test_route_unreachable_raises(tiny):
    st = TravelSettings(mode="car", snap_to_main_component=False)
    with pytest.raises(UnreachableError, match="no car route"):
        route(tiny, ll(8500, 100), ll(2100, 500), settings=st)


def test_routes_equal_route_pair_by_pair(tiny, small_sample_region):
    # tiny: a hand-checked route both ways, and a point no car can reach (None, not an error)
    st = TravelSettings(mode="car", snap_to_main_component=False)
    s1, c1 = tiny.settlements.geometry.iloc[0], tiny.centres.geometry.iloc[0]
    pts = [s1, c1, shapely.Point(ll(8500, 100))]
    got = routes(tiny, pts, [(0, 1), (1, 0), (0, 2)], settings=st)
    assert got[0] is not None and got[0].network_m == pytest.approx(2000, rel=1e-6)
    assert got[2] is None
    for (o, d), r in zip([(0, 1), (1, 0)], got, strict=False):
        one = route(tiny, pts[o], pts[d], settings=st)
        assert r is not None and r.travel_min == one.travel_min
        assert r.geometry.equals_exact(one.geometry, 0.0)
    # the sample: many legs from shared origins, each the same as its own route()
    region = small_sample_region
    pts = list(region.settlements.geometry.iloc[:6]) + list(region.centres.geometry.iloc[:2])
    pairs = [(0, 6), (6, 0), (1, 2), (2, 1), (0, 7), (0, 3), (3, 3), (5, 6)]
    for mode in ("car", "walk"):
        series = gpd.GeoSeries(pts, crs="EPSG:4326")
        got = routes(region, series, pairs, mode=mode)
        tm = travel_matrix(series, region, mode=mode)
        for (o, d), r in zip(pairs, got, strict=True):
            assert r is not None
            assert r.travel_min == pytest.approx(tm.minutes[o, d], rel=1e-9, abs=1e-9)
        for (o, d), r in zip(pairs, got, strict=True):
            one = route(region, pts[o], pts[d], mode=mode)
            assert r is not None
            assert (r.travel_min, r.network_m, r.access_m) == (
                one.travel_min,
                one.network_m,
                one.access_m,
            )
            assert r.geometry.equals_exact(one.geometry, 0.0)


def test_isochrones_tiny(tiny):
    iso = isochrones(tiny, bands_min=(10, 5), mode="car", buffer_m=50)
    assert iso.crs == "EPSG:4326"
    assert list(iso["band_min"]) == [5.0, 10.0]
    assert (iso["centre_id"] == "C1").all()
    area = iso.to_crs("EPSG:32643").area.to_numpy()
    assert area[0] < area[1]
    inner = iso.geometry.iloc[0]
    # C1's own off-road leg takes 117 s, so nodes 3 and 4 are 147 s away; within 300 s:
    # all of B and A (node 2 at 207 s, node 1 at 267 s), then 33 s of the track D
    # (137.5 m north of node 1), and 153 s of E from node 4 (1062.5 m west of it)
    for x, y in [(2000, 500), (1500, 0), (300, 0), (0, 100), (1000, 1000)]:
        assert inner.contains(shapely.Point(ll(x, y))), (x, y)
    for x, y in [(0, 250), (800, 1000), (3000, 0)]:
        assert not inner.contains(shapely.Point(ll(x, y))), (x, y)
    assert iso.geometry.iloc[1].contains(shapely.Point(ll(0, 1000)))


def test_settings_errors():
    with pytest.raises(SchemaError, match="mode 'bus' is unknown"):
        TravelSettings(mode="bus")  # type: ignore[arg-type]
    with pytest.raises(SchemaError, match="walk_detour_factor"):
        TravelSettings(walk_detour_factor=0.5)
    bad = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 1, 1)], crs="EPSG:32643")
    with pytest.raises(CRSError, match="expected EPSG:4326"):
        TravelSettings(closures=bad)
    with pytest.raises(SchemaError, match="neither a geometry"):
        TravelSettings(closures=["road"])


def test_sites_in_wrong_crs_raise(tiny):
    sites = tiny.centres.to_crs("EPSG:32643")
    with pytest.raises(CRSError, match="never reprojected"):
        coverage_matrix(tiny, sites=sites)
    with pytest.raises(SchemaError, match="cutoff_min"):
        coverage_matrix(tiny, cutoff_min=-1)
    with pytest.raises(SchemaError, match="not settlement, centre or candidate ids"):
        travel_matrix(["nope"], tiny)


def test_disk_cache_roundtrip_and_corruption(tiny, tmp_path, caplog):
    st = TravelSettings(mode="car", cache_dir=tmp_path)
    g1 = compile_graph(tiny, settings=st)
    files = list(tmp_path.glob("graph-*.npz"))
    assert len(files) == 1
    clear_memory_cache()
    g2 = compile_graph(tiny, settings=st)
    np.testing.assert_array_equal(g1.weight_s, g2.weight_s)
    np.testing.assert_array_equal(g1.cr_indices, g2.cr_indices)
    # different settings -> different key and file
    compile_graph(tiny, settings=st.with_(season="monsoon"))
    assert len(list(tmp_path.glob("graph-*.npz"))) == 2
    # corrupt the first file: it is rebuilt, not trusted
    files[0].write_bytes(b"not a zip file at all")
    clear_memory_cache()
    with caplog.at_level("WARNING", logger="access.graph"):
        g3 = compile_graph(tiny, settings=st)
    assert "rebuilding" in caplog.text
    np.testing.assert_array_equal(g1.weight_s, g3.weight_s)
    clear_memory_cache()
    g4 = compile_graph(tiny, settings=st)  # the rebuilt file is good again
    np.testing.assert_array_equal(g1.indices, g4.indices)


def test_speed_profile_files(tmp_path):
    csv = tmp_path / "speeds.csv"
    csv.write_text("highway,walk_kph,motorbike_kph,car_kph\nprimary,5,40,90\n")
    p = load_speed_profile(csv)
    assert p.speed_kph("primary", "car") == 90
    assert p.speed_kph("track", "car") == 25  # untouched rows keep defaults
    y = tmp_path / "speeds.yaml"
    y.write_text(
        "highway_kph:\n  primary: {car: 70}\nunpaved_factor: {car: 0.5}\noffroad_walk_kph: 3\n"
    )
    q = load_speed_profile(y)
    assert q.speed_kph("primary", "car") == 70
    assert q.speed_kph("primary", "walk") == 5
    assert q.unpaved_factor["car"] == 0.5
    assert q.unpaved_factor["walk"] == 0.9
    assert q.offroad_walk_kph == 3
    assert q.digest() != p.digest()
    with pytest.raises(DataFileError, match="not found"):
        load_speed_profile(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.csv"
    bad.write_text("highway,walk_kph,motorbike_kph,car_kph\nprimary,5,fast,90\n")
    with pytest.raises(SchemaError, match="'fast' is not a number"):
        load_speed_profile(bad)
    (tmp_path / "unk.yaml").write_text("colour: red\n")
    with pytest.raises(SchemaError, match="unknown field"):
        load_speed_profile(tmp_path / "unk.yaml")


def test_profile_changes_times(tiny, tmp_path):
    y = tmp_path / "fast.yaml"
    y.write_text("highway_kph:\n  primary: {car: 120}\n")
    st = TravelSettings(mode="car", profile=load_speed_profile(y))
    df = nearest_centre(tiny, settings=st)
    expected = 2000 / (120 / 3.6) + walk_s(300)
    assert df.loc[0, "travel_min"] == pytest.approx(expected / 60, rel=1e-6)


def test_closures_object_is_normalised():
    st = TravelSettings(closures=[(1, 2), shapely.box(0, 0, 1, 1)])
    assert isinstance(st.closures, Closures)
    assert st.closures.edges == ((1, 2),)
    assert len(st.closures.polygons) == 1
