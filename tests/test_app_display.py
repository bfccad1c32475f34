"""What the app shows, without a browser: numbers for people, the worst-gaps ranking, maps.

Issue #20: walking times in raw minutes ("1806"), shares as 0.8443, a town 0 minutes from its
centre among the worst gaps, van 3's red route like the red "dropped" halts, maps fitted to
whole zoom levels, a legend covering the sites.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as hs
from shapely.geometry import LineString, Point

from access.gap_views import travel_gap_scores, worst_gaps
from access.gaps import GapSettings


def test_durations_shares_and_counts_read_like_people_write_them() -> None:
    from ui.formatting import count_text, duration_text, pct_text

    assert duration_text(1806) == "30 h 6 min"  # the walking time
    assert duration_text(119.6) == "2 h"  # rounded to the minute first
    assert duration_text(47.2) == "47 min"
    assert duration_text(float("inf")) == "unreachable"
    assert pct_text(0.8443) == "84.4%"
    assert count_text(2459.6092) == "2,460"


@given(hs.floats(min_value=0, max_value=1e5, allow_nan=False))
def test_duration_text_adds_up_to_the_minutes(minutes: float) -> None:
    from ui.formatting import duration_text

    m = re.fullmatch(r"(?:([\d,]+) h)?(?: ?(\d+) min)?", duration_text(minutes))
    assert m is not None
    hours = int((m.group(1) or "0").replace(",", ""))
    assert hours * 60 + int(m.group(2) or 0) == round(minutes)


def test_plain_names_for_every_model_and_method() -> None:
    from scenarios.placement import MODELS
    from ui.formatting import METHOD_LABELS, MODEL_HELP, MODEL_LABELS, method_label

    assert MODEL_LABELS["mclp"] == "Maximise households covered"
    assert set(MODEL_LABELS) == set(MODELS) == set(MODEL_HELP)
    for method in ("milp", "heuristic", "heuristic+milp", "milp+heuristic", "mclp+capacity check"):
        assert method in METHOD_LABELS and "+" not in method_label(method)
    assert not any("_" in label for label in MODEL_LABELS.values())


def _toy(minutes: list[float], unreg_poor: list[float]) -> gpd.GeoDataFrame:
    """Settlements whose burden follows access.gaps' formula on foot (no fare)."""
    s = GapSettings()
    t_h = np.asarray(minutes, float) / 60
    burden = s.visits * np.minimum(1.0, (2 * t_h + s.wait_h) / s.work_day_h) * s.wage_pkr_per_day
    n = len(minutes)
    out = gpd.GeoDataFrame(
        {
            "name": [f"s{i}" for i in range(n)],
            "union_council": ["UC"] * n,
            "tehsil": ["T"] * n,
            "households": [1000] * n,
            "coverage_share": [0.5] * n,
            "unregistered_poor_households": unreg_poor,
            "travel_min_walk": minutes,
            "burden_pkr": burden,
        },
        geometry=[Point(70 + i / 100, 30) for i in range(n)],
        crs=4326,
    )
    out["gap_score"] = out["unregistered_poor_households"] * out["burden_pkr"] / 1000
    return out


def test_a_town_at_its_centre_is_never_among_the_worst_gaps() -> None:
    """The issue's headquarters town: 0 min away, big, so a large gap score (by its size)."""
    s = _toy([0.0, 90.0, 30.0], [3000.0, 50.0, 100.0])
    assert s["gap_score"].idxmax() == 0  # ranked by the score, the town would be first
    worst = worst_gaps(s, "walk")
    assert "s0" not in set(worst["settlement"])
    # by hand: 1400 PKR a day, 2 visits, 2 h wait in an 8 h day
    # at the door: 2 x 1400 x 2/8 = 700 PKR a household
    # s1: 2 x 1400 x (2 + 2 x 1.5)/8 = 1,750; 1,050 extra x 50 households = 52.5 (PKR 000)
    # s2: 2 x 1400 x (2 + 2 x 0.5)/8 = 1,050; 350 extra x 100 households = 35
    assert worst[["settlement", "travel_gap"]].values.tolist() == [["s1", 52.5], ["s2", 35.0]]
    assert worst["rank"].tolist() == [1, 2]


