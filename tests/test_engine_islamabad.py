"""Exactness on the real Islamabad extract: the engine against an independent networkx search.

The road graph is read with :func:`geodata.osm.read_osm_roads`. Settlements are seeded random
points near the roads (plus a few anywhere in the extract); centres are 20 seeded points.
The reference splits every snapped edge at its join points (so a settlement and a centre on
one edge are handled by the graph itself), adds a super-source linked to each centre's join
point at the centre's off-road cost, and runs networkx ``multi_source_dijkstra`` on the
reversed graph. Both sides use the same speeds (``edge_speeds_kph``) and join points
(``snap_to_network``); snapping itself is checked against a brute-force nearest edge.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely

from access.engine import coverage_matrix, nearest_centre, snap_to_network
from access.speeds import TravelSettings, edge_speeds_kph
from geodata.region import Region

PBF = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "osm" / "islamabad.osm.pbf"
METRIC = "EPSG:32643"


@pytest.fixture(scope="module")
def islamabad() -> Region:
    if not PBF.is_file():
        pytest.skip(f"{PBF} is absent (the real OSM extract lives in ../shared, outside the repo)")
    from geodata.osm import read_osm_roads

    roads = read_osm_roads(PBF)
    rng = np.random.default_rng(42)
    nxy = shapely.get_coordinates(roads.nodes.geometry.values)
    pick = rng.choice(len(nxy), 400, replace=False)
    # ~0-500 m off a road node
    near = nxy[pick] + rng.normal(0, 0.002, (400, 2))
    lo, hi = nxy.min(axis=0), nxy.max(axis=0)
    anywhere = rng.uniform(lo, hi, (30, 2))
    sxy = np.vstack([near, anywhere])
    n = len(sxy)
    sett = gpd.GeoDataFrame(
        {
            "settlement_id": [f"S{i}" for i in range(n)],
            "name": [f"S{i}" for i in range(n)],
            "province": "ICT",
            "district": "Islamabad",
            "tehsil": "Islamabad",
            "union_council": "UC",
            "households": 1,
            "population": 6,
        },
        geometry=shapely.points(sxy),
        crs="EPSG:4326",
    )
    cxy = nxy[rng.choice(len(nxy), 20, replace=False)] + rng.normal(0, 0.0005, (20, 2))
    centres = gpd.GeoDataFrame(
        {
            "centre_id": [f"C{i}" for i in range(20)],
            "name": "c",
            "kind": "existing",
            "capacity_per_day": 100.0,
            "opening_cost_pkr": 0.0,
        },
        geometry=shapely.points(cxy),
        crs="EPSG:4326",
    )
    empty = centres.iloc[:0]
    return Region(
        name="islamabad-test",
        roads=roads,
        settlements=sett,
        centres=centres,
        candidates=centres.assign(kind="candidate"),
        boundaries=gpd.GeoDataFrame(geometry=empty.geometry.values, crs="EPSG:4326"),
        metadata={"metric_crs": METRIC, "fingerprint": "islamabad-test-v1"},
    )


def reference_times_s(region: Region, st: TravelSettings) -> np.ndarray:
    """Seconds settlement -> nearest centre with networkx on edges split at join points."""
    edges = region.roads.edges
    speed = edge_speeds_kph(edges, mode=st.mode, season=st.season, profile=st.profile)
    t_edge = edges["length_m"].to_numpy() / np.where(speed > 0, speed / 3.6, np.nan)
    u = edges["u"].to_numpy()
    v = edges["v"].to_numpy()
    oneway = edges["oneway"].to_numpy(bool) if st.mode != "walk" else np.zeros(len(edges), bool)
    s_snap = snap_to_network(region, region.settlements, settings=st)
    c_snap = snap_to_network(region, region.centres, settings=st)
    offroad = st.offroad_speed_mps
    # join points per edge, sorted along it
    joins: dict[int, list[tuple[float, object]]] = {}
    for kind, snaps in (("s", s_snap), ("c", c_snap)):
        for i, (e, t) in enumerate(zip(snaps.edge, snaps.fraction, strict=True)):
            joins.setdefault(int(e), []).append((float(t), (kind, i)))
    g = nx.DiGraph()

    def add(a: object, b: object, w: float) -> None:
        # reversed graph: store b -> a for the trip a -> b
        if not g.has_edge(b, a) or g[b][a]["weight"] > w:
            g.add_edge(b, a, weight=w)

    for k in np.flatnonzero(speed > 0):
        chain = [(0.0, int(u[k])), *sorted(joins.get(int(k), []), key=lambda p: p[0])]
        chain += [(1.0, int(v[k]))]
        for (t0, a), (t1, b) in itertools.pairwise(chain):
            w = (t1 - t0) * t_edge[k]
            add(a, b, w)
            if not oneway[k] or w == 0.0:  # points at one spot need no arc between them
                add(b, a, w)
    for i in range(len(c_snap)):
        g.add_edge("SUPER", ("c", i), weight=float(c_snap.access_m[i] / offroad))
    dist = nx.single_source_dijkstra_path_length(g, "SUPER", weight="weight")
    out = np.array([dist.get(("s", i), np.inf) for i in range(len(s_snap))])
    out = out + s_snap.access_m / offroad
    # walking straight to a centre within max_snap_m is allowed too
    d = np.hypot(*(s_snap.point_xy[:, None, :] - c_snap.point_xy[None, :, :]).transpose(2, 0, 1))
    direct = np.where(d <= st.max_snap_m, d / offroad, np.inf).min(axis=1)
    return np.minimum(out, direct)


@pytest.mark.parametrize("mode", ["car", "walk", "motorbike"])
def test_nearest_centre_equals_networkx(islamabad, mode):
    st = TravelSettings(mode=mode)
    got = nearest_centre(islamabad, settings=st)
    ref = reference_times_s(islamabad, st) / 60.0
    assert got["travel_min"].notna().all()
    np.testing.assert_allclose(got["travel_min"].to_numpy(), ref, rtol=1e-9, atol=1e-9)


def test_network_metres_follow_the_path(islamabad, tmp_path):
    # with one speed everywhere, network seconds = metres / speed exactly
    y = tmp_path / "flat.yaml"
    rows = "\n".join(f"  {c}: {{car: 36}}" for c in _classes(islamabad))
    y.write_text(f"highway_kph:\n{rows}\nunpaved_factor: {{car: 1.0}}\nmaxspeed_min_kph: 1000\n")
    from access.speeds import load_speed_profile

    st = TravelSettings(mode="car", profile=load_speed_profile(y))
    got = nearest_centre(islamabad, settings=st)
    off_s = got["access_m"] / st.offroad_speed_mps
    net_s = got["travel_min"] * 60 - off_s
    np.testing.assert_allclose(net_s, got["network_m"] / 10.0, rtol=1e-7, atol=1e-6)
    ref = reference_times_s(islamabad, st) / 60.0
    np.testing.assert_allclose(got["travel_min"].to_numpy(), ref, rtol=1e-9, atol=1e-9)


def test_snapping_is_the_nearest_main_edge(islamabad):
    st = TravelSettings(mode="car")
    snaps = snap_to_network(islamabad, islamabad.settlements.iloc[:60], settings=st)
    from access.graph import compile_graph

    g = compile_graph(islamabad, settings=st)
    lines = islamabad.roads.edges.geometry.to_crs(METRIC).values[g.edge_snappable]
    pts = islamabad.settlements.geometry.iloc[:60].to_crs(METRIC).values
    brute = np.array([shapely.distance(lines, p).min() for p in pts])
    np.testing.assert_allclose(snaps.access_m, brute, rtol=1e-9, atol=1e-6)


def test_coverage_matches_nearest_on_real_data(islamabad):
    st = TravelSettings(mode="car")
    m = coverage_matrix(islamabad, sites="centres", cutoff_min=30, settings=st)
    nc = nearest_centre(islamabad, settings=st)
    best = np.full(m.shape[0], np.nan)
    has = m.getnnz(axis=1) > 0
    dense = m.toarray()
    dense[dense == 0] = np.inf
    for r in np.flatnonzero(has):
        row = m.getrow(r)
        best[r] = row.data.min()
    within = nc["travel_min"].to_numpy() <= 30
    assert (has == within).all()
    np.testing.assert_allclose(best[has], nc["travel_min"].to_numpy()[has], rtol=1e-9)


def _classes(region: Region) -> list[str]:
    return sorted(pd.unique(region.roads.edges["highway"].astype(str)))
