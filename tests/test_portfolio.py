"""The portfolio's array core: brute force, an independent CP-SAT model, bounds, bad input."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from geodata.errors import InfeasibleError, SchemaError
from scenarios.portfolio import greedy_portfolio, lagrangian_bound, solve_portfolio


def brute_force(gain: np.ndarray, cost: np.ndarray, budget: float) -> float:
    """The best objective over every subset of options within the budget."""
    best = 0.0
    n = gain.shape[1]
    for k in range(n + 1):
        for subset in itertools.combinations(range(n), k):
            if cost[list(subset)].sum() <= budget + 1e-9:
                value = gain[:, list(subset)].max(axis=1).sum() if subset else 0.0
                best = max(best, float(value))
    return best


def cp_sat(gain: np.ndarray, cost: np.ndarray, budget: int) -> int:
    """The same problem as an independent CP-SAT model (integer data)."""
    from ortools.sat.python import cp_model

    m = cp_model.CpModel()
    n_rows, n_opt = gain.shape
    x = [m.NewBoolVar(f"x{j}") for j in range(n_opt)]
    terms = []
    for i in range(n_rows):
        ys = []
        for j in range(n_opt):
            if gain[i, j] > 0:
                y = m.NewBoolVar(f"y{i}_{j}")
                m.AddImplication(y, x[j])
                ys.append(y)
                terms.append(int(gain[i, j]) * y)
        if ys:
            m.AddAtMostOne(ys)
    m.Add(sum(int(cost[j]) * x[j] for j in range(n_opt)) <= budget)
    m.Maximize(sum(terms))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = 60
    assert solver.Solve(m) == cp_model.OPTIMAL
    return round(solver.ObjectiveValue())


def instance(rng: np.random.Generator, rows: int, opts: int, density: float) -> tuple:
    gain = rng.integers(1, 50, size=(rows, opts)) * (rng.random((rows, opts)) < density)
    cost = rng.integers(1, 20, size=opts).astype(float)
    return gain.astype(float), cost


@settings(max_examples=120, deadline=None)
@given(
    seed=st.integers(0, 2**31),
    rows=st.integers(1, 8),
    opts=st.integers(1, 7),
    density=st.floats(0.1, 1.0),
    budget_share=st.floats(0.0, 1.2),
)
def test_equals_brute_force(
    seed: int, rows: int, opts: int, density: float, budget_share: float
) -> None:
    rng = np.random.default_rng(seed)
    gain, cost = instance(rng, rows, opts, density)
    if rng.random() < 0.2:
        cost[rng.integers(opts)] = 0.0  # free options are taken
    budget = float(np.floor(budget_share * cost.sum()))
    best = brute_force(gain, cost, budget)
    res = solve_portfolio(gain, cost, budget, method="milp")
    assert res.objective == pytest.approx(best, abs=1e-6)
    assert res.proven_optimal and res.gap == 0.0
    assert res.cost <= budget + 1e-9
    check_consistent(res, gain, cost, budget)
    # the fast path: feasible, never above the optimum, its bound never below it
    fast = solve_portfolio(sp.csr_array(gain), cost, budget, method="greedy")
    check_consistent(fast, gain, cost, budget)
    assert fast.objective <= best + 1e-6
    assert fast.bound >= best - 1e-6


def check_consistent(res, gain: np.ndarray, cost: np.ndarray, budget: float) -> None:
    """Assignment, objective, cost, bound and gap agree with each other."""
    sel = np.array(res.selected, dtype=int)
    assert res.cost == pytest.approx(cost[sel].sum()) and res.cost <= budget + 1e-9
    a = res.assignment
    assert set(a[a >= 0].tolist()) <= set(res.selected)
    served = a >= 0
    assert res.objective == pytest.approx(gain[np.flatnonzero(served), a[served]].sum())
    if sel.size:  # each row gets its best chosen option
        assert res.objective == pytest.approx(gain[:, sel].max(axis=1).sum())
    assert res.bound >= res.objective - 1e-9
    assert res.gap == pytest.approx(
        0.0 if res.proven_optimal else (res.bound - res.objective) / max(res.objective, 1e-12)
    )


@pytest.mark.parametrize("seed", range(6))
def test_equals_cp_sat_on_medium_instances(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    gain, cost = instance(rng, 60, 18, 0.25)
    budget = int(cost.sum() * 0.35)
    res = solve_portfolio(gain, cost, budget)
    assert res.method == "milp" and res.proven_optimal
    assert res.objective == pytest.approx(cp_sat(gain, cost, budget))
    check_consistent(res, gain, cost, budget)


def test_fast_path_gap_is_small_and_bound_valid() -> None:
    rng = np.random.default_rng(7)
    gain, cost = instance(rng, 400, 60, 0.05)
    budget = float(cost.sum() * 0.3)
    exact = solve_portfolio(gain, cost, budget, method="milp")
    fast = solve_portfolio(gain, cost, budget, method="greedy")
    assert exact.proven_optimal
    assert fast.objective <= exact.objective + 1e-6 <= fast.bound + 2e-6
    assert fast.objective >= 0.9 * exact.objective
    assert fast.gap < 0.1


def test_greedy_takes_best_single_when_it_wins() -> None:
    # ratio-greedy takes the cheap option first and can then not afford the big one
    gain = np.array([[1.0, 0.0], [0.0, 10.0]])
    cost = np.array([0.1, 10.0])
    assert greedy_portfolio(sp.csc_array(gain), cost, 10.0).tolist() == [1]


def test_lagrangian_bound_is_exact_without_overlap() -> None:
    # disjoint options: the problem is a knapsack; the bound is its LP bound
    gain = sp.csc_array(np.diag([6.0, 5.0, 4.0]))
    bound = lagrangian_bound(gain, np.array([3.0, 2.0, 2.0]), 4.0)
    assert bound == pytest.approx(5.0 + 4.0)


def test_budget_zero_and_free_options() -> None:
    gain = np.array([[2.0, 1.0], [0.0, 3.0]])
    res = solve_portfolio(gain, [5.0, 0.0], 0.0)
    assert res.selected == (1,) and res.objective == 4.0 and res.cost == 0.0
    assert res.assignment.tolist() == [1, 1]
    with pytest.raises(ValueError):
        res.assignment[0] = 0  # read-only


def test_equity_constraint() -> None:
    # group 1 (row 2) is worse off; the equity row forces option 2 although 0+1 gain more
    gain = np.array([[9.0, 0.0, 0.0], [0.0, 8.0, 0.0], [0.0, 0.0, 2.0]])
    cost = np.array([1.0, 1.0, 1.0])
    free = solve_portfolio(gain, cost, 2.0)
    assert free.selected == (0, 1)
    fair = solve_portfolio(gain, cost, 2.0, groups=np.array([0, 0, 1]), min_group_gain=[0, 2])
    assert fair.selected == (0, 2) and fair.objective == 11.0
    with pytest.raises(InfeasibleError, match="equity"):
        solve_portfolio(gain, cost, 2.0, groups=np.array([0, 0, 1]), min_group_gain=[0, 3])
    with pytest.raises(SchemaError, match="milp"):
        solve_portfolio(gain, cost, 2.0, method="greedy", groups=[0, 0, 1], min_group_gain=[0, 1])


@pytest.mark.parametrize(
    ("gain", "cost", "budget", "match"),
    [
        ([[1.0, -2.0]], [1, 1], 1.0, r"gain\[0, 1\] is negative"),
        ([[1.0, np.nan]], [1, 1], 1.0, "NaN"),
        ([[1.0, 2.0]], [1, 1, 1], 1.0, "one entry per option"),
        ([[1.0, 2.0]], [1, -1], 1.0, r"cost\[1\]"),
        ([[1.0, 2.0]], [1, 1], -1.0, "budget must be"),
        ([[1.0, 2.0]], [1, 1], float("nan"), "budget must be"),
        ([1.0, 2.0], [1, 1], 1.0, "2-D"),
    ],
)
def test_bad_input(gain: list, cost: list, budget: float, match: str) -> None:
    with pytest.raises(SchemaError, match=match):
        solve_portfolio(np.array(gain), np.array(cost, dtype=float), budget)


def test_bad_method() -> None:
    with pytest.raises(SchemaError, match="unknown method"):
        solve_portfolio(np.ones((1, 1)), [1.0], 1.0, method="simplex")
