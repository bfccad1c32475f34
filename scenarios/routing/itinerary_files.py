"""Itinerary files of a campaign plan: CSV, XLSX, GeoJSON, GPX, printable HTML and PDF.

:func:`export_itinerary` turns a :class:`~scenarios.routing.CampaignPlan` and a table of
locations into files for the van crews and the planners. Everything is written to a temporary
folder next to the output folder first and moved in only when every file has been written,
so a failure never leaves half-written files or touches the user's existing files. The tables
come from :mod:`scenarios.routing.itinerary_tables`, the printable pages from
:mod:`scenarios.routing.itinerary_print`.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import gpxpy
import gpxpy.gpx
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from shapely.geometry import LineString

from geodata.errors import DataFileError, Problem, SchemaError
from geodata.export import safe_cell, write_csv
from geodata.static_map import MapLayers
from scenarios.printing import print_html
from scenarios.routing.campaign_results import CampaignPlan, VanDay
from scenarios.routing.itinerary_maps import van_map_svg
from scenarios.routing.itinerary_print import write_html, write_pdf
from scenarios.routing.itinerary_tables import (
    Legs,
    check_locations,
    day_coords,
    leg_km,
    location_point,
    urdu_name,
    van_day_stops,
    van_day_table,
)
from scenarios.routing.options import hhmm

__all__ = ["ItineraryExport", "export_itinerary"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ItineraryExport:
    """Files written by :func:`export_itinerary`.

    Parameters
    ----------
    folder
        Output folder.
    files
        Every file written, sorted.
    pdf_name_fallbacks
        Location indices whose Urdu name was replaced by the English name in the PDF
        (matplotlib fallback only: its font lacks the glyphs, or Urdu was not asked for).
    pdf_engine
        ``"chromium"`` (Urdu shaped, maps with roads) or ``"matplotlib"`` (the fallback).
    """

    folder: Path
    files: tuple[Path, ...]
    pdf_name_fallbacks: tuple[int, ...] = ()
    pdf_engine: str = "matplotlib"

    def by_suffix(self, suffix: str) -> tuple[Path, ...]:
        """Files whose name ends with ``suffix`` (e.g. ``".gpx"``)."""
        return tuple(f for f in self.files if f.name.endswith(suffix))


def export_itinerary(
    plan: CampaignPlan,
    locations: pd.DataFrame,
    out_dir: str | os.PathLike[str],
    *,
    leg_geometries: Mapping[tuple[int, int], LineString] | None = None,
    start_date: date | None = None,
    dates: Sequence[date] | None = None,
    women_share: float = 0.0,
    title: str = "Registration van itinerary",
    pdf_urdu: bool = False,
    overwrite: bool = False,
    base_map: MapLayers | None = None,
    notes: Sequence[str] = (),
    pdf_engine: str = "auto",
) -> ItineraryExport:
    """Write the itinerary of every van-day with visits.

    Files (``vNN_dMM`` is van ``NN``, day ``MM``, both 1-based):

    * ``vNN_dMM.csv`` -- one table per van-day: date, order, settlement, union council,
      arrival, departure, expected registrations (a multi-day halt's split over its days),
      women-only session, driving minutes and km to the next stop;
    * ``itinerary.xlsx`` -- the same tables, one sheet per van-day, plus ``Summary`` and
      ``Not visited`` sheets;
    * ``routes.geojson`` -- one LineString per van-day and one Point per visit (EPSG:4326);
    * ``vNN_dMM.gpx`` -- waypoints (start location, then each visit) and one track of the road;
    * ``itinerary.html`` -- printable (A4, headers repeated): per van a road and village
      map of its days and a day list, then one page per van-day, English with Urdu names in
      ``dir="rtl"`` spans;
    * ``itinerary.pdf`` -- the HTML printed by headless Chromium (Urdu shaped); without
      Chromium, matplotlib pages (a small route map and the table; no Urdu shaping).

    Parameters
    ----------
    plan
        The campaign plan.
    locations
        One row per location index used in the plan, depots included, with the columns
        ``REQUIRED_COLUMNS`` (``halt`` is the location index, ``lon``/``lat`` in EPSG:4326)
        and optionally ``name_ur`` (Urdu name).
    out_dir
        Output folder; created if missing.
    leg_geometries
        Road geometry (LineString, EPSG:4326) per leg ``(from_location, to_location)``; legs
        without one are drawn as straight lines.
    start_date
        Date of day 0 when ``dates`` is not given: plan days are then consecutive calendar
        days.
    dates
        Date of each plan day (working days; see ``VanOptions.campaign_dates``); with
        neither, the date columns are blank.
    women_share
        Share of each visit's desk time held as a women-only session (shown on every row).
    title
        Title of the printable itineraries.
    pdf_urdu
        Matplotlib fallback only: print Urdu names when its font has their glyphs.
        Matplotlib does not join or reorder Arabic script, so by default it prints the
        English name.
    overwrite
        Replace files of the same name in ``out_dir``; otherwise such a clash is an error.
    base_map
        The region's layers for the context maps (:func:`geodata.static_map.map_layers`);
        default the itinerary's own locations only.
    notes
        Lines printed on every page (e.g. that the data are synthetic).
    pdf_engine
        ``"auto"`` (Chromium when installed, else matplotlib), ``"chromium"`` or
        ``"matplotlib"``.

    Returns
    -------
    ItineraryExport
        The files written.

    Raises
    ------
    SchemaError
        When ``locations`` lacks columns or location indices, or has bad coordinates.
    DataFileError
        When files of the same name exist and ``overwrite`` is false, or writing fails.

    Examples
    --------
    >>> import numpy as np, pandas as pd, tempfile
    >>> from scenarios.routing import export_itinerary, plan_campaign
    >>> d = np.array([[0, 30], [30, 0]])
    >>> plan = plan_campaign(d, [0, 60], [0, 1.0], depots=[0], vans=1, days=1)
    >>> locs = pd.DataFrame({"halt": [0, 1], "name": ["Depot", "Kot"],
    ...     "union_council": ["UC-1", "UC-2"], "lon": [71.0, 71.1], "lat": [30.0, 30.1],
    ...     "expected_registrations": [0, 40]})
    >>> out = export_itinerary(plan, locs, tempfile.mkdtemp())
    >>> sorted(f.name for f in out.files)[:3]
    ['itinerary.html', 'itinerary.pdf', 'itinerary.xlsx']
    """
    table = check_locations(plan, locations)
    legs = dict(leg_geometries or {})
    if dates is None and start_date is not None:
        dates = [start_date + timedelta(days=d) for d in range(plan.days)]
    if dates is not None and len(dates) != plan.days:
        raise SchemaError(
            [Problem(f"dates has {len(dates)} entries for a plan of {plan.days} days")],
            source="export_itinerary",
        )
    out = Path(out_dir)
    active = [vd for vd in plan.van_days if vd.visits]

    names = _file_names(active)
    if out.exists() and not out.is_dir():
        raise DataFileError(f"{out} exists and is not a folder; give a folder path")
    clashes = sorted(n for n in names if (out / n).exists())
    if clashes and not overwrite:
        raise DataFileError(
            f"{out} already has {', '.join(clashes[:5])}{' ...' if len(clashes) > 5 else ''}; "
            "choose another folder or pass overwrite=True"
        )
    parent = out.parent if out.parent.exists() else Path(tempfile.gettempdir())
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}-tmp-", dir=parent))
    try:
        tables = {
            vd: van_day_table(
                plan, vd, table, leg_geometries=legs, dates=dates, women_share=women_share
            )
            for vd in active
        }
        for vd in active:
            write_csv(tables[vd], tmp / f"{_stem(vd)}.csv")
            _write_gpx(tmp / f"{_stem(vd)}.gpx", vd, table, legs, title)
        _write_xlsx(tmp / "itinerary.xlsx", plan, tables, table, dates)
        _write_geojson(tmp / "routes.geojson", active, table, legs)
        maps = {
            van: van_map_svg(
                vds, table, legs, base_map=base_map, dates=dates, title=f"Van {van + 1}"
            )
            for van, vds in _by_van(active).items()
        }
        write_html(tmp / "itinerary.html", plan, tables, title, dates, maps=maps, notes=notes)
        engine, fallbacks = "chromium", []
        if pdf_engine == "matplotlib" or not print_html(
            tmp / "itinerary.html", tmp / "itinerary.pdf"
        ):
            engine = "matplotlib"
            fallbacks = write_pdf(
                tmp / "itinerary.pdf", tables, table, legs, title, dates, pdf_urdu
            )
        written = sorted(p.name for p in tmp.iterdir())
        out.mkdir(parents=True, exist_ok=True)
        for name in written:
            os.replace(tmp / name, out / name)
    except OSError as exc:
        raise DataFileError(f"could not write the itinerary to {out}: {exc}") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    logger.info("wrote %d itinerary files to %s", len(written), out)
    return ItineraryExport(
        folder=out,
        files=tuple(out / n for n in written),
        pdf_name_fallbacks=tuple(fallbacks),
        pdf_engine=engine,
    )


# --------------------------------------------------------------------------------------------
# Private helpers
# --------------------------------------------------------------------------------------------


def _by_van(active: Sequence[VanDay]) -> dict[int, list[VanDay]]:
    out: dict[int, list[VanDay]] = {}
    for vd in active:
        out.setdefault(vd.van, []).append(vd)
    return out


def _stem(vd: VanDay) -> str:
    return f"v{vd.van + 1:02d}_d{vd.day + 1:02d}"


def _file_names(active: Sequence[VanDay]) -> list[str]:
    names = ["itinerary.xlsx", "routes.geojson", "itinerary.html", "itinerary.pdf"]
    for vd in active:
        names += [f"{_stem(vd)}.csv", f"{_stem(vd)}.gpx"]
    return names


def _write_gpx(path: Path, vd: VanDay, table: pd.DataFrame, legs: Legs, title: str) -> None:
    gpx = gpxpy.gpx.GPX()
    gpx.name = f"{title}: van {vd.van + 1}, day {vd.day + 1}"
    start = vd.start_location
    lon, lat = location_point(start, table)
    gpx.waypoints.append(
        gpxpy.gpx.GPXWaypoint(lat, lon, name=str(table.loc[start, "name"]), description="start")
    )
    for k, v in enumerate(vd.visits, start=1):
        lon, lat = location_point(v.halt, table)
        rec = table.loc[v.halt]
        desc = f"{k}. {hhmm(v.arrival_min)}-{hhmm(v.departure_min)}, UC {rec['union_council']}"
        ur = urdu_name(rec)
        gpx.waypoints.append(
            gpxpy.gpx.GPXWaypoint(
                lat,
                lon,
                name=str(rec["name"]) + (f" / {ur}" if ur else ""),
                description=desc,
            )
        )
    track = gpxpy.gpx.GPXTrack(name=f"van {vd.van + 1} day {vd.day + 1}")
    segment = gpxpy.gpx.GPXTrackSegment()
    for lon, lat in day_coords(vd, table, legs):
        segment.points.append(gpxpy.gpx.GPXTrackPoint(lat, lon))
    track.segments.append(segment)
    gpx.tracks.append(track)
    path.write_text(gpx.to_xml(), encoding="utf-8")


def _write_geojson(path: Path, active: Sequence[VanDay], table: pd.DataFrame, legs: Legs) -> None:
    features: list[dict[str, Any]] = []
    for vd in active:
        coords = day_coords(vd, table, legs)
        stops = van_day_stops(vd)
        km = sum(leg_km(a, b, table, legs) for a, b in itertools.pairwise(stops))
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [list(c) for c in coords]},
                "properties": {
                    "kind": "route",
                    "van": vd.van + 1,
                    "day": vd.day + 1,
                    "drive_min": vd.drive_min,
                    "km": round(km, 2),
                    "stops": len(vd.visits),
                },
            }
        )
        for k, v in enumerate(vd.visits, start=1):
            rec = table.loc[v.halt]
            features.append(
                {
                    "type": "Feature",
                    "geometry": {
                        "type": "Point",
                        "coordinates": list(location_point(v.halt, table)),
                    },
                    "properties": {
                        "kind": "visit",
                        "van": vd.van + 1,
                        "day": vd.day + 1,
                        "order": k,
                        "halt": v.halt,
                        "settlement": str(rec["name"]),
                        "settlement_ur": urdu_name(rec),
                        "arrival": hhmm(v.arrival_min),
                        "departure": hhmm(v.departure_min),
                    },
                }
            )
    doc = {"type": "FeatureCollection", "features": features}
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")


def _write_xlsx(
    path: Path,
    plan: CampaignPlan,
    tables: Mapping[VanDay, pd.DataFrame],
    table: pd.DataFrame,
    dates: Sequence[date] | None,
) -> None:
    wb = Workbook()
    summary = wb.active
    assert summary is not None
    summary.title = "Summary"
    summary.append(["van", "day", "date", "stops", "drive_min", "start", "end"])
    for vd, df in tables.items():
        when = dates[vd.day].isoformat() if dates is not None else ""
        summary.append(
            [
                vd.van + 1,
                vd.day + 1,
                when,
                len(vd.visits),
                vd.drive_min,
                hhmm(vd.start_min),
                hhmm(vd.end_min),
            ]
        )
        ws = wb.create_sheet(f"Van {vd.van + 1} Day {vd.day + 1}"[:31])
        ws.append(list(df.columns))
        for row in df.itertuples(index=False):
            ws.append([None if pd.isna(x) else safe_cell(x) for x in row])
        for cell in ws[1]:
            cell.font = Font(bold=True)
    dropped = wb.create_sheet("Not visited")
    dropped.append(["halt", "settlement", "union_council", "reason"])
    for d in plan.dropped:
        rec = table.loc[d.halt] if d.halt in table.index else None
        dropped.append(
            [
                d.halt,
                "" if rec is None else safe_cell(str(rec["name"])),
                "" if rec is None else safe_cell(str(rec["union_council"])),
                d.reason,
            ]
        )
    for ws in (summary, dropped):
        for cell in ws[1]:
            cell.font = Font(bold=True)
    wb.save(path)
