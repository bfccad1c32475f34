"""Nearest-centre travel tables of scenario runs, cached in memory and on disk.

A table is keyed by the region's fingerprint, the centre set and the travel settings
(:func:`travel_key`). Tables are kept in a small in-memory store shared by every
:class:`TravelCache` of the process, and, when a folder is given, as Parquet files next to a
SHA-256 digest (``<key>.parquet`` and ``<key>.sha256``). An entry whose digest or settlement
ids do not match is rebuilt (and counted as ``rebuilt``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from access.analysis import MODES
from access.engine import nearest_centre
from access.offroad_region import resolve_offroad
from access.speeds import TravelSettings
from geodata.manifest import file_sha256
from geodata.memo import LruMemo
from geodata.region import Region

__all__ = [
    "CACHE_FORMAT",
    "TravelCache",
    "clear_memory_cache",
    "table_hash",
    "travel_key",
]

log = logging.getLogger(__name__)

#: Version of the cache layout; part of every key.
CACHE_FORMAT = 1
_memo: LruMemo[str, pd.DataFrame] = LruMemo(32)


class TravelCache:
    """Nearest-centre tables per mode, keyed by region, settings and centres.

    Parameters
    ----------
    folder
        Cache folder (tables go to ``folder/travel``), or ``None`` for memory only.

    Attributes
    ----------
    counts
        ``memory_hits``, ``disk_hits``, ``computed`` and ``rebuilt`` (entries that failed
        their check).
    """

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder / "travel" if folder else None
        self.counts = {"memory_hits": 0, "disk_hits": 0, "computed": 0, "rebuilt": 0}

    def table(
        self,
        region: Region,
        centres: gpd.GeoDataFrame,
        settings_for: Callable[[str], TravelSettings],
    ) -> pd.DataFrame:
        """Wide table of every mode (columns as :func:`access.analysis.travel_times`).

        Parameters
        ----------
        region
            The region (its fingerprint is part of the key).
        centres
            The open centres.
        settings_for
            The travel settings of a mode.

        Returns
        -------
        pandas.DataFrame
            ``travel_min_<mode>``, ``network_m_<mode>``, ``access_m_<mode>``,
            ``centre_id_<mode>`` and ``flags_<mode>`` for every mode of
            :data:`access.analysis.MODES`.
        """
        parts = []
        for mode in MODES:
            travel = settings_for(mode)
            t = self.nearest(region, centres, travel)
            cols = {
                c: f"{c}_{mode}"
                for c in ("travel_min", "network_m", "access_m", "centre_id", "flags")
            }
            parts.append(t[list(cols)].rename(columns=cols))
        return pd.concat(parts, axis=1)

    def nearest(
        self, region: Region, centres: gpd.GeoDataFrame, travel: TravelSettings
    ) -> pd.DataFrame:
        """:func:`access.engine.nearest_centre` of one mode, from the cache when possible."""
        key = travel_key(region, centres, travel)
        hit = _memo.get(key)
        if hit is not None:
            self.counts["memory_hits"] += 1
            return hit.copy()
        t = self._read(key, region)
        if t is None:
            t = nearest_centre(region, settings=travel, centres=centres)
            self.counts["computed"] += 1
            self._write(key, t)
        _memo.put(key, t.copy())
        return t

    def _paths(self, key: str) -> tuple[Path, Path]:
        assert self.folder is not None
        return self.folder / f"{key}.parquet", self.folder / f"{key}.sha256"

    def _read(self, key: str, region: Region) -> pd.DataFrame | None:
        if self.folder is None:
            return None
        data, digest = self._paths(key)
        if not data.exists() and not digest.exists():
            return None
        try:
            ok = digest.read_text().strip() == file_sha256(data)
            t = pd.read_parquet(data) if ok else None
            if t is not None and not t["settlement_id"].astype(str).equals(
                region.settlements["settlement_id"].astype(str).set_axis(t.index)
            ):
                t = None
        except Exception as err:  # a damaged file may fail in many ways; all mean "rebuild"
            log.warning("travel cache entry %s is unreadable (%s); rebuilding", data, err)
            t = None
        if t is None:
            log.warning("travel cache entry %s failed its check; rebuilding", data)
            self.counts["rebuilt"] += 1
            return None
        self.counts["disk_hits"] += 1
        return t

    def _write(self, key: str, t: pd.DataFrame) -> None:
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        data, digest = self._paths(key)
        for target, fill in (
            (data, lambda p: t.to_parquet(p)),
            (digest, lambda p: Path(p).write_text(file_sha256(data) + "\n")),
        ):
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=self.folder)
            os.close(fd)
            try:
                fill(tmp)
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise


def clear_memory_cache() -> None:
    """Forget every table held in memory (the files on disk stay)."""
    _memo.clear()


def travel_key(region: Region, centres: gpd.GeoDataFrame, travel: TravelSettings) -> str:
    """The cache key of one travel table: region, centres and every setting that matters.

    The off-road surface in use (the region's own or one given in ``travel``) counts by the
    digest of its files' contents and options.
    """
    surface = resolve_offroad(region, travel)
    doc = {
        "format": CACHE_FORMAT,
        "region": region.fingerprint(),
        "centres": table_hash(centres[["centre_id", "geometry"]]),
        "mode": travel.mode,
        "season": travel.season,
        "closures": travel.closures.digest(),
        "profile": travel.profile.digest(),
        "walk_detour_factor": travel.walk_detour_factor,
        "max_snap_m": travel.max_snap_m,
        "main": travel.snap_to_main_component,
        "offroad": surface.digest() if surface is not None else None,
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:32]


def table_hash(gdf: gpd.GeoDataFrame) -> str:
    """SHA-256 of a table's column names, values and geometries (WKB), in row order."""
    h = hashlib.sha256()
    cols = [c for c in gdf.columns if c != "geometry"]
    h.update(json.dumps(cols).encode())
    if len(gdf):
        hashed = pd.util.hash_pandas_object(pd.DataFrame(gdf[cols]), index=False)
        h.update(np.ascontiguousarray(hashed.to_numpy(dtype=np.uint64)).tobytes())
        h.update(b"".join(gdf.geometry.to_wkb().tolist()))
    return h.hexdigest()
