"""Benchmark of the travel-time engine against networkx, scipy and pandana.

Two parts (``--part``):

``islamabad``
    The real extract ``../shared/data/osm/islamabad.osm.pbf`` (drive network), seeded
    settlements near the roads and 20 centres. In one run on the same arrays it times
    nearest-centre for all settlements (networkx ``multi_source_dijkstra_path_length``,
    scipy ``csgraph.dijkstra(min_only=True)``, pandana ``nearest_pois``, our kernel and our
    full ``nearest_centre`` incl. snapping) and cut-off searches per source (networkx
    ``single_source_dijkstra_path_length(cutoff=...)`` vs our ``bounded_one_to_many`` and the
    full ``coverage_matrix``). Ratios are medians of ``--repeats`` runs.

``national``
    A synthetic national-scale road graph (default 2 M nodes: a perturbed 600 m grid with
    random link removal, a mix of minor classes and a trunk-road overlay every 24 km), 100k
    settlements, 1,000 centres and 5,000 candidates. Times ``nearest_centre`` (cold and warm),
    peak memory, and the 120-minute candidate coverage matrix three ways in one run: the
    terminal core (``method="terminal_core"``: its build, first call and warm calls), the
    old bounded kernel on the chain-contracted graph (``method="direct"``, the baseline;
    new == old is asserted) and scipy ``csgraph.dijkstra(indices=, limit=)`` from the same
    sites on the full reversed graph (``--scipy-sources N`` times N sites and extrapolates).

Usage::

    .venv/bin/python benchmarks/bench_engine.py --part islamabad
    .venv/bin/python benchmarks/bench_engine.py --part national
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from access.context import travel_context  # noqa: E402
from access.engine import (  # noqa: E402
    bounded_one_to_many,
    coverage_matrix,
    multi_source_dijkstra,
    nearest_centre,
)
from access.graph import compile_graph  # noqa: E402
from access.speeds import TravelSettings  # noqa: E402
from geodata.region import Region, RoadNetwork  # noqa: E402

PBF = ROOT.parent / "shared" / "data" / "osm" / "islamabad.osm.pbf"
METRIC = "EPSG:32643"


def timed(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Median seconds of ``repeats`` calls, and the last result."""
    times = []
    out = None
    for _ in range(repeats):
        gc.collect()
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def current_rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def _sites(xy_lonlat: np.ndarray, prefix: str, kind: str) -> gpd.GeoDataFrame:
    n = len(xy_lonlat)
    return gpd.GeoDataFrame(
        {
            "centre_id": [f"{prefix}{i}" for i in range(n)],
            "name": [f"{prefix}{i}" for i in range(n)],
            "kind": kind,
            "capacity_per_day": 100.0,
            "opening_cost_pkr": 0.0,
        },
        geometry=shapely.points(xy_lonlat),
        crs="EPSG:4326",
    )


def _settlements(xy_lonlat: np.ndarray) -> gpd.GeoDataFrame:
    n = len(xy_lonlat)
    ids = np.char.add("S", np.arange(n).astype(str))
    return gpd.GeoDataFrame(
        {
            "settlement_id": ids,
            "name": ids,
            "province": "P",
            "district": "D",
            "tehsil": "T",
            "union_council": "U",
            "households": np.ones(n, np.int64),
            "population": np.full(n, 6, np.int64),
        },
        geometry=shapely.points(xy_lonlat),
        crs="EPSG:4326",
    )


def _region(roads: RoadNetwork, sett: gpd.GeoDataFrame, centres, candidates, name: str) -> Region:
    return Region(
        name=name,
        roads=roads,
        settlements=sett,
        centres=centres,
        candidates=candidates,
        boundaries=gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs="EPSG:4326")),
        metadata={"metric_crs": METRIC, "fingerprint": f"bench-{name}"},
    )


# ---------------------------------------------------------------------------------------
# Islamabad


