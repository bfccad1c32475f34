"""The p-median: open ``p`` new sites minimising the demand-weighted travel cost.

Exact MILP (HiGHS), or greedy + fast interchange + iterated local search with a Lagrangian
lower bound, and for ``method="auto"`` a MILP restricted by Lagrangian fixing that closes the
heuristic's gap. See ``docs/placement.md`` for the formulation and the reductions.
"""

from __future__ import annotations

import logging
import math
import numbers
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import LinearConstraint

from geodata.errors import InfeasibleError, Problem
from scenarios.placement.greedy import pm_greedy
from scenarios.placement.inputs import (
    Method,
    check_p,
    check_solver_options,
    head,
    is_integral,
    read_arrays,
    read_budget,
)
from scenarios.placement.lagrangian import (
    LAGRANGE_ITERATIONS,
    fix_by_bound,
    pm_initial_multipliers,
    pm_lagrangian_bound,
)
from scenarios.placement.milp import (
    AUTO_MILP_MAX_NNZ,
    MilpOutcome,
    dual_bound,
    knapsack_rows,
    outcome,
    remaining,
    run_milp,
)
from scenarios.placement.pairs import (
    CostPairs,
    append_penalty_column,
    cut_rows,
    drop_columns,
    first_open,
    nearest_open,
    take_rows,
)
from scenarios.placement.results import PlacementResult, make_result, proven_min
from scenarios.placement.swap import pm_local_search

__all__ = ["p_median"]

logger = logging.getLogger(__name__)

# Work limit of the iterated local search when no time limit is given (a deterministic stop).
_ILS_STALL_ROUNDS = 300


def p_median(
    cost: ArrayLike | sp.sparray | sp.spmatrix,
    weights: ArrayLike,
    p: int,
    *,
    fixed: ArrayLike = (),
    time_limit_s: float | None = None,
    method: Method = "auto",
    seed: int = 0,
    opening_cost: ArrayLike | None = None,
    budget: float | None = None,
    unreachable_cost: float | None = None,
) -> PlacementResult:
    """Open ``p`` new sites minimising the total weighted travel cost to the nearest open site.

    Parameters
    ----------
    cost
        Travel costs, demand rows x candidate columns (dense: ``inf`` = unreachable; sparse:
        entries not stored = unreachable, a stored 0 is a cost of 0).
    weights
        Demand of each row, ``>= 0``. Rows of weight 0 do not affect the choice.
    p
        Number of new sites to open (exactly ``p``; at most ``p`` when ``budget`` is given).
    fixed
        Candidate columns already open; kept open and not counted in ``p``.
    time_limit_s
        Wall-clock limit for the solver. ``None``: MILP runs to optimality and the heuristic
        stops on deterministic work limits (so results repeat exactly).
    method
        ``"milp"``, ``"heuristic"`` or ``"auto"`` (heuristic, then a MILP restricted by
        Lagrangian fixing while the gap is open; see :mod:`scenarios.placement`).
    seed
        Seed of the heuristic's random perturbations.
    opening_cost
        Cost of opening each candidate (same length as the columns); needs ``budget``.
    budget
        Total opening cost allowed for the new sites; needs ``opening_cost``.
    unreachable_cost
        ``None`` (default): every row of positive weight must be served; rows that reach no
        candidate, or a ``p`` too small to serve every row, raise :class:`InfeasibleError`.
        A number: a row left without a reachable open site costs this much per unit weight
        (and gets assignment -1).

    Returns
    -------
    PlacementResult
        ``objective`` is the total weighted cost; ``bound`` a lower bound on the optimum.

    Raises
    ------
    SchemaError
        Bad shapes, NaN or negative costs, negative weights, ``p`` out of range, bad ``fixed``.
    InfeasibleError
        Rows of positive weight that cannot be served (see ``unreachable_cost``).

    Examples
    --------
    Three villages on a line, a candidate at each; one new site. The middle one serves all
    three at a total of 5 + 0 + 5 = 10 minutes (proven optimal):

    >>> import numpy as np
    >>> cost = np.array([[0.0, 5.0, 9.0], [4.0, 0.0, 6.0], [9.0, 5.0, 0.0]])
    >>> res = p_median(cost, np.ones(3), 1)
    >>> res.selected, res.objective, res.proven_optimal
    ((1,), 10.0, True)
    >>> cost = np.array([[1.0, 4.0], [3.0, 1.0], [5.0, 1.0]])
    >>> res = p_median(cost, [1.0, 1.0, 1.0], 1)
    >>> res.selected, res.objective, res.assignment.tolist()
    ((1,), 6.0, [1, 1, 1])
    >>> p_median(cost, [1.0, 1.0, 1.0], 1, fixed=[0]).assignment.tolist()
    [0, 1, 1]
    """
    t0 = time.perf_counter()
    problems: list[Problem] = []
    read = read_arrays(cost, weights, fixed, problems)
    m = read.n_cols
    check_p(p, m, read.fixed, problems)
    check_solver_options(time_limit_s, method, problems)
    oc = read_budget(opening_cost, budget, m, problems)
    _check_unreachable_cost(unreachable_cost, problems)
    arrays = read.checked(problems, "p_median")
    pairs, w, fixed_idx = arrays.pairs, arrays.w, arrays.fixed
    if unreachable_cost is None:
        _require_reachable(pairs, w)

    model = _PMedianModel.build(pairs, w, fixed_idx, int(p), budget is None, unreachable_cost)
    deadline = None if time_limit_s is None else t0 + float(time_limit_s)
    if method == "milp":
        open_mask, bound, used, message = _solve_milp(model, oc, budget, deadline, seed)
    else:
        open_mask, bound, used, message = _solve_heuristic(
            model, oc, budget, deadline, seed, polish=method == "auto"
        )
    open_mask = open_mask[:m]

    dist, site = nearest_open(pairs, open_mask, np.inf)
    served = site >= 0
    if unreachable_cost is None and np.any(~served & (w > 0)):
        bad = np.flatnonzero(~served & (w > 0))
        raise InfeasibleError(
            f"the heuristic found no choice of {p} new site(s) serving all rows: {bad.size} "
            f"row(s) of positive weight stay unserved (rows {head(bad)}); try method='milp' "
            "to prove infeasibility, raise p, or pass unreachable_cost=..."
        )
    unit = np.where(served, dist, 0.0 if unreachable_cost is None else float(unreachable_cost))
    objective = float(np.dot(w, unit))
    if model.integral:
        bound = math.ceil(bound - 1e-9 * max(1.0, abs(bound)))
    bound = min(float(bound), objective)
    return make_result("p_median", open_mask, fixed_idx, objective, bound, site, used, t0, message)


