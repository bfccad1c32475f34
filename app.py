"""accessgap: the Streamlit app (thin: every page calls the library; see docs/app.md).

Run with ``streamlit run app.py`` (``make app``). The region shown first is
``regions/sample`` (generated on first use when it is missing) unless ``ACCESSGAP_REGION``
says otherwise. The sidebar offers only the regions the operator lists in
``ACCESSGAP_REGIONS`` and the session's own uploads; no other folder is ever opened.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import streamlit as st

from geodata.errors import AccessGapError
from ui import data, upload
from ui.context import PENDING_KEY, REGION_KEY, LoadedRegion
from ui.errors import show_error

PAGES = (
    "Explore",
    "Place centres",
    "Plan vans",
    "Field plans",
    "Compare scenarios",
    "Your data",
)
#: A compact page head (Streamlit's default top padding pushes the map below a laptop's fold).
COMPACT_CSS = (
    "<style>.block-container{padding-top:2.2rem;padding-bottom:1rem}h3{padding-top:0.2rem}</style>"
)


def main() -> None:
    """Draw the sidebar, open the session's region and draw the chosen page."""
    st.set_page_config(page_title="accessgap", layout="wide")
    st.html(COMPACT_CSS)
    allowed = data.allowed_regions(upload.session_uploads())
    requested = _requested_region(allowed)
    with st.sidebar:
        st.title("accessgap")
        st.caption("Who can reach Pakistan's social registry (NSER), and where to bring it closer.")
        page = st.radio("Page", PAGES, key="page")
        labels = {c.path: c.label for c in allowed}
        st.selectbox(
            "Region",
            list(labels),
            key=REGION_KEY,
            format_func=lambda path: labels.get(path, path),
            placeholder="Choose a region",
            help="The regions this server offers (its operator lists them in "
            "ACCESSGAP_REGIONS) and the ones you uploaded on the 'Your data' page.",
        )
    loaded = _open_region(requested, allowed) if requested is not None else None
    if loaded is not None:
        _region_banner(loaded)
    if page == "Your data":
        upload.render(loaded)
        return
    if loaded is None:
        st.info("Choose a valid region in the sidebar or upload one on the 'Your data' page.")
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
    elif page == "Field plans":
        from ui import field

        field.render(loaded)
    else:
        from ui import compare

        compare.render(loaded)


def _requested_region(allowed: Sequence[data.RegionChoice]) -> str | None:
    """The region the session asks for, before the sidebar's choice is drawn.

    A page (e.g. "Your data" after an upload) may ask for another region through
    ``PENDING_KEY``. A path that is not one of ``allowed`` is returned as it is (to be
    refused by :func:`_open_region`) and the choice is cleared, so the picker never holds it.
    """
    if PENDING_KEY in st.session_state:
        st.session_state[REGION_KEY] = st.session_state.pop(PENDING_KEY)
    st.session_state.setdefault(REGION_KEY, allowed[0].path)
    value = st.session_state[REGION_KEY]
    if value is None:
        return None
    try:
        st.session_state[REGION_KEY] = data.find_allowed(str(value), allowed).path
    except data.RegionNotAllowedError:
        st.session_state[REGION_KEY] = None
    return str(value)


def _open_region(path: str, allowed: Sequence[data.RegionChoice]) -> LoadedRegion | None:
    """Load (from cache) and validate the allowed region at ``path``; show our errors, else None.

    A path that is not one of ``allowed`` is refused before anything reads it.
    """
    try:
        folder = data.find_allowed(path, allowed).path
        sample = Path(data.DEFAULT_REGION).resolve()
        if Path(folder) == sample and not (sample / "region.json").is_file():
            with st.spinner("Generating the synthetic sample region (first start only)..."):
                data.ensure_sample_region(str(sample))
        with st.spinner(f"Opening and validating {folder}..."):
            ref, region = data.open_region(folder, allowed)
    except AccessGapError as err:
        show_error(err, what=f"The region at '{path}' cannot be used")
        return None
    return LoadedRegion(ref.path, region.fingerprint(), region)


def _region_banner(loaded: LoadedRegion) -> None:
    region = loaded.region
    if region.synthetic:  # the one synthetic banner (pages leave the library's note out)
        st.warning(f"**SYNTHETIC DATA**: {loaded.label}", icon="⚠️")
    st.sidebar.markdown(
        f"**{region.name}**  \n{len(region.settlements):,} settlements, "
        f"{int(region.settlements['households'].sum()):,} households, "
        f"{len(region.centres)} centres, {len(region.candidates)} candidate sites"
        + ("  \n:orange[**SYNTHETIC**]" if region.synthetic else "")
    )
    surface = data.offroad_text(region)
    if surface:
        st.sidebar.caption(surface)
    if not region.coverage_known:
        st.info("Registry coverage is unknown for this region; gap figures cannot be computed.")


main()
