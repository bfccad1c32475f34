"""The files of an outreach plan: ``portfolio.json``, ``options.csv``, ``frontier.csv``, a map.

Written atomically (:func:`geodata.files.write_folder_atomically`): a failed run leaves the
previous folder whole.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

import folium
import numpy as np
import pandas as pd

from geodata.export import write_csv, write_json
from geodata.files import write_folder_atomically
from geodata.privacy import PrivacySettings
from geodata.webmap import offline_map
from scenarios.portfolio.plan import PortfolioPlan

__all__ = ["CHANNEL_COLOURS", "options_table", "portfolio_map", "write_portfolio"]

#: Map colour of each channel.
CHANNEL_COLOURS: dict[str, str] = {
    "centre": "#1b9e77",
    "desks": "#7570b3",
    "van": "#d95f02",
    "review": "#e6ab02",
    "sweep": "#e7298a",
    "awareness": "#66a61e",
}
_BLANKED = ("expected_registrations", "registrations_in_plan", "pkr_per_registration")


def write_portfolio(
    plan: PortfolioPlan,
    out_dir: str | os.PathLike[str],
    *,
    privacy: PrivacySettings | None = None,
) -> dict[str, Path]:
    """Write the plan's files into ``out_dir`` (replaced only when every file is written).

    Files: ``portfolio.json`` (per channel: options chosen, cost over the horizon, expected
    registrations, PKR per registration; totals; solver gap; assumptions), ``channels.csv``
    (the same per channel, with each channel's best option on its own), ``options.csv``
    (every option, chosen or not), ``frontier.csv`` and ``map.html`` (chosen options).

    Returns
    -------
    dict
        Name -> path of each file written.
    """
    options = options_table(plan, privacy=privacy)

    def write(tmp: Path) -> None:
        write_json(plan.to_dict(), tmp / "portfolio.json")
        write_csv(plan.channels.round(2), tmp / "channels.csv")
        write_csv(options, tmp / "options.csv")
        write_csv(plan.frontier.round(4), tmp / "frontier.csv")
        portfolio_map(options).save(str(tmp / "map.html"))

    write_folder_atomically(out_dir, write, kind="portfolio")
    names = ("portfolio.json", "channels.csv", "options.csv", "frontier.csv", "map.html")
    return {n: Path(out_dir) / n for n in names}


def options_table(plan: PortfolioPlan, *, privacy: PrivacySettings | None = None) -> pd.DataFrame:
    """Every option as it may be exported: chosen first, then by PKR per registration.

    Registration figures of an option serving fewer households than
    ``privacy.min_group_households`` are blanked (``suppressed``).
    """
    priv = privacy or PrivacySettings()
    t = plan.options.copy()
    small = t["households_served"].to_numpy(float) < priv.min_group_households
    for col in _BLANKED:
        t[col] = t[col].astype(float).where(~small, np.nan)
    t["suppressed"] = small
    t = t.sort_values(["chosen", "pkr_per_registration"], ascending=[False, True], kind="stable")
    money = [c for c in t.columns if c.endswith("_pkr") or c == "pkr_per_registration"]
    t[money] = t[money].round(0)
    for col in ("expected_registrations", "registrations_in_plan", "capacity"):
        t[col] = t[col].round(2)
    return t.reset_index(drop=True)


def portfolio_map(options: pd.DataFrame) -> folium.Map:
    """The chosen options on a map that draws offline (:func:`geodata.webmap.offline_map`)."""
    pick = options[options["chosen"] & options["lon"].notna()]
    allpts = options[options["lon"].notna()]
    centre = (
        [float(allpts["lat"].mean()), float(allpts["lon"].mean())] if len(allpts) else [30.0, 70.0]
    )
    m = offline_map(centre, 9)
    for ch, colour in CHANNEL_COLOURS.items():
        layer = folium.FeatureGroup(name=ch)
        for row in pick[pick["channel"] == ch].to_dict("records"):
            reg = float(row["registrations_in_plan"])
            text = (
                f"{html.escape(str(row['label']))}<br>cost over horizon PKR "
                f"{float(row['cost_horizon_pkr']):,.0f}<br>"
                + (f"expected registrations {reg:,.0f}" if np.isfinite(reg) else "suppressed")
            )
            folium.CircleMarker(
                [float(row["lat"]), float(row["lon"])],
                radius=4 + 2 * float(np.log10(1.0 + max(float(np.nan_to_num(reg)), 0.0))),
                color=colour,
                fill=True,
                fill_opacity=0.7,
                popup=folium.Popup(text, max_width=300),
            ).add_to(layer)
        layer.add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    if len(allpts):
        m.fit_bounds(
            [
                [float(allpts["lat"].min()), float(allpts["lon"].min())],
                [float(allpts["lat"].max()), float(allpts["lon"].max())],
            ]
        )
    return m
