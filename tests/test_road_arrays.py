"""Roads as arrays: read straight from the region files, and identical answers to GeoDataFrames."""

from __future__ import annotations

import pickle
import shutil
import struct
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from pyproj import Transformer

from access.context import clear_travel_contexts, travel_context
from access.engine import coverage_matrix, nearest_centre
from access.graph import compile_graph
from access.speeds import TravelSettings
from geodata.errors import DataFileError
from geodata.region import RoadNetwork, load_region, save_region
from geodata.road_arrays import read_road_arrays, road_arrays_from_frames
from scenarios.national import build_national_region, national_params, run_national

MODES = ("walk", "motorbike", "car")


def _write_lines(path: Path, wkb: list[bytes], **cols: list[object]) -> None:
    table = pa.table({**cols, "geometry": pa.array(wkb, pa.binary())})
    pq.write_table(table, path)


def _edge_cols(n: int) -> dict[str, list[object]]:
    return {
        "u": list(range(n)),
        "v": list(range(1, n + 1)),
        "highway": ["primary"] * n,
        "oneway": [False] * n,
        "length_m": [1.0] * n,
    }


def _nodes(path: Path, n: int) -> None:
    pts = [shapely.to_wkb(shapely.Point(70 + i, 30)) for i in range(n)]
    pq.write_table(pa.table({"node_id": list(range(n)), "geometry": pts}), path)


def test_wkb_is_decoded_by_hand_checkable_coordinates(tmp_path):
    # two little-endian linestrings (2 and 3 vertices) and one big-endian (shapely decodes it)
    a = shapely.to_wkb(shapely.LineString([(70, 30), (71, 31)]))
    b = shapely.to_wkb(shapely.LineString([(71, 31), (71.5, 31.5), (72, 32)]))
    _nodes(tmp_path / "n.parquet", 3)
    _write_lines(tmp_path / "e.parquet", [a, b], **_edge_cols(2))
    ra = read_road_arrays(tmp_path / "n.parquet", tmp_path / "e.parquet")
    assert ra.vertex_ptr.tolist() == [0, 2, 5]
    assert ra.vertex_xy.tolist() == [[70, 30], [71, 31], [71, 31], [71.5, 31.5], [72, 32]]
    assert ra.node_xy.tolist() == [[70, 30], [71, 30], [72, 30]]
    assert ra.vertex_edge().tolist() == [0, 0, 1, 1, 1]
    big = b"\x00" + struct.pack(">II", 2, 2) + struct.pack(">4d", 70, 30, 71, 31)
    _write_lines(tmp_path / "e2.parquet", [big, b], **_edge_cols(2))
    rb = read_road_arrays(tmp_path / "n.parquet", tmp_path / "e2.parquet")
    assert np.array_equal(rb.vertex_xy, ra.vertex_xy) and np.array_equal(
        rb.vertex_ptr, ra.vertex_ptr
    )


def test_bad_road_files_give_clear_errors(tmp_path):
    line = shapely.to_wkb(shapely.LineString([(70, 30), (71, 31)]))
    _nodes(tmp_path / "n.parquet", 2)
    cols = _edge_cols(1)
    del cols["highway"]
    _write_lines(tmp_path / "e.parquet", [line], **cols)
    with pytest.raises(DataFileError, match=r"e\.parquet: column\(s\) highway are missing"):
        read_road_arrays(tmp_path / "n.parquet", tmp_path / "e.parquet")
    point = shapely.to_wkb(shapely.Point(70, 30))
    _write_lines(tmp_path / "e.parquet", [point], **_edge_cols(1))
    with pytest.raises(DataFileError, match="row 0 is not a LineString"):
        read_road_arrays(tmp_path / "n.parquet", tmp_path / "e.parquet")
    table = pa.table({**_edge_cols(1), "geometry": pa.array([None], pa.binary())})
    pq.write_table(table, tmp_path / "e.parquet")
    with pytest.raises(DataFileError, match=r"1 row\(s\) have no geometry"):
        read_road_arrays(tmp_path / "n.parquet", tmp_path / "e.parquet")
    (tmp_path / "e.parquet").write_bytes(b"not parquet")
    with pytest.raises(DataFileError, match=r"e\.parquet: cannot be read"):
        read_road_arrays(tmp_path / "n.parquet", tmp_path / "e.parquet")


def test_missing_road_file_of_an_array_region_is_named(small_sample_region_dir, tmp_path):
    folder = shutil.copytree(small_sample_region_dir, tmp_path / "r")
    (folder / "road_edges.parquet").unlink()
    with pytest.raises(DataFileError, match=r"road_edges\.parquet"):
        load_region(folder, roads="arrays", verify=False)


