"""A region from a small OSM file whose tehsils the extract cuts (issue 16, OSM alone)."""

from __future__ import annotations

from pathlib import Path

import shapely
from helpers import residential_grid_xml

from geodata.build import build_region
from geodata.osm import read_osm_boundaries


def _osm(path: Path, *, anchor: bool) -> Path:
    """Residential grid over lon 10.00-10.10, lat 50.00-50.06; tehsils Alpha (west) and Beta
    (east) share the border lon 10.05, the rest of their rings lies outside the file."""
    grid_nodes, ways = residential_grid_xml()
    nodes = ['<bounds minlat="50.0" minlon="10.0" maxlat="50.06" maxlon="10.1"/>', *grid_nodes]
    # the shared border, crossing the whole box (its ends outside it)
    nodes += [
        '<node id="800001" lat="49.99" lon="10.05" version="1"/>',
        '<node id="800002" lat="50.07" lon="10.05" version="1"/>',
    ]
    ways.append(
        '<way id="700001" version="1"><nd ref="800001"/><nd ref="800002"/>'
        '<tag k="boundary" v="administrative"/></way>'
    )
    if anchor:
        nodes.append(
            '<node id="900001" lat="50.03" lon="10.02" version="1">'
            '<tag k="place" v="village"/><tag k="name" v="Alpha"/></node>'
        )
    nodes.append(
        '<node id="900002" lat="50.03" lon="10.08" version="1">'
        '<tag k="place" v="village"/><tag k="name" v="Gamma"/></node>'
    )
    rels = []
    for rid, name, missing in ((600001, "Alpha Tehsil", 700002), (600002, "Beta Tehsil", 700003)):
        rels.append(
            f'<relation id="{rid}" version="1"><member type="way" ref="700001" role="outer"/>'
            f'<member type="way" ref="{missing}" role="outer"/>'
            '<tag k="type" v="boundary"/><tag k="boundary" v="administrative"/>'
            f'<tag k="admin_level" v="5"/><tag k="name" v="{name}"/></relation>'
        )
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="test">'
        + "".join(nodes)
        + "".join(ways)
        + "".join(rels)
        + "</osm>"
    )
    return path


def test_one_anchor_places_both_tehsils(tmp_path: Path) -> None:
    b, report = read_osm_boundaries(_osm(tmp_path / "x.osm", anchor=True))
    units = b.set_index("name")
    assert sorted(units.index) == ["Alpha", "Beta"]
    assert units["partial"].all()
    # Alpha holds its village; Beta, with no anchor, takes the other side of the border
    assert units.loc["Alpha"].geometry.contains(shapely.Point(10.02, 50.03))
    assert units.loc["Beta"].geometry.contains(shapely.Point(10.08, 50.03))
    assert not units.loc["Beta"].geometry.contains(shapely.Point(10.02, 50.03))
    assert report.sided == ("Beta Tehsil",)


def test_no_anchor_at_all_is_not_guessed(tmp_path: Path) -> None:
    # Alpha west and Beta east fit as well as the mirror picture: nothing tells them apart
    b, report = read_osm_boundaries(_osm(tmp_path / "x.osm", anchor=False))
    assert b.empty
    reasons = {name: why for why, name, _ in report.skipped}
    assert "neither side" in reasons["Alpha Tehsil"] and "neither side" in reasons["Beta Tehsil"]


def test_census_of_cut_tehsils_is_shared_by_their_roads(tmp_path: Path) -> None:
    osm = _osm(tmp_path / "x.osm", anchor=True)
    census = tmp_path / "census.csv"
    census.write_text("tehsil,population,households\nAlpha,640000,100000\nBeta,64000,10000\n")
    region, report = build_region(osm=osm, census=census)
    shares = {t.name: t for t in report.tehsil_shares}
    assert sorted(shares) == ["Alpha", "Beta"]
    for t in shares.values():
        # no complete boundary, no raster: the persons its roads inside can hold
        assert t.method == "roads" and 0 < t.share <= 1
        assert t.households <= int(t.census_households * t.share) + 1
    # Alpha's 640,000 persons cannot live on its few km of road: only a share is placed
    assert shares["Alpha"].share < 0.1
    s = region.settlements
    east = s.geometry.x > 10.05
    assert set(s.loc[east, "tehsil"]) <= {"Beta"} and set(s.loc[~east, "tehsil"]) <= {"Alpha"}
    assert region.metadata["census_share_inside"]["Alpha"] == shares["Alpha"].share
