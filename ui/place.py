"""Place centres page: where new Union Council centres bring the most people within reach."""

from __future__ import annotations

import time
from collections.abc import Callable
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
from ui.formatting import (
    DEMAND_LABELS,
    MODEL_HELP,
    MODEL_LABELS,
    count_text,
    duration_text,
    method_label,
    mode_label,
    pct_text,
)
from ui.maps import MAP_HEIGHT_PX, placement_map

__all__ = [
    "DEFAULTS",
    "SET_COVER_SHARE",
    "SITE_COLUMNS",
    "WITHIN_CHOICES",
    "before_after_table",
    "render",
    "settlement_share_within",
    "sites_geojson",
]

PLAN_KEY = "placement"
#: The page's starting values: the one set of placement defaults.
DEFAULTS = PlacementOptions()
#: Thresholds offered, in minutes (``DEFAULTS.within_min`` among them).
WITHIN_CHOICES: tuple[int, ...] = (15, 30, 45, 60, 90, 120)


def render(loaded: LoadedRegion) -> None:
    """Draw the Place centres page."""
    region = loaded.region
    st.subheader("Place new Union Council centres")
    st.caption(
        f"{len(region.candidates)} candidate sites; the {len(region.centres)} existing centres "
        "stay open."
    )
    model = st.selectbox(
        "What to aim for",
        MODELS,
        index=MODELS.index(DEFAULTS.model),
        format_func=lambda m: MODEL_LABELS.get(m, m),
        key="pl_model",
        help=" ".join(f"**{MODEL_LABELS[m]}**: {MODEL_HELP[m]}" for m in MODELS),
    )
    st.caption(MODEL_HELP.get(str(model), ""))
    with st.form("placement_form"):
        options = _form(cast(ModelName, model), len(region.candidates))
        submitted = st.form_submit_button("Run placement", type="primary")
    if submitted:
        t0 = time.perf_counter()
        try:
            with st.status("Choosing sites...", expanded=False) as status:
                status.write(f"1/2 Road network {mode_label(options.mode)} (kept for next runs)")
                data.engine_graph(loaded.path, loaded.fingerprint, options.mode, region)
                status.write(
                    "2/2 Travel times from every candidate site, choosing the sites, and the "
                    "figures before and after"
                )
                data.placement_plan(loaded.path, loaded.fingerprint, options.items(), region)
                status.update(label="Sites chosen", state="complete")
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
    _results(loaded, plan, saved["seconds"], share=shown.share)


def sites_geojson(sites: gpd.GeoDataFrame) -> bytes:
    """The chosen sites as GeoJSON (EPSG:4326)."""
    return str(sites.to_json(drop_id=True)).encode("utf-8")


def settlement_share_within(plan: PlacementPlan) -> float:
    """Share of settlements within the plan's threshold with its centres open (set cover's unit).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> plan = SimpleNamespace(within_min=60.0,
    ...     settlements_after=pd.DataFrame({"travel_min": [10.0, 70.0, np.nan, 60.0]}))
    >>> settlement_share_within(plan)
    0.5
    """
    t = plan.settlements_after["travel_min"].to_numpy(float)
    if not len(t):
        return float("nan")
    return float(np.mean(np.isfinite(t) & (t <= plan.within_min)))


def before_after_table(plan: PlacementPlan) -> pd.DataFrame:
    """The plan's figures before and after, one row each, readable headers and units."""
    rows = []
    demand = DEMAND_LABELS.get(plan.demand, plan.demand)
    within = f"{plan.within_min:g} min"
    for key, label, kind in (
        ("households_within", f"Households within {within}", "count"),
        ("share_households_within", f"Share of households within {within}", "share"),
        ("demand_within", f"{demand.capitalize()} within {within}", "count"),
        ("share_demand_within", f"Share of {demand} within {within}", "share"),
        ("median_min", f"Median trip {mode_label(plan.mode)}", "time"),
        ("p90_min", f"Trip of the furthest 10% {mode_label(plan.mode)}", "time"),
    ):
        b, a = float(plan.before[key]), float(plan.after[key])
        fmt: Callable[[float], str] = count_text
        if kind == "share":
            fmt = pct_text
        elif kind == "time":
            fmt = duration_text
        if kind == "share":
            change = "-" if not np.isfinite(a - b) else f"{100 * (a - b):+.1f} points"
        elif kind == "time":
            change = "-" if not np.isfinite(a - b) else f"{a - b:+.0f} min"
        else:
            change = "-" if not np.isfinite(a - b) else f"{a - b:+,.0f}"
        rows.append({"Figure": label, "Before": fmt(b), "After": fmt(a), "Change": change})
    return pd.DataFrame(rows)


