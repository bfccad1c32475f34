"""A printable summary page of a region (``accessgap summary``): HTML and A4 PDF.

One page an official can take into a meeting: the headline figures (households, registry
coverage, unregistered bottom-40% households, travel to a centre), the union councils with
the largest gaps (with what the gap score means), a map of the region (roads, boundaries,
centres, place names; the worst union councils shaded) and, given an ``accessgap plan``
folder, what the recommended outreach plan changes. :func:`region_summary` returns the HTML
and the PDF bytes (for a download button); :func:`write_region_summary` writes a folder.
"""

from __future__ import annotations

import html
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from access.analysis import gap_analysis
from geodata.errors import DataFileError
from geodata.export import write_csv
from geodata.files import write_folder_atomically
from geodata.region import Region
from geodata.static_map import draw_base_map, map_layers
from scenarios.printing import PRINT_CSS, print_html
from scenarios.report_costing import load_portfolio, plan_rows
from scenarios.report_summary import fmt_value

__all__ = ["WORST_COLUMNS", "SummaryPage", "region_summary", "write_region_summary"]

#: Columns of the worst-units table: (column, header, unit).
WORST_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("tehsil", "Tehsil", ""),
    ("households", "Households", "households"),
    ("coverage_share", "On the registry", "share"),
    ("unregistered_poor_households", "Unregistered bottom-40% households", "households"),
    ("median_min_motorbike", "Median trip to a centre, motorbike", "min"),
    ("share_within_60_min_motorbike", "Households within 60 min (motorbike)", "share"),
    ("gap_score", "Gap score (PKR thousand of burden)", "households"),
)


@dataclass(frozen=True)
class SummaryPage:
    """The summary page: HTML, the PDF's bytes (``None`` without Chromium), the tables."""

    html: str
    pdf: bytes | None
    worst_units: pd.DataFrame
    headline: dict[str, Any]


def region_summary(
    region: Region,
    *,
    gaps_dir: str | os.PathLike[str] | None = None,
    plan_dir: str | os.PathLike[str] | None = None,
    worst: int = 10,
    pdf: bool = True,
) -> SummaryPage:
    """The region's summary page as HTML and (with Chromium) A4 PDF bytes.

    Parameters
    ----------
    region
        The region.
    gaps_dir
        An ``accessgap gaps`` folder (``gaps_summary.json``, ``units_union_council.csv``);
        default: the gap analysis is run.
    plan_dir
        An ``accessgap plan`` folder: the page then says what the plan changes.
    worst
        Union councils listed, largest gap score first.
    pdf
        Print the PDF with Chromium.

    Returns
    -------
    SummaryPage

    Raises
    ------
    DataFileError
        When ``gaps_dir`` or ``plan_dir`` is not such a folder.
    """
    headline, units = _gaps(region, gaps_dir)
    ranked = units.sort_values("gap_score", ascending=False, na_position="last")
    top = ranked.head(worst).reset_index(drop=True)
    plan = load_portfolio(plan_dir) if plan_dir is not None else None
    page = _html(region, headline, top, plan)
    data: bytes | None = None
    if pdf:
        with tempfile.TemporaryDirectory(prefix="accessgap-summary-") as tmp:
            src, dst = Path(tmp) / "summary.html", Path(tmp) / "summary.pdf"
            src.write_text(page, encoding="utf-8")
            if print_html(src, dst):
                data = dst.read_bytes()
    cols = ["union_council", *(c for c, _, _ in WORST_COLUMNS if c in top.columns)]
    return SummaryPage(page, data, top[cols], headline)


def write_region_summary(
    region: Region,
    out_dir: str | os.PathLike[str],
    *,
    gaps_dir: str | os.PathLike[str] | None = None,
    plan_dir: str | os.PathLike[str] | None = None,
    worst: int = 10,
) -> dict[str, Path]:
    """Write ``summary.html``, ``summary.pdf`` (with Chromium) and ``worst_units.csv``.

    The folder is replaced as a whole once complete (see :func:`region_summary`).
    """
    page = region_summary(region, gaps_dir=gaps_dir, plan_dir=plan_dir, worst=worst)

    def write(tmp: Path) -> None:
        (tmp / "summary.html").write_text(page.html, encoding="utf-8")
        if page.pdf is not None:
            (tmp / "summary.pdf").write_bytes(page.pdf)
        write_csv(page.worst_units, tmp / "worst_units.csv")

    return write_folder_atomically(out_dir, write, kind="summary")


