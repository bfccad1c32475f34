"""Benchmark of the van-routing solvers.

``--part solomon`` runs PyVRP (through :func:`scenarios.routing.solve_vrptw`), OR-Tools routing
and VROOM (pyvroom) on the Solomon VRPTW instances with the same integer matrices and the same
time budget, and prints vehicles, distance (recomputed in exact Euclidean from the routes),
best-known figures, gap and seconds per instance and solver, then the means.

``--part campaign`` plans a seeded synthetic campaign (default 500 halts, 10 vans, 20 days)
with :func:`scenarios.routing.plan_campaign` and prints its figures.

Examples
--------
    .venv/bin/python benchmarks/bench_vrptw.py --part solomon --seconds 5
    .venv/bin/python benchmarks/bench_vrptw.py --instances C101,R101 --solvers pyvrp,vroom
    .venv/bin/python benchmarks/bench_vrptw.py --part campaign --seconds 40
"""

from __future__ import annotations

import argparse
import csv
import itertools
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scenarios.routing import dwell_minutes, solve_vrptw  # noqa: E402

SHARED = ROOT.parent / "shared" / "benchmarks"
CANONICAL = [f"{p}{i}" for p in ("C10", "C20", "R10", "R20", "RC10", "RC20") for i in (1, 2, 3)]


@dataclass(frozen=True)
class Instance:
    name: str
    vehicles: int
    capacity: int
    xy: np.ndarray
    demand: np.ndarray
    ready: np.ndarray
    due: np.ndarray
    service: np.ndarray


@dataclass(frozen=True)
class Outcome:
    solver: str
    routes: list[list[int]]
    seconds: float


def read_solomon(path: Path) -> Instance:
    """Read a Solomon instance in the original layout."""
    lines = path.read_text().splitlines()
    name = lines[0].strip()
    vehicles = capacity = 0
    rows: list[list[float]] = []
    for k, line in enumerate(lines):
        if line.strip().startswith("NUMBER"):
            vehicles, capacity = (int(v) for v in lines[k + 1].split())
        parts = line.split()
        if len(parts) == 7 and all(_is_number(p) for p in parts):
            rows.append([float(p) for p in parts])
    data = np.array(rows)
    return Instance(
        name=name,
        vehicles=vehicles,
        capacity=capacity,
        xy=data[:, 1:3],
        demand=data[:, 3].astype(int),
        ready=data[:, 4],
        due=data[:, 5],
        service=data[:, 6],
    )


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def euclid(xy: np.ndarray) -> np.ndarray:
    diff = xy[:, None, :] - xy[None, :, :]
    return np.sqrt((diff**2).sum(axis=-1))


def route_distance(exact: np.ndarray, routes: list[list[int]]) -> float:
    total = 0.0
    for r in routes:
        path = [0, *r, 0]
        total += sum(exact[a, b] for a, b in itertools.pairwise(path))
    return total


def exact_check(inst: Instance, exact: np.ndarray, routes: list[list[int]]) -> bool:
    """All stops once, capacity and time windows hold in exact Euclidean (tolerance 1e-6)."""
    seen = [s for r in routes for s in r]
    if sorted(seen) != list(range(1, len(inst.demand))):
        return False
    for r in routes:
        if inst.demand[r].sum() > inst.capacity:
            return False
        t, prev = inst.ready[0], 0
        for s in r:
            t = max(t + exact[prev, s], inst.ready[s])
            if t > inst.due[s] + 1e-6:
                return False
            t += inst.service[s]
            prev = s
        if t + exact[prev, 0] > inst.due[0] + 1e-6:
            return False
    return True


# ------------------------------------------------------------------------------------------
# Solvers, all on the same integer data (coordinates scaled by --scale, rounded)
# ------------------------------------------------------------------------------------------


