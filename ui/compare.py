"""Compare scenarios page: scenario results side by side (``scenarios.compare``).

Results are the folders written by ``accessgap run`` / ``make demo`` (each holds
``metrics.json`` and ``scenario.json``), found under the output folder (``out/`` or
``$ACCESSGAP_OUT``). The page shows the side-by-side table, the differences against the base,
charts, two maps of where access changed, and builds the printable report for download.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import streamlit as st
from streamlit_folium import st_folium

from geodata.errors import AccessGapError
from scenarios.compare import compare_runs
from scenarios.comparison import (
    Comparison,
    build_comparison,
    find_runs,
    labelled_table,
    load_run,
    reach_table,
)
from ui import data
from ui.context import LoadedRegion
from ui.errors import show_error
from ui.maps import change_map

__all__ = ["render"]


def render(loaded: LoadedRegion) -> None:
    """Draw the Compare scenarios page."""
    st.header("Compare scenarios")
    root = data.out_dir()
    runs = find_runs(root)
    if len(runs) < 2:
        st.info(
            f"Fewer than two scenario results in `{root}/`. Run `make demo` (writes "
            f"`{root}/demo/scenarios/`) or `accessgap run scenarios/examples/baseline.yaml "
            f"--out {root}/baseline` for each scenario you want to compare."
        )
        return
    names = list(runs)
    chosen = st.multiselect(
        "Scenarios to compare (the first is the base)",
        names,
        default=names[: min(5, len(names))],
        key="cmp_runs",
    )
    if len(chosen) < 2:
        st.info("Pick at least two scenarios.")
        return
    folders = tuple(str(runs[n]) for n in chosen)
    try:
        comp = _comparison(folders, _stamp(folders))
    except AccessGapError as exc:
        show_error(exc, what="The scenarios cannot be compared")
        return
    for note in comp.notes:
        st.warning(note)
    st.subheader("Side by side")
    st.dataframe(labelled_table(comp.table), width="stretch")
    st.subheader(f"Differences against {comp.names[0]}")
    st.dataframe(labelled_table(comp.differences), width="stretch")
    st.subheader("Households within reach of a centre")
    chart = reach_table(comp)
    if len(chart.columns):
        st.bar_chart(chart, stack=False)
    if comp.changes is not None and len(comp.names) > 1:
        st.subheader("Where access changed (minutes against the base)")
        others = list(comp.names[1:])
        cols = st.columns(2)
        for i, col in enumerate(cols):
            with col:
                pick = st.selectbox(
                    f"Map {i + 1}", others, index=min(i, len(others) - 1), key=f"cmp_map_{i}"
                )
                st_folium(
                    change_map(comp.changes, pick),
                    height=420,
                    returned_objects=[],
                    key=f"cmp_folium_{i}_{pick}",
                )
    st.subheader("Report for officials")
    if st.button("Build the report (HTML and PDF)", key="cmp_report"):
        with st.spinner("Writing the report..."):
            try:
                out = Path(tempfile.mkdtemp(prefix="accessgap-report-")) / "report"
                rep = compare_runs(list(folders), out)
            except AccessGapError as exc:
                show_error(exc, what="The report could not be written")
                return
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
