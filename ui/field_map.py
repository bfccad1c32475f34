"""The Field plans map: the villages of a field calendar, one colour per van or team.

Presentation only (the colours are :func:`ui.van_map.van_colour`'s, so van 1 has the same
colour on the Plan vans and Field plans pages); the building blocks are in
:mod:`ui.map_layers`.
"""

from __future__ import annotations

import re

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from ui.map_layers import base_map, centres_layer, finish_map, points_layer
from ui.van_map import van_colour

__all__ = ["field_map", "team_number"]


def field_map(
    calendar: pd.DataFrame,
    *,
    centres: gpd.GeoDataFrame,
    settlements: gpd.GeoDataFrame,
) -> folium.Map:
    """The villages of ``calendar`` coloured by team, each team's days as dashed lines.

    Parameters
    ----------
    calendar
        A field calendar (:func:`scenarios.field.field_calendar`: ``date``, ``team``,
        ``settlement``, ``settlement_ur``, ``unit_name``, ``arrive``, ``households``,
        ``lon``, ``lat``), already filtered to what is shown.
    centres
        The existing centres (the vans' depots).
    settlements
        All settlements (drawn small and grey; the map fits them).
    """
    m = base_map(settlements)
    points_layer(
        settlements,
        ["#d9d9d9"] * len(settlements),
        name="Settlements",
        fields=["name", "union_council", "households"],
        aliases=["Settlement", "Union council", "Households"],
        scale=np.full(len(settlements), 0.6),
    ).add_to(m)
    teams = sorted(set(calendar["team"].astype(str)), key=team_number)
    for team in teams:
        _team_lines(calendar[calendar["team"].astype(str) == team], team).add_to(m)
    villages = _villages(calendar)
    if len(villages):
        points_layer(
            villages,
            [van_colour(team_number(t)) for t in villages["first_team"]],
            name="Visits",
            fields=["settlement", "settlement_ur", "when", "unit_name", "households"],
            aliases=["Village", "Urdu name", "Who comes when", "Union council", "Households"],
            scale=np.full(len(villages), 1.4),
        ).add_to(m)
    centres_layer(centres, name="Existing centres", colour="#08306b").add_to(m)
    legend = [
        ("Vans or teams", [(van_colour(team_number(t)), t.capitalize()) for t in teams]),
        ("Centres", [("#08306b", "existing centre (square)")]),
    ]
    finish_map(m, legend, bounds=[float(v) for v in settlements.total_bounds])
    return m


def team_number(team: str) -> int:
    """The number in a team label (``"van 3"`` -> 3; 1 when there is none).

    Examples
    --------
    >>> team_number("team 12"), team_number("van")
    (12, 1)
    """
    found = re.search(r"(\d+)", str(team))
    return int(found.group(1)) if found else 1


# ---------------------------------------------------------------------------------------


def _villages(calendar: pd.DataFrame) -> gpd.GeoDataFrame:
    """One point per village: who comes when ("Van 1: Mon 4 Jan, Mon 1 Feb")."""
    rows = []
    for _, g in calendar.groupby(["lon", "lat"], sort=False):
        g = g.sort_values(["date", "arrive"])
        when = "; ".join(
            f"{str(r.team).capitalize()}: {_day(str(r.date))} {r.arrive}"
            for r in g.itertuples(index=False)
        )
        first = g.iloc[0]
        rows.append(
            {
                "settlement": str(first["settlement"]),
                "settlement_ur": str(first["settlement_ur"]),
                "unit_name": str(first["unit_name"]),
                "households": float(first["households"]),
                "when": when,
                "first_team": str(first["team"]),
                "lon": float(first["lon"]),
                "lat": float(first["lat"]),
            }
        )
    table = pd.DataFrame(rows)
    if table.empty:
        return gpd.GeoDataFrame(table, geometry=[], crs="EPSG:4326")
    return gpd.GeoDataFrame(
        table, geometry=gpd.points_from_xy(table["lon"], table["lat"]), crs="EPSG:4326"
    )


def _team_lines(visits: pd.DataFrame, team: str) -> folium.FeatureGroup:
    """One dashed straight line per team-day through its villages in order of arrival."""
    colour = van_colour(team_number(team))
    fg = folium.FeatureGroup(name=f"{team.capitalize()} days")
    for day, g in visits.sort_values(["date", "arrive"]).groupby("date"):
        pts = list(zip(g["lat"].astype(float), g["lon"].astype(float), strict=True))
        if len(pts) < 2:
            continue
        folium.PolyLine(  # type: ignore[no-untyped-call]  # folium is untyped
            pts,
            color=colour,
            weight=2.5,
            opacity=0.8,
            dash_array="6 4",
            tooltip=f"{team.capitalize()}, {_day(str(day))}",
        ).add_to(fg)
    return fg


def _day(iso: str) -> str:
    """``2027-01-04`` -> ``Mon 4 Jan``."""
    d = pd.Timestamp(iso)
    return f"{d.strftime('%a')} {d.day} {d.strftime('%b')}"
