"""Building blocks of the app's folium maps: the offline base map, points, centres, legend.

Maps work without internet: ``folium.Map(tiles=None)`` with vector layers only, centres
drawn as plain HTML icons (no marker images from a CDN), the legend a Leaflet control built
from inline HTML; the OpenStreetMap tile layer is optional and off by default. Leaflet itself
(JS and CSS) is inlined as ``data:`` URLs from the ``django-js-lib-leaflet`` package
(:func:`geodata.webmap.offline_map`, shared with the written maps) instead of folium's CDN
links; folium's other CDN assets (jQuery, Bootstrap, Font Awesome) are dropped as no layer
here uses them. Without that package the maps fall back to the CDN and need internet.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import folium
import geopandas as gpd
import numpy as np
from branca.element import MacroElement
from jinja2 import Template

from geodata.webmap import leaflet_assets, offline_map

#: Zoom steps of the app's maps (fractional: the map fits the data, not the nearest level).
ZOOM_SNAP = 0.25

__all__ = [
    "ZOOM_SNAP",
    "HtmlPopup",
    "base_map",
    "centres_layer",
    "finish_map",
    "leaflet_assets",
    "points_layer",
]


def base_map(points: gpd.GeoDataFrame, *, width_px: int = 1000) -> folium.Map:
    """An empty map around ``points``, Leaflet inlined, an optional OpenStreetMap layer.

    The map snaps to quarter zoom levels, so :func:`finish_map` can fit the data snugly
    (whole zoom levels leave a district filling ~40% of the map).

    Parameters
    ----------
    points
        Features (EPSG:4326) the map must show.
    width_px
        Width the map is drawn at (for the starting zoom, before the fit).
    """
    minx, miny, maxx, maxy = points.total_bounds
    m = offline_map(
        [(miny + maxy) / 2, (minx + maxx) / 2],
        _zoom_for(
            maxx - minx, maxy - miny, lat=(miny + maxy) / 2, width_px=width_px, height_px=540
        ),
        control_scale=True,
        prefer_canvas=True,
        zoom_snap=ZOOM_SNAP,
        zoom_delta=0.5,
    )
    folium.TileLayer(
        "OpenStreetMap",
        name="OpenStreetMap background (needs internet)",
        overlay=True,
        show=False,
        control=True,
    ).add_to(m)
    return m


def finish_map(
    m: folium.Map,
    legend: Sequence[tuple[str, Sequence[tuple[str, str]]]],
    *,
    bounds: Sequence[float] | None = None,
) -> None:
    """Add the layer control and the legend (sections of (colour, label) items) to ``m``.

    The layer control is a button at the top right (it opens on hover or tap). The legend
    sits at the bottom left and folds away with its button. With ``bounds`` (minx, miny,
    maxx, maxy in EPSG:4326), the map is fitted to them in the browser once the legend is
    drawn, with the legend's width kept clear on the left and the layer button's on the
    right, so no point of the data starts under either (a legend wider than 30% of the map
    starts folded).
    """
    folium.LayerControl(collapsed=True, position="topright").add_to(m)
    m.add_child(_Legend(legend, bounds=bounds))


def points_layer(
    s: gpd.GeoDataFrame,
    colours: Sequence[str],
    *,
    name: str,
    fields: list[str],
    aliases: list[str],
    scale: np.ndarray | None = None,
) -> folium.GeoJson:
    """Points as one GeoJson layer of circle markers sized by households.

    Parameters
    ----------
    s
        Points (EPSG:4326) with ``households`` and the ``fields``.
    colours
        Fill colour of each point.
    name
        Layer name.
    fields, aliases
        Properties shown (the first five in the tooltip, all in the popup) and their labels.
    scale
        Radius factor of each point.
    """
    hh = s["households"].to_numpy(float)
    radius = np.clip(1.0 + 1.3 * np.log10(np.maximum(hh, 1.0)), 2.0, 7.0)
    if scale is not None:
        radius = radius * scale
    data = gpd.GeoDataFrame(
        s[fields].assign(_fill=list(colours), _r=np.round(radius, 1)),
        geometry=s.geometry,
        crs=s.crs,
    )
    for c in fields:  # JSON-friendly, no NaN in properties
        if data[c].dtype.kind == "f":
            data[c] = data[c].astype(object).where(data[c].notna(), "-")
    return folium.GeoJson(
        data,
        name=name,
        marker=folium.CircleMarker(radius=4, weight=0.6, fill=True, fill_opacity=0.9),
        style_function=lambda f: {
            "fillColor": f["properties"]["_fill"],
            "color": "#333333",
            "radius": f["properties"]["_r"],
        },
        tooltip=folium.GeoJsonTooltip(fields=fields[:5], aliases=aliases[:5]),
        popup=folium.GeoJsonPopup(fields=fields, aliases=aliases),
    )


def centres_layer(centres: gpd.GeoDataFrame, *, name: str, colour: str) -> folium.FeatureGroup:
    """Centres as square HTML icons (no marker images from a CDN) with a popup each."""
    fg = folium.FeatureGroup(name=name)
    for _, row in centres.iterrows():
        label = f"{row['name']} ({row['centre_id']})"
        folium.Marker(
            [row.geometry.y, row.geometry.x],
            icon=folium.DivIcon(
                html=(
                    f'<div style="background:{colour};border:2px solid #fff;width:14px;'
                    'height:14px;box-shadow:0 0 3px #000"></div>'
                ),
                icon_size=(14, 14),
                icon_anchor=(7, 7),
            ),
            tooltip=html.escape(label),
        ).add_child(  # type: ignore[no-untyped-call]  # branca is untyped
            HtmlPopup(
                f"<b>{html.escape(label)}</b><br>{html.escape(str(row.get('kind', '')))}<br>"
                f"capacity {row.get('capacity_per_day', float('nan')):,.0f} per day"
            )
        ).add_to(fg)
    return fg


class HtmlPopup(MacroElement):
    """A popup from an HTML string (folium.Popup needs jQuery, which is not loaded)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.bindPopup({{ this.html|tojson }}, {maxWidth: 280});
        {% endmacro %}
        """
    )

    def __init__(self, html_text: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca is untyped
        self._name = "Popup"
        self.html = html_text


# ---------------------------------------------------------------------------------------


def _zoom_for(dlon: float, dlat: float, *, lat: float, width_px: int, height_px: int) -> int:
    """Largest web-mercator zoom at which a box of dlon x dlat degrees fits the map."""
    stretch = 1.0 / max(np.cos(np.radians(lat)), 0.05)  # mercator: a degree of latitude is taller
    zx = np.log2(0.9 * 360.0 * width_px / (256.0 * max(dlon, 1e-4)))
    zy = np.log2(0.9 * 360.0 * height_px / (256.0 * max(dlat * stretch, 1e-4)))
    return int(np.clip(np.floor(min(zx, zy)), 3, 16))


class _Legend(MacroElement):
    """A foldable Leaflet legend built from inline HTML (works offline); fits the map too."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function() {
            var map = {{ this._parent.get_name() }};
            var legend = L.control({position: "bottomleft"});
            var div = L.DomUtil.create("div", "accessgap-legend");
            legend.onAdd = function() {
                div.style.background = "rgba(255,255,255,0.94)";
                div.style.padding = "4px 8px";
                div.style.font = "11px/1.3 sans-serif";
                div.style.border = "1px solid #999";
                div.style.borderRadius = "4px";
                div.style.overflowY = "auto";
                div.style.maxWidth = "230px";
                div.innerHTML = '<button type="button" class="accessgap-legend-toggle" '
                    + 'aria-expanded="true" style="font:bold 11px sans-serif;border:0;'
                    + 'background:none;padding:0;cursor:pointer">Legend &#9662;</button>'
                    + '<div class="accessgap-legend-body">' + {{ this.html|tojson }} + '</div>';
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            legend.addTo(map);
            var body = div.querySelector(".accessgap-legend-body");
            var button = div.querySelector(".accessgap-legend-toggle");
            function setOpen(open) {
                body.style.display = open ? "" : "none";
                button.setAttribute("aria-expanded", open ? "true" : "false");
                button.innerHTML = open ? "Legend &#9662;" : "Legend &#9656;";
            }
            button.addEventListener("click", function() {
                setOpen(body.style.display === "none");
            });
            var bounds = {{ this.bounds|tojson }};
            function fit() {
                var size = map.getSize();
                div.style.maxHeight = Math.max(size.y - 70, 80) + "px";
                if (div.offsetWidth > size.x * 0.3) { setOpen(false); }
                if (!bounds) { return; }
                map.fitBounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]], {
                    paddingTopLeft: [div.offsetWidth + 24, 24],
                    paddingBottomRight: [60, 24]
                });
            }
            fit();
            if (map.getSize().x === 0) { setTimeout(fit, 300); }
            var css = document.createElement("style");
            css.textContent = ".leaflet-control-layers, .leaflet-tooltip, .leaflet-popup-content "
                + "{font: 12px/1.4 sans-serif;}"
                // the layer button's icon is an image Leaflet loads from beside its CSS
                // (absent offline): a word instead
                + ".leaflet-control-layers-toggle{background-image:none!important;"
                + "width:auto!important;height:auto!important;padding:4px 8px;"
                + "color:#333;text-decoration:none;font:bold 11px/1.3 sans-serif}"
                + ".leaflet-control-layers-toggle:before{content:'Layers'}";
            document.head.appendChild(css);
        })();
        {% endmacro %}
        """
    )

    def __init__(
        self,
        sections: Sequence[tuple[str, Sequence[tuple[str, str]]]],
        *,
        bounds: Sequence[float] | None = None,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]  # branca is untyped
        self._name = "Legend"
        self.bounds = None if bounds is None else [float(b) for b in bounds]
        parts = []
        for title, items in sections:
            if not items:
                continue
            parts.append(f"<div style='font-weight:bold;margin-top:3px'>{html.escape(title)}</div>")
            for colour, label in items:
                parts.append(
                    f"<div><span style='display:inline-block;width:11px;height:11px;"
                    f"background:{colour};border:1px solid #555;margin-right:5px'></span>"
                    f"{html.escape(str(label))}</div>"
                )
        self.html = "".join(parts)
