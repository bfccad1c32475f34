"""Parts of a gap analysis for display: an area's settlements, its figures, the worst gaps.

The app's Explore page shows these; they work on a :class:`~access.analysis.GapResult` (as
released by :func:`~access.analysis.release_result`) and leave it unchanged.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from access.analysis import GapResult
from geodata.export import lonlat_table

__all__ = ["WORST_N", "area_figures", "settlements_in", "worst_gaps"]

#: Rows of the worst-gaps table.
WORST_N = 50


def settlements_in(
    settlements: gpd.GeoDataFrame,
    *,
    tehsil: str | None = None,
    union_council: str | None = None,
) -> gpd.GeoDataFrame:
    """The settlements of a tehsil and/or union council (``None``: any).

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> s = gpd.GeoDataFrame({"tehsil": ["A", "B"], "union_council": ["a1", "b1"]},
    ...                      geometry=[Point(0, 0), Point(1, 1)], crs=4326)
    >>> list(settlements_in(s, tehsil="B")["union_council"])
    ['b1']
    """
    view = settlements
    if tehsil is not None:
        view = view[view["tehsil"].astype(str) == tehsil]
    if union_council is not None:
        view = view[view["union_council"].astype(str) == union_council]
    return view


def area_figures(
    result: GapResult, *, tehsil: str | None = None, union_council: str | None = None
) -> pd.Series:
    """The aggregate row of a union council, else of a tehsil, else of the region.

    Returns
    -------
    pandas.Series
        The unit table's row (``households``, ``coverage_share``, ``median_min_<mode>`` ...);
        empty when the area has no row.
    """
    units = result.units
    if union_council is not None:
        uc = units["union_council"]
        row = uc[uc["union_council"].astype(str) == union_council]
    elif tehsil is not None:
        th = units["tehsil"]
        row = th[th["tehsil"].astype(str) == tehsil]
    else:
        row = units["region"]
    return row.iloc[0] if len(row) else pd.Series(dtype=float)


def worst_gaps(settlements: gpd.GeoDataFrame, mode: str, *, n: int = WORST_N) -> pd.DataFrame:
    """The ``n`` settlements with the largest gap scores, ranked, for a table.

    Parameters
    ----------
    settlements
        Gap analysis rows (EPSG:4326 points) with ``gap_rank``.
    mode
        The travel mode whose minutes are shown.
    n
        Rows.

    Returns
    -------
    pandas.DataFrame
        ``gap_rank``, ``settlement``, ``union_council``, ``tehsil``, ``households``,
        ``coverage_%``, ``unregistered_poor``, ``minutes``, ``gap_score``, ``lat``, ``lon``.
    """
    ranked = settlements[settlements["gap_rank"].notna()].sort_values("gap_rank").head(n)
    where = lonlat_table(gpd.GeoDataFrame(geometry=ranked.geometry, crs=ranked.crs))
    return pd.DataFrame(
        {
            "gap_rank": ranked["gap_rank"].astype("Int64"),
            "settlement": ranked["name"].astype(str),
            "union_council": ranked["union_council"].astype(str),
            "tehsil": ranked["tehsil"].astype(str),
            "households": ranked["households"],
            "coverage_%": 100 * ranked["coverage_share"],
            "unregistered_poor": ranked["unregistered_poor_households"],
            "minutes": ranked[f"travel_min_{mode}"],
            "gap_score": ranked["gap_score"],
            "lat": where["lat"],
            "lon": where["lon"],
        }
    ).reset_index(drop=True)
