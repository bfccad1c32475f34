"""Explore page section: who is excluded and why (issue #17).

Shows what :func:`access.barriers.barrier_analysis` found: capacity-limited coverage in three
parts, the cost of registering for an adult man and for a woman with small children, the
awareness priority list and the centres' queues. No analysis here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from access.barriers import SPLIT_COLUMNS
from access.gap_views import burden_by_band
from geodata.errors import AccessGapError
from ui.formatting import people_table

__all__ = [
    "AWARENESS_HEADERS",
    "BURDEN_HEADERS",
    "CENTRE_HEADERS",
    "burden_chart",
    "render_barriers",
]

_SPLIT_LABELS = {
    "served_households": "served",
    "unserved_capacity_households": "unserved: centre full",
    "unserved_distance_households": "unserved: beyond reach",
}


def render_barriers(
    gaps: Any, view: pd.DataFrame, *, tehsil: str | None, awareness: Callable[[], Any]
) -> None:
    """Draw the section for the settlements in ``view``.

    The chart shows a tehsil's union councils when a tehsil is chosen, else all tehsils.
    ``awareness`` returns the distance-vs-awareness result; it is called (a model fit) only
    when the user asks for the list.
    """
    b = gaps.barriers
    if b is None:
        return
    st.subheader("Who is excluded and why")
    for note in b.notes:
        st.info(note)
    cap = b.settings.capacity
    split = {k: float(view[k].sum()) for k in SPLIT_COLUMNS}
    total = sum(split.values())
    cols = st.columns(3)
    for col, (key, value) in zip(cols, split.items(), strict=True):
        share = f"{100 * value / total:.0f}% of {b.demand}" if total else "-"
        col.metric(
            _SPLIT_LABELS[key].capitalize(),
            f"{value:,.0f}",
            share,
            delta_color="off",
            delta_arrow="off",  # a share, not a change: no arrow
        )
    level = "union_council" if tehsil else "tehsil"
    units = gaps.units[level]
    if tehsil:
        units = units[units["tehsil"].astype(str) == tehsil]
    chart = units.set_index(level)[list(SPLIT_COLUMNS)].rename(columns=_SPLIT_LABELS)
    st.bar_chart(chart, horizontal=True, color=["#27ae60", "#f39c12", "#c0392b"], height=320)
    st.caption(
        f"Within {cap.reach_min:g} min of the nearest centre and within its capacity "
        f"(desks x {cap.registrations_per_desk_day:g} registrations a day over "
        f"{cap.horizon_days:g} working days, nearest households first), as AccessMod reports "
        "coverage. docs/gaps.md"
    )

    st.markdown("**What registering costs, by who travels** (mean per household, all visits)")
    table = burden_by_band(view, gaps.settings.burden_mode)
    if len(table):
        st.altair_chart(burden_chart(table), use_container_width=True)
        st.dataframe(
            people_table(
                table,
                BURDEN_HEADERS,
                counts=("households", "man_pkr", "woman_pkr"),
            ).assign(
                **{
                    "Adult man: hours": table["man_h"].round(1).to_numpy(),
                    "Woman with children: hours": table["woman_h"].round(1).to_numpy(),
                    "Visits": table["visits"].round(1).to_numpy(),
                }
            ),
            hide_index=True,
        )

    st.markdown("**Awareness priority: near a centre, still under-registered**")
    if st.toggle("Show the awareness priority list (fits the distance model)", key="aware"):
        try:
            with st.spinner("Fitting the distance-vs-awareness model..."):
                a = awareness()
        except AccessGapError as exc:
            st.info(f"The awareness list cannot be computed: {exc}")
            a = None
        if a is None:
            st.caption("Needs known registry coverage.")
        else:
            _awareness_table(a)
    with st.expander("Centres: desks, demand and waiting"):
        st.dataframe(
            people_table(
                b.centres,
                CENTRE_HEADERS,
                shares=("utilisation",),
                durations=("wait_min",),
                counts=("demand_visits", "served_visits", "visits_per_day", "capacity_per_day"),
            ),
            hide_index=True,
        )


def _awareness_table(a: Any) -> None:
    st.caption(
        f"Union councils within {a.settings.near_min:g} min (median) of a centre with more "
        "unregistered poor households than distance predicts: a campaign, not a new centre. "
        f"Standing out: {', '.join(a.stand_out) or 'none'}."
    )
    level = str(a.settings.level)
    heads = {level: level.replace("_", " ").capitalize(), **AWARENESS_HEADERS}
    table = people_table(
        a.priority(),
        heads,
        durations=("median_min",),
        counts=(
            "observed_unregistered_poor",
            "expected_unregistered_poor",
            "residual_unregistered_poor",
        ),
    )
    st.dataframe(table, hide_index=True)


def burden_chart(table: pd.DataFrame) -> alt.Chart:
    """Bars of the mean cost per household by trip band, the bands in their own order.

    (``st.bar_chart`` sorts the bands as text: 0-30, 120-240, 30-60, ...)
    """
    who = {"man_pkr": "adult man", "woman_pkr": "woman with children + companion"}
    order = [str(b) for b in table["band"]]
    long = table.melt(id_vars="band", value_vars=list(who), var_name="who", value_name="PKR")
    long["who"] = long["who"].map(who)
    chart: alt.Chart = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("band:N", sort=order, title="Trip to the centre", axis=alt.Axis(labelAngle=0)),
            xOffset=alt.XOffset("who:N", sort=list(who.values())),
            y=alt.Y("PKR:Q", title="PKR per household", axis=alt.Axis(format=",.0f")),
            color=alt.Color(
                "who:N",
                sort=list(who.values()),
                scale=alt.Scale(range=["#2e86c1", "#8e44ad"]),
                legend=alt.Legend(orient="bottom", title=None, labelLimit=0),
            ),
            tooltip=["band", "who", alt.Tooltip("PKR:Q", format=",.0f")],
        )
        .properties(height=300)
    )
    return chart


#: Headers of the burden table (units in each).
BURDEN_HEADERS: dict[str, str] = {
    "band": "Trip to the centre",
    "households": "Households",
    "man_pkr": "Adult man: cost (PKR)",
    "woman_pkr": "Woman with children + companion: cost (PKR)",
}
#: Headers of the centres table.
CENTRE_HEADERS: dict[str, str] = {
    "centre_id": "Centre id",
    "name": "Centre",
    "desks": "Desks",
    "demand_visits": "Visits asked for",
    "served_visits": "Visits served",
    "visits_per_day": "Visits a day",
    "capacity_per_day": "Capacity a day",
    "utilisation": "Busy (% of capacity)",
    "wait_min": "Wait",
    "saturated": "Full",
}
#: Headers of the awareness priority list.
AWARENESS_HEADERS: dict[str, str] = {
    "median_min": "Median trip",
    "observed_unregistered_poor": "Unregistered poor households",
    "expected_unregistered_poor": "Expected from distance",
    "residual_unregistered_poor": "More than distance explains",
    "awareness_z": "How unusual (z)",
    "stands_out": "Stands out",
}
