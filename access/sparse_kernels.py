"""Numba kernel: (row, col, value) entries to a CSR matrix in linear time, keeping minima.

A national coverage matrix has tens of millions of entries; sorting them with
``np.lexsort`` took longer than the searches on the terminal core. :func:`coo_min_csr`
sorts the entries with two stable counting sorts (by column, then by row: a radix sort with
two digits), then keeps the smallest value of every repeated pair in one pass. Same result
as :func:`access.search.min_duplicates` followed by :func:`access.search.csr_keep_zeros`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["coo_min_csr"]


@njit(cache=True, nogil=True)
def coo_min_csr(rows, cols, vals, n_rows):  # type: ignore[no-untyped-def]
    """CSR arrays of the entries, columns sorted within rows, repeated pairs at their min.

    Parameters
    ----------
    rows, cols
        Integer row and column of each entry (``0 <= row < n_rows``, ``col >= 0``).
    vals
        ``float64`` values; explicit zeros are kept.
    n_rows
        Number of rows.

    Returns
    -------
    indptr, indices, data
        ``int64`` offsets, columns (of ``cols``' dtype) and ``float64`` values.

    Examples
    --------
    >>> ip, ix, v = coo_min_csr(np.array([1, 0, 1, 1]), np.array([2, 0, 0, 2]),
    ...                         np.array([5.0, 0.0, 1.0, 3.0]), 2)
    >>> ip.tolist(), ix.tolist(), v.tolist()
    ([0, 1, 3], [0, 0, 2], [0.0, 1.0, 3.0])
    """
    m = rows.shape[0]
    n_cols = 0
    for i in range(m):
        if cols[i] >= n_cols:
            n_cols = cols[i] + 1
    # pass 1: stable counting sort by column
    cstart = np.zeros(n_cols + 1, np.int64)
    for i in range(m):
        cstart[cols[i] + 1] += 1
    for c in range(n_cols):
        cstart[c + 1] += cstart[c]
    by_col = np.empty(m, np.int64)
    for i in range(m):
        c = cols[i]
        by_col[cstart[c]] = i
        cstart[c] += 1
    # pass 2: stable counting sort by row (columns stay ascending within a row)
    start = np.zeros(n_rows + 1, np.int64)
    for i in range(m):
        start[rows[i] + 1] += 1
    for r in range(n_rows):
        start[r + 1] += start[r]
    fill = start[:-1].copy()
    c_b = np.empty(m, cols.dtype)
    v_b = np.empty(m, np.float64)
    for j in range(m):
        i = by_col[j]
        r = rows[i]
        c_b[fill[r]] = cols[i]
        v_b[fill[r]] = vals[i]
        fill[r] += 1
    # one pass: repeated (row, col) pairs are adjacent; keep their minimum
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
    return indptr, c_b[:k].copy(), v_b[:k].copy()
