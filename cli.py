"""The ``accessgap`` command line: thin wrappers, one library call per command."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, cast

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.text import Text

from access.friction import OffroadSettings
from access.speeds import MODES, SEASONS, TravelSettings
from geodata.errors import AccessGapError
from scenarios.routing.options import VAN_DEFAULTS, hhmm

if TYPE_CHECKING:
    from geodata.region import Region
from scenarios.placement.options import (
    DEFAULT_TIME_LIMIT_S,
    DemandName,
    ModelName,
    PlacementOptions,
)

app = typer.Typer(
    help="Access to Pakistan's social registry: travel times, gaps, new centres, van routes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
region_app = typer.Typer(help="Build and check region packages.", no_args_is_help=True)
app.add_typer(region_app, name="region")

# No console markup: user text (names, ids, paths) may hold brackets, and rich would read
# "[/x]" as a closing tag (a crash) or "[redacted]" as a style (a lost word). Styles are
# given as Text pieces instead.
err = Console(stderr=True, soft_wrap=True, markup=False, highlight=False)
out = Console(markup=False, highlight=False)
T = TypeVar("T")

_MODES_HELP = "One of: " + ", ".join(MODES) + "."
_SEASONS_HELP = "One of: " + ", ".join(SEASONS) + "."

#: The kind of folder each command writes with --out (a folder of one kind is never replaced
#: by another: ``accessgap gaps REGION --out REGION`` is refused before any work).
_OUT_KINDS = {
    "sample": "region",
    "build": "region",
    "gaps": "gaps",
    "place": "placement",
    "vans": "vans",
    "run": "scenario",
    "compare": "report",
    "plan": "portfolio",
    "national": "national",
    "demo": "demo",
}


def _checked_out(ctx: typer.Context, value: Path | None) -> Path | None:
    """Refuse an output folder that may not be written, before the command computes anything."""
    if value is not None and not ctx.resilient_parsing:
        from geodata.files import check_output_folder

        try:
            check_output_folder(value, kind=_OUT_KINDS[ctx.info_name or ""])
        except AccessGapError as exc:
            raise typer.BadParameter(str(exc), param_hint="--out") from exc
    return value


def _checked_out_file(ctx: typer.Context, value: Path | None) -> Path | None:
    """Refuse an output file that would replace a folder or a file that is not a CSV."""
    if value is None or ctx.resilient_parsing:
        return value
    if value.is_dir():
        raise typer.BadParameter(f"{value} is a folder; name a .csv file", param_hint="--out")
    if value.exists() and value.suffix.lower() != ".csv":
        raise typer.BadParameter(
            f"{value} exists and is not a .csv file; it is left as it is. Name a new .csv file",
            param_hint="--out",
        )
    parent = value.absolute().parent
    if not parent.is_dir() or not os.access(parent, os.W_OK):
        raise typer.BadParameter(f"cannot write into {parent}", param_hint="--out")
    return value


OutDir = Annotated[
    Path, typer.Option("--out", "-o", help="Folder to write into.", callback=_checked_out)
]
RegionArg = Annotated[Path, typer.Argument(help="Region folder (see `accessgap sample`).")]


def main() -> None:
    """Entry point of the ``accessgap`` console script."""
    logging.basicConfig(level=os.environ.get("ACCESSGAP_LOG", "WARNING"))
    try:
        app()
    except AccessGapError as exc:
        err.print(Text.assemble(("Error: ", "bold red"), str(exc)))
        sys.exit(2)


@contextmanager
def _step(text: str) -> Iterator[None]:
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}", markup=False),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        progress.add_task(text, total=None)
        yield
    err.print(Text.assemble(("done ", "green"), text))


def _run(text: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    with _step(text):
        return fn(*args, **kwargs)


def _load(path: Path) -> Region:
    """Load a region and print what is impossible about its geography (it still runs)."""
    from geodata.geography import check_geography
    from geodata.region import load_region

    region = _run(f"loading {path}", load_region, path)
    for finding in check_geography(region):
        err.print(Text.assemble(("warning: ", "yellow"), str(finding)))
    return region


@app.command()
def sample(
    out_dir: OutDir = Path("regions/sample"),
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same bytes.")] = 2017,
    settlements: Annotated[int, typer.Option(help="Number of settlements.")] = 1100,
) -> None:
    """Generate the synthetic sample region (all figures SYNTHETIC) into a region folder."""
    from access.synthetic import build_sample_region
    from geodata.region import save_region
    from geodata.sample import SampleParams

    region, _ = _run(
        "generating the sample region",
        build_sample_region,
        SampleParams(seed=seed, n_settlements=settlements),
    )
    _run(f"writing {out_dir}", save_region, region, out_dir)
    out.print(f"Sample region written to {out_dir} (synthetic data).")


@region_app.command("check")
def region_check(region: RegionArg) -> None:
    """Validate a region folder; print its summary, impossible geography and what to check.

    What to check: households far from roads, large settlements, settlements per tehsil vs
    census, road circuity, partial units and everything assumed (each warning says what to do).
    """
    from geodata.region import summarize
    from geodata.region_review import review_region

    r = _load(region)
    out.print_json(data=summarize(r))
    for line in review_region(r).lines():
        if line.startswith("warning: "):
            err.print(Text.assemble(("warning: ", "yellow"), line.removeprefix("warning: ")))
        else:
            out.print(line, markup=False, highlight=False)


@region_app.command("stamp")
def region_stamp(region: RegionArg) -> None:
    """Accept a region edited on purpose: validate it and record its files' new hashes."""
    from geodata.region import restamp_region

    _run(f"re-stamping {region}", restamp_region, region)
    out.print(f"{region}: region.json now records the files as they are.")


