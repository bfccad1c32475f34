"""The sample region's synthetic barriers (issue #17): desks, documents, awareness."""

from __future__ import annotations

import pytest

from geodata.sample import SampleParams

#: A mid-sized sample with three union councils generated with low awareness.
AWARE = SampleParams(
    seed=11,
    n_settlements=400,
    n_union_councils=16,
    households_target=60_000,
    width_km=60,
    height_km=45,
)


@pytest.fixture(scope="module")
def aware_sample():
    from access.synthetic import build_sample_region

    return build_sample_region(AWARE, low_awareness_units=3)


def test_desks_match_capacity(small_sample_region):
    c = small_sample_region.centres
    assert (c["desks"] * 30 == c["capacity_per_day"]).all()
    assert (small_sample_region.candidates["desks"] == 2).all()


def test_documents_missing_share_is_one_draw_per_union_council(small_sample_region):
    s = small_sample_region.settlements
    share = s["documents_missing_share"].to_numpy()
    assert ((share >= 0) & (share <= 0.9)).all()
    plain = s[s["terrain"] == "plain"]
    assert (plain.groupby("union_council")["documents_missing_share"].nunique() == 1).all()
    assert s.groupby("union_council")["documents_missing_share"].mean().std() > 0.02


def test_low_awareness_units_are_recorded_and_near(aware_sample):
    region, truth = aware_sample
    assert len(truth.low_awareness_units) == 3
    assert truth.awareness_logit == 1.5
    meta = region.metadata["synthetic_registry"]
    assert list(meta["low_awareness_units"]) == list(truth.low_awareness_units)
    assert set(truth.low_awareness_units) <= set(region.settlements["union_council"])


def test_without_awareness_the_sample_keeps_its_coverage(sample_region_and_truth):
    """Awareness off (the library default) leaves the plain district's coverage unchanged."""
    region, truth = sample_region_and_truth
    assert truth.low_awareness_units == ()
    assert region.coverage["registered_households"].sum() == 125995.0  # the plain district


def test_too_many_low_awareness_units_is_refused():
    from access.synthetic import build_sample_region

    with pytest.raises(ValueError, match="cannot draw 50 low-awareness units"):
        build_sample_region(AWARE, low_awareness_units=50)


@pytest.mark.slow
def test_the_shipped_sample_has_low_awareness_units_the_gaps_command_finds(tmp_path):
    """`accessgap sample` then `accessgap gaps`, as a planner runs them (issue #17)."""
    import pandas as pd
    from helpers import invoke_cli, read_json

    res = invoke_cli("sample", "--out", tmp_path / "s")
    assert res.exit_code == 0, res.output
    meta = read_json(tmp_path / "s" / "region.json")["metadata"]["synthetic_registry"]
    generated = set(meta["low_awareness_units"])
    assert len(generated) == 3
    res = invoke_cli("gaps", tmp_path / "s", "--out", tmp_path / "g")
    assert res.exit_code == 0, res.output
    listed = pd.read_csv(tmp_path / "g" / "awareness_priority.csv")
    assert set(listed.loc[listed["stands_out"], "union_council"]) == generated
    units = pd.read_csv(tmp_path / "g" / "units_union_council.csv")
    total = units["expected_unregistered_poor"] + units["residual_unregistered_poor"]
    assert (total == units["observed_unregistered_poor"]).all()
