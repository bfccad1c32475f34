"""Tests of geodata.osm.cut_sides: the side of a cut unit's border that lies inside."""

from __future__ import annotations

import pytest
import shapely
from shapely.geometry import LineString, box

from geodata.osm.cut_sides import choose_sides, two_sides

FRAME = box(0, 0, 10, 10)


def test_a_border_across_the_frame_gives_two_complementary_sides() -> None:
    sides = two_sides(LineString([(4, -1), (4, 11)]), FRAME)
    assert sides is not None
    areas = sorted(round(s.area, 9) for s in sides)
    assert areas == [40.0, 60.0]
    assert sides[0].intersection(sides[1]).area == 0


def test_a_loose_end_is_carried_on_to_the_frame() -> None:
    # the border stops at y=6 inside the frame (the extract misses its next way): it is
    # carried on straight up to the frame, giving the same split as the whole line
    sides = two_sides(LineString([(4, -1), (4, 6)]), FRAME)
    assert sides is not None
    assert sorted(round(s.area, 9) for s in sides) == [40.0, 60.0]


def test_a_loose_end_stops_at_another_units_border() -> None:
    # another unit's border at y=8: the extension stops there, so this border alone does
    # not split the frame (it meets a junction whose way is missing): no candidate sides
    other = LineString([(-1, 8), (11, 8)])
    assert two_sides(LineString([(4, -1), (4, 6)]), FRAME, others=other) is None
    # without the other border it runs on to the frame's edge
    assert two_sides(LineString([(4, -1), (4, 6)]), FRAME) is not None


def test_a_gap_in_the_border_is_bridged() -> None:
    # a member way the extract misses leaves a gap of 0.4 between two pieces: joined
    border = shapely.MultiLineString([[(4, -1), (4, 4.8)], [(4.1, 5.2), (4.1, 11)]])
    sides = two_sides(border, FRAME)
    assert sides is not None
    assert sorted(round(s.area, 6) for s in sides) == pytest.approx([40.49, 59.51], abs=0.02)


def test_a_border_that_does_not_split_the_frame_gives_nothing() -> None:
    assert two_sides(LineString([(20, 0), (20, 10)]), FRAME) is None


def test_the_neighbour_decides_the_side() -> None:
    # known tehsil A west of x=4; tehsil B's border is the same line: B lies east
    west = box(0, 0, 4, 10)
    b_sides = two_sides(LineString([(4, -1), (4, 11)]), FRAME)
    assert b_sides is not None
    out = choose_sides({2: b_sides}, {1: "tehsil", 2: "tehsil"}, {1: west})
    chosen = out[2].geometry
    assert chosen is not None
    assert chosen.equals(box(4, 0, 10, 10))


def test_the_province_decides_the_side() -> None:
    # province P (known) covers x > 6; a tehsil with a border at x=3 lies in one province:
    # its west side (x < 3) lies wholly outside P, its east side straddles P and the rest
    p = box(6, 0, 10, 10)
    q = box(0, 0, 6, 10)
    sides = two_sides(LineString([(3, -1), (3, 11)]), FRAME)
    assert sides is not None
    out = choose_sides({5: sides}, {1: "province", 2: "province", 5: "tehsil"}, {1: p, 2: q})
    assert out[5].geometry is not None and out[5].geometry.equals(box(0, 0, 3, 10))


def test_two_unanchored_neighbours_are_chosen_together() -> None:
    # tehsils X (border x=3) and Y (border x=7) and a known middle tehsil M (3..7)
    m = box(3, 0, 7, 10)
    x = two_sides(LineString([(3, -1), (3, 11)]), FRAME)
    y = two_sides(LineString([(7, -1), (7, 11)]), FRAME)
    assert x is not None and y is not None
    levels = {0: "tehsil", 1: "tehsil", 2: "tehsil"}
    out = choose_sides({1: x, 2: y}, levels, {0: m})
    assert out[1].geometry is not None and out[1].geometry.equals(box(0, 0, 3, 10))
    assert out[2].geometry is not None and out[2].geometry.equals(box(7, 0, 10, 10))


def test_nothing_around_means_no_guess() -> None:
    sides = two_sides(LineString([(4, -1), (4, 11)]), FRAME)
    assert sides is not None
    out = choose_sides({1: sides}, {1: "tehsil"}, {})
    assert out[1].geometry is None
    assert "neither side" in out[1].reason


def test_sides_partition_the_frame() -> None:
    # a winding border crossing the frame several times
    line = LineString([(-1, 2), (5, 2), (5, 8), (11, 8)])
    sides = two_sides(line, FRAME)
    assert sides is not None
    a, b = sides
    assert round(a.area + b.area, 9) == 100.0
    assert shapely.union_all([a, b]).equals(FRAME)
