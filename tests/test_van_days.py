"""Van plans a field team would accept (#19): dates, working hours, the driving cap, time on
site, overnight stays, women-only sessions and registrations that are never counted twice.

The central check, :func:`check_itinerary_files`, re-derives everything from the written
itinerary CSVs alone (its own calendar, its own break rules), not from the plan's objects.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from geodata.errors import AccessGapError, SchemaError
from scenarios.routing import (
    CampaignPlan,
    HaltVisit,
    VanDay,
    VanOptions,
    plan_campaign,
    plan_vans,
    write_vans,
)
from scenarios.routing.itinerary_tables import visit_registrations
from scenarios.routing.options import campaign_dates, parse_date, parse_weekdays
from scenarios.spec import scenario_from_dict

START = date(2027, 1, 6)  # a Wednesday: the campaign runs over a Friday and a Sunday


def _minutes(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 60 + int(m)


def _overlap(a: int, b: int, s: int, e: int) -> int:
    return max(0, min(b, e) - max(a, s))


def check_itinerary_files(
    folder: Path,
    *,
    days: int,
    start: date,
    weekdays: set[int],
    hours: tuple[int, int],
    breaks: list[tuple[int, int]],
    friday_breaks: list[tuple[int, int]],
    cap: int,
    ratio: float,
) -> pd.DataFrame:
    """Check every ``vNN_dMM.csv`` of an itinerary folder from its rows alone.

    Returns the visit rows of all files (with ``van`` and ``day`` from the file names).
    """
    # the campaign calendar, derived here: the first `days` working days from `start`
    calendar, d = [], start
    while len(calendar) < days:
        if d.weekday() in weekdays:
            calendar.append(d)
        d += timedelta(days=1)
    visits = []
    ends_away: dict[tuple[int, int], str] = {}
    files = sorted(folder.glob("v*_d*.csv"))
    assert files, "no itinerary written"
    for f in files:
        van, day = map(int, re.fullmatch(r"v(\d+)_d(\d+)\.csv", f.name).groups())  # type: ignore[union-attr]
        t = pd.read_csv(f, dtype=str, keep_default_na=False)
        for col in ("dwell_min", "drive_min_to_next", "expected_registrations"):
            t[col] = pd.to_numeric(t[col], errors="coerce")
        assert t["date"].nunique() == 1, f"{f.name}: rows of several dates"
        when = date.fromisoformat(t["date"].iloc[0])
        assert when == calendar[day - 1], f"{f.name}: {when} is not campaign day {day}"
        assert when.weekday() in weekdays, f"{f.name}: {when} is not a working day"
        assert start <= when <= calendar[-1], f"{f.name}: {when} outside the campaign window"
        brk = friday_breaks if when.weekday() == 4 else breaks
        drive = int(t["drive_min_to_next"].fillna(0).sum())
        assert drive <= cap, f"{f.name}: {drive} min of driving over the {cap} min cap"
        v = t[t["kind"] == "visit"]
        onsite = int(v["dwell_min"].sum())
        assert onsite >= ratio * drive, f"{f.name}: {onsite} min on site for {drive} driving"
        for col in ("arrival", "departure"):
            for x in t[col]:
                if x:
                    assert hours[0] <= _minutes(x) <= hours[1], f"{f.name}: {x} outside hours"
        for r in v.itertuples():
            a, b = _minutes(r.arrival), _minutes(r.departure)
            assert not any(s < a < e for s, e in brk), f"{f.name}: arrives in a break"
            desk = b - a - sum(_overlap(a, b, s, e) for s, e in brk)
            assert desk == r.dwell_min, f"{f.name}: desk time {desk} != {r.dwell_min}"
            if r.women_session:
                ws, we = map(_minutes, r.women_session.split("-"))
                assert a == ws <= we <= b, f"{f.name}: women's session outside the visit"
        visits.append(v.assign(van=van, day=day, when=when))
        if t["kind"].iloc[-1] == "visit":  # the day ends at a halt: an overnight stay
            ends_away[(van, day)] = str(t["halt"].iloc[-1])
    for (van, day), halt in ends_away.items():
        nxt = folder / f"v{van:02d}_d{day + 1:02d}.csv"
        assert nxt.exists(), f"van {van} stays at halt {halt} but has no day {day + 1}"
        assert calendar[day] == calendar[day - 1] + timedelta(days=1), "stay over a day off"
        first = pd.read_csv(nxt, dtype=str).iloc[0]
        assert str(first["halt"]) == halt and first["kind"] == "start"
    return pd.concat(visits, ignore_index=True)


FIELD_RULES = {
    "start": START,
    "weekdays": {0, 1, 2, 3, 4, 5},
    "hours": (8 * 60, 16 * 60),
    "breaks": [(13 * 60, 13 * 60 + 30)],
    "friday_breaks": [(12 * 60 + 30, 14 * 60 + 30)],
    "cap": 240,
    "ratio": 1.0,
}


@pytest.fixture(scope="module")
def small_plan(small_sample_region):
    options = VanOptions(
        vans=2, days=8, within_min=20, start_date=START, women_share=0.25, max_iterations=500
    )
    return plan_vans(small_sample_region, options)


@pytest.fixture(scope="module")
def sample_plan(sample_region_and_truth):
    """The default plan on the default sample: 3 vans, 10 days (overnight stays, Fridays)."""
    return plan_vans(sample_region_and_truth[0], VanOptions(start_date=START, women_share=0.25))


@pytest.mark.parametrize("which", ["small_plan", "sample_plan"])
def test_itinerary_rows_meet_the_field_rules(which, request, tmp_path):
    plan = request.getfixturevalue(which)
    write_vans(plan, tmp_path / "vans")
    rows = check_itinerary_files(
        tmp_path / "vans" / "itinerary", days=plan.options.days, **FIELD_RULES
    )
    # registrations: the rows sum to the plan's total = the sum over the distinct halts
    halts = pd.read_csv(tmp_path / "vans" / "halts.csv")
    visited = halts[halts["status"] == "visited"]
    total = plan.summary()["expected_registrations"]
    assert rows["expected_registrations"].sum() == total == visited["expected_registrations"].sum()
    assert set(rows["halt"].astype(int)) == set(visited["halt"])
    assert (rows["women_session"] != "").all(), "every visit has its women-only session"
    assert plan.summary()["start_date"] == START.isoformat()


def test_the_sample_plan_uses_overnight_stays_and_fridays(sample_plan):
    s = sample_plan.summary()
    assert s["nights_away"] > 0 and s["max_drive_min_in_a_day"] <= 240
    fridays = [vd for vd in sample_plan.campaign.van_days if vd.visits and
               sample_plan.dates[vd.day].weekday() == 4]  # fmt: skip
    assert fridays, "the checker should see Friday visits"
    split = [v for vd in sample_plan.campaign.van_days for v in vd.visits if v.parts > 1]
    assert split, "the checker should see a multi-day halt"


@pytest.mark.parametrize(
    ("column", "change", "message"),
    [
        ("drive_min_to_next", lambda x: x + 300, "over the 240 min cap"),
        ("date", lambda x: "2027-01-10", "rows of several dates"),
        ("arrival", lambda x: "07:00", "outside hours"),
        ("expected_registrations", lambda x: x, None),
    ],
)
def test_the_checker_catches_a_broken_itinerary(small_plan, tmp_path, column, change, message):
    write_vans(small_plan, tmp_path / "vans")
    folder = tmp_path / "vans" / "itinerary"
    f = sorted(folder.glob("v*_d*.csv"))[0]
    t = pd.read_csv(f, dtype={"date": str, "arrival": str, "departure": str})
    k = 1  # the first visit row
    t.loc[k, column] = change(t.loc[k, column])
    t.to_csv(f, index=False)
    if message is None:
        check_itinerary_files(folder, days=small_plan.options.days, **FIELD_RULES)
        return
    with pytest.raises(AssertionError, match=message):
        check_itinerary_files(folder, days=small_plan.options.days, **FIELD_RULES)


def test_a_multi_day_halt_is_split_not_repeated():
    # one halt needing 1000 working minutes: several days, registrations split by minutes
    dur = np.array([[0, 30], [30, 0]])
    plan = plan_campaign(dur, [0, 1000], [0, 1.0], depots=[0], vans=1, days=4, max_block_share=1)
    locs = pd.DataFrame({"halt": [0, 1], "expected_registrations": [0, 101]})
    regs = visit_registrations(plan, locs)
    parts = [v for vd in plan.van_days for v in vd.visits]
    assert len(parts) == 3 and sum(regs.values()) == 101
    # (450 - 60) = 390 minutes a day at most -> 3 days of 334, 333, 333 minutes -> 34, 34, 33
    assert [v.dwell_min for v in parts] == [334, 333, 333]
    assert sorted(regs.values(), reverse=True) == [34, 34, 33]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 500), min_size=1, max_size=5),
    st.integers(0, 5000),
)
def test_registrations_split_sums_to_the_halt(minutes, total):
    van_days = tuple(
        VanDay(0, d, 0, 0, 0, 480, 900, (HaltVisit(1, 500, 880, m, 0, d + 1, len(minutes)),), 0)
        for d, m in enumerate(minutes)
    )
    plan = CampaignPlan(van_days, (), (0,), len(minutes), 480, 960, (), None, 0, 0, 0.0)
    locs = pd.DataFrame({"halt": [0, 1], "expected_registrations": [0, total]})
    regs = visit_registrations(plan, locs)
    assert sum(regs.values()) == total
    if sum(minutes) > 0:  # each part within one of its exact share
        for (_, part), n in regs.items():
            assert abs(n - total * minutes[part - 1] / sum(minutes)) < 1


def test_overnight_stay_serves_a_halt_beyond_the_daily_cap():
    # halt 1: 200 minutes each way (a day trip is 400 min of driving), 400 minutes of work
    dur = np.array([[0, 200], [200, 0]])
    plan = plan_campaign(dur, [0, 400], [0, 1.0], depots=[0], vans=1, days=3, max_block_share=1)
    days = [vd for vd in plan.van_days if vd.visits]
    assert [vd.drive_min for vd in days] == [200, 200]
    assert days[0].end_location == 1 and days[1].start_location == 1  # the night at the halt
    assert all(sum(v.dwell_min for v in vd.visits) >= vd.drive_min for vd in days)
    no_stay = plan_campaign(dur, [0, 400], [0, 1.0], depots=[0], vans=1, days=3,
                            overnight_at_halt=False, max_block_share=1)  # fmt: skip
    assert no_stay.visited_halts == frozenset()
    assert "driving cap" in no_stay.dropped[0].reason


def test_no_overnight_stay_over_a_day_off():
    dur = np.array([[0, 200], [200, 0]])
    # day 1 follows a day off: the two-day stay must start on day 1, not day 0
    plan = plan_campaign(dur, [0, 400], [0, 1.0], depots=[0], vans=1, days=3, rest_days=[1],
                         max_block_share=1)  # fmt: skip
    assert [vd.day for vd in plan.van_days if vd.visits] == [1, 2]


def test_too_little_work_for_the_drive_is_left_out_with_the_reason():
    # 100 minutes each way for 60 minutes of work: 200 min driving, 60 on site
    dur = np.array([[0, 100], [100, 0]])
    plan = plan_campaign(dur, [0, 60], [0, 1.0], depots=[0], vans=1, days=2)
    assert plan.visited_halts == frozenset()
    assert "too little time on site" in plan.dropped[0].reason
    relaxed = plan_campaign(dur, [0, 60], [0, 1.0], depots=[0], vans=1, days=2,
                            min_onsite_ratio=0.0)  # fmt: skip
    assert relaxed.visited_halts == {1}


def test_friday_breaks_pause_the_visit():
    dur = np.array([[0, 30], [30, 0]])
    fri = ((750, 870),)
    plan = plan_campaign(dur, [0, 300], [0, 1.0], depots=[0], vans=1, days=1, day_breaks=[fri])
    v = plan.van_day(0, 0).visits[0]
    # 08:30 arrival, 240 desk minutes before 12:30, 60 after 14:30
    assert (v.arrival_min, v.departure_min) == (510, 930)
    assert plan.breaks_on(0) == fri


def test_default_calendar_is_monday_to_saturday():
    dates = VanOptions(days=7).campaign_dates(today=date(2027, 1, 1))  # a Friday
    assert dates[0] == date(2027, 1, 4) and dates[-1] == date(2027, 1, 11)
    assert all(d.weekday() != 6 for d in dates)
    assert campaign_dates(date(2027, 1, 2), 2, parse_weekdays("Sat-Thu")) == (
        date(2027, 1, 2),
        date(2027, 1, 3),
    )


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: parse_date("2027-13-01"), "is not a date: write it as YYYY-MM-DD"),
        (lambda: parse_date("next week"), "is not a date"),
        (lambda: parse_weekdays("Mon-Funday"), "is not a weekday"),
        (lambda: parse_weekdays(" , "), "at least one day"),
        (lambda: VanOptions(working_days=()), "working_days"),
        (lambda: VanOptions(working_days=(0, 7)), "working_days"),
        (lambda: VanOptions(friday_breaks=((700, 1000),)), "friday_breaks: 11:40-16:40"),
        (lambda: VanOptions(women_share=1.0), "women_share"),
        (lambda: VanOptions(min_onsite_ratio=-1), "min_onsite_ratio"),
        (lambda: VanOptions(max_drive_min_per_day=0), "max_drive_min_per_day"),
    ],
)
def test_bad_calendar_options_are_named(call, match):
    with pytest.raises(AccessGapError, match=match):
        call()


def test_scenario_vans_keys_build_the_same_options():
    doc = {
        "name": "v",
        "region": "sample",
        "vans": {"start_date": "2027-01-04", "working_days": "Sat-Thu", "women_share": 0.3},
    }
    o = scenario_from_dict(doc).spec.vans.van_options()
    assert o.start_date == date(2027, 1, 4) and o.working_days == (0, 1, 2, 3, 5, 6)
    assert o.women_share == 0.3 and o.max_drive_min_per_day == 240 and o.overnight_at_halt
    bad = {**doc, "vans": {"start_date": "04/01/2027"}}
    with pytest.raises(SchemaError, match="start_date '04/01/2027' is not a date"):
        scenario_from_dict(bad)
    with pytest.raises(SchemaError, match="is not a weekday"):
        scenario_from_dict({**doc, "vans": {"working_days": "Mon-Sunday-Fri"}})


def test_cli_refuses_a_bad_start_date(small_sample_region_dir, tmp_path):
    from cli import app

    res = CliRunner().invoke(
        app, ["vans", str(small_sample_region_dir), "--out", str(tmp_path / "v"),
              "--start-date", "2027-02-30"],
    )  # fmt: skip
    assert res.exit_code == 2
    assert "is not a date" in res.output
    assert not (tmp_path / "v").exists()
