"""Tests of geodata.osm: road graph, boundaries and places from OSM files."""

from __future__ import annotations

import bz2
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import box

from geodata.errors import DataFileError
from geodata.osm import (
    parse_maxspeed,
    read_osm_boundaries,
    read_osm_places,
    read_osm_roads,
    read_osm_roads_with_report,
)

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
OSM = DATA / "osm"
needs_data = pytest.mark.skipif(
    not OSM.is_dir(), reason=f"real data folder {OSM} is absent (outside the dev setup)"
)

# A hand-built OSM XML file whose answers can be checked by hand.
# Nodes 1-2-3 lie on a line east-west at lat 33.7; 4 lies north of 2.
TINY = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="hand">
  <node id="1" lat="33.7" lon="73.000"/>
  <node id="2" lat="33.7" lon="73.001"/>
  <node id="3" lat="33.7" lon="73.002"/>
  <node id="4" lat="33.701" lon="73.001"/>
  <node id="5" lat="33.702" lon="73.001"/>
  <node id="6" lat="33.703" lon="73.001"/>
  <node id="7" lat="33.703" lon="73.001"/>
  <node id="8" lat="33.704" lon="73.002"/>
  <way id="10">
    <nd ref="1"/><nd ref="2"/><nd ref="3"/>
    <tag k="highway" v="residential"/><tag k="name" v="Main"/>
    <tag k="maxspeed" v="30 mph"/><tag k="surface" v="asphalt"/>
  </way>
  <way id="11">
    <nd ref="2"/><nd ref="4"/><nd ref="5"/>
    <tag k="highway" v="tertiary"/><tag k="oneway" v="-1"/><tag k="bridge" v="yes"/>
  </way>
  <way id="12">
    <nd ref="5"/><nd ref="6"/>
    <tag k="highway" v="service"/><tag k="access" v="private"/>
  </way>
  <way id="13">
    <nd ref="5"/><nd ref="7"/><nd ref="8"/>
    <tag k="highway" v="footway"/>
  </way>
  <way id="14">
    <nd ref="1"/><nd ref="4"/>
    <tag k="highway" v="construction"/>
  </way>
  <way id="15">
    <nd ref="3"/><nd ref="8"/>
    <tag k="highway" v="unclassified"/><tag k="junction" v="roundabout"/>
  </way>
