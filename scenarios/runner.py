"""Run a scenario on its region and write the results (``accessgap run``).

:func:`run_scenario` validates everything first (the scenario file, the closures, the ids it
names in the region), so a bad scenario fails before any output exists; then it computes:

1. **baseline**: travel times of every mode to the region's existing centres (dry season,
   default speeds, no closures) and the gap analysis, whose exclusion model is the one every
   scenario is judged with;
2. **scenario centres**: existing centres minus ``centres.close``, plus ``centres.add``, plus
   the sites :func:`scenarios.placement.place_centres` chooses for ``placement``;
3. **scenario travel** with the scenario's season, closures and speeds, and its gap analysis;
4. **vans**: :func:`scenarios.vans.plan_vans` on the scenario (halts beyond the threshold of
   the scenario's centres; driving by car under the scenario's season and closures);
5. **metrics** (:mod:`scenarios.metrics`) and the output folder, written atomically.

Travel-time tables are cached by region fingerprint, travel settings and centre set (in
memory, and as Parquet files with a SHA-256 check under ``cache_dir/travel``); compiled road
graphs go to ``cache_dir/graphs``. A cache entry that fails its check is rebuilt.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
import os
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from access.analysis import MODES, GapResult, gap_analysis
from access.engine import TravelSettings, nearest_centre
from access.speeds import Closures, load_speed_profile
from access.synthetic import build_sample_region
from geodata.errors import DataFileError, Problem, SchemaError
from geodata.files import write_folder_atomically
from geodata.region import Region, load_region
from geodata.schema import ADMIN_LEVELS, STORAGE_CRS
from scenarios.metrics import (
    BANDS_MIN,
    access_metrics,
    cost_metrics,
    registration_effect,
    van_reach,
)
from scenarios.placement import PlacementPlan, place_centres, write_placement
from scenarios.spec import Scenario, ScenarioSpec, load_scenario, scenario_from_dict
from scenarios.vans import VanOptions, VanPlan, plan_vans, select_halts, write_vans

__all__ = ["DEFAULT_SETUP_PKR", "RunResult", "run_scenario"]

log = logging.getLogger(__name__)

#: Set-up cost of a new centre given by coordinates without a cost of its own.
DEFAULT_SETUP_PKR = 3_000_000.0
_CACHE_FORMAT = 1
_MEMO_SIZE = 32
_memo: OrderedDict[str, pd.DataFrame] = OrderedDict()
_memo_lock = threading.Lock()


@dataclass(frozen=True, eq=False)
class RunResult:
    """What :func:`run_scenario` did.

    Attributes
    ----------
    scenario
        The validated scenario.
    out_dir
        The results folder.
    metrics
        The content of ``metrics.json``.
    files
        File name -> path of every file in ``out_dir`` (top level).
    cache
        Travel-table cache counters: ``memory_hits``, ``disk_hits``, ``computed``,
        ``rebuilt`` (entries that failed their check).
    """

    scenario: Scenario
    out_dir: Path
    metrics: dict[str, Any]
    files: dict[str, Path]
    cache: dict[str, int] = field(default_factory=dict)


def run_scenario(
    scenario: Scenario | ScenarioSpec | str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    region: Region | str | os.PathLike[str] | None = None,
) -> RunResult:
    """Run one scenario and write its results into ``out_dir`` (atomically).

    Parameters
    ----------
    scenario
        A scenario file, or a validated :class:`~scenarios.spec.Scenario` /
        :class:`~scenarios.spec.ScenarioSpec`.
    out_dir
        Results folder; replaced as a whole only once every file is written.
    cache_dir
        Folder for cached travel-time tables and compiled graphs (``None``: memory only).
    region
        Use this region (object or folder) instead of the one the scenario names.

    Returns
    -------
    RunResult

    Raises
    ------
    DataFileError
        A file the scenario names is missing or unreadable.
    SchemaError
        The scenario is invalid, or names centres, candidates, depots or roads the region
        does not have. Nothing is written.
    AccessGapError
        An analysis cannot run (e.g. placement without candidates).

    Examples
    --------
    >>> res = run_scenario("scenarios/examples/ten_uc_centres.yaml", "out/ten")  # doctest: +SKIP
    >>> res.metrics["headline"]["expected_new_registrations"]  # doctest: +SKIP
    """
    timings: dict[str, float] = {}
    sc = _as_scenario(scenario)
    spec = sc.spec
    where = str(sc.source) if sc.source else sc.name
    with _timed(timings, "region"):
        reg = _region_for(sc, region)
    closures, closure_polys = _read_closures(sc, reg, where)
    profile = load_speed_profile(sc.speeds_file) if sc.speeds_file else None
    _check_references(spec, reg, where)
    cache = _TravelCache(Path(cache_dir) if cache_dir else None)
    graphs = str(Path(cache_dir) / "graphs") if cache_dir else None

    def base_st(mode: str) -> TravelSettings:
        return TravelSettings(mode=mode, cache_dir=graphs)  # type: ignore[arg-type]

    def scen_st(mode: str) -> TravelSettings:
        extra: dict[str, Any] = {"profile": profile} if profile is not None else {}
        return TravelSettings(
            mode=mode,  # type: ignore[arg-type]
            season=spec.travel.season,
            closures=closures,
            cache_dir=graphs,
            **extra,
        )

    notes: list[str] = []
    if reg.synthetic:
        notes.append("All figures are SYNTHETIC (sample region); no real household is shown.")
    with _timed(timings, "baseline"):
        base_times = cache.table(reg, reg.centres, base_st)
        base_gaps = gap_analysis(reg, times=base_times)
    with _timed(timings, "centres"):
        centres, setup = _centre_set(spec, reg)
        plan: PlacementPlan | None = None
        if spec.placement is not None:
            added = set(centres["centre_id"])
            pool = _derive(reg, centres=centres, candidates=_without(reg.candidates, added))
            plan = place_centres(
                pool,
                spec.placement.options(spec.travel.mode),
                settings=scen_st(spec.travel.mode),
            )
            placed = plan.sites.drop(columns=["order", "demand_covered_new", "households_within"])
            placed = placed.assign(status="placed")
            setup += [_setup_cost(spec, row) for _, row in placed.iterrows()]
            centres = _concat(centres, placed)
    scen = _derive(reg, centres=centres)
    with _timed(timings, "scenario"):
        scen_times = cache.table(scen, centres, scen_st)
        scen_gaps = gap_analysis(scen, times=scen_times)
    van_plan: VanPlan | None = None
    options: VanOptions | None = None
    if spec.vans is not None:
        with _timed(timings, "vans"):
            v = spec.vans
            options = VanOptions(
                vans=v.count,
                days=v.days,
                within_min=v.within_min,
                mode="car",
                walk_radius_m=v.walk_radius_m,
                turnout=v.turnout,
                depots=v.depots,
                day_start_min=v.day_start_min,
                day_end_min=v.day_end_min,
                max_halts=v.max_halts,
            )
            halts, _ = select_halts(scen, scen_gaps, options)
            if len(halts) == 0:
                notes.append(
                    f"No settlement with unregistered households lies beyond {v.within_min:g} "
                    "car-minutes of a centre: no van campaign was planned."
                )
            else:
                van_plan = plan_vans(scen, options, gaps=scen_gaps, settings=scen_st("car"))
    with _timed(timings, "metrics"):
        table, metrics = _metrics(
            sc, reg, base_gaps, scen_gaps, centres, setup, van_plan, options, closures, notes
        )
    files = _write(
        out_dir,
        sc,
        metrics,
        table,
        scen_gaps,
        centres,
        closure_polys,
        closures,
        reg,
        plan,
        van_plan,
        timings,
        cache.counts,
    )
    return RunResult(sc, Path(out_dir), metrics, files, dict(cache.counts))


# ---------------------------------------------------------------------------------------
# inputs


def _as_scenario(x: Scenario | ScenarioSpec | str | os.PathLike[str]) -> Scenario:
    if isinstance(x, Scenario):
        return x
    if isinstance(x, ScenarioSpec):
        return scenario_from_dict(x.model_dump(exclude_none=True))
    return load_scenario(x)


def _region_for(sc: Scenario, region: Region | str | os.PathLike[str] | None) -> Region:
    if isinstance(region, Region):
        return _pinned(region)
    if region is not None:
        return _pinned(load_region(region))
    if sc.region_path is None:
        return _sample_region()
    return _pinned(load_region(sc.region_path))


@functools.lru_cache(maxsize=1)
def _sample_region() -> Region:
    region, _ = build_sample_region()
    return _pinned(region)


def _pinned(region: Region) -> Region:
    """The region with its content fingerprint computed once and stored in its metadata
    (the engine asks for it on every call)."""
    if region.metadata.get("fingerprint"):
        return region
    return dataclasses.replace(
        region, metadata={**region.metadata, "fingerprint": region.fingerprint()}
    )


def _derive(region: Region, **tables: gpd.GeoDataFrame) -> Region:
    """``region.with_(**tables)`` with a fingerprint derived from the parent's and the new
    tables' content (so caches keyed by it stay correct)."""
    h = hashlib.sha256(region.fingerprint().encode())
    for name in sorted(tables):
        h.update(name.encode())
        h.update(_table_hash(tables[name]).encode())
    new = region.with_(**tables)
    return dataclasses.replace(new, metadata={**new.metadata, "fingerprint": h.hexdigest()[:16]})


