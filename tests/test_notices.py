"""Urdu notices and SMS texts (#19): calendar checks, SMS lengths, Urdu extractable from the PDF."""

from __future__ import annotations

import unicodedata
from datetime import date

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from geodata.errors import SchemaError
from geodata.sample.names import synthetic_name
from scenarios.notice_text import sms_english, sms_length, sms_urdu
from scenarios.notices import NOTICE_COLUMNS, check_calendar, notices_html, write_notices
from scenarios.printing import chromium_path, urdu_fonts

CNIC_UR = "شناختی کارڈ"


def calendar(n_units: int = 2, per_unit: int = 3) -> pd.DataFrame:
    rows = []
    for u in range(n_units):
        for k in range(per_unit):
            en, ur = synthetic_name(10 * u + k)
            rows.append(
                {
                    "date": f"2027-01-{4 + k:02d}",
                    "team": f"Van {u + 1}",
                    "kind": ("van", "review", "sweep")[k % 3],
                    "unit_code": f"UC-{u + 1:03d}",
                    "unit_name": f"Union {u + 1}",
                    "settlement": en,
                    "settlement_ur": ur,
                    "arrive": "09:00",
                    "depart": "12:30",
                }
            )
    return pd.DataFrame(rows, columns=list(NOTICE_COLUMNS))


def needs_chromium_and_urdu_font() -> None:
    if chromium_path() is None:
        pytest.skip("Chromium is not installed (/usr/bin/chromium; `make browser-deps`)")
    if "Noto Naskh Arabic" not in urdu_fonts():
        pytest.skip("no Urdu font (Debian fonts-noto-core; `make browser-deps`)")


def pdf_text(path) -> list[str]:
    from pypdf import PdfReader

    # Chromium writes Arabic presentation forms; NFKC maps them back to the letters typed
    return [unicodedata.normalize("NFKC", p.extract_text()) for p in PdfReader(path).pages]


def test_calendar_errors_name_row_and_column():
    cal = calendar()
    cal.loc[1, "date"] = "04/01/2027"
    cal.loc[2, "arrive"] = "9am"
    cal.loc[3, "kind"] = "bus"
    with pytest.raises(SchemaError) as err:
        check_calendar(cal)
    text = str(err.value)
    assert "date is not YYYY-MM-DD" in text and "arrive is not HH:MM" in text
    assert "kind must be one of van, review, sweep" in text
    with pytest.raises(SchemaError, match="settlement_ur"):
        check_calendar(cal.drop(columns=["settlement_ur"]))


def test_html_has_one_page_per_unit_every_village_and_what_to_bring():
    cal = calendar(3, 4)
    page = notices_html(cal, notes=["SYNTHETIC"])
    assert page.count('<section class="notice"') == 3
    assert '<html lang="ur" dir="rtl">' in page
    for name in cal["settlement_ur"]:
        assert name in page
    assert page.count(CNIC_UR) == 3 and page.count("ب فارم") == 3  # on every page
    assert "4 جنوری 2027" in page and "09:00 سے 12:30 تک" in page  # date, time window
    assert "گھر گھر" in page  # a sweep says door to door
    assert page.count("SYNTHETIC") == 3


def test_every_sample_village_gets_one_message_each_language(sample_region_and_truth):
    region, _ = sample_region_and_truth
    s = region.settlements
    day = date(2027, 12, 29)  # the longest dates and a Wednesday
    for en, ur in zip(s["name"], s["name_ur"], strict=True):
        text_ur = sms_urdu("sweep", ur, day, "08:00", "15:45")
        enc, units, messages = sms_length(text_ur)
        assert (enc, messages) == ("UCS-2", 1) and units <= 70, text_ur
        assert ur in text_ur and CNIC_UR in text_ur
        enc, units, messages = sms_length(sms_english("review", en, day, "08:00", "15:45"))
        assert (enc, messages) == ("GSM-7", 1) and units <= 160


@given(st.text(alphabet="ابپتٹثجچحخدڈذرڑزژسشصضطظعغفقکگلمنںوہھءیے ", min_size=1, max_size=60))
def test_urdu_sms_fits_one_message_or_says_how_many(name):
    text = sms_urdu("van", name, date(2027, 1, 4), "08:00", "12:00")
    enc, units, messages = sms_length(text)
    assert enc == "UCS-2" and units == len(text)
    assert (messages == 1) == (units <= 70)
    assert messages == 1 or (units > 70 and messages == -(-units // 67))


def test_write_notices_files_and_sms_table(tmp_path):
    out = write_notices(calendar(), tmp_path / "n", pdf=False)
    assert out.units == ("UC-001", "UC-002") and out.pdf is None
    sms = pd.read_csv(out.sms)
    assert len(sms) == 6 and sms["sms_ur_messages"].eq(1).all()
    assert sms["sms_ur_encoding"].eq("UCS-2").all() and sms["sms_en_encoding"].eq("GSM-7").all()
    assert (sms["sms_ur_length"] <= 70).all() and (sms["sms_en_length"] <= 160).all()
    assert pd.read_csv(out.calendar).shape == (6, len(NOTICE_COLUMNS))


@pytest.mark.browser
def test_notice_pdf_holds_the_urdu_as_text_on_a4(tmp_path):
    needs_chromium_and_urdu_font()
    cal = calendar(2, 3)
    out = write_notices(cal, tmp_path / "n")
    assert out.pdf is not None
    from pypdf import PdfReader

    pages = PdfReader(out.pdf).pages
    assert len(pages) == 2  # a page per union council
    for p in pages:
        w, h = float(p.mediabox.width), float(p.mediabox.height)
        assert abs(w - 595.3) < 1.5 and abs(h - 841.9) < 1.5  # A4 in points, not Letter
    texts = pdf_text(out.pdf)
    for text, (_, visits) in zip(texts, cal.groupby("unit_code"), strict=True):
        assert CNIC_UR in text  # shaped Urdu, extractable: not boxes
        for name in visits["settlement_ur"]:
            assert name in text
        assert "\ufffd" not in text and "\x00" not in text
