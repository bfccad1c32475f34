"""Plan vans page: mobile registration van campaigns (``scenarios.routing.plan_vans``)."""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Callable
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
from ui.formatting import duration_text, people_table, plain_reason
from ui.maps import MAP_HEIGHT_PX
from ui.van_map import vans_map

if TYPE_CHECKING:
    from scenarios.routing import VanPlan

__all__ = [
    "HALT_HEADERS",
    "ITINERARY_HEADERS",
    "MODES",
    "RESULT_KEY",
    "WITHIN_CHOICES",
    "day_labels",
    "folder_zip",
    "halt_visits",
    "halts_table",
    "render",
]

RESULT_KEY = "vans_result"
FILES_KEY = "vans_files"

#: Thresholds offered for "halts beyond" (minutes); the default is ``VAN_DEFAULTS.within_min``.
WITHIN_CHOICES = (15, 30, 45, 60, 90, 120)
#: Modes a van can travel by; the default is ``VAN_DEFAULTS.mode``.
MODES = ("car", "motorbike")


def render(loaded: LoadedRegion) -> None:
    """Draw the Plan vans page."""
    st.subheader("Plan mobile registration vans")
    st.caption(
        "Halts are the settlements beyond the threshold of every centre, best gap score first; "
        "each halt serves the villages within walking distance. Vans start and end each day at "
        "an existing centre, or stay overnight at a remote halt; at most "
        f"{duration_text(VAN_DEFAULTS.max_drive_min_per_day or float('nan'))} of driving a day, "
        "and at least as long on site as on the road. Monday to Saturday, with the Friday "
        "prayer break."
    )
    options = _form()
    if options is not None:
        try:
            with st.status("Planning the campaign...", expanded=False) as status:
                status.write("1/2 Gap scores of every settlement (kept for the next plans)")
                data.gap_result(loaded.path, loaded.fingerprint, loaded.region)
                status.write(
                    "2/2 Choosing halts, computing drive times between them and planning "
                    "each van's days"
                )
                data.van_plan(loaded.path, loaded.fingerprint, options, loaded.region)
                status.update(label="Campaign planned", state="complete")
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


def folder_zip(write: Callable[[Path], object], name: str) -> bytes:
    """What ``write(folder)`` writes into a scratch folder, zipped in memory (paths inside)."""
    with tempfile.TemporaryDirectory(prefix=f"accessgap-{name}-") as tmp:
        out = Path(tmp) / name
        write(out)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in sorted(out.rglob("*")):
                if f.is_file():
                    zf.write(f, f.relative_to(out).as_posix())
        return buf.getvalue()


def halt_visits(plan: VanPlan) -> pd.DataFrame:
    """Who visits each halt when: ``halt``, ``van``, ``day`` (1-based), one row per van-day."""
    rows = [
        {"halt": v.halt, "van": vd.van + 1, "day": vd.day + 1}
        for vd in plan.campaign.van_days
        for v in vd.visits
    ]
    return pd.DataFrame(rows, columns=["halt", "van", "day"]).drop_duplicates()


def day_labels(plan: VanPlan) -> dict[int, str]:
    """Day number (1-based) -> ``"day 2, Tue 8 Dec"`` (the date when the plan has one)."""
    out = {}
    for day in range(1, int(plan.options.days) + 1):
        label = f"day {day}"
        if plan.dates and day - 1 < len(plan.dates):
            d = plan.dates[day - 1]
            label += f", {d.strftime('%a')} {d.day} {d.strftime('%b')}"
        out[day] = label
    return out


def _form() -> VanOptions | None:
    """The campaign form; the options when it was submitted, else None."""
    d = VAN_DEFAULTS
    with st.form("vans_form"):
        c1, c2, c3, c4, c5, c6 = st.columns(6)
        vans = c1.number_input("Vans", 1, 20, d.vans, key="vans_n")
        days = c2.number_input("Working days", 1, 30, d.days, key="vans_days")
        within = c3.select_slider(
            "Halts beyond (minutes)",
            options=WITHIN_CHOICES,
            value=int(d.within_min),
            key="vans_within",
            help="Settlements further than this from every centre get a van halt.",
        )
        mode = c4.selectbox("Van travels by", MODES, index=MODES.index(d.mode), key="vans_mode")
        start = c5.date_input("First day", next_monday(), key="vans_start")
        women = c6.slider(
            "Women-only session (% of desk time)",
            0,
            90,
            round(100 * d.women_share),
            5,
            key="vans_women",
        )
        with st.expander("Advanced"):
            longer = st.checkbox(
                "Search longer for a better plan",
                value=False,
                key="vans_longer",
                help="By default the planner stops after a fixed amount of search (a few "
                "seconds, the same plan every time). Searching longer rarely finds more.",
            )
            limit = st.number_input(
                "Search time (seconds)", 1, 120, int(APP_TIME_LIMIT_S), key="vans_limit"
            )
        submitted = st.form_submit_button("Plan vans", type="primary")
    if not submitted:
        return None
    return VanOptions(
        vans=int(vans),
        days=int(days),
        within_min=float(within),
        mode=str(mode),
        time_limit_s=float(limit) if longer else None,
        start_date=start if isinstance(start, date) else None,
        women_share=float(women) / 100.0,
    )


