"""Quarterly mobile reviews: every target visited ``visits`` times in a window, evenly spread.

:func:`plan_reviews` (the region adapter) picks the targets (:func:`review_targets`), asks the
travel engine for driving times once, splits the window's working days into ``visits`` equal
sub-windows and plans each with the van campaign planner
(:func:`scenarios.routing.plan_campaign`: working hours, breaks, the Friday break, the
driving cap, overnight stays); a target's ``k``-th visit falls in the ``k``-th sub-window. A
target that does not fit makes the plan infeasible, with what to change.
:func:`write_reviews` writes ``calendar.csv``, ``calendar.ics``, ``targets.csv`` and
``reviews.json``. See ``docs/field_operations.md``.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from access.analysis import GapResult, gap_analysis
from access.speeds import Mode, TravelSettings
from geodata.errors import AccessGapError, InfeasibleError
from geodata.export import write_csv, write_json, write_points_csv
from geodata.files import write_folder_atomically
from geodata.privacy import PrivacySettings, suppress_small_groups
from geodata.region import Region
from scenarios.field.calendar import (
    campaign_calendar,
    sub_windows,
    window_dates,
    write_ics,
)
from scenarios.field.options import REVIEW_DEFAULTS, ReviewOptions
from scenarios.field.targets import review_targets
from scenarios.notices import synthetic_notes, write_notices
from scenarios.routing.adapter import drive_matrix, van_depots
from scenarios.routing.campaign import plan_campaign
from scenarios.routing.campaign_results import REASON_ROOM, CampaignPlan
from scenarios.routing.options import VanOptions, weekdays_text

__all__ = ["ReviewPlan", "per_visit", "plan_reviews", "review_dwell", "write_reviews"]


@dataclass(frozen=True, eq=False)
class ReviewPlan:
    """A window of mobile reviews.

    Attributes
    ----------
    options
        The job.
    targets
        Targets (EPSG:4326, :data:`~scenarios.field.targets.TARGET_COLUMNS`), ``halt`` their
        location index.
    locations
        Depots and targets (``halt``, ``name``, ``name_ur``, ``union_council``, ``unit_name``,
        ``settlement_id``, ``households``, ``lon``, ``lat``).
    windows
        Working days of each sub-window.
    campaigns
        The plan of each sub-window.
    calendar
        One row per visit (:data:`~scenarios.field.calendar.CALENDAR_COLUMNS`).
    notes
        Notes on the data.
    """

    options: ReviewOptions
    targets: gpd.GeoDataFrame
    locations: pd.DataFrame
    windows: tuple[tuple[date, ...], ...]
    campaigns: tuple[CampaignPlan, ...]
    calendar: pd.DataFrame
    notes: tuple[str, ...] = ()

    def summary(self) -> dict[str, Any]:
        """Headline figures: targets, visits, van-days, driving, registrations, the calendar."""
        o, cal = self.options, self.calendar
        vds = [vd for c in self.campaigns for vd in c.van_days]
        days = [d for w in self.windows for d in w]
        return {
            "vans": o.vans,
            "weeks": o.weeks,
            "visits_per_target": o.visits,
            "targets": len(self.targets),
            "union_councils": int(self.targets["unit_code"].nunique()),
            "visits": int(cal.groupby(["halt", "visit"]).ngroups),
            "visit_days": len(cal),
            "van_days_used": sum(1 for vd in vds if vd.visits),
            "van_days_available": o.vans * len(days),
            "expected_registrations": int(cal["expected_registrations"].sum()),
            "total_drive_min": sum(c.total_drive_min for c in self.campaigns),
            "max_drive_min_in_a_day": max((vd.drive_min for vd in vds), default=0),
            "max_drive_min_per_day": o.field.max_drive_min_per_day,
            "nights_away": sum(1 for vd in vds if vd.end_location != vd.depot),
            "start_date": days[0].isoformat() if days else None,
            "end_date": days[-1].isoformat() if days else None,
            "working_days": weekdays_text(o.field.working_days),
            "windows": [[w[0].isoformat(), w[-1].isoformat()] for w in self.windows],
            "review_min": o.review_min,
            "runtime_s": round(sum(c.runtime_s for c in self.campaigns), 2),
            "notes": list(self.notes),
        }


def per_visit(total: NDArray[np.int64], visits: int) -> NDArray[np.int64]:
    """Each target's expected registrations split over its visits (whole, summing to it).

    Examples
    --------
    >>> per_visit(np.array([10, 2]), 3).tolist()
    [[4, 3, 3], [1, 1, 0]]
    """
    t = np.asarray(total, dtype=np.int64)[:, None]
    k = np.arange(visits)[None, :]
    return np.asarray(t // visits + (k < t % visits), dtype=np.int64)


def review_dwell(registrations: NDArray[np.int64], options: ReviewOptions) -> NDArray[np.int64]:
    """Minutes on site of a review visit: set-up + review + the registrations' desk time.

    ``ceil(setup_min + review_min + 60 x registrations / (desks x registrations_per_desk_hour))``

    Examples
    --------
    >>> review_dwell(np.array([0, 32]), ReviewOptions()).tolist()
    [150, 270]
    """
    f = options.field
    desk = 60.0 * np.asarray(registrations, float) / (f.desks * f.registrations_per_desk_hour)
    return np.ceil(f.setup_min + options.review_min + desk - 1e-9).astype(np.int64)


def plan_reviews(
    region: Region,
    options: ReviewOptions | None = None,
    *,
    gaps: GapResult | None = None,
    settings: TravelSettings | None = None,
) -> ReviewPlan:
    """Plan a window of mobile reviews for ``region``.

    Parameters
    ----------
    region
        The region.
    options
        The job; ``None``: :data:`~scenarios.field.options.REVIEW_DEFAULTS`.
    gaps
        The region's gap analysis (computed when not given).
    settings
        Travel settings of the vans; by default ``options.field.mode``.

    Returns
    -------
    ReviewPlan

    Raises
    ------
    AccessGapError
        When there is no target, or fewer working days than visits.
    InfeasibleError
        When some target cannot get all its visits: the message names the targets and what
        to change (more vans, more weeks, fewer visits, a longer driving cap).
    """
    o = options or REVIEW_DEFAULTS
    f = o.field
    st = settings or TravelSettings(mode=cast(Mode, f.mode))
    g = gaps if gaps is not None else gap_analysis(region)
    targets, notes = review_targets(region, g, f, ids=o.targets)
    if len(targets) == 0:
        raise AccessGapError(
            f"no union council has settlements beyond {f.within_min:g} minutes ({f.mode}) of a "
            "centre: lower the threshold (--within) or list targets (--targets FILE.csv)"
        )
    dates = window_dates(o.first_day(), o.weeks, f.working_days)
    windows = sub_windows(dates, o.visits)
    depots = van_depots(region, f)
    n_dep = len(depots)
    pts, durations = drive_matrix(region, depots, targets, f, st)
    regs = per_visit(targets["expected_registrations"].to_numpy(np.int64), o.visits)
    priority = np.r_[np.zeros(n_dep), 1.0 + targets["priority"].to_numpy(float)]
    targets = targets.copy()
    targets.insert(0, "halt", np.arange(n_dep, n_dep + len(targets)))
    locations = _locations(depots, targets, pts)
    campaigns, calendars, missed = [], [], []
    for k, window in enumerate(windows):
        dwell = np.r_[np.zeros(n_dep, dtype=np.int64), review_dwell(regs[:, k], o)]
        plan = _plan_window(
            durations, dwell, priority, n_dep, o.van_options(len(window), window[0]), window
        )
        missed += [(d.halt, k, d.reason) for d in plan.dropped]
        locs = locations.assign(expected_registrations=np.r_[np.zeros(n_dep, int), regs[:, k]])
        calendars.append(
            campaign_calendar(
                plan, locs, window, kind="review", team_prefix="van", first_visit=k + 1
            )
        )
        campaigns.append(plan)
    if missed:
        raise InfeasibleError(
            _infeasible_message(missed, targets, windows, o, dwell, durations, n_dep)
        )
    calendar = pd.concat(calendars, ignore_index=True)
    return ReviewPlan(
        o, targets, locations, tuple(windows), tuple(campaigns), calendar, tuple(notes)
    )


def write_reviews(
    plan: ReviewPlan,
    out_dir: str | Path,
    *,
    privacy: PrivacySettings | None = None,
    notices: bool = True,
    synthetic: bool = False,
) -> dict[str, Path]:
    """Write the reviews into ``out_dir`` atomically.

    Files: ``calendar.csv`` (one row per visit), ``calendar.ics`` (one event per visit),
    ``targets.csv`` (targets; registry-derived counts blanked for fewer than
    ``privacy.min_group_households`` households served, lon/lat last), ``reviews.json`` and,
    with ``notices``, ``notices/`` (:func:`scenarios.notices.write_notices`: an Urdu notice
    per union council of when the team comes, an SMS per village; ``synthetic`` says so at
    the foot of every page).
    """
    p = privacy or PrivacySettings()

    def write(tmp: Path) -> None:
        write_csv(plan.calendar, tmp / "calendar.csv")
        write_ics(plan.calendar, tmp / "calendar.ics", name="NSER mobile reviews")
        t = plan.targets
        table = suppress_small_groups(
            pd.DataFrame(t.drop(columns="geometry")),
            ("unregistered_households", "expected_registrations", "priority"),
            min_households=p.min_group_households,
            households_col="households_served",
        )
        write_points_csv(
            gpd.GeoDataFrame(table, geometry=t.geometry.to_numpy(), crs=t.crs),
            tmp / "targets.csv",
        )
        write_json(plan.summary(), tmp / "reviews.json")
        if notices and len(plan.calendar):
            write_notices(plan.calendar, tmp / "notices", notes=synthetic_notes(synthetic))

    return write_folder_atomically(out_dir, write, kind="reviews")


# --------------------------------------------------------------------------------------------
# Private helpers
# --------------------------------------------------------------------------------------------


def _plan_window(
    durations: NDArray[np.int64],
    dwell: NDArray[np.int64],
    priority: NDArray[np.float64],
    n_dep: int,
    vo: VanOptions,
    window: tuple[date, ...],
) -> CampaignPlan:
    return plan_campaign(
        durations,
        dwell,
        priority,
        depots=list(range(n_dep)),
        vans=vo.vans,
        days=len(window),
        day_start_min=vo.day_start_min,
        day_end_min=vo.day_end_min,
        breaks=vo.breaks,
        max_drive_min_per_day=vo.max_drive_min_per_day,
        overnight_at_halt=vo.overnight_at_halt,
        max_block_share=vo.max_block_share,
        min_onsite_ratio=vo.min_onsite_ratio,
        day_breaks=vo.day_breaks(window),
        rest_days=[
            d for d in range(1, len(window)) if window[d] - window[d - 1] > timedelta(days=1)
        ],
        time_limit_s=vo.time_limit_s,
        max_iterations=vo.max_iterations,
        seed=vo.seed,
    )


def _locations(
    depots: gpd.GeoDataFrame, targets: gpd.GeoDataFrame, pts: gpd.GeoDataFrame
) -> pd.DataFrame:
    n_dep = len(depots)
    uc = depots["union_council"].fillna("") if "union_council" in depots else [""] * n_dep
    return pd.DataFrame(
        {
            "halt": np.arange(len(pts)),
            "settlement_id": [*depots["centre_id"].astype(str), *targets["settlement_id"]],
            "name": [*depots["name"], *targets["name"]],
            "name_ur": [None] * n_dep + list(targets["name_ur"]),
            "union_council": [*uc, *targets["unit_code"]],
            "unit_name": [*uc, *targets["unit_name"]],
            "households": [np.nan] * n_dep + list(targets["households_served"]),
            "lon": pts.geometry.x.to_numpy(),
            "lat": pts.geometry.y.to_numpy(),
            "expected_registrations": [0] * len(pts),
        }
    )


def _infeasible_message(
    missed: list[tuple[int, int, str]],
    targets: gpd.GeoDataFrame,
    windows: list[tuple[date, ...]],
    o: ReviewOptions,
    dwell: NDArray[np.int64],
    durations: NDArray[np.int64],
    n_dep: int,
) -> str:
    """What is missed, why, and what to change (a rough count of the vans needed)."""
    names = targets.set_index("halt")["name"]
    halts = sorted({h for h, _, _ in missed})
    reasons = Counter(r for _, _, r in missed)
    shown = ", ".join(str(names.loc[h]) for h in halts[:8]) + (" ..." if len(halts) > 8 else "")
    # van-days scale with the visits to make: the fullest sub-window's share of targets served
    per_window = Counter(k for _, k, r in missed if r == REASON_ROOM)
    worst = max(per_window.values(), default=0)
    served = max(len(targets) - worst, 1)
    vans_needed = math.ceil(o.vans * len(targets) / served)
    days = min(len(w) for w in windows)
    why = "; ".join(f"{n} x {r}" for r, n in reasons.most_common())
    return (
        f"{len(halts)} of {len(targets)} targets cannot get all {o.visits} visits in "
        f"{o.weeks} weeks with {o.vans} vans ({len(missed)} visits missed: {why}). "
        f"Targets: {shown}. Change: more vans (about {vans_needed} for {days} working days a "
        "round), more weeks (--weeks), fewer visits (--visits) or fewer targets; targets "
        "beyond the driving cap or a day's reach need a longer cap, overnight stays or another "
        "channel (a sweep)."
    )
