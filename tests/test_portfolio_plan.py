"""The portfolio on a region: one turnout model, capacities, budgets, frontier, equity, CLI."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from helpers import invoke_cli, simple_exclusion_model
from hypothesis import given, settings
from hypothesis import strategies as st

from access.capacity import CapacitySettings
from geodata.errors import InfeasibleError, SchemaError
from scenarios.portfolio import (
    CHANNELS,
    PortfolioSettings,
    build_options,
    desk_wait_saved_h,
    households_to_reach,
    plan_from_inputs,
    uptake,
)

MODEL = simple_exclusion_model()


@pytest.fixture(scope="module")
def inputs(small_sample_region):
    return build_options(small_sample_region, PortfolioSettings(horizon_years=5))


def test_uptake_by_hand() -> None:
    # p(t) = 1 / (1 + exp(2 - 0.5 t_h)); from 2 h to the doorstep: 1 - p(0) / p(2 h)
    p0, p2 = 1 / (1 + np.exp(2.0)), 1 / (1 + np.exp(1.0))
    assert uptake(MODEL, [120.0], [0.0])[0] == pytest.approx(1 - p0 / p2)
    assert uptake(MODEL, [60.0, 60.0], [60.0, 90.0]).tolist() == [0.0, 0.0]  # no worse-off gain
    reach = households_to_reach(MODEL, [10.0], [100.0], [120.0], growth_factor=0.2, permanent=True)
    assert reach[0] == pytest.approx(10 + 100 * 0.2 * p2)
    assert (
        households_to_reach(MODEL, [10.0], [100.0], [120.0], growth_factor=0.2, permanent=False)[0]
        == 10.0
    )


def test_settings_refuse_bad_figures() -> None:
    with pytest.raises(SchemaError, match="discount_rate"):
        PortfolioSettings(discount_rate=-0.1)
    with pytest.raises(SchemaError, match="unaware_share"):
        PortfolioSettings(unaware_share=1.5)


def test_every_channel_priced_and_scored_alike(inputs) -> None:
    o = inputs.options
    assert set(o["channel"]) == set(CHANNELS)
    g = inputs.gain
    assert g.shape == (2 * len(inputs.settlements), len(o))
    assert (g.data >= 0).all()
    col = np.asarray(g.sum(axis=0)).ravel()
    np.testing.assert_allclose(col, o["expected_registrations"])
    assert (col <= o["capacity"].to_numpy() * (1 + 1e-9)).all()  # never above capacity
    assert (o["cost_horizon_pkr"] > 0).all()
    # centres: set-up + yearly x annuity, the same horizon as every other channel
    st = inputs.settings
    c = o[o["channel"] == "centre"]
    np.testing.assert_allclose(
        c["cost_horizon_pkr"], c["setup_pkr"] + st.centre_yearly_pkr * st.annuity_factor
    )
    # access rows: the best option never brings more than the households it can reach
    s = inputs.settlements
    n = len(s)
    best = np.asarray(sp.csr_array(g[:n]).max(axis=1).toarray()).ravel()
    reach = households_to_reach(
        inputs.model,
        s["unregistered_poor_households"],
        s["poor_households"],
        s["travel_min_motorbike"],
        growth_factor=st.growth_factor,
        permanent=True,
    )
    assert (best <= reach + 1e-9).all()
    # awareness acts on what the best access option leaves: together within the stock
    aware = np.asarray(sp.csr_array(g[n:]).sum(axis=1)).ravel()
    stock = np.nan_to_num(s["unregistered_poor_households"].to_numpy(float))
    assert (np.minimum(best, stock) + aware <= np.maximum(stock, best) + 1e-9).all()


def test_plan_within_budget_and_frontier_rising(inputs) -> None:
    budget = 30e6
    plan = plan_from_inputs(inputs, budget, frontier_steps=6)
    assert plan.result.cost <= budget
    assert plan.channels.set_index("channel").loc["total", "cost_horizon_pkr"] <= budget
    total = plan.channels.set_index("channel").loc["total", "expected_registrations"]
    assert total == pytest.approx(plan.result.objective)
    f = plan.frontier
    assert (np.diff(f["expected_registrations"]) >= -1e-9).all()
    assert (f["cost_pkr"] <= f["budget_pkr"] + 1e-6).all()
    assert f["expected_registrations"].iloc[-1] == pytest.approx(plan.result.objective)
    assert (f["bound"] >= f["expected_registrations"] - 1e-9).all()
    assert f["entering"].iloc[0] != ""


def test_equity_constraint_holds(inputs) -> None:
    s = inputs.settlements
    tehsil = s["tehsil"].astype(str)
    stock = s["unregistered_poor_households"].fillna(0).groupby(tehsil).sum()
    poor = s["poor_households"].fillna(0).groupby(tehsil).sum()
    today = (stock / poor).max()
    share = float(today) * 0.9
    plan = plan_from_inputs(inputs, 60e6, max_tehsil_exclusion=share, frontier_steps=0)
    n = len(s)
    a = plan.result.assignment
    g = inputs.gain.tocsr()
    per_row = np.array([g[i, a[i]] if a[i] >= 0 else 0.0 for i in range(2 * n)])
    gained = pd.Series(per_row[:n] + per_row[n:], index=s.index).groupby(tehsil).sum()
    assert ((stock - gained) / poor <= share + 1e-6).all()
    with pytest.raises(InfeasibleError):
        plan_from_inputs(inputs, 1e5, max_tehsil_exclusion=0.0, frontier_steps=0)


def test_cli_plan(small_sample_region_dir, tmp_path) -> None:
    out = tmp_path / "plan"
    res = invoke_cli(
        "plan",
        small_sample_region_dir,
        "--budget-pkr",
        "20000000",
        "--horizon-years",
        "5",
        "--out",
        out,
        "--frontier-steps",
        "4",
    )
    assert res.exit_code == 0, res.output
    doc = json.loads((out / "portfolio.json").read_text())
    assert doc["horizon_years"] == 5 and doc["solver"]["gap"] is not None
    assert doc["totals"]["cost_horizon_pkr"] <= 20e6
    assert sum(c["expected_registrations"] for c in doc["channels"].values()) == pytest.approx(
        doc["totals"]["expected_registrations"]
    )
    f = pd.read_csv(out / "frontier.csv")
    assert len(f) == 4 and f["expected_registrations"].is_monotonic_increasing
    o = pd.read_csv(out / "options.csv")
    assert (
        set(o["channel"]) == set(CHANNELS) and o["chosen"].sum() == doc["totals"]["options_chosen"]
    )
    # the map draws offline: Leaflet inlined, nothing fetched from a CDN or the web
    page = (out / "map.html").read_text()
    assert "data:text/javascript;base64," in page and "L.circleMarker" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "map needs the network"
    # a second run replaces its own folder; a region folder is never taken
    bad = invoke_cli(
        "plan", small_sample_region_dir, "--budget-pkr", "1e6", "--out", small_sample_region_dir
    )
    assert bad.exit_code != 0


def _erlang_c_wait_min(lam_h: float, c: int, mu_h: float) -> float:
    """Mean queue of an M/M/c centre from the textbook sum (factorials), minutes."""
    a = lam_h / mu_h
    head = sum(a**k / math.factorial(k) for k in range(c))
    tail = a**c / math.factorial(c) / (1 - a / c)
    return 60.0 * tail / (head + tail) / (c * mu_h - lam_h)


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 8), st.floats(0.05, 0.85), st.integers(1, 3))
def test_desks_save_the_erlang_c_wait(desks: int, rho: float, extra: int) -> None:
    """#17's queue, checked against the textbook formula: the wait more desks save."""
    cap = CapacitySettings(registrations_per_desk_day=30.0, opening_h=8.0, horizon_days=60.0)
    mu = 30.0 / 8.0
    lam = rho * desks * mu
    demand = lam * 8.0 * 60.0  # visits over the 60 days, all within today's capacity
    saved = desk_wait_saved_h(np.array([float(desks)]), np.array([demand]), extra, cap)
    want = _erlang_c_wait_min(lam, desks, mu) - _erlang_c_wait_min(lam, desks + extra, mu)
    assert saved[0] * 60 == pytest.approx(want, rel=1e-6, abs=1e-9)


