"""Invariants of the travel-time engine, checked with hypothesis.

Plain-array core against networkx on random graphs; region-level properties on random
perturbed-grid regions: a larger cut-off never loses pairs, coverage entries equal full
(unbounded) values within the cut-off, closures never shorten times.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_engine_support import make_region

from access.engine import (
    Seeds,
    bounded_one_to_many,
    coverage_matrix,
    multi_source_dijkstra,
    nearest_centre,
    snap_to_network,
    travel_matrix,
)
from access.speeds import TravelSettings

HYP = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


def random_csr(seed: int, n: int, m: int):
    rng = np.random.default_rng(seed)
    src = rng.integers(0, n, m)
    dst = rng.integers(0, n, m)
    w = np.round(rng.exponential(10.0, m), 1)  # includes zeros and ties
    order = np.argsort(src, kind="stable")
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    return indptr, dst[order].astype(np.int32), w[order], src[order]


def nx_graph(indptr, indices, w, src, n):
    g = nx.DiGraph()
    g.add_nodes_from(range(n))
    for a, b, c in zip(src, indices, w, strict=True):
        if not g.has_edge(a, b) or g[a][b]["weight"] > c:
            g.add_edge(int(a), int(b), weight=float(c))
    return g


@HYP
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 40),
    m=st.integers(0, 120),
    k=st.integers(1, 4),
)
def test_multi_source_matches_networkx(seed, n, m, k):
    indptr, indices, w, src = random_csr(seed, n, m)
    rng = np.random.default_rng(seed + 1)
    sources = rng.integers(0, n, k)
    res = multi_source_dijkstra(indptr, indices, w, sources)
    ref = nx.multi_source_dijkstra_path_length(
        nx_graph(indptr, indices, w, src, n), set(sources.tolist())
    )
    expect = np.full(n, np.inf)
    for node, d in ref.items():
        expect[node] = d
    np.testing.assert_allclose(res.dist, expect, rtol=1e-12)
    reached = np.isfinite(res.dist)
    assert (res.label[reached] >= 0).all()
    # the label's source is at the node's distance from that source
    for v in np.flatnonzero(reached)[:5]:
        s = int(sources[res.label[v]])
        d = nx.shortest_path_length(
            nx_graph(indptr, indices, w, src, n), s, int(v), weight="weight"
        )
        assert d == pytest.approx(res.dist[v])


@HYP
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 40),
    m=st.integers(0, 150),
    cut=st.floats(0.0, 60.0),
    more=st.floats(0.0, 60.0),
    threads=st.sampled_from([1, 2]),
)
def test_bounded_equals_full_within_cutoff_and_grows(seed, n, m, cut, more, threads):
    indptr, indices, w, _src = random_csr(seed, n, m)
    sources = np.arange(n)
    full = bounded_one_to_many(indptr, indices, w, sources, n_threads=threads).to_csr()
    small = bounded_one_to_many(indptr, indices, w, sources, limit=cut, n_threads=threads)
    big = bounded_one_to_many(indptr, indices, w, sources, limit=cut + more, n_threads=threads)
    dense_full = np.full((n, n), np.inf)
    # explicit zeros are stored: reachability is the sparsity pattern
    rows = np.repeat(np.arange(n), np.diff(full.indptr))
    dense_full[rows, full.indices] = full.data
    s = small.to_csr()
    srows = np.repeat(np.arange(n), np.diff(s.indptr))
    # every stored entry equals the unbounded value and is within the cut-off
    np.testing.assert_allclose(s.data, dense_full[srows, s.indices], rtol=1e-12)
    assert (s.data <= cut).all()
    # and every pair within the cut-off is stored
    assert s.nnz == int((dense_full <= cut).sum())
    # a larger cut-off never loses pairs
    b = big.to_csr()
    small_pairs = set(zip(srows.tolist(), s.indices.tolist(), strict=True))
    brows = np.repeat(np.arange(n), np.diff(b.indptr))
    assert small_pairs <= set(zip(brows.tolist(), b.indices.tolist(), strict=True))


@HYP
@given(seed=st.integers(0, 10_000), n=st.integers(2, 30), m=st.integers(0, 100))
def test_removing_arcs_never_shortens(seed, n, m):
    indptr, indices, w, _src = random_csr(seed, n, m)
    rng = np.random.default_rng(seed)
    keep = rng.random(indices.size) > 0.3
    # removing an arc = making it infinitely long
    w2 = np.where(keep, w, np.inf)
    a = multi_source_dijkstra(indptr, indices, w, [0]).dist
    b = multi_source_dijkstra(indptr, indices, w2, [0]).dist
    assert (b >= a).all()


def test_seeds_with_offsets():
    # 0 -> 1 -> 2, source spans nodes 0 (cost 5) and 1 (cost 1); target 2 via node 2 (+3)
    indptr = np.array([0, 1, 2, 2])
    indices = np.array([1, 2], np.int32)
    w = np.array([1.0, 2.0])
    src = Seeds(np.array([0, 2]), np.array([0, 1], np.int32), np.array([5.0, 1.0]), np.zeros(2))
    tgt = Seeds(np.array([0, 1]), np.array([2], np.int32), np.array([3.0]), np.zeros(1))
    r = bounded_one_to_many(indptr, indices, w, src, targets=tgt)
    assert r.cost.tolist() == [6.0]
    assert bounded_one_to_many(indptr, indices, w, src, targets=tgt, limit=5.9).cost.size == 0


# ---------------------------------------------------------------------------------------
# region level


def random_region(seed: int, *, side: int = 6, n_sett: int = 12, n_sites: int = 4):
    """A perturbed grid (spacing 500 m) with random classes, one-ways and missing links."""
    rng = np.random.default_rng(seed)
    nodes = {}
    for i in range(side):
        for j in range(side):
            nodes[i * side + j + 1] = (
                i * 500.0 + rng.normal(0, 60),
                j * 500.0 + rng.normal(0, 60),
            )
    classes = ["primary", "tertiary", "residential", "track", "footway", "unclassified"]
    edges = []
    for i in range(side):
        for j in range(side):
            a = i * side + j + 1
            for di, dj in ((1, 0), (0, 1)):
                if i + di < side and j + dj < side and rng.random() > 0.15:
                    b = (i + di) * side + (j + dj) + 1
                    u, v = (a, b) if rng.random() < 0.5 else (b, a)
                    edges.append(
                        {
                            "u": u,
                            "v": v,
                            "highway": classes[rng.integers(len(classes))],
                            "oneway": bool(rng.random() < 0.2),
                        }
                    )
    extent = (side - 1) * 500.0
    sett = [tuple(p) for p in rng.uniform(-200, extent + 200, (n_sett, 2))]
    sites = [tuple(p) for p in rng.uniform(0, extent, (n_sites, 2))]
    return make_region(nodes, edges, sett, sites[:2], candidates=sites, name=f"r{seed}"), edges


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    mode=st.sampled_from(["walk", "motorbike", "car"]),
    cut=st.floats(1.0, 40.0),
    more=st.floats(0.0, 40.0),
)
def test_coverage_grows_with_cutoff_and_matches_unbounded(seed, mode, cut, more):
    region, _ = random_region(seed)
    small = coverage_matrix(region, sites="candidates", cutoff_min=cut, mode=mode)
    big = coverage_matrix(region, sites="candidates", cutoff_min=cut + more, mode=mode)
    full = coverage_matrix(region, sites="candidates", cutoff_min=1e9, mode=mode)
    dense = np.full(full.shape, np.inf)
    rows = np.repeat(np.arange(full.shape[0]), np.diff(full.indptr))
    dense[rows, full.indices] = full.data
    srows = np.repeat(np.arange(small.shape[0]), np.diff(small.indptr))
    np.testing.assert_allclose(small.data, dense[srows, small.indices], rtol=1e-9)
    assert small.nnz == int((dense <= cut).sum())
    brows = np.repeat(np.arange(big.shape[0]), np.diff(big.indptr))
    assert set(zip(srows.tolist(), small.indices.tolist(), strict=True)) <= set(
        zip(brows.tolist(), big.indices.tolist(), strict=True)
    )
    # the unbounded matrix agrees with nearest_centre over the same sites ...
    nc = nearest_centre(region, centres="candidates", mode=mode)
    best = dense.min(axis=1)
    got = nc["travel_min"].to_numpy()
    np.testing.assert_allclose(np.where(np.isfinite(best), best, np.nan), got, rtol=1e-9)
    # ... and with a travel matrix among settlements and candidates
    ids = list(region.settlements["settlement_id"]) + list(region.candidates["centre_id"])
    tm = travel_matrix(ids, region, mode=mode)
    n = len(region.settlements)
    np.testing.assert_allclose(
        tm.minutes[:n, n:], np.where(np.isfinite(dense), dense, np.nan), rtol=1e-9
    )


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    mode=st.sampled_from(["walk", "motorbike", "car"]),
    frac=st.floats(0.05, 0.5),
)
def test_closures_never_shorten_times(seed, mode, frac):
    region, edges = random_region(seed)
    rng = np.random.default_rng(seed + 7)
    closed = [(e["u"], e["v"]) for e in edges if rng.random() < frac]
    st_open = TravelSettings(mode=mode)
    st_closed = TravelSettings(mode=mode, closures=closed)
    a = nearest_centre(region, settings=st_open, centres="candidates")
    b = nearest_centre(region, settings=st_closed, centres="candidates")
    # closures can move a point's snap to another (farther) road; where the settlement's and
    # every site's join points are unchanged, times can only grow (see docs/travel_model.md)
    sa = snap_to_network(region, region.settlements, settings=st_open)
    sb = snap_to_network(region, region.settlements, settings=st_closed)
    ca = snap_to_network(region, region.candidates, settings=st_open)
    cb = snap_to_network(region, region.candidates, settings=st_closed)
    if not np.array_equal(ca.edge, cb.edge):
        return
    same = sa.edge == sb.edge
    ta = a["travel_min"].to_numpy()[same]
    tb = b["travel_min"].to_numpy()[same]
    tb = np.where(np.isnan(tb), np.inf, tb)
    assert (tb >= ta - 1e-9).all()
    # and the coverage within any cut-off can only shrink
    ma = coverage_matrix(region, sites="candidates", cutoff_min=30, settings=st_open)
    mb = coverage_matrix(region, sites="candidates", cutoff_min=30, settings=st_closed)
    keep = np.flatnonzero(same)
    pa = set(zip(*ma[keep].nonzero(), strict=True))
    pb = set(zip(*mb[keep].nonzero(), strict=True))
    assert pb <= pa


@HYP
@given(
    ops=st.lists(
        st.tuples(st.integers(0, 19), st.floats(0, 100, allow_nan=False), st.booleans()),
        max_size=80,
    )
)
def test_indexed_heap_pops_in_key_order(ops):
    """Inserts, decrease-keys and pops on the searches' indexed heap match a dict."""
    from access.heaps import iheap_pop, iheap_update

    hk, hv, pos = np.empty(21), np.empty(21, np.int32), np.full(20, -1, np.int32)
    size, ref = 0, {}
    for node, key, pop in ops:
        if pop and size:
            k, v, size = iheap_pop(hk, hv, pos, size)
            assert k == min(ref.values()) and ref.pop(int(v)) == k
            assert pos[v] == -1
        elif node not in ref or key < ref[node]:  # insert or lower, never raise
            size = iheap_update(hk, hv, pos, size, key, node)
            ref[node] = key
        assert size == len(ref)
        assert all(hv[pos[x]] == x and hk[pos[x]] == ref[x] for x in ref)
    while size:
        k, v, size = iheap_pop(hk, hv, pos, size)
        assert ref.pop(int(v)) == k and all(k <= r for r in ref.values())
