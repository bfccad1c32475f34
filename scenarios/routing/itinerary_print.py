"""Printable itineraries: per van a context map, then one page per van-day.

The HTML (:func:`write_html`) is in English with Urdu names in ``dir="rtl"`` spans; headless
Chromium prints it to the PDF with the Urdu shaped (:mod:`scenarios.printing`). Without
Chromium, :func:`write_pdf` draws a small route map and the table with matplotlib, which
**cannot shape Urdu** (it neither joins nor reorders Arabic script): that fallback prints
English names unless asked, and even then the Urdu is unjoined, left to right.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from shapely.geometry import LineString

from scenarios.printing import PRINT_CSS
from scenarios.routing.campaign_results import CampaignPlan, VanDay
from scenarios.routing.itinerary_tables import (
    day_coords,
    location_point,
    van_day_label,
    van_day_stops,
)
from scenarios.routing.options import hhmm

__all__ = ["write_html", "write_pdf"]

_CSS = """
body { font-size: 10pt; margin: 0; }
h1 { font-size: 15pt; margin: 0 0 2pt 0; } h2 { font-size: 12.5pt; margin: 2pt 0 4pt 0; }
table.itin { width: 100%; font-size: 9pt; }
table.itin th, table.itin td { border: 1px solid #99a3a4; padding: 2pt 4pt; text-align: left;
  vertical-align: top; }
