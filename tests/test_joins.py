"""Tests of geodata.joins: name normalisation and coverage/poverty joins."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from geodata.errors import SchemaError
from geodata.joins import join_admin_table, match_names, normalise_name


@pytest.mark.parametrize(
    ("raw", "norm"),
    [
        ("RAWALPINDI TEHSIL", "rawalpindi"),
        ("Tehsil Kotli-Sattian", "kotli sattian"),
        ("KAHUTA SUB-DIVISION", "kahuta"),
        ("District  Attock", "attock"),
        ("تحصیل مری", "مری"),
        (None, ""),
    ],
)
def test_normalise_name(raw: str | None, norm: str) -> None:
    assert normalise_name(raw) == norm


@given(st.text(max_size=30))
def test_normalise_is_idempotent(s: str) -> None:
    assert normalise_name(normalise_name(s)) == normalise_name(s)


def test_match_names_reports_every_unmatched_name() -> None:
    m = match_names(["Murree", "Gujar Khan", "Xyz"], ["MURREE TEHSIL", "GUJJAR KHAN", "TAXILA"])
    assert m.pairs == {"Murree": "MURREE TEHSIL", "Gujar Khan": "GUJJAR KHAN"}
    assert m.fuzzy == {"Gujar Khan": "GUJJAR KHAN"}
    assert m.unmatched_left == ("Xyz",) and m.unmatched_right == ("TAXILA",)


@pytest.fixture
def settlements() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "settlement_id": ["S1", "S2"],
            "name": ["Dhok Minda", "Saidpur"],
            "tehsil": ["Rawalpindi", "Murree"],
            "district": ["Rawalpindi", "Rawalpindi"],
        },
        geometry=gpd.points_from_xy([73.0, 73.1], [33.6, 33.7]),
        crs="EPSG:4326",
    )


def test_join_coverage(settlements: gpd.GeoDataFrame) -> None:
    table = pd.DataFrame(
        {
            "level": ["settlement", "settlement", "tehsil", "tehsil"],
            "unit_id": ["S1", "SAIDPUR", "MURREE TEHSIL", "Lahore"],
            "registered_households": [10, 20, 30, 40],
        }
    )
    out, report = join_admin_table(table, settlements)
    assert list(out["unit_id"]) == ["S1", "S2", "Murree"]
    assert report.unmatched == (("tehsil", "Lahore"),)
    assert report.matched == 3 and report.rows == 4


def test_join_poverty_bad_share(settlements: gpd.GeoDataFrame) -> None:
    table = pd.DataFrame({"level": ["tehsil"], "unit_id": ["Murree"], "poor_share": [1.5]})
    with pytest.raises(SchemaError, match="above the maximum"):
        join_admin_table(table, settlements, kind="poverty")