# --------------------------------------------------------------------------------------------
# Private helpers
# --------------------------------------------------------------------------------------------

_CSS = """
body { font-size: 10pt; margin: 0; }
h1 { font-size: 18pt; margin: 0; } h2 { font-size: 12.5pt; margin: 10pt 0 4pt 0;
  border-bottom: 2px solid #2980b9; }
.label { background: #fdebd0; border: 1px solid #e67e22; padding: 3pt 8pt; margin: 4pt 0; }
.figures { display: grid; grid-template-columns: repeat(4, 1fr); gap: 4pt; margin: 6pt 0; }
.fig { border: 1px solid #aab7b8; border-radius: 4px; padding: 4pt 6pt; }
.fig b { display: block; font-size: 15pt; } .fig span { font-size: 8pt; color: #4d5656; }
table { width: 100%; font-size: 8.5pt; }
th, td { border: 1px solid #bbb; padding: 2pt 4pt; } th { background: #eaf2f8; }
.note { color: #566573; font-size: 8pt; }
.map svg { width: 100%; height: auto; max-height: 120mm; }
"""


def _gaps(
    region: Region, gaps_dir: str | os.PathLike[str] | None
) -> tuple[dict[str, Any], pd.DataFrame]:
    if gaps_dir is None:
        g = gap_analysis(region)
        return g.summary(), pd.DataFrame(g.units["union_council"])
    d = Path(gaps_dir)
    try:
        headline = json.loads((d / "gaps_summary.json").read_text(encoding="utf-8"))
        units = pd.read_csv(d / "units_union_council.csv")
    except (OSError, ValueError) as err:
        raise DataFileError(
            f"{d}: not a gaps folder ({err}); write one with `accessgap gaps REGION --out DIR`"
        ) from err
    return headline, units


def _html(
    region: Region, headline: dict[str, Any], top: pd.DataFrame, plan: dict[str, Any] | None
) -> str:
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Region summary: {e(region.name)}</title>",
        f"<style>{PRINT_CSS}{_CSS}</style></head><body>",
        f"<h1>NSER registration access: {e(region.name)}</h1>",
    ]
    if region.synthetic:
        parts.append('<p class="label">SYNTHETIC sample region: no real place or household.</p>')
    parts.append(_figures(region, headline))
    parts.append(f'<div class="map keep">{_map_svg(region, top)}</div>')
    parts.append(_worst_table(top))
    if plan is not None:
        parts.append(_plan_html(plan, headline))
    notes = [str(n) for n in headline.get("notes", [])]
    parts.append(
        '<p class="note">Gap score: unregistered bottom-40% households x the cost of the trip '
        "to the nearest centre (time and fare, PKR), in thousands (docs/gaps.md). "
        + " ".join(e(n) for n in notes)
        + " Made by accessgap.</p></body></html>"
    )
    return "\n".join(parts) + "\n"


def _figures(region: Region, h: dict[str, Any]) -> str:
    figures = [
        (fmt_value(h.get("households"), "households"), "households"),
        (fmt_value(h.get("coverage_share"), "share"), "of households on the registry"),
        (fmt_value(h.get("unregistered_poor_households"), "households"),
         "unregistered bottom-40% households"),
        (fmt_value(len(region.centres), "n"), "registration centres"),
        (fmt_value(h.get("median_min_motorbike"), "min"), "median trip to a centre (motorbike)"),
        (fmt_value(h.get("share_within_60_min_motorbike"), "share"),
         "of households within 60 min (motorbike)"),
        (fmt_value(h.get("settlements_beyond_120_min_motorbike"), "n"),
         "settlements over 2 h away (motorbike)"),
        (fmt_value(h.get("settlements"), "n"), "settlements"),
    ]  # fmt: skip
    cells = "".join(
        f'<div class="fig"><b>{value}</b><span>{html.escape(label)}</span></div>'
        for value, label in figures
    )
    return f'<h2>Headline figures</h2><div class="figures">{cells}</div>'


