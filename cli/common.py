"""What every ``accessgap`` command shares: the app, consoles, options, steps, loading."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.text import Text

from access.speeds import MODES, SEASONS
from geodata.errors import AccessGapError

if TYPE_CHECKING:
    from geodata.region import Region

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

MODES_HELP = "One of: " + ", ".join(MODES) + "."
SEASONS_HELP = "One of: " + ", ".join(SEASONS) + "."

#: The kind of folder each command writes with --out (a folder of one kind is never replaced
#: by another: ``accessgap gaps REGION --out REGION`` is refused before any work).
OUT_KINDS = {
    "sample": "region",
    "build": "region",
    "gaps": "gaps",
    "place": "placement",
    "vans": "vans",
    "reviews": "reviews",
    "sweeps": "sweeps",
    "run": "scenario",
    "compare": "report",
    "plan": "portfolio",
    "national": "national",
    "demo": "demo",
    "summary": "summary",
}


def checked_out(ctx: typer.Context, value: Path | None) -> Path | None:
    """Refuse an output folder that may not be written, before the command computes anything."""
    if value is not None and not ctx.resilient_parsing:
        from geodata.files import check_output_folder

        try:
            check_output_folder(value, kind=OUT_KINDS[ctx.info_name or ""])
        except AccessGapError as exc:
            raise typer.BadParameter(str(exc), param_hint="--out") from exc
    return value


def checked_out_file(ctx: typer.Context, value: Path | None) -> Path | None:
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
    Path, typer.Option("--out", "-o", help="Folder to write into.", callback=checked_out)
]
RegionArg = Annotated[Path, typer.Argument(help="Region folder (see `accessgap sample`).")]
NoticesOpt = Annotated[
    bool,
    typer.Option(
        help="Write notices/: an Urdu notice per union council (HTML, PDF) and an SMS per "
        "village saying when the team comes."
    ),
]


def main() -> None:
    """Entry point of the ``accessgap`` console script."""
    logging.basicConfig(level=os.environ.get("ACCESSGAP_LOG", "WARNING"))
    try:
        app()
    except AccessGapError as exc:
        err.print(Text.assemble(("Error: ", "bold red"), str(exc)))
        sys.exit(2)


@contextmanager
def step(text: str) -> Iterator[None]:
    """Show ``text`` with a spinner while the block runs, then ``done text``."""
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


def run_step(text: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``fn(*args, **kwargs)`` as one :func:`step` named ``text``."""
    with step(text):
        return fn(*args, **kwargs)


def load_checked(path: Path) -> Region:
    """Load a region and print what is impossible about its geography (it still runs)."""
    from geodata.geography import check_geography
    from geodata.region import load_region

    region = run_step(f"loading {path}", load_region, path)
    for finding in check_geography(region):
        err.print(Text.assemble(("warning: ", "yellow"), str(finding)))
    return region
