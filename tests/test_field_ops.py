"""Quarterly mobile reviews and door-to-door sweeps (#19), checked from their outputs alone.

:func:`check_calendar` re-derives the window's working days, its sub-windows, the working
hours and the breaks itself and checks every row of a written ``calendar.csv``; the driving
of each van-day is recomputed from the travel engine's matrix. Sweep itineraries are checked
by the van checker of ``test_van_days`` (the same field rules, teams for vans).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from helpers import invoke_cli, read_json
from hypothesis import given, settings
from hypothesis import strategies as st
from test_van_days import check_itinerary_files

from access.speeds import TravelSettings
from geodata.errors import InfeasibleError, SchemaError
from scenarios.field import (
    ReviewOptions,
    SweepOptions,
    field_calendar,
    plan_reviews,
    plan_sweeps,
    read_targets,
    write_reviews,
    write_sweeps,
)
from scenarios.field.calendar import ics_text, split_evenly, sub_windows, window_dates
from scenarios.field.reviews import per_visit, review_dwell
from scenarios.field.sweeps import REASON_VANS, sweep_dwell
from scenarios.routing import VanOptions, drive_matrix, plan_vans, van_day_stops, van_depots

START = date(2027, 1, 6)  # a Wednesday: windows start mid-week and hold Fridays and Sundays
WEEKDAYS = {0, 1, 2, 3, 4, 5}
HOURS = (8 * 60, 16 * 60)
BREAKS = [(13 * 60, 13 * 60 + 30)]
FRIDAY_BREAKS = [(12 * 60 + 30, 14 * 60 + 30)]
FIELD = VanOptions(within_min=20, min_onsite_ratio=0.0, max_iterations=300)


def _m(text: str) -> int:
    h, m = text.split(":")
    return int(h) * 60 + int(m)


def _overlap(a: int, b: int, s: int, e: int) -> int:
    return max(0, min(b, e) - max(a, s))


def check_calendar(
    cal: pd.DataFrame, *, start: date, weeks: int, visits: int, targets: set[str]
) -> list[list[date]]:
    """Check a calendar.csv's rows against the field rules, derived here; return sub-windows."""
    days = [start + timedelta(days=k) for k in range(7 * weeks)]
    work = [d for d in days if d.weekday() in WEEKDAYS]
    size, extra = divmod(len(work), max(visits, 1))
    bounds = np.cumsum([0] + [size + (k < extra) for k in range(max(visits, 1))])
    subs = [work[bounds[k] : bounds[k + 1]] for k in range(max(visits, 1))]
    for r in cal.itertuples():
        when = date.fromisoformat(r.date)
        assert when in work, f"{r.date} is not a working day of the window"
        a, b = _m(r.arrive), _m(r.depart)
        assert HOURS[0] <= a < b <= HOURS[1], f"{r.date} {r.arrive}-{r.depart} outside hours"
        brk = FRIDAY_BREAKS if when.weekday() == 4 else BREAKS
        assert not any(s < a < e for s, e in brk), f"{r.date} arrives in a break"
        desk = b - a - sum(_overlap(a, b, s, e) for s, e in brk)
        assert desk == r.dwell_min, f"{r.date} {r.settlement}: {desk} != {r.dwell_min}"
        if r.kind == "review":
            assert when in subs[r.visit - 1], f"visit {r.visit} of {r.settlement} off its window"
    if visits and (cal["kind"] == "review").all():
        # every target visited exactly `visits` times (a multi-day visit counts once)
        rounds = cal.groupby("settlement_id")["visit"].agg(lambda v: sorted(set(v)))
        assert set(rounds.index) == targets
        assert all(v == list(range(1, visits + 1)) for v in rounds), "a visit is missing"
    # one team is never in two places at once
    for _, g in cal.groupby(["date", "team"]):
        t = sorted(zip(g["arrive"].map(_m), g["depart"].map(_m), strict=True))
        assert all(t[i][1] <= t[i + 1][0] for i in range(len(t) - 1)), "overlapping visits"
    return subs


