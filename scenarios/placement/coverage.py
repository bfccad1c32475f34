"""Maximum coverage (MCLP) and the greedy coverage curve.

The MCLP opens ``p`` new sites covering the most demand within a radius; the coverage curve
says what each additional site adds.

Exact MILP (HiGHS), or greedy + swap search + iterated local search with a Lagrangian upper
bound, and for ``method="auto"`` a MILP restricted by Lagrangian fixing that closes the
heuristic's gap. See ``docs/placement.md`` for the formulation.
"""

from __future__ import annotations

import logging
import math
import time

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import LinearConstraint

from geodata.errors import Problem
from scenarios.placement.greedy import mc_greedy
from scenarios.placement.inputs import (
    Method,
    check_p,
    check_radius,
    check_solver_options,
    is_int,
    is_integral,
    read_arrays,
    read_budget,
)
from scenarios.placement.lagrangian import LAGRANGE_ITERATIONS, fix_by_bound, mc_lagrangian_bound
from scenarios.placement.milp import (
    AUTO_MILP_MAX_NNZ,
    MilpOutcome,
    choose_method,
    dual_bound,
    knapsack_rows,
    outcome,
    remaining,
    run_milp,
)
from scenarios.placement.pairs import CoverSets, nearest_open
from scenarios.placement.results import (
    CoverageCurve,
    PlacementResult,
    frozen,
    make_result,
    proven_max,
)
from scenarios.placement.swap import mc_swap

__all__ = ["coverage_curve", "max_coverage"]

logger = logging.getLogger(__name__)

# Work limit of the iterated local search when no time limit is given (a deterministic stop).
_STALL_ROUNDS = 500
# Swaps per call of the swap search between deadline checks.
_SWAP_BATCH = 200


def max_coverage(
    cost: ArrayLike | sp.sparray | sp.spmatrix,
    weights: ArrayLike,
    radius: float,
    p: int,
    *,
    fixed: ArrayLike = (),
    time_limit_s: float | None = None,
    method: Method = "auto",
    seed: int = 0,
    opening_cost: ArrayLike | None = None,
    budget: float | None = None,
) -> PlacementResult:
    """Open ``p`` new sites maximising the demand within ``radius`` of an open site (MCLP).

    A row is covered when a stored/finite cost to an open site is ``<= radius``.

    Parameters
    ----------
    cost
        Travel costs, demand rows x candidate columns (see
        :func:`~scenarios.placement.p_median`).
    weights
        Demand of each row, ``>= 0``.
    radius
        Coverage threshold, in the unit of ``cost``.
    p
        Number of new sites (exactly ``p``; at most ``p`` when ``budget`` is given).
    fixed
        Candidate columns already open; their coverage counts, they do not count in ``p``.
    time_limit_s, method, seed, opening_cost, budget
        As in :func:`~scenarios.placement.p_median`.

    Returns
    -------
    PlacementResult
        ``objective`` is the covered demand weight; ``bound`` an upper bound on the optimum.

    Raises
    ------
    SchemaError
        Bad shapes, NaN or negative costs, negative weights, bad ``radius``, ``p`` or ``fixed``.

    Examples
    --------
    Three villages on a line, a candidate at each, covered within 4 minutes; one new site
    covers two villages (the first and the second, or the second and the third):

    >>> import numpy as np
    >>> cost = np.array([[0.0, 5.0, 9.0], [4.0, 0.0, 6.0], [9.0, 5.0, 0.0]])
    >>> max_coverage(cost, np.ones(3), 4.0, 1).objective
    2.0
    >>> cost = np.array([[1.0, 9.0], [2.0, 9.0], [9.0, 1.0]])
    >>> res = max_coverage(cost, [1.0, 1.0, 5.0], 3.0, 1)
    >>> res.selected, res.objective, res.assignment.tolist()
    ((1,), 5.0, [-1, -1, 1])
    """
    t0 = time.perf_counter()
    problems: list[Problem] = []
    read = read_arrays(cost, weights, fixed, problems)
    m = read.n_cols
    check_radius(radius, problems)
    check_p(p, m, read.fixed, problems)
    check_solver_options(time_limit_s, method, problems)
    oc = read_budget(opening_cost, budget, m, problems)
    arrays = read.checked(problems, "max_coverage")
    pairs, w, fixed_idx = arrays.pairs, arrays.w, arrays.fixed

    cov = CoverSets.build(pairs, w, fixed_idx, float(radius))
    oc_free = None if oc is None else oc[cov.free_cols]
    deadline = None if time_limit_s is None else t0 + float(time_limit_s)
    if cov.n_rows == 0 or int(p) == 0:
        picks_free = np.zeros(0, dtype=np.int64)
        if int(p) > 0:
            picks_free = _fill_p(np.zeros(cov.n_free, dtype=np.bool_), int(p), budget)
        ub_red, used, message = 0.0, "heuristic" if method != "milp" else "milp", ""
    elif method == "milp" or (choose_method(method, cov.nnz) == "milp" and budget is not None):
        picks_free, ub_red, used, message = _solve_milp(
            cov, int(p), oc_free, budget, deadline, seed
        )
    else:
        picks_free, ub_red, used, message = _solve_heuristic(
            cov, int(p), oc_free, budget, deadline, seed, polish=method == "auto"
        )
    open_mask = np.zeros(m, dtype=np.bool_)
    open_mask[fixed_idx] = True
    open_mask[cov.free_cols[picks_free]] = True
    _, site = nearest_open(pairs, open_mask, float(radius))
    objective = float(w[site >= 0].sum())
    bound = cov.base + max(float(ub_red), 0.0)
    bound = max(min(bound, cov.base + cov.coverable), objective)
    if is_integral(w):
        bound = max(math.floor(bound + 1e-9 * max(1.0, abs(bound))), objective)
    return make_result(
        "max_coverage", open_mask, fixed_idx, objective, bound, site, used, t0, message
    )


