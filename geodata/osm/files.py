"""Checks and guarded iteration shared by the OSM readers."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import osmium

from geodata.errors import DataFileError

__all__ = ["OSMIUM_ERRORS", "OSM_SUFFIXES", "check_osm_file", "guarded"]

OSM_SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.bz2", ".osm.gz", ".xml")

#: What pyosmium raises on a broken file: RuntimeError (libosmium io/parse errors),
#: ValueError ("illegal id"), InvalidLocationError ("characters after coordinate").
OSMIUM_ERRORS: tuple[type[BaseException], ...] = (
    RuntimeError,
    ValueError,
    EOFError,
    osmium.InvalidLocationError,
)


def guarded(fp: Iterable[Any], src: Path) -> Iterable[Any]:
    """Iterate a pyosmium processor, turning its errors into :class:`DataFileError`.

    Raises
    ------
    DataFileError
        When pyosmium cannot read ``src`` (broken or truncated file).
    """
    try:
        yield from fp
    except OSMIUM_ERRORS as err:
        raise DataFileError(
            f"{src}: cannot be read as OSM data ({err}); the file is broken or truncated, "
            "download it again"
        ) from err


def check_osm_file(path: str | os.PathLike[str]) -> Path:
    """The path of an existing, non-empty file with an OSM file name.

    Raises
    ------
    DataFileError
        When the file is missing, empty or not named like an OSM file.
    """
    src = Path(path)
    if not src.is_file():
        raise DataFileError(f"{src}: no such file; give the path of an .osm.pbf or .osm file")
    name = src.name.lower()
    if not name.endswith(OSM_SUFFIXES):
        raise DataFileError(
            f"{src}: not an OSM file name (expected one of {', '.join(OSM_SUFFIXES)}); "
            "download an extract, e.g. from download.geofabrik.de or extract.bbbike.org"
        )
    if src.stat().st_size == 0:
        raise DataFileError(f"{src}: file is empty; download the extract again")
    return src


#: What pyosmium raises on a broken file: RuntimeError (libosmium io/parse errors),
