"""The channel portfolio and its frontier (``accessgap plan``), as saved on the server.

A portfolio folder holds ``portfolio.json``, ``channels.csv`` and ``frontier.csv``
(:func:`scenarios.portfolio.write_portfolio`); folders are found under the output folder
(``out/`` or ``$ACCESSGAP_OUT``), e.g. ``out/demo/portfolio``. Shown: the plan's totals,
what each channel (new centres, desks, vans, door-to-door sweeps, awareness) gets and
brings, and the frontier: expected registrations for each budget.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from scenarios.report_costing import CHANNEL_LABELS
from ui.formatting import count_text

__all__ = ["find_portfolios", "frontier_chart_table", "render_portfolio"]


def find_portfolios(root: Path, *, max_depth: int = 3) -> dict[str, Path]:
    """Portfolio folders under ``root`` (``portfolio.json`` and ``frontier.csv``), by path.

    Folders with a part starting with a dot (unfinished writes) are skipped.
    """
    if not root.is_dir():
        return {}
    found: dict[str, Path] = {}
    for depth in range(1, max_depth + 1):
        for doc in sorted(root.glob("/".join(["*"] * depth) + "/portfolio.json")):
            folder = doc.parent
            rel = folder.relative_to(root)
            if any(p.startswith(".") for p in rel.parts):
                continue
            if (folder / "frontier.csv").is_file():
                found[str(rel)] = folder
    return dict(sorted(found.items()))


def frontier_chart_table(frontier: pd.DataFrame) -> pd.DataFrame:
    """Budget (million PKR) -> expected registrations, for the frontier chart.

    Examples
    --------
    >>> f = pd.DataFrame({"budget_pkr": [1e7, 2e7], "expected_registrations": [2285.6, 3107.3]})
    >>> frontier_chart_table(f).to_dict("list")
    {'Budget (million PKR)': [10.0, 20.0], 'Expected registrations': [2285.6, 3107.3]}
    """
    return pd.DataFrame(
        {
            "Budget (million PKR)": frontier["budget_pkr"].astype(float) / 1e6,
            "Expected registrations": frontier["expected_registrations"].astype(float),
        }
    )


def render_portfolio(root: Path) -> None:
    """Draw the portfolio section when a saved portfolio is found under ``root``."""
    found = find_portfolios(root)
    if not found:
        return
    st.markdown("**The best mix of channels for a budget** (portfolio)")
    key = st.selectbox("Saved portfolio", list(found), key="portfolio_pick")
    folder = found[str(key)]
    try:
        doc: dict[str, Any] = json.loads((folder / "portfolio.json").read_text(encoding="utf-8"))
        frontier = pd.read_csv(folder / "frontier.csv")
    except (OSError, ValueError) as err:
        st.info(f"The saved portfolio '{key}' cannot be read ({type(err).__name__}).")
        return
    totals = doc.get("totals", {})
    years = doc.get("horizon_years", "")
    m1, m2, m3 = st.columns(3)
    m1.metric("Budget", f"PKR {count_text(float(doc.get('budget_pkr') or float('nan')))}")
    m2.metric(
        "Expected new registrations",
        count_text(float(totals.get("expected_registrations", float("nan")))),
        help=f"Over {years} years.",
    )
    m3.metric(
        "Cost per registration",
        f"PKR {count_text(float(totals.get('pkr_per_registration', float('nan'))))}",
    )
    st.dataframe(_channels(doc), hide_index=True)
    if len(frontier):
        st.markdown("**Frontier**: what each budget buys (best mix at each budget)")
        st.line_chart(
            frontier_chart_table(frontier),
            x="Budget (million PKR)",
            y="Expected registrations",
            height=260,
        )
    for note in doc.get("notes", []):
        st.info(str(note))


def _channels(doc: dict[str, Any]) -> pd.DataFrame:
    rows = []
    for name, ch in doc.get("channels", {}).items():
        rows.append(
            {
                "Channel": CHANNEL_LABELS.get(name, name),
                "Options chosen": f"{ch.get('options_chosen', 0)} of "
                f"{ch.get('options_available', 0)}",
                "Cost over the horizon (PKR)": count_text(float(ch.get("cost_horizon_pkr", 0.0))),
                "Expected registrations": count_text(float(ch.get("expected_registrations", 0.0))),
                "PKR per registration": count_text(
                    float(ch.get("pkr_per_registration") or float("nan"))
                ),
            }
        )
    return pd.DataFrame(rows)
