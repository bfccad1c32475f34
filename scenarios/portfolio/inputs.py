"""From a region to the portfolio's arrays: every channel's options, gains and costs.

:func:`build_options` runs the gap analysis (or takes one), asks the travel engine for the
candidates' travel times, builds each channel's :class:`~scenarios.portfolio.channels.OptionBlock`
and prices and scores every option with the same horizon and turnout model. Rows ``0..n-1``
are the settlements served by an access channel (centre, desks, van, review, sweep); rows
``n..2n-1`` are the same settlements reached by an awareness campaign, which acts on top of
access (on what the best access option would leave) and so never competes with it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from access.analysis import GapResult, gap_analysis
from access.exclusion import ExclusionModel
from access.queries import coverage_matrix
from geodata.errors import AccessGapError
from geodata.region import Region
from scenarios.portfolio.channels import (
    CLOSER_MIN,
    OptionBlock,
    block_gain,
    cost_over_horizon,
    desk_block,
    desk_wait_saved_h,
    review_block,
    review_days,
    sweep_block,
    van_block,
)
from scenarios.portfolio.settings import PortfolioSettings

__all__ = ["OPTION_COLUMNS", "PortfolioInputs", "build_options"]

#: Columns of the options table, in order.
OPTION_COLUMNS: tuple[str, ...] = (
    "option_id",
    "channel",
    "label",
    "union_council",
    "tehsil",
    "lon",
    "lat",
    "setup_pkr",
    "yearly_pkr",
    "one_off_pkr",
    "cost_horizon_pkr",
    "capacity",
    "settlements_served",
    "households_served",
    "expected_registrations",
    "pkr_per_registration",
)


@dataclass(frozen=True, eq=False)
class PortfolioInputs:
    """Everything the portfolio's solver and tables need, aligned.

    Parameters
    ----------
    gain
        Expected registrations, shape ``(2 n, options)`` (access rows, then awareness rows).
    options
        One row per option (:data:`OPTION_COLUMNS`); ``expected_registrations`` is what the
        option brings on its own and ``pkr_per_registration`` its cost over that.
    settlements
        The gap analysis' settlement table (``n`` rows, the region's order).
    model
        The exclusion model every gain comes from.
    settings
        The assumptions.
    """

    gain: sp.csc_array
    options: pd.DataFrame
    settlements: pd.DataFrame
    model: ExclusionModel
    settings: PortfolioSettings

    @property
    def cost(self) -> NDArray[np.float64]:
        """Cost over the horizon per option (PKR, present value)."""
        return np.asarray(self.options["cost_horizon_pkr"].to_numpy(float))


def build_options(
    region: Region,
    settings: PortfolioSettings | None = None,
    *,
    gaps: GapResult | None = None,
) -> PortfolioInputs:
    """Every option of every channel in ``region``, priced and scored alike.

    Parameters
    ----------
    region
        The region (settlements, centres, candidates, registry coverage).
    settings
        The assumptions (default :class:`PortfolioSettings`).
    gaps
        The region's gap analysis (computed when not given).

    Returns
    -------
    PortfolioInputs

    Raises
    ------
    AccessGapError
        When the region has no registry coverage (no exclusion model to score options with).
    """
    st = settings or PortfolioSettings()
    gaps = gaps if gaps is not None else gap_analysis(region)
    if gaps.model is None:
        raise AccessGapError(
            "the outreach plan needs registry coverage (the exclusion model scores every "
            "option); add a coverage table to the region"
        )
    model = gaps.model
    s = gaps.settlements
    t_old = s[f"travel_min_{model.mode}"].to_numpy(float)
    stock = np.nan_to_num(s["unregistered_poor_households"].to_numpy(float))
    poor = np.nan_to_num(s["poor_households"].to_numpy(float))
    xy = s.geometry.to_crs(region.metric_crs())
    xy_m = np.column_stack([xy.x.to_numpy(), xy.y.to_numpy()])
    blocks = [
        _centre_block(region, s, t_old, model.mode, st),
        _desks(region, s, t_old, model.mode, st, gaps),
        _vans(s, xy_m, t_old, stock, model, poor, st),
        *([_reviews(s, xy_m, t_old, stock, model, poor, st)] if st.review_channel else []),
        _sweeps(s, t_old, st),
    ]
    gains = [block_gain(b, model, t_old, stock, poor, st) for b in blocks]
    access = sp.hstack(gains, format="csc") if gains else sp.csc_array((len(s), 0))
    aware_gain, aware_table = _awareness(s, t_old, stock, access, model, st)
    n = len(s)
    gain = sp.csc_array(
        sp.vstack(
            [
                sp.hstack([access, sp.csc_array((n, aware_table.shape[0]))]),
                sp.hstack([sp.csc_array((n, access.shape[1])), aware_gain]),
            ],
            format="csc",
        )
    )
    tables = [b.table.assign(channel=b.channel) for b in blocks]
    options = pd.concat([*tables, aware_table.assign(channel="awareness")], ignore_index=True)
    options["cost_horizon_pkr"] = cost_over_horizon(options, st)
    hh2 = np.concatenate([s["households"].to_numpy(float)] * 2)
    options["settlements_served"] = np.diff(gain.indptr)
    options["households_served"] = [
        float(hh2[gain.indices[gain.indptr[j] : gain.indptr[j + 1]]].sum())
        for j in range(gain.shape[1])
    ]
    options["expected_registrations"] = np.asarray(gain.sum(axis=0)).ravel()
    reg = options["expected_registrations"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        options["pkr_per_registration"] = np.where(
            reg > 0, options["cost_horizon_pkr"].to_numpy(float) / reg, np.nan
        )
    keep = options["expected_registrations"].to_numpy(float) > 0
    options = options[keep].reset_index(drop=True)[list(OPTION_COLUMNS)]
    gain = sp.csc_array(gain[:, np.flatnonzero(keep)])
    return PortfolioInputs(gain, options, pd.DataFrame(s), model, st)


# ---------------------------------------------------------------------------------------


def _table(
    ids: list[str],
    labels: list[str],
    where: pd.DataFrame | None,
    setup: ArrayLike,
    yearly: ArrayLike,
    one_off: ArrayLike,
    capacity: ArrayLike,
) -> pd.DataFrame:
    """An options table; ``where`` gives union council, tehsil and the point per option."""
    n = len(ids)
    t = pd.DataFrame(
        {
            "option_id": ids,
            "label": labels,
            "setup_pkr": np.broadcast_to(setup, n).astype(float),
            "yearly_pkr": np.broadcast_to(yearly, n).astype(float),
            "one_off_pkr": np.broadcast_to(one_off, n).astype(float),
            "capacity": np.broadcast_to(capacity, n).astype(float),
        }
    )
    for col in ("union_council", "tehsil"):
        t[col] = where[col].astype(str).to_numpy() if where is not None else ""
    if where is not None and "geometry" in where:
        t["lon"] = where.geometry.x.round(6).to_numpy()
        t["lat"] = where.geometry.y.round(6).to_numpy()
    else:
        t["lon"] = np.nan
        t["lat"] = np.nan
    return t


def _centre_block(
    region: Region, s: pd.DataFrame, t_old: NDArray[np.float64], mode: str, st: PortfolioSettings
) -> OptionBlock:
    """A new Union Council centre at each candidate site."""
    cands = region.candidates.reset_index(drop=True)
    empty = np.zeros(0, dtype=np.int64)
    if len(cands) == 0:
        table = _table([], [], None, np.zeros(0), np.zeros(0), np.zeros(0), np.zeros(0))
        return OptionBlock("centre", table, empty, empty, np.zeros(0), True)
    cm = coverage_matrix(region, sites="candidates", cutoff_min=st.coverage_cutoff_min, mode=mode)
    coo = cm.tocoo()
    rows, cols, new = (np.asarray(coo.row), np.asarray(coo.col), np.asarray(coo.data, float))
    old = np.nan_to_num(t_old[rows], nan=np.inf)
    better = new < old - CLOSER_MIN
    setup = cands["opening_cost_pkr"].astype(float).fillna(st.centre_setup_pkr).to_numpy()
    per_day = cands["capacity_per_day"].astype(float).to_numpy()
    capacity = np.where(
        np.isfinite(per_day) & (per_day > 0),
        per_day * st.working_days_per_year * st.horizon_years,
        np.inf,
    )
    table = _table(
        [f"centre:{c}" for c in cands["centre_id"]],
        [f"new centre {n}" for n in cands["name"]],
        cands,
        setup,
        np.full(len(cands), st.centre_yearly_pkr),
        np.zeros(len(cands)),
        capacity,
    )
    return OptionBlock("centre", table, rows[better], cols[better], new[better], True)


def _desks(
    region: Region,
    s: pd.DataFrame,
    t_old: NDArray[np.float64],
    mode: str,
    st: PortfolioSettings,
    gaps: GapResult,
) -> OptionBlock:
    """Extra desks at each existing centre.

    The wait they save comes from the Erlang C queue of the gap analysis' barriers (#17) when
    it has one, else from the proportional rule.
    """
    centres = region.centres.reset_index(drop=True)
    pos = {str(c): i for i, c in enumerate(centres["centre_id"])}
    col = f"centre_id_{mode}"
    centre_of_row = np.array([pos.get(str(c), -1) for c in s[col]], dtype=np.int64)
    per_day = (
        centres["capacity_per_day"].astype(float).fillna(st.existing_desk_registrations_per_day)
    )
    desks = np.maximum(np.round(per_day / st.existing_desk_registrations_per_day), 1.0)
    saved: NDArray[np.float64] | None = None
    if gaps.barriers is not None:
        q = gaps.barriers.centres.set_index("centre_id").reindex(centres["centre_id"].astype(str))
        known = q["desks"].notna().to_numpy()
        desks = np.where(known, q["desks"].to_numpy(float), desks)
        saved = desk_wait_saved_h(
            desks,
            np.nan_to_num(q["demand_visits"].to_numpy(float)),
            st.desks_per_option,
            gaps.barriers.settings.capacity,
        )
    rows, cols, burden, cap = desk_block(
        centre_of_row, t_old, np.asarray(desks), st, saved_wait_h=saved
    )
    k = st.desks_per_option
    table = _table(
        [f"desks:{c}" for c in centres["centre_id"]],
        [f"{k} more desk(s) at {n}" for n in centres["name"]],
        centres,
        np.full(len(centres), k * st.desk_setup_pkr),
        np.full(len(centres), k * st.desk_yearly_pkr),
        np.zeros(len(centres)),
        cap,
    )
    return OptionBlock("desks", table, rows, cols, burden, True)


def _vans(
    s: pd.DataFrame,
    xy_m: NDArray[np.float64],
    t_old: NDArray[np.float64],
    stock: NDArray[np.float64],
    model: ExclusionModel,
    poor: NDArray[np.float64],
    st: PortfolioSettings,
) -> OptionBlock:
    """A block of van-days at each halt, as many days as its expected registrations need."""
    rows, cols, burden, halts = van_block(xy_m, t_old, stock, st)
    n_halts = halts.size
    where = s.iloc[halts]
    probe = OptionBlock(
        "van",
        _table([""] * n_halts, [""] * n_halts, None, 0.0, 0.0, 0.0, np.inf),
        rows,
        cols,
        burden,
        False,
    )
    expected = np.asarray(block_gain(probe, model, t_old, stock, poor, st).sum(axis=0)).ravel()
    days = np.maximum(np.ceil(expected / st.van_registrations_per_day), 1.0)
    car = np.nan_to_num(where["travel_min_car"].to_numpy(float), nan=240.0, posinf=240.0)
    drive_days = np.minimum(2.0 * car, 480.0) / 480.0  # there and back on working time
    table = _table(
        [f"van:{i}" for i in where["settlement_id"]],
        [f"{d:g} van-day(s) at {n}" for d, n in zip(days, where["name"], strict=True)],
        where,
        np.zeros(n_halts),
        np.zeros(n_halts),
        (days + drive_days) * st.van_per_day_pkr,
        days * st.van_registrations_per_day,
    )
    return OptionBlock("van", table, rows, cols, burden, False)


def _reviews(
    s: pd.DataFrame,
    xy_m: NDArray[np.float64],
    t_old: NDArray[np.float64],
    stock: NDArray[np.float64],
    model: ExclusionModel,
    poor: NDArray[np.float64],
    st: PortfolioSettings,
) -> OptionBlock:
    """A quarter of mobile reviews in each union council beyond reach (one halt each)."""
    hh = s["households"].to_numpy(float)
    unit = s["union_council"].to_numpy(dtype=object)
    rows, cols, burden, halts = review_block(unit, xy_m, t_old, hh, st)
    where = s.iloc[halts]
    n = halts.size
    probe = OptionBlock(
        "review",
        _table([""] * n, [""] * n, None, 0.0, 0.0, 0.0, np.inf),
        rows,
        cols,
        burden,
        False,
    )
    expected = np.asarray(block_gain(probe, model, t_old, stock, poor, st).sum(axis=0)).ravel()
    days, cost, capacity = review_days(expected, where["travel_min_car"].to_numpy(float), st)
    table = _table(
        [f"review:{u}" for u in where["union_council"].astype(str)],
        [
            f"{st.review_visits} reviews in a quarter at {name} ({d:.1f} van-days)"
            for d, name in zip(days, where["name"], strict=True)
        ],
        where,
        np.zeros(n),
        np.zeros(n),
        cost,
        capacity,
    )
    return OptionBlock("review", table, rows, cols, burden, False)


def _sweeps(s: pd.DataFrame, t_old: NDArray[np.float64], st: PortfolioSettings) -> OptionBlock:
    """A door-to-door sweep of each cluster (a union council's settlements in a travel band)."""
    rows, cols, names = sweep_block(s["union_council"].to_numpy(dtype=object), t_old)
    hh = np.bincount(cols, weights=s["households"].to_numpy(float), minlength=len(names))
    first = pd.Series(rows).groupby(cols).first().to_numpy()
    where = s.iloc[first].reset_index(drop=True)
    table = _table(
        [f"sweep:{u}:{b.replace(' ', '')}" for u, b in names],
        [f"door-to-door sweep of {u}, settlements {b} away" for u, b in names],
        where,
        np.zeros(len(names)),
        np.zeros(len(names)),
        hh / st.sweep_households_per_team_day * st.sweep_team_day_pkr,
        hh,
    )
    return OptionBlock("sweep", table, rows, cols, np.zeros(rows.size), False)


def _awareness(
    s: pd.DataFrame,
    t_old: NDArray[np.float64],
    stock: NDArray[np.float64],
    access: sp.csc_array,
    model: ExclusionModel,
    st: PortfolioSettings,
) -> tuple[sp.csc_array, pd.DataFrame]:
    """An awareness campaign in each union council, on top of the best access option.

    ``gain_i = stock_i x (1 - best access share_i) x unaware_share x response x ease_i`` with
    ``ease_i = (1 - p(t_i)) / (1 - p(0))``: those who learn how to register still face the
    trip to today's nearest centre. Acting on what the best access option leaves, awareness
    and access together never count more than the stock.
    """
    best = np.asarray(sp.csr_array(access).max(axis=1).toarray()).ravel()
    with np.errstate(divide="ignore", invalid="ignore"):
        taken = np.where(stock > 0, np.minimum(best / stock, 1.0), 1.0)
    p_old = model.probability(t_old)
    ease = (1.0 - p_old) / (1.0 - model.probability(np.zeros(1))[0])
    gain = stock * (1.0 - taken) * st.unaware_share * st.awareness_response * ease
    codes, units = pd.factorize(s["union_council"].astype(str), sort=True)
    n = len(s)
    g = sp.csc_array((gain, (np.arange(n), codes)), shape=(n, len(units)))
    hh = np.bincount(codes, weights=s["households"].to_numpy(float), minlength=len(units))
    first = pd.Series(np.arange(n)).groupby(codes).first().to_numpy()
    where = s.iloc[first].reset_index(drop=True)
    table = _table(
        [f"awareness:{u}" for u in units],
        [f"awareness campaign in {u}" for u in units],
        where,
        np.zeros(len(units)),
        np.zeros(len(units)),
        st.awareness_fixed_pkr + st.awareness_per_household_pkr * hh,
        np.full(len(units), np.inf),
    )
    return g, table
