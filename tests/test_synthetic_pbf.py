"""The synthetic country .osm.pbf (issue 21): read back by the builder, counts, determinism.

Also the road reader's path for ways an extract cuts and the review's local circuity pairs,
both written for country-size files.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import osmium
import pandas as pd
import pytest
import shapely

from geodata.build import build_region
from geodata.drivable import drivable_network
from geodata.osm import read_osm_roads_with_report
from geodata.osm.synthetic_pbf import FULL_COUNTRY, SyntheticCountry, write_synthetic_country
from geodata.region import Region
from geodata.region_review import ReviewSettings, review_region

SMALL = 0.002  # 2 x 2 tehsils, about 30,000 road nodes


@pytest.fixture(scope="module")
def country(tmp_path_factory: pytest.TempPathFactory) -> SyntheticCountry:
    return write_synthetic_country(tmp_path_factory.mktemp("country"), scale=SMALL, seed=3)


@pytest.fixture(scope="module")
def built(country: SyntheticCountry) -> tuple[Region, object]:
    return build_region(osm=country.pbf, census=country.census)


def _file_counts(pbf: Path) -> Counter[str]:
    """Objects in the file, counted independently of the generator's own figures."""
    n: Counter[str] = Counter()
    obj: Any
    for obj in osmium.FileProcessor(str(pbf)):
        if obj.is_node():
            n["place" if "place" in obj.tags else "node"] += 1
        elif obj.is_way():
            n["highway" if "highway" in obj.tags else "boundary_way"] += 1
            if "highway" in obj.tags:
                n[f"highway={obj.tags['highway']}"] += 1
        else:
            n["relation"] += 1
            n[f"admin_level={obj.tags['admin_level']}"] += 1
    return n


def test_file_holds_what_the_generator_reports(country: SyntheticCountry) -> None:
    n = _file_counts(country.pbf)
    assert n["highway"] == country.ways
    assert n["place"] == country.places
    assert n["relation"] == country.relations == 4 + 1 + 1  # tehsils, district, province
    assert (n["admin_level=6"], n["admin_level=5"], n["admin_level=3"]) == (4, 1, 1)
    # road nodes plus the boundary nodes (4 x 3 corners... each side has 8 inner nodes)
    assert n["node"] == country.road_nodes + 9 + 12 * 8
    assert {k.split("=")[1]: v for k, v in n.items() if k.startswith("highway=")} == (
        country.highway
    )
    census = pd.read_csv(country.census)
    assert len(census) == country.tehsils == 4
    assert census["SUB DIVISION"].str.endswith(" TEHSIL").all()


def test_counts_and_tag_mix_scale_as_promised(tmp_path: Path) -> None:
    a = write_synthetic_country(tmp_path / "a", scale=0.004, seed=1)
    b = write_synthetic_country(tmp_path / "b", scale=0.016, seed=1)
    # four times the scale, about four times the roads (the lattice is rounded to 24 cells)
    assert 3.3 < b.road_nodes / a.road_nodes < 4.7
    assert 3.3 < b.ways / a.ways < 4.7
    # and the density of the full country: 12 M nodes and 1.5 M ways at scale 1
    per_scale = b.road_nodes / 0.016
    assert 0.8 < per_scale / FULL_COUNTRY["road_nodes"] < 1.25
    assert 0.8 < (b.ways / 0.016) / FULL_COUNTRY["ways"] < 1.25
    mix = {k: v / b.ways for k, v in b.highway.items()}
    assert set(mix) == {
        "motorway",
        "trunk",
        "primary",
        "secondary",
        "tertiary",
        "unclassified",
        "residential",
        "track",
        "service",
        "path",
        "construction",
    }
    assert 0.35 < mix["residential"] < 0.55  # the most common class, as in Pakistan's OSM
    main = sum(mix[k] for k in ("motorway", "trunk", "primary", "secondary", "tertiary"))
    assert 0.05 < main < 0.25
    assert mix["motorway"] < mix["trunk"] * 1.5 < mix["primary"] * 1.5 < mix["tertiary"]


def test_same_seed_same_files_other_seed_other_files(tmp_path: Path) -> None:
    a = write_synthetic_country(tmp_path / "a", scale=SMALL, seed=7)
    b = write_synthetic_country(tmp_path / "b", scale=SMALL, seed=7)
    c = write_synthetic_country(tmp_path / "c", scale=SMALL, seed=8)
    assert a.pbf.read_bytes() == b.pbf.read_bytes()
    assert a.census.read_bytes() == b.census.read_bytes()
    assert a.pbf.read_bytes() != c.pbf.read_bytes()
    assert not list(tmp_path.glob("*/.country.tmp*"))  # no temporary file left behind


@pytest.mark.parametrize("scale", [0.0, -1.0, 5.0])
def test_scale_out_of_range_is_refused(tmp_path: Path, scale: float) -> None:
    with pytest.raises(ValueError, match="scale must be in"):
        write_synthetic_country(tmp_path, scale=scale)


def test_builder_assembles_admin_units(built: tuple[Region, object]) -> None:
    region, _ = built
    units = region.boundaries
    assert sorted(units["level"]) == [
        "district",
        "province",
        "tehsil",
        "tehsil",
        "tehsil",
        "tehsil",
    ]
    teh = units[units["level"] == "tehsil"]
    district = units[units["level"] == "district"].geometry.iloc[0]
    # the four tehsils tile their district: same area, no overlap
    assert shapely.union_all(teh.geometry.to_numpy()).symmetric_difference(district).area < (
        1e-6 * district.area
    )
    assert shapely.area(teh.geometry.to_numpy()).sum() == pytest.approx(district.area, rel=1e-6)
    assert (teh["parent_code"] == units.loc[units["level"] == "district", "code"].iloc[0]).all()


