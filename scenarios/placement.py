"""Centre placement: p-median, maximal covering (MCLP) and set covering (LSCP).

Every model works on plain arrays so it is testable without geometry:

* ``cost`` -- travel costs, demand rows x candidate columns, as a dense numpy array or a
  ``scipy.sparse`` matrix. In a dense array ``inf`` means unreachable; in a sparse matrix an entry
  that is **not stored** means unreachable, while an explicitly stored ``0`` is a real cost of 0
  (a demand point sitting on a site). Reachability comes from the sparsity structure, never from
  the stored value.
* ``weights`` -- demand per row (people, households), ``>= 0``.
* ``fixed`` -- candidate columns that are already open (existing centres). They stay open and do
  not count toward ``p``.

Two solvers back every model:

* ``"milp"`` -- an exact mixed-integer programme solved by HiGHS through
  :func:`scipy.optimize.milp`; on a time limit its incumbent is returned with HiGHS' dual bound.
* ``"heuristic"`` -- greedy construction plus swap local search (fast interchange for the
  p-median, incremental swap search for the MCLP), with a Lagrangian bound so the gap to the
  optimum is always reported.

``method="auto"``: for the p-median and the MCLP, the heuristic first and, while its gap is
open, a MILP restricted by Lagrangian variable fixing (when it has at most
:data:`AUTO_MILP_MAX_NNZ` pairs); for set cover, the MILP when the model has at most that many
pairs, else the heuristic. See ``docs/placement.md`` for
the formulations, the heuristics, the bounds and the assumptions.

Examples
--------
>>> import numpy as np
>>> cost = np.array([[0.0, 5.0, 9.0], [4.0, 0.0, 6.0], [9.0, 5.0, 0.0]])
>>> res = p_median(cost, np.ones(3), 1)
>>> res.selected, res.objective, res.proven_optimal
((1,), 10.0, True)
>>> max_coverage(cost, np.ones(3), 4.0, 1).objective
2.0
>>> set_cover(cost, 5.0).selected
(1,)
"""

from __future__ import annotations

import logging
import math
import numbers
import time
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from numba import njit
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from geodata.errors import InfeasibleError, Problem, SchemaError

__all__ = [
    "AUTO_MILP_MAX_NNZ",
    "CoverageCurve",
    "PlacementResult",
    "capacitated_max_coverage",
    "coverage_curve",
    "max_coverage",
    "p_median",
    "set_cover",
]

logger = logging.getLogger(__name__)

#: ``method="auto"`` solves the MILP when the model has at most this many reachable
#: (demand, candidate) pairs after the reductions, and the heuristic above it.
AUTO_MILP_MAX_NNZ = 120_000

#: Relative tolerance under which a bound and an objective are taken as equal.
OPTIMALITY_TOL = 1e-6

Method = Literal["auto", "milp", "heuristic"]
_METHODS = ("auto", "milp", "heuristic")

# Work limits of the heuristic when no time limit is given (a deterministic stop).
_ILS_STALL_ROUNDS = 300
_MC_STALL_ROUNDS = 500
_LAGRANGE_ITERATIONS = 600


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class PlacementResult:
    """Sites chosen by one placement model and how good the choice is proven to be.

    Parameters
    ----------
    model
        ``"p_median"``, ``"max_coverage"`` or ``"set_cover"``.
    selected
        New candidate columns chosen (ascending), not including ``fixed``.
    open_sites
        ``fixed`` plus ``selected`` (ascending).
    objective
        p-median: total weighted cost (plus penalties of unserved rows); MCLP: demand weight
        covered (including by fixed sites); set cover: number of new sites.
    bound
        A valid bound on the optimum: a lower bound for p-median and set cover, an upper bound
        for the MCLP.
    gap
        ``|objective - bound| / max(|objective|, 1e-12)`` (0 when proven optimal).
    proven_optimal
        True only when ``bound`` equals ``objective`` within :data:`OPTIMALITY_TOL`.
    assignment
        Per demand row, the open site serving it (nearest reachable for the p-median, nearest
        covering for the covering models), -1 when none is reachable / covering. Read-only.
    method
        Solver used: ``"milp"``, ``"heuristic"`` or ``"milp+heuristic"`` (MILP without an
        incumbent in time, heuristic solution returned with the MILP's bound).
    runtime_s
        Wall-clock time of the call.
    message
        What stopped the solver (for example ``"time limit reached"``).
    """

    model: str
    selected: tuple[int, ...]
    open_sites: tuple[int, ...]
    objective: float
    bound: float
    gap: float
    proven_optimal: bool
    assignment: NDArray[np.int64]
    method: str
    runtime_s: float
    message: str = ""


@dataclass(frozen=True, eq=False)
class CoverageCurve:
    """Greedy coverage curve: the order sites enter and the demand each one adds.

    Parameters
    ----------
    sites
        Candidate columns in the order the greedy rule adds them.
    marginal_gain
        Demand weight newly covered by each site, in that order (non-increasing).
    covered
        Cumulative demand weight covered after each site (including ``fixed`` coverage).
    share
        ``covered / total_weight`` after each site.
    base_covered
        Demand weight covered by the ``fixed`` sites alone.
    total_weight
        Total demand weight.
    """

    sites: tuple[int, ...]
    marginal_gain: NDArray[np.float64]
    covered: NDArray[np.float64]
    share: NDArray[np.float64]
    base_covered: float
    total_weight: float


