"""A scenario's channels costed with the outreach portfolio's model (like-for-like).

Every channel a scenario holds (new centres, other changes of access such as closures or the
season, a van campaign) is priced and scored as :mod:`scenarios.portfolio` prices and scores
its options: the same horizon and discounting (:class:`~scenarios.portfolio.PortfolioSettings`
built from the scenario's ``horizon_years``, ``discount_rate`` and ``costs``), the same
turnout model (:mod:`scenarios.portfolio.turnout`), registrations of bottom-40% households
never above an option's capacity::

    cost_pkr      = set-up + one-off + yearly x annuity(discount_rate, horizon_years)
    new centre c  = sum_i reach_i x uptake(t_base_i, t_scen_i) over the settlements whose
                    nearest centre becomes c, scaled to c's capacity (per day x 250 x Y)
    other access  = sum_i reach_i x (1 - p(t_scen_i) / p(t_base_i)) elsewhere (negative
                    where access gets worse; closures save their running cost)
    van halt h    = sum_i stock_i x uptake(t_scen_i, walk_ih) over the settlements h serves,
                    scaled to h's capacity (desk minutes at the halt x desks x rate)

Quarterly reviews and door-to-door sweeps (:mod:`scenarios.field`) are priced by
:func:`field_channels` with the same settings; their registrations are their plans' (the
portfolio's turnout for a one-off visit, :func:`scenarios.field.targets.field_registrations`)::

    review        = van-days used x van_per_day_pkr + visits x review_min / 60 x staff rate
    sweep         = team-days used x sweep_team_day_pkr

``reach_i`` counts the unregistered bottom-40% households today plus those formed over the
horizon (permanent channels); ``stock_i`` (vans, one-off) is today's unregistered poor left
after the access change. :func:`cost_scenario` returns per settlement the expected
registrations of each channel and the per-channel table of ``metrics.json``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from numpy.typing import NDArray
from pyproj import CRS

from access.exclusion import ExclusionModel
from scenarios.field import ReviewPlan, SweepPlan
from scenarios.portfolio.channels import OptionBlock, block_gain
from scenarios.portfolio.settings import PortfolioSettings
from scenarios.portfolio.turnout import households_to_reach
from scenarios.routing import VanPlan
from scenarios.spec import ScenarioSpec

__all__ = [
    "SCENARIO_CHANNELS",
    "HaltService",
    "ScenarioCosting",
    "cost_scenario",
    "costing_assumptions",
    "field_channels",
    "halt_service",
    "portfolio_settings",
]

#: The channels of a scenario's costing, in the order ``metrics.json`` lists them.
SCENARIO_CHANNELS: tuple[str, ...] = ("centre", "access", "van")


@dataclass(frozen=True)
class HaltService:
    """The visited van halts of a campaign, as arrays.

    Parameters
    ----------
    rows
        Settlement rows served (each at most once: the first visited halt serving it).
    halt_of_row
        Per pair, the halt's position in ``capacity``.
    walk_min
        Per pair, the walk from the settlement to its halt (one-way minutes).
    capacity
        Registrations each halt can take (its desk minutes x desks x rate per desk-hour).
    van_days
        Van-days the campaign uses (its cost: ``van_days x van_per_day_pkr``).
    """

    rows: NDArray[np.int64]
    halt_of_row: NDArray[np.int64]
    walk_min: NDArray[np.float64]
    capacity: NDArray[np.float64]
    van_days: int


@dataclass(frozen=True, eq=False)
class ScenarioCosting:
    """A scenario's channels costed like the portfolio's options.

    Parameters
    ----------
    access
        Per settlement, expected registrations from the change of access (new centres
        capped at their capacity; negative where access got worse).
    at_new_centre
        Per settlement, the part of ``access`` a new centre brings.
    vans
        Per settlement, expected registrations by the van campaign.
    channels
        One row per channel of :data:`SCENARIO_CHANNELS`: ``options``, ``one_off_pkr``,
        ``yearly_pkr``, ``cost_horizon_pkr``, ``expected_registrations``,
        ``pkr_per_registration`` (None when no registration is expected).
    settings
        The assumptions used.
    """

    access: NDArray[np.float64]
    at_new_centre: NDArray[np.float64]
    vans: NDArray[np.float64]
    channels: pd.DataFrame
    settings: PortfolioSettings

    @property
    def total(self) -> float:
        """Expected registrations of every channel together."""
        return float(self.access.sum() + self.vans.sum())


def portfolio_settings(spec: ScenarioSpec) -> PortfolioSettings:
    """The portfolio settings of a scenario: its horizon, discount rate and costs.

    Examples
    --------
    >>> st = portfolio_settings(ScenarioSpec(horizon_years=3))
    >>> st.horizon_years, st.discount_rate, st.centre_yearly_pkr
    (3, 0.1, 2400000.0)
    """
    c = spec.costs
    st = PortfolioSettings(
        horizon_years=spec.horizon_years,
        discount_rate=spec.discount_rate,
        centre_yearly_pkr=c.centre_yearly_pkr,
        van_per_day_pkr=c.van_per_day_pkr,
    )
    if c.centre_setup_pkr is None:
        return st
    return replace(st, centre_setup_pkr=c.centre_setup_pkr)


def cost_scenario(
    model: ExclusionModel,
    settlements: pd.DataFrame,
    t_base_min: NDArray[np.float64],
    t_scen_min: NDArray[np.float64],
    *,
    settings: PortfolioSettings,
    new_centre_of_row: NDArray[np.int64],
    new_setup_pkr: Sequence[float],
    new_capacity_per_day: NDArray[np.float64],
    closed_centres: int,
    halts: HaltService | None,
) -> ScenarioCosting:
    """Cost and expected registrations of each channel of a scenario (see the module).

    Parameters
    ----------
    model
        The baseline region's exclusion model.
    settlements
        Per settlement ``unregistered_poor_households`` and ``poor_households`` (baseline).
    t_base_min, t_scen_min
        Burden in the baseline and in the scenario (one-way minutes in the model's mode).
    settings
        Horizon, discounting, costs (:func:`portfolio_settings`).
    new_centre_of_row
        Per settlement, the new centre (position in ``new_setup_pkr``) that becomes its
        nearest, or -1.
    new_setup_pkr, new_capacity_per_day
        Per new centre: set-up cost and registrations a day (NaN or <= 0: no limit).
    closed_centres
        Centres closed (each saves its yearly running cost).
    halts
        The visited van halts, or None.

    Returns
    -------
    ScenarioCosting

    Examples
    --------
    >>> m = ExclusionModel("motorbike", ("intercept", "travel_h"), (-2.0, 0.5), (0, 0), (0, 0),
    ...                    (0, 0), 8.0, 1, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0)
    >>> s = pd.DataFrame({"unregistered_poor_households": [100.0, 50.0],
    ...                   "poor_households": [400.0, 200.0]})
    >>> c = cost_scenario(m, s, np.array([120.0, 60.0]), np.array([0.0, 60.0]),
    ...                   settings=PortfolioSettings(household_formation_rate=0.0),
    ...                   new_centre_of_row=np.array([0, -1]), new_setup_pkr=[3e6],
    ...                   new_capacity_per_day=np.array([np.nan]), closed_centres=0, halts=None)
    >>> round(c.total, 1), round(c.channels.loc[0, "cost_horizon_pkr"])
    (55.7, 12097888)
    """
    n = len(settlements)
    stock = np.nan_to_num(settlements["unregistered_poor_households"].to_numpy(float))
    poor = np.nan_to_num(settlements["poor_households"].to_numpy(float))
    at_new = _new_centre_gain(
        model, t_base_min, t_scen_min, stock, poor, settings, new_centre_of_row,
        new_capacity_per_day,
    )  # fmt: skip
    reach = households_to_reach(
        model, stock, poor, t_base_min, growth_factor=settings.growth_factor, permanent=True
    )
    p_old = model.probability(t_base_min)
    p_new = model.probability(t_scen_min)
    with np.errstate(divide="ignore", invalid="ignore"):
        signed = np.where(p_old > 0, reach * (1.0 - p_new / p_old), 0.0)
    other = np.where(new_centre_of_row >= 0, 0.0, signed)
    access = at_new + other
    vans = np.zeros(n)
    if halts is not None and halts.rows.size:
        left = np.maximum(stock - np.maximum(access, 0.0), 0.0)
        vans = _van_gain(model, t_scen_min, left, poor, halts, settings)
    af = settings.annuity_factor
    setup = float(np.sum(new_setup_pkr)) if len(new_setup_pkr) else 0.0
    n_new = len(new_setup_pkr)
    van_days = halts.van_days if halts is not None else 0
    rows: list[tuple[str, int, float, float, float]] = [
        ("centre", n_new, setup, n_new * settings.centre_yearly_pkr, float(at_new.sum())),
        ("access", closed_centres, 0.0, -closed_centres * settings.centre_yearly_pkr, other.sum()),
        ("van", van_days, van_days * settings.van_per_day_pkr, 0.0, float(vans.sum())),
    ]
    table = pd.DataFrame(
        [
            {
                "channel": ch,
                "options": k,
                "one_off_pkr": one_off,
                "yearly_pkr": yearly,
                "cost_horizon_pkr": one_off + yearly * af,
                "expected_registrations": float(reg),
            }
            for ch, k, one_off, yearly, reg in rows
        ]
    )
    reg = table["expected_registrations"].to_numpy(float)
    cost = table["cost_horizon_pkr"].to_numpy(float)
    table["pkr_per_registration"] = [
        c / r if r > 0 and c > 0 else None for c, r in zip(cost, reg, strict=True)
    ]
    return ScenarioCosting(access, at_new, vans, table, settings)


def costing_assumptions(settings: PortfolioSettings, model: ExclusionModel) -> dict[str, Any]:
    """What every cost and registration figure of a scenario rests on (for ``metrics.json``).

    Examples
    --------
    >>> m = ExclusionModel("motorbike", ("intercept", "travel_h"), (-2.0, 0.5), (0, 0), (0, 0),
    ...                    (0, 0), 8.0, 1, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0)
    >>> a = costing_assumptions(PortfolioSettings(), m)
    >>> a["horizon_years"], a["discount_rate"], round(a["annuity_factor"], 3)
    (5, 0.1, 3.791)
    """
    return {
        "model": "outreach portfolio (scenarios.portfolio, docs/portfolio.md)",
        "horizon_years": settings.horizon_years,
        "discount_rate": settings.discount_rate,
        "annuity_factor": settings.annuity_factor,
        "household_formation_rate": settings.household_formation_rate,
        "growth_factor": settings.growth_factor,
        "centre_yearly_pkr": settings.centre_yearly_pkr,
        "van_per_day_pkr": settings.van_per_day_pkr,
        "working_days_per_year": settings.working_days_per_year,
        "walk_speed_kph": settings.walk_speed_kph,
        "turnout": "uptake = max(0, 1 - p(burden_new) / p(burden_old)), p the baseline "
        f"region's exclusion model ({model.mode}, intercept {model.coef[0]:.4f}, "
        f"travel_h {model.coef[1]:.4f})",
        "registrations": "bottom-40% households: unregistered today plus, for centres, those "
        "formed over the horizon; never above a centre's or a van halt's capacity",
        "costs": "PKR: set-up and one-off at once, running costs a year discounted over the "
        "horizon (annuity factor)",
    }


def field_channels(
    reviews: ReviewPlan | None, sweeps: SweepPlan | None, settings: PortfolioSettings
) -> list[dict[str, Any]]:
    """The ``review`` and ``sweep`` rows of ``costs.channels`` (one-off, as the portfolio's).

    Parameters
    ----------
    reviews, sweeps
        The scenario's field plans (``None``: no row).
    settings
        Van-day, review staff and team-day costs (:func:`portfolio_settings`).

    Returns
    -------
    list of dict
        Rows with the columns of :attr:`ScenarioCosting.channels`; ``options`` is the van-days
        (reviews) or team-days (sweeps) used, registrations the plan's expected total.
    """
    rows: list[dict[str, Any]] = []
    if reviews is not None:
        r = reviews.summary()
        staff = r["visits"] * reviews.options.review_min / 60.0 * settings.review_staff_hour_pkr
        rows.append(
            _one_off_row("review", r["van_days_used"], r["van_days_used"] * settings.van_per_day_pkr
                         + staff, r["expected_registrations"])
        )  # fmt: skip
    if sweeps is not None:
        w = sweeps.summary()
        rows.append(
            _one_off_row("sweep", w["team_days_used"], w["team_days_used"]
                         * settings.sweep_team_day_pkr, w["expected_registrations"])
        )  # fmt: skip
    return rows


def halt_service(
    van_plan: VanPlan,
    settlements: gpd.GeoDataFrame,
    halt_of: Mapping[str, str],
    *,
    metric_crs: CRS,
    walk_speed_kph: float,
) -> HaltService:
    """The visited halts of ``van_plan`` as arrays for :func:`cost_scenario`.

    Parameters
    ----------
    van_plan
        The campaign (halts with ``halt``, ``settlement_id``, ``status``; visits per day).
    settlements
        The scenario's settlements (``settlement_id``, points).
    halt_of
        Settlement id -> id of the visited halt serving it (each settlement once).
    metric_crs
        CRS to measure walks in.
    walk_speed_kph
        Walking speed; a walk is the straight line x 1.3, as the portfolio's van halts.

    Returns
    -------
    HaltService
        A halt's capacity is its working minutes at the halt (set-up excluded) x desks x
        registrations per desk-hour, summed over its visits.
    """
    o = van_plan.options
    visited = van_plan.halts[van_plan.halts["status"].eq("visited")]
    hid = visited["settlement_id"].astype(str).tolist()
    col_of = {h: k for k, h in enumerate(hid)}
    ids = settlements["settlement_id"].astype(str).tolist()
    row_of = {sid: i for i, sid in enumerate(ids)}
    pairs = [
        (row_of[sid], col_of[h]) for sid, h in halt_of.items() if sid in row_of and h in col_of
    ]
    rows = np.array([p[0] for p in pairs], dtype=np.int64)
    cols = np.array([p[1] for p in pairs], dtype=np.int64)
    pts = settlements.geometry.to_crs(metric_crs)
    xy = np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])
    halt_rows = np.array([row_of[h] for h in hid], dtype=np.int64)
    dist = np.hypot(*(xy[rows] - xy[halt_rows[cols]]).T) if rows.size else np.zeros(0)
    minutes: dict[int, float] = {}
    for vd in van_plan.campaign.van_days:
        for v in vd.visits:
            minutes[v.halt] = minutes.get(v.halt, 0.0) + max(v.dwell_min - o.setup_min, 0.0)
    work = np.array([minutes.get(int(h), 0.0) for h in visited["halt"]], dtype=float)
    van_days = sum(1 for vd in van_plan.campaign.van_days if vd.visits)
    return HaltService(
        rows,
        cols,
        np.asarray(dist * 1.3 / (walk_speed_kph * 1000.0 / 60.0), dtype=float),
        work / 60.0 * o.desks * o.registrations_per_desk_hour,
        van_days,
    )


# ---------------------------------------------------------------------------------------


def _new_centre_gain(
    model: ExclusionModel,
    t_base: NDArray[np.float64],
    t_scen: NDArray[np.float64],
    stock: NDArray[np.float64],
    poor: NDArray[np.float64],
    st: PortfolioSettings,
    centre_of_row: NDArray[np.int64],
    capacity_per_day: NDArray[np.float64],
) -> NDArray[np.float64]:
    """Per settlement, registrations at the new centre that becomes its nearest (capped)."""
    rows = np.flatnonzero(centre_of_row >= 0).astype(np.int64)
    per_day = np.asarray(capacity_per_day, float)
    cap = np.where(
        np.isfinite(per_day) & (per_day > 0),
        per_day * st.working_days_per_year * st.horizon_years,
        np.inf,
    )
    block = OptionBlock(
        "centre",
        pd.DataFrame({"capacity": cap}),
        rows,
        centre_of_row[rows].astype(np.int64),
        np.asarray(t_scen[rows], float),
        True,
    )
    g = block_gain(block, model, t_base, stock, poor, st)
    return np.asarray(g.sum(axis=1)).ravel()


def _van_gain(
    model: ExclusionModel,
    t_scen: NDArray[np.float64],
    stock: NDArray[np.float64],
    poor: NDArray[np.float64],
    halts: HaltService,
    st: PortfolioSettings,
) -> NDArray[np.float64]:
    """Per settlement, registrations at the van halt serving it (capped per halt)."""
    block = OptionBlock(
        "van",
        pd.DataFrame({"capacity": halts.capacity}),
        halts.rows,
        halts.halt_of_row,
        halts.walk_min,
        False,
    )
    g = block_gain(block, model, t_scen, stock, poor, st)
    return np.asarray(g.sum(axis=1)).ravel()


def _one_off_row(channel: str, options: int, one_off_pkr: float, reg: float) -> dict[str, Any]:
    return {
        "channel": channel,
        "options": int(options),
        "one_off_pkr": float(one_off_pkr),
        "yearly_pkr": 0.0,
        "cost_horizon_pkr": float(one_off_pkr),
        "expected_registrations": float(reg),
        "pkr_per_registration": one_off_pkr / reg if reg > 0 and one_off_pkr > 0 else None,
    }
