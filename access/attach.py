"""Points attached to a compiled graph: search seeds, targets, shortcuts and flags.

The *prepare* step of the travel-time core. A point snapped to an edge (see
:mod:`access.snapping`) leaves the network along that edge to one of its end nodes
(:func:`exit_seeds`) and is reached along it from one of them (:func:`arrival_seeds`);
:func:`core_seeds` moves those options along the edge's chain to the nodes of the contracted
graph that the searches run on. Trips the searches cannot see (two points on one chain or
one edge, a straight walk across country) are listed as pairs by :func:`same_chain_pairs`,
:func:`same_edge_pairs`, :func:`direct_walk_pairs` and :func:`nearest_point_pairs`.

Inputs are a :class:`~access.graph.CompiledGraph` and :class:`~access.snapping.Snaps`
(arrays); outputs are :class:`~access.search.Seeds` and ``(i, j, cost, length)`` arrays.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from access.graph import CompiledGraph
from access.search import Seeds
from access.snapping import Snaps
from access.speeds import TravelSettings

__all__ = [
    "FLAG_FAR_FROM_ROAD",
    "FLAG_NO_ROAD",
    "FLAG_ROAD_ISLAND",
    "FLAG_UNREACHABLE",
    "Pairs",
    "access_seconds",
    "arrival_seeds",
    "core_seeds",
    "direct_walk_pairs",
    "exit_seeds",
    "min_pairs",
    "nearest_point_pairs",
    "point_flags",
    "same_chain_pairs",
    "same_edge_pairs",
]

FLAG_FAR_FROM_ROAD = "far_from_road"
FLAG_ROAD_ISLAND = "road_island"
FLAG_UNREACHABLE = "unreachable"
FLAG_NO_ROAD = "no_road"

Pairs = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]
"""``(i, j, cost, length)``: point ``i`` of one set, point ``j`` of another, and a trip."""


def access_seconds(snaps: Snaps, settings: TravelSettings) -> np.ndarray:
    """Seconds of each point's off-road leg to its snap point (0 when it has none)."""
    return np.asarray(np.nan_to_num(snaps.access_m, nan=0.0) / settings.offroad_speed_mps)


def exit_seeds(g: CompiledGraph, snaps: Snaps, extra: np.ndarray) -> Seeds:
    """Point -> node options: along the snapped edge to v (if u->v allowed) or u (v->u).

    Parameters
    ----------
    g
        The compiled graph.
    snaps
        Where the points join it.
    extra
        Cost added to every option of each point (e.g. its off-road seconds).

    Returns
    -------
    Seeds
        One item per point, on full-graph nodes.
    """
    return _attach(g, snaps, extra, to_v=g.edge_forward, to_u=g.edge_backward)


def arrival_seeds(g: CompiledGraph, snaps: Snaps, extra: np.ndarray) -> Seeds:
    """Node -> point options: from u along u->v, or from v along v->u (see :func:`exit_seeds`)."""
    return _attach(g, snaps, extra, to_v=g.edge_backward, to_u=g.edge_forward)


def core_seeds(g: CompiledGraph, seeds: Seeds, *, forward: bool) -> Seeds:
    """Re-express options on graph nodes as options on core (contracted-graph) nodes.

    Parameters
    ----------
    g
        The compiled graph.
    seeds
        Options on full-graph nodes (from :func:`exit_seeds` or :func:`arrival_seeds`).
    forward
        ``True``: the option's node then travels along its chain to a core node (exits);
        ``False``: a core node travels along the chain to the option's node (arrivals).

    Returns
    -------
    Seeds
        The same items on contracted-graph node ids.
    """
    node_opt = g.fwd_node if forward else g.bwd_node
    cost_opt = g.fwd_cost_s if forward else g.bwd_cost_s
    len_opt = g.fwd_length_m if forward else g.bwd_length_m
    item = seeds.item_of_entry()
    x = np.asarray(seeds.node, np.int64)
    nodes = node_opt[x]  # (m, 2)
    ok = nodes >= 0
    cost = seeds.cost[:, None] + cost_opt[x]
    length = seeds.length[:, None] + len_opt[x]
    it = np.broadcast_to(item[:, None], nodes.shape)[ok]
    ptr = np.zeros(seeds.n_items + 1, np.int64)
    np.cumsum(np.bincount(it, minlength=seeds.n_items), out=ptr[1:])
    return Seeds(ptr=ptr, node=nodes[ok].astype(np.int32), cost=cost[ok], length=length[ok])


