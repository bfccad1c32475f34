"""The files of a gap analysis (``accessgap gaps``), written atomically.

Tables go through :func:`access.analysis.release_result` (column allow-list, small groups
blanked); the charts (:mod:`access.charts`) are drawn from the full result, as they show
aggregates over many households.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pandas as pd

from access.analysis import SUPPRESSED_COLUMNS, GapResult, release_result
from access.charts import (
    burden_by_group_chart,
    capacity_coverage_chart,
    exclusion_by_area_chart,
    exclusion_by_band_chart,
)
from geodata.export import write_csv, write_json, write_points_csv
from geodata.files import write_folder_atomically
from geodata.privacy import PrivacySettings, suppress_small_groups
from geodata.schema import ADMIN_LEVELS

__all__ = ["write_gap_outputs"]


def write_gap_outputs(
    result: GapResult,
    out_dir: str | os.PathLike[str],
    *,
    boundaries: gpd.GeoDataFrame | None,
    privacy: PrivacySettings | None = None,
) -> dict[str, Path]:
    """Write the gap analysis into ``out_dir`` atomically (a temp folder swapped in).

    Files: ``settlements.gpkg`` / ``settlements.csv``, ``units_<level>.csv`` (and
    ``units.gpkg`` with boundary polygons when given), ``gaps_summary.json``,
    ``exclusion_by_area.png`` and ``exclusion_by_travel_band.png``; with the barriers
    analysis also ``centres_capacity.csv`` (desks, demand, utilisation, waiting),
    ``awareness_priority.csv``, ``capacity_coverage.png`` and ``burden_by_group.png``
    (``docs/gaps.md``). Tables go through
    :func:`~access.analysis.release_result` (column allow-list, groups under
    ``privacy.min_group_households`` households blanked).

    Parameters
    ----------
    result
        The full gap analysis.
    out_dir
        The folder (replaced as a whole once every file is written).
    boundaries
        Admin boundaries (``level``, ``name``, geometry) for ``units.gpkg``, or ``None``.
    privacy
        Minimum group size (default :class:`~geodata.privacy.PrivacySettings`).

    Returns
    -------
    dict
        File name -> path of every file written (top level).
    """
    charted = result
    released = release_result(result, privacy=privacy)

    def write(tmp: Path) -> None:
        s = released.settlements
        s.to_file(tmp / "settlements.gpkg", layer="settlements", driver="GPKG")
        write_points_csv(s, tmp / "settlements.csv")
        for level, df in released.units.items():
            write_csv(df, tmp / f"units_{level}.csv")
            if boundaries is not None and level in ADMIN_LEVELS:
                _write_unit_layer(boundaries, df, level, tmp / "units.gpkg")
        write_json(released.gaps_summary(), tmp / "gaps_summary.json")
        if charted.model is not None:  # charts of aggregates over many households
            exclusion_by_area_chart(charted, tmp / "exclusion_by_area.png")
            exclusion_by_band_chart(charted, tmp / "exclusion_by_travel_band.png")
        b = charted.barriers
        if b is not None:
            write_csv(b.centres, tmp / "centres_capacity.csv")
            capacity_coverage_chart(charted, tmp / "capacity_coverage.png")
            burden_by_group_chart(charted, tmp / "burden_by_group.png")
            if b.awareness is not None:
                write_csv(
                    suppress_small_groups(
                        b.awareness.priority(),
                        SUPPRESSED_COLUMNS,
                        min_households=(privacy or PrivacySettings()).min_group_households,
                    ),
                    tmp / "awareness_priority.csv",
                )

    return write_folder_atomically(out_dir, write, kind="gaps")


# ---------------------------------------------------------------------------------------


def _write_unit_layer(
    boundaries: gpd.GeoDataFrame, units: pd.DataFrame, level: str, path: Path
) -> None:
    b = boundaries[boundaries["level"] == level][["name", "geometry"]]
    g = b.merge(units, left_on="name", right_on=level, how="inner")
    if len(g):
        gpd.GeoDataFrame(g, geometry="geometry", crs=boundaries.crs).to_file(
            path, layer=level, driver="GPKG"
        )
