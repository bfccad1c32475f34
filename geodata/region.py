"""The region package: one folder holding everything about a region.

Layout on disk (all layers in EPSG:4326)::

    REGION/
      region.json          name, format version, provenance, licences, flags, file hashes
      road_nodes.parquet   GeoParquet, schema ROAD_NODES
      road_edges.parquet   GeoParquet, schema ROAD_EDGES
      settlements.parquet  GeoParquet, schema SETTLEMENTS
      centres.parquet      GeoParquet, schema CENTRES (kind == "existing")
      candidates.parquet   GeoParquet, schema CANDIDATES (kind == "candidate")
      boundaries.parquet   GeoParquet, schema BOUNDARIES
      coverage.parquet     optional, schema COVERAGE
      poverty.parquet      optional, schema POVERTY
      friction.tif, elevation.tif, landcover.tif, landcover_speeds.csv
                           optional off-road surface (#22), used as ``metadata.offroad`` says

:func:`save_region` writes a new folder next to the target and swaps it in with renames, so a
failed write leaves the old region intact. :func:`load_region` validates every table.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pyproj import CRS

from geodata import schema as sc
from geodata.errors import DataFileError, Problem, SchemaError
from geodata.files import recover_folder, write_folder_atomically
from geodata.identifiers import redact
from geodata.manifest import (
    SURFACE_FILES,
    ReadLimits,
    check_parquet_limits,
    check_surface_limits,
    file_sha256,
    fingerprint_of,
    read_manifest,
    verify_files,
)
from geodata.privacy import redact_text_columns
from geodata.registry import registry_problems
from geodata.road_arrays import read_road_arrays
from geodata.road_network import RoadNetwork

__all__ = [
    "FORMAT_VERSION",
    "PACKAGE_EXTRA_COLUMNS",
    "Region",
    "RoadNetwork",
    "load_region",
    "restamp_region",
    "save_region",
    "summarize",
    "validate_region",
]

log = logging.getLogger(__name__)

FORMAT_VERSION = 1

_SPATIAL = {
    "road_nodes": sc.ROAD_NODES,
    "road_edges": sc.ROAD_EDGES,
    "settlements": sc.SETTLEMENTS,
    "centres": sc.CENTRES,
    "candidates": sc.CANDIDATES,
    "boundaries": sc.BOUNDARIES,
}
_TABLES = {"coverage": sc.COVERAGE, "poverty": sc.POVERTY}
#: Columns a region package may hold besides each schema's own (an allow-list: anything
#: else, e.g. a phone or CNIC column of a user's file, is dropped on save and logged).
PACKAGE_EXTRA_COLUMNS: dict[str, tuple[str, ...]] = {
    "road_nodes": (),
    "road_edges": ("osm_way_id",),
    "settlements": ("terrain", "source"),
    "centres": ("settlement_id", "source"),
    "candidates": ("settlement_id", "source"),
    "boundaries": ("name_ur", "partial", "osm_id"),
    "coverage": (),
    "poverty": (),
}


@dataclass(frozen=True)
class Region:
    """Everything the analyses need about one region.

    Attributes
    ----------
    name
        Human name, e.g. "Sample District (synthetic)".
    roads
        The road graph.
    settlements, centres, candidates, boundaries
        GeoDataFrames in EPSG:4326 following their schemas.
    coverage, poverty
        Registry coverage and poverty tables, or ``None`` when unknown.
    metadata
        Provenance, licences and flags (e.g. ``{"synthetic": True}``); ``metadata["offroad"]``
        says how the off-road surface is used (``enabled``, ``neighbours``, ``cell_m``,
        ``max_slope``, ``source``).
    offroad_files
        The off-road surface files (role -> path: ``friction``, ``elevation``, ``landcover``,
        ``landcover_speeds``); copied into the folder and hashed by :func:`save_region`.
    """

    name: str
    roads: RoadNetwork
    settlements: gpd.GeoDataFrame
    centres: gpd.GeoDataFrame
    candidates: gpd.GeoDataFrame
    boundaries: gpd.GeoDataFrame
    coverage: pd.DataFrame | None = None
    poverty: pd.DataFrame | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    offroad_files: Mapping[str, Path] = field(default_factory=dict)

    @property
    def coverage_known(self) -> bool:
        """Whether registry coverage data is present."""
        return self.coverage is not None

    @property
    def synthetic(self) -> bool:
        """Whether the region's figures are synthetic (the sample region)."""
        return bool(self.metadata.get("synthetic", False))

    def metric_crs(self) -> CRS:
        """The projected metric CRS (UTM zone) used for measuring in this region."""
        crs = self.metadata.get("metric_crs")
        if crs:
            return CRS.from_user_input(crs)
        est = self.settlements.estimate_utm_crs()
        return CRS.from_user_input(est)

    def fingerprint(self) -> str:
        """A hash of the region's content, for cache keys."""
        fp = self.metadata.get("fingerprint")
        if isinstance(fp, str) and fp:
            return fp
        # computed once per (immutable) region object; engine calls ask for it often
        cached = self.__dict__.get("_fingerprint")
        if cached is None:
            cached = _content_hash(self)
            self.__dict__["_fingerprint"] = cached
        return str(cached)

    def with_(self, **changes: Any) -> Region:
        """Return a copy with some fields replaced (the region itself is immutable)."""
        meta = dict(changes.pop("metadata", self.metadata))
        meta.pop("fingerprint", None)
        return replace(self, metadata=meta, **changes)


