"""First map paint of the app on the sample region, in headless Chromium.

Starts ``streamlit run app.py`` as ``make app`` does, on a free port (cold server), waits
until it answers its health check, then times, for a first and a second visitor, the span
from ``page.goto`` to the first vector shape drawn inside the folium map. Target (issue 8):
first paint under 5 s after the server is up. Needs Debian's ``/usr/bin/chromium``, the
``playwright`` package and ``regions/sample`` (``make app`` or ``accessgap sample``).

    .venv/bin/python benchmarks/bench_app.py
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def main() -> int:
    if not (ROOT / "regions" / "sample" / "region.json").is_file():
        print("regions/sample is missing: run `.venv/bin/accessgap sample --out regions/sample`")
        return 1
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/streamlit"),
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
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        t0 = time.perf_counter()
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
                break
            except OSError:
                if time.perf_counter() - t0 > 60:
                    print("the server did not come up in 60 s")
                    return 1
                time.sleep(0.2)
        print(f"server up after {time.perf_counter() - t0:.1f} s")
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            for visit in ("first visitor (cold caches)", "second visitor (warm caches)"):
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                t = time.perf_counter()
                page.goto(f"http://127.0.0.1:{port}")
                frame = page.wait_for_selector(
                    "iframe[title='streamlit_folium.st_folium']", timeout=120_000
                ).content_frame()
                assert frame is not None
                frame.wait_for_selector(".leaflet-interactive", timeout=120_000)
                print(f"{visit}: map painted {time.perf_counter() - t:.2f} s after page load")
                page.close()
            browser.close()
    finally:
        server.terminate()
        server.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
