"""Match place and admin names across sources, and join coverage/poverty tables.

Names differ between the census, OSM and registry tables ("RAWALPINDI TEHSIL",
"Tehsil Rawalpindi", "Rawalpindi", "Kallar Sayaddan" / "Kallar Syedan"). Names are compared
after :func:`normalise_name`; what still differs is matched with ``difflib`` close matches
above a cutoff. Every name that finds no partner is reported, never silently dropped.
"""

from __future__ import annotations

import difflib
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from geodata import schema as sc
from geodata.errors import DataFileError
from geodata.privacy import (
    aggregate_households,
    identifier_columns,
    is_household_table,
    redact,
)

__all__ = [
    "JoinReport",
    "NameMatch",
    "join_admin_table",
    "match_names",
    "normalise_name",
    "read_table",
]

_ADMIN_WORDS = re.compile(
    r"\b(tehsil|tahsil|district|distt|sub[- ]?division|subdivision|division|taluka|agency|"
    r"frontier region|fr)\b|تحصیل|ضلع",
    flags=re.IGNORECASE,
)


@dataclass(frozen=True)
class NameMatch:
    """Result of :func:`match_names`.

    Attributes
    ----------
    pairs
        ``{left name: right name}`` for every matched left name.
    fuzzy
        The subset of ``pairs`` matched by spelling similarity (worth a look).
    unmatched_left, unmatched_right
        Names with no partner.
    """

    pairs: Mapping[str, str]
    fuzzy: Mapping[str, str] = field(default_factory=dict)
    unmatched_left: tuple[str, ...] = ()
    unmatched_right: tuple[str, ...] = ()


@dataclass(frozen=True)
class JoinReport:
    """What a coverage or poverty join matched and what it could not.

    Attributes
    ----------
    source
        File or table joined.
    rows
        Rows read.
    matched
        Rows matched to a settlement or admin unit of the region.
    fuzzy
        ``{given name: region name}`` matched by spelling similarity.
    unmatched
        ``(level, unit_id)`` of rows that match nothing in the region (kept out of the
        region's table and listed here).
    """

    source: str
    rows: int
    matched: int
    fuzzy: Mapping[str, str] = field(default_factory=dict)
    unmatched: tuple[tuple[str, str], ...] = ()
    notes: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        """Human-readable summary lines."""
        out = [f"{self.source}: {self.matched} of {self.rows} rows matched the region"]
        out += [f"  spelling match: '{a}' -> '{b}'" for a, b in self.fuzzy.items()]
        out += [f"  no match: {lvl} '{uid}'" for lvl, uid in self.unmatched]
        out += [f"  {n}" for n in self.notes]
        return out


