"""``accessgap travel-times``, ``gaps``, ``region attach-surface``: travel, who is left out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

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
    region_app,
    run_step,
)

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


_ROLES = ("friction", "elevation", "landcover", "landcover_speeds")


def _offroad(*files: Path | None, n: int, cell: float | None, use: bool | None) -> Any:
    from access.friction import offroad_choice

    roles = dict(zip(_ROLES, files, strict=True))
    return offroad_choice(roles, neighbours=n, cell_m=cell, use_region=use)


@region_app.command("attach-surface")
def region_attach_surface(
    region: RegionArg,
    friction: FrictionOpt = None,
    elevation: ElevationOpt = None,
    landcover: LandcoverOpt = None,
    landcover_speeds: LandcoverSpeedsOpt = None,
    enable: Annotated[
        bool | None, typer.Option("--enable/--disable", help="Use it in every query by default.")
    ] = None,
    neighbours: Annotated[int | None, typer.Option(help="Cell neighbours: 8 or 16.")] = None,
    cell_m: CellOpt = None,
    source: Annotated[str | None, typer.Option(help="Where the rasters come from.")] = None,
    out_dir: Annotated[Path | None, typer.Option("--out", help="Write here instead.")] = None,
) -> None:
    """Attach off-road rasters to a region (copied, hashed; checked first), or re-configure."""
    from access.offroad_attach import attach_surface

    files = dict(zip(_ROLES, (friction, elevation, landcover, landcover_speeds), strict=True))
    opts = {"enabled": enable, "neighbours": neighbours, "cell_m": cell_m, "source": source}
    done = run_step("attaching", attach_surface, region, out=out_dir, files=files, **opts)
    out.print(f"{done}: off-road surface attached (see metadata.offroad in region.json)")


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

    off = _offroad(
        friction, elevation, landcover, landcover_speeds, n=neighbours, cell=cell_m, use=offroad
    )
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
    from access.analysis import gap_analysis
    from access.gap_outputs import write_gap_outputs

    off = _offroad(
        friction, elevation, landcover, landcover_speeds, n=neighbours, cell=cell_m, use=offroad
    )
    r = load_checked(region)
    result = run_step("gap analysis (three modes)", gap_analysis, r, offroad=off)
    run_step(f"writing {out_dir}", write_gap_outputs, result, out_dir, boundaries=r.boundaries)
    for note in (*result.notes, *(result.barriers.notes if result.barriers else ())):
        out.print(Text.assemble(("note: ", "yellow"), note))
    out.print_json(data=result.summary(), default=float)
