"""Travel speeds per mode, road class, surface and season, and the travel settings object.

The default table (``speeds_default.csv`` beside this module) gives speeds in km/h per OSM
``highway`` class for the three modes ``walk``, ``motorbike`` (which also stands for public
transport: vans, rickshaws, buses) and ``car``. A speed of 0 means the mode cannot use that
class. Sources and assumptions are in ``docs/travel_model.md``.

Speed of one edge for one mode (:func:`edge_speeds_kph`)::

    base   = table[highway][mode]                (unknown classes use the ``road`` row)
    base   = min(base, maxspeed_kph, cap[mode])  when OSM maxspeed is plausible and the mode
                                                 is a vehicle (walking ignores maxspeed): a
                                                 limit caps the realised class speed, never
                                                 raises it
    speed  = base * unpaved_factor[mode]         when the (explicit or default) surface is
                                                 unpaved
    speed *= monsoon_unpaved_factor[mode]        in the monsoon season on unpaved edges

Everything is overridable from a file with :func:`load_speed_profile` (CSV: the class table;
YAML: any field, optionally with the class table inline).

Examples
--------
>>> settings = TravelSettings(mode="motorbike", season="monsoon")
>>> settings.profile.speed_kph("track", "motorbike")
20.0
"""

from __future__ import annotations

import csv
import functools
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Literal, get_args

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
import yaml
from pyproj import CRS
from shapely.geometry.base import BaseGeometry

from access.friction import OffroadSettings
from geodata.errors import CRSError, DataFileError, SchemaError
from geodata.schema import STORAGE_CRS

__all__ = [
    "MODES",
    "SEASONS",
    "Closures",
    "Mode",
    "Season",
    "SpeedProfile",
    "TravelSettings",
    "default_speed_profile",
    "edge_speeds_kph",
    "load_speed_profile",
]

Mode = Literal["walk", "motorbike", "car"]
Season = Literal["dry", "monsoon"]
MODES: tuple[str, ...] = get_args(Mode)
SEASONS: tuple[str, ...] = get_args(Season)

_DEFAULT_CSV = Path(__file__).with_name("speeds_default.csv")

_UNPAVED = frozenset(
    {
        "unpaved",
        "compacted",
        "gravel",
        "fine_gravel",
        "pebblestone",
        "rock",
        "dirt",
        "earth",
        "ground",
        "mud",
        "sand",
        "grass",
        "grass_paver",
        "woodchips",
        "salt",
        "clay",
    }
)