def same_chain_pairs(g: CompiledGraph, a: Snaps, b: Snaps) -> Pairs:
    """Pairs (i in a, j in b) on one chain of the contracted graph, b_j downstream of a_i.

    Searches on the contracted graph only see chain ends; a trip between two points of one
    chain that stays on it is added here: seconds and metres along the chain (the cheapest
    per pair).
    """
    ea, eb = _chain_entries(g, a), _chain_entries(g, b)
    common = np.intersect1d(ea["ch"].to_numpy(), eb["ch"].to_numpy())
    if not common.size:
        return _no_pairs()
    ea = ea[ea["ch"].isin(common)]
    eb = eb[eb["ch"].isin(common)].rename(columns={"i": "j", "c": "cb", "l": "lb"})
    m = ea.merge(eb, on="ch")
    m = m[m["cb"].to_numpy() >= m["c"].to_numpy()]
    cost = m["cb"].to_numpy() - m["c"].to_numpy()
    length = m["lb"].to_numpy() - m["l"].to_numpy()
    i, j = m["i"].to_numpy(np.int64), m["j"].to_numpy(np.int64)
    if i.size:
        i, j, cost, length = min_pairs(i, j, cost, length)
    return i, j, cost, length


def same_edge_pairs(g: CompiledGraph, a: Snaps, b: Snaps) -> Pairs:
    """Pairs (i in a, j in b) on one edge: direct on-edge seconds and metres a_i -> b_j."""
    ia = np.flatnonzero(a.edge >= 0)
    ib = np.flatnonzero(b.edge >= 0)
    if not ia.size or not ib.size:
        return _no_pairs()
    common = np.intersect1d(a.edge[ia], b.edge[ib])
    if not common.size:
        return _no_pairs()
    da = pd.DataFrame({"i": ia, "e": a.edge[ia], "ta": a.fraction[ia]})
    db = pd.DataFrame({"j": ib, "e": b.edge[ib], "tb": b.fraction[ib]})
    da = da[da["e"].isin(common)]
    db = db[db["e"].isin(common)]
    m = da.merge(db, on="e")
    e = m["e"].to_numpy()
    dt = m["tb"].to_numpy() - m["ta"].to_numpy()
    ok = np.where(dt >= 0, g.edge_forward[e], g.edge_backward[e])
    cost = np.abs(dt) * g.edge_time_s[e]
    length = np.abs(dt) * g.edge_length_m[e]
    return (
        m["i"].to_numpy()[ok],
        m["j"].to_numpy()[ok],
        cost[ok],
        length[ok],
    )


def direct_walk_pairs(a: Snaps, b: Snaps, settings: TravelSettings, limit_s: float) -> Pairs:
    """Pairs (i in a, j in b) close enough to walk straight across country within limit_s.

    Returns ``(i, j, seconds, straight-line metres)``; the radius is also capped at
    ``settings.max_snap_m``.
    """
    radius = min(limit_s * settings.offroad_speed_mps, settings.max_snap_m)
    pa = shapely.points(a.point_xy)
    pb = shapely.points(b.point_xy)
    if not len(pa) or not len(pb):
        return _no_pairs()
    q = shapely.STRtree(pb).query(pa, predicate="dwithin", distance=radius)
    i, j = q[0], q[1]
    d = np.hypot(*(a.point_xy[i] - b.point_xy[j]).T)
    return i, j, d / settings.offroad_speed_mps, d


