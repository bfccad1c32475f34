"""Lagrangian bounds of the p-median and the MCLP, and the variable fixing they allow.

Both heuristics report a gap against a Lagrangian bound found by subgradient optimisation:
:func:`pm_lagrangian_bound` relaxes the p-median's assignment constraints (a lower bound),
:func:`mc_lagrangian_bound` the MCLP's coverage constraints (an upper bound). At the best
multipliers, :func:`fix_by_bound` tells which sites are open or closed in every solution
better than the incumbent, so that the MILP that closes the gap is a small one.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

__all__ = [
    "LAGRANGE_ITERATIONS",
    "fix_by_bound",
    "mc_lagrangian_bound",
    "pm_initial_multipliers",
    "pm_lagrangian_bound",
]

#: Subgradient iterations of a Lagrangian bound (a deterministic work limit).
LAGRANGE_ITERATIONS = 600


def fix_by_bound(
    values: NDArray[np.float64], p: int, base: float, threshold: float
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Lagrangian variable fixing for a minimisation choosing the ``p`` smallest ``values``.

    With the Lagrangian value ``L = base + (sum of the p smallest values)``, forcing site j
    open (when not among the ``p`` smallest) bounds the objective by ``L - o[p-1] + v_j``, and
    forcing it closed (when among them) by ``L - v_j + o[p]`` (``o`` sorted ascending). When
    that bound exceeds ``threshold`` (the value a strictly better solution must beat), the
    site is closed (``ban``) or open (``force``) in every better solution. A maximisation uses
    it with every quantity negated.

    Parameters
    ----------
    values
        Lagrangian value of each free site.
    p
        Number of free sites to open, ``0 < p < values.size``.
    base
        The Lagrangian value without the site terms.
    threshold
        Value a better solution must beat.

    Returns
    -------
    ban, force : numpy.ndarray
        Free sites closed / open in every better solution.

    Examples
    --------
    >>> import numpy as np
    >>> ban, force = fix_by_bound(np.array([-5.0, -1.0, 0.0]), 1, 10.0, 8.0)
    >>> ban.tolist(), force.tolist()
    ([False, True, True], [True, False, False])
    """
    o = np.sort(values)
    lval = base + float(o[:p].sum())
    ban = (lval - o[p - 1] + values) > threshold
    force = (lval - values + o[p]) > threshold
    return ban, force