def validate_region(region: Region, *, source: str = "") -> Region:
    """Validate every table of ``region`` and the links between them.

    Raises
    ------
    SchemaError
        Listing every problem in every table.
    """
    region = _without_identifiers(region)
    problems: list[Problem] = []
    out: dict[str, Any] = {}
    try:
        # array-backed roads were checked as read (columns, geometries, missing values);
        # compiling checks node ids and edge ends
        roads = region.roads
        out["roads"] = roads if roads.array_backed else roads.validated(source=source)
    except SchemaError as err:
        problems.extend(err.problems)
    for attr in ("settlements", "centres", "candidates", "boundaries"):
        schema = _SPATIAL[attr]
        try:
            out[attr] = gpd.GeoDataFrame(
                sc.validate(getattr(region, attr), schema, source=f"{source}{attr}")
            )
        except SchemaError as err:
            problems.extend(err.problems)
    for attr in ("coverage", "poverty"):
        table = getattr(region, attr)
        if table is None:
            out[attr] = None
            continue
        try:
            out[attr] = sc.validate(
                table,
                _TABLES[attr],
                source=f"{source}{attr}",
                crs=None,
                unique_together=("level", "unit_id"),
            )
        except SchemaError as err:
            problems.extend(err.problems)
    if not problems:  # the rules every analysis applies, so a region that passes never fails
        problems = registry_problems(out["settlements"], out["coverage"], out["poverty"])
    if problems:
        raise SchemaError(problems, source=source.rstrip("/") or region.name)
    return replace(region, **out)


