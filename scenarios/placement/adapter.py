"""Placement of new Union Council centres on a region (the region adapter).

It turns the region and the travel-time engine into the arrays of the solvers of
:mod:`scenarios.placement`. One call, :func:`place_centres`, answers "with N more centres,
where, and how many poor households does each bring within reach?": chosen sites ranked by
the demand each adds, the greedy coverage curve, and before/after figures computed by the
engine with the new sites open.
:func:`write_placement` writes the plan for people; :func:`sites_table` is what may be shown.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import NDArray

from access.engine import coverage_matrix, nearest_centre
from access.exclusion import fit_exclusion_model
from access.gaps import attach_registry, weighted_quantile
from access.speeds import Mode, TravelSettings
from geodata.errors import AccessGapError
from geodata.export import write_csv, write_json, write_points_csv
from geodata.files import write_folder_atomically
from geodata.privacy import PrivacySettings, suppress_small_groups
from geodata.region import Region
from scenarios.placement.capacitated import capacitated_max_coverage
from scenarios.placement.coverage import max_coverage
from scenarios.placement.options import DEMANDS, PlacementOptions
from scenarios.placement.pmedian import p_median
from scenarios.placement.results import PlacementResult
from scenarios.placement.setcover import set_cover

__all__ = [
    "P_MEDIAN_SEARCH_MIN",
    "SITE_COLUMNS",
    "PlacementPlan",
    "demand_weights",
    "place_centres",
    "sites_table",
    "write_placement",
]

#: Columns of the chosen sites that may be shown and exported.
SITE_COLUMNS: tuple[str, ...] = (
    "order",
    "centre_id",
    "name",
    "tehsil",
    "union_council",
    "gain_at_entry",
    "demand_only_this_site",
    "households_within",
    "opening_cost_pkr",
)
#: The p-median searches travel times up to at least this many minutes; a settlement beyond
#: that from every open site counts as twice the cut-off.
P_MEDIAN_SEARCH_MIN = 240.0


@dataclass(frozen=True, eq=False)
class PlacementPlan:
    """New centres for a region and what they change.

    Attributes
    ----------
    model, mode, within_min, demand
        The settings the plan was made with.
    sites
        Chosen candidates (EPSG:4326) in entry order: ``order``, ``gain_at_entry`` (demand
        newly covered when the site enters; sums to what the chosen sites newly cover),
        ``demand_only_this_site`` (covered by no other open site) and ``households_within``.
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
    result: PlacementResult

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


