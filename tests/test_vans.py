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


# --- one set of defaults: VanOptions (CLI, app, scenario spec and the array cores) ----------


def test_cli_flags_default_to_van_options():
    import inspect

    from cli import plan_cmds
    from scenarios.routing import VAN_DEFAULTS

    d = VAN_DEFAULTS
    flags = {k: p.default for k, p in inspect.signature(plan_cmds.vans).parameters.items()}
    assert flags["vans"] == d.vans and flags["days"] == d.days
    assert flags["within"] == d.within_min and flags["mode"] == d.mode
    assert flags["walk_radius"] == d.walk_radius_m and flags["turnout"] == d.turnout
    assert flags["max_halts"] == d.max_halts and flags["overnight"] == d.overnight_at_halt
    assert flags["time_limit"] == d.time_limit_s
    assert (plan_cmds._minutes(flags["start"]), plan_cmds._minutes(flags["end"])) == (480, 960)
    assert (d.day_start_min, d.day_end_min) == (480, 960)


def test_scenario_spec_defaults_are_van_options():
    from scenarios.routing import VAN_DEFAULTS
    from scenarios.spec import VansSpec, scenario_from_dict

    assert VansSpec().van_options() == VAN_DEFAULTS
    spec = VansSpec(vans=2, days=4, hours="07:30-15:00", depots=("DRC001",))
    o = spec.van_options()
    assert (o.vans, o.days, o.day_start_min, o.day_end_min, o.depots) == (
        2,
        4,
        450,
        900,
        ("DRC001",),
    )
    from geodata.errors import SchemaError

    with pytest.raises(SchemaError, match=r"vans: count was renamed to vans .*vans: \{vans: 3\}"):
        scenario_from_dict({"region": "sample", "vans": {"count": 3}})


def test_array_cores_default_to_van_options():
    import inspect

    from scenarios.routing import VAN_DEFAULTS, dwell_minutes, plan_campaign

    d = VAN_DEFAULTS
    p = inspect.signature(plan_campaign).parameters
    assert p["day_start_min"].default == d.day_start_min
    assert p["day_end_min"].default == d.day_end_min
    assert p["breaks"].default == d.breaks
    assert p["max_drive_min_per_day"].default == d.max_drive_min_per_day
    assert p["overnight_at_halt"].default == d.overnight_at_halt
    assert p["max_block_share"].default == d.max_block_share
    w = inspect.signature(dwell_minutes).parameters
    assert (w["desks"].default, w["registrations_per_desk_hour"].default) == (2, 8.0)
    assert w["setup_min"].default == d.setup_min == 30.0


def test_app_form_defaults_are_van_options():
    from streamlit.testing.v1 import AppTest

    from scenarios.routing import APP_TIME_LIMIT_S, VAN_DEFAULTS

    def page() -> None:
        from types import SimpleNamespace

        from ui import vans

        vans.render(SimpleNamespace(path="nowhere", fingerprint="none", region=None))

    at = AppTest.from_function(page, default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    d = VAN_DEFAULTS
    assert at.number_input(key="vans_n").value == d.vans
    assert at.number_input(key="vans_days").value == d.days
    assert at.select_slider(key="vans_within").value == d.within_min
    assert at.selectbox(key="vans_mode").value == d.mode
    assert at.number_input(key="vans_limit").value == APP_TIME_LIMIT_S
