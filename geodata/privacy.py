"""Personal data in registry inputs: find identifiers, aggregate households, hide small groups.

Coverage data may arrive at household level: one row per household with a settlement id or
coordinates, a registered flag, and often identifiers (CNIC numbers such as
``12345-1234567-1``, phone numbers such as ``0300-1234567``, names of the household head).
The tool keeps none of that:

- :func:`identifier_columns` finds identifier columns by their **names** (``cnic``,
  ``phone``, ``head_name``...) and by their **values** (CNIC and Pakistani phone patterns,
  with or without dashes, also inside free text);
- :func:`aggregate_households` drops those columns first, then counts registered households
  per settlement; only ``level, unit_id, registered_households`` leave it. Error messages and
  reports name rows and columns, never values;
- :func:`suppress_small_groups` blanks registry-derived counts of groups (settlements, units)
  with fewer than :attr:`PrivacySettings.min_group_households` households in exports and on
  maps (they are still counted in the totals of larger units).

Examples
--------
>>> import pandas as pd
>>> t = pd.DataFrame({"CNIC": ["12345-1234567-1"], "notes": ["call 0300-1234567"], "x": [1]})
>>> sorted(identifier_columns(t))
['CNIC', 'notes']
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata.errors import Problem, SchemaError
from geodata.identifiers import CNIC_RE, PHONE_RE, has_identifier, redact

__all__ = [
    "CNIC_RE",
    "PHONE_RE",
    "REGISTERED_COLUMNS",
    "HouseholdReport",
    "PrivacySettings",
    "aggregate_households",
    "identifier_columns",
    "is_household_table",
    "redact",
    "redact_text_columns",
    "suppress_small_groups",
]

log = logging.getLogger(__name__)

_NAME_WORDS = re.compile(
    r"cnic|nicop|(^|_)nic(_|$)|b_?form|national_?id|id_?card|identity|passport|"
    r"phone|mobile|(^|_)cell|contact|(^|_)tel(_|$)|whatsapp|msisdn|email|"
    r"address|street|house_?no|(^|_)dob(_|$)|birth|father|husband|guardian|spouse|"
    r"respondent|beneficiary|(^|_)head|member|household_?id|(^|_)hh_?id|form_?no|pmt"
)
_PERSON_NAME = re.compile(r"(^|_)(name|naam|full_?name|first_?name|last_?name|surname)($|_)")
_PLACE_WORDS = re.compile(
    r"settlement|village|place|tehsil|district|province|union_?council|(^|_)uc(_|$)|mauza|"
    r"(^|_)deh(_|$)|city|town|unit|centre|center|site|region|area|level"
)
#: Columns read as the household's registered flag.
REGISTERED_COLUMNS = (
    "registered",
    "is_registered",
    "nser_registered",
    "on_registry",
    "on_nser",
    "in_nser",
    "registered_flag",
    "nser",
)
_SETTLEMENT_COLUMNS = ("settlement_id", "settlement", "sid", "village_id")
_LON = ("lon", "longitude", "x")
_LAT = ("lat", "latitude", "y")
_TRUE = frozenset({"1", "1.0", "true", "yes", "y", "t", "registered"})
_FALSE = frozenset({"0", "0.0", "false", "no", "n", "f", "not registered", "unregistered"})


@dataclass(frozen=True)
class PrivacySettings:
    """What may be shown and exported.

    Attributes
    ----------
    min_group_households
        Registry-derived counts (registered, unregistered, poor, gap score, coverage share)
        of a settlement or unit with fewer households than this are blanked on maps and in
        exports (default 5). ``1`` shows everything.
    max_match_m
        Household rows given by coordinates are assigned to the nearest settlement within
        this distance; farther rows are counted as unmatched.
    """

    min_group_households: int = 5
    max_match_m: float = 5000.0

    def __post_init__(self) -> None:
        """Refuse a group size below 1 or a non-positive match distance."""
        if int(self.min_group_households) < 1:
            raise ValueError("PrivacySettings.min_group_households must be at least 1")
        if not np.isfinite(self.max_match_m) or self.max_match_m <= 0:
            raise ValueError("PrivacySettings.max_match_m must be a positive distance")


@dataclass(frozen=True)
class HouseholdReport:
    """What :func:`aggregate_households` did (counts only, never values).

    Attributes
    ----------
    rows
        Household rows read.
    matched
        Rows assigned to a settlement of the region.
    unmatched
        Rows with no settlement (unknown id, or farther than ``max_match_m``).
    settlements
        Settlements that received at least one household row.
    dropped_columns
        Identifier columns removed before anything else, with the reason.
    """

    rows: int
    matched: int
    unmatched: int
    settlements: int
    dropped_columns: Mapping[str, str] = field(default_factory=dict)

    def lines(self) -> list[str]:
        """Human-readable summary lines."""
        out = [
            f"household-level coverage: {self.rows:,} household rows, {self.matched:,} matched "
            f"to {self.settlements:,} settlements, {self.unmatched:,} unmatched; aggregated "
            "to registered households per settlement (no household row is kept)"
        ]
        out += [
            f"  identifier column dropped: '{c}' ({why})" for c, why in self.dropped_columns.items()
        ]
        return out


def identifier_columns(df: pd.DataFrame, *, sample: int = 5000) -> dict[str, str]:
    """Columns of ``df`` that hold personal identifiers: ``{column: reason}``.

    A column is flagged by its name (CNIC, phone, e-mail, address, head of household, person
    names...) or when any of its first ``sample`` non-empty values contains a CNIC or a
    Pakistani phone number. Place-name columns (``settlement_name``, ``tehsil``...) are not
    flagged by name.
    """
    found: dict[str, str] = {}
    for col in df.columns:
        key = _key(col)
        if _NAME_WORDS.search(key):
            found[str(col)] = "identifier column name"
            continue
        if _PERSON_NAME.search(key) and not _PLACE_WORDS.search(key):
            found[str(col)] = "person name column"
            continue
        values = df[col]
        if isinstance(values, pd.DataFrame):
            values = values.iloc[:, 0]
        texts = _texts(values.dropna().head(sample))
        if any(CNIC_RE.search(t) for t in texts):
            found[str(col)] = "holds CNIC numbers"
        elif any(PHONE_RE.search(t) for t in texts):
            found[str(col)] = "holds phone numbers"
    return found


def is_household_table(df: pd.DataFrame) -> bool:
    """Whether ``df`` is household level: a registered flag and no aggregate count."""
    keys = {_key(c) for c in df.columns}
    return bool(keys & set(REGISTERED_COLUMNS)) and "registered_households" not in keys


def aggregate_households(
    table: pd.DataFrame,
    settlements: gpd.GeoDataFrame,
    *,
    source: str = "coverage",
    settings: PrivacySettings | None = None,
) -> tuple[pd.DataFrame, HouseholdReport]:
    """Count registered households per settlement from a household-level table.

    Identifier columns are dropped first (:func:`identifier_columns`). Each row is assigned
    to a settlement by ``settlement_id`` (or ``settlement``, ``sid``, ``village_id``),
    else by ``lon``/``lat`` to the nearest settlement within ``settings.max_match_m``.
    Settlements without any household row get no coverage row (coverage unknown, never 0).

    Returns
    -------
    tuple of DataFrame and HouseholdReport
        ``level`` ("settlement"), ``unit_id`` (settlement id), ``registered_households``;
        the report holds counts and dropped column names only.

    Raises
    ------
    SchemaError
        No registered flag, no settlement id or coordinates, flags that are not yes/no,
        bad coordinates (rows listed by number; values are never echoed).
    """
    s = settings or PrivacySettings()
    dropped = identifier_columns(table)
    df = table.drop(columns=[c for c in table.columns if str(c) in dropped])
    df = df.set_axis([_key(c) for c in df.columns], axis=1)
    df = df.loc[:, ~df.columns.duplicated()]
    df = df.reset_index(drop=True)
    problems: list[Problem] = []
    flag_col = next((c for c in REGISTERED_COLUMNS if c in df.columns), None)
    if flag_col is None:
        raise SchemaError(
            [
                Problem(
                    "household-level table without a registered flag column (registered: "
                    "yes/no or 1/0); it may have been dropped because it looked like an "
                    "identifier",
                    source,
                    column="registered",
                )
            ],
            source=source,
        )
    flags = df[flag_col].map(_flag)
    for r in df.index[flags.isna().to_numpy()][:20]:
        problems.append(
            Problem("registered flag is not yes/no, true/false or 1/0", source, r + 1, flag_col)
        )
    sid = _assign(df, settlements, source, s, problems)
    if problems:
        raise SchemaError(problems, source=source)
    known = sid.notna().to_numpy()
    reg = flags.astype(float).to_numpy()
    counts = (
        pd.DataFrame({"unit_id": sid[known].astype(str), "reg": reg[known]})
        .groupby("unit_id", sort=True)["reg"]
        .sum()
    )
    out = pd.DataFrame(
        {
            "level": "settlement",
            "unit_id": counts.index.astype(str),
            "registered_households": counts.to_numpy(dtype=float),
        }
    )
    if dropped:
        log.warning(
            "%s: dropped identifier columns %s before aggregating", source, ", ".join(dropped)
        )
    report = HouseholdReport(
        rows=len(df),
        matched=int(known.sum()),
        unmatched=int((~known).sum()),
        settlements=len(out),
        dropped_columns=dropped,
    )
    return out, report


def redact_text_columns(df: pd.DataFrame, *, what: str) -> pd.DataFrame:
    """``df`` with CNIC and phone numbers blanked in every text cell (names, codes, ids).

    An identifier in a settlement's name or a unit code would otherwise reach every output
    file. Each distinct value is checked once, so long tables of few names stay fast; the
    count of changed cells is logged as a warning naming the table and column.

    Examples
    --------
    >>> t = pd.DataFrame({"name": ["Chak 7", "Basti 0300-1239999"], "households": [5, 6]})
    >>> redact_text_columns(t, what="settlements")["name"].tolist()
    ['Chak 7', 'Basti [redacted]']
    """
    out = df
    for col in df.columns:
        values = df[col]
        if isinstance(values, pd.DataFrame) or (
            values.dtype.kind not in "OSU" and not (isinstance(values.dtype, pd.StringDtype))
        ):
            continue
        if values.dtype.name == "geometry":  # shapes hold no text; hashing them is slow
            continue
        uniques = [v for v in pd.unique(values.dropna()) if isinstance(v, str)]
        hits = {v: redact(v) for v in uniques if has_identifier(v)}
        if not hits:
            continue
        if out is df:
            out = df.copy()
        mask = values.isin(list(hits))
        out.loc[mask, col] = values[mask].map(hits)
        log.warning(
            "%s: %d value(s) of column '%s' held a CNIC or phone number; it was removed",
            what,
            int(mask.sum()),
            col,
        )
    return out


def suppress_small_groups(
    table: pd.DataFrame,
    columns: Iterable[str],
    *,
    min_households: int,
    households_col: str = "households",
) -> pd.DataFrame:
    """Blank ``columns`` on rows with fewer than ``min_households`` households.

    Returns a copy with the same index and a boolean ``suppressed`` column. Rows whose
    household count is unknown (NaN) are suppressed too.
    """
    out = table.copy()
    hh = pd.to_numeric(out[households_col], errors="coerce").to_numpy(dtype=float)
    small = ~(hh >= min_households)
    for col in columns:
        if col in out.columns:
            out[col] = out[col].astype(float).where(~small, np.nan)
    out["suppressed"] = small
    return out


# ---------------------------------------------------------------------------------------


def _key(col: Any) -> str:
    return re.sub(r"[^0-9a-z]+", "_", str(col).strip().lower()).strip("_")


def _texts(values: pd.Series) -> list[str]:
    out = []
    for v in values.tolist():
        if isinstance(v, float):
            if not np.isfinite(v) or v != int(v):
                continue
            v = int(v)
        out.append(str(v))
    return out


def _flag(v: Any) -> float | None:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return None
    if isinstance(v, bool | np.bool_):
        return float(v)
    text = str(v).strip().lower()
    if text in _TRUE:
        return 1.0
    if text in _FALSE:
        return 0.0
    return None


def _assign(
    df: pd.DataFrame,
    settlements: gpd.GeoDataFrame,
    source: str,
    settings: PrivacySettings,
    problems: list[Problem],
) -> pd.Series:
    """Settlement id of each row (None = unmatched): by id where given, else by lon/lat."""
    ids = set(settlements["settlement_id"].astype(str))
    out = pd.Series(None, index=df.index, dtype=object)
    id_col = next((c for c in _SETTLEMENT_COLUMNS if c in df.columns), None)
    x = next((c for c in _LON if c in df.columns), None)
    y = next((c for c in _LAT if c in df.columns), None)
    if id_col is None and (x is None or y is None):
        problems.append(
            Problem(
                "household rows need a settlement_id column or lon/lat coordinates",
                source,
                column="settlement_id",
            )
        )
        return out
    if id_col is not None:
        given = df[id_col].map(lambda v: None if pd.isna(v) else str(v).strip())
        out = given.where(given.isin(ids), None).astype(object)
        todo = given.isna().to_numpy()
    else:
        todo = np.ones(len(df), dtype=bool)
    if x is None or y is None or not todo.any():
        return out
    raw_x, raw_y = df[x], df[y]
    lon = pd.to_numeric(raw_x, errors="coerce").to_numpy(dtype=float)
    lat = pd.to_numeric(raw_y, errors="coerce").to_numpy(dtype=float)
    given_xy = todo & (raw_x.notna().to_numpy() | raw_y.notna().to_numpy())
    ok = np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90)
    for r in df.index[given_xy & ~ok][:20]:
        problems.append(
            Problem("coordinates are not lon/lat numbers (EPSG:4326)", source, r + 1, x)
        )
    use = given_xy & ok
    if not use.any():
        return out
    metric = settlements.estimate_utm_crs()
    pts = gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(lon[use], lat[use]), index=df.index[use], crs="EPSG:4326"
    ).to_crs(metric)
    sett = settlements[["settlement_id", "geometry"]].to_crs(metric)
    hit = gpd.sjoin_nearest(pts, sett, how="left", max_distance=settings.max_match_m)
    hit = hit[~hit.index.duplicated(keep="first")]
    near = hit["settlement_id"]
    out.loc[near.index] = [None if pd.isna(v) else str(v) for v in near]
    return out
