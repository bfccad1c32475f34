"""The sample region's synthetic terrain (#22): how walking times change with it.

Builds the default sample region (as ``accessgap sample``), attaches its SYNTHETIC DEM and
land cover (``geodata.sample.terrain``), and compares nearest-centre walking times without
the surface (straight line at 4 km/h x detour to the road) and with it (cells at 100 m,
16 neighbours, Tobler on slopes, land-cover speeds, the river crossed only at fords and road
bridges). Prints the household figures as JSON; ``--out FILE.csv`` also writes the
per-settlement table.

Usage::

    PYTHONPATH=. .venv/bin/python scripts/sample_terrain.py [--out /tmp/terrain.csv]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from access.offroad_compare import walk_time_change
from access.synthetic import build_sample_region
from geodata.sample import SampleParams
from geodata.sample.terrain import with_sample_terrain


def main() -> None:
    """Build, compare, print."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=None, help="per-settlement CSV")
    ap.add_argument("--mode", default="walk")
    a = ap.parse_args()
    params = SampleParams()
    region, _ = build_sample_region(params)
    with tempfile.TemporaryDirectory() as tmp:
        region = with_sample_terrain(region, tmp, params)
        t0 = time.perf_counter()
        res = walk_time_change(region, mode=a.mode)
        elapsed = time.perf_counter() - t0
    print(json.dumps({"mode": a.mode, **res.summary, "seconds": round(elapsed, 1)}, indent=2))
    if a.out is not None:
        res.table.to_csv(a.out, index=False)


if __name__ == "__main__":
    main()
