"""Options of a van job: one frozen object built by the CLI, the app and the scenario spec.

:class:`VanOptions` holds every knob of a van campaign on a region, with the only set of
defaults: ``accessgap vans`` (CLI flags), the app's *Plan vans* page and the ``vans:``
section of a scenario file all start from these defaults and build a :class:`VanOptions`
for :func:`scenarios.routing.plan_vans`. The array cores :func:`~scenarios.routing.plan_campaign`
and :func:`~scenarios.routing.dwell_minutes` take their defaults from :data:`VAN_DEFAULTS`
too. This module imports nothing heavy, so the CLI can read the defaults at start-up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from geodata.errors import AccessGapError

__all__ = [
    "APP_TIME_LIMIT_S",
    "MAX_DAYS",
    "MAX_HALTS",
    "MAX_MODEL_BYTES",
    "MAX_VANS",
    "VAN_DEFAULTS",
    "WEEKDAYS",
    "VanOptions",
    "campaign_dates",
    "hhmm",
    "next_monday",
    "parse_date",
    "parse_weekdays",
    "weekdays_text",
]


#: The largest plan accepted: a year of days, a province's fleet, halts a matrix can hold.
MAX_DAYS = 366
MAX_VANS = 500
MAX_HALTS = 5_000
#: Refuse a plan whose model would need more memory than this (estimated up front).
MAX_MODEL_BYTES = 4 * 2**30
#: Day names as written in options (``date.weekday()`` order: Monday is 0).
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_FRIDAY = 4


@dataclass(frozen=True)
class VanOptions:
    """How a van campaign works.

    Defaults (see ``docs/routing.md`` for why): 3 vans, 10 working days from the next Monday,
    Monday-Saturday 08:00-16:00 with a 13:00-13:30 lunch/prayer break and, on Fridays, a
    12:30-14:30 break for Friday prayers; at most 4 hours of driving per van-day; overnight
    stays at a halt where a day trip cannot serve it; at least as many minutes on site as on
    the road each van-day; halts beyond 60 car-minutes of any centre, a 2 km walk to a halt,
    60% turnout of the unregistered, 2 desks at 8 registrations per desk-hour, 30 min set-up,
    no women-only session, a deterministic search of 3,000 iterations.

    Parameters
    ----------
    vans
        Number of vans (spread over the depots in turn).
    days
        Campaign working days (days off are skipped on the calendar).
    within_min
        Halts are settlements beyond this many minutes (by ``mode``) of every centre.
    mode
        Travel mode defining "beyond" and the vans' driving (``car`` or ``motorbike``).
    walk_radius_m
        A halt serves the selected settlements within this distance.
    turnout
        Share of the unregistered households served by a halt who come to register.
    desks
        Registration desks working in parallel in a van.
    registrations_per_desk_hour
        Registrations one desk completes per hour.
    setup_min
        Minutes to set up and pack up at each halt.
    day_start_min, day_end_min
        Working hours, minutes after midnight.
    breaks
        ``(start, end)`` minutes of fixed breaks (lunch, prayer) inside working hours.
    friday_breaks
        Breaks on Fridays instead of ``breaks`` (Friday prayers); ``None``: as other days.
    max_drive_min_per_day
        Cap on driving minutes per van-day (``None``: no cap).
    overnight_at_halt
        Let a van stay overnight at a halt that a day trip cannot serve (round trip over the
        driving cap, or more work than one day holds): it drives out on the first day and
        back, possibly via other halts, on the last.
    min_onsite_ratio
        Each van-day spends at least this many minutes on site per minute of driving
        (0 disables the rule).
    start_date
        Date of the first campaign day; ``None``: the next Monday (see :func:`next_monday`).
    working_days
        Weekdays the vans work (``0`` Monday ... ``6`` Sunday).
    women_share
        Share of each visit's desk time held as a women-only session with women staff
        (0: none); shown on every itinerary row.
    max_halts
        Most halts to consider (best gap score first).
    assumed_unregistered_share
        Share of households taken as unregistered when the region has no registry counts.
    depots
        Centre ids the vans start from; empty: every centre.
    max_block_share
        Largest share of van-days that multi-day halts may take (0 disables them).
    time_limit_s
        Solver wall-clock limit (results then depend on machine speed); ``None``: none.
    max_iterations
        Solver iteration limit; with neither limit, 3,000 iterations (deterministic).
    seed
        Seed of the solver.

    Raises
    ------
    AccessGapError
        When a count is below 1, the turnout is outside (0, 1], a distance is negative, the
        day ends before it starts, a break lies outside working hours, no working day is
        given or a share is out of range (all problems in one message).
    """

    vans: int = 3
    days: int = 10
    within_min: float = 60.0
    mode: str = "car"
    walk_radius_m: float = 2000.0
    turnout: float = 0.6
    desks: int = 2
    registrations_per_desk_hour: float = 8.0
    setup_min: float = 30.0
    day_start_min: int = 480
    day_end_min: int = 960
    breaks: tuple[tuple[int, int], ...] = ((780, 810),)
    friday_breaks: tuple[tuple[int, int], ...] | None = ((750, 870),)
    max_drive_min_per_day: int | None = 240
    overnight_at_halt: bool = True
    min_onsite_ratio: float = 1.0
    start_date: date | None = None
    working_days: tuple[int, ...] = (0, 1, 2, 3, 4, 5)
    women_share: float = 0.0
    max_halts: int = 150
    assumed_unregistered_share: float = 0.16
    depots: tuple[str, ...] = ()
    max_block_share: float = 0.5
    time_limit_s: float | None = None
    max_iterations: int | None = None
    seed: int = 0

    def __post_init__(self) -> None:
        """Check the options (every problem listed in one error)."""
        bad = []
        if self.vans < 1:
            bad.append("vans must be at least 1")
        if self.days < 1:
            bad.append("days must be at least 1")
        if not 0 < self.turnout <= 1:
            bad.append("turnout must be in (0, 1]")
        if self.within_min < 0 or self.walk_radius_m < 0:
            bad.append("within_min and walk_radius_m must be >= 0")
        if self.day_end_min <= self.day_start_min:
            bad.append("day_end_min must be after day_start_min")
        if self.max_halts < 1:
            bad.append("max_halts must be at least 1")
        bad += self._calendar_problems()
        bad += self._size_problems()
        if bad:
            raise AccessGapError("van options: " + "; ".join(bad))

    def estimated_bytes(self) -> int:
        """Memory the campaign model needs at most, estimated before anything is built.

        Two halt-by-halt matrices (durations and distances, 8 bytes a cell) and about 1 KB per
        van-day (a PyVRP vehicle and its route), measured on the sample region.
        """
        halts = self.max_halts + 1
        return 2 * 8 * halts * halts + 1024 * self.vans * self.days

    def campaign_dates(self, *, today: date | None = None) -> tuple[date, ...]:
        """Date of each campaign day (see :func:`campaign_dates`)."""
        start = self.start_date or next_monday(today)
        return campaign_dates(start, self.days, self.working_days)

    def day_breaks(self, dates: Sequence[date]) -> tuple[tuple[tuple[int, int], ...], ...]:
        """Breaks of each campaign day: ``friday_breaks`` on Fridays, else ``breaks``."""
        fri = self.breaks if self.friday_breaks is None else self.friday_breaks
        return tuple(fri if d.weekday() == _FRIDAY else self.breaks for d in dates)

    def _calendar_problems(self) -> list[str]:
        out = []
        days = self.working_days
        if not days or any(d not in range(7) for d in days) or len(set(days)) != len(days):
            out.append(
                f"working_days {days!r} must list distinct weekdays 0 (Mon) ... 6 (Sun), "
                "at least one"
            )
        for name, brk in (("breaks", self.breaks), ("friday_breaks", self.friday_breaks or ())):
            for s, e in brk:
                if not self.day_start_min <= s < e <= self.day_end_min:
                    out.append(
                        f"{name}: {hhmm(s)}-{hhmm(e)} must lie inside working hours {self.hours}"
                    )
        if self.max_drive_min_per_day is not None and self.max_drive_min_per_day <= 0:
            out.append("max_drive_min_per_day must be > 0 (or None for no cap)")
        if not self.min_onsite_ratio >= 0:
            out.append("min_onsite_ratio must be >= 0")
        if not 0 <= self.women_share < 1:
            out.append("women_share must be in [0, 1)")
        if self.start_date is not None and not isinstance(self.start_date, date):
            out.append(f"start_date must be a date, got {self.start_date!r}")
        return out

    def _size_problems(self) -> list[str]:
        out = []
        if self.days > MAX_DAYS:
            out.append(
                f"days is {self.days}; a campaign plan covers at most {MAX_DAYS} days: plan a "
                "year at a time"
            )
        if self.vans > MAX_VANS:
            out.append(
                f"vans is {self.vans}; one plan has at most {MAX_VANS} vans: split the region "
                "(e.g. by district) and plan each part"
            )
        if self.max_halts > MAX_HALTS:
            out.append(f"max_halts is {self.max_halts}; at most {MAX_HALTS} halts in one plan")
        if not out and self.estimated_bytes() > MAX_MODEL_BYTES:
            out.append(
                f"the plan would need about {self.estimated_bytes() / 2**30:.1f} GiB (limit "
                f"{MAX_MODEL_BYTES / 2**30:.0f} GiB): fewer vans, days or halts"
            )
        return out

    @property
    def hours(self) -> str:
        """Working hours as ``"HH:MM-HH:MM"`` (the scenario file's spelling)."""
        return f"{hhmm(self.day_start_min)}-{hhmm(self.day_end_min)}"


#: The defaults, as one object (read by the CLI flags, the app and the scenario spec).
VAN_DEFAULTS = VanOptions()

#: Solver seconds the app's *Plan vans* form starts with: an interactive page needs a bounded
#: wait, where the library's default (``time_limit_s=None``) is a deterministic iteration count.
APP_TIME_LIMIT_S = 10.0


def parse_date(text: str, *, field: str = "start date") -> date:
    """A date written ``YYYY-MM-DD``.

    Raises
    ------
    AccessGapError
        When the text is not such a date (the message names ``field``).

    Examples
    --------
    >>> parse_date("2027-01-04")
    datetime.date(2027, 1, 4)
    """
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise AccessGapError(
            f"{field} '{text}' is not a date: write it as YYYY-MM-DD, e.g. 2027-01-04"
        ) from None


def parse_weekdays(text: str) -> tuple[int, ...]:
    """Working days written as names and ranges: ``"Mon-Sat"``, ``"Mon,Tue,Thu"``, ``"Sat-Thu"``.

    Raises
    ------
    AccessGapError
        When a name is not a weekday (``Mon`` ... ``Sun``) or no day is given.

    Examples
    --------
    >>> parse_weekdays("Mon-Sat")
    (0, 1, 2, 3, 4, 5)
    >>> parse_weekdays("sat-mon, wed")
    (0, 2, 5, 6)
    """
    index = {name.lower(): i for i, name in enumerate(WEEKDAYS)}
    days: set[int] = set()
    for part in filter(None, (p.strip() for p in str(text).split(","))):
        ends = [e.strip().lower()[:3] for e in part.split("-")]
        if len(ends) > 2 or any(e not in index for e in ends):
            raise AccessGapError(
                f"working days '{text}': '{part}' is not a weekday or a range of them; "
                "write e.g. Mon-Sat or Mon,Tue,Thu"
            )
        a, b = index[ends[0]], index[ends[-1]]
        days.update((a + k) % 7 for k in range((b - a) % 7 + 1))
    if not days:
        raise AccessGapError(f"working days '{text}': give at least one day, e.g. Mon-Sat")
    return tuple(sorted(days))


def weekdays_text(days: Sequence[int]) -> str:
    """Working days as names (``"Mon,Tue,Wed,Thu,Fri,Sat"``), the inverse of :func:`parse_weekdays`.

    Examples
    --------
    >>> weekdays_text((0, 1, 2, 3, 4, 5))
    'Mon,Tue,Wed,Thu,Fri,Sat'
    """
    return ",".join(WEEKDAYS[d] for d in sorted(days))


def next_monday(today: date | None = None) -> date:
    """The first Monday after ``today`` (the default campaign start: a week to prepare).

    Examples
    --------
    >>> next_monday(date(2026, 12, 1)), next_monday(date(2026, 12, 7))
    (datetime.date(2026, 12, 7), datetime.date(2026, 12, 14))
    """
    t = today or date.today()
    return t + timedelta(days=7 - t.weekday())


def campaign_dates(start: date, days: int, working_days: Sequence[int]) -> tuple[date, ...]:
    """The first ``days`` working days on or after ``start``.

    Raises
    ------
    AccessGapError
        When ``working_days`` holds no weekday.

    Examples
    --------
    >>> [d.isoformat() for d in campaign_dates(date(2027, 1, 8), 3, (0, 1, 2, 3, 4, 5))]
    ['2027-01-08', '2027-01-09', '2027-01-11']
    """
    work = set(working_days) & set(range(7))
    if not work:
        raise AccessGapError("no working day: give at least one weekday, e.g. Mon-Sat")
    out: list[date] = []
    d = start
    while len(out) < days:
        if d.weekday() in work:
            out.append(d)
        d += timedelta(days=1)
    return tuple(out)


def hhmm(minute: int | None) -> str:
    """Minute of the day as ``HH:MM``; ``""`` for ``None``.

    Examples
    --------
    >>> hhmm(480), hhmm(None)
    ('08:00', '')
    """
    if minute is None:
        return ""
    return f"{int(minute) // 60:02d}:{int(minute) % 60:02d}"
