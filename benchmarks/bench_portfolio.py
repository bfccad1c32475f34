"""Outreach portfolio benchmark (#18): a budgeted plan on the national synthetic region.

Usage (repository root)::

    .venv/bin/python benchmarks/bench_portfolio.py --scale 0.1 --budget-pkr 1e9
    .venv/bin/python benchmarks/bench_portfolio.py --scale 1.0 --budget-pkr 1e10 --cache-dir .cache

Steps: generate (or load from ``--cache-dir``) the national synthetic region
(``scenarios.national``); then, timed as ``accessgap national --budget-pkr`` runs it
(``scenarios.national_plan.plan_national``): gap analysis; every channel's options
(``scenarios.portfolio.build_options``, centres searched up to ``--cutoff-min``); the plan for
the budget (``method="auto"``: the MILP up to ``AUTO_MILP_MAX_PAIRS`` pairs, else the greedy
with its Lagrangian bound) with its gap and the frontier (``--frontier-steps``; default the
national rule ``frontier_steps_for``); writing the files. Target: the plan in under 300 s.
Baseline, same run: the same budget spent on new
centres only (how scenarios were costed before #18), solved the same way. Prints seconds per
step, the plan's registrations, PKR per registration and gap, and both against the baseline.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scenarios.national import build_national_region, national_params  # noqa: E402
from scenarios.national_plan import plan_national  # noqa: E402
from scenarios.portfolio import PortfolioSettings, solve_portfolio  # noqa: E402


def main() -> None:
    """Run the benchmark and print its figures."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--budget-pkr", type=float, default=1e9)
    ap.add_argument("--horizon-years", type=int, default=5)
    ap.add_argument("--cutoff-min", type=float, default=PortfolioSettings().coverage_cutoff_min)
    ap.add_argument("--time-limit", type=float, default=120.0)
    ap.add_argument("--cache-dir", type=Path, default=None)
    ap.add_argument("--frontier-steps", type=int, default=None)
    a = ap.parse_args()
    t_all = time.perf_counter()
    t = time.perf_counter()
    region, secs = build_national_region(national_params(a.scale), cache_dir=a.cache_dir)
    print(
        f"region: {len(region.settlements):,} settlements, {len(region.centres)} centres, "
        f"{len(region.candidates):,} candidates ({time.perf_counter() - t:.1f} s, {secs})"
    )
    st = PortfolioSettings(horizon_years=a.horizon_years, coverage_cutoff_min=a.cutoff_min)
    with tempfile.TemporaryDirectory() as tmp:
        plan, fig = plan_national(
            region,
            a.budget_pkr,
            Path(tmp) / "portfolio",
            settings=st,
            time_limit_s=a.time_limit,
            frontier_steps=a.frontier_steps,
        )
    inputs, r, secs = plan.inputs, plan.result, fig["seconds"]
    print(
        f"options: {len(inputs.options):,} ({inputs.options['channel'].value_counts().to_dict()}), "
        f"{inputs.gain.nnz:,} pairs"
    )
    print(
        f"plan: gap analysis {secs['gap_analysis']:.1f} s, options {secs['options']:.1f} s, "
        f"solve + frontier ({fig['frontier_steps']} budgets) {secs['solve_and_frontier']:.1f} s "
        f"(solve {r.runtime_s:.1f} s, method {r.method}), write {secs['write']:.1f} s"
    )
    verdict = "met" if secs["total"] < 300 else "NOT met"
    print(f"budgeted plan total: {secs['total']:.1f} s (target < 300 s: {verdict})")
    if fig["frontier_note"]:
        print(fig["frontier_note"])
    print(plan.channels.round(0).to_string(index=False))
    print(
        f"registrations {r.objective:,.0f}, bound {r.bound:,.0f}, gap {r.gap:.3%}, "
        f"cost PKR {r.cost:,.0f} of {a.budget_pkr:,.0f}"
    )
    centres = np.flatnonzero(inputs.options["channel"].to_numpy() == "centre")
    t = time.perf_counter()
    base = solve_portfolio(
        sp.csc_array(inputs.gain[:, centres]),
        inputs.cost[centres],
        a.budget_pkr,
        time_limit_s=a.time_limit,
    )
    print(
        f"baseline (centres only): registrations {base.objective:,.0f}, gap {base.gap:.3%}, "
        f"PKR/registration {base.cost / max(base.objective, 1e-9):,.0f} "
        f"({time.perf_counter() - t:.1f} s)"
    )
    ratio = r.objective / max(base.objective, 1e-9)
    print(
        f"portfolio vs centres only: {ratio:.2f}x the registrations for the same budget; "
        f"PKR/registration {r.cost / max(r.objective, 1e-9):,.0f}"
    )
    print(f"total: {time.perf_counter() - t_all:.1f} s")


if __name__ == "__main__":
    main()
