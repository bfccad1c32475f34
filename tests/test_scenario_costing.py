"""Scenarios costed like-for-like with the outreach portfolio (#18): by hand, and equal to
the portfolio's own option on the same region."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import simple_exclusion_model

from scenarios.portfolio import PortfolioSettings, build_options
from scenarios.runner import compute_scenario
from scenarios.scenario_costing import HaltService, cost_scenario, portfolio_settings
from scenarios.spec import ScenarioSpec

MODEL = simple_exclusion_model()


def p(t_min: float) -> float:
    return 1 / (1 + np.exp(2.0 - 0.5 * t_min / 60))


def test_channels_by_hand_with_capacity_and_closures() -> None:
    # rows 0, 1 move to a new centre (0 min); row 2 loses access (60 -> 120 min); row 3 is
    # served by a van halt 15 walking minutes away; no new households (formation 0)
    s = pd.DataFrame(
        {
            "unregistered_poor_households": [100.0, 100.0, 40.0, 30.0],
            "poor_households": [300.0, 300.0, 100.0, 90.0],
        }
    )
    st = PortfolioSettings(household_formation_rate=0.0, discount_rate=0.0, horizon_years=2)
    t0 = np.array([120.0, 120.0, 60.0, 180.0])
    t1 = np.array([0.0, 0.0, 120.0, 180.0])
    halts = HaltService(
        rows=np.array([3]),
        halt_of_row=np.array([0]),
        walk_min=np.array([15.0]),
        capacity=np.array([5.0]),
        van_days=2,
    )
    # capacity 0.1 a day x 250 days x 2 years = 50 registrations: binding (uncapped ~111)
    c = cost_scenario(
        MODEL,
        s,
        t0,
        t1,
        settings=st,
        new_centre_of_row=np.array([0, 0, -1, -1]),
        new_setup_pkr=[1e6],
        new_capacity_per_day=np.array([0.1]),
        closed_centres=1,
        halts=halts,
    )
    uncapped = 2 * 100 * (1 - p(0) / p(120))
    assert uncapped > 50
    assert c.at_new_centre.sum() == pytest.approx(50.0)
    assert c.at_new_centre[0] == pytest.approx(25.0)
    loss = 40 * (1 - p(120) / p(60))
    assert c.access[2] == pytest.approx(loss) and loss < 0
    # the van: 30 x (1 - p(15) / p(180)) = ~22 wanted, 5 places
    assert 30 * (1 - p(15) / p(180)) > 5
    assert c.vans.tolist() == pytest.approx([0, 0, 0, 5.0])
    ch = c.channels.set_index("channel")
    assert ch.loc["centre", "cost_horizon_pkr"] == 1e6 + 2 * st.centre_yearly_pkr
    assert ch.loc["access", "cost_horizon_pkr"] == -2 * st.centre_yearly_pkr  # a closure saves
    assert ch.loc["van", "cost_horizon_pkr"] == 2 * st.van_per_day_pkr
    assert ch.loc["van", "pkr_per_registration"] == pytest.approx(2 * st.van_per_day_pkr / 5)
    assert pd.isna(ch.loc["access", "pkr_per_registration"])  # no spending, a loss
    assert c.total == pytest.approx(50 + loss + 5)


def test_scenario_settings_come_from_the_spec_and_default_to_the_portfolio() -> None:
    assert portfolio_settings(ScenarioSpec()) == PortfolioSettings()
    spec = ScenarioSpec.model_validate(
        {"horizon_years": 8, "discount_rate": 0.05, "costs": {"centre_setup_pkr": 1e6}}
    )
    st = portfolio_settings(spec)
    assert (st.horizon_years, st.discount_rate, st.centre_setup_pkr) == (8, 0.05, 1e6)


def test_a_new_centre_costs_in_a_scenario_what_the_portfolio_says(small_sample_region) -> None:
    """Like-for-like: the centre a scenario adds is the portfolio's option at that site."""
    region = small_sample_region
    inputs = build_options(region, PortfolioSettings())
    opts = inputs.options[inputs.options["channel"] == "centre"]
    best = opts.sort_values("expected_registrations").iloc[-1]
    site = str(best["option_id"]).removeprefix("centre:")
    spec = ScenarioSpec.model_validate(
        {"name": "one", "region": "sample", "centres": {"add": [site]}}
    )
    out = compute_scenario(spec, region=region)
    ch = {c["channel"]: c for c in out.metrics["costs"]["channels"]}
    assert ch["centre"]["options"] == 1
    assert ch["centre"]["cost_horizon_pkr"] == pytest.approx(best["cost_horizon_pkr"])
    assert ch["centre"]["expected_registrations"] == pytest.approx(
        best["expected_registrations"], rel=1e-9
    )
    assert ch["centre"]["pkr_per_registration"] == pytest.approx(
        best["pkr_per_registration"], rel=1e-9
    )
    # settlements less than half a minute closer: counted, under other access changes
    assert 0 <= ch["access"]["expected_registrations"] < 0.01 * best["expected_registrations"]
