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
from access.gaps import GapSettings
from geodata.export import lonlat_table

__all__ = [
    "BURDEN_BANDS_MIN",
    "WORST_N",
    "area_figures",
    "burden_by_band",
    "settlements_in",
    "travel_gap_scores",
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


def worst_gaps(
    settlements: gpd.GeoDataFrame,
    mode: str,
    *,
    settings: GapSettings | None = None,
    n: int = WORST_N,
) -> pd.DataFrame:
    """The ``n`` settlements whose gap is most due to distance, ranked, for a table.

    The gap score counts every rupee of registering, including the fixed part anyone pays at
    the centre's door (the wait, ``visits x min(1, wait_h / work_day_h) x wage``): a big town
    0 minutes from its centre has a large score only because it is big. The ranking here uses
    the *travel part* of the score (the score minus what the same households would pay living
    next door to the centre), so a settlement at its centre's door is never among the worst
    gaps; settlements whose travel part is zero are left out.

    Parameters
    ----------
    settlements
        Gap analysis rows (EPSG:4326 points) with ``burden_pkr``, ``gap_score`` and
        ``unregistered_poor_households``.
    mode
        The travel mode whose minutes are shown.
    settings
        The gap analysis' settings (its ``wait_h``, ``work_day_h``, ``visits`` and
        ``wage_pkr_per_day`` give the door cost); default :class:`GapSettings`.
    n
        Rows.

    Returns
    -------
    pandas.DataFrame
        ``rank`` (1 = worst), ``settlement``, ``union_council``, ``tehsil``, ``households``,
        ``coverage_%``, ``unregistered_poor``, ``minutes``, ``travel_gap`` (travel part of the
        gap score, PKR 000), ``gap_score`` (PKR 000), ``lat``, ``lon``.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> s = gpd.GeoDataFrame({"name": ["town", "village"], "union_council": ["a", "b"],
    ...     "tehsil": ["T", "T"], "households": [3000, 100], "coverage_share": [0.5, 0.2],
    ...     "unregistered_poor_households": [600.0, 40.0], "travel_min_car": [0.0, 200.0],
    ...     "burden_pkr": [700.0, 2800.0]}, geometry=[Point(0, 0), Point(1, 1)], crs=4326)
    >>> s["gap_score"] = s["unregistered_poor_households"] * s["burden_pkr"] / 1000
    >>> worst_gaps(s, "car")[["rank", "settlement", "travel_gap"]].values.tolist()
    [[1, 'village', 84.0]]
    """
    travel = travel_gap_scores(settlements, settings=settings)
    keep = travel.notna() & (travel > 0)
    order = travel[keep].sort_values(ascending=False, kind="stable").index[:n]
    ranked = settlements.loc[order]
    where = lonlat_table(gpd.GeoDataFrame(geometry=ranked.geometry, crs=ranked.crs))
    return pd.DataFrame(
        {
            "rank": pd.array(np.arange(1, len(ranked) + 1), dtype="Int64"),
            "settlement": ranked["name"].astype(str).to_numpy(),
            "union_council": ranked["union_council"].astype(str).to_numpy(),
            "tehsil": ranked["tehsil"].astype(str).to_numpy(),
            "households": ranked["households"].to_numpy(),
            "coverage_%": 100 * ranked["coverage_share"].to_numpy(float),
            "unregistered_poor": ranked["unregistered_poor_households"].to_numpy(float),
            "minutes": ranked[f"travel_min_{mode}"].to_numpy(float),
            "travel_gap": travel.loc[order].to_numpy(float),
            "gap_score": ranked["gap_score"].to_numpy(float),
            "lat": where["lat"].to_numpy(),
            "lon": where["lon"].to_numpy(),
        }
    )


def travel_gap_scores(
    settlements: pd.DataFrame, *, settings: GapSettings | None = None
) -> pd.Series:
    """The travel part of each settlement's gap score (PKR 000), same index.

    ``unregistered_poor x (burden_pkr - door_pkr) / 1000`` where ``door_pkr`` is what a
    household living at the centre's door pays (``visits x min(1, wait_h / work_day_h) x
    wage_pkr_per_day``): zero at the door, NaN where the gap score is unknown.
    """
    s = settings or GapSettings()
    door_pkr = s.visits * min(1.0, s.wait_h / s.work_day_h) * s.wage_pkr_per_day
    burden = settlements["burden_pkr"].astype(float)
    extra = (burden - door_pkr).clip(lower=0.0)
    return settlements["unregistered_poor_households"].astype(float) * extra / 1000.0


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