@pytest.fixture(scope="module")
def reviews(small_sample_region):
    options = ReviewOptions(vans=2, weeks=6, visits=3, start_date=START, field=FIELD)
    return plan_reviews(small_sample_region, options)


@pytest.fixture(scope="module")
def sweeps(small_sample_region):
    options = SweepOptions(teams=3, days=8, start_date=START, field=FIELD)
    return plan_sweeps(small_sample_region, options, served_by_vans=[])


def test_review_calendar_meets_the_rules(reviews, small_sample_region, tmp_path):
    write_reviews(reviews, tmp_path / "r")
    cal = pd.read_csv(tmp_path / "r" / "calendar.csv", dtype={"settlement_id": str})
    targets = set(reviews.targets["settlement_id"])
    assert len(targets) >= 4, "the small region should have several review targets"
    check_calendar(cal, start=START, weeks=6, visits=3, targets=targets)
    # totals: the rows sum to the targets' figures, and to reviews.json
    t = pd.read_csv(tmp_path / "r" / "targets.csv")
    assert cal["expected_registrations"].sum() == reviews.targets["expected_registrations"].sum()
    assert read_json(tmp_path / "r" / "reviews.json")["expected_registrations"] == int(
        cal["expected_registrations"].sum()
    )
    assert len(t) == len(targets)
    # driving of every van-day, recomputed from the engine's matrix, within the cap
    depots = van_depots(small_sample_region, FIELD)
    _, dur = drive_matrix(
        small_sample_region, depots, reviews.targets, FIELD, TravelSettings(mode="car")
    )
    for plan in reviews.campaigns:
        for vd in plan.van_days:
            stops = van_day_stops(vd)
            drive = sum(int(dur[a, b]) for a, b in itertools.pairwise(stops))
            assert drive == vd.drive_min <= 240


def test_review_ics_has_one_event_per_row(reviews, tmp_path):
    write_reviews(reviews, tmp_path / "r")
    raw = (tmp_path / "r" / "calendar.ics").read_bytes()
    assert raw.count(b"BEGIN:VEVENT") == len(reviews.calendar)
    lines = raw.split(b"\r\n")
    assert all(len(ln) <= 75 for ln in lines), "lines are folded at 75 octets"
    first = reviews.calendar.iloc[0]
    h, m = map(int, first["arrive"].split(":"))
    utc = f"DTSTART:{first['date'].replace('-', '')}T{(h - 5) % 24:02d}{m:02d}00Z"
    assert utc.encode() in raw


def test_the_checker_catches_a_broken_calendar(reviews):
    cal = reviews.calendar.copy()
    targets = set(reviews.targets["settlement_id"])
    sunday = START + timedelta(days=(6 - START.weekday()))
    for col, value, message in [
        ("date", sunday.isoformat(), "not a working day"),
        ("arrive", "07:30", "outside hours"),
        ("visit", 1, "off its window|visit is missing"),
    ]:
        bad = cal.copy()
        bad.loc[len(bad) - 1, col] = value
        with pytest.raises(AssertionError, match=message):
            check_calendar(bad, start=START, weeks=6, visits=3, targets=targets)
    with pytest.raises(AssertionError, match="visit is missing"):
        check_calendar(cal.iloc[1:], start=START, weeks=6, visits=3, targets=targets)


def test_reviews_name_what_to_change_when_infeasible(small_sample_region):
    tight = replace(FIELD, day_end_min=11 * 60, breaks=(), friday_breaks=None)
    options = ReviewOptions(vans=1, weeks=1, visits=3, start_date=START, field=tight)
    with pytest.raises(
        InfeasibleError, match=r"more vans \(about \d+ for \d+ working days.*--weeks.*--visits"
    ):
        plan_reviews(small_sample_region, options)