def test_worst_gaps_on_the_sample_rank_by_distance(small_sample_region) -> None:
    from access.analysis import gap_analysis, release_result

    gaps = release_result(gap_analysis(small_sample_region, fit_model=False))
    s = gaps.settlements
    mode = gaps.settings.burden_mode
    worst = worst_gaps(s, mode, settings=gaps.settings)
    assert len(worst) and (worst["minutes"] > 0).all()
    assert worst["travel_gap"].is_monotonic_decreasing
    extra = travel_gap_scores(s, settings=gaps.settings)
    assert (extra <= s["gap_score"] + 1e-9).all()  # a part of the score, never more
    at_door = s[f"travel_min_{mode}"] == 0
    assert (extra[at_door].fillna(0) == 0).all()


def test_comparison_tables_have_units_separators_and_colour() -> None:
    from scenarios.comparison import build_comparison
    from ui.compare_tables import cell_colour, differences_styler, table_styler

    runs = [_run("baseline", 2459.6092, 40.0), _run("more centres", 3100.2, 31.5)]
    comp = build_comparison(runs)
    html = table_styler(comp).to_html()
    assert "2,460" in html and "2459.6" not in html
    assert "Median travel time (household-weighted) (min)" in html
    diffs = differences_styler(comp).to_html()
    assert "+641" in diffs and "-8.5" in diffs
    assert "rgba(26, 152, 80" in diffs  # more households within reach: better (green)
    assert cell_colour(-8.5, "down", 8.5).startswith("background-color: rgba(26, 152, 80")
    assert cell_colour(8.5, "down", 8.5).startswith("background-color: rgba(215, 48, 39")


def _run(name: str, within_30: float, median: float):
    from scenarios.comparison import RunData

    metrics = {
        "scenario": {"name": name},
        "region": {"fingerprint": "a"},
        "headline": {"households_within_30_min": within_30, "median_travel_min": median},
    }
    settlements = pd.DataFrame(
        {
            "settlement_id": ["S1"],
            "name": ["x"],
            "households": [10],
            "lon": [70.0],
            "lat": [30.0],
            "travel_min_motorbike": [median],
        }
    )
    centres = gpd.GeoDataFrame({"status": ["existing"]}, geometry=[Point(70, 30)], crs=4326)
    return RunData(name, Path(name), metrics, settlements, centres, None)


def test_scenarios_are_named_by_name_and_the_baseline_is_the_default_base(tmp_path: Path) -> None:
    from scenarios.comparison import scenario_names
    from ui.compare import default_base

    folders = {}
    for key, name in (("a/x", "ten centres"), ("a/y", "baseline"), ("b/y", "baseline")):
        folder = tmp_path / key
        folder.mkdir(parents=True)
        (folder / "metrics.json").write_text(json.dumps({"scenario": {"name": name}}))
        folders[key] = folder
    names = scenario_names(folders)
    assert names == {"a/x": "ten centres", "a/y": "baseline (a/y)", "b/y": "baseline (b/y)"}
    assert default_base({"a/x": "ten centres", "a/y": "Baseline"}) == "a/y"


