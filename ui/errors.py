"""Showing our errors as readable messages (anything else is a bug and surfaces)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from geodata.errors import AccessGapError, SchemaError

__all__ = ["problems_table", "show_error"]


def problems_table(err: SchemaError) -> pd.DataFrame:
    """One row per problem: file, row, column, what is wrong and what to do."""
    return pd.DataFrame(
        {
            "file": [p.source for p in err.problems],
            "row": ["" if p.row is None else str(p.row) for p in err.problems],
            "column": [p.column or "" for p in err.problems],
            "problem and what to do": [p.message for p in err.problems],
        }
    )


def show_error(err: AccessGapError, *, what: str) -> None:
    """Show one of our errors: a headline, then the list of problems when there are many."""
    if isinstance(err, SchemaError):
        n = len(err.problems)
        st.error(f"{what}: {n} problem{'s' if n != 1 else ''} found. Nothing was run on this data.")
        # a static table wraps long cells: "what to do" is read in full, never cut
        st.table(problems_table(err).set_index("file"))
    else:
        st.error(f"{what}: {err}")
