"""Numba kernels: heap Dijkstra over CSR arrays (one multi-source, many bounded).

The array-level wrappers are in :mod:`access.search` (``multi_source_dijkstra``,
``bounded_one_to_many``). Every kernel is ``nogil`` so the wrappers can run several searches
at once on Python threads, and compiled with ``cache=True`` so the JIT cost is paid once per
machine. The public kernels allocate their own work arrays and return their results; only
the small ``_private`` helpers they inline write into work arrays handed to them.

The searches' heaps are 4-ary and *indexed* (:mod:`access.heaps`): ``pos`` remembers where
each node sits, so an improved node moves up in place (decrease-key) instead of being pushed
again. A heap then never holds more than one entry per node and a search pops each node it
settles once: on the terminal core (average degree 10) that took a third off the searches'
time against the "lazy" heap (stale entries skipped when popped). Chain contraction is in
:mod:`access.chain_kernels`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from access.heaps import iheap_pop, iheap_update

__all__ = ["bounded_cost_kernel", "bounded_kernel", "multi_source_kernel"]


@njit(cache=True, nogil=True)
def multi_source_kernel(  # type: ignore[no-untyped-def]
    indptr, indices, weights, lengths, seed_nodes, seed_cost, seed_len, seed_label, limit
):
    """One Dijkstra from many seeds at once.

    Parameters
    ----------
    indptr, indices, weights, lengths
        CSR graph (``int64`` offsets, ``int32`` heads, ``float64`` costs and lengths).
    seed_nodes, seed_cost, seed_len, seed_label
        Start nodes, their initial cost and length, and the label each carries.
    limit
        Nodes farther than this cost stay unreached.

    Returns
    -------
    dist, length, label, pred
        Per node: best cost (``inf`` unreached), length along that path (NaN unreached),
        label of its seed (``-1``) and the last arc of the path (``-1`` at seeds/unreached).

    Examples
    --------
    >>> indptr = np.array([0, 1, 2, 2]); indices = np.array([1, 2], np.int32)
    >>> w = np.array([1.0, 2.0]); one = np.zeros(1)
    >>> d, ln, lab, pred = multi_source_kernel(
    ...     indptr, indices, w, w, np.array([0], np.int32), one, one,
    ...     np.array([7], np.int32), np.inf)
    >>> d.tolist(), lab.tolist(), pred.tolist()
    ([0.0, 1.0, 3.0], [7, 7, 7], [-1, 0, 1])
    """
    n = indptr.shape[0] - 1
    dist = np.full(n, np.inf)
    dlen = np.full(n, np.nan)
    label = np.full(n, -1, np.int32)
    pred = np.full(n, -1, np.int64)
    hk = np.empty(n + 1, np.float64)
    hv = np.empty(n + 1, np.int32)
    pos = np.full(n, -1, np.int32)
    size = 0
    for i in range(seed_nodes.shape[0]):
        s = seed_nodes[i]
        c = seed_cost[i]
        if c < dist[s] and c <= limit:
            dist[s] = c
            dlen[s] = seed_len[i]
            label[s] = seed_label[i]
            pred[s] = -1
            size = iheap_update(hk, hv, pos, size, c, s)
    while size > 0:
        d, u, size = iheap_pop(hk, hv, pos, size)
        lu = dlen[u]
        lab = label[u]
        for a in range(indptr[u], indptr[u + 1]):
            v = indices[a]
            nd = d + weights[a]
            if nd < dist[v] and nd <= limit:
                dist[v] = nd
                dlen[v] = lu + lengths[a]
                label[v] = lab
                pred[v] = a
                size = iheap_update(hk, hv, pos, size, nd, v)
    return dist, dlen, label, pred


@njit(cache=True, nogil=True)
def bounded_kernel(  # type: ignore[no-untyped-def]
    indptr,
    indices,
    weights,
    lengths,
    src_list,
    src_ptr,
    src_nodes,
    src_cost,
    src_len,
    tgt_ptr,
    tgt_ids,
    tgt_cost,
    tgt_len,
    n_targets,
    limit,
    stop_when_all_found,
    want_len,
):
    """Bounded searches from each source in ``src_list``; sparse results.

    Source ``s`` starts from nodes ``src_nodes[src_ptr[s]:src_ptr[s+1]]`` with initial
    costs. Target slots hang off nodes (``tgt_ptr`` is a CSR over nodes): reaching node
    ``x`` at cost ``d`` offers target ``tgt_ids[k]`` the cost ``d + tgt_cost[k]``. Only
    pairs with cost <= ``limit`` are written. Work arrays are allocated once per call and
    reset through touched lists, so each search costs what it explores.

    Parameters
    ----------
    indptr, indices, weights, lengths
        CSR graph (``int64`` offsets, ``int32`` heads, ``float64`` costs and lengths).
    src_list
        Source items to search from (``int64``).
    src_ptr, src_nodes, src_cost, src_len
        Sources as a CSR over items: start nodes with initial cost and length.
    tgt_ptr, tgt_ids, tgt_cost, tgt_len
        Target slots as a CSR over nodes: target id, extra cost and length.
    n_targets
        Number of target ids.
    limit
        Cut-off cost (inclusive).
    stop_when_all_found
        Stop a search once every target slot was offered a cost.
    want_len
        Sum ``lengths`` along the paths (otherwise the lengths are the targets' only).

    Returns
    -------
    src, tgt, cost, length
        One entry per (source, target) pair found within ``limit``.

    Examples
    --------
    >>> indptr = np.array([0, 1, 2, 2]); indices = np.array([1, 2], np.int32)
    >>> w = np.array([1.0, 2.0]); z3 = np.zeros(3)
    >>> s, t, c, ln = bounded_kernel(
    ...     indptr, indices, w, w, np.array([0]), np.array([0, 1]), np.array([0], np.int32),
    ...     np.zeros(1), np.zeros(1), np.arange(4), np.arange(3, dtype=np.int32), z3, z3,
    ...     3, 1.5, False, True)
    >>> t.tolist(), c.tolist()
    ([0, 1], [0.0, 1.0])
    """
    n = indptr.shape[0] - 1
    dist, touched, best, ttouched, hk, hv, pos = _work_arrays(n, n_targets)
    dlen = np.zeros(n)
    bestlen = np.zeros(n_targets)
    out_cap = 1 << 16
    o_src = np.empty(out_cap, np.int32)
    o_tgt = np.empty(out_cap, np.int32)
    o_val = np.empty(out_cap, np.float64)
    o_len = np.empty(out_cap, np.float64)
    n_out = 0
    n_slots = tgt_ids.shape[0]
    for s in src_list:
        size, nt = _seed(
            s, src_ptr, src_nodes, src_cost, src_len, limit, dist, dlen, touched, hk, hv, pos
        )
        ntt = 0
        slots_done = 0
        while size > 0:
            d, u, size = iheap_pop(hk, hv, pos, size)
            lu = dlen[u]
            ntt, offered = _offer(
                u, d, lu, tgt_ptr, tgt_ids, tgt_cost, tgt_len, limit, best, bestlen, ttouched, ntt
            )
            slots_done += offered
            if stop_when_all_found and slots_done >= n_slots:
                break
            size, nt = _relax(
                u, d, lu, indptr, indices, weights, lengths, limit, want_len, dist, dlen,
                touched, nt, hk, hv, pos, size,
            )  # fmt: skip
        if n_out + ntt > out_cap:
            while n_out + ntt > out_cap:
                out_cap *= 2
            o_src, o_tgt, o_val, o_len = _grow(o_src, o_tgt, o_val, o_len, n_out, out_cap)
        for i in range(ntt):
            o_len[n_out + i] = bestlen[ttouched[i]]
        n_out = _flush(s, ntt, ttouched, best, o_src, o_tgt, o_val, n_out)
        _reset(nt, touched, dist, pos)
    return o_src[:n_out].copy(), o_tgt[:n_out].copy(), o_val[:n_out].copy(), o_len[:n_out].copy()


@njit(cache=True, nogil=True)
def bounded_cost_kernel(  # type: ignore[no-untyped-def]
    indptr,
    indices,
    weights,
    src_list,
    src_ptr,
    src_nodes,
    src_cost,
    tgt_ptr,
    tgt_ids,
    tgt_cost,
    n_targets,
    limit,
):
    """:func:`bounded_kernel` for costs only: no lengths, no early stop.

    The coverage matrices' searches. Carrying no path lengths saves a third of the time on
    the terminal core (one array fewer read and written per node, one per target).

    Returns
    -------
    src, tgt, cost
        One entry per (source, target) pair found within ``limit``.

    Examples
    --------
    >>> indptr = np.array([0, 1, 2, 2]); indices = np.array([1, 2], np.int32)
    >>> w = np.array([1.0, 2.0])
    >>> s, t, c = bounded_cost_kernel(
    ...     indptr, indices, w, np.array([0]), np.array([0, 1]), np.array([0], np.int32),
    ...     np.zeros(1), np.arange(4), np.arange(3, dtype=np.int32), np.zeros(3), 3, 1.5)
    >>> t.tolist(), c.tolist()
    ([0, 1], [0.0, 1.0])
    """
    n = indptr.shape[0] - 1
    dist, touched, best, ttouched, hk, hv, pos = _work_arrays(n, n_targets)
    out_cap = 1 << 16
    o_src = np.empty(out_cap, np.int32)
    o_tgt = np.empty(out_cap, np.int32)
    o_val = np.empty(out_cap, np.float64)
    n_out = 0
    for s in src_list:
        # its own seed, offer and relax loops: the general kernel's steps with the lengths
        # switched off made these searches 20 % slower
        size = 0
        nt = 0
        for i in range(src_ptr[s], src_ptr[s + 1]):
            x = src_nodes[i]
            c = src_cost[i]
            if c <= limit and c < dist[x]:
                if dist[x] == np.inf:
                    touched[nt] = x
                    nt += 1
                dist[x] = c
                size = iheap_update(hk, hv, pos, size, c, x)
        ntt = 0
        while size > 0:
            d, u, size = iheap_pop(hk, hv, pos, size)
            for k in range(tgt_ptr[u], tgt_ptr[u + 1]):
                t = tgt_ids[k]
                c = d + tgt_cost[k]
                if c <= limit and c < best[t]:
                    if best[t] == np.inf:
                        ttouched[ntt] = t
                        ntt += 1
                    best[t] = c
            for a in range(indptr[u], indptr[u + 1]):
                v = indices[a]
                nd = d + weights[a]
                dv = dist[v]
                if nd <= limit and nd < dv:
                    if dv == np.inf:
                        touched[nt] = v
                        nt += 1
                    dist[v] = nd
                    size = iheap_update(hk, hv, pos, size, nd, v)
        if n_out + ntt > out_cap:
            while n_out + ntt > out_cap:
                out_cap *= 2
            o_src, o_tgt, o_val, _ = _grow(o_src, o_tgt, o_val, o_val, n_out, out_cap)
        n_out = _flush(s, ntt, ttouched, best, o_src, o_tgt, o_val, n_out)
        _reset(nt, touched, dist, pos)
    return o_src[:n_out].copy(), o_tgt[:n_out].copy(), o_val[:n_out].copy()


# ---------------------------------------------------------------------------------------
# steps of the bounded search (write into the caller's work arrays)


@njit(cache=True, nogil=True, inline="always")
def _seed(s, src_ptr, src_nodes, src_cost, src_len, limit, dist, dlen, touched, hk, hv, pos):  # type: ignore[no-untyped-def]
    """Put source item ``s``'s start nodes on an empty heap; returns (heap size, touched)."""
    size = 0
    nt = 0
    for i in range(src_ptr[s], src_ptr[s + 1]):
        x = src_nodes[i]
        c = src_cost[i]
        if c <= limit and c < dist[x]:
            if dist[x] == np.inf:
                touched[nt] = x
                nt += 1
            dist[x] = c
            dlen[x] = src_len[i]
            size = iheap_update(hk, hv, pos, size, c, x)
    return size, nt


@njit(cache=True, nogil=True, inline="always")
def _offer(u, d, lu, tgt_ptr, tgt_ids, tgt_cost, tgt_len, limit, best, bestlen, ttouched, ntt):  # type: ignore[no-untyped-def]
    """Offer the targets hanging off settled node ``u``; returns (touched, slots seen)."""
    for k in range(tgt_ptr[u], tgt_ptr[u + 1]):
        t = tgt_ids[k]
        c = d + tgt_cost[k]
        if c <= limit and c < best[t]:
            if best[t] == np.inf:
                ttouched[ntt] = t
                ntt += 1
            best[t] = c
            bestlen[t] = lu + tgt_len[k]
    return ntt, tgt_ptr[u + 1] - tgt_ptr[u]


@njit(cache=True, nogil=True, inline="always")
def _relax(  # type: ignore[no-untyped-def]
    u,
    d,
    lu,
    indptr,
    indices,
    weights,
    lengths,
    limit,
    want_len,
    dist,
    dlen,
    touched,
    nt,
    hk,
    hv,
    pos,
    size,
):
    """Relax the out-arcs of settled node ``u``; returns (heap size, touched)."""
    for a in range(indptr[u], indptr[u + 1]):
        v = indices[a]
        nd = d + weights[a]
        dv = dist[v]
        if nd <= limit and nd < dv:
            if dv == np.inf:
                touched[nt] = v
                nt += 1
            dist[v] = nd
            if want_len:
                dlen[v] = lu + lengths[a]
            size = iheap_update(hk, hv, pos, size, nd, v)
    return size, nt


@njit(cache=True, nogil=True)
def _work_arrays(n, n_targets):  # type: ignore[no-untyped-def]
    """A bounded search's labels, touched lists and indexed heap (reset between searches)."""
    return (
        np.full(n, np.inf),
        np.empty(n, np.int32),
        np.full(n_targets, np.inf),
        np.empty(n_targets, np.int32),
        np.empty(n + 1, np.float64),
        np.empty(n + 1, np.int32),
        np.full(n, -1, np.int32),
    )


@njit(cache=True, nogil=True, inline="always")
def _flush(s, ntt, ttouched, best, o_src, o_tgt, o_val, n_out):  # type: ignore[no-untyped-def]
    """Write source ``s``'s targets found (room known to exist), reset them; new count."""
    for i in range(ntt):
        t = ttouched[i]
        o_src[n_out] = s
        o_tgt[n_out] = t
        o_val[n_out] = best[t]
        n_out += 1
        best[t] = np.inf
    return n_out


@njit(cache=True, nogil=True, inline="always")
def _reset(nt, touched, dist, pos):  # type: ignore[no-untyped-def]
    """Forget the labels and heap slots of the nodes a search touched."""
    for i in range(nt):
        x = touched[i]
        dist[x] = np.inf
        pos[x] = -1  # nodes left in the heap when a search stopped early


@njit(cache=True, nogil=True)
def _grow(o_src, o_tgt, o_val, o_len, n_out, cap):  # type: ignore[no-untyped-def]
    """Copies of the output buffers with room for ``cap`` entries."""
    s = np.empty(cap, np.int32)
    t = np.empty(cap, np.int32)
    v = np.empty(cap, np.float64)
    ln = np.empty(cap, np.float64)
    s[:n_out] = o_src[:n_out]
    t[:n_out] = o_tgt[:n_out]
    v[:n_out] = o_val[:n_out]
    ln[:n_out] = o_len[:n_out]
    return s, t, v, ln
