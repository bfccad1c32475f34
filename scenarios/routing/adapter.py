"""Region adapter of the van planner: which villages, which days, in what order.

The adapter from a region (travel-time engine, gap analysis) to the array core
:func:`scenarios.routing.plan_campaign` and the exports of
:mod:`scenarios.routing.itinerary_files`, driven by one :class:`~scenarios.routing.VanOptions`:

1. **Halts** (:func:`select_halts`): settlements beyond ``within_min`` of every centre, ranked
   by gap score; the best one becomes a halt and serves every selected settlement within
   ``walk_radius_m`` of it; repeat. Expected registrations at a halt = unregistered households
   served x ``turnout``.
2. **Dwell** from expected registrations (:func:`scenarios.routing.dwell_minutes`).
3. **Calendar**: the campaign's working days from ``start_date`` (dates, Friday breaks, days
   off that an overnight stay must not span), from :class:`~scenarios.routing.VanOptions`.
4. **Plan**: driving times among depots (the existing centres) and halts from the engine
   (:func:`access.engine.travel_matrix`), solved by :func:`plan_campaign` under the daily
   driving cap and the on-site rule; legs drawn along roads with :func:`access.engine.route`.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString

from access.analysis import GapResult, gap_analysis
from access.engine import routes, travel_matrix
from access.speeds import Mode, TravelSettings
from geodata.errors import AccessGapError
from geodata.export import write_json, write_points_csv
from geodata.files import write_folder_atomically
from geodata.privacy import PrivacySettings, suppress_small_groups
from geodata.region import Region
from geodata.static_map import MapLayers, map_layers
from scenarios.notices import synthetic_notes, write_notices
from scenarios.routing.campaign import dwell_minutes, plan_campaign
from scenarios.routing.campaign_results import CampaignPlan
from scenarios.routing.itinerary_files import export_itinerary
from scenarios.routing.itinerary_tables import van_day_stops
from scenarios.routing.options import VAN_DEFAULTS, VanOptions, weekdays_text
from scenarios.routing.van_calendar import campaign_calendar

__all__ = [
    "VanPlan",
    "drive_matrix",
    "plan_vans",
    "select_halts",
    "served_by_visited_halts",
    "van_depots",
    "write_vans",
]


@dataclass(frozen=True, eq=False)
class VanPlan:
    """A van campaign for a region.

    Attributes
    ----------
    halts
        Selected halts (EPSG:4326): ``halt`` (location index), settlement id and name, union
        council, settlements and households served, unregistered households, expected
        registrations, dwell minutes, priority (gap score) and ``status`` (visited/dropped
        with the reason).
    locations
        Depots and halts as used by the itinerary exports.
    campaign
        The solver's plan (van-days, visits, dropped halts with reasons).
    legs
        Road geometry of each driven leg.
    notes
        Notes on the data (e.g. coverage assumed).
    dates
        Date of each campaign day (working days only).
    base_map
        The region's roads, boundaries and places for the itinerary's context maps.
    unit_names
        Name of each union council code (the notices print it).
    synthetic
        Whether the region's figures are synthetic (printed on every page).
    """

    options: VanOptions
    halts: gpd.GeoDataFrame
    locations: pd.DataFrame
    campaign: CampaignPlan
    legs: dict[tuple[int, int], LineString] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    dates: tuple[date, ...] = ()
    base_map: MapLayers | None = None
    unit_names: dict[str, str] = field(default_factory=dict)
    synthetic: bool = False

    def summary(self) -> dict[str, Any]:
        """Headline figures: halts visited and dropped, households reached, registrations.

        Also the calendar (first and last date, working days), the van-day rules (driving cap,
        on-site ratio, women-only share), the longest day's driving, nights away and
        registrations per van-day used.
        """
        visited = self.halts["status"].eq("visited")
        o = self.options
        vds = self.campaign.van_days
        used = sum(1 for vd in vds if vd.visits)
        regs = float(self.halts.loc[visited, "expected_registrations"].sum())
        return {
            "vans": self.options.vans,
            "days": self.options.days,
            "halts_selected": len(self.halts),
            "halts_visited": int(visited.sum()),
            "halts_dropped": int((~visited).sum()),
            "settlements_reached": int(self.halts.loc[visited, "settlements_served"].sum()),
            "households_reached": float(self.halts.loc[visited, "households_served"].sum()),
            "expected_registrations": regs,
            "van_days_used": used,
            "registrations_per_van_day": regs / used if used else 0.0,
            "total_drive_min": self.campaign.total_drive_min,
            "max_drive_min_in_a_day": max((vd.drive_min for vd in vds), default=0),
            "max_drive_min_per_day": o.max_drive_min_per_day,
            "min_onsite_ratio": o.min_onsite_ratio,
            "nights_away": sum(1 for vd in vds if vd.end_location != vd.depot),
            "women_share": o.women_share,
            "start_date": self.dates[0].isoformat() if self.dates else None,
            "end_date": self.dates[-1].isoformat() if self.dates else None,
            "working_days": weekdays_text(o.working_days),
            "dropped_reasons": dict(
                pd.Series([d.reason for d in self.campaign.dropped]).value_counts().items()
            )
            if self.campaign.dropped
            else {},
            "notes": list(self.notes),
        }


def served_by_visited_halts(halts: pd.DataFrame) -> list[str]:
    """Settlement ids the visited halts of a van plan serve (its ``halts`` table or CSV).

    The villages a sweep leaves to the vans (:func:`scenarios.field.plan_sweeps`).

    >>> served_by_visited_halts(pd.DataFrame({"status": ["visited", "dropped: far"],
    ...                                       "served_ids": ["S1,S2", "S3"]}))
    ['S1', 'S2']
    """
    visited = halts.loc[halts["status"].astype(str).eq("visited"), "served_ids"]
    return [i for ids in visited for i in str(ids).split(",") if i]


def select_halts(
    region: Region,
    gaps: GapResult,
    options: VanOptions,
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Choose van halts among settlements beyond ``within_min`` of every centre.

    Returns
    -------
    (GeoDataFrame, notes)
        Halts in priority order (at most ``options.max_halts``).
    """
    s = gaps.settlements
    notes: list[str] = []
    t = s[f"travel_min_{options.mode}"].to_numpy(float)
    far = ~(np.isfinite(t) & (t <= options.within_min))
    if s["registered_households"].notna().any():
        unreg = s["unregistered_households"].fillna(0.0).to_numpy(float)
        score = s["gap_score"].fillna(0.0).to_numpy(float)
    else:
        share = options.assumed_unregistered_share
        unreg = s["households"].to_numpy(float) * share
        score = unreg * s["burden_pkr"].to_numpy(float) / 1000.0
        notes.append(f"Coverage unknown: {share:.0%} of households assumed unregistered.")
    cand = np.flatnonzero(far & (unreg > 0))
    if cand.size == 0:
        return gpd.GeoDataFrame(columns=["halt", "geometry"], geometry="geometry", crs=s.crs), notes
    crs = region.metric_crs()
    xy = s.geometry.to_crs(crs)
    xy_arr = np.column_stack([xy.x.to_numpy(), xy.y.to_numpy()])
    order = cand[np.argsort(-score[cand], kind="stable")]
    served = np.zeros(len(s), dtype=bool)
    rows = []
    hh = s["households"].to_numpy(float)
    for i in order:
        if served[i]:
            continue
        d = np.hypot(*(xy_arr[cand] - xy_arr[i]).T)
        members = cand[(d <= options.walk_radius_m) & ~served[cand]]
        served[members] = True
        exp_reg = float(unreg[members].sum() * options.turnout)
        rows.append(
            {
                "settlement_id": s.iloc[i]["settlement_id"],
                "name": s.iloc[i]["name"],
                "name_ur": s.iloc[i].get("name_ur"),
                "union_council": s.iloc[i]["union_council"],
                "tehsil": s.iloc[i]["tehsil"],
                "settlements_served": len(members),
                "served_ids": ",".join(s.iloc[members]["settlement_id"].astype(str)),
                "households_served": float(hh[members].sum()),
                "unregistered_households": float(unreg[members].sum()),
                "expected_registrations": round(exp_reg),
                "priority": float(score[members].sum()),
                "travel_min_from_centre": float(t[i]),
                "geometry": s.geometry.iloc[i],
            }
        )
        if len(rows) >= options.max_halts:
            left = int((~served[cand]).sum())
            if left:
                notes.append(
                    f"{left} more far settlements not selected (max_halts = {options.max_halts})."
                )
            break
    halts = gpd.GeoDataFrame(rows, geometry="geometry", crs=s.crs)
    return halts, notes


