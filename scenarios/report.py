"""The comparison report: charts and maps (matplotlib PNG), a self-contained HTML page, a PDF.

The HTML embeds every image as base64, so the one file can be e-mailed or opened from a USB
stick without the app or a network. The PDF is the HTML printed by headless Chromium
(``chromium --headless --print-to-pdf``) when ``/usr/bin/chromium`` (or ``chromium`` on the
``PATH``) works; otherwise a matplotlib ``PdfPages`` fallback with the same table, charts and
maps. :func:`write_report` returns which engine made the PDF.
"""

from __future__ import annotations

import base64
import html
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from geodata.static_map import MapLayers
from scenarios.comparison import Comparison
from scenarios.printing import PRINT_CSS, chromium_path, print_html
from scenarios.report_barriers import barrier_chart, barriers_html
from scenarios.report_costing import costing_html, portfolio_html
from scenarios.report_maps import change_map
from scenarios.report_summary import fmt_value, summary_html

__all__ = ["chromium_path", "html_to_pdf", "write_report"]

log = logging.getLogger(__name__)

_PALETTE = ("#34495e", "#2980b9", "#27ae60", "#8e44ad", "#c0392b", "#d35400", "#16a085")
_PNG_META = {"Software": None}


def write_report(
    comp: Comparison,
    out: Path,
    *,
    portfolio: dict[str, Any] | None = None,
    base_map: MapLayers | None = None,
) -> str:
    """Write charts, maps, ``report.html`` and ``report.pdf`` (A4) into ``out``.

    The report opens with a one-paragraph summary and a recommendation table
    (:func:`scenarios.report_summary.summary_html`). ``portfolio`` (an ``accessgap plan``
    folder's ``portfolio.json``) adds the channels side by side and the budgeted plan
    (:func:`scenarios.report_costing.portfolio_html`). ``base_map`` (the region's layers,
    :func:`geodata.static_map.map_layers`) puts roads, boundaries and place names under the
    maps.

    Returns
    -------
    str
        ``"chromium"`` or ``"matplotlib"``: what made the PDF.
    """
    images: list[tuple[str, Path]] = []
    images.append(("Households within reach", _access_chart(comp, out / "chart_access.png")))
    images.append(
        ("Expected new registrations", _registrations_chart(comp, out / "chart_registrations.png"))
    )
    images.append(("Travel times", _travel_chart(comp, out / "chart_travel.png")))
    images.append(("Costs", _cost_chart(comp, out / "chart_costs.png")))
    served = barrier_chart(comp, out / "chart_capacity_coverage.png")
    if served is not None:
        images.append(("Who the centres can serve", served))
    maps: list[tuple[str, Path]] = []
    svgs: list[tuple[str, str]] = []
    if comp.changes is not None:
        for i, run in enumerate(comp.runs[1:], start=1):
            path = out / f"map_{i:02d}_{_slug(run.name)}.png"
            svg = change_map(comp, run, path, base_map=base_map, suffix=_suffix(comp))
            maps.append((run.name, path))
            svgs.append((run.name, svg))
    page = _html(comp, images, svgs, portfolio)
    (out / "report.html").write_text(page, encoding="utf-8")
    return html_to_pdf(out / "report.html", out / "report.pdf", comp=comp, images=images + maps)


def html_to_pdf(
    html_file: Path,
    pdf_file: Path,
    *,
    comp: Comparison | None = None,
    images: list[tuple[str, Path]] | None = None,
    timeout_s: float = 120.0,
) -> str:
    """Print ``html_file`` to ``pdf_file`` with headless Chromium, or fall back to matplotlib.

    Returns ``"chromium"`` or ``"matplotlib"``.
    """
    exe = chromium_path()
    if exe is not None and print_html(html_file, pdf_file, exe=exe, timeout_s=timeout_s):
        return "chromium"
    log.warning("no Chromium PDF of %s; using the matplotlib fallback", html_file)
    _pdf_fallback(pdf_file, comp, images or [])
    return "matplotlib"


# ---------------------------------------------------------------------------------------
# charts


