"""A region's own off-road surface (#22): region.json entries, attach, load, queries, cache keys."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from helpers import copy_region, invoke_cli, read_json

from access.engine import nearest_centre
from access.friction import OffroadSettings
from access.offroad_attach import attach_surface
from access.offroad_region import resolve_offroad
from access.speeds import TravelSettings
from geodata.errors import DataFileError, SchemaError
from geodata.manifest import ReadLimits
from geodata.region import load_region, restamp_region, save_region
from scenarios.travel_cache import travel_key


def _tif(path: Path, arr, *, bounds, res=0.001, nodata=-9999.0, dtype="float32") -> Path:
    arr = np.asarray(arr, dtype)
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=arr.shape[1],
        height=arr.shape[0],
        count=1,
        dtype=dtype,
        crs="EPSG:4326",
        transform=Affine(res, 0.0, bounds[0], 0.0, -res, bounds[1]),
        nodata=nodata,
    ) as dst:
        dst.write(arr, 1)
    return path


@pytest.fixture(scope="module")
def rasters(small_sample_region, tmp_path_factory):
    """A DEM with a north-south ridge, land cover with a slow band, its speed table."""
    b = small_sample_region.settlements.total_bounds
    res = 0.002
    w, h = int((b[2] - b[0] + 0.1) / res), int((b[3] - b[1] + 0.1) / res)
    origin = (b[0] - 0.05, b[3] + 0.05)
    x = np.linspace(0.0, 1.0, w)[None, :].repeat(h, axis=0)
    dem = 500.0 + 900.0 * np.exp(-(((x - 0.5) / 0.08) ** 2))
    lc = np.ones((h, w), np.uint8)
    lc[:, : w // 4] = 2
    folder = tmp_path_factory.mktemp("surface")
    speeds = folder / "speeds.csv"
    speeds.write_text("class,kph\n1,5\n2,2\n")
    return {
        "elevation": _tif(folder / "dem.tif", dem, bounds=origin, res=res),
        "landcover": _tif(folder / "lc.tif", lc, bounds=origin, res=res, nodata=0, dtype="uint8"),
        "landcover_speeds": speeds,
    }


@pytest.fixture()
def attached(small_sample_region_dir, rasters, tmp_path) -> Path:
    folder = copy_region(small_sample_region_dir, tmp_path / "region")
    attach_surface(folder, files=rasters, neighbours=8, source="test rasters")
    return folder


def test_attached_surface_is_copied_hashed_and_disabled_by_default(
    attached, small_sample_region_dir
):
    doc = read_json(attached / "region.json")
    assert doc["files"]["elevation"] == "elevation.tif"
    assert doc["files"]["landcover_speeds"] == "landcover_speeds.csv"
    assert len(doc["sha256"]["landcover"]) == 64
    assert doc["metadata"]["offroad"] == {
        "enabled": False,
        "neighbours": 8,
        "source": "test rasters",
    }
    region = load_region(attached)
    assert set(region.offroad_files) == {"elevation", "landcover", "landcover_speeds"}
    assert region.fingerprint() != load_region(small_sample_region_dir).fingerprint()
    # disabled: every query keeps the roads-only model (and its numbers) unless asked
    assert resolve_offroad(region, TravelSettings(mode="walk")) is None
    base = nearest_centre(load_region(small_sample_region_dir), mode="walk")
    assert nearest_centre(region, mode="walk").equals(base)


def test_an_enabled_surface_is_used_by_queries_and_equals_the_same_rasters_given(attached, rasters):
    attach_surface(attached, enabled=True)  # options only: files kept
    region = load_region(attached)
    used = resolve_offroad(region, TravelSettings(mode="walk"))
    assert isinstance(used, OffroadSettings) and used.neighbours == 8
    assert resolve_offroad(region, TravelSettings(mode="walk", offroad=False)) is None
    own = nearest_centre(region, mode="walk")
    given = nearest_centre(
        region,
        settings=TravelSettings(mode="walk", offroad=OffroadSettings(**rasters, neighbours=8)),
    )
    roads_only = nearest_centre(region, settings=TravelSettings(mode="walk", offroad=False))
    assert np.array_equal(own["travel_min"].to_numpy(), given["travel_min"].to_numpy())
    assert not np.allclose(own["travel_min"], roads_only["travel_min"])


def test_travel_key_counts_the_surface_in_use(attached, rasters, tmp_path):
    region = load_region(attached)
    centres = region.centres
    off = travel_key(region, centres, TravelSettings(mode="walk"))
    assert off == travel_key(region, centres, TravelSettings(mode="walk", offroad=False))
    on = travel_key(region, centres, TravelSettings(mode="walk", offroad=True))
    assert on != off
    # another DEM (same options, other bytes) is another key
    dem = rasters["elevation"]
    with rasterio.open(dem) as src:
        arr, prof = src.read(1), src.profile
    other = tmp_path / "dem2.tif"
    with rasterio.open(other, "w", **prof) as dst:
        dst.write(arr + 10.0, 1)
    alt = OffroadSettings(**{**rasters, "elevation": other}, neighbours=8)
    same = OffroadSettings(**rasters, neighbours=8)
    k1 = travel_key(region, centres, TravelSettings(mode="walk", offroad=alt))
    k2 = travel_key(region, centres, TravelSettings(mode="walk", offroad=same))
    assert len({k1, k2, on}) == 2 and k2 == on


def test_an_edited_raster_is_refused_until_restamped(attached):
    dem = attached / "elevation.tif"
    with rasterio.open(dem, "r+") as dst:
        dst.write(dst.read(1) + 1.0, 1)
    with pytest.raises(DataFileError, match=r"elevation\.tif changed.*region stamp"):
        load_region(attached)
    restamp_region(attached)
    assert "elevation" in load_region(attached).offroad_files


def _edit_manifest(folder: Path, fn) -> None:
    p = folder / "region.json"
    doc = json.loads(p.read_text())
    fn(doc)
    p.write_text(json.dumps(doc))


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (
            lambda d: d["files"].update(elevation="elevation.parquet"),
            r"'elevation' must be a \.tif",
        ),
        (lambda d: d["files"].update(elevation="../x.tif"), r"'elevation' must be a \.tif"),
        (
            lambda d: d["metadata"]["offroad"].update(enabled="yes"),
            r"offroad\.enabled.*true or false",
        ),
        (lambda d: d["metadata"]["offroad"].update(neighbours=4), r"offroad\.neighbours.*8 or 16"),
        (lambda d: d["metadata"]["offroad"].update(speed=3), r"offroad\.speed.*unknown"),
        (lambda d: d["metadata"]["offroad"].update(cell_m=-5), r"offroad\.cell_m.*> 0"),
        (lambda d: d["metadata"].pop("offroad"), r"metadata\.offroad.*missing"),
        (lambda d: d["files"].pop("landcover_speeds"), r"'landcover' and 'landcover_speeds'"),
    ],
)
def test_bad_surface_entries_in_region_json_are_named(attached, edit, match):
    _edit_manifest(attached, edit)
    with pytest.raises(SchemaError, match=match):
        load_region(attached, verify=False)


def test_surface_files_over_the_limits_are_refused_before_reading(attached):
    with pytest.raises(DataFileError, match=r"elevation\.tif.*cells \(limit 100\)"):
        load_region(attached, limits=ReadLimits(max_raster_cells=100))
    with pytest.raises(DataFileError, match=r"landcover_speeds\.csv.*limit 10\)"):
        load_region(attached, limits=ReadLimits(max_csv_bytes=10))


def test_a_failed_attach_leaves_the_region_as_it_was(attached, small_sample_region, tmp_path):
    before = (attached / "region.json").read_bytes()
    far = _tif(tmp_path / "far.tif", np.full((50, 50), 1000.0), bounds=(10.0, 10.0))
    with pytest.raises(SchemaError, match=r"far\.tif.*does not overlap"):
        attach_surface(attached, files={"elevation": far})
    bad = tmp_path / "bad.csv"
    bad.write_text("kind,speed\n1,5\n")
    with pytest.raises(SchemaError, match=r"bad\.csv: needs the columns 'class' and 'kph'"):
        attach_surface(
            attached, files={"landcover": attached / "landcover.tif", "landcover_speeds": bad}
        )
    with pytest.raises(SchemaError, match="class table"):
        attach_surface(attached, files={"landcover": attached / "landcover.tif"})
    assert (attached / "region.json").read_bytes() == before
    with pytest.raises(SchemaError, match="no off-road surface attached"):
        attach_surface(save_region(small_sample_region, tmp_path / "plain"), enabled=True)


def test_cli_attaches_a_surface_into_a_new_folder(small_sample_region_dir, rasters, tmp_path):
    src = copy_region(small_sample_region_dir, tmp_path / "src")
    res = invoke_cli(
        "region",
        "attach-surface",
        src,
        "--elevation",
        rasters["elevation"],
        "--enable",
        "--neighbours",
        "8",
        "--out",
        tmp_path / "with",
    )
    assert res.exit_code == 0, res.output
    assert "offroad" not in read_json(src / "region.json")["metadata"]
    meta = read_json(tmp_path / "with" / "region.json")["metadata"]["offroad"]
    assert meta == {"enabled": True, "neighbours": 8}
    res = invoke_cli("travel-times", tmp_path / "with", "--mode", "walk", "-o", tmp_path / "t.csv")
    assert res.exit_code == 0, res.output


def test_gap_analysis_walks_over_the_surface_it_is_given(
    small_sample_region_dir, rasters, tmp_path
):
    import pandas as pd

    from access.analysis import gap_analysis
    from access.friction import OffroadSettings
    from geodata.region import load_region

    region = load_region(small_sample_region_dir)
    plain = gap_analysis(region, fit_model=False, with_barriers=False)
    off = OffroadSettings(elevation=rasters["elevation"], neighbours=8)
    over = gap_analysis(region, fit_model=False, with_barriers=False, offroad=off)
    a = plain.settlements["travel_min_walk"]
    b = over.settlements["travel_min_walk"]
    assert not np.allclose(a.to_numpy(), b.to_numpy(), equal_nan=True)
    res = invoke_cli(
        "gaps",
        small_sample_region_dir,
        "--elevation",
        rasters["elevation"],
        "--neighbours",
        "8",
        "--out",
        tmp_path / "g",
    )
    assert res.exit_code == 0, res.output
    written = pd.read_csv(tmp_path / "g" / "settlements.csv")
    assert np.allclose(written["travel_min_walk"], b.to_numpy(), equal_nan=True)


# ---------------------------------------------------------------------------------------
# the sample's synthetic terrain


def test_sample_terrain_has_west_mountains_and_a_river_crossed_at_three_fords():
    from geodata.sample import SampleParams
    from geodata.sample.terrain import LANDCOVER_SPEEDS_KPH, sample_terrain_arrays

    p = SampleParams()
    dem, lc, _ = sample_terrain_arrays(p, cell_m=100.0)
    cols = dem.shape[1]
    west, east = dem[:, : cols // 5], dem[:, -cols // 5 :]
    assert west.mean() > 1000 > 500 > east.mean()
    assert LANDCOVER_SPEEDS_KPH[4] == 0.0 and LANDCOVER_SPEEDS_KPH[5] > 0
    # walking along the river, its water cells are crossed only at the fords
    river_cols = np.flatnonzero((lc == 4).any(axis=0))
    ford_cols = np.flatnonzero((lc == 5).any(axis=0))
    runs = np.flatnonzero(np.diff(ford_cols) > 1).size + 1
    assert runs == 3 and river_cols.size > 10 * ford_cols.size


def test_the_sample_saved_with_terrain_keeps_its_figures_until_enabled(tmp_path):
    from conftest import SMALL

    from access.offroad_compare import walk_time_change
    from access.synthetic import build_sample_region
    from geodata.sample.terrain import TERRAIN_SOURCE, save_sample_region

    region, _ = build_sample_region(SMALL)
    folder = save_sample_region(region, tmp_path / "sample", SMALL)
    loaded = load_region(folder)
    assert loaded.metadata["offroad"] == {
        "enabled": False,
        "neighbours": 16,
        "source": TERRAIN_SOURCE,
    }
    assert nearest_centre(loaded, mode="walk").equals(nearest_centre(region, mode="walk"))
    change = walk_time_change(loaded)
    t, s = change.table, change.summary
    assert s["households"] == round(t["households"].sum())
    assert 0 < s["changed_households"] <= s["households"]
    hh_changed = t.loc[t["change_min"].abs() >= 1, "households"].sum()
    assert s["changed_households"] == round(hh_changed)
    assert set(s["by_terrain"]) == set(t["terrain"])


def test_routes_isochrones_and_matrices_use_the_surface_when_the_region_enables_it(attached):
    from shapely import LineString, Point

    from access.context import travel_context
    from access.engine import isochrones, route, travel_matrix
    from access.offroad_outputs import raster_isochrones, travel_time_raster

    attach_surface(attached, enabled=True)
    region = load_region(attached)
    walk = TravelSettings(mode="walk")
    near = nearest_centre(region, mode="walk")
    far = near.dropna(subset=["travel_min"]).sort_values("travel_min").iloc[-1]
    s_pt = region.settlements.set_index("settlement_id").geometry[far["settlement_id"]]
    c_pt = region.centres.set_index("centre_id").geometry[far["centre_id"]]
    # the route from the farthest settlement to its centre takes the nearest-centre minutes
    r = route(region, s_pt, c_pt, mode="walk")
    assert r.travel_min == pytest.approx(far["travel_min"], rel=1e-9)
    ctx = travel_context(region, walk)
    lon, lat = np.asarray(r.geometry.coords).T
    line = LineString(np.column_stack(ctx.to_metric.transform(lon, lat)))
    assert line.length == pytest.approx(r.network_m + r.access_m, rel=1e-9)
    assert Point(r.geometry.coords[0]).distance(s_pt) < 1e-9
    assert Point(r.geometry.coords[-1]).distance(c_pt) < 1e-9
    assert r.access_m > 0 and r.network_m >= 0
    # the travel matrix gives the same minutes, and the route's metres (no longer NaN)
    tm = travel_matrix([far["settlement_id"], far["centre_id"]], region, mode="walk")
    assert tm.minutes[0, 1] == pytest.approx(r.travel_min, rel=1e-9)
    assert tm.metres[0, 1] == pytest.approx(r.network_m + r.access_m, rel=1e-9)
    assert np.isfinite(tm.metres).all()
    # isochrones are the surface's cells within each band, not buffered roads
    iso = isochrones(region, bands_min=(30, 60), mode="walk")
    ref = raster_isochrones(travel_time_raster(region, mode="walk"), bands_min=(30.0, 60.0))
    assert iso[["centre_id", "band_min"]].equals(ref[["centre_id", "band_min"]])
    assert iso.geometry.geom_equals(ref.geometry).all()
    no_surface = TravelSettings(mode="walk", offroad=False)
    roads = isochrones(region, bands_min=(30, 60), settings=no_surface)
    assert not iso.union_all().equals(roads.union_all())


def test_a_scenario_chooses_the_surface_or_roads_only(attached, small_sample_region_dir, tmp_path):
    from scenarios.runner import run_scenario

    attach_surface(attached, enabled=True)

    def run(name, folder, offroad=""):
        text = f"name: {name}\nregion: {folder}\ntravel:\n  mode: walk\n"
        path = tmp_path / f"{name}.yaml"
        path.write_text(text + (f"  offroad: {offroad}\n" if offroad else ""))
        return run_scenario(path, tmp_path / f"out_{name}").metrics

    as_region, roads = run("region", attached), run("roads", attached, "false")
    assert as_region["travel"]["offroad_surface"] is True
    assert roads["travel"]["offroad_surface"] is False
    # the scenario side walks over the surface or not; the baseline is the region's own
    assert as_region["access"]["baseline"] == roads["access"]["baseline"]
    assert as_region["access"]["scenario"] == as_region["access"]["baseline"]
    over = as_region["access"]["scenario"]["median_travel_min"]
    assert roads["access"]["scenario"]["median_travel_min"] != pytest.approx(over, rel=1e-3)
    # a region without rasters: asking for the surface is an error naming what to give
    with pytest.raises(SchemaError, match="names no off-road rasters"):
        run("bare", copy_region(small_sample_region_dir, tmp_path / "bare_region"), "true")
