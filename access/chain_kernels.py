"""Numba kernel: contract chains of pass-through nodes (shape points) into single arcs.

The array-level wrapper is :func:`access.graph.contract_chains` (via the compiled graph's
build). Compiled with ``cache=True`` and ``nogil``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["contract_chains"]


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
