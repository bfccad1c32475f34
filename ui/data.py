"""Which region the app shows, and the cached library calls behind every page.

Every cached function is keyed by the region's resolved path and its fingerprint plus the
call's parameters, so switching pages or users re-uses results. Region objects are held once
per server with ``st.cache_resource`` (read-only by convention: nothing in ``ui/`` mutates
them); analysis results go through ``st.cache_data``, which hands each caller its own copy,
so one user can never change another user's tables.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import geopandas as gpd
import streamlit as st

from geodata.errors import DataFileError
from geodata.region import Region
from scenarios.routing.options import VanOptions

if TYPE_CHECKING:
    from scenarios.routing.adapter import VanPlan

__all__ = [
    "DEFAULT_REGION",
    "OUT_ENV",
    "REGION_ENV",
    "UPLOAD_ENV",
    "RegionRef",
    "default_region_path",
    "engine_graph",
    "ensure_sample_region",
    "gap_result",
    "isochrone_bands",
    "load_region_cached",
    "major_roads",
    "out_dir",
    "placement_plan",
    "region_ref",
    "upload_root",
    "van_plan",
]

REGION_ENV = "ACCESSGAP_REGION"
UPLOAD_ENV = "ACCESSGAP_UPLOADS"
OUT_ENV = "ACCESSGAP_OUT"
DEFAULT_REGION = "regions/sample"

#: Road classes drawn by default (the rest only on request: they are most of the edges).
MAJOR_ROADS: tuple[str, ...] = ("motorway", "trunk", "primary", "secondary")
ALL_ROADS: tuple[str, ...] = (*MAJOR_ROADS, "tertiary", "unclassified", "residential", "track")


@dataclass(frozen=True)
class RegionRef:
    """A region folder on disk and the stamp of its ``region.json`` (the cache key)."""

    path: str
    stamp: str


def default_region_path() -> str:
    """``$ACCESSGAP_REGION`` or ``regions/sample``."""
    return os.environ.get(REGION_ENV) or DEFAULT_REGION


def upload_root() -> Path:
    """Folder under which each session gets its own upload folder."""
    return Path(os.environ.get(UPLOAD_ENV) or "regions/uploads")


def out_dir() -> Path:
    """Folder of saved results (``accessgap demo`` and scenario runs write here)."""
    return Path(os.environ.get(OUT_ENV) or "out")


def region_ref(path: str) -> RegionRef:
    """Resolve ``path`` and stamp its ``region.json``.

    Raises
    ------
    DataFileError
        When the folder or its ``region.json`` is missing.
    """
    folder = Path(path).expanduser().resolve()
    meta = folder / "region.json"
    if not meta.is_file():
        what = "no such region folder" if not folder.is_dir() else "region.json is missing"
        raise DataFileError(
            f"{folder}: {what}; point to a region folder (see `accessgap sample --out "
            f"{path}`) or upload one on the 'Your data' page"
        )
    info = meta.stat()
    return RegionRef(str(folder), f"{info.st_mtime_ns}-{info.st_size}")


@st.cache_resource(max_entries=1, show_spinner=False)
def ensure_sample_region(path: str) -> str:
    """Build the synthetic sample region at ``path`` unless it is there (once per server)."""
    if not (Path(path) / "region.json").is_file():
        from access.synthetic import build_sample_region
        from geodata.region import save_region

        region, _truth = build_sample_region()
        save_region(region, path)
    return path


@st.cache_resource(max_entries=8, show_spinner=False)
def load_region_cached(path: str, stamp: str) -> Region:
    """:func:`geodata.load_region` once per (path, stamp); errors are not cached."""
    from geodata import load_region

    return load_region(path)


@st.cache_data(max_entries=8, show_spinner=False)
def gap_result(path: str, fingerprint: str, _region: Region) -> Any:
    """The gap analysis as it may be shown.

    :func:`access.analysis.release_result` of :func:`_gap_analysis` (allow-listed columns;
    counts of settlements and units under the minimum group size blanked on maps and tables).
    """
    from access.analysis import release_result

    return release_result(_gap_analysis(path, fingerprint, _region))


@st.cache_data(max_entries=8, show_spinner=False)
def _gap_analysis(path: str, fingerprint: str, _region: Region) -> Any:
    """:func:`access.analysis.gap_analysis` with the default settings (all three modes).

    Full figures, for the planners' inputs (van demand), never drawn as they are. The
    exclusion model is not fitted here: no page shows it (``accessgap gaps`` does).
    """
    from access.analysis import gap_analysis

    return gap_analysis(_region, fit_model=False)


@st.cache_data(max_entries=16, show_spinner=False)
def isochrone_bands(
    path: str, fingerprint: str, mode: str, bands_min: tuple[float, ...], _region: Region
) -> gpd.GeoDataFrame:
    """:func:`access.engine.isochrones` from the existing centres for one mode."""
    from access.engine import isochrones
    from access.speeds import Mode, TravelSettings

    return isochrones(_region, bands_min=bands_min, settings=TravelSettings(mode=cast(Mode, mode)))


@st.cache_resource(max_entries=8, show_spinner=False)
def engine_graph(path: str, fingerprint: str, mode: str, _region: Region) -> Any:
    """Compile the mode's road graph once per server and keep it (the engine's matrices).

    The engine also keeps a few recent graphs in its own memory; holding them here keeps
    the ones the app uses from being pushed out by other regions or modes.
    """
    from access.graph import compile_graph
    from access.speeds import Mode, TravelSettings

    return compile_graph(_region, settings=TravelSettings(mode=cast(Mode, mode)))


@st.cache_data(max_entries=32, show_spinner=False)
def placement_plan(
    path: str, fingerprint: str, params: tuple[tuple[str, Any], ...], _region: Region
) -> Any:
    """:func:`scenarios.placement.place_centres` for ``PlacementOptions(**dict(params))``."""
    from scenarios.placement import PlacementOptions, place_centres

    engine_graph(path, fingerprint, dict(params)["mode"], _region)
    return place_centres(_region, PlacementOptions(**dict(params)))


@st.cache_data(max_entries=8, show_spinner=False)
def major_roads(
    path: str, fingerprint: str, classes: tuple[str, ...], _region: Region
) -> gpd.GeoDataFrame:
    """Road edges of the given classes merged into one simplified line per class."""
    edges = _region.roads.edges
    sel = edges[edges["highway"].isin(classes)][["highway", "geometry"]]
    if sel.empty:
        return gpd.GeoDataFrame({"highway": []}, geometry=[], crs=edges.crs)
    merged = sel.dissolve(by="highway", as_index=False)
    merged["geometry"] = merged.geometry.line_merge().simplify(0.0003)
    return merged


@st.cache_data(max_entries=16, show_spinner=False)
def van_plan(path: str, fingerprint: str, options: VanOptions, _region: Region) -> VanPlan:
    """:func:`scenarios.routing.plan_vans` for one set of options (gap analysis from the cache)."""
    from scenarios.routing import plan_vans

    gaps = _gap_analysis(path, fingerprint, _region)
    return plan_vans(_region, options, gaps=gaps)
