"""Centre placement: p-median, maximal covering (MCLP) and set covering (LSCP).

Every model works on plain arrays so it is testable without geometry:

* ``cost`` -- travel costs, demand rows x candidate columns, as a dense numpy array or a
  ``scipy.sparse`` matrix. In a dense array ``inf`` means unreachable; in a sparse matrix an entry
  that is **not stored** means unreachable, while an explicitly stored ``0`` is a real cost of 0
  (a demand point sitting on a site). Reachability comes from the sparsity structure, never from
  the stored value.
* ``weights`` -- demand per row (people, households), ``>= 0``.
* ``fixed`` -- candidate columns that are already open (existing centres). They stay open and do
  not count toward ``p``.

Two solvers back every model:

* ``"milp"`` -- an exact mixed-integer programme solved by HiGHS through
  :func:`scipy.optimize.milp`; on a time limit its incumbent is returned with HiGHS' dual bound.
* ``"heuristic"`` -- greedy construction plus swap local search (fast interchange for the
  p-median, incremental swap search for the MCLP), with a Lagrangian bound so the gap to the
  optimum is always reported.

``method="auto"``: for the p-median and the MCLP, the heuristic first and, while its gap is
open, a MILP restricted by Lagrangian variable fixing (when it has at most
:data:`AUTO_MILP_MAX_NNZ` pairs); for set cover, the MILP when the model has at most that many
pairs, else the heuristic. See ``docs/placement.md`` for the formulations, the heuristics, the
bounds and the assumptions.

The modules: array cores :mod:`~scenarios.placement.pmedian`,
:mod:`~scenarios.placement.coverage`, :mod:`~scenarios.placement.setcover` and
:mod:`~scenarios.placement.capacitated`; their shared parts :mod:`~scenarios.placement.inputs`,
:mod:`~scenarios.placement.pairs`, :mod:`~scenarios.placement.milp`,
:mod:`~scenarios.placement.greedy`, :mod:`~scenarios.placement.swap`,
:mod:`~scenarios.placement.lagrangian` and :mod:`~scenarios.placement.results`; the job's
settings :mod:`~scenarios.placement.options`; and the region adapter
:mod:`~scenarios.placement.adapter` (:func:`place_centres`). Names are loaded on first use, so
importing :class:`PlacementOptions` (e.g. for the command line's defaults) does not load the
solvers.

Examples
--------
>>> import numpy as np
>>> from scenarios.placement import max_coverage, p_median, set_cover
>>> cost = np.array([[0.0, 5.0, 9.0], [4.0, 0.0, 6.0], [9.0, 5.0, 0.0]])
>>> res = p_median(cost, np.ones(3), 1)
>>> res.selected, res.objective, res.proven_optimal
((1,), 10.0, True)
>>> max_coverage(cost, np.ones(3), 4.0, 1).objective
2.0
>>> set_cover(cost, 5.0).selected
(1,)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from geodata.lazy import lazy_exports
from scenarios.placement.options import DEMANDS, MODELS, PlacementOptions

if TYPE_CHECKING:
    from scenarios.placement.adapter import (
        SITE_COLUMNS,
        PlacementPlan,
        demand_weights,
        place_centres,
        sites_table,
        write_placement,
    )
    from scenarios.placement.capacitated import capacitated_max_coverage
    from scenarios.placement.coverage import coverage_curve, max_coverage
    from scenarios.placement.inputs import Method
    from scenarios.placement.milp import AUTO_MILP_MAX_NNZ
    from scenarios.placement.pmedian import p_median
    from scenarios.placement.results import OPTIMALITY_TOL, CoverageCurve, PlacementResult
    from scenarios.placement.setcover import set_cover

__all__ = [
    "AUTO_MILP_MAX_NNZ",
    "DEMANDS",
    "MODELS",
    "OPTIMALITY_TOL",
    "SITE_COLUMNS",
    "CoverageCurve",
    "Method",
    "PlacementOptions",
    "PlacementPlan",
    "PlacementResult",
    "capacitated_max_coverage",
    "coverage_curve",
    "demand_weights",
    "max_coverage",
    "p_median",
    "place_centres",
    "set_cover",
    "sites_table",
    "write_placement",
]

# Public name -> module of this package that defines it (loaded on first use).
_HOMES = {
    "SITE_COLUMNS": "adapter",
    "PlacementPlan": "adapter",
    "demand_weights": "adapter",
    "place_centres": "adapter",
    "sites_table": "adapter",
    "write_placement": "adapter",
    "capacitated_max_coverage": "capacitated",
    "coverage_curve": "coverage",
    "max_coverage": "coverage",
    "Method": "inputs",
    "AUTO_MILP_MAX_NNZ": "milp",
    "p_median": "pmedian",
    "OPTIMALITY_TOL": "results",
    "CoverageCurve": "results",
    "PlacementResult": "results",
    "set_cover": "setcover",
}


__getattr__, __dir__ = lazy_exports(__name__, _HOMES, globals(), __all__)