def _worst_table(top: pd.DataFrame) -> str:
    e = html.escape
    cols = [c for c in WORST_COLUMNS if c[0] in top.columns]
    head = "<th>#</th><th>Union council</th>" + "".join(
        f'<th class="{"num" if unit else ""}">{e(label)}</th>' for _, label, unit in cols
    )
    rows = []
    for i, r in top.iterrows():
        cells = "".join(
            f'<td class="num">{fmt_value(r[c], unit)}</td>' if unit else f"<td>{e(str(r[c]))}</td>"
            for c, _, unit in cols
        )
        rows.append(
            f"<tr><td>{int(str(i)) + 1}</td><td>{e(str(r['union_council']))}</td>{cells}</tr>"
        )
    return (
        f"<h2>The {len(top)} union councils with the largest gaps</h2>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _plan_html(plan: dict[str, Any], headline: dict[str, Any]) -> str:
    e = html.escape
    rows = plan_rows(plan)
    total = next((r for r in rows if r["channel"] == "total"), None)
    text = ""
    if total is not None:
        unreg = float(headline.get("unregistered_poor_households") or np.nan)
        share = total["expected_registrations"] / unreg if unreg and unreg > 0 else np.nan
        text = (
            f"<p>With PKR {fmt_value(plan.get('budget_pkr'), 'PKR')} over "
            f"{fmt_value(plan.get('horizon_years'), 'n')} years, the plan is expected to register "
            f"<b>{fmt_value(total['expected_registrations'], 'households')}</b> more bottom-40% "
            f"households ({fmt_value(share, 'share')} of the unregistered), at PKR "
            f"{fmt_value(total['pkr_per_registration'], 'PKR')} each.</p>"
        )
    body = "".join(
        f"<tr><td>{e(str(r['channel']))}</td>"
        f'<td class="num">{fmt_value(r["options_chosen"], "n")}</td>'
        f'<td class="num">{fmt_value(r["cost_horizon_pkr"], "PKR")}</td>'
        f'<td class="num">{fmt_value(r["expected_registrations"], "households")}</td>'
        f'<td class="num">{fmt_value(r["pkr_per_registration"], "PKR")}</td></tr>'
        for r in rows
    )
    return (
        "<h2>What the recommended plan changes</h2>" + text + "<table><thead><tr><th>Channel</th>"
        '<th class="num">Chosen (sites, desks, halts)</th><th class="num">Cost over the horizon '
        '(PKR)</th><th class="num">Expected new registrations (households)</th>'
        f'<th class="num">PKR per registration</th></tr></thead><tbody>{body}</tbody></table>'
    )


def _map_svg(region: Region, top: pd.DataFrame) -> str:
    layers = map_layers(region)
    canvas = draw_base_map(layers, size_in=(7.6, 4.6), label_places=14)
    b = region.boundaries
    ucs = b[b["level"].eq("union_council")].set_index("code")
    names = top["union_council"].astype(str).tolist()
    worst = ucs[ucs.index.isin(names) | ucs["name"].isin(names)]
    if len(worst):
        worst.plot(ax=canvas.ax, color="#e74c3c", alpha=0.22, zorder=1.5, linewidth=0)
        pts = worst.geometry.representative_point()
        rank = {n: i + 1 for i, n in enumerate(names)}
        texts = [
            f"#{rank.get(str(c), rank.get(str(n), 0))}"
            for c, n in zip(worst.index, worst["name"], strict=True)
        ]
        canvas.label(pts.x.to_numpy(), pts.y.to_numpy(), texts, fontsize=8, weight="bold",
                     colour="#922b21", always=True)  # fmt: skip
    return canvas.svg()
