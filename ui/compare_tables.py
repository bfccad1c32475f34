"""The Compare page's tables for people: units in the row names, separators, colour.

Presentation only: :mod:`scenarios.comparison` builds the tables; here they get readable
row names (label and unit), numbers with thousands separators, and, for the differences
against the base, green where a scenario does better and red where it does worse (the
stronger the colour, the larger the change in that row).
"""

from __future__ import annotations

import math

import altair as alt
import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from scenarios.comparison import Comparison

__all__ = [
    "BETTER",
    "REACH_PALETTE",
    "WORSE",
    "cell_colour",
    "differences_styler",
    "reach_chart",
    "row_name",
    "table_styler",
]

#: Travel-time bands of the reach chart, shortest first: light to dark of one hue (Blues).
REACH_PALETTE: tuple[str, ...] = ("#c6dbef", "#6baed6", "#2171b5", "#08306b")

#: Background of a cell where the scenario does better / worse than the base (RGB).
BETTER = (26, 152, 80)
WORSE = (215, 48, 39)


def row_name(label: str, unit: str) -> str:
    """A metric's row name with its unit: ``"Median travel time (household-weighted), min"``.

    Examples
    --------
    >>> row_name("Households within 30 min", "households")
    'Households within 30 min'
    >>> row_name("One-off cost", "PKR")
    'One-off cost (PKR)'
    """
    if not unit or unit.lower() in label.lower():
        return label
    return f"{label} ({unit})"


def table_styler(comp: Comparison) -> Styler:
    """The side-by-side table (rows: metrics with units; columns: scenarios, base first)."""
    values = _values(comp.table, comp.names)
    return values.style.format(_number, na_rep="-")


def differences_styler(comp: Comparison) -> Styler:
    """Each scenario minus the base, signed, coloured green (better) or red (worse)."""
    names = [n for n in comp.names[1:] if n in comp.differences.columns]
    values = _values(comp.differences, names)
    better = dict(zip(values.index, comp.differences["better"].astype(str), strict=True))

    def colour_row(row: pd.Series) -> list[str]:
        top = float(np.nanmax(np.abs(row.to_numpy(float)))) if row.notna().any() else 0.0
        return [cell_colour(v, better[str(row.name)], top) for v in row.to_numpy(float)]

    return values.style.format(_signed, na_rep="-").apply(colour_row, axis=1)


def cell_colour(value: float, better: str, top: float) -> str:
    """CSS of one difference: green if it goes the ``better`` way ("up"/"down"), else red.

    The opacity grows with ``|value| / top``; no colour for zero, unknown or neutral rows.

    Examples
    --------
    >>> cell_colour(5.0, "up", 10.0)
    'background-color: rgba(26, 152, 80, 0.45)'
    >>> cell_colour(5.0, "down", 5.0)
    'background-color: rgba(215, 48, 39, 0.70)'
    >>> cell_colour(0.0, "up", 5.0), cell_colour(3.0, "", 5.0)
    ('', '')
    """
    if better not in ("up", "down") or not math.isfinite(value) or value == 0 or top <= 0:
        return ""
    good = (value > 0) == (better == "up")
    r, g, b = BETTER if good else WORSE
    alpha = 0.2 + 0.5 * min(abs(value) / top, 1.0)
    return f"background-color: rgba({r}, {g}, {b}, {alpha:.2f})"


def _values(table: pd.DataFrame, names: tuple[str, ...] | list[str]) -> pd.DataFrame:
    index = [
        row_name(str(lab), str(unit))
        for lab, unit in zip(table["label"], table["unit"], strict=True)
    ]
    values = pd.DataFrame(table[list(names)].apply(pd.to_numeric, errors="coerce"), dtype=float)
    values.index = pd.Index(index, name="Figure")
    return values


def _number(x: object) -> str:
    v = float(x)  # type: ignore[arg-type]  # the table's cells are floats
    if not math.isfinite(v):
        return "-"
    return f"{v:,.0f}" if abs(v) >= 100 or float(v).is_integer() else f"{v:,.1f}"


def _signed(x: object) -> str:
    v = float(x)  # type: ignore[arg-type]  # the table's cells are floats
    if not math.isfinite(v):
        return "-"
    return f"{v:+,.0f}" if abs(v) >= 100 or float(v).is_integer() else f"{v:+,.1f}"


def reach_chart(reach: pd.DataFrame) -> alt.Chart:
    """Grouped bars: households within each travel-time band, per scenario.

    The bands keep the order of ``reach``'s columns (:func:`scenarios.comparison.reach_table`:
    30, 60, 120 min), shortest band lightest; a chart library sorting them as text would put
    120 first.

    Parameters
    ----------
    reach
        Scenarios (rows) by bands (columns, labels), households.
    """
    bands = [str(c) for c in reach.columns]
    long = (
        reach.rename_axis("scenario")
        .reset_index()
        .melt(id_vars="scenario", var_name="band", value_name="households")
    )
    palette = list(REACH_PALETTE[-len(bands) :]) if len(bands) <= len(REACH_PALETTE) else None
    colour = alt.Color(
        "band:N",
        sort=bands,
        title="Travel time to a centre",
        scale=alt.Scale(domain=bands, range=palette) if palette else alt.Scale(scheme="blues"),
    )
    chart: alt.Chart = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("scenario:N", sort=list(reach.index.astype(str)), title="scenario"),
            xOffset=alt.XOffset("band:N", sort=bands),
            y=alt.Y("households:Q", title="households", axis=alt.Axis(format=",.0f")),
            color=colour,
            tooltip=[
                alt.Tooltip("scenario:N"),
                alt.Tooltip("band:N", title="band"),
                alt.Tooltip("households:Q", format=",.0f"),
            ],
        )
        .properties(height=320)
    )
    return chart
