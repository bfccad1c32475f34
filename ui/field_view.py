"""A field plan shown: headline figures, the calendar as a table and a map, the downloads."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geodata.errors import AccessGapError
from geodata.export import csv_bytes
from scenarios.field import ReviewPlan, field_calendar, write_sweeps
from scenarios.field.calendar import ics_text
from scenarios.notices import notices_html, sms_table, write_notices
from scenarios.printing import chromium_path
from ui.context import LoadedRegion
from ui.errors import show_error
from ui.field_map import field_map, team_number
from ui.maps import MAP_HEIGHT_PX
from ui.vans import folder_zip

__all__ = ["CALENDAR_HEADERS", "calendar_table", "show_plan"]

#: Headers of the calendar table (units in each).
CALENDAR_HEADERS: dict[str, str] = {
    "date": "Date",
    "weekday": "Day",
    "team": "Van or team",
    "visit": "Round",
    "settlement": "Village",
    "settlement_ur": "Village (Urdu)",
    "unit_name": "Union council",
    "arrive": "Arrives (hh:mm)",
    "depart": "Leaves (hh:mm)",
    "dwell_min": "On site (min)",
    "part": "Part of a multi-day visit",
    "expected_registrations": "Expected registrations",
    "households": "Households",
}


def calendar_table(calendar: pd.DataFrame) -> pd.DataFrame:
    """A field calendar for people: headers with units, teams capitalised.

    The round is kept only for reviews and the part only when a visit spans several days.
    """
    table = calendar.loc[:, [c for c in CALENDAR_HEADERS if c in calendar.columns]].copy()
    table["team"] = table["team"].astype(str).str.capitalize()
    if not (calendar["kind"] == "review").any():
        table = table.drop(columns="visit")
    if not table["part"].astype(str).str.len().gt(0).any():
        table = table.drop(columns="part")
    table["households"] = table["households"].round(0).astype("Int64")
    return table.rename(columns=CALENDAR_HEADERS)


def show_plan(loaded: LoadedRegion, plan: Any, *, key: str) -> None:
    """Draw a review or sweep plan: figures, notes, filter, map, calendar and downloads."""
    reviews = isinstance(plan, ReviewPlan)
    _figures(plan.summary(), reviews=reviews)
    for note in plan.notes:
        if "SYNTHETIC" not in note:
            st.caption(note)
    calendar = field_calendar(plan)
    teams = sorted(set(calendar["team"].astype(str)), key=team_number)
    show = st.selectbox(
        "Show",
        ["", *teams],
        format_func=lambda t: t or ("all vans" if reviews else "all teams"),
        key=f"{key}_show",
    )
    shown = calendar[calendar["team"] == show] if show else calendar
    st_folium(
        field_map(shown, centres=loaded.region.centres, settlements=loaded.region.settlements),
        key=f"{key}_map_{show}",
        height=MAP_HEIGHT_PX,
        use_container_width=True,
        returned_objects=[],
    )
    st.markdown("**Calendar**")
    st.dataframe(calendar_table(shown), hide_index=True)
    _downloads(loaded, plan, calendar, key=key, reviews=reviews)


# ---------------------------------------------------------------------------------------


def _figures(s: dict[str, Any], *, reviews: bool) -> None:
    m1, m2, m3, m4, m5 = st.columns(5)
    if reviews:
        m1.metric(
            "Review halts", f"{s['targets']}", help=f"in {s['union_councils']} union councils"
        )
        m2.metric("Visits", f"{s['visits']:,}")
        m3.metric("Van-days used", f"{s['van_days_used']} of {s['van_days_available']}")
        m5.metric("Driving", f"{float(s['total_drive_min']) / 60:,.1f} h")
    else:
        m1.metric("Villages swept", f"{s['settlements_swept']:,}")
        m2.metric("Households visited", f"{s['households_swept']:,.0f}")
        m3.metric("Team-days used", f"{s['team_days_used']} of {s['teams'] * s['days']}")
        m5.metric("Travel", f"{float(s['total_travel_min']) / 60:,.1f} h")
    m4.metric("Expected registrations", f"{s['expected_registrations']:,}")
    st.caption(f"From {s['start_date']} to {s['end_date']} ({s['working_days']}).")
    left = s.get("left_out_reasons") or {}
    if left:
        parts = [f"{n:,} {'village' if n == 1 else 'villages'} {r}" for r, n in left.items()]
        st.caption("Not swept: " + "; ".join(parts) + ".")


def _downloads(
    loaded: LoadedRegion, plan: Any, calendar: pd.DataFrame, *, key: str, reviews: bool
) -> None:
    name = "NSER mobile reviews" if reviews else "NSER door-to-door sweeps"
    notes = [loaded.label] if loaded.label else []
    st.markdown("**Files to hand out**")
    c1, c2, c3, c4 = st.columns(4)
    c1.download_button(
        "calendar.csv", csv_bytes(calendar), "calendar.csv", "text/csv", key=f"{key}_dl_csv"
    )
    c2.download_button(
        "calendar.ics",
        ics_text(calendar, name=name).encode("utf-8"),
        "calendar.ics",
        "text/calendar",
        key=f"{key}_dl_ics",
        help="Opens in any calendar application (one event per visit).",
    )
    c3.download_button(
        "SMS texts (CSV)",
        csv_bytes(sms_table(calendar)),
        "sms.csv",
        "text/csv",
        key=f"{key}_dl_sms",
        help="One Urdu and one English SMS per visit, with their lengths.",
    )
    c4.download_button(
        "Urdu notices (HTML)",
        notices_html(calendar, notes=notes).encode("utf-8"),
        "notices.html",
        "text/html",
        key=f"{key}_dl_notices_html",
        help="One page per union council; print it from the browser.",
    )
    files_key = f"{key}_files"
    label = "Prepare the notices PDF" + ("" if reviews else " and the team itineraries (zip)")
    if chromium_path() is None and reviews:
        st.caption("No PDF of the notices on this server (no Chromium): print the HTML.")
        return
    if st.button(label, key=f"{key}_prepare"):
        try:
            with st.status("Printing the notices...", expanded=False) as status:
                status.write("Urdu notices, one A4 page per union council (Chromium)")
                files = {"notices": _notices_pdf(calendar, notes)}
                if not reviews:
                    status.write("Itineraries of every team and day (CSV, XLSX, GPX, HTML, PDF)")
                    files["itinerary"] = _sweeps_zip(plan)
                status.update(label="Files ready", state="complete")
        except AccessGapError as err:
            show_error(err, what="The files could not be written")
            return
        st.session_state[files_key] = files
    _prepared(st.session_state.get(files_key) or {}, key=key)


def _prepared(files: dict[str, bytes | None], *, key: str) -> None:
    if not files:
        return
    c1, c2 = st.columns(2)
    if files.get("notices"):
        c1.download_button(
            "Urdu notices (PDF)",
            files["notices"] or b"",
            "notices.pdf",
            "application/pdf",
            key=f"{key}_dl_notices_pdf",
        )
    elif "notices" in files:
        c1.caption("Chromium could not print the notices: print the HTML from a browser.")
    if files.get("itinerary"):
        c2.download_button(
            "Team itineraries (zip)",
            files["itinerary"] or b"",
            "sweep_itinerary.zip",
            "application/zip",
            key=f"{key}_dl_zip",
        )


def _notices_pdf(calendar: pd.DataFrame, notes: list[str]) -> bytes | None:
    """``notices.pdf`` printed by Chromium, or None when it is absent or failed."""
    if chromium_path() is None:
        return None
    with tempfile.TemporaryDirectory(prefix="accessgap-notices-") as tmp:
        out = write_notices(calendar, Path(tmp) / "notices", notes=notes)
        return out.pdf.read_bytes() if out.pdf is not None else None


def _sweeps_zip(plan: Any) -> bytes:
    """``write_sweeps`` into a scratch folder, zipped in memory."""
    return folder_zip(lambda out: write_sweeps(plan, out), "sweeps")
