"""Headline figures of a scenario, as pure functions over arrays.

The formulas are in ``docs/scenarios.md``.

- :func:`access_metrics`: households and unregistered bottom-40% households within 30/60/120
  minutes, household-weighted median and 90th percentile of travel time, households that
  cannot reach any centre.
- :func:`van_reach`: households and settlements a van campaign reaches.
- :func:`cost_metrics`: one-off and yearly cost, cost over the horizon (running costs
  discounted) and per expected new registration.

Expected registrations and the cost of each channel (new centres, other access changes, vans)
come from the outreach portfolio's model (:mod:`scenarios.scenario_costing`): the same
horizon, discounting, turnout model and capacities as ``accessgap plan``, with the exclusion
model of the *baseline* region.

:func:`scenario_metrics` puts them together for one scenario run: the per-settlement table
(``settlements.csv``) and the content of ``metrics.json``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd

from access.analysis import MODES, GapResult
from access.exclusion import ExclusionModel
from access.gaps import weighted_quantile
from access.offroad_region import resolve_offroad
from access.speeds import Closures, TravelSettings
from geodata.export import json_safe
from geodata.region import Region
from scenarios.portfolio.channels import CLOSER_MIN
from scenarios.portfolio.settings import PortfolioSettings
from scenarios.scenario_costing import (
    ScenarioCosting,
    cost_scenario,
    costing_assumptions,
    halt_service,
    portfolio_settings,
)
from scenarios.spec import Scenario

if TYPE_CHECKING:
    from scenarios.routing import VanOptions, VanPlan

__all__ = [
    "BANDS_MIN",
    "access_metrics",
    "cost_metrics",
    "scenario_metrics",
    "van_reach",
]

#: Travel-time thresholds (minutes) of the headline figures.
BANDS_MIN: tuple[int, ...] = (30, 60, 120)


def access_metrics(
    households: np.ndarray,
    unregistered_poor: np.ndarray,
    travel_min: np.ndarray,
    *,
    bands_min: Sequence[int] = BANDS_MIN,
) -> dict[str, float]:
    """Access figures of one set of travel times.

    Parameters
    ----------
    households
        Households per settlement.
    unregistered_poor
        Unregistered households in the national bottom 40% per settlement (NaN = unknown,
        counted as 0 and the totals then say so through ``unregistered_poor_total``).
    travel_min
        Minutes to the nearest centre (NaN or inf = cannot reach one).
    bands_min
        Thresholds.

    Returns
    -------
    dict
        ``households_total``, ``households_within_<b>_min``, ``share_households_within_<b>_min``,
        ``unregistered_poor_total``, ``unregistered_poor_within_<b>_min``,
        ``share_unregistered_poor_within_<b>_min``, ``median_travel_min``,
        ``p90_travel_min`` (household-weighted; inf when over half / a tenth cannot reach a
        centre), ``unreachable_households``.

    Examples
    --------
    >>> m = access_metrics(np.array([10, 30]), np.array([1, 3]), np.array([20.0, 90.0]))
    >>> m["households_within_30_min"], m["unregistered_poor_within_120_min"]
    (10.0, 4.0)
    >>> m["median_travel_min"]
    90.0
    """
    hh = np.asarray(households, float)
    up = np.nan_to_num(np.asarray(unregistered_poor, float))
    t = np.asarray(travel_min, float)
    t = np.where(np.isfinite(t), t, np.inf)
    out: dict[str, float] = {"households_total": float(hh.sum())}
    for b in bands_min:
        ok = t <= b
        out[f"households_within_{b}_min"] = float(hh[ok].sum())
        out[f"share_households_within_{b}_min"] = _share(hh[ok].sum(), hh.sum())
    out["unregistered_poor_total"] = float(up.sum())
    for b in bands_min:
        ok = t <= b
        out[f"unregistered_poor_within_{b}_min"] = float(up[ok].sum())
        out[f"share_unregistered_poor_within_{b}_min"] = _share(up[ok].sum(), up.sum())
    out["median_travel_min"] = weighted_quantile(t, hh, 0.5)
    out["p90_travel_min"] = weighted_quantile(t, hh, 0.9)
    out["unreachable_households"] = float(hh[~np.isfinite(t)].sum())
    return out


def van_reach(
    settlement_ids: Sequence[str],
    households: np.ndarray,
    unregistered_poor_after: np.ndarray,
    served: Iterable[Iterable[str]],
) -> dict[str, float]:
    """What the visited van halts reach (their registrations: :mod:`scenarios.scenario_costing`).

    Parameters
    ----------
    settlement_ids
        Settlement ids aligned with ``households`` and ``unregistered_poor_after``.
    households
        Households per settlement.
    unregistered_poor_after
        Unregistered bottom-40% households per settlement once the scenario's access change
        has played out.
    served
        For each *visited* halt, the ids of the settlements it serves.

    Returns
    -------
    dict
        ``settlements_reached``, ``households_reached``, ``unregistered_poor_reached``.

    Examples
    --------
    >>> van_reach(["a", "b"], np.array([50, 80]), np.array([10.0, 20.0]), [["b"]])
    {'settlements_reached': 1.0, 'households_reached': 80.0, 'unregistered_poor_reached': 20.0}
    """
    pos = {sid: i for i, sid in enumerate(settlement_ids)}
    reached = np.zeros(len(pos), dtype=bool)
    for ids in served:
        for sid in ids:
            if sid in pos:
                reached[pos[sid]] = True
    hh = np.asarray(households, float)
    unreg = np.clip(np.nan_to_num(np.asarray(unregistered_poor_after, float)), 0, None)
    return {
        "settlements_reached": float(reached.sum()),
        "households_reached": float(hh[reached].sum()),
        "unregistered_poor_reached": float(unreg[reached].sum()),
    }


def cost_metrics(
    *,
    setup_pkr: Sequence[float],
    closed_centres: int,
    van_days: int,
    settings: PortfolioSettings,
    expected_new_registrations: float | None,
) -> dict[str, Any]:
    """Costs of a scenario in PKR, as the outreach portfolio prices its options.

    ``one_off = sum(setup of each new centre) + van_days x van_per_day``;
    ``yearly = (new centres - closed centres) x centre_yearly``;
    ``over_horizon = one_off + yearly x annuity(discount_rate, horizon_years)`` (running costs
    discounted as in :attr:`~scenarios.portfolio.PortfolioSettings.annuity_factor`);
    ``per_expected_registration = over_horizon / expected new registrations`` (``None`` when
    no registration is expected or nothing is spent).

    Examples
    --------
    >>> st = PortfolioSettings(centre_yearly_pkr=1e6, van_per_day_pkr=0, discount_rate=0.0)
    >>> c = cost_metrics(setup_pkr=[3e6, 3e6], closed_centres=0, van_days=0, settings=st,
    ...                  expected_new_registrations=800.0)
    >>> c["one_off_pkr"], c["yearly_pkr"], c["per_expected_registration_pkr"]
    (6000000.0, 2000000.0, 20000.0)
    """
    centres_one_off = float(np.sum(setup_pkr)) if len(setup_pkr) else 0.0
    vans = float(van_days * settings.van_per_day_pkr)
    yearly = float((len(setup_pkr) - closed_centres) * settings.centre_yearly_pkr)
    total = centres_one_off + vans + settings.annuity_factor * yearly
    per = (
        total / expected_new_registrations
        if expected_new_registrations is not None and expected_new_registrations > 0 and total > 0
        else None
    )
    return {
        "new_centres": len(setup_pkr),
        "closed_centres": closed_centres,
        "van_days": van_days,
        "centres_one_off_pkr": centres_one_off,
        "vans_one_off_pkr": vans,
        "one_off_pkr": centres_one_off + vans,
        "yearly_pkr": yearly,
        "horizon_years": settings.horizon_years,
        "discount_rate": settings.discount_rate,
        "annuity_factor": settings.annuity_factor,
        "over_horizon_pkr": total,
        "per_expected_registration_pkr": per,
    }


def scenario_metrics(
    scenario: Scenario,
    region: Region,
    base: GapResult,
    scen: GapResult,
    centres: gpd.GeoDataFrame,
    setup: list[float],
    van_plan: VanPlan | None,
    options: VanOptions | None,
    closures: Closures,
    notes: list[str],
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The per-settlement table and the ``metrics.json`` document of one scenario run.

    Parameters
    ----------
    scenario
        The scenario run.
    region
        The baseline region.
    base, scen
        Gap analyses of the baseline and of the scenario (same settlements, same order).
    centres
        The scenario's open centres with their ``status`` (existing, added, placed).
    setup
        Set-up cost of each new centre (PKR).
    van_plan, options
        The van campaign and its options, or ``None``.
    closures
        The scenario's closures.
    notes
        Statements for the reader; a note is appended when coverage is unknown.

    Returns
    -------
    tuple
        The settlement table (``settlements.csv``: the scenario's gap analysis, baseline
        travel, change, expected new registrations, van halt, ``lon``/``lat``) and the
        metrics document (JSON-safe: no numpy scalars, non-finite floats as ``None``).
    """
    spec = scenario.spec
    mode = spec.travel.mode
    s = scen.settlements
    b = base.settlements
    hh = s["households"].to_numpy(float)
    up_col = "unregistered_poor_households"
    t_scen = s[f"travel_min_{mode}"].to_numpy(float)
    t_base = b[f"travel_min_{mode}"].to_numpy(float)
    acc_base = access_metrics(hh, b[up_col].to_numpy(float), t_base)
    acc_scen = access_metrics(hh, s[up_col].to_numpy(float), t_scen)
    change = {k: _diff(acc_scen[k], acc_base[k]) for k in acc_scen}
    model = base.model
    settings = portfolio_settings(spec)
    halt_of = _halt_of(van_plan) if van_plan is not None else {}
    costing: ScenarioCosting | None = None
    if model is not None:
        costing = _costing(model, region, b, s, centres, setup, van_plan, halt_of, settings)
        effect = costing.access
    else:
        effect = np.zeros(len(s))
        notes.append("Registry coverage is unknown: expected new registrations are not computed.")
    table = _settlement_table(s, b, t_scen, t_base, effect)
    table["expected_van_registrations"] = costing.vans if costing else np.zeros(len(s))
    vans_doc: dict[str, Any] | None = None
    if van_plan is not None and options is not None:
        stock = np.nan_to_num(b[up_col].to_numpy(float)) - np.maximum(effect, 0.0)
        vans_doc = _vans_doc(van_plan, options, s, hh, stock, halt_of)
        vans_doc["expected_registrations"] = float(costing.vans.sum()) if costing else None
    van_days = int(vans_doc["van_days_used"]) if vans_doc else 0
    table["van_halt"] = [halt_of.get(str(x), "") for x in s["settlement_id"]]
    table["lon"] = s.geometry.x.round(6).to_numpy()
    table["lat"] = s.geometry.y.round(6).to_numpy()
    from_access = float(effect.sum()) if model is not None else None
    from_vans = float(costing.vans.sum()) if costing and vans_doc else 0.0
    total = None if from_access is None else from_access + from_vans
    costs = cost_metrics(
        setup_pkr=setup,
        closed_centres=len(spec.centres.close),
        van_days=van_days,
        settings=settings,
        expected_new_registrations=total,
    )
    if costing is not None and model is not None:
        costs["channels"] = costing.channels.to_dict("records")
        costs["assumptions"] = costing_assumptions(settings, model)
    lost = table["lost_access"].to_numpy(bool)
    slower = np.nan_to_num(table["change_min"].to_numpy(float)) > 1.0
    headline = _headline(acc_scen, costs, vans_doc, centres)
    headline |= {
        "households_slower_by_1_min": float(hh[slower | lost].sum()),
        "expected_new_registrations": total,
        "expected_new_registrations_access": from_access,
        "expected_new_registrations_vans": from_vans,
    }
    headline = {k: headline[k] for k in _HEADLINE_ORDER}
    doc: dict[str, Any] = {
        "format": 1,
        "scenario": {
            "name": scenario.name,
            "description": spec.description,
            "file": scenario.source.name if scenario.source else None,
        },
        "region": {
            "name": region.name,
            "fingerprint": region.fingerprint(),
            "synthetic": region.synthetic,
            "settlements": len(s),
            "households": float(hh.sum()),
        },
        "travel": _travel_doc(scenario, region, closures),
        "centres": _centres_doc(scenario, centres),
        "headline": headline,
        "access": {"baseline": acc_base, "scenario": acc_scen, "change": change},
        "registrations": {
            "from_access": from_access,
            "from_vans": from_vans,
            "total": total,
            "settlements_gaining": int((effect > 0.5).sum()),
            "settlements_losing": int((effect < -0.5).sum()),
            "households_lost_access": float(hh[lost].sum()),
            "model": _model_doc(model),
        },
        "vans": vans_doc,
        "costs": costs,
        "notes": notes,
    }
    return table, json_safe(doc)


