"""The comparison report's costing sections (#18): the numbers an official reads in
report.html are the ones portfolio.json and metrics.json hold."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from geodata.errors import DataFileError
from scenarios.comparison import build_comparison, load_run
from scenarios.demo import DEMO_BUDGET_PKR, EXAMPLE_NAMES
from scenarios.portfolio import CHANNELS
from scenarios.report_costing import CHANNEL_LABELS, costing_html, load_portfolio, portfolio_html


class _Tables(HTMLParser):
    """Every <table> of a page as rows of cell texts (the standard library's parser)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def tables(page: str) -> list[list[list[str]]]:
    p = _Tables()
    p.feed(page)
    return p.tables


def number(cell: str) -> float | None:
    return None if cell == "n/a" else float(cell.replace(",", ""))


def as_printed(v: float | None) -> float | None:
    return None if v is None else float(round(v))


def plan_table(page: str) -> dict[str, list[str]]:
    t = next(t for t in tables(page) if t[0][:2] == ["channel", "options available"])
    return {r[0]: r[1:] for r in t[1:]}


def test_demo_report_shows_the_100m_plan_exactly_as_portfolio_json(demo_dir: Path) -> None:
    doc = json.loads((demo_dir / "portfolio" / "portfolio.json").read_text())
    assert doc["budget_pkr"] == DEMO_BUDGET_PKR == 100e6
    page = (demo_dir / "report" / "report.html").read_text()
    assert "The best mix for PKR 100 million" in page
    rows = plan_table(page)
    # the five channels side by side, then the total
    assert list(rows) == [CHANNEL_LABELS[c] for c in (*CHANNELS, "total")]
    for ch in (*CHANNELS, "total"):
        d = doc["totals"] if ch == "total" else doc["channels"][ch]
        cells = [number(c) for c in rows[CHANNEL_LABELS[ch]]]
        assert cells == [
            as_printed(d["options_available"]),
            as_printed(d["best_pkr_per_registration"]),
            as_printed(d["options_chosen"]),
            as_printed(d["cost_horizon_pkr"]),
            as_printed(d["expected_registrations"]),
            as_printed(d["pkr_per_registration"]),
        ], ch
        if ch != "total":
            assert d["options_available"] > 0  # every channel has options on the sample
    # the plan holds together: within budget, channels add up to the total
    assert doc["totals"]["cost_horizon_pkr"] <= 100e6
    assert sum(doc["channels"][c]["expected_registrations"] for c in CHANNELS) == pytest.approx(
        doc["totals"]["expected_registrations"]
    )
    # the CSV next to the report holds the same table
    csv = pd.read_csv(demo_dir / "report" / "portfolio_channels.csv").set_index("channel")
    assert csv.loc["total", "expected_registrations"] == pytest.approx(
        doc["totals"]["expected_registrations"]
    )
    # the demo's summary carries the plan too
    summary = json.loads((demo_dir / "summary.json").read_text())
    assert summary["portfolio"]["totals"] == doc["totals"]
    # the written map draws offline
    assert "data:text/javascript;base64," in (demo_dir / "portfolio" / "map.html").read_text()


def test_demo_report_costs_every_scenario_channel_as_metrics_json(demo_dir: Path) -> None:
    page = (demo_dir / "report" / "report.html").read_text()
    t = next(t for t in tables(page) if t[0][:2] == ["scenario", "channel"])
    shown = {(r[0], r[1]): [number(c) for c in r[2:]] for r in t[1:]}
    seen = 0
    for name in EXAMPLE_NAMES:
        m = json.loads((demo_dir / "scenarios" / name / "metrics.json").read_text())
        for ch in m["costs"]["channels"]:
            key = (name, CHANNEL_LABELS[ch["channel"]])
            if not ch["options"] and not ch["expected_registrations"]:
                assert key not in shown
                continue
            seen += 1
            assert shown[key] == [
                ch["options"],
                as_printed(ch["cost_horizon_pkr"]),
                as_printed(ch["expected_registrations"]),
                as_printed(ch["pkr_per_registration"]),
            ], key
    assert seen >= 5  # centres, vans, both, the flood's loss
    # centres and vans from one model: cost per registration of each, same horizon
    ten = json.loads((demo_dir / "scenarios" / "ten_uc_centres" / "metrics.json").read_text())
    vans = json.loads((demo_dir / "scenarios" / "vans_only" / "metrics.json").read_text())
    assert ten["costs"]["assumptions"] == vans["costs"]["assumptions"]


def test_old_runs_are_flagged_and_a_bad_plan_folder_refused(tmp_path: Path) -> None:
    run = load_run_like(tmp_path / "old", costs={})
    new = load_run_like(
        tmp_path / "new",
        costs={
            "channels": [
                {
                    "channel": "van",
                    "options": 3,
                    "cost_horizon_pkr": 75_000.0,
                    "expected_registrations": 50.0,
                    "pkr_per_registration": 1500.0,
                }
            ],
            "assumptions": {
                "horizon_years": 7,
                "discount_rate": 0.05,
                "annuity_factor": 5.786,
                "turnout": "uptake = ...",
                "registrations": "r",
                "costs": "c",
            },
        },
    )
    page = costing_html(build_comparison([run, new]))
    assert "costed before the portfolio model" in page
    assert "horizon 7 years" in page and "discounted at 5% a year" in page
    t = tables(page)[0]
    assert t[2] == ["new", CHANNEL_LABELS["van"], "3", "75,000", "50", "1,500"]
    with pytest.raises(DataFileError, match="accessgap plan"):
        load_portfolio(tmp_path)


def test_portfolio_html_by_hand() -> None:
    ch = {
        "options_available": 4,
        "best_pkr_per_registration": 900.0,
        "options_chosen": 2,
        "cost_horizon_pkr": 2_000_000.0,
        "expected_registrations": 1000.4,
        "pkr_per_registration": 1999.2,
    }
    none = ch | {"options_chosen": 0, "cost_horizon_pkr": 0.0, "expected_registrations": 0.0}
    doc = {
        "budget_pkr": 5e6,
        "horizon_years": 5,
        "channels": {"centre": ch, "van": none | {"pkr_per_registration": None}},
        "totals": ch | {"options_available": 9},
        "solver": {"method": "milp", "gap": 0.0, "proven_optimal": True},
        "assumptions": {"discount_rate": 0.1},
    }
    rows = plan_table(portfolio_html(doc))
    assert rows[CHANNEL_LABELS["centre"]] == ["4", "900", "2", "2,000,000", "1,000", "1,999"]
    assert rows[CHANNEL_LABELS["van"]][-1] == "n/a"
    assert rows["Total"][0] == "9"


def load_run_like(folder: Path, *, costs: dict) -> object:
    """A minimal result folder readable by ``load_run``."""
    import geopandas as gpd

    folder.mkdir(parents=True)
    (folder / "metrics.json").write_text(
        json.dumps({"scenario": {"name": folder.name}, "headline": {}, "costs": costs})
    )
    pd.DataFrame(
        {"settlement_id": ["a"], "name": ["a"], "households": [1.0], "lon": [70.0], "lat": [30.0]}
    ).assign(travel_min_motorbike=[5.0]).to_csv(folder / "settlements.csv", index=False)
    gpd.GeoDataFrame(
        {"centre_id": ["C"], "status": ["existing"]},
        geometry=gpd.points_from_xy([70.0], [30.0]),
        crs="EPSG:4326",
    ).to_file(folder / "centres.geojson")
    return load_run(folder)
