"""Helpers shared by several test files (plain functions; fixtures live in conftest.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import geopandas as gpd
from typer.testing import CliRunner, Result

import cli
from geodata.sample import SampleParams
from scenarios.demo import river_flood_polygon

_cli_runner = CliRunner()


def invoke_cli(*args: object) -> Result:
    """Run ``accessgap ARGS...`` in-process; exceptions other than exits propagate."""
    return _cli_runner.invoke(cli.app, [str(a) for a in args], catch_exceptions=False)


def read_json(path: Path) -> Any:
    """The JSON document in ``path`` (UTF-8)."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def copy_region(src: Path, dest: Path) -> Path:
    """A copy of the region folder ``src`` at ``dest`` (same bytes, same fingerprint)."""
    shutil.copytree(src, dest)
    return dest


def write_flood_closures(params: SampleParams, path: Path) -> Path:
    """The sample region's river flood polygon (:func:`river_flood_polygon`) as GeoJSON."""
    gpd.GeoDataFrame(geometry=[river_flood_polygon(params)], crs="EPSG:4326").to_file(
        path, driver="GeoJSON"
    )
    return path


def residential_grid_xml() -> tuple[list[str], list[str]]:
    """OSM XML node and way elements: a grid of residential ways over lon 10.00-10.10, lat
    50.00-50.06 (7 ways west-east of 11 nodes each, node ids from 1, way ids from 1)."""
    import numpy as np

    nodes: list[str] = []
    ways: list[str] = []
    nid = 1
    for k, lat in enumerate(np.linspace(50.0, 50.06, 7)):
        ids = []
        for lon in np.linspace(10.0, 10.1, 11):
            nodes.append(f'<node id="{nid}" lat="{lat:.5f}" lon="{lon:.5f}" version="1"/>')
            ids.append(nid)
            nid += 1
        refs = "".join(f'<nd ref="{i}"/>' for i in ids)
        ways.append(f'<way id="{k + 1}" version="1">{refs}<tag k="highway" v="residential"/></way>')
    return nodes, ways


def simple_exclusion_model() -> Any:
    """A hand-checkable exclusion model: logit = -2.0 + 0.5 x travel hours (motorbike,
    travel capped at 8 h), for tests of the turnout and costing models."""
    from access.exclusion import ExclusionModel

    return ExclusionModel(
        "motorbike",
        ("intercept", "travel_h"),
        (-2.0, 0.5),
        (0, 0),
        (0, 0),
        (0, 0),
        8.0,
        1,
        1.0,
        0.0,
        0.0,
        0.0,
        0.0,
        1.0,
    )
