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


@pytest.mark.parametrize(
    ("vans", "days", "halts", "match"),
    [
        (3, 100_000, 150, "at most 366 days"),
        (5_000, 10, 150, "at most 500 vans"),
        (3, 10, 1_000_000, "at most 5000 halts"),
    ],
)
def test_van_plans_too_large_are_refused_up_front(vans, days, halts, match):
    """Issue #15, defect 5: refused when the options are built, before any model exists."""
    from geodata.errors import AccessGapError
    from scenarios.routing import VanOptions

    with pytest.raises(AccessGapError, match=match):
        VanOptions(vans=vans, days=days, max_halts=halts)


def test_the_largest_accepted_plan_is_estimated_within_the_limit():
    from scenarios.routing import VanOptions
    from scenarios.routing.options import MAX_DAYS, MAX_MODEL_BYTES, MAX_VANS

    big = VanOptions(vans=MAX_VANS, days=MAX_DAYS, max_halts=2_000)
    assert big.estimated_bytes() < MAX_MODEL_BYTES


def test_cli_refuses_a_huge_van_plan_before_loading(tmp_path, monkeypatch, capsys):
    import cli

    monkeypatch.setattr(
        "sys.argv",
        [
            "accessgap",
            "vans",
            str(tmp_path / "nowhere"),
            "--out",
            str(tmp_path / "o"),
            "--vans",
            "500",
            "--days",
            "100000",
        ],
    )
    with pytest.raises(SystemExit) as exit_:
        cli.main()
    assert exit_.value.code == 2
    assert "at most 366 days" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("field", "value", "match"),
    [
        ("within_min", 1e9, "within_min must be in"),
        ("new_centres", 10**9, "new_centres must be between"),
        ("time_limit_s", 1e12, "time_limit_s must be in"),
    ],
)
def test_placement_inputs_that_size_the_model_are_bounded(field, value, match):
    from geodata.errors import AccessGapError
    from scenarios.placement import PlacementOptions

    with pytest.raises(AccessGapError, match=match):
        PlacementOptions(**{field: value})