def coverage_curve(
    cost: ArrayLike | sp.sparray | sp.spmatrix,
    weights: ArrayLike,
    radius: float,
    k_max: int,
    *,
    fixed: ArrayLike = (),
) -> CoverageCurve:
    """Greedy coverage curve: add, one at a time, the site covering the most uncovered demand.

    This is the order officials read diminishing returns from: the k-th entry is what the k-th
    new centre adds given the first k-1. Greedy prefixes are not always the optimal k-site
    choice (use :func:`max_coverage` for that), but each prefix covers at least ``1 - 1/e``
    (63%) of the best possible new coverage for its size. Ties go to the lowest column index.
    The curve stops early when no remaining candidate adds any demand.

    Parameters
    ----------
    cost
        Travel costs, demand rows x candidate columns (see
        :func:`~scenarios.placement.p_median`).
    weights
        Demand of each row, ``>= 0``.
    radius
        Coverage threshold, in the unit of ``cost``.
    k_max
        Largest number of new sites on the curve.
    fixed
        Candidate columns already open; their coverage is the curve's starting point.

    Returns
    -------
    CoverageCurve

    Raises
    ------
    SchemaError
        Bad shapes, NaN or negative costs, negative weights, bad ``radius``, ``k_max``, ``fixed``.

    Examples
    --------
    >>> import numpy as np
    >>> cost = np.array([[1.0, 9.0], [2.0, 9.0], [9.0, 1.0]])
    >>> curve = coverage_curve(cost, [1.0, 1.0, 5.0], 3.0, 2)
    >>> curve.sites, curve.marginal_gain.tolist(), curve.share.tolist()
    ((1, 0), [5.0, 2.0], [0.7142857142857143, 1.0])
    """
    problems: list[Problem] = []
    read = read_arrays(cost, weights, fixed, problems)
    check_radius(radius, problems)
    if not (is_int(k_max) and int(k_max) >= 0):
        problems.append(Problem(f"k_max must be an integer >= 0, got {k_max!r}", column="k_max"))
    arrays = read.checked(problems, "coverage_curve")
    w = arrays.w
    cov = CoverSets.build(arrays.pairs, w, arrays.fixed, float(radius))
    k = min(int(k_max), cov.n_free)
    if cov.n_rows and k:
        picks, gains = mc_greedy(
            cov.col_ptr,
            cov.col_rows,
            cov.row_ptr,
            cov.row_cols,
            cov.w,
            k,
            np.zeros(cov.n_free),
            np.inf,
            True,
        )
    else:
        picks, gains = np.zeros(0, dtype=np.int64), np.zeros(0)
    total = float(w.sum())
    covered = cov.base + np.cumsum(gains)
    share = covered / total if total > 0 else np.ones_like(covered)
    return CoverageCurve(
        sites=tuple(int(c) for c in cov.free_cols[picks]),
        marginal_gain=frozen(gains.astype(np.float64)),
        covered=frozen(covered.astype(np.float64)),
        share=frozen(share.astype(np.float64)),
        base_covered=float(cov.base),
        total_weight=total,
    )