def _table_hash(gdf: gpd.GeoDataFrame) -> str:
    h = hashlib.sha256()
    cols = [c for c in gdf.columns if c != "geometry"]
    h.update(json.dumps(cols).encode())
    if len(gdf):
        hashed = pd.util.hash_pandas_object(pd.DataFrame(gdf[cols]), index=False)
        h.update(np.ascontiguousarray(hashed.to_numpy(dtype=np.uint64)).tobytes())
        h.update(b"".join(gdf.geometry.to_wkb().tolist()))
    return h.hexdigest()


def _read_closures(
    sc: Scenario, region: Region, where: str
) -> tuple[Closures, gpd.GeoDataFrame | None]:
    polys: gpd.GeoDataFrame | None = None
    pairs = [tuple(e) for e in sc.spec.closures.edges]
    f = sc.closures_file
    if f is not None:
        if f.suffix.lower() == ".csv":
            try:
                df = pd.read_csv(f)
            except (OSError, ValueError) as err:
                raise DataFileError(f"{f}: cannot be read as CSV ({err})") from err
            missing = [c for c in ("u", "v") if c not in df.columns]
            if missing:
                raise SchemaError(
                    [
                        Problem(
                            f"closures.file: column(s) {', '.join(missing)} missing; a CSV "
                            "of closed roads needs u, v (node ids of road_edges)"
                        )
                    ],
                    source=where,
                )
            pairs += [(int(u), int(v)) for u, v in zip(df["u"], df["v"], strict=True)]
        else:
            polys = _read_polygons(f, where)
    problems = []
    if pairs:
        known = set(
            zip(
                region.roads.edges["u"].astype(int),
                region.roads.edges["v"].astype(int),
                strict=True,
            )
        )
        bad = [p for p in pairs if p not in known and (p[1], p[0]) not in known]
        if bad:
            shown = ", ".join(f"({u}, {v})" for u, v in bad[:5])
            problems.append(
                Problem(
                    f"closures: {len(bad)} edge(s) are not roads of the region: {shown}"
                    f"{' ...' if len(bad) > 5 else ''}; use u, v node ids of road_edges"
                )
            )
    if problems:
        raise SchemaError(problems, source=where)
    closures = Closures.from_any(
        [*(polys.geometry if polys is not None else []), *pairs]  # type: ignore[list-item]
    )
    return closures, polys