def demand_weights(
    region: Region, demand: str, travel_min: NDArray[np.float64] | None = None
) -> NDArray[np.float64]:
    """Demand weight per settlement.

    ``"households"``; ``"unregistered_poor"`` = (households - registered) x poor share;
    ``"expected_new"`` = unregistered households x the exclusion model's probability that a
    household at that travel time is unregistered (needs ``travel_min``).

    Parameters
    ----------
    region
        The region (settlements, registry coverage, poverty).
    demand
        One of :data:`~scenarios.placement.options.DEMANDS`.
    travel_min
        Travel minutes to the nearest centre per settlement (``"expected_new"`` only).

    Returns
    -------
    numpy.ndarray
        One weight per settlement.

    Raises
    ------
    AccessGapError
        When the demand needs registry coverage the region does not have.
    """
    s = region.settlements
    if demand == "households":
        return np.asarray(s["households"].to_numpy(dtype=float), dtype=np.float64)
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
    options: PlacementOptions | None = None,
    *,
    settings: TravelSettings | None = None,
) -> PlacementPlan:
    """Choose new Union Council centres among the region's candidates.

    Existing centres stay open. The model, the number of centres, the threshold and the
    other settings come from ``options`` (see :class:`PlacementOptions`); the p-median
    searches travel times up to :data:`P_MEDIAN_SEARCH_MIN` minutes (a settlement beyond that
    from every open site counts as twice the cut-off). With ``budget_pkr``, the candidates'
    ``opening_cost_pkr`` must fit in it. With ``capacity_days`` (MCLP only), each open centre
    serves at most ``capacity_per_day x capacity_days`` of the demand (desks x registrations
    per desk-day over the campaign), solved exactly by
    :func:`~scenarios.placement.capacitated_max_coverage`.

    Parameters
    ----------
    region
        The region, with candidate sites.
    options
        The settings (default: :class:`PlacementOptions` defaults).
    settings
        Travel settings (mode, season, speeds); default: ``options.mode`` in the dry season.

    Returns
    -------
    PlacementPlan

    Raises
    ------
    AccessGapError
        Coverage needed but unknown, no candidates.
    InfeasibleError
        When a set cover cannot be met by all candidates.

    Examples
    --------
    >>> plan = place_centres(region, PlacementOptions(new_centres=5))  # doctest: +SKIP
    >>> plan.sites[["centre_id", "gain_at_entry", "demand_only_this_site"]]  # doctest: +SKIP
    """
    opts = options or PlacementOptions()
    if len(region.candidates) == 0:
        raise AccessGapError("the region has no candidate sites; add candidates.parquet")
    st = settings or TravelSettings(mode=cast(Mode, opts.mode))
    before_t = nearest_centre(region, settings=st)
    w = demand_weights(region, opts.demand, before_t["travel_min"].to_numpy(float))
    sites = pd.concat([region.centres, region.candidates], ignore_index=True)
    sites = gpd.GeoDataFrame(sites, geometry="geometry", crs=region.centres.crs)
    fixed = tuple(range(len(region.centres)))
    cutoff = opts.within_min
    if opts.model == "p_median":
        cutoff = max(P_MEDIAN_SEARCH_MIN, opts.within_min)
    cost = coverage_matrix(region, sites=sites, cutoff_min=cutoff, settings=st)
    p = min(int(opts.new_centres), len(region.candidates))
    res = _solve(opts, cost, w, p, fixed, sites, cutoff)
    hh = region.settlements["households"].to_numpy(float)
    out_sites = _chosen_sites(sites, res, cost, w, hh, opts.within_min, fixed)
    curve = _curve_table(out_sites, out_sites.attrs.get("base_covered", 0.0), float(w.sum()))
    after_t = nearest_centre(region, settings=st, centres=sites.iloc[list(res.open_sites)])
    return PlacementPlan(
        opts.model,
        st.mode,
        float(opts.within_min),
        opts.demand,
        out_sites,
        curve,
        _figures(before_t, hh, w, opts.within_min),
        _figures(after_t, hh, w, opts.within_min),
        after_t,
        res,
    )


def sites_table(plan: PlacementPlan, *, privacy: PrivacySettings | None = None) -> gpd.GeoDataFrame:
    """The chosen sites as they may be shown and exported.

    Allow-listed columns (:data:`SITE_COLUMNS`: entry order, id, name, tehsil, union council,
    gain at entry, demand only this site covers, households within reach, opening cost)
    and, for sites with fewer than ``privacy.min_group_households`` households within reach,
    the demand figures blanked (``suppressed`` flag).
    """
    priv = privacy or PrivacySettings()
    sites = plan.sites
    keep = [c for c in SITE_COLUMNS if c in sites.columns]
    table = suppress_small_groups(
        pd.DataFrame(sites[keep]),
        ("gain_at_entry", "demand_only_this_site"),
        min_households=priv.min_group_households,
        households_col="households_within",
    )
    return gpd.GeoDataFrame(table, geometry=sites.geometry, crs=sites.crs)


def write_placement(
    plan: PlacementPlan, out_dir: str | Path, *, privacy: PrivacySettings | None = None
) -> dict[str, Path]:
    """Write a placement plan into ``out_dir`` atomically.

    Files: ``sites.csv`` and ``sites.geojson`` (chosen sites in entry order, the demand each
    newly covers when it enters (summing to the demand the sites newly cover) and the demand
    only it covers), ``coverage_curve.csv`` (the chosen sites in entry order),
    ``settlements_after.csv`` (nearest centre with the new sites open) and
    ``placement.json`` (model, objective, bound, gap, before/after figures).

    Returns
    -------
    dict
        Path of each file written, by name.
    """
    s = sites_table(plan, privacy=privacy)

    def write(tmp: Path) -> None:
        write_points_csv(s, tmp / "sites.csv")
        s.to_file(tmp / "sites.geojson", driver="GeoJSON")
        write_csv(plan.curve, tmp / "coverage_curve.csv")
        write_csv(plan.settlements_after, tmp / "settlements_after.csv")
        write_json(plan.summary(), tmp / "placement.json")

    return write_folder_atomically(out_dir, write, kind="placement")


