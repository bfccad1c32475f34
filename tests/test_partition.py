"""Partitioned nearest-centre and chunked coverage equal the whole-graph engine, bit for bit.

A mid-size synthetic region (4 provinces, 3,000 settlements, ~24,000 road nodes) is split by
province and by district with network and straight-line halos; every settlement within the
limit ``T`` gets exactly the engine's time, centre, on-road and off-road metres; the others
are NaN and flagged ``beyond_limit``. A deliberately short halo must break equality (so the
check has teeth). Dask (a local cluster of two thread workers) returns the same arrays as the
serial path.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from access.engine import coverage_matrix, nearest_centre
from access.partition import (
    FLAG_BEYOND_LIMIT,
    assemble_coverage,
    combine_nearest,
    coverage_chunk,
    coverage_chunks,
    make_partitions,
    nearest_centre_partitioned,
    partition_labels,
    prepare_coverage,
    prepare_nearest,
    solve_partition,
)
from access.speeds import TravelSettings
from geodata.errors import SchemaError
from geodata.sample import SampleParams, make_sample_geography

MID = SampleParams(
    seed=7,
    width_km=200,
    height_km=160,
    n_provinces=4,
    n_districts=8,
    n_tehsils=24,
    n_union_councils=200,
    n_settlements=3000,
    households_target=600_000,
    name="Mid-size test region (synthetic)",
)

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


@pytest.fixture(scope="module")
def mid_region():
    return make_sample_geography(MID)


@pytest.fixture(scope="module")
def reference(mid_region):
    return {m: nearest_centre(mid_region, mode=m) for m in ("walk", "motorbike", "car")}


def _assert_equal_within(ref: pd.DataFrame, got: pd.DataFrame, limit_min: float) -> int:
    t = ref["travel_min"].to_numpy()
    within = t <= limit_min
    assert within.any() and (~within).any()  # the limit cuts: both sides are exercised
    np.testing.assert_array_equal(got["travel_min"].to_numpy()[within], t[within])
    np.testing.assert_array_equal(
        got["network_m"].to_numpy()[within], ref["network_m"].to_numpy()[within]
    )
    np.testing.assert_array_equal(
        got["access_m"].to_numpy()[within], ref["access_m"].to_numpy()[within]
    )
    assert (got["centre_id"][within] == ref["centre_id"][within]).all()
    beyond = ~within
    assert np.isnan(got["travel_min"].to_numpy()[beyond]).all()
    assert got["centre_id"][beyond].isna().all()
    assert got["flags"][beyond].str.contains(FLAG_BEYOND_LIMIT).all()
    assert not got["flags"][within].str.contains(FLAG_BEYOND_LIMIT).any()
    assert got.index.equals(ref.index)
    return int(within.sum())


@pytest.mark.parametrize(
    ("mode", "limit_min", "by", "halo"),
    [
        ("walk", 240.0, "province", "network"),
        ("walk", 240.0, "district", "euclidean"),
        ("motorbike", 45.0, "district", "network"),
        ("motorbike", 45.0, "province", "euclidean"),
        ("car", 30.0, "province", "network"),
    ],
)
def test_partitioned_equals_whole_graph(mid_region, reference, mode, limit_min, by, halo):
    got = nearest_centre_partitioned(
        mid_region, mode=mode, limit_min=limit_min, by=by, halo=halo, dtype=np.float64
    )
    n = _assert_equal_within(reference[mode], got, limit_min)
    assert n > 100


def test_halos_cover_more_than_the_core_and_are_smaller_than_the_graph(mid_region):
    inputs = prepare_nearest(mid_region, mode="motorbike")
    labels, names = partition_labels(mid_region, by="province")
    assert names == sorted(names) and len(names) == 4
    net = make_partitions(inputs, labels, names, limit_min=45.0, halo="network")
    euc = make_partitions(inputs, labels, names, limit_min=45.0, halo="euclidean")
    n = inputs.forward.n_nodes
    for a, b in zip(net, euc, strict=True):
        assert a.name == b.name
        assert a.n_halo_nodes <= b.n_halo_nodes < n  # the network halo is the tighter one
        assert a.graph.indices.dtype == np.int32 and a.core.dtype == np.int32
    assert sum(p.core.size for p in net) == inputs.n_settlements


def test_too_small_halo_breaks_equality(mid_region, reference):
    """Negative control: a straight-line halo at 5% of the safe radius gives wrong times."""
    st = TravelSettings(mode="motorbike")
    inputs = prepare_nearest(mid_region, settings=st)
    labels, names = partition_labels(mid_region, by="district")
    parts = make_partitions(inputs, labels, names, limit_min=45.0, halo="euclidean", safety=0.05)
    got = combine_nearest(
        inputs,
        [solve_partition(p) for p in parts],
        limit_min=45.0,
        max_snap_m=st.max_snap_m,
        dtype=np.float64,
    )
    ref = reference["motorbike"]["travel_min"].to_numpy()
    t = got["travel_min"].to_numpy()
    within = ref <= 45.0
    wrong = within & ~(t == ref)
    assert wrong.sum() > 0


def test_float32_output_and_errors(mid_region):
    got = nearest_centre_partitioned(mid_region, mode="car", limit_min=30.0)
    assert got["travel_min"].dtype == np.float32
    assert got["site"].dtype == np.int32
    inputs = prepare_nearest(mid_region, mode="car")
    labels, names = partition_labels(mid_region)
    with pytest.raises(SchemaError, match="limit_min must be finite"):
        make_partitions(inputs, labels, names, limit_min=np.inf)
    with pytest.raises(SchemaError, match="halo must be"):
        make_partitions(inputs, labels, names, limit_min=10.0, halo="bogus")  # type: ignore[arg-type]
    with pytest.raises(SchemaError, match="labels has shape"):
        make_partitions(inputs, labels[:5], names, limit_min=10.0)
    with pytest.raises(SchemaError, match="no column 'county'"):
        partition_labels(mid_region, by="county")


def test_coverage_chunks_equal_engine(mid_region):
    inputs = prepare_coverage(mid_region, cutoff_min=45.0, mode="motorbike")
    parts = [
        coverage_chunk(inputs.reverse, inputs.sources, inputs.targets, c, limit_s=inputs.limit_s)
        for c in coverage_chunks(inputs, 7)
    ]
    got = assemble_coverage(inputs, parts)
    ref = coverage_matrix(mid_region, cutoff_min=45.0, mode="motorbike")
    assert got.shape == ref.shape and got.nnz == ref.nnz
    np.testing.assert_array_equal(got.indptr, ref.indptr)
    np.testing.assert_array_equal(got.indices, ref.indices)
    np.testing.assert_array_equal(got.data, ref.data)


@pytest.mark.filterwarnings(*DASK_WARNINGS)
def test_dask_equals_serial(mid_region):
    from scenarios.distributed import (
        Scenario,
        coverage_matrix_dask,
        dask_client,
        nearest_centre_dask,
        sweep_max_coverage,
    )

    serial = nearest_centre_dask(mid_region, client=None, mode="walk", limit_min=240.0)
    cov_serial = coverage_matrix_dask(
        mid_region, client=None, cutoff_min=45.0, mode="motorbike", n_chunks=3
    )
    w = mid_region.settlements["households"].to_numpy(float)
    scenarios = [Scenario(p=p, within_min=r) for p in (1, 3, 5) for r in (30.0, 45.0)]
    sweep_serial = sweep_max_coverage(cov_serial, w, scenarios)
    with dask_client(n_workers=2, processes=False) as client:
        dist = nearest_centre_dask(
            mid_region, client=client, mode="walk", limit_min=240.0, by="district"
        )
        cov_dist = coverage_matrix_dask(
            mid_region, client=client, cutoff_min=45.0, mode="motorbike"
        )
        sweep_dist = sweep_max_coverage(cov_dist, w, scenarios, client=client)
    pd.testing.assert_frame_equal(dist, serial)
    assert (cov_dist != cov_serial).nnz == 0
    np.testing.assert_array_equal(cov_dist.data, cov_serial.data)
    for a, b in zip(sweep_serial, sweep_dist, strict=True):
        assert a.scenario == b.scenario
        assert a.result.selected == b.result.selected
        assert a.result.objective == b.result.objective
    # more sites never lower coverage (same radius)
    by_r = {
        r: [s.result.objective for s in sweep_dist if s.scenario.within_min == r]
        for r in (30.0, 45.0)
    }
    assert all(np.all(np.diff(v) >= 0) for v in by_r.values())
