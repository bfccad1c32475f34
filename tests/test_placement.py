"""Tests of scenarios.placement: hand-checked instances, brute force, spopt, properties, errors."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geodata.errors import AccessGapError, InfeasibleError, SchemaError
from scenarios import placement as pl
from scenarios.placement import (
    CoverageCurve,
    PlacementResult,
    coverage_curve,
    max_coverage,
    p_median,
    set_cover,
)

METHODS = ["milp", "heuristic", "auto"]


# --------------------------------------------------------------------------------------------
# Fixtures and brute force
# --------------------------------------------------------------------------------------------


def make_instance(seed: int, n: int = 9, m: int = 6, *, holes: float = 0.0):
    """Seeded random integer instance; ``holes`` = share of unreachable (inf) pairs."""
    rng = np.random.default_rng(seed)
    cost = rng.integers(0, 30, size=(n, m)).astype(float)
    if holes:
        cost[rng.random((n, m)) < holes] = np.inf
    w = rng.integers(0, 6, size=n).astype(float)
    return cost, w


def to_sparse(cost: np.ndarray) -> sp.csr_array:
    """Sparse copy storing every finite entry, including explicit zeros."""
    r, c = np.nonzero(np.isfinite(cost))
    return sp.csr_array((cost[r, c], (r, c)), shape=cost.shape)


def subsets(m: int, p: int, fixed: tuple[int, ...] = ()):
    free = [j for j in range(m) if j not in fixed]
    for combo in itertools.combinations(free, p):
        yield list(fixed) + list(combo)


def brute_pmedian(cost, w, p, fixed=(), penalty=None):
    best = np.inf
    for cols in subsets(cost.shape[1], p, fixed):
        d = cost[:, cols].min(axis=1)
        if penalty is not None:
            d = np.minimum(d, penalty)
        val = float(np.dot(w, np.where(w > 0, d, 0.0)))
        best = min(best, val)
    return best


def brute_mclp(cost, w, radius, p, fixed=()):
    cov = cost <= radius
    return max(
        float(w[cov[:, cols].any(axis=1)].sum()) for cols in subsets(cost.shape[1], p, fixed)
    )


def brute_lscp(cost, radius, fixed=()):
    cov = cost <= radius
    m = cost.shape[1]
    for k in range(0, m - len(fixed) + 1):
        for cols in subsets(m, k, fixed):
            if cols and cov[:, cols].any(axis=1).all():
                return k
    return None


def check_result(res: PlacementResult, m: int, fixed=()):
    assert isinstance(res, PlacementResult)
    assert set(res.open_sites) == set(res.selected) | set(fixed)
    assert not set(res.selected) & set(fixed)
    assert all(0 <= j < m for j in res.open_sites)
    assert res.gap >= 0
    assert not res.assignment.flags.writeable
    with pytest.raises(AttributeError):
        res.objective = 0.0  # type: ignore[misc]


# --------------------------------------------------------------------------------------------
# Hand-checked tiny instances
# --------------------------------------------------------------------------------------------

# Three villages on a line at 0, 10, 20 km; candidates at 0, 10, 20.
LINE = np.abs(np.subtract.outer([0.0, 10.0, 20.0], [0.0, 10.0, 20.0]))


@pytest.mark.parametrize("method", METHODS)
def test_p_median_hand(method):
    res = p_median(LINE, [1.0, 1.0, 1.0], 1, method=method)
    assert res.selected == (1,)
    assert res.objective == 20.0
    assert res.proven_optimal and res.bound == 20.0 and res.gap == 0.0
    assert res.assignment.tolist() == [1, 1, 1]
    assert res.model == "p_median"
    # Heavy demand at the east end pulls the site there.
    res = p_median(LINE, [1.0, 1.0, 5.0], 1, method=method)
    assert res.selected == (2,) and res.objective == 30.0
    # An existing centre in the west: the new one goes east; fixed is not in `selected`.
    res = p_median(LINE, [1.0, 1.0, 1.0], 1, fixed=[0], method=method)
    assert res.selected == (2,) or res.selected == (1,)
    assert res.objective == 10.0
    assert res.open_sites == tuple(sorted({0, *res.selected}))


@pytest.mark.parametrize("method", METHODS)
def test_max_coverage_hand(method):
    res = max_coverage(LINE, [1.0, 2.0, 1.0], 10.0, 1, method=method)
    assert res.selected == (1,) and res.objective == 4.0 and res.proven_optimal
    res = max_coverage(LINE, [1.0, 2.0, 1.0], 5.0, 1, method=method)
    assert res.selected == (1,) and res.objective == 2.0
    assert res.assignment.tolist() == [-1, 1, -1]
    res = max_coverage(LINE, [1.0, 2.0, 1.0], 5.0, 1, fixed=[1], method=method)
    assert res.objective == 3.0 and res.bound == 3.0 and len(res.selected) == 1


@pytest.mark.parametrize("method", METHODS)
def test_set_cover_hand(method):
    res = set_cover(LINE, 10.0, method=method)
    assert res.selected == (1,) and res.objective == 1.0 and res.proven_optimal
    res = set_cover(LINE, 5.0, method=method)
    assert res.selected == (0, 1, 2) and res.objective == 3.0
    res = set_cover(LINE, 5.0, fixed=[0, 2], method=method)
    assert res.selected == (1,) and res.open_sites == (0, 1, 2)
    # Two thirds of the demand within 5 km: one site next to the heavy village is enough.
    res = set_cover(LINE, 5.0, share=0.6, weights=[1.0, 1.0, 4.0], method=method)
    assert res.selected == (2,) and res.objective == 1.0
    # Already covered by the fixed sites: nothing to open.
    res = set_cover(LINE, 10.0, fixed=[1], method=method)
    assert res.selected == () and res.objective == 0.0 and res.proven_optimal


def test_coverage_curve_hand():
    curve = coverage_curve(LINE, [1.0, 2.0, 4.0], 5.0, 5)
    assert isinstance(curve, CoverageCurve)
    assert curve.sites == (2, 1, 0)
    assert curve.marginal_gain.tolist() == [4.0, 2.0, 1.0]
    assert curve.covered.tolist() == [4.0, 6.0, 7.0]
    assert curve.share.tolist() == pytest.approx([4 / 7, 6 / 7, 1.0])
    assert curve.total_weight == 7.0 and curve.base_covered == 0.0
    # With the east site fixed the curve starts from its coverage and skips it.
    curve = coverage_curve(LINE, [1.0, 2.0, 4.0], 5.0, 5, fixed=[2])
    assert curve.base_covered == 4.0 and curve.sites == (1, 0)
    assert curve.covered.tolist() == [6.0, 7.0]
    # Stops when nothing more can be covered.
    curve = coverage_curve(LINE, [1.0, 2.0, 4.0], 15.0, 3)
    assert curve.sites == (1,) and curve.share.tolist() == [1.0]


def test_sparse_explicit_zero_is_a_cost_not_a_hole():
    # Row 0 sits on candidate 0 (stored 0); row 1 cannot reach candidate 0 (not stored).
    cost = sp.csr_array(
        (np.array([0.0, 3.0, 2.0]), (np.array([0, 0, 1]), np.array([0, 1, 1]))), shape=(2, 2)
    )
    assert cost.nnz == 3
    res = p_median(cost, [1.0, 1.0], 1, fixed=[0], unreachable_cost=100.0)
    # Opening 1 serves row 1 at 2; row 0 stays on site 0 at cost 0.
    assert res.selected == (1,) and res.objective == 2.0
    assert res.assignment.tolist() == [0, 1]
    res = max_coverage(cost, [1.0, 1.0], 0.0, 1)
    assert res.selected == (0,) and res.objective == 1.0
    # A dense 0 that is unreachable would be inf instead:
    dense = np.array([[0.0, 3.0], [np.inf, 2.0]])
    assert p_median(dense, [1.0, 1.0], 1).objective == p_median(cost, [1.0, 1.0], 1).objective


# --------------------------------------------------------------------------------------------
# Brute force on random small instances (dense and sparse, with and without fixed)
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("method", METHODS)
def test_p_median_brute_force(seed, method):
    cost, w = make_instance(seed)
    m = cost.shape[1]
    for p in (1, 2, 3):
        for fixed in ((), (seed % m,)):
            best = brute_pmedian(cost, w, p, fixed)
            for c in (cost, to_sparse(cost)):
                res = p_median(c, w, p, fixed=fixed, method=method, seed=seed)
                check_result(res, m, fixed)
                assert len(res.selected) == p
                assert res.objective == pytest.approx(best)
                assert res.bound <= res.objective + 1e-9
                # assignment = nearest open site of each row
                d = cost[np.arange(len(w)), res.assignment]
                assert np.allclose(d, cost[:, list(res.open_sites)].min(axis=1))


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("method", METHODS)
def test_p_median_with_holes_and_penalty(seed, method):
    cost, w = make_instance(seed, holes=0.5)
    penalty = 40.0
    for p in (1, 2):
        best = brute_pmedian(cost, w, p, penalty=penalty)
        res = p_median(to_sparse(cost), w, p, method=method, unreachable_cost=penalty, seed=seed)
        assert res.objective == pytest.approx(best)
        assert res.bound <= res.objective + 1e-9
        unserved = res.assignment < 0
        assert np.all(np.isinf(cost[unserved][:, list(res.open_sites)]))


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("method", METHODS)
def test_max_coverage_brute_force(seed, method):
    cost, w = make_instance(seed, holes=0.2)
    m = cost.shape[1]
    for radius in (5.0, 12.0):
        for p in (1, 2, 3):
            for fixed in ((), ((seed + 1) % m,)):
                best = brute_mclp(cost, w, radius, p, fixed)
                for c in (cost, to_sparse(cost)):
                    res = max_coverage(c, w, radius, p, fixed=fixed, method=method, seed=seed)
                    check_result(res, m, fixed)
                    assert len(res.selected) == p
                    assert res.objective == pytest.approx(best)
                    assert res.bound >= res.objective - 1e-9
                    cov = res.assignment >= 0
                    assert res.objective == pytest.approx(w[cov].sum())


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("method", METHODS)
def test_set_cover_brute_force(seed, method):
    rng = np.random.default_rng(100 + seed)
    cost = rng.integers(0, 30, size=(10, 7)).astype(float)
    radius = 12.0
    for fixed in ((), (seed % 7,)):
        best = brute_lscp(cost, radius, fixed)
        if best is None:
            with pytest.raises(InfeasibleError):
                set_cover(cost, radius, fixed=fixed, method=method)
            continue
        for c in (cost, to_sparse(cost)):
            res = set_cover(c, radius, fixed=fixed, method=method)
            check_result(res, 7, fixed)
            if method == "heuristic":  # greedy: not always optimal, the bound stays valid
                assert res.bound <= best <= res.objective
            else:
                assert res.objective == best and res.proven_optimal
            assert np.all(res.assignment >= 0)


def test_coverage_curve_is_greedy():
    cost, w = make_instance(3, n=20, m=8)
    curve = coverage_curve(cost, w, 10.0, 8)
    cov = cost <= 10.0
    covered = np.zeros(len(w), dtype=bool)
    for k, j in enumerate(curve.sites):
        gains = [w[cov[:, c] & ~covered].sum() for c in range(8)]
        assert gains[j] == max(gains) == curve.marginal_gain[k]
        covered |= cov[:, j]
    assert np.all(np.diff(curve.marginal_gain) <= 0)
    assert curve.share[-1] == pytest.approx(w[covered].sum() / w.sum())


@pytest.mark.parametrize("seed", range(4))
def test_budget_brute_force(seed):
    cost, w = make_instance(seed, n=10, m=6)
    rng = np.random.default_rng(seed)
    oc = rng.integers(1, 6, size=6).astype(float)
    budget = 6.0

    def ok(cols):
        return oc[list(cols)].sum() <= budget

    combos = [c for k in range(1, 4) for c in itertools.combinations(range(6), k) if ok(c)]
    best_pm = min(float(np.dot(w, cost[:, list(c)].min(axis=1))) for c in combos)
    best_mc = max(float(w[(cost[:, list(c)] <= 10).any(axis=1)].sum()) for c in combos)
    res = p_median(cost, w, 3, opening_cost=oc, budget=budget, method="milp")
    assert res.objective == pytest.approx(best_pm) and oc[list(res.selected)].sum() <= budget
    res = max_coverage(cost, w, 10.0, 3, opening_cost=oc, budget=budget, method="milp")
    assert res.objective == pytest.approx(best_mc) and oc[list(res.selected)].sum() <= budget
    for fn in (
        lambda: p_median(cost, w, 3, opening_cost=oc, budget=budget, method="heuristic"),
        lambda: max_coverage(cost, w, 10.0, 3, opening_cost=oc, budget=budget, method="heuristic"),
    ):
        res = fn()
        assert oc[list(res.selected)].sum() <= budget
        assert len(res.selected) <= 3


def test_larger_instances_heuristic_matches_milp():
    rng = np.random.default_rng(7)
    xy_d, xy_c = rng.random((150, 2)), rng.random((40, 2))
    cost = np.round(100 * np.hypot(*(xy_d[:, None, :] - xy_c[None, :, :]).transpose(2, 0, 1)))
    w = rng.integers(1, 10, size=150).astype(float)
    for p in (3, 8):
        exact = p_median(cost, w, p, method="milp")
        heur = p_median(cost, w, p, method="heuristic")
        auto = p_median(cost, w, p, method="auto")
        assert exact.proven_optimal
        assert heur.bound <= exact.objective + 1e-9 <= heur.objective + 1e-9
        assert auto.objective == exact.objective
        e2 = max_coverage(cost, w, 20.0, p, method="milp")
        h2 = max_coverage(cost, w, 20.0, p, method="heuristic")
        assert h2.objective <= e2.objective + 1e-9 <= h2.bound + 1e-9
        assert h2.objective >= 0.95 * e2.objective


def test_milp_time_limit_returns_incumbent_with_gap():
    rng = np.random.default_rng(11)
    xy = rng.random((250, 2))
    cost = np.round(1000 * np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)))
    res = p_median(cost, np.ones(250), 4, method="milp", time_limit_s=0.3)
    assert len(res.selected) == 4
    assert res.bound <= res.objective + 1e-9
    assert res.gap >= 0
    assert res.proven_optimal == (res.gap == 0)
    assert res.method in ("milp", "milp+heuristic")


def test_heuristic_is_deterministic():
    cost, w = make_instance(5, n=60, m=25)
    a = p_median(cost, w, 5, method="heuristic", seed=3)
    b = p_median(cost, w, 5, method="heuristic", seed=3)
    assert a.selected == b.selected and a.bound == b.bound
    a = max_coverage(cost, w, 8.0, 5, method="heuristic")
    b = max_coverage(cost, w, 8.0, 5, method="heuristic")
    assert a.selected == b.selected and a.bound == b.bound


# --------------------------------------------------------------------------------------------
# Agreement with PySAL spopt (PuLP + CBC)
# --------------------------------------------------------------------------------------------

spopt_filter = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")


def _spopt_instance(seed):
    rng = np.random.default_rng(seed)
    xy_d, xy_c = 10 * rng.random((40, 2)), 10 * rng.random((12, 2))
    cost = np.hypot(*(xy_d[:, None, :] - xy_c[None, :, :]).transpose(2, 0, 1))
    w = rng.integers(1, 20, size=40).astype(float)
    return cost, w


@spopt_filter
@pytest.mark.parametrize("seed", range(3))
def test_agrees_with_spopt(seed):
    pulp = pytest.importorskip("pulp")
    locate = pytest.importorskip("spopt.locate")
    cost, w = _spopt_instance(seed)
    solver = pulp.PULP_CBC_CMD(msg=False)
    fixed = [seed]
    pre = np.zeros(cost.shape[1], dtype=int)
    pre[fixed] = 1
    for p in (2, 4):
        ref = locate.PMedian.from_cost_matrix(cost, w, p_facilities=p).solve(solver)
        ours = p_median(cost, w, p)
        assert ours.objective == pytest.approx(ref.problem.objective.value(), rel=1e-6)
        ref = locate.PMedian.from_cost_matrix(
            cost, w, p_facilities=p + 1, predefined_facilities_arr=pre
        ).solve(solver)
        ours = p_median(cost, w, p, fixed=fixed)
        assert ours.objective == pytest.approx(ref.problem.objective.value(), rel=1e-6)

        ref = locate.MCLP.from_cost_matrix(cost, w, service_radius=3.0, p_facilities=p).solve(
            solver
        )
        for method in ("milp", "heuristic"):
            ours = max_coverage(cost, w, 3.0, p, method=method)
            assert ours.objective == pytest.approx(ref.problem.objective.value())
        ref = locate.MCLP.from_cost_matrix(
            cost, w, service_radius=3.0, p_facilities=p + 1, predefined_facilities_arr=pre
        ).solve(solver)
        assert max_coverage(cost, w, 3.0, p, fixed=fixed).objective == pytest.approx(
            ref.problem.objective.value()
        )
    ref = locate.LSCP.from_cost_matrix(cost, service_radius=6.0).solve(solver)
    for method in ("milp", "heuristic"):
        assert set_cover(cost, 6.0, method=method).objective == ref.problem.objective.value()


# --------------------------------------------------------------------------------------------
# Properties (hypothesis)
# --------------------------------------------------------------------------------------------

instances = st.builds(
    lambda seed, n, m, holes: (*make_instance(seed, n, m, holes=holes), m),
    st.integers(0, 10_000),
    st.integers(2, 14),
    st.integers(2, 7),
    st.sampled_from([0.0, 0.3]),
)
prop = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@prop
@given(inst=instances, radius=st.integers(0, 30), method=st.sampled_from(["milp", "heuristic"]))
def test_more_sites_never_lower_coverage(inst, radius, method):
    cost, w, m = inst
    values = [
        max_coverage(cost, w, float(radius), p, method=method).objective for p in range(m + 1)
    ]
    if method == "milp":
        assert all(a <= b + 1e-9 for a, b in itertools.pairwise(values))
    else:  # the heuristic keeps the bound honest instead; upper bounds stay above
        bounds = [
            max_coverage(cost, w, float(radius), p, method=method).bound for p in range(m + 1)
        ]
        assert all(v <= b + 1e-9 for v, b in zip(values, bounds, strict=True))
        assert values[-1] == pytest.approx(max(values))


@prop
@given(inst=instances, r1=st.integers(0, 30), r2=st.integers(0, 30), p=st.integers(0, 7))
def test_larger_radius_never_lowers_coverage(inst, r1, r2, p):
    cost, w, m = inst
    p = min(p, m)
    lo, hi = sorted((float(r1), float(r2)))
    assert (
        max_coverage(cost, w, lo, p, method="milp").objective
        <= max_coverage(cost, w, hi, p, method="milp").objective + 1e-9
    )
    c_lo = coverage_curve(cost, w, lo, m)
    c_hi = coverage_curve(cost, w, hi, m)
    assert (c_lo.covered[-1] if c_lo.sites else 0) <= (c_hi.covered[-1] if c_hi.sites else 0) + 1e-9


@prop
@given(inst=instances, p=st.integers(1, 7), method=st.sampled_from(METHODS))
def test_bounds_are_valid(inst, p, method):
    cost, w, m = inst
    p = min(p, m)
    res = p_median(cost, w, p, method=method, unreachable_cost=50.0)
    assert res.bound <= res.objective + 1e-9
    assert res.objective >= brute_pmedian(cost, w, p, penalty=50.0) - 1e-9
    res = max_coverage(cost, w, 10.0, p, method=method)
    assert res.bound >= res.objective - 1e-9
    assert res.bound >= brute_mclp(cost, w, 10.0, p) - 1e-9


# --------------------------------------------------------------------------------------------
# Unreachable rows and infeasibility
# --------------------------------------------------------------------------------------------


def test_p_median_unreachable_rows_raise_or_pay_penalty():
    cost = np.array([[1.0, np.inf], [np.inf, np.inf], [np.inf, 2.0]])
    with pytest.raises(
        InfeasibleError, match=r"1 demand row\(s\) .* reach no candidate \(rows 1\)"
    ):
        p_median(cost, [1.0, 1.0, 1.0], 1)
    # Zero-weight unreachable rows are harmless.
    res = p_median(cost, [1.0, 0.0, 1.0], 2)
    assert res.objective == 3.0 and res.assignment.tolist() == [0, -1, 1]
    # p too small to serve both reachable rows.
    for method in METHODS:
        with pytest.raises(InfeasibleError, match="serv"):
            p_median(cost, [1.0, 0.0, 1.0], 1, method=method)
    for method in METHODS:
        res = p_median(cost, [1.0, 1.0, 1.0], 1, unreachable_cost=10.0, method=method)
        assert res.objective == 10.0 + 1.0 + 10.0 or res.objective == 10.0 + 10.0 + 2.0
        assert res.objective == 21.0 and res.selected == (0,)
        assert res.assignment.tolist() == [0, -1, -1]


def test_set_cover_infeasible_names_count():
    cost = np.array([[1.0, 9.0], [9.0, 9.0], [2.0, 9.0], [9.0, 8.0]])
    with pytest.raises(InfeasibleError, match=r"2 demand row\(s\) .*cannot be covered.*rows 1, 3"):
        set_cover(cost, 5.0)
    assert issubclass(InfeasibleError, RuntimeError)
    # A share the coverable rows can meet is fine; more is not.
    assert set_cover(cost, 5.0, share=0.5).selected == (0,)
    with pytest.raises(InfeasibleError, match="cannot be covered"):
        set_cover(cost, 5.0, share=0.75)


# --------------------------------------------------------------------------------------------
# Error paths
# --------------------------------------------------------------------------------------------

C = np.array([[1.0, 2.0, 3.0], [2.0, 1.0, 3.0]])
W = np.array([1.0, 1.0])


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: p_median(np.ones(3), [1.0], 1), "cost must be 2-D"),
        (lambda: p_median(np.ones((0, 3)), [], 1), "at least one demand row"),
        (lambda: p_median(C, [1.0], 1), "one value per demand row"),
        (lambda: p_median(C, [1.0, -1.0], 1), "negative weight"),
        (lambda: p_median(C, [1.0, np.nan], 1), "NaN or infinite"),
        (lambda: p_median(np.array([[1.0, np.nan, 1.0], [1.0, 1.0, 1.0]]), W, 1), "NaN cost"),
        (lambda: p_median(-C, W, 1), "negative cost"),
        (lambda: p_median(C, W, 4), "p=4 is larger than the 3 candidate"),
        (lambda: p_median(C, W, 3, fixed=[0]), "p=3 is larger than the 2 candidate"),
        (lambda: p_median(C, W, -1), "p must be an integer >= 0"),
        (lambda: p_median(C, W, 1.5), "p must be an integer"),
        (lambda: p_median(C, W, 1, fixed=[5]), "outside 0..2"),
        (lambda: p_median(C, W, 1, fixed=[0, 0]), "more than once"),
        (lambda: p_median(C, W, 1, fixed=[0.5]), "integer candidate column"),
        (lambda: p_median(C, W, 1, method="fast"), "method must be one of"),
        (lambda: p_median(C, W, 1, time_limit_s=0), "time_limit_s must be > 0"),
        (lambda: p_median(C, W, 1, budget=3.0), "opening_cost and budget go together"),
        (lambda: p_median(C, W, 1, opening_cost=[1, 1], budget=3.0), "one value per candidate"),
        (lambda: p_median(C, W, 1, unreachable_cost=-1.0), "unreachable_cost must be"),
        (lambda: max_coverage(C, W, -1.0, 1), "radius must be a number >= 0"),
        (lambda: max_coverage(C, W, float("nan"), 1), "radius must be"),
        (lambda: max_coverage(C, W, 1.0, 5), "p=5 is larger"),
        (lambda: max_coverage(C, [1.0, -2.0], 1.0, 1), "negative weight"),
        (lambda: set_cover(C, 1.0, share=0.0), r"share must be in \(0, 1\]"),
        (lambda: set_cover(C, 1.0, share=1.5), r"share must be in \(0, 1\]"),
        (lambda: set_cover(C, 1.0, weights=[1.0]), "one value per demand row"),
        (lambda: coverage_curve(C, W, 1.0, -1), "k_max must be an integer >= 0"),
        (lambda: coverage_curve(C, W, 1.0, 2, fixed=[3]), "outside 0..2"),
        (
            lambda: p_median(
                sp.coo_array((np.ones(2), (np.array([0, 0]), np.array([1, 1]))), shape=(2, 3)),
                W,
                1,
            ),
            "more than once",
        ),
        (
            lambda: p_median(sp.csr_array(np.array([[np.nan, 1.0, 1.0], [1.0, 1.0, 1.0]])), W, 1),
            "NaN cost",
        ),
    ],
)
def test_errors(call, match):
    with pytest.raises(SchemaError, match=match) as info:
        call()
    assert isinstance(info.value, ValueError) and isinstance(info.value, AccessGapError)


def test_errors_are_collected():
    with pytest.raises(SchemaError, match="3 problems found") as info:
        p_median(C, [1.0, -1.0], 7, method="nope")
    assert len(info.value.problems) == 3


# --------------------------------------------------------------------------------------------
# Capacitated maximal coverage
# --------------------------------------------------------------------------------------------


def _served_lp(cost, w, radius, open_cols, cap):
    """Most demand the open sites can serve within capacity: a transport LP (by hand)."""
    from scipy.optimize import linprog

    pairs = [(i, j) for i in range(cost.shape[0]) for j in open_cols if cost[i, j] <= radius]
    if not pairs:
        return 0.0
    c = -np.array([w[i] for i, _ in pairs])
    a_ub, b_ub = [], []
    for i in range(cost.shape[0]):
        a_ub.append([1.0 if pi == i else 0.0 for pi, _ in pairs])
        b_ub.append(1.0)
    for j in open_cols:
        a_ub.append([w[pi] if pj == j else 0.0 for pi, pj in pairs])
        b_ub.append(cap[j])
    res = linprog(c, A_ub=a_ub, b_ub=b_ub, bounds=(0, 1), method="highs")
    return -res.fun


@pytest.mark.parametrize("seed", range(12))
def test_capacitated_mclp_matches_brute_force(seed):
    rng = np.random.default_rng(seed)
    n, m, p = 9, 5, 2
    cost = rng.uniform(0, 10, (n, m))
    w = rng.integers(1, 10, n).astype(float)
    # odd seeds: capacities that rarely bind (the uncapacitated plan is checked and kept)
    cap = rng.uniform(5, 25, m) * (4.0 if seed % 2 else 1.0)
    fixed = (0,)
    res = pl.capacitated_max_coverage(cost, w, 5.0, p, cap, fixed=fixed)
    best = max(
        _served_lp(cost, w, 5.0, [0, *combo], cap)
        for combo in itertools.combinations(range(1, m), p)
    )
    assert res.objective == pytest.approx(best, abs=1e-6)
    assert res.proven_optimal
    assert 0 in res.open_sites and len(res.selected) == p
    # no site serves more than its capacity, by the reported assignment's full rows
    assert set(res.assignment[res.assignment >= 0]) <= set(res.open_sites)


def test_capacitated_mclp_with_ample_capacity_equals_mclp():
    rng = np.random.default_rng(3)
    cost = rng.uniform(0, 10, (30, 8))
    w = rng.integers(1, 10, 30).astype(float)
    cap = np.full(8, w.sum())
    a = pl.capacitated_max_coverage(cost, w, 4.0, 3, cap)
    b = pl.max_coverage(cost, w, 4.0, 3, method="milp")
    assert a.objective == pytest.approx(b.objective)


def test_capacitated_mclp_takes_the_uncapacitated_plan_only_when_it_fits():
    rng = np.random.default_rng(3)
    cost = rng.uniform(0, 10, (30, 8))
    w = rng.integers(1, 10, 30).astype(float)
    ample = pl.capacitated_max_coverage(cost, w, 4.0, 3, np.full(8, w.sum()))
    assert ample.method == "mclp+capacity check" and ample.proven_optimal
    tight = pl.capacitated_max_coverage(cost, w, 4.0, 3, np.full(8, 10.0))
    assert tight.method == "milp" and tight.objective <= 40.0 + 1e-9
    assert tight.objective < ample.objective


def test_capacity_binds_by_hand():
    # one site can reach everybody but serves only 5 of 15 households
    cost = np.array([[1.0], [1.0], [1.0]])
    res = pl.capacitated_max_coverage(cost, [5, 5, 5], 2.0, 1, [5.0])
    assert res.objective == pytest.approx(5.0)


def test_capacitated_mclp_errors():
    cost = np.ones((2, 2))
    with pytest.raises(SchemaError, match="capacity has 1 values for 2 candidates"):
        pl.capacitated_max_coverage(cost, [1, 1], 2.0, 1, [3.0])
    with pytest.raises(SchemaError, match="capacity must be finite and >= 0"):
        pl.capacitated_max_coverage(cost, [1, 1], 2.0, 1, [3.0, -1.0])