# --------------------------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------------------------


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
        Lagrangian fixing while the gap is open; see the module docstring).
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
    >>> import numpy as np
    >>> cost = np.array([[1.0, 4.0], [3.0, 1.0], [5.0, 1.0]])
    >>> res = p_median(cost, [1.0, 1.0, 1.0], 1)
    >>> res.selected, res.objective, res.assignment.tolist()
    ((1,), 6.0, [1, 1, 1])
    >>> p_median(cost, [1.0, 1.0, 1.0], 1, fixed=[0]).assignment.tolist()
    [0, 1, 1]
    """
    t0 = time.perf_counter()
    problems: list[Problem] = []
    pairs = _read_cost(cost, problems)
    n, m = (pairs.n_rows, pairs.n_cols) if pairs is not None else (0, 0)
    w = _read_weights(weights, n, problems, required=True)
    fixed_idx = _read_fixed(fixed, m, problems)
    _check_p(p, m, fixed_idx, problems)
    _check_options(time_limit_s, method, problems)
    oc = _read_budget(opening_cost, budget, m, problems)
    if unreachable_cost is not None and not (
        isinstance(unreachable_cost, numbers.Real)
        and math.isfinite(unreachable_cost)
        and unreachable_cost >= 0
    ):
        problems.append(
            Problem(
                f"unreachable_cost must be a finite number >= 0 or None, got {unreachable_cost!r}",
                column="unreachable_cost",
            )
        )
    if problems or pairs is None or w is None or fixed_idx is None:
        raise SchemaError(problems, source="p_median")

    row_nnz = np.diff(pairs.indptr)
    if unreachable_cost is None:
        lost = np.flatnonzero((w > 0) & (row_nnz == 0))
        if lost.size:
            raise InfeasibleError(
                f"{lost.size} demand row(s) of positive weight reach no candidate "
                f"(rows {_head(lost)}); pass unreachable_cost=... to charge them a penalty, "
                "or drop them"
            )
    fixed_mask = np.zeros(m, dtype=np.bool_)
    fixed_mask[fixed_idx] = True
    exact_p = budget is None
    active = np.flatnonzero(w > 0)
    sub = _take_rows(pairs, active)
    wa = w[active]
    integral = (
        _is_integral(wa)
        and _is_integral(sub.data)
        and (unreachable_cost is None or float(unreachable_cost).is_integer())
    )

    # Penalty column for rows left unserved: always open, "fixed" (index m).
    if unreachable_cost is not None:
        penalty = float(unreachable_cost)
    else:
        big = float(sub.data.max()) if sub.data.size else 1.0
        penalty = (big + 1.0) * (1.0 + float(wa.sum()) / float(wa.min())) if wa.size else 1.0
    with_dummy = _append_dummy(sub, penalty)
    fixed_d = np.append(fixed_mask, True)
    keep_free = (m - fixed_idx.size) - int(p) + 1 if exact_p else m + 1
    red_dummy = _reduce_pm(with_dummy, fixed_d, keep_free)
    if unreachable_cost is not None:
        with_dummy = red_dummy

    deadline = None if time_limit_s is None else t0 + float(time_limit_s)
    message = ""
    if method == "milp":
        if unreachable_cost is None:
            red = _reduce_pm(sub, fixed_mask, keep_free)
            milp_fixed = fixed_mask
        else:
            red, milp_fixed = red_dummy, fixed_d
        oc_m = None if oc is None else (oc if unreachable_cost is None else np.append(oc, 0.0))
        out = _pm_milp(red, wa, milp_fixed, int(p), exact_p, oc_m, budget, deadline)
        if out.status == "infeasible":
            raise InfeasibleError(
                f"no choice of {p} new site(s) serves every demand row of positive weight "
                "within reach; raise p, add candidates, or pass unreachable_cost=..."
            )
        message = out.message
        if out.open_mask is not None:
            open_mask = out.open_mask[:m].copy()
            bound = out.bound
            used = "milp"
        else:
            hopen, _, hbound, _ = _pm_heuristic(
                red_dummy, wa, fixed_d, int(p), oc, budget, deadline, seed, integral
            )
            open_mask = hopen[:m]
            bound = max(out.bound, hbound)
            used = "milp+heuristic"
    else:
        hopen, hobj, bound, lam = _pm_heuristic(
            red_dummy, wa, fixed_d, int(p), oc, budget, deadline, seed, integral
        )
        open_mask = hopen[:m]
        used = "heuristic"
        if method == "auto" and exact_p and not _proven(hobj, bound, integral):
            base = sub if unreachable_cost is None else with_dummy
            polish = _pm_polish(
                red_dummy, base, wa, fixed_d, int(p), lam, hobj, bound, integral, deadline
            )
            if polish is not None:
                better, bound, message = polish
                used = "heuristic+milp"
                if better is not None:
                    open_mask = better[:m].copy()

    dist, site = _nearest_open(pairs, open_mask, np.inf)
    served = site >= 0
    if unreachable_cost is None and np.any(~served & (w > 0)):
        bad = np.flatnonzero(~served & (w > 0))
        raise InfeasibleError(
            f"the heuristic found no choice of {p} new site(s) serving all rows: {bad.size} "
            f"row(s) of positive weight stay unserved (rows {_head(bad)}); try method='milp' "
            "to prove infeasibility, raise p, or pass unreachable_cost=..."
        )
    unit = np.where(served, dist, 0.0 if unreachable_cost is None else float(unreachable_cost))
    objective = float(np.dot(w, unit))
    if integral:
        bound = math.ceil(bound - 1e-9 * max(1.0, abs(bound)))
    bound = min(float(bound), objective)
    return _result("p_median", open_mask, fixed_idx, objective, bound, site, used, t0, message)


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
        Travel costs, demand rows x candidate columns (see :func:`p_median`).
    weights
        Demand of each row, ``>= 0``.
    radius
        Coverage threshold, in the unit of ``cost``.
    p
        Number of new sites (exactly ``p``; at most ``p`` when ``budget`` is given).
    fixed
        Candidate columns already open; their coverage counts, they do not count in ``p``.
    time_limit_s, method, seed, opening_cost, budget
        As in :func:`p_median`.

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
    >>> import numpy as np
    >>> cost = np.array([[1.0, 9.0], [2.0, 9.0], [9.0, 1.0]])
    >>> res = max_coverage(cost, [1.0, 1.0, 5.0], 3.0, 1)
    >>> res.selected, res.objective, res.assignment.tolist()
    ((1,), 5.0, [-1, -1, 1])
    """
    t0 = time.perf_counter()
    problems: list[Problem] = []
    pairs = _read_cost(cost, problems)
    n, m = (pairs.n_rows, pairs.n_cols) if pairs is not None else (0, 0)
    w = _read_weights(weights, n, problems, required=True)
    fixed_idx = _read_fixed(fixed, m, problems)
    _check_radius(radius, problems)
    _check_p(p, m, fixed_idx, problems)
    _check_options(time_limit_s, method, problems)
    oc = _read_budget(opening_cost, budget, m, problems)
    if problems or pairs is None or w is None or fixed_idx is None:
        raise SchemaError(problems, source="max_coverage")

    cov = _Coverage.build(pairs, w, fixed_idx, float(radius))
    oc_free = None if oc is None else oc[cov.free_cols]
    deadline = None if time_limit_s is None else t0 + float(time_limit_s)
    message = ""
    if cov.n_rows == 0 or int(p) == 0:
        picks_free = np.zeros(0, dtype=np.int64)
        if int(p) > 0:
            picks_free = _fill_p(np.zeros(cov.n_free, dtype=np.bool_), int(p), oc_free, budget)
        ub_red, used = 0.0, "heuristic" if method != "milp" else "milp"
    else:
        chosen = _choose(method, cov.nnz)
        if method == "milp" or (chosen == "milp" and budget is not None):
            out = _mc_milp(cov, int(p), budget is None, oc_free, budget, deadline)
            message = out.message
            if out.open_mask is not None:
                picks_free = np.flatnonzero(out.open_mask)
                ub_red, used = out.bound, "milp"
            else:
                picks_free, _, hub, _ = _mc_heuristic(cov, int(p), oc_free, budget, deadline, seed)
                ub_red, used = min(out.bound, hub), "milp+heuristic"
        else:
            picks_free, hobj, ub_red, lam = _mc_heuristic(
                cov, int(p), oc_free, budget, deadline, seed
            )
            used = "heuristic"
            integral_w = _is_integral(cov.w)
            if method == "auto" and budget is None and not _mc_proven(hobj, ub_red, integral_w):
                polish = _mc_polish(
                    cov, int(p), picks_free, lam, hobj, ub_red, integral_w, deadline
                )
                if polish is not None:
                    better, ub_red, message = polish
                    used = "heuristic+milp"
                    if better is not None:
                        picks_free = better
    open_mask = np.zeros(m, dtype=np.bool_)
    open_mask[fixed_idx] = True
    open_mask[cov.free_cols[picks_free]] = True
    _, site = _nearest_open(pairs, open_mask, float(radius))
    objective = float(w[site >= 0].sum())
    bound = cov.base + max(float(ub_red), 0.0)
    bound = max(min(bound, cov.base + cov.coverable), objective)
    if _is_integral(w):
        bound = max(math.floor(bound + 1e-9 * max(1.0, abs(bound))), objective)
    return _result("max_coverage", open_mask, fixed_idx, objective, bound, site, used, t0, message)


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
        Travel costs, demand rows x candidate columns (see :func:`p_median`).
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
        As in :func:`p_median`.

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
    >>> import numpy as np
    >>> cost = np.array([[1.0, 9.0, 2.0], [9.0, 1.0, 2.0], [9.0, 9.0, 9.0]])
    >>> set_cover(cost[:2], 2.0).selected
    (2,)
    """
    t0 = time.perf_counter()
    problems: list[Problem] = []
    pairs = _read_cost(cost, problems)
    n, m = (pairs.n_rows, pairs.n_cols) if pairs is not None else (0, 0)
    w = _read_weights(weights, n, problems, required=False)
    fixed_idx = _read_fixed(fixed, m, problems)
    _check_radius(radius, problems)
    _check_options(time_limit_s, method, problems)
    if not (_is_real(share) and 0.0 < float(share) <= 1.0):
        problems.append(Problem(f"share must be in (0, 1], got {share!r}", column="share"))
    if problems or pairs is None or w is None or fixed_idx is None:
        raise SchemaError(problems, source="set_cover")

    cov = _Coverage.build(pairs, w, fixed_idx, float(radius))
    total = float(w.sum())
    full = float(share) >= 1.0
    if full:
        need = 0.0
        missing = cov.uncoverable_rows
    else:
        need = float(share) * total - cov.base - 1e-9 * total
        missing = cov.uncoverable_rows
    if (full and missing.size) or (not full and need > cov.coverable + 1e-9 * total):
        raise InfeasibleError(
            f"{missing.size} demand row(s) of positive weight cannot be covered by any "
            f"candidate within radius {radius} (rows {_head(missing)}); even with every "
            f"candidate open only {(cov.base + cov.coverable) / max(total, 1e-300):.4%} of "
            f"the demand is covered, {float(share):.4%} is required"
        )
    deadline = None if time_limit_s is None else t0 + float(time_limit_s)
    message = ""
    if cov.n_rows == 0 or (not full and need <= 0):
        picks = np.zeros(0, dtype=np.int64)
        lb, used = 0.0, "heuristic" if method != "milp" else "milp"
    else:
        chosen = _choose(method, cov.nnz)
        if chosen == "milp":
            out = _sc_milp(cov, full, need, deadline)
            message = out.message
            if out.open_mask is not None:
                picks, lb, used = np.flatnonzero(out.open_mask), out.bound, "milp"
            else:
                picks, hlb = _sc_heuristic(cov, full, need, deadline)
                lb, used = max(out.bound, hlb), "milp+heuristic"
        else:
            picks, lb = _sc_heuristic(cov, full, need, deadline)
            used = "heuristic"
    open_mask = np.zeros(m, dtype=np.bool_)
    open_mask[fixed_idx] = True
    open_mask[cov.free_cols[picks]] = True
    _, site = _nearest_open(pairs, open_mask, float(radius))
    objective = float(picks.size)
    bound = min(float(math.ceil(lb - 1e-6)), objective)
    return _result("set_cover", open_mask, fixed_idx, objective, bound, site, used, t0, message)


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
        Travel costs, demand rows x candidate columns (see :func:`p_median`).
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
    pairs = _read_cost(cost, problems)
    n, m = (pairs.n_rows, pairs.n_cols) if pairs is not None else (0, 0)
    w = _read_weights(weights, n, problems, required=True)
    fixed_idx = _read_fixed(fixed, m, problems)
    _check_radius(radius, problems)
    if not (_is_int(k_max) and int(k_max) >= 0):
        problems.append(Problem(f"k_max must be an integer >= 0, got {k_max!r}", column="k_max"))
    if problems or pairs is None or w is None or fixed_idx is None:
        raise SchemaError(problems, source="coverage_curve")
    cov = _Coverage.build(pairs, w, fixed_idx, float(radius))
    k = min(int(k_max), cov.n_free)
    if cov.n_rows and k:
        picks, gains = _mc_greedy(
            cov.col_ptr,
            cov.col_rows,
            cov.row_ptr,
            cov.row_cols,
            cov.w,
            np.zeros(cov.n_free, dtype=np.bool_),
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
        marginal_gain=_frozen(gains.astype(np.float64)),
        covered=_frozen(covered.astype(np.float64)),
        share=_frozen(share.astype(np.float64)),
        base_covered=float(cov.base),
        total_weight=total,
    )


# --------------------------------------------------------------------------------------------
# Input reading and validation
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Pairs:
    """Reachable (row, column) pairs, CSR, each row sorted by (cost, column)."""

    n_rows: int
    n_cols: int
    indptr: NDArray[np.int64]
    indices: NDArray[np.int64]
    data: NDArray[np.float64]


def _read_cost(cost: Any, problems: list[Problem]) -> _Pairs | None:
    if sp.issparse(cost):
        if len(cost.shape) != 2:
            problems.append(Problem("cost must be 2-D (demand rows x candidates)", column="cost"))
            return None
        canonical = cost.format == "csr" and bool(cost.has_canonical_format)
        coo = sp.coo_array(cost)
        n, m = (int(s) for s in coo.shape)
        rows = np.asarray(coo.row, dtype=np.int64)
        cols = np.asarray(coo.col, dtype=np.int64)
        try:
            vals = np.asarray(coo.data, dtype=np.float64)
        except (TypeError, ValueError):
            problems.append(Problem("cost entries must be numbers", column="cost"))
            return None
        if not canonical:  # bring to row-major, column-sorted order and look for duplicates
            order = np.lexsort((cols, rows))
            rows, cols, vals = rows[order], cols[order], vals[order]
            if rows.size > 1 and np.any((rows[1:] == rows[:-1]) & (cols[1:] == cols[:-1])):
                problems.append(
                    Problem(
                        "sparse cost stores the same (row, column) more than once; "
                        "call .sum_duplicates() or keep one entry",
                        column="cost",
                    )
                )
    else:
        try:
            arr = np.asarray(cost, dtype=np.float64)
        except (TypeError, ValueError):
            problems.append(
                Problem("cost must be a numeric array or scipy.sparse matrix", column="cost")
            )
            return None
        if arr.ndim != 2:
            problems.append(
                Problem(
                    f"cost must be 2-D (demand rows x candidates), got shape {arr.shape}",
                    column="cost",
                )
            )
            return None
        n, m = arr.shape
        rows, cols = np.nonzero(~np.isposinf(arr))  # row-major, columns ascending
        rows = rows.astype(np.int64)
        cols = cols.astype(np.int64)
        vals = arr[rows, cols]
    if n == 0 or m == 0:
        problems.append(
            Problem(
                f"cost has shape ({n}, {m}); it needs at least one demand row and one candidate",
                column="cost",
            )
        )
        return None
    bad = np.isnan(vals)
    if bad.any():
        problems.append(
            Problem(
                f"{int(bad.sum())} NaN cost(s), first at (row {rows[bad][0]}, column "
                f"{cols[bad][0]}); use inf (dense) or leave the entry out (sparse) for "
                "unreachable pairs",
                column="cost",
            )
        )
    neg = vals < 0
    if neg.any():
        problems.append(
            Problem(
                f"{int(neg.sum())} negative cost(s), first at (row {rows[neg][0]}, column "
                f"{cols[neg][0]}); travel costs are >= 0",
                column="cost",
            )
        )
    if bad.any() or neg.any():
        return None
    keep = np.isfinite(vals)
    if not keep.all():
        rows, cols, vals = rows[keep], cols[keep], vals[keep]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    cols, vals = _sort_rows(indptr, cols, vals)
    return _Pairs(int(n), int(m), indptr, cols, vals)


@njit(cache=True)
def _sort_rows(indptr, cols, vals):  # type: ignore[no-untyped-def]
    """Sort each row segment by cost; ties keep the (ascending) column order."""
    out_c = np.empty_like(cols)
    out_v = np.empty_like(vals)
    for i in range(indptr.size - 1):
        a, b = indptr[i], indptr[i + 1]
        order = np.argsort(vals[a:b], kind="mergesort")
        for t in range(b - a):
            out_c[a + t] = cols[a + order[t]]
            out_v[a + t] = vals[a + order[t]]
    return out_c, out_v


def _read_weights(
    weights: Any, n: int, problems: list[Problem], *, required: bool
) -> NDArray[np.float64] | None:
    if weights is None and not required:
        return np.ones(n)
    try:
        w = np.asarray(weights, dtype=np.float64)
    except (TypeError, ValueError):
        problems.append(Problem("weights must be numbers", column="weights"))
        return None
    if w.ndim != 1 or (n and w.size != n):
        problems.append(
            Problem(
                f"weights must be 1-D with one value per demand row ({n}), got shape {w.shape}",
                column="weights",
            )
        )
        return None
    bad = ~np.isfinite(w)
    if bad.any():
        problems.append(
            Problem(
                f"{int(bad.sum())} weight(s) are NaN or infinite, first at row "
                f"{int(np.flatnonzero(bad)[0])}",
                column="weights",
            )
        )
    neg = w < 0
    if neg.any():
        problems.append(
            Problem(
                f"{int(neg.sum())} negative weight(s), first at row "
                f"{int(np.flatnonzero(neg)[0])}; demand is >= 0",
                column="weights",
            )
        )
    return None if bad.any() or neg.any() else w


def _read_fixed(fixed: Any, m: int, problems: list[Problem]) -> NDArray[np.int64] | None:
    arr = np.asarray(fixed if fixed is not None else (), dtype=object).ravel()
    if arr.size and not all(_is_int(v) for v in arr):
        problems.append(Problem("fixed must hold integer candidate column indices", column="fixed"))
        return None
    idx = arr.astype(np.int64)
    out = (idx < 0) | (idx >= m)
    if out.any():
        problems.append(
            Problem(
                f"fixed holds column(s) {idx[out][:10].tolist()} outside 0..{m - 1}", column="fixed"
            )
        )
        return None
    if np.unique(idx).size != idx.size:
        problems.append(Problem("fixed lists a column more than once", column="fixed"))
        return None
    return np.sort(idx)


def _check_p(p: Any, m: int, fixed_idx: NDArray[np.int64] | None, problems: list[Problem]) -> None:
    if not _is_int(p) or p < 0:
        problems.append(Problem(f"p must be an integer >= 0, got {p!r}", column="p"))
        return
    n_free = m - (0 if fixed_idx is None else fixed_idx.size)
    if m and p > n_free:
        problems.append(
            Problem(
                f"p={p} is larger than the {n_free} candidate(s) that are not "
                "fixed; lower p or add candidates",
                column="p",
            )
        )


def _check_radius(radius: Any, problems: list[Problem]) -> None:
    if not _is_real(radius) or radius < 0:
        problems.append(Problem(f"radius must be a number >= 0, got {radius!r}", column="radius"))


def _check_options(time_limit_s: Any, method: Any, problems: list[Problem]) -> None:
    if time_limit_s is not None and not (_is_real(time_limit_s) and time_limit_s > 0):
        problems.append(
            Problem(
                f"time_limit_s must be > 0 or None, got {time_limit_s!r}", column="time_limit_s"
            )
        )
    if method not in _METHODS:
        problems.append(
            Problem(f"method must be one of {_METHODS}, got {method!r}", column="method")
        )


def _read_budget(
    opening_cost: Any, budget: Any, m: int, problems: list[Problem]
) -> NDArray[np.float64] | None:
    if opening_cost is None and budget is None:
        return None
    if opening_cost is None or budget is None:
        problems.append(
            Problem("opening_cost and budget go together: pass both or neither", column="budget")
        )
        return None
    if not (_is_real(budget) and math.isfinite(budget) and budget >= 0):
        problems.append(
            Problem(f"budget must be a finite number >= 0, got {budget!r}", column="budget")
        )
    try:
        oc = np.asarray(opening_cost, dtype=np.float64)
    except (TypeError, ValueError):
        problems.append(Problem("opening_cost must be numbers", column="opening_cost"))
        return None
    if oc.shape != (m,):
        problems.append(
            Problem(
                f"opening_cost must have one value per candidate ({m}), got shape {oc.shape}",
                column="opening_cost",
            )
        )
        return None
    if not np.all(np.isfinite(oc)) or np.any(oc < 0):
        problems.append(Problem("opening_cost must be finite and >= 0", column="opening_cost"))
        return None
    return oc


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def _proven(objective: float, bound: float, integral: bool) -> bool:
    if integral:
        bound = math.ceil(bound - 1e-9 * max(1.0, abs(bound)))
    return objective - bound <= OPTIMALITY_TOL * max(abs(objective), 1e-12)


def _is_int(x: Any) -> bool:
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def _is_real(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool) and not math.isnan(float(x))


def _head(idx: NDArray[np.int64], k: int = 10) -> str:
    s = ", ".join(str(int(i)) for i in idx[:k])
    return s + (", ..." if idx.size > k else "")


def _is_integral(a: NDArray[np.float64]) -> bool:
    return bool(np.all(a == np.round(a))) and bool(np.all(np.abs(a) < 2**50))


def _frozen(a: NDArray[Any]) -> NDArray[Any]:
    a = np.ascontiguousarray(a)
    a.flags.writeable = False
    return a


def _choose(method: str, nnz: int) -> str:
    if method == "auto":
        return "milp" if nnz <= AUTO_MILP_MAX_NNZ else "heuristic"
    return method


def _result(
    model: str,
    open_mask: NDArray[np.bool_],
    fixed_idx: NDArray[np.int64],
    objective: float,
    bound: float,
    site: NDArray[np.int64],
    method: str,
    t0: float,
    message: str,
) -> PlacementResult:
    open_sites = np.flatnonzero(open_mask)
    selected = np.setdiff1d(open_sites, fixed_idx)
    gap = abs(objective - bound) / max(abs(objective), 1e-12)
    proven = gap <= OPTIMALITY_TOL
    if proven:
        gap = 0.0
    return PlacementResult(
        model=model,
        selected=tuple(int(j) for j in selected),
        open_sites=tuple(int(j) for j in open_sites),
        objective=float(objective),
        bound=float(bound),
        gap=float(gap),
        proven_optimal=bool(proven),
        assignment=_frozen(site.astype(np.int64)),
        method=method,
        runtime_s=time.perf_counter() - t0,
        message=message,
    )


def _remaining(deadline: float | None) -> float | None:
    return None if deadline is None else max(deadline - time.perf_counter(), 1e-3)


def _take_rows(pairs: _Pairs, rows: NDArray[np.int64]) -> _Pairs:
    starts, ends = pairs.indptr[rows], pairs.indptr[rows + 1]
    lens = ends - starts
    indptr = np.zeros(rows.size + 1, dtype=np.int64)
    np.cumsum(lens, out=indptr[1:])
    pos = np.repeat(starts - indptr[:-1], lens) + np.arange(indptr[-1])
    return _Pairs(int(rows.size), pairs.n_cols, indptr, pairs.indices[pos], pairs.data[pos])


def _append_dummy(pairs: _Pairs, penalty: float) -> _Pairs:
    """Add column ``n_cols`` at cost ``penalty`` to every row (after ties), keep rows sorted."""
    n, m = pairs.n_rows, pairs.n_cols
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(pairs.indptr))
    rows = np.concatenate([rows, np.arange(n, dtype=np.int64)])
    cols = np.concatenate([pairs.indices, np.full(n, m, dtype=np.int64)])
    vals = np.concatenate([pairs.data, np.full(n, penalty)])
    order = np.lexsort((cols, vals, rows))
    indptr = pairs.indptr + np.arange(n + 1, dtype=np.int64)
    return _Pairs(n, m + 1, indptr, cols[order], vals[order])


def _reduce_pm(pairs: _Pairs, fixed_mask: NDArray[np.bool_], keep_free: int) -> _Pairs:
    """Cut each sorted row after its first fixed column or its ``keep_free``-th free column.

    A row is never served beyond its nearest always-open site, and with exactly ``p`` free
    sites open one of its ``n_free - p + 1`` nearest free candidates is always open.
    """
    lens = _row_cut(pairs.indptr, pairs.indices, fixed_mask, keep_free)
    keep = np.repeat(lens, np.diff(pairs.indptr)) > (
        np.arange(pairs.indices.size) - np.repeat(pairs.indptr[:-1], np.diff(pairs.indptr))
    )
    indptr = np.zeros(pairs.n_rows + 1, dtype=np.int64)
    np.cumsum(lens, out=indptr[1:])
    return _Pairs(pairs.n_rows, pairs.n_cols, indptr, pairs.indices[keep], pairs.data[keep])


@njit(cache=True)
def _row_cut(indptr, indices, fixed_mask, keep_free):  # type: ignore[no-untyped-def]
    n = indptr.size - 1
    lens = np.zeros(n, dtype=np.int64)
    for i in range(n):
        cnt = 0
        for e in range(indptr[i], indptr[i + 1]):
            cnt += 1
            # every entry counted before a fixed one is free, so cnt counts free entries
            if fixed_mask[indices[e]] or cnt >= keep_free:
                break
        lens[i] = cnt
    return lens


def _nearest_open(
    pairs: _Pairs, open_mask: NDArray[np.bool_], limit: float
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    return _first_open(pairs.indptr, pairs.indices, pairs.data, open_mask, limit)  # type: ignore[no-any-return]


@njit(cache=True)
def _first_open(indptr, indices, data, open_mask, limit):  # type: ignore[no-untyped-def]
    n = indptr.size - 1
    dist = np.full(n, np.inf)
    site = np.full(n, -1, dtype=np.int64)
    for i in range(n):
        for e in range(indptr[i], indptr[i + 1]):
            if data[e] > limit:
                break
            if open_mask[indices[e]]:
                dist[i] = data[e]
                site[i] = indices[e]
                break
    return dist, site


@dataclass
class _MilpOut:
    open_mask: NDArray[np.bool_] | None
    bound: float
    status: str
    message: str


def _run_milp(
    c: NDArray[np.float64],
    a: sp.csr_array,
    lo: NDArray[np.float64],
    hi: NDArray[np.float64],
    lb: NDArray[np.float64],
    ub: NDArray[np.float64],
    integrality: NDArray[np.int64],
    deadline: float | None,
) -> Any:
    options: dict[str, Any] = {"mip_rel_gap": 1e-9, "presolve": True}
    left = _remaining(deadline)
    if left is not None:
        options["time_limit"] = left
    return milp(
        c=c,
        constraints=LinearConstraint(a, lo, hi),
        integrality=integrality,
        bounds=Bounds(lb, ub),
        options=options,
    )


def _milp_status(res: Any) -> tuple[str, str]:
    if res.status == 0:
        return "optimal", ""
    if res.status == 2:
        return "infeasible", str(res.message)
    if res.status == 1:
        return "limit", "time limit reached"
    return "other", str(res.message)


def _knapsack_rows(
    y_cols: NDArray[np.int64], nvar: int, oc: NDArray[np.float64] | None, budget: float | None
) -> tuple[list[sp.csr_array], list[float], list[float]]:
    if oc is None or budget is None:
        return [], [], []
    row = sp.csr_array((oc, (np.zeros(y_cols.size, dtype=np.int64), y_cols)), shape=(1, nvar))
    return [row], [-np.inf], [float(budget)]


# --------------------------------------------------------------------------------------------
# p-median: MILP
# --------------------------------------------------------------------------------------------


def _pm_milp(
    pairs: _Pairs,
    w: NDArray[np.float64],
    fixed_mask: NDArray[np.bool_],
    p: int,
    exact_p: bool,
    oc: NDArray[np.float64] | None,
    budget: float | None,
    deadline: float | None,
    force: NDArray[np.bool_] | None = None,
    ban: NDArray[np.bool_] | None = None,
) -> _MilpOut:
    """min sum w_i c_ij x_ij  s.t.  sum_j x_ij = 1,  x_ij <= y_j,  sum_free y_j = p.

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
    kn, kn_lo, kn_hi = _knapsack_rows(nnz + free, nvar, None if oc is None else oc[free], budget)
    a = sp.vstack([assign, link, card, *kn], format="csr")
    lo = np.concatenate([np.ones(n), np.full(k, -np.inf), [p if exact_p else 0], kn_lo])
    hi = np.concatenate([np.ones(n), np.zeros(k), [p], kn_hi])
    lb = np.concatenate([np.zeros(nnz), always.astype(np.float64)])
    ub = np.ones(nvar)
    if ban is not None:
        ub[nnz:][ban] = 0.0
    integrality = np.concatenate([np.zeros(nnz, dtype=np.int64), np.ones(m, dtype=np.int64)])
    res = _run_milp(c, a, lo, hi, lb, ub, integrality, deadline)
    status, message = _milp_status(res)
    bound = float(res.mip_dual_bound) if res.mip_dual_bound is not None else -np.inf
    if not math.isfinite(bound):
        bound = 0.0
    if res.x is None or status == "infeasible":
        return _MilpOut(None, bound, status, message)
    return _MilpOut(np.asarray(res.x[nnz:] > 0.5), bound, status, message)


