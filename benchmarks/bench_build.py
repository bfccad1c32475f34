"""Benchmark: build the Islamabad region from the real OSM extract and the 2017 census.

Run: ``.venv/bin/python benchmarks/bench_build.py [runs]`` from the repository root.

Two builds, side by side in one run: **OSM alone** (the extract and the census: issue 16's
target, under 30 s) and the same **with GeoNames** places (the build of earlier rounds, the
baseline). Prints each run's timing breakdown, the median totals and their ratio, and what a
planner checks: settlements, the largest one, and households per tehsil against census x
share inside.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geodata.build import build_region  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
TARGET_S = 30.0


def _runs(runs: int, geonames: bool) -> float:
    label = "with GeoNames (baseline)" if geonames else "OSM alone"
    totals = []
    for i in range(runs):
        t0 = time.perf_counter()
        region, report = build_region(
            osm=DATA / "osm" / "islamabad.osm.pbf",
            census=DATA / "census2017" / "tehsil_population_2017.csv",
            geonames=DATA / "geonames" / "pk_places_cities500.csv" if geonames else None,
        )
        totals.append(time.perf_counter() - t0)
        steps = ", ".join(f"{k} {v:.2f} s" for k, v in report.seconds.items())
        print(f"{label} run {i + 1}: total {totals[-1]:.2f} s ({steps})")
    s = region.settlements
    over = [
        t.name for t in report.tehsil_shares if t.households > t.census_households * t.share + 1
    ]
    methods = sorted({t.method for t in report.tehsil_shares})
    print(
        f"{label}: {len(s):,} settlements, largest {int(s['households'].max()):,} households, "
        f"{len(report.tehsil_shares)} census tehsils (shares by "
        f"{methods}), over census x share: {over or 'none'}"
    )
    return statistics.median(totals)


def main(runs: int = 3) -> int:
    if not DATA.is_dir():
        print(f"skipped: real data folder {DATA} is absent")
        return 0
    alone = _runs(runs, geonames=False)
    base = _runs(runs, geonames=True)
    print(
        f"median of {runs}: OSM alone {alone:.2f} s (target < {TARGET_S:g} s), with GeoNames "
        f"{base:.2f} s; ratio {alone / base:.2f}"
    )
    return 0 if alone < TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 3))