def _solve_milp(
    cov: CoverSets,
    p: int,
    oc: NDArray[np.float64] | None,
    budget: float | None,
    deadline: float | None,
    seed: int,
) -> tuple[NDArray[np.int64], float, str, str]:
    """Exact MILP; the heuristic's picks when HiGHS has no incumbent in time."""
    out = _milp(cov, p, budget is None, oc, budget, deadline)
    if out.open_mask is not None:
        return np.flatnonzero(out.open_mask), out.bound, "milp", out.message
    picks, _, hub, _ = _heuristic(cov, p, oc, budget, deadline, seed)
    return picks, min(out.bound, hub), "milp+heuristic", out.message


def _solve_heuristic(
    cov: CoverSets,
    p: int,
    oc: NDArray[np.float64] | None,
    budget: float | None,
    deadline: float | None,
    seed: int,
    *,
    polish: bool,
) -> tuple[NDArray[np.int64], float, str, str]:
    """The heuristic; with ``polish``, a MILP restricted by Lagrangian fixing on an open gap."""
    picks, hobj, ub, lam = _heuristic(cov, p, oc, budget, deadline, seed)
    integral = is_integral(cov.w)
    if not (polish and budget is None and not proven_max(hobj, ub, integral)):
        return picks, ub, "heuristic", ""
    done = _polish(cov, p, lam, hobj, ub, integral, deadline)
    if done is None:
        return picks, ub, "heuristic", ""
    better, ub, message = done
    return picks if better is None else better, ub, "heuristic+milp", message


def _milp(
    cov: CoverSets,
    p: int,
    exact_p: bool,
    oc: NDArray[np.float64] | None,
    budget: float | None,
    deadline: float | None,
    force: NDArray[np.bool_] | None = None,
    ban: NDArray[np.bool_] | None = None,
) -> MilpOutcome:
    """MILP: max sum w_i z_i  s.t.  z_i <= sum_{j covers i} y_j,  sum y_j = p,  z in [0, 1]."""
    n, m = cov.n_rows, cov.n_free
    nvar = n + m
    erow = np.repeat(np.arange(n, dtype=np.int64), np.diff(cov.row_ptr))
    link = sp.csr_array(
        (
            np.concatenate([np.ones(n), -np.ones(erow.size)]),
            (
                np.concatenate([np.arange(n), erow]),
                np.concatenate([np.arange(n), n + cov.row_cols]),
            ),
        ),
        shape=(n, nvar),
    )
    card = sp.csr_array(
        (np.ones(m), (np.zeros(m, dtype=np.int64), n + np.arange(m))), shape=(1, nvar)
    )
    kn, kn_lo, kn_hi = knapsack_rows(n + np.arange(m), nvar, oc, budget)
    a = sp.vstack([link, card, *kn], format="csr")
    lo = np.concatenate([np.full(n, -np.inf), [p if exact_p else 0], kn_lo])
    hi = np.concatenate([np.zeros(n), [p], kn_hi])
    c = np.concatenate([-cov.w, np.zeros(m)])
    integrality = np.concatenate([np.zeros(n, dtype=np.int64), np.ones(m, dtype=np.int64)])
    lb, ub = np.zeros(nvar), np.ones(nvar)
    if force is not None:
        lb[n:][force] = 1.0
    if ban is not None:
        ub[n:][ban] = 0.0
    res = run_milp(c, LinearConstraint(a, lo, hi), integrality, lb, ub, remaining(deadline))
    return outcome(res, n, m, dual_bound(res, sign=-1.0, default=cov.coverable))


