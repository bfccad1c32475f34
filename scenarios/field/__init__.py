"""Field operations: quarterly mobile reviews, door-to-door sweeps and the field calendar.

Modules:

* :mod:`~scenarios.field.options` -- :class:`ReviewOptions`, :class:`SweepOptions` (the field
  rules they share with vans held as a :class:`~scenarios.routing.VanOptions`);
* :mod:`~scenarios.field.targets` -- who is visited (review targets per union council, sweep
  targets no centre or van reaches, a list given);
* :mod:`~scenarios.field.reviews` -- :func:`plan_reviews`, :func:`write_reviews`;
* :mod:`~scenarios.field.sweeps` -- :func:`plan_sweeps`, :func:`write_sweeps`;
* :mod:`~scenarios.field.calendar` -- windows of working days, the calendar table (one row
  per visit) and ``calendar.ics``; :func:`field_calendar` gives the calendar of any field plan.

See ``docs/field_operations.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from geodata.lazy import lazy_exports
from scenarios.field.options import (
    REVIEW_DEFAULTS,
    SWEEP_DEFAULTS,
    SWEEP_MODES,
    ReviewOptions,
    SweepOptions,
)

if TYPE_CHECKING:
    from scenarios.field.calendar import CALENDAR_COLUMNS, campaign_calendar, write_ics
    from scenarios.field.reviews import ReviewPlan, plan_reviews, write_reviews
    from scenarios.field.schedule import field_calendar
    from scenarios.field.sweeps import SweepPlan, plan_sweeps, write_sweeps
    from scenarios.field.targets import read_targets, review_targets, sweep_targets

__all__ = [
    "CALENDAR_COLUMNS",
    "REVIEW_DEFAULTS",
    "SWEEP_DEFAULTS",
    "SWEEP_MODES",
    "ReviewOptions",
    "ReviewPlan",
    "SweepOptions",
    "SweepPlan",
    "campaign_calendar",
    "field_calendar",
    "plan_reviews",
    "plan_sweeps",
    "read_targets",
    "review_targets",
    "sweep_targets",
    "write_ics",
    "write_reviews",
    "write_sweeps",
]

#: Module of each lazily loaded public name.
_LAZY = {
    "CALENDAR_COLUMNS": "calendar",
    "campaign_calendar": "calendar",
    "write_ics": "calendar",
    "field_calendar": "schedule",
    "ReviewPlan": "reviews",
    "plan_reviews": "reviews",
    "write_reviews": "reviews",
    "SweepPlan": "sweeps",
    "plan_sweeps": "sweeps",
    "write_sweeps": "sweeps",
    "read_targets": "targets",
    "review_targets": "targets",
    "sweep_targets": "targets",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals(), __all__)
