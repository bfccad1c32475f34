"""The ``vans:`` section of a scenario file: a mobile-van campaign (see :mod:`scenarios.spec`).

Its keys are :class:`~scenarios.routing.VanOptions` fields with the one set of defaults
(:data:`~scenarios.routing.VAN_DEFAULTS`); :meth:`VansSpec.van_options` builds the options.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from geodata.errors import AccessGapError
from scenarios.routing.options import (
    VAN_DEFAULTS,
    VanOptions,
    parse_date,
    parse_weekdays,
    weekdays_text,
)

__all__ = ["CalendarSpec", "VansSpec", "start_date_value", "working_days_value"]


def start_date_value(v: Any) -> Any:
    """A scenario file's ``start_date`` as a date (``None`` stays); a ValueError names it."""
    if v is None or isinstance(v, date):
        return v
    try:
        return parse_date(str(v), field="start_date")
    except AccessGapError as exc:
        raise ValueError(str(exc)) from None


def working_days_value(v: Any) -> str:
    """A scenario file's ``working_days`` (text or list) as canonical text (``Mon-Sat``)."""
    text = ",".join(map(str, v)) if isinstance(v, list | tuple) else str(v)
    try:
        return weekdays_text(parse_weekdays(text))
    except AccessGapError as exc:
        raise ValueError(str(exc)) from None


_HHMM = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")


class CalendarSpec(BaseModel):
    """Reads a section's ``start_date`` and ``working_days`` (vans, reviews and sweeps alike).

    The fields and their defaults are the subclasses'; this base only parses them.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    @field_validator("start_date", mode="before", check_fields=False)
    @classmethod
    def _start_date(cls, v: Any) -> Any:
        return start_date_value(v)

    @field_validator("working_days", mode="before", check_fields=False)
    @classmethod
    def _working_days(cls, v: Any) -> str:
        return working_days_value(v)


class VansSpec(CalendarSpec):
    """A mobile-van campaign (:func:`scenarios.routing.plan_vans`).

    Keys are :class:`~scenarios.routing.VanOptions` fields with its defaults
    (:data:`~scenarios.routing.VAN_DEFAULTS`); ``hours`` is the working day as ``HH:MM-HH:MM``,
    ``start_date`` the first day (``YYYY-MM-DD``; default the next Monday), ``working_days``
    names and ranges (``Mon-Sat``). :meth:`van_options` builds the options object.
    """

    vans: int = Field(default=VAN_DEFAULTS.vans, ge=1, le=500)
    days: int = Field(default=VAN_DEFAULTS.days, ge=1, le=366)
    depots: tuple[str, ...] = VAN_DEFAULTS.depots
    hours: str = VAN_DEFAULTS.hours
    within_min: float = Field(default=VAN_DEFAULTS.within_min, ge=0)
    walk_radius_m: float = Field(default=VAN_DEFAULTS.walk_radius_m, ge=0)
    turnout: float = Field(default=VAN_DEFAULTS.turnout, gt=0, le=1)
    max_halts: int = Field(default=VAN_DEFAULTS.max_halts, ge=1)
    start_date: date | None = VAN_DEFAULTS.start_date
    working_days: str = weekdays_text(VAN_DEFAULTS.working_days)
    max_drive_min_per_day: int | None = Field(default=VAN_DEFAULTS.max_drive_min_per_day, gt=0)
    overnight_at_halt: bool = VAN_DEFAULTS.overnight_at_halt
    min_onsite_ratio: float = Field(default=VAN_DEFAULTS.min_onsite_ratio, ge=0)
    women_share: float = Field(default=VAN_DEFAULTS.women_share, ge=0, lt=1)

    @model_validator(mode="before")
    @classmethod
    def _renamed(cls, data: Any) -> Any:
        if isinstance(data, Mapping) and "count" in data:
            raise ValueError(
                "count was renamed to vans (the number of vans), as in VanOptions and "
                "`accessgap vans --vans`: write `vans: {vans: 3}`"
            )
        return data

    @field_validator("hours")
    @classmethod
    def _hours(cls, v: str) -> str:
        start, end = _parse_hours(v)
        if end <= start:
            raise ValueError(f"'{v}': the day must end after it starts")
        return v

    @property
    def day_start_min(self) -> int:
        """Start of the working day, minutes after midnight."""
        return _parse_hours(self.hours)[0]

    @property
    def day_end_min(self) -> int:
        """End of the working day, minutes after midnight."""
        return _parse_hours(self.hours)[1]

    def van_options(self) -> VanOptions:
        """The van job of this section (other knobs at their defaults)."""
        return VanOptions(
            vans=self.vans,
            days=self.days,
            within_min=self.within_min,
            walk_radius_m=self.walk_radius_m,
            turnout=self.turnout,
            depots=self.depots,
            day_start_min=self.day_start_min,
            day_end_min=self.day_end_min,
            max_halts=self.max_halts,
            start_date=self.start_date,
            working_days=parse_weekdays(self.working_days),
            max_drive_min_per_day=self.max_drive_min_per_day,
            overnight_at_halt=self.overnight_at_halt,
            min_onsite_ratio=self.min_onsite_ratio,
            women_share=self.women_share,
        )


# --------------------------------------------------------------------------------------------
# Private helpers
# --------------------------------------------------------------------------------------------


def _parse_hours(v: str) -> tuple[int, int]:
    parts = str(v).replace(" ", "").split("-")
    if len(parts) != 2:
        raise ValueError(f"'{v}' is not a time range like 08:00-16:00")
    out = []
    for part in parts:
        m = _HHMM.match(part)
        if not m or int(m.group(1)) * 60 + int(m.group(2)) > 24 * 60:
            raise ValueError(f"'{v}' is not a time range like 08:00-16:00")
        out.append(int(m.group(1)) * 60 + int(m.group(2)))
    return out[0], out[1]