# ---------------------------------------------------------------------------------------


#: Keys of a scenario's headline figures, in the order of ``metrics.json``.
_HEADLINE_ORDER: tuple[str, ...] = (
    *(f"households_within_{k}_min" for k in BANDS_MIN),
    *(f"unregistered_poor_within_{k}_min" for k in BANDS_MIN),
    "median_travel_min",
    "p90_travel_min",
    "unreachable_households",
    "households_slower_by_1_min",
    "expected_new_registrations",
    "expected_new_registrations_access",
    "expected_new_registrations_vans",
    "van_settlements_reached",
    "van_households_reached",
    "centres_open",
    "new_centres",
    "closed_centres",
    "one_off_cost_pkr",
    "yearly_cost_pkr",
    "cost_over_horizon_pkr",
    "cost_per_expected_registration_pkr",
)


def _settlement_table(
    s: gpd.GeoDataFrame,
    b: gpd.GeoDataFrame,
    t_scen: np.ndarray,
    t_base: np.ndarray,
    effect: np.ndarray,
) -> pd.DataFrame:
    """The scenario's settlements with baseline travel, change and expected registrations."""
    table = pd.DataFrame(s.drop(columns="geometry"))
    for m in MODES:
        table[f"baseline_travel_min_{m}"] = b[f"travel_min_{m}"].to_numpy(float)
    table["travel_min"] = t_scen
    table["baseline_travel_min"] = t_base
    with np.errstate(invalid="ignore"):
        table["change_min"] = np.where(
            np.isfinite(t_scen) & np.isfinite(t_base), t_scen - t_base, np.nan
        )
    table["lost_access"] = np.isfinite(t_base) & ~np.isfinite(t_scen)
    table["expected_new_registrations"] = effect
    return table


