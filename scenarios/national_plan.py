"""The outreach plan at national scale (``accessgap national --budget-pkr``).

:func:`plan_national` runs the gap analysis, prices every option of every channel
(:func:`scenarios.portfolio.build_options`) and chooses the best mix for a budget
(:func:`scenarios.portfolio.plan_from_inputs`) on a region of any size, timing each step. At
national size the solver takes its fast path (greedy with a Lagrangian bound, the gap
reported); the frontier is reduced there (:func:`frontier_steps_for`): each of its budgets is
one more solve, 10-40 s at 80,000 settlements on a 2-core machine, and the output says so.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from access.analysis import gap_analysis
from geodata.region import Region
from scenarios.portfolio import (
    PortfolioPlan,
    PortfolioSettings,
    build_options,
    plan_from_inputs,
    write_portfolio,
)

__all__ = ["FULL_FRONTIER_MAX_SETTLEMENTS", "frontier_steps_for", "plan_national"]

#: Regions up to this many settlements get the full frontier; larger ones fewer budgets.
FULL_FRONTIER_MAX_SETTLEMENTS = 10_000


def frontier_steps_for(n_settlements: int, requested: int = 10) -> int:
    """Budgets on the frontier for a region of ``n_settlements`` (at least 1: the plan).

    ``requested`` up to :data:`FULL_FRONTIER_MAX_SETTLEMENTS` settlements, then shrinking in
    proportion to the size, so the frontier's solves stay within about the plan's own time.

    Examples
    --------
    >>> frontier_steps_for(5_000), frontier_steps_for(24_000), frontier_steps_for(80_000)
    (10, 4, 1)
    """
    if n_settlements <= FULL_FRONTIER_MAX_SETTLEMENTS:
        return requested
    return max(1, min(requested, round(requested * FULL_FRONTIER_MAX_SETTLEMENTS / n_settlements)))


def plan_national(
    region: Region,
    budget_pkr: float,
    out_dir: str | Path,
    *,
    settings: PortfolioSettings | None = None,
    time_limit_s: float | None = 60.0,
    frontier_steps: int | None = None,
) -> tuple[PortfolioPlan, dict[str, Any]]:
    """The best outreach mix for ``budget_pkr`` on ``region``, written to ``out_dir``.

    Parameters
    ----------
    region
        The region (with registry coverage).
    budget_pkr
        Budget, PKR over the horizon (present value).
    out_dir
        Folder for ``portfolio.json``, ``channels.csv``, ``options.csv``, ``frontier.csv``,
        ``map.html`` (replaced whole).
    settings
        The assumptions (default :class:`PortfolioSettings`).
    time_limit_s
        Seconds per solve.
    frontier_steps
        Budgets on the frontier; ``None``: :func:`frontier_steps_for` the region's size.

    Returns
    -------
    (PortfolioPlan, dict)
        The plan and its figures: registrations, bound, gap, method, cost, options and pairs,
        frontier steps (and why fewer), seconds per step.

    Raises
    ------
    AccessGapError
        When the region has no registry coverage.
    """
    n = len(region.settlements)
    steps = frontier_steps if frontier_steps is not None else frontier_steps_for(n)
    secs: dict[str, float] = {}
    t = time.perf_counter()
    gaps = gap_analysis(region)
    secs["gap_analysis"] = time.perf_counter() - t
    t = time.perf_counter()
    inputs = build_options(region, settings, gaps=gaps)
    secs["options"] = time.perf_counter() - t
    t = time.perf_counter()
    plan = plan_from_inputs(
        inputs, budget_pkr, time_limit_s=time_limit_s, frontier_steps=steps, method="auto"
    )
    secs["solve_and_frontier"] = time.perf_counter() - t
    t = time.perf_counter()
    write_portfolio(plan, out_dir)
    secs["write"] = time.perf_counter() - t
    secs["total"] = sum(secs.values())
    r = plan.result
    note = (
        f"The frontier has {steps} budget(s) instead of 10 at this size ({n:,} settlements): "
        "each budget is one more solve; run `accessgap plan REGION --frontier-steps K` for more."
        if frontier_steps is None and steps < 10
        else ""
    )
    figures: dict[str, Any] = {
        "budget_pkr": float(budget_pkr),
        "horizon_years": inputs.settings.horizon_years,
        "expected_registrations": r.objective,
        "bound": r.bound,
        "gap": r.gap,
        "proven_optimal": r.proven_optimal,
        "method": r.method,
        "cost_pkr": r.cost,
        "pkr_per_registration": r.cost / r.objective if r.objective > 0 else None,
        "options": len(inputs.options),
        "pairs": int(inputs.gain.nnz),
        "frontier_steps": steps,
        "frontier_note": note,
        "seconds": secs,
    }
    return plan, figures