def test_sweep_itineraries_meet_the_rules(sweeps, tmp_path):
    write_sweeps(sweeps, tmp_path / "s")
    rows = check_itinerary_files(
        tmp_path / "s" / "itinerary",
        days=8,
        start=START,
        weekdays=WEEKDAYS,
        hours=HOURS,
        breaks=BREAKS,
        friday_breaks=FRIDAY_BREAKS,
        cap=180,
        ratio=0.0,
    )
    cal = pd.read_csv(tmp_path / "s" / "calendar.csv", dtype={"settlement_id": str})
    check_calendar(cal, start=START, weeks=2, visits=0, targets=set())
    assert (
        len(rows) == len(cal)
        and rows["expected_registrations"].sum() == cal["expected_registrations"].sum()
    )
    # totals equal the sum over distinct settlements swept (a multi-day village counted once)
    locs = sweeps.locations.set_index("halt")
    swept = set(cal["halt"])
    assert (
        cal["expected_registrations"].sum() == locs.loc[list(swept), "expected_registrations"].sum()
    )
    # every settlement beyond the threshold is swept or left out with a reason, never both
    left = pd.read_csv(tmp_path / "s" / "sweeps_left_out.csv", dtype={"settlement_id": str})
    ids = set(cal["settlement_id"])
    assert not ids & set(left["settlement_id"]) and left["reason"].str.len().gt(0).all()
    assert sweeps.summary()["max_travel_min_in_a_day"] <= 180


def test_sweeps_leave_van_villages_to_vans(small_sample_region):
    vans = plan_vans(
        small_sample_region, VanOptions(vans=1, days=3, within_min=20, start_date=START,
                                        max_iterations=200)
    )  # fmt: skip
    served = [i for ids in vans.halts.loc[vans.halts["status"] == "visited", "served_ids"]
              for i in ids.split(",")]  # fmt: skip
    plan = plan_sweeps(
        small_sample_region,
        SweepOptions(teams=2, days=5, start_date=START, field=FIELD),
        served_by_vans=served,
    )
    assert not set(plan.calendar["settlement_id"]) & set(served)
    by_vans = plan.left_out.loc[plan.left_out["reason"] == REASON_VANS, "settlement_id"]
    assert set(by_vans) == set(served) and served
    # one calendar for every kind of plan, sorted by date
    cal = field_calendar(vans, plan)
    assert set(cal["kind"]) == {"van", "sweep"} and cal["date"].is_monotonic_increasing
    assert {"date", "team", "kind", "unit_code", "unit_name", "settlement", "settlement_ur",
            "arrive", "depart"} <= set(cal.columns)  # fmt: skip
    assert (cal["settlement_ur"] != "").any()


# ---- hand-checkable cases -----------------------------------------------------------------


def test_window_and_sub_windows_by_hand():
    days = window_dates(date(2027, 1, 4), 13, (0, 1, 2, 3, 4, 5))
    assert len(days) == 78 and days[-1] == date(2027, 4, 3)
    subs = sub_windows(days, 3)
    assert [len(w) for w in subs] == [26, 26, 26]
    assert subs[1][0] == date(2027, 2, 3)  # 26 working days after Mon 4 Jan
    with pytest.raises(Exception, match="more weeks or fewer visits"):
        sub_windows(days[:2], 3)


def test_dwell_and_split_by_hand():
    # 2 desks x 8 an hour: 32 registrations take 120 min + 30 set-up + 120 review
    assert review_dwell(np.array([32]), ReviewOptions()).tolist() == [270]
    assert per_visit(np.array([7]), 3).tolist() == [[3, 2, 2]]
    # 450 working minutes a day: 100 households at 40 a day = 1125 minutes (2.5 team-days)
    assert sweep_dwell(np.array([100.0]), SweepOptions()).tolist() == [1125]


def test_read_targets_names_rows(tmp_path):
    f = tmp_path / "t.csv"
    f.write_text("settlement_id,note\nS1,a\n,b\nS1,c\n", encoding="utf-8")
    with pytest.raises(SchemaError, match=r"row 3.*blank(.|\n)*row 4.*repeated"):
        read_targets(f)
    f.write_text("id\nS1\n", encoding="utf-8")
    with pytest.raises(SchemaError, match="add a settlement_id column"):
        read_targets(f)


