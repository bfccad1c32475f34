"""Printable itineraries: one HTML page and one PDF page per van-day.

The HTML is in English with Urdu names in ``dir="rtl"`` spans (the browser shapes them); the
PDF draws a small route map and the table with matplotlib, which does not join or reorder
Arabic script, so it prints English names unless asked (and the font has the glyphs).
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


def write_html(
    path: Path,
    plan: CampaignPlan,
    tables: Mapping[VanDay, pd.DataFrame],
    title: str,
    dates: Sequence[date] | None,
) -> None:
    """Write the printable HTML itinerary: one page per van-day.

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
    """
    esc = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(title)}</title><style>{_CSS}</style></head><body>",
    ]
    for vd, df in tables.items():
        parts.append('<section class="page">')
        parts.append(f"<h1>{esc(title)}</h1><h2>{esc(van_day_label(vd, dates))}</h2>")
        parts.append(
            f"<p>Driving {vd.drive_min} min; working hours {hhmm(plan.day_start_min)}-"
            f"{hhmm(plan.day_end_min)}; breaks "
            + ", ".join(f"{hhmm(s)}-{hhmm(e)}" for s, e in plan.breaks_on(vd.day))
            + "</p>"
        )
        parts.append(
            "<table><thead><tr><th>#</th><th>Settlement</th><th>Union council</th>"
            "<th>Arrive</th><th>Leave</th><th>Expected registrations</th>"
            "<th>Women-only session</th>"
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
                f"<td>{esc(str(row['women_session']))}</td><td>{drive}</td><td>{km}</td></tr>"
            )
        parts.append("</tbody></table></section>")
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
