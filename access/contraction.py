"""Numba kernel of the terminal core: contract every non-terminal node it can, CH fashion.

:func:`contract_to_terminals` takes a directed CSR graph and a mask of *terminal* nodes (the
nodes searches start from or report at) and removes non-terminal nodes one at a time,
cheapest first. Removing node ``x`` adds, for every in-neighbour ``u`` and out-neighbour
``w``, the shortcut ``u -> w`` of cost ``c(u, x) + c(x, w)`` unless a *witness* path
``u -> w`` that avoids ``x`` and costs no more is found by a small bounded search. So after
every step the shortest-path cost between any two remaining nodes is unchanged (proof in
``docs/travel_model.md``, "Many-to-many: the terminal core"). A node is left in the core
when removing it would add too many arcs or push a neighbour's degree past a cap.

The adjacency is dynamic: each node's out- and in-arcs live in a segment of a pool that is
moved to the pool's end (with twice the room) when it fills. The region-level wrapper is
:mod:`access.terminal_core`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from access.heaps import heap_pop, heap_push

__all__ = ["contract_to_terminals"]


@njit(cache=True, nogil=True)
def contract_to_terminals(  # type: ignore[no-untyped-def]
    indptr, indices, weights, terminal, max_degree, max_added, settle_budget
):
    """Contract the non-terminal nodes of a CSR graph; return the core as a CSR.

    Parameters
    ----------
    indptr, indices, weights
        Directed CSR graph (``int64`` offsets, ``int32`` heads, ``float64`` non-negative
        costs). Self-loops are dropped and parallel arcs keep their smallest cost.
    terminal
        ``bool`` mask of the nodes that must stay.
    max_degree
        A node is not removed when a neighbour would then have more arcs than this (in or
        out; a neighbour already above it may keep what it has), nor when its in-degree
        times its out-degree exceeds 8 times this.
    max_added
        A node is not removed when shortcuts minus removed arcs would exceed this.
    settle_budget
        Nodes settled by one witness search at most (a search cut short adds a shortcut,
        which is always safe).

    Returns
    -------
    keep, c_indptr, c_indices, c_weights, n_shortcuts
        ``keep`` marks the core's nodes; the core CSR uses their ranks in node order.

    Examples
    --------
    Path 0 -> 1 -> 2 (1 s, 2 s) with terminals 0 and 2; node 1 is contracted:

    >>> keep, ip, ix, w, k = contract_to_terminals(
    ...     np.array([0, 1, 2, 2]), np.array([1, 2], np.int32), np.array([1.0, 2.0]),
    ...     np.array([True, False, True]), 16, 4, 32)
    >>> keep.tolist(), ip.tolist(), ix.tolist(), w.tolist(), k
    ([True, False, True], [0, 1, 1], [1], [3.0], 1)
    """
    n = indptr.shape[0] - 1
    o_start, o_deg, o_cap, o_to, o_w, i_start, i_deg, i_cap, i_to, i_w = _dynamic_graph(
        indptr, indices, weights
    )
    o_top = int(o_start[n])
    i_top = int(i_start[n])
    removed = np.zeros(n, np.bool_)
    gone_nbrs = np.zeros(n, np.int32)
    # work arrays of the witness searches
    dist = np.full(n, np.inf)
    wanted = np.zeros(n, np.bool_)
    grow_o = np.zeros(n, np.int64)
    grow_i = np.zeros(n, np.int64)
    touched = np.empty(n, np.int32)
    hcap = 1 << 16
    hk = np.empty(hcap, np.float64)
    hv = np.empty(hcap, np.int32)
    buf_cap = 1024
    s_u = np.empty(buf_cap, np.int32)
    s_w = np.empty(buf_cap, np.int32)
    s_c = np.empty(buf_cap, np.float64)
    # priority queue of candidates, lazily updated
    qk = np.empty(n + 1, np.float64)
    qv = np.empty(n + 1, np.int32)
    qn = 0
    for x in range(n):
        if not terminal[x]:
            di = i_deg[x]
            do = o_deg[x]
            qn = heap_push(qk, qv, qn, float(di * do - di - do), x)
    n_short = 0
    while qn > 0:
        _, x, qn = heap_pop(qk, qv, qn)
        di = i_deg[x]
        do = o_deg[x]
        if di * do > 8 * max_degree:
            continue  # too dense to remove: stays in the core
        if di * do > buf_cap:
            buf_cap = max(2 * buf_cap, di * do)
            s_u = np.empty(buf_cap, np.int32)
            s_w = np.empty(buf_cap, np.int32)
            s_c = np.empty(buf_cap, np.float64)
        k = _shortcuts_of(
            x, o_start, o_deg, o_to, o_w, i_start, i_deg, i_to, i_w, settle_budget,
            dist, touched, hk, hv, wanted, s_u, s_w, s_c,
        )  # fmt: skip
        added = k - di - do
        prio = float(added + gone_nbrs[x])
        if qn > 0 and prio > qk[0]:
            qn = heap_push(qk, qv, qn, prio, x)  # lazy update: someone is cheaper now
            continue
        if added > max_added or not _degrees_ok(
            k, s_u, s_w, o_deg, i_deg, grow_o, grow_i, max_degree
        ):
            continue  # stays in the core
        removed[x] = True
        for a in range(o_start[x], o_start[x] + o_deg[x]):
            w = o_to[a]
            _drop(i_start, i_deg, i_to, i_w, w, x)
            gone_nbrs[w] += 1
        for a in range(i_start[x], i_start[x] + i_deg[x]):
            u = i_to[a]
            _drop(o_start, o_deg, o_to, o_w, u, x)
            gone_nbrs[u] += 1
        o_deg[x] = 0
        i_deg[x] = 0
        for j in range(k):
            u = s_u[j]
            w = s_w[j]
            c = s_c[j]
            new, o_to, o_w, o_top = _put(o_start, o_deg, o_cap, o_to, o_w, o_top, u, w, c)
            _, i_to, i_w, i_top = _put(i_start, i_deg, i_cap, i_to, i_w, i_top, w, u, c)
            n_short += new
    keep, c_indptr, c_indices, c_w = _core_csr(removed, o_start, o_deg, o_to, o_w)
    return keep, c_indptr, c_indices, c_w, n_short


# ---------------------------------------------------------------------------------------
# steps


@njit(cache=True, nogil=True)
def _dynamic_graph(indptr, indices, weights):  # type: ignore[no-untyped-def]
    """Out- and in-adjacency pools of the CSR (no self-loops; parallel arcs at their min)."""
    n = indptr.shape[0] - 1
    o_cnt = np.zeros(n, np.int64)
    i_cnt = np.zeros(n, np.int64)
    for u in range(n):
        for a in range(indptr[u], indptr[u + 1]):
            v = indices[a]
            if v != u:
                o_cnt[u] += 1
                i_cnt[v] += 1
    o_start = np.zeros(n + 1, np.int64)
    i_start = np.zeros(n + 1, np.int64)
    o_cap = np.empty(n, np.int64)
    i_cap = np.empty(n, np.int64)
    for x in range(n):
        o_cap[x] = o_cnt[x] + 2
        i_cap[x] = i_cnt[x] + 2
        o_start[x + 1] = o_start[x] + o_cap[x]
        i_start[x + 1] = i_start[x] + i_cap[x]
    o_to = np.empty(2 * o_start[n] + 1024, np.int32)
    o_w = np.empty(2 * o_start[n] + 1024, np.float64)
    i_to = np.empty(2 * i_start[n] + 1024, np.int32)
    i_w = np.empty(2 * i_start[n] + 1024, np.float64)
    o_deg = np.zeros(n, np.int64)
    i_deg = np.zeros(n, np.int64)
    for u in range(n):
        for a in range(indptr[u], indptr[u + 1]):
            v = indices[a]
            if v != u:
                _merge(o_start, o_deg, o_to, o_w, u, v, weights[a])
                _merge(i_start, i_deg, i_to, i_w, v, u, weights[a])
    return o_start, o_deg, o_cap, o_to, o_w, i_start, i_deg, i_cap, i_to, i_w


@njit(cache=True, nogil=True, inline="always")
def _merge(start, deg, to, w, x, y, c):  # type: ignore[no-untyped-def]
    """Arc ``x -> y`` into x's list (room known to exist); returns 1 when it is new."""
    s = start[x]
    for a in range(s, s + deg[x]):
        if to[a] == y:
            if c < w[a]:
                w[a] = c
            return 0
    to[s + deg[x]] = y
    w[s + deg[x]] = c
    deg[x] += 1
    return 1