def run_pyvrp(inst: Instance, dur, svc, win, seconds: float, seed: int) -> Outcome:
    t0 = time.perf_counter()
    res = solve_vrptw(
        dur, svc, win, inst.demand, inst.capacity, inst.vehicles, time_limit_s=seconds, seed=seed
    )
    if res.dropped:
        print(f"  pyvrp dropped {len(res.dropped)} stops on {inst.name}", file=sys.stderr)
    return Outcome("pyvrp", [list(r) for r in res.routes], time.perf_counter() - t0)


def run_ortools(inst: Instance, dur, svc, win, seconds: float, seed: int) -> Outcome:
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    t0 = time.perf_counter()
    n = len(dur)
    manager = pywrapcp.RoutingIndexManager(n, inst.vehicles, 0)
    routing = pywrapcp.RoutingModel(manager)
    dur_l = dur.tolist()
    svc_l = svc.tolist()

    def transit(i: int, j: int) -> int:
        a, b = manager.IndexToNode(i), manager.IndexToNode(j)
        return dur_l[a][b] + svc_l[a]

    def dist(i: int, j: int) -> int:
        return dur_l[manager.IndexToNode(i)][manager.IndexToNode(j)]

    t_cb = routing.RegisterTransitCallback(transit)
    d_cb = routing.RegisterTransitCallback(dist)
    routing.SetArcCostEvaluatorOfAllVehicles(d_cb)
    routing.SetFixedCostOfAllVehicles(int(dur.max()) * n + 1)
    horizon = int(win[0, 1])
    routing.AddDimension(t_cb, horizon, horizon, False, "Time")
    tdim = routing.GetDimensionOrDie("Time")
    for node in range(1, n):
        tdim.CumulVar(manager.NodeToIndex(node)).SetRange(int(win[node, 0]), int(win[node, 1]))
    for v in range(inst.vehicles):
        tdim.CumulVar(routing.Start(v)).SetRange(int(win[0, 0]), int(win[0, 1]))
        tdim.CumulVar(routing.End(v)).SetRange(int(win[0, 0]), int(win[0, 1]))
    dem_l = inst.demand.tolist()
    c_cb = routing.RegisterUnaryTransitCallback(lambda i: dem_l[manager.IndexToNode(i)])
    routing.AddDimensionWithVehicleCapacity(
        c_cb, 0, [inst.capacity] * inst.vehicles, True, "Capacity"
    )
    # Optional visits with a large penalty, as in solve_vrptw: OR-Tools then always returns a
    # solution (PATH_CHEAPEST_ARC alone finds none on R101 within seconds).
    penalty = 100 * (int(dur.max()) * n + 1)
    for node in range(1, n):
        routing.AddDisjunction([manager.NodeToIndex(node)], penalty)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PATH_CHEAPEST_ARC
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(int(seconds * 1000))
    sol = routing.SolveWithParameters(params)
    routes: list[list[int]] = []
    if sol is not None:
        for v in range(inst.vehicles):
            idx = routing.Start(v)
            r: list[int] = []
            idx = sol.Value(routing.NextVar(idx))
            while not routing.IsEnd(idx):
                r.append(manager.IndexToNode(idx))
                idx = sol.Value(routing.NextVar(idx))
            if r:
                routes.append(r)
    return Outcome("ortools", routes, time.perf_counter() - t0)


def run_vroom(
    inst: Instance, dur, svc, win, seconds: float, seed: int, threads: int = 2
) -> Outcome:
    import vroom

    t0 = time.perf_counter()
    n = len(dur)
    problem = vroom.Input()
    problem.set_durations_matrix(profile="car", matrix_input=dur.astype(np.uint32))
    fixed = int(dur.max()) * n + 1
    for v in range(inst.vehicles):
        problem.add_vehicle(
            vroom.Vehicle(
                id=v,
                start=0,
                end=0,
                capacity=[inst.capacity],
                time_window=vroom.TimeWindow(int(win[0, 0]), int(win[0, 1])),
                costs=vroom.VehicleCosts(fixed=fixed, per_hour=3600),
            )
        )
    for i in range(1, n):
        problem.add_job(
            vroom.Job(
                id=i,
                location=i,
                default_service=int(svc[i]),
                delivery=[int(inst.demand[i])],
                time_windows=[vroom.TimeWindow(int(win[i, 0]), int(win[i, 1]))],
            )
        )
    sol = problem.solve(exploration_level=5, nb_threads=threads, timeout=timedelta(seconds=seconds))
    routes: list[list[int]] = []
    df = sol.routes
    jobs = df[df["type"] == "job"]
    for _, grp in jobs.groupby("vehicle_id", sort=True):
        routes.append([int(j) for j in grp["id"]])
    return Outcome("vroom", routes, time.perf_counter() - t0)


