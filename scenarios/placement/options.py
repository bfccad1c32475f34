"""The knobs of one placement job, with the one set of defaults the CLI, app and scenarios use.

This module imports nothing heavy, so that the command line can show the defaults in its help
without loading the solvers.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal, get_args

from geodata.errors import AccessGapError

__all__ = [
    "DEFAULT_TIME_LIMIT_S",
    "DEMANDS",
    "METHOD_NAMES",
    "MODELS",
    "DemandName",
    "MethodName",
    "ModelName",
    "PlacementOptions",
]

ModelName = Literal["mclp", "p_median", "set_cover"]
DemandName = Literal["unregistered_poor", "households", "expected_new"]
MethodName = Literal["auto", "milp", "heuristic"]
#: Default solver time limit in seconds (a number: the scenario spec and the CLI need one).
DEFAULT_TIME_LIMIT_S: float = 60.0
#: Placement models of :func:`~scenarios.placement.place_centres`.
MODELS: tuple[str, ...] = get_args(ModelName)
#: Demand weights of :func:`~scenarios.placement.demand_weights`.
DEMANDS: tuple[str, ...] = get_args(DemandName)
#: Solver choices (see :mod:`scenarios.placement`).
METHOD_NAMES: tuple[str, ...] = get_args(MethodName)


#: Bounds of what sizes a placement model: a day's travel, a country's new centres, a day.
MAX_WITHIN_MIN = 24 * 60.0
MAX_NEW_CENTRES = 10_000
MAX_TIME_LIMIT_S = 24 * 3600.0


@dataclass(frozen=True)
class PlacementOptions:
    """Every setting of a placement job (:func:`~scenarios.placement.place_centres`).

    The command line (``accessgap place``), the app's Place centres page and the
    ``placement`` section of a scenario file all build one of these, so their defaults are
    these defaults (the reasons are in ``docs/placement.md``).

    Parameters
    ----------
    model
        ``"mclp"`` (maximise demand within ``within_min``), ``"p_median"`` (minimise
        demand-weighted travel time) or ``"set_cover"`` (fewest sites so that ``share`` of
        the settlements are within ``within_min``; ``new_centres`` is ignored).
    new_centres
        Number of new centres to open (at most the number of candidates).
    within_min
        Travel-time threshold in minutes.
    mode
        Travel mode: ``"walk"``, ``"motorbike"`` or ``"car"``.
    demand
        Demand weight of a settlement (see :func:`~scenarios.placement.demand_weights`).
    budget_pkr
        Cap on the total ``opening_cost_pkr`` of the new sites (None: no cap).
    share
        Set cover only: share of the settlements to bring within reach, in ``(0, 1]``.
    capacity_days
        MCLP only: each open centre serves at most ``capacity_per_day x capacity_days`` of
        the demand (None: no capacity).
    time_limit_s
        Solver time limit in seconds (None: deterministic work limits).
    method
        ``"auto"``, ``"milp"`` or ``"heuristic"``.

    Raises
    ------
    AccessGapError
        Unknown model, demand or method; a non-positive ``capacity_days`` or one given with a
        model other than ``"mclp"``.

    Examples
    --------
    >>> PlacementOptions().time_limit_s
    60.0
    >>> PlacementOptions(model="p_median", new_centres=3).new_centres
    3
    """

    model: ModelName = "mclp"
    new_centres: int = 10
    within_min: float = 60.0
    mode: str = "motorbike"
    demand: DemandName = "unregistered_poor"
    budget_pkr: float | None = None
    share: float = 1.0
    capacity_days: float | None = None
    time_limit_s: float | None = DEFAULT_TIME_LIMIT_S
    method: MethodName = "auto"

    def __post_init__(self) -> None:
        """Check the choices that have a fixed vocabulary."""
        if self.model not in MODELS:
            raise AccessGapError(f"unknown model '{self.model}'; choose one of {', '.join(MODELS)}")
        if self.demand not in DEMANDS:
            raise AccessGapError(
                f"unknown demand '{self.demand}'; choose one of {', '.join(DEMANDS)}"
            )
        if self.method not in METHOD_NAMES:
            raise AccessGapError(
                f"unknown method '{self.method}'; choose one of {', '.join(METHOD_NAMES)}"
            )
        if self.capacity_days is not None and self.model != "mclp":
            raise AccessGapError("capacity_days works with model 'mclp' only")
        if self.capacity_days is not None and self.capacity_days <= 0:
            raise AccessGapError("capacity_days must be positive")
        self._check_size()

    def _check_size(self) -> None:
        """Bound what a user controls that sizes the model (issue #15: no unbounded plans).

        The coverage matrix holds every (site, settlement) pair within ``within_min``: beyond a
        day's travel it grows to the dense matrix and no longer means "within reach".
        """
        bad = []
        if not 0 < self.within_min <= MAX_WITHIN_MIN:
            bad.append(f"within_min must be in (0, {MAX_WITHIN_MIN:g}] minutes (a day's travel)")
        if not 1 <= self.new_centres <= MAX_NEW_CENTRES:
            bad.append(f"new_centres must be between 1 and {MAX_NEW_CENTRES:,}")
        if self.time_limit_s is not None and not 0 < self.time_limit_s <= MAX_TIME_LIMIT_S:
            bad.append(f"time_limit_s must be in (0, {MAX_TIME_LIMIT_S:g}] seconds")
        if bad:
            raise AccessGapError("placement options: " + "; ".join(bad))

    def items(self) -> tuple[tuple[str, Any], ...]:
        """The settings as sorted ``(name, value)`` pairs (hashable, e.g. for a cache key)."""
        return tuple(sorted(asdict(self).items()))
