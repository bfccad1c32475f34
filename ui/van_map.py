"""The Plan vans map: one layer and one colour per van, halts saying which van comes when.

Presentation only; the building blocks are in :mod:`ui.map_layers`.
"""

from __future__ import annotations

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from ui.formatting import duration_text
from ui.map_layers import base_map, centres_layer, finish_map, points_layer

__all__ = ["DROPPED_COLOUR", "VAN_PALETTE", "van_colour", "vans_map"]

#: Halts no van visits.
DROPPED_COLOUR = "#e31a1c"
#: One colour per van, none of them red (red is for halts no van visits).
VAN_PALETTE: tuple[str, ...] = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#393b79",
    "#7f7f7f",
)


def vans_map(
    halts: gpd.GeoDataFrame,
    *,
    legs: gpd.GeoDataFrame,
    centres: gpd.GeoDataFrame,
    settlements: gpd.GeoDataFrame,
    visits: pd.DataFrame,
    day_labels: dict[int, str] | None = None,
    show_dropped: bool = True,
) -> folium.Map:
    """Van halts, the road legs driven (one layer and one colour per van) and the depots.

    Parameters
    ----------
    halts
        The plan's halts (``halt``, ``status``, ...), already filtered to what is shown.
    legs
        :func:`scenarios.routing.leg_lines` (``van``, ``day``, 1-based), already filtered.
    centres
        The depots.
    settlements
        All settlements (drawn small and grey; the map fits them).
    visits
        ``halt``, ``van``, ``day`` (1-based): who visits each halt when (popups and colours).
    day_labels
        Day number -> label (``"Mon 7 Dec"``) for popups.
    show_dropped
        Draw the halts no van visits (red).
    """
    m = base_map(settlements)
    points_layer(
        settlements.assign(households=settlements["households"]),
        ["#d9d9d9"] * len(settlements),
        name="Settlements",
        fields=["name", "union_council", "households"],
        aliases=["Settlement", "Union council", "Households"],
        scale=np.full(len(settlements), 0.6),
    ).add_to(m)
    vans = sorted({int(v) for v in legs["van"]} | {int(v) for v in visits["van"]})
    for van in vans:
        _van_route_layer(legs[legs["van"] == van], van, day_labels or {}).add_to(m)
    when = _visit_text(visits, day_labels or {})
    first_van = visits.groupby("halt")["van"].min() if len(visits) else pd.Series(dtype=int)
    status = halts["status"].astype(str)
    visited = status.eq("visited").to_numpy() & halts["halt"].isin(when.index).to_numpy()
    keep = visited | (show_dropped & ~status.eq("visited").to_numpy())
    shown = halts[keep]
    colours = [
        van_colour(int(first_van[h])) if ok else DROPPED_COLOUR
        for h, ok in zip(shown["halt"], visited[keep], strict=True)
    ]
    points_layer(
        shown.assign(
            households=shown["households_served"],
            expected=shown["expected_registrations"].round(0),
            visited_by=[when.get(h, "not visited") for h in shown["halt"]],
            on_site=[duration_text(v) for v in shown["dwell_min"].to_numpy(float)],
        ),
        colours,
        name="Halts",
        fields=["name", "visited_by", "households", "expected", "on_site", "union_council"],
        aliases=[
            "Halt",
            "Van and day",
            "Households served",
            "Expected registrations",
            "Time on site",
            "Union council",
        ],
        scale=np.full(len(shown), 1.4),
    ).add_to(m)
    centres_layer(centres, name="Depots (existing centres)", colour="#08306b").add_to(m)
    legend = [
        ("Vans (route and halts)", [(van_colour(v), f"Van {v}") for v in vans]),
        ("Halts", [(DROPPED_COLOUR, "not visited (see the halts table)")] if show_dropped else []),
        ("Centres", [("#08306b", "depot (square)")]),
    ]
    finish_map(m, legend, bounds=[float(v) for v in settlements.total_bounds])
    return m


def van_colour(van: int) -> str:
    """Colour of van ``van`` (1-based): distinct from each other and from the dropped red."""
    return VAN_PALETTE[(int(van) - 1) % len(VAN_PALETTE)]


# ---------------------------------------------------------------------------------------


def _van_route_layer(
    legs: gpd.GeoDataFrame, van: int, day_labels: dict[int, str]
) -> folium.GeoJson:
    colour = van_colour(van)
    data = gpd.GeoDataFrame(
        {
            "van": [f"Van {van}"] * len(legs),
            "day": [day_labels.get(int(d), f"day {int(d)}") for d in legs["day"]],
        },
        geometry=legs.geometry.to_numpy(),
        crs=legs.crs or "EPSG:4326",
    )
    return folium.GeoJson(
        data,
        name=f"Van {van} route",
        style_function=lambda _f: {"color": colour, "weight": 3.0, "opacity": 0.9},
        tooltip=folium.GeoJsonTooltip(fields=["van", "day"], aliases=["Van", "Day"]),
    )


def _visit_text(visits: pd.DataFrame, day_labels: dict[int, str]) -> pd.Series:
    """Per halt: "Van 2: Mon 7 Dec, Tue 8 Dec" (several vans joined by "; ")."""
    if not len(visits):
        return pd.Series(dtype=str)
    out: dict[int, str] = {}
    rows = visits.sort_values(["van", "day"])
    for halt in dict.fromkeys(rows["halt"].astype(int).tolist()):
        g = rows[rows["halt"] == halt]
        parts = []
        for van in sorted(set(g["van"].astype(int).tolist())):
            gv = g[g["van"] == van]
            days = ", ".join(day_labels.get(d, f"day {d}") for d in gv["day"].astype(int))
            parts.append(f"Van {van}: {days}")
        out[halt] = "; ".join(parts)
    return pd.Series(out, dtype=str)
