"""The terminal core (many-to-many coverage searches) against networkx and the direct search.

Hand-checkable graphs first, then random graphs with hypothesis (one-way and parallel arcs,
zero costs, disconnected parts, cut-offs falling inside arcs, several seeds per source,
sources and targets on one node, contraction limits that leave dense cores), then region
level: ``coverage_matrix(method="terminal_core")`` equals ``method="direct"`` on random
grid regions and on the real Islamabad extract.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_engine_islamabad import islamabad  # noqa: F401  (module fixture)
from test_engine_properties import random_region

from access.core import CoverageArrays
from access.engine import Seeds, bounded_one_to_many, coverage_matrix
from access.partition import assemble_coverage, coverage_chunk, coverage_chunks, prepare_coverage
from access.search import GraphArrays, csr_keep_zeros, min_duplicates
from access.sparse_kernels import coo_min_csr_two
from access.speeds import TravelSettings
from access.terminal_core import build_terminal_core, core_one_to_many, terminal_nodes
from geodata.errors import SchemaError


def graph(n: int, arcs: list[tuple[int, int, float]]) -> GraphArrays:
    arcs = sorted(arcs, key=lambda a: a[0])
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount([a[0] for a in arcs], minlength=n), out=indptr[1:])
    return GraphArrays(
        indptr,
        np.array([a[1] for a in arcs], np.int32),
        np.array([a[2] for a in arcs], np.float64),
        np.zeros(len(arcs)),
    )


def entries(r) -> dict[tuple[int, int], float]:
    return {(int(s), int(t)): float(c) for s, t, c in zip(r.source, r.target, r.cost, strict=True)}


# ---------------------------------------------------------------------------------------
# hand-checkable


def test_grid_core_keeps_terminals_and_distances():
    # 3 x 3 two-way grid, unit costs except one slow arc; terminals at two corners + centre
    arcs = []
    for i in range(3):
        for j in range(3):
            a = 3 * i + j
            for b in ((3 * i + j + 1) if j < 2 else None, (3 * (i + 1) + j) if i < 2 else None):
                if b is not None:
                    c = 5.0 if (a, b) == (0, 1) else 1.0
                    arcs += [(a, b, c), (b, a, c)]
    g = graph(9, arcs)
    core = build_terminal_core(g, np.array([0, 4, 8]))
    assert (core.local[[0, 4, 8]] >= 0).all()
    assert core.n_nodes < 9
    src, tgt = Seeds.from_nodes([0, 8]), Seeds.from_nodes([0, 4, 8])
    got = entries(core_one_to_many(core, src, tgt, limit=np.inf))
    # 0 -> 4: down then right (0-3-4) = 2; 0 -> 8 = 4; 8 -> 4 = 2
    assert got == {(0, 0): 0.0, (0, 1): 2.0, (0, 2): 4.0, (1, 0): 4.0, (1, 1): 2.0, (1, 2): 0.0}
    # a cut-off inside the last arc drops the far corner only
    assert (0, 2) not in entries(core_one_to_many(core, src, tgt, limit=3.5))


def test_one_way_zero_cost_and_parallel_arcs():
    # 0 -> 1 (0 s) -> 2 (4 s, and a parallel 3 s), 2 -> 0 (1 s); 3 is cut off
    g = graph(4, [(0, 1, 0.0), (1, 2, 4.0), (1, 2, 3.0), (2, 0, 1.0)])
    core = build_terminal_core(g, np.array([0, 2, 3]))
    assert core.n_nodes == 3  # node 1 folded into a 3 s shortcut
    r = core_one_to_many(core, Seeds.from_nodes([0, 2]), Seeds.from_nodes([2, 0, 3]), limit=9.0)
    assert entries(r) == {(0, 0): 3.0, (0, 1): 0.0, (1, 0): 0.0, (1, 1): 1.0}


@pytest.mark.parametrize("xy", [None, np.zeros((3, 2))])
def test_a_graph_without_terminals_contracts_to_an_empty_core(xy):
    g = graph(3, [(0, 1, 1.0), (1, 2, 1.0)])
    core = build_terminal_core(g, np.zeros(3, bool), node_xy=xy)
    assert core.n_nodes == 0 and core.local.tolist() == [-1, -1, -1]
    r = core_one_to_many(core, Seeds.from_nodes([]), Seeds.from_nodes([]), limit=5.0)
    assert r.source.size == 0


def test_seeds_must_be_terminals_and_bad_input_is_named():
    g = graph(3, [(0, 1, 1.0), (1, 2, 1.0)])
    core = build_terminal_core(g, np.array([True, False, True]))
    with pytest.raises(SchemaError, match="not in the terminal core"):
        core_one_to_many(core, Seeds.from_nodes([1]), Seeds.from_nodes([2]), limit=5.0)
    with pytest.raises(SchemaError, match="outside the graph"):
        build_terminal_core(g, np.array([5]))
    bad = graph(2, [(0, 1, -1.0)])
    with pytest.raises(SchemaError, match=">= 0"):
        build_terminal_core(bad, np.array([0, 1]))
    with pytest.raises(SchemaError, match=r"one \(x, y\) row per graph node"):
        build_terminal_core(g, np.array([0]), node_xy=np.zeros((2, 2)))


# ---------------------------------------------------------------------------------------
# random graphs


def random_problem(seed: int, n: int, m: int):
    rng = np.random.default_rng(seed)
    tail = rng.integers(0, n, m)
    head = rng.integers(0, n, m)
    w = np.round(rng.exponential(8.0, m), 0) * rng.integers(0, 2, m)  # many zeros and ties
    g = graph(n, list(zip(tail.tolist(), head.tolist(), w.tolist(), strict=True)))

    def seeds(k: int) -> Seeds:
        per = rng.integers(1, 4, k)  # several nodes per item, with extra costs
        ptr = np.r_[0, np.cumsum(per)].astype(np.int64)
        node = rng.integers(0, n, int(per.sum())).astype(np.int32)
        return Seeds(ptr, node, np.round(rng.uniform(0, 5, node.size), 1), np.zeros(node.size))

    return g, seeds(int(rng.integers(1, 6))), seeds(int(rng.integers(1, 8)))


def networkx_costs(g: GraphArrays, src: Seeds, tgt: Seeds, limit: float):
    d = nx.DiGraph()
    d.add_nodes_from(range(g.n_nodes))
    tails = np.repeat(np.arange(g.n_nodes), np.diff(g.indptr))
    for a, b, c in zip(tails.tolist(), g.indices.tolist(), g.weight_s.tolist(), strict=True):
        if a != b and (not d.has_edge(a, b) or d[a][b]["weight"] > c):
            d.add_edge(a, b, weight=c)
    out = {}
    for i in range(src.n_items):
        best = {}
        for k in range(src.ptr[i], src.ptr[i + 1]):
            for v, dv in nx.single_source_dijkstra_path_length(d, int(src.node[k])).items():
                best[v] = min(best.get(v, np.inf), dv + src.cost[k])
        for j in range(tgt.n_items):
            c = min(
                (best.get(int(tgt.node[k]), np.inf) + tgt.cost[k])
                for k in range(tgt.ptr[j], tgt.ptr[j + 1])
            )
            if c <= limit:
                out[(i, j)] = c
    return out


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
@given(
    seed=st.integers(0, 100_000),
    n=st.integers(1, 30),
    m=st.integers(0, 100),
    limit=st.floats(0.0, 40.0),
    max_degree=st.integers(2, 12),
    max_added=st.integers(-2, 6),
    budget=st.integers(1, 40),
    hilbert=st.booleans(),
)
def test_core_equals_networkx_and_direct_search(
    seed, n, m, limit, max_degree, max_added, budget, hilbert
):
    g, src, tgt = random_problem(seed, n, m)
    xy = np.random.default_rng(seed).uniform(0, 1000, (n, 2)) if hilbert else None
    core = build_terminal_core(
        g,
        terminal_nodes(n, src, tgt),
        max_degree=max_degree,
        max_added=max_added,
        settle_budget=budget,
        node_xy=xy,  # numbered along a Hilbert curve, else reverse Cuthill-McKee
    )
    assert core.n_nodes <= n
    got = entries(core_one_to_many(core, src, tgt, limit=limit))
    want = networkx_costs(g, src, tgt, limit)
    direct = bounded_one_to_many(g.indptr, g.indices, g.weight_s, src, targets=tgt, limit=limit)
    assert got.keys() == want.keys() == entries(direct).keys()
    for key, c in got.items():
        assert c == pytest.approx(want[key], rel=1e-12, abs=1e-12)


def test_core_with_defaults_contracts_a_large_random_grid():
    # 60 x 60 two-way grid with random costs, 8% terminals: most nodes are folded away
    rng = np.random.default_rng(5)
    side = 60
    arcs = []
    for i in range(side):
        for j in range(side):
            a = i * side + j
            for b in (a + 1 if j + 1 < side else -1, a + side if i + 1 < side else -1):
                if b >= 0:
                    c = float(rng.uniform(10, 60))
                    arcs += [(a, b, c), (b, a, c)]
    g = graph(side * side, arcs)
    src = Seeds.from_nodes(rng.choice(side * side, 30, replace=False))
    tgt = Seeds.from_nodes(rng.choice(side * side, 250, replace=False))
    core = build_terminal_core(g, terminal_nodes(side * side, src, tgt))
    assert core.n_nodes < 0.25 * side * side
    a = core_one_to_many(core, src, tgt, limit=600.0)
    b = bounded_one_to_many(g.indptr, g.indices, g.weight_s, src, targets=tgt, limit=600.0)
    ea, eb = entries(a), entries(b)
    assert ea.keys() == eb.keys() and len(ea) > 500
    np.testing.assert_allclose([ea[k] for k in eb], list(eb.values()), rtol=1e-12)


# ---------------------------------------------------------------------------------------
# region level


def assert_same_matrix(a, b) -> None:
    assert a.shape == b.shape
    assert (a.indptr == b.indptr).all() and (a.indices == b.indices).all()
    np.testing.assert_allclose(a.data, b.data, rtol=1e-9, atol=0)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 10_000),
    mode=st.sampled_from(["walk", "motorbike", "car"]),
    cut=st.floats(1.0, 60.0),
)
def test_coverage_matrix_core_equals_direct(seed, mode, cut):
    region, _ = random_region(seed, side=7, n_sett=25, n_sites=6)
    kw = {"sites": "candidates", "cutoff_min": cut, "mode": mode}
    assert_same_matrix(
        coverage_matrix(region, method="terminal_core", **kw),
        coverage_matrix(region, method="direct", **kw),
    )


def test_partitioned_coverage_uses_the_same_core():
    region, _ = random_region(11, side=8, n_sett=30, n_sites=7)
    st_ = TravelSettings(mode="car")
    inputs = prepare_coverage(region, cutoff_min=20.0, settings=st_)
    assert isinstance(inputs, CoverageArrays) and inputs.core is None  # auto: too small
    direct = coverage_matrix(region, sites="candidates", cutoff_min=20.0, method="direct")
    from access.context import travel_context
    from access.core import prepare_coverage_arrays

    ctx = travel_context(region, st_)
    s_snap = ctx.snap(region.settlements, max_snap_m=st_.max_snap_m)
    c_snap = ctx.snap(region.candidates, max_snap_m=st_.max_snap_m)
    with_core = prepare_coverage_arrays(
        ctx.graph, s_snap, c_snap, st_, limit_s=1200.0, memo=ctx.derived, method="terminal_core"
    )
    assert with_core.core is not None
    parts = [
        coverage_chunk(
            with_core.reverse,
            with_core.sources,
            with_core.targets,
            c,
            limit_s=with_core.limit_s,
            core=with_core.core,
        )
        for c in coverage_chunks(with_core, 3)
    ]
    assert_same_matrix(assemble_coverage(with_core, parts), direct)


def test_unknown_method_is_refused():
    region, _ = random_region(3)
    with pytest.raises(SchemaError, match="method must be one of"):
        coverage_matrix(region, sites="candidates", cutoff_min=10.0, method="fast")


def test_islamabad_core_equals_direct(islamabad):  # noqa: F811
    st_ = TravelSettings(mode="car")
    kw = {"sites": "centres", "cutoff_min": 30.0, "settings": st_}
    direct = coverage_matrix(islamabad, method="direct", **kw)
    core = coverage_matrix(islamabad, method="terminal_core", **kw)
    assert direct.nnz > 1000
    assert_same_matrix(core, direct)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(seed=st.integers(0, 10_000), m=st.integers(0, 300), nr=st.integers(1, 20))
def test_linear_csr_equals_sorted_min(seed, m, nr):
    rng = np.random.default_rng(seed)
    r, c = rng.integers(0, nr, m), rng.integers(0, 15, m)
    v = np.round(rng.uniform(0, 3, m), 0)  # zeros and repeated pairs
    want = csr_keep_zeros(*min_duplicates(r, c, v), (nr, 15))
    cut = int(rng.integers(0, m + 1))  # the same entries in two batches
    for dtype in (np.int64, np.int32):  # the coverage matrix passes int32 positions
        ri, ci = r.astype(dtype), c.astype(dtype)
        for indptr, indices, data in (
            coo_min_csr_two(ri, ci, v, ri[:0], ci[:0], v[:0], nr),  # one batch
            coo_min_csr_two(ri[:cut], ci[:cut], v[:cut], ri[cut:], ci[cut:], v[cut:], nr),
        ):
            assert indices.dtype == dtype
            assert indptr.tolist() == want.indptr.tolist()
            assert indices.tolist() == want.indices.tolist()
            assert data.tolist() == want.data.tolist()
