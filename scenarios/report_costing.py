"""The comparison report's costing sections: every channel costed alike, and the budgeted plan.

:func:`costing_html` shows, per scenario, the cost over the horizon, expected registrations and
PKR per registration of each channel it holds (new centres, other access changes, vans), all
from the outreach portfolio's model, and states the horizon, discount rate and turnout model
they rest on. :func:`portfolio_html` shows a ``accessgap plan`` folder (``portfolio.json``):
the channels side by side and the plan for its budget in one table. Both return HTML
fragments for :func:`scenarios.report.write_report`.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from geodata.errors import DataFileError
from scenarios.comparison import Comparison
from scenarios.portfolio.settings import CHANNELS

__all__ = [
    "CHANNEL_LABELS",
    "costing_html",
    "load_portfolio",
    "plan_rows",
    "portfolio_html",
]

#: How the report names each channel.
CHANNEL_LABELS: dict[str, str] = {
    "centre": "New Union Council centres",
    "access": "Other changes of access (closures, season, roads)",
    "desks": "Extra desks at existing centres",
    "van": "Mobile van halts",
    "review": "Quarterly mobile reviews",
    "sweep": "Door-to-door sweeps",
    "awareness": "Awareness campaigns",
    "total": "Total",
}


def load_portfolio(folder: str | os.PathLike[str]) -> dict[str, Any]:
    """Read ``portfolio.json`` of an ``accessgap plan`` folder.

    Raises
    ------
    DataFileError
        When the folder holds no readable ``portfolio.json``.
    """
    f = Path(folder) / "portfolio.json"
    try:
        doc: dict[str, Any] = json.loads(f.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise DataFileError(
            f"{f}: not an outreach plan ({err}); write one with "
            "`accessgap plan REGION --budget-pkr B --out DIR`"
        ) from err
    if "channels" not in doc or "totals" not in doc:
        raise DataFileError(f"{f}: no channels or totals; is it a portfolio.json?")
    return doc


def costing_html(comp: Comparison) -> str:
    """Per scenario and channel: cost over the horizon, registrations, PKR per registration.

    Runs written before the portfolio costing (no ``costs.channels``) are listed as such.
    """
    e = html.escape
    parts = ["<h2>Every channel costed alike</h2>"]
    assumptions = [r.metrics.get("costs", {}).get("assumptions") for r in comp.runs]
    known = [a for a in assumptions if a]
    if known:
        a = known[0]
        parts.append(
            f'<p class="note">All costs and registrations come from one model, the outreach '
            f"portfolio's: <b>horizon {a['horizon_years']} years</b>, running costs "
            f"<b>discounted at {a['discount_rate']:.0%} a year</b> (annuity factor "
            f"{a['annuity_factor']:.3f}), <b>turnout</b>: {e(str(a['turnout']))}. "
            f"{e(str(a['registrations']))}. {e(str(a['costs']))}.</p>"
        )
    horizons = {(a["horizon_years"], a["discount_rate"]) for a in known}
    if len(horizons) > 1:
        parts.append(
            '<div class="label">The scenarios use different horizons or discount rates: '
            "their costs are not like-for-like.</div>"
        )
    rows = [
        "<table><tr><th>scenario</th><th>channel</th><th>options</th><th>cost over the "
        "horizon (PKR)</th><th>expected registrations</th><th>PKR per registration</th></tr>"
    ]
    for run, a in zip(comp.runs, assumptions, strict=True):
        channels = run.metrics.get("costs", {}).get("channels")
        if not a or not channels:
            rows.append(
                f"<tr><td>{e(run.name)}</td><td colspan=5>costed before the portfolio model: "
                "run the scenario again</td></tr>"
            )
            continue
        for ch in channels:
            if not ch["options"] and not ch["expected_registrations"]:
                continue
            rows.append(
                f"<tr><td>{e(run.name)}</td><td>{e(CHANNEL_LABELS.get(ch['channel'], ''))}</td>"
                f'<td class="num">{ch["options"]:,}</td>'
                f'<td class="num">{_num(ch["cost_horizon_pkr"])}</td>'
                f'<td class="num">{_num(ch["expected_registrations"])}</td>'
                f'<td class="num">{_num(ch["pkr_per_registration"])}</td></tr>'
            )
    rows.append("</table>")
    parts.append("".join(rows))
    return "\n".join(parts)


def plan_rows(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of the plan's table: one per channel of :data:`CHANNELS`, then the total."""
    out = []
    for ch in (*CHANNELS, "total"):
        d = doc["totals"] if ch == "total" else doc["channels"].get(ch)
        if d is None:
            continue
        out.append(
            {
                "channel": ch,
                "options_available": d.get("options_available"),
                "best_pkr_per_registration": d.get("best_pkr_per_registration"),
                "options_chosen": d["options_chosen"],
                "cost_horizon_pkr": d["cost_horizon_pkr"],
                "expected_registrations": d["expected_registrations"],
                "pkr_per_registration": d["pkr_per_registration"],
            }
        )
    return out


