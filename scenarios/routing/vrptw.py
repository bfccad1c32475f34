"""Vehicle routing with time windows (VRPTW) on plain arrays, solved with PyVRP.

:func:`solve_vrptw` is a generic capacitated VRP with time windows (index 0 is the depot).
Stops that cannot be served are dropped with a reason instead of failing the whole solve.
It is the array core; the van campaign planner is :func:`scenarios.routing.plan_campaign`
and its region adapter :func:`scenarios.routing.plan_vans`. See ``docs/routing.md`` for the
solver benchmark that led to PyVRP.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyvrp
from numpy.typing import ArrayLike, NDArray

from geodata.errors import InfeasibleError, Problem, SchemaError
from scenarios.routing.checks import check_search_limits, int_array, is_int
from scenarios.routing.search import SOLVER_NAME, run_pyvrp, stop_criterion

__all__ = [
    "REASON_DEMAND",
    "REASON_EMPTY_WINDOW",
    "REASON_FLEET",
    "REASON_NO_VEHICLES",
    "REASON_RETURN",
    "REASON_WINDOW",
    "DroppedStop",
    "VrptwResult",
    "solve_vrptw",
]

# Reasons a stop is not served.
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
    reasons = _precheck_stops(dur, svc, win, dem, capacity)
    candidates = [i for i in range(1, n) if i not in reasons]
    if vehicles == 0:
        reasons.update(dict.fromkeys(candidates, REASON_NO_VEHICLES))
        candidates = []
    if not candidates:
        return VrptwResult(
            routes=(),
            total_travel=0,
            dropped=_dropped(reasons),
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
    data = _vrptw_model(dur, svc, win, dem, capacity, vehicles, candidates, fixed, prize)
    result = run_pyvrp(data, stop_criterion(time_limit_s, max_iterations), seed)
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
    sched = _schedule(routes, dur, svc, win)

    served = {s for r in routes for s in r}
    reasons.update({i: REASON_FLEET for i in candidates if i not in served})
    return VrptwResult(
        routes=tuple(routes),
        total_travel=sched.total,
        dropped=_dropped(reasons),
        arrival=tuple(sched.arrival),
        service_start=tuple(sched.start),
        route_start=tuple(sched.route_start),
        route_end=tuple(sched.route_end),
        vehicles_used=len(routes),
        objective=int(result.cost()),
        runtime_s=time.perf_counter() - t0,
    )


# --------------------------------------------------------------------------------------------
# Private helpers
# --------------------------------------------------------------------------------------------


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
    dur = int_array(durations, "durations", problems, ndim=2)
    svc = int_array(service, "service", problems, ndim=1)
    win = int_array(windows, "windows", problems, ndim=2)
    dem = int_array(demand, "demand", problems, ndim=1)
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
    if not is_int(capacity) or capacity < 0:
        problems.append(Problem(f"capacity must be a non-negative integer, got {capacity!r}"))
    if not is_int(vehicles) or vehicles < 0:
        problems.append(Problem(f"vehicles must be a non-negative integer, got {vehicles!r}"))
    check_search_limits(time_limit_s, max_iterations, problems)
    if problems:
        raise SchemaError(problems, source="solve_vrptw input")
    return dur, svc, win, dem


def _precheck_stops(
    dur: NDArray[np.int64],
    svc: NDArray[np.int64],
    win: NDArray[np.int64],
    dem: NDArray[np.int64],
    capacity: int,
) -> dict[int, str]:
    """Stops no vehicle can serve, with the reason."""
    reasons: dict[int, str] = {}
    for i in range(1, dur.shape[0]):
        reason = _stop_precheck(i, dur, svc, win, dem, capacity)
        if reason is not None:
            reasons[i] = reason
    return reasons


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


def _dropped(reasons: dict[int, str]) -> tuple[DroppedStop, ...]:
    return tuple(DroppedStop(i, reasons[i]) for i in sorted(reasons))


def _travel_bound(dur: NDArray[np.int64], candidates: Sequence[int], vehicles: int) -> int:
    """Upper bound on the total travel of any solution over ``candidates``."""
    idx = [0, *candidates]
    sub = dur[np.ix_(idx, idx)]
    into = sub.max(axis=0)
    return int(into[1:].sum() + vehicles * into[0])


def _vrptw_model(
    dur: NDArray[np.int64],
    svc: NDArray[np.int64],
    win: NDArray[np.int64],
    dem: NDArray[np.int64],
    capacity: int,
    vehicles: int,
    candidates: Sequence[int],
    fixed: int,
    prize: int,
) -> pyvrp.ProblemData:
    """PyVRP problem over the depot and ``candidates`` (clients in that order)."""
    depot_open, depot_close = int(win[0, 0]), int(win[0, 1])
    model = pyvrp.Model()
    locs = [model.add_location(x=float(i), y=0.0) for i in range(dur.shape[0])]
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
    return model.data()


@dataclass
class _Schedule:
    arrival: list[int | None]
    start: list[int | None]
    route_start: list[int]
    route_end: list[int]
    total: int


def _schedule(
    routes: Sequence[tuple[int, ...]],
    dur: NDArray[np.int64],
    svc: NDArray[np.int64],
    win: NDArray[np.int64],
) -> _Schedule:
    """Arrival and service start of every stop, leaving the depot when it opens."""
    n = dur.shape[0]
    out = _Schedule([None] * n, [None] * n, [], [], 0)
    depot_open = int(win[0, 0])
    for stops in routes:
        t = depot_open
        out.route_start.append(t)
        prev = 0
        for s in stops:
            t += int(dur[prev, s])
            out.total += int(dur[prev, s])
            out.arrival[s] = t
            t = max(t, int(win[s, 0]))
            out.start[s] = t
            t += int(svc[s])
            prev = s
        t += int(dur[prev, 0])
        out.total += int(dur[prev, 0])
        out.route_end.append(t)
    return out