@dataclass(frozen=True)
class _PMedianModel:
    """The p-median after the reductions.

    ``sub``: rows of positive weight; ``with_penalty``: with the always-open penalty column
    (index ``m``) for unserved rows (reduced when a penalty was given); ``reduced``: the
    penalty model cut after each row's nearest always-open column.
    """

    m: int
    p: int
    exact_p: bool
    w: NDArray[np.float64]
    fixed_mask: NDArray[np.bool_]
    fixed_with_penalty: NDArray[np.bool_]
    keep_free: int
    sub: CostPairs
    with_penalty: CostPairs
    reduced: CostPairs
    integral: bool
    unreachable_cost: float | None

    @staticmethod
    def build(
        pairs: CostPairs,
        w: NDArray[np.float64],
        fixed_idx: NDArray[np.int64],
        p: int,
        exact_p: bool,
        unreachable_cost: float | None,
    ) -> _PMedianModel:
        m = pairs.n_cols
        fixed_mask = np.zeros(m, dtype=np.bool_)
        fixed_mask[fixed_idx] = True
        active = np.flatnonzero(w > 0)
        sub = take_rows(pairs, active)
        wa = w[active]
        integral = (
            is_integral(wa)
            and is_integral(sub.data)
            and (unreachable_cost is None or float(unreachable_cost).is_integer())
        )
        # Penalty column for rows left unserved: always open, "fixed" (index m).
        if unreachable_cost is not None:
            penalty = float(unreachable_cost)
        else:
            big = float(sub.data.max()) if sub.data.size else 1.0
            penalty = (big + 1.0) * (1.0 + float(wa.sum()) / float(wa.min())) if wa.size else 1.0
        with_penalty = append_penalty_column(sub, penalty)
        fixed_d = np.append(fixed_mask, True)
        keep_free = (m - fixed_idx.size) - p + 1 if exact_p else m + 1
        reduced = cut_rows(with_penalty, fixed_d, keep_free)
        return _PMedianModel(
            m=m,
            p=p,
            exact_p=exact_p,
            w=wa,
            fixed_mask=fixed_mask,
            fixed_with_penalty=fixed_d,
            keep_free=keep_free,
            sub=sub,
            with_penalty=reduced if unreachable_cost is not None else with_penalty,
            reduced=reduced,
            integral=integral,
            unreachable_cost=unreachable_cost,
        )


