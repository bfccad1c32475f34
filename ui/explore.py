"""Explore page: travel times, coverage and the worst gaps on one map."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from access.gap_views import area_figures, settlements_in, worst_gaps
from access.speeds import MODES
from geodata.units import unit_geometries
from ui import data
from ui.barriers import render_barriers
from ui.context import LoadedRegion
from ui.formatting import (
    GAP_SCORE_HELP,
    MODE_LABELS,
    duration_text,
    mode_label,
    pct_text,
    people_table,
)
from ui.maps import MAP_HEIGHT_PX, ExploreLayers, explore_map

__all__ = ["UNIT_HEADERS", "WORST_HEADERS", "render", "units_table", "worst_table"]

ALL = "(all)"


def render(loaded: LoadedRegion) -> None:
    """Draw the Explore page: the controls in one row, the map, then the figures and tables."""
    region = loaded.region
    st.subheader("Explore access")
    with st.spinner("Computing travel times and gaps for every mode..."):
        gaps = data.gap_result(loaded.path, loaded.fingerprint, region)
    s = gaps.settlements
    c1, c2, c3, c4, c5 = st.columns([1.2, 1, 1, 1, 1.3])
    mode = c1.selectbox("Travel mode", MODES, index=1, key="explore_mode", format_func=_mode_choice)
    colour_by = c2.selectbox(
        "Colour settlements by",
        ("travel", "gap"),
        format_func=lambda v: {"travel": "travel time", "gap": "gap score"}[v],
        key="explore_colour",
        help=GAP_SCORE_HELP,
    )
    tehsils = [ALL, *sorted(s["tehsil"].dropna().astype(str).unique())]
    tehsil = c3.selectbox("Tehsil", tehsils, key="explore_tehsil")
    in_tehsil = settlements_in(s, tehsil=_chosen(tehsil))
    ucs = [ALL, *sorted(in_tehsil["union_council"].dropna().astype(str).unique())]
    uc = c4.selectbox("Union council", ucs, key="explore_uc")
    view = settlements_in(in_tehsil, union_council=_chosen(uc))
    layers = ExploreLayers(
        mode=mode,
        colour_by=colour_by,
        show_isochrones=c5.toggle(
            "Travel-time bands (30/60/120 min)",
            value=False,
            key="explore_iso",
            help="The areas within 30, 60 and 120 minutes of an existing centre. Computed "
            "once per region and mode, then cached.",
        ),
        all_roads=c5.toggle("Minor roads and tracks", value=False, key="explore_roads"),
    )
    for note in gaps.notes:
        if "SYNTHETIC" not in note:  # the one synthetic banner is the app's
            st.info(note)

    roads = data.major_roads(
        loaded.path,
        loaded.fingerprint,
        data.ALL_ROADS if layers.all_roads else data.MAJOR_ROADS,
        region,
    )
    iso = None
    if layers.show_isochrones:
        with st.spinner(f"Computing travel-time bands ({mode_label(mode)})..."):
            iso = data.isochrone_bands(loaded.path, loaded.fingerprint, mode, (30, 60, 120), region)
    units = unit_geometries(region, "union_council", gaps.units["union_council"])
    if units is not None and uc != ALL:
        units = units[units["union_council"].astype(str) == uc]
    elif units is not None and tehsil != ALL:
        units = units[units["tehsil"].astype(str) == tehsil]

    worst = worst_gaps(view, mode, settings=gaps.settings)
    table_key = f"worst_gaps_{tehsil}_{uc}_{mode}"
    picked = _picked_row(worst, table_key)
    fmap = explore_map(
        view,
        layers=layers,
        centres=region.centres,
        units=units,
        roads=roads,
        isochrones=iso,
        highlight=picked,
    )
    st_folium(
        fmap,
        key=f"explore_map_{tehsil}_{uc}",
        height=MAP_HEIGHT_PX,
        use_container_width=True,
        returned_objects=[],
        center=None if picked is None else (float(picked["lat"]), float(picked["lon"])),
        zoom=None if picked is None else 13,
    )
    st.caption(
        "Switch layers on and off with the layers button at the top right; the legend folds "
        "away with its button. No background map is needed; the OpenStreetMap background "
        "(off by default) needs internet."
    )
    _headline(area_figures(gaps, tehsil=_chosen(tehsil), union_council=_chosen(uc)), mode=mode)

    st.subheader(f"Worst gaps ({'all' if uc == ALL and tehsil == ALL else 'selection'})")
    st.caption(
        "Settlements ranked by the part of their gap score that distance causes (what the "
        "trip costs beyond what a household next door to the centre pays), so a town at its "
        f"centre's door is never among them. {GAP_SCORE_HELP} Choose a row to zoom the map to "
        "that settlement."
    )
    st.dataframe(
        worst_table(worst, mode=mode),
        hide_index=True,
        key=table_key,
        on_select="rerun",
        selection_mode="single-row",
        column_config=WORST_COLUMNS,
    )
    render_barriers(
        gaps,
        view,
        tehsil=_chosen(tehsil),
        awareness=lambda: data.awareness_result(loaded.path, loaded.fingerprint, region),
    )
    with st.expander("Figures by union council"):
        st.dataframe(units_table(gaps.units["union_council"], "union_council"), hide_index=True)
    with st.expander("Figures by tehsil"):
        st.dataframe(units_table(gaps.units["tehsil"], "tehsil"), hide_index=True)
    _summary_download(loaded)


def worst_table(worst: pd.DataFrame, *, mode: str) -> pd.DataFrame:
    """The worst-gaps table: readable headers with units, long trips in hours, whole households."""
    table = worst.drop(columns=["lat", "lon"]).rename(columns=WORST_HEADERS)
    trip = f"Trip {mode_label(mode)}"
    table[trip] = [duration_text(v) for v in worst["minutes"].to_numpy(float)]
    # expected counts are fractional: whole households for people
    poor = WORST_HEADERS["unregistered_poor"]
    table[poor] = worst["unregistered_poor"].to_numpy(float).round()
    cols = [WORST_HEADERS.get(c, c) for c in worst.columns if c not in ("lat", "lon")]
    return table[[trip if c == WORST_HEADERS["minutes"] else c for c in cols]]


def units_table(units: pd.DataFrame, level: str) -> pd.DataFrame:
    """An aggregate table (union councils or tehsils) with readable headers and units."""
    heads = {level: level.replace("_", " ").capitalize(), **UNIT_HEADERS}
    table = people_table(
        units,
        heads,
        shares=tuple(c for c in UNIT_HEADERS if c.startswith(("share_", "coverage_"))),
        durations=tuple(c for c in UNIT_HEADERS if c.startswith("median_min_")),
        counts=tuple(c for c in UNIT_HEADERS if c.endswith("households") or c == "gap_score"),
    )
    return table


#: Headers of the worst-gaps table (units in each).
WORST_HEADERS: dict[str, str] = {
    "rank": "Rank",
    "settlement": "Settlement",
    "union_council": "Union council",
    "tehsil": "Tehsil",
    "households": "Households",
    "coverage_%": "On the registry (%)",
    "unregistered_poor": "Unregistered poor households",
    "minutes": "Trip",
    "travel_gap": "Gap due to distance (PKR 000)",
    "gap_score": "Gap score (PKR 000)",
}
WORST_COLUMNS = {
    "Households": st.column_config.NumberColumn(format="localized"),
    "On the registry (%)": st.column_config.NumberColumn(format="%.1f%%"),
    "Unregistered poor households": st.column_config.NumberColumn(format="localized"),
    "Gap due to distance (PKR 000)": st.column_config.NumberColumn(
        format="localized", help="Travel part of the gap score, in thousands of rupees."
    ),
    "Gap score (PKR 000)": st.column_config.NumberColumn(format="localized", help=GAP_SCORE_HELP),
}
#: Headers of the aggregate tables (by union council, by tehsil).
UNIT_HEADERS: dict[str, str] = {
    "tehsil": "Tehsil",
    "settlements": "Settlements",
    "households": "Households",
    "coverage_share": "On the registry (%)",
    "unregistered_poor_households": "Unregistered poor households",
    **{f"median_min_{m}": f"Median trip {MODE_LABELS[m]}" for m in MODES},
    **{f"share_within_60_min_{m}": f"Households within 60 min {MODE_LABELS[m]} (%)" for m in MODES},
    "gap_score": "Gap score (PKR 000)",
}


def _summary_download(loaded: LoadedRegion) -> None:
    """The region's printable summary (one A4 page) behind a button: it takes seconds."""
    st.markdown("**Printable summary of the region**")
    key = f"explore_summary_{loaded.fingerprint}"
    if st.button("Prepare the printable summary", key="explore_summary"):
        with st.status("Writing the summary...", expanded=False) as status:
            status.write("Headline figures, the worst union councils and the map, then the PDF")
            page = data.region_summary_page(loaded.path, loaded.fingerprint, loaded.region)
            status.update(label="Summary ready", state="complete")
        st.session_state[key] = (page.html.encode("utf-8"), page.pdf)
    files = st.session_state.get(key)
    if not files:
        st.caption("One A4 page for a meeting: headline figures, the worst union councils, a map.")
        return
    page_html, pdf = files
    if pdf:
        st.download_button(
            "Printable summary of the region (PDF)",
            pdf,
            "region_summary.pdf",
            "application/pdf",
            key="dl_summary_pdf",
        )
    else:
        st.caption("No PDF on this server (no Chromium): print the HTML page from the browser.")
    st.download_button(
        "Summary of the region (HTML)",
        page_html,
        "region_summary.html",
        "text/html",
        key="dl_summary_html",
    )


