"""The settings of the outreach portfolio: horizon, discounting, costs, capacities, turnout.

One frozen object (:class:`PortfolioSettings`) holds every default; the CLI, the scenario
runner, the report and the tests build the same object. The defaults and their sources are in
``docs/portfolio.md``; all are planning assumptions to be replaced with BISP's own figures.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from access.capacity import CapacitySettings
from geodata.errors import Problem, SchemaError

__all__ = ["CHANNELS", "PortfolioSettings"]

#: The channels, in the order tables list them. ``awareness`` acts on top of the others.
CHANNELS: tuple[str, ...] = ("centre", "desks", "van", "review", "sweep", "awareness")


@dataclass(frozen=True)
class PortfolioSettings:
    """Every assumption of the cost-turnout-capacity model (PKR, minutes, years).

    Parameters
    ----------
    horizon_years
        The common planning horizon: running costs and new households are counted over it.
    discount_rate
        Yearly rate discounting running costs paid in years 1..horizon (set-up costs are paid
        at once, undiscounted).
    household_formation_rate
        New households a year per existing household (2.55%: Pakistan's 2017-2023 intercensal
        population growth, 2023 census). Only permanent channels (centres, desks) reach them.
    centre_setup_pkr, centre_yearly_pkr
        A new Union Council centre: set-up when the candidate has no ``opening_cost_pkr``,
        and its yearly running cost (the scenario default, ``scenarios.spec.CostsSpec``).
    desk_setup_pkr, desk_yearly_pkr, desks_per_option, existing_desk_registrations_per_day
        A block of extra desks at an existing centre: equipment, one enumerator's yearly cost
        (half a two-enumerator Union Council desk), desks per option; the registrations one
        desk handles a day (``VanOptions``: 8 an hour over 7.5 hours).
    wait_h
        Waiting at a centre today (``access.gaps.GapSettings.wait_h``) for the proportional
        rule of extra desks (``wait * d / (d + k)``), used only when the gap analysis has no
        Erlang C queue (#17's barriers), which otherwise gives the wait desks save.
    working_days_per_year
        Days a centre or desk works.
    van_per_day_pkr, van_registrations_per_day, van_min_travel_min, walk_radius_m,
    walk_speed_kph, max_halts
        Van blocks: cost of a van-day (scenario default), registrations a van handles a day
        (2 desks x 8 an hour x 7.5 hours), halts only at settlements beyond
        ``van_min_travel_min`` motorbike minutes of every centre, serving settlements within
        ``walk_radius_m`` (walked at ``walk_speed_kph``, straight line x 1.3), at most
        ``max_halts`` halts (by unregistered poor served).
    review_channel, review_visits, review_min, review_staff_hour_pkr
        Quarterly mobile reviews (``scenarios.field``): whether the channel is offered; visits
        per union council in the quarter (one a month); minutes of record review per visit;
        staff cost of an hour (PKR 600: a desk enumerator's PKR 1.2 M a year over 250 days of
        8 hours). Halt, walk and van-day as van blocks.
    sweep_team_day_pkr, sweep_households_per_team_day
        Door-to-door sweeps: a two-enumerator team a day with transport, and households it
        visits a day. A sweep visits every household of its cluster (a union council's
        settlements in one travel band), registered or not.
    awareness_fixed_pkr, awareness_per_household_pkr, unaware_share, awareness_response
        Awareness campaign in a union council: fixed cost and cost per household reached;
        the share of unregistered poor households who do not know how to register (nearly
        half, World Bank "Mind the Gap", 2025) and the share of those a campaign moves to try.
    coverage_cutoff_min
        Travel minutes up to which a new centre is searched for each settlement.
    mode
        Travel mode of the exclusion model (its own mode is used when it differs).
    """

    horizon_years: int = 5
    discount_rate: float = 0.10
    household_formation_rate: float = 0.0255
    centre_setup_pkr: float = 3_000_000.0
    centre_yearly_pkr: float = 2_400_000.0
    desk_setup_pkr: float = 500_000.0
    desk_yearly_pkr: float = 1_200_000.0
    desks_per_option: int = 1
    existing_desk_registrations_per_day: float = CapacitySettings.registrations_per_desk_day
    wait_h: float = 2.0
    working_days_per_year: float = 250.0
    van_per_day_pkr: float = 25_000.0
    van_registrations_per_day: float = 120.0
    van_min_travel_min: float = 60.0
    walk_radius_m: float = 2000.0
    walk_speed_kph: float = 4.0
    max_halts: int = 400
    review_channel: bool = True
    review_visits: int = 3
    review_min: float = 120.0
    review_staff_hour_pkr: float = 600.0
    sweep_team_day_pkr: float = 12_000.0
    sweep_households_per_team_day: float = 40.0
    awareness_fixed_pkr: float = 150_000.0
    awareness_per_household_pkr: float = 20.0
    unaware_share: float = 0.5
    awareness_response: float = 0.3
    coverage_cutoff_min: float = 240.0
    mode: str = "motorbike"

    def __post_init__(self) -> None:
        """Check every figure at once.

        Raises
        ------
        SchemaError
            A negative or non-finite figure, a share outside [0, 1], a horizon below 1 year.
        """
        problems = [
            Problem(f"must be finite and >= 0 (got {v!r})", "portfolio settings", column=k)
            for k, v in vars(self).items()
            if not isinstance(v, str) and (not np.isfinite(v) or v < 0)
        ]
        for k in ("unaware_share", "awareness_response", "discount_rate"):
            if np.isfinite(getattr(self, k)) and getattr(self, k) > 1:
                problems.append(Problem("must be at most 1", "portfolio settings", column=k))
        if self.horizon_years < 1:
            problems.append(Problem("must be at least 1", "portfolio settings", column="horizon"))
        for k in ("desks_per_option", "max_halts", "review_visits"):
            if getattr(self, k) < 1:
                problems.append(Problem("must be at least 1", "portfolio settings", column=k))
        for k in ("van_registrations_per_day", "sweep_households_per_team_day", "walk_speed_kph"):
            if getattr(self, k) <= 0:
                problems.append(Problem("must be above 0", "portfolio settings", column=k))
        if problems:
            raise SchemaError(problems)

    @property
    def annuity_factor(self) -> float:
        """Present value of 1 PKR a year paid at the end of years 1..horizon.

        Examples
        --------
        >>> round(PortfolioSettings(horizon_years=5, discount_rate=0.10).annuity_factor, 4)
        3.7908
        >>> PortfolioSettings(horizon_years=5, discount_rate=0.0).annuity_factor
        5.0
        """
        r, n = self.discount_rate, self.horizon_years
        return float(n) if r == 0 else float((1 - (1 + r) ** -n) / r)

    @property
    def growth_factor(self) -> float:
        """New households over the horizon per household today: ``(1 + f)^Y - 1``."""
        return float((1 + self.household_formation_rate) ** self.horizon_years - 1)

    def as_dict(self) -> dict[str, float | int | str]:
        """The settings as a plain mapping (for ``portfolio.json``'s assumptions)."""
        return dict(vars(self))
