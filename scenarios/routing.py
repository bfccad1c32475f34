"""Van routing: vehicle routing with time windows and multi-day registration campaigns.

Two layers, both on plain arrays so they are testable without geometry:

* :func:`solve_vrptw` -- a generic capacitated VRP with time windows (index 0 is the depot).
  Stops that cannot be served are dropped with a reason instead of failing the whole solve.
* :func:`plan_campaign` -- several registration vans, one or more depots, ``days`` working days
  with a lunch/prayer break, a daily driving cap and long halts that span several days.

Both are solved with PyVRP (iterated local search); see ``docs/routing.md`` for the solver
benchmark that led to this choice and for the modelling assumptions.
"""

from __future__ import annotations

import logging
import math
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, overload

import numpy as np
import pyvrp
from numpy.typing import ArrayLike, NDArray
from pyvrp.exceptions import PenaltyBoundWarning
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria, StoppingCriterion

from geodata.errors import InfeasibleError, Problem, SchemaError

__all__ = [
    "CampaignPlan",
    "DroppedHalt",
    "DroppedStop",
    "HaltVisit",
    "VanDay",
    "VrptwResult",
    "dwell_minutes",
    "plan_campaign",
    "solve_vrptw",
]

logger = logging.getLogger(__name__)

SOLVER_NAME = "pyvrp"

#: Default number of PyVRP iterations when no time limit is given (deterministic stop).
DEFAULT_MAX_ITERATIONS = 3_000

# Reasons a stop or halt is not served.
REASON_DEMAND = "demand exceeds capacity"
REASON_EMPTY_WINDOW = "empty time window (earliest > latest)"
REASON_WINDOW = "window unreachable from depot"
REASON_RETURN = "cannot return to depot before it closes"
REASON_NO_VEHICLES = "no vehicles available"
REASON_FLEET = "no room in the fleet"


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DroppedStop:
    """A stop that is not served, and why.

    Parameters
    ----------
    stop
        Stop index (row of the input arrays).
    reason
        Why it is not served (e.g. ``"window unreachable from depot"``).
    """

    stop: int
    reason: str


@dataclass(frozen=True)
class VrptwResult:
    """Solution of :func:`solve_vrptw`.

    Parameters
    ----------
    routes
        One tuple of stop indices per vehicle used, in visiting order; the depot (index 0) is
        not listed.
    total_travel
        Sum of ``durations`` over every leg of every route, depot legs included.
    dropped
        Stops not served, each with a reason, sorted by stop index.
    arrival
        Per stop index (length ``n``): time the vehicle arrives; ``None`` for the depot and for
        dropped stops.
    service_start
        Per stop index: time service starts (``max(arrival, earliest)``); ``None`` likewise.
    route_start
        Per route: departure time from the depot.
    route_end
        Per route: time back at the depot.
    vehicles_used
        Number of routes.
    objective
        Solver objective (integer cost: fixed vehicle costs + travel + prizes of dropped stops).
    runtime_s
        Wall-clock seconds spent, model building included.
    solver
        Name of the solver used.
    """

    routes: tuple[tuple[int, ...], ...]
    total_travel: int
    dropped: tuple[DroppedStop, ...]
    arrival: tuple[int | None, ...]
    service_start: tuple[int | None, ...]
    route_start: tuple[int, ...]
    route_end: tuple[int, ...]
    vehicles_used: int
    objective: int
    runtime_s: float
    solver: str = SOLVER_NAME

    @property
    def visited(self) -> frozenset[int]:
        """Set of stop indices served by some route."""
        return frozenset(s for route in self.routes for s in route)


# --------------------------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------------------------


