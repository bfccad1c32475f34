"""Folium maps of the app's pages (presentation only: colours, layers, legends, tooltips).

The maps work offline; their building blocks (base map, points, centres, legend) are in
:mod:`ui.map_layers`.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from ui.map_layers import HtmlPopup, base_map, centres_layer, finish_map, points_layer

__all__ = [
    "GAP_COLOURS",
    "MAP_HEIGHT_PX",
    "TIME_BANDS",
    "ExploreLayers",
    "change_map",
    "explore_map",
    "placement_map",
    "time_class",
]

#: Height of the app's main maps (pixels): the Explore map fits a 1366x768 laptop's window.
MAP_HEIGHT_PX = 500
#: Centre status in a scenario's ``centres.geojson``: (status, colour, legend label).
CENTRE_STATUS: tuple[tuple[str, str, str], ...] = (
    ("existing", "#08306b", "existing centre"),
    ("placed", "#ff7f0e", "new centre (placed)"),
    ("added", "#d95f02", "new centre (added by hand)"),
)

#: Travel-time classes (upper bounds, minutes) and their colours, fastest first.
TIME_BANDS: tuple[tuple[float, str, str], ...] = (
    (30, "#1a9850", "under 30 min"),
    (60, "#91cf60", "30-60 min"),
    (120, "#fee08b", "1-2 h"),
    (240, "#fc8d59", "2-4 h"),
    (np.inf, "#d73027", "over 4 h"),
)
UNREACHABLE = ("#636363", "unreachable")
#: Gap-score quintile colours, smallest gap first.
GAP_COLOURS: tuple[str, ...] = ("#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000")
COVERAGE_CLASSES: tuple[tuple[float, str, str], ...] = (
    (0.70, "#f2f0f7", "under 70% registered"),
    (0.80, "#cbc9e2", "70-80%"),
    (0.90, "#9e9ac8", "80-90%"),
    (np.inf, "#6a51a3", "over 90%"),
)
ROAD_STYLE: dict[str, tuple[str, float]] = {
    "motorway": ("#7f2704", 4.0),
    "trunk": ("#a63603", 3.5),
    "primary": ("#d94801", 3.0),
    "secondary": ("#f16913", 2.2),
    "tertiary": ("#6b6b6b", 1.4),
    "unclassified": ("#9e9e9e", 1.0),
    "residential": ("#9e9e9e", 1.0),
    "track": ("#b07d48", 1.0),
}
BAND_FILL: dict[float, str] = {30: "#2171b5", 60: "#6baed6", 120: "#c6dbef"}
SITE_PALETTE: tuple[str, ...] = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#7f7f7f",
)


@dataclass(frozen=True)
class ExploreLayers:
    """What the Explore map shows."""

    mode: str = "motorbike"
    colour_by: str = "travel"  # "travel" or "gap"
    show_isochrones: bool = False
    all_roads: bool = False


def time_class(minutes: float) -> tuple[str, str]:
    """Colour and label of a travel time in minutes (NaN = unreachable)."""
    if not np.isfinite(minutes):
        return UNREACHABLE
    for upper, colour, label in TIME_BANDS:
        if minutes < upper:
            return colour, label
    return UNREACHABLE  # pragma: no cover


def explore_map(
    settlements: gpd.GeoDataFrame,
    *,
    layers: ExploreLayers,
    centres: gpd.GeoDataFrame,
    units: gpd.GeoDataFrame | None,
    roads: gpd.GeoDataFrame,
    isochrones: gpd.GeoDataFrame | None = None,
    highlight: pd.Series | None = None,
) -> folium.Map:
    """The Explore map: coverage by union council, roads, bands, settlements, centres.

    ``settlements`` are the gap analysis rows to draw (already filtered); ``units`` the
    union-council polygons joined to their aggregates (``coverage_share`` ...).
    """
    m = base_map(settlements if len(settlements) else centres)
    legend: list[tuple[str, list[tuple[str, str]]]] = []
    if units is not None and len(units):
        _coverage_layer(units).add_to(m)
        legend.append(("Registered households (UC)", [(c, t) for _, c, t in COVERAGE_CLASSES]))
    _roads_layer(roads).add_to(m)
    legend.append(
        (
            "Roads",
            [(ROAD_STYLE[c][0], c) for c in ROAD_STYLE if c in set(roads["highway"].tolist())],
        )
    )
    if isochrones is not None and len(isochrones):
        _bands_layer(isochrones, layers.mode).add_to(m)
        legend.append((f"Reach of existing centres ({layers.mode})", _band_legend(isochrones)))
    mode = layers.mode
    tcol = f"travel_min_{mode}"
    use_gap = layers.colour_by == "gap" and settlements["gap_score"].notna().any()
    if use_gap:
        colours, items = _gap_colours(settlements["gap_score"])
        title = "Settlements: gap score (quintiles)"
    else:
        colours = [time_class(v)[0] for v in settlements[tcol].to_numpy(float)]
        items = [(c, t) for _, c, t in TIME_BANDS] + [UNREACHABLE]
        title = f"Settlements: time to nearest centre ({mode})"
    _settlements_layer(settlements, colours, mode=mode, name=title).add_to(m)
    legend.append((title, items))
    centres_layer(centres, name="Existing registration centres", colour="#08306b").add_to(m)
    legend.append(("Centres", [("#08306b", "existing centre (square)")]))
    if highlight is not None:
        folium.CircleMarker(
            [float(highlight["lat"]), float(highlight["lon"])],
            radius=14,
            color="#000000",
            weight=3,
            fill=False,
            tooltip=html.escape(str(highlight["name"])),
        ).add_to(m)
    finish_map(m, legend, bounds=_bounds(settlements if len(settlements) else centres))
    return m


def placement_map(
    settlements: gpd.GeoDataFrame,
    *,
    after: pd.DataFrame,
    sites: gpd.GeoDataFrame,
    centres: gpd.GeoDataFrame,
    within_min: float,
    units: gpd.GeoDataFrame | None = None,
) -> folium.Map:
    """Proposed sites with their catchments.

    A settlement belongs to a new site's catchment when, with the new sites open, that
    site is its nearest and is within ``within_min`` (``after`` is the plan's
    ``settlements_after``). Other settlements are drawn small and grey.
    """
    m = base_map(settlements, width_px=620)
    if units is not None and len(units):
        folium.GeoJson(
            units[["union_council", "geometry"]],
            name="Union councils",
            style_function=lambda _f: {"color": "#888888", "weight": 0.8, "fillOpacity": 0.0},
            tooltip=folium.GeoJsonTooltip(fields=["union_council"], aliases=["UC"]),
        ).add_to(m)
    site_ids = sites["centre_id"].astype(str).tolist()
    palette = {sid: SITE_PALETTE[i % len(SITE_PALETTE)] for i, sid in enumerate(site_ids)}
    nearest = after["centre_id"].astype("string").fillna("").to_numpy()
    t = after["travel_min"].to_numpy(float)
    inside = np.isin(nearest, site_ids) & np.isfinite(t) & (t <= within_min)
    colours = [palette[c] if ok else "#bdbdbd" for c, ok in zip(nearest, inside, strict=True)]
    pts = settlements.assign(
        new_centre=np.where(inside, nearest, "-"), travel_after_min=np.round(t, 1)
    )
    points_layer(
        pts,
        colours,
        name=f"Settlements (coloured: within {within_min:g} min of a new centre)",
        fields=["name", "union_council", "households", "new_centre", "travel_after_min"],
        aliases=["Settlement", "Union council", "Households", "New centre", "Minutes after"],
        scale=np.where(inside, 1.0, 0.6),
    ).add_to(m)
    centres_layer(centres, name="Existing centres", colour="#08306b").add_to(m)
    fg = folium.FeatureGroup(name="Proposed new centres")
    for _, row in sites.iterrows():
        sid = str(row["centre_id"])
        label = int(row["order"])
        popup = (
            f"<b>{html.escape(str(row['name']))}</b> ({html.escape(sid)})<br>"
            f"order {label}<br>gain at entry {row['gain_at_entry']:,.0f}<br>"
            f"households within {row['households_within']:,.0f}"
        )
        folium.Marker(
            [row.geometry.y, row.geometry.x],
            icon=folium.DivIcon(
                html=(
                    f'<div style="background:{palette[sid]};color:#fff;border:2px solid #000;'
                    "border-radius:50%;width:22px;height:22px;line-height:18px;"
                    f'text-align:center;font:bold 12px sans-serif">{label}</div>'
                ),
                icon_size=(22, 22),
                icon_anchor=(11, 11),
            ),
            tooltip=html.escape(f"{label}. {row['name']}"),
        ).add_child(HtmlPopup(popup)).add_to(fg)  # type: ignore[no-untyped-call]  # branca
    fg.add_to(m)
    legend = [
        (
            "Proposed centres (number = order)",
            [(palette[s], f"{i + 1}. {s}") for i, s in enumerate(site_ids[:10])],
        ),
        ("Other settlements", [("#bdbdbd", f"not within {within_min:g} min of a new centre")]),
        ("Centres", [("#08306b", "existing centre (square)")]),
    ]
    finish_map(m, legend, bounds=_bounds(settlements))
    return m


# ---------------------------------------------------------------------------------------


#: Change in travel minutes (scenario minus base) and colours, most improved first.
CHANGE_CLASSES: tuple[tuple[float, str, str], ...] = (
    (-30, "#1a9641", "over 30 min faster"),
    (-5, "#a6d96a", "5-30 min faster"),
    (5, "#f7f7f7", "about the same"),
    (30, "#fdae61", "5-30 min slower"),
    (np.inf, "#d7191c", "over 30 min slower"),
)


def change_map(
    changes: pd.DataFrame,
    scenario: str,
    *,
    centres: gpd.GeoDataFrame | None = None,
    units: gpd.GeoDataFrame | None = None,
) -> folium.Map:
    """Settlements coloured by the change of travel minutes in ``scenario`` against the base.

    ``changes`` is ``Comparison.changes``: ``lon``, ``lat``, ``households``, ``name`` and
    ``change_min_<scenario>``. ``centres`` (the scenario's open centres, its
    ``centres.geojson`` with ``status``) are drawn as squares, new ones orange; ``units``
    (union-council polygons) as outlines.
    """
    col = f"change_min_{scenario}"
    pts = gpd.GeoDataFrame(
        changes[["name", "households", col]].rename(columns={col: "change_min"}),
        geometry=gpd.points_from_xy(changes["lon"], changes["lat"]),
        crs="EPSG:4326",
    )
    colours = []
    for v in pts["change_min"].to_numpy(float):
        if not np.isfinite(v):
            colours.append(UNREACHABLE[0])
            continue
        colours.append(next(c for upper, c, _ in CHANGE_CLASSES if v < upper))
    pts["change_min"] = pts["change_min"].round(1)
    m = base_map(pts, width_px=600)
    if units is not None and len(units):
        _outline_layer(units).add_to(m)
    points_layer(
        pts,
        colours,
        name=f"Change in minutes: {scenario}",
        fields=["name", "households", "change_min"],
        aliases=["Settlement", "Households", "Change (min)"],
    ).add_to(m)
    legend: list[tuple[str, list[tuple[str, str]]]] = [
        (
            "Trip time against the base",
            [(c, label) for _, c, label in CHANGE_CLASSES] + [UNREACHABLE],
        )
    ]
    if centres is not None and len(centres):
        status = centres["status"].astype(str) if "status" in centres else None
        for kind, colour, label in CENTRE_STATUS:
            sel = centres if status is None else centres[status == kind]
            if len(sel):
                centres_layer(sel, name=f"Centres: {label}", colour=colour).add_to(m)
                legend.append(("Centres", [(colour, f"{label} (square)")]))
            if status is None:
                break
    finish_map(m, _merge_sections(legend), bounds=_bounds(pts))
    return m


def _bounds(points: gpd.GeoDataFrame) -> list[float]:
    return [float(v) for v in points.total_bounds]


def _merge_sections(
    sections: list[tuple[str, list[tuple[str, str]]]],
) -> list[tuple[str, list[tuple[str, str]]]]:
    """Legend sections with the same title merged, first appearance order."""
    merged: dict[str, list[tuple[str, str]]] = {}
    for title, items in sections:
        merged.setdefault(title, []).extend(items)
    return list(merged.items())


def _outline_layer(units: gpd.GeoDataFrame) -> folium.GeoJson:
    return folium.GeoJson(
        units[["union_council", "geometry"]],
        name="Union councils",
        style_function=lambda _f: {"color": "#888888", "weight": 0.8, "fillOpacity": 0.0},
        tooltip=folium.GeoJsonTooltip(fields=["union_council"], aliases=["UC"]),
    )


def _coverage_layer(units: gpd.GeoDataFrame) -> folium.GeoJson:
    cov = units["coverage_share"].to_numpy(float)
    fill = []
    for v in cov:
        colour = "#ffffff"
        if np.isfinite(v):
            colour = next(c for upper, c, _ in COVERAGE_CLASSES if v < upper)
        fill.append(colour)
    data = units.assign(
        _fill=fill,
        coverage_pct=np.round(100 * cov, 1),
        unregistered_poor=units["unregistered_poor_households"].round(0),
    )[["union_council", "tehsil", "households", "coverage_pct", "unregistered_poor", "_fill"]]
    data = gpd.GeoDataFrame(data, geometry=units.geometry.simplify(0.0005), crs=units.crs)
    return folium.GeoJson(
        data,
        name="Coverage by union council",
        style_function=lambda f: {
            "fillColor": f["properties"]["_fill"],
            "color": "#54278f",
            "weight": 0.8,
            "fillOpacity": 0.55,
        },
        tooltip=folium.GeoJsonTooltip(
            fields=["union_council", "tehsil", "households", "coverage_pct", "unregistered_poor"],
            aliases=["UC", "Tehsil", "Households", "Registered %", "Unregistered poor"],
        ),
    )


def _roads_layer(roads: gpd.GeoDataFrame) -> folium.GeoJson:
    return folium.GeoJson(
        roads[["highway", "geometry"]],
        name="Roads",
        style_function=lambda f: {
            "color": ROAD_STYLE.get(f["properties"]["highway"], ("#9e9e9e", 1.0))[0],
            "weight": ROAD_STYLE.get(f["properties"]["highway"], ("#9e9e9e", 1.0))[1],
            "opacity": 0.9,
        },
        tooltip=folium.GeoJsonTooltip(fields=["highway"], aliases=["Road class"]),
    )


def _bands_layer(iso: gpd.GeoDataFrame, mode: str) -> folium.GeoJson:
    bands = iso.dissolve(by="band_min", as_index=False).sort_values("band_min", ascending=False)
    bands["geometry"] = bands.geometry.simplify(0.0005)
    bands["band"] = [f"within {b:g} min" for b in bands["band_min"]]
    bands["_fill"] = [BAND_FILL.get(float(b), "#deebf7") for b in bands["band_min"]]
    return folium.GeoJson(
        bands[["band", "_fill", "geometry"]],
        name=f"Travel-time bands ({mode})",
        style_function=lambda f: {
            "fillColor": f["properties"]["_fill"],
            "color": f["properties"]["_fill"],
            "weight": 0.5,
            "fillOpacity": 0.35,
        },
        tooltip=folium.GeoJsonTooltip(fields=["band"], aliases=["Existing centres"]),
    )


def _band_legend(iso: gpd.GeoDataFrame) -> list[tuple[str, str]]:
    return [
        (BAND_FILL.get(float(b), "#deebf7"), f"within {b:g} min")
        for b in sorted(set(iso["band_min"].tolist()))
    ]


def _gap_colours(score: pd.Series) -> tuple[list[str], list[tuple[str, str]]]:
    v = score.to_numpy(float)
    finite = v[np.isfinite(v)]
    edges = np.unique(np.quantile(finite, [0.2, 0.4, 0.6, 0.8])) if finite.size else np.empty(0)
    cls = np.searchsorted(edges, v, side="right")
    colours = [
        GAP_COLOURS[min(int(c), len(GAP_COLOURS) - 1)] if np.isfinite(x) else UNREACHABLE[0]
        for c, x in zip(cls, v, strict=True)
    ]
    bounds = [0.0, *[float(e) for e in edges]]
    items = []
    for i, lo in enumerate(bounds):
        hi = f"{bounds[i + 1]:,.0f}" if i + 1 < len(bounds) else "+"
        items.append((GAP_COLOURS[min(i, len(GAP_COLOURS) - 1)], f"{lo:,.0f} - {hi}"))
    items.append((UNREACHABLE[0], "unknown"))
    return colours, items


def _settlements_layer(
    s: gpd.GeoDataFrame, colours: list[str], *, mode: str, name: str
) -> folium.GeoJson:
    t = s[f"travel_min_{mode}"].to_numpy(float)
    pts = s.assign(
        travel=np.where(np.isfinite(t), np.round(t, 1), np.nan),
        coverage_pct=np.round(100 * s["coverage_share"].to_numpy(float), 1),
        unreg_poor=s["unregistered_poor_households"].round(0),
        gap=s["gap_score"].round(0),
        centre=s[f"centre_id_{mode}"].astype("string").fillna("none"),
    )
    return points_layer(
        pts,
        colours,
        name=name,
        fields=[
            "name",
            "name_ur",
            "union_council",
            "households",
            "travel",
            "centre",
            "coverage_pct",
            "unreg_poor",
            "gap",
            "gap_rank",
        ],
        aliases=[
            "Settlement",
            "Urdu name",
            "Union council",
            "Households",
            f"Minutes ({mode})",
            "Nearest centre",
            "Registered %",
            "Unregistered poor hh",
            "Gap score",
            "Gap rank",
        ],
    )
