"""Scenario results side by side: the tables behind ``accessgap compare`` and the app.

:func:`load_run` reads a result folder written by :func:`scenarios.runner.run_scenario`;
:func:`build_comparison` puts several (the first is the base) into a :class:`Comparison`:
every headline metric (:data:`METRICS`) per scenario, the differences against the base, and
per settlement the travel time of every scenario and its change against the base.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata.errors import DataFileError, SchemaError

__all__ = [
    "METRICS",
    "REACH_METRICS",
    "Comparison",
    "RunData",
    "build_comparison",
    "find_runs",
    "labelled_table",
    "load_run",
    "reach_table",
    "scenario_names",
]

#: Rows of the comparison: (headline key, label, unit, better when "up" / "down" / "").
METRICS: tuple[tuple[str, str, str, str], ...] = (
    ("households_within_30_min", "Households within 30 min", "households", "up"),
    ("households_within_60_min", "Households within 60 min", "households", "up"),
    ("households_within_120_min", "Households within 120 min", "households", "up"),
    (
        "unregistered_poor_within_30_min",
        "Unregistered bottom-40% households within 30 min",
        "households",
        "up",
    ),
    (
        "unregistered_poor_within_60_min",
        "Unregistered bottom-40% households within 60 min",
        "households",
        "up",
    ),
    (
        "unregistered_poor_within_120_min",
        "Unregistered bottom-40% households within 120 min",
        "households",
        "up",
    ),
    ("median_travel_min", "Median travel time (household-weighted)", "min", "down"),
    ("p90_travel_min", "90th percentile travel time", "min", "down"),
    ("unreachable_households", "Households that cannot reach a centre", "households", "down"),
    ("households_slower_by_1_min", "Households whose trip got longer", "households", "down"),
    (
        "expected_new_registrations_access",
        "Expected new registrations from access",
        "households",
        "up",
    ),
    ("expected_new_registrations_vans", "Expected registrations by vans", "households", "up"),
    ("expected_new_registrations", "Expected new registrations, total", "households", "up"),
    ("van_settlements_reached", "Settlements reached by vans", "settlements", "up"),
    ("van_households_reached", "Households reached by vans", "households", "up"),
    ("centres_open", "Centres open", "centres", ""),
    ("new_centres", "New centres", "centres", ""),
    ("closed_centres", "Closed centres", "centres", ""),
    ("one_off_cost_pkr", "One-off cost", "PKR", "down"),
    ("yearly_cost_pkr", "Yearly running cost", "PKR", "down"),
    ("cost_over_horizon_pkr", "Cost over the horizon", "PKR", "down"),
    (
        "cost_per_expected_registration_pkr",
        "Cost per expected new registration",
        "PKR",
        "down",
    ),
)

#: Headline metrics of the app's chart of households within reach.
REACH_METRICS: tuple[str, ...] = (
    "households_within_30_min",
    "households_within_60_min",
    "households_within_120_min",
)


@dataclass(frozen=True, eq=False)
class RunData:
    """One result folder as read back.

    Attributes
    ----------
    name
        Scenario name (made unique among the compared runs).
    folder
        The result folder.
    metrics
        ``metrics.json``.
    settlements
        ``settlements.csv``.
    centres
        ``centres.geojson`` (EPSG:4326) with ``status``.
    closed_roads
        ``closed_roads.geojson`` or ``None``.
    barriers
        ``barriers.json`` (capacity split, burden by group, awareness, equity) or ``None``
        for a folder written before it existed.
    """

    name: str
    folder: Path
    metrics: dict[str, Any]
    settlements: pd.DataFrame
    centres: gpd.GeoDataFrame
    closed_roads: gpd.GeoDataFrame | None
    barriers: dict[str, Any] | None = None


@dataclass(frozen=True, eq=False)
class Comparison:
    """Scenarios side by side.

    Attributes
    ----------
    runs
        The runs, base first.
    table
        Rows ``METRICS`` (index: key; columns ``label``, ``unit``, ``better``, then one per
        scenario).
    differences
        The same rows, each scenario minus the base (the base column is dropped).
    changes
        Per settlement: ``settlement_id``, ``name``, ``households``, ``lon``, ``lat``,
        ``travel_min_<scenario>`` and ``change_min_<scenario>`` (scenario minus base, in the
        base's mode); ``None`` when the runs are on different regions.
    mode
        The travel mode of ``changes``.
    notes
        Statements for the reader.
    """

    runs: tuple[RunData, ...]
    table: pd.DataFrame
    differences: pd.DataFrame
    changes: pd.DataFrame | None
    mode: str
    notes: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        """Scenario names, base first."""
        return tuple(r.name for r in self.runs)


def load_run(folder: str | os.PathLike[str]) -> RunData:
    """Read a result folder written by :func:`scenarios.runner.run_scenario`.

    Raises
    ------
    DataFileError
        When the folder or one of its files is missing or unreadable.
    """
    d = Path(folder)
    mpath = d / "metrics.json"
    if not mpath.is_file():
        raise DataFileError(
            f"{d}: not a scenario result folder (no metrics.json); "
            "write one with `accessgap run SCENARIO.yaml --out DIR`"
        )
    try:
        metrics = json.loads(mpath.read_text(encoding="utf-8"))
        settlements = pd.read_csv(d / "settlements.csv", dtype={"settlement_id": str})
        centres = gpd.read_file(d / "centres.geojson")
        roads = (
            gpd.read_file(d / "closed_roads.geojson")
            if (d / "closed_roads.geojson").is_file()
            else None
        )
        barriers = (
            json.loads((d / "barriers.json").read_text(encoding="utf-8"))
            if (d / "barriers.json").is_file()
            else None
        )
    except (OSError, ValueError) as err:
        raise DataFileError(f"{d}: cannot read the scenario results ({err})") from err
    except Exception as err:  # pyogrio errors on damaged GeoJSON
        raise DataFileError(f"{d}: cannot read the scenario results ({err})") from err
    name = str(metrics.get("scenario", {}).get("name") or d.name)
    return RunData(name, d, metrics, settlements, centres, roads, barriers)


def build_comparison(runs: Sequence[RunData]) -> Comparison:
    """Tables and per-settlement changes of ``runs`` (the first is the base).

    Raises
    ------
    SchemaError
        When fewer than two runs are given.
    """
    if len(runs) < 2:
        raise SchemaError("compare needs at least two result folders (the first is the base)")
    runs = _unique_names(runs)
    rows = []
    for key, label, unit, better in METRICS:
        row: dict[str, Any] = {"metric": key, "label": label, "unit": unit, "better": better}
        for r in runs:
            row[r.name] = r.metrics.get("headline", {}).get(key)
        rows.append(row)
    table = pd.DataFrame(rows).set_index("metric")
    names = [r.name for r in runs]
    values = table[names].apply(pd.to_numeric, errors="coerce").astype(float)
    diffs = values[names[1:]].sub(values[names[0]], axis=0)
    differences = pd.concat([table[["label", "unit", "better"]], diffs], axis=1)
    notes: list[str] = []
    if any(r.metrics.get("region", {}).get("synthetic") for r in runs):
        notes.append("All figures are SYNTHETIC (sample region); no real household is shown.")
    base = runs[0]
    mode = str(base.metrics.get("travel", {}).get("mode", "motorbike"))
    prints = {r.metrics.get("region", {}).get("fingerprint") for r in runs}
    changes: pd.DataFrame | None = None
    if len(prints) == 1:
        changes = _changes(runs, mode)
    else:
        notes.append("The runs are on different regions: settlement maps and changes are left out.")
    modes = {str(r.metrics.get("travel", {}).get("mode")) for r in runs}
    if len(modes) > 1:
        notes.append(
            f"The runs use different travel modes ({', '.join(sorted(modes))}); headline "
            f"figures are in each run's own mode, maps in the base's ({mode})."
        )
    return Comparison(tuple(runs), table, differences, changes, mode, tuple(notes))


def find_runs(root: Path, *, max_depth: int = 3) -> dict[str, Path]:
    """Scenario result folders under ``root``, named by their path relative to ``root``.

    A result folder holds ``metrics.json`` and ``scenario.json`` (as written by
    :func:`scenarios.runner.run_scenario`); folders whose path has a part starting with a
    dot are skipped.

    Parameters
    ----------
    root
        The folder to search (``out/`` of the app).
    max_depth
        Also search this many levels down (besides one and two).

    Returns
    -------
    dict
        Relative path -> folder, sorted by name; empty when ``root`` is not a folder.
    """
    if not root.is_dir():
        return {}
    found: dict[str, Path] = {}
    for metrics in (
        sorted(root.glob("/".join(["*"] * max_depth) + "/metrics.json"))
        + sorted(root.glob("*/metrics.json"))
        + sorted(root.glob("*/*/metrics.json"))
    ):
        folder = metrics.parent
        if any(part.startswith(".") for part in folder.relative_to(root).parts):
            continue
        if (folder / "scenario.json").is_file():
            found[str(folder.relative_to(root))] = folder
    return dict(sorted(found.items()))


def labelled_table(table: pd.DataFrame) -> pd.DataFrame:
    """:attr:`Comparison.table` or ``differences`` indexed by label, without ``better``."""
    t = table.copy()
    if "label" in t.columns:
        t = t.set_index("label")
    return t.drop(columns=[c for c in ("better",) if c in t.columns])


def reach_table(comparison: Comparison, metrics: Sequence[str] = REACH_METRICS) -> pd.DataFrame:
    """Scenarios (rows) by the given headline metrics (columns, by label), as floats.

    Metrics the comparison does not have are left out (the table may have no column).
    """
    rows = [k for k in metrics if k in comparison.table.index]
    chart = comparison.table.loc[rows, list(comparison.names)].T.astype(float)
    chart.columns = [comparison.table.at[k, "label"] for k in rows]
    return chart


def scenario_names(folders: Mapping[str, Path]) -> dict[str, str]:
    """The scenario name of each result folder (``metrics.json``), unique, for pickers.

    Parameters
    ----------
    folders
        Key (e.g. :func:`find_runs`' relative path) -> result folder.

    Returns
    -------
    dict
        Key -> the scenario's name; the key itself when ``metrics.json`` has none or cannot
        be read; names that repeat get their key in brackets (``"baseline (old/baseline)"``).
    """
    names: dict[str, str] = {}
    for key, folder in folders.items():
        try:
            doc = json.loads((Path(folder) / "metrics.json").read_text(encoding="utf-8"))
            name = str(doc.get("scenario", {}).get("name") or "").strip()
        except (OSError, ValueError, AttributeError):
            name = ""
        names[key] = name or key
    counts: dict[str, int] = {}
    for name in names.values():
        counts[name] = counts.get(name, 0) + 1
    return {k: (n if counts[n] == 1 or n == k else f"{n} ({k})") for k, n in names.items()}


# ---------------------------------------------------------------------------------------


def _unique_names(runs: Sequence[RunData]) -> list[RunData]:
    seen: dict[str, int] = {}
    out = []
    for r in runs:
        name = r.name
        if name in seen:
            seen[name] += 1
            name = (
                f"{name} ({r.folder.name})" if r.folder.name != r.name else f"{name} #{seen[name]}"
            )
        else:
            seen[name] = 1
        out.append(
            RunData(name, r.folder, r.metrics, r.settlements, r.centres, r.closed_roads, r.barriers)
        )
    return out


def _changes(runs: Sequence[RunData], mode: str) -> pd.DataFrame:
    base = runs[0].settlements
    col = f"travel_min_{mode}"
    out = base[["settlement_id", "name", "households", "lon", "lat"]].copy()
    t0 = base[col].to_numpy(float)
    out[f"travel_min_{runs[0].name}"] = t0
    for r in runs[1:]:
        s = r.settlements.set_index("settlement_id")[col]
        t = s.reindex(base["settlement_id"]).to_numpy(float)
        out[f"travel_min_{r.name}"] = t
        with np.errstate(invalid="ignore"):
            out[f"change_min_{r.name}"] = np.where(
                np.isfinite(t) & np.isfinite(t0),
                t - t0,
                np.where(np.isfinite(t0) & ~np.isfinite(t), np.inf, np.nan),
            )
    return out
