"""Data contracts: the columns, dtypes and rules of every table the tool reads or writes.

Each table has one :class:`TableSchema`. :func:`validate` checks a (Geo)DataFrame against
it, collects *every* problem (missing columns, wrong types, nulls, duplicates, out-of-range
values, wrong geometry types, CRS) and raises one :class:`~geodata.errors.SchemaError`
naming the file, row and column of each. Valid tables come back with canonical dtypes.

Storage CRS is always EPSG:4326 (lon/lat). Computations use a projected metric CRS chosen
explicitly (see :func:`require_projected`).

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"level": ["settlement"], "unit_id": ["S1"], "registered_households": [-3]})
>>> try:
...     validate(df, COVERAGE, source="coverage.csv")
... except SchemaError as err:
...     print(err.problems[0])
coverage.csv, row 0, column 'registered_households': value -3 is below the minimum 0; ...
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from geodata.errors import CRSError, Problem, SchemaError

__all__ = [
    "ADMIN_LEVELS",
    "BOUNDARIES",
    "CANDIDATES",
    "CENTRES",
    "COVERAGE",
    "POVERTY",
    "ROAD_EDGES",
    "ROAD_NODES",
    "SETTLEMENTS",
    "STORAGE_CRS",
    "Column",
    "TableSchema",
    "require_projected",
    "validate",
]

STORAGE_CRS = "EPSG:4326"
ADMIN_LEVELS = ("province", "district", "tehsil", "union_council")

Kind = Literal["str", "int", "float", "bool"]

#: Whole numbers beyond this are refused (float64 holds integers exactly up to 2**53).
_MAX_INT = 2.0**53


@dataclass(frozen=True)
class Column:
    """One column's contract."""

    name: str
    kind: Kind
    required: bool = True
    nullable: bool = False
    unique: bool = False
    min: float | None = None
    max: float | None = None
    allowed: tuple[str, ...] | None = None
    doc: str = ""


