"""``accessgap sample`` and ``accessgap region build|check|stamp``: making region folders."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from cli.common import (
    OutDir,
    RegionArg,
    app,
    err,
    load_checked,
    out,
    region_app,
    run_step,
)


@app.command()
def sample(
    out_dir: OutDir = Path("regions/sample"),
    seed: Annotated[int, typer.Option(help="Random seed; same seed, same bytes.")] = 2017,
    settlements: Annotated[int, typer.Option(help="Number of settlements.")] = 1100,
    low_awareness_units: Annotated[
        int, typer.Option(help="Union councils near a centre generated with low awareness.")
    ] = 3,
) -> None:
    """Generate the synthetic sample region (all figures SYNTHETIC) into a region folder."""
    from access.synthetic import build_sample_region
    from geodata.sample import SampleParams
    from geodata.sample.terrain import save_sample_region  # DEM + land cover, disabled (#22)

    params = SampleParams(seed=seed, n_settlements=settlements)
    region, _ = run_step(
        "generating the sample region",
        build_sample_region,
        params,
        low_awareness_units=low_awareness_units,
    )
    run_step(f"writing {out_dir}", save_sample_region, region, out_dir, params)
    out.print(f"Sample region written to {out_dir} (synthetic data).")


@region_app.command("check")
def region_check(region: RegionArg) -> None:
    """Validate a region folder; print its summary, impossible geography and what to check.

    What to check: households far from roads, large settlements, settlements per tehsil vs
    census, road circuity, partial units and everything assumed (each warning says what to do).
    """
    from geodata.region import summarize
    from geodata.region_review import review_region

    r = load_checked(region)
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

    run_step(f"re-stamping {region}", restamp_region, region)
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
    simplify_roads: Annotated[
        bool,
        typer.Option(
            "--simplify-roads/--all-road-nodes",
            help="Keep only junctions and way ends as road nodes (shape points become the "
            "edges' geometry; the same roads, travel times within a second): what a "
            "country-size extract needs to build in memory (4.9 GB instead of 13.6 GB).",
        ),
    ] = False,
) -> None:
    """Build a region package from real data (OSM roads, census, places, boundaries)."""
    from geodata.build import build_region
    from geodata.region import save_region

    pairs = [kv.partition("=") for kv in boundary_column or []]
    if any(not (k.strip() and sep and v.strip()) for k, sep, v in pairs):
        raise typer.BadParameter(
            "give KEY=COLUMN, e.g. name=TEHSIL_NAME", param_hint="--boundary-column"
        )
    region, report = run_step(
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
        simplify_roads=simplify_roads,
    )
    for line in report.lines():
        out.print(line)
    # build_region returns a validated region: not validated a second time (a country: minutes)
    run_step(f"writing {out_dir}", save_region, region, out_dir, validate=False)
    out.print(f"Region written to {out_dir}.")


@app.command()
def summary(
    region: RegionArg,
    out_dir: OutDir,
    gaps: Annotated[
        Path | None,
        typer.Option(help="An `accessgap gaps` folder; default: the gap analysis is run."),
    ] = None,
    plan: Annotated[
        Path | None,
        typer.Option(help="An `accessgap plan` folder: what the recommended plan changes."),
    ] = None,
    worst: Annotated[int, typer.Option(help="Union councils listed, largest gap first.")] = 10,
) -> None:
    """A printable summary page of the region: headline figures, worst units, map, plan (A4)."""
    from scenarios.region_summary import write_region_summary

    r = load_checked(region)
    files = run_step(
        f"writing the summary of {r.name}",
        write_region_summary,
        r,
        out_dir,
        gaps_dir=gaps,
        plan_dir=plan,
        worst=worst,
    )
    pdf = "summary.pdf" if "summary.pdf" in files else None
    out.print(
        f"Summary: {out_dir / 'summary.html'}"
        + (f" and {out_dir / pdf}" if pdf else " (no PDF: Chromium is not installed)")
    )
