"""Off-road travel over a surface (#22): hand-computed grids, networkx, rasters, the region."""

from __future__ import annotations

import math
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import rasterio
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st

from access.engine import coverage_matrix, nearest_centre, travel_matrix
from access.friction import OffroadSettings, load_surface, surface_from_arrays, tobler_kph
from access.offroad import (
    combined_csr,
    grid_graph,
    grid_path_metres,
    grid_search,
    nearest_search,
    path_metres,
    point_seeds,
)
from access.offroad_grid import OFFSETS, grid_arcs
from access.speeds import TravelSettings
from geodata.errors import CRSError, DataFileError, SchemaError

CELL = 100.0
WALK = 0.72  # s/m: 5 km/h


def _no_roads():
    return {
        "road_xy": np.empty((0, 2)),
        "arc_tail": np.empty(0, np.int64),
        "arc_head": np.empty(0, np.int64),
        "arc_time_s": np.empty(0),
    }


def _times_from(surface, rc, *, roads=None, reverse=False):
    g = combined_csr(surface, reverse=reverse, **(roads or _no_roads()))
    cols = surface.shape[1]
    src = np.array([rc[0] * cols + rc[1]], np.int64)
    xy = surface.cell_xy(src)
    seeds, _ = point_seeds(surface, xy)
    return nearest_search(g, seeds, np.arange(1)).dist


# ---------------------------------------------------------------------------------------
# hand-computed grids


@pytest.mark.parametrize(
    ("k", "bound"),
    [(8, math.sqrt(1 + (math.sqrt(2) - 1) ** 2)), (16, math.sqrt(1 + (math.sqrt(5) - 2) ** 2))],
)
def test_uniform_friction_gives_straight_lines_within_the_known_error(k, bound):
    n = 41
    s = surface_from_arrays(np.full((n, n), WALK), cell_m=CELL, neighbours=k)
    dist = _times_from(s, (20, 20))[: n * n].reshape(n, n)
    r, c = np.mgrid[0:n, 0:n]
    straight = np.hypot(r - 20, c - 20) * CELL * WALK
    ratio = dist[straight > 0] / straight[straight > 0]
    assert ratio.min() >= 1 - 1e-6  # never faster than the straight line
    assert ratio.max() <= bound + 1e-6  # 8.24 % (8) / 2.75 % (16) at worst
    assert ratio.max() > bound - 0.01  # the bound is reached: it is the right one
    # along the axes and the diagonals the grid is exact
    assert dist[20, 40] == pytest.approx(20 * CELL * WALK, rel=1e-6)
    assert dist[0, 0] == pytest.approx(20 * math.sqrt(2) * CELL * WALK, rel=1e-6)


def test_a_wall_with_one_gap_forces_the_detour():
    n = 21
    flat = np.full((n, n), WALK)
    flat[:, 10] = np.nan  # a river, one cell wide
    flat[2, 10] = WALK  # ... with one crossing at row 2
    s = surface_from_arrays(flat, cell_m=CELL, neighbours=16)
    dist = _times_from(s, (10, 5))[: n * n].reshape(n, n)
    # through the gap cell straight (no move may touch the river): (10,5) -> (2,9) is four
    # knight's moves, then (2,9) -> (2,11) two cells, then four knight's moves to (10,15)
    via_gap = (2 * math.hypot(8, 4) + 2) * CELL * WALK
    assert dist[10, 15] == pytest.approx(via_gap, rel=1e-6)
    assert dist[10, 15] > 1.5 * 10 * CELL * WALK  # far longer than straight across
    flat[2, 10] = np.nan  # no crossing at all
    s = surface_from_arrays(flat, cell_m=CELL, neighbours=16)
    dist = _times_from(s, (10, 5))[: n * n].reshape(n, n)
    assert np.isinf(dist[:, 11:]).all()  # no knight's move jumps a one-cell river


def test_diagonal_moves_do_not_cut_the_corner_of_a_diagonal_wall():
    flat = np.full((2, 2), WALK)
    flat[0, 1] = flat[1, 0] = np.nan
    s = surface_from_arrays(flat, cell_m=CELL, neighbours=8)
    assert np.isinf(_times_from(s, (0, 0))[3])


