"""Running PyVRP for the routing cores: stopping criterion and warnings.

See ``docs/routing.md`` for the solver benchmark that led to PyVRP.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import pyvrp
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria, StoppingCriterion

__all__ = ["DEFAULT_MAX_ITERATIONS", "SOLVER_NAME", "run_pyvrp", "stop_criterion"]

logger = logging.getLogger(__name__)

#: Name of the solver, recorded on every result.
SOLVER_NAME = "pyvrp"

#: Default number of PyVRP iterations when no time limit is given (deterministic stop).
DEFAULT_MAX_ITERATIONS = 3_000


def run_pyvrp(data: pyvrp.ProblemData, stop: StoppingCriterion, seed: int) -> pyvrp.Result:
    """Run PyVRP; its penalty-bound hint is logged, not raised (feasibility is checked after).

    Parameters
    ----------
    data
        The problem.
    stop
        When to stop (see :func:`stop_criterion`).
    seed
        Seed of the solver's random number generator.

    Returns
    -------
    pyvrp.Result
        PyVRP's result (best solution and cost).
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PenaltyBoundWarning)
        result = pyvrp.solve(data, stop, seed=seed, collect_stats=False, display=False)
    for w in caught:
        if issubclass(w.category, PenaltyBoundWarning):
            logger.warning("PyVRP: %s", " ".join(str(w.message).split()))
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return result


def stop_criterion(time_limit_s: float | None, max_iterations: int | None) -> StoppingCriterion:
    """Stop at the first limit reached; with neither, after :data:`DEFAULT_MAX_ITERATIONS`.

    Parameters
    ----------
    time_limit_s
        Wall-clock seconds, or ``None``.
    max_iterations
        Iterations, or ``None``.

    Returns
    -------
    pyvrp.stop.StoppingCriterion
        One criterion, or both combined.
    """
    criteria: list[Any] = []
    if time_limit_s is not None:
        criteria.append(MaxRuntime(float(time_limit_s)))
    if max_iterations is not None:
        criteria.append(MaxIterations(int(max_iterations)))
    if not criteria:
        criteria.append(MaxIterations(DEFAULT_MAX_ITERATIONS))
    return criteria[0] if len(criteria) == 1 else MultipleCriteria(criteria)
