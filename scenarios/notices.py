"""Announcements people can read: Urdu notices per union council and an SMS per village.

Input: a visit calendar, one row per visit of a van or a team to a settlement, with the
columns :data:`NOTICE_COLUMNS` (the field calendar of any plan,
:func:`scenarios.routing.campaign_calendar`, has them: vans, reviews and sweeps alike).
:func:`write_notices` writes into one folder:

* ``notices.html``: one A4 page per union council, in Urdu (right to left), with English
  lines under each: when the van or team comes to each village (date, day, time window,
  place) and what to bring (every adult's CNIC, children's B-forms); registration is free;
* ``notices.pdf``: the same pages printed by headless Chromium, Urdu shaped by HarfBuzz in
  *Noto Naskh Arabic* (:mod:`scenarios.printing`); its text is text (searchable, readable
  by a screen reader). No PDF without Chromium: matplotlib cannot shape Urdu;
* ``sms.csv``: per visit an Urdu SMS within one UCS-2 message (70 characters) and an
  English one within one GSM-7 message (160), with their lengths and message counts
  (:mod:`scenarios.notice_text`);
* ``calendar.csv``: the calendar the notices were made from.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from geodata.errors import Problem, SchemaError
from geodata.export import write_csv
from scenarios.notice_text import (
    URDU,
    WHO_EN,
    WHO_UR,
    sms_english,
    sms_length,
    sms_urdu,
    urdu_date,
    urdu_time_window,
)
from scenarios.printing import PRINT_CSS, URDU_FONT_FAMILY, print_html

__all__ = [
    "KINDS",
    "NOTICE_COLUMNS",
    "NoticeFiles",
    "check_calendar",
    "notices_html",
    "sms_table",
    "synthetic_notes",
    "write_notices",
]

log = logging.getLogger(__name__)

#: Columns of a visit calendar a notice needs (dates ``YYYY-MM-DD``, times ``HH:MM``).
NOTICE_COLUMNS = (
    "date",
    "team",
    "kind",
    "unit_code",
    "unit_name",
    "settlement",
    "settlement_ur",
    "arrive",
    "depart",
)
#: What comes: a registration van, a mobile review team or a door-to-door sweep team.
KINDS = ("van", "review", "sweep")


@dataclass(frozen=True)
class NoticeFiles:
    """What :func:`write_notices` wrote.

    Attributes
    ----------
    folder
        The notices folder.
    html, sms, calendar
        ``notices.html``, ``sms.csv``, ``calendar.csv``.
    pdf
        ``notices.pdf``, or ``None`` when Chromium is absent (no other engine shapes Urdu).
    units
        Union councils with a notice, in page order.
    """

    folder: Path
    html: Path
    sms: Path
    calendar: Path
    pdf: Path | None
    units: tuple[str, ...]


def synthetic_notes(synthetic: bool) -> tuple[str, ...]:
    """The line at the foot of every notice of a synthetic region (none for real data)."""
    return ("SYNTHETIC sample region: not a real place or campaign",) if synthetic else ()


def check_calendar(calendar: pd.DataFrame, *, source: str = "calendar") -> pd.DataFrame:
    """Check a visit calendar; return it sorted by unit, date, time and settlement.

    Raises
    ------
    SchemaError
        Missing columns, bad dates or times, unknown kinds (every problem listed, with its
        row).
    """
    missing = [c for c in NOTICE_COLUMNS if c not in calendar.columns]
    if missing:
        raise SchemaError(
            [Problem("required column is missing", source=source, column=c) for c in missing],
            source=source,
        )
    cal = calendar.loc[:, list(NOTICE_COLUMNS)].copy()
    problems: list[Problem] = []
    days = pd.to_datetime(cal["date"], format="%Y-%m-%d", errors="coerce")
    for r in cal.index[days.isna()][:10]:
        problems.append(Problem("date is not YYYY-MM-DD", source, r, "date"))
    for col in ("arrive", "depart"):
        ok = cal[col].astype(str).str.fullmatch(r"([01]\d|2[0-3]):[0-5]\d")
        for r in cal.index[~ok][:10]:
            problems.append(Problem(f"{col} is not HH:MM", source, r, col))
    bad_kind = ~cal["kind"].isin(KINDS)
    for r in cal.index[bad_kind][:10]:
        problems.append(Problem(f"kind must be one of {', '.join(KINDS)}", source, r, "kind"))
    if problems:
        raise SchemaError(problems, source=source)
    cal["settlement_ur"] = cal["settlement_ur"].fillna("").astype(str)
    cal["unit_name"] = cal["unit_name"].fillna(cal["unit_code"]).astype(str)
    cal["unit_code"] = cal["unit_code"].astype(str)
    return cal.sort_values(["unit_code", "date", "arrive", "settlement"], kind="stable")


def sms_table(calendar: pd.DataFrame) -> pd.DataFrame:
    """One Urdu and one English SMS per visit, with encoding, length and message count.

    Returns
    -------
    pandas.DataFrame
        The calendar's columns, then ``sms_ur``, ``sms_ur_encoding``, ``sms_ur_length``,
        ``sms_ur_messages``, ``sms_en``, ``sms_en_encoding``, ``sms_en_length``,
        ``sms_en_messages``. A visit without an Urdu name gets the English name in the
        Urdu text.
    """
    cal = check_calendar(calendar)
    rows = []
    for rec in cal.to_dict(orient="records"):
        day = date.fromisoformat(str(rec["date"]))
        name_ur = rec["settlement_ur"] or str(rec["settlement"])
        ur = sms_urdu(rec["kind"], name_ur, day, rec["arrive"], rec["depart"])
        en = sms_english(rec["kind"], str(rec["settlement"]), day, rec["arrive"], rec["depart"])
        ur_len, en_len = sms_length(ur), sms_length(en)
        rows.append(
            rec
            | {
                "sms_ur": ur,
                "sms_ur_encoding": ur_len[0],
                "sms_ur_length": ur_len[1],
                "sms_ur_messages": ur_len[2],
                "sms_en": en,
                "sms_en_encoding": en_len[0],
                "sms_en_length": en_len[1],
                "sms_en_messages": en_len[2],
            }
        )
    return pd.DataFrame(rows)


def notices_html(calendar: pd.DataFrame, *, notes: Sequence[str] = ()) -> str:
    """The notices as one HTML page: one A4 page per union council, Urdu first.

    Parameters
    ----------
    calendar
        Visit calendar (:data:`NOTICE_COLUMNS`).
    notes
        Lines printed small at the foot of every page (e.g. that the data are synthetic).

    Returns
    -------
    str
    """
    cal = check_calendar(calendar)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="ur" dir="rtl"><head><meta charset="utf-8">',
        "<title>Registration notices / رجسٹریشن کی اطلاع</title>",
        f"<style>{PRINT_CSS}{_CSS}</style></head><body>",
    ]
    for code, visits in cal.groupby("unit_code", sort=False):
        parts.append(_unit_page(str(code), visits, notes))
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_notices(
    calendar: pd.DataFrame,
    folder: str | Path,
    *,
    notes: Sequence[str] = (),
    pdf: bool = True,
) -> NoticeFiles:
    """Write ``notices.html``, ``notices.pdf``, ``sms.csv`` and ``calendar.csv`` into ``folder``.

    Call it inside a :func:`geodata.files.write_folder_atomically` callback (as
    :func:`scenarios.routing.write_vans` does) so a failed run leaves old notices whole.

    Parameters
    ----------
    calendar
        Visit calendar (:data:`NOTICE_COLUMNS`).
    folder
        Folder to write into (created).
    notes
        Lines printed at the foot of every notice.
    pdf
        Print the PDF with Chromium (skipped, with a warning, when Chromium is absent).

    Returns
    -------
    NoticeFiles

    Raises
    ------
    SchemaError
        When the calendar is malformed.

    Examples
    --------
    >>> cal = pd.DataFrame([{"date": "2027-01-04", "team": "Van 1", "kind": "van",
    ...     "unit_code": "UC-001", "unit_name": "UC-001", "settlement": "Basti Sher Khan",
    ...     "settlement_ur": "بستی شیر خان", "arrive": "08:40", "depart": "12:10"}])
    >>> import tempfile
    >>> out = write_notices(cal, tempfile.mkdtemp(), pdf=False)
    >>> out.units, "شناختی کارڈ" in out.html.read_text(encoding="utf-8")
    (('UC-001',), True)
    """
    cal = check_calendar(calendar)
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    write_csv(cal, out / "calendar.csv")
    write_csv(sms_table(cal), out / "sms.csv")
    page = out / "notices.html"
    page.write_text(notices_html(cal, notes=notes), encoding="utf-8")
    printed: Path | None = None
    if pdf:
        if print_html(page, out / "notices.pdf"):
            printed = out / "notices.pdf"
        else:
            log.warning(
                "no notices.pdf: Chromium is absent or failed (matplotlib cannot shape Urdu); "
                "print notices.html from a browser, or run `make browser-deps`"
            )
    units = tuple(dict.fromkeys(cal["unit_code"].tolist()))
    return NoticeFiles(out, page, out / "sms.csv", out / "calendar.csv", printed, units)


# --------------------------------------------------------------------------------------------
# Private helpers
# --------------------------------------------------------------------------------------------

_CSS = """
body { font-family: URDU_FONT; font-size: 13pt; margin: 0; }
section.notice { break-after: page; page-break-after: always; }
section.notice:last-child { break-after: auto; page-break-after: auto; }
.en { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 8.5pt; color: #4d5656;
      display: block; direction: ltr; unicode-bidi: isolate; text-align: right; }