def _heuristic(
    cov: CoverSets,
    p: int,
    oc: NDArray[np.float64] | None,
    budget: float | None,
    deadline: float | None,
    seed: int,
) -> tuple[NDArray[np.int64], float, float, NDArray[np.float64]]:
    """Greedy, swap search, iterated local search; Lagrangian upper bound.

    Returns (picked reduced columns, covered weight of reduced rows, upper bound, lam).
    """
    m = cov.n_free
    ocf = np.zeros(m) if oc is None else oc
    bud = np.inf if budget is None else float(budget)
    picks, _ = mc_greedy(
        cov.col_ptr, cov.col_rows, cov.row_ptr, cov.row_cols, cov.w, p, ocf, bud, budget is None
    )
    open_mask = np.zeros(m, dtype=np.bool_)
    open_mask[picks] = True
    if budget is None:
        open_mask[_fill_p(open_mask, p, None)] = True
    open_mask, obj = _local_search(cov, open_mask, ocf, bud, deadline)
    ub, lam = mc_lagrangian_bound(
        cov.col_ptr, cov.col_rows, cov.w, p, obj, cov.w * 0.5, LAGRANGE_ITERATIONS
    )
    ub = min(ub, cov.coverable)
    integral = is_integral(cov.w)

    # Iterated local search: perturb with a few random swaps, re-run the swap search.
    rng = np.random.default_rng(seed)
    best_mask, best = open_mask.copy(), obj
    stall = 0
    while not proven_max(best, ub, integral) and stall < _STALL_ROUNDS:
        if deadline is not None and time.perf_counter() > deadline:
            break
        opened, closed = np.flatnonzero(best_mask), np.flatnonzero(~best_mask)
        if opened.size == 0 or closed.size == 0:
            break
        k = int(rng.integers(1, max(2, 1 + opened.size // 10) + 1))
        k = min(k, opened.size, closed.size)
        cand = best_mask.copy()
        cand[rng.choice(opened, size=k, replace=False)] = False
        cand[rng.choice(closed, size=k, replace=False)] = True
        if budget is not None and ocf[cand].sum() > bud:
            stall += 1
            continue
        cand, val = _local_search(cov, cand, ocf, bud, deadline)
        if val > best + 1e-9 * max(1.0, best):
            best_mask, best, stall = cand, val, 0
        else:
            stall += 1
    return np.flatnonzero(best_mask), best, min(ub, cov.coverable), lam


def _local_search(
    cov: CoverSets,
    open_mask: NDArray[np.bool_],
    oc: NDArray[np.float64],
    budget: float,
    deadline: float | None,
) -> tuple[NDArray[np.bool_], float]:
    """Swap search in batches of moves until a local optimum (or the deadline)."""
    while True:
        open_mask, val, moved = mc_swap(
            cov.col_ptr,
            cov.col_rows,
            cov.row_ptr,
            cov.row_cols,
            cov.w,
            open_mask,
            oc,
            budget,
            _SWAP_BATCH,
        )
        if moved < _SWAP_BATCH or (deadline is not None and time.perf_counter() > deadline):
            return open_mask, float(val)


def _polish(
    cov: CoverSets,
    p: int,
    lam: NDArray[np.float64],
    lb: float,
    ub: float,
    integral: bool,
    deadline: float | None,
) -> tuple[NDArray[np.int64] | None, float, str] | None:
    """Close the MCLP gap with a MILP restricted by Lagrangian fixing.

    With column sums ``s_j`` of ``lam``, opening an unselected j bounds the value by
    ``U - s_[p] + s_j`` and closing a selected j by ``U - s_j + s_[p+1]``; when that is below
    the value a strictly better solution needs, y_j is fixed
    (:func:`~scenarios.placement.lagrangian.fix_by_bound`, on the negated maximisation).
    Returns (better picks or None, upper bound, message), or None when the restricted MILP
    would be too big.
    """
    m = cov.n_free
    if p == 0 or p >= m or (deadline is not None and time.perf_counter() > deadline):
        return None
    col_len = np.diff(cov.col_ptr)
    s = np.asarray(
        np.bincount(np.repeat(np.arange(m), col_len), weights=lam[cov.col_rows], minlength=m),
        dtype=np.float64,
    )
    thr = lb + (1.0 if integral else 0.0) - 1e-7 * max(1.0, abs(lb))
    ban, force = fix_by_bound(-s, p, -float((cov.w - lam).sum()), -thr)
    n_keep = int((~ban).sum())
    if n_keep < p or int(force.sum()) > p:
        return None, lb, "incumbent proven optimal by Lagrangian fixing"
    nnz = int(col_len[~ban].sum())
    logger.debug(
        "MCLP polish: %d of %d columns kept, %d forced, %d pairs", n_keep, m, int(force.sum()), nnz
    )
    if nnz > AUTO_MILP_MAX_NNZ:
        return None
    out = _milp(cov, p, True, None, None, deadline, force, ban)
    if out.status == "infeasible":
        return None, lb, "incumbent proven optimal (no better solution after Lagrangian fixing)"
    better = None
    if out.open_mask is not None:
        cand = np.flatnonzero(out.open_mask)
        covered = np.zeros(cov.n_rows, dtype=np.bool_)
        for j in cand:
            covered[cov.col_rows[cov.col_ptr[j] : cov.col_ptr[j + 1]]] = True
        if float(cov.w[covered].sum()) > lb:
            better = cand
    if out.status == "optimal":
        return better, max(lb, out.bound) if better is None else out.bound, ""
    return better, min(ub, max(lb, out.bound)), out.message


def _fill_p(open_mask: NDArray[np.bool_], p: int, budget: float | None) -> NDArray[np.int64]:
    """Pad a selection to exactly p free sites with the lowest indices (no budget only)."""
    if budget is not None:
        return np.flatnonzero(open_mask)
    need = p - int(open_mask.sum())
    if need > 0:
        open_mask = open_mask.copy()
        open_mask[np.flatnonzero(~open_mask)[:need]] = True
    return np.flatnonzero(open_mask)