def test_tobler_uphill_is_slower_than_downhill_by_the_functions_ratio():
    elev = np.array([[0.0, 10.0]])  # 10 m rise over 100 m: slope 0.1
    flat = np.full((1, 2), 3.6 / float(tobler_kph(np.array([0.0]))[0]))
    s = surface_from_arrays(flat, cell_m=CELL, elevation_m=elev, neighbours=8)
    up = _times_from(s, (0, 0))[1]
    down = _times_from(s, (0, 1))[0]
    assert up == pytest.approx(CELL * 3.6 / (6 * math.exp(-3.5 * 0.15)), rel=1e-5)
    assert down == pytest.approx(CELL * 3.6 / (6 * math.exp(-3.5 * 0.05)), rel=1e-5)
    assert up / down == pytest.approx(math.exp(3.5 * 0.1), rel=1e-5)
    # the reversed graph carries the cost of the trip *to* the source
    assert _times_from(s, (0, 1), reverse=True)[0] == pytest.approx(up, rel=1e-6)


def test_slopes_steeper_than_max_slope_are_cliffs():
    elev = np.array([[0.0, 150.0]])
    s = surface_from_arrays(np.full((1, 2), WALK), cell_m=CELL, elevation_m=elev, neighbours=8)
    assert np.isinf(_times_from(s, (0, 0))[1])


def test_a_road_across_the_grid_is_used_when_faster():
    slow = 6.0  # s/m: 0.6 km/h through thorn scrub
    s = surface_from_arrays(np.full((1, 50), slow), cell_m=CELL, neighbours=8)
    a, b = s.cell_xy(np.array([2, 47]))
    roads = {
        "road_xy": np.array([a, b]),
        "arc_tail": np.array([0, 1]),
        "arc_head": np.array([1, 0]),
        "arc_time_s": np.array([60.0, 60.0]),
    }
    dist = _times_from(s, (0, 0), roads=roads)
    assert dist[49] == pytest.approx(2 * CELL * slow + 60.0 + 2 * CELL * slow)
    assert dist[49] < 49 * CELL * slow
    # a one-way road is not used against its direction
    one_way = dict(roads, arc_tail=np.array([1]), arc_head=np.array([0]), arc_time_s=[60.0])
    assert _times_from(s, (0, 0), roads=one_way)[49] == pytest.approx(49 * CELL * slow)


