"""Turn way pieces read from OSM into a road graph: node and edge tables.

:class:`WayPieces` holds the kept highway way pieces as flat arrays;
:func:`build_graph` merges coincident nodes and cuts the pieces into edges, either at every
OSM node or only at junctions (``simplify=True``). Lengths are haversine sums of the segments.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

__all__ = ["EARTH_RADIUS_M", "WayPieces", "build_graph", "merge_coincident"]

#: Mean Earth radius (IUGG) of the haversine lengths.
EARTH_RADIUS_M = 6_371_008.8


@dataclass
class WayPieces:
    """Flat arrays of the kept way pieces (one piece per run of located nodes)."""

    refs: np.ndarray  # int64 node ids, all pieces concatenated
    lon: np.ndarray
    lat: np.ndarray
    starts: np.ndarray  # offset of each piece in refs
    highway: list[str]
    oneway: list[bool]
    surface: list[str | None]
    maxspeed: Sequence[float]
    bridge: list[bool]
    name: list[str | None]
    osm_way: Sequence[int]
    n_read: int = 0
    n_kept: int = 0
    n_reversed: int = 0
    n_reversible: int = 0
    n_missing: int = 0
    dropped: Counter[str] = field(default_factory=Counter)


def build_graph(w: WayPieces, *, simplify: bool) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Node and edge tables of the way pieces ``w`` (updated in place by merge_coincident).

    Parameters
    ----------
    w
        The kept way pieces.
    simplify
        Cut edges only at junctions and piece ends (shape points become edge geometry);
        else every position is a node.

    Returns
    -------
    tuple of GeoDataFrame and GeoDataFrame
        ``nodes`` (``node_id``, Point) and ``edges`` (one row per edge ``u -> v`` with the
        way's attributes, ``length_m`` and LineString geometry), EPSG:4326.
    """
    piece_of = merge_coincident(w)
    n = len(w.refs)
    ends = np.append(w.starts[1:], n)  # exclusive end of each piece
    is_first = np.zeros(n, dtype=bool)
    is_first[w.starts] = True
    is_last = np.zeros(n, dtype=bool)
    is_last[ends - 1] = True
    if simplify:
        _, inv, counts = np.unique(w.refs, return_inverse=True, return_counts=True)
        is_node = is_first | is_last | (counts[inv] > 1)
    else:
        is_node = np.ones(n, dtype=bool)
    # Each graph-node position except a piece's last one starts an edge; an edge runs to the
    # next graph-node position in the same piece.
    starts_edge = is_node & ~is_last
    node_pos = np.flatnonzero(is_node)
    e_start = np.flatnonzero(starts_edge)
    # next node position after each edge start
    e_end = node_pos[np.searchsorted(node_pos, e_start, side="right")]
    # segment lengths between consecutive positions (haversine)
    lon_r = np.radians(w.lon)
    lat_r = np.radians(w.lat)
    dlat = lat_r[1:] - lat_r[:-1]
    dlon = lon_r[1:] - lon_r[:-1]
    a = np.sin(dlat / 2) ** 2 + np.cos(lat_r[:-1]) * np.cos(lat_r[1:]) * np.sin(dlon / 2) ** 2
    seg = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
    seg = np.append(seg, 0.0)  # position i -> i+1; the value at a piece's last position unused
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    length = cum[e_end] - cum[e_start]
    # geometry: positions e_start..e_end inclusive
    npts = e_end - e_start + 1
    line_idx = np.repeat(np.arange(len(e_start)), npts)
    pos = np.repeat(e_start - np.concatenate([[0], np.cumsum(npts)[:-1]]), npts) + np.arange(
        npts.sum()
    )
    coords = np.column_stack([w.lon[pos], w.lat[pos]])
    geoms = shapely.linestrings(coords, indices=line_idx)
    pid = piece_of[e_start]
    edges = gpd.GeoDataFrame(
        {
            "u": w.refs[e_start],
            "v": w.refs[e_end],
            "highway": pd.array(np.asarray(w.highway, dtype=object)[pid], dtype=object),
            "oneway": np.asarray(w.oneway, dtype=bool)[pid],
            "surface": pd.array(np.asarray(w.surface, dtype=object)[pid], dtype=object),
            "maxspeed_kph": np.asarray(w.maxspeed, dtype=float)[pid],
            "bridge": np.asarray(w.bridge, dtype=bool)[pid],
            "name": pd.array(np.asarray(w.name, dtype=object)[pid], dtype=object),
            "length_m": length,
            "osm_way_id": np.asarray(w.osm_way, dtype=np.int64)[pid],
        },
        geometry=geoms,
        crs="EPSG:4326",
    )
    used = np.flatnonzero(is_node)
    ids, first = np.unique(w.refs[used], return_index=True)
    pick = used[first]
    nodes = gpd.GeoDataFrame(
        {"node_id": ids},
        geometry=shapely.points(w.lon[pick], w.lat[pick]),
        crs="EPSG:4326",
    )
    return nodes, edges


def merge_coincident(w: WayPieces) -> np.ndarray:
    """Give distinct OSM nodes at the same coordinates one id; drop repeated positions.

    Returns the piece number of each remaining position (pieces left with fewer than two
    positions are removed; ``w`` is updated in place).
    """
    n = len(w.refs)
    n_pieces = len(w.starts)
    ends = np.append(w.starts[1:], n)
    piece_of = np.repeat(np.arange(n_pieces), ends - w.starts)
    # one complex key per position: the same groups as unique rows of (lon, lat), and a
    # numeric sort (unique rows sort raw bytes, six times slower on a country)
    key = np.empty(n, dtype=np.complex128)
    key.real, key.imag = w.lon, w.lat
    _, first, inv = np.unique(key, return_index=True, return_inverse=True)
    # canonical id: the smallest OSM id at each location
    canon_of_loc = np.full(len(first), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(canon_of_loc, inv.ravel(), w.refs)
    refs = canon_of_loc[inv.ravel()]
    keep = np.ones(n, dtype=bool)
    keep[1:] = ~((refs[1:] == refs[:-1]) & (piece_of[1:] == piece_of[:-1]))
    per_piece = np.bincount(piece_of[keep], minlength=n_pieces)
    keep &= per_piece[piece_of] >= 2
    w.refs, w.lon, w.lat = refs[keep], w.lon[keep], w.lat[keep]
    piece_of = piece_of[keep]
    # renumber pieces densely, keeping the attribute lists aligned
    alive = np.flatnonzero(per_piece >= 2)
    if len(alive) != n_pieces:
        for attr in ("highway", "oneway", "surface", "maxspeed", "bridge", "name", "osm_way"):
            vals = getattr(w, attr)
            setattr(w, attr, [vals[i] for i in alive])
    new_id = np.full(n_pieces, -1, dtype=np.int64)
    new_id[alive] = np.arange(len(alive))
    piece_of = new_id[piece_of]
    w.starts = (
        np.flatnonzero(np.r_[True, piece_of[1:] != piece_of[:-1]])
        if len(piece_of)
        else (np.empty(0, np.int64))
    )
    return piece_of