def test_desk_options_use_the_queue_of_the_gap_analysis(small_sample_region) -> None:
    from access.analysis import gap_analysis

    gaps = gap_analysis(small_sample_region)
    assert gaps.barriers is not None
    q = gaps.barriers.centres
    st_ = PortfolioSettings()
    inputs = build_options(small_sample_region, st_, gaps=gaps)
    desks = inputs.options[inputs.options["channel"] == "desks"].set_index("option_id")
    s = inputs.settlements
    t = s["travel_min_motorbike"].to_numpy(float)
    reach = households_to_reach(
        inputs.model,
        s["unregistered_poor_households"],
        s["poor_households"],
        t,
        growth_factor=st_.growth_factor,
        permanent=True,
    )
    cap = gaps.barriers.settings.capacity
    mu = cap.registrations_per_desk_day / cap.opening_h
    checked = 0
    for row in q.itertuples():
        served = min(row.demand_visits, row.desks * cap.registrations_per_desk_day * 60.0)
        more = min(row.demand_visits, (row.desks + 1) * cap.registrations_per_desk_day * 60.0)
        lam, lam2 = served / 60.0 / cap.opening_h, more / 60.0 / cap.opening_h
        if lam >= cap.max_utilisation * row.desks * mu:
            continue  # saturated: the queue is taken at the utilisation cap
        saved_min = _erlang_c_wait_min(lam, int(row.desks), mu) - _erlang_c_wait_min(
            lam2, int(row.desks) + 1, mu
        )
        rows = (s["centre_id_motorbike"].astype(str) == row.centre_id).to_numpy()
        want = float(
            (
                reach[rows] * uptake(inputs.model, t[rows], np.maximum(t[rows] - saved_min / 2, 0))
            ).sum()
        )
        got = desks["expected_registrations"].get(f"desks:{row.centre_id}", 0.0)
        assert got == pytest.approx(want, rel=1e-6, abs=1e-9)
        checked += 1
    assert checked >= 1
