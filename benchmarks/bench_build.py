"""Benchmark: build regions from OSM extracts and the 2017 census (Islamabad, or a country).

Run from the repository root::

    .venv/bin/python benchmarks/bench_build.py [runs]
    .venv/bin/python benchmarks/bench_build.py --part national [--scale 1.0] [--seed 0]
        [--cache DIR]

``--part islamabad`` (the default): two builds, side by side in one run: **OSM alone** (the
extract and the census: issue 16's target, under 30 s) and the same **with GeoNames** places
(the build of earlier rounds, the baseline). Prints each run's timing breakdown, the median
totals and their ratio, and what a planner checks: settlements, the largest one, and
households per tehsil against census x share inside.

``--part national`` (issue 21): writes a synthetic country ``.osm.pbf`` and census
(:func:`geodata.osm.synthetic_pbf.write_synthetic_country`, about 12 M road nodes and 1.5 M
ways at ``--scale 1.0``; cached in ``--cache`` by scale, seed and generator version), then
runs ``accessgap region build`` on it in a child process, and the same command on the
Islamabad extract (the named baseline). Prints the build report's per-step timings, the
total wall time and the child's peak memory (``ru_maxrss`` from ``wait4``) against the
targets (under 5 minutes, under 12 GB), and the national build's road nodes per second as a
ratio of Islamabad's.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geodata.build import build_region  # noqa: E402
from geodata.osm.synthetic_pbf import GENERATOR_VERSION, write_synthetic_country  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
TARGET_S = 30.0
NATIONAL_TARGET_S = 300.0
NATIONAL_TARGET_GB = 12.0
_CLI = "import sys; from cli import main; sys.argv[0] = 'accessgap'; main()"


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


def islamabad(runs: int = 3) -> int:
    """Islamabad: OSM alone against the build with GeoNames, median of ``runs``."""
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


def _cli_build(osm: Path, census: Path, out: Path, *, simplify: bool) -> dict[str, object]:
    """``accessgap region build`` in a child process: wall time, peak RSS and its report."""
    cmd = [sys.executable, "-c", _CLI, "region", "build", "--osm", str(osm)]
    cmd += ["--census", str(census), "--out", str(out)]
    cmd += ["--simplify-roads"] if simplify else []
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    text = proc.stdout.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        print(text)
        raise SystemExit(f"region build failed on {osm} (exit {proc.returncode})")
    steps = re.search(r"timing: (.*)", text)
    roads = re.search(r"kept; ([\d,]+) nodes, ([\d,]+) edges", text)
    sett = re.search(r"households: census ([\d,]+), settlements ([\d,]+)", text)
    return {
        "wall_s": wall,
        "peak_gb": usage.ru_maxrss * 1024 / 1e9,  # Linux: kilobytes
        "steps": {
            k: float(v) for k, v in re.findall(r"(\w+) ([\d.]+) s", steps.group(1) if steps else "")
        },
        "nodes": int(roads.group(1).replace(",", "")) if roads else 0,
        "edges": int(roads.group(2).replace(",", "")) if roads else 0,
        "households": sett.group(2) if sett else "?",
        "text": text,
    }


def _synthetic(cache: Path, scale: float, seed: int) -> tuple[Path, Path]:
    """The synthetic country of these parameters, written once into ``cache``."""
    folder = cache / f"national-osm-v{GENERATOR_VERSION}-s{scale:g}-seed{seed}"
    info = folder / "generated.json"
    if info.is_file():
        meta = json.loads(info.read_text())
        print(f"synthetic country (cached): {folder} ({meta['bytes'] / 1e6:,.1f} MB)")
        print("  " + meta["summary"])
        return folder / "country.osm.pbf", folder / "census.csv"
    country = write_synthetic_country(folder, scale=scale, seed=seed)
    print("\n".join(country.lines()))
    info.write_text(
        json.dumps(
            {
                "bytes": country.bytes,
                "seconds": country.seconds,
                "summary": country.lines()[1].strip(),
            }
        )
    )
    return country.pbf, country.census


def national(scale: float, seed: int, cache: Path, *, simplify: bool = False) -> int:
    """Build the synthetic country and Islamabad with the CLI; compare with the targets.

    ``simplify`` builds both with ``--simplify-roads`` (junctions and way ends as nodes).
    """
    pbf, census = _synthetic(cache, scale, seed)
    print(f"road nodes: {'junctions and way ends' if simplify else 'every OSM node'}")
    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        nat = _cli_build(pbf, census, Path(tmp) / "national", simplify=simplify)
        base = None
        if (DATA / "osm" / "islamabad.osm.pbf").is_file():
            base = _cli_build(
                DATA / "osm" / "islamabad.osm.pbf",
                DATA / "census2017" / "tehsil_population_2017.csv",
                Path(tmp) / "islamabad",
                simplify=simplify,
            )
    print("\n| step | national s | islamabad s |\n|---|---:|---:|")
    for k, v in nat["steps"].items():  # type: ignore[attr-defined]
        b = base["steps"].get(k, float("nan")) if base else float("nan")  # type: ignore[attr-defined]
        print(f"| {k} | {v:.1f} | {b:.1f} |")
    for label, run in (("national", nat), ("islamabad (baseline)", base)):
        if run is None:
            continue
        steps = sum(run["steps"].values())  # type: ignore[attr-defined]
        print(
            f"{label}: {run['nodes']:,} road nodes, {run['edges']:,} edges, households "
            f"{run['households']}; build steps {steps:.1f} s, `accessgap region build` wall "
            f"{run['wall_s']:.1f} s (with start-up and writing), peak RSS {run['peak_gb']:.2f} GB"
        )
    ok = nat["wall_s"] < NATIONAL_TARGET_S and nat["peak_gb"] < NATIONAL_TARGET_GB  # type: ignore[operator]
    print(
        f"targets (scale {scale:g}): wall {nat['wall_s']:.1f} s < {NATIONAL_TARGET_S:g} s, peak "
        f"{nat['peak_gb']:.2f} GB < {NATIONAL_TARGET_GB:g} GB: {'met' if ok else 'MISSED'}"
    )
    if base is not None:
        rate = nat["nodes"] / nat["wall_s"]  # type: ignore[operator]
        rate_b = base["nodes"] / base["wall_s"]  # type: ignore[operator]
        print(
            f"throughput: national {rate:,.0f} road nodes/s, Islamabad {rate_b:,.0f} road "
            f"nodes/s; ratio {rate / rate_b:.2f} (1 = linear scaling)"
        )
    return 0 if ok or scale < 1 else 1


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="?", type=int, default=3, help="Islamabad runs per build")
    ap.add_argument("--part", choices=("islamabad", "national"), default="islamabad")
    ap.add_argument("--scale", type=float, default=1.0, help="national: size of the country")
    ap.add_argument("--seed", type=int, default=0, help="national: generator seed")
    ap.add_argument(
        "--cache",
        type=Path,
        default=Path(tempfile.gettempdir()) / "accessgap-bench",
        help="national: folder of generated files (reused when the parameters match)",
    )
    ap.add_argument(
        "--simplify-roads",
        action="store_true",
        help="national: build with `--simplify-roads` (junctions and way ends as road nodes)",
    )
    args = ap.parse_args(argv)
    if args.part == "national":
        return national(args.scale, args.seed, args.cache, simplify=args.simplify_roads)
    return islamabad(args.runs)


if __name__ == "__main__":
    raise SystemExit(main())
