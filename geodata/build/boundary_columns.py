"""Map the columns of a planner's boundaries file onto the BOUNDARIES contract.

A file may name its columns as the contract does (``level, code, name, parent_code``), give
OSM ``admin_level`` numbers, be mapped with ``boundary_columns`` or hold GADM-style hierarchy
columns (``NAME_1 ... NAME_4``, one row per unit with its parents' names). See
:func:`geodata.build.read_admin_boundaries`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from typing import Any, cast

import geopandas as gpd
import pandas as pd
import shapely

import geodata.schema as sc
from geodata.errors import Problem, SchemaError

__all__ = ["ADMIN_LEVEL_NUMBERS", "level_word", "map_boundary_columns", "polygon_part"]

#: ``admin_level`` numbers of a user's boundaries file -> contract level. 2 (country) and
#: 5 (division) are not contract levels: such rows are dropped and counted.
ADMIN_LEVEL_NUMBERS = {3: "province", 4: "province", 6: "district", 7: "tehsil", 8: "union_council"}
_SKIPPED_ADMIN_LEVELS = {2: "country", 5: "division"}
_CONTRACT_KEYS = ("level", "code", "name", "parent_code", "name_ur")
_LEVEL_WORDS = {
    "province": "province",
    "territory": "province",
    "state": "province",
    "federal territory": "province",
    "capital territory": "province",
    "district": "district",
    "agency": "district",
    "tehsil": "tehsil",
    "tahsil": "tehsil",
    "taluka": "tehsil",
    "sub division": "tehsil",
    "subdivision": "tehsil",
    "union council": "union_council",
    "union_council": "union_council",
    "uc": "union_council",
}
_SKIPPED_WORDS = ("country", "division")


def map_boundary_columns(
    gdf: gpd.GeoDataFrame, mapping: dict[str, str], src: str
) -> tuple[gpd.GeoDataFrame, dict[str, str], Counter[str]]:
    """Contract columns from a boundaries file's columns; every missing column reported at once.

    See :func:`geodata.build.read_admin_boundaries` for the order in which columns are found.

    Parameters
    ----------
    gdf
        The file's rows (all layers), geometry column ``geometry``.
    mapping
        ``boundary_columns``: contract name -> file column (or a constant level word).
    src
        The file, for messages.

    Returns
    -------
    tuple of GeoDataFrame, dict and Counter
        Rows ``level, name, code, parent_code, name_ur`` and geometry (one row per unit of
        every level for a hierarchy file), the columns used, and rows dropped per reason.

    Raises
    ------
    SchemaError
        Listing every missing column, unknown mapping key and bad level or name value.
    """
    present = [str(c) for c in gdf.columns if c != "geometry"]
    by_lower = {c.casefold(): c for c in present}
    listing = ", ".join(present) or "none"
    col, const_level = _mapped_columns(gdf, mapping, by_lower, listing, src)
    for key in _CONTRACT_KEYS:
        if key not in col and key.casefold() in by_lower:
            col[key] = by_lower[key.casefold()]
    if "name_ur" not in col and "name:ur" in by_lower:
        col["name_ur"] = by_lower["name:ur"]
    hier = {k: col[k] for k in sc.ADMIN_LEVELS if k in col}
    if not hier and "name" not in col and "name_1" in by_lower:
        hier = _gadm_levels(gdf, by_lower)
        col.update({f"{lvl} (GADM)": c for lvl, c in hier.items()})
    if hier:
        return _from_hierarchy(gdf, hier, by_lower, col, src)
    if "level" not in col and const_level is None and "admin_level" in by_lower:
        col["admin_level"] = by_lower["admin_level"]
    _require_level_and_name(col, const_level, listing, src)
    level = _unit_levels(gdf, col, const_level, src)
    keep = (level != "").to_numpy()
    dropped: Counter[str] = Counter()
    for v in gdf.loc[~keep, col.get("level") or col.get("admin_level") or "geometry"]:
        dropped[f"{v} (not a contract level)"] += 1
    out = gpd.GeoDataFrame(
        {
            "level": level[keep].to_numpy(),
            "name": gdf.loc[keep, col["name"]].to_numpy(),
            "code": gdf.loc[keep, col["code"]].to_numpy() if "code" in col else None,
            "parent_code": gdf.loc[keep, col["parent_code"]].to_numpy()
            if "parent_code" in col
            else None,
            "name_ur": gdf.loc[keep, col["name_ur"]].to_numpy() if "name_ur" in col else None,
        },
        geometry=gdf.geometry[keep].to_numpy(),
        crs="EPSG:4326",
        index=gdf.index[keep],
    )
    if "code" not in col:
        out["code"] = [f"{lv}:{nm}" for lv, nm in zip(out["level"], out["name"], strict=True)]
    used = {k: v for k, v in col.items()}
    if const_level is not None:
        used["level"] = f"(constant) {const_level}"
    return out, used, dropped


def level_word(value: object) -> str | None:
    """Contract level of a level/type word, ``""`` for a level to skip, None if unknown.

    Examples
    --------
    >>> level_word("Union Council"), level_word("Tehsil/Taluka"), level_word("Division")
    ('union_council', 'tehsil', '')
    >>> level_word("ward") is None
    True
    """
    text = re.sub(r"[\s_-]+", " ", str(value).strip().casefold())
    if text in _LEVEL_WORDS:
        return _LEVEL_WORDS[text]
    if text.replace(" ", "_") in sc.ADMIN_LEVELS:
        return text.replace(" ", "_")
    if text in _SKIPPED_WORDS:
        return ""
    for word, level in _LEVEL_WORDS.items():  # "Provincial Capital Territory", "Tehsil/Taluka"
        if len(word) > 3 and word in text:
            return level
    return "" if any(w in text for w in _SKIPPED_WORDS) else None


def polygon_part(geom: Any) -> Any:
    """The polygonal part of a geometry (None when it has no area)."""
    polys = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not polys:
        return None
    out = shapely.union_all(polys)
    return None if out.is_empty or out.area <= 0 else out


# ---------------------------------------------------------------------------------------


def _mapped_columns(
    gdf: gpd.GeoDataFrame,
    mapping: Mapping[str, str],
    by_lower: Mapping[str, str],
    listing: str,
    src: str,
) -> tuple[dict[str, str], str | None]:
    """File columns named by ``boundary_columns``, and its constant level (if any)."""
    problems: list[Problem] = []
    known = (*_CONTRACT_KEYS, *sc.ADMIN_LEVELS)
    for key in mapping:
        if key not in known:
            problems.append(
                Problem(
                    f"boundary_columns key {key!r} is not one of {', '.join(known)}",
                    src,
                    column=key,
                )
            )
    col: dict[str, str] = {}
    const_level: str | None = None
    for key, value in mapping.items():
        if key not in known:
            continue
        if (
            key == "level"
            and value not in gdf.columns
            and value.casefold() not in by_lower
            and level_word(value)
        ):
            const_level = level_word(value)
            continue
        hit = value if value in gdf.columns else by_lower.get(str(value).casefold())
        if hit is None:
            problems.append(
                Problem(
                    f"boundary_columns maps {key!r} to this column, which the file does not "
                    f"have (columns: {listing}); correct the mapping",
                    src,
                    column=str(value),
                )
            )
        else:
            col[key] = hit
    if problems:
        raise SchemaError(problems, source=src)
    return col, const_level


def _require_level_and_name(
    col: Mapping[str, str], const_level: str | None, listing: str, src: str
) -> None:
    """Refuse a file without a level (column, number or constant) or a name column."""
    problems: list[Problem] = []
    if "level" not in col and "admin_level" not in col and const_level is None:
        problems.append(
            Problem(
                "required column is missing: give `level` (province, district, tehsil, "
                "union_council), or `admin_level` (4 province, 6 district, 7 tehsil, 8 union "
                "council), or GADM columns NAME_1..., or map one with boundary_columns="
                f"{{'level': 'YOUR_COLUMN'}} (columns present: {listing})",
                src,
                column="level",
            )
        )
    if "name" not in col:
        problems.append(
            Problem(
                "required column is missing: give `name`, or map one with boundary_columns="
                f"{{'name': 'YOUR_COLUMN'}} (columns present: {listing})",
                src,
                column="name",
            )
        )
    if problems:
        raise SchemaError(problems, source=src)


def _unit_levels(
    gdf: gpd.GeoDataFrame, col: Mapping[str, str], const_level: str | None, src: str
) -> pd.Series:
    """Contract level of each row (``""``: a level to drop); bad or missing values refused."""
    problems: list[Problem] = []
    bad = pd.Series(False, index=gdf.index)
    if const_level is not None:
        level = pd.Series(const_level, index=gdf.index, dtype=object)
    elif "level" in col:
        level, bad, problems = _level_words(gdf, col["level"], src)
    else:
        level, bad, problems = _level_numbers(gdf, col["admin_level"], src)
    level_col = col.get("level") or col.get("admin_level")
    for r in gdf.index[level.isna().to_numpy() & ~bad.to_numpy()][:20]:
        problems.append(Problem("level is missing; fill it in or drop the row", src, r, level_col))
    no_name = gdf[col["name"]].map(_text_or_none).isna().to_numpy()
    for r in gdf.index[no_name][:20]:
        problems.append(Problem("name is missing; fill it in or drop the row", src, r, col["name"]))
    if problems:
        raise SchemaError(problems, source=src)
    return level


def _level_words(
    gdf: gpd.GeoDataFrame, column: str, src: str
) -> tuple[pd.Series, pd.Series, list[Problem]]:
    """Levels from a column of level words, the rows whose word is not a level, problems."""
    level = gdf[column].map(lambda v: None if pd.isna(v) else level_word(v))
    bad = level.isna() & gdf[column].notna()
    problems = [
        Problem(
            f"value {gdf.at[r, column]!r} is not a level; use province, district, "
            "tehsil or union_council",
            src,
            r,
            column,
        )
        for r in gdf.index[bad.to_numpy()][:20]
    ]
    return level, bad, problems


def _level_numbers(
    gdf: gpd.GeoDataFrame, column: str, src: str
) -> tuple[pd.Series, pd.Series, list[Problem]]:
    """Levels from OSM ``admin_level`` numbers, the rows with another number, problems."""
    num = pd.to_numeric(gdf[column], errors="coerce")
    level = num.map(lambda v: ADMIN_LEVEL_NUMBERS.get(int(v)) if v == v else None)
    skip = num.isin(list(_SKIPPED_ADMIN_LEVELS))
    level[skip] = ""
    bad = level.isna() & gdf[column].notna()
    problems = [
        Problem(
            f"admin_level {gdf.at[r, column]!r} is not one of 2 (country, "
            "dropped), 3/4 province, 5 (division, dropped), 6 district, 7 tehsil, "
            "8 union council",
            src,
            r,
            column,
        )
        for r in gdf.index[bad.to_numpy()][:20]
    ]
    return level, bad, problems


def _text_or_none(value: object) -> str | None:
    """The stripped text of a cell; None for a null or blank cell."""
    if value is None or pd.isna(cast(Any, value)) or not str(value).strip():
        return None
    return str(value).strip()


def _gadm_levels(gdf: gpd.GeoDataFrame, by_lower: Mapping[str, str]) -> dict[str, str]:
    """GADM NAME_k columns -> contract level, from ENGTYPE_k/TYPE_k or by depth."""
    default = {1: "province", 2: "district", 3: "tehsil", 4: "union_council"}
    out: dict[str, str] = {}
    for k in range(1, 6):
        name_col = by_lower.get(f"name_{k}")
        if name_col is None:
            break
        type_col = by_lower.get(f"engtype_{k}") or by_lower.get(f"type_{k}")
        level: str | None = default.get(k)
        if type_col is not None and gdf[type_col].notna().any():
            level = level_word(gdf[type_col].dropna().mode().iloc[0])
        if level and level not in out:
            out[level] = name_col
    return {lv: out[lv] for lv in sc.ADMIN_LEVELS if lv in out}


def _from_hierarchy(
    gdf: gpd.GeoDataFrame,
    hier: Mapping[str, str],
    by_lower: Mapping[str, str],
    col: Mapping[str, str],
    src: str,
) -> tuple[gpd.GeoDataFrame, dict[str, str], Counter[str]]:
    """One row per unit with its parents' names -> one row per unit of every level."""
    levels = list(hier)
    names = gdf[[hier[lv] for lv in levels]].astype(object).map(_text_or_none)
    dropped: Counter[str] = Counter()
    country = names.isna().all(axis=1).to_numpy()  # e.g. GADM's ADM_0 layer
    if country.any():
        dropped["no name in the hierarchy columns (country rows)"] = int(country.sum())
        gdf, names = gdf[~country], names[~country]
    depth = names.notna().sum(axis=1).to_numpy() - 1
    problems: list[Problem] = []
    gaps = names.notna().to_numpy()
    for r, row_ok in zip(gdf.index, gaps, strict=True):
        d = int(row_ok.sum())
        if not row_ok[:d].all():
            problems.append(
                Problem(
                    "the unit's names are missing or have gaps in the hierarchy columns "
                    f"{', '.join(hier.values())}; fill them in or drop the row",
                    src,
                    r,
                )
            )
            if len(problems) >= 20:
                break
    if problems:
        raise SchemaError(problems, source=src)
    gid_cols = {
        lv: by_lower.get(f"gid_{c.rsplit('_', 1)[-1]}") if c.upper().startswith("NAME_") else None
        for lv, c in hier.items()
    }
    paths = [
        tuple(str(v) for v in row[: d + 1]) for row, d in zip(names.to_numpy(), depth, strict=True)
    ]
    code_of: dict[tuple[str, ...], str] = {}
    for d, lv in enumerate(levels):
        gid = gid_cols.get(lv)
        for path, row_i in zip(paths, range(len(paths)), strict=True):
            if len(path) <= d:
                continue
            key = path[: d + 1]
            if key in code_of:
                continue
            value = gdf[gid].iloc[row_i] if gid is not None else None
            code_of[key] = str(value) if value is not None and value == value else "/".join(key)
    geoms: dict[tuple[str, ...], Any] = {}
    geom = gdf.geometry.to_numpy()
    own: dict[tuple[str, ...], list[Any]] = {}
    for path, g in zip(paths, geom, strict=True):
        own.setdefault(path, []).append(g)
    for d in range(len(levels) - 1, -1, -1):
        keys = {k for k in code_of if len(k) == d + 1}
        for key in keys:
            if key in own:
                parts = [g for g in own[key] if g is not None]
            else:
                parts = [g for k, g in geoms.items() if len(k) == d + 2 and k[: d + 1] == key]
            if len(parts) > 1:  # dissolve: repair first (a unit's own polygon is checked later)
                fixed = [g if g.is_valid else shapely.make_valid(g) for g in parts]
                geoms[key] = polygon_part(shapely.union_all(fixed))
            else:
                geoms[key] = parts[0] if parts else None
    rows = [
        {
            "level": levels[len(k) - 1],
            "code": code_of[k],
            "name": k[-1],
            "parent_code": code_of[k[:-1]] if len(k) > 1 else None,
            "name_ur": None,
            "geometry": geoms[k],
        }
        for k in sorted(code_of, key=lambda k: (len(k), k))
    ]
    out = gpd.GeoDataFrame(pd.DataFrame(rows), geometry="geometry", crs="EPSG:4326")
    return out, dict(col), dropped