def _values(comp: Comparison, key: str) -> np.ndarray:
    row = pd.Series(comp.table.loc[key, list(comp.names)])
    return pd.to_numeric(row, errors="coerce").to_numpy(dtype=float)


def _figure(width: float = 8.0, height: float = 4.2) -> tuple[Figure, Any]:
    fig = Figure(figsize=(width, height))
    return fig, fig.add_subplot()


def _save(fig: Figure, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata=_PNG_META)
    return path


def _suffix(comp: Comparison) -> str:
    return " (SYNTHETIC data)" if any("SYNTHETIC" in n for n in comp.notes) else ""


def _access_chart(comp: Comparison, path: Path) -> Path:
    fig, ax = _figure()
    names = comp.names
    x = np.arange(len(names))
    width = 0.8 / 3
    for i, band in enumerate((30, 60, 120)):
        v = _values(comp, f"households_within_{band}_min") / 1000.0
        bars = ax.bar(x + (i - 1) * width, v, width, label=f"within {band} min", color=_PALETTE[i])
        ax.bar_label(bars, fmt="%.0f", fontsize=7)
    ax.set_xticks(x, [_wrap(n) for n in names], fontsize=8)
    ax.set_ylabel("households (thousands)")
    ax.set_title("Households within reach of a registration centre" + _suffix(comp))
    ax.legend(fontsize=8, loc="lower right")
    return _save(fig, path)


def _registrations_chart(comp: Comparison, path: Path) -> Path:
    fig, ax = _figure()
    names = comp.names
    x = np.arange(len(names))
    acc = np.nan_to_num(_values(comp, "expected_new_registrations_access"))
    vans = np.nan_to_num(_values(comp, "expected_new_registrations_vans"))
    ax.bar(x, acc, 0.6, label="from better (or worse) access", color=_PALETTE[1])
    ax.bar(x, vans, 0.6, bottom=np.where(acc > 0, acc, 0), label="by vans", color=_PALETTE[2])
    for xi, total in zip(x, acc + vans, strict=True):
        ax.annotate(
            f"{total:+,.0f}",
            (xi, max(total, 0)),
            ha="center",
            va="bottom",
            fontsize=8,
            xytext=(0, 2),
            textcoords="offset points",
        )
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(x, [_wrap(n) for n in names], fontsize=8)
    ax.set_ylabel("households")
    ax.set_title("Expected new registrations against the base" + _suffix(comp))
    ax.legend(fontsize=8)
    return _save(fig, path)


def _travel_chart(comp: Comparison, path: Path) -> Path:
    fig, ax = _figure()
    names = comp.names
    x = np.arange(len(names))
    for i, (key, label) in enumerate(
        (("median_travel_min", "median"), ("p90_travel_min", "90th percentile"))
    ):
        v = _values(comp, key)
        bars = ax.bar(x + (i - 0.5) * 0.38, v, 0.38, label=label, color=_PALETTE[i + 4])
        ax.bar_label(bars, fmt="%.0f", fontsize=7)
    ax.set_xticks(x, [_wrap(n) for n in names], fontsize=8)
    ax.set_ylabel(f"minutes to the nearest centre ({comp.mode})")
    ax.set_title("Travel time to the nearest centre, household-weighted" + _suffix(comp))
    ax.legend(fontsize=8)
    return _save(fig, path)


def _cost_chart(comp: Comparison, path: Path) -> Path:
    fig = Figure(figsize=(9, 4))
    ax1, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    names = comp.names
    x = np.arange(len(names))
    one = np.nan_to_num(_values(comp, "one_off_cost_pkr")) / 1e6
    horizon = np.nan_to_num(_values(comp, "cost_over_horizon_pkr")) / 1e6
    ax1.bar(x - 0.2, one, 0.4, label="one-off", color=_PALETTE[0])
    ax1.bar(x + 0.2, horizon, 0.4, label="over the horizon", color=_PALETTE[3])
    ax1.set_ylabel("PKR million")
    ax1.set_title("Cost", fontsize=10)
    ax1.legend(fontsize=8)
    per = _values(comp, "cost_per_expected_registration_pkr")
    bars = ax2.bar(x, np.nan_to_num(per), 0.6, color=_PALETTE[5])
    ax2.bar_label(
        bars, labels=["n/a" if not np.isfinite(v) else f"{v:,.0f}" for v in per], fontsize=7
    )
    ax2.set_ylabel("PKR per expected new registration")
    ax2.set_title("Cost per expected new registration", fontsize=10)
    for ax in (ax1, ax2):
        ax.set_xticks(x, [_wrap(n) for n in names], fontsize=7)
    fig.suptitle("Costs" + _suffix(comp), fontsize=11)
    return _save(fig, path)


