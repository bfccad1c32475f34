"""``accessgap travel-times`` and ``accessgap gaps``: travel, coverage and who is left out."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from access.friction import OffroadSettings
from access.speeds import TravelSettings
from cli.common import (
    MODES_HELP,
    SEASONS_HELP,
    OutDir,
    RegionArg,
    app,
    checked_out_file,
    load_checked,
    out,
    run_step,
)

if TYPE_CHECKING:
    pass


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
        typer.Option("--out", "-o", help="CSV file to write.", callback=checked_out_file),
    ],
    mode: Annotated[str, typer.Option(help=MODES_HELP)] = TravelSettings.mode,
    season: Annotated[str, typer.Option(help=SEASONS_HELP)] = TravelSettings.season,
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
    r = load_checked(region)
    t = run_step(
        f"travel times by {mode}", travel_time_table, r, mode=mode, season=season, offroad=off
    )
    write_table_csv(t, out_file)
    out.print(f"{len(t)} settlements written to {out_file}")
    if raster_out is not None:
        from access.offroad_outputs import travel_time_raster, write_travel_time_raster

        st = TravelSettings(mode=mode, season=season, offroad=off)  # type: ignore[arg-type]
        raster = run_step("travel-time raster", travel_time_raster, r, settings=st)
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
    """Coverage, unregistered poor, burden by group, waiting and capacity, awareness, equity."""
    from access.analysis import gap_analysis, travel_times
    from access.gap_outputs import write_gap_outputs

    off = _offroad(friction, elevation, landcover, landcover_speeds, neighbours, cell_m, offroad)
    r = load_checked(region)
    if off is None:  # the region's own travel: the E2SFCA index is computed too
        result = run_step("gap analysis (three modes)", gap_analysis, r)
    else:
        times = run_step("travel times over the surface", travel_times, r, offroad=off)
        result = run_step("gap analysis (three modes)", gap_analysis, r, times=times)
    run_step(f"writing {out_dir}", write_gap_outputs, result, out_dir, boundaries=r.boundaries)
    for note in (*result.notes, *(result.barriers.notes if result.barriers else ())):
        out.print(Text.assemble(("note: ", "yellow"), note))
    out.print_json(data=result.summary(), default=float)