header.band { border: 3px solid #1e8449; border-radius: 6px; padding: 6pt 10pt; }
h1 { font-size: 24pt; margin: 0; color: #145a32; }
h2 { font-size: 15pt; margin: 2pt 0; }
p.intro { margin: 8pt 0; }
table.visits { width: 100%; margin: 6pt 0; font-size: 12.5pt; }
table.visits th, table.visits td { border: 1px solid #7f8c8d; padding: 3pt 6pt; text-align: right;
  vertical-align: top; }
table.visits th { background: #d5f5e3; }
td.t, td.d { white-space: nowrap; }
.bring { border: 2px dashed #b9770e; background: #fef9e7; padding: 4pt 10pt; margin-top: 8pt; }
.bring ul { margin: 2pt 0; }
.free { font-weight: bold; color: #922b21; margin-top: 8pt; }
footer { margin-top: 10pt; }
""".replace("URDU_FONT", URDU_FONT_FAMILY)


def _both(key: str, tag: str = "span") -> str:
    ur, en = URDU[key]
    e = html.escape
    return f'<{tag}>{e(ur)}<span class="en" lang="en">{e(en)}</span></{tag}>'


def _unit_page(code: str, visits: pd.DataFrame, notes: Sequence[str]) -> str:
    e = html.escape
    name = str(visits["unit_name"].iloc[0])
    unit = e(name) if name == code else f"{e(name)} ({e(code)})"
    uc_ur, uc_en = URDU["union_council"]
    head = [
        f'<section class="notice" data-unit="{e(code)}">',
        '<header class="band">',
        f'<h1>{e(URDU["title"][0])}<span class="en" lang="en">{e(URDU["title"][1])}</span></h1>',
        f"<h2>{e(URDU['registry'][0])} &middot; {e(uc_ur)}: "
        f'<bdi dir="ltr">{unit}</bdi>'
        f'<span class="en" lang="en">{e(URDU["registry"][1])} &middot; {e(uc_en)} '
        f"{unit}</span></h2></header>",
        f'<p class="intro">{e(URDU["intro"][0])}'
        f'<span class="en" lang="en">{e(URDU["intro"][1])}</span></p>',
        '<table class="visits"><thead><tr>',
        *(f"<th>{_both(k)}</th>" for k in ("place", "date", "day", "time", "who")),
        "</tr></thead><tbody>",
    ]
    rows = [_visit_row(rec) for rec in visits.to_dict(orient="records")]
    tail = [
        "</tbody></table>",
        '<div class="bring keep">',
        f"<h2>{_both('bring')}</h2><ul>",
        f"<li>{_both('cnic')}</li><li>{_both('bform')}</li></ul></div>",
        f'<p class="free">{_both("free")}</p>',
        '<footer class="en" lang="en">' + " &middot; ".join(e(n) for n in notes) + "</footer>",
        "</section>",
    ]
    return "\n".join([*head, *rows, *tail])


def _visit_row(rec: Mapping[Hashable, Any]) -> str:
    e = html.escape
    day = date.fromisoformat(str(rec["date"]))
    date_ur, weekday_ur = urdu_date(day)
    kind = str(rec["kind"])
    name_ur = str(rec["settlement_ur"] or "")
    name_en = str(rec["settlement"])
    place = (
        f"{e(name_ur)}<span class='en' lang='en'>{e(name_en)}</span>"
        if name_ur
        else f'<bdi dir="ltr">{e(name_en)}</bdi>'
    )
    if kind == "sweep":
        place += f" ({e(URDU['door_to_door'][0])})"
    arrive, depart = str(rec["arrive"]), str(rec["depart"])
    return (
        f"<tr><td>{place}</td>"
        f"<td class='d'>{e(date_ur)}<span class='en' lang='en'>{day.isoformat()}</span></td>"
        f"<td>{e(weekday_ur)}<span class='en' lang='en'>{day.strftime('%A')}</span></td>"
        f"<td class='t'>{e(urdu_time_window(arrive, depart))}"
        f"<span class='en' lang='en'>{arrive}-{depart}</span></td>"
        f"<td>{e(WHO_UR.get(kind, kind))}"
        f"<span class='en' lang='en'>{e(WHO_EN.get(kind, kind))}, {e(str(rec['team']))}</span>"
        "</td></tr>"
    )
