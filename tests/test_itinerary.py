"""Tests of the itinerary exports (scenarios.routing): CSV, XLSX, GeoJSON, GPX, HTML, PDF."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from pathlib import Path

import gpxpy
import numpy as np
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import LineString

from geodata.errors import DataFileError, SchemaError
from scenarios.routing import (
    CampaignPlan,
    HaltVisit,
    ItineraryExport,
    VanDay,
    export_itinerary,
    leg_lines,
    plan_campaign,
    van_day_stops,
    van_day_table,
    visit_table,
)

NAMES = ["Depot Multan", "Basti Malook", "Chak 5", "Kot Addu", "Jalalpur", "Long Camp"]
NAMES_UR = ["", "بستی ملوک", "چک \u06f5", "کوٹ ادو", None, "لمبا کیمپ"]


@pytest.fixture(scope="module")
def case() -> tuple[CampaignPlan, pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(3)
    n = len(NAMES)
    lon = 71.4 + rng.uniform(0, 0.5, n)
    lat = 30.1 + rng.uniform(0, 0.5, n)
    km = np.hypot((lon[:, None] - lon[None, :]) * 96, (lat[:, None] - lat[None, :]) * 111)
    dur = np.ceil(km * 1.3 / 40 * 60).astype(int)
    regs = np.array([0, 40, 25, 60, 30, 400])
    dwell = np.array([0, 120, 90, 150, 100, 1200])
    plan = plan_campaign(
        dur,
        dwell,
        [0, 0.5, 0.4, 0.9, 0.3, 1.0],
        depots=[0],
        vans=1,
        days=5,
        max_block_share=1.0,
        seed=0,
    )
    locs = pd.DataFrame(
        {
            "halt": range(n),
            "name": NAMES,
            "name_ur": NAMES_UR,
            "union_council": [f"UC-{i}" for i in range(n)],
            "lon": lon,
            "lat": lat,
            "expected_registrations": regs,
        }
    )
    return plan, locs, dur


def test_exports_open_and_match_the_plan(case, tmp_path: Path):
    plan, locs, _ = case
    active = [vd for vd in plan.van_days if vd.visits]
    assert active, "fixture plan should have visits"
    res = export_itinerary(plan, locs, tmp_path / "out")
    assert isinstance(res, ItineraryExport)
    assert all(f.exists() for f in res.files)
    assert len(res.by_suffix(".csv")) == len(active) == len(res.by_suffix(".gpx"))

    for vd in active:
        stem = f"v{vd.van + 1:02d}_d{vd.day + 1:02d}"
        with open(tmp_path / "out" / f"{stem}.gpx", encoding="utf-8") as fh:
            gpx = gpxpy.parse(fh)
        assert len(gpx.waypoints) == 1 + len(vd.visits)
        assert len(gpx.tracks) == 1 and len(gpx.tracks[0].segments) == 1
        assert len(gpx.tracks[0].segments[0].points) >= len(vd.visits) + 1
        csv = pd.read_csv(tmp_path / "out" / f"{stem}.csv")
        visits = csv[csv["kind"] == "visit"]
        assert visits["halt"].tolist() == [v.halt for v in vd.visits]
        assert csv["order"].tolist() == list(range(len(csv)))

    pdf = (tmp_path / "out" / "itinerary.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") + pdf.count(
        b"/Type/Page"
    ) >= len(active)

    wb = openpyxl.load_workbook(tmp_path / "out" / "itinerary.xlsx")
    assert "Summary" in wb.sheetnames and "Not visited" in wb.sheetnames
    assert len(wb.sheetnames) == 2 + len(active)

    page = (tmp_path / "out" / "itinerary.html").read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in page
    for h in plan.visited_halts:
        assert NAMES[h] in page
        if NAMES_UR[h]:
            assert f'dir="rtl" class="ur">{NAMES_UR[h]}</span>' in page
    assert page.count('<section class="page">') == len(active)

    geo = json.loads((tmp_path / "out" / "routes.geojson").read_text(encoding="utf-8"))
    routes = [f for f in geo["features"] if f["properties"]["kind"] == "route"]
    points = [f for f in geo["features"] if f["properties"]["kind"] == "visit"]
    assert len(routes) == len(active)
    assert len(points) == sum(len(vd.visits) for vd in active)
    # Urdu names fall back to English in the PDF by default, and are reported.
    assert set(res.pdf_name_fallbacks) <= {h for h in plan.visited_halts if NAMES_UR[h]}


def test_multi_day_halt_appears_on_consecutive_days(case):
    plan, locs, _ = case
    days = [vd.day for vd in plan.van_days for v in vd.visits if v.halt == 5]
    assert len(days) >= 3 and days == list(range(days[0], days[0] + len(days)))
    table = van_day_table(plan, plan.van_day(0, days[0]), locs)
    assert table.loc[table["halt"] == 5, "part"].iloc[0] == f"1/{len(days)}"


def test_pdf_with_urdu_requested_does_not_crash(case, tmp_path: Path):
    plan, locs, _ = case
    res = export_itinerary(plan, locs, tmp_path, pdf_urdu=True)
    assert (tmp_path / "itinerary.pdf").read_bytes().startswith(b"%PDF")
    # Whatever the font, every Urdu name is either printed or reported as a fallback.
    assert isinstance(res.pdf_name_fallbacks, tuple)


def test_road_geometry_is_used(case, tmp_path: Path):
    plan, locs, _ = case
    vd = next(vd for vd in plan.van_days if vd.visits)
    a, b = vd.start_location, vd.visits[0].halt
    (x0, y0), (x1, y1) = locs.loc[a, ["lon", "lat"]], locs.loc[b, ["lon", "lat"]]
    road = LineString([(x0, y0), (x0, y1), (x1, y1)])
    export_itinerary(plan, locs, tmp_path, leg_geometries={(a, b): road})
    stem = f"v{vd.van + 1:02d}_d{vd.day + 1:02d}"
    with open(tmp_path / f"{stem}.gpx", encoding="utf-8") as fh:
        gpx = gpxpy.parse(fh)
    pts = gpx.tracks[0].segments[0].points
    assert (pts[1].longitude, pts[1].latitude) == pytest.approx((x0, y1))
    table = van_day_table(plan, vd, locs, leg_geometries={(a, b): road})
    straight = van_day_table(plan, vd, locs)
    assert table["km_to_next"].iloc[0] > straight["km_to_next"].iloc[0]


def test_existing_files_are_not_overwritten(case, tmp_path: Path):
    plan, locs, _ = case
    (tmp_path / "itinerary.html").write_text("user's own file", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(DataFileError, match="overwrite=True"):
        export_itinerary(plan, locs, tmp_path)
    assert (tmp_path / "itinerary.html").read_text(encoding="utf-8") == "user's own file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["itinerary.html", "notes.txt"]
    export_itinerary(plan, locs, tmp_path, overwrite=True)
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "keep me"
    assert "user's own file" not in (tmp_path / "itinerary.html").read_text(encoding="utf-8")


def test_failure_leaves_folder_untouched(case, tmp_path: Path, monkeypatch):
    plan, locs, _ = case
    (tmp_path / "itinerary.pdf").write_bytes(b"old")
    import scenarios.routing.itinerary_files as itin

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(itin, "write_pdf", boom)
    monkeypatch.setattr(itin, "print_html", lambda *a, **k: False)  # no Chromium
    with pytest.raises(DataFileError, match="disk full"):
        export_itinerary(plan, locs, tmp_path, overwrite=True)
    assert [p.name for p in tmp_path.iterdir()] == ["itinerary.pdf"]
    assert (tmp_path / "itinerary.pdf").read_bytes() == b"old"


def test_location_table_errors(case, tmp_path: Path):
    plan, locs, _ = case
    with pytest.raises(
        SchemaError, match=r"2 problems found in locations:\n.*'union_council'.*\n.*'lat'"
    ):
        export_itinerary(plan, locs.drop(columns=["lat", "union_council"]), tmp_path)
    with pytest.raises(SchemaError, match="locations used by the plan are missing"):
        export_itinerary(plan, locs[locs["halt"] != 0], tmp_path)
    bad = locs.copy()
    bad.loc[1, "lat"] = 123.0
    with pytest.raises(SchemaError, match="out of range"):
        export_itinerary(plan, bad, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_output_path_is_a_file(case, tmp_path: Path):
    plan, locs, _ = case
    target = tmp_path / "plan.txt"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(DataFileError, match="not a folder"):
        export_itinerary(plan, locs, target)


# --- tables shared by the app and the exports (scenarios.routing.itinerary_tables) ---------


def _hand_plan() -> tuple[CampaignPlan, pd.DataFrame]:
    """Two vans, two days: an ordinary tour, an idle day and a halt split over two days."""
    van0 = VanDay(
        0,
        0,
        0,
        0,
        0,
        480,
        740,
        (HaltVisit(1, 510, 600, 90, 30), HaltVisit(2, 620, 700, 80, 20)),
        130,
    )
    idle = VanDay(0, 1, 0, 0, 0, 480, 480, (), 0)
    over1 = VanDay(1, 0, 0, 0, 2, 480, 960, (HaltVisit(2, 540, 960, 390, 60, 1, 2),), 60)
    over2 = VanDay(1, 1, 0, 2, 0, 480, 660, (HaltVisit(2, 480, 600, 120, 0, 2, 2),), 60)
    plan = CampaignPlan(
        van_days=(van0, idle, over1, over2),
        dropped=(),
        van_depots=(0, 0),
        days=2,
        day_start_min=480,
        day_end_min=960,
        breaks=((780, 810),),
        max_drive_min_per_day=None,
        total_drive_min=250,
        objective=0,
        runtime_s=0.0,
    )
    locs = pd.DataFrame(
        {
            "halt": [0, 1, 2],
            "name": ["Depot", "Kot", "Chak"],
            "union_council": ["UC-0", "UC-1", "UC-2"],
            "lon": [71.0, 71.1, 71.2],
            "lat": [30.0, 30.1, 30.2],
            "expected_registrations": [0, 40, 300],
        }
    )
    return plan, locs


def _old_ui_itinerary_table(plan: CampaignPlan, locations: pd.DataFrame) -> pd.DataFrame:
    """The app's table as ui/vans.py built it before it moved to scenarios.routing."""
    names = locations["name"].tolist()
    rows = []
    for vd in plan.van_days:
        for i, v in enumerate(vd.visits, start=1):
            rows.append(
                {
                    "van": vd.van + 1,
                    "day": vd.day + 1,
                    "order": i,
                    "halt": names[v.halt],
                    "arrival": f"{v.arrival_min // 60:02d}:{v.arrival_min % 60:02d}",
                    "departure": f"{v.departure_min // 60:02d}:{v.departure_min % 60:02d}",
                    "dwell_min": v.dwell_min,
                    "drive_min": v.drive_min,
                }
            )
    return pd.DataFrame(rows)


