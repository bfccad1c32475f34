"""Attach an off-road surface to a region folder (``accessgap region attach-surface``).

The rasters (and the land-cover speed table) are checked the way every query will read them
(:func:`access.friction.load_surface` over the region's points and roads) *before* anything
is written; then the region is saved with :func:`geodata.region.save_region`, which copies
them into the folder, records their SHA-256 in ``region.json`` and swaps the folder in
atomically, so a failed attach leaves the region as it was. ``metadata.offroad`` records how
queries use the surface (``enabled``, ``neighbours``, ``cell_m``, ``max_slope``, ``source``);
:func:`access.offroad_region.resolve_offroad` reads it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from access.friction import OffroadSettings
from access.offroad_region import offroad_context
from access.speeds import TravelSettings
from geodata.errors import SchemaError
from geodata.manifest import SURFACE_FILES, ReadLimits, check_surface_limits
from geodata.region import Region, load_region, save_region

__all__ = ["attach_surface", "with_surface"]

PathLike = str | os.PathLike[str]


def attach_surface(
    region_dir: PathLike,
    *,
    out: PathLike | None = None,
    files: dict[str, PathLike | None] | None = None,
    enabled: bool | None = None,
    neighbours: int | None = None,
    cell_m: float | None = None,
    max_slope: float | None = None,
    source: str | None = None,
) -> Path:
    """Attach (or re-configure) the off-road surface of the region folder ``region_dir``.

    Parameters
    ----------
    region_dir
        The region folder.
    out
        Folder to write the region with its surface into (default: ``region_dir`` itself,
        replaced atomically).
    files
        Role -> file (``friction``, ``elevation``, ``landcover``, ``landcover_speeds``): the
        new surface, replacing any attached one. ``None`` keeps the attached files and only
        changes the options.
    enabled, neighbours, cell_m, max_slope, source
        ``metadata.offroad`` options; ``None`` keeps the current value (defaults: disabled,
        16 neighbours, the rasters' own cell size, max slope 1).

    Returns
    -------
    pathlib.Path
        The region folder written.

    Raises
    ------
    SchemaError
        For a bad combination of files or options, or when no surface is attached and none
        is given.
    DataFileError, CRSError
        For a raster that cannot be used over the region (nothing is written then).
    """
    region = load_region(region_dir)
    new = with_surface(
        region,
        files=files,
        enabled=enabled,
        neighbours=neighbours,
        cell_m=cell_m,
        max_slope=max_slope,
        source=source,
    )
    return save_region(new, Path(out) if out is not None else Path(region_dir))


def with_surface(
    region: Region,
    *,
    files: dict[str, PathLike | None] | None = None,
    enabled: bool | None = None,
    neighbours: int | None = None,
    cell_m: float | None = None,
    max_slope: float | None = None,
    source: str | None = None,
) -> Region:
    """``region`` with an off-road surface attached, checked over its points and roads.

    See :func:`attach_surface` for the parameters (the same, without the folders).

    Raises
    ------
    SchemaError, DataFileError, CRSError
        As :func:`attach_surface`.
    """
    unknown = sorted(set(files or {}) - set(SURFACE_FILES))
    if unknown:
        raise SchemaError(f"unknown surface roles {unknown}; use {sorted(SURFACE_FILES)}")
    chosen = {k: Path(v) for k, v in (files or {}).items() if v is not None}
    if not chosen:
        chosen = {k: Path(v) for k, v in region.offroad_files.items()}
    if not chosen:
        raise SchemaError(
            f"region {region.name} has no off-road surface attached; give --friction, "
            "--elevation or --landcover (with --landcover-speeds)",
            source="attach-surface",
        )
    conf: dict[str, Any] = dict(region.metadata.get("offroad") or {})
    for key, value in (
        ("enabled", enabled),
        ("neighbours", neighbours),
        ("cell_m", cell_m),
        ("max_slope", max_slope),
        ("source", source),
    ):
        if value is not None:
            conf[key] = value
    conf.setdefault("enabled", False)
    settings = OffroadSettings(
        friction=chosen.get("friction"),
        elevation=chosen.get("elevation"),
        landcover=chosen.get("landcover"),
        landcover_speeds=chosen.get("landcover_speeds"),
        neighbours=int(conf.get("neighbours", 16)),
        cell_m=conf.get("cell_m"),
        max_slope=float(conf.get("max_slope", 1.0)),
    )
    for role, path in settings.files().items():
        if path.is_file():
            check_surface_limits(path, role, ReadLimits())
    offroad_context(region, TravelSettings(mode="walk", offroad=False), settings)
    meta = {**dict(region.metadata), "offroad": conf}
    return region.with_(offroad_files=chosen, metadata=meta)
