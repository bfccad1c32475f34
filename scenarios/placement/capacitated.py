"""Capacitated maximum coverage: each open site serves at most its capacity (exact MILP)."""

from __future__ import annotations

import time

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import LinearConstraint, linprog

from geodata.errors import InfeasibleError, Problem
from scenarios.placement.coverage import max_coverage
from scenarios.placement.inputs import check_p, check_radius, check_solver_options, read_arrays
from scenarios.placement.milp import run_milp
from scenarios.placement.results import OPTIMALITY_TOL, PlacementResult, make_result

__all__ = ["capacitated_max_coverage"]


def capacitated_max_coverage(
    cost: ArrayLike | sp.sparray | sp.spmatrix,
    weights: ArrayLike,
    radius: float,
    p: int,
    capacity: ArrayLike,
    *,
    fixed: ArrayLike = (),
    time_limit_s: float | None = None,
) -> PlacementResult:
    """Open ``p`` new sites maximising the demand *served* within ``radius``, with capacities.

    Each site serves at most its ``capacity`` (e.g. desks x registrations per desk-day x days).

    Exact MILP (HiGHS)::

        max  sum_ij w_i x_ij
        s.t. sum_j x_ij <= 1                   (each demand row served at most once)
             sum_i w_i x_ij <= cap_j y_j        (capacity of an open site)
             x_ij <= y_j                        (only open sites serve)
             sum_{j not fixed} y_j = p,  y_j = 1 for fixed j
             0 <= x_ij <= 1 (a row may be split between sites), y_j binary

    over the pairs with cost ``<= radius``. The uncapacitated optimum is an upper bound, so
    the uncapacitated model (:func:`~scenarios.placement.max_coverage`) is solved first: when
    it is proven optimal and its open sites can serve all the demand they cover within their
    capacities (a small LP over those sites' pairs), that plan is optimal here too (method
    ``"mclp+capacity check"``) and the MILP is skipped. ``assignment`` gives, per row, the
    open site that serves the largest share of it (-1 when none). For large instances use
    :func:`~scenarios.placement.max_coverage` (uncapacitated) and check loads afterwards.

    Parameters
    ----------
    cost, weights, radius, p, fixed, time_limit_s
        As in :func:`~scenarios.placement.max_coverage`.
    capacity
        Most demand weight each candidate serves, one value ``>= 0`` per column.

    Returns
    -------
    PlacementResult
        ``objective`` is the demand weight served; ``bound`` an upper bound on the optimum.

    Raises
    ------
    SchemaError
        On malformed inputs or a negative capacity (every problem listed).
    InfeasibleError
        When HiGHS finds no solution in time.

    Examples
    --------
    >>> import numpy as np
    >>> cost = np.array([[1.0, 9.0], [1.0, 1.0], [9.0, 1.0]])
    >>> r = capacitated_max_coverage(cost, [5, 5, 5], 2.0, 2, [5, 10])
    >>> r.objective, r.proven_optimal
    (15.0, True)
    """
    t0 = time.perf_counter()
    problems: list[Problem] = []
    read = read_arrays(cost, weights, fixed, problems)
    m = read.n_cols
    check_p(p, m, read.fixed, problems)
    check_radius(radius, problems)
    check_solver_options(time_limit_s, "milp", problems)
    cap = _read_capacity(capacity, m, read.pairs is not None, problems)
    arrays = read.checked(problems, "capacitated_max_coverage")
    pairs, w, fixed_idx = arrays.pairs, arrays.w, arrays.fixed
    n = pairs.n_rows

    rows = np.repeat(np.arange(n), np.diff(pairs.indptr))
    keep = pairs.data <= float(radius)
    pr, pc = rows[keep], pairs.indices[keep]
    k = pr.size
    quick = _uncapacitated_if_it_fits(
        cost, w, radius, int(p), cap, fixed_idx, pr, pc, n, time_limit_s
    )
    if quick is not None:
        open_mask, objective, site = quick
        return make_result(
            "capacitated_max_coverage", open_mask, fixed_idx, objective, objective, site,
            "mclp+capacity check", t0, "the uncapacitated optimum fits the capacities",
        )  # fmt: skip
    lo_y = np.zeros(m)
    lo_y[fixed_idx] = 1.0
    res = run_milp(
        np.r_[-w[pr], np.zeros(m)],
        _constraints(pr, pc, w, cap, fixed_idx, n, m, int(p)),
        np.r_[np.zeros(k), np.ones(m)],
        np.r_[np.zeros(k), lo_y],
        np.r_[np.ones(k), np.ones(m)],
        None if time_limit_s is None else float(time_limit_s),
    )
    if res.x is None:
        raise InfeasibleError(
            f"capacitated_max_coverage: the MILP found no solution ({res.message}); "
            "raise time_limit_s or use max_coverage"
        )
    x = np.asarray(res.x)
    open_mask = x[k:] > 0.5
    open_mask[fixed_idx] = True
    share = x[:k]
    objective = float(np.sum(w[pr] * share))
    dual = getattr(res, "mip_dual_bound", None)
    bound = objective if dual is None or not np.isfinite(dual) else max(objective, -float(dual))
    site = _largest_share(pr, pc, share, n)
    return make_result(
        "capacitated_max_coverage",
        open_mask,
        fixed_idx,
        objective,
        bound,
        site,
        "milp",
        t0,
        str(res.message),
    )


