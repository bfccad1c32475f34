"""Benchmarks of scenarios.placement.

Parts (``--part``, default all):

* ``spopt``    -- versus PySAL spopt (PuLP + CBC) on a seeded 2,000-demand x 300-candidate
  instance, MCLP and p-median, same objective required; prints the speed ratio.
* ``pmed``     -- OR-Library p-median instances (``../shared/benchmarks/pmed`` from the repo
  root): objective vs published optimum, gap, proven, seconds.
* ``national`` -- seeded synthetic sparse instance, 100k demand points x 5,000 candidates at a
  120-minute cut-off; MCLP with p=500 by the heuristic.

Examples
--------
    .venv/bin/python benchmarks/bench_placement.py --part pmed --pmed 1-40
    .venv/bin/python benchmarks/bench_placement.py --part spopt --repeat 3
    .venv/bin/python benchmarks/bench_placement.py --part national
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import shortest_path
from scipy.spatial import cKDTree

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scenarios.placement import max_coverage, p_median  # noqa: E402

PMED_DIR = ROOT.parent / "shared" / "benchmarks" / "pmed"


# --------------------------------------------------------------------------------------------
# Instances
# --------------------------------------------------------------------------------------------


def load_pmed(path: Path) -> tuple[np.ndarray, int]:
    """OR-Library pmed file -> (all-pairs shortest-path matrix, p); the last duplicate wins."""
    lines = path.read_text().split("\n")
    n, _, p = (int(t) for t in lines[0].split())
    edges: dict[tuple[int, int], float] = {}
    for line in lines[1:]:
        tok = line.split()
        if len(tok) != 3:
            continue
        i, j, c = int(tok[0]) - 1, int(tok[1]) - 1, float(tok[2])
        if i != j:
            edges[(min(i, j), max(i, j))] = c  # later occurrences overwrite earlier ones
    ij = np.array(list(edges), dtype=np.int64)
    g = sp.csr_array((np.array(list(edges.values())), (ij[:, 0], ij[:, 1])), shape=(n, n))
    return shortest_path(g, directed=False), p


def pmed_optima() -> dict[str, float]:
    out = {}
    for line in (PMED_DIR / "pmedopt.txt").read_text().split("\n")[1:]:
        tok = line.split()
        if len(tok) == 2:
            out[tok[0]] = float(tok[1])
    return out


def plane_instance(seed: int, n: int, m: int) -> tuple[np.ndarray, np.ndarray]:
    """Dense travel minutes on a 100 x 100 km plane at 30 km/h (seeded)."""
    rng = np.random.default_rng(seed)
    d_xy, c_xy = 100 * rng.random((n, 2)), 100 * rng.random((m, 2))
    km = np.hypot(d_xy[:, None, 0] - c_xy[None, :, 0], d_xy[:, None, 1] - c_xy[None, :, 1])
    cost = np.round(km * 2.0, 1)  # minutes at 30 km/h
    w = rng.integers(50, 2000, size=n).astype(float)
    return cost, w


def national_instance(
    seed: int, n: int = 100_000, m: int = 5_000, cutoff_min: float = 120.0
) -> tuple[sp.csr_array, np.ndarray]:
    """Seeded synthetic country: clustered villages and towns on an 800 x 800 km plane.

    Travel minutes = straight-line km x 1.3 detour / 40 km/h; pairs above the cut-off are not
    stored (unreachable). Population is log-normal and larger near towns.
    """
    rng = np.random.default_rng(seed)
    side = 800.0
    towns = side * rng.random((400, 2))
    town_size = rng.pareto(1.2, size=400) + 1.0
    share_town = town_size / town_size.sum()
    n_cluster = int(0.6 * n)
    which = rng.choice(400, size=n_cluster, p=share_town)
    clustered = towns[which] + rng.normal(scale=15.0, size=(n_cluster, 2))
    rural = side * rng.random((n - n_cluster, 2))
    demand = np.clip(np.vstack([clustered, rural]), 0, side)
    w = np.round(rng.lognormal(mean=5.0, sigma=1.0, size=n))
    w[:n_cluster] *= 2
    n_town_cand = m // 2
    cand_town = towns[rng.choice(400, size=n_town_cand, p=share_town)] + rng.normal(
        scale=10.0, size=(n_town_cand, 2)
    )
    cand = np.clip(np.vstack([cand_town, side * rng.random((m - n_town_cand, 2))]), 0, side)
    km_per_min = 40.0 / 60.0 / 1.3
    tree_c = cKDTree(cand)
    tree_d = cKDTree(demand)
    coo = tree_d.sparse_distance_matrix(tree_c, cutoff_min * km_per_min, output_type="coo_matrix")
    minutes = np.round(coo.data / km_per_min, 1)
    cost = sp.csr_array((minutes, (coo.row, coo.col)), shape=(n, m))
    # sparse_distance_matrix drops exact zero distances; none occur with continuous points.
    return cost, w


# --------------------------------------------------------------------------------------------
# Parts
# --------------------------------------------------------------------------------------------


def part_spopt(repeat: int, seed: int) -> None:
    import pulp
    from spopt.locate import MCLP, PMedian

    warnings.filterwarnings("ignore")
    n, m = 2_000, 300
    cost, w = plane_instance(seed, n, m)
    print(f"\n== spopt (PuLP + CBC) vs accessgap, seeded {n} x {m} instance (seed {seed}) ==")
    print(
        f"{'model':<10} {'spopt obj':>14} {'ours obj':>14} {'spopt s':>9} {'ours s':>8} "
        f"{'ratio':>7} {'equal':>6} {'ours method':>16}"
    )
    cases = [
        ("MCLP", dict(radius=30.0, p=10)),
        ("p-median", dict(p=10)),
    ]
    for name, kw in cases:
        t_ref, obj_ref = [], 0.0
        for _ in range(repeat):
            t = time.perf_counter()
            if name == "MCLP":
                model = MCLP.from_cost_matrix(
                    cost, w, service_radius=kw["radius"], p_facilities=kw["p"]
                )
            else:
                model = PMedian.from_cost_matrix(cost, w, p_facilities=kw["p"])
            model.solve(pulp.PULP_CBC_CMD(msg=False))
            t_ref.append(time.perf_counter() - t)
            obj_ref = float(model.problem.objective.value())
        mr = statistics.median(t_ref)
        for method in ("auto", "heuristic"):
            t_ours, res = [], None
            for _ in range(repeat):
                t = time.perf_counter()
                if name == "MCLP":
                    res = max_coverage(cost, w, kw["radius"], kw["p"], method=method)
                else:
                    res = p_median(cost, w, kw["p"], method=method)
                t_ours.append(time.perf_counter() - t)
            assert res is not None
            equal = abs(obj_ref - res.objective) <= 1e-6 * max(1.0, abs(obj_ref))
            mo = statistics.median(t_ours)
            print(
                f"{name:<10} {obj_ref:>14.1f} {res.objective:>14.1f} {mr:>9.2f} {mo:>8.2f} "
                f"{mr / mo:>6.1f}x {equal!s:>6} {method + ' -> ' + res.method:>24} "
                f"proven={res.proven_optimal} gap={100 * res.gap:.3f}%",
                flush=True,
            )


def part_pmed(spec: str, small_s: float, large_s: float, method: str = "auto") -> None:
    lo, _, hi = spec.partition("-")
    ids = range(int(lo), int(hi or lo) + 1)
    opt = pmed_optima()
    print(
        f"\n== OR-Library p-median, method={method!r}, time limit {small_s:g} s (pmed1-20) / "
        f"{large_s:g} s (pmed21-40) =="
    )
    print(
        f"{'instance':<9} {'n':>4} {'p':>4} {'objective':>10} {'optimum':>8} {'gap %':>7} "
        f"{'bound':>9} {'proven':>7} {'seconds':>8} {'method':>15}"
    )
    gaps: dict[str, list[float]] = {"1-20": [], "21-40": []}
    found = {"1-20": 0, "21-40": 0}
    secs: dict[str, list[float]] = {"1-20": [], "21-40": []}
    for k in ids:
        name = f"pmed{k}"
        d, p = load_pmed(PMED_DIR / f"{name}.txt")
        limit = small_s if k <= 20 else large_s
        t = time.perf_counter()
        res = p_median(d, np.ones(len(d)), p, method=method, time_limit_s=limit)
        el = time.perf_counter() - t
        gap = 100 * (res.objective - opt[name]) / opt[name]
        grp = "1-20" if k <= 20 else "21-40"
        gaps[grp].append(gap)
        secs[grp].append(el)
        found[grp] += int(abs(gap) < 1e-9)
        print(
            f"{name:<9} {len(d):>4} {p:>4} {res.objective:>10.0f} {opt[name]:>8.0f} "
            f"{gap:>7.3f} {res.bound:>9.0f} {res.proven_optimal!s:>7} {el:>8.2f} "
            f"{res.method:>15}",
            flush=True,
        )
    for grp in ("1-20", "21-40"):
        if gaps[grp]:
            print(
                f"pmed{grp}: optimum found {found[grp]}/{len(gaps[grp])}, mean gap "
                f"{statistics.mean(gaps[grp]):.4f} %, max gap {max(gaps[grp]):.4f} %, "
                f"median {statistics.median(secs[grp]):.2f} s, max {max(secs[grp]):.2f} s"
            )


def part_national(seed: int, limit_s: float, radius_min: float, p: int) -> None:
    t = time.perf_counter()
    cost, w = national_instance(seed)
    build = time.perf_counter() - t
    nnz_row = np.diff(cost.indptr)
    print(
        f"\n== national: {cost.shape[0]:,} demand x {cost.shape[1]:,} candidates, 120-min "
        f"cut-off, {cost.nnz:,} stored pairs (per row: median {int(np.median(nnz_row))}, "
        f"max {int(nnz_row.max())}; built in {build:.1f} s) =="
    )
    within = int((cost.data <= radius_min).sum())
    print(
        f"MCLP radius {radius_min:g} min ({within:,} covering pairs), p={p}, "
        f"method='heuristic', time_limit_s={limit_s:g}"
    )
    t = time.perf_counter()
    res = max_coverage(cost, w, radius_min, p, method="heuristic", time_limit_s=limit_s)
    el = time.perf_counter() - t
    total = float(w.sum())
    print(
        f"covered {res.objective:,.0f} of {total:,.0f} ({res.objective / total:.2%}); "
        f"upper bound {res.bound:,.0f}; gap {100 * res.gap:.3f} %; "
        f"proven {res.proven_optimal}; {el:.1f} s"
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--part", choices=["spopt", "pmed", "national", "all"], default="all")
    ap.add_argument("--pmed", default="1-40", help="instance range, e.g. 1-20 or 7")
    ap.add_argument("--pmed-method", choices=["auto", "heuristic", "milp"], default="auto")
    ap.add_argument("--pmed-small-s", type=float, default=10.0)
    ap.add_argument("--pmed-large-s", type=float, default=60.0)
    ap.add_argument("--repeat", type=int, default=1, help="repeats for the spopt comparison")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--national-s", type=float, default=60.0)
    ap.add_argument("--national-radius-min", type=float, default=45.0)
    ap.add_argument("--national-p", type=int, default=500)
    args = ap.parse_args(argv)
    # Compile the numba kernels once so timings below measure solving, not JIT compilation.
    tiny = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0]])
    p_median(tiny, np.ones(3), 1, method="heuristic")
    max_coverage(tiny, np.ones(3), 1.0, 1, method="heuristic")
    if args.part in ("spopt", "all"):
        part_spopt(args.repeat, args.seed)
    if args.part in ("pmed", "all"):
        part_pmed(args.pmed, args.pmed_small_s, args.pmed_large_s, args.pmed_method)
    if args.part in ("national", "all"):
        part_national(args.seed, args.national_s, args.national_radius_min, args.national_p)


if __name__ == "__main__":
    main()
