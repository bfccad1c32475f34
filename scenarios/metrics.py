"""Headline figures of a scenario, as pure functions over arrays (formulas in
``docs/scenarios.md``).

- :func:`access_metrics`: households and unregistered bottom-40% households within 30/60/120
  minutes, household-weighted median and 90th percentile of travel time, households that
  cannot reach any centre.
- :func:`registration_effect`: expected new registrations per settlement when travel times
  change, with the exclusion model of the *baseline* region (negative when access worsens).
- :func:`van_reach`: households and settlements a van campaign reaches and the registrations
  it can expect, net of what better access already brought.
- :func:`cost_metrics`: one-off and yearly cost, cost over the horizon and per expected new
  registration.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from access.exclusion import ExclusionModel, expected_new_registrations
from access.gaps import weighted_quantile

__all__ = [
    "BANDS_MIN",
    "access_metrics",
    "cost_metrics",
    "registration_effect",
    "van_reach",
]

#: Travel-time thresholds (minutes) of the headline figures.
BANDS_MIN: tuple[int, ...] = (30, 60, 120)


def access_metrics(
    households: np.ndarray,
    unregistered_poor: np.ndarray,
    travel_min: np.ndarray,
    *,
    bands_min: Sequence[int] = BANDS_MIN,
) -> dict[str, float]:
    """Access figures of one set of travel times.

    Parameters
    ----------
    households
        Households per settlement.
    unregistered_poor
        Unregistered households in the national bottom 40% per settlement (NaN = unknown,
        counted as 0 and the totals then say so through ``unregistered_poor_total``).
    travel_min
        Minutes to the nearest centre (NaN or inf = cannot reach one).
    bands_min
        Thresholds.

    Returns
    -------
    dict
        ``households_total``, ``households_within_<b>_min``, ``share_households_within_<b>_min``,
        ``unregistered_poor_total``, ``unregistered_poor_within_<b>_min``,
        ``share_unregistered_poor_within_<b>_min``, ``median_travel_min``,
        ``p90_travel_min`` (household-weighted; inf when over half / a tenth cannot reach a
        centre), ``unreachable_households``.

    Examples
    --------
    >>> m = access_metrics(np.array([10, 30]), np.array([1, 3]), np.array([20.0, 90.0]))
    >>> m["households_within_30_min"], m["unregistered_poor_within_120_min"]
    (10.0, 4.0)
    >>> m["median_travel_min"]
    90.0
    """
    hh = np.asarray(households, float)
    up = np.nan_to_num(np.asarray(unregistered_poor, float))
    t = np.asarray(travel_min, float)
    t = np.where(np.isfinite(t), t, np.inf)
    out: dict[str, float] = {"households_total": float(hh.sum())}
    for b in bands_min:
        ok = t <= b
        out[f"households_within_{b}_min"] = float(hh[ok].sum())
        out[f"share_households_within_{b}_min"] = _share(hh[ok].sum(), hh.sum())
    out["unregistered_poor_total"] = float(up.sum())
    for b in bands_min:
        ok = t <= b
        out[f"unregistered_poor_within_{b}_min"] = float(up[ok].sum())
        out[f"share_unregistered_poor_within_{b}_min"] = _share(up[ok].sum(), up.sum())
    out["median_travel_min"] = weighted_quantile(t, hh, 0.5)
    out["p90_travel_min"] = weighted_quantile(t, hh, 0.9)
    out["unreachable_households"] = float(hh[~np.isfinite(t)].sum())
    return out


def registration_effect(
    model: ExclusionModel,
    unregistered: np.ndarray,
    travel_min_baseline: np.ndarray,
    travel_min_scenario: np.ndarray,
) -> np.ndarray:
    """Expected new registrations per settlement when travel moves from baseline to scenario.

    ``unregistered * (1 - p(t_scenario) / p(t_baseline))`` with ``p`` the baseline region's
    exclusion model (:func:`access.exclusion.expected_new_registrations`); travel times in the
    model's mode, capped at its ``travel_cap_h``, unreachable = the cap. Negative where access
    gets worse. Unknown unregistered counts (NaN) give 0.

    Examples
    --------
    >>> from access.exclusion import ExclusionModel
    >>> m = ExclusionModel("motorbike", ("intercept", "travel_h"), (-2.0, 0.5), (0, 0), (0, 0),
    ...                    (0, 0), 8.0, 1, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0)
    >>> registration_effect(m, np.array([100.0]), np.array([120.0]), np.array([120.0]))
    array([0.])
    """
    unreg = np.nan_to_num(np.asarray(unregistered, float))
    return np.asarray(
        expected_new_registrations(
            model, unreg, np.asarray(travel_min_baseline, float), np.asarray(travel_min_scenario)
        )
    )


def van_reach(
    settlement_ids: Sequence[str],
    households: np.ndarray,
    unregistered_after: np.ndarray,
    served: Iterable[Iterable[str]],
    *,
    turnout: float,
) -> dict[str, float]:
    """What the visited van halts reach.

    Parameters
    ----------
    settlement_ids
        Settlement ids aligned with ``households`` and ``unregistered_after``.
    households
        Households per settlement.
    unregistered_after
        Unregistered households per settlement once the scenario's access change has played
        out (baseline unregistered minus :func:`registration_effect`).
    served
        For each *visited* halt, the ids of the settlements it serves.
    turnout
        Share of the unregistered who come to the van.

    Returns
    -------
    dict
        ``settlements_reached``, ``households_reached``, ``unregistered_reached``,
        ``expected_registrations`` (= turnout x unregistered reached).

    Examples
    --------
    >>> van_reach(["a", "b"], np.array([50, 80]), np.array([10.0, 20.0]), [["b"]], turnout=0.5)
    {'settlements_reached': 1.0, 'households_reached': 80.0, 'unregistered_reached': 20.0, \
'expected_registrations': 10.0}
    """
    pos = {sid: i for i, sid in enumerate(settlement_ids)}
    reached = np.zeros(len(pos), dtype=bool)
    for ids in served:
        for sid in ids:
            if sid in pos:
                reached[pos[sid]] = True
    hh = np.asarray(households, float)
    unreg = np.clip(np.nan_to_num(np.asarray(unregistered_after, float)), 0, None)
    return {
        "settlements_reached": float(reached.sum()),
        "households_reached": float(hh[reached].sum()),
        "unregistered_reached": float(unreg[reached].sum()),
        "expected_registrations": float(turnout * unreg[reached].sum()),
    }


def cost_metrics(
    *,
    setup_pkr: Sequence[float],
    closed_centres: int,
    van_days: int,
    centre_yearly_pkr: float,
    van_per_day_pkr: float,
    horizon_years: int,
    expected_new_registrations: float | None,
) -> dict[str, Any]:
    """Costs of a scenario in PKR.

    ``one_off = sum(setup of each new centre) + van_days x van_per_day``;
    ``yearly = (new centres - closed centres) x centre_yearly``;
    ``over_horizon = one_off + horizon_years x yearly``;
    ``per_expected_registration = over_horizon / expected new registrations`` (``None`` when
    no registration is expected).

    Examples
    --------
    >>> c = cost_metrics(setup_pkr=[3e6, 3e6], closed_centres=0, van_days=0,
    ...                  centre_yearly_pkr=1e6, van_per_day_pkr=0, horizon_years=5,
    ...                  expected_new_registrations=800.0)
    >>> c["one_off_pkr"], c["yearly_pkr"], c["per_expected_registration_pkr"]
    (6000000.0, 2000000.0, 20000.0)
    """
    centres_one_off = float(np.sum(setup_pkr)) if len(setup_pkr) else 0.0
    vans = float(van_days * van_per_day_pkr)
    yearly = float((len(setup_pkr) - closed_centres) * centre_yearly_pkr)
    total = centres_one_off + vans + horizon_years * yearly
    per = (
        total / expected_new_registrations
        if expected_new_registrations is not None and expected_new_registrations > 0
        else None
    )
    return {
        "new_centres": len(setup_pkr),
        "closed_centres": closed_centres,
        "van_days": van_days,
        "centres_one_off_pkr": centres_one_off,
        "vans_one_off_pkr": vans,
        "one_off_pkr": centres_one_off + vans,
        "yearly_pkr": yearly,
        "horizon_years": horizon_years,
        "over_horizon_pkr": total,
        "per_expected_registration_pkr": per,
    }


def _share(part: float, whole: float) -> float:
    return float(part / whole) if whole > 0 else float("nan")