# --------------------------------------------------------------------------------------------
# p-median: heuristic (greedy + fast interchange + iterated local search) and Lagrangian bound
# --------------------------------------------------------------------------------------------


def _pm_heuristic(
    pairs: _Pairs,
    w: NDArray[np.float64],
    fixed_mask: NDArray[np.bool_],
    p: int,
    oc: NDArray[np.float64] | None,
    budget: float | None,
    deadline: float | None,
    seed: int,
    integral: bool,
) -> tuple[NDArray[np.bool_], float, float, NDArray[np.float64]]:
    """Return (open mask incl. the dummy column, objective, lower bound, multipliers).

    ``pairs`` must hold an always-open fixed column in every row (the penalty column).
    """
    m = pairs.n_cols
    ip, ix, dv = pairs.indptr, pairs.indices, pairs.data
    is_free = ~fixed_mask
    ocf = np.zeros(m) if oc is None else np.append(oc, np.zeros(m - oc.size))
    bud = np.inf if budget is None else float(budget)
    rng = np.random.default_rng(seed)

    open_mask = fixed_mask.copy()
    _pm_greedy(ip, ix, dv, w, open_mask, is_free, p, ocf, bud, budget is None)
    obj = _pm_local_search(ip, ix, dv, w, open_mask, is_free, ocf, bud, 1_000_000)
    best_mask, best = open_mask.copy(), obj

    def proven(lb: float) -> bool:
        return _proven(best, lb, integral)

    lam0 = _pm_init_lambda(ip, dv, w)
    lb, lam = _pm_lagrangian(
        ip,
        ix,
        dv,
        w,
        fixed_mask,
        p,
        budget is None,
        best,
        lam0,
        _LAGRANGE_ITERATIONS,
        1.0 if integral else 0.0,
    )
    if proven(lb):
        return best_mask, best, lb, lam

    # Iterated local search: perturb the incumbent with a few random swaps, re-optimise.
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
        if budget is not None and ocf[cand & is_free].sum() > bud:
            stall += 1
            continue
        obj = _pm_local_search(ip, ix, dv, w, cand, is_free, ocf, bud, 1_000_000)
        if obj < cur - 1e-9 * max(1.0, abs(cur)):
            cur_mask, cur = cand, obj
            stall = 0
        else:
            stall += 1
            if obj <= cur:
                cur_mask, cur = cand, obj
        if cur < best - 1e-9 * max(1.0, abs(best)):
            best_mask, best = cur_mask.copy(), cur
            if proven(lb):
                break
        if stall and stall % 100 == 0:
            cur_mask, cur = best_mask.copy(), best
    logger.debug("p-median ILS: %d rounds, best %.6g, lb %.6g", rounds, best, lb)
    if not proven(lb):
        iters = _LAGRANGE_ITERATIONS
        if deadline is not None and time.perf_counter() > deadline:
            iters = 50
        lb2, lam2 = _pm_lagrangian(
            ip, ix, dv, w, fixed_mask, p, budget is None, best, lam, iters, 1.0 if integral else 0.0
        )
        if lb2 > lb:
            lb, lam = lb2, lam2
    return best_mask, best, lb, lam


