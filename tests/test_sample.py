"""The synthetic sample region: size, structure, determinism."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from geodata.region import save_region, validate_region
from geodata.sample import SampleParams, add_synthetic_registry, make_sample_geography


@pytest.fixture(scope="module")
def sample():
    return make_sample_geography()


def _hashes(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_sample_is_valid_and_sized_as_promised(sample):
    region = validate_region(sample)
    s = region.settlements
    assert 800 <= len(s) <= 1500
    assert 100_000 <= s["households"].sum() <= 200_000
    assert s["tehsil"].nunique() == 3
    assert 35 <= s["union_council"].nunique() <= 40
    assert len(region.centres) == 3
    assert len(region.candidates) >= 40
    x0, y0, x1, y1 = s.to_crs(region.metric_crs()).total_bounds
    assert 90_000 < x1 - x0 <= 101_000 and 70_000 < y1 - y0 <= 81_000
    assert set(region.roads.edges["highway"]) == {
        "trunk",
        "primary",
        "secondary",
        "tertiary",
        "unclassified",
        "track",
    }
    assert region.synthetic and "SYNTHETIC" in region.metadata["label"]


def test_admin_units_nest_and_contain_their_settlements(sample):
    b = sample.boundaries
    s = sample.settlements
    teh = b[b.level == "tehsil"].set_index("code")
    for name, grp in s.groupby("tehsil"):
        inside = grp.within(teh.loc[name, "geometry"].buffer(1e-9))
        assert inside.all(), name
    uc = b[b.level == "union_council"]
    assert (uc["parent_code"].isin(teh.index)).all()
    # each union council lies in one tehsil only
    assert s.groupby("union_council")["tehsil"].nunique().max() == 1
    district = b[b.level == "district"].geometry.iloc[0]
    assert abs(teh.geometry.union_all().area - district.area) < 1e-9


def test_centres_sit_in_their_tehsils_and_candidates_are_spaced(sample):
    crs = sample.metric_crs()
    c = sample.centres
    assert sorted(c["tehsil"]) == sorted(sample.settlements["tehsil"].unique())
    cand = sample.candidates.to_crs(crs)
    xy = np.column_stack([cand.geometry.x, cand.geometry.y])
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(d, np.inf)
    assert d.min() >= 4000 - 1


def test_some_mountain_villages_have_no_road(sample):
    crs = sample.metric_crs()
    s = sample.settlements.to_crs(crs)
    nodes = sample.roads.nodes.to_crs(crs)
    from scipy.spatial import cKDTree

    d, _ = cKDTree(np.column_stack([nodes.geometry.x, nodes.geometry.y])).query(
        np.column_stack([s.geometry.x, s.geometry.y])
    )
    far = d > 1500
    assert far.any()
    assert (s.loc[far, "terrain"] == "mountain").all()


def test_same_seed_same_bytes(tmp_path):
    p = SampleParams(seed=5, n_settlements=200, n_union_councils=10, households_target=30_000)
    a = save_region(make_sample_geography(p), tmp_path / "a")
    b = save_region(make_sample_geography(p), tmp_path / "b")
    assert _hashes(a) == _hashes(b)
    c = save_region(
        make_sample_geography(
            SampleParams(seed=6, n_settlements=200, n_union_councils=10, households_target=30_000)
        ),
        tmp_path / "c",
    )
    assert _hashes(c)["settlements.parquet"] != _hashes(a)["settlements.parquet"]


def test_synthetic_registry_hits_its_coverage_target(small_geography):
    rng = np.random.default_rng(0)
    t = rng.uniform(0, 240, len(small_geography.settlements))
    region, truth = add_synthetic_registry(small_geography, t, coverage_target=0.84)
    hh = small_geography.settlements["households"].sum()
    share = region.coverage["registered_households"].sum() / hh
    assert abs(share - 0.84) < 0.02
    assert (
        region.coverage["registered_households"]
        <= small_geography.settlements["households"].to_numpy()
    ).all()
    assert truth.travel_coef_per_h == 0.6
    assert "SYNTHETIC" in region.metadata["synthetic_registry"]["label"]
    with pytest.raises(ValueError, match="travel_min has shape"):
        add_synthetic_registry(small_geography, t[:-1])


@pytest.mark.parametrize(
    ("kw", "msg"),
    [
        ({"n_tehsils": 0}, "at least 1"),
        ({"n_tehsils": 50}, "n_tehsils <= n_union_councils"),
        ({"mountain_share": 1.5}, "mountain_share"),
    ],
)
def test_bad_params(kw, msg):
    with pytest.raises(ValueError, match=msg):
        SampleParams(**kw)
