"""What careless and hostile users broke at the command line (issue #15, defects 1, 3, 6, 10)."""

from __future__ import annotations

import json
import os

import geopandas as gpd
import pytest
from helpers import copy_region, invoke_cli
from shapely.geometry import Point

from geodata.files import MARKER_NAME
from geodata.region import load_region, save_region


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch):
    """Error panels wrap at the terminal's width: make it wide so messages stay on one line."""
    monkeypatch.setenv("COLUMNS", "400")


def _main(monkeypatch, capsys, *args):
    """Run the console script's entry point: (exit code, stdout + stderr)."""
    import cli

    monkeypatch.setattr("sys.argv", ["accessgap", *map(str, args)])
    code = 0
    try:
        cli.main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    got = capsys.readouterr()
    return code, got.out + got.err


def test_out_pointing_at_the_region_is_refused_before_any_work(small_sample_region_dir, tmp_path):
    region = copy_region(small_sample_region_dir, tmp_path / "r")
    before = sorted(p.name for p in region.iterdir())
    res = invoke_cli("gaps", region, "--out", region)
    assert res.exit_code == 2
    assert "holds a region written by accessgap" in res.output
    assert sorted(p.name for p in region.iterdir()) == before
    load_region(region)  # still a whole region


def test_out_pointing_at_a_users_folder_is_refused(small_sample_region_dir, tmp_path):
    work = tmp_path / "work"
    (work / "notes").mkdir(parents=True)
    (work / "budget.xlsx").write_bytes(b"PK...")
    res = invoke_cli("gaps", small_sample_region_dir, "--out", work)
    assert res.exit_code == 2 and "not written by accessgap" in res.output
    assert (work / "budget.xlsx").read_bytes() == b"PK..." and (work / "notes").is_dir()


@pytest.mark.parametrize("target", ["file", ".", ".."])
def test_impossible_out_fails_fast(small_sample_region_dir, tmp_path, monkeypatch, target):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "file").write_text("x")
    res = invoke_cli("place", small_sample_region_dir, "--out", target, "--new", "1")
    assert res.exit_code == 2
    assert "Invalid value for --out" in res.output
    assert "Traceback" not in res.output


def test_the_tools_own_output_is_replaced(small_sample_region_dir, tmp_path):
    out = tmp_path / "tt"
    for _ in range(2):
        res = invoke_cli("gaps", small_sample_region_dir, "--out", out)
        assert res.exit_code == 0, res.output
    assert json.loads((out / MARKER_NAME).read_text())["kind"] == "gaps"
    # ... but never by another kind of output: a placement run may not replace the gaps
    res = invoke_cli("place", small_sample_region_dir, "--out", out, "--new", "1")
    assert res.exit_code == 2 and "holds a gaps written by accessgap" in res.output


def test_travel_times_out_never_replaces_a_folder_or_a_non_csv(small_sample_region_dir, tmp_path):
    (tmp_path / "thesis.docx").write_text("x")
    for bad in (tmp_path, tmp_path / "thesis.docx"):
        res = invoke_cli("travel-times", small_sample_region_dir, "--out", bad)
        assert res.exit_code == 2, res.output
    assert (tmp_path / "thesis.docx").read_text() == "x"


def test_brackets_in_user_text_are_printed_as_they_are(small_sample_region, tmp_path):
    s = small_sample_region.settlements.copy()
    s.loc[s.index[0], "name"] = "[/x] [bold]Basti[/bold]"
    region = save_region(
        small_sample_region.with_(settlements=s, name="[redacted] [/x]"), tmp_path / "r"
    )
    res = invoke_cli("region", "check", region)
    assert res.exit_code == 0, res.output
    assert '"name": "[redacted] [/x]"' in res.output


def test_an_edited_region_is_refused_until_stamped(
    small_sample_region_dir, tmp_path, monkeypatch, capsys
):
    region = copy_region(small_sample_region_dir, tmp_path / "r")
    path = region / "centres.parquet"
    centres = gpd.read_parquet(path)
    centres.loc[centres.index[0], "name"] = "Moved DRC"
    centres.to_parquet(path)
    code, text = _main(monkeypatch, capsys, "gaps", region, "--out", tmp_path / "g")
    assert code == 2 and "Error:" in text and "region stamp" in text
    assert invoke_cli("region", "stamp", region).exit_code == 0
    assert load_region(region).centres["name"].iloc[0] == "Moved DRC"


def test_region_check_warns_of_impossible_geography(small_sample_region, tmp_path):
    s = small_sample_region.settlements.copy()
    p = s.geometry.iloc[3]
    s.loc[s.index[3], "geometry"] = Point(p.y, p.x)
    region = save_region(small_sample_region.with_(settlements=s), tmp_path / "r")
    res = invoke_cli("region", "check", region)
    assert res.exit_code == 0
    assert "warning: settlements:" in res.output and "swap the lon/lat" in res.output
    assert s["settlement_id"].iloc[3] in res.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into read-only folders")
def test_read_only_parent(small_sample_region_dir, tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        res = invoke_cli("gaps", small_sample_region_dir, "--out", ro / "g")
        assert res.exit_code == 2 and "cannot write here" in res.output
    finally:
        ro.chmod(0o700)


def test_error_messages_keep_brackets(monkeypatch, capsys, tmp_path):
    from geodata.errors import DataFileError

    def boom(*args, **kwargs):
        raise DataFileError("unit '[redacted]' and '[/x]' are unknown")

    monkeypatch.setattr("geodata.region.load_region", boom)
    code, text = _main(monkeypatch, capsys, "region", "check", tmp_path)
    assert code == 2
    assert "unit '[redacted]' and '[/x]' are unknown" in text
