"""The comparison report's maps: where access changed, on the region's roads and places.

:func:`change_map` draws each scenario against the base on an offline base map of the
region (:mod:`geodata.static_map`: roads by class, boundaries, labelled places, scale bar,
north arrow), fitted to the settlements: dots sized by households and coloured by the change
in travel minutes, crosses where access is lost, new and closed centres, closed roads. It
returns the SVG for the HTML (text stays text) and writes a PNG for the folder and the
matplotlib PDF fallback.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
from matplotlib.colors import TwoSlopeNorm
from matplotlib.lines import Line2D

from geodata.static_map import MapLayers, draw_base_map, places_only
from scenarios.comparison import Comparison, RunData

__all__ = ["change_map"]


def change_map(
    comp: Comparison,
    run: RunData,
    png: Path,
    *,
    base_map: MapLayers | None = None,
    suffix: str = "",
) -> str:
    """Map of ``run`` against the base; writes ``png`` and returns the SVG.

    Parameters
    ----------
    comp
        The comparison (with per-settlement changes).
    run
        The scenario to map.
    png
        PNG file to write.
    base_map
        The region's layers (:func:`geodata.static_map.map_layers`); default the
        settlements only (no roads or boundaries).
    suffix
        Appended to the title (e.g. ``" (SYNTHETIC data)"``).

    Returns
    -------
    str
        An ``<svg>`` element.
    """
    ch = comp.changes
    assert ch is not None
    base = comp.runs[0]
    d = ch[f"change_min_{run.name}"].to_numpy(float)
    lon, lat = ch["lon"].to_numpy(float), ch["lat"].to_numpy(float)
    hh = ch["households"].to_numpy(float)
    layers = base_map or _without_region(comp, lon, lat, hh)
    bounds = (float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max()))
    better = float(hh[np.isfinite(d) & (d < -1.0)].sum())
    lost = np.isinf(d)
    worse = float(hh[(np.isfinite(d) & (d > 1.0)) | lost].sum())
    title = (
        f"{run.name} vs {base.name}: {better:,.0f} households > 1 min closer, "
        f"{worse:,.0f} > 1 min farther{suffix}"
    )
    canvas = draw_base_map(layers, bounds=bounds, size_in=(8.0, 6.6), title=title, label_places=18)
    ax = canvas.ax
    if run.closed_roads is not None and len(run.closed_roads):
        run.closed_roads.plot(ax=ax, color="#e67e22", linewidth=2.6, zorder=6)
    size = 4 + 60 * np.sqrt(hh / max(hh.max(), 1.0))
    same = np.isfinite(d) & (np.abs(d) <= 1.0)
    ax.scatter(lon[same], lat[same], s=size[same], c="#d5d8dc", linewidths=0, zorder=7)
    changed = np.isfinite(d) & ~same
    lim = float(np.clip(np.nanmax(np.abs(d[changed])) if changed.any() else 1.0, 1.0, 60.0))
    dots = ax.scatter(
        lon[changed],
        lat[changed],
        s=size[changed],
        c=np.clip(d[changed], -lim, lim),
        cmap="RdBu_r",
        norm=TwoSlopeNorm(vmin=-lim, vcenter=0.0, vmax=lim),
        linewidths=0.2,
        edgecolors="#555",
        zorder=8,
    )
    if lost.any():
        ax.scatter(lon[lost], lat[lost], s=size[lost], c="black", marker="x", zorder=9)
    cax = ax.inset_axes((0.56, 0.955, 0.36, 0.018))
    bar = canvas.fig.colorbar(dots, cax=cax, orientation="horizontal")
    bar.ax.tick_params(labelsize=6)
    bar.set_label("change in travel minutes (+ = longer)", fontsize=6.5, labelpad=1)
    handles = _centre_marks(ax, comp, run)
    if run.closed_roads is not None and len(run.closed_roads):
        handles.append(Line2D([], [], color="#e67e22", lw=2.6, label="closed road"))
    if lost.any():
        handles.append(Line2D([], [], ls="", marker="x", color="black", label="cut off"))
    if handles:
        roads_legend = ax.get_legend()
        ax.legend(handles=handles, fontsize=6.5, loc="upper left", framealpha=0.85)
        if roads_legend is not None:
            ax.add_artist(roads_legend)
    canvas.save_png(png)
    return canvas.svg()


def _without_region(
    comp: Comparison, lon: np.ndarray, lat: np.ndarray, hh: np.ndarray
) -> MapLayers:
    ch = comp.changes
    assert ch is not None
    layers = places_only(lon, lat, ch["name"].astype(str).tolist(), hh)
    c = comp.runs[0].centres
    c = c[c["status"].astype(str).eq("existing")] if "status" in c else c
    names = c["name"] if "name" in c else c["centre_id"]
    centres = gpd.GeoDataFrame(
        {"name": names.astype(str).to_numpy()}, geometry=c.geometry.to_numpy(), crs=c.crs
    )
    return replace(layers, centres=centres)


def _centre_marks(ax: object, comp: Comparison, run: RunData) -> list[Line2D]:
    base = comp.runs[0]
    base_ids = set(base.centres["centre_id"].astype(str))
    c = run.centres
    new = c[~c["centre_id"].astype(str).isin(base_ids)]
    closed = base.centres[~base.centres["centre_id"].astype(str).isin(set(c["centre_id"]))]
    handles = []
    scatter = ax.scatter  # type: ignore[attr-defined]
    if len(new):
        scatter(new.geometry.x, new.geometry.y, marker="^", s=90, c="#27ae60",
                edgecolors="black", zorder=17)  # fmt: skip
        handles.append(
            Line2D([], [], ls="", marker="^", color="#27ae60", mec="black", label="new centre")
        )
    if len(closed):
        scatter(closed.geometry.x, closed.geometry.y, marker="X", s=90, c="#c0392b", zorder=17)
        handles.append(Line2D([], [], ls="", marker="X", color="#c0392b", label="closed centre"))
    return handles
