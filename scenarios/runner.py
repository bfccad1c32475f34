"""Run a scenario on its region and write the results (``accessgap run``).

:func:`run_scenario` validates everything first (the scenario file, the closures, the ids it
names in the region), so a bad scenario fails before any output exists; then it computes:

1. **baseline**: travel times of every mode to the region's existing centres (dry season,
   default speeds, no closures) and the gap analysis, whose exclusion model is the one every
   scenario is judged with;
2. **scenario centres**: existing centres minus ``centres.close``, plus ``centres.add``, plus
   the sites :func:`scenarios.placement.place_centres` chooses for ``placement``;
3. **scenario travel** with the scenario's season, closures and speeds, and its gap analysis;
4. **vans**: :func:`scenarios.routing.plan_vans` on the scenario (halts beyond the threshold of
   the scenario's centres; driving by car under the scenario's season and closures);
5. **field plans**: :func:`scenarios.field.plan_reviews` for ``reviews`` and
   :func:`scenarios.field.plan_sweeps` for ``sweeps`` (the settlements the scenario's vans
   leave), on the scenario's centres and travel, scored with the baseline's exclusion model;
6. **metrics** (:mod:`scenarios.metrics`; the field plans' costs and registrations added by
   :func:`scenarios.scenario_costing.field_channels`) and the output folder, written
   atomically.

Travel-time tables are cached by region fingerprint, travel settings and centre set (in
memory, and as Parquet files with a SHA-256 check under ``cache_dir/travel``;
:mod:`scenarios.travel_cache`); compiled road graphs go to ``cache_dir/graphs``. A cache entry
that fails its check is rebuilt.

:func:`compute_scenario` does steps 1-6 without writing and returns a frozen
:class:`~scenarios.scenario_writer.ScenarioOutcome`; the inputs are read and checked by
:mod:`scenarios.scenario_inputs`, the figures come from :mod:`scenarios.metrics` and the folder
is written by :mod:`scenarios.scenario_writer`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import geopandas as gpd

from access.analysis import GapResult, gap_analysis
from access.speeds import Closures, SpeedProfile, TravelSettings, load_speed_profile
from geodata.region import Region
from scenarios.field import ReviewPlan, SweepPlan, plan_reviews, plan_sweeps
from scenarios.metrics import scenario_metrics
from scenarios.placement import PlacementPlan, place_centres
from scenarios.routing import VanOptions, VanPlan, plan_vans, select_halts
from scenarios.routing.adapter import served_by_visited_halts
from scenarios.routing.campaign_results import dropped_advice
from scenarios.scenario_costing import field_channels, portfolio_settings
from scenarios.scenario_inputs import (
    DEFAULT_SETUP_PKR,
    as_scenario,
    centre_set,
    check_references,
    concat_centres,
    derive_region,
    read_closures,
    scenario_region,
    setup_cost,
    without_ids,
)
from scenarios.scenario_writer import ScenarioOutcome, write_scenario_folder
from scenarios.spec import Scenario, ScenarioSpec
from scenarios.travel_cache import TravelCache

__all__ = ["DEFAULT_SETUP_PKR", "RunResult", "ScenarioOutcome", "compute_scenario", "run_scenario"]


@dataclass(frozen=True, eq=False)
class RunResult:
    """What :func:`run_scenario` did.

    Attributes
    ----------
    scenario
        The validated scenario.
    out_dir
        The results folder.
    metrics
        The content of ``metrics.json``.
    files
        File name -> path of every file in ``out_dir`` (top level).
    cache
        Travel-table cache counters: ``memory_hits``, ``disk_hits``, ``computed``,
        ``rebuilt`` (entries that failed their check).
    """

    scenario: Scenario
    out_dir: Path
    metrics: dict[str, Any]
    files: dict[str, Path]
    cache: dict[str, int] = field(default_factory=dict)


def run_scenario(
    scenario: Scenario | ScenarioSpec | str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    region: Region | str | os.PathLike[str] | None = None,
) -> RunResult:
    """Run one scenario and write its results into ``out_dir`` (atomically).

    Parameters
    ----------
    scenario
        A scenario file, or a validated :class:`~scenarios.spec.Scenario` /
        :class:`~scenarios.spec.ScenarioSpec`.
    out_dir
        Results folder; replaced as a whole only once every file is written.
    cache_dir
        Folder for cached travel-time tables and compiled graphs (``None``: memory only).
    region
        Use this region (object or folder) instead of the one the scenario names.

    Returns
    -------
    RunResult

    Raises
    ------
    DataFileError
        A file the scenario names is missing or unreadable.
    SchemaError
        The scenario is invalid, or names centres, candidates, depots or roads the region
        does not have. Nothing is written.
    AccessGapError
        An analysis cannot run (e.g. placement without candidates).

    Examples
    --------
    >>> res = run_scenario("scenarios/examples/ten_uc_centres.yaml", "out/ten")  # doctest: +SKIP
    >>> res.metrics["headline"]["expected_new_registrations"]  # doctest: +SKIP
    """
    outcome = compute_scenario(scenario, cache_dir=cache_dir, region=region)
    files = write_scenario_folder(outcome, out_dir)
    return RunResult(outcome.scenario, Path(out_dir), outcome.metrics, files, dict(outcome.cache))


def compute_scenario(
    scenario: Scenario | ScenarioSpec | str | os.PathLike[str],
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    region: Region | str | os.PathLike[str] | None = None,
) -> ScenarioOutcome:
    """Compute one scenario without writing anything (parameters as :func:`run_scenario`).

    Returns
    -------
    ScenarioOutcome
        Metrics, tables, centres, placement and vans, for
        :func:`scenarios.scenario_writer.write_scenario_folder`.

    Raises
    ------
    DataFileError, SchemaError, AccessGapError
        As :func:`run_scenario`.
    """
    timings: dict[str, float] = {}
    valid = as_scenario(scenario)
    spec = valid.spec
    where = str(valid.source) if valid.source else valid.name
    with _timed(timings, "region"):
        base_region = scenario_region(valid, region)
    closures, closure_polys = read_closures(valid, base_region, where)
    profile = load_speed_profile(valid.speeds_file) if valid.speeds_file else None
    check_references(spec, base_region, where)
    cache = TravelCache(Path(cache_dir) if cache_dir else None)
    travel = _ScenarioTravel(
        spec, closures, profile, str(Path(cache_dir) / "graphs") if cache_dir else None
    )
    notes: list[str] = []
    if base_region.synthetic:
        notes.append("All figures are SYNTHETIC (sample region); no real household is shown.")
    with _timed(timings, "baseline"):
        base_times = cache.table(base_region, base_region.centres, travel.baseline)
        base_gaps = gap_analysis(base_region, times=base_times)
    with _timed(timings, "centres"):
        centres, setup, plan = _scenario_centres(spec, base_region, travel)
    scen_region = derive_region(base_region, centres=centres)
    with _timed(timings, "scenario"):
        scen_times = cache.table(scen_region, centres, travel.scenario)
        scen_gaps = gap_analysis(scen_region, times=scen_times)
    van_plan: VanPlan | None = None
    options: VanOptions | None = None
    if spec.vans is not None:
        with _timed(timings, "vans"):
            options, van_plan = _scenario_vans(spec, scen_region, scen_gaps, travel, notes)
    with _timed(timings, "field"):
        field_gaps = replace(scen_gaps, model=base_gaps.model)  # judged by the baseline's model
        reviews, sweeps = _scenario_field(spec, scen_region, field_gaps, travel, van_plan)
    with _timed(timings, "metrics"):
        table, metrics = scenario_metrics(
            valid,
            base_region,
            base_gaps,
            scen_gaps,
            centres,
            setup,
            van_plan,
            options,
            closures,
            notes,
        )
    if reviews is not None or sweeps is not None:
        _field_metrics(metrics, reviews, sweeps, spec)
    return ScenarioOutcome(
        scenario=valid,
        region=base_region,
        metrics=metrics,
        table=table,
        gaps=scen_gaps,
        centres=centres,
        closures=closures,
        closure_polygons=closure_polys,
        placement=plan,
        vans=van_plan,
        reviews=reviews,
        sweeps=sweeps,
        timings=timings,
        cache=cache.counts,
    )


# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ScenarioTravel:
    """Travel settings of the baseline and of the scenario, per mode."""

    spec: ScenarioSpec
    closures: Closures
    profile: SpeedProfile | None
    graphs: str | None

    def baseline(self, mode: str) -> TravelSettings:
        return TravelSettings(mode=mode, cache_dir=self.graphs)  # type: ignore[arg-type]

    def scenario(self, mode: str) -> TravelSettings:
        extra: dict[str, Any] = {"profile": self.profile} if self.profile is not None else {}
        return TravelSettings(
            mode=mode,  # type: ignore[arg-type]
            season=self.spec.travel.season,
            closures=self.closures,
            cache_dir=self.graphs,
            offroad=self.spec.travel.offroad,
            **extra,
        )


def _scenario_centres(
    spec: ScenarioSpec, region: Region, travel: _ScenarioTravel
) -> tuple[gpd.GeoDataFrame, list[float], PlacementPlan | None]:
    """Open centres (existing, added, placed), set-up costs and the placement, if any."""
    centres, setup = centre_set(spec, region)
    if spec.placement is None:
        return centres, setup, None
    added = set(centres["centre_id"])
    pool = derive_region(region, centres=centres, candidates=without_ids(region.candidates, added))
    plan = place_centres(
        pool,
        spec.placement.options(spec.travel.mode),
        settings=travel.scenario(spec.travel.mode),
    )
    placed = plan.sites.drop(
        columns=["order", "gain_at_entry", "demand_only_this_site", "households_within"]
    )
    placed = placed.assign(status="placed")
    setup += [setup_cost(spec, row) for _, row in placed.iterrows()]
    return concat_centres(centres, placed), setup, plan


def _scenario_vans(
    spec: ScenarioSpec,
    region: Region,
    gaps: GapResult,
    travel: _ScenarioTravel,
    notes: list[str],
) -> tuple[VanOptions, VanPlan | None]:
    """The van options of the spec and the campaign (``None`` when no halt qualifies)."""
    assert spec.vans is not None
    options = spec.vans.van_options()
    halts, _ = select_halts(region, gaps, options)
    if len(halts) == 0:
        notes.append(
            f"No settlement with unregistered households lies beyond {options.within_min:g} "
            f"{options.mode}-minutes of a centre: no van campaign was planned."
        )
        return options, None
    plan = plan_vans(region, options, gaps=gaps, settings=travel.scenario(options.mode))
    summary = plan.summary()
    if summary["dropped_reasons"]:
        notes.append(
            dropped_advice(
                summary["dropped_reasons"],
                summary["halts_selected"],
                summary["halts_visited"],
                overnight=options.overnight_at_halt,
            )
        )
    return options, plan


def _scenario_field(
    spec: ScenarioSpec,
    region: Region,
    gaps: GapResult,
    travel: _ScenarioTravel,
    van_plan: VanPlan | None,
) -> tuple[ReviewPlan | None, SweepPlan | None]:
    """The reviews and sweeps of the spec; sweeps take what the scenario's vans leave."""
    reviews = sweeps = None
    if spec.reviews is not None:
        o = spec.reviews.review_options()
        reviews = plan_reviews(region, o, gaps=gaps, settings=travel.scenario(o.field.mode))
    if spec.sweeps is not None:
        served = served_by_visited_halts(van_plan.halts) if van_plan is not None else []
        sweeps = plan_sweeps(region, spec.sweeps.sweep_options(), gaps=gaps, served_by_vans=served)
    return reviews, sweeps


