"""Rules a field team asks of a van-day: how a multi-day halt is split, enough time on site.

Two array helpers of the campaign planner (:func:`scenarios.routing.plan_campaign`):

* :func:`block_parts` splits a multi-day halt's working minutes into days, as day trips (drive
  out and back each day) or, where a day trip cannot serve it, as an overnight stay (drive out
  the first day, back the last), within the daily driving cap;
* :func:`trim_route` drops halts from a solver route until the van-day spends at least
  ``ratio`` minutes on site per minute of driving.

See ``docs/routing.md`` (*Rules of a van-day*).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

__all__ = ["block_parts", "onsite_minimum", "trim_route"]


def onsite_minimum(drive_min: float, ratio: float) -> int:
    """Whole minutes on site a day with ``drive_min`` of driving needs at least.

    Examples
    --------
    >>> onsite_minimum(171, 1.0), onsite_minimum(171, 0.5), onsite_minimum(171, 0.0)
    (171, 86, 0)
    """
    return math.ceil(ratio * drive_min - 1e-9)


def block_parts(
    out_min: int,
    back_min: int,
    dwell_min: int,
    *,
    work_min: int,
    cap_min: int,
    ratio: float,
    overnight: bool,
) -> tuple[tuple[int, ...], bool] | None:
    """Working minutes per day of a multi-day halt, and whether the van stays overnight.

    A day trip is preferred: the same van drives out and back every day, the work split
    evenly, when the round trip is within ``cap_min`` and every day has at least
    ``ratio`` x the round trip on site. Otherwise, with ``overnight``, the van drives out on
    the first day, stays, and drives back on the last day; each leg within the cap, the first
    and the last day with at least ``ratio`` x their leg on site, as few days as possible.

    Parameters
    ----------
    out_min, back_min
        Driving minutes from the depot to the halt and back.
    dwell_min
        Working minutes needed at the halt.
    work_min
        Working minutes of a day (breaks excluded).
    cap_min
        Driving cap per day.
    ratio
        Minutes on site per minute of driving each day at least.
    overnight
        Whether the van may stay overnight at the halt.

    Returns
    -------
    (parts, overnight) or None
        ``None`` when neither way works.

    Examples
    --------
    >>> block_parts(30, 30, 700, work_min=450, cap_min=240, ratio=1.0, overnight=True)
    ((350, 350), False)
    >>> block_parts(180, 190, 400, work_min=450, cap_min=240, ratio=1.0, overnight=True)
    ((210, 190), True)
    >>> block_parts(180, 190, 150, work_min=450, cap_min=240, ratio=1.0, overnight=True) is None
    True
    """
    trip = _day_trips(out_min, back_min, dwell_min, work_min, cap_min, ratio)
    if trip is not None:
        return trip, False
    if overnight:
        stay = _overnight(out_min, back_min, dwell_min, work_min, cap_min, ratio)
        if stay is not None:
            return stay, True
    return None


def trim_route(
    route: Sequence[int],
    start: int,
    end: int,
    dur: NDArray[np.int64],
    dwell: NDArray[np.int64],
    *,
    ratio: float,
    onsite_before: int = 0,
    drive_before: int = 0,
) -> tuple[list[int], list[int]]:
    """Drop halts from a day's route until on-site minutes >= ``ratio`` x driving minutes.

    Each step drops the halt whose removal leaves the day with the most on-site minutes over
    the rule (``onsite - ratio * drive``); an empty route meets the rule when the part of the
    day before it (``onsite_before``, ``drive_before``: a multi-day halt's last day) does.

    Parameters
    ----------
    route
        Halts in visiting order.
    start, end
        Where the route starts and ends.
    dur
        Driving minutes between all locations.
    dwell
        Working minutes at each location.
    ratio
        Minutes on site per minute of driving, at least.
    onsite_before, drive_before
        Minutes on site and driving of the day before the route starts.

    Returns
    -------
    (kept, dropped)
        The route with halts dropped, and the halts dropped.

    Examples
    --------
    >>> d = np.array([[0, 100, 10], [100, 0, 95], [10, 95, 0]])
    >>> trim_route([1, 2], 0, 0, d, np.array([0, 60, 60]), ratio=1.0)
    ([2], [1])
    """
    kept = list(route)
    dropped: list[int] = []
    while kept and _slack(kept, start, end, dur, dwell, ratio, onsite_before, drive_before) < 0:
        best = max(
            range(len(kept)),
            key=lambda i: (
                _slack(
                    kept[:i] + kept[i + 1 :],
                    start,
                    end,
                    dur,
                    dwell,
                    ratio,
                    onsite_before,
                    drive_before,
                ),
                -i,
            ),
        )
        dropped.append(kept.pop(best))
    return kept, dropped


# --------------------------------------------------------------------------------------------
# Private helpers
# --------------------------------------------------------------------------------------------


def _slack(
    route: Sequence[int],
    start: int,
    end: int,
    dur: NDArray[np.int64],
    dwell: NDArray[np.int64],
    ratio: float,
    onsite_before: int,
    drive_before: int,
) -> float:
    stops = [start, *route, end]
    drive = drive_before + sum(int(dur[a, b]) for a, b in itertools.pairwise(stops))
    onsite = onsite_before + sum(int(dwell[h]) for h in route)
    return onsite - ratio * drive + 1e-9


def _day_trips(
    out: int, back: int, dwell: int, work: int, cap: int, ratio: float
) -> tuple[int, ...] | None:
    per_day = work - out - back
    if per_day <= 0 or out + back > cap:
        return None
    k = max(1, math.ceil(dwell / per_day))
    base, extra = divmod(dwell, k)
    parts = tuple(base + (1 if i < extra else 0) for i in range(k))
    if min(parts) < onsite_minimum(out + back, ratio):
        return None
    return parts


def _overnight(
    out: int, back: int, dwell: int, work: int, cap: int, ratio: float
) -> tuple[int, ...] | None:
    if max(out, back) > cap or out >= work or back >= work:
        return None
    first_cap, last_cap = work - out, work - back
    k = 2 + math.ceil(max(0, dwell - first_cap - last_cap) / work)
    need_first, need_last = onsite_minimum(out, ratio), onsite_minimum(back, ratio)
    last = min(last_cap, max(need_last, dwell - first_cap - (k - 2) * work))
    rest = dwell - last
    first = min(first_cap, rest)
    rest -= first
    middle = []
    for _ in range(k - 2):
        take = min(work, rest)
        middle.append(take)
        rest -= take
    if rest > 0 or first < max(need_first, 1) or last < need_last or 0 in middle:
        return None
    return (first, *middle, last)
