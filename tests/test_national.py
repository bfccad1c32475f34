"""National pipeline: sizes, outputs, serial = Dask, and the real-region build path."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from conftest import shared_path

from access.engine import nearest_centre
from access.partition import nearest_centre_partitioned
from scenarios.distributed import Scenario
from scenarios.national import national_params, run_national

# dask/distributed start-up and shutdown chatter (ports, event loops, open sockets)
DASK_WARNINGS = [
    "ignore::DeprecationWarning:tornado.*",
    "ignore::DeprecationWarning:distributed.*",
    "ignore::DeprecationWarning:dask.*",
    "ignore::ResourceWarning",
    "ignore::pytest.PytestUnraisableExceptionWarning",
    "ignore:Port .* is already in use:UserWarning",
    "ignore:Creating scratch directories.*:UserWarning",
]


def test_national_params_scale_with_the_country():
    full = national_params()
    assert (full.n_provinces, full.n_districts, full.n_tehsils) == (4, 130, 600)
    assert full.n_union_councils == 7000 and full.n_settlements == 80_000
    assert full.households_target == 40_000_000
    assert (full.width_km, full.height_km) == (1200.0, 1000.0)
    tenth = national_params(0.1)
    assert tenth.n_settlements == 8000 and tenth.n_union_councils == 700
    assert tenth.width_km * tenth.height_km == pytest.approx(0.1 * 1200 * 1000)
    with pytest.raises(ValueError, match="scale must be in"):
        national_params(0)


@pytest.fixture(scope="module")
def tiny_region():
    from scenarios.national import build_national_region

    region, secs = build_national_region(national_params(0.005))
    assert "generate" in secs
    return region


def test_run_national_serial_writes_partitions(tiny_region, tmp_path):
    run = run_national(
        region=tiny_region,
        out_dir=tmp_path / "serial",
        n_workers=0,
        new_centres=8,
        within_min=45.0,
        limits_min={"walk": 240.0, "car": 60.0, "motorbike": 90.0},
        sweep=[Scenario(p=4, within_min=30.0)],
    )
    assert run.executor == "serial"
    assert run.figures["placement"]["new_centres"] == 8
    after = run.figures["placement"]["demand_covered_after"]
    assert after >= run.figures["placement"]["demand_covered_before"]
    files = sorted((tmp_path / "serial" / "nearest_walk").glob("*.parquet"))
    assert len(files) == tiny_region.settlements["province"].nunique() == 4
    parts = pd.concat([gpd.read_parquet(f) for f in files])
    assert len(parts) == len(tiny_region.settlements)
    assert parts["travel_min"].dtype == np.float32 and parts["site"].dtype == np.int32
    assert parts.crs == tiny_region.settlements.crs
    summary = json.loads((tmp_path / "serial" / "summary.json").read_text())
    assert summary["figures"]["walk"]["limit_min"] == 240.0
    assert len(gpd.read_parquet(tmp_path / "serial" / "placement.parquet")) == 8
    assert run.coverage.dtype == np.float64 and run.coverage.shape[0] == len(
        tiny_region.settlements
    )
    with pytest.raises(ValueError, match="sweep radii"):
        run_national(
            region=tiny_region,
            out_dir=tmp_path / "bad",
            n_workers=0,
            within_min=30.0,
            sweep=[Scenario(p=2, within_min=60.0)],
        )


def test_national_plan_reduces_its_frontier_and_says_so(tiny_region, tmp_path, monkeypatch):
    from scenarios import national_plan

    monkeypatch.setattr(national_plan, "FULL_FRONTIER_MAX_SETTLEMENTS", 100)
    n = len(tiny_region.settlements)
    assert national_plan.frontier_steps_for(n) == max(1, round(10 * 100 / n)) < 10
    plan, fig = national_plan.plan_national(tiny_region, 5e7, tmp_path / "p")
    assert fig["frontier_steps"] == len(plan.frontier) < 10
    assert "instead of 10" in fig["frontier_note"]
    assert fig["cost_pkr"] <= 5e7 and fig["gap"] >= 0
    assert fig["bound"] >= fig["expected_registrations"] > 0
    assert (tmp_path / "p" / "portfolio.json").is_file()


@pytest.mark.filterwarnings(*DASK_WARNINGS)
def test_run_national_dask_equals_serial(tiny_region, tmp_path):
    kw = {
        "region": tiny_region,
        "new_centres": 6,
        "within_min": 45.0,
        "limits_min": {"walk": 240.0, "motorbike": 90.0},
        "sweep": [Scenario(p=p, within_min=45.0) for p in (2, 6)],
    }
    a = run_national(out_dir=tmp_path / "a", n_workers=0, **kw)
    b = run_national(out_dir=tmp_path / "b", n_workers=2, processes=False, **kw)
    assert b.executor == "local:2"
    for mode in a.nearest:
        pd.testing.assert_frame_equal(a.nearest[mode], b.nearest[mode])
    assert (a.coverage != b.coverage).nnz == 0
    assert a.placement.selected == b.placement.selected
    assert [s.result.selected for s in a.sweep] == [s.result.selected for s in b.sweep]
    assert b.sweep[-1].result.selected == b.placement.selected


@pytest.mark.slow
def test_real_region_build_and_partitioned_equals_whole():
    """The documented real path on the Islamabad extract: build, partition by district."""
    from geodata.build import build_region

    region, _ = build_region(
        osm=shared_path("data", "osm", "islamabad.osm.pbf"),
        census=shared_path("data", "census2017", "tehsil_population_2017.csv"),
        geonames=shared_path("data", "geonames", "pk_places_cities500.csv"),
    )
    assert region.settlements["district"].nunique() >= 2
    for mode, limit in (("walk", 120.0), ("car", 30.0)):
        ref = nearest_centre(region, mode=mode)
        got = nearest_centre_partitioned(
            region, mode=mode, limit_min=limit, by="district", dtype=np.float64
        )
        t = ref["travel_min"].to_numpy()
        within = t <= limit
        assert within.any()
        np.testing.assert_array_equal(got["travel_min"].to_numpy()[within], t[within])
        assert (got["centre_id"][within] == ref["centre_id"][within]).all()
        assert np.isnan(got["travel_min"].to_numpy()[~within]).all()