@njit(cache=True, nogil=True)
def _put(start, deg, cap, to, w, top, x, y, c):  # type: ignore[no-untyped-def]
    """Arc ``x -> y`` of cost ``c`` (kept at the min), moving x's list when it is full."""
    s = start[x]
    for a in range(s, s + deg[x]):
        if to[a] == y:
            if c < w[a]:
                w[a] = c
            return 0, to, w, top
    if deg[x] == cap[x]:
        new_cap = 2 * cap[x]
        if top + new_cap > to.shape[0]:
            size = 2 * to.shape[0] + new_cap
            t2 = np.empty(size, np.int32)
            w2 = np.empty(size, np.float64)
            t2[:top] = to[:top]
            w2[:top] = w[:top]
            to, w = t2, w2
        for a in range(deg[x]):
            to[top + a] = to[s + a]
            w[top + a] = w[s + a]
        start[x] = top
        cap[x] = new_cap
        top += new_cap
        s = top - new_cap
    to[s + deg[x]] = y
    w[s + deg[x]] = c
    deg[x] += 1
    return 1, to, w, top


@njit(cache=True, nogil=True, inline="always")
def _drop(start, deg, to, w, x, y):  # type: ignore[no-untyped-def]
    """Remove arc ``x -> y`` from x's list (swap with the last)."""
    s = start[x]
    last = s + deg[x] - 1
    for a in range(s, last + 1):
        if to[a] == y:
            to[a] = to[last]
            w[a] = w[last]
            deg[x] -= 1
            return


