"""The headless main job on the sample region (``accessgap demo`` / ``make demo``)."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from access.analysis import gap_analysis, write_gap_outputs
from access.synthetic import build_sample_region
from geodata.region import save_region, summarize
from geodata.sample import SampleParams
from scenarios.place import place_centres, write_placement
from scenarios.vans import VanOptions, plan_vans, write_vans

__all__ = ["run_demo"]

log = logging.getLogger(__name__)


def run_demo(
    out_dir: str | os.PathLike[str], *, params: SampleParams | None = None
) -> dict[str, Any]:
    """Build the sample region and run the analyses on it, writing everything to ``out_dir``.

    Writes ``region/`` (the region package), ``gaps/`` (gap analysis), ``placement/`` (10 new
    Union Council centres by maximal coverage within 60 minutes by motorbike), ``vans/``
    (3 vans, 10 days: itineraries per van and day) and
    ``summary.json`` with the headline figures of each.

    Returns
    -------
    dict
        The content of ``summary.json``.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    region, truth = build_sample_region(params)
    save_region(region, out / "region")
    gaps = gap_analysis(region)
    write_gap_outputs(gaps, out / "gaps", boundaries=region.boundaries)
    plan = place_centres(region, model="mclp", new=10, within_min=60.0, mode="motorbike")
    write_placement(plan, out / "placement")
    van_plan = plan_vans(region, VanOptions(vans=3, days=10), gaps=gaps)
    write_vans(van_plan, out / "vans")
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
    }
    tmp = out / ".summary.json.tmp"
    tmp.write_text(
        json.dumps(summary, indent=2, ensure_ascii=False, default=float) + "\n", encoding="utf-8"
    )
    os.replace(tmp, out / "summary.json")
    return summary
