"""Printed outputs (#19, #20): A4, headers repeated, summary first, maps with roads and names,
Urdu in the itinerary PDF, the region summary page."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

import numpy as np
import pandas as pd
import pytest
from test_compare import fake_run

from scenarios.comparison import build_comparison
from scenarios.printing import PRINT_CSS, chromium_path, print_html, urdu_fonts
from scenarios.region_summary import region_summary
from scenarios.report_summary import fmt_value, recommendation_table, summary_html

A4 = (595.3, 841.9)


def needs_chromium() -> None:
    if chromium_path() is None:
        pytest.skip("Chromium is not installed (/usr/bin/chromium; `make browser-deps`)")


def pages_text(pdf) -> list[str]:
    from pypdf import PdfReader

    return [unicodedata.normalize("NFKC", p.extract_text()) for p in PdfReader(pdf).pages]


def assert_a4(pdf) -> None:
    from pypdf import PdfReader

    for p in PdfReader(pdf).pages:
        size = (float(p.mediabox.width), float(p.mediabox.height))
        assert size == pytest.approx(A4, abs=1.5), f"not A4: {size} (US Letter is 612 x 792)"


def three_runs():
    def with_costs(run, regs, cost, slower):
        run.metrics["headline"] |= {
            "expected_new_registrations": regs,
            "cost_over_horizon_pkr": cost,
            "cost_per_expected_registration_pkr": cost / regs if regs > 0 else float("nan"),
            "households_slower_by_1_min": slower,
        }
        return run

    return build_comparison(
        [
            with_costs(fake_run("base", 100.0, 0.0, [10.0, 50.0, 90.0]), 0.0, 0.0, 0.0),
            with_costs(fake_run("centres", 130.0, 250.0, [10.0, 20.0, 60.0]), 250.0, 5e6, 0.0),
            with_costs(fake_run("vans", 110.0, 100.0, [10.0, 50.0, 90.0]), 100.0, 1e6, 0.0),
            with_costs(fake_run("flood", 80.0, -5.0, [10.0, 70.0, np.nan]), -5.0, 0.0, 20.0),
        ]
    )


def test_numbers_for_people():
    assert fmt_value(2459.6092, "households") == "2,460"
    assert fmt_value(0.8443, "share") == "84.4%"
    assert fmt_value(1806.0, "min") == "30.1 h"
    assert fmt_value(45.0, "min") == "45 min"
    assert fmt_value(-1250.0, "PKR", signed=True) == "-1,250"


def test_recommendation_is_lowest_cost_per_registration_and_summary_says_so():
    comp = three_runs()
    rec = recommendation_table(comp)
    # by hand: vans 10,000 PKR per registration, centres 20,000; flood brings none
    assert rec["scenario"].tolist() == ["vans", "centres", "flood"]
    assert rec["verdict"].tolist() == [
        "recommended",
        "higher cost per registration",
        "no new registrations",
    ]
    text = summary_html(comp)
    assert "<b>vans</b> buys new registrations most cheaply" in text
    assert "PKR 10,000 each" in text and "<b>centres</b> brings the most (250)" in text
    assert "flood (20)" in text  # trips got longer there


def long_table_page(rows: int = 120) -> str:
    body = "".join(f"<tr><td>row {i}</td><td>{i * 1000:,}</td></tr>" for i in range(rows))
    return (
        f'<!DOCTYPE html><html><head><meta charset="utf-8"><style>{PRINT_CSS}</style></head>'
        "<body><h2>Long table</h2><table><thead><tr><th>Metric name</th><th>Households</th>"
        f"</tr></thead><tbody>{body}</tbody></table></body></html>"
    )


@pytest.mark.browser
def test_print_css_gives_a4_and_repeats_table_headers(tmp_path):
    needs_chromium()
    src = tmp_path / "t.html"
    src.write_text(long_table_page(), encoding="utf-8")
    assert print_html(src, tmp_path / "t.pdf")
    assert_a4(tmp_path / "t.pdf")
    texts = pages_text(tmp_path / "t.pdf")
    assert len(texts) >= 2
    for t in texts:
        assert "Metric name" in t  # the header repeats on every page
    # no row split across pages: every row's two cells land on the same page
    for i in range(120):
        assert any(f"row {i}\n" in t or f"row {i} " in t for t in texts)
        page = next(t for t in texts if re.search(rf"row {i}\b", t))
        assert f"{i * 1000:,}" in page


def test_region_summary_page(small_sample_region, tmp_path):
    page = region_summary(small_sample_region, worst=5, pdf=False)
    h = page.html
    assert h.index("Headline figures") < h.index("largest gaps")
    assert len(page.worst_units) == 5
    scores = page.worst_units["gap_score"].to_numpy(float)
    assert (np.diff(scores) <= 0).all()  # largest gap first
    # the map: roads, boundaries, labelled places and centres, as text in the SVG
    for name in small_sample_region.centres["name"]:
        assert f">{name}<" in h
    assert "main road" in h and " km<" in h
    assert "SYNTHETIC" in h
    assert "2459.6" not in h and re.search(r"\d,\d{3}", h)  # separators, no raw floats


@pytest.mark.browser
def test_region_summary_pdf_is_a4(small_sample_region, tmp_path):
    needs_chromium()
    page = region_summary(small_sample_region, worst=3)
    assert page.pdf is not None and page.pdf[:5] == b"%PDF-"
    (tmp_path / "s.pdf").write_bytes(page.pdf)
    assert_a4(tmp_path / "s.pdf")
    assert "Headline figures" in pages_text(tmp_path / "s.pdf")[0]


@pytest.mark.browser
def test_itinerary_pdf_has_urdu_dates_and_a_map(small_sample_region, tmp_path):
    needs_chromium()
    if "Noto Naskh Arabic" not in urdu_fonts():
        pytest.skip("no Urdu font (Debian fonts-noto-core; `make browser-deps`)")
    from scenarios.routing import VanOptions, plan_vans, write_vans

    plan = plan_vans(
        small_sample_region,
        VanOptions(vans=1, days=2, within_min=15, start_date=date(2027, 1, 4)),
    )
    write_vans(plan, tmp_path / "vans")
    itin = tmp_path / "vans" / "itinerary"
    assert_a4(itin / "itinerary.pdf")
    texts = pages_text(itin / "itinerary.pdf")
    visited = plan.halts[plan.halts["status"].eq("visited")]
    ur = [n for n in visited["name_ur"] if n]
    assert ur and any(ur[0] in t for t in texts)  # Urdu shaped and extractable
    assert "Mon 04 Jan 2027" in texts[0]  # dates
    assert "main road" in texts[0] and "km" in texts[0]  # the context map's legend, scale bar
    html = (itin / "itinerary.html").read_text(encoding="utf-8")
    assert "<thead>" in html and html.count("<svg") == 1  # one map for the one van
    notices = tmp_path / "vans" / "notices"
    assert_a4(notices / "notices.pdf")
    sms = pd.read_csv(notices / "sms.csv")
    assert len(sms) == sum(len(vd.visits) for vd in plan.campaign.van_days)


@pytest.mark.browser
def test_report_pdf_is_a4_and_opens_with_the_summary(tmp_path):
    needs_chromium()
    from scenarios.report import write_report

    comp = three_runs()
    assert write_report(comp, tmp_path) == "chromium"
    assert_a4(tmp_path / "report.pdf")
    first = pages_text(tmp_path / "report.pdf")[0]
    assert first.index("Summary") < first.index("Side by side") if "Side by side" in first else True
    assert "buys new registrations most cheaply" in first
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert html.index('id="summary"') < html.index("<h2>Side by side")
    assert html.count("<thead>") >= 4


def test_demo_writes_notices_and_report_maps_with_roads(demo_dir):
    notices = demo_dir / "vans" / "notices"
    sms = pd.read_csv(notices / "sms.csv")
    assert len(sms) > 0 and sms["sms_ur_messages"].eq(1).all()
    assert "شناختی کارڈ" in (notices / "notices.html").read_text(encoding="utf-8")
    report = (demo_dir / "report" / "report.html").read_text(encoding="utf-8")
    assert report.count('<figure class="mapsvg') == 4  # one per scenario against the base
    assert "main road" in report and "DRC " in report  # roads by class, labelled centres
