"""The opening of the comparison report: one paragraph and a recommendation table.

:func:`recommendation_table` ranks the scenarios against the base by cost per expected new
registration (the lowest first, among those that bring new registrations at all; the rule
is stated under the table); :func:`summary_html` says in one paragraph what the best of them
buys, what the largest brings and which make access worse. :func:`fmt_value` formats a
figure for people: thousands separators, shares in per cent, long times in hours.
"""

from __future__ import annotations

import html
import math
from typing import Any

import numpy as np
import pandas as pd

from scenarios.comparison import Comparison

__all__ = ["fmt_value", "recommendation_table", "summary_html"]

_REG = "expected_new_registrations"
_COST = "cost_over_horizon_pkr"
_PER = "cost_per_expected_registration_pkr"
_REACH = "households_within_60_min"
_LOST = "households_slower_by_1_min"


def fmt_value(v: Any, unit: str, *, signed: bool = False) -> str:
    """A figure for people: ``12,346``, ``84.4%``, ``45 min``, ``3.2 h``, ``n/a``.

    Examples
    --------
    >>> fmt_value(2459.6092, "households"), fmt_value(0.8443, "share")
    ('2,460', '84.4%')
    >>> fmt_value(1806, "min"), fmt_value(12.34, "min"), fmt_value(-30, "min", signed=True)
    ('30.1 h', '12.3 min', '-30 min')
    >>> fmt_value(float("nan"), "PKR")
    'n/a'
    """
    try:
        x = float(v)
    except (TypeError, ValueError):
        return "n/a"
    if not math.isfinite(x):
        return "n/a"
    sign = "+" if signed else ""
    if unit == "share":
        return f"{x:{sign}.1%}"
    if unit == "min":
        if abs(x) >= 90:
            return f"{x / 60:{sign}.1f} h"
        return f"{x:{sign}.1f} min" if abs(x) < 20 and x != round(x) else f"{x:{sign}.0f} min"
    return f"{x:{sign},.0f}"


def recommendation_table(comp: Comparison) -> pd.DataFrame:
    """The scenarios against the base, best value first.

    Returns
    -------
    pandas.DataFrame
        One row per scenario other than the base: ``scenario``, ``expected_new_registrations``,
        ``cost_over_horizon_pkr``, ``cost_per_expected_registration_pkr``,
        ``households_within_60_min_change``, ``households_slower`` and ``verdict``
        (``"recommended"`` for the lowest cost per expected new registration among those
        with more than zero; ``"no new registrations"``; ``"higher cost per registration"``),
        sorted with the recommended first.
    """
    rows = []
    for name in comp.names[1:]:
        rows.append(
            {
                "scenario": name,
                _REG: _get(comp.table, _REG, name),
                _COST: _get(comp.table, _COST, name),
                _PER: _get(comp.table, _PER, name),
                f"{_REACH}_change": _get(comp.differences, _REACH, name),
                "households_slower": _get(comp.table, _LOST, name),
            }
        )
    df = pd.DataFrame(rows)
    positive = df[_REG].fillna(0) > 0
    per = df[_PER].where(positive & np.isfinite(df[_PER]), np.inf)
    df["verdict"] = np.where(positive, "higher cost per registration", "no new registrations")
    if positive.any() and np.isfinite(per).any():
        df.loc[per.idxmin(), "verdict"] = "recommended"
    order = np.lexsort((per.to_numpy(), ~df["verdict"].eq("recommended").to_numpy()))
    return df.iloc[order].reset_index(drop=True)


def summary_html(comp: Comparison) -> str:
    """One paragraph and the recommendation table, as HTML (the report's first section)."""
    e = html.escape
    rec = recommendation_table(comp)
    base = comp.names[0]
    sentences = [
        f"{len(rec)} scenario{'s' if len(rec) != 1 else ''} compared with <b>{e(base)}</b>, "
        "each on the same region, travel model, horizon and turnout model."
    ]
    best = rec[rec["verdict"].eq("recommended")]
    if len(best):
        b = best.iloc[0]
        sentences.append(
            f"<b>{e(str(b['scenario']))}</b> buys new registrations most cheaply: "
            f"{fmt_value(b[_REG], 'households')} expected new registrations of bottom-40% "
            f"households over the horizon at PKR {fmt_value(b[_PER], 'PKR')} each "
            f"(PKR {fmt_value(b[_COST], 'PKR')} in all)."
        )
        most = rec.iloc[int(np.argmax(rec[_REG].fillna(-np.inf).to_numpy()))]
        if most["scenario"] != b["scenario"]:
            sentences.append(
                f"<b>{e(str(most['scenario']))}</b> brings the most "
                f"({fmt_value(most[_REG], 'households')}) at PKR "
                f"{fmt_value(most[_PER], 'PKR')} each."
            )
    else:
        sentences.append("None of them is expected to bring new registrations.")
    worse = rec[rec["households_slower"].fillna(0) > 0]
    if len(worse):
        parts = ", ".join(
            f"{e(str(r['scenario']))} ({fmt_value(r['households_slower'], 'households')})"
            for _, r in worse.iterrows()
        )
        sentences.append(f"Trips get longer for some households in {parts}.")
    if any("SYNTHETIC" in n for n in comp.notes):
        sentences.append("All figures are SYNTHETIC.")
    head = (
        "<thead><tr><th>Scenario</th><th>Verdict</th>"
        '<th class="num">Expected new registrations (households)</th>'
        '<th class="num">Cost over the horizon (PKR)</th>'
        '<th class="num">Cost per expected registration (PKR)</th>'
        '<th class="num">Change in households within 60 min</th>'
        '<th class="num">Households whose trip got longer</th></tr></thead>'
    )
    body = []
    for _, r in rec.iterrows():
        cls = ' class="best"' if r["verdict"] == "recommended" else ""
        body.append(
            f"<tr{cls}><td><b>{e(str(r['scenario']))}</b></td><td>{e(str(r['verdict']))}</td>"
            f'<td class="num">{fmt_value(r[_REG], "households")}</td>'
            f'<td class="num">{fmt_value(r[_COST], "PKR")}</td>'
            f'<td class="num">{fmt_value(r[_PER], "PKR")}</td>'
            f'<td class="num">{fmt_value(r[f"{_REACH}_change"], "households", signed=True)}</td>'
            f'<td class="num">{fmt_value(r["households_slower"], "households")}</td></tr>'
        )
    return (
        f'<section id="summary"><h2>Summary</h2><p class="summary">{" ".join(sentences)}</p>'
        f'<table class="recommend">{head}<tbody>{"".join(body)}</tbody></table>'
        '<p class="note">Recommended: the lowest cost per expected new registration among the '
        "scenarios expected to bring any; the others follow by that cost. Expected "
        "registrations and costs are over the same horizon (see <i>How the figures are "
        "computed</i>).</p></section>"
    )


def _get(df: pd.DataFrame, key: str, name: str) -> float:
    if key not in df.index or name not in df.columns:
        return float("nan")
    v = pd.to_numeric(pd.Series([df.loc[key, name]]), errors="coerce").iloc[0]
    return float(v)