def _pm_polish(
    red: _Pairs,
    base: _Pairs,
    w: NDArray[np.float64],
    fixed_mask: NDArray[np.bool_],
    p: int,
    lam: NDArray[np.float64],
    ub: float,
    lb: float,
    integral: bool,
    deadline: float | None,
) -> tuple[NDArray[np.bool_] | None, float, str] | None:
    """Close the gap with a MILP restricted by Lagrangian fixing; None when too big.

    At the multipliers ``lam`` the Lagrangian bound with y_j forced to the other value is
    ``L - rho_[p] + rho_j`` (opening an unselected j) or ``L - rho_j + rho_[p+1]`` (closing a
    selected j). When that exceeds the best value a strictly better solution can have, y_j is
    fixed in every better solution. The restricted MILP then either finds a better solution or
    proves the incumbent optimal. ``base`` is the model the MILP is built on (rows sorted,
    including the penalty column when there is one: index ``n_cols - 1`` of ``red``).
    Returns (better open mask or None, lower bound, message).
    """
    if deadline is not None and time.perf_counter() > deadline:
        return None
    m = red.n_cols
    erow = np.repeat(np.arange(red.n_rows, dtype=np.int64), np.diff(red.indptr))
    v = np.minimum(w[erow] * red.data - lam[erow], 0.0)
    rho = np.bincount(red.indices, weights=v, minlength=m)
    free = np.flatnonzero(~fixed_mask)
    if p == 0 or p >= free.size:
        return None
    rf = rho[free]
    o = np.sort(rf)
    lval = float(lam.sum() + rho[fixed_mask].sum() + o[:p].sum())
    thr = ub - (1.0 if integral else 0.0) + 1e-7 * max(1.0, abs(ub))
    ban_f = (lval - o[p - 1] + rf) > thr
    force_f = (lval - rf + o[p]) > thr
    n_keep = int((~ban_f).sum())
    if n_keep < p or int(force_f.sum()) > p:
        return None, ub, "incumbent proven optimal by Lagrangian fixing"
    ban = np.zeros(m, dtype=np.bool_)
    ban[free[ban_f]] = True
    force = np.zeros(m, dtype=np.bool_)
    force[free[force_f]] = True
    mb = base.n_cols
    ban_b, force_b, fixed_b = ban[:mb], force[:mb], fixed_mask[:mb]
    keep = ~ban_b[base.indices]
    lens = np.bincount(
        np.repeat(np.arange(base.n_rows, dtype=np.int64), np.diff(base.indptr))[keep],
        minlength=base.n_rows,
    )
    indptr = np.zeros(base.n_rows + 1, dtype=np.int64)
    np.cumsum(lens, out=indptr[1:])
    restricted = _Pairs(base.n_rows, mb, indptr, base.indices[keep], base.data[keep])
    restricted = _reduce_pm(restricted, fixed_b | force_b, n_keep - p + 1)
    logger.debug(
        "p-median polish: %d of %d free columns kept, %d forced, %d pairs",
        n_keep,
        free.size,
        int(force_f.sum()),
        restricted.indices.size,
    )
    if restricted.indices.size > AUTO_MILP_MAX_NNZ:
        return None
    out = _pm_milp(restricted, w, fixed_b, p, True, None, None, deadline, force_b, ban_b)
    if out.status == "infeasible":
        return None, ub, "incumbent proven optimal (no better solution after Lagrangian fixing)"
    better = None
    if out.open_mask is not None:
        dist, _ = _first_open(
            restricted.indptr, restricted.indices, restricted.data, out.open_mask, np.inf
        )
        if float(np.dot(w, dist)) < ub:
            better = out.open_mask
    if out.status == "optimal":
        return better, min(ub, out.bound) if better is None else out.bound, ""
    return better, max(lb, min(ub, out.bound)), out.message


