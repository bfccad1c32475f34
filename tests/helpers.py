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
