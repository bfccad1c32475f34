"""Van campaigns on the sample region, checked by the independent validator of test_routing."""

from __future__ import annotations

import json

import geopandas as gpd
import gpxpy
import numpy as np
import pytest
from test_routing import check_campaign

from access.engine import travel_matrix
from access.synthetic import build_sample_region
from geodata.errors import AccessGapError
from scenarios.routing import VanOptions, plan_vans, write_vans


@pytest.fixture(scope="module")
def sample():
    return build_sample_region()[0]


@pytest.fixture(scope="module")
def plan(sample):
    return plan_vans(sample, VanOptions(vans=3, days=10, within_min=60))


def test_three_vans_ten_days_on_the_sample_is_valid(sample, plan):
    o = plan.options
    n_dep = len(sample.centres)
    pts = gpd.GeoDataFrame(
        geometry=[*sample.centres.geometry, *plan.halts.geometry], crs=sample.centres.crs
    )
    # durations recomputed independently from the engine, not taken from the plan
    minutes = travel_matrix(pts, sample, mode="car").minutes
    dur = np.where(np.isfinite(minutes), np.ceil(np.nan_to_num(minutes)), 10**6).astype(int)
    np.fill_diagonal(dur, 0)
    dwell = np.r_[np.zeros(n_dep, int), plan.halts["dwell_min"].to_numpy()]
    check_campaign(
        plan.campaign,
        dur,
        dwell,
        depots=list(range(n_dep)),
        van_depots=list(plan.campaign.van_depots),
        days=o.days,
        day_start=o.day_start_min,
        day_end=o.day_end_min,
        breaks=o.breaks,
        cap=None,
        overnight=False,
    )
    s = plan.summary()
    assert s["halts_visited"] > 0
    assert s["halts_visited"] + s["halts_dropped"] == s["halts_selected"] == len(plan.halts)
    dropped = plan.halts[plan.halts["status"] != "visited"]
    assert dropped["status"].str.startswith("dropped: ").all()
    assert (dropped["status"].str.len() > len("dropped: ") + 5).all()


def test_halts_are_far_and_serve_their_neighbours(sample, plan):
    assert (plan.halts["travel_min_from_centre"] > 60).all()
    served = [i for ids in plan.halts["served_ids"] for i in ids.split(",")]
    assert len(served) == len(set(served)), "a settlement is served by two halts"
    # the first halt is the far settlement with the largest gap score
    from access.analysis import gap_analysis

    g = gap_analysis(sample).settlements
    far = g[g["travel_min_car"] > 60]
    assert (
        plan.halts.iloc[0]["settlement_id"] == far.loc[far["gap_score"].idxmax(), "settlement_id"]
    )


def test_exports(tmp_path, plan):
    files = write_vans(plan, tmp_path / "vans")
    assert {"halts.csv", "vans.json", "itinerary"} <= set(files)
    it = tmp_path / "vans" / "itinerary"
    gpx_files = sorted(it.glob("*.gpx"))
    assert gpx_files
    first = gpxpy.parse(gpx_files[0].read_text())
    assert len(first.waypoints) >= 2 and first.tracks[0].segments[0].points
    # the road track follows roads: many more points than stops
    assert len(first.tracks[0].segments[0].points) > len(first.waypoints) + 2
    assert (it / "itinerary.pdf").read_bytes()[:4] == b"%PDF"
    html = (it / "itinerary.html").read_text()
    visited = plan.halts[plan.halts["status"] == "visited"]
    assert all(name in html for name in visited["name"])
    assert 'dir="rtl"' in html
    doc = json.loads((tmp_path / "vans" / "vans.json").read_text())
    assert doc["halts_visited"] == len(visited)


def test_bad_options_and_nothing_to_visit(sample):
    with pytest.raises(AccessGapError, match="vans must be at least 1"):
        VanOptions(vans=0)
    with pytest.raises(AccessGapError, match=r"no settlement .* beyond 10000"):
        plan_vans(sample, VanOptions(within_min=10_000))
    with pytest.raises(AccessGapError, match=r"depots .* are not centres"):
        plan_vans(sample, VanOptions(depots=("NOPE",)))


def test_small_halts_have_their_registry_counts_blanked(tmp_path, plan):
    import pandas as pd

    from geodata.privacy import PrivacySettings

    write_vans(plan, tmp_path / "v", privacy=PrivacySettings(min_group_households=50))
    halts = pd.read_csv(tmp_path / "v" / "halts.csv")
    small = halts["households_served"] < 50
    assert small.any() and (~small).any()
    assert halts.loc[small, "unregistered_households"].isna().all()
    assert halts.loc[small, "suppressed"].all()
    assert halts.loc[~small, "expected_registrations"].notna().all()
