"""Personal identifiers in free text: CNIC and phone numbers, found and blanked.

Registry microdata is confidential, and identifiers also turn up where nobody put them on
purpose: in a settlement's name, a unit code, a value quoted in an error. Every free-text
field the tool stores or exports, and every message it prints, passes :func:`redact`.
"""

from __future__ import annotations

import re

__all__ = ["CNIC_RE", "PHONE_RE", "REDACTED", "TEXT_PHONE_RE", "has_identifier", "redact"]

#: CNIC (computerised national identity card) number: 5-7-1 digits, dashes optional.
CNIC_RE = re.compile(r"(?<!\d)\d{5}[- ]?\d{7}[- ]?\d(?!\d)")
#: Pakistani mobile (03xx-xxxxxxx, +92 3xx..., 92..., or 3xxxxxxxxx once the 0 is lost
#: to a number column) and landline numbers with an area code (051-1234567).
PHONE_RE = re.compile(
    r"(?<!\d)(?:(?:\+|00)?92[- ]?|0)?3\d{2}[- ]?\d{7}(?!\d)"
    r"|(?<!\d)0\d{2,4}[- ]\d{5,8}(?!\d)"
)
#: A phone number as people write it in text: with its leading 0 or country code. (A bare
#: ``3xxxxxxxxx`` is a phone only in a column of numbers; in text it is as likely an OSM id.)
TEXT_PHONE_RE = re.compile(
    r"(?<!\d)(?:(?:\+|00)?92[- ]?|0)3\d{2}[- ]?\d{7}(?!\d)"
    r"|(?<!\d)0\d{2,4}[- ]\d{5,8}(?!\d)"
)
#: What an identifier is replaced by.
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """``text`` with CNIC and phone numbers replaced by :data:`REDACTED`.

    Examples
    --------
    >>> redact("Basti 35202-1234567-1 call 0300-1239999")
    'Basti [redacted] call [redacted]'
    >>> redact("Chak 42, osm-node-3312345678")
    'Chak 42, osm-node-3312345678'
    """
    return TEXT_PHONE_RE.sub(REDACTED, CNIC_RE.sub(REDACTED, text))


def has_identifier(text: str) -> bool:
    """Whether ``text`` holds a CNIC or phone number (as :func:`redact` finds them)."""
    return bool(CNIC_RE.search(text) or TEXT_PHONE_RE.search(text))