def _show(loaded: LoadedRegion, plan: VanPlan) -> None:
    s = plan.summary()
    m1, m2, m3, m4, m5 = st.columns(5)
    m1.metric("Halts visited", f"{s['halts_visited']} of {s['halts_selected']}")
    m2.metric("Households reached", f"{s['households_reached']:,.0f}")
    m3.metric("Expected registrations", f"{s['expected_registrations']:,.0f}")
    m4.metric("Van-days used", f"{s['van_days_used']}")
    m5.metric("Driving", f"{float(s['total_drive_min']) / 60:,.1f} h")
    for note in s.get("notes", []):
        st.info(note)
    if s.get("dropped_reasons"):
        st.caption(
            "Not visited: "
            + "; ".join(
                f"{n:,} {'halt' if n == 1 else 'halts'}: {plain_reason(reason)}"
                for reason, n in s["dropped_reasons"].items()
            )
        )
    visits = halt_visits(plan)
    labels = day_labels(plan)
    f1, f2, _ = st.columns([1, 1, 2])
    van = f1.selectbox(
        "Show van",
        [0, *range(1, int(plan.options.vans) + 1)],
        format_func=lambda v: "all vans" if v == 0 else f"Van {v}",
        key="vans_show_van",
    )
    day = f2.selectbox(
        "Show day",
        [0, *labels],
        format_func=lambda v: "all days" if v == 0 else labels[v].capitalize(),
        key="vans_show_day",
    )
    legs = leg_lines(plan.campaign, plan.legs)
    legs, shown_visits = _filter(legs, van, day), _filter(visits, van, day)
    everything = van == 0 and day == 0
    halts = plan.halts
    if not everything:
        halts = halts[halts["halt"].isin(shown_visits["halt"])]
    fmap = vans_map(
        halts,
        legs=legs,
        centres=loaded.region.centres,
        settlements=loaded.region.settlements,
        visits=shown_visits,
        day_labels=labels,
        show_dropped=everything,
    )
    st_folium(
        fmap,
        key=f"vans_map_{van}_{day}",
        height=MAP_HEIGHT_PX,
        use_container_width=True,
        returned_objects=[],
    )
    st.subheader("Itinerary")
    table = visit_table(
        plan.campaign,
        plan.locations,
        dates=plan.dates or None,
        women_share=plan.options.women_share,
    )
    table = _filter(table, van, day)
    st.dataframe(table.rename(columns=ITINERARY_HEADERS), hide_index=True)
    with st.expander("All selected halts"):
        st.dataframe(halts_table(plan.halts), hide_index=True)
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


def halts_table(halts: pd.DataFrame) -> pd.DataFrame:
    """The selected halts for people: readable headers, time from a centre in hours."""
    table = pd.DataFrame(halts.drop(columns="geometry"))
    table["status"] = [plain_reason(str(v)) for v in table["status"]]
    return people_table(
        table,
        HALT_HEADERS,
        durations=("travel_min_from_centre", "dwell_min"),
        counts=("households_served", "unregistered_households", "expected_registrations"),
    )


#: Headers of the itinerary table (units in each).
ITINERARY_HEADERS: dict[str, str] = {
    "van": "Van",
    "day": "Day",
    "date": "Date",
    "order": "Stop",
    "halt": "Halt",
    "arrival": "Arrives (hh:mm)",
    "departure": "Leaves (hh:mm)",
    "dwell_min": "On site (min)",
    "drive_min": "Driving before (min)",
    "expected_registrations": "Expected registrations",
    "women_session": "Women-only session",
}
#: Headers of the halts table.
HALT_HEADERS: dict[str, str] = {
    "name": "Halt",
    "union_council": "Union council",
    "tehsil": "Tehsil",
    "status": "Status",
    "settlements_served": "Settlements served",
    "households_served": "Households served",
    "unregistered_households": "Unregistered households",
    "expected_registrations": "Expected registrations",
    "travel_min_from_centre": "Trip from the nearest centre",
    "dwell_min": "Time on site",
}


def _filter(table: pd.DataFrame, van: int, day: int) -> pd.DataFrame:
    """Rows of ``table`` (with ``van`` and ``day``, 1-based) for one van and/or day (0: all)."""
    keep = pd.Series(True, index=table.index)
    if van:
        keep &= table["van"].astype(int) == van
    if day:
        keep &= table["day"].astype(int) == day
    return table[keep]


def _export_zip(plan: VanPlan) -> bytes:
    """``write_vans`` into a scratch folder, zipped in memory."""
    return folder_zip(lambda out: write_vans(plan, out), "vans")