def save_region(region: Region, path: str | os.PathLike[str], *, validate: bool = True) -> Path:
    """Write ``region`` to the folder ``path`` atomically.

    The region is written to a temporary folder beside ``path`` and swapped in by renames;
    if anything fails, the old folder at ``path`` is left as it was.

    Returns
    -------
    pathlib.Path
        The folder written.

    Raises
    ------
    SchemaError
        If ``validate`` and a table breaks its contract (nothing is written).
    """
    target = Path(path)
    if validate:
        region = validate_region(region)
    if target.exists() and not (target / "region.json").is_file() and any(target.iterdir()):
        raise DataFileError(
            f"{target}: exists and is not a region package; choose another folder "
            "(nothing was overwritten)"
        )

    def write(tmp: Path) -> None:
        files: dict[str, str] = {}
        for attr in _SPATIAL:
            if attr == "road_nodes":
                gdf = region.roads.nodes
            elif attr == "road_edges":
                gdf = region.roads.edges
            else:
                gdf = getattr(region, attr)
            name = f"{attr}.parquet"
            _allowed(gdf, attr).to_parquet(tmp / name, index=False, compression="zstd")
            files[attr] = name
        for attr in _TABLES:
            table = getattr(region, attr)
            if table is not None:
                name = f"{attr}.parquet"
                pd.DataFrame(_allowed(table, attr)).to_parquet(
                    tmp / name, index=False, compression="zstd"
                )
                files[attr] = name
        files.update(_copy_surface(region, tmp))
        hashes = {k: file_sha256(tmp / v) for k, v in files.items()}
        meta = {k: v for k, v in region.metadata.items() if k != "fingerprint"}
        if not region.offroad_files:
            meta.pop("offroad", None)
        else:
            meta["offroad"] = {"enabled": False, **dict(meta.get("offroad") or {})}
        doc = {
            "format_version": FORMAT_VERSION,
            "name": region.name,
            "crs": sc.STORAGE_CRS,
            "files": files,
            "sha256": hashes,
            "fingerprint": fingerprint_of(hashes),
            "metadata": meta,
        }
        (tmp / "region.json").write_text(
            json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8"
        )

    write_folder_atomically(target, write, kind="region")
    log.info("wrote region %s to %s", region.name, target)
    return target


def load_region(
    path: str | os.PathLike[str],
    *,
    validate: bool = True,
    verify: bool = True,
    limits: ReadLimits | None = None,
    roads: Literal["frames", "arrays"] = "frames",
) -> Region:
    """Read and validate a region folder written by :func:`save_region`.

    Parameters
    ----------
    path
        The region folder.
    validate
        Check every table against its data contract.
    verify
        Check that every table still has the SHA-256 ``region.json`` recorded; a region edited
        on purpose is re-stamped with :func:`restamp_region` (``accessgap region stamp``).
    limits
        The most rows and bytes one table may declare before it is read (default
        :class:`~geodata.manifest.ReadLimits`; the app uses tighter ones for uploads).
    roads
        ``"frames"``: the road tables as GeoDataFrames. ``"arrays"``: as
        :class:`~geodata.road_arrays.RoadArrays` read by columns (national regions: a
        fraction of the memory and time); ``region.roads.nodes`` / ``.edges`` are then read
        on first use. With ``validate``, array-backed roads are checked as compiling needs
        (columns, geometry kinds, no missing values), the other tables in full.

    Raises
    ------
    DataFileError
        When the folder, ``region.json`` or a listed file is missing, unreadable, changed since
        it was written, or over the limits.
    SchemaError
        When ``region.json`` or a table breaks its contract (every problem listed, with file,
        row, column).

    Examples
    --------
    >>> region = load_region("regions/sample")  # doctest: +SKIP
    >>> region.settlements["households"].sum()  # doctest: +SKIP
    """
    folder = Path(path)
    recover_folder(folder)  # a save killed mid-swap left the previous region beside it
    if not folder.is_dir():
        raise DataFileError(
            f"{folder}: no such region folder; build one with `accessgap sample --out {folder}` "
            "or `accessgap region build`"
        )
    manifest = read_manifest(
        folder, version=FORMAT_VERSION, required=tuple(_SPATIAL), optional=tuple(_TABLES)
    )
    if verify:
        verify_files(folder, manifest)
    tables: dict[str, Any] = {}
    if roads not in ("frames", "arrays"):
        raise ValueError(f"roads must be 'frames' or 'arrays', got {roads!r}")
    road_files = (folder / manifest.files["road_nodes"], folder / manifest.files["road_edges"])
    for attr in list(_SPATIAL) + list(_TABLES):
        name = manifest.files.get(attr)  # surface files stay on disk (read per query)
        if roads == "arrays" and attr in ("road_nodes", "road_edges"):
            check_parquet_limits(folder / manifest.files[attr], limits or ReadLimits())
            continue
        if name is None:
            tables[attr] = None
            continue
        tables[attr] = _read_table(folder / name, spatial=attr in _SPATIAL, limits=limits)
    surface = {r: folder / n for r, n in manifest.files.items() if r in SURFACE_FILES}
    for role, fpath in surface.items():
        check_surface_limits(fpath, role, limits or ReadLimits())
    meta = dict(manifest.metadata)
    # the fingerprint comes from the hashes of the files as read (verified above), never from
    # a field a user can edit: caches keyed on it cannot serve results of other content
    meta["fingerprint"] = manifest.fingerprint
    if roads == "arrays":
        for f in road_files:
            if not f.is_file():
                raise DataFileError(f"{f}: file is missing; the region package is incomplete")
        net = RoadNetwork.from_arrays(
            read_road_arrays(*road_files),
            functools.partial(_read_roads, *road_files, limits, validate, f"{folder}/"),
        )
    else:
        net = RoadNetwork(tables["road_nodes"], tables["road_edges"])
    region = Region(
        name=manifest.name,
        roads=net,
        settlements=tables["settlements"],
        centres=tables["centres"],
        candidates=tables["candidates"],
        boundaries=tables["boundaries"],
        coverage=tables["coverage"],
        poverty=tables["poverty"],
        metadata=meta,
        offroad_files=surface,
    )
    if validate:
        region = validate_region(region, source=f"{folder}/")
    if roads == "arrays":  # arrow keeps freed read buffers pooled (~0.3 GB nationally)
        pa.default_memory_pool().release_unused()
    return region


