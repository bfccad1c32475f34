"""Gap analysis, placement adapter and demo on synthetic regions (engine included)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from access.analysis import gap_analysis
from access.gap_outputs import write_gap_outputs
from geodata.errors import AccessGapError
from scenarios.placement import PlacementOptions, place_centres, write_placement


@pytest.fixture(scope="module")
def sample(sample_region_and_truth):
    return sample_region_and_truth


@pytest.fixture(scope="module")
def small(small_sample_region):
    return small_sample_region


def test_sample_coverage_near_84_and_gradient_recovered(sample):
    region, truth = sample
    result = gap_analysis(region)
    summary = result.summary()
    assert summary["coverage_share"] == pytest.approx(0.84, abs=0.01)
    est, lo, hi = result.model.term("travel_h")
    assert lo <= truth.travel_coef_per_h <= hi, (est, lo, hi)
    # the poorest are excluded at roughly the national rate (2.2 M of 14.5 M = 15%)
    poor_excl = summary["unregistered_poor_households"] / summary["poor_households"]
    assert 0.12 < poor_excl < 0.22
    # some settlements are hours from the nearest centre
    assert (result.settlements["travel_min_motorbike"] > 120).sum() >= 5


def test_gap_outputs_written(tmp_path, small):
    result = gap_analysis(small)
    files = write_gap_outputs(result, tmp_path / "gaps", boundaries=small.boundaries)
    assert {
        "settlements.gpkg",
        "settlements.csv",
        "units_tehsil.csv",
        "gaps_summary.json",
        "exclusion_by_area.png",
        "exclusion_by_travel_band.png",
    } <= set(files)
    csv = pd.read_csv(files["settlements.csv"])
    assert len(csv) == len(small.settlements)
    teh = pd.read_csv(files["units_tehsil.csv"])
    assert teh["households"].sum() == small.settlements["households"].sum()
    doc = json.loads(files["gaps_summary.json"].read_text())
    assert any("SYNTHETIC" in n for n in doc["notes"])
    assert files["exclusion_by_area.png"].read_bytes()[:4] == b"\x89PNG"


def test_unknown_coverage_is_said_plainly(small):
    result = gap_analysis(small.with_(coverage=None))
    assert result.model is None
    assert any("coverage is unknown" in n.lower() for n in result.notes)
    assert result.settlements["registered_households"].isna().all()
    assert result.settlements["coverage_share"].isna().all()


def test_coverage_per_tehsil_is_spread_and_stated(small):
    s = small.settlements
    per_tehsil = (
        small.coverage.assign(tehsil=s["tehsil"].to_numpy())
        .groupby("tehsil", as_index=False)["registered_households"]
        .sum()
        .rename(columns={"tehsil": "unit_id"})
        .assign(level="tehsil")
    )
    result = gap_analysis(small.with_(coverage=per_tehsil))
    assert result.settlements["coverage_source"].eq("tehsil").all()
    assert any("spread over settlements" in n for n in result.notes)
    assert result.settlements["registered_households"].sum() == pytest.approx(
        small.coverage["registered_households"].sum()
    )


def test_placement_beats_baseline_and_is_consistent(tmp_path, small):
    plan = place_centres(small, PlacementOptions(model="mclp", new_centres=4, within_min=30))
    assert len(plan.sites) == 4
    assert plan.after["demand_within"] >= plan.before["demand_within"]
    # the solver's objective equals the independent after-recomputation by the engine
    assert plan.after["demand_within"] == pytest.approx(plan.result.objective, rel=1e-9)
    assert np.all(np.diff(plan.curve["covered"]) >= -1e-9)
    # sites in entry order: gains at entry fall and sum to what the chosen sites newly cover
    gains = plan.sites["gain_at_entry"]
    assert gains.is_monotonic_decreasing
    assert gains.sum() == pytest.approx(plan.after["demand_within"] - plan.before["demand_within"])
    assert (plan.sites["demand_only_this_site"] <= gains + 1e-9).all()  # a subset of it
    # the curve follows the chosen sites
    assert plan.curve["centre_id"].tolist() == plan.sites["centre_id"].tolist()
    assert plan.curve["covered"].iloc[-1] == pytest.approx(plan.after["demand_within"])
    files = write_placement(plan, tmp_path / "pl")
    assert {"sites.csv", "sites.geojson", "coverage_curve.csv", "placement.json"} <= set(files)
    with pytest.raises(AccessGapError, match="unknown model"):
        place_centres(small, PlacementOptions(model="best"))
    with pytest.raises(AccessGapError, match="needs registry coverage"):
        place_centres(small.with_(coverage=None), PlacementOptions(new_centres=2))
    hh = place_centres(
        small.with_(coverage=None), PlacementOptions(new_centres=2, demand="households")
    )
    assert hh.after["households_within"] >= hh.before["households_within"]


def test_placement_budget_and_p_median_with_far_villages(small):
    plan = place_centres(
        small, PlacementOptions(model="mclp", new_centres=5, within_min=30, budget_pkr=7_000_000)
    )
    assert plan.sites["opening_cost_pkr"].sum() <= 7_000_000
    assert len(plan.sites) <= 2  # candidates cost PKR 3-4.5 M each
    broke = PlacementOptions(model="p_median", new_centres=3, budget_pkr=0)
    assert len(place_centres(small, broke).sites) == 0
    pm = place_centres(small, PlacementOptions(model="p_median", new_centres=3, within_min=30))
    assert len(pm.sites) == 3
    assert pm.after["median_min"] <= pm.before["median_min"]


def test_capacitated_placement_serves_within_capacity(small):
    free = place_centres(
        small, PlacementOptions(model="mclp", new_centres=3, within_min=30, demand="households")
    )
    capped = place_centres(
        small,
        PlacementOptions(
            model="mclp", new_centres=3, within_min=30, demand="households", capacity_days=5
        ),
    )
    assert len(capped.sites) == 3
    # capacity_per_day x 5 days per open centre bounds what is served
    cap = 5 * (150.0 * len(small.centres) + 60.0 * 3)
    assert capped.result.objective <= cap + 1e-6
    assert capped.result.objective <= free.result.objective + 1e-6
    assert capped.result.model == "capacitated_max_coverage"
    with pytest.raises(AccessGapError, match="mclp' only"):
        place_centres(small, PlacementOptions(model="p_median", capacity_days=5))