def test_visit_table_gives_the_rows_the_app_showed():
    plan, locs = _hand_plan()
    full = visit_table(plan, locs)
    # dates, registrations per day-visit and women's sessions are checked in test_van_days.py
    table = full.drop(columns=["date", "expected_registrations", "women_session"])
    assert table.to_dict(orient="records") == [
        {"van": 1, "day": 1, "order": 1, "halt": "Kot", "arrival": "08:30",
         "departure": "10:00", "dwell_min": 90, "drive_min": 30},
        {"van": 1, "day": 1, "order": 2, "halt": "Chak", "arrival": "10:20",
         "departure": "11:40", "dwell_min": 80, "drive_min": 20},
        {"van": 2, "day": 1, "order": 1, "halt": "Chak", "arrival": "09:00",
         "departure": "16:00", "dwell_min": 390, "drive_min": 60},
        {"van": 2, "day": 2, "order": 1, "halt": "Chak", "arrival": "08:00",
         "departure": "10:00", "dwell_min": 120, "drive_min": 0},
    ]  # fmt: skip
    pd.testing.assert_frame_equal(table, _old_ui_itinerary_table(plan, locs))
    assert list(visit_table(replace(plan, van_days=()), locs).columns) == list(full.columns)


def test_van_day_stops_is_the_one_stop_list_rule():
    plan, _ = _hand_plan()
    assert [van_day_stops(vd) for vd in plan.van_days] == [[0, 1, 2, 0], [0, 0], [0, 2], [2, 2, 0]]


