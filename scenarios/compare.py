"""Compare scenario results side by side (``accessgap compare``).

:func:`compare_runs` reads result folders written by :func:`scenarios.runner.run_scenario`
(the first is the base), and writes into one report folder, atomically:

- ``comparison.csv``: every headline metric (rows) for every scenario (columns);
- ``differences.csv``: each scenario minus the base;
- ``settlement_changes.csv``: per settlement, the travel time of every scenario and its change
  against the base (in the base's travel mode);
- ``chart_access.png``, ``chart_registrations.png``, ``chart_costs.png``, ``chart_travel.png``;
- ``map_<scenario>.png``: settlements coloured by the change in travel minutes against the
  base, with new and closed centres and closed roads, on the region's roads, boundaries and
  place names when the region is given (the report embeds the same maps as SVG);
- ``portfolio_channels.csv`` (with ``portfolio_dir``): the outreach plan's channels side by
  side and the plan for its budget, as the report's table shows them;
- ``report.html``: a self-contained report (images embedded) an official can read without the
  app, opening with a one-paragraph summary and a recommendation table, and ``report.pdf``
  (A4, by headless Chromium, or a matplotlib fallback).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from geodata.errors import SchemaError
from geodata.export import write_csv
from geodata.files import write_folder_atomically
from geodata.region import Region, load_region
from geodata.static_map import map_layers
from scenarios.comparison import build_comparison, load_run
from scenarios.report import write_report
from scenarios.report_costing import load_portfolio, plan_rows

__all__ = ["ComparisonReport", "compare_runs"]


@dataclass(frozen=True)
class ComparisonReport:
    """The written report: folder, HTML, PDF and how the PDF was made."""

    out_dir: Path
    html: Path
    pdf: Path
    pdf_engine: str
    files: dict[str, Path]


def compare_runs(
    run_dirs: Sequence[str | os.PathLike[str]],
    out_dir: str | os.PathLike[str],
    *,
    portfolio_dir: str | os.PathLike[str] | None = None,
    region: Region | str | os.PathLike[str] | None = None,
) -> ComparisonReport:
    """Compare result folders (the first is the base) and write a report folder atomically.

    Parameters
    ----------
    run_dirs
        Folders written by :func:`scenarios.runner.run_scenario` / ``accessgap run``.
    out_dir
        The report folder (replaced as a whole once complete).
    portfolio_dir
        An ``accessgap plan`` folder: the report then shows its channels side by side and
        its budgeted plan in one table.
    region
        The base region (object or folder): its roads, boundaries and place names are drawn
        under the maps; without it the maps show the settlements only.

    Returns
    -------
    ComparisonReport

    Raises
    ------
    DataFileError
        When a folder is not a scenario result (or ``portfolio_dir`` not a plan).
    SchemaError
        When fewer than two folders are given.

    Examples
    --------
    >>> rep = compare_runs(["out/baseline", "out/ten_uc_centres"], "out/report")  # doctest: +SKIP
    >>> rep.html.name, rep.pdf_engine  # doctest: +SKIP
    ('report.html', 'chromium')
    """
    if len(run_dirs) < 2:
        raise SchemaError("compare needs at least two result folders (the first is the base)")
    comp = build_comparison([load_run(d) for d in run_dirs])
    plan = load_portfolio(portfolio_dir) if portfolio_dir is not None else None
    engine: dict[str, str] = {}
    base_map = None
    if region is not None:
        base_map = map_layers(region if isinstance(region, Region) else load_region(region))

    def write(tmp: Path) -> None:
        write_csv(comp.table, tmp / "comparison.csv", index=True)
        write_csv(comp.differences, tmp / "differences.csv", index=True)
        if comp.changes is not None:
            write_csv(comp.changes, tmp / "settlement_changes.csv")
        if plan is not None:
            write_csv(pd.DataFrame(plan_rows(plan)), tmp / "portfolio_channels.csv")
        engine["pdf"] = write_report(comp, tmp, portfolio=plan, base_map=base_map)

    target = Path(out_dir)
    files = write_folder_atomically(target, write, kind="report")
    return ComparisonReport(
        target, target / "report.html", target / "report.pdf", engine["pdf"], files
    )
