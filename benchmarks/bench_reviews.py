"""Benchmark of a quarter of mobile reviews (#19): 500 halts, 10 vans, 13 weeks, 2 visits.

On the default sample region (the demo's), 500 settlements within 3 h by car of a centre
(every other one by id) are review targets; 10 vans from the 3 centres visit each twice in 13
weeks (78 working days, two sub-windows of 39), 60 minutes of record review per visit (3
visits of 500 targets do not fit 10 vans: the planner says so and how many vans it needs).
Prints the whole call (targets, the travel matrix, the sub-window plans, the calendar) and, as the
named baseline in the same run, the one-off campaign planner (``plan_campaign``) visiting the
same 500 halts once over the first sub-window's 39 days (what one round of the quarter
costs when planned as a van campaign).

Examples
--------
    PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_reviews.py
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from access.analysis import gap_analysis  # noqa: E402
from access.speeds import TravelSettings  # noqa: E402
from access.synthetic import SAMPLE_LOW_AWARENESS_UNITS, build_sample_region  # noqa: E402
from scenarios.field import ReviewOptions, plan_reviews  # noqa: E402
from scenarios.field.calendar import sub_windows, window_dates  # noqa: E402
from scenarios.field.reviews import per_visit, review_dwell  # noqa: E402
from scenarios.routing import drive_matrix, plan_campaign, van_depots  # noqa: E402

START = date(2027, 1, 4)
VISITS = 2


def main() -> None:
    """Run the benchmark and print its figures."""
    region, _ = build_sample_region(low_awareness_units=SAMPLE_LOW_AWARENESS_UNITS)
    region = replace(region, metadata={**region.metadata, "fingerprint": region.fingerprint()})
    gaps = gap_analysis(region, fit_model=False)
    near = gaps.settlements.loc[gaps.settlements["travel_min_car"] <= 180, "settlement_id"]
    ids = tuple(sorted(near.astype(str))[::2][:500])
    options = ReviewOptions(
        vans=10, weeks=13, visits=VISITS, start_date=START, review_min=60, targets=ids
    )
    t0 = time.perf_counter()
    plan = plan_reviews(region, options, gaps=gaps)
    quarter_s = time.perf_counter() - t0
    s = plan.summary()
    print(
        f"reviews: {s['targets']} targets x {s['visits_per_target']} visits, {s['vans']} vans, "
        f"{s['weeks']} weeks: {s['visits']} visits on {s['van_days_used']} of "
        f"{s['van_days_available']} van-days, longest day {s['max_drive_min_in_a_day']} min "
        f"driving, {s['nights_away']} nights away; {quarter_s:.1f} s "
        f"(solver {s['runtime_s']:.1f} s)"
    )
    # baseline: one-off campaign planner, the same halts once over one sub-window
    f = options.van_options(39, START)
    depots = van_depots(region, f)
    _, dur = drive_matrix(region, depots, plan.targets, f, TravelSettings(mode="car"))
    window = sub_windows(window_dates(START, 13, f.working_days), VISITS)[0]
    regs = per_visit(plan.targets["expected_registrations"].to_numpy(np.int64), VISITS)[:, 0]
    dwell = np.r_[np.zeros(len(depots), dtype=np.int64), review_dwell(regs, options)]
    prio = np.r_[np.zeros(len(depots)), 1.0 + plan.targets["priority"].to_numpy(float)]
    t0 = time.perf_counter()
    base = plan_campaign(
        dur, dwell, prio, depots=list(range(len(depots))), vans=10, days=len(window),
        min_onsite_ratio=0.0, day_breaks=f.day_breaks(window),
    )  # fmt: skip
    base_s = time.perf_counter() - t0
    print(
        f"baseline plan_campaign (same 500 halts once, 10 vans, {len(window)} days): "
        f"{len(base.visited_halts)} visited, {len(base.dropped)} dropped; {base_s:.1f} s"
    )
    print(f"quarter / one round: {quarter_s / base_s:.2f}x; target < 120 s: {quarter_s < 120}")


if __name__ == "__main__":
    main()
