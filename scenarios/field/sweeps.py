"""Door-to-door sweeps: enumerator teams from base villages visit every household.

:func:`plan_sweeps` (the region adapter) takes the settlements neither centres nor vans reach
(:func:`~scenarios.field.targets.sweep_targets`), asks the travel engine for the teams'
walking (or motorbike) minutes among them, puts each team's base in a village chosen by the
p-median (:func:`scenarios.placement.p_median`: least household-weighted travel to the
nearest base) and routes the teams over ``days`` working days with the van campaign planner
(:func:`scenarios.routing.plan_campaign`: working hours, breaks, the Friday break, a daily
travel cap, overnight stays in villages that take several days). Work at a settlement is its
households over ``households_per_team_day`` team-days; its expected registrations are the
portfolio's sweep channel's (:func:`~scenarios.field.targets.field_registrations` at home,
burden 0: the same turnout model). :func:`write_sweeps` writes the team
itineraries (the van formats), ``calendar.csv``, ``calendar.ics``, ``sweeps_left_out.csv``
and ``sweeps.json``. See ``docs/field_operations.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray

from access.analysis import GapResult, gap_analysis
from access.engine import travel_matrix
from access.speeds import Mode, TravelSettings
from geodata.errors import AccessGapError
from geodata.export import write_csv, write_json
from geodata.files import write_folder_atomically
from geodata.region import Region
from scenarios.field.calendar import campaign_calendar, write_ics
from scenarios.field.options import SWEEP_DEFAULTS, SweepOptions
from scenarios.field.targets import (
    field_registrations,
    sweep_targets,
    unit_labels,
    unregistered,
)
from scenarios.notices import synthetic_notes, write_notices
from scenarios.placement import p_median
from scenarios.routing.campaign import plan_campaign
from scenarios.routing.campaign_results import REASON_BLOCK_RUN, REASON_BLOCK_SHARE, CampaignPlan
from scenarios.routing.itinerary_files import export_itinerary
from scenarios.routing.options import weekdays_text

__all__ = [
    "LEFT_OUT_COLUMNS",
    "REASON_CAP",
    "REASON_NO_TEAM_DAYS",
    "REASON_VANS",
    "SweepPlan",
    "plan_sweeps",
    "sweep_dwell",
    "write_sweeps",
]

#: Reason written for settlements beyond the threshold that vans reach (not sweep targets).
REASON_VANS = "reached by vans: not a sweep target"
#: Reason for targets past the most a plan takes (``field.max_halts``, by unregistered).
REASON_CAP = "beyond the most settlements one sweep plan takes (max_halts): plan it next"

#: Reason for a settlement needing several days that no team has left.
REASON_NO_TEAM_DAYS = (
    "needs several team-days in a row and no team has them left: more teams or days"
)

#: Columns of ``sweeps_left_out.csv``.
LEFT_OUT_COLUMNS = (
    "settlement_id",
    "name",
    "union_council",
    "households",
    "travel_min_from_centre",
    "reason",
)


@dataclass(frozen=True, eq=False)
class SweepPlan:
    """Door-to-door sweeps of a region.

    Attributes
    ----------
    options
        The job.
    locations
        Bases (first, ``base: <village>``) and target settlements, as the itinerary exports
        take them (``halt``, ``name``, ``name_ur``, ``union_council``, ``unit_name``,
        ``settlement_id``, ``households``, ``lon``, ``lat``, ``expected_registrations``).
    campaign
        The teams' plan (teams as vans, bases as depots).
    dates
        Date of each sweep day.
    calendar
        One row per team visit (:data:`~scenarios.field.calendar.CALENDAR_COLUMNS`).
    left_out
        Settlements beyond the threshold not swept, with the reason (:data:`LEFT_OUT_COLUMNS`).
    notes
        Notes on the data and the rules used.
    """

    options: SweepOptions
    locations: pd.DataFrame
    campaign: CampaignPlan
    dates: tuple[date, ...]
    calendar: pd.DataFrame
    left_out: pd.DataFrame
    notes: tuple[str, ...] = ()

    def summary(self) -> dict[str, Any]:
        """Headline figures: settlements and households swept, team-days, registrations."""
        o, cal, vds = self.options, self.calendar, self.campaign.van_days
        swept = cal.drop_duplicates("halt")
        reasons = self.left_out["reason"].value_counts()
        return {
            "teams": o.teams,
            "days": o.days,
            "mode": o.mode,
            "households_per_team_day": o.households_per_team_day,
            "travel_cap_min_per_day": o.travel_cap_min,
            "bases": list(self.locations.loc[list(self.campaign.van_depots), "name"].astype(str)),
            "settlements_swept": len(swept),
            "households_swept": float(swept["households"].sum()),
            "team_days_used": sum(1 for vd in vds if vd.visits),
            "expected_registrations": int(cal["expected_registrations"].sum()),
            "total_travel_min": self.campaign.total_drive_min,
            "max_travel_min_in_a_day": max((vd.drive_min for vd in vds), default=0),
            "nights_away": sum(1 for vd in vds if vd.end_location != vd.depot),
            "settlements_left_out": int((self.left_out["reason"] != REASON_VANS).sum()),
            "left_out_reasons": {str(k): int(v) for k, v in reasons.items()},
            "start_date": self.dates[0].isoformat(),
            "end_date": self.dates[-1].isoformat(),
            "working_days": weekdays_text(o.field.working_days),
            "notes": list(self.notes),
        }


def sweep_dwell(households: NDArray[np.float64], options: SweepOptions) -> NDArray[np.int64]:
    """Working minutes a team needs at a settlement: its households at the team-day rate.

    ``ceil(households x work_min / households_per_team_day)`` with ``work_min`` a working
    day's minutes without breaks (450 by default: 40 households take 450 minutes).

    Examples
    --------
    >>> sweep_dwell(np.array([40.0, 8.0, 0.0]), SweepOptions()).tolist()
    [450, 90, 0]
    """
    f = options.field
    work = f.day_end_min - f.day_start_min - sum(e - s for s, e in f.breaks)
    minutes = np.asarray(households, float) * work / options.households_per_team_day
    return np.ceil(minutes - 1e-9).astype(np.int64)


def plan_sweeps(
    region: Region,
    options: SweepOptions | None = None,
    *,
    gaps: GapResult | None = None,
    served_by_vans: list[str] | None = None,
) -> SweepPlan:
    """Plan door-to-door sweeps for ``region``.

    Parameters
    ----------
    region
        The region.
    options
        The job; ``None``: :data:`~scenarios.field.options.SWEEP_DEFAULTS`.
    gaps
        The region's gap analysis (computed when not given).
    served_by_vans
        Settlement ids a van plan reaches (its visited halts' ``served_ids``); ``None``: vans
        reach every settlement within the walk radius of a road (see
        :func:`~scenarios.field.targets.sweep_targets`).

    Returns
    -------
    SweepPlan

    Raises
    ------
    AccessGapError
        When no settlement is left for sweeps.
    """
    o = options or SWEEP_DEFAULTS
    f = o.team_options()
    g = gaps if gaps is not None else gap_analysis(region)
    s = g.settlements.reset_index(drop=True)
    target_pos, van_pos, notes = sweep_targets(g, o.field, served_by_vans=served_by_vans)
    if target_pos.size == 0:
        raise AccessGapError(
            f"no settlement beyond {f.within_min:g} minutes ({f.mode}) of a centre is left "
            "for sweeps (vans reach them all): lower the threshold or give a smaller van plan"
        )
    unreg, unreg_notes = unregistered(g, f)
    order = target_pos[np.argsort(-unreg[target_pos], kind="stable")]
    kept, capped = np.sort(order[: f.max_halts]), order[f.max_halts :]
    st = TravelSettings(mode=cast(Mode, o.mode))
    pts = gpd.GeoDataFrame(
        {"id": s["settlement_id"].iloc[kept].to_numpy()},
        geometry=s.geometry.iloc[kept].to_numpy(),
        crs=s.crs,
    )
    minutes = travel_matrix(pts, region, settings=st).minutes
    hh = s["households"].to_numpy(float)[kept]
    bases = _bases(minutes, hh, o.teams)
    durations = _durations(minutes, bases, f.day_end_min - f.day_start_min)
    n_b = len(bases)
    dwell = np.r_[np.zeros(n_b, dtype=np.int64), sweep_dwell(hh, o)]
    priority = np.r_[np.zeros(n_b), 1.0 + unreg[kept]]
    dates = f.campaign_dates()
    campaign = plan_campaign(
        durations,
        dwell,
        priority,
        depots=list(range(n_b)),
        vans=[v % n_b for v in range(o.teams)],
        days=o.days,
        day_start_min=f.day_start_min,
        day_end_min=f.day_end_min,
        breaks=f.breaks,
        max_drive_min_per_day=f.max_drive_min_per_day,
        overnight_at_halt=f.overnight_at_halt,
        max_block_share=1.0,
        min_onsite_ratio=f.min_onsite_ratio,
        day_breaks=f.day_breaks(dates),
        rest_days=[d for d in range(1, len(dates)) if dates[d] - dates[d - 1] > timedelta(days=1)],
        time_limit_s=f.time_limit_s,
        max_iterations=f.max_iterations,
        seed=f.seed,
    )
    exp, reg_notes = field_registrations(g, f, kept, np.zeros(kept.size))
    regs = np.rint(exp).astype(np.int64)
    locations = _locations(region, s, kept, bases, regs)
    calendar = campaign_calendar(campaign, locations, dates, kind="sweep", team_prefix="team")
    left_out = _left_out(s, f, kept, capped, van_pos, campaign, n_b)
    notes += [
        *unreg_notes,
        *reg_notes,
        f"Teams travel {'on foot' if o.mode == 'walk' else 'by ' + o.mode}; legs drawn as "
        "straight lines in the itineraries.",
    ]
    return SweepPlan(o, locations, campaign, dates, calendar, left_out, tuple(notes))


def write_sweeps(
    plan: SweepPlan, out_dir: str | Path, *, notices: bool = True, synthetic: bool = False
) -> dict[str, Path]:
    """Write the sweeps into ``out_dir`` atomically.

    Files: ``itinerary/`` (per team and day, the van formats: CSV, XLSX, GPX, GeoJSON, HTML,
    PDF), ``calendar.csv`` (one row per team visit), ``calendar.ics``, ``sweeps_left_out.csv``
    (a reason per settlement not swept), ``sweeps.json`` (summary) and, with ``notices``,
    ``notices/`` (Urdu notices per union council and an SMS per village, as for reviews).
    """

    def write(tmp: Path) -> None:
        export_itinerary(
            plan.campaign,
            plan.locations,
            tmp / "itinerary",
            dates=plan.dates,
            title="NSER door-to-door sweep itinerary",
        )
        write_csv(plan.calendar, tmp / "calendar.csv")
        write_ics(plan.calendar, tmp / "calendar.ics", name="NSER door-to-door sweeps")
        write_csv(plan.left_out, tmp / "sweeps_left_out.csv")
        write_json(plan.summary(), tmp / "sweeps.json")
        if notices and len(plan.calendar):
            write_notices(plan.calendar, tmp / "notices", notes=synthetic_notes(synthetic))

    return write_folder_atomically(out_dir, write, kind="sweeps")


# --------------------------------------------------------------------------------------------
# Private helpers
# --------------------------------------------------------------------------------------------


def _bases(minutes: NDArray[np.float64], households: NDArray[np.float64], teams: int) -> list[int]:
    """Base villages (positions among the targets): the p-median of household-weighted travel."""
    p = min(teams, len(households))
    cost = np.where(np.isfinite(minutes), minutes, np.inf)
    big = float(np.nanmax(np.where(np.isfinite(minutes), minutes, 0.0)) + 1.0) * 10
    res = p_median(cost, np.maximum(households, 0.0), p, method="heuristic", unreachable_cost=big)
    return [int(j) for j in res.open_sites]


def _durations(minutes: NDArray[np.float64], bases: list[int], day_min: int) -> NDArray[np.int64]:
    """Whole minutes among bases (copies of their villages, first) and targets."""
    idx = [*bases, *range(minutes.shape[0])]
    sub = minutes[np.ix_(idx, idx)]
    d = np.where(np.isfinite(sub), np.ceil(np.nan_to_num(sub)), 10 * day_min).astype(np.int64)
    np.fill_diagonal(d, 0)
    return d


def _locations(
    region: Region,
    s: pd.DataFrame,
    kept: NDArray[np.int64],
    bases: list[int],
    regs: NDArray[np.int64],
) -> pd.DataFrame:
    rows = s.iloc[[*(kept[b] for b in bases), *kept]].reset_index(drop=True)
    codes, names = unit_labels(region, [str(u) for u in rows["union_council"]])
    n_b = len(bases)
    label = [f"base: {n}" if i < n_b else str(n) for i, n in enumerate(rows["name"])]
    return pd.DataFrame(
        {
            "halt": np.arange(len(rows)),
            "settlement_id": rows["settlement_id"].astype(str),
            "name": label,
            "name_ur": rows.get("name_ur", None),
            "union_council": codes,
            "unit_name": names,
            "households": rows["households"].to_numpy(float),
            "lon": rows.geometry.x.to_numpy(),
            "lat": rows.geometry.y.to_numpy(),
            "expected_registrations": np.r_[np.zeros(n_b, dtype=np.int64), regs],
        }
    )


def _left_out(
    s: pd.DataFrame,
    f: Any,
    kept: NDArray[np.int64],
    capped: NDArray[np.int64],
    van_pos: NDArray[np.int64],
    campaign: CampaignPlan,
    n_b: int,
) -> pd.DataFrame:
    reasons = {int(kept[d.halt - n_b]): _team_words(d.reason) for d in campaign.dropped}
    reasons |= {int(i): REASON_CAP for i in capped}
    reasons |= {int(i): REASON_VANS for i in van_pos}
    pos = np.array(sorted(reasons), dtype=np.int64)
    rows = s.iloc[pos]
    return pd.DataFrame(
        {
            "settlement_id": rows["settlement_id"].astype(str).to_numpy(),
            "name": rows["name"].astype(str).to_numpy(),
            "union_council": rows["union_council"].astype(str).to_numpy(),
            "households": rows["households"].to_numpy(float),
            "travel_min_from_centre": rows[f"travel_min_{f.mode}"].to_numpy(float).round(1),
            "reason": [reasons[int(i)] for i in pos],
        },
        columns=list(LEFT_OUT_COLUMNS),
    )


def _team_words(reason: str) -> str:
    """A van planner's reason in a sweep's words (teams, travel)."""
    if reason in (REASON_BLOCK_SHARE, REASON_BLOCK_RUN):
        return REASON_NO_TEAM_DAYS
    for a, b in (
        ("van-day", "team-day"),
        ("van's", "team's"),
        ("vans", "teams"),
        ("driving", "travel"),
        ("drive there", "travel there"),
    ):
        reason = reason.replace(a, b)
    return reason
