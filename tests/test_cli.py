"""The command line: every command end to end, and errors as readable messages."""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest
from helpers import invoke_cli as invoke

import cli


def hashes(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def region_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("r") / "small"
    res = invoke("sample", "--out", str(d), "--settlements", "150", "--seed", "3")
    assert res.exit_code == 0, res.output
    return d


def test_help_everywhere():
    for cmd in (
        [],
        ["sample"],
        ["demo"],
        ["gaps"],
        ["place"],
        ["travel-times"],
        ["vans"],
        ["run"],
        ["compare"],
        ["national"],
        ["region", "build"],
        ["region", "check"],
    ):
        res = invoke(*cmd, "--help")
        assert res.exit_code == 0 and "Usage" in res.output, cmd


def test_sample_is_byte_identical(tmp_path, region_dir):
    again = tmp_path / "again"
    assert (
        invoke("sample", "--out", str(again), "--settlements", "150", "--seed", "3").exit_code == 0
    )
    assert hashes(again) == hashes(region_dir)
    doc = json.loads((again / "region.json").read_text())
    assert doc["metadata"]["synthetic"] is True


def test_travel_times_gaps_place(tmp_path, region_dir):
    res = invoke("travel-times", str(region_dir), "--mode", "car", "--out", str(tmp_path / "t.csv"))
    assert res.exit_code == 0, res.output
    t = pd.read_csv(tmp_path / "t.csv")
    assert list(t.columns) == [
        "settlement_id",
        "centre_id",
        "travel_min",
        "network_m",
        "access_m",
        "flags",
    ]
    assert len(t) == 150
    assert invoke("gaps", str(region_dir), "--out", str(tmp_path / "g")).exit_code == 0
    assert (tmp_path / "g" / "units_tehsil.csv").is_file()
    res = invoke(
        "place", str(region_dir), "--out", str(tmp_path / "p"), "--new", "3", "--within", "30"
    )
    assert res.exit_code == 0, res.output
    assert len(pd.read_csv(tmp_path / "p" / "sites.csv")) == 3
    assert invoke("region", "check", str(region_dir)).exit_code == 0


def test_errors_are_messages_not_tracebacks(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(
        "sys.argv", ["accessgap", "gaps", str(tmp_path / "missing"), "--out", str(tmp_path / "o")]
    )
    with pytest.raises(SystemExit) as info:
        cli.main()
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "no such region folder" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()


def test_demo_writes_summary(demo_dir):
    doc = json.loads((demo_dir / "summary.json").read_text())
    assert doc["region"]["households"] > 100_000
    assert (demo_dir / "region" / "region.json").is_file()
    assert doc["placement"]["after"]["demand_within"] > doc["placement"]["before"]["demand_within"]


def test_national_small_serial(tmp_path):
    res = invoke(
        "national",
        "--scale",
        "0.02",
        "--new",
        "5",
        "--workers",
        "0",
        "--budget-pkr",
        "2e8",
        "--out",
        str(tmp_path / "nat"),
    )
    assert res.exit_code == 0, res.output
    doc = json.loads((tmp_path / "nat" / "summary.json").read_text())
    placed = doc["figures"]["placement"]
    assert placed["new_centres"] == 5
    # the budgeted outreach plan, its gap reported and within budget
    plan = doc["figures"]["portfolio"]
    assert "Outreach plan:" in res.output and "gap" in res.output
    assert 0 <= plan["gap"] < 0.05 and plan["bound"] >= plan["expected_registrations"] > 0
    assert plan["cost_pkr"] <= 2e8
    written = json.loads((tmp_path / "nat" / "portfolio" / "portfolio.json").read_text())
    assert written["solver"]["gap"] == plan["gap"]
    assert len(pd.read_csv(tmp_path / "nat" / "portfolio" / "frontier.csv")) == 10
    assert placed["demand_covered_after"] >= placed["demand_covered_before"]
    assert {"walk", "motorbike", "car"} <= set(doc["figures"])
