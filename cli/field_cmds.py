"""``accessgap reviews`` and ``sweeps``: quarterly mobile reviews and door-to-door sweeps."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from cli.common import NoticesOpt, OutDir, RegionArg, app, load_checked, out, run_step
from geodata.errors import AccessGapError, DataFileError
from scenarios.field.options import REVIEW_DEFAULTS, SWEEP_DEFAULTS, SWEEP_MODES
from scenarios.routing.options import parse_date, parse_weekdays, weekdays_text

__all__ = ["reviews", "sweeps"]

_F = REVIEW_DEFAULTS.field


@app.command()
def reviews(
    region: RegionArg,
    out_dir: OutDir,
    start_date: Annotated[
        str | None, typer.Option(help="First day of the window, YYYY-MM-DD; default next Monday.")
    ] = None,
    weeks: Annotated[int, typer.Option(help="Weeks in the window.")] = REVIEW_DEFAULTS.weeks,
    vans: Annotated[int, typer.Option("--vans", help="Number of vans.")] = REVIEW_DEFAULTS.vans,
    visits: Annotated[
        int, typer.Option(help="Visits per target in the window, evenly spread.")
    ] = REVIEW_DEFAULTS.visits,
    targets: Annotated[
        Path | None,
        typer.Option(help="CSV with a settlement_id column; default one per union council."),
    ] = None,
    within: Annotated[
        float, typer.Option(help="Targets: units with settlements beyond this many minutes.")
    ] = _F.within_min,
    review_min: Annotated[
        int, typer.Option(help="Minutes of record review per visit.")
    ] = REVIEW_DEFAULTS.review_min,
    working_days: Annotated[
        str, typer.Option(help="Working days, e.g. Mon-Sat or Sat-Thu.")
    ] = weekdays_text(_F.working_days),
    max_drive: Annotated[
        int, typer.Option(help="Most driving minutes per van-day (0: no cap).")
    ] = _F.max_drive_min_per_day or 0,
    notices: NoticesOpt = True,
) -> None:
    """Plan quarterly mobile reviews: every target visited --visits times in --weeks weeks."""
    from scenarios.field import ReviewOptions, plan_reviews, read_targets, write_reviews

    try:
        first = parse_date(start_date, field="--start-date") if start_date else None
        days = parse_weekdays(working_days)
        ids = read_targets(targets) if targets is not None else ()
    except DataFileError as exc:
        raise typer.BadParameter(str(exc), param_hint="--targets") from None
    except AccessGapError as exc:
        raise typer.BadParameter(str(exc)) from None
    options = ReviewOptions(
        vans=vans,
        weeks=weeks,
        visits=visits,
        start_date=first,
        review_min=review_min,
        targets=ids,
        field=replace(
            _F, within_min=within, working_days=days, max_drive_min_per_day=max_drive or None
        ),
    )
    r = load_checked(region)
    plan = run_step("planning the reviews", plan_reviews, r, options)
    run_step(
        f"writing {out_dir}",
        write_reviews,
        plan,
        out_dir,
        notices=notices,
        synthetic=r.synthetic,
    )
    out.print_json(data=plan.summary(), default=float)


@app.command()
def sweeps(
    region: RegionArg,
    out_dir: OutDir,
    teams: Annotated[int, typer.Option(help="Enumerator teams.")] = SWEEP_DEFAULTS.teams,
    days: Annotated[int, typer.Option(help="Working days of the sweep.")] = SWEEP_DEFAULTS.days,
    start_date: Annotated[
        str | None, typer.Option(help="First day, YYYY-MM-DD; default the next Monday.")
    ] = None,
    mode: Annotated[
        str, typer.Option(help="How teams travel: " + " or ".join(SWEEP_MODES) + ".")
    ] = SWEEP_DEFAULTS.mode,
    households_per_day: Annotated[
        float, typer.Option(help="Households a team visits a day.")
    ] = SWEEP_DEFAULTS.households_per_team_day,
    vans_plan: Annotated[
        Path | None,
        typer.Option(
            help="A van plan folder (accessgap vans): its visited halts' villages are left to vans."
        ),
    ] = None,
    within: Annotated[
        float, typer.Option(help="Settlements beyond this many car minutes of every centre.")
    ] = SWEEP_DEFAULTS.field.within_min,
    notices: NoticesOpt = True,
) -> None:
    """Plan door-to-door sweeps of settlements neither centres nor vans reach."""
    from scenarios.field import SweepOptions, plan_sweeps, write_sweeps

    try:
        first = parse_date(start_date, field="--start-date") if start_date else None
        served = _van_served(vans_plan) if vans_plan is not None else None
        options = SweepOptions(
            teams=teams,
            days=days,
            mode=mode,
            start_date=first,
            households_per_team_day=households_per_day,
            field=replace(SWEEP_DEFAULTS.field, within_min=within),
        )
    except AccessGapError as exc:
        raise typer.BadParameter(str(exc)) from None
    r = load_checked(region)
    plan = run_step("planning the sweeps", plan_sweeps, r, options, served_by_vans=served)
    run_step(
        f"writing {out_dir}", write_sweeps, plan, out_dir, notices=notices, synthetic=r.synthetic
    )
    out.print_json(data=plan.summary(), default=float)


def _van_served(folder: Path) -> list[str]:
    """Settlement ids the visited halts of a van plan folder serve (its ``halts.csv``)."""
    from scenarios.routing.adapter import served_by_visited_halts

    path = folder / "halts.csv"
    try:
        halts = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as exc:
        raise DataFileError(
            f"{path}: cannot read the van plan ({exc}); give a folder written by accessgap vans"
        ) from None
    if not {"status", "served_ids"} <= set(halts.columns):
        raise DataFileError(
            f"{path}: no status/served_ids columns; is it an accessgap vans folder?"
        )
    return served_by_visited_halts(halts)