def plan_vans(
    region: Region,
    options: VanOptions | None = None,
    *,
    gaps: GapResult | None = None,
    settings: TravelSettings | None = None,
) -> VanPlan:
    """Plan a van campaign for ``region``.

    Parameters
    ----------
    region
        The region (settlements, centres, roads).
    options
        The van job; ``None``: :data:`~scenarios.routing.VAN_DEFAULTS`.
    gaps
        Gap analysis of the region, computed when not given.
    settings
        Travel settings of the vans; by default ``options.mode`` with default speeds.

    Returns
    -------
    VanPlan
        Halts with their status, the campaign, its dates, locations and leg geometry.

    Raises
    ------
    AccessGapError
        When no settlement lies beyond the threshold, or options are invalid.

    Examples
    --------
    >>> plan = plan_vans(region, VanOptions(vans=3, days=10))  # doctest: +SKIP
    >>> plan.summary()["halts_visited"]  # doctest: +SKIP
    """
    o = options or VAN_DEFAULTS
    st = settings or TravelSettings(mode=cast(Mode, o.mode))
    # halts need gap scores, not the exclusion model: skip its fit
    g = gaps if gaps is not None else gap_analysis(region, fit_model=False)
    halts, notes = select_halts(region, g, o)
    if len(halts) == 0:
        raise AccessGapError(
            f"no settlement with unregistered households lies beyond {o.within_min:g} minutes "
            f"({o.mode}) of a centre; lower the threshold"
        )
    depots = van_depots(region, o)
    n_dep = len(depots)
    pts, durations = drive_matrix(region, depots, halts, o, st)
    dwell = np.r_[
        np.zeros(n_dep, dtype=np.int64),
        dwell_minutes(
            halts["expected_registrations"].to_numpy(float),
            desks=o.desks,
            registrations_per_desk_hour=o.registrations_per_desk_hour,
            setup_min=o.setup_min,
        ),
    ]
    priority = np.r_[np.zeros(n_dep), halts["priority"].to_numpy(float)]
    dates = o.campaign_dates()
    campaign = plan_campaign(
        durations,
        dwell,
        priority,
        depots=list(range(n_dep)),
        vans=o.vans,
        days=o.days,
        day_start_min=o.day_start_min,
        day_end_min=o.day_end_min,
        breaks=o.breaks,
        max_drive_min_per_day=o.max_drive_min_per_day,
        overnight_at_halt=o.overnight_at_halt,
        max_block_share=o.max_block_share,
        min_onsite_ratio=o.min_onsite_ratio,
        day_breaks=o.day_breaks(dates),
        rest_days=[d for d in range(1, len(dates)) if dates[d] - dates[d - 1] > timedelta(days=1)],
        time_limit_s=o.time_limit_s,
        max_iterations=o.max_iterations,
        seed=o.seed,
    )
    halts = halts.copy()
    halts.insert(0, "halt", np.arange(n_dep, n_dep + len(halts)))
    halts["dwell_min"] = dwell[n_dep:]
    reasons = {d.halt: d.reason for d in campaign.dropped}
    halts["status"] = [
        f"dropped: {reasons[h]}" if h in reasons else "visited" for h in halts["halt"]
    ]
    locations = pd.DataFrame(
        {
            "halt": np.arange(len(pts)),
            "name": [*depots["name"], *halts["name"]],
            "name_ur": [None] * n_dep + list(halts["name_ur"]),
            "union_council": [
                *(
                    depots["union_council"].fillna("")
                    if "union_council" in depots
                    else [""] * n_dep
                ),
                *halts["union_council"],
            ],
            "lon": pts.geometry.x.to_numpy(),
            "lat": pts.geometry.y.to_numpy(),
            "expected_registrations": [0] * n_dep + list(halts["expected_registrations"]),
        }
    )
    legs = _leg_geometries(region, campaign, pts, st)
    b = region.boundaries
    ucs = b[b["level"].eq("union_council")]
    return VanPlan(
        o,
        halts,
        locations,
        campaign,
        legs,
        tuple(notes),
        dates,
        base_map=map_layers(region),
        unit_names=dict(zip(ucs["code"].astype(str), ucs["name"].astype(str), strict=True)),
        synthetic=region.synthetic,
    )