def normalise_name(name: object) -> str:
    """Canonical form of a place or admin name for matching.

    Case-folds, removes accents and the words Tehsil/District/Sub-Division (and their Urdu
    forms), turns punctuation into spaces and collapses spaces.

    Examples
    --------
    >>> normalise_name("RAWALPINDI TEHSIL"), normalise_name("Tehsil  Kotli-Sattian")
    ('rawalpindi', 'kotli sattian')
    """
    if name is None or (isinstance(name, float) and name != name):
        return ""
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = _ADMIN_WORDS.sub(" ", text.casefold())
    text = re.sub(r"[^\w]+", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def match_names(left: Iterable[str], right: Iterable[str], *, cutoff: float = 0.8) -> NameMatch:
    """Match names of ``left`` to names of ``right``.

    Exact matches after :func:`normalise_name` first, then ``difflib.get_close_matches``
    (ratio at least ``cutoff``) among the names still unmatched; each right name is used
    once.

    Examples
    --------
    >>> m = match_names(["Kallar Syedan", "Nowhere"], ["KALLAR SAYADDAN TEHSIL", "MURREE TEHSIL"])
    >>> dict(m.pairs), m.unmatched_left
    ({'Kallar Syedan': 'KALLAR SAYADDAN TEHSIL'}, ('Nowhere',))
    """
    lefts = list(dict.fromkeys(str(x) for x in left))
    rights = list(dict.fromkeys(str(x) for x in right))
    by_norm: dict[str, str] = {}
    for r in rights:
        by_norm.setdefault(normalise_name(r), r)
    pairs: dict[str, str] = {}
    used: set[str] = set()
    for name in lefts:
        hit = by_norm.get(normalise_name(name))
        if hit is not None and hit not in used:
            pairs[name] = hit
            used.add(hit)
    fuzzy: dict[str, str] = {}
    for name in lefts:
        if name in pairs:
            continue
        free = {normalise_name(r): r for r in rights if r not in used}
        close = difflib.get_close_matches(normalise_name(name), list(free), n=1, cutoff=cutoff)
        if close:
            pairs[name] = fuzzy[name] = free[close[0]]
            used.add(free[close[0]])
    return NameMatch(
        pairs=pairs,
        fuzzy=fuzzy,
        unmatched_left=tuple(n for n in lefts if n not in pairs),
        unmatched_right=tuple(r for r in rights if r not in used),
    )


def read_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a CSV or Excel table, raising :class:`DataFileError` with the file name.

    Raises
    ------
    DataFileError
        When the file is missing, empty or cannot be parsed.
    """
    src = Path(path)
    if not src.is_file():
        raise DataFileError(f"{src}: no such file")
    if src.stat().st_size == 0:
        raise DataFileError(f"{src}: file is empty")
    try:
        if src.suffix.lower() in (".xlsx", ".xls"):
            return pd.read_excel(src)
        return pd.read_csv(src)
    except (ValueError, UnicodeDecodeError, OSError) as err:
        raise DataFileError(
            f"{src}: cannot be read as a table ({err}); save it as CSV (UTF-8) or Excel"
        ) from err
    except Exception as err:  # openpyxl/xlrd raise many kinds on broken workbooks
        if src.suffix.lower() not in (".xlsx", ".xls"):
            raise
        raise DataFileError(
            f"{src}: cannot be read as an Excel workbook ({type(err).__name__}: {err}); "
            "save it again or as CSV (UTF-8)"
        ) from err


def join_admin_table(
    table: pd.DataFrame | str | os.PathLike[str],
    settlements: pd.DataFrame,
    *,
    kind: str = "coverage",
    cutoff: float = 0.8,
) -> tuple[pd.DataFrame, JoinReport]:
    """Match a coverage or poverty table to a region's settlements and admin units.

    Rows with ``level == "settlement"`` match ``settlement_id`` exactly, else a settlement
    name (normalised). Rows at an admin level match the names in the settlements' admin
    column of that level (normalised, then by spelling). ``unit_id`` is rewritten to the
    region's spelling so the analyses can join on it.

    Parameters
    ----------
    table
        A DataFrame or a CSV/Excel path with columns ``level``, ``unit_id`` and
        ``registered_households`` (coverage) or ``poor_share`` (poverty).
    settlements
        The region's settlements table.
    kind
        ``"coverage"`` or ``"poverty"``.

    Returns
    -------
    tuple of DataFrame and JoinReport
        Matched rows, validated against :data:`geodata.schema.COVERAGE` or
        :data:`~geodata.schema.POVERTY`; the report lists every unmatched row.

    Raises
    ------
    DataFileError
        When a path cannot be read.
    SchemaError
        When the table breaks its contract (all problems listed).
    """
    schema = {"coverage": sc.COVERAGE, "poverty": sc.POVERTY}[kind]
    source = str(table) if not isinstance(table, pd.DataFrame) else kind
    df = table.copy() if isinstance(table, pd.DataFrame) else read_table(table)
    if kind == "coverage" and is_household_table(df):
        return _join_households(df, settlements, source=source)
    dropped = identifier_columns(df)
    df.columns = [str(c).strip().lower() for c in df.columns]
    df = sc.validate(df, schema, source=source, crs=None)
    # allow-list: only the contract's columns go on (identifiers never reach the region)
    df = df[[col.name for col in schema.columns if col.name in df.columns]]
    out = df.copy()
    keep = pd.Series(False, index=df.index)
    fuzzy: dict[str, str] = {}
    ids = set(settlements["settlement_id"].astype(str))
    names = {
        normalise_name(n): sid
        for n, sid in zip(settlements["name"], settlements["settlement_id"], strict=True)
    }
    for idx in df.index[df["level"] == "settlement"]:
        uid = str(df.at[idx, "unit_id"])
        if uid in ids:
            keep[idx] = True
        elif normalise_name(uid) in names:
            out.at[idx, "unit_id"] = names[normalise_name(uid)]
            keep[idx] = True
    for level in sc.ADMIN_LEVELS:
        rows = df.index[df["level"] == level]
        if len(rows) == 0 or level not in settlements.columns:
            continue
        known = sorted(set(settlements[level].astype(str)) - {"unknown"})
        m = match_names(df.loc[rows, "unit_id"].astype(str), known, cutoff=cutoff)
        fuzzy.update(m.fuzzy)
        for idx in rows:
            uid = str(df.at[idx, "unit_id"])
            if uid in m.pairs:
                out.at[idx, "unit_id"] = m.pairs[uid]
                keep[idx] = True
    unmatched = tuple(
        (str(df.at[i, "level"]), redact(str(df.at[i, "unit_id"])))
        for i in df.index[~keep.to_numpy()]
    )
    out = out.loc[keep.to_numpy()]
    if len(out):
        out = sc.validate(
            out, schema, source=source, crs=None, unique_together=("level", "unit_id")
        )
    report = JoinReport(
        source=source,
        rows=len(df),
        matched=len(out),
        fuzzy=fuzzy,
        unmatched=unmatched,
        notes=tuple(f"identifier column dropped: '{c}' ({why})" for c, why in dropped.items()),
    )
    return out, report


def _join_households(
    df: pd.DataFrame, settlements: pd.DataFrame, *, source: str
) -> tuple[pd.DataFrame, JoinReport]:
    """A household-level coverage table, aggregated per settlement (no row is kept)."""
    import geopandas as gpd

    if not isinstance(settlements, gpd.GeoDataFrame):
        settlements = gpd.GeoDataFrame(settlements, geometry="geometry", crs="EPSG:4326")
    table, hh = aggregate_households(df, settlements, source=source)
    if len(table):
        table = sc.validate(
            table, sc.COVERAGE, source=source, crs=None, unique_together=("level", "unit_id")
        )
    report = JoinReport(
        source=source,
        rows=hh.rows,
        matched=hh.matched,
        notes=tuple(line.strip() for line in hh.lines()),
    )
    return table, report
