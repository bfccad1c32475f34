"""The sample region's road network: a Delaunay/MST hierarchy densified into segments."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra, minimum_spanning_tree
from scipy.spatial import Delaunay

__all__ = ["sample_road_network"]


def sample_road_network(
    rng: np.random.Generator,
    xy: np.ndarray,
    weight: np.ndarray,
    mountain: np.ndarray,
    hq: np.ndarray,
    mountain_x: float,
    segment_m: float,
) -> tuple[np.ndarray, pd.DataFrame]:
    """Roads linking settlement road anchors, classed by the household flow along them.

    Links are the Delaunay triangulation's minimum spanning tree (by detoured length) plus
    short extra links, fewer in the mountains. Classes come from the household flow along
    a shortest-path tree rooted at the headquarters (trunk between consecutive
    headquarters west to east); surfaces and speed limits by class and terrain. Each link is
    densified into about ``segment_m`` long segments with a lateral wiggle.

    Parameters
    ----------
    rng
        The generator's random state (consumed in a fixed order).
    xy
        Metric coordinates of the road anchors, shape ``(n, 2)``; they keep node ids
        ``0 .. n-1``.
    weight
        Households behind each anchor.
    mountain
        Whether each anchor lies in the mountains.
    hq
        Anchor indices of the headquarters towns.
    mountain_x
        Easting of the mountain edge (not used: ``mountain`` marks the anchors).
    segment_m
        Target segment length.

    Returns
    -------
    tuple of ndarray and DataFrame
        Node coordinates (anchors first) and edges ``u, v, highway, oneway, surface,
        maxspeed_kph, bridge, name``.
    """
    n = len(xy)
    tri = Delaunay(xy)
    s = tri.simplices
    pairs = np.vstack([s[:, [0, 1]], s[:, [1, 2]], s[:, [0, 2]]])
    pairs = np.unique(np.sort(pairs, axis=1), axis=0)
    length = np.hypot(*(xy[pairs[:, 0]] - xy[pairs[:, 1]]).T)
    mnt = mountain[pairs[:, 0]] | mountain[pairs[:, 1]]
    detour = np.where(mnt, rng.uniform(1.4, 1.9, len(pairs)), rng.uniform(1.05, 1.25, len(pairs)))
    cost = length * detour
    g = coo_matrix((cost, (pairs[:, 0], pairs[:, 1])), shape=(n, n)).tocsr()
    mst = minimum_spanning_tree(g).tocoo()
    in_mst = set(
        zip(
            np.minimum(mst.row, mst.col).tolist(),
            np.maximum(mst.row, mst.col).tolist(),
            strict=True,
        )
    )
    is_mst = np.array([(a, b) in in_mst for a, b in pairs.tolist()])
    extra_p = np.where(mnt, 0.04, 0.45) * (length < np.where(mnt, 4000.0, 7000.0))
    keep = is_mst | (rng.random(len(pairs)) < extra_p)
    pairs, length, cost, mnt, detour = (
        pairs[keep],
        length[keep],
        cost[keep],
        mnt[keep],
        detour[keep],
    )

    # household flow along the shortest-path tree from the headquarters towns
    sym = coo_matrix(
        (np.r_[cost, cost], (np.r_[pairs[:, 0], pairs[:, 1]], np.r_[pairs[:, 1], pairs[:, 0]])),
        shape=(n, n),
    ).tocsr()
    dist, pred, _ = dijkstra(sym, indices=hq, min_only=True, return_predecessors=True)
    flow = weight.astype(float).copy()
    for v in np.argsort(-dist):
        if pred[v] >= 0:
            flow[pred[v]] += flow[v]
    tree_flow: dict[tuple[int, int], float] = {}
    for v in range(n):
        if pred[v] >= 0:
            a, b = sorted((int(v), int(pred[v])))
            tree_flow[(a, b)] = flow[v]
    ef = np.array([tree_flow.get((int(a), int(b)), 0.0) for a, b in pairs])
    total = float(weight.sum())
    hw = np.full(len(pairs), "unclassified", dtype=object)
    hw[ef > 0.004 * total] = "tertiary"
    hw[ef > 0.02 * total] = "secondary"
    hw[ef > 0.06 * total] = "primary"
    hw[(hw == "unclassified") & mnt] = "track"
    # trunk: shortest paths between consecutive headquarters
    _, pred_all = dijkstra(sym, indices=hq, return_predecessors=True)
    pair_index = {(int(a), int(b)): i for i, (a, b) in enumerate(pairs)}
    order = hq[np.argsort(xy[hq, 0])]
    for i in range(len(order) - 1):
        row = int(np.flatnonzero(hq == order[i])[0])
        v = int(order[i + 1])
        while pred_all[row, v] >= 0:
            u = int(pred_all[row, v])
            hw[pair_index[(min(u, v), max(u, v))]] = "trunk"
            v = u

    surface = np.full(len(pairs), "asphalt", dtype=object)
    r = rng.random(len(pairs))
    surface[(hw == "tertiary") & mnt & (r < 0.4)] = "gravel"
    surface[(hw == "unclassified") & (r < 0.5)] = "unpaved"
    surface[hw == "track"] = np.where(r[hw == "track"] < 0.6, "dirt", "gravel")
    maxspeed = np.full(len(pairs), np.nan)
    maxspeed[(hw == "trunk") & (r < 0.7)] = 80.0
    maxspeed[(hw == "primary") & (r < 0.3)] = 60.0

    # densify with a lateral wiggle; anchors keep node ids 0..n-1
    node_xy = [xy]
    next_id = n
    rows_u: list[int] = []
    rows_v: list[int] = []
    rows_e: list[int] = []
    for e, (a, b) in enumerate(pairs):
        real_len = length[e] * detour[e]
        k = max(1, int(np.ceil(real_len / segment_m)))
        if k == 1:
            rows_u.append(int(a))
            rows_v.append(int(b))
            rows_e.append(e)
            continue
        t = np.linspace(0, 1, k + 1)[1:-1]
        base = xy[a] + (xy[b] - xy[a]) * t[:, None]
        nrm = np.array([-(xy[b] - xy[a])[1], (xy[b] - xy[a])[0]]) / max(length[e], 1.0)
        halves = int(rng.integers(2, 4)) if mnt[e] else 1
        amp = 0.18 * length[e] * np.sqrt(max(detour[e] ** 2 - 1, 0)) / halves
        wig = np.sin(np.pi * t * halves) * amp * rng.choice([-1, 1])
        mids = base + nrm * wig[:, None]
        ids = np.arange(next_id, next_id + len(mids))
        next_id += len(mids)
        node_xy.append(mids)
        chain = np.r_[a, ids, b]
        rows_u.extend(chain[:-1].tolist())
        rows_v.extend(chain[1:].tolist())
        rows_e.extend([e] * (len(chain) - 1))
    eidx = np.asarray(rows_e)
    edges = pd.DataFrame(
        {
            "u": np.asarray(rows_u, dtype=np.int64),
            "v": np.asarray(rows_v, dtype=np.int64),
            "highway": hw[eidx].astype(str),
            "oneway": np.zeros(len(eidx), dtype=bool),
            "surface": surface[eidx].astype(str),
            "maxspeed_kph": maxspeed[eidx],
            "bridge": np.zeros(len(eidx), dtype=bool),
            "name": [
                f"N-{e % 97 + 1}" if h in ("trunk", "primary") else None
                for e, h in zip(eidx.tolist(), hw[eidx].tolist(), strict=True)
            ],
        }
    )
    all_xy = np.vstack(node_xy)
    all_xy = np.clip(all_xy, 0, None)
    return all_xy, edges
