"""The array core of the outreach portfolio: the best set of options for a budget.

Rows are settlements (or any demand unit), columns are options (a new centre, desks, a block
of van-days, a sweep, a campaign). ``gain[i, j] >= 0`` is what option ``j`` brings if it
serves row ``i``; each row is served by at most one chosen option::

    maximise    sum_ij gain_ij y_ij
    subject to  y_ij <= x_j,  sum_j y_ij <= 1,  sum_j cost_j x_j <= budget,
                [sum_{i in g} sum_j gain_ij y_ij >= need_g  for each group g]
                x_j in {0, 1},  0 <= y_ij <= 1 (only pairs with gain_ij > 0)

For fixed ``x`` the best ``y`` serves each row by its best chosen option, so ``y`` may stay
continuous. :func:`solve_portfolio` solves it exactly through HiGHS (the placement models'
:func:`scenarios.placement.milp.run_milp`) with HiGHS' dual bound, or, above
:data:`AUTO_MILP_MAX_PAIRS` pairs, by the greedy of :mod:`scenarios.portfolio.fast` with a
Lagrangian bound, so the gap is reported either way.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import LinearConstraint

from geodata.errors import InfeasibleError, Problem, SchemaError
from scenarios.placement.milp import dual_bound, milp_status, run_milp
from scenarios.portfolio.fast import assign_rows, greedy_portfolio, lagrangian_bound

__all__ = ["AUTO_MILP_MAX_PAIRS", "METHODS", "PortfolioResult", "solve_portfolio"]

#: ``method="auto"`` solves the MILP up to this many (row, option) pairs with a positive gain.
AUTO_MILP_MAX_PAIRS = 150_000
#: The solution methods.
METHODS: tuple[str, ...] = ("auto", "milp", "greedy")
#: Relative tolerance under which a bound proves an objective optimal.
_TOL = 1e-6


@dataclass(frozen=True, eq=False)
class PortfolioResult:
    """The options chosen for a budget and how good the choice is proven to be.

    Parameters
    ----------
    selected
        Chosen option columns (ascending).
    assignment
        Per row, the chosen option serving it (the one with the largest gain), -1 for none.
    objective
        Total gain of the rows served (``sum_i gain[i, assignment[i]]``).
    bound
        An upper bound on the best objective within the budget (>= ``objective``).
    gap
        ``(bound - objective) / max(objective, 1e-12)``; 0 when proven optimal.
    proven_optimal
        True only when ``bound`` equals ``objective`` within a relative 1e-6.
    cost
        Total cost of the chosen options (never above the budget).
    method
        ``"milp"``, ``"greedy"`` (greedy with a Lagrangian bound) or ``"milp+greedy"`` (the
        MILP stopped without a better incumbent; the greedy's solution with the best bound).
    runtime_s
        Wall-clock time of the call.
    message
        What stopped the solver (empty when it finished).
    """

    selected: tuple[int, ...]
    assignment: NDArray[np.int64]
    objective: float
    bound: float
    gap: float
    proven_optimal: bool
    cost: float
    method: str
    runtime_s: float
    message: str = ""


def solve_portfolio(
    gain: ArrayLike | sp.sparray | sp.spmatrix,
    cost: ArrayLike,
    budget: float,
    *,
    time_limit_s: float | None = None,
    method: str = "auto",
    groups: ArrayLike | None = None,
    min_group_gain: ArrayLike | None = None,
) -> PortfolioResult:
    """Choose options maximising the total gain within ``budget``, one option per row at most.

    Parameters
    ----------
    gain
        Dense array or scipy sparse matrix, shape ``(rows, options)``, finite and >= 0: what
        option ``j`` brings if it serves row ``i`` (a missing sparse entry is 0).
    cost
        Cost of each option, finite and >= 0.
    budget
        Largest total cost, finite and >= 0.
    time_limit_s
        Seconds the MILP may take (None: no limit). The fast path ignores it.
    method
        ``"auto"`` (MILP up to :data:`AUTO_MILP_MAX_PAIRS` positive pairs, else greedy),
        ``"milp"`` or ``"greedy"``.
    groups, min_group_gain
        Optional equity constraint: ``groups[i]`` is row ``i``'s group (an integer in
        ``0..G-1``, -1 for none) and the rows of group ``g`` must gain at least
        ``min_group_gain[g]`` together. Needs the MILP.

    Returns
    -------
    PortfolioResult

    Raises
    ------
    SchemaError
        Bad input: shapes, negative or non-finite gains, costs or budget, an unknown method,
        equity arrays that do not fit, or equity asked of the greedy.
    InfeasibleError
        When no choice within the budget meets the equity constraint.

    Examples
    --------
    Two settlements, three options; option 2 serves both but costs as much as the other two:

    >>> gain = np.array([[5.0, 0.0, 3.5], [0.0, 3.0, 3.5]])
    >>> res = solve_portfolio(gain, [1.0, 1.0, 2.0], 2.0)
    >>> res.selected, res.assignment.tolist(), res.objective, res.proven_optimal
    ((0, 1), [0, 1], 8.0, True)
    >>> solve_portfolio(gain, [1.0, 1.0, 2.0], 1.0).objective
    5.0
    """
    t0 = time.perf_counter()
    g, c, b = _checked(gain, cost, budget, method)
    equity = _checked_equity(groups, min_group_gain, g.shape[0], method)
    affordable = c <= b * (1 + 1e-12) + 1e-12
    g = (g @ sp.diags_array(affordable.astype(float))).tocsc()
    g.eliminate_zeros()
    nnz = g.nnz
    use_milp = method == "milp" or (method == "auto" and (nnz <= AUTO_MILP_MAX_PAIRS or equity))
    greedy_sel = greedy_portfolio(g, c, b)
    greedy_obj = float(assign_rows(g, greedy_sel)[1])
    if not use_milp:
        bound = max(lagrangian_bound(g, c, b, start=assign_rows(g, greedy_sel)[2]), greedy_obj)
        return _result(g, c, greedy_sel, bound, "greedy", t0, "")
    return _solve_milp(g, c, b, equity, time_limit_s, greedy_sel, greedy_obj, t0)


# ---------------------------------------------------------------------------------------


def _solve_milp(
    g: sp.csc_array,
    c: NDArray[np.float64],
    b: float,
    equity: tuple[NDArray[np.int64], NDArray[np.float64]] | None,
    time_limit_s: float | None,
    greedy_sel: NDArray[np.int64],
    greedy_obj: float,
    t0: float,
) -> PortfolioResult:
    """The exact MILP through HiGHS; the greedy's answer when HiGHS finds nothing better."""
    n_rows, n_opt = g.shape
    coo = g.tocoo()
    pair_row = np.asarray(coo.row, dtype=np.int64)
    pair_col = np.asarray(coo.col, dtype=np.int64)
    pair_gain = np.asarray(coo.data, dtype=np.float64)
    n_pairs = pair_gain.size
    nvar = n_opt + n_pairs
    k = np.arange(n_pairs, dtype=np.int64)
    link = sp.csr_array(
        (
            np.concatenate([np.ones(n_pairs), -np.ones(n_pairs)]),
            (np.concatenate([k, k]), np.concatenate([n_opt + k, pair_col])),
        ),
        shape=(n_pairs, nvar),
    )
    one = sp.csr_array((np.ones(n_pairs), (pair_row, n_opt + k)), shape=(n_rows, nvar))
    money = sp.csr_array(np.concatenate([c, np.zeros(n_pairs)])[None, :])
    cons = [
        LinearConstraint(link, -np.inf, 0.0),
        LinearConstraint(one, -np.inf, 1.0),
        LinearConstraint(money, -np.inf, b),
    ]
    if equity is not None:
        grp, need = equity
        keep = grp[pair_row] >= 0
        rows = sp.csr_array(
            (pair_gain[keep], (grp[pair_row][keep], n_opt + k[keep])), shape=(need.size, nvar)
        )
        cons.append(LinearConstraint(rows, need, np.inf))
    obj = np.concatenate([np.zeros(n_opt), -pair_gain])
    integrality = np.concatenate([np.ones(n_opt), np.zeros(n_pairs)])
    with _quiet_stdout():  # HiGHS' presolve prints debugging lines to the C stdout
        res = run_milp(obj, cons, integrality, np.zeros(nvar), np.ones(nvar), time_limit_s)
    status, message = milp_status(res)
    if status == "infeasible":
        raise InfeasibleError(
            "no choice of options within the budget meets the equity constraint; "
            "raise the budget or lower the required gain per group"
        )
    bound = dual_bound(res, sign=-1.0, default=float(pair_gain.sum()))
    if res.x is None:
        if equity is not None:
            raise InfeasibleError(
                f"the MILP found no plan meeting the equity constraint: {message}"
            )
        bound = min(bound, lagrangian_bound(g, c, b))
        return _result(g, c, greedy_sel, max(bound, greedy_obj), "milp+greedy", t0, message)
    chosen = np.flatnonzero(res.x[:n_opt] > 0.5).astype(np.int64)
    sel_obj = float(assign_rows(g, chosen)[1])
    if equity is None and greedy_obj > sel_obj:
        return _result(g, c, greedy_sel, max(bound, greedy_obj), "milp+greedy", t0, message)
    return _result(g, c, chosen, max(bound, sel_obj), "milp", t0, message)


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Send the process' stdout (file descriptor 1) to the null device meanwhile."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # no real stdout (e.g. captured)
        fd = 1
    sys.stdout.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), fd)
            yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


