"""Offline static maps: roads by class, boundaries, labelled places, fitted to the data."""

from __future__ import annotations

import math
import re

import geopandas as gpd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, box

from geodata.static_map import (
    MapLayers,
    draw_base_map,
    fit_bounds,
    map_layers,
    scale_bar_km,
)


def tiny_layers() -> MapLayers:
    crs = "EPSG:4326"
    roads = gpd.GeoDataFrame(
        {"highway": ["trunk", "unclassified", "track"]},
        geometry=[
            LineString([(70.0, 30.0), (70.2, 30.1)]),
            LineString([(70.05, 30.02), (70.05, 30.15)]),
            LineString([(70.1, 30.0), (70.15, 30.05)]),
        ],
        crs=crs,
    )
    boundaries = gpd.GeoDataFrame(
        {"level": ["district", "union_council"], "name": ["D", "UC-1"]},
        geometry=[box(69.98, 29.98, 70.22, 30.17), box(69.98, 29.98, 70.1, 30.17)],
        crs=crs,
    )
    places = gpd.GeoDataFrame(
        {"name": ["Kot Alpha", "Chak Beta", "Dera Gamma"], "households": [500.0, 50.0, 5.0]},
        geometry=[Point(70.02, 30.03), Point(70.12, 30.08), Point(70.18, 30.12)],
        crs=crs,
    )
    centres = gpd.GeoDataFrame({"name": ["DRC One"]}, geometry=[Point(70.1, 30.1)], crs=crs)
    return MapLayers(roads, boundaries, places, centres)


def test_svg_has_place_names_as_text_roads_scale_and_north():
    canvas = draw_base_map(tiny_layers(), title="Tiny")
    svg = canvas.svg()
    assert svg.startswith("<svg")
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    for name in ("Kot Alpha", "Chak Beta", "Dera Gamma", "DRC One", "N", "Tiny"):
        assert any(name in t for t in texts), name
    assert any(t.endswith(" km") for t in texts)  # the scale bar
    assert "main road" in svg and "track / path" in svg  # the legend names the road classes
    assert svg.count("<path") > 10  # roads and boundary lines are drawn


def test_map_fits_the_data_and_labels_do_not_overlap():
    layers = tiny_layers()
    canvas = draw_base_map(layers, size_in=(6.0, 6.0))
    minx, miny, maxx, maxy = canvas.bounds
    bx = layers.bounds
    assert minx <= bx[0] and maxx >= bx[2] and miny <= bx[1] and maxy >= bx[3]
    # fitted: the data fills the frame along one side (within the 6% pad each way)
    k = math.cos(math.radians((miny + maxy) / 2))
    share = max((bx[2] - bx[0]) * k / ((maxx - minx) * k), (bx[3] - bx[1]) / (maxy - miny))
    assert share > 0.85
    # more labels than room: four spots around a point (right, left, above, below), one
    # taken by Kot Alpha's own label; the rest are skipped, never drawn over
    n = canvas.label([70.02] * 6, [30.03] * 6, [f"Same place {i}" for i in range(6)])
    assert n <= 3
    assert canvas.label([70.02], [30.03], ["forced"], always=True) == 1


def test_region_map_labels_its_biggest_settlements(small_sample_region):
    layers = map_layers(small_sample_region)
    canvas = draw_base_map(layers, label_places=10)
    biggest = small_sample_region.settlements.nlargest(1, "households")["name"].iloc[0]
    assert biggest in canvas.labels
    assert set(small_sample_region.centres["name"]) <= set(canvas.labels)
    assert f">{biggest}<" in canvas.svg()


@given(
    w=st.floats(0.001, 5.0),
    h=st.floats(0.001, 5.0),
    aspect=st.floats(0.3, 3.0),
    lat=st.floats(-60.0, 60.0),
)
def test_fit_bounds_contains_and_matches_aspect(w, h, aspect, lat):
    b = (70.0, lat, 70.0 + w, lat + h)
    f = fit_bounds(b, aspect)
    assert f[0] <= b[0] and f[1] <= b[1] and f[2] >= b[2] and f[3] >= b[3]
    k = math.cos(math.radians((f[1] + f[3]) / 2))
    assert (f[2] - f[0]) * k / (f[3] - f[1]) == pytest.approx(aspect, rel=1e-6)


@pytest.mark.parametrize(("width", "bar"), [(3.0, 0.5), (40.0, 10), (120.0, 25), (2000.0, 500)])
def test_scale_bar_is_round_and_about_a_fifth(width, bar):
    assert scale_bar_km(width) == bar