def _check_unreachable_cost(unreachable_cost: object, problems: list[Problem]) -> None:
    if unreachable_cost is not None and not (
        isinstance(unreachable_cost, numbers.Real)
        and math.isfinite(unreachable_cost)
        and float(unreachable_cost) >= 0
    ):
        problems.append(
            Problem(
                f"unreachable_cost must be a finite number >= 0 or None, got {unreachable_cost!r}",
                column="unreachable_cost",
            )
        )


def _require_reachable(pairs: CostPairs, w: NDArray[np.float64]) -> None:
    lost = np.flatnonzero((w > 0) & (np.diff(pairs.indptr) == 0))
    if lost.size:
        raise InfeasibleError(
            f"{lost.size} demand row(s) of positive weight reach no candidate "
            f"(rows {head(lost)}); pass unreachable_cost=... to charge them a penalty, "
            "or drop them"
        )


def _solve_milp(
    model: _PMedianModel,
    oc: NDArray[np.float64] | None,
    budget: float | None,
    deadline: float | None,
    seed: int,
) -> tuple[NDArray[np.bool_], float, str, str]:
    """Exact MILP; the heuristic's solution when HiGHS has no incumbent in time."""
    if model.unreachable_cost is None:
        red = cut_rows(model.sub, model.fixed_mask, model.keep_free)
        milp_fixed = model.fixed_mask
        oc_m = oc
    else:
        red, milp_fixed = model.reduced, model.fixed_with_penalty
        oc_m = None if oc is None else np.append(oc, 0.0)
    out = _milp(red, model.w, milp_fixed, model.p, model.exact_p, oc_m, budget, deadline)
    if out.status == "infeasible":
        raise InfeasibleError(
            f"no choice of {model.p} new site(s) serves every demand row of positive weight "
            "within reach; raise p, add candidates, or pass unreachable_cost=..."
        )
    if out.open_mask is not None:
        return out.open_mask[: model.m].copy(), out.bound, "milp", out.message
    hopen, _, hbound, _ = _heuristic(model, oc, budget, deadline, seed)
    return hopen, max(out.bound, hbound), "milp+heuristic", out.message


def _solve_heuristic(
    model: _PMedianModel,
    oc: NDArray[np.float64] | None,
    budget: float | None,
    deadline: float | None,
    seed: int,
    *,
    polish: bool,
) -> tuple[NDArray[np.bool_], float, str, str]:
    """The heuristic; with ``polish``, a MILP restricted by Lagrangian fixing on an open gap."""
    open_mask, hobj, bound, lam = _heuristic(model, oc, budget, deadline, seed)
    if not (polish and model.exact_p and not proven_min(hobj, bound, model.integral)):
        return open_mask, bound, "heuristic", ""
    done = _polish(model, lam, hobj, bound, deadline)
    if done is None:
        return open_mask, bound, "heuristic", ""
    better, bound, message = done
    if better is not None:
        open_mask = better[: model.m].copy()
    return open_mask, bound, "heuristic+milp", message


