"""Plan vans page: mobile registration van campaigns (``scenarios.routing.plan_vans``)."""

from __future__ import annotations

import io
import tempfile
import zipfile
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geodata.errors import AccessGapError
from scenarios.routing import (
    APP_TIME_LIMIT_S,
    VAN_DEFAULTS,
    VanOptions,
    leg_lines,
    visit_table,
    write_vans,
)
from scenarios.routing.options import next_monday
from ui import data
from ui.context import LoadedRegion
from ui.errors import show_error
from ui.maps import vans_map

if TYPE_CHECKING:
    from scenarios.routing import VanPlan

__all__ = ["MODES", "WITHIN_CHOICES", "render"]

RESULT_KEY = "vans_result"
FILES_KEY = "vans_files"

#: Thresholds offered for "halts beyond" (minutes); the default is ``VAN_DEFAULTS.within_min``.
WITHIN_CHOICES = (15, 30, 45, 60, 90, 120)
#: Modes a van can travel by; the default is ``VAN_DEFAULTS.mode``.
MODES = ("car", "motorbike")


def render(loaded: LoadedRegion) -> None:
    """Draw the Plan vans page."""
    st.header("Plan mobile registration vans")
    st.caption(
        "Halts are the settlements beyond the threshold of every centre, best gap score first; "
        "each halt serves the villages within walking distance. Vans start and end each day at "
        "an existing centre, or stay overnight at a remote halt; at most "
        f"{VAN_DEFAULTS.max_drive_min_per_day} minutes' driving a day, and at least as long on "
        "site as on the road. Monday to Saturday, with the Friday prayer break."
    )
    d = VAN_DEFAULTS
    with st.form("vans_form"):
        c1, c2, c3, c4, c5 = st.columns(5)
        vans = c1.number_input("Vans", 1, 20, d.vans, key="vans_n")
        days = c2.number_input("Days", 1, 30, d.days, key="vans_days")
        within = c3.select_slider(
            "Halts beyond (minutes)",
            options=WITHIN_CHOICES,
            value=int(d.within_min),
            key="vans_within",
        )
        mode = c4.selectbox("Van travels by", MODES, index=MODES.index(d.mode), key="vans_mode")
        limit = c5.number_input("Solver seconds", 1, 120, int(APP_TIME_LIMIT_S), key="vans_limit")
        c6, c7, _ = st.columns(3)
        start = c6.date_input("First day", next_monday(), key="vans_start")
        women = c7.slider(
            "Women-only session (share of desk time)",
            0.0,
            0.9,
            d.women_share,
            0.05,
            key="vans_women",
        )
        submitted = st.form_submit_button("Plan vans", type="primary")
    if submitted:
        options = VanOptions(
            vans=int(vans),
            days=int(days),
            within_min=float(within),
            mode=str(mode),
            time_limit_s=float(limit),
            start_date=start if isinstance(start, date) else None,
            women_share=float(women),
        )
        try:
            with st.spinner("Selecting halts, computing drive times and planning the campaign..."):
                data.van_plan(loaded.path, loaded.fingerprint, options, loaded.region)
        except AccessGapError as err:
            st.session_state.pop(RESULT_KEY, None)
            show_error(err, what="The van plan could not be made")
            return
        st.session_state[RESULT_KEY] = (loaded.path, loaded.fingerprint, options)
        st.session_state.pop(FILES_KEY, None)
    saved = st.session_state.get(RESULT_KEY)
    if not saved or saved[:2] != (loaded.path, loaded.fingerprint):
        st.info("Choose the campaign and press **Plan vans**.")
        return
    plan = data.van_plan(loaded.path, loaded.fingerprint, saved[2], loaded.region)
    _show(loaded, plan)


def _show(loaded: LoadedRegion, plan: VanPlan) -> None:
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
        legs=leg_lines(plan.campaign, plan.legs),
        centres=loaded.region.centres,
        settlements=loaded.region.settlements,
    )
    st_folium(fmap, key="vans_map", height=520, use_container_width=True, returned_objects=[])
    st.subheader("Itinerary")
    st.dataframe(
        visit_table(
            plan.campaign,
            plan.locations,
            dates=plan.dates or None,
            women_share=plan.options.women_share,
        ),
        hide_index=True,
    )
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


def _export_zip(plan: VanPlan) -> bytes:
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