</osm>
"""


@pytest.fixture
def tiny_osm(tmp_path: Path) -> Path:
    p = tmp_path / "tiny.osm"
    p.write_text(TINY, encoding="utf-8")
    return p


def _edge(roads, u, v):
    e = roads.edges
    rows = e[(e["u"] == u) & (e["v"] == v)]
    assert len(rows) == 1, f"expected one edge {u}->{v}, found {len(rows)}"
    return rows.iloc[0]


def test_tiny_graph_all_nodes(tiny_osm: Path) -> None:
    roads, report = read_osm_roads_with_report(tiny_osm)
    roads.validated()
    # node 6 is only on the private way: gone (7, at the same spot, is on the footway)
    assert sorted(roads.nodes["node_id"]) == [1, 2, 3, 4, 5, 7, 8]
    assert report.dropped == {"access=private": 1, "highway=construction": 1}
    assert report.reversed_ways == 1
    e12 = _edge(roads, 1, 2)
    assert e12["highway"] == "residential" and not e12["oneway"]
    assert e12["name"] == "Main" and e12["surface"] == "asphalt"
    assert e12["maxspeed_kph"] == pytest.approx(48.28032)
    # 0.001 deg of longitude at lat 33.7 = 92.6 m
    expected = math.radians(0.001) * 6_371_008.8 * math.cos(math.radians(33.7))
    assert e12["length_m"] == pytest.approx(expected, rel=1e-6)


def test_oneway_minus_one_is_reversed(tiny_osm: Path) -> None:
    roads = read_osm_roads(tiny_osm)
    e = roads.edges
    # way 11 is 2 -> 4 -> 5 tagged oneway=-1: legal direction is 5 -> 4 -> 2
    assert len(e[(e["u"] == 2) & (e["v"] == 4)]) == 0
    e54 = _edge(roads, 5, 4)
    assert e54["oneway"] and e54["bridge"]
    coords = shapely.get_coordinates(e54.geometry)
    assert coords[0] == pytest.approx([73.001, 33.702]) and coords[-1] == pytest.approx(
        [73.001, 33.701]
    )
    assert _edge(roads, 4, 2)["oneway"]


def test_roundabout_implies_oneway(tiny_osm: Path) -> None:
    roads = read_osm_roads(tiny_osm)
    assert _edge(roads, 3, 8)["oneway"]
    assert not _edge(roads, 2, 3)["oneway"]


def test_simplify_keeps_only_junctions_and_ends(tiny_osm: Path) -> None:
    full = read_osm_roads(tiny_osm)
    simple = read_osm_roads(tiny_osm, simplify=True)
    simple.validated()
    # way 10 has junction 2 in the middle: stays split; way 11's node 4 is a shape point
    assert 4 not in set(simple.nodes["node_id"])
    e52 = _edge(simple, 5, 2)
    assert len(shapely.get_coordinates(e52.geometry)) == 3
    assert simple.edges["length_m"].sum() == pytest.approx(full.edges["length_m"].sum())


def test_network_drive_drops_footways(tiny_osm: Path) -> None:
    roads, report = read_osm_roads_with_report(tiny_osm, network="drive")
    assert "footway" not in set(roads.edges["highway"])
    assert report.dropped["highway=footway (not in network 'drive')"] == 1


def test_boundary_clips_edges(tiny_osm: Path) -> None:
    roads, report = read_osm_roads_with_report(
        tiny_osm, boundary=box(72.9995, 33.6995, 73.0015, 33.7005)
    )
    assert report.dropped["outside boundary"] > 0
    roads.validated()
    assert set(roads.edges["u"]) | set(roads.edges["v"]) <= set(roads.nodes["node_id"])


def test_boundary_missing_the_extract_is_a_clear_error(tiny_osm: Path) -> None:
    with pytest.raises(DataFileError, match="does not overlap any road"):
        read_osm_roads(tiny_osm, boundary=box(67.0, 24.8, 67.1, 24.9))  # Karachi


def test_projected_boundary_is_refused(tiny_osm: Path) -> None:
    with pytest.raises(DataFileError, match="projected"):
        read_osm_roads(tiny_osm, boundary=box(300000, 3700000, 310000, 3710000))


@pytest.mark.parametrize(
    ("text", "kph"),
    [
        ("60", 60.0),
        ("60 km/h", 60.0),
        ("60kmh", 60.0),
        ("30 mph", 48.28032),
        ("20 knots", 37.04),
        ("50;70", 60.0),
        ("none", math.nan),
        ("PK:urban", math.nan),
        ("walk", math.nan),
        ("", math.nan),
        (None, math.nan),
        ("fast", math.nan),
    ],
)
def test_parse_maxspeed(text: str | None, kph: float) -> None:
    got = parse_maxspeed(text)
    if math.isnan(kph):
        assert math.isnan(got)
    else:
        assert got == pytest.approx(kph)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="no such file"):
        read_osm_roads(tmp_path / "nothing.osm.pbf")


def test_empty_file(tmp_path: Path) -> None:
    p = tmp_path / "empty.osm.pbf"
    p.write_bytes(b"")
    with pytest.raises(DataFileError, match="empty"):
        read_osm_roads(p)


def test_not_osm_file(tmp_path: Path) -> None:
    p = tmp_path / "district.osm.pbf"
    p.write_bytes(b"this is not a protobuf file at all" * 10)
    with pytest.raises(DataFileError, match="cannot be read as OSM"):
        read_osm_roads(p)


def test_wrong_suffix(tmp_path: Path) -> None:
    p = tmp_path / "roads.csv"
    p.write_text("a,b\n1,2\n")
    with pytest.raises(DataFileError, match="not an OSM file name"):
        read_osm_roads(p)


def test_xml_without_roads(tmp_path: Path) -> None:
    p = tmp_path / "noroads.osm"
    p.write_text(
        '<?xml version="1.0"?><osm version="0.6"><node id="1" lat="33.7" lon="73.0">'
        '<tag k="place" v="village"/><tag k="name" v="Dhok"/></node></osm>'
    )
    with pytest.raises(DataFileError, match="no OSM nodes or ways with a highway tag"):
        read_osm_roads(p)


def test_only_excluded_roads(tmp_path: Path) -> None:
    p = tmp_path / "building.osm"
    p.write_text(
        '<?xml version="1.0"?><osm version="0.6">'
        '<node id="1" lat="33.7" lon="73.0"/><node id="2" lat="33.71" lon="73.0"/>'
        '<way id="3"><nd ref="1"/><nd ref="2"/><tag k="highway" v="proposed"/></way></osm>'
    )
    with pytest.raises(DataFileError, match="no usable roads"):
        read_osm_roads(p)


def test_bz2_xml(tiny_osm: Path, tmp_path: Path) -> None:
    p = tmp_path / "tiny.osm.bz2"
    p.write_bytes(bz2.compress(tiny_osm.read_bytes()))
    a = read_osm_roads(tiny_osm)
    b = read_osm_roads(p)
    assert len(a.edges) == len(b.edges)


@needs_data
def test_truncated_pbf(tmp_path: Path) -> None:
    p = tmp_path / "cut.osm.pbf"
    p.write_bytes((OSM / "islamabad.osm.pbf").read_bytes()[:300_000])
    with pytest.raises(DataFileError, match="broken or truncated"):
        read_osm_roads(p)


@needs_data
@pytest.mark.parametrize("sector", ["i8", "i10", "g10", "f7"])
def test_sector_files(sector: str) -> None:
    roads, report = read_osm_roads_with_report(OSM / f"{sector}.osm")
    roads = roads.validated()
    assert report.edges > 300
    assert (roads.edges["length_m"] >= 0).all()
    assert roads.edges.crs.to_epsg() == 4326
    # every edge's length matches its own geometry measured in UTM within 0.5 %
    utm = roads.edges.to_crs(roads.edges.estimate_utm_crs())
    np.testing.assert_allclose(utm.length.to_numpy(), roads.edges["length_m"], rtol=5e-3, atol=0.01)


@needs_data
def test_islamabad_roads() -> None:
    roads, report = read_osm_roads_with_report(OSM / "islamabad.osm.pbf")
    roads.validated()
    assert 100_000 < report.nodes < 150_000
    drive = roads.edges[~roads.edges["highway"].isin(["footway", "path", "steps", "pedestrian"])]
    drive_nodes = np.union1d(drive["u"], drive["v"])
    assert 90_000 < len(drive_nodes) < 130_000  # README: ~96k drivable-road nodes
    assert report.dropped.get("highway=construction", 0) > 0
    assert report.reversed_ways > 0


@needs_data
def test_islamabad_places() -> None:
    places = read_osm_places(OSM / "islamabad.osm.pbf")
    assert len(places) > 80
    assert {"village", "town", "suburb"} <= set(places["place"])
    assert places.crs.to_epsg() == 4326


@needs_data
def test_islamabad_boundaries_cut_by_the_extract() -> None:
    gn = pd.read_csv(DATA / "geonames" / "pk_places_cities500.csv")
    anchors = {r.name: (r.longitude, r.latitude) for r in gn.itertuples()}
    b, report = read_osm_boundaries(OSM / "islamabad.osm.pbf", anchors=anchors)
    tehsils = set(b.loc[b["level"] == "tehsil", "name"])
    assert {"Rawalpindi", "Kahuta", "Murree"} <= tehsils
    assert "Rawalpindi" in set(b.loc[b["level"] == "district", "name"])
    assert b["partial"].all()  # every relation is cut by this extract
    assert shapely.is_valid(b.geometry.array).all()
    skipped = {name: why for why, name, _ in report.skipped}
    assert "not a province" in skipped["Rawalpindi Cantt"]
    # Taxila has no anchor: the units around it tell which side of its border is inside
    assert "Taxila Tehsil" in report.sided and "Taxila Tehsil" not in skipped
    # the tehsils cut by the extract do not overlap each other
    t = b[b["level"] == "tehsil"].to_crs(32643)
    assert t.union_all().area == pytest.approx(t.area.sum(), rel=1e-3)
    # the GeoNames point of Rawalpindi city lies in Rawalpindi tehsil, not in ICT
    pt = shapely.Point(anchors["Rawalpindi"])
    holder = b[b.contains(pt)]
    assert set(holder["name"]) == {"Punjab", "Rawalpindi"}


@needs_data
def test_islamabad_boundaries_without_any_anchor_file() -> None:
    # OSM alone: no GeoNames; the extract has no place node named like a Punjab tehsil
    b, report = read_osm_boundaries(OSM / "islamabad.osm.pbf")
    tehsils = b[b["level"] == "tehsil"]
    assert sorted(tehsils["name"]) == [
        "Fateh Jang",
        "Kahuta",
        "Kotli Sattian",
        "Murree",
        "Rawalpindi",
        "Taxila",
    ]
    assert {"Punjab", "Islamabad Capital Territory"} == set(b.loc[b["level"] == "province", "name"])
    # "Rawalpindi City" (an admin unit that is not a level) anchors Rawalpindi tehsil;
    # the others' sides are told by the units around them
    assert "Rawalpindi Tehsil" not in report.sided and "Tehsil Kahuta" in report.sided
    m = b.to_crs(32643)
    t = m[m["level"] == "tehsil"]
    assert t.union_all().area == pytest.approx(t.area.sum(), rel=1e-3)  # no overlaps
    ict = m[m["name"] == "Islamabad Capital Territory"].union_all()
    assert t.intersection(ict).area.sum() < 1e-3 * t.area.sum()  # no tehsil in ICT
    # Rawalpindi Saddar lies in Rawalpindi tehsil; Faisal Mosque (F-7/E-7) in ICT only
    saddar, mosque = shapely.Point(73.0479, 33.5973), shapely.Point(73.0380, 33.7295)
    assert set(b.loc[b.contains(saddar), "name"]) == {"Punjab", "Rawalpindi"}
    assert set(b.loc[b.contains(mosque), "name"]) == {"Islamabad Capital Territory"}
    # Murree is a sliver in the north-east corner of the extract
    murree = t[t["name"] == "Murree"].iloc[0].geometry
    assert murree.area < 60e6 and murree.centroid.x > t.union_all().centroid.x


def test_complete_relation_is_assembled(tmp_path: Path) -> None:
    p = tmp_path / "unit.osm"
    p.write_text(
        '<?xml version="1.0"?><osm version="0.6">'
        '<node id="1" lat="33.0" lon="73.0"/><node id="2" lat="33.0" lon="73.1"/>'
        '<node id="3" lat="33.1" lon="73.1"/><node id="4" lat="33.1" lon="73.0"/>'
        '<way id="10"><nd ref="1"/><nd ref="2"/><nd ref="3"/></way>'
        '<way id="11"><nd ref="3"/><nd ref="4"/><nd ref="1"/></way>'
        '<relation id="100"><member type="way" ref="10" role="outer"/>'
        '<member type="way" ref="11" role="outer"/>'
        '<tag k="type" v="boundary"/><tag k="boundary" v="administrative"/>'
        '<tag k="admin_level" v="5"/><tag k="name" v="Tehsil Dhok"/></relation></osm>'
    )
    b, _report = read_osm_boundaries(p)
    assert list(b["name"]) == ["Dhok"] and list(b["level"]) == ["tehsil"]
    assert not b["partial"].any()
    assert b.geometry.iloc[0].equals(box(73.0, 33.0, 73.1, 33.1))