def solve_vrptw(
    durations: ArrayLike,
    service: ArrayLike,
    windows: ArrayLike,
    demand: ArrayLike,
    capacity: int,
    vehicles: int,
    *,
    time_limit_s: float | None = None,
    max_iterations: int | None = None,
    seed: int = 0,
    vehicle_fixed_cost: int | None = None,
) -> VrptwResult:
    """Solve a capacitated vehicle routing problem with time windows (one depot).

    Every stop is an optional visit with a prize larger than any saving from leaving it out,
    so the solver serves as many stops as it can, then uses as few vehicles as it can (when
    ``vehicle_fixed_cost`` is ``None``), then minimises total travel. Stops that no vehicle can
    serve are dropped up front with the reason; stops left out for lack of vehicles are
    reported as ``"no room in the fleet"``.

    Parameters
    ----------
    durations
        ``(n, n)`` non-negative integer travel times; row/column 0 is the depot. Also used as
        the travel cost (distance).
    service
        Length ``n`` service durations (the depot's value is ignored).
    windows
        ``(n, 2)`` ``[earliest, latest]`` start of service; row 0 is the depot's opening
        hours (vehicles leave at or after ``earliest`` and are back by ``latest``).
    demand
        Length ``n`` non-negative integer demand (the depot's value is ignored).
    capacity
        Capacity of every vehicle.
    vehicles
        Maximum number of vehicles.
    time_limit_s
        Wall-clock limit for the search. Results then depend on machine speed.
    max_iterations
        Iteration limit for the search. When neither limit is given,
        ``DEFAULT_MAX_ITERATIONS`` is used, which makes the result deterministic for a seed.
    seed
        Seed of the solver's random number generator.
    vehicle_fixed_cost
        Cost added per vehicle used. ``None`` (default) picks a cost larger than any possible
        travel saving, i.e. fewest vehicles first, then least travel; ``0`` minimises travel
        only.

    Returns
    -------
    VrptwResult
        Routes, schedule, dropped stops with reasons and solver figures.

    Raises
    ------
    SchemaError
        When shapes do not match, values are negative, non-integer or not finite, or an
        option is out of range (all problems are listed).
    InfeasibleError
        When the depot's window is empty, or the solver ends on an infeasible solution.

    Examples
    --------
    >>> import numpy as np
    >>> d = np.array([[0, 2, 3], [2, 0, 2], [3, 2, 0]])
    >>> res = solve_vrptw(d, [0, 1, 1], [[0, 20], [0, 20], [0, 20]], [0, 1, 1], 5, 2)
    >>> res.routes in (((1, 2),), ((2, 1),)), res.total_travel, res.vehicles_used
    (True, 7, 1)
    """
    t0 = time.perf_counter()
    dur, svc, win, dem = _validate_vrptw(
        durations, service, windows, demand, capacity, vehicles, time_limit_s, max_iterations
    )
    n = dur.shape[0]
    if vehicle_fixed_cost is not None and vehicle_fixed_cost < 0:
        raise SchemaError("vehicle_fixed_cost must be >= 0 (or None for fewest vehicles first)")
    depot_open, depot_close = int(win[0, 0]), int(win[0, 1])
    if depot_open > depot_close:
        raise InfeasibleError(
            f"depot window is empty: earliest {depot_open} > latest {depot_close}; "
            "give the depot opening hours with earliest <= latest"
        )

    reasons: dict[int, str] = {}
    for i in range(1, n):
        reason = _stop_precheck(i, dur, svc, win, dem, capacity)
        if reason is not None:
            reasons[i] = reason
    candidates = [i for i in range(1, n) if i not in reasons]
    if vehicles == 0:
        for i in candidates:
            reasons[i] = REASON_NO_VEHICLES
        candidates = []

    if not candidates:
        return VrptwResult(
            routes=(),
            total_travel=0,
            dropped=tuple(DroppedStop(i, reasons[i]) for i in sorted(reasons)),
            arrival=(None,) * n,
            service_start=(None,) * n,
            route_start=(),
            route_end=(),
            vehicles_used=0,
            objective=0,
            runtime_s=time.perf_counter() - t0,
        )

    bound = _travel_bound(dur, candidates, vehicles)
    fixed = bound + 1 if vehicle_fixed_cost is None else int(vehicle_fixed_cost)
    prize = vehicles * fixed + bound + 1

    model = pyvrp.Model()
    locs = [model.add_location(x=float(i), y=0.0) for i in range(n)]
    depot = model.add_depot(locs[0], tw_early=depot_open, tw_late=depot_close)
    for i in candidates:
        model.add_client(
            locs[i],
            delivery=int(dem[i]),
            service_duration=int(svc[i]),
            tw_early=int(win[i, 0]),
            tw_late=int(win[i, 1]),
            prize=prize,
            required=False,
        )
    model.add_vehicle_type(
        num_available=vehicles,
        capacity=int(capacity),
        start_depot=depot,
        end_depot=depot,
        fixed_cost=fixed,
        tw_early=depot_open,
        tw_late=depot_close,
    )
    used = [0, *candidates]
    for a in used:
        for b in used:
            if a != b:
                model.add_edge(locs[a], locs[b], distance=int(dur[a, b]), duration=int(dur[a, b]))

    result = _run_pyvrp(model.data(), _stop_criterion(time_limit_s, max_iterations), seed)
    best = result.best
    if not best.is_feasible():
        raise InfeasibleError(
            "the solver ended on an infeasible solution (time windows or capacity violated); "
            "give it more time with time_limit_s or max_iterations"
        )

    routes: list[tuple[int, ...]] = []
    for route in best.routes():
        stops = tuple(candidates[act.idx] for act in route.schedule() if act.is_client())
        if stops:
            routes.append(stops)
    routes.sort(key=lambda r: r[0])

    arrival: list[int | None] = [None] * n
    start: list[int | None] = [None] * n
    route_start: list[int] = []
    route_end: list[int] = []
    total = 0
    for stops in routes:
        t = depot_open
        route_start.append(t)
        prev = 0
        for s in stops:
            t += int(dur[prev, s])
            total += int(dur[prev, s])
            arrival[s] = t
            t = max(t, int(win[s, 0]))
            start[s] = t
            t += int(svc[s])
            prev = s
        t += int(dur[prev, 0])
        total += int(dur[prev, 0])
        route_end.append(t)

    served = {s for r in routes for s in r}
    for i in candidates:
        if i not in served:
            reasons[i] = REASON_FLEET

    return VrptwResult(
        routes=tuple(routes),
        total_travel=total,
        dropped=tuple(DroppedStop(i, reasons[i]) for i in sorted(reasons)),
        arrival=tuple(arrival),
        service_start=tuple(start),
        route_start=tuple(route_start),
        route_end=tuple(route_end),
        vehicles_used=len(routes),
        objective=int(result.cost()),
        runtime_s=time.perf_counter() - t0,
    )


