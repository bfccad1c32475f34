"""The ``accessgap`` command line: thin wrappers, one library call per command."""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from geodata.errors import AccessGapError

app = typer.Typer(
    help="Access to Pakistan's social registry: travel times, gaps, new centres, van routes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
region_app = typer.Typer(help="Build and check region packages.", no_args_is_help=True)
app.add_typer(region_app, name="region")

err = Console(stderr=True)
out = Console()
T = TypeVar("T")

OutDir = Annotated[Path, typer.Option("--out", "-o", help="Folder to write into.")]
RegionArg = Annotated[Path, typer.Argument(help="Region folder (see `accessgap sample`).")]


def main() -> None:
    """Entry point of the ``accessgap`` console script."""
    logging.basicConfig(level=os.environ.get("ACCESSGAP_LOG", "WARNING"))
    try:
        app()
    except AccessGapError as exc:
        err.print(f"[bold red]Error:[/] {exc}")
        sys.exit(2)


@contextmanager
def _step(text: str) -> Iterator[None]:
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        progress.add_task(text, total=None)
        yield
    err.print(f"[green]done[/] {text}")


def _run(text: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    with _step(text):
        return fn(*args, **kwargs)


def _write_json(path: Path, doc: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=2, ensure_ascii=False, default=float)
        fh.write("\n")
    os.replace(tmp, path)


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
    """Validate a region folder and print its summary."""
    from geodata.region import load_region, summarize

    r = _run(f"validating {region}", load_region, region)
    out.print_json(data=summarize(r))


@app.command()
def demo(out_dir: OutDir = Path("out/demo")) -> None:
    """Run the main job headless on the sample region and write a full set of outputs."""
    from scenarios.demo import run_demo

    summary = _run("running the demo on the sample region", run_demo, out_dir)
    out.print(f"Demo outputs in {out_dir}; summary: {out_dir / 'summary.json'}")
    out.print_json(data=summary["region"])


if __name__ == "__main__":  # pragma: no cover
    main()
