"""The options of every channel as arrays: who each serves, at what burden, cost and capacity.

A channel's options form an :class:`OptionBlock`: the (settlement, option) pairs it serves with
the burden each settlement would face (one-way travel minutes), whether the channel stays open
over the horizon, and per option its costs and capacity. :func:`block_gain` turns a block into
expected registrations with the one turnout model of :mod:`scenarios.portfolio.turnout`, never
more than the option's capacity; :func:`cost_over_horizon` prices every option alike::

    cost_pkr = setup_pkr + one_off_pkr + yearly_pkr * annuity(discount_rate, horizon_years)
    gain_ij  = reach_i * uptake(burden_old_i, burden_ij) * min(1, capacity_j / sum_i (...))

The builders here take plain arrays (burdens, households, positions) so they are testable
without a road network; :mod:`scenarios.portfolio.adapter` feeds them from a region.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from access.capacity import CapacitySettings, centre_waiting
from access.exclusion import ExclusionModel
from scenarios.portfolio.settings import PortfolioSettings
from scenarios.portfolio.turnout import households_to_reach, uptake, wait_as_travel_min

__all__ = [
    "BANDS_MIN",
    "CLOSER_MIN",
    "OptionBlock",
    "block_gain",
    "cost_over_horizon",
    "desk_block",
    "desk_wait_saved_h",
    "review_block",
    "review_days",
    "sweep_block",
    "van_block",
]

#: A new centre serves a settlement when it is more than this many minutes closer than today.
CLOSER_MIN: float = 0.5

#: Travel bands (minutes) splitting a union council into sweep clusters.
BANDS_MIN: tuple[float, ...] = (30.0, 60.0, 120.0)


@dataclass(frozen=True, eq=False)
class OptionBlock:
    """The options of one channel.

    Parameters
    ----------
    channel
        ``"centre"``, ``"desks"``, ``"van"``, ``"review"``, ``"sweep"``.
    table
        One row per option: ``option_id``, ``label``, ``setup_pkr``, ``yearly_pkr``,
        ``one_off_pkr``, ``capacity`` (registrations over the horizon; inf = no limit) and
        where it is (``lon``, ``lat``, ``union_council``, ``tehsil`` when known).
    rows, cols, burden_min
        The (settlement, option) pairs served and the burden each settlement would face.
    permanent
        Whether the options stay open over the horizon (and so reach new households).
    """

    channel: str
    table: pd.DataFrame
    rows: NDArray[np.int64]
    cols: NDArray[np.int64]
    burden_min: NDArray[np.float64]
    permanent: bool


def block_gain(
    block: OptionBlock,
    model: ExclusionModel,
    burden_old_min: NDArray[np.float64],
    unregistered_poor: NDArray[np.float64],
    poor_households: NDArray[np.float64],
    settings: PortfolioSettings,
) -> sp.csc_array:
    """Expected registrations of bottom-40% households per (settlement, option).

    Parameters
    ----------
    block
        The channel's options.
    model
        The exclusion model.
    burden_old_min, unregistered_poor, poor_households
        Per settlement: burden today, unregistered poor today, poor households.
    settings
        Horizon and household formation.

    Returns
    -------
    scipy.sparse.csc_array
        Shape ``(settlements, options)``; each column scaled down to its capacity.
    """
    n = burden_old_min.size
    reach = households_to_reach(
        model,
        unregistered_poor,
        poor_households,
        burden_old_min,
        growth_factor=settings.growth_factor,
        permanent=block.permanent,
    )
    share = uptake(model, burden_old_min[block.rows], block.burden_min)
    g = sp.csc_array(
        (reach[block.rows] * share, (block.rows, block.cols)), shape=(n, len(block.table))
    )
    g.sum_duplicates()
    total = np.asarray(g.sum(axis=0)).ravel()
    cap = block.table["capacity"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(total > cap, cap / total, 1.0)
    g = g @ sp.diags_array(scale)
    g = sp.csc_array(g)
    g.eliminate_zeros()
    return g


def cost_over_horizon(table: pd.DataFrame, settings: PortfolioSettings) -> NDArray[np.float64]:
    """``setup + one_off + yearly x annuity factor`` per option (PKR, present value).

    Examples
    --------
    >>> t = pd.DataFrame({"setup_pkr": [3e6], "one_off_pkr": [0.0], "yearly_pkr": [1e6]})
    >>> cost_over_horizon(t, PortfolioSettings(discount_rate=0.0)).tolist()
    [8000000.0]
    """
    return np.asarray(
        table["setup_pkr"].to_numpy(float)
        + table["one_off_pkr"].to_numpy(float)
        + table["yearly_pkr"].to_numpy(float) * settings.annuity_factor
    )


def desk_block(
    centre_of_row: NDArray[np.int64],
    burden_old_min: NDArray[np.float64],
    centre_desks: NDArray[np.float64],
    settings: PortfolioSettings,
    *,
    saved_wait_h: NDArray[np.float64] | None = None,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """Extra desks at each existing centre: its users' burden falls by the shorter wait.

    The wait each centre's extra desks save is ``saved_wait_h`` (from the Erlang C queue,
    :func:`desk_wait_saved_h`) or, when not given, the proportional rule: with ``d`` desks
    today and ``k`` more, the wait falls from ``w`` to ``w d / (d + k)``. The saving weighs as
    :func:`~scenarios.portfolio.turnout.wait_as_travel_min`.

    Parameters
    ----------
    centre_of_row
        Per settlement, the index of its nearest centre (-1 for none).
    burden_old_min
        Per settlement, burden today.
    centre_desks
        Desks at each centre today.
    settings
        ``wait_h``, ``desks_per_option``, the desk-day rate, the horizon.
    saved_wait_h
        Per centre, hours of waiting the extra desks save (None: the proportional rule).

    Returns
    -------
    tuple
        ``rows, cols, burden_min`` of the pairs and the capacity per option.

    Examples
    --------
    >>> r, c, b, cap = desk_block(np.array([0, 0, -1]), np.array([90.0, 10.0, 50.0]),
    ...                           np.array([1.0]), PortfolioSettings(wait_h=2.0))
    >>> r.tolist(), c.tolist(), b.tolist()
    ([0, 1], [0, 0], [60.0, 0.0])
    """
    k = settings.desks_per_option
    d = np.maximum(centre_desks, 1.0)
    saved_h = settings.wait_h * (1.0 - d / (d + k)) if saved_wait_h is None else saved_wait_h
    saved_min = wait_as_travel_min(saved_h)
    rows = np.flatnonzero(centre_of_row >= 0).astype(np.int64)
    cols = centre_of_row[rows].astype(np.int64)
    old = np.nan_to_num(burden_old_min[rows], nan=np.inf)
    burden = np.maximum(old - saved_min[cols], 0.0)
    keep = np.isfinite(old)
    cap = np.full(
        d.size,
        k
        * settings.existing_desk_registrations_per_day
        * settings.working_days_per_year
        * settings.horizon_years,
    )
    return rows[keep], cols[keep], burden[keep], cap


def desk_wait_saved_h(
    desks: NDArray[np.float64],
    demand_visits: NDArray[np.float64],
    extra_desks: int,
    capacity: CapacitySettings,
) -> NDArray[np.float64]:
    """Hours of waiting ``extra_desks`` more desks save at each centre (Erlang C, M/M/c).

    The queue is :func:`access.capacity.centre_waiting` (#17): the visits a centre serves
    over ``capacity.horizon_days`` (its demand, up to what its desks can take) arrive evenly
    over its opening hours. With more desks the centre serves more of its demand, which
    enters the new queue too.

    Parameters
    ----------
    desks
        Desks at each centre today.
    demand_visits
        Visits each centre's settlements would make over the horizon days.
    extra_desks
        Desks added.
    capacity
        Desk rate, opening hours, horizon days, utilisation cap.

    Returns
    -------
    numpy.ndarray
        Hours saved per visit at each centre (>= 0).

    Examples
    --------
    Ten visits an hour at a 3-desk centre, each desk 30 a day over 8 h (utilisation 0.89):
    a fourth desk cuts the mean queue from 38.3 to 4.5 minutes.

    >>> cap = CapacitySettings(registrations_per_desk_day=30.0, opening_h=8.0, horizon_days=60.0)
    >>> h = desk_wait_saved_h(np.array([3.0]), np.array([10.0 * 8 * 60]), 1, cap)
    >>> round(float(h[0]) * 60, 1)
    33.7
    """
    d = np.asarray(desks, dtype=float)
    demand = np.asarray(demand_visits, dtype=float)
    per_desk = capacity.registrations_per_desk_day * capacity.horizon_days
    now = centre_waiting(np.minimum(demand, d * per_desk), d, settings=capacity)
    more = centre_waiting(
        np.minimum(demand, (d + extra_desks) * per_desk), d + extra_desks, settings=capacity
    )
    saved_min = now["wait_min"].to_numpy(float) - more["wait_min"].to_numpy(float)
    return np.asarray(np.maximum(saved_min, 0.0) / 60.0)


def van_block(
    xy_m: NDArray[np.float64],
    burden_old_min: NDArray[np.float64],
    stock: NDArray[np.float64],
    settings: PortfolioSettings,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]]:
    """Van halts: far settlements that serve every far settlement within a walk.

    Halts are settlements beyond ``van_min_travel_min`` of every centre; each serves the far
    settlements within ``walk_radius_m`` (burden: the walk, straight line x 1.3 at
    ``walk_speed_kph``); the ``max_halts`` serving the most unregistered poor are kept.

    Parameters
    ----------
    xy_m
        Settlement positions in a metric CRS, shape ``(n, 2)``.
    burden_old_min, stock
        Per settlement: burden today and unregistered poor today.
    settings
        The van settings.

    Returns
    -------
    tuple
        ``rows, cols, burden_min`` of the pairs, and the settlement index of each halt.

    Examples
    --------
    >>> xy = np.array([[0.0, 0.0], [1000.0, 0.0], [9000.0, 0.0]])
    >>> r, c, b, halts = van_block(xy, np.array([90.0, 90.0, 10.0]), np.array([5.0, 1.0, 9.0]),
    ...                            PortfolioSettings())
    >>> halts.tolist(), r.tolist(), b.round(1).tolist()
    ([0, 1], [0, 1, 0, 1], [0.0, 19.5, 19.5, 0.0])
    """
    far = np.flatnonzero(
        ~(np.nan_to_num(burden_old_min, nan=np.inf) <= settings.van_min_travel_min)
    )
    far = far[stock[far] > 0]
    if far.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0), empty
    tree = cKDTree(xy_m[far])
    pairs = tree.query_pairs(settings.walk_radius_m, output_type="ndarray")
    a = np.concatenate([pairs[:, 0], pairs[:, 1], np.arange(far.size)])
    b = np.concatenate([pairs[:, 1], pairs[:, 0], np.arange(far.size)])
    served = np.bincount(a, weights=stock[far[b]], minlength=far.size)
    order = np.argsort(-served, kind="stable")[: settings.max_halts]
    col_of = np.full(far.size, -1, dtype=np.int64)
    col_of[order] = np.arange(order.size)
    keep = col_of[a] >= 0
    a, b = a[keep], b[keep]
    dist = np.hypot(*(xy_m[far[a]] - xy_m[far[b]]).T)
    walk_min = dist * 1.3 / (settings.walk_speed_kph * 1000.0 / 60.0)
    srt = np.lexsort((far[b], col_of[a]))
    return far[b][srt], col_of[a][srt], walk_min[srt], far[order].astype(np.int64)


def review_block(
    unit: NDArray[np.object_],
    xy_m: NDArray[np.float64],
    burden_old_min: NDArray[np.float64],
    households: NDArray[np.float64],
    settings: PortfolioSettings,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]]:
    """A quarter of mobile reviews per union council beyond reach: one halt, its walkers.

    As the field reviews (:func:`scenarios.field.review_targets`): in each union council
    with settlements beyond ``van_min_travel_min`` of every centre, the halt is its most
    populous such settlement (lowest position on ties) and serves the council's settlements
    beyond the threshold within ``walk_radius_m`` (burden: the walk, straight line x 1.3 at
    ``walk_speed_kph``).

    Parameters
    ----------
    unit
        Per settlement, its union council.
    xy_m
        Settlement positions in a metric CRS, shape ``(n, 2)``.
    burden_old_min, households
        Per settlement: burden today and households.
    settings
        The threshold, walk radius and speed.

    Returns
    -------
    tuple
        ``rows, cols, burden_min`` of the pairs, and the settlement index of each halt (in
        the order of the union councils).

    Examples
    --------
    >>> xy = np.array([[0.0, 0.0], [1000.0, 0.0], [9000.0, 0.0], [0.0, 500.0]])
    >>> r, c, b, halts = review_block(np.array(["A", "A", "A", "B"], dtype=object), xy,
    ...                               np.array([90.0, 90.0, 90.0, 10.0]),
    ...                               np.array([5.0, 9.0, 1.0, 50.0]), PortfolioSettings())
    >>> halts.tolist(), r.tolist(), c.tolist(), b.round(1).tolist()
    ([1], [0, 1], [0, 0], [19.5, 0.0])
    """
    far = ~(np.nan_to_num(burden_old_min, nan=np.inf) <= settings.van_min_travel_min)
    cand = np.flatnonzero(far & (households > 0))
    if cand.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0), empty
    u = unit[cand].astype(str)
    order = np.lexsort((cand, -households[cand], u))
    first = np.r_[True, u[order][1:] != u[order][:-1]]
    heads = cand[order][first]
    rows, cols, walk = [], [], []
    for k, h in enumerate(heads):
        dist = np.hypot(*(xy_m[cand] - xy_m[h]).T)
        members = (u == str(unit[h])) & (dist <= settings.walk_radius_m)
        rows.append(cand[members])
        cols.append(np.full(int(members.sum()), k, dtype=np.int64))
        walk.append(dist[members] * 1.3 / (settings.walk_speed_kph * 1000.0 / 60.0))
    return (
        np.concatenate(rows).astype(np.int64),
        np.concatenate(cols),
        np.concatenate(walk),
        heads.astype(np.int64),
    )


def review_days(
    expected: NDArray[np.float64], car_min: NDArray[np.float64], settings: PortfolioSettings
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Van-days, one-off cost and capacity of a quarter of reviews at each halt.

    Each of the ``review_visits`` visits takes whole van-days for its share of the
    registrations (at least one, ``van_registrations_per_day`` a day) plus the drive there and
    back on working time (``min(2 x car, 480) / 480``, as van blocks); each visit adds
    ``review_min`` of staff review time at ``review_staff_hour_pkr``::

        days_per_visit = max(1, ceil(expected / visits / van_registrations_per_day))
        van_days       = visits x (days_per_visit + min(2 car, 480) / 480)
        cost_pkr       = van_days x van_per_day_pkr + visits x review_min / 60 x staff rate
        capacity       = visits x days_per_visit x van_registrations_per_day

    Examples
    --------
    >>> d, c, cap = review_days(np.array([300.0]), np.array([120.0]), PortfolioSettings())
    >>> d.tolist(), c.tolist(), cap.tolist()
    ([4.5], [116100.0], [360.0])
    """
    k = float(settings.review_visits)
    per_visit = np.maximum(np.ceil(expected / k / settings.van_registrations_per_day), 1.0)
    car = np.nan_to_num(np.asarray(car_min, float), nan=240.0, posinf=240.0)
    days = k * (per_visit + np.minimum(2.0 * car, 480.0) / 480.0)
    staff = k * settings.review_min / 60.0 * settings.review_staff_hour_pkr
    cost = days * settings.van_per_day_pkr + staff
    return days, cost, k * per_visit * settings.van_registrations_per_day


def sweep_block(
    unit: NDArray[np.object_], burden_old_min: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.int64], list[tuple[str, str]]]:
    """Sweep clusters: a union council's settlements in one travel band, visited at home.

    Parameters
    ----------
    unit
        Per settlement, its union council.
    burden_old_min
        Per settlement, burden today (bands :data:`BANDS_MIN`).

    Returns
    -------
    tuple
        ``rows, cols`` (every settlement in exactly one cluster; burden 0 at home) and each
        cluster's ``(union council, band label)``.

    Examples
    --------
    >>> r, c, names = sweep_block(np.array(["A", "A", "B"], dtype=object),
    ...                           np.array([20.0, 200.0, 20.0]))
    >>> c.tolist(), names
    ([0, 1, 2], [('A', '0-30 min'), ('A', 'over 120 min'), ('B', '0-30 min')])
    """
    t = np.nan_to_num(burden_old_min, nan=np.inf)
    band = np.searchsorted(np.asarray(BANDS_MIN), t, side="left")
    edges = (0.0, *BANDS_MIN)
    labels = [f"{edges[k]:g}-{edges[k + 1]:g} min" for k in range(len(BANDS_MIN))]
    labels.append(f"over {BANDS_MIN[-1]:g} min")
    key = pd.MultiIndex.from_arrays([pd.Index(unit.astype(str)), band])
    codes, uniques = pd.factorize(key, sort=True)
    names = [(str(u), labels[int(b)]) for u, b in uniques]
    return np.arange(t.size, dtype=np.int64), codes.astype(np.int64), names
