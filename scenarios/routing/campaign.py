"""Multi-day registration campaigns on plain arrays: several vans, depots and days.

:func:`plan_campaign` is the array core of the van planner (its region adapter is
:func:`scenarios.routing.plan_vans`): registration vans with one or more depots, ``days``
working days with lunch/prayer breaks (their own on Fridays), a daily driving cap, overnight
stays, a minimum time on site per minute of driving and long halts that span several days,
solved with PyVRP (iterated local search). :func:`dwell_minutes` turns expected
registrations into minutes at a halt. See ``docs/routing.md`` for the modelling assumptions.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, overload

import numpy as np
import pyvrp
from numpy.typing import ArrayLike, NDArray

from geodata.errors import InfeasibleError, Problem, SchemaError
from scenarios.routing.campaign_blocks import (
    Block,
    DayType,
    WorkClock,
    block_days,
    day_tour,
    day_types,
    multi_day_halts,
    place_blocks,
)
from scenarios.routing.campaign_results import (
    REASON_DRIVE_CAP,
    REASON_NO_DAYS,
    REASON_ONSITE,
    REASON_ROOM,
    CampaignPlan,
    DroppedHalt,
    HaltVisit,
    VanDay,
)
from scenarios.routing.campaign_rules import trim_route
from scenarios.routing.checks import (
    check_day_breaks,
    check_hours,
    check_search_limits,
    int_array,
    is_int,
)
from scenarios.routing.options import VAN_DEFAULTS
from scenarios.routing.search import run_pyvrp, stop_criterion

__all__ = ["dwell_minutes", "plan_campaign"]


@overload
def dwell_minutes(
    expected_registrations: float,
    *,
    desks: int = ...,
    registrations_per_desk_hour: float = ...,
    setup_min: float = ...,
) -> int: ...


@overload
def dwell_minutes(
    expected_registrations: Sequence[float] | NDArray[Any],
    *,
    desks: int = ...,
    registrations_per_desk_hour: float = ...,
    setup_min: float = ...,
) -> NDArray[np.int64]: ...


def dwell_minutes(
    expected_registrations: float | Sequence[float] | NDArray[Any],
    *,
    desks: int = VAN_DEFAULTS.desks,
    registrations_per_desk_hour: float = VAN_DEFAULTS.registrations_per_desk_hour,
    setup_min: float = VAN_DEFAULTS.setup_min,
) -> int | NDArray[np.int64]:
    """Minutes a van stays at a halt to register the expected number of households.

    ``dwell = ceil(setup_min + 60 * registrations / (desks * registrations_per_desk_hour))``;
    a halt expecting no registrations gets 0 (it is not worth a stop).

    Parameters
    ----------
    expected_registrations
        Expected registrations at the halt (scalar or array).
    desks
        Registration desks working in parallel in the van.
    registrations_per_desk_hour
        Registrations one desk completes per hour.
    setup_min
        Minutes to set up and pack up at each halt.

    Returns
    -------
    int or numpy.ndarray
        Whole minutes (``int`` for a scalar input, ``int64`` array otherwise).

    Raises
    ------
    SchemaError
        When registrations are negative or not finite, or an option is not positive.

    Examples
    --------
    >>> dwell_minutes(120, desks=2, registrations_per_desk_hour=10, setup_min=30)
    390
    >>> dwell_minutes([0, 5], desks=1, registrations_per_desk_hour=6, setup_min=15).tolist()
    [0, 65]
    """
    problems: list[Problem] = []
    if not is_int(desks) or desks < 1:
        problems.append(Problem(f"desks must be a positive integer, got {desks!r}"))
    if not registrations_per_desk_hour > 0:
        problems.append(Problem("registrations_per_desk_hour must be > 0"))
    if not setup_min >= 0:
        problems.append(Problem("setup_min must be >= 0"))
    regs = np.asarray(expected_registrations, dtype=float)
    if not np.all(np.isfinite(regs)) or np.any(regs < 0):
        problems.append(Problem("expected_registrations must be finite and >= 0"))
    if problems:
        raise SchemaError(problems, source="dwell_minutes")
    minutes = setup_min + 60.0 * regs / (desks * registrations_per_desk_hour)
    out = np.where(regs > 0, np.ceil(minutes - 1e-9), 0).astype(np.int64)
    if regs.ndim == 0:
        return int(out)
    return out


def plan_campaign(
    durations_min: ArrayLike,
    dwell_min: ArrayLike,
    priority: ArrayLike,
    *,
    depots: Sequence[int],
    vans: int | Sequence[int],
    days: int,
    day_start_min: int = VAN_DEFAULTS.day_start_min,
    day_end_min: int = VAN_DEFAULTS.day_end_min,
    breaks: Sequence[tuple[int, int]] = VAN_DEFAULTS.breaks,
    max_drive_min_per_day: int | None = VAN_DEFAULTS.max_drive_min_per_day,
    overnight_at_halt: bool = VAN_DEFAULTS.overnight_at_halt,
    max_block_share: float = VAN_DEFAULTS.max_block_share,
    min_onsite_ratio: float = VAN_DEFAULTS.min_onsite_ratio,
    day_breaks: Sequence[Sequence[tuple[int, int]]] | None = None,
    rest_days: Sequence[int] = (),
    time_limit_s: float | None = None,
    max_iterations: int | None = None,
    seed: int = 0,
) -> CampaignPlan:
    """Plan a registration campaign: several vans, one or more depots, several days.

    All locations (depots and halts) share one index space: ``durations_min[i, j]`` is the
    driving time from location ``i`` to ``j``; every index not in ``depots`` is a halt.

    The plan is one prize-collecting VRP solved with PyVRP whose vehicles are van-days: each
    van-day leaves its van's depot at ``day_start_min``, is back by ``day_end_min``, drives
    at most ``max_drive_min_per_day``, and stops during ``breaks`` (a van on the road waits at
    the roadside; a van at a halt pauses registration). Halts are optional with a prize
    growing with ``priority``, so when not all fit the solver keeps the high-priority ones
    and then minimises driving.

    A halt whose dwell does not fit in one van-day from any depot is a *multi-day halt*: its
    dwell is split into day-sized visits made by the same van on consecutive days (driving
    out and back each day, or, when ``overnight_at_halt`` and day trips cannot serve it,
    staying overnight at the halt). With ``overnight_at_halt`` a halt whose round trip from
    every depot exceeds the driving cap is served by an overnight stay too. Such halts are
    placed first, greedily by priority per van-day, using at most
    ``max_block_share`` of all van-days; the last day's remaining work is followed by an
    ordinary tour from the halt, optimised with the rest. Every van-day spends at least
    ``min_onsite_ratio`` minutes on site per minute of driving: multi-day halts are split so
    that each day does, and halts are dropped from a solver route that does not (reason
    ``REASON_ONSITE``). See ``docs/routing.md``.

    Parameters
    ----------
    durations_min
        ``(L, L)`` non-negative whole driving minutes between all locations.
    dwell_min
        Length ``L`` working minutes needed at each halt (depot entries ignored); see
        :func:`dwell_minutes`.
    priority
        Length ``L`` non-negative priority (e.g. gap score) of each halt (depot entries
        ignored).
    depots
        Location indices of the depots.
    vans
        Number of vans (spread over ``depots`` in turn) or, per van, its depot's location index.
    days
        Number of working days.
    day_start_min, day_end_min
        Working hours, minutes after midnight.
    breaks
        ``(start, end)`` minutes of fixed breaks (lunch, prayer) inside working hours.
    max_drive_min_per_day
        Cap on driving minutes per van-day (``None``: no cap).
    overnight_at_halt
        Let vans stay overnight at halts that day trips cannot serve.
    max_block_share
        Largest share of van-days that multi-day halts may take (0 disables them).
    min_onsite_ratio
        Minutes on site per minute of driving each van-day, at least (0: no rule).
    day_breaks
        Breaks of each day (length ``days``), e.g. a longer one on Fridays; ``None``:
        ``breaks`` every day.
    rest_days
        Days (0-based) that follow a day off: an overnight stay never spans them.
    time_limit_s
        Wall-clock limit for the search (results then depend on machine speed).
    max_iterations
        Iteration limit; with neither limit, ``DEFAULT_MAX_ITERATIONS`` (deterministic).
    seed
        Seed of the solver.

    Returns
    -------
    CampaignPlan
        Tours per (van, day) and halts not visited with the reason.

    Raises
    ------
    SchemaError
        When arrays or options are malformed (all problems listed).
    InfeasibleError
        When working hours minus breaks leave no time on some day, or the solver ends
        infeasible.

    Examples
    --------
    >>> import numpy as np
    >>> d = np.array([[0, 30, 40], [30, 0, 20], [40, 20, 0]])
    >>> plan = plan_campaign(d, [0, 120, 60], [0, 1.0, 0.5], depots=[0], vans=1, days=1)
    >>> [v.halt for v in plan.van_day(0, 0).visits] in ([1, 2], [2, 1]), plan.dropped
    (True, ())
    """
    t0 = time.perf_counter()
    dur, dwell, prio, depot_list, van_depots, brk = _validate_campaign(
        durations_min,
        dwell_min,
        priority,
        depots,
        vans,
        days,
        day_start_min,
        day_end_min,
        breaks,
        max_drive_min_per_day,
        max_block_share,
        time_limit_s,
        max_iterations,
    )
    per_day = check_day_breaks(day_breaks, days, day_start_min, day_end_min, brk)
    clocks = [WorkClock(day_start_min, day_end_min, b) for b in per_day]
    day_work = [c.work_min for c in clocks]
    if min(day_work) <= 0:
        raise InfeasibleError(
            f"working hours {day_start_min}-{day_end_min} minus breaks leave no working time"
        )
    cap = 10**12 if max_drive_min_per_day is None else int(max_drive_min_per_day)
    ratio = float(min_onsite_ratio)
    depot_set = set(depot_list)
    halts = [h for h in range(dur.shape[0]) if h not in depot_set]

    # 1. Multi-day halts: those no single van-day from any depot serves (or, with overnight
    #    stays, whose round trip exceeds the cap); split with the shortest day's hours.
    long_halts = multi_day_halts(
        halts, dur, dwell, van_depots, max(day_work), cap, overnight_at_halt
    )
    blocks, reasons, free = place_blocks(
        long_halts,
        dur,
        dwell,
        prio,
        van_depots,
        days,
        min(day_work),
        cap,
        overnight_at_halt,
        max_block_share,
        ratio=ratio,
        rest_days=frozenset(int(d) for d in rest_days),
    )
    # 2. Vehicle types: free van-days at each van's depot, and the last day of each block.
    vtypes = day_types(free, van_depots, blocks, cap, day_work)
    # 3. Ordinary halts: precheck against every vehicle type, then the VRP.
    skip = set(reasons) | set(long_halts)
    clients = _ordinary_halts([h for h in halts if h not in skip], vtypes, dur, dwell, reasons)
    routes: dict[int, list[list[int]]] = {i: [] for i in range(len(vtypes))}
    objective = 0
    if clients and vtypes:
        routes, objective = _solve_campaign_vrp(
            dur,
            dwell,
            prio,
            clients,
            vtypes,
            max(day_work),
            time_limit_s,
            max_iterations,
            seed,
            ratio,
        )
        routes = _enforce_onsite(routes, vtypes, dur, dwell, ratio, reasons)
    served = {h for rs in routes.values() for r in rs for h in r}
    # With van-days left idle, a halt left out was not worth its driving (on-site rule).
    idle = any(sum(1 for r in routes[i] if r) < len(t.days) for i, t in enumerate(vtypes))
    left_out = REASON_ONSITE if ratio > 0 and idle else REASON_ROOM
    reasons.update({h: left_out for h in clients if h not in served and h not in reasons})
    # 4. Schedules per (van, day).
    van_days = _van_days(blocks, vtypes, routes, van_depots, days, dur, dwell, prio, clocks)
    return CampaignPlan(
        van_days=tuple(van_days),
        dropped=tuple(DroppedHalt(h, reasons[h]) for h in sorted(reasons)),
        van_depots=tuple(van_depots),
        days=days,
        day_start_min=day_start_min,
        day_end_min=day_end_min,
        breaks=brk,
        max_drive_min_per_day=max_drive_min_per_day,
        total_drive_min=sum(vd.drive_min for vd in van_days),
        objective=objective,
        runtime_s=time.perf_counter() - t0,
        day_breaks=tuple(per_day) if day_breaks is not None else (),
        min_onsite_ratio=ratio,
    )


# --------------------------------------------------------------------------------------------
# Private helpers
# --------------------------------------------------------------------------------------------


def _ordinary_halts(
    halts: Sequence[int],
    vtypes: Sequence[DayType],
    dur: NDArray[np.int64],
    dwell: NDArray[np.int64],
    reasons: dict[int, str],
) -> list[int]:
    """Halts some kind of van-day can serve; the others get a reason in ``reasons``."""
    clients: list[int] = []
    for h in halts:
        fits_time = [
            t for t in vtypes if t.offset + dur[t.start, h] + dwell[h] + dur[h, t.end] <= t.work
        ]
        if not fits_time:
            reasons[h] = REASON_NO_DAYS
        elif not any(dur[t.start, h] + dur[h, t.end] <= t.budget for t in fits_time):
            reasons[h] = REASON_DRIVE_CAP
        else:
            clients.append(h)
    return clients


def _enforce_onsite(
    routes: dict[int, list[list[int]]],
    vtypes: Sequence[DayType],
    dur: NDArray[np.int64],
    dwell: NDArray[np.int64],
    ratio: float,
    reasons: dict[int, str],
) -> dict[int, list[list[int]]]:
    """Routes trimmed so that every van-day meets ``ratio``; dropped halts get a reason."""
    if ratio <= 0:
        return routes
    out: dict[int, list[list[int]]] = {}
    for ti, rs in routes.items():
        t = vtypes[ti]
        onsite0, drive0 = 0, 0
        if t.block is not None:
            b = t.block
            onsite0 = b.work_per_day[-1]
            drive0 = 0 if b.overnight else int(dur[b.depot, b.halt])
        out[ti] = []
        for r in rs:
            kept, dropped = trim_route(
                r,
                t.start,
                t.end,
                dur,
                dwell,
                ratio=ratio,
                onsite_before=onsite0,
                drive_before=drive0,
            )
            reasons.update({h: REASON_ONSITE for h in dropped})
            out[ti].append(kept)
    return out


def _van_days(
    blocks: Sequence[Block],
    vtypes: Sequence[DayType],
    routes: dict[int, list[list[int]]],
    van_depots: Sequence[int],
    days: int,
    dur: NDArray[np.int64],
    dwell: NDArray[np.int64],
    prio: NDArray[np.float64],
    clocks: Sequence[WorkClock],
) -> list[VanDay]:
    """Timed tour of every (van, day), sorted by van then day; idle days included."""
    tours: dict[tuple[int, int], VanDay] = {}
    for b in blocks:
        for vd in block_days(b, dur, clocks):
            tours[(vd.van, vd.day)] = vd
    for ti, t in enumerate(vtypes):
        rs = sorted(
            (r for r in routes[ti] if r or t.block is not None),
            key=lambda r: (-sum(prio[h] for h in r), -len(r), r[0] if r else -1),
        )
        for r, day in zip(rs, t.days, strict=False):
            first: list[HaltVisit] = []
            if t.block is not None:
                first = [tours[(t.van, day)].visits[0]]
            tours[(t.van, day)] = day_tour(t, day, r, first, dur, dwell, clocks[day])
    start = clocks[0].day_start_min
    return [
        tours.get((v, d), VanDay(v, d, p, p, p, start, start, (), 0))
        for v, p in enumerate(van_depots)
        for d in range(days)
    ]


def _solve_campaign_vrp(
    dur: NDArray[np.int64],
    dwell: NDArray[np.int64],
    prio: NDArray[np.float64],
    clients: Sequence[int],
    vtypes: Sequence[DayType],
    work: int,
    time_limit_s: float | None,
    max_iterations: int | None,
    seed: int,
    ratio: float,
) -> tuple[dict[int, list[list[int]]], int]:
    # PyVRP index space: depots first (home depots and block halts), then clients.
    depot_locs = sorted({t.start for t in vtypes} | {t.end for t in vtypes})
    loc_idx = depot_locs + list(clients)
    sub = dur[np.ix_(loc_idx, loc_idx)]
    dpos = {loc: i for i, loc in enumerate(depot_locs)}
    top = float(max(prio[list(clients)].max(), 0.0))
    locations = [pyvrp.Location(x=float(loc), y=0.0) for loc in loc_idx]
    depots = [pyvrp.Depot(location=i) for i in range(len(depot_locs))]
    pclients = [
        pyvrp.Client(
            location=len(depot_locs) + j,
            service_duration=int(dwell[h]),
            tw_early=0,
            tw_late=work,
            prize=_prize(int(dwell[h]), float(prio[h] / top) if top > 0 else 0.0, work, ratio),
            required=False,
        )
        for j, h in enumerate(clients)
    ]
    types = [
        pyvrp.VehicleType(
            num_available=len(t.days),
            start_depot=dpos[t.start],
            end_depot=dpos[t.end],
            tw_early=t.offset,
            tw_late=t.work,
            max_distance=min(t.budget, 10**12),
            unit_distance_cost=1,
            name=f"van{t.van}",
        )
        for t in vtypes
    ]
    mats: list[Any] = [sub]
    data = pyvrp.ProblemData(locations, pclients, depots, types, mats, mats)
    result = run_pyvrp(data, stop_criterion(time_limit_s, max_iterations), seed)
    best = result.best
    if not best.is_feasible():
        raise InfeasibleError(
            "the campaign solver ended on an infeasible plan; give it more time "
            "(time_limit_s or max_iterations)"
        )
    routes: dict[int, list[list[int]]] = {i: [] for i in range(len(vtypes))}
    for route in best.routes():
        stops = [clients[a.idx] for a in route.schedule() if a.is_client()]
        routes[route.vehicle_type()].append(stops)
    return routes, int(result.cost())


def _prize(dwell: int, rel_priority: float, work: int, ratio: float) -> int:
    """Prize of a halt in driving minutes.

    Without the on-site rule any halt beats driving; with it, a halt is worth its on-site
    minutes / ``ratio`` (x 1 to 2 by priority) of driving.
    """
    if ratio <= 0:
        return (work + 1) + int(np.rint(10 * work * rel_priority))
    return int(np.rint(dwell / ratio * (1.0 + rel_priority)))


def _validate_campaign(
    durations_min: ArrayLike,
    dwell_min: ArrayLike,
    priority: ArrayLike,
    depots: Sequence[int],
    vans: int | Sequence[int],
    days: int,
    day_start_min: int,
    day_end_min: int,
    breaks: Sequence[tuple[int, int]],
    max_drive_min_per_day: int | None,
    max_block_share: float,
    time_limit_s: float | None,
    max_iterations: int | None,
) -> tuple[
    NDArray[np.int64],
    NDArray[np.int64],
    NDArray[np.float64],
    list[int],
    list[int],
    tuple[tuple[int, int], ...],
]:
    problems: list[Problem] = []
    dur, dwell, prio = _check_arrays(durations_min, dwell_min, priority, problems)
    n = dur.shape[0] if dur.ndim == 2 else 0
    depot_list = _check_depots(depots, n, problems)
    van_depots = _check_vans(vans, depot_list, problems)
    if not is_int(days) or days < 1:
        problems.append(Problem(f"days must be a positive integer, got {days!r}"))
    brk = check_hours(day_start_min, day_end_min, breaks, problems)
    if max_drive_min_per_day is not None and not max_drive_min_per_day > 0:
        problems.append(Problem("max_drive_min_per_day must be > 0 (or None for no cap)"))
    if not 0 <= max_block_share <= 1:
        problems.append(Problem(f"max_block_share must be in [0, 1], got {max_block_share}"))
    check_search_limits(time_limit_s, max_iterations, problems)
    if problems:
        raise SchemaError(problems, source="plan_campaign input")
    return dur, dwell, prio, depot_list, van_depots, brk


def _check_arrays(
    durations_min: ArrayLike, dwell_min: ArrayLike, priority: ArrayLike, problems: list[Problem]
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    dur = int_array(durations_min, "durations_min", problems, ndim=2)
    dwell = int_array(dwell_min, "dwell_min", problems, ndim=1)
    prio = np.asarray(priority, dtype=float)
    n = dur.shape[0] if dur.ndim == 2 else 0
    if dur.ndim == 2 and dur.shape[0] != dur.shape[1]:
        problems.append(Problem(f"durations_min must be square, got shape {dur.shape}"))
    if dwell.shape != (n,):
        problems.append(Problem(f"dwell_min must have length {n}, got shape {dwell.shape}"))
    if prio.shape != (n,):
        problems.append(Problem(f"priority must have length {n}, got shape {prio.shape}"))
    elif not np.all(np.isfinite(prio)) or np.any(prio < 0):
        problems.append(Problem("priority must be finite and >= 0"))
    return dur, dwell, prio


def _check_depots(depots: Sequence[int], n: int, problems: list[Problem]) -> list[int]:
    depot_list = [int(p) for p in depots]
    if not depot_list:
        problems.append(Problem("depots is empty: give at least one depot location index"))
    if any(not 0 <= p < n for p in depot_list):
        problems.append(Problem(f"depots must be location indices in [0, {n}), got {depot_list}"))
    if len(set(depot_list)) != len(depot_list):
        problems.append(Problem(f"depots has duplicates: {depot_list}"))
    return depot_list


def _check_vans(
    vans: int | Sequence[int], depot_list: Sequence[int], problems: list[Problem]
) -> list[int]:
    """Depot of each van (vans spread over the depots in turn when given as a number)."""
    if isinstance(vans, int | np.integer):
        if vans < 1:
            problems.append(Problem(f"vans must be >= 1, got {vans}"))
            return []
        if not depot_list:
            return []
        return [depot_list[v % len(depot_list)] for v in range(int(vans))]
    van_depots = [int(p) for p in vans]
    if not van_depots:
        problems.append(Problem("vans is an empty list: give at least one van"))
    bad = [p for p in van_depots if p not in depot_list]
    if bad:
        problems.append(Problem(f"vans lists depots {bad} that are not in depots"))
    return van_depots