@dataclass(frozen=True)
class SpeedProfile:
    """Speeds per OSM highway class and mode, with surface, season and maxspeed rules.

    Parameters
    ----------
    highway_kph
        ``{highway class: {"walk": kph, "motorbike": kph, "car": kph}}``; 0 = not usable.
    default_surface
        ``{highway class: "paved" | "unpaved"}`` used when an edge has no ``surface`` tag.
        Classes not listed are assumed paved.
    unpaved_surfaces
        OSM ``surface`` values counted as unpaved.
    unpaved_factor
        Multiplier per mode on unpaved edges (all seasons).
    monsoon_unpaved_factor
        Extra multiplier per mode on unpaved edges in the monsoon season.
    maxspeed_cap_kph
        Upper bound per vehicle mode applied to OSM ``maxspeed``; modes not listed (walk)
        ignore maxspeed. A tagged ``maxspeed`` only ever lowers the class speed (the class
        speeds are realised averages, below posted limits).
    maxspeed_min_kph, maxspeed_max_kph
        OSM maxspeed values outside this range are treated as tagging errors and ignored.
    fallback_class
        Table row used for highway classes not in the table.
    offroad_walk_kph
        Walking speed off the road network (the access leg), before the detour factor.
    name
        Label shown in reports (e.g. the file it was read from).
    """

    highway_kph: Mapping[str, Mapping[str, float]]
    default_surface: Mapping[str, str] = field(default_factory=dict)
    unpaved_surfaces: frozenset[str] = _UNPAVED
    unpaved_factor: Mapping[str, float] = field(
        default_factory=lambda: {"walk": 0.9, "motorbike": 0.7, "car": 0.6}
    )
    monsoon_unpaved_factor: Mapping[str, float] = field(
        default_factory=lambda: {"walk": 0.8, "motorbike": 0.5, "car": 0.5}
    )
    maxspeed_cap_kph: Mapping[str, float] = field(
        default_factory=lambda: {"motorbike": 60.0, "car": 110.0}
    )
    maxspeed_min_kph: float = 5.0
    maxspeed_max_kph: float = 140.0
    fallback_class: str = "road"
    offroad_walk_kph: float = 4.0
    name: str = "default"

    def __post_init__(self) -> None:
        """Check the tables; raise SchemaError when a speed is missing or negative."""
        problems = []
        for cls, row in self.highway_kph.items():
            for mode in MODES:
                v = row.get(mode)
                if v is None or not np.isfinite(v) or v < 0:
                    problems.append(
                        f"highway '{cls}': speed for {mode} must be a number >= 0, got {v!r}"
                    )
        if self.fallback_class not in self.highway_kph:
            problems.append(f"fallback_class '{self.fallback_class}' is not in the speed table")
        for label, table in (
            ("unpaved_factor", self.unpaved_factor),
            ("monsoon_unpaved_factor", self.monsoon_unpaved_factor),
        ):
            for mode in MODES:
                v = table.get(mode, 1.0)
                if not (0 < v <= 1.5):
                    problems.append(f"{label}[{mode}] must be in (0, 1.5], got {v!r}")
        for cls, surf in self.default_surface.items():
            if surf not in ("paved", "unpaved"):
                problems.append(f"default_surface['{cls}'] must be paved or unpaved, got {surf!r}")
        if not self.offroad_walk_kph > 0:
            problems.append(f"offroad_walk_kph must be > 0, got {self.offroad_walk_kph!r}")
        if problems:
            raise SchemaError("; ".join(problems), source=f"speed profile {self.name}")

    def speed_kph(self, highway: str, mode: str) -> float:
        """Table speed of one class for one mode (no surface, season or maxspeed rules)."""
        row = self.highway_kph.get(highway, self.highway_kph[self.fallback_class])
        return float(row[mode])

    def digest(self) -> str:
        """A stable hash of every setting, for cache keys."""
        doc = {f.name: _jsonable(getattr(self, f.name)) for f in fields(self) if f.name != "name"}
        return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:16]

    def __hash__(self) -> int:
        """Hash of :meth:`digest` (closures key compiled graphs)."""
        return hash(self.digest())


@dataclass(frozen=True)
class Closures:
    """Roads closed to every mode (floods, landslides, works).

    Parameters
    ----------
    polygons
        Areas in EPSG:4326; every edge whose geometry intersects one is removed.
    edges
        ``(u, v)`` node-id pairs; the edge between them is removed in both directions.
    """

    polygons: tuple[BaseGeometry, ...] = ()
    edges: tuple[tuple[int, int], ...] = ()

    @classmethod
    def from_any(cls, value: Any) -> Closures:
        """Build from a GeoDataFrame/GeoSeries (EPSG:4326), geometries or ``(u, v)`` pairs.

        Raises
        ------
        CRSError
            When a GeoDataFrame/GeoSeries is not in EPSG:4326 (it is never reprojected here).
        SchemaError
            When the value is neither geometries nor node pairs.
        """
        if isinstance(value, Closures):
            return value
        if value is None:
            return cls()
        if isinstance(value, gpd.GeoDataFrame | gpd.GeoSeries):
            if value.crs is None or not CRS.from_user_input(value.crs).equals(
                CRS.from_user_input(STORAGE_CRS)
            ):
                raise CRSError(
                    f"closure polygons are in {value.crs}, expected {STORAGE_CRS}; "
                    f"reproject with gdf.to_crs('{STORAGE_CRS}') first"
                )
            geoms = value.geometry if isinstance(value, gpd.GeoDataFrame) else value
            return cls(polygons=tuple(g for g in geoms if g is not None and not g.is_empty))
        if isinstance(value, BaseGeometry):
            return cls(polygons=(value,))
        items = list(value)
        polys = tuple(g for g in items if isinstance(g, BaseGeometry))
        pairs = []
        for it in items:
            if isinstance(it, BaseGeometry):
                continue
            try:
                u, v = it
                pairs.append((int(u), int(v)))
            except (TypeError, ValueError) as err:
                raise SchemaError(
                    f"closure {it!r} is neither a geometry nor a (u, v) node pair",
                    source="closures",
                ) from err
        return cls(polygons=polys, edges=tuple(pairs))

    def __bool__(self) -> bool:
        """Whether anything is closed."""
        return bool(self.polygons or self.edges)

    def digest(self) -> str:
        """A stable hash of the closures, for cache keys."""
        h = hashlib.sha256()
        for g in self.polygons:
            h.update(shapely.to_wkb(g, hex=False))
        h.update(json.dumps(sorted(self.edges)).encode())
        return h.hexdigest()[:16]

    def closed_mask(self, edges: gpd.GeoDataFrame) -> np.ndarray:
        """Boolean mask over the rows of ``edges`` (EPSG:4326): True where closed.

        Raises
        ------
        CRSError
            When ``edges`` is not in EPSG:4326.
        """
        mask = np.zeros(len(edges), dtype=bool)
        if self.polygons:
            if edges.crs is None or not CRS.from_user_input(edges.crs).equals(
                CRS.from_user_input(STORAGE_CRS)
            ):
                raise CRSError(f"road edges are in {edges.crs}, expected {STORAGE_CRS}")
            tree = shapely.STRtree(np.asarray(edges.geometry.values))
            hit = tree.query(np.asarray(self.polygons, dtype=object), predicate="intersects")
            mask[np.unique(hit[1])] = True
        if self.edges:
            closed = pd.MultiIndex.from_tuples(
                [(u, v) for u, v in self.edges] + [(v, u) for u, v in self.edges]
            )
            uv = pd.MultiIndex.from_arrays(
                [edges["u"].to_numpy(np.int64), edges["v"].to_numpy(np.int64)]
            )
            mask |= uv.isin(closed)
        return mask