def _read_polygons(f: Path, where: str) -> gpd.GeoDataFrame:
    try:
        gdf = gpd.read_file(f)
    except Exception as err:  # pyogrio raises several kinds; all mean "unreadable"
        raise DataFileError(
            f"{f}: cannot be read as a vector file (GeoJSON, GeoPackage) ({err})"
        ) from err
    if len(gdf) == 0:
        raise SchemaError([Problem(f"closures.file: {f.name} holds no feature")], source=where)
    if gdf.crs is None:
        raise SchemaError(
            [Problem(f"closures.file: {f.name} has no CRS; save it in EPSG:4326")], source=where
        )
    kinds = set(gdf.geometry.geom_type.dropna())
    if not kinds <= {"Polygon", "MultiPolygon"}:
        raise SchemaError(
            [
                Problem(
                    f"closures.file: {f.name} holds {', '.join(sorted(kinds))}; closures are "
                    "polygons (for single roads, list their u, v node ids)"
                )
            ],
            source=where,
        )
    if not gdf.crs.equals(STORAGE_CRS):
        log.info("reprojecting %s from %s to %s", f, gdf.crs, STORAGE_CRS)
        gdf = gdf.to_crs(STORAGE_CRS)
    return gpd.GeoDataFrame(gdf[["geometry"]], geometry="geometry", crs=STORAGE_CRS)


