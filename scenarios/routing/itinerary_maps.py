"""Context maps of an itinerary: each van's days on the region's roads and villages.

:func:`van_map_svg` draws one van's routes (one colour per day, along the roads where known)
and its numbered halts on an offline base map of the region (:mod:`geodata.static_map`:
roads by class, boundaries, labelled places, scale bar, north arrow), fitted to the van's
routes. The SVG keeps its text as text, so place names print sharp and stay searchable.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from geodata.static_map import MapLayers, draw_base_map, places_only
from scenarios.routing.campaign_results import VanDay
from scenarios.routing.itinerary_tables import Legs, day_coords, location_point

__all__ = ["DAY_COLOURS", "van_map_svg"]

#: Route colour of each day of a van (cycled).
DAY_COLOURS = (
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e",
    "#17becf", "#8c564b", "#e377c2", "#bcbd22", "#7f7f7f",
)  # fmt: skip


def van_map_svg(
    van_days: Sequence[VanDay],
    table: pd.DataFrame,
    legs: Legs,
    *,
    base_map: MapLayers | None = None,
    dates: Sequence[date] | None = None,
    title: str = "",
) -> str:
    """SVG map of one van's days: routes by day, halts labelled, on the region's base map.

    Parameters
    ----------
    van_days
        The van's van-days with visits.
    table
        Checked location table (see :func:`~scenarios.routing.itinerary_tables.check_locations`).
    legs
        Road geometry per leg, else straight lines.
    base_map
        The region's layers (:func:`geodata.static_map.map_layers`); default the itinerary's
        own locations only (no roads or boundaries).
    dates
        Date of each plan day (the legend names them).
    title
        Map title.

    Returns
    -------
    str
        An ``<svg>`` element.
    """
    layers = base_map or places_only(
        table["lon"].to_numpy(float),
        table["lat"].to_numpy(float),
        table["name"].astype(str).tolist(),
        pd.to_numeric(table["expected_registrations"]).to_numpy(float),
    )
    paths = [np.asarray(day_coords(vd, table, legs)) for vd in van_days]
    allxy = np.vstack(paths) if paths else np.zeros((1, 2))
    pad_x = max(float(np.ptp(allxy[:, 0])) * 0.05, 0.01)
    pad_y = max(float(np.ptp(allxy[:, 1])) * 0.05, 0.01)
    bounds = (
        float(allxy[:, 0].min()) - pad_x,
        float(allxy[:, 1].min()) - pad_y,
        float(allxy[:, 0].max()) + pad_x,
        float(allxy[:, 1].max()) + pad_y,
    )
    canvas = draw_base_map(layers, bounds=bounds, size_in=(7.4, 5.4), title=title, label_places=8)
    ax = canvas.ax
    handles = []
    for vd, xy in zip(van_days, paths, strict=True):
        colour = DAY_COLOURS[vd.day % len(DAY_COLOURS)]
        ax.plot(xy[:, 0], xy[:, 1], "-", color=colour, lw=2.4, alpha=0.85, zorder=8)
        when = f" ({dates[vd.day].strftime('%a %d %b')})" if dates is not None else ""
        handles.append(Line2D([], [], color=colour, lw=2.4, label=f"day {vd.day + 1}{when}"))
    starts = {vd.start_location for vd in van_days}
    for loc in starts:
        x, y = location_point(loc, table)
        ax.plot([x], [y], "s", color="black", ms=7, zorder=12)
    for vd in van_days:
        colour = DAY_COLOURS[vd.day % len(DAY_COLOURS)]
        xs, ys, texts = [], [], []
        for k, v in enumerate(vd.visits, start=1):
            x, y = location_point(v.halt, table)
            xs.append(x)
            ys.append(y)
            texts.append(f"{vd.day + 1}.{k} {table.loc[v.halt, 'name']!s}")
        ax.scatter(xs, ys, s=42, c=colour, edgecolors="white", linewidths=0.8, zorder=13)
        canvas.label(xs, ys, texts, fontsize=7.2, weight="bold", colour=colour, always=True)
    if handles:
        roads_legend = ax.get_legend()
        ax.legend(handles=handles, fontsize=6.5, loc="upper left", framealpha=0.85)
        if roads_legend is not None:
            ax.add_artist(roads_legend)
    return canvas.svg()
