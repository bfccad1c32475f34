"""End to end in headless Chromium, as the app's three users: what a person sees.

- A planner explores the map on a 1366x768 laptop: one SYNTHETIC banner, no Deploy button,
  the map above the fold and fitted to the district, the legend folding away; then places
  centres and checks that neither the legend nor the layer button hides a site.
- An outreach manager plans vans, looks at one van, and downloads the itinerary files (the
  zip opens and holds the itinerary); then plans a quarter of mobile reviews and downloads
  its calendar.
- An official compares a baseline with a scenario: the base is "baseline", the reach chart
  is drawn, each map is titled by its scenario and shows its centres.

The real server (``streamlit run app.py``) runs on the small sample region. Needs Debian's
``chromium`` (``/usr/bin/chromium``) and the ``playwright`` Python package (its bundled
browsers are not used); skips with the reason otherwise. Screenshots go to
``test-artifacts/screenshots/`` (git-ignored; CI keeps the folder as its artifacts).
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from helpers import copy_region

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MAP_IFRAME = 'iframe[title="streamlit_folium.st_folium"]'
LAPTOP = {"width": 1366, "height": 768}
WAIT_MS = 120_000


@dataclass(frozen=True)
class Server:
    """The running app: its address, its region folder and its results folder."""

    url: str
    region: Path
    out: Path


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Server]:
    """``streamlit run app.py`` on the small region at a free port; always stopped."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is absent (apt-get install -y chromium)")
    pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    tmp = tmp_path_factory.mktemp("browser")
    folder = copy_region(request.getfixturevalue("small_sample_region_dir"), tmp / "small")
    port = _free_port()
    env = dict(
        os.environ,
        ACCESSGAP_REGION=str(folder),
        ACCESSGAP_UPLOADS=str(tmp / "uploads"),
        ACCESSGAP_OUT=str(tmp / "out"),
    )
    streamlit = shutil.which("streamlit", path=str(Path(sys.executable).parent)) or "streamlit"
    log = (tmp / "server.log").open("w")
    proc = subprocess.Popen(
        [
            streamlit,
            "run",
            "app.py",
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{url}/_stcore/health", proc, timeout_s=60)
        yield Server(url, folder, tmp / "out")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()


@pytest.fixture(scope="module")
def browser(server: Server) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def test_planner_explores_the_map_and_places_centres(server: Server, browser: Any) -> None:
    page, errors = _open(browser, server)
    frame = _map_frame(page)
    # one SYNTHETIC banner; no Deploy button; the map starts above a laptop's fold
    banners = page.locator('[data-testid="stMain"] [data-testid="stAlert"]')
    assert sum("SYNTHETIC" in t for t in banners.all_inner_texts()) == 1
    assert page.get_by_role("button", name="Deploy").count() == 0
    box = page.locator(MAP_IFRAME).first.bounding_box()
    assert box is not None and box["y"] + 250 < LAPTOP["height"], box
    # the data fills the map (fitted with fractional zoom), beside the legend
    fill = _data_fill(frame)
    assert fill["zoom"] != int(fill["zoom"]) or max(fill["fill_x"], fill["fill_y"]) > 0.8, fill
    assert max(fill["fill_x"], fill["fill_y"]) > 0.6, fill
    assert fill["left"] >= fill["legend_right"] - 1, fill  # no settlement starts under it
    page.screenshot(path=str(SCREENSHOTS / "planner_explore.png"))
    # the legend folds away and opens again
    toggle = frame.locator(".accessgap-legend-toggle")
    toggle.click()
    assert not frame.locator(".accessgap-legend-body").is_visible()
    toggle.click()
    assert frame.locator(".accessgap-legend-body").is_visible()

    page.get_by_text("Place centres", exact=True).click()
    page.get_by_role("button", name="Run placement").click()
    page.get_by_role("button", name="Download sites (CSV)").wait_for(timeout=WAIT_MS)
    assert page.get_by_text("Maximise households covered").count() >= 1
    frame = _map_frame(page)
    frame.locator(".leaflet-marker-icon").first.wait_for(timeout=WAIT_MS)
    page.wait_for_timeout(500)
    legend = frame.locator(".accessgap-legend").bounding_box()
    layers = frame.locator(".leaflet-control-layers").bounding_box()
    markers = [m.bounding_box() for m in frame.locator(".leaflet-marker-icon").all()]
    assert len(markers) >= 4  # the new sites and the existing centres
    for marker in markers:
        assert marker is not None
        assert not _overlap(legend, marker), (legend, marker)
        assert not _overlap(layers, marker), (layers, marker)
    page.locator(MAP_IFRAME).first.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "planner_place_centres.png"))
    assert not errors, errors


