"""Placement of new Union Council centres on a region: the adapter from the region and the
travel-time engine to the array solvers of :mod:`scenarios.placement`.

One call, :func:`place_centres`, answers "with N more centres, where, and how many poor
households does each bring within reach?": chosen sites in the order they enter, the greedy
coverage curve, and before/after figures computed by the engine with the new sites open.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast

import geopandas as gpd
import numpy as np
import pandas as pd

from access.engine import TravelSettings, coverage_matrix, nearest_centre
from access.exclusion import fit_exclusion_model
from access.gaps import attach_registry, weighted_quantile
from access.speeds import Mode
from geodata.errors import AccessGapError
from geodata.files import write_folder_atomically
from geodata.privacy import PrivacySettings, suppress_small_groups
from geodata.region import Region
from scenarios import placement as pl

__all__ = [
    "DEMANDS",
    "MODELS",
    "PlacementPlan",
    "demand_weights",
    "SITE_COLUMNS",
    "place_centres",
    "sites_table",
    "write_placement",
]

Model = Literal["mclp", "p_median", "set_cover"]
Demand = Literal["unregistered_poor", "households", "expected_new"]
MODELS: tuple[str, ...] = ("mclp", "p_median", "set_cover")
#: Columns of the chosen sites that may be shown and exported.
SITE_COLUMNS: tuple[str, ...] = (
    "order",
    "centre_id",
    "name",
    "tehsil",
    "union_council",
    "demand_covered_new",
    "households_within",
    "opening_cost_pkr",
)
DEMANDS: tuple[str, ...] = ("unregistered_poor", "households", "expected_new")


@dataclass(frozen=True, eq=False)
class PlacementPlan:
    """New centres for a region and what they change.

    Attributes
    ----------
    sites
        Chosen candidates (EPSG:4326) with ``order`` (entry order in the greedy curve, or
        rank by demand newly covered), ``demand_covered_new`` and ``households_within``.
    curve
        Coverage curve: ``k``, ``centre_id``, ``name``, ``marginal_gain``, ``covered``,
        ``share``.
    before, after
        Headline figures with the existing centres only and with the new ones open.
    settlements_after
        Nearest-centre travel per settlement with the new centres open.
    result
        The solver's result (objective, bound, gap, proven_optimal...).
    """

    model: str
    mode: str
    within_min: float
    demand: str
    sites: gpd.GeoDataFrame
    curve: pd.DataFrame
    before: dict[str, float]
    after: dict[str, float]
    settlements_after: pd.DataFrame
    result: pl.PlacementResult

    def summary(self) -> dict[str, Any]:
        """JSON-friendly headline of the plan."""
        r = self.result
        return {
            "model": self.model,
            "mode": self.mode,
            "within_min": self.within_min,
            "demand": self.demand,
            "new_centres": len(self.sites),
            "sites": self.sites["centre_id"].tolist(),
            "objective": r.objective,
            "bound": r.bound,
            "gap": r.gap,
            "proven_optimal": r.proven_optimal,
            "method": r.method,
            "runtime_s": r.runtime_s,
            "before": self.before,
            "after": self.after,
        }


def demand_weights(region: Region, demand: str, travel_min: np.ndarray | None = None) -> np.ndarray:
    """Demand weight per settlement.

    ``"households"``; ``"unregistered_poor"`` = (households - registered) x poor share;
    ``"expected_new"`` = unregistered households x the exclusion model's probability that a
    household at that travel time is unregistered (needs ``travel_min``).

    Raises
    ------
    AccessGapError
        When the demand needs registry coverage the region does not have.
    """
    s = region.settlements
    if demand == "households":
        return s["households"].to_numpy(dtype=float)
    if demand not in DEMANDS:
        raise AccessGapError(f"unknown demand '{demand}'; choose one of {', '.join(DEMANDS)}")
    if region.coverage is None:
        raise AccessGapError(
            f"demand '{demand}' needs registry coverage, which this region does not have; "
            "use demand 'households' or add a coverage table"
        )
    t = attach_registry(s, region.coverage, region.poverty)
    unreg = np.nan_to_num(
        t["households"].to_numpy(float) - t["registered_households"].to_numpy(float)
    )
    if demand == "unregistered_poor":
        poor = t["poor_share"].to_numpy(float)
        if np.isnan(poor).all():
            raise AccessGapError("demand 'unregistered_poor' needs a poverty table; none given")
        return np.asarray(unreg * np.nan_to_num(poor, nan=float(np.nanmean(poor))))
    if travel_min is None:
        raise AccessGapError("demand 'expected_new' needs travel times")
    t["travel_min_motorbike"] = travel_min
    model = fit_exclusion_model(t, mode="motorbike")
    return np.asarray(
        unreg
        * (
            1
            - model.probability(np.full(len(t), 0.0))
            / np.maximum(model.probability(travel_min), 1e-9)
        ).clip(0)
    )


def place_centres(
    region: Region,
    *,
    model: str = "mclp",
    new: int = 10,
    within_min: float = 60.0,
    mode: str = "motorbike",
    demand: str = "unregistered_poor",
    budget_pkr: float | None = None,
    share: float = 1.0,
    capacity_days: float | None = None,
    time_limit_s: float | None = 30.0,
    method: str = "auto",
    settings: TravelSettings | None = None,
) -> PlacementPlan:
    """Choose new Union Council centres among the region's candidates.

    Existing centres stay open. ``model``: ``"mclp"`` (maximise demand within
    ``within_min``), ``"p_median"`` (minimise demand-weighted travel time, searched up to
    240 minutes; a settlement beyond that from every open site counts as twice the cut-off) or
    ``"set_cover"`` (fewest sites so ``share`` of settlements are within ``within_min``;
    ``new`` is ignored). With ``budget_pkr``, the candidates' ``opening_cost_pkr`` must fit in
    it. With ``capacity_days`` (MCLP only), each open centre serves at most
    ``capacity_per_day x capacity_days`` of the demand (desks x registrations per desk-day
    over the campaign), solved exactly by
    :func:`scenarios.placement.capacitated_max_coverage`.

    Raises
    ------
    AccessGapError
        Unknown model or demand, coverage needed but unknown, no candidates.
    InfeasibleError
        When a set cover cannot be met by all candidates.

    Examples
    --------
    >>> plan = place_centres(region, new=5, within_min=60)  # doctest: +SKIP
    >>> plan.sites[["centre_id", "demand_covered_new"]]  # doctest: +SKIP
    """
    if model not in MODELS:
        raise AccessGapError(f"unknown model '{model}'; choose one of {', '.join(MODELS)}")
    if len(region.candidates) == 0:
        raise AccessGapError("the region has no candidate sites; add candidates.parquet")
    st = settings or TravelSettings(mode=cast(Mode, mode))
    before_t = nearest_centre(region, settings=st)
    w = demand_weights(region, demand, before_t["travel_min"].to_numpy(float))
    sites = pd.concat([region.centres, region.candidates], ignore_index=True)
    sites = gpd.GeoDataFrame(sites, geometry="geometry", crs=region.centres.crs)
    n_fixed = len(region.centres)
    fixed = tuple(range(n_fixed))
    cutoff = within_min if model != "p_median" else max(240.0, within_min)
    cost = coverage_matrix(region, sites=sites, cutoff_min=cutoff, settings=st)
    p = min(int(new), len(region.candidates))
    opening = sites["opening_cost_pkr"].to_numpy(float)
    if capacity_days is not None and model != "mclp":
        raise AccessGapError("capacity_days works with model 'mclp' only")
    if capacity_days is not None:
        if capacity_days <= 0:
            raise AccessGapError("capacity_days must be positive")
        res = pl.capacitated_max_coverage(
            cost,
            w,
            within_min,
            p,
            sites["capacity_per_day"].to_numpy(float) * float(capacity_days),
            fixed=fixed,
            time_limit_s=time_limit_s,
        )
    elif model == "mclp":
        res = pl.max_coverage(
            cost,
            w,
            within_min,
            p,
            fixed=fixed,
            time_limit_s=time_limit_s,
            method=cast(pl.Method, method),
            opening_cost=opening if budget_pkr is not None else None,
            budget=budget_pkr,
        )
    elif model == "p_median":
        res = pl.p_median(
            cost,
            w,
            p,
            fixed=fixed,
            time_limit_s=time_limit_s,
            method=cast(pl.Method, method),
            opening_cost=opening if budget_pkr is not None else None,
            budget=budget_pkr,
            # settlements beyond the cut-off of every open site count as twice the cut-off
            unreachable_cost=2.0 * cutoff,
        )
    else:
        res = pl.set_cover(
            cost,
            within_min,
            fixed=fixed,
            share=share,
            time_limit_s=time_limit_s,
            method=cast(pl.Method, method),
        )
    chosen = list(res.selected)
    radius = within_min
    curve_res = pl.coverage_curve(cost, w, radius, len(chosen), fixed=fixed) if chosen else None
    # order the chosen sites by how much each adds on top of the others
    cov = cost.tocsc()
    reach = {
        j: set(
            cov.indices[cov.indptr[j] : cov.indptr[j + 1]][
                cov.data[cov.indptr[j] : cov.indptr[j + 1]] <= radius
            ].tolist()
        )
        for j in res.open_sites
    }
    base = set().union(*(reach[j] for j in fixed)) if fixed else set()
    gains = {}
    for j in chosen:
        others = set().union(base, *(reach[k] for k in chosen if k != j))
        gains[j] = float(w[list(reach[j] - others)].sum()) if reach[j] - others else 0.0
    order = sorted(chosen, key=lambda j: -gains[j])
    out_sites = sites.iloc[order].copy()
    out_sites["order"] = np.arange(1, len(order) + 1)
    out_sites["demand_covered_new"] = [gains[j] for j in order]
    hh = region.settlements["households"].to_numpy(float)
    out_sites["households_within"] = [float(hh[list(reach[j])].sum()) for j in order]
    out_sites["kind"] = "candidate"
    curve = pd.DataFrame(
        {
            "k": np.arange(1, len(curve_res.sites) + 1) if curve_res else [],
            "centre_id": [sites.iloc[j]["centre_id"] for j in curve_res.sites] if curve_res else [],
            "name": [sites.iloc[j]["name"] for j in curve_res.sites] if curve_res else [],
            "marginal_gain": curve_res.marginal_gain if curve_res else [],
            "covered": curve_res.covered if curve_res else [],
            "share": curve_res.share if curve_res else [],
        }
    )
    after_t = nearest_centre(region, settings=st, centres=sites.iloc[list(res.open_sites)])
    before = _figures(before_t, hh, w, within_min)
    after = _figures(after_t, hh, w, within_min)
    return PlacementPlan(
        model,
        st.mode,
        float(within_min),
        demand,
        gpd.GeoDataFrame(out_sites, geometry="geometry", crs=sites.crs),
        curve,
        before,
        after,
        after_t,
        res,
    )


def _figures(t: pd.DataFrame, hh: np.ndarray, w: np.ndarray, within: float) -> dict[str, float]:
    m = t["travel_min"].to_numpy(float)
    ok = np.isfinite(m) & (m <= within)
    return {
        "households_within": float(hh[ok].sum()),
        "share_households_within": float(hh[ok].sum() / hh.sum()) if hh.sum() else float("nan"),
        "demand_within": float(w[ok].sum()),
        "share_demand_within": float(w[ok].sum() / w.sum()) if w.sum() else float("nan"),
        "median_min": weighted_quantile(m, hh, 0.5),
        "p90_min": weighted_quantile(m, hh, 0.9),
    }


def sites_table(plan: PlacementPlan, *, privacy: PrivacySettings | None = None) -> gpd.GeoDataFrame:
    """The chosen sites as they may be shown and exported: allow-listed columns (entry
    order, id, name, tehsil, union council, demand newly covered, households within reach,
    opening cost) and, for sites with fewer than ``privacy.min_group_households`` households
    within reach, the demand figure blanked (``suppressed`` flag)."""
    priv = privacy or PrivacySettings()
    sites = plan.sites
    keep = [c for c in SITE_COLUMNS if c in sites.columns]
    table = suppress_small_groups(
        pd.DataFrame(sites[keep]),
        ("demand_covered_new",),
        min_households=priv.min_group_households,
        households_col="households_within",
    )
    return gpd.GeoDataFrame(table, geometry=sites.geometry, crs=sites.crs)


def write_placement(
    plan: PlacementPlan, out_dir: str | Path, *, privacy: PrivacySettings | None = None
) -> dict[str, Path]:
    """Write a placement plan into ``out_dir`` atomically.

    Files: ``sites.csv`` and ``sites.geojson`` (chosen sites, entry order, demand newly
    covered), ``coverage_curve.csv``, ``settlements_after.csv`` (nearest centre with the new
    sites open) and ``placement.json`` (model, objective, bound, gap, before/after figures).
    """
    s = sites_table(plan, privacy=privacy)

    def write(tmp: Path) -> None:
        pd.DataFrame(s.drop(columns="geometry")).assign(
            lon=s.geometry.x.round(6), lat=s.geometry.y.round(6)
        ).to_csv(tmp / "sites.csv", index=False)
        s.to_file(tmp / "sites.geojson", driver="GeoJSON")
        plan.curve.to_csv(tmp / "coverage_curve.csv", index=False)
        plan.settlements_after.to_csv(tmp / "settlements_after.csv", index=False)
        (tmp / "placement.json").write_text(
            json.dumps(plan.summary(), indent=2, default=float) + "\n", encoding="utf-8"
        )

    return write_folder_atomically(out_dir, write)
