"""Mobile registration vans: routing cores on arrays, the region adapter and the exports.

Modules (a solver core works on plain arrays; the region adapter feeds it):

* :mod:`~scenarios.routing.vrptw` -- :func:`solve_vrptw`, a generic VRP with time windows
  (array core);
* :mod:`~scenarios.routing.campaign` -- :func:`plan_campaign`, multi-day van campaigns
  (array core), with :mod:`~scenarios.routing.campaign_blocks` (multi-day halts, work clock)
  and :mod:`~scenarios.routing.campaign_results` (:class:`CampaignPlan` and its parts);
* :mod:`~scenarios.routing.options` -- :class:`VanOptions`, the one options object of a van
  job;
* :mod:`~scenarios.routing.adapter` -- :func:`plan_vans`, the region adapter (halts from
  the gap analysis, drive times from the engine) and :func:`write_vans`;
* :mod:`~scenarios.routing.itinerary_tables`, :mod:`~scenarios.routing.itinerary_files`,
  :mod:`~scenarios.routing.itinerary_print` -- itinerary tables and files (CSV, XLSX, GPX,
  GeoJSON, HTML, PDF).

Every public name is importable from ``scenarios.routing``; the heavy modules (PyVRP,
geopandas, the travel engine) load on first use, so importing :class:`VanOptions` is cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from geodata.lazy import lazy_exports
from scenarios.routing.options import APP_TIME_LIMIT_S, VAN_DEFAULTS, VanOptions, hhmm

if TYPE_CHECKING:
    from scenarios.routing.adapter import (
        VanPlan,
        drive_matrix,
        plan_vans,
        select_halts,
        van_depots,
        write_vans,
    )
    from scenarios.routing.campaign import dwell_minutes, plan_campaign
    from scenarios.routing.campaign_results import CampaignPlan, DroppedHalt, HaltVisit, VanDay
    from scenarios.routing.itinerary_files import ItineraryExport, export_itinerary
    from scenarios.routing.itinerary_tables import (
        REQUIRED_COLUMNS,
        leg_lines,
        van_day_stops,
        van_day_table,
        visit_table,
    )
    from scenarios.routing.search import DEFAULT_MAX_ITERATIONS, SOLVER_NAME
    from scenarios.routing.van_calendar import CALENDAR_COLUMNS, campaign_calendar
    from scenarios.routing.vrptw import DroppedStop, VrptwResult, solve_vrptw

__all__ = [
    "APP_TIME_LIMIT_S",
    "CALENDAR_COLUMNS",
    "DEFAULT_MAX_ITERATIONS",
    "REQUIRED_COLUMNS",
    "SOLVER_NAME",
    "VAN_DEFAULTS",
    "CampaignPlan",
    "DroppedHalt",
    "DroppedStop",
    "HaltVisit",
    "ItineraryExport",
    "VanDay",
    "VanOptions",
    "VanPlan",
    "VrptwResult",
    "campaign_calendar",
    "drive_matrix",
    "dwell_minutes",
    "export_itinerary",
    "hhmm",
    "leg_lines",
    "plan_campaign",
    "plan_vans",
    "select_halts",
    "solve_vrptw",
    "van_day_stops",
    "van_day_table",
    "van_depots",
    "visit_table",
    "write_vans",
]

#: Module of each lazily loaded public name.
_LAZY = {
    "VanPlan": "adapter",
    "plan_vans": "adapter",
    "select_halts": "adapter",
    "drive_matrix": "adapter",
    "van_depots": "adapter",
    "write_vans": "adapter",
    "dwell_minutes": "campaign",
    "plan_campaign": "campaign",
    "CampaignPlan": "campaign_results",
    "DroppedHalt": "campaign_results",
    "HaltVisit": "campaign_results",
    "VanDay": "campaign_results",
    "ItineraryExport": "itinerary_files",
    "export_itinerary": "itinerary_files",
    "REQUIRED_COLUMNS": "itinerary_tables",
    "leg_lines": "itinerary_tables",
    "van_day_stops": "itinerary_tables",
    "van_day_table": "itinerary_tables",
    "visit_table": "itinerary_tables",
    "DEFAULT_MAX_ITERATIONS": "search",
    "SOLVER_NAME": "search",
    "DroppedStop": "vrptw",
    "VrptwResult": "vrptw",
    "solve_vrptw": "vrptw",
    "CALENDAR_COLUMNS": "van_calendar",
    "campaign_calendar": "van_calendar",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals(), __all__)
