"""accessgap: the Streamlit app (thin: every page calls the library; see docs/app.md).

Run with ``streamlit run app.py`` (``make app``). The region shown is ``regions/sample``
unless ``ACCESSGAP_REGION`` or the sidebar's folder field says otherwise; the sample region
is generated on first use when it is missing.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from geodata.errors import AccessGapError
from ui import data
from ui.context import PENDING_KEY, REGION_KEY, LoadedRegion
from ui.errors import show_error

PAGES = ("Explore", "Place centres", "Plan vans", "Compare scenarios", "Your data")


def main() -> None:
    """Draw the sidebar, open the session's region and draw the chosen page."""
    st.set_page_config(page_title="accessgap", layout="wide")
    # a page (e.g. "Your data") may ask for another region before the widget is drawn
    if PENDING_KEY in st.session_state:
        st.session_state[REGION_KEY] = st.session_state.pop(PENDING_KEY)
    st.session_state.setdefault(REGION_KEY, data.default_region_path())
    with st.sidebar:
        st.title("accessgap")
        st.caption("Who can reach Pakistan's social registry (NSER), and where to bring it closer.")
        page = st.radio("Page", PAGES, key="page")
        st.text_input(
            "Region folder",
            key=REGION_KEY,
            help="A region package folder (see README). Set ACCESSGAP_REGION to change the "
            "default, or upload your own on the 'Your data' page.",
        )
    loaded = _open_region(str(st.session_state[REGION_KEY]).strip())
    if loaded is not None:
        _region_banner(loaded)
    if page == "Your data":
        from ui import upload

        upload.render(loaded)
        return
    if loaded is None:
        st.info("Open a valid region (sidebar) or upload one on the 'Your data' page.")
        return
    if page == "Explore":
        from ui import explore

        explore.render(loaded)
    elif page == "Place centres":
        from ui import place

        place.render(loaded)
    elif page == "Plan vans":
        from ui import vans

        vans.render(loaded)
    else:
        from ui import compare

        compare.render(loaded)


def _open_region(path: str) -> LoadedRegion | None:
    """Load (from cache) and validate the region at ``path``; show our errors, else None."""
    if not path:
        st.sidebar.error("Enter a region folder.")
        return None
    try:
        if Path(path) == Path(data.DEFAULT_REGION) and not (Path(path) / "region.json").is_file():
            with st.spinner("Generating the synthetic sample region (first start only)..."):
                data.ensure_sample_region(path)
        ref = data.region_ref(path)
        with st.spinner(f"Opening and validating {ref.path}..."):
            region = data.load_region_cached(ref.path, ref.stamp)
    except AccessGapError as err:
        show_error(err, what=f"The region at '{path}' cannot be used")
        return None
    return LoadedRegion(ref.path, region.fingerprint(), region)


def _region_banner(loaded: LoadedRegion) -> None:
    region = loaded.region
    if region.synthetic:
        st.warning(f"**SYNTHETIC DATA**: {loaded.label}", icon="⚠️")
    st.sidebar.markdown(
        f"**{region.name}**  \n{len(region.settlements):,} settlements, "
        f"{int(region.settlements['households'].sum()):,} households, "
        f"{len(region.centres)} centres, {len(region.candidates)} candidate sites"
        + ("  \n:orange[**SYNTHETIC**]" if region.synthetic else "")
    )
    if not region.coverage_known:
        st.info("Registry coverage is unknown for this region; gap figures cannot be computed.")


main()
