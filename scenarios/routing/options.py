"""Options of a van job: one frozen object built by the CLI, the app and the scenario spec.

:class:`VanOptions` holds every knob of a van campaign on a region, with the only set of
defaults: ``accessgap vans`` (CLI flags), the app's *Plan vans* page and the ``vans:``
section of a scenario file all start from these defaults and build a :class:`VanOptions`
for :func:`scenarios.routing.plan_vans`. The array cores :func:`~scenarios.routing.plan_campaign`
and :func:`~scenarios.routing.dwell_minutes` take their defaults from :data:`VAN_DEFAULTS`
too. This module imports nothing heavy, so the CLI can read the defaults at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass

from geodata.errors import AccessGapError

__all__ = [
    "APP_TIME_LIMIT_S",
    "MAX_DAYS",
    "MAX_HALTS",
    "MAX_MODEL_BYTES",
    "MAX_VANS",
    "VAN_DEFAULTS",
    "VanOptions",
    "hhmm",
]


#: The largest plan accepted: a year of days, a province's fleet, halts a matrix can hold.
MAX_DAYS = 366
MAX_VANS = 500
MAX_HALTS = 5_000
#: Refuse a plan whose model would need more memory than this (estimated up front).
MAX_MODEL_BYTES = 4 * 2**30


@dataclass(frozen=True)
class VanOptions:
    """How a van campaign works.

    Defaults: 3 vans, 10 days, 08:00-16:00 with a 13:00-13:30 prayer/lunch break, halts
    beyond 60 car-minutes of any centre, a 2 km walk to a halt, 60% turnout of the
    unregistered, 2 desks at 8 registrations per desk-hour, 30 min set-up, a deterministic
    search of 3,000 iterations.

    Parameters
    ----------
    vans
        Number of vans (spread over the depots in turn).
    days
        Campaign days.
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
    max_drive_min_per_day
        Cap on driving minutes per van-day (``None``: no cap).
    overnight_at_halt
        Let vans stay overnight at multi-day halts.
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
        When a count is below 1, the turnout is outside (0, 1], a distance is negative or
        the day ends before it starts.
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
    max_drive_min_per_day: int | None = None
    overnight_at_halt: bool = False
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
