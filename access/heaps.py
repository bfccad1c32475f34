"""Numba 4-ary min-heaps of the searches: *indexed* (decrease-key) and *lazy*.

The indexed heap (:func:`iheap_update`, :func:`iheap_pop`) remembers each node's slot in
``pos``, so an improved node moves up in place and each settled node is popped once; the
searches of :mod:`access.kernels` use it. The lazy heap (:func:`heap_push`, :func:`heap_pop`)
pushes a node again when its key changes and leaves the stale copies to the caller; the
contraction of :mod:`access.contraction` uses it, since its priorities may also rise. Both
are ``inline="always"`` helpers over caller-owned arrays (``hk`` keys, ``hv`` values).
"""

from __future__ import annotations

from numba import njit

__all__ = ["heap_pop", "heap_push", "iheap_pop", "iheap_update"]


@njit(cache=True, nogil=True, inline="always")
def heap_push(hk, hv, size, key, val):  # type: ignore[no-untyped-def]
    """Push ``(key, val)`` on the 4-ary min-heap ``(hk, hv)``; returns the new size."""
    i = size
    while i > 0:
        parent = (i - 1) >> 2
        pk = hk[parent]
        if pk <= key:
            break
        hk[i] = pk
        hv[i] = hv[parent]
        i = parent
    hk[i] = key
    hv[i] = val
    return size + 1


@njit(cache=True, nogil=True, inline="always")
def heap_pop(hk, hv, size):  # type: ignore[no-untyped-def]
    """Pop the minimum of a 4-ary min-heap stored in (hk, hv)."""
    key = hk[0]
    val = hv[0]
    size -= 1
    if size > 0:
        lk = hk[size]
        lv = hv[size]
        i = 0
        while 4 * i + 1 < size:
            best, bk = _min_child(hk, 4 * i + 1, size)
            if bk >= lk:
                break
            hk[i] = bk
            hv[i] = hv[best]
            i = best
        hk[i] = lk
        hv[i] = lv
    return key, val, size


@njit(cache=True, nogil=True, inline="always")
def _min_child(hk, c, size):  # type: ignore[no-untyped-def]
    """Slot and key of the smallest of the (up to 4) children starting at slot ``c``."""
    best = c
    bk = hk[c]
    end = c + 4 if c + 4 <= size else size
    for j in range(c + 1, end):
        if hk[j] < bk:
            bk = hk[j]
            best = j
    return best, bk


@njit(cache=True, nogil=True, inline="always")
def iheap_update(hk, hv, pos, size, key, val):  # type: ignore[no-untyped-def]
    """Insert ``val`` at ``key`` in an indexed 4-ary min-heap, or lower its key in place.

    ``pos[val]`` is ``val``'s slot (``-1`` when it is not in the heap). The key must not
    rise. Returns the new size.
    """
    i = pos[val]
    if i < 0:
        i = size
        size += 1
    while i > 0:
        parent = (i - 1) >> 2
        pk = hk[parent]
        if pk <= key:
            break
        hk[i] = pk
        w = hv[parent]
        hv[i] = w
        pos[w] = i
        i = parent
    hk[i] = key
    hv[i] = val
    pos[val] = i
    return size


@njit(cache=True, nogil=True, inline="always")
def iheap_pop(hk, hv, pos, size):  # type: ignore[no-untyped-def]
    """Pop the minimum of an indexed 4-ary min-heap; its ``pos`` becomes ``-1``."""
    key = hk[0]
    val = hv[0]
    pos[val] = -1
    size -= 1
    if size > 0:
        lk = hk[size]
        lv = hv[size]
        i = 0
        while 4 * i + 1 < size:
            best, bk = _min_child(hk, 4 * i + 1, size)
            if bk >= lk:
                break
            hk[i] = bk
            w = hv[best]
            hv[i] = w
            pos[w] = i
            i = best
        hk[i] = lk
        hv[i] = lv
        pos[lv] = i
    return key, val, size
