"""The app's Field plans page, the region summary download and the sidebar's region info.

AppTest on the small synthetic region (as tests/test_app.py). Downloads are read back from
Streamlit's in-memory media store (every ``download_button``'s bytes, by file name).
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from helpers import copy_region
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from scenarios.printing import chromium_path

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TIMEOUT = 300
needs_chromium = pytest.mark.skipif(chromium_path() is None, reason="Chromium is not installed")


@pytest.fixture()
def app_env(small_sample_region_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ACCESSGAP_REGION", str(small_sample_region_dir))
    monkeypatch.setenv("ACCESSGAP_UPLOADS", str(tmp_path / "uploads"))
    monkeypatch.setenv("ACCESSGAP_OUT", str(tmp_path / "out"))
    monkeypatch.delenv("ACCESSGAP_REGIONS", raising=False)
    return tmp_path


@pytest.fixture()
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """File name -> bytes of every download button drawn (the latest wins)."""
    seen: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def keep(self, path_or_data, mimetype, kind, filename=None):  # type: ignore[no-untyped-def]
        if filename is not None and isinstance(path_or_data, bytes):
            seen[filename] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", keep)
    return seen


def _field_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.sidebar.radio(key="page").set_value("Field plans").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _press(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label.startswith(label)).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _texts(elements: object) -> str:
    return "\n".join(str(e.value) for e in elements)  # type: ignore[attr-defined]


def test_a_quarter_of_reviews_shows_its_calendar_and_the_files_to_hand_out(
    app_env: Path, downloads: dict[str, bytes]
) -> None:
    at = _field_page()
    assert "Plan the reviews" in _texts(at.info)
    at.select_slider(key="rev_within").set_value(15)  # the small region: nothing beyond 60
    at = _press(at, "Plan the reviews")
    assert not at.error, _texts(at.error)
    figures = {m.label: m.value for m in at.metric}
    assert int(figures["Review halts"]) >= 1
    # registrations on the fitted turnout model, as on the command line (the app's own gap
    # analysis leaves the model out, and the plan fell back to 60% of unregistered)
    shown = _texts(at.caption) + _texts(at.markdown) + _texts(at.info)
    assert "No exclusion model" not in shown
    table = at.dataframe[0].value
    assert {"Date", "Van or team", "Village", "Village (Urdu)", "Round", "Arrives (hh:mm)"} <= set(
        table.columns
    )
    assert not any("_" in c for c in table.columns)  # headers for people
    # 3 visits (one a round) of every halt: the figures and the calendar agree
    assert int(figures["Visits"]) == int(figures["Review halts"]) * 3
    assert set(table["Round"]) == {1, 2, 3}
    assert table["Village (Urdu)"].str.contains(r"[\u0600-\u06FF]").all()
    # the downloads hold the same visits
    cal = pd.read_csv(io.BytesIO(downloads["calendar.csv"]))
    assert len(cal) == len(table) and {"date", "settlement_ur", "lat"} <= set(cal.columns)
    ics = downloads["calendar.ics"].decode()
    assert ics.count("BEGIN:VEVENT") == len(table) and ics.startswith("BEGIN:VCALENDAR")
    sms = pd.read_csv(io.BytesIO(downloads["sms.csv"]))
    assert len(sms) == len(table) and (sms["sms_ur_messages"] == 1).all()
    notices = downloads["notices.html"].decode()
    assert 'dir="rtl"' in notices and "شناختی کارڈ" in notices
    assert notices.count('class="notice"') == cal["unit_code"].nunique()
    # one van shown: the table (and the map) hold that van's visits only
    at.selectbox(key="field_reviews_show").set_value("van 1").run()
    assert not at.exception, [e.value for e in at.exception]
    one = at.dataframe[0].value
    assert len(one) and set(one["Van or team"]) == {"Van 1"}


@needs_chromium
def test_the_notices_pdf_is_printed_on_request(app_env: Path, downloads: dict[str, bytes]) -> None:
    at = _field_page()
    at.select_slider(key="rev_within").set_value(15)
    at = _press(_press(at, "Plan the reviews"), "Prepare the notices PDF")
    assert downloads["notices.pdf"].startswith(b"%PDF")


def test_without_chromium_the_notices_are_offered_as_html(
    app_env: Path, downloads: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ui.field_view.chromium_path", lambda: None)
    at = _field_page()
    at.select_slider(key="rev_within").set_value(15)
    at = _press(at, "Plan the reviews")
    assert "print the HTML" in _texts(at.caption)
    assert not [b for b in at.button if b.label.startswith("Prepare the notices PDF")]
    assert "notices.html" in downloads and "notices.pdf" not in downloads


def test_an_infeasible_review_plan_says_what_to_change(app_env: Path) -> None:
    at = _field_page()
    at.select_slider(key="rev_within").set_value(15)
    at.number_input(key="rev_vans").set_value(1)
    at.number_input(key="rev_weeks").set_value(1)
    at.number_input(key="rev_visits").set_value(5)
    at = _press(at, "Plan the reviews")
    message = _texts(at.error)
    assert "could not be planned" in message and "cannot get all 5 visits" in message
    assert "more vans" in message and "--" not in message  # no command-line flag
    assert not at.dataframe  # nothing half-shown


def test_sweeps_leave_the_van_plans_villages_to_the_vans(
    app_env: Path, downloads: dict[str, bytes]
) -> None:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    at.sidebar.radio(key="page").set_value("Plan vans").run()
    at.select_slider(key="vans_within").set_value(15)
    at.number_input(key="vans_days").set_value(2)
    at = _press(at, "Plan vans")
    at.sidebar.radio(key="page").set_value("Field plans").run()
    assert at.checkbox(key="sw_use_vans").value  # a van plan is there: used by default
    at.select_slider(key="sw_within").set_value(15)
    at = _press(at, "Plan the sweeps")
    assert not at.error, _texts(at.error)
    figures = {m.label: m.value for m in at.metric}
    assert int(figures["Villages swept"]) >= 1
    sweeps = at.dataframe[-1].value
    assert set(sweeps["Van or team"]) <= {f"Team {i}" for i in range(1, 5)}
    assert "Round" not in sweeps.columns  # reviews only
    assert "reached by vans" in _texts(at.caption)
    at = _press(at, "Prepare the notices PDF and the team itineraries")
    names = zipfile.ZipFile(io.BytesIO(downloads["sweep_itinerary.zip"])).namelist()
    assert {"calendar.csv", "calendar.ics", "sweeps.json"} <= set(names)
    assert any(n.startswith("itinerary/") for n in names)


def test_the_region_summary_downloads_as_pdf_and_html(
    app_env: Path, downloads: dict[str, bytes]
) -> None:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT).run()
    assert "Printable summary of the region" in _texts(at.markdown)
    at = _press(at, "Prepare the printable summary")
    page = downloads["region_summary.html"].decode()
    assert "Sample District" in page and "<svg" in page
    if chromium_path() is not None:
        assert downloads["region_summary.pdf"].startswith(b"%PDF")
        labels = [d.label for d in at.get("download_button")]
        assert "Printable summary of the region (PDF)" in labels


def test_the_sidebar_says_when_walking_crosses_terrain(
    app_env: Path, small_sample_region: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conftest import SMALL

    from access.offroad_attach import attach_surface
    from geodata.sample.terrain import save_sample_region

    off = save_sample_region(small_sample_region, app_env / "off", SMALL)  # type: ignore[arg-type]
    on = copy_region(off, app_env / "on")
    attach_surface(on, enabled=True)
    monkeypatch.setenv("ACCESSGAP_REGIONS", os.pathsep.join([str(off), str(on)]))
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    at.session_state["page"] = "Your data"  # no analysis: the sidebar is what is tested
    at.run()
    assert "Walking over terrain" not in _texts(at.sidebar.caption)
    for folder, shown in ((off, False), (on, True)):
        at.sidebar.selectbox(key="region_path").set_value(str(folder.resolve())).run()
        assert not at.exception, [e.value for e in at.exception]
        said = _texts(at.sidebar.caption)
        assert ("Walking over terrain: DEM + land cover, 16 neighbours" in said) is shown
    labels = [str(o) for o in at.sidebar.selectbox(key="region_path").options]
    assert len(set(labels)) == 3 and not any("/" in label for label in labels)
