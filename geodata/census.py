"""Read census totals per tehsil and match them to tehsil boundaries.

Two formats are read:

* the Pakistan Bureau of Statistics 2017 table (``tehsil_population_2017.csv``): columns
  ``PROVINCE, DIVISION, DISTRICT, SUB DIVISION`` and, for rural and urban areas,
  ``ALL SEXES (RURAL)``, ``AVG HOUSEHOLD SIZE (RURAL)`` ... Population is rural + urban;
  households are ``rural / avg size (rural) + urban / avg size (urban)``, each rounded.
* a simple table: ``tehsil, population`` and either ``households`` or
  ``avg_household_size`` (optional ``district``, ``province``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from geodata.errors import DataFileError, Problem, SchemaError
from geodata.joins import match_names, normalise_name, read_table

__all__ = ["CENSUS_COLUMNS", "CensusMatch", "match_census", "read_census"]

#: Columns of the table :func:`read_census` returns.
CENSUS_COLUMNS = (
    "province",
    "district",
    "tehsil",
    "population",
    "households",
    "avg_household_size",
    "population_rural",
    "population_urban",
    "households_rural",
    "households_urban",
)

_PBS = {
    "province": "PROVINCE",
    "district": "DISTRICT",
    "tehsil": "SUB DIVISION",
    "pop_r": "ALL SEXES (RURAL)",
    "hh_r": "AVG HOUSEHOLD SIZE (RURAL)",
    "pop_u": "ALL SEXES (URBAN)",
    "hh_u": "AVG HOUSEHOLD SIZE (URBAN)",
}


@dataclass(frozen=True)
class CensusMatch:
    """Tehsil names of the region matched to census rows.

    Attributes
    ----------
    pairs
        ``{region tehsil name: census row label}``.
    fuzzy
        Pairs matched by spelling similarity, ``{region name: census tehsil name}``.
    unmatched_region
        Region tehsils with no census row (their settlements get no census population).
    unmatched_census
        Census tehsils of the same district(s) as matched ones that the region lacks (the
        extract does not reach them); other census rows are ignored.
    """

    pairs: dict[str, int] = field(default_factory=dict)
    fuzzy: dict[str, str] = field(default_factory=dict)
    unmatched_region: tuple[str, ...] = ()
    unmatched_census: tuple[str, ...] = ()


def read_census(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a census table in the PBS 2017 format or the simple format.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CENSUS_COLUMNS`; ``tehsil`` as written in the file (e.g.
        ``"KAHUTA TEHSIL"``); ``households`` and ``population`` int64, and their rural and
        urban parts (a simple table has no split: all of it is ``_rural``).

    Raises
    ------
    DataFileError
        When the file cannot be read.
    SchemaError
        When columns are missing or values are not numbers (every problem listed).

    Examples
    --------
    >>> census = read_census("tehsil_population_2017.csv")  # doctest: +SKIP
    >>> census.loc[census["tehsil"] == "MURREE TEHSIL", "population"]  # doctest: +SKIP
    """
    src = Path(path)
    df = read_table(src)
    _no_duplicate_columns(df, str(src))
    cols = {str(c).strip().upper(): c for c in df.columns}
    if all(v in cols for v in _PBS.values()):
        out = _from_pbs(df, cols, str(src))
    else:
        out = _from_simple(df, str(src))
    if not len(out):
        raise DataFileError(f"{src}: the census table has no rows; give one row per tehsil")
    return out


