"""Whether a region is fit for planning: the figures a planner should see, and warnings.

:func:`check_geography` finds what cannot be right; :func:`review_region` finds what is
possible but should not be trusted without a look: households far from any road, settlements
too big to stand for one place, tehsils whose households disagree with the census, a road
network whose road distances are implausible next to the straight line (circuity), admin
units cut by the extract, and everything the build assumed. ``accessgap region build`` prints
the review in its report and ``accessgap region check`` prints the same warnings for any
region. Each warning says what to do.

Circuity is measured on the road graph alone (edge lengths, both directions, drivable
classes), between a fixed sample of settlement pairs, so it needs no travel engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra
from scipy.spatial import cKDTree

from geodata.drivable import NOT_DRIVABLE, DrivableNetwork, drivable_network
from geodata.geography import GeographyCheck

if TYPE_CHECKING:
    from geodata.region import Region

__all__ = ["RegionReview", "ReviewSettings", "review_region"]


@dataclass(frozen=True)
class ReviewSettings:
    """Thresholds of :func:`review_region`.

    Attributes
    ----------
    far_road_m, far_share_warn
        Households of settlements farther than ``far_road_m`` from a drivable road; warn when
        their share exceeds ``far_share_warn``.
    max_households
        A settlement above this many households is too big to stand for one place.
    n_largest
        How many of the largest settlements to list.
    circuity_pairs, circuity_min_km, circuity_outlier, circuity_seed
        Settlement pairs sampled for circuity, their least straight-line distance, the ratio
        above which a pair is an outlier, and the sampling seed.
    circuity_work, circuity_local_km, circuity_local_targets
        Search budget: when drivable nodes x pairs exceed ``circuity_work`` (a national
        region; a district is far below), pairs are drawn near a few sampled settlements
        instead: ``circuity_pairs / circuity_local_targets`` sources, each with up to
        ``circuity_local_targets`` settlements within ``circuity_local_km``, and each
        search stops at ``circuity_outlier x circuity_local_km``.
    census_tolerance
        A tehsil whose settlements hold more than census x (1 + this) households, or (when
        wholly inside) less than census x (1 - this), is flagged.
    """

    far_road_m: float = 2_000.0
    far_share_warn: float = 0.02
    max_households: int = 20_000
    n_largest: int = 5
    circuity_pairs: int = 200
    circuity_min_km: float = 1.0
    circuity_outlier: float = 2.5
    circuity_seed: int = 16
    circuity_work: int = 100_000_000
    circuity_local_km: float = 25.0
    circuity_local_targets: int = 10
    census_tolerance: float = 0.01


@dataclass(frozen=True)
class RegionReview:
    """Figures and warnings of :func:`review_region`.

    Attributes
    ----------
    share_far_from_road
        Share of households in settlements farther than ``far_road_m`` from a drivable road.
    largest
        The largest settlements: ``settlement_id, name, tehsil, households``.
    per_tehsil
        ``tehsil, settlements, households`` (and ``census_households``, ``share_inside``,
        ``share_of_census`` when census totals are known).
    circuity_median, circuity_p90
        Road metres / straight-line metres over the sampled pairs (NaN without pairs).
    circuity_outliers
        ``from, to, straight_km, road_km, circuity`` of the pairs above the outlier ratio or
        not joined by road (``road_km`` NaN).
    partial_units
        ``level: name`` of the admin units only partly inside the region.
    assumed
        What the build assumed or estimated, in plain words.
    warnings
        The findings a planner must read, with what to do.
    """

    share_far_from_road: float
    largest: pd.DataFrame
    per_tehsil: pd.DataFrame
    circuity_median: float
    circuity_p90: float
    circuity_outliers: pd.DataFrame
    partial_units: tuple[str, ...] = ()
    assumed: tuple[str, ...] = ()
    warnings: tuple[GeographyCheck, ...] = field(default_factory=tuple)

    def lines(self) -> list[str]:
        """The review in plain lines (the build report prints them)."""
        out = [
            f"review: {self.share_far_from_road:.1%} of households live more than 2 km from a "
            "drivable road",
            f"  road circuity (road / straight line): median {self.circuity_median:.2f}, "
            f"90th percentile {self.circuity_p90:.2f}, {len(self.circuity_outliers)} outlier "
            "pair(s)",
            "  largest settlements: "
            + "; ".join(f"{r.name} {r.households:,.0f} hh" for r in self.largest.itertuples()),
        ]
        for r in self.per_tehsil.itertuples():
            census = getattr(r, "census_households", np.nan)
            inside = getattr(r, "share_inside", 1.0)
            extra = ""
            if pd.notna(census) and inside < 1:
                extra = (
                    f" of census {census:,.0f} x share inside {inside:.1%} = "
                    f"{census * inside:,.0f} ({r.share_of_census:.0%})"
                )
            elif pd.notna(census):
                extra = f" of census {census:,.0f} ({r.share_of_census:.0%})"
            out.append(
                f"  tehsil {r.tehsil}: {r.settlements} settlements, {r.households:,.0f} "
                f"households{extra}"
            )
        out += [f"  partial unit: {u}" for u in self.partial_units]
        out += [f"  assumed: {a}" for a in self.assumed]
        out += [f"warning: {w}" for w in self.warnings]
        return out


def review_region(
    region: Region,
    settings: ReviewSettings | None = None,
    *,
    census_households: Mapping[str, float] | None = None,
    net: DrivableNetwork | None = None,
) -> RegionReview:
    """Review ``region``: figures a planner should see and warnings with what to do.

    Parameters
    ----------
    region
        A validated region.
    settings
        Thresholds; default :class:`ReviewSettings`.
    census_households
        Census households per tehsil; default ``region.metadata["census_households"]``
        (written by the build when a census was used), else no comparison.
    net
        The region's drivable network in its metric CRS, when the caller has it
        (:func:`geodata.drivable.drivable_network`); computed otherwise.

    Returns
    -------
    RegionReview
    """
    cfg = settings or ReviewSettings()
    crs = region.metric_crs()
    sett = region.settlements
    if net is None or not net.in_crs(crs):
        net = drivable_network(region.roads.nodes, region.roads.edges, crs)
    s_xy = _xy(sett, crs)
    hh = sett["households"].to_numpy(dtype=float)
    far = net.distance_to_road(s_xy) > cfg.far_road_m
    share_far = float(hh[far].sum() / hh.sum()) if hh.sum() > 0 else 0.0
    census = census_households
    if census is None:
        meta = region.metadata.get("census_households")
        census = meta if isinstance(meta, Mapping) else None
    shares = region.metadata.get("census_share_inside")
    per_tehsil = _per_tehsil(sett, census, shares if isinstance(shares, Mapping) else None)
    largest = sett.nlargest(cfg.n_largest, "households")[
        ["settlement_id", "name", "tehsil", "households"]
    ].reset_index(drop=True)
    med, p90, outliers = _circuity(region, net, cfg)
    partial = _partial_units(region)
    assumed = _assumed(region)
    found = _far_warning(sett, far, share_far, cfg)
    found += _big_warning(sett, cfg)
    found += _census_warnings(per_tehsil, partial, cfg)
    found += _circuity_warning(outliers, med, cfg)
    if partial:
        found.append(
            GeographyCheck(
                "partial_unit",
                "boundaries",
                tuple(partial),
                f"{len(partial)} admin unit(s) only partly inside the region "
                f"({', '.join(partial)}); their figures cover the part inside only: extend "
                "the extract or give boundaries=FILE of the whole units",
            )
        )
    if assumed:
        found.append(
            GeographyCheck(
                "assumed",
                "region.json",
                (),
                f"{len(assumed)} input(s) are assumed or estimated, not measured (see "
                "'assumed' lines / metadata.provenance); replace them with real files "
                "(centres=, coverage=, settlements=) before planning",
            )
        )
    return RegionReview(
        share_far_from_road=share_far,
        largest=largest,
        per_tehsil=per_tehsil,
        circuity_median=med,
        circuity_p90=p90,
        circuity_outliers=outliers,
        partial_units=tuple(partial),
        assumed=tuple(assumed),
        warnings=tuple(found),
    )


# ---------------------------------------------------------------------------------------


def _xy(gdf: Any, crs: Any) -> NDArray[np.float64]:
    g = gdf.geometry.to_crs(crs)
    return np.column_stack([g.x.to_numpy(), g.y.to_numpy()])


def _per_tehsil(
    sett: Any, census: Mapping[str, float] | None, shares: Mapping[str, float] | None
) -> pd.DataFrame:
    """Settlements and households per tehsil, with census totals when known.

    ``share_of_census`` compares the households with the census total times the tehsil's
    share inside the region (1 for a whole tehsil, ``census_share_inside`` in the metadata).
    """
    tab = (
        sett.groupby("tehsil", sort=True)["households"]
        .agg(settlements="size", households="sum")
        .reset_index()
    )
    if census:
        tab["census_households"] = tab["tehsil"].map({str(k): float(v) for k, v in census.items()})
        share = tab["tehsil"].map({str(k): float(v) for k, v in (shares or {}).items()})
        tab["share_inside"] = share.fillna(1.0)
        tab["share_of_census"] = tab["households"] / (
            tab["census_households"] * tab["share_inside"]
        )
    return pd.DataFrame(tab)


def _partial_units(region: Region) -> list[str]:
    b = region.boundaries
    if b.empty or "partial" not in b.columns:
        return []
    part = b[b["partial"].fillna(False).astype(bool)]
    return [f"{lv} {n}" for lv, n in zip(part["level"], part["name"], strict=True)]


def _assumed(region: Region) -> list[str]:
    meta = region.metadata
    out = [
        f"{k}: {v}"
        for k, v in dict(meta.get("provenance", {})).items()
        if str(v).upper().startswith(("ASSUMED", "ESTIMATED", "SYNTHETIC"))
    ]
    if not meta.get("coverage_known", True):
        out.append("coverage: registry coverage unknown (no coverage table)")
    if not meta.get("union_council_known", True):
        out.append("union councils: unknown (no union council boundaries)")
    return out


def _far_warning(
    sett: Any, far: NDArray[np.bool_], share: float, cfg: ReviewSettings
) -> list[GeographyCheck]:
    if share <= cfg.far_share_warn:
        return []
    ids = sett["settlement_id"].astype(str).to_numpy()[far]
    return [
        GeographyCheck(
            "households_far_from_road",
            "settlements",
            tuple(ids),
            f"{share:.1%} of households live in settlements more than "
            f"{cfg.far_road_m / 1000:g} km from any drivable road ({_head(ids)}); their travel "
            "times are mostly an off-road walk: check that the extract covers them (roads "
            "missing from OSM or cut by the extract's edge) or give settlements=FILE",
        )
    ]


def _big_warning(sett: Any, cfg: ReviewSettings) -> list[GeographyCheck]:
    big = sett["households"].to_numpy(dtype=float) > cfg.max_households
    if not big.any():
        return []
    ids = sett["settlement_id"].astype(str).to_numpy()[big]
    most = float(sett["households"].max())
    return [
        GeographyCheck(
            "large_settlement",
            "settlements",
            tuple(ids),
            f"{int(big.sum())} settlement(s) hold more than {cfg.max_households:,} households "
            f"({_head(ids)}, up to {most:,.0f}); one point cannot stand for them: everyone "
            "there gets one travel time. Split them (a population raster, finer place nodes) "
            "or give settlements=FILE",
        )
    ]


def _census_warnings(
    tab: pd.DataFrame, partial: list[str], cfg: ReviewSettings
) -> list[GeographyCheck]:
    if "census_households" not in tab.columns:
        return []
    known = tab[tab["census_households"].notna() & (tab["census_households"] > 0)]
    part = {p.removeprefix("tehsil ") for p in partial if p.startswith("tehsil ")}
    over = known[known["share_of_census"] > 1 + cfg.census_tolerance]
    under = known[
        (known["share_of_census"] < 1 - cfg.census_tolerance) & ~known["tehsil"].isin(part)
    ]
    found = []
    if len(over):
        found.append(
            GeographyCheck(
                "census_exceeded",
                "settlements",
                tuple(over["tehsil"]),
                "settlements hold more households than the census gives the tehsil ("
                + ", ".join(
                    f"{t} {h:,.0f} > {c * f:,.0f}"
                    for t, h, c, f in zip(
                        over["tehsil"],
                        over["households"].astype(float),
                        over["census_households"].astype(float),
                        over["share_inside"].astype(float),
                        strict=True,
                    )
                )
                + "); a population is counted twice: check places added on top of the census",
            )
        )
    if len(under):
        found.append(
            GeographyCheck(
                "census_short",
                "settlements",
                tuple(under["tehsil"]),
                "tehsils wholly inside the region hold fewer households than the census ("
                + ", ".join(f"{r.tehsil} {r.share_of_census:.0%}" for r in under.itertuples())
                + "); households were lost: check the settlements of those tehsils",
            )
        )
    return found


def _circuity_warning(
    outliers: pd.DataFrame, med: float, cfg: ReviewSettings
) -> list[GeographyCheck]:
    if outliers.empty:
        return []
    pairs = [f"{r[0]}->{r[1]}" for r in outliers[["from", "to"]].itertuples(index=False)]
    joined = outliers["road_km"].notna()
    return [
        GeographyCheck(
            "circuity",
            "roads",
            tuple(pairs),
            f"{len(outliers)} sampled settlement pair(s) have road distances over "
            f"{cfg.circuity_outlier:g} x the straight line or no road between them "
            f"({int((~joined).sum())} not joined; {_head(np.asarray(pairs), 8)}; median "
            f"circuity {med:.2f}); check the roads between them (missing links, one-way "
            "errors, a river without its bridge) before trusting their travel times",
        )
    ]


def _circuity(
    region: Region, net: DrivableNetwork, cfg: ReviewSettings
) -> tuple[float, float, pd.DataFrame]:
    """Median and 90th percentile circuity of sampled settlement pairs, and the outliers."""
    cols = ["from", "to", "straight_km", "road_km", "circuity"]
    sett = region.settlements
    edges = region.roads.edges
    if len(net) < 2 or len(sett) < 2:
        return float("nan"), float("nan"), pd.DataFrame(columns=cols)
    drive = edges[~edges["highway"].isin(NOT_DRIVABLE)]
    u = np.searchsorted(net.node_id, drive["u"].to_numpy(np.int64))
    v = np.searchsorted(net.node_id, drive["v"].to_numpy(np.int64))
    w = np.maximum(drive["length_m"].to_numpy(float), 1e-3)
    n = len(net)
    adj = coo_matrix((np.r_[w, w], (np.r_[u, v], np.r_[v, u])), shape=(n, n)).tocsr()
    main = np.flatnonzero(net.main)  # points join the main network, as in the engine
    _, near = cKDTree(net.xy[main]).query(_xy(sett, net.crs))
    node = main[np.asarray(near, dtype=np.int64)]
    rng = np.random.default_rng(cfg.circuity_seed)
    if len(net) * min(cfg.circuity_pairs, len(sett)) <= cfg.circuity_work:
        a, b, straight, road = _global_pairs(adj, net.xy, node, cfg, rng)
    else:
        a, b, straight, road = _local_pairs(adj, net.xy, node, cfg, rng)
    if not len(a):
        return float("nan"), float("nan"), pd.DataFrame(columns=cols)
    ratio = road / straight
    ids = sett["settlement_id"].astype(str).to_numpy()
    tab = pd.DataFrame(
        {
            "from": ids[a],
            "to": ids[b],
            "straight_km": straight / 1000,
            "road_km": np.where(np.isfinite(road), road / 1000, np.nan),
            "circuity": np.where(np.isfinite(ratio), ratio, np.nan),
        }
    )
    ok = tab["circuity"].notna()
    med = float(tab.loc[ok, "circuity"].median()) if ok.any() else float("nan")
    p90 = float(tab.loc[ok, "circuity"].quantile(0.9)) if ok.any() else float("nan")
    out = tab[~ok | (tab["circuity"] > cfg.circuity_outlier)].reset_index(drop=True)
    return med, p90, out


_Pairs = tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]


def _global_pairs(
    adj: Any, xy: NDArray[np.float64], node: NDArray[np.int64], cfg: ReviewSettings, rng: Any
) -> _Pairs:
    """Settlement pairs drawn anywhere in the region, with their straight and road metres."""
    k = len(node)
    a = rng.integers(0, k, cfg.circuity_pairs)
    b = rng.integers(0, k, cfg.circuity_pairs)
    straight = np.hypot(*(xy[node[a]] - xy[node[b]]).T)
    keep = (a != b) & (straight >= cfg.circuity_min_km * 1000)
    a, b, straight = a[keep], b[keep], straight[keep]
    if not len(a):
        return a, b, straight, straight
    src, inv = np.unique(node[a], return_inverse=True)
    dist = dijkstra(adj, directed=False, indices=src)
    return a, b, straight, dist[inv, node[b]]


def _local_pairs(
    adj: Any, xy: NDArray[np.float64], node: NDArray[np.int64], cfg: ReviewSettings, rng: Any
) -> _Pairs:
    """Pairs within ``circuity_local_km`` of a few sampled settlements (large regions).

    Each source's search stops at ``circuity_outlier x circuity_local_km``: a pair not
    reached by then is an outlier (its road distance is reported unknown).
    """
    k = len(node)
    n_src = max(1, cfg.circuity_pairs // cfg.circuity_local_targets)
    radius = cfg.circuity_local_km * 1000
    tree = cKDTree(xy[node])
    a_out: list[NDArray[np.int64]] = []
    b_out: list[NDArray[np.int64]] = []
    road: list[NDArray[np.float64]] = []
    for s in rng.choice(k, size=min(n_src, k), replace=False):
        near = np.asarray(tree.query_ball_point(xy[node[s]], radius), dtype=np.int64)
        d = np.hypot(*(xy[node[near]] - xy[node[s]]).T)
        near = near[(near != s) & (d >= cfg.circuity_min_km * 1000)]
        if not len(near):
            continue
        b = rng.choice(near, size=min(cfg.circuity_local_targets, len(near)), replace=False)
        dist = dijkstra(
            adj, directed=False, indices=int(node[s]), limit=cfg.circuity_outlier * radius
        )
        a_out.append(np.full(len(b), s, dtype=np.int64))
        b_out.append(np.asarray(b, dtype=np.int64))
        road.append(dist[node[b]])
    if not a_out:
        empty = np.zeros(0, np.int64)
        return empty, empty, np.zeros(0), np.zeros(0)
    a, b = np.concatenate(a_out), np.concatenate(b_out)
    return a, b, np.hypot(*(xy[node[a]] - xy[node[b]]).T), np.concatenate(road)


def _head(ids: NDArray[Any], k: int = 10) -> str:
    shown = ", ".join(str(i) for i in ids[:k])
    return shown + (f" and {len(ids) - k} more" if len(ids) > k else "")