@region_app.command("build")
def region_build(
    osm: Annotated[Path, typer.Option(help="OSM extract: .osm.pbf, .osm or .osm.bz2.")],
    out_dir: OutDir,
    census: Annotated[Path | None, typer.Option(help="Census table by tehsil (CSV).")] = None,
    boundary: Annotated[
        Path | None,
        typer.Option(help="Study-area polygon to clip to (not admin units; see --boundaries)."),
    ] = None,
    boundaries: Annotated[
        Path | None,
        typer.Option(
            help="Admin units (GeoPackage/GeoJSON/Shapefile) replacing the OSM-derived ones: "
            "columns level, code, name, parent_code; or admin_level; or GADM NAME_1..."
        ),
    ] = None,
    boundary_column: Annotated[
        list[str] | None,
        typer.Option(
            help="Map a boundaries column, KEY=COLUMN (e.g. name=TEHSIL_NAME, level=tehsil); "
            "repeatable."
        ),
    ] = None,
    settlements: Annotated[Path | None, typer.Option(help="Settlements file (points).")] = None,
    centres: Annotated[Path | None, typer.Option(help="Existing centres (points).")] = None,
    candidates: Annotated[Path | None, typer.Option(help="Candidate sites (points).")] = None,
    coverage: Annotated[Path | None, typer.Option(help="Registry coverage table.")] = None,
    poverty: Annotated[Path | None, typer.Option(help="Poverty table.")] = None,
    geonames: Annotated[Path | None, typer.Option(help="GeoNames places CSV.")] = None,
    population: Annotated[
        Path | None,
        typer.Option(
            help="Population raster (GeoTIFF of persons per pixel, any CRS, e.g. WorldPop "
            "100 m): weights, shares of cut tehsils, persons outside census units."
        ),
    ] = None,
    persons_per_household: Annotated[
        float | None,
        typer.Option(
            min=1.0,
            help="Household size outside census units (default 6.4, Pakistan 2017); "
            "census tehsils keep their census sizes.",
        ),
    ] = None,
    name: Annotated[str | None, typer.Option(help="Region name.")] = None,
) -> None:
    """Build a region package from real data (OSM roads, census, places, boundaries)."""
    from geodata.build import build_region
    from geodata.region import save_region

    pairs = [kv.partition("=") for kv in boundary_column or []]
    if any(not (k.strip() and sep and v.strip()) for k, sep, v in pairs):
        raise typer.BadParameter(
            "give KEY=COLUMN, e.g. name=TEHSIL_NAME", param_hint="--boundary-column"
        )
    region, report = _run(
        f"building the region from {osm}",
        build_region,
        osm=osm,
        census=census,
        boundary=boundary,
        boundaries=boundaries,
        boundary_columns={k.strip(): v.strip() for k, _, v in pairs} or None,
        settlements=settlements,
        centres=centres,
        candidates=candidates,
        coverage=coverage,
        poverty=poverty,
        geonames=geonames,
        population=population,
        persons_per_household=persons_per_household,
        name=name,
    )
    for line in report.lines():
        out.print(line)
    _run(f"writing {out_dir}", save_region, region, out_dir)
    out.print(f"Region written to {out_dir}.")


