"""Set cover (LSCP): the fewest new sites so that a share of the demand is within a radius.

Exact MILP (HiGHS) for models of at most :data:`~scenarios.placement.milp.AUTO_MILP_MAX_NNZ`
pairs with ``method="auto"``; above that a greedy cover with redundant sites dropped, bounded
by the LP relaxation.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import LinearConstraint, linprog

from geodata.errors import InfeasibleError, Problem
from scenarios.placement.greedy import mc_greedy
from scenarios.placement.inputs import (
    Method,
    check_radius,
    check_solver_options,
    head,
    is_real,
    read_arrays,
)
from scenarios.placement.milp import (
    MilpOutcome,
    choose_method,
    dual_bound,
    outcome,
    remaining,
    run_milp,
)
from scenarios.placement.pairs import CoverSets, nearest_open
from scenarios.placement.results import PlacementResult, make_result

__all__ = ["set_cover"]


def set_cover(
    cost: ArrayLike | sp.sparray | sp.spmatrix,
    radius: float,
    *,
    fixed: ArrayLike = (),
    share: float = 1.0,
    weights: ArrayLike | None = None,
    time_limit_s: float | None = None,
    method: Method = "auto",
) -> PlacementResult:
    """Open the fewest new sites so that ``share`` of the demand is within ``radius`` (LSCP).

    Parameters
    ----------
    cost
        Travel costs, demand rows x candidate columns (see
        :func:`~scenarios.placement.p_median`).
    radius
        Coverage threshold, in the unit of ``cost``.
    fixed
        Candidate columns already open; their coverage counts, they are not counted.
    share
        Share of the total demand weight that must be covered, in ``(0, 1]``. With ``1.0``
        every row of positive weight must be covered.
    weights
        Demand of each row (default: 1 per row).
    time_limit_s, method
        As in :func:`~scenarios.placement.p_median`.

    Returns
    -------
    PlacementResult
        ``objective`` is the number of new sites; ``bound`` a lower bound on it.

    Raises
    ------
    SchemaError
        Bad shapes, NaN or negative costs, negative weights, bad ``radius``, ``share``, ``fixed``.
    InfeasibleError
        Even every candidate open cannot cover the required share; the message says how many
        demand rows no candidate can cover.

    Examples
    --------
    Three villages on a line, a candidate at each: within 5 minutes the middle one covers
    all three; a village 9 minutes from every site cannot be covered at all:

    >>> import numpy as np
    >>> cost = np.array([[0.0, 5.0, 9.0], [4.0, 0.0, 6.0], [9.0, 5.0, 0.0]])
    >>> set_cover(cost, 5.0).selected
    (1,)
    >>> set_cover(cost, 4.0).objective
    2.0
    >>> cost = np.array([[1.0, 9.0, 2.0], [9.0, 1.0, 2.0], [9.0, 9.0, 9.0]])
    >>> set_cover(cost[:2], 2.0).selected
    (2,)
    """
    t0 = time.perf_counter()
    problems: list[Problem] = []
    read = read_arrays(cost, weights, fixed, problems, weights_required=False)
    check_radius(radius, problems)
    check_solver_options(time_limit_s, method, problems)
    if not (is_real(share) and 0.0 < float(share) <= 1.0):
        problems.append(Problem(f"share must be in (0, 1], got {share!r}", column="share"))
    arrays = read.checked(problems, "set_cover")
    pairs, w, fixed_idx = arrays.pairs, arrays.w, arrays.fixed

    cov = CoverSets.build(pairs, w, fixed_idx, float(radius))
    total = float(w.sum())
    full = float(share) >= 1.0
    need = 0.0 if full else float(share) * total - cov.base - 1e-9 * total
    missing = cov.uncoverable_rows
    if (full and missing.size) or (not full and need > cov.coverable + 1e-9 * total):
        raise InfeasibleError(
            f"{missing.size} demand row(s) of positive weight cannot be covered by any "
            f"candidate within radius {radius} (rows {head(missing)}); even with every "
            f"candidate open only {(cov.base + cov.coverable) / max(total, 1e-300):.4%} of "
            f"the demand is covered, {float(share):.4%} is required"
        )
    deadline = None if time_limit_s is None else t0 + float(time_limit_s)
    message = ""
    if cov.n_rows == 0 or (not full and need <= 0):
        picks = np.zeros(0, dtype=np.int64)
        lb, used = 0.0, "heuristic" if method != "milp" else "milp"
    elif choose_method(method, cov.nnz) == "milp":
        out = _milp(cov, full, need, deadline)
        message = out.message
        if out.open_mask is not None:
            picks, lb, used = np.flatnonzero(out.open_mask), out.bound, "milp"
        else:
            picks, hlb = _heuristic(cov, full, need, deadline)
            lb, used = max(out.bound, hlb), "milp+heuristic"
    else:
        picks, lb = _heuristic(cov, full, need, deadline)
        used = "heuristic"
    open_mask = np.zeros(pairs.n_cols, dtype=np.bool_)
    open_mask[fixed_idx] = True
    open_mask[cov.free_cols[picks]] = True
    _, site = nearest_open(pairs, open_mask, float(radius))
    objective = float(picks.size)
    bound = min(float(math.ceil(lb - 1e-6)), objective)
    return make_result("set_cover", open_mask, fixed_idx, objective, bound, site, used, t0, message)


def _milp(cov: CoverSets, full: bool, need: float, deadline: float | None) -> MilpOutcome:
    """MILP: min sum y_j  s.t.  sum_{j covers i} y_j >= 1 (share 1) or the share constraint."""
    n, m = cov.n_rows, cov.n_free
    erow = np.repeat(np.arange(n, dtype=np.int64), np.diff(cov.row_ptr))
    if full:
        a = sp.csr_array((np.ones(erow.size), (erow, cov.row_cols)), shape=(n, m))
        lo, hi = np.ones(n), np.full(n, np.inf)
        c = np.ones(m)
        integrality = np.ones(m, dtype=np.int64)
        nvar = m
    else:
        nvar = m + n
        share_row = sp.csr_array(
            (cov.w, (np.zeros(n, dtype=np.int64), m + np.arange(n))), shape=(1, nvar)
        )
        a = sp.vstack([_share_links(cov, erow), share_row], format="csr")
        lo = np.concatenate([np.full(n, -np.inf), [need]])
        hi = np.concatenate([np.zeros(n), [np.inf]])
        c = np.concatenate([np.ones(m), np.zeros(n)])
        integrality = np.concatenate([np.ones(m, dtype=np.int64), np.zeros(n, dtype=np.int64)])
    lb, ub = np.zeros(nvar), np.ones(nvar)
    res = run_milp(c, LinearConstraint(a, lo, hi), integrality, lb, ub, remaining(deadline))
    return outcome(res, 0, m, dual_bound(res, sign=1.0, default=0.0))


def _heuristic(
    cov: CoverSets, full: bool, need: float, deadline: float | None
) -> tuple[NDArray[np.int64], float]:
    """Greedy cover then drop redundant sites; LP relaxation (HiGHS) as the lower bound."""
    m = cov.n_free
    w_eff = np.ones(cov.n_rows) if full else cov.w
    target = float(cov.n_rows) if full else need
    picks, gains = mc_greedy(
        cov.col_ptr, cov.col_rows, cov.row_ptr, cov.row_cols, w_eff, m, np.zeros(m), np.inf, True
    )
    k = int(np.searchsorted(np.cumsum(gains), target - 1e-9 * max(1.0, target))) + 1
    chosen = list(picks[: min(k, picks.size)])
    # Drop sites whose removal keeps the requirement, last added first.
    cnt = np.zeros(cov.n_rows, dtype=np.int64)
    for j in chosen:
        cnt[cov.col_rows[cov.col_ptr[j] : cov.col_ptr[j + 1]]] += 1
    covered_w = float(w_eff[cnt > 0].sum())
    for j in reversed(list(chosen)):
        rows = cov.col_rows[cov.col_ptr[j] : cov.col_ptr[j + 1]]
        lost = float(w_eff[rows[cnt[rows] == 1]].sum())
        if covered_w - lost >= target - 1e-9 * max(1.0, target):
            cnt[rows] -= 1
            covered_w -= lost
            chosen.remove(j)
    lb = _lp_bound(cov, full, need, deadline)
    return np.sort(np.asarray(chosen, dtype=np.int64)), lb


def _lp_bound(cov: CoverSets, full: bool, need: float, deadline: float | None) -> float:
    """The LP relaxation's value (a lower bound on the sites needed); 1 when it fails."""
    n, m = cov.n_rows, cov.n_free
    erow = np.repeat(np.arange(n, dtype=np.int64), np.diff(cov.row_ptr))
    options: dict[str, Any] = {}
    left = remaining(deadline)
    if left is not None:
        options["time_limit"] = left
    if full:
        a = sp.csr_array((-np.ones(erow.size), (erow, cov.row_cols)), shape=(n, m))
        res = linprog(
            np.ones(m), A_ub=a, b_ub=-np.ones(n), bounds=(0, 1), method="highs", options=options
        )
    else:
        share_row = sp.csr_array(
            (-cov.w, (np.zeros(n, dtype=np.int64), m + np.arange(n))), shape=(1, m + n)
        )
        a = sp.vstack([_share_links(cov, erow), share_row], format="csr")
        b = np.concatenate([np.zeros(n), [-need]])
        res = linprog(
            np.concatenate([np.ones(m), np.zeros(n)]),
            A_ub=a,
            b_ub=b,
            bounds=(0, 1),
            method="highs",
            options=options,
        )
    if res.status == 0:
        return float(res.fun)
    return 1.0


def _share_links(cov: CoverSets, erow: NDArray[np.int64]) -> sp.csr_array:
    """Rows ``z_i - sum_{j covers i} y_j <= 0`` over the variables (y, z)."""
    n, m = cov.n_rows, cov.n_free
    return sp.csr_array(
        (
            np.concatenate([-np.ones(erow.size), np.ones(n)]),
            (
                np.concatenate([erow, np.arange(n)]),
                np.concatenate([cov.row_cols, m + np.arange(n)]),
            ),
        ),
        shape=(n, m + n),
    )
