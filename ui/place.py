"""Place centres page: where new Union Council centres bring the most people within reach."""

from __future__ import annotations

import time
from typing import cast

import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from access.speeds import MODES
from geodata.errors import AccessGapError
from geodata.export import points_csv_bytes
from geodata.region import Region
from geodata.units import unit_geometries
from scenarios.placement import DEMANDS, MODELS, PlacementOptions, PlacementPlan, sites_table
from scenarios.placement.options import DemandName, ModelName
from ui import data
from ui.context import LoadedRegion
from ui.errors import show_error
from ui.maps import placement_map

__all__ = ["DEFAULTS", "WITHIN_CHOICES", "render", "sites_geojson"]

MODEL_LABELS = {
    "mclp": "Maximum coverage (most demand within the threshold)",
    "p_median": "p-median (least demand-weighted travel time)",
    "set_cover": "Set cover (fewest centres to reach a share of settlements)",
}
DEMAND_LABELS = {
    "unregistered_poor": "unregistered poor households",
    "households": "all households",
    "expected_new": "expected new registrations (exclusion model)",
}
PLAN_KEY = "placement"
#: The page's starting values: the one set of placement defaults.
DEFAULTS = PlacementOptions()
#: Thresholds offered, in minutes (``DEFAULTS.within_min`` among them).
WITHIN_CHOICES: tuple[int, ...] = (15, 30, 45, 60, 90, 120)


def render(loaded: LoadedRegion) -> None:
    """Draw the Place centres page."""
    region = loaded.region
    st.header("Place new Union Council centres")
    st.caption(
        f"{len(region.candidates)} candidate sites; the {len(region.centres)} existing centres "
        "stay open."
    )
    with st.form("placement_form"):
        options = _form(len(region.candidates))
        submitted = st.form_submit_button("Run placement", type="primary")
    if submitted:
        t0 = time.perf_counter()
        try:
            with st.spinner("Choosing sites (travel-time matrix, solver, before/after)..."):
                plan = data.placement_plan(loaded.path, loaded.fingerprint, options.items(), region)
        except AccessGapError as err:
            st.session_state.pop(PLAN_KEY, None)
            show_error(err, what="The placement could not be run")
            return
        st.session_state[PLAN_KEY] = {
            "options": options,
            "path": loaded.path,
            "fingerprint": loaded.fingerprint,
            "seconds": time.perf_counter() - t0,
        }
    saved = st.session_state.get(PLAN_KEY)
    if not saved or saved["fingerprint"] != loaded.fingerprint or saved["path"] != loaded.path:
        st.info("Choose the parameters and press **Run placement**.")
        return
    shown: PlacementOptions = saved["options"]
    plan = data.placement_plan(loaded.path, loaded.fingerprint, shown.items(), region)
    if shown != options:
        st.caption("Showing the last run; press **Run placement** to apply the changed settings.")
    _results(loaded, plan, saved["seconds"])


def sites_geojson(sites: gpd.GeoDataFrame) -> bytes:
    """The chosen sites as GeoJSON (EPSG:4326)."""
    return str(sites.to_json(drop_id=True)).encode("utf-8")


def _form(n_candidates: int) -> PlacementOptions:
    """The form's widgets (inside ``st.form``), starting from :data:`DEFAULTS`."""
    c1, c2 = st.columns(2)
    model = c1.selectbox(
        "Model",
        MODELS,
        index=MODELS.index(DEFAULTS.model),
        format_func=lambda m: MODEL_LABELS.get(m, m),
        key="pl_model",
    )
    demand = c2.selectbox(
        "Demand weight",
        DEMANDS,
        index=DEMANDS.index(DEFAULTS.demand),
        format_func=lambda d: DEMAND_LABELS.get(d, d),
        key="pl_demand",
    )
    c3, c4, c5 = st.columns(3)
    top = max(1, min(40, n_candidates))
    new = c3.slider(
        "New centres",
        1,
        top,
        min(DEFAULTS.new_centres, top),
        key="pl_new",
        help="Ignored by set cover, which finds the fewest centres.",
    )
    within = c4.select_slider(
        "Within (minutes)",
        options=WITHIN_CHOICES,
        value=int(DEFAULTS.within_min),
        key="pl_within",
    )
    mode = c5.selectbox("Travel mode", MODES, index=MODES.index(DEFAULTS.mode), key="pl_mode")
    share = st.slider(
        "Set cover: share of settlements to reach",
        0.5,
        1.0,
        DEFAULTS.share,
        0.01,
        key="pl_share",
    )
    return PlacementOptions(
        model=cast(ModelName, model),
        new_centres=int(new),
        within_min=float(within),
        mode=str(mode),
        demand=cast(DemandName, demand),
        share=float(share),
    )