@njit(cache=True, nogil=True)
def _shortcuts_of(  # type: ignore[no-untyped-def]
    x, o_start, o_deg, o_to, o_w, i_start, i_deg, i_to, i_w, budget,
    dist, touched, hk, hv, wanted, s_u, s_w, s_c,
):  # fmt: skip
    """Shortcuts needed to remove ``x`` (written to ``s_u, s_w, s_c``); returns how many."""
    k = 0
    for ia in range(i_start[x], i_start[x] + i_deg[x]):
        u = i_to[ia]
        cu = i_w[ia]
        far = -1.0
        n_want = 0
        for oa in range(o_start[x], o_start[x] + o_deg[x]):
            w = o_to[oa]
            if w != u:
                far = max(far, cu + o_w[oa])
                wanted[w] = True
                n_want += 1
        if n_want == 0:
            continue
        nt = _witness(
            u, x, far, budget, n_want, wanted, o_start, o_deg, o_to, o_w, dist, touched, hk, hv
        )
        for oa in range(o_start[x], o_start[x] + o_deg[x]):
            w = o_to[oa]
            wanted[w] = False
            c = cu + o_w[oa]
            if w != u and not dist[w] <= c:
                s_u[k] = u
                s_w[k] = w
                s_c[k] = c
                k += 1
        for i in range(nt):
            dist[touched[i]] = np.inf
    return k


@njit(cache=True, nogil=True)
def _witness(  # type: ignore[no-untyped-def]
    u, x, far, budget, n_want, wanted, o_start, o_deg, o_to, o_w, dist, touched, hk, hv
):
    """Bounded Dijkstra from ``u`` avoiding ``x``, up to cost ``far`` / ``budget`` settles.

    Stops early once the ``n_want`` nodes marked in ``wanted`` are settled. Leaves upper
    bounds of path costs in ``dist`` (tentative values are real paths too); returns the
    number of touched nodes.
    """
    cap = hk.shape[0]
    dist[u] = 0.0
    touched[0] = u
    nt = 1
    size = heap_push(hk, hv, 0, 0.0, u)
    settled = 0
    while size > 0 and settled < budget:
        d, v, size = heap_pop(hk, hv, size)
        if d > dist[v]:
            continue
        if d > far:
            break
        settled += 1
        if wanted[v]:
            n_want -= 1
            if n_want == 0:
                break
        for a in range(o_start[v], o_start[v] + o_deg[v]):
            y = o_to[a]
            if y == x:
                continue
            nd = d + o_w[a]
            if nd <= far and nd < dist[y] and size < cap:
                if dist[y] == np.inf:
                    touched[nt] = y
                    nt += 1
                dist[y] = nd
                size = heap_push(hk, hv, size, nd, y)
    return nt


@njit(cache=True, nogil=True)
def _degrees_ok(k, s_u, s_w, o_deg, i_deg, grow_o, grow_i, max_degree):  # type: ignore[no-untyped-def]
    """Whether the ``k`` shortcuts keep every neighbour that grows within ``max_degree``.

    Counts every shortcut as a new arc (pessimistic: some only lower an existing arc's
    cost); the removed node's own arc is taken off. ``grow_o``, ``grow_i`` are zeroed work
    arrays, left zeroed.
    """
    ok = True
    for j in range(k):
        grow_o[s_u[j]] += 1
        grow_i[s_w[j]] += 1
    for j in range(k):
        u = s_u[j]
        w = s_w[j]
        if grow_o[u] > 1 and o_deg[u] + grow_o[u] - 1 > max_degree:
            ok = False
        if grow_i[w] > 1 and i_deg[w] + grow_i[w] - 1 > max_degree:
            ok = False
    for j in range(k):
        grow_o[s_u[j]] = 0
        grow_i[s_w[j]] = 0
    return ok


@njit(cache=True, nogil=True)
def _core_csr(removed, o_start, o_deg, o_to, o_w):  # type: ignore[no-untyped-def]
    """The remaining nodes and arcs as a CSR over the nodes' ranks."""
    n = removed.shape[0]
    keep = ~removed
    rank = np.full(n, -1, np.int64)
    nk = 0
    m = 0
    for x in range(n):
        if keep[x]:
            rank[x] = nk
            nk += 1
            m += o_deg[x]
    c_indptr = np.zeros(nk + 1, np.int64)
    c_indices = np.empty(m, np.int32)
    c_w = np.empty(m, np.float64)
    j = 0
    for x in range(n):
        if keep[x]:
            r = rank[x]
            for a in range(o_start[x], o_start[x] + o_deg[x]):
                c_indices[j] = rank[o_to[a]]
                c_w[j] = o_w[a]
                j += 1
            c_indptr[r + 1] = j
    return keep, c_indptr, c_indices, c_w