def part_islamabad(args: argparse.Namespace) -> None:
    import networkx as nx
    import pandana
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    from geodata.osm import read_osm_roads

    if not PBF.is_file():
        sys.exit(f"{PBF} is absent")
    roads = read_osm_roads(PBF, network="drive")
    rng = np.random.default_rng(1)
    nxy = shapely.get_coordinates(roads.nodes.geometry.values)
    sxy = nxy[rng.choice(len(nxy), args.settlements, replace=False)] + rng.normal(
        0, 0.002, (args.settlements, 2)
    )
    cxy = nxy[rng.choice(len(nxy), 20, replace=False)]
    kxy = nxy[rng.choice(len(nxy), args.candidates, replace=False)]
    region = _region(
        roads,
        _settlements(sxy),
        _sites(cxy, "C", "existing"),
        _sites(kxy, "K", "candidate"),
        "islamabad",
    )
    st = TravelSettings(mode="car")
    t0 = time.perf_counter()
    g = compile_graph(region, settings=st)
    t_compile = time.perf_counter() - t0
    print(f"graph: {g.n_nodes:,} nodes, {g.n_arcs:,} arcs (car); compile {t_compile:.2f} s")
    print(f"settlements {args.settlements:,}, centres 20, candidates {args.candidates}")
    R = args.repeats
    # centre nodes = nearest graph node of each centre (same sources for every library)
    node_tree = shapely.STRtree(roads.nodes.geometry.values)
    c_nodes = node_tree.query_nearest(shapely.points(cxy), all_matches=False)[1]
    n = g.n_nodes

    # the full (uncontracted) reversed graph, as osmnx/networkx users would search it
    f_tails = np.repeat(np.arange(n), np.diff(g.indptr))
    r_order = np.argsort(g.indices, kind="stable")
    r_indices = f_tails[r_order]
    r_weight = g.weight_s[r_order]
    tails = g.indices[r_order].astype(np.int64)  # tail of each reversed arc

    # --- networkx (reversed graph, weight = seconds) --------------------------------
    G = nx.DiGraph()
    for a, b, w in zip(tails.tolist(), r_indices.tolist(), r_weight.tolist(), strict=True):
        if not G.has_edge(a, b) or G[a][b]["weight"] > w:
            G.add_edge(a, b, weight=w)
    G.add_nodes_from(range(n))
    t_nx, ref = timed(
        lambda: nx.multi_source_dijkstra_path_length(G, set(c_nodes.tolist()), weight="weight"),
        R,
    )
    # --- scipy csgraph -----------------------------------------------------------------
    # csgraph drops explicit zeros and sums parallel arcs: keep the cheapest parallel arc
    # and give zero arcs a tiny weight
    order = np.lexsort((r_weight, r_indices, tails))
    a_t, a_h, a_w = tails[order], r_indices[order], r_weight[order]
    first = np.r_[True, (a_t[1:] != a_t[:-1]) | (a_h[1:] != a_h[:-1])]
    A = csr_matrix((np.maximum(a_w[first], 1e-9), (a_t[first], a_h[first])), shape=(n, n))
    t_sp, _ = timed(lambda: dijkstra(A, directed=True, indices=c_nodes, min_only=True), R)
    # --- ours: kernel and full query ------------------------------------------------------
    # our kernel runs on the chain-contracted graph: seed each centre node's "reached from"
    # junctions (the node itself when it is a junction)
    ok_b = g.bwd_node[c_nodes] >= 0
    seeds = g.bwd_node[c_nodes][ok_b]
    seed_cost = g.bwd_cost_s[c_nodes][ok_b]
    args_k = (g.cr_indptr, g.cr_indices, g.cr_weight_s, seeds)
    multi_source_dijkstra(*args_k, source_costs=seed_cost)  # JIT warm-up
    t_core, sp = timed(lambda: multi_source_dijkstra(*args_k, source_costs=seed_cost), R)
    ref_arr = np.full(n, np.inf)
    ref_arr[list(ref.keys())] = list(ref.values())
    core = g.core_id >= 0
    bad = ~np.isclose(sp.dist[g.core_id[core]], ref_arr[core], rtol=1e-9)
    assert not bad.any(), ("kernel != networkx at junctions", int(bad.sum()))
    print(f"contracted graph: {g.n_core:,} junction nodes of {n:,}; kernel == networkx at all")
    t0 = time.perf_counter()
    nearest_centre(region, settings=st)  # builds the snap index, snaps (kept in memory)
    t_first = time.perf_counter() - t0
    t_full, _ = timed(lambda: nearest_centre(region, settings=st), R)
    # --- pandana ---------------------------------------------------------------------------
    # pandana runs node -> POI searches on a directed graph given explicitly (twoway=False);
    # give it the forward arcs so "nearest POI from a node" is the trip node -> centre.
    ftails = np.repeat(np.arange(n), np.diff(g.indptr))
    edges_df = pd.DataFrame({"from": ftails, "to": g.indices.astype(np.int64), "w": g.weight_s})
    nodes_df = pd.DataFrame({"x": nxy[:, 0], "y": nxy[:, 1]})
    t0 = time.perf_counter()
    net = pandana.Network(
        nodes_df["x"],
        nodes_df["y"],
        edges_df["from"],
        edges_df["to"],
        edges_df[["w"]],
        twoway=False,
    )
    # pandana's searches are bounded by maxdist: use a generous 30-minute horizon for
    # nearest_pois. nearest_pois does not need precompute (that is for aggregations and
    # stores every node pair within its distance: at 10 min by car it took > 7 GB here).
    maxdist = args.pandana_horizon_min * 60.0
    if args.pandana_precompute_min > 0:
        net.precompute(args.pandana_precompute_min * 60.0)
    t_pd_pre = time.perf_counter() - t0
    net.set_pois("centres", maxdist, 1, pd.Series(nxy[c_nodes, 0]), pd.Series(nxy[c_nodes, 1]))
    t_pd, pd_res = timed(lambda: net.nearest_pois(maxdist, "centres", num_pois=1), R)
    pd_d = pd_res[1].to_numpy()
    ok = np.isfinite(ref_arr) & (pd_d < maxdist)
    pd_agree = float(np.mean(np.isclose(pd_d[ok], ref_arr[ok], rtol=1e-4, atol=0.01)))

    print("\nNearest centre, all nodes (same reversed car graph, 20 sources), median of", R)
    print(f"  networkx multi_source_dijkstra   {t_nx:8.3f} s")
    print(
        f"  pandana nearest_pois             {t_pd:8.3f} s  (+ network/precompute "
        f"{t_pd_pre:.2f} s; {args.pandana_horizon_min:g}-min horizon; agrees with networkx "
        f"on {pd_agree:.1%} of nodes within it)"
    )
    print(f"  scipy csgraph dijkstra min_only  {t_sp:8.3f} s")
    print(f"  accessgap kernel                 {t_core:8.3f} s")
    print(
        f"  accessgap nearest_centre (full)  {t_full:8.3f} s  (snapping "
        f"{args.settlements:,} settlements memoised; first call {t_first:.2f} s)"
    )
    print(f"  ratio networkx / kernel          {t_nx / t_core:8.1f}x")
    print(f"  ratio networkx / full query      {t_nx / t_full:8.1f}x   (target >= 15x)")
    print(f"  ratio pandana / full query       {t_pd / t_full:8.1f}x   (target > 1x)")
    print(f"  ratio scipy / kernel             {t_sp / t_core:8.1f}x")

    # --- cut-off searches -------------------------------------------------------------------
    cutoff_s = args.cutoff_min * 60.0
    k = args.nx_sources
    core_nodes = np.flatnonzero(core)
    srcs = core_nodes[rng.choice(core_nodes.size, k, replace=False)]  # junctions
    srcs_c = g.core_id[srcs]
    t_nxc, _ = timed(
        lambda: [
            nx.single_source_dijkstra_path_length(G, int(s), cutoff=cutoff_s, weight="weight")
            for s in srcs
        ],
        max(1, R // 2),
    )
    per_nx = t_nxc / k
    cr = (g.cr_indptr, g.cr_indices, g.cr_weight_s)
    bounded_one_to_many(*cr, srcs_c[:2], limit=cutoff_s)
    t_b, res = timed(
        lambda: bounded_one_to_many(*cr, srcs_c, limit=cutoff_s, n_threads=1),
        R,
    )
    t_b2, _ = timed(lambda: bounded_one_to_many(*cr, srcs_c, limit=cutoff_s), R)
    per_b, per_b2 = t_b / k, t_b2 / k
    coverage_matrix(region, sites="candidates", cutoff_min=args.cutoff_min, settings=st)
    t_cov, m = timed(
        lambda: coverage_matrix(
            region, sites="candidates", cutoff_min=args.cutoff_min, settings=st
        ),
        R,
    )
    per_cov = t_cov / args.candidates
    print(f"\nCut-off search, {args.cutoff_min:g} min by car, per source (median of repeats)")
    print(
        f"  networkx single_source cutoff     {per_nx * 1e3:8.2f} ms  ({k} sources, "
        f"{len(res.cost) / k:,.0f} nodes reached on average)"
    )
    print(
        f"  accessgap bounded, 1 thread       {per_b * 1e3:8.2f} ms   ratio {per_nx / per_b:6.1f}x"
    )
    print(
        f"  accessgap bounded, all threads    {per_b2 * 1e3:8.2f} ms  ratio {per_nx / per_b2:6.1f}x"
    )
    print(
        f"  accessgap coverage_matrix         {per_cov * 1e3:8.2f} ms   ratio "
        f"{per_nx / per_cov:6.1f}x (target >= 50x); {args.candidates} candidates x "
        f"{args.settlements:,} settlements, nnz {m.nnz:,}, total {t_cov:.2f} s"
    )
    print(f"\npeak RSS {peak_rss_mb():.0f} MB")


# ---------------------------------------------------------------------------------------
# national synthetic


def synthetic_national(
    *, n_nodes: int, seed: int, spacing_m: float = 600.0, trunk_every: int = 40
) -> tuple[RoadNetwork, tuple[float, float, float, float]]:
    """A plausible planar road-like graph: perturbed grid, random removals, trunk overlay."""
    rng = np.random.default_rng(seed)
    side = int(np.ceil(np.sqrt(n_nodes)))
    ii, jj = np.meshgrid(np.arange(side), np.arange(side), indexing="ij")
    ii, jj = ii.ravel(), jj.ravel()
    x = 150_000.0 + ii * spacing_m + rng.normal(0, spacing_m * 0.15, ii.size)
    y = 2_800_000.0 + jj * spacing_m + rng.normal(0, spacing_m * 0.15, ii.size)
    nid = np.arange(ii.size, dtype=np.int64)
    us, vs, trunk = [], [], []
    for di, dj in ((1, 0), (0, 1)):
        ok = (ii + di < side) & (jj + dj < side)
        a = nid[ok]
        b = (ii[ok] + di) * side + (jj[ok] + dj)
        on_trunk = (jj[ok] % trunk_every == 0) if di == 1 else (ii[ok] % trunk_every == 0)
        us.append(a)
        vs.append(b)
        trunk.append(on_trunk)
    u = np.concatenate(us)
    v = np.concatenate(vs)
    is_trunk = np.concatenate(trunk)
    keep = is_trunk | (rng.random(u.size) > 0.12)
    u, v, is_trunk = u[keep], v[keep], is_trunk[keep]
    minor = np.array(["tertiary", "unclassified", "residential", "track"], dtype=object)
    hw = minor[rng.choice(4, u.size, p=[0.15, 0.4, 0.15, 0.3])]
    hw[is_trunk] = "trunk"
    swap = rng.random(u.size) < 0.5
    u, v = np.where(swap, v, u), np.where(swap, u, v)
    to_ll = Transformer.from_crs(METRIC, "EPSG:4326", always_xy=True)
    lon, lat = to_ll.transform(x, y)
    lonlat = np.column_stack([lon, lat])
    length = np.hypot(x[u] - x[v], y[u] - y[v])
    coords = np.empty((u.size * 2, 2))
    coords[0::2] = lonlat[u]
    coords[1::2] = lonlat[v]
    lines = shapely.linestrings(coords, indices=np.repeat(np.arange(u.size), 2))
    nodes = gpd.GeoDataFrame({"node_id": nid}, geometry=shapely.points(lonlat), crs="EPSG:4326")
    edges = gpd.GeoDataFrame(
        {
            "u": u,
            "v": v,
            "highway": hw,
            "oneway": np.zeros(u.size, bool),
            "surface": None,
            "maxspeed_kph": np.nan,
            "bridge": False,
            "name": None,
            "length_m": length,
        },
        geometry=lines,
        crs="EPSG:4326",
    )
    return RoadNetwork(nodes, edges), (x.min(), y.min(), x.max(), y.max())


def part_national(args: argparse.Namespace) -> None:
    t0 = time.perf_counter()
    roads, (x0, y0, x1, y1) = synthetic_national(n_nodes=args.nodes, seed=7)
    rng = np.random.default_rng(8)
    to_ll = Transformer.from_crs(METRIC, "EPSG:4326", always_xy=True)

    def pts(k: int) -> np.ndarray:
        lon, lat = to_ll.transform(rng.uniform(x0, x1, k), rng.uniform(y0, y1, k))
        return np.column_stack([lon, lat])

    region = _region(
        roads,
        _settlements(pts(args.settlements)),
        _sites(pts(args.centres), "C", "existing"),
        _sites(pts(args.candidates), "K", "candidate"),
        "national",
    )
    t_gen = time.perf_counter() - t0
    print(
        f"synthetic graph: {len(roads.nodes):,} nodes, {len(roads.edges):,} edges; "
        f"{args.settlements:,} settlements, {args.centres:,} centres, "
        f"{args.candidates:,} candidates; generated in {t_gen:.1f} s, RSS "
        f"{current_rss_mb():.0f} MB"
    )
    st = TravelSettings(mode="car", cache_dir=args.cache_dir)
    gc.collect()
    rss_region = current_rss_mb()
    t0 = time.perf_counter()
    g = compile_graph(region, settings=st)
    print(
        f"compile: {time.perf_counter() - t0:.2f} s ({g.n_arcs:,} arcs, "
        f"{g.nbytes() / 2**20:.0f} MB of arrays)"
    )
    rss0 = current_rss_mb()
    tracemalloc.start()
    t0 = time.perf_counter()
    travel_context(region, st)  # the first query's projection, direction and snapping index
    t_ctx = time.perf_counter() - t0
    df = nearest_centre(region, settings=st)
    t_cold = time.perf_counter() - t0
    _, tm_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss1 = current_rss_mb()
    t_warm, df = timed(lambda: nearest_centre(region, settings=st), args.repeats)
    c_core = np.random.default_rng(3).choice(g.n_core, args.centres, replace=False)
    multi_source_dijkstra(g.cr_indptr, g.cr_indices, g.cr_weight_s, c_core[:2])
    t_kernel, _ = timed(
        lambda: multi_source_dijkstra(g.cr_indptr, g.cr_indices, g.cr_weight_s, c_core),
        args.repeats,
    )
    print(f"graph after chain contraction: {g.n_core:,} of {g.n_nodes:,} nodes searched")
    print(f"multi-source kernel alone ({args.centres:,} sources): {t_kernel:.2f} s")
    print(f"nearest_centre cold (builds the edge grid index, snaps): {t_cold:.2f} s")
    print(
        f"  of which the travel context (projection, directions, snapping index): {t_ctx:.2f} s"
        " (target < 2 s)"
    )
    print(f"nearest_centre warm, median of {args.repeats}: {t_warm:.2f} s   (target < 3 s)")
    print(
        f"  travel_min median {df['travel_min'].median():.1f}, p95 "
        f"{df['travel_min'].quantile(0.95):.1f}, unreachable "
        f"{int(df['travel_min'].isna().sum())}"
    )
    print(
        f"memory: input region (GeoDataFrames) ~{rss_region:.0f} MB RSS; compiled graph "
        f"{g.nbytes() / 2**20:.0f} MB; cold query: tracemalloc peak {tm_peak / 2**20:.0f} MB, "
        f"RSS {rss0:.0f} -> {rss1:.0f} MB (+{rss1 - rss0:.0f}); process peak RSS "
        f"{peak_rss_mb():.0f} MB"
    )
    if args.candidates:
        many_to_many(args, region, st)
    print(f"process peak RSS {peak_rss_mb():.0f} MB")


def many_to_many(args: argparse.Namespace, region: Region, st: TravelSettings) -> None:
    """Candidates x settlements within the cut-off: terminal core vs bounded kernel vs scipy.

    The new method (``coverage_matrix(method="terminal_core")``; its first call builds the
    core, memoised with the snaps), the old one (``method="direct"``: the bounded kernel
    on the chain-contracted graph) and scipy ``csgraph.dijkstra(limit=)`` from the same
    sites on the full reversed graph, in one run. Asserts new == old. The warm calls of the
    new method and scipy run in pairs (new, then one slice of the scipy sources), so a
    change of the machine's load touches both sides of the ratio alike.
    """
    from scipy.sparse.csgraph import dijkstra

    from access.context import travel_context
    from access.core import prepare_coverage_arrays
    from access.search import GraphArrays, csr_keep_zeros, min_duplicates
    from access.terminal_core import build_terminal_core, terminal_nodes

    cut = float(args.cutoff_min)
    n_c, n_s = args.candidates, args.settlements
    print(f"\nMany-to-many: {n_c:,} candidates x {n_s:,} settlements, {cut:g} min (car)")

    def matrix(method: str) -> Any:
        return coverage_matrix(
            region, sites="candidates", cutoff_min=cut, settings=st, method=method
        )

    # compile the numba kernels first (a tiny core), so no timing below includes the JIT
    tiny = GraphArrays(np.array([0, 1, 2, 2]), np.array([1, 2], np.int32), np.ones(2), np.ones(2))
    build_terminal_core(tiny, np.array([0, 2]))
    t_old, m_old = timed(lambda: matrix("direct"), 1)
    gc.collect()
    rss0 = current_rss_mb()
    t0 = time.perf_counter()
    m_new = matrix("terminal_core")
    t_first = time.perf_counter() - t0
    rss1 = current_rss_mb()
    ctx = travel_context(region, st)
    s_snap = ctx.snap(region.settlements, max_snap_m=st.max_snap_m)
    c_snap = ctx.snap(region.candidates, max_snap_m=st.max_snap_m)
    prob = prepare_coverage_arrays(
        ctx.graph, s_snap, c_snap, st, limit_s=cut * 60.0, memo=ctx.derived,
        method="terminal_core",
    )  # fmt: skip
    core = prob.core
    assert core is not None

    # scipy on the full reversed graph the region compiles to, from the sites' nodes
    g = ctx.graph
    n = g.n_nodes
    tail = np.repeat(np.arange(n), np.diff(g.indptr))
    r, c, w = min_duplicates(g.indices.astype(np.int64), tail, g.weight_s)  # reversed arcs
    full_rev = csr_keep_zeros(r, c, w, (n, n))
    full_of_core = np.empty(g.n_core, np.int64)
    full_of_core[g.core_id[g.core_id >= 0]] = np.flatnonzero(g.core_id >= 0)
    src_nodes = full_of_core[prob.sources.node[prob.sources.ptr[:-1]]]
    tgt_nodes = full_of_core[prob.targets.node[prob.targets.ptr[:-1]]]
    k = min(args.scipy_sources or n_c, n_c)
    chunk = 16

    def sp_chunk(idx: np.ndarray) -> int:
        d = dijkstra(full_rev, directed=True, indices=src_nodes[idx], limit=cut * 60.0)
        return int(np.isfinite(d[:, tgt_nodes]).sum())

    def scipy_slice(items: np.ndarray) -> tuple[float, int]:
        t = time.perf_counter()
        with ThreadPoolExecutor(max_workers=2) as pool:
            pairs = sum(pool.map(sp_chunk, np.array_split(items, -(-items.size // chunk))))
        return time.perf_counter() - t, pairs

    # paired warm runs: new, then a slice of the scipy sources
    slices = np.array_split(np.arange(k), args.repeats)
    t_news, t_sps, sp_pairs, m_new2 = [], [], 0, m_new
    for i in range(args.repeats):
        gc.collect()
        t0 = time.perf_counter()
        m_new2 = matrix("terminal_core")
        t_news.append(time.perf_counter() - t0)
        gc.collect()
        sec, pairs = scipy_slice(slices[i])
        t_sps.append(sec)
        sp_pairs += pairs
    t_new = statistics.median(t_news)
    t_sp = sum(t_sps) * n_c / k
    pair_ratios = [t_sps[i] * n_c / max(slices[i].size, 1) / t_news[i] for i in range(args.repeats)]

    # new == old: same pairs, minutes within 1e-9 relative
    for m in (m_new, m_new2):
        assert (m.indptr == m_old.indptr).all() and (m.indices == m_old.indices).all()
        rel = np.abs(m.data - m_old.data) / np.maximum(np.abs(m_old.data), 1e-300)
        assert float(rel.max(initial=0.0)) <= 1e-9, rel.max()
    n_term = int(terminal_nodes(g.n_core, prob.sources, prob.targets).sum())
    print(
        f"  chain-contracted graph {g.n_core:,} nodes, {g.cr_indices.size:,} arcs; terminals "
        f"{n_term:,} -> core {core.n_nodes:,} nodes, "
        f"{core.n_arcs:,} arcs ({core.n_shortcuts:,} shortcuts added while contracting)"
    )
    print(
        f"  core build {core.build_s:.2f} s, {core.nbytes() / 2**20:.0f} MB of arrays "
        f"(RSS +{rss1 - rss0:.0f} MB over the first call); memoised per (graph, settlements, "
        f"sites) in the travel context"
    )
    print(f"  new: coverage_matrix(method='terminal_core') first call (builds the core) "
          f"{t_first:8.2f} s")  # fmt: skip
    print(f"  new: coverage_matrix(method='terminal_core'), core built, median of "
          f"{args.repeats} {t_new:8.2f} s   (target < 15 s; runs "
          f"{', '.join(f'{x:.2f}' for x in t_news)})")  # fmt: skip
    print(f"  old: coverage_matrix(method='direct') bounded kernel, chain-contracted graph "
          f"{t_old:8.2f} s")  # fmt: skip
    print(f"  nnz {m_old.nnz:,} ({m_old.nnz / n_c:,.0f} settlements per candidate); "
          f"new == old asserted (same pairs, minutes within 1e-9 relative)")  # fmt: skip

    # what bounds a search: nodes settled and arcs scanned per source, old graph vs core
    def per_search(ip: np.ndarray, ix: np.ndarray, w: np.ndarray, seeds: Any) -> tuple:
        nodes, arcs = [], []
        for i in range(0, seeds.n_items, max(1, seeds.n_items // 25)):
            one = seeds.subset(np.array([i]))
            d = multi_source_dijkstra(
                ip, ix, w, one.node, source_costs=one.cost, limit=cut * 60.0
            ).dist
            hit = np.flatnonzero(np.isfinite(d))
            nodes.append(hit.size)
            arcs.append(int((ip[hit + 1] - ip[hit]).sum()))
        return float(np.mean(nodes)), float(np.mean(arcs))

    rev = prob.reverse
    n_old, a_old = per_search(rev.indptr, rev.indices, rev.weight_s, prob.sources)
    n_new, a_new = per_search(core.indptr, core.indices, core.weight_s, core.seeds(prob.sources))
    print(
        f"  per search (mean of 25 sites): old settles {n_old:,.0f} nodes / scans "
        f"{a_old:,.0f} arcs; core settles {n_new:,.0f} nodes / scans {a_new:,.0f} arcs "
        f"({n_old / n_new:.1f}x fewer nodes, {a_old / a_new:.1f}x fewer arcs)"
    )
    how = "all sources" if k == n_c else f"{k:,} sources timed, extrapolated x{n_c / k:.1f}"
    print(f"  scipy csgraph dijkstra(indices=, limit={cut * 60:g} s), full graph {n:,} nodes, "
          f"2 threads, chunks of {chunk}: {t_sp:8.2f} s ({how}, in {args.repeats} slices "
          f"each run right after a new run: {', '.join(f'{x:.2f}' for x in t_sps)} s; "
          f"{sp_pairs:,} node pairs within the limit from one join node per site)")  # fmt: skip
    print(f"  ratio old / new (core built)    {t_old / t_new:6.1f}x")
    print(f"  ratio old / new (first call)    {t_old / t_first:6.1f}x")
    print(f"  ratio scipy / new (core built)  {t_sp / t_new:6.1f}x   (target >= 10x; per pair "
          f"{', '.join(f'{x:.1f}' for x in pair_ratios)})")  # fmt: skip
    print(f"  ratio scipy / new (first call)  {t_sp / t_first:6.1f}x")
    print(f"  ratio scipy / old               {t_sp / t_old:6.1f}x")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--part", choices=["islamabad", "national", "all"], default="islamabad")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--settlements", type=int, default=None)
    p.add_argument("--candidates", type=int, default=None)
    p.add_argument("--centres", type=int, default=1000)
    p.add_argument("--nodes", type=int, default=2_000_000)
    p.add_argument("--cutoff-min", type=float, default=None)
    p.add_argument("--nx-sources", type=int, default=20)
    p.add_argument("--cache-dir", default=None)
    p.add_argument("--pandana-horizon-min", type=float, default=30.0)
    p.add_argument("--pandana-precompute-min", type=float, default=0.0)
    p.add_argument(
        "--scipy-sources",
        type=int,
        default=None,
        help="national: time scipy from this many sites and extrapolate (default: all)",
    )
    args = p.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    parts = ["islamabad", "national"] if args.part == "all" else [args.part]
    for part in parts:
        a = argparse.Namespace(**vars(args))
        if part == "islamabad":
            a.settlements = a.settlements or 5000
            a.candidates = a.candidates if a.candidates is not None else 200
            a.cutoff_min = a.cutoff_min or 10.0
            print("== Islamabad ==")
            part_islamabad(a)
        else:
            a.settlements = a.settlements or 100_000
            a.candidates = a.candidates if a.candidates is not None else 5000
            a.cutoff_min = a.cutoff_min or 120.0
            a.repeats = min(a.repeats, 3)
            print("== national (synthetic) ==")
            part_national(a)


if __name__ == "__main__":
    main()
