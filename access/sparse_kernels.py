"""Numba kernel: (row, col, value) entries to a CSR matrix in linear time, keeping minima.

A national coverage matrix has tens of millions of entries; sorting them with
``np.lexsort`` took longer than the searches on the terminal core. :func:`coo_min_csr_two`
sorts the entries with two stable counting sorts (by column, then by row: a radix sort with
two digits), then keeps the smallest value of every repeated pair in one pass. Same result
as :func:`access.search.min_duplicates` followed by :func:`access.search.csr_keep_zeros`.
It takes the entries in two batches (the searches' tens of millions and a few extra pairs),
so the big one is never copied to append the small one.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["coo_min_csr_two"]


@njit(cache=True, nogil=True)
def coo_min_csr_two(rows, cols, vals, rows2, cols2, vals2, n_rows):  # type: ignore[no-untyped-def]
    """CSR of two batches of entries: columns sorted within rows, repeated pairs at their min.

    Parameters
    ----------
    rows, cols, rows2, cols2
        Integer row and column of each entry of each batch (``0 <= row < n_rows``,
        ``col >= 0``; both batches of one dtype).
    vals, vals2
        ``float64`` values; explicit zeros are kept.
    n_rows
        Number of rows.

    Returns
    -------
    indptr, indices, data
        ``int64`` offsets, columns (of ``cols``' dtype) and ``float64`` values.

    Examples
    --------
    >>> ip, ix, v = coo_min_csr_two(np.array([1, 0]), np.array([2, 0]), np.array([5.0, 0.0]),
    ...                             np.array([1, 1]), np.array([0, 2]), np.array([1.0, 3.0]), 2)
    >>> ip.tolist(), ix.tolist(), v.tolist()
    ([0, 1, 3], [0, 0, 2], [0.0, 1.0, 3.0])
    """
    m1 = rows.shape[0]
    m = m1 + rows2.shape[0]
    n_cols = 0
    for i in range(m1):
        n_cols = max(n_cols, cols[i] + 1)
    for i in range(m - m1):
        n_cols = max(n_cols, cols2[i] + 1)
    # pass 1: stable counting sort by column (entry numbers; batch 2 follows batch 1)
    cstart = _starts(cols, cols2, n_cols)
    by_col = np.empty(m, np.int64)
    for i in range(m1):
        c = cols[i]
        by_col[cstart[c]] = i
        cstart[c] += 1
    for i in range(m - m1):
        c = cols2[i]
        by_col[cstart[c]] = m1 + i
        cstart[c] += 1
    # pass 2: stable counting sort by row (columns stay ascending within a row)
    start = _starts(rows, rows2, n_rows)
    fill = start[:-1].copy()
    c_b = np.empty(m, cols.dtype)
    v_b = np.empty(m, np.float64)
    for j in range(m):
        i = by_col[j]
        if i < m1:
            r, c, v = rows[i], cols[i], vals[i]
        else:
            r, c, v = rows2[i - m1], cols2[i - m1], vals2[i - m1]
        c_b[fill[r]] = c
        v_b[fill[r]] = v
        fill[r] += 1
    indptr, k = _keep_min(start, c_b, v_b)
    return indptr, c_b[:k].copy(), v_b[:k].copy()


@njit(cache=True, nogil=True)
def _starts(keys, keys2, size):  # type: ignore[no-untyped-def]
    """Where each key's entries start once sorted (counts of both batches, summed up)."""
    start = np.zeros(size + 1, np.int64)
    for i in range(keys.shape[0]):
        start[keys[i] + 1] += 1
    for i in range(keys2.shape[0]):
        start[keys2[i] + 1] += 1
    for r in range(size):
        start[r + 1] += start[r]
    return start


@njit(cache=True, nogil=True)
def _keep_min(start, c_b, v_b):  # type: ignore[no-untyped-def]
    """Fold the adjacent repeats of each row's sorted columns into their minimum, in place.

    Returns the CSR offsets and the number of entries kept.
    """
    n_rows = start.shape[0] - 1
    indptr = np.zeros(n_rows + 1, np.int64)
    k = 0
    for r in range(n_rows):
        for j in range(start[r], start[r + 1]):
            if k > indptr[r] and c_b[j] == c_b[k - 1]:
                if v_b[j] < v_b[k - 1]:
                    v_b[k - 1] = v_b[j]
            else:
                c_b[k] = c_b[j]
                v_b[k] = v_b[j]
                k += 1
        indptr[r + 1] = k
    return indptr, k
