"""Benchmark: build the Islamabad region from the real OSM extract and the 2017 census.

Run: ``.venv/bin/python benchmarks/bench_build.py [runs]`` from the repository root.
Prints the timing breakdown of each run and the median total.
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


def main(runs: int = 3) -> int:
    if not DATA.is_dir():
        print(f"skipped: real data folder {DATA} is absent")
        return 0
    totals = []
    for i in range(runs):
        t0 = time.perf_counter()
        region, report = build_region(
            osm=DATA / "osm" / "islamabad.osm.pbf",
            census=DATA / "census2017" / "tehsil_population_2017.csv",
            geonames=DATA / "geonames" / "pk_places_cities500.csv",
        )
        total = time.perf_counter() - t0
        totals.append(total)
        steps = ", ".join(f"{k} {v:.2f} s" for k, v in report.seconds.items())
        print(f"run {i + 1}: total {total:.2f} s ({steps})")
    print(
        f"nodes {len(region.roads.nodes):,}, edges {len(region.roads.edges):,}, "
        f"settlements {len(region.settlements):,}, centres {len(region.centres)}, "
        f"candidates {len(region.candidates)}"
    )
    med = statistics.median(totals)
    print(f"median of {runs}: {med:.2f} s (target < 60 s)")
    return 0 if med < 60 else 1


if __name__ == "__main__":
    raise SystemExit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 3))
