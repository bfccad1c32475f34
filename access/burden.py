"""What registering costs a household, by who has to travel (issue #17).

Array functions (no geometry, no region) so the gap analysis and the portfolio planner use the
same figures. Per visit, with one-way travel ``t`` hours, network ``km``, mean queue ``Wq`` and
service ``s`` hours at the centre::

    elapsed_h       = 2 t + Wq + s
    lost_day        = min(1, elapsed_h / work_day_h)
    expected_visits = 1 + documents_missing_share         (missing documents -> a second trip)

    adult man                         hours = visits * elapsed_h
                                      pkr   = visits * (2 km fare + lost_day wage)
    woman with small children         hours = visits * 2 elapsed_h         (she and a companion)
    and a companion                   pkr   = visits * (2 * 2 km fare      (two fares)
                                                     + 2 lost_day wage     (two days' wages)
                                                     + lost_day child_care)

Unreachable settlements (no finite travel time) lose a whole day per traveller and visit; their
fare is unknown and taken as 0, as in :func:`access.gaps.settlement_gaps`. Defaults and their
sources: :class:`BurdenSettings` and ``docs/gaps.md``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["GROUPS", "BurdenSettings", "GroupBurden", "expected_visits", "group_burden"]

#: The travelling groups, in the order of the outputs.
GROUPS: tuple[str, ...] = ("man", "woman")


@dataclass(frozen=True)
class BurdenSettings:
    """Costs of a trip to register, by group. All overridable.

    Attributes
    ----------
    wage_pkr_per_day
        A lost working day: PKR 1,400 (federal minimum wage PKR 37,000 a month, 2024-25
        budget, over 26 working days), as :class:`access.gaps.GapSettings`.
    fare_pkr_per_km
        Fare per passenger-km of the burden mode: PKR 8 (shared rickshaw / van / motorbike,
        2025 levels), as ``GapSettings.fare_pkr_per_km["motorbike"]``.
    work_day_h
        Hours of a working day (8).
    child_care_pkr_per_day
        Paid care for small children left at home while a woman travels, per day away:
        PKR 700 (half the day's wage; an assumption, no published figure). The feature story
        ("Mind the Gap", World Bank, 4 Nov 2025) names the need, not the price.
    companion
        Whether a woman with small children travels with a companion (true: the feature story
        names "the need for accompanying individuals").
    documents_missing_share
        Share of households lacking a required ID document when a settlement has no figure:
        0.2 (an assumption; the feature story names the hurdle, its figure 2 gives no share
        in the text).
    """

    wage_pkr_per_day: float = 1400.0
    fare_pkr_per_km: float = 8.0
    work_day_h: float = 8.0
    child_care_pkr_per_day: float = 700.0
    companion: bool = True
    documents_missing_share: float = 0.2

    def __post_init__(self) -> None:
        """Refuse negative or non-finite costs and a non-positive working day."""
        bad = [
            name
            for name in ("wage_pkr_per_day", "fare_pkr_per_km", "child_care_pkr_per_day")
            if not (np.isfinite(getattr(self, name)) and getattr(self, name) >= 0)
        ]
        if not (np.isfinite(self.work_day_h) and self.work_day_h > 0):
            bad.append("work_day_h")
        if not 0 <= self.documents_missing_share <= 1:
            bad.append("documents_missing_share (in [0, 1])")
        if bad:
            raise ValueError(f"BurdenSettings: {', '.join(bad)} must be finite and >= 0")


@dataclass(frozen=True)
class GroupBurden:
    """Burden per household (arrays aligned with the inputs).

    Attributes
    ----------
    visits
        Expected visits.
    elapsed_h
        Hours away from home per visit.
    man_h, man_pkr
        An adult man registering alone: hours and PKR over all visits.
    woman_h, woman_pkr
        A woman with small children and a companion: person-hours (both) and PKR.
    """

    visits: np.ndarray
    elapsed_h: np.ndarray
    man_h: np.ndarray
    man_pkr: np.ndarray
    woman_h: np.ndarray
    woman_pkr: np.ndarray


def expected_visits(documents_missing_share: ArrayLike, *, default: float = 0.2) -> np.ndarray:
    """Expected visits to complete a registration: ``1 + share missing documents``.

    A household without a required document is sent home and comes back once it has it.
    NaN shares take ``default``.

    Raises
    ------
    ValueError
        When a share is outside ``[0, 1]``.

    Examples
    --------
    >>> expected_visits([0.0, 0.25, float("nan")]).tolist()
    [1.0, 1.25, 1.2]
    """
    m = np.asarray(documents_missing_share, dtype=float)
    m = np.where(np.isnan(m), default, m)
    if np.any((m < 0) | (m > 1)):
        raise ValueError("documents_missing_share must be in [0, 1]")
    return np.asarray(1.0 + m)


def group_burden(
    travel_min: ArrayLike,
    network_m: ArrayLike,
    wait_h: ArrayLike,
    *,
    visits: ArrayLike,
    service_h: ArrayLike = 0.0,
    settings: BurdenSettings | None = None,
) -> GroupBurden:
    """Hours and PKR of registering, for an adult man and for a woman with small children.

    Parameters
    ----------
    travel_min
        One-way travel minutes to the centre (NaN or inf: unreachable).
    network_m
        One-way network metres (NaN: unknown, fare 0).
    wait_h
        Mean queue at the centre, hours (see :func:`access.queueing.mean_wait_h`).
    visits
        Expected visits (see :func:`expected_visits`).
    service_h
        Time at the desk, hours.
    settings
        Costs (defaults: :class:`BurdenSettings`).

    Returns
    -------
    GroupBurden
        Per-household arrays.

    Examples
    --------
    One hour each way, 30 km, 1 h queue, no repeat visit: elapsed 3 h, 3/8 of a day lost;
    a man pays 2 x 30 x 8 + 0.375 x 1400 = 1005 PKR; a woman with a companion pays two fares,
    two wages and child care: 960 + 1050 + 262.5.

    >>> b = group_burden([60.0], [30_000.0], [1.0], visits=[1.0])
    >>> float(b.man_h[0]), float(b.man_pkr[0]), float(b.woman_h[0]), float(b.woman_pkr[0])
    (3.0, 1005.0, 6.0, 2272.5)
    """
    s = settings or BurdenSettings()
    t_h = np.asarray(travel_min, dtype=float) / 60.0
    km = np.asarray(network_m, dtype=float) / 1000.0
    v = np.asarray(visits, dtype=float)
    reachable = np.isfinite(t_h)
    elapsed = np.where(
        reachable,
        2 * np.where(reachable, t_h, 0.0)
        + np.asarray(wait_h, float)
        + np.asarray(service_h, float),
        s.work_day_h,
    )
    lost_day = np.minimum(1.0, elapsed / s.work_day_h)
    fare = np.where(np.isfinite(km), 2 * km * s.fare_pkr_per_km, 0.0)
    travellers = 2.0 if s.companion else 1.0
    man_pkr = v * (fare + lost_day * s.wage_pkr_per_day)
    woman_pkr = v * (
        travellers * fare
        + travellers * lost_day * s.wage_pkr_per_day
        + lost_day * s.child_care_pkr_per_day
    )
    return GroupBurden(
        visits=np.broadcast_to(v, elapsed.shape).astype(float),
        elapsed_h=elapsed,
        man_h=v * elapsed,
        man_pkr=man_pkr,
        woman_h=travellers * v * elapsed,
        woman_pkr=woman_pkr,
    )
