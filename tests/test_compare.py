"""Scenario comparison: tables by hand, report files, PDF fallback, and the report in Chromium."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from conftest import SMALL
from helpers import copy_region, write_flood_closures
from PIL import Image

from geodata.errors import DataFileError, SchemaError
from scenarios import report as report_mod
from scenarios.compare import compare_runs
from scenarios.comparison import RunData, build_comparison
from scenarios.runner import run_scenario


def fake_run(name: str, within60: float, expected: float | None, travel: list[float]) -> RunData:
    ids = [f"S{i}" for i in range(len(travel))]
    s = pd.DataFrame(
        {
            "settlement_id": ids,
            "name": ids,
            "households": [10.0] * len(travel),
            "lon": np.linspace(70, 70.1, len(travel)),
            "lat": np.linspace(30, 30.1, len(travel)),
            "travel_min_motorbike": travel,
        }
    )
    centres = gpd.GeoDataFrame(
        {"centre_id": ["C1"], "status": ["existing"]},
        geometry=gpd.points_from_xy([70.05], [30.05]),
        crs="EPSG:4326",
    )
    metrics = {
        "scenario": {"name": name},
        "region": {"fingerprint": "abc", "synthetic": True},
        "travel": {"mode": "motorbike"},
        "headline": {"households_within_60_min": within60, "expected_new_registrations": expected},
    }
    return RunData(name, Path(name), metrics, s, centres, None)


def test_comparison_tables_by_hand():
    comp = build_comparison(
        [
            fake_run("base", 100.0, 0.0, [10.0, 50.0, 90.0]),
            fake_run("more", 130.0, 25.0, [10.0, 20.0, 60.0]),
            fake_run("flood", 80.0, -5.0, [10.0, 70.0, np.nan]),
        ]
    )
    assert comp.names == ("base", "more", "flood")
    assert comp.table.loc["households_within_60_min", "more"] == 130.0
    assert comp.differences.loc["households_within_60_min", "more"] == 30.0
    assert comp.differences.loc["households_within_60_min", "flood"] == -20.0
    assert comp.differences.loc["expected_new_registrations", "flood"] == -5.0
    assert "base" not in comp.differences.columns
    ch = comp.changes
    assert ch is not None
    assert ch["change_min_more"].tolist() == [0.0, -30.0, -30.0]
    assert ch["change_min_flood"].tolist()[:2] == [0.0, 20.0]
    assert np.isinf(ch["change_min_flood"].iloc[2])  # cut off
    assert any("SYNTHETIC" in n for n in comp.notes)


def test_comparison_needs_two_result_folders(tmp_path):
    with pytest.raises(SchemaError, match="at least two result folders"):
        compare_runs([tmp_path], tmp_path / "r")
    with pytest.raises(DataFileError, match="not a scenario result folder"):
        compare_runs([tmp_path, tmp_path], tmp_path / "r")
    assert not (tmp_path / "r").exists()


def test_duplicate_names_are_told_apart():
    comp = build_comparison([fake_run("x", 1.0, 0.0, [1.0]), fake_run("x", 2.0, 0.0, [1.0])])
    assert len(set(comp.names)) == 2


@pytest.fixture(scope="module")
def two_runs(small_sample_region_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("cmp")
    copy_region(small_sample_region_dir, folder / "region")
    write_flood_closures(SMALL, folder / "flood.geojson")
    (folder / "base.yaml").write_text("region: region\n")
    (folder / "flood.yaml").write_text(
        "extends: base.yaml\ntravel: {season: monsoon}\nclosures: {file: flood.geojson}\n"
        "centres: {add: [UCC001]}\n"
    )
    for name in ("base", "flood"):
        run_scenario(folder / f"{name}.yaml", folder / "out" / name)
    return [folder / "out" / "base", folder / "out" / "flood"]


def test_report_files_and_matplotlib_pdf_fallback(two_runs, tmp_path, monkeypatch):
    monkeypatch.setattr(report_mod, "chromium_path", lambda: None)
    rep = compare_runs(two_runs, tmp_path / "report")
    assert rep.pdf_engine == "matplotlib"
    assert rep.pdf.read_bytes()[:5] == b"%PDF-"
    html = rep.html.read_text(encoding="utf-8")
    # 4 charts + who the centres can serve (issue #17) embedded; 1 map as inline SVG
    assert html.count("<img ") == 5
    assert html.count('<figure class="mapsvg') == 1
    assert "Who is excluded and why" in html
    assert "SYNTHETIC" in html and "flood" in html
    assert 'src="http' not in html and "<script" not in html  # works offline
    ch = pd.read_csv(tmp_path / "report" / "settlement_changes.csv")
    s = pd.read_csv(two_runs[1] / "settlements.csv")
    assert np.allclose(
        ch["change_min_flood"].to_numpy(float),
        (s["travel_min_motorbike"] - s["baseline_travel_min_motorbike"]).to_numpy(float),
        equal_nan=True,
    )
    diff = pd.read_csv(tmp_path / "report" / "differences.csv", index_col="metric")
    a, b = (json.loads((d / "metrics.json").read_text())["headline"] for d in two_runs)
    assert diff.loc["households_within_60_min", "flood"] == (
        b["households_within_60_min"] - a["households_within_60_min"]
    )


@pytest.mark.browser
def test_report_renders_in_headless_chromium(two_runs, tmp_path):
    exe = report_mod.chromium_path()
    if exe is None:
        pytest.skip("Chromium is not installed (/usr/bin/chromium missing)")
    rep = compare_runs(two_runs, tmp_path / "report")
    assert rep.pdf_engine == "chromium"
    assert rep.pdf.read_bytes()[:5] == b"%PDF-" and rep.pdf.stat().st_size > 20_000
    shot = tmp_path / "shot.png"
    subprocess.run(
        [
            exe,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}",
            "--window-size=1280,2000",
            rep.html.resolve().as_uri(),
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert shot.is_file() and shot.stat().st_size > 20_000
    img = Image.open(shot).convert("RGB")
    assert img.size == (1280, 2000)
    colours = img.getcolors(maxcolors=1_000_000) or []
    assert len(colours) > 50  # text, tables, coloured cells and charts, not a blank page
    top = max(colours)[0] / (1280 * 2000)
    assert top < 0.95  # not one colour filling the page
