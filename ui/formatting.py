"""Numbers and names for people: durations, shares, units in headers, plain-language labels.

Presentation only (no analysis): every page formats its figures and names its models,
methods and modes through here, so a planner reads "30 h 6 min", "84.4%" and "Maximise
households covered" instead of ``1806``, ``0.8443`` and ``mclp``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import pandas as pd

from scenarios.routing.options import VAN_DEFAULTS

__all__ = [
    "DEMAND_LABELS",
    "GAP_SCORE_HELP",
    "METHOD_LABELS",
    "MODEL_HELP",
    "MODEL_LABELS",
    "MODE_LABELS",
    "count_text",
    "duration_text",
    "method_label",
    "mode_label",
    "pct_text",
    "people_table",
    "plain_reason",
]

#: Placement models in plain words (``scenarios.placement.MODELS``).
MODEL_LABELS: dict[str, str] = {
    "mclp": "Maximise households covered",
    "p_median": "Shortest average trip",
    "set_cover": "Fewest centres to reach a share of settlements",
}
#: One line of help per placement model.
MODEL_HELP: dict[str, str] = {
    "mclp": "Opens the given number of centres where they bring the most demand within the "
    "time limit (maximum coverage).",
    "p_median": "Opens the given number of centres so that the average trip, weighted by "
    "demand, is as short as possible (p-median); far settlements count too.",
    "set_cover": "Opens as few centres as needed so that the chosen share of settlements is "
    "within the time limit (set cover); the number of centres is the answer, not an input.",
}
#: How a placement was solved, in plain words (``PlacementResult.method``).
METHOD_LABELS: dict[str, str] = {
    "milp": "exact optimisation",
    "heuristic": "fast search",
    "heuristic+milp": "fast search, then exact optimisation on the hard part",
    "milp+heuristic": "exact optimisation ran out of time; fast search's answer kept",
    "mclp+capacity check": "fast search; every centre's capacity checked",
}
#: Demand weights in plain words (``scenarios.placement.DEMANDS``).
DEMAND_LABELS: dict[str, str] = {
    "unregistered_poor": "unregistered poor households",
    "households": "all households",
    "expected_new": "expected new registrations (exclusion model)",
}
#: Travel modes in plain words.
MODE_LABELS: dict[str, str] = {
    "walk": "on foot",
    "motorbike": "by motorbike or public transport",
    "car": "by car",
}
#: What the gap score means (shown beside every gap score).
GAP_SCORE_HELP = (
    "Gap score: what registering would cost the settlement's unregistered poor households "
    "together, in thousands of rupees (PKR 000): fares plus working time lost for the trips "
    "(2 visits, 2 hours' wait at the centre, a day's wage of PKR 1,400). "
    "Bigger = more poor households left out, further away."
)


def plain_reason(text: str) -> str:
    """A van plan's reason or status with its internal setting names in plain words.

    Examples
    --------
    >>> plain_reason("dropped: multi-day halt left out: multi-day halts would exceed "
    ...              "max_block_share")
    'dropped: multi-day halt left out: halts needing several days may take at most 50% of the \
van-days'
    """
    out = text
    for name, words in _SETTING_WORDS.items():
        out = out.replace(name, words)
    return out


def duration_text(minutes: float) -> str:
    """A travel time for people: minutes below two hours, hours and minutes above.

    Examples
    --------
    >>> duration_text(47.4), duration_text(1806), duration_text(120), duration_text(float("nan"))
    ('47 min', '30 h 6 min', '2 h', 'unreachable')
    """
    if minutes is None or not math.isfinite(float(minutes)):
        return "unreachable"
    total = round(float(minutes))
    if total < 120:
        return f"{total} min"
    hours, rest = divmod(total, 60)
    return f"{hours:,} h" if rest == 0 else f"{hours:,} h {rest} min"


def pct_text(share: float, *, digits: int = 1) -> str:
    """A share (0-1) as a percentage, ``-`` when unknown.

    Examples
    --------
    >>> pct_text(0.8443), pct_text(float("nan"))
    ('84.4%', '-')
    """
    if share is None or not math.isfinite(float(share)):
        return "-"
    return f"{100 * float(share):.{digits}f}%"


def count_text(value: float) -> str:
    """A count with thousands separators, ``-`` when unknown.

    Examples
    --------
    >>> count_text(2459.6092), count_text(float("nan"))
    ('2,460', '-')
    """
    if value is None or not math.isfinite(float(value)):
        return "-"
    return f"{float(value):,.0f}"


def method_label(method: str) -> str:
    """How a placement was solved, in plain words (the internal name when unknown)."""
    return METHOD_LABELS.get(method, method)


def mode_label(mode: str) -> str:
    """A travel mode in plain words (``"by car"``)."""
    return MODE_LABELS.get(mode, mode)


def people_table(
    table: pd.DataFrame,
    headers: Mapping[str, str],
    *,
    shares: tuple[str, ...] = (),
    durations: tuple[str, ...] = (),
    counts: tuple[str, ...] = (),
) -> pd.DataFrame:
    """``table`` with readable headers and formatted cells, for showing (not for sums).

    Parameters
    ----------
    table
        Any table.
    headers
        Column -> header (with its unit); columns not named here are dropped.
    shares, durations, counts
        Columns shown as percentages (of 0-1 shares), as travel times
        (:func:`duration_text`) and as whole numbers with separators.

    Examples
    --------
    >>> t = pd.DataFrame({"s": [0.8443], "t": [1806.0], "n": [2459.6]})
    >>> people_table(t, {"s": "Share", "t": "Walk", "n": "Households"},
    ...              shares=("s",), durations=("t",), counts=("n",)).iloc[0].tolist()
    ['84.4%', '30 h 6 min', '2,460']
    """
    out = pd.DataFrame(index=table.index)
    for col, header in headers.items():
        if col not in table.columns:
            continue
        values = table[col]
        if col in shares:
            out[header] = [pct_text(v) for v in pd.to_numeric(values, errors="coerce")]
        elif col in durations:
            out[header] = [duration_text(v) for v in pd.to_numeric(values, errors="coerce")]
        elif col in counts:
            out[header] = [count_text(v) for v in pd.to_numeric(values, errors="coerce")]
        else:
            out[header] = values
    return out


#: Internal setting names that reach a van plan's reasons, in plain words (app defaults).
_SETTING_WORDS: dict[str, str] = {
    "multi-day halts would exceed max_block_share": (
        "halts needing several days may take at most "
        f"{100 * VAN_DEFAULTS.max_block_share:.0f}% of the van-days"
    ),
    " (min_onsite_ratio)": " (a van stays at least as long on site as it drives)",
    "max_block_share": "the share of van-days for multi-day halts",
    "min_onsite_ratio": "the time on site for each hour of driving",
}