def match_census(
    census: pd.DataFrame, tehsils: Iterable[str], *, cutoff: float = 0.8
) -> CensusMatch:
    """Match the region's tehsil names to census rows (normalised, then by spelling).

    Only census rows of districts that hold at least one exactly-matched tehsil are
    candidates for spelling matches, so "Murree" is not matched to a namesake elsewhere.
    """
    names = list(dict.fromkeys(tehsils))
    exact = match_names(names, census["tehsil"].astype(str), cutoff=1.0)
    districts = set(census.loc[census["tehsil"].isin(list(exact.pairs.values())), "district"])
    pool = census[census["district"].isin(districts)] if districts else census
    rest = [n for n in names if n not in exact.pairs]
    fuzzy = match_names(rest, pool["tehsil"].astype(str), cutoff=cutoff) if rest else None
    pairs: dict[str, int] = {}
    label_of = {str(t): i for i, t in zip(census.index, census["tehsil"], strict=True)}
    for n, t in exact.pairs.items():
        pairs[n] = label_of[t]
    fz: dict[str, str] = {}
    if fuzzy is not None:
        for n, t in fuzzy.pairs.items():
            pairs[n] = label_of[t]
            fz[n] = t
    used = {census.at[i, "tehsil"] for i in pairs.values()}
    missing_census = tuple(
        str(t) for t in census.loc[census["district"].isin(districts), "tehsil"] if t not in used
    )
    return CensusMatch(
        pairs=pairs,
        fuzzy=fz,
        unmatched_region=tuple(n for n in names if n not in pairs),
        unmatched_census=missing_census,
    )


# ---------------------------------------------------------------------------------------


#: Larger counts are not a tehsil's (Pakistan has about 240 million people).
_MAX_COUNT = 1e9


def _num(df: pd.DataFrame, col: Any, src: str, problems: list[Problem]) -> np.ndarray:
    raw = df[col]
    s = pd.to_numeric(raw, errors="coerce")
    bad = s.isna().to_numpy() & raw.notna().to_numpy()
    for r in df.index[bad][:20]:
        problems.append(Problem(f"value {raw.loc[r]!r} is not a number", src, r, str(col)))
    arr = s.fillna(0.0).to_numpy(dtype=float)
    for r in df.index[~bad & ~np.isfinite(arr)][:20]:
        problems.append(Problem("value is infinite; give a finite number", src, r, str(col)))
    for r in df.index[np.isfinite(arr) & (arr < 0)][:20]:
        problems.append(Problem(f"value {raw.loc[r]!r} is negative", src, r, str(col)))
    for r in df.index[np.isfinite(arr) & (arr > _MAX_COUNT)][:20]:
        problems.append(
            Problem(
                f"value {raw.loc[r]!r} is too large for a tehsil; check the units", src, r, str(col)
            )
        )
    return np.where(np.isfinite(arr) & (arr >= 0) & (arr <= _MAX_COUNT), arr, 0.0)


def _whole(
    df: pd.DataFrame, col: Any, src: str, problems: list[Problem], what: str = "count"
) -> np.ndarray:
    """A column of counts (people, households): :func:`_num`, and whole numbers only.

    A count with decimals (``1234.5``) is an error, never truncated silently: it usually means
    a column of shares or sizes was given where counts belong.
    """
    arr = _num(df, col, src, problems)
    frac = np.abs(arr - np.round(arr)) > 1e-9
    for i in np.flatnonzero(frac)[:20]:
        r = df.index[i]
        problems.append(
            Problem(
                f"value {arr[i]:g} is not a whole number; a {what} is a count of people or "
                "households (check that this is the right column)",
                src,
                r,
                str(col),
            )
        )
    return arr


def _no_duplicate_columns(df: pd.DataFrame, src: str) -> None:
    dup = list(dict.fromkeys(str(c) for c in df.columns[df.columns.duplicated()]))
    if dup:
        raise SchemaError(
            [Problem("column is given more than once; keep one", src, column=c) for c in dup],
            source=src,
        )