def restamp_region(path: str | os.PathLike[str]) -> Path:
    """Accept a region folder edited on purpose: validate it and record its files' new hashes.

    Returns
    -------
    pathlib.Path
        The folder, rewritten with a new ``region.json``.

    Raises
    ------
    SchemaError
        When a table of the edited region breaks its contract (nothing is rewritten then).
    """
    region = load_region(path, verify=False)
    meta = {k: v for k, v in region.metadata.items() if k != "fingerprint"}
    return save_region(replace(region, metadata=meta), path)


# ---------------------------------------------------------------------------------------


def _without_identifiers(region: Region) -> Region:
    """``region`` with CNIC and phone numbers blanked in every text field it stores."""
    tables: dict[str, Any] = {}
    for attr in ("settlements", "centres", "candidates", "boundaries", "coverage", "poverty"):
        table = getattr(region, attr)
        if table is not None:
            tables[attr] = redact_text_columns(table, what=attr)
    roads = region.roads
    if not roads.array_backed:  # array-backed roads hold no free text (no `name` column)
        roads = RoadNetwork(
            redact_text_columns(roads.nodes, what="road_nodes"),
            redact_text_columns(roads.edges, what="road_edges"),
        )
    return replace(region, name=redact(region.name), roads=roads, **tables)


def _copy_surface(region: Region, tmp: Path) -> dict[str, str]:
    """Copy the region's surface files into ``tmp`` as ``<role><suffix>``; their names."""
    import shutil

    out = {}
    for role, src in sorted(region.offroad_files.items()):
        src = Path(src)
        if role not in SURFACE_FILES:
            raise SchemaError(
                f"offroad_files: unknown role {role!r}; use {sorted(SURFACE_FILES)}",
                source=region.name,
            )
        suffix = src.suffix.lower()
        if suffix not in SURFACE_FILES[role]:
            raise DataFileError(
                f"{src}: the {role} file must end in {' or '.join(SURFACE_FILES[role])}"
            )
        if not src.is_file():
            raise DataFileError(f"{src}: the {role} file is missing; check the path")
        name = f"{role}{suffix}"
        shutil.copyfile(src, tmp / name)
        out[role] = name
    return out


