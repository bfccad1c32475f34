"""CSV and spreadsheet exports: one lon/lat layout, formulas never live (issue #15, defect 4)."""

from __future__ import annotations

import io

import geopandas as gpd
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import Point

from geodata.errors import CRSError
from geodata.export import (
    FORMULA_STARTS,
    csv_bytes,
    lonlat_table,
    neutralise_formulas,
    points_csv_bytes,
    write_csv,
)

EVIL = ['=HYPERLINK("http://x","c")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\r=1"]


def test_formula_cells_become_text_and_numbers_stay_numbers(tmp_path):
    t = pd.DataFrame({"name": [*EVIL, "Chak 7", None], "n": range(8), "m": [-1.5] * 8})
    write_csv(t, tmp_path / "t.csv")
    back = pd.read_csv(tmp_path / "t.csv", keep_default_na=False)
    assert all(v.startswith("'") for v in back["name"].iloc[:6])
    assert back["name"].iloc[6] == "Chak 7"
    assert back["n"].tolist() == list(range(8)) and (back["m"] == -1.5).all()
    assert t["name"].iloc[0] == EVIL[0]  # the input is not changed


def test_column_names_are_cells_too():
    out = neutralise_formulas(pd.DataFrame({"=cmd": [1]}))
    assert list(out.columns) == ["'=cmd"]


def test_points_csv_has_lon_lat_and_no_formulas():
    pts = gpd.GeoDataFrame({"name": ["=1+1"]}, geometry=[Point(73.1234567, 33.7)], crs=4326)
    text = points_csv_bytes(pts).decode()
    assert text.splitlines() == ["name,lon,lat", "'=1+1,73.123457,33.7"]


def test_lonlat_table_refuses_projected_points():
    pts = gpd.GeoDataFrame({"a": [1]}, geometry=[Point(500_000, 3_700_000)], crs=32643)
    with pytest.raises(CRSError, match="reproject"):
        lonlat_table(pts)


@given(st.lists(st.text(max_size=12), min_size=1, max_size=20))
def test_no_exported_text_cell_starts_a_formula(values):
    back = pd.read_csv(
        io.BytesIO(csv_bytes(pd.DataFrame({"v": values}))), keep_default_na=False, dtype=str
    )
    # the csv module may quote a cell; its text, once read back, never starts a formula
    assert not any(v.startswith(FORMULA_STARTS) for v in back["v"])


def test_json_has_no_infinity_or_nan(tmp_path):
    import json

    import numpy as np

    from geodata.export import write_json

    doc = {"gap": float("inf"), "share": np.float64("nan"), "n": np.int64(2), "xs": np.arange(2)}
    write_json(doc, tmp_path / "a.json")
    text = (tmp_path / "a.json").read_text()
    assert "Infinity" not in text and "NaN" not in text
    assert json.loads(text) == {"gap": None, "share": None, "n": 2, "xs": [0, 1]}