def test_cli_reviews_with_a_targets_list(small_sample_region_dir, small_sample_region, tmp_path):
    ids = list(small_sample_region.settlements["settlement_id"].iloc[[3, 40, 90]])
    (tmp_path / "t.csv").write_text("settlement_id\n" + "\n".join(ids) + "\n", encoding="utf-8")
    res = invoke_cli(
        "reviews", small_sample_region_dir, "--out", tmp_path / "out", "--targets",
        tmp_path / "t.csv", "--start-date", "2027-01-04", "--weeks", "4", "--visits", "2",
        "--vans", "1",
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    cal = pd.read_csv(tmp_path / "out" / "calendar.csv", dtype={"settlement_id": str})
    assert sorted(set(cal["settlement_id"])) == sorted(ids)
    check_calendar(cal, start=date(2027, 1, 4), weeks=4, visits=2, targets=set(ids))
    bad = invoke_cli(
        "reviews", small_sample_region_dir, "--out", tmp_path / "o2", "--start-date", "4/1/27"
    )
    assert bad.exit_code != 0 and "YYYY-MM-DD" in bad.output


# ---- properties ---------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 400), parts=st.integers(1, 12))
def test_split_evenly_partitions(n, parts):
    if parts > n:
        return
    ranges = split_evenly(n, parts)
    sizes = [b - a for a, b in ranges]
    assert ranges[0][0] == 0 and ranges[-1][1] == n and sum(sizes) == n
    assert all(ranges[i][1] == ranges[i + 1][0] for i in range(parts - 1))
    assert max(sizes) - min(sizes) <= 1 and sizes == sorted(sizes, reverse=True)


@settings(max_examples=60, deadline=None)
@given(totals=st.lists(st.integers(0, 500), min_size=1, max_size=20), k=st.integers(1, 6))
def test_per_visit_never_double_counts(totals, k):
    parts = per_visit(np.array(totals), k)
    assert parts.sum(axis=1).tolist() == totals
    assert (parts.max(axis=1) - parts.min(axis=1) <= 1).all()


@settings(max_examples=40, deadline=None)
@given(name=st.text(min_size=1, max_size=120))
def test_ics_lines_fold_and_unfold(name):
    cal = pd.DataFrame({"date": ["2027-01-04"], "team": ["van 1"], "kind": ["review"],
                        "settlement": [name], "unit_name": ["UC-1"], "arrive": ["09:00"],
                        "depart": ["10:00"], "expected_registrations": [1], "lat": [30.0],
                        "lon": [70.0]})  # fmt: skip
    raw = ics_text(cal, name="t").encode("utf-8")
    assert all(len(ln) <= 75 for ln in raw.split(b"\r\n"))
    text = raw.decode("utf-8").replace("\r\n ", "")
    summary = next(ln for ln in text.split("\r\n") if ln.startswith("SUMMARY:"))
    unescaped = re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), summary)
    plain = name.replace("\r\n", "\n").replace("\r", "\n")
    assert unescaped == f"SUMMARY:Review: van 1 at {plain} (UC-1)"


def test_reviews_and_sweeps_write_notices_from_their_calendars(reviews, sweeps, tmp_path):
    # the review and sweep calendars feed the same Urdu notices as vans: a page per union
    # council with every visit of the team, and one SMS per visit
    from scenarios.notices import synthetic_notes

    write_reviews(reviews, tmp_path / "r", synthetic=True)
    write_sweeps(sweeps, tmp_path / "s", notices=False)
    html = (tmp_path / "r" / "notices" / "notices.html").read_text(encoding="utf-8")
    for uc in reviews.calendar["unit_code"].unique():
        assert uc in html
    for name in reviews.calendar["settlement_ur"].dropna().unique():
        assert name in html
    assert synthetic_notes(True)[0] in html
    sms = pd.read_csv(tmp_path / "r" / "notices" / "sms.csv")
    assert len(sms) == len(reviews.calendar)
    assert not (tmp_path / "s" / "notices").exists()
    if len(sweeps.calendar):
        write_sweeps(sweeps, tmp_path / "s2")
        assert (tmp_path / "s2" / "notices" / "notices.html").is_file()