def _nx_graph(surface, roads):
    """The combined graph built cell by cell from the documented formulas (independent)."""
    G = nx.DiGraph()
    rows, cols = surface.shape
    G.add_nodes_from(range(rows * cols))
    flat = surface.flat_s_per_m
    elev = surface.elevation_m
    t0 = 6 * math.exp(-3.5 * 0.05)
    ok = np.isfinite(flat)

    def passable(r, c):
        return 0 <= r < rows and 0 <= c < cols and ok[r, c]

    for r in range(rows):
        for c in range(cols):
            for dr, dc in OFFSETS[: surface.neighbours]:
                r2, c2 = r + dr, c + dc
                crossed = [(r, c), (r2, c2)]
                if abs(dr) == 1 and abs(dc) == 1:
                    side = [(r + dr, c), (r, c + dc)]
                    if not all(passable(*x) for x in side):
                        continue
                elif abs(dr) == 2:
                    crossed += [(r + dr // 2, c), (r + dr // 2, c + dc)]
                elif abs(dc) == 2:
                    crossed += [(r, c + dc // 2), (r + dr, c + dc // 2)]
                if not all(passable(*x) for x in crossed):
                    continue
                d = CELL * math.hypot(dr, dc)
                w = d * np.mean([flat[x] for x in crossed])
                if elev is not None:
                    slope = (elev[r2, c2] - elev[r, c]) / d
                    if abs(slope) > surface.max_slope:
                        continue
                    w *= t0 / (6 * math.exp(-3.5 * abs(slope + 0.05)))
                G.add_edge(r * cols + c, r2 * cols + c2, weight=w)
    n = rows * cols
    for t, h, w in zip(roads["arc_tail"], roads["arc_head"], roads["arc_time_s"], strict=True):
        old = G.get_edge_data(n + int(t), n + int(h), {"weight": np.inf})["weight"]
        G.add_edge(n + int(t), n + int(h), weight=min(old, float(w)))  # parallel arcs
    for i, xy in enumerate(roads["road_xy"]):
        cell = int(surface.cell_of(np.asarray(xy)[None, :])[0])
        if cell >= 0 and ok.ravel()[cell]:
            w = float(np.hypot(*(xy - surface.cell_xy(np.array([cell]))[0])) * flat.ravel()[cell])
            G.add_edge(cell, n + i, weight=w)
            G.add_edge(n + i, cell, weight=w)
    return G


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.sampled_from([8, 16]), dem=st.booleans())
def test_combined_graph_equals_networkx(seed, k, dem):
    rng = np.random.default_rng(seed)
    rows, cols = 7, 9
    flat = rng.uniform(0.5, 3.0, (rows, cols))
    flat[rng.random((rows, cols)) < 0.15] = np.nan
    elev = rng.uniform(0, 60, (rows, cols)) if dem else None
    s = surface_from_arrays(flat, cell_m=CELL, elevation_m=elev, neighbours=k)
    m = 5
    road_xy = np.column_stack([rng.uniform(0, cols * CELL, m), -rng.uniform(0, rows * CELL, m)])
    tail = rng.integers(0, m, 6)
    head = (tail + 1 + rng.integers(0, m - 1, 6)) % m
    roads = {
        "road_xy": road_xy,
        "arc_tail": tail,
        "arc_head": head,
        "arc_time_s": rng.uniform(1, 50, 6),
    }
    g = combined_csr(s, **roads)
    G = _nx_graph(s, roads)
    src = int(np.flatnonzero(np.isfinite(s.flat_s_per_m.ravel()))[0])
    seeds, _ = point_seeds(s, s.cell_xy(np.array([src])))
    ours = nearest_search(g, seeds, np.arange(1)).dist
    ref = nx.single_source_dijkstra_path_length(G, src)
    reached = np.flatnonzero(np.isfinite(ours))
    assert set(reached.tolist()) == set(ref) | {src}
    for v, d in ref.items():
        assert ours[v] == pytest.approx(d, rel=1e-5, abs=1e-4)


def test_grid_arcs_are_built_without_a_loop_over_cells_and_stay_in_csr_order():
    s = surface_from_arrays(np.ones((3, 4)), cell_m=CELL, neighbours=16)
    indptr, indices, w = grid_arcs(s)
    assert indptr[-1] == indices.size == w.size
    tails = np.repeat(np.arange(12), np.diff(indptr))
    assert (np.diff(tails) >= 0).all()
    assert w.dtype == np.float32 and (w > 0).all()


# ---------------------------------------------------------------------------------------
# rasters


def _tif(path: Path, arr, *, crs="EPSG:4326", bounds=(69.0, 30.5), res=0.001, nodata=-9999.0):
    arr = np.asarray(arr, np.float32)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=arr.shape[1],
        height=arr.shape[0],
        count=1,
        dtype="float32",
        crs=crs,
        transform=Affine(res, 0.0, bounds[0], 0.0, -res, bounds[1]),
        nodata=nodata,
    ) as dst:
        dst.write(arr, 1)
    return path


def _metric_bounds():
    from pyproj import Transformer

    tr = Transformer.from_crs("EPSG:4326", "EPSG:32642", always_xy=True)
    x0, y0 = tr.transform(69.01, 30.41)
    x1, y1 = tr.transform(69.09, 30.49)
    return "EPSG:32642", (x0, y0, x1, y1)


def test_friction_raster_is_reprojected_and_nodata_is_a_barrier(tmp_path):
    arr = np.full((100, 100), 0.012, np.float32)
    arr[:, 50] = -9999.0  # a north-south river of nodata
    f = _tif(tmp_path / "friction.tif", arr)
    crs, bounds = _metric_bounds()
    s = load_surface(OffroadSettings(friction=f), crs=crs, bounds=bounds)
    assert 80 < s.cell_m < 110  # the native 0.001 degree in metres
    v = s.flat_s_per_m[np.isfinite(s.flat_s_per_m)]
    assert np.allclose(v, 0.72)
    assert (~np.isfinite(s.flat_s_per_m)).any(axis=0).sum() >= 1  # the river survives


def test_landcover_classes_give_speeds_and_zero_is_a_barrier(tmp_path):
    arr = np.ones((100, 100), np.float32)
    arr[:50] = 2
    arr[:20] = 9  # rows 10-20 lie inside the region
    lc = _tif(tmp_path / "lc.tif", arr, nodata=255)
    table = tmp_path / "speeds.csv"
    table.write_text("class,kph\n1,5\n2,2.5\n9,0\n")
    crs, bounds = _metric_bounds()
    s = load_surface(OffroadSettings(landcover=lc, landcover_speeds=table), crs=crs, bounds=bounds)
    vals = {round(float(v), 4) for v in np.unique(s.flat_s_per_m[np.isfinite(s.flat_s_per_m)])}
    assert vals == {round(3.6 / 5, 4), round(3.6 / 2.5, 4)}
    assert (~np.isfinite(s.flat_s_per_m)).any()  # class 9 at 0 km/h is a barrier
    table.write_text("class,kph\n1,5\n")
    with pytest.raises(SchemaError, match=r"classes \[2, 9\] are not in"):
        load_surface(OffroadSettings(landcover=lc, landcover_speeds=table), crs=crs, bounds=bounds)


def test_bad_rasters_are_refused_naming_the_file(tmp_path):
    crs, bounds = _metric_bounds()
    ok = np.full((100, 100), 0.012)
    far = _tif(tmp_path / "far.tif", ok, bounds=(75.0, 35.0))
    with pytest.raises(SchemaError, match=r"far\.tif.*does not overlap"):
        load_surface(OffroadSettings(friction=far), crs=crs, bounds=bounds)
    empty = _tif(tmp_path / "empty.tif", np.full((100, 100), -9999.0))
    with pytest.raises(SchemaError, match=r"empty\.tif.*all nodata"):
        load_surface(OffroadSettings(friction=empty), crs=crs, bounds=bounds)
    kmh = _tif(tmp_path / "speed.tif", np.full((100, 100), 5.0))
    with pytest.raises(SchemaError, match=r"speed\.tif.*not in minutes per metre"):
        load_surface(OffroadSettings(friction=kmh), crs=crs, bounds=bounds)
    feet = _tif(tmp_path / "dem.tif", np.full((100, 100), 30000.0))
    with pytest.raises(SchemaError, match=r"dem\.tif.*not metres"):
        load_surface(OffroadSettings(elevation=feet), crs=crs, bounds=bounds)
    nocrs = tmp_path / "nocrs.tif"
    with rasterio.open(
        nocrs,
        "w",
        driver="GTiff",
        width=10,
        height=10,
        count=1,
        dtype="float32",
        transform=Affine(0.01, 0.0, 69.0, 0.0, -0.01, 30.5),
    ) as dst:
        dst.write(np.full((10, 10), 0.012, np.float32), 1)
    with pytest.raises(CRSError, match=r"nocrs\.tif.*no CRS"):
        load_surface(OffroadSettings(friction=nocrs), crs=crs, bounds=bounds)
    with pytest.raises(DataFileError, match=r"missing\.tif"):
        load_surface(OffroadSettings(friction=tmp_path / "missing.tif"), crs=crs, bounds=bounds)
    text = tmp_path / "text.tif"
    text.write_text("not a raster")
    with pytest.raises(DataFileError, match=r"text\.tif.*cannot be read"):
        load_surface(OffroadSettings(friction=text), crs=crs, bounds=bounds)


def test_offroad_settings_refuse_bad_combinations(tmp_path):
    with pytest.raises(SchemaError, match="give a friction"):
        OffroadSettings()
    with pytest.raises(SchemaError, match="not both"):
        OffroadSettings(friction="a.tif", landcover="b.tif", landcover_speeds="c.csv")
    with pytest.raises(SchemaError, match="8 or 16"):
        OffroadSettings(elevation="a.tif", neighbours=4)


# ---------------------------------------------------------------------------------------
# on a region


@pytest.fixture(scope="module")
def region_friction(small_sample_region, tmp_path_factory):
    b = small_sample_region.settlements.total_bounds
    res = 0.001
    w, h = int((b[2] - b[0] + 0.1) / res), int((b[3] - b[1] + 0.1) / res)
    path = tmp_path_factory.mktemp("offroad") / "friction.tif"
    return _tif(path, np.full((h, w), 0.012 * 1.3), bounds=(b[0] - 0.05, b[3] + 0.05))


def test_without_a_surface_the_numbers_are_unchanged(small_sample_region):
    a = nearest_centre(small_sample_region, mode="walk")
    b = nearest_centre(small_sample_region, settings=TravelSettings(mode="walk", offroad=False))
    assert a.equals(b)


@pytest.mark.parametrize("mode", ["walk", "car"])
def test_region_nearest_coverage_and_matrix_agree(small_sample_region, region_friction, mode):
    st_ = TravelSettings(mode=mode, offroad=OffroadSettings(friction=region_friction))
    near = nearest_centre(small_sample_region, settings=st_)
    assert near["travel_min"].notna().all()
    assert (near["access_m"] >= 0).all() and (near["network_m"] >= 0).all()
    cov = coverage_matrix(small_sample_region, sites="centres", cutoff_min=1e5, settings=st_)
    assert np.allclose(cov.toarray().min(axis=1), near["travel_min"].to_numpy())
    ids = list(small_sample_region.centres["centre_id"].astype(str))
    tm = travel_matrix(ids, small_sample_region, settings=st_)
    assert np.allclose(np.diag(tm.minutes), 0.0)
    if mode == "walk":  # friction is symmetric and walking ignores one-way rules
        assert np.allclose(tm.minutes, tm.minutes.T, rtol=1e-5)


def test_region_walk_never_beats_the_best_of_roads_and_straight_lines(
    small_sample_region, region_friction
):
    """A very slow surface leaves only the roads: times rise; a road leg can only help."""
    st_ = TravelSettings(mode="walk", offroad=OffroadSettings(friction=region_friction))
    near = nearest_centre(small_sample_region, settings=st_)
    straight = nearest_centre(small_sample_region, mode="walk")
    # 4 km/h x 1.3 detour vs 5 km/h / 1.3 friction: same off-road speed; the surface path
    # may take any road, so it is never much slower than the straight-line model
    assert (near["travel_min"] <= straight["travel_min"] * 1.10 + 1.0).mean() > 0.9


# ---------------------------------------------------------------------------------------
# the grid-aware kernel (moves on the fly) equals the CSR search and networkx exactly


def _random_case(seed, k, dem, rows=9, cols=11):
    rng = np.random.default_rng(seed)
    flat = rng.uniform(0.5, 3.0, (rows, cols))
    flat[rng.random((rows, cols)) < 0.15] = np.nan
    elev = rng.uniform(0, 80, (rows, cols)) if dem else None
    s = surface_from_arrays(flat, cell_m=CELL, elevation_m=elev, neighbours=k, max_slope=0.6)
    m = 6
    road_xy = np.column_stack([rng.uniform(0, cols * CELL, m), -rng.uniform(0, rows * CELL, m)])
    tail = rng.integers(0, m, 8)
    head = (tail + 1 + rng.integers(0, m - 1, 8)) % m
    roads = {
        "road_xy": road_xy,
        "arc_tail": tail,
        "arc_head": head,
        "arc_time_s": rng.uniform(1, 50, 8),
    }
    passable = np.flatnonzero(np.isfinite(s.flat_s_per_m.ravel()))
    src = rng.choice(passable, size=3, replace=False)
    xy = s.cell_xy(src) + rng.uniform(-CELL / 2, CELL / 2, (3, 2))
    return s, roads, xy


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    k=st.sampled_from([8, 16]),
    dem=st.booleans(),
    reverse=st.booleans(),
)
def test_grid_kernel_equals_the_csr_search_and_networkx_exactly(seed, k, dem, reverse):
    s, roads, xy = _random_case(seed, k, dem)
    seeds, _ = point_seeds(s, xy)
    labels = np.arange(seeds.n_items)
    csr = combined_csr(s, reverse=reverse, **roads)
    ref = nearest_search(csr, seeds, labels)
    got = grid_search(grid_graph(s, reverse=reverse, **roads), seeds, labels)
    assert np.array_equal(got.dist, ref.dist)  # bit for bit, inf where unreached
    assert np.array_equal(got.label, ref.label)
    # networkx on the same float32 arcs, from a super source at the seeds' costs
    G = nx.DiGraph()
    tails = np.repeat(np.arange(csr.n_nodes), np.diff(csr.indptr))
    for t, h, w in zip(tails, csr.indices, csr.weight_s.astype(np.float64), strict=True):
        old = G.get_edge_data(int(t), int(h), {"weight": np.inf})["weight"]
        G.add_edge(int(t), int(h), weight=min(old, float(w)))
    for node, cost in zip(seeds.node, seeds.cost, strict=True):
        G.add_edge(-1, int(node), weight=float(cost))
    nxd = nx.single_source_dijkstra_path_length(G, -1)
    for v in range(csr.n_nodes):
        assert got.dist[v] == nxd.get(v, np.inf)


def test_grid_kernel_paths_walk_back_to_their_seed_with_the_csr_metres():
    s, roads, xy = _random_case(5, 16, True)
    seeds, _ = point_seeds(s, xy)
    labels = np.arange(seeds.n_items)
    csr = combined_csr(s, reverse=True, **roads)
    gg = grid_graph(s, reverse=True, **roads)
    a = nearest_search(csr, seeds, labels)
    b = grid_search(gg, seeds, labels)
    start = np.flatnonzero(np.isfinite(b.dist))
    off_a, road_a = path_metres(csr, a.pred, start)
    off_b, road_b = grid_path_metres(gg, b.pred, start)
    # random costs: no ties, so the same tree (arc predecessors -> their tail nodes)
    tails = np.repeat(np.arange(csr.n_nodes), np.diff(csr.indptr))
    assert np.array_equal(np.where(a.pred >= 0, tails[a.pred], -1), b.pred)
    assert np.array_equal(off_a, off_b) and np.array_equal(road_a, road_b)
    assert (road_b > 0).any() and (off_b >= 0).all() and np.isfinite(off_b).all()
    assert (b.pred[seeds.node] == -1).all() and gg.nbytes() < csr.nbytes()


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    width=st.sampled_from([0.01, 1.0, 30.0, 1e4]),
    n_buckets=st.sampled_from([2, 4, 64]),
    reverse=st.booleans(),
)
def test_bucket_queue_is_exact_for_any_bucket_width_and_ring_size(seed, width, n_buckets, reverse):
    # tiny rings carry entries forward, wide buckets settle in rounds: the same distances
    from access.offroad_kernel import grid_search_kernel

    s, roads, xy = _random_case(seed, 8, True)
    seeds, _ = point_seeds(s, xy)
    labels = np.arange(seeds.n_items)
    ref = nearest_search(combined_csr(s, reverse=reverse, **roads), seeds, labels)
    gg = grid_graph(s, reverse=reverse, **roads)
    dist, label, _ = grid_search_kernel(
        *gg.kernel_args(),
        seeds.node.astype(np.int32),
        seeds.cost.astype(np.float64),
        labels[seeds.item_of_entry()].astype(np.int32),
        width,
        n_buckets,
    )
    assert np.array_equal(dist, ref.dist)
    assert np.array_equal(label, ref.label)


