"""The outreach portfolio: one cost-turnout-capacity model for every channel, the best mix.

``solve_portfolio`` is the array core (gains per settlement and option, costs, a budget);
``build_options`` turns a region into its arrays (every channel priced and scored alike);
``plan_portfolio`` chooses the best mix for a budget and traces the frontier;
``write_portfolio`` writes the plan's files.
"""

from __future__ import annotations

from scenarios.portfolio.channels import desk_wait_saved_h
from scenarios.portfolio.fast import assign_rows, greedy_portfolio, lagrangian_bound
from scenarios.portfolio.inputs import OPTION_COLUMNS, PortfolioInputs, build_options
from scenarios.portfolio.outputs import options_table, write_portfolio
from scenarios.portfolio.plan import (
    PortfolioPlan,
    channel_table,
    frontier,
    plan_from_inputs,
    plan_portfolio,
)
from scenarios.portfolio.settings import CHANNELS, PortfolioSettings
from scenarios.portfolio.solver import (
    AUTO_MILP_MAX_PAIRS,
    METHODS,
    PortfolioResult,
    solve_portfolio,
)
from scenarios.portfolio.turnout import households_to_reach, uptake, wait_as_travel_min

__all__ = [
    "AUTO_MILP_MAX_PAIRS",
    "CHANNELS",
    "METHODS",
    "OPTION_COLUMNS",
    "PortfolioInputs",
    "PortfolioPlan",
    "PortfolioResult",
    "PortfolioSettings",
    "assign_rows",
    "build_options",
    "channel_table",
    "desk_wait_saved_h",
    "frontier",
    "greedy_portfolio",
    "households_to_reach",
    "lagrangian_bound",
    "options_table",
    "plan_from_inputs",
    "plan_portfolio",
    "solve_portfolio",
    "uptake",
    "wait_as_travel_min",
    "write_portfolio",
]