# --------------------------------------------------------------------------------------------
# Private helpers (solve_vrptw)
# --------------------------------------------------------------------------------------------


def _as_int_array(
    value: ArrayLike, name: str, problems: list[Problem], *, ndim: int
) -> NDArray[np.int64]:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        problems.append(Problem(f"{name} must be numeric", source=name))
        return np.zeros((0,) * ndim, dtype=np.int64)
    if arr.ndim != ndim:
        problems.append(Problem(f"{name} must be {ndim}-dimensional, got shape {arr.shape}"))
        return np.zeros((0,) * ndim, dtype=np.int64)
    if not np.all(np.isfinite(arr)):
        bad = np.argwhere(~np.isfinite(arr))[0].tolist()
        problems.append(Problem(f"{name} has non-finite values (first at {bad})"))
        return np.zeros((0,) * ndim, dtype=np.int64)
    if np.any(arr != np.round(arr)):
        bad = np.argwhere(arr != np.round(arr))[0].tolist()
        problems.append(
            Problem(
                f"{name} must hold whole numbers (first fractional value at {bad}); "
                "scale and round before calling"
            )
        )
    if np.any(arr < 0):
        bad = np.argwhere(arr < 0)[0].tolist()
        problems.append(Problem(f"{name} must be non-negative (first negative value at {bad})"))
    return np.round(arr).astype(np.int64)


