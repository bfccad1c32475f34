"""``accessgap run``, ``compare``, ``national`` and ``demo``: scenarios side by side."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli.common import (
    OutDir,
    app,
    load_checked,
    out,
    run_step,
)


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

    result = run_step(
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
    region: Annotated[
        Path | None,
        typer.Option(help="The base region folder: roads, boundaries and places on the maps."),
    ] = None,
) -> None:
    """Compare scenario results side by side: tables, charts, maps, HTML and PDF report."""
    from scenarios.compare import compare_runs

    report = run_step(
        f"comparing {len(runs)} scenarios",
        compare_runs,
        runs,
        out_dir,
        portfolio_dir=portfolio,
        region=load_checked(region) if region is not None else None,
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

    r = load_checked(region) if region else None
    result = run_step(
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

    summary = run_step("running the demo on the sample region", run_demo, out_dir)
    out.print(f"Demo outputs in {out_dir}; summary: {out_dir / 'summary.json'}")
    out.print_json(data=summary["region"])