def _field_metrics(
    metrics: dict[str, Any],
    reviews: ReviewPlan | None,
    sweeps: SweepPlan | None,
    spec: ScenarioSpec,
) -> None:
    """Add the field plans' figures and their ``costs.channels`` rows to ``metrics``."""
    costs = metrics.setdefault("costs", {})
    costs["channels"] = [
        *costs.get("channels", []),
        *field_channels(reviews, sweeps, portfolio_settings(spec)),
    ]
    keys = {
        "reviews": ("targets", "union_councils", "visits", "van_days_used", "total_drive_min",
                    "expected_registrations", "start_date", "end_date"),
        "sweeps": ("settlements_swept", "households_swept", "team_days_used", "total_travel_min",
                   "settlements_left_out", "expected_registrations", "start_date", "end_date"),
    }  # fmt: skip
    for name, plan in (("reviews", reviews), ("sweeps", sweeps)):
        if plan is not None:
            summary = plan.summary()
            metrics[name] = {k: summary[k] for k in keys[name]} | {"notes": summary["notes"]}


@contextmanager
def _timed(into: dict[str, float], name: str) -> Iterator[None]:
    t0 = time.perf_counter()
    try:
        yield
    finally:
        into[name] = into.get(name, 0.0) + time.perf_counter() - t0
