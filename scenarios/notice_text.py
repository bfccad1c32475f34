r"""The words of the Urdu notices and SMS texts, and how long an SMS is.

One place for every Urdu phrase the notices print (:data:`URDU`), the Urdu dates and times
(:func:`urdu_date`, :func:`urdu_time_window`) and the SMS texts of a visit
(:func:`sms_texts`), each kept to one message:

* **Urdu** cannot be sent in GSM-7, so it goes as UCS-2 (UTF-16): **70** characters in one
  message, 67 per part of a longer one. :func:`sms_urdu` tries wordings from the fullest to
  the shortest and keeps the first that fits.
* **English** goes as GSM-7 (GSM 03.38, checked with the ``gsm0338`` codec): **160** septets
  in one message (153 per part); ``{}[]~\\|^€`` take two. A name with a character outside
  GSM-7 turns the whole message into UCS-2 (70).
"""

from __future__ import annotations

import math
from datetime import date

import gsm0338  # noqa: F401 - registers the "gsm03.38" codec

__all__ = [
    "GSM7_SINGLE",
    "UCS2_SINGLE",
    "URDU",
    "WHO_EN",
    "WHO_UR",
    "sms_english",
    "sms_length",
    "sms_urdu",
    "urdu_date",
    "urdu_time_window",
]

#: Characters of one UCS-2 SMS (Urdu) and septets of one GSM-7 SMS (English).
UCS2_SINGLE = 70
GSM7_SINGLE = 160
_UCS2_PART = 67
_GSM7_PART = 153

#: Who comes, by calendar ``kind``: Urdu (feminine in Urdu: "... آئے گی").
WHO_UR = {"van": "رجسٹریشن وین", "review": "موبائل رجسٹریشن ٹیم", "sweep": "گھر گھر سروے ٹیم"}
#: Who comes, by calendar ``kind``: English.
WHO_EN = {
    "van": "registration van",
    "review": "mobile registration team",
    "sweep": "door-to-door survey team",
}
_WHO_SHORT_UR = {"van": "وین", "review": "ٹیم", "sweep": "سروے ٹیم"}

#: Every Urdu phrase of the printed notice, with its English line.
URDU: dict[str, tuple[str, str]] = {
    "title": ("آپ کے گاؤں میں رجسٹریشن", "Registration in your village"),
    "registry": (
        "قومی سماجی و معاشی رجسٹری (این ایس ای آر)",
        "National Socio-Economic Registry (NSER)",
    ),
    "union_council": ("یونین کونسل", "Union Council"),
    "intro": (
        "رجسٹریشن کا عملہ نیچے دی گئی تاریخوں اور اوقات پر آپ کے علاقے میں آئے گا۔"
        " گھر کا سربراہ یا کوئی بالغ فرد ضرور آئے۔",
        "The registration staff will come to your area on the dates and times below. The "
        "head of the household or another adult should come.",
    ),
    "place": ("جگہ", "Place"),
    "date": ("تاریخ", "Date"),
    "day": ("دن", "Day"),
    "time": ("وقت", "Time"),
    "who": ("کون آئے گا", "Who comes"),
    "door_to_door": ("گھر گھر", "door to door"),
    "bring": ("ساتھ لائیں", "Bring with you"),
    "cnic": (
        "گھر کے ہر بالغ فرد کا قومی شناختی کارڈ",
        "The computerised national identity card (CNIC) of every adult in the household",
    ),
    "bform": ("بچوں کے ب فارم", "Children's B-forms (child registration certificates)"),
    "free": (
        "رجسٹریشن بالکل مفت ہے۔ کسی کو کوئی رقم نہ دیں۔",
        "Registration is free of charge. Do not pay anyone.",
    ),
}

_MONTHS_UR = (
    "جنوری",
    "فروری",
    "مارچ",
    "اپریل",
    "مئی",
    "جون",
    "جولائی",
    "اگست",
    "ستمبر",
    "اکتوبر",
    "نومبر",
    "دسمبر",
)
_WEEKDAYS_UR = ("پیر", "منگل", "بدھ", "جمعرات", "جمعہ", "ہفتہ", "اتوار")


