"""Swap local search kernels (numba): best-improvement interchange for the p-median and MCLP.

A move closes one open free site and opens one closed site. Both searches keep, per row, what
each move would change (gain of the site coming in, loss of the site going out, and the
interaction of the two) so that the best move is found without re-evaluating the objective.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

__all__ = ["mc_swap", "pm_local_search"]


@njit(cache=True)
def pm_local_search(
    ip: NDArray[np.int64],
    ix: NDArray[np.int64],
    dv: NDArray[np.float64],
    w: NDArray[np.float64],
    open_mask: NDArray[np.bool_],
    is_free: NDArray[np.bool_],
    oc: NDArray[np.float64],
    budget: float,
    max_moves: int,
) -> tuple[NDArray[np.bool_], float]:
    """Best-improvement swap search for the p-median (fast interchange, Resende-Werneck style).

    Parameters
    ----------
    ip, ix, dv
        Pairs in CSR form, each row sorted by cost; every row must reach an always-open site.
    w
        Demand weight per row.
    open_mask
        Open sites at the start (not changed).
    is_free
        Sites that may be swapped (the others stay as they are).
    oc
        Opening cost per site.
    budget
        Total opening cost of the open free sites allowed (``inf``: none).
    max_moves
        Most swaps to make.

    Returns
    -------
    open_mask : numpy.ndarray
        Open sites at a local optimum (or after ``max_moves``).
    objective : float
        Its total weighted cost.
    """
    opened = open_mask.copy()
    slot_of, site_of, ns, spent = _slots(opened, is_free, oc)
    obj = 0.0
    for move in range(max_moves + 1):
        d1, d2, c1, obj = _two_nearest(ip, ix, dv, w, opened)
        if ns == 0 or move == max_moves:
            break
        gain, loss, extra = _pm_move_values(ip, ix, dv, w, opened, slot_of, ns, d1, d2, c1)
        tol = -1e-9 * max(1.0, abs(obj))
        bk, bs = _pm_best_move(
            gain, loss, extra, opened, is_free, site_of, ns, spent, oc, budget, tol
        )
        if bk < 0:
            break
        r = site_of[bs]
        opened[r] = False
        opened[bk] = True
        slot_of[r] = -1
        slot_of[bk] = bs
        site_of[bs] = bk
        spent += oc[bk] - oc[r]
    return opened, obj


@njit(cache=True)
def mc_swap(
    cp: NDArray[np.int64],
    cr: NDArray[np.int64],
    rp: NDArray[np.int64],
    rc: NDArray[np.int64],
    w: NDArray[np.float64],
    open_mask: NDArray[np.bool_],
    oc: NDArray[np.float64],
    budget: float,
    max_moves: int,
) -> tuple[NDArray[np.bool_], float, int]:
    """Best-improvement swap search for the MCLP with incremental gain/loss bookkeeping.

    ``delta(in k, out r) = gain[k] - loss[r] + extra[k, r]`` where ``gain[k]`` is the
    uncovered weight k covers, ``loss[r]`` the weight only r covers and ``extra[k, r]`` the
    weight only r covers that k covers too.

    Parameters
    ----------
    cp, cr
        Rows covered by each column (CSC).
    rp, rc
        Columns covering each row (CSR).
    w
        Weight of each row.
    open_mask
        Open columns at the start (not changed).
    oc
        Opening cost per column.
    budget
        Total opening cost allowed (``inf``: none).
    max_moves
        Most swaps to make.

    Returns
    -------
    open_mask : numpy.ndarray
        Open columns after the search.
    covered : float
        Weight they cover.
    moves : int
        Swaps made (``max_moves`` when the search may not be finished).
    """
    n = rp.size - 1
    m = cp.size - 1
    opened = open_mask.copy()
    slot_of, site_of, ns, spent = _slots(opened, np.ones(m, dtype=np.bool_), oc)
    cnt = np.zeros(n, dtype=np.int64)
    for j in range(m):
        if opened[j]:
            for t in range(cp[j], cp[j + 1]):
                cnt[cr[t]] += 1
    gain = np.zeros(m)
    loss = np.zeros(max(ns, 1))
    extra = np.zeros((m, max(ns, 1)))
    for i in range(n):
        _mc_row_update(i, 1.0, rp, rc, w, cnt, opened, slot_of, gain, loss, extra)
    stamp = np.full(n, -1, dtype=np.int64)
    tol = 1e-9 * max(1.0, w.sum())
    moves = 0
    while moves < max_moves and ns > 0:
        bk, bs = _mc_best_move(gain, loss, extra, opened, site_of, ns, spent, oc, budget, tol)
        if bk < 0:
            break
        r = site_of[bs]
        for j in (bk, r):
            _mc_retract(j, moves, cp, cr, rp, rc, w, cnt, opened, slot_of, gain, loss, extra, stamp)
        opened[r] = False
        opened[bk] = True
        slot_of[r] = -1
        slot_of[bk] = bs
        site_of[bs] = bk
        spent += oc[bk] - oc[r]
        for t in range(cp[bk], cp[bk + 1]):
            cnt[cr[t]] += 1
        for t in range(cp[r], cp[r + 1]):
            cnt[cr[t]] -= 1
        for j in (bk, r):
            _mc_restore(j, moves, cp, cr, rp, rc, w, cnt, opened, slot_of, gain, loss, extra, stamp)
        moves += 1
    obj = 0.0
    for i in range(n):
        if cnt[i] > 0:
            obj += w[i]
    return opened, obj, moves


@njit(cache=True)
def _slots(
    opened: NDArray[np.bool_], is_free: NDArray[np.bool_], oc: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.int64], int, float]:
    """Number the open free sites.

    Returns the slot of each site (-1: none), the site of each slot, their count and their
    total opening cost.
    """
    m = opened.size
    slot_of = np.full(m, -1, dtype=np.int64)
    ns = 0
    for j in range(m):
        if opened[j] and is_free[j]:
            slot_of[j] = ns
            ns += 1
    site_of = np.zeros(max(ns, 1), dtype=np.int64)
    spent = 0.0
    for j in range(m):
        if slot_of[j] >= 0:
            site_of[slot_of[j]] = j
            spent += oc[j]
    return slot_of, site_of, ns, spent


@njit(cache=True)
def _two_nearest(
    ip: NDArray[np.int64],
    ix: NDArray[np.int64],
    dv: NDArray[np.float64],
    w: NDArray[np.float64],
    opened: NDArray[np.bool_],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64], float]:
    """Nearest and second-nearest open cost per row, the nearest site, the objective."""
    n = ip.size - 1
    d1 = np.full(n, np.inf)
    d2 = np.full(n, np.inf)
    c1 = np.full(n, -1, dtype=np.int64)
    obj = 0.0
    for i in range(n):
        for e in range(ip[i], ip[i + 1]):
            if opened[ix[e]]:
                if c1[i] < 0:
                    d1[i] = dv[e]
                    c1[i] = ix[e]
                else:
                    d2[i] = dv[e]
                    break
        obj += w[i] * d1[i]
    return d1, d2, c1, obj


@njit(cache=True)
def _pm_move_values(
    ip: NDArray[np.int64],
    ix: NDArray[np.int64],
    dv: NDArray[np.float64],
    w: NDArray[np.float64],
    opened: NDArray[np.bool_],
    slot_of: NDArray[np.int64],
    ns: int,
    d1: NDArray[np.float64],
    d2: NDArray[np.float64],
    c1: NDArray[np.int64],
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Gain of opening each closed site, loss of closing each slot, and their interaction."""
    m = opened.size
    gain = np.zeros(m)
    loss = np.zeros(max(ns, 1))
    extra = np.zeros((m, max(ns, 1)))
    for i in range(ip.size - 1):
        s = slot_of[c1[i]]
        lim = d1[i]
        if s >= 0:
            loss[s] += w[i] * (d2[i] - d1[i])
            lim = d2[i]
        for e in range(ip[i], ip[i + 1]):
            c = dv[e]
            if c >= lim:
                break
            k = ix[e]
            if opened[k]:
                continue
            if c < d1[i]:
                gain[k] += w[i] * (c - d1[i])
            if s >= 0:
                extra[k, s] += w[i] * (max(c, d1[i]) - d2[i])
    return gain, loss, extra


