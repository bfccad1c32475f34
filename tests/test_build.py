"""Tests of geodata.build: building a region from real OSM data and census totals."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Polygon, box
from typer.testing import CliRunner

import cli
from geodata.build import (
    NATIONAL_MEAN_HOUSEHOLD_SIZE,
    BoundaryFileReport,
    build_region,
    read_admin_boundaries,
)
from geodata.errors import DataFileError, SchemaError
from geodata.region import load_region, save_region, validate_region

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
PBF = DATA / "osm" / "islamabad.osm.pbf"
I8 = DATA / "osm" / "i8.osm"
CENSUS = DATA / "census2017" / "tehsil_population_2017.csv"
GEONAMES = DATA / "geonames" / "pk_places_cities500.csv"
#: The tehsils whose borders cross the Islamabad extract (its admin relations).
SIX_TEHSILS = ["Fateh Jang", "Kahuta", "Kotli Sattian", "Murree", "Rawalpindi", "Taxila"]
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
    region, _report = islamabad
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
    from_census = s[s["source"].str.endswith("(census)")]
    # largest-remainder rounding: exact
    assert from_census["households"].sum() == report.households_census
    # every tehsil is cut by this extract, which holds almost none of their roads (it was
    # clipped to Islamabad Capital Territory): each gets at most census x share inside,
    # the share the persons its roads inside can hold (no raster, no complete boundary)
    shares = {t.name: t for t in report.tehsil_shares}
    assert sorted(shares) == SIX_TEHSILS
    for t in shares.values():
        assert t.method == "roads" and 0 < t.share < 0.05
        assert t.households <= int(t.census_households * t.share) + 1
    assert shares["Rawalpindi"].census_households == 537_212  # PBS 2017
    assert sum(t.census_households for t in shares.values()) == 803_989


@needs_data
def test_one_assumed_centre_per_tehsil(islamabad) -> None:
    region, _ = islamabad
    c = region.centres
    assert sorted(c["tehsil"]) == SIX_TEHSILS
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
    assert "census tehsil not in the extract: GUJAR KHAN TEHSIL" in text
    assert "assumed at tehsil headquarters" in text


@needs_data
def test_sector_with_simple_census(tmp_path: Path) -> None:
    census = tmp_path / "c.csv"
    census.write_text("tehsil,population,households\nIslamabad,1000,150\nNowhere,5,1\n")
    area = tmp_path / "area.geojson"
    gpd.GeoDataFrame(geometry=[box(73.0, 33.6, 73.1, 33.7)], crs="EPSG:4326").to_file(area)
    # the sector file has no tehsil relation: the build goes on from places (issue 16) and
    # says loudly that the census was not used
    _, rep = build_region(osm=DATA / "osm" / "i8.osm", census=census, boundary=area)
    assert any("census NOT USED" in n for n in rep.notes)


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


def test_no_population_source_without_places(tmp_path: Path) -> None:
    osm = tmp_path / "t.osm"
    osm.write_text(
        '<?xml version="1.0"?><osm version="0.6">'
        '<node id="1" lat="33.7" lon="73.0"/><node id="2" lat="33.71" lon="73.0"/>'
        '<way id="3"><nd ref="1"/><nd ref="2"/><tag k="highway" v="residential"/></way></osm>'
    )
    # no census, no settlements, and no place node to fall back on: say what to add
    with pytest.raises(DataFileError, match=r"no population source.*no named OSM place node"):
        build_region(osm=osm)


# --- admin boundaries from a user's file -----------------------------------------------


def _gadm_file(islamabad, path: Path) -> Path:
    """The OSM-derived units of the Islamabad build as a GADM-style file in UTM 43N."""
    region, _ = islamabad
    b = region.boundaries
    rows = []
    for r in b[b["level"] == "tehsil"].itertuples():
        rows.append(
            {
                "NAME_1": "Punjab",
                "NAME_2": "Rawalpindi",
                "NAME_3": r.name,
                "GID_1": "PAK.7_1",
                "GID_2": "PAK.7.1_1",
                "GID_3": f"PAK.7.1.{r.Index}_1",
                "ENGTYPE_3": "Tehsil",
                "geometry": r.geometry,
            }
        )
    ict = b[(b["level"] == "province") & (b["name"] == "Islamabad Capital Territory")].iloc[0]
    rows.append({"NAME_1": ict["name"], "GID_1": "PAK.3_1", "geometry": ict.geometry})
    g = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326").to_crs(32643)
    g.to_file(path)
    return path


@needs_data
def test_user_boundaries_gadm_projected(islamabad, tmp_path: Path, caplog) -> None:
    bnd = _gadm_file(islamabad, tmp_path / "gadm_utm.gpkg")
    with caplog.at_level("INFO", logger="geodata.build"):
        region, report = build_region(
            osm=PBF, census=CENSUS, geonames=GEONAMES, boundaries=bnd, name="Islamabad"
        )
    validate_region(region)
    assert "reprojecting" in caplog.text and "EPSG:32643" in caplog.text
    assert isinstance(report.boundaries, BoundaryFileReport)
    assert report.boundaries.reprojected_from == "EPSG:32643"
    b = region.boundaries.set_index("code")
    tehsils = b[b["level"] == "tehsil"]
    # the tehsils come from the file: its codes and names, parents dissolved from them
    assert sorted(tehsils["name"]) == SIX_TEHSILS
    assert tehsils.index.str.startswith("PAK.7.1.").all()
    assert (tehsils["parent_code"] == "PAK.7.1_1").all()
    assert b.loc["PAK.7.1_1", "level"] == "district" and b.loc["PAK.7.1_1", "name"] == "Rawalpindi"
    assert b.loc["PAK.7.1_1", "parent_code"] == "PAK.7_1"
    assert set(b.loc[b["level"] == "province", "name"]) == {
        "Punjab",
        "Islamabad Capital Territory",
    }
    assert region.metadata["provenance"]["boundaries"] == "user file gadm_utm.gpkg"
    assert not region.boundaries["partial"].any()
    # census matching by tehsil name and one centre per tehsil work as before
    # complete units from the file: each tehsil's whole census total (PBS 2017)
    assert report.households_census == 803_989
    assert sorted(region.centres["tehsil"]) == SIX_TEHSILS
    text = "\n".join(report.lines())
    assert "boundaries from user file" in text and "tehsil (GADM) <- NAME_3" in text


def _units(path: Path, crs: str | None = "EPSG:4326", **cols) -> Path:
    g = gpd.GeoDataFrame(
        cols,
        geometry=[box(73.04, 33.64, 73.10, 33.70), box(73.065, 33.66, 73.08, 33.675)][
            : len(next(iter(cols.values())))
        ],
        crs=crs,
    )
    g.to_file(path)
    return path


@needs_data
def test_admin_level_numbers_and_union_councils(tmp_path: Path) -> None:
    bnd = _units(
        tmp_path / "uc.geojson", NAME=["Islamabad", "I-8"], admin_level=[7, 8], ref=["T1", "U1"]
    )
    region, _report = build_region(osm=I8, boundaries=bnd, boundary_columns={"code": "ref"})
    b = region.boundaries.set_index("code")
    assert b.loc["U1", "level"] == "union_council" and b.loc["U1", "parent_code"] == "T1"
    s = region.settlements.iloc[0]
    assert (s["tehsil"], s["union_council"]) == ("Islamabad", "I-8")
    assert region.metadata["union_council_known"] is True


@needs_data
def test_boundaries_clipped_to_the_study_area(tmp_path: Path) -> None:
    bnd = _units(tmp_path / "t.geojson", name=["Islamabad"], level=["tehsil"])
    area = tmp_path / "area.geojson"
    gpd.GeoDataFrame(geometry=[box(73.06, 33.656, 73.085, 33.68)], crs="EPSG:4326").to_file(area)
    region, report = build_region(osm=I8, boundaries=bnd, boundary=area)
    b = region.boundaries
    assert b["partial"].all() and b.geometry.iloc[0].bounds[0] >= 73.06 - 1e-9
    assert any("cut by the study area" in n for n in report.notes)


def test_mapping_constant_level_and_repair(tmp_path: Path) -> None:
    bowtie = Polygon([(73.0, 33.6), (73.1, 33.7), (73.1, 33.6), (73.0, 33.7)])
    path = tmp_path / "t.gpkg"
    gpd.GeoDataFrame(
        {"TEHSIL_NAME": ["Bowtie"], "CODE": ["X1"]}, geometry=[bowtie], crs="EPSG:4326"
    ).to_file(path)
    units, rep = read_admin_boundaries(path, columns={"name": "TEHSIL_NAME", "level": "tehsil"})
    assert list(units["level"]) == ["tehsil"] and list(units["code"]) == ["X1"]
    assert units.geometry.is_valid.all() and rep.repaired == 1
    assert units.geometry.iloc[0].area == pytest.approx(0.005)


def test_gadm_geopackage_with_several_layers(tmp_path: Path) -> None:
    path = tmp_path / "gadm_layers.gpkg"
    a, b = box(73.0, 33.6, 73.05, 33.7), box(73.05, 33.6, 73.1, 33.7)
    crs = "EPSG:4326"
    layers = {
        "ADM_ADM_0": gpd.GeoDataFrame({"NAME_0": ["Pakistan"]}, geometry=[a.union(b)], crs=crs),
        "ADM_ADM_1": gpd.GeoDataFrame(
            {"NAME_1": ["Punjab"], "GID_1": ["P1"], "ENGTYPE_1": ["Province"]},
            geometry=[a.union(b)],
            crs=crs,
        ),
        "ADM_ADM_2": gpd.GeoDataFrame(
            {"NAME_1": ["Punjab"], "NAME_2": ["Rawalpindi"], "ENGTYPE_2": ["Division"]},
            geometry=[a.union(b)],
            crs=crs,
        ),
        "ADM_ADM_3": gpd.GeoDataFrame(
            {
                "NAME_1": ["Punjab", "Punjab"],
                "NAME_2": ["Rawalpindi", "Rawalpindi"],
                "NAME_3": ["Attock", "Rawalpindi"],
                "GID_3": ["D1", "D2"],
                "ENGTYPE_3": ["District", "District"],
            },
            geometry=[a, b],
            crs=crs,
        ),
    }
    for name, layer in layers.items():
        layer.to_file(path, layer=name)
    units, rep = read_admin_boundaries(path)
    # country rows dropped, the division level skipped: districts hang off the province
    assert sorted(
        zip(units["level"], units["code"], units["parent_code"].fillna("-"), strict=True)
    ) == [
        ("district", "D1", "P1"),
        ("district", "D2", "P1"),
        ("province", "P1", "-"),
    ]
    assert len(rep.layers) == 4 and sum(rep.dropped.values()) == 1


def test_admin_level_country_rows_dropped(tmp_path: Path) -> None:
    path = _units(tmp_path / "a.geojson", name=["Pakistan", "Islamabad"], admin_level=[2, 7])
    units, rep = read_admin_boundaries(path)
    assert list(units["name"]) == ["Islamabad"] and list(units["code"]) == ["tehsil:Islamabad"]
    assert sum(rep.dropped.values()) == 1


def test_boundaries_without_crs(tmp_path: Path) -> None:
    path = tmp_path / "nocrs.gpkg"
    with pytest.warns(UserWarning, match="crs"):  # pyogrio warns when writing it
        _units(path, crs=None, level=["tehsil"], code=["T1"], name=["Islamabad"])
    with pytest.raises(DataFileError, match=r"nocrs\.gpkg: has no CRS"):
        read_admin_boundaries(path)


def test_boundaries_missing_columns_all_reported(tmp_path: Path) -> None:
    path = _units(tmp_path / "cols.geojson", DIST=["Islamabad"])
    with pytest.raises(SchemaError) as info:
        read_admin_boundaries(path)
    msg = str(info.value)
    assert "2 problems found in" in msg and "cols.geojson" in msg
    assert "column 'level'" in msg and "column 'name'" in msg
    assert "boundary_columns" in msg and "columns present: DIST" in msg
    with pytest.raises(SchemaError, match=r"column 'NOPE'.*does not have"):
        read_admin_boundaries(path, columns={"name": "NOPE"})


def test_boundaries_bad_values_all_reported(tmp_path: Path) -> None:
    path = _units(tmp_path / "v.geojson", level=["tehsil", "county"], name=["A", None])
    with pytest.raises(SchemaError) as info:
        read_admin_boundaries(path)
    msg = str(info.value)
    assert "row 1, column 'level': value 'county' is not a level" in msg
    assert "row 1, column 'name'" in msg


def test_empty_boundaries_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.gpkg"
    gpd.GeoDataFrame({"level": [], "name": []}, geometry=[], crs="EPSG:4326").to_file(empty)
    with pytest.raises(DataFileError, match=r"empty.gpkg: holds no admin units"):
        read_admin_boundaries(empty)
    zero = tmp_path / "zero.geojson"
    zero.write_bytes(b"")
    with pytest.raises(DataFileError, match=r"zero.geojson: file is empty"):
        read_admin_boundaries(zero)


@needs_data
def test_cli_region_build_with_boundaries(tmp_path: Path) -> None:
    bnd = _units(tmp_path / "t.geojson", TEHSIL_NAME=["Islamabad"])
    res = CliRunner().invoke(
        cli.app,
        [
            "region",
            "build",
            "--osm",
            str(I8),
            "--boundaries",
            str(bnd),
            "--out",
            str(tmp_path / "r"),
            "--boundary-column",
            "name=TEHSIL_NAME",
            "--boundary-column",
            "level=tehsil",
        ],
        catch_exceptions=False,
    )
    assert res.exit_code == 0, res.output
    back = load_region(tmp_path / "r")
    assert list(back.boundaries["name"]) == ["Islamabad"]
    assert back.settlements["tehsil"].tolist() == ["Islamabad"]


# --- no census and no settlements file: OSM place nodes --------------------------------


@needs_data
def test_sector_without_census_uses_place_nodes() -> None:
    # i8.osm has one place node (place=suburb "I-8") and no admin boundary
    region, report = build_region(osm=I8)
    validate_region(region)
    s = region.settlements
    assert list(s["name"]) == ["I-8"]
    assert s["population"].iloc[0] == 20_000  # assumed for a suburb without population tag
    assert s["households"].iloc[0] == round(20_000 / NATIONAL_MEAN_HOUSEHOLD_SIZE)
    assert region.metadata["settlements_method"] == "osm_places"
    assert region.metadata["provenance"]["settlements"].startswith("ESTIMATED")
    assert region.metadata["provenance"]["boundaries"].startswith("ASSUMED")
    assert len(region.centres) == 1 and len(region.candidates) == 1
    text = "\n".join(report.lines())
    assert "ESTIMATED households" in text and "ASSUMED tehsil" in text


@needs_data
def test_sector_place_outside_the_study_area(tmp_path: Path) -> None:
    area = tmp_path / "corner.geojson"
    gpd.GeoDataFrame(geometry=[box(73.06, 33.656, 73.068, 33.665)], crs="EPSG:4326").to_file(area)
    with pytest.raises(DataFileError, match="no population source"):
        build_region(osm=I8, boundary=area)


@needs_data
def test_islamabad_without_census_falls_back_to_places() -> None:
    region, report = build_region(osm=PBF)
    validate_region(region)
    s = region.settlements
    assert len(s) > 50 and s["settlement_id"].str.startswith("osm-node-").all()
    assert region.metadata["settlements_method"] == "osm_places"
    prov = region.metadata["provenance"]["settlements"]
    assert "ESTIMATED" in prov and "village 1,500" in prov and "6.4" in prov
    assert "census" not in region.metadata["licences"]
    assert any("ESTIMATED households" in n for n in region.metadata["notes"])
    assert any("ESTIMATED households" in line for line in report.lines())
