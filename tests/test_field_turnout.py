"""Field sweeps and reviews score with the portfolio's one turnout model (#19).

A sweep plan's expected registrations and the portfolio's sweep channel agree for the same
settlements; a review target's and the portfolio's review option agree for the same union
council; the review option's cost and registrations are checked by hand.
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from access.analysis import gap_analysis
from access.exclusion import ExclusionModel
from geodata.errors import SchemaError
from scenarios.field import SweepOptions, plan_sweeps
from scenarios.field.targets import field_registrations, review_targets
from scenarios.portfolio import PortfolioSettings, build_options, solve_portfolio
from scenarios.portfolio.channels import review_block, review_days
from scenarios.routing import VanOptions

#: p(t) = logistic(-2 + 0.5 t_h): p(2 h) = 0.26894, p(0) = 0.11920.
MODEL = ExclusionModel(
    "motorbike", ("intercept", "travel_h"), (-2.0, 0.5), (0, 0), (0, 0), (0, 0), 8.0, 1,
    1.0, 0.0, 0.0, 0.0, 0.0, 1.0,
)  # fmt: skip


def _p(t_min: float) -> float:
    return 1.0 / (1.0 + math.exp(-(-2.0 + 0.5 * t_min / 60.0)))


@pytest.fixture(scope="module")
def gaps(small_sample_region):
    return gap_analysis(small_sample_region)


@pytest.fixture(scope="module")
def inputs(small_sample_region, gaps):
    return build_options(small_sample_region, gaps=gaps)


def test_field_registrations_by_hand():
    s = pd.DataFrame(
        {
            "travel_min_motorbike": [120.0, 120.0, 30.0],
            "unregistered_poor_households": [100.0, 100.0, 40.0],
            "unregistered_households": [300.0, 300.0, 90.0],
            "registered_households": [1.0, 1.0, 1.0],
        }
    )
    g = SimpleNamespace(settlements=s, model=MODEL)
    regs, notes = field_registrations(
        g, VanOptions(), np.array([0, 1, 2]), np.array([0.0, 60.0, 0.0])
    )
    want = [
        100 * (1 - _p(0) / _p(120)),  # a sweep at home: 55.68
        100 * (1 - _p(60) / _p(120)),  # a walk of an hour to the halt
        40 * (1 - _p(0) / _p(30)),
    ]
    assert regs.tolist() == pytest.approx(want)
    assert round(float(regs[0]), 2) == 55.68
    assert notes == []
    # without a model: the flat turnout of all unregistered households, with a note
    flat, notes = field_registrations(
        SimpleNamespace(settlements=s, model=None), VanOptions(turnout=0.5), np.array([2]),
        np.array([0.0]),
    )  # fmt: skip
    assert flat.tolist() == [45.0]
    assert "No exclusion model" in notes[0]


def test_sweep_plan_agrees_with_the_portfolios_sweep_channel(small_sample_region, gaps, inputs):
    plan = plan_sweeps(
        small_sample_region,
        SweepOptions(teams=3, days=8, field=VanOptions(within_min=20, max_iterations=300)),
        gaps=gaps,
        served_by_vans=[],
    )
    sweep_cols = np.flatnonzero(inputs.options["channel"].eq("sweep").to_numpy())
    n = len(inputs.settlements)
    per_row = np.asarray(inputs.gain[:, sweep_cols].sum(axis=1)).ravel()[:n]
    row_of = {sid: i for i, sid in enumerate(inputs.settlements["settlement_id"].astype(str))}
    targets = plan.locations[~plan.locations["name"].str.startswith("base: ")]
    portfolio = np.array([per_row[row_of[sid]] for sid in targets["settlement_id"]])
    plan_regs = targets["expected_registrations"].to_numpy(float)
    assert len(targets) > 10 and plan_regs.sum() > 0
    assert np.abs(plan_regs - portfolio).max() <= 0.5 + 1e-9  # rounded per settlement
    assert abs(plan_regs.sum() - portfolio.sum()) <= 0.5 * len(targets)
    swept = plan.locations.set_index("halt").loc[plan.calendar["halt"].unique()]
    assert plan.summary()["expected_registrations"] == int(swept["expected_registrations"].sum())


def test_review_targets_agree_with_the_portfolios_review_options(small_sample_region, gaps):
    # the small sample's union councils reach beyond 20 motorbike minutes (few beyond 60)
    st = PortfolioSettings(van_min_travel_min=20.0)
    near = build_options(small_sample_region, st, gaps=gaps)
    options = VanOptions(mode="motorbike", within_min=st.van_min_travel_min)
    targets, _ = review_targets(small_sample_region, gaps, options)
    opts = near.options[near.options["channel"].eq("review")].set_index("option_id")
    assert len(targets) >= 3
    compared = 0
    for _, t in targets.iterrows():
        key = f"review:{t['union_council']}"
        if key not in opts.index:  # dropped: no registration expected
            assert t["expected_registrations"] == 0
            continue
        assert t["expected_registrations"] == round(opts.loc[key, "expected_registrations"])
        assert t["settlements_served"] == opts.loc[key, "settlements_served"]
        compared += 1
    assert compared >= 3


def test_review_option_cost_and_registrations_by_hand():
    # two far settlements of union council A, 1 km apart; B's only settlement is near a centre
    xy = np.array([[0.0, 0.0], [1000.0, 0.0], [0.0, 500.0]])
    st = PortfolioSettings()
    rows, cols, walk, halts = review_block(
        np.array(["A", "A", "B"], dtype=object), xy, np.array([120.0, 120.0, 10.0]),
        np.array([50.0, 80.0, 70.0]), st,
    )  # fmt: skip
    assert halts.tolist() == [1]  # A's most populous far settlement
    assert rows.tolist() == [0, 1] and cols.tolist() == [0, 0]
    assert walk.tolist() == pytest.approx([19.5, 0.0])  # 1 km x 1.3 at 4 km/h
    # 400 expected over 3 visits: 2 van-days a visit (133 > 120); a 90-minute drive each way
    days, cost, cap = review_days(np.array([400.0]), np.array([90.0]), st)
    assert days.tolist() == [3 * (2 + 180 / 480)]
    assert cost.tolist() == [3 * (2 + 180 / 480) * 25_000 + 3 * 2 * 600]
    assert cap.tolist() == [3 * 2 * 120]


def test_review_options_priced_by_the_rule(inputs):
    """Each review option's cost and capacity recomputed from its halt's car minutes."""
    rev = inputs.options[inputs.options["channel"].eq("review")]
    assert len(rev) > 0
    s = inputs.settlements
    pts = gpd.GeoSeries(s.geometry)
    lon, lat = pts.x.round(6).to_numpy(), pts.y.round(6).to_numpy()
    for _, o in rev.iterrows():
        (at,) = np.flatnonzero((lon == o["lon"]) & (lat == o["lat"]))
        car = float(s["travel_min_car"].iloc[at])
        reg = o["expected_registrations"]
        per_visit = max(1, math.ceil(reg / 3 / 120))
        van_days = 3 * (per_visit + min(2 * car, 480) / 480)
        assert o["capacity"] == 3 * per_visit * 120 >= reg
        assert o["one_off_pkr"] == pytest.approx(van_days * 25_000 + 3 * 2 * 600)
        assert o["setup_pkr"] == 0 and o["yearly_pkr"] == 0


@pytest.mark.parametrize("budget", [1e6, 5e6, 2e7])
def test_the_solver_never_exceeds_the_budget_with_reviews(inputs, budget):
    assert inputs.options["channel"].eq("review").any()
    res = solve_portfolio(inputs.gain, inputs.cost, budget, time_limit_s=30.0)
    assert res.cost <= budget + 1e-6
    assert float(inputs.cost[list(res.selected)].sum()) == pytest.approx(res.cost)


def test_review_channel_off_and_bad_visits():
    with pytest.raises(SchemaError, match="review_visits"):
        PortfolioSettings(review_visits=0)


def test_review_channel_can_be_left_out(small_sample_region, gaps):
    off = build_options(small_sample_region, PortfolioSettings(review_channel=False), gaps=gaps)
    assert not off.options["channel"].eq("review").any()
