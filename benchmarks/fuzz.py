"""Longer fuzz run of every reader (the targets of ``tests/test_fuzz_readers.py``).

Each target runs in its own subprocess for ``--seconds`` (a hang or a hard crash of one
target cannot stop the others; the parent kills a child that overruns by 120 s). Inputs are
the targets' valid seed files mutated at random (truncated, bytes flipped, inserted, deleted,
spliced, duplicated), plus random bytes. With ``--engine atheris`` (``pip install atheris``)
coverage-guided fuzzing of our Python code drives the mutations instead.

A *crash* is anything but a valid result or one of our own errors (AccessGapError), or an
input that takes more than ``--timeout`` seconds. Crashing inputs are saved in ``--crashes``.
Prints, per target, the number of inputs tried and the crashes found, and exits 1 on any.

    .venv/bin/python benchmarks/fuzz.py --seconds 60
    .venv/bin/python benchmarks/fuzz.py --seconds 300 --targets osm_xml,census --engine atheris
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import os
import random
import subprocess
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"


def _targets() -> dict:
    for p in (str(ROOT), str(TESTS)):
        if p not in sys.path:
            sys.path.insert(0, p)
    import test_fuzz_readers as fz

    return {"module": fz, "targets": fz.TARGETS}


def _random_input(rng: random.Random, seeds: list[bytes], mutations: tuple[str, ...], fz) -> bytes:
    if rng.random() < 0.05:
        return rng.randbytes(rng.randint(0, 4096))
    seed = rng.choice(seeds)
    ops = [
        (rng.choice(mutations), rng.random(), rng.randbytes(rng.randint(1, 24)))
        for _ in range(rng.randint(1, 6))
    ]
    return fz.mutate(seed, ops)


def _child(name: str, seconds: float, timeout_s: float, engine: str, crash_dir: Path) -> None:
    """Fuzz one target; print one JSON line with the counts."""
    import logging
    import resource
    import warnings

    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    # pyosmium (libosmium) leaks one file descriptor per broken .pbf it fails to read;
    # lift the soft limit so a long run is not cut short by that known leak (it is reported)
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    fds_at_start = _open_fds()
    t = _targets()
    fz, target = t["module"], t["targets"][name]
    seeds = target.seeds()
    keep_head = name == "region"  # the first byte picks the region file to damage
    crashes: dict[str, str] = {}
    tried = 0

    def one(data: bytes) -> None:
        nonlocal tried
        tried += 1
        try:
            fz.check_one(target, data, seconds=timeout_s)
        except BaseException as err:  # everything but ok/our errors is a finding
            if isinstance(err, KeyboardInterrupt | SystemExit):
                raise
            frames = traceback.extract_tb(err.__traceback__)
            ours = [f for f in frames if str(ROOT) in f.filename and ".venv" not in f.filename]
            where = f"{Path(ours[-1].filename).name}:{ours[-1].lineno}" if ours else "?"
            key = f"{type(err).__name__} at {where}"
            if key not in crashes:
                crashes[key] = str(err)[:300]
                crash_dir.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha1(data).hexdigest()[:12]
                (crash_dir / f"{name}-{digest}.bin").write_bytes(data)

    if engine == "atheris":
        import atheris

        deadline = time.monotonic() + seconds

        def test_one(data: bytes) -> None:
            if time.monotonic() > deadline:
                _report(name, tried, crashes, engine, _open_fds() - fds_at_start)
                os._exit(0)
            body = data
            if keep_head and seeds:
                body = seeds[data[0] % len(seeds)][:1] + data[1:] if data else seeds[0]
            one(body)

        import tempfile

        corpus = Path(tempfile.mkdtemp(prefix=f"fuzz-corpus-{name}-"))
        for i, s in enumerate(seeds):
            (corpus / f"seed{i}").write_bytes(s)
        with atheris.instrument_imports(include=["geodata", "ui"]):
            for module in ("build", "census", "joins", "osm", "region"):
                importlib.import_module(f"geodata.{module}")
        atheris.Setup(
            [sys.argv[0], str(corpus), f"-max_total_time={int(seconds) + 5}", "-rss_limit_mb=4096"],
            test_one,
        )
        atheris.Fuzz()
        _report(name, tried, crashes, engine, _open_fds() - fds_at_start)
        return
    rng = random.Random(int.from_bytes(os.urandom(4), "little"))
    for s in seeds:
        one(s)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if keep_head:
            seed = rng.choice(seeds)
            one(seed[:1] + _random_input(rng, [seed[1:]], fz.MUTATIONS, fz))
        else:
            one(_random_input(rng, seeds, fz.MUTATIONS, fz))
    _report(name, tried, crashes, engine, _open_fds() - fds_at_start)


def _report(
    name: str, tried: int, crashes: dict[str, str], engine: str, fds_leaked: int = 0
) -> None:
    doc = {"target": name, "inputs": tried, "crashes": crashes, "engine": engine}
    doc["fds_leaked"] = fds_leaked
    print("RESULT " + json.dumps(doc), flush=True)


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd")) if Path("/proc/self/fd").is_dir() else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--seconds", type=float, default=30.0, help="fuzzing time per target")
    ap.add_argument("--targets", default="", help="comma-separated names (default: all)")
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds allowed per input")
    ap.add_argument("--engine", choices=("random", "atheris"), default="random")
    ap.add_argument("--crashes", type=Path, default=ROOT / "out" / "fuzz-crashes")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(args.child, args.seconds, args.timeout, args.engine, args.crashes)
        return 0
    names = [n for n in args.targets.split(",") if n] or list(_targets()["targets"])
    total_inputs = 0
    total_crashes = 0
    print(f"fuzzing {len(names)} targets for {args.seconds:g} s each ({args.engine})")
    for name in names:
        cmd = [sys.executable, __file__, "--child", name, "--seconds", str(args.seconds)]
        cmd += ["--timeout", str(args.timeout), "--engine", args.engine]
        cmd += ["--crashes", str(args.crashes)]
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(
                cmd, capture_output=True, text=True, timeout=args.seconds + 120, cwd=ROOT
            )
            lines = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
            if lines:
                res = json.loads(lines[-1][len("RESULT ") :])
            else:
                tail = (proc.stderr or "").strip().splitlines()[-3:]
                res = {"inputs": 0, "crashes": {f"process died (rc {proc.returncode})": tail}}
        except subprocess.TimeoutExpired:
            res = {"inputs": 0, "crashes": {"hang": "the target process did not finish"}}
        n_crash = len(res["crashes"])
        total_inputs += res["inputs"]
        total_crashes += n_crash
        leak = res.get("fds_leaked", 0)
        print(
            f"{name:15s} {res['inputs']:8,d} inputs  {n_crash} crashes  "
            f"({time.perf_counter() - t0:.0f} s)"
            + (f"  [{leak} file descriptors still open at the end]" if leak > 0 else ""),
            flush=True,
        )
        for key, msg in res["crashes"].items():
            print(f"    CRASH {key}: {msg}")
    print(f"total: {total_inputs:,} inputs, {total_crashes} crashes")
    return 1 if total_crashes else 0


if __name__ == "__main__":
    sys.exit(main())
