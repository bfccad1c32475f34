"""``accessgap place``, ``vans`` and ``plan``: new centres, van campaigns, the outreach mix."""

from __future__ import annotations

from typing import Annotated, cast

import typer

from cli.common import (
    MODES_HELP,
    NoticesOpt,
    OutDir,
    RegionArg,
    app,
    load_checked,
    out,
    run_step,
)
from geodata.errors import AccessGapError
from scenarios.placement.options import (
    DEFAULT_TIME_LIMIT_S,
    DemandName,
    ModelName,
    PlacementOptions,
)
from scenarios.routing.options import (
    VAN_DEFAULTS,
    hhmm,
    parse_date,
    parse_weekdays,
    weekdays_text,
)

#: Defaults of ``accessgap place`` (the one set of placement defaults).
_PLACE = PlacementOptions()


@app.command()
def place(
    region: RegionArg,
    out_dir: OutDir,
    model: Annotated[str, typer.Option(help="mclp, p_median or set_cover.")] = _PLACE.model,
    new: Annotated[int, typer.Option(help="Number of new centres.")] = _PLACE.new_centres,
    within: Annotated[float, typer.Option(help="Threshold in minutes.")] = _PLACE.within_min,
    mode: Annotated[str, typer.Option(help=MODES_HELP)] = _PLACE.mode,
    demand: Annotated[
        str, typer.Option(help="unregistered_poor, households or expected_new.")
    ] = _PLACE.demand,
    budget: Annotated[
        float | None, typer.Option(help="Budget in PKR (opening costs).")
    ] = _PLACE.budget_pkr,
    share: Annotated[
        float, typer.Option(help="set_cover: share of settlements to cover.")
    ] = _PLACE.share,
    capacity_days: Annotated[
        float | None,
        typer.Option(help="mclp: each centre serves at most capacity_per_day x these days."),
    ] = _PLACE.capacity_days,
    time_limit: Annotated[
        float, typer.Option(help="Solver time limit in seconds.")
    ] = DEFAULT_TIME_LIMIT_S,
) -> None:
    """Choose sites for new Union Council centres; write sites, coverage curve, before/after."""
    from scenarios.placement import place_centres, write_placement

    options = PlacementOptions(
        model=cast(ModelName, model),
        new_centres=new,
        within_min=within,
        mode=mode,
        demand=cast(DemandName, demand),
        budget_pkr=budget,
        share=share,
        capacity_days=capacity_days,
        time_limit_s=time_limit,
    )
    r = load_checked(region)
    plan = run_step(f"placing centres ({model})", place_centres, r, options)
    run_step(f"writing {out_dir}", write_placement, plan, out_dir)
    out.print_json(data=plan.summary(), default=float)


