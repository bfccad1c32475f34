"""Scenario files nested or chained without end give a clear error (issue #15, defect 9)."""

from __future__ import annotations

import pytest

from geodata.errors import DataFileError, SchemaError
from scenarios.spec import MAX_DEPTH, MAX_EXTENDS, load_scenario


def test_deep_nesting_is_refused(tmp_path):
    f = tmp_path / "deep.yaml"
    f.write_text("name: x\ncentres:\n  add: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises((SchemaError, DataFileError), match=f"at most {MAX_DEPTH}"):
        load_scenario(f)


def test_moderate_nesting_names_its_depth(tmp_path):
    f = tmp_path / "deep.yaml"
    f.write_text("name: x\ncentres:\n  add: " + "[" * 30 + "]" * 30 + "\n")
    with pytest.raises(SchemaError, match=f"nested more than {MAX_DEPTH} levels deep"):
        load_scenario(f)


def test_long_extends_chains_are_refused(tmp_path):
    n = 1500
    for i in range(n):
        body = f"extends: s{i + 1}.yaml\n" if i + 1 < n else "name: base\n"
        (tmp_path / f"s{i}.yaml").write_text(body)
    with pytest.raises(SchemaError, match=f"more than {MAX_EXTENDS} files"):
        load_scenario(tmp_path / "s0.yaml")


def test_huge_files_are_refused(tmp_path):
    f = tmp_path / "big.yaml"
    f.write_text("name: x\n# " + "x" * 2_000_000 + "\n")
    with pytest.raises(DataFileError, match="a scenario file is at most"):
        load_scenario(f)


def test_every_missing_file_is_named_at_once(tmp_path):
    f = tmp_path / "s.yaml"
    f.write_text(
        "name: s\nregion: nowhere\nclosures: {file: gone.geojson}\ntravel: {speeds: no.csv}\n"
    )
    with pytest.raises(DataFileError) as err:
        load_scenario(f)
    text = str(err.value)
    assert "nowhere is not a region folder" in text
    assert "gone.geojson not found" in text and "no.csv not found" in text
