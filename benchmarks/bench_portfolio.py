"""Outreach portfolio benchmark (#18): a budgeted plan on the national synthetic region.

Usage (repository root)::

    .venv/bin/python benchmarks/bench_portfolio.py --scale 0.1 --budget-pkr 1e9
    .venv/bin/python benchmarks/bench_portfolio.py --scale 1.0 --budget-pkr 1e10 --cache-dir .cache

Steps: generate (or load from ``--cache-dir``) the national synthetic region
(``scenarios.national``); gap analysis; every channel's options
(``scenarios.portfolio.build_options``, centres searched up to ``--cutoff-min``); the plan for
the budget (``method="auto"``: the MILP up to ``AUTO_MILP_MAX_PAIRS`` pairs, else the greedy
with its Lagrangian bound) with its gap. Baseline, same run: the same budget spent on new
centres only (how scenarios were costed before #18), solved the same way. Prints seconds per
step, the plan's registrations, PKR per registration and gap, and both against the baseline.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from access.analysis import gap_analysis  # noqa: E402
from scenarios.national import build_national_region, national_params  # noqa: E402
from scenarios.portfolio import (  # noqa: E402
    PortfolioSettings,
    build_options,
    plan_from_inputs,
    solve_portfolio,
)


def main() -> None:
    """Run the benchmark and print its figures."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--budget-pkr", type=float, default=1e9)
    ap.add_argument("--horizon-years", type=int, default=5)
    ap.add_argument("--cutoff-min", type=float, default=120.0)
    ap.add_argument("--time-limit", type=float, default=120.0)
    ap.add_argument("--cache-dir", type=Path, default=None)
    a = ap.parse_args()
    t_all = time.perf_counter()
    t = time.perf_counter()
    region, secs = build_national_region(national_params(a.scale), cache_dir=a.cache_dir)
    print(
        f"region: {len(region.settlements):,} settlements, {len(region.centres)} centres, "
        f"{len(region.candidates):,} candidates ({time.perf_counter() - t:.1f} s, {secs})"
    )
    t = time.perf_counter()
    gaps = gap_analysis(region)
    print(f"gap analysis: {time.perf_counter() - t:.1f} s")
    t = time.perf_counter()
    st = PortfolioSettings(horizon_years=a.horizon_years, coverage_cutoff_min=a.cutoff_min)
    inputs = build_options(region, st, gaps=gaps)
    print(
        f"options: {len(inputs.options):,} ({inputs.options['channel'].value_counts().to_dict()}), "
        f"{inputs.gain.nnz:,} pairs ({time.perf_counter() - t:.1f} s)"
    )
    t = time.perf_counter()
    plan = plan_from_inputs(inputs, a.budget_pkr, time_limit_s=a.time_limit, frontier_steps=5)
    r = plan.result
    print(f"plan: {time.perf_counter() - t:.1f} s (solve {r.runtime_s:.1f} s, method {r.method})")
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