@njit(cache=True)
def _pm_greedy(ip, ix, dv, w, open_mask, is_free, p, oc, budget, exact):  # type: ignore[no-untyped-def]
    n = ip.size - 1
    m = open_mask.size
    d = np.full(n, np.inf)
    for i in range(n):
        for e in range(ip[i], ip[i + 1]):
            if open_mask[ix[e]]:
                d[i] = dv[e]
                break
    spent = 0.0
    for _ in range(p):
        gain = np.zeros(m)
        for i in range(n):
            for e in range(ip[i], ip[i + 1]):
                c = dv[e]
                if c >= d[i]:
                    break
                gain[ix[e]] += w[i] * (d[i] - c)
        best = -1
        best_val = -1.0
        for j in range(m):
            if open_mask[j] or not is_free[j] or spent + oc[j] > budget:
                continue
            val = gain[j]
            if not exact:
                val = gain[j] / max(oc[j], 1e-12)
            if val > best_val:
                best_val = val
                best = j
        if best < 0 or (not exact and gain[best] <= 0.0):
            break
        open_mask[best] = True
        spent += oc[best]
        for i in range(n):
            for e in range(ip[i], ip[i + 1]):
                if dv[e] >= d[i]:
                    break
                if ix[e] == best:
                    d[i] = dv[e]
                    break


@njit(cache=True)
def _pm_local_search(ip, ix, dv, w, open_mask, is_free, oc, budget, max_moves):  # type: ignore[no-untyped-def]
    """Best-improvement swap search, Resende-Werneck style; returns the final objective."""
    n = ip.size - 1
    m = open_mask.size
    slot_of = np.full(m, -1, dtype=np.int64)
    ns = 0
    for j in range(m):
        if open_mask[j] and is_free[j]:
            slot_of[j] = ns
            ns += 1
    site_of = np.zeros(max(ns, 1), dtype=np.int64)
    spent = 0.0
    for j in range(m):
        if slot_of[j] >= 0:
            site_of[slot_of[j]] = j
            spent += oc[j]
    d1 = np.empty(n)
    d2 = np.empty(n)
    c1 = np.empty(n, dtype=np.int64)
    gain = np.empty(m)
    loss = np.empty(max(ns, 1))
    extra = np.empty((m, max(ns, 1)))
    obj = 0.0
    for _move in range(max_moves + 1):
        obj = 0.0
        for i in range(n):
            d1[i] = np.inf
            d2[i] = np.inf
            c1[i] = -1
            for e in range(ip[i], ip[i + 1]):
                if open_mask[ix[e]]:
                    if c1[i] < 0:
                        d1[i] = dv[e]
                        c1[i] = ix[e]
                    else:
                        d2[i] = dv[e]
                        break
            obj += w[i] * d1[i]
        if ns == 0 or _move == max_moves:
            break
        gain[:] = 0.0
        loss[:] = 0.0
        extra[:, :] = 0.0
        for i in range(n):
            s = slot_of[c1[i]]
            lim = d1[i]
            if s >= 0:
                loss[s] += w[i] * (d2[i] - d1[i])
                lim = d2[i]
            for e in range(ip[i], ip[i + 1]):
                c = dv[e]
                if c >= lim:
                    break
                k = ix[e]
                if open_mask[k]:
                    continue
                if c < d1[i]:
                    gain[k] += w[i] * (c - d1[i])
                if s >= 0:
                    extra[k, s] += w[i] * (max(c, d1[i]) - d2[i])
        best = -1e-9 * max(1.0, abs(obj))
        bk = -1
        bs = -1
        for k in range(m):
            if open_mask[k] or not is_free[k]:
                continue
            for s in range(ns):
                if spent - oc[site_of[s]] + oc[k] > budget:
                    continue
                delta = gain[k] + loss[s] + extra[k, s]
                if delta < best:
                    best = delta
                    bk = k
                    bs = s
        if bk < 0:
            break
        r = site_of[bs]
        open_mask[r] = False
        open_mask[bk] = True
        slot_of[r] = -1
        slot_of[bk] = bs
        site_of[bs] = bk
        spent += oc[bk] - oc[r]
    return obj