def _milp(
    pairs: CostPairs,
    w: NDArray[np.float64],
    fixed_mask: NDArray[np.bool_],
    p: int,
    exact_p: bool,
    oc: NDArray[np.float64] | None,
    budget: float | None,
    deadline: float | None,
    force: NDArray[np.bool_] | None = None,
    ban: NDArray[np.bool_] | None = None,
) -> MilpOutcome:
    """MILP: min sum w_i c_ij x_ij  s.t.  sum_j x_ij = 1,  x_ij <= y_j,  sum_free y_j = p.

    ``force`` columns get y_j = 1 and ``ban`` columns y_j = 0 (Lagrangian fixing).
    """
    n, m, nnz = pairs.n_rows, pairs.n_cols, pairs.indices.size
    nvar = nnz + m
    erow = np.repeat(np.arange(n, dtype=np.int64), np.diff(pairs.indptr))
    c = np.concatenate([w[erow] * pairs.data, np.zeros(m)])
    assign = sp.csr_array((np.ones(nnz), (erow, np.arange(nnz))), shape=(n, nvar))
    always = fixed_mask if force is None else (fixed_mask | force)
    link_e = np.flatnonzero(~always[pairs.indices])
    k = link_e.size
    link = sp.csr_array(
        (
            np.concatenate([np.ones(k), -np.ones(k)]),
            (
                np.concatenate([np.arange(k), np.arange(k)]),
                np.concatenate([link_e, nnz + pairs.indices[link_e]]),
            ),
        ),
        shape=(k, nvar),
    )
    free = np.flatnonzero(~fixed_mask)
    card = sp.csr_array(
        (np.ones(free.size), (np.zeros(free.size, dtype=np.int64), nnz + free)), shape=(1, nvar)
    )
    kn, kn_lo, kn_hi = knapsack_rows(nnz + free, nvar, None if oc is None else oc[free], budget)
    a = sp.vstack([assign, link, card, *kn], format="csr")
    lo = np.concatenate([np.ones(n), np.full(k, -np.inf), [p if exact_p else 0], kn_lo])
    hi = np.concatenate([np.ones(n), np.zeros(k), [p], kn_hi])
    lb = np.concatenate([np.zeros(nnz), always.astype(np.float64)])
    ub = np.ones(nvar)
    if ban is not None:
        ub[nnz:][ban] = 0.0
    integrality = np.concatenate([np.zeros(nnz, dtype=np.int64), np.ones(m, dtype=np.int64)])
    res = run_milp(c, LinearConstraint(a, lo, hi), integrality, lb, ub, remaining(deadline))
    return outcome(res, nnz, m, dual_bound(res, sign=1.0, default=0.0))


def _heuristic(
    model: _PMedianModel,
    oc: NDArray[np.float64] | None,
    budget: float | None,
    deadline: float | None,
    seed: int,
) -> tuple[NDArray[np.bool_], float, float, NDArray[np.float64]]:
    """Greedy, fast interchange, iterated local search; Lagrangian lower bound.

    Works on the reduced model with its always-open penalty column. Returns (open mask incl.
    the penalty column, objective, lower bound, multipliers).
    """
    pairs, w, fixed_mask, p = model.reduced, model.w, model.fixed_with_penalty, model.p
    m = pairs.n_cols
    ip, ix, dv = pairs.indptr, pairs.indices, pairs.data
    is_free = ~fixed_mask
    ocf = np.zeros(m) if oc is None else np.append(oc, np.zeros(m - oc.size))
    bud = np.inf if budget is None else float(budget)
    granularity = 1.0 if model.integral else 0.0

    open_mask = pm_greedy(ip, ix, dv, w, fixed_mask, is_free, p, ocf, bud, budget is None)
    best_mask, best = pm_local_search(ip, ix, dv, w, open_mask, is_free, ocf, bud, 1_000_000)
    lam0 = pm_initial_multipliers(ip, dv, w)
    lb, lam = pm_lagrangian_bound(
        ip, ix, dv, w, fixed_mask, p, budget is None, best, lam0, LAGRANGE_ITERATIONS, granularity
    )
    if proven_min(best, lb, model.integral):
        return best_mask, best, lb, lam
    best_mask, best = _iterated_local_search(
        model, best_mask, best, lb, ocf, bud, budget is not None, deadline, seed
    )
    if not proven_min(best, lb, model.integral):
        iters = LAGRANGE_ITERATIONS
        if deadline is not None and time.perf_counter() > deadline:
            iters = 50
        lb2, lam2 = pm_lagrangian_bound(
            ip, ix, dv, w, fixed_mask, p, budget is None, best, lam, iters, granularity
        )
        if lb2 > lb:
            lb, lam = lb2, lam2
    return best_mask, best, lb, lam