def portfolio_html(doc: dict[str, Any]) -> str:
    """The channels side by side and the plan for the budget in one table (``portfolio.json``)."""
    e = html.escape
    a = doc.get("assumptions", {})
    solver = doc.get("solver", {})
    budget = float(doc["budget_pkr"])
    parts = [
        f"<h2>The best mix for PKR {budget / 1e6:,.0f} million</h2>",
        '<p class="note">Every option of every channel priced and scored with the same model '
        f"(<code>accessgap plan</code>): horizon {doc.get('horizon_years')} years, running "
        f"costs discounted at {a.get('discount_rate', float('nan')):.0%} a year, the same "
        "turnout model, registrations of bottom-40% households never above capacity. "
        "<i>Available</i> and <i>best on its own</i> compare the channels side by side; the "
        "other columns are the plan: what each channel brings in it (each settlement served "
        "by one access channel at most; awareness acts on top).</p>",
        "<table><tr><th>channel</th><th>options available</th><th>best on its own (PKR per "
        "registration)</th><th>options chosen</th><th>cost over the horizon (PKR)</th>"
        "<th>expected registrations</th><th>PKR per registration</th></tr>",
    ]
    for r in plan_rows(doc):
        b = "<b>" if r["channel"] == "total" else ""
        bb = "</b>" if b else ""
        parts.append(
            f"<tr><td>{b}{e(CHANNEL_LABELS.get(r['channel'], r['channel']))}{bb}</td>"
            f'<td class="num">{_num(r["options_available"])}</td>'
            f'<td class="num">{_num(r["best_pkr_per_registration"])}</td>'
            f'<td class="num">{b}{_num(r["options_chosen"])}{bb}</td>'
            f'<td class="num">{b}{_num(r["cost_horizon_pkr"])}{bb}</td>'
            f'<td class="num">{b}{_num(r["expected_registrations"])}{bb}</td>'
            f'<td class="num">{b}{_num(r["pkr_per_registration"])}{bb}</td></tr>'
        )
    parts.append("</table>")
    gap = solver.get("gap")
    parts.append(
        f'<p class="note">Solver: {e(str(solver.get("method")))}, '
        + (
            "proven optimal"
            if solver.get("proven_optimal")
            else f"within {gap:.2%} of the best possible"
            if isinstance(gap, (int, float))
            else "gap unknown"
        )
        + ". Files: portfolio.json, channels.csv, options.csv, frontier.csv, map.html of the "
        "plan folder.</p>"
    )
    for n in doc.get("notes", []):
        parts.append(f'<p class="note">{e(str(n))}</p>')
    return "\n".join(parts)


# ---------------------------------------------------------------------------------------


def _num(v: Any) -> str:
    """A figure as the report prints it: thousands separated, no decimals; n/a when unknown."""
    if v is None:
        return "n/a"
    x = float(v)
    return f"{x:,.0f}" if np.isfinite(x) else "n/a"