def urdu_date(day: date) -> tuple[str, str]:
    """``(date, weekday)`` in Urdu, e.g. ``("4 جنوری 2027", "پیر")``.

    Examples
    --------
    >>> urdu_date(date(2027, 1, 4))[1] == "پیر"
    True
    """
    return f"{day.day} {_MONTHS_UR[day.month - 1]} {day.year}", _WEEKDAYS_UR[day.weekday()]


def urdu_time_window(arrive: str, depart: str) -> str:
    """``"08:00 سے 12:30 تک"`` (from ... until ...)."""
    return f"{arrive} سے {depart} تک"


def sms_length(text: str) -> tuple[str, int, int]:
    """How an SMS is sent: encoding, length in its units and number of messages.

    Returns
    -------
    tuple
        ``("GSM-7", septets, messages)`` when every character is in GSM 03.38 (extension
        characters count two), else ``("UCS-2", UTF-16 code units, messages)``.

    Examples
    --------
    >>> sms_length("Bring CNIC")
    ('GSM-7', 10, 1)
    >>> sms_length("a{b}")
    ('GSM-7', 6, 1)
    >>> sms_length("شناختی کارڈ")
    ('UCS-2', 11, 1)
    >>> sms_length("x" * 161)
    ('GSM-7', 161, 2)
    """
    try:
        units = len(text.encode("gsm03.38"))
        single, part, enc = GSM7_SINGLE, _GSM7_PART, "GSM-7"
    except UnicodeEncodeError:
        units = len(text.encode("utf-16-le")) // 2
        single, part, enc = UCS2_SINGLE, _UCS2_PART, "UCS-2"
    return enc, units, 1 if units <= single else math.ceil(units / part)


def sms_urdu(kind: str, settlement_ur: str, day: date, arrive: str, depart: str) -> str:
    """The Urdu SMS of a visit: the fullest wording within one UCS-2 message (70).

    When even the shortest is longer (a very long name), the shortest is returned: its
    :func:`sms_length` then says how many messages it takes.

    Examples
    --------
    >>> text = sms_urdu("van", "بستی شیر خان", date(2027, 1, 4), "08:00", "12:30")
    >>> sms_length(text)[1] <= 70 and "شناختی کارڈ" in text and "بستی شیر خان" in text
    True
    """
    who = WHO_UR.get(kind, WHO_UR["van"])
    short = _WHO_SHORT_UR.get(kind, _WHO_SHORT_UR["van"])
    month = _MONTHS_UR[day.month - 1]
    d = f"{day.day}/{day.month}"
    window = f"{arrive}-{depart}"
    wordings = (
        f"{who} {day.day} {month} کو {arrive} سے {depart} تک {settlement_ur} آئے گی۔"
        " شناختی کارڈ اور ب فارم ساتھ لائیں۔",
        f"{who} {settlement_ur} {d} {window}۔ شناختی کارڈ اور ب فارم لائیں",
        f"{short} {settlement_ur} {d} {window}۔ شناختی کارڈ، ب فارم لائیں",
        f"{short} {settlement_ur} {d} {window}۔ شناختی کارڈ لائیں",
    )
    for text in wordings:
        if sms_length(text)[1] <= UCS2_SINGLE:
            return text
    return wordings[-1]


def sms_english(kind: str, settlement: str, day: date, arrive: str, depart: str) -> str:
    """The English SMS of a visit (GSM-7, one message of 160 for names up to ~40 letters).

    Examples
    --------
    >>> sms_english("van", "Basti Sher Khan", date(2027, 1, 4), "08:00", "12:30")[:60]
    'NSER registration van at Basti Sher Khan, Mon 4 Jan 2027 08:'
    """
    who = WHO_EN.get(kind, WHO_EN["van"])
    when = f"{day.strftime('%a')} {day.day} {day.strftime('%b %Y')}"
    full = (
        f"NSER {who} at {settlement}, {when} {arrive}-{depart}. Bring the CNIC of every "
        "adult and children's B-forms. Registration is free."
    )
    if sms_length(full)[2] == 1:
        return full
    return f"NSER {who}: {settlement}, {when} {arrive}-{depart}. Bring CNICs, B-forms."
