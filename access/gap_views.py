"""Parts of a gap analysis for display: an area's settlements, its figures, the worst gaps.

The app's Explore page shows these; they work on a :class:`~access.analysis.GapResult` (as
released by :func:`~access.analysis.release_result`) and leave it unchanged.
"""

from __future__ import annotations

from itertools import pairwise

import geopandas as gpd
import numpy as np
import pandas as pd

from access.analysis import GapResult
from geodata.export import lonlat_table

__all__ = [
    "BURDEN_BANDS_MIN",
    "WORST_N",
    "area_figures",
    "burden_by_band",
    "settlements_in",
    "worst_gaps",
]

#: Travel-time bands (minutes) of the burden table and chart.
BURDEN_BANDS_MIN: tuple[float, ...] = (0, 30, 60, 120, 240, np.inf)

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


def burden_by_band(settlements: pd.DataFrame, mode: str) -> pd.DataFrame:
    """Household-weighted mean burden per travel band, for an adult man and a woman.

    Parameters
    ----------
    settlements
        Gap analysis rows with ``households``, ``travel_min_<mode>`` and the burden columns
        of :func:`access.barriers.barrier_analysis`.
    mode
        The burden mode.

    Returns
    -------
    pandas.DataFrame
        ``band``, ``households``, ``man_h``, ``man_pkr``, ``woman_h``, ``woman_pkr``,
        ``visits``; bands without households are left out.

    Examples
    --------
    >>> t = pd.DataFrame({"households": [1, 3], "travel_min_car": [10.0, 20.0],
    ...                   "burden_man_h": [1.0, 2.0], "burden_man_pkr": [100.0, 200.0],
    ...                   "burden_woman_h": [2.0, 4.0], "burden_woman_pkr": [300, 500],
    ...                   "expected_visits": [1.0, 1.0]})
    >>> burden_by_band(t, "car")[["band", "man_pkr", "woman_pkr"]].values.tolist()
    [['0-30 min', 175.0, 450.0]]
    """
    t = settlements[f"travel_min_{mode}"].fillna(np.inf).to_numpy(float)
    hh = settlements["households"].to_numpy(float)
    rows = []
    for lo, hi in pairwise(BURDEN_BANDS_MIN):
        m = (t >= lo) & (t < hi)
        w = hh[m]
        if w.sum() == 0:
            continue
        row: dict[str, object] = {
            "band": f"{lo:g}-{hi:g} min" if np.isfinite(hi) else f">{lo:g} min",
            "households": float(w.sum()),
        }
        for col, src in (
            ("man_h", "burden_man_h"),
            ("man_pkr", "burden_man_pkr"),
            ("woman_h", "burden_woman_h"),
            ("woman_pkr", "burden_woman_pkr"),
            ("visits", "expected_visits"),
        ):
            row[col] = float(np.sum(w * settlements[src].to_numpy(float)[m]) / w.sum())
        rows.append(row)
    return pd.DataFrame(rows)
