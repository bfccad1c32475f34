"""What a placement model returns: the chosen sites, the bound, the gap; the coverage curve.

Also the optimality test every model uses to decide whether its bound proves its objective
optimal (:data:`OPTIMALITY_TOL`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "OPTIMALITY_TOL",
    "CoverageCurve",
    "PlacementResult",
    "frozen",
    "make_result",
    "proven_max",
    "proven_min",
]

#: Relative tolerance under which a bound and an objective are taken as equal.
OPTIMALITY_TOL = 1e-6


@dataclass(frozen=True, eq=False)
class PlacementResult:
    """Sites chosen by one placement model and how good the choice is proven to be.

    Parameters
    ----------
    model
        ``"p_median"``, ``"max_coverage"``, ``"set_cover"`` or ``"capacitated_max_coverage"``.
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
        Solver used: ``"milp"``, ``"heuristic"``, ``"heuristic+milp"`` (heuristic, then a
        MILP restricted by Lagrangian fixing) or ``"milp+heuristic"`` (MILP without an
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


def make_result(
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
    """Assemble a :class:`PlacementResult` from an open-site mask and the solver's figures.

    Parameters
    ----------
    model
        Name of the model.
    open_mask
        Open columns (fixed ones included).
    fixed_idx
        Fixed columns.
    objective, bound
        Objective of the solution and the proven bound on the optimum.
    site
        Assignment per demand row (-1 when unserved).
    method
        Solver used.
    t0
        ``time.perf_counter()`` at the start of the call (for ``runtime_s``).
    message
        What stopped the solver.

    Returns
    -------
    PlacementResult
        With the relative gap, 0 (and ``proven_optimal``) within :data:`OPTIMALITY_TOL`.
    """
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
        assignment=frozen(site.astype(np.int64)),
        method=method,
        runtime_s=time.perf_counter() - t0,
        message=message,
    )


def proven_min(objective: float, bound: float, integral: bool) -> bool:
    """Whether a lower ``bound`` proves a minimisation's ``objective`` optimal.

    With ``integral`` data the bound is rounded up to the next integer first.
    """
    if integral:
        bound = math.ceil(bound - 1e-9 * max(1.0, abs(bound)))
    return objective - bound <= OPTIMALITY_TOL * max(abs(objective), 1e-12)


def proven_max(objective: float, bound: float, integral: bool) -> bool:
    """Whether an upper ``bound`` proves a maximisation's ``objective`` optimal.

    With ``integral`` data the bound is rounded down to an integer first.
    """
    if integral:
        bound = math.floor(bound + 1e-9 * max(1.0, abs(bound)))
    return bound - objective <= OPTIMALITY_TOL * max(abs(objective), 1e-12)


def frozen(a: NDArray[Any]) -> NDArray[Any]:
    """A contiguous, read-only version of ``a`` (for arrays handed out in results)."""
    a = np.ascontiguousarray(a)
    a.flags.writeable = False
    return a
