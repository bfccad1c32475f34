"""``region.json``, the manifest of a region folder: its schema, its hashes and read limits.

A region folder is trusted only as far as its manifest says: :func:`read_manifest` checks every
field (collecting all problems, then raising once), :func:`verify_files` checks that each table
still has the SHA-256 the manifest recorded (so an edited table is never read under an old
fingerprint, and no cache keyed on it can serve stale results), and
:func:`check_parquet_limits` refuses a table whose row count or size, read from the Parquet
footer before any data, is beyond what a reader should hold in memory.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from pyproj import CRS
from pyproj.exceptions import CRSError as ProjCRSError

from geodata.errors import DataFileError, Problem, SchemaError

__all__ = [
    "OFFROAD_OPTIONS",
    "SURFACE_FILES",
    "UPLOAD_LIMITS",
    "Manifest",
    "ReadLimits",
    "check_parquet_limits",
    "check_surface_limits",
    "file_sha256",
    "fingerprint_of",
    "read_manifest",
    "verify_files",
]

_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_FILE_NAME = re.compile(r"^[A-Za-z0-9_.-]+\.parquet$")

#: The off-road surface files a region may hold (#22), by role, with their allowed suffixes:
#: walking friction (minutes per metre), a DEM, land-cover classes and their speed table.
SURFACE_FILES: dict[str, tuple[str, ...]] = {
    "friction": (".tif", ".tiff"),
    "elevation": (".tif", ".tiff"),
    "landcover": (".tif", ".tiff"),
    "landcover_speeds": (".csv",),
}

#: Keys of ``metadata.offroad`` (how the region's surface is used) and what each must be.
OFFROAD_OPTIONS: dict[str, str] = {
    "enabled": "true or false (use the surface in every query unless told otherwise)",
    "neighbours": "8 or 16",
    "cell_m": "a cell size in metres > 0 (or null for the rasters' own)",
    "max_slope": "a rise over run > 0",
    "source": "text saying where the rasters come from",
}


@dataclass(frozen=True)
class ReadLimits:
    """The most one table of a region may hold before it is read.

    Attributes
    ----------
    max_rows
        Rows of one table (a national region has a few million road nodes and edges).
    max_bytes
        Uncompressed bytes of one table, as its Parquet footer declares them.
    max_raster_cells, max_raster_bytes
        Cells (width x height, from the header) and file bytes of one surface raster.
    max_csv_bytes
        File bytes of the land-cover speed table.
    """

    max_rows: int = 60_000_000
    max_bytes: int = 16 * 2**30
    max_raster_cells: int = 400_000_000
    max_raster_bytes: int = 4 * 2**30
    max_csv_bytes: int = 2**20


#: Tighter limits for regions uploaded through the app (one server, many users).
UPLOAD_LIMITS = ReadLimits(
    max_rows=5_000_000,
    max_bytes=2 * 2**30,
    max_raster_cells=100_000_000,
    max_raster_bytes=400 * 2**20,
)


@dataclass(frozen=True)
class Manifest:
    """A validated ``region.json``.

    Attributes
    ----------
    path
        The ``region.json`` file.
    name
        The region's human name.
    files
        Table name -> file name inside the folder.
    sha256
        Table name -> SHA-256 of its file, as recorded when the region was written.
    metadata
        Provenance, licences and flags.
    """

    path: Path
    name: str
    files: Mapping[str, str]
    sha256: Mapping[str, str]
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        """The region's fingerprint, computed from the recorded hashes (never read as such)."""
        return fingerprint_of(self.sha256)


def read_manifest(
    folder: str | os.PathLike[str],
    *,
    version: int,
    required: Iterable[str],
    optional: Iterable[str] = (),
) -> Manifest:
    """Read and check a region folder's ``region.json``.

    Parameters
    ----------
    folder
        The region folder.
    version
        The ``format_version`` this tool reads.
    required, optional
        Table names that must, or may, be listed under ``files``.

    Returns
    -------
    Manifest
        The checked manifest.

    Raises
    ------
    DataFileError
        When ``region.json`` is missing or is not JSON.
    SchemaError
        Listing every field of ``region.json`` that is wrong, with what to do.
    """
    path = Path(folder) / "region.json"
    if not path.is_file():
        raise DataFileError(f"{path}: missing; this folder is not a region package")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise DataFileError(f"{path}: cannot be read as JSON ({err})") from err
    if not isinstance(doc, dict):
        raise SchemaError([_problem(path, None, "must be a JSON object; rebuild the region")])
    if doc.get("format_version") != version:
        raise DataFileError(
            f"{path}: format_version {doc.get('format_version')!r} is not supported (this tool "
            f"reads {version}); rebuild the region"
        )
    problems: list[Problem] = []
    name = doc.get("name", Path(folder).name)
    if not isinstance(name, str):
        problems.append(_problem(path, "name", "must be text"))
    files = _str_map(doc.get("files"), path, "files", problems)
    hashes = _str_map(doc.get("sha256"), path, "sha256", problems)
    metadata = doc.get("metadata", {})
    if not isinstance(metadata, dict):
        problems.append(_problem(path, "metadata", "must be a JSON object"))
        metadata = {}
    _check_files(files, hashes, set(required), set(optional) | set(SURFACE_FILES), path, problems)
    _check_metric_crs(metadata.get("metric_crs"), path, problems)
    _check_offroad(metadata.get("offroad"), files, path, problems)
    if problems:
        raise SchemaError(problems, source=str(path))
    return Manifest(path, str(name), files, hashes, metadata)


