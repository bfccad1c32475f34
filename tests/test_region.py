"""The region package: round trip, atomic writes, and every read error."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest
from geopandas.testing import assert_geodataframe_equal

from geodata.errors import DataFileError, SchemaError
from geodata.region import load_region, save_region, summarize, validate_region


def test_round_trip(tmp_path, small_geography):
    region = validate_region(small_geography)
    save_region(region, tmp_path / "r")
    back = load_region(tmp_path / "r")
    assert back.name == region.name
    for attr in ("settlements", "centres", "candidates", "boundaries"):
        assert_geodataframe_equal(getattr(back, attr), getattr(region, attr), check_like=True)
    assert_geodataframe_equal(back.roads.edges, region.roads.edges, check_like=True)
    assert back.synthetic
    assert back.coverage is None
    assert back.fingerprint() and back.fingerprint() == load_region(tmp_path / "r").fingerprint()


def test_failed_write_leaves_old_region(tmp_path, small_geography, monkeypatch):
    save_region(small_geography, tmp_path / "r")
    before = {p.name: p.read_bytes() for p in (tmp_path / "r").iterdir()}
    calls = {"n": 0}
    real = gpd.GeoDataFrame.to_parquet

    def flaky(self, *a, **k):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        return real(self, *a, **k)

    monkeypatch.setattr(gpd.GeoDataFrame, "to_parquet", flaky)
    with pytest.raises(OSError, match="disk full"):
        save_region(small_geography.with_(name="changed"), tmp_path / "r")
    after = {p.name: p.read_bytes() for p in (tmp_path / "r").iterdir()}
    assert after == before
    assert [p.name for p in tmp_path.iterdir()] == ["r"], "temporary folders are cleaned up"


def test_invalid_region_is_not_written(tmp_path, small_geography):
    s = small_geography.settlements.copy()
    s.loc[s.index[0], "households"] = -1
    with pytest.raises(SchemaError, match="households"):
        save_region(small_geography.with_(settlements=s), tmp_path / "r")
    assert not (tmp_path / "r").exists()


def test_refuses_to_overwrite_a_folder_that_is_not_a_region(tmp_path, small_geography):
    target = tmp_path / "mywork"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    with pytest.raises(DataFileError, match="not a region package"):
        save_region(small_geography, target)
    assert (target / "notes.txt").read_text() == "keep me"


def test_edges_must_reference_known_nodes(small_geography):
    e = small_geography.roads.edges.copy()
    e.loc[e.index[0], "u"] = 10**9
    bad = small_geography.with_(roads=type(small_geography.roads)(small_geography.roads.nodes, e))
    with pytest.raises(SchemaError, match="node 1000000000 is not in road_nodes"):
        validate_region(bad)


def test_missing_folder_and_files(tmp_path, small_geography):
    with pytest.raises(DataFileError, match="no such region folder"):
        load_region(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataFileError, match=r"region.json: missing"):
        load_region(tmp_path / "empty")
    save_region(small_geography, tmp_path / "r")
    (tmp_path / "r" / "settlements.parquet").unlink()
    with pytest.raises(DataFileError, match=r"settlements.parquet: file is missing"):
        load_region(tmp_path / "r")


def test_unreadable_and_empty_files(tmp_path, small_geography):
    save_region(small_geography, tmp_path / "r")
    (tmp_path / "r" / "centres.parquet").write_bytes(b"this is not parquet")
    with pytest.raises(DataFileError, match=r"centres.parquet: cannot be read"):
        load_region(tmp_path / "r")
    (tmp_path / "r" / "centres.parquet").write_bytes(b"")
    with pytest.raises(DataFileError, match=r"centres.parquet: file is empty"):
        load_region(tmp_path / "r")


def test_broken_or_foreign_region_json(tmp_path, small_geography):
    save_region(small_geography, tmp_path / "r")
    meta = tmp_path / "r" / "region.json"
    doc = json.loads(meta.read_text())
    meta.write_text("{not json")
    with pytest.raises(DataFileError, match="cannot be read as JSON"):
        load_region(tmp_path / "r")
    doc["format_version"] = 99
    meta.write_text(json.dumps(doc))
    with pytest.raises(DataFileError, match="format_version 99 is not supported"):
        load_region(tmp_path / "r")


def test_bad_table_on_disk_names_file_row_column(tmp_path, small_geography):
    save_region(small_geography, tmp_path / "r")
    path = tmp_path / "r" / "settlements.parquet"
    s = gpd.read_parquet(path)
    s.loc[3, "settlement_id"] = s.loc[1, "settlement_id"]
    s.to_parquet(path)
    with pytest.raises(SchemaError, match=r"settlements, row 3, column 'settlement_id': duplicate"):
        load_region(tmp_path / "r", verify=False)


def test_summary_counts(small_geography):
    doc = summarize(small_geography)
    assert doc["households"] == int(small_geography.settlements["households"].sum())
    assert doc["n_tehsil"] == 3
    assert doc["coverage_known"] is False
    cov = pd.DataFrame(
        {
            "level": "settlement",
            "unit_id": small_geography.settlements["settlement_id"],
            "registered_households": small_geography.settlements["households"] // 2,
        }
    )
    doc = summarize(small_geography.with_(coverage=cov))
    assert doc["registered_households"] == int(cov["registered_households"].sum())


def test_unit_geometries_join_on_codes_not_names(small_geography):
    from geodata.units import unit_geometries

    region = small_geography
    b = region.boundaries.copy()
    ucs = b[b["level"] == "union_council"]
    # two union councils of different tehsils get the same name (codes stay distinct)
    first = ucs.groupby("parent_code").head(1)
    assert len(first) >= 2
    a, c = first.index[:2]
    b.loc[[a, c], "name"] = "UC-same"
    s = region.settlements.copy()
    old = {str(ucs.at[a, "name"]), str(ucs.at[c, "name"])}
    s.loc[s["union_council"].isin(old), "union_council"] = "UC-same"
    region = region.with_(boundaries=b, settlements=s)
    table = s.groupby(["province", "district", "tehsil", "union_council"], as_index=False)[
        "households"
    ].sum()
    got = unit_geometries(region, "union_council", table)
    # one polygon per table row; each UC-same row gets the polygon of its own tehsil
    assert len(got) == len(table)
    same = got[got["union_council"] == "UC-same"].set_index("tehsil")
    assert set(same["code"]) == {b.at[a, "code"], b.at[c, "code"]}
    for idx in (a, c):
        assert same.loc[b.at[idx, "parent_code"], "code"] == b.at[idx, "code"]
    # without a table: the polygons with their ancestors' names, found through parent codes
    units = unit_geometries(region, "union_council")
    assert len(units) == len(ucs)
    assert (units["tehsil"] == units["parent_code"]).all()
