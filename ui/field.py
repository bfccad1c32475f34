"""Field plans page: a quarter of mobile reviews and door-to-door sweeps (``scenarios.field``).

Each plan is one library call (:func:`scenarios.field.plan_reviews`,
:func:`scenarios.field.plan_sweeps`); the page shows its calendar
(:func:`scenarios.field.field_calendar`) as a table and a map and offers the files an
outreach manager hands out: ``calendar.csv``, ``calendar.ics``, the sweep itineraries, the
Urdu notices (:mod:`scenarios.notices`) and the SMS texts.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from typing import Any

import streamlit as st

from geodata.errors import AccessGapError, InfeasibleError
from scenarios.field import REVIEW_DEFAULTS, SWEEP_DEFAULTS, SWEEP_MODES
from scenarios.field.options import ReviewOptions, SweepOptions
from scenarios.routing.adapter import served_by_visited_halts
from scenarios.routing.options import next_monday
from ui import data
from ui.context import LoadedRegion
from ui.errors import show_error
from ui.field_view import show_plan
from ui.vans import RESULT_KEY as VANS_RESULT_KEY
from ui.vans import WITHIN_CHOICES

__all__ = ["KINDS", "render", "review_options", "sweep_options", "web_words"]

#: The two plans of the page: session key of the saved options -> tab title.
KINDS = {"field_reviews": "Quarterly reviews", "field_sweeps": "Door-to-door sweeps"}
_MODE_WORDS = {"walk": "on foot", "motorbike": "by motorbike"}


def render(loaded: LoadedRegion) -> None:
    """Draw the Field plans page: one tab for reviews, one for sweeps."""
    st.subheader("Field plans: mobile reviews and door-to-door sweeps")
    reviews, sweeps = st.tabs(list(KINDS.values()))
    with reviews:
        _reviews(loaded)
    with sweeps:
        _sweeps(loaded)


def review_options(
    *, vans: int, weeks: int, visits: int, start: date | None, within_min: float
) -> ReviewOptions:
    """The review job of the form (the other rules are the library's defaults)."""
    field = replace(REVIEW_DEFAULTS.field, within_min=float(within_min))
    return ReviewOptions(vans=vans, weeks=weeks, visits=visits, start_date=start, field=field)


def sweep_options(
    *, teams: int, days: int, mode: str, start: date | None, within_min: float
) -> SweepOptions:
    """The sweep job of the form (the other rules are the library's defaults)."""
    field = replace(SWEEP_DEFAULTS.field, within_min=float(within_min))
    return SweepOptions(teams=teams, days=days, mode=mode, start_date=start, field=field)


def web_words(message: str) -> str:
    """A library message without its command-line flags (a web user has the form instead).

    Examples
    --------
    >>> web_words("more weeks (--weeks), fewer visits (--visits) or a list (--targets F.csv)")
    'more weeks, fewer visits or a list'
    """
    return re.sub(r" \(--[a-z-]+[^)]*\)", "", message)


# ---------------------------------------------------------------------------------------


def _reviews(loaded: LoadedRegion) -> None:
    d = REVIEW_DEFAULTS
    st.caption(
        "Every union council with villages beyond the threshold gets a review halt (its most "
        "populous far village), visited the chosen number of times, once in each equal part "
        "of the window. Vans keep the van rules: Monday to Saturday, the Friday prayer break, "
        "at most 4 h of driving a day."
    )
    with st.form("field_reviews_form"):
        c1, c2, c3, c4, c5 = st.columns(5)
        vans = c1.number_input("Vans", 1, 20, d.vans, key="rev_vans")
        weeks = c2.number_input("Weeks", 1, 52, d.weeks, key="rev_weeks")
        visits = c3.number_input(
            "Visits to each halt", 1, 12, d.visits, key="rev_visits", help="One in each part."
        )
        within = c4.select_slider(
            "Halts beyond (car minutes)",
            options=WITHIN_CHOICES,
            value=int(d.field.within_min),
            key="rev_within",
            help="Union councils with villages further than this from every centre by car.",
        )
        start = c5.date_input("First day", next_monday(), key="rev_start")
        submitted = st.form_submit_button("Plan the reviews", type="primary")
    if submitted:
        try:
            options: Any = review_options(
                vans=int(vans),
                weeks=int(weeks),
                visits=int(visits),
                start=start if isinstance(start, date) else None,
                within_min=float(within),
            )
        except AccessGapError as err:
            show_error(err, what="The reviews could not be planned")
            return
        if not _plan(loaded, "field_reviews", options, None):
            return
    _show_saved(loaded, "field_reviews")


def _sweeps(loaded: LoadedRegion) -> None:
    d = SWEEP_DEFAULTS
    st.caption(
        "Enumerator teams visit every household of the villages beyond the threshold that "
        f"vans cannot reach, {d.households_per_team_day:g} households a team-day, from base "
        "villages; at most 3 h walking or 4 h by motorbike a day."
    )
    vans = st.session_state.get(VANS_RESULT_KEY)
    with st.form("field_sweeps_form"):
        c1, c2, c3, c4, c5 = st.columns(5)
        teams = c1.number_input("Teams", 1, 20, d.teams, key="sw_teams")
        days = c2.number_input("Working days", 1, 60, d.days, key="sw_days")
        mode = c3.selectbox(
            "Teams travel", SWEEP_MODES, format_func=lambda m: _MODE_WORDS[m], key="sw_mode"
        )
        within = c4.select_slider(
            "Villages beyond (car minutes)",
            options=WITHIN_CHOICES,
            value=int(d.field.within_min),
            key="sw_within",
        )
        start = c5.date_input("First day", next_monday(), key="sw_start")
        use_vans = st.checkbox(
            "Leave to vans the villages of the van plan on the Plan vans page",
            value=bool(vans),
            disabled=not vans,
            key="sw_use_vans",
            help="Without a van plan, vans are taken to reach every village near a road.",
        )
        submitted = st.form_submit_button("Plan the sweeps", type="primary")
    if submitted:
        try:
            options: Any = sweep_options(
                teams=int(teams),
                days=int(days),
                mode=str(mode),
                start=start if isinstance(start, date) else None,
                within_min=float(within),
            )
        except AccessGapError as err:
            show_error(err, what="The sweeps could not be planned")
            return
        served = _van_served(loaded, vans) if use_vans and vans else None
        if not _plan(loaded, "field_sweeps", options, served):
            return
    _show_saved(loaded, "field_sweeps")


def _plan(loaded: LoadedRegion, key: str, options: Any, served: tuple[str, ...] | None) -> bool:
    """Plan (cached) behind a progress box; save the options; show our errors readably."""
    what = "reviews" if key == "field_reviews" else "sweeps"
    try:
        with st.status(f"Planning the {what}...", expanded=False) as status:
            status.write("1/2 Gap scores of every settlement (kept for the next plans)")
            data.gap_result(loaded.path, loaded.fingerprint, loaded.region)
            status.write("2/2 Choosing the villages, computing travel times and planning each day")
            _cached_plan(loaded, key, options, served)
            status.update(label=f"The {what} are planned", state="complete")
    except InfeasibleError as err:
        st.session_state.pop(key, None)
        st.error(f"The {what} could not be planned: {web_words(str(err))}")
        return False
    except AccessGapError as err:
        st.session_state.pop(key, None)
        show_error(err, what=f"The {what} could not be planned")
        return False
    st.session_state[key] = (loaded.path, loaded.fingerprint, options, served)
    st.session_state.pop(f"{key}_files", None)
    return True


def _show_saved(loaded: LoadedRegion, key: str) -> None:
    saved = st.session_state.get(key)
    if not saved or saved[:2] != (loaded.path, loaded.fingerprint):
        button = "Plan the reviews" if key == "field_reviews" else "Plan the sweeps"
        st.info(f"Choose the plan and press **{button}**.")
        return
    plan = _cached_plan(loaded, key, saved[2], saved[3])
    show_plan(loaded, plan, key=key)


def _cached_plan(
    loaded: LoadedRegion, key: str, options: Any, served: tuple[str, ...] | None
) -> Any:
    if key == "field_reviews":
        return data.review_plan(loaded.path, loaded.fingerprint, options, loaded.region)
    return data.sweep_plan(loaded.path, loaded.fingerprint, options, served, loaded.region)


def _van_served(loaded: LoadedRegion, saved: tuple[Any, ...]) -> tuple[str, ...] | None:
    """The villages served by the visited halts of the van plan saved by the Plan vans page."""
    if saved[:2] != (loaded.path, loaded.fingerprint):
        return None
    plan = data.van_plan(loaded.path, loaded.fingerprint, saved[2], loaded.region)
    return tuple(served_by_visited_halts(plan.halts))