def verify_files(folder: str | os.PathLike[str], manifest: Manifest) -> None:
    """Check that every table still has the SHA-256 its manifest recorded.

    Raises
    ------
    DataFileError
        Naming every changed or missing file, and how to re-stamp a region edited on purpose.
    """
    changed = []
    for attr, name in manifest.files.items():
        p = Path(folder) / name
        if not p.is_file():
            raise DataFileError(f"{p}: file is missing; the region package is incomplete")
        if p.stat().st_size == 0:
            raise DataFileError(f"{p}: file is empty; rebuild the region")
        if file_sha256(p) != manifest.sha256[attr]:
            if attr not in SURFACE_FILES:  # a damaged table says so, not only "changed"
                check_parquet_limits(p, ReadLimits())
            changed.append(name)
    if changed:
        raise DataFileError(
            f"{Path(folder)}: {', '.join(changed)} changed since the region was written (its "
            "SHA-256 no longer matches region.json), so results would not match the files. "
            "If you edited the region on purpose, re-stamp it with "
            f"`accessgap region stamp {Path(folder)}`; otherwise copy the region again"
        )


def check_parquet_limits(path: str | os.PathLike[str], limits: ReadLimits) -> None:
    """Refuse a Parquet file whose footer declares more rows or bytes than ``limits``.

    Only the footer is read, so a small file that would expand to gigabytes (e.g. millions
    of constant rows) is refused before any of its data is.

    Raises
    ------
    DataFileError
        When the file is unreadable or over a limit.
    """
    try:
        meta = pq.ParquetFile(path).metadata
    except Exception as err:  # pyarrow raises many kinds; all mean "unreadable"
        raise DataFileError(
            f"{path}: cannot be read as Parquet ({err}); the file is damaged, rebuild the "
            "region or copy it again"
        ) from err
    rows = int(meta.num_rows)
    size = _decoded_bytes(meta)
    if rows > limits.max_rows or size > limits.max_bytes:
        raise DataFileError(
            f"{path}: declares {rows:,} rows and {size / 2**20:,.0f} MiB once decoded, over "
            f"the limit of {limits.max_rows:,} rows and {limits.max_bytes / 2**20:,.0f} MiB "
            "per table; split the region (e.g. by province) or check the file"
        )


def check_surface_limits(path: str | os.PathLike[str], role: str, limits: ReadLimits) -> None:
    """Refuse a surface file (raster or speed table) larger than ``limits`` allow.

    A raster's size is read from its header only (width x height), before any pixel.

    Raises
    ------
    DataFileError
        Naming the file and its role when it is unreadable or over a limit.
    """
    p = Path(path)
    size = p.stat().st_size
    if role == "landcover_speeds":
        if size > limits.max_csv_bytes:
            raise DataFileError(
                f"{p}: the {role} table is {size:,} bytes (limit {limits.max_csv_bytes:,}); "
                "it should hold one row class,kph per land-cover class"
            )
        return
    if size > limits.max_raster_bytes:
        raise DataFileError(
            f"{p}: the {role} raster is {size / 2**20:,.0f} MiB (limit "
            f"{limits.max_raster_bytes / 2**20:,.0f} MiB); clip it to the region first "
            "(e.g. gdalwarp -te ...)"
        )
    import rasterio
    from rasterio.errors import RasterioIOError

    try:
        with rasterio.open(p) as src:
            cells = int(src.width) * int(src.height)
    except RasterioIOError as err:
        raise DataFileError(f"{p}: the {role} file cannot be read as a raster ({err})") from err
    if cells > limits.max_raster_cells:
        raise DataFileError(
            f"{p}: the {role} raster has {cells:,} cells (limit {limits.max_raster_cells:,}); "
            "clip it to the region or coarsen it first (gdalwarp -te / -tr)"
        )


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, as hex."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fingerprint_of(hashes: Mapping[str, str]) -> str:
    """The 16-hex-digit fingerprint of a region from its tables' hashes."""
    return hashlib.sha256(json.dumps(dict(hashes), sort_keys=True).encode()).hexdigest()[:16]


#: Bytes per value of Parquet's fixed-width physical types once decoded into memory.
_WIDTH = {"BOOLEAN": 1, "INT32": 4, "FLOAT": 4, "INT64": 8, "DOUBLE": 8, "INT96": 12}


