"""Centre capacity against the demand that chooses it: capacity-limited coverage (issue #17).

Each settlement goes to its nearest centre. Over a horizon of ``horizon_days`` working days a
centre completes ``desks x registrations_per_desk_day x horizon_days`` visits. The
households that need to register (the demand: unregistered households) are split in three, as
AccessMod's "scaling up" coverage analysis reports it:

- *unserved for distance*: beyond ``reach_min`` of any centre (or unreachable);
- *served*: within reach, and the centre has capacity left when their turn comes;
- *unserved for capacity*: within reach, the centre is full.

A centre fills its capacity nearest settlement first (AccessMod fills a facility's catchment
outward in travel time); each household uses ``visits`` slots (a second trip for missing
documents). Household counts are rounded to :data:`HOUSEHOLD_GRID` (1/1024 household) so the
three parts add up to the total exactly, in any order of summation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from access.queueing import mean_wait_h

__all__ = [
    "HOUSEHOLD_GRID",
    "CapacitySettings",
    "CapacitySplit",
    "capacity_split",
    "centre_waiting",
    "to_grid",
]

#: Household counts of the split are multiples of this (exact binary fractions).
HOUSEHOLD_GRID = 2.0**-10


@dataclass(frozen=True)
class CapacitySettings:
    """Capacity and reach of the centres. All overridable.

    Attributes
    ----------
    registrations_per_desk_day
        Registrations one desk completes in a day: 30 (about 16 minutes each over an 8-hour
        day; an assumption that makes the sample's 150-a-day centres 5 desks). Used when a
        centre has no ``desks``: ``desks = max(1, round(capacity_per_day / this))``.
    opening_h
        Hours a centre is open a day (8).
    horizon_days
        Working days over which the unregistered within reach are expected to come: 60 (about
        a quarter; the feature story's quarterly reviews). An assumption.
    reach_min
        Beyond this many minutes (one way) a household is *unserved for distance*: 60.
    max_utilisation
        Utilisation at which a saturated centre's queue is evaluated (0.95).
    """

    registrations_per_desk_day: float = 30.0
    opening_h: float = 8.0
    horizon_days: float = 60.0
    reach_min: float = 60.0
    max_utilisation: float = 0.95

    def __post_init__(self) -> None:
        """Refuse non-positive rates and horizons and a utilisation cap outside (0, 1)."""
        bad = [
            n
            for n in ("registrations_per_desk_day", "opening_h", "horizon_days", "reach_min")
            if not (np.isfinite(getattr(self, n)) and getattr(self, n) > 0)
        ]
        if not 0 < self.max_utilisation < 1:
            bad.append("max_utilisation (in (0, 1))")
        if bad:
            raise ValueError(f"CapacitySettings: {', '.join(bad)} must be finite and > 0")

    @property
    def service_h(self) -> float:
        """Hours one registration takes at a desk."""
        return self.opening_h / self.registrations_per_desk_day


@dataclass(frozen=True)
class CapacitySplit:
    """Capacity-limited coverage per settlement and per centre.

    Attributes
    ----------
    served, unserved_capacity, unserved_distance
        Households per settlement (multiples of :data:`HOUSEHOLD_GRID`); their sum is the
        settlement's demand rounded to the grid.
    demand_visits, served_visits
        Per centre (column order of ``capacity_visits``): visits of the households within
        reach that choose it, and those it completes.
    """

    served: np.ndarray
    unserved_capacity: np.ndarray
    unserved_distance: np.ndarray
    demand_visits: np.ndarray
    served_visits: np.ndarray


def to_grid(x: ArrayLike) -> np.ndarray:
    """``x`` rounded to the nearest multiple of :data:`HOUSEHOLD_GRID` (NaN kept).

    >>> to_grid([0.1, 3.0]).tolist()
    [0.099609375, 3.0]
    """
    return np.asarray(np.round(np.asarray(x, dtype=float) / HOUSEHOLD_GRID) * HOUSEHOLD_GRID)


def capacity_split(
    demand: ArrayLike,
    travel_min: ArrayLike,
    centre: ArrayLike,
    capacity_visits: ArrayLike,
    *,
    visits: ArrayLike = 1.0,
    reach_min: float = 60.0,
) -> CapacitySplit:
    """Split each settlement's demand into served / unserved for capacity / for distance.

    Parameters
    ----------
    demand
        Households needing to register per settlement (NaN: unknown, counted nowhere).
    travel_min
        Minutes to the nearest centre (NaN/inf: unreachable).
    centre
        Index of that centre into ``capacity_visits`` (any value where unreachable).
    capacity_visits
        Visits each centre completes over the horizon.
    visits
        Expected visits per household (per settlement or one number).
    reach_min
        Reach in minutes.

    Returns
    -------
    CapacitySplit

    Examples
    --------
    One centre with room for 150 visits; settlements of 100 (10 min), 100 (20 min) and 50
    households (90 min, beyond an hour):

    >>> r = capacity_split([100, 100, 50], [10, 20, 90], [0, 0, 0], [150.0])
    >>> r.served.tolist(), r.unserved_capacity.tolist(), r.unserved_distance.tolist()
    ([100.0, 50.0, 0.0], [0.0, 50.0, 0.0], [0.0, 0.0, 50.0])
    """
    d = to_grid(np.nan_to_num(np.asarray(demand, dtype=float), nan=0.0))
    if np.any(d < 0):
        raise ValueError("demand must be >= 0")
    t = np.asarray(travel_min, dtype=float)
    cap = np.asarray(capacity_visits, dtype=float)
    v = np.broadcast_to(np.asarray(visits, dtype=float), d.shape)
    if np.any(~(v >= 1)):
        raise ValueError("visits must be >= 1")
    within = np.isfinite(t) & (t <= reach_min)
    c = np.where(within, np.asarray(centre), -1).astype(np.int64)
    need = np.where(within, d * v, 0.0)
    df = pd.DataFrame({"c": c, "t": np.where(within, t, np.inf), "need": need})
    df = df[within].sort_values(["c", "t"], kind="stable")
    before = df.groupby("c")["need"].cumsum().to_numpy() - df["need"].to_numpy()
    room = np.clip(cap[df["c"].to_numpy()] - before, 0.0, None)
    served_visits = np.minimum(df["need"].to_numpy(), room)
    served = np.zeros(len(d))
    idx = df.index.to_numpy()
    # floor to the grid so a settlement never gets more than its demand
    served[idx] = np.minimum(
        np.floor(served_visits / v[idx] / HOUSEHOLD_GRID) * HOUSEHOLD_GRID, d[idx]
    )
    served = np.where(within, served, 0.0)
    per_centre_demand = np.bincount(c[within], weights=need[within], minlength=len(cap))
    per_centre_served = np.bincount(c[within], weights=(served * v)[within], minlength=len(cap))
    return CapacitySplit(
        served=served,
        unserved_capacity=np.where(within, d - served, 0.0),
        unserved_distance=np.where(within, 0.0, d),
        demand_visits=per_centre_demand,
        served_visits=per_centre_served,
    )


def centre_waiting(
    served_visits: ArrayLike,
    desks: ArrayLike,
    *,
    settings: CapacitySettings | None = None,
) -> pd.DataFrame:
    """Expected queue at each centre on a working day of the horizon (Erlang C).

    Arrivals per opening hour are the visits the centre completes over the horizon spread
    evenly over its days and hours.

    Returns
    -------
    pandas.DataFrame
        One row per centre: ``visits_per_day``, ``capacity_per_day``, ``utilisation``,
        ``wait_min`` (mean queue), ``saturated``.

    Examples
    --------
    >>> w = centre_waiting([60 * 120.0], [5])
    >>> round(float(w["utilisation"][0]), 2), bool(w["saturated"][0])
    (0.8, False)
    """
    s = settings or CapacitySettings()
    k = np.asarray(desks, dtype=float)
    per_day = np.asarray(served_visits, dtype=float) / s.horizon_days
    mu = s.registrations_per_desk_day / s.opening_h
    wq, saturated = mean_wait_h(
        per_day / s.opening_h, k, np.full(k.shape, mu), max_utilisation=s.max_utilisation
    )
    cap_day = k * s.registrations_per_desk_day
    return pd.DataFrame(
        {
            "visits_per_day": per_day,
            "capacity_per_day": cap_day,
            "utilisation": per_day / cap_day,
            "wait_min": 60.0 * wq,
            "saturated": saturated,
        }
    )