@dataclass(frozen=True)
class TableSchema:
    """A table's contract: its columns and, for spatial tables, its geometry types."""

    name: str
    columns: tuple[Column, ...]
    geometry: tuple[str, ...] | None = None
    doc: str = ""
    extra_ok: bool = True
    notes: tuple[str, ...] = field(default=())

    @property
    def required(self) -> tuple[str, ...]:
        """Names of the required columns."""
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        """The column called ``name``; KeyError when the table has none."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


_ADMIN_COLS = (
    Column("province", "str", doc="province name"),
    Column("district", "str", doc="district name"),
    Column("tehsil", "str", doc="tehsil name"),
    Column("union_council", "str", doc="union council name or code"),
)

SETTLEMENTS = TableSchema(
    "settlements",
    (
        Column("settlement_id", "str", unique=True, doc="stable id"),
        Column("name", "str"),
        Column("name_ur", "str", required=False, nullable=True, doc="name in Urdu script"),
        *_ADMIN_COLS,
        Column("households", "int", min=0),
        Column("population", "int", min=0),
        Column(
            "documents_missing_share",
            "float",
            required=False,
            nullable=True,
            min=0,
            max=1,
            doc="share of households lacking a required ID document (a second trip; gaps)",
        ),
        Column("urban", "bool", required=False, doc="urban settlement (exclusion model term)"),
    ),
    geometry=("Point",),
    doc="Populated places: villages, towns, or grid cells carrying population.",
)

CENTRES = TableSchema(
    "centres",
    (
        Column("centre_id", "str", unique=True),
        Column("name", "str"),
        Column("kind", "str", allowed=("existing", "candidate")),
        Column("capacity_per_day", "float", min=0, doc="registrations per day"),
        Column("desks", "int", required=False, min=1, doc="registration desks (gaps, #17)"),
        Column("opening_cost_pkr", "float", min=0),
        Column("tehsil", "str", required=False, nullable=True),
        Column("union_council", "str", required=False, nullable=True),
        Column("assumed", "bool", required=False, doc="location assumed, not given"),
    ),
    geometry=("Point",),
    doc="Registration centres that exist (kind 'existing').",
)

CANDIDATES = TableSchema(
    CENTRES.name.replace("centres", "candidates"),
    CENTRES.columns,
    geometry=("Point",),
    doc="Candidate sites for new Union Council centres (kind 'candidate').",
)

ROAD_NODES = TableSchema(
    "road_nodes",
    (Column("node_id", "int", unique=True, min=0),),
    geometry=("Point",),
    doc="Road graph nodes (junctions and shape points).",
)

ROAD_EDGES = TableSchema(
    "road_edges",
    (
        Column("u", "int", min=0, doc="from node_id"),
        Column("v", "int", min=0, doc="to node_id"),
        Column("highway", "str", doc="OSM highway class"),
        Column("oneway", "bool", doc="true: travel only u -> v for vehicles"),
        Column("surface", "str", nullable=True, required=False, doc="OSM surface"),
        Column("maxspeed_kph", "float", nullable=True, required=False, min=0),
        Column("bridge", "bool", required=False),
        Column("name", "str", nullable=True, required=False),
        Column("length_m", "float", min=0),
    ),
    geometry=("LineString",),
    doc="Road segments. One row per OSM way segment between graph nodes.",
)

BOUNDARIES = TableSchema(
    "boundaries",
    (
        Column("level", "str", allowed=ADMIN_LEVELS),
        Column("code", "str", doc="unique within the level"),
        Column("name", "str"),
        Column("parent_code", "str", nullable=True, doc="code of the unit one level up"),
    ),
    geometry=("Polygon", "MultiPolygon"),
    doc="Administrative units.",
)

_LEVELS = ("settlement", *ADMIN_LEVELS)

COVERAGE = TableSchema(
    "coverage",
    (
        Column("level", "str", allowed=_LEVELS, doc="settlement or an admin level"),
        Column("unit_id", "str", doc="settlement_id, or the admin unit's name/code"),
        Column("registered_households", "float", min=0),
    ),
    doc="Households on the registry (NSER), per settlement or per admin unit.",
)

POVERTY = TableSchema(
    "poverty",
    (
        Column("level", "str", allowed=_LEVELS),
        Column("unit_id", "str"),
        Column(
            "poor_share", "float", min=0, max=1, doc="share of households in national bottom 40%"
        ),
    ),
    doc="Share of households in the national bottom 40%, per settlement or admin unit.",
)


def validate(
    df: pd.DataFrame,
    schema: TableSchema,
    *,
    source: str | None = None,
    crs: str | None = STORAGE_CRS,
    unique_together: Sequence[str] = (),
) -> pd.DataFrame:
    """Check ``df`` against ``schema`` and return it with canonical dtypes.

    Parameters
    ----------
    df
        The table. Spatial schemas need a GeoDataFrame.
    schema
        The contract, e.g. :data:`SETTLEMENTS`.
    source
        File or table name used in messages (defaults to the schema name).
    crs
        CRS the layer must be in; ``None`` skips the check.
    unique_together
        Columns whose combined values must be unique (e.g. ``("level", "unit_id")``).

    Returns
    -------
    pandas.DataFrame
        A copy with canonical dtypes (ids as ``str``, counts as ``int64``...), same index.

    Raises
    ------
    SchemaError
        Listing every problem found, each with file, row and column.
    """
    src = source or schema.name
    problems: list[Problem] = []
    if not isinstance(df, pd.DataFrame):
        raise SchemaError([Problem(f"expected a table, got {type(df).__name__}", src)])
    twice = list(dict.fromkeys(str(c) for c in df.columns[df.columns.duplicated()]))
    if twice:  # nothing else can be checked reliably
        raise SchemaError(
            [Problem("column is given more than once; keep one", src, column=c) for c in twice],
            source=src,
        )
    if len(df) == 0:
        problems.append(Problem("the table is empty; it needs at least one row", src))
    missing = [c for c in schema.required if c not in df.columns]
    for c in missing:
        problems.append(
            Problem(
                f"required column is missing (columns present: {', '.join(map(str, df.columns))})",
                src,
                column=c,
            )
        )
    out = df.copy()
    for col in schema.columns:
        if col.name not in out.columns:
            continue
        converted, col_problems = _check_column(out[col.name], col, src)
        problems.extend(col_problems)
        if converted is not None:
            out[col.name] = converted
    for cols in [tuple(unique_together)] if unique_together else []:
        if all(c in out.columns for c in cols):
            dup = out.duplicated(list(cols), keep="first")
            for idx in out.index[dup][:20]:
                vals = ", ".join(f"{c}={out.at[idx, c]!r}" for c in cols)
                problems.append(Problem(f"duplicate combination ({vals}); keep one row", src, idx))
    if schema.geometry is not None:
        problems.extend(_check_geometry(out, schema, src, crs))
    if problems:
        raise SchemaError(problems, source=src)
    return out


def require_projected(gdf: gpd.GeoDataFrame | gpd.GeoSeries, *, what: str = "layer") -> CRS:
    """Return the CRS of ``gdf`` if it is projected (metres); raise otherwise.

    Raises
    ------
    CRSError
        When the CRS is missing or geographic (degrees).
    """
    if gdf.crs is None:
        raise CRSError(f"{what} has no CRS; set one (e.g. gdf.set_crs('EPSG:4326')) first")
    crs = CRS.from_user_input(gdf.crs)
    if not crs.is_projected:
        raise CRSError(
            f"{what} is in a geographic CRS ({crs.to_string()}); distances need metres: "
            "reproject with gdf.to_crs(gdf.estimate_utm_crs()) first"
        )
    return crs


# ---------------------------------------------------------------------------------------


def _rows(series: pd.Series, mask: Any) -> list[Any]:
    """The index labels of the first 20 rows where ``mask`` holds."""
    return list(series.index[np.asarray(mask, dtype=bool)][:20])


def _check_column(s: pd.Series, col: Column, src: str) -> tuple[pd.Series | None, list[Problem]]:
    """The column in its canonical dtype (None when it cannot be converted), and its problems."""
    problems: list[Problem] = []
    isnull = s.isna().to_numpy()
    if not col.nullable and isnull.any():
        for r in _rows(s, isnull):
            problems.append(
                Problem("value is missing; fill it in or drop the row", src, r, col.name)
            )
    converted: pd.Series | None = None
    if col.kind == "str":
        converted, found = _check_text(s, col, src, isnull)
    elif col.kind in ("int", "float"):
        converted, found = _check_number(s, col, src, isnull)
    elif col.kind == "bool":
        converted, found = _check_bool(s, col, src)
    else:
        found = []
    problems += found
    if col.unique:
        dup = s.duplicated(keep="first").to_numpy() & ~isnull
        for r in _rows(s, dup):
            problems.append(
                Problem(f"duplicate id {s.loc[r]!r}; ids must be unique", src, r, col.name)
            )
    if col.allowed is not None:
        bad = ~s.isin(col.allowed).to_numpy() & ~isnull
        for r in _rows(s, bad):
            problems.append(
                Problem(
                    f"value {s.loc[r]!r} is not one of {', '.join(col.allowed)}", src, r, col.name
                )
            )
    return converted, problems


def _check_text(
    s: pd.Series, col: Column, src: str, isnull: np.ndarray
) -> tuple[pd.Series, list[Problem]]:
    """A text column as ``str`` objects (nulls kept); blank text refused unless nullable."""
    problems: list[Problem] = []
    uniques: Any
    try:  # each distinct value converted once (a road table repeats a few dozen classes)
        codes, uniques = pd.factorize(s, use_na_sentinel=True)
    except TypeError:  # unhashable cells: one by one
        codes, uniques = np.arange(len(s)), s.to_numpy(dtype=object)
    text = np.array([None, *(str(v) for v in uniques)], dtype=object)
    values = text[codes + 1]
    values[isnull] = None
    converted = pd.Series(values, index=s.index, dtype=object)
    blank = np.array([v is not None and v.strip() == "" for v in text], dtype=bool)
    empty = blank[codes + 1] & ~isnull
    if not col.nullable and empty.any():
        for r in _rows(s, empty):
            problems.append(Problem("text is empty; give a value", src, r, col.name))
    return converted, problems


def _check_number(
    s: pd.Series, col: Column, src: str, isnull: np.ndarray
) -> tuple[pd.Series | None, list[Problem]]:
    """A numeric column as int64/Int64/float64; non-numbers, infinities and range refused."""
    problems: list[Problem] = []
    num = pd.to_numeric(s, errors="coerce")
    bad = num.isna().to_numpy() & ~isnull
    for r in _rows(s, bad):
        problems.append(Problem(f"value {s.loc[r]!r} is not a number", src, r, col.name))
    arr = num.to_numpy(dtype=float)
    inf = np.isinf(arr)
    for r in _rows(s, inf):
        problems.append(Problem("value is infinite; give a finite number", src, r, col.name))
    finite = np.isfinite(arr)
    if col.kind == "int":
        finite = _check_whole(s, col, src, arr, finite, problems)
    problems += _check_range(s, num, col, src, arr, finite)
    if col.kind != "int":
        return num.astype("float64"), problems
    if col.nullable and not (~isnull & ~finite).any():
        return num.round().astype("Int64"), problems
    if not (isnull | ~finite).any():
        return num.astype("int64"), problems
    return None, problems


def _check_whole(
    s: pd.Series,
    col: Column,
    src: str,
    arr: np.ndarray,
    finite: np.ndarray,
    problems: list[Problem],
) -> np.ndarray:
    """Refuse huge and fractional values of an int column; the finite mask without huge ones."""
    huge = finite & (np.abs(arr) > _MAX_INT)
    for r in _rows(s, huge):
        problems.append(
            Problem(f"value {s.loc[r]!r} is too large; check the units", src, r, col.name)
        )
    finite = finite & ~huge
    frac = finite & (np.floor(arr) != arr)
    for r in _rows(s, frac):
        problems.append(
            Problem(f"value {arr[s.index.get_loc(r)]} is not a whole number", src, r, col.name)
        )
    return finite


def _check_range(
    s: pd.Series, num: pd.Series, col: Column, src: str, arr: np.ndarray, finite: np.ndarray
) -> list[Problem]:
    """Problems of finite values below ``col.min`` or above ``col.max``."""
    problems: list[Problem] = []
    if col.min is not None:
        low = finite & (arr < col.min)
        for r in _rows(s, low):
            v = num.loc[r]
            problems.append(
                Problem(
                    f"value {v:g} is below the minimum {col.min:g}; correct or drop the row",
                    src,
                    r,
                    col.name,
                )
            )
    if col.max is not None:
        high = finite & (arr > col.max)
        for r in _rows(s, high):
            problems.append(
                Problem(
                    f"value {num.loc[r]:g} is above the maximum {col.max:g}; "
                    "shares are fractions between 0 and 1",
                    src,
                    r,
                    col.name,
                )
            )
    return problems


_BOOL_WORDS: dict[Any, bool] = {
    True: True,
    False: False,
    "true": True,
    "false": False,
    "yes": True,
    "no": False,
    "1": True,
    "0": False,
}


def _check_bool(s: pd.Series, col: Column, src: str) -> tuple[pd.Series | None, list[Problem]]:
    """A true/false column as bool (None when a value is missing or not true/false)."""
    if s.dtype == bool:  # already canonical: nothing to map
        return s.copy(), []

    def _b(v: Any) -> Any:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return None
        key = v.strip().lower() if isinstance(v, str) else v
        return _BOOL_WORDS.get(key, "?")

    mapped = s.map(_b)
    bad = (mapped == "?").to_numpy()
    problems = [
        Problem(f"value {s.loc[r]!r} is not true/false", src, r, col.name) for r in _rows(s, bad)
    ]
    if not bad.any() and not mapped.isna().any():
        return mapped.astype(bool), problems
    return None, problems


def _check_geometry(
    df: pd.DataFrame, schema: TableSchema, src: str, crs: str | None
) -> list[Problem]:
    problems: list[Problem] = []
    if not isinstance(df, gpd.GeoDataFrame) or df.geometry.name not in df.columns:
        return [
            Problem("the table has no geometry column; give a spatial file", src, column="geometry")
        ]
    geom = df.geometry
    gcol = geom.name
    missing = (geom.isna() | geom.is_empty).to_numpy()
    for r in _rows(geom, missing):
        problems.append(Problem("geometry is missing or empty", src, r, gcol))
    types = geom.geom_type.to_numpy()
    assert schema.geometry is not None
    wrong = ~missing & ~np.isin(types, schema.geometry)
    for r in _rows(geom, wrong):
        problems.append(
            Problem(
                f"geometry is a {geom.loc[r].geom_type}; expected {' or '.join(schema.geometry)}",
                src,
                r,
                gcol,
            )
        )
    ok = ~missing & ~wrong
    if ok.any():
        invalid = np.zeros(len(geom), dtype=bool)
        invalid[ok] = ~geom[ok].is_valid.to_numpy()
        for r in _rows(geom, invalid):
            problems.append(
                Problem("geometry is invalid (self-intersecting or degenerate)", src, r, gcol)
            )
        b = geom[ok].bounds
        bad_xy = ~np.isfinite(b.to_numpy()).all(axis=1)
        for r in list(b.index[bad_xy][:20]):
            problems.append(Problem("coordinates are not finite numbers", src, r, gcol))
    if crs is not None:
        if df.crs is None:
            problems.append(
                Problem(
                    f"layer has no CRS; it must be {crs} (longitude/latitude)", src, column=gcol
                )
            )
        elif not CRS.from_user_input(df.crs).equals(CRS.from_user_input(crs)):
            problems.append(
                Problem(
                    f"layer is in {CRS.from_user_input(df.crs).to_string()}, expected {crs}; "
                    f"reproject with gdf.to_crs('{crs}')",
                    src,
                    column=gcol,
                )
            )
        elif ok.any():
            b = geom[ok].bounds
            outside = ((b.minx < -180) | (b.maxx > 180) | (b.miny < -90) | (b.maxy > 90)).to_numpy()
            for r in list(b.index[outside][:20]):
                problems.append(
                    Problem(
                        "coordinates are outside longitude/latitude range; the layer is probably "
                        "projected but labelled EPSG:4326",
                        src,
                        r,
                        gcol,
                    )
                )
    return problems
