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
from ui.maps import ExploreLayers, explore_map

__all__ = ["render"]

ALL = "(all)"


def render(loaded: LoadedRegion) -> None:
    """Draw the Explore page."""
    region = loaded.region
    st.header("Explore access")
    with st.spinner("Computing travel times and gaps for every mode..."):
        gaps = data.gap_result(loaded.path, loaded.fingerprint, region)
    for note in gaps.notes:
        (st.warning if "SYNTHETIC" in note else st.info)(note)

    s = gaps.settlements
    c1, c2, c3, c4 = st.columns(4)
    mode = c1.selectbox("Travel mode", MODES, index=1, key="explore_mode")
    colour_by = c2.selectbox(
        "Colour settlements by",
        ("travel", "gap"),
        format_func=lambda v: {"travel": "travel time", "gap": "gap score"}[v],
        key="explore_colour",
    )
    tehsils = [ALL, *sorted(s["tehsil"].dropna().astype(str).unique())]
    tehsil = c3.selectbox("Tehsil", tehsils, key="explore_tehsil")
    in_tehsil = settlements_in(s, tehsil=_chosen(tehsil))
    ucs = [ALL, *sorted(in_tehsil["union_council"].dropna().astype(str).unique())]
    uc = c4.selectbox("Union council", ucs, key="explore_uc")
    view = settlements_in(in_tehsil, union_council=_chosen(uc))
    o1, o2 = st.columns(2)
    layers = ExploreLayers(
        mode=mode,
        colour_by=colour_by,
        show_isochrones=o1.toggle(
            "Show travel-time bands of existing centres (30/60/120 min)",
            value=False,
            key="explore_iso",
            help="Computed once per region and mode, then cached.",
        ),
        all_roads=o2.toggle("Show minor roads and tracks", value=False, key="explore_roads"),
    )

    _headline(area_figures(gaps, tehsil=_chosen(tehsil), union_council=_chosen(uc)), mode=mode)

    roads = data.major_roads(
        loaded.path,
        loaded.fingerprint,
        data.ALL_ROADS if layers.all_roads else data.MAJOR_ROADS,
        region,
    )
    iso = None
    if layers.show_isochrones:
        with st.spinner(f"Computing travel-time bands ({mode})..."):
            iso = data.isochrone_bands(loaded.path, loaded.fingerprint, mode, (30, 60, 120), region)
    units = unit_geometries(region, "union_council", gaps.units["union_council"])
    if units is not None and uc != ALL:
        units = units[units["union_council"].astype(str) == uc]
    elif units is not None and tehsil != ALL:
        units = units[units["tehsil"].astype(str) == tehsil]

    worst = worst_gaps(view, mode)
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
        height=560,
        use_container_width=True,
        returned_objects=[],
        center=None if picked is None else (float(picked["lat"]), float(picked["lon"])),
        zoom=None if picked is None else 13,
    )
    st.caption(
        "Map layers can be switched on and off at the top right. No background map is needed; "
        "the OpenStreetMap background (off by default) needs internet."
    )

    st.subheader(f"Worst gaps ({'all' if uc == ALL and tehsil == ALL else 'selection'})")
    st.caption("Ranked by gap score. Choose a row to zoom the map to that settlement.")
    st.dataframe(
        worst.drop(columns=["lat", "lon"]),
        hide_index=True,
        key=table_key,
        on_select="rerun",
        selection_mode="single-row",
        column_config={
            "coverage_%": st.column_config.NumberColumn(format="%.1f"),
            "minutes": st.column_config.NumberColumn(format="%.0f"),
            "gap_score": st.column_config.NumberColumn(format="%.0f"),
            "unregistered_poor": st.column_config.NumberColumn(format="%.0f"),
        },
    )
    render_barriers(
        gaps,
        view,
        tehsil=_chosen(tehsil),
        awareness=lambda: data.awareness_result(loaded.path, loaded.fingerprint, region),
    )
    with st.expander("Aggregates by union council"):
        st.dataframe(gaps.units["union_council"], hide_index=True)
    with st.expander("Aggregates by tehsil"):
        st.dataframe(gaps.units["tehsil"], hide_index=True)


def _chosen(choice: str) -> str | None:
    """A selectbox choice, ``None`` for "(all)"."""
    return None if choice == ALL else choice


def _headline(r: pd.Series, *, mode: str) -> None:
    m1, m2, m3, m4, m5 = st.columns(5)
    m1.metric("Households", f"{r.get('households', float('nan')):,.0f}")
    cov = r.get("coverage_share", float("nan"))
    m2.metric("On the registry", "unknown" if not np.isfinite(cov) else f"{100 * cov:.1f}%")
    unp = r.get("unregistered_poor_households", float("nan"))
    m3.metric("Unregistered poor households", "unknown" if not np.isfinite(unp) else f"{unp:,.0f}")
    med = r.get(f"median_min_{mode}", float("nan"))
    m4.metric(f"Median minutes ({mode})", "-" if not np.isfinite(med) else f"{med:.0f}")
    share = r.get(f"share_within_60_min_{mode}", float("nan"))
    m5.metric("Households within 60 min", "-" if not np.isfinite(share) else f"{100 * share:.0f}%")


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