def _check_references(spec: ScenarioSpec, region: Region, where: str) -> None:
    centre_ids = set(region.centres["centre_id"].astype(str))
    cand_ids = set(region.candidates["centre_id"].astype(str))
    problems = []
    for cid in spec.centres.close:
        if cid not in centre_ids:
            problems.append(
                Problem(
                    f"centres.close: '{cid}' is not a centre of the region{_hint(cid, centre_ids)}"
                )
            )
    final = centre_ids - set(spec.centres.close)
    for i, item in enumerate(spec.centres.add):
        if isinstance(item, str):
            if item not in cand_ids:
                problems.append(
                    Problem(
                        f"centres.add[{i}]: '{item}' is not a candidate site of the region"
                        f"{_hint(item, cand_ids)}; give a candidate id or "
                        "{id, lon, lat}"
                    )
                )
            final.add(item)
        else:
            if item.id in centre_ids | cand_ids:
                problems.append(
                    Problem(f"centres.add[{i}]: id '{item.id}' is already used by the region")
                )
            final.add(item.id)
    if not final and spec.placement is None:
        problems.append(Problem("centres: no centre is left open; add one or remove a close"))
    if spec.vans is not None:
        for d in spec.vans.depots:
            if d not in final:
                problems.append(
                    Problem(
                        f"vans.depots: '{d}' is not an open centre of the scenario{_hint(d, final)}"
                    )
                )
    if spec.placement is not None and not (cand_ids - final):
        problems.append(Problem("placement: the region has no candidate site left to choose"))
    if problems:
        raise SchemaError(problems, source=where)


def _hint(value: str, known: set[str]) -> str:
    import difflib

    m = difflib.get_close_matches(value, sorted(known), n=1)
    return f" (did you mean {m[0]}?)" if m else ""


# ---------------------------------------------------------------------------------------
# centres