table.itin th { background: #d6eaf8; }
table.itin td.num, table.itin th.num { text-align: right; }
.ur { font-size: 11pt; }
.note { color: #566573; font-size: 8.5pt; } .label { background: #fdebd0; padding: 2pt 6pt; }
section.page, section.van { break-after: page; page-break-after: always; }
section.page:last-child { page-break-after: auto; break-after: auto; }
.map svg { width: 100%; height: auto; max-height: 150mm; }
"""


def write_html(
    path: Path,
    plan: CampaignPlan,
    tables: Mapping[VanDay, pd.DataFrame],
    title: str,
    dates: Sequence[date] | None,
    *,
    maps: Mapping[int, str] | None = None,
    notes: Sequence[str] = (),
) -> None:
    """Write the printable HTML itinerary: per van a map page, then one page per van-day.

    A4 pages (:data:`scenarios.printing.PRINT_CSS`): table headers repeat on every page,
    rows never split; Urdu names in ``dir="rtl"`` spans, shaped by the browser.

    Parameters
    ----------
    path
        File to write.
    plan
        The campaign plan (working hours and breaks are printed).
    tables
        :func:`~scenarios.routing.van_day_table` of each van-day to print, in page order.
    title
        Title of every page.
    dates
        Date of each plan day, printed next to the day numbers when given.
    maps
        ``van -> <svg>`` context map of each van's days (see
        :func:`scenarios.routing.itinerary_maps.van_map_svg`), printed before its days.
    notes
        Lines printed on every page (e.g. that the data are synthetic).
    """
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(title)}</title><style>{PRINT_CSS}{_CSS}</style></head><body>",
    ]
    label = "".join(f'<p class="label">{esc(n)}</p>' for n in notes)
    by_van: dict[int, list[VanDay]] = {}
    for vd in tables:
        by_van.setdefault(vd.van, []).append(vd)
    for van, vds in by_van.items():
        if maps and van in maps:
            parts.append(_van_page(van, vds, tables, title, dates, maps[van], label))
        for vd in vds:
            parts.append(_day_page(plan, vd, tables[vd], title, dates, label))
    parts.append("</body></html>")
    path.write_text("\n".join(parts), encoding="utf-8")


def write_pdf(
    path: Path,
    tables: Mapping[VanDay, pd.DataFrame],
    table: pd.DataFrame,
    legs: Mapping[tuple[int, int], LineString],
    title: str,
    dates: Sequence[date] | None,
    pdf_urdu: bool,
) -> list[int]:
    """Write the PDF itinerary: one A4 landscape page per van-day, route map and table.

    Parameters
    ----------
    path
        File to write.
    tables
        :func:`~scenarios.routing.van_day_table` of each van-day to print, in page order.
    table
        Checked location table (see :func:`~scenarios.routing.itinerary_tables.check_locations`).
    legs
        Road geometry per leg, else straight lines.
    title
        Title of every page.
    dates
        Date of each plan day, printed next to the day numbers when given.
    pdf_urdu
        Print Urdu names when the font has their glyphs.

    Returns
    -------
    list of int
        Location indices whose Urdu name was replaced by the English name.
    """
    fallbacks: set[int] = set()
    with PdfPages(path) as pdf:
        if not tables:
            fig = Figure(figsize=(11.69, 8.27))
            fig.text(0.5, 0.5, f"{title}: no van-day with visits", ha="center")
            pdf.savefig(fig)
        for vd, df in tables.items():
            fig = Figure(figsize=(11.69, 8.27))
            fig.suptitle(f"{title} - {van_day_label(vd, dates)}", fontsize=13)
            ax = fig.add_axes((0.05, 0.52, 0.9, 0.4))
            coords = np.array(day_coords(vd, table, legs))
            ax.plot(coords[:, 0], coords[:, 1], "-", color="tab:blue", lw=1.2)
            for k, loc in enumerate(van_day_stops(vd)):
                x, y = location_point(loc, table)
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
                        str(row["women_session"]),
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
                    "Women only",
                    "Drive min",
                    "km",
                ],
                loc="upper center",
                colWidths=[0.04, 0.3, 0.18, 0.07, 0.07, 0.06, 0.11, 0.09, 0.06],
            )
            tab.auto_set_font_size(False)
            tab.set_fontsize(8)
            pdf.savefig(fig)
    return sorted(fallbacks)


# --------------------------------------------------------------------------------------------
# Private helpers
# --------------------------------------------------------------------------------------------

_HEAD = (
    '<table class="itin"><thead><tr><th class="num">#</th><th>Settlement</th>'
    "<th>Union council</th><th>Arrive</th><th>Leave</th>"
    '<th class="num">Expected registrations (households)</th>'
    '<th>Women-only session</th><th class="num">Drive to next (min)</th>'
    '<th class="num">To next (km)</th></tr></thead><tbody>'
)


def _van_page(
    van: int,
    vds: Sequence[VanDay],
    tables: Mapping[VanDay, pd.DataFrame],
    title: str,
    dates: Sequence[date] | None,
    svg: str,
    label: str,
) -> str:
    esc = html.escape
    first, last = vds[0], vds[-1]
    span = ""
    if dates is not None:
        fmt = "%a %d %b %Y"
        span = f": {dates[first.day].strftime(fmt)} to {dates[last.day].strftime(fmt)}"
    rows = []
    for vd in vds:
        df = tables[vd]
        visits = df[df["kind"].eq("visit")]
        when = dates[vd.day].strftime("%a %d %b") if dates is not None else ""
        rows.append(
            f'<tr><td>{vd.day + 1}</td><td>{when}</td><td class="num">{len(visits)}</td>'
            f"<td>{esc(', '.join(visits['settlement'].astype(str)))}</td>"
            f'<td class="num">{vd.drive_min}</td>'
            f'<td class="num">{int(visits["expected_registrations"].sum()):,}</td></tr>'
        )
    return (
        f'<section class="van"><h1>{esc(title)}: van {van + 1}{esc(span)}</h1>{label}'
        f'<div class="map keep">{svg}</div>'
        '<table class="itin"><thead><tr><th>Day</th><th>Date</th><th class="num">Halts</th>'
        '<th>Villages, in order</th><th class="num">Driving (min)</th>'
        '<th class="num">Expected registrations (households)</th></tr></thead><tbody>'
        + "".join(rows)
        + "</tbody></table></section>"
    )


def _day_page(
    plan: CampaignPlan,
    vd: VanDay,
    df: pd.DataFrame,
    title: str,
    dates: Sequence[date] | None,
    label: str,
) -> str:
    esc = html.escape
    parts = ['<section class="page">']
    parts.append(f"<h1>{esc(title)}</h1>{label}<h2>{esc(van_day_label(vd, dates))}</h2>")
    parts.append(
        f'<p class="note">Driving {vd.drive_min} min; working hours {hhmm(plan.day_start_min)}-'
        f"{hhmm(plan.day_end_min)}; breaks "
        + (", ".join(f"{hhmm(s)}-{hhmm(e)}" for s, e in plan.breaks_on(vd.day)) or "none")
        + "</p>"
    )
    parts.append(_HEAD)
    for row in df.to_dict(orient="records"):
        name = esc(str(row["settlement"]))
        if row["settlement_ur"]:
            name += f' <span lang="ur" dir="rtl" class="ur">{esc(str(row["settlement_ur"]))}</span>'
        if row["part"]:
            name += f" (day {esc(str(row['part']))})"
        drive = "" if pd.isna(row["drive_min_to_next"]) else str(int(row["drive_min_to_next"]))
        km = "" if pd.isna(row["km_to_next"]) else f"{row['km_to_next']:.1f}"
        regs = f"{int(row['expected_registrations']):,}" if row["kind"] == "visit" else ""
        parts.append(
            f'<tr><td class="num">{row["order"]}</td><td>{name}</td>'
            f"<td>{esc(str(row['union_council']))}</td>"
            f'<td>{row["arrival"]}</td><td>{row["departure"]}</td><td class="num">{regs}</td>'
            f'<td>{esc(str(row["women_session"]))}</td><td class="num">{drive}</td>'
            f'<td class="num">{km}</td></tr>'
        )
    parts.append("</tbody></table></section>")
    return "\n".join(parts)


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
