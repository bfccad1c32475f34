"""Compare scenarios page: scenario results side by side (``scenarios.compare``).

Results are the folders written by ``accessgap run`` / ``make demo`` (each holds
``metrics.json`` and ``scenario.json``), found under the output folder (``out/`` or
``$ACCESSGAP_OUT``) and named by their scenario names. The base is chosen explicitly (by
default the scenario named "baseline"). The page shows the side-by-side table, the
differences against the base (coloured), the households-within-reach chart, two maps of where
access changed (each titled by its scenario, with its centres and the union councils), the
printable report for download, and the channel portfolio (``accessgap plan``) when one was
saved.
"""

from __future__ import annotations

import tempfile
import zlib
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geodata.errors import AccessGapError
from geodata.region import Region
from geodata.units import unit_geometries
from scenarios.compare import compare_runs
from scenarios.comparison import (
    Comparison,
    RunData,
    build_comparison,
    find_runs,
    load_run,
    reach_table,
    scenario_names,
)
from ui import data
from ui.compare_tables import differences_styler, reach_chart, table_styler
from ui.context import LoadedRegion
from ui.errors import show_error
from ui.maps import change_map
from ui.portfolio import render_portfolio

__all__ = ["default_base", "render", "runs_on_region", "second_map_index"]


def render(loaded: LoadedRegion) -> None:
    """Draw the Compare scenarios page."""
    st.subheader("Compare scenarios")
    root = data.out_dir()
    runs = find_runs(root)
    if len(runs) < 2:
        st.info(
            "There are fewer than two saved scenario results on this server, so there is "
            "nothing to compare yet. Scenario results are prepared by the people who run this "
            "server; they appear here as soon as they are saved."
        )
        render_portfolio(root)
        return
    names = scenario_names(runs)
    keys = list(runs)
    base = st.selectbox(
        "Base scenario (the others are compared with it)",
        keys,
        index=keys.index(default_base(names)),
        format_func=lambda k: names[k],
        key="cmp_base",
    )
    others = [k for k in keys if k != base]
    chosen = st.multiselect(
        "Scenarios to compare with the base",
        others,
        default=others[: min(4, len(others))],
        format_func=lambda k: names[k],
        key=f"cmp_runs_{base}",  # a new base starts from the default choice
    )
    if not chosen:
        st.info("Pick at least one scenario to compare with the base.")
        return
    folders = tuple(str(runs[k]) for k in (base, *chosen))
    try:
        comp = _comparison(folders, _stamp(folders))
    except AccessGapError as exc:
        show_error(exc, what="The scenarios cannot be compared")
        return
    for note in comp.notes:
        if "SYNTHETIC" not in note:  # the one synthetic banner is the app's
            st.warning(note)
    st.markdown(f"**Side by side** (base: {comp.names[0]})")
    st.dataframe(table_styler(comp), width="stretch")
    st.markdown(f"**Differences against {comp.names[0]}** (green: better, red: worse)")
    st.dataframe(differences_styler(comp), width="stretch")
    st.markdown("**Households within reach of a centre**")
    chart = reach_table(comp)
    if len(chart.columns):
        st.altair_chart(reach_chart(chart), width="stretch")
    else:
        st.caption("These results hold no figures of households within reach.")
    if comp.changes is not None and len(comp.names) > 1:
        _change_maps(loaded, comp, comp.changes)
    _report(folders)
    render_portfolio(root)


def runs_on_region(region: Region, fingerprint: str, runs: Sequence[RunData]) -> bool:
    """Whether every run is on ``region`` (so its outlines may be drawn under the runs).

    The same region is recognised by its fingerprint, or, since a run on the sample built in
    memory carries the content's fingerprint and a region read from disk its files', by the
    same name with every settlement of the runs in it.
    """
    prints = {r.metrics.get("region", {}).get("fingerprint") for r in runs}
    if prints == {fingerprint}:
        return True
    names = {r.metrics.get("region", {}).get("name") for r in runs}
    ids = set(region.settlements["settlement_id"].astype(str))
    return names == {region.name} and all(
        set(r.settlements["settlement_id"].astype(str)) <= ids for r in runs
    )


