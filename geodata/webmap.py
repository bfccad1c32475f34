"""Offline Leaflet maps: folium maps that draw without internet (the app and every output).

``folium.Map`` links Leaflet, jQuery, Bootstrap and Font Awesome from CDNs. :func:`offline_map`
builds a map without base tiles whose Leaflet (JS and CSS) is inlined as ``data:`` URLs from
the ``django-js-lib-leaflet`` package (plain static files, no Django needed), and drops
folium's other CDN assets, which vector layers, popups and the layer control do not use.
Without that package the map falls back to the CDN (and needs internet). Shared by the app's
maps (``ui.map_layers``) and the written maps (``accessgap plan``'s ``map.html``).
"""

from __future__ import annotations

import base64
import functools
from importlib.resources import files
from typing import Any

import folium

__all__ = ["leaflet_assets", "offline_map"]


@functools.cache
def leaflet_assets() -> tuple[str, str] | None:
    """Leaflet's JS and CSS as ``data:`` URLs from a local package, or None when absent."""
    try:
        root = files("js_lib_leaflet") / "static" / "js_lib_leaflet"
        js, css = (root / "leaflet.js").read_bytes(), (root / "leaflet.css").read_bytes()
    except (ModuleNotFoundError, FileNotFoundError):
        return None
    return (
        "data:text/javascript;base64," + base64.b64encode(js).decode("ascii"),
        "data:text/css;base64," + base64.b64encode(css).decode("ascii"),
    )


def offline_map(location: list[float], zoom_start: int, **kwargs: Any) -> folium.Map:
    """A folium map without base tiles, Leaflet inlined (no CDN when the package is there).

    Parameters
    ----------
    location, zoom_start
        Centre ``[lat, lon]`` and zoom level.
    **kwargs
        Other ``folium.Map`` arguments (``tiles`` is always None).

    Examples
    --------
    >>> m = offline_map([30.0, 70.0], 8)
    >>> "cdn" in m.get_root().render().lower()
    False
    """
    m = folium.Map(location=location, zoom_start=zoom_start, tiles=None, **kwargs)
    assets = leaflet_assets()
    if assets is not None:  # instance attributes: folium's class defaults stay untouched
        m.default_js = [("leaflet", assets[0])]
        m.default_css = [("leaflet_css", assets[1])]
    return m
