"""Tests of scenarios.routing: solve_vrptw, plan_campaign and dwell_minutes.

Every solution is checked by validators written here from the problem statement (not from
the solver's own feasibility flags): depot at both ends, each stop at most once, capacity,
time windows, travel times from the matrix, working day, breaks and the driving cap.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geodata.errors import InfeasibleError, SchemaError
from scenarios.routing import (
    CampaignPlan,
    VrptwResult,
    dwell_minutes,
    plan_campaign,
    solve_vrptw,
)

SOLOMON = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "solomon" / "canonical"


# --------------------------------------------------------------------------------------------
# Independent validators
# --------------------------------------------------------------------------------------------


def check_vrptw(
    res: VrptwResult,
    dur: np.ndarray,
    svc: Sequence[int],
    win: np.ndarray,
    dem: Sequence[int],
    capacity: int,
    vehicles: int,
) -> int:
    """Validate a VRPTW solution from scratch; return its total travel."""
    n = len(dur)
    visited = [s for r in res.routes for s in r]
    assert len(visited) == len(set(visited)), "a stop is visited twice"
    assert all(1 <= s < n for s in visited), "a route lists the depot or an unknown stop"
    dropped = [d.stop for d in res.dropped]
    assert len(dropped) == len(set(dropped))
    assert set(visited).isdisjoint(dropped), "a stop is both visited and dropped"
    assert set(visited) | set(dropped) == set(range(1, n)), "a stop is neither visited nor dropped"
    assert all(d.reason for d in res.dropped)
    assert len(res.routes) <= vehicles
    assert res.vehicles_used == len(res.routes)
    assert all(len(r) > 0 for r in res.routes)
    total = 0
    for route in res.routes:
        assert sum(dem[s] for s in route) <= capacity, "capacity exceeded"
        t = int(win[0, 0])
        prev = 0
        for s in route:
            t += int(dur[prev, s])
            total += int(dur[prev, s])
            assert res.arrival[s] == t, "arrival does not follow the matrix"
            t = max(t, int(win[s, 0]))
            assert res.service_start[s] == t
            assert t <= win[s, 1], f"stop {s} served after its window closes"
            t += int(svc[s])
            prev = s
        t += int(dur[prev, 0])
        total += int(dur[prev, 0])
        assert t <= win[0, 1], "route back after the depot closes"
    assert total == res.total_travel
    for s in dropped:
        assert res.arrival[s] is None
    return total


def work_between(a: int, b: int, breaks: Sequence[tuple[int, int]]) -> int:
    """Minutes in [a, b] outside the breaks."""
    if b < a:
        return -1
    return (b - a) - sum(max(0, min(b, e) - max(a, s)) for s, e in breaks)


def check_campaign(
    plan: CampaignPlan,
    dur: np.ndarray,
    dwell: Sequence[int],
    *,
    depots: Sequence[int],
    van_depots: Sequence[int],
    days: int,
    day_start: int,
    day_end: int,
    breaks: Sequence[tuple[int, int]],
    cap: int | None,
    overnight: bool,
    day_breaks: Sequence[Sequence[tuple[int, int]]] = (),
    onsite_ratio: float = 0.0,
) -> None:
    """Validate a campaign plan from scratch (``day_breaks``: breaks of each day if given)."""
    n = len(dur)
    halts = set(range(n)) - set(depots)
    assert len(plan.van_days) == len(van_depots) * days
    seen: dict[int, list[tuple[int, int, int, int, int]]] = {}
    prev_end: dict[int, int] = {}
    all_breaks = breaks
    for vd in plan.van_days:
        breaks = day_breaks[vd.day] if day_breaks else all_breaks
        assert vd.depot == van_depots[vd.van]
        if vd.start_location != vd.depot:
            assert overnight, "van starts away from its depot without overnight stays"
            assert prev_end.get(vd.van) == vd.start_location, "overnight location mismatch"
        else:
            assert prev_end.get(vd.van, vd.depot) == vd.depot, "van left somewhere overnight"
        assert day_start <= vd.start_min
        assert vd.end_min <= day_end, "day ends after working hours"
        loc, t, drive = vd.start_location, vd.start_min, 0
        day_halts = [v.halt for v in vd.visits]
        assert len(day_halts) == len(set(day_halts)), "halt twice on one day"
        for v in vd.visits:
            assert v.halt in halts, "a depot is visited as a halt"
            leg = int(dur[loc, v.halt])
            assert v.drive_min == leg, "drive minutes do not follow the matrix"
            drive += leg
            assert work_between(t, v.arrival_min, breaks) >= leg, "drive overlaps a break"
            assert work_between(v.arrival_min, v.departure_min, breaks) == v.dwell_min
            assert day_start <= v.arrival_min <= v.departure_min <= day_end
            seen.setdefault(v.halt, []).append((vd.van, vd.day, v.part, v.parts, v.dwell_min))
            loc, t = v.halt, v.departure_min
        if vd.end_location != vd.depot:
            assert overnight and vd.visits and vd.end_location == loc
        else:
            leg = int(dur[loc, vd.end_location])
            drive += leg
            assert work_between(t, vd.end_min, breaks) >= leg
        assert drive == vd.drive_min
        if cap is not None:
            assert drive <= cap, "daily driving cap exceeded"
        onsite = sum(v.dwell_min for v in vd.visits)
        assert onsite >= onsite_ratio * drive - 1e-9, "less time on site than the rule asks"
        prev_end[vd.van] = vd.end_location
    assert all(end == van_depots[v] for v, end in prev_end.items()), "van not home at the end"
    dropped = {d.halt for d in plan.dropped}
    assert len(dropped) == len(plan.dropped)
    assert all(d.reason for d in plan.dropped)
    assert dropped.isdisjoint(seen), "halt both visited and dropped"
    assert dropped | set(seen) == halts, "halt neither visited nor dropped"
    for h, visits in seen.items():
        visits.sort(key=lambda x: x[1])
        vans = {x[0] for x in visits}
        assert len(vans) == 1, "multi-day halt served by several vans"
        assert [x[2] for x in visits] == list(range(1, len(visits) + 1))
        assert all(x[3] == len(visits) for x in visits)
        day_list = [x[1] for x in visits]
        assert day_list == list(range(day_list[0], day_list[0] + len(visits))), "not consecutive"
        assert sum(x[4] for x in visits) == dwell[h], "dwell not fully served"


# --------------------------------------------------------------------------------------------
# Brute force for tiny instances
# --------------------------------------------------------------------------------------------


def brute_force(dur, svc, win, dem, capacity, vehicles) -> tuple[int, int, int]:
    """Best (served, vehicles, travel) lexicographically: max served, min vehicles, min travel."""
    n = len(dur)
    best = (0, 0, 0)
    best_key = (0, 0, 0)

    def route_ok(route: Sequence[int]) -> int | None:
        if sum(dem[s] for s in route) > capacity:
            return None
        t, prev, travel = win[0, 0], 0, 0
        for s in route:
            t += dur[prev, s]
            travel += dur[prev, s]
            t = max(t, win[s, 0])
            if t > win[s, 1]:
                return None
            t += svc[s]
            prev = s
        t += dur[prev, 0]
        travel += dur[prev, 0]
        return int(travel) if t <= win[0, 1] else None

    stops = list(range(1, n))
    for size in range(len(stops) + 1):
        for subset in itertools.combinations(stops, size):
            for perm in itertools.permutations(subset):
                for cuts in range(1 << max(0, size - 1)):
                    routes, cur = [], [perm[0]] if perm else []
                    for k in range(1, size):
                        if cuts >> (k - 1) & 1:
                            routes.append(cur)
                            cur = [perm[k]]
                        else:
                            cur.append(perm[k])
                    if cur:
                        routes.append(cur)
                    if len(routes) > vehicles:
                        continue
                    costs = [route_ok(r) for r in routes]
                    if any(c is None for c in costs):
                        continue
                    travel = sum(c for c in costs if c is not None)
                    key = (size, -len(routes), -travel)
                    if key > best_key or best == (0, 0, 0):
                        best_key, best = key, (size, len(routes), travel)
    return best


# --------------------------------------------------------------------------------------------
# solve_vrptw
# --------------------------------------------------------------------------------------------


def line_instance():
    """Depot at 0 on a line, stops at 2, 4, 6; windows force a known order."""
    pos = np.array([0, 2, 4, 6])
    dur = np.abs(pos[:, None] - pos[None, :])
    svc = [0, 1, 1, 1]
    win = np.array([[0, 100], [0, 100], [0, 100], [0, 100]])
    dem = [0, 1, 1, 1]
    return dur, svc, win, dem


def test_tiny_line_one_vehicle_optimum():
    dur, svc, win, dem = line_instance()
    res = solve_vrptw(dur, svc, win, dem, 10, 3, seed=1)
    total = check_vrptw(res, dur, svc, win, dem, 10, 3)
    assert total == 12 == brute_force(dur, svc, win, dem, 10, 3)[2]
    assert res.vehicles_used == 1 and res.dropped == ()
    assert res.solver == "pyvrp"


def test_tiny_capacity_forces_two_vehicles():
    dur, svc, win, _ = line_instance()
    res = solve_vrptw(dur, svc, win, [0, 2, 2, 2], 4, 3, seed=1)
    check_vrptw(res, dur, svc, win, [0, 2, 2, 2], 4, 3)
    assert res.vehicles_used == 2
    assert res.total_travel == brute_force(dur, svc, win, np.array([0, 2, 2, 2]), 4, 3)[2]


def test_time_windows_force_order():
    dur, svc, _, dem = line_instance()
    # stop 3 (farthest) must be served first, then 1: 0->3->1->2->0 or 0->3->2->1->0.
    win = np.array([[0, 100], [10, 100], [0, 100], [0, 6]])
    res = solve_vrptw(dur, svc, win, dem, 10, 1, seed=3)
    check_vrptw(res, dur, svc, win, dem, 10, 1)
    assert res.routes[0][0] == 3
    assert res.total_travel == brute_force(dur, svc, win, dem, 10, 1)[2]


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4, 5])
def test_random_tiny_matches_brute_force(seed: int):
    rng = np.random.default_rng(seed)
    n = 6
    xy = rng.integers(0, 20, size=(n, 2))
    dur = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))).astype(int)
    svc = rng.integers(0, 5, size=n)
    early = rng.integers(0, 40, size=n)
    win = np.column_stack([early, early + rng.integers(5, 40, size=n)])
    win[0] = [0, 120]
    dem = rng.integers(1, 4, size=n)
    res = solve_vrptw(dur, svc, win, dem, 6, 3, seed=seed, max_iterations=500)
    check_vrptw(res, dur, svc, win, dem, 6, 3)
    served, veh, travel = brute_force(dur, svc, win, dem, 6, 3)
    assert len(res.visited) == served
    assert res.vehicles_used == veh
    assert res.total_travel == travel


def test_drop_reasons():
    pos = np.array([0, 2, 4, 50, 6, 8])
    dur = np.abs(pos[:, None] - pos[None, :])
    svc = [0, 1, 1, 1, 1, 30]
    win = np.array([[0, 60], [0, 60], [0, 1], [0, 60], [0, 60], [0, 60]])
    dem = [0, 1, 1, 1, 9, 1]
    res = solve_vrptw(dur, svc, win, dem, 5, 2, seed=0)
    check_vrptw(res, dur, svc, win, dem, 5, 2)
    reasons = {d.stop: d.reason for d in res.dropped}
    assert reasons == {
        2: "window unreachable from depot",
        3: "cannot return to depot before it closes",
        4: "demand exceeds capacity",
    }
    assert res.visited == {1, 5}


def test_no_room_in_the_fleet():
    # Two stops with the same tight window far apart: one vehicle can serve only one.
    pos = np.array([0, 10, -10])
    dur = np.abs(pos[:, None] - pos[None, :])
    win = np.array([[0, 100], [10, 12], [10, 12]])
    res = solve_vrptw(dur, [0, 5, 5], win, [0, 1, 1], 5, 1, seed=0)
    check_vrptw(res, dur, [0, 5, 5], win, [0, 1, 1], 5, 1)
    assert len(res.routes) == 1 and len(res.dropped) == 1
    assert res.dropped[0].reason == "no room in the fleet"


def test_zero_vehicles_and_depot_only():
    dur, svc, win, dem = line_instance()
    res = solve_vrptw(dur, svc, win, dem, 10, 0)
    assert res.routes == () and {d.reason for d in res.dropped} == {"no vehicles available"}
    res0 = solve_vrptw([[0]], [0], [[0, 10]], [0], 1, 1)
    assert res0.routes == () and res0.dropped == ()


def test_deterministic_for_a_seed():
    rng = np.random.default_rng(7)
    n = 25
    xy = rng.uniform(0, 100, size=(n, 2))
    dur = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))).astype(int)
    win = np.column_stack([np.zeros(n), np.full(n, 1000)])
    a = solve_vrptw(dur, np.full(n, 10), win, np.ones(n), 8, 5, seed=11, max_iterations=500)
    b = solve_vrptw(dur, np.full(n, 10), win, np.ones(n), 8, 5, seed=11, max_iterations=500)
    assert a.routes == b.routes and a.total_travel == b.total_travel
    check_vrptw(a, dur, np.full(n, 10), win, np.ones(n, dtype=int), 8, 5)


def test_vehicle_fixed_cost_zero_minimises_travel_only():
    # Two stops in opposite directions: one vehicle or two gives the same travel.
    pos = np.array([0, 5, -5])
    dur = np.abs(pos[:, None] - pos[None, :])
    win = np.array([[0, 100]] * 3)
    res = solve_vrptw(dur, [0, 0, 0], win, [0, 1, 1], 5, 2, vehicle_fixed_cost=0)
    assert res.total_travel == 20
    res_default = solve_vrptw(dur, [0, 0, 0], win, [0, 1, 1], 5, 2)
    assert res_default.vehicles_used == 1


def read_solomon(path: Path):
    rows = []
    lines = path.read_text().splitlines()
    for k, line in enumerate(lines):
        if line.strip().startswith("NUMBER"):
            vehicles, capacity = (int(v) for v in lines[k + 1].split())
        parts = line.split()
        if len(parts) == 7 and all(p.replace(".", "").isdigit() for p in parts):
            rows.append([float(p) for p in parts])
    data = np.array(rows)
    return data, vehicles, capacity


def solomon_arrays(path: Path, *, scale: int):
    """Integer durations, service, windows and demand of a Solomon file, times x ``scale``."""
    data, vehicles, capacity = read_solomon(path)
    xy = data[:, 1:3]
    exact = np.sqrt(((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1))
    dur = np.rint(exact * scale).astype(int)
    svc = np.rint(data[:, 6] * scale).astype(int)
    win = np.rint(data[:, 4:6] * scale).astype(int)
    return dur, svc, win, data[:, 3].astype(int), vehicles, capacity


@pytest.mark.skipif(not (SOLOMON / "R101.txt").exists(), reason="shared Solomon files missing")
def test_solomon_r101_short_limit_is_valid():
    dur, svc, win, dem, vehicles, capacity = solomon_arrays(SOLOMON / "R101.txt", scale=10)
    res = solve_vrptw(dur, svc, win, dem, capacity, vehicles, time_limit_s=1.0, seed=1)
    check_vrptw(res, dur, svc, win, dem, capacity, vehicles)
    assert res.dropped == ()
    assert res.vehicles_used <= 19 + 2


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    n=st.integers(min_value=1, max_value=8),
    seed=st.integers(min_value=0, max_value=10_000),
    vehicles=st.integers(min_value=0, max_value=3),
    capacity=st.integers(min_value=0, max_value=6),
)
def test_property_each_stop_once_and_all_accounted(n, seed, vehicles, capacity):
    rng = np.random.default_rng(seed)
    dur = rng.integers(0, 30, size=(n, n))
    np.fill_diagonal(dur, 0)
    svc = rng.integers(0, 10, size=n)
    early = rng.integers(0, 60, size=n)
    win = np.column_stack([early, np.maximum(0, early + rng.integers(-5, 60, size=n))])
    win[0] = [0, int(rng.integers(40, 200))]
    dem = rng.integers(0, 4, size=n)
    res = solve_vrptw(dur, svc, win, dem, capacity, vehicles, seed=seed, max_iterations=100)
    check_vrptw(res, dur, svc, win, dem, capacity, vehicles)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"durations": [[0, 1], [1, 0], [1, 1]]}, SchemaError, "must be square"),
        ({"durations": [[0, -1], [1, 0]]}, SchemaError, "non-negative"),
        ({"durations": [[0, 1.5], [1, 0]]}, SchemaError, "whole numbers"),
        ({"durations": [[0, np.nan], [1, 0]]}, SchemaError, "non-finite"),
        ({"service": [0, 1, 2]}, SchemaError, "service must have length n=2"),
        ({"windows": [[0, 10]]}, SchemaError, r"windows must have shape \(2, 2\)"),
        ({"demand": [0]}, SchemaError, "demand must have length"),
        ({"capacity": -1}, SchemaError, "capacity must be a non-negative integer"),
        ({"vehicles": 1.5}, SchemaError, "vehicles must be a non-negative integer"),
        ({"time_limit_s": 0}, SchemaError, "time_limit_s must be > 0"),
        ({"windows": [[10, 5], [0, 10]]}, InfeasibleError, "depot window is empty"),
        ({"vehicle_fixed_cost": -3}, SchemaError, "vehicle_fixed_cost must be >= 0"),
    ],
)
def test_solve_vrptw_errors(kwargs, error, match):
    args = {
        "durations": [[0, 1], [1, 0]],
        "service": [0, 1],
        "windows": [[0, 10], [0, 10]],
        "demand": [0, 1],
        "capacity": 2,
        "vehicles": 1,
    }
    options = {
        k: kwargs.pop(k) for k in list(kwargs) if k in ("time_limit_s", "vehicle_fixed_cost")
    }
    args.update(kwargs)
    with pytest.raises(error, match=match):
        solve_vrptw(**args, **options)


def test_schema_error_lists_every_problem():
    with pytest.raises(SchemaError, match="3 problems") as info:
        solve_vrptw([[0, -1], [1, 0]], [0, 1, 1], [[0, 1]], [0, 1], 1, 1)
    assert len(info.value.problems) == 3


# --------------------------------------------------------------------------------------------
# dwell_minutes
# --------------------------------------------------------------------------------------------


def test_dwell_minutes_formula():
    assert dwell_minutes(120, desks=2, registrations_per_desk_hour=10, setup_min=30) == 390
    out = dwell_minutes([0, 1, 16], desks=2, registrations_per_desk_hour=8, setup_min=20)
    assert out.tolist() == [0, 24, 80]


@pytest.mark.parametrize(
    ("value", "kwargs", "match"),
    [
        (-1, {}, "expected_registrations must be finite and >= 0"),
        (10, {"desks": 0}, "desks must be a positive integer"),
        (10, {"registrations_per_desk_hour": 0}, "registrations_per_desk_hour must be > 0"),
    ],
)
def test_dwell_minutes_errors(value, kwargs, match):
    with pytest.raises(SchemaError, match=match):
        dwell_minutes(value, **kwargs)


# --------------------------------------------------------------------------------------------
# plan_campaign
# --------------------------------------------------------------------------------------------


def synthetic(halts: int, n_depots: int, seed: int, long_every: int = 0):
    rng = np.random.default_rng(seed)
    n = n_depots + halts
    xy = rng.uniform(0, 80, size=(n, 2))
    km = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)) * 1.3
    dur = np.ceil(km / 40 * 60).astype(int)
    regs = rng.integers(5, 60, size=n)
    dwell = dwell_minutes(regs, desks=2, registrations_per_desk_hour=12, setup_min=20)
    if long_every:
        dwell[n_depots::long_every] = rng.integers(500, 1200, size=len(dwell[n_depots::long_every]))
    dwell[:n_depots] = 0
    prio = rng.uniform(0.1, 1.0, size=n)
    return dur, dwell, prio, list(range(n_depots))


@pytest.mark.parametrize("overnight", [False, True])
def test_campaign_three_vans_ten_days_is_valid(overnight: bool):
    dur, dwell, prio, depots = synthetic(80, 2, seed=5, long_every=9)
    plan = plan_campaign(
        dur,
        dwell,
        prio,
        depots=depots,
        vans=3,
        days=10,
        max_drive_min_per_day=200,
        overnight_at_halt=overnight,
        max_iterations=400,
        seed=2,
    )
    check_campaign(
        plan,
        dur,
        dwell,
        depots=depots,
        van_depots=[0, 1, 0],
        days=10,
        day_start=480,
        day_end=960,
        breaks=[(780, 810)],
        cap=200,
        overnight=overnight,
    )
    assert any(v.parts > 1 for vd in plan.van_days for v in vd.visits), "no multi-day halt"
    assert len(plan.visited_halts) > 40
    assert plan.total_drive_min == sum(vd.drive_min for vd in plan.van_days)


def test_campaign_scarce_time_keeps_highest_priority():
    # Six identical halts 5 minutes apart, 100 minutes each: four fit in one 450-minute day.
    n = 7
    dur = np.full((n, n), 5)
    np.fill_diagonal(dur, 0)
    dwell = [0] + [100] * 6
    prio = [0, 0.1, 0.9, 0.5, 0.8, 0.2, 0.7]
    plan = plan_campaign(dur, dwell, prio, depots=[0], vans=1, days=1, seed=0)
    check_campaign(
        plan,
        dur,
        dwell,
        depots=[0],
        van_depots=[0],
        days=1,
        day_start=480,
        day_end=960,
        breaks=[(780, 810)],
        cap=None,
        overnight=False,
    )
    assert plan.visited_halts == {2, 3, 4, 6}
    assert {d.halt for d in plan.dropped} == {1, 5}
    assert all("priority" in d.reason for d in plan.dropped)


def test_campaign_break_inside_visit_and_long_halt():
    dur = np.array([[0, 60, 30], [60, 0, 40], [30, 40, 0]])
    dwell = [0, 1000, 200]
    breaks = ((780, 810), (900, 910))
    plan = plan_campaign(
        dur, dwell, [0, 1.0, 0.5], depots=[0], vans=1, days=5, breaks=breaks, max_block_share=1.0
    )
    check_campaign(
        plan,
        dur,
        dwell,
        depots=[0],
        van_depots=[0],
        days=5,
        day_start=480,
        day_end=960,
        breaks=breaks,
        cap=None,
        overnight=False,
    )
    parts = [v for vd in plan.van_days for v in vd.visits if v.halt == 1]
    assert len(parts) == 4 and sum(v.dwell_min for v in parts) == 1000
    # Working day = 480 - 40 break minutes = 440; 440 - 120 driving = 320 per day at most:
    # ceil(1000 / 320) = 4 days, split evenly (no 40-minute last day for 120 minutes' drive).
    assert [v.dwell_min for v in parts] == [250, 250, 250, 250]
    assert plan.dropped == ()


def test_campaign_drop_reasons():
    # Halt 1 too far to return the same day, halt 2 beyond the drive cap, halt 3 fine.
    dur = np.array([[0, 300, 100, 10], [300, 0, 300, 300], [100, 300, 0, 100], [10, 300, 100, 0]])
    plan = plan_campaign(
        dur,
        [0, 60, 60, 60],
        [0, 1, 1, 1],
        depots=[0],
        vans=1,
        days=2,
        max_drive_min_per_day=150,
        overnight_at_halt=False,
    )
    reasons = {d.halt: d.reason for d in plan.dropped}
    assert set(reasons) == {1, 2}
    assert "too far" in reasons[1]
    assert "driving cap" in reasons[2]
    assert plan.visited_halts == {3}


def test_campaign_deterministic():
    dur, dwell, prio, depots = synthetic(30, 1, seed=9)
    a = plan_campaign(dur, dwell, prio, depots=depots, vans=2, days=3, max_iterations=200)
    b = plan_campaign(dur, dwell, prio, depots=depots, vans=2, days=3, max_iterations=200)
    assert a.van_days == b.van_days and a.dropped == b.dropped


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"depots": []}, SchemaError, "depots is empty"),
        ({"depots": [7]}, SchemaError, "depots must be location indices"),
        ({"vans": [1]}, SchemaError, "not in depots"),
        ({"vans": 0}, SchemaError, "vans must be >= 1"),
        ({"days": 0}, SchemaError, "days must be a positive integer"),
        ({"breaks": ((700, 1000),)}, SchemaError, "must lie inside working hours"),
        ({"breaks": ((700, 800), (750, 820))}, SchemaError, "breaks overlap"),
        ({"day_start_min": 900, "day_end_min": 800}, SchemaError, "working hours"),
        ({"max_drive_min_per_day": 0}, SchemaError, "max_drive_min_per_day must be > 0"),
        ({"max_block_share": 2.0}, SchemaError, "max_block_share"),
        (
            {"day_start_min": 480, "day_end_min": 600, "breaks": ((480, 600),)},
            InfeasibleError,
            "leave no working time",
        ),
    ],
)
def test_plan_campaign_errors(kwargs, error, match):
    base = {"depots": [0], "vans": 1, "days": 1}
    base.update(kwargs)
    with pytest.raises(error, match=match):
        plan_campaign([[0, 5], [5, 0]], [0, 30], [0, 1.0], **base)


def test_plan_campaign_array_errors():
    with pytest.raises(SchemaError, match="priority must have length 2"):
        plan_campaign([[0, 5], [5, 0]], [0, 30], [1.0], depots=[0], vans=1, days=1)
    with pytest.raises(SchemaError, match="priority must be finite"):
        plan_campaign([[0, 5], [5, 0]], [0, 30], [0, -1], depots=[0], vans=1, days=1)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "bk_vans"), [("C101", 10), ("R101", 19), ("RC101", 14), ("RC201", 4)]
)
def test_solomon_reviewer_instances_within_one_van(name: str, bk_vans: int):
    path = SOLOMON / f"{name}.txt"
    if not path.exists():
        pytest.skip("shared Solomon files missing")
    dur, svc, win, dem, vehicles, capacity = solomon_arrays(path, scale=100)
    res = solve_vrptw(dur, svc, win, dem, capacity, vehicles, time_limit_s=4.0, seed=1)
    check_vrptw(res, dur, svc, win, dem, capacity, vehicles)
    assert res.dropped == ()
    assert res.vehicles_used <= bk_vans + 1
