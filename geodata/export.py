"""Tables for people: one way to write every CSV and spreadsheet the tool writes or serves.

Every export of points (sites, centres, halts, settlements) goes through :func:`lonlat_table`,
so the columns, their order and the rounding are the same everywhere. Every CSV goes through
:func:`write_csv` / :func:`csv_bytes` and every spreadsheet cell through
:func:`neutralise_formulas`: a name from OSM or a user's file that starts like a formula
(``=``, ``+``, ``-``, ``@``, tab or carriage return) is stored as text with a leading
apostrophe, so a spreadsheet never runs it (the OWASP rule against CSV injection).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata.errors import CRSError

__all__ = [
    "FORMULA_STARTS",
    "LONLAT_DIGITS",
    "csv_bytes",
    "json_safe",
    "json_text",
    "lonlat_table",
    "neutralise_formulas",
    "points_csv_bytes",
    "safe_cell",
    "write_csv",
    "write_json",
    "write_points_csv",
]

#: First characters that make a spreadsheet treat a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

#: Decimal places of exported longitudes and latitudes (about 0.1 m).
LONLAT_DIGITS = 6


def lonlat_table(points: gpd.GeoDataFrame) -> pd.DataFrame:
    """Drop the geometry of a point table and append ``lon`` and ``lat`` columns.

    Parameters
    ----------
    points
        Points in EPSG:4326 (the tool's storage CRS).

    Returns
    -------
    pandas.DataFrame
        The other columns in their order, then ``lon`` and ``lat`` rounded to
        :data:`LONLAT_DIGITS` places; the index is kept.

    Raises
    ------
    CRSError
        If the points are not in EPSG:4326 (reproject them first with ``to_crs(4326)``).

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import Point
    >>> pts = gpd.GeoDataFrame({"id": ["a"]}, geometry=[Point(73.0512345678, 33.7)], crs=4326)
    >>> lonlat_table(pts)
      id        lon   lat
    0  a  73.051235  33.7
    """
    if points.crs is None or points.crs.to_epsg() != 4326:
        raise CRSError(
            f"points to export are in {points.crs}, not EPSG:4326; reproject them with to_crs(4326)"
        )
    geom = points.geometry
    table = pd.DataFrame(points.drop(columns=points.geometry.name))
    return table.assign(lon=geom.x.round(LONLAT_DIGITS), lat=geom.y.round(LONLAT_DIGITS))


def safe_cell(value: object) -> object:
    """``value``, with a leading apostrophe when it is text that starts like a formula.

    Examples
    --------
    >>> print(safe_cell("=1+2"), safe_cell("Chak 7"), safe_cell(-3))
    '=1+2 Chak 7 -3
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise_formulas(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with :func:`safe_cell` applied to every text cell (numbers stay numbers).

    Column names are text cells too and are treated alike. A carriage return inside text
    becomes a line feed (CSV writers quote only the latter, and a reader would split the row at
    a bare one). The input is not changed.
    """
    out = table
    for col in table.columns:
        values = table[col]
        if isinstance(values, pd.DataFrame) or not _is_text(values):
            continue
        text = values.astype("string")
        starts = text.str.startswith(FORMULA_STARTS).fillna(False).to_numpy()
        has_cr = text.str.contains("\r", regex=False).fillna(False).to_numpy()
        if bool(starts.any() or has_cr.any()):
            if out is table:
                out = table.copy()
            fixed = ("'" + text).where(starts, text).str.replace("\r", "\n", regex=False)
            out[col] = values.where(~(starts | has_cr), fixed.astype(object))
    renamed = {c: safe_cell(c) for c in out.columns if isinstance(c, str) and safe_cell(c) != c}
    return out.rename(columns=renamed) if renamed else out


def csv_bytes(table: pd.DataFrame, *, index: bool = False) -> bytes:
    """The CSV (UTF-8) of ``table`` with formulas neutralised, e.g. for a download button."""
    return neutralise_formulas(table).to_csv(index=index).encode("utf-8")


def write_csv(table: pd.DataFrame, path: str | os.PathLike[str], *, index: bool = False) -> None:
    """Write ``table`` to ``path`` as CSV (UTF-8) with formulas neutralised."""
    neutralise_formulas(table).to_csv(path, index=index)


def json_safe(doc: Any) -> Any:
    """``doc`` made of plain JSON values: NaN and infinities become ``None`` (JSON's null).

    Numpy scalars and arrays become numbers and lists, paths and other objects their text.
    JSON has no NaN or Infinity; a reader other than Python's would fail on them.

    Examples
    --------
    >>> json_safe({"a": float("inf"), "b": [1.5, float("nan")], "c": np.int64(3)})
    {'a': None, 'b': [1.5, None], 'c': 3}
    """
    if isinstance(doc, Mapping):
        return {str(k): json_safe(v) for k, v in doc.items()}
    if isinstance(doc, list | tuple | set | np.ndarray | pd.Series):
        return [json_safe(v) for v in (doc.tolist() if hasattr(doc, "tolist") else doc)]
    if isinstance(doc, bool | np.bool_):
        return bool(doc)
    if isinstance(doc, int | np.integer):
        return int(doc)
    if isinstance(doc, float | np.floating):
        return float(doc) if math.isfinite(float(doc)) else None
    if doc is None or isinstance(doc, str):
        return doc
    return str(doc)


def json_text(doc: Any, *, indent: int | None = 2, sort_keys: bool = False) -> str:
    """The JSON text of :func:`json_safe` of ``doc`` (UTF-8 text kept as it is), newline-ended."""
    return (
        json.dumps(
            json_safe(doc), indent=indent, sort_keys=sort_keys, ensure_ascii=False, allow_nan=False
        )
        + "\n"
    )


def write_json(doc: Any, path: str | os.PathLike[str], **kwargs: Any) -> None:
    """Write :func:`json_text` of ``doc`` to ``path`` (UTF-8); options as for ``json_text``."""
    Path(path).write_text(json_text(doc, **kwargs), encoding="utf-8")


def points_csv_bytes(points: gpd.GeoDataFrame) -> bytes:
    """The CSV (UTF-8) of :func:`lonlat_table`, without the index, e.g. for a download button."""
    return csv_bytes(lonlat_table(points))


def write_points_csv(points: gpd.GeoDataFrame, path: str | os.PathLike[str]) -> None:
    """Write :func:`lonlat_table` of ``points`` to ``path`` as CSV (UTF-8, no index)."""
    write_csv(lonlat_table(points), path)


def _is_text(values: pd.Series) -> bool:
    return values.dtype.kind in "OSU" or isinstance(values.dtype, pd.StringDtype)
