"""Scenario files with ``reviews:`` and ``sweeps:`` (#19): run, costed, written, checked."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from helpers import copy_region, read_json
from test_scenarios import small_examples

from geodata.errors import SchemaError
from scenarios.field.sweeps import REASON_VANS
from scenarios.runner import run_scenario
from scenarios.spec import load_scenario

FIELD_SCENARIO = """\
extends: baseline.yaml
name: field_ops
vans: {vans: 1, days: 3, within_min: 20, start_date: 2027-01-04}
reviews: {vans: 2, weeks: 6, visits: 3, within_min: 20, start_date: 2027-01-04}
sweeps: {teams: 3, days: 8, within_min: 20, start_date: 2027-01-04}
"""


@pytest.fixture(scope="module")
def folder(small_sample_region_dir, tmp_path_factory):
    f = tmp_path_factory.mktemp("field_scen")
    copy_region(small_sample_region_dir, f / "region")
    small_examples(f)
    (f / "field_ops.yaml").write_text(FIELD_SCENARIO)
    return f


@pytest.fixture(scope="module")
def run(folder, tmp_path_factory):
    return run_scenario(folder / "field_ops.yaml", tmp_path_factory.mktemp("out") / "field")


def test_field_scenario_metrics_equal_the_plans(run):
    m = run.metrics
    out = run.out_dir
    reviews = read_json(out / "reviews" / "reviews.json")
    sweeps = read_json(out / "sweeps" / "sweeps.json")
    review_cal = pd.read_csv(out / "reviews" / "calendar.csv")
    sweep_cal = pd.read_csv(out / "sweeps" / "calendar.csv")
    assert reviews["targets"] > 0 and sweeps["settlements_swept"] > 0
    # registrations: the plans' sums, row by row of their calendars
    assert m["reviews"]["expected_registrations"] == reviews["expected_registrations"]
    assert reviews["expected_registrations"] == review_cal["expected_registrations"].sum()
    assert m["sweeps"]["expected_registrations"] == sweeps["expected_registrations"]
    assert sweeps["expected_registrations"] == sweep_cal["expected_registrations"].sum()
    assert m["reviews"]["visits"] == review_cal.groupby(["halt", "visit"]).ngroups
    # costs: the portfolio's van-day, review staff and team-day rates
    ch = {c["channel"]: c for c in m["costs"]["channels"]}
    assert {"centre", "access", "van", "review", "sweep"} <= set(ch)
    review_cost = reviews["van_days_used"] * 25_000 + reviews["visits"] * 120 / 60 * 600
    assert ch["review"]["cost_horizon_pkr"] == pytest.approx(review_cost)
    assert ch["review"]["options"] == reviews["van_days_used"]
    assert ch["sweep"]["cost_horizon_pkr"] == pytest.approx(sweeps["team_days_used"] * 12_000)
    for name, plan in (("review", reviews), ("sweep", sweeps)):
        assert ch[name]["expected_registrations"] == plan["expected_registrations"]
        assert ch[name]["pkr_per_registration"] == pytest.approx(
            ch[name]["cost_horizon_pkr"] / plan["expected_registrations"]
        )
    assert (out / "reviews" / "calendar.ics").exists()
    assert any((out / "sweeps" / "itinerary").iterdir())


def test_sweeps_take_what_the_scenarios_vans_leave(run):
    served = {
        i
        for ids in pd.read_csv(run.out_dir / "vans" / "halts.csv").query("status == 'visited'")[
            "served_ids"
        ]
        for i in str(ids).split(",")
    }
    assert served
    swept = set(pd.read_csv(run.out_dir / "sweeps" / "calendar.csv")["settlement_id"].astype(str))
    assert swept and not swept & served
    left = pd.read_csv(run.out_dir / "sweeps" / "sweeps_left_out.csv", dtype={"settlement_id": str})
    assert set(left.loc[left["reason"] == REASON_VANS, "settlement_id"]) == served - swept


def test_the_spec_builds_the_options(folder):
    s = load_scenario(folder / "field_ops.yaml").spec
    assert s.reviews is not None and s.sweeps is not None
    r, w = s.reviews.review_options(), s.sweeps.sweep_options()
    assert (r.vans, r.weeks, r.visits, r.field.within_min) == (2, 6, 3, 20)
    assert r.field.min_onsite_ratio == 0  # a review visit is mandated
    assert (w.teams, w.days, w.mode, w.field.within_min) == (3, 8, "walk", 20)


BAD = {
    "reviews typo": ("reviews: {vanz: 2}", r"reviews\.vanz: unknown key \(did you mean vans\?\)"),
    "sweeps unknown": ("sweeps: {colour: red}", r"sweeps\.colour: unknown key; known keys"),
    "sweep mode": ("sweeps: {mode: car}", r"sweeps\.mode: 'car' is not a sweep mode"),
    "no teams": ("sweeps: {teams: 0}", r"sweeps\.teams: must be greater than or equal to 1"),
    "bad date": ("reviews: {start_date: 'Feb 30'}", r"reviews\.start_date"),
    "bad days": ("reviews: {working_days: Mon-Funday}", r"reviews\.working_days"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_field_sections_name_the_key(case, folder, tmp_path):
    text, pattern = BAD[case]
    f = tmp_path / "s"
    shutil.copytree(folder, f)
    (f / "bad.yaml").write_text(f"extends: baseline.yaml\n{text}\n")
    with pytest.raises(SchemaError, match=pattern):
        run_scenario(f / "bad.yaml", tmp_path / "out")
    assert not (tmp_path / "out").exists()
