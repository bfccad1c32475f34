"""Numba kernels: binary-heap Dijkstra over CSR arrays, and chain contraction.

The array-level wrappers are in :mod:`access.search` (``multi_source_dijkstra``,
``bounded_one_to_many``) and :mod:`access.graph` (``contract_chains``). Every kernel is
``nogil`` so the wrappers can run several searches at once on Python threads, and compiled
with ``cache=True`` so the JIT cost is paid once per machine. The public kernels allocate
their own work arrays and return their results; only the small ``_private`` helpers they
inline write into work arrays handed to them.

The searches' heaps are 4-ary and *indexed*: ``pos`` remembers where each node sits, so an
improved node moves up in place (decrease-key) instead of being pushed again. A heap then never
holds more than one entry per node and a search pops each node it settles once: on the terminal
core (average degree 9) that took a third off the searches' time against the "lazy" heap
(stale entries skipped when popped), which :mod:`access.contraction` still uses.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = [
    "bounded_cost_kernel",
    "bounded_kernel",
    "contract_chains",
    "heap_pop",
    "heap_push",
    "iheap_pop",
    "iheap_update",
    "multi_source_kernel",
]


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
        size, nt = _seed(
            s, src_ptr, src_nodes, src_cost, src_cost, limit, dist, dist, touched, hk, hv, pos
        )  # no lengths: the "length" written at the seeds is the cost itself
        ntt = 0
        while size > 0:
            d, u, size = iheap_pop(hk, hv, pos, size)
            ntt = _offer_cost(u, d, tgt_ptr, tgt_ids, tgt_cost, limit, best, ttouched, ntt)
            size, nt = _relax(
                u, d, 0.0, indptr, indices, weights, weights, limit, False, dist, dist,
                touched, nt, hk, hv, pos, size,
            )  # fmt: skip
        if n_out + ntt > out_cap:
            while n_out + ntt > out_cap:
                out_cap *= 2
            o_src, o_tgt, o_val, _ = _grow(o_src, o_tgt, o_val, o_val, n_out, out_cap)
        n_out = _flush(s, ntt, ttouched, best, o_src, o_tgt, o_val, n_out)
        _reset(nt, touched, dist, pos)
    return o_src[:n_out].copy(), o_tgt[:n_out].copy(), o_val[:n_out].copy()


@njit(cache=True, nogil=True)
def contract_chains(indptr, indices, weights, lengths, r_indptr, r_indices):  # type: ignore[no-untyped-def]
    """Contract chains of pass-through nodes (shape points) into single arcs.

    A node is a pass-through node when it has one in-arc and one out-arc from/to two
    different neighbours (one-way chain), or exactly two neighbours a, b with arcs both ways
    to each (two-way chain). Chains that form closed loops keep their nodes.

    Parameters
    ----------
    indptr, indices, weights, lengths
        Forward CSR graph with arc costs and lengths.
    r_indptr, r_indices
        The reversed CSR (tails of each node's in-arcs).

    Returns
    -------
    tuple
        ``core`` (kept nodes), the contracted arcs ``a_src, a_dst, a_w, a_len`` between
        kept nodes, ``fwd_node, fwd_cost, fwd_len`` (the kept nodes each node reaches along
        its chain, ``(n, 2)``), ``bwd_node, bwd_cost, bwd_len`` (the kept nodes that reach
        it), ``arc_chain`` (the chain walk each input arc belongs to) and ``arc_pre_cost,
        arc_pre_len`` (cost and length from the walk's start to the arc's tail). Kept nodes
        have themselves at cost 0 in slot 0.

    Examples
    --------
    >>> indptr = np.array([0, 1, 2, 2]); indices = np.array([1, 2])
    >>> w = np.array([1.0, 2.0]); r_indptr = np.array([0, 0, 1, 2]); r_idx = np.array([0, 1])
    >>> out = contract_chains(indptr, indices, w, w, r_indptr, r_idx)
    >>> out[0].tolist(), out[1].tolist(), out[2].tolist(), out[3].tolist()
    ([True, False, True], [0], [2], [3.0])
    """
    n = indptr.shape[0] - 1
    core = _pass_through(indptr, indices, r_indptr, r_indices)
    fwd_node = np.full((n, 2), -1, np.int64)
    fwd_cost = np.zeros((n, 2))
    fwd_len = np.zeros((n, 2))
    bwd_node = np.full((n, 2), -1, np.int64)
    bwd_cost = np.zeros((n, 2))
    bwd_len = np.zeros((n, 2))
    m = indices.shape[0]
    a_src = np.empty(m, np.int64)
    a_dst = np.empty(m, np.int64)
    a_w = np.empty(m)
    a_len = np.empty(m)
    arc_chain = np.full(m, -1, np.int64)
    arc_pre_cost = np.zeros(m)
    arc_pre_len = np.zeros(m)
    k = 0
    for _ in range(2):  # second pass only when closed loops were found
        k, seen = _walk_chains(
            core, indptr, indices, weights, lengths, fwd_node, fwd_cost, fwd_len,
            bwd_node, bwd_cost, bwd_len, a_src, a_dst, a_w, a_len, arc_chain,
            arc_pre_cost, arc_pre_len,
        )  # fmt: skip
        loops = False
        for x in range(n):
            if not core[x] and not seen[x]:
                core[x] = True
                loops = True
        if not loops:
            break
    for x in range(n):
        if core[x]:
            fwd_node[x, 0] = x
            fwd_node[x, 1] = -1
            bwd_node[x, 0] = x
            bwd_node[x, 1] = -1
            fwd_cost[x, 0] = 0.0
            bwd_cost[x, 0] = 0.0
            fwd_len[x, 0] = 0.0
            bwd_len[x, 0] = 0.0
    return (
        core,
        a_src[:k].copy(),
        a_dst[:k].copy(),
        a_w[:k].copy(),
        a_len[:k].copy(),
        fwd_node,
        fwd_cost,
        fwd_len,
        bwd_node,
        bwd_cost,
        bwd_len,
        arc_chain,
        arc_pre_cost,
        arc_pre_len,
    )


# ---------------------------------------------------------------------------------------
# heap


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


@njit(cache=True, nogil=True, inline="always")
def _offer_cost(u, d, tgt_ptr, tgt_ids, tgt_cost, limit, best, ttouched, ntt):  # type: ignore[no-untyped-def]
    """:func:`_offer` without lengths; returns the number of targets touched."""
    for k in range(tgt_ptr[u], tgt_ptr[u + 1]):
        t = tgt_ids[k]
        c = d + tgt_cost[k]
        if c <= limit and c < best[t]:
            if best[t] == np.inf:
                ttouched[ntt] = t
                ntt += 1
            best[t] = c
    return ntt


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


# ---------------------------------------------------------------------------------------
# steps of the chain contraction


@njit(cache=True, nogil=True)
def _pass_through(indptr, indices, r_indptr, r_indices):  # type: ignore[no-untyped-def]
    """Mask of the nodes to keep: ``False`` for pass-through nodes of a chain."""
    n = indptr.shape[0] - 1
    core = np.ones(n, np.bool_)
    for x in range(n):
        od = indptr[x + 1] - indptr[x]
        idg = r_indptr[x + 1] - r_indptr[x]
        if od == 1 and idg == 1:
            a = r_indices[r_indptr[x]]
            b = indices[indptr[x]]
            if a != b and a != x and b != x:
                core[x] = False
        elif od == 2 and idg == 2:
            o1 = indices[indptr[x]]
            o2 = indices[indptr[x] + 1]
            i1 = r_indices[r_indptr[x]]
            i2 = r_indices[r_indptr[x] + 1]
            if (
                o1 != o2
                and o1 != x
                and o2 != x
                and ((i1 == o1 and i2 == o2) or (i1 == o2 and i2 == o1))
            ):
                core[x] = False
    return core


@njit(cache=True, nogil=True)
def _walk_chains(  # type: ignore[no-untyped-def]
    core, indptr, indices, weights, lengths, fwd_node, fwd_cost, fwd_len, bwd_node, bwd_cost,
    bwd_len, a_src, a_dst, a_w, a_len, arc_chain, arc_pre_cost, arc_pre_len,
):  # fmt: skip
    """Walk every chain out of every kept node, filling the output arrays.

    Returns the number of contracted arcs written and the mask of pass-through nodes seen.
    """
    n = indptr.shape[0] - 1
    buf = np.empty(n + 1, np.int64)
    pc = np.empty(n + 1)
    pl = np.empty(n + 1)
    nslot_f = np.zeros(n, np.int64)
    nslot_b = np.zeros(n, np.int64)
    seen = np.zeros(n, np.bool_)
    k = 0
    ch = 0
    for s in range(n):
        if not core[s]:
            continue
        for a0 in range(indptr[s], indptr[s + 1]):
            cur, cost, ln, nb = _follow(
                s, a0, ch, core, indptr, indices, weights, lengths, arc_chain, arc_pre_cost,
                arc_pre_len, seen, buf, pc, pl,
            )  # fmt: skip
            for i in range(nb):
                x = buf[i]
                j = nslot_b[x]
                if j < 2:
                    bwd_node[x, j] = s
                    bwd_cost[x, j] = pc[i]
                    bwd_len[x, j] = pl[i]
                    nslot_b[x] = j + 1
                j = nslot_f[x]
                if j < 2:
                    fwd_node[x, j] = cur
                    fwd_cost[x, j] = cost - pc[i]
                    fwd_len[x, j] = ln - pl[i]
                    nslot_f[x] = j + 1
            ch += 1
            if cur != s:
                a_src[k] = s
                a_dst[k] = cur
                a_w[k] = cost
                a_len[k] = ln
                k += 1
    return k, seen


@njit(cache=True, nogil=True, inline="always")
def _follow(  # type: ignore[no-untyped-def]
    s, a0, ch, core, indptr, indices, weights, lengths, arc_chain, arc_pre_cost, arc_pre_len,
    seen, buf, pc, pl,
):  # fmt: skip
    """Follow chain ``ch`` from kept node ``s`` along arc ``a0`` to the next kept node.

    Records the chain's pass-through nodes in ``buf`` (with the cost and length to each in
    ``pc``, ``pl``); returns (end node, cost, length, number of pass-through nodes).
    """
    n = indptr.shape[0] - 1
    arc_chain[a0] = ch
    arc_pre_cost[a0] = 0.0
    arc_pre_len[a0] = 0.0
    cost = weights[a0]
    ln = lengths[a0]
    prev = s
    cur = indices[a0]
    nb = 0
    while not core[cur] and nb <= n:
        seen[cur] = True
        buf[nb] = cur
        pc[nb] = cost
        pl[nb] = ln
        nb += 1
        nxt = -1
        for a in range(indptr[cur], indptr[cur + 1]):
            if indices[a] != prev or indptr[cur + 1] - indptr[cur] == 1:
                nxt = a
                break
        arc_chain[nxt] = ch
        arc_pre_cost[nxt] = cost
        arc_pre_len[nxt] = ln
        cost += weights[nxt]
        ln += lengths[nxt]
        prev = cur
        cur = indices[nxt]
    return cur, cost, ln, nb
