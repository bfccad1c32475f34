"""Which side of its border a unit cut by the extract lies on, when nothing anchors it.

A boundary relation the extract cuts leaves only pieces of its ring inside the file. Those
pieces split the extract's frame into faces; the unit is one colour of the faces' two-colouring
(faces across one of its border lines lie on opposite sides). :func:`two_sides` gives both
candidate polygons. :func:`choose_sides` picks, for every unanchored unit at once, the side
that agrees with the units already known: units of one level do not overlap, and a district
or tehsil lies in one province. When both sides fit equally well the unit is left out: a
guess would put its census population on the wrong side of its border.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence

import numpy as np
import shapely
from scipy.sparse import coo_array
from scipy.sparse.csgraph import breadth_first_order, connected_components
from shapely.geometry.base import BaseGeometry

__all__ = ["GAP_SHARE", "MAX_EXHAUSTIVE", "SideChoice", "border_faces", "choose_sides", "two_sides"]

#: Up to this many unanchored units every combination of sides is tried; above it, each
#: unit takes the side that fits best against the known units and the others' current sides
#: until no unit changes (coordinate descent).
MAX_EXHAUSTIVE = 12

#: Loose ends of one border closer than this share of the frame's diagonal are joined.
GAP_SHARE = 0.05

#: A side is chosen only when its conflict is at most this share of the other side's
#: conflict (and that other conflict is real: over 1% of the smaller side's area).
_CLEAR_MARGIN = 0.5


class SideChoice:
    """The side chosen for one unit, or why none was.

    Attributes
    ----------
    geometry
        The chosen side (a polygon in the frame's coordinates), or None.
    reason
        Empty when a side was chosen, else why not (for the build report).
    """

    __slots__ = ("geometry", "reason")

    def __init__(self, geometry: BaseGeometry | None, reason: str = "") -> None:
        self.geometry = geometry
        self.reason = reason


def two_sides(
    border: BaseGeometry, frame: BaseGeometry, others: BaseGeometry | None = None
) -> tuple[BaseGeometry, BaseGeometry] | None:
    """The two candidate polygons a unit's visible border splits the frame into.

    Extracts often miss some member ways inside their box too, so a border may stop short
    of the frame: each loose end is carried on straight, in the direction of its last
    segment, to the first other border line (``others``) or the frame (approximate; the
    build says so for every unit it rebuilds).

    Parameters are those of :func:`border_faces`.

    Returns
    -------
    tuple of two polygons, or None
        Both unions of faces of one colour; None when the border does not split the frame.
    """
    faces = border_faces(border, frame, others)
    if len(faces) < 2:
        return None
    colour = _two_colouring(faces)
    if colour is None:
        return None
    a = shapely.union_all(faces[colour == 0])
    b = shapely.union_all(faces[colour == 1])
    if a.is_empty or b.is_empty:
        return None
    return a, b


def border_faces(
    border: BaseGeometry, frame: BaseGeometry, others: BaseGeometry | None = None
) -> np.ndarray:
    """The faces the frame is split into by a unit's border, loose ends carried on.

    Parameters
    ----------
    border
        The unit's member ways (lines), in the frame's coordinates.
    frame
        The extract's frame (a polygon).
    others
        Border lines of the other admin units (where an extended end stops), or None.

    Returns
    -------
    numpy.ndarray
        Polygons (shapely) of positive area.
    """
    own = _close_loose_ends(shapely.intersection(border, frame), frame, others)
    faces: np.ndarray = shapely.get_parts(
        shapely.polygonize([shapely.union_all([own, frame.boundary])])
    )
    keep: np.ndarray = shapely.area(faces) > 0
    return np.asarray(faces[keep])


def choose_sides(
    candidates: Mapping[int, tuple[BaseGeometry, BaseGeometry]],
    levels: Mapping[int, str],
    known: Mapping[int, BaseGeometry],
) -> dict[int, SideChoice]:
    """Choose a side for every unanchored unit so that the units agree with each other.

    The conflict of a choice is the area where two units of one level overlap, plus, for
    districts and tehsils, the area lying outside the province that holds most of them.
    Known units (complete or anchored) count with their fixed polygons.

    Parameters
    ----------
    candidates
        ``{relation id: (side a, side b)}`` from :func:`two_sides`.
    levels
        ``{relation id: level}`` for candidates and known units (province/district/tehsil).
    known
        ``{relation id: polygon}`` of units already placed.

    Returns
    -------
    dict
        ``{relation id: SideChoice}`` for every candidate.
    """
    ids = list(candidates)
    if not ids:
        return {}
    table = _Conflicts(ids, candidates, levels, known)
    pick, here_there = _best_assignment(table)
    out: dict[int, SideChoice] = {}
    for k, rid in enumerate(ids):
        mine = pick[k]
        here, there = here_there[k]
        small = min(candidates[rid][0].area, candidates[rid][1].area)
        if there <= 0.01 * small or here > _CLEAR_MARGIN * there:
            out[rid] = SideChoice(
                None,
                "cut by the extract and no anchor found; neither side of its border inside "
                "the file is told apart by the units around it",
            )
        else:
            out[rid] = SideChoice(candidates[rid][mine])
    return out


# ---------------------------------------------------------------------------------------


def _close_loose_ends(
    own: BaseGeometry, frame: BaseGeometry, others: BaseGeometry | None
) -> BaseGeometry:
    """``own`` with its gaps bridged and each other loose end carried on to a line.

    Two loose ends of the unit's border closer than :data:`GAP_SHARE` of the frame's
    diagonal are joined (a member way the extract misses); the remaining loose ends are
    carried on straight, along their last segment, to the first line or the frame.
    """
    merged = shapely.get_parts(shapely.line_merge(shapely.union_all([own])))
    merged = merged[shapely.get_type_id(merged) == 1]  # LineStrings
    ends: list[tuple[np.ndarray, np.ndarray]] = []
    for k, line in enumerate(merged):
        xy = shapely.get_coordinates(line)
        if len(xy) < 2 or np.allclose(xy[0], xy[-1]):
            continue
        rest = shapely.union_all([frame.boundary, *np.delete(merged, k)])
        for end, prev in ((xy[0], xy[1]), (xy[-1], xy[-2])):
            if shapely.distance(shapely.Point(end), rest) >= 1e-9:
                ends.append((end, prev))  # not on the frame nor at a junction: loose
    if not ends:
        return own
    extra, left = _bridges(ends, GAP_SHARE * float(np.hypot(*_size(frame))))
    stops = shapely.union_all([g for g in (own, *extra, others, frame.boundary) if g is not None])
    reach = 2.0 * shapely.length(frame.boundary)
    for end, prev in left:
        stub = _extension(end, prev, stops, reach)
        if stub is not None:
            extra.append(stub)
    return shapely.union_all([own, *extra]) if extra else own


def _size(frame: BaseGeometry) -> tuple[float, float]:
    """Width and height of the frame's box."""
    x0, y0, x1, y1 = frame.bounds
    return x1 - x0, y1 - y0


def _bridges(
    ends: list[tuple[np.ndarray, np.ndarray]], max_gap: float
) -> tuple[list[BaseGeometry], list[tuple[np.ndarray, np.ndarray]]]:
    """Join the closest pairs of loose ends within ``max_gap``; return joins and the rest."""
    xy = np.array([e for e, _ in ends])
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    d[np.tril_indices(len(xy))] = np.inf
    used = np.zeros(len(xy), dtype=bool)
    joins: list[BaseGeometry] = []
    for flat in np.argsort(d, axis=None):
        i, j = np.unravel_index(flat, d.shape)
        if not np.isfinite(d[i, j]) or d[i, j] > max_gap:
            break
        if used[i] or used[j]:
            continue
        used[i] = used[j] = True
        joins.append(shapely.LineString([xy[i], xy[j]]))
    return joins, [e for e, u in zip(ends, used, strict=True) if not u]


def _extension(
    end: np.ndarray, prev: np.ndarray, stops: BaseGeometry, reach: float
) -> BaseGeometry | None:
    """The straight piece from a loose ``end`` onward to the first line it meets."""
    step = end - prev
    norm = float(np.hypot(*step))
    if norm == 0:
        return None
    ray = shapely.LineString([end + step / norm * 1e-9, end + step / norm * reach])
    hits = shapely.intersection(ray, stops)
    if hits.is_empty:
        return None
    first = shapely.get_coordinates(hits)
    far = first[np.argmin(np.hypot(*(first - end).T))]
    if float(np.hypot(*(far - end))) < 1e-9:
        return None
    return shapely.LineString([end, far])


def _two_colouring(faces: np.ndarray) -> np.ndarray | None:
    """0/1 per face, faces sharing a border line coloured differently (None if impossible)."""
    n = len(faces)
    tree = shapely.STRtree(faces)
    left, right = tree.query(faces, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    common = shapely.intersection(shapely.boundary(faces[left]), shapely.boundary(faces[right]))
    shared = shapely.length(common) > 0
    left, right = left[shared], right[shared]
    graph = coo_array((np.ones(len(left)), (left, right)), shape=(n, n)).tocsr()
    graph = graph + graph.T
    colour = np.full(n, -1, dtype=np.int64)
    _, comp = connected_components(graph, directed=False)
    for root in np.unique(comp):
        start = int(np.flatnonzero(comp == root)[0])
        order, pred = breadth_first_order(graph, start, directed=False)
        colour[start] = 0
        for v in order[1:]:
            colour[v] = 1 - colour[pred[v]]
    if (colour[left] == colour[right]).any():
        return None
    return colour


def _best_assignment(table: _Conflicts) -> tuple[list[int], list[tuple[float, float]]]:
    """The side (0/1) per candidate with the least total conflict, and the evidence.

    Per candidate: the least total conflict with its chosen side and with the other side,
    the other units free to change too (a flip of the whole picture is no evidence).
    """
    ids = table.ids
    if len(ids) <= MAX_EXHAUSTIVE:
        combos = np.array(list(itertools.product((0, 1), repeat=len(ids))), dtype=np.int64)
        costs = np.array([sum(table.cost(k, list(c)) for k in range(len(ids))) for c in combos])
        best = combos[int(np.argmin(costs))]
        pairs = [
            (
                float(costs[combos[:, k] == best[k]].min()),
                float(costs[combos[:, k] != best[k]].min()),
            )
            for k in range(len(ids))
        ]
        return [int(v) for v in best], pairs
    pick = [0] * len(ids)
    for _ in range(20):
        changed = False
        for k in range(len(ids)):
            sides = [table.cost(k, [*pick[:k], side, *pick[k + 1 :]]) for side in (0, 1)]
            side = int(np.argmin(sides))
            changed |= side != pick[k]
            pick[k] = side
        if not changed:
            break
    pairs = [
        (table.cost(k, pick), table.cost(k, [*pick[:k], 1 - pick[k], *pick[k + 1 :]]))
        for k in range(len(ids))
    ]
    return pick, pairs


class _Conflicts:
    """Pairwise overlap areas of the candidates' sides, computed once."""

    def __init__(
        self,
        ids: Sequence[int],
        candidates: Mapping[int, tuple[BaseGeometry, BaseGeometry]],
        levels: Mapping[int, str],
        known: Mapping[int, BaseGeometry],
    ) -> None:
        self.ids = list(ids)
        self.levels = [levels[r] for r in ids]
        n = len(ids)
        # fixed[k, s]: overlap of side s of candidate k with known units of its level
        self.fixed = np.zeros((n, 2))
        # pair[k, s, j, t]: overlap of side s of k with side t of j (same level, or j a
        # province and k not: then the area of k's side inside that province)
        self.pair = np.zeros((n, 2, n, 2))
        # in_known[k, s, p]: area of side s of k inside known province p
        known_prov = [g for o, g in known.items() if levels.get(o) == "province"]
        self.in_known = np.zeros((n, 2, len(known_prov)))
        for k, rid in enumerate(ids):
            for s in (0, 1):
                geom = candidates[rid][s]
                same = [g for o, g in known.items() if levels.get(o) == self.levels[k]]
                self.fixed[k, s] = sum(shapely.area(shapely.intersection(geom, g)) for g in same)
                for p, g in enumerate(known_prov):
                    self.in_known[k, s, p] = shapely.area(shapely.intersection(geom, g))
                for j, other in enumerate(ids):
                    if j == k:
                        continue
                    related = self.levels[j] == self.levels[k] or (
                        self.levels[j] == "province" and self.levels[k] != "province"
                    )
                    if related:
                        for t in (0, 1):
                            self.pair[k, s, j, t] = shapely.area(
                                shapely.intersection(geom, candidates[other][t])
                            )

    def cost(self, k: int, pick: Sequence[int]) -> float:
        """Candidate ``k``'s conflict with every other unit under the sides ``pick``."""
        s = pick[k]
        level = self.levels[k]
        total = float(self.fixed[k, s])
        provinces = list(self.in_known[k, s])
        for j in range(len(self.ids)):
            if j == k:
                continue
            if self.levels[j] == level:
                total += float(self.pair[k, s, j, pick[j]])
            elif self.levels[j] == "province" and level != "province":
                provinces.append(float(self.pair[k, s, j, pick[j]]))
        if level != "province" and provinces:
            total += float(sum(provinces) - max(provinces))
        return total
