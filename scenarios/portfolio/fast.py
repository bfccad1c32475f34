"""The fast path of the portfolio: a greedy by marginal gain per rupee and a Lagrangian bound.

The objective ``f(S) = sum_i max_{j in S} gain_ij`` is monotone and submodular, so the greedy
evaluates marginal gains lazily (a stale value is an upper bound). It adds, while the budget
allows, the option with the largest marginal gain per unit of cost, and returns the better of
that set and the best single affordable option (the classic guard for a knapsack greedy).

The bound relaxes "each row served at most once" with multipliers ``u_i >= 0``::

    L(u) = sum_i u_i + max { sum_j x_j v_j(u) : sum_j cost_j x_j <= budget, 0 <= x <= 1 }
    v_j(u) = sum_i max(0, gain_ij - u_i)

The inner problem is a fractional knapsack (sorted by ``v_j / cost_j``), so every ``L(u)``
is an upper bound on the optimum; a subgradient method with Polyak steps lowers it.
"""

from __future__ import annotations

import heapq

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

__all__ = ["assign_rows", "greedy_portfolio", "lagrangian_bound"]


def assign_rows(
    gain: sp.csc_array, selected: NDArray[np.int64]
) -> tuple[NDArray[np.int64], float, NDArray[np.float64]]:
    """Serve every row by its best selected option.

    Parameters
    ----------
    gain
        Gains, rows x options, CSC.
    selected
        Chosen option columns.

    Returns
    -------
    tuple
        The option per row (-1 for none), the total gain, the gain per row.

    Examples
    --------
    >>> g = sp.csc_array(np.array([[1.0, 3.0], [0.0, 0.0]]))
    >>> a, total, per_row = assign_rows(g, np.array([0, 1]))
    >>> a.tolist(), total
    ([1, -1], 3.0)
    """
    n_rows = gain.shape[0]
    sel = np.asarray(selected, dtype=np.int64)
    if sel.size == 0:
        return np.full(n_rows, -1, dtype=np.int64), 0.0, np.zeros(n_rows)
    sub = sp.csr_array(gain[:, sel])
    best = np.asarray(sub.max(axis=1).toarray(), dtype=np.float64).ravel()
    arg = np.asarray(sub.argmax(axis=1)).ravel()
    assignment = np.where(best > 0, sel[arg], -1).astype(np.int64)
    per_row = np.where(best > 0, best, 0.0)
    return assignment, float(per_row.sum()), per_row


def greedy_portfolio(
    gain: sp.csc_array, cost: NDArray[np.float64], budget: float
) -> NDArray[np.int64]:
    """Options chosen by marginal gain per unit of cost, within ``budget``.

    Parameters
    ----------
    gain
        Gains, rows x options, CSC, >= 0.
    cost
        Cost per option, >= 0.
    budget
        Largest total cost.

    Returns
    -------
    numpy.ndarray
        Chosen columns (ascending): the greedy set, or the best single affordable option
        when that alone gains more.

    Examples
    --------
    >>> g = sp.csc_array(np.array([[5.0, 0.0, 4.0], [0.0, 3.0, 4.0]]))
    >>> greedy_portfolio(g, np.array([1.0, 1.0, 2.0]), 2.0).tolist()
    [0, 1]
    """
    n_rows, n_opt = gain.shape
    indptr, indices, data = gain.indptr, gain.indices, gain.data
    cur = np.zeros(n_rows)
    colsum = np.asarray(gain.sum(axis=0), dtype=np.float64).ravel()
    heap = [(-_ratio(colsum[j], cost[j]), j) for j in range(n_opt) if colsum[j] > 0]
    heapq.heapify(heap)
    left = float(budget)
    chosen: list[int] = []
    total = 0.0
    while heap:
        _, j = heapq.heappop(heap)
        if cost[j] > left * (1 + 1e-12) + 1e-12:
            continue  # the budget only shrinks: never affordable again
        rows = indices[indptr[j] : indptr[j + 1]]
        add = np.maximum(data[indptr[j] : indptr[j + 1]] - cur[rows], 0.0)
        m = float(add.sum())
        if m <= 0:
            continue
        r = _ratio(m, cost[j])
        if heap and r < -heap[0][0] * (1 - 1e-12):
            heapq.heappush(heap, (-r, j))  # stale: re-queue with its true ratio
            continue
        chosen.append(j)
        total += m
        cur[rows] = np.maximum(cur[rows], data[indptr[j] : indptr[j + 1]])
        left -= float(cost[j])
    fits = np.flatnonzero(cost <= budget * (1 + 1e-12) + 1e-12)
    if fits.size:
        best = int(fits[np.argmax(colsum[fits])])
        if colsum[best] > total * (1 + 1e-12):
            return np.array([best], dtype=np.int64)
    return np.sort(np.asarray(chosen, dtype=np.int64))