def test_bucket_width_is_a_lower_bound_of_every_cell_move():
    from access.offroad import arc_metres

    rng = np.random.default_rng(3)
    flat = rng.uniform(0.01, 50.0, (12, 14))  # a 5,000x range of friction
    elev = rng.uniform(0, 60, (12, 14))
    s = surface_from_arrays(flat, cell_m=CELL, elevation_m=elev, neighbours=16, max_slope=0.5)
    g = combined_csr(s, **_no_roads())
    width, n_buckets = grid_graph(s, **_no_roads()).buckets()
    assert width <= g.weight_s.min() and n_buckets & (n_buckets - 1) == 0
    # the ring holds the heaviest move, or the width grew to make it so
    assert g.weight_s.max() <= width * (n_buckets - 2) * (1 + 1e-6)
    # arcs' metres: orthogonal moves one cell, diagonals sqrt(2), knight's moves sqrt(5)
    assert set(np.round(arc_metres(g) / CELL, 6)) == {1.0, round(math.sqrt(2), 6), 2.236068}


def test_travel_matrix_metres_over_a_strip_are_the_straight_walk():
    from access.offroad import arc_metres
    from access.search import bounded_one_to_many

    s = surface_from_arrays(np.full((1, 5), WALK), cell_m=CELL, neighbours=8)
    g = combined_csr(s, **_no_roads())
    seeds, _ = point_seeds(s, np.array([[30.0, -50.0], [420.0, -50.0]]))
    res = bounded_one_to_many(
        g.indptr, g.indices, g.weight_s, seeds, targets=seeds, lengths=arc_metres(g)
    )
    pair = (res.source == 0) & (res.target == 1)
    # 20 m to the first centre, 400 m between the centres, 30 m from the last centre
    assert res.length[pair].tolist() == [pytest.approx(450.0)]
    assert res.cost[pair].tolist() == [pytest.approx(450.0 * WALK, rel=1e-6)]
