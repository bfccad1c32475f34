"""The field calendar: windows of working days, one row per visit, and an iCalendar file.

Every field plan (a van campaign, a quarter of mobile reviews, a door-to-door sweep) becomes
the same table, :data:`CALENDAR_COLUMNS`, one row per distinct visit of a team to a settlement
on a date (:func:`campaign_calendar`); the notices, the SMS texts and ``calendar.ics``
(:func:`write_ics`) are written from it. Working days come from the van rules
(:func:`scenarios.routing.options.campaign_dates`), never from a calendar of their own.
"""

from __future__ import annotations

import hashlib
import itertools
import os
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from geodata.errors import AccessGapError
from scenarios.notices import KINDS
from scenarios.routing.options import campaign_dates
from scenarios.routing.van_calendar import CALENDAR_COLUMNS, campaign_calendar

__all__ = [
    "CALENDAR_COLUMNS",
    "KINDS",
    "campaign_calendar",
    "ics_text",
    "split_evenly",
    "sub_windows",
    "window_dates",
    "write_ics",
]

#: Pakistan Standard Time (UTC+05:00, no daylight saving since 2009).
_PKT = timezone(timedelta(hours=5))


def window_dates(start: date, weeks: int, working_days: Sequence[int]) -> tuple[date, ...]:
    """Working days of the window of ``weeks`` weeks from ``start`` (``start`` included).

    Raises
    ------
    AccessGapError
        When ``weeks`` is below 1 or no weekday is a working day.

    Examples
    --------
    >>> d = window_dates(date(2027, 1, 4), 1, (0, 1, 2, 3, 4, 5))
    >>> len(d), d[0].isoformat(), d[-1].isoformat()
    (6, '2027-01-04', '2027-01-09')
    """
    if weeks < 1:
        raise AccessGapError(f"weeks is {weeks}: give a window of at least 1 week")
    days = sum(1 for k in range(7 * weeks) if (start + timedelta(days=k)).weekday() in working_days)
    return campaign_dates(start, days, working_days) if days else ()


def split_evenly(n: int, parts: int) -> list[tuple[int, int]]:
    """``parts`` consecutive ``[start, stop)`` ranges of ``range(n)``, sizes differing by <= 1.

    Examples
    --------
    >>> split_evenly(10, 3)
    [(0, 4), (4, 7), (7, 10)]
    """
    # the longer parts first
    sizes = [n // parts + (1 if k < n % parts else 0) for k in range(parts)]
    edges = np.r_[0, np.cumsum(sizes)]
    return [(int(a), int(b)) for a, b in itertools.pairwise(edges)]


def sub_windows(dates: Sequence[date], visits: int) -> list[tuple[date, ...]]:
    """The window's working days in ``visits`` consecutive sub-windows of near-equal length.

    A target's ``k``-th visit falls in the ``k``-th sub-window, so visits are spread evenly.

    Raises
    ------
    AccessGapError
        When there are fewer working days than visits.

    Examples
    --------
    >>> ds = window_dates(date(2027, 1, 4), 2, (0, 1, 2, 3, 4, 5))
    >>> [len(w) for w in sub_windows(ds, 5)]
    [3, 3, 2, 2, 2]
    """
    if visits < 1 or len(dates) < visits:
        raise AccessGapError(
            f"{visits} visits need at least {visits} working days; the window has "
            f"{len(dates)}: more weeks or fewer visits"
        )
    return [tuple(dates[a:b]) for a, b in split_evenly(len(dates), visits)]


def ics_text(calendar: pd.DataFrame, *, name: str, uid_domain: str = "accessgap.local") -> str:
    r"""An iCalendar (RFC 5545) text with one VEVENT per calendar row.

    Times are Pakistan Standard Time written in UTC (``...Z``), so every calendar application
    shows them in its own zone without a time-zone table. Text is escaped and lines folded at
    75 octets as the RFC asks; ``UID`` is stable for the same visit.

    Examples
    --------
    >>> cal = pd.DataFrame({"date": ["2027-01-04"], "team": ["van 1"], "kind": ["review"],
    ...     "settlement": ["Dhok; A"], "unit_name": ["UC-1"], "arrive": ["09:00"],
    ...     "depart": ["11:30"], "expected_registrations": [3], "lat": [30.1], "lon": [70.2]})
    >>> [ln for ln in ics_text(cal, name="t").split("\r\n") if ln.startswith("DTSTART")]
    ['DTSTART:20270104T040000Z']
    """
    stamp = "20000101T000000Z"  # fixed: the same plan gives the same file
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//accessgap//field calendar//EN",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{_escape(name)}",
    ]
    for r in cast(Any, calendar).itertuples(index=False):
        day = date.fromisoformat(str(r.date))
        start, end = _utc(day, str(r.arrive)), _utc(day, str(r.depart))
        key = f"{r.date}|{r.team}|{r.kind}|{r.settlement}|{r.arrive}"
        uid = hashlib.sha256(key.encode()).hexdigest()[:24]
        summary = f"{str(r.kind).capitalize()}: {r.team} at {r.settlement} ({r.unit_name})"
        desc = f"Expected registrations: {r.expected_registrations}"
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uid}@{uid_domain}",
            f"DTSTAMP:{stamp}",
            f"DTSTART:{start}",
            f"DTEND:{end}",
            f"SUMMARY:{_escape(summary)}",
            f"LOCATION:{_escape(f'{r.settlement}, {r.unit_name}')}",
            f"GEO:{float(r.lat):.6f};{float(r.lon):.6f}",
            f"DESCRIPTION:{_escape(desc)}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(_fold(ln) + "\r\n" for ln in lines)


def write_ics(calendar: pd.DataFrame, path: str | os.PathLike[str], *, name: str) -> Path:
    """Write :func:`ics_text` to ``path`` (UTF-8, CRLF line ends)."""
    p = Path(path)
    p.write_bytes(ics_text(calendar, name=name).encode("utf-8"))
    return p


# --------------------------------------------------------------------------------------------
# Private helpers
# --------------------------------------------------------------------------------------------


def _utc(day: date, hh_mm: str) -> str:
    h, m = (int(x) for x in hh_mm.split(":"))
    local = datetime(day.year, day.month, day.day, tzinfo=_PKT) + timedelta(hours=h, minutes=m)
    return local.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _escape(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 3.1), never inside a UTF-8 character."""
    out: list[str] = []
    cur, size, limit = "", 0, 75
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            out.append(cur)
            cur, size, limit = "", 0, 74  # continuation lines start with a space
        cur += ch
        size += n
    out.append(cur)
    return "\r\n ".join(out)