def _pm_init_lambda(
    ip: NDArray[np.int64], dv: NDArray[np.float64], w: NDArray[np.float64]
) -> NDArray[np.float64]:
    # Start each multiplier at the weighted cost of the row's nearest candidate beyond the
    # nearest: a cheap, well-scaled guess (the optimum lies between nearest and assigned).
    n = ip.size - 1
    lens = np.diff(ip)
    second = np.where(lens > 1, ip[:-1] + 1, ip[:-1])
    return w * dv[np.minimum(second, ip[1:] - 1)] if n else np.zeros(0)


@njit(cache=True)
def _pm_lagrangian(ip, ix, dv, w, fixed_mask, p, exact, ub, lam, max_iter, granularity):  # type: ignore[no-untyped-def]
    """Subgradient optimisation of the Lagrangian relaxing the assignment constraints.

    L(lam) = sum_i lam_i + sum_{j open} rho_j,  rho_j = sum_i min(0, w_i c_ij - lam_i),
    with fixed columns always open and the p most negative free rho_j opened.
    """
    n = ip.size - 1
    m = fixed_mask.size
    lam = lam.copy()
    best = -np.inf
    best_lam = lam.copy()
    f = 2.0
    stall = 0
    rho = np.empty(m)
    sel = np.zeros(m, dtype=np.bool_)
    g = np.empty(n)
    free_idx = np.flatnonzero(~fixed_mask)
    for _it in range(max_iter):
        rho[:] = 0.0
        for i in range(n):
            for e in range(ip[i], ip[i + 1]):
                v = w[i] * dv[e] - lam[i]
                if v >= 0.0:
                    break
                rho[ix[e]] += v
        val = lam.sum()
        sel[:] = fixed_mask
        for j in range(m):
            if fixed_mask[j]:
                val += rho[j]
        if p > 0 and free_idx.size > 0:
            order = np.argsort(rho[free_idx])
            for t in range(min(p, free_idx.size)):
                j = free_idx[order[t]]
                if not exact and rho[j] >= 0.0:
                    break
                sel[j] = True
                val += rho[j]
        if _it == 0 or val > best + 1e-12 * max(1.0, abs(best)):
            best = val
            best_lam[:] = lam
            stall = 0
        else:
            stall += 1
            if stall >= 20:
                f *= 0.5
                stall = 0
        if ub - best < max(granularity, 1e-9 * max(1.0, abs(ub))) or f < 1e-4:
            break
        norm = 0.0
        for i in range(n):
            cnt = 0.0
            for e in range(ip[i], ip[i + 1]):
                if w[i] * dv[e] - lam[i] >= 0.0:
                    break
                if sel[ix[e]]:
                    cnt += 1.0
            g[i] = 1.0 - cnt
            norm += g[i] * g[i]
        if norm == 0.0:
            break
        step = f * (ub - val) / norm
        for i in range(n):
            lam[i] = max(0.0, lam[i] + step * g[i])
    return best, best_lam


# --------------------------------------------------------------------------------------------
# Covering models: shared data
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Coverage:
    """Coverage restricted to rows still to cover and to free candidates.

    Rows: positive weight, not covered by a fixed site, coverable by some free candidate.
    """

    n_rows: int
    n_free: int
    nnz: int
    rows: NDArray[np.int64]  # original row of each reduced row
    free_cols: NDArray[np.int64]  # original column of each reduced column
    w: NDArray[np.float64]
    row_ptr: NDArray[np.int64]
    row_cols: NDArray[np.int64]
    col_ptr: NDArray[np.int64]
    col_rows: NDArray[np.int64]
    base: float  # weight covered by fixed sites
    coverable: float  # weight of the reduced rows
    uncoverable_rows: NDArray[np.int64]  # positive weight, no candidate within radius

    @staticmethod
    def build(
        pairs: _Pairs, w: NDArray[np.float64], fixed_idx: NDArray[np.int64], radius: float
    ) -> _Coverage:
        n, m = pairs.n_rows, pairs.n_cols
        erow = np.repeat(np.arange(n, dtype=np.int64), np.diff(pairs.indptr))
        inside = pairs.data <= radius
        r, c = erow[inside], pairs.indices[inside]
        fixed_mask = np.zeros(m, dtype=np.bool_)
        fixed_mask[fixed_idx] = True
        by_fixed = np.zeros(n, dtype=np.bool_)
        by_fixed[r[fixed_mask[c]]] = True
        any_cov = np.zeros(n, dtype=np.bool_)
        any_cov[r] = True
        pos = w > 0
        base = float(w[by_fixed].sum())
        uncoverable = np.flatnonzero(pos & ~any_cov)
        keep_row = pos & ~by_fixed & any_cov
        free_cols = np.flatnonzero(~fixed_mask)
        col_map = np.full(m, -1, dtype=np.int64)
        col_map[free_cols] = np.arange(free_cols.size)
        row_map = np.full(n, -1, dtype=np.int64)
        rows = np.flatnonzero(keep_row)
        row_map[rows] = np.arange(rows.size)
        sel = keep_row[r] & ~fixed_mask[c]
        rr, cc = row_map[r[sel]], col_map[c[sel]]
        a = sp.csr_array(
            (np.ones(rr.size, dtype=np.int8), (rr, cc)), shape=(rows.size, free_cols.size)
        )
        a.sum_duplicates()
        a.sort_indices()
        at = sp.csc_array(a)
        at.sort_indices()
        wr = w[rows]
        return _Coverage(
            n_rows=int(rows.size),
            n_free=int(free_cols.size),
            nnz=int(a.nnz),
            rows=rows,
            free_cols=free_cols,
            w=wr,
            row_ptr=a.indptr.astype(np.int64),
            row_cols=a.indices.astype(np.int64),
            col_ptr=at.indptr.astype(np.int64),
            col_rows=at.indices.astype(np.int64),
            base=base,
            coverable=float(wr.sum()),
            uncoverable_rows=uncoverable,
        )


def _fill_p(
    open_mask: NDArray[np.bool_], p: int, oc: NDArray[np.float64] | None, budget: float | None
) -> NDArray[np.int64]:
    """Pad a selection to exactly p free sites with the lowest indices (no budget only)."""
    if budget is not None:
        return np.flatnonzero(open_mask)
    need = p - int(open_mask.sum())
    if need > 0:
        open_mask = open_mask.copy()
        open_mask[np.flatnonzero(~open_mask)[:need]] = True
    return np.flatnonzero(open_mask)


# --------------------------------------------------------------------------------------------
# MCLP: MILP, greedy + swap heuristic, Lagrangian bound
# --------------------------------------------------------------------------------------------


def _mc_milp(
    cov: _Coverage,
    p: int,
    exact_p: bool,
    oc: NDArray[np.float64] | None,
    budget: float | None,
    deadline: float | None,
    force: NDArray[np.bool_] | None = None,
    ban: NDArray[np.bool_] | None = None,
) -> _MilpOut:
    """max sum w_i z_i  s.t.  z_i <= sum_{j covers i} y_j,  sum y_j = p,  z in [0, 1]."""
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
    kn, kn_lo, kn_hi = _knapsack_rows(n + np.arange(m), nvar, oc, budget)
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
    res = _run_milp(c, a, lo, hi, lb, ub, integrality, deadline)
    status, message = _milp_status(res)
    bound = -float(res.mip_dual_bound) if res.mip_dual_bound is not None else cov.coverable
    if not math.isfinite(bound):
        bound = cov.coverable
    if res.x is None or status == "infeasible":
        return _MilpOut(None, bound, status, message)
    return _MilpOut(np.asarray(res.x[n:] > 0.5), bound, status, message)


