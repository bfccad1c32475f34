"""Who is excluded and why (issue #17): queue, burden, capacity split, awareness, equity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import invoke_cli, read_json
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from access.awareness import AWARENESS_TERM, awareness_analysis, model_covariates, unit_residuals
from access.burden import BurdenSettings, expected_visits, group_burden
from access.capacity import HOUSEHOLD_GRID, CapacitySettings, capacity_split, centre_waiting
from access.equity import concentration_index, e2sfca, palma_ratio, share_beyond
from access.queueing import erlang_c, mean_wait_h

# --- Erlang C -------------------------------------------------------------------------


def test_erlang_c_against_hand_computed_values():
    # c = 3 desks, a = 2 Erlangs: sum_{k<3} a^k/k! = 1 + 2 + 2 = 5;
    # a^3/3! * c/(c - a) = 8/6 * 3 = 4; C = 4 / (5 + 4) = 4/9
    assert erlang_c(3, 2.0) == pytest.approx(4 / 9, abs=1e-12)
    # one desk: M/M/1, C = rho
    assert erlang_c(1, 0.5) == pytest.approx(0.5, abs=1e-12)
    # Wq = C / (c mu - lambda): 3 desks at 1/h, 2 arrivals/h -> (4/9) / 1 h
    wq, full = mean_wait_h(2.0, 3, 1.0)
    assert float(wq) == pytest.approx(4 / 9, abs=1e-12) and not bool(full)


def test_erlang_c_saturates_and_refuses_bad_input():
    assert erlang_c(2, 3.0) == 1.0
    wq, full = mean_wait_h(10.0, 2, 1.0, max_utilisation=0.9)
    assert bool(full)
    assert float(wq) == pytest.approx(float(mean_wait_h(1.8, 2, 1.0)[0]))  # rho capped at 0.9
    with pytest.raises(ValueError, match="servers >= 1"):
        erlang_c(0, 1.0)
    with pytest.raises(ValueError, match="service_per_h"):
        mean_wait_h(1.0, 2, 0.0)


def test_centre_waiting_uses_desks_and_horizon():
    s = CapacitySettings(registrations_per_desk_day=8.0, opening_h=8.0, horizon_days=10.0)
    # 10 visits a day over 8 h at 1 desk of 1/h: lambda 1.25/h >= mu -> saturated
    # 2 desks: a = 1.25, c = 2; check against erlang_c
    w = centre_waiting([100.0, 100.0], [1, 2], settings=s)
    assert list(w["saturated"]) == [True, False]
    c = float(erlang_c(2, 1.25))
    assert w["wait_min"][1] == pytest.approx(60 * c / (2 - 1.25))


# --- burden ---------------------------------------------------------------------------


def test_burden_of_a_hand_checkable_settlement():
    # 45 min each way, 20 km, 30 min queue + 16 min desk, a quarter lack documents
    visits = expected_visits([0.25])
    b = group_burden([45.0], [20_000.0], [0.5], visits=visits, service_h=16 / 60)
    elapsed = 1.5 + 0.5 + 16 / 60  # 2.2667 h
    lost = elapsed / 8
    assert b.man_h[0] == pytest.approx(1.25 * elapsed)
    assert b.man_pkr[0] == pytest.approx(1.25 * (2 * 20 * 8 + lost * 1400))
    assert b.woman_h[0] == pytest.approx(2 * 1.25 * elapsed)
    assert b.woman_pkr[0] == pytest.approx(1.25 * (2 * 320 + 2 * lost * 1400 + lost * 700))


def test_burden_unreachable_loses_a_day_and_long_trips_cap_at_a_day():
    b = group_burden([np.nan, 600.0], [np.nan, 300_000.0], [0.0, 0.0], visits=[1.0, 1.0])
    assert b.man_pkr[0] == 1400.0 and b.man_h[0] == 8.0
    assert b.man_pkr[1] == pytest.approx(2 * 300 * 8 + 1400)  # 20 h away: one day's wage
    no_companion = group_burden(
        [60.0], [30_000.0], [1.0], visits=[1.0], settings=BurdenSettings(companion=False)
    )
    assert no_companion.woman_pkr[0] == pytest.approx(1005.0 + 0.375 * 700)
    with pytest.raises(ValueError, match="documents_missing_share"):
        expected_visits([1.5])


# --- capacity split -------------------------------------------------------------------

_counts = st.floats(0, 5_000, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(
    data=st.lists(
        st.tuples(_counts, st.floats(0, 200), st.integers(0, 2), st.floats(0, 1)),
        min_size=1,
        max_size=40,
    ),
    caps=st.lists(st.floats(0, 20_000), min_size=3, max_size=3),
    reach=st.floats(1, 150),
)
def test_three_way_split_sums_exactly_to_the_total(data, caps, reach):
    demand, t, c, docs = (np.array(x) for x in zip(*data, strict=True))
    r = capacity_split(demand, t, c, caps, visits=1 + docs, reach_min=reach)
    parts = r.served + r.unserved_capacity + r.unserved_distance
    total = np.round(demand / HOUSEHOLD_GRID) * HOUSEHOLD_GRID
    assert (parts == total).all()
    # totals are exact whatever the order of summation
    assert r.served.sum() + r.unserved_capacity.sum() + r.unserved_distance.sum() == total.sum()
    assert r.served[::-1].sum() + r.unserved_capacity.sum() + r.unserved_distance.sum() == (
        total[::-1].sum()
    )
    assert (r.served >= 0).all() and (r.unserved_capacity >= 0).all()
    assert (r.served_visits <= np.asarray(caps) + 1e-9).all()
    assert (r.unserved_distance[t <= reach] == 0).all()


def test_capacity_fills_nearest_first():
    r = capacity_split([100, 100, 50], [20, 10, 90], [0, 0, 0], [150.0], visits=[1, 1.5, 1])
    # the 10-min settlement (150 visits) fills the centre; the 20-min one is left out
    assert r.served.tolist() == [0.0, 100.0, 0.0]
    assert r.unserved_capacity.tolist() == [100.0, 0.0, 0.0]
    assert r.unserved_distance.tolist() == [0.0, 0.0, 50.0]


# --- residuals ------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from("abcd"),
            st.one_of(st.floats(0, 1e5), st.just(np.nan)),
            st.floats(0, 1e5),
        ),
        min_size=1,
        max_size=50,
    )
)
def test_expected_plus_residual_is_observed_exactly(rows):
    units, obs, exp = (np.array(x) for x in zip(*rows, strict=True))
    r = unit_residuals(units, obs.astype(float), exp.astype(float))
    known = r["observed"].notna()
    assert ((r["expected"] + r["residual"])[known] == r["observed"][known]).all()
    for u in r.index[known]:
        m = (units == u) & np.isfinite(obs)
        assert abs(r.loc[u, "observed"] - obs[m].sum()) <= HOUSEHOLD_GRID
        assert abs(r.loc[u, "expected"] - exp[m].sum()) <= HOUSEHOLD_GRID
    assert r["observed"][~known].isna().all()


# --- equity ---------------------------------------------------------------------------


def test_concentration_index_by_hand_with_ties():
    # ranks with a tie: weights 1, 1, 2 at times 10, 10, 30 -> r = 0.25, 0.25, 0.75
    ci = concentration_index([0.1, 0.3, 0.4], [10, 10, 30], [1, 1, 2])
    mean = (0.1 + 0.3 + 0.8) / 4
    cov = (0.1 * 0.25 + 0.3 * 0.25 + 0.8 * 0.75) / 4 - mean * 0.5
    assert ci == pytest.approx(2 * cov / mean)
    assert concentration_index([0.2, 0.2], [1, 2], [1, 1]) == pytest.approx(0.0)


def test_palma_share_and_e2sfca():
    assert palma_ratio([5, 5, 5, 5], [1, 1, 1, 1]) == pytest.approx(1.0)
    assert palma_ratio([10, np.inf], [1, 1], top=0.5, bottom=0.5, cap=40) == pytest.approx(4)
    assert share_beyond([10, 70], [3, 1], 60) == 0.25
    # two centres of 10/day; settlement 0 reaches both at 0 min, settlement 1 only the second
    m = sparse.csr_array(([0.0, 0.0, 0.0], ([0, 0, 1], [0, 1, 1])), shape=(2, 2))
    a = e2sfca(m, [10.0, 10.0], [10.0, 40.0], d0_min=30)
    assert a.tolist() == pytest.approx([10 / 10 + 10 / 50, 10 / 50])


def test_concentration_index_equals_a_direct_computation_from_settlements_csv(
    small_sample_region_dir, tmp_path
):
    out = tmp_path / "gaps"
    res = invoke_cli("gaps", small_sample_region_dir, "--out", out)
    assert res.exit_code == 0, res.output
    s = pd.read_csv(out / "settlements.csv")
    assert not s["suppressed"].any()  # every settlement's coverage is in the file
    summary = read_json(out / "gaps_summary.json")
    eq = summary["equity"]

    def direct(g: pd.DataFrame) -> float:
        w = g["households"].to_numpy(float)
        y = g["unregistered_households"].to_numpy(float) / w
        t = g["travel_min_motorbike"].fillna(np.inf).to_numpy(float)
        below = (w[None, :] * (t[None, :] < t[:, None])).sum(axis=1)
        same = (w[None, :] * (t[None, :] == t[:, None])).sum(axis=1)
        r = (below + same / 2) / w.sum()
        my, mr = np.average(y, weights=w), np.average(r, weights=w)
        return float(2 * np.average((y - my) * (r - mr), weights=w) / my)

    assert eq["region"]["concentration_index"] == pytest.approx(direct(s), rel=1e-9)
    for tehsil, g in s.groupby("tehsil"):
        assert eq["tehsil"][tehsil]["concentration_index"] == pytest.approx(direct(g), rel=1e-9)
    assert eq["region"]["concentration_index"] > 0  # exclusion rises with distance
    assert "e2sfca_access" in s and (s["e2sfca_access"] >= 0).all()
    cap = summary["capacity"]
    total = s["unregistered_households"].sum()
    assert cap["total_households"] == total
    assert (
        cap["served_households"]
        + cap["unserved_capacity_households"]
        + cap["unserved_distance_households"]
        == total
    )
    uc = pd.read_csv(out / "units_union_council.csv")
    assert (uc["expected_unregistered_poor"] + uc["residual_unregistered_poor"]).tolist() == (
        uc["observed_unregistered_poor"].tolist()
    )
    assert (out / "awareness_priority.csv").exists() and (out / "capacity_coverage.png").exists()
    assert (
        summary["burden_by_group"]["woman"]["mean_pkr"]
        > summary["burden_by_group"]["man"]["mean_pkr"]
    )


# --- distance vs awareness on the sample -----------------------------------------------


@pytest.fixture(scope="module")
def aware_gaps():
    from test_barriers_sample import AWARE

    from access.analysis import gap_analysis
    from access.synthetic import build_sample_region

    region, truth = build_sample_region(AWARE, low_awareness_units=3)
    return gap_analysis(region, modes=("motorbike",)), truth


def test_the_model_separates_distance_from_awareness(aware_gaps):
    gaps, truth = aware_gaps
    a = gaps.barriers.awareness
    est, lo, hi = a.model.term("travel_h")
    assert lo <= truth.travel_coef_per_h <= hi, (est, lo, hi)
    est, lo, hi = a.model.term(AWARENESS_TERM)
    assert lo <= truth.awareness_logit <= hi, (est, lo, hi)
    assert a.stand_out == truth.low_awareness_units
    top = a.priority().head(3)
    assert set(top["union_council"]) == set(truth.low_awareness_units)
    assert top["stands_out"].all()
    cv = a.cross_validation
    assert cv is not None and np.isfinite(cv.pseudo_r2) and cv.folds == 5


def test_a_distance_only_model_misfits_where_awareness_acts(aware_gaps):
    """Without the awareness term the fit is over-dispersed and vague: the term matters."""
    from access.exclusion import fit_exclusion_model

    gaps, _ = aware_gaps
    a = gaps.barriers.awareness
    naive = fit_exclusion_model(gaps.settlements, mode="motorbike")
    assert naive.dispersion > 2 * a.model.dispersion
    _, lo, hi = naive.term("travel_h")
    _, lo_sep, hi_sep = a.model.term("travel_h")
    assert hi - lo > 1.3 * (hi_sep - lo_sep)


def test_union_council_residuals_add_up_exactly(aware_gaps):
    gaps, _ = aware_gaps
    uc = gaps.units["union_council"]
    assert (uc["expected_unregistered_poor"] + uc["residual_unregistered_poor"]).equals(
        uc["observed_unregistered_poor"]
    )
    assert np.allclose(
        uc["observed_unregistered_poor"], uc["unregistered_poor_households"], atol=HOUSEHOLD_GRID
    )
    region = gaps.units["region"].iloc[0]
    parts = sum(
        float(uc[c].sum())
        for c in (
            "served_households",
            "unserved_capacity_households",
            "unserved_distance_households",
        )
    )
    assert parts == region["unregistered_households"]


def test_without_awareness_nothing_stands_out(small_sample_region):
    from access.analysis import gap_analysis

    a = gap_analysis(small_sample_region, modes=("motorbike",)).barriers.awareness
    assert a.stand_out == ()
    assert AWARENESS_TERM not in a.model.terms


def test_covariates_the_data_has():
    t = pd.DataFrame(
        {
            "registered_households": [1.0, 2.0, 3.0],
            "poor_share": [0.1, 0.2, np.nan],
            "urban": [True, False, True],
            "province": ["A", "B", "A"],
        }
    )
    work, terms, with_poverty = model_covariates(t)
    assert terms == ("urban", "province[B]") and not with_poverty
    assert work["province[B]"].tolist() == [0.0, 1.0, 0.0]


def test_awareness_needs_known_coverage(small_sample_region):
    from access.gaps import settlement_gaps
    from geodata.errors import SchemaError

    t = settlement_gaps(
        small_sample_region.settlements.head(5).assign(
            registered_households=10.0,
            poor_share=0.5,
            travel_min_motorbike=5.0,
            network_m_motorbike=1000.0,
        )
    )
    with pytest.raises(SchemaError, match="needs at least 10"):
        awareness_analysis(t)


# --- the demo: scenarios and the comparison report ----------------------------------------


def test_scenarios_and_report_show_who_is_excluded(demo_dir):
    html = (demo_dir / "report" / "report.html").read_text(encoding="utf-8")
    assert "Who is excluded and why" in html and "Awareness priority" in html
    assert (demo_dir / "report" / "chart_capacity_coverage.png").is_file()
    for folder in (demo_dir / "scenarios").iterdir():
        b = read_json(folder / "barriers.json")
        c = b["capacity"]
        assert (
            c["served_households"]
            + c["unserved_capacity_households"]
            + c["unserved_distance_households"]
            == c["total_households"]
        )
    gaps = read_json(demo_dir / "gaps" / "gaps_summary.json")
    assert {"capacity", "burden_by_group", "awareness", "equity"} <= set(gaps)
