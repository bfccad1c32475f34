"""Tests of geodata.build: building a region from real OSM data and census totals."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import box

from geodata.build import build_region
from geodata.errors import DataFileError
from geodata.region import load_region, save_region, validate_region

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
PBF = DATA / "osm" / "islamabad.osm.pbf"
CENSUS = DATA / "census2017" / "tehsil_population_2017.csv"
GEONAMES = DATA / "geonames" / "pk_places_cities500.csv"
needs_data = pytest.mark.skipif(
    not DATA.is_dir(), reason=f"real data folder {DATA} is absent (outside the dev setup)"
)


@pytest.fixture(scope="module")
def islamabad():
    if not DATA.is_dir():
        pytest.skip(f"real data folder {DATA} is absent (outside the dev setup)")
    return build_region(osm=PBF, census=CENSUS, geonames=GEONAMES, name="Islamabad extract")


@needs_data
def test_islamabad_region_is_valid(islamabad) -> None:
    region, report = islamabad
    validate_region(region)
    # all OSM nodes on kept ways are graph nodes (not simplified)
    assert 100_000 < len(region.roads.nodes) < 150_000
    tehsils = set(region.boundaries.loc[region.boundaries["level"] == "tehsil", "name"])
    assert {"Rawalpindi", "Kahuta", "Murree"} <= tehsils
    assert region.metadata["provenance"]["settlements"].startswith("census totals per tehsil")
    assert "ODbL" in region.metadata["licences"]["osm"]
    assert region.metadata["coverage_known"] is False and region.coverage is None
    assert (region.settlements["union_council"] == "unknown").all()


@needs_data
def test_households_sum_to_census_of_covered_tehsils(islamabad) -> None:
    region, report = islamabad
    s = region.settlements
    from_census = s[s["tehsil"].isin(list(report.census.pairs))]
    # largest-remainder rounding: exact
    assert from_census["households"].sum() == report.households_census
    assert report.households_census == 616_539  # Rawalpindi + Kahuta + Murree, PBS 2017


@needs_data
def test_one_assumed_centre_per_tehsil(islamabad) -> None:
    region, _ = islamabad
    c = region.centres
    assert sorted(c["tehsil"]) == ["Kahuta", "Murree", "Rawalpindi"]
    assert c["assumed"].all() and (c["kind"] == "existing").all()
    assert len(region.candidates) > 3
    assert (region.candidates["kind"] == "candidate").all()


@needs_data
def test_round_trip(islamabad, tmp_path: Path) -> None:
    region, _ = islamabad
    out = save_region(region, tmp_path / "isb")
    back = load_region(out)
    assert len(back.roads.edges) == len(region.roads.edges)
    assert back.settlements["households"].sum() == region.settlements["households"].sum()
    assert back.metadata["provenance"] == region.metadata["provenance"]


@needs_data
def test_report_lines(islamabad) -> None:
    _, report = islamabad
    text = "\n".join(report.lines())
    assert "census tehsil not in the extract: TAXILA TEHSIL" in text
    assert "assumed at tehsil headquarters" in text


@needs_data
def test_sector_with_simple_census(tmp_path: Path) -> None:
    census = tmp_path / "c.csv"
    census.write_text("tehsil,population,households\nIslamabad,1000,150\nNowhere,5,1\n")
    area = tmp_path / "area.geojson"
    gpd.GeoDataFrame(geometry=[box(73.0, 33.6, 73.1, 33.7)], crs="EPSG:4326").to_file(area)
    # the sector file has no tehsil relation: a clear error, not an empty region
    with pytest.raises(DataFileError, match="none of the extract's tehsils"):
        build_region(osm=DATA / "osm" / "i8.osm", census=census, boundary=area)


@needs_data
def test_boundary_missing_the_extract(tmp_path: Path) -> None:
    area = tmp_path / "karachi.geojson"
    gpd.GeoDataFrame(geometry=[box(67.0, 24.8, 67.1, 24.9)], crs="EPSG:4326").to_file(area)
    with pytest.raises(DataFileError, match="does not overlap any road"):
        build_region(osm=PBF, census=CENSUS, boundary=area)


@needs_data
def test_projected_boundary_is_reprojected(tmp_path: Path, caplog) -> None:
    area = tmp_path / "utm.gpkg"
    g = gpd.GeoDataFrame(geometry=[box(73.0, 33.5, 73.15, 33.65)], crs="EPSG:4326")
    g.to_crs(32643).to_file(area)
    with caplog.at_level("INFO", logger="geodata.build"):
        region, report = build_region(osm=PBF, census=CENSUS, geonames=GEONAMES, boundary=area)
    assert "reprojecting" in caplog.text
    assert report.roads.dropped["outside boundary"] > 0
    assert region.roads.nodes.total_bounds[0] > 72.95  # edges touching it are kept whole


def test_no_population_source(tmp_path: Path) -> None:
    osm = tmp_path / "t.osm"
    osm.write_text(
        '<?xml version="1.0"?><osm version="0.6">'
        '<node id="1" lat="33.7" lon="73.0"/><node id="2" lat="33.71" lon="73.0"/>'
        '<way id="3"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/></way></osm>'
    )
    with pytest.raises(DataFileError, match="no population source"):
        build_region(osm=osm)
