"""Every rule of the data contracts and every error path of validation."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, Polygon

from geodata.errors import CRSError, SchemaError
from geodata.schema import (
    BOUNDARIES,
    CENTRES,
    COVERAGE,
    POVERTY,
    ROAD_EDGES,
    SETTLEMENTS,
    require_projected,
    validate,
)


def settlements(**overrides) -> gpd.GeoDataFrame:
    data = {
        "settlement_id": ["S1", "S2", "S3"],
        "name": ["Kot A", "Kot B", "Kot C"],
        "province": ["P"] * 3,
        "district": ["D"] * 3,
        "tehsil": ["T"] * 3,
        "union_council": ["U1", "U1", "U2"],
        "households": [10, 20, 30],
        "population": [60, 130, 200],
    }
    geom = overrides.pop("geometry", [Point(70, 30), Point(70.1, 30), Point(70.2, 30.1)])
    data.update(overrides)
    return gpd.GeoDataFrame(data, geometry=geom, crs="EPSG:4326")


def test_valid_table_passes_and_keeps_index():
    df = settlements()
    df.index = [5, 6, 7]
    out = validate(df, SETTLEMENTS)
    assert list(out.index) == [5, 6, 7]
    assert out["households"].dtype == np.int64
    assert out["settlement_id"].tolist() == ["S1", "S2", "S3"]


def test_missing_column_is_named():
    df = settlements().drop(columns=["households"])
    with pytest.raises(SchemaError, match=r"column 'households': required column is missing"):
        validate(df, SETTLEMENTS, source="villages.gpkg")


def test_duplicate_ids_name_the_row():
    df = settlements(settlement_id=["S1", "S2", "S1"])
    with pytest.raises(
        SchemaError, match=r"villages.gpkg, row 2, column 'settlement_id': duplicate"
    ):
        validate(df, SETTLEMENTS, source="villages.gpkg")


def test_negative_households_rejected():
    df = settlements(households=[10, -5, 30])
    with pytest.raises(SchemaError, match=r"row 1, column 'households': value -5 is below"):
        validate(df, SETTLEMENTS)


def test_all_problems_reported_at_once():
    df = settlements(households=[10, -5, "many"], settlement_id=["S1", "S1", None])
    with pytest.raises(SchemaError) as info:
        validate(df, SETTLEMENTS, source="f.csv")
    msgs = [str(p) for p in info.value.problems]
    assert len(msgs) == 4, msgs
    assert any("'many' is not a number" in m for m in msgs)
    assert any("is missing" in m and "settlement_id" in m for m in msgs)
    assert "4 problems found in f.csv" in str(info.value)


def test_fractional_count_rejected():
    with pytest.raises(SchemaError, match="not a whole number"):
        validate(settlements(households=[10, 2.5, 3]), SETTLEMENTS)


def test_infinite_value_rejected():
    with pytest.raises(SchemaError, match="infinite"):
        validate(settlements(population=[1, np.inf, 3]), SETTLEMENTS)


def test_non_point_geometry_rejected():
    geom = [Point(70, 30), LineString([(70, 30), (71, 30)]), Point(70.2, 30)]
    with pytest.raises(SchemaError, match=r"row 1, column 'geometry': geometry is a LineString"):
        validate(settlements(geometry=geom), SETTLEMENTS)


def test_empty_geometry_rejected():
    geom = [Point(70, 30), Point(), Point(70.2, 30)]
    with pytest.raises(SchemaError, match="geometry is missing or empty"):
        validate(settlements(geometry=geom), SETTLEMENTS)


def test_projected_crs_rejected_for_storage():
    df = settlements().to_crs("EPSG:32642")
    with pytest.raises(SchemaError, match=r"layer is in EPSG:32642, expected EPSG:4326"):
        validate(df, SETTLEMENTS)


def test_missing_crs_rejected():
    df = settlements().set_crs(None, allow_override=True)
    with pytest.raises(SchemaError, match="layer has no CRS"):
        validate(df, SETTLEMENTS)


def test_projected_coordinates_labelled_geographic_rejected():
    df = settlements(geometry=[Point(500000, 3300000), Point(70, 30), Point(70, 30.1)])
    with pytest.raises(SchemaError, match="outside longitude/latitude range"):
        validate(df, SETTLEMENTS)


def test_empty_table_rejected():
    with pytest.raises(SchemaError, match="the table is empty"):
        validate(settlements().iloc[:0], SETTLEMENTS)


def test_plain_dataframe_for_spatial_schema_rejected():
    df = pd.DataFrame(settlements().drop(columns="geometry"))
    with pytest.raises(SchemaError, match="no geometry column"):
        validate(df, SETTLEMENTS)


def test_require_projected():
    df = settlements()
    with pytest.raises(CRSError, match="geographic CRS"):
        require_projected(df, what="settlements")
    assert require_projected(df.to_crs("EPSG:32642")).to_epsg() == 32642
    with pytest.raises(CRSError, match="has no CRS"):
        require_projected(df.set_crs(None, allow_override=True))


def test_centre_kind_and_bool_parsing():
    base = {
        "centre_id": ["C1", "C2"],
        "name": ["a", "b"],
        "kind": ["existing", "mobile"],
        "capacity_per_day": [10, 10],
        "opening_cost_pkr": [0, 1e6],
        "assumed": ["yes", "maybe"],
    }
    df = gpd.GeoDataFrame(base, geometry=[Point(70, 30), Point(70, 31)], crs="EPSG:4326")
    with pytest.raises(SchemaError) as info:
        validate(df, CENTRES)
    text = str(info.value)
    assert "'mobile' is not one of existing, candidate" in text
    assert "'maybe' is not true/false" in text
    df["kind"] = "existing"
    df["assumed"] = ["yes", "0"]
    assert validate(df, CENTRES)["assumed"].tolist() == [True, False]


def test_road_edges_rules():
    df = gpd.GeoDataFrame(
        {
            "u": [0, 1],
            "v": [1, 2],
            "highway": ["primary", "track"],
            "oneway": [False, True],
            "length_m": [100.0, -1.0],
        },
        geometry=[LineString([(70, 30), (70.001, 30)]), Point(70, 30)],
        crs="EPSG:4326",
    )
    with pytest.raises(SchemaError) as info:
        validate(df, ROAD_EDGES)
    text = str(info.value)
    assert "column 'length_m': value -1 is below the minimum 0" in text
    assert "geometry is a Point; expected LineString" in text


def test_boundaries_invalid_polygon():
    bow = Polygon([(70, 30), (71, 31), (71, 30), (70, 31)])
    df = gpd.GeoDataFrame(
        {"level": ["tehsil"], "code": ["T1"], "name": ["T"], "parent_code": ["D"]},
        geometry=[bow],
        crs="EPSG:4326",
    )
    with pytest.raises(SchemaError, match="geometry is invalid"):
        validate(df, BOUNDARIES)


def test_coverage_and_poverty_rules():
    cov = pd.DataFrame(
        {
            "level": ["settlement", "village"],
            "unit_id": ["S1", "S1"],
            "registered_households": [3, 4],
        }
    )
    with pytest.raises(SchemaError, match="'village' is not one of settlement"):
        validate(cov, COVERAGE, crs=None)
    cov["level"] = "settlement"
    with pytest.raises(SchemaError, match="duplicate combination"):
        validate(cov, COVERAGE, crs=None, unique_together=("level", "unit_id"))
    pov = pd.DataFrame({"level": ["tehsil"], "unit_id": ["T"], "poor_share": [1.4]})
    with pytest.raises(SchemaError, match="above the maximum 1"):
        validate(pov, POVERTY, crs=None)