def test_arrays_from_the_files_equal_arrays_from_the_frames(small_sample_region_dir):
    framed = load_region(small_sample_region_dir)
    arrayed = load_region(small_sample_region_dir, roads="arrays")
    assert arrayed.roads.array_backed and not framed.roads.array_backed
    a = arrayed.roads.arrays()
    b = road_arrays_from_frames(framed.roads.nodes, framed.roads.edges)
    for name in ("node_id", "node_xy", "vertex_xy", "vertex_ptr"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    for col in a.edges.columns:
        left = a.edges[col].astype(object).where(a.edges[col].notna(), None).tolist()
        right = framed.roads.edges[col].astype(object).where(framed.roads.edges[col].notna(), None)
        assert left == right.tolist(), col
    # the tables are read from the files on first use, equal to the frame-backed ones
    assert_geodataframe_equal(arrayed.roads.edges, framed.roads.edges)
    again = pickle.loads(pickle.dumps(arrayed.roads))
    assert np.array_equal(again.arrays().vertex_xy, a.vertex_xy)


@pytest.mark.parametrize("mode", MODES)
def test_array_region_answers_equal_frame_region_answers(small_sample_region_dir, mode):
    st = TravelSettings(mode=mode)
    out = {}
    for roads in ("frames", "arrays"):
        clear_travel_contexts()  # both regions share one fingerprint: never reuse the memo
        region = load_region(small_sample_region_dir, roads=roads)
        g = compile_graph(region, settings=st)
        ctx = travel_context(region, st)
        out[roads] = (
            g,
            ctx,
            nearest_centre(region, settings=st),
            coverage_matrix(region, settings=st, cutoff_min=60.0),
        )
    (ga, ca, na, ma), (gb, cb, nb, mb) = out["frames"], out["arrays"]
    for name in ("indptr", "indices", "weight_s", "edge_u", "edge_snappable", "c_weight_s"):
        assert np.array_equal(getattr(ga, name), getattr(gb, name)), name
    assert np.array_equal(ca.metric_xy, cb.metric_xy) and np.array_equal(ca.flip, cb.flip)
    assert na.equals(nb)
    assert (ma != mb).nnz == 0 and np.array_equal(ma.indices, mb.indices)
    clear_travel_contexts()


def test_projected_vertices_equal_projecting_every_vertex(small_sample_region):
    # bend some edges (an interior vertex), draw some backwards (v -> u) and move the end
    # vertex of one off its node, so every way of projecting a vertex is exercised
    edges = small_sample_region.roads.edges.copy()
    geoms = list(edges.geometry)
    for i in range(0, 40, 2):
        (x0, y0), (x1, y1) = geoms[i].coords
        geoms[i] = shapely.LineString([(x0, y0), ((x0 + x1) / 2 + 1e-4, (y0 + y1) / 2), (x1, y1)])
    for i in range(1, 40, 2):
        geoms[i] = shapely.reverse(geoms[i])
    (x0, y0), (x1, y1) = geoms[41].coords
    geoms[41] = shapely.LineString([(x0, y0), (x1 + 1e-6, y1)])
    edges = edges.set_geometry(geoms, crs=edges.crs)
    region = small_sample_region.with_(roads=RoadNetwork(small_sample_region.roads.nodes, edges))
    clear_travel_contexts()
    ctx = travel_context(region, TravelSettings(mode="walk"))
    ra = region.roads.arrays()
    assert (np.diff(ra.vertex_ptr) == 3).sum() == 20
    t = Transformer.from_crs("EPSG:4326", ctx.crs, always_xy=True)
    every = np.column_stack(t.transform(ra.vertex_xy[:, 0], ra.vertex_xy[:, 1]))
    assert np.array_equal(ctx.metric_xy, every)
    nodes = np.column_stack(t.transform(ra.node_xy[:, 0], ra.node_xy[:, 1]))
    assert np.array_equal(ctx.node_xy, nodes)
    assert ctx.flip[1:40:2].all() and not ctx.flip[0:40:2].any()
    clear_travel_contexts()


def test_small_national_run_identical_from_arrays_and_frames(tmp_path):
    params = national_params(0.01)
    _, secs = build_national_region(params, cache_dir=tmp_path / "cache")
    assert "generate" in secs
    runs = {}
    for roads in ("frames", "arrays"):
        clear_travel_contexts()
        region, secs = build_national_region(params, cache_dir=tmp_path / "cache", roads=roads)
        assert "load" in secs and region.roads.array_backed == (roads == "arrays")
        runs[roads] = run_national(
            region=region,
            out_dir=tmp_path / roads,
            n_workers=0,
            new_centres=10,
            within_min=45.0,
            limits_min={"walk": 240.0, "motorbike": 90.0, "car": 60.0},
        )
        # the whole run read the arrays only: no road GeoDataFrame was built
        assert region.roads.array_backed == (roads == "arrays")
    a, b = runs["frames"], runs["arrays"]
    for mode in ("walk", "motorbike", "car"):
        assert a.nearest[mode].equals(b.nearest[mode]), mode
    assert np.array_equal(a.coverage.indptr, b.coverage.indptr)
    assert np.array_equal(a.coverage.indices, b.coverage.indices)
    assert np.array_equal(a.coverage.data, b.coverage.data)
    assert a.placement.selected == b.placement.selected
    assert a.placement.objective == b.placement.objective
    assert a.figures["walk"]["within_limit"] > 0
    clear_travel_contexts()


def test_saving_an_array_region_reads_its_tables(small_sample_region_dir, tmp_path):
    region = load_region(small_sample_region_dir, roads="arrays")
    save_region(region, tmp_path / "copy")
    back = load_region(tmp_path / "copy")
    assert_geodataframe_equal(back.roads.nodes, load_region(small_sample_region_dir).roads.nodes)