#: Options naming an off-road surface (``docs/travel_model.md``), shared by commands.
FrictionOpt = Annotated[
    Path | None,
    typer.Option(help="Friction GeoTIFF, minutes per metre (MAP convention), any CRS."),
]
ElevationOpt = Annotated[
    Path | None, typer.Option(help="DEM GeoTIFF (metres): Tobler's hiking function on slopes.")
]
LandcoverOpt = Annotated[
    Path | None, typer.Option(help="Land-cover GeoTIFF (classes); needs --landcover-speeds.")
]
LandcoverSpeedsOpt = Annotated[
    Path | None, typer.Option(help="CSV class,kph: walking speed per land-cover class.")
]
NeighboursOpt = Annotated[int, typer.Option(help="Cell neighbours: 8 or 16.")]
CellOpt = Annotated[float | None, typer.Option(help="Grid cell size in metres.")]
OffroadOpt = Annotated[
    bool | None,
    typer.Option(help="Use (or not) the region's own rasters; default: region.json decides."),
]


def _offroad(
    friction: Path | None,
    elevation: Path | None,
    landcover: Path | None,
    landcover_speeds: Path | None,
    neighbours: int,
    cell_m: float | None,
    use_region: bool | None,
) -> OffroadSettings | bool | None:
    if friction is None and elevation is None and landcover is None:
        return use_region
    return OffroadSettings(
        friction=friction,
        elevation=elevation,
        landcover=landcover,
        landcover_speeds=landcover_speeds,
        neighbours=neighbours,
        cell_m=cell_m,
    )


@app.command("travel-times")
def travel_times_cmd(
    region: RegionArg,
    out_file: Annotated[
        Path,
        typer.Option("--out", "-o", help="CSV file to write.", callback=_checked_out_file),
    ],
    mode: Annotated[str, typer.Option(help=_MODES_HELP)] = TravelSettings.mode,
    season: Annotated[str, typer.Option(help=_SEASONS_HELP)] = TravelSettings.season,
    friction: FrictionOpt = None,
    elevation: ElevationOpt = None,
    landcover: LandcoverOpt = None,
    landcover_speeds: LandcoverSpeedsOpt = None,
    neighbours: NeighboursOpt = 16,
    cell_m: CellOpt = None,
    offroad: OffroadOpt = None,
    raster_out: Annotated[
        Path | None,
        typer.Option(help="Also write minutes to the nearest centre per cell (GeoTIFF)."),
    ] = None,
) -> None:
    """Nearest registration centre of every settlement: minutes, metres, access leg, flags."""
    from access.travel_table import travel_time_table, write_table_csv

    off = _offroad(friction, elevation, landcover, landcover_speeds, neighbours, cell_m, offroad)
    r = _load(region)
    t = _run(f"travel times by {mode}", travel_time_table, r, mode=mode, season=season, offroad=off)
    write_table_csv(t, out_file)
    out.print(f"{len(t)} settlements written to {out_file}")
    if raster_out is not None:
        from access.offroad_outputs import travel_time_raster, write_travel_time_raster

        st = TravelSettings(mode=mode, season=season, offroad=off)  # type: ignore[arg-type]
        raster = _run("travel-time raster", travel_time_raster, r, settings=st)
        write_travel_time_raster(raster, raster_out)
        out.print(f"travel-time raster written to {raster_out}")


