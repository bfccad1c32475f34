"""Tests of geodata.census: reading census tables and matching tehsil names."""

from __future__ import annotations

from pathlib import Path

import pytest

from geodata.census import match_census, read_census
from geodata.errors import SchemaError

CENSUS = (
    Path(__file__).resolve().parents[1].parent / "shared/data/census2017/tehsil_population_2017.csv"
)
needs_data = pytest.mark.skipif(
    not CENSUS.is_file(), reason=f"real census table {CENSUS} is absent (outside the dev setup)"
)


@needs_data
def test_pbs_table() -> None:
    c = read_census(CENSUS)
    assert len(c) == 528
    assert c["population"].sum() == 204_410_733  # README total
    murree = c[c["tehsil"] == "MURREE TEHSIL"].iloc[0]
    assert murree["population"] == 75_974 + 157_043
    assert murree["households"] == round(75_974 / 5.63) + round(157_043 / 5.62)


@needs_data
def test_match_with_spelling_variants_and_unknown_names() -> None:
    c = read_census(CENSUS)
    m = match_census(c, ["Rawalpindi", "Tehsil Kahuta", "Kallar Syedan", "Atlantis"])
    assert c.at[m.pairs["Rawalpindi"], "tehsil"] == "RAWALPINDI TEHSIL"
    assert c.at[m.pairs["Tehsil Kahuta"], "tehsil"] == "KAHUTA TEHSIL"
    assert m.fuzzy == {"Kallar Syedan": "KALLAR SAYADDAN TEHSIL"}
    assert m.unmatched_region == ("Atlantis",)  # reported, not dropped silently
    assert "MURREE TEHSIL" in m.unmatched_census


def test_simple_table(tmp_path: Path) -> None:
    p = tmp_path / "c.csv"
    p.write_text("tehsil,population,avg_household_size\nDhok,6000,6\nPind,1000,5\n")
    c = read_census(p)
    assert list(c["households"]) == [1000, 200]
    m = match_census(c, ["DHOK TEHSIL", "Unknownabad"])
    assert list(m.pairs) == ["DHOK TEHSIL"] and m.unmatched_region == ("Unknownabad",)


def test_simple_table_problems_are_listed(tmp_path: Path) -> None:
    p = tmp_path / "c.csv"
    p.write_text("tehsil,population,avg_household_size\nDhok,many,6\nPind,1000,0\n")
    with pytest.raises(SchemaError) as err:
        read_census(p)
    assert len(err.value.problems) == 2


def test_missing_columns(tmp_path: Path) -> None:
    p = tmp_path / "c.csv"
    p.write_text("place,people\nDhok,6000\n")
    with pytest.raises(SchemaError, match="tehsil"):
        read_census(p)


def test_counts_with_decimals_are_an_error_not_truncated(tmp_path: Path) -> None:
    """Issue #15, defect 11: 1234.7 people must not silently become 1234."""
    f = tmp_path / "c.csv"
    f.write_text("tehsil,population,households\nA,1234.7,200\nB,5000,700.5\nC,900,150.0\n")
    with pytest.raises(SchemaError) as err:
        read_census(f)
    text = str(err.value)
    assert "row 0, column 'population': value 1234.7 is not a whole number" in text
    assert "row 1, column 'households': value 700.5 is not a whole number" in text
    assert "row 2" not in text  # 150.0 is a whole number written with a decimal point