def test_builder_matches_census_and_places_settlements(
    country: SyntheticCountry, built: tuple[Region, object]
) -> None:
    region, report = built
    assert report.census is not None  # type: ignore[attr-defined]
    assert len(report.census.pairs) == 4  # type: ignore[attr-defined]
    assert not report.census.unmatched_region  # type: ignore[attr-defined]
    sett = region.settlements
    census = pd.read_csv(country.census)
    size_r = census["ALL SEXES (RURAL)"] / census["AVG HOUSEHOLD SIZE (RURAL)"]
    size_u = census["ALL SEXES (URBAN)"] / census["AVG HOUSEHOLD SIZE (URBAN)"]
    expected = float((size_r.round() + size_u.round()).sum())
    inside = sett["tehsil"].notna() & (sett["tehsil"] != "unknown")
    assert sett.loc[inside, "households"].sum() == pytest.approx(expected, rel=1e-6)
    assert inside.mean() > 0.97  # nearly every settlement lies in a census tehsil
    # one assumed centre per tehsil, at its headquarters town (named like the tehsil)
    assert len(region.centres) == 4
    teh_names = set(region.boundaries.loc[region.boundaries["level"] == "tehsil", "name"])
    assert teh_names == set(sett.loc[inside, "tehsil"])


def test_builder_reads_a_connected_road_network(
    country: SyntheticCountry, built: tuple[Region, object]
) -> None:
    region, report = built
    roads = report.roads  # type: ignore[attr-defined]
    assert roads.dropped["highway=construction"] == country.highway["construction"]
    assert roads.dropped.get("access=private", 0) > 0
    assert roads.reversed_ways > 0 and roads.ways_missing_nodes == 0
    net = drivable_network(region.roads.nodes, region.roads.edges, region.metric_crs())
    assert net.main.mean() > 0.95  # one network, as a country's roads are
    assert len(region.roads.nodes) > 0.97 * country.road_nodes


def test_cut_ways_are_split_where_nodes_are_missing(tmp_path: Path) -> None:
    p = tmp_path / "cut.osm"
    p.write_text(
        "<?xml version='1.0' encoding='UTF-8'?>\n<osm version='0.6'>\n"
        + "".join(
            f"<node id='{i}' lat='33.{i}' lon='73.0{i}' version='1'/>\n" for i in (1, 2, 3, 5, 6)
        )
        + "<way id='10' version='1'>"
        + "".join(f"<nd ref='{i}'/>" for i in (1, 2, 3, 4, 5, 6))
        + "<tag k='highway' v='residential'/></way>\n"
        + "<way id='11' version='1'><nd ref='7'/><nd ref='1'/>"
        + "<tag k='highway' v='track'/></way>\n</osm>\n"
    )
    roads, rep = read_osm_roads_with_report(p)
    assert rep.ways_missing_nodes == 2
    assert rep.dropped == {"fewer than 2 located nodes": 1}
    pairs = sorted(zip(roads.edges["u"], roads.edges["v"], strict=True))
    assert pairs == [(1, 2), (2, 3), (5, 6)]
    assert roads.edges.loc[roads.edges["u"] == 5].geometry.iloc[0].coords[0] == (73.05, 33.5)


def test_review_uses_local_pairs_above_its_search_budget(built: tuple[Region, object]) -> None:
    region, _ = built
    full = review_region(region)
    local = review_region(region, ReviewSettings(circuity_work=0, circuity_local_km=5.0))
    # lattice roads: a road is 1.0 to 1.6 times the straight line, both ways of sampling
    for rv in (full, local):
        assert 1.0 <= rv.circuity_median <= 1.6
    assert np.isfinite(local.circuity_p90)
    out = local.circuity_outliers  # pairs near each other; a road beyond the limit is unknown
    assert (out["straight_km"] <= 5.0).all()
    assert (out["road_km"].isna() | (out["circuity"] > 2.5)).all()
    assert (out["road_km"].dropna() <= 2.5 * 5.0).all()


def test_cli_builds_a_simplified_country_with_the_same_roads(
    country: SyntheticCountry, built: tuple[Region, object], tmp_path: Path
) -> None:
    # `--simplify-roads` (what a country needs to fit in memory): junctions and way ends
    # only, the same roads and lengths, travel times within a second of the full graph's
    from helpers import invoke_cli

    from access.engine import nearest_centre
    from geodata.region import load_region

    out = tmp_path / "simplified"
    args = ("--osm", country.pbf, "--census", country.census, "--out", out)
    result = invoke_cli("region", "build", *args, "--simplify-roads")
    assert result.exit_code == 0, result.output
    assert "(simplified)" in result.output
    full, simple = built[0], load_region(out)
    assert len(simple.roads.nodes) < len(full.roads.nodes) / 3
    assert simple.roads.edges["length_m"].sum() == pytest.approx(
        full.roads.edges["length_m"].sum(), rel=1e-9
    )
    same_points = simple.with_(settlements=full.settlements, centres=full.centres)
    for mode in ("car", "walk"):
        a = nearest_centre(full, mode=mode)["travel_min"].to_numpy()
        b = nearest_centre(same_points, mode=mode)["travel_min"].to_numpy()
        assert np.isfinite(a).mean() > 0.9
        np.testing.assert_allclose(b, a, atol=1 / 60)
