"""The reachable (demand, candidate) pairs every model works on, and the sets they cover.

:class:`CostPairs` holds a cost matrix as sorted rows of reachable pairs (nearest first);
:class:`CoverSets` restricts it to the pairs within a radius, for the covering models.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numba import njit
from numpy.typing import NDArray

__all__ = [
    "CostPairs",
    "CoverSets",
    "append_penalty_column",
    "cut_rows",
    "drop_columns",
    "first_open",
    "nearest_open",
    "sort_rows",
    "take_rows",
]


@dataclass(frozen=True)
class CostPairs:
    """Reachable (row, column) pairs, CSR, each row sorted by (cost, column).

    Parameters
    ----------
    n_rows, n_cols
        Shape of the cost matrix (demand rows x candidate columns).
    indptr
        Row ``i`` holds the pairs ``indptr[i]:indptr[i + 1]``.
    indices
        Column of each pair.
    data
        Cost of each pair (finite, ``>= 0``).
    """

    n_rows: int
    n_cols: int
    indptr: NDArray[np.int64]
    indices: NDArray[np.int64]
    data: NDArray[np.float64]


@dataclass(frozen=True)
class CoverSets:
    """Coverage restricted to rows still to cover and to free candidates.

    Rows: positive weight, not covered by a fixed site, coverable by some free candidate.
    Columns: the candidates that are not fixed, renumbered ``0..n_free - 1``.

    Parameters
    ----------
    n_rows, n_free, nnz
        Reduced rows, free columns, covering pairs.
    rows
        Original row of each reduced row.
    free_cols
        Original column of each reduced column.
    w
        Weight of each reduced row.
    row_ptr, row_cols
        Columns covering each row (CSR).
    col_ptr, col_rows
        Rows covered by each column (CSC).
    base
        Weight covered by the fixed sites.
    coverable
        Weight of the reduced rows.
    uncoverable_rows
        Original rows of positive weight that no candidate covers.
    """

    n_rows: int
    n_free: int
    nnz: int
    rows: NDArray[np.int64]
    free_cols: NDArray[np.int64]
    w: NDArray[np.float64]
    row_ptr: NDArray[np.int64]
    row_cols: NDArray[np.int64]
    col_ptr: NDArray[np.int64]
    col_rows: NDArray[np.int64]
    base: float
    coverable: float
    uncoverable_rows: NDArray[np.int64]

    @staticmethod
    def build(
        pairs: CostPairs, w: NDArray[np.float64], fixed_idx: NDArray[np.int64], radius: float
    ) -> CoverSets:
        """The coverage sets of ``pairs`` within ``radius``, with ``fixed_idx`` open.

        Parameters
        ----------
        pairs
            The reachable pairs.
        w
            Weight of each demand row.
        fixed_idx
            Columns already open.
        radius
            A pair covers when its cost is ``<= radius``.

        Returns
        -------
        CoverSets
        """
        n, m = pairs.n_rows, pairs.n_cols
        erow = np.repeat(np.arange(n, dtype=np.int64), np.diff(pairs.indptr))
        inside = pairs.data <= radius
        r, c = erow[inside], pairs.indices[inside]
        fixed_mask = np.zeros(m, dtype=np.bool_)
        fixed_mask[fixed_idx] = True
        by_fixed = np.zeros(n, dtype=np.bool_)
        by_fixed[r[fixed_mask[c]]] = True
        any_cov = np.zeros(n, dtype=np.bool_)
        any_cov[r] = True
        pos = w > 0
        keep_row = pos & ~by_fixed & any_cov
        free_cols = np.flatnonzero(~fixed_mask)
        col_map = np.full(m, -1, dtype=np.int64)
        col_map[free_cols] = np.arange(free_cols.size)
        row_map = np.full(n, -1, dtype=np.int64)
        rows = np.flatnonzero(keep_row)
        row_map[rows] = np.arange(rows.size)
        sel = keep_row[r] & ~fixed_mask[c]
        rr, cc = row_map[r[sel]], col_map[c[sel]]
        a = sp.csr_array(
            (np.ones(rr.size, dtype=np.int8), (rr, cc)), shape=(rows.size, free_cols.size)
        )
        a.sum_duplicates()
        a.sort_indices()
        at = sp.csc_array(a)
        at.sort_indices()
        wr = w[rows]
        return CoverSets(
            n_rows=int(rows.size),
            n_free=int(free_cols.size),
            nnz=int(a.nnz),
            rows=rows,
            free_cols=free_cols,
            w=wr,
            row_ptr=a.indptr.astype(np.int64),
            row_cols=a.indices.astype(np.int64),
            col_ptr=at.indptr.astype(np.int64),
            col_rows=at.indices.astype(np.int64),
            base=float(w[by_fixed].sum()),
            coverable=float(wr.sum()),
            uncoverable_rows=np.flatnonzero(pos & ~any_cov),
        )


def take_rows(pairs: CostPairs, rows: NDArray[np.int64]) -> CostPairs:
    """The pairs of the given rows only, in that order."""
    starts, ends = pairs.indptr[rows], pairs.indptr[rows + 1]
    lens = ends - starts
    indptr = np.zeros(rows.size + 1, dtype=np.int64)
    np.cumsum(lens, out=indptr[1:])
    pos = np.repeat(starts - indptr[:-1], lens) + np.arange(indptr[-1])
    return CostPairs(int(rows.size), pairs.n_cols, indptr, pairs.indices[pos], pairs.data[pos])


def append_penalty_column(pairs: CostPairs, penalty: float) -> CostPairs:
    """Add column ``n_cols`` at cost ``penalty`` to every row (after ties), keep rows sorted."""
    n, m = pairs.n_rows, pairs.n_cols
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(pairs.indptr))
    rows = np.concatenate([rows, np.arange(n, dtype=np.int64)])
    cols = np.concatenate([pairs.indices, np.full(n, m, dtype=np.int64)])
    vals = np.concatenate([pairs.data, np.full(n, penalty)])
    order = np.lexsort((cols, vals, rows))
    indptr = pairs.indptr + np.arange(n + 1, dtype=np.int64)
    return CostPairs(n, m + 1, indptr, cols[order], vals[order])


def nearest_open(
    pairs: CostPairs, open_mask: NDArray[np.bool_], limit: float
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Cost to, and column of, each row's nearest open site within ``limit`` (inf, -1: none)."""
    dist, site = first_open(pairs.indptr, pairs.indices, pairs.data, open_mask, limit)
    return dist, site