def pm_initial_multipliers(
    ip: NDArray[np.int64], dv: NDArray[np.float64], w: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Starting multipliers of the p-median bound.

    Each row starts at the weighted cost of its second-nearest candidate: a cheap,
    well-scaled guess (the optimum lies between nearest and assigned).
    """
    n = ip.size - 1
    lens = np.diff(ip)
    second = np.where(lens > 1, ip[:-1] + 1, ip[:-1])
    return w * dv[np.minimum(second, ip[1:] - 1)] if n else np.zeros(0)


@njit(cache=True)
def pm_lagrangian_bound(
    ip: NDArray[np.int64],
    ix: NDArray[np.int64],
    dv: NDArray[np.float64],
    w: NDArray[np.float64],
    fixed_mask: NDArray[np.bool_],
    p: int,
    exact: bool,
    ub: float,
    lam: NDArray[np.float64],
    max_iter: int,
    granularity: float,
) -> tuple[float, NDArray[np.float64]]:
    """Subgradient optimisation of the Lagrangian relaxing the p-median's assignments.

    ``L(lam) = sum_i lam_i + sum_{j open} rho_j`` with ``rho_j = sum_i min(0, w_i c_ij -
    lam_i)``, fixed columns always open and the ``p`` most negative free ``rho_j`` opened.

    Parameters
    ----------
    ip, ix, dv
        Pairs in CSR form, each row sorted by cost.
    w
        Demand weight per row.
    fixed_mask
        Columns always open.
    p
        Free columns to open (at most ``p`` when not ``exact``).
    exact
        Exactly ``p`` (True) or at most ``p`` (a budget: only negative ``rho_j`` open).
    ub
        Objective of the incumbent (the target of the step size).
    lam
        Starting multipliers (not changed).
    max_iter
        Iteration limit.
    granularity
        Stop once the bound is within this of ``ub`` (1 for integral data).

    Returns
    -------
    bound : float
        Best lower bound found.
    lam : numpy.ndarray
        Its multipliers.
    """
    n = ip.size - 1
    lam = lam.copy()
    best = -np.inf
    best_lam = lam.copy()
    f = 2.0
    stall = 0
    free_idx = np.flatnonzero(~fixed_mask)
    for it in range(max_iter):
        rho = _pm_rho(ip, ix, dv, w, lam, fixed_mask.size)
        val, sel = _pm_open_best(rho, lam, fixed_mask, free_idx, p, exact)
        if it == 0 or val > best + 1e-12 * max(1.0, abs(best)):
            best = val
            best_lam[:] = lam
            stall = 0
        else:
            f, stall = _slow_down(f, stall)
        if ub - best < max(granularity, 1e-9 * max(1.0, abs(ub))) or f < 1e-4:
            break
        g, norm = _pm_subgradient(ip, ix, dv, w, lam, sel)
        if norm == 0.0:
            break
        step = f * (ub - val) / norm
        for i in range(n):
            lam[i] = max(0.0, lam[i] + step * g[i])
    return best, best_lam


@njit(cache=True)
def mc_lagrangian_bound(
    cp: NDArray[np.int64],
    cr: NDArray[np.int64],
    w: NDArray[np.float64],
    p: int,
    lb: float,
    lam: NDArray[np.float64],
    max_iter: int,
) -> tuple[float, NDArray[np.float64]]:
    """Upper bound of the MCLP by subgradient optimisation of its Lagrangian.

    ``min over lam in [0, w] of sum_i (w_i - lam_i) + (top-p column sums of lam)``.

    Parameters
    ----------
    cp, cr
        Rows covered by each column (CSC).
    w
        Weight of each row.
    p
        Columns to open.
    lb
        Objective of the incumbent (the target of the step size).
    lam
        Starting multipliers (not changed).
    max_iter
        Iteration limit.

    Returns
    -------
    bound : float
        Best upper bound found.
    lam : numpy.ndarray
        Its multipliers.
    """
    n = w.size
    lam = lam.copy()
    best = np.inf
    best_lam = lam.copy()
    f = 2.0
    stall = 0
    for it in range(max_iter):
        val, cnt = _mc_value(cp, cr, w, p, lam)
        if it == 0 or val < best - 1e-12 * max(1.0, abs(best)):
            best = val
            best_lam[:] = lam
            stall = 0
        else:
            f, stall = _slow_down(f, stall)
        if best - lb <= 1e-9 * max(1.0, abs(lb)) or f < 1e-4:
            break
        g, norm = _mc_subgradient(w, lam, cnt)
        if norm == 0.0:
            break
        step = f * (val - lb) / norm
        for i in range(n):
            lam[i] = min(w[i], max(0.0, lam[i] - step * g[i]))
    return best, best_lam


@njit(cache=True)
def _slow_down(f: float, stall: int) -> tuple[float, int]:
    """One more iteration without progress; halve the step factor after 20 of them."""
    stall += 1
    if stall >= 20:
        return f * 0.5, 0
    return f, stall


@njit(cache=True)
def _pm_rho(
    ip: NDArray[np.int64],
    ix: NDArray[np.int64],
    dv: NDArray[np.float64],
    w: NDArray[np.float64],
    lam: NDArray[np.float64],
    m: int,
) -> NDArray[np.float64]:
    """``rho_j = sum_i min(0, w_i c_ij - lam_i)`` per column."""
    rho = np.zeros(m)
    for i in range(ip.size - 1):
        for e in range(ip[i], ip[i + 1]):
            v = w[i] * dv[e] - lam[i]
            if v >= 0.0:
                break
            rho[ix[e]] += v
    return rho


@njit(cache=True)
def _pm_open_best(
    rho: NDArray[np.float64],
    lam: NDArray[np.float64],
    fixed_mask: NDArray[np.bool_],
    free_idx: NDArray[np.int64],
    p: int,
    exact: bool,
) -> tuple[float, NDArray[np.bool_]]:
    """Lagrangian value and the columns it opens: fixed ones and the p most negative free."""
    m = fixed_mask.size
    val = lam.sum()
    sel = fixed_mask.copy()
    for j in range(m):
        if fixed_mask[j]:
            val += rho[j]
    if p > 0 and free_idx.size > 0:
        order = np.argsort(rho[free_idx])
        for t in range(min(p, free_idx.size)):
            j = free_idx[order[t]]
            if not exact and rho[j] >= 0.0:
                break
            sel[j] = True
            val += rho[j]
    return val, sel


@njit(cache=True)
def _pm_subgradient(
    ip: NDArray[np.int64],
    ix: NDArray[np.int64],
    dv: NDArray[np.float64],
    w: NDArray[np.float64],
    lam: NDArray[np.float64],
    sel: NDArray[np.bool_],
) -> tuple[NDArray[np.float64], float]:
    """Subgradient ``1 - (open columns row i is assigned to)`` and its squared norm."""
    n = ip.size - 1
    g = np.empty(n)
    norm = 0.0
    for i in range(n):
        cnt = 0.0
        for e in range(ip[i], ip[i + 1]):
            if w[i] * dv[e] - lam[i] >= 0.0:
                break
            if sel[ix[e]]:
                cnt += 1.0
        g[i] = 1.0 - cnt
        norm += g[i] * g[i]
    return g, norm


@njit(cache=True)
def _mc_value(
    cp: NDArray[np.int64],
    cr: NDArray[np.int64],
    w: NDArray[np.float64],
    p: int,
    lam: NDArray[np.float64],
) -> tuple[float, NDArray[np.float64]]:
    """Lagrangian value of the MCLP and how often each row is covered by the chosen columns."""
    n = w.size
    m = cp.size - 1
    colsum = np.empty(m)
    for j in range(m):
        acc = 0.0
        for t in range(cp[j], cp[j + 1]):
            acc += lam[cr[t]]
        colsum[j] = acc
    order = np.argsort(-colsum)
    val = 0.0
    for i in range(n):
        val += w[i] - lam[i]
    cnt = np.zeros(n)
    for t in range(min(p, m)):
        j = order[t]
        val += colsum[j]
        for u in range(cp[j], cp[j + 1]):
            cnt[cr[u]] += 1.0
    return val, cnt


@njit(cache=True)
def _mc_subgradient(
    w: NDArray[np.float64], lam: NDArray[np.float64], cnt: NDArray[np.float64]
) -> tuple[NDArray[np.float64], float]:
    """``dL/dlam_i = cnt_i - 1`` projected onto ``lam`` in ``[0, w]``, and its squared norm."""
    n = w.size
    g = np.empty(n)
    norm = 0.0
    for i in range(n):
        gi = cnt[i] - 1.0
        if (lam[i] <= 0.0 and gi > 0.0) or (lam[i] >= w[i] and gi < 0.0):
            gi = 0.0
        g[i] = gi
        norm += gi * gi
    return g, norm
