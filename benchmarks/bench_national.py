"""National-scale benchmark: end to end from a cached region, and Dask scaling.

Usage (repository root)::

    .venv/bin/python benchmarks/bench_national.py --scale 1.0 --mclp-seconds 45 --mclp-compare 120
    .venv/bin/python benchmarks/bench_national.py --scale 0.1 --mclp-seconds 0   # identity check
    .venv/bin/python benchmarks/bench_national.py --part dask --scale 1.0
    # add --previous-tree DIR (a checkout of the previous code) for the baseline pipeline

``--part e2e`` (issue #21: load, nearest centre in three modes, coverage matrix, MCLP of 500
new centres, outputs; generation excluded): the synthetic national region is generated once
into ``--cache-dir`` (not timed), then each pipeline runs in its own process so their
memory does not mix:

* ``arrays`` (current): roads loaded as arrays (``load_region(..., roads="arrays")``),
* ``frames`` (baseline, the previous pipeline's loading): roads loaded as GeoDataFrames.

Each prints its steps, total and the peak RSS of its process tree (sampled every 0.1 s with
psutil) against the targets (< 90 s, < 3 GB). The parent then checks the two give identical
nearest-centre tables (``DataFrame.equals``), coverage matrices (arrays equal) and, with
``--mclp-seconds 0`` (deterministic heuristic), the same MCLP sites and objective.

``--part dask``: the coverage matrix and a sweep of ``--sweep`` deterministic MCLP scenarios
on a ``distributed.LocalCluster`` of 1 then 2 worker processes (1 thread each) after a
serial reference in this process; prints time, speed-up and each worker's peak RSS
(sampled), and checks every Dask result equals the serial one.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psutil
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
if "--previous-child" not in sys.argv:  # the baseline child imports the previous tree instead
    sys.path.insert(0, str(ROOT))


TARGET_S = 90.0
TARGET_GB = 3.0


class PeakRSS:
    """Peak summed RSS of some processes (default: this one and its descendants), sampled."""

    def __init__(self, interval_s: float = 0.1, pids: list[int] | None = None) -> None:
        self.interval_s = interval_s
        self.pids = pids
        self.peak = 0
        self.peak_each: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _procs(self) -> list[psutil.Process]:
        if self.pids is not None:
            return [psutil.Process(p) for p in self.pids]
        me = psutil.Process()
        return [me, *me.children(recursive=True)]

    def _run(self) -> None:
        while not self._stop.is_set():
            total = 0
            for p in self._procs():
                with contextlib.suppress(psutil.Error):
                    rss = p.memory_info().rss
                    total += rss
                    self.peak_each[p.pid] = max(self.peak_each.get(p.pid, 0), rss)
            self.peak = max(self.peak, total)
            self._stop.wait(self.interval_s)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--part", choices=["e2e", "dask", "all"], default="e2e")
    ap.add_argument("--scale", type=float, default=1.0, help="area and counts (1 = national)")
    ap.add_argument("--new-centres", type=int, default=None, help="default 500 x scale")
    ap.add_argument("--within-min", type=float, default=60.0)
    ap.add_argument(
        "--mclp-seconds", type=float, default=45.0, help="MCLP time limit (0: none, deterministic)"
    )
    ap.add_argument(
        "--mclp-compare",
        type=float,
        default=0.0,
        help="after the timed run, solve the same MCLP again with this limit (the trade)",
    )
    ap.add_argument("--pipelines", default="frames,arrays", help="e2e pipelines to run, in order")
    ap.add_argument("--sweep", type=int, default=4, help="deterministic MCLP scenarios (dask)")
    ap.add_argument(
        "--sweep-max-p", type=int, default=None, help="largest p of the sweep (default 60 x scale)"
    )
    ap.add_argument("--cache-dir", default=str(ROOT / "out" / "national-cache"))
    ap.add_argument("--out", default=str(ROOT / "out" / "national"))
    ap.add_argument(
        "--previous-tree",
        default=None,
        help="a checkout of the previous code (e.g. `git archive 9bc3820`): adds the baseline "
        "pipeline 'previous' (GeoDataFrames, one projection per mode) to the e2e run",
    )
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--previous-child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    if args.child == "prepare":
        from scenarios.national import build_national_region, national_params

        _, secs = build_national_region(national_params(args.scale), cache_dir=args.cache_dir)
        print("region ready", json.dumps(secs))
        return
    if args.child in ("frames", "arrays", "previous"):
        _e2e_child(args, args.child)
        return
    print(f"load average {os.getloadavg()}; {os.cpu_count()} cores")
    _run_child(args, "prepare")  # generation is not timed (cached after the first run)
    if args.part in ("e2e", "all"):
        _e2e(args)
    if args.part in ("dask", "all"):
        _dask(args)


# ---------------------------------------------------------------------------------------
# end to end


def _p_new(args: argparse.Namespace) -> int:
    return int(args.new_centres or max(10, round(500 * args.scale)))


def _run_child(args: argparse.Namespace, child: str) -> None:
    cmd = [sys.executable, __file__, "--child", child]
    for k in (
        "scale",
        "new_centres",
        "within_min",
        "mclp_seconds",
        "mclp_compare",
        "cache_dir",
        "out",
    ):
        v = getattr(args, k)
        if v is not None:
            cmd += [f"--{k.replace('_', '-')}", str(v)]
    env = dict(os.environ)
    if child == "previous":
        cmd.append("--previous-child")
        env["PYTHONPATH"] = str(Path(args.previous_tree).resolve())
    subprocess.run(cmd, check=True, env=env)


def _e2e_child(args: argparse.Namespace, roads: str) -> None:
    from scenarios.national import build_national_region, national_params, run_national

    out = Path(args.out) / roads
    out.mkdir(parents=True, exist_ok=True)
    kw = {} if roads == "previous" else {"roads": roads}
    with PeakRSS() as mem:
        t0 = time.perf_counter()
        region, secs = build_national_region(
            national_params(args.scale), cache_dir=args.cache_dir, **kw
        )
        t_load = time.perf_counter() - t0
        run = run_national(
            region=region,
            out_dir=out / "run",
            n_workers=0,
            new_centres=_p_new(args),
            within_min=args.within_min,
            mclp_time_limit_s=args.mclp_seconds or None,
        )
        total = time.perf_counter() - t0
    steps = {"load": t_load, **{k: v for k, v in run.seconds.items() if k != "total"}}
    print(f"== pipeline '{roads}' (scale {args.scale:g}) ==")
    for k, v in steps.items():
        print(f"  {k:<18} {v:8.2f} s")
    pl = run.figures["placement"]
    gap = (pl["bound"] - pl["demand_covered_after"]) / pl["bound"] * 100
    print(
        f"  MCLP {pl['new_centres']} new centres: covered {pl['demand_covered_after']:,.1f}, "
        f"Lagrangian bound {pl['bound']:,.1f}, gap {gap:.3f} %"
    )
    met_s = "met" if total < TARGET_S else "NOT met"
    met_gb = "met" if mem.peak / 1e9 < TARGET_GB else "NOT met"
    print(
        f"  TOTAL {total:.1f} s (target < {TARGET_S:g} s: {met_s}); peak RSS "
        f"{mem.peak / 1e9:.2f} GB (target < {TARGET_GB:g} GB: {met_gb})"
    )
    if args.mclp_compare and roads == "arrays":
        _mclp_trade(args, region, run, gap)
    for mode, df in run.nearest.items():
        df.to_parquet(out / f"nearest_{mode}.parquet")
    sp.save_npz(out / "coverage.npz", run.coverage, compressed=False)
    doc = {
        "roads": roads,
        "seconds": steps,
        "total_s": total,
        "peak_rss_gb": mem.peak / 1e9,
        "selected": [int(i) for i in run.placement.selected],
        "objective": float(run.placement.objective),
        "bound": float(run.placement.bound),
        "gap_pct": gap,
        "region_seconds": secs,
    }
    (out / "report.json").write_text(json.dumps(doc, indent=2))


def _mclp_trade(args: argparse.Namespace, region: Any, run: Any, gap: float) -> None:
    from scenarios import placement as pl
    from scenarios.national import national_demand

    tt = run.nearest["motorbike"]["travel_min"].to_numpy(float)
    weights = national_demand(region, "unregistered_poor", tt)
    t = time.perf_counter()
    res = pl.max_coverage(
        run.coverage,
        weights,
        args.within_min,
        min(_p_new(args), len(region.candidates)),
        fixed=np.arange(len(region.centres)),
        method="heuristic",
        time_limit_s=args.mclp_compare,
    )
    secs = time.perf_counter() - t
    gap_b = (res.bound - res.objective) / res.bound * 100
    obj = run.placement.objective
    print(
        f"  MCLP trade: {args.mclp_seconds:g} s limit -> {obj:,.1f} (gap {gap:.3f} %); "
        f"{args.mclp_compare:g} s limit ({secs:.1f} s) -> {res.objective:,.1f} (gap "
        f"{gap_b:.3f} %); the shorter run covers {(res.objective - obj) / res.objective:.3%} "
        "less demand"
    )


def _e2e(args: argparse.Namespace) -> None:
    names = [p for p in args.pipelines.split(",") if p]
    if args.previous_tree and "previous" not in names:
        names.insert(0, "previous")
    for name in names:
        _run_child(args, name)
    docs = {n: json.loads((Path(args.out) / n / "report.json").read_text()) for n in names}
    print("\n== end to end, side by side ==")
    print(f"{'pipeline':<10} {'total s':>8} {'peak GB':>8} {'objective':>14} {'gap %':>7}")
    for n, d in docs.items():
        print(
            f"{n:<10} {d['total_s']:8.1f} {d['peak_rss_gb']:8.2f} {d['objective']:14,.1f} "
            f"{d['gap_pct']:7.3f}"
        )
    for other in names[:-1]:
        a, b = Path(args.out) / other, Path(args.out) / names[-1]
        same = {}
        for mode in ("walk", "motorbike", "car"):
            same[f"nearest_{mode}"] = bool(
                pd.read_parquet(a / f"nearest_{mode}.parquet").equals(
                    pd.read_parquet(b / f"nearest_{mode}.parquet")
                )
            )
        same["coverage"] = _same_csr(
            sp.load_npz(a / "coverage.npz"), sp.load_npz(b / "coverage.npz")
        )
        da, db = docs[other], docs[names[-1]]
        same["mclp"] = da["selected"] == db["selected"] and da["objective"] == db["objective"]
        print(f"identical {other} vs {names[-1]}", json.dumps(same))
        if not args.mclp_seconds:
            assert all(same.values()), same
        else:  # a time limit makes the MCLP depend on load; the rest must agree
            assert all(v for k, v in same.items() if k != "mclp"), same


def _same_csr(a: Any, b: Any) -> bool:
    a, b = a.tocsr(), b.tocsr()
    return bool(
        a.shape == b.shape
        and np.array_equal(a.indptr, b.indptr)
        and np.array_equal(a.indices, b.indices)
        and np.array_equal(a.data, b.data)
    )


# ---------------------------------------------------------------------------------------
# Dask scaling


def _dask(args: argparse.Namespace) -> None:
    import geopandas as gpd

    from access.speeds import TravelSettings
    from scenarios.distributed import (
        Scenario,
        coverage_matrix_dask,
        dask_client,
        sweep_max_coverage,
    )
    from scenarios.national import build_national_region, national_params

    region, _ = build_national_region(national_params(args.scale), cache_dir=args.cache_dir)
    st = TravelSettings(mode="motorbike")
    sites = gpd.GeoDataFrame(
        pd.concat([region.centres, region.candidates], ignore_index=True),
        geometry="geometry",
        crs=region.centres.crs,
    )
    n_fixed = len(region.centres)
    k = max(1, args.sweep)
    p_max = args.sweep_max_p or max(4, round(60 * args.scale))
    sweep = [
        Scenario(p=max(1, round(p_max * (i + 1) / k)), within_min=args.within_min) for i in range(k)
    ]
    fixed = np.arange(n_fixed)
    print(f"\n== Dask scaling (scale {args.scale:g}; sweep p = {[s.p for s in sweep]}) ==")
    t = time.perf_counter()
    laps0: dict[str, float] = {}
    ref = coverage_matrix_dask(
        region, client=None, sites=sites, cutoff_min=args.within_min, settings=st, timings=laps0
    )
    t_cov0 = time.perf_counter() - t
    print("  serial matrix steps: " + json.dumps({k: round(v, 2) for k, v in laps0.items()}))
    hh = region.settlements["households"].to_numpy(float)
    weights = hh  # households: the sweep's speed does not depend on which demand
    t = time.perf_counter()
    ref_sweep = sweep_max_coverage(ref, weights, sweep, client=None, fixed=fixed)
    t_sw0 = time.perf_counter() - t
    print(f"serial in this process: coverage matrix {t_cov0:.2f} s, sweep {t_sw0:.2f} s")
    rows = []
    for n in (1, 2):
        with dask_client(n_workers=n, threads_per_worker=1) as client:
            pids = list(client.run(os.getpid).values())
            with PeakRSS(pids=pids) as mem:
                row = _dask_row(client, region, sites, st, args.within_min, weights, sweep, fixed)
                row["peak_worker_gb"] = max(mem.peak_each.values(), default=0) / 1e9
            same = _same_csr(row.pop("cov"), ref) and all(
                a.result.selected == b.result.selected and a.result.objective == b.result.objective
                for a, b in zip(row.pop("res"), ref_sweep, strict=True)
            )
            rows.append({"workers": n, **row, "identical": same})
            shown = {k: round(v, 2) if isinstance(v, float) else v for k, v in rows[-1].items()}
            print(f"  {n} worker(s): {json.dumps(shown)}")
            assert same, f"Dask with {n} worker(s) differs from the serial run"
    one = rows[0]
    print(
        f"{'workers':>7} {'matrix cold s':>13} {'warm s':>7} {'x':>5} {'search s':>8} {'x':>5} "
        f"{'sweep s':>8} {'x':>5} {'peak RSS per worker GB':>22} identical"
    )
    for r in rows:
        print(
            f"{r['workers']:>7} {r['matrix_cold_s']:13.2f} {r['matrix_s']:7.2f} "
            f"{one['matrix_s'] / r['matrix_s']:5.2f} {r['search_s']:8.2f} "
            f"{one['search_s'] / r['search_s']:5.2f} {r['sweep_s']:8.2f} "
            f"{one['sweep_s'] / r['sweep_s']:5.2f} {r['peak_worker_gb']:22.2f} {r['identical']}"
        )
    print("(2 cores on this machine: 2 workers is the ceiling of the speed-up here)")


def _dask_row(
    client: Any,
    region: Any,
    sites: Any,
    st: Any,
    within_min: float,
    weights: np.ndarray,
    sweep: list[Any],
    fixed: np.ndarray,
) -> dict[str, Any]:
    """Matrix cold (workers load compiled kernels) and warm, then the sweep (warmed up)."""
    from scenarios.distributed import Scenario, coverage_matrix_dask, sweep_max_coverage

    t = time.perf_counter()
    coverage_matrix_dask(region, client=client, sites=sites, cutoff_min=within_min, settings=st)
    cold = time.perf_counter() - t
    laps: dict[str, float] = {}
    t = time.perf_counter()
    cov = coverage_matrix_dask(
        region, client=client, sites=sites, cutoff_min=within_min, settings=st, timings=laps
    )
    warm = time.perf_counter() - t
    sweep_max_coverage(cov, weights, [Scenario(1, within_min)], client=client, fixed=fixed)
    t = time.perf_counter()
    res = sweep_max_coverage(cov, weights, sweep, client=client, fixed=fixed)
    return {
        "matrix_cold_s": cold,
        "matrix_s": warm,
        "scatter_s": laps.get("scatter", 0.0),
        "search_s": laps.get("search", 0.0),
        "sweep_s": time.perf_counter() - t,
        "cov": cov,
        "res": res,
    }


if __name__ == "__main__":
    main()