def _from_pbs(df: pd.DataFrame, cols: dict[str, Any], src: str) -> pd.DataFrame:
    problems: list[Problem] = []
    c = {k: cols[v] for k, v in _PBS.items()}
    pop_r = _whole(df, c["pop_r"], src, problems, "population")
    pop_u = _whole(df, c["pop_u"], src, problems, "population")
    hh_r = _num(df, c["hh_r"], src, problems)
    hh_u = _num(df, c["hh_u"], src, problems)
    for size, pop, col in ((hh_r, pop_r, c["hh_r"]), (hh_u, pop_u, c["hh_u"])):
        bad = (pop > 0) & (size < 1)
        for r in df.index[bad][:20]:
            problems.append(
                Problem(
                    "average household size is missing, 0 or below 1 for a populated area",
                    src,
                    r,
                    str(col),
                )
            )
    if problems:
        raise SchemaError(problems, source=src)
    with np.errstate(divide="ignore", invalid="ignore"):
        hh_rural = np.where(hh_r > 0, np.round(pop_r / hh_r), 0)
        hh_urban = np.where(hh_u > 0, np.round(pop_u / hh_u), 0)
    households = hh_rural + hh_urban
    population = pop_r + pop_u
    out = pd.DataFrame(
        {
            "province": df[c["province"]].astype(str).str.strip().to_numpy(),
            "district": df[c["district"]].astype(str).str.strip().to_numpy(),
            "tehsil": df[c["tehsil"]].astype(str).str.strip().to_numpy(),
            "population": population.astype(np.int64),
            "households": households.astype(np.int64),
        }
    )
    out["avg_household_size"] = out["population"] / out["households"].where(out["households"] > 0)
    out["population_rural"] = pop_r.astype(np.int64)
    out["population_urban"] = pop_u.astype(np.int64)
    out["households_rural"] = hh_rural.astype(np.int64)
    out["households_urban"] = hh_urban.astype(np.int64)
    return out


def _from_simple(df: pd.DataFrame, src: str) -> pd.DataFrame:
    df = df.set_axis([str(c).strip().lower().replace(" ", "_") for c in df.columns], axis=1)
    _no_duplicate_columns(df, src)
    problems: list[Problem] = []
    for col in ("tehsil", "population"):
        if col not in df.columns:
            problems.append(
                Problem(
                    "required column is missing: give `tehsil, population` and `households` "
                    "or `avg_household_size`, or the PBS 2017 census table",
                    src,
                    column=col,
                )
            )
    if "households" not in df.columns and "avg_household_size" not in df.columns:
        problems.append(
            Problem(
                "give a `households` or an `avg_household_size` column", src, column="households"
            )
        )
    if problems:
        raise SchemaError(problems, source=src)
    pop = _whole(df, "population", src, problems, "population")
    if "households" in df.columns:
        hh = _whole(df, "households", src, problems, "household count")
    else:
        size = _num(df, "avg_household_size", src, problems)
        for r in df.index[(size < 1) & (pop > 0)][:20]:
            problems.append(
                Problem("average household size must be at least 1", src, r, "avg_household_size")
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            hh = np.where(size > 0, np.round(pop / size), 0)
    for r in df.index[hh > pop][:20]:
        problems.append(
            Problem("more households than people; check the columns", src, r, "households")
        )
    blank = df["tehsil"].map(normalise_name) == ""
    for r in df.index[blank.to_numpy()][:20]:
        problems.append(Problem("tehsil name is empty", src, r, "tehsil"))
    if problems:
        raise SchemaError(problems, source=src)
    out = pd.DataFrame(
        {
            "province": df["province"].astype(str).to_numpy()
            if "province" in df.columns
            else "unknown",
            "district": df["district"].astype(str).to_numpy()
            if "district" in df.columns
            else "unknown",
            "tehsil": df["tehsil"].astype(str).str.strip().to_numpy(),
            "population": pop.astype(np.int64),
            "households": hh.astype(np.int64),
        }
    )
    out["avg_household_size"] = out["population"] / out["households"].where(out["households"] > 0)
    # no rural/urban split: the whole total is "rural" (spread over all of the tehsil's cells)
    out["population_rural"] = out["population"]
    out["population_urban"] = 0
    out["households_rural"] = out["households"]
    out["households_urban"] = 0
    if not len(out):
        raise DataFileError(f"{src}: the census table has no rows")
    return out