def test_maps_fit_the_data_with_fractional_zoom_and_a_foldable_legend(small_sample_region) -> None:
    from ui.maps import ExploreLayers, explore_map, placement_map

    region = small_sample_region
    s = region.settlements.assign(
        travel_min_motorbike=10.0,
        gap_score=1.0,
        coverage_share=0.5,
        unregistered_poor_households=1.0,
        centre_id_motorbike="C",
        gap_rank=1.0,
    )
    roads = region.roads.edges[["highway", "geometry"]].head(5)
    m = explore_map(s, layers=ExploreLayers(), centres=region.centres, units=None, roads=roads)
    page = m.get_root().render()
    assert '"zoomSnap": 0.25' in page
    assert "fitBounds" in page and "paddingTopLeft: [div.offsetWidth + 24, 24]" in page
    assert "accessgap-legend-toggle" in page  # the legend folds away
    assert '"collapsed": true' in page  # the layer control is a button, not a panel
    bounds = s.total_bounds
    assert f"{bounds[0]}" in page and f"{bounds[3]}" in page  # fitted to the settlements' bounds
    after = pd.DataFrame({"centre_id": ["x"] * len(s), "travel_min": [5.0] * len(s)})
    sites = region.candidates.head(3).assign(order=[1, 2, 3], gain_at_entry=1.0)
    sites = sites.assign(households_within=1.0)
    m2 = placement_map(s, after=after, sites=sites, centres=region.centres, within_min=60)
    assert "fitBounds" in m2.get_root().render()


def test_van_routes_one_layer_and_colour_per_van_none_red(small_sample_region) -> None:
    from ui.van_map import DROPPED_COLOUR, VAN_PALETTE, van_colour, vans_map

    assert DROPPED_COLOUR not in VAN_PALETTE
    assert len(set(VAN_PALETTE)) == len(VAN_PALETTE)
    assert not any(c.lower() in ("#d62728", "#e31a1c", "#ff0000") for c in VAN_PALETTE)
    region = small_sample_region
    pts = region.settlements.head(4)
    halts = gpd.GeoDataFrame(
        {
            "halt": [10, 11, 12, 13],
            "name": ["h0", "h1", "h2", "h3"],
            "union_council": ["UC"] * 4,
            "households_served": [10.0] * 4,
            "expected_registrations": [5.0] * 4,
            "dwell_min": [150.0, 60, 60, 60],
            "status": ["visited", "visited", "visited", "dropped: too far"],
        },
        geometry=pts.geometry.to_numpy(),
        crs=4326,
    )
    visits = pd.DataFrame({"halt": [10, 11, 12], "van": [1, 2, 3], "day": [1, 1, 2]})
    line = LineString([(70, 30), (70.1, 30.1)])
    legs = gpd.GeoDataFrame({"van": [1, 2, 3], "day": [1, 1, 2]}, geometry=[line] * 3, crs=4326)
    m = vans_map(
        halts,
        legs=legs,
        centres=region.centres,
        settlements=region.settlements,
        visits=visits,
        day_labels={1: "day 1, Mon 7 Dec", 2: "day 2, Tue 8 Dec"},
    )
    page = m.get_root().render()
    for van in (1, 2, 3):
        assert f"Van {van} route" in page  # one layer per van in the layer control
        assert van_colour(van) in page
    assert "Van 3: day 2, Tue 8 Dec" in page  # the popup says which van comes when
    assert "Van and day" in page and "2 h 30 min" in page


def test_saved_portfolio_is_found_and_charted(tmp_path: Path) -> None:
    from ui.portfolio import find_portfolios, frontier_chart_table

    folder = tmp_path / "demo" / "portfolio"
    folder.mkdir(parents=True)
    (folder / "portfolio.json").write_text("{}")
    pd.DataFrame({"budget_pkr": [1e7, 2e7], "expected_registrations": [10.0, 15.0]}).to_csv(
        folder / "frontier.csv", index=False
    )
    (tmp_path / ".tmp-x").mkdir()
    (tmp_path / ".tmp-x" / "portfolio.json").write_text("{}")
    found = find_portfolios(tmp_path)
    assert found == {"demo/portfolio": folder}
    chart = frontier_chart_table(pd.read_csv(folder / "frontier.csv"))
    assert chart["Budget (million PKR)"].tolist() == [10.0, 20.0]


