"""Numba kernels of off-road travel: the cost of one cell move, and a grid-aware Dijkstra.

:func:`move_cost` is the one definition of a move's seconds (formulas in
:mod:`access.offroad_grid` and ``docs/travel_model.md``); both the CSR of cell moves
(:func:`grid_csr_kernel`) and the grid-aware search (:func:`grid_search_kernel`) call it, so
the two give bit-identical weights. The search never stores the 8 or 16 moves of every cell:
it computes them from the cell index and the per-cell cost when a cell is settled, and takes
road nodes and connectors from a small CSR side graph (over cells and road nodes). Its queue
is a ring of buckets whose nodes are settled in memory order (:func:`grid_search_kernel`),
so its memory is a few arrays over the nodes plus the frontier.

Arithmetic follows numpy's float32 rules of the whole-array version: the mean friction and the
flat cost are rounded to float32, the slope too; Tobler's factor is float64; a move's seconds
are float32; distances add in float64.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

__all__ = [
    "arc_metres_kernel",
    "bucket_width",
    "grid_csr_kernel",
    "grid_search_kernel",
    "max_tobler_factor",
    "move_cost",
    "node_xy",
    "walk_node_tree",
]

#: A lower bound of Tobler's factor ``tobler(0) / tobler(slope)`` (its minimum is
#: ``exp(-3.5 x 0.05) = 0.83946`` at slope -0.05), less a margin for rounding.
_TOBLER_MIN_FACTOR = math.exp(-3.5 * 0.05) * (1.0 - 1e-4)


@njit(cache=True, nogil=True, inline="always")
def move_cost(  # type: ignore[no-untyped-def]
    flat, elev, has_elev, r, c, dr, dc, dist32, t0, max_slope32, reverse, bound, best
):
    """Seconds (float32) of the move ``(dr, dc)`` from cell ``(r, c)``; ``inf`` if impossible.

    ``flat`` and ``elev`` are ``(rows, cols)`` float32 (kept apart: the flat costs of the
    3-5 rows a move reads stay dense in cache); ``dist32`` the move's length in
    metres as float32; ``reverse`` flips the slope (the move's cost seen from its head). A
    search passes ``bound`` (its distance at the cell, > 0) and ``best`` (the head's current
    distance): a move that cannot improve on it whatever its slope returns ``inf`` early
    (exact: Tobler's factor is at least :data:`_TOBLER_MIN_FACTOR`); ``bound = 0`` always
    computes.
    """
    rows, cols = flat.shape
    r2 = r + dr
    c2 = c + dc
    inf = np.float32(np.inf)
    if r2 < 0 or r2 >= rows or c2 < 0 or c2 >= cols:
        return inf
    a = flat[r, c]
    b = flat[r2, c2]
    adr = abs(dr)
    adc = abs(dc)
    if adr == 1 and adc == 1:  # diagonal: both cells beside it passable (no corner cutting)
        if not (np.isfinite(flat[r2, c]) and np.isfinite(flat[r, c2])):
            return inf
        mean = np.float32(np.float32(a + b) / np.float32(2.0))
    elif adr + adc == 3:  # knight's move: the two cells its line crosses
        sr = 1 if dr > 0 else -1
        sc = 1 if dc > 0 else -1
        if adr == 2:
            x1 = flat[r + sr, c]
            x2 = flat[r + sr, c2]
        else:
            x1 = flat[r, c + sc]
            x2 = flat[r2, c + sc]
        s = np.float32(np.float32(np.float32(a + b) + x1) + x2)
        mean = np.float32(s / np.float32(4.0))
    else:
        mean = np.float32(np.float32(a + b) / np.float32(2.0))
    if not np.isfinite(mean):
        return inf
    cost = np.float32(np.float64(dist32) * np.float64(mean))
    if has_elev and bound + _TOBLER_MIN_FACTOR * cost >= best:
        return inf  # not better than ``best`` whatever the slope: skip Tobler's exp
    if has_elev:
        rise = np.float32(elev[r2, c2] - elev[r, c])
        if reverse:
            rise = -rise
        slope = np.float32(np.float64(rise) / np.float64(dist32))
        if not abs(slope) <= max_slope32:
            return inf
        tob = 6.0 * np.exp(-3.5 * abs(np.float64(slope) + 0.05))
        cost = np.float32(np.float64(cost) * (t0 / tob))
    return cost


@njit(cache=True, nogil=True)
def grid_csr_kernel(flat, elev, has_elev, drs, dcs, dists, t0, max_slope32, reverse):  # type: ignore[no-untyped-def]
    """The CSR of every possible cell move: ``(indptr int64, indices int32, weights float32)``."""
    rows, cols = flat.shape
    n = rows * cols
    k = drs.shape[0]
    counts = np.zeros(n + 1, np.int64)
    for u in range(n):
        r = u // cols
        c = u - r * cols
        if not np.isfinite(flat[r, c]):
            continue
        m = 0
        for j in range(k):
            w = move_cost(
                flat,
                elev,
                has_elev,
                r,
                c,
                drs[j],
                dcs[j],
                dists[j],
                t0,
                max_slope32,
                reverse,
                0.0,
                np.inf,
            )
            if np.isfinite(w):
                m += 1
        counts[u + 1] = m
    indptr = np.cumsum(counts)
    indices = np.empty(indptr[n], np.int32)
    weights = np.empty(indptr[n], np.float32)
    for u in range(n):
        r = u // cols
        c = u - r * cols
        pos = indptr[u]
        if pos == indptr[u + 1]:
            continue
        for j in range(k):
            w = move_cost(
                flat,
                elev,
                has_elev,
                r,
                c,
                drs[j],
                dcs[j],
                dists[j],
                t0,
                max_slope32,
                reverse,
                0.0,
                np.inf,
            )
            if np.isfinite(w):
                indices[pos] = (r + drs[j]) * cols + c + dcs[j]
                weights[pos] = w
                pos += 1
    return indptr, indices, weights


@njit(cache=True, nogil=True)
def grid_search_kernel(  # type: ignore[no-untyped-def]
    flat,
    elev,
    has_elev,
    drs,
    dcs,
    dists,
    t0,
    max_slope32,
    reverse,
    side_ptr,
    side_ix,
    side_w,
    side_bits,
    seed_nodes,
    seed_cost,
    seed_label,
    width,
    n_buckets,
):
    """Multi-source Dijkstra over the cells (moves computed on the fly) plus a side graph.

    The queue is a ring of ``n_buckets`` buckets of ``width`` seconds (a power of two). A
    bucket is emptied in rounds: its nodes are sorted by index and settled in that order, a
    sweep through memory instead of a heap's random order (the search is bound by memory, so
    this halves its time). Exact for any ``width > 0``: a node whose distance lies in the
    current bucket cannot be improved by a node of a later bucket, and an arc lighter than
    ``width`` (a connector, a short road arc) that improves a node of the current bucket puts
    it back in the bucket for another round. With ``width`` at most the lightest cell move
    (:func:`bucket_width`), cell moves never land in the current bucket, so rounds are rare.
    An entry whose distance lies a whole ring ahead (an arc heavier than the ring) is carried
    forward, so the ring's size affects only speed.

    Parameters
    ----------
    flat, elev, has_elev
        The surface: ``(rows, cols)`` float32 flat seconds per metre and elevation.
    drs, dcs, dists
        The moves: row and column steps and float32 lengths in metres.
    t0, max_slope32, reverse
        Tobler's flat speed, the cliff slope (float32), reversed graph or not.
    side_ptr, side_ix, side_w
        CSR over every node (cells ``0 .. n_cells - 1``, road nodes after): road arcs and
        connectors, float32 seconds.
    side_bits
        ``uint8`` bitmap over the cells: bit ``u & 7`` of byte ``u >> 3`` set when cell ``u``
        has side arcs (a megabyte that stays in cache, so ``side_ptr`` is read only there).
    seed_nodes, seed_cost, seed_label
        Start nodes, their initial seconds and labels.
    width, n_buckets
        Seconds per bucket (> 0) and the ring's size (a power of two).

    Returns
    -------
    dist, label, pred
        Per node: seconds (``inf`` unreached), label of the nearest seed (``-1``) and the
        previous node on the path (``-1`` at seeds and unreached).
    """
    rows, cols = flat.shape
    n_cells = rows * cols
    n = side_ptr.shape[0] - 1
    k = drs.shape[0]
    dist = np.full(n, np.inf)
    label = np.full(n, -1, np.int32)
    pred = np.full(n, -1, np.int32)
    inv = 1.0 / width
    mask = n_buckets - 1
    n_side = int(np.max(side_ptr[1:] - side_ptr[:-1])) if n else 0  # most side arcs of a node
    head = np.full(n_buckets, -1, np.int32)
    st = np.array([-1, 0, 0], np.int64)
    node, nxt = _room(np.empty(1 << 16, np.int32), np.empty(1 << 16, np.int32), st, 0)
    node, nxt = _room(node, nxt, st, seed_nodes.shape[0])
    buf = np.empty(1 << 12, np.int32)
    cur = _seed_ring(seed_nodes, seed_cost, seed_label, dist, label, head, node, nxt, st, inv)
    while st[2] > 0:
        b = cur & mask
        while head[b] >= 0:
            buf, m = _take(head, node, nxt, st, b, buf)
            todo = np.sort(buf[:m])  # one round: this bucket's nodes in memory order
            prev = -1
            for t in range(todo.shape[0]):
                u = todo[t]
                if u == prev:
                    continue  # a duplicate entry
                prev = u
                d = dist[u]
                at = np.int64(d * inv)
                if at < cur:
                    continue  # settled in an earlier bucket (a stale entry)
                if st[1] + k + n_side + 1 > node.shape[0]:  # room for every push below
                    node, nxt = _room(node, nxt, st, k + n_side + 1)
                if at > cur:  # a ring ahead: carry it forward
                    _push(head, node, nxt, st, u, (at if (at - cur) & mask else cur + 1) & mask)
                    continue
                lab = label[u]
                if u < n_cells:  # the moves, inline (a helper call costs a quarter of the time)
                    r = u // cols
                    c = u - r * cols
                    for j in range(k):
                        r2 = r + drs[j]
                        c2 = c + dcs[j]
                        if r2 < 0 or r2 >= rows or c2 < 0 or c2 >= cols:
                            continue
                        v = r2 * cols + c2
                        if dist[v] <= d:
                            continue  # settled, or as good already (moves cost >= 0)
                        w = move_cost(
                            flat, elev, has_elev, r, c, drs[j], dcs[j], dists[j], t0,
                            max_slope32, reverse, d, dist[v],
                        )  # fmt: skip
                        nd = d + w
                        if nd < dist[v]:
                            dist[v] = nd
                            label[v] = lab
                            pred[v] = u
                            _push(head, node, nxt, st, v, np.int64(nd * inv) & mask)
                if u >= n_cells or (side_bits[u >> 3] >> (u & 7)) & 1:
                    _relax_side(u, d, lab, side_ptr, side_ix, side_w, dist, label, pred,
                                head, node, nxt, st, inv)  # fmt: skip
        cur += 1
    return dist, label, pred


def max_tobler_factor(max_slope: float) -> float:
    """The largest factor Tobler's function puts on a flat move's time for ``|slope| <= max_slope``.

    ``tobler(0) / tobler(-max_slope)`` at the steepest uphill or downhill (``exp(3.5 x
    max_slope)``); ``1`` on flat ground.
    """
    return float(np.exp(3.5 * max_slope)) if max_slope > 0 else 1.0


def bucket_width(
    flat: np.ndarray, cell_m: float, has_elev: bool, side_w: np.ndarray, max_factor: float
) -> tuple[float, int]:
    """The bucket width and ring size of :func:`grid_search_kernel` for a surface.

    The width is a lower bound of a cell move's seconds: the shortest move (``cell_m``) at
    the lowest flat cost, times Tobler's smallest factor when there is a DEM. The ring holds
    the heaviest move (``max_factor`` times the heaviest flat cost over the longest move) or
    side arc, up to ``2**16`` buckets (beyond, the width grows: still exact, a few more
    rounds).
    """
    fin = flat[np.isfinite(flat)]
    if fin.size == 0 or not fin.max() > 0:
        return 1.0, 2
    low = float(fin[fin > 0].min()) * cell_m * (_TOBLER_MIN_FACTOR if has_elev else 1.0)
    high = float(fin.max()) * cell_m * max_factor
    if side_w.size:
        high = max(high, float(side_w[np.isfinite(side_w)].max(initial=0.0)))
    if not np.isfinite(high):  # no cliff slope: Tobler's factor has no bound
        high = low * (2.0**16 - 2.0)
    n_buckets = 2
    while n_buckets < min(high / low + 2.0, 2.0**16):
        n_buckets *= 2
    return max(low, high / (n_buckets - 2)), n_buckets


@njit(cache=True, nogil=True)
def arc_metres_kernel(indptr, indices, n_cells, cols, x0, y_top, cell_m, road_xy):  # type: ignore[no-untyped-def]
    """Straight-line metres of every arc of a combined CSR (float64, arc order)."""
    out = np.empty(indices.shape[0])
    for u in range(indptr.shape[0] - 1):
        ux, uy = node_xy(u, n_cells, cols, x0, y_top, cell_m, road_xy)
        for a in range(indptr[u], indptr[u + 1]):
            vx, vy = node_xy(indices[a], n_cells, cols, x0, y_top, cell_m, road_xy)
            out[a] = np.sqrt((ux - vx) ** 2 + (uy - vy) ** 2)
    return out


@njit(cache=True, nogil=True)
def walk_node_tree(pred, start, n_cells, cols, x0, y_top, cell_m, road_xy):  # type: ignore[no-untyped-def]
    """Metres off road and on road from each start node back to its seed (node predecessors).

    A step between two road nodes is on road; any step touching a cell is off road.
    """
    m = start.shape[0]
    off = np.full(m, np.nan)
    road = np.full(m, np.nan)
    for i in range(m):
        v = start[i]
        if v < 0:
            continue
        o = 0.0
        rd = 0.0
        steps = 0
        while pred[v] >= 0 and steps < pred.shape[0]:
            t = pred[v]
            vx, vy = node_xy(v, n_cells, cols, x0, y_top, cell_m, road_xy)
            tx, ty = node_xy(t, n_cells, cols, x0, y_top, cell_m, road_xy)
            dd = np.sqrt((vx - tx) ** 2 + (vy - ty) ** 2)
            if v >= n_cells and t >= n_cells:
                rd += dd
            else:
                o += dd
            v = t
            steps += 1
        off[i] = o
        road[i] = rd
    return off, road


# ---------------------------------------------------------------------------------------
# the ring of buckets: singly linked entries ``(node, nxt)`` in a pool with a free list;
# ``st`` holds (first free entry or -1, entries used, live entries)


@njit(cache=True, nogil=True, inline="always")
def _push(head, node, nxt, st, v, b):  # type: ignore[no-untyped-def]
    """Put node ``v`` in bucket ``b`` (the pool has room: see :func:`_room`)."""
    e = st[0]
    if e >= 0:
        st[0] = nxt[e]
    else:
        e = st[1]
        st[1] += 1
    node[e] = v
    nxt[e] = head[b]
    head[b] = e
    st[2] += 1


@njit(cache=True, nogil=True)
def _seed_ring(seed_nodes, seed_cost, seed_label, dist, label, head, node, nxt, st, inv):  # type: ignore[no-untyped-def]
    """Write the seeds' distances and labels and put them in the ring: the first bucket."""
    mask = head.shape[0] - 1
    cur = np.int64(1) << 62
    for i in range(seed_nodes.shape[0]):
        s = seed_nodes[i]
        if seed_cost[i] < dist[s]:
            dist[s] = seed_cost[i]
            label[s] = seed_label[i]
            cur = min(cur, np.int64(seed_cost[i] * inv))
            _push(head, node, nxt, st, s, np.int64(seed_cost[i] * inv) & mask)
    return cur


@njit(cache=True, nogil=True, inline="always")
def _relax_side(u, d, lab, side_ptr, side_ix, side_w, dist, label, pred, head, node, nxt, st, inv):  # type: ignore[no-untyped-def]
    """Relax node ``u``'s road arcs and connectors (settled at ``d`` seconds)."""
    mask = head.shape[0] - 1
    for a in range(side_ptr[u], side_ptr[u + 1]):
        v = side_ix[a]
        nd = d + side_w[a]
        if nd < dist[v]:
            dist[v] = nd
            label[v] = lab
            pred[v] = u
            _push(head, node, nxt, st, v, np.int64(nd * inv) & mask)


@njit(cache=True, nogil=True)
def _room(node, nxt, st, need):  # type: ignore[no-untyped-def]
    """The pool, doubled until ``need`` more entries fit without the free list."""
    cap = node.shape[0]
    while st[1] + need > cap:
        cap *= 2
    if cap == node.shape[0]:
        return node, nxt
    n2 = np.empty(cap, np.int32)
    x2 = np.empty(cap, np.int32)
    n2[: st[1]] = node[: st[1]]
    x2[: st[1]] = nxt[: st[1]]
    return n2, x2


@njit(cache=True, nogil=True)
def _take(head, node, nxt, st, b, buf):  # type: ignore[no-untyped-def]
    """Empty bucket ``b`` into ``buf`` (grown if needed): ``(buf, count)``."""
    m = 0
    e = head[b]
    while e >= 0:
        if m == buf.shape[0]:
            grown = np.empty(2 * m, np.int32)
            grown[:m] = buf
            buf = grown
        buf[m] = node[e]
        m += 1
        following = nxt[e]
        nxt[e] = st[0]
        st[0] = e
        e = following
    head[b] = -1
    st[2] -= m
    return buf, m


@njit(cache=True, nogil=True, inline="always")
def node_xy(v, n_cells, cols, x0, y_top, cell_m, road_xy):  # type: ignore[no-untyped-def]
    """Metric ``(x, y)`` of node ``v`` of a combined graph: a cell centre or a road point.

    Cells come first (row-major from the top-left ``(x0, y_top)``, ``cols`` wide, ``cell_m``
    apart), then the road points ``road_xy``.
    """
    if v < n_cells:
        return x0 + (v % cols + 0.5) * cell_m, y_top - (v // cols + 0.5) * cell_m
    return road_xy[v - n_cells, 0], road_xy[v - n_cells, 1]
