"""Cost of the barriers analysis (issue #17) on the sample district, against its baseline.

Baseline: ``gap_analysis(region, fit_model=False, with_barriers=False)`` (what the app's
Explore page computed before #17). Measured: the same with the barriers (capacity split,
Erlang C, burden by group, equity with E2SFCA), the awareness model (iterated fits and a
grouped 5-fold cross-validation) and the full ``gap_analysis`` of ``accessgap gaps``. Median
of ``REPEAT`` runs after one warm-up (travel graphs and numba kernels cached).

    PYTHONPATH=$PWD .venv/bin/python benchmarks/bench_barriers.py
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

REPEAT = 5


def _median_s(f: Callable[[], Any]) -> float:
    f()
    runs = []
    for _ in range(REPEAT):
        t0 = time.perf_counter()
        f()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs)


def main() -> None:
    """Print the timings and the overhead against the baseline."""
    from access.analysis import gap_analysis, travel_times
    from access.awareness import awareness_analysis
    from access.synthetic import build_sample_region

    region, _ = build_sample_region()
    times = travel_times(region)
    base = _median_s(lambda: gap_analysis(region, fit_model=False, with_barriers=False))
    barriers = _median_s(lambda: gap_analysis(region, fit_model=False))
    full = _median_s(lambda: gap_analysis(region))
    table = gap_analysis(region, times=times, fit_model=False).settlements
    aware = _median_s(lambda: awareness_analysis(table))
    print(f"settlements: {len(region.settlements)}, centres: {len(region.centres)}")
    print(f"baseline gap_analysis (no barriers, no model): {base:.3f} s")
    print(
        f"+ barriers (no model):                        {barriers:.3f} s  "
        f"({barriers - base:+.3f} s)"
    )
    print(f"accessgap gaps (barriers, models, CV):        {full:.3f} s  ({full - base:+.3f} s)")
    print(f"awareness_analysis alone:                     {aware:.3f} s")


if __name__ == "__main__":
    main()
