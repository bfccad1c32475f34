"""End to end in headless Chromium: the real server, the map, a placement, a download button.

Needs Debian's ``chromium`` (``/usr/bin/chromium``) and the ``playwright`` Python package (its
bundled browsers are not used); skips with the reason otherwise. Screenshots go to
``test-artifacts/`` (git-ignored).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import copy_region

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"
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


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[str]:
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
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        log.close()


def test_map_placement_and_download_in_chromium(server: str) -> None:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(server, timeout=60_000)
            page.get_by_text("SYNTHETIC DATA").first.wait_for(timeout=90_000)
            frame = page.frame_locator(MAP_IFRAME).first
            frame.locator(".leaflet-container").wait_for(timeout=90_000)
            frame.locator(".accessgap-legend").wait_for(timeout=30_000)
            assert frame.locator(".leaflet-control-layers").count() == 1
            page.wait_for_timeout(1000)
            page.screenshot(path=str(ARTIFACTS / "browser_explore.png"))

            page.get_by_text("Place centres", exact=True).click()
            page.get_by_role("button", name="Run placement").click()
            page.get_by_role("button", name="Download sites (CSV)").wait_for(timeout=90_000)
            assert page.get_by_role("button", name="Download sites (GeoJSON)").count() == 1
            page.frame_locator(MAP_IFRAME).first.locator(".leaflet-container").wait_for(
                timeout=60_000
            )
            page.wait_for_timeout(1000)
            page.screenshot(path=str(ARTIFACTS / "browser_place.png"))
        finally:
            browser.close()
    assert not errors, errors


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