def _form(model: ModelName, n_candidates: int) -> PlacementOptions:
    """The form's widgets (inside ``st.form``), starting from :data:`DEFAULTS`."""
    c1, c2, c3, c4 = st.columns(4)
    top = max(1, min(40, n_candidates))
    share = DEFAULTS.share
    new = min(DEFAULTS.new_centres, top)
    if model == "set_cover":
        pct = c1.slider(
            "Settlements to bring within reach (%)",
            50,
            100,
            round(100 * SET_COVER_SHARE),
            1,
            key="pl_share",
            help="Set cover opens as few centres as needed for this share of the settlements.",
        )
        share = pct / 100.0
    else:
        new = c1.slider("New centres", 1, top, new, key="pl_new")
    within = c2.select_slider(
        "Within (minutes)",
        options=WITHIN_CHOICES,
        value=int(DEFAULTS.within_min),
        key="pl_within",
    )
    mode = c3.selectbox(
        "Travel mode",
        MODES,
        index=MODES.index(DEFAULTS.mode),
        key="pl_mode",
        format_func=lambda m: mode_label(m).replace("by ", "").replace("on ", ""),
    )
    demand = c4.selectbox(
        "Count",
        DEMANDS,
        index=DEMANDS.index(DEFAULTS.demand),
        format_func=lambda d: DEMAND_LABELS.get(d, d),
        key="pl_demand",
        help="Whom the model counts: the households it brings within reach are weighted by this.",
        disabled=model == "set_cover",
    )
    return PlacementOptions(
        model=model,
        new_centres=int(new),
        within_min=float(within),
        mode=str(mode),
        demand=cast(DemandName, demand),
        share=float(share),
    )


def _results(loaded: LoadedRegion, plan: PlacementPlan, seconds: float, *, share: float) -> None:
    region = loaded.region
    r = plan.result
    quality = "proven best" if r.proven_optimal else f"within {r.gap:.1%} of the best possible"
    st.success(
        f"{len(plan.sites)} new centre(s), {MODEL_LABELS.get(plan.model, plan.model).lower()}, "
        f"within {plan.within_min:g} min {mode_label(plan.mode)}: {quality} "
        f"({method_label(r.method)}; {seconds:.1f} s)."
    )
    b, a = plan.before, plan.after
    m1, m2, m3, m4 = st.columns(4)
    m1.metric(
        f"Households within {plan.within_min:g} min",
        f"{a['households_within']:,.0f}",
        f"{a['households_within'] - b['households_within']:+,.0f}",
    )
    if plan.model == "set_cover":
        got = settlement_share_within(plan)
        m2.metric(
            f"Settlements within {plan.within_min:g} min",
            pct_text(got),
            f"asked for {pct_text(share, digits=0)}",
            delta_color="off",
            delta_arrow="off",
            help="Set cover's target is a share of settlements; this is the share reached.",
        )
    else:
        m2.metric(
            f"Demand within {plan.within_min:g} min",
            pct_text(a["share_demand_within"]),
            _pp(a["share_demand_within"] - b["share_demand_within"]),
            help=f"Share of {DEMAND_LABELS.get(plan.demand, plan.demand)} within "
            f"{plan.within_min:g} min of a centre.",
        )
    m3.metric(
        f"Median trip ({'on foot' if plan.mode == 'walk' else plan.mode})",
        duration_text(a["median_min"]),
        f"{a['median_min'] - b['median_min']:+.1f} min",
        delta_color="inverse",
    )
    m4.metric(
        f"Furthest 10% ({'on foot' if plan.mode == 'walk' else plan.mode})",
        duration_text(a["p90_min"]),
        f"{a['p90_min'] - b['p90_min']:+.1f} min",
        delta_color="inverse",
        help="90% of households live closer to a centre than this.",
    )
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
        fmap,
        key="placement_map",
        height=MAP_HEIGHT_PX,
        use_container_width=True,
        returned_objects=[],
    )
    left, right = st.columns(2)
    with left:
        st.markdown("**Before and after**")
        st.dataframe(before_after_table(plan), hide_index=True)
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
                height=220,
            )
        else:
            st.info("No curve: no new site was chosen.")
    st.subheader("Proposed sites")
    sites = sites_table(plan)
    st.dataframe(
        pd.DataFrame(sites.drop(columns="geometry")),
        hide_index=True,
        column_config=SITE_COLUMNS,
    )
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
    with st.expander("Run details (for analysts)"):
        st.json(plan.summary())


#: Column labels of the proposed-sites table (the data keeps its column names for export).
SITE_COLUMNS = {
    "order": st.column_config.NumberColumn("Order", help="Order in which the sites add most."),
    "centre_id": st.column_config.TextColumn("Site id"),
    "name": st.column_config.TextColumn("Site"),
    "tehsil": st.column_config.TextColumn("Tehsil"),
    "union_council": st.column_config.TextColumn("Union council"),
    "gain_at_entry": st.column_config.NumberColumn(
        "Demand it adds (households)", format="localized"
    ),
    "demand_only_this_site": st.column_config.NumberColumn(
        "Demand only it reaches (households)", format="localized"
    ),
    "households_within": st.column_config.NumberColumn(
        "Households within reach", format="localized"
    ),
    "opening_cost_pkr": st.column_config.NumberColumn("Opening cost (PKR)", format="localized"),
    "suppressed": st.column_config.CheckboxColumn("Hidden (small group)"),
}
#: Set cover's starting target (share of settlements): 100% is often out of reach.
SET_COVER_SHARE = 0.95


def _uc_names(region: Region) -> pd.DataFrame:
    s = region.settlements
    return pd.DataFrame(s[["tehsil", "union_council"]].drop_duplicates())


def _pct(v: float) -> str:
    return "-" if not np.isfinite(v) else f"{100 * v:.1f}%"


def _pp(v: float) -> str:
    return "-" if not np.isfinite(v) else f"{100 * v:+.1f} pp"
