"""Offline static maps of a region, drawn from the region itself (no tiles, no network).

A printed report, a region summary or a van's itinerary needs a map a reader can find their
way on: roads by class, administrative boundaries, settlements with their names, a scale bar
and a north arrow, fitted to what the page is about. :func:`map_layers` takes those layers
from a :class:`~geodata.region.Region`; :func:`draw_base_map` draws them with matplotlib into
a :class:`MapCanvas` on which a caller adds its own marks (routes, changes, new centres) in
longitude/latitude; :meth:`MapCanvas.svg` returns SVG whose text stays text (place names are
searchable in the page and the PDF, and the browser shapes them), :meth:`MapCanvas.save_png`
a PNG for the matplotlib fallbacks.

Coordinates are EPSG:4326 throughout; the map's aspect is corrected by the cosine of the mid
latitude (an equirectangular view, true to a few per cent over a district), which is also
the scale bar's basis.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import matplotlib as mpl
import numpy as np
import pandas as pd
import shapely
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

__all__ = [
    "ROAD_CLASSES",
    "MapCanvas",
    "MapLayers",
    "draw_base_map",
    "fit_bounds",
    "map_layers",
    "places_only",
    "scale_bar_km",
]

Bounds = tuple[float, float, float, float]

#: Road classes drawn, most important first: (name, OSM ``highway`` values, width, colour).
ROAD_CLASSES: tuple[tuple[str, tuple[str, ...], float, str], ...] = (
    ("main road", ("motorway", "motorway_link", "trunk", "trunk_link"), 2.2, "#c0392b"),
    (
        "primary / secondary",
        ("primary", "primary_link", "secondary", "secondary_link"),
        1.5,
        "#e67e22",
    ),
    (
        "minor road",
        (
            "tertiary",
            "tertiary_link",
            "unclassified",
            "residential",
            "road",
            "living_street",
            "service",
        ),
        0.8,
        "#7f8c8d",
    ),
    (
        "track / path",
        ("track", "path", "footway", "bridleway", "cycleway", "steps"),
        0.6,
        "#b7a98b",
    ),
)

_KM_PER_DEG_LAT = 110.574
_KM_PER_DEG_LON_EQ = 111.320
_NICE_KM = (0.5, 1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000)
_LEVEL_STYLE = {  # width, colour, dashes
    "province": (1.8, "#2c3e50", ""),
    "district": (1.5, "#34495e", ""),
    "tehsil": (1.1, "#5d6d7e", ""),
    "union_council": (0.5, "#85929e", "--"),
}


@dataclass(frozen=True)
class MapLayers:
    """What a base map draws, all in EPSG:4326.

    Attributes
    ----------
    roads
        ``highway`` and LineString geometry.
    boundaries
        ``level``, ``name`` and (Multi)Polygon geometry.
    places
        ``name``, ``households`` (label priority) and Point geometry.
    centres
        ``name`` and Point geometry (registration centres).
    """

    roads: gpd.GeoDataFrame
    boundaries: gpd.GeoDataFrame
    places: gpd.GeoDataFrame
    centres: gpd.GeoDataFrame

    @property
    def bounds(self) -> Bounds:
        """Bounds of the boundaries (else of the places), ``(minx, miny, maxx, maxy)``."""
        for layer in (self.boundaries, self.places, self.roads):
            if len(layer):
                b = layer.total_bounds
                return float(b[0]), float(b[1]), float(b[2]), float(b[3])
        return 0.0, 0.0, 1.0, 1.0


def map_layers(region: Any) -> MapLayers:
    """The base-map layers of a region (roads, boundaries, settlements, centres).

    Parameters
    ----------
    region
        A :class:`~geodata.region.Region` (anything with ``roads.edges``, ``boundaries``,
        ``settlements`` and ``centres`` GeoDataFrames in EPSG:4326).

    Returns
    -------
    MapLayers
    """
    edges = region.roads.edges
    roads = gpd.GeoDataFrame(
        {"highway": edges["highway"].astype(str).to_numpy()},
        geometry=edges.geometry.to_numpy(),
        crs=edges.crs,
    )
    b = region.boundaries
    boundaries = gpd.GeoDataFrame(
        {"level": b["level"].astype(str).to_numpy(), "name": b["name"].astype(str).to_numpy()},
        geometry=b.geometry.to_numpy(),
        crs=b.crs,
    )
    s = region.settlements
    places = gpd.GeoDataFrame(
        {
            "name": s["name"].astype(str).to_numpy(),
            "households": pd.to_numeric(s["households"]).to_numpy(float),
        },
        geometry=s.geometry.to_numpy(),
        crs=s.crs,
    )
    c = region.centres
    centres = gpd.GeoDataFrame(
        {"name": c["name"].astype(str).to_numpy()}, geometry=c.geometry.to_numpy(), crs=c.crs
    )
    return MapLayers(roads, boundaries, places, centres)


def places_only(
    lon: Sequence[float] | np.ndarray,
    lat: Sequence[float] | np.ndarray,
    names: Sequence[str],
    households: Sequence[float] | np.ndarray,
) -> MapLayers:
    """Layers with places only (no roads or boundaries), for outputs made without a region."""
    crs = "EPSG:4326"
    empty = gpd.GeoDataFrame(
        {"highway": [], "level": [], "name": []}, geometry=gpd.GeoSeries([], crs=crs)
    )
    places = gpd.GeoDataFrame(
        {"name": [str(n) for n in names], "households": np.asarray(households, dtype=float)},
        geometry=gpd.points_from_xy(lon, lat),
        crs=crs,
    )
    none = gpd.GeoDataFrame({"name": []}, geometry=gpd.GeoSeries([], crs=crs))
    return MapLayers(empty, empty, places, none)


def fit_bounds(bounds: Bounds, aspect: float, *, pad: float = 0.06) -> Bounds:
    """Grow ``bounds`` (lon/lat) by ``pad`` and to a width/height ``aspect`` on the ground.

    Examples
    --------
    >>> b = fit_bounds((70.0, 30.0, 70.1, 30.1), 1.0, pad=0.0)
    >>> round((b[2] - b[0]) * math.cos(math.radians(30.05)) / (b[3] - b[1]), 3)
    1.0
    """
    minx, miny, maxx, maxy = bounds
    k = _lon_factor((miny + maxy) / 2)
    w = max((maxx - minx) * k, 1e-4) * (1 + 2 * pad)
    h = max(maxy - miny, 1e-4) * (1 + 2 * pad)
    if w / h < aspect:
        w = h * aspect
    else:
        h = w / aspect
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    return cx - w / k / 2, cy - h / 2, cx + w / k / 2, cy + h / 2


def scale_bar_km(width_km: float) -> float:
    """A round scale-bar length near a fifth of the map's width.

    Examples
    --------
    >>> scale_bar_km(40.0), scale_bar_km(7.0), scale_bar_km(900.0)
    (10, 1, 200)
    """
    target = width_km / 5
    return min(_NICE_KM, key=lambda x: (abs(math.log(x / target)), x))


class MapCanvas:
    """A drawn base map to add marks to (in lon/lat), then write as SVG or PNG.

    Attributes
    ----------
    fig, ax
        The matplotlib figure and axes (limits fixed: marks never move the view).
    bounds
        The view, ``(minx, miny, maxx, maxy)`` in EPSG:4326.
    labels
        Every label text written on the map, in drawing order.
    """

    def __init__(self, fig: Figure, ax: Axes, bounds: Bounds) -> None:
        self.fig = fig
        self.ax = ax
        self.bounds = bounds
        self.labels: list[str] = []
        self._boxes: list[tuple[float, float, float, float]] = []

    def label(
        self,
        lon: Sequence[float] | np.ndarray,
        lat: Sequence[float] | np.ndarray,
        texts: Sequence[str],
        *,
        fontsize: float = 7.0,
        weight: str = "normal",
        colour: str = "#1b2631",
        always: bool = False,
    ) -> int:
        """Write labels beside points, in the given order, skipping any that would overlap.

        Parameters
        ----------
        lon, lat
            Points (EPSG:4326).
        texts
            One label per point.
        fontsize, weight, colour
            Text style.
        always
            Write every label even where it overlaps (e.g. numbered stops).

        Returns
        -------
        int
            Labels written.
        """
        ax = self.ax
        minx, miny, maxx, maxy = self.bounds
        written = 0
        for x, y, text in zip(lon, lat, texts, strict=True):
            if not (minx <= x <= maxx and miny <= y <= maxy) or not text:
                continue
            px, py = ax.transData.transform((x, y))
            w = 0.56 * fontsize * len(text) * self.fig.dpi / 72
            h = 1.2 * fontsize * self.fig.dpi / 72
            spot = self._free_spot(px, py, w, h, always)
            if spot is None:
                continue
            box, offset, ha = spot
            self._boxes.append(box)
            ax.annotate(
                text,
                (x, y),
                xytext=offset,
                textcoords="offset points",
                ha=ha,
                va="center",
                fontsize=fontsize,
                fontweight=weight,
                color=colour,
                zorder=20,
                annotation_clip=True,
                bbox={"boxstyle": "round,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.7},
            )
            self.labels.append(text)
            written += 1
        return written

    def _free_spot(
        self, px: float, py: float, w: float, h: float, always: bool
    ) -> tuple[tuple[float, float, float, float], tuple[float, float], str] | None:
        """Right, left, above or below the point: the first spot inside the map and free."""
        pt = 72 / self.fig.dpi
        d = 3 / pt
        spots = (
            ((px + d, py - h / 2, px + d + w, py + h / 2), (3.0, 0.0), "left"),
            ((px - d - w, py - h / 2, px - d, py + h / 2), (-3.0, 0.0), "right"),
            ((px - w / 2, py + d, px + w / 2, py + d + h), (0.0, 3 + h * pt / 2), "center"),
            ((px - w / 2, py - d - h, px + w / 2, py - d), (0.0, -3 - h * pt / 2), "center"),
        )
        frame = self.ax.bbox
        inside = [
            s for s in spots if s[0][0] >= frame.x0 and s[0][2] <= frame.x1 and s[0][3] <= frame.y1
        ]
        for spot in inside:
            if not any(_overlap(spot[0], b) for b in self._boxes):
                return spot
        return (inside or spots)[0] if always else None

    def _tidy(self) -> None:
        """Drop the axis labels GeoDataFrame.plot adds (a map has a scale bar instead)."""
        self.ax.set_xlabel("")
        self.ax.set_ylabel("")

    def svg(self) -> str:
        """The map as an SVG document; its text stays text (``svg.fonttype: none``)."""
        self._tidy()
        buf = io.StringIO()
        with mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": "accessgap"}):
            self.fig.savefig(buf, format="svg", metadata={"Date": None})
        text = buf.getvalue()
        return text[text.index("<svg") :]

    def save_png(self, path: Path, *, dpi: int = 110) -> Path:
        """Write the map as a PNG (for the matplotlib PDF fallbacks)."""
        self._tidy()
        self.fig.savefig(path, format="png", dpi=dpi, metadata={"Software": None})
        return path


def draw_base_map(
    layers: MapLayers,
    *,
    bounds: Bounds | None = None,
    size_in: tuple[float, float] = (8.0, 6.0),
    title: str = "",
    label_places: int = 25,
    legend: bool = True,
) -> MapCanvas:
    """Draw roads by class, boundaries, settlements and centres, fitted to ``bounds``.

    Parameters
    ----------
    layers
        From :func:`map_layers`.
    bounds
        What the map must show (lon/lat); default the region's boundaries. Grown to the
        figure's shape so the map fills its frame.
    size_in
        Figure width and height in inches.
    title
        Title above the map.
    label_places
        Most settlement names written (largest first, never overlapping).
    legend
        Draw the road-class legend.

    Returns
    -------
    MapCanvas
        Draw further marks on ``canvas.ax`` in lon/lat (zorder 5-15 sits above the base and
        below the labels), then call :meth:`MapCanvas.svg` or :meth:`MapCanvas.save_png`.
    """
    fig = Figure(figsize=size_in)
    top = 0.93 if title else 0.995
    ax = fig.add_axes((0.005, 0.005, 0.99, top - 0.005))
    aspect = (size_in[0] * 0.99) / (size_in[1] * (top - 0.005))
    view = fit_bounds(bounds or layers.bounds, aspect)
    minx, miny, maxx, maxy = view
    ax.set_xlim(minx, maxx)
    ax.set_ylim(miny, maxy)
    ax.set_aspect(1.0 / _lon_factor((miny + maxy) / 2), adjustable="box")
    ax.set_autoscale_on(False)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor("#fbfaf6")
    if title:
        fig.suptitle(title, fontsize=10, y=0.985)
    canvas = MapCanvas(fig, ax, view)
    _draw_boundaries(ax, _clip(layers.boundaries, view))
    drawn = _draw_roads(ax, _clip(layers.roads, view))
    places = _clip(layers.places, view)
    if len(places):
        hh = places["households"].to_numpy(float)
        size = 2 + 14 * np.sqrt(hh / max(float(hh.max()), 1.0))
        ax.scatter(places.geometry.x, places.geometry.y, s=size, c="#566573", lw=0, zorder=4)
    centres = _clip(layers.centres, view)
    if len(centres):
        ax.scatter(centres.geometry.x, centres.geometry.y, marker="s", s=36, c="black", zorder=16)
        canvas.label(
            centres.geometry.x.to_numpy(),
            centres.geometry.y.to_numpy(),
            centres["name"].tolist(),
            fontsize=7.5,
            weight="bold",
            always=True,
        )
    if label_places and len(places):
        top_places = places.sort_values("households", ascending=False).head(label_places)
        canvas.label(
            top_places.geometry.x.to_numpy(),
            top_places.geometry.y.to_numpy(),
            top_places["name"].tolist(),
        )
    _scale_bar(ax, view)
    _north_arrow(ax)
    if legend and drawn:
        from matplotlib.lines import Line2D

        handles = [Line2D([], [], color=c, lw=w, label=n) for n, _, w, c in drawn]
        handles.append(Line2D([], [], ls="", marker="s", color="black", label="centre"))
        ax.legend(handles=handles, fontsize=6.5, loc="lower right", framealpha=0.85)
    return canvas


# --------------------------------------------------------------------------------------------
# Private helpers
# --------------------------------------------------------------------------------------------


def _lon_factor(lat: float) -> float:
    return max(math.cos(math.radians(lat)), 0.05)


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _clip(layer: gpd.GeoDataFrame, view: Bounds) -> gpd.GeoDataFrame:
    if not len(layer):
        return layer
    minx, miny, maxx, maxy = view
    return layer.cx[minx:maxx, miny:maxy]


def _lines(geoms: np.ndarray) -> list[np.ndarray]:
    coords, index = shapely.get_coordinates(shapely.get_parts(geoms), return_index=True)
    if not len(coords):
        return []
    return np.split(coords, np.flatnonzero(np.diff(index)) + 1)


def _draw_roads(ax: Axes, roads: gpd.GeoDataFrame) -> list[tuple[str, tuple[str, ...], float, str]]:
    drawn = []
    hw = roads["highway"].astype(str) if len(roads) else pd.Series([], dtype=str)
    for rank, (name, values, width, colour) in enumerate(ROAD_CLASSES):
        sel = roads[hw.isin(values).to_numpy()] if len(roads) else roads
        if not len(sel):
            continue
        segs = _lines(sel.geometry.to_numpy())
        ax.add_collection(
            LineCollection(
                segs, linewidths=width, colors=colour, zorder=3 - rank * 0.1, capstyle="round"
            )
        )
        drawn.append((name, values, width, colour))
    return drawn


def _draw_boundaries(ax: Axes, boundaries: gpd.GeoDataFrame) -> None:
    for level in reversed(tuple(_LEVEL_STYLE)):
        if not len(boundaries):
            return
        sel = boundaries[boundaries["level"].eq(level).to_numpy()]
        if not len(sel):
            continue
        width, colour, dash = _LEVEL_STYLE[level]
        rings = _lines(shapely.boundary(sel.geometry.to_numpy()))
        ax.add_collection(
            LineCollection(
                rings, linewidths=width, colors=colour, linestyles=dash or "solid", zorder=2
            )
        )


def _scale_bar(ax: Axes, view: Bounds) -> None:
    minx, miny, maxx, maxy = view
    k = _lon_factor((miny + maxy) / 2) * _KM_PER_DEG_LON_EQ
    km = scale_bar_km((maxx - minx) * k)
    x0 = minx + 0.03 * (maxx - minx)
    y0 = miny + 0.04 * (maxy - miny)
    dx = km / k
    h = 0.008 * (maxy - miny)
    for i in range(2):
        ax.add_patch(
            mpl.patches.Rectangle(
                (x0 + i * dx / 2, y0),
                dx / 2,
                h,
                facecolor="black" if i == 0 else "white",
                edgecolor="black",
                lw=0.6,
                zorder=18,
            )
        )
    ax.text(x0, y0 + 2.2 * h, "0", fontsize=6.5, ha="center", zorder=18)
    ax.text(x0 + dx, y0 + 2.2 * h, f"{km:g} km", fontsize=6.5, ha="center", zorder=18)


def _north_arrow(ax: Axes) -> None:
    ax.annotate(
        "N",
        xy=(0.965, 0.96),
        xytext=(0.965, 0.86),
        xycoords="axes fraction",
        textcoords="axes fraction",
        ha="center",
        va="center",
        fontsize=9,
        fontweight="bold",
        arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.2},
        zorder=18,
    )
