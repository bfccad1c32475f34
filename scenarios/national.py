"""National scale: a synthetic Pakistan-sized region and the whole baseline + placement run.

:func:`national_params` sizes :class:`geodata.sample.SampleParams` like the country (four
provinces, ~130 districts, ~600 tehsils, ~7,000 union councils, 80,000 settlements, 40 M
households over 1,200 x 1,000 km, ~2.5 M road nodes at ``segment_m=200``); ``scale`` shrinks
area and counts together for quick runs. :func:`build_national_region` generates it (with
synthetic registry coverage driven by motorbike times, as the sample district) and caches it
as a region folder. :func:`run_national` computes, partition by partition (halo subgraphs,
exact within each mode's limit; :mod:`access.partition`), the nearest centre of every
settlement in three modes, the motorbike coverage matrix of centres + candidates in column
chunks, an MCLP placement of ``new_centres`` new Union Council centres and an optional sweep
of placement scenarios, on a Dask cluster or serially in this process.

Memory discipline: times and metres are written as ``float32`` and site positions as
``int32``; each partition's settlements go to their own GeoParquet file; the coverage matrix
is sparse (only pairs within the radius); no dense settlements x sites array exists.

A real national region is built from a country OSM extract and the census with
:func:`geodata.build.build_region` (``docs/national.md``) and passed as ``region=``.

Examples
--------
>>> run = run_national(national_params(0.1), out_dir="out/national", n_workers=2)  # doctest: +SKIP
>>> run.figures["walk"]["median_min"]  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix

from access.context import release_travel_context, resolve_settings
from access.engine import nearest_centre
from access.partition import Halo
from access.speeds import Mode, TravelSettings
from access.synthetic import TRUTH_MODE
from geodata.export import write_json
from geodata.files import write_folder_atomically
from geodata.region import Region, load_region, save_region
from geodata.sample import SampleParams, add_synthetic_registry, make_sample_geography
from scenarios import placement as pl
from scenarios.distributed import (
    Scenario,
    SweepResult,
    coverage_matrix_dask,
    dask_client,
    nearest_centre_dask,
    sweep_max_coverage,
)
from scenarios.national_plan import plan_national

__all__ = [
    "DEFAULT_LIMITS_MIN",
    "NationalRun",
    "build_national_region",
    "national_demand",
    "national_params",
    "run_national",
]

log = logging.getLogger(__name__)

_COVERAGE_MODE: Mode = "motorbike"

#: Travel-time limit ``T`` per mode: times up to it are exact, farther ones "beyond limit".
DEFAULT_LIMITS_MIN: Mapping[str, float] = {"walk": 360.0, "motorbike": 180.0, "car": 120.0}


@dataclass(frozen=True, eq=False)
class NationalRun:
    """What :func:`run_national` computed and how long each step took.

    Attributes
    ----------
    nearest
        Per mode, the nearest-centre table (``float32`` times, ``int32`` site positions).
    coverage
        Sparse settlements x (centres + candidates) motorbike minutes within ``within_min``.
    placement
        The MCLP result (columns index centres then candidates).
    sweep
        Results of the scenario sweep (empty when none was asked for).
    figures
        Headline numbers per mode and for the placement.
    seconds
        Wall-clock seconds per step.
    out_dir
        Folder written.
    """

    nearest: Mapping[str, pd.DataFrame]
    coverage: csr_matrix
    placement: pl.PlacementResult
    sweep: Sequence[SweepResult]
    figures: Mapping[str, Any]
    seconds: Mapping[str, float]
    out_dir: Path
    executor: str = field(default="serial")


def national_params(
    scale: float = 1.0, *, seed: int = 2017, segment_m: float = 200.0
) -> SampleParams:
    """Generator parameters for a Pakistan-sized synthetic region, scaled by ``scale``.

    ``scale`` multiplies the area (sides by ``sqrt(scale)``) and every count, so densities
    and travel times stay national-like: ``scale=1`` gives four provinces, 130 districts, 600
    tehsils, 7,000 union councils, 80,000 settlements, 40 M households, ~2.5 M road nodes.

    Raises
    ------
    ValueError
        When ``scale`` is not in ``(0, 1]``.
    """
    if not 0 < scale <= 1:
        raise ValueError(f"scale must be in (0, 1], got {scale!r}")
    f = math.sqrt(scale)
    return SampleParams(
        seed=seed,
        width_km=1200.0 * f,
        height_km=1000.0 * f,
        n_provinces=4,
        n_districts=max(8, round(130 * scale)),
        n_tehsils=max(16, round(600 * scale)),
        n_union_councils=max(64, round(7000 * scale)),
        n_settlements=max(800, round(80_000 * scale)),
        households_target=max(100_000, round(40_000_000 * scale)),
        segment_m=segment_m,
        origin_lon=66.5,
        origin_lat=25.5,
        name=f"Pakistan-sized region (synthetic, scale {scale:g})",
    )


def build_national_region(
    params: SampleParams,
    *,
    cache_dir: str | Path | None = None,
    roads: Literal["frames", "arrays"] = "arrays",
) -> tuple[Region, dict[str, float]]:
    """Generate (or load from ``cache_dir``) the national synthetic region with coverage.

    A cached region is loaded with its roads as arrays (``roads="arrays"``, see
    :func:`geodata.region.load_region`): about a sixth of the memory of GeoDataFrames.

    Returns
    -------
    (Region, seconds)
        The region and the seconds spent per step (``generate``, ``registry``, ``save`` or
        ``load``).
    """
    secs: dict[str, float] = {}
    folder = None
    if cache_dir is not None:
        doc = json.dumps(asdict(params), sort_keys=True).encode()
        folder = Path(cache_dir) / f"national-{hashlib.sha256(doc).hexdigest()[:16]}"
        if (folder / "region.json").is_file():
            t = time.perf_counter()
            region = load_region(folder, validate=False, roads=roads)
            secs["load"] = time.perf_counter() - t
            return region, secs
    t = time.perf_counter()
    geo = make_sample_geography(params)
    secs["generate"] = time.perf_counter() - t
    t = time.perf_counter()
    times = nearest_centre(geo, mode=TRUTH_MODE)
    region, _ = add_synthetic_registry(geo, times["travel_min"].to_numpy(), seed=params.seed)
    secs["registry"] = time.perf_counter() - t
    if folder is not None:
        t = time.perf_counter()
        save_region(region, folder, validate=False)
        secs["save"] = time.perf_counter() - t
    return region, secs


def run_national(
    params: SampleParams | None = None,
    *,
    out_dir: str | Path,
    region: Region | None = None,
    scheduler: str | None = None,
    n_workers: int = 2,
    processes: bool = True,
    new_centres: int = 500,
    within_min: float = 60.0,
    limits_min: Mapping[str, float] = DEFAULT_LIMITS_MIN,
    by: str = "province",
    halo: Halo = "network",
    sweep: Sequence[Scenario] = (),
    demand: str = "unregistered_poor",
    mclp_time_limit_s: float | None = None,
    sweep_time_limit_s: float | None = None,
    cache_dir: str | Path | None = None,
    budget_pkr: float | None = None,
) -> NationalRun:
    """National baseline (nearest centre, three modes) and MCLP placement, end to end.

    Parameters
    ----------
    params
        Generator parameters (default :func:`national_params` at scale 1); ignored when
        ``region`` is given.
    out_dir
        Output folder: ``nearest_<mode>/<partition>.parquet`` (GeoParquet, one file per
        partition), ``placement.parquet`` and ``summary.json``.
    region
        A region to use instead of generating one (e.g. a real one from
        :func:`geodata.build.build_region`).
    scheduler
        Address of a running Dask scheduler; ``None`` starts a local cluster of
        ``n_workers`` single-threaded workers; with ``n_workers=0`` (and no scheduler) no
        Dask is used and everything runs in this process.
    processes
        Local cluster workers as processes (``True``) or threads of this process.
    new_centres
        ``p`` of the MCLP (new Union Council centres; existing centres stay open).
    within_min
        MCLP radius, motorbike minutes.
    limits_min
        Travel-time limit ``T`` per mode for the partitioned searches.
    by, halo
        Partitioning column and halo kind (see :mod:`access.partition`).
    sweep
        Extra placement scenarios solved in parallel (:func:`sweep_max_coverage`); their
        ``within_min`` must not exceed ``within_min``.
    demand
        MCLP demand (see :func:`scenarios.placement.demand_weights`).
    mclp_time_limit_s, sweep_time_limit_s
        Time limits of the placement heuristic (main run, each sweep scenario). ``None``
        (default) runs it to its own stopping rule, which is deterministic: serial and Dask
        runs then choose the same sites. With a limit the result depends on machine load.
    cache_dir
        Where the generated region is cached between runs.
    budget_pkr
        Also plan the best outreach mix for this budget (:func:`scenarios.national_plan.
        plan_national`) into ``out_dir/portfolio``; its figures (gap included) go to
        ``figures["portfolio"]``.

    Returns
    -------
    NationalRun

    Raises
    ------
    ValueError
        When a sweep scenario's radius exceeds ``within_min`` (the matrix is cut there).
    """
    if any(s.within_min > within_min for s in sweep):
        raise ValueError(
            f"sweep radii must be <= within_min ({within_min}); raise within_min to sweep wider"
        )
    secs: dict[str, float] = {}
    if region is None:
        region, build_secs = build_national_region(params or national_params(), cache_dir=cache_dir)
        secs.update({f"region_{k}": v for k, v in build_secs.items()})
    done: list[NationalRun] = []

    def write(out: Path) -> None:  # the results folder is swapped in whole at the end
        done.append(
            _run_into(
                out,
                region,
                secs,
                scheduler=scheduler,
                n_workers=n_workers,
                processes=processes,
                new_centres=new_centres,
                within_min=within_min,
                limits_min=limits_min,
                by=by,
                halo=halo,
                sweep=sweep,
                demand=demand,
                mclp_time_limit_s=mclp_time_limit_s,
                sweep_time_limit_s=sweep_time_limit_s,
                budget_pkr=budget_pkr,
            )
        )

    write_folder_atomically(out_dir, write, kind="national")
    return replace(done[0], out_dir=Path(out_dir))


def national_demand(region: Region, demand: str, travel_min: np.ndarray) -> np.ndarray:
    """MCLP demand weights of every settlement; settlement-level tables take a vectorised path.

    Equal to :func:`scenarios.placement.demand_weights`, which spreads admin-level tables too
    but takes minutes on 80,000 settlements (``access.gaps.attach_registry``).
    """
    cov, pov = region.coverage, region.poverty
    if (
        demand == "unregistered_poor"
        and cov is not None
        and pov is not None
        and (cov["level"] == "settlement").all()
        and (pov["level"] == "settlement").all()
    ):
        sid = region.settlements["settlement_id"].astype(str)
        reg = sid.map(
            pd.Series(
                cov["registered_households"].to_numpy(float), index=cov["unit_id"].astype(str)
            )
        )
        poor = sid.map(
            pd.Series(pov["poor_share"].to_numpy(float), index=pov["unit_id"].astype(str))
        )
        if reg.notna().all() and poor.notna().all():
            hh = region.settlements["households"].to_numpy(float)
            return np.asarray((hh - reg.to_numpy(float)) * poor.to_numpy(float))
    return pl.demand_weights(region, demand, travel_min)


def _run_into(
    out: Path,
    region: Region,
    secs: dict[str, float],
    *,
    scheduler: str | None,
    n_workers: int,
    processes: bool,
    new_centres: int,
    within_min: float,
    limits_min: Mapping[str, float],
    by: str,
    halo: Halo,
    sweep: Sequence[Scenario],
    demand: str,
    mclp_time_limit_s: float | None,
    sweep_time_limit_s: float | None,
    budget_pkr: float | None = None,
) -> NationalRun:
    use_dask = scheduler is not None or n_workers > 0
    executor = (
        f"dask:{scheduler}" if scheduler else (f"local:{n_workers}" if use_dask else "serial")
    )
    nearest: dict[str, pd.DataFrame] = {}
    figures: dict[str, Any] = {"executor": executor}
    with _client(scheduler, n_workers, processes, use_dask) as client:
        # the coverage mode last: every other mode's graph is freed before its own is built
        for mode in sorted(limits_min, key=lambda m: m == _COVERAGE_MODE):
            limit = limits_min[mode]
            t = time.perf_counter()
            df = nearest_centre_dask(
                region, client=client, mode=mode, limit_min=float(limit), by=by, halo=halo
            )
            secs[f"nearest_{mode}"] = time.perf_counter() - t
            nearest[mode] = df
            if mode != _COVERAGE_MODE:  # free its graph and index (~0.8 GB nationally)
                release_travel_context(region, resolve_settings(None, mode))
            figures[mode] = _nearest_figures(region, df, float(limit))
            t = time.perf_counter()
            _write_partitions(region, df, out / f"nearest_{mode}", by)
            secs[f"write_{mode}"] = time.perf_counter() - t
        sites = gpd.GeoDataFrame(
            pd.concat([region.centres, region.candidates], ignore_index=True),
            geometry="geometry",
            crs=region.centres.crs,
        )
        t = time.perf_counter()
        cost = coverage_matrix_dask(
            region,
            client=client,
            sites=sites,
            cutoff_min=within_min,
            settings=TravelSettings(mode=_COVERAGE_MODE),
        )
        secs["coverage_matrix"] = time.perf_counter() - t
        t = time.perf_counter()
        weights = national_demand(
            region, demand, nearest[_COVERAGE_MODE]["travel_min"].to_numpy(float)
        )
        secs["demand"] = time.perf_counter() - t
        n_fixed = len(region.centres)
        t = time.perf_counter()
        res = pl.max_coverage(
            cost,
            weights,
            within_min,
            min(int(new_centres), len(region.candidates)),
            fixed=np.arange(n_fixed),
            method="heuristic",
            time_limit_s=mclp_time_limit_s,
        )
        secs["mclp"] = time.perf_counter() - t
        t = time.perf_counter()
        swept = (
            sweep_max_coverage(
                cost,
                weights,
                sweep,
                client=client,
                fixed=np.arange(n_fixed),
                time_limit_s=sweep_time_limit_s,
            )
            if sweep
            else []
        )
        secs["sweep"] = time.perf_counter() - t
    base_cov = _covered(cost[:, :n_fixed], within_min)
    chosen = np.asarray(res.selected, dtype=np.int64)
    chosen = chosen[chosen >= n_fixed]
    figures["placement"] = {
        "new_centres": int(chosen.size),
        "within_min": within_min,
        "demand": demand,
        "demand_total": float(weights.sum()),
        "demand_covered_before": float(weights[base_cov].sum()),
        "demand_covered_after": float(res.objective),
        "bound": float(res.bound),
        "method": res.method,
        "coverage_nnz": int(cost.nnz),
        "candidates": len(region.candidates),
    }
    figures["sweep"] = [
        {"p": s.scenario.p, "within_min": s.scenario.within_min, "covered": s.result.objective}
        for s in swept
    ]
    placed = sites.iloc[chosen][["centre_id", "name", "kind", "geometry"]].reset_index(drop=True)
    placed.to_parquet(out / "placement.parquet", index=False)
    if budget_pkr is not None:
        _, figures["portfolio"] = plan_national(region, budget_pkr, out / "portfolio")
        secs["portfolio"] = figures["portfolio"]["seconds"]["total"]
    secs["total"] = sum(v for k, v in secs.items() if not k.startswith("region_"))
    write_json({"figures": figures, "seconds": secs}, out / "summary.json")
    return NationalRun(
        nearest=nearest,
        coverage=cost,
        placement=res,
        sweep=swept,
        figures=figures,
        seconds=secs,
        out_dir=out,
        executor=executor,
    )


# ---------------------------------------------------------------------------------------


class _client:
    """``dask_client(...)`` when Dask is used, else a context yielding ``None``."""

    def __init__(self, scheduler: str | None, n_workers: int, processes: bool, use: bool):
        self._cm = dask_client(scheduler, n_workers=n_workers, processes=processes) if use else None

    def __enter__(self) -> Any:
        return self._cm.__enter__() if self._cm is not None else None

    def __exit__(self, *exc: Any) -> None:
        if self._cm is not None:
            self._cm.__exit__(*exc)


def _covered(cost: csr_matrix, radius: float) -> np.ndarray:
    c = cost.tocsr()
    hit = c.data <= radius
    rows = np.repeat(np.arange(c.shape[0]), np.diff(c.indptr))
    out = np.zeros(c.shape[0], bool)
    out[rows[hit]] = True
    return out


def _nearest_figures(region: Region, df: pd.DataFrame, limit: float) -> dict[str, float]:
    t = df["travel_min"].to_numpy(np.float64)
    hh = region.settlements["households"].to_numpy(np.float64)
    ok = np.isfinite(t)
    return {
        "limit_min": limit,
        "settlements": len(t),
        "within_limit": int(ok.sum()),
        "median_min": float(np.median(t[ok])) if ok.any() else math.nan,
        "households_within_60_min": float(hh[ok & (t <= 60)].sum()),
        "households_share_within_60_min": float(hh[ok & (t <= 60)].sum() / hh.sum()),
    }


def _write_partitions(region: Region, df: pd.DataFrame, folder: Path, by: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    s = region.settlements
    keys = s[by].astype(str).to_numpy()
    for key in np.unique(keys):
        rows = np.flatnonzero(keys == key)
        part = gpd.GeoDataFrame(
            df.iloc[rows].reset_index(drop=True),
            geometry=s.geometry.iloc[rows].to_numpy(),
            crs=s.crs,
        )
        safe = "".join(ch if ch.isalnum() else "_" for ch in key)
        part.to_parquet(folder / f"{safe}.parquet", index=False, compression="zstd")
