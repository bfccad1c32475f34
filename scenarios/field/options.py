"""Options of the field jobs: quarterly mobile reviews and door-to-door sweeps.

Each job is one frozen object built by the CLI, the scenario file and the tests alike. The
field rules they share with van campaigns (working hours, breaks and the Friday break,
working days, the daily driving cap, overnight stays, desks and their rate, the threshold
defining "beyond a centre's reach") live in a :class:`~scenarios.routing.VanOptions` held as
``field``: one set of defaults for every kind of field visit. See ``docs/field_operations.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from geodata.errors import AccessGapError
from scenarios.routing.options import VanOptions, next_monday

__all__ = [
    "REVIEW_DEFAULTS",
    "SWEEP_DEFAULTS",
    "SWEEP_MODES",
    "SWEEP_TRAVEL_CAP_MIN",
    "ReviewOptions",
    "SweepOptions",
]

#: Modes an enumerator team travels by.
SWEEP_MODES = ("walk", "motorbike")
#: Default cap on a team's travel minutes per day, by mode (3 h on foot, 4 h by motorbike).
SWEEP_TRAVEL_CAP_MIN = {"walk": 180, "motorbike": 240}


def _review_field() -> VanOptions:
    # a review visit is mandated: the on-site rule that decides whether a van halt is worth
    # its driving does not apply (every target must be visited)
    return VanOptions(min_onsite_ratio=0.0)


@dataclass(frozen=True)
class ReviewOptions:
    """A quarter of mobile reviews: every target visited ``visits`` times in ``weeks`` weeks.

    Defaults: 3 vans, 13 weeks (a quarter) from the next Monday, 3 visits per target (one a
    month: a household that misses a visit waits about four weeks for the next), 120 minutes
    of record review per visit on top of set-up and registrations; the field rules of
    :class:`~scenarios.routing.VanOptions` (Mon-Sat 08:00-16:00, Friday break, 4 h driving
    cap, overnight stays) without the on-site rule (a review visit is mandated).

    Parameters
    ----------
    vans
        Number of vans (spread over the depots in turn).
    weeks
        Length of the window in weeks.
    visits
        Visits per target in the window; the ``k``-th falls in the ``k``-th of ``visits``
        equal sub-windows of working days.
    start_date
        First day of the window; ``None``: the next Monday.
    review_min
        Minutes of record review (updates, grievances) per visit, on top of set-up and the
        registrations' desk time.
    targets
        Settlement ids to visit; empty: one halt per union council beyond the threshold (see
        :func:`scenarios.field.review_targets`).
    field
        The shared field rules; its ``vans``, ``days`` and ``start_date`` are ignored.

    Raises
    ------
    AccessGapError
        When a count is below 1 or review minutes are negative (all problems in one message).
    """

    vans: int = 3
    weeks: int = 13
    visits: int = 3
    start_date: date | None = None
    review_min: int = 120
    targets: tuple[str, ...] = ()
    field: VanOptions = field(default_factory=_review_field)

    def __post_init__(self) -> None:
        """Check the options (every problem in one message)."""
        bad = []
        if self.vans < 1:
            bad.append("vans must be at least 1")
        if self.weeks < 1:
            bad.append("weeks must be at least 1")
        if self.visits < 1:
            bad.append("visits must be at least 1")
        if self.review_min < 0:
            bad.append("review_min must be >= 0")
        if bad:
            raise AccessGapError("review options: " + "; ".join(bad))

    def first_day(self, *, today: date | None = None) -> date:
        """The first day of the window (``start_date`` or the next Monday)."""
        return self.start_date or next_monday(today)

    def van_options(self, days: int, start: date) -> VanOptions:
        """The field rules for a sub-window of ``days`` working days from ``start``."""
        return replace(self.field, vans=self.vans, days=days, start_date=start)


def _sweep_field() -> VanOptions:
    # its driving cap is the vans' (which settlements vans reach); teams have their own
    return VanOptions(min_onsite_ratio=0.0)


@dataclass(frozen=True)
class SweepOptions:
    """Door-to-door sweeps by enumerator teams from base villages.

    Defaults: 4 teams, 10 working days from the next Monday, on foot (at most 3 h walking a
    day), 40 households a team-day (``PortfolioSettings.sweep_households_per_team_day``);
    every settlement beyond the threshold (60 car minutes of every centre, as vans) that no
    van halt serves is a target; the field calendar of :class:`~scenarios.routing.VanOptions`.

    Parameters
    ----------
    teams
        Number of enumerator teams (each from its own base village when there are enough).
    days
        Working days of the sweep.
    mode
        ``"walk"`` or ``"motorbike"``: how teams travel between villages.
    start_date
        First day; ``None``: the next Monday.
    households_per_team_day
        Households a team visits in a full working day (every household, registered or not).
    max_travel_min_per_day
        Cap on a team's travel minutes per day; ``None``: :data:`SWEEP_TRAVEL_CAP_MIN` of
        ``mode``.
    field
        The shared field rules (hours, breaks, working days, threshold, overnight stays); its
        ``vans``, ``days``, ``start_date``, ``mode`` and ``max_drive_min_per_day`` are
        ignored.

    Raises
    ------
    AccessGapError
        When a count is below 1, the mode is unknown or a rate is not positive.
    """

    teams: int = 4
    days: int = 10
    mode: str = "walk"
    start_date: date | None = None
    households_per_team_day: float = 40.0
    max_travel_min_per_day: int | None = None
    field: VanOptions = field(default_factory=_sweep_field)

    def __post_init__(self) -> None:
        """Check the options (every problem in one message)."""
        bad = []
        if self.teams < 1:
            bad.append("teams must be at least 1")
        if self.days < 1:
            bad.append("days must be at least 1")
        if self.mode not in SWEEP_MODES:
            bad.append(f"mode {self.mode!r} must be one of {', '.join(SWEEP_MODES)}")
        if not self.households_per_team_day > 0:
            bad.append("households_per_team_day must be > 0")
        if self.max_travel_min_per_day is not None and self.max_travel_min_per_day <= 0:
            bad.append("max_travel_min_per_day must be > 0 (or None for the mode's default)")
        if bad:
            raise AccessGapError("sweep options: " + "; ".join(bad))

    @property
    def travel_cap_min(self) -> int:
        """The daily travel cap in force."""
        cap = self.max_travel_min_per_day
        return int(cap) if cap is not None else SWEEP_TRAVEL_CAP_MIN[self.mode]

    def team_options(self) -> VanOptions:
        """The field rules as van options: teams as vans, the team's mode and cap."""
        return replace(
            self.field,
            vans=self.teams,
            days=self.days,
            start_date=self.start_date,
            max_drive_min_per_day=self.travel_cap_min,
        )


#: The defaults, as objects (read by the CLI flags and the scenario spec).
REVIEW_DEFAULTS = ReviewOptions()
SWEEP_DEFAULTS = SweepOptions()