def _centre_set(spec: ScenarioSpec, region: Region) -> tuple[gpd.GeoDataFrame, list[float]]:
    """Open centres with a ``status`` (existing, added) and the set-up cost of each new one."""
    c = region.centres
    keep = c[~c["centre_id"].astype(str).isin(spec.centres.close)].assign(status="existing")
    parts = [keep]
    setup: list[float] = []
    cands = region.candidates.set_index(region.candidates["centre_id"].astype(str))
    for item in spec.centres.add:
        if isinstance(item, str):
            row = cands.loc[[item]].reset_index(drop=True).assign(status="added")
            setup.append(_setup_cost(spec, row.iloc[0]))
        else:
            own = item.setup_cost_pkr
            cost = own if own is not None else (spec.costs.centre_setup_pkr or DEFAULT_SETUP_PKR)
            row = gpd.GeoDataFrame(
                {
                    "centre_id": [item.id],
                    "name": [item.name or item.id],
                    "kind": ["candidate"],
                    "capacity_per_day": [60.0],
                    "opening_cost_pkr": [cost],
                    "status": ["added"],
                },
                geometry=gpd.points_from_xy([item.lon], [item.lat]),
                crs=STORAGE_CRS,
            )
            setup.append(float(cost))
        parts.append(row)
    out = parts[0]
    for p in parts[1:]:
        out = _concat(out, p)
    return out, setup


def _setup_cost(spec: ScenarioSpec, row: pd.Series) -> float:
    if spec.costs.centre_setup_pkr is not None:
        return float(spec.costs.centre_setup_pkr)
    v = row.get("opening_cost_pkr")
    return float(v) if v is not None and np.isfinite(v) else DEFAULT_SETUP_PKR


def _concat(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    b = b.to_crs(a.crs) if b.crs != a.crs else b
    cols = list(dict.fromkeys([*a.columns, *b.columns]))
    out = pd.concat([a.reindex(columns=cols), b.reindex(columns=cols)], ignore_index=True)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=a.crs)


def _without(cands: gpd.GeoDataFrame, ids: set[str]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        cands[~cands["centre_id"].astype(str).isin(ids)].reset_index(drop=True),
        geometry="geometry",
        crs=cands.crs,
    )


# ---------------------------------------------------------------------------------------
# travel-time tables, cached


