"""Benchmark of the default van plan on the sample region (#19): field rules vs the old plan.

Plans 3 vans for 10 days on the default sample region (the demo's) twice in the same run:
``baseline`` with the options the planner had before #19 (no driving cap, no overnight stays,
no on-site rule, the same break every day, every day a working day) and ``default`` with
today's :data:`~scenarios.routing.VAN_DEFAULTS`. Prints registrations, registrations per
van-day used, the longest day's driving, the least on-site minutes per driving minute of a
day, halts dropped, the sum of the itinerary rows' registrations and seconds.

Examples
--------
    PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_vans.py
"""

from __future__ import annotations

import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from access.analysis import gap_analysis  # noqa: E402
from access.synthetic import build_sample_region  # noqa: E402
from scenarios.demo import SAMPLE_LOW_AWARENESS_UNITS  # noqa: E402
from scenarios.routing import VanOptions, plan_vans  # noqa: E402

START = date(2027, 1, 4)  # a Monday

#: The options of the planner before #19, for comparison in the same run.
BASELINE = VanOptions(
    start_date=START,
    max_drive_min_per_day=None,
    overnight_at_halt=False,
    min_onsite_ratio=0.0,
    friday_breaks=None,
    working_days=(0, 1, 2, 3, 4, 5, 6),
)


def _row_sum(plan) -> int:  # type: ignore[no-untyped-def]
    """Registrations summed over itinerary rows the way the old rows counted them."""
    regs = plan.locations.set_index("halt")["expected_registrations"]
    return sum(int(regs.loc[v.halt]) for vd in plan.campaign.van_days for v in vd.visits)


def main() -> None:
    """Print the figures of both plans."""
    region, _ = build_sample_region(low_awareness_units=SAMPLE_LOW_AWARENESS_UNITS)
    region = replace(region, metadata={**region.metadata, "fingerprint": region.fingerprint()})
    gaps = gap_analysis(region, fit_model=False)
    from scenarios.routing.itinerary_tables import visit_registrations

    print(f"{'plan':<9} {'regs':>6} {'per van-day':>11} {'van-days':>8} {'max drive':>9} "
          f"{'min on-site/drive':>17} {'nights':>6} {'dropped':>7} {'row sum old':>11} "
          f"{'row sum new':>11} {'seconds':>7}")  # fmt: skip
    for name, options in (("baseline", BASELINE), ("default", VanOptions(start_date=START))):
        t0 = time.perf_counter()
        plan = plan_vans(region, options, gaps=gaps)
        seconds = time.perf_counter() - t0
        s = plan.summary()
        used = [vd for vd in plan.campaign.van_days if vd.visits]
        ratio = min(
            (sum(v.dwell_min for v in vd.visits) / vd.drive_min for vd in used if vd.drive_min),
            default=float("nan"),
        )
        new_sum = sum(visit_registrations(plan.campaign, plan.locations).values())
        print(
            f"{name:<9} {s['expected_registrations']:>6.0f} "
            f"{s['registrations_per_van_day']:>11.1f} {s['van_days_used']:>8} "
            f"{s['max_drive_min_in_a_day']:>9} {ratio:>17.2f} {s['nights_away']:>6} "
            f"{s['halts_dropped']:>7} {_row_sum(plan):>11} {new_sum:>11} {seconds:>7.1f}"
        )


if __name__ == "__main__":
    main()