@njit(cache=True)
def first_open(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int64],
    data: NDArray[np.float64],
    open_mask: NDArray[np.bool_],
    limit: float,
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """First open column of each sorted row, within ``limit``.

    Parameters
    ----------
    indptr, indices, data
        Pairs in CSR form, each row sorted by cost.
    open_mask
        Open columns.
    limit
        Largest cost that counts.

    Returns
    -------
    dist : numpy.ndarray
        Cost to the nearest open column of each row (``inf`` when none within ``limit``).
    site : numpy.ndarray
        That column (-1 when none).
    """
    n = indptr.size - 1
    dist = np.full(n, np.inf)
    site = np.full(n, -1, dtype=np.int64)
    for i in range(n):
        for e in range(indptr[i], indptr[i + 1]):
            if data[e] > limit:
                break
            if open_mask[indices[e]]:
                dist[i] = data[e]
                site[i] = indices[e]
                break
    return dist, site


@njit(cache=True)
def sort_rows(
    indptr: NDArray[np.int64], cols: NDArray[np.int64], vals: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Sort each row segment by cost; ties keep the (ascending) column order.

    Parameters
    ----------
    indptr
        Row ``i`` holds the entries ``indptr[i]:indptr[i + 1]``.
    cols, vals
        Column and cost of each entry, columns ascending within a row.

    Returns
    -------
    cols, vals : numpy.ndarray
        New arrays, each row sorted by cost (stable).
    """
    out_c = np.empty_like(cols)
    out_v = np.empty_like(vals)
    for i in range(indptr.size - 1):
        a, b = indptr[i], indptr[i + 1]
        order = np.argsort(vals[a:b], kind="mergesort")
        for t in range(b - a):
            out_c[a + t] = cols[a + order[t]]
            out_v[a + t] = vals[a + order[t]]
    return out_c, out_v


def drop_columns(pairs: CostPairs, ban: NDArray[np.bool_]) -> CostPairs:
    """The pairs without the banned columns' entries (rows stay sorted)."""
    keep = ~ban[pairs.indices]
    lens = np.bincount(
        np.repeat(np.arange(pairs.n_rows, dtype=np.int64), np.diff(pairs.indptr))[keep],
        minlength=pairs.n_rows,
    )
    indptr = np.zeros(pairs.n_rows + 1, dtype=np.int64)
    np.cumsum(lens, out=indptr[1:])
    return CostPairs(pairs.n_rows, pairs.n_cols, indptr, pairs.indices[keep], pairs.data[keep])


def cut_rows(pairs: CostPairs, fixed_mask: NDArray[np.bool_], keep_free: int) -> CostPairs:
    """Cut each sorted row after its first fixed column or its ``keep_free``-th free column.

    A row is never served beyond its nearest always-open site, and with exactly ``p`` free
    sites open one of its ``n_free - p + 1`` nearest free candidates is always open.
    """
    lens = _row_cut(pairs.indptr, pairs.indices, fixed_mask, keep_free)
    keep = np.repeat(lens, np.diff(pairs.indptr)) > (
        np.arange(pairs.indices.size) - np.repeat(pairs.indptr[:-1], np.diff(pairs.indptr))
    )
    indptr = np.zeros(pairs.n_rows + 1, dtype=np.int64)
    np.cumsum(lens, out=indptr[1:])
    return CostPairs(pairs.n_rows, pairs.n_cols, indptr, pairs.indices[keep], pairs.data[keep])


@njit(cache=True)
def _row_cut(
    indptr: NDArray[np.int64],
    indices: NDArray[np.int64],
    fixed_mask: NDArray[np.bool_],
    keep_free: int,
) -> NDArray[np.int64]:
    """Length of each row once cut (see :func:`cut_rows`).

    Parameters
    ----------
    indptr, indices
        Pairs in CSR form, each row sorted by cost.
    fixed_mask
        Always-open columns.
    keep_free
        Free columns to keep per row at most.

    Returns
    -------
    numpy.ndarray
        Entries to keep at the start of each row.
    """
    n = indptr.size - 1
    lens = np.zeros(n, dtype=np.int64)
    for i in range(n):
        cnt = 0
        for e in range(indptr[i], indptr[i + 1]):
            cnt += 1
            # every entry counted before a fixed one is free, so cnt counts free entries
            if fixed_mask[indices[e]] or cnt >= keep_free:
                break
        lens[i] = cnt
    return lens
