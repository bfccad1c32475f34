"""National-scale benchmark: baseline in three modes + MCLP of 500 new centres, serial vs Dask.

Usage (repository root)::

    .venv/bin/python benchmarks/bench_national.py              # full size (~2.5 M road nodes)
    .venv/bin/python benchmarks/bench_national.py --scale 0.1  # quick run

Steps: generate (or load from ``--cache-dir``) the synthetic national region; run the
baseline (nearest centre for every settlement, walk / motorbike / car, partitioned by
province with network halos) plus the motorbike coverage matrix and the MCLP placement of
``--new-centres`` centres serially in this process; run the same on a local Dask cluster
(two single-threaded worker processes) with a sweep of ``--sweep`` placement scenarios
(p = K/n ... K); check the Dask arrays equal the serial ones; print wall-clock seconds and
the peak resident memory of the whole process tree (this process + Dask workers, sampled
every 0.2 s with psutil; plus ``ru_maxrss`` of self and children).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import sys
import threading
import time
from pathlib import Path

import numpy as np
import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scenarios.distributed import Scenario  # noqa: E402
from scenarios.national import build_national_region, national_params, run_national  # noqa: E402


class PeakRSS:
    """Peak of the summed RSS of this process and all its descendants, sampled."""

    def __init__(self, interval_s: float = 0.2) -> None:
        self.interval_s = interval_s
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for p in [me, *me.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    total += p.memory_info().rss
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
    ap.add_argument("--scale", type=float, default=1.0, help="area and counts (1 = national)")
    ap.add_argument("--new-centres", type=int, default=None, help="default 500 x scale")
    ap.add_argument("--within-min", type=float, default=60.0)
    ap.add_argument("--sweep", type=int, default=20, help="placement scenarios on Dask")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--cache-dir", default=str(ROOT / "out" / "national-cache"))
    ap.add_argument("--out", default=str(ROOT / "out" / "national"))
    ap.add_argument("--skip-serial", action="store_true")
    ap.add_argument(
        "--mclp-seconds", type=float, default=120.0, help="MCLP time limit (0: none, deterministic)"
    )
    ap.add_argument(
        "--sweep-seconds", type=float, default=30.0, help="per sweep scenario (0: none)"
    )
    args = ap.parse_args()
    p_new = args.new_centres or max(10, round(500 * args.scale))
    params = national_params(args.scale)
    limits = {
        "mclp_time_limit_s": args.mclp_seconds or None,
        "sweep_time_limit_s": args.sweep_seconds or None,
    }
    report: dict[str, object] = {"scale": args.scale, "new_centres": p_new}

    with PeakRSS() as mem:
        t = time.perf_counter()
        region, build = build_national_region(params, cache_dir=args.cache_dir)
        report["region_seconds"] = build
        report["region"] = {
            "road_nodes": len(region.roads.nodes),
            "road_edges": len(region.roads.edges),
            "settlements": len(region.settlements),
            "households": int(region.settlements["households"].sum()),
            "centres": len(region.centres),
            "candidates": len(region.candidates),
            "provinces": int(region.settlements["province"].nunique()),
            "districts": int(region.settlements["district"].nunique()),
            "tehsils": int(region.settlements["tehsil"].nunique()),
            "union_councils": int(region.settlements["union_council"].nunique()),
        }
        print("region", json.dumps(report["region"]), "seconds", build, flush=True)
        report["peak_rss_gb_after_region"] = mem.peak / 1e9

        serial = None
        if not args.skip_serial:
            serial = run_national(
                region=region,
                out_dir=Path(args.out) / "serial",
                n_workers=0,
                new_centres=p_new,
                within_min=args.within_min,
                **limits,
            )
            report["serial_seconds"] = serial.seconds
            report["figures"] = serial.figures
            report["peak_rss_gb_after_serial"] = mem.peak / 1e9
            print("serial", json.dumps(serial.seconds), flush=True)
            print("figures", json.dumps(serial.figures, default=float), flush=True)

        # p = K/k ... K at the full radius; the last one repeats the main MCLP
        k = max(1, args.sweep)
        sweep = [
            Scenario(p=max(1, round(p_new * (i + 1) / k)), within_min=args.within_min)
            for i in range(k)
        ]
        dask = run_national(
            region=region,
            out_dir=Path(args.out) / "dask",
            n_workers=args.workers,
            new_centres=p_new,
            within_min=args.within_min,
            sweep=sweep,
            **limits,
        )
        report["dask_seconds"] = dask.seconds
        report["sweep"] = dask.figures["sweep"]
        print("dask", json.dumps(dask.seconds), flush=True)
        print("sweep", json.dumps(dask.figures["sweep"]), flush=True)
        last = dask.sweep[-1]
        same = {
            "sweep_p_max_equals_main_mclp": last.result.selected == dask.placement.selected,
        }
        report["mclp"] = {
            "dask_objective": dask.placement.objective,
            "dask_bound": dask.placement.bound,
            "time_limits": limits,
        }
        if serial is not None:
            for mode, df in serial.nearest.items():
                same[f"nearest_{mode}"] = bool(df.equals(dask.nearest[mode]))
            a, b = serial.coverage, dask.coverage
            same["coverage"] = bool(
                a.shape == b.shape
                and np.array_equal(a.indptr, b.indptr)
                and np.array_equal(a.indices, b.indices)
                and np.array_equal(a.data, b.data)
            )
            same["mclp_selected"] = serial.placement.selected == dask.placement.selected
            same["mclp_objective"] = serial.placement.objective == dask.placement.objective
        report["identical"] = same
        print("identical", json.dumps(same), flush=True)
        report["wall_seconds"] = time.perf_counter() - t
    self_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6
    child_gb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1e6
    report["peak_rss_gb_tree_sampled"] = mem.peak / 1e9
    report["ru_maxrss_gb"] = {"self": self_gb, "children_max": child_gb}
    print(
        f"peak RSS of the process tree {mem.peak / 1e9:.2f} GB "
        f"(ru_maxrss self {self_gb:.2f} GB, largest child {child_gb:.2f} GB); "
        f"wall {report['wall_seconds']:.1f} s",
        flush=True,
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / f"bench-scale{args.scale:g}.json").write_text(
        json.dumps(report, indent=2, default=float)
    )


if __name__ == "__main__":
    main()