def test_set_cover_share_is_counted_in_settlements() -> None:
    from types import SimpleNamespace

    from ui.place import settlement_share_within

    t = np.r_[np.full(90, 10.0), np.full(9, 200.0), [np.nan]]
    plan = SimpleNamespace(within_min=60.0, settlements_after=pd.DataFrame({"travel_min": t}))
    # 90 of 100 settlements within 60 min (the unreachable one counts as not within)
    assert settlement_share_within(plan) == pytest.approx(0.9)  # type: ignore[arg-type]


def test_burden_bars_keep_the_bands_in_trip_order_and_the_worst_table_whole_households(
    small_sample_region,
) -> None:
    # st.bar_chart sorted the bands as text (0-30, 120-240, 30-60, ...); the worst-gaps table
    # showed expected households as 51.59
    from access.analysis import gap_analysis, release_result
    from access.gap_views import burden_by_band
    from ui.barriers import burden_chart
    from ui.explore import WORST_HEADERS, worst_table

    gaps = release_result(gap_analysis(small_sample_region, fit_model=False))
    table = burden_by_band(gaps.settlements, gaps.settings.burden_mode)
    spec = burden_chart(table).to_dict()
    bands = [str(b) for b in table["band"]]
    assert spec["encoding"]["x"]["sort"] == bands and len(bands) >= 3
    five = ["0-30 min", "30-60 min", "60-120 min", "120-240 min", ">240 min"]
    hand = pd.DataFrame({"band": five, "man_pkr": [1.0] * 5, "woman_pkr": [2.0] * 5})
    assert burden_chart(hand).to_dict()["encoding"]["x"]["sort"] == five != sorted(five)
    mode = gaps.settings.burden_mode
    shown = worst_table(worst_gaps(gaps.settlements, mode, settings=gaps.settings), mode=mode)
    poor = shown[WORST_HEADERS["unregistered_poor"]].to_numpy(float)
    assert np.array_equal(poor, poor.round())


def test_compare_maps_recognise_the_demo_region_read_from_disk(demo_dir) -> None:
    # the demo's scenarios ran on the sample built in memory (the content's fingerprint);
    # the app reads the saved region (its files' fingerprint): the outlines were never drawn
    from geodata.region import load_region
    from scenarios.comparison import load_run
    from ui.compare import runs_on_region

    region = load_region(demo_dir / "region")
    runs = [load_run(demo_dir / "scenarios" / n) for n in ("baseline", "ten_uc_centres")]
    assert {r.metrics["region"]["fingerprint"] for r in runs} != {region.fingerprint()}
    assert runs_on_region(region, region.fingerprint(), runs)
    stranger = runs[0].settlements.assign(settlement_id="X999")
    other = [type(runs[0])(**{**runs[0].__dict__, "settlements": stranger})]
    assert not runs_on_region(region, region.fingerprint(), other)


def test_reach_chart_orders_bands_by_time_in_one_hue_light_to_dark() -> None:
    from matplotlib.colors import to_rgb

    from ui.compare_tables import reach_chart

    reach = pd.DataFrame(
        {
            "Households within 30 min": [10.0, 12.0],
            "Households within 60 min": [20.0, 25.0],
            "Households within 120 min": [30.0, 31.0],
        },
        index=["baseline", "ten centres"],
    )
    spec = reach_chart(reach).to_dict()
    colour = spec["encoding"]["color"]
    bands = list(reach.columns)
    assert colour["sort"] == bands and colour["scale"]["domain"] == bands  # 30, 60, 120
    assert spec["encoding"]["xOffset"]["sort"] == bands
    rgb = [to_rgb(c) for c in colour["scale"]["range"]]
    lightness = [sum(c) for c in rgb]
    assert lightness == sorted(lightness, reverse=True)  # light to dark
    assert all(b >= r and b >= g for r, g, b in rgb)  # one hue (blue), no red
