"""The one MILP helper of the placement models: HiGHS through :func:`scipy.optimize.milp`.

Every model builds its constraint matrix and calls :func:`run_milp`, which runs HiGHS with the
same options (relative gap 1e-9, presolve, an optional time limit) and reads back the status,
the incumbent's site mask and HiGHS' dual bound (:class:`MilpOutcome`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.optimize import Bounds, LinearConstraint, milp

__all__ = [
    "AUTO_MILP_MAX_NNZ",
    "MilpOutcome",
    "choose_method",
    "dual_bound",
    "knapsack_rows",
    "milp_status",
    "outcome",
    "remaining",
    "run_milp",
]

#: ``method="auto"`` solves the MILP when the model has at most this many reachable
#: (demand, candidate) pairs after the reductions, and the heuristic above it.
AUTO_MILP_MAX_NNZ = 120_000


@dataclass
class MilpOutcome:
    """What a MILP run gave.

    Parameters
    ----------
    open_mask
        The incumbent's open sites (None without an incumbent, or when infeasible).
    bound
        HiGHS' dual bound, in the model's own sense (lower for a minimisation).
    status
        ``"optimal"``, ``"infeasible"``, ``"limit"`` or ``"other"``.
    message
        What stopped HiGHS (empty when optimal).
    """

    open_mask: NDArray[np.bool_] | None
    bound: float
    status: str
    message: str


def run_milp(
    c: NDArray[np.float64],
    constraints: LinearConstraint | Sequence[LinearConstraint],
    integrality: NDArray[Any],
    lb: NDArray[np.float64],
    ub: NDArray[np.float64],
    time_limit_s: float | None,
) -> Any:
    """Minimise ``c @ x`` under ``constraints`` with HiGHS.

    Parameters
    ----------
    c
        Objective coefficients.
    constraints
        Linear constraints (one or a list).
    integrality
        1 for integer variables, 0 for continuous ones.
    lb, ub
        Variable bounds.
    time_limit_s
        Seconds HiGHS may take (None: no limit).

    Returns
    -------
    scipy.optimize.OptimizeResult
        As returned by :func:`scipy.optimize.milp`.
    """
    options: dict[str, Any] = {"mip_rel_gap": 1e-9, "presolve": True}
    if time_limit_s is not None:
        options["time_limit"] = time_limit_s
    return milp(
        c=c,
        constraints=constraints,
        integrality=integrality,
        bounds=Bounds(lb, ub),
        options=options,
    )


def outcome(res: Any, y_start: int, y_size: int, bound: float) -> MilpOutcome:
    """Read a :func:`run_milp` result whose site variables are ``x[y_start:y_start + y_size]``.

    Parameters
    ----------
    res
        The result of :func:`run_milp`.
    y_start, y_size
        Where the binary site variables are.
    bound
        The bound to report (the caller turns HiGHS' dual bound into the model's sense).

    Returns
    -------
    MilpOutcome
    """
    status, message = milp_status(res)
    if res.x is None or status == "infeasible":
        return MilpOutcome(None, bound, status, message)
    return MilpOutcome(np.asarray(res.x[y_start : y_start + y_size] > 0.5), bound, status, message)


def dual_bound(res: Any, *, sign: float, default: float) -> float:
    """``sign`` x HiGHS' dual bound, or ``default`` when there is none or it is not finite."""
    if res.mip_dual_bound is None:
        return default
    bound = sign * float(res.mip_dual_bound)
    return bound if math.isfinite(bound) else default


def milp_status(res: Any) -> tuple[str, str]:
    """``(status, message)`` of a :func:`scipy.optimize.milp` result.

    Returns
    -------
    tuple of str
        ``"optimal"``, ``"infeasible"``, ``"limit"`` (time limit) or ``"other"``, and the
        message (empty when optimal).
    """
    if res.status == 0:
        return "optimal", ""
    if res.status == 2:
        return "infeasible", str(res.message)
    if res.status == 1:
        return "limit", "time limit reached"
    return "other", str(res.message)


def knapsack_rows(
    y_cols: NDArray[np.int64], nvar: int, oc: NDArray[np.float64] | None, budget: float | None
) -> tuple[list[sp.csr_array], list[float], list[float]]:
    """The budget row ``sum_j oc_j y_j <= budget`` (none without a budget).

    Returns
    -------
    tuple
        Rows to stack, their lower bounds and their upper bounds.
    """
    if oc is None or budget is None:
        return [], [], []
    row = sp.csr_array((oc, (np.zeros(y_cols.size, dtype=np.int64), y_cols)), shape=(1, nvar))
    return [row], [-np.inf], [float(budget)]


def choose_method(method: str, nnz: int) -> str:
    """``"milp"`` or ``"heuristic"`` for ``method="auto"`` by model size; else ``method``."""
    if method == "auto":
        return "milp" if nnz <= AUTO_MILP_MAX_NNZ else "heuristic"
    return method


def remaining(deadline: float | None) -> float | None:
    """Seconds left until ``deadline`` (at least 1 ms), None without a deadline."""
    return None if deadline is None else max(deadline - time.perf_counter(), 1e-3)
