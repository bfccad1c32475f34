"""Which regions a session may open, and the cached library calls behind every page.

A session may open only the regions the operator offers (:func:`allowed_regions`:
``$ACCESSGAP_REGION`` or ``regions/sample``, and ``$ACCESSGAP_REGIONS``) and the regions
it uploaded itself; :func:`open_region` refuses any other path before
:func:`geodata.load_region` (which repairs leftovers of interrupted writes beside the
folder) ever sees it.

Every cached function is keyed by the region's resolved path and its fingerprint plus the
call's parameters, so switching pages or users re-uses results. Region objects are held once
per server with ``st.cache_resource`` (read-only by convention: nothing in ``ui/`` mutates
them); analysis results go through ``st.cache_data``, which hands each caller its own copy,
so one user can never change another user's tables.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import geopandas as gpd
import streamlit as st

from geodata.errors import AccessGapError, DataFileError
from geodata.region import Region
from scenarios.field.options import ReviewOptions, SweepOptions
from scenarios.routing.options import VanOptions

if TYPE_CHECKING:
    from scenarios.routing.adapter import VanPlan

__all__ = [
    "DEFAULT_REGION",
    "OUT_ENV",
    "REGIONS_ENV",
    "REGION_ENV",
    "UPLOAD_ENV",
    "RegionChoice",
    "RegionNotAllowedError",
    "RegionRef",
    "allowed_regions",
    "default_region_path",
    "engine_graph",
    "ensure_sample_region",
    "find_allowed",
    "gap_result",
    "isochrone_bands",
    "major_roads",
    "offroad_text",
    "open_region",
    "out_dir",
    "placement_plan",
    "region_ref",
    "region_summary_page",
    "review_plan",
    "session_uploads_dir",
    "sweep_plan",
    "upload_root",
    "van_plan",
]

REGION_ENV = "ACCESSGAP_REGION"
REGIONS_ENV = "ACCESSGAP_REGIONS"
UPLOAD_ENV = "ACCESSGAP_UPLOADS"
OUT_ENV = "ACCESSGAP_OUT"
DEFAULT_REGION = "regions/sample"

#: Road classes drawn by default (the rest only on request: they are most of the edges).
MAJOR_ROADS: tuple[str, ...] = ("motorway", "trunk", "primary", "secondary")
ALL_ROADS: tuple[str, ...] = (*MAJOR_ROADS, "tertiary", "unclassified", "residential", "track")


#: A session's upload folder name: the random hex id :func:`ui.upload.session_dir` draws.
_SESSION_ID = re.compile(r"[0-9a-f]{32}")


class RegionNotAllowedError(AccessGapError, PermissionError):
    """A session asked for a folder that is neither offered by the operator nor its upload."""


@dataclass(frozen=True)
class RegionChoice:
    """A region a session may open: its resolved folder and a readable label.

    ``upload`` is True for the session's own uploads.
    """

    path: str
    label: str
    upload: bool = False


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


def session_uploads_dir(session_id: object) -> Path | None:
    """The upload folder of the session with this id, or None for no (or a malformed) id.

    Only a 32-digit hex id (what the app draws) names a folder, so a tampered id cannot
    point elsewhere. The folder is not created here.
    """
    if not isinstance(session_id, str) or not _SESSION_ID.fullmatch(session_id):
        return None
    return upload_root() / session_id


def allowed_regions(session_uploads: Path | None = None) -> list[RegionChoice]:
    """The regions a session may open, the default region first.

    Parameters
    ----------
    session_uploads
        The session's own upload folder (:func:`session_uploads_dir`); its direct
        sub-folders holding a ``region.json`` are offered to this session only.

    Returns
    -------
    list of RegionChoice
        The default region (``$ACCESSGAP_REGION`` or ``regions/sample``, offered even before
        the sample is generated); then each entry of ``$ACCESSGAP_REGIONS``
        (``os.pathsep``-separated): a folder with a ``region.json`` is a region, another
        folder offers its direct sub-folders that hold one, and a missing folder is offered
        as it is (opening it says it is missing); then the session's uploads. Paths are
        resolved (symlinks followed) and listed once. Each is labelled with the region's
        name (never a server path; a shared name gets the folder's name). Hidden folders
        (leftovers of interrupted writes, unpacking scratch) and anything inside the upload
        folder of all sessions are never offered from the operator's list.
    """
    found: dict[str, RegionChoice] = {}
    default = _resolve(default_region_path())
    found[str(default)] = RegionChoice(str(default), _name(default))
    uploads = _resolve(upload_root())
    for entry in os.environ.get(REGIONS_ENV, "").split(os.pathsep):
        if not entry.strip():
            continue
        for folder in _regions_of(_resolve(entry.strip())):
            if not folder.is_relative_to(uploads):
                found.setdefault(str(folder), RegionChoice(str(folder), _name(folder)))
    for folder in _uploads_of(session_uploads, uploads) if session_uploads else []:
        label = f"{_name(folder)} (your upload: {folder.name})"
        found.setdefault(str(folder), RegionChoice(str(folder), label, upload=True))
    return _distinct_labels(list(found.values()))


def find_allowed(path: str, allowed: Sequence[RegionChoice]) -> RegionChoice:
    """The choice of ``allowed`` that ``path`` resolves to (symlinks followed).

    Raises
    ------
    RegionNotAllowedError
        When ``path`` is not one of them; nothing is read or changed at ``path``.
    """
    wanted = str(_resolve(path)) if path.strip() else ""
    for choice in allowed:
        if choice.path == wanted:
            return choice
    raise RegionNotAllowedError(
        f"'{path}' is not one of the regions offered here; choose one in the sidebar or "
        "upload yours on the 'Your data' page (the operator offers server folders with "
        f"{REGIONS_ENV})"
    )


def region_ref(path: str, allowed: Sequence[RegionChoice]) -> RegionRef:
    """Check ``path`` is allowed, resolve it and stamp its ``region.json``.

    Raises
    ------
    RegionNotAllowedError
        When ``path`` is not one of ``allowed`` (see :func:`find_allowed`).
    DataFileError
        When the folder or its ``region.json`` is missing.
    """
    folder = Path(find_allowed(path, allowed).path)
    meta = folder / "region.json"
    if not meta.is_file():
        what = "no such region folder" if not folder.is_dir() else "region.json is missing"
        raise DataFileError(
            f"{folder}: {what}; point to a region folder (see `accessgap sample --out "
            f"{path}`) or upload one on the 'Your data' page"
        )
    info = meta.stat()
    return RegionRef(str(folder), f"{info.st_mtime_ns}-{info.st_size}")


def open_region(path: str, allowed: Sequence[RegionChoice]) -> tuple[RegionRef, Region]:
    """Load (once per server) and validate the region at ``path`` if a session may open it.

    The allow-list is checked first, so :func:`geodata.load_region` (and the repair of
    interrupted writes it runs beside the folder) only ever runs on allowed folders.

    Raises
    ------
    RegionNotAllowedError
        When ``path`` is not one of ``allowed``.
    DataFileError, SchemaError
        When the region is missing or invalid (from :func:`geodata.load_region`).
    """
    ref = region_ref(path, allowed)
    return ref, _load_region_cached(ref.path, ref.stamp)


@st.cache_resource(max_entries=1, show_spinner=False)
def ensure_sample_region(path: str) -> str:
    """Build the synthetic sample region at ``path`` unless it is there (once per server)."""
    if not (Path(path) / "region.json").is_file():
        from access.synthetic import build_sample_region
        from geodata.region import save_region

        region, _truth = build_sample_region()
        save_region(region, path)
    return path


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
    exclusion model is not fitted here (first paint): :func:`awareness_result` fits the
    distance-vs-awareness model when the Explore page asks for it.
    """
    from access.analysis import gap_analysis

    return gap_analysis(_region, fit_model=False)


@st.cache_data(max_entries=8, show_spinner=False)
def awareness_result(path: str, fingerprint: str, _region: Region) -> Any:
    """:func:`access.awareness.awareness_analysis` of the region's gap table (union councils).

    ``None`` when registry coverage is unknown.
    """
    from access.awareness import awareness_analysis

    gaps = _gap_analysis(path, fingerprint, _region)
    if _region.coverage is None:
        return None
    return awareness_analysis(gaps.settlements, mode=gaps.settings.burden_mode)


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


def offroad_text(region: Region) -> str:
    """What walking crosses off the roads, when the region's surface is in use; else ``""``.

    ``"Walking over terrain: DEM + land cover, 16 neighbours"`` (from the surface
    :func:`access.offroad_region.resolve_offroad` uses for walking and ``region.json``'s
    ``offroad`` entry).
    """
    from access.offroad_region import resolve_offroad
    from access.speeds import TravelSettings

    surface = resolve_offroad(region, TravelSettings(mode="walk"))
    if surface is None:
        return ""
    layers = [
        label
        for label, given in (
            ("friction", surface.friction),
            ("DEM", surface.elevation),
            ("land cover", surface.landcover),
        )
        if given is not None
    ]
    conf = dict(region.metadata.get("offroad") or {})
    neighbours = int(conf.get("neighbours", surface.neighbours))
    return f"Walking over terrain: {' + '.join(layers)}, {neighbours} neighbours"


@st.cache_data(max_entries=4, show_spinner=False)
def region_summary_page(path: str, fingerprint: str, _region: Region) -> Any:
    """:func:`scenarios.region_summary.region_summary` (HTML, and PDF bytes with Chromium)."""
    from scenarios.region_summary import region_summary

    return region_summary(_region)


@st.cache_resource(max_entries=4, show_spinner=False)
def _fitted_gaps(path: str, fingerprint: str, _region: Region) -> Any:
    """The gap analysis with its exclusion model fitted, for the field plans.

    Field plans estimate registrations with the portfolio's turnout model, as the command
    line and the demo do (without the model they fell back to 60% of unregistered
    households).
    """
    from access.analysis import gap_analysis

    return gap_analysis(_region)


@st.cache_data(max_entries=8, show_spinner=False)
def review_plan(path: str, fingerprint: str, options: ReviewOptions, _region: Region) -> Any:
    """:func:`scenarios.field.plan_reviews` for one set of options (gap analysis cached)."""
    from scenarios.field import plan_reviews

    return plan_reviews(_region, options, gaps=_fitted_gaps(path, fingerprint, _region))


@st.cache_data(max_entries=8, show_spinner=False)
def sweep_plan(
    path: str,
    fingerprint: str,
    options: SweepOptions,
    served_by_vans: tuple[str, ...] | None,
    _region: Region,
) -> Any:
    """:func:`scenarios.field.plan_sweeps` (``served_by_vans``: a van plan's villages)."""
    from scenarios.field import plan_sweeps

    gaps = _fitted_gaps(path, fingerprint, _region)
    served = list(served_by_vans) if served_by_vans is not None else None
    return plan_sweeps(_region, options, gaps=gaps, served_by_vans=served)


@st.cache_resource(max_entries=8, show_spinner=False)
def _load_region_cached(path: str, stamp: str) -> Region:
    """:func:`geodata.load_region` once per (path, stamp); errors are not cached.

    Only :func:`open_region` calls it, after the allow-list check (a cache hit must not
    hand a region to a session that may not open it either).
    """
    from geodata import load_region

    return load_region(path)


def _resolve(path: str | Path) -> Path:
    return Path(path).expanduser().resolve()


def _regions_of(folder: Path, *, inside: bool = False) -> list[Path]:
    """``folder`` if it is a region (or missing), else its direct non-hidden region folders.

    With ``inside``, sub-folders that resolve (through a link) outside ``folder`` are skipped.
    """
    if (folder / "region.json").is_file() or not folder.is_dir():
        return [folder]
    subs = (_resolve(p) for p in sorted(folder.iterdir()) if not p.name.startswith("."))
    return [
        p
        for p in subs
        if (p / "region.json").is_file()
        and (not inside or (p.is_relative_to(folder) and p != folder))
    ]


def _uploads_of(session_uploads: Path, uploads: Path) -> list[Path]:
    """The regions saved in a session's upload folder (inside ``uploads``; no link out)."""
    own = _resolve(session_uploads)
    if not own.is_dir() or not own.is_relative_to(uploads) or (own / "region.json").exists():
        return []
    return _regions_of(own, inside=True)


def _name(folder: Path) -> str:
    """The region's name from its ``region.json``, else the folder's name."""
    try:
        name = json.loads((folder / "region.json").read_text(encoding="utf-8")).get("name")
    except (OSError, ValueError, AttributeError):
        name = None
    return str(name) if isinstance(name, str) and name.strip() else folder.name


def _distinct_labels(choices: list[RegionChoice]) -> list[RegionChoice]:
    """Labels that tell the regions apart without a server path.

    A name shared by several regions gets its folder's name (``"Sample (single)"``), then a
    number if that is shared too (``"Sample (single, 2)"``).
    """
    names = Counter(c.label for c in choices)
    out, seen = [], Counter[str]()
    for c in choices:
        label = c.label
        if names[label] > 1 and not c.upload:
            label = f"{label} ({Path(c.path).name})"
        seen[label] += 1
        if seen[label] > 1:
            label = (
                f"{label[:-1]}, {seen[label]})"
                if label.endswith(")")
                else f"{label} ({seen[label]})"
            )
        out.append(RegionChoice(c.path, label, c.upload))
    return out
