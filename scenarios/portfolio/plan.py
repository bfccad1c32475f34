"""The best outreach mix for a budget, its frontier, and what each channel brings.

:func:`plan_from_inputs` solves :func:`~scenarios.portfolio.solve_portfolio` on a region's
options (:func:`~scenarios.portfolio.inputs.build_options`), optionally with an equity
constraint (no tehsil left with exclusion above a share), and traces the frontier: expected
registrations and PKR per registration as the budget grows in equal steps, and which channel
enters at each step. :func:`plan_portfolio` does both from a region.

The frontier never falls: a plan for a smaller budget is a plan for a larger one, so when a
step's solver (the fast path, or the MILP under a time limit) returns less than the step
before, the earlier plan is kept (``kept_previous``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from access.analysis import GapResult
from geodata.errors import SchemaError
from geodata.export import json_safe
from geodata.region import Region
from scenarios.portfolio.inputs import PortfolioInputs, build_options
from scenarios.portfolio.settings import CHANNELS, PortfolioSettings
from scenarios.portfolio.solver import PortfolioResult, solve_portfolio

__all__ = ["PortfolioPlan", "frontier", "plan_from_inputs", "plan_portfolio"]


@dataclass(frozen=True, eq=False)
class PortfolioPlan:
    """A budgeted outreach plan.

    Parameters
    ----------
    budget_pkr
        The budget (PKR over the horizon, present value).
    inputs
        The options and gains the plan chose from.
    result
        The solver's answer (chosen option columns, assignment, bound, gap).
    options
        ``inputs.options`` with ``chosen`` and ``registrations_in_plan`` (what each chosen
        option brings given the others: each settlement counted once).
    channels
        Per channel: options chosen, cost over the horizon, expected registrations, PKR per
        registration; and a ``total`` row.
    frontier
        The frontier table (:func:`frontier`); empty when not asked for.
    max_tehsil_exclusion
        The equity constraint's share, or None.
    notes
        Statements for the reader.
    """

    budget_pkr: float
    inputs: PortfolioInputs
    result: PortfolioResult
    options: pd.DataFrame
    channels: pd.DataFrame
    frontier: pd.DataFrame
    max_tehsil_exclusion: float | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        """The content of ``portfolio.json`` (JSON-safe)."""
        r = self.result
        chosen = self.options[self.options["chosen"]]
        per_channel = {}
        for row in self.channels.to_dict("records"):
            ch = str(row["channel"])
            ids: list[str] = (
                [] if ch == "total" else chosen.loc[chosen["channel"] == ch, "option_id"].tolist()
            )
            per_channel[ch] = {
                "options_available": int(row["options_available"]),
                "best_pkr_per_registration": row["best_pkr_per_registration"],
                "options_chosen": int(row["options_chosen"]),
                "option_ids": list(ids),
                "cost_horizon_pkr": float(row["cost_horizon_pkr"]),
                "expected_registrations": float(row["expected_registrations"]),
                "pkr_per_registration": row["pkr_per_registration"],
            }
        st = self.inputs.settings
        doc: dict[str, Any] = json_safe(
            {
                "format": 1,
                "budget_pkr": self.budget_pkr,
                "horizon_years": st.horizon_years,
                "channels": {k: v for k, v in per_channel.items() if k != "total"},
                "totals": per_channel.get("total"),
                "solver": {
                    "method": r.method,
                    "objective": r.objective,
                    "bound": r.bound,
                    "gap": r.gap,
                    "proven_optimal": r.proven_optimal,
                    "runtime_s": round(r.runtime_s, 3),
                    "message": r.message,
                },
                "equity": {"max_tehsil_exclusion": self.max_tehsil_exclusion},
                "assumptions": {
                    **st.as_dict(),
                    "annuity_factor": st.annuity_factor,
                    "growth_factor": st.growth_factor,
                    "turnout_model": {
                        "formula": "uptake = max(0, 1 - p(burden_new) / p(burden_old)), "
                        "p the region's exclusion model",
                        "mode": self.inputs.model.mode,
                        "intercept": self.inputs.model.coef[0],
                        "travel_h": self.inputs.model.coef[1],
                    },
                    "registrations": "expected registrations of bottom-40% households: the "
                    "unregistered today plus, for centres and desks, those formed over the "
                    "horizon; never above an option's capacity",
                    "costs": "PKR, set-up + one-off + yearly running cost discounted over "
                    "the horizon",
                },
                "notes": list(self.notes),
            }
        )
        return doc


def plan_portfolio(
    region: Region,
    budget_pkr: float,
    settings: PortfolioSettings | None = None,
    *,
    gaps: GapResult | None = None,
    time_limit_s: float | None = 60.0,
    method: str = "auto",
    max_tehsil_exclusion: float | None = None,
    frontier_steps: int = 10,
    frontier_method: str = "greedy",
) -> PortfolioPlan:
    """The best outreach mix for ``budget_pkr`` in ``region`` (see :func:`plan_from_inputs`).

    Raises
    ------
    AccessGapError
        When the region has no registry coverage.
    InfeasibleError
        When the equity constraint cannot be met within the budget.
    SchemaError
        A negative or non-finite budget or bad settings.
    """
    inputs = build_options(region, settings, gaps=gaps)
    return plan_from_inputs(
        inputs,
        budget_pkr,
        time_limit_s=time_limit_s,
        method=method,
        max_tehsil_exclusion=max_tehsil_exclusion,
        frontier_steps=frontier_steps,
        frontier_method=frontier_method,
    )


def plan_from_inputs(
    inputs: PortfolioInputs,
    budget_pkr: float,
    *,
    time_limit_s: float | None = 60.0,
    method: str = "auto",
    max_tehsil_exclusion: float | None = None,
    frontier_steps: int = 10,
    frontier_method: str = "greedy",
) -> PortfolioPlan:
    """The best outreach mix for ``budget_pkr`` among ``inputs``' options, and its frontier.

    Parameters
    ----------
    inputs
        The options (:func:`~scenarios.portfolio.inputs.build_options`).
    budget_pkr
        The budget, PKR over the horizon (present value).
    time_limit_s
        Seconds per solve.
    method
        ``"auto"``, ``"milp"`` or ``"greedy"`` (:func:`solve_portfolio`).
    max_tehsil_exclusion
        Optional: the share of bottom-40% households left unregistered that no tehsil may
        exceed after the plan (e.g. 0.10).
    frontier_steps
        Budgets of the frontier: ``budget x k / steps`` for ``k = 1..steps`` (0: none).
    frontier_method
        Method of the frontier's smaller budgets (default the greedy with its bound: each
        step's gap is in the table); the last step is the plan itself.

    Returns
    -------
    PortfolioPlan

    Raises
    ------
    InfeasibleError
        When the equity constraint cannot be met within the budget.
    SchemaError
        A bad budget or share.
    """
    equity = _equity(inputs, max_tehsil_exclusion)
    kwargs: dict[str, Any] = {"time_limit_s": time_limit_s, "method": method}
    if equity is not None:
        kwargs |= {"groups": equity[0], "min_group_gain": equity[1]}
    res = solve_portfolio(inputs.gain, inputs.cost, budget_pkr, **kwargs)
    options = _with_plan(inputs, res)
    notes: list[str] = []
    if not res.proven_optimal:
        notes.append(
            f"The plan is within {res.gap:.1%} of the best possible ({res.method}); "
            f"{res.message or 'not proven optimal'}."
        )
    table = (
        frontier(
            inputs,
            budget_pkr,
            steps=frontier_steps,
            time_limit_s=time_limit_s,
            method=frontier_method,
            last=res,
        )
        if frontier_steps > 0
        else pd.DataFrame()
    )
    return PortfolioPlan(
        float(budget_pkr),
        inputs,
        res,
        options,
        channel_table(options),
        table,
        max_tehsil_exclusion,
        tuple(notes),
    )


def frontier(
    inputs: PortfolioInputs,
    budget_pkr: float,
    *,
    steps: int = 10,
    time_limit_s: float | None = 60.0,
    method: str = "auto",
    last: PortfolioResult | None = None,
) -> pd.DataFrame:
    """Expected registrations and PKR per registration as the budget grows.

    Parameters
    ----------
    inputs
        The options.
    budget_pkr
        The largest budget; the frontier solves ``budget x k / steps``, ``k = 1..steps``.
    steps
        Number of budgets.
    time_limit_s, method
        As for :func:`solve_portfolio`.
    last
        The solution for the full budget when already known (it becomes the last step).

    Returns
    -------
    pandas.DataFrame
        Per budget: ``budget_pkr``, ``cost_pkr``, ``expected_registrations`` (never falling),
        ``pkr_per_registration``, ``bound``, ``gap``, options chosen per channel
        (``<channel>_options``), ``entering`` (channels with more options than the step
        before) and ``kept_previous``.
    """
    rows = []
    prev: PortfolioResult | None = None
    prev_counts = dict.fromkeys(CHANNELS, 0)
    for k in range(1, steps + 1):
        budget = budget_pkr * k / steps
        if k == steps and last is not None:
            res = last
        else:
            res = solve_portfolio(
                inputs.gain, inputs.cost, budget, time_limit_s=time_limit_s, method=method
            )
        kept = prev is not None and prev.objective > res.objective
        if kept and prev is not None:
            res = prev
        counts = _channel_counts(inputs, res.selected)
        reg = res.objective
        rows.append(
            {
                "step": k,
                "budget_pkr": budget,
                "cost_pkr": res.cost,
                "expected_registrations": reg,
                "pkr_per_registration": res.cost / reg if reg > 0 else np.nan,
                "bound": max(res.bound, reg),
                "gap": res.gap,
                **{f"{c}_options": counts[c] for c in CHANNELS},
                "entering": " ".join(c for c in CHANNELS if counts[c] > prev_counts[c]),
                "kept_previous": bool(kept),
            }
        )
        prev, prev_counts = res, counts
    return pd.DataFrame(rows)


def channel_table(options: pd.DataFrame) -> pd.DataFrame:
    """Per channel the options chosen, their cost, registrations and PKR per registration.

    Parameters
    ----------
    options
        The plan's options table (``chosen``, ``cost_horizon_pkr``, ``registrations_in_plan``).

    Returns
    -------
    pandas.DataFrame
        One row per channel of :data:`CHANNELS` and a ``total`` row; also
        ``options_available`` and ``best_pkr_per_registration`` (the cheapest option of the
        channel on its own), so channels can be compared side by side.
    """
    out = []
    for ch in (*CHANNELS, "total"):
        sub = options if ch == "total" else options[options["channel"] == ch]
        pick = sub[sub["chosen"]]
        cost = float(pick["cost_horizon_pkr"].sum())
        reg = float(pick["registrations_in_plan"].sum())
        out.append(
            {
                "channel": ch,
                "options_available": len(sub),
                "best_pkr_per_registration": float(sub["pkr_per_registration"].min())
                if len(sub)
                else np.nan,
                "options_chosen": len(pick),
                "cost_horizon_pkr": cost,
                "expected_registrations": reg,
                "pkr_per_registration": cost / reg if reg > 0 else np.nan,
            }
        )
    return pd.DataFrame(out)


# ---------------------------------------------------------------------------------------


def _with_plan(inputs: PortfolioInputs, res: PortfolioResult) -> pd.DataFrame:
    options = inputs.options.copy()
    chosen = np.zeros(len(options), dtype=bool)
    chosen[list(res.selected)] = True
    options["chosen"] = chosen
    a = res.assignment
    served = np.flatnonzero(a >= 0)
    g = inputs.gain.tocsr()
    per_row = np.asarray(g[served, a[served]]).ravel() if served.size else np.zeros(0)
    options["registrations_in_plan"] = np.bincount(
        a[served], weights=per_row, minlength=len(options)
    )
    return options


def _channel_counts(inputs: PortfolioInputs, selected: tuple[int, ...]) -> dict[str, int]:
    ch = inputs.options["channel"].to_numpy()[list(selected)]
    return {c: int((ch == c).sum()) for c in CHANNELS}


def _equity(
    inputs: PortfolioInputs, share: float | None
) -> tuple[NDArray[np.int64], NDArray[np.float64]] | None:
    """Groups (tehsil per row) and the registrations each tehsil needs to reach ``share``."""
    if share is None:
        return None
    if not 0 <= share <= 1:
        raise SchemaError(f"max_tehsil_exclusion must be a share in [0, 1], got {share!r}")
    s = inputs.settlements
    codes, _ = pd.factorize(s["tehsil"].astype(str), sort=True)
    stock = np.nan_to_num(s["unregistered_poor_households"].to_numpy(float))
    poor = np.nan_to_num(s["poor_households"].to_numpy(float))
    k = int(codes.max()) + 1 if codes.size else 0
    up = np.bincount(codes, weights=stock, minlength=k)
    pp = np.bincount(codes, weights=poor, minlength=k)
    need = np.maximum(up - share * pp, 0.0)
    groups = np.concatenate([codes, codes]).astype(np.int64)
    return groups, need
