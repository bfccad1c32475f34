"""Exports of a campaign plan: CSV, XLSX, GeoJSON, GPX, printable HTML and PDF itineraries.

:func:`export_itinerary` turns a :class:`~scenarios.routing.CampaignPlan` and a table of
locations into files for the van crews and the planners. Everything is written to a temporary
folder next to the output folder first and moved in only when every file has been written,
so a failure never leaves half-written files or touches the user's existing files.
"""

from __future__ import annotations

import html
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
import numpy as np
import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from openpyxl import Workbook
from openpyxl.styles import Font
from pyproj import Geod
from shapely.geometry import LineString

from geodata.errors import DataFileError, Problem, SchemaError
from scenarios.routing import CampaignPlan, VanDay

__all__ = ["ItineraryExport", "REQUIRED_COLUMNS", "export_itinerary", "van_day_table"]

logger = logging.getLogger(__name__)

#: Columns the location table must have (``name_ur`` is optional).
REQUIRED_COLUMNS = ("halt", "name", "union_council", "lon", "lat", "expected_registrations")

_GEOD = Geod(ellps="WGS84")
_TABLE_COLUMNS = [
    "order",
    "kind",
    "halt",
    "settlement",
    "settlement_ur",
    "union_council",
    "arrival",
    "departure",
    "dwell_min",
    "part",
    "expected_registrations",
    "drive_min_to_next",
    "km_to_next",
]


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
        (the PDF font lacks the glyphs, or Urdu was not asked for in the PDF).
    """

    folder: Path
    files: tuple[Path, ...]
    pdf_name_fallbacks: tuple[int, ...] = ()

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
    title: str = "Registration van itinerary",
    pdf_urdu: bool = False,
    overwrite: bool = False,
) -> ItineraryExport:
    """Write the itinerary of every van-day with visits.

    Files (``vNN_dMM`` is van ``NN``, day ``MM``, both 1-based):

    * ``vNN_dMM.csv`` -- one table per van-day: order, settlement, union council, arrival,
      departure, expected registrations, driving minutes and km to the next stop;
    * ``itinerary.xlsx`` -- the same tables, one sheet per van-day, plus ``Summary`` and
      ``Not visited`` sheets;
    * ``routes.geojson`` -- one LineString per van-day and one Point per visit (EPSG:4326);
    * ``vNN_dMM.gpx`` -- waypoints (start location, then each visit) and one track of the road;
    * ``itinerary.html`` -- printable, one page per van-day, English with Urdu names in
      ``dir="rtl"`` spans;
    * ``itinerary.pdf`` -- one page per van-day with a small route map and the table.

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
        Date of day 0; when given, dates are printed next to day numbers.
    title
        Title of the printable itineraries.
    pdf_urdu
        Print Urdu names in the PDF when the PDF font has their glyphs. Matplotlib does not
        join or reorder Arabic script, so the default prints the English name in the PDF.
    overwrite
        Replace files of the same name in ``out_dir``; otherwise such a clash is an error.

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
    >>> from scenarios.routing import plan_campaign
    >>> d = np.array([[0, 30], [30, 0]])
    >>> plan = plan_campaign(d, [0, 60], [0, 1.0], depots=[0], vans=1, days=1)
    >>> locs = pd.DataFrame({"halt": [0, 1], "name": ["Depot", "Kot"],
    ...     "union_council": ["UC-1", "UC-2"], "lon": [71.0, 71.1], "lat": [30.0, 30.1],
    ...     "expected_registrations": [0, 40]})
    >>> out = export_itinerary(plan, locs, tempfile.mkdtemp())
    >>> sorted(f.name for f in out.files)[:3]
    ['itinerary.html', 'itinerary.pdf', 'itinerary.xlsx']
    """
    table = _validate_locations(plan, locations)
    legs = dict(leg_geometries or {})
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
        tables = {vd: van_day_table(plan, vd, table, leg_geometries=legs) for vd in active}
        for vd in active:
            tables[vd].to_csv(tmp / f"{_stem(vd)}.csv", index=False, encoding="utf-8")
            _write_gpx(tmp / f"{_stem(vd)}.gpx", vd, table, legs, title)
        _write_xlsx(tmp / "itinerary.xlsx", plan, tables, table, start_date)
        _write_geojson(tmp / "routes.geojson", active, table, legs)
        _write_html(tmp / "itinerary.html", plan, tables, title, start_date)
        fallbacks = _write_pdf(
            tmp / "itinerary.pdf", tables, table, legs, title, start_date, pdf_urdu
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
    )


def van_day_table(
    plan: CampaignPlan,
    van_day: VanDay,
    locations: pd.DataFrame,
    *,
    leg_geometries: Mapping[tuple[int, int], LineString] | None = None,
) -> pd.DataFrame:
    """Itinerary table of one van-day: start, each visit, end.

    Parameters
    ----------
    plan
        The campaign plan (for its working hours).
    van_day
        The van-day.
    locations
        Location table (see :func:`export_itinerary`), indexed or not by ``halt``.
    leg_geometries
        Road geometry per leg, else straight lines.

    Returns
    -------
    pandas.DataFrame
        Columns ``order, kind, halt, settlement, settlement_ur, union_council, arrival,
        departure, dwell_min, part, expected_registrations, drive_min_to_next, km_to_next``;
        times as ``HH:MM``.

    Raises
    ------
    SchemaError
        When a location of the van-day is missing from ``locations``.
    """
    table = _validate_locations(plan, locations)
    legs = dict(leg_geometries or {})
    stops = [van_day.start_location, *(v.halt for v in van_day.visits), van_day.end_location]
    if van_day.end_location == stops[-2] and van_day.visits:
        stops = stops[:-1]  # overnight at the last halt: no closing leg
    rows: list[dict[str, Any]] = []
    next_drive = [v.drive_min for v in van_day.visits] + [van_day.return_drive_min]
    for k, loc in enumerate(stops):
        rec: Any = table.loc[loc]
        if k == 0:
            kind, arr, dep, dwell, part = "start", None, van_day.start_min, 0, ""
        elif k <= len(van_day.visits):
            v = van_day.visits[k - 1]
            kind, arr, dep, dwell = "visit", v.arrival_min, v.departure_min, v.dwell_min
            part = f"{v.part}/{v.parts}" if v.parts > 1 else ""
        else:
            kind, arr, dep, dwell, part = "end", van_day.end_min, None, 0, ""
        has_next = k + 1 < len(stops)
        rows.append(
            {
                "order": k,
                "kind": kind,
                "halt": int(loc),
                "settlement": str(rec["name"]),
                "settlement_ur": _urdu(rec),
                "union_council": str(rec["union_council"]),
                "arrival": _hhmm(arr),
                "departure": _hhmm(dep),
                "dwell_min": int(dwell),
                "part": part,
                "expected_registrations": int(rec["expected_registrations"])
                if kind == "visit"
                else 0,
                "drive_min_to_next": int(next_drive[k]) if has_next else None,
                "km_to_next": round(_leg_km(loc, stops[k + 1], table, legs), 1)
                if has_next
                else None,
            }
        )
    return pd.DataFrame(rows, columns=_TABLE_COLUMNS)


# --------------------------------------------------------------------------------------------
# Private helpers
# --------------------------------------------------------------------------------------------


def _validate_locations(plan: CampaignPlan, locations: pd.DataFrame) -> pd.DataFrame:
    problems: list[Problem] = []
    missing = [c for c in REQUIRED_COLUMNS if c not in locations.columns]
    if "halt" in missing and locations.index.name == "halt":
        missing.remove("halt")
        locations = locations.reset_index()
    for c in missing:
        problems.append(Problem("required column is missing", source="locations", column=c))
    if problems:
        raise SchemaError(problems, source="locations")
    table = locations.set_index("halt", drop=False)
    if table.index.has_duplicates:
        dup = table.index[table.index.duplicated()].tolist()[:5]
        problems.append(Problem(f"duplicate location indices {dup}", column="halt"))
    needed = set(plan.van_depots) | {
        x for vd in plan.van_days if vd.visits for x in (vd.start_location, vd.end_location)
    }
    needed |= plan.visited_halts
    absent = sorted(needed - set(table.index.tolist()))
    if absent:
        problems.append(
            Problem(f"locations used by the plan are missing: {absent[:10]}", column="halt")
        )
    lon = pd.to_numeric(table["lon"], errors="coerce")
    lat = pd.to_numeric(table["lat"], errors="coerce")
    bad = table.index[~(lon.between(-180, 180) & lat.between(-90, 90))].tolist()
    if bad:
        problems.append(
            Problem(f"lon/lat missing or out of range (EPSG:4326) at {bad[:10]}", column="lon")
        )
    if problems:
        raise SchemaError(problems, source="locations")
    return table


def _urdu(rec: Any) -> str:
    value = rec.get("name_ur")
    if value is None or (isinstance(value, float) and np.isnan(value)) or pd.isna(value):
        return ""
    return str(value)


def _hhmm(minutes: int | None) -> str:
    if minutes is None:
        return ""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _stem(vd: VanDay) -> str:
    return f"v{vd.van + 1:02d}_d{vd.day + 1:02d}"


def _label(vd: VanDay, start_date: date | None) -> str:
    text = f"Van {vd.van + 1}, day {vd.day + 1}"
    if start_date is not None:
        text += f" ({(start_date + timedelta(days=vd.day)).isoformat()})"
    return text


def _file_names(active: Sequence[VanDay]) -> list[str]:
    names = ["itinerary.xlsx", "routes.geojson", "itinerary.html", "itinerary.pdf"]
    for vd in active:
        names += [f"{_stem(vd)}.csv", f"{_stem(vd)}.gpx"]
    return names


def _point(loc: int, table: pd.DataFrame) -> tuple[float, float]:
    rec: Any = table.loc[loc]
    return float(rec["lon"]), float(rec["lat"])


def _leg_line(a: int, b: int, table: pd.DataFrame, legs: Mapping[tuple[int, int], LineString]):
    line = legs.get((a, b))
    if line is not None and not line.is_empty:
        return line
    return LineString([_point(a, table), _point(b, table)])


def _leg_km(a: int, b: int, table: pd.DataFrame, legs: Mapping[tuple[int, int], LineString]):
    if a == b:
        return 0.0
    return float(_GEOD.geometry_length(_leg_line(a, b, table, legs))) / 1000.0


def _day_path(vd: VanDay) -> list[int]:
    path = [vd.start_location, *(v.halt for v in vd.visits)]
    if vd.end_location != path[-1]:
        path.append(vd.end_location)
    return path


def _day_coords(vd: VanDay, table, legs) -> list[tuple[float, float]]:
    path = _day_path(vd)
    coords: list[tuple[float, float]] = [_point(path[0], table)]
    for a, b in zip(path, path[1:], strict=False):
        if a == b:
            continue
        coords.extend(tuple(c[:2]) for c in _leg_line(a, b, table, legs).coords[1:])
    return coords


def _write_gpx(path: Path, vd: VanDay, table, legs, title: str) -> None:
    gpx = gpxpy.gpx.GPX()
    gpx.name = f"{title}: van {vd.van + 1}, day {vd.day + 1}"
    start = vd.start_location
    lon, lat = _point(start, table)
    gpx.waypoints.append(
        gpxpy.gpx.GPXWaypoint(lat, lon, name=str(table.loc[start, "name"]), description="start")
    )
    for k, v in enumerate(vd.visits, start=1):
        lon, lat = _point(v.halt, table)
        rec = table.loc[v.halt]
        desc = f"{k}. {_hhmm(v.arrival_min)}-{_hhmm(v.departure_min)}, UC {rec['union_council']}"
        ur = _urdu(rec)
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
    for lon, lat in _day_coords(vd, table, legs):
        segment.points.append(gpxpy.gpx.GPXTrackPoint(lat, lon))
    track.segments.append(segment)
    gpx.tracks.append(track)
    path.write_text(gpx.to_xml(), encoding="utf-8")


def _write_geojson(path: Path, active: Sequence[VanDay], table, legs) -> None:
    features: list[dict[str, Any]] = []
    for vd in active:
        coords = _day_coords(vd, table, legs)
        stops = _day_path(vd)
        km = sum(_leg_km(a, b, table, legs) for a, b in zip(stops, stops[1:], strict=False))
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
                    "geometry": {"type": "Point", "coordinates": list(_point(v.halt, table))},
                    "properties": {
                        "kind": "visit",
                        "van": vd.van + 1,
                        "day": vd.day + 1,
                        "order": k,
                        "halt": v.halt,
                        "settlement": str(rec["name"]),
                        "settlement_ur": _urdu(rec),
                        "arrival": _hhmm(v.arrival_min),
                        "departure": _hhmm(v.departure_min),
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
    start_date: date | None,
) -> None:
    wb = Workbook()
    summary = wb.active
    assert summary is not None
    summary.title = "Summary"
    summary.append(["van", "day", "date", "stops", "drive_min", "start", "end"])
    for vd, df in tables.items():
        when = (start_date + timedelta(days=vd.day)).isoformat() if start_date else ""
        summary.append(
            [
                vd.van + 1,
                vd.day + 1,
                when,
                len(vd.visits),
                vd.drive_min,
                _hhmm(vd.start_min),
                _hhmm(vd.end_min),
            ]
        )
        ws = wb.create_sheet(f"Van {vd.van + 1} Day {vd.day + 1}"[:31])
        ws.append(list(df.columns))
        for row in df.itertuples(index=False):
            ws.append([None if pd.isna(x) else x for x in row])
        for cell in ws[1]:
            cell.font = Font(bold=True)
    dropped = wb.create_sheet("Not visited")
    dropped.append(["halt", "settlement", "union_council", "reason"])
    for d in plan.dropped:
        rec = table.loc[d.halt] if d.halt in table.index else None
        dropped.append(
            [
                d.halt,
                "" if rec is None else str(rec["name"]),
                "" if rec is None else str(rec["union_council"]),
                d.reason,
            ]
        )
    for ws in (summary, dropped):
        for cell in ws[1]:
            cell.font = Font(bold=True)
    wb.save(path)


_CSS = """
body { font-family: "Noto Sans", "DejaVu Sans", Arial, sans-serif; font-size: 11pt; }
h1 { font-size: 16pt; margin: 0 0 4pt 0; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #888; padding: 3pt 5pt; text-align: left; }
th { background: #eee; }
.ur { font-family: "Noto Nastaliq Urdu", "Jameel Noori Nastaleeq", serif; }
section.page { page-break-after: always; break-after: page; }
section.page:last-child { page-break-after: auto; break-after: auto; }
@media print { @page { size: A4 landscape; margin: 12mm; } body { font-size: 10pt; } }
"""


def _write_html(
    path: Path,
    plan: CampaignPlan,
    tables: Mapping[VanDay, pd.DataFrame],
    title: str,
    start_date: date | None,
) -> None:
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(title)}</title><style>{_CSS}</style></head><body>",
    ]
    for vd, df in tables.items():
        parts.append('<section class="page">')
        parts.append(f"<h1>{esc(title)}</h1><h2>{esc(_label(vd, start_date))}</h2>")
        parts.append(
            f"<p>Driving {vd.drive_min} min; working hours {_hhmm(plan.day_start_min)}-"
            f"{_hhmm(plan.day_end_min)}; breaks "
            + ", ".join(f"{_hhmm(s)}-{_hhmm(e)}" for s, e in plan.breaks)
            + "</p>"
        )
        parts.append(
            "<table><thead><tr><th>#</th><th>Settlement</th><th>Union council</th>"
            "<th>Arrive</th><th>Leave</th><th>Expected registrations</th>"
            "<th>Drive to next (min)</th><th>km to next</th></tr></thead><tbody>"
        )
        for row in df.to_dict(orient="records"):
            name = esc(str(row["settlement"]))
            if row["settlement_ur"]:
                name += (
                    f' <span lang="ur" dir="rtl" class="ur">{esc(str(row["settlement_ur"]))}</span>'
                )
            if row["part"]:
                name += f" (day {esc(str(row['part']))})"
            drive = "" if pd.isna(row["drive_min_to_next"]) else str(int(row["drive_min_to_next"]))
            km = "" if pd.isna(row["km_to_next"]) else f"{row['km_to_next']:.1f}"
            regs = str(row["expected_registrations"]) if row["kind"] == "visit" else ""
            parts.append(
                f"<tr><td>{row['order']}</td><td>{name}</td><td>{esc(str(row['union_council']))}</td>"
                f"<td>{row['arrival']}</td><td>{row['departure']}</td><td>{regs}</td>"
                f"<td>{drive}</td><td>{km}</td></tr>"
            )
        parts.append("</tbody></table></section>")
    parts.append("</body></html>")
    path.write_text("\n".join(parts), encoding="utf-8")


def _font_has_glyphs(text: str) -> bool:
    """Whether matplotlib's default font has a glyph for every character of ``text``."""
    from fontTools.ttLib import TTFont
    from matplotlib import font_manager

    font_path = font_manager.findfont(font_manager.FontProperties())
    cmap = _cmap(font_path, TTFont)
    return all(ord(ch) in cmap or ch.isspace() for ch in text)


_CMAPS: dict[str, frozenset[int]] = {}


def _cmap(font_path: str, ttfont: Any) -> frozenset[int]:
    if font_path not in _CMAPS:
        with ttfont(font_path, lazy=True) as font:
            _CMAPS[font_path] = frozenset(font.getBestCmap() or {})
    return _CMAPS[font_path]


def _write_pdf(
    path: Path,
    tables: Mapping[VanDay, pd.DataFrame],
    table: pd.DataFrame,
    legs: Mapping[tuple[int, int], LineString],
    title: str,
    start_date: date | None,
    pdf_urdu: bool,
) -> list[int]:
    fallbacks: set[int] = set()
    with PdfPages(path) as pdf:
        if not tables:
            fig = Figure(figsize=(11.69, 8.27))
            fig.text(0.5, 0.5, f"{title}: no van-day with visits", ha="center")
            pdf.savefig(fig)
        for vd, df in tables.items():
            fig = Figure(figsize=(11.69, 8.27))
            fig.suptitle(f"{title} - {_label(vd, start_date)}", fontsize=13)
            ax = fig.add_axes((0.05, 0.52, 0.9, 0.4))
            coords = np.array(_day_coords(vd, table, legs))
            ax.plot(coords[:, 0], coords[:, 1], "-", color="tab:blue", lw=1.2)
            for k, loc in enumerate(_day_path(vd)):
                x, y = _point(loc, table)
                marker = "s" if k == 0 else "o"
                ax.plot([x], [y], marker, color="tab:red" if k == 0 else "tab:blue", ms=5)
                ax.annotate(str(k), (x, y), textcoords="offset points", xytext=(4, 4), fontsize=8)
            ax.set_aspect("equal", adjustable="datalim")
            ax.tick_params(labelsize=7)
            ax.set_xlabel("longitude", fontsize=8)
            ax.set_ylabel("latitude", fontsize=8)
            cells = []
            for row in df.to_dict(orient="records"):
                name = str(row["settlement"])
                if pdf_urdu and row["settlement_ur"]:
                    if _font_has_glyphs(row["settlement_ur"]):
                        name = f"{name} ({row['settlement_ur']})"
                    else:
                        fallbacks.add(int(row["halt"]))
                elif row["settlement_ur"]:
                    fallbacks.add(int(row["halt"]))
                if row["part"]:
                    name += f" (day {row['part']})"
                drive = (
                    "" if pd.isna(row["drive_min_to_next"]) else str(int(row["drive_min_to_next"]))
                )
                km = "" if pd.isna(row["km_to_next"]) else f"{row['km_to_next']:.1f}"
                regs = str(row["expected_registrations"]) if row["kind"] == "visit" else ""
                cells.append(
                    [
                        str(row["order"]),
                        name[:40],
                        str(row["union_council"])[:24],
                        row["arrival"],
                        row["departure"],
                        regs,
                        drive,
                        km,
                    ]
                )
            tax = fig.add_axes((0.03, 0.03, 0.94, 0.44))
            tax.axis("off")
            tab = tax.table(
                cellText=cells,
                colLabels=[
                    "#",
                    "Settlement",
                    "Union council",
                    "Arrive",
                    "Leave",
                    "Regs.",
                    "Drive min",
                    "km",
                ],
                loc="upper center",
                colWidths=[0.04, 0.34, 0.2, 0.08, 0.08, 0.08, 0.09, 0.07],
            )
            tab.auto_set_font_size(False)
            tab.set_fontsize(8)
            pdf.savefig(fig)
    return sorted(fallbacks)