@dataclass(frozen=True)
class TravelSettings:
    """How to travel: mode, season, closures, speeds and snapping rules.

    Parameters
    ----------
    mode
        ``"walk"``, ``"motorbike"`` (also public transport) or ``"car"``.
    season
        ``"dry"`` or ``"monsoon"`` (monsoon multipliers on unpaved roads).
    closures
        Closed roads: a :class:`Closures`, a GeoDataFrame/GeoSeries of polygons in EPSG:4326,
        shapely geometries, or ``(u, v)`` node-id pairs. Normalised to :class:`Closures`.
    profile
        Speed tables; default :func:`default_speed_profile`.
    walk_detour_factor
        Off-road walking distance = straight line x this factor (paths are not straight).
    max_snap_m
        Points farther than this from every usable road get the ``far_from_road`` flag (they
        are kept, with their long walking leg).
    snap_to_main_component
        Snap only to roads of the largest strongly connected piece of the mode's network, so
        that broken-off road fragments cannot trap a point (see ``docs/travel_model.md``).
    cache_dir
        Folder for compiled graphs (``.npz``); ``None`` keeps them in memory only.
    offroad
        Off-road travel over a surface (``docs/travel_model.md``): ``None`` (default) uses the
        region's rasters when its ``region.json`` enables them, else roads only as before;
        ``False`` never uses a surface; ``True`` uses the region's rasters; an
        :class:`~access.friction.OffroadSettings` uses those rasters.

    Raises
    ------
    SchemaError
        For an unknown mode or season or a non-positive factor.
    """

    mode: Mode = "car"
    season: Season = "dry"
    closures: Closures | Any = None
    profile: SpeedProfile = field(default_factory=lambda: default_speed_profile())
    walk_detour_factor: float = 1.3
    max_snap_m: float = 5000.0
    snap_to_main_component: bool = True
    cache_dir: str | os.PathLike[str] | None = None
    offroad: OffroadSettings | bool | None = None

    def __post_init__(self) -> None:
        """Check the values and normalise ``closures`` to :class:`Closures`."""
        problems = []
        if self.mode not in MODES:
            problems.append(f"mode {self.mode!r} is unknown; use one of {', '.join(MODES)}")
        if self.season not in SEASONS:
            problems.append(f"season {self.season!r} is unknown; use one of {', '.join(SEASONS)}")
        if not self.walk_detour_factor >= 1.0:
            problems.append(f"walk_detour_factor must be >= 1, got {self.walk_detour_factor!r}")
        if not self.max_snap_m > 0:
            problems.append(f"max_snap_m must be > 0, got {self.max_snap_m!r}")
        if not (self.offroad is None or isinstance(self.offroad, bool | OffroadSettings)):
            problems.append("offroad must be None, True, False or an OffroadSettings")
        if problems:
            raise SchemaError("; ".join(problems), source="TravelSettings")
        object.__setattr__(self, "closures", Closures.from_any(self.closures))

    @property
    def offroad_speed_mps(self) -> float:
        """Effective off-road walking speed in m/s of straight-line distance."""
        return self.profile.offroad_walk_kph / 3.6 / self.walk_detour_factor

    def with_(self, **changes: Any) -> TravelSettings:
        """Return a copy with some fields replaced."""
        return replace(self, **changes)