def _results(loaded: LoadedRegion, plan: PlacementPlan, seconds: float) -> None:
    region = loaded.region
    r = plan.result
    st.success(
        f"{len(plan.sites)} new centre(s) with {plan.model} within {plan.within_min:g} min by "
        f"{plan.mode}; solver {r.method}, {'optimal' if r.proven_optimal else f'gap {r.gap:.1%}'}"
        f"; {seconds:.1f} s."
    )
    b, a = plan.before, plan.after
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(
        f"Households within {plan.within_min:g} min",
        f"{a['households_within']:,.0f}",
        f"{a['households_within'] - b['households_within']:+,.0f}",
    )
    m2.metric(
        f"Demand within {plan.within_min:g} min",
        _pct(a["share_demand_within"]),
        _pp(a["share_demand_within"] - b["share_demand_within"]),
        help=f"Share of {DEMAND_LABELS.get(plan.demand, plan.demand)} within the threshold.",
    )
    m3.metric(
        "Median minutes",
        f"{a['median_min']:.0f}",
        f"{a['median_min'] - b['median_min']:+.1f}",
        delta_color="inverse",
    )
    m4.metric(
        "90th percentile minutes",
        f"{a['p90_min']:.0f}",
        f"{a['p90_min'] - b['p90_min']:+.1f}",
        delta_color="inverse",
    )
    left, right = st.columns([3, 2])
    with left:
        polygons = unit_geometries(region, "union_council", _uc_names(region))
        units = polygons if len(polygons) else None
        fmap = placement_map(
            region.settlements,
            after=plan.settlements_after,
            sites=plan.sites,
            centres=region.centres,
            within_min=plan.within_min,
            units=units,
        )
        st_folium(
            fmap, key="placement_map", height=520, use_container_width=True, returned_objects=[]
        )
    with right:
        st.markdown(
            "**Coverage curve**: share of demand within reach as the chosen centres are added, "
            "in entry order"
        )
        if len(plan.curve):
            st.line_chart(
                plan.curve.assign(share_pct=100 * plan.curve["share"]),
                x="k",
                y="share_pct",
                x_label="new centres",
                y_label="% of demand within reach",
                height=260,
            )
            st.dataframe(
                plan.curve[["k", "centre_id", "name", "marginal_gain", "share"]],
                hide_index=True,
                height=220,
            )
        else:
            st.info("No curve: no new site was chosen.")
    st.subheader("Proposed sites")
    sites = sites_table(plan)
    st.dataframe(pd.DataFrame(sites.drop(columns="geometry")), hide_index=True)
    d1, d2 = st.columns(2)
    stem = f"new_centres_{plan.model}_{len(plan.sites)}_{plan.within_min:g}min_{plan.mode}"
    d1.download_button(
        "Download sites (CSV)", points_csv_bytes(sites), f"{stem}.csv", "text/csv", key="dl_csv"
    )
    d2.download_button(
        "Download sites (GeoJSON)",
        sites_geojson(sites),
        f"{stem}.geojson",
        "application/geo+json",
        key="dl_geojson",
    )
    with st.expander("Run details"):
        st.json(plan.summary())


def _uc_names(region: Region) -> pd.DataFrame:
    s = region.settlements
    return pd.DataFrame(s[["tehsil", "union_council"]].drop_duplicates())


def _pct(v: float) -> str:
    return "-" if not np.isfinite(v) else f"{100 * v:.1f}%"


def _pp(v: float) -> str:
    return "-" if not np.isfinite(v) else f"{100 * v:+.1f} pp"
