"""The outreach portfolio: one cost-turnout-capacity model for every channel, the best mix.

``solve_portfolio`` is the array core (gains per settlement and option, costs, a budget);
the channel model and the region adapter build its arrays from a region.
"""

from __future__ import annotations

from scenarios.portfolio.fast import assign_rows, greedy_portfolio, lagrangian_bound
from scenarios.portfolio.solver import (
    AUTO_MILP_MAX_PAIRS,
    METHODS,
    PortfolioResult,
    solve_portfolio,
)

__all__ = [
    "AUTO_MILP_MAX_PAIRS",
    "METHODS",
    "PortfolioResult",
    "assign_rows",
    "greedy_portfolio",
    "lagrangian_bound",
    "solve_portfolio",
]
