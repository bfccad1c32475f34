"""Arcs between the cells of a walking surface, and the CSR of cells plus extra arcs.

Array-level, no region: :func:`grid_arcs` turns a :class:`~access.friction.Surface` into the
CSR of cell-to-cell moves (8 or 16 neighbours) with seconds per move, built with numpy over
whole arrays (no loop over cells); :func:`merge_csr` appends a few extra arcs (roads,
connectors) to it. Formulas are in ``docs/travel_model.md``.

Cost of a move from cell ``a`` to cell ``b`` at horizontal distance ``D``::

    flat  = D x mean(flat_s_per_m of the cells the move passes through)
    slope = (h_b - h_a) / D                       (when a DEM is given)
    cost  = flat x tobler_kph(0) / tobler_kph(slope)

A move is impossible when any cell it passes through is impassable (a diagonal move also
needs both cells beside it passable, so a barrier one cell thick is never crossed at a
corner; a knight's move passes through the two cells its line crosses) or ``|slope|`` is
above ``max_slope``.

Examples
--------
>>> from access.friction import surface_from_arrays
>>> s = surface_from_arrays(np.ones((1, 3)), cell_m=10.0, neighbours=8)
>>> indptr, indices, w = grid_arcs(s)
>>> indptr.tolist(), indices.tolist(), w.tolist()
([0, 1, 3, 4], [1, 0, 2, 1], [10.0, 10.0, 10.0, 10.0])
"""

from __future__ import annotations

import numpy as np
from numba import njit

from access.friction import Surface, tobler_kph

__all__ = ["OFFSETS", "grid_arcs", "merge_csr"]

#: ``(d_row, d_col)`` of the moves: the 8 king's moves, then the 8 knight's moves.
OFFSETS: tuple[tuple[int, int], ...] = (
    (-1, 0),
    (0, -1),
    (0, 1),
    (1, 0),
    (-1, -1),
    (-1, 1),
    (1, -1),
    (1, 1),
    (-2, -1),
    (-2, 1),
    (-1, -2),
    (-1, 2),
    (1, -2),
    (1, 2),
    (2, -1),
    (2, 1),
)