def _solve(
    opts: PlacementOptions,
    cost: sp.csr_array,
    w: NDArray[np.float64],
    p: int,
    fixed: tuple[int, ...],
    sites: gpd.GeoDataFrame,
    cutoff: float,
) -> PlacementResult:
    """Run the array solver of ``opts.model`` on the region's matrix."""
    method = opts.method
    budget = opts.budget_pkr
    opening = sites["opening_cost_pkr"].to_numpy(float) if budget is not None else None
    if opts.capacity_days is not None:
        capacity = sites["capacity_per_day"].to_numpy(float) * float(opts.capacity_days)
        return capacitated_max_coverage(
            cost, w, opts.within_min, p, capacity, fixed=fixed, time_limit_s=opts.time_limit_s
        )
    if opts.model == "mclp":
        return max_coverage(
            cost,
            w,
            opts.within_min,
            p,
            fixed=fixed,
            time_limit_s=opts.time_limit_s,
            method=method,
            opening_cost=opening,
            budget=budget,
        )
    if opts.model == "p_median":
        return p_median(
            cost,
            w,
            p,
            fixed=fixed,
            time_limit_s=opts.time_limit_s,
            method=method,
            opening_cost=opening,
            budget=budget,
            # settlements beyond the cut-off of every open site count as twice the cut-off
            unreachable_cost=2.0 * cutoff,
        )
    return set_cover(
        cost,
        opts.within_min,
        fixed=fixed,
        share=opts.share,
        time_limit_s=opts.time_limit_s,
        method=method,
    )


def _chosen_sites(
    sites: gpd.GeoDataFrame,
    res: PlacementResult,
    cost: sp.csr_array,
    w: NDArray[np.float64],
    hh: NDArray[np.float64],
    radius: float,
    fixed: tuple[int, ...],
) -> gpd.GeoDataFrame:
    """The chosen sites in entry order, with the gain each brings then and what only it covers.

    Entry order: among the chosen sites, the one newly covering the most demand first, then
    the one adding most on top of those, and so on. ``gain_at_entry`` is what each adds when it
    enters (the column sums to the demand the chosen sites newly cover);
    ``demand_only_this_site`` is the demand no other open site covers (closing this site would
    lose it).
    """
    chosen = list(res.selected)
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

    def weight(rows: set[int]) -> float:
        return float(w[list(rows)].sum()) if rows else 0.0

    covered, order, at_entry = set(base), [], []
    left = list(chosen)
    while left:
        j = max(left, key=lambda k: (weight(reach[k] - covered), -k))
        order.append(j)
        at_entry.append(weight(reach[j] - covered))
        covered |= reach[j]
        left.remove(j)
    only = {
        j: weight(reach[j] - set().union(base, *(reach[k] for k in chosen if k != j)))
        for j in chosen
    }
    out = sites.iloc[order].copy()
    out["order"] = np.arange(1, len(order) + 1)
    out["gain_at_entry"] = at_entry
    out["demand_only_this_site"] = [only[j] for j in order]
    out["households_within"] = [float(hh[list(reach[j])].sum()) for j in order]
    out["kind"] = "candidate"
    out.attrs["base_covered"] = weight(base)
    return gpd.GeoDataFrame(out, geometry="geometry", crs=sites.crs)


def _curve_table(chosen: gpd.GeoDataFrame, base_covered: float, total: float) -> pd.DataFrame:
    """The coverage curve of the chosen sites in entry order (:func:`_chosen_sites`)."""
    gain = chosen["gain_at_entry"].to_numpy(float)
    covered = base_covered + np.cumsum(gain)
    return pd.DataFrame(
        {
            "k": np.arange(1, len(chosen) + 1),
            "centre_id": chosen["centre_id"].to_numpy(),
            "name": chosen["name"].to_numpy(),
            "marginal_gain": gain,
            "covered": covered,
            "share": covered / total if total > 0 else np.full(len(gain), np.nan),
        }
    )


def _figures(
    t: pd.DataFrame, hh: NDArray[np.float64], w: NDArray[np.float64], within: float
) -> dict[str, float]:
    """Headline figures of a nearest-centre table: within the threshold, median, p90."""
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