def lagrangian_bound(
    gain: sp.csc_array,
    cost: NDArray[np.float64],
    budget: float,
    *,
    start: NDArray[np.float64] | None = None,
    lower: float = 0.0,
    iterations: int = 300,
) -> float:
    """An upper bound on the best total gain within ``budget`` (see the module docstring).

    Parameters
    ----------
    gain, cost, budget
        As for :func:`greedy_portfolio`.
    start
        Starting multipliers per row (e.g. each row's gain in a good solution); default 0.
    lower
        A known objective (the Polyak step's target and the stopping test).
    iterations
        Subgradient steps.

    Returns
    -------
    float
        The smallest ``L(u)`` found (>= the optimum).

    Examples
    --------
    >>> g = sp.csc_array(np.array([[5.0, 0.0, 4.0], [0.0, 3.0, 4.0]]))
    >>> lagrangian_bound(g, np.array([1.0, 1.0, 2.0]), 2.0, lower=8.0) >= 8.0
    True
    """
    coo = gain.tocoo()
    row = np.asarray(coo.row, dtype=np.int64)
    col = np.asarray(coo.col, dtype=np.int64)
    val = np.asarray(coo.data, dtype=np.float64)
    n_rows, n_opt = gain.shape
    u = np.zeros(n_rows) if start is None else np.asarray(start, dtype=np.float64).copy()
    best = _lagrangian(row, col, val, u * 0.0, cost, budget, n_opt)[0]
    theta, stall = 1.0, 0
    for _ in range(iterations):
        value, x = _lagrangian(row, col, val, u, cost, budget, n_opt)
        if value < best - 1e-9 * max(1.0, abs(best)):
            best, stall = value, 0
        else:
            stall += 1
            if stall >= 10:
                theta, stall = theta / 2.0, 0
        if best - lower <= 1e-7 * max(1.0, lower) or theta < 1e-6:
            break
        used = np.bincount(row, weights=x[col] * (val > u[row]), minlength=n_rows)
        sub = 1.0 - used
        norm = float(sub @ sub)
        if norm <= 0:
            break
        u = np.maximum(u - theta * (value - lower) / norm * sub, 0.0)
    return float(best)


# ---------------------------------------------------------------------------------------


def _ratio(gain: float, cost: float) -> float:
    return float("inf") if cost <= 0 else gain / cost


def _lagrangian(
    row: NDArray[np.int64],
    col: NDArray[np.int64],
    val: NDArray[np.float64],
    u: NDArray[np.float64],
    cost: NDArray[np.float64],
    budget: float,
    n_opt: int,
) -> tuple[float, NDArray[np.float64]]:
    """``L(u)`` and the fractional knapsack's ``x``."""
    v = np.bincount(col, weights=np.maximum(val - u[row], 0.0), minlength=n_opt)
    x = np.zeros(n_opt)
    free = (cost <= 0) & (v > 0)
    x[free] = 1.0
    paid = np.flatnonzero((cost > 0) & (v > 0))
    order = paid[np.argsort(-v[paid] / cost[paid], kind="stable")]
    spent = np.cumsum(cost[order])
    full = spent <= budget
    x[order[full]] = 1.0
    k = int(full.sum())
    if k < order.size:
        j = order[k]
        x[j] = max(budget - (spent[k - 1] if k else 0.0), 0.0) / cost[j]
    return float(u.sum() + v @ x), x