def _validate_vrptw(
    durations: ArrayLike,
    service: ArrayLike,
    windows: ArrayLike,
    demand: ArrayLike,
    capacity: int,
    vehicles: int,
    time_limit_s: float | None,
    max_iterations: int | None,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    problems: list[Problem] = []
    dur = _as_int_array(durations, "durations", problems, ndim=2)
    svc = _as_int_array(service, "service", problems, ndim=1)
    win = _as_int_array(windows, "windows", problems, ndim=2)
    dem = _as_int_array(demand, "demand", problems, ndim=1)
    if dur.ndim == 2 and dur.shape[0] != dur.shape[1]:
        problems.append(Problem(f"durations must be square (n x n), got shape {dur.shape}"))
    n = dur.shape[0]
    if n == 0 and not problems:
        problems.append(Problem("durations is empty: index 0 must be the depot"))
    if dur.size and svc.shape != (n,):
        problems.append(Problem(f"service must have length n={n}, got shape {svc.shape}"))
    if dur.size and win.shape != (n, 2):
        problems.append(Problem(f"windows must have shape ({n}, 2), got {win.shape}"))
    if dur.size and dem.shape != (n,):
        problems.append(Problem(f"demand must have length n={n}, got shape {dem.shape}"))
    if not _is_int(capacity) or capacity < 0:
        problems.append(Problem(f"capacity must be a non-negative integer, got {capacity!r}"))
    if not _is_int(vehicles) or vehicles < 0:
        problems.append(Problem(f"vehicles must be a non-negative integer, got {vehicles!r}"))
    if time_limit_s is not None and not time_limit_s > 0:
        problems.append(Problem(f"time_limit_s must be > 0, got {time_limit_s!r}"))
    if max_iterations is not None and (not _is_int(max_iterations) or max_iterations < 1):
        problems.append(Problem(f"max_iterations must be a positive integer, {max_iterations!r}"))
    if problems:
        raise SchemaError(problems, source="solve_vrptw input")
    return dur, svc, win, dem


def _is_int(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _stop_precheck(
    i: int,
    dur: NDArray[np.int64],
    svc: NDArray[np.int64],
    win: NDArray[np.int64],
    dem: NDArray[np.int64],
    capacity: int,
) -> str | None:
    if dem[i] > capacity:
        return REASON_DEMAND
    if win[i, 0] > win[i, 1]:
        return REASON_EMPTY_WINDOW
    arrive = win[0, 0] + dur[0, i]
    if arrive > win[i, 1]:
        return REASON_WINDOW
    if max(arrive, win[i, 0]) + svc[i] + dur[i, 0] > win[0, 1]:
        return REASON_RETURN
    return None


def _travel_bound(dur: NDArray[np.int64], candidates: Sequence[int], vehicles: int) -> int:
    """Upper bound on the total travel of any solution over ``candidates``."""
    idx = [0, *candidates]
    sub = dur[np.ix_(idx, idx)]
    into = sub.max(axis=0)
    return int(into[1:].sum() + vehicles * into[0])


def _run_pyvrp(data: pyvrp.ProblemData, stop: StoppingCriterion, seed: int) -> pyvrp.Result:
    """Run PyVRP; its penalty-bound hint is logged, not raised (feasibility is checked after)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PenaltyBoundWarning)
        result = pyvrp.solve(data, stop, seed=seed, collect_stats=False, display=False)
    for w in caught:
        if issubclass(w.category, PenaltyBoundWarning):
            logger.warning("PyVRP: %s", " ".join(str(w.message).split()))
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return result


def _stop_criterion(time_limit_s: float | None, max_iterations: int | None) -> StoppingCriterion:
    criteria: list[Any] = []
    if time_limit_s is not None:
        criteria.append(MaxRuntime(float(time_limit_s)))
    if max_iterations is not None:
        criteria.append(MaxIterations(int(max_iterations)))
    if not criteria:
        criteria.append(MaxIterations(DEFAULT_MAX_ITERATIONS))
    return criteria[0] if len(criteria) == 1 else MultipleCriteria(criteria)


# --------------------------------------------------------------------------------------------
# Multi-day campaign
# --------------------------------------------------------------------------------------------

REASON_FAR = "too far from every van's depot: cannot drive there and back within a working day"
REASON_DRIVE_CAP = "round trip from every van's depot exceeds the daily driving cap"
REASON_NO_DAYS = "no free van-day at a depot that can reach it (multi-day halts took them)"
REASON_ROOM = "no room in the van-days: lower priority than the halts kept"
REASON_BLOCK_SHARE = "multi-day halt left out: multi-day halts would exceed max_block_share"
REASON_BLOCK_RUN = "multi-day halt left out: no van has enough free consecutive days"


@dataclass(frozen=True)
class HaltVisit:
    """One visit of a van to a halt on one day.

    Parameters
    ----------
    halt
        Location index of the halt.
    arrival_min
        Minute of the day the van arrives.
    departure_min
        Minute of the day the van leaves (breaks inside the visit included).
    dwell_min
        Working minutes spent at the halt this day (breaks excluded).
    drive_min
        Driving minutes from the previous location (the day's start location for the first
        visit).
    part
        1-based day number of this visit within the halt's visits (``1`` for ordinary halts).
    parts
        Number of day-visits the halt is split into (``1`` for ordinary halts).
    """

    halt: int
    arrival_min: int
    departure_min: int
    dwell_min: int
    drive_min: int
    part: int = 1
    parts: int = 1


@dataclass(frozen=True)
class VanDay:
    """The tour of one van on one day.

    Parameters
    ----------
    van
        Van number (0-based).
    day
        Day number (0-based).
    depot
        Location index of the van's home depot.
    start_location, end_location
        Where the van starts and ends the day: its depot, or a halt when it stays overnight.
    start_min, end_min
        Minute of the day the van leaves the start location and reaches the end location
        (for a day that ends at a halt: the minute work there stops).
    visits
        Visits in order.
    drive_min
        Total driving minutes of the day, the leg to ``end_location`` included.
    """

    van: int
    day: int
    depot: int
    start_location: int
    end_location: int
    start_min: int
    end_min: int
    visits: tuple[HaltVisit, ...]
    drive_min: int

    @property
    def return_drive_min(self) -> int:
        """Driving minutes of the last leg (last visit to ``end_location``)."""
        return self.drive_min - sum(v.drive_min for v in self.visits)


@dataclass(frozen=True)
class DroppedHalt:
    """A halt the campaign does not visit, and why."""

    halt: int
    reason: str


@dataclass(frozen=True)
class CampaignPlan:
    """Result of :func:`plan_campaign`.

    Parameters
    ----------
    van_days
        One entry per (van, day), sorted by van then day; days without visits included.
    dropped
        Halts not visited, with a reason each, sorted by halt.
    van_depots
        Location index of each van's depot.
    days
        Number of days planned.
    day_start_min, day_end_min
        Working hours (minutes of the day).
    breaks
        Breaks (start, end minute) during which the van neither drives nor registers.
    max_drive_min_per_day
        Daily driving cap used (``None``: no cap).
    total_drive_min
        Driving minutes over all van-days.
    objective
        PyVRP objective (drive minutes + prizes of halts not visited), or 0 without a solve.
    runtime_s
        Wall-clock seconds.
    solver
        Name of the solver.
    """

    van_days: tuple[VanDay, ...]
    dropped: tuple[DroppedHalt, ...]
    van_depots: tuple[int, ...]
    days: int
    day_start_min: int
    day_end_min: int
    breaks: tuple[tuple[int, int], ...]
    max_drive_min_per_day: int | None
    total_drive_min: int
    objective: int
    runtime_s: float
    solver: str = SOLVER_NAME

    @property
    def visited_halts(self) -> frozenset[int]:
        """Halts visited at least once."""
        return frozenset(v.halt for vd in self.van_days for v in vd.visits)

    def van_day(self, van: int, day: int) -> VanDay:
        """Return the tour of ``van`` on ``day``."""
        return self.van_days[van * self.days + day]


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
    desks: int = 2,
    registrations_per_desk_hour: float = 8.0,
    setup_min: float = 30.0,
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
    if not _is_int(desks) or desks < 1:
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
    day_start_min: int = 480,
    day_end_min: int = 960,
    breaks: Sequence[tuple[int, int]] = ((780, 810),),
    max_drive_min_per_day: int | None = None,
    overnight_at_halt: bool = False,
    max_block_share: float = 0.5,
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
    out and back each day, or staying overnight at the halt when ``overnight_at_halt``). Such
    halts are placed first, greedily by priority per van-day, using at most
    ``max_block_share`` of all van-days; the last day's remaining work is followed by an
    ordinary tour from the halt, optimised with the rest. See ``docs/routing.md``.

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
        Let vans stay overnight at multi-day halts instead of driving back each night.
    max_block_share
        Largest share of van-days that multi-day halts may take (0 disables them).
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
        When working hours minus breaks leave no time, or the solver ends infeasible.

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
    clock = _WorkClock(day_start_min, day_end_min, brk)
    work = clock.work_min
    if work <= 0:
        raise InfeasibleError(
            f"working hours {day_start_min}-{day_end_min} minus breaks leave no working time"
        )
    cap = max_drive_min_per_day
    big_cap = 10**12 if cap is None else int(cap)
    n_loc = dur.shape[0]
    depot_set = set(depot_list)
    halts = [h for h in range(n_loc) if h not in depot_set]
    n_vans = len(van_depots)
    free = [[True] * days for _ in range(n_vans)]
    reasons: dict[int, str] = {}

    # 1. Multi-day halts: those that fit in no single van-day from any van's depot.
    home = sorted(set(van_depots))
    long_halts = [h for h in halts if all(dur[p, h] + dwell[h] + dur[h, p] > work for p in home)]
    blocks: list[_Block] = []
    options: dict[int, list[_Block]] = {}
    for h in long_halts:
        opts = [
            b
            for v in range(n_vans)
            if (
                b := _block_for(
                    h, v, van_depots[v], dur, int(dwell[h]), work, big_cap, overnight_at_halt
                )
            )
            is not None
        ]
        if not opts:
            rt = min(dur[p, h] + dur[h, p] for p in home)
            reasons[h] = REASON_DRIVE_CAP if rt <= work and rt > big_cap else REASON_FAR
            if overnight_at_halt and all(dur[p, h] < work for p in home):
                reasons[h] = REASON_DRIVE_CAP
        else:
            options[h] = opts
    budget = int(math.floor(max_block_share * n_vans * days + 1e-9))
    order = sorted(options, key=lambda h: (-prio[h] / min(b.k for b in options[h]), h))
    for h in order:
        opts = sorted(options[h], key=lambda b: (b.k, dur[b.depot, h], b.van))
        if min(b.k for b in opts) > budget:
            reasons[h] = REASON_BLOCK_SHARE
            continue
        placed = None
        for b in opts:
            if b.k > budget:
                continue
            start = _free_run(free[b.van], b.k)
            if start is not None:
                placed = _Block(**{**b.__dict__, "start_day": start})
                break
        if placed is None:
            reasons[h] = REASON_BLOCK_RUN
            continue
        for d in range(placed.start_day, placed.start_day + placed.k):
            free[placed.van][d] = False
        budget -= placed.k
        blocks.append(placed)

    # 2. Vehicle types: free van-days at each van's depot, and the last day of each block.
    vtypes: list[_VType] = []
    for v in range(n_vans):
        free_days = [d for d in range(days) if free[v][d]]
        if free_days:
            p = van_depots[v]
            vtypes.append(_VType(v, tuple(free_days), p, p, 0, big_cap, None))
    for b in blocks:
        vtypes.append(
            _VType(
                b.van, (b.start_day + b.k - 1,), b.halt, b.depot, b.last_offset, b.last_budget, b
            )
        )

    # 3. Ordinary halts: precheck against every vehicle type, then the VRP.
    clients: list[int] = []
    for h in halts:
        if h in reasons or h in long_halts:
            continue
        fits_time = [
            t for t in vtypes if t.offset + dur[t.start, h] + dwell[h] + dur[h, t.end] <= work
        ]
        if not fits_time:
            reasons[h] = REASON_NO_DAYS
        elif not any(dur[t.start, h] + dur[h, t.end] <= t.budget for t in fits_time):
            reasons[h] = REASON_DRIVE_CAP
        else:
            clients.append(h)

    routes: dict[int, list[list[int]]] = {i: [] for i in range(len(vtypes))}
    objective = 0
    if clients and vtypes:
        routes, objective = _solve_campaign_vrp(
            dur, dwell, prio, clients, vtypes, work, time_limit_s, max_iterations, seed
        )
    served = {h for rs in routes.values() for r in rs for h in r}
    for h in clients:
        if h not in served:
            reasons[h] = REASON_ROOM

    # 4. Schedules per (van, day).
    tours: dict[tuple[int, int], VanDay] = {}
    for b in blocks:
        for vd in _block_days(b, dur, clock):
            tours[(vd.van, vd.day)] = vd
    for ti, t in enumerate(vtypes):
        rs = sorted(
            routes[ti], key=lambda r: (-sum(prio[h] for h in r), -len(r), r[0] if r else -1)
        )
        for r, day in zip(rs, t.days, strict=False):
            first: list[HaltVisit] = []
            if t.block is not None:
                first = [tours[(t.van, day)].visits[0]]
            tours[(t.van, day)] = _tour(t, day, r, first, dur, dwell, clock)
    van_days: list[VanDay] = []
    for v in range(n_vans):
        p = van_depots[v]
        for d in range(days):
            van_days.append(
                tours.get(
                    (v, d),
                    VanDay(v, d, p, p, p, day_start_min, day_start_min, (), 0),
                )
            )
    return CampaignPlan(
        van_days=tuple(van_days),
        dropped=tuple(DroppedHalt(h, reasons[h]) for h in sorted(reasons)),
        van_depots=tuple(van_depots),
        days=days,
        day_start_min=day_start_min,
        day_end_min=day_end_min,
        breaks=brk,
        max_drive_min_per_day=cap,
        total_drive_min=sum(vd.drive_min for vd in van_days),
        objective=objective,
        runtime_s=time.perf_counter() - t0,
    )


# --------------------------------------------------------------------------------------------
# Private helpers (campaign)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _WorkClock:
    """Maps working minutes of a day (breaks squeezed out) to minutes of the day."""

    day_start_min: int
    day_end_min: int
    breaks: tuple[tuple[int, int], ...]

    @property
    def work_min(self) -> int:
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
class _Block:
    """A multi-day halt served by one van on ``k`` consecutive days from ``start_day``."""

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
class _VType:
    van: int
    days: tuple[int, ...]
    start: int
    end: int
    offset: int
    budget: int
    block: _Block | None


def _block_for(
    h: int,
    van: int,
    depot: int,
    dur: NDArray[np.int64],
    dwell: int,
    work: int,
    cap: int,
    overnight: bool,
) -> _Block | None:
    out, back = int(dur[depot, h]), int(dur[h, depot])
    if not overnight:
        per_day = work - out - back
        if per_day <= 0 or out + back > cap:
            return None
        k = max(1, math.ceil(dwell / per_day))
        last = dwell - (k - 1) * per_day
        parts = (per_day,) * (k - 1) + (last,)
        return _Block(h, van, depot, k, parts, out + last, cap - out, False)
    if out >= work or back >= work or out > cap or back > cap:
        return None
    first = min(dwell, work - out)
    rest = dwell - first
    days_work = [first]
    while rest > work - back:  # the last day must leave time to drive home
        take = min(rest, work)
        days_work.append(take)
        rest -= take
    days_work.append(rest)
    return _Block(h, van, depot, len(days_work), tuple(days_work), rest, cap, True)


def _free_run(free: list[bool], k: int) -> int | None:
    run = 0
    for d, ok in enumerate(free):
        run = run + 1 if ok else 0
        if run == k:
            return d - k + 1
    return None


def _block_days(b: _Block, dur: NDArray[np.int64], clock: _WorkClock) -> list[VanDay]:
    """Van-days of a multi-day halt; the last one holds only the halt's visit (completed later)."""
    out_min, back_min = int(dur[b.depot, b.halt]), int(dur[b.halt, b.depot])
    days: list[VanDay] = []
    for i, work_i in enumerate(b.work_per_day):
        day = b.start_day + i
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
            # Completed by _tour when the solver adds halts after it; else straight home.
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


def _tour(
    t: _VType,
    day: int,
    route: Sequence[int],
    first: list[HaltVisit],
    dur: NDArray[np.int64],
    dwell: NDArray[np.int64],
    clock: _WorkClock,
) -> VanDay:
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


def _solve_campaign_vrp(
    dur: NDArray[np.int64],
    dwell: NDArray[np.int64],
    prio: NDArray[np.float64],
    clients: Sequence[int],
    vtypes: Sequence[_VType],
    work: int,
    time_limit_s: float | None,
    max_iterations: int | None,
    seed: int,
) -> tuple[dict[int, list[list[int]]], int]:
    # PyVRP index space: depots first (home depots and block halts), then clients.
    depot_locs = sorted({t.start for t in vtypes} | {t.end for t in vtypes})
    loc_idx = depot_locs + list(clients)
    sub = dur[np.ix_(loc_idx, loc_idx)]
    dpos = {loc: i for i, loc in enumerate(depot_locs)}
    top = float(max(prio[list(clients)].max(), 0.0))
    scale = 10 * work
    locations = [pyvrp.Location(x=float(loc), y=0.0) for loc in loc_idx]
    depots = [pyvrp.Depot(location=i) for i in range(len(depot_locs))]
    pclients = [
        pyvrp.Client(
            location=len(depot_locs) + j,
            service_duration=int(dwell[h]),
            tw_early=0,
            tw_late=work,
            prize=(work + 1) + (int(round(scale * prio[h] / top)) if top > 0 else 0),
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
            tw_late=work,
            max_distance=min(t.budget, 10**12),
            unit_distance_cost=1,
            name=f"van{t.van}",
        )
        for t in vtypes
    ]
    mats: list[Any] = [sub]
    data = pyvrp.ProblemData(locations, pclients, depots, types, mats, mats)
    result = _run_pyvrp(data, _stop_criterion(time_limit_s, max_iterations), seed)
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
    dur = _as_int_array(durations_min, "durations_min", problems, ndim=2)
    dwell = _as_int_array(dwell_min, "dwell_min", problems, ndim=1)
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
    depot_list = [int(p) for p in depots]
    if not depot_list:
        problems.append(Problem("depots is empty: give at least one depot location index"))
    if any(not 0 <= p < n for p in depot_list):
        problems.append(Problem(f"depots must be location indices in [0, {n}), got {depot_list}"))
    if len(set(depot_list)) != len(depot_list):
        problems.append(Problem(f"depots has duplicates: {depot_list}"))
    van_depots: list[int] = []
    if isinstance(vans, int | np.integer):
        if vans < 1:
            problems.append(Problem(f"vans must be >= 1, got {vans}"))
        elif depot_list:
            van_depots = [depot_list[v % len(depot_list)] for v in range(int(vans))]
    else:
        van_depots = [int(p) for p in vans]
        if not van_depots:
            problems.append(Problem("vans is an empty list: give at least one van"))
        bad = [p for p in van_depots if p not in depot_list]
        if bad:
            problems.append(Problem(f"vans lists depots {bad} that are not in depots"))
    if not _is_int(days) or days < 1:
        problems.append(Problem(f"days must be a positive integer, got {days!r}"))
    if not 0 <= day_start_min < day_end_min <= 24 * 60:
        problems.append(
            Problem(f"working hours must satisfy 0 <= {day_start_min} < {day_end_min} <= 1440")
        )
    brk = tuple(sorted((int(s), int(e)) for s, e in breaks))
    for s, e in brk:
        if not day_start_min <= s < e <= day_end_min:
            problems.append(Problem(f"break ({s}, {e}) must lie inside working hours, start<end"))
    for (_, e1), (s2, _) in zip(brk, brk[1:], strict=False):
        if s2 < e1:
            problems.append(Problem(f"breaks overlap: {brk}"))
    if max_drive_min_per_day is not None and not max_drive_min_per_day > 0:
        problems.append(Problem("max_drive_min_per_day must be > 0 (or None for no cap)"))
    if not 0 <= max_block_share <= 1:
        problems.append(Problem(f"max_block_share must be in [0, 1], got {max_block_share}"))
    if time_limit_s is not None and not time_limit_s > 0:
        problems.append(Problem(f"time_limit_s must be > 0, got {time_limit_s!r}"))
    if max_iterations is not None and (not _is_int(max_iterations) or max_iterations < 1):
        problems.append(Problem(f"max_iterations must be a positive integer, {max_iterations!r}"))
    if problems:
        raise SchemaError(problems, source="plan_campaign input")
    return dur, dwell, prio, depot_list, van_depots, brk