class _TravelCache:
    """Nearest-centre tables per mode, keyed by region, settings and centres."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder / "travel" if folder else None
        self.counts = {"memory_hits": 0, "disk_hits": 0, "computed": 0, "rebuilt": 0}

    def table(self, region: Region, centres: gpd.GeoDataFrame, settings_for: Any) -> pd.DataFrame:
        """Wide table of every mode (columns as :func:`access.analysis.travel_times`)."""
        parts = []
        for mode in MODES:
            st: TravelSettings = settings_for(mode)
            t = self.nearest(region, centres, st)
            cols = {
                c: f"{c}_{mode}"
                for c in ("travel_min", "network_m", "access_m", "centre_id", "flags")
            }
            parts.append(t[list(cols)].rename(columns=cols))
        return pd.concat(parts, axis=1)

    def nearest(
        self, region: Region, centres: gpd.GeoDataFrame, st: TravelSettings
    ) -> pd.DataFrame:
        key = _travel_key(region, centres, st)
        with _memo_lock:
            hit = _memo.get(key)
            if hit is not None:
                _memo.move_to_end(key)
                self.counts["memory_hits"] += 1
                return hit.copy()
        t = self._read(key, region)
        if t is None:
            t = nearest_centre(region, settings=st, centres=centres)
            self.counts["computed"] += 1
            self._write(key, t)
        with _memo_lock:
            _memo[key] = t.copy()
            while len(_memo) > _MEMO_SIZE:
                _memo.popitem(last=False)
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
            ok = digest.read_text().strip() == _sha256(data)
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
            (digest, lambda p: Path(p).write_text(_sha256(data) + "\n")),
        ):
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=self.folder)
            os.close(fd)
            try:
                fill(tmp)
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise


def _travel_key(region: Region, centres: gpd.GeoDataFrame, st: TravelSettings) -> str:
    doc = {
        "format": _CACHE_FORMAT,
        "region": region.fingerprint(),
        "centres": _table_hash(centres[["centre_id", "geometry"]]),
        "mode": st.mode,
        "season": st.season,
        "closures": st.closures.digest(),
        "profile": st.profile.digest(),
        "walk_detour_factor": st.walk_detour_factor,
        "max_snap_m": st.max_snap_m,
        "main": st.snap_to_main_component,
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:32]


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ---------------------------------------------------------------------------------------
# metrics and outputs


def _metrics(
    sc: Scenario,
    region: Region,
    base: GapResult,
    scen: GapResult,
    centres: gpd.GeoDataFrame,
    setup: list[float],
    van_plan: VanPlan | None,
    options: VanOptions | None,
    closures: Closures,
    notes: list[str],
) -> tuple[pd.DataFrame, dict[str, Any]]:
    spec = sc.spec
    mode = spec.travel.mode
    s = scen.settlements
    b = base.settlements
    hh = s["households"].to_numpy(float)
    up_col = "unregistered_poor_households"
    t_scen = s[f"travel_min_{mode}"].to_numpy(float)
    t_base = b[f"travel_min_{mode}"].to_numpy(float)
    acc_base = access_metrics(hh, b[up_col].to_numpy(float), t_base)
    acc_scen = access_metrics(hh, s[up_col].to_numpy(float), t_scen)
    change = {k: _diff(acc_scen[k], acc_base[k]) for k in acc_scen}
    model = base.model
    unreg = b["unregistered_households"].to_numpy(float)
    if model is not None:
        effect = registration_effect(
            model,
            unreg,
            b[f"travel_min_{model.mode}"].to_numpy(float),
            s[f"travel_min_{model.mode}"].to_numpy(float),
        )
    else:
        effect = np.zeros(len(s))
        notes.append("Registry coverage is unknown: expected new registrations are not computed.")
    table = pd.DataFrame(s.drop(columns="geometry"))
    for m in MODES:
        table[f"baseline_travel_min_{m}"] = b[f"travel_min_{m}"].to_numpy(float)
    table["travel_min"] = t_scen
    table["baseline_travel_min"] = t_base
    with np.errstate(invalid="ignore"):
        table["change_min"] = np.where(
            np.isfinite(t_scen) & np.isfinite(t_base), t_scen - t_base, np.nan
        )
    table["lost_access"] = np.isfinite(t_base) & ~np.isfinite(t_scen)
    table["expected_new_registrations"] = effect
    halt_of: dict[str, str] = {}
    vans_doc: dict[str, Any] | None = None
    van_days = 0
    if van_plan is not None and options is not None:
        visited = van_plan.halts[van_plan.halts["status"].eq("visited")]
        served = [str(x).split(",") for x in visited["served_ids"]]
        for hid, ids in zip(visited["settlement_id"], served, strict=True):
            for sid in ids:
                halt_of.setdefault(sid, str(hid))
        reach = van_reach(
            s["settlement_id"].astype(str).tolist(),
            hh,
            unreg - effect,
            served,
            turnout=options.turnout,
        )
        summary = van_plan.summary()
        van_days = int(summary["van_days_used"])
        vans_doc = {
            **reach,
            "vans": options.vans,
            "days": options.days,
            "van_days_used": van_days,
            "halts_selected": summary["halts_selected"],
            "halts_visited": summary["halts_visited"],
            "total_drive_min": summary["total_drive_min"],
            "plan_expected_registrations": summary["expected_registrations"],
        }
    table["van_halt"] = [halt_of.get(str(x), "") for x in s["settlement_id"]]
    table["lon"] = s.geometry.x.round(6).to_numpy()
    table["lat"] = s.geometry.y.round(6).to_numpy()
    from_access = float(effect.sum()) if model is not None else None
    from_vans = vans_doc["expected_registrations"] if vans_doc else 0.0
    total = None if from_access is None else from_access + from_vans
    status = centres["status"].astype(str)
    ids = centres["centre_id"].astype(str)
    costs = cost_metrics(
        setup_pkr=setup,
        closed_centres=len(spec.centres.close),
        van_days=van_days,
        centre_yearly_pkr=spec.costs.centre_yearly_pkr,
        van_per_day_pkr=spec.costs.van_per_day_pkr,
        horizon_years=spec.horizon_years,
        expected_new_registrations=total,
    )
    closed = closures.closed_mask(region.roads.edges) if closures else np.zeros(0, bool)
    lost = table["lost_access"].to_numpy(bool)
    slower = np.nan_to_num(table["change_min"].to_numpy(float)) > 1.0
    headline: dict[str, Any] = {}
    for k in BANDS_MIN:
        headline[f"households_within_{k}_min"] = acc_scen[f"households_within_{k}_min"]
    for k in BANDS_MIN:
        headline[f"unregistered_poor_within_{k}_min"] = acc_scen[
            f"unregistered_poor_within_{k}_min"
        ]
    headline |= {
        "median_travel_min": acc_scen["median_travel_min"],
        "p90_travel_min": acc_scen["p90_travel_min"],
        "unreachable_households": acc_scen["unreachable_households"],
        "households_slower_by_1_min": float(hh[slower | lost].sum()),
        "expected_new_registrations": total,
        "expected_new_registrations_access": from_access,
        "expected_new_registrations_vans": from_vans,
        "van_settlements_reached": vans_doc["settlements_reached"] if vans_doc else 0.0,
        "van_households_reached": vans_doc["households_reached"] if vans_doc else 0.0,
        "centres_open": len(centres),
        "new_centres": costs["new_centres"],
        "closed_centres": costs["closed_centres"],
        "one_off_cost_pkr": costs["one_off_pkr"],
        "yearly_cost_pkr": costs["yearly_pkr"],
        "cost_over_horizon_pkr": costs["over_horizon_pkr"],
        "cost_per_expected_registration_pkr": costs["per_expected_registration_pkr"],
    }
    doc: dict[str, Any] = {
        "format": 1,
        "scenario": {
            "name": sc.name,
            "description": sc.spec.description,
            "file": sc.source.name if sc.source else None,
        },
        "region": {
            "name": region.name,
            "fingerprint": region.fingerprint(),
            "synthetic": region.synthetic,
            "settlements": len(s),
            "households": float(hh.sum()),
        },
        "travel": {
            "mode": mode,
            "season": spec.travel.season,
            "speeds": sc.speeds_file.name if sc.speeds_file else "default",
            "closure_polygons": len(closures.polygons),
            "closure_edges": len(closures.edges),
            "road_segments_closed": int(closed.sum()),
            "road_km_closed": float(
                region.roads.edges["length_m"].to_numpy(float)[closed].sum() / 1000.0
            ),
        },
        "centres": {
            "open": len(centres),
            "existing_open": int(status.eq("existing").sum()),
            "closed": list(spec.centres.close),
            "added": ids[status.eq("added")].tolist(),
            "placed": ids[status.eq("placed")].tolist(),
        },
        "headline": headline,
        "access": {"baseline": acc_base, "scenario": acc_scen, "change": change},
        "registrations": {
            "from_access": from_access,
            "from_vans": from_vans,
            "total": total,
            "settlements_gaining": int((effect > 0.5).sum()),
            "settlements_losing": int((effect < -0.5).sum()),
            "households_lost_access": float(hh[lost].sum()),
            "model": _model_doc(model),
        },
        "vans": vans_doc,
        "costs": costs,
        "notes": notes,
    }
    return table, _clean(doc)


def _model_doc(model: Any) -> dict[str, Any] | None:
    if model is None:
        return None
    return {
        "source": "baseline region",
        "mode": model.mode,
        "intercept": model.coef[0],
        "travel_h": model.coef[1],
        "odds_ratio_per_hour": float(np.exp(model.coef[1])),
        "travel_cap_h": model.travel_cap_h,
    }


def _diff(a: float, b: float) -> float | None:
    if np.isfinite(a) and np.isfinite(b):
        return float(a - b)
    return None


def _clean(v: Any) -> Any:
    """JSON-safe: numpy scalars to Python, non-finite floats to None."""
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_clean(x) for x in v]
    if isinstance(v, np.bool_ | bool):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating | float):
        f = float(v)
        return f if np.isfinite(f) else None
    return v


def _write(
    out_dir: str | os.PathLike[str],
    sc: Scenario,
    metrics: dict[str, Any],
    table: pd.DataFrame,
    scen: GapResult,
    centres: gpd.GeoDataFrame,
    closure_polys: gpd.GeoDataFrame | None,
    closures: Closures,
    region: Region,
    plan: PlacementPlan | None,
    van_plan: VanPlan | None,
    timings: dict[str, float],
    counts: dict[str, int],
) -> dict[str, Path]:
    def write(tmp: Path) -> None:
        t0 = time.perf_counter()
        _json(tmp / "metrics.json", metrics)
        _json(tmp / "scenario.json", sc.to_dict())
        table.to_csv(tmp / "settlements.csv", index=False)
        for level in (*ADMIN_LEVELS, "region"):
            _unit_table(scen.units[level], table, level).to_csv(
                tmp / f"units_{level}.csv", index=False
            )
        keep = [
            c
            for c in (
                "centre_id",
                "name",
                "kind",
                "status",
                "tehsil",
                "union_council",
                "opening_cost_pkr",
                "geometry",
            )
            if c in centres.columns
        ]
        c = centres[keep]
        pd.DataFrame(c.drop(columns="geometry")).assign(
            lon=c.geometry.x.round(6), lat=c.geometry.y.round(6)
        ).to_csv(tmp / "centres.csv", index=False)
        c.to_file(tmp / "centres.geojson", driver="GeoJSON")
        if closures:
            if closure_polys is not None:
                closure_polys.to_file(tmp / "closures.geojson", driver="GeoJSON")
            e = region.roads.edges[closures.closed_mask(region.roads.edges)]
            gpd.GeoDataFrame(
                e[["u", "v", "highway", "length_m", "geometry"]], geometry="geometry"
            ).to_file(tmp / "closed_roads.geojson", driver="GeoJSON")
        if plan is not None:
            write_placement(plan, tmp / "placement")
        if van_plan is not None:
            write_vans(van_plan, tmp / "vans")
        timings["write"] = time.perf_counter() - t0
        _json(
            tmp / "run.json",
            {
                "note": "timings and cache use of this run; not part of the results",
                "seconds": {k: round(v, 3) for k, v in timings.items()},
                "travel_cache": counts,
            },
        )

    return write_folder_atomically(out_dir, write)


def _unit_table(units: pd.DataFrame, table: pd.DataFrame, level: str) -> pd.DataFrame:
    """The gap analysis' unit table plus the scenario's change per unit."""
    keys = [k for k in ADMIN_LEVELS[: ADMIN_LEVELS.index(level) + 1]] if level != "region" else []
    t = table.assign(
        households_within_60_min=np.where(table["travel_min"] <= 60, table["households"], 0.0),
        baseline_households_within_60_min=np.where(
            table["baseline_travel_min"] <= 60, table["households"], 0.0
        ),
    )
    cols = [
        "households_within_60_min",
        "baseline_households_within_60_min",
        "expected_new_registrations",
    ]
    if not keys:
        extra = pd.DataFrame([t[cols].sum()])
        return pd.concat([units.reset_index(drop=True), extra], axis=1)
    extra = t.groupby(keys, sort=True)[cols].sum().reset_index()
    return units.merge(extra, on=keys, how="left")


def _json(path: Path, doc: Any) -> None:
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


@contextmanager
def _timed(into: dict[str, float], name: str) -> Iterator[None]:
    t0 = time.perf_counter()
    try:
        yield
    finally:
        into[name] = into.get(name, 0.0) + time.perf_counter() - t0