def _vans_doc(
    van_plan: VanPlan,
    options: VanOptions,
    s: gpd.GeoDataFrame,
    hh: np.ndarray,
    unregistered_after: np.ndarray,
    halt_of: dict[str, str],
) -> dict[str, Any]:
    """The ``vans`` section (registrations are set by the caller from the costing)."""
    visited = van_plan.halts[van_plan.halts["status"].eq("visited")]
    served = [str(x).split(",") for x in visited["served_ids"]]
    reach = van_reach(s["settlement_id"].astype(str).tolist(), hh, unregistered_after, served)
    summary = van_plan.summary()
    return {
        **reach,
        "vans": options.vans,
        "days": options.days,
        "van_days_used": int(summary["van_days_used"]),
        "halts_selected": summary["halts_selected"],
        "halts_visited": summary["halts_visited"],
        "total_drive_min": summary["total_drive_min"],
        "plan_expected_registrations": summary["expected_registrations"],
    }


def _halt_of(van_plan: VanPlan) -> dict[str, str]:
    """Settlement id -> the first visited halt serving it."""
    visited = van_plan.halts[van_plan.halts["status"].eq("visited")]
    out: dict[str, str] = {}
    for hid, ids in zip(visited["settlement_id"], visited["served_ids"], strict=True):
        for sid in str(ids).split(","):
            out.setdefault(sid, str(hid))
    return out


