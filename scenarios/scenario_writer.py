"""The results folder of a scenario run, written atomically.

:class:`ScenarioOutcome` is everything one run computed (:func:`scenarios.runner.compute_scenario`);
:func:`write_scenario_folder` writes it:

- ``metrics.json`` (headline figures, access, registrations, vans, costs, notes),
  ``scenario.json`` (the merged scenario);
- ``settlements.csv`` and ``units_<level>.csv`` (the gap analysis' unit tables plus the
  scenario's change per unit);
- ``centres.csv`` / ``centres.geojson`` (the open centres with their ``status``);
- ``barriers.json`` (capacity split, burden by group, awareness, equity: issue #17);
- ``closures.geojson`` and ``closed_roads.geojson`` when roads are closed;
- ``placement/`` and ``vans/`` when the scenario places centres or plans vans; ``reviews/``
  and ``sweeps/`` (:func:`scenarios.field.write_reviews`, :func:`~scenarios.field.write_sweeps`)
  when it plans quarterly reviews or door-to-door sweeps;
- ``run.json``: timings and cache use (not part of the results).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from access.analysis import GapResult
from access.speeds import Closures
from geodata.export import write_csv, write_json, write_points_csv
from geodata.files import write_folder_atomically
from geodata.region import Region
from geodata.schema import ADMIN_LEVELS
from scenarios.field import ReviewPlan, SweepPlan, write_reviews, write_sweeps
from scenarios.placement import PlacementPlan, write_placement
from scenarios.routing import VanPlan, write_vans
from scenarios.spec import Scenario

__all__ = ["CENTRE_COLUMNS", "ScenarioOutcome", "unit_change_table", "write_scenario_folder"]

#: Columns of ``centres.csv`` / ``centres.geojson`` (those the centre table has).
CENTRE_COLUMNS: tuple[str, ...] = (
    "centre_id",
    "name",
    "kind",
    "status",
    "tehsil",
    "union_council",
    "opening_cost_pkr",
    "geometry",
)


@dataclass(frozen=True, eq=False)
class ScenarioOutcome:
    """Everything one scenario run computed, ready to be written.

    Attributes
    ----------
    scenario
        The validated scenario.
    region
        The baseline region.
    metrics
        The content of ``metrics.json``.
    table
        The settlement table (``settlements.csv``).
    gaps
        The scenario's gap analysis (its unit tables go into ``units_<level>.csv``).
    centres
        The scenario's open centres with their ``status``.
    closures
        The scenario's closures.
    closure_polygons
        The polygons of its closures file, or ``None``.
    placement
        The placement of new centres, or ``None``.
    vans
        The van campaign, or ``None``.
    reviews, sweeps
        The quarterly reviews and door-to-door sweeps, or ``None``.
    timings
        Seconds per step.
    cache
        Travel-table cache counters.
    """

    scenario: Scenario
    region: Region
    metrics: dict[str, Any]
    table: pd.DataFrame
    gaps: GapResult
    centres: gpd.GeoDataFrame
    closures: Closures
    closure_polygons: gpd.GeoDataFrame | None = None
    placement: PlacementPlan | None = None
    vans: VanPlan | None = None
    reviews: ReviewPlan | None = None
    sweeps: SweepPlan | None = None
    timings: dict[str, float] = field(default_factory=dict)
    cache: dict[str, int] = field(default_factory=dict)


def write_scenario_folder(
    outcome: ScenarioOutcome, out_dir: str | os.PathLike[str]
) -> dict[str, Path]:
    """Write a run's results into ``out_dir`` (replaced as a whole once every file is written).

    Returns
    -------
    dict
        File name -> path of every file in ``out_dir`` (top level).
    """

    def write(tmp: Path) -> None:
        t0 = time.perf_counter()
        _json(tmp / "metrics.json", outcome.metrics)
        _json(tmp / "scenario.json", outcome.scenario.to_dict())
        table = outcome.table
        write_csv(table, tmp / "settlements.csv")
        for level in (*ADMIN_LEVELS, "region"):
            write_csv(
                unit_change_table(outcome.gaps.units[level], table, level),
                tmp / f"units_{level}.csv",
            )
        centres = outcome.centres
        c = centres[[col for col in CENTRE_COLUMNS if col in centres.columns]]
        write_points_csv(c, tmp / "centres.csv")
        c.to_file(tmp / "centres.geojson", driver="GeoJSON")
        if outcome.gaps.barriers is not None:  # who is excluded and why (issue #17)
            _json(tmp / "barriers.json", outcome.gaps.barriers.to_dict(outcome.gaps.settlements))
        if outcome.closures:
            _write_closures(outcome, tmp)
        if outcome.placement is not None:
            write_placement(outcome.placement, tmp / "placement")
        if outcome.vans is not None:
            write_vans(outcome.vans, tmp / "vans")
        if outcome.reviews is not None:
            write_reviews(outcome.reviews, tmp / "reviews")
        if outcome.sweeps is not None:
            write_sweeps(outcome.sweeps, tmp / "sweeps")
        seconds = {**outcome.timings, "write": time.perf_counter() - t0}
        _json(
            tmp / "run.json",
            {
                "note": "timings and cache use of this run; not part of the results",
                "seconds": {k: round(v, 3) for k, v in seconds.items()},
                "travel_cache": outcome.cache,
            },
        )

    return write_folder_atomically(out_dir, write, kind="scenario")


def unit_change_table(units: pd.DataFrame, table: pd.DataFrame, level: str) -> pd.DataFrame:
    """The gap analysis' unit table plus the scenario's change per unit.

    Parameters
    ----------
    units
        The scenario's unit table at ``level`` (:attr:`access.analysis.GapResult.units`).
    table
        The scenario's settlement table (``travel_min``, ``baseline_travel_min``,
        ``households``, ``expected_new_registrations``).
    level
        An admin level or ``"region"``.

    Returns
    -------
    pandas.DataFrame
        ``units`` with ``households_within_60_min``, ``baseline_households_within_60_min``
        and ``expected_new_registrations`` summed per unit.
    """
    keys = list(ADMIN_LEVELS[: ADMIN_LEVELS.index(level) + 1]) if level != "region" else []
    t = table.assign(
        households_within_60_min=np.where(table["travel_min"] <= 60, table["households"], 0.0),
        baseline_households_within_60_min=np.where(
            table["baseline_travel_min"] <= 60, table["households"], 0.0
        ),
    )
    cols = [
        "households_within_60_min",
        "baseline_households_within_60_min",
        "expected_new_registrations",
    ]
    if not keys:
        extra = pd.DataFrame([t[cols].sum()])
        return pd.concat([units.reset_index(drop=True), extra], axis=1)
    extra = t.groupby(keys, sort=True)[cols].sum().reset_index()
    return units.merge(extra, on=keys, how="left")


# ---------------------------------------------------------------------------------------


def _write_closures(outcome: ScenarioOutcome, tmp: Path) -> None:
    if outcome.closure_polygons is not None:
        outcome.closure_polygons.to_file(tmp / "closures.geojson", driver="GeoJSON")
    edges = outcome.region.roads.edges
    e = edges[outcome.closures.closed_mask(edges)]
    gpd.GeoDataFrame(e[["u", "v", "highway", "length_m", "geometry"]], geometry="geometry").to_file(
        tmp / "closed_roads.geojson", driver="GeoJSON"
    )


def _json(path: Path, doc: Any) -> None:
    write_json(doc, path)