def default_speed_profile() -> SpeedProfile:
    """The shipped speed profile (``access/speeds_default.csv`` and the field defaults)."""
    return _default_profile_cached()


def load_speed_profile(path: str | os.PathLike[str]) -> SpeedProfile:
    """Read a speed profile from a CSV or YAML file.

    A CSV holds the class table (columns ``highway, walk_kph, motorbike_kph, car_kph`` and
    optionally ``default_surface``); its rows replace or extend the default rows. A YAML file
    may set any :class:`SpeedProfile` field; ``highway_kph`` there is a mapping
    ``{class: {walk: .., motorbike: .., car: ..}}`` merged over the defaults, and
    ``speeds_csv`` may name a CSV (relative to the YAML file).

    Raises
    ------
    DataFileError
        When the file is missing, unreadable or of another format.
    SchemaError
        When a value is missing or out of range.

    Examples
    --------
    >>> profile = load_speed_profile("my_speeds.yaml")  # doctest: +SKIP
    >>> settings = TravelSettings(mode="car", profile=profile)  # doctest: +SKIP
    """
    p = Path(path)
    if not p.is_file():
        raise DataFileError(f"{p}: speed profile file not found")
    base = default_speed_profile()
    suffix = p.suffix.lower()
    if suffix == ".csv":
        csv_table, csv_surf = _read_speed_csv(p)
        return replace(
            base,
            highway_kph={**base.highway_kph, **csv_table},
            default_surface={**base.default_surface, **csv_surf},
            name=str(p),
        )
    if suffix in (".yaml", ".yml"):
        try:
            doc = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as err:
            raise DataFileError(f"{p}: cannot be read as YAML ({err})") from err
        if not isinstance(doc, dict):
            raise DataFileError(f"{p}: expected a mapping of profile fields at the top level")
        known = {f.name for f in fields(SpeedProfile)}
        unknown = sorted(set(doc) - known - {"speeds_csv"})
        if unknown:
            raise SchemaError(
                f"unknown field(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}",
                source=str(p),
            )
        table: dict[str, Mapping[str, float]] = dict(base.highway_kph)
        surf = dict(base.default_surface)
        if "speeds_csv" in doc:
            t2, s2 = _read_speed_csv(p.parent / str(doc.pop("speeds_csv")))
            table.update(t2)
            surf.update(s2)
        for cls, row in (doc.pop("highway_kph", None) or {}).items():
            merged = dict(table.get(str(cls), {}))
            merged.update({str(k): float(v) for k, v in dict(row).items()})
            table[str(cls)] = merged
        surf.update({str(k): str(v) for k, v in (doc.pop("default_surface", None) or {}).items()})
        kwargs: dict[str, Any] = {}
        for key, val in doc.items():
            if key in ("unpaved_factor", "monsoon_unpaved_factor", "maxspeed_cap_kph"):
                merged_f = dict(getattr(base, key))
                merged_f.update({str(k): float(v) for k, v in dict(val).items()})
                kwargs[key] = merged_f
            elif key == "unpaved_surfaces":
                kwargs[key] = frozenset(str(s) for s in val)
            elif key in ("fallback_class", "name"):
                kwargs[key] = str(val)
            else:
                kwargs[key] = float(val)
        kwargs.setdefault("name", str(p))
        return replace(base, highway_kph=table, default_surface=surf, **kwargs)
    raise DataFileError(f"{p}: speed profiles are read from .csv or .yaml files")


