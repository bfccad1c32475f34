"""Greedy construction kernels (numba): the p-median and the maximum-coverage greedy rules.

Each adds, one at a time, the site that improves the objective most (per unit of opening cost
under a budget). The covering greedy also gives the coverage curve and the set-cover start.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

__all__ = ["mc_greedy", "pm_greedy"]


@njit(cache=True)
def pm_greedy(
    ip: NDArray[np.int64],
    ix: NDArray[np.int64],
    dv: NDArray[np.float64],
    w: NDArray[np.float64],
    open_mask: NDArray[np.bool_],
    is_free: NDArray[np.bool_],
    p: int,
    oc: NDArray[np.float64],
    budget: float,
    exact: bool,
) -> NDArray[np.bool_]:
    """Greedy p-median: open, ``p`` times, the free site that saves the most weighted cost.

    Parameters
    ----------
    ip, ix, dv
        Pairs in CSR form, each row sorted by cost.
    w
        Demand weight per row.
    open_mask
        Sites open at the start (not changed).
    is_free
        Sites that may be opened.
    p
        Sites to open.
    oc
        Opening cost per site.
    budget
        Total opening cost allowed (``inf``: none).
    exact
        True: open exactly ``p`` (saving decides); False: saving per unit of opening cost
        decides and the rule stops when nothing saves anything.

    Returns
    -------
    numpy.ndarray
        The new open mask.
    """
    n = ip.size - 1
    opened = open_mask.copy()
    d = np.full(n, np.inf)
    for i in range(n):
        for e in range(ip[i], ip[i + 1]):
            if opened[ix[e]]:
                d[i] = dv[e]
                break
    spent = 0.0
    for _ in range(p):
        gain = _pm_savings(ip, ix, dv, w, d, opened.size)
        best = _pm_pick(gain, opened, is_free, spent, oc, budget, exact)
        if best < 0 or (not exact and gain[best] <= 0.0):
            break
        opened[best] = True
        spent += oc[best]
        for i in range(n):
            for e in range(ip[i], ip[i + 1]):
                if dv[e] >= d[i]:
                    break
                if ix[e] == best:
                    d[i] = dv[e]
                    break
    return opened


@njit(cache=True)
def mc_greedy(
    cp: NDArray[np.int64],
    cr: NDArray[np.int64],
    rp: NDArray[np.int64],
    rc: NDArray[np.int64],
    w: NDArray[np.float64],
    p: int,
    oc: NDArray[np.float64],
    budget: float,
    exact: bool,
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Greedy maximum coverage with exact incremental gains (each row is touched once).

    Ties go to the lowest column; the rule stops early when no column adds any weight.

    Parameters
    ----------
    cp, cr
        Rows covered by each column (CSC).
    rp, rc
        Columns covering each row (CSR).
    w
        Weight of each row.
    p
        Most columns to pick.
    oc
        Opening cost per column.
    budget
        Total opening cost allowed (``inf``: none).
    exact
        True: gain decides; False: gain per unit of opening cost.

    Returns
    -------
    picks : numpy.ndarray
        Columns in the order they were picked.
    gains : numpy.ndarray
        Weight each one newly covered.
    """
    n = rp.size - 1
    m = cp.size - 1
    opened = np.zeros(m, dtype=np.bool_)
    covered = np.zeros(n, dtype=np.bool_)
    gain = np.zeros(m)
    for j in range(m):
        for t in range(cp[j], cp[j + 1]):
            gain[j] += w[cr[t]]
    picks = np.empty(p, dtype=np.int64)
    gains = np.empty(p)
    k = 0
    spent = 0.0
    while k < p:
        best = -1
        best_val = 0.0
        for j in range(m):
            if opened[j] or spent + oc[j] > budget:
                continue
            val = gain[j] if exact else gain[j] / max(oc[j], 1e-12)
            if val > best_val:
                best_val = val
                best = j
        if best < 0:
            break
        opened[best] = True
        spent += oc[best]
        picks[k] = best
        gains[k] = gain[best]
        k += 1
        for t in range(cp[best], cp[best + 1]):
            i = cr[t]
            if covered[i]:
                continue
            covered[i] = True
            for u in range(rp[i], rp[i + 1]):
                gain[rc[u]] -= w[i]
    return picks[:k], gains[:k]


@njit(cache=True)
def _pm_savings(
    ip: NDArray[np.int64],
    ix: NDArray[np.int64],
    dv: NDArray[np.float64],
    w: NDArray[np.float64],
    d: NDArray[np.float64],
    m: int,
) -> NDArray[np.float64]:
    """Weighted cost each site would save given the current nearest costs ``d``."""
    gain = np.zeros(m)
    for i in range(ip.size - 1):
        for e in range(ip[i], ip[i + 1]):
            c = dv[e]
            if c >= d[i]:
                break
            gain[ix[e]] += w[i] * (d[i] - c)
    return gain


@njit(cache=True)
def _pm_pick(
    gain: NDArray[np.float64],
    opened: NDArray[np.bool_],
    is_free: NDArray[np.bool_],
    spent: float,
    oc: NDArray[np.float64],
    budget: float,
    exact: bool,
) -> int:
    """The closed free site with the best saving (per unit cost when not ``exact``), or -1."""
    best = -1
    best_val = -1.0
    for j in range(opened.size):
        if opened[j] or not is_free[j] or spent + oc[j] > budget:
            continue
        val = gain[j]
        if not exact:
            val = gain[j] / max(oc[j], 1e-12)
        if val > best_val:
            best_val = val
            best = j
    return best