def _costing(
    model: ExclusionModel,
    region: Region,
    b: gpd.GeoDataFrame,
    s: gpd.GeoDataFrame,
    centres: gpd.GeoDataFrame,
    setup: list[float],
    van_plan: VanPlan | None,
    halt_of: dict[str, str],
    settings: PortfolioSettings,
) -> ScenarioCosting:
    """The scenario's channels costed with the portfolio's model (in the model's mode)."""
    t0 = b[f"travel_min_{model.mode}"].to_numpy(float)
    t1 = s[f"travel_min_{model.mode}"].to_numpy(float)
    new = centres[centres["status"].astype(str).isin(["added", "placed"])]
    pos = {str(c): k for k, c in enumerate(new["centre_id"])}
    nearest = s[f"centre_id_{model.mode}"].astype(str)
    col = np.array([pos.get(c, -1) for c in nearest], dtype=np.int64)
    col[~(np.nan_to_num(t1, nan=np.inf) < np.nan_to_num(t0, nan=np.inf) - CLOSER_MIN)] = -1
    per_day = (
        new["capacity_per_day"].astype(float).to_numpy()
        if "capacity_per_day" in new
        else np.full(len(new), np.nan)
    )
    halts = (
        halt_service(
            van_plan,
            s,
            halt_of,
            metric_crs=region.metric_crs(),
            walk_speed_kph=settings.walk_speed_kph,
        )
        if van_plan is not None
        else None
    )
    return cost_scenario(
        model,
        b,
        t0,
        t1,
        settings=settings,
        new_centre_of_row=col,
        new_setup_pkr=setup,
        new_capacity_per_day=per_day,
        closed_centres=len(
            set(region.centres["centre_id"].astype(str)) - set(centres["centre_id"].astype(str))
        ),
        halts=halts,
    )