def test_outreach_manager_plans_vans_and_downloads_the_itinerary(
    server: Server, browser: Any
) -> None:
    page, errors = _open(browser, server)
    page.get_by_text("Plan vans", exact=True).first.click()
    slider = page.locator('[data-testid="stSlider"]', has_text="Halts beyond").get_by_role("slider")
    slider.wait_for(timeout=WAIT_MS)
    slider.focus()
    slider.press("ArrowLeft")  # 60 -> 45 -> 30 minutes: the small region has no one further
    slider.press("ArrowLeft")
    page.get_by_role("button", name="Plan vans").click()
    page.get_by_text("Halts visited").wait_for(timeout=WAIT_MS)
    frame = _map_frame(page)
    frame.locator(".accessgap-legend").wait_for(timeout=WAIT_MS)
    assert "Van 1" in frame.locator(".accessgap-legend").inner_text()
    page.locator(MAP_IFRAME).first.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "outreach_vans_all.png"))
    # one van only
    _idle(page)
    combo = page.locator('[data-testid="stSelectbox"]', has_text="Show van").get_by_role("combobox")
    combo.click()
    combo.press_sequentially("Van 1")
    combo.press("Enter")
    page.wait_for_timeout(1500)
    _map_frame(page).locator(".accessgap-legend").wait_for(timeout=WAIT_MS)
    page.locator(MAP_IFRAME).first.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "outreach_vans_van1.png"))

    page.get_by_role("button", name="Prepare itinerary files (CSV, XLSX, GPX, HTML, PDF)").click()
    button = page.get_by_role("button", name="Download itinerary files (zip)")
    button.wait_for(timeout=WAIT_MS)
    with page.expect_download(timeout=WAIT_MS) as info:
        button.click()
    path = info.value.path()
    with zipfile.ZipFile(io.BytesIO(Path(path).read_bytes())) as zf:
        names = zf.namelist()
        assert any(n.endswith(".csv") for n in names), names
        assert any(n.endswith(".pdf") for n in names), names
        csv = next(n for n in names if n.endswith(".csv"))
        assert len(zf.read(csv).decode("utf-8").splitlines()) > 1  # a header and a visit
    assert not errors, errors


def test_outreach_manager_plans_a_quarter_of_reviews_and_downloads_the_calendar(
    server: Server, browser: Any
) -> None:
    page, errors = _open(browser, server)
    page.get_by_text("Field plans", exact=True).first.click()
    slider = page.locator('[data-testid="stSlider"]', has_text="Halts beyond").get_by_role("slider")
    slider.first.wait_for(timeout=WAIT_MS)
    slider.first.focus()
    for _ in range(3):  # 60 -> 45 -> 30 -> 15 car minutes: the small region has no one further
        slider.first.press("ArrowLeft")
    page.get_by_role("button", name="Plan the reviews").click()
    page.get_by_text("Review halts").wait_for(timeout=WAIT_MS)
    frame = _map_frame(page)
    assert "Van 1" in frame.locator(".accessgap-legend").inner_text()
    page.get_by_text("Calendar", exact=True).scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "outreach_reviews_calendar.png"))
    _idle(page)
    button = page.get_by_role("button", name="calendar.csv")
    with page.expect_download(timeout=WAIT_MS) as info:
        button.click()
    lines = Path(info.value.path()).read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("date,weekday,team,kind,visit") and len(lines) > 3
    assert all(",review," in line for line in lines[1:])
    assert not errors, errors


