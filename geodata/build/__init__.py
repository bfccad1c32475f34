"""Build a region package from real data: OSM, census totals and optional user tables.

:func:`build_region` (in :mod:`geodata.build.pipeline`) reads the files a planner gives and
returns a validated :class:`~geodata.region.Region` plus a :class:`BuildReport`. The steps:

* :mod:`geodata.build.readers`: point files, the study area polygon, GeoNames tables;
* :mod:`geodata.build.boundaries`: a planner's admin units file, clipping, parents
  (columns mapped by :mod:`geodata.build.boundary_columns`);
* :mod:`geodata.build.population`: the fine grid's weights (raster, roads, places);
* :mod:`geodata.build.allocation`: places and cells into settlements, census allocated;
* :mod:`geodata.build.settlements`: a user's settlements file, admin names;
* :mod:`geodata.build.sites`: existing centres and candidate sites.

See ``docs/region_build.md`` for the method and its assumptions.
"""

from __future__ import annotations

from geodata.build.boundaries import BoundaryFileReport, read_admin_boundaries
from geodata.build.boundary_columns import ADMIN_LEVEL_NUMBERS
from geodata.build.pipeline import LICENCES, build_region
from geodata.build.population import PLACE_WEIGHT_KM, PROXY_CLASSES
from geodata.build.readers import read_points, read_study_area
from geodata.build.report import BuildReport
from geodata.build.settlements import NATIONAL_MEAN_HOUSEHOLD_SIZE, PLACE_DEFAULT_POPULATION

__all__ = [
    "ADMIN_LEVEL_NUMBERS",
    "LICENCES",
    "NATIONAL_MEAN_HOUSEHOLD_SIZE",
    "PLACE_DEFAULT_POPULATION",
    "PLACE_WEIGHT_KM",
    "PROXY_CLASSES",
    "BoundaryFileReport",
    "BuildReport",
    "build_region",
    "read_admin_boundaries",
    "read_points",
    "read_study_area",
]