def _mc_heuristic(
    cov: _Coverage,
    p: int,
    oc: NDArray[np.float64] | None,
    budget: float | None,
    deadline: float | None,
    seed: int,
) -> tuple[NDArray[np.int64], float, float, NDArray[np.float64]]:
    """Return (picked reduced columns, covered weight of reduced rows, upper bound, lam)."""
    m = cov.n_free
    ocf = np.zeros(m) if oc is None else oc
    bud = np.inf if budget is None else float(budget)
    picks, _ = _mc_greedy(
        cov.col_ptr,
        cov.col_rows,
        cov.row_ptr,
        cov.row_cols,
        cov.w,
        np.zeros(m, dtype=np.bool_),
        p,
        ocf,
        bud,
        budget is None,
    )
    open_mask = np.zeros(m, dtype=np.bool_)
    open_mask[picks] = True
    if budget is None:
        open_mask[_fill_p(open_mask, p, None, None)] = True
    cp, cr, rp, rc, w = cov.col_ptr, cov.col_rows, cov.row_ptr, cov.row_cols, cov.w

    def local(mask: NDArray[np.bool_]) -> float:
        while True:
            val, moved = _mc_swap(cp, cr, rp, rc, w, mask, ocf, bud, 200)
            if moved < 200 or (deadline is not None and time.perf_counter() > deadline):
                return float(val)

    obj = local(open_mask)
    ub, lam = _mc_lagrangian(cp, cr, w, p, obj, w * 0.5, _LAGRANGE_ITERATIONS)
    ub = min(ub, cov.coverable)
    integral = _is_integral(w)

    def proven(val: float) -> bool:
        top = math.floor(ub + 1e-9 * max(1.0, ub)) if integral else ub
        return top - val <= OPTIMALITY_TOL * max(val, 1e-12)

    # Iterated local search: perturb with a few random swaps, re-run the swap search.
    rng = np.random.default_rng(seed)
    best_mask, best = open_mask.copy(), obj
    stall = 0
    while not proven(best) and stall < _MC_STALL_ROUNDS:
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
        val = local(cand)
        if val > best + 1e-9 * max(1.0, best):
            best_mask, best, stall = cand, val, 0
        else:
            stall += 1
    open_mask, obj = best_mask, best
    return np.flatnonzero(open_mask), obj, min(ub, cov.coverable), lam


def _mc_proven(objective: float, bound: float, integral: bool) -> bool:
    if integral:
        bound = math.floor(bound + 1e-9 * max(1.0, abs(bound)))
    return bound - objective <= OPTIMALITY_TOL * max(abs(objective), 1e-12)


def _mc_polish(
    cov: _Coverage,
    p: int,
    picks: NDArray[np.int64],
    lam: NDArray[np.float64],
    lb: float,
    ub: float,
    integral: bool,
    deadline: float | None,
) -> tuple[NDArray[np.int64] | None, float, str] | None:
    """Close the MCLP gap with a MILP restricted by Lagrangian fixing (see ``_pm_polish``).

    With column sums ``s_j`` of ``lam``, opening an unselected j bounds the value by
    ``U - s_[p] + s_j`` and closing a selected j by ``U - s_j + s_[p+1]``; when that is below
    the value a strictly better solution needs, y_j is fixed. Returns (better picks or None,
    upper bound, message), or None when the restricted MILP would be too big.
    """
    m = cov.n_free
    if p == 0 or p >= m or (deadline is not None and time.perf_counter() > deadline):
        return None
    col_len = np.diff(cov.col_ptr)
    s = np.bincount(np.repeat(np.arange(m), col_len), weights=lam[cov.col_rows], minlength=m)
    o = np.sort(s)[::-1]
    uval = float((cov.w - lam).sum() + o[:p].sum())
    thr = lb + (1.0 if integral else 0.0) - 1e-7 * max(1.0, abs(lb))
    ban = (uval - o[p - 1] + s) < thr
    force = (uval - s + o[p]) < thr
    n_keep = int((~ban).sum())
    if n_keep < p or int(force.sum()) > p:
        return None, lb, "incumbent proven optimal by Lagrangian fixing"
    nnz = int(col_len[~ban].sum())
    logger.debug(
        "MCLP polish: %d of %d columns kept, %d forced, %d pairs", n_keep, m, int(force.sum()), nnz
    )
    if nnz > AUTO_MILP_MAX_NNZ:
        return None
    out = _mc_milp(cov, p, True, None, None, deadline, force, ban)
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


@njit(cache=True)
def _mc_greedy(cp, cr, rp, rc, w, open_mask, p, oc, budget, exact):  # type: ignore[no-untyped-def]
    """Greedy max coverage with exact incremental gains (each row is touched once)."""
    n = rp.size - 1
    m = cp.size - 1
    covered = np.zeros(n, dtype=np.bool_)
    gain = np.zeros(m)
    for j in range(m):
        for t in range(cp[j], cp[j + 1]):
            gain[j] += w[cr[t]]
    picks = np.empty(p, dtype=np.int64)
    gains = np.empty(p)
    k = 0
    spent = 0.0
    while k < p:
        best = -1
        best_val = 0.0
        for j in range(m):
            if open_mask[j] or spent + oc[j] > budget:
                continue
            val = gain[j] if exact else gain[j] / max(oc[j], 1e-12)
            if val > best_val:
                best_val = val
                best = j
        if best < 0:
            break
        open_mask[best] = True
        spent += oc[best]
        picks[k] = best
        gains[k] = gain[best]
        k += 1
        for t in range(cp[best], cp[best + 1]):
            i = cr[t]
            if covered[i]:
                continue
            covered[i] = True
            for u in range(rp[i], rp[i + 1]):
                gain[rc[u]] -= w[i]
    return picks[:k], gains[:k]


@njit(cache=True)
def _mc_row_update(i, sign, rp, rc, w, cnt, open_mask, slot_of, gain, loss, extra):  # type: ignore[no-untyped-def]
    if cnt[i] == 0:
        for u in range(rp[i], rp[i + 1]):
            gain[rc[u]] += sign * w[i]
    elif cnt[i] == 1:
        sole = -1
        for u in range(rp[i], rp[i + 1]):
            if open_mask[rc[u]]:
                sole = rc[u]
                break
        s = slot_of[sole]
        loss[s] += sign * w[i]
        for u in range(rp[i], rp[i + 1]):
            k = rc[u]
            if k != sole:
                extra[k, s] += sign * w[i]


@njit(cache=True)
def _mc_swap(cp, cr, rp, rc, w, open_mask, oc, budget, max_moves):  # type: ignore[no-untyped-def]
    """Best-improvement swap search for the MCLP with incremental gain/loss bookkeeping.

    delta(in k, out r) = gain[k] - loss[r] + extra[k, r] where gain[k] is the uncovered weight
    k covers, loss[r] the weight only r covers and extra[k, r] the weight only r covers that
    k covers too. Returns (covered weight, number of moves made).
    """
    n = rp.size - 1
    m = cp.size - 1
    slot_of = np.full(m, -1, dtype=np.int64)
    ns = 0
    spent = 0.0
    for j in range(m):
        if open_mask[j]:
            slot_of[j] = ns
            ns += 1
            spent += oc[j]
    site_of = np.zeros(max(ns, 1), dtype=np.int64)
    for j in range(m):
        if slot_of[j] >= 0:
            site_of[slot_of[j]] = j
    cnt = np.zeros(n, dtype=np.int64)
    for j in range(m):
        if open_mask[j]:
            for t in range(cp[j], cp[j + 1]):
                cnt[cr[t]] += 1
    gain = np.zeros(m)
    loss = np.zeros(max(ns, 1))
    extra = np.zeros((m, max(ns, 1)))
    for i in range(n):
        _mc_row_update(i, 1.0, rp, rc, w, cnt, open_mask, slot_of, gain, loss, extra)
    stamp = np.full(n, -1, dtype=np.int64)
    total = w.sum()
    moves = 0
    while moves < max_moves and ns > 0:
        best = 1e-9 * max(1.0, total)
        bk = -1
        bs = -1
        for k in range(m):
            if open_mask[k]:
                continue
            gk = gain[k]
            for s in range(ns):
                if spent - oc[site_of[s]] + oc[k] > budget:
                    continue
                delta = gk - loss[s] + extra[k, s]
                if delta > best:
                    best = delta
                    bk = k
                    bs = s
        if bk < 0:
            break
        r = site_of[bs]
        for t in range(cp[bk], cp[bk + 1]):
            i = cr[t]
            if stamp[i] != moves:
                stamp[i] = moves
                _mc_row_update(i, -1.0, rp, rc, w, cnt, open_mask, slot_of, gain, loss, extra)
        for t in range(cp[r], cp[r + 1]):
            i = cr[t]
            if stamp[i] != moves:
                stamp[i] = moves
                _mc_row_update(i, -1.0, rp, rc, w, cnt, open_mask, slot_of, gain, loss, extra)
        open_mask[r] = False
        open_mask[bk] = True
        slot_of[r] = -1
        slot_of[bk] = bs
        site_of[bs] = bk
        spent += oc[bk] - oc[r]
        for t in range(cp[bk], cp[bk + 1]):
            cnt[cr[t]] += 1
        for t in range(cp[r], cp[r + 1]):
            cnt[cr[t]] -= 1
        for t in range(cp[bk], cp[bk + 1]):
            i = cr[t]
            if stamp[i] == moves:
                stamp[i] = -2 - moves
                _mc_row_update(i, 1.0, rp, rc, w, cnt, open_mask, slot_of, gain, loss, extra)
        for t in range(cp[r], cp[r + 1]):
            i = cr[t]
            if stamp[i] == moves:
                stamp[i] = -2 - moves
                _mc_row_update(i, 1.0, rp, rc, w, cnt, open_mask, slot_of, gain, loss, extra)
        moves += 1
    obj = 0.0
    for i in range(n):
        if cnt[i] > 0:
            obj += w[i]
    return obj, moves


