"""Scenario files, the runner and its metrics: checked against independent recomputations."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import yaml
from conftest import SMALL
from helpers import copy_region, invoke_cli, read_json, write_flood_closures
from hypothesis import given, settings, strategies

import cli
from access.analysis import gap_analysis
from access.engine import TravelSettings, nearest_centre
from geodata.errors import DataFileError, SchemaError
from geodata.region import load_region
from scenarios import scenario_writer
from scenarios.demo import EXAMPLE_NAMES, EXAMPLES, river_flood_polygon
from scenarios.metrics import access_metrics, cost_metrics, van_reach
from scenarios.portfolio import PortfolioSettings
from scenarios.runner import run_scenario
from scenarios.spec import load_scenario
from scenarios.travel_cache import clear_memory_cache


def small_examples(folder: Path) -> Path:
    """The five examples rewritten for the small region (saved in ``folder/region``)."""
    for name in EXAMPLE_NAMES:
        doc = yaml.safe_load((EXAMPLES / f"{name}.yaml").read_text())
        if name == "baseline":
            doc["region"] = "region"
        if "placement" in doc:
            doc["placement"].update(new_centres=3, within_min=30)
        if "vans" in doc:
            doc["vans"].update(vans=2, days=3, within_min=30)
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    write_flood_closures(SMALL, folder / "flood_closures.geojson")
    return folder


@pytest.fixture(scope="module")
def small_folder(small_sample_region_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("scen")
    copy_region(small_sample_region_dir, folder / "region")
    return small_examples(folder)


@pytest.fixture(scope="module")
def small_runs(small_folder, tmp_path_factory):
    """The five small examples run from the command line, then compared."""
    out = tmp_path_factory.mktemp("runs")
    for name in EXAMPLE_NAMES:
        res = invoke_cli("run", small_folder / f"{name}.yaml", "--out", out / name)
        assert res.exit_code == 0, res.output
    res = invoke_cli("compare", *(out / n for n in EXAMPLE_NAMES), "--out", out / "report")
    assert res.exit_code == 0, res.output
    return out


def metrics(folder: Path) -> dict:
    return read_json(folder / "metrics.json")


def within(hh: np.ndarray, t: np.ndarray, minutes: float) -> float:
    return float(hh[np.isfinite(t) & (t <= minutes)].sum())


def portfolio_effect(gaps, t_old: np.ndarray, t_new: np.ndarray) -> float:
    """The portfolio's turnout model by hand: reach x (1 - p(new) / p(old)), signed.

    reach = unregistered bottom-40% households + bottom-40% households x growth over the
    default 5-year horizon x p(old) (centres stay open and reach new households too).
    """
    m, s = gaps.model, gaps.settlements
    st = PortfolioSettings()
    p_old, p_new = m.probability(t_old), m.probability(t_new)
    unreg = np.nan_to_num(s["unregistered_poor_households"].to_numpy(float))
    poor = np.nan_to_num(s["poor_households"].to_numpy(float))
    reach = unreg + poor * ((1 + st.household_formation_rate) ** st.horizon_years - 1) * p_old
    return float((reach * (1 - p_new / p_old)).sum())


# ---------------------------------------------------------------------------------------
# end to end on the small region


def test_examples_run_and_compare_from_the_cli(small_runs):
    for name in EXAMPLE_NAMES:
        d = small_runs / name
        for f in ("metrics.json", "settlements.csv", "units_union_council.csv", "centres.csv"):
            assert (d / f).is_file(), (name, f)
    assert (small_runs / "ten_uc_centres" / "placement" / "sites.csv").is_file()
    assert (small_runs / "vans_only" / "vans" / "halts.csv").is_file()
    assert (small_runs / "monsoon_flood" / "closed_roads.geojson").is_file()
    report = small_runs / "report"
    for f in ("report.html", "report.pdf", "comparison.csv", "differences.csv"):
        assert (report / f).stat().st_size > 0, f
    table = pd.read_csv(report / "comparison.csv", index_col="metric")
    assert list(table.columns[3:]) == list(EXAMPLE_NAMES)
    assert len(list(report.glob("map_*.png"))) == 4


def test_new_centres_beat_baseline_by_the_engines_own_figures(small_runs, small_folder):
    base, ten = metrics(small_runs / "baseline"), metrics(small_runs / "ten_uc_centres")
    region = load_region(small_folder / "region")
    hh = region.settlements["households"].to_numpy(float)
    # independent: the engine with the centres the run wrote, not metrics.json
    centres = gpd.read_file(small_runs / "ten_uc_centres" / "centres.geojson")
    assert (centres["status"] == "placed").sum() == 3
    t_new = nearest_centre(region, settings=TravelSettings(mode="motorbike"), centres=centres)
    t_old = nearest_centre(region, settings=TravelSettings(mode="motorbike"))
    for band in (30, 60, 120):
        assert ten["headline"][f"households_within_{band}_min"] == within(
            hh, t_new["travel_min"].to_numpy(float), band
        )
        assert base["headline"][f"households_within_{band}_min"] == within(
            hh, t_old["travel_min"].to_numpy(float), band
        )
    gain = (
        ten["headline"]["households_within_30_min"] - base["headline"]["households_within_30_min"]
    )
    assert gain > 300  # measured: 445 households
    # the written settlements table agrees too
    s = pd.read_csv(small_runs / "ten_uc_centres" / "settlements.csv")
    assert (
        within(s["households"].to_numpy(float), s["travel_min"].to_numpy(float), 30)
        == (ten["headline"]["households_within_30_min"])
    )
    # expected registrations: the portfolio's turnout model with the baseline's exclusion
    # model applied to old vs new times (no new centre fills its 60 a day x 250 x 5 years)
    gaps = gap_analysis(region)
    expect = portfolio_effect(
        gaps, t_old["travel_min"].to_numpy(float), t_new["travel_min"].to_numpy(float)
    )
    assert ten["headline"]["expected_new_registrations_access"] == pytest.approx(expect, rel=1e-9)
    assert expect > 0
    assert ten["headline"]["median_travel_min"] < base["headline"]["median_travel_min"]
    costs = ten["costs"]
    assert costs["one_off_pkr"] == pytest.approx(
        centres.loc[centres.status == "placed", "opening_cost_pkr"].sum()
    )
    assert costs["yearly_pkr"] == 3 * 2_400_000
    annuity = sum(1.1**-y for y in range(1, 6))  # 10% a year over 5 years
    assert costs["per_expected_registration_pkr"] == pytest.approx(
        (costs["one_off_pkr"] + annuity * costs["yearly_pkr"]) / expect
    )
    assert costs["assumptions"]["horizon_years"] == 5
    assert costs["assumptions"]["discount_rate"] == 0.1
    ch = {c["channel"]: c for c in costs["channels"]}
    # settlements under half a minute closer count under other access changes
    assert ch["centre"]["expected_registrations"] + ch["access"][
        "expected_registrations"
    ] == pytest.approx(expect, rel=1e-9)
    assert ch["access"]["expected_registrations"] < 0.01 * expect
    assert ch["centre"]["cost_horizon_pkr"] == pytest.approx(costs["over_horizon_pkr"])


def test_flood_loses_access_by_the_engines_own_figures(small_runs, small_folder):
    base, flood = metrics(small_runs / "baseline"), metrics(small_runs / "monsoon_flood")
    region = load_region(small_folder / "region")
    hh = region.settlements["households"].to_numpy(float)
    poly = gpd.read_file(small_folder / "flood_closures.geojson")
    st_flood = TravelSettings(mode="motorbike", season="monsoon", closures=poly)
    closed = st_flood.closures.closed_mask(region.roads.edges)
    assert closed.sum() > 20 and "trunk" in set(region.roads.edges.loc[closed, "highway"])
    assert flood["travel"]["road_segments_closed"] == int(closed.sum())
    t_old = nearest_centre(region, settings=TravelSettings(mode="motorbike"))["travel_min"]
    t_new = nearest_centre(region, settings=st_flood)["travel_min"]
    for band in (30, 60, 120):
        assert flood["headline"][f"households_within_{band}_min"] == within(
            hh, t_new.to_numpy(float), band
        )
    lost30 = (
        base["headline"]["households_within_30_min"] - flood["headline"]["households_within_30_min"]
    )
    assert lost30 == within(hh, t_old.to_numpy(float), 30) - within(hh, t_new.to_numpy(float), 30)
    assert lost30 > 1000
    gaps = gap_analysis(region)
    expect = portfolio_effect(gaps, t_old.to_numpy(float), t_new.to_numpy(float))
    assert expect < 0
    assert flood["headline"]["expected_new_registrations"] == pytest.approx(expect, rel=1e-9)
    s = pd.read_csv(small_runs / "monsoon_flood" / "settlements.csv")
    assert (s["change_min"] >= -1e-9).all()  # closures and rain never make a trip shorter


def test_vans_reach_matches_the_halts_written(small_runs, small_folder):
    m = metrics(small_runs / "vans_only")
    halts = pd.read_csv(small_runs / "vans_only" / "vans" / "halts.csv")
    visited = halts[halts["status"] == "visited"]
    ids = {i for x in visited["served_ids"] for i in str(x).split(",")}
    s = pd.read_csv(small_runs / "vans_only" / "settlements.csv", dtype={"settlement_id": str})
    reached = s[s["settlement_id"].isin(ids)]
    assert m["headline"]["van_settlements_reached"] == len(reached) > 0
    assert m["headline"]["van_households_reached"] == reached["households"].sum()
    # no access change in vans_only: the turnout model with the walk to the first visited
    # halt serving each settlement as the new burden (straight line x 1.3 at 4 km/h)
    region = load_region(small_folder / "region")
    gaps = gap_analysis(region)
    first: dict[str, str] = {}
    for hid, served in zip(visited["settlement_id"], visited["served_ids"], strict=True):
        for sid in str(served).split(","):
            first.setdefault(sid, str(hid))
    pts = s.set_index("settlement_id")
    rows = [s.index[s["settlement_id"] == sid][0] for sid in first]
    geod = pyproj.Geod(ellps="WGS84")
    _, _, dist_m = geod.inv(
        pts.loc[list(first.values()), "lon"].to_numpy(),
        pts.loc[list(first.values()), "lat"].to_numpy(),
        pts.loc[list(first), "lon"].to_numpy(),
        pts.loc[list(first), "lat"].to_numpy(),
    )
    walk = dist_m * 1.3 / (4000 / 60)
    t = s["travel_min"].to_numpy(float)[rows]
    p_old, p_new = gaps.model.probability(t), gaps.model.probability(walk)
    unreg = np.nan_to_num(s["unregistered_poor_households"].to_numpy(float))[rows]
    expect = float((unreg * np.clip(1 - p_new / p_old, 0, 1)).sum())
    assert m["headline"]["expected_new_registrations_vans"] == pytest.approx(expect, rel=1e-3)
    assert expect > 0
    assert m["costs"]["one_off_pkr"] == 25_000 * m["vans"]["van_days_used"]


def test_same_inputs_same_results(small_folder, tmp_path):
    a = run_scenario(small_folder / "centres_and_vans.yaml", tmp_path / "a")
    clear_memory_cache()
    b = run_scenario(
        small_folder / "centres_and_vans.yaml", tmp_path / "b", cache_dir=tmp_path / "c"
    )
    assert a.metrics == b.metrics
    exts = {".csv", ".geojson", ".gpx"}
    files = sorted(p.relative_to(a.out_dir) for p in a.out_dir.rglob("*") if p.suffix in exts)
    assert len(files) > 10
    for rel in files:
        assert (a.out_dir / rel).read_bytes() == (b.out_dir / rel).read_bytes(), rel
    for rel in ("metrics.json", "scenario.json", "vans/vans.json"):
        assert (a.out_dir / rel).read_bytes() == (b.out_dir / rel).read_bytes(), rel
    pa, pb = (
        json.loads((d / "placement" / "placement.json").read_text()) for d in (a.out_dir, b.out_dir)
    )
    pa.pop("runtime_s"), pb.pop("runtime_s")
    assert pa == pb


def test_travel_cache_is_reused_and_a_corrupt_entry_rebuilt(small_folder, tmp_path):
    cache = tmp_path / "cache"
    clear_memory_cache()
    first = run_scenario(small_folder / "monsoon_flood.yaml", tmp_path / "a", cache_dir=cache)
    assert first.cache["computed"] == 6 and first.cache["disk_hits"] == 0
    assert len(list((cache / "graphs").glob("*"))) > 0
    clear_memory_cache()
    second = run_scenario(small_folder / "monsoon_flood.yaml", tmp_path / "b", cache_dir=cache)
    assert second.cache["disk_hits"] == 6 and second.cache["computed"] == 0
    entries = sorted((cache / "travel").glob("*.parquet"))
    assert len(entries) == 6
    entries[0].write_bytes(b"not parquet at all")
    entries[1].write_bytes(entries[1].read_bytes()[:-10] + b"0123456789")
    clear_memory_cache()
    third = run_scenario(small_folder / "monsoon_flood.yaml", tmp_path / "c", cache_dir=cache)
    assert third.cache["rebuilt"] == 2 and third.cache["disk_hits"] == 4
    assert third.metrics == first.metrics
    clear_memory_cache()
    fourth = run_scenario(small_folder / "monsoon_flood.yaml", tmp_path / "d", cache_dir=cache)
    assert fourth.cache["disk_hits"] == 6


def test_a_crash_while_writing_leaves_no_half_written_result(small_folder, tmp_path, monkeypatch):
    out = tmp_path / "out"
    run_scenario(small_folder / "baseline.yaml", out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def boom(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(scenario_writer, "unit_change_table", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        run_scenario(small_folder / "ten_uc_centres.yaml", out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    with pytest.raises(RuntimeError, match="disk full"):
        run_scenario(small_folder / "ten_uc_centres.yaml", tmp_path / "fresh")
    assert not (tmp_path / "fresh").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# ---------------------------------------------------------------------------------------
# bad scenario files: one clear message each, nothing written


def _bad(folder: Path, text: str, name: str = "bad.yaml") -> Path:
    p = folder / name
    p.write_text(text)
    return p


BAD = {
    "typo key": (
        "extends: baseline.yaml\nplacement:\n  new_centers: 5\n",
        SchemaError,
        r"placement\.new_centers: unknown key \(did you mean new_centres\?\)",
    ),
    "unknown region": (
        "region: no_such_region\n",
        DataFileError,
        r"no_such_region is not a region",
    ),
    "negative vans": (
        "extends: baseline.yaml\nvans:\n  vans: -2\n",
        SchemaError,
        r"vans\.vans: must be greater than or equal to 1 \(got -2\)",
    ),
    "closure file missing": (
        "extends: baseline.yaml\nclosures:\n  file: missing.geojson\n",
        DataFileError,
        r"closures\.file .*missing\.geojson not found",
    ),
    "path escaping the folder": (
        "extends: baseline.yaml\nclosures:\n  file: ../../etc/passwd\n",
        SchemaError,
        r"closures\.file: '\.\./\.\./etc/passwd' points outside the scenario's folder",
    ),
    "extends cycle": (
        "extends: loop_b.yaml\n",
        SchemaError,
        r"extends: cycle bad\.yaml -> "
        r"loop_b\.yaml -> bad\.yaml",
    ),
    "unknown centre": (
        "extends: baseline.yaml\ncentres:\n  close: [DRC01]\n",
        SchemaError,
        r"centres\.close: 'DRC01' is not a centre of the region \(did you mean DRC001\?\)",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_scenarios_give_one_clear_message_and_write_nothing(case, small_folder, tmp_path):
    text, error, pattern = BAD[case]
    folder = tmp_path / "s"
    shutil.copytree(small_folder, folder)
    (folder / "loop_b.yaml").write_text("extends: bad.yaml\n")
    bad = _bad(folder, text)
    out = tmp_path / "out"
    with pytest.raises(error, match=pattern) as info:
        run_scenario(bad, out)
    assert str(info.value).count("\n  - ") <= 1  # one problem, one message
    assert not out.exists()


def test_symlink_out_of_the_folder_is_refused(small_folder, tmp_path):
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "roads.geojson").symlink_to(small_folder / "flood_closures.geojson")
    bad = _bad(folder, "region: sample\nclosures: {file: roads.geojson}\n")
    with pytest.raises(SchemaError, match="points outside the scenario's folder"):
        load_scenario(bad)


def test_cli_bad_scenario_is_a_message_not_a_traceback(small_folder, tmp_path, capsys, monkeypatch):
    bad = _bad(tmp_path, "region: sample\nvans: {vans: 0, dayz: 3}\n")
    out = tmp_path / "out"
    monkeypatch.setattr("sys.argv", ["accessgap", "run", str(bad), "--out", str(out)])
    with pytest.raises(SystemExit) as info:
        cli.main()
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "vans.dayz: unknown key (did you mean days?)" in err
    assert "vans.vans: must be greater than or equal to 1" in err
    assert "Traceback" not in err and not out.exists()


def test_extends_deep_merges_and_names_come_from_the_file(small_folder):
    s = load_scenario(small_folder / "centres_and_vans.yaml")
    assert s.name == "centres_and_vans"
    assert s.spec.placement is not None and s.spec.placement.new_centres == 3  # from its base
    assert s.spec.vans is not None and s.spec.vans.vans == 2
    assert s.spec.costs.van_per_day_pkr == 25_000  # from baseline.yaml, two levels up
    assert [p.name for p in s.files] == [
        "centres_and_vans.yaml",
        "ten_uc_centres.yaml",
        "baseline.yaml",
    ]
    (small_folder / "unnamed.yaml").write_text("extends: baseline.yaml\nvans: null\n")
    u = load_scenario(small_folder / "unnamed.yaml")
    assert u.name == "unnamed" and u.spec.vans is None


def test_shipped_examples_are_valid_and_the_flood_file_matches_its_generator():
    for name in EXAMPLE_NAMES:
        s = load_scenario(EXAMPLES / f"{name}.yaml")
        assert s.name == name and s.region_path is None
    flood = gpd.read_file(EXAMPLES / "flood_closures.geojson")
    assert flood.geometry.iloc[0].equals_exact(river_flood_polygon(), tolerance=1e-6)


def test_added_and_closed_centres(small_folder, tmp_path):
    text = (
        "extends: baseline.yaml\n"
        "centres:\n  add: [UCC001, {id: NEW1, lon: 69.5, lat: 30.05}]\n  close: [DRC001]\n"
        "costs: {centre_yearly_pkr: 1000000}\n"
    )
    res = run_scenario(_bad(small_folder, text, "mixed.yaml"), tmp_path / "o")
    c = pd.read_csv(tmp_path / "o" / "centres.csv")
    assert set(c.loc[c.status == "added", "centre_id"]) == {"UCC001", "NEW1"}
    assert "DRC001" not in set(c["centre_id"])
    assert res.metrics["costs"]["one_off_pkr"] == 3_000_000 + 3_000_000
    assert res.metrics["costs"]["yearly_pkr"] == (2 - 1) * 1_000_000


# ---------------------------------------------------------------------------------------
# metrics by hand


def test_access_metrics_by_hand():
    m = access_metrics(
        np.array([100, 50, 25, 10]),
        np.array([10.0, 5.0, np.nan, 1.0]),
        np.array([10.0, 45.0, 100.0, np.nan]),
    )
    assert m["households_within_30_min"] == 100
    assert m["households_within_60_min"] == 150
    assert m["households_within_120_min"] == 175
    assert m["unregistered_poor_within_60_min"] == 15
    assert m["unreachable_households"] == 10
    assert m["median_travel_min"] == 10.0  # 100 of 185 households at 10 min
    assert m["p90_travel_min"] == 100.0
    assert m["share_households_within_30_min"] == pytest.approx(100 / 185)


def test_cost_and_van_metrics_by_hand():
    st = PortfolioSettings(centre_yearly_pkr=2e6, van_per_day_pkr=25_000, discount_rate=0.0)
    c = cost_metrics(
        setup_pkr=[3e6, 4.5e6],
        closed_centres=1,
        van_days=12,
        settings=st,
        expected_new_registrations=None,
    )
    assert c["one_off_pkr"] == 7.5e6 + 300_000
    assert c["yearly_pkr"] == 2e6
    assert c["over_horizon_pkr"] == 7.8e6 + 10e6
    assert c["per_expected_registration_pkr"] is None
    # discounted at 10%: 2e6 a year for 5 years is worth 2e6 x 3.7908 today
    c = cost_metrics(
        setup_pkr=[3e6, 4.5e6],
        closed_centres=1,
        van_days=12,
        settings=PortfolioSettings(centre_yearly_pkr=2e6, van_per_day_pkr=25_000),
        expected_new_registrations=1000.0,
    )
    assert c["over_horizon_pkr"] == pytest.approx(7.8e6 + 2e6 * 3.790787)
    assert c["per_expected_registration_pkr"] == pytest.approx(c["over_horizon_pkr"] / 1000)
    r = van_reach(
        ["a", "b", "c"],
        np.array([10, 20, 30]),
        np.array([4.0, -1.0, 8.0]),
        [["a", "b"], ["zz"]],
    )
    assert r == {
        "settlements_reached": 2.0,
        "households_reached": 30.0,
        "unregistered_poor_reached": 4.0,
    }


@settings(max_examples=50, deadline=None)
@given(
    strategies.lists(
        strategies.tuples(
            strategies.integers(1, 500), strategies.floats(0, 300), strategies.floats(0, 60)
        ),
        min_size=1,
        max_size=30,
    )
)
def test_shorter_trips_never_lower_coverage(rows):
    hh = np.array([r[0] for r in rows], float)
    t = np.array([r[1] for r in rows])
    faster = t - np.array([r[2] for r in rows]).clip(0, t)
    a = access_metrics(hh, hh * 0.1, t)
    b = access_metrics(hh, hh * 0.1, faster)
    for band in (30, 60, 120):
        assert b[f"households_within_{band}_min"] >= a[f"households_within_{band}_min"]
    assert b["median_travel_min"] <= a["median_travel_min"]


# ---------------------------------------------------------------------------------------
# the real sample region


@pytest.mark.slow
def test_examples_on_the_sample_region_from_the_cli(sample_region_and_truth, tmp_path):
    out = tmp_path / "runs"
    for name in EXAMPLE_NAMES:
        res = invoke_cli(
            "run", EXAMPLES / f"{name}.yaml", "--out", out / name, "--cache", tmp_path / "cache"
        )
        assert res.exit_code == 0, res.output
    res = invoke_cli("compare", *(out / n for n in EXAMPLE_NAMES), "--out", tmp_path / "report")
    assert res.exit_code == 0, res.output
    m = {n: metrics(out / n) for n in EXAMPLE_NAMES}
    region, _ = sample_region_and_truth
    hh = region.settlements["households"].to_numpy(float)
    t_old = nearest_centre(region, settings=TravelSettings(mode="motorbike"))["travel_min"]
    centres = gpd.read_file(out / "ten_uc_centres" / "centres.geojson")
    t_ten = nearest_centre(region, settings=TravelSettings(mode="motorbike"), centres=centres)
    poly = gpd.read_file(EXAMPLES / "flood_closures.geojson")
    t_flood = nearest_centre(
        region, settings=TravelSettings(mode="motorbike", season="monsoon", closures=poly)
    )["travel_min"]
    old60 = within(hh, t_old.to_numpy(float), 60)
    ten60 = within(hh, t_ten["travel_min"].to_numpy(float), 60)
    flood60 = within(hh, t_flood.to_numpy(float), 60)
    assert m["baseline"]["headline"]["households_within_60_min"] == old60
    assert m["ten_uc_centres"]["headline"]["households_within_60_min"] == ten60
    assert m["monsoon_flood"]["headline"]["households_within_60_min"] == flood60
    assert ten60 - old60 > 20_000  # measured: 124,565 -> 149,341
    assert old60 - flood60 > 10_000  # measured: 124,565 -> 110,625
    # bottom-40% households over 5 years (portfolio model): measured 1,895 and -1,013
    assert m["ten_uc_centres"]["headline"]["expected_new_registrations"] > 1_500
    assert m["monsoon_flood"]["headline"]["expected_new_registrations"] < -800
    assert m["vans_only"]["headline"]["van_households_reached"] > 5_000
    c = m["centres_and_vans"]["headline"]
    # Since #19 the vans follow field rules (on-site minutes >= driving minutes): the 14 far
    # halts left after the new centres do not justify their driving, so vans add nothing.
    assert (
        c["expected_new_registrations"]
        >= m["ten_uc_centres"]["headline"]["expected_new_registrations"]
    )
    assert (tmp_path / "report" / "report.pdf").stat().st_size > 10_000
    # centres and vans costed alike: the report states the one horizon, discount and turnout
    page = (tmp_path / "report" / "report.html").read_text()
    assert "Every channel costed alike" in page and "horizon 5 years" in page
    assert "discounted at 10% a year" in page and "p(burden_new) / p(burden_old)" in page
    for name in ("ten_uc_centres", "vans_only"):
        a = m[name]["costs"]["assumptions"]
        assert (a["horizon_years"], a["discount_rate"]) == (5, 0.1)


def test_halts_left_out_are_explained_with_what_to_change(small_folder, tmp_path):
    # an on-site ratio no day can meet: every selected halt is left out, and the notes say
    # why and which key to change (before, metrics.json showed 0 van-days without a word)
    (small_folder / "strict_vans.yaml").write_text(
        "extends: vans_only.yaml\nname: strict_vans\nvans:\n  min_onsite_ratio: 50\n"
    )
    res = run_scenario(small_folder / "strict_vans.yaml", tmp_path / "strict")
    vans = res.metrics["vans"]
    assert vans["van_days_used"] == 0 and vans["halts_selected"] > 0
    note = next(n for n in res.metrics["notes"] if n.startswith("Vans visit"))
    assert f"Vans visit 0 of {vans['halts_selected']} selected halts" in note
    assert "lower min_onsite_ratio" in note