@app.command()
def vans(
    region: RegionArg,
    out_dir: OutDir,
    vans: Annotated[int, typer.Option("--vans", help="Number of vans.")] = VAN_DEFAULTS.vans,
    days: Annotated[int, typer.Option(help="Campaign days.")] = VAN_DEFAULTS.days,
    within: Annotated[
        float, typer.Option(help="Visit settlements beyond this many minutes.")
    ] = VAN_DEFAULTS.within_min,
    mode: Annotated[
        str, typer.Option(help="Mode defining 'beyond' and van driving.")
    ] = VAN_DEFAULTS.mode,
    walk_radius: Annotated[
        float, typer.Option(help="Walk to a halt, metres.")
    ] = VAN_DEFAULTS.walk_radius_m,
    turnout: Annotated[
        float, typer.Option(help="Share of unregistered who come.")
    ] = VAN_DEFAULTS.turnout,
    depot: Annotated[
        list[str] | None, typer.Option(help="Depot centre id (repeat); default all centres.")
    ] = None,
    start_date: Annotated[
        str | None,
        typer.Option(help="First campaign day, YYYY-MM-DD; default the next Monday."),
    ] = None,
    working_days: Annotated[
        str, typer.Option(help="Working days, e.g. Mon-Sat or Sat-Thu or Mon,Wed,Fri.")
    ] = weekdays_text(VAN_DEFAULTS.working_days),
    start: Annotated[str, typer.Option(help="Time of day the vans start, HH:MM.")] = hhmm(
        VAN_DEFAULTS.day_start_min
    ),
    end: Annotated[str, typer.Option(help="Day end HH:MM.")] = hhmm(VAN_DEFAULTS.day_end_min),
    max_drive: Annotated[
        int | None,
        typer.Option(help="Most driving minutes per van-day (0: no cap)."),
    ] = VAN_DEFAULTS.max_drive_min_per_day,
    min_onsite_ratio: Annotated[
        float, typer.Option(help="Minutes on site per minute of driving each van-day (0: off).")
    ] = VAN_DEFAULTS.min_onsite_ratio,
    women_share: Annotated[
        float, typer.Option(help="Share of each visit's desk time as a women-only session.")
    ] = VAN_DEFAULTS.women_share,
    max_halts: Annotated[
        int, typer.Option(help="Most halts to consider.")
    ] = VAN_DEFAULTS.max_halts,
    overnight: Annotated[
        bool, typer.Option(help="Allow overnight stays at halts day trips cannot serve.")
    ] = VAN_DEFAULTS.overnight_at_halt,
    time_limit: Annotated[
        float | None, typer.Option(help="Solver seconds.")
    ] = VAN_DEFAULTS.time_limit_s,
    notices: NoticesOpt = True,
) -> None:
    """Plan mobile registration vans: halts, dates, order; itineraries (CSV, XLSX, GPX, PDF).

    With --notices (the default) also notices/: per union council a printable A4 notice in
    Urdu of when the van comes to each village, and an SMS per village (sms.csv).
    """
    from scenarios.routing import VanOptions, plan_vans, write_vans

    try:
        first_day = parse_date(start_date, field="--start-date") if start_date else None
        weekdays = parse_weekdays(working_days)
    except AccessGapError as exc:
        raise typer.BadParameter(str(exc)) from None

    options = VanOptions(
        vans=vans,
        days=days,
        within_min=within,
        mode=mode,
        walk_radius_m=walk_radius,
        turnout=turnout,
        depots=tuple(depot or ()),
        day_start_min=_minutes(start),
        day_end_min=_minutes(end),
        max_halts=max_halts,
        overnight_at_halt=overnight,
        max_drive_min_per_day=max_drive or None,
        min_onsite_ratio=min_onsite_ratio,
        start_date=first_day,
        working_days=weekdays,
        women_share=women_share,
        time_limit_s=time_limit,
    )
    r = load_checked(region)
    plan = run_step("planning the van campaign", plan_vans, r, options)
    run_step(f"writing {out_dir}", write_vans, plan, out_dir, notices=notices)
    out.print_json(data=plan.summary(), default=float)


def _minutes(hhmm: str) -> int:
    try:
        h, m = hhmm.split(":")
        value = int(h) * 60 + int(m)
    except ValueError as exc:
        raise typer.BadParameter(f"'{hhmm}' is not a time like 08:00") from exc
    if not 0 <= value <= 24 * 60:
        raise typer.BadParameter(f"'{hhmm}' is not a time of day")
    return value


@app.command()
def plan(
    region: RegionArg,
    out_dir: OutDir,
    budget_pkr: Annotated[
        float, typer.Option(help="Budget in PKR over the horizon (present value).")
    ],
    horizon_years: Annotated[
        int | None,
        typer.Option(help="Planning horizon in years (running costs, new households); 5."),
    ] = None,
    max_tehsil_exclusion: Annotated[
        float | None,
        typer.Option(
            help="Equity: no tehsil left with more than this share of its bottom-40% "
            "households unregistered (e.g. 0.1)."
        ),
    ] = None,
    method: Annotated[str, typer.Option(help="auto, milp or greedy.")] = "auto",
    time_limit: Annotated[
        float, typer.Option(help="Solver time limit in seconds.")
    ] = DEFAULT_TIME_LIMIT_S,
    frontier_steps: Annotated[int, typer.Option(help="Budgets on the frontier.", min=0)] = 10,
) -> None:
    """The best mix of centres, desks, vans, sweeps and awareness for a budget, and its frontier."""
    from scenarios.portfolio import PortfolioSettings, plan_portfolio, write_portfolio

    settings = PortfolioSettings()  # one place for the defaults
    if horizon_years is not None:
        settings = PortfolioSettings(horizon_years=horizon_years)
    r = load_checked(region)
    result = run_step(
        "planning the outreach portfolio",
        plan_portfolio,
        r,
        budget_pkr,
        settings,
        time_limit_s=time_limit,
        method=method,
        max_tehsil_exclusion=max_tehsil_exclusion,
        frontier_steps=frontier_steps,
    )
    run_step(f"writing {out_dir}", write_portfolio, result, out_dir)
    out.print(f"Results in {out_dir}")
    out.print(result.channels.round(0).to_string(index=False))
    out.print_json(data=result.to_dict()["solver"])