def _iterated_local_search(
    model: _PMedianModel,
    best_mask: NDArray[np.bool_],
    best: float,
    lb: float,
    ocf: NDArray[np.float64],
    bud: float,
    budgeted: bool,
    deadline: float | None,
    seed: int,
) -> tuple[NDArray[np.bool_], float]:
    """Perturb the incumbent with a few random swaps and re-optimise, until it stalls."""
    pairs, w = model.reduced, model.w
    ip, ix, dv = pairs.indptr, pairs.indices, pairs.data
    is_free = ~model.fixed_with_penalty
    rng = np.random.default_rng(seed)
    free_idx = np.flatnonzero(is_free)
    stall = 0
    cur_mask, cur = best_mask.copy(), best
    rounds = 0
    while stall < _ILS_STALL_ROUNDS:
        if deadline is not None and time.perf_counter() > deadline:
            break
        rounds += 1
        cand = cur_mask.copy()
        opened = free_idx[cand[free_idx]]
        closed = free_idx[~cand[free_idx]]
        if opened.size == 0 or closed.size == 0:
            break
        k = int(rng.integers(1, max(2, min(opened.size, closed.size, 1 + opened.size // 8)) + 1))
        k = min(k, opened.size, closed.size)
        out = rng.choice(opened, size=k, replace=False)
        inn = rng.choice(closed, size=k, replace=False)
        cand[out] = False
        cand[inn] = True
        if budgeted and ocf[cand & is_free].sum() > bud:
            stall += 1
            continue
        cand, obj = pm_local_search(ip, ix, dv, w, cand, is_free, ocf, bud, 1_000_000)
        if obj < cur - 1e-9 * max(1.0, abs(cur)):
            cur_mask, cur = cand, obj
            stall = 0
        else:
            stall += 1
            if obj <= cur:
                cur_mask, cur = cand, obj
        if cur < best - 1e-9 * max(1.0, abs(best)):
            best_mask, best = cur_mask.copy(), cur
            if proven_min(best, lb, model.integral):
                break
        if stall and stall % 100 == 0:
            cur_mask, cur = best_mask.copy(), best
    logger.debug("p-median ILS: %d rounds, best %.6g, lb %.6g", rounds, best, lb)
    return best_mask, best


def _polish(
    model: _PMedianModel,
    lam: NDArray[np.float64],
    ub: float,
    lb: float,
    deadline: float | None,
) -> tuple[NDArray[np.bool_] | None, float, str] | None:
    """Close the gap with a MILP restricted by Lagrangian fixing; None when too big.

    At the multipliers ``lam`` the Lagrangian bound with y_j forced to the other value is
    ``L - rho_[p] + rho_j`` (opening an unselected j) or ``L - rho_j + rho_[p+1]`` (closing a
    selected j); :func:`~scenarios.placement.lagrangian.fix_by_bound` fixes y_j when that
    exceeds the best value a strictly better solution can have. The restricted MILP then either
    finds a better solution or proves the incumbent optimal. It is built on ``model.sub`` (or
    the penalty model, with a penalty). Returns (better open mask or None, lower bound,
    message).
    """
    if deadline is not None and time.perf_counter() > deadline:
        return None
    red, w, fixed_mask, p = model.reduced, model.w, model.fixed_with_penalty, model.p
    base = model.sub if model.unreachable_cost is None else model.with_penalty
    m = red.n_cols
    erow = np.repeat(np.arange(red.n_rows, dtype=np.int64), np.diff(red.indptr))
    v = np.minimum(w[erow] * red.data - lam[erow], 0.0)
    rho = np.asarray(np.bincount(red.indices, weights=v, minlength=m), dtype=np.float64)
    free = np.flatnonzero(~fixed_mask)
    if p == 0 or p >= free.size:
        return None
    thr = ub - (1.0 if model.integral else 0.0) + 1e-7 * max(1.0, abs(ub))
    ban_f, force_f = fix_by_bound(rho[free], p, float(lam.sum() + rho[fixed_mask].sum()), thr)
    n_keep = int((~ban_f).sum())
    if n_keep < p or int(force_f.sum()) > p:
        return None, ub, "incumbent proven optimal by Lagrangian fixing"
    ban = np.zeros(m, dtype=np.bool_)
    ban[free[ban_f]] = True
    force = np.zeros(m, dtype=np.bool_)
    force[free[force_f]] = True
    mb = base.n_cols
    ban_b, force_b, fixed_b = ban[:mb], force[:mb], fixed_mask[:mb]
    restricted = cut_rows(drop_columns(base, ban_b), fixed_b | force_b, n_keep - p + 1)
    logger.debug(
        "p-median polish: %d of %d free columns kept, %d forced, %d pairs",
        n_keep,
        free.size,
        int(force_f.sum()),
        restricted.indices.size,
    )
    if restricted.indices.size > AUTO_MILP_MAX_NNZ:
        return None
    out = _milp(restricted, w, fixed_b, p, True, None, None, deadline, force_b, ban_b)
    if out.status == "infeasible":
        return None, ub, "incumbent proven optimal (no better solution after Lagrangian fixing)"
    better = None
    if out.open_mask is not None:
        dist, _ = first_open(
            restricted.indptr, restricted.indices, restricted.data, out.open_mask, np.inf
        )
        if float(np.dot(w, dist)) < ub:
            better = out.open_mask
    if out.status == "optimal":
        return better, min(ub, out.bound) if better is None else out.bound, ""
    return better, max(lb, min(ub, out.bound)), out.message
