"""Results of the campaign planner: visits, van-days, halts left out and the plan.

The array core :func:`scenarios.routing.plan_campaign` returns a :class:`CampaignPlan`; the
reasons a halt is not visited are the ``REASON_*`` constants of this module.
"""

from __future__ import annotations

from dataclasses import dataclass

from scenarios.routing.search import SOLVER_NAME

__all__ = [
    "REASON_BLOCK_RUN",
    "REASON_BLOCK_SHARE",
    "REASON_DRIVE_CAP",
    "REASON_FAR",
    "REASON_NO_DAYS",
    "REASON_ONSITE",
    "REASON_ROOM",
    "CampaignPlan",
    "DroppedHalt",
    "HaltVisit",
    "VanDay",
    "dropped_advice",
]

# Reasons a halt is not visited.
REASON_FAR = "too far from every van's depot: cannot drive there and back within a working day"
REASON_DRIVE_CAP = "round trip from every van's depot exceeds the daily driving cap"
REASON_NO_DAYS = "no free van-day at a depot that can reach it (multi-day halts took them)"
REASON_ROOM = "no room in the van-days: lower priority than the halts kept"
REASON_BLOCK_SHARE = "multi-day halt left out: multi-day halts would exceed max_block_share"
REASON_BLOCK_RUN = "multi-day halt left out: no van has enough free consecutive days"
REASON_ONSITE = "too little time on site for the driving it takes (min_onsite_ratio)"


#: What a planner can change when halts are left out for each reason (scenario-file keys).
_ADVICE = {
    REASON_FAR: "add a depot nearer to them",
    REASON_DRIVE_CAP: "raise max_drive_min_per_day",
    REASON_NO_DAYS: "add vans or days",
    REASON_ROOM: "add vans or days",
    REASON_BLOCK_SHARE: "add vans or days",
    REASON_BLOCK_RUN: "add days",
    REASON_ONSITE: "lower min_onsite_ratio to accept more driving per hour on site",
}


def dropped_advice(
    reasons: dict[str, int], selected: int, visited: int, *, overnight: bool = True
) -> str:
    """One sentence for a report: how many halts were left out, why, and what to change.

    With overnight stays off, halts too far for a day trip are advised to allow them.

    >>> text = dropped_advice({REASON_ROOM: 2}, 3, 1)
    >>> text.startswith("Vans visit 1 of 3 selected halts; left out: 2 no room in the van-days")
    True
    >>> text.endswith(": add vans or days.")
    True
    """
    advice = dict(_ADVICE)
    if not overnight:
        for r in (REASON_FAR, REASON_DRIVE_CAP):
            advice[r] = "allow overnight stays (overnight_at_halt)"
    parts = [
        f"{n} {reason}" + (f": {advice[reason]}" if reason in advice else "")
        for reason, n in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    return f"Vans visit {visited} of {selected} selected halts; left out: " + "; ".join(parts) + "."


@dataclass(frozen=True)
class HaltVisit:
    """One visit of a van to a halt on one day.

    Parameters
    ----------
    halt
        Location index of the halt.
    arrival_min
        Minute of the day the van arrives.
    departure_min
        Minute of the day the van leaves (breaks inside the visit included).
    dwell_min
        Working minutes spent at the halt this day (breaks excluded).
    drive_min
        Driving minutes from the previous location (the day's start location for the first
        visit).
    part
        1-based day number of this visit within the halt's visits (``1`` for ordinary halts).
    parts
        Number of day-visits the halt is split into (``1`` for ordinary halts).
    """

    halt: int
    arrival_min: int
    departure_min: int
    dwell_min: int
    drive_min: int
    part: int = 1
    parts: int = 1


@dataclass(frozen=True)
class VanDay:
    """The tour of one van on one day.

    Parameters
    ----------
    van
        Van number (0-based).
    day
        Day number (0-based).
    depot
        Location index of the van's home depot.
    start_location, end_location
        Where the van starts and ends the day: its depot, or a halt when it stays overnight.
    start_min, end_min
        Minute of the day the van leaves the start location and reaches the end location
        (for a day that ends at a halt: the minute work there stops).
    visits
        Visits in order.
    drive_min
        Total driving minutes of the day, the leg to ``end_location`` included.
    """

    van: int
    day: int
    depot: int
    start_location: int
    end_location: int
    start_min: int
    end_min: int
    visits: tuple[HaltVisit, ...]
    drive_min: int

    @property
    def return_drive_min(self) -> int:
        """Driving minutes of the last leg (last visit to ``end_location``)."""
        return self.drive_min - sum(v.drive_min for v in self.visits)


@dataclass(frozen=True)
class DroppedHalt:
    """A halt the campaign does not visit, and why.

    Parameters
    ----------
    halt
        Location index of the halt.
    reason
        Why it is not visited (one of the ``REASON_*`` constants).
    """

    halt: int
    reason: str


@dataclass(frozen=True)
class CampaignPlan:
    """Result of :func:`plan_campaign`.

    Parameters
    ----------
    van_days
        One entry per (van, day), sorted by van then day; days without visits included.
    dropped
        Halts not visited, with a reason each, sorted by halt.
    van_depots
        Location index of each van's depot.
    days
        Number of days planned.
    day_start_min, day_end_min
        Working hours (minutes of the day).
    breaks
        Breaks (start, end minute) during which the van neither drives nor registers.
    max_drive_min_per_day
        Daily driving cap used (``None``: no cap).
    total_drive_min
        Driving minutes over all van-days.
    objective
        PyVRP objective (drive minutes + prizes of halts not visited), or 0 without a solve.
    runtime_s
        Wall-clock seconds.
    solver
        Name of the solver.
    day_breaks
        Breaks of each day (``breaks`` on every day when empty).
    min_onsite_ratio
        Minutes on site per minute of driving each van-day, at least (0: no rule).
    """

    van_days: tuple[VanDay, ...]
    dropped: tuple[DroppedHalt, ...]
    van_depots: tuple[int, ...]
    days: int
    day_start_min: int
    day_end_min: int
    breaks: tuple[tuple[int, int], ...]
    max_drive_min_per_day: int | None
    total_drive_min: int
    objective: int
    runtime_s: float
    solver: str = SOLVER_NAME
    day_breaks: tuple[tuple[tuple[int, int], ...], ...] = ()
    min_onsite_ratio: float = 0.0

    def breaks_on(self, day: int) -> tuple[tuple[int, int], ...]:
        """Breaks of ``day`` (0-based)."""
        return self.day_breaks[day] if self.day_breaks else self.breaks

    @property
    def visited_halts(self) -> frozenset[int]:
        """Halts visited at least once."""
        return frozenset(v.halt for vd in self.van_days for v in vd.visits)

    def van_day(self, van: int, day: int) -> VanDay:
        """Return the tour of ``van`` on ``day``."""
        return self.van_days[van * self.days + day]
