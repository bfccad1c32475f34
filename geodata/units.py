"""Admin unit polygons of a region, joined to per-unit tables by unit code.

A region's BOUNDARIES table holds one polygon per unit with its ``code`` and its parent's
``parent_code``; settlements and the tables made from them (e.g. gap aggregates per union
council) name their units by the names of the unit and its ancestors (``province``,
``district``, ``tehsil``, ``union_council`` columns). :func:`unit_geometries` resolves each
table row to the code of its unit and joins on that code, so two units of the same name
under different parents (``UC-1`` of two tehsils) are never mixed up.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import pandas as pd

from geodata.region import Region
from geodata.schema import ADMIN_LEVELS

__all__ = ["unit_codes", "unit_geometries"]


def unit_geometries(
    region: Region, level: str, table: pd.DataFrame | None = None
) -> gpd.GeoDataFrame:
    """The admin polygons of one level, joined on unit codes to a per-unit table.

    Parameters
    ----------
    region
        The region (its ``boundaries``).
    level
        ``"province"``, ``"district"``, ``"tehsil"`` or ``"union_council"``.
    table
        One row per unit: a ``code`` column, or the unit's name in a column named
        ``level`` plus, optionally, its ancestors' names (``province`` ... columns), as in
        the settlements table and the gap aggregates. Rows are resolved to codes by
        :func:`unit_codes`.

    Returns
    -------
    geopandas.GeoDataFrame
        Without ``table``: ``code, name, parent_code``, one column per level from
        ``province`` down to ``level`` with the names of the unit and its ancestors (found
        through ``parent_code``; None where the chain breaks), and the polygon. With
        ``table``: ``code``, the polygon and the table's columns, one row per table row
        whose unit has a polygon, in the boundaries' order. Same CRS as the boundaries.

    Raises
    ------
    ValueError
        When ``level`` is not an admin level.

    Examples
    --------
    >>> from geodata.sample import SampleParams, make_sample_geography
    >>> region = make_sample_geography(SampleParams(n_settlements=200, n_union_councils=10))
    >>> units = unit_geometries(region, "tehsil")
    >>> list(units.columns)
    ['code', 'name', 'parent_code', 'province', 'district', 'tehsil', 'geometry']
    >>> table = region.settlements.groupby(["tehsil"], as_index=False)["households"].sum()
    >>> len(unit_geometries(region, "tehsil", table)) == len(units)
    True
    """
    if level not in ADMIN_LEVELS:
        raise ValueError(f"level must be one of {', '.join(ADMIN_LEVELS)}, not {level!r}")
    units = _units_with_ancestors(region.boundaries, level)
    if table is None:
        return units
    codes = unit_codes(units, table, level)
    rows = table.reset_index(drop=True).drop(columns=["code"], errors="ignore")
    pairs = pd.DataFrame(
        [(code, i) for i, found in enumerate(codes) for code in found],
        columns=["code", "_table_row"],
    )
    joined = (
        units[["code", "geometry"]]
        .merge(pairs, on="code", how="inner")
        .merge(rows, left_on="_table_row", right_index=True, how="inner")
        .drop(columns="_table_row")
        .reset_index(drop=True)
    )
    return gpd.GeoDataFrame(joined, geometry="geometry", crs=region.boundaries.crs)


def unit_codes(units: pd.DataFrame, table: pd.DataFrame, level: str) -> list[list[str]]:
    """The unit code(s) of each row of a per-unit table.

    A ``code`` column of the table is used as it is. Otherwise the row's name (column
    ``level``) is looked up among the ``units`` of that name; when several share it, the
    ones whose ancestor names (``province`` ... columns of both tables, from
    :func:`unit_geometries` without a table) agree with the row's on the most levels are
    kept (several only when the units cannot be told apart).

    Parameters
    ----------
    units
        Units of one level with ``code``, ``name`` and ancestor name columns.
    table
        The per-unit table.
    level
        The units' level.

    Returns
    -------
    list of list of str
        Per table row (in order), the codes it resolves to; empty when none.

    Examples
    --------
    >>> units = pd.DataFrame(
    ...     {"code": ["t1/uc1", "t2/uc1"], "name": ["UC-1", "UC-1"], "tehsil": ["A", "B"]}
    ... )
    >>> unit_codes(units, pd.DataFrame({"tehsil": ["B", "C"], "union_council": ["UC-1"] * 2}),
    ...            "union_council")
    [['t2/uc1'], ['t1/uc1', 't2/uc1']]
    """
    known = set(units["code"].astype(str))
    if "code" in table.columns:
        return [[str(c)] if str(c) in known else [] for c in table["code"]]
    if level not in table.columns:
        return [[] for _ in range(len(table))]
    above = [lv for lv in ADMIN_LEVELS[: ADMIN_LEVELS.index(level)] if lv in table.columns]
    above = [lv for lv in above if lv in units.columns]
    by_name: dict[str, list[Mapping[Any, Any]]] = {}
    for unit in units.to_dict("records"):
        by_name.setdefault(str(unit["name"]), []).append(unit)
    out: list[list[str]] = []
    for row in table.to_dict("records"):
        found = by_name.get(str(row[level]), [])
        if len(found) > 1:
            score = [sum(str(u[lv]) == str(row[lv]) for lv in above) for u in found]
            found = [u for u, s in zip(found, score, strict=True) if s == max(score)]
        out.append([str(u["code"]) for u in found])
    return out


# ---------------------------------------------------------------------------------------


def _units_with_ancestors(boundaries: gpd.GeoDataFrame, level: str) -> gpd.GeoDataFrame:
    """Units of ``level`` with the names of their ancestors, found through parent codes."""
    info = {
        str(c): (str(lv), n, p)
        for c, lv, n, p in zip(
            boundaries["code"],
            boundaries["level"],
            boundaries["name"],
            boundaries["parent_code"],
            strict=True,
        )
    }
    above = ADMIN_LEVELS[: ADMIN_LEVELS.index(level)]
    mine = boundaries[(boundaries["level"] == level).to_numpy()]
    names: dict[str, list[Any]] = {lv: [] for lv in above}
    for parent in mine["parent_code"]:
        found: dict[str, Any] = {}
        code = parent
        for _ in range(len(ADMIN_LEVELS)):  # a broken or looping chain stops here
            if code is None or pd.isna(code) or str(code) not in info:
                break
            lv, name, code = info[str(code)]
            found.setdefault(lv, name)
        for lv in above:
            names[lv].append(found.get(lv))
    out = pd.DataFrame(
        {
            "code": mine["code"].astype(str).to_numpy(),
            "name": mine["name"].to_numpy(),
            "parent_code": mine["parent_code"].to_numpy(),
            **{lv: names[lv] for lv in above},
            level: mine["name"].to_numpy(),
        }
    )
    return gpd.GeoDataFrame(out, geometry=mine.geometry.to_numpy(), crs=boundaries.crs)
