"""Arcs between the cells of a walking surface, and the CSR of cells plus extra arcs.

Array-level, no region: :func:`grid_arcs` turns a :class:`~access.friction.Surface` into the
CSR of cell-to-cell moves (8 or 16 neighbours) with seconds per move (a numba loop over the
cells calling :func:`access.offroad_kernel.move_cost`, the definition the grid-aware search
shares); :func:`merge_csr` appends a few extra arcs (roads,
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

from typing import Any

import numpy as np
from numba import njit

from access.friction import Surface, tobler_kph
from access.offroad_kernel import grid_csr_kernel

__all__ = ["OFFSETS", "grid_arcs", "merge_csr", "move_args"]

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
        ``float32`` seconds. Impassable cells have no arcs. The weights are those the
        grid-aware search computes on the fly (one definition,
        :func:`access.offroad_kernel.move_cost`).
    """
    return grid_csr_kernel(*move_args(surface, reverse=reverse))  # type: ignore[no-any-return]


def move_args(surface: Surface, *, reverse: bool = False) -> tuple[Any, ...]:
    """The arguments the kernels of :mod:`access.offroad_kernel` take for ``surface``.

    ``(flat, elev, has_elev, drs, dcs, dists, t0, max_slope32, reverse)``: the per-cell
    float32 arrays, the moves (row and column steps,
    float32 lengths in metres), Tobler's flat speed, the cliff slope as float32 and the
    direction.
    """
    offsets = np.array(OFFSETS[: surface.neighbours], np.int64)
    dists = (surface.cell_m * np.hypot(offsets[:, 0], offsets[:, 1])).astype(np.float32)
    elev = surface.elevation_m
    return (
        np.ascontiguousarray(surface.flat_s_per_m, np.float32),
        np.ascontiguousarray(elev, np.float32)
        if elev is not None
        else np.zeros((1, 1), np.float32),
        elev is not None,
        offsets[:, 0].copy(),
        offsets[:, 1].copy(),
        dists,
        float(tobler_kph(np.array([0.0]))[0]),
        np.float32(surface.max_slope),
        bool(reverse),
    )


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