def _decoded_bytes(meta: Any) -> int:
    """Memory the table takes once decoded, from the footer alone.

    Encoded sizes understate it (a constant column run-length encodes to nothing), so fixed
    width columns count their width per row, and text or binary columns their uncompressed
    bytes plus an 8-byte offset per row.
    """
    rows = int(meta.num_rows)
    total = 0
    for c in range(meta.num_columns):
        kind = meta.schema.column(c).physical_type
        width = _WIDTH.get(kind)
        if width is not None:
            total += width * rows
            continue
        total += 8 * rows
        for g in range(meta.num_row_groups):
            total += int(meta.row_group(g).column(c).total_uncompressed_size)
    return total


def _problem(path: Path, key: str | None, what: str) -> Problem:
    return Problem(what, source=str(path), column=key)


def _str_map(value: Any, path: Path, key: str, problems: list[Problem]) -> dict[str, str]:
    if not isinstance(value, dict):
        problems.append(_problem(path, key, "must be a JSON object of names; rebuild the region"))
        return {}
    bad = [k for k, v in value.items() if not isinstance(v, str)]
    if bad:
        problems.append(_problem(path, key, f"has non-text values for {sorted(bad)[:5]}"))
    return {k: v for k, v in value.items() if isinstance(v, str)}


def _check_files(
    files: dict[str, str],
    hashes: dict[str, str],
    required: set[str],
    optional: set[str],
    path: Path,
    problems: list[Problem],
) -> None:
    for attr in sorted(required - set(files)):
        problems.append(_problem(path, "files", f"lists no file for '{attr}'; rebuild the region"))
    for attr in sorted(set(files) - required - optional):
        problems.append(_problem(path, "files", f"lists an unknown table '{attr}'"))
    for attr, name in files.items():
        suffixes = SURFACE_FILES.get(attr)
        if suffixes is not None:
            if not _plain_name(name) or not name.lower().endswith(suffixes):
                problems.append(
                    _problem(
                        path,
                        "files",
                        f"'{attr}' must be a {' or '.join(suffixes)} file in the folder, got "
                        f"{name!r}",
                    )
                )
        elif not _FILE_NAME.match(name):
            problems.append(
                _problem(path, "files", f"'{attr}' must be a .parquet file in the folder")
            )
        digest = hashes.get(attr)
        if digest is None or not _HEX64.match(digest):
            problems.append(
                _problem(
                    path,
                    "sha256",
                    f"has no valid SHA-256 for '{attr}' (64 hex digits); re-stamp the region "
                    "with `accessgap region stamp FOLDER`",
                )
            )


def _check_metric_crs(value: Any, path: Path, problems: list[Problem]) -> None:
    if value is None:
        return
    try:
        crs = CRS.from_user_input(value)
    except (ProjCRSError, TypeError, ValueError):
        problems.append(
            _problem(path, "metadata.metric_crs", "is not a known CRS; use e.g. 'EPSG:32643'")
        )
        return
    if not crs.is_projected:
        problems.append(
            _problem(
                path,
                "metadata.metric_crs",
                "must be a projected CRS in metres (a UTM zone such as 'EPSG:32643')",
            )
        )


def _plain_name(name: str) -> bool:
    return bool(re.match(r"^[A-Za-z0-9_.-]+$", name)) and name not in (".", "..")


def _check_offroad(value: Any, files: dict[str, str], path: Path, problems: list[Problem]) -> None:
    """``metadata.offroad``: known keys with sensible values, and the files it needs."""
    key = "metadata.offroad"
    roles = set(files) & set(SURFACE_FILES)
    if value is None:
        if roles:
            problems.append(
                _problem(
                    path,
                    key,
                    "is missing although surface files are listed; re-attach "
                    "them with `accessgap region attach-surface`",
                )
            )
        return
    if not isinstance(value, dict):
        problems.append(_problem(path, key, "must be a JSON object"))
        return
    for k in sorted(set(value) - set(OFFROAD_OPTIONS)):
        problems.append(
            _problem(path, f"{key}.{k}", f"is unknown; allowed: {sorted(OFFROAD_OPTIONS)}")
        )
    checks: dict[str, Callable[[Any], bool]] = {
        "enabled": lambda v: isinstance(v, bool),
        "neighbours": lambda v: v in (8, 16) and not isinstance(v, bool),
        "cell_m": lambda v: v is None or (_number(v) and v > 0),
        "max_slope": lambda v: _number(v) and v > 0,
        "source": lambda v: isinstance(v, str),
    }
    for k, ok in checks.items():
        if k in value and not ok(value[k]):
            problems.append(_problem(path, f"{key}.{k}", f"must be {OFFROAD_OPTIONS[k]}"))
    if not roles - {"landcover_speeds"}:
        problems.append(
            _problem(path, key, "needs a friction, elevation or landcover file under 'files'")
        )
    if ("landcover" in roles) != ("landcover_speeds" in roles):
        problems.append(_problem(path, "files", "'landcover' and 'landcover_speeds' go together"))
    if {"friction", "landcover"} <= roles:
        problems.append(
            _problem(path, "files", "give 'friction' or 'landcover' as the flat cost, not both")
        )


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
