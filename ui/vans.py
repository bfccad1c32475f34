"""Plan vans page: mobile registration van campaigns (``scenarios.vans.plan_vans``).

The region-level adapter is being added by the lead; until then the page says so.
"""

from __future__ import annotations

import dataclasses
import importlib
import importlib.util
from typing import Any

import pandas as pd
import streamlit as st

from geodata.errors import AccessGapError
from ui.context import LoadedRegion
from ui.errors import show_error

__all__ = ["available", "render"]

MODULE = "scenarios.vans"
RESULT_KEY = "vans_result"


def available() -> bool:
    """Whether this version has the van-planning adapter."""
    return importlib.util.find_spec(MODULE) is not None


def render(loaded: LoadedRegion) -> None:
    """Draw the Plan vans page."""
    st.header("Plan mobile registration vans")
    if not available():
        st.info(
            "Van planning is not available in this version: the region-level adapter "
            f"`{MODULE}.plan_vans` has not been added yet. The solver (`scenarios.routing`) "
            "and itinerary exports exist; this page will use them once the adapter lands."
        )
        return
    vans_mod = importlib.import_module(MODULE)  # errors inside the module surface as bugs
    with st.form("vans_form"):
        c1, c2, c3, c4 = st.columns(4)
        vans = c1.number_input("Vans", 1, 20, 3, key="vans_n")
        days = c2.number_input("Days", 1, 60, 10, key="vans_days")
        within = c3.select_slider(
            "Visit settlements beyond (minutes)",
            options=[30, 45, 60, 90, 120],
            value=60,
            key="vans_within",
        )
        mode = c4.selectbox("Van travels by", ("car", "motorbike"), key="vans_mode")
        submitted = st.form_submit_button("Plan vans", type="primary")
    if submitted:
        try:
            with st.spinner("Planning van itineraries..."):
                result = vans_mod.plan_vans(
                    loaded.region, vans=int(vans), days=int(days), within_min=within, mode=mode
                )
        except AccessGapError as err:
            show_error(err, what="The van plan could not be made")
            return
        st.session_state[RESULT_KEY] = (loaded.path, loaded.fingerprint, result)
    saved = st.session_state.get(RESULT_KEY)
    if not saved or saved[:2] != (loaded.path, loaded.fingerprint):
        st.info("Choose the campaign and press **Plan vans**.")
        return
    _show(saved[2])


def _show(result: Any) -> None:
    """Show any plan result: its summary, then each table it carries."""
    if hasattr(result, "summary"):
        st.json(result.summary())
    fields = (
        {f.name: getattr(result, f.name) for f in dataclasses.fields(result)}
        if dataclasses.is_dataclass(result)
        else {}
    )
    for name, value in fields.items():
        if isinstance(value, pd.DataFrame):
            st.subheader(name.replace("_", " ").capitalize())
            table = value.drop(columns="geometry") if "geometry" in value.columns else value
            st.dataframe(pd.DataFrame(table), hide_index=True)
            st.download_button(
                f"Download {name} (CSV)",
                pd.DataFrame(table).to_csv(index=False).encode("utf-8"),
                f"vans_{name}.csv",
                "text/csv",
                key=f"dl_vans_{name}",
            )
