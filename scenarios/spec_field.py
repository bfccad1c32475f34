"""The ``reviews:`` and ``sweeps:`` sections of a scenario file (see :mod:`scenarios.spec`).

Their keys are :class:`~scenarios.field.ReviewOptions` and :class:`~scenarios.field.SweepOptions`
fields with the one set of defaults (:data:`~scenarios.field.REVIEW_DEFAULTS`,
:data:`~scenarios.field.SWEEP_DEFAULTS`), plus the shared field rules a planner changes most
(``within_min``, ``working_days``, ``overnight_at_halt``); :meth:`ReviewsSpec.review_options`
and :meth:`SweepsSpec.sweep_options` build the options. Unknown keys are errors naming the key.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from pydantic import Field, field_validator

from scenarios.field.options import (
    REVIEW_DEFAULTS,
    SWEEP_DEFAULTS,
    SWEEP_MODES,
    ReviewOptions,
    SweepOptions,
)
from scenarios.routing.options import VanOptions, parse_weekdays, weekdays_text
from scenarios.spec_vans import CalendarSpec

__all__ = ["FieldRulesSpec", "ReviewsSpec", "SweepsSpec"]


class FieldRulesSpec(CalendarSpec):
    """The field rules both sections share (the rest stay at :class:`VanOptions` defaults)."""

    start_date: date | None = None
    within_min: float = Field(default=REVIEW_DEFAULTS.field.within_min, ge=0)
    working_days: str = weekdays_text(REVIEW_DEFAULTS.field.working_days)
    overnight_at_halt: bool = REVIEW_DEFAULTS.field.overnight_at_halt

    def field_rules(self, base: VanOptions) -> VanOptions:
        """``base`` with this section's threshold, working days and overnight rule."""
        return replace(
            base,
            within_min=self.within_min,
            working_days=parse_weekdays(self.working_days),
            overnight_at_halt=self.overnight_at_halt,
        )


class ReviewsSpec(FieldRulesSpec):
    """A quarter of mobile reviews (:func:`scenarios.field.plan_reviews`).

    Examples
    --------
    >>> ReviewsSpec(vans=2, weeks=6, targets=["S001"]).review_options().targets
    ('S001',)
    """

    vans: int = Field(default=REVIEW_DEFAULTS.vans, ge=1, le=500)
    weeks: int = Field(default=REVIEW_DEFAULTS.weeks, ge=1, le=53)
    visits: int = Field(default=REVIEW_DEFAULTS.visits, ge=1, le=60)
    review_min: int = Field(default=REVIEW_DEFAULTS.review_min, ge=0)
    targets: tuple[str, ...] = REVIEW_DEFAULTS.targets
    max_drive_min_per_day: int | None = Field(
        default=REVIEW_DEFAULTS.field.max_drive_min_per_day, gt=0
    )

    def review_options(self) -> ReviewOptions:
        """The review job of this section."""
        rules = replace(
            self.field_rules(REVIEW_DEFAULTS.field),
            max_drive_min_per_day=self.max_drive_min_per_day,
        )
        return ReviewOptions(
            vans=self.vans,
            weeks=self.weeks,
            visits=self.visits,
            start_date=self.start_date,
            review_min=self.review_min,
            targets=self.targets,
            field=rules,
        )


class SweepsSpec(FieldRulesSpec):
    """Door-to-door sweeps of what the scenario's vans leave (:func:`scenarios.field.plan_sweeps`).

    Examples
    --------
    >>> SweepsSpec(teams=2, mode="motorbike").sweep_options().travel_cap_min
    240
    """

    teams: int = Field(default=SWEEP_DEFAULTS.teams, ge=1, le=500)
    days: int = Field(default=SWEEP_DEFAULTS.days, ge=1, le=366)
    mode: str = SWEEP_DEFAULTS.mode
    households_per_team_day: float = Field(default=SWEEP_DEFAULTS.households_per_team_day, gt=0)
    max_travel_min_per_day: int | None = Field(default=SWEEP_DEFAULTS.max_travel_min_per_day, gt=0)

    @field_validator("mode")
    @classmethod
    def _mode(cls, v: str) -> str:
        if v not in SWEEP_MODES:
            raise ValueError(f"'{v}' is not a sweep mode: use {' or '.join(SWEEP_MODES)}")
        return v

    def sweep_options(self) -> SweepOptions:
        """The sweep job of this section."""
        return SweepOptions(
            teams=self.teams,
            days=self.days,
            mode=self.mode,
            start_date=self.start_date,
            households_per_team_day=self.households_per_team_day,
            max_travel_min_per_day=self.max_travel_min_per_day,
            field=self.field_rules(SWEEP_DEFAULTS.field),
        )
