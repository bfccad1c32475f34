"""Compare scenarios page: saved results in ``out/`` side by side.

``scenarios.compare`` (what-if comparison) may not exist yet; until it does the page lists
the headline figures of the result folders written by ``accessgap demo`` and other runs.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from ui import data
from ui.context import LoadedRegion

__all__ = ["render", "saved_results", "summary_table"]

MODULE = "scenarios.compare"
MAX_FOLDERS = 30


def render(loaded: LoadedRegion) -> None:
    """Draw the Compare scenarios page."""
    st.header("Compare scenarios")
    if importlib.util.find_spec(MODULE) is None:
        st.info(
            "Interactive scenario comparison is not available in this version "
            f"(`{MODULE}` has not been added yet). Saved results are shown below."
        )
    root = data.out_dir()
    found = saved_results(root)
    if not found:
        st.info(
            f"No saved results in `{root}/`. Run `accessgap demo --out {root}/demo` (or "
            "`make demo`) to make some; each folder with a `*summary*.json` appears here."
        )
        return
    st.caption(f"{len(found)} result folder(s) in `{root}/`.")
    table = summary_table(found)
    chosen = st.multiselect(
        "Folders to compare", list(table.columns), default=list(table.columns)[:4], key="cmp_cols"
    )
    if chosen:
        st.dataframe(table[chosen], width="stretch")
    for folder in chosen:
        pngs = sorted(Path(found[folder]).glob("*.png"))
        if pngs:
            with st.expander(f"Charts in {folder}"):
                for png in pngs[:6]:
                    st.image(str(png), caption=png.name)


def saved_results(root: Path) -> dict[str, Path]:
    """Result folders under ``root`` (those holding a ``*summary*.json``), by name."""
    if not root.is_dir():
        return {}
    out: dict[str, Path] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if any(folder.glob("*summary*.json")):
            out[folder.name] = folder
        if len(out) >= MAX_FOLDERS:
            break
    return out


def summary_table(found: dict[str, Path]) -> pd.DataFrame:
    """Headline numbers of each folder's summary files: one column per folder."""
    cols: dict[str, dict[str, Any]] = {}
    for name, folder in found.items():
        row: dict[str, Any] = {}
        for f in sorted(folder.glob("*summary*.json")):
            try:
                doc = json.loads(f.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError):
                row[f"{f.stem}: unreadable"] = "yes"
                continue
            row.update(_flatten(doc, f.stem))
        cols[name] = row
    table = pd.DataFrame(cols)
    return table.astype(str).replace({"nan": "", "None": ""})


def _flatten(doc: Any, prefix: str, depth: int = 0) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if isinstance(doc, dict) and depth < 3:
        for k, v in doc.items():
            out.update(_flatten(v, f"{prefix}.{k}", depth + 1))
    elif isinstance(doc, int | float | str | bool) or doc is None:
        out[prefix] = round(doc, 4) if isinstance(doc, float) else doc
    return out