def _headline(
    acc_scen: dict[str, float],
    costs: dict[str, Any],
    vans_doc: dict[str, Any] | None,
    centres: gpd.GeoDataFrame,
) -> dict[str, Any]:
    """Headline figures from access, costs and vans.

    The registration figures are added by the caller.
    """
    headline: dict[str, Any] = {
        k: acc_scen[k]
        for k in _HEADLINE_ORDER
        if k.startswith(("households_within_", "unregistered_poor_within_"))
    }
    return headline | {
        "median_travel_min": acc_scen["median_travel_min"],
        "p90_travel_min": acc_scen["p90_travel_min"],
        "unreachable_households": acc_scen["unreachable_households"],
        "van_settlements_reached": vans_doc["settlements_reached"] if vans_doc else 0.0,
        "van_households_reached": vans_doc["households_reached"] if vans_doc else 0.0,
        "centres_open": len(centres),
        "new_centres": costs["new_centres"],
        "closed_centres": costs["closed_centres"],
        "one_off_cost_pkr": costs["one_off_pkr"],
        "yearly_cost_pkr": costs["yearly_pkr"],
        "cost_over_horizon_pkr": costs["over_horizon_pkr"],
        "cost_per_expected_registration_pkr": costs["per_expected_registration_pkr"],
    }


def _travel_doc(scenario: Scenario, region: Region, closures: Closures) -> dict[str, Any]:
    spec = scenario.spec
    edges = region.roads.edges
    closed = closures.closed_mask(edges) if closures else np.zeros(0, bool)
    return {
        "mode": spec.travel.mode,
        "season": spec.travel.season,
        "speeds": scenario.speeds_file.name if scenario.speeds_file else "default",
        "closure_polygons": len(closures.polygons),
        "closure_edges": len(closures.edges),
        "road_segments_closed": int(closed.sum()),
        "road_km_closed": float(edges["length_m"].to_numpy(float)[closed].sum() / 1000.0),
        "offroad_surface": resolve_offroad(
            region, TravelSettings(mode=spec.travel.mode, offroad=spec.travel.offroad)
        )
        is not None,
    }


def _centres_doc(scenario: Scenario, centres: gpd.GeoDataFrame) -> dict[str, Any]:
    status = centres["status"].astype(str)
    ids = centres["centre_id"].astype(str)
    return {
        "open": len(centres),
        "existing_open": int(status.eq("existing").sum()),
        "closed": list(scenario.spec.centres.close),
        "added": ids[status.eq("added")].tolist(),
        "placed": ids[status.eq("placed")].tolist(),
    }


def _model_doc(model: ExclusionModel | None) -> dict[str, Any] | None:
    if model is None:
        return None
    return {
        "source": "baseline region",
        "mode": model.mode,
        "intercept": model.coef[0],
        "travel_h": model.coef[1],
        "odds_ratio_per_hour": float(np.exp(model.coef[1])),
        "travel_cap_h": model.travel_cap_h,
    }


def _diff(a: float, b: float) -> float | None:
    if np.isfinite(a) and np.isfinite(b):
        return float(a - b)
    return None


def _share(part: float, whole: float) -> float:
    return float(part / whole) if whole > 0 else float("nan")
