"""Coverage, gaps, aggregates and the exclusion model, on hand-made tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies

from access.exclusion import expected_new_registrations, fit_exclusion_model
from access.gaps import GapSettings, aggregate, attach_registry, settlement_gaps, weighted_quantile
from geodata.errors import SchemaError
from geodata.schema import ADMIN_LEVELS


def table(n=4):
    return pd.DataFrame(
        {
            "settlement_id": [f"S{i}" for i in range(n)],
            "province": "P",
            "district": "D",
            "tehsil": ["T1", "T1", "T2", "T2"][:n],
            "union_council": ["U1", "U2", "U3", "U3"][:n],
            "households": [100, 300, 50, 0][:n],
        },
        index=[10, 11, 12, 13][:n],
    )


def cov(rows):
    return pd.DataFrame(rows, columns=["level", "unit_id", "registered_households"])


def test_settlement_coverage_and_unknown_is_explicit():
    out = attach_registry(table(), cov([("settlement", "S0", 80), ("settlement", "S1", 300)]), None)
    assert list(out.index) == [10, 11, 12, 13]
    assert out["registered_households"].tolist()[:2] == [80, 300]
    assert np.isnan(out.loc[12, "registered_households"])
    assert out["coverage_source"].tolist() == ["settlement", "settlement", "unknown", "unknown"]
    assert out["poverty_source"].eq("unknown").all() and out["poor_share"].isna().all()


def test_admin_coverage_is_spread_by_households_and_settlement_wins():
    c = cov([("tehsil", "t1", 200), ("settlement", "S0", 90)])  # case-insensitive names
    out = attach_registry(table(), c, None)
    assert out.loc[11, "registered_households"] == pytest.approx(150)  # 200 * 300/400
    assert out.loc[10, "registered_households"] == 90
    assert out.loc[11, "coverage_source"] == "tehsil"
    assert out.loc[10, "coverage_source"] == "settlement"


def test_poverty_per_unit_applies_to_each_settlement():
    pov = pd.DataFrame({"level": ["district"], "unit_id": ["D"], "poor_share": [0.3]})
    out = attach_registry(table(), None, pov)
    assert out["poor_share"].tolist() == [0.3] * 4
    assert out["poverty_source"].eq("district").all()


def test_contradictory_coverage_is_a_clear_error():
    with pytest.raises(
        SchemaError, match=r"registered households \(120\) exceed households \(100\)"
    ):
        attach_registry(table(), cov([("settlement", "S0", 120)]), None)
    with pytest.raises(SchemaError, match=r"exceed the 50 households of tehsil 'T2'"):
        attach_registry(table(), cov([("tehsil", "T2", 400)]), None)
    with pytest.raises(SchemaError, match="tehsil 'Nowhere' matches no settlement"):
        attach_registry(table(), cov([("tehsil", "Nowhere", 1)]), None)


def gaps_input():
    t = attach_registry(
        table(),
        cov([("settlement", f"S{i}", r) for i, r in enumerate([80, 150, 50, 0])]),
        pd.DataFrame({"level": ["province"], "unit_id": ["P"], "poor_share": [0.5]}),
    )
    t["travel_min_motorbike"] = [60.0, 30.0, np.nan, 10.0]
    t["network_m_motorbike"] = [30_000.0, 10_000.0, np.nan, 2_000.0]
    return t


def test_gap_score_by_hand():
    g = settlement_gaps(gaps_input())
    # S0: 20 unregistered, 10 poor; burden 2 * (2*30*8 + min(1, (2+2)/8) * 1400) = 2360 PKR
    assert g.loc[10, "burden_pkr"] == pytest.approx(2360)
    assert g.loc[10, "gap_score"] == pytest.approx(10 * 2360 / 1000)
    assert g.loc[10, "coverage_share"] == pytest.approx(0.8)
    # S2 unreachable: a full day lost per visit, fare unknown
    assert g.loc[12, "unreachable"]
    assert g.loc[12, "burden_pkr"] == pytest.approx(2 * 1400)
    assert g.loc[12, "unregistered_poor_households"] == 0
    # zero households: coverage undefined, not a crash
    assert np.isnan(g.loc[13, "coverage_share"])
    assert g["gap_rank"].min() == 1
    assert g.loc[g["gap_score"].idxmax(), "gap_rank"] == 1


def test_gap_settings_validated_and_used():
    with pytest.raises(ValueError, match="wage_pkr_per_day"):
        GapSettings(wage_pkr_per_day=-1)
    g = settlement_gaps(gaps_input(), settings=GapSettings(visits=1, wait_h=0))
    assert g.loc[10, "burden_pkr"] == pytest.approx(2 * 30 * 8 + 2 / 8 * 1400)
    with pytest.raises(SchemaError, match="travel_min_car"):
        settlement_gaps(gaps_input(), settings=GapSettings(burden_mode="car"))


def test_aggregate_by_hand():
    g = settlement_gaps(gaps_input())
    t1 = aggregate(g, "tehsil", modes=("motorbike",)).set_index("tehsil").loc["T1"]
    assert t1["households"] == 400 and t1["registered_households"] == 230
    assert t1["coverage_share"] == pytest.approx(230 / 400)
    assert t1["median_min_motorbike"] == 30.0  # 300 of 400 households at 30 min
    assert t1["share_within_30_min_motorbike"] == pytest.approx(0.75)
    t2 = aggregate(g, "tehsil", modes=("motorbike",)).set_index("tehsil").loc["T2"]
    assert t2["settlements_beyond_120_min_motorbike"] == 1  # the unreachable one


def test_weighted_quantile():
    assert (
        weighted_quantile(np.array([5.0, 1.0, np.nan]), np.array([1.0, 1.0, 10.0]), 0.5) == np.inf
    )
    assert weighted_quantile(np.array([5.0, 1.0]), np.array([1.0, 3.0]), 0.5) == 1.0


@settings(max_examples=40, deadline=None)
@given(
    strategies.lists(
        strategies.tuples(
            strategies.integers(0, 2),
            strategies.integers(0, 3),
            strategies.integers(0, 500),
            strategies.floats(0, 1),
            strategies.floats(0, 600) | strategies.just(float("nan")),
            strategies.floats(0, 1),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_aggregates_add_up_at_every_level(rows):
    n = len(rows)
    df = pd.DataFrame(
        {
            "settlement_id": [f"S{i}" for i in range(n)],
            "province": "P",
            "district": [f"D{r[0]}" for r in rows],
            "tehsil": [f"T{r[0]}{r[1] % 2}" for r in rows],
            "union_council": [f"U{r[0]}{r[1]}" for r in rows],
            "households": [r[2] for r in rows],
        }
    )
    c = cov([("settlement", f"S{i}", round(r[2] * r[3])) for i, r in enumerate(rows)])
    p = pd.DataFrame(
        {"level": "settlement", "unit_id": df["settlement_id"], "poor_share": [r[5] for r in rows]}
    )
    t = attach_registry(df, c, p)
    t["travel_min_motorbike"] = [r[4] for r in rows]
    t["network_m_motorbike"] = t["travel_min_motorbike"] * 500
    g = settlement_gaps(t)
    total = aggregate(g, "region", modes=("motorbike",)).iloc[0]
    for level in ADMIN_LEVELS:
        a = aggregate(g, level, modes=("motorbike",))
        for col in ("households", "registered_households", "unregistered_poor_households"):
            assert a[col].sum() == pytest.approx(total[col], abs=1e-6)
        assert a["settlements"].sum() == n
        assert (
            a["settlements_beyond_120_min_motorbike"].sum()
            == total["settlements_beyond_120_min_motorbike"]
        )


def synthetic_counts(n=800, coef=0.6, seed=0):
    rng = np.random.default_rng(seed)
    t = rng.uniform(0, 360, n)
    hh = rng.integers(10, 400, n)
    p = 1 / (1 + np.exp(-(-2.8 + coef * t / 60)))
    unreg = rng.binomial(hh, p)
    return pd.DataFrame(
        {
            "households": hh,
            "registered_households": (hh - unreg).astype(float),
            "travel_min_motorbike": t,
            "poor_share": rng.uniform(0, 1, n),
            "tehsil": rng.choice(["A", "B"], n),
        }
    )


def test_exclusion_model_recovers_known_gradient():
    m = fit_exclusion_model(synthetic_counts())
    _est, lo, hi = m.term("travel_h")
    assert lo <= 0.6 <= hi
    assert hi - lo < 0.1
    assert m.pseudo_r2 > 0.5
    d = m.to_dict()
    assert d["caveat"] == "association, not proof of cause"
    m2 = fit_exclusion_model(synthetic_counts(), with_poverty=True, admin_level="tehsil")
    _b, lo2, hi2 = m2.term("poor_share")
    assert lo2 <= 0 <= hi2  # poverty has no effect in the synthetic draw
    assert len(m2.admin_effects) == 1


def test_exclusion_model_errors():
    with pytest.raises(SchemaError, match="only 5 settlements"):
        fit_exclusion_model(synthetic_counts(5))
    with pytest.raises(SchemaError, match="travel_min_car"):
        fit_exclusion_model(synthetic_counts(), mode="car")


def test_expected_new_registrations_sign():
    m = fit_exclusion_model(synthetic_counts())
    unreg = np.array([50.0, 50.0, 50.0])
    old = np.array([120.0, 120.0, 120.0])
    new = np.array([120.0, 30.0, 240.0])
    gain = expected_new_registrations(m, unreg, old, new)
    assert gain[0] == 0 and gain[1] > 0 and gain[2] < 0
    assert gain[1] < 50
