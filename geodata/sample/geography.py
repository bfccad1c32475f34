"""The sample region's geography: units, settlements, roads, centres and candidate sites.

See :mod:`geodata.sample` for the steps and ``docs/sample_region.md`` for the method.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer
from scipy.spatial import cKDTree

from geodata.region import Region, RoadNetwork
from geodata.sample.names import synthetic_name, unique_names
from geodata.sample.roads import sample_road_network
from geodata.schema import STORAGE_CRS

__all__ = ["SampleParams", "make_sample_geography"]


@dataclass(frozen=True)
class SampleParams:
    """Size and shape of a synthetic region. Defaults give the sample district."""

    seed: int = 2017
    width_km: float = 100.0
    height_km: float = 80.0
    n_provinces: int = 1
    n_districts: int = 1
    n_tehsils: int = 3
    n_union_councils: int = 40
    n_settlements: int = 1100
    households_target: int = 150_000
    mountain_share: float = 0.35
    roadless_share_mountain: float = 0.12
    segment_m: float = 700.0
    origin_lon: float = 69.3
    origin_lat: float = 29.9
    name: str = "Sample District (synthetic)"

    def __post_init__(self) -> None:
        """Refuse sizes that cannot nest (e.g. more districts than tehsils)."""
        for attr in ("n_provinces", "n_districts", "n_tehsils", "n_union_councils"):
            if getattr(self, attr) < 1:
                raise ValueError(f"SampleParams.{attr} must be at least 1")
        if not (self.n_provinces <= self.n_districts <= self.n_tehsils <= self.n_union_councils):
            raise ValueError(
                "SampleParams needs n_provinces <= n_districts <= n_tehsils <= n_union_councils"
            )
        if self.n_settlements < 2 * self.n_tehsils:
            raise ValueError("SampleParams.n_settlements must be at least twice n_tehsils")
        if not 0 <= self.mountain_share < 1:
            raise ValueError("SampleParams.mountain_share must be in [0, 1)")


def make_sample_geography(params: SampleParams | None = None) -> Region:
    """Generate the synthetic region's geography (roads, places, centres, boundaries).

    The same ``params`` always give the same region, byte for byte once saved.

    Parameters
    ----------
    params
        Size and shape; :class:`SampleParams` defaults give the sample district.

    Returns
    -------
    Region
        With ``coverage`` and ``poverty`` left ``None`` (see ``access.synthetic``).
    """
    p = params or SampleParams()
    rng = np.random.default_rng(p.seed)
    w, h = p.width_km * 1000.0, p.height_km * 1000.0
    mountain_x = p.mountain_share * w

    uc_xy = _sample_density(rng, p.n_union_councils, w, h, mountain_x)
    uc_xy = uc_xy[np.lexsort((uc_xy[:, 1], uc_xy[:, 0]))]
    teh_of_uc = _nest(uc_xy, p.n_tehsils, rng)
    teh_xy = _centroids(uc_xy, teh_of_uc, p.n_tehsils)
    dist_of_teh = _nest(teh_xy, p.n_districts, rng)
    dist_xy = _centroids(teh_xy, dist_of_teh, p.n_districts)
    prov_of_dist = _nest(dist_xy, p.n_provinces, rng)

    # settlements: density field plus clusters around union-council seeds
    n_cluster = p.n_settlements // 3
    pts = np.vstack(
        [
            _sample_density(rng, p.n_settlements - n_cluster, w, h, mountain_x),
            _clustered(rng, uc_xy, n_cluster, w, h),
        ]
    )
    uc_of_pt = cKDTree(uc_xy).query(pts)[1]
    teh_of_pt = teh_of_uc[uc_of_pt]
    # headquarters town per tehsil: the settlement nearest the tehsil centre of mass
    hq = np.empty(p.n_tehsils, dtype=np.int64)
    for t in range(p.n_tehsils):
        members = np.flatnonzero(teh_of_pt == t)
        if members.size == 0:  # a tehsil with no settlement: put one at its seed centre
            pts = np.vstack([pts, teh_xy[t]])
            uc_of_pt = np.append(uc_of_pt, int(cKDTree(uc_xy).query(teh_xy[t])[1]))
            teh_of_pt = np.append(teh_of_pt, t)
            members = np.array([len(pts) - 1])
        d = np.hypot(*(pts[members] - teh_xy[t]).T)
        hq[t] = members[np.argmin(d)]
    mountain = pts[:, 0] < mountain_x

    hh = rng.lognormal(mean=np.log(90.0), sigma=0.85, size=len(pts))
    hh[mountain] *= 0.55
    hh[hq] = rng.uniform(25.0, 45.0, size=len(hq)) * np.median(hh)
    # union-council seats (largest village near each seed) are bigger villages
    seat = cKDTree(pts).query(uc_xy)[1]
    hh[seat] *= 3.0
    hh = hh / hh.sum() * p.households_target
    households = np.maximum(np.round(hh), 1).astype(np.int64)
    hh_size = rng.uniform(6.0, 7.2, size=p.n_tehsils)[teh_of_pt]
    population = np.round(households * hh_size).astype(np.int64)

    # road anchors: a road point near each settlement; some mountain villages have none
    roadless = mountain & (rng.random(len(pts)) < p.roadless_share_mountain)
    roadless[hq] = False
    roadless[seat] = False
    offset = rng.exponential(120.0, size=len(pts)) + 20.0
    ang = rng.uniform(0, 2 * np.pi, size=len(pts))
    anchors = pts + np.column_stack([np.cos(ang), np.sin(ang)]) * offset[:, None]
    anchors = np.clip(anchors, 0, [w, h])
    road_idx = np.flatnonzero(~roadless)
    nodes_xy, edges = sample_road_network(
        rng,
        anchors[road_idx],
        households[road_idx],
        mountain[road_idx],
        np.searchsorted(road_idx, hq),
        mountain_x,
        p.segment_m,
    )

    # names and admin labels
    names = [synthetic_name(int(i)) for i in rng.permutation(len(pts))]
    teh_names = unique_names(
        [synthetic_name(500 + 37 * t)[0].split()[1] for t in range(p.n_tehsils)]
    )
    dist_names = [
        f"Sample District {d + 1}" if p.n_districts > 1 else "Sample District"
        for d in range(p.n_districts)
    ]
    prov_names = [
        f"Sample Province {q + 1}" if p.n_provinces > 1 else "Sample Province"
        for q in range(p.n_provinces)
    ]
    uc_names = [f"UC-{u + 1:03d}" for u in range(p.n_union_councils)]
    for t in range(p.n_tehsils):
        names[hq[t]] = (teh_names[t], names[hq[t]][1].split()[1] + " " + "شہر")

    to_ll = _transformer(p)
    lon, lat = to_ll.transform(pts[:, 0], pts[:, 1])
    width = len(str(len(pts)))
    settlements = gpd.GeoDataFrame(
        {
            "settlement_id": [f"S{i:0{width}d}" for i in range(len(pts))],
            "name": [n[0] for n in names],
            "name_ur": [n[1] for n in names],
            "province": [prov_names[prov_of_dist[dist_of_teh[t]]] for t in teh_of_pt],
            "district": [dist_names[dist_of_teh[t]] for t in teh_of_pt],
            "tehsil": [teh_names[t] for t in teh_of_pt],
            "union_council": [uc_names[u] for u in uc_of_pt],
            "households": households,
            "population": population,
            "terrain": np.where(mountain, "mountain", "plain"),
        },
        geometry=gpd.points_from_xy(lon, lat),
        crs=STORAGE_CRS,
    )

    nlon, nlat = to_ll.transform(nodes_xy[:, 0], nodes_xy[:, 1])
    road_nodes = gpd.GeoDataFrame(
        {"node_id": np.arange(len(nodes_xy), dtype=np.int64)},
        geometry=gpd.points_from_xy(nlon, nlat),
        crs=STORAGE_CRS,
    )
    coords = np.column_stack([nlon, nlat])
    edges_gdf = gpd.GeoDataFrame(
        edges.assign(length_m=np.hypot(*(nodes_xy[edges["u"]] - nodes_xy[edges["v"]]).T).round(1)),
        geometry=shapely.linestrings(
            np.stack([coords[edges["u"].to_numpy()], coords[edges["v"].to_numpy()]], axis=1)
        ),
        crs=STORAGE_CRS,
    )

    centres = _sites(
        settlements,
        hq,
        kind="existing",
        prefix="DRC",
        capacity=150.0,
        cost=np.zeros(len(hq)),
        desks=5,
    )
    cand_idx = _candidate_sites(pts, households, seat, hq, min_spacing_m=4000.0)
    remote_premium = np.where(mountain[cand_idx], 1.5, 1.0)
    candidates = _sites(
        settlements,
        cand_idx,
        kind="candidate",
        prefix="UCC",
        capacity=60.0,
        cost=np.round(3_000_000.0 * remote_premium),
        desks=2,
    )

    boundaries = _boundaries(
        uc_xy,
        teh_of_uc,
        dist_of_teh,
        prov_of_dist,
        w,
        h,
        to_ll,
        uc_names,
        teh_names,
        dist_names,
        prov_names,
    )
    metadata = {
        "synthetic": True,
        "label": "SYNTHETIC sample region: no real place, road, household or registry figure",
        "generator": "geodata.sample.make_sample_geography",
        "params": asdict(p),
        "metric_crs": _utm(p).to_string(),
        "provenance": {
            "roads": "synthetic (Delaunay/MST road hierarchy)",
            "settlements": "synthetic (density field, lognormal households)",
            "centres": "synthetic: one Dynamic Registration Centre per tehsil headquarters",
            "candidates": "synthetic: union-council seats and large villages, 4 km apart",
            "boundaries": "synthetic (nested Voronoi cells)",
        },
        "licences": {"all": "generated by accessgap; no third-party data"},
    }
    return Region(
        name=p.name,
        roads=RoadNetwork(road_nodes, edges_gdf),
        settlements=settlements,
        centres=centres,
        candidates=candidates,
        boundaries=boundaries,
        coverage=None,
        poverty=None,
        metadata=metadata,
    )


# ---------------------------------------------------------------------------------------


def _utm(p: SampleParams) -> CRS:
    zone = int((p.origin_lon + 180) // 6) + 1
    return CRS.from_epsg(32600 + zone)


def _transformer(p: SampleParams) -> Transformer:
    utm = _utm(p)
    fwd = Transformer.from_crs(STORAGE_CRS, utm, always_xy=True)
    e0, n0 = fwd.transform(p.origin_lon, p.origin_lat)
    inv = Transformer.from_pipeline(
        f"+proj=pipeline +step +proj=affine +xoff={e0:.3f} +yoff={n0:.3f} "
        f"+step +inv +proj=utm +zone={utm.utm_zone[:-1]} +ellps=WGS84"
        if utm.utm_zone
        else ""
    )
    return inv


def _density(xy: np.ndarray, w: float, h: float, mountain_x: float) -> np.ndarray:
    x, y = xy[:, 0], xy[:, 1]
    plain = np.where(x < mountain_x, 0.2, 1.0)
    # a river valley across the plain and a second one into the hills
    valley = 0.8 * np.exp(-(((y - 0.45 * h - 0.1 * (x - w / 2)) / (0.08 * h)) ** 2))
    hills = 0.25 * np.exp(-(((y - 0.7 * h) / (0.06 * h)) ** 2)) * (x < mountain_x)
    return np.asarray(plain + valley * (x >= mountain_x) + hills)


def _sample_density(
    rng: np.random.Generator, n: int, w: float, h: float, mountain_x: float
) -> np.ndarray:
    out: list[np.ndarray] = []
    got = 0
    while got < n:
        cand = 200.0 + rng.random((4 * n + 16, 2)) * [w - 400.0, h - 400.0]
        keep = rng.random(len(cand)) * 1.9 < _density(cand, w, h, mountain_x)
        out.append(cand[keep])
        got += int(keep.sum())
    return np.vstack(out)[:n]


def _clustered(
    rng: np.random.Generator, centres: np.ndarray, n: int, w: float, h: float
) -> np.ndarray:
    which = rng.integers(0, len(centres), size=n)
    xy = centres[which] + rng.normal(0, 2500.0, size=(n, 2))
    return np.clip(xy, 200.0, [w - 200.0, h - 200.0])


def _nest(xy: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Group points into ``k`` parents by farthest-point seeds and a few k-means steps."""
    if k >= len(xy):
        return np.arange(len(xy))
    seeds = [int(rng.integers(len(xy)))]
    d = np.hypot(*(xy - xy[seeds[0]]).T)
    for _ in range(1, k):
        seeds.append(int(np.argmax(d)))
        d = np.minimum(d, np.hypot(*(xy - xy[seeds[-1]]).T))
    c = xy[seeds].copy()
    for _ in range(10):
        lab = cKDTree(c).query(xy)[1]
        for j in range(k):
            if (lab == j).any():
                c[j] = xy[lab == j].mean(axis=0)
    lab = cKDTree(c).query(xy)[1]
    # relabel west to east for readable, stable names; empty parents keep their seed
    order = np.lexsort((c[:, 1], c[:, 0]))
    rank = np.empty(k, dtype=np.int64)
    rank[order] = np.arange(k)
    out = rank[lab]
    for j in range(k):  # guarantee every parent has a child
        if not (out == j).any():
            out[seeds[order[j]]] = j
    return np.asarray(out)