def _chosen(choice: str) -> str | None:
    """A selectbox choice, ``None`` for "(all)"."""
    return None if choice == ALL else choice


def _headline(r: pd.Series, *, mode: str) -> None:
    m1, m2, m3, m4, m5 = st.columns(5)
    m1.metric("Households", f"{r.get('households', float('nan')):,.0f}")
    cov = r.get("coverage_share", float("nan"))
    m2.metric("On the registry", "unknown" if not np.isfinite(cov) else pct_text(cov))
    unp = r.get("unregistered_poor_households", float("nan"))
    m3.metric("Unregistered poor households", "unknown" if not np.isfinite(unp) else f"{unp:,.0f}")
    med = r.get(f"median_min_{mode}", float("nan"))
    m4.metric(
        f"Median trip ({_mode_choice(mode)})",
        duration_text(med),
        help="Half the households live closer to their nearest centre than this.",
    )
    share = r.get(f"share_within_60_min_{mode}", float("nan"))
    m5.metric(f"Within 60 min ({_mode_choice(mode)})", pct_text(share), help="Share of households.")


def _picked_row(worst: pd.DataFrame, key: str) -> pd.Series | None:
    state = st.session_state.get(key)
    rows = []
    if state is not None:
        sel = state.get("selection", {}) if isinstance(state, dict) else state.selection
        rows = list(sel.get("rows", []) if isinstance(sel, dict) else sel.rows)
    if not rows or rows[0] >= len(worst):
        return None
    row = worst.iloc[int(rows[0])]
    return pd.Series({"lat": row["lat"], "lon": row["lon"], "name": row["settlement"]})


def _mode_choice(mode: str) -> str:
    return {"walk": "on foot", "motorbike": "motorbike", "car": "car"}[mode]