# ---------------------------------------------------------------------------------------
# HTML and PDF


_CSS = """
body { margin: 24px; max-width: 1150px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 28px;
  border-bottom: 2px solid #2980b9; padding-bottom: 3px; }
.label { background: #fdebd0; border: 1px solid #e67e22; padding: 6px 10px; margin: 8px 0; }
table { font-size: 12px; margin: 8px 0; }
th, td { border: 1px solid #ccc; padding: 4px 7px; }
th { background: #eaf2f8; }
td.good { background: #d5f5e3; } td.bad { background: #fadbd8; }
tr.best td { background: #d5f5e3; font-weight: bold; }
p.summary { font-size: 14px; line-height: 1.45; }
img, .mapsvg svg { max-width: 100%; height: auto; border: 1px solid #ddd; margin: 6px 0 14px 0; }
.note { color: #555; font-size: 12px; }
@media print { body { margin: 0; max-width: none; font-size: 10pt; }
  .map { break-before: page; page-break-before: always; } }
"""


def _html(
    comp: Comparison,
    images: list[tuple[str, Path]],
    maps: list[tuple[str, str]],
    portfolio: dict[str, Any] | None = None,
) -> str:
    e = html.escape
    names = list(comp.names)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Scenario comparison: {e(', '.join(names))}</title>",
        f"<style>{PRINT_CSS}{_CSS}</style></head><body>",
        "<h1>NSER registration access: scenario comparison</h1>",
    ]
    for n in comp.notes:
        parts.append(f'<div class="label">{e(n)}</div>')
    parts.append(summary_html(comp))
    parts.append(
        f"<p>Base scenario: <b>{e(names[0])}</b>. Travel times are to the nearest registration "
        f"centre by {e(comp.mode)} unless a scenario says otherwise. Green cells are better "
        "than the base, red cells worse.</p>"
    )
    parts.append(
        "<h2>Scenarios</h2><table><thead><tr><th>Scenario</th><th>What changes</th>"
        "<th>Region</th></tr></thead><tbody>"
    )
    for r in comp.runs:
        description = str(r.metrics.get("scenario", {}).get("description") or "")
        region_name = str(r.metrics.get("region", {}).get("name", ""))
        parts.append(
            f"<tr><td><b>{e(r.name)}</b></td><td>{e(description)}</td>"
            f"<td>{e(region_name)}</td></tr>"
        )
    parts.append("</tbody></table>")
    parts.append("<h2>Side by side</h2>")
    parts.append(_table_html(comp, diff=False))
    parts.append(f"<h2>Differences against {e(names[0])}</h2>")
    parts.append(_table_html(comp, diff=True))
    parts.append(costing_html(comp))
    if portfolio is not None:
        parts.append(portfolio_html(portfolio))
    parts.append("<h2>Charts</h2>")
    for title, path in images:
        parts.append(f'<img alt="{e(title)}" src="{_data_uri(path)}">')
    parts.append(barriers_html(comp))
    if maps:
        parts.append('<h2 class="map">Where access changed</h2>')
        parts.append(
            '<p class="note">Each dot is a settlement (size: households), coloured by the change '
            "in travel minutes against the base: blue closer, red farther, grey within 1 minute, "
            "black cross cut off; black squares are centres, green triangles new ones. Orange "
            "lines are closed roads; roads are drawn by class, with union council and tehsil "
            "boundaries.</p>"
        )
        for title, svg in maps:
            parts.append(f'<figure class="mapsvg keep" aria-label="map: {e(title)}">{svg}</figure>')
    parts.append("<h2>How the figures are computed</h2>")
    parts.append(
        '<ul class="note">'
        "<li><b>Within N min</b>: households (or unregistered households in the national "
        "bottom 40%) whose nearest centre is at most N minutes away.</li>"
        "<li><b>Median / 90th percentile</b>: of travel time, each household counted once.</li>"
        "<li><b>Expected new registrations</b> (of bottom-40% households, over the "
        "horizon): the outreach portfolio's turnout model with the base region's exclusion "
        "model (logit of being unregistered against motorbike travel hours): reach x (1 - "
        "p(new burden) / p(base burden)), reach the unregistered today plus, for centres, "
        "those formed over the horizon; never above a new centre's or a van halt's capacity. "
        "Negative when access gets worse. An association, not proof of cause.</li>"
        "<li><b>By vans</b>: the same model, the new burden the walk to the van's halt, on "
        "the unregistered left after the access change.</li>"
        "<li><b>Cost over the horizon</b>: one-off (centre set-up, van-days) + yearly running "
        "cost discounted over the horizon; <b>per expected new registration</b>: that total / "
        "expected new registrations. Horizon, discount rate and turnout: see <i>Every channel "
        "costed alike</i>.</li></ul>"
    )
    parts.append(
        '<p class="note">Made by accessgap (docs/scenarios.md). Data files: comparison.csv, '
        "differences.csv, settlement_changes.csv next to this report.</p></body></html>"
    )
    return "\n".join(parts) + "\n"


