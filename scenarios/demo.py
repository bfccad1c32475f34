"""The headless main job on the sample region (``accessgap demo`` / ``make demo``)."""

from __future__ import annotations

import logging
import os
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer
from shapely.geometry import LineString, Polygon

from access.analysis import gap_analysis
from access.gap_outputs import write_gap_outputs
from access.synthetic import SAMPLE_LOW_AWARENESS_UNITS, build_sample_region
from geodata.export import write_json
from geodata.files import claim_folder
from geodata.region import save_region, summarize
from geodata.sample import SampleParams
from scenarios.compare import compare_runs
from scenarios.field import (
    ReviewOptions,
    SweepOptions,
    plan_reviews,
    plan_sweeps,
    write_reviews,
    write_sweeps,
)
from scenarios.placement import PlacementOptions, place_centres, write_placement
from scenarios.portfolio import plan_portfolio, write_portfolio
from scenarios.routing import VanOptions, plan_vans, write_vans
from scenarios.routing.adapter import served_by_visited_halts
from scenarios.runner import run_scenario

__all__ = [
    "DEMO_BUDGET_PKR",
    "DEMO_START_DATE",
    "EXAMPLES",
    "EXAMPLE_NAMES",
    "river_flood_polygon",
    "run_demo",
]

#: The demo's van campaign starts on this Monday, so that its dated figures (the golden
#: ``tests/golden/demo_figures.json``) do not move with the day the demo runs.
DEMO_START_DATE = date(2027, 1, 4)

#: The example scenarios shipped with the tool (for the sample region).
EXAMPLES = Path(__file__).with_name("examples")
#: Budget of the demo's outreach plan (PKR over the horizon, present value).
DEMO_BUDGET_PKR = 100_000_000.0

#: Their names, in the order the demo runs and compares them (the first is the base).
EXAMPLE_NAMES: tuple[str, ...] = (
    "baseline",
    "ten_uc_centres",
    "vans_only",
    "centres_and_vans",
    "monsoon_flood",
)

log = logging.getLogger(__name__)