@njit(cache=True)
def _pm_best_move(
    gain: NDArray[np.float64],
    loss: NDArray[np.float64],
    extra: NDArray[np.float64],
    opened: NDArray[np.bool_],
    is_free: NDArray[np.bool_],
    site_of: NDArray[np.int64],
    ns: int,
    spent: float,
    oc: NDArray[np.float64],
    budget: float,
    tol: float,
) -> tuple[int, int]:
    """The swap (site in, slot out) lowering the cost by more than ``-tol``, or (-1, -1)."""
    best = tol
    bk = -1
    bs = -1
    for k in range(opened.size):
        if opened[k] or not is_free[k]:
            continue
        for s in range(ns):
            if spent - oc[site_of[s]] + oc[k] > budget:
                continue
            delta = gain[k] + loss[s] + extra[k, s]
            if delta < best:
                best = delta
                bk = k
                bs = s
    return bk, bs


@njit(cache=True)
def _mc_best_move(
    gain: NDArray[np.float64],
    loss: NDArray[np.float64],
    extra: NDArray[np.float64],
    opened: NDArray[np.bool_],
    site_of: NDArray[np.int64],
    ns: int,
    spent: float,
    oc: NDArray[np.float64],
    budget: float,
    tol: float,
) -> tuple[int, int]:
    """The swap (column in, slot out) covering more than ``tol`` more weight, or (-1, -1)."""
    best = tol
    bk = -1
    bs = -1
    for k in range(opened.size):
        if opened[k]:
            continue
        gk = gain[k]
        for s in range(ns):
            if spent - oc[site_of[s]] + oc[k] > budget:
                continue
            delta = gk - loss[s] + extra[k, s]
            if delta > best:
                best = delta
                bk = k
                bs = s
    return bk, bs


