"""Itinerary tables of a campaign plan: stops of a van-day, visit lists and leg geometry.

The tables behind every itinerary view: :func:`van_day_table` (one van-day, start to end, as
in the CSV/XLSX/HTML/PDF files), :func:`visit_table` (every visit of the campaign, as in the
app), :func:`leg_lines` (driven legs as lines for a map), :func:`van_day_stops` (the one rule
for the locations a van-day passes) and :func:`visit_registrations` (the one rule that splits
a multi-day halt's expected registrations over its days, so rows sum to the plan). Locations
are given by a table with the columns :data:`REQUIRED_COLUMNS` (see :func:`check_locations`).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Geod
from shapely.geometry import LineString

from geodata.errors import Problem, SchemaError
from scenarios.routing.campaign_results import CampaignPlan, HaltVisit, VanDay
from scenarios.routing.options import hhmm

__all__ = [
    "REQUIRED_COLUMNS",
    "TABLE_COLUMNS",
    "VISIT_COLUMNS",
    "check_locations",
    "day_coords",
    "leg_km",
    "leg_line",
    "leg_lines",
    "location_point",
    "urdu_name",
    "van_day_label",
    "van_day_stops",
    "van_day_table",
    "visit_registrations",
    "visit_table",
    "women_session",
]

#: Columns the location table must have (``name_ur`` is optional).
REQUIRED_COLUMNS = ("halt", "name", "union_council", "lon", "lat", "expected_registrations")

#: Columns of :func:`van_day_table`.
TABLE_COLUMNS = (
    "date",
    "weekday",
    "order",
    "kind",
    "halt",
    "settlement",
    "settlement_ur",
    "union_council",
    "arrival",
    "departure",
    "dwell_min",
    "part",
    "expected_registrations",
    "women_session",
    "drive_min_to_next",
    "km_to_next",
)

#: Columns of :func:`visit_table`.
VISIT_COLUMNS = (
    "van",
    "day",
    "date",
    "order",
    "halt",
    "arrival",
    "departure",
    "dwell_min",
    "drive_min",
    "expected_registrations",
    "women_session",
)

_GEOD = Geod(ellps="WGS84")

Legs = Mapping[tuple[int, int], LineString]


def van_day_stops(van_day: VanDay) -> list[int]:
    """Locations a van-day passes, in order: start, each visit, then the end location.

    The end is left out when the day ends at its last halt (overnight there: no closing leg).

    Parameters
    ----------
    van_day
        The van-day.

    Returns
    -------
    list of int
        Location indices.

    Examples
    --------
    >>> from scenarios.routing import HaltVisit, VanDay
    >>> visit = HaltVisit(halt=3, arrival_min=520, departure_min=700, dwell_min=180, drive_min=40)
    >>> van_day_stops(VanDay(0, 0, 0, 0, 0, 480, 740, (visit,), 80))
    [0, 3, 0]
    >>> van_day_stops(VanDay(0, 0, 0, 0, 3, 480, 700, (visit,), 40))
    [0, 3]
    """
    stops = [van_day.start_location, *(v.halt for v in van_day.visits), van_day.end_location]
    if van_day.visits and van_day.end_location == stops[-2]:
        stops = stops[:-1]
    return stops


def van_day_table(
    plan: CampaignPlan,
    van_day: VanDay,
    locations: pd.DataFrame,
    *,
    leg_geometries: Legs | None = None,
    dates: Sequence[date] | None = None,
    women_share: float = 0.0,
) -> pd.DataFrame:
    """Itinerary table of one van-day: start, each visit, end.

    Every row carries the date (when ``dates`` are given); a visit row carries its share of
    the halt's expected registrations (see :func:`visit_registrations`) and the women-only
    session (see :func:`women_session`).

    Parameters
    ----------
    plan
        The campaign plan (for its working hours).
    van_day
        The van-day.
    locations
        Location table (see :func:`check_locations`), indexed or not by ``halt``.
    leg_geometries
        Road geometry per leg, else straight lines.
    dates
        Date of each plan day; ``None``: the date columns are blank.
    women_share
        Share of each visit's desk time held as a women-only session (0: none).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TABLE_COLUMNS`; times as ``HH:MM``, dates ``YYYY-MM-DD``.

    Raises
    ------
    SchemaError
        When a location of the van-day is missing from ``locations``.
    """
    table = check_locations(plan, locations)
    legs = dict(leg_geometries or {})
    stops = van_day_stops(van_day)
    next_drive = [v.drive_min for v in van_day.visits] + [van_day.return_drive_min]
    regs = visit_registrations(plan, table)
    when = dates[van_day.day] if dates is not None else None
    brk = plan.breaks_on(van_day.day)
    rows = []
    for k in range(len(stops)):
        row = _table_row(van_day, k, stops, next_drive, table, legs)
        visit = van_day.visits[k - 1] if 0 < k <= len(van_day.visits) else None
        row["date"] = when.isoformat() if when else ""
        row["weekday"] = when.strftime("%a") if when else ""
        row["expected_registrations"] = regs[(visit.halt, visit.part)] if visit else 0
        row["women_session"] = women_session(visit, women_share, brk) if visit else ""
        rows.append(row)
    return pd.DataFrame(rows, columns=list(TABLE_COLUMNS))


def visit_registrations(plan: CampaignPlan, locations: pd.DataFrame) -> dict[tuple[int, int], int]:
    """Expected registrations of each day-visit ``(halt, part)``, never counted twice.

    An ordinary halt's visit gets all of its expected registrations; a multi-day halt's are
    split over its day-visits in proportion to the minutes worked there each day (largest
    remainders, so the parts are whole numbers summing to the halt's figure).

    Parameters
    ----------
    plan
        The campaign plan.
    locations
        Location table with ``halt`` (column or index) and ``expected_registrations``.

    Returns
    -------
    dict
        ``(halt, part) -> registrations``; the values sum to the registrations of the
        distinct halts visited.

    Examples
    --------
    >>> from scenarios.routing import CampaignPlan, HaltVisit, VanDay
    >>> days = [VanDay(0, d, 0, 0, 0, 480, 900, (HaltVisit(1, 500, 880, m, 20, d + 1, 2),), 40)
    ...         for d, m in enumerate((300, 100))]
    >>> plan = CampaignPlan(tuple(days), (), (0,), 2, 480, 960, (), None, 80, 0, 0.0)
    >>> locs = pd.DataFrame({"halt": [0, 1], "expected_registrations": [0, 41]})
    >>> visit_registrations(plan, locs)
    {(1, 1): 31, (1, 2): 10}
    """
    table = locations.set_index("halt") if "halt" in locations.columns else locations
    minutes: dict[int, dict[int, int]] = {}
    for vd in plan.van_days:
        for v in vd.visits:
            minutes.setdefault(v.halt, {})[v.part] = v.dwell_min
    expected = pd.to_numeric(table["expected_registrations"])
    out: dict[tuple[int, int], int] = {}
    for halt, parts in minutes.items():
        total = int(expected.loc[halt])
        weights = np.array([parts[p] for p in sorted(parts)], dtype=float)
        if weights.sum() <= 0:
            weights = np.ones_like(weights)
        exact = total * weights / weights.sum()
        whole = np.floor(exact).astype(int)
        order = np.argsort(-(exact - whole), kind="stable")[: total - int(whole.sum())]
        whole[order] += 1
        out.update({(halt, p): int(n) for p, n in zip(sorted(parts), whole, strict=True)})
    return out


def women_session(visit: HaltVisit, share: float, breaks: Sequence[tuple[int, int]]) -> str:
    """The women-only session of a visit: its first ``share`` of desk time, ``HH:MM-HH:MM``.

    Breaks inside the visit pause the session; ``""`` when ``share`` is 0.

    Examples
    --------
    >>> from scenarios.routing import HaltVisit
    >>> women_session(HaltVisit(1, 720, 900, 150, 30), 0.6, [(780, 810)])
    '12:00-14:00'
    """
    if share <= 0 or visit.dwell_min <= 0:
        return ""
    t, left = visit.arrival_min, round(share * visit.dwell_min)
    for s, e in sorted(breaks):
        if t >= e:
            continue
        if t < s:
            take = min(left, s - t)
            t, left = t + take, left - take
        if left == 0:
            break
        t = max(t, e)
    return f"{hhmm(visit.arrival_min)}-{hhmm(t + left)}"


def visit_table(
    plan: CampaignPlan,
    locations: pd.DataFrame,
    *,
    dates: Sequence[date] | None = None,
    women_share: float = 0.0,
) -> pd.DataFrame:
    """One row per visit of the campaign, van by van and day by day (the app's itinerary).

    Parameters
    ----------
    plan
        The campaign plan.
    locations
        Location table with ``halt`` (location index), ``name`` and
        ``expected_registrations``.
    dates
        Date of each plan day; ``None``: blank dates.
    women_share
        Share of each visit's desk time held as a women-only session.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`VISIT_COLUMNS`: van and day (1-based), date, order of the visit in the
        day (1-based), halt name, arrival and departure (``HH:MM``), dwell and driving
        minutes from the previous location, the visit's expected registrations (see
        :func:`visit_registrations`) and the women-only session.
    """
    names = locations.set_index("halt")["name"]
    regs = visit_registrations(plan, locations)
    rows = [
        {
            "van": vd.van + 1,
            "day": vd.day + 1,
            "date": dates[vd.day].isoformat() if dates is not None else "",
            "order": i,
            "halt": names.loc[v.halt],
            "arrival": hhmm(v.arrival_min),
            "departure": hhmm(v.departure_min),
            "dwell_min": v.dwell_min,
            "drive_min": v.drive_min,
            "expected_registrations": regs[(v.halt, v.part)],
            "women_session": women_session(v, women_share, plan.breaks_on(vd.day)),
        }
        for vd in plan.van_days
        for i, v in enumerate(vd.visits, start=1)
    ]
    return pd.DataFrame(rows, columns=list(VISIT_COLUMNS))


def leg_lines(plan: CampaignPlan, leg_geometries: Legs) -> gpd.GeoDataFrame:
    """Road legs of every van-day as lines tagged with van and day (1-based), EPSG:4326.

    Parameters
    ----------
    plan
        The campaign plan.
    leg_geometries
        Road geometry per leg ``(from_location, to_location)``; legs without one are left out.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``van``, ``day`` and the line geometry.
    """
    rows = [
        {"van": vd.van + 1, "day": vd.day + 1, "geometry": geom}
        for vd in plan.van_days
        for a, b in itertools.pairwise(van_day_stops(vd))
        if (geom := leg_geometries.get((a, b))) is not None
    ]
    if not rows:
        return gpd.GeoDataFrame({"van": [], "day": []}, geometry=[], crs="EPSG:4326")
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def check_locations(plan: CampaignPlan, locations: pd.DataFrame) -> pd.DataFrame:
    """Check a location table against a plan; return it indexed by ``halt``.

    Parameters
    ----------
    plan
        The campaign plan.
    locations
        One row per location index used in the plan, depots included, with the columns
        :data:`REQUIRED_COLUMNS` (``halt`` is the location index, ``lon``/``lat`` in
        EPSG:4326) and optionally ``name_ur`` (Urdu name); ``halt`` may be the index.

    Returns
    -------
    pandas.DataFrame
        The table indexed by ``halt`` (the column kept).

    Raises
    ------
    SchemaError
        When columns or location indices are missing, indices repeat or coordinates are
        missing or out of range (all problems listed).
    """
    problems: list[Problem] = []
    missing = [c for c in REQUIRED_COLUMNS if c not in locations.columns]
    if "halt" in missing and locations.index.name == "halt":
        missing.remove("halt")
        locations = locations.reset_index()
    for c in missing:
        problems.append(Problem("required column is missing", source="locations", column=c))
    if problems:
        raise SchemaError(problems, source="locations")
    table = locations.set_index("halt", drop=False)
    if table.index.has_duplicates:
        dup = table.index[table.index.duplicated()].tolist()[:5]
        problems.append(Problem(f"duplicate location indices {dup}", column="halt"))
    needed = set(plan.van_depots) | {
        x for vd in plan.van_days if vd.visits for x in (vd.start_location, vd.end_location)
    }
    needed |= plan.visited_halts
    absent = sorted(needed - set(table.index.tolist()))
    if absent:
        problems.append(
            Problem(f"locations used by the plan are missing: {absent[:10]}", column="halt")
        )
    lon = pd.to_numeric(table["lon"], errors="coerce")
    lat = pd.to_numeric(table["lat"], errors="coerce")
    bad = table.index[~(lon.between(-180, 180) & lat.between(-90, 90))].tolist()
    if bad:
        problems.append(
            Problem(f"lon/lat missing or out of range (EPSG:4326) at {bad[:10]}", column="lon")
        )
    if problems:
        raise SchemaError(problems, source="locations")
    return table


def urdu_name(rec: Any) -> str:
    """The Urdu name of a location record, ``""`` when it has none."""
    value = rec.get("name_ur")
    if value is None or (isinstance(value, float) and np.isnan(value)) or pd.isna(value):
        return ""
    return str(value)


def van_day_label(vd: VanDay, dates: Sequence[date] | None) -> str:
    """``"Van 1, day 2"``, with the date (``"Van 1, day 2 (Tue 2027-01-05)"``) when known."""
    text = f"Van {vd.van + 1}, day {vd.day + 1}"
    if dates is not None:
        text += f" ({dates[vd.day].strftime('%a')} {dates[vd.day].isoformat()})"
    return text


def location_point(loc: int, table: pd.DataFrame) -> tuple[float, float]:
    """``(lon, lat)`` of a location of a checked table (see :func:`check_locations`)."""
    rec: Any = table.loc[loc]
    return float(rec["lon"]), float(rec["lat"])


def leg_line(a: int, b: int, table: pd.DataFrame, legs: Legs) -> LineString:
    """Road geometry of the leg ``a -> b``, else a straight line."""
    line = legs.get((a, b))
    if line is not None and not line.is_empty:
        return line
    return LineString([location_point(a, table), location_point(b, table)])


def leg_km(a: int, b: int, table: pd.DataFrame, legs: Legs) -> float:
    """Length of the leg ``a -> b`` in km on the WGS84 ellipsoid (0 when ``a == b``)."""
    if a == b:
        return 0.0
    return float(_GEOD.geometry_length(leg_line(a, b, table, legs))) / 1000.0


def day_coords(vd: VanDay, table: pd.DataFrame, legs: Legs) -> list[tuple[float, float]]:
    """``(lon, lat)`` of the whole path of a van-day, along the roads where known."""
    path = van_day_stops(vd)
    coords: list[tuple[float, float]] = [location_point(path[0], table)]
    for a, b in itertools.pairwise(path):
        if a == b:
            continue
        coords.extend((c[0], c[1]) for c in leg_line(a, b, table, legs).coords[1:])
    return coords


# --------------------------------------------------------------------------------------------
# Private helpers
# --------------------------------------------------------------------------------------------


def _table_row(
    van_day: VanDay,
    k: int,
    stops: list[int],
    next_drive: list[int],
    table: pd.DataFrame,
    legs: Legs,
) -> dict[str, Any]:
    loc = stops[k]
    rec: Any = table.loc[loc]
    arr: int | None
    dep: int | None
    if k == 0:
        kind, arr, dep, dwell, part = "start", None, van_day.start_min, 0, ""
    elif k <= len(van_day.visits):
        v = van_day.visits[k - 1]
        kind, arr, dep, dwell = "visit", v.arrival_min, v.departure_min, v.dwell_min
        part = f"{v.part}/{v.parts}" if v.parts > 1 else ""
    else:
        kind, arr, dep, dwell, part = "end", van_day.end_min, None, 0, ""
    has_next = k + 1 < len(stops)
    return {
        "order": k,
        "kind": kind,
        "halt": int(loc),
        "settlement": str(rec["name"]),
        "settlement_ur": urdu_name(rec),
        "union_council": str(rec["union_council"]),
        "arrival": hhmm(arr),
        "departure": hhmm(dep),
        "dwell_min": int(dwell),
        "part": part,
        "drive_min_to_next": int(next_drive[k]) if has_next else None,
        "km_to_next": round(leg_km(loc, stops[k + 1], table, legs), 1) if has_next else None,
    }
