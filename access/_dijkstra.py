"""Numba kernels: binary-heap Dijkstra over CSR arrays.

Private module; the public wrappers are in :mod:`access.engine` (``multi_source_dijkstra``,
``bounded_one_to_many``). Every kernel is ``nogil`` so the wrappers can run several searches
at once on Python threads, and compiled with ``cache=True`` so the JIT cost is paid once per
machine.

Heaps are "lazy": a node is pushed again whenever its tentative cost improves and stale
entries are skipped when popped, so a heap never holds more than ``seeds + arcs`` entries.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__: list[str] = []


@njit(cache=True, nogil=True)
def _push(hk, hv, size, key, val):  # type: ignore[no-untyped-def]
    i = size
    hk[i] = key
    hv[i] = val
    while i > 0:
        parent = (i - 1) >> 1
        if hk[parent] <= key:
            break
        hk[i] = hk[parent]
        hv[i] = hv[parent]
        i = parent
    hk[i] = key
    hv[i] = val
    return size + 1


@njit(cache=True, nogil=True)
def _pop(hk, hv, size):  # type: ignore[no-untyped-def]
    key = hk[0]
    val = hv[0]
    size -= 1
    if size > 0:
        lk = hk[size]
        lv = hv[size]
        i = 0
        while True:
            c = 2 * i + 1
            if c >= size:
                break
            if c + 1 < size and hk[c + 1] < hk[c]:
                c += 1
            if hk[c] >= lk:
                break
            hk[i] = hk[c]
            hv[i] = hv[c]
            i = c
        hk[i] = lk
        hv[i] = lv
    return key, val, size


@njit(cache=True, nogil=True)
def multi_source_kernel(  # type: ignore[no-untyped-def]
    indptr, indices, weights, lengths, seed_nodes, seed_cost, seed_len, seed_label, limit
):
    """One Dijkstra from many seeds; returns (dist, length, label, pred_arc)."""
    n = indptr.shape[0] - 1
    dist = np.full(n, np.inf)
    dlen = np.full(n, np.nan)
    label = np.full(n, -1, np.int32)
    pred = np.full(n, -1, np.int64)
    cap = indices.shape[0] + seed_nodes.shape[0] + 1
    hk = np.empty(cap, np.float64)
    hv = np.empty(cap, np.int32)
    size = 0
    for i in range(seed_nodes.shape[0]):
        s = seed_nodes[i]
        c = seed_cost[i]
        if c < dist[s] and c <= limit:
            dist[s] = c
            dlen[s] = seed_len[i]
            label[s] = seed_label[i]
            pred[s] = -1
            size = _push(hk, hv, size, c, s)
    while size > 0:
        d, u, size = _pop(hk, hv, size)
        if d > dist[u]:
            continue
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
                size = _push(hk, hv, size, nd, v)
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
):
    """Bounded searches from each source in ``src_list``; sparse (src, tgt, cost, len) out.

    Source ``s`` starts from nodes ``src_nodes[src_ptr[s]:src_ptr[s+1]]`` with initial
    costs. Target slots hang off nodes (``tgt_ptr`` is a CSR over nodes): reaching node
    ``x`` at cost ``d`` offers target ``tgt_ids[k]`` the cost ``d + tgt_cost[k]``. Only
    pairs with cost <= ``limit`` are written. Work arrays are allocated once per call and
    reset through touched lists, so each search costs what it explores.
    """
    n = indptr.shape[0] - 1
    dist = np.full(n, np.inf)
    dlen = np.zeros(n)
    touched = np.empty(n, np.int32)
    best = np.full(n_targets, np.inf)
    bestlen = np.zeros(n_targets)
    ttouched = np.empty(n_targets, np.int32)
    max_seeds = 0
    for s in src_list:
        k = src_ptr[s + 1] - src_ptr[s]
        if k > max_seeds:
            max_seeds = k
    cap = indices.shape[0] + max_seeds + 1
    hk = np.empty(cap, np.float64)
    hv = np.empty(cap, np.int32)
    out_cap = 1 << 16
    o_src = np.empty(out_cap, np.int32)
    o_tgt = np.empty(out_cap, np.int32)
    o_val = np.empty(out_cap, np.float64)
    o_len = np.empty(out_cap, np.float64)
    n_out = 0
    n_slots = tgt_ids.shape[0]
    for s in src_list:
        size = 0
        nt = 0
        ntt = 0
        slots_done = 0
        for i in range(src_ptr[s], src_ptr[s + 1]):
            x = src_nodes[i]
            c = src_cost[i]
            if c <= limit and c < dist[x]:
                if dist[x] == np.inf:
                    touched[nt] = x
                    nt += 1
                dist[x] = c
                dlen[x] = src_len[i]
                size = _push(hk, hv, size, c, x)
        while size > 0:
            d, u, size = _pop(hk, hv, size)
            if d > dist[u]:
                continue
            lu = dlen[u]
            for k in range(tgt_ptr[u], tgt_ptr[u + 1]):
                t = tgt_ids[k]
                c = d + tgt_cost[k]
                slots_done += 1
                if c <= limit and c < best[t]:
                    if best[t] == np.inf:
                        ttouched[ntt] = t
                        ntt += 1
                    best[t] = c
                    bestlen[t] = lu + tgt_len[k]
            if stop_when_all_found and slots_done >= n_slots:
                break
            for a in range(indptr[u], indptr[u + 1]):
                v = indices[a]
                nd = d + weights[a]
                if nd <= limit and nd < dist[v]:
                    if dist[v] == np.inf:
                        touched[nt] = v
                        nt += 1
                    dist[v] = nd
                    dlen[v] = lu + lengths[a]
                    size = _push(hk, hv, size, nd, v)
        if n_out + ntt > out_cap:
            while n_out + ntt > out_cap:
                out_cap *= 2
            o_src2 = np.empty(out_cap, np.int32)
            o_tgt2 = np.empty(out_cap, np.int32)
            o_val2 = np.empty(out_cap, np.float64)
            o_len2 = np.empty(out_cap, np.float64)
            o_src2[:n_out] = o_src[:n_out]
            o_tgt2[:n_out] = o_tgt[:n_out]
            o_val2[:n_out] = o_val[:n_out]
            o_len2[:n_out] = o_len[:n_out]
            o_src = o_src2
            o_tgt = o_tgt2
            o_val = o_val2
            o_len = o_len2
        for i in range(ntt):
            t = ttouched[i]
            o_src[n_out] = s
            o_tgt[n_out] = t
            o_val[n_out] = best[t]
            o_len[n_out] = bestlen[t]
            n_out += 1
            best[t] = np.inf
        for i in range(nt):
            dist[touched[i]] = np.inf
    return o_src[:n_out].copy(), o_tgt[:n_out].copy(), o_val[:n_out].copy(), o_len[:n_out].copy()