def van_depots(region: Region, options: VanOptions) -> gpd.GeoDataFrame:
    """The centres the vans start from: ``options.depots``, or every centre.

    Raises
    ------
    AccessGapError
        When a listed depot is not a centre of the region.
    """
    depots = region.centres
    if options.depots:
        unknown = sorted(set(options.depots) - set(depots["centre_id"]))
        if unknown:
            raise AccessGapError(
                f"depots {unknown} are not centres of the region ({', '.join(depots['centre_id'])})"
            )
        depots = depots[depots["centre_id"].isin(options.depots)]
    return depots


def drive_matrix(
    region: Region,
    depots: gpd.GeoDataFrame,
    halts: gpd.GeoDataFrame,
    options: VanOptions,
    settings: TravelSettings,
) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """Whole driving minutes among depots (first) and halts, from the travel engine.

    A pair with no road between them gets ten working days' minutes, so no plan uses it.

    Returns
    -------
    (points, durations)
        The locations (``id``: centre then settlement ids, EPSG:4326) and the ``int64``
        matrix.
    """
    pts = gpd.GeoDataFrame(
        {"id": [*depots["centre_id"], *halts["settlement_id"]]},
        geometry=[*depots.geometry, *halts.geometry],
        crs=depots.crs,
    )
    minutes = travel_matrix(pts, region, settings=settings).minutes.copy()
    big = int(options.day_end_min - options.day_start_min) * 10
    durations = np.where(~np.isfinite(minutes), big, np.ceil(np.nan_to_num(minutes))).astype(
        np.int64
    )
    np.fill_diagonal(durations, 0)
    return pts, durations


