"""The comparison report's "who is excluded and why" section (issue #17).

Reads each run's ``barriers.json`` (:meth:`access.barriers.BarrierResult.to_dict`): a chart
of capacity-limited coverage in three parts per scenario, a table of the cost of registering
for an adult man and for a woman with small children, and the base scenario's awareness
priority list. Runs written before ``barriers.json`` existed are left out.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from scenarios.comparison import Comparison

__all__ = ["barrier_chart", "barriers_html"]

_PARTS = (
    ("served_households", "served", "#27ae60"),
    ("unserved_capacity_households", "unserved: centre full", "#f39c12"),
    ("unserved_distance_households", "unserved: beyond reach", "#c0392b"),
)


def barrier_chart(comp: Comparison, path: Path) -> Path | None:
    """Stacked bars per scenario: served, unserved for capacity, unserved for distance.

    Returns ``None`` when no run has ``barriers.json``.
    """
    runs = [(r.name, r.barriers["capacity"]) for r in comp.runs if r.barriers]
    if not runs:
        return None
    fig, ax = plt.subplots(figsize=(8.0, 0.5 * len(runs) + 2.0))
    names = [n for n, _ in runs][::-1]
    left = np.zeros(len(runs))
    for key, label, colour in _PARTS:
        v = np.array([c[key] for _, c in runs][::-1], dtype=float) / 1000.0
        ax.barh(names, v, left=left, label=label, color=colour)
        for y, (x0, w) in enumerate(zip(left, v, strict=True)):
            if w > 0.04 * max(1e-9, float(left.max() + v.max())):
                ax.text(x0 + w / 2, y, f"{w:.1f}", ha="center", va="center", fontsize=7)
        left += v
    demand = runs[0][1].get("demand", "households")
    ax.set_xlabel(f"{demand} (thousands)")
    ax.set_title("Who the centres can serve: within reach and within capacity")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=3, fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def barriers_html(comp: Comparison) -> str:
    """The HTML of the section (empty when no run has ``barriers.json``)."""
    runs = [r for r in comp.runs if r.barriers]
    if not runs:
        return ""
    e = html.escape
    parts = [
        "<h2>Who is excluded and why</h2>",
        '<p class="note">Capacity-limited coverage: unregistered households within reach of '
        "their nearest centre and within its capacity (desks x registrations a day over the "
        "horizon, nearest first) are <b>served</b>; within reach but the centre is full, "
        "<b>unserved for capacity</b>; beyond reach, <b>unserved for distance</b>. The cost "
        "of registering counts fares, lost wages, waiting (Erlang C per centre-day) and a "
        "second trip for missing documents; a woman with small children pays two fares, two "
        "days' wages and child care (docs/gaps.md).</p>",
        "<table><tr><th>scenario</th><th>served</th><th>unserved: capacity</th>"
        "<th>unserved: distance</th><th>man: PKR</th><th>man: hours</th>"
        "<th>woman + companion: PKR</th><th>woman + companion: hours</th></tr>",
    ]
    for r in runs:
        b: dict[str, Any] = r.barriers or {}
        c, g = b["capacity"], b["burden_by_group"]
        cells = [c[k] for k, _, _ in _PARTS] + [
            g["man"]["mean_pkr"],
            g["man"]["mean_h"],
            g["woman"]["mean_pkr"],
            g["woman"]["mean_h"],
        ]
        parts.append(
            f"<tr><td><b>{e(r.name)}</b></td>"
            + "".join(f'<td class="num">{v:,.0f}</td>' for v in cells[:4])
            + f'<td class="num">{cells[4]:.1f}</td><td class="num">{cells[5]:,.0f}</td>'
            f'<td class="num">{cells[6]:.1f}</td></tr>'
        )
    parts.append("</table>")
    aw = (runs[0].barriers or {}).get("awareness")
    if aw:
        level = "union_council"
        parts.append(
            f"<h3>Awareness priority ({e(runs[0].name)})</h3>"
            '<p class="note">Union councils near a centre (median travel within '
            f"{aw['near_min']:g} min) with more unregistered poor households than the distance "
            "model predicts: a campaign, not a new centre, is the remedy. Standing out: "
            f"{e(', '.join(aw['units_standing_out']) or 'none')}.</p>"
            "<table><tr><th>union council</th><th>median min</th>"
            "<th>unregistered poor above expected</th><th>z</th></tr>"
        )
        for row in aw["priority"]:
            parts.append(
                f"<tr><td>{e(str(row.get(level, '')))}{' *' if row['stands_out'] else ''}</td>"
                f'<td class="num">{row["median_min"]:.0f}</td>'
                f'<td class="num">{row["residual_unregistered_poor"]:,.0f}</td>'
                f'<td class="num">{row["awareness_z"]:.1f}</td></tr>'
            )
        parts.append("</table>")
    return "\n".join(parts)
