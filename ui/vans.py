"""Plan vans page: mobile registration van campaigns (``scenarios.vans.plan_vans``)."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geodata.errors import AccessGapError
from scenarios.vans import write_vans
from ui import data
from ui.context import LoadedRegion
from ui.errors import show_error
from ui.maps import vans_map

__all__ = ["itinerary_table", "leg_lines", "render"]

RESULT_KEY = "vans_result"
FILES_KEY = "vans_files"


def render(loaded: LoadedRegion) -> None:
    """Draw the Plan vans page."""
    st.header("Plan mobile registration vans")
    st.caption(
        "Halts are the settlements beyond the threshold of every centre, best gap score first; "
        "each halt serves the villages within walking distance. Vans start and end each day at "
        "an existing centre."
    )
    with st.form("vans_form"):
        c1, c2, c3, c4, c5 = st.columns(5)
        vans = c1.number_input("Vans", 1, 20, 3, key="vans_n")
        days = c2.number_input("Days", 1, 30, 10, key="vans_days")
        within = c3.select_slider(
            "Halts beyond (minutes)", options=[15, 30, 45, 60, 90, 120], value=60, key="vans_within"
        )
        mode = c4.selectbox("Van travels by", ("car", "motorbike"), key="vans_mode")
        limit = c5.number_input("Solver seconds", 1, 120, 10, key="vans_limit")
        submitted = st.form_submit_button("Plan vans", type="primary")
    if submitted:
        params = (
            ("days", int(days)),
            ("mode", mode),
            ("time_limit_s", float(limit)),
            ("vans", int(vans)),
            ("within_min", float(within)),
        )
        try:
            with st.spinner("Selecting halts, computing drive times and planning the campaign..."):
                plan = data.van_plan(loaded.path, loaded.fingerprint, params, loaded.region)
        except AccessGapError as err:
            st.session_state.pop(RESULT_KEY, None)
            show_error(err, what="The van plan could not be made")
            return
        st.session_state[RESULT_KEY] = (loaded.path, loaded.fingerprint, params)
        st.session_state.pop(FILES_KEY, None)
    saved = st.session_state.get(RESULT_KEY)
    if not saved or saved[:2] != (loaded.path, loaded.fingerprint):
        st.info("Choose the campaign and press **Plan vans**.")
        return
    plan = data.van_plan(loaded.path, loaded.fingerprint, saved[2], loaded.region)
    _show(loaded, plan)


def itinerary_table(plan: Any) -> pd.DataFrame:
    """One row per visit: van, day, order, halt, arrival, departure, dwell and drive minutes."""
    names = plan.locations["name"].tolist()
    rows = []
    for vd in plan.campaign.van_days:
        for i, v in enumerate(vd.visits, start=1):
            rows.append(
                {
                    "van": vd.van + 1,
                    "day": vd.day + 1,
                    "order": i,
                    "halt": names[v.halt],
                    "arrival": _hhmm(v.arrival_min),
                    "departure": _hhmm(v.departure_min),
                    "dwell_min": v.dwell_min,
                    "drive_min": v.drive_min,
                }
            )
    return pd.DataFrame(rows)


def leg_lines(plan: Any) -> gpd.GeoDataFrame:
    """Road legs of every van-day as lines tagged with van and day."""
    rows = []
    for vd in plan.campaign.van_days:
        stops = [vd.start_location, *(v.halt for v in vd.visits), vd.end_location]
        for a, b in zip(stops[:-1], stops[1:], strict=True):
            geom = plan.legs.get((a, b))
            if geom is not None:
                rows.append({"van": vd.van + 1, "day": vd.day + 1, "geometry": geom})
    if not rows:
        return gpd.GeoDataFrame({"van": [], "day": []}, geometry=[], crs="EPSG:4326")
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def _show(loaded: LoadedRegion, plan: Any) -> None:
    s = plan.summary()
    m1, m2, m3, m4, m5 = st.columns(5)
    m1.metric("Halts visited", f"{s['halts_visited']} of {s['halts_selected']}")
    m2.metric("Households reached", f"{s['households_reached']:,.0f}")
    m3.metric("Expected registrations", f"{s['expected_registrations']:,.0f}")
    m4.metric("Van-days used", f"{s['van_days_used']}")
    m5.metric("Driving hours", f"{s['total_drive_min'] / 60:,.1f}")
    for note in s.get("notes", []):
        st.info(note)
    if s.get("dropped_reasons"):
        st.caption(
            "Not visited: "
            + "; ".join(f"{n} x {reason}" for reason, n in s["dropped_reasons"].items())
        )
    fmap = vans_map(
        plan.halts,
        legs=leg_lines(plan),
        centres=loaded.region.centres,
        settlements=loaded.region.settlements,
    )
    st_folium(fmap, key="vans_map", height=520, use_container_width=True, returned_objects=[])
    st.subheader("Itinerary")
    st.dataframe(itinerary_table(plan), hide_index=True)
    with st.expander("All selected halts"):
        st.dataframe(pd.DataFrame(plan.halts.drop(columns="geometry")), hide_index=True)
    if st.button("Prepare itinerary files (CSV, XLSX, GPX, HTML, PDF)", key="vans_export"):
        with st.spinner("Writing itinerary files..."):
            st.session_state[FILES_KEY] = _export_zip(plan)
    if FILES_KEY in st.session_state:
        st.download_button(
            "Download itinerary files (zip)",
            st.session_state[FILES_KEY],
            "van_itinerary.zip",
            "application/zip",
            key="dl_vans_zip",
        )


def _export_zip(plan: Any) -> bytes:
    """``write_vans`` into a scratch folder, zipped in memory."""
    with tempfile.TemporaryDirectory(prefix="accessgap-vans-") as tmp:
        out = Path(tmp) / "vans"
        write_vans(plan, out)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in sorted(out.rglob("*")):
                if f.is_file():
                    zf.write(f, f.relative_to(out).as_posix())
        return buf.getvalue()


def _hhmm(minute: int) -> str:
    return f"{int(minute) // 60:02d}:{int(minute) % 60:02d}"