@njit(cache=True)
def _mc_row_update(
    i: int,
    sign: float,
    rp: NDArray[np.int64],
    rc: NDArray[np.int64],
    w: NDArray[np.float64],
    cnt: NDArray[np.int64],
    opened: NDArray[np.bool_],
    slot_of: NDArray[np.int64],
    gain: NDArray[np.float64],
    loss: NDArray[np.float64],
    extra: NDArray[np.float64],
) -> None:
    """Add (``sign=1``) or take back (``-1``) row ``i``'s part of the move values.

    Works on :func:`mc_swap`'s own bookkeeping arrays ``gain``, ``loss`` and ``extra``, which
    it updates in place (allocating per row would undo the incremental bookkeeping).
    """
    if cnt[i] == 0:
        for u in range(rp[i], rp[i + 1]):
            gain[rc[u]] += sign * w[i]
    elif cnt[i] == 1:
        sole = -1
        for u in range(rp[i], rp[i + 1]):
            if opened[rc[u]]:
                sole = rc[u]
                break
        s = slot_of[sole]
        loss[s] += sign * w[i]
        for u in range(rp[i], rp[i + 1]):
            k = rc[u]
            if k != sole:
                extra[k, s] += sign * w[i]


@njit(cache=True)
def _mc_retract(
    j: int,
    moves: int,
    cp: NDArray[np.int64],
    cr: NDArray[np.int64],
    rp: NDArray[np.int64],
    rc: NDArray[np.int64],
    w: NDArray[np.float64],
    cnt: NDArray[np.int64],
    opened: NDArray[np.bool_],
    slot_of: NDArray[np.int64],
    gain: NDArray[np.float64],
    loss: NDArray[np.float64],
    extra: NDArray[np.float64],
    stamp: NDArray[np.int64],
) -> None:
    """Take back the move values of column ``j``'s rows (each row once per move; in place)."""
    for t in range(cp[j], cp[j + 1]):
        i = cr[t]
        if stamp[i] != moves:
            stamp[i] = moves
            _mc_row_update(i, -1.0, rp, rc, w, cnt, opened, slot_of, gain, loss, extra)


@njit(cache=True)
def _mc_restore(
    j: int,
    moves: int,
    cp: NDArray[np.int64],
    cr: NDArray[np.int64],
    rp: NDArray[np.int64],
    rc: NDArray[np.int64],
    w: NDArray[np.float64],
    cnt: NDArray[np.int64],
    opened: NDArray[np.bool_],
    slot_of: NDArray[np.int64],
    gain: NDArray[np.float64],
    loss: NDArray[np.float64],
    extra: NDArray[np.float64],
    stamp: NDArray[np.int64],
) -> None:
    """Add back the move values of column ``j``'s rows retracted this move (in place)."""
    for t in range(cp[j], cp[j + 1]):
        i = cr[t]
        if stamp[i] == moves:
            stamp[i] = -2 - moves
            _mc_row_update(i, 1.0, rp, rc, w, cnt, opened, slot_of, gain, loss, extra)