def _uncapacitated_if_it_fits(
    cost: ArrayLike | sp.sparray | sp.spmatrix,
    w: NDArray[np.float64],
    radius: float,
    p: int,
    cap: NDArray[np.float64],
    fixed_idx: NDArray[np.int64],
    pr: NDArray[np.int64],
    pc: NDArray[np.int64],
    n: int,
    time_limit_s: float | None,
) -> tuple[NDArray[np.bool_], float, NDArray[np.int64]] | None:
    """The uncapacitated optimum when it is proven and fits the capacities, else None.

    Returns the open mask, the demand served and each row's site of largest share.
    """
    free = max_coverage(cost, w, radius, p, fixed=fixed_idx, time_limit_s=time_limit_s)
    if not free.proven_optimal:
        return None
    open_mask = np.zeros(cap.size, dtype=bool)
    open_mask[list(free.open_sites)] = True
    on = open_mask[pc]
    qr, qc = pr[on], pc[on]
    if qr.size == 0:
        return (open_mask, 0.0, np.full(n, -1, dtype=np.int64)) if free.objective == 0 else None
    sites, col = np.unique(qc, return_inverse=True)
    k = qr.size
    a_rows = sp.csr_array((np.ones(k), (qr, np.arange(k))), shape=(n, k))
    a_cap = sp.csr_array((w[qr], (col, np.arange(k))), shape=(sites.size, k))
    lp = linprog(
        -w[qr],
        A_ub=sp.vstack([a_rows, a_cap]).tocsr(),
        b_ub=np.r_[np.ones(n), cap[sites]],
        bounds=(0.0, 1.0),
        method="highs",
    )
    served = -float(lp.fun) if lp.status == 0 else -np.inf
    if served < free.objective * (1.0 - OPTIMALITY_TOL) - 1e-9:
        return None
    return open_mask, served, _largest_share(qr, qc, np.asarray(lp.x), n)


def _largest_share(
    pr: NDArray[np.int64], pc: NDArray[np.int64], share: NDArray[np.float64], n: int
) -> NDArray[np.int64]:
    """Per row, the site serving its largest share (-1 when none serves it)."""
    site = np.full(n, -1, dtype=np.int64)
    best = np.zeros(n)
    for i, j, s in zip(pr.tolist(), pc.tolist(), share.tolist(), strict=True):
        if s > best[i] + 1e-9:
            best[i], site[i] = s, j
    return site


def _read_capacity(
    capacity: ArrayLike, m: int, have_cost: bool, problems: list[Problem]
) -> NDArray[np.float64]:
    try:
        cap = np.asarray(capacity, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        cap = np.zeros(0)
        problems.append(Problem("capacity must be numbers, one per candidate", column="capacity"))
    if have_cost and cap.size != m:
        problems.append(
            Problem(f"capacity has {cap.size} values for {m} candidates", column="capacity")
        )
    elif not np.all(np.isfinite(cap)) or (cap < 0).any():
        problems.append(Problem("capacity must be finite and >= 0", column="capacity"))
    return cap


def _constraints(
    pr: NDArray[np.int64],
    pc: NDArray[np.int64],
    w: NDArray[np.float64],
    cap: NDArray[np.float64],
    fixed_idx: NDArray[np.int64],
    n: int,
    m: int,
    p: int,
) -> list[LinearConstraint]:
    """Rows of the model over the variables (x: one share per pair, then y: one per site)."""
    k = pr.size
    a_rows = sp.coo_array((np.ones(k), (pr, np.arange(k))), shape=(n, k + m))  # sum_j x_ij <= 1
    a_cap = sp.coo_array(
        (np.r_[w[pr], -cap], (np.r_[pc, np.arange(m)], np.r_[np.arange(k), k + np.arange(m)])),
        shape=(m, k + m),
    )  # sum_i w_i x_ij - cap_j y_j <= 0
    a_link = sp.coo_array(
        (
            np.r_[np.ones(k), -np.ones(k)],
            (np.r_[np.arange(k), np.arange(k)], np.r_[np.arange(k), k + pc]),
        ),
        shape=(k, k + m),
    )  # x_ij - y_j <= 0
    free = np.ones(m, dtype=bool)
    free[fixed_idx] = False
    a_p = sp.coo_array(
        (
            np.ones(int(free.sum())),
            (np.zeros(int(free.sum()), dtype=np.int64), k + np.flatnonzero(free)),
        ),
        shape=(1, k + m),
    )
    return [
        LinearConstraint(a_rows.tocsr(), -np.inf, 1.0),
        LinearConstraint(a_cap.tocsr(), -np.inf, 0.0),
        LinearConstraint(a_link.tocsr(), -np.inf, 0.0),
        LinearConstraint(a_p.tocsr(), float(p), float(p)),
    ]