def default_base(names: dict[str, str]) -> str:
    """The key of the scenario named "base" or "baseline" (any case), else the first key.

    Examples
    --------
    >>> default_base({"a/x": "ten centres", "a/b": "Baseline"})
    'a/b'
    >>> default_base({"x": "one", "y": "two"})
    'x'
    """
    for key, name in names.items():
        if name.strip().lower() in ("base", "baseline"):
            return key
    return next(iter(names))


def second_map_index(n_others: int) -> int:
    """The second change map's default: another scenario than the first map's when there is one.

    Examples
    --------
    >>> second_map_index(1), second_map_index(3)
    (0, 1)
    """
    return 1 if n_others >= 2 else 0


def _change_maps(loaded: LoadedRegion, comp: Comparison, changes: pd.DataFrame) -> None:
    st.markdown(f"**Where trips got shorter or longer** ({comp.mode}, minutes against the base)")
    others = list(comp.names[1:])
    units = _boundaries(loaded, comp)
    # two maps showing different scenarios by default when there are two. The keys name the
    # scenarios on offer: another choice of scenarios starts from the defaults (a choice kept
    # from a single-scenario comparison made both maps show the same scenario).
    offer = zlib.crc32("\n".join(others).encode())
    cols = st.columns(2)
    for i, col in enumerate(cols):
        with col:
            pick = st.selectbox(
                "Scenario on this map",
                others,
                index=second_map_index(len(others)) if i else 0,
                key=f"cmp_map_{i}_{offer}",
            )
            st.markdown(f"**{pick}** against **{comp.names[0]}**")
            run = comp.runs[comp.names.index(pick)]
            st_folium(
                change_map(changes, pick, centres=run.centres, units=units),
                height=420,
                returned_objects=[],
                key=f"cmp_folium_{i}_{pick}",
            )


def _boundaries(loaded: LoadedRegion, comp: Comparison) -> gpd.GeoDataFrame | None:
    """Union-council outlines when the runs are on the region open in the app."""
    if not runs_on_region(loaded.region, loaded.fingerprint, comp.runs):
        return None
    s = loaded.region.settlements
    units = unit_geometries(
        loaded.region,
        "union_council",
        pd.DataFrame(s[["tehsil", "union_council"]].drop_duplicates()),
    )
    return units if units is not None and len(units) else None


def _report(folders: tuple[str, ...]) -> None:
    st.markdown("**Report for officials**")
    if st.button("Build the report (HTML and PDF)", key="cmp_report"):
        with st.status("Writing the report...", expanded=False) as status:
            try:
                status.write("Tables, charts and maps of every scenario, then the PDF")
                out = Path(tempfile.mkdtemp(prefix="accessgap-report-")) / "report"
                rep = compare_runs(list(folders), out)
            except AccessGapError as exc:
                status.update(label="The report could not be written", state="error")
                show_error(exc, what="The report could not be written")
                return
            status.update(label="Report ready", state="complete")
        st.session_state["cmp_report_files"] = (rep.html.read_bytes(), rep.pdf.read_bytes())
    files = st.session_state.get("cmp_report_files")
    if files:
        c1, c2 = st.columns(2)
        c1.download_button(
            "Download report.html", files[0], "report.html", "text/html", key="cmp_dl_html"
        )
        c2.download_button(
            "Download report.pdf", files[1], "report.pdf", "application/pdf", key="cmp_dl_pdf"
        )


@st.cache_data(show_spinner="Comparing scenarios...", max_entries=16)
def _comparison(folders: tuple[str, ...], stamp: str) -> Comparison:
    return build_comparison([load_run(f) for f in folders])


def _stamp(folders: tuple[str, ...]) -> str:
    return ",".join(str((Path(f) / "metrics.json").stat().st_mtime_ns) for f in folders)
