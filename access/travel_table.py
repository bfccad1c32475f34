"""The nearest-centre table of ``accessgap travel-times``: one mode and season, as a CSV."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import cast

import pandas as pd

from access.friction import OffroadSettings
from access.speeds import Mode, Season, TravelSettings
from geodata.export import write_csv
from geodata.region import Region

__all__ = ["TRAVEL_TABLE_COLUMNS", "travel_time_table", "write_table_csv"]

#: Columns of the table, in order (those the engine returned).
TRAVEL_TABLE_COLUMNS: tuple[str, ...] = (
    "settlement_id",
    "centre_id",
    "travel_min",
    "network_m",
    "access_m",
    "flags",
)


def travel_time_table(
    region: Region,
    *,
    mode: str = "car",
    season: str = "dry",
    offroad: OffroadSettings | bool | None = None,
) -> pd.DataFrame:
    """Nearest registration centre of every settlement: minutes, metres, access leg, flags.

    Parameters
    ----------
    region
        A validated region.
    mode
        ``walk``, ``motorbike`` or ``car``.
    season
        ``dry`` or ``monsoon``.
    offroad
        Off-road surface (see :class:`~access.speeds.TravelSettings`); ``None`` = the
        region's setting.

    Returns
    -------
    pandas.DataFrame
        :data:`TRAVEL_TABLE_COLUMNS` of :func:`access.engine.nearest_centre`.

    Raises
    ------
    SchemaError
        For an unknown mode or season.
    """
    from access.engine import nearest_centre  # imported here: it loads the numba kernels

    settings = TravelSettings(mode=cast(Mode, mode), season=cast(Season, season), offroad=offroad)
    t = nearest_centre(region, settings=settings)
    return t[[c for c in TRAVEL_TABLE_COLUMNS if c in t.columns]]


def write_table_csv(table: pd.DataFrame, path: str | os.PathLike[str]) -> Path:
    """Write ``table`` as CSV (no index) to ``path`` atomically: a temp file, then a rename.

    The parent folder is created; a failed write leaves no file behind.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(fd)
    try:
        write_csv(table, tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