def test_official_compares_a_scenario_with_the_baseline(server: Server, browser: Any) -> None:
    from scenarios.runner import run_scenario

    examples = ROOT / "scenarios" / "examples"
    for name in ("baseline", "ten_uc_centres"):
        if not (server.out / "runs" / name / "metrics.json").is_file():
            run_scenario(
                examples / f"{name}.yaml", server.out / "runs" / name, region=server.region
            )
    page, errors = _open(browser, server)
    page.get_by_text("Compare scenarios", exact=True).click()
    _idle(page)
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    _scroll_to(page, chart)
    marks = chart.locator("canvas, svg").first
    _scroll_to(page, marks)
    page.wait_for_timeout(500)
    drawn = marks.bounding_box()
    assert drawn is not None and drawn["width"] > 200 and drawn["height"] > 100, drawn
    base = page.locator('[data-testid="stSelectbox"]', has_text="Base scenario")
    shown = base.evaluate(
        "el => el.innerText + ' ' + [...el.querySelectorAll('input')].map(i => i.value).join(' ')"
    )
    assert "baseline" in shown, shown
    assert "runs/" not in shown  # named by the scenario, not the folder
    _scroll_to(page, page.get_by_text("ten_uc_centres against baseline").first)
    for i in range(2):
        frame = page.frame_locator(MAP_IFRAME).nth(i)
        frame.locator(".leaflet-marker-icon").first.wait_for(timeout=WAIT_MS)  # centres
        frame.locator(".accessgap-legend").wait_for(timeout=WAIT_MS)
        # a half-width map starts with its legend folded (wider than 30% of the map)
        assert "new centre (placed)" in frame.locator(".accessgap-legend").text_content()
    assert page.locator(MAP_IFRAME).count() == 2
    page.wait_for_timeout(500)
    page.screenshot(path=str(SCREENSHOTS / "official_compare_maps.png"))
    chart.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "official_compare_chart.png"))
    assert not errors, errors


# ---------------------------------------------------------------------------------------


def _open(browser: Any, server: Server) -> tuple[Any, list[str]]:
    """A laptop-sized page on the app's first page, the map drawn; its JS errors collected."""
    page = browser.new_page(viewport=LAPTOP, accept_downloads=True)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.url, timeout=60_000)
    page.get_by_text("SYNTHETIC DATA").first.wait_for(timeout=WAIT_MS)
    _map_frame(page)
    return page, errors


def _map_frame(page: Any) -> Any:
    """The first folium map's frame once its legend is drawn (and the map fitted)."""
    frame = page.frame_locator(MAP_IFRAME).first
    frame.locator(".leaflet-container").wait_for(timeout=WAIT_MS)
    frame.locator(".accessgap-legend").wait_for(timeout=WAIT_MS)
    page.wait_for_timeout(300)
    return frame


_FILL_JS = """
() => {
  const key = Object.keys(window).find(k => k.startsWith("map_") && window[k].getBounds);
  const map = window[key];
  let box = null;
  map.eachLayer(l => {
    if (l.feature && l.feature.geometry && l.feature.geometry.type === "Point") {
      const b = l.getLatLng ? L.latLngBounds([l.getLatLng(), l.getLatLng()]) : null;
      if (b) { box = box ? box.extend(b) : b; }
    }
  });
  const size = map.getSize();
  const nw = map.latLngToContainerPoint(box.getNorthWest());
  const se = map.latLngToContainerPoint(box.getSouthEast());
  const legend = document.querySelector(".accessgap-legend").getBoundingClientRect();
  const mapBox = map.getContainer().getBoundingClientRect();
  return {zoom: map.getZoom(), fill_x: (se.x - nw.x) / size.x, fill_y: (se.y - nw.y) / size.y,
          left: nw.x, legend_right: legend.right - mapBox.left};
}
"""


def _data_fill(frame: Any) -> dict[str, float]:
    """How much of the map the settlements span, the zoom, and where the legend ends."""
    return dict(frame.locator(".leaflet-container").evaluate(f"(_el) => ({_FILL_JS})()"))


def _overlap(a: dict[str, float] | None, b: dict[str, float] | None) -> bool:
    if a is None or b is None:
        return False
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def _scroll_to(page: Any, locator: Any, attempts: int = 5) -> None:
    """Scroll ``locator`` into view, again when a rerun replaced its element meanwhile."""
    from playwright.sync_api import Error

    for k in range(attempts):
        try:
            locator.wait_for(timeout=WAIT_MS)
            locator.scroll_into_view_if_needed(timeout=10_000)
            return
        except Error:
            if k == attempts - 1:
                raise
            _idle(page)


def _idle(page: Any) -> None:
    """Wait until the app has finished its run (Streamlit's "Running" sign is gone)."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText"
        ".includes('Running')",
        timeout=WAIT_MS,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(url: str, proc: subprocess.Popen[bytes], *, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"streamlit exited with code {proc.returncode} before serving")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"streamlit did not answer at {url} within {timeout_s:.0f} s")
