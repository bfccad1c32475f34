"""Benchmark of off-road travel (#22): a 10-million-cell surface with its roads.

A synthetic district of ``--side`` x ``--side`` cells of 100 m (default 3,163: 10.0 M cells,
316 km square): a smooth friction field (3-8 km/h), a DEM of ridges (Tobler on every move),
a north-south river of nodata with five crossings, and a road grid every 10 km (nodes every
500 m, 40 km/h, bridges over the river). ``--settlements`` random settlements (default
100,000) find their nearest of ``--centres`` centres (default 100) in one multi-source search
on the reversed combined graph.

Timed in one run: **ours**, the grid-aware kernel (``access.offroad.grid_graph`` stores only
roads and connectors; ``grid_search`` computes each cell's moves when it is settled, from a
ring of buckets whose nodes it settles in memory order) plus the settlement look-up; the
**previous CSR path** (``combined_csr``: every move stored, the engine's kernel), checked to
give identical minutes; and the named baseline **scipy ``csgraph.dijkstra(min_only=True)``**
on that CSR (float64 copy, as scipy needs). Peak memory is the process's maximum resident
set (``ru_maxrss``) after our part, before the others run.

Usage::

    .venv/bin/python benchmarks/bench_offroad.py                 # 10 M cells, 8 neighbours
    .venv/bin/python benchmarks/bench_offroad.py --neighbours 16
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from access.friction import surface_from_arrays
from access.offroad import combined_csr, grid_graph, grid_search, nearest_search, point_seeds

CELL_M = 100.0


def _surface(side: int, neighbours: int, rng: np.random.Generator):  # type: ignore[no-untyped-def]
    y, x = np.mgrid[0:side, 0:side].astype(np.float32) / side
    kph = 5.5 + 2.5 * np.sin(7 * x) * np.cos(5 * y)  # 3-8 km/h
    flat = (3.6 / kph).astype(np.float32)
    elev = (800 * np.exp(-((x - 0.2) ** 2) * 30) * (1 + 0.3 * np.sin(40 * y))).astype(np.float32)
    river = side // 2 + (15 * np.sin(np.arange(side) / 60.0)).astype(int)
    rows = np.arange(side)
    crossings = np.linspace(side * 0.1, side * 0.9, 5).astype(int)
    wet = np.ones(side, bool)
    wet[crossings] = False
    flat[rows[wet], river[wet]] = np.inf
    flat[rows[wet], np.minimum(river[wet] + 1, side - 1)] = np.inf
    del rng
    return surface_from_arrays(
        flat, cell_m=CELL_M, elevation_m=elev, neighbours=neighbours, max_slope=1.0
    )


def _roads(side: int) -> dict[str, np.ndarray]:
    extent = side * CELL_M
    lines = np.arange(5_000.0, extent, 10_000.0)
    pos = np.arange(0.0, extent, 500.0)
    xy, tail, head = [], [], []
    n = 0
    for horizontal in (True, False):
        for c in lines:
            pts = (
                np.column_stack([pos, np.full(pos.size, -c)])
                if horizontal
                else np.column_stack([np.full(pos.size, c), -pos])
            )
            ids = n + np.arange(pos.size)
            xy.append(pts)
            tail += [ids[:-1], ids[1:]]
            head += [ids[1:], ids[:-1]]
            n += pos.size
    t = np.concatenate(tail)
    return {
        "road_xy": np.concatenate(xy),
        "arc_tail": t,
        "arc_head": np.concatenate(head),
        "arc_time_s": np.full(t.size, 500.0 / (40 / 3.6)),
    }


def _nearest(surface, sp, s_xy):  # type: ignore[no-untyped-def]
    s_seeds, s_ok = point_seeds(surface, s_xy)
    minutes = np.full(s_xy.shape[0], np.nan)
    minutes[s_ok] = (sp.dist[s_seeds.node] + s_seeds.cost) / 60.0
    return minutes


def main() -> None:
    """Ours (grid-aware kernel), the CSR path, scipy; print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--side", type=int, default=3163)
    ap.add_argument("--neighbours", type=int, default=8, choices=(8, 16))
    ap.add_argument("--settlements", type=int, default=100_000)
    ap.add_argument("--centres", type=int, default=100)
    ap.add_argument("--no-baseline", action="store_true", help="skip the CSR path and scipy")
    a = ap.parse_args()
    rng = np.random.default_rng(22)
    extent = a.side * CELL_M
    surface = _surface(a.side, a.neighbours, rng)
    roads = _roads(a.side)
    s_xy = np.column_stack(
        [rng.uniform(0, extent, a.settlements), -rng.uniform(0, extent, a.settlements)]
    )
    c_xy = np.column_stack([rng.uniform(0, extent, a.centres), -rng.uniform(0, extent, a.centres)])
    # warm the numba kernels on a tiny problem (compiled once per machine, cached)
    tiny = surface_from_arrays(np.ones((3, 3)), cell_m=1.0, neighbours=a.neighbours)
    none = {
        "road_xy": np.empty((0, 2)),
        "arc_tail": np.empty(0, np.int64),
        "arc_head": np.empty(0, np.int64),
        "arc_time_s": np.empty(0),
    }
    seeds, _ = point_seeds(tiny, tiny.cell_xy(np.array([0])))
    nearest_search(combined_csr(tiny, reverse=True, **none), seeds, np.arange(1))
    grid_search(grid_graph(tiny, reverse=True, **none), seeds, np.arange(1))
    print(
        f"cells {surface.n_cells:,} ({a.side} x {a.side} at {CELL_M:.0f} m), "
        f"{a.neighbours} neighbours, road nodes {roads['road_xy'].shape[0]:,}"
    )

    # ours: the grid-aware kernel (moves on the fly, roads as a side CSR)
    t0, cpu0 = time.perf_counter(), time.process_time()
    gg = grid_graph(surface, reverse=True, **roads)
    t1 = time.perf_counter()
    c_seeds, _ = point_seeds(surface, c_xy)
    sp = grid_search(gg, c_seeds, np.arange(c_seeds.n_items))
    minutes = _nearest(surface, sp, s_xy)
    t2, cpu1 = time.perf_counter(), time.process_time()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB -> GiB
    print(
        f"ours (grid kernel): side graph {gg.nbytes() / 2**30:.2f} GiB with the surface; build "
        f"{t1 - t0:.2f} s, search + {a.settlements:,} settlements {t2 - t1:.2f} s; "
        f"total {t2 - t0:.2f} s ({cpu1 - cpu0:.2f} CPU s); peak RSS so far {peak:.2f} GiB"
    )
    reached = np.isfinite(minutes)
    print(
        f"reached {reached.mean():.1%}; median {np.nanmedian(minutes):.0f} min, "
        f"p95 {np.nanpercentile(minutes, 95):.0f} min"
    )
    if a.no_baseline:
        return
    ours = t2 - t0
    del sp
    # the previous path: cell moves stored as a CSR, the engine's kernel
    t3, cpu3 = time.perf_counter(), time.process_time()
    g = combined_csr(surface, reverse=True, **roads)
    t4 = time.perf_counter()
    ref = nearest_search(g, c_seeds, np.arange(c_seeds.n_items))
    ref_min = _nearest(surface, ref, s_xy)
    t5, cpu5 = time.perf_counter(), time.process_time()
    same = np.array_equal(minutes, ref_min, equal_nan=True)
    print(
        f"CSR path (previous): {g.indices.size:,} arcs, {g.nbytes() / 2**30:.2f} GiB; build "
        f"{t4 - t3:.2f} s, search {t5 - t4:.2f} s; total {t5 - t3:.2f} s ({cpu5 - cpu3:.2f} CPU "
        "s); identical minutes: "
        f"{same}; CSR / ours = {(t5 - t3) / ours:.2f}"
    )
    del ref
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    t6 = time.perf_counter()
    m = csr_matrix(
        (g.weight_s.astype(np.float64), g.indices, g.indptr), shape=(g.n_nodes, g.n_nodes)
    )
    # scipy cannot start sources at a cost: start at the centres' cells (compared with our
    # search from the same cells at zero cost)
    d = dijkstra(m, directed=True, indices=np.unique(c_seeds.node), min_only=True)
    t7 = time.perf_counter()
    zero = grid_search(
        gg,
        type(c_seeds)(c_seeds.ptr, c_seeds.node, np.zeros_like(c_seeds.cost), c_seeds.length),
        np.arange(c_seeds.n_items),
    ).dist
    fin = np.isfinite(d)
    same = np.array_equal(fin, np.isfinite(zero)) and np.allclose(d[fin], zero[fin], rtol=1e-9)
    print(
        f"baseline scipy csgraph.dijkstra(min_only=True) on the CSR: {t7 - t6:.2f} s search "
        f"(+ the CSR build above: {t7 - t6 + t4 - t3:.2f} s); same distances: {same}; "
        f"scipy (search + build) / ours = {(t7 - t6 + t4 - t3) / ours:.2f}"
    )


if __name__ == "__main__":
    main()
