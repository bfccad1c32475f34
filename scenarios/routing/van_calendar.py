"""A van campaign as a visit calendar: the input of the Urdu notices.

:func:`van_calendar` turns a :class:`~scenarios.routing.CampaignPlan` into one row per
visit with the columns of :data:`scenarios.notices.CALENDAR_COLUMNS` (``date, team, kind,
unit_code, unit_name, settlement, settlement_ur, arrive, depart``), the same columns the
review and sweep calendars use, so one notice writer serves all three.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import pandas as pd

from geodata.errors import Problem, SchemaError
from scenarios.notices import CALENDAR_COLUMNS
from scenarios.routing.campaign_results import CampaignPlan
from scenarios.routing.itinerary_tables import check_locations, urdu_name
from scenarios.routing.options import hhmm

__all__ = ["van_calendar"]


def van_calendar(
    plan: CampaignPlan,
    locations: pd.DataFrame,
    dates: Sequence[date],
    *,
    unit_names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """One row per visit of the campaign: date, van, union council, settlement, times.

    Parameters
    ----------
    plan
        The campaign plan.
    locations
        Location table (see :func:`~scenarios.routing.itinerary_tables.check_locations`);
        ``union_council`` is the unit code, ``name_ur`` the Urdu name.
    dates
        Date of each plan day.
    unit_names
        Name of each union council code (default: the code).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`~scenarios.notices.CALENDAR_COLUMNS`; ``kind`` is ``"van"``, ``team``
        ``"Van N"``; a multi-day halt has a row per day.

    Raises
    ------
    SchemaError
        When ``dates`` does not give a date for every plan day.

    Examples
    --------
    >>> import numpy as np
    >>> from scenarios.routing import plan_campaign
    >>> plan = plan_campaign(np.array([[0, 30], [30, 0]]), [0, 60], [0, 1.0], depots=[0],
    ...                      vans=1, days=1)
    >>> locs = pd.DataFrame({"halt": [0, 1], "name": ["Depot", "Kot"], "name_ur": [None, "کوٹ"],
    ...     "union_council": ["UC-1", "UC-2"], "lon": [71.0, 71.1], "lat": [30.0, 30.1],
    ...     "expected_registrations": [0, 40]})
    >>> van_calendar(plan, locs, [date(2027, 1, 4)])[["date", "settlement", "arrive"]].values
    array([['2027-01-04', 'Kot', '08:30']], dtype=object)
    """
    if len(dates) < plan.days:
        raise SchemaError(
            [Problem(f"{len(dates)} dates for a plan of {plan.days} days; give a start date")],
            source="van_calendar",
        )
    table = check_locations(plan, locations)
    names = dict(unit_names or {})
    rows = []
    for vd in plan.van_days:
        for v in vd.visits:
            rec: Any = table.loc[v.halt]
            code = str(rec["union_council"])
            rows.append(
                {
                    "date": dates[vd.day].isoformat(),
                    "team": f"Van {vd.van + 1}",
                    "kind": "van",
                    "unit_code": code,
                    "unit_name": names.get(code, code),
                    "settlement": str(rec["name"]),
                    "settlement_ur": urdu_name(rec),
                    "arrive": hhmm(v.arrival_min),
                    "depart": hhmm(v.departure_min),
                }
            )
    cal = pd.DataFrame(rows, columns=list(CALENDAR_COLUMNS))
    return cal.sort_values(["date", "team", "arrive"], kind="stable").reset_index(drop=True)
