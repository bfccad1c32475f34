"""One turnout model for every channel: who registers when the burden of registering falls.

Every channel (a new centre, extra desks, a van halt, a door-to-door sweep) changes one thing
for the settlements it serves: the burden of reaching registration, in one-way travel
minutes as the exclusion model (:mod:`access.exclusion`) measures it. The share of a
settlement's unregistered households who then register is the model's relative change::

    uptake_i = max(0, 1 - p(burden_new_i) / p(burden_old_i))

and the households it can reach are the unregistered bottom-40% households today plus, for a
permanent channel, those formed over the horizon who would stay unregistered::

    reach_i = unregistered_poor_i + [permanent] poor_households_i * growth * p(burden_old_i)

Waiting enters as travel: a visit costs a round trip (``2 t``) plus the wait, so an hour less
waiting weighs as half an hour less one-way travel (:func:`wait_as_travel_min`). A burden
measured elsewhere (for example per group, with queueing) can be passed as ``burden_old`` and
``burden_new`` in the same minutes.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from access.exclusion import ExclusionModel

__all__ = ["households_to_reach", "uptake", "wait_as_travel_min"]


def uptake(
    model: ExclusionModel, burden_old_min: ArrayLike, burden_new_min: ArrayLike
) -> NDArray[np.float64]:
    """Share of the unregistered who register when the burden moves from old to new.

    Parameters
    ----------
    model
        The fitted exclusion model (logit of being unregistered on one-way travel hours).
    burden_old_min, burden_new_min
        Burden today and with the channel, one-way travel minutes (NaN or infinite = cannot
        reach registration, the model's cap). Broadcast against each other.

    Returns
    -------
    numpy.ndarray
        ``max(0, 1 - p(new) / p(old))``, in [0, 1).

    Examples
    --------
    >>> m = ExclusionModel("motorbike", ("intercept", "travel_h"), (-2.0, 0.5), (0, 0), (0, 0),
    ...                    (0, 0), 8.0, 1, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0)
    >>> uptake(m, [120.0, 60.0], [0.0, 90.0]).round(3).tolist()
    [0.557, 0.0]
    """
    p_old = model.probability(np.asarray(burden_old_min, dtype=np.float64))
    p_new = model.probability(np.asarray(burden_new_min, dtype=np.float64))
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(p_old > 0, 1.0 - p_new / p_old, 0.0)
    return np.asarray(np.clip(share, 0.0, 1.0), dtype=np.float64)


def households_to_reach(
    model: ExclusionModel,
    unregistered_poor: ArrayLike,
    poor_households: ArrayLike,
    burden_old_min: ArrayLike,
    *,
    growth_factor: float,
    permanent: bool,
) -> NDArray[np.float64]:
    """Unregistered bottom-40% households a channel can reach over the horizon.

    Parameters
    ----------
    model
        The exclusion model.
    unregistered_poor
        Unregistered bottom-40% households today (NaN = unknown, counted as 0).
    poor_households
        Bottom-40% households today.
    burden_old_min
        Burden today (one-way travel minutes).
    growth_factor
        New households over the horizon per household today.
    permanent
        True for channels that stay open over the horizon (centres, desks): they also reach
        new households who would stay unregistered; one-off channels reach the stock only.

    Returns
    -------
    numpy.ndarray
        Households per settlement.

    Examples
    --------
    >>> m = ExclusionModel("motorbike", ("intercept", "travel_h"), (0.0, 0.0), (0, 0), (0, 0),
    ...                    (0, 0), 8.0, 1, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0)
    >>> households_to_reach(m, [10.0], [100.0], [60.0], growth_factor=0.1, permanent=True)
    array([15.])
    """
    stock = np.nan_to_num(np.asarray(unregistered_poor, dtype=np.float64))
    if not permanent:
        return stock
    p_old = model.probability(np.asarray(burden_old_min, dtype=np.float64))
    poor = np.nan_to_num(np.asarray(poor_households, dtype=np.float64))
    return np.asarray(stock + poor * growth_factor * p_old, dtype=np.float64)


def wait_as_travel_min(wait_h: ArrayLike) -> NDArray[np.float64]:
    """Waiting hours as one-way travel minutes: a visit is a round trip plus the wait.

    Examples
    --------
    >>> wait_as_travel_min(1.0)
    array(30.)
    """
    return np.asarray(np.asarray(wait_h, dtype=np.float64) * 60.0 / 2.0)