def test_leg_lines_are_the_legs_the_app_drew():
    plan, _ = _hand_plan()
    legs = {
        (a, b): LineString([(71.0 + a / 10, 30.0 + a / 10), (71.0 + b / 10, 30.0 + b / 10)])
        for a, b in [(0, 1), (1, 2), (2, 0), (0, 2)]
    }
    lines = leg_lines(plan, legs)
    assert lines.crs == "EPSG:4326"
    assert list(zip(lines["van"], lines["day"], strict=True)) == [
        (1, 1),
        (1, 1),
        (1, 1),
        (2, 1),
        (2, 2),
    ]
    # the old rule of ui/vans.py: every consecutive pair of start, visits, end that has a leg
    old = [
        (vd.van + 1, vd.day + 1, legs[(a, b)])
        for vd in plan.van_days
        for a, b in itertools.pairwise(
            [vd.start_location, *(v.halt for v in vd.visits), vd.end_location]
        )
        if (a, b) in legs
    ]
    assert [(r.van, r.day, r.geometry) for r in lines.itertuples()] == old
    assert len(leg_lines(plan, {})) == 0


def test_van_day_table_of_the_hand_plan():
    plan, locs = _hand_plan()
    t = van_day_table(plan, plan.van_days[3], locs)
    assert t["kind"].tolist() == ["start", "visit", "end"]
    assert t["part"].tolist() == ["", "2/2", ""]
    assert t["arrival"].tolist() == ["", "08:00", "11:00"]
    assert t["drive_min_to_next"].tolist()[:2] == [0, 60]
    t = van_day_table(plan, plan.van_days[2], locs)  # overnight at the halt: no closing leg
    assert t["kind"].tolist() == ["start", "visit"]