@app.command()
def gaps(
    region: RegionArg,
    out_dir: OutDir,
    friction: FrictionOpt = None,
    elevation: ElevationOpt = None,
    landcover: LandcoverOpt = None,
    landcover_speeds: LandcoverSpeedsOpt = None,
    neighbours: NeighboursOpt = 16,
    cell_m: CellOpt = None,
    offroad: OffroadOpt = None,
) -> None:
    """Coverage, unregistered poor, travel burden, gap scores, aggregates, exclusion model."""
    from access.analysis import gap_analysis, travel_times
    from access.gap_outputs import write_gap_outputs

    off = _offroad(friction, elevation, landcover, landcover_speeds, neighbours, cell_m, offroad)
    r = _load(region)
    times = _run("travel times (three modes)", travel_times, r, offroad=off)
    result = _run("gap analysis (three modes)", gap_analysis, r, times=times)
    _run(f"writing {out_dir}", write_gap_outputs, result, out_dir, boundaries=r.boundaries)
    for note in result.notes:
        out.print(Text.assemble(("note: ", "yellow"), note))
    out.print_json(data=result.summary(), default=float)


#: Defaults of ``accessgap place`` (the one set of placement defaults).
_PLACE = PlacementOptions()


@app.command()
def place(
    region: RegionArg,
    out_dir: OutDir,
    model: Annotated[str, typer.Option(help="mclp, p_median or set_cover.")] = _PLACE.model,
    new: Annotated[int, typer.Option(help="Number of new centres.")] = _PLACE.new_centres,
    within: Annotated[float, typer.Option(help="Threshold in minutes.")] = _PLACE.within_min,
    mode: Annotated[str, typer.Option(help=_MODES_HELP)] = _PLACE.mode,
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
    r = _load(region)
    plan = _run(f"placing centres ({model})", place_centres, r, options)
    _run(f"writing {out_dir}", write_placement, plan, out_dir)
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
    start: Annotated[str, typer.Option(help="Day start HH:MM.")] = hhmm(VAN_DEFAULTS.day_start_min),
    end: Annotated[str, typer.Option(help="Day end HH:MM.")] = hhmm(VAN_DEFAULTS.day_end_min),
    max_halts: Annotated[
        int, typer.Option(help="Most halts to consider.")
    ] = VAN_DEFAULTS.max_halts,
    overnight: Annotated[
        bool, typer.Option(help="Allow overnight stays at halts.")
    ] = VAN_DEFAULTS.overnight_at_halt,
    time_limit: Annotated[
        float | None, typer.Option(help="Solver seconds.")
    ] = VAN_DEFAULTS.time_limit_s,
) -> None:
    """Plan mobile registration vans: halts, days, order; itineraries (CSV, XLSX, GPX, PDF)."""
    from scenarios.routing import VanOptions, plan_vans, write_vans

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
        time_limit_s=time_limit,
    )
    r = _load(region)
    plan = _run("planning the van campaign", plan_vans, r, options)
    _run(f"writing {out_dir}", write_vans, plan, out_dir)
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

    settings = PortfolioSettings()
    if horizon_years is not None:
        settings = PortfolioSettings(horizon_years=horizon_years)
    r = _load(region)
    result = _run(
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
    _run(f"writing {out_dir}", write_portfolio, result, out_dir)
    out.print(f"Results in {out_dir}")
    out.print(result.channels.round(0).to_string(index=False))
    out.print_json(data=result.to_dict()["solver"])


@app.command("run")
def run_cmd(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (YAML, see docs/scenarios.md).")],
    out_dir: OutDir,
    cache: Annotated[
        Path | None,
        typer.Option(help="Cache folder for travel tables and graphs.", envvar="ACCESSGAP_CACHE"),
    ] = None,
    region: Annotated[
        Path | None, typer.Option(help="Run on this region folder instead of the scenario's.")
    ] = None,
) -> None:
    """Run a what-if scenario: travel, gaps, new centres, vans, metrics.json."""
    from scenarios.runner import run_scenario

    result = _run(
        f"running {scenario}", run_scenario, scenario, out_dir, cache_dir=cache, region=region
    )
    out.print(f"Results in {out_dir}")
    out.print_json(data=result.metrics["headline"])


@app.command()
def compare(
    runs: Annotated[
        list[Path], typer.Argument(help="Result folders of `accessgap run`; base first.")
    ],
    out_dir: OutDir,
    portfolio: Annotated[
        Path | None, typer.Option(help="An `accessgap plan` folder to show in the report.")
    ] = None,
) -> None:
    """Compare scenario results side by side: tables, charts, maps, HTML and PDF report."""
    from scenarios.compare import compare_runs

    report = _run(
        f"comparing {len(runs)} scenarios", compare_runs, runs, out_dir, portfolio_dir=portfolio
    )
    out.print(f"Report: {report.html} and {report.pdf} (PDF by {report.pdf_engine})")


@app.command()
def national(
    out_dir: OutDir = Path("out/national"),
    scale: Annotated[
        float, typer.Option(help="Size of the synthetic country (1.0 = ~80k settlements).")
    ] = 0.1,
    region: Annotated[
        Path | None, typer.Option(help="Run on this region folder instead of a synthetic one.")
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="Dask scheduler address; default a local cluster.")
    ] = None,
    workers: Annotated[int, typer.Option(help="Local Dask workers (0: run serially).")] = 2,
    new: Annotated[int, typer.Option(help="New centres to place (MCLP).")] = 500,
    within: Annotated[float, typer.Option(help="Placement threshold, minutes.")] = 60.0,
    by: Annotated[str, typer.Option(help="Partition by this admin column.")] = "province",
    time_limit: Annotated[
        float | None, typer.Option(help="Placement seconds (none: deterministic stop).")
    ] = None,
    budget_pkr: Annotated[
        float | None, typer.Option(help="Also plan the outreach mix for this budget (PKR).")
    ] = None,
) -> None:
    """National run: nearest centre for every settlement and new centres by MCLP.

    Travel in three modes, partitioned with halos, on Dask; per-partition GeoParquet and a
    summary.
    """
    from scenarios.national import national_params, run_national

    r = _load(region) if region else None
    result = _run(
        "national run",
        run_national,
        None if r else national_params(scale),
        out_dir=out_dir,
        region=r,
        scheduler=scheduler,
        n_workers=workers,
        new_centres=new,
        within_min=within,
        by=by,
        mclp_time_limit_s=time_limit,
        budget_pkr=budget_pkr,
    )
    out.print_json(data=dict(result.figures), default=float)
    if "portfolio" in result.figures:
        p = result.figures["portfolio"]
        out.print(
            f"Outreach plan: {p['expected_registrations']:,.0f} registrations for PKR "
            f"{p['cost_pkr']:,.0f}, gap {p['gap']:.2%} ({p['method']}), "
            f"{p['seconds']['total']:.0f} s. {p['frontier_note']}"
        )


@app.command()
def demo(out_dir: OutDir = Path("out/demo")) -> None:
    """Run the main job headless on the sample region and write a full set of outputs."""
    from scenarios.demo import run_demo

    summary = _run("running the demo on the sample region", run_demo, out_dir)
    out.print(f"Demo outputs in {out_dir}; summary: {out_dir / 'summary.json'}")
    out.print_json(data=summary["region"])


if __name__ == "__main__":  # pragma: no cover
    main()
