"""Multi-day halts and the working clock of the campaign planner (array helpers).

A halt whose dwell does not fit in one van-day is served as a *block*: the same van on
consecutive days, driving out and back each day or staying overnight at the halt (how the work
is split: :func:`scenarios.routing.campaign_rules.block_parts`). This module places the blocks
before the solve, defines the kinds of van-day the solver fills
(:class:`DayType`) and turns solver routes into timed :class:`~scenarios.routing.VanDay`
tours on the :class:`WorkClock` (working minutes with the breaks squeezed out).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from scenarios.routing.campaign_results import (
    REASON_BLOCK_RUN,
    REASON_BLOCK_SHARE,
    REASON_DRIVE_CAP,
    REASON_FAR,
    REASON_ONSITE,
    HaltVisit,
    VanDay,
)
from scenarios.routing.campaign_rules import block_parts

__all__ = [
    "Block",
    "DayType",
    "WorkClock",
    "block_days",
    "day_tour",
    "day_types",
    "multi_day_halts",
    "place_blocks",
]


@dataclass(frozen=True)
class WorkClock:
    """Maps working minutes of a day (breaks squeezed out) to minutes of the day.

    Parameters
    ----------
    day_start_min, day_end_min
        Working hours, minutes after midnight.
    breaks
        Sorted, non-overlapping ``(start, end)`` breaks inside the working hours.
    """

    day_start_min: int
    day_end_min: int
    breaks: tuple[tuple[int, int], ...]

    @property
    def work_min(self) -> int:
        """Working minutes of a day (breaks excluded)."""
        return self.day_end_min - self.day_start_min - sum(e - s for s, e in self.breaks)

    def end(self, work_min: int) -> int:
        """Minute of the day an activity ending at working minute ``work_min`` ends."""
        t = self.day_start_min + work_min
        for s, e in self.breaks:
            if t > s:
                t += e - s
        return t

    def start(self, work_min: int) -> int:
        """Minute of the day an activity starting at working minute ``work_min`` starts."""
        t = self.day_start_min + work_min
        for s, e in self.breaks:
            if t >= s:
                t += e - s
        return t


@dataclass(frozen=True)
class Block:
    """A multi-day halt served by one van on ``k`` consecutive days from ``start_day``.

    Parameters
    ----------
    halt, van, depot
        Location index of the halt, the van and the location index of its depot.
    k
        Number of consecutive days.
    work_per_day
        Working minutes at the halt on each of the ``k`` days.
    last_offset
        Working minute of the last day at which the van is free to go on to other halts.
    last_budget
        Driving minutes left for the rest of the last day.
    overnight
        Whether the van stays at the halt overnight.
    start_day
        First day (``-1`` until placed).
    """

    halt: int
    van: int
    depot: int
    k: int
    work_per_day: tuple[int, ...]
    last_offset: int
    last_budget: int
    overnight: bool
    start_day: int = -1


@dataclass(frozen=True)
class DayType:
    """A kind of van-day the solver fills: a van's free days, or the last day of a block.

    Parameters
    ----------
    van
        The van.
    days
        Days of this kind (one vehicle of the solver each).
    start, end
        Location index where the day starts and ends.
    offset
        Working minute at which the day is free for ordinary halts.
    budget
        Driving minutes left (``10**12`` without a cap).
    block
        The block whose last day this is, else ``None``.
    work
        Working minutes of these days (breaks excluded).
    """

    van: int
    days: tuple[int, ...]
    start: int
    end: int
    offset: int
    budget: int
    block: Block | None
    work: int


def multi_day_halts(
    halts: Sequence[int],
    dur: NDArray[np.int64],
    dwell: NDArray[np.int64],
    van_depots: Sequence[int],
    work: int,
    cap: int = 10**12,
    overnight: bool = False,
) -> list[int]:
    """Halts that fit in no single van-day from any van's depot.

    With ``overnight``, also the halts whose round trip from every depot exceeds the driving
    cap ``cap``: an overnight stay can serve them.

    Parameters
    ----------
    halts
        Location indices of the halts.
    dur
        Driving minutes between all locations.
    dwell
        Working minutes at each location.
    van_depots
        Depot of each van.
    work
        Working minutes of a day.
    cap
        Driving cap per van-day.
    overnight
        Whether vans may stay overnight at a halt.

    Returns
    -------
    list of int
        The multi-day halts, in the order of ``halts``.
    """
    home = sorted(set(van_depots))
    return [
        h
        for h in halts
        if all(
            dur[p, h] + dwell[h] + dur[h, p] > work or (overnight and dur[p, h] + dur[h, p] > cap)
            for p in home
        )
    ]


def place_blocks(
    long_halts: Sequence[int],
    dur: NDArray[np.int64],
    dwell: NDArray[np.int64],
    prio: NDArray[np.float64],
    van_depots: Sequence[int],
    days: int,
    work: int,
    cap: int,
    overnight: bool,
    max_block_share: float,
    *,
    ratio: float = 0.0,
    rest_days: frozenset[int] = frozenset(),
) -> tuple[list[Block], dict[int, str], list[list[bool]]]:
    """Place multi-day halts greedily, best priority per van-day first.

    A van staying overnight never stays over a day off (``rest_days``).

    Parameters
    ----------
    long_halts
        The multi-day halts (see :func:`multi_day_halts`).
    dur
        Driving minutes between all locations.
    dwell
        Working minutes at each location.
    prio
        Priority of each location.
    van_depots
        Depot of each van.
    days
        Number of days.
    work
        Working minutes of a day.
    cap
        Driving cap per van-day (``10**12`` for none).
    overnight
        Whether vans may stay overnight at a halt.
    max_block_share
        Largest share of all van-days the blocks may take.
    ratio
        Minutes on site per minute of driving each day, at least.
    rest_days
        Days that follow a day off (the calendar is not continuous before them).

    Returns
    -------
    blocks : list of Block
        The placed blocks.
    reasons : dict
        Multi-day halts left out, with the reason.
    free : list of list of bool
        Per van and day, whether the day is still free.
    """
    n_vans = len(van_depots)
    free = [[True] * days for _ in range(n_vans)]
    reasons: dict[int, str] = {}
    options: dict[int, list[Block]] = {}
    home = sorted(set(van_depots))
    for h in long_halts:
        opts = [
            b
            for v in range(n_vans)
            if (
                b := _block_for(
                    h, v, van_depots[v], dur, int(dwell[h]), (work, cap, ratio), overnight
                )
            )
            is not None
        ]
        if opts:
            options[h] = opts
        else:
            reasons[h] = _no_block_reason(h, dur, dwell, home, (work, cap, ratio), overnight)
    budget = math.floor(max_block_share * n_vans * days + 1e-9)
    order = sorted(options, key=lambda h: (-prio[h] / min(b.k for b in options[h]), h))
    blocks: list[Block] = []
    for h in order:
        opts = sorted(options[h], key=lambda b: (b.k, dur[b.depot, h], b.van))
        if min(b.k for b in opts) > budget:
            reasons[h] = REASON_BLOCK_SHARE
            continue
        placed = _first_fit(opts, free, budget, rest_days)
        if placed is None:
            reasons[h] = REASON_BLOCK_RUN
            continue
        for d in range(placed.start_day, placed.start_day + placed.k):
            free[placed.van][d] = False
        budget -= placed.k
        blocks.append(placed)
    return blocks, reasons, free


def day_types(
    free: Sequence[Sequence[bool]],
    van_depots: Sequence[int],
    blocks: Sequence[Block],
    cap: int,
    day_work: Sequence[int],
) -> list[DayType]:
    """Kinds of van-day for the solver: each van's free days, then each block's last day.

    A van's free days are grouped by their working minutes (a Friday with a longer prayer
    break is a kind of its own).

    Parameters
    ----------
    free
        Per van and day, whether the day is free (see :func:`place_blocks`).
    van_depots
        Depot of each van.
    blocks
        The placed blocks.
    cap
        Driving cap per van-day (``10**12`` for none).
    day_work
        Working minutes of each day.

    Returns
    -------
    list of DayType
        Vans with free days first (by van, longest days first), then one per block.
    """
    types: list[DayType] = []
    for v, van_free in enumerate(free):
        p = van_depots[v]
        for w in sorted({day_work[d] for d, ok in enumerate(van_free) if ok}, reverse=True):
            free_days = tuple(d for d, ok in enumerate(van_free) if ok and day_work[d] == w)
            types.append(DayType(v, free_days, p, p, 0, cap, None, w))
    for b in blocks:
        last = b.start_day + b.k - 1
        types.append(
            DayType(
                b.van, (last,), b.halt, b.depot, b.last_offset, b.last_budget, b, day_work[last]
            )
        )
    return types


def block_days(b: Block, dur: NDArray[np.int64], clocks: Sequence[WorkClock]) -> list[VanDay]:
    """Van-days of a placed block; the last one holds only the halt's visit.

    The last day is completed by :func:`day_tour` when the solver adds halts after it;
    otherwise the van drives straight home.

    Parameters
    ----------
    b
        The placed block.
    dur
        Driving minutes between all locations.
    clocks
        The working clock of each day.

    Returns
    -------
    list of VanDay
        One per day of the block, in order.
    """
    out_min, back_min = int(dur[b.depot, b.halt]), int(dur[b.halt, b.depot])
    days: list[VanDay] = []
    for i, work_i in enumerate(b.work_per_day):
        day = b.start_day + i
        clock = clocks[day]
        last = i == b.k - 1
        if b.overnight:
            drive_in = out_min if i == 0 else 0
            start_loc = b.depot if i == 0 else b.halt
        else:
            drive_in = out_min
            start_loc = b.depot
        arrive_w = drive_in
        leave_w = arrive_w + work_i
        visit = HaltVisit(
            halt=b.halt,
            arrival_min=clock.end(arrive_w),
            departure_min=clock.end(leave_w),
            dwell_min=work_i,
            drive_min=drive_in,
            part=i + 1,
            parts=b.k,
        )
        if last:
            # Completed by day_tour when the solver adds halts after it; else straight home.
            end_loc, back = b.depot, back_min
        elif b.overnight:
            end_loc, back = b.halt, 0
        else:
            end_loc, back = b.depot, back_min
        days.append(
            VanDay(
                van=b.van,
                day=day,
                depot=b.depot,
                start_location=start_loc,
                end_location=end_loc,
                start_min=clock.start(0),
                end_min=clock.end(leave_w + back),
                visits=(visit,),
                drive_min=drive_in + back,
            )
        )
    return days


def day_tour(
    t: DayType,
    day: int,
    route: Sequence[int],
    first: list[HaltVisit],
    dur: NDArray[np.int64],
    dwell: NDArray[np.int64],
    clock: WorkClock,
) -> VanDay:
    """Timed tour of one van-day of kind ``t`` over the solver's ``route``.

    Parameters
    ----------
    t
        Kind of van-day.
    day
        The day.
    route
        Halts in visiting order.
    first
        The block's visit that opens the day (last day of a block), else empty.
    dur
        Driving minutes between all locations.
    dwell
        Working minutes at each location.
    clock
        The working clock.

    Returns
    -------
    VanDay
        The tour with arrival and departure times.
    """
    w = t.offset
    prev = t.start
    drive = first[0].drive_min if first else 0
    visits = list(first)
    for h in route:
        leg = int(dur[prev, h])
        drive += leg
        w += leg
        arrive = w
        w += int(dwell[h])
        visits.append(HaltVisit(h, clock.end(arrive), clock.end(w), int(dwell[h]), leg))
        prev = h
    leg = int(dur[prev, t.end])
    drive += leg
    w += leg
    start_loc = t.block.depot if t.block is not None and not t.block.overnight else t.start
    return VanDay(
        van=t.van,
        day=day,
        depot=t.end,
        start_location=start_loc,
        end_location=t.end,
        start_min=clock.start(0),
        end_min=clock.end(w),
        visits=tuple(visits),
        drive_min=drive,
    )


# --------------------------------------------------------------------------------------------
# Private helpers
# --------------------------------------------------------------------------------------------


def _block_for(
    h: int,
    van: int,
    depot: int,
    dur: NDArray[np.int64],
    dwell: int,
    limits: tuple[int, int, float],
    overnight: bool,
) -> Block | None:
    work, cap, ratio = limits
    out, back = int(dur[depot, h]), int(dur[h, depot])
    split = block_parts(
        out, back, dwell, work_min=work, cap_min=cap, ratio=ratio, overnight=overnight
    )
    if split is None:
        return None
    parts, stays = split
    if stays:
        return Block(h, van, depot, len(parts), parts, parts[-1], cap, True)
    return Block(h, van, depot, len(parts), parts, out + parts[-1], cap - out, False)


def _free_run(free: Sequence[bool], k: int, rest_days: frozenset[int]) -> int | None:
    run = 0
    for d, ok in enumerate(free):
        run = run + 1 if ok else 0
        if d in rest_days and run > 1:
            run = 1  # an overnight stay never spans a day off
        if run == k:
            return d - k + 1
    return None


def _no_block_reason(
    h: int,
    dur: NDArray[np.int64],
    dwell: NDArray[np.int64],
    home: Sequence[int],
    limits: tuple[int, int, float],
    overnight: bool,
) -> str:
    work, cap, ratio = limits
    if ratio > 0 and any(
        block_parts(
            int(dur[p, h]),
            int(dur[h, p]),
            int(dwell[h]),
            work_min=work,
            cap_min=cap,
            ratio=0.0,
            overnight=overnight,
        )
        for p in home
    ):
        return REASON_ONSITE
    if overnight and all(dur[p, h] < work for p in home):
        return REASON_DRIVE_CAP
    rt = min(dur[p, h] + dur[h, p] for p in home)
    return REASON_DRIVE_CAP if rt <= work and rt > cap else REASON_FAR


def _first_fit(
    opts: Sequence[Block],
    free: Sequence[Sequence[bool]],
    budget: int,
    rest_days: frozenset[int],
) -> Block | None:
    """The first option within ``budget`` whose van has ``k`` free days in a row, placed."""
    for b in opts:
        if b.k > budget:
            continue
        start = _free_run(free[b.van], b.k, rest_days if b.overnight else frozenset())
        if start is not None:
            return dataclasses.replace(b, start_day=start)
    return None