def _result(
    g: sp.csc_array,
    c: NDArray[np.float64],
    selected: NDArray[np.int64],
    bound: float,
    method: str,
    t0: float,
    message: str,
) -> PortfolioResult:
    sel = np.unique(np.asarray(selected, dtype=np.int64))
    assignment, objective, _ = assign_rows(g, sel)
    gap = (bound - objective) / max(objective, 1e-12)
    proven = gap <= _TOL or bound <= 1e-12
    assignment.flags.writeable = False
    return PortfolioResult(
        selected=tuple(int(j) for j in sel),
        assignment=assignment,
        objective=float(objective),
        bound=float(max(bound, objective)),
        gap=0.0 if proven else float(gap),
        proven_optimal=bool(proven),
        cost=float(c[sel].sum()),
        method=method,
        runtime_s=time.perf_counter() - t0,
        message=message,
    )


def _checked(
    gain: ArrayLike | sp.sparray | sp.spmatrix, cost: ArrayLike, budget: float, method: str
) -> tuple[sp.csc_array, NDArray[np.float64], float]:
    """The gain as a CSC array, the costs and the budget; every problem raised at once."""
    problems: list[Problem] = []
    src = "solve_portfolio"
    if method not in METHODS:
        problems.append(Problem(f"unknown method {method!r}; use one of {METHODS}", src))
    g = sp.csc_array(gain, dtype=np.float64) if sp.issparse(gain) else None
    if g is None:
        dense = np.asarray(gain, dtype=np.float64)
        if dense.ndim != 2:
            raise SchemaError(
                [Problem(f"gain must be 2-D (rows x options), got shape {dense.shape}", src)]
            )
        g = sp.csc_array(dense)
    c = np.asarray(cost, dtype=np.float64)
    data = g.data
    if not np.isfinite(data).all():
        problems.append(Problem("gain has NaN or infinite entries; give 0 for no gain", src))
    elif (data < 0).any():
        coo = g.tocoo()
        k = int(np.flatnonzero(coo.data < 0)[0])
        i, j = int(coo.row[k]), int(coo.col[k])
        problems.append(Problem(f"gain must be >= 0; gain[{i}, {j}] is negative", src))
    if c.ndim != 1 or c.size != g.shape[1]:
        problems.append(
            Problem(f"cost must have one entry per option ({g.shape[1]}), got shape {c.shape}", src)
        )
    elif not np.isfinite(c).all() or (c < 0).any():
        bad = int(np.flatnonzero(~np.isfinite(c) | (c < 0))[0])
        problems.append(Problem(f"cost must be finite and >= 0; cost[{bad}] = {c[bad]}", src))
    b = float(budget)
    if not np.isfinite(b) or b < 0:
        problems.append(Problem(f"budget must be finite and >= 0, got {budget!r}", src))
    if problems:
        raise SchemaError(problems)
    return g, c, b


def _checked_equity(
    groups: ArrayLike | None,
    need: ArrayLike | None,
    n_rows: int,
    method: str,
) -> tuple[NDArray[np.int64], NDArray[np.float64]] | None:
    if groups is None and need is None:
        return None
    src = "solve_portfolio"
    if groups is None or need is None:
        raise SchemaError([Problem("give both groups and min_group_gain, or neither", src)])
    if method == "greedy":
        raise SchemaError([Problem("the equity constraint needs method 'milp' or 'auto'", src)])
    grp = np.asarray(groups)
    req = np.asarray(need, dtype=np.float64)
    problems: list[Problem] = []
    if grp.shape != (n_rows,) or grp.dtype.kind not in "iu":
        problems.append(Problem(f"groups must be {n_rows} integers (one per row)", src))
    if req.ndim != 1 or not np.isfinite(req).all():
        problems.append(Problem("min_group_gain must be a 1-D array of finite numbers", src))
    elif grp.shape == (n_rows,) and grp.size and (grp.max() >= req.size or grp.min() < -1):
        problems.append(Problem(f"groups must lie in -1..{req.size - 1}", src))
    if problems:
        raise SchemaError(problems)
    return grp.astype(np.int64), req