SOLVERS = {"pyvrp": run_pyvrp, "ortools": run_ortools, "vroom": run_vroom}


def reference_values() -> dict[str, float]:
    out: dict[str, float] = {}
    with open(SHARED / "reference_values.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            out[row["instance"]] = float(row["reference_value"])
    return out


def bench_solomon(args: argparse.Namespace) -> None:
    refs = reference_values()
    solvers = [s.strip() for s in args.solvers.split(",") if s.strip()]
    names = [s.strip() for s in args.instances.split(",") if s.strip()]
    rows: dict[str, list[tuple[float, float, int, int, float, bool]]] = {s: [] for s in solvers}
    print(
        f"Solomon VRPTW, {args.seconds:g} s per instance per solver, scale x{args.scale}, "
        f"seed {args.seed}; distance = exact Euclidean recomputed from the routes"
    )
    header = f"{'inst':6} {'solver':8} {'veh':>4} {'bk_veh':>6} {'dist':>9} {'bk_dist':>9}"
    print(header + f" {'gap%':>7} {'sec':>6} {'missing':>7} {'exact_ok':>8}")
    for name in names:
        inst = read_solomon(SHARED / "solomon" / "canonical" / f"{name}.txt")
        exact = euclid(inst.xy)
        dur = np.round(exact * args.scale).astype(np.int64)
        svc = np.round(inst.service * args.scale).astype(np.int64)
        win = np.round(np.column_stack([inst.ready, inst.due]) * args.scale).astype(np.int64)
        bk_d, bk_v = refs[name], int(refs[f"{name}_vehicles"])
        for solver in solvers:
            out = SOLVERS[solver](inst, dur, svc, win, args.seconds, args.seed)
            dist = route_distance(exact, out.routes)
            ok = exact_check(inst, exact, out.routes)
            missing = len(inst.demand) - 1 - sum(len(r) for r in out.routes)
            gap = 100.0 * (dist - bk_d) / bk_d
            veh = len(out.routes)
            rows[solver].append((dist, gap, veh, veh - bk_v, out.seconds, ok))
            print(
                f"{name:6} {solver:8} {veh:4d} {bk_v:6d} {dist:9.2f} {bk_d:9.2f} "
                f"{gap:7.2f} {out.seconds:6.2f} {missing:7d} {ok!s:>8}",
                flush=True,
            )
    print()
    print(
        f"{'solver':8} {'mean_gap%':>9} {'max_gap%':>8} {'same_veh':>8} {'gap%_same_veh':>13} "
        f"{'mean_extra_veh':>14} {'max_extra_veh':>13} {'mean_sec':>8} {'max_sec':>7} {'all_ok':>6}"
    )
    for solver, vals in rows.items():
        if not vals:
            continue
        gaps = [v[1] for v in vals]
        same = [v[1] for v in vals if v[3] == 0]
        extra = [v[3] for v in vals]
        secs = [v[4] for v in vals]
        same_gap = f"{np.mean(same):13.2f}" if same else f"{'-':>13}"
        print(
            f"{solver:8} {np.mean(gaps):9.2f} {np.max(gaps):8.2f} {len(same):4d}/{len(vals):<3d} "
            f"{same_gap} {np.mean(extra):14.2f} {np.max(extra):13d} {np.mean(secs):8.2f} "
            f"{np.max(secs):7.2f} {all(v[5] for v in vals)!s:>6}"
        )
    print("gap% = 100 (distance - best-known distance) / best-known distance; negative when a")
    print("solver uses more vehicles than the best-known solution (distance bought with vans).")
    print("gap%_same_veh = mean gap over the instances solved with the best-known van count.")


def synthetic_campaign(
    halts: int, vans: int, depots: int, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[int]]:
    """Seeded synthetic campaign: halts in a 120 km square, depots in its middle third,
    road km = 1.3 x straight km, 40 km/h."""
    rng = np.random.default_rng(seed)
    n = depots + halts
    xy = rng.uniform(0, 120, size=(n, 2))
    xy[:depots] = rng.uniform(30, 90, size=(depots, 2))
    km = euclid(xy) * 1.3
    durations = np.ceil(km / 40 * 60).astype(np.int64)
    regs = rng.lognormal(mean=3.3, sigma=0.9, size=n).astype(int) + 5
    dwell = dwell_minutes(regs, desks=2, registrations_per_desk_hour=12, setup_min=20)
    dwell[:depots] = 0
    priority = rng.uniform(0.05, 1.0, size=n)
    priority[:depots] = 0
    return durations, dwell, priority, list(range(depots))


def bench_campaign(args: argparse.Namespace) -> None:
    from scenarios.routing import plan_campaign

    durations, dwell, priority, depots = synthetic_campaign(
        args.halts, args.vans, args.depots, args.seed
    )
    t0 = time.perf_counter()
    plan = plan_campaign(
        durations,
        dwell,
        priority,
        depots=depots,
        vans=args.vans,
        days=args.days,
        max_drive_min_per_day=args.max_drive,
        time_limit_s=args.seconds,
        seed=args.seed,
    )
    wall = time.perf_counter() - t0
    halts = len(durations) - len(depots)
    visited = plan.visited_halts
    long_halts = sum(1 for v in plan.van_days for h in v.visits if h.parts > 1)
    pr_all = float(priority.sum())
    pr_kept = float(priority[list(visited)].sum()) if visited else 0.0
    print(
        f"campaign: {halts} halts, {args.vans} vans, {len(depots)} depots, {args.days} days, "
        f"drive cap {args.max_drive} min/day, seed {args.seed}, solver budget {args.seconds} s"
    )
    print(f"  wall time           {wall:.1f} s")
    print(f"  halts visited       {len(visited)} ({len(plan.dropped)} dropped)")
    print(f"  multi-day visits    {long_halts} day-visits of long halts")
    print(f"  priority kept       {pr_kept:.1f} of {pr_all:.1f} ({100 * pr_kept / pr_all:.1f}%)")
    print(f"  van-days used       {sum(1 for v in plan.van_days if v.visits)}")
    print(f"  drive minutes       {plan.total_drive_min}")
    reasons: dict[str, int] = {}
    for d in plan.dropped:
        reasons[d.reason] = reasons.get(d.reason, 0) + 1
    for reason, count in sorted(reasons.items()):
        print(f"  dropped: {count:4d} x {reason}")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--part", choices=["solomon", "campaign"], default="solomon")
    p.add_argument("--instances", default=",".join(CANONICAL))
    p.add_argument("--seconds", type=float, default=None, help="time budget per solve")
    p.add_argument("--solvers", default="pyvrp,ortools,vroom")
    p.add_argument("--scale", type=int, default=100, help="coordinate scale before rounding")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--halts", type=int, default=500)
    p.add_argument("--vans", type=int, default=10)
    p.add_argument("--depots", type=int, default=3)
    p.add_argument("--days", type=int, default=20)
    p.add_argument("--max-drive", type=int, default=240, help="driving cap, min per van-day")
    args = p.parse_args(argv)
    if args.part == "solomon":
        args.seconds = 5.0 if args.seconds is None else args.seconds
        bench_solomon(args)
    else:
        args.seconds = 40.0 if args.seconds is None else args.seconds
        bench_campaign(args)


if __name__ == "__main__":
    main()
