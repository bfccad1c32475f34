"""A campaign as a visit calendar: one row per distinct visit of a team to a settlement.

:func:`campaign_calendar` turns a :class:`~scenarios.routing.CampaignPlan` (a van campaign,
a review round, a door-to-door sweep) into :data:`CALENDAR_COLUMNS`; the Urdu notices
(:mod:`scenarios.notices`), the SMS texts and ``calendar.ics`` are written from it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from geodata.errors import AccessGapError
from scenarios.notices import KINDS
from scenarios.routing.campaign_results import CampaignPlan
from scenarios.routing.itinerary_tables import urdu_name, visit_registrations
from scenarios.routing.options import hhmm

__all__ = ["CALENDAR_COLUMNS", "campaign_calendar"]

#: Columns of a field calendar, in order (one row per distinct visit).
CALENDAR_COLUMNS = (
    "date",
    "weekday",
    "team",
    "kind",
    "visit",
    "halt",
    "settlement_id",
    "settlement",
    "settlement_ur",
    "unit_code",
    "unit_name",
    "arrive",
    "depart",
    "dwell_min",
    "part",
    "expected_registrations",
    "households",
    "lon",
    "lat",
)


def campaign_calendar(
    plan: CampaignPlan,
    locations: pd.DataFrame,
    dates: Sequence[date],
    *,
    kind: str,
    team_prefix: str,
    first_visit: int = 1,
    unit_names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """One row per visit of a campaign plan (:data:`CALENDAR_COLUMNS`).

    A multi-day halt gives one row per day, its expected registrations split over the days
    (:func:`~scenarios.routing.itinerary_tables.visit_registrations`), so the rows sum to the
    plan's distinct visits.

    Parameters
    ----------
    plan
        The campaign (array core's result).
    locations
        Location table indexed or not by ``halt``, with ``name``, ``union_council``,
        ``expected_registrations``, ``lon``, ``lat`` and optionally ``name_ur``,
        ``settlement_id``, ``unit_name``, ``households``.
    dates
        Date of each plan day.
    kind
        One of :data:`KINDS`.
    team_prefix
        Team label prefix (``"van"`` gives ``van 1``, ``van 2``...).
    first_visit
        Visit number written in the ``visit`` column (a review's k-th round).
    unit_names
        Name of each union council code (default: the table's ``unit_name``, else the code).

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    AccessGapError
        When ``kind`` is unknown or ``dates`` is shorter than the plan.
    """
    if kind not in KINDS:
        raise AccessGapError(f"kind {kind!r} is not one of {', '.join(KINDS)}")
    if len(dates) < plan.days:
        raise AccessGapError(f"{len(dates)} dates for a plan of {plan.days} days")
    table = locations.set_index("halt", drop=False) if "halt" in locations.columns else locations
    regs = visit_registrations(plan, table)
    names = dict(unit_names or {})
    rows = []
    for vd in plan.van_days:
        for v in vd.visits:
            rec: Any = table.loc[v.halt]
            when = dates[vd.day]
            rows.append(
                {
                    "date": when.isoformat(),
                    "weekday": when.strftime("%a"),
                    "team": f"{team_prefix} {vd.van + 1}",
                    "kind": kind,
                    "visit": first_visit,
                    "halt": int(v.halt),
                    "settlement_id": str(rec.get("settlement_id", "")),
                    "settlement": str(rec["name"]),
                    "settlement_ur": urdu_name(rec),
                    "unit_code": str(rec["union_council"]),
                    "unit_name": names.get(
                        str(rec["union_council"]), str(rec.get("unit_name", rec["union_council"]))
                    ),
                    "arrive": hhmm(v.arrival_min),
                    "depart": hhmm(v.departure_min),
                    "dwell_min": int(v.dwell_min),
                    "part": f"{v.part}/{v.parts}" if v.parts > 1 else "",
                    "expected_registrations": int(regs[(v.halt, v.part)]),
                    "households": float(rec.get("households", np.nan)),
                    "lon": round(float(rec["lon"]), 6),
                    "lat": round(float(rec["lat"]), 6),
                }
            )
    out = pd.DataFrame(rows, columns=list(CALENDAR_COLUMNS))
    return out.sort_values(["date", "team", "arrive"], kind="stable").reset_index(drop=True)
