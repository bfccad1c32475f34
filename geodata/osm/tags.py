"""Parse OSM tag values: speeds and numbers."""

from __future__ import annotations

import math
import re

__all__ = ["parse_maxspeed", "parse_number"]

_SPEED_RE = re.compile(r"^\s*([0-9]+(?:[.,][0-9]+)?)\s*([a-z/]*)\s*$")


def parse_maxspeed(value: str | float | None) -> float:
    """Parse an OSM ``maxspeed`` value to km/h; NaN when absent or not a number.

    Handles ``"60"``, ``"60 km/h"``, ``"60kmh"``, ``"40 mph"``, ``"10 knots"`` and lists
    ``"50;70"`` (mean, as osmnx does). ``"none"``, ``"walk"``, ``"signals"`` and zone codes
    such as ``"PK:urban"`` give NaN.

    Examples
    --------
    >>> parse_maxspeed("60"), parse_maxspeed("30 mph"), parse_maxspeed("none")
    (60.0, 48.28032, nan)
    >>> parse_maxspeed("50;70"), parse_maxspeed("PK:urban")
    (60.0, nan)
    """
    if value is None:
        return math.nan
    if isinstance(value, int | float):
        v = float(value)
        return v if math.isfinite(v) and v >= 0 else math.nan
    parts = [p for p in str(value).split(";") if p.strip()]
    speeds = [_parse_one_speed(p) for p in parts]
    good = [s for s in speeds if math.isfinite(s)]
    if not good or len(good) != len(speeds):
        return math.nan
    return float(sum(good) / len(good))


def parse_number(text: str | None) -> float:
    """A non-negative number of a tag (``"12,500"`` -> 12500.0); NaN when absent or not one.

    Examples
    --------
    >>> parse_number("12,500"), parse_number("-3"), parse_number("many")
    (12500.0, nan, nan)
    """
    if text is None:
        return math.nan
    try:
        v = float(str(text).replace(",", "").strip())
    except ValueError:
        return math.nan
    return v if math.isfinite(v) and v >= 0 else math.nan


# ---------------------------------------------------------------------------------------


def _parse_one_speed(text: str) -> float:
    """One speed with its unit (km/h, mph, knots) in km/h; NaN when not a speed."""
    m = _SPEED_RE.match(text.lower())
    if not m:
        return math.nan
    v = float(m.group(1).replace(",", "."))
    unit = m.group(2)
    if unit in ("", "km/h", "kmh", "kph", "kmph", "km"):
        return v
    if unit == "mph":
        return v * 1.609344
    if unit in ("knots", "kn", "knot"):
        return v * 1.852
    return math.nan
