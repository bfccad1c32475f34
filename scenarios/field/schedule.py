"""One field calendar for every kind of plan: vans, reviews and sweeps side by side.

:func:`field_calendar` is the table the printed notices, the SMS texts and the lead's
summaries read: one row per distinct visit of a van or a team to a settlement, with its date,
times and union council (:data:`~scenarios.field.calendar.CALENDAR_COLUMNS`).
"""

from __future__ import annotations

import pandas as pd

from geodata.errors import AccessGapError
from scenarios.field.calendar import CALENDAR_COLUMNS, campaign_calendar
from scenarios.field.reviews import ReviewPlan
from scenarios.field.sweeps import SweepPlan
from scenarios.routing.adapter import VanPlan

__all__ = ["field_calendar"]


def field_calendar(*plans: VanPlan | ReviewPlan | SweepPlan) -> pd.DataFrame:
    """The visits of one or more field plans as one calendar, sorted by date, team and time.

    Parameters
    ----------
    *plans
        Van campaigns (:func:`scenarios.routing.plan_vans`), reviews
        (:func:`scenarios.field.plan_reviews`) and sweeps (:func:`scenarios.field.plan_sweeps`).

    Returns
    -------
    pandas.DataFrame
        :data:`~scenarios.field.calendar.CALENDAR_COLUMNS`: ``date``, ``weekday``, ``team``
        (``van 1``, ``team 2``), ``kind`` (``van``, ``review``, ``sweep``), ``visit`` (a
        review's round), ``halt``, ``settlement_id``, ``settlement``, ``settlement_ur``,
        ``unit_code``, ``unit_name``, ``arrive``, ``depart`` (``HH:MM``), ``dwell_min``,
        ``part`` (``2/3`` for a settlement worked over several days), the visit's
        ``expected_registrations`` (never counted twice), ``households``, ``lon``, ``lat``.

    Raises
    ------
    AccessGapError
        When a plan is of an unknown kind, or a van plan has no dates.
    """
    tables = []
    for p in plans:
        if isinstance(p, ReviewPlan | SweepPlan):
            tables.append(p.calendar)
        elif isinstance(p, VanPlan):
            if not p.dates:
                raise AccessGapError("the van plan has no dates: plan it with a start date")
            h = p.halts.set_index("halt")
            locs = p.locations.assign(
                settlement_id=p.locations["halt"].map(h["settlement_id"]).fillna(""),
                households=p.locations["halt"].map(h["households_served"]),
            )
            tables.append(
                campaign_calendar(p.campaign, locs, p.dates, kind="van", team_prefix="Van")
            )
        else:
            raise AccessGapError(f"not a field plan: {type(p).__name__}")
    if not tables:
        return pd.DataFrame(columns=list(CALENDAR_COLUMNS))
    out = pd.concat(tables, ignore_index=True)
    return out.sort_values(["date", "kind", "team", "arrive"], kind="stable").reset_index(drop=True)
