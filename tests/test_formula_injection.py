"""Names that start like a formula never become live formulas in any export (issue #15.4)."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import openpyxl
import pytest

from access.analysis import gap_analysis
from access.gap_outputs import write_gap_outputs
from geodata.export import FORMULA_STARTS
from scenarios.placement import PlacementOptions, place_centres, write_placement
from scenarios.routing import VanOptions, plan_vans, write_vans

EVIL = ['=HYPERLINK("http://evil","x")', "+cmd|' /C calc'!A0", "-1+2", "@SUM(1)"]


@pytest.fixture(scope="module")
def outputs(small_sample_region, tmp_path_factory) -> Path:
    s = small_sample_region.settlements.copy()
    # every settlement gets a hostile name, so whichever is chosen or visited carries one
    s["name"] = [f"{EVIL[i % len(EVIL)]} {i}" for i in range(len(s))]
    region = small_sample_region.with_(settlements=s)
    out = tmp_path_factory.mktemp("injection")
    gaps = gap_analysis(region)
    write_gap_outputs(gaps, out / "gaps", boundaries=region.boundaries)
    write_placement(place_centres(region, PlacementOptions(new_centres=3)), out / "place")
    plan = plan_vans(region, VanOptions(vans=2, days=3, within_min=30), gaps=gaps)
    write_vans(plan, out / "vans")
    return out


def test_no_csv_cell_starts_a_formula(outputs):
    files = sorted(outputs.rglob("*.csv"))
    assert len(files) > 8
    seen_hostile = 0
    for f in files:
        with f.open(encoding="utf-8", newline="") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    # a negative number (e.g. a residual) is a number, not a formula
                    assert _is_number(cell) or not cell.startswith(FORMULA_STARTS), (
                        f"{f.name}: {cell!r}"
                    )
                    seen_hostile += cell.startswith("'=") or cell.startswith("'@")
    assert seen_hostile > 0  # the hostile names did reach the exports, neutralised


def _is_number(cell: str) -> bool:
    try:
        return math.isfinite(float(cell))
    except ValueError:
        return False


def test_no_spreadsheet_cell_is_a_formula(outputs):
    books = sorted(outputs.rglob("*.xlsx"))
    assert books
    for book in books:
        wb = openpyxl.load_workbook(book)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type != "f", f"{book.name}/{ws.title}/{cell.coordinate}"