def nearest_point_pairs(a: Snaps, b: Snaps) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each point of ``a`` the nearest point of ``b`` (straight line): ``(i, j, metres)``.

    Empty when either set is empty.
    """
    if not len(a) or not len(b):
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
    tree = shapely.STRtree(shapely.points(b.point_xy))
    q, d = tree.query_nearest(shapely.points(a.point_xy), return_distance=True, all_matches=False)
    return q[0], q[1], d


def min_pairs(i: np.ndarray, j: np.ndarray, cost: np.ndarray, length: np.ndarray) -> Pairs:
    """The cheapest entry of every repeated ``(i, j)`` pair, sorted by ``(i, j)``.

    Examples
    --------
    >>> i, j, c, ln = min_pairs(np.array([1, 0, 1]), np.array([0, 0, 0]),
    ...                         np.array([5.0, 2.0, 3.0]), np.array([50.0, 20.0, 30.0]))
    >>> i.tolist(), c.tolist(), ln.tolist()
    ([0, 1], [2.0, 3.0], [20.0, 30.0])
    """
    order = np.lexsort((cost, j, i))
    i, j, cost, length = i[order], j[order], cost[order], length[order]
    first = np.r_[True, (i[1:] != i[:-1]) | (j[1:] != j[:-1])]
    return i[first], j[first], cost[first], length[first]


def point_flags(snaps: Snaps, reached: np.ndarray) -> list[str]:
    """Comma-separated flags of each point; empty when none.

    ``no_road`` or ``far_from_road``, then ``road_island``, then ``unreachable`` where
    ``reached`` is False.
    """
    parts = [
        np.where(
            snaps.edge < 0, FLAG_NO_ROAD, np.where(snaps.far_from_road, FLAG_FAR_FROM_ROAD, "")
        ),
        np.where(snaps.road_island, FLAG_ROAD_ISLAND, ""),
        np.where(reached, "", FLAG_UNREACHABLE),
    ]
    out = parts[0].astype(object)
    for p in parts[1:]:
        p = p.astype(object)
        out = np.where((out != "") & (p != ""), out + "," + p, out + p)
    return [str(f) for f in out]


# ---------------------------------------------------------------------------------------


def _no_pairs() -> Pairs:
    return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0), np.empty(0)


def _attach(
    g: CompiledGraph,
    snaps: Snaps,
    extra: np.ndarray,
    *,
    to_v: np.ndarray,
    to_u: np.ndarray,
) -> Seeds:
    n = len(snaps)
    ok = snaps.edge >= 0
    e = np.where(ok, snaps.edge, 0)
    t = snaps.fraction
    T = np.where(ok, g.edge_time_s[e], np.inf)
    L = np.where(ok, g.edge_length_m[e], 0.0)
    # options at the v end (fraction 1 - t of the edge) and at the u end (fraction t)
    # a point exactly at an end node needs no arc to get there
    has_v = ok & (to_v[e] | (t >= 1.0))
    has_u = ok & (to_u[e] | (t <= 0.0))
    node = np.stack([g.edge_v[e], g.edge_u[e]], axis=1)
    frac = np.stack([1.0 - t, t], axis=1)
    has = np.stack([has_v, has_u], axis=1)
    cost = frac * T[:, None] + extra[:, None]
    length = frac * L[:, None]
    counts = has.sum(axis=1)
    ptr = np.zeros(n + 1, np.int64)
    np.cumsum(counts, out=ptr[1:])
    return Seeds(
        ptr=ptr,
        node=node[has].astype(np.int32),
        cost=cost[has],
        length=length[has],
    )


def _chain_entries(g: CompiledGraph, sn: Snaps) -> pd.DataFrame:
    """Each snapped point's position on the chains through its edge (both directions)."""
    ok = np.flatnonzero(sn.edge >= 0)
    e = sn.edge[ok]
    t = sn.fraction[ok]
    T = g.edge_time_s[e]
    L = g.edge_length_m[e]
    parts = []
    for arcs, frac in ((g.edge_arc_fwd[e], t), (g.edge_arc_bwd[e], 1.0 - t)):
        has = arcs >= 0
        a_ = arcs[has]
        parts.append(
            pd.DataFrame(
                {
                    "i": ok[has],
                    "ch": g.arc_chain[a_],
                    "c": g.arc_pre_cost_s[a_] + frac[has] * T[has],
                    "l": g.arc_pre_length_m[a_] + frac[has] * L[has],
                }
            )
        )
    return pd.concat(parts, ignore_index=True)