def run_demo(
    out_dir: str | os.PathLike[str], *, params: SampleParams | None = None
) -> dict[str, Any]:
    """Build the sample region and run the analyses on it, writing everything to ``out_dir``.

    Writes ``region/`` (the region package), ``gaps/`` (gap analysis), ``placement/`` (10 new
    Union Council centres by maximal coverage within 60 minutes by motorbike), ``vans/``
    (3 vans, 10 days: itineraries per van and day), ``reviews/`` (a quarter of mobile reviews
    from the same Monday: ``calendar.csv``, ``calendar.ics``), ``sweeps/`` (door-to-door
    sweeps of the far settlements the vans leave: team itineraries, left-out reasons),
    ``portfolio/`` (the best mix of centres,
    desks, vans, sweeps and awareness for :data:`DEMO_BUDGET_PKR`, ``accessgap plan``),
    ``scenarios/<name>/`` (the five example scenarios of ``scenarios/examples``), ``report/``
    (their comparison with the plan's channels side by side: HTML, PDF, charts, maps),
    ``cache/`` (travel tables and graphs, reused by the next run) and
    ``summary.json`` with the headline figures of each.

    Returns
    -------
    dict
        The content of ``summary.json``.
    """
    out = Path(out_dir)
    claim_folder(out, kind="demo")  # never fills a folder of the user's
    region, truth = build_sample_region(params, low_awareness_units=SAMPLE_LOW_AWARENESS_UNITS)
    # the engine asks for the fingerprint on every call: compute it once
    region = replace(region, metadata={**region.metadata, "fingerprint": region.fingerprint()})
    save_region(region, out / "region")
    gaps = gap_analysis(region)
    write_gap_outputs(gaps, out / "gaps", boundaries=region.boundaries)
    plan = place_centres(
        region, PlacementOptions(model="mclp", new_centres=10, within_min=60.0, mode="motorbike")
    )
    write_placement(plan, out / "placement")
    van_plan = plan_vans(region, VanOptions(vans=3, days=10, start_date=DEMO_START_DATE), gaps=gaps)
    write_vans(van_plan, out / "vans")
    # a quarter of reviews (one halt per union council beyond the vans' threshold, 3 visits)
    # and sweeps of the far settlements the van plan leaves
    reviews = plan_reviews(region, ReviewOptions(start_date=DEMO_START_DATE), gaps=gaps)
    write_reviews(reviews, out / "reviews", synthetic=region.synthetic)
    sweeps = plan_sweeps(
        region,
        SweepOptions(start_date=DEMO_START_DATE),
        gaps=gaps,
        served_by_vans=served_by_visited_halts(van_plan.halts),
    )
    write_sweeps(sweeps, out / "sweeps", synthetic=region.synthetic)
    # a generous limit: the sample's MILP is proven optimal well within it, so the figures
    # do not depend on the machine's load
    mix = plan_portfolio(region, DEMO_BUDGET_PKR, gaps=gaps, time_limit_s=900.0)
    write_portfolio(mix, out / "portfolio")
    summary: dict[str, Any] = {
        "label": "SYNTHETIC sample region: no real place, household or registry figure",
        "region": summarize(region),
        "synthetic_truth": {
            "travel_coef_per_h": truth.travel_coef_per_h,
            "intercept": truth.intercept,
        },
        "gaps": gaps.summary(),
        "placement": plan.summary(),
        "vans": van_plan.summary(),
        "reviews": reviews.summary(),
        "sweeps": sweeps.summary(),
        "portfolio": {
            k: v for k, v in mix.to_dict().items() if k in ("budget_pkr", "channels", "totals")
        }
        | {"objective": mix.result.objective, "gap": mix.result.gap},
        "scenarios": {},
    }
    runs = []
    for name in EXAMPLE_NAMES:
        res = run_scenario(
            EXAMPLES / f"{name}.yaml",
            out / "scenarios" / name,
            cache_dir=out / "cache",
            region=region,
        )
        runs.append(res.out_dir)
        summary["scenarios"][name] = res.metrics["headline"]
    report = compare_runs(runs, out / "report", portfolio_dir=out / "portfolio", region=region)
    summary["report"] = {
        "html": str(report.html),
        "pdf": str(report.pdf),
        "pdf_engine": report.pdf_engine,
    }
    tmp = out / ".summary.json.tmp"
    write_json(summary, tmp)
    os.replace(tmp, out / "summary.json")
    return summary


def river_flood_polygon(
    params: SampleParams | None = None,
    *,
    from_share: float = 0.4,
    to_share: float = 0.7,
    half_width_m: float = 1000.0,
) -> Polygon:
    """The flooded plain of the sample region's river, as a polygon in EPSG:4326.

    The sample generator puts a river valley across the plain along
    ``y = 0.45 h + 0.1 (x - w / 2)`` (metres from the region's south-west corner; see
    ``docs/sample_region.md``). This is that line from ``from_share`` to ``to_share`` of the
    width, buffered by ``half_width_m`` on each side; with the defaults it covers 30 km of
    the river around the trunk road's crossing near the central tehsil's headquarters.
    ``scenarios/examples/flood_closures.geojson`` holds it for the default sample.

    Examples
    --------
    >>> round(river_flood_polygon().bounds[1], 3)
    30.205
    """
    p = params or SampleParams()
    w, h = p.width_km * 1000.0, p.height_km * 1000.0
    zone = int((p.origin_lon + 180) // 6) + 1
    utm = CRS.from_epsg(32600 + zone)
    e0, n0 = Transformer.from_crs("EPSG:4326", utm, always_xy=True).transform(
        p.origin_lon, p.origin_lat
    )
    back = Transformer.from_crs(utm, "EPSG:4326", always_xy=True)
    xs = np.linspace(from_share * w, to_share * w, 61)
    ys = 0.45 * h + 0.1 * (xs - w / 2)
    band = LineString(np.column_stack([xs + e0, ys + n0])).buffer(half_width_m, cap_style="flat")
    poly = shapely.transform(band, lambda xy: np.column_stack(back.transform(xy[:, 0], xy[:, 1])))
    return Polygon(np.round(np.asarray(poly.exterior.coords), 7))
