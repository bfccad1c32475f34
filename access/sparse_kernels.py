"""Numba kernel: (row, col, value) entries to a CSR matrix in linear time, keeping minima.

A national coverage matrix has tens of millions of entries; sorting them with
``np.lexsort`` took longer than the searches on the terminal core. :func:`coo_min_csr`
buckets the entries by row (a counting sort), then sorts each short row by column and keeps
the smallest value of every repeated pair. Same result as
:func:`access.search.min_duplicates` followed by :func:`access.search.csr_keep_zeros`.
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
        ``int64`` row and column of each entry (``0 <= row < n_rows``).
    vals
        ``float64`` values; explicit zeros are kept.
    n_rows
        Number of rows.

    Returns
    -------
    indptr, indices, data
        ``int64`` offsets, ``int64`` columns and ``float64`` values.

    Examples
    --------
    >>> ip, ix, v = coo_min_csr(np.array([1, 0, 1, 1]), np.array([2, 0, 0, 2]),
    ...                         np.array([5.0, 0.0, 1.0, 3.0]), 2)
    >>> ip.tolist(), ix.tolist(), v.tolist()
    ([0, 1, 3], [0, 0, 2], [0.0, 1.0, 3.0])
    """
    m = rows.shape[0]
    start = np.zeros(n_rows + 1, np.int64)
    for i in range(m):
        start[rows[i] + 1] += 1
    for r in range(n_rows):
        start[r + 1] += start[r]
    fill = start[:-1].copy()
    c_b = np.empty(m, np.int64)
    v_b = np.empty(m, np.float64)
    for i in range(m):
        r = rows[i]
        c_b[fill[r]] = cols[i]
        v_b[fill[r]] = vals[i]
        fill[r] += 1
    indptr = np.zeros(n_rows + 1, np.int64)
    k = 0
    for r in range(n_rows):
        a, b = start[r], start[r + 1]
        if b > a:
            order = np.argsort(c_b[a:b], kind="mergesort")
            cs = c_b[a:b][order]
            vs = v_b[a:b][order]
            c_b[k] = cs[0]
            v_b[k] = vs[0]
            k += 1
            for j in range(1, b - a):
                if cs[j] == c_b[k - 1]:
                    if vs[j] < v_b[k - 1]:
                        v_b[k - 1] = vs[j]
                else:
                    c_b[k] = cs[j]
                    v_b[k] = vs[j]
                    k += 1
        indptr[r + 1] = k
    return indptr, c_b[:k].copy(), v_b[:k].copy()