@njit(cache=True)
def _mc_lagrangian(cp, cr, w, p, lb, lam, max_iter):  # type: ignore[no-untyped-def]
    """Upper bound: min over lam in [0, w] of sum_i (w_i - lam_i) + top-p column sums of lam."""
    n = w.size
    m = cp.size - 1
    lam = lam.copy()
    best = np.inf
    best_lam = lam.copy()
    f = 2.0
    stall = 0
    colsum = np.empty(m)
    cnt = np.empty(n)
    for _it in range(max_iter):
        for j in range(m):
            acc = 0.0
            for t in range(cp[j], cp[j + 1]):
                acc += lam[cr[t]]
            colsum[j] = acc
        order = np.argsort(-colsum)
        val = 0.0
        for i in range(n):
            val += w[i] - lam[i]
        cnt[:] = 0.0
        for t in range(min(p, m)):
            j = order[t]
            val += colsum[j]
            for u in range(cp[j], cp[j + 1]):
                cnt[cr[u]] += 1.0
        if _it == 0 or val < best - 1e-12 * max(1.0, abs(best)):
            best = val
            best_lam[:] = lam
            stall = 0
        else:
            stall += 1
            if stall >= 20:
                f *= 0.5
                stall = 0
        if best - lb <= 1e-9 * max(1.0, abs(lb)) or f < 1e-4:
            break
        norm = 0.0
        for i in range(n):
            # dL/dlam_i = cnt_i - 1 (w_i - lam_i term) ; projected onto lam in [0, w]
            gi = cnt[i] - 1.0
            if (lam[i] <= 0.0 and gi > 0.0) or (lam[i] >= w[i] and gi < 0.0):
                gi = 0.0
            cnt[i] = gi
            norm += gi * gi
        if norm == 0.0:
            break
        step = f * (val - lb) / norm
        for i in range(n):
            lam[i] = min(w[i], max(0.0, lam[i] - step * cnt[i]))
    return best, best_lam


# --------------------------------------------------------------------------------------------
# Set cover: MILP, greedy heuristic with LP bound
# --------------------------------------------------------------------------------------------


def _sc_milp(cov: _Coverage, full: bool, need: float, deadline: float | None) -> _MilpOut:
    """min sum y_j  s.t.  sum_{j covers i} y_j >= 1 (share 1) or the share constraint."""
    n, m = cov.n_rows, cov.n_free
    erow = np.repeat(np.arange(n, dtype=np.int64), np.diff(cov.row_ptr))
    if full:
        a = sp.csr_array((np.ones(erow.size), (erow, cov.row_cols)), shape=(n, m))
        lo, hi = np.ones(n), np.full(n, np.inf)
        c = np.ones(m)
        integrality = np.ones(m, dtype=np.int64)
        lb, ub = np.zeros(m), np.ones(m)
        y0 = 0
    else:
        nvar = m + n
        link = sp.csr_array(
            (
                np.concatenate([-np.ones(erow.size), np.ones(n)]),
                (
                    np.concatenate([erow, np.arange(n)]),
                    np.concatenate([cov.row_cols, m + np.arange(n)]),
                ),
            ),
            shape=(n, nvar),
        )
        share_row = sp.csr_array(
            (cov.w, (np.zeros(n, dtype=np.int64), m + np.arange(n))), shape=(1, nvar)
        )
        a = sp.vstack([link, share_row], format="csr")
        lo = np.concatenate([np.full(n, -np.inf), [need]])
        hi = np.concatenate([np.zeros(n), [np.inf]])
        c = np.concatenate([np.ones(m), np.zeros(n)])
        integrality = np.concatenate([np.ones(m, dtype=np.int64), np.zeros(n, dtype=np.int64)])
        lb, ub = np.zeros(nvar), np.ones(nvar)
        y0 = 0
    res = _run_milp(c, a, lo, hi, lb, ub, integrality, deadline)
    status, message = _milp_status(res)
    bound = float(res.mip_dual_bound) if res.mip_dual_bound is not None else 0.0
    if not math.isfinite(bound):
        bound = 0.0
    if res.x is None or status == "infeasible":
        return _MilpOut(None, bound, status, message)
    return _MilpOut(np.asarray(res.x[y0 : y0 + m] > 0.5), bound, status, message)


def _sc_heuristic(
    cov: _Coverage, full: bool, need: float, deadline: float | None
) -> tuple[NDArray[np.int64], float]:
    """Greedy cover then drop redundant sites; LP relaxation (HiGHS) as the lower bound."""
    m = cov.n_free
    w_eff = np.ones(cov.n_rows) if full else cov.w
    target = float(cov.n_rows) if full else need
    picks, gains = _mc_greedy(
        cov.col_ptr,
        cov.col_rows,
        cov.row_ptr,
        cov.row_cols,
        w_eff,
        np.zeros(m, dtype=np.bool_),
        m,
        np.zeros(m),
        np.inf,
        True,
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
    lb = _sc_lp_bound(cov, full, need, deadline)
    return np.sort(np.asarray(chosen, dtype=np.int64)), lb


def _sc_lp_bound(cov: _Coverage, full: bool, need: float, deadline: float | None) -> float:
    n, m = cov.n_rows, cov.n_free
    erow = np.repeat(np.arange(n, dtype=np.int64), np.diff(cov.row_ptr))
    options: dict[str, Any] = {}
    left = _remaining(deadline)
    if left is not None:
        options["time_limit"] = left
    if full:
        a = sp.csr_array((-np.ones(erow.size), (erow, cov.row_cols)), shape=(n, m))
        res = linprog(
            np.ones(m), A_ub=a, b_ub=-np.ones(n), bounds=(0, 1), method="highs", options=options
        )
    else:
        link = sp.csr_array(
            (
                np.concatenate([-np.ones(erow.size), np.ones(n)]),
                (
                    np.concatenate([erow, np.arange(n)]),
                    np.concatenate([cov.row_cols, m + np.arange(n)]),
                ),
            ),
            shape=(n, m + n),
        )
        share_row = sp.csr_array(
            (-cov.w, (np.zeros(n, dtype=np.int64), m + np.arange(n))), shape=(1, m + n)
        )
        a = sp.vstack([link, share_row], format="csr")
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


# --------------------------------------------------------------------------------------------
# Capacitated maximal coverage
# --------------------------------------------------------------------------------------------


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
    """Open ``p`` new sites maximising the demand *served* within ``radius``, each site
    serving at most its ``capacity`` (e.g. desks x registrations per desk-day x days).

    Exact MILP (HiGHS)::

        max  sum_ij w_i x_ij
        s.t. sum_j x_ij <= 1                   (each demand row served at most once)
             sum_i w_i x_ij <= cap_j y_j        (capacity of an open site)
             x_ij <= y_j                        (only open sites serve)
             sum_{j not fixed} y_j = p,  y_j = 1 for fixed j
             0 <= x_ij <= 1 (a row may be split between sites), y_j binary

    over the pairs with cost ``<= radius``. ``assignment`` gives, per row, the open site that
    serves the largest share of it (-1 when none). For large instances use
    :func:`max_coverage` (uncapacitated) and check loads afterwards.

    Raises
    ------
    SchemaError
        On malformed inputs or a negative capacity (every problem listed).

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
    pairs = _read_cost(cost, problems)
    n = 0 if pairs is None else pairs.n_rows
    m = 0 if pairs is None else pairs.n_cols
    w = _read_weights(weights, n, problems, required=True)
    fixed_idx = _read_fixed(fixed, m, problems)
    _check_p(p, m, fixed_idx, problems)
    _check_radius(radius, problems)
    _check_options(time_limit_s, "milp", problems)
    try:
        cap = np.asarray(capacity, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        cap = np.zeros(0)
        problems.append(Problem("capacity must be numbers, one per candidate", column="capacity"))
    if pairs is not None and cap.size != m:
        problems.append(
            Problem(f"capacity has {cap.size} values for {m} candidates", column="capacity")
        )
    elif not np.all(np.isfinite(cap)) or (cap < 0).any():
        problems.append(Problem("capacity must be finite and >= 0", column="capacity"))
    if problems or pairs is None or w is None or fixed_idx is None:
        raise SchemaError(problems, source="capacitated_max_coverage")

    rows = np.repeat(np.arange(n), np.diff(pairs.indptr))
    keep = pairs.data <= float(radius)
    pr, pc = rows[keep], pairs.indices[keep]
    k = pr.size
    # variables: x (k pair shares), then y (m sites)
    obj = np.r_[-w[pr], np.zeros(m)]
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
    lo_y = np.zeros(m)
    lo_y[fixed_idx] = 1.0
    constraints = [
        LinearConstraint(a_rows.tocsr(), -np.inf, 1.0),
        LinearConstraint(a_cap.tocsr(), -np.inf, 0.0),
        LinearConstraint(a_link.tocsr(), -np.inf, 0.0),
        LinearConstraint(a_p.tocsr(), float(p), float(p)),
    ]
    options: dict[str, Any] = {"disp": False, "mip_rel_gap": 1e-9}
    if time_limit_s is not None:
        options["time_limit"] = float(time_limit_s)
    res = milp(
        obj,
        constraints=constraints,
        integrality=np.r_[np.zeros(k), np.ones(m)],
        bounds=Bounds(np.r_[np.zeros(k), lo_y], np.r_[np.ones(k), np.ones(m)]),
        options=options,
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
    site = np.full(n, -1, dtype=np.int64)
    best = np.zeros(n)
    for i, j, s in zip(pr.tolist(), pc.tolist(), share.tolist(), strict=True):
        if s > best[i] + 1e-9:
            best[i], site[i] = s, j
    return _result(
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