def write_vans(
    plan: VanPlan,
    out_dir: str | Path,
    *,
    privacy: PrivacySettings | None = None,
    notices: bool = True,
) -> dict[str, Path]:
    """Write the campaign into ``out_dir`` atomically.

    Files: itineraries per van and day (CSV, XLSX, GPX, GeoJSON, printable HTML and PDF; a
    date on every row, a multi-day halt's registrations split over its days, the women-only
    session of each visit, a road and village map of each van's days),
    ``notices/`` (with ``notices``: per union council an Urdu notice of the van's visits,
    HTML and PDF, and an SMS per village; see :func:`scenarios.notices.write_notices`),
    ``halts.csv`` (every selected halt with its status, lon/lat last) and ``vans.json``
    (summary).

    In ``halts.csv`` the registry-derived counts (unregistered households, expected
    registrations, priority) of halts serving fewer than ``privacy.min_group_households``
    households are blanked (``suppressed`` flag); the itineraries keep the dwell time the
    field team needs.
    """
    p = privacy or PrivacySettings()

    def write(tmp: Path) -> None:
        export_itinerary(
            plan.campaign,
            plan.locations,
            tmp / "itinerary",
            leg_geometries=plan.legs,
            dates=plan.dates or None,
            women_share=plan.options.women_share,
            title="NSER registration van itinerary",
            base_map=plan.base_map,
            notes=_print_notes(plan),
        )
        if notices and plan.dates:
            cal = campaign_calendar(
                plan.campaign,
                plan.locations,
                plan.dates,
                kind="van",
                team_prefix="Van",
                unit_names=plan.unit_names,
            )
            write_notices(cal, tmp / "notices", notes=_print_notes(plan))
        h = plan.halts
        table = suppress_small_groups(
            pd.DataFrame(h.drop(columns="geometry")),
            ("unregistered_households", "expected_registrations", "priority"),
            min_households=p.min_group_households,
            households_col="households_served",
        )
        write_points_csv(
            gpd.GeoDataFrame(table, geometry=h.geometry.to_numpy(), crs=h.crs), tmp / "halts.csv"
        )
        write_json(plan.summary(), tmp / "vans.json")

    return write_folder_atomically(out_dir, write, kind="vans")


def _print_notes(plan: VanPlan) -> tuple[str, ...]:
    return synthetic_notes(plan.synthetic)


def _leg_geometries(
    region: Region, campaign: CampaignPlan, pts: gpd.GeoDataFrame, st: TravelSettings
) -> dict[tuple[int, int], LineString]:
    """Each leg's road geometry (one snap and one search per halt; unreached legs left out)."""
    pairs = list(
        dict.fromkeys(
            (a, b)
            for vd in campaign.van_days
            for a, b in itertools.pairwise(van_day_stops(vd))
            if a != b
        )
    )
    found = routes(region, pts.geometry, pairs, settings=st)  # unreached: straight lines
    return {pair: r.geometry for pair, r in zip(pairs, found, strict=True) if r is not None}