def edge_speeds_kph(
    edges: pd.DataFrame, *, mode: str, season: str = "dry", profile: SpeedProfile | None = None
) -> np.ndarray:
    """Speed in km/h of every edge for one mode and season (0 where the mode cannot pass).

    Parameters
    ----------
    edges
        Road edges (schema ``ROAD_EDGES``): ``highway`` and optionally ``surface`` and
        ``maxspeed_kph``.
    mode, season
        See :class:`TravelSettings`.
    profile
        Speed tables; default :func:`default_speed_profile`.

    Returns
    -------
    numpy.ndarray
        float64, one value per row of ``edges``.

    Examples
    --------
    >>> import pandas as pd
    >>> e = pd.DataFrame({"highway": ["primary", "track", "footway"]})
    >>> edge_speeds_kph(e, mode="car").tolist()
    [60.0, 15.0, 0.0]
    >>> e["maxspeed_kph"] = [100.0, 10.0, None]  # a limit lowers, never raises
    >>> edge_speeds_kph(e, mode="car").tolist()
    [60.0, 6.0, 0.0]
    """
    if mode not in MODES:
        raise SchemaError(f"mode {mode!r} is unknown; use one of {', '.join(MODES)}")
    if season not in SEASONS:
        raise SchemaError(f"season {season!r} is unknown; use one of {', '.join(SEASONS)}")
    prof = profile or default_speed_profile()
    hw = edges["highway"].astype(object).where(edges["highway"].notna(), prof.fallback_class)
    # one lookup per distinct class (hashing, not sorting millions of strings)
    inv, classes = pd.factorize(np.asarray(hw, dtype=object))
    base_cls = np.array([prof.speed_kph(str(c), mode) for c in classes], dtype=np.float64)
    speed = base_cls[inv]
    cap = prof.maxspeed_cap_kph.get(mode)
    if cap is not None and "maxspeed_kph" in edges.columns:
        ms = pd.to_numeric(edges["maxspeed_kph"], errors="coerce").to_numpy(np.float64)
        ok = (
            np.isfinite(ms)
            & (ms >= prof.maxspeed_min_kph)
            & (ms <= prof.maxspeed_max_kph)
            & (speed > 0)
        )
        # a posted limit caps the realised class speed; it never raises it
        speed = np.where(ok, np.minimum(speed, np.minimum(ms, cap)), speed)
    default_unpaved = np.array(
        [prof.default_surface.get(str(c), "paved") == "unpaved" for c in classes], dtype=bool
    )[inv]
    if "surface" in edges.columns:
        surf = edges["surface"].astype(object)
        has = surf.notna().to_numpy()
        s_inv, s_classes = pd.factorize(np.asarray(surf.where(surf.notna(), ""), dtype=object))
        lowered = np.array([str(c).lower() in prof.unpaved_surfaces for c in s_classes], bool)
        explicit_unpaved = lowered[s_inv] if s_inv.size else np.zeros(0, bool)
        unpaved = np.where(has, explicit_unpaved, default_unpaved)
    else:
        unpaved = default_unpaved
    factor = prof.unpaved_factor.get(mode, 1.0)
    if season == "monsoon":
        factor *= prof.monsoon_unpaved_factor.get(mode, 1.0)
    return np.where(unpaved, speed * factor, speed)


# ---------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _default_profile_cached() -> SpeedProfile:
    table, surf = _read_speed_csv(_DEFAULT_CSV)
    return SpeedProfile(highway_kph=table, default_surface=surf, name="default")


def _read_speed_csv(path: Path) -> tuple[dict[str, dict[str, float]], dict[str, str]]:
    if not path.is_file():
        raise DataFileError(f"{path}: speed table file not found")
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise DataFileError(f"{path}: cannot be read as CSV ({err})") from err
    need = ("highway", "walk_kph", "motorbike_kph", "car_kph")
    header = rows[0].keys() if rows else []
    missing = [c for c in need if c not in header]
    if missing:
        raise SchemaError(
            f"column(s) {', '.join(missing)} missing; a speed table needs {', '.join(need)}",
            source=str(path),
        )
    table: dict[str, dict[str, float]] = {}
    surf: dict[str, str] = {}
    problems = []
    for i, row in enumerate(rows, start=2):
        cls = (row.get("highway") or "").strip()
        if not cls:
            problems.append(f"line {i}: highway is empty")
            continue
        speeds = {}
        for mode in MODES:
            raw = (row.get(f"{mode}_kph") or "").strip()
            try:
                speeds[mode] = float(raw)
            except ValueError:
                problems.append(f"line {i}, column {mode}_kph: {raw!r} is not a number")
        table[cls] = speeds
        s = (row.get("default_surface") or "").strip()
        if s:
            surf[cls] = s
    if problems:
        raise SchemaError("; ".join(problems), source=str(path))
    return table, surf


def _jsonable(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in sorted(value.items())}
    if isinstance(value, frozenset | set):
        return sorted(str(v) for v in value)
    if isinstance(value, Iterable) and not isinstance(value, str):
        return [_jsonable(v) for v in value]
    return value