def _allowed(df: pd.DataFrame, attr: str) -> pd.DataFrame:
    """``df`` with only its schema's columns, the allowed extras and the geometry."""
    schema = _SPATIAL.get(attr) or _TABLES[attr]
    keep = {c.name for c in schema.columns} | set(PACKAGE_EXTRA_COLUMNS[attr])
    if isinstance(df, gpd.GeoDataFrame) and df.geometry.name in df.columns:
        keep.add(df.geometry.name)
    drop = [c for c in df.columns if c not in keep]
    if not drop:
        return df
    log.warning(
        "%s: columns %s are not part of a region package and were not saved",
        attr,
        ", ".join(map(str, drop)),
    )
    return df.drop(columns=drop)


def _read_table(fpath: Path, *, spatial: bool, limits: ReadLimits | None) -> Any:
    if not fpath.is_file():
        raise DataFileError(f"{fpath}: file is missing; the region package is incomplete")
    if fpath.stat().st_size == 0:
        raise DataFileError(f"{fpath}: file is empty; rebuild the region")
    check_parquet_limits(fpath, limits or ReadLimits())
    try:
        # full validation catches what pandas would only meet later (e.g. invalid UTF-8)
        pq.read_table(fpath).validate(full=True)
        return gpd.read_parquet(fpath) if spatial else pd.read_parquet(fpath)
    except Exception as err:  # pyarrow raises many kinds; all mean "unreadable"
        raise DataFileError(
            f"{fpath}: cannot be read as (Geo)Parquet ({err}); the file is damaged, rebuild "
            "the region or copy it again"
        ) from err


def _read_roads(
    nodes: Path, edges: Path, limits: ReadLimits | None, validate: bool, source: str
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """An array-backed region's road tables, as ``load_region`` would have returned them."""
    net = RoadNetwork(
        _read_table(nodes, spatial=True, limits=limits),
        _read_table(edges, spatial=True, limits=limits),
    )
    if validate:
        net = RoadNetwork(
            redact_text_columns(net.nodes, what="road_nodes"),
            redact_text_columns(net.edges, what="road_edges"),
        ).validated(source=source)
    return net.nodes, net.edges


def _content_hash(region: Region) -> str:
    h = hashlib.sha256()
    for gdf in (
        region.roads.nodes,
        region.roads.edges,
        region.settlements,
        region.centres,
        region.candidates,
    ):
        hashed = pd.util.hash_pandas_object(gdf.drop(columns="geometry"), index=False)
        h.update(np.ascontiguousarray(hashed.to_numpy(dtype=np.uint64)).tobytes())
        h.update(b"".join(gdf.geometry.to_wkb().tolist()))
    for role, fpath in sorted(region.offroad_files.items()):
        h.update(f"{role}={file_sha256(Path(fpath))};".encode())
    return h.hexdigest()[:16]


def summarize(region: Region) -> dict[str, Any]:
    """Headline counts of a region (households, settlements, units, centres, coverage)."""
    s = region.settlements
    hh = int(s["households"].sum())
    doc: dict[str, Any] = {
        "name": region.name,
        "synthetic": region.synthetic,
        "settlements": len(s),
        "households": hh,
        "population": int(s["population"].sum()),
        "road_nodes": len(region.roads.nodes),
        "road_edges": len(region.roads.edges),
        "existing_centres": len(region.centres),
        "candidate_sites": len(region.candidates),
        "coverage_known": region.coverage_known,
    }
    for level in ("province", "district", "tehsil", "union_council"):
        doc[f"n_{level}"] = int(s[level].nunique())
    if region.coverage is not None:
        reg = float(region.coverage["registered_households"].sum())
        doc["registered_households"] = round(reg)
        doc["coverage_share"] = round(reg / hh, 4) if hh else None
    return doc