def _table_html(comp: Comparison, *, diff: bool) -> str:
    e = html.escape
    df = comp.differences if diff else comp.table
    names = list(comp.names[1:] if diff else comp.names)
    rows = ["<table><thead><tr><th>Metric</th><th>Unit</th>"]
    rows += [f'<th class="num">{e(n)}</th>' for n in names]
    rows.append("</tr></thead><tbody>")
    for _, row in df.iterrows():
        cells = [f"<td>{e(str(row['label']))}</td><td>{e(str(row['unit']))}</td>"]
        for n in names:
            v = pd.to_numeric(pd.Series([row[n]]), errors="coerce").iloc[0]
            cls = "num"
            if diff and np.isfinite(v) and abs(v) > 1e-9 and row["better"]:
                good = (v > 0) == (row["better"] == "up")
                cls += " good" if good else " bad"
            cells.append(f'<td class="{cls}">{_fmt(v, row["unit"], signed=diff)}</td>')
        rows.append("<tr>" + "".join(cells) + "</tr>")
    rows.append("</tbody></table>")
    return "".join(rows)


def _fmt(v: float, unit: str, *, signed: bool) -> str:
    return fmt_value(v, unit, signed=signed)


def _data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


def _pdf_fallback(pdf_file: Path, comp: Comparison | None, images: list[tuple[str, Path]]) -> None:
    from matplotlib.image import imread

    with PdfPages(pdf_file, metadata={"Title": "Scenario comparison"}) as pdf:
        if comp is not None:
            fig = Figure(figsize=(11.7, 8.3))
            ax = fig.add_subplot()
            ax.axis("off")
            names = list(comp.names)
            cells = [
                [str(r["label"])]
                + [
                    _fmt(pd.to_numeric(r[n], errors="coerce"), r["unit"], signed=False)
                    for n in names
                ]
                for _, r in comp.table.iterrows()
            ]
            tab = ax.table(cellText=cells, colLabels=["metric", *names], loc="center")
            tab.auto_set_font_size(False)
            tab.set_fontsize(7)
            tab.auto_set_column_width(list(range(len(names) + 1)))
            ax.set_title("Scenario comparison" + _suffix(comp))
            pdf.savefig(fig)
        for title, path in images:
            fig = Figure(figsize=(11.7, 8.3))
            ax = fig.add_subplot()
            ax.imshow(imread(path))
            ax.axis("off")
            ax.set_title(title)
            pdf.savefig(fig)


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)[:60]


def _wrap(name: str) -> str:
    return name.replace("_", "_\n") if len(name) > 14 else name
