"""Who bears the distance: equity measures of access and exclusion (issue #17).

Array functions, household-weighted:

- :func:`concentration_index` of exclusion ranked by travel time (Kakwani, Wagstaff and van
  Doorslaer 1997): ``CI = 2 cov_w(y, r) / mean_w(y)`` with ``r`` the weighted fractional rank
  of travel time (nearest first; tied times share their mean rank). Positive: exclusion is
  concentrated among the far; 0: spread evenly.
- :func:`palma_ratio` of travel time: the mean minutes of the farthest 10% of households over
  those of the nearest 40% (Palma's shares, applied to travel time).
- :func:`share_beyond`: the share of (poor) households beyond a travel time.
- :func:`e2sfca`: enhanced two-step floating catchment accessibility (Luo and Qi 2009) with a
  Gaussian decay (Dai 2010): registration capacity per household within reach.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy import sparse

__all__ = [
    "concentration_index",
    "e2sfca",
    "gaussian_decay",
    "palma_ratio",
    "share_beyond",
    "weighted_fractional_rank",
]


def weighted_fractional_rank(key: ArrayLike, weights: ArrayLike) -> np.ndarray:
    """Weighted fractional rank in ``(0, 1)``: the weight below plus half the own group's.

    Equal keys share one rank (their group's midpoint); NaN and inf keys rank last.

    >>> weighted_fractional_rank([3.0, 1.0, 2.0], [1.0, 1.0, 2.0]).tolist()
    [0.875, 0.125, 0.5]
    """
    k = np.nan_to_num(np.asarray(key, dtype=float), nan=np.inf)
    w = np.asarray(weights, dtype=float)
    uniq, inv = np.unique(k, return_inverse=True)
    group_w = np.bincount(inv, weights=w, minlength=len(uniq))
    below = np.cumsum(group_w) - group_w
    total = w.sum()
    return np.asarray((below[inv] + group_w[inv] / 2.0) / total)


def concentration_index(y: ArrayLike, rank_key: ArrayLike, weights: ArrayLike) -> float:
    """Concentration index of ``y`` ranked by ``rank_key`` (Kakwani's covariance formula).

    Parameters
    ----------
    y
        The outcome per unit (e.g. the unregistered share of a settlement).
    rank_key
        What ranks the units (e.g. travel minutes: nearest first).
    weights
        Weights (households). Units with NaN ``y`` or zero weight are left out.

    Returns
    -------
    float
        ``2 cov_w(y, r) / mean_w(y)`` in ``[-1, 1]``; NaN when the weighted mean is 0.

    Examples
    --------
    Exclusion only among the farthest half: ``y = (0, 1)`` at ranks ``(1/4, 3/4)``:
    ``cov = 1/8``, mean 1/2, CI = 1/2.

    >>> concentration_index([0.0, 1.0], [10.0, 90.0], [1.0, 1.0])
    0.5
    """
    yy = np.asarray(y, dtype=float)
    w = np.asarray(weights, dtype=float)
    keep = np.isfinite(yy) & (w > 0)
    yy, w, key = yy[keep], w[keep], np.asarray(rank_key, dtype=float)[keep]
    if w.sum() <= 0:
        return float("nan")
    r = weighted_fractional_rank(key, w)
    mean_y = float(np.sum(w * yy) / w.sum())
    if mean_y == 0:
        return float("nan")
    mean_r = float(np.sum(w * r) / w.sum())
    cov = float(np.sum(w * (yy - mean_y) * (r - mean_r)) / w.sum())
    return 2.0 * cov / mean_y


def palma_ratio(
    values: ArrayLike,
    weights: ArrayLike,
    *,
    top: float = 0.1,
    bottom: float = 0.4,
    cap: float | None = None,
) -> float:
    """Mean of the highest ``top`` share of weight over the mean of the lowest ``bottom``.

    Weight is split at the cut points (a unit straddling one counts with its part);
    NaN/inf values take ``cap`` (e.g. the model's travel cap) or rank last as ``inf``.

    >>> palma_ratio([10.0, 20.0, 30.0, 40.0, 100.0], [1, 1, 1, 1, 1], top=0.2, bottom=0.4)
    6.666666666666667
    """
    v = np.asarray(values, dtype=float)
    if cap is not None:
        v = np.where(np.isfinite(v), np.minimum(v, cap), cap)
    v = np.nan_to_num(v, nan=np.inf)
    w = np.asarray(weights, dtype=float)
    order = np.argsort(v, kind="stable")
    v, w = v[order], w[order]
    total = w.sum()
    if total <= 0:
        return float("nan")
    hi = np.cumsum(w) / total
    lo = hi - w / total
    low_w = np.clip(np.minimum(hi, bottom) - lo, 0.0, None) * total
    top_w = np.clip(hi - np.maximum(lo, 1.0 - top), 0.0, None) * total
    low_mean = np.sum(low_w * v) / low_w.sum()
    with np.errstate(invalid="ignore"):
        top_mean = np.sum(np.where(top_w > 0, top_w * v, 0.0)) / top_w.sum()
    return float(top_mean / low_mean) if low_mean > 0 else float("nan")


def share_beyond(values: ArrayLike, weights: ArrayLike, threshold: float) -> float:
    """Weighted share of units with ``value > threshold`` (NaN/inf count as beyond).

    >>> share_beyond([30.0, 90.0, float("nan")], [1.0, 2.0, 1.0], 60)
    0.75
    """
    v = np.asarray(values, dtype=float)
    w = np.nan_to_num(np.asarray(weights, dtype=float))
    beyond = ~(np.isfinite(v) & (v <= threshold))
    return float(w[beyond].sum() / w.sum()) if w.sum() > 0 else float("nan")


def gaussian_decay(minutes: ArrayLike, d0_min: float) -> np.ndarray:
    """Gaussian distance decay on ``[0, d0]``, 1 at 0 and 0 at ``d0`` (Dai 2010).

    ``G(d) = (exp(-0.5 (d/d0)^2) - exp(-0.5)) / (1 - exp(-0.5))`` for ``d <= d0``, else 0.

    >>> gaussian_decay([0.0, 60.0, 90.0], 60.0).tolist()
    [1.0, 0.0, 0.0]
    """
    d = np.asarray(minutes, dtype=float)
    g = (np.exp(-0.5 * (d / d0_min) ** 2) - np.exp(-0.5)) / (1.0 - np.exp(-0.5))
    return np.asarray(np.where(np.isfinite(d) & (d <= d0_min), np.clip(g, 0.0, 1.0), 0.0))


def e2sfca(
    minutes: sparse.spmatrix | sparse.sparray,
    supply: ArrayLike,
    demand: ArrayLike,
    *,
    d0_min: float = 60.0,
) -> np.ndarray:
    """Enhanced two-step floating catchment accessibility per settlement.

    Step 1, per centre ``j``: ``R_j = S_j / sum_k G(d_kj) P_k`` over settlements within
    ``d0``. Step 2, per settlement ``i``: ``A_i = sum_j G(d_ij) R_j``.

    Parameters
    ----------
    minutes
        Sparse ``settlements x centres`` travel minutes; a stored entry is a pair within
        reach (its value may be 0).
    supply
        ``S_j``: registrations per day of each centre.
    demand
        ``P_k``: households per settlement.
    d0_min
        Catchment size in minutes.

    Returns
    -------
    numpy.ndarray
        ``A_i``: registrations per day per household within reach (0 beyond every centre).

    Examples
    --------
    Two settlements of 100 households at 0 minutes from one centre of 50 a day: 0.25 each.

    >>> m = sparse.csr_array(([0.0, 0.0], ([0, 1], [0, 0])), shape=(2, 1))
    >>> e2sfca(m, [50.0], [100.0, 100.0]).tolist()
    [0.25, 0.25]
    """
    m = sparse.coo_array(minutes)
    g = gaussian_decay(m.data, d0_min)
    p = np.asarray(demand, dtype=float)
    s = np.asarray(supply, dtype=float)
    weighted_pop = np.bincount(m.col, weights=g * p[m.row], minlength=m.shape[1])
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(weighted_pop > 0, s / weighted_pop, 0.0)
    return np.asarray(np.bincount(m.row, weights=g * ratio[m.col], minlength=m.shape[0]))