def _centroids(xy: np.ndarray, lab: np.ndarray, k: int) -> np.ndarray:
    return np.array([xy[lab == j].mean(axis=0) for j in range(k)])


def _sites(
    settlements: gpd.GeoDataFrame,
    idx: np.ndarray,
    *,
    kind: str,
    prefix: str,
    capacity: float,
    cost: np.ndarray,
    desks: int,
) -> gpd.GeoDataFrame:
    s = settlements.iloc[idx]
    return gpd.GeoDataFrame(
        {
            "centre_id": [f"{prefix}{i + 1:03d}" for i in range(len(idx))],
            "name": [f"{prefix} {n}" for n in s["name"]],
            "kind": kind,
            "capacity_per_day": capacity,
            "desks": desks,  # synthetic: capacity = desks x 30 registrations per desk-day
            "opening_cost_pkr": np.asarray(cost, dtype=float),
            "tehsil": s["tehsil"].to_numpy(),
            "union_council": s["union_council"].to_numpy(),
            "assumed": False,
            "settlement_id": s["settlement_id"].to_numpy(),
        },
        geometry=s.geometry.to_numpy(),
        crs=settlements.crs,
    )


def _candidate_sites(
    pts: np.ndarray,
    households: np.ndarray,
    seat: np.ndarray,
    hq: np.ndarray,
    *,
    min_spacing_m: float,
) -> np.ndarray:
    """Greedy candidate sites: union-council seats first, then the largest villages.

    Each site is at least ``min_spacing_m`` from every site taken (headquarters included).
    A grid of ``min_spacing_m`` cells makes each check look at 9 cells only.
    """
    order = np.r_[np.unique(seat), np.argsort(-households, kind="stable")]
    chosen: list[int] = []
    seen: set[int] = set(int(i) for i in hq)
    grid: dict[tuple[int, int], list[int]] = {}

    def cell(i: int) -> tuple[int, int]:
        return int(pts[i, 0] // min_spacing_m), int(pts[i, 1] // min_spacing_m)

    def too_close(i: int) -> bool:
        cx, cy = cell(i)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for j in grid.get((cx + dx, cy + dy), ()):
                    if np.hypot(*(pts[j] - pts[i])) < min_spacing_m:
                        return True
        return False

    for h in hq:
        grid.setdefault(cell(int(h)), []).append(int(h))
    for i in order.tolist():
        if i in seen or households[i] < 60:
            continue
        seen.add(i)
        if too_close(i):
            continue
        chosen.append(i)
        grid.setdefault(cell(i), []).append(i)
    return np.asarray(chosen, dtype=np.int64)


def _boundaries(
    uc_xy: np.ndarray,
    teh_of_uc: np.ndarray,
    dist_of_teh: np.ndarray,
    prov_of_dist: np.ndarray,
    w: float,
    h: float,
    to_ll: Transformer,
    uc_names: list[str],
    teh_names: list[str],
    dist_names: list[str],
    prov_names: list[str],
) -> gpd.GeoDataFrame:
    box = shapely.box(0, 0, w, h)
    cells = shapely.voronoi_polygons(shapely.multipoints(uc_xy), extend_to=box)
    polys = [shapely.intersection(c, box) for c in shapely.get_parts(cells)]
    # voronoi_polygons does not keep input order: match cells to seeds
    owner = [
        int(np.flatnonzero(shapely.contains_xy(pg, uc_xy[:, 0], uc_xy[:, 1]))[0]) for pg in polys
    ]
    uc_poly = [polys[owner.index(u)] for u in range(len(uc_xy))]

    def ll(g: shapely.Geometry) -> shapely.Geometry:
        g = shapely.segmentize(g, 1000.0)
        return shapely.transform(g, lambda a: np.column_stack(to_ll.transform(a[:, 0], a[:, 1])))

    rows = []
    teh_poly = [
        shapely.union_all([uc_poly[u] for u in np.flatnonzero(teh_of_uc == t)])
        for t in range(len(teh_names))
    ]
    dist_poly = [
        shapely.union_all([teh_poly[t] for t in np.flatnonzero(dist_of_teh == d)])
        for d in range(len(dist_names))
    ]
    prov_poly = [
        shapely.union_all([dist_poly[d] for d in np.flatnonzero(prov_of_dist == q)])
        for q in range(len(prov_names))
    ]
    for q, pg in enumerate(prov_poly):
        rows.append(("province", prov_names[q], prov_names[q], None, pg))
    for d, pg in enumerate(dist_poly):
        rows.append(("district", dist_names[d], dist_names[d], prov_names[prov_of_dist[d]], pg))
    for t, pg in enumerate(teh_poly):
        rows.append(("tehsil", teh_names[t], teh_names[t], dist_names[dist_of_teh[t]], pg))
    for u, pg in enumerate(uc_poly):
        rows.append(("union_council", uc_names[u], uc_names[u], teh_names[teh_of_uc[u]], pg))
    gdf = gpd.GeoDataFrame(
        pd.DataFrame(rows[:], columns=["level", "code", "name", "parent_code", "geometry"]),
        geometry="geometry",
    )
    gdf["geometry"] = [shapely.make_valid(ll(g)) for g in gdf.geometry]
    return gdf.set_crs(STORAGE_CRS)