def grid_arcs(
    surface: Surface, *, reverse: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The CSR of moves between the cells of ``surface``.

    Parameters
    ----------
    surface
        The walking surface.
    reverse
        Build the reversed graph: the arc ``a -> b`` carries the cost of moving ``b -> a``
        (searches *to* a place run on it).

    Returns
    -------
    indptr, indices, weight_s
        ``int64`` offsets over the cells (flat index, row-major), ``int32`` heads and
        ``float32`` seconds. Impassable cells have no arcs.
    """
    rows, cols = surface.shape
    pad = 2
    flat = np.full((rows + 2 * pad, cols + 2 * pad), np.inf, np.float32)
    flat[pad:-pad, pad:-pad] = surface.flat_s_per_m
    elev = None
    if surface.elevation_m is not None:
        elev = np.zeros_like(flat)
        elev[pad:-pad, pad:-pad] = surface.elevation_m
    offsets = OFFSETS[: surface.neighbours]
    t0 = float(tobler_kph(np.array([0.0]))[0])
    weights = np.empty((rows * cols, len(offsets)), np.float32)
    for k, (dr, dc) in enumerate(offsets):  # 8 or 16 whole-array steps
        weights[:, k] = _move_cost(
            flat,
            elev,
            dr,
            dc,
            pad=pad,
            cell_m=surface.cell_m,
            t0=t0,
            max_slope=surface.max_slope,
            reverse=reverse,
        ).ravel()
    ok = np.isfinite(weights)
    indptr = np.zeros(rows * cols + 1, np.int64)
    np.cumsum(ok.sum(axis=1), out=indptr[1:])
    step = np.array([dr * cols + dc for dr, dc in offsets], np.int64)
    cell = np.arange(rows * cols, dtype=np.int64)[:, None]
    indices = (cell + step[None, :])[ok].astype(np.int32)
    return indptr, indices, weights[ok]


def merge_csr(
    indptr: np.ndarray,
    indices: np.ndarray,
    weights: np.ndarray,
    n_nodes: int,
    tail: np.ndarray,
    head: np.ndarray,
    weight: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A CSR over ``n_nodes`` holding the arcs of a smaller CSR plus extra ``tail -> head`` arcs.

    Parameters
    ----------
    indptr, indices, weights
        CSR over the first ``indptr.size - 1`` nodes.
    n_nodes
        Nodes of the result (at least those of the CSR and every tail and head).
    tail, head, weight
        Extra arcs.

    Returns
    -------
    indptr, indices, weights
        ``int64``, ``int32``, ``float32``; each node's arcs from the CSR, then its extras.

    Examples
    --------
    >>> ip, ix, w = merge_csr(np.array([0, 1, 1]), np.array([1], np.int32), np.array([2.0]),
    ...                       3, np.array([2, 0]), np.array([0, 2]), np.array([5.0, 7.0]))
    >>> ip.tolist(), ix.tolist(), w.tolist()
    ([0, 2, 2, 3], [1, 2, 0], [2.0, 7.0, 5.0])
    """
    tail = np.asarray(tail, np.int64)
    order = np.argsort(tail, kind="stable")
    t, h, w = tail[order], np.asarray(head, np.int32)[order], np.asarray(weight, np.float32)[order]
    n_base = indptr.size - 1
    counts = np.bincount(t, minlength=n_nodes).astype(np.int64)
    counts[:n_base] += np.diff(indptr)
    out_ptr = np.zeros(n_nodes + 1, np.int64)
    np.cumsum(counts, out=out_ptr[1:])
    extra_ptr = np.zeros(n_nodes + 1, np.int64)
    np.cumsum(np.bincount(t, minlength=n_nodes), out=extra_ptr[1:])
    out_ix = np.empty(out_ptr[-1], np.int32)
    out_w = np.empty(out_ptr[-1], np.float32)
    _merge_kernel(
        np.asarray(indptr, np.int64),
        np.asarray(indices, np.int32),
        np.asarray(weights, np.float32),
        extra_ptr,
        h,
        w,
        out_ptr,
        out_ix,
        out_w,
    )
    return out_ptr, out_ix, out_w


# ---------------------------------------------------------------------------------------


def _shift(a: np.ndarray, dr: int, dc: int, pad: int) -> np.ndarray:
    """``a[r + dr, c + dc]`` for every inner cell ``(r, c)`` of a padded array."""
    rows, cols = a.shape[0] - 2 * pad, a.shape[1] - 2 * pad
    return a[pad + dr : pad + dr + rows, pad + dc : pad + dc + cols]


def _move_cost(
    flat: np.ndarray,
    elev: np.ndarray | None,
    dr: int,
    dc: int,
    *,
    pad: int,
    cell_m: float,
    t0: float,
    max_slope: float,
    reverse: bool,
) -> np.ndarray:
    """Seconds of the move ``(dr, dc)`` from every cell (``inf`` when impossible)."""
    dist = cell_m * float(np.hypot(dr, dc))
    a, b = _shift(flat, 0, 0, pad), _shift(flat, dr, dc, pad)
    if abs(dr) == 1 and abs(dc) == 1:  # diagonal: no corner cutting
        side = np.maximum(_shift(flat, dr, 0, pad), _shift(flat, 0, dc, pad))
        mean = np.where(np.isfinite(side), (a + b) / 2.0, np.inf)
    elif abs(dr) + abs(dc) == 3:  # knight's move: the two cells its line crosses
        sr, sc = int(np.sign(dr)), int(np.sign(dc))
        if abs(dr) == 2:
            c1, c2 = _shift(flat, sr, 0, pad), _shift(flat, sr, dc, pad)
        else:
            c1, c2 = _shift(flat, 0, sc, pad), _shift(flat, dr, sc, pad)
        mean = (a + b + c1 + c2) / 4.0
    else:
        mean = (a + b) / 2.0
    cost = (dist * mean).astype(np.float32)
    if elev is not None:
        rise = _shift(elev, dr, dc, pad) - _shift(elev, 0, 0, pad)
        slope = (-rise if reverse else rise) / dist
        factor = t0 / tobler_kph(slope)
        cost = np.where(np.abs(slope) <= max_slope, cost * factor, np.inf).astype(np.float32)
    return cost


@njit(cache=True, nogil=True)
def _merge_kernel(indptr, indices, weights, extra_ptr, h, w, out_ptr, out_ix, out_w):  # type: ignore[no-untyped-def]
    n_base = indptr.shape[0] - 1
    n = out_ptr.shape[0] - 1
    for u in range(n):
        pos = out_ptr[u]
        if u < n_base:
            for a in range(indptr[u], indptr[u + 1]):
                out_ix[pos] = indices[a]
                out_w[pos] = weights[a]
                pos += 1
        for a in range(extra_ptr[u], extra_ptr[u + 1]):
            out_ix[pos] = h[a]
            out_w[pos] = w[a]
            pos += 1
